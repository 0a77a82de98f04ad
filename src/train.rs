//! Training: its settings, its errors and its progress reports, which every front end shares,
//! and (feature `train`) the step-wise loop itself, which only the CLI and the worker link.

use crate::data::Augment;
pub use crate::data::batch::Order;

#[cfg(feature = "train")]
mod adam;
#[cfg(feature = "train")]
mod cpu;
#[cfg(all(feature = "train", feature = "gpu-kernels"))]
mod gpu;
#[cfg(feature = "train")]
pub mod helpers;
#[cfg(feature = "train")]
pub mod share;
#[cfg(feature = "train")]
mod trainer;
#[cfg(feature = "train")]
pub use trainer::{Trainer, max_shares};

/// Which of our own kernels train a network (burn's autodiff trains the rest): the CPU's any
/// network without batch norm or dropout; the GPU's the tutorial's layers (two 3×3 convolutions,
/// each pooled, then the output) with any channel counts.
#[cfg(feature = "train")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernels {
    pub cpu: bool,
    pub gpu: bool,
}

#[cfg(feature = "train")]
impl Kernels {
    pub fn for_network(config: &crate::model::ModelConfig) -> Self {
        let network = cpu::Network::of(config);
        Kernels {
            cpu: network.is_some(),
            gpu: network.is_some_and(|n| n.is_tutorial_shape()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Random rotation/scale/shift of training images.
    pub augment: Option<Augment>,
    pub seed: u64,
    /// Read loss and accuracy back every this many steps (and at the end of each epoch).
    pub report_every: usize,
    /// Threads that may share each batch (data parallelism; at most one per 16 images): each
    /// computes the gradients of its share, and their sum makes one Adam step, the same step as
    /// one thread up to float rounding. Native builds only: a browser worker has one thread, and
    /// shares batches with other workers instead ([`Trainer::set_helpers`]).
    pub threads: usize,
    /// The order of the training images in each epoch.
    pub order: Order,
}

impl Default for TrainConfig {
    /// The tutorial's settings: 10 epochs, batch 60, Adam with lr 0.001.
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 60,
            learning_rate: 1e-3,
            augment: None,
            seed: 0,
            report_every: 20,
            threads: 1,
            order: Order::Shuffled,
        }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |why: &str| Err(TrainError::InvalidConfig(why.into()));
        if self.epochs == 0 {
            return bad("epochs must be at least 1");
        }
        if self.batch_size == 0 {
            return bad("batch size must be at least 1");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("learning rate must be a positive number");
        }
        if self.report_every == 0 {
            return bad("report interval must be at least 1 step");
        }
        if self.threads == 0 {
            return bad("threads must be at least 1");
        }
        if cfg!(target_arch = "wasm32") && self.threads > 1 {
            return bad("a browser worker trains on one thread");
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("invalid training settings: {0}")]
    InvalidConfig(String),
    #[error("the training set is empty")]
    NoData,
    #[error(
        "the loss became {value} at epoch {epoch}, step {step}: training stopped (try a lower learning rate)"
    )]
    NonFiniteLoss {
        value: f32,
        epoch: usize,
        step: usize,
    },
    #[error("reading results from the device failed: {0}")]
    Read(String),
    #[error("a share of a batch to compute is malformed: {0}")]
    BadShare(String),
    #[error("this network cannot be trained here: {0}")]
    Network(#[from] crate::model::ArchError),
}

/// Where training stands, as read back at a report.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// 1-based epoch.
    pub epoch: usize,
    pub epochs: usize,
    /// Steps done in this epoch, and per epoch.
    pub step: usize,
    pub steps_per_epoch: usize,
    /// Mean loss and accuracy over the steps since the previous report.
    pub loss: f32,
    pub accuracy: f32,
    /// Mean loss and accuracy over this epoch so far.
    pub epoch_loss: f32,
    pub epoch_accuracy: f32,
    pub images_per_sec: f32,
    pub elapsed_secs: f64,
    /// True at the last report of an epoch (time to evaluate).
    pub epoch_done: bool,
}

impl Progress {
    /// Steps done since the run started.
    pub fn steps_done(&self) -> usize {
        (self.epoch - 1) * self.steps_per_epoch + self.step
    }
}
