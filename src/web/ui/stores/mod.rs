//! What the page knows, as signals, apart from how it is shown: a store holds one part of the
//! page's state and applies the worker's messages about it. Stores call services, never panels.

pub mod my_digits;
pub mod run;
pub mod saved_models;
pub mod study;

/// What kind of news a message to the user is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}
