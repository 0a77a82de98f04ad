//! Saving and loading weights: burn's record format (burnpack) as bytes or files, and import of
//! the tutorial's PyTorch `state_dict` through burn-store's own `.pth` reader.
//!
//! Loading never changes the model it is given: it returns a new one, so a bad file leaves the
//! current weights in place.

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;

use crate::model::{Model, ModelConfig};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("not a burn weights file: {0}")]
    NotARecord(String),
    #[error("the weights do not fit this model: {0}")]
    Mismatch(String),
    #[error("cannot import the PyTorch file: {0}")]
    PyTorch(String),
    #[error("the weights fit none of the known models ({0})")]
    UnknownModel(String),
    #[error("cannot encode the weights: {0}")]
    Encode(String),
}

/// What kind of weights file some bytes are, by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// burn's record (burnpack).
    Burn,
    /// A PyTorch `torch.save` zip archive.
    PyTorch,
}

impl Format {
    pub fn detect(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::PyTorch
        } else {
            Format::Burn
        }
    }
}

/// The model's weights as a burn record in memory (the same bytes as a saved file).
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, WeightsError> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| WeightsError::Encode(e.to_string()))?;
    Ok(bytes.to_vec())
}

/// A copy of `model` with the weights of a burn record.
pub fn from_bytes(model: &Model, bytes: &[u8]) -> Result<Model, WeightsError> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| WeightsError::NotARecord(e.to_string()))?;
    model
        .clone()
        .try_load_record(record)
        .map_err(|e| WeightsError::Mismatch(e.to_string()))
}

/// Tries each preset in turn and returns the first that the bytes fit, with the loaded model.
/// Files carry weights but no architecture, and the presets differ in their tensor shapes.
pub fn load_any(
    bytes: &[u8],
    device: &burn::prelude::Device,
) -> Result<(ModelConfig, Model), WeightsError> {
    let mut reasons = vec![];
    for (name, config) in ModelConfig::PRESETS {
        let fresh = config.init(device);
        let loaded = match Format::detect(bytes) {
            Format::Burn => from_bytes(&fresh, bytes),
            Format::PyTorch => import_pytorch_bytes(&fresh, bytes),
        };
        match loaded {
            Ok(model) => return Ok((config, model)),
            // A file that is not weights at all fails the same way for every preset.
            Err(e @ (WeightsError::NotARecord(_) | WeightsError::Io { .. })) => return Err(e),
            Err(e) => reasons.push(format!("{name}: {e}")),
        }
    }
    Err(WeightsError::UnknownModel(reasons.join("; ")))
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::Path;

    use burn::store::{ModuleSnapshot, PytorchStore};

    use super::*;

    fn io(path: &Path, e: impl ToString) -> WeightsError {
        WeightsError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    pub fn save_file(model: &Model, path: &Path) -> Result<(), WeightsError> {
        std::fs::write(path, to_bytes(model)?).map_err(|e| io(path, e))
    }

    /// Reads a burn record or a PyTorch `.pth` file, whichever it is, into a fitting preset.
    pub fn load_file(
        path: &Path,
        device: &burn::prelude::Device,
    ) -> Result<(ModelConfig, Model), WeightsError> {
        load_any(&std::fs::read(path).map_err(|e| io(path, e))?, device)
    }

    /// A copy of `model` with the tensors of a PyTorch `state_dict` file (`conv1`, `conv2`,
    /// `fc1`; burn-store's adapter transposes Linear's `[out, in]` weights).
    pub fn import_pytorch(model: &Model, path: &Path) -> Result<Model, WeightsError> {
        let mut copy = model.clone();
        let mut store = PytorchStore::from_file(path)
            .allow_partial(false)
            .validate(true);
        let result = copy
            .load_from(&mut store)
            .map_err(|e| WeightsError::PyTorch(e.to_string()))?;
        if !result.unused.is_empty() {
            return Err(WeightsError::Mismatch(format!(
                "tensors the model has no place for: {}",
                result.unused.join(", ")
            )));
        }
        Ok(copy)
    }

    /// burn-store's reader takes a path, so bytes go through a private temporary file.
    pub fn import_pytorch_bytes(model: &Model, bytes: &[u8]) -> Result<Model, WeightsError> {
        let path = std::env::temp_dir().join(format!(
            "mnist-lab-{}-{:p}.pth",
            std::process::id(),
            bytes.as_ptr()
        ));
        std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
        let result = import_pytorch(model, &path);
        let _ = std::fs::remove_file(&path);
        result
    }
}
