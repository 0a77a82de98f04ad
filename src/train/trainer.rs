//! An explicit, step-wise training loop (forward, cross-entropy, backward, Adam).
//!
//! The caller drives it one batch at a time with [`Trainer::step`], so a browser worker can yield
//! between batches and pause or stop simply by not calling it again. Loss and accuracy stay on
//! the device and are read back (asynchronously, as wasm requires) only every
//! [`TrainConfig::report_every`] steps, so a GPU is not stalled by a read after every batch.

use std::sync::Arc;

use burn::module::{ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use web_time::Instant;

use super::{Progress, TrainConfig, TrainError};
use crate::data::{Rng, Split, batch};
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
        let images =
            batch::images_tensor(batch::pixels(&self.data, indices, augment), &self.device);
        let targets = batch::labels_tensor(&self.data, indices, &self.device);
        let n = indices.len();

        let logits = self.model.forward(images);
        let loss = CrossEntropyLossConfig::new()
            .init(&self.device)
            .forward(logits.clone(), targets.clone());
        let correct = logits
            .argmax(1)
            .squeeze_dim::<1>(1)
            .equal(targets)
            .int()
            .sum();
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        let model = self.model.clone();
        self.model = self.optim.step(self.config.learning_rate, model, grads);

        let loss = loss.detach();
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
