//! `mnist-lab export`: weights from one format to the other, e.g. this app's `.bpk` to the
//! PyTorch `state_dict` the tutorial's `MulticlassCNN` loads.

use std::path::PathBuf;

use mnist_lab::weights;

use crate::common::{Result, describe};

#[derive(clap::Args)]
pub struct Args {
    /// Weights to read: a burn record (.bpk) or a PyTorch state_dict (.pth).
    weights: PathBuf,
    /// Where to write them: a PyTorch state_dict if the name ends in .pth or .pt, else a burn record.
    out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let model = weights::load_file(&args.weights, &burn::prelude::Device::flex())?;
    weights::save_file(&model, &args.out)?;
    println!(
        "Wrote the weights of {} from {} to {}",
        describe(model.config()),
        args.weights.display(),
        args.out.display()
    );
    Ok(())
}
