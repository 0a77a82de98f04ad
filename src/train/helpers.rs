//! Helpers: other browser workers that compute shares of each batch beside the trainer (a
//! browser worker has no threads to share memory with). The trainer hands each a [`ShareJob`]
//! and waits for its [`ShareGradients`] ([`super::share`]).

use std::future::Future;
use std::pin::Pin;

use burn::prelude::*;

use super::share::{self, ShareGradients, ShareJob};
use super::{TrainError, cpu};
use crate::model::Model;

/// An answer still to come.
pub type Pending = Pin<Box<dyn Future<Output = Option<ShareGradients>>>>;

/// Helpers that compute shares of each batch beside the trainer's own thread.
pub trait Helpers {
    /// How many helpers can take a share now.
    fn count(&self) -> usize;

    /// Hands `job` to helper `i` at once (before returning, so that all helpers and the trainer
    /// compute at the same time) and resolves to its answer — or to `None` when the helper is
    /// lost (it died, hung, or answered nonsense); the trainer then computes the share itself,
    /// so a step never depends on a helper, and the helper is not counted any more.
    fn compute(&mut self, i: usize, job: ShareJob) -> Pending;
}

/// The helper's side: the gradients of `job` for a model shaped like `template` (whose values
/// are replaced by the job's; on `device`, an autodiff device), computed exactly as the trainer
/// computes its own share: by the written-out kernels on the CPU where they fit the model, else
/// by burn's autodiff. A helper keeps one template rather than building a model per share.
pub async fn compute_share(
    template: &Model,
    job: ShareJob,
    device: &Device,
) -> Result<ShareGradients, TrainError> {
    job.check(template.num_params())?;
    match cpu::Network::training(template, device) {
        Some(network) => Ok(network.gradients(&job.params, &job.pixels, &job.labels, job.weight)),
        None => share::autodiff_job(template, job, device).await,
    }
}
