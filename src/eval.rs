//! Evaluation: accuracy, per-class precision/recall/F1, confusion matrix and the misclassified digits.

use burn::prelude::*;
use burn::tensor::activation::softmax;

use crate::data::{Split, batch};
use crate::model::Model;

/// Images per forward pass when evaluating.
pub const EVAL_BATCH: usize = 500;

/// A test digit the model got wrong.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub index: usize,
    pub label: u8,
    pub predicted: u8,
    /// Softmax probability of the predicted class.
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// `confusion[true][predicted]` counts.
    pub confusion: [[u32; 10]; 10],
    /// The predicted class of every evaluated image, in order.
    pub predictions: Vec<u8>,
    pub misses: Vec<Miss>,
}

impl Evaluation {
    pub fn total(&self) -> u32 {
        self.confusion.iter().flatten().sum()
    }

    pub fn correct(&self) -> u32 {
        (0..10).map(|c| self.confusion[c][c]).sum()
    }

    pub fn accuracy(&self) -> f64 {
        self.correct() as f64 / self.total().max(1) as f64
    }

    /// Of the images predicted as `class`, the share that are `class`.
    pub fn precision(&self, class: usize) -> f64 {
        let predicted: u32 = (0..10).map(|t| self.confusion[t][class]).sum();
        ratio(self.confusion[class][class], predicted)
    }

    /// Of the images of `class`, the share predicted as `class`.
    pub fn recall(&self, class: usize) -> f64 {
        ratio(
            self.confusion[class][class],
            self.confusion[class].iter().sum(),
        )
    }

    pub fn f1(&self, class: usize) -> f64 {
        let (p, r) = (self.precision(class), self.recall(class));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("there are no digits to evaluate on")]
    Empty,
    #[error(
        "the model's outputs are not finite numbers (NaN or infinity): these weights cannot classify"
    )]
    NotFinite,
    #[error("reading results from the device failed: {0}")]
    Read(String),
}

/// Softmax probabilities of each image, `[n][10]`, read back asynchronously.
pub async fn probabilities(model: &Model, images: Tensor<4>) -> Result<Vec<[f32; 10]>, EvalError> {
    softmax_rows(model.forward(images)).await
}

/// `[n, 10]` logits to probabilities per row; weights whose outputs are not finite are refused.
pub async fn softmax_rows(logits: Tensor<2>) -> Result<Vec<[f32; 10]>, EvalError> {
    let values = batch::read_floats(softmax(logits, 1))
        .await
        .map_err(EvalError::Read)?;
    if !values.iter().all(|v| v.is_finite()) {
        return Err(EvalError::NotFinite);
    }
    Ok(values
        .chunks_exact(10)
        .map(|c| c.try_into().expect("10 classes"))
        .collect())
}

/// An evaluation done [`EVAL_BATCH`] images at a time.
struct Evaluator<'a> {
    model: &'a Model,
    split: &'a Split,
    device: &'a Device,
    done: usize,
    eval: Evaluation,
}

impl<'a> Evaluator<'a> {
    fn new(model: &'a Model, split: &'a Split, device: &'a Device) -> Result<Self, EvalError> {
        if split.is_empty() {
            return Err(EvalError::Empty);
        }
        Ok(Self {
            model,
            split,
            device,
            done: 0,
            eval: Evaluation {
                confusion: [[0; 10]; 10],
                predictions: Vec::with_capacity(split.len()),
                misses: vec![],
            },
        })
    }

    fn is_done(&self) -> bool {
        self.done >= self.split.len()
    }

    /// Evaluates the next batch.
    async fn step(&mut self) -> Result<(), EvalError> {
        let end = (self.done + EVAL_BATCH).min(self.split.len());
        let chunk: Vec<u32> = (self.done as u32..end as u32).collect();
        let images = batch::images_tensor(batch::pixels(self.split, &chunk, None), self.device);
        for (&i, p) in chunk.iter().zip(probabilities(self.model, images).await?) {
            let (predicted, confidence) = argmax(&p);
            let label = self.split.label(i as usize);
            self.eval.confusion[label as usize][predicted as usize] += 1;
            self.eval.predictions.push(predicted);
            if predicted != label {
                self.eval.misses.push(Miss {
                    index: i as usize,
                    label,
                    predicted,
                    confidence,
                });
            }
        }
        self.done = end;
        Ok(())
    }

    fn finish(self) -> Evaluation {
        self.eval
    }
}

/// Evaluates `model` on all of `split`.
pub async fn evaluate(
    model: &Model,
    split: &Split,
    device: &Device,
) -> Result<Evaluation, EvalError> {
    evaluate_pausing(model, split, device, async || {}).await
}

/// [`evaluate`], awaiting `pause` after every batch (a browser worker yields to its event loop
/// there, to stay responsive).
pub async fn evaluate_pausing(
    model: &Model,
    split: &Split,
    device: &Device,
    mut pause: impl AsyncFnMut(),
) -> Result<Evaluation, EvalError> {
    let mut evaluator = Evaluator::new(model, split, device)?;
    while !evaluator.is_done() {
        evaluator.step().await?;
        pause().await;
    }
    Ok(evaluator.finish())
}

/// The most probable class and its probability.
pub fn argmax(probs: &[f32; 10]) -> (u8, f32) {
    let (i, p) = probs
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &p)| {
            if p > best.1 { (i, p) } else { best }
        });
    (i as u8, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_from_a_confusion_matrix() {
        let mut confusion = [[0; 10]; 10];
        confusion[0][0] = 8;
        confusion[0][1] = 2; // two 0s read as 1
        confusion[1][1] = 5;
        let e = Evaluation {
            confusion,
            predictions: vec![],
            misses: vec![],
        };
        assert_eq!(e.total(), 15);
        assert!((e.accuracy() - 13.0 / 15.0).abs() < 1e-12);
        assert!((e.recall(0) - 0.8).abs() < 1e-12);
        assert!((e.precision(1) - 5.0 / 7.0).abs() < 1e-12);
        assert_eq!(e.precision(2), 0.0);
        let f1 = 2.0 * 1.0 * 0.8 / 1.8;
        assert!((e.f1(0) - f1).abs() < 1e-12);
        assert_eq!(
            argmax(&[0.1, 0.7, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
            (1, 0.7)
        );
    }
}
