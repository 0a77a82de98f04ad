//! Everything the page shows, as signals, and how worker messages update it.

use leptos::prelude::*;

use crate::train::Progress;
use crate::web::protocol::{
    DataProgress, EvalReport, FromWorker, RunState, ToWorker, WeightsInfo, WeightsSource,
};

use super::client;

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
    Failed(String),
}

/// A point of the training curves: the global step, smoothed loss and accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub step: f64,
    pub loss: f64,
    pub accuracy: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
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
    pub run_state: RwSignal<RunState>,
    pub backend: RwSignal<Option<(String, String)>>,
    pub progress: RwSignal<Option<Progress>>,
    pub history: RwSignal<Vec<Point>>,
    pub test_accuracy: RwSignal<Vec<(usize, f64)>>,
    pub evaluation: RwSignal<Option<(EvalReport, Vec<u8>)>>,
    /// The confusion-matrix cell picked, and its test images.
    pub cell: RwSignal<Option<(u8, u8, Digits)>>,
    pub weights: RwSignal<Option<(WeightsInfo, Vec<u8>)>>,
    pub message: RwSignal<Option<(Level, String)>>,
    /// Why a weights file could not be read or used, shown beside the upload.
    pub file_message: RwSignal<Option<String>>,
    /// Counts finished training runs (their weights get saved).
    pub runs_finished: RwSignal<u32>,
}

/// Exponential smoothing of the curves, like TensorBoard's.
const SMOOTHING: f64 = 0.6;

impl Ui {
    pub fn new() -> Self {
        Self {
            webgpu: RwSignal::new(None),
            data: RwSignal::new(DataStatus::Waiting),
            samples: RwSignal::new(Digits::default()),
            run_state: RwSignal::new(RunState::Idle),
            backend: RwSignal::new(None),
            progress: RwSignal::new(None),
            history: RwSignal::new(vec![]),
            test_accuracy: RwSignal::new(vec![]),
            evaluation: RwSignal::new(None),
            cell: RwSignal::new(None),
            weights: RwSignal::new(None),
            message: RwSignal::new(None),
            file_message: RwSignal::new(None),
            runs_finished: RwSignal::new(0),
        }
    }

    pub fn training(&self) -> bool {
        self.run_state.get() != RunState::Idle
    }

    /// Starts the worker and loads what the page needs first.
    pub fn connect(self) {
        client::spawn(
            move |msg, bytes| self.receive(msg, bytes),
            move |e| self.message.set(Some((Level::Error, e))),
        );
    }

    pub fn receive(self, msg: FromWorker, bytes: Option<Vec<u8>>) {
        match msg {
            FromWorker::Ready { webgpu } => {
                self.webgpu.set(Some(webgpu));
                client::send(ToWorker::LoadData, None);
                client::send(ToWorker::SetWeights(WeightsSource::Pretrained), None);
            }
            FromWorker::DataProgress(p) => self.data.set(DataStatus::Loading(p)),
            FromWorker::DataReady {
                train,
                test,
                from_cache,
            } => {
                self.data.set(DataStatus::Ready {
                    train,
                    test,
                    from_cache,
                });
                client::send(
                    ToWorker::Samples {
                        count: 32,
                        seed: js_sys::Date::now() as u64,
                    },
                    None,
                );
            }
            FromWorker::DataFailed { message } => self.data.set(DataStatus::Failed(message)),
            FromWorker::Samples { labels } => self.samples.set(Digits {
                labels: labels.iter().map(|l| l.to_string()).collect(),
                pixels: bytes.unwrap_or_default(),
            }),
            FromWorker::State(state) => self.run_state.set(state),
            FromWorker::Backend { name, reason } => self.backend.set(Some((name, reason))),
            FromWorker::Progress(p) => {
                self.history.update(|h| {
                    let step = ((p.epoch - 1) * p.steps_per_epoch + p.step) as f64;
                    let (loss, accuracy) = match h.last() {
                        Some(last) if step > last.step => (
                            SMOOTHING * last.loss + (1.0 - SMOOTHING) * p.loss as f64,
                            SMOOTHING * last.accuracy + (1.0 - SMOOTHING) * p.accuracy as f64,
                        ),
                        _ => (p.loss as f64, p.accuracy as f64),
                    };
                    h.push(Point {
                        step,
                        loss,
                        accuracy,
                    });
                });
                self.progress.set(Some(p));
            }
            FromWorker::EpochDone {
                epoch,
                test_accuracy,
            } => self
                .test_accuracy
                .update(|t| t.push((epoch, test_accuracy))),
            FromWorker::Evaluation(report) => {
                self.cell.set(None);
                self.evaluation
                    .set(Some((*report, bytes.unwrap_or_default())));
            }
            FromWorker::TestImages {
                label,
                predicted,
                indices,
            } => {
                let labels = indices.iter().map(|i| format!("#{i}")).collect();
                self.cell.set(Some((
                    label,
                    predicted,
                    Digits {
                        labels,
                        pixels: bytes.unwrap_or_default(),
                    },
                )));
            }
            FromWorker::Weights(info) => {
                self.file_message.set(None);
                self.weights.set(Some((info, bytes.unwrap_or_default())));
            }
            FromWorker::Finished { message } => {
                self.message.set(Some((Level::Success, message)));
                self.runs_finished.update(|n| *n += 1);
            }
            FromWorker::Notice { message } => self.message.set(Some((Level::Info, message))),
            FromWorker::Error { message } => self.message.set(Some((Level::Error, message))),
            FromWorker::FileRefused { message } => self.file_message.set(Some(message)),
        }
    }

    /// Clears the curves for a new run.
    pub fn reset_run(&self) {
        self.history.set(vec![]);
        self.test_accuracy.set(vec![]);
        self.progress.set(None);
        self.backend.set(None);
        self.message.set(None);
    }
}
