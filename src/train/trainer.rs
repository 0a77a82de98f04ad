//! An explicit, step-wise training loop (forward, cross-entropy, backward, Adam).
//!
//! The caller drives it one batch at a time with [`Trainer::step`], so a browser worker can yield
//! between batches and pause or stop simply by not calling it again. Loss and accuracy stay on
//! the device and are read back (asynchronously, as wasm requires) only every
//! [`TrainConfig::report_every`] steps, so a GPU is not stalled by a read after every batch.

use std::ops::Range;
use std::sync::Arc;

use burn::optim::{GradientsAccumulator, ModuleOptimizer};
use burn::prelude::*;
use web_time::Instant;

use super::adam::DeviceAdam;
#[cfg(feature = "gpu-kernels")]
use super::gpu;
use super::helpers::{Helpers, Pending};
use super::share::{self, Leaves, ShareGradients, ShareJob, ShareResult};
use super::{Progress, TrainConfig, TrainError, cpu};
use crate::data::{PIXELS, Rng, Split, batch};
use crate::model::{Model, ModelConfig, flat};

/// How a step's gradients are computed: chosen once, for the model and the device.
#[derive(Debug, Clone)]
enum Engine {
    /// Our CPU kernels, on the flattened parameters; shares on threads here and on helpers.
    Cpu(cpu::Network),
    /// Our GPU kernels, on the whole batch at once.
    #[cfg(feature = "gpu-kernels")]
    Gpu(gpu::Kernels),
    /// burn's autodiff; shares on threads here and on helpers (which use their own kernels
    /// where these fit the model).
    Autodiff,
}

impl Engine {
    /// Our kernels where they fit `model` on `device`, else burn's autodiff.
    fn for_model(model: &Model, device: &Device) -> Self {
        #[cfg(feature = "gpu-kernels")]
        if let Some(kernels) = gpu::Kernels::training(model, device) {
            return Self::Gpu(kernels);
        }
        cpu::Network::training(model, device).map_or(Self::Autodiff, Self::Cpu)
    }
}

/// A batch: its images (augmented), 784 floats each, and its labels.
struct Batch {
    pixels: Vec<f32>,
    labels: Vec<u8>,
}

impl Batch {
    fn len(&self) -> usize {
        self.labels.len()
    }

    /// Share `r`'s images and labels.
    fn part(&self, r: &Range<usize>) -> (&[f32], &[u8]) {
        (
            &self.pixels[r.start * PIXELS..r.end * PIXELS],
            &self.labels[r.clone()],
        )
    }

    /// Share `r`'s fraction of the batch.
    fn weight(&self, r: &Range<usize>) -> f32 {
        r.len() as f32 / self.len() as f32
    }

    /// Share `r` as a helper's job.
    fn job(&self, r: &Range<usize>, params: &[f32]) -> ShareJob {
        let (pixels, labels) = self.part(r);
        ShareJob {
            params: params.to_vec(),
            pixels: pixels.to_vec(),
            labels: labels.to_vec(),
            weight: self.weight(r),
        }
    }
}

/// What computes shares here: the trainer's model and device, its engine and (for the CPU
/// kernels) the parameters, read once per step.
#[derive(Clone, Copy)]
struct Here<'a> {
    model: &'a Model,
    device: &'a Device,
    engine: &'a Engine,
    params: Option<&'a [f32]>,
}

/// A share's answer, from the kernels (flat) or from burn's autodiff.
enum Answer {
    Flat(ShareGradients),
    Burn(Box<ShareResult>),
}

impl Here<'_> {
    fn compute(self, batch: &Batch, r: &Range<usize>) -> Answer {
        let weight = batch.weight(r);
        match (self.engine, self.params) {
            (Engine::Cpu(network), Some(params)) => {
                let (pixels, labels) = batch.part(r);
                Answer::Flat(network.gradients(params, pixels, labels, weight))
            }
            _ => {
                let result = share::autodiff(self.model, batch.part(r), weight, self.device);
                Answer::Burn(Box::new(result))
            }
        }
    }
}

