//! A short real training run on the CPU backend, and the loop's guard rails.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use burn::prelude::*;
use mnist_lab::eval::evaluate;
use mnist_lab::model::{Model, Preset, flat};
use mnist_lab::train::helpers::{Helpers, Pending, compute_share};
use mnist_lab::train::share::ShareJob;
use mnist_lab::train::{Progress, TrainConfig, TrainError, Trainer};
use mnist_lab::weights::{from_bytes, to_bytes};

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
        &Preset::Tutorial.config(),
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
    // The epoch's loss is the mean of its reports' (each over report_every = 20 steps).
    let mean = reports.iter().map(|r| r.loss).sum::<f32>() / reports.len() as f32;
    assert!(
        (last.epoch_loss - mean).abs() < 1e-4,
        "{} vs {mean}",
        last.epoch_loss
    );
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
        &Preset::Tutorial.config(),
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
        let r = Trainer::from_scratch(&Preset::Tutorial.config(), split.clone(), config, &device);
        assert!(matches!(r, Err(TrainError::InvalidConfig(_))));
    }
    let empty = Arc::new(split.take(0));
    assert!(matches!(
        Trainer::from_scratch(
            &Preset::Tutorial.config(),
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
        &Preset::Tutorial.config().init(&plain),
        &common::project("tests/fixtures/MulticlassCNN.pth"),
    )
    .unwrap();
    let bytes = mnist_lab::weights::to_bytes(&trained).unwrap();
    let device = Device::flex().autodiff();
    // Both ways a run starts from saved weights: loaded on the training device, or via a file.
    let model = mnist_lab::weights::from_bytes(
        &Preset::Tutorial.config().init(&device),
        "trained.bpk",
        &bytes,
    )
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
fn weights(model: &Model) -> Vec<f32> {
    flat::params(model).into_data().try_to_vec::<f32>().unwrap()
}

/// The tutorial's model from the same weights in every run these tests compare, on the CPU.
/// They are drawn once: burn's random numbers are one stream, which the tests running at once
/// draw from and seed in turn.
fn initial_model() -> Model {
    static WEIGHTS: OnceLock<Vec<u8>> = OnceLock::new();
    let empty = Preset::Tutorial.config().init(&Device::flex().autodiff());
    let bytes = WEIGHTS.get_or_init(|| to_bytes(&empty).expect("weights encode"));
    from_bytes(&empty, "the initial weights", bytes).expect("weights decode")
}

/// One epoch on 600 images at batch 61 (which does not split evenly: shares of 21, 20 and 20
/// for three; the last batch holds 51 images), with augmentation: the final weights and reports.
/// The CPU kernels compute the gradients unless `autodiff`.
fn shared_run(
    threads: usize,
    helpers: Option<Box<dyn Helpers>>,
    autodiff: bool,
) -> (Vec<f32>, Vec<Progress>) {
    run_on(Device::flex(), threads, helpers, autodiff)
}

/// [`shared_run`] on `device`, from the same initial weights on every device (each backend has
/// its own random numbers).
fn run_on(
    device: Device,
    threads: usize,
    helpers: Option<Box<dyn Helpers>>,
    autodiff: bool,
) -> (Vec<f32>, Vec<Progress>) {
    let mnist = common::mnist();
    let config = TrainConfig {
        epochs: 1,
        batch_size: 61,
        report_every: 5,
        augment: Some(mnist_lab::data::Augment::default()),
        threads,
        ..TrainConfig::default()
    };
    let train = Arc::new(mnist.train.take(600));
    let mut trainer = Trainer::new(initial_model(), train, config, &device.autodiff()).unwrap();
    if let Some(helpers) = helpers {
        trainer.set_helpers(helpers);
    }
    if autodiff {
        trainer.use_autodiff();
    }
    let mut reports = vec![];
    while !trainer.is_finished() {
        reports.extend(pollster::block_on(trainer.step()).unwrap());
    }
    (weights(&trainer.model()), reports)
}

/// Asserts that a run trained as the run on one thread with the CPU kernels did.
fn assert_same_training(
    one: &(Vec<f32>, Vec<Progress>),
    many: &(Vec<f32>, Vec<Progress>),
    what: &str,
) {
    let initial = weights(&initial_model());
    // Same steps, same metrics up to float rounding in the sums.
    assert_eq!(one.1.len(), many.1.len(), "{what}");
    for (a, b) in one.1.iter().zip(&many.1) {
        assert!(
            (a.loss - b.loss).abs() < 1e-4,
            "{what}: loss {} vs {}",
            a.loss,
            b.loss
        );
        // A near tie between two classes may round either way: one image at most.
        assert!(
            (a.accuracy - b.accuracy).abs() <= 1.0 / 305.0,
            "{what}: {a:?} vs {b:?}"
        );
    }
    let max_diff = |x: &[f32], y: &[f32]| {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max)
    };
    // Ten Adam steps of lr 0.001 move weights by up to ~0.01; rounding moves them by far less.
    let moved = max_diff(&one.0, &initial);
    assert!(moved > 5e-3, "training moved the weights by only {moved}");
    let diff = max_diff(&one.0, &many.0);
    assert!(diff < 1e-4, "{what}: weights differ by up to {diff}");
}

#[test]
fn threads_sharing_each_batch_train_the_same_weights_as_one_thread() {
    let one = shared_run(1, None, false);
    for threads in [2, 3] {
        assert_same_training(
            &one,
            &shared_run(threads, None, false),
            &format!("{threads} threads"),
        );
    }
}

/// The written-out CPU kernels give the gradients burn's autodiff gives, so training through
/// them is the same training, Adam steps and metrics included, on one thread or shared.
#[test]
fn cpu_kernels_train_the_same_weights_as_burns_autodiff() {
    let kernels = shared_run(1, None, false);
    assert_same_training(&kernels, &shared_run(1, None, true), "autodiff");
    assert_same_training(&kernels, &shared_run(2, None, true), "autodiff, 2 threads");
}

/// On a GPU our own kernels compute each step's gradients: the same training as the CPU
/// kernels and as burn's autodiff on the GPU (`--features wgpu`, with a GPU or Mesa's lavapipe).
#[cfg(feature = "wgpu")]
#[test]
fn gpu_kernels_train_the_same_weights_as_the_cpu_kernels() {
    let gpu = Device::wgpu(DeviceKind::DefaultDevice);
    let kernels = shared_run(1, None, false);
    assert_same_training(
        &kernels,
        &run_on(gpu.clone(), 1, None, false),
        "GPU kernels",
    );
    assert_same_training(
        &kernels,
        &run_on(gpu, 1, None, true),
        "burn's autodiff on the GPU",
    );
}

/// Helpers in this process, standing in for a browser's other workers: each computes its share
/// through the same flattened parameters and gradients a worker receives and sends. Helper `i`
/// goes wrong from the `fail_from[i]`-th job on: `Lost` answers nothing (a dead worker),
/// `Garbled` a gradient short, `NotANumber` a NaN gradient, `Overcounted` more right answers
/// than the share has images (a sum that would wrap), `Tripled` wrong gradients of the right
/// length.
struct InProcess {
    fail_from: Vec<(usize, Failure)>,
    jobs: Rc<Cell<usize>>,
    answered: Rc<Cell<usize>>,
}

#[derive(Clone, Copy)]
enum Failure {
    Lost,
    Garbled,
    NotANumber,
    Overcounted,
    Tripled,
}

impl Helpers for InProcess {
    fn count(&self) -> usize {
        self.fail_from.len()
    }

    fn compute(&mut self, i: usize, job: ShareJob) -> Pending {
        let (from, failure) = self.fail_from[i];
        let n = self.jobs.get();
        self.jobs.set(n + 1);
        let device = Device::flex().autodiff();
        let template = Preset::Tutorial.config().init(&device);
        let mut answer = pollster::block_on(compute_share(&template, job, &device)).ok();
        if n >= from {
            match failure {
                Failure::Lost => answer = None,
                Failure::Garbled => answer.iter_mut().for_each(|a| {
                    a.grads.pop();
                }),
                Failure::NotANumber => answer.iter_mut().for_each(|a| a.grads[7] = f32::NAN),
                Failure::Overcounted => answer.iter_mut().for_each(|a| a.correct = u32::MAX),
                Failure::Tripled => answer
                    .iter_mut()
                    .for_each(|a| a.grads.iter_mut().for_each(|g| *g *= 3.0)),
            }
        }
        self.answered
            .set(self.answered.get() + answer.is_some() as usize);
        Box::pin(std::future::ready(answer))
    }
}

#[test]
fn helpers_computing_shares_train_the_same_weights_as_one_thread_even_when_they_fail() {
    let one = shared_run(1, None, false);
    let never = usize::MAX;
    for (what, fail_from) in [
        ("two helpers", vec![(never, Failure::Lost); 2]),
        (
            "a helper lost, one garbling",
            vec![(3, Failure::Lost), (5, Failure::Garbled)],
        ),
        (
            "one answering NaN, one overcounting",
            vec![(2, Failure::NotANumber), (4, Failure::Overcounted)],
        ),
    ] {
        let jobs = Rc::new(Cell::new(0));
        let answered = Rc::new(Cell::new(0));
        let helpers = InProcess {
            fail_from: fail_from.clone(),
            jobs: jobs.clone(),
            answered: answered.clone(),
        };
        assert_same_training(&one, &shared_run(1, Some(Box::new(helpers)), false), what);
        // 10 batches, 9 of 61 images (3 shares) and one of 51 (3 shares of 17): two jobs each.
        assert_eq!(jobs.get(), 20, "{what}");
        assert!(
            answered.get() >= 6,
            "{what}: only {} answers",
            answered.get()
        );
    }
    // The answers are what trains: wrong gradients give other weights.
    let helpers = InProcess {
        fail_from: vec![(0, Failure::Tripled)],
        jobs: Rc::default(),
        answered: Rc::default(),
    };
    let (wrong, _) = shared_run(1, Some(Box::new(helpers)), false);
    let diff = one
        .0
        .iter()
        .zip(&wrong)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        diff > 1e-3,
        "tripled gradients changed the weights by only {diff}"
    );
}

