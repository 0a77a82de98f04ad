//! "Fool it": a small change to a digit that makes the network read it as another, found by
//! iterated targeted gradient-sign steps (I-FGSM): each step moves every pixel by [`EPSILON`]
//! against the sign of the loss's gradient toward the target, and the first step at which the
//! network answers the target stops the search. That a few grey levels here and there turn a
//! clear 7 into a confident 3 shows how little of what a person sees the network relies on.
//! Needs the gradient with respect to the input, so burn's autodiff: the training worker runs it.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::activation::softmax;

use crate::data::batch::{images_tensor, labels_tensor, read_floats};
use crate::eval::{EvalError, argmax};
use crate::model::Model;
use crate::preprocess::Digit;

/// How far one step moves a pixel: two grey levels of an 8-bit image, so the first step that
/// fools the network is at most two levels past the least change this search could find, and
/// [`MAX_STEPS`] steps can still take a pixel across the whole range (400 × 2/255 > 1).
pub const EPSILON: f32 = 2.0 / 255.0;
/// Where the search gives up.
pub const MAX_STEPS: usize = 400;
/// A pixel changed by more than this is drawn as visibly changed.
pub const VISIBLE: f32 = 0.05;

/// The changed digit and what the network makes of it.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct Fooled {
    /// The changed digit, 784 pixels in 0..=1.
    pub pixels: Vec<f32>,
    /// Gradient-sign steps taken.
    pub steps: usize,
    /// Whether the network's answer is now the target (false: [`MAX_STEPS`] were not enough).
    pub fooled: bool,
    /// The network's probabilities on the changed digit.
    pub probabilities: [f32; 10],
    /// The largest change of one pixel (L∞).
    pub largest: f32,
    /// Pixels changed by more than [`VISIBLE`].
    pub changed: usize,
}

/// Changes `digit` until `model` (a plain model, read as inference reads it: batch norm's
/// running statistics, no dropout) answers `target`, on `device` (an autodiff device whose
/// inner device holds the model). A digit already read as `target` comes back unchanged.
///
/// # Panics
///
/// If `target` is not a digit (0–9).
pub async fn fool(
    model: &Model,
    digit: &Digit,
    target: u8,
    device: &Device,
) -> Result<Fooled, EvalError> {
    assert!(target < 10, "the target is a digit, not {target}");
    // A copy without training behaviour: its batch norms and dropout act as in reading even
    // on an autodiff device. Its weights, plain tensors, are constants to autodiff.
    let model = model.valid();
    let mut pixels = digit.to_vec();
    let mut steps = 0;
    loop {
        let (probabilities, signs) = probe(&model, &pixels, target, device).await?;
        let fooled = argmax(&probabilities).0 == target;
        if fooled || steps == MAX_STEPS {
            return Ok(result(digit, pixels, steps, fooled, probabilities));
        }
        for (x, sign) in pixels.iter_mut().zip(signs) {
            *x = (*x - EPSILON * sign).clamp(0.0, 1.0);
        }
        steps += 1;
    }
}

/// The network's probabilities on `pixels`, and the sign of the gradient of the cross-entropy
/// toward `target` with respect to each pixel: one forward and backward pass, one read.
async fn probe(
    model: &Model,
    pixels: &[f32],
    target: u8,
    device: &Device,
) -> Result<([f32; 10], Vec<f32>), EvalError> {
    let input = images_tensor(pixels.to_vec(), device).require_grad();
    let logits = model.forward(input.clone());
    let loss = CrossEntropyLossConfig::new()
        .init(device)
        .forward(logits.clone(), labels_tensor(&[target], device));
    let gradient = input
        .grad(&loss.backward())
        .expect("the input requires a gradient");
    let probabilities = softmax(logits.inner(), 1).reshape([-1]);
    let both = Tensor::cat(vec![probabilities, gradient.sign().reshape([-1])], 0);
    let mut values = read_floats(both).await.map_err(EvalError::Read)?;
    let signs = values.split_off(10);
    let probabilities: [f32; 10] = values.try_into().expect("10 classes");
    if !probabilities.iter().all(|p| p.is_finite()) {
        return Err(EvalError::NotFinite);
    }
    Ok((probabilities, signs))
}

