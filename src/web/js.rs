//! Small JavaScript helpers shared by the UI and the worker.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Url, Worker};

/// Starts a training worker (the `worker` module found at `base`): from the page, and from the
/// training worker for the helpers that share its batches (where a browser cannot start a
/// worker from a worker, that fails, and training keeps to one worker).
pub fn start_worker(base: &str) -> Result<Worker, JsValue> {
    // The base URL enters the script as a JSON string literal, never pasted into code: a page
    // URL holding a quote must not become script. A failure to load the wasm is rethrown, so
    // it reaches the starter as an error event like any other crash.
    let base = String::from(js_sys::JSON::stringify(&base.into()).expect("a string becomes JSON"));
    let script = format!(
        "self.MNIST_LAB_BASE = {base};\n\
         importScripts(self.MNIST_LAB_BASE + 'worker.js');\n\
         wasm_bindgen(self.MNIST_LAB_BASE + 'worker_bg.wasm')\n  \
         .catch((e) => setTimeout(() => {{ throw e; }}));"
    );
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&script.into()), &options)
        .expect("a script blob");
    let url = Url::create_object_url_with_blob(&blob).expect("an object URL");
    let worker = Worker::new(&url);
    let _ = Url::revoke_object_url(&url);
    worker
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
