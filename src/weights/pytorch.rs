//! Reads the tensors of a PyTorch `torch.save` file from bytes: the zip container, the subset of
//! Python's pickle that `torch.save` writes, and the raw storages. burn-store's own reader only
//! opens files by path, and the browser, where users upload `.pth` files, has no file system.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::ZipArchive;

/// A floating point tensor from the file, contiguous in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct PtTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// The first bytes of a pre-1.6 (non-zip) `torch.save` file: a pickled magic number.
pub const LEGACY_MAGIC: [u8; 14] = [
    0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

/// The tensors of the state_dict in a zip-format `.pth` file: a bare `model.state_dict()` or a
/// checkpoint dict holding one (`{"model_state_dict": ..., "epoch": ...}`). A `module.` prefix
/// from `nn.DataParallel` is dropped.
pub fn read_state_dict(bytes: &[u8]) -> Result<Vec<PtTensor>, String> {
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a zip archive ({e})"))?;
    let pickle_name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n == "data.pkl" || n.ends_with("/data.pkl"))
        .ok_or("the archive has no data.pkl, so it was not written by torch.save")?
        .into_owned();
    let prefix = &pickle_name[..pickle_name.len() - "data.pkl".len()];
    let root = Unpickler::new(&read_entry(&mut archive, &pickle_name)?).run()?;
    let mut refs = state_dict(root)?;
    if refs.iter().all(|(name, _)| name.starts_with("module.")) {
        for (name, _) in &mut refs {
            name.drain(.."module.".len());
        }
    }
    let mut storages: HashMap<String, Vec<u8>> = HashMap::new();
    refs.into_iter()
        .map(|(name, t)| {
            if !storages.contains_key(&t.storage.key) {
                let entry = format!("{prefix}data/{}", t.storage.key);
                storages.insert(t.storage.key.clone(), read_entry(&mut archive, &entry)?);
            }
            let values = t
                .gather(&storages[&t.storage.key])
                .map_err(|e| format!("tensor '{name}': {e}"))?;
            Ok(PtTensor {
                name,
                shape: t.shape,
                values,
            })
        })
        .collect()
}

fn read_entry(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let mut entry = archive
        .by_name(name)
        .map_err(|e| format!("cannot read {name} from the archive ({e})"))?;
    let mut bytes = vec![];
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name} from the archive ({e})"))?;
    Ok(bytes)
}

/// The first dict of tensors: the root itself, or one of its values for a checkpoint.
fn state_dict(root: Value) -> Result<Vec<(String, TensorRef)>, String> {
    let Value::Dict(entries) = root else {
        return Err(match root {
            Value::Object(class) => format!(
                "it holds a pickled `{class}` object rather than a state_dict; save `model.state_dict()` instead"
            ),
            other => format!("it holds {} rather than a state_dict", other.kind()),
        });
    };
    if let Some(tensors) = tensors_of(&entries) {
        return Ok(tensors);
    }
    entries
        .iter()
        .find_map(|(_, v)| match v {
            Value::Dict(inner) => tensors_of(inner),
            _ => None,
        })
        .ok_or_else(|| "it holds a dict with no state_dict of tensors in it".to_string())
}

