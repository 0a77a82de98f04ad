//! Reading one digit: the probabilities, the top class and what the network computed on the way,
//! as plain numbers and grey images. The page's draw panel and `mnist-lab predict` show what
//! this returns; neither touches a tensor.

use burn::prelude::*;

use crate::data::batch::{images_tensor, read_floats};
use crate::eval::{EvalError, argmax, softmax_rows};
use crate::model::{Model, ModelConfig};
use crate::preprocess::Digit;
use crate::weights::{self, WeightsError};

/// What the network made of one digit.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub probabilities: [f32; 10],
    /// The most probable digit and its probability.
    pub digit: u8,
    pub confidence: f32,
    /// The 28×28 input it saw, as 0..255 grey.
    pub input: Vec<u8>,
    /// Each block's feature maps after its ReLU (conv1's 28×28, …), as 0..255 grey, each
    /// scaled by its own maximum.
    pub maps: Vec<Vec<Vec<u8>>>,
}

/// A model of `config` on the CPU with the weights in `bytes` (a burn record, as the worker
/// sends and the app ships them); `file` names them in errors.
pub fn load(config: &ModelConfig, file: &str, bytes: &[u8]) -> Result<Model, WeightsError> {
    weights::from_bytes(&config.init(&Device::flex()), file, bytes)
}

/// Runs `model` on the CPU on one digit (read back asynchronously, as wasm requires).
pub async fn read(model: &Model, digit: &Digit) -> Result<Reading, EvalError> {
    let device = Device::flex();
    let out = model.forward_activations(images_tensor(digit.to_vec(), &device));
    let [probabilities] = softmax_rows(out.logits)
        .await?
        .try_into()
        .expect("one image in, one row out");
    let (digit_read, confidence) = argmax(&probabilities);
    Ok(Reading {
        probabilities,
        digit: digit_read,
        confidence,
        input: digit.iter().map(|v| (v * 255.0).round() as u8).collect(),
        maps: block_maps(out.maps).await?,
    })
}

/// Each block's maps as grey images, one block after the other.
async fn block_maps(blocks: Vec<Tensor<4>>) -> Result<Vec<Vec<Vec<u8>>>, EvalError> {
    let mut all = Vec::with_capacity(blocks.len());
    for block in blocks {
        all.push(maps(block).await?);
    }
    Ok(all)
}

/// conv1's filters (3×3 or 5×5) as grey images, scaled together so their strengths compare.
pub async fn filters(model: &Model) -> Result<Vec<Vec<u8>>, EvalError> {
    let weight = model.blocks[0].conv.weight.val();
    let [_, _, side, _] = weight.dims();
    let values = floats(weight).await?;
    let (min, max) = values
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = (max - min).max(1e-6);
    Ok(values
        .chunks_exact(side * side)
        .map(|f| f.iter().map(|v| ((v - min) / span * 255.0) as u8).collect())
        .collect())
}

async fn floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, EvalError> {
    read_floats(tensor).await.map_err(EvalError::Read)
}

/// `[1, c, h, w]` ReLU outputs to `c` grey images, each scaled by its maximum.
async fn maps(tensor: Tensor<4>) -> Result<Vec<Vec<u8>>, EvalError> {
    let [_, channels, height, width] = tensor.dims();
    let values = floats(tensor).await?;
    Ok(values
        .chunks_exact(height * width)
        .take(channels)
        .map(|map| {
            let max = map.iter().copied().fold(1e-6f32, f32::max);
            map.iter()
                .map(|v| (v.max(0.0) / max * 255.0).round() as u8)
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Preset;

    #[test]
    fn a_reading_has_one_map_per_channel_and_probabilities_that_sum_to_one() {
        let device = Device::flex();
        let model = Preset::Tutorial.config().init(&device);
        let mut digit = [0.0; 784];
        digit[14 * 28 + 10..14 * 28 + 18].fill(1.0);
        let reading = pollster::block_on(read(&model, &digit)).unwrap();
        assert!((reading.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(
            reading.probabilities[reading.digit as usize],
            reading.confidence
        );
        assert_eq!(reading.input.len(), 784);
        assert_eq!(reading.input[14 * 28 + 10], 255);
        let [conv1, conv2] = &reading.maps[..] else {
            panic!("two blocks, two sets of maps")
        };
        assert_eq!(conv1.len(), 8);
        assert!(conv1.iter().all(|m| m.len() == 28 * 28));
        assert_eq!(conv2.len(), 16);
        assert!(conv2.iter().all(|m| m.len() == 14 * 14));
        let filters = pollster::block_on(filters(&model)).unwrap();
        assert_eq!(filters.len(), 8);
        assert!(filters.iter().all(|f| f.len() == 9));
    }
}
