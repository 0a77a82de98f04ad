//! Everything the page shows, as signals, and how worker messages update it.

use leptos::prelude::*;

use crate::model::{ModelConfig, Preset};
use crate::web::js::base_url;
use crate::web::net;
use crate::web::protocol::{
    Bytes, DataProgress, EvalReport, FineTune, FromWorker, Init, LinkNews, MAP_DIGITS, PRETRAINED,
    RunSettings, StepTime, ToWorker, WeightsInfo, WeightsSource,
};

use super::client::{self, Death};
use super::services::address;
use super::services::download::{download, file_stem};
use super::stores::Level;
use super::stores::my_digits::MyDigits;
use super::stores::run::Run;
use super::stores::study::Study;
use crate::web::i18n::{Lang, Text};

/// More worker deaths than this within [`CRASH_WINDOW_MS`] and the page stops restarting it.
const MAX_RESTARTS: usize = 3;
const CRASH_WINDOW_MS: f64 = 60_000.0;
/// The worker starts once the page has its weights, or after this long if they are slow to
/// come (a stalled host): the worker then fetches them itself.
const WORKER_START_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone, Debug, PartialEq)]
pub enum DataStatus {
    /// The worker is starting.
    Waiting,
    Loading(DataProgress),
    Ready {
        train: usize,
        test: usize,
        from_cache: bool,
    },
    Failed(Text),
}

/// Digits with their labels (784 pixels each) for a gallery.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Digits {
    pub labels: Vec<String>,
    pub pixels: Vec<u8>,
}

#[derive(Clone, Copy)]
pub struct Ui {
    pub webgpu: RwSignal<Option<bool>>,
    pub data: RwSignal<DataStatus>,
    pub samples: RwSignal<Digits>,
    pub run: Run,
    /// The run's timeline, and what the study worker made of it.
    pub study: Study,
    pub evaluation: RwSignal<Option<(EvalReport, Vec<u8>)>>,
    /// The confusion-matrix cell picked, and its test images.
    pub cell: RwSignal<Option<(u8, u8, Digits)>>,
    pub weights: RwSignal<Option<(WeightsInfo, Vec<u8>)>>,
    pub message: RwSignal<Option<(Level, Text)>>,
    /// Why a weights file could not be read or used, shown beside the upload.
    pub file_message: RwSignal<Option<Text>>,
    /// Counts finished training runs (their weights get saved).
    pub runs_finished: RwSignal<u32>,
    /// The uploaded file the worker is reading, if any (named if the worker dies over it).
    pub pending_upload: RwSignal<Option<String>>,
    pub my: MyDigits,
    /// The last run that mixed in My digits: before and after, on those held out and on MNIST.
    pub fine_tune: RwSignal<Option<FineTune>>,
    /// A few training steps of a network timed on the CPU (the network editor's): ms per step
    /// and whether our kernels took them.
    pub timed: RwSignal<Option<(ModelConfig, Result<StepTime, Text>)>>,
    /// What the worker said when it panicked, if it did, for the message about its death.
    panic: RwSignal<Option<String>>,
    /// When workers died lately (ms since the epoch).
    deaths: RwSignal<Vec<f64>>,
}

impl Ui {
    pub fn new() -> Self {
        Self {
            webgpu: RwSignal::new(None),
            data: RwSignal::new(DataStatus::Waiting),
            samples: RwSignal::new(Digits::default()),
            run: Run::new(),
            study: Study::new(),
            evaluation: RwSignal::new(None),
            cell: RwSignal::new(None),
            weights: RwSignal::new(None),
            message: RwSignal::new(None),
            file_message: RwSignal::new(None),
            runs_finished: RwSignal::new(0),
            pending_upload: RwSignal::new(None),
            my: MyDigits::new(),
            fine_tune: RwSignal::new(None),
            timed: RwSignal::new(None),
            panic: RwSignal::new(None),
            deaths: RwSignal::new(vec![]),
        }
    }

    /// Fetches the pretrained weights, so a drawing can be read as soon as the page's own small
    /// module runs, and only then starts the worker, whose much larger module and the dataset
    /// would otherwise compete with them for the network and the CPU. The worker then starts
    /// from the page's weights (or fetches them itself if the page could not, or they take
    /// longer than [`WORKER_START_DEADLINE`]).
    pub fn start(self) {
        let connect = move || {
            client::connect(
                move |msg| self.receive(msg),
                move |death| self.worker_died(death),
            )
        };
        set_timeout(connect, WORKER_START_DEADLINE);
        leptos::task::spawn_local(async move {
            match address::shared_weights().await {
                Some(Ok(weights)) => self.weights.set(Some(weights)),
                Some(Err(why)) => {
                    self.message.set(Some((Level::Error, why)));
                    self.fetch_pretrained().await;
                }
                None => self.fetch_pretrained().await,
            }
            connect();
        });
    }

