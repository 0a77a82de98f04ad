//! My digits: drawings the user labelled (under the drawing: a click on the right digit or a
//! key 0–9), kept in this browser and grouped by digit; the current weights evaluated on them,
//! and the set written to or read from gzip'd IDX files the CLI takes (the worker writes and
//! checks them).

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::data::mnist::{IMAGES_SUFFIX, LABELS_SUFFIX};
use crate::web::js::describe;
use crate::web::protocol::{Bytes, DigitSet, MAX_IMPORT_BYTES, MAX_MY_DIGITS, ToWorker};

use super::client;
use super::digits::Digit;
use super::state::{Level, Ui};
use super::store::{self, MyDigit};
use super::words::{said, say, t, tr};
use crate::web::i18n::Text;

/// Re-reads My digits from the browser's store; how many there are.
async fn reload(ui: Ui) -> Result<usize, Text> {
    let digits = store::digits().await?;
    let count = digits.len();
    ui.my_digits.set(digits);
    Ok(count)
}

fn refresh(ui: Ui) {
    spawn_local(async move {
        if let Err(e) = reload(ui).await {
            ui.digits_message.set(Some((Level::Error, e)));
        }
    });
}

/// The address flag that deletes My digits before anything reads them: a way out of a store
/// that keeps the page from working, which needs neither this panel nor the digits to load.
const RESET: (&str, &str) = ("reset", "my-digits");

/// Reads My digits, after deleting them if the page's address asks to (the flag is then taken
/// out of the address, so that a reload keeps what is added next).
fn start(ui: Ui) {
    let Some((url, window)) = page_url() else {
        return refresh(ui);
    };
    if url.search_params().get(RESET.0).as_deref() != Some(RESET.1) {
        return refresh(ui);
    }
    url.search_params().delete(RESET.0);
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
    }
    spawn_local(async move {
        let said = match store::clear_digits().await {
            Ok(()) => (Level::Success, Text::new("digits-reset")),
            Err(e) => (Level::Error, e),
        };
        ui.digits_message.set(Some(said));
        refresh(ui);
    });
}

fn page_url() -> Option<(web_sys::Url, web_sys::Window)> {
    let window = web_sys::window()?;
    let url = web_sys::Url::new(&window.location().href().ok()?).ok()?;
    Some((url, window))
}

