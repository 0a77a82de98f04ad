//! Writers of weights and data files, well-formed or crafted: pickles opcode by opcode, `.pth`
//! archives the way torch.save lays them out, burn records with any dtype, IDX files.

use std::io::{Cursor, Write};

use burn::store::burn_pack::{Tensor as PackTensor, Writer};
use burn::tensor::{Bytes, DType};
use flate2::{Compression, write::GzEncoder};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A pickle written opcode by opcode (protocol 2, as torch.save writes).
pub struct Pickle(pub Vec<u8>);

impl Pickle {
    pub fn new() -> Self {
        Self(vec![0x80, 2])
    }

    pub fn op(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }

    pub fn global(&mut self, module: &str, name: &str) -> &mut Self {
        self.op(format!("c{module}\n{name}\n").as_bytes())
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.op(b"X")
            .op(&(s.len() as u32).to_le_bytes())
            .op(s.as_bytes())
    }

    pub fn int(&mut self, i: i32) -> &mut Self {
        self.op(b"J").op(&i.to_le_bytes())
    }

    pub fn ints(&mut self, values: &[usize]) -> &mut Self {
        self.op(b"(");
        for &v in values {
            self.int(v as i32);
        }
        self.op(b"t")
    }

    /// `_rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())` on storage
    /// `key` of `numel` floats.
    pub fn tensor(
        &mut self,
        key: &str,
        numel: usize,
        offset: usize,
        shape: &[usize],
        stride: &[usize],
    ) -> &mut Self {
        self.global("torch._utils", "_rebuild_tensor_v2").op(b"((");
        self.str("storage")
            .global("torch", "FloatStorage")
            .str(key)
            .str("cpu");
        self.int(numel as i32).op(b"tQ");
        self.int(offset as i32).ints(shape).ints(stride).op(b"\x89");
        self.global("collections", "OrderedDict")
            .op(b")Rt")
            .op(b"R")
    }

    /// An `OrderedDict` filled with `(name, tensor)` pairs that `entry` writes.
    pub fn state_dict(
        &mut self,
        count: usize,
        mut entry: impl FnMut(&mut Self, usize),
    ) -> &mut Self {
        self.global("collections", "OrderedDict").op(b")R(");
        for i in 0..count {
            entry(self, i);
        }
        self.op(b"u")
    }

    pub fn finish(&mut self) -> Vec<u8> {
        self.op(b".");
        std::mem::take(&mut self.0)
    }
}

/// A `.pth` archive of `data.pkl` and storages `data/0`, `data/1`… as torch.save lays it out.
pub fn pth(pickle: &[u8], storages: &[Vec<u8>]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(vec![]));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("archive/data.pkl", stored).unwrap();
    zip.write_all(pickle).unwrap();
    for (key, bytes) in storages.iter().enumerate() {
        zip.start_file(format!("archive/data/{key}"), stored)
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A well-formed `.pth` state_dict of contiguous float32 tensors.
pub fn state_dict_pth(tensors: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let pickle = Pickle::new()
        .state_dict(tensors.len(), |p, i| {
            let (name, shape, values) = &tensors[i];
            let mut stride = vec![1; shape.len()];
            for d in (0..shape.len().saturating_sub(1)).rev() {
                stride[d] = stride[d + 1] * shape[d + 1];
            }
            p.str(name)
                .tensor(&i.to_string(), values.len(), 0, shape, &stride);
        })
        .finish();
    let storages: Vec<Vec<u8>> = tensors.iter().map(|(_, _, v)| f32_bytes(v)).collect();
    pth(&pickle, &storages)
}

/// A burn record of `(name, dtype, shape, bytes)` tensors, whatever they hold.
pub fn record(tensors: Vec<(String, DType, Vec<usize>, Vec<u8>)>) -> Vec<u8> {
    let tensors = tensors
        .into_iter()
        .map(|(name, dtype, shape, bytes)| {
            PackTensor::new(name, dtype, shape, None, Bytes::from_bytes_vec(bytes))
        })
        .collect();
    Writer::new(tensors).into_bytes().unwrap().to_vec()
}

/// `header` then `zeros` zero bytes, gzip'd without ever holding the zeros.
pub fn gzip_bomb(header: &[u8], zeros: usize) -> Vec<u8> {
    let mut e = GzEncoder::new(vec![], Compression::best());
    e.write_all(header).unwrap();
    let block = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(block.len());
        e.write_all(&block[..n]).unwrap();
        left -= n;
    }
    e.finish().unwrap()
}
