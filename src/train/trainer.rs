//! An explicit, step-wise training loop (forward, cross-entropy, backward, Adam).
//!
//! The caller drives it one batch at a time with [`Trainer::step`], so a browser worker can yield
//! between batches and pause or stop simply by not calling it again. Loss and accuracy stay on
//! the device and are read back (asynchronously, as wasm requires) only every
//! [`TrainConfig::report_every`] steps, so a GPU is not stalled by a read after every batch.

use std::ops::Range;
use std::sync::Arc;

use burn::module::{ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use web_time::Instant;

use super::adam::DeviceAdam;
use super::remote::{self, Helpers, ShareGradients, ShareJob};
use super::{Progress, TrainConfig, TrainError, cpu};
use crate::data::{PIXELS, Rng, Split, batch};
use crate::model::{Model, ModelConfig};

/// burn's autodiff keeps every operation on its tensors (tracked or not) and every tensor that
/// requires a gradient in a process-wide graph, and frees them only when a backward pass runs.
/// Our kernels run none, so the trainer keeps its weights as leaves of no graph that need no
/// gradient (the optimizer wants autodiff tensors; nothing is computed on them there) and gives
/// each share that runs a backward pass leaves of its own:
/// otherwise a run on the kernels held on to 14.5 KB per step, ~145 MB over the tutorial's
/// 10,000 steps, and each new trainer 12 KB for good.
struct Leaves {
    grad: bool,
}

impl ModuleMapper for Leaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param
            .map(|t| t.inner().autodiff())
            .set_require_grad(self.grad)
    }
}

/// One share of a batch: its images and labels, and its fraction of the batch.
pub(super) struct Share {
    pub images: Tensor<4>,
    pub targets: Tensor<1, Int>,
    pub weight: f32,
}

/// What a share gives back: its gradients, its loss (weighted by its fraction) and its hits
/// (as a float, the way they are read back with the loss).
pub(super) struct ShareResult {
    pub grads: GradientsParams,
    pub loss: Tensor<1>,
    pub correct: Tensor<1>,
}

/// Forward and backward on one share, on a copy of `model` with leaves of its own (so shares
/// computed at once on different threads build separate autodiff graphs). The loss is the
/// share's mean times its fraction of the batch, so the shares' gradients add up to the
/// gradients of the whole batch's mean loss.
pub(super) fn share_gradients(model: &Model, share: Share) -> ShareResult {
    let device = share.images.device();
    let model = model.clone().map(&mut Leaves { grad: true });
    let logits = model.forward(share.images);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits.clone(), share.targets.clone());
    let correct = logits
        .argmax(1)
        .squeeze_dim::<1>(1)
        .equal(share.targets)
        .float()
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

/// Shares' flattened answers added up into one (their gradients, weighted losses and hits all
/// add), as burn tensors on `device` for the optimizer.
fn sum_flat(model: &Model, answers: Vec<ShareGradients>, device: &Device) -> Option<ShareResult> {
    let mut answers = answers.into_iter();
    let mut sum = answers.next()?;
    for answer in answers {
        sum.grads
            .iter_mut()
            .zip(&answer.grads)
            .for_each(|(s, g)| *s += g);
        sum.loss += answer.loss;
        sum.correct += answer.correct;
    }
    // Without autodiff, like the GPU kernels' results: see [`Leaves`].
    let device = device.clone().inner();
    Some(ShareResult {
        grads: remote::unflatten_grads(model, &sum.grads, &device),
        loss: Tensor::from_floats([sum.loss], &device),
        correct: Tensor::from_floats([sum.correct as f32], &device),
    })
}

