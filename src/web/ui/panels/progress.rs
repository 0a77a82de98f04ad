//! The run's progress: a tqdm-like bar, speed and time, and the live charts.

use leptos::prelude::*;

use crate::web::protocol::RunState;

use crate::web::ui::state::Ui;
use crate::web::ui::stores::Level;
use crate::web::ui::widgets::chart::{Chart, Mark, Series};
use crate::web::ui::words::{clock, path, said, say, t, tr};

#[component]
pub fn ProgressPanel(ui: Ui) -> impl IntoView {
    let line = move || {
        ui.run.progress.get().map(|p| {
            // Steps per second over the whole run (elapsed counts training time, not pauses).
            let steps_done = p.steps_done();
            let steps_per_sec = steps_done as f64 / p.elapsed_secs.max(1e-9);
            let eta = clock((p.steps_per_epoch - p.step) as f64 / steps_per_sec.max(1e-9));
            said!(
                "progress-line",
                epoch = p.epoch,
                epochs = p.epochs,
                step = p.step,
                steps = p.steps_per_epoch,
                speed = steps_per_sec,
                eta = eta
            )
        })
    };
    view! {
        // Not one live region: every progress report would be read out. The backend chosen, the
        // timing note and the run's messages are.
        <div class="progress-panel">
            {move || ui.run.backend.get().map(|(name, kernels, reason)| view! {
                <p class="note" data-testid="path">{tr!("path-line", path = path(kernels))}</p>
                <p class="backend" data-testid="backend-info" role="status">
                    <strong>{name}</strong>
                    {move || match ui.run.workers.get() {
                        1 => String::new(),
                        n => format!(" · {}", said!("workers", count = n)),
                    }}
                    " · "{move || say(&reason)}
                </p>
            })}
            {move || (ui.run.state.get() == RunState::ChoosingBackend).then(|| view! {
                <p class="note" role="status">{tr!("timing-backends")}</p>
            })}
            {move || ui.message.get().map(|(level, text)| {
                let class = match level { Level::Info => "notice info", Level::Success => "notice success", Level::Error => "notice error" };
                view! { <p class=class data-testid="run-message" role="status">{move || say(&text)}</p> }
            })}
            <Show when=move || ui.run.progress.get().is_some()>
                <div class="bar" role="progressbar" aria-label=tr!("epoch-progress") data-testid="epoch-bar"
                    aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=move || ui.run.progress.get().map_or(0.0, |p| (100.0 * p.step as f64 / p.steps_per_epoch as f64).round())>
                    <div class="fill" style=move || ui.run.progress.get().map_or(String::new(), |p| format!("width:{:.1}%", 100.0 * p.step as f64 / p.steps_per_epoch as f64))></div>
                </div>
                <p class="tqdm" data-testid="progress-line">{line}</p>
                <dl class="stats">
                    <div><dt>{tr!("loss")}</dt><dd data-testid="loss">{move || ui.run.progress.get().map(|p| said!("loss-value", loss = p.loss))}</dd></div>
                    <div><dt>{tr!("train-accuracy")}</dt><dd>{move || ui.run.progress.get().map(|p| said!("percent-2", p = p.epoch_accuracy))}</dd></div>
                    <div><dt>{tr!("images-per-sec")}</dt><dd data-testid="images-per-sec">{move || ui.run.progress.get().map(|p| said!("whole", n = p.images_per_sec.round()))}</dd></div>
                    <div><dt>{tr!("elapsed")}</dt><dd>{move || ui.run.progress.get().map(|p| clock(p.elapsed_secs))}</dd></div>
                    <div><dt>{tr!("test-accuracy")}</dt><dd data-testid="test-accuracy">{move || ui.run.test_accuracy.get().last().map(|&(_, a)| said!("percent-2", p = a))}</dd></div>
                </dl>
            </Show>
            <div class="charts">
                <Chart title="chart-loss" testid="loss-chart" x_label="chart-step" y_range=None
                    series=Signal::derive(move || vec![Series { name: t("series-loss"), class: "s1", points: ui.run.history.with(|h| h.iter().map(|p| (p.step, p.loss)).collect()) }])
                    marks=Signal::derive(move || ui.run.rate_changes.get().iter().map(|c| Mark { x: c.step as f64, label: said!("rate-mark", rate = c.learning_rate, step = c.step) }).collect::<Vec<_>>()) />
                <Chart title="chart-accuracy" testid="accuracy-chart" x_label="chart-epoch" y_range=Some((0.0, 1.0))
                    series=Signal::derive(move || {
                        let per_epoch = ui.run.progress.get().map_or(1.0, |p| p.steps_per_epoch as f64);
                        vec![
                            Series { name: t("series-train"), class: "s2", points: ui.run.history.with(|h| h.iter().map(|p| (p.step / per_epoch, p.accuracy)).collect()) },
                            Series { name: t("series-test"), class: "s3", points: ui.run.test_accuracy.get().iter().map(|&(e, a)| (e as f64, a)).collect() },
                        ]
                    }) />
            </div>
        </div>
    }
}
