//! Sampling an image between its pixels, for augmentation (rotate, scale, shift) and for
//! placing a drawing by its centre of mass.

/// The image value at a fractional position, interpolated from the four pixels around it;
/// `at(x, y)` gives a whole pixel's value (and whatever lies outside the image, usually 0).
pub fn bilinear(x: f32, y: f32, at: impl Fn(i64, i64) -> f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_positions_give_the_pixel_and_halfway_the_mean() {
        let at = |x: i64, y: i64| {
            if (0..2).contains(&x) && y == 0 {
                [10.0, 30.0][x as usize]
            } else {
                0.0
            }
        };
        assert_eq!(bilinear(1.0, 0.0, at), 30.0);
        assert_eq!(bilinear(0.5, 0.0, at), 20.0);
        assert_eq!(bilinear(0.5, 0.5, at), 10.0);
        assert_eq!(bilinear(-1.0, 0.0, at), 0.0);
    }
}
