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
use crate::model::{Model, ModelConfig, Placed};

const CLASSES: usize = 10;

/// The shape of a network these kernels train: any network of the editor's without batch norm
/// (its statistics and their gradients are not written out) and without dropout (its random
/// mask is burn's); those train through burn's autodiff. The GPU kernels take the tutorial's
/// layers alone ([`Network::is_tutorial_shape`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// The blocks with what comes into each.
    blocks: Vec<Placed>,
    /// The last block's output maps (channels, side), which the fully connected layers take.
    maps_out: (usize, usize),
    /// Each fully connected layer's inputs and outputs, the output layer last.
    linears: Vec<(usize, usize)>,
}

impl Network {
    /// The kernels that train `model` on `device`: on the CPU, where they fit the model.
    pub fn training(model: &Model, device: &Device) -> Option<Self> {
        Self::of(model.config()).filter(|_| *device == Device::flex())
    }

    /// The shape of a network of `config`, when these kernels compute exactly what its
    /// `forward` does in training.
    pub(super) fn of(config: &ModelConfig) -> Option<Self> {
        if config.has_batch_norm() || config.has_dropout() {
            return None;
        }
        Some(Self {
            blocks: config.placed().collect(),
            maps_out: config.maps_out(),
            linears: config.linears(),
        })
    }

    /// The tutorial's layers (two 3×3 convolutions, each pooled, then the output), with any
    /// channel counts: what the GPU kernels compute.
    pub(super) fn is_tutorial_shape(&self) -> bool {
        let plain = |p: &Placed| p.block.kernel == 3 && p.block.pool;
        self.blocks.len() == 2 && self.blocks.iter().all(plain) && self.linears.len() == 1
    }

    /// The parameters' sizes in the order the model visits them (and flattens them): each
    /// block's weight and bias, each fully connected layer's.
    fn sizes(&self) -> Vec<usize> {
        let convs = self
            .blocks
            .iter()
            .map(|p| (p.block, p.c_in))
            .flat_map(|(b, c_in)| [b.channels * c_in * b.kernel * b.kernel, b.channels]);
        let linears = self.linears.iter().flat_map(|&(i, o)| [i * o, o]);
        convs.chain(linears).collect()
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
        let sizes = self.sizes();
        let values = split(params, &sizes);
        let (conv_params, fc_params) = values.split_at(2 * self.blocks.len());
        // Forward, keeping what the backward pass needs. Maps are [channel][image][y][x]
        // (the images, one channel, are that already).
        let (convs, maps) = self.convs_forward(conv_params, pixels.to_vec(), n);
        let (channels, side) = self.maps_out;
        let x = flatten(&maps, channels, n, side * side);
        let fcs = fc_forward(fc_params, x, n);
        let logits = fcs.last().expect("the output layer").out.as_slice();
        let (loss, correct, d_logits) = cross_entropy(logits, labels, weight);

        // Backward, layer by layer, into the flattened gradients.
        let mut grads = vec![0.0; params.len()];
        let mut slots = split_mut(&mut grads, &sizes);
        let (conv_grads, fc_grads) = slots.split_at_mut(2 * self.blocks.len());
        let d_x = fc_backward(fc_params, &fcs, d_logits, fc_grads);
        let d_maps = unflatten(&d_x, channels, n, side * side);
        convs_backward(conv_params, &convs, (d_maps, n), conv_grads);
        ShareGradients {
            grads,
            loss,
            correct,
        }
    }

