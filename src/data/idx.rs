//! Parsing of the IDX files MNIST ships in (gzip'd or raw) into compact `u8` storage.
//!
//! Every failure is a [`DataError`] naming the file and what is wrong with it: data comes from
//! disk or from a network download, so a bad byte must never become a panic, and a header is
//! checked before its data is read, so a small file cannot make us allocate gigabytes.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

/// Side of an MNIST image.
pub const SIDE: usize = 28;
/// Pixels in one MNIST image.
pub const PIXELS: usize = SIDE * SIDE;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
/// Headers announcing more items are refused before anything is allocated: more than any
/// digit set in this format holds (MNIST: 60,000 + 10,000; EMNIST's digits: 240,000 + 40,000).
pub const MAX_ITEMS: usize = 250_000;
/// The largest IDX file this app reads: [`MAX_ITEMS`] images, uncompressed. Files are read with
/// this cap before they are parsed.
pub const MAX_FILE_BYTES: u64 = (16 + MAX_ITEMS * PIXELS) as u64;
/// Past the data, this many bytes are counted for the error message, no more.
const TRAILING_COUNTED: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct DataError {
    pub file: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("corrupt gzip data: {0}")]
    Gzip(String),
    #[error("the file is too short for an IDX header ({0} bytes)")]
    NoHeader(usize),
    #[error(
        "wrong magic number 0x{found:08x} (expected 0x{expected:08x}: is this the right file?)"
    )]
    WrongMagic { found: u32, expected: u32 },
    #[error("images are {rows}x{cols}, expected 28x28")]
    WrongDimensions { rows: u32, cols: u32 },
    #[error("the header announces {count} items, more than the {max} read here")]
    TooManyItems { count: usize, max: usize },
    #[error("it holds no digits")]
    Empty,
    #[error("truncated: expected {expected} bytes of data, found {found}")]
    Truncated { expected: usize, found: usize },
    #[error("{} unexpected bytes after the data", trailing(*extra))]
    TrailingBytes { extra: usize },
    #[error("not the MNIST file this app ships: its SHA-256 is {found}, expected {expected}")]
    NotMnist {
        found: String,
        expected: &'static str,
    },
    #[error("label {value} at index {index} is not a digit 0-9")]
    LabelOutOfRange { index: usize, value: u8 },
    #[error("{images} images but {labels} labels")]
    CountMismatch { images: usize, labels: usize },
}

fn trailing(extra: usize) -> String {
    if extra > TRAILING_COUNTED {
        format!("more than {TRAILING_COUNTED}")
    } else {
        extra.to_string()
    }
}

impl DataError {
    pub fn new(file: impl Into<String>, problem: Problem) -> Self {
        Self {
            file: file.into(),
            problem,
        }
    }
}

/// An IDX file's bytes as a stream: decompressed on the fly if they are gzip'd (by their magic
/// bytes), so a small file cannot make us inflate gigabytes before its header is checked. Read
/// as `gunzip` reads it: every member of a multi-member file, and bytes after the last member
/// that do not start another are an error, not silently dropped.
struct Stream<'a> {
    file: &'a str,
    reader: Box<dyn Read + 'a>,
}

