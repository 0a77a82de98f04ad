//! The kernels of one training step of the tutorial's network, in CubeCL's kernel language
//! (WGSL on WebGPU), and their launches on burn's CubeCL backend.
//!
//! Every tensor is contiguous, NCHW. The ReLU and the 2×2 max pooling after each convolution are
//! computed with it, and what the backward pass needs of them is one number per pooled value, its
//! *route*: which of the window's four positions (0–3, row by row) held the maximum, or
//! [`BLOCKED`] when no value in the window was positive (ReLU then passes no gradient). Ties go
//! to the first position, as in burn and PyTorch.

use burn::backend::Shape;
use burn::tensor::DType;
use burn_cubecl::CubeBackend;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;
use cubecl::{CubeCount, CubeDim, calculate_cube_count_elemwise};

use super::{StepInputs, StepOutputs};

/// The route of a window without a positive value.
const BLOCKED: f32 = 4.0;
/// Classes of the output layer.
const CLASSES: usize = 10;
/// Units of a cube that sums a convolution's gradients ([`conv_grads`]); a power of two.
const SUM_UNITS: usize = 64;

/// One pooled value per unit: the 3×3 convolution (padding 1) of `input` at the four positions of
/// its window, plus bias, through ReLU, and the maximum of the four with its route. The four
/// positions read a 4×4 patch of each input channel, loaded once.
#[cube(launch)]
fn conv_relu_pool(
    input: &Tensor<f32>,
    weight: &Tensor<f32>,
    bias: &Tensor<f32>,
    pooled: &mut Tensor<f32>,
    route: &mut Tensor<f32>,
    #[comptime] c_in: usize,
    #[comptime] c_out: usize,
    #[comptime] side: usize,
) {
    let pos = ABSOLUTE_POS;
    if pos >= pooled.len() {
        terminate!();
    }
    let half = side / 2;
    let px = pos % half;
    let py = (pos / half) % half;
    let o = (pos / (half * half)) % c_out;
    let n = pos / (half * half * c_out);
    let mut sums = Array::<f32>::new(4usize);
    #[unroll]
    for q in 0..4usize {
        sums[q] = bias[o];
    }
    let mut patch = Array::<f32>::new(16usize);
    for c in 0..c_in {
        // Patch row i is the map's row 2·py + i − 1 (kept unsigned: rows 1..=side hold the
        // map, the others are the zero padding).
        #[unroll]
        for i in 0..4usize {
            let sy = py * 2 + i;
            #[unroll]
            for j in 0..4usize {
                let sx = px * 2 + j;
                let mut v = 0.0f32;
                if sy >= 1 && sy <= side && sx >= 1 && sx <= side {
                    v = input[((n * c_in + c) * side + sy - 1) * side + sx - 1];
                }
                patch[i * 4 + j] = v;
            }
        }
        #[unroll]
        for ky in 0..3usize {
            #[unroll]
            for kx in 0..3usize {
                let w = weight[((o * c_in + c) * 3 + ky) * 3 + kx];
                // Position q of the window, (q / 2, q % 2), reads patch row q / 2 + ky.
                #[unroll]
                for q in 0..4usize {
                    sums[q] += w * patch[(q / 2 + ky) * 4 + q % 2 + kx];
                }
            }
        }
    }
    let mut best = 0.0f32;
    let mut from = f32::new(BLOCKED);
    #[unroll]
    for q in 0..4usize {
        if sums[q] > best {
            best = sums[q];
            from = f32::new(q as f32);
        }
    }
    pooled[pos] = best;
    route[pos] = from;
}

/// One image per unit: the output layer's logits, the cross-entropy against the label (times
/// `scale`), whether the largest logit is the label's, and the loss's gradient with respect to
/// the logits (written where the logits were kept meanwhile).
#[cube(launch)]
fn head(
    features: &Tensor<f32>,
    weight: &Tensor<f32>,
    bias: &Tensor<f32>,
    labels: &Tensor<f32>,
    d_logits: &mut Tensor<f32>,
    loss: &mut Tensor<f32>,
    hits: &mut Tensor<f32>,
    scale: f32,
    #[comptime] inputs: usize,
) {
    let n = ABSOLUTE_POS;
    if n >= loss.len() {
        terminate!();
    }
    let row = n * CLASSES;
    let mut max = f32::new(-3.0e38);
    let mut best = 0usize;
    for k in 0..CLASSES {
        let mut z = bias[k];
        for i in 0..inputs {
            z += features[n * inputs + i] * weight[i * CLASSES + k];
        }
        d_logits[row + k] = z;
        if z > max {
            max = z;
            best = k;
        }
    }
    let mut sum = 0.0f32;
    for k in 0..CLASSES {
        sum += (d_logits[row + k] - max).exp();
    }
    let label = u32::cast_from(labels[n]) as usize;
    loss[n] = (max + sum.ln() - d_logits[row + label]) * scale;
    hits[n] = select(best == label, 1.0f32, 0.0f32);
    for k in 0..CLASSES {
        let p = (d_logits[row + k] - max).exp() / sum;
        d_logits[row + k] = scale * (p - select(k == label, 1.0f32, 0.0f32));
    }
}

