//! Small JavaScript helpers shared by the UI and the worker.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Url, Worker, WorkerOptions, WorkerType};

/// A training worker's module: the page's own (training on the CPU; it is downloaded and compiled
/// already) or the GPU module (`worker.js`, WebGPU and the CPU), fetched only when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    Page,
    Gpu,
}

impl Module {
    /// The module this code runs in: a helper runs the same one as the worker that starts it.
    pub const OWN: Module = if cfg!(feature = "web-gpu") {
        Module::Gpu
    } else {
        Module::Page
    };
}

/// The app's base URL, where its files are. On the page, the document's base (trunk sets it to
/// its public URL, so the page may be opened at any path); in a worker, which runs from a
/// `blob:` URL, the same URL, as the page handed it ([`start_worker`] sets `MNIST_LAB_BASE`).
pub fn base_url() -> String {
    let handed = Reflect::get(&js_sys::global(), &"MNIST_LAB_BASE".into())
        .ok()
        .and_then(|v| v.as_string());
    let document = || web_sys::window()?.document()?.base_uri().ok().flatten();
    handed.or_else(document).unwrap_or_default()
}

/// Starts a training worker running `module` found at `base`: from the page, and from the
/// training worker for the helpers that share its batches (where a browser cannot start a worker
/// from a worker, that fails, and training keeps to one worker). A failure to load the module is
/// rethrown, so it reaches the starter as an error event like any other crash.
pub fn start_worker(module: Module, base: &str) -> Result<Worker, JsValue> {
    // The base URL enters the script as a JSON string literal, never pasted into code: a page
    // URL holding a quote must not become script.
    let base = String::from(js_sys::JSON::stringify(&base.into()).expect("a string becomes JSON"));
    let options = WorkerOptions::new();
    let script = match module {
        Module::Gpu => format!(
            "self.MNIST_LAB_BASE = {base};\n\
             importScripts(self.MNIST_LAB_BASE + 'worker.js');\n\
             wasm_bindgen(self.MNIST_LAB_BASE + 'worker_bg.wasm')\n  \
             .catch((e) => setTimeout(() => {{ throw e; }}));"
        ),
        // A module worker: the first message brings the page module's JavaScript (by URL) and
        // its compiled wasm (a `WebAssembly.Module` is cloned, not fetched or compiled again).
        Module::Page => {
            options.set_type(WorkerType::Module);
            format!(
                "self.MNIST_LAB_BASE = {base};\n\
                 addEventListener('message', (e) => {{\n  \
                   import(e.data.glue).then((m) => m.default({{ module_or_path: e.data.module }}))\n    \
                   .catch((e) => setTimeout(() => {{ throw e; }}));\n\
                 }}, {{ once: true }});"
            )
        }
    };
    let blob_options = BlobPropertyBag::new();
    blob_options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&script.into()), &blob_options)
        .expect("a script blob");
    let url = Url::create_object_url_with_blob(&blob).expect("an object URL");
    let worker = Worker::new_with_options(&url, &options);
    let _ = Url::revoke_object_url(&url);
    if let (Ok(worker), Module::Page) = (&worker, module) {
        worker.post_message(&page_module()?)?;
    }
    worker
}

/// What a worker needs to run the page's module: its JavaScript's URL and its compiled wasm.
#[cfg(feature = "web-page")]
fn page_module() -> Result<JsValue, JsValue> {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        /// The URL of the module's JavaScript (`import.meta.url` there).
        #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
        static GLUE_URL: String;
    }
    let boot = js_sys::Object::new();
    Reflect::set(&boot, &"glue".into(), &GLUE_URL.with(String::clone).into())?;
    Reflect::set(&boot, &"module".into(), &wasm_bindgen::module())?;
    Ok(boot.into())
}

/// The GPU module (a classic script) cannot start page-module workers: it has no `import.meta`.
#[cfg(not(feature = "web-page"))]
fn page_module() -> Result<JsValue, JsValue> {
    Err("only the page's module starts workers on it".into())
}

/// The logical processors the browser reports (`navigator.hardwareConcurrency`; 1 if unknown).
pub fn cores() -> usize {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"hardwareConcurrency".into()))
        .ok()
        .and_then(|c| c.as_f64())
        .map_or(1, |c| (c as usize).max(1))
}

/// Waits `ms` milliseconds, yielding to the event loop (in a window or a worker).
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let set_timeout: Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .expect("setTimeout exists")
            .unchecked_into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &ms.into())
            .expect("setTimeout works");
    });
    let _ = JsFuture::from(promise).await;
}

/// Lets the event loop run (messages, timers) and comes back at once. A `setTimeout(0)` would
/// do it too, but browsers delay a timer set from a chain of timers by 4 ms: 10 % of a CPU
/// training step yielded after every step.
pub async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _| {
        let channel = web_sys::MessageChannel::new().expect("MessageChannel exists");
        channel.port1().set_onmessage(Some(&resolve));
        channel
            .port2()
            .post_message(&JsValue::UNDEFINED)
            .expect("an empty message posts");
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since the page or worker started.
pub fn now_ms() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| {
            let now: Function = Reflect::get(&p, &"now".into()).ok()?.dyn_into().ok()?;
            now.call0(&p).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// Whether `navigator.gpu` exists here.
pub fn has_webgpu() -> bool {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"gpu".into()))
        .is_ok_and(|gpu| !gpu.is_undefined() && !gpu.is_null())
}

/// Whether the browser finds a WebGPU adapter here (`navigator.gpu.requestAdapter()`).
pub async fn webgpu_adapter() -> bool {
    if !has_webgpu() {
        return false;
    }
    let request = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"gpu".into()))
        .and_then(|gpu| {
            let request: Function = Reflect::get(&gpu, &"requestAdapter".into())?.dyn_into()?;
            request.call0(&gpu)?.dyn_into::<Promise>()
        });
    match request {
        Ok(promise) => JsFuture::from(promise)
            .await
            .is_ok_and(|adapter| !adapter.is_null() && !adapter.is_undefined()),
        Err(_) => false,
    }
}

/// A readable message from a JavaScript error value.
pub fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// Waits for `promise`, for at most `ms` milliseconds: `Ok(None)` when the time ran out first.
pub async fn within(promise: &Promise, ms: i32) -> Result<Option<JsValue>, JsValue> {
    let marker: JsValue = js_sys::Object::new().into();
    let timeout = Promise::new(&mut |resolve, _| {
        let set_timeout: Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .expect("setTimeout exists")
            .unchecked_into();
        // setTimeout(resolve, ms, marker) resolves the timeout with the marker.
        set_timeout
            .call3(&JsValue::NULL, &resolve, &ms.into(), &marker)
            .expect("setTimeout works");
    });
    let first = JsFuture::from(Promise::race(&Array::of2(promise, &timeout))).await?;
    Ok((!js_sys::Object::is(&first, &marker)).then_some(first))
}
