//! A network's architecture: what the editor builds, `--arch` reads, files carry and the
//! PyTorch code is written from. 1–4 convolution blocks (a convolution with "same" padding, an
//! optional batch norm, ReLU, an optional 2×2 max-pool), 0–2 hidden fully connected layers (ReLU,
//! optional dropout), then the 10 outputs.
//!
//! Its text form is one token per layer, e.g. the tutorial's `c8p c16p`: `c<channels>` with
//! `k5` for a 5×5 kernel (3×3 otherwise), `b` for batch norm and `p` for the pool, then
//! `f<width>` with `d<probability>` for dropout.

use std::fmt;
use std::str::FromStr;

use crate::data::SIDE;

/// The limits of the editor and of `--arch`.
pub const MAX_BLOCKS: usize = 4;
pub const MAX_CHANNELS: usize = 128;
pub const MAX_HIDDEN: usize = 2;
pub const MIN_WIDTH: usize = 8;
pub const MAX_WIDTH: usize = 1024;
/// What training a batch may take (weights, gradients, Adam's two moments, and the batch's
/// activations and their gradients): a wasm module addresses 4 GB, and a browser tab gets less.
pub const MAX_TRAINING_BYTES: u64 = 1 << 30;
/// The batch the editor's figures and the check against [`MAX_TRAINING_BYTES`] assume when no
/// other is given: the tutorial's.
pub const REFERENCE_BATCH: usize = 60;

const CLASSES: usize = 10;
const F32: u64 = 4;

/// One convolution block. A convolution followed by batch norm has no bias (the norm's shift
/// does its work, and a bias that the norm subtracts again only gathers noise in Adam).
#[cfg_attr(
    any(feature = "web", feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvBlock {
    pub channels: usize,
    /// 3 or 5; padded to keep the side ("same").
    pub kernel: usize,
    pub batch_norm: bool,
    pub pool: bool,
}

/// One hidden fully connected layer.
#[cfg_attr(
    any(feature = "web", feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hidden {
    pub width: usize,
    /// Dropout after its ReLU, in training only (0: none).
    #[cfg_attr(any(feature = "web", feature = "cli"), serde(default))]
    pub dropout: f64,
}

/// The shape of a network.
#[cfg_attr(
    any(feature = "web", feature = "cli"),
    derive(serde::Serialize, serde::Deserialize)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub blocks: Vec<ConvBlock>,
    #[cfg_attr(any(feature = "web", feature = "cli"), serde(default))]
    pub hidden: Vec<Hidden>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Preset::Tutorial.config()
    }
}

/// Why an architecture is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArchError {
    #[error(
        "'{0}' is not a layer: write c<channels> with k5, b, p (e.g. c16bp) or f<width> with d<dropout> (e.g. f128d0.25)"
    )]
    Token(String),
    #[error("a network has 1 to {MAX_BLOCKS} convolution blocks, not {0}")]
    Blocks(usize),
    #[error("convolution blocks come before the fully connected layers")]
    Order,
    #[error("a convolution has 1 to {MAX_CHANNELS} channels, not {0}")]
    Channels(usize),
    #[error("a kernel is 3×3 or 5×5, not {0}×{0}")]
    Kernel(usize),
    #[error("a network has at most {MAX_HIDDEN} hidden layers, not {0}")]
    Hidden(usize),
    #[error("a hidden layer is {MIN_WIDTH} to {MAX_WIDTH} wide, not {0}")]
    Width(usize),
    #[error("dropout is a probability from 0 up to (not including) 1, not {0}")]
    Dropout(f64),
    #[error(
        "training it takes about {} MB for a batch of {batch}, more than the {} MB allowed",
        bytes >> 20,
        MAX_TRAINING_BYTES >> 20
    )]
    TooBig { bytes: u64, batch: usize },
}

/// What a network costs, for the editor and `mnist-lab code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub params: usize,
    /// Multiply-adds of one image's forward pass.
    pub mult_adds: u64,
    /// Bytes training one batch takes (an estimate: see [`ModelConfig::training_bytes`]).
    pub batch_bytes: u64,
}

/// A block where it sits in the network: what comes into it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub block: ConvBlock,
    /// Channels of its input (1 for the first block: the image).
    pub c_in: usize,
    /// The side of its input maps (and of its convolution's output: "same" padding).
    pub side: usize,
}

