//! MNIST Lab's core: the PyTorch tutorial's CNN on burn, with no web dependency, shared by the
//! native CLI and the browser app.

pub mod code;
pub mod data;
pub mod embedding;
pub mod eval;
pub mod explain;
#[cfg(not(target_arch = "wasm32"))]
pub mod files;
pub mod inference;
pub mod model;
pub mod named;
pub mod preprocess;
pub mod study;
#[cfg(test)]
mod testing;
pub mod train;
#[cfg(feature = "web")]
pub mod web;
pub mod weights;
