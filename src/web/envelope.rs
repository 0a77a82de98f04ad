//! Messages to and from `postMessage`: serde turns a message into a JavaScript object and back,
//! and the buffer of the bytes it carries is transferred rather than copied.

use js_sys::Array;
use wasm_bindgen::JsValue;

use crate::web::protocol::Message;

/// Seeds are any `u64`, past what a JavaScript number holds exactly: 64-bit integers cross as
/// `BigInt`s.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);

/// What `postMessage` takes: the message object, and the buffer to transfer with it.
pub fn pack(msg: &impl Message) -> (JsValue, Array) {
    let value = msg
        .serialize(&SERIALIZER)
        .expect("protocol types serialize");
    let transfer = Array::new();
    if let Some(bytes) = msg.payload() {
        transfer.push(&bytes.buffer());
    }
    (value, transfer)
}

pub fn unpack<T: Message>(data: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(data).map_err(|e| format!("a malformed message: {e}"))
}
