//! Pieces of view the panels share: charts, digits on small canvases, compared runs.

pub mod chart;
pub mod compare;
pub mod digits;
