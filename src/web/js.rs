//! Small JavaScript helpers shared by the UI and the worker.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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
    let first = JsFuture::from(Promise::race(&js_sys::Array::of2(promise, &timeout))).await?;
    Ok((!js_sys::Object::is(&first, &marker)).then_some(first))
}
