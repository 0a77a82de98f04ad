//! The small crafted files that crashed or hung the loaders (each class found in issue 8): every
//! one is now refused by name, quickly and within a small memory budget, or read correctly.

use std::time::Duration;

use burn::prelude::*;
use burn::tensor::DType;
use mnist_lab::data::idx::{MAX_ITEMS, parse_images, parse_labels};
use mnist_lab::data::{PIXELS, Problem as DataProblem};
use mnist_lab::eval::{EvalError, evaluate};
use mnist_lab::preprocess::{PixelFormat, PreprocessError, to_mnist};
use mnist_lab::weights::{
    self, MAX_FILE_BYTES, PickleProblem, Problem, PthError, TensorProblem, WeightsError,
};

use crate::budget::{slack, within};
use crate::common::{gzip, idx_images, idx_labels};
use crate::craft::{self, Pickle};

const MB: usize = 1 << 20;

fn quick() -> Duration {
    Duration::from_secs(2) * slack()
}

/// Loads `bytes` as a weights file named `what`, within 64 MB and [`quick`].
fn load(what: &str, bytes: &[u8]) -> Result<mnist_lab::model::Model, WeightsError> {
    within(what, 64 * MB, quick(), || {
        weights::load_any(what, bytes, &Device::flex())
    })
}

fn problem(what: &str, bytes: &[u8]) -> Problem {
    let err = load(what, bytes).expect_err(what);
    assert_eq!(err.file, what);
    err.problem
}

/// The tutorial's tensors in PyTorch's layout, every value `fill`.
fn tutorial_tensors(fill: f32) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    [
        ("conv1.weight", vec![8, 1, 3, 3]),
        ("conv1.bias", vec![8]),
        ("conv2.weight", vec![16, 8, 3, 3]),
        ("conv2.bias", vec![16]),
        ("fc1.weight", vec![10, 784]),
        ("fc1.bias", vec![10]),
    ]
    .into_iter()
    .map(|(name, shape)| {
        let n = shape.iter().product();
        (name.to_string(), shape, vec![fill; n])
    })
    .collect()
}

/// The same as a burn record of `dtype` (burn's Linear weight is `[in, out]`).
fn tutorial_record(dtype: DType, fill: f64) -> Vec<u8> {
    let tensors = tutorial_tensors(0.0)
        .into_iter()
        .map(|(name, shape, values)| {
            let shape = if name == "fc1.weight" {
                vec![784, 10]
            } else {
                shape
            };
            let bytes = values
                .iter()
                .flat_map(|_| match dtype {
                    DType::F64 => fill.to_le_bytes().to_vec(),
                    DType::F32 => (fill as f32).to_le_bytes().to_vec(),
                    DType::I64 => (fill as i64).to_le_bytes().to_vec(),
                    other => panic!("no writer for {other:?}"),
                })
                .collect();
            (name, dtype, shape, bytes)
        })
        .collect();
    craft::record(tensors)
}

#[test]
fn a_value_referred_to_again_stays_one_value() {
    // [] then 48 × (DUP, TUPLE2): 2^48 lists if references were copies.
    let mut dup = Pickle::new();
    dup.op(b"]");
    for _ in 0..48 {
        dup.op(b"2\x86");
    }
    // The same through the memo: BINPUT 0, then 48 × (BINGET 0, BINGET 0, TUPLE2, BINPUT 0).
    let mut memo = Pickle::new();
    memo.op(b"]q\x00");
    for _ in 0..48 {
        memo.op(b"h\x00h\x00\x86q\x00");
    }
    for (what, mut pickle) in [("dup.pth", dup), ("memo.pth", memo)] {
        let file = craft::pth(&pickle.finish(), &[]);
        assert_eq!(
            problem(what, &file),
            Problem::PyTorch(PthError::NotStateDict("a tuple"))
        );
    }
}

#[test]
fn deep_nesting_is_refused_without_recursing() {
    let mut pickle = Pickle::new();
    pickle.op(b")").op(&vec![0x85; 200_000]); // 200,000 × TUPLE1
    let file = craft::pth(&pickle.finish(), &[]);
    let Problem::PyTorch(PthError::Pickle(e)) = problem("deep.pth", &file) else {
        panic!("not a pickle error");
    };
    assert_eq!(e.problem, PickleProblem::TooDeep);
    assert!(e.to_string().contains("nest more than 64 levels"), "{e}");
}

#[test]
fn many_entries_on_one_large_storage_stop_at_the_budget() {
    // 100,000 names for one 5 MB tensor: 500 GB if each were gathered.
    let numel = 1_250_000;
    let pickle = Pickle::new()
        .state_dict(100_000, |p, i| {
            p.str(&format!("t{i}"));
            if i == 0 {
                p.tensor("0", numel, 0, &[numel], &[1]).op(b"q\x01");
            } else {
                p.op(b"h\x01");
            }
        })
        .finish();
    let file = craft::pth(&pickle, &[vec![0; numel * 4]]);
    let err = within("shared storage", 300 * MB, quick() * 3, || {
        weights::load_any("shared.pth", &file, &Device::flex()).unwrap_err()
    });
    assert_eq!(err.problem, Problem::TooMuchData);
    assert!(err.to_string().contains("256 MB"), "{err}");
}

#[test]
fn an_absurd_rank_is_refused_before_gathering() {
    // A 1000×1000 view padded with 100,000 dimensions of 1: the old reader walked all of them
    // for each of its million elements, for minutes.
    let mut shape = vec![1000, 1000];
    shape.extend(vec![1; 100_000]);
    let mut stride = vec![1000, 1];
    stride.extend(vec![0; 100_000]);
    let pickle = Pickle::new()
        .state_dict(1, |p, _| {
            p.str("conv1.weight")
                .tensor("0", 1_000_000, 0, &shape, &stride);
        })
        .finish();
    let file = craft::pth(&pickle, &[vec![0; 4_000_000]]);
    assert_eq!(
        problem("rank.pth", &file),
        Problem::Tensor {
            name: "conv1.weight".into(),
            problem: TensorProblem::Rank(100_002)
        }
    );
}

