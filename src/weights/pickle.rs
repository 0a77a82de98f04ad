//! The subset of Python's pickle that `torch.save` writes, run on a machine that builds values
//! and calls no code: globals are only names, and the few a state_dict needs (`OrderedDict`, the
//! tensor rebuild functions) are interpreted; any other becomes a named opaque [`Value::Object`].
//!
//! A pickle is a program, so a small file can ask for a lot. This machine bounds what it does:
//! - values live in one arena and refer to each other by index: a value the pickle refers to
//!   again (DUP, or the memo) is the same value, never a copy, so 48 DUPs are 48 values, not
//!   2^48; nothing walks values recursively, and dropping them all is freeing one vector;
//! - a container cannot change once it sits inside another (`torch.save` always fills a
//!   container before using it), so there are no cycles and each value's nesting depth, known
//!   when it is built, stays true: deeper than [`MAX_DEPTH`] is refused;
//! - at most [`MAX_OPS`] opcodes run, which bounds the stack, the memo and the arena.

use std::collections::HashMap;

/// Nesting deeper than this is refused. A state_dict nests about 5 levels.
pub const MAX_DEPTH: u16 = 64;
/// Opcodes run at most. The tutorial's state_dict takes about 300; one of a model with a
/// thousand layers about 50,000. Each opcode adds at most one value to the arena, so this also
/// bounds its memory (about 20 MB).
pub const MAX_OPS: usize = 250_000;

/// Where a value sits in the arena.
pub type Id = usize;

/// A Python value as far as a state_dict needs one: scalars other than ints and strings keep
/// only their kind, objects other than storages and tensors only their class name.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool,
    Int(i64),
    Float,
    Str(String),
    Bytes,
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Global {
        module: String,
        name: String,
    },
    /// `("storage", torch.FloatStorage, key, location, numel)`, a persistent id.
    Storage {
        key: String,
        class: String,
    },
    /// `_rebuild_tensor_v2(storage, offset, size, stride, ...)`: a strided view of a storage.
    Tensor {
        storage: Id,
        offset: usize,
        shape: Vec<usize>,
        stride: Vec<usize>,
    },
    Object(String),
}

impl Value {
    pub fn kind(&self) -> &'static str {
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
            Value::Global { .. } => "a class",
            Value::Storage { .. } => "a storage",
            Value::Tensor { .. } => "a tensor",
            Value::Object(_) => "an object",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("its pickle is broken at byte {at}: {problem}")]
pub struct PickleError {
    pub at: usize,
    pub problem: PickleProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickleProblem {
    #[error("the pickle ends early")]
    EndsEarly,
    #[error("the pickle uses opcode 0x{0:02x}, which torch.save does not write")]
    Opcode(u8),
    #[error("the pickle's stack underflows")]
    StackUnderflow,
    #[error("a pickle MARK is missing")]
    NoMark,
    #[error("the pickle refers to memo entry {0}, which it never set")]
    NoMemo(u32),
    #[error("values nest more than {MAX_DEPTH} levels deep (a state_dict nests about 5)")]
    TooDeep,
    #[error("the pickle runs more than {MAX_OPS} operations (a state_dict needs a few hundred)")]
    TooLong,
    #[error("it changes a container after using it, which torch.save never does")]
    Frozen,
    #[error("{0}")]
    Malformed(String),
}

#[derive(Debug)]
struct Node {
    value: Value,
    depth: u16,
    /// Inside another container: it may not change any more.
    frozen: bool,
}

/// The values a pickle built, and the one it returned.
#[derive(Debug)]
pub struct Pickle {
    nodes: Vec<Node>,
    pub root: Id,
}

impl Pickle {
    pub fn get(&self, id: Id) -> &Value {
        &self.nodes[id].value
    }
}

/// Runs a pickle and returns what it built.
pub fn load(data: &[u8]) -> Result<Pickle, PickleError> {
    let mut machine = Machine {
        data,
        pos: 0,
        ops: 0,
        nodes: vec![],
        stack: vec![],
        marks: vec![],
        memo: HashMap::new(),
    };
    loop {
        let at = machine.pos;
        match machine.step() {
            Ok(Some(root)) => {
                return Ok(Pickle {
                    nodes: machine.nodes,
                    root,
                });
            }
            Ok(None) => {}
            Err(problem) => return Err(PickleError { at, problem }),
        }
    }
}

type Step<T> = Result<T, PickleProblem>;

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    ops: usize,
    nodes: Vec<Node>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: HashMap<u32, Id>,
}

