//! The browser app: a Leptos UI on the main thread and a training Web Worker, talking through
//! the typed messages of [`protocol`]. Each is its own wasm module, built with its own features
//! (`web-page`, `web-worker`), so the page links no training code and the worker no UI.

pub mod envelope;
mod errors;
pub mod i18n;
pub mod js;
pub mod link;
pub mod net;
pub mod protocol;
#[cfg(feature = "web-page")]
pub mod ui;
#[cfg(feature = "web-worker")]
pub mod worker;
