//! The arithmetic of one convolution: how one value of a block's feature map was computed from
//! the digit, for the page to draw it step by step. Each input channel's window around the pixel
//! times that channel's kernel, summed over the channels, plus the bias, through the batch norm
//! (as reading uses it: its running statistics), through ReLU, and the 2×2 max-pool cell the
//! value then competes in. Everything is read from one forward pass, so what is drawn is what the
//! network computed.

use burn::nn::BatchNorm;
use burn::prelude::*;

use crate::data::batch::{images_tensor, read_floats};
use crate::model::{Model, Placed};
use crate::preprocess::Digit;

/// How one value of block `block`'s maps (after ReLU, before the pool) was computed.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct ConvArithmetic {
    pub block: usize,
    pub channel: usize,
    pub row: usize,
    pub col: usize,
    /// The kernel's side: 3 or 5.
    pub kernel: usize,
    /// Per input channel, the `kernel`×`kernel` window of the block's input centred on
    /// (`row`, `col`), row-major, with zeros where it falls outside ("same" padding).
    pub windows: Vec<Vec<f32>>,
    /// Per input channel, the kernel's weights for it, row-major like the windows.
    pub weights: Vec<Vec<f32>>,
    /// Σ window·weights over all input channels.
    pub sum: f32,
    /// The convolution's bias: 0 when it has none (blocks with batch norm).
    pub bias: f32,
    /// With batch norm (as reading uses it: its running statistics), `[scale, shift]`:
    /// `y = x·scale + shift`.
    pub norm: Option<[f32; 2]>,
    /// `sum + bias`, then the norm: what ReLU receives.
    pub before_relu: f32,
    /// After ReLU: the value in the block's maps.
    pub value: f32,
    /// The block's 2×2 max-pool cell holding this pixel. None when the block has no pool, or
    /// the pixel is in a last odd row or column that pooling drops.
    pub pool: Option<PoolCell>,
}

/// One 2×2 cell of a max-pool.
#[cfg_attr(feature = "web", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct PoolCell {
    /// Its four values (after ReLU), row-major.
    pub values: [f32; 4],
    /// Which of them the pool kept (the first of equals).
    pub winner: usize,
    /// The cell's position in the pooled map.
    pub row: usize,
    pub col: usize,
}

impl ConvArithmetic {
    /// Per input channel, `window[i] * weights[i]`: what the sum adds up, for drawing.
    pub fn products(&self) -> Vec<Vec<f32>> {
        products(&self.windows, &self.weights)
    }
}

/// Why an arithmetic was not computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArithmeticError {
    #[error("the network has {blocks} convolution blocks: there is no block {block}")]
    Block { block: usize, blocks: usize },
    #[error("block {block} has {channels} channels: there is no channel {channel}")]
    Channel {
        block: usize,
        channel: usize,
        channels: usize,
    },
    #[error("({row}, {col}) is outside block {block}'s {side}×{side} maps")]
    Pixel {
        block: usize,
        row: usize,
        col: usize,
        side: usize,
    },
    #[error("reading results from the device failed: {0}")]
    Read(String),
}

