//! What both weights formats become before they reach a model: named f32 tensors that passed the
//! same checks (rank, element count, finite values, a size budget), fitted to a model by one step.

use burn::store::burn_pack::Tensor as PackTensor;
use burn::store::{ApplyError, ModuleAdapter, ModuleSnapshot};
use burn::tensor::{Bytes, DType};

use super::Problem;
use crate::model::{Model, ModelConfig, names};

/// Tensors of more dimensions are refused (a convolution's weight has 4).
pub const MAX_RANK: usize = 8;
/// What the tensors of one file may come to, counting both the bytes read from the file and the
/// f32 values made of them. A state_dict of this app's largest model is under 2 MB.
pub const MAX_TENSOR_BYTES: usize = 256 << 20;

/// A tensor from a weights file, contiguous in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TensorProblem {
    #[error("holds {0}, not floating point weights")]
    NotFloat(String),
    #[error("has {0} dimensions; at most {MAX_RANK} are read")]
    Rank(usize),
    #[error("has a shape {0:?} whose size overflows")]
    Overflow(Vec<usize>),
    #[error("has {found} bytes of data where its shape {shape:?} needs {expected}")]
    ByteLength {
        shape: Vec<usize>,
        expected: usize,
        found: usize,
    },
    #[error("has a shape {shape:?} that needs {needed} values, but its storage holds {available}")]
    PastStorage {
        shape: Vec<usize>,
        needed: usize,
        available: usize,
    },
    #[error("has a shape and strides of different ranks")]
    StrideRank,
    #[error("is a view that reaches past its storage of {0} elements")]
    ViewPastStorage(usize),
    #[error("holds {0}")]
    NotFinite(&'static str),
}

/// How the values of a tensor are stored in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Float {
    F32,
    F64,
    F16,
    BF16,
}

impl Float {
    pub fn size(self) -> usize {
        match self {
            Float::F32 => 4,
            Float::F64 => 8,
            Float::F16 | Float::BF16 => 2,
        }
    }

    /// One little-endian element (the byte order both formats write).
    pub fn read(self, b: &[u8]) -> f32 {
        match self {
            Float::F32 => f32::from_le_bytes(b.try_into().expect("4 bytes")),
            Float::F64 => f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32,
            Float::F16 => half::f16::from_le_bytes(b.try_into().expect("2 bytes")).to_f32(),
            Float::BF16 => half::bf16::from_le_bytes(b.try_into().expect("2 bytes")).to_f32(),
        }
    }
}

/// The rank and element count of `shape`, checked.
pub fn element_count(shape: &[usize]) -> Result<usize, TensorProblem> {
    if shape.len() > MAX_RANK {
        return Err(TensorProblem::Rank(shape.len()));
    }
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| TensorProblem::Overflow(shape.to_vec()))
}

/// Counts what a file's tensors take, and refuses a file once they pass [`MAX_TENSOR_BYTES`].
pub struct Budget {
    left: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            left: MAX_TENSOR_BYTES,
        }
    }
}

impl Budget {
    /// Takes `bytes` from the budget before they are allocated.
    pub fn spend(&mut self, bytes: usize) -> Result<(), Problem> {
        self.left = self.left.checked_sub(bytes).ok_or(Problem::TooMuchData)?;
        Ok(())
    }
}

impl NamedTensor {
    /// A tensor whose values fill its shape and are all finite.
    pub fn new(name: String, shape: Vec<usize>, values: Vec<f32>) -> Result<Self, Problem> {
        let problem = |problem| Problem::Tensor {
            name: name.clone(),
            problem,
        };
        let count = element_count(&shape).map_err(problem)?;
        assert_eq!(count, values.len(), "the readers fill the shape");
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            let what = if v.is_nan() { "NaN" } else { "infinity" };
            return Err(problem(TensorProblem::NotFinite(what)));
        }
        Ok(Self {
            name,
            shape,
            values,
        })
    }
}

/// The layout a file's tensors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// burn's own: Linear weights are `[in, out]`.
    Burn,
    /// PyTorch's: Linear weights are `[out, in]`, transposed by burn-store's adapter.
    #[cfg(feature = "pth")]
    PyTorch,
}

/// A copy of `model` with these tensors; every parameter must get one of the right shape, and
/// every tensor must have a parameter.
/// The tensors' names are files' (PyTorch's layer names, [`names`]).
pub fn fit(model: &Model, tensors: &[NamedTensor], layout: Layout) -> Result<Model, Problem> {
    let config = model.config();
    let file_names: Vec<String> = tensors.iter().map(|t| t.name.clone()).collect();
    let paths = names::to_model(config, &file_names);
    let snapshots = tensors
        .iter()
        .zip(paths)
        .map(|(t, path)| {
            PackTensor::new(
                path,
                DType::F32,
                t.shape.clone(),
                None,
                Bytes::from_elems(t.values.clone()),
            )
        })
        .collect();
    let adapter: Option<Box<dyn ModuleAdapter>> = match layout {
        Layout::Burn => None,
        #[cfg(feature = "pth")]
        Layout::PyTorch => Some(Box::new(burn::store::PyTorchToBurnAdapter)),
    };
    let mut copy = model.clone();
    let result = copy.apply(snapshots, None, adapter, false);
    let mut problems: Vec<String> = result.errors.iter().map(|e| described(e, config)).collect();
    let in_files = |paths: &mut dyn Iterator<Item = &String>| {
        let names: Vec<String> = paths.map(|p| names::to_file(config, p)).collect();
        names.join(", ")
    };
    if !result.missing.is_empty() {
        let missing = in_files(&mut result.missing.iter().map(|(path, _)| path));
        problems.push(format!("no tensor for {missing}"));
    }
    if !result.unused.is_empty() {
        let unused = in_files(&mut result.unused.iter());
        problems.push(format!("tensors the model has no place for: {unused}"));
    }
    if problems.is_empty() {
        Ok(copy)
    } else {
        Err(Problem::Mismatch(problems.join("; ")))
    }
}

/// An error of burn-store's, naming the tensor as files do.
fn described(error: &ApplyError, config: &ModelConfig) -> String {
    let name = |path: &str| names::to_file(config, path);
    match error {
        ApplyError::ShapeMismatch {
            path,
            expected,
            found,
        } => format!(
            "{} has the shape {:?} where this network needs {:?}",
            name(path),
            found.as_slice(),
            expected.as_slice()
        ),
        ApplyError::DTypeMismatch {
            path,
            expected,
            found,
        } => format!(
            "{} holds {found:?} where this network needs {expected:?}",
            name(path)
        ),
        ApplyError::AdapterError { path, message } | ApplyError::LoadError { path, message } => {
            format!("{}: {message}", name(path))
        }
    }
}
