//! The MNIST set in memory: one byte per pixel, one per label (~55 MB for all 70,000 digits).

#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;

use sha2::{Digest, Sha256};

use super::idx::{self, DataError, PIXELS, Problem};

/// The four files of the original distribution, as the app serves them under `mnist/`.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";
pub const FILES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];
/// The SHA-256 of each of [`FILES`] as the app ships them in `public/mnist` (MNIST's own
/// files, byte for byte): a download or a cache entry that hashes otherwise is not used.
pub const SHA256: [&str; 4] = [
    "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
];

/// Checks the four files, given as `(name, bytes)` in [`FILES`] order, against [`SHA256`].
pub fn verify(files: [(&str, &[u8]); 4]) -> Result<(), DataError> {
    for ((name, bytes), expected) in files.into_iter().zip(SHA256) {
        let found = format!("{:x}", Sha256::digest(bytes));
        if found != expected {
            return Err(DataError::new(name, Problem::NotMnist { found, expected }));
        }
    }
    Ok(())
}

/// How many times `extra` digits of one's own are repeated beside `base` training digits so
/// that they make about [`EXTRA_SHARE`] of each epoch (at least once, at most [`MAX_COPIES`]).
pub fn extra_copies(base: usize, extra: usize) -> usize {
    let wanted = EXTRA_SHARE / (1.0 - EXTRA_SHARE) * base as f64 / extra.max(1) as f64;
    (wanted.round() as usize).clamp(1, MAX_COPIES)
}

/// The most copies of one's own digits an epoch repeats: 200 × a dozen digits is ~5 % of MNIST.
pub const MAX_COPIES: usize = 200;

/// The share of each epoch one's own digits are repeated to: enough to move the weights
/// towards one's handwriting, little enough that MNIST keeps most of the gradient.
pub const EXTRA_SHARE: f64 = 0.05;

/// How the files of a set of digits named `name` end, after MNIST's (`t10k-images-idx3-ubyte.gz`):
/// the page exports the user's own digits as `my-digits-images-idx3-ubyte.gz` and its labels.
pub const IMAGES_SUFFIX: &str = "-images-idx3-ubyte.gz";
pub const LABELS_SUFFIX: &str = "-labels-idx1-ubyte.gz";

/// A set of labelled digits: as many 28×28 images as labels, every label a digit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// `len() * 784` pixels, 0 (paper) to 255 (ink).
    images: Vec<u8>,
    labels: Vec<u8>,
}

impl Split {
    /// Digits from their pixels (784 per image) and labels, checked.
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> Result<Self, Problem> {
        if images.len() != labels.len() * PIXELS {
            return Err(Problem::CountMismatch {
                images: images.len() / PIXELS,
                labels: labels.len(),
            });
        }
        if let Some((index, &value)) = labels.iter().enumerate().find(|(_, v)| **v > 9) {
            return Err(Problem::LabelOutOfRange { index, value });
        }
        Ok(Self { images, labels })
    }

    /// Parses an image file and its label file (gzip'd or raw IDX).
    pub fn parse(images: (&str, &[u8]), labels: (&str, &[u8])) -> Result<Self, DataError> {
        Self::parse_up_to(images, labels, idx::MAX_ITEMS)
    }

    /// [`Split::parse`] of files announcing at most `max` digits, refused from their headers
    /// (before anything is inflated) otherwise.
    pub fn parse_up_to(
        (images_name, images): (&str, &[u8]),
        (labels_name, labels): (&str, &[u8]),
        max: usize,
    ) -> Result<Self, DataError> {
        let images = idx::parse_images_up_to(images_name, images, max)?;
        let labels = idx::parse_labels_up_to(labels_name, labels, max)?;
        Self::new(images, labels)
            .map_err(|problem| DataError::new(format!("{images_name} + {labels_name}"), problem))
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Every image's pixels, one after the other.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    pub fn image(&self, index: usize) -> &[u8] {
        &self.images[index * PIXELS..(index + 1) * PIXELS]
    }

    /// The gzip'd IDX image and label files that [`Split::parse`] reads back.
    pub fn to_idx(&self) -> (Vec<u8>, Vec<u8>) {
        (
            idx::images_file(&self.images),
            idx::labels_file(&self.labels),
        )
    }

    /// These digits, then `copies` copies of `extra`'s: a small set of one's own digits
    /// repeated so that it counts beside a large one.
    pub fn with_extra(&self, extra: &Split, copies: usize) -> Self {
        let mut mixed = self.clone();
        for _ in 0..copies {
            mixed.images.extend_from_slice(&extra.images);
            mixed.labels.extend_from_slice(&extra.labels);
        }
        mixed
    }