    /// The blocks' forward passes on `x` (`n` images), and the last block's output maps.
    fn convs_forward(
        &self,
        params: &[&[f32]],
        mut x: Vec<f32>,
        n: usize,
    ) -> (Vec<ConvPass>, Vec<f32>) {
        let mut passes = Vec::with_capacity(self.blocks.len());
        for (&placed, wb) in self.blocks.iter().zip(params.chunks_exact(2)) {
            let Placed { block, c_in, side } = placed;
            let taps = block.kernel * block.kernel;
            let cols = im2col(&x, c_in, n, side, block.kernel);
            let mut a = product(
                Mat::rows(wb[0], block.channels, c_in * taps),
                Mat::rows(&cols, c_in * taps, n * side * side),
            );
            add_bias_relu(&mut a, wb[1]);
            // The next block's input: the pooled maps, or (unpooled) a copy of these, which
            // the backward pass needs as they are.
            let from;
            (x, from) = match block.pool {
                true => {
                    let (pooled, from) = max_pool(&a, side);
                    (pooled, Some(from))
                }
                false => (a.clone(), None),
            };
            passes.push(ConvPass {
                placed,
                cols,
                a,
                from,
            });
        }
        (passes, x)
    }
}

/// The blocks' backward passes from the gradient of the last block's output maps (of `n`
/// images).
fn convs_backward(
    params: &[&[f32]],
    passes: &[ConvPass],
    (mut d_out, n): (Vec<f32>, usize),
    grads: &mut [&mut [f32]],
) {
    for (i, pass) in passes.iter().enumerate().rev() {
        let ConvPass {
            placed: Placed { block, c_in, side },
            cols,
            a,
            from,
        } = pass;
        let (taps, area) = (block.kernel * block.kernel, side * side);
        let d_a = match from {
            Some(from) => unpool_relu(&d_out, from, a),
            None => relu_back(d_out, a),
        };
        let (gw, gb) = grads[2 * i..2 * i + 2].split_at_mut(1);
        matmul(
            gw[0],
            Mat::rows(&d_a, block.channels, n * area),
            Mat::rows(cols, c_in * taps, n * area).t(),
        );
        row_sums(gb[0], &d_a);
        if i == 0 {
            break;
        }
        let d_cols = product(
            Mat::rows(params[2 * i], block.channels, c_in * taps).t(),
            Mat::rows(&d_a, block.channels, n * area),
        );
        d_out = col2im(&d_cols, *c_in, n, *side, block.kernel);
    }
}

/// What a block's forward pass keeps for its backward pass.
struct ConvPass {
    placed: Placed,
    /// Its input's patches.
    cols: Vec<f32>,
    /// Its convolution's output after ReLU.
    a: Vec<f32>,
    /// Where each pooled maximum came from, if it pools.
    from: Option<Vec<u32>>,
}

