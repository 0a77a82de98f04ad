//! The network's forward and backward passes written out for the CPU: a share's loss and
//! gradients from its images and the flattened parameters, with no autodiff graph.
//!
//! burn-flex runs each operation on its own, and its convolution gradients go through general
//! paths (the weight gradient as a convolution whose kernel is the whole 28×28 output gradient,
//! the input gradient as a transposed convolution), plus a copy or a zero-fill between most
//! operations; for this small network that made a training step ~2× slower than PyTorch's. Here
//! each convolution is one matrix product over a patch matrix (im2col) in each direction, ReLU
//! and max pooling are one pass each, and everything is laid out channel by channel so the
//! products need no transposed copies. The model and the optimizer stay burn tensors: these
//! kernels only replace [`super::trainer`]'s forward and backward, and give the same gradients
//! up to float rounding (tests below compare them with burn's autodiff).

use burn::prelude::Device;

use super::share::ShareGradients;
use crate::data::PIXELS;
use crate::model::{ConvBlock, Model, ModelConfig};

const SIDE: usize = 28;
/// A 3×3 kernel's taps.
const TAPS: usize = 9;
const CLASSES: usize = 10;

/// The shape of a network these kernels train: the tutorial's layers (two 3×3 convolutions,
/// each pooled, no batch norm) with any channel counts and at most one hidden layer. Dropout is
/// not written out (its random mask is burn's), so a model with dropout trains through burn's
/// autodiff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Network {
    c1: usize,
    c2: usize,
    /// The hidden layer's width (0: none).
    pub(super) hidden: usize,
}

impl Network {
    /// The kernels that train `model` on `device`: on the CPU, where they fit the model.
    pub fn training(model: &Model, device: &Device) -> Option<Self> {
        Self::of(model.config()).filter(|_| *device == Device::flex())
    }

    /// The shape of a network of `config`, when these kernels compute exactly what its
    /// `forward` does in training (the GPU kernels take the same networks, without a hidden
    /// layer).
    pub(super) fn of(config: &ModelConfig) -> Option<Self> {
        let plain = |b: &ConvBlock| b.kernel == 3 && b.pool && !b.batch_norm;
        let [b1, b2] = config.blocks.as_slice() else {
            return None;
        };
        let hidden = match config.hidden.as_slice() {
            [] => 0,
            [h] if h.dropout == 0.0 => h.width,
            _ => return None,
        };
        (plain(b1) && plain(b2)).then_some(Self {
            c1: b1.channels,
            c2: b2.channels,
            hidden,
        })
    }

    /// Inputs of the fully connected layers: conv2's 7×7 maps, flattened.
    fn flat_features(&self) -> usize {
        self.c2 * 49
    }

    /// Inputs of the output layer.
    fn fc_in(&self) -> usize {
        match self.hidden {
            0 => self.flat_features(),
            h => h,
        }
    }

    /// The parameters' sizes in the order the model visits them (and flattens them).
    fn sizes(&self) -> [usize; 8] {
        let Self { c1, c2, hidden: h } = *self;
        let f = self.flat_features();
        [
            c1 * TAPS,
            c1,
            c2 * c1 * TAPS,
            c2,
            f * h,
            h,
            self.fc_in() * CLASSES,
            CLASSES,
        ]
    }

    /// The parameters the layout of [`Self::sizes`] holds (checked against the model's count).
    pub fn num_params(&self) -> usize {
        self.sizes().iter().sum()
    }

