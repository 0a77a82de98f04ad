//! The networks: the PyTorch tutorial's CNN and any other the architecture ([`ModelConfig`])
//! describes.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d, Relu,
};
use burn::prelude::*;

mod arch;
pub mod flat;
pub mod names;

pub use arch::*;

impl ModelConfig {
    /// Fresh weights drawn from `seed`, on `device` without autodiff (a trainer gives its copy
    /// leaves of its own): the same for the same seed on every front end.
    pub fn seeded(&self, seed: u64, device: &Device) -> Model {
        let device = device.clone().inner();
        device.seed(seed);
        self.init(&device)
    }

    /// Fresh weights, initialised as PyTorch's layers are (Kaiming-uniform).
    pub fn init(&self, device: &Device) -> Model {
        let blocks = self
            .placed()
            .map(|Placed { block: b, c_in, .. }| {
                let pad = b.kernel / 2;
                Block {
                    conv: Conv2dConfig::new([c_in, b.channels], [b.kernel, b.kernel])
                        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                        .with_bias(!b.batch_norm)
                        .init(device),
                    norm: b
                        .batch_norm
                        .then(|| BatchNormConfig::new(b.channels).init(device)),
                    pool: b.pool.then(|| MaxPool2dConfig::new([2, 2]).init()),
                }
            })
            .collect();
        let mut linears = self
            .linears()
            .into_iter()
            .map(|(inputs, outputs)| LinearConfig::new(inputs, outputs).init(device));
        let hidden = self
            .hidden
            .iter()
            .map(|h| HiddenLayer {
                linear: linears.next().expect("a layer per hidden width"),
                dropout: DropoutConfig::new(h.dropout).init(),
            })
            .collect();
        Model {
            blocks,
            hidden,
            output: linears.next().expect("the output layer"),
            activation: Relu::new(),
            config: self.clone(),
        }
    }
}

/// A network of any [`ModelConfig`]. Its parameters' names in files are PyTorch's
/// (`conv1`, `bn1`, `fc1`…: see [`names`]), whatever the fields here are called.
#[derive(Module, Debug)]
pub struct Model {
    pub blocks: Vec<Block>,
    pub hidden: Vec<HiddenLayer>,
    pub output: Linear,
    activation: Relu,
    #[module(skip)]
    config: ModelConfig,
}

/// A convolution, its batch norm and its pool.
#[derive(Module, Debug)]
pub struct Block {
    pub conv: Conv2d,
    pub norm: Option<BatchNorm>,
    pool: Option<MaxPool2d>,
}

#[derive(Module, Debug)]
pub struct HiddenLayer {
    pub linear: Linear,
    dropout: Dropout,
}

/// What each convolution block computes, for showing inside the network.
pub struct Activations {
    /// Each block's `[n, channels, side, side]` input: the images, then the block before's
    /// maps after its pool.
    pub inputs: Vec<Tensor<4>>,
    /// Each block's `[n, channels, side, side]` maps after its ReLU, before its pool.
    pub maps: Vec<Tensor<4>>,
    /// `[n, features]`: what the output layer reads (the last hidden layer's activations, or
    /// the last block's maps flattened).
    pub features: Tensor<2>,
    /// `[n, 10]`.
    pub logits: Tensor<2>,
}

impl Model {
    /// The architecture this model was built with.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// `[n, 1, 28, 28]` images (pixels/255) to `[n, 10]` logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_activations(images).logits
    }

    pub fn forward_activations(&self, images: Tensor<4>) -> Activations {
        let mut inputs = Vec::with_capacity(self.blocks.len());
        let mut maps = Vec::with_capacity(self.blocks.len());
        let mut x = images;
        for block in &self.blocks {
            inputs.push(x.clone());
            let mut y = block.conv.forward(x);
            if let Some(norm) = &block.norm {
                y = norm.forward(y);
            }
            let y = self.activation.forward(y);
            maps.push(y.clone());
            x = match &block.pool {
                Some(pool) => pool.forward(y),
                None => y,
            };
        }
        // Flatten NCHW like PyTorch's `reshape(N, -1)`, so imported weights line up.
        let mut x = x.flatten::<2>(1, 3);
        for layer in &self.hidden {
            x = layer
                .dropout
                .forward(self.activation.forward(layer.linear.forward(x)));
        }
        Activations {
            inputs,
            maps,
            logits: self.output.forward(x.clone()),
            features: x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_count_their_parameters_and_round_trip_their_names() {
        for preset in Preset::ALL {
            let config = preset.config();
            let model = config.init(&Device::flex());
            assert_eq!(config.num_params(), model.num_params(), "{preset}");
            assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
        }
        assert_eq!(Preset::Tutorial.config().num_params(), 9_098);
        assert!("huge".parse::<Preset>().is_err());
    }
}
