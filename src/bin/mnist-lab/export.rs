//! `mnist-lab export`: weights from one format to the other, e.g. this app's `.bpk` to the
//! PyTorch `state_dict` the tutorial's `MulticlassCNN` loads.

use std::path::PathBuf;

use mnist_lab::weights;

use crate::common::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Weights to read: a burn record (.bpk) or a PyTorch state_dict (.pth).
    weights: PathBuf,
    /// Where to write them: a PyTorch state_dict if the name ends in .pth or .pt, else a burn record.
    out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let (preset, model) = weights::load_file(&args.weights, &burn::prelude::Device::flex())?;
    weights::save_file(&model, &args.out)?;
    println!(
        "Wrote the {preset} model's weights from {} to {}",
        args.weights.display(),
        args.out.display()
    );
    Ok(())
}
