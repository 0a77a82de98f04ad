//! Canvas pixels → the 28×28 input MNIST digits look like.
//!
//! MNIST's digits were made by fitting each scanned digit's bounding box into 20×20 (keeping its
//! aspect ratio, anti-aliased) and placing it in 28×28 with its centre of mass at the centre. A
//! drawing prepared the same way is what the network was trained to read, wherever and however
//! large it was drawn.

pub mod picture;

use crate::data::bilinear::bilinear;
use crate::data::{PIXELS, SIDE};

/// Side of the box the digit is scaled to fit, as in MNIST.
const FIT: f32 = 20.0;
/// Ink below this (0..1) is noise or paper texture, not part of the drawing.
const INK_THRESHOLD: f32 = 0.1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 4 bytes per pixel, as a canvas `ImageData` gives them.
    Rgba,
    /// 1 byte per pixel.
    Gray,
}

impl PixelFormat {
    fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Rgba => 4,
            PixelFormat::Gray => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreprocessError {
    #[error("nothing drawn")]
    NothingDrawn,
    #[error("{width}x{height} pixels need {expected} bytes, got {got}")]
    WrongSize {
        width: usize,
        height: usize,
        expected: usize,
        got: usize,
    },
}

/// A 28×28 digit, 0 (paper) to 1 (ink), row-major: the model's input.
pub type Digit = [f32; PIXELS];

/// A 28×28 of grey pixels (0 paper .. 255 ink, as a reading shows it and MNIST stores it) as the
/// network's input; `pixels` holds at least [`PIXELS`].
pub fn from_grey(pixels: &[u8]) -> Digit {
    std::array::from_fn(|i| f32::from(pixels[i]) / 255.0)
}

/// Prepares a drawing of any size and polarity (dark ink on light paper or light on dark).
pub fn to_mnist(
    pixels: &[u8],
    width: usize,
    height: usize,
    format: PixelFormat,
) -> Result<Digit, PreprocessError> {
    // Saturating: absurd dimensions must give `WrongSize`, not wrap around to the length given.
    let expected = width
        .saturating_mul(height)
        .saturating_mul(format.bytes_per_pixel());
    if pixels.len() != expected {
        return Err(PreprocessError::WrongSize {
            width,
            height,
            expected,
            got: pixels.len(),
        });
    }
    if width == 0 || height == 0 {
        return Err(PreprocessError::NothingDrawn);
    }
    let ink = ink(pixels, width, height, format);
    let (x0, y0, x1, y1) =
        bounding_box(&ink, width, height).ok_or(PreprocessError::NothingDrawn)?;
    let fitted = fit(&ink, width, (x0, y0, x1, y1));
    Ok(centre(&fitted))
}

/// How much ink each pixel holds, 0..1, whatever the polarity.
fn ink(pixels: &[u8], width: usize, height: usize, format: PixelFormat) -> Vec<f32> {
    let (luma, alpha): (Vec<f32>, Option<Vec<f32>>) = match format {
        PixelFormat::Gray => (pixels.iter().map(|&p| p as f32 / 255.0).collect(), None),
        PixelFormat::Rgba => {
            let px = pixels.chunks_exact(4);
            let luma = px
                .clone()
                .map(|p| (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0)
                .collect();
            let transparent = px.clone().any(|p| p[3] < 255);
            (
                luma,
                transparent.then(|| px.map(|p| p[3] as f32 / 255.0).collect()),
            )
        }
    };
    // A canvas that was never filled is transparent: its strokes are where the alpha is.
    if let Some(alpha) = alpha {
        return alpha;
    }
    // Paper is what the border mostly is; ink is the distance from it.
    let paper = median_border(&luma, width, height);
    let (ink, paper_ink): (Vec<f32>, f32) = if paper > 0.5 {
        (luma.iter().map(|l| 1.0 - l).collect(), 1.0 - paper)
    } else {
        (luma, paper)
    };
    let span = (1.0 - paper_ink).max(1e-6);
    ink.iter()
        .map(|v| ((v - paper_ink) / span).clamp(0.0, 1.0))
        .collect()
}

fn median_border(luma: &[f32], width: usize, height: usize) -> f32 {
    let mut border: Vec<f32> = (0..width)
        .flat_map(|x| [luma[x], luma[(height - 1) * width + x]])
        .chain((0..height).flat_map(|y| [luma[y * width], luma[y * width + width - 1]]))
        .collect();
    border.sort_by(f32::total_cmp);
    border.get(border.len() / 2).copied().unwrap_or(0.0)
}

/// Inclusive-exclusive box `(x0, y0, x1, y1)` around the ink, or `None` if there is none.
fn bounding_box(ink: &[f32], width: usize, height: usize) -> Option<(usize, usize, usize, usize)> {
    let mut b: Option<(usize, usize, usize, usize)> = None;
    for y in 0..height {
        for x in 0..width {
            if ink[y * width + x] > INK_THRESHOLD {
                let (x0, y0, x1, y1) = b.unwrap_or((x, y, x + 1, y + 1));
                b = Some((x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)));
            }
        }
    }
    b
}

/// An image with its size.
struct Plane {
    values: Vec<f32>,
    width: usize,
    height: usize,
}

/// Scales the boxed ink so its longer side is 20 px, averaging the source area each output
/// pixel covers (anti-aliased down and up), and stretches its darkest ink to 1.
fn fit(ink: &[f32], stride: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> Plane {
    let (bw, bh) = ((x1 - x0) as f32, (y1 - y0) as f32);
    let scale = FIT / bw.max(bh);
    let (width, height) = (
        ((bw * scale).round() as usize).max(1),
        ((bh * scale).round() as usize).max(1),
    );
    // Source units per output pixel, exact so the whole box maps onto the output.
    let (sx, sy) = (bw / width as f32, bh / height as f32);
    let mut values = vec![0.0f32; width * height];
    for ty in 0..height {
        let (ys, ye) = (ty as f32 * sy, (ty + 1) as f32 * sy);
        for tx in 0..width {
            let (xs, xe) = (tx as f32 * sx, (tx + 1) as f32 * sx);
            let (mut sum, mut area) = (0.0, 0.0);
            for y in ys.floor() as usize..(ye.ceil() as usize).min(y1 - y0) {
                let wy = (ye.min(y as f32 + 1.0) - ys.max(y as f32)).max(0.0);
                for x in xs.floor() as usize..(xe.ceil() as usize).min(x1 - x0) {
                    let wx = (xe.min(x as f32 + 1.0) - xs.max(x as f32)).max(0.0);
                    sum += ink[(y0 + y) * stride + x0 + x] * wx * wy;
                    area += wx * wy;
                }
            }
            values[ty * width + tx] = if area > 0.0 { sum / area } else { 0.0 };
        }
    }
    let max = values.iter().copied().fold(0.0, f32::max);
    if max > 0.0 {
        values.iter_mut().for_each(|v| *v /= max);
    }
    Plane {
        values,
        width,
        height,
    }
}

/// Places the plane in 28×28 with its centre of mass at the centre. The shift is sub-pixel
/// (bilinear), so a drawing moved by a fraction of a pixel does not jump a whole one.
fn centre(plane: &Plane) -> Digit {
    let (mut mass, mut mx, mut my) = (0.0f32, 0.0f32, 0.0f32);
    for y in 0..plane.height {
        for x in 0..plane.width {
            let v = plane.values[y * plane.width + x];
            mass += v;
            mx += (x as f32 + 0.5) * v;
            my += (y as f32 + 0.5) * v;
        }
    }
    let half = SIDE as f32 / 2.0;
    let (ox, oy) = (half - mx / mass, half - my / mass);
    let at = |x: i64, y: i64| {
        let inside = (0..plane.width as i64).contains(&x) && (0..plane.height as i64).contains(&y);
        if inside {
            plane.values[y as usize * plane.width + x as usize]
        } else {
            0.0
        }
    };
    let mut out = [0.0f32; PIXELS];
    for ty in 0..SIDE {
        for tx in 0..SIDE {
            out[ty * SIDE + tx] = bilinear(tx as f32 - ox, ty as f32 - oy, at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_or_uniform_canvas_is_nothing_drawn() {
        for fill in [0u8, 255, 128] {
            assert_eq!(
                to_mnist(&vec![fill; 50 * 40], 50, 40, PixelFormat::Gray),
                Err(PreprocessError::NothingDrawn)
            );
        }
        assert_eq!(
            to_mnist(&vec![0u8; 4 * 100], 10, 10, PixelFormat::Rgba),
            Err(PreprocessError::NothingDrawn)
        );
        assert!(matches!(
            to_mnist(&[0u8; 3], 2, 2, PixelFormat::Gray),
            Err(PreprocessError::WrongSize { .. })
        ));
    }

    #[test]
    fn a_dot_lands_in_the_centre_scaled_to_the_box() {
        let mut img = vec![0u8; 100 * 100];
        for y in 10..20 {
            for x in 70..80 {
                img[y * 100 + x] = 255;
            }
        }
        let d = to_mnist(&img, 100, 100, PixelFormat::Gray).unwrap();
        // A 10×10 square becomes 20×20, centred: rows and columns 4..24 are ink.
        assert_eq!(d[4 * SIDE + 4], 1.0);
        assert_eq!(d[23 * SIDE + 23], 1.0);
        assert_eq!(d[3 * SIDE + 4], 0.0);
        assert_eq!(d[24 * SIDE + 24], 0.0);
    }
}