/// A helper refuses a job that does not fit the model it builds.
#[test]
fn a_malformed_share_is_refused() {
    let device = Device::flex().autodiff();
    let config = Preset::Tutorial.config();
    let template = config.init(&device);
    let good = ShareJob {
        params: vec![0.0; config.num_params()],
        pixels: vec![0.0; 2 * 784],
        labels: vec![3, 9],
        weight: 0.5,
    };
    assert!(pollster::block_on(compute_share(&template, good.clone(), &device)).is_ok());
    for (why, job) in [
        (
            "params",
            ShareJob {
                params: vec![0.0; 10],
                ..good.clone()
            },
        ),
        (
            "pixels",
            ShareJob {
                pixels: vec![0.0; 784],
                ..good.clone()
            },
        ),
        (
            "label",
            ShareJob {
                labels: vec![3, 10],
                ..good.clone()
            },
        ),
        (
            "empty",
            ShareJob {
                pixels: vec![],
                labels: vec![],
                ..good.clone()
            },
        ),
        (
            "weight",
            ShareJob {
                weight: f32::NAN,
                ..good.clone()
            },
        ),
    ] {
        let result = pollster::block_on(compute_share(&template, job, &device));
        assert!(
            matches!(result, Err(TrainError::BadShare(_))),
            "{why}: {result:?}"
        );
    }
}
