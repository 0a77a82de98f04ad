//! What the subcommands share: devices, data and weights locations.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use clap::ValueEnum;
use clap::builder::RangedU64ValueParser;
use mnist_lab::data::Augment;
use mnist_lab::data::idx::MAX_ITEMS;
use mnist_lab::data::mnist::{FILES, load_set};
use mnist_lab::data::{Mnist, Split};
use mnist_lab::eval::{Evaluation, evaluate};
use mnist_lab::files;
use mnist_lab::model::{Model, ModelConfig, Preset};
use mnist_lab::train::TrainConfig;

pub type Result<T> = anyhow::Result<T>;

/// The weights shipped for the web app, which `predict` uses by default.
pub const PRETRAINED: &str = "public/weights/tutorial.bpk";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// burn's `flex` CPU backend.
    Cpu,
    /// burn's `wgpu` GPU backend (build with `--features wgpu`).
    Wgpu,
}

impl DeviceArg {
    pub fn device(self) -> Result<Device> {
        match self {
            DeviceArg::Cpu => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            DeviceArg::Wgpu => Ok(Device::wgpu(DeviceKind::DefaultDevice)),
            #[cfg(not(feature = "wgpu"))]
            DeviceArg::Wgpu => Err(anyhow::anyhow!(
                "this build has no wgpu backend: rebuild with `--features wgpu`"
            )),
        }
    }

    /// The devices this build can run on.
    pub fn available() -> Vec<DeviceArg> {
        if cfg!(feature = "wgpu") {
            vec![DeviceArg::Cpu, DeviceArg::Wgpu]
        } else {
            vec![DeviceArg::Cpu]
        }
    }

    /// How many threads share a batch by default: every core for the CPU; one for a GPU,
    /// which runs a whole batch at once.
    pub fn default_threads(self) -> usize {
        match self {
            DeviceArg::Cpu => std::thread::available_parallelism().map_or(1, |n| n.get()),
            DeviceArg::Wgpu => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DeviceArg::Cpu => "cpu (flex)",
            DeviceArg::Wgpu => "wgpu",
        }
    }
}

/// A count flag's parser: values outside `range` are refused with clap's message, which names the
/// range, before anything runs (a typo of 4,000,000,000 copies must not start an allocation).
pub fn within(range: RangeInclusive<u64>) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(range)
}

/// The bounds of the flags several commands share.
pub const EPOCHS: RangeInclusive<u64> = 1..=1000;
pub const BATCH: RangeInclusive<u64> = 1..=60_000;
pub const THREADS: RangeInclusive<u64> = 1..=1024;
pub const IMAGES: RangeInclusive<u64> = 0..=MAX_ITEMS as u64;

/// A learning rate for Adam: a number in (0, 1].
pub fn learning_rate(text: &str) -> std::result::Result<f64, String> {
    match text.parse::<f64>() {
        Ok(lr) if lr > 0.0 && lr <= 1.0 => Ok(lr),
        _ => Err(format!("{text} is not a learning rate in (0, 1]")),
    }
}

/// A path relative to the project, found from the working directory or the source tree.
pub fn project_path(relative: &str) -> PathBuf {
    let here = PathBuf::from(relative);
    if here.exists() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
    }
}

/// MNIST from `dir` as given, or the shipped copy, which must be MNIST's own files.
pub fn load_mnist(dir: Option<&Path>) -> Result<Mnist> {
    match dir {
        Some(dir) => Mnist::load(dir),
        None => Mnist::load_verified(&project_path("public/mnist")),
    }
    .map_err(anyhow::Error::from)
}

/// The digits `eval --data DIR` evaluates on: MNIST's test set where `dir` holds the four
/// MNIST files (the default: public/mnist), else the one set of digits in it.
pub fn load_test_set(dir: Option<&Path>) -> Result<(String, Split)> {
    match dir {
        Some(dir) if !FILES.iter().all(|f| dir.join(f).exists()) => {
            let set = load_set(dir)?;
            Ok((format!("the digits in {}", dir.display()), set))
        }
        _ => Ok(("the MNIST test set".into(), load_mnist(dir)?.test)),
    }
}

pub fn evaluate_on(model: &Model, test: &Split, device: &Device) -> Result<Evaluation> {
    pollster::block_on(evaluate(model, test, device)).map_err(anyhow::Error::from)
}

/// Which network: a preset by name, or any architecture (`--arch`).
#[derive(clap::Args, Debug, Clone)]
pub struct ArchArgs {
    #[arg(long, value_enum, default_value_t = Preset::Tutorial)]
    preset: Preset,
    /// A network of your own, in the text form (e.g. "c16k5bp c32bp f128d0.25": c<channels>
    /// with k5 for 5×5 kernels, b batch norm, p a 2×2 max-pool; f<width> with d<dropout>) or a
    /// JSON file ({"blocks": [{"channels": 16, "kernel": 5, "batch_norm": true, "pool": true}],
    /// "hidden": [{"width": 128, "dropout": 0.25}]}).
    #[arg(long, conflicts_with = "preset")]
    arch: Option<String>,
}

impl ArchArgs {
    pub fn config(&self) -> Result<ModelConfig> {
        let Some(arch) = &self.arch else {
            return Ok(self.preset.config());
        };
        let path = Path::new(arch);
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            return Ok(arch.parse()?);
        }
        let bytes = files::read_capped(path, 1 << 20)?;
        let config: ModelConfig = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }
}

/// A network's name for messages: its preset's, or its text form.
pub fn describe(config: &ModelConfig) -> String {
    match Preset::of(config) {
        Some(preset) => format!("the {preset} network ({config})"),
        None => format!("the network {config}"),
    }
}

/// The run's settings, as `train` takes them and `code` writes them.
#[derive(clap::Args, Debug, Clone)]
pub struct SettingsArgs {
    #[arg(long, default_value_t = 10, value_parser = within(EPOCHS))]
    pub epochs: usize,
    #[arg(long, default_value_t = 60, value_parser = within(BATCH))]
    pub batch: usize,
    #[arg(long, default_value_t = 1e-3, value_parser = learning_rate)]
    pub lr: f64,
    /// Randomly rotate, scale and shift training images.
    #[arg(long)]
    pub augment: bool,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl SettingsArgs {
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch,
            learning_rate: self.lr,
            augment: self.augment.then(Augment::default),
            seed: self.seed,
            ..TrainConfig::default()
        }
    }
}
