//! `mnist-lab code`: a network and training settings as a PyTorch script (the page's "PyTorch"
//! view writes the same).

use std::path::PathBuf;

use mnist_lab::code::{self, Lang};
use mnist_lab::files;

use crate::common::{ArchArgs, Result, SettingsArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    arch: ArchArgs,
    #[command(flatten)]
    settings: SettingsArgs,
    /// The language of the comments.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    lang: Lang,
    /// Write the script to this file instead of printing it.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let settings = args.settings.train_config();
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
