//! Watch it learn: the run's timeline. A scrubber (and play/pause) chooses a moment of the run;
//! the map of what the network saw then, how it read the map's digits (per digit and as a
//! confusion matrix whose cells show them) and its layers' weights and gradients follow it, and
//! so do the filters, feature maps and probabilities of the drawing box.

use std::time::Duration;

use leptos::prelude::*;

use crate::data::PIXELS;
use crate::web::ui::panels::map::MapView;
use crate::web::ui::state::{Digits, Ui};
use crate::web::ui::stores::study::Study;
use crate::web::ui::widgets::bars::DigitBars;
use crate::web::ui::widgets::confusion::Confusion;
use crate::web::ui::widgets::digits::Gallery;
use crate::web::ui::widgets::histogram::Layers;
use crate::web::ui::words::{moment_words, said, tr};

/// How long each moment shows while the timeline plays.
const PLAY_EVERY: Duration = Duration::from_millis(900);
/// Digits shown when a cell of the moment's confusion matrix is opened.
const CELL_DIGITS: usize = 48;

#[component]
pub fn TimelinePanel(ui: Ui) -> impl IntoView {
    let study = ui.study;
    let has_frames = move || study.frames.with(|f| !f.is_empty());
    view! {
        <Show when=has_frames fallback=|| view! { <p class="note" data-testid="timeline-hint">{tr!("timeline-hint")}</p> }>
            <Scrubber study=study />
            <div class="timeline-grid">
                <MapView study=study />
                <Reads study=study />
            </div>
            <Layers study=study />
            {move || study.problem.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="study-problem">{move || crate::web::ui::words::say(&text)}</p>
            })}
        </Show>
    }
}

/// The moment chosen: a slider over the frames, play/pause, and what the moment is.
#[component]
fn Scrubber(study: Study) -> impl IntoView {
    let count = Memo::new(move |_| study.frames.with(Vec::len));
    let shown = Memo::new(move |_| study.shown().unwrap_or(0));
    let words = move || {
        let i = shown.get();
        study
            .frames
            .with(|f| f.get(i).map(|x| moment_words(x.step, x.epoch)))
            .unwrap_or_default()
    };
    let play = move |_| {
        if study.playing.get_untracked() {
            return study.playing.set(false);
        }
        if study.chosen.get_untracked().is_none() {
            study.choose(0);
        }
        study.playing.set(true);
    };
    // Each tick shows the next moment; the last one stops the play.
    Effect::new(move |_| {
        if !study.playing.get() {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                let next = study.shown().unwrap_or(0) + 1;
                study.choose(next);
                if next + 1 >= count.get_untracked() {
                    study.playing.set(false);
                }
            },
            PLAY_EVERY,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <div class="scrubber">
            <button type="button" data-testid="play" aria-pressed=move || study.playing.get().to_string()
                on:click=play>{move || if study.playing.get() { said!("pause-timeline") } else { said!("play-timeline") }}</button>
            <label class="scrub">
                <span class="visually-hidden">{tr!("timeline-slider")}</span>
                <input type="range" data-testid="scrubber" min="0" max=move || count.get().saturating_sub(1)
                    prop:value=move || shown.get() aria-valuetext=words
                    on:input=move |ev| {
                        study.playing.set(false);
                        if let Ok(i) = event_target_value(&ev).parse() { study.choose(i) }
                    } />
            </label>
            <span class="moment" data-testid="moment" aria-live="polite">{words}</span>
            <span class="note">{move || said!("timeline-count", shown = shown.get() + 1, count = count.get())}</span>
        </div>
    }
}

/// How the moment's network reads the map's digits: in all, per digit, and where it errs.
#[component]
fn Reads(study: Study) -> impl IntoView {
    let confusion = Memo::new(move |_| {
        let i = study.shown()?;
        let predicted = study
            .frames
            .with(|f| f.get(i).map(|x| x.predicted.clone()))?;
        (!predicted.is_empty()).then(|| study.digits.with(|d| matrix(&d.labels, &predicted)))
    });
    let cell = RwSignal::new(None::<(u8, u8)>);
    let cell_digits = Signal::derive(move || {
        cell.get()
            .map(|c| cell_digits(study, c))
            .unwrap_or_default()
    });
    view! {
        <div class="reads">
            {move || confusion.get().map(|m| {
                let total: u32 = m.iter().flatten().sum();
                let right: u32 = (0..10).map(|d| m[d][d]).sum();
                let share = f64::from(right) / f64::from(total.max(1));
                view! {
                    <p data-testid="moment-accuracy" data-share=share>{tr!("moment-accuracy", p = share, total = total)}</p>
                    <PerDigit confusion=m />
                    <Confusion confusion=m testid="moment-confusion" cells="moment-cell" region="moment-confusion-region" open=Callback::new(move |c| cell.set(Some(c))) />
                }
            })}
            {move || cell.get().map(|(t, p)| view! { <h4>{tr!("moment-cell", label = t, predicted = p)}</h4> })}
            <Show when=move || cell.get().is_some()>
                <Gallery digits=cell_digits testid="moment-cell-digits" />
            </Show>
        </div>
    }
}

/// Rows: the true digit; columns: the one read.
fn matrix(labels: &[u8], predicted: &[u8]) -> [[u32; 10]; 10] {
    let mut m = [[0; 10]; 10];
    for (&t, &p) in labels.iter().zip(predicted) {
        m[usize::from(t)][usize::from(p)] += 1;
    }
    m
}

/// The map's digits of one cell of the moment's confusion matrix.
fn cell_digits(study: Study, (label, read): (u8, u8)) -> Digits {
    let predicted = study
        .shown()
        .and_then(|i| study.frames.with(|f| f.get(i).map(|x| x.predicted.clone())))
        .unwrap_or_default();
    study.digits.with(|d| {
        let picked: Vec<usize> = (0..d.labels.len().min(predicted.len()))
            .filter(|&i| d.labels[i] == label && predicted[i] == read)
            .take(CELL_DIGITS)
            .collect();
        Digits {
            labels: picked.iter().map(|i| format!("#{i}")).collect(),
            pixels: picked
                .iter()
                .flat_map(|&i| d.pixels[i * PIXELS..(i + 1) * PIXELS].to_vec())
                .collect(),
        }
    })
}

/// Each digit's share read right, as bars.
#[component]
fn PerDigit(confusion: [[u32; 10]; 10]) -> impl IntoView {
    let shares: [f32; 10] = std::array::from_fn(|d| {
        let row: u32 = confusion[d].iter().sum();
        confusion[d][d] as f32 / row.max(1) as f32
    });
    let label = Signal::derive(move || said!("moment-per-digit"));
    view! { <DigitBars testid="moment-per-digit" values=shares label=label /> }
}
