//! The user's own digits ("My digits"), which the page keeps: evaluating the current weights on
//! them, writing and reading them as gzip'd IDX files (checked like MNIST's), and mixing them
//! into a run's training data with a share held out to measure it on.

use burn::prelude::*;

use super::evaluation::report_of;
use super::state::{Shared, adopt_weights, post};
use crate::data::mnist::{IMAGES_SUFFIX, LABELS_SUFFIX, extra_copies};
use crate::data::{Problem, Split};
use crate::eval::evaluate;
use crate::inference;
use crate::model::{Model, ModelConfig};
use crate::web::i18n::Text;
use crate::web::protocol::{Bytes, DigitSet, FineTune, FromWorker, MAX_MY_DIGITS, Scores};
use crate::weights;

/// Of each digit, the second of every `HOLD_OUT_EVERY` is held out to measure on.
const HOLD_OUT_EVERY: usize = 4;

fn digits(set: &DigitSet) -> Result<Split, Text> {
    Split::new(set.pixels.to_vec(), set.labels.clone())
        .map_err(|e| Text::new("mine-damaged").arg("detail", e.to_string()))
}

pub async fn evaluate_digits(state: Shared, set: DigitSet) {
    let result = async {
        let set = digits(&set)?;
        let bytes = state
            .borrow()
            .weights
            .clone()
            .ok_or(Text::new("no-weights"))?
            .0;
        let device = Device::flex();
        let model = weights::load_any("the current weights", &bytes, &device)?;
        let eval = evaluate(&model, &set, &device).await?;
        Ok::<_, Text>(report_of(&eval))
    }
    .await;
    match result {
        Ok(report) => post(FromWorker::DigitsEvaluation {
            report: Box::new(report),
        }),
        Err(message) => post(FromWorker::Error { message }),
    }
}

pub fn export_digits(set: DigitSet) {
    match digits(&set) {
        Ok(set) => {
            let (images, labels) = set.to_idx();
            post(FromWorker::DigitFiles {
                images: Bytes::copy(&images),
                labels: Bytes::copy(&labels),
            })
        }
        Err(message) => post(FromWorker::Error { message }),
    }
}

/// Reads the pair of files picked for import: one `…-images-idx3-ubyte.gz` and one
/// `…-labels-idx1-ubyte.gz`.
pub fn import_digits(files: Vec<(String, Bytes)>) {
    let find = |suffix: &str| {
        let mut matching = files.iter().filter(|(name, _)| name.ends_with(suffix));
        match (matching.next(), matching.next()) {
            (Some((name, bytes)), None) => Ok((name.as_str(), bytes.to_vec())),
            _ => Err(Text::new("choose-two-files")
                .arg("images", IMAGES_SUFFIX)
                .arg("labels", LABELS_SUFFIX)),
        }
    };
    let result = find(IMAGES_SUFFIX).and_then(|images| {
        let labels = find(LABELS_SUFFIX)?;
        // Refused from the headers: a small gzip can announce and inflate to 250,000 digits.
        Split::parse_up_to((images.0, &images.1), (labels.0, &labels.1), MAX_MY_DIGITS).map_err(
            |e| match e.problem {
                Problem::TooManyItems { count, max } => Text::new("import-too-many")
                    .arg("file", e.file)
                    .arg("count", count)
                    .arg("max", max),
                _ => e.into(),
            },
        )
    });
    match result {
        Ok(set) => post(FromWorker::DigitsRead(DigitSet {
            pixels: Bytes::copy(set.images()),
            labels: set.labels().to_vec(),
        })),
        Err(message) => post(FromWorker::DigitsRefused { message }),
    }
}

/// MNIST's `train` with the user's digits mixed in, all but a held-out share repeated to about
/// 5% of each epoch; returns the mix, the held-out digits and how it was done (scores to come).
pub fn mix(train: &Split, set: &DigitSet) -> Result<(Split, Split, FineTune), Text> {
    let (mine, held_out) = digits(set)?.unique().hold_out(HOLD_OUT_EVERY);
    if mine.is_empty() {
        return Err("My digits has no digit to train on".into());
    }
    let copies = extra_copies(train.len(), mine.len());
    let mixed = train.with_extra(&mine, copies);
    let fine_tune = FineTune {
        trained_on: mine.len(),
        held_out: held_out.len(),
        copies,
        share: (copies * mine.len()) as f64 / mixed.len() as f64,
        before: Scores {
            held_out: None,
            mnist: 0.0,
        },
        after: None,
    };
    Ok((mixed, held_out, fine_tune))
}

/// Accuracy of `model` on the held-out digits (if any) and on `test`.
async fn scores(model: &Model, held_out: &Split, test: &Split) -> Result<Scores, Text> {
    let device = Device::flex();
    let accuracy = async |set: &Split| {
        evaluate(model, set, &device)
            .await
            .map(|e| e.accuracy())
            .map_err(Text::from)
    };
    Ok(Scores {
        held_out: match held_out.is_empty() {
            true => None,
            false => Some(accuracy(held_out).await?),
        },
        mnist: accuracy(test).await?,
    })
}

/// The scores of the weights a run starts from: the current ones (a burn record), or for
/// random weights a fresh model of the run's seed.
pub async fn scores_before(
    (arch, initial, seed): (&ModelConfig, Option<&[u8]>, u64),
    held_out: &Split,
    test: &Split,
) -> Result<Scores, Text> {
    let model = weights::start(arch, initial, seed, &Device::flex())?;
    scores(&model, held_out, test).await
}

/// Scores the weights a run ended with, and keeps the scores with them (in their history,
/// which a saved model keeps) before the run is said to be finished.
pub async fn score_after(state: &Shared, held_out: &Split, test: &Split) -> Result<(), Text> {
    let (bytes, mut info) = state.borrow().weights.clone().ok_or("no weights")?;
    let model = inference::load(&info.arch, "the current weights", &bytes)?;
    let after = scores(&model, held_out, test).await?;
    if let Some(fine_tune) = info.history.as_mut().and_then(|h| h.fine_tune.as_mut()) {
        fine_tune.after = Some(after);
        post(FromWorker::FineTune(fine_tune.clone()));
    }
    adopt_weights(state, bytes, info);
    Ok(())
}
