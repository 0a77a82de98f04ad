//! A share of a batch: the part of it one thread or one helper computes, and what comes back.
//! The shares' gradients add up to the whole batch's (each share's loss is weighted by its
//! fraction of the batch), so one Adam step on their sum is the step of one thread.
//!
//! What crosses to a helper (another browser worker, which has no threads to share memory with)
//! is plain numbers: the model's parameters and the share's images go out, its gradients come
//! back, flattened in the model's order ([`crate::model::flat`]).

use burn::module::{ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::TrainError;
use crate::data::{PIXELS, batch};
use crate::model::{Model, flat};

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

impl ShareJob {
    /// Refuses a job that does not fit a model of `expected` parameters.
    pub(super) fn check(&self, expected: usize) -> Result<(), TrainError> {
        let bad = |why: String| Err(TrainError::BadShare(why));
        if self.params.len() != expected {
            return bad(format!(
                "{} parameters for a model of {expected}",
                self.params.len()
            ));
        }
        if self.labels.is_empty() || self.pixels.len() != self.labels.len() * PIXELS {
            return bad(format!(
                "{} pixels for {} labels",
                self.pixels.len(),
                self.labels.len()
            ));
        }
        if let Some(label) = self.labels.iter().find(|&&l| l > 9) {
            return bad(format!("label {label}"));
        }
        if !(self.weight > 0.0 && self.weight <= 1.0) {
            return bad(format!("share weight {}", self.weight));
        }
        Ok(())
    }
}

/// A share's answer as plain numbers: its gradients, flattened like the parameters, its loss
/// (weighted by its fraction) and how many of its images the model classified right.
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

    /// Answers added up into one (their gradients, weighted losses and hits all add), as burn
    /// tensors for the optimizer, keyed by `model`'s parameters.
    pub(super) fn sum(answers: Vec<Self>, model: &Model, device: &Device) -> Option<ShareResult> {
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
            grads: flat::to_gradients(model, &sum.grads, &device),
            loss: Tensor::from_floats([sum.loss], &device),
            correct: Tensor::from_floats([sum.correct as f32], &device),
        })
    }
}

/// A share's answer as burn tensors: its gradients, its loss (weighted by its fraction) and its
/// hits (as a float, the way they are read back with the loss).
pub(super) struct ShareResult {
    pub grads: GradientsParams,
    pub loss: Tensor<1>,
    pub correct: Tensor<1>,
}

/// burn's autodiff keeps every operation on its tensors (tracked or not) and every tensor that
/// requires a gradient in a process-wide graph, and frees them only when a backward pass runs.
/// Our kernels run none, so the trainer keeps its weights as leaves of no graph that need no
/// gradient (the optimizer wants autodiff tensors; nothing is computed on them there) and gives
/// each share that runs a backward pass leaves of its own: otherwise a run on the kernels held
/// on to every step's weights and operations (tests/hostile/leaks.rs).
pub(super) struct Leaves {
    pub grad: bool,
}

impl ModuleMapper for Leaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param
            .map(|t| t.inner().autodiff())
            .set_require_grad(self.grad)
    }
}

/// Forward and backward through burn's autodiff on a share of `pixels` (784 floats per label)
/// weighing `weight` of its batch, on `device` (an autodiff device), on a copy of `model` with
/// leaves of its own (so shares computed at once on different threads build separate graphs).
/// The loss is the share's mean times its weight.
pub(super) fn autodiff(
    model: &Model,
    (pixels, labels): (&[f32], &[u8]),
    weight: f32,
    device: &Device,
) -> ShareResult {
    let model = model.clone().map(&mut Leaves { grad: true });
    let targets = batch::labels_tensor(labels, device);
    let logits = model.forward(batch::images_tensor(pixels.to_vec(), device));
    let loss = CrossEntropyLossConfig::new()
        .init(device)
        .forward(logits.clone(), targets.clone());
    let correct = logits
        .argmax(1)
        .squeeze_dim::<1>(1)
        .equal(targets)
        .float()
        .sum();
    // A whole batch needs no scaling (and on a GPU, no extra kernel).
    let loss = if weight == 1.0 { loss } else { loss * weight };
    ShareResult {
        grads: GradientsParams::from_grads(loss.backward(), &model),
        loss: loss.detach(),
        correct,
    }
}

/// A checked job's answer through burn's autodiff, for a model shaped like `template`.
pub(super) async fn autodiff_job(
    template: &Model,
    job: ShareJob,
    device: &Device,
) -> Result<ShareGradients, TrainError> {
    let model = flat::with_params(template.clone(), &job.params, device);
    let result = autodiff(&model, (&job.pixels, &job.labels), job.weight, device);
    let grads = flat::gradients(&model, &result.grads);
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
