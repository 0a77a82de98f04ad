//! Helpers the integration tests share.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mnist_lab::data::Mnist;

pub fn project(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn mnist() -> Mnist {
    Mnist::load(&project("public/mnist")).expect("the project ships MNIST in public/mnist")
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mnist-lab-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
