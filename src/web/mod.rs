//! The browser app: a Leptos UI on the main thread and a training Web Worker, talking through
//! the typed messages of [`protocol`].

pub mod envelope;
pub mod js;
pub mod protocol;
pub mod ui;
pub mod worker;
