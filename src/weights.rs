//! Saving and loading weights: burn's record format (burnpack) as bytes or files, and import of
//! the tutorial's PyTorch `state_dict` from a `.pth` file's bytes, on every target.
//!
//! Files come from users and the network, so reading one is bounded and checked before anything
//! reaches a model: a size cap ([`MAX_FILE_BYTES`]), a pickle machine that cannot be made to
//! copy, nest or run without limit, at most [`MAX_RANK`] dimensions per tensor, overflow-checked
//! shapes and strides, a budget on the data all tensors come to ([`MAX_TENSOR_BYTES`]), only
//! floating point tensors with exactly the bytes their shape needs, and only finite values. Both
//! formats become the same checked tensors and are fitted to a model by one step. Every refusal
//! is a [`WeightsError`] naming the file and the problem, and loading never changes the model it
//! is given: it returns a new one, so a bad file leaves the current weights in place.

use burn::prelude::Device;
use burn::store::ModuleSnapshot;
use burn::store::burn_pack::{Tensor as PackTensor, Writer};

use crate::data::batch::read_floats;
use crate::model::{Model, ModelConfig, Preset, flat, names};

mod burnpack;
mod infer;
pub mod link;
#[cfg(feature = "pth")]
mod pickle;
#[cfg(feature = "pth")]
mod pytorch;
mod tensors;
#[cfg(feature = "pth")]
mod torch_save;

#[cfg(feature = "pth")]
pub use pickle::{PickleError, PickleProblem};
#[cfg(feature = "pth")]
pub use pytorch::PthError;
pub use tensors::{MAX_RANK, MAX_TENSOR_BYTES, TensorProblem};
#[cfg(feature = "pth")]
pub use torch_save::to_pth;

use tensors::{Layout, NamedTensor};

/// Weights files larger than this are refused before they are parsed. This app's largest model
/// is under 2 MB as a file.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// A weights file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct WeightsError {
    pub file: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("cannot write the file: {0}")]
    Write(String),
    #[error(
        "the file is {0} bytes; weights files over {MAX_FILE_BYTES} bytes (64 MB) are refused, and this app's models are under 2 MB"
    )]
    TooLarge(usize),
    #[error("not a weights file: neither a burn record nor a PyTorch .pth ({0})")]
    NotARecord(String),
    #[error(
        "this PyTorch file uses the format from before PyTorch 1.6; load it and save it again with a current torch.save"
    )]
    LegacyPyTorch,
    #[cfg(feature = "pth")]
    #[error("cannot import the PyTorch file: {0}")]
    PyTorch(PthError),
    /// A build without the `.pth` reader and writer (the page: the worker reads uploads and
    /// writes downloads) was given or asked for one.
    #[cfg(not(feature = "pth"))]
    #[error("this build neither reads nor writes PyTorch files")]
    PyTorchNotBuilt,
    #[error("tensor '{name}' {problem}")]
    Tensor {
        name: String,
        problem: TensorProblem,
    },
    #[error(
        "its tensors come to more than {MAX_TENSOR_BYTES} bytes (256 MB); this app's models need under 2 MB"
    )]
    TooMuchData,
    #[error("the weights do not fit this model: {0}")]
    Mismatch(String),
    #[error("the weights fit none of the known models ({0})")]
    UnknownModel(String),
    #[error("cannot encode the weights: {0}")]
    Encode(#[from] EncodeError),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(String);

/// The first bytes of a pre-1.6 (non-zip) `torch.save` file: a pickled magic number.
pub const LEGACY_MAGIC: [u8; 14] = [
    0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

/// What kind of weights file some bytes are, by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// burn's record (burnpack).
    Burn,
    /// A PyTorch `torch.save` zip archive.
    PyTorch,
    /// PyTorch's format before 1.6 (or `_use_new_zipfile_serialization=False`).
    LegacyPyTorch,
}

impl Format {
    pub fn detect(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::PyTorch
        } else if bytes.starts_with(&LEGACY_MAGIC) {
            Format::LegacyPyTorch
        } else {
            Format::Burn
        }
    }
}

