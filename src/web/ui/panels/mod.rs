//! The page's panels: each reads the stores and the page's state, sends the worker requests and
//! calls services; none holds what another needs.

pub mod controls;
pub mod data;
pub mod draw;
pub mod evaluation;
pub mod files;
pub mod fool;
pub mod inside;
pub mod map;
pub mod models;
pub mod my_digits;
pub mod network;
pub mod progress;
pub mod pytorch;
pub mod reader;
pub mod share;
pub mod timeline;
