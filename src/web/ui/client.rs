//! The UI's end of the worker channel.

use std::cell::RefCell;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

use crate::web::envelope::{pack, unpack};
use crate::web::protocol::{FromWorker, ToWorker};

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// The app's base URL, where trunk put `worker.js` and `worker_bg.wasm`.
fn base_url() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let href = href.split(['?', '#']).next().unwrap_or_default();
    href[..href.rfind('/').map_or(0, |i| i + 1)].to_string()
}

/// Starts the training worker; `on_message` gets what it sends, `on_error` a crash.
pub fn spawn(
    on_message: impl Fn(FromWorker, Option<Vec<u8>>) + 'static,
    on_error: impl Fn(String) + 'static,
) {
    let base = base_url();
    // wasm-bindgen's no-modules output: load the glue, then instantiate the wasm.
    let script = format!(
        "self.MNIST_LAB_BASE = '{base}'; importScripts('{base}worker.js'); wasm_bindgen('{base}worker_bg.wasm');"
    );
    let parts = Array::of1(&script.into());
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).expect("a script blob");
    let url = Url::create_object_url_with_blob(&blob).expect("an object URL");
    let worker = Worker::new(&url).expect("workers are supported");

    let on_message =
        Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            match unpack::<FromWorker>(&event.data()) {
                Ok((msg, bytes)) => on_message(msg, bytes),
                Err(e) => web_sys::console::warn_1(&e.into()),
            }
        });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error =
        Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            on_error(format!("the training worker crashed: {}", event.message()));
        });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
}

/// Sends a message (and bytes) to the worker.
pub fn send(msg: ToWorker, bytes: Option<&[u8]>) {
    WORKER.with(|w| {
        if let Some(worker) = w.borrow().as_ref() {
            let _ = worker.post_message(&pack(&msg, bytes));
        }
    });
}