/// The output layer's gradients, one element per unit, then its bias's, then the batch's loss
/// and hits (sums over the images).
#[cube(launch)]
fn head_grads(
    features: &Tensor<f32>,
    d_logits: &Tensor<f32>,
    loss: &Tensor<f32>,
    hits: &Tensor<f32>,
    g_weight: &mut Tensor<f32>,
    g_bias: &mut Tensor<f32>,
    loss_sum: &mut Tensor<f32>,
    hits_sum: &mut Tensor<f32>,
    #[comptime] inputs: usize,
) {
    let pos = ABSOLUTE_POS;
    let images = loss.len();
    let weights = inputs * CLASSES;
    let mut sum = 0.0f32;
    if pos < weights {
        let i = pos / CLASSES;
        let k = pos % CLASSES;
        for m in 0..images {
            sum += features[m * inputs + i] * d_logits[m * CLASSES + k];
        }
        g_weight[pos] = sum;
    } else if pos < weights + CLASSES {
        let k = pos - weights;
        for m in 0..images {
            sum += d_logits[m * CLASSES + k];
        }
        g_bias[k] = sum;
    } else if pos == weights + CLASSES {
        for m in 0..images {
            sum += loss[m];
        }
        loss_sum[0] = sum;
    } else if pos == weights + CLASSES + 1 {
        for m in 0..images {
            sum += hits[m];
        }
        hits_sum[0] = sum;
    }
}

/// One pooled value of conv2 per unit (`route`: `[n, c2·7·7]`): the output layer's input
/// gradient at it, written to the position of conv2's output (`[n, c2, 14, 14]`) the pooling
/// routed it from, before ReLU; the window's other positions get 0.
#[cube(launch)]
fn unpool_head(
    d_logits: &Tensor<f32>,
    weight: &Tensor<f32>,
    route: &Tensor<f32>,
    d_out: &mut Tensor<f32>,
    #[comptime] channels: usize,
    #[comptime] side: usize,
) {
    let pos = ABSOLUTE_POS;
    if pos >= route.len() {
        terminate!();
    }
    let half = side / 2;
    let features = channels * half * half;
    // PyTorch's flatten order: channel, then position.
    let feature = pos % features;
    let n = pos / features;
    let o = feature / (half * half);
    let py = (feature / half) % half;
    let px = feature % half;
    let from = route[pos];
    let mut g = 0.0f32;
    if from < f32::new(BLOCKED) {
        for k in 0..CLASSES {
            g += d_logits[n * CLASSES + k] * weight[feature * CLASSES + k];
        }
    }
    #[unroll]
    for q in 0..4usize {
        let y = py * 2 + q / 2;
        let x = px * 2 + q % 2;
        d_out[((n * channels + o) * side + y) * side + x] =
            select(from == f32::new(q as f32), g, 0.0f32);
    }
}

/// One pooled value of conv1 per unit (`route`: `[n, c1, 14, 14]`): its gradient — the
/// transposed convolution of conv2's gradient (`d_next`) — written to the position of conv1's
/// output (`[n, c1, 28, 28]`) the pooling routed it from, before ReLU; the others get 0.
#[cube(launch)]
fn unpool_conv(
    d_next: &Tensor<f32>,
    weight: &Tensor<f32>,
    route: &Tensor<f32>,
    d_out: &mut Tensor<f32>,
    #[comptime] c_in: usize,
    #[comptime] c_out: usize,
    #[comptime] side: usize,
) {
    let pos = ABSOLUTE_POS;
    if pos >= route.len() {
        terminate!();
    }
    let half = side / 2;
    let qx = pos % half;
    let qy = (pos / half) % half;
    let c = (pos / (half * half)) % c_in;
    let n = pos / (half * half * c_in);
    let from = route[pos];
    let mut g = 0.0f32;
    if from < f32::new(BLOCKED) {
        for o in 0..c_out {
            // conv2's output row qy − ky + 1 read this row through tap ky (kept unsigned).
            #[unroll]
            for ky in 0..3usize {
                let ty = qy + 1;
                if ty >= ky && ty - ky < half {
                    #[unroll]
                    for kx in 0..3usize {
                        let tx = qx + 1;
                        if tx >= kx && tx - kx < half {
                            let d = d_next[((n * c_out + o) * half + ty - ky) * half + tx - kx];
                            g += d * weight[((o * c_in + c) * 3 + ky) * 3 + kx];
                        }
                    }
                }
            }
        }
    }
    #[unroll]
    for q in 0..4usize {
        let y = qy * 2 + q / 2;
        let x = qx * 2 + q % 2;
        d_out[((n * c_in + c) * side + y) * side + x] =
            select(from == f32::new(q as f32), g, 0.0f32);
    }
}