    /// The shipped weights, for reading drawings before the worker is up (unless the page has
    /// weights already).
    async fn fetch_pretrained(self) {
        let url = format!("{}{PRETRAINED}", base_url());
        match net::request(&url).await {
            Ok(download) => match download.bytes(&mut |_| {}).await {
                Ok(bytes) if self.weights.get_untracked().is_none() => {
                    let info = WeightsInfo {
                        arch: Preset::Tutorial.config(),
                        origin: Text::new("origin-pretrained"),
                        test_accuracy: None,
                        history: None,
                    };
                    self.weights.set(Some((info, bytes)));
                }
                Ok(_) => {}
                Err(e) => web_sys::console::warn_1(&e.render(Lang::En).into()),
            },
            Err(e) => web_sys::console::warn_1(&e.render(Lang::En).into()),
        }
    }

    /// The worker was replaced: forget what lived in it, say what happened, and (once the new
    /// one is ready) restore the dataset and the weights. Saved models live in the page's
    /// IndexedDB and are untouched.
    fn worker_died(self, death: Death) {
        let now = js_sys::Date::now();
        self.deaths.update(|d| {
            d.retain(|t| now - t < CRASH_WINDOW_MS);
            d.push(now);
        });
        let why = match (death, self.panic.get_untracked()) {
            (_, Some(panic)) => Text::new("died-panicked").arg("detail", panic),
            (Death::Crashed(error), None) => Text::new("died-crashed").arg("detail", error),
            (Death::Unresponsive(secs), None) => Text::new("died-unresponsive").arg("secs", secs),
            (Death::Stale, None) => Text::new("died-stale"),
        };
        self.panic.set(None);
        let lost_run = self.run.training();
        self.run.lost();
        self.data.set(DataStatus::Waiting);
        self.evaluation.set(None);
        self.cell.set(None);
        if let Some(file) = self.pending_upload.get_untracked() {
            self.pending_upload.set(None);
            self.file_message.set(Some(
                Text::new("upload-killed-worker")
                    .arg("file", file)
                    .arg("why", why.clone()),
            ));
        }
        if self.my.importing.get_untracked() {
            self.my.importing.set(false);
            let killed = Text::new("import-killed-worker").arg("why", why.clone());
            self.my.say(Level::Error, killed);
        }
        if self.deaths.with_untracked(|d| d.len()) > MAX_RESTARTS {
            client::disconnect();
            self.data
                .set(DataStatus::Failed(Text::new("worker-keeps-stopping")));
            self.message.set(Some((
                Level::Error,
                Text::new("worker-gave-up")
                    .arg("times", MAX_RESTARTS)
                    .arg("why", why),
            )));
            return;
        }
        let restarted = match lost_run {
            true => "worker-restarted-run-lost",
            false => "worker-restarted",
        };
        self.message
            .set(Some((Level::Error, Text::new(restarted).arg("why", why))));
    }

