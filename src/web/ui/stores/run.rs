//! The training run as the page follows it: its state, the hardware it runs on and why, the
//! workers sharing each batch, the last report, the curves and the test accuracy per epoch.

use leptos::prelude::*;

use crate::train::Progress;
use crate::web::i18n::Text;
use crate::web::protocol::{RateChange, RunState};

/// Exponential smoothing of the curves, like TensorBoard's.
const SMOOTHING: f64 = 0.6;

/// A point of the training curves: the global step, smoothed loss and accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub step: f64,
    pub loss: f64,
    pub accuracy: f64,
}

#[derive(Clone, Copy)]
pub struct Run {
    pub state: RwSignal<RunState>,
    /// The backend training runs on, the path its steps take (our kernels or burn's
    /// autodiff) and why that backend.
    pub backend: RwSignal<Option<(String, bool, Text)>>,
    /// Workers sharing each batch of the run.
    pub workers: RwSignal<usize>,
    pub progress: RwSignal<Option<Progress>>,
    pub history: RwSignal<Vec<Point>>,
    /// The test accuracy after each epoch.
    pub test_accuracy: RwSignal<Vec<(usize, f64)>>,
    /// Learning rates changed during the run.
    pub rate_changes: RwSignal<Vec<RateChange>>,
}

impl Run {
    pub fn new() -> Self {
        Self {
            state: RwSignal::new(RunState::Idle),
            backend: RwSignal::new(None),
            workers: RwSignal::new(1),
            progress: RwSignal::new(None),
            history: RwSignal::new(vec![]),
            test_accuracy: RwSignal::new(vec![]),
            rate_changes: RwSignal::new(vec![]),
        }
    }

    pub fn training(self) -> bool {
        self.state.get() != RunState::Idle
    }

    /// A training report: the curves gain a smoothed point.
    pub fn progressed(self, p: Progress) {
        self.history.update(|h| {
            let step = p.steps_done() as f64;
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

    /// Clears the curves for a new run.
    pub fn reset(self) {
        self.history.set(vec![]);
        self.test_accuracy.set(vec![]);
        self.rate_changes.set(vec![]);
        self.progress.set(None);
        self.backend.set(None);
        self.workers.set(1);
    }

    /// The worker that ran it is gone: nothing runs.
    pub fn lost(self) {
        self.state.set(RunState::Idle);
        self.backend.set(None);
        self.workers.set(1);
    }
}
