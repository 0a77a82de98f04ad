//! The dataset panel: download progress (or "from cache"), errors with Retry, and the grid of
//! random training digits.

use leptos::prelude::*;

use crate::web::protocol::ToWorker;

use crate::web::i18n::Text;
use crate::web::ui::client;
use crate::web::ui::state::{DataStatus, Ui};
use crate::web::ui::widgets::digits::Gallery;
use crate::web::ui::words::{say, t, tr};

const MB: f64 = 1_000_000.0;

#[component]
pub fn DataPanel(ui: Ui) -> impl IntoView {
    let percent = move || match ui.data.get() {
        DataStatus::Loading(p) if p.total > 0 => 100.0 * p.loaded as f64 / p.total as f64,
        DataStatus::Ready { .. } => 100.0,
        _ => 0.0,
    };
    let text = move || match ui.data.get() {
        DataStatus::Waiting => t("data-starting"),
        DataStatus::Loading(p) if p.from_cache => t("data-from-cache"),
        DataStatus::Loading(p) => say(&Text::new("data-downloading")
            .arg("loaded", p.loaded as f64 / MB)
            .arg("total", p.total as f64 / MB)),
        DataStatus::Ready {
            train,
            test,
            from_cache,
        } => say(&Text::new(if from_cache {
            "data-ready-cached"
        } else {
            "data-ready-downloaded"
        })
        .arg("train", train)
        .arg("test", test)),
        DataStatus::Failed(e) => say(&Text::new("data-failed").arg("why", e)),
    };
    let failed = move || matches!(ui.data.get(), DataStatus::Failed(_));
    let reroll = move |_| {
        client::send(ToWorker::Samples {
            count: 32,
            seed: js_sys::Date::now() as u64,
        })
    };
    view! {
        <div class="data-panel">
            <div class="bar" role="progressbar" aria-label=tr!("data-bar") data-testid="data-bar"
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || format!("{:.0}", percent())>
                <div class="fill" style=move || format!("width:{:.1}%", percent())></div>
            </div>
            <p class="status" class:error=failed data-testid="data-status" role="status">{text}</p>
            <Show when=failed>
                <button type="button" data-testid="retry" on:click=move |_| {
                    ui.data.set(DataStatus::Waiting);
                    client::send(ToWorker::LoadData)
                }>{tr!("retry")}</button>
            </Show>
            <Show when=move || !ui.samples.with(|s| s.labels.is_empty())>
                <div class="samples-head">
                    <h3>{tr!("samples")}</h3>
                    <button type="button" data-testid="reroll" on:click=reroll>{tr!("shuffle")}</button>
                </div>
                <Gallery digits=ui.samples testid="samples" />
            </Show>
        </div>
    }
}
