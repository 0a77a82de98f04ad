//! My digits: drawings the user labelled (under the drawing: a click on the right digit or a
//! key 0–9), kept in this browser and grouped by digit; the current weights evaluated on them,
//! and the set written to or read from gzip'd IDX files the CLI takes (the worker writes and
//! checks them).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::data::mnist::{IMAGES_SUFFIX, LABELS_SUFFIX};
use crate::web::js::describe;
use crate::web::protocol::{Bytes, MAX_IMPORT_BYTES, MAX_MY_DIGITS, ToWorker};

use crate::web::i18n::Text;
use crate::web::ui::client;
use crate::web::ui::services::database::MyDigit;
use crate::web::ui::state::Ui;
use crate::web::ui::stores::Level;
use crate::web::ui::stores::my_digits::MyDigits;
use crate::web::ui::widgets::digits::Digit;
use crate::web::ui::words::{said, say, t, tr};

fn percent(accuracy: Option<f64>) -> String {
    accuracy.map_or("–".into(), |a| said!("percent", p = a))
}

/// Digits shown at once: a page of pictures, never one per stored digit.
const PAGE: usize = 100;

/// My digits grouped by label, a page at a time.
#[component]
fn Gallery(my: MyDigits) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let total = move || my.digits.with(Vec::len);
    let pages = move || total().div_ceil(PAGE).max(1);
    // Deleting the last digits of the last page moves back a page.
    Effect::new(move || {
        if page.get() >= pages() {
            page.set(pages() - 1);
        }
    });
    let shown = move || {
        my.digits.with(|all| {
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
                                        on:click=move |_| my.delete(id)>"×"</button>
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

/// Picks gzip'd IDX files for the worker to read (it checks them; the page only caps their
/// size before reading them).
#[component]
fn Import(my: MyDigits) -> impl IntoView {
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
            return my.say(Level::Error, why);
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
                        return my.say(Level::Error, why);
                    }
                }
            }
            my.importing.set(true);
            client::send(ToWorker::ImportDigits { files: read });
        });
    };
    view! {
        <label class="upload">
            {tr!("import-mine")}" "
            <input type="file" multiple data-testid="import-digits" accept=".gz"
                title=tr!("import-title", images = IMAGES_SUFFIX, labels = LABELS_SUFFIX)
                on:change=import />
        </label>
    }
}

/// "Delete all", asked twice.
#[component]
fn ClearAll(my: MyDigits) -> impl IntoView {
    let confirm = RwSignal::new(false);
    let count = move || my.digits.with(Vec::len);
    let clear = move |_| {
        confirm.set(false);
        my.clear();
    };
    view! {
        <Show when=move || !confirm.get() fallback=move || view! {
            <span>{tr!("delete-all-question", count = count())}" "</span>
            <button type="button" class="danger" data-testid="clear-digits-yes" on:click=clear>{tr!("delete-all")}</button>
            <button type="button" on:click=move |_| confirm.set(false)>{tr!("keep-them")}</button>
        }>
            <button type="button" class="danger" data-testid="clear-digits" disabled=move || count() == 0
                on:click=move |_| confirm.set(true)>{tr!("clear-all")}</button>
        </Show>
    }
}

#[component]
pub fn MyDigitsPanel(ui: Ui) -> impl IntoView {
    let my = ui.my;
    my.start();
    let count = move || my.digits.with(Vec::len);
    let evaluate = move |_| client::send(ToWorker::EvaluateDigits(my.as_set()));
    let export = move |_| client::send(ToWorker::ExportDigits(my.as_set()));
    let busy = move || ui.run.training() || ui.weights.with(Option::is_none);
    view! {
        <div class="my-digits">
            <p class="note">
                {tr!("mine-intro")}" "
                <code>"mnist-lab eval --data DIR"</code>" "{tr!("and")}" "<code>"train --extra DIR"</code>"."
            </p>
            {move || my.message.get().map(|(level, text)| {
                let class = match level { Level::Error => "notice error", _ => "notice success" };
                view! { <p class=class role="status" data-testid="digits-message">{move || say(&text)}</p> }
            })}
            <p data-testid="my-digits-count">
                {tr!("mine-count", count = count())}
            </p>
            <Gallery my=my />
            <div class="buttons">
                <button type="button" data-testid="evaluate-digits" disabled=move || count() == 0 || busy()
                    on:click=evaluate>{tr!("evaluate-mine")}</button>
                <button type="button" data-testid="export-digits" disabled=move || count() == 0
                    on:click=export>{tr!("export-mine")}</button>
                <Import my=my />
                <ClearAll my=my />
            </div>
            <Score ui=ui />
            <FineTuneReport ui=ui />
        </div>
    }
}

/// The current weights' accuracy and confusion matrix on My digits, beside MNIST's.
#[component]
fn Score(ui: Ui) -> impl IntoView {
    move || {
        ui.my.report.get().map(|report| {
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
    })
    }
}

/// The last run that mixed in My digits: before and after, on those held out and on MNIST.
#[component]
fn FineTuneReport(ui: Ui) -> impl IntoView {
    move || {
        ui.fine_tune.get().map(|f| {
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
    })
    }
}
