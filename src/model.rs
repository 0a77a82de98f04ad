//! The PyTorch tutorial's CNN, with a config for the variants hyper-parameter search explores.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::prelude::*;

pub mod flat;

/// Shape of the network. The default is the tutorial's: 8 and 16 channels, no hidden layer.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelConfig {
    pub conv1_channels: usize,
    pub conv2_channels: usize,
    /// Width of an extra fully connected layer before the output (0: none, as in the tutorial).
    pub hidden: usize,
    /// Dropout before the output layer(s), training only (0: none).
    pub dropout: f64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self::TUTORIAL
    }
}

impl ModelConfig {
    /// The tutorial's `MulticlassCNN` (9,098 parameters).
    pub const TUTORIAL: Self = Self {
        conv1_channels: 8,
        conv2_channels: 16,
        hidden: 0,
        dropout: 0.0,
    };
    /// A larger variant: 4× the channels, a 128-wide hidden layer and dropout.
    pub const WIDE: Self = Self {
        conv1_channels: 32,
        conv2_channels: 64,
        hidden: 128,
        dropout: 0.25,
    };

    /// Inputs of the first fully connected layer: the flattened 7×7 maps of conv2.
    pub fn flat_features(&self) -> usize {
        self.conv2_channels * 7 * 7
    }

    /// Inputs of the output layer: the hidden layer's width, or the flattened maps without one.
    pub fn fc_in(&self) -> usize {
        match self.hidden {
            0 => self.flat_features(),
            h => h,
        }
    }

    /// Trainable parameters: the numbers a weights file holds (no tensor needed to count them).
    pub fn num_params(&self) -> usize {
        let conv = |c_in: usize, c_out: usize| c_out * c_in * 9 + c_out;
        let linear = |inputs: usize, outputs: usize| inputs * outputs + outputs;
        let hidden = match self.hidden {
            0 => 0,
            h => linear(self.flat_features(), h),
        };
        conv(1, self.conv1_channels)
            + conv(self.conv1_channels, self.conv2_channels)
            + hidden
            + linear(self.fc_in(), 10)
    }

    /// Fresh weights drawn from `seed`, on `device` without autodiff (a trainer gives its copy
    /// leaves of its own): the same for the same seed on every front end.
    pub fn seeded(&self, seed: u64, device: &Device) -> Model {
        let device = device.clone().inner();
        device.seed(seed);
        self.init(&device)
    }

    pub fn init(&self, device: &Device) -> Model {
        let conv = |c_in, c_out| {
            Conv2dConfig::new([c_in, c_out], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        let hidden = (self.hidden > 0)
            .then(|| LinearConfig::new(self.flat_features(), self.hidden).init(device));
        Model {
            conv1: conv(1, self.conv1_channels),
            conv2: conv(self.conv1_channels, self.conv2_channels),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            activation: Relu::new(),
            hidden,
            dropout: DropoutConfig::new(self.dropout).init(),
            // Named `fc1` like the tutorial's output layer so PyTorch weights map by name.
            fc1: LinearConfig::new(self.fc_in(), 10).init(device),
        }
    }
}

/// The models the app offers by name (the CLI's `--preset`, the page's Model menu, the messages
/// between them); a weights file is matched to one of them by its tensor shapes.
#[cfg_attr(
    feature = "web",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// The tutorial's CNN (8 and 16 channels, 9,098 parameters).
    Tutorial,
    /// 32 and 64 channels, a 128-wide hidden layer, dropout 0.25.
    Wide,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Tutorial, Preset::Wide];

    pub fn config(self) -> ModelConfig {
        match self {
            Preset::Tutorial => ModelConfig::TUTORIAL,
            Preset::Wide => ModelConfig::WIDE,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Tutorial => "tutorial",
            Preset::Wide => "wide",
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model '{0}': the models are tutorial and wide")]
pub struct UnknownPreset(pub String);

impl std::str::FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        crate::named::by_name(&Preset::ALL, Preset::name, name)
            .ok_or_else(|| UnknownPreset(name.to_string()))
    }
}

#[derive(Module, Debug)]
pub struct Model {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pool: MaxPool2d,
    activation: Relu,
    pub hidden: Option<Linear>,
    dropout: Dropout,
    pub fc1: Linear,
}

/// What each convolution block computes, for showing inside the network.
pub struct Activations {
    /// `[n, c1, 28, 28]` after conv1 + ReLU.
    pub conv1: Tensor<4>,
    /// `[n, c2, 14, 14]` after conv2 + ReLU.
    pub conv2: Tensor<4>,
    /// `[n, 10]`.
    pub logits: Tensor<2>,
}

impl Model {
    /// The dropout probability in training (0: none).
    pub fn dropout_prob(&self) -> f64 {
        self.dropout.prob
    }

    /// `[n, 1, 28, 28]` images (pixels/255) to `[n, 10]` logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_activations(images).logits
    }

    pub fn forward_activations(&self, images: Tensor<4>) -> Activations {
        let conv1 = self.activation.forward(self.conv1.forward(images));
        let conv2 = self
            .activation
            .forward(self.conv2.forward(self.pool.forward(conv1.clone())));
        // Flatten NCHW like PyTorch's `reshape(N, -1)`, so imported weights line up.
        let x = self.pool.forward(conv2.clone()).flatten::<2>(1, 3);
        let x = match &self.hidden {
            Some(hidden) => self
                .activation
                .forward(hidden.forward(self.dropout.forward(x))),
            None => x,
        };
        let logits = self.fc1.forward(self.dropout.forward(x));
        Activations {
            conv1,
            conv2,
            logits,
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
