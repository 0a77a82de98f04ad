//! Reads the tensors of a PyTorch `torch.save` file from bytes: the zip container, the pickle
//! (see [`super::pickle`]) and the raw storages. burn-store's own reader only opens files by
//! path, and the browser, where users upload `.pth` files, has no file system.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::Problem;
use super::pickle::{self, Id, Pickle, PickleError, Value};
use super::tensors::{Budget, Float, NamedTensor, TensorProblem, element_count};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PthError {
    #[error("not a zip archive ({0})")]
    NotZip(String),
    #[error("the archive has no data.pkl, so it was not written by torch.save")]
    NoPickle,
    #[error("cannot read {entry} from the archive ({reason})")]
    Entry { entry: String, reason: String },
    #[error(transparent)]
    Pickle(#[from] PickleError),
    #[error(
        "it holds a pickled `{0}` object rather than a state_dict; save `model.state_dict()` instead"
    )]
    PickledObject(String),
    #[error("it holds {0} rather than a state_dict")]
    NotStateDict(&'static str),
    #[error("it holds a dict with no state_dict of tensors in it")]
    NoTensors,
}

impl From<PthError> for Problem {
    fn from(e: PthError) -> Self {
        Problem::PyTorch(e)
    }
}

/// The tensors of the state_dict in a zip-format `.pth` file: a bare `model.state_dict()` or a
/// checkpoint dict holding one (`{"model_state_dict": ..., "epoch": ...}`). A `module.` prefix
/// from `nn.DataParallel` is dropped.
pub fn read_state_dict(bytes: &[u8]) -> Result<Vec<NamedTensor>, Problem> {
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| PthError::NotZip(e.to_string()))?;
    let pickle_name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n == "data.pkl" || n.ends_with("/data.pkl"))
        .ok_or(PthError::NoPickle)?
        .into_owned();
    let prefix = &pickle_name[..pickle_name.len() - "data.pkl".len()];
    let mut budget = Budget::default();
    let pickle = pickle::load(&read_entry(
        &mut archive,
        &pickle_name,
        bytes.len(),
        &mut budget,
    )?)
    .map_err(PthError::from)?;
    let mut refs = state_dict(&pickle)?;
    if refs.iter().all(|(name, _)| name.starts_with("module.")) {
        for (name, _) in &mut refs {
            name.drain(.."module.".len());
        }
    }
    // A batch norm's count of training steps: an integer that burn does not keep (PyTorch uses
    // it only for a momentum of None, which its generated layers do not set).
    refs.retain(|(name, _)| !name.ends_with(".num_batches_tracked"));
    let mut storages: HashMap<&str, Vec<u8>> = HashMap::new();
    refs.into_iter()
        .map(|(name, id)| {
            let Value::Tensor {
                storage,
                offset,
                shape,
                stride,
            } = pickle.get(id)
            else {
                unreachable!("state_dict returns tensors");
            };
            let Value::Storage { key, class } = pickle.get(*storage) else {
                unreachable!("the pickle machine builds tensors on storages");
            };
            let problem = |problem| Problem::Tensor {
                name: name.clone(),
                problem,
            };
            let dtype = float(class).map_err(problem)?;
            if !storages.contains_key(key.as_str()) {
                let entry = format!("{prefix}data/{key}");
                storages.insert(
                    key.as_str(),
                    read_entry(&mut archive, &entry, bytes.len(), &mut budget)?,
                );
            }
            let view = View {
                dtype,
                offset: *offset,
                shape,
                stride,
            };
            let values =
                view.gather(&storages[key.as_str()], &mut budget)
                    .map_err(|e| match e {
                        Gathered::Problem(p) => problem(p),
                        Gathered::Budget(p) => p,
                    })?;
            NamedTensor::new(name, shape.clone(), values)
        })
        .collect()
}

