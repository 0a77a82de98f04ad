//! Helpers the integration tests share.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::{Compression, write::GzEncoder};
use mnist_lab::data::Mnist;
use mnist_lab::data::mnist::FILES;

pub fn project(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn mnist() -> Mnist {
    Mnist::load_verified(&project("public/mnist")).expect("the project ships MNIST in public/mnist")
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mnist-lab-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An IDX3 image file: a header announcing `count` images of `rows`×`cols`, then `data`.
pub fn idx_images(count: u32, rows: u32, cols: u32, data: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = [0x803u32, count, rows, cols]
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect();
    v.extend_from_slice(data);
    v
}

/// An IDX1 label file.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = [0x801u32, labels.len() as u32]
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect();
    v.extend_from_slice(labels);
    v
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(vec![], Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A folder named `name` holding the four MNIST files, gzip'd: the first `train` training and
/// `test` test digits of the shipped set, with `test = 0` giving a test file that announces none.
pub fn mnist_subset(name: &str, train: usize, test: usize) -> PathBuf {
    let dir = scratch(name);
    let full = mnist();
    let (train, test) = (full.train.take(train), full.test.take(test));
    let files = [
        idx_images(train.len() as u32, 28, 28, train.images()),
        idx_labels(train.labels()),
        idx_images(test.len() as u32, 28, 28, test.images()),
        idx_labels(test.labels()),
    ];
    for (file, bytes) in FILES.iter().zip(files) {
        std::fs::write(dir.join(file), gzip(&bytes)).unwrap();
    }
    dir
}

/// Whether python3 can import torch and numpy (tests that compare with PyTorch are skipped,
/// with a message, where it cannot).
pub fn torch() -> bool {
    let probe = std::process::Command::new("python3")
        .args(["-I", "-c", "import torch, numpy"])
        .output();
    let found = probe.is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: no python3 with torch and numpy importable");
    }
    found
}

/// Runs `python3 -I` with `args` and parses what it prints (JSON).
pub fn python_json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .arg("-I")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `python3 -I` with `args` and parses the logits it prints (JSON, a row per image).
pub fn python_logits(args: &[&std::ffi::OsStr]) -> Vec<f32> {
    let rows: Vec<Vec<f32>> = serde_json::from_value(python_json(args)).unwrap();
    rows.concat()
}
