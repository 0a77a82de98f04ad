//! Seeded random affine augmentation: small rotation, scale and shift. Never a flip: a mirrored
//! digit is often another digit (or none).

use super::bilinear::bilinear;
use super::idx::{PIXELS, SIDE};
use super::rng::Rng;

/// Limits of the random transform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augment {
    /// Maximum rotation either way, in degrees.
    pub max_rotation_deg: f32,
    /// Maximum relative scale change (0.1 = 90 %..110 %).
    pub max_scale: f32,
    /// Maximum shift along each axis, in pixels.
    pub max_shift: f32,
}

impl Default for Augment {
    fn default() -> Self {
        Self {
            max_rotation_deg: 10.0,
            max_scale: 0.1,
            max_shift: 2.0,
        }
    }
}

impl Augment {
    /// Writes a randomly transformed copy of `src` (28×28, 0..255) into `dst` as floats in 0..1.
    pub fn apply(&self, src: &[u8], dst: &mut [f32], rng: &mut Rng) {
        let angle = rng
            .range_f32(-self.max_rotation_deg, self.max_rotation_deg)
            .to_radians();
        let scale = 1.0 + rng.range_f32(-self.max_scale, self.max_scale);
        let (dx, dy) = (
            rng.range_f32(-self.max_shift, self.max_shift),
            rng.range_f32(-self.max_shift, self.max_shift),
        );
        debug_assert_eq!(src.len(), PIXELS);
        // Outside the image is paper (0).
        let pixel = |x: i64, y: i64| {
            let inside = (0..SIDE as i64).contains(&x) && (0..SIDE as i64).contains(&y);
            if inside {
                src[y as usize * SIDE + x as usize] as f32
            } else {
                0.0
            }
        };
        // Inverse mapping: for each output pixel, find where it comes from in the source.
        let (sin, cos) = angle.sin_cos();
        let c = (SIDE as f32 - 1.0) / 2.0;
        for y in 0..SIDE {
            for x in 0..SIDE {
                let (u, v) = (x as f32 - c - dx, y as f32 - c - dy);
                let sx = (cos * u + sin * v) / scale + c;
                let sy = (-sin * u + cos * v) / scale + c;
                dst[y * SIDE + x] = bilinear(sx, sy, pixel) / 255.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar() -> Vec<u8> {
        // A vertical bar left of centre: a flip would move it to the right.
        let mut img = vec![0u8; PIXELS];
        for y in 6..22 {
            for x in 8..11 {
                img[y * SIDE + x] = 255;
            }
        }
        img
    }

    #[test]
    fn identity_transform_keeps_the_image() {
        let none = Augment {
            max_rotation_deg: 0.0,
            max_scale: 0.0,
            max_shift: 0.0,
        };
        let mut out = vec![0.0; PIXELS];
        none.apply(&bar(), &mut out, &mut Rng::new(1));
        let expected: Vec<f32> = bar().iter().map(|&p| p as f32 / 255.0).collect();
        assert!(out.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn augmentation_is_seeded_small_and_never_flips() {
        let aug = Augment::default();
        let (mut a, mut b) = (vec![0.0; PIXELS], vec![0.0; PIXELS]);
        aug.apply(&bar(), &mut a, &mut Rng::new(5));
        aug.apply(&bar(), &mut b, &mut Rng::new(5));
        assert_eq!(a, b);
        for seed in 0..50 {
            aug.apply(&bar(), &mut a, &mut Rng::new(seed));
            let mass: f32 = a.iter().sum();
            let cx = a
                .iter()
                .enumerate()
                .map(|(i, v)| (i % SIDE) as f32 * v)
                .sum::<f32>()
                / mass;
            // The bar sits at x≈9; it stays on the left half whatever the transform.
            assert!(cx < 13.0, "seed {seed}: centre moved to x={cx}");
            assert!(mass > 30.0, "seed {seed}: the digit vanished");
        }
    }
}