/// What a fully connected layer's forward pass keeps: its input and its output (after ReLU,
/// but for the output layer).
struct FcPass {
    x: Vec<f32>,
    out: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

/// The fully connected layers' forward passes on `x` (`n` rows), ReLU after all but the last.
fn fc_forward(params: &[&[f32]], mut x: Vec<f32>, n: usize) -> Vec<FcPass> {
    let layers = params.len() / 2;
    let mut passes = Vec::with_capacity(layers);
    for (i, wb) in params.chunks_exact(2).enumerate() {
        let (outputs, inputs) = (wb[1].len(), wb[0].len() / wb[1].len());
        let mut out = product(Mat::rows(&x, n, inputs), Mat::rows(wb[0], inputs, outputs));
        if i + 1 < layers {
            add_row_bias_relu(&mut out, wb[1]);
        } else {
            for row in out.chunks_exact_mut(outputs) {
                row.iter_mut().zip(wb[1]).for_each(|(v, b)| *v += b);
            }
        }
        let next = out.clone();
        passes.push(FcPass {
            x,
            out,
            inputs,
            outputs,
        });
        x = next;
    }
    passes
}

/// The fully connected layers' backward passes from the logits' gradient; returns the gradient
/// of the first layer's input.
fn fc_backward(
    params: &[&[f32]],
    passes: &[FcPass],
    mut d_out: Vec<f32>,
    grads: &mut [&mut [f32]],
) -> Vec<f32> {
    let n = d_out.len() / passes.last().map_or(1, |p| p.outputs);
    for (i, pass) in passes.iter().enumerate().rev() {
        if i + 1 < passes.len() {
            d_out = relu_back(d_out, &pass.out);
        }
        let (gw, gb) = grads[2 * i..2 * i + 2].split_at_mut(1);
        matmul(
            gw[0],
            Mat::rows(&pass.x, n, pass.inputs).t(),
            Mat::rows(&d_out, n, pass.outputs),
        );
        column_sums(gb[0], &d_out);
        d_out = product(
            Mat::rows(&d_out, n, pass.outputs),
            Mat::rows(params[2 * i], pass.inputs, pass.outputs).t(),
        );
    }
    d_out
}

/// `[channel][image][position]` maps as `[image][channel·position]` rows (PyTorch's flatten
/// order: image by image, then channel, then position).
fn flatten(maps: &[f32], channels: usize, n: usize, area: usize) -> Vec<f32> {
    let mut x = vec![0.0; maps.len()];
    let f = channels * area;
    for (c, planes) in maps.chunks_exact(n * area).enumerate() {
        for (image, map) in planes.chunks_exact(area).enumerate() {
            x[image * f + c * area..][..area].copy_from_slice(map);
        }
    }
    x
}

/// The inverse of [`flatten`].
fn unflatten(x: &[f32], channels: usize, n: usize, area: usize) -> Vec<f32> {
    let mut maps = vec![0.0; x.len()];
    let f = channels * area;
    for (c, planes) in maps.chunks_exact_mut(n * area).enumerate() {
        for (image, map) in planes.chunks_exact_mut(area).enumerate() {
            map.copy_from_slice(&x[image * f + c * area..][..area]);
        }
    }
    maps
}

/// ReLU's gradient: `d` where the activation let the value through, 0 elsewhere.
fn relu_back(mut d: Vec<f32>, activations: &[f32]) -> Vec<f32> {
    d.iter_mut().zip(activations).for_each(|(d, &a)| {
        if a <= 0.0 {
            *d = 0.0
        }
    });
    d
}

fn split<'a>(params: &'a [f32], sizes: &[usize]) -> Vec<&'a [f32]> {
    let mut rest = params;
    sizes
        .iter()
        .map(|&n| {
            let (head, tail) = rest.split_at(n);
            rest = tail;
            head
        })
        .collect()
}

fn split_mut<'a>(grads: &'a mut [f32], sizes: &[usize]) -> Vec<&'a mut [f32]> {
    let mut rest = grads;
    sizes
        .iter()
        .map(|&n| {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
            rest = tail;
            head
        })
        .collect()
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

/// The `k`×`k` patches ("same" padding, `k / 2`) of `c` channels of `n` `side`×`side` maps, as
/// a `[c·k²][n·side·side]` matrix: row `channel·k² + tap`, column `image·side² + y·side + x`.
fn im2col(maps: &[f32], c: usize, n: usize, side: usize, k: usize) -> Vec<f32> {
    // The kernel side as a constant: the inner loops' divisions and bounds then compile to
    // what the 3×3-only version had (a generic k cost ~15 % of a tutorial step).
    match k {
        3 => patches::<3>(maps, c, n, side),
        5 => patches::<5>(maps, c, n, side),
        _ => unreachable!("kernels are 3×3 or 5×5 (ModelConfig::check)"),
    }
}

fn patches<const K: usize>(maps: &[f32], c: usize, n: usize, side: usize) -> Vec<f32> {
    let (area, taps) = (side * side, K * K);
    let mut cols = vec![0.0; c * taps * n * area];
    for (plane, map) in maps.chunks_exact(area).enumerate() {
        let (channel, image) = (plane / n, plane % n);
        for tap in 0..taps {
            let row = &mut cols[(channel * taps + tap) * n * area + image * area..][..area];
            for_tap_rows::<K>(side, tap, |dst, src, len| {
                row[dst..][..len].copy_from_slice(&map[src..][..len]);
            });
        }
    }
    cols
}

/// The transpose of [`im2col`]: each patch element's gradient added back to the map position it
/// was read from.
fn col2im(cols: &[f32], c: usize, n: usize, side: usize, k: usize) -> Vec<f32> {
    match k {
        3 => unpatch::<3>(cols, c, n, side),
        5 => unpatch::<5>(cols, c, n, side),
        _ => unreachable!("kernels are 3×3 or 5×5 (ModelConfig::check)"),
    }
}