/// The key of a burn record's metadata that holds the architecture (its text form).
const ARCH_KEY: &str = "mnist-lab.arch";

/// The model's weights as a burn record in memory (the same bytes as a saved file), under
/// PyTorch's layer names ([`names`]) and with the architecture in the record's metadata.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, EncodeError> {
    let fail = |e: &dyn std::fmt::Display| EncodeError(e.to_string());
    let config = model.config();
    let tensors = model
        .collect(None, None, false)
        .into_iter()
        .map(|tensor| {
            let (name, dtype, shape, id, bytes) = tensor.into_parts().map_err(|e| fail(&e))?;
            let name = names::to_file(config, &name);
            Ok(PackTensor::new(name, dtype, shape.to_vec(), id, bytes))
        })
        .collect::<Result<Vec<_>, EncodeError>>()?;
    let bytes = Writer::new(tensors)
        .with_metadata(ARCH_KEY, &config.to_string())
        .into_bytes()
        .map_err(|e| fail(&e))?;
    Ok(bytes.to_vec())
}

/// The same bytes as [`to_bytes`] for a model on any device, reading its tensors back with
/// burn's async reads: a GPU tensor cannot be read synchronously in a browser.
pub async fn to_bytes_async(model: &Model) -> Result<Vec<u8>, EncodeError> {
    let values = read_floats(flat::params(model))
        .await
        .map_err(EncodeError)?;
    let device = Device::flex();
    to_bytes(&flat::with_params(
        model.config().init(&device),
        &values,
        &device,
    ))
}

/// A weights file read and checked (every tensor floating point, finite, within the limits),
/// to be fitted to one model or matched to an architecture. Records this app writes carry
/// their architecture; other files are matched by their tensors' names and shapes.
pub struct Weights {
    file: String,
    tensors: Vec<NamedTensor>,
    layout: Layout,
    /// The architecture a record names (its text form), if it names one.
    arch: Option<String>,
}

impl Weights {
    /// Reads a burn record or a PyTorch `.pth`, whichever `bytes` are; `file` names it in errors.
    pub fn read(file: &str, bytes: &[u8]) -> Result<Self, WeightsError> {
        let fail = |problem| WeightsError {
            file: file.to_string(),
            problem,
        };
        if bytes.len() > MAX_FILE_BYTES {
            return Err(fail(Problem::TooLarge(bytes.len())));
        }
        let (read, layout) = match Format::detect(bytes) {
            Format::Burn => (burnpack::read(bytes, ARCH_KEY), Layout::Burn),
            #[cfg(feature = "pth")]
            Format::PyTorch => (
                pytorch::read_state_dict(bytes).map(|t| (t, None)),
                Layout::PyTorch,
            ),
            #[cfg(not(feature = "pth"))]
            Format::PyTorch => return Err(fail(Problem::PyTorchNotBuilt)),
            Format::LegacyPyTorch => return Err(fail(Problem::LegacyPyTorch)),
        };
        let (tensors, arch) = read.map_err(fail)?;
        Ok(Self {
            file: file.to_string(),
            tensors,
            layout,
            arch,
        })
    }

    /// A copy of `model` with these weights (`model` itself is never changed).
    pub fn fit(&self, model: &Model) -> Result<Model, WeightsError> {
        tensors::fit(model, &self.tensors, self.layout).map_err(|problem| WeightsError {
            file: self.file.clone(),
            problem,
        })
    }

    /// A model of the architecture these weights are for: the one a record names, else the
    /// first preset they fit, else the one their tensors' names and shapes describe.
    pub fn fit_any(&self, device: &Device) -> Result<Model, WeightsError> {
        let fail = |problem| WeightsError {
            file: self.file.clone(),
            problem,
        };
        if let Some(text) = &self.arch {
            let config: ModelConfig = text.parse().map_err(|e| {
                fail(Problem::UnknownModel(format!(
                    "its architecture '{text}': {e}"
                )))
            })?;
            return self.fit(&config.init(device));
        }
        let mut reasons = vec![];
        for preset in Preset::ALL {
            match self.fit(&preset.config().init(device)) {
                Ok(model) => return Ok(model),
                Err(e) => reasons.push(format!("{preset}: {}", e.problem)),
            }
        }
        let config = infer::architecture(&self.tensors, self.layout).map_err(|why| {
            reasons.push(why);
            fail(Problem::UnknownModel(reasons.join("; ")))
        })?;
        self.fit(&config.init(device))
    }
}