/// A 3×3 convolution's (padding 1) weight and bias gradients: one cube per pair of output and
/// input channels (its nine taps) and one per bias. Its units share the rows of every image,
/// then add their parts up in shared memory.
#[cube(launch)]
fn conv_grads(
    d_out: &Tensor<f32>,
    input: &Tensor<f32>,
    g_weight: &mut Tensor<f32>,
    g_bias: &mut Tensor<f32>,
    #[comptime] c_in: usize,
    #[comptime] c_out: usize,
    #[comptime] side: usize,
) {
    let element = CUBE_POS_X as usize;
    let unit = UNIT_POS_X as usize;
    let area = side * side;
    let rows = d_out.len() / (c_out * side);
    let pairs = c_out * c_in;
    let mut sums = Array::<f32>::new(9usize);
    #[unroll]
    for t in 0..9usize {
        sums[t] = 0.0f32;
    }
    let mut r = UNIT_POS_X as usize;
    if element < pairs {
        let o = element / c_in;
        let c = element % c_in;
        while r < rows {
            let n = r / side;
            let y = r % side;
            let out_row = (n * c_out + o) * area + y * side;
            let plane = (n * c_in + c) * area;
            for x in 0..side {
                let d = d_out[out_row + x];
                // Tap (ky, kx) read the input at (y + ky − 1, x + kx − 1), kept unsigned.
                #[unroll]
                for ky in 0..3usize {
                    let sy = y + ky;
                    if sy >= 1 && sy <= side {
                        #[unroll]
                        for kx in 0..3usize {
                            let sx = x + kx;
                            if sx >= 1 && sx <= side {
                                sums[ky * 3 + kx] += d * input[plane + (sy - 1) * side + sx - 1];
                            }
                        }
                    }
                }
            }
            r += SUM_UNITS;
        }
    } else {
        let o = element - pairs;
        while r < rows {
            let out_row = ((r / side) * c_out + o) * area + (r % side) * side;
            for x in 0..side {
                sums[0] += d_out[out_row + x];
            }
            r += SUM_UNITS;
        }
    }
    let mut parts = Shared::new_slice(9 * SUM_UNITS);
    #[unroll]
    for t in 0..9usize {
        parts[t * SUM_UNITS + unit] = sums[t];
    }
    sync_cube();
    let mut active = CUBE_DIM as usize;
    while active > 1 {
        active /= 2;
        if unit < active {
            #[unroll]
            for t in 0..9usize {
                let other = parts[t * SUM_UNITS + unit + active];
                parts[t * SUM_UNITS + unit] += other;
            }
        }
        sync_cube();
    }
    if unit == 0 {
        if element < pairs {
            #[unroll]
            for t in 0..9usize {
                g_weight[element * 9 + t] = parts[t * SUM_UNITS];
            }
        } else {
            g_bias[element - pairs] = parts[0];
        }
    }
}

