//! What the timeline shows of one snapshot of a run, computed off the page's thread: what the
//! network reads a fixed set of test digits as, and the map of what it sees — the features its
//! output layer reads, laid out in 2-D ([`crate::embedding`]), so that the clusters of the ten
//! digits can be watched forming over a run.

use burn::prelude::*;

use crate::data::PIXELS;
use crate::data::batch::{images_tensor, read_floats};
use crate::embedding::{self, Point};
use crate::eval::{EvalError, argmax, softmax_rows};
use crate::model::Model;

/// Neighbours on the map that [`embedding::agreement`] asks about.
pub const NEIGHBOURS: usize = 10;
/// Digits per forward pass: a few megabytes of activations for the widest networks.
const BATCH: usize = 250;
/// Wider features are hashed down to this many first ([`embedding::sketch`]): the neighbour
/// search costs n² times the width, and a network without pools has 100,000 features.
const MAX_WIDTH: usize = 1_024;
/// Epochs of the layout: a first one from the PCA, and one that starts from the snapshot
/// before's map, which only has to move it.
const FIRST_EPOCHS: usize = 200;
const WARM_EPOCHS: usize = 80;

/// The features the output layer reads for each digit (`width` floats each, hashed down for
/// very wide networks), and the digit each is read as.
#[derive(Clone)]
pub struct Features {
    pub values: Vec<f32>,
    pub width: usize,
    pub predicted: Vec<u8>,
}

/// [`Features`] of `pixels` (784 per digit, 0..1) under `model`, on the CPU, a batch at a time.
pub async fn features(model: &Model, pixels: &[f32]) -> Result<Features, EvalError> {
    let device = Device::flex();
    let mut all = Features {
        values: vec![],
        width: 0,
        predicted: vec![],
    };
    for batch in pixels.chunks(BATCH * PIXELS) {
        let out = model.forward_activations(images_tensor(batch.to_vec(), &device));
        let [_, width] = out.features.dims();
        let values = read_floats(out.features).await.map_err(EvalError::Read)?;
        let (values, width) = match width > MAX_WIDTH {
            true => (embedding::sketch(&values, width, MAX_WIDTH), MAX_WIDTH),
            false => (values, width),
        };
        all.values.extend(values);
        all.width = width;
        let read = softmax_rows(out.logits).await?;
        all.predicted.extend(read.iter().map(|p| argmax(p).0));
    }
    Ok(all)
}

/// The map of `features`: laid out from `start` (the snapshot before's map), or from their PCA.
pub fn map(features: &Features, start: Option<&[Point]>) -> Vec<Point> {
    let neighbours = embedding::neighbours(&features.values, features.width, 15);
    let (start, epochs) = match start {
        Some(start) => (start.to_vec(), WARM_EPOCHS),
        None => (pca(features), FIRST_EPOCHS),
    };
    embedding::layout(&neighbours, &start, epochs, 0x5eed)
}

/// The instant first frame: the two principal components.
pub fn pca(features: &Features) -> Vec<Point> {
    embedding::pca(&features.values, features.width)
}

/// Where a digit (784 pixels, 0..1) lands on `layout`, the map of `features` under `model`.
pub async fn place(
    model: &Model,
    features: &Features,
    layout: &[Point],
    digit: &[f32],
) -> Result<Point, EvalError> {
    let one = self::features(model, digit).await?;
    Ok(embedding::place(
        &features.values,
        features.width,
        layout,
        &one.values,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PIXELS;
    use crate::embedding::agreement;
    use crate::model::Preset;
    use crate::testing::{self, pretrained};

    /// The map of the first `n` test digits under `model`, and how well it keeps them apart.
    fn mapped(model: &Model, n: usize) -> (Features, Vec<Point>, f32) {
        let test = testing::test_split().take(n);
        let pixels: Vec<f32> = (0..n).flat_map(|i| testing::digit(&test, i)).collect();
        let features = pollster::block_on(features(model, &pixels)).unwrap();
        let points = map(&features, None);
        let share = agreement(&points, test.labels(), NEIGHBOURS);
        (features, points, share)
    }

    #[test]
    fn a_trained_network_keeps_the_digits_apart_on_its_map() {
        let (features, points, trained) = mapped(&pretrained(), 600);
        assert_eq!(
            (features.width, features.predicted.len(), points.len()),
            (784, 600, 600)
        );
        assert!(features.predicted.iter().all(|&p| p < 10));
        let random = Preset::Tutorial.config().seeded(1, &Device::flex());
        let (_, _, untrained) = mapped(&random, 600);
        assert!(trained > 0.9, "trained: {trained}");
        assert!(
            trained > untrained,
            "trained {trained}, untrained {untrained}"
        );
        // A warm start from this map moves it little.
        let again = map(&features, Some(&points));
        let moved: f32 = again
            .iter()
            .zip(&points)
            .map(|(a, b)| (a[0] - b[0]).hypot(a[1] - b[1]))
            .sum::<f32>()
            / 600.0;
        assert!(moved < 0.3, "moved {moved}");
    }

    #[test]
    fn a_digit_lands_among_its_own_kind() {
        let model = pretrained();
        let (features, points, _) = mapped(&model, 400);
        let test = testing::test_split();
        // Test digit 500 (not on the map) lands nearest points of its own label.
        let digit = testing::digit(&test, 500);
        let at = pollster::block_on(place(&model, &features, &points, &digit)).unwrap();
        let nearest = (0..400).min_by(|&a, &b| {
            let d = |i: usize| (points[i][0] - at[0]).hypot(points[i][1] - at[1]);
            d(a).total_cmp(&d(b))
        });
        assert_eq!(test.label(nearest.unwrap()), test.label(500));
        assert_eq!(digit.len(), PIXELS);
    }

    #[test]
    fn wide_features_are_hashed_down() {
        let model = "c4"
            .parse::<crate::model::ModelConfig>()
            .unwrap()
            .seeded(2, &Device::flex());
        let test = testing::test_split().take(3);
        let pixels: Vec<f32> = (0..3).flat_map(|i| testing::digit(&test, i)).collect();
        let features = pollster::block_on(features(&model, &pixels)).unwrap();
        assert_eq!(features.width, MAX_WIDTH);
        assert_eq!(features.values.len(), 3 * MAX_WIDTH);
    }
}
