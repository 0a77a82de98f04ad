//! What the page and its study worker say to each other: the study worker is a second copy of
//! the page's own module that looks at the snapshots of a run (the map of what the network
//! sees, each layer's weights and gradients), places the current drawing on that map and fools
//! the network, so that none of it takes the page's thread or the training worker's.

use serde::{Deserialize, Serialize};

use super::{Bytes, DigitSet, Floats, arch};
use crate::embedding::Point;
use crate::explain::fool::Fooled;
use crate::explain::layers::LayerStats;
use crate::model::ModelConfig;
use crate::web::i18n::Text;

/// How many test digits the map shows: enough for ten clusters, few enough to lay out in about
/// a second and to draw in a few milliseconds.
pub const MAP_DIGITS: usize = 2_000;

/// A moment of a run, kept for its timeline: the weights after `step` steps (`epoch` in epochs,
/// fractional within the first).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub step: usize,
    pub epoch: f64,
    pub weights: Bytes,
}

/// Weights to study: a network and its burn record.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Studied {
    #[serde(with = "arch")]
    pub arch: ModelConfig,
    pub weights: Bytes,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum StudyRequest {
    /// The digits every map shows (kept by the study worker: sent once, and again to a new one).
    Digits(DigitSet),
    /// The map and the layers of snapshot `id`, its layout started from `start` (the snapshot
    /// before's, two floats per digit), or from its PCA, which is sent first.
    Snapshot {
        id: u32,
        weights: Studied,
        start: Option<Floats>,
    },
    /// Where `drawing` (784 pixels, 0..1) lands on the map `layout` of snapshot `id`.
    Place {
        id: u32,
        weights: Studied,
        layout: Floats,
        drawing: Floats,
    },
    /// The smallest change found that makes the network read `drawing` as `target`.
    Fool {
        weights: Studied,
        drawing: Floats,
        target: u8,
    },
}

impl StudyRequest {
    /// The buffers that move with it.
    pub fn transfer(&self) -> Vec<js_sys::ArrayBuffer> {
        match self {
            StudyRequest::Digits(set) => vec![set.pixels.buffer()],
            StudyRequest::Snapshot { weights, start, .. } => {
                let start = start.iter().map(Floats::buffer);
                start.chain([weights.weights.buffer()]).collect()
            }
            StudyRequest::Place {
                weights,
                layout,
                drawing,
                ..
            } => vec![weights.weights.buffer(), layout.buffer(), drawing.buffer()],
            StudyRequest::Fool {
                weights, drawing, ..
            } => vec![weights.weights.buffer(), drawing.buffer()],
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum StudyAnswer {
    /// Snapshot `id`'s map: `settled` once laid out, else its PCA (an instant first frame);
    /// and how well it keeps the labels apart ([`crate::embedding::agreement`]).
    Map {
        id: u32,
        points: Vec<Point>,
        settled: bool,
        agreement: f32,
    },
    /// What snapshot `id` reads each map digit as, and each layer's weights and gradients.
    Layers {
        id: u32,
        predicted: Vec<u8>,
        layers: Vec<LayerStats>,
    },
    Placed {
        id: u32,
        point: Point,
    },
    Fooled {
        target: u8,
        before: Vec<f32>,
        fooled: Box<Fooled>,
    },
    /// A request could not be answered (`snapshot`: the snapshot's, for a snapshot's), and why.
    Failed {
        snapshot: Option<u32>,
        message: Text,
    },
}
