//! Weights as files: download the current ones (a burn record the CLI reads, or a PyTorch
//! `.pth` the tutorial's `MulticlassCNN` loads), upload a record from the CLI or a `.pth`. A file that is not right is refused by the worker, which
//! keeps the current weights and says why.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::web::js::describe;
use crate::web::protocol::{Bytes, ToWorker, WeightsSource};
use crate::weights::{MAX_FILE_BYTES, Problem, WeightsError};

use crate::web::i18n::Text;
use crate::web::ui::client;
use crate::web::ui::services::download::{download, file_stem};
use crate::web::ui::state::Ui;
use crate::web::ui::words::{say, tr};

#[component]
pub fn FilesPanel(ui: Ui) -> impl IntoView {
    let on_upload = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let name = file.name();
        // Refused before it is read: weights files are small, and a huge one would be copied
        // into the worker's memory only to be refused there.
        if file.size() > MAX_FILE_BYTES as f64 {
            let too_large = WeightsError {
                file: name,
                problem: Problem::TooLarge(file.size() as usize),
            };
            ui.file_message.set(Some(too_large.into()));
            return;
        }
        leptos::task::spawn_local(async move {
            match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => {
                    ui.file_message.set(None);
                    ui.pending_upload.set(Some(name.clone()));
                    // The file's buffer moves to the worker, which reads it: a hostile file
                    // costs at most a worker restart, never the page.
                    client::send(ToWorker::SetWeights(WeightsSource::File {
                        name,
                        file: Bytes::whole(buffer.unchecked_ref()),
                    }));
                }
                Err(e) => ui.file_message.set(Some(
                    Text::new("cannot-read-file")
                        .arg("file", name)
                        .arg("detail", describe(&e)),
                )),
            }
        });
    };
    view! {
        <div class="buttons files">
            <button type="button" data-testid="download" disabled=move || ui.weights.with(|w| w.is_none())
                on:click=move |_| {
                    if let Some((info, bytes)) = ui.weights.get()
                        && let Err(e) = download(&format!("mnist-lab-{}.bpk", file_stem(&info.arch)), &bytes)
                    {
                        ui.file_message.set(Some(e.into()));
                    }
                }>
                {tr!("download-bpk")}
            </button>
            // The worker writes the .pth (the page links no writer); the file arrives as a message.
            <button type="button" data-testid="download-pth" disabled=move || ui.weights.with(|w| w.is_none())
                title=tr!("download-pth-title")
                on:click=move |_| client::send(ToWorker::ExportPth)>
                {tr!("download-pth")}
            </button>
            <label class="upload">
                {tr!("upload")}" "
                <input type="file" data-testid="upload" accept=".bpk,.pth,.pt,application/octet-stream"
                    disabled=move || ui.run.training() on:change=on_upload />
            </label>
        </div>
        {move || ui.file_message.get().map(|text| view! {
            <p class="notice error" data-testid="file-message" role="alert">{move || say(&text)}</p>
        })}
    }
}
