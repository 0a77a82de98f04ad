//! Evaluating the current weights, and the test digits behind a cell of the confusion matrix.

use std::sync::Arc;

use burn::prelude::*;

use super::state::{Shared, post};
use crate::data::{PIXELS, Split};
use crate::eval::{Evaluation, evaluate_pausing};
use crate::model::Model;
use crate::web::i18n::Text;
use crate::web::js::yield_now;
use crate::web::protocol::{Bytes, EvalReport, FromWorker, RunState};
use crate::weights;

/// Misclassified digits sent with an evaluation (with their pixels).
const MISSES_SENT: usize = 120;

/// Evaluates the current weights on the CPU backend and sends the report (not during a run:
/// training evaluates after every epoch itself).
pub async fn evaluate_current(state: Shared, test_images: usize) {
    if state.borrow().run.is_some() {
        let message = Text::new("eval-while-training");
        return post(FromWorker::Notice { message });
    }
    post(FromWorker::State(RunState::Evaluating));
    if let Err(message) = evaluate_weights(&state, test_images).await {
        post(FromWorker::Error { message });
    }
    post(FromWorker::State(RunState::Idle));
}

async fn evaluate_weights(state: &Shared, test_images: usize) -> Result<(), Text> {
    let (test, bytes) = {
        let s = state.borrow();
        let test = s.test.clone().ok_or(Text::new("data-not-loaded"))?;
        let (bytes, _) = s.weights.clone().ok_or(Text::new("no-weights"))?;
        (test, bytes)
    };
    let device = Device::flex();
    let model = weights::load_any("the current weights", &bytes, &device)?;
    let test = Arc::new(test.take(test_images));
    report_evaluation(state, &model, &test, &device).await?;
    Ok(())
}

/// Evaluates `model` on `test`, remembers the result and sends the report. Returns the accuracy.
pub async fn report_evaluation(
    state: &Shared,
    model: &Model,
    test: &Split,
    device: &Device,
) -> Result<f64, Text> {
    // Yielding between batches answers Pause, Stop and the UI's pings during a long evaluation.
    let eval = evaluate_pausing(model, test, device, async || yield_now().await).await?;
    let report = report_of(&eval);
    let pixels: Vec<u8> = report
        .misses
        .iter()
        .flat_map(|m| test.image(m.index).to_vec())
        .collect();
    debug_assert_eq!(pixels.len(), report.misses.len() * PIXELS);
    let accuracy = report.accuracy;
    post(FromWorker::Evaluation {
        report: Box::new(report),
        misses: Bytes::copy(&pixels),
    });
    state.borrow_mut().last_eval = Some(eval);
    Ok(accuracy)
}

/// What the page shows of an evaluation: the metrics and the first misclassified digits.
pub fn report_of(eval: &Evaluation) -> EvalReport {
    EvalReport {
        confusion: eval.confusion,
        accuracy: eval.accuracy(),
        precision: std::array::from_fn(|c| eval.precision(c)),
        recall: std::array::from_fn(|c| eval.recall(c)),
        f1: std::array::from_fn(|c| eval.f1(c)),
        total_misses: eval.misses.len(),
        misses: eval.misses.iter().take(MISSES_SENT).cloned().collect(),
    }
}

/// Test digits with this true label and this prediction in the last evaluation.
pub fn test_images(state: &Shared, label: u8, predicted: u8, limit: usize) {
    let s = state.borrow();
    let (Some(test), Some(eval)) = (&s.test, &s.last_eval) else {
        return;
    };
    let indices: Vec<usize> = eval
        .predictions
        .iter()
        .enumerate()
        .filter(|&(i, &p)| p == predicted && test.label(i) == label)
        .map(|(i, _)| i)
        .take(limit)
        .collect();
    let pixels: Vec<u8> = indices
        .iter()
        .flat_map(|&i| test.image(i).to_vec())
        .collect();
    post(FromWorker::TestImages {
        label,
        predicted,
        indices,
        pixels: Bytes::copy(&pixels),
    });
}
