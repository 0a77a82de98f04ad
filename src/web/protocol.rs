//! The typed messages the UI and the training worker exchange (and the training worker and the
//! helpers it starts).
//!
//! Each message crosses `postMessage` as the JavaScript object serde makes of it
//! ([`crate::web::envelope`]); weights and pixels ride inside their variants as [`Bytes`], so a
//! message without the bytes it needs does not exist.

use js_sys::{ArrayBuffer, Float32Array, Uint8Array};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::data::Augment;
use crate::eval::Miss;
use crate::model::ModelConfig;
use crate::train::{Progress, TrainConfig};
use crate::web::i18n::Text;

mod study;
pub use study::*;

/// The shipped pretrained weights, relative to the app's base URL: the page reads digits with
/// them before the worker is up, and the worker starts from them.
pub const PRETRAINED: &str = "weights/tutorial.bpk";

/// This build of the app: a hash of its sources that `cargo xtask dist` gives both modules
/// (`dev` in other builds). The page checks the training worker's: a host or a cache can serve
/// the GPU module of another build beside this page.
pub const BUILD: &str = match option_env!("MNIST_LAB_BUILD") {
    Some(build) => build,
    None => "dev",
};

/// The most digits My digits keeps, and so the most one import may bring: 200 of each digit,
/// hours of drawing by hand. A set larger than that is a dataset rather than one's handwriting
/// (the CLI's `--extra` takes those), and every load of the page reads and draws My digits.
pub const MAX_MY_DIGITS: usize = 2_000;
/// Imported files larger than this are not read: twice an uncompressed IDX file of
/// [`MAX_MY_DIGITS`] images (gzip'd ones are smaller).
pub const MAX_IMPORT_BYTES: usize = 2 * (16 + MAX_MY_DIGITS * crate::data::PIXELS);

/// A network in messages and saved records: its text form (`c8p c16p`), or a preset's name, as
/// records from before networks were editable have it (both parse).
mod arch {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::model::ModelConfig;

    pub fn serialize<S: Serializer>(arch: &ModelConfig, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(arch)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ModelConfig, D::Error> {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }
}

/// Bytes a message carries (a weights file, pixels): a JavaScript typed array inside the
/// message object, which the sender hands over without a copy (its buffer is transferred, so
/// a `Bytes` is made for one message and not used after sending) and the receiver copies once
/// into its own memory with [`Bytes::to_vec`].
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(transparent)]
pub struct Bytes(#[serde(with = "serde_wasm_bindgen::preserve")] Uint8Array);

impl Bytes {
    /// A copy of `bytes` in a buffer of its own.
    pub fn copy(bytes: &[u8]) -> Self {
        Bytes(Uint8Array::from(bytes))
    }

    /// All of `buffer`, not copied (an uploaded file's contents).
    pub fn whole(buffer: &ArrayBuffer) -> Self {
        Bytes(Uint8Array::new(buffer))
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.0.to_vec()
    }

    /// The buffer that moves to the receiving thread.
    pub fn buffer(&self) -> ArrayBuffer {
        self.0.buffer()
    }
}

/// The same bytes (not the same JavaScript array).
impl PartialEq for Bytes {
    fn eq(&self, other: &Self) -> bool {
        self.to_vec() == other.to_vec()
    }
}

/// Floats a message carries (parameters, gradients, augmented images), handed over like
/// [`Bytes`]: a `Float32Array` whose buffer moves with the message.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(transparent)]
pub struct Floats(#[serde(with = "serde_wasm_bindgen::preserve")] Float32Array);

impl Floats {
    /// A copy of `values` in a buffer of its own.
    pub fn copy(values: &[f32]) -> Self {
        Floats(Float32Array::from(values))
    }

    pub fn to_vec(&self) -> Vec<f32> {
        self.0.to_vec()
    }

    /// How many floats (without copying them out).
    pub fn count(&self) -> usize {
        self.0.length() as usize
    }

    pub fn buffer(&self) -> ArrayBuffer {
        self.0.buffer()
    }
}

impl PartialEq for Floats {
    fn eq(&self, other: &Self) -> bool {
        self.to_vec() == other.to_vec()
    }
}

/// Which compute backend trains.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// Time a few steps of each available backend and take the faster.
    Auto,
    WebGpu,
    Cpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 3] = [
        BackendChoice::Auto,
        BackendChoice::WebGpu,
        BackendChoice::Cpu,
    ];

    /// The name in the URL (`?backend=cpu`) and the form.
    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::WebGpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }

    /// The catalogue's message for it in the form (`i18n/*.ftl`).
    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "backend-auto",
            BackendChoice::WebGpu => "backend-webgpu",
            BackendChoice::Cpu => "backend-cpu",
        }
    }
}