/// The search's answer: `pixels` measured against the `digit` it started from.
fn result(
    digit: &Digit,
    pixels: Vec<f32>,
    steps: usize,
    fooled: bool,
    probabilities: [f32; 10],
) -> Fooled {
    let changes = || pixels.iter().zip(digit).map(|(x, d)| (x - d).abs());
    Fooled {
        largest: changes().fold(0.0, f32::max),
        changed: changes().filter(|&c| c > VISIBLE).count(),
        pixels,
        steps,
        fooled,
        probabilities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PIXELS;
    use crate::inference;
    use crate::model::ModelConfig;
    use crate::testing::{self, pretrained};

    /// The first MNIST test digit with this label, as the network's input.
    fn test_digit(label: u8) -> Digit {
        let test = testing::test_split();
        let index = (0..test.len()).find(|&i| test.label(i) == label).unwrap();
        testing::digit(&test, index)
    }

    #[test]
    fn a_seven_is_turned_into_a_three_by_a_small_change() {
        let model = pretrained();
        let seven = test_digit(7);
        let device = Device::flex().autodiff();
        let fooled = pollster::block_on(fool(&model, &seven, 3, &device)).unwrap();
        assert!(fooled.fooled, "{fooled:?}");
        assert!(fooled.steps > 0 && fooled.steps <= MAX_STEPS);
        assert_eq!(argmax(&fooled.probabilities).0, 3);
        assert!(fooled.largest <= fooled.steps as f32 * EPSILON + 1e-6);
        assert!(fooled.largest > 0.0 && fooled.changed > 0);
        assert_eq!(fooled.pixels.len(), PIXELS);
        assert!(fooled.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        // The network reads the changed digit the same way outside the search.
        let changed: Digit = fooled.pixels.clone().try_into().unwrap();
        let reading = pollster::block_on(inference::read(&model, &changed)).unwrap();
        assert_eq!(reading.digit, 3);
    }

    #[test]
    fn a_network_with_batch_norm_is_searched_as_it_reads() {
        // Searched against the batch's statistics, the changed digit would read otherwise
        // outside. An untrained network's answers hardly depend on its input: it may hold out
        // for all the steps.
        let config: ModelConfig = "c4bp c8bp f16d0.5".parse().unwrap();
        let model = config.seeded(4, &Device::flex());
        let seven = test_digit(7);
        let first = pollster::block_on(inference::read(&model, &seven)).unwrap();
        let target = (first.digit + 1) % 10;
        let device = Device::flex().autodiff();
        let fooled = pollster::block_on(fool(&model, &seven, target, &device)).unwrap();
        assert!(fooled.fooled || fooled.steps == MAX_STEPS, "{fooled:?}");
        let changed: Digit = fooled.pixels.clone().try_into().unwrap();
        let reading = pollster::block_on(inference::read(&model, &changed)).unwrap();
        for (read, searched) in reading.probabilities.iter().zip(fooled.probabilities) {
            assert!((read - searched).abs() < 1e-5, "{reading:?} vs {fooled:?}");
        }
        assert_eq!(fooled.fooled, reading.digit == target);
    }

    #[test]
    fn a_digit_already_read_as_the_target_is_left_as_it_is() {
        let model = pretrained();
        let seven = test_digit(7);
        let device = Device::flex().autodiff();
        let same = pollster::block_on(fool(&model, &seven, 7, &device)).unwrap();
        assert_eq!((same.steps, same.fooled, same.changed), (0, true, 0));
        assert_eq!(same.largest, 0.0);
        assert_eq!(same.pixels, seven);
    }
}