/// The entry `name` of an archive of `file_size` bytes.
fn read_entry(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
    file_size: usize,
    budget: &mut Budget,
) -> Result<Vec<u8>, Problem> {
    let fail = |e: &dyn std::fmt::Display| PthError::Entry {
        entry: name.into(),
        reason: e.to_string(),
    };
    let entry = archive.by_name(name).map_err(|e| fail(&e))?;
    let size = usize::try_from(entry.size()).unwrap_or(usize::MAX);
    // torch.save stores entries uncompressed (and only those are read), so an entry holds at
    // most the file's size: a larger claim is a lie, and must not size an allocation.
    if size > file_size {
        return Err(fail(&format!(
            "it claims {size} bytes, more than the {file_size}-byte file holds"
        ))
        .into());
    }
    budget.spend(size)?;
    let mut bytes = Vec::with_capacity(size);
    entry
        .take(size as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(&e))?;
    Ok(bytes)
}

/// From the storage class `torch.save` names in a tensor's persistent id.
fn float(class: &str) -> Result<Float, TensorProblem> {
    Ok(match class {
        "FloatStorage" => Float::F32,
        "DoubleStorage" => Float::F64,
        "HalfStorage" => Float::F16,
        "BFloat16Storage" => Float::BF16,
        other => return Err(TensorProblem::NotFloat(other.to_string())),
    })
}

/// The first dict of tensors: the root itself, or one of its values for a checkpoint.
fn state_dict(pickle: &Pickle) -> Result<Vec<(String, Id)>, PthError> {
    let entries = match pickle.get(pickle.root) {
        Value::Dict(entries) => entries,
        Value::Object(class) => return Err(PthError::PickledObject(class.clone())),
        other => return Err(PthError::NotStateDict(other.kind())),
    };
    if let Some(tensors) = tensors_of(pickle, entries) {
        return Ok(tensors);
    }
    entries
        .iter()
        .find_map(|&(_, v)| match pickle.get(v) {
            Value::Dict(inner) => tensors_of(pickle, inner),
            _ => None,
        })
        .ok_or(PthError::NoTensors)
}

fn tensors_of(pickle: &Pickle, entries: &[(Id, Id)]) -> Option<Vec<(String, Id)>> {
    let tensors: Option<Vec<_>> = entries
        .iter()
        .map(|&(k, v)| match (pickle.get(k), pickle.get(v)) {
            (Value::Str(name), Value::Tensor { .. }) => Some((name.clone(), v)),
            _ => None,
        })
        .collect();
    tensors.filter(|t| !t.is_empty())
}

/// A strided view of a storage, as `_rebuild_tensor_v2` describes it.
struct View<'a> {
    dtype: Float,
    offset: usize,
    shape: &'a [usize],
    stride: &'a [usize],
}

enum Gathered {
    Problem(TensorProblem),
    Budget(Problem),
}

impl View<'_> {
    /// The view's elements in row-major order (a transposed tensor is saved as a strided view).
    fn gather(&self, storage: &[u8], budget: &mut Budget) -> Result<Vec<f32>, Gathered> {
        let size = self.dtype.size();
        let count = element_count(self.shape).map_err(Gathered::Problem)?;
        if self.shape.len() != self.stride.len() {
            return Err(Gathered::Problem(TensorProblem::StrideRank));
        }
        let available = storage.len() / size;
        // Saved parameters are never broadcast views, and this bounds what one tensor can make
        // us allocate by the size of its storage.
        if count > available {
            return Err(Gathered::Problem(TensorProblem::PastStorage {
                shape: self.shape.to_vec(),
                needed: count,
                available,
            }));
        }
        if count == 0 {
            return Ok(vec![]);
        }
        // The last element the view reaches, checked, so that no index below can overflow.
        let last = self
            .shape
            .iter()
            .zip(self.stride)
            .try_fold(self.offset, |at, (&d, &s)| {
                at.checked_add((d - 1).checked_mul(s)?)
            });
        if last.is_none_or(|last| last >= available) {
            return Err(Gathered::Problem(TensorProblem::ViewPastStorage(available)));
        }
        budget
            .spend(count * std::mem::size_of::<f32>())
            .map_err(Gathered::Budget)?;
        let mut values = Vec::with_capacity(count);
        let mut index = vec![0usize; self.shape.len()];
        for _ in 0..count {
            let at = self.offset
                + index
                    .iter()
                    .zip(self.stride)
                    .map(|(i, s)| i * s)
                    .sum::<usize>();
            values.push(self.dtype.read(&storage[at * size..(at + 1) * size]));
            for axis in (0..index.len()).rev() {
                index[axis] += 1;
                if index[axis] < self.shape[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
        Ok(values)
    }
}
