//! Inside the layers: per convolution and fully connected layer, how its weights are spread and
//! how the gradient of the loss on a batch is spread over them, as histograms and root mean
//! squares. Weights that all sit near 0, or gradients orders of magnitude smaller in the first
//! layers than in the last, are what a training that stalls looks like. Batch norms' scales and
//! shifts, and biases, are left out: the weights are what the layers learn their patterns in.
//! Needs burn's autodiff: the training worker runs it.

use burn::module::Param;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::Gradients;

use crate::data::PIXELS;
use crate::data::batch::{images_tensor, labels_tensor, read_floats};
use crate::eval::EvalError;
use crate::model::{Model, names};

/// Bins of each histogram.
pub const BINS: usize = 24;

/// Values counted in [`BINS`] equal bins from their least to their greatest.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The least and greatest value (equal for a constant tensor, whose values all go in the
    /// middle bin).
    pub low: f32,
    pub high: f32,
    pub counts: Vec<u32>,
}

/// One layer's weights and their gradients.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    /// Its name in files: `conv1`, …, `fc1`, … (the output layer is the last `fc`).
    pub name: String,
    pub weights: Histogram,
    pub grads: Histogram,
    /// Root mean squares: the layer's typical weight and gradient.
    pub weight_rms: f32,
    pub grad_rms: f32,
}

impl Histogram {
    /// `values` (finite, at least one) in [`BINS`] bins.
    fn of(values: &[f32]) -> Self {
        let (low, high) = values
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let mut counts = vec![0; BINS];
        for &v in values {
            let bin = if high > low {
                // The greatest value lands on BINS: it belongs to the last bin.
                ((v - low) / (high - low) * BINS as f32) as usize
            } else {
                BINS / 2
            };
            counts[bin.min(BINS - 1)] += 1;
        }
        Self { low, high, counts }
    }
}

impl LayerStats {
    fn of(name: String, weights: &[f32], grads: &[f32]) -> Self {
        Self {
            name,
            weights: Histogram::of(weights),
            grads: Histogram::of(grads),
            weight_rms: rms(weights),
            grad_rms: rms(grads),
        }
    }
}

fn rms(values: &[f32]) -> f32 {
    (values.iter().map(|v| v * v).sum::<f32>() / values.len() as f32).sqrt()
}

/// Each convolution and fully connected layer of `model`, first to last: its weights and the
/// gradient of the mean cross-entropy on `pixels` (784 per label, 0..1) and `labels`, as a
/// training step computes it (batch norm from the batch's statistics, dropout on), on `device`
/// (an autodiff device whose inner device holds the model). `model` is not changed (its batch
/// norms' running statistics included).
///
/// # Panics
///
/// If `pixels` does not hold 784 values per label.
pub async fn layer_stats(
    model: &Model,
    pixels: &[f32],
    labels: &[u8],
    device: &Device,
) -> Result<Vec<LayerStats>, EvalError> {
    if labels.is_empty() {
        return Err(EvalError::Empty);
    }
    assert_eq!(pixels.len(), labels.len() * PIXELS, "784 pixels per label");
    // A copy with leaves of its own, in training mode. A clone would share the running
    // statistics that a training forward pass updates (and a mapper rewrites in place):
    // `valid` cuts the copy loose first, `train` turns its training behaviour back on, and
    // every weight gets a gradient whatever `model`'s asked for.
    let model = model.valid().set_require_grad(true).train();
    let loss = CrossEntropyLossConfig::new().init(device).forward(
        model.forward(images_tensor(pixels.to_vec(), device)),
        labels_tensor(labels, device),
    );
    let grads = loss.backward();
    let layers: Vec<[Tensor<1>; 2]> = model
        .blocks
        .iter()
        .map(|block| flat(&block.conv.weight, &grads))
        .chain(model.hidden.iter().map(|h| flat(&h.linear.weight, &grads)))
        .chain([flat(&model.output.weight, &grads)])
        .collect();
    let sizes: Vec<usize> = layers
        .iter()
        .map(|[weights, _]| weights.dims()[0])
        .collect();
    // One read for every layer.
    let all = Tensor::cat(layers.into_iter().flatten().collect(), 0);
    let values = read_floats(all).await.map_err(EvalError::Read)?;
    if !values.iter().all(|v| v.is_finite()) {
        return Err(EvalError::NotFinite);
    }
    let names = names::layers(model.config())
        .into_iter()
        .filter(|(path, _)| !path.ends_with(".norm"))
        .map(|(_, name)| name);
    let mut rest = &values[..];
    Ok(names
        .zip(sizes)
        .map(|(name, size)| {
            let (weights, after) = rest.split_at(size);
            let (grads, after) = after.split_at(size);
            rest = after;
            LayerStats::of(name, weights, grads)
        })
        .collect())
}

