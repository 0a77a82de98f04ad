//! "Fool it": the smallest change the study worker finds (gradient-sign steps on the pixels)
//! that makes the network read the drawing as a digit the user picks, shown as the changed
//! digit, the ink added and taken away, and the new probabilities — with what it means.

use leptos::prelude::*;

use crate::data::PIXELS;
use crate::inference::Reading;
use crate::preprocess::from_grey;
use crate::web::protocol::{Bytes, Studied};
use crate::web::ui::state::Ui;
use crate::web::ui::stores::study::Fool;
use crate::web::ui::widgets::bars::DigitBars;
use crate::web::ui::widgets::digits::{Pixels, paint_signed};
use crate::web::ui::words::{said, tr};

#[component]
pub fn FoolIt(ui: Ui, reading: RwSignal<Option<Reading>>) -> impl IntoView {
    let study = ui.study;
    let target = RwSignal::new(3u8);
    let fool = move |_| {
        let Some(r) = reading.get_untracked() else {
            return;
        };
        let shown = study.chosen_weights();
        let weights = shown.or_else(|| ui.weights.get_untracked().map(|(i, b)| (i.arch, b)));
        let Some((arch, bytes)) = weights else { return };
        let drawing = from_grey(&r.input);
        let weights = Studied {
            arch,
            weights: Bytes::copy(&bytes),
        };
        study.fool_it(weights, &drawing, target.get_untracked());
    };
    view! {
        <details class="fool" data-testid="fool">
            <summary>{tr!("fool-title")}</summary>
            <p class="note">{tr!("fool-intro")}</p>
            <div class="buttons">
                <label>{tr!("fool-target")}" "
                    <select data-testid="fool-target" prop:value=move || target.get().to_string()
                        on:change=move |ev| if let Ok(d) = event_target_value(&ev).parse() { target.set(d) }>
                        {(0..10u8).map(|d| view! { <option value=d.to_string()>{d}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" data-testid="fool-go" disabled=move || reading.with(Option::is_none) || study.fooling.get()
                    on:click=fool>{tr!("fool-go")}</button>
            </div>
            {move || study.fooling.get().then(|| view! { <p class="note" role="status">{tr!("fool-working")}</p> })}
            {move || study.fool.get().map(|f| view! { <Fooled fool=f /> })}
        </details>
    }
}

/// The drawing before and after, the change, the new probabilities and a sentence.
#[component]
fn Fooled(fool: Fool) -> impl IntoView {
    let Fool {
        target,
        before,
        fooled,
    } = fool;
    let grey = |v: &[f32]| {
        v.iter()
            .map(|&p| (p * 255.0).round() as u8)
            .collect::<Vec<u8>>()
    };
    let (before_px, after_px) = (grey(&before), grey(&fooled.pixels));
    let change: Vec<f32> = fooled
        .pixels
        .iter()
        .zip(&before)
        .map(|(a, b)| a - b)
        .collect();
    let read = fooled
        .probabilities
        .iter()
        .enumerate()
        .fold((0, 0.0f32), |m, (d, &p)| if p > m.1 { (d, p) } else { m });
    let sentence = match (fooled.fooled, fooled.steps) {
        (true, 0) => said!("fool-already", target = target),
        (true, _) => said!(
            "fool-done",
            target = target,
            p = fooled.probabilities[target as usize],
            steps = fooled.steps,
            changed = fooled.changed,
            largest = fooled.largest
        ),
        (false, _) => said!(
            "fool-failed",
            target = target,
            steps = fooled.steps,
            digit = read.0
        ),
    };
    view! {
        <div class="fooled" data-testid="fooled" data-read=read.0 data-fooled=fooled.fooled.to_string()>
            <figure><Pixels pixels=before_px side=28 title=said!("fool-before") /><figcaption>{tr!("fool-before")}</figcaption></figure>
            <figure><Change change=change /><figcaption>{tr!("fool-change")}</figcaption></figure>
            <figure><Pixels pixels=after_px side=28 title=said!("fool-after", digit = read.0) /><figcaption>{tr!("fool-after", digit = read.0)}</figcaption></figure>
            <DigitBars testid="fool-probabilities" values=fooled.probabilities />
            <p data-testid="fool-sentence">{sentence}</p>
            <p class="note">{tr!("fool-meaning")}</p>
        </div>
    }
}

/// The change: orange where ink was added, blue where it was taken away, on paper-grey.
#[component]
fn Change(change: Vec<f32>) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    // Orange where ink was added, blue where it was taken away, on paper-grey.
    Effect::new(move |_| {
        if let Some(c) = canvas.get()
            && change.len() == PIXELS
        {
            paint_signed(&c, &[128.0; PIXELS], &change);
        }
    });
    view! {
        <canvas class="pixels" node_ref=canvas width=28 height=28 role="img" data-testid="fool-change"
            aria-label=tr!("fool-change-said")></canvas>
    }
}
