//! My digits as the page holds them: the digits this browser keeps (in its database), what the
//! current weights score on them, and what happened to them lately.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use super::Level;
use crate::data::PIXELS;
use crate::data::mnist::{IMAGES_SUFFIX, LABELS_SUFFIX};
use crate::web::i18n::Text;
use crate::web::protocol::{Bytes, DigitSet, EvalReport, FromWorker, MAX_MY_DIGITS};
use crate::web::ui::services::database::{self, MyDigit};
use crate::web::ui::services::download::download;

/// The address flag that deletes My digits before anything reads them: a way out of a store
/// that keeps the page from working, which needs neither their panel nor the digits to load.
const RESET: (&str, &str) = ("reset", "my-digits");

#[derive(Clone, Copy)]
pub struct MyDigits {
    /// As the browser keeps them (oldest first).
    pub digits: RwSignal<Vec<MyDigit>>,
    /// The current weights evaluated on them (cleared when the weights change).
    pub report: RwSignal<Option<EvalReport>>,
    /// What happened to them lately (added, imported, refused), said in their panel.
    pub message: RwSignal<Option<(Level, Text)>>,
    /// Whether the worker is reading files picked for import (said if it dies over them).
    pub importing: RwSignal<bool>,
}

impl MyDigits {
    pub fn new() -> Self {
        Self {
            digits: RwSignal::new(vec![]),
            report: RwSignal::new(None),
            message: RwSignal::new(None),
            importing: RwSignal::new(false),
        }
    }

    /// Reads them, after deleting them if the page's address asks to (the flag is then taken
    /// out of the address, so that a reload keeps what is added next).
    pub fn start(self) {
        let Some((url, window)) = page_url() else {
            return self.refresh();
        };
        if url.search_params().get(RESET.0).as_deref() != Some(RESET.1) {
            return self.refresh();
        }
        url.search_params().delete(RESET.0);
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
        }
        spawn_local(async move {
            let said = match database::clear_digits().await {
                Ok(()) => (Level::Success, Text::new("digits-reset")),
                Err(e) => (Level::Error, e),
            };
            self.message.set(Some(said));
            self.refresh();
        });
    }

    /// Re-reads them from the browser's database; how many there are.
    async fn reload(self) -> Result<usize, Text> {
        let digits = database::digits().await?;
        let count = digits.len();
        self.digits.set(digits);
        Ok(count)
    }

    pub fn refresh(self) {
        spawn_local(async move {
            if let Err(e) = self.reload().await {
                self.say(Level::Error, e);
            }
        });
    }

    pub fn say(self, level: Level, text: Text) {
        self.message.set(Some((level, text)));
    }

    /// Keeps `digits`, and says so: as one drawing labelled `label`, or as an import. Imported
    /// digits kept already (the same 28×28) are not kept twice, and more than My digits has
    /// room for are refused whole.
    pub fn add(self, digits: Vec<MyDigit>, label: Option<u8>) {
        // A drawing is kept as drawn; a run counts each distinct 28×28 once whatever is kept.
        let (new, known) = match label {
            Some(_) => (digits, 0),
            None => self.fresh(digits),
        };
        let room = MAX_MY_DIGITS.saturating_sub(self.digits.with_untracked(Vec::len));
        if new.len() > room {
            let full = Text::new("my-digits-full")
                .arg("max", MAX_MY_DIGITS)
                .arg("room", room);
            return self.say(Level::Error, full);
        }
        spawn_local(async move {
            let kept = match new.is_empty() {
                true => Ok(()),
                false => database::add_digits(&new).await,
            };
            let said = match kept.and(self.reload().await) {
                Err(e) => (Level::Error, e),
                Ok(total) => (Level::Success, added(label, new.len(), known, total)),
            };
            self.message.set(Some(said));
        });
    }

    pub fn delete(self, id: f64) {
        spawn_local(async move {
            if let Err(e) = database::delete_digit(id).await {
                self.say(Level::Error, e);
            }
            self.refresh();
        })
    }

    pub fn clear(self) {
        spawn_local(async move {
            if let Err(e) = database::clear_digits().await {
                self.say(Level::Error, e);
            }
            self.report.set(None);
            self.refresh();
        })
    }

    /// `digits` less those kept already or met earlier among them (the same 28×28 is one
    /// digit, so that a held-out one cannot also be trained on), and how many those were.
    fn fresh(self, digits: Vec<MyDigit>) -> (Vec<MyDigit>, usize) {
        let mut seen: HashSet<Vec<u8>> = self
            .digits
            .with_untracked(|kept| kept.iter().map(|d| d.pixels.clone()).collect());
        let offered = digits.len();
        let new: Vec<MyDigit> = digits
            .into_iter()
            .filter(|d| seen.insert(d.pixels.clone()))
            .collect();
        let known = offered - new.len();
        (new, known)
    }

    /// The digits' pixels and labels, as the worker's messages carry them.
    pub fn as_set(self) -> DigitSet {
        self.digits.with_untracked(|digits| {
            let pixels: Vec<u8> = digits.iter().flat_map(|d| d.pixels.clone()).collect();
            DigitSet {
                pixels: Bytes::copy(&pixels),
                labels: digits.iter().map(|d| d.label).collect(),
            }
        })
    }

    /// Applies the worker's messages about My digits (others are not theirs).
    pub fn receive(self, msg: FromWorker) {
        match msg {
            FromWorker::DigitsEvaluation { report } => self.report.set(Some(*report)),
            FromWorker::DigitFiles { images, labels } => {
                for (suffix, bytes) in [(IMAGES_SUFFIX, images), (LABELS_SUFFIX, labels)] {
                    if let Err(e) = download(&format!("my-digits{suffix}"), &bytes.to_vec()) {
                        self.say(Level::Error, e.into());
                    }
                }
            }
            FromWorker::DigitsRead(set) => {
                self.importing.set(false);
                self.add(imported(set), None);
            }
            FromWorker::DigitsRefused { message } => {
                self.importing.set(false);
                self.say(Level::Error, message);
            }
            _ => {}
        }
    }
}

/// Digits the worker read from imported files.
fn imported(set: DigitSet) -> Vec<MyDigit> {
    set.pixels
        .to_vec()
        .chunks_exact(PIXELS)
        .zip(set.labels)
        .map(|(pixels, label)| MyDigit {
            id: 0.0,
            label,
            pixels: pixels.to_vec(),
            thumbnail: String::new(),
        })
        .collect()
}

/// What adding `count` new digits (and skipping `known` ones) to make `total` is called.
fn added(label: Option<u8>, count: usize, known: usize, total: usize) -> Text {
    match (label, known) {
        (Some(label), _) => Text::new("added-as")
            .arg("label", label)
            .arg("total", total),
        (None, 0) => Text::new("imported")
            .arg("count", count)
            .arg("total", total),
        _ => Text::new("import-known")
            .arg("count", count)
            .arg("known", known)
            .arg("total", total),
    }
}

fn page_url() -> Option<(web_sys::Url, web_sys::Window)> {
    let window = web_sys::window()?;
    let url = web_sys::Url::new(&window.location().href().ok()?).ok()?;
    Some((url, window))
}
