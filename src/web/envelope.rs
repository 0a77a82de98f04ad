//! Packing messages into `{ msg, bytes }` objects for `postMessage`, and back.

use js_sys::{Object, Reflect, Uint8Array};
use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::{JsCast, JsValue};

/// `msg` with a copy of `bytes`.
pub fn pack<T: Serialize>(msg: &T, bytes: Option<&[u8]>) -> JsValue {
    let obj = Object::new();
    let json = serde_json::to_string(msg).expect("protocol types serialize");
    Reflect::set(&obj, &"msg".into(), &json.into()).expect("plain object");
    if let Some(bytes) = bytes {
        Reflect::set(&obj, &"bytes".into(), &Uint8Array::from(bytes).into()).expect("plain object");
    }
    obj.into()
}

/// `msg` with bytes that are already a JavaScript array (not copied here).
pub fn pack_array<T: Serialize>(msg: &T, bytes: &Uint8Array) -> JsValue {
    let obj = pack(msg, None);
    Reflect::set(&obj, &"bytes".into(), bytes).expect("plain object");
    obj
}

pub fn unpack<T: DeserializeOwned>(data: &JsValue) -> Result<(T, Option<Vec<u8>>), String> {
    let json = Reflect::get(data, &"msg".into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("message without `msg`")?;
    let msg = serde_json::from_str(&json).map_err(|e| format!("bad message {json}: {e}"))?;
    let bytes = Reflect::get(data, &"bytes".into())
        .ok()
        .and_then(|v| v.dyn_into::<Uint8Array>().ok())
        .map(|a| a.to_vec());
    Ok((msg, bytes))
}
