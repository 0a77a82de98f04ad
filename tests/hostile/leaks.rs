//! Memory that a long run or a long session must not pile up: what each training step or each
//! new trainer leaves behind is counted on this thread (`budget::held`) over hundreds of them.
//! burn's autodiff keeps what is computed on its tensors until a backward pass, which the
//! kernels never run: before the trainer kept its weights out of its graph, a step on the CPU
//! kernels left 14.5 KB behind and each new trainer 12 KB.

use std::sync::Arc;

use burn::prelude::*;
use mnist_lab::data::{PIXELS, Rng, Split};
use mnist_lab::model::Preset;
use mnist_lab::train::{TrainConfig, Trainer};

use crate::budget::held;

const KB: isize = 1 << 10;

fn digits(n: usize) -> Arc<Split> {
    let mut rng = Rng::new(7);
    let images = (0..n * PIXELS).map(|_| rng.below(256) as u8).collect();
    let labels = (0..n).map(|_| rng.below(10) as u8).collect();
    Arc::new(Split::new(images, labels).unwrap())
}

fn config(batch_size: usize) -> TrainConfig {
    TrainConfig {
        epochs: 1,
        batch_size,
        learning_rate: 1e-3,
        augment: None,
        seed: 1,
        report_every: 10,
        threads: 1,
        ..TrainConfig::default()
    }
}

/// A trainer's steps, run on this thread (one thread: what they hold is counted here).
fn steps(trainer: &mut Trainer, n: usize) {
    for _ in 0..n {
        pollster::block_on(trainer.step()).unwrap();
    }
}

/// What `n` more steps of a run leave held, after a warm-up has filled the optimizer's state.
fn growth_over_steps(autodiff: bool, n: usize) -> isize {
    let device = Device::flex().autodiff();
    let data = digits(4 * (n + 100));
    let mut trainer =
        Trainer::from_scratch(&Preset::Tutorial.config(), data, config(4), &device).unwrap();
    if autodiff {
        trainer.use_autodiff();
    }
    steps(&mut trainer, 50);
    let before = held();
    steps(&mut trainer, n);
    held() - before
}

#[test]
fn steps_on_the_kernels_hold_no_more_memory() {
    let growth = growth_over_steps(false, 400);
    assert!(growth < 256 * KB, "400 steps kept {} KB", growth / KB);
}

#[test]
fn steps_through_autodiff_hold_no_more_memory() {
    let growth = growth_over_steps(true, 400);
    assert!(growth < 256 * KB, "400 steps kept {} KB", growth / KB);
}

#[test]
fn trainers_leave_nothing_behind() {
    let device = Device::flex().autodiff();
    let data = digits(8);
    let start =
        || Trainer::from_scratch(&Preset::Tutorial.config(), data.clone(), config(4), &device);
    // The first trainers fill caches that last (2 MB of them on this thread).
    for _ in 0..20 {
        steps(&mut start().unwrap(), 2);
    }
    let before = held();
    for _ in 0..300 {
        steps(&mut start().unwrap(), 2);
    }
    let growth = held() - before;
    assert!(growth < 256 * KB, "300 trainers kept {} KB", growth / KB);
}
