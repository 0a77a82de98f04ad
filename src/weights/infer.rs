//! The architecture a file's tensors describe, for files that do not name one (a PyTorch
//! `state_dict`): the blocks from `conv1`, `conv2`, … (channels and kernel from each weight's
//! shape, batch norm where `bn<i>` is there), the fully connected layers from `fc1`, `fc2`, …
//! (the last one the output). Pools leave no weights: their number follows from the first fully
//! connected layer's inputs, and they are taken to follow the first blocks (as in every preset).

use super::tensors::{Layout, NamedTensor};
use crate::data::SIDE;
use crate::model::{ConvBlock, Hidden, ModelConfig};

pub fn architecture(tensors: &[NamedTensor], layout: Layout) -> Result<ModelConfig, String> {
    let shape = |name: &str| {
        tensors
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.shape.as_slice())
    };
    let mut blocks = vec![];
    while let Some(weight) = shape(&format!("conv{}.weight", blocks.len() + 1)) {
        let [channels, _, kernel, _] = *weight else {
            return Err(format!(
                "conv{}.weight is not 4-dimensional",
                blocks.len() + 1
            ));
        };
        let bn = format!("bn{}.", blocks.len() + 1);
        blocks.push(ConvBlock {
            channels,
            kernel,
            batch_norm: tensors.iter().any(|t| t.name.starts_with(&bn)),
            pool: false,
        });
    }
    let mut linears = vec![];
    while let Some(weight) = shape(&format!("fc{}.weight", linears.len() + 1)) {
        let &[a, b] = weight else {
            return Err(format!(
                "fc{}.weight is not 2-dimensional",
                linears.len() + 1
            ));
        };
        linears.push(match layout {
            Layout::Burn => (a, b),
            #[cfg(feature = "pth")]
            Layout::PyTorch => (b, a),
        });
    }
    let (Some(last), Some(&(flat, _))) = (blocks.last(), linears.first()) else {
        return Err("no conv1.weight and fc1.weight to read an architecture from".into());
    };
    let pools = (0..=blocks.len())
        .find(|&p| last.channels * (SIDE >> p).pow(2) == flat)
        .ok_or_else(|| {
            format!(
                "fc1 takes {flat} inputs, which {} channels of no pooled side give",
                last.channels
            )
        })?;
    blocks.iter_mut().take(pools).for_each(|b| b.pool = true);
    let hidden = linears[..linears.len() - 1]
        .iter()
        .map(|&(_, width)| Hidden {
            width,
            dropout: 0.0,
        })
        .collect();
    let config = ModelConfig { blocks, hidden };
    config.check().map_err(|e| e.to_string())?;
    Ok(config)
}
