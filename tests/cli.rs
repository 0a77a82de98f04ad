//! The `mnist-lab` binary end to end: what a user types and what it prints.

mod common;

use std::process::{Command, Output};

fn mnist_lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mnist-lab"))
        .args(args)
        .current_dir(common::project(""))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn eval_of_the_pytorch_weights_prints_pytorchs_accuracy() {
    let out = mnist_lab(&["eval", "tests/fixtures/MulticlassCNN.pth", "--misses", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Test accuracy: 0.9876"), "{text}");
    assert!(text.contains("Confusion matrix"));
    assert!(text.contains("misclassified"));
}

#[test]
fn export_converts_both_ways_and_eval_reads_the_result() {
    let dir = common::scratch("cli-export");
    let (bpk, pth) = (dir.join("from-pytorch.bpk"), dir.join("back.pth"));
    for (from, to) in [
        ("tests/fixtures/MulticlassCNN.pth", bpk.to_str().unwrap()),
        (bpk.to_str().unwrap(), pth.to_str().unwrap()),
    ] {
        let out = mnist_lab(&["export", from, to]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("Wrote the tutorial model's weights"),
            "{}",
            stdout(&out)
        );
    }
    assert_eq!(&std::fs::read(&pth).unwrap()[..4], b"PK\x03\x04");
    let out = mnist_lab(&["eval", pth.to_str().unwrap(), "--misses", "0"]);
    assert!(
        stdout(&out).contains("Test accuracy: 0.9876"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn eval_and_train_take_a_set_of_ones_own_digits() {
    let dir = common::scratch("cli-own-digits");
    let (images, labels) = common::mnist().test.range(0, 50).to_idx();
    std::fs::write(dir.join("my-digits-images-idx3-ubyte.gz"), images).unwrap();
    std::fs::write(dir.join("my-digits-labels-idx1-ubyte.gz"), labels).unwrap();
    let set = dir.to_str().unwrap();
    let out = mnist_lab(&["eval", "tests/fixtures/MulticlassCNN.pth", "--data", set]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("on the digits in"), "{text}");
    assert!(
        text.contains("correct") && text.contains(" of 50 correct"),
        "{text}"
    );

    let model = dir.join("tuned.bpk");
    let out = mnist_lab(&[
        "train",
        "--epochs",
        "1",
        "--limit",
        "600",
        "--extra",
        set,
        "--extra-copies",
        "4",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // 600 MNIST + 4 × 50 of one's own: 200 of 800.
    assert!(
        stdout(&out).contains("Adding 50 digits from")
            && stdout(&out).contains("× 4 copies: 25.0% of each epoch's 800 images"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_paths_and_files_fail_with_a_message() {
    let dir = common::scratch("cli-bad");
    let missing = dir.join("missing.bpk");
    let out = mnist_lab(&["eval", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("missing.bpk"), "{}", stderr(&out));

    let corrupt = dir.join("corrupt.bpk");
    std::fs::write(&corrupt, b"this is not a weights file").unwrap();
    let out = mnist_lab(&["eval", corrupt.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("corrupt.bpk: not a weights file"),
        "{}",
        stderr(&out)
    );

    let out = mnist_lab(&["train", "--data", dir.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("train-images-idx3-ubyte.gz"),
        "{}",
        stderr(&out)
    );

    let out = mnist_lab(&["train", "--epochs", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("epochs must be at least 1"),
        "{}",
        stderr(&out)
    );
    let out = mnist_lab(&["train", "--threads", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("threads must be at least 1"),
        "{}",
        stderr(&out)
    );

    let out = mnist_lab(&[
        "predict",
        missing.to_str().unwrap(),
        "--weights",
        "tests/fixtures/MulticlassCNN.pth",
    ]);
    assert!(!out.status.success());
}

#[test]
fn predict_reads_pngs_of_any_size_and_polarity() {
    let dir = common::scratch("cli-predict");
    let test = common::mnist().test;
    let mut paths = vec![];
    for i in 0..3 {
        // Test digits 0..3 are a 7, a 2 and a 1: drawn 5× larger, dark on light, off-centre.
        let img = image::GrayImage::from_fn(200, 180, |x, y| {
            let (u, v) = (x as i64 / 5 - 3, y as i64 / 5 - 2);
            let ink = if (0..28).contains(&u) && (0..28).contains(&v) {
                test.image(i)[(v * 28 + u) as usize]
            } else {
                0
            };
            image::Luma([255 - ink])
        });
        let path = dir.join(format!("digit{i}.png"));
        img.save(&path).unwrap();
        paths.push(path.to_str().unwrap().to_string());
    }
    let blank = dir.join("blank.png");
    image::GrayImage::from_pixel(50, 50, image::Luma([255]))
        .save(&blank)
        .unwrap();

    let mut args = vec!["predict", "--weights", "tests/fixtures/MulticlassCNN.pth"];
    args.extend(paths.iter().map(String::as_str));
    args.push(blank.to_str().unwrap());
    let out = mnist_lab(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    for (line, digit) in lines.iter().zip(["7", "2", "1"]) {
        let answer = line.split(": ").nth(1).unwrap_or_default();
        assert!(answer.starts_with(digit), "{line}");
    }
    assert!(lines[3].ends_with("nothing drawn"), "{}", lines[3]);
}

#[test]
fn train_saves_weights_that_eval_and_grid_run() {
    let dir = common::scratch("cli-train");
    let out_path = dir.join("small.bpk");
    let out = mnist_lab(&[
        "train",
        "--epochs",
        "1",
        "--limit",
        "1200",
        "--augment",
        "--threads",
        "2",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("9098 parameters"), "{}", stdout(&out));
    assert!(stdout(&out).contains("(2 threads)"), "{}", stdout(&out));
    assert!(stdout(&out).contains("test accuracy"));
    let out = mnist_lab(&["eval", out_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = mnist_lab(&[
        "grid",
        "--limit",
        "600",
        "--lrs",
        "0.001,0.003",
        "--batches",
        "60",
        "--channels",
        "8x16",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("rank") && text.matches("8x16").count() >= 4,
        "{text}"
    );
    let out = mnist_lab(&["grid", "--channels", "8by16"]);
    assert!(!out.status.success());
}

#[test]
fn empty_or_too_small_sets_are_refused_with_a_message() {
    // A test file that announces no digits: once "Test accuracy: 0.0000" with exit code 0.
    let dir = common::mnist_subset("cli-empty-test", 100, 0);
    let data = dir.to_str().unwrap();
    let out = mnist_lab(&["eval", "tests/fixtures/MulticlassCNN.pth", "--data", data]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("t10k-images-idx3-ubyte.gz: it holds no digits"),
        "{}",
        stderr(&out)
    );

    // 3,000 training images cannot hold 10,000 out for validation: once every run ranked 0.00 %.
    let dir = common::mnist_subset("cli-small-train", 3_000, 100);
    let data = dir.to_str().unwrap();
    let out = mnist_lab(&[
        "grid",
        "--data",
        data,
        "--channels",
        "8x16",
        "--batches",
        "60",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the training set has 3000 images: too few to hold 10000 out"),
        "{}",
        stderr(&out)
    );
    let out = mnist_lab(&[
        "grid",
        "--data",
        data,
        "--validation",
        "1000",
        "--lrs",
        "0.001",
        "--batches",
        "60",
        "--channels",
        "8x16",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("on 2000 images, ranked on 1000 validation images"),
        "{}",
        stdout(&out)
    );

    let out = mnist_lab(&["train", "--limit", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the training set is empty"),
        "{}",
        stderr(&out)
    );
}
