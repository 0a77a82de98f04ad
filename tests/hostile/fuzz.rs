//! Fuzz targets over every reader of outside data, run by bolero.
//!
//! Under `cargo test` each target replays its corpus (`__fuzz__/<target>/corpus`: crafted
//! regressions and what longer runs found) and then random inputs for a few seconds
//! (`BOLERO_RANDOM_TEST_TIME_MS` changes that). Coverage-guided runs of the same targets:
//! `cargo xtask fuzz <target> <minutes>` (docs/security.md).
//!
//! Every input runs under a memory budget and a time limit ([`within`]); a target fails on a
//! panic, on a budget or time overrun, or when an accepted input does not behave (a model that
//! loaded must run a forward pass and survive an export and re-import unchanged).

use std::io::{Cursor, Read};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bolero::{TypeGenerator, check};
use burn::prelude::*;
use mnist_lab::data::augment::Augment;
use mnist_lab::data::{PIXELS, Rng, Split, idx};
use mnist_lab::model::Model;
use mnist_lab::preprocess::{PixelFormat, picture, to_mnist};
use mnist_lab::train::{TrainConfig, TrainError, Trainer};
use mnist_lab::weights;

use crate::budget::{slack, within};
use crate::craft::{self, Pickle};

/// Random inputs per target under `cargo test`.
const RANDOM_TIME: Duration = Duration::from_secs(3);
const MB: usize = 1 << 20;

fn limit() -> Duration {
    Duration::from_secs(2) * slack()
}

fn label(target: &str, bytes: &[u8]) -> String {
    let head: String = bytes.iter().take(64).map(|b| format!("{b:02x}")).collect();
    format!("{target} on {} bytes starting {head}", bytes.len())
}

/// Outputs of a forward pass, bit for bit (NaN compares equal to itself).
fn outputs(model: &Model) -> Vec<u32> {
    let device = Device::flex();
    let x = Tensor::<4>::ones([1, 1, 28, 28], &device) * 0.5;
    let logits = model.forward(x).into_data().try_to_vec::<f32>().unwrap();
    logits.iter().map(|v| v.to_bits()).collect()
}

/// What the app does with a weights file: load it into the network it is for, then (if it was
/// accepted) predict with it and export it, and the export must read back the same.
fn use_weights(target: &str, bytes: &[u8]) {
    within(&label(target, bytes), 96 * MB, limit(), || {
        let device = Device::flex();
        let Ok(model) = weights::load_any("input", bytes, &device) else {
            return;
        };
        let exported = weights::to_bytes(&model).expect("an accepted model exports");
        let again = weights::from_bytes(&model.config().init(&device), "export", &exported)
            .expect("an export reads back");
        assert_eq!(outputs(&model), outputs(&again));
    })
}

#[test]
fn pth_file() {
    check!()
        .with_test_time(RANDOM_TIME)
        .for_each(|bytes: &[u8]| use_weights("pth_file", bytes));
}

#[test]
fn burn_record() {
    check!()
        .with_test_time(RANDOM_TIME)
        .for_each(|bytes: &[u8]| use_weights("burn_record", bytes));
}

/// The storages of the PyTorch fixture, `data/0` to `data/5`.
fn fixture_storages() -> &'static [Vec<u8>] {
    static STORAGES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    STORAGES.get_or_init(|| {
        let bytes =
            std::fs::read(crate::common::project("tests/fixtures/MulticlassCNN.pth")).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..6)
            .map(|key| {
                let mut data = vec![];
                archive
                    .by_name(&format!("MulticlassCNN/data/{key}"))
                    .unwrap()
                    .read_to_end(&mut data)
                    .unwrap();
                data
            })
            .collect()
    })
}

/// Any bytes as the pickle of an archive that holds the fixture's storages.
#[test]
fn pth_pickle() {
    check!()
        .with_test_time(RANDOM_TIME)
        .for_each(|pickle: &[u8]| {
            use_weights("pth_pickle", &craft::pth(pickle, fixture_storages()))
        });
}