impl Placed {
    /// The side of its output maps, after its pool.
    pub fn side_out(&self) -> usize {
        if self.block.pool {
            self.side / 2
        } else {
            self.side
        }
    }
}

impl ModelConfig {
    /// The blocks with their inputs' channels and sides, first to last: the one walk of the
    /// network's shapes that its figures, its model, the CPU kernels and the PyTorch code use.
    pub fn placed(&self) -> impl Iterator<Item = Placed> + '_ {
        let mut input = (1, SIDE);
        self.blocks.iter().map(move |&block| {
            let placed = Placed {
                block,
                c_in: input.0,
                side: input.1,
            };
            input = (block.channels, placed.side_out());
            placed
        })
    }

    /// The last block's output maps: channels and side.
    pub fn maps_out(&self) -> (usize, usize) {
        self.placed()
            .last()
            .map_or((1, SIDE), |p| (p.block.channels, p.side_out()))
    }

    /// Inputs of the first fully connected layer: the last block's maps, flattened.
    pub fn flat_features(&self) -> usize {
        let (channels, side) = self.maps_out();
        channels * side * side
    }

    /// Each fully connected layer's inputs and outputs, the output layer last.
    pub fn linears(&self) -> Vec<(usize, usize)> {
        let mut inputs = self.flat_features();
        let mut layers = vec![];
        for h in &self.hidden {
            layers.push((inputs, h.width));
            inputs = h.width;
        }
        layers.push((inputs, CLASSES));
        layers
    }

    /// Trainable parameters: the numbers a weights file holds, batch norms' running statistics
    /// aside (no tensor needed to count them).
    pub fn num_params(&self) -> usize {
        let convs: usize = self
            .placed()
            .map(|Placed { block: b, c_in, .. }| {
                // A batch norm's shift replaces the convolution's bias.
                let bias = if b.batch_norm { 2 } else { 1 };
                b.channels * c_in * b.kernel * b.kernel + bias * b.channels
            })
            .sum();
        let linears: usize = self.linears().iter().map(|(i, o)| i * o + o).sum();
        convs + linears
    }

    /// Multiply-adds of one image's forward pass (convolutions and fully connected layers).
    pub fn mult_adds(&self) -> u64 {
        let convs: u64 = self
            .placed()
            .map(
                |Placed {
                     block: b,
                     c_in,
                     side,
                 }| {
                    (b.channels * c_in * b.kernel * b.kernel * side * side) as u64
                },
            )
            .sum();
        convs
            + self
                .linears()
                .iter()
                .map(|(i, o)| (i * o) as u64)
                .sum::<u64>()
    }

    /// Floats one image's forward pass keeps for its backward pass: each block's patch matrix,
    /// its convolution's output (and its batch norm's), its pooled maps, each hidden layer's
    /// output and the logits.
    fn floats_per_image(&self) -> u64 {
        let convs: usize = self
            .placed()
            .map(|p| {
                let (b, area) = (p.block, p.side * p.side);
                let patches = p.c_in * b.kernel * b.kernel * area;
                let maps = b.channels * area * if b.batch_norm { 2 } else { 1 };
                let pooled = if b.pool {
                    b.channels * p.side_out().pow(2)
                } else {
                    0
                };
                patches + maps + pooled
            })
            .sum();
        (convs + self.hidden.iter().map(|h| h.width).sum::<usize>() + CLASSES) as u64
    }

    /// An estimate of the bytes training a batch of `batch` takes: the parameters four times
    /// (weights, gradients, Adam's two moments) and, per image, what the forward pass keeps
    /// and as much again for its gradients.
    pub fn training_bytes(&self, batch: usize) -> u64 {
        4 * self.num_params() as u64 * F32 + 2 * batch as u64 * self.floats_per_image() * F32
    }

    pub fn figures(&self, batch: usize) -> Figures {
        Figures {
            params: self.num_params(),
            mult_adds: self.mult_adds(),
            batch_bytes: self.training_bytes(batch),
        }
    }

    /// Refuses a network outside the editor's limits, or one whose training at the reference
    /// batch would not fit in memory.
    pub fn check(&self) -> Result<(), ArchError> {
        if !(1..=MAX_BLOCKS).contains(&self.blocks.len()) {
            return Err(ArchError::Blocks(self.blocks.len()));
        }
        for b in &self.blocks {
            if !(1..=MAX_CHANNELS).contains(&b.channels) {
                return Err(ArchError::Channels(b.channels));
            }
            if b.kernel != 3 && b.kernel != 5 {
                return Err(ArchError::Kernel(b.kernel));
            }
        }
        if self.hidden.len() > MAX_HIDDEN {
            return Err(ArchError::Hidden(self.hidden.len()));
        }
        for h in &self.hidden {
            if !(MIN_WIDTH..=MAX_WIDTH).contains(&h.width) {
                return Err(ArchError::Width(h.width));
            }
            if !(0.0..1.0).contains(&h.dropout) {
                return Err(ArchError::Dropout(h.dropout));
            }
        }
        self.check_batch(REFERENCE_BATCH)
    }

    /// Refuses training at `batch` when it would take more than [`MAX_TRAINING_BYTES`].
    pub fn check_batch(&self, batch: usize) -> Result<(), ArchError> {
        let bytes = self.training_bytes(batch);
        if bytes > MAX_TRAINING_BYTES {
            return Err(ArchError::TooBig { bytes, batch });
        }
        Ok(())
    }

    /// How messages and file names call the network: its preset's name, or its text form.
    pub fn name(&self) -> String {
        Preset::of(self).map_or_else(|| self.to_string(), |p| p.name().to_string())
    }

    /// Whether any layer has dropout (burn draws its masks, so our kernels leave such a
    /// network to autodiff).
    pub fn has_dropout(&self) -> bool {
        self.hidden.iter().any(|h| h.dropout > 0.0)
    }

    /// Whether any block has batch norm (its statistics are the whole batch's, so a step is not
    /// split into shares).
    pub fn has_batch_norm(&self) -> bool {
        self.blocks.iter().any(|b| b.batch_norm)
    }
}