impl std::fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for BackendChoice {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        crate::named::by_name(&BackendChoice::ALL, BackendChoice::name, name)
            .ok_or_else(|| format!("unknown backend '{name}': auto, webgpu or cpu"))
    }
}

/// What a training run starts from.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// The worker's current weights (pretrained, uploaded, loaded or trained): fine-tuning.
    Current,
    /// Fresh random weights.
    Random,
}

/// Everything the user sets for a run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub augment: bool,
    /// The network. Runs saved before networks were editable name a preset.
    #[serde(alias = "preset", with = "arch")]
    pub arch: ModelConfig,
    pub seed: u64,
    pub backend: BackendChoice,
    /// Train on the first N training images (60,000: all).
    pub train_images: usize,
    /// Evaluate on the first N test images (10,000: all).
    pub test_images: usize,
    pub init: Init,
    /// Workers that share each batch on the CPU (the training worker and helpers it starts),
    /// at most one per 16 images of a batch.
    pub threads: usize,
    /// Gradients through burn's autodiff on the CPU too, where the written-out kernels would
    /// compute them: what `e2e/bench.js` compares the kernels with (`autodiff=1` in the page's
    /// address; no control). Runs saved before it existed read as `false`.
    #[serde(default)]
    pub autodiff: bool,
}

impl RunSettings {
    /// The core's training settings of these.
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            augment: self.augment.then(Augment::default),
            seed: self.seed,
            ..TrainConfig::default()
        }
    }
}

/// What goes to a worker, by conversation: the link between the worker and whoever started it
/// ([`LinkCall`], [`LinkNews`]), the page's requests to its training worker (the other variants),
/// and a training worker's shares for its helpers ([`ShareRequest`], [`ShareAnswer`]).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum ToWorker {
    Link(LinkCall),
    /// Fetch (or re-fetch after a failure) the dataset.
    LoadData,
    /// `count` random training digits for the sample grid.
    Samples {
        count: usize,
        seed: u64,
    },
    /// Train; with `mine`, the user's own digits join MNIST (see [`FineTune`]).
    Start {
        settings: RunSettings,
        mine: Option<DigitSet>,
    },
    Pause,
    Resume,
    Stop,
    /// The run's learning rate from its next step on.
    SetLearningRate {
        learning_rate: f64,
    },
    /// Time a few training steps of a network on `backend` (Auto: WebGPU where there is an
    /// adapter), for the network editor.
    TimeSteps {
        #[serde(with = "arch")]
        arch: ModelConfig,
        batch_size: usize,
        backend: BackendChoice,
    },
    /// Evaluate the current weights on the first `test_images` test digits.
    Evaluate {
        test_images: usize,
    },
    /// Test digits with this true label and prediction in the last evaluation.
    TestImages {
        label: u8,
        predicted: u8,
        limit: usize,
    },
    /// Replace the current weights: the shipped pretrained ones, random ones of a network, or
    /// a weights file.
    SetWeights(WeightsSource),
    /// The current weights as a PyTorch state_dict (answered with `Pth`).
    ExportPth,
    /// Evaluate the current weights on the user's own digits, 784 pixels per label (answered
    /// with `DigitsEvaluation`).
    EvaluateDigits(DigitSet),
    /// Write the user's digits as gzip'd IDX files (answered with `DigitFiles`).
    ExportDigits(DigitSet),
    /// Read digits from a pair of IDX files, named `NAME-images-idx3-ubyte.gz` and
    /// `NAME-labels-idx1-ubyte.gz` (answered with `DigitsRead`, or `DigitsRefused`).
    ImportDigits {
        files: Vec<(String, Bytes)>,
    },
    Share(ShareRequest),
    /// The first `count` test digits, which the map shows (answered with `TestDigits`).
    TestDigits {
        count: usize,
    },
    /// For the study worker (see [`StudyRequest`]).
    Study(StudyRequest),
}

/// The link, from the starting side: is the worker alive?
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum LinkCall {
    /// Answered at once with `Pong`, unless the worker is stuck or dead.
    Ping { id: u32 },
}

/// The link, from the worker: that it runs, answers, may take long, or panicked.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum LinkNews {
    /// The worker runs; `webgpu` says whether the browser offers WebGPU here, and `build` which
    /// build of the app the worker is ([`BUILD`]).
    Ready {
        webgpu: bool,
        build: String,
    },
    Pong {
        id: u32,
    },
    /// Whether the worker now runs WebGPU work, which can hold its thread (shader compilation)
    /// far longer than CPU work between two answers to a ping.
    Patience {
        gpu: bool,
    },
    /// The worker panicked (it is about to die): what the panic said.
    Panicked {
        message: String,
    },
}

