//! Shares of a batch computed somewhere else — another browser worker, which has no threads to
//! share memory with. What crosses is plain numbers: the model's parameters and the share's
//! images go out, the share's gradients come back (9,098 floats each way for the tutorial's
//! model), flattened in the order the model visits its parameters, which both ends share
//! because both build the same architecture.

use std::future::Future;
use std::pin::Pin;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::trainer::{Share, share_gradients};
use super::{TrainError, cpu};
use crate::data::{PIXELS, batch};
use crate::model::Model;

/// What a helper needs to compute one share's gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareJob {
    /// The model's parameters now, flattened.
    pub params: Vec<f32>,
    /// The share's images (augmented already), 784 floats each.
    pub pixels: Vec<f32>,
    pub labels: Vec<u8>,
    /// The share's fraction of the batch, which weights its loss.
    pub weight: f32,
}

/// A helper's answer: the share's gradients, flattened like the parameters, its loss (weighted
/// by its fraction) and how many of its images the model classified right.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareGradients {
    pub grads: Vec<f32>,
    pub loss: f32,
    pub correct: u32,
}

impl ShareGradients {
    /// Whether this can be the answer to a share of `images` images for a model of `params`
    /// parameters: a helper's answer crosses from another worker, and one wrong number (a NaN
    /// gradient, a count past the share) would spoil every later step or wrap a sum.
    pub fn fits(&self, params: usize, images: usize) -> bool {
        self.grads.len() == params
            && self.grads.iter().all(|g| g.is_finite())
            && self.loss.is_finite()
            && self.loss >= 0.0
            && self.correct as usize <= images
    }
}

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
    check(template.num_params(), &job)?;
    match cpu::Network::training(template, device) {
        Some(network) => Ok(network.gradients(&job.params, &job.pixels, &job.labels, job.weight)),
        None => burn_share(template, job, device).await,
    }
}

/// Refuses a job that does not fit a model of `expected` parameters.
fn check(expected: usize, job: &ShareJob) -> Result<(), TrainError> {
    let bad = |why: String| Err(TrainError::BadShare(why));
    if job.params.len() != expected {
        return bad(format!(
            "{} parameters for a model of {expected}",
            job.params.len()
        ));
    }
    if job.labels.is_empty() || job.pixels.len() != job.labels.len() * PIXELS {
        return bad(format!(
            "{} pixels for {} labels",
            job.pixels.len(),
            job.labels.len()
        ));
    }
    if let Some(label) = job.labels.iter().find(|&&l| l > 9) {
        return bad(format!("label {label}"));
    }
    if !(job.weight > 0.0 && job.weight <= 1.0) {
        return bad(format!("share weight {}", job.weight));
    }
    Ok(())
}

/// A checked job's gradients through burn's autodiff.
pub(super) async fn burn_share(
    template: &Model,
    job: ShareJob,
    device: &Device,
) -> Result<ShareGradients, TrainError> {
    let model = template
        .clone()
        .map(&mut Unflatten::new(&job.params, device));
    let labels: Vec<i64> = job.labels.iter().map(|&l| l as i64).collect();
    let share = Share {
        images: batch::images_tensor(job.pixels, device),
        targets: Tensor::from_data(TensorData::new(labels, [job.labels.len()]), device),
        weight: job.weight,
    };
    let result = share_gradients(&model, share);
    let grads = flatten_grads(&model, &result.grads);
    // One read for the gradients, the loss and the count.
    let all = Tensor::cat(vec![grads, result.loss.inner(), result.correct.inner()], 0);
    let mut values = batch::read_floats(all).await.map_err(TrainError::Read)?;
    let correct = values.pop().expect("the count was read") as u32;
    let loss = values.pop().expect("the loss was read");
    Ok(ShareGradients {
        grads: values,
        loss,
        correct,
    })
}

/// The model's parameters, flattened (one read).
pub(super) async fn flatten_params(model: &Model) -> Result<Vec<f32>, TrainError> {
    batch::read_floats(Tensor::cat(model.flat_params(), 0))
        .await
        .map_err(TrainError::Read)
}

/// A share's gradients in the model's parameter order, as one tensor.
fn flatten_grads(model: &Model, grads: &GradientsParams) -> Tensor<1> {
    struct Grads<'a>(&'a GradientsParams, Vec<Tensor<1>>);
    impl ModuleVisitor for Grads<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            // Every parameter takes part in the loss, so each has a gradient.
            let grad = self.0.get::<D>(param.id).expect("a gradient per parameter");
            let n = grad.shape().num_elements();
            self.1.push(grad.reshape([n]));
        }
    }
    let mut visitor = Grads(grads, vec![]);
    model.visit(&mut visitor);
    Tensor::cat(visitor.1, 0)
}

/// Gradients that arrived flattened, keyed by `model`'s parameters (on `device`, the device
/// gradients live on: the trainer's, without autodiff).
pub(super) fn unflatten_grads(model: &Model, flat: &[f32], device: &Device) -> GradientsParams {
    struct Grads<'a> {
        flat: &'a [f32],
        offset: usize,
        device: &'a Device,
        grads: GradientsParams,
    }
    impl ModuleVisitor for Grads<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let shape = param.shape();
            let n = shape.num_elements();
            let values = self.flat[self.offset..self.offset + n].to_vec();
            self.offset += n;
            let grad = Tensor::<D>::from_data(TensorData::new(values, shape), self.device);
            self.grads.register(param.id, grad);
        }
    }
    let mut visitor = Grads {
        flat,
        offset: 0,
        device,
        grads: GradientsParams::new(),
    };
    model.visit(&mut visitor);
    visitor.grads
}

/// Replaces each parameter's values with the next ones of a flat list (the helper's copy of
/// the trainer's model), as leaves that require a gradient.
struct Unflatten<'a> {
    flat: &'a [f32],
    offset: usize,
    device: &'a Device,
}

impl<'a> Unflatten<'a> {
    fn new(flat: &'a [f32], device: &'a Device) -> Self {
        Self {
            flat,
            offset: 0,
            device,
        }
    }
}

impl ModuleMapper for Unflatten<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let shape = param.shape();
        let n = shape.num_elements();
        let values = self.flat[self.offset..self.offset + n].to_vec();
        self.offset += n;
        param
            .map(|_| Tensor::from_data(TensorData::new(values, shape), self.device))
            .set_require_grad(true)
    }
}