    /// The share's loss (its mean cross-entropy times `weight`, its fraction of the batch), its
    /// hits and the loss's gradients, flattened like `params`. `pixels` holds 784 floats per
    /// label; the caller checks the lengths and labels.
    pub fn gradients(
        &self,
        params: &[f32],
        pixels: &[f32],
        labels: &[u8],
        weight: f32,
    ) -> ShareGradients {
        let n = labels.len();
        assert_eq!(
            params.len(),
            self.num_params(),
            "parameters for this network"
        );
        assert_eq!(pixels.len(), n * PIXELS, "784 pixels per label");
        let Self { c1, c2, hidden: h } = *self;
        let (f, fi) = (self.flat_features(), self.fc_in());
        let [w1, b1, w2, b2, wh, bh, wo, bo] = split(params, self.sizes());

        // Forward, keeping what the backward pass needs. Maps are [channel][image][y][x].
        let cols1 = im2col(pixels, 1, n, SIDE);
        let mut a1 = product(Mat::rows(w1, c1, TAPS), Mat::rows(&cols1, TAPS, n * PIXELS));
        add_bias_relu(&mut a1, b1);
        let (p1, arg1) = max_pool(&a1, SIDE);
        let half = SIDE / 2;
        let cols2 = im2col(&p1, c1, n, half);
        let mut a2 = product(
            Mat::rows(w2, c2, c1 * TAPS),
            Mat::rows(&cols2, c1 * TAPS, n * half * half),
        );
        add_bias_relu(&mut a2, b2);
        let (p2, arg2) = max_pool(&a2, half);
        // PyTorch's flatten order: image by image, then channel, then position.
        let mut x = vec![0.0; n * f];
        for (c, maps) in p2.chunks_exact(n * 49).enumerate() {
            for (image, map) in maps.chunks_exact(49).enumerate() {
                x[image * f + c * 49..][..49].copy_from_slice(map);
            }
        }
        let hidden = (h > 0).then(|| {
            let mut a = product(Mat::rows(&x, n, f), Mat::rows(wh, f, h));
            add_row_bias_relu(&mut a, bh);
            a
        });
        let fc_input = hidden.as_deref().unwrap_or(&x);
        let mut logits = product(Mat::rows(fc_input, n, fi), Mat::rows(wo, fi, CLASSES));
        for row in logits.chunks_exact_mut(CLASSES) {
            row.iter_mut().zip(bo).for_each(|(v, b)| *v += b);
        }
        let (loss, correct, d_logits) = cross_entropy(&logits, labels, weight);

        // Backward, layer by layer, into the flattened gradients.
        let mut grads = vec![0.0; params.len()];
        let [gw1, gb1, gw2, gb2, gwh, gbh, gwo, gbo] = split_mut(&mut grads, self.sizes());
        matmul(
            gwo,
            Mat::rows(fc_input, n, fi).t(),
            Mat::rows(&d_logits, n, CLASSES),
        );
        column_sums(gbo, &d_logits);
        let d_fc_input = product(
            Mat::rows(&d_logits, n, CLASSES),
            Mat::rows(wo, fi, CLASSES).t(),
        );
        let d_x = match &hidden {
            Some(a) => {
                let mut d_z = d_fc_input;
                d_z.iter_mut().zip(a).for_each(|(d, &a)| {
                    if a <= 0.0 {
                        *d = 0.0
                    }
                });
                matmul(gwh, Mat::rows(&x, n, f).t(), Mat::rows(&d_z, n, h));
                column_sums(gbh, &d_z);
                product(Mat::rows(&d_z, n, h), Mat::rows(wh, f, h).t())
            }
            None => d_fc_input,
        };
        let mut d_p2 = vec![0.0; c2 * n * 49];
        for (c, maps) in d_p2.chunks_exact_mut(n * 49).enumerate() {
            for (image, map) in maps.chunks_exact_mut(49).enumerate() {
                map.copy_from_slice(&d_x[image * f + c * 49..][..49]);
            }
        }
        let d_a2 = unpool_relu(&d_p2, &arg2, &a2);
        matmul(
            gw2,
            Mat::rows(&d_a2, c2, n * half * half),
            Mat::rows(&cols2, c1 * TAPS, n * half * half).t(),
        );
        row_sums(gb2, &d_a2);
        let d_cols2 = product(
            Mat::rows(w2, c2, c1 * TAPS).t(),
            Mat::rows(&d_a2, c2, n * half * half),
        );
        let d_p1 = col2im(&d_cols2, c1, n, half);
        let d_a1 = unpool_relu(&d_p1, &arg1, &a1);
        matmul(
            gw1,
            Mat::rows(&d_a1, c1, n * PIXELS),
            Mat::rows(&cols1, TAPS, n * PIXELS).t(),
        );
        row_sums(gb1, &d_a1);
        ShareGradients {
            grads,
            loss,
            correct,
        }
    }
}

fn split(params: &[f32], sizes: [usize; 8]) -> [&[f32]; 8] {
    let mut rest = params;
    sizes.map(|n| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head
    })
}

fn split_mut(grads: &mut [f32], sizes: [usize; 8]) -> [&mut [f32]; 8] {
    let mut rest = grads;
    sizes.map(|n| {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
        rest = tail;
        head
    })
}

/// A matrix read from a slice with any strides, so a transposed operand is a view, not a copy.
#[derive(Clone, Copy)]
struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix.
    fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "a {rows}×{cols} matrix");
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// `dst = a · b`, `dst` row-major.
fn matmul(dst: &mut [f32], a: Mat, b: Mat) {
    assert_eq!(dst.len(), a.rows * b.cols, "destination size");
    // SAFETY: `dst` holds exactly the rows × cols elements written.
    unsafe { gemm_into(dst.as_mut_ptr(), a, b) }
}

/// `a · b` as a new row-major matrix, written once (no zero-fill first).
fn product(a: Mat, b: Mat) -> Vec<f32> {
    let len = a.rows * b.cols;
    let mut out = Vec::with_capacity(len);
    // SAFETY: the capacity holds `len` elements; gemm writes every one of them (it never
    // reads a destination it is told not to read, and fills it with zeros when k = 0), so
    // all `len` are initialised before `set_len`.
    unsafe {
        gemm_into(out.as_mut_ptr(), a, b);
        out.set_len(len);
    }
    out
}

