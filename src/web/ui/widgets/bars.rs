//! Ten bars, one per digit, each with its share as a percentage: a reading's probabilities, a
//! fooled drawing's, a moment's share of each digit read right.

use leptos::prelude::*;

use crate::web::ui::words::tr;

#[component]
pub fn DigitBars(
    #[prop(into)] values: Signal<[f32; 10]>,
    testid: &'static str,
    /// What the bars are, for a screen reader, where no heading says it.
    #[prop(optional, into)]
    label: Option<Signal<String>>,
) -> impl IntoView {
    view! {
        <ol class="probs" data-testid=testid aria-label=move || label.map(|l| l.get())>
            {(0..10).map(|d| {
                let p = move || values.with(|v| v[d]);
                view! {
                    <li>
                        <span class="label">{d}</span>
                        <span class="track"><span class="fill" style=move || format!("width:{:.1}%", 100.0 * p())></span></span>
                        <span class="value">{tr!("percent", p = p())}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