/// Reads a weights file's bytes into a model of the architecture they are for.
pub fn load_any(file: &str, bytes: &[u8], device: &Device) -> Result<Model, WeightsError> {
    Weights::read(file, bytes)?.fit_any(device)
}

/// The model a run starts from: the weights of `record` (a burn record) in a model of
/// `config`, or without one fresh weights from `seed`; on `device`, without autodiff.
pub fn start(
    config: &ModelConfig,
    record: Option<&[u8]>,
    seed: u64,
    device: &Device,
) -> Result<Model, WeightsError> {
    match record {
        Some(bytes) => {
            let model = config.init(&device.clone().inner());
            from_bytes(&model, "the starting weights", bytes)
        }
        None => Ok(config.seeded(seed, device)),
    }
}

/// A copy of `model` with the weights in `bytes` (a burn record or a PyTorch `.pth`).
pub fn from_bytes(model: &Model, file: &str, bytes: &[u8]) -> Result<Model, WeightsError> {
    Weights::read(file, bytes)?.fit(model)
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::Path;

    use super::*;
    use crate::files::{self, ReadError};

    fn fail(path: &Path, problem: Problem) -> WeightsError {
        WeightsError {
            file: path.display().to_string(),
            problem,
        }
    }

    fn cannot_write(path: &Path, e: std::io::Error) -> WeightsError {
        fail(path, Problem::Write(e.to_string()))
    }

    /// Writes `model`'s weights to `path`: a PyTorch `state_dict` where the name ends in
    /// `.pth` or `.pt` (in builds that read them), a burn record otherwise. The old file stays
    /// whole until the new one is complete ([`files::write_atomic`]).
    pub fn save_file(model: &Model, path: &Path) -> Result<(), WeightsError> {
        let bytes = match is_pytorch(path) {
            #[cfg(feature = "pth")]
            true => to_pth(model),
            #[cfg(not(feature = "pth"))]
            true => return Err(fail(path, Problem::PyTorchNotBuilt)),
            false => to_bytes(model),
        }
        .map_err(|e| fail(path, e.into()))?;
        files::write_atomic(path, &bytes).map_err(|e| cannot_write(path, e))
    }

    /// Refuses, before any training, a `path` that [`save_file`] could not write.
    pub fn check_writable(path: &Path) -> Result<(), WeightsError> {
        #[cfg(not(feature = "pth"))]
        if is_pytorch(path) {
            return Err(fail(path, Problem::PyTorchNotBuilt));
        }
        files::check_writable(path).map_err(|e| cannot_write(path, e))
    }

    fn is_pytorch(path: &Path) -> bool {
        path.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pth") || e.eq_ignore_ascii_case("pt"))
    }

    /// A weights file's bytes, refused before reading when it is too large to be weights.
    fn read(path: &Path) -> Result<Vec<u8>, WeightsError> {
        files::read_capped(path, MAX_FILE_BYTES as u64).map_err(|e| match e {
            ReadError::TooLarge { size, .. } => fail(path, Problem::TooLarge(size as usize)),
            other => fail(path, Problem::Io(other.to_string())),
        })
    }

    /// Reads a burn record or a PyTorch `.pth` file, whichever it is, into a model of the
    /// architecture it is for.
    pub fn load_file(path: &Path, device: &Device) -> Result<Model, WeightsError> {
        load_any(&path.display().to_string(), &read(path)?, device)
    }

    /// A copy of `model` with the weights of a burn record or a PyTorch `.pth` file.
    pub fn load_file_into(model: &Model, path: &Path) -> Result<Model, WeightsError> {
        from_bytes(model, &path.display().to_string(), &read(path)?)
    }
}
