//! The "PyTorch" view: the network and the form's settings as the script `mnist-lab code`
//! writes (the `nn.Module`, MNIST from its files, the training loop), with comments in the
//! page's language; copied or downloaded as a `.py`. Its class loads the `.pth` the page
//! downloads with `strict=True`.

use leptos::prelude::*;

use crate::code;
use crate::model::ModelConfig;
use crate::train::TrainConfig;
use crate::web::i18n::{Lang, Text};
use crate::web::ui::services::download::download;
use crate::web::ui::words::{lang, say, tr};

/// The script, in the page's language.
fn script(arch: &ModelConfig, settings: &TrainConfig) -> String {
    let lang = match lang() {
        Lang::En => code::Lang::En,
        Lang::Ru => code::Lang::Ru,
    };
    code::pytorch(arch, settings, lang)
}

/// `settings`: the network and the run's settings, while the form holds valid ones.
#[component]
pub fn PytorchView(settings: Signal<Option<(ModelConfig, TrainConfig)>>) -> impl IntoView {
    let status = RwSignal::new(None::<Text>);
    let current = move || {
        settings
            .get()
            .map(|(arch, s)| (code::file_name(&arch), script(&arch, &s)))
    };
    let copy = move |_| {
        let Some((_, text)) = current() else { return };
        let Some(window) = web_sys::window() else {
            return;
        };
        let _ = window.navigator().clipboard().write_text(&text);
        status.set(Some(Text::new("code-copied")));
    };
    let save = move |_| {
        let Some((name, text)) = current() else {
            return;
        };
        if let Err(e) = download(&name, text.as_bytes()) {
            status.set(Some(e.into()));
        }
    };
    view! {
        <details class="pytorch" data-testid="pytorch">
            <summary>{tr!("pytorch-view")}</summary>
            <p class="note">{tr!("pytorch-about")}</p>
            {move || match current() {
                Some((name, text)) => view! {
                    <div class="buttons">
                        <button type="button" data-testid="copy-code" on:click=copy>{tr!("copy-code")}</button>
                        <button type="button" data-testid="download-code" on:click=save>{tr!("download-code", file = name.clone())}</button>
                        <span role="status">{move || status.get().map(|s| say(&s))}</span>
                    </div>
                    <pre class="code" tabindex="0" aria-label=move || say(&Text::new("pytorch-view"))><code data-testid="pytorch-code">{text}</code></pre>
                }.into_any(),
                None => view! { <p class="note" data-testid="pytorch-invalid">{tr!("pytorch-invalid")}</p> }.into_any(),
            }}
        </details>
    }
}