/// From the training worker to a helper it started: the gradients of one share of a batch for
/// the network `arch` with parameters `params` (answered with a [`ShareAnswer`]).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ShareRequest {
    pub id: u32,
    #[serde(with = "arch")]
    pub arch: ModelConfig,
    pub params: Floats,
    pub pixels: Floats,
    pub labels: Vec<u8>,
    pub weight: f32,
}

/// From a helper to the training worker.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum ShareAnswer {
    /// The gradients of share `id`, its loss (weighted by its fraction of the batch) and how
    /// many of its digits the model read right.
    Done {
        id: u32,
        grads: Floats,
        loss: f32,
        correct: u32,
    },
    /// Share `id` could not be computed.
    Failed { id: u32, message: String },
}

/// A message between two threads (the page, the training worker, its helpers).
pub trait Message: Serialize + DeserializeOwned {
    /// The buffers of the bytes and floats this message carries, which move with it.
    fn transfer(&self) -> Vec<ArrayBuffer>;
}

impl Message for ToWorker {
    fn transfer(&self) -> Vec<ArrayBuffer> {
        match self {
            ToWorker::SetWeights(WeightsSource::File { file, .. }) => vec![file.buffer()],
            ToWorker::SetWeights(WeightsSource::Restore { weights, .. }) => vec![weights.buffer()],
            ToWorker::Share(share) => vec![share.params.buffer(), share.pixels.buffer()],
            ToWorker::EvaluateDigits(set) | ToWorker::ExportDigits(set) => {
                vec![set.pixels.buffer()]
            }
            ToWorker::Start {
                mine: Some(set), ..
            } => vec![set.pixels.buffer()],
            ToWorker::ImportDigits { files } => files.iter().map(|(_, b)| b.buffer()).collect(),
            ToWorker::Study(request) => request.transfer(),
            _ => vec![],
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum WeightsSource {
    Pretrained,
    Random {
        #[serde(with = "arch")]
        arch: ModelConfig,
        seed: u64,
    },
    /// A burn record or a PyTorch `.pth`; `name` is for messages.
    File {
        name: String,
        file: Bytes,
    },
    /// The weights a previous worker had (a burn record), as they were: a new worker takes
    /// over after the old one died.
    Restore {
        info: Box<WeightsInfo>,
        weights: Bytes,
    },
}

/// How the dataset download stands, per file.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DataProgress {
    pub loaded: u64,
    pub total: u64,
    pub from_cache: bool,
}

/// Evaluation results, compact enough to send after every epoch.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub confusion: [[u32; 10]; 10],
    pub accuracy: f64,
    pub precision: [f64; 10],
    pub recall: [f64; 10],
    pub f1: [f64; 10],
    /// The first misclassified digits (their pixels travel beside the report).
    pub misses: Vec<Miss>,
    pub total_misses: usize,
}

/// What the weights in a message are.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct WeightsInfo {
    /// The network. Weights saved before networks were editable name a preset.
    #[serde(alias = "preset", with = "arch")]
    pub arch: ModelConfig,
    /// Where they came from, in words ("pretrained", "trained 3 epochs", "MulticlassCNN.pth"),
    /// written in the page's language when shown.
    pub origin: Text,
    pub test_accuracy: Option<f64>,
    /// How a run trained them, for weights a run made (kept when they are saved).
    pub history: Option<RunHistory>,
}

/// Labelled digits of the user's: 784 pixels per label.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DigitSet {
    pub pixels: Bytes,
    pub labels: Vec<u8>,
}

/// The user's digits in a run: some held out to measure on, the rest repeated beside MNIST.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct FineTune {
    pub trained_on: usize,
    pub held_out: usize,
    pub copies: usize,
    /// Their share of each epoch's images.
    pub share: f64,
    pub before: Scores,
    pub after: Option<Scores>,
}

/// Accuracy on the held-out digits (none when too few were held out) and on MNIST's test set.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub held_out: Option<f64>,
    pub mnist: f64,
}

/// How a training run went, kept with the weights it made so that saved runs can be compared.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RunHistory {
    pub settings: RunSettings,
    /// The backend that trained (the last one, after a switch), in words.
    pub backend: String,
    /// Workers that shared each batch (at the end).
    pub workers: usize,
    /// Training time of its finished epochs, pauses and evaluations not counted.
    pub seconds: f64,
    pub epochs: Vec<EpochRecord>,
    /// With the user's digits mixed in: how they were, and the scores before and after.
    pub fine_tune: Option<FineTune>,
    /// Learning rates changed during the run (runs saved before they could be read as none).
    #[serde(default)]
    pub rate_changes: Vec<RateChange>,
}

