//! A confusion matrix as a heatmap whose cells open their digits: the evaluation's (on the test
//! set) and a timeline moment's (on the map's digits).

use leptos::prelude::*;

use crate::web::ui::words::{t, tr};

/// A confusion matrix (rows: the true digit, columns: the one read) as a heatmap whose cells
/// `open` their digits.
#[component]
pub fn Confusion(
    confusion: [[u32; 10]; 10],
    testid: &'static str,
    /// The cells' test ids start with this (`cell` gives `cell-7-1`).
    cells: &'static str,
    /// The catalogue's name for its scrolling box: each box on the page has its own.
    region: &'static str,
    open: Callback<(u8, u8)>,
) -> impl IntoView {
    let max_off = (0..10)
        .flat_map(|t| (0..10).filter(move |&p| p != t).map(move |p| (t, p)))
        .map(|(t, p)| confusion[t][p])
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let total: u32 = confusion.iter().flatten().sum();
    view! {
        // Wider than a phone: it scrolls sideways in its own box, which the keyboard reaches.
        <div class="table-scroll" tabindex="0" role="region" aria-label=move || t(region)>
        <table class="confusion" data-testid=testid aria-label=tr!("confusion")>
            <thead><tr><th><span aria-hidden="true">{tr!("confusion-corner")}</span><span class="visually-hidden">{tr!("confusion-corner-said")}</span></th>{(0..10).map(|p| view! { <th scope="col">{p}</th> }).collect_view()}</tr></thead>
            <tbody>
                {(0..10u8).map(|t| view! {
                    <tr><th scope="row">{t}</th>
                        {(0..10u8).map(|p| {
                            let n = confusion[t as usize][p as usize];
                            let (class, alpha) = if t == p { ("diag", 0.15 + 0.5 * n as f64 / (total as f64 / 10.0).max(1.0)) } else { ("off", 0.9 * n as f64 / max_off) };
                            let label = tr!("confusion-cell", n = n, label = t, predicted = p);
                            view! {
                                <td class=class style=format!("--a:{:.3}", alpha.min(0.9))>
                                    <button type="button" aria-label=label data-testid=format!("{cells}-{t}-{p}") disabled=n == 0
                                        on:click=move |_| open.run((t, p))>
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
