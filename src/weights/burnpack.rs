//! Reads the tensors of a burn record (burnpack) from bytes, checked the way a `.pth` file's are:
//! only floating point tensors (f16/bf16/f64 converted to f32), each with exactly the bytes its
//! shape needs, within the same budget. A record is not handed to burn's own loader, which
//! panics on an integer tensor and loads an f64 one that then breaks the first forward pass.

use burn::store::burn_pack::Reader;
use burn::tensor::{Bytes, DType};

use super::Problem;
use super::tensors::{Budget, Float, NamedTensor, TensorProblem, element_count};

/// The record's tensors and the metadata under `key` (the architecture it names), if any.
pub fn read(bytes: &[u8], key: &str) -> Result<(Vec<NamedTensor>, Option<String>), Problem> {
    let not_a_record = |e: &dyn std::fmt::Display| Problem::NotARecord(e.to_string());
    let reader =
        Reader::from_bytes(Bytes::from_bytes_vec(bytes.to_vec())).map_err(|e| not_a_record(&e))?;
    let named = reader.metadata().get(key).cloned();
    let tensors = reader.into_tensors().map_err(|e| not_a_record(&e))?;
    Ok((checked(tensors)?, named))
}

fn checked(tensors: Vec<burn::store::burn_pack::Tensor>) -> Result<Vec<NamedTensor>, Problem> {
    let not_a_record = |e: &dyn std::fmt::Display| Problem::NotARecord(e.to_string());
    let mut budget = Budget::default();
    tensors
        .into_iter()
        .map(|tensor| {
            let (name, dtype, shape, _, data) =
                tensor.into_parts().map_err(|e| not_a_record(&e))?;
            let shape = shape.to_vec();
            let problem = |problem| Problem::Tensor {
                name: name.clone(),
                problem,
            };
            let float = match dtype {
                DType::F32 | DType::Flex32 => Float::F32,
                DType::F64 => Float::F64,
                DType::F16 => Float::F16,
                DType::BF16 => Float::BF16,
                other => return Err(problem(TensorProblem::NotFloat(format!("{other:?}")))),
            };
            let count = element_count(&shape).map_err(problem)?;
            let expected = count.checked_mul(float.size());
            if expected != Some(data.len()) {
                return Err(problem(TensorProblem::ByteLength {
                    shape,
                    expected: expected.unwrap_or(usize::MAX),
                    found: data.len(),
                }));
            }
            budget.spend(count * std::mem::size_of::<f32>())?;
            let values = data
                .chunks_exact(float.size())
                .map(|b| float.read(b))
                .collect();
            NamedTensor::new(name, shape, values)
        })
        .collect()
}
