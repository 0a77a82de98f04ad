//! The study worker's work (a second copy of the page's module, started by the page): each
//! snapshot's map and layers, where the current drawing lands on a map, and fooling the
//! network. It keeps the map's digits, and the features of the snapshot it looked at last, which
//! the drawing is placed among.

use std::cell::RefCell;

use burn::prelude::*;

use super::state::post;
use crate::data::PIXELS;
use crate::embedding::{self, Point};
use crate::explain::{fool, layers};
use crate::inference;
use crate::model::Model;
use crate::study::{self, Features};
use crate::web::i18n::Text;
use crate::web::protocol::{FromWorker, Studied, StudyAnswer, StudyRequest};

/// Digits whose gradients the layers' histograms show: a training batch's worth.
const GRADIENT_DIGITS: usize = 256;

#[derive(Default)]
struct Kept {
    /// The map's digits: 784 pixels (0..1) per label.
    pixels: Vec<f32>,
    labels: Vec<u8>,
    /// The snapshot studied last, and its digits' features.
    features: Option<(u32, Features)>,
}

thread_local! {
    static KEPT: RefCell<Kept> = RefCell::default();
}

pub async fn answer(request: StudyRequest) {
    let of_snapshot = match &request {
        StudyRequest::Snapshot { id, .. } => Some(*id),
        _ => None,
    };
    if let Err(message) = work(request).await {
        let failed = StudyAnswer::Failed {
            snapshot: of_snapshot,
            message,
        };
        post(FromWorker::Study(failed));
    }
}

async fn work(request: StudyRequest) -> Result<(), Text> {
    match request {
        StudyRequest::Digits(set) => {
            KEPT.with(|k| {
                let mut k = k.borrow_mut();
                k.pixels = set
                    .pixels
                    .to_vec()
                    .iter()
                    .map(|&p| p as f32 / 255.0)
                    .collect();
                k.labels = set.labels;
                k.features = None;
            });
            Ok(())
        }
        StudyRequest::Snapshot { id, weights, start } => {
            let start = start.map(|s| points(&s.to_vec()));
            snapshot(id, &model(&weights)?, start).await
        }
        StudyRequest::Place {
            id,
            weights,
            layout,
            drawing,
        } => {
            place(
                id,
                &model(&weights)?,
                &points(&layout.to_vec()),
                &drawing.to_vec(),
            )
            .await
        }
        StudyRequest::Fool {
            weights,
            drawing,
            target,
        } => fool_it(&model(&weights)?, drawing.to_vec(), target).await,
    }
}

fn model(studied: &Studied) -> Result<Model, Text> {
    Ok(inference::load(
        &studied.arch,
        "a snapshot",
        &studied.weights.to_vec(),
    )?)
}

/// Floats in pairs.
fn points(flat: &[f32]) -> Vec<Point> {
    flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect()
}

/// The features of the map's digits under snapshot `id`'s `model`, computed unless kept.
async fn features_of(id: u32, model: &Model) -> Result<(), Text> {
    if KEPT.with(|k| {
        k.borrow()
            .features
            .as_ref()
            .is_some_and(|(kept, _)| *kept == id)
    }) {
        return Ok(());
    }
    let pixels = KEPT.with(|k| k.borrow().pixels.clone());
    if pixels.is_empty() {
        return Err(Text::new("map-no-digits"));
    }
    let features = study::features(model, &pixels).await?;
    KEPT.with(|k| k.borrow_mut().features = Some((id, features)));
    Ok(())
}

/// The snapshot's layers, its PCA at once where the map starts afresh, then its map.
async fn snapshot(id: u32, model: &Model, start: Option<Vec<Point>>) -> Result<(), Text> {
    features_of(id, model).await?;
    let (pixels, labels, predicted) = KEPT.with(|k| {
        let k = k.borrow();
        let n = k.labels.len().min(GRADIENT_DIGITS);
        let predicted = k.features.as_ref().map(|(_, f)| f.predicted.clone());
        (
            k.pixels[..n * PIXELS].to_vec(),
            k.labels[..n].to_vec(),
            predicted,
        )
    });
    let device = Device::flex().autodiff();
    let layers = layers::layer_stats(model, &pixels, &labels, &device).await?;
    post(FromWorker::Study(StudyAnswer::Layers {
        id,
        predicted: predicted.unwrap_or_default(),
        layers,
    }));
    let laid_out = KEPT.with(|k| {
        let k = k.borrow();
        let (_, features) = k.features.as_ref()?;
        if start.is_none() {
            post_map(id, study::pca(features), false, &k.labels);
        }
        post_map(id, study::map(features, start.as_deref()), true, &k.labels);
        Some(())
    });
    laid_out.ok_or(Text::new("map-no-digits"))
}

fn post_map(id: u32, points: Vec<Point>, settled: bool, labels: &[u8]) {
    let agreement = embedding::agreement(&points, labels, study::NEIGHBOURS);
    post(FromWorker::Study(StudyAnswer::Map {
        id,
        points,
        settled,
        agreement,
    }));
}

async fn place(id: u32, model: &Model, layout: &[Point], drawing: &[f32]) -> Result<(), Text> {
    features_of(id, model).await?;
    let kept = KEPT.with(|k| k.borrow().features.as_ref().map(|(_, f)| f.clone()));
    let Some(features) = kept else {
        return Ok(());
    };
    let point = study::place(model, &features, layout, drawing).await?;
    post(FromWorker::Study(StudyAnswer::Placed { id, point }));
    Ok(())
}

async fn fool_it(model: &Model, before: Vec<f32>, target: u8) -> Result<(), Text> {
    if target > 9 {
        return Err(Text::from("the target is a digit, 0 to 9"));
    }
    let digit: [f32; PIXELS] = before
        .as_slice()
        .try_into()
        .map_err(|_| Text::from("a drawing is 784 pixels"))?;
    let fooled = fool::fool(model, &digit, target, &Device::flex().autodiff()).await?;
    post(FromWorker::Study(StudyAnswer::Fooled {
        target,
        before,
        fooled: Box::new(fooled),
    }));
    Ok(())
}