fn tensors_of(entries: &[(Value, Value)]) -> Option<Vec<(String, TensorRef)>> {
    let tensors: Option<Vec<_>> = entries
        .iter()
        .map(|(k, v)| match (k, v) {
            (Value::Str(name), Value::Tensor(t)) => Some((name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    tensors.filter(|t| !t.is_empty())
}

#[derive(Debug, Clone, Copy)]
enum DType {
    F32,
    F64,
    F16,
    BF16,
}

impl DType {
    /// From the storage class `torch.save` names in a tensor's persistent id.
    fn from_storage_class(class: &str) -> Result<DType, String> {
        Ok(match class {
            "FloatStorage" => DType::F32,
            "DoubleStorage" => DType::F64,
            "HalfStorage" => DType::F16,
            "BFloat16Storage" => DType::BF16,
            other => return Err(format!("holds {other}, not floating point weights")),
        })
    }

    fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F64 => 8,
            DType::F16 | DType::BF16 => 2,
        }
    }

    /// One little-endian element (the only byte order `torch.save` writes on today's hardware).
    fn read(self, b: &[u8]) -> f32 {
        match self {
            DType::F32 => f32::from_le_bytes(b.try_into().unwrap()),
            DType::F64 => f64::from_le_bytes(b.try_into().unwrap()) as f32,
            DType::F16 => half::f16::from_le_bytes(b.try_into().unwrap()).to_f32(),
            DType::BF16 => half::bf16::from_le_bytes(b.try_into().unwrap()).to_f32(),
        }
    }
}

#[derive(Debug, Clone)]
struct StorageRef {
    key: String,
    dtype: Result<DType, String>,
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, ...)`: a strided view of a storage.
#[derive(Debug, Clone)]
struct TensorRef {
    storage: StorageRef,
    offset: usize,
    shape: Vec<usize>,
    stride: Vec<usize>,
}

impl TensorRef {
    /// The view's elements in row-major order (a transposed tensor is saved as a strided view).
    fn gather(&self, storage: &[u8]) -> Result<Vec<f32>, String> {
        let dtype = self.storage.dtype.clone()?;
        let size = dtype.size();
        let count = self
            .shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or("its shape overflows")?;
        let available = storage.len() / size;
        // Saved parameters are never broadcast views, and this bounds what a file can make us
        // allocate by its own size.
        if count > available {
            return Err(format!(
                "its shape {:?} needs {count} values, its storage holds {available}",
                self.shape
            ));
        }
        if count > 0 {
            let last = self
                .shape
                .iter()
                .zip(&self.stride)
                .try_fold(self.offset, |at, (&d, &s)| {
                    at.checked_add((d - 1).checked_mul(s)?)
                });
            match last {
                Some(last) if last < available => {}
                _ => {
                    return Err(format!(
                        "its view reaches past its storage of {available} elements"
                    ));
                }
            }
        }
        let mut values = Vec::with_capacity(count);
        let mut index = vec![0usize; self.shape.len()];
        for _ in 0..count {
            let at = self.offset
                + index
                    .iter()
                    .zip(&self.stride)
                    .map(|(i, s)| i * s)
                    .sum::<usize>();
            values.push(dtype.read(&storage[at * size..(at + 1) * size]));
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

/// A Python value as far as a state_dict needs one: scalars other than ints keep only their
/// kind, objects other than tensors only their class name.
#[derive(Debug, Clone)]
enum Value {
    None,
    Bool,
    Int(i64),
    Float,
    Str(String),
    Bytes,
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(String, String),
    Storage(StorageRef),
    Tensor(TensorRef),
    Object(String),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool => "a bool",
            Value::Int(_) => "an int",
            Value::Float => "a float",
            Value::Str(_) => "a string",
            Value::Bytes => "bytes",
            Value::Tuple(_) => "a tuple",
            Value::List(_) => "a list",
            Value::Dict(_) => "a dict",
            Value::Global(..) => "a class",
            Value::Storage(_) => "a storage",
            Value::Tensor(_) => "a tensor",
            Value::Object(_) => "an object",
        }
    }

    fn usize(&self) -> Result<usize, String> {
        match self {
            Value::Int(i) => usize::try_from(*i).map_err(|_| format!("negative size {i}")),
            other => Err(format!("expected an int, found {}", other.kind())),
        }
    }

    fn usizes(&self) -> Result<Vec<usize>, String> {
        match self {
            Value::Tuple(items) | Value::List(items) => items.iter().map(Value::usize).collect(),
            other => Err(format!("expected a tuple of ints, found {}", other.kind())),
        }
    }
}

/// A pickle machine for the opcodes `torch.save` (protocol 2) and protocol 4 writers use. It
/// builds values and calls no code: globals are only names, and the few it knows
/// (`OrderedDict`, the tensor rebuild functions) are interpreted, the rest become `Object`s.
struct Unpickler<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl<'a> Unpickler<'a> {
    fn new(data: &'a [u8]) -> Self {
        Unpickler {
            data,
            pos: 0,
            stack: vec![],
            marks: vec![],
            memo: HashMap::new(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or("the pickle ends early")?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }

    fn len8(&mut self) -> Result<usize, String> {
        let n = u64::from_le_bytes(self.take(8)?.try_into().unwrap());
        usize::try_from(n).map_err(|_| "a length does not fit in memory".to_string())
    }

    fn line(&mut self) -> Result<String, String> {
        let rest = &self.data[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("the pickle ends early")?;
        self.pos += end + 1;
        String::from_utf8(rest[..end].to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }

    fn string(&mut self, n: usize) -> Result<Value, String> {
        String::from_utf8(self.take(n)?.to_vec())
            .map(Value::Str)
            .map_err(|_| "a string is not UTF-8".to_string())
    }

    fn pop(&mut self) -> Result<Value, String> {
        self.stack
            .pop()
            .ok_or_else(|| "the pickle's stack underflows".into())
    }

    fn top(&mut self) -> Result<&mut Value, String> {
        self.stack
            .last_mut()
            .ok_or_else(|| "the pickle's stack underflows".into())
    }

    /// Everything pushed since the last MARK.
    fn pop_mark(&mut self) -> Result<Vec<Value>, String> {
        let mark = self.marks.pop().ok_or("a pickle MARK is missing")?;
        if mark > self.stack.len() {
            return Err("a pickle MARK is past the stack".into());
        }
        Ok(self.stack.split_off(mark))
    }

    fn memo_get(&self, key: u32) -> Result<Value, String> {
        self.memo
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("the pickle refers to memo entry {key}, which it never set"))
    }

    fn memo_put(&mut self, key: u32) -> Result<(), String> {
        let value = self.top()?.clone();
        self.memo.insert(key, value);
        Ok(())
    }

    fn run(mut self) -> Result<Value, String> {
        loop {
            let op = self.u8()?;
            match op {
                b'.' => return self.pop(), // STOP
                0x80 => {
                    self.u8()?; // PROTO
                }
                0x95 => {
                    self.take(8)?; // FRAME
                }
                b'(' => self.marks.push(self.stack.len()),
                b'N' => self.stack.push(Value::None),
                0x88 | 0x89 => self.stack.push(Value::Bool),
                b'J' => {
                    let v = i32::from_le_bytes(self.take(4)?.try_into().unwrap());
                    self.stack.push(Value::Int(v as i64));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(Value::Int(v as i64));
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.take(2)?.try_into().unwrap());
                    self.stack.push(Value::Int(v as i64));
                }
                0x8a => {
                    // LONG1: a little-endian two's complement integer of n bytes.
                    let n = self.u8()? as usize;
                    let bytes = self.take(n)?;
                    if n > 8 {
                        return Err("an integer in the pickle is too large".into());
                    }
                    let fill = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
                        0xff
                    } else {
                        0
                    };
                    let mut le = [fill; 8];
                    le[..n].copy_from_slice(bytes);
                    self.stack.push(Value::Int(i64::from_le_bytes(le)));
                }
                b'G' => {
                    self.take(8)?;
                    self.stack.push(Value::Float);
                }
                b'X' => {
                    let n = self.u32()? as usize;
                    let s = self.string(n)?;
                    self.stack.push(s);
                }
                0x8c => {
                    let n = self.u8()? as usize;
                    let s = self.string(n)?;
                    self.stack.push(s);
                }
                0x8d => {
                    let n = self.len8()?;
                    let s = self.string(n)?;
                    self.stack.push(s);
                }
                b'C' => {
                    let n = self.u8()? as usize;
                    self.take(n)?;
                    self.stack.push(Value::Bytes);
                }
                b'B' => {
                    let n = self.u32()? as usize;
                    self.take(n)?;
                    self.stack.push(Value::Bytes);
                }
                b')' => self.stack.push(Value::Tuple(vec![])),
                b']' => self.stack.push(Value::List(vec![])),
                b'}' => self.stack.push(Value::Dict(vec![])),
                0x8f => self.stack.push(Value::List(vec![])), // EMPTY_SET, as a list
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err("the pickle's stack underflows".into());
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(Value::Tuple(items));
                }
                0x91 => {
                    let items = self.pop_mark()?; // FROZENSET
                    self.stack.push(Value::List(items));
                }
                b'q' => {
                    let key = self.u8()? as u32;
                    self.memo_put(key)?;
                }
                b'r' => {
                    let key = self.u32()?;
                    self.memo_put(key)?;
                }
                0x94 => {
                    let key = self.memo.len() as u32; // MEMOIZE
                    self.memo_put(key)?;
                }
                b'h' => {
                    let key = self.u8()? as u32;
                    let v = self.memo_get(key)?;
                    self.stack.push(v);
                }
                b'j' => {
                    let key = self.u32()?;
                    let v = self.memo_get(key)?;
                    self.stack.push(v);
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.stack.push(Value::Global(module, name));
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(m), Value::Str(n)) => self.stack.push(Value::Global(m, n)),
                        _ => return Err("STACK_GLOBAL without two names".into()),
                    }
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let value = call(callable, args)?;
                    self.stack.push(value);
                }
                b'b' => {
                    // BUILD sets an object's state (OrderedDict's `_metadata`): not needed here.
                    self.pop()?;
                    self.top()?;
                }
                b'Q' => {
                    let pid = self.pop()?;
                    self.stack.push(persistent(pid)?);
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    insert(self.top()?, vec![key, value])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    insert(self.top()?, items)?;
                }
                b'a' => {
                    let value = self.pop()?;
                    append(self.top()?, vec![value])?;
                }
                b'e' | 0x90 => {
                    let items = self.pop_mark()?;
                    append(self.top()?, items)?;
                }
                other => {
                    return Err(format!(
                        "the pickle uses opcode 0x{other:02x}, which torch.save does not write"
                    ));
                }
            }
        }
    }
}

fn insert(target: &mut Value, items: Vec<Value>) -> Result<(), String> {
    let Value::Dict(entries) = target else {
        return Err(format!("SETITEM on {}", target.kind()));
    };
    if !items.len().is_multiple_of(2) {
        return Err("SETITEMS with an odd number of items".into());
    }
    let mut items = items.into_iter();
    while let (Some(k), Some(v)) = (items.next(), items.next()) {
        entries.push((k, v));
    }
    Ok(())
}

fn append(target: &mut Value, items: Vec<Value>) -> Result<(), String> {
    match target {
        Value::List(list) => {
            list.extend(items);
            Ok(())
        }
        // Appending to an object (a custom container) keeps it opaque.
        Value::Object(_) => Ok(()),
        other => Err(format!("APPEND on {}", other.kind())),
    }
}

/// What calling a global gives, for the globals a state_dict is made of.
fn call(callable: Value, args: Value) -> Result<Value, String> {
    let Value::Global(module, name) = callable else {
        return Err(format!("the pickle calls {}", callable.kind()));
    };
    let Value::Tuple(args) = args else {
        return Err(format!("{module}.{name} called without an argument tuple"));
    };
    Ok(match (module.as_str(), name.as_str()) {
        ("collections", "OrderedDict") => Value::Dict(vec![]),
        ("torch._utils", "_rebuild_tensor_v2" | "_rebuild_tensor") => {
            let [Value::Storage(storage), offset, size, stride, ..] = args.as_slice() else {
                return Err(format!("{name} without a storage"));
            };
            let (shape, stride) = (size.usizes()?, stride.usizes()?);
            if shape.len() != stride.len() {
                return Err(format!(
                    "{name} with a shape and strides of different ranks"
                ));
            }
            Value::Tensor(TensorRef {
                storage: storage.clone(),
                offset: offset.usize()?,
                shape,
                stride,
            })
        }
        // An nn.Parameter saved directly: its tensor.
        ("torch._utils", "_rebuild_parameter" | "_rebuild_parameter_with_state") => args
            .into_iter()
            .next()
            .ok_or("a parameter without a tensor")?,
        _ => Value::Object(format!("{module}.{name}")),
    })
}

/// `BINPERSID` with `("storage", torch.FloatStorage, key, location, numel)`.
fn persistent(pid: Value) -> Result<Value, String> {
    match pid {
        Value::Tuple(items) => match items.as_slice() {
            [
                Value::Str(kind),
                Value::Global(_, class),
                Value::Str(key),
                ..,
            ] if kind == "storage" => Ok(Value::Storage(StorageRef {
                key: key.clone(),
                dtype: DType::from_storage_class(class),
            })),
            _ => Err("a persistent id that is not a storage".into()),
        },
        other => Err(format!("a persistent id that is {}", other.kind())),
    }
}
