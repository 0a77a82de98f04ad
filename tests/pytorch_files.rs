//! The `.pth` reader on the ways people save the tutorial's weights, and on broken files: every
//! variant of the fixture gives PyTorch's logits, and every broken one an error naming the problem.

mod common;

use std::io::{Cursor, Read, Write};

use burn::prelude::*;
use mnist_lab::data::batch::{images_tensor, pixels};
use mnist_lab::model::{Model, Preset};
use mnist_lab::weights::{self, Format, Problem, WeightsError};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::project(&format!("tests/fixtures/{name}"))).unwrap()
}

fn load(bytes: &[u8]) -> Result<Model, WeightsError> {
    let device = Device::flex();
    weights::from_bytes(&Preset::Tutorial.config().init(&device), "test.pth", bytes)
}

fn logits(model: &Model) -> Vec<f32> {
    let device = Device::flex();
    let indices: Vec<u32> = (0..16).collect();
    model
        .forward(images_tensor(
            pixels(&common::mnist().test, &indices, None),
            &device,
        ))
        .into_data()
        .try_to_vec()
        .unwrap()
}

/// The fixture archive with each entry passed through `edit` (`None` drops it).
fn rewritten(edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(fixture("MulticlassCNN.pth"))).unwrap();
    let mut out = ZipWriter::new(Cursor::new(vec![]));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = vec![];
        entry.read_to_end(&mut bytes).unwrap();
        if let Some(bytes) = edit(&name, bytes) {
            let options =
                SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
            out.start_file(name, options).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

fn pytorch_error(bytes: &[u8]) -> String {
    match load(bytes) {
        Err(
            e @ WeightsError {
                problem: Problem::PyTorch(_) | Problem::Tensor { .. },
                ..
            },
        ) => e.to_string(),
        Err(other) => panic!("expected a PyTorch error, got {other:?}"),
        Ok(_) => panic!("a broken file loaded"),
    }
}

#[test]
fn checkpoints_float64_and_strided_tensors_give_the_same_network() {
    let expected = logits(&load(&fixture("MulticlassCNN.pth")).unwrap());
    // {"epoch", "model_state_dict", "test_accuracy"}: the state_dict is found inside.
    assert_eq!(logits(&load(&fixture("checkpoint.pth")).unwrap()), expected);
    // float64 values of float32 weights convert back exactly; fc1.weight is a transposed view.
    assert_eq!(logits(&load(&fixture("float64.pth")).unwrap()), expected);
    // Re-archived by another zip writer, with the entries in the same order.
    assert_eq!(logits(&load(&rewritten(|_, b| Some(b))).unwrap()), expected);
}

#[test]
fn a_legacy_format_file_is_named_as_such() {
    let legacy = fixture("legacy.pth");
    assert_eq!(Format::detect(&legacy), Format::LegacyPyTorch);
    let err = weights::load_any("legacy.pth", &legacy, &Device::flex()).unwrap_err();
    assert_eq!(err.problem, Problem::LegacyPyTorch);
    assert!(err.to_string().contains("before PyTorch 1.6"), "{err}");
}

#[test]
fn a_pickled_module_asks_for_its_state_dict() {
    let err = pytorch_error(&fixture("whole-model.pth"));
    assert!(
        err.contains("MulticlassCNN") && err.contains("model.state_dict()"),
        "{err}"
    );
}

#[test]
fn broken_archives_name_what_is_wrong() {
    let err = pytorch_error(&rewritten(|name, b| {
        (!name.ends_with("/data/4")).then_some(b)
    }));
    assert!(err.contains("data/4"), "{err}");

    let err = pytorch_error(&rewritten(|name, mut b| {
        if name.ends_with("/data/4") {
            b.truncate(b.len() / 2);
        }
        Some(b)
    }));
    assert!(
        err.contains("fc1.weight") && err.contains("storage holds 3920"),
        "{err}"
    );

    // conv1.bias's storage offset (BINPERSID, BININT1 0 at byte 229 of the pickle) moved up by
    // one: its 8 values would run one past the 8 its storage holds.
    let err = pytorch_error(&rewritten(|name, mut b| {
        if name.ends_with("data.pkl") {
            assert_eq!(&b[229..232], b"QK\x00");
            b[231] = 1;
        }
        Some(b)
    }));
    assert!(
        err.contains("conv1.bias") && err.contains("past its storage"),
        "{err}"
    );

    let err = pytorch_error(&rewritten(|name, b| {
        Some(if name.ends_with("data.pkl") {
            b"\x80\x02\xff".to_vec()
        } else {
            b
        })
    }));
    assert!(err.contains("opcode 0xff"), "{err}");

    let err = pytorch_error(&rewritten(|name, b| {
        Some(if name.ends_with("data.pkl") {
            b[..b.len() / 2].to_vec()
        } else {
            b
        })
    }));
    assert!(err.contains("ends early"), "{err}");

    let err = pytorch_error(&rewritten(|name, b| {
        (!name.ends_with("data.pkl")).then_some(b)
    }));
    assert!(err.contains("data.pkl"), "{err}");

    let mut truncated = fixture("MulticlassCNN.pth");
    truncated.truncate(truncated.len() / 2);
    assert!(pytorch_error(&truncated).contains("not a zip archive"));
}

#[test]
fn a_state_dict_for_another_shape_names_the_tensor() {
    let device = Device::flex();
    let wide = Preset::Wide.config().init(&device);
    let err =
        weights::from_bytes(&wide, "MulticlassCNN.pth", &fixture("MulticlassCNN.pth")).unwrap_err();
    assert!(matches!(err.problem, Problem::Mismatch(_)), "{err:?}");
    assert!(err.to_string().contains("conv1.weight"), "{err}");
}
