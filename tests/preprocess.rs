//! The canvas path: real MNIST digits redrawn on a large canvas off-centre, at other sizes and in
//! either polarity, come back as (nearly) the same 28×28 and the same prediction.

mod common;

use burn::prelude::*;
use mnist_lab::data::batch::images_tensor;
use mnist_lab::data::{PIXELS, SIDE, Split};
use mnist_lab::eval::{argmax, probabilities};
use mnist_lab::model::Preset;
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
        &Preset::Tutorial.config().init(&device),
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

mod picture_headers {
    use mnist_lab::preprocess::picture::{Format, PictureError, check, declared_size};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        // SOI, an APP0 segment, a padded marker, a restart marker, then a progressive frame.
        let mut b = vec![
            0xff, 0xd8, 0xff, 0xe0, 0, 6, b'J', b'F', b'I', b'F', 0xff, 0xff, 0xd0,
        ];
        b.extend([0xff, 0xc2, 0, 11, 8]);
        b.extend(h.to_be_bytes());
        b.extend(w.to_be_bytes());
        b.extend([1, 1, 0x11, 0]);
        b
    }

    fn riff(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WEBP".to_vec();
        b.extend(kind);
        b.extend((data.len() as u32).to_le_bytes());
        b.extend(data);
        b
    }

    fn size(bytes: &[u8]) -> (Format, u64, u64) {
        declared_size(bytes).unwrap()
    }

    #[test]
    fn each_format_declares_its_size_in_its_first_bytes() {
        assert_eq!(size(&png(640, 480)), (Format::Png, 640, 480));
        assert_eq!(size(&jpeg(1024, 768)), (Format::Jpeg, 1024, 768));
        let gif = [
            b"GIF89a".as_slice(),
            &300u16.to_le_bytes(),
            &200u16.to_le_bytes(),
        ]
        .concat();
        assert_eq!(size(&gif), (Format::Gif, 300, 200));
        let mut bmp = b"BM".to_vec();
        bmp.extend([0; 12]);
        bmp.extend(40u32.to_le_bytes());
        bmp.extend(800i32.to_le_bytes());
        bmp.extend((-600i32).to_le_bytes());
        assert_eq!(size(&bmp), (Format::Bmp, 800, 600));
        let lossy = [
            [0u8; 3].as_slice(),
            &[0x9d, 0x01, 0x2a],
            &400u16.to_le_bytes(),
            &300u16.to_le_bytes(),
        ]
        .concat();
        assert_eq!(size(&riff(b"VP8 ", &lossy)), (Format::WebP, 400, 300));
        let bits: u32 = (400 - 1) | ((300 - 1) << 14);
        let lossless = [[0x2fu8].as_slice(), &bits.to_le_bytes()].concat();
        assert_eq!(size(&riff(b"VP8L", &lossless)), (Format::WebP, 400, 300));
        let extended = [[0u8; 4].as_slice(), &[0x3f, 0x9c, 0], &[0x2b, 0x01, 0]].concat();
        assert_eq!(size(&riff(b"VP8X", &extended)), (Format::WebP, 40_000, 300));
    }

    #[test]
    fn an_svg_is_as_large_as_it_says_it_is() {
        let svg =
            |tag: &str| size(format!("<?xml version=\"1.0\"?>\n{tag}<path/></svg>").as_bytes());
        assert_eq!(
            svg(r#"<svg width="30000" height='30000px'>"#),
            (Format::Svg, 30_000, 30_000)
        );
        assert_eq!(
            svg(r#"<svg stroke-width="2" viewBox="0 0 280 140">"#),
            (Format::Svg, 280, 140)
        );
        assert_eq!(
            svg(r#"<svg width="10in" viewBox="0,0,2,1">"#),
            (Format::Svg, 960, 480)
        );
        assert!(declared_size(b"<svg width=\"100%\">").is_err());
    }

    #[test]
    fn a_picture_over_the_budget_or_of_no_known_format_is_refused() {
        assert_eq!(
            check(&png(30_000, 30_000)),
            Err(PictureError::TooLarge {
                width: 30_000,
                height: 30_000
            })
        );
        assert_eq!(
            check(&png(u32::MAX, u32::MAX)).unwrap_err(),
            PictureError::TooLarge {
                width: u32::MAX.into(),
                height: u32::MAX.into()
            }
        );
        assert!(check(&png(7_000, 7_000)).is_ok());
        assert_eq!(check(&png(0, 10)), Err(PictureError::NoSize));
        assert_eq!(check(b"II*\0 a TIFF"), Err(PictureError::UnknownFormat));
        assert_eq!(check(&png(10, 10)[..20]), Err(PictureError::NoSize));
        // A JPEG whose segments run past its end, or that loops on padding, ends with no size.
        assert_eq!(
            check(&[0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]),
            Err(PictureError::NoSize)
        );
        assert_eq!(
            check(&[0xff, 0xd8, 0xff, 0xff, 0xff]),
            Err(PictureError::NoSize)
        );
    }
}
