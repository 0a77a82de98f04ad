//! PyTorch parity of the imported tutorial weights, and burn record round trips.

mod common;

use burn::prelude::*;
use mnist_lab::data::batch::{images_tensor, pixels};
use mnist_lab::eval::evaluate;
use mnist_lab::model::{Model, ModelConfig, Preset};
use mnist_lab::weights::{self, Format, Problem};
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(common::project("tests/fixtures/reference.json")).unwrap(),
    )
    .unwrap()
}

fn pytorch_model(device: &Device) -> Model {
    let fresh = Preset::Tutorial.config().init(device);
    weights::load_file_into(&fresh, &common::project("tests/fixtures/MulticlassCNN.pth")).unwrap()
}

fn logits(model: &Model, split: &mnist_lab::data::Split, n: usize, device: &Device) -> Vec<f32> {
    let indices: Vec<u32> = (0..n as u32).collect();
    model
        .forward(images_tensor(pixels(split, &indices, None), device))
        .into_data()
        .try_to_vec()
        .unwrap()
}

#[test]
fn tutorial_model_has_the_tutorials_shapes_and_9098_parameters() {
    let device = Device::flex();
    let model = Preset::Tutorial.config().init(&device);
    assert_eq!(model.num_params(), 9098);
    assert_eq!(model.blocks[0].conv.weight.dims(), [8, 1, 3, 3]);
    assert_eq!(model.output.weight.dims(), [784, 10]);
    let out = model.forward_activations(Tensor::zeros([3, 1, 28, 28], &device));
    assert_eq!(out.maps[0].dims(), [3, 8, 28, 28]);
    assert_eq!(out.maps[1].dims(), [3, 16, 14, 14]);
    assert_eq!(out.logits.dims(), [3, 10]);
    let wide = Preset::Wide.config().init(&device);
    assert_eq!(
        wide.forward(Tensor::zeros([2, 1, 28, 28], &device)).dims(),
        [2, 10]
    );
    assert!(wide.num_params() > 400_000);
}

#[test]
fn imported_pytorch_weights_reproduce_pytorchs_logits_and_predictions() {
    let device = Device::flex();
    let model = pytorch_model(&device);
    let mnist = common::mnist();
    let reference = reference();

    let expected: Vec<f32> = reference["first32_logits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
        })
        .collect();
    let got = logits(&model, &mnist.test, 32, &device);
    let worst = got
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "largest logit difference {worst}");

    let eval = pollster::block_on(evaluate(&model, &mnist.test, &device)).unwrap();
    let predictions: Vec<u8> = reference["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    let differ = eval
        .predictions
        .iter()
        .zip(&predictions)
        .filter(|(a, b)| a != b)
        .count();
    assert!(differ <= 3, "{differ} predictions differ from PyTorch's");
    assert!(
        (eval.accuracy() - 0.9876).abs() <= 0.0003,
        "accuracy {}",
        eval.accuracy()
    );
}

#[test]
fn save_and_load_round_trip_gives_identical_logits_in_memory_and_on_disk() {
    let device = Device::flex();
    let mnist = common::mnist();
    let model = pytorch_model(&device);
    let before = logits(&model, &mnist.test, 16, &device);

    let bytes = weights::to_bytes(&model).unwrap();
    assert_eq!(Format::detect(&bytes), Format::Burn);
    let fresh = Preset::Tutorial.config().init(&device);
    assert_ne!(logits(&fresh, &mnist.test, 16, &device), before);
    assert_eq!(
        logits(
            &weights::from_bytes(&fresh, "model.bpk", &bytes).unwrap(),
            &mnist.test,
            16,
            &device
        ),
        before
    );

    let path = common::scratch("roundtrip").join("model.bpk");
    weights::save_file(&model, &path).unwrap();
    let loaded = weights::load_file(&path, &device).unwrap();
    assert_eq!(Preset::of(loaded.config()), Some(Preset::Tutorial));
    assert_eq!(logits(&loaded, &mnist.test, 16, &device), before);
}

#[test]
fn async_export_matches_the_sync_one() {
    let device = Device::flex();
    let model = pytorch_model(&device);
    let sync = weights::to_bytes(&model).unwrap();
    let via_async = pollster::block_on(weights::to_bytes_async(&model)).unwrap();
    let mnist = common::mnist();
    let fresh = Preset::Tutorial.config().init(&device);
    let a = logits(
        &weights::from_bytes(&fresh, "sync.bpk", &sync).unwrap(),
        &mnist.test,
        8,
        &device,
    );
    let b = logits(
        &weights::from_bytes(&fresh, "async.bpk", &via_async).unwrap(),
        &mnist.test,
        8,
        &device,
    );
    assert_eq!(a, b);
}

#[test]
fn load_any_recognises_the_preset_and_the_pytorch_format() {
    let device = Device::flex();
    let wide = Preset::Wide.config().init(&device);
    let loaded =
        weights::load_any("wide.bpk", &weights::to_bytes(&wide).unwrap(), &device).unwrap();
    assert_eq!(Preset::of(loaded.config()), Some(Preset::Wide));
    let pth = std::fs::read(common::project("tests/fixtures/MulticlassCNN.pth")).unwrap();
    assert_eq!(Format::detect(&pth), Format::PyTorch);
    assert_eq!(
        Preset::of(
            weights::load_any("MulticlassCNN.pth", &pth, &device)
                .unwrap()
                .config()
        ),
        Some(Preset::Tutorial)
    );
}

#[test]
fn weights_that_do_not_fit_give_an_error_naming_the_tensor_and_leave_the_model_alone() {
    let device = Device::flex();
    let mnist = common::mnist();
    let tutorial = Preset::Tutorial.config().init(&device);
    let before = logits(&tutorial, &mnist.test, 4, &device);

    let other = "c4p c16p".parse::<ModelConfig>().unwrap().init(&device);
    let err = weights::from_bytes(&tutorial, "other.bpk", &weights::to_bytes(&other).unwrap())
        .unwrap_err();
    assert!(matches!(err.problem, Problem::Mismatch(_)));
    assert_eq!(err.file, "other.bpk");
    assert!(err.to_string().contains("conv1.weight"), "{err}");

    // The tutorial's .pth into the wide model: its conv1 has 8 channels, not 32.
    let wide = Preset::Wide.config().init(&device);
    let err = weights::load_file_into(&wide, &common::project("tests/fixtures/MulticlassCNN.pth"))
        .unwrap_err();
    assert!(err.to_string().contains("conv1"), "{err}");

    let garbage = weights::from_bytes(&tutorial, "garbage.bin", b"garbage bytes").unwrap_err();
    assert!(matches!(garbage.problem, Problem::NotARecord(_)));
    assert!(
        garbage
            .to_string()
            .starts_with("garbage.bin: not a weights file"),
        "{garbage}"
    );
    assert!(matches!(
        weights::load_any("garbage.bin", b"garbage bytes", &device).map_err(|e| e.problem),
        Err(Problem::NotARecord(_))
    ));
    let mut truncated = std::fs::read(common::project("tests/fixtures/MulticlassCNN.pth")).unwrap();
    truncated.truncate(truncated.len() / 2);
    assert!(weights::load_any("truncated.pth", &truncated, &device).is_err());
    assert_eq!(logits(&tutorial, &mnist.test, 4, &device), before);
}
