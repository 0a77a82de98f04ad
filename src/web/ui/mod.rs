//! The page: a single Leptos view over the worker's messages.

mod chart;
mod client;
mod compare;
mod controls;
mod data;
mod digits;
mod draw;
mod evaluation;
mod files;
mod models;
mod mydigits;
mod picture;
mod progress;
mod services;
mod state;
mod stores;
mod words;

use leptos::prelude::*;

use controls::Controls;
use data::DataPanel;
use draw::DrawPanel;
use evaluation::EvaluationPanel;
use files::FilesPanel;
use models::ModelsPanel;
use mydigits::MyDigitsPanel;
use progress::ProgressPanel;
use state::Ui;
use words::{lang, set_lang, tr};

use crate::web::i18n::Lang;
use crate::web::protocol::BUILD;

#[component]
fn App() -> impl IntoView {
    let ui = Ui::new();
    ui.start();
    words::follow_document();
    view! {
        <header>
            <div class="title">
                <h1>"MNIST Lab"</h1>
                <p class="tagline">{tr!("tagline")}</p>
            </div>
            <label class="language">
                <span>{tr!("language")}</span>
                <select data-testid="language" prop:value=move || lang().code()
                    on:change=move |ev| {
                        if let Some(l) = Lang::from_tag(&event_target_value(&ev)) {
                            set_lang(l)
                        }
                    }>
                    {Lang::ALL.map(|l| view! { <option value=l.code() lang=l.code()>{l.name()}</option> })}
                </select>
            </label>
        </header>
        <main>
            <section aria-labelledby="draw-h">
                <h2 id="draw-h">{tr!("draw-heading")}</h2>
                <DrawPanel ui=ui />
            </section>
            <section aria-labelledby="mine-h">
                <h2 id="mine-h">{tr!("mine-heading")}</h2>
                <MyDigitsPanel ui=ui />
            </section>
            <section aria-labelledby="data-h">
                <h2 id="data-h">{tr!("data-heading")}</h2>
                <DataPanel ui=ui />
            </section>
            <section aria-labelledby="train-h">
                <h2 id="train-h">{tr!("train-heading")}</h2>
                <Controls ui=ui />
                <ProgressPanel ui=ui />
            </section>
            <section aria-labelledby="eval-h">
                <h2 id="eval-h">{tr!("eval-heading")}</h2>
                <EvaluationPanel ui=ui />
                <FilesPanel ui=ui />
            </section>
            <section aria-labelledby="models-h">
                <h2 id="models-h">{tr!("models-heading")}</h2>
                <ModelsPanel ui=ui />
            </section>
        </main>
        <footer>
            <p>{tr!("footer")}" "<span data-testid="build">{tr!("build", id = BUILD)}</span></p>
        </footer>
    }
}

/// Replaces the static loading screen with the app.
pub fn mount() {
    console_error_panic_hook::set_once();
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    leptos::mount::mount_to_body(App);
}
