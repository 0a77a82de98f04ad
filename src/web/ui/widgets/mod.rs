//! Pieces of view the panels share: charts, digits on small canvases, compared runs.

pub mod bars;
pub mod chart;
pub mod compare;
pub mod confusion;
pub mod digits;
pub mod histogram;