/// A pickle program of opcodes torch.save writes, in any order and with any arguments: reaches
/// the machine's limits and the gathering of odd views far more often than random bytes.
#[derive(Debug, Clone, TypeGenerator)]
enum Op {
    Mark,
    None,
    Int(u8),
    Str(#[generator(0..4u8)] u8),
    EmptyList,
    EmptyDict,
    EmptyTuple,
    Tuple,
    Tuple1,
    Tuple2,
    Tuple3,
    SetItem,
    SetItems,
    Append,
    Appends,
    Put(#[generator(0..4u8)] u8),
    Get(#[generator(0..4u8)] u8),
    Memoize,
    Dup,
    Pop,
    PopMark,
    OrderedDict,
    Reduce,
    Build,
    Parameter,
    /// A named tensor on storage `key` of the fixture, put into the container on the stack.
    Entry {
        #[generator(0..6u8)]
        name: u8,
        #[generator(0..7u8)]
        key: u8,
        #[generator(0..40u16)]
        offset: u16,
        #[generator(bolero::produce::<Vec<u8>>().with().len(0..10usize))]
        shape: Vec<u8>,
        #[generator(bolero::produce::<Vec<u8>>().with().len(0..10usize))]
        stride: Vec<u8>,
    },
}

const NAMES: [&str; 6] = [
    "conv1.weight",
    "conv1.bias",
    "conv2.weight",
    "conv2.bias",
    "fc1.weight",
    "fc1.bias",
];
const NUMEL: [usize; 7] = [72, 8, 1152, 16, 7840, 10, 0];

fn program(ops: &[Op]) -> Vec<u8> {
    let mut p = Pickle::new();
    p.global("collections", "OrderedDict").op(b")R");
    for op in ops {
        match op {
            Op::Mark => p.op(b"("),
            Op::None => p.op(b"N"),
            Op::Int(v) => p.op(&[b'K', *v]),
            Op::Str(i) => p.str(NAMES[*i as usize]),
            Op::EmptyList => p.op(b"]"),
            Op::EmptyDict => p.op(b"}"),
            Op::EmptyTuple => p.op(b")"),
            Op::Tuple => p.op(b"t"),
            Op::Tuple1 => p.op(&[0x85]),
            Op::Tuple2 => p.op(&[0x86]),
            Op::Tuple3 => p.op(&[0x87]),
            Op::SetItem => p.op(b"s"),
            Op::SetItems => p.op(b"u"),
            Op::Append => p.op(b"a"),
            Op::Appends => p.op(b"e"),
            Op::Put(k) => p.op(&[b'q', *k]),
            Op::Get(k) => p.op(&[b'h', *k]),
            Op::Memoize => p.op(&[0x94]),
            Op::Dup => p.op(b"2"),
            Op::Pop => p.op(b"0"),
            Op::PopMark => p.op(b"1"),
            Op::OrderedDict => p.global("collections", "OrderedDict"),
            Op::Reduce => p.op(b"R"),
            Op::Build => p.op(b"b"),
            Op::Parameter => p.global("torch._utils", "_rebuild_parameter"),
            Op::Entry {
                name,
                key,
                offset,
                shape,
                stride,
            } => {
                let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
                let strides: Vec<usize> = stride.iter().map(|&s| s as usize).collect();
                p.str(NAMES[*name as usize])
                    .tensor(
                        &key.to_string(),
                        NUMEL[*key as usize],
                        *offset as usize,
                        &dims,
                        &strides,
                    )
                    .op(b"s")
            }
        };
    }
    p.finish()
}

#[test]
fn pickle_program() {
    check!()
        .with_type::<Vec<Op>>()
        .with_test_time(RANDOM_TIME)
        .for_each(|ops| {
            use_weights(
                "pickle_program",
                &craft::pth(&program(ops), fixture_storages()),
            )
        });
}

/// The IDX parsers on any bytes, raw and gzip'd, and as a pair of image and label files.
#[test]
fn idx_files() {
    check!()
        .with_test_time(RANDOM_TIME)
        .for_each(|bytes: &[u8]| {
            within(&label("idx_files", bytes), 16 * MB, limit(), || {
                let gzipped = crate::common::gzip(bytes);
                for data in [bytes, &gzipped] {
                    if let Ok(images) = idx::parse_images("images", data) {
                        assert!(!images.is_empty() && images.len().is_multiple_of(PIXELS));
                    }
                    if let Ok(labels) = idx::parse_labels("labels", data) {
                        assert!(!labels.is_empty() && labels.iter().all(|&l| l < 10));
                    }
                    // The same bytes as images and, shifted, as labels.
                    let half = data.len() / 2;
                    if let Ok(split) = Split::parse(("i", &data[..half]), ("l", &data[half..])) {
                        assert_eq!(split.images().len(), split.len() * PIXELS);
                    }
                }
            })
        });
}

/// A picture's declared size from any bytes (what "Open an image…" and `predict` read before
/// decoding): never a panic, and an accepted size is within the budget.
#[test]
fn picture_header() {
    check!()
        .with_test_time(RANDOM_TIME)
        .for_each(|bytes: &[u8]| {
            within(&label("picture_header", bytes), 16 * MB, limit(), || {
                if let Ok((_, width, height)) = picture::check(bytes) {
                    assert!(width > 0 && height > 0 && width * height <= picture::MAX_PIXELS);
                }
            })
        });
}

#[derive(Debug, Clone, TypeGenerator)]
struct Canvas {
    #[generator(0..64usize)]
    width: usize,
    #[generator(0..64usize)]
    height: usize,
    rgba: bool,
    /// Fewer or more bytes than the size needs are tried too.
    #[generator(bolero::produce::<i8>().with().bounds(-2..=2i8))]
    skew: i8,
    seed: u64,
    /// Ink only inside this many pixels of the top-left corner (0: anywhere).
    #[generator(0..8usize)]
    spot: usize,
}

/// Canvas pixels of any size, polarity and content to the model's 28×28 input.
#[test]
fn canvas_to_mnist() {
    check!()
        .with_type::<Canvas>()
        .with_test_time(RANDOM_TIME)
        .for_each(|c| {
            let format = if c.rgba {
                PixelFormat::Rgba
            } else {
                PixelFormat::Gray
            };
            let bpp = if c.rgba { 4 } else { 1 };
            let len = (c.width * c.height * bpp).saturating_add_signed(c.skew as isize);
            let mut rng = Rng::new(c.seed);
            let mut pixels: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
            if c.spot > 0 {
                for (i, p) in pixels.chunks_mut(bpp).enumerate() {
                    let (x, y) = (i % c.width.max(1), i / c.width.max(1));
                    if x >= c.spot || y >= c.spot {
                        p.fill(255);
                    }
                }
            }
            within(
                &format!("canvas_to_mnist on {c:?}"),
                16 * MB,
                limit(),
                || {
                    if let Ok(digit) = to_mnist(&pixels, c.width, c.height, format) {
                        assert!(digit.iter().all(|v| (0.0..=1.0).contains(v)), "{c:?}");
                    }
                },
            )
        });
}

#[derive(Debug, Clone, TypeGenerator)]
struct TinyRun {
    #[generator(1..=6usize)]
    images: usize,
    seed: u64,
    #[generator(1..=8usize)]
    batch: usize,
    #[generator(1..=2usize)]
    epochs: usize,
    /// The learning rate is 10^(-exponent); 0 and below diverge.
    #[generator(-8..=6i32)]
    exponent: i32,
    augment: bool,
    #[generator(1..=3usize)]
    report_every: usize,
    /// Threads that may share a batch (these batches are too small to be shared).
    #[generator(1..=4usize)]
    threads: usize,
}

/// A `Trainer` on a handful of random digits with any settings: it finishes or stops with an
/// error (a diverging loss), and what it trained exports.
#[test]
fn tiny_training() {
    check!()
        .with_type::<TinyRun>()
        .with_test_time(RANDOM_TIME)
        .for_each(|run| {
            let mut rng = Rng::new(run.seed);
            let images = (0..run.images * PIXELS)
                .map(|_| rng.below(256) as u8)
                .collect();
            let labels = (0..run.images).map(|_| rng.below(10) as u8).collect();
            let split = Arc::new(Split::new(images, labels).unwrap());
            let config = TrainConfig {
                epochs: run.epochs,
                batch_size: run.batch,
                learning_rate: 10f64.powi(-run.exponent),
                augment: run.augment.then(Augment::default),
                seed: run.seed,
                report_every: run.report_every,
                threads: run.threads,
                ..TrainConfig::default()
            };
            within(
                &format!("tiny_training on {run:?}"),
                64 * MB,
                limit(),
                || {
                    let device = Device::flex().autodiff();
                    let model = mnist_lab::model::Preset::Tutorial.config();
                    let mut trainer =
                        Trainer::from_scratch(&model, split, config, &device).unwrap();
                    while !trainer.is_finished() {
                        match pollster::block_on(trainer.step()) {
                            Ok(_) => {}
                            Err(TrainError::NonFiniteLoss { .. }) => return,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    weights::to_bytes(&trainer.model()).unwrap();
                },
            )
        });
}