    /// A share to measure on, and the rest to train on: of each digit's items in order, the
    /// second of every `every` is held out (so any digit with two or more items gives one).
    /// Returns (to train on, held out).
    pub fn hold_out(&self, every: usize) -> (Self, Self) {
        let mut seen = [0usize; 10];
        let (mut train, mut held) = (Self::default(), Self::default());
        for i in 0..self.len() {
            let label = self.labels[i];
            let to = match seen[label as usize] % every.max(2) {
                1 => &mut held,
                _ => &mut train,
            };
            seen[label as usize] += 1;
            to.images.extend_from_slice(self.image(i));
            to.labels.push(label);
        }
        (train, held)
    }

    /// The same digits, each distinct image once (its first label): the same 28×28 pixels kept
    /// twice would be one digit that a held-out share and training could both contain.
    pub fn unique(&self) -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut out = Self::default();
        for i in 0..self.len() {
            if seen.insert(self.image(i)) {
                out.images.extend_from_slice(self.image(i));
                out.labels.push(self.labels[i]);
            }
        }
        out
    }

    /// The first `n` items (all of them if `n` is larger): for quick runs on a subset.
    pub fn take(&self, n: usize) -> Self {
        self.range(0, n)
    }

    /// Items `start..end` (clamped to the split).
    pub fn range(&self, start: usize, end: usize) -> Self {
        let end = end.min(self.len());
        let start = start.min(end);
        Self {
            images: self.images[start * PIXELS..end * PIXELS].to_vec(),
            labels: self.labels[start..end].to_vec(),
        }
    }
}

/// The full training and test sets.
#[derive(Debug, Clone)]
pub struct Mnist {
    pub train: Split,
    pub test: Split,
}

impl Mnist {
    /// Parses the four files, given as `(name, bytes)` in [`FILES`] order.
    pub fn parse(files: [(&str, &[u8]); 4]) -> Result<Self, DataError> {
        Ok(Self {
            train: Split::parse(files[0], files[1])?,
            test: Split::parse(files[2], files[3])?,
        })
    }

    /// Loads the four files from a folder.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        let files = read_all(dir)?;
        Self::parse(
            files
                .each_ref()
                .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
        )
    }

    /// Loads the four files from a folder, refusing any that is not MNIST's ([`verify`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_verified(dir: &Path) -> Result<Self, DataError> {
        let files = read_all(dir)?;
        let named = files
            .each_ref()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()));
        verify(named)?;
        Self::parse(named)
    }
}

/// The four files of `dir` as `(path, bytes)`, each read with [`idx::MAX_FILE_BYTES`] as its cap.
#[cfg(not(target_arch = "wasm32"))]
fn read_all(dir: &Path) -> Result<[(String, Vec<u8>); 4], DataError> {
    let [a, b, c, d] = FILES.map(|name| read(&dir.join(name)));
    Ok([a?, b?, c?, d?])
}

#[cfg(not(target_arch = "wasm32"))]
fn read(path: &Path) -> Result<(String, Vec<u8>), DataError> {
    let name = path.display().to_string();
    match crate::files::read_capped(path, idx::MAX_FILE_BYTES) {
        Ok(bytes) => Ok((name, bytes)),
        Err(e) => Err(DataError::new(name, Problem::Io(e.to_string()))),
    }
}

/// The one set of digits in `dir`: a `NAME-images-idx3-ubyte.gz` file and its
/// `NAME-labels-idx1-ubyte.gz` (e.g. the page's export of the user's own digits).
#[cfg(not(target_arch = "wasm32"))]
pub fn load_set(dir: &Path) -> Result<Split, DataError> {
    let fail =
        |problem: &str| DataError::new(dir.display().to_string(), Problem::Io(problem.to_string()));
    let entries = std::fs::read_dir(dir).map_err(|e| fail(&e.to_string()))?;
    let names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(IMAGES_SUFFIX).map(str::to_string))
        .collect();
    let name = match names.as_slice() {
        [one] => one,
        [] => return Err(fail(&format!("no file ending in {IMAGES_SUFFIX}"))),
        many => {
            return Err(fail(&format!(
                "{} sets of digits ({}); point at a folder with one",
                many.len(),
                many.join(", ")
            )));
        }
    };
    let images = read(&dir.join(format!("{name}{IMAGES_SUFFIX}")))?;
    let labels = read(&dir.join(format!("{name}{LABELS_SUFFIX}")))?;
    Split::parse((&images.0, &images.1), (&labels.0, &labels.1))
}
