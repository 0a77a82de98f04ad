//! Each layer's weights and the gradients of the loss on them at the moment chosen, as
//! histograms: how the weights spread out from their start as the network learns, and how the
//! gradients shrink once it has (or vanish or explode, where a network trains badly).

use leptos::prelude::*;

use crate::explain::layers::{Histogram, LayerStats};
use crate::web::ui::stores::study::Study;
use crate::web::ui::words::{said, tr};

const W: f64 = 160.0;
const H: f64 = 48.0;

#[component]
pub fn Layers(study: Study) -> impl IntoView {
    let layers = Memo::new(move |_| {
        let i = study.shown()?;
        study
            .frames
            .with(|f| f.get(i).map(|x| x.layers.clone()))
            .filter(|l| !l.is_empty())
    });
    view! {
        <h3>{tr!("layers-title")}</h3>
        <p class="note">{tr!("layers-intro")}</p>
        <div class="layer-stats" data-testid="layers">
            {move || layers.get().map(|all| all.into_iter().map(|l| view! { <Layer layer=l /> }).collect_view())}
        </div>
    }
}

#[component]
fn Layer(layer: LayerStats) -> impl IntoView {
    let LayerStats {
        name,
        weights,
        grads,
        weight_rms,
        grad_rms,
    } = layer;
    let (w_low, w_high, g_low, g_high) = (weights.low, weights.high, grads.low, grads.high);
    view! {
        <div class="layer-stat" data-testid="layer">
            <h4>{name.clone()}</h4>
            <Bars histogram=weights class="weights"
                label=said!("layer-weights", layer = name.clone(), low = w_low, high = w_high, rms = weight_rms) />
            <Bars histogram=grads class="grads"
                label=said!("layer-grads", layer = name, low = g_low, high = g_high, rms = grad_rms) />
        </div>
    }
}

/// One histogram as bars, its range under it; `label` says it in words.
#[component]
fn Bars(histogram: Histogram, class: &'static str, label: String) -> impl IntoView {
    let most = histogram.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let width = W / histogram.counts.len().max(1) as f64;
    view! {
        <figure class=format!("histogram {class}")>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label.clone()>
                {histogram.counts.iter().enumerate().map(|(i, &n)| {
                    // A bar of one weight still shows: most bins of a gradient hold few.
                    let h = if n == 0 { 0.0 } else { (f64::from(n) / most * H).max(1.0) };
                    view! { <rect x=i as f64 * width y=H - h width=width * 0.9 height=h /> }
                }).collect_view()}
            </svg>
            <figcaption>{label}</figcaption>
        </figure>
    }
}