/// How `model` computed channel `channel` of block `block`'s maps at (`row`, `col`) for
/// `digit` (on the CPU, read back asynchronously). Blocks and channels count from 0.
pub async fn arithmetic(
    model: &Model,
    digit: &Digit,
    block: usize,
    channel: usize,
    row: usize,
    col: usize,
) -> Result<ConvArithmetic, ArithmeticError> {
    let placed = check(model, block, channel, row, col)?;
    let (side, kernel) = (placed.side, placed.block.kernel);
    let mut out = model.forward_activations(images_tensor(digit.to_vec(), &Device::flex()));
    let layer = &model.blocks[block];
    let input = floats(out.inputs.swap_remove(block)).await?;
    let map = floats(out.maps.swap_remove(block).narrow(1, channel, 1)).await?;
    let weights = floats(layer.conv.weight.val().narrow(0, channel, 1)).await?;
    let bias = match &layer.conv.bias {
        Some(bias) => floats(bias.val().narrow(0, channel, 1)).await?[0],
        None => 0.0,
    };
    let norm = match &layer.norm {
        Some(norm) => Some(scale_shift(norm, channel).await?),
        None => None,
    };
    let windows: Vec<Vec<f32>> = input
        .chunks_exact(side * side)
        .map(|plane| window(plane, side, kernel, row, col))
        .collect();
    let weights: Vec<Vec<f32>> = weights
        .chunks_exact(kernel * kernel)
        .map(<[f32]>::to_vec)
        .collect();
    let sum = products(&windows, &weights).iter().flatten().sum();
    let before_relu = norm.map_or(sum + bias, |[scale, shift]| (sum + bias) * scale + shift);
    Ok(ConvArithmetic {
        block,
        channel,
        row,
        col,
        kernel,
        windows,
        weights,
        sum,
        bias,
        norm,
        before_relu,
        value: map[row * side + col],
        pool: placed
            .block
            .pool
            .then(|| pool_cell(&map, side, row, col))
            .flatten(),
    })
}

/// The block asked for, where it sits, once the ask is known to fit the network.
fn check(
    model: &Model,
    block: usize,
    channel: usize,
    row: usize,
    col: usize,
) -> Result<Placed, ArithmeticError> {
    let blocks = model.config().blocks.len();
    let placed = model
        .config()
        .placed()
        .nth(block)
        .ok_or(ArithmeticError::Block { block, blocks })?;
    let channels = placed.block.channels;
    if channel >= channels {
        return Err(ArithmeticError::Channel {
            block,
            channel,
            channels,
        });
    }
    if row >= placed.side || col >= placed.side {
        return Err(ArithmeticError::Pixel {
            block,
            row,
            col,
            side: placed.side,
        });
    }
    Ok(placed)
}

async fn floats<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ArithmeticError> {
    read_floats(tensor).await.map_err(ArithmeticError::Read)
}

/// Channel `channel` of a batch norm as reading applies it, `[scale, shift]`:
/// `(x − mean) / √(var + ε) · γ + β` is `x · scale + shift`.
async fn scale_shift(norm: &BatchNorm, channel: usize) -> Result<[f32; 2], ArithmeticError> {
    let one = |tensor: Tensor<1>| tensor.narrow(0, channel, 1);
    let values = floats(Tensor::cat(
        vec![
            one(norm.gamma.val()),
            one(norm.beta.val()),
            one(norm.running_mean.value()),
            one(norm.running_var.value()),
        ],
        0,
    ))
    .await?;
    let [gamma, beta, mean, var] = values[..] else {
        unreachable!("four values were read")
    };
    let scale = gamma / (var + norm.epsilon as f32).sqrt();
    Ok([scale, beta - mean * scale])
}

/// The `kernel`×`kernel` window of a `side`×`side` plane centred on (`row`, `col`), zeros
/// outside it: what "same" padding (`kernel / 2` on each side) puts under the kernel.
fn window(plane: &[f32], side: usize, kernel: usize, row: usize, col: usize) -> Vec<f32> {
    let at = |centre: usize, offset: usize| (centre + offset).checked_sub(kernel / 2);
    (0..kernel)
        .flat_map(|dr| (0..kernel).map(move |dc| (dr, dc)))
        .map(|(dr, dc)| match (at(row, dr), at(col, dc)) {
            (Some(r), Some(c)) if r < side && c < side => plane[r * side + c],
            _ => 0.0,
        })
        .collect()
}

fn products(windows: &[Vec<f32>], weights: &[Vec<f32>]) -> Vec<Vec<f32>> {
    windows
        .iter()
        .zip(weights)
        .map(|(window, weights)| window.iter().zip(weights).map(|(x, w)| x * w).collect())
        .collect()
}