    pub fn receive(self, msg: FromWorker) {
        match msg {
            // The channel's own business (client.rs).
            FromWorker::Link(LinkNews::Pong { .. } | LinkNews::Patience { .. }) => {}
            // Helpers answer the training worker, never the page.
            FromWorker::Share(_) => {}
            // The study worker answers its own channel (services/study.rs).
            FromWorker::Study(_) => {}
            msg @ (FromWorker::Snapshot(_) | FromWorker::TestDigits(_)) => self.study.receive(msg),
            FromWorker::Link(LinkNews::Ready { webgpu, .. }) => self.ready(webgpu),
            FromWorker::Link(LinkNews::Panicked { message }) => self.panic.set(Some(message)),
            FromWorker::DataProgress(p) => self.data.set(DataStatus::Loading(p)),
            FromWorker::DataReady {
                train,
                test,
                from_cache,
            } => self.data_ready(train, test, from_cache),
            FromWorker::DataFailed { message } => self.data.set(DataStatus::Failed(message)),
            FromWorker::Samples { labels, pixels } => self.samples.set(Digits {
                labels: labels.iter().map(|l| l.to_string()).collect(),
                pixels: pixels.to_vec(),
            }),
            FromWorker::State(state) => self.run.state.set(state),
            FromWorker::Backend {
                name,
                kernels,
                reason,
            } => self.run.backend.set(Some((name, kernels, reason))),
            FromWorker::Workers { count } => self.run.workers.set(count),
            FromWorker::Progress(p) => self.run.progressed(p),
            FromWorker::RateChanged(change) => self.run.rate_changes.update(|r| r.push(change)),
            FromWorker::StepsTimed { arch, timed } => self.timed.set(Some((arch, timed))),
            FromWorker::EpochDone {
                epoch,
                test_accuracy,
            } => self
                .run
                .test_accuracy
                .update(|t| t.push((epoch, test_accuracy))),
            FromWorker::Evaluation { report, misses } => {
                self.cell.set(None);
                self.evaluation.set(Some((*report, misses.to_vec())));
            }
            FromWorker::TestImages {
                label,
                predicted,
                indices,
                pixels,
            } => self.show_cell(label, predicted, &indices, &pixels.to_vec()),
            FromWorker::Weights { info, weights } => {
                self.file_message.set(None);
                self.my.report.set(None);
                self.pending_upload.set(None);
                self.weights.set(Some((info, weights.to_vec())));
            }
            FromWorker::Pth { arch, file } => self.save_pth(&arch, &file.to_vec()),
            msg @ (FromWorker::DigitsEvaluation { .. }
            | FromWorker::DigitFiles { .. }
            | FromWorker::DigitsRead(_)
            | FromWorker::DigitsRefused { .. }) => self.my.receive(msg),
            FromWorker::FineTune(report) => self.fine_tune.set(Some(report)),
            FromWorker::Finished { message } => {
                self.message.set(Some((Level::Success, message)));
                self.runs_finished.update(|n| *n += 1);
            }
            FromWorker::Notice { message } => self.message.set(Some((Level::Info, message))),
            FromWorker::Error { message } => {
                self.pending_upload.set(None);
                self.message.set(Some((Level::Error, message)))
            }
            FromWorker::FileRefused { message } => {
                self.pending_upload.set(None);
                self.file_message.set(Some(message))
            }
        }
    }

    /// The test images of a confusion-matrix cell.
    fn show_cell(self, label: u8, predicted: u8, indices: &[usize], pixels: &[u8]) {
        let labels = indices.iter().map(|i| format!("#{i}")).collect();
        let pixels = pixels.to_vec();
        self.cell
            .set(Some((label, predicted, Digits { labels, pixels })));
    }

    /// The `.pth` the user asked for, handed to the browser to save.
    fn save_pth(self, arch: &ModelConfig, file: &[u8]) {
        let name = format!("mnist-lab-{}.pth", file_stem(arch));
        if let Err(e) = download(&name, file) {
            self.file_message.set(Some(e.into()));
        }
    }

    /// A new worker: it loads the data, and gets the weights the old one had (after a crash)
    /// or the pretrained ones.
    fn ready(self, webgpu: bool) {
        self.webgpu.set(Some(webgpu));
        client::send(ToWorker::LoadData);
        let weights = match self.weights.get_untracked() {
            Some((info, bytes)) => WeightsSource::Restore {
                info: Box::new(info),
                weights: Bytes::copy(&bytes),
            },
            None => WeightsSource::Pretrained,
        };
        client::send(ToWorker::SetWeights(weights));
    }

    /// MNIST is in the worker: the page asks for a few of its digits to show.
    fn data_ready(self, train: usize, test: usize, from_cache: bool) {
        self.data.set(DataStatus::Ready {
            train,
            test,
            from_cache,
        });
        client::send(ToWorker::Samples {
            count: 32,
            seed: js_sys::Date::now() as u64,
        });
        client::send(ToWorker::TestDigits { count: MAP_DIGITS });
    }

    /// Clears the curves, the timeline and the last message for a new run of `settings`.
    pub fn reset_run(&self, settings: &RunSettings) {
        self.run.reset();
        self.message.set(None);
        let arch = match settings.init {
            Init::Random => Some(settings.arch.clone()),
            Init::Current => self
                .weights
                .with_untracked(|w| w.as_ref().map(|(i, _)| i.arch.clone())),
        };
        if let Some(arch) = arch {
            self.study.start(arch, vec![]);
        }
    }
}