/// Writes `a · b` row-major at `dst` with the `gemm` crate (SIMD microkernels picked at run
/// time, simd128 on wasm; one thread, since a batch is shared between threads a level above).
///
/// # Safety
/// `dst` must be valid for writing `a.rows × b.cols` elements and not overlap `a` or `b`.
unsafe fn gemm_into(dst: *mut f32, a: Mat, b: Mat) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions");
    // SAFETY: `a` and `b` were made by `Mat::rows` (which checks their slice holds rows × cols
    // elements) or its transpose, so every index they reach is in bounds; `dst` is the
    // caller's promise.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            false,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Adds each channel's bias to its maps (`maps` is `[channel][…]`) and applies ReLU.
fn add_bias_relu(maps: &mut [f32], bias: &[f32]) {
    let per_channel = maps.len() / bias.len();
    for (channel, &b) in maps.chunks_exact_mut(per_channel).zip(bias) {
        channel.iter_mut().for_each(|v| *v = (*v + b).max(0.0));
    }
}

/// Adds a bias to each row of a row-major matrix and applies ReLU.
fn add_row_bias_relu(rows: &mut [f32], bias: &[f32]) {
    for row in rows.chunks_exact_mut(bias.len()) {
        row.iter_mut()
            .zip(bias)
            .for_each(|(v, b)| *v = (*v + b).max(0.0));
    }
}

/// `sums[i]` = the sum of row `i` of `matrix` (a bias's gradient over `[channel][…]` maps).
fn row_sums(sums: &mut [f32], matrix: &[f32]) {
    let len = matrix.len() / sums.len();
    for (s, row) in sums.iter_mut().zip(matrix.chunks_exact(len)) {
        *s = row.iter().sum();
    }
}

/// `sums[j]` = the sum of column `j` of a row-major matrix.
fn column_sums(sums: &mut [f32], matrix: &[f32]) {
    sums.fill(0.0);
    for row in matrix.chunks_exact(sums.len()) {
        sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
    }
}

/// The 3×3 patches (padding 1) of `c` channels of `n` `side`×`side` maps, as a
/// `[c·9][n·side·side]` matrix: row `channel·9 + tap`, column `image·side² + y·side + x`.
fn im2col(maps: &[f32], c: usize, n: usize, side: usize) -> Vec<f32> {
    let area = side * side;
    let mut cols = vec![0.0; c * TAPS * n * area];
    for (plane, map) in maps.chunks_exact(area).enumerate() {
        let (channel, image) = (plane / n, plane % n);
        for tap in 0..TAPS {
            let (dy, dx) = (tap / 3, tap % 3);
            let row = &mut cols[(channel * TAPS + tap) * n * area + image * area..][..area];
            for y in 0..side {
                // Source row y + dy − 1, columns x + dx − 1, zero outside the map.
                let Some(sy) = (y + dy).checked_sub(1).filter(|&sy| sy < side) else {
                    continue;
                };
                let (x0, x1) = (1usize.saturating_sub(dx), (side + 1 - dx).min(side));
                let src = &map[sy * side + x0 + dx - 1..][..x1 - x0];
                row[y * side + x0..][..x1 - x0].copy_from_slice(src);
            }
        }
    }
    cols
}

/// The transpose of [`im2col`]: each patch element's gradient added back to the map position it
/// was read from.
fn col2im(cols: &[f32], c: usize, n: usize, side: usize) -> Vec<f32> {
    let area = side * side;
    let mut maps = vec![0.0; c * n * area];
    for (plane, map) in maps.chunks_exact_mut(area).enumerate() {
        let (channel, image) = (plane / n, plane % n);
        for tap in 0..TAPS {
            let (dy, dx) = (tap / 3, tap % 3);
            let row = &cols[(channel * TAPS + tap) * n * area + image * area..][..area];
            for y in 0..side {
                let Some(sy) = (y + dy).checked_sub(1).filter(|&sy| sy < side) else {
                    continue;
                };
                let (x0, x1) = (1usize.saturating_sub(dx), (side + 1 - dx).min(side));
                let dst = &mut map[sy * side + x0 + dx - 1..][..x1 - x0];
                let src = &row[y * side + x0..][..x1 - x0];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
            }
        }
    }
    maps
}

