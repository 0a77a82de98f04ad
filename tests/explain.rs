//! "Why this digit?": occlusion credits the ink of a clear digit with the reading, gives paper
//! nothing, and blames ink that was added to make the digit look like another.

mod common;

use burn::prelude::*;
use mnist_lab::data::SIDE;
use mnist_lab::explain::occlusion;
use mnist_lab::inference;
use mnist_lab::model::Model;
use mnist_lab::preprocess::Digit;
use mnist_lab::weights;

fn pretrained() -> Model {
    weights::load_file(
        &common::project("public/weights/tutorial.bpk"),
        &Device::flex(),
    )
    .unwrap()
}

/// The first test digit with this label, as the network's input.
fn test_digit(label: u8) -> Digit {
    let test = common::mnist().test;
    let index = (0..test.len()).find(|&i| test.label(i) == label).unwrap();
    let mut digit = [0.0; 784];
    for (d, &p) in digit.iter_mut().zip(test.image(index)) {
        *d = f32::from(p) / 255.0;
    }
    digit
}

fn mean(values: &[f32], pixels: impl Iterator<Item = usize>) -> f32 {
    let picked: Vec<f32> = pixels.map(|i| values[i]).collect();
    picked.iter().sum::<f32>() / picked.len() as f32
}

#[test]
fn the_ink_of_a_clear_digit_supports_its_reading_and_paper_gets_nothing() {
    let model = pretrained();
    let digit = test_digit(3);
    let reading = pollster::block_on(inference::read(&model, &digit)).unwrap();
    assert_eq!(reading.digit, 3);
    let why = pollster::block_on(occlusion(&model, &digit, 3)).unwrap();
    assert_eq!(why.len(), 784);
    let ink = (0..784).filter(|&i| digit[i] > 0.5);
    assert!(
        mean(&why, ink) > 0.0,
        "hiding the 3's ink makes the network less sure of 3"
    );
    // The corners: MNIST digits sit in the middle 20×20, so no square there holds ink.
    for corner in [0, SIDE - 1, 783 - (SIDE - 1), 783] {
        assert_eq!(why[corner], 0.0);
    }
}

#[test]
fn ink_added_to_make_a_one_look_like_a_seven_argues_against_the_one() {
    let model = pretrained();
    let mut digit = test_digit(1);
    // A bar to the left of the 1's top: what turns a 1 into a 7.
    let top = (0..784).find(|&i| digit[i] > 0.5).unwrap() / SIDE;
    let left = (0..SIDE).find(|&c| digit[top * SIDE + c] > 0.5).unwrap();
    let bar: Vec<usize> = (top..top + 2)
        .flat_map(|r| (left.saturating_sub(9)..left).map(move |c| r * SIDE + c))
        .collect();
    for &i in &bar {
        digit[i] = 1.0;
    }
    let why = pollster::block_on(occlusion(&model, &digit, 1)).unwrap();
    let stroke = (0..784).filter(|&i| digit[i] > 0.5 && !bar.contains(&i) && i / SIDE > top + 4);
    assert!(
        mean(&why, bar.iter().copied()) < 0.0,
        "the bar argues against a 1"
    );
    assert!(mean(&why, stroke) > 0.0, "the stroke below it supports a 1");
}
