//! Saved runs side by side: their test accuracy and training loss per epoch on shared charts,
//! and their settings in a table (which is also the charts' text alternative).

use leptos::prelude::*;

use crate::web::protocol::{Init, RunHistory, Scores};
use crate::web::ui::services::database::Saved;
use crate::web::ui::widgets::chart::{Chart, Series};
use crate::web::ui::words::{clock, said, t, tr};

/// Colours for up to six runs (`.s1`…`.s6` in the style sheet), then again from the first.
const CLASSES: [&str; 6] = ["s1", "s2", "s3", "s4", "s5", "s6"];

fn series(runs: &[(String, RunHistory)], value: impl Fn(&RunHistory, usize) -> f64) -> Vec<Series> {
    runs.iter()
        .zip(CLASSES.iter().cycle())
        .map(|((name, h), class)| Series {
            name: name.clone(),
            class,
            points: (0..h.epochs.len())
                .map(|e| ((e + 1) as f64, value(h, e)))
                .collect(),
        })
        .collect()
}

/// The rows of the settings table in the page's language: a label and what each run had.
fn rows(runs: &[(String, RunHistory)]) -> Vec<(String, Vec<String>)> {
    let row = |label: &str, f: &dyn Fn(&RunHistory) -> String| {
        (t(label), runs.iter().map(|(_, h)| f(h)).collect())
    };
    vec![
        row("final-test-accuracy", &|h| {
            h.epochs
                .last()
                .map_or("–".into(), |e| said!("percent-2", p = e.test_accuracy))
        }),
        row("epochs", &|h| {
            said!(
                "epochs-of",
                done = h.epochs.len(),
                planned = h.settings.epochs
            )
        }),
        row("model", &|h| h.settings.arch.name()),
        row("started-from", &|h| match h.settings.init {
            Init::Current => t("earlier-weights"),
            Init::Random => said!("random-seed", seed = h.settings.seed),
        }),
        row("batch-size", &|h| h.settings.batch_size.to_string()),
        row("learning-rate", &|h| {
            let changes = h
                .rate_changes
                .iter()
                .map(|c| said!("rate-mark", rate = c.learning_rate, step = c.step));
            std::iter::once(said!("plain-number", n = h.settings.learning_rate))
                .chain(changes)
                .collect::<Vec<_>>()
                .join(", ")
        }),
        row("augmentation", &|h| {
            t(if h.settings.augment { "on" } else { "off" })
        }),
        row("training-images", &|h| h.settings.train_images.to_string()),
        row("backend", &|h| match h.workers {
            1 => h.backend.clone(),
            n => format!("{} · {}", h.backend, said!("workers", count = n)),
        }),
        row("mine-heading", &|h| match &h.fine_tune {
            None => "–".into(),
            Some(f) => {
                let held = |s: Option<&Scores>| {
                    s.and_then(|s| s.held_out)
                        .map_or("–".into(), |a| said!("percent", p = a))
                };
                said!(
                    "fine-tune-summary",
                    trained = f.trained_on,
                    copies = f.copies,
                    held = f.held_out,
                    before = held(Some(&f.before)),
                    after = held(f.after.as_ref())
                )
            }
        }),
        row("training-time", &|h| match h.seconds {
            s if s < 60.0 => said!("seconds", s = s),
            s => clock(s),
        }),
    ]
}

#[component]
pub fn Comparison(#[prop(into)] models: Signal<Vec<Saved>>) -> impl IntoView {
    let runs = Memo::new(move |_| {
        models.with(|m| {
            let with_history: Vec<&Saved> = m.iter().filter(|s| s.history.is_some()).collect();
            with_history
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    // Runs saved in the same minute share a name: number them apart.
                    let same = with_history.iter().filter(|o| o.name == s.name).count();
                    let name = match same {
                        1 => s.name.clone(),
                        _ => format!("{} #{}", s.name, i + 1),
                    };
                    (name, s.history.clone().expect("filtered"))
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="comparison" data-testid="comparison" aria-label=tr!("comparison")>
            <div class="charts">
                <Chart title="chart-test-by-epoch" testid="compare-accuracy" x_label="chart-epoch" y_range=None tight=true
                    series=Signal::derive(move || runs.with(|r| series(r, |h, e| h.epochs[e].test_accuracy)))/>
                <Chart title="chart-loss-by-epoch" testid="compare-loss" x_label="chart-epoch" y_range=None tight=true
                    series=Signal::derive(move || runs.with(|r| series(r, |h, e| f64::from(h.epochs[e].train_loss))))/>
            </div>
            <div class="table-scroll" tabindex="0" role="region" aria-label=tr!("compare-settings")>
                <table class="settings" data-testid="compare-table">
                    <thead>
                        <tr>
                            <th scope="col">{tr!("run")}</th>
                            {move || runs.get().into_iter().map(|(name, _)| view! { <th scope="col">{name}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || runs.with(|r| rows(r)).into_iter().map(|(label, values)| view! {
                            <tr>
                                <th scope="row">{label}</th>
                                {values.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
