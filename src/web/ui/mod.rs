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
mod state;
mod store;

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

#[component]
fn App() -> impl IntoView {
    let ui = Ui::new();
    ui.start();
    view! {
        <header>
            <h1>"MNIST Lab"</h1>
            <p class="tagline">"Train the PyTorch tutorial's CNN on all 60,000 MNIST digits, in your browser, then look inside."</p>
        </header>
        <main>
            <section aria-labelledby="draw-h">
                <h2 id="draw-h">"Draw a digit"</h2>
                <DrawPanel ui=ui />
            </section>
            <section aria-labelledby="mine-h">
                <h2 id="mine-h">"My digits"</h2>
                <MyDigitsPanel ui=ui />
            </section>
            <section aria-labelledby="data-h">
                <h2 id="data-h">"1 · Data"</h2>
                <DataPanel ui=ui />
            </section>
            <section aria-labelledby="train-h">
                <h2 id="train-h">"2 · Train"</h2>
                <Controls ui=ui />
                <ProgressPanel ui=ui />
            </section>
            <section aria-labelledby="eval-h">
                <h2 id="eval-h">"3 · Evaluate"</h2>
                <EvaluationPanel ui=ui />
                <FilesPanel ui=ui />
            </section>
            <section aria-labelledby="models-h">
                <h2 id="models-h">"4 · Saved models"</h2>
                <ModelsPanel ui=ui />
            </section>
        </main>
        <footer>
            <p>"MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0). Built with burn and Leptos."</p>
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
