//! Saved runs side by side: their test accuracy and training loss per epoch on shared charts,
//! and their settings in a table (which is also the charts' text alternative).

use leptos::prelude::*;

use super::chart::{Chart, Series};
use super::progress::clock;
use super::store::Saved;
use crate::web::protocol::{Init, RunHistory, Scores};

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

/// The rows of the settings table: a label and what each run had.
fn rows(runs: &[(String, RunHistory)]) -> Vec<(&'static str, Vec<String>)> {
    let row = |label, f: &dyn Fn(&RunHistory) -> String| {
        (label, runs.iter().map(|(_, h)| f(h)).collect())
    };
    vec![
        row("Final test accuracy", &|h| {
            h.epochs
                .last()
                .map_or("–".into(), |e| format!("{:.2}%", 100.0 * e.test_accuracy))
        }),
        row("Epochs", &|h| {
            format!("{} of {}", h.epochs.len(), h.settings.epochs)
        }),
        row("Model", &|h| h.settings.preset.to_string()),
        row("Started from", &|h| match h.settings.init {
            Init::Current => "earlier weights".into(),
            Init::Random => format!("random (seed {})", h.settings.seed),
        }),
        row("Batch size", &|h| h.settings.batch_size.to_string()),
        row("Learning rate", &|h| h.settings.learning_rate.to_string()),
        row("Augmentation", &|h| {
            if h.settings.augment { "on" } else { "off" }.into()
        }),
        row("Training digits", &|h| h.settings.train_images.to_string()),
        row("Backend", &|h| match h.workers {
            1 => h.backend.clone(),
            n => format!("{} · {n} workers", h.backend),
        }),
        row("My digits", &|h| match &h.fine_tune {
            None => "–".into(),
            Some(f) => {
                let held = |s: Option<&Scores>| {
                    s.and_then(|s| s.held_out)
                        .map_or("–".into(), |a| format!("{:.1}%", 100.0 * a))
                };
                format!(
                    "{} × {}; {} held out: {} → {}",
                    f.trained_on,
                    f.copies,
                    f.held_out,
                    held(Some(&f.before)),
                    held(f.after.as_ref())
                )
            }
        }),
        row("Training time", &|h| match h.seconds {
            s if s < 60.0 => format!("{s:.1} s"),
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
        <section class="comparison" data-testid="comparison" aria-label="Comparison of saved runs">
            <div class="charts">
                <Chart title="Test accuracy by epoch" testid="compare-accuracy" x_label="epoch" y_range=None tight=true
                    series=Signal::derive(move || runs.with(|r| series(r, |h, e| h.epochs[e].test_accuracy)))/>
                <Chart title="Training loss by epoch" testid="compare-loss" x_label="epoch" y_range=None tight=true
                    series=Signal::derive(move || runs.with(|r| series(r, |h, e| f64::from(h.epochs[e].train_loss))))/>
            </div>
            <div class="table-scroll">
                <table class="settings" data-testid="compare-table">
                    <thead>
                        <tr>
                            <th scope="col">"Run"</th>
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
