//! What the page does outside itself: the browser's database, downloads, pictures the user opens. No signals, no
//! views: stores and panels call these.

pub mod address;
pub mod database;
pub mod download;
pub mod picture;
pub mod study;
