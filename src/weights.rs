//! Saving and loading weights: burn's record format (burnpack) as bytes or files, and import of
//! the tutorial's PyTorch `state_dict` from a `.pth` file's bytes, on every target.
//!
//! Loading never changes the model it is given: it returns a new one, so a bad file leaves the
//! current weights in place.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::{Device, Tensor, TensorData};
use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{ModuleRecord, ModuleSnapshot, PyTorchToBurnAdapter};
use burn::tensor::{Bytes, DType};

use crate::model::{Model, ModelConfig};

mod pytorch;

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
    #[error("{0}")]
    Unsupported(String),
}

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
        } else if bytes.starts_with(&pytorch::LEGACY_MAGIC) {
            Format::LegacyPyTorch
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

/// The same bytes as [`to_bytes`] for a model on any device, reading its tensors back with
/// burn's async reads: a GPU tensor cannot be read synchronously in a browser.
pub async fn to_bytes_async(model: &Model, config: &ModelConfig) -> Result<Vec<u8>, WeightsError> {
    let mut collect = Collect(vec![]);
    model.visit(&mut collect);
    let mut values = std::collections::VecDeque::new();
    for tensor in collect.0 {
        let data = tensor
            .into_data_async()
            .await
            .map_err(|e| WeightsError::Encode(format!("{e:?}")))?;
        values.push_back(
            data.try_into_vec::<f32>()
                .map_err(|e| WeightsError::Encode(format!("{e:?}")))?,
        );
    }
    let cpu = config.init(&Device::flex()).map(&mut Fill(values));
    to_bytes(&cpu)
}

/// Every float parameter, flattened, in visiting order.
struct Collect(Vec<Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.val().reshape([-1]));
    }
}

/// Refills the float parameters, in the same visiting order, from collected values.
struct Fill(std::collections::VecDeque<Vec<f32>>);

impl ModuleMapper for Fill {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let values = self.0.pop_front().expect("same model structure");
        param.map(|t| Tensor::from_data(TensorData::new(values, t.dims()), &t.device()))
    }
}

/// A copy of `model` with the weights of a burn record.
pub fn from_bytes(model: &Model, bytes: &[u8]) -> Result<Model, WeightsError> {
    Parsed::record(bytes)?.fit(model)
}

/// A copy of `model` with the tensors of a PyTorch `state_dict` (`conv1`, `conv2`, `fc1`), read
/// from a `.pth` file's bytes. burn-store's adapter transposes Linear's `[out, in]` weights.
pub fn import_pytorch_bytes(model: &Model, bytes: &[u8]) -> Result<Model, WeightsError> {
    Parsed::pytorch(bytes)?.fit(model)
}

/// Tries each preset in turn and returns the first that the bytes fit, with the loaded model.
/// Files carry weights but no architecture, and the presets differ in their tensor shapes.
pub fn load_any(
    bytes: &[u8],
    device: &burn::prelude::Device,
) -> Result<(ModelConfig, Model), WeightsError> {
    // Parsed once: a file that is not weights fails here, the same for every preset.
    let parsed = match Format::detect(bytes) {
        Format::Burn => Parsed::record(bytes)?,
        Format::PyTorch => Parsed::pytorch(bytes)?,
        Format::LegacyPyTorch => {
            return Err(WeightsError::Unsupported(
                "this PyTorch file uses the format from before PyTorch 1.6; load it and save it \
                 again with a current torch.save"
                    .into(),
            ));
        }
    };
    let mut reasons = vec![];
    for (name, config) in ModelConfig::PRESETS {
        match parsed.fit(&config.init(device)) {
            Ok(model) => return Ok((config, model)),
            Err(e) => reasons.push(format!("{name}: {e}")),
        }
    }
    Err(WeightsError::UnknownModel(reasons.join("; ")))
}

/// A weights file read into memory, to be fitted to one model or tried on several.
enum Parsed {
    Record(ModuleRecord),
    PyTorch(Vec<pytorch::PtTensor>),
}

impl Parsed {
    fn record(bytes: &[u8]) -> Result<Parsed, WeightsError> {
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
            .map(Parsed::Record)
            .map_err(|e| WeightsError::NotARecord(e.to_string()))
    }

    fn pytorch(bytes: &[u8]) -> Result<Parsed, WeightsError> {
        pytorch::read_state_dict(bytes)
            .map(Parsed::PyTorch)
            .map_err(WeightsError::PyTorch)
    }

    /// A copy of `model` with these weights; a tensor that does not fit is a `Mismatch`.
    fn fit(&self, model: &Model) -> Result<Model, WeightsError> {
        match self {
            Parsed::Record(record) => model
                .clone()
                .try_load_record(record.clone())
                .map_err(|e| WeightsError::Mismatch(e.to_string())),
            Parsed::PyTorch(tensors) => fit_pytorch(model, tensors),
        }
    }
}

fn fit_pytorch(model: &Model, tensors: &[pytorch::PtTensor]) -> Result<Model, WeightsError> {
    let tensors = tensors
        .iter()
        .map(|t| {
            PackTensor::new(
                t.name.clone(),
                DType::F32,
                t.shape.clone(),
                None,
                Bytes::from_elems(t.values.clone()),
            )
        })
        .collect();
    let mut copy = model.clone();
    let result = copy.apply(tensors, None, Some(Box::new(PyTorchToBurnAdapter)), false);
    let mut problems: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
    if !result.missing.is_empty() {
        let names: Vec<&str> = result
            .missing
            .iter()
            .map(|(path, _)| path.as_str())
            .collect();
        problems.push(format!("no tensor for {}", names.join(", ")));
    }
    if !result.unused.is_empty() {
        problems.push(format!(
            "tensors the model has no place for: {}",
            result.unused.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(copy)
    } else {
        Err(WeightsError::Mismatch(problems.join("; ")))
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::Path;

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

    /// [`import_pytorch_bytes`] for a file.
    pub fn import_pytorch(model: &Model, path: &Path) -> Result<Model, WeightsError> {
        import_pytorch_bytes(model, &std::fs::read(path).map_err(|e| io(path, e))?)
    }
}
