//! An explicit, step-wise training loop (forward, cross-entropy, backward, Adam).
//!
//! The caller drives it one batch at a time with [`Trainer::step`], so a browser worker can yield
//! between batches and pause or stop simply by not calling it again. Loss and accuracy stay on
//! the device and are read back (asynchronously, as wasm requires) only every
//! [`TrainConfig::report_every`] steps, so a GPU is not stalled by a read after every batch.

use std::sync::Arc;

use burn::module::{ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use web_time::Instant;

use super::{Progress, TrainConfig, TrainError};
use crate::data::{PIXELS, Rng, Split, batch};
use crate::model::{Model, ModelConfig};

/// Makes every parameter a detached leaf that requires a gradient. Weights loaded from a record
/// arrive without the gradient flag, and the optimizer would then chain each step's update
/// onto the previous step's (already consumed) graph.
struct Leaves;

impl ModuleMapper for Leaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.detach()).set_require_grad(true)
    }
}

/// One share of a batch: its images and labels, and its fraction of the batch.
struct Share {
    images: Tensor<4>,
    targets: Tensor<1, Int>,
    weight: f32,
}

/// What a share gives back: its gradients, its loss (weighted by its fraction) and its hits.
struct ShareResult {
    grads: GradientsParams,
    loss: Tensor<1>,
    correct: Tensor<1, Int>,
}

/// Forward and backward on one share, on a copy of `model` with leaves of its own (so shares
/// computed at once on different threads build separate autodiff graphs). The loss is the
/// share's mean times its fraction of the batch, so the shares' gradients add up to the
/// gradients of the whole batch's mean loss.
fn share_gradients(model: &Model, share: Share) -> ShareResult {
    let device = share.images.device();
    let model = model.clone().map(&mut Leaves);
    let logits = model.forward(share.images);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits.clone(), share.targets.clone());
    let correct = logits
        .argmax(1)
        .squeeze_dim::<1>(1)
        .equal(share.targets)
        .int()
        .sum();
    // A whole batch needs no scaling (and on a GPU, no extra kernel).
    let loss = if share.weight == 1.0 {
        loss
    } else {
        loss * share.weight
    };
    ShareResult {
        grads: GradientsParams::from_grads(loss.backward(), &model),
        loss: loss.detach(),
        correct,
    }
}

/// Every share's gradients, on a thread each (natively; wasm has no threads to start: the
/// browser shares a batch between workers instead).
fn all_shares(model: &Model, shares: Vec<Share>) -> Vec<ShareResult> {
    #[cfg(not(target_arch = "wasm32"))]
    if shares.len() > 1 {
        return std::thread::scope(|scope| {
            let threads: Vec<_> = shares
                .into_iter()
                .map(|share| scope.spawn(move || share_gradients(model, share)))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("a training thread panicked"))
                .collect()
        });
    }
    shares
        .into_iter()
        .map(|share| share_gradients(model, share))
        .collect()
}

/// Threads take shares of at least this many images: a smaller share costs more in
/// per-operation overhead than its thread gains (on a 16-core machine, 16 threads of ~4 images
/// trained at 0.73× the speed of burn-flex parallelising each operation by itself).
const MIN_SHARE: usize = 16;

/// A batch of `n` images in at most `threads` contiguous shares of at least [`MIN_SHARE`]
/// images (one share if the batch is smaller), whose sizes differ by at most one.
fn split(n: usize, threads: usize) -> Vec<std::ops::Range<usize>> {
    let parts = threads.min(n / MIN_SHARE).max(1);
    (0..parts)
        .map(|i| (i * n / parts)..((i + 1) * n / parts))
        .collect()
}

/// Metrics of the steps since the last report, still on the device.
struct Window {
    loss_sum: Tensor<1>,
    correct: Tensor<1, Int>,
    steps: usize,
    images: usize,
}

pub struct Trainer {
    model: Model,
    optim: ModuleOptimizer,
    config: TrainConfig,
    device: Device,
    data: Arc<Split>,
    rng: Rng,
    order: Vec<u32>,
    epoch: usize,
    step: usize,
    window: Option<Window>,
    epoch_seen: usize,
    epoch_correct: usize,
    /// Time spent in steps (not while paused, i.e. between calls).
    busy_secs: f64,
    images_done: usize,
}

impl Trainer {
    /// Prepares training of `model` on `data`. `device` must be an autodiff device.
    pub fn new(
        model: Model,
        data: Arc<Split>,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.validate()?;
        if data.is_empty() {
            return Err(TrainError::NoData);
        }
        let mut rng = Rng::new(config.seed);
        let order = batch::epoch_order(data.len(), &mut rng);
        let optim = AdamConfig::new().with_epsilon(1e-8).init();
        Ok(Self {
            model: model.to_device(device).map(&mut Leaves),
            optim,
            config,
            device: device.clone(),
            data,
            rng,
            order,
            epoch: 0,
            step: 0,
            window: None,
            epoch_seen: 0,
            epoch_correct: 0,
            busy_secs: 0.0,
            images_done: 0,
        })
    }

