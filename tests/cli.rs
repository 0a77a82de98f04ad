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
            stdout(&out).contains("Wrote the weights of the tutorial network"),
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
        stderr(&out).contains("0 is not in 1..=1000"),
        "{}",
        stderr(&out)
    );
    let out = mnist_lab(&["train", "--threads", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("0 is not in 1..=1024"),
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

#[test]
fn every_numeric_flag_is_bounded_before_anything_runs() {
    for (args, bound) in [
        (
            &["train", "--extra", ".", "--extra-copies", "4000000000"][..],
            "1..=200",
        ),
        (&["train", "--epochs", "1000000"], "1..=1000"),
        (&["train", "--batch", "0"], "1..=60000"),
        (&["train", "--lr", "NaN"], "not a learning rate"),
        (&["train", "--lr=-1"], "not a learning rate"),
        (&["grid", "--batches", "60,99999999999"], "1..=60000"),
        (&["bench", "--steps", "18446744073709551615"], "1..=1000000"),
        (&["eval", "x.bpk", "--misses", "1000000000"], "0..=250000"),
    ] {
        let out = mnist_lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(bound), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?} ran: {}", stdout(&out));
    }
}

#[test]
fn an_output_path_that_cannot_be_written_is_refused_before_training() {
    let dir = common::scratch("cli-out");
    for (out_path, why) in [
        (dir.join("missing/dir/x.bpk"), "No such file"),
        (dir.clone(), "it is a folder"),
    ] {
        let out = mnist_lab(&["train", "--limit", "600", "-o", out_path.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("cannot write the file") && stderr(&out).contains(why),
            "{}",
            stderr(&out)
        );
        assert!(
            !stdout(&out).contains("Training"),
            "it trained first: {}",
            stdout(&out)
        );
    }
    // The check leaves nothing behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn a_full_disk_leaves_the_file_being_replaced_intact() {
    let dir = common::scratch("cli-full-disk");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&dir)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!(
            "skipped: mounting a 64 KB tmpfs needs root (the atomic write is tested in files.rs)"
        );
        return;
    }
    // A disk nearly full of other files, and an 8 KB earlier export to replace with 38 KB:
    // written in place, the old file would be cut short and then left half-written.
    std::fs::write(dir.join("other"), vec![0u8; 40_000]).unwrap();
    let target = dir.join("model.bpk");
    let old: Vec<u8> = (0..8_000).map(|i| (i % 251) as u8).collect();
    std::fs::write(&target, &old).unwrap();
    let out = mnist_lab(&[
        "export",
        "public/weights/tutorial.bpk",
        target.to_str().unwrap(),
    ]);
    let kept = std::fs::read(&target);
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    Command::new("umount").arg(&dir).status().unwrap();
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("cannot write the file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(kept.unwrap(), old, "the old file was damaged");
    assert_eq!(leftovers, 2, "a temporary file was left behind");
}

#[test]
fn predict_refuses_a_huge_picture_from_its_header() {
    let dir = common::scratch("cli-huge-png");
    let path = dir.join("huge.png");
    std::fs::write(&path, blank_png(16_384)).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 400_000, "{size} bytes");
    let out = mnist_lab(&["predict", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("16384×16384 pixels, more than the 50 megapixels"),
        "{}",
        stderr(&out)
    );
}

/// A valid greyscale PNG of `side`×`side` blank pixels: a few hundred KB for 16384×16384.
fn blank_png(side: u32) -> Vec<u8> {
    use std::io::Write;
    let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend(kind);
        png.extend(data);
        png.extend(crc.sum().to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = [side.to_be_bytes(), side.to_be_bytes()].concat();
    header.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    let mut z = flate2::write::ZlibEncoder::new(vec![], flate2::Compression::best());
    let row = vec![0u8; side as usize + 1];
    for _ in 0..side {
        z.write_all(&row).unwrap();
    }
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn weights_that_are_a_device_are_refused() {
    let dir = common::scratch("cli-dev-zero");
    let link = dir.join("zero.bpk");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let out = mnist_lab(&["eval", link.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bench_runs_python_isolated_from_the_working_folder() {
    let dir = common::scratch("cli-bench-isolated");
    let marker = dir.join("hijacked");
    std::fs::write(
        dir.join("torch.py"),
        format!(
            "open({:?}, 'w').close()\nraise SystemExit(3)\n",
            marker.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mnist-lab"))
        .args(["bench", "--steps", "1", "--warmup", "1", "--runs", "1"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !marker.exists(),
        "python imported torch.py from the working folder"
    );
}

#[test]
fn a_network_of_ones_own_trains_saves_and_reads_back_and_a_bad_one_says_why() {
    let dir = common::scratch("cli-arch");
    let bpk = dir.join("mine.bpk");
    let arch = ["--arch", "c4bp c8k5p f16d0.1"];
    let out = mnist_lab(
        &[
            &["train", "--epochs", "1", "--limit", "240", "-o"],
            &[bpk.to_str().unwrap()][..],
            &arch[..],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the network c4bp c8k5p f16d0.1"),
        "{}",
        stdout(&out)
    );
    // The record carries its architecture, dropout included.
    let out = mnist_lab(&["eval", bpk.to_str().unwrap(), "--misses", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("the network c4bp c8k5p f16d0.1"),
        "{}",
        stdout(&out)
    );

    let json = dir.join("arch.json");
    std::fs::write(&json, r#"{"blocks": [{"channels": 4, "kernel": 5, "batch_norm": false, "pool": true}, {"channels": 8, "kernel": 3, "batch_norm": true, "pool": true}]}"#).unwrap();
    let out = mnist_lab(&["code", "--arch", json.to_str().unwrap(), "--lang", "ru"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("self.bn2 = nn.BatchNorm2d(8)"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("свёрточный блок"), "{}", stdout(&out));

    for (arch, why) in [
        ("c8k7", "kernel is 3×3 or 5×5"),
        ("c128 c128 f1024", "MB allowed"),
    ] {
        let out = mnist_lab(&["code", "--arch", arch]);
        assert_eq!(out.status.code(), Some(1), "{arch}");
        assert!(stderr(&out).contains(why), "{arch}: {}", stderr(&out));
    }
}