/// The answers of a batch's shares.
#[derive(Default)]
struct Answers {
    flat: Vec<ShareGradients>,
    burn: Vec<ShareResult>,
}

impl Answers {
    fn push(&mut self, answer: Answer) {
        match answer {
            Answer::Flat(a) => self.flat.push(a),
            Answer::Burn(a) => self.burn.push(*a),
        }
    }

    /// The whole batch's gradients, loss and hits: the shares' summed.
    fn sum(self, model: &Model, device: &Device) -> ShareResult {
        let mut grads = GradientsAccumulator::<Model>::new();
        let mut metrics: Option<(Tensor<1>, Tensor<1>)> = None;
        let flat = ShareGradients::sum(self.flat, model, device);
        for share in self.burn.into_iter().chain(flat) {
            grads.accumulate(model, share.grads);
            metrics = Some(match metrics {
                None => (share.loss, share.correct),
                Some((loss, correct)) => (loss + share.loss, correct + share.correct),
            });
        }
        let (loss, correct) = metrics.expect("a batch has at least one share");
        ShareResult {
            grads: grads.grads(),
            loss,
            correct,
        }
    }
}

/// `work` done on each of `shares`, on a thread each (natively; wasm has no threads to start:
/// the browser shares a batch between workers instead).
fn on_threads<S: Send, R: Send>(shares: Vec<S>, work: impl Fn(S) -> R + Sync) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if shares.len() > 1 {
        let work = &work;
        return std::thread::scope(|scope| {
            let threads: Vec<_> = shares
                .into_iter()
                .map(|share| scope.spawn(move || work(share)))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("a training thread panicked"))
                .collect()
        });
    }
    shares.into_iter().map(work).collect()
}

/// Threads take shares of at least this many images: a smaller share costs more in
/// per-operation overhead than its thread gains (on a 16-core machine, 16 shares of ~4 images
/// trained slower than burn-flex parallelising each operation by itself: docs/results.md).
const MIN_SHARE: usize = 16;

/// How many threads (or helpers) can share a batch of `n` images.
pub fn max_shares(n: usize) -> usize {
    (n / MIN_SHARE).max(1)
}

/// A batch of `n` images in at most `threads` contiguous shares of at least [`MIN_SHARE`]
/// images (one share if the batch is smaller), whose sizes differ by at most one.
fn split(n: usize, threads: usize) -> Vec<Range<usize>> {
    let parts = threads.min(max_shares(n));
    (0..parts)
        .map(|i| (i * n / parts)..((i + 1) * n / parts))
        .collect()
}

