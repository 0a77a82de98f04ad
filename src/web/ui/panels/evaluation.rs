//! The evaluation view: accuracy, per-class precision/recall/F1, a confusion-matrix heatmap
//! whose cells open their test images, and the misclassified digits.

use leptos::prelude::*;

use crate::data::PIXELS;
use crate::web::protocol::{EvalReport, ToWorker};

use crate::web::ui::client;
use crate::web::ui::state::{Digits, Ui};
use crate::web::ui::widgets::confusion::Confusion;
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
            <Confusion confusion=report.confusion testid="confusion" cells="cell" region="confusion-region"
                open=Callback::new(|(label, predicted)| client::send(ToWorker::TestImages { label, predicted, limit: CELL_IMAGES })) />
        </div>
    }
}
