//! Writes a model's weights as `torch.save(model.state_dict(), path)` does, so that the
//! tutorial's `MulticlassCNN` takes them with `load_state_dict`: a zip archive of stored entries
//! holding a protocol-2 pickle of an `OrderedDict` of `_rebuild_tensor_v2` calls, one
//! little-endian float32 storage per tensor (aligned to 64 bytes like torch's own, so
//! `torch.load(mmap=True)` works too), and the version and byte-order records torch.load reads.
//! The pickle names only globals that `torch.load(weights_only=True)`, PyTorch's default,
//! allows. Names and layouts are PyTorch's (`fc1.weight` is `[out, in]`): burn-store's
//! `BurnToPyTorchAdapter` turns burn's into them.

use std::io::{Cursor, Write};

use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot};
use burn::tensor::DType;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::EncodeError;
use crate::model::{Model, names};

/// The folder every entry sits in. torch.save names it after the file; torch.load takes any.
const ARCHIVE: &str = "archive";

/// The `.pth` bytes of `model`'s weights (a model on the CPU: its tensors are read synchronously).
pub fn to_pth(model: &Model) -> Result<Vec<u8>, EncodeError> {
    let fail = |e: &dyn std::fmt::Display| EncodeError(e.to_string());
    let mut pickle = Pickle::default();
    let mut storages = vec![];
    pickle.0.extend([PROTO, 2]);
    pickle.ordered_dict();
    pickle.0.push(MARK);
    for tensor in model.collect(None, Some(Box::new(BurnToPyTorchAdapter)), false) {
        if tensor.dtype != DType::F32 {
            return Err(EncodeError(format!(
                "{} is {:?}; only float32 weights are written",
                tensor.name, tensor.dtype
            )));
        }
        let (name, _, shape, _, bytes) = tensor.into_parts().map_err(|e| fail(&e))?;
        let name = names::to_file(model.config(), &name);
        let shape = shape.to_vec();
        pickle.str(&name);
        pickle.tensor(&storages.len().to_string(), &shape)?;
        storages.push(bytes);
    }
    pickle.0.extend([SETITEMS, STOP]);

    let mut zip = ZipWriter::new(Cursor::new(vec![]));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .with_alignment(64);
    let mut entry = |name: &str, bytes: &[u8]| {
        zip.start_file(format!("{ARCHIVE}/{name}"), options)
            .and_then(|()| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| fail(&e))
    };
    // torch.load finds the archive's folder from the first entry, as torch.save writes it.
    entry("data.pkl", &pickle.0)?;
    entry("byteorder", b"little")?;
    for (key, bytes) in storages.iter().enumerate() {
        entry(&format!("data/{key}"), bytes)?;
    }
    entry("version", b"3\n")?;
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

// The pickle opcodes written (Python's `pickletools` names).
const PROTO: u8 = 0x80;
const STOP: u8 = b'.';
const MARK: u8 = b'(';
const TUPLE: u8 = b't';
const EMPTY_TUPLE: u8 = b')';
const GLOBAL: u8 = b'c';
const REDUCE: u8 = b'R';
const BINUNICODE: u8 = b'X';
const BININT: u8 = b'J';
const NEWFALSE: u8 = 0x89;
const BINPERSID: u8 = b'Q';
const SETITEMS: u8 = b'u';

#[derive(Default)]
struct Pickle(Vec<u8>);

impl Pickle {
    fn global(&mut self, module: &str, name: &str) {
        self.0.push(GLOBAL);
        self.0.extend(format!("{module}\n{name}\n").bytes());
    }

    fn str(&mut self, s: &str) {
        self.0.push(BINUNICODE);
        self.0.extend((s.len() as u32).to_le_bytes());
        self.0.extend(s.bytes());
    }

    fn int(&mut self, i: usize) -> Result<(), EncodeError> {
        let i = i32::try_from(i).map_err(|_| EncodeError(format!("{i} is too large")))?;
        self.0.push(BININT);
        self.0.extend(i.to_le_bytes());
        Ok(())
    }

    fn ints(&mut self, ints: &[usize]) -> Result<(), EncodeError> {
        self.0.push(MARK);
        for &i in ints {
            self.int(i)?;
        }
        self.0.push(TUPLE);
        Ok(())
    }

    /// `collections.OrderedDict()`: the state_dict itself, and each tensor's backward hooks.
    fn ordered_dict(&mut self) {
        self.global("collections", "OrderedDict");
        self.0.extend([EMPTY_TUPLE, REDUCE]);
    }

    /// `torch._utils._rebuild_tensor_v2(storage, 0, shape, strides, False, OrderedDict())` on
    /// the float32 storage `data/{key}`, contiguous in row-major order.
    fn tensor(&mut self, key: &str, shape: &[usize]) -> Result<(), EncodeError> {
        let mut strides = vec![1; shape.len()];
        for axis in (1..shape.len()).rev() {
            strides[axis - 1] = strides[axis] * shape[axis];
        }
        self.global("torch._utils", "_rebuild_tensor_v2");
        self.0.push(MARK);
        // The persistent id torch.load resolves: ("storage", FloatStorage, key, "cpu", numel).
        self.0.push(MARK);
        self.str("storage");
        self.global("torch", "FloatStorage");
        self.str(key);
        self.str("cpu");
        self.int(shape.iter().product())?;
        self.0.extend([TUPLE, BINPERSID]);
        self.int(0)?;
        self.ints(shape)?;
        self.ints(&strides)?;
        self.0.push(NEWFALSE);
        self.ordered_dict();
        self.0.extend([TUPLE, REDUCE]);
        Ok(())
    }
}