fn malformed<T>(why: impl Into<String>) -> Step<T> {
    Err(PickleProblem::Malformed(why.into()))
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Step<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or(PickleProblem::EndsEarly)?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Step<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn u8(&mut self) -> Step<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Step<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn line(&mut self) -> Step<String> {
        let rest = &self.data[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PickleProblem::EndsEarly)?;
        self.pos += end + 1;
        String::from_utf8(rest[..end].to_vec()).or_else(|_| malformed("a name is not UTF-8"))
    }

    fn string(&mut self, n: usize) -> Step<Value> {
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec())
            .map(Value::Str)
            .or_else(|_| malformed("a string is not UTF-8"))
    }

    /// A new value made of `children` (which become frozen), on the stack.
    fn push_new(&mut self, value: Value, children: &[Id]) -> Step<()> {
        let mut depth = 0;
        for &child in children {
            depth = depth.max(self.nodes[child].depth + 1);
            self.nodes[child].frozen = true;
        }
        if depth > MAX_DEPTH {
            return Err(PickleProblem::TooDeep);
        }
        self.nodes.push(Node {
            value,
            depth,
            frozen: false,
        });
        self.stack.push(self.nodes.len() - 1);
        Ok(())
    }

    fn push_leaf(&mut self, value: Value) -> Step<()> {
        self.push_new(value, &[])
    }

    fn pop(&mut self) -> Step<Id> {
        self.stack.pop().ok_or(PickleProblem::StackUnderflow)
    }

    fn top(&self) -> Step<Id> {
        self.stack
            .last()
            .copied()
            .ok_or(PickleProblem::StackUnderflow)
    }

    /// Everything pushed since the last MARK.
    fn pop_mark(&mut self) -> Step<Vec<Id>> {
        let mark = self.marks.pop().ok_or(PickleProblem::NoMark)?;
        if mark > self.stack.len() {
            return malformed("a MARK is past the stack");
        }
        Ok(self.stack.split_off(mark))
    }

    fn memo_get(&mut self, key: u32) -> Step<()> {
        let id = *self.memo.get(&key).ok_or(PickleProblem::NoMemo(key))?;
        self.stack.push(id);
        Ok(())
    }

    fn memo_put(&mut self, key: u32) -> Step<()> {
        let id = self.top()?;
        self.memo.insert(key, id);
        Ok(())
    }

    /// SETITEM(S), APPEND(S), ADDITEMS: `items` go into the container on top of the stack.
    fn add(&mut self, items: Vec<Id>, pairs: bool) -> Step<()> {
        let target = self.top()?;
        if let Value::Object(_) = self.nodes[target].value {
            // Filling an object (a custom container) keeps it opaque.
            return Ok(());
        }
        if self.nodes[target].frozen {
            return Err(PickleProblem::Frozen);
        }
        let mut depth = self.nodes[target].depth;
        for &item in &items {
            if item == target {
                return malformed("a container is put inside itself");
            }
            depth = depth.max(self.nodes[item].depth + 1);
            self.nodes[item].frozen = true;
        }
        if depth > MAX_DEPTH {
            return Err(PickleProblem::TooDeep);
        }
        self.nodes[target].depth = depth;
        match (&mut self.nodes[target].value, pairs) {
            (Value::Dict(entries), true) => {
                if !items.len().is_multiple_of(2) {
                    return malformed("SETITEMS with an odd number of items");
                }
                entries.extend(items.chunks_exact(2).map(|kv| (kv[0], kv[1])));
            }
            (Value::List(list), false) => list.extend(items),
            (other, _) => {
                let kind = other.kind();
                return malformed(if pairs {
                    format!("SETITEM on {kind}")
                } else {
                    format!("APPEND on {kind}")
                });
            }
        }
        Ok(())
    }

    /// Runs one opcode; the root value once the pickle STOPs.
    fn step(&mut self) -> Step<Option<Id>> {
        self.ops += 1;
        if self.ops > MAX_OPS {
            return Err(PickleProblem::TooLong);
        }
        let op = self.u8()?;
        match op {
            b'.' => return self.pop().map(Some), // STOP
            0x80 => {
                self.u8()?; // PROTO
            }
            0x95 => {
                self.take(8)?; // FRAME
            }
            b'(' => self.marks.push(self.stack.len()),
            b'N' => self.push_leaf(Value::None)?,
            0x88 | 0x89 => self.push_leaf(Value::Bool)?,
            b'J' => {
                let v = i32::from_le_bytes(self.array()?);
                self.push_leaf(Value::Int(v.into()))?;
            }
            b'K' => {
                let v = self.u8()?;
                self.push_leaf(Value::Int(v.into()))?;
            }
            b'M' => {
                let v = u16::from_le_bytes(self.array()?);
                self.push_leaf(Value::Int(v.into()))?;
            }
            0x8a => {
                // LONG1: a little-endian two's complement integer of n bytes.
                let n = self.u8()? as usize;
                let bytes = self.take(n)?;
                if n > 8 {
                    return malformed("an integer is too large");
                }
                let fill = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
                    0xff
                } else {
                    0
                };
                let mut le = [fill; 8];
                le[..n].copy_from_slice(bytes);
                self.push_leaf(Value::Int(i64::from_le_bytes(le)))?;
            }
            b'G' => {
                self.take(8)?;
                self.push_leaf(Value::Float)?;
            }
            b'X' => {
                let n = self.u32()? as usize;
                let s = self.string(n)?;
                self.push_leaf(s)?;
            }
            0x8c => {
                let n = self.u8()? as usize;
                let s = self.string(n)?;
                self.push_leaf(s)?;
            }
            0x8d => {
                let n = usize::try_from(u64::from_le_bytes(self.array()?))
                    .map_err(|_| PickleProblem::EndsEarly)?;
                let s = self.string(n)?;
                self.push_leaf(s)?;
            }
            b'C' => {
                let n = self.u8()? as usize;
                self.take(n)?;
                self.push_leaf(Value::Bytes)?;
            }
            b'B' => {
                let n = self.u32()? as usize;
                self.take(n)?;
                self.push_leaf(Value::Bytes)?;
            }
            b')' => self.push_leaf(Value::Tuple(vec![]))?,
            b']' | 0x8f => self.push_leaf(Value::List(vec![]))?, // EMPTY_LIST, EMPTY_SET
            b'}' => self.push_leaf(Value::Dict(vec![]))?,
            b't' => {
                let items = self.pop_mark()?;
                self.push_new(Value::Tuple(items.clone()), &items)?;
            }
            0x85..=0x87 => {
                // TUPLE1..3
                let n = (op - 0x84) as usize;
                if self.stack.len() < n {
                    return Err(PickleProblem::StackUnderflow);
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.push_new(Value::Tuple(items.clone()), &items)?;
            }
            0x91 => {
                let items = self.pop_mark()?; // FROZENSET
                self.push_new(Value::List(items.clone()), &items)?;
            }
            b'q' => {
                let key = self.u8()?.into();
                self.memo_put(key)?;
            }
            b'r' => {
                let key = self.u32()?;
                self.memo_put(key)?;
            }
            0x94 => {
                let key = u32::try_from(self.memo.len()).or_else(|_| malformed("memo full"))?;
                self.memo_put(key)?; // MEMOIZE
            }
            b'h' => {
                let key = self.u8()?.into();
                self.memo_get(key)?;
            }
            b'j' => {
                let key = self.u32()?;
                self.memo_get(key)?;
            }
            b'0' => {
                self.pop()?;
            }
            b'1' => {
                self.pop_mark()?;
            }
            b'2' => {
                let top = self.top()?; // DUP: the same value again
                self.stack.push(top);
            }
            b'c' => {
                let module = self.line()?;
                let name = self.line()?;
                self.push_leaf(Value::Global { module, name })?;
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                match (self.get(module), self.get(name)) {
                    (Value::Str(m), Value::Str(n)) => {
                        let global = Value::Global {
                            module: m.clone(),
                            name: n.clone(),
                        };
                        self.push_leaf(global)?;
                    }
                    _ => return malformed("STACK_GLOBAL without two names"),
                }
            }
            b'R' | 0x81 => {
                // REDUCE, NEWOBJ
                let args = self.pop()?;
                let callable = self.pop()?;
                let (value, children) = self.call(callable, args)?;
                match value {
                    Called::New(value) => self.push_new(value, &children)?,
                    Called::Existing(id) => self.stack.push(id),
                }
            }
            b'b' => {
                // BUILD sets an object's state (OrderedDict's `_metadata`): not needed here.
                self.pop()?;
                self.top()?;
            }
            b'Q' => {
                let pid = self.pop()?;
                let storage = self.persistent(pid)?;
                self.push_leaf(storage)?;
            }
            b's' => {
                let value = self.pop()?;
                let key = self.pop()?;
                self.add(vec![key, value], true)?;
            }
            b'u' => {
                let items = self.pop_mark()?;
                self.add(items, true)?;
            }
            b'a' => {
                let value = self.pop()?;
                self.add(vec![value], false)?;
            }
            b'e' | 0x90 => {
                let items = self.pop_mark()?;
                self.add(items, false)?;
            }
            other => return Err(PickleProblem::Opcode(other)),
        }
        Ok(None)
    }

    fn get(&self, id: Id) -> &Value {
        &self.nodes[id].value
    }

    fn int(&self, id: Id) -> Step<usize> {
        match self.get(id) {
            Value::Int(i) => {
                usize::try_from(*i).or_else(|_| malformed(format!("negative size {i}")))
            }
            other => malformed(format!("expected an int, found {}", other.kind())),
        }
    }

    fn ints(&self, id: Id) -> Step<Vec<usize>> {
        match self.get(id) {
            Value::Tuple(items) | Value::List(items) => {
                items.iter().map(|&i| self.int(i)).collect()
            }
            other => malformed(format!("expected a tuple of ints, found {}", other.kind())),
        }
    }

    /// What calling a global gives, for the globals a state_dict is made of.
    fn call(&self, callable: Id, args: Id) -> Step<(Called, Vec<Id>)> {
        let Value::Global { module, name } = self.get(callable) else {
            return malformed(format!("the pickle calls {}", self.get(callable).kind()));
        };
        let Value::Tuple(args) = self.get(args) else {
            return malformed(format!("{module}.{name} called without an argument tuple"));
        };
        Ok(match (module.as_str(), name.as_str()) {
            ("collections", "OrderedDict") => (Called::New(Value::Dict(vec![])), vec![]),
            ("torch._utils", "_rebuild_tensor_v2" | "_rebuild_tensor") => {
                let [storage, offset, size, stride, ..] = args.as_slice() else {
                    return malformed(format!("{name} with too few arguments"));
                };
                if !matches!(self.get(*storage), Value::Storage { .. }) {
                    return malformed(format!("{name} without a storage"));
                }
                let tensor = Value::Tensor {
                    storage: *storage,
                    offset: self.int(*offset)?,
                    shape: self.ints(*size)?,
                    stride: self.ints(*stride)?,
                };
                (Called::New(tensor), vec![*storage])
            }
            // An nn.Parameter saved directly: its tensor.
            ("torch._utils", "_rebuild_parameter" | "_rebuild_parameter_with_state") => {
                let tensor = *args.first().ok_or_else(|| {
                    PickleProblem::Malformed("a parameter without a tensor".into())
                })?;
                (Called::Existing(tensor), vec![])
            }
            _ => (
                Called::New(Value::Object(format!("{module}.{name}"))),
                vec![],
            ),
        })
    }

    /// `BINPERSID` with `("storage", torch.FloatStorage, key, location, numel)`.
    fn persistent(&self, pid: Id) -> Step<Value> {
        let Value::Tuple(items) = self.get(pid) else {
            return malformed(format!("a persistent id that is {}", self.get(pid).kind()));
        };
        match items
            .iter()
            .map(|&i| self.get(i))
            .collect::<Vec<_>>()
            .as_slice()
        {
            [
                Value::Str(kind),
                Value::Global { name: class, .. },
                Value::Str(key),
                ..,
            ] if kind == "storage" => Ok(Value::Storage {
                key: key.clone(),
                class: class.clone(),
            }),
            _ => malformed("a persistent id that is not a storage"),
        }
    }
}