/// The 2×2 cell of a `side`×`side` map that holds (`row`, `col`), or None in a last odd row or
/// column (a 2×2 pool with stride 2 drops it).
fn pool_cell(map: &[f32], side: usize, row: usize, col: usize) -> Option<PoolCell> {
    let (cell_row, cell_col) = (row / 2, col / 2);
    if cell_row >= side / 2 || cell_col >= side / 2 {
        return None;
    }
    let values = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .map(|(r, c)| map[(2 * cell_row + r) * side + 2 * cell_col + c]);
    let winner = (1..4).fold(0, |best, i| if values[i] > values[best] { i } else { best });
    Some(PoolCell {
        values,
        winner,
        row: cell_row,
        col: cell_col,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelConfig, Preset};

    /// A digit-like stroke: a bar and a slanted line, ink from 0 to 1.
    fn digit() -> Digit {
        let mut digit = [0.0; 784];
        digit[6 * 28 + 8..6 * 28 + 21].fill(1.0);
        for r in 7..24 {
            digit[r * 28 + 20 - (r - 7) / 2] = 0.8;
        }
        digit
    }

    /// One image's `[1, c, side, side]` maps, read back, at (`channel`, `row`, `col`).
    fn at(values: &[f32], side: usize, channel: usize, row: usize, col: usize) -> f32 {
        values[(channel * side + row) * side + col]
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0)
    }

    /// Checks each ask against the maps and pooled maps of one forward pass.
    fn agrees_with_the_forward_pass(model: &Model, asks: &[(usize, usize, usize, usize)]) {
        let digit = digit();
        let out = model.forward_activations(images_tensor(digit.to_vec(), &Device::flex()));
        let read = |t: Tensor<4>| pollster::block_on(read_floats(t)).unwrap();
        let maps: Vec<Vec<f32>> = out.maps.into_iter().map(read).collect();
        let mut pooled: Vec<Vec<f32>> = out.inputs.into_iter().skip(1).map(read).collect();
        // The last block's pooled maps are the features (no hidden layer in these networks).
        pooled.push(pollster::block_on(read_floats(out.features)).unwrap());
        let sides: Vec<usize> = model.config().placed().map(|p| p.side).collect();
        for &(block, channel, row, col) in asks {
            let ask = pollster::block_on(arithmetic(model, &digit, block, channel, row, col));
            let a = ask.unwrap();
            let side = sides[block];
            let expected = at(&maps[block], side, channel, row, col);
            assert!(close(a.value, expected), "{a:?} vs {expected}");
            assert!(close(a.value, a.before_relu.max(0.0)));
            let sum: f32 = a.products().iter().flatten().sum();
            assert_eq!(a.sum, sum);
            let [scale, shift] = a.norm.unwrap_or([1.0, 0.0]);
            assert!(close(a.before_relu, (a.sum + a.bias) * scale + shift));
            assert_eq!(a.windows.len(), a.weights.len());
            assert!(a.windows.iter().all(|w| w.len() == a.kernel * a.kernel));
            if let Some(cell) = &a.pool {
                let max = cell.values.iter().copied().fold(f32::MIN, f32::max);
                assert_eq!(cell.values[cell.winner], max);
                assert!(cell.values.contains(&a.value));
                let out = at(&pooled[block], side / 2, channel, cell.row, cell.col);
                assert!(close(max, out), "{cell:?} vs {out}");
            }
        }
    }

    #[test]
    fn the_tutorial_networks_values_are_their_arithmetic() {
        let model = Preset::Tutorial.config().seeded(7, &Device::flex());
        let asks = [
            (0, 0, 0, 0),
            (0, 3, 0, 27),
            (0, 7, 27, 27),
            (0, 5, 6, 12),
            (0, 2, 14, 0),
            (1, 0, 0, 0),
            (1, 15, 13, 13),
            (1, 9, 7, 10),
        ];
        agrees_with_the_forward_pass(&model, &asks);
        let a = pollster::block_on(arithmetic(&model, &digit(), 1, 9, 7, 10)).unwrap();
        assert_eq!((a.kernel, a.windows.len(), a.norm), (3, 8, None));
        assert_eq!(a.pool.map(|p| (p.row, p.col)), Some((3, 5)));
        // A corner's window reaches past the image: its first row and column are padding.
        let corner = pollster::block_on(arithmetic(&model, &[1.0; 784], 0, 0, 0, 0)).unwrap();
        assert_eq!(
            corner.windows[0],
            [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
        );
    }

    #[test]
    fn batch_norm_and_five_by_five_kernels_are_worked_out_too() {
        let norm: ModelConfig = "c4bp c8bp".parse().unwrap();
        // Fresh running statistics (mean 0, variance 1) would hide a mix-up: one training
        // forward pass moves them (and a backward pass frees the autodiff graph it built).
        let model = norm.seeded(3, &Device::flex()).train();
        let images = images_tensor(digit().to_vec(), &Device::flex().autodiff());
        model.forward(images).sum().backward();
        let model = model.valid();
        let asks = [(0, 0, 0, 0), (0, 3, 27, 13), (1, 7, 13, 0), (1, 2, 6, 6)];
        agrees_with_the_forward_pass(&model, &asks);
        let a = pollster::block_on(arithmetic(&model, &digit(), 1, 2, 6, 6)).unwrap();
        assert_eq!(a.bias, 0.0);
        let [scale, shift] = a.norm.unwrap();
        assert!(scale != 1.0 && shift != 0.0, "{scale} {shift}");
        let five: ModelConfig = "c4k5p c8p".parse().unwrap();
        let model = five.seeded(5, &Device::flex());
        agrees_with_the_forward_pass(&model, &[(0, 1, 1, 26), (0, 3, 10, 9), (1, 7, 13, 13)]);
        let a = pollster::block_on(arithmetic(&model, &digit(), 0, 3, 10, 9)).unwrap();
        assert_eq!((a.kernel, a.windows.len(), a.weights[0].len()), (5, 1, 25));
        assert_eq!(
            a.windows[0][12],
            digit()[10 * 28 + 9],
            "the centre is the pixel"
        );
    }

    #[test]
    fn an_odd_side_drops_its_last_row_from_the_pool_and_no_pool_has_no_cell() {
        // conv3 pools 7×7 maps into 3×3: row and column 6 fall out.
        let model = "c4p c4p c4p"
            .parse::<ModelConfig>()
            .unwrap()
            .seeded(1, &Device::flex());
        let dropped = pollster::block_on(arithmetic(&model, &digit(), 2, 0, 6, 2)).unwrap();
        assert_eq!(dropped.pool, None);
        let kept = pollster::block_on(arithmetic(&model, &digit(), 2, 0, 5, 5)).unwrap();
        assert_eq!(kept.pool.map(|p| (p.row, p.col)), Some((2, 2)));
        let flat = "c4 c4"
            .parse::<ModelConfig>()
            .unwrap()
            .seeded(1, &Device::flex());
        let a = pollster::block_on(arithmetic(&flat, &digit(), 1, 0, 3, 3)).unwrap();
        assert_eq!(a.pool, None);
    }

    #[test]
    fn asks_outside_the_network_are_refused() {
        let model = Preset::Tutorial.config().init(&Device::flex());
        let ask = |b, c, r, col| pollster::block_on(arithmetic(&model, &digit(), b, c, r, col));
        assert_eq!(
            ask(2, 0, 0, 0),
            Err(ArithmeticError::Block {
                block: 2,
                blocks: 2
            })
        );
        assert!(matches!(
            ask(0, 8, 0, 0),
            Err(ArithmeticError::Channel { channels: 8, .. })
        ));
        assert!(matches!(
            ask(1, 0, 14, 0),
            Err(ArithmeticError::Pixel { side: 14, .. })
        ));
        assert!(matches!(
            ask(0, 0, 0, 28),
            Err(ArithmeticError::Pixel { side: 28, .. })
        ));
        assert!(ask(1, 15, 13, 13).is_ok());
    }
}