/// A weight tensor and its gradient, each flattened.
fn flat<const D: usize>(weight: &Param<Tensor<D>>, grads: &Gradients) -> [Tensor<1>; 2] {
    let weight = weight.val();
    let grad = weight
        .grad(grads)
        .expect("every weight takes part in the loss");
    [weight.inner().reshape([-1]), grad.reshape([-1])]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelConfig, Preset};

    /// `n` digit-like images (a bar at a row that depends on the label) and their labels.
    fn batch(n: usize) -> (Vec<f32>, Vec<u8>) {
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        let mut pixels = vec![0.0; n * PIXELS];
        for (image, &label) in pixels.chunks_exact_mut(PIXELS).zip(&labels) {
            let row = 4 + 2 * usize::from(label);
            image[row * 28 + 6..row * 28 + 22].fill(1.0);
        }
        (pixels, labels)
    }

    fn stats(model: &Model, n: usize) -> Vec<LayerStats> {
        let (pixels, labels) = batch(n);
        let device = Device::flex().autodiff();
        pollster::block_on(layer_stats(model, &pixels, &labels, &device)).unwrap()
    }

    fn check(stats: &[LayerStats], names: &[&str], sizes: &[u32]) {
        let found: Vec<&str> = stats.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(found, names);
        for (layer, &size) in stats.iter().zip(sizes) {
            for histogram in [&layer.weights, &layer.grads] {
                assert_eq!(histogram.counts.len(), BINS);
                assert_eq!(histogram.counts.iter().sum::<u32>(), size, "{}", layer.name);
                assert!(histogram.low <= histogram.high);
            }
            assert!(layer.grad_rms > 0.0, "{} has gradients", layer.name);
            assert!(layer.weight_rms > 0.0);
            assert!(layer.grads.low < layer.grads.high);
        }
    }

    #[test]
    fn the_tutorial_networks_layers_have_their_weights_and_gradients_counted() {
        let model = Preset::Tutorial.config().seeded(11, &Device::flex());
        let stats = stats(&model, 20);
        check(&stats, &["conv1", "conv2", "fc1"], &[72, 1152, 7840]);
    }

    #[test]
    fn batch_norm_and_hidden_layers_work_and_the_model_is_left_as_it_was() {
        let config: ModelConfig = "c4bp c8bp f16d0.25".parse().unwrap();
        let model = config.seeded(2, &Device::flex());
        let running = |model: &Model| {
            let norm = model.blocks[0].norm.as_ref().unwrap();
            pollster::block_on(read_floats(norm.running_mean.value_sync())).unwrap()
        };
        let before = running(&model);
        let stats = stats(&model, 12);
        check(
            &stats,
            &["conv1", "conv2", "fc1", "fc2"],
            &[36, 288, 8 * 49 * 16, 160],
        );
        assert_eq!(running(&model), before);
    }

    #[test]
    fn a_constant_goes_in_the_middle_bin_and_the_greatest_value_in_the_last() {
        let constant = Histogram::of(&[0.5; 7]);
        assert_eq!((constant.low, constant.high), (0.5, 0.5));
        assert_eq!(constant.counts[BINS / 2], 7);
        let spread = Histogram::of(&[-1.0, 0.0, 1.0]);
        assert_eq!((spread.low, spread.high), (-1.0, 1.0));
        assert_eq!(
            (
                spread.counts[0],
                spread.counts[BINS / 2],
                spread.counts[BINS - 1]
            ),
            (1, 1, 1)
        );
        assert_eq!(rms(&[3.0, -4.0]), (12.5f32).sqrt());
    }
}