/// Milliseconds per training step, on what, and whether our kernels took them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct StepTime {
    pub ms: f64,
    pub hardware: String,
    pub kernels: bool,
}

/// A learning rate the run took from step `step` (counted from its start) on.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct RateChange {
    pub step: usize,
    pub learning_rate: f64,
}

/// One finished epoch: its mean training loss and accuracy, and the test accuracy after it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    pub train_loss: f32,
    pub train_accuracy: f32,
    pub test_accuracy: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Idle,
    ChoosingBackend,
    Training,
    Paused,
    Evaluating,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum FromWorker {
    Link(LinkNews),
    DataProgress(DataProgress),
    DataReady {
        train: usize,
        test: usize,
        from_cache: bool,
    },
    DataFailed {
        message: Text,
    },
    /// Training digits for the sample grid: 784 pixels per label.
    Samples {
        labels: Vec<u8>,
        pixels: Bytes,
    },
    State(RunState),
    Backend {
        name: String,
        /// Whether our kernels take the steps (else burn's autodiff).
        kernels: bool,
        reason: Text,
    },
    /// How many workers share each batch: one, or this one and its helpers (fewer after a
    /// helper was lost).
    Workers {
        count: usize,
    },
    Progress(Progress),
    /// The run took a new learning rate.
    RateChanged(RateChange),
    /// What `TimeSteps` measured for the network `arch`, or why it could not.
    StepsTimed {
        #[serde(with = "arch")]
        arch: ModelConfig,
        timed: Result<StepTime, Text>,
    },
    EpochDone {
        epoch: usize,
        test_accuracy: f64,
    },
    /// An evaluation, and the pixels of its `misses`, 784 each.
    Evaluation {
        report: Box<EvalReport>,
        misses: Bytes,
    },
    /// Test digits of one confusion-matrix cell: 784 pixels per index.
    TestImages {
        label: u8,
        predicted: u8,
        indices: Vec<usize>,
        pixels: Bytes,
    },
    /// The worker's current weights changed: what they are, and the burn record.
    Weights {
        info: WeightsInfo,
        weights: Bytes,
    },
    /// The current weights as a PyTorch `.pth` file, asked for with `ExportPth`.
    Pth {
        #[serde(with = "arch")]
        arch: ModelConfig,
        file: Bytes,
    },
    /// The current weights evaluated on the user's digits (`misses` index them).
    DigitsEvaluation {
        report: Box<EvalReport>,
    },
    /// The user's digits as gzip'd IDX files, asked for with `ExportDigits`.
    DigitFiles {
        images: Bytes,
        labels: Bytes,
    },
    /// Digits read from imported IDX files, checked.
    DigitsRead(DigitSet),
    /// How a run that mixed in the user's digits did on the ones it held out, and on MNIST's
    /// test set: before training, and (sent again) after.
    FineTune(FineTune),
    /// Imported files that are not a set of digits, and why.
    DigitsRefused {
        message: Text,
    },
    Finished {
        message: Text,
    },
    Notice {
        message: Text,
    },
    Error {
        message: Text,
    },
    /// An uploaded weights file could not be used; the weights are unchanged.
    FileRefused {
        message: Text,
    },
    Share(ShareAnswer),
    /// A moment of the run for its timeline.
    Snapshot(Snapshot),
    /// The test digits asked for with `TestDigits`.
    TestDigits(DigitSet),
    /// From the study worker (see [`StudyAnswer`]).
    Study(StudyAnswer),
}

impl Message for FromWorker {
    fn transfer(&self) -> Vec<ArrayBuffer> {
        match self {
            FromWorker::Samples { pixels, .. } | FromWorker::TestImages { pixels, .. } => {
                vec![pixels.buffer()]
            }
            FromWorker::Evaluation { misses, .. } => vec![misses.buffer()],
            FromWorker::Weights { weights, .. } => vec![weights.buffer()],
            FromWorker::Pth { file, .. } => vec![file.buffer()],
            FromWorker::DigitFiles { images, labels } => vec![images.buffer(), labels.buffer()],
            FromWorker::DigitsRead(set) | FromWorker::TestDigits(set) => vec![set.pixels.buffer()],
            FromWorker::Snapshot(snapshot) => vec![snapshot.weights.buffer()],
            FromWorker::Share(ShareAnswer::Done { grads, .. }) => vec![grads.buffer()],
            _ => vec![],
        }
    }
}
