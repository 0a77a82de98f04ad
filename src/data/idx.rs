//! Parsing of the IDX files MNIST ships in (gzip'd or raw) into compact `u8` storage.
//!
//! Every failure is a [`DataError`] naming the file and what is wrong with it: data comes from
//! disk or from a network download, so a bad byte must never become a panic.

use std::io::Read;

use flate2::read::GzDecoder;

/// Side of an MNIST image.
pub const SIDE: usize = 28;
/// Pixels in one MNIST image.
pub const PIXELS: usize = SIDE * SIDE;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
/// A generous bound so a corrupt header cannot make us allocate gigabytes.
const MAX_ITEMS: usize = 1_000_000;

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
    #[error("the header announces {0} items, more than any MNIST file holds")]
    TooManyItems(usize),
    #[error("truncated: expected {expected} bytes of data, found {found}")]
    Truncated { expected: usize, found: usize },
    #[error("{extra} unexpected bytes after the data")]
    TrailingBytes { extra: usize },
    #[error("label {value} at index {index} is not a digit 0-9")]
    LabelOutOfRange { index: usize, value: u8 },
    #[error("{images} images but {labels} labels")]
    CountMismatch { images: usize, labels: usize },
}

impl DataError {
    pub fn new(file: impl Into<String>, problem: Problem) -> Self {
        Self {
            file: file.into(),
            problem,
        }
    }
}

/// Decompresses `bytes` if they are gzip'd (by their magic bytes), otherwise borrows them.
fn decompress<'a>(file: &str, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, [u8]>, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 6);
        GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| DataError::new(file, Problem::Gzip(e.to_string())))?;
        Ok(out.into())
    } else {
        Ok(bytes.into())
    }
}

/// Reads the first `words` big-endian u32s of the header (the magic first) and checks the magic.
fn header(file: &str, data: &[u8], magic: u32, words: usize) -> Result<Vec<u32>, DataError> {
    let word = |i: usize| {
        u32::from_be_bytes([
            data[4 * i],
            data[4 * i + 1],
            data[4 * i + 2],
            data[4 * i + 3],
        ])
    };
    // The magic first: a wrong file is better named that than "too short".
    if data.len() >= 4 && word(0) != magic {
        return Err(DataError::new(
            file,
            Problem::WrongMagic {
                found: word(0),
                expected: magic,
            },
        ));
    }
    if data.len() < words * 4 {
        return Err(DataError::new(file, Problem::NoHeader(data.len())));
    }
    Ok((0..words).map(word).collect())
}

fn body(file: &str, data: &[u8], offset: usize, expected: usize) -> Result<Vec<u8>, DataError> {
    let found = data.len() - offset;
    if found < expected {
        return Err(DataError::new(file, Problem::Truncated { expected, found }));
    }
    if found > expected {
        return Err(DataError::new(
            file,
            Problem::TrailingBytes {
                extra: found - expected,
            },
        ));
    }
    Ok(data[offset..].to_vec())
}

fn count(file: &str, n: u32) -> Result<usize, DataError> {
    let n = n as usize;
    if n > MAX_ITEMS {
        return Err(DataError::new(file, Problem::TooManyItems(n)));
    }
    Ok(n)
}

/// Parses an IDX3 image file: returns `count * 784` pixels, row-major, one byte each.
pub fn parse_images(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let data = decompress(file, bytes)?;
    let h = header(file, &data, IMAGES_MAGIC, 4)?;
    if (h[2], h[3]) != (SIDE as u32, SIDE as u32) {
        return Err(DataError::new(
            file,
            Problem::WrongDimensions {
                rows: h[2],
                cols: h[3],
            },
        ));
    }
    let n = count(file, h[1])?;
    body(file, &data, 16, n * PIXELS)
}

/// Parses an IDX1 label file, checking that every label is a digit.
pub fn parse_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let data = decompress(file, bytes)?;
    let h = header(file, &data, LABELS_MAGIC, 2)?;
    let n = count(file, h[1])?;
    let labels = body(file, &data, 8, n)?;
    if let Some((index, &value)) = labels.iter().enumerate().find(|(_, v)| **v > 9) {
        return Err(DataError::new(
            file,
            Problem::LabelOutOfRange { index, value },
        ));
    }
    Ok(labels)
}
