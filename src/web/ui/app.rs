//! The page as a whole: its state made once and handed to every panel, and the panels in order.

use leptos::prelude::*;

use crate::web::i18n::Lang;
use crate::web::protocol::BUILD;
use crate::web::ui::panels::controls::Controls;
use crate::web::ui::panels::data::DataPanel;
use crate::web::ui::panels::draw::DrawPanel;
use crate::web::ui::panels::evaluation::EvaluationPanel;
use crate::web::ui::panels::files::FilesPanel;
use crate::web::ui::panels::models::ModelsPanel;
use crate::web::ui::panels::my_digits::MyDigitsPanel;
use crate::web::ui::panels::progress::ProgressPanel;
use crate::web::ui::panels::timeline::TimelinePanel;
use crate::web::ui::state::Ui;
use crate::web::ui::words::{self, lang, set_lang, tr};

#[component]
pub fn App() -> impl IntoView {
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
            <section aria-labelledby="watch-h">
                <h2 id="watch-h">{tr!("watch-heading")}</h2>
                <TimelinePanel ui=ui />
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
