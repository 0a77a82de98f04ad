//! Messages to and from `postMessage`: serde turns a message into a JavaScript object and back,
//! and the buffers of the bytes and floats it carries are transferred rather than copied.

use js_sys::Array;
use wasm_bindgen::JsValue;

use crate::web::protocol::Message;

/// Seeds are any `u64`, past what a JavaScript number holds exactly: 64-bit integers cross as
/// `BigInt`s.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);

/// What `postMessage` takes: the message object, and the buffers to transfer with it.
pub fn pack(msg: &impl Message) -> (JsValue, Array) {
    let value = msg
        .serialize(&SERIALIZER)
        .expect("protocol types serialize");
    let transfer: Array = msg.transfer().into_iter().collect();
    (value, transfer)
}

pub fn unpack<T: Message>(data: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(data).map_err(|e| format!("a malformed message: {e}"))
}