    /// A fresh model of `model_config`, seeded by the training seed, ready to train.
    pub fn from_scratch(
        model_config: &ModelConfig,
        data: Arc<Split>,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Self, TrainError> {
        device.seed(config.seed);
        let model = model_config.init(device);
        Self::new(model, data, config, device)
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// How many threads share a full batch.
    pub fn threads_per_batch(&self) -> usize {
        split(self.config.batch_size, self.config.threads).len()
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.data.len().div_ceil(self.config.batch_size)
    }

    pub fn is_finished(&self) -> bool {
        self.epoch >= self.config.epochs
    }

    /// The current weights, for evaluation or saving (no autodiff, dropout off).
    pub fn model(&self) -> Model {
        self.model.valid()
    }

    /// Runs one training step. Returns the progress when a report is due (every
    /// `report_every` steps and at the end of each epoch), reading metrics back then.
    pub async fn step(&mut self) -> Result<Option<Progress>, TrainError> {
        if self.is_finished() {
            return Ok(None);
        }
        let started = Instant::now();
        let bs = self.config.batch_size;
        let start = self.step * bs;
        let indices = &self.order[start..(start + bs).min(self.order.len())];
        let augment = self.config.augment.as_ref().map(|a| (a, &mut self.rng));
        // Augmented once for the whole batch, in order: the images do not depend on the threads.
        let pixels = batch::pixels(&self.data, indices, augment);
        let n = indices.len();
        let shares = split(n, self.config.threads)
            .into_iter()
            .map(|r| Share {
                images: batch::images_tensor(
                    pixels[r.start * PIXELS..r.end * PIXELS].to_vec(),
                    &self.device,
                ),
                targets: batch::labels_tensor(&self.data, &indices[r.clone()], &self.device),
                weight: r.len() as f32 / n as f32,
            })
            .collect();

        // The shares' gradients summed are the batch's: one Adam step, as with one thread.
        let mut sum = GradientsAccumulator::<Model>::new();
        let mut metrics: Option<(Tensor<1>, Tensor<1, Int>)> = None;
        for share in all_shares(&self.model, shares) {
            sum.accumulate(&self.model, share.grads);
            metrics = Some(match metrics {
                None => (share.loss, share.correct),
                Some((loss, correct)) => (loss + share.loss, correct + share.correct),
            });
        }
        let (loss, correct) = metrics.expect("a batch has at least one share");
        let model = self.model.clone();
        self.model = self
            .optim
            .step(self.config.learning_rate, model, sum.grads());

        self.window = Some(match self.window.take() {
            None => Window {
                loss_sum: loss,
                correct,
                steps: 1,
                images: n,
            },
            Some(w) => Window {
                loss_sum: w.loss_sum + loss,
                correct: w.correct + correct,
                steps: w.steps + 1,
                images: w.images + n,
            },
        });
        self.step += 1;
        let epoch_done = self.step == self.steps_per_epoch();
        let report_due = epoch_done
            || self
                .window
                .as_ref()
                .is_some_and(|w| w.steps >= self.config.report_every);
        let progress = if report_due {
            Some(self.report(epoch_done, started).await?)
        } else {
            self.busy_secs += started.elapsed().as_secs_f64();
            None
        };
        if epoch_done {
            self.epoch += 1;
            self.step = 0;
            self.epoch_seen = 0;
            self.epoch_correct = 0;
            self.order = batch::epoch_order(self.data.len(), &mut self.rng);
        }
        Ok(progress)
    }

    async fn report(&mut self, epoch_done: bool, started: Instant) -> Result<Progress, TrainError> {
        let w = self.window.take().expect("a step just filled the window");
        // One read for both numbers.
        let both = Tensor::cat(vec![w.loss_sum, w.correct.float()], 0);
        let values = batch::read_floats(both).await.map_err(TrainError::Read)?;
        // The read waits for the device, so it counts as this step's time.
        self.busy_secs += started.elapsed().as_secs_f64();
        let loss = values[0] / w.steps as f32;
        if !loss.is_finite() {
            return Err(TrainError::NonFiniteLoss {
                value: loss,
                epoch: self.epoch + 1,
                step: self.step,
            });
        }
        let correct = values[1].round() as usize;
        self.epoch_seen += w.images;
        self.epoch_correct += correct;
        self.images_done += w.images;
        Ok(Progress {
            epoch: self.epoch + 1,
            epochs: self.config.epochs,
            step: self.step,
            steps_per_epoch: self.steps_per_epoch(),
            loss,
            accuracy: correct as f32 / w.images as f32,
            epoch_accuracy: self.epoch_correct as f32 / self.epoch_seen as f32,
            images_per_sec: (self.images_done as f64 / self.busy_secs.max(1e-9)) as f32,
            elapsed_secs: self.busy_secs,
            epoch_done,
        })
    }
}
