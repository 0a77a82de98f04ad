//! The canvas path: real MNIST digits redrawn on a large canvas off-centre, at other sizes and in
//! either polarity, come back as (nearly) the same 28×28 and the same prediction.

mod common;

use burn::prelude::*;
use mnist_lab::data::batch::images_tensor;
use mnist_lab::data::{PIXELS, SIDE, Split};
use mnist_lab::eval::{argmax, probabilities};
use mnist_lab::model::ModelConfig;
use mnist_lab::preprocess::{Digit, PixelFormat, to_mnist};
use mnist_lab::weights;

const CANVAS: usize = 280;

/// Draws a 28×28 digit magnified `scale` times with its top-left at `(left, top)`, bilinear like
/// a smooth brush, as ink on paper of the given polarity (RGBA, opaque).
fn draw(digit: &[u8], scale: f32, left: f32, top: f32, dark_on_light: bool) -> Vec<u8> {
    let mut rgba = vec![0u8; CANVAS * CANVAS * 4];
    for y in 0..CANVAS {
        for x in 0..CANVAS {
            let (u, v) = (
                (x as f32 - left) / scale - 0.5,
                (y as f32 - top) / scale - 0.5,
            );
            let ink = sample(digit, u, v).round() as u8;
            let value = if dark_on_light { 255 - ink } else { ink };
            rgba[(y * CANVAS + x) * 4..][..4].copy_from_slice(&[value, value, value, 255]);
        }
    }
    rgba
}

fn sample(digit: &[u8], u: f32, v: f32) -> f32 {
    let at = |x: i32, y: i32| {
        if (0..SIDE as i32).contains(&x) && (0..SIDE as i32).contains(&y) {
            digit[y as usize * SIDE + x as usize] as f32
        } else {
            0.0
        }
    };
    let (x0, y0) = (u.floor() as i32, v.floor() as i32);
    let (fx, fy) = (u - u.floor(), v - v.floor());
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

fn mean_abs_diff(a: &Digit, b: &Digit) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / PIXELS as f32
}

fn prepare(rgba: &[u8]) -> Digit {
    to_mnist(rgba, CANVAS, CANVAS, PixelFormat::Rgba).unwrap()
}

fn test_digits() -> Split {
    common::mnist().test.take(20)
}

#[test]
fn shifted_or_scaled_drawings_give_nearly_the_same_input() {
    for i in 0..20 {
        let digit = test_digits().image(i).to_vec();
        let reference = prepare(&draw(&digit, 6.0, 60.0, 60.0, true));
        for (scale, left, top) in [
            (6.0, 0.0, 100.0),
            (6.0, 110.0, 5.0),
            (4.0, 20.0, 30.0),
            (9.0, 10.0, 20.0),
            (3.0, 190.0, 190.0),
        ] {
            let other = prepare(&draw(&digit, scale, left, top, true));
            let d = mean_abs_diff(&reference, &other);
            assert!(
                d < 0.03,
                "digit {i} drawn at scale {scale} ({left},{top}): mean difference {d}"
            );
        }
    }
}

#[test]
fn inverted_polarity_gives_the_same_input() {
    for i in 0..10 {
        let digit = test_digits().image(i).to_vec();
        let dark = prepare(&draw(&digit, 5.0, 40.0, 70.0, true));
        let light = prepare(&draw(&digit, 5.0, 40.0, 70.0, false));
        assert!(mean_abs_diff(&dark, &light) < 1e-3, "digit {i}");
    }
}

#[test]
fn transparent_canvas_strokes_are_read_from_alpha() {
    let digit = test_digits().image(0).to_vec();
    let opaque = prepare(&draw(&digit, 5.0, 40.0, 70.0, false));
    // The same drawing as black strokes on a transparent canvas.
    let mut transparent = draw(&digit, 5.0, 40.0, 70.0, false);
    for px in transparent.chunks_exact_mut(4) {
        px.copy_from_slice(&[0, 0, 0, px[0]]);
    }
    assert!(mean_abs_diff(&opaque, &prepare(&transparent)) < 1e-3);
}

#[test]
fn redrawn_digits_are_classified_like_the_originals() {
    let device = Device::flex();
    let model = weights::load_file_into(
        &ModelConfig::TUTORIAL.init(&device),
        &common::project("tests/fixtures/MulticlassCNN.pth"),
    )
    .unwrap();
    let digits = test_digits();
    let mut agree = 0;
    for i in 0..digits.len() {
        let digit = digits.image(i).to_vec();
        let drawn = prepare(&draw(
            &digit,
            7.0,
            15.0 + 4.0 * i as f32,
            3.0 * i as f32,
            i % 2 == 0,
        ));
        let probs = pollster::block_on(probabilities(
            &model,
            images_tensor(drawn.to_vec(), &device),
        ))
        .unwrap();
        agree += (argmax(&probs[0]).0 == digits.label(i)) as usize;
    }
    assert!(agree >= 19, "{agree} of 20 redrawn digits read correctly");
}