/// What a call gives: a new value, or one that already exists (a parameter's tensor).
enum Called {
    New(Value),
    Existing(Id),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ops: &[u8]) -> Result<Pickle, PickleError> {
        load(ops)
    }

    #[test]
    fn dup_refers_to_one_value() {
        // [] then 48 times (DUP, TUPLE2): 2^48 leaves if copied, 49 values when shared.
        let mut ops = vec![0x80, 2, b']'];
        for _ in 0..48 {
            ops.extend([b'2', 0x86]);
        }
        ops.push(b'.');
        let pickle = run(&ops).unwrap();
        assert_eq!(pickle.nodes.len(), 49);
        assert!(matches!(pickle.get(pickle.root), Value::Tuple(items) if items[0] == items[1]));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut ops = vec![0x80, 2, b')'];
        // TUPLE1 around the last value, one level more than allowed.
        ops.extend(std::iter::repeat_n(0x85, MAX_DEPTH as usize + 1));
        ops.push(b'.');
        assert_eq!(run(&ops).unwrap_err().problem, PickleProblem::TooDeep);
    }

    #[test]
    fn a_container_cannot_change_inside_another() {
        // L = []; memo 0; (L,) ; get L; append None to it.
        let ops = [0x80, 2, b']', b'q', 0, 0x85, b'h', 0, b'N', b'a', b'.'];
        assert_eq!(run(&ops).unwrap_err().problem, PickleProblem::Frozen);
        // A list put inside itself.
        let ops = [0x80, 2, b']', b'2', b'a', b'.'];
        assert!(matches!(
            run(&ops).unwrap_err().problem,
            PickleProblem::Malformed(_)
        ));
    }

    #[test]
    fn long_pickles_stop() {
        let mut ops = vec![b'N'; MAX_OPS + 1];
        ops.push(b'.');
        assert_eq!(run(&ops).unwrap_err().problem, PickleProblem::TooLong);
    }
}