#[test]
fn burn_records_hold_floats_only_and_f64_is_converted() {
    assert_eq!(
        problem("int.bpk", &tutorial_record(DType::I64, 1.0)),
        Problem::Tensor {
            name: "conv1.bias".into(),
            problem: TensorProblem::NotFloat("I64".into())
        }
    );
    // An f64 record reads as its f32 twin and runs a forward pass.
    let device = Device::flex();
    let wide = load("f64.bpk", &tutorial_record(DType::F64, 0.25)).unwrap();
    let narrow = load("f32.bpk", &tutorial_record(DType::F32, 0.25)).unwrap();
    let x = || Tensor::<4>::ones([2, 1, 28, 28], &device);
    assert_eq!(
        wide.forward(x()).into_data().try_to_vec::<f32>().unwrap(),
        narrow.forward(x()).into_data().try_to_vec::<f32>().unwrap()
    );
    // A record cut short: its tensors claim more bytes than it holds.
    let mut short = tutorial_record(DType::F32, 0.25);
    short.truncate(short.len() - 4);
    assert!(matches!(
        problem("short.bpk", &short),
        Problem::NotARecord(_)
    ));
}

#[test]
fn non_finite_weights_are_refused_by_name_in_both_formats() {
    let mut tensors = tutorial_tensors(0.1);
    tensors[0].2[5] = f32::NAN;
    let nan = Problem::Tensor {
        name: "conv1.weight".into(),
        problem: TensorProblem::NotFinite("NaN"),
    };
    assert_eq!(problem("nan.pth", &craft::state_dict_pth(&tensors)), nan);
    let err = load("nan.bpk", &tutorial_record(DType::F32, f64::NAN)).unwrap_err();
    assert_eq!(err.to_string(), "nan.bpk: tensor 'conv1.bias' holds NaN");
    tensors[0].2[5] = f32::INFINITY;
    assert!(matches!(
        problem("inf.pth", &craft::state_dict_pth(&tensors)),
        Problem::Tensor {
            problem: TensorProblem::NotFinite("infinity"),
            ..
        }
    ));
}

#[test]
fn weights_whose_outputs_overflow_cannot_be_evaluated() {
    let device = Device::flex();
    let model = load("huge.pth", &craft::state_dict_pth(&tutorial_tensors(1e30))).unwrap();
    let test = crate::mnist().test.take(10);
    let err = pollster::block_on(evaluate(&model, &test, &device)).unwrap_err();
    assert_eq!(err, EvalError::NotFinite);
    let err = pollster::block_on(evaluate(&model, &test.take(0), &device)).unwrap_err();
    assert_eq!(err, EvalError::Empty);
}

#[test]
fn oversized_and_crowded_files_are_refused_cheaply() {
    let big = vec![0u8; MAX_FILE_BYTES + 1];
    assert_eq!(
        problem("big.bpk", &big),
        Problem::TooLarge(MAX_FILE_BYTES + 1)
    );
    // 100,000 empty zip entries and no data.pkl.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(vec![]));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..100_000 {
        zip.start_file(format!("a/{i}"), stored).unwrap();
    }
    let file = zip.finish().unwrap().into_inner();
    let err = within("crowded zip", 128 * MB, quick(), || {
        weights::load_any("crowded.pth", &file, &Device::flex()).unwrap_err()
    });
    assert_eq!(err.problem, Problem::PyTorch(PthError::NoPickle));
}

#[test]
fn idx_headers_are_checked_before_their_data_is_read() {
    // One image announced, 256 MiB of zeros behind it: read no further than the image.
    let bomb = craft::gzip_bomb(&idx_images(1, 28, 28, &[]), 256 * MB);
    let err = within("idx gzip bomb", 8 * MB, quick(), || {
        parse_images("bomb.gz", &bomb).unwrap_err()
    });
    assert!(
        matches!(err.problem, DataProblem::TrailingBytes { extra } if extra > MB),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("more than 1048576 unexpected bytes"),
        "{err}"
    );

    let err = parse_images("many", &idx_images(MAX_ITEMS as u32 + 1, 28, 28, &[])).unwrap_err();
    assert_eq!(
        err.problem,
        DataProblem::TooManyItems {
            count: MAX_ITEMS + 1,
            max: MAX_ITEMS
        }
    );
    let err = parse_images("none", &idx_images(0, 28, 28, &[])).unwrap_err();
    assert_eq!(err.problem, DataProblem::Empty);
    assert_eq!(err.to_string(), "none: it holds no digits");
    let err = parse_labels("none", &gzip(&idx_labels(&[]))).unwrap_err();
    assert_eq!(err.problem, DataProblem::Empty);
    // Announcing more than the file holds costs only what it holds.
    let err = within("idx short", 8 * MB, quick(), || {
        parse_images("short", &idx_images(200_000, 28, 28, &[1; PIXELS])).unwrap_err()
    });
    assert!(matches!(err.problem, DataProblem::Truncated { .. }));
}

#[test]
fn absurd_canvas_sizes_are_refused_not_wrapped() {
    // 2^62 × 4 × 4 bytes wraps to 0 in 64-bit arithmetic.
    let err = to_mnist(&[], 1 << 62, 4, PixelFormat::Rgba).unwrap_err();
    assert!(matches!(err, PreprocessError::WrongSize { .. }));
}