impl fmt::Display for ModelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tokens: Vec<String> = self
            .blocks
            .iter()
            .map(|b| {
                let kernel = if b.kernel == 3 {
                    String::new()
                } else {
                    format!("k{}", b.kernel)
                };
                let norm = if b.batch_norm { "b" } else { "" };
                let pool = if b.pool { "p" } else { "" };
                format!("c{}{kernel}{norm}{pool}", b.channels)
            })
            .collect();
        tokens.extend(self.hidden.iter().map(|h| {
            let dropout = if h.dropout > 0.0 {
                format!("d{}", h.dropout)
            } else {
                String::new()
            };
            format!("f{}{dropout}", h.width)
        }));
        f.write_str(&tokens.join(" "))
    }
}

impl FromStr for ModelConfig {
    type Err = ArchError;

    /// The text form ([`ModelConfig::parse_layers`]), checked ([`ModelConfig::check`]).
    fn from_str(text: &str) -> Result<Self, ArchError> {
        let config = Self::parse_layers(text)?;
        config.check()?;
        Ok(config)
    }
}

impl ModelConfig {
    /// The layers of the text form, not checked against the limits (the editor shows a network
    /// being typed, and says what is wrong with it). Layers are separated by spaces or commas,
    /// in any case; a preset's name stands for its network.
    pub fn parse_layers(text: &str) -> Result<Self, ArchError> {
        if let Ok(preset) = text.trim().parse::<Preset>() {
            return Ok(preset.config());
        }
        let mut config = ModelConfig {
            blocks: vec![],
            hidden: vec![],
        };
        for token in text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
        {
            let token = token.to_ascii_lowercase();
            let bad = || ArchError::Token(token.clone());
            match token.as_bytes().first() {
                Some(b'c') if !config.hidden.is_empty() => return Err(ArchError::Order),
                Some(b'c') => config.blocks.push(conv_token(&token[1..]).ok_or_else(bad)?),
                Some(b'f') => config
                    .hidden
                    .push(hidden_token(&token[1..]).ok_or_else(bad)?),
                _ => return Err(bad()),
            }
        }
        Ok(config)
    }
}

/// The digits at the start of `s`, as a number, and the rest.
fn number(s: &str) -> Option<(usize, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    Some((s[..end].parse().ok()?, &s[end..]))
}

/// `16k5bp` (after the `c`).
fn conv_token(s: &str) -> Option<ConvBlock> {
    let (channels, mut rest) = number(s)?;
    let mut block = ConvBlock {
        channels,
        kernel: 3,
        batch_norm: false,
        pool: false,
    };
    if let Some(after) = rest.strip_prefix('k') {
        (block.kernel, rest) = number(after)?;
    }
    if let Some(after) = rest.strip_prefix('b') {
        (block.batch_norm, rest) = (true, after);
    }
    if let Some(after) = rest.strip_prefix('p') {
        (block.pool, rest) = (true, after);
    }
    rest.is_empty().then_some(block)
}

