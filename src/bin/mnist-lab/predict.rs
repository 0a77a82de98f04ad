//! `mnist-lab predict`: classify digit images through the same MNIST-style preparation as the
//! web app's canvas.

use std::path::PathBuf;

use burn::prelude::*;
use mnist_lab::data::batch::images_tensor;
use mnist_lab::eval::{argmax, probabilities};
use mnist_lab::preprocess::{PixelFormat, PreprocessError, to_mnist};
use mnist_lab::weights;

use crate::common::{PRETRAINED, Result, project_path};

#[derive(clap::Args)]
pub struct Args {
    /// PNG images of handwritten digits, any size, dark-on-light or light-on-dark.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Weights (burn record or PyTorch .pth); default: the shipped pretrained ones.
    #[arg(long)]
    weights: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let device = Device::flex();
    let path = args.weights.unwrap_or_else(|| project_path(PRETRAINED));
    let (_, model) = weights::load_file(&path, &device).map_err(|e| e.to_string())?;
    let mut failed = false;
    for image in &args.images {
        match classify(&model, image, &device) {
            Ok(Some(probs)) => {
                let (digit, p) = argmax(&probs);
                let all: Vec<String> = probs
                    .iter()
                    .enumerate()
                    .map(|(d, p)| format!("{d}:{p:.3}"))
                    .collect();
                println!(
                    "{}: {digit} ({:.1}%)  [{}]",
                    image.display(),
                    100.0 * p,
                    all.join(" ")
                );
            }
            Ok(None) => println!("{}: nothing drawn", image.display()),
            Err(e) => {
                eprintln!("error: {}: {e}", image.display());
                failed = true;
            }
        }
    }
    if failed {
        Err("some images could not be read".into())
    } else {
        Ok(())
    }
}

fn classify(
    model: &mnist_lab::model::Model,
    path: &PathBuf,
    device: &Device,
) -> Result<Option<[f32; 10]>> {
    let img = image::open(path).map_err(|e| e.to_string())?.to_rgba8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let digit = match to_mnist(img.as_raw(), w, h, PixelFormat::Rgba) {
        Ok(d) => d,
        Err(PreprocessError::NothingDrawn) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let probs = pollster::block_on(probabilities(model, images_tensor(digit.to_vec(), device)))
        .map_err(|e| e.to_string())?;
    Ok(Some(probs[0]))
}
