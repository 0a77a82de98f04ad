//! What the core's unit tests read: the shipped pretrained weights and MNIST's test digits.

use crate::data::mnist::{TEST_IMAGES, TEST_LABELS};
use crate::data::{PIXELS, Split};
use crate::inference;
use crate::model::{Model, Preset};
use crate::preprocess::Digit;

/// The tutorial's network with the shipped pretrained weights.
pub fn pretrained() -> Model {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/public/weights/tutorial.bpk"
    ))
    .unwrap();
    inference::load(&Preset::Tutorial.config(), "tutorial", &bytes).unwrap()
}

/// MNIST's test set, as the app ships it.
pub fn test_split() -> Split {
    let file = |name: &str| {
        let path = format!("{}/public/mnist/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(path).unwrap()
    };
    let (images, labels) = (file(TEST_IMAGES), file(TEST_LABELS));
    Split::parse((TEST_IMAGES, &images), (TEST_LABELS, &labels)).unwrap()
}

/// Test digit `index` as the network's input.
pub fn digit(test: &Split, index: usize) -> Digit {
    let mut digit = [0.0; PIXELS];
    for (d, &p) in digit.iter_mut().zip(test.image(index)) {
        *d = f32::from(p) / 255.0;
    }
    digit
}