/// 2×2 max pooling, stride 2, of `side`×`side` maps laid end to end; also where each maximum
/// came from. The first of equal values wins, scanning row by row, as in burn and PyTorch — it
/// decides which position a gradient goes to.
fn max_pool(maps: &[f32], side: usize) -> (Vec<f32>, Vec<u32>) {
    let mut pooled = Vec::with_capacity(maps.len() / 4);
    let mut from = Vec::with_capacity(maps.len() / 4);
    for (pair, rows) in maps.chunks_exact(2 * side).enumerate() {
        let (top, bottom) = rows.split_at(side);
        let base = pair * 2 * side;
        for (x, (t, b)) in top.chunks_exact(2).zip(bottom.chunks_exact(2)).enumerate() {
            let window = [(t[0], 0), (t[1], 1), (b[0], side), (b[1], side + 1)];
            let (value, offset) = window[1..]
                .iter()
                .fold(window[0], |best, &v| if v.0 > best.0 { v } else { best });
            pooled.push(value);
            from.push((base + 2 * x + offset) as u32);
        }
    }
    (pooled, from)
}

/// The gradient of ReLU-then-pool: each pooled gradient goes to the position its maximum came
/// from, where the ReLU let the value through.
fn unpool_relu(d_pooled: &[f32], from: &[u32], activations: &[f32]) -> Vec<f32> {
    let mut d = vec![0.0; activations.len()];
    for (&g, &i) in d_pooled.iter().zip(from) {
        let i = i as usize;
        if activations[i] > 0.0 {
            d[i] = g;
        }
    }
    d
}

/// Mean cross-entropy of `logits` (`[n][10]`) against `labels`, times `weight`; the number of
/// right answers; and the loss's gradient with respect to the logits.
fn cross_entropy(logits: &[f32], labels: &[u8], weight: f32) -> (f32, u32, Vec<f32>) {
    let scale = weight / labels.len() as f32;
    let mut total = 0.0;
    let mut correct = 0;
    let mut d = vec![0.0; logits.len()];
    for ((row, d_row), &label) in logits
        .chunks_exact(CLASSES)
        .zip(d.chunks_exact_mut(CLASSES))
        .zip(labels)
    {
        let label = label as usize;
        let (best, max) =
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                });
        correct += u32::from(best == label);
        let sum: f32 = row.iter().map(|&v| (v - max).exp()).sum();
        total += max + sum.ln() - row[label];
        for (i, (dv, &v)) in d_row.iter_mut().zip(row).enumerate() {
            let p = (v - max).exp() / sum;
            *dv = scale * (p - f32::from(u8::from(i == label)));
        }
    }
    (total * scale, correct, d)
}

#[cfg(test)]
mod tests {
    use burn::prelude::*;

    use super::*;
    use crate::data::batch;
    use crate::model::flat;
    use crate::train::share::{self, ShareJob};

    /// Random-looking images with 6×6 blocks of full ink (equal neighbourhoods, so pooling meets
    /// ties of positive values) and a model of `config`, seeded.
    fn case(config: ModelConfig, n: usize) -> (Model, Vec<f32>, Vec<u8>) {
        let device = Device::flex();
        device.seed(7);
        let model = config.init(&device);
        let mut state = 12345u32;
        let pixels = (0..n * PIXELS)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let (y, x) = (i % PIXELS / SIDE, i % SIDE);
                if (y / 6 + x / 6) % 2 == 0 {
                    1.0
                } else {
                    (state >> 16) as f32 / 65536.0
                }
            })
            .collect();
        let labels = (0..n).map(|i| (i * 7 % 10) as u8).collect();
        (model, pixels, labels)
    }

    fn assert_close(ours: &[f32], burn: &[f32], what: &str) {
        assert_eq!(ours.len(), burn.len(), "{what}: length");
        let scale = burn.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in ours.iter().zip(burn).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * scale,
                "{what}[{i}]: {a} here, {b} from burn's autodiff"
            );
        }
    }

    #[test]
    fn gradients_match_burns_autodiff() {
        for config in ["c8p c16p", "c4p c6p f32"] {
            let (model, pixels, labels) = case(config.parse().unwrap(), 13);
            let network = Network::of(model.config()).expect("no dropout: written out");
            let params = pollster::block_on(batch::read_floats(flat::params(&model))).unwrap();
            let ours = network.gradients(&params, &pixels, &labels, 0.25);
            let job = ShareJob {
                params,
                pixels,
                labels,
                weight: 0.25,
            };
            let device = Device::flex().autodiff();
            let burn = pollster::block_on(share::autodiff_job(&model, job, &device)).unwrap();
            assert_close(&ours.grads, &burn.grads, "gradient");
            assert_close(&[ours.loss], &[burn.loss], "loss");
            assert_eq!(ours.correct, burn.correct, "hits");
        }
    }

    #[test]
    fn other_networks_stay_with_burn() {
        let network = |text: &str| Network::of(&text.parse().unwrap());
        assert!(network("c32p c64p f128").is_some());
        for text in [
            "c32p c64p f128d0.25",
            "c8bp c16p",
            "c8k5p c16p",
            "c8p c16",
            "c8p",
        ] {
            assert_eq!(network(text), None, "{text}");
        }
    }
}
