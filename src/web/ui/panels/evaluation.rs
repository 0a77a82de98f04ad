//! The evaluation view: accuracy, per-class precision/recall/F1, a confusion-matrix heatmap
//! whose cells open their test images, and the misclassified digits.

use leptos::prelude::*;

use crate::data::PIXELS;
use crate::web::protocol::{EvalReport, ToWorker};

use crate::web::ui::client;
use crate::web::ui::state::{Digits, Ui};
use crate::web::ui::widgets::digits::Gallery;
use crate::web::ui::words::{said, tr};

/// Images fetched when a confusion-matrix cell is opened.
const CELL_IMAGES: usize = 48;
/// "Evaluate current weights" uses the whole test set.
const TEST_IMAGES: usize = 10_000;

#[component]
pub fn EvaluationPanel(ui: Ui) -> impl IntoView {
    let evaluate = move |_| {
        ui.message.set(None);
        client::send(ToWorker::Evaluate {
            test_images: TEST_IMAGES,
        })
    };
    let misses = Signal::derive(move || {
        ui.evaluation.with(|e| match e {
            Some((report, pixels)) => Digits {
                labels: report
                    .misses
                    .iter()
                    .map(|m| {
                        let sure = said!("percent-0", p = m.confidence);
                        format!("{}→{} {sure}", m.label, m.predicted)
                    })
                    .collect(),
                pixels: pixels.clone(),
            },
            None => Digits::default(),
        })
    });
    let cell_digits = Signal::derive(move || ui.cell.get().map(|(_, _, d)| d).unwrap_or_default());
    view! {
        <div class="evaluation">
            <div class="buttons">
                <button type="button" data-testid="evaluate" disabled=move || ui.run.training() || !matches!(ui.data.get(), crate::web::ui::state::DataStatus::Ready { .. })
                    on:click=evaluate>{tr!("evaluate")}</button>
                {move || ui.weights.get().map(|(info, _)| {
                    let (network, origin) = (info.arch.name(), info.origin);
                    view! {
                        <span class="note" data-testid="weights-info">
                            {tr!("current-weights-info", preset = network.clone(), origin = origin.clone())}
                            {info.test_accuracy.map(|a| format!(" · {}", said!("test-accuracy-value", p = a)))}
                        </span>
                    }
                })}
            </div>
            {move || ui.evaluation.get().map(|(report, _)| view! { <Report report=report /> })}
            {move || ui.cell.get().map(|(t, p, d)| view! {
                <h3>{tr!("cell-title", label = t, predicted = p, shown = d.pixels.len() / PIXELS)}</h3>
            })}
            <Show when=move || ui.cell.get().is_some()>
                <Gallery digits=cell_digits testid="cell-gallery" />
            </Show>
            <Show when=move || ui.evaluation.get().is_some()>
                <h3>{tr!("misclassified")}</h3>
                <Gallery digits=misses testid="misses" />
            </Show>
        </div>
    }
}

/// Accuracy, and per class precision, recall and F1 beside the confusion matrix.
#[component]
fn Report(report: EvalReport) -> impl IntoView {
    let total: u32 = report.confusion.iter().flatten().sum();
    view! {
        <p class="accuracy">
            {tr!("eval-accuracy")}" " <strong data-testid="eval-accuracy">{tr!("fraction-4", n = report.accuracy)}</strong>
            " "{tr!("eval-on", total = total, misses = report.total_misses)}
        </p>
        <div class="eval-grid">
            <table class="per-class" data-testid="per-class">
                <thead><tr><th scope="col">{tr!("digit")}</th><th scope="col">{tr!("precision")}</th><th scope="col">{tr!("recall")}</th><th scope="col">"F1"</th></tr></thead>
                <tbody>
                    {(0..10).map(|c| view! {
                        <tr><th scope="row">{c}</th>
                            <td>{tr!("fraction-3", n = report.precision[c])}</td>
                            <td>{tr!("fraction-3", n = report.recall[c])}</td>
                            <td>{tr!("fraction-3", n = report.f1[c])}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <Confusion report=report.clone() />
        </div>
    }
}

/// The confusion matrix as a heatmap whose cells open their test images.
#[component]
fn Confusion(report: EvalReport) -> impl IntoView {
    let max_off = (0..10)
        .flat_map(|t| (0..10).filter(move |&p| p != t).map(move |p| (t, p)))
        .map(|(t, p)| report.confusion[t][p])
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let total: u32 = report.confusion.iter().flatten().sum();
    view! {
        // Wider than a phone: it scrolls sideways in its own box, which the keyboard reaches.
        <div class="table-scroll" tabindex="0" role="region" aria-label=tr!("confusion-region")>
        <table class="confusion" data-testid="confusion" aria-label=tr!("confusion")>
            <thead><tr><th><span aria-hidden="true">{tr!("confusion-corner")}</span><span class="visually-hidden">{tr!("confusion-corner-said")}</span></th>{(0..10).map(|p| view! { <th scope="col">{p}</th> }).collect_view()}</tr></thead>
            <tbody>
                {(0..10u8).map(|t| view! {
                    <tr><th scope="row">{t}</th>
                        {(0..10u8).map(|p| {
                            let n = report.confusion[t as usize][p as usize];
                            let (class, alpha) = if t == p { ("diag", 0.15 + 0.5 * n as f64 / (total as f64 / 10.0).max(1.0)) } else { ("off", 0.9 * n as f64 / max_off) };
                            let label = tr!("confusion-cell", n = n, label = t, predicted = p);
                            view! {
                                <td class=class style=format!("--a:{:.3}", alpha.min(0.9))>
                                    <button type="button" aria-label=label data-testid=format!("cell-{t}-{p}") disabled=n == 0
                                        on:click=move |_| client::send(ToWorker::TestImages { label: t, predicted: p, limit: CELL_IMAGES })>
                                        {n}
                                    </button>
                                </td>
                            }
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}