impl<'a> Stream<'a> {
    fn new(file: &'a str, bytes: &'a [u8]) -> Self {
        let reader: Box<dyn Read + 'a> = if bytes.starts_with(&[0x1f, 0x8b]) {
            Box::new(MultiGzDecoder::new(bytes))
        } else {
            Box::new(bytes)
        };
        Self { file, reader }
    }

    fn fail(&self, problem: Problem) -> DataError {
        DataError::new(self.file, problem)
    }

    /// Up to `n` bytes (fewer only at the end of the data). Memory grows with what arrives, not
    /// with what was asked for.
    fn read_up_to(&mut self, n: usize) -> Result<Vec<u8>, DataError> {
        let mut out = Vec::with_capacity(n.min(1 << 16));
        (&mut self.reader)
            .take(n as u64)
            .read_to_end(&mut out)
            .map_err(|e| self.fail(Problem::Gzip(e.to_string())))?;
        Ok(out)
    }

    /// The header's big-endian u32 words, the magic first.
    fn header(&mut self, magic: u32, words: usize) -> Result<Vec<u32>, DataError> {
        let bytes = self.read_up_to(words * 4)?;
        let word = |i: usize| u32::from_be_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap());
        // The magic first: a wrong file is better named that than "too short".
        if bytes.len() >= 4 && word(0) != magic {
            return Err(self.fail(Problem::WrongMagic {
                found: word(0),
                expected: magic,
            }));
        }
        if bytes.len() < words * 4 {
            return Err(self.fail(Problem::NoHeader(bytes.len())));
        }
        Ok((0..words).map(word).collect())
    }

    /// Exactly `expected` bytes, then the end of the data.
    fn body(&mut self, expected: usize) -> Result<Vec<u8>, DataError> {
        let data = self.read_up_to(expected)?;
        if data.len() < expected {
            return Err(self.fail(Problem::Truncated {
                expected,
                found: data.len(),
            }));
        }
        let extra = self.read_up_to(TRAILING_COUNTED + 1)?.len();
        if extra > 0 {
            return Err(self.fail(Problem::TrailingBytes { extra }));
        }
        Ok(data)
    }

    fn count(&self, n: u32, max: usize) -> Result<usize, DataError> {
        match n as usize {
            0 => Err(self.fail(Problem::Empty)),
            count if count > max => Err(self.fail(Problem::TooManyItems { count, max })),
            n => Ok(n),
        }
    }
}

/// Parses an IDX3 image file: returns `count * 784` pixels, row-major, one byte each.
pub fn parse_images(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    parse_images_up_to(file, bytes, MAX_ITEMS)
}

/// [`parse_images`] of a file announcing at most `max` images, refused from its header otherwise.
pub fn parse_images_up_to(file: &str, bytes: &[u8], max: usize) -> Result<Vec<u8>, DataError> {
    let mut stream = Stream::new(file, bytes);
    let h = stream.header(IMAGES_MAGIC, 4)?;
    if (h[2], h[3]) != (SIDE as u32, SIDE as u32) {
        return Err(stream.fail(Problem::WrongDimensions {
            rows: h[2],
            cols: h[3],
        }));
    }
    let n = stream.count(h[1], max.min(MAX_ITEMS))?;
    stream.body(n * PIXELS)
}

/// Parses an IDX1 label file, checking that every label is a digit.
pub fn parse_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    parse_labels_up_to(file, bytes, MAX_ITEMS)
}

/// [`parse_labels`] of a file announcing at most `max` labels.
pub fn parse_labels_up_to(file: &str, bytes: &[u8], max: usize) -> Result<Vec<u8>, DataError> {
    let mut stream = Stream::new(file, bytes);
    let h = stream.header(LABELS_MAGIC, 2)?;
    let n = stream.count(h[1], max.min(MAX_ITEMS))?;
    let labels = stream.body(n)?;
    if let Some((index, &value)) = labels.iter().enumerate().find(|(_, v)| **v > 9) {
        return Err(stream.fail(Problem::LabelOutOfRange { index, value }));
    }
    Ok(labels)
}

/// An IDX3 file of `images` (784 pixels each, row-major), gzip'd as MNIST ships its files:
/// what [`parse_images`] reads back.
pub fn images_file(images: &[u8]) -> Vec<u8> {
    let count = (images.len() / PIXELS) as u32;
    gzip_idx(&[IMAGES_MAGIC, count, SIDE as u32, SIDE as u32], images)
}

/// An IDX1 file of `labels`, gzip'd: what [`parse_labels`] reads back.
pub fn labels_file(labels: &[u8]) -> Vec<u8> {
    gzip_idx(&[LABELS_MAGIC, labels.len() as u32], labels)
}

fn gzip_idx(header: &[u32], data: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(vec![], Compression::default());
    let header: Vec<u8> = header.iter().flat_map(|w| w.to_be_bytes()).collect();
    // Writing to memory cannot fail.
    gz.write_all(&header).expect("in memory");
    gz.write_all(data).expect("in memory");
    gz.finish().expect("in memory")
}
