//! Messages to and from `postMessage`: serde turns a message into a JavaScript object and back,
//! and the buffers of the bytes and floats it carries are transferred rather than copied.

use js_sys::Array;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::web::protocol::Message;

/// Seeds are any `u64`, past what a JavaScript number holds exactly: 64-bit integers cross as
/// `BigInt`s.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);

/// What `postMessage` takes: the message object, and the buffers to transfer with it.
pub fn pack(msg: &impl Message) -> (JsValue, Array) {
    let transfer: Array = msg.transfer().into_iter().collect();
    (to_js(msg), transfer)
}

pub fn unpack<T: Message>(data: JsValue) -> Result<T, String> {
    from_js(data).map_err(|e| format!("a malformed message: {e}"))
}

/// A protocol value as a JavaScript object (also what IndexedDB keeps of one).
pub fn to_js(value: &impl Serialize) -> JsValue {
    value
        .serialize(&SERIALIZER)
        .expect("protocol types serialize")
}

pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::from_value(value)
}
