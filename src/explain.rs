//! Why the network read a digit as it did, by occlusion: each [`PATCH`]×[`PATCH`] square of
//! the 28×28 input that holds ink is hidden (set to paper) in turn, and how far the log-probability
//! of the class drops says how much that ink supported it; a rise says the ink argued against it.
//! Forward passes only, all in one batch, so it runs where no autodiff is linked: the page.
//!
//! Its submodules look inside in other ways: [`arithmetic`] works out one value of a feature
//! map; `fool` (the smallest change that makes the network read another digit) and `layers`
//! (each layer's weights and gradients) need autodiff, so they exist with the `train` feature.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use crate::data::batch::{images_tensor, read_floats};
use crate::data::{PIXELS, SIDE};
use crate::eval::EvalError;
use crate::model::Model;
use crate::preprocess::Digit;

pub mod arithmetic;
#[cfg(feature = "train")]
pub mod fool;
#[cfg(feature = "train")]
pub mod layers;

/// The side of the hidden square: about a stroke's width once a digit is scaled to 20×20.
pub const PATCH: usize = 4;
/// Squares start every `STRIDE` pixels, so each pixel is judged by several overlapping ones.
pub const STRIDE: usize = 2;

/// Per pixel, the mean change of `ln p(class)` that hiding each square covering it caused,
/// sign flipped: positive where the ink made the network surer of `class`, negative where it
/// made it less sure, 0 where no covering square held ink (hiding paper changes nothing).
pub async fn occlusion(model: &Model, digit: &Digit, class: u8) -> Result<Vec<f32>, EvalError> {
    let starts: Vec<usize> = (0..=SIDE - PATCH).step_by(STRIDE).collect();
    let squares: Vec<(usize, usize)> = starts
        .iter()
        .flat_map(|&row| starts.iter().map(move |&col| (row, col)))
        .filter(|&(row, col)| cells(row, col).any(|i| digit[i] > 0.0))
        .collect();
    let mut batch = Vec::with_capacity((squares.len() + 1) * PIXELS);
    batch.extend_from_slice(digit);
    for &(row, col) in &squares {
        let start = batch.len();
        batch.extend_from_slice(digit);
        for i in cells(row, col) {
            batch[start + i] = 0.0;
        }
    }
    let logits = model.forward(images_tensor(batch, &Device::flex()));
    let scores: Vec<f32> = read_floats(log_softmax(logits, 1))
        .await
        .map_err(EvalError::Read)?
        .chunks_exact(10)
        .map(|row| row[class as usize])
        .collect();
    if !scores.iter().all(|s| s.is_finite()) {
        return Err(EvalError::NotFinite);
    }
    let mut sum = vec![0.0f32; PIXELS];
    let mut covers = vec![0u32; PIXELS];
    for (&(row, col), hidden) in squares.iter().zip(&scores[1..]) {
        for i in cells(row, col) {
            sum[i] += scores[0] - hidden;
            covers[i] += 1;
        }
    }
    Ok(sum
        .iter()
        .zip(&covers)
        .map(|(&s, &n)| if n == 0 { 0.0 } else { s / n as f32 })
        .collect())
}

/// The pixel indices of the square whose top-left corner is (`row`, `col`).
fn cells(row: usize, col: usize) -> impl Iterator<Item = usize> {
    (row..row + PATCH).flat_map(move |r| (col..col + PATCH).map(move |c| r * SIDE + c))
}
