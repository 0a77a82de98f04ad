//! Seeded shuffled mini-batches, turned into tensors the model takes, and tensors read back.

use burn::prelude::*;

use super::augment::Augment;
use super::idx::{PIXELS, SIDE};
use super::mnist::Split;
use super::rng::Rng;

/// The order a run takes the training images in.
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// A new random order each epoch, from the run's seed (the tutorial's `shuffle=True`).
    #[default]
    Shuffled,
    /// The files' order every epoch: what a generated PyTorch script's `--sequential` does,
    /// so the two can be compared step by step.
    Sequential,
}

/// One epoch's visiting order: a seeded shuffle of all indices, or them in order.
pub fn epoch_order(len: usize, kind: Order, rng: &mut Rng) -> Vec<u32> {
    let mut order: Vec<u32> = (0..len as u32).collect();
    if kind == Order::Shuffled {
        rng.shuffle(&mut order);
    }
    order
}

/// Images as floats `pixels / 255` (the tutorial's `ToTensor`), optionally augmented.
pub fn pixels(split: &Split, indices: &[u32], augment: Option<(&Augment, &mut Rng)>) -> Vec<f32> {
    let mut out = vec![0.0f32; indices.len() * PIXELS];
    match augment {
        Some((aug, rng)) => {
            for (dst, &i) in out.chunks_exact_mut(PIXELS).zip(indices) {
                aug.apply(split.image(i as usize), dst, rng);
            }
        }
        None => {
            for (dst, &i) in out.chunks_exact_mut(PIXELS).zip(indices) {
                for (d, &p) in dst.iter_mut().zip(split.image(i as usize)) {
                    *d = p as f32 / 255.0;
                }
            }
        }
    }
    out
}

/// A `[n, 1, 28, 28]` image tensor from `n * 784` floats.
pub fn images_tensor(pixels: Vec<f32>, device: &Device) -> Tensor<4> {
    let n = pixels.len() / PIXELS;
    Tensor::from_data(TensorData::new(pixels, [n, 1, SIDE, SIDE]), device)
}

/// Labels (0–9) as an integer tensor.
pub fn labels_tensor(labels: &[u8], device: &Device) -> Tensor<1, Int> {
    let values: Vec<i64> = labels.iter().map(|&l| i64::from(l)).collect();
    Tensor::from_data(TensorData::new(values, [labels.len()]), device)
}

/// A float tensor's values, read back asynchronously (a GPU tensor cannot be read synchronously
/// in a browser); the error says why the read failed.
pub async fn read_floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, String> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| format!("{e:?}"))?;
    data.try_into_vec().map_err(|e| format!("{e:?}"))
}
