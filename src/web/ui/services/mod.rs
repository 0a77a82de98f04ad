//! What the page does outside itself: the browser's database and downloads. No signals, no
//! views: stores and panels call these.

pub mod database;
pub mod download;