/// Metrics of the steps since the last report, still on the device.
struct Window {
    loss_sum: Tensor<1>,
    correct: Tensor<1>,
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
    epoch_steps: usize,
    epoch_loss_sum: f64,
    /// Time spent in steps (not while paused, i.e. between calls).
    busy_secs: f64,
    images_done: usize,
    helpers: Option<Box<dyn Helpers>>,
    engine: Engine,
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
        model.config().check_batch(config.batch_size)?;
        if data.is_empty() {
            return Err(TrainError::NoData);
        }
        let mut rng = Rng::new(config.seed);
        let order = batch::epoch_order(data.len(), config.order, &mut rng);
        let model = model.to_device(device).map(&mut Leaves { grad: false });
        Ok(Self {
            engine: Engine::for_model(&model, device),
            model,
            optim: DeviceAdam::init(1e-8),
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
            epoch_steps: 0,
            epoch_loss_sum: 0.0,
            busy_secs: 0.0,
            images_done: 0,
            helpers: None,
        })
    }

    /// A fresh model of `model_config`, seeded by the training seed, ready to train.
    pub fn from_scratch(
        model_config: &ModelConfig,
        data: Arc<Split>,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let model = model_config.seeded(config.seed, device);
        Self::new(model, data, config, device)
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Lets `helpers` compute shares of each batch beside this trainer's own (a browser's
    /// other workers, where there are no threads).
    pub fn set_helpers(&mut self, helpers: Box<dyn Helpers>) {
        self.helpers = Some(helpers);
    }

    /// Computes every share through burn's autodiff, even where our CPU or GPU kernels fit:
    /// what they are compared with (`mnist-lab bench`, the browser's bench, the tests).
    pub fn use_autodiff(&mut self) {
        self.engine = Engine::Autodiff;
    }

    /// Takes `learning_rate` from the next step on (a change during a run).
    pub fn set_learning_rate(&mut self, learning_rate: f64) -> Result<(), TrainError> {
        let config = TrainConfig {
            learning_rate,
            ..self.config.clone()
        };
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Steps taken since the start.
    pub fn steps_done(&self) -> usize {
        self.epoch * self.steps_per_epoch() + self.step
    }

    /// Whether our own kernels compute the steps (else burn's autodiff does).
    pub fn on_kernels(&self) -> bool {
        !matches!(self.engine, Engine::Autodiff)
    }

    fn helper_count(&self) -> usize {
        self.helpers.as_ref().map_or(0, |h| h.count())
    }

    /// How many threads and helpers may share a batch: one, for a network with batch norm,
    /// whose statistics are the whole batch's.
    fn sharers(&self) -> usize {
        if self.model.config().has_batch_norm() {
            1
        } else {
            self.config.threads + self.helper_count()
        }
    }

    /// How many threads and helpers share a full batch.
    pub fn threads_per_batch(&self) -> usize {
        split(self.config.batch_size, self.sharers()).len()
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

    /// Runs one training step: the next batch, its gradients, an Adam step. Returns the
    /// progress when a report is due (every `report_every` steps and at the end of each epoch),
    /// reading metrics back then.
    pub async fn step(&mut self) -> Result<Option<Progress>, TrainError> {
        if self.is_finished() {
            return Ok(None);
        }
        let started = Instant::now();
        let batch = self.next_batch();
        let images = batch.len();
        let result = self.gradients(batch).await?;
        let model = self.model.clone();
        self.model = self
            .optim
            .step(self.config.learning_rate, model, result.grads);
        self.record(result.loss, result.correct, images);
        self.step += 1;
        let epoch_done = self.step == self.steps_per_epoch();
        let progress = self.report_if_due(epoch_done, started).await?;
        if epoch_done {
            self.next_epoch();
        }
        Ok(progress)
    }

    fn next_batch(&mut self) -> Batch {
        let bs = self.config.batch_size;
        let start = self.step * bs;
        let indices = &self.order[start..(start + bs).min(self.order.len())];
        let augment = self.config.augment.as_ref().map(|a| (a, &mut self.rng));
        // Augmented once for the whole batch, in order: the images do not depend on the threads.
        let pixels = batch::pixels(&self.data, indices, augment);
        let labels = indices
            .iter()
            .map(|&i| self.data.label(i as usize))
            .collect();
        Batch { pixels, labels }
    }

    /// The batch's gradients: on a GPU by its kernels at once; on the CPU in shares, on this
    /// trainer's threads and its helpers.
    async fn gradients(&mut self, batch: Batch) -> Result<ShareResult, TrainError> {
        #[cfg(feature = "gpu-kernels")]
        if let Engine::Gpu(kernels) = &self.engine {
            return Ok(kernels.gradients(&self.model, batch.pixels, &batch.labels));
        }
        let batch = &batch;
        let helpers = self.helper_count();
        let ranges = split(batch.len(), self.sharers());
        // The last shares go to the helpers (as many as there are); the rest stay here.
        let away = ranges
            .len()
            .saturating_sub(self.config.threads)
            .min(helpers);
        let (here, away) = ranges.split_at(ranges.len() - away);
        // The kernels and the helpers take the parameters flattened, read once.
        let params = match (&self.engine, away.is_empty()) {
            (Engine::Autodiff, true) => None,
            _ => Some(
                batch::read_floats(flat::params(&self.model))
                    .await
                    .map_err(TrainError::Read)?,
            ),
        };
        let pending = self.hand_out(away, batch, params.as_deref());
        let local = Here {
            model: &self.model,
            device: &self.device,
            engine: &self.engine,
            params: params.as_deref(),
        };
        let mut answers = Answers::default();
        for answer in on_threads(here.to_vec(), |r| local.compute(batch, &r)) {
            answers.push(answer);
        }
        let expected = self.model.num_params();
        for (r, answer) in pending {
            // A lost helper's share is computed here: the step stays the same.
            match answer.await.filter(|a| a.fits(expected, r.len())) {
                Some(answer) => answers.flat.push(answer),
                None => answers.push(local.compute(batch, &r)),
            }
        }
        Ok(answers.sum(&self.model, &self.device))
    }

    /// Hands the shares `away` to the helpers, one each, at once.
    fn hand_out(
        &mut self,
        away: &[Range<usize>],
        batch: &Batch,
        params: Option<&[f32]>,
    ) -> Vec<(Range<usize>, Pending)> {
        let Some(helpers) = self.helpers.as_mut().filter(|_| !away.is_empty()) else {
            return vec![];
        };
        let params = params.expect("read for the helpers");
        away.iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), helpers.compute(i, batch.job(r, params))))
            .collect()
    }

    /// Adds a step's loss and hits to the window of steps since the last report.
    fn record(&mut self, loss: Tensor<1>, correct: Tensor<1>, images: usize) {
        self.window = Some(match self.window.take() {
            None => Window {
                loss_sum: loss,
                correct,
                steps: 1,
                images,
            },
            Some(w) => Window {
                loss_sum: w.loss_sum + loss,
                correct: w.correct + correct,
                steps: w.steps + 1,
                images: w.images + images,
            },
        });
    }

    async fn report_if_due(
        &mut self,
        epoch_done: bool,
        started: Instant,
    ) -> Result<Option<Progress>, TrainError> {
        let due = epoch_done
            || self
                .window
                .as_ref()
                .is_some_and(|w| w.steps >= self.config.report_every);
        if due {
            return Ok(Some(self.report(epoch_done, started).await?));
        }
        self.busy_secs += started.elapsed().as_secs_f64();
        Ok(None)
    }

    fn next_epoch(&mut self) {
        self.epoch += 1;
        self.step = 0;
        self.epoch_seen = 0;
        self.epoch_correct = 0;
        self.epoch_steps = 0;
        self.epoch_loss_sum = 0.0;
        self.order = batch::epoch_order(self.data.len(), self.config.order, &mut self.rng);
    }

    async fn report(&mut self, epoch_done: bool, started: Instant) -> Result<Progress, TrainError> {
        let w = self.window.take().expect("a step just filled the window");
        // One read for both numbers.
        let both = Tensor::cat(vec![w.loss_sum, w.correct], 0);
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
        self.epoch_steps += w.steps;
        self.epoch_loss_sum += f64::from(values[0]);
        self.images_done += w.images;
        Ok(Progress {
            epoch: self.epoch + 1,
            epochs: self.config.epochs,
            step: self.step,
            steps_per_epoch: self.steps_per_epoch(),
            loss,
            accuracy: correct as f32 / w.images as f32,
            epoch_loss: (self.epoch_loss_sum / self.epoch_steps as f64) as f32,
            epoch_accuracy: self.epoch_correct as f32 / self.epoch_seen as f32,
            images_per_sec: (self.images_done as f64 / self.busy_secs.max(1e-9)) as f32,
            elapsed_secs: self.busy_secs,
            epoch_done,
        })
    }
}