/// Keeps `digits`, and says so: as one drawing labelled `label`, or as an import. Imported
/// digits kept already (the same 28×28) are not kept twice, and more than My digits has room
/// for are refused whole.
pub fn add(ui: Ui, digits: Vec<MyDigit>, label: Option<u8>) {
    // A drawing is kept as drawn; a run counts each distinct 28×28 once whatever the store holds.
    let (new, known) = match label {
        Some(_) => (digits, 0),
        None => fresh(ui, digits),
    };
    let room = MAX_MY_DIGITS.saturating_sub(ui.my_digits.with_untracked(Vec::len));
    if new.len() > room {
        let full = Text::new("my-digits-full")
            .arg("max", MAX_MY_DIGITS)
            .arg("room", room);
        return ui.digits_message.set(Some((Level::Error, full)));
    }
    spawn_local(async move {
        let kept = match new.is_empty() {
            true => Ok(()),
            false => store::add_digits(&new).await,
        };
        let said = match kept.and(reload(ui).await) {
            Err(e) => (Level::Error, e),
            Ok(total) => (Level::Success, added(label, new.len(), known, total)),
        };
        ui.digits_message.set(Some(said));
    });
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

/// `digits` less those kept already or met earlier among them (the same 28×28 is one digit,
/// so that a held-out one cannot also be trained on), and how many those were.
fn fresh(ui: Ui, digits: Vec<MyDigit>) -> (Vec<MyDigit>, usize) {
    let mut seen: HashSet<Vec<u8>> = ui
        .my_digits
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
pub fn as_set(digits: &[MyDigit]) -> DigitSet {
    let pixels: Vec<u8> = digits.iter().flat_map(|d| d.pixels.clone()).collect();
    DigitSet {
        pixels: Bytes::copy(&pixels),
        labels: digits.iter().map(|d| d.label).collect(),
    }
}

fn percent(accuracy: Option<f64>) -> String {
    accuracy.map_or("–".into(), |a| said!("percent", p = a))
}

/// Digits shown at once: a page of pictures, never one per stored digit.
const PAGE: usize = 100;

/// My digits grouped by label, a page at a time.
#[component]
fn Gallery(ui: Ui, delete: impl Fn(f64) + Copy + Send + Sync + 'static) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let total = move || ui.my_digits.with(Vec::len);
    let pages = move || total().div_ceil(PAGE).max(1);
    // Deleting the last digits of the last page moves back a page.
    Effect::new(move || {
        if page.get() >= pages() {
            page.set(pages() - 1);
        }
    });
    let shown = move || {
        ui.my_digits.with(|all| {
            let mut sorted: Vec<&MyDigit> = all.iter().collect();
            sorted.sort_by_key(|d| d.label);
            let start = (page.get() * PAGE).min(sorted.len());
            let per_label = |label| all.iter().filter(|d| d.label == label).count();
            let mut groups: Vec<(u8, usize, Vec<MyDigit>)> = vec![];
            for d in &sorted[start..(start + PAGE).min(sorted.len())] {
                match groups.last_mut() {
                    Some((label, _, group)) if *label == d.label => group.push((*d).clone()),
                    _ => groups.push((d.label, per_label(d.label), vec![(*d).clone()])),
                }
            }
            groups
        })
    };
    view! {
        <div class="digit-groups">
            {move || shown().into_iter().map(|(label, count, group)| view! {
                <div class="digit-group" data-testid=format!("my-digits-{label}")>
                    <h3>{label}<span class="note">{format!(" × {count}")}</span></h3>
                    <div class="gallery">
                        {group.into_iter().map(|d| {
                            let id = d.id;
                            let picture = if d.thumbnail.is_empty() {
                                view! { <Digit pixels=d.pixels label="" /> }.into_any()
                            } else {
                                view! { <img class="thumb" src=d.thumbnail alt=tr!("drawn-digit", label = label) /> }.into_any()
                            };
                            view! {
                                <span class="my-digit" data-testid="my-digit">
                                    {picture}
                                    <button type="button" class="remove" aria-label=tr!("delete-digit", label = label)
                                        on:click=move |_| delete(id)>"×"</button>
                                </span>
                            }
                        }).collect_view()}
                    </div>
                </div>
            }).collect_view()}
        </div>
        <Show when=move || { pages() > 1 }>
            <nav class="pager" aria-label=tr!("mine-heading")>
                <button type="button" data-testid="digits-previous" disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>{tr!("previous-page")}</button>
                <span data-testid="digits-page">{tr!("digits-page",
                    from = page.get() * PAGE + 1,
                    to = ((page.get() + 1) * PAGE).min(total()),
                    total = total())}</span>
                <button type="button" data-testid="digits-next" disabled=move || { page.get() + 1 >= pages() }
                    on:click=move |_| page.update(|p| *p += 1)>{tr!("next-page")}</button>
            </nav>
        </Show>
    }
}

#[component]
pub fn MyDigitsPanel(ui: Ui) -> impl IntoView {
    start(ui);
    let confirm_clear = RwSignal::new(false);
    let count = move || ui.my_digits.with(Vec::len);
    let evaluate = move |_| {
        client::send(ToWorker::EvaluateDigits(
            ui.my_digits.with_untracked(|d| as_set(d)),
        ));
    };
    let export = move |_| {
        client::send(ToWorker::ExportDigits(
            ui.my_digits.with_untracked(|d| as_set(d)),
        ));
    };
    let import = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let Some(list) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        input.set_value("");
        if let Some(big) = files.iter().find(|f| f.size() > MAX_IMPORT_BYTES as f64) {
            let why = Text::new("import-file-too-large")
                .arg("file", big.name())
                .arg("size", big.size())
                .arg("max", MAX_IMPORT_BYTES)
                .arg("digits", MAX_MY_DIGITS);
            return ui.digits_message.set(Some((Level::Error, why)));
        }
        spawn_local(async move {
            let mut read = vec![];
            for file in files {
                match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => read.push((file.name(), Bytes::whole(buffer.unchecked_ref()))),
                    Err(e) => {
                        let why = Text::new("cannot-read-file")
                            .arg("file", file.name())
                            .arg("detail", describe(&e));
                        return ui.digits_message.set(Some((Level::Error, why)));
                    }
                }
            }
            ui.pending_import.set(true);
            client::send(ToWorker::ImportDigits { files: read });
        });
    };
    let delete = move |id: f64| {
        spawn_local(async move {
            if let Err(e) = store::delete_digit(id).await {
                ui.digits_message.set(Some((Level::Error, e)));
            }
            refresh(ui);
        })
    };
    let clear = move |_| {
        confirm_clear.set(false);
        spawn_local(async move {
            if let Err(e) = store::clear_digits().await {
                ui.digits_message.set(Some((Level::Error, e)));
            }
            ui.digits_report.set(None);
            refresh(ui);
        })
    };
    let busy = move || ui.training() || ui.weights.with(Option::is_none);

    view! {
        <div class="my-digits">
            <p class="note">
                {tr!("mine-intro")}" "
                <code>"mnist-lab eval --data DIR"</code>" "{tr!("and")}" "<code>"train --extra DIR"</code>"."
            </p>
            {move || ui.digits_message.get().map(|(level, text)| {
                let class = match level { Level::Error => "notice error", _ => "notice success" };
                view! { <p class=class role="status" data-testid="digits-message">{move || say(&text)}</p> }
            })}
            <p data-testid="my-digits-count">
                {tr!("mine-count", count = count())}
            </p>
            <Gallery ui=ui delete=delete />
            <div class="buttons">
                <button type="button" data-testid="evaluate-digits" disabled=move || count() == 0 || busy()
                    on:click=evaluate>{tr!("evaluate-mine")}</button>
                <button type="button" data-testid="export-digits" disabled=move || count() == 0
                    on:click=export>{tr!("export-mine")}</button>
                <label class="upload">
                    {tr!("import-mine")}" "
                    <input type="file" multiple data-testid="import-digits" accept=".gz"
                        title=tr!("import-title", images = IMAGES_SUFFIX, labels = LABELS_SUFFIX)
                        on:change=import />
                </label>
                <Show when=move || !confirm_clear.get() fallback=move || view! {
                    <span>{tr!("delete-all-question", count = count())}" "</span>
                    <button type="button" class="danger" data-testid="clear-digits-yes" on:click=clear>{tr!("delete-all")}</button>
                    <button type="button" on:click=move |_| confirm_clear.set(false)>{tr!("keep-them")}</button>
                }>
                    <button type="button" class="danger" data-testid="clear-digits" disabled=move || count() == 0
                        on:click=move |_| confirm_clear.set(true)>{tr!("clear-all")}</button>
                </Show>
            </div>
            {move || ui.digits_report.get().map(|report| {
                let total: u32 = report.confusion.iter().flatten().sum();
                let correct: u32 = (0..10).map(|c| report.confusion[c][c]).sum();
                let mnist = ui.evaluation.with(|e| e.as_ref().map(|(r, _)| r.accuracy))
                    .or_else(|| ui.weights.with(|w| w.as_ref().and_then(|(i, _)| i.test_accuracy)));
                view! {
                    <p class="accuracy">
                        {tr!("on-mine")}" " <strong data-testid="digits-accuracy">{tr!("fraction-4", n = report.accuracy)}</strong>
                        " "{tr!("correct-of", correct = correct, total = total)}" · "
                        {move || match mnist {
                            Some(a) => said!("on-mnist", accuracy = a),
                            None => t("evaluate-to-compare"),
                        }}
                    </p>
                    <table class="confusion small" data-testid="digits-confusion" aria-label=tr!("mine-confusion")>
                        <thead><tr><th><span aria-hidden="true">{tr!("mine-confusion-corner")}</span><span class="visually-hidden">{tr!("mine-confusion-corner-said")}</span></th>{(0..10).map(|p| view! { <th scope="col">{p}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {(0..10).filter(|&t| report.confusion[t].iter().any(|&n| n > 0)).map(|t| view! {
                                <tr><th scope="row">{t}</th>
                                    {(0..10).map(|p| {
                                        let n = report.confusion[t][p];
                                        let class = if n == 0 { "" } else if t == p { "diag" } else { "off" };
                                        view! { <td class=class style="--a:0.4">{(n > 0).then_some(n)}</td> }
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
            {move || ui.fine_tune.get().map(|f| {
                let after = move |pick: fn(&crate::web::protocol::Scores) -> Option<f64>| match &f.after {
                    Some(a) => format!(" → {}", percent(pick(a))),
                    None => format!(" → {}", t("training-now")),
                };
                view! {
                    <div class="fine-tune" data-testid="fine-tune">
                        <h3>{tr!("fine-tuned")}</h3>
                        <p class="note">{tr!("fine-tuned-note", trained = f.trained_on, copies = f.copies, share = f.share, held = f.held_out)}</p>
                        <table class="settings">
                            <thead><tr><th scope="col">{tr!("chart-accuracy")}</th><th scope="col">{tr!("before-after")}</th></tr></thead>
                            <tbody>
                                <tr><th scope="row">{tr!("held-out-digits")}</th>
                                    <td data-testid="fine-tune-held-out">{percent(f.before.held_out)}{after(|s| s.held_out)}</td></tr>
                                <tr><th scope="row">{tr!("mnist-test-set")}</th>
                                    <td data-testid="fine-tune-mnist">{percent(Some(f.before.mnist))}{after(|s| Some(s.mnist))}</td></tr>
                            </tbody>
                        </table>
                    </div>
                }
            })}
        </div>
    }
}