/// Launches the step's eight kernels: forward through both convolutions and the output layer,
/// then the gradients from the output layer back to conv1.
pub(super) fn launch(inputs: StepInputs<CubeBackend>, scale: f32) -> StepOutputs<CubeBackend> {
    let StepInputs {
        w1,
        b1,
        w2,
        b2,
        wf,
        bf,
        images,
        labels,
    } = contiguous(inputs);
    let client = images.client.clone();
    let empty = |shape: &[usize]| {
        empty_device_dtype(
            client.clone(),
            images.device.clone(),
            Shape::from(shape.to_vec()),
            DType::F32,
        )
    };
    let [c1, c2] = [w1.meta.shape()[0], w2.meta.shape()[0]];
    let n = images.meta.shape()[0];
    let side = images.meta.shape()[2];
    let half = side / 2;
    let features = c2 * (half / 2) * (half / 2);
    let elementwise = |count: usize| {
        let dim = CubeDim::new(&client, count);
        (calculate_cube_count_elemwise(&client, count, dim), dim)
    };
    let arg = |t: &CubeTensor| t.clone().into_tensor_arg();

    let (p1, route1) = (empty(&[n, c1, half, half]), empty(&[n, c1, half, half]));
    let (count, dim) = elementwise(n * c1 * half * half);
    conv_relu_pool::launch(
        &client,
        count,
        dim,
        arg(&images),
        arg(&w1),
        arg(&b1),
        arg(&p1),
        arg(&route1),
        1,
        c1,
        side,
    );
    let (p2, route2) = (empty(&[n, features]), empty(&[n, features]));
    let (count, dim) = elementwise(n * features);
    conv_relu_pool::launch(
        &client,
        count,
        dim,
        arg(&p1),
        arg(&w2),
        arg(&b2),
        arg(&p2),
        arg(&route2),
        c1,
        c2,
        half,
    );
    let (d_logits, loss, hits) = (empty(&[n, CLASSES]), empty(&[n]), empty(&[n]));
    let (count, dim) = elementwise(n);
    head::launch(
        &client,
        count,
        dim,
        arg(&p2),
        arg(&wf),
        arg(&bf),
        arg(&labels),
        arg(&d_logits),
        arg(&loss),
        arg(&hits),
        scale,
        features,
    );
    let (g_wf, g_bf) = (empty(&[features, CLASSES]), empty(&[CLASSES]));
    let (loss_sum, hits_sum) = (empty(&[1]), empty(&[1]));
    let (count, dim) = elementwise(features * CLASSES + CLASSES + 2);
    head_grads::launch(
        &client,
        count,
        dim,
        arg(&p2),
        arg(&d_logits),
        arg(&loss),
        arg(&hits),
        arg(&g_wf),
        arg(&g_bf),
        arg(&loss_sum),
        arg(&hits_sum),
        features,
    );
    let d_a2 = empty(&[n, c2, half, half]);
    let (count, dim) = elementwise(n * features);
    unpool_head::launch(
        &client,
        count,
        dim,
        arg(&d_logits),
        arg(&wf),
        arg(&route2),
        arg(&d_a2),
        c2,
        half,
    );
    let (g_w2, g_b2) = (empty(&[c2, c1, 3, 3]), empty(&[c2]));
    conv_grads::launch(
        &client,
        CubeCount::Static((c2 * c1 + c2) as u32, 1, 1),
        CubeDim::new_1d(SUM_UNITS as u32),
        arg(&d_a2),
        arg(&p1),
        arg(&g_w2),
        arg(&g_b2),
        c1,
        c2,
        half,
    );
    let d_a1 = empty(&[n, c1, side, side]);
    let (count, dim) = elementwise(n * c1 * half * half);
    unpool_conv::launch(
        &client,
        count,
        dim,
        arg(&d_a2),
        arg(&w2),
        arg(&route1),
        arg(&d_a1),
        c1,
        c2,
        side,
    );
    let (g_w1, g_b1) = (empty(&[c1, 1, 3, 3]), empty(&[c1]));
    conv_grads::launch(
        &client,
        CubeCount::Static((c1 + c1) as u32, 1, 1),
        CubeDim::new_1d(SUM_UNITS as u32),
        arg(&d_a1),
        arg(&images),
        arg(&g_w1),
        arg(&g_b1),
        1,
        c1,
        side,
    );
    StepOutputs {
        w1: g_w1,
        b1: g_b1,
        w2: g_w2,
        b2: g_b2,
        wf: g_wf,
        bf: g_bf,
        loss: loss_sum,
        hits: hits_sum,
    }
}

/// The kernels index with the shapes' row-major strides.
fn contiguous(inputs: StepInputs<CubeBackend>) -> StepInputs<CubeBackend> {
    StepInputs {
        w1: into_contiguous(inputs.w1),
        b1: into_contiguous(inputs.b1),
        w2: into_contiguous(inputs.w2),
        b2: into_contiguous(inputs.b2),
        wf: into_contiguous(inputs.wf),
        bf: into_contiguous(inputs.bf),
        images: into_contiguous(inputs.images),
        labels: into_contiguous(inputs.labels),
    }
}
