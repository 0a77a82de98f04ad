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
use crate::web::protocol::{Bytes, DigitSet, ToWorker};

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

/// Keeps `digits`, and says so: as one drawing labelled `label`, or as an import.
pub fn add(ui: Ui, digits: Vec<MyDigit>, label: Option<u8>) {
    spawn_local(async move {
        let said = match store::add_digits(&digits).await.and(reload(ui).await) {
            Err(e) => (Level::Error, e),
            Ok(total) => (
                Level::Success,
                match label {
                    Some(label) => Text::new("added-as")
                        .arg("label", label)
                        .arg("total", total),
                    None => Text::new("imported")
                        .arg("count", digits.len())
                        .arg("total", total),
                },
            ),
        };
        ui.digits_message.set(Some(said));
    });
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

#[component]
pub fn MyDigitsPanel(ui: Ui) -> impl IntoView {
    refresh(ui);
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
            <div class="digit-groups">
                {move || (0..10u8).filter_map(|label| {
                    let group: Vec<MyDigit> = ui.my_digits.with(|d| d.iter().filter(|d| d.label == label).cloned().collect());
                    (!group.is_empty()).then(|| view! {
                        <div class="digit-group" data-testid=format!("my-digits-{label}")>
                            <h3>{label}<span class="note">{format!(" × {}", group.len())}</span></h3>
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
                    })
                }).collect_view()}
            </div>
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