fn unpatch<const K: usize>(cols: &[f32], c: usize, n: usize, side: usize) -> Vec<f32> {
    let (area, taps) = (side * side, K * K);
    let mut maps = vec![0.0; c * n * area];
    for (plane, map) in maps.chunks_exact_mut(area).enumerate() {
        let (channel, image) = (plane / n, plane % n);
        for tap in 0..taps {
            let row = &cols[(channel * taps + tap) * n * area + image * area..][..area];
            for_tap_rows::<K>(side, tap, |dst, src, len| {
                let to = &mut map[src..][..len];
                to.iter_mut()
                    .zip(&row[dst..][..len])
                    .for_each(|(d, s)| *d += s);
            });
        }
    }
    maps
}

/// For kernel tap `tap` of a `K`×`K` kernel with "same" padding on `side`×`side` maps: each
/// output row's run of positions that read inside the map, as (output offset, input offset,
/// length). Output (y, x) reads input (y + dy − K/2, x + dx − K/2).
#[inline(always)]
fn for_tap_rows<const K: usize>(side: usize, tap: usize, mut run: impl FnMut(usize, usize, usize)) {
    let (dy, dx, pad) = (tap / K, tap % K, K / 2);
    let (x0, x1) = (
        pad.saturating_sub(dx),
        (side + pad).saturating_sub(dx).min(side),
    );
    if x0 >= x1 {
        return;
    }
    for y in 0..side {
        if let Some(sy) = (y + dy).checked_sub(pad).filter(|&sy| sy < side) {
            run(y * side + x0, sy * side + x0 + dx - pad, x1 - x0);
        }
    }
}

/// 2×2 max pooling, stride 2, of `side`×`side` maps laid end to end (an odd side loses its last
/// row and column, as in PyTorch); also where each maximum came from. The first of equal values
/// wins, scanning row by row, as in burn and PyTorch — it decides which position a gradient
/// goes to.
fn max_pool(maps: &[f32], side: usize) -> (Vec<f32>, Vec<u32>) {
    let half = side / 2;
    let planes = maps.len() / (side * side);
    let mut pooled = Vec::with_capacity(planes * half * half);
    let mut from = Vec::with_capacity(planes * half * half);
    for (plane, map) in maps.chunks_exact(side * side).enumerate() {
        for (y, rows) in map.chunks_exact(2 * side).take(half).enumerate() {
            let (top, bottom) = rows.split_at(side);
            let base = plane * side * side + 2 * y * side;
            let pairs = top.chunks_exact(2).zip(bottom.chunks_exact(2));
            for (x, (t, b)) in pairs.take(half).enumerate() {
                let window = [(t[0], 0), (t[1], 1), (b[0], side), (b[1], side + 1)];
                let (value, offset) = window[1..]
                    .iter()
                    .fold(window[0], |best, &v| if v.0 > best.0 { v } else { best });
                pooled.push(value);
                from.push((base + 2 * x + offset) as u32);
            }
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
    use crate::data::{SIDE, batch};
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
        // The tutorial's layers; a hidden layer; 5×5 kernels, odd sides after three pools (7 →
        // 3), a block without a pool, two hidden layers; one block.
        for config in [
            "c8p c16p",
            "c4p c6p f32",
            "c3k5p c4p c5p c6 f12 f9",
            "c2k5 f8",
        ] {
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
    fn batch_norm_and_dropout_stay_with_burn() {
        let network = |text: &str| Network::of(&text.parse().unwrap());
        assert!(network("c32k5p c64 f128 f64").is_some());
        for text in ["c32p c64p f128d0.25", "c8bp c16p"] {
            assert_eq!(network(text), None, "{text}");
        }
        let tutorial_shape = |text: &str| network(text).unwrap().is_tutorial_shape();
        assert!(tutorial_shape("c8p c16p") && tutorial_shape("c32p c64p"));
        assert!(
            !tutorial_shape("c8p c16p f32")
                && !tutorial_shape("c8k5p c16p")
                && !tutorial_shape("c8p c16")
        );
    }
}
