//! A short real training run on the CPU backend, and the loop's guard rails.

mod common;

use std::sync::Arc;

use burn::prelude::*;
use mnist_lab::eval::evaluate;
use mnist_lab::model::ModelConfig;
use mnist_lab::train::{TrainConfig, TrainError, Trainer};

#[test]
fn one_epoch_on_6000_images_reaches_90_percent_on_1000_test_images() {
    // 200 steps: batch 30 and lr 0.003 make the most of one short epoch.
    let mnist = common::mnist();
    let device = Device::flex();
    let train = Arc::new(mnist.train.take(6000));
    let config = TrainConfig {
        epochs: 1,
        batch_size: 30,
        learning_rate: 3e-3,
        report_every: 20,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::from_scratch(
        &ModelConfig::TUTORIAL,
        train,
        config,
        &device.clone().autodiff(),
    )
    .unwrap();
    assert_eq!(trainer.steps_per_epoch(), 200);
    let mut reports = vec![];
    while !trainer.is_finished() {
        if let Some(p) = pollster::block_on(trainer.step()).unwrap() {
            reports.push(p);
        }
    }
    assert_eq!(reports.len(), 10);
    let (first, last) = (&reports[0], reports.last().unwrap());
    assert!(last.epoch_done && last.step == 200 && last.epoch == 1);
    assert!(
        last.loss < first.loss / 2.0,
        "loss {} -> {}",
        first.loss,
        last.loss
    );
    assert!(last.images_per_sec > 0.0);
    // Stepping a finished trainer does nothing.
    assert_eq!(pollster::block_on(trainer.step()), Ok(None));

    let eval =
        pollster::block_on(evaluate(&trainer.model(), &mnist.test.take(1000), &device)).unwrap();
    assert!(eval.accuracy() >= 0.90, "test accuracy {}", eval.accuracy());
}

#[test]
fn a_diverging_run_stops_with_a_clear_error() {
    let mnist = common::mnist();
    let device = Device::flex().autodiff();
    let config = TrainConfig {
        epochs: 1,
        learning_rate: 1e12,
        report_every: 1,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::from_scratch(
        &ModelConfig::TUTORIAL,
        Arc::new(mnist.train.take(3000)),
        config,
        &device,
    )
    .unwrap();
    let err = (0..50)
        .find_map(|_| pollster::block_on(trainer.step()).err())
        .expect("lr 1e12 makes the loss non-finite");
    assert!(matches!(err, TrainError::NonFiniteLoss { .. }), "{err}");
    assert!(err.to_string().contains("training stopped"));
}

#[test]
fn invalid_settings_are_refused() {
    let split = Arc::new(common::mnist().test.take(10));
    let device = Device::flex().autodiff();
    for config in [
        TrainConfig {
            epochs: 0,
            ..TrainConfig::default()
        },
        TrainConfig {
            batch_size: 0,
            ..TrainConfig::default()
        },
        TrainConfig {
            learning_rate: -0.1,
            ..TrainConfig::default()
        },
        TrainConfig {
            learning_rate: f64::NAN,
            ..TrainConfig::default()
        },
        TrainConfig {
            threads: 0,
            ..TrainConfig::default()
        },
    ] {
        let r = Trainer::from_scratch(&ModelConfig::TUTORIAL, split.clone(), config, &device);
        assert!(matches!(r, Err(TrainError::InvalidConfig(_))));
    }
    let empty = Arc::new(split.take(0));
    assert!(matches!(
        Trainer::from_scratch(
            &ModelConfig::TUTORIAL,
            empty,
            TrainConfig::default(),
            &device
        ),
        Err(TrainError::NoData)
    ));
}

#[test]
fn fine_tuning_from_loaded_weights_trains() {
    let mnist = common::mnist();
    let plain = Device::flex();
    let trained = mnist_lab::weights::load_file_into(
        &ModelConfig::TUTORIAL.init(&plain),
        &common::project("tests/fixtures/MulticlassCNN.pth"),
    )
    .unwrap();
    let bytes = mnist_lab::weights::to_bytes(&trained).unwrap();
    let device = Device::flex().autodiff();
    // Both ways a run starts from saved weights: loaded on the training device, or via a file.
    let model =
        mnist_lab::weights::from_bytes(&ModelConfig::TUTORIAL.init(&device), "trained.bpk", &bytes)
            .unwrap();
    let config = TrainConfig {
        epochs: 1,
        report_every: 5,
        ..TrainConfig::default()
    };
    let mut trainer =
        Trainer::new(model, Arc::new(mnist.train.take(600)), config, &device).unwrap();
    let mut first = None;
    while !trainer.is_finished() {
        if let Some(p) = pollster::block_on(trainer.step()).unwrap() {
            first.get_or_insert(p.loss);
        }
    }
    // Already trained: the very first losses are low, unlike a random network's ~2.3.
    assert!(first.unwrap() < 0.3, "first loss {first:?}");
}

/// Every weight of a model, in a fixed order.
fn weights(model: &mnist_lab::model::Model) -> Vec<f32> {
    let mut all = vec![];
    for tensor in [
        model.conv1.weight.val().flatten::<1>(0, 3),
        model.conv1.bias.as_ref().unwrap().val(),
        model.conv2.weight.val().flatten::<1>(0, 3),
        model.conv2.bias.as_ref().unwrap().val(),
        model.fc1.weight.val().flatten::<1>(0, 1),
        model.fc1.bias.as_ref().unwrap().val(),
    ] {
        all.extend(tensor.into_data().try_to_vec::<f32>().unwrap());
    }
    all
}

#[test]
fn threads_sharing_each_batch_train_the_same_weights_as_one_thread() {
    let mnist = common::mnist();
    let device = Device::flex().autodiff();
    let train = Arc::new(mnist.train.take(600));
    let run = |threads| {
        let config = TrainConfig {
            epochs: 1,
            // 61 does not split evenly: shares of 21, 20, 20 (three threads); the last batch
            // holds 51 images.
            batch_size: 61,
            report_every: 5,
            augment: Some(mnist_lab::data::Augment::default()),
            threads,
            ..TrainConfig::default()
        };
        let mut trainer =
            Trainer::from_scratch(&ModelConfig::TUTORIAL, train.clone(), config, &device).unwrap();
        let mut reports = vec![];
        while !trainer.is_finished() {
            reports.extend(pollster::block_on(trainer.step()).unwrap());
        }
        (weights(&trainer.model()), reports)
    };
    let (one, one_reports) = run(1);
    let initial = {
        device.seed(0);
        weights(&ModelConfig::TUTORIAL.init(&device).valid())
    };
    for threads in [2, 3] {
        let (many, many_reports) = run(threads);
        // Same steps, same metrics up to float rounding in the sums.
        assert_eq!(one_reports.len(), many_reports.len());
        for (a, b) in one_reports.iter().zip(&many_reports) {
            assert!(
                (a.loss - b.loss).abs() < 1e-4,
                "loss {} vs {}",
                a.loss,
                b.loss
            );
            // A near tie between two classes may round either way: one image at most.
            assert!(
                (a.accuracy - b.accuracy).abs() <= 1.0 / 305.0,
                "{a:?} vs {b:?}"
            );
        }
        let diff = one
            .iter()
            .zip(&many)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let moved = one
            .iter()
            .zip(&initial)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        // Ten Adam steps of lr 0.001 move weights by up to ~0.01; rounding moves them by far less.
        assert!(moved > 5e-3, "training moved the weights by only {moved}");
        assert!(
            diff < 1e-4,
            "{threads} threads: weights differ by up to {diff}"
        );
    }
}
