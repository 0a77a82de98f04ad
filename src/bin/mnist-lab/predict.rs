//! `mnist-lab predict`: classify digit images through the same MNIST-style preparation as the
//! web app's canvas.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use image::{DynamicImage, ImageReader, Limits};
use mnist_lab::files::read_capped;
use mnist_lab::inference::{self, Reading};
use mnist_lab::preprocess::{PixelFormat, PreprocessError, picture, to_mnist};
use mnist_lab::weights;

use crate::common::{PRETRAINED, Result, project_path};

#[derive(clap::Args)]
pub struct Args {
    /// PNG images of handwritten digits (at most 50 megapixels), any size, dark-on-light or light-on-dark.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Weights (burn record or PyTorch .pth); default: the shipped pretrained ones.
    #[arg(long)]
    weights: Option<PathBuf>,
}

/// Picture files larger than this are not read: a 50-megapixel PNG is rarely above 100 MB.
const MAX_FILE_BYTES: u64 = 256 << 20;

pub fn run(args: Args) -> Result<()> {
    let device = Device::flex();
    let path = args.weights.unwrap_or_else(|| project_path(PRETRAINED));
    let model = weights::load_file(&path, &device)?;
    let mut failed = false;
    for image in &args.images {
        match classify(&model, image) {
            Ok(Some(reading)) => {
                let all: Vec<String> = reading
                    .probabilities
                    .iter()
                    .enumerate()
                    .map(|(d, p)| format!("{d}:{p:.3}"))
                    .collect();
                println!(
                    "{}: {} ({:.1}%)  [{}]",
                    image.display(),
                    reading.digit,
                    100.0 * reading.confidence,
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
        Err(anyhow::anyhow!("some images could not be read"))
    } else {
        Ok(())
    }
}

fn classify(model: &mnist_lab::model::Model, path: &Path) -> Result<Option<Reading>> {
    let img = open(path)?.to_rgba8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let digit = match to_mnist(img.as_raw(), w, h, PixelFormat::Rgba) {
        Ok(d) => d,
        Err(PreprocessError::NothingDrawn) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let reading = pollster::block_on(inference::read(model, &digit))?;
    Ok(Some(reading))
}

/// Decodes a picture whose header declares at most [`picture::MAX_PIXELS`], with the decoder
/// held to that budget too: a small file cannot make it allocate gigabytes.
fn open(path: &Path) -> Result<DynamicImage> {
    let bytes = read_capped(path, MAX_FILE_BYTES)?;
    picture::check(&bytes[..bytes.len().min(picture::HEADER_BYTES)])?;
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(4 * picture::MAX_PIXELS);
    reader.limits(limits);
    reader.decode().map_err(anyhow::Error::from)
}
