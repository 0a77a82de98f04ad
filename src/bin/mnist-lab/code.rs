//! `mnist-lab code`: a network and training settings as a PyTorch script (the page's "PyTorch"
//! view writes the same).

use std::path::PathBuf;

use mnist_lab::code::{self, Lang};
use mnist_lab::data::Augment;
use mnist_lab::files;
use mnist_lab::train::TrainConfig;

use crate::common::{ArchArgs, BATCH, EPOCHS, Result, learning_rate, within};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    arch: ArchArgs,
    #[arg(long, default_value_t = 10, value_parser = within(EPOCHS))]
    epochs: usize,
    #[arg(long, default_value_t = 60, value_parser = within(BATCH))]
    batch: usize,
    #[arg(long, default_value_t = 1e-3, value_parser = learning_rate)]
    lr: f64,
    /// Randomly rotate, scale and shift training images.
    #[arg(long)]
    augment: bool,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The language of the comments.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    lang: Lang,
    /// Write the script to this file instead of printing it.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let settings = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch,
        learning_rate: args.lr,
        augment: args.augment.then(Augment::default),
        seed: args.seed,
        ..TrainConfig::default()
    };
    let script = code::pytorch(&args.arch.config()?, &settings, args.lang);
    match &args.out {
        Some(path) => {
            files::write_atomic(path, script.as_bytes())?;
            println!("Wrote {}", path.display());
        }
        None => print!("{script}"),
    }
    Ok(())
}