/// `128d0.25` (after the `f`).
fn hidden_token(s: &str) -> Option<Hidden> {
    let (width, rest) = number(s)?;
    let dropout = match rest.strip_prefix('d') {
        Some(p) => p.parse().ok().filter(|p: &f64| p.is_finite())?,
        None if rest.is_empty() => 0.0,
        None => return None,
    };
    Some(Hidden { width, dropout })
}

/// The networks the app offers by name (the CLI's `--preset`, the page's Model menu, the
/// messages between them).
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
    /// 32 and 64 channels, a 128-wide hidden layer with dropout 0.25.
    Wide,
    /// LeNet-5's layers on 28×28 with "same" padding: 6 and 16 channels of 5×5, then 120 and 84.
    Lenet,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Tutorial, Preset::Wide, Preset::Lenet];

    pub fn config(self) -> ModelConfig {
        self.text().parse().expect("the presets are valid")
    }

    /// The preset in the text form.
    pub fn text(self) -> &'static str {
        match self {
            Preset::Tutorial => "c8p c16p",
            Preset::Wide => "c32p c64p f128d0.25",
            Preset::Lenet => "c6k5p c16k5p f120 f84",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Tutorial => "tutorial",
            Preset::Wide => "wide",
            Preset::Lenet => "lenet",
        }
    }

    /// The preset `config` is, if it is one.
    pub fn of(config: &ModelConfig) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.config() == *config)
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model '{0}': the models are tutorial, wide and lenet")]
pub struct UnknownPreset(pub String);

impl FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        crate::named::by_name(&Preset::ALL, Preset::name, name)
            .ok_or_else(|| UnknownPreset(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_round_trips_and_counts() {
        for preset in Preset::ALL {
            let config = preset.config();
            assert_eq!(config.to_string(), preset.text());
            assert_eq!(
                config.to_string().parse::<ModelConfig>(),
                Ok(config.clone())
            );
            assert_eq!(Preset::of(&config), Some(preset));
        }
        let tutorial = Preset::Tutorial.config();
        assert_eq!(tutorial.num_params(), 9_098);
        // conv1 8·9·784 + conv2 16·8·9·196 + fc 784·10.
        assert_eq!(tutorial.mult_adds(), 56_448 + 225_792 + 7_840);
        assert_eq!("lenet".parse(), Ok(Preset::Lenet.config()));
        let custom: ModelConfig = "C32K5BP, c64bp c128b f256d0.5".parse().unwrap();
        assert_eq!(custom.to_string(), "c32k5bp c64bp c128b f256d0.5");
        assert_eq!(custom.flat_features(), 128 * 7 * 7);
        let sides: Vec<usize> = custom.placed().map(|p| p.side_out()).collect();
        assert_eq!(sides, [14, 7, 7]);
        assert_eq!(
            custom.placed().map(|p| p.c_in).collect::<Vec<_>>(),
            [1, 32, 64]
        );
    }

    #[test]
    fn refusals_say_why() {
        let err = |text: &str| text.parse::<ModelConfig>().unwrap_err();
        assert_eq!(err(""), ArchError::Blocks(0));
        assert_eq!(err("c8 c8 c8 c8 c8"), ArchError::Blocks(5));
        assert_eq!(err("c0"), ArchError::Channels(0));
        assert_eq!(err("c8k7"), ArchError::Kernel(7));
        assert_eq!(err("c8 f10 f10 f10"), ArchError::Hidden(3));
        assert_eq!(err("c8 f4"), ArchError::Width(4));
        assert_eq!(err("c8 f16d1"), ArchError::Dropout(1.0));
        assert_eq!(err("c8 f16 c8"), ArchError::Order);
        assert_eq!(err("c8q"), ArchError::Token("c8q".into()));
        assert_eq!(err("c8 f16dnan"), ArchError::Token("f16dnan".into()));
        // 128·28·28 inputs to a 1024-wide layer: 103 M parameters.
        assert!(matches!(
            err("c128 c128 f1024"),
            ArchError::TooBig { batch: 60, .. }
        ));
        assert!(err("c128 c128 f1024").to_string().contains("MB"));
    }
}
