//! Weights out to PyTorch: a `.pth` written here is a `torch.save` state_dict with the
//! tutorial's names and layouts, which our reader and, where it is installed, PyTorch itself
//! read back to the same network.

mod common;

use std::io::Cursor;

use burn::prelude::*;
use mnist_lab::data::batch::{images_tensor, pixels};
use mnist_lab::model::{Model, Preset};
use mnist_lab::weights;
use zip::ZipArchive;

const IMAGES: usize = 16;

fn logits(model: &Model) -> Vec<f32> {
    let indices: Vec<u32> = (0..IMAGES as u32).collect();
    model
        .forward(images_tensor(
            pixels(&common::mnist().test, &indices, None),
            &Device::flex(),
        ))
        .into_data()
        .try_to_vec()
        .unwrap()
}

fn pytorch_fixture() -> Model {
    weights::load_file(
        &common::project("tests/fixtures/MulticlassCNN.pth"),
        &Device::flex(),
    )
    .unwrap()
}

#[test]
fn a_written_pth_reads_back_to_identical_logits_for_every_preset() {
    let device = Device::flex();
    let models = [
        (Preset::Tutorial, pytorch_fixture()),
        (Preset::Wide, Preset::Wide.config().init(&device)),
        (Preset::Lenet, Preset::Lenet.config().init(&device)),
    ];
    for (preset, model) in models {
        let pth = weights::to_pth(&model).unwrap();
        assert_eq!(weights::Format::detect(&pth), weights::Format::PyTorch);
        let back = weights::load_any("export.pth", &pth, &device).unwrap();
        assert_eq!(Preset::of(back.config()), Some(preset));
        assert_eq!(logits(&back), logits(&model), "{preset}");
    }
}

#[test]
fn the_archive_is_laid_out_as_torch_save_writes_it() {
    let pth = weights::to_pth(&pytorch_fixture()).unwrap();
    let mut archive = ZipArchive::new(Cursor::new(&pth)).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into()).collect();
    // torch.load takes the archive's folder from the first entry.
    assert_eq!(names[0], "archive/data.pkl");
    for expected in ["archive/version", "archive/byteorder", "archive/data/5"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    // One float32 storage per tensor, in the model's order (the round trip above checks that
    // the shapes are PyTorch's: fc1.weight [out, in] where burn keeps [in, out]).
    let storage_bytes: Vec<u64> = (0..6)
        .map(|i| {
            let entry = archive.by_name(&format!("archive/data/{i}")).unwrap();
            assert_eq!(entry.data_start().unwrap() % 64, 0, "storage {i} aligned");
            entry.size()
        })
        .collect();
    assert_eq!(storage_bytes, [72, 8, 1152, 16, 7840, 10].map(|n| n * 4));
    // Written the same way twice: a deterministic file (no timestamps).
    assert_eq!(weights::to_pth(&pytorch_fixture()).unwrap(), pth);
}

#[test]
fn pytorch_loads_the_written_state_dict_into_the_tutorials_cnn() {
    if !common::torch() {
        return;
    }
    let model = pytorch_fixture();
    let path = common::scratch("pth-export").join("exported.pth");
    weights::save_file(&model, &path).unwrap();
    let (script, mnist) = (
        common::project("tests/pytorch_logits.py"),
        common::project("public/mnist"),
    );
    let n = IMAGES.to_string();
    let theirs = common::python_logits(&[
        script.as_os_str(),
        path.as_os_str(),
        mnist.as_os_str(),
        n.as_ref(),
    ]);
    let ours = logits(&model);
    assert_eq!(theirs.len(), ours.len());
    for (a, b) in ours.iter().zip(&theirs) {
        assert!((a - b).abs() < 1e-4, "ours {a}, PyTorch's {b}");
    }
}