/// Threads take shares of at least this many images: a smaller share costs more in
/// per-operation overhead than its thread gains (on a 16-core machine, 16 threads of ~4 images
/// trained at 0.73× the speed of burn-flex parallelising each operation by itself).
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
    /// Whether our own kernels compute the gradients where they fit the model (the CPU's, or
    /// on a GPU the GPU's), rather than burn's autodiff.
    kernels: bool,
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
        let optim = DeviceAdam::init(1e-8);
        Ok(Self {
            model: model.to_device(device).map(&mut Leaves { grad: false }),
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
            epoch_steps: 0,
            epoch_loss_sum: 0.0,
            busy_secs: 0.0,
            images_done: 0,
            helpers: None,
            kernels: true,
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
        let model = model_config.init(&device.clone().inner());
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
        self.kernels = false;
    }

    fn helper_count(&self) -> usize {
        self.helpers.as_ref().map_or(0, |h| h.count())
    }

    /// How many threads and helpers share a full batch.
    pub fn threads_per_batch(&self) -> usize {
        split(
            self.config.batch_size,
            self.config.threads + self.helper_count(),
        )
        .len()
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
        let helpers = self.helper_count();
        let ranges = split(n, self.config.threads + helpers);
        // The last shares go to the helpers (as many as there are); the rest stay here.
        let remote = ranges
            .len()
            .saturating_sub(self.config.threads)
            .min(helpers);
        let (here, away) = ranges.split_at(ranges.len() - remote);
        let pixels_of = |r: &Range<usize>| pixels[r.start * PIXELS..r.end * PIXELS].to_vec();
        let weight_of = |r: &Range<usize>| r.len() as f32 / n as f32;
        let share = |r: &Range<usize>| Share {
            images: batch::images_tensor(pixels_of(r), &self.device),
            targets: batch::labels_tensor(&self.data, &indices[r.clone()], &self.device),
            weight: weight_of(r),
        };
        let labels_of = |r: &Range<usize>| -> Vec<u8> {
            indices[r.clone()]
                .iter()
                .map(|&i| self.data.label(i as usize))
                .collect()
        };
        let results = match self.on_gpu(&pixels, || labels_of(&(0..n))) {
            Some(batch) => vec![batch],
            None => {
                // On the CPU the written-out kernels compute the shares, from the parameters read once.
                let kernels =
                    cpu::Network::training(&self.model, &self.device).filter(|_| self.kernels);
                let params = match (kernels.is_some(), remote > 0) {
                    (false, false) => None,
                    _ => Some(remote::flatten_params(&self.model).await?),
                };
                let by_kernels = |network: cpu::Network, r: &Range<usize>| {
                    let params = params.as_deref().expect("read for the kernels");
                    let pixels = &pixels[r.start * PIXELS..r.end * PIXELS];
                    network.gradients(params, pixels, &labels_of(r), weight_of(r))
                };
                let mut pending = vec![];
                if let Some(helpers) = self.helpers.as_mut().filter(|_| remote > 0) {
                    let params = params.as_ref().expect("read for the helpers");
                    for (i, r) in away.iter().enumerate() {
                        let job = ShareJob {
                            params: params.clone(),
                            pixels: pixels_of(r),
                            labels: labels_of(r),
                            weight: weight_of(r),
                        };
                        pending.push((r.clone(), helpers.compute(i, job)));
                    }
                }
                let (mut flat, mut results) = match kernels {
                    Some(network) => (
                        on_threads(here.to_vec(), |r| by_kernels(network, &r)),
                        vec![],
                    ),
                    None => {
                        let shares = here.iter().map(share).collect();
                        (
                            vec![],
                            on_threads(shares, |s| share_gradients(&self.model, s)),
                        )
                    }
                };
                let expected = self.model.num_params();
                for (r, answer) in pending {
                    // A lost helper's share is computed here: the step stays the same.
                    match (answer.await.filter(|a| a.fits(expected, r.len())), kernels) {
                        (Some(answer), _) => flat.push(answer),
                        (None, Some(network)) => flat.push(by_kernels(network, &r)),
                        (None, None) => results.push(share_gradients(&self.model, share(&r))),
                    }
                }
                results.extend(sum_flat(&self.model, flat, &self.device));
                results
            }
        };

        // The shares' gradients summed are the batch's: one Adam step, as with one thread.
        let mut sum = GradientsAccumulator::<Model>::new();
        let mut metrics: Option<(Tensor<1>, Tensor<1>)> = None;
        for share in results {
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
            self.epoch_steps = 0;
            self.epoch_loss_sum = 0.0;
            self.order = batch::epoch_order(self.data.len(), &mut self.rng);
        }
        Ok(progress)
    }

    /// The whole batch's gradients by the GPU kernels, where they train this model on this
    /// device (burn's autodiff computes them otherwise).
    fn on_gpu(&self, pixels: &[f32], labels: impl FnOnce() -> Vec<u8>) -> Option<ShareResult> {
        #[cfg(feature = "gpu-kernels")]
        if let Some(kernels) =
            super::gpu::Kernels::training(&self.model, &self.device).filter(|_| self.kernels)
        {
            return Some(kernels.gradients(&self.model, pixels.to_vec(), &labels()));
        }
        #[cfg(not(feature = "gpu-kernels"))]
        let _ = (pixels, labels);
        None
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
