//! `mnist-lab grid`: the tutorial's hyper-parameter search, ranked on a validation split (the last
//! 10,000 training images by default) so the test set stays untouched for the final number.

use std::path::PathBuf;
use std::sync::Arc;

use burn::prelude::*;
use mnist_lab::data::Split;
use mnist_lab::eval::evaluate;
use mnist_lab::model::{ModelConfig, Preset};
use mnist_lab::train::{TrainConfig, Trainer};
use web_time::Instant;

use crate::common::{BATCH, DeviceArg, EPOCHS, IMAGES, Result, learning_rate, load_mnist, within};

#[derive(clap::Args)]
pub struct Args {
    /// Learning rates to try.
    #[arg(long, value_delimiter = ',', default_values_t = [1e-3, 3e-3], value_parser = learning_rate)]
    lrs: Vec<f64>,
    /// Batch sizes to try.
    #[arg(long, value_delimiter = ',', default_values_t = [60, 128], value_parser = within(BATCH))]
    batches: Vec<usize>,
    /// Channel counts of conv1xconv2 to try.
    #[arg(long, value_delimiter = ',', default_values_t = ["8x16".to_string(), "16x32".to_string()])]
    channels: Vec<String>,
    /// Epoch budget of each run.
    #[arg(long, default_value_t = 1, value_parser = within(EPOCHS))]
    epochs: usize,
    /// Train each run on only the first N training images.
    #[arg(long, value_parser = within(IMAGES))]
    limit: Option<usize>,
    /// How many of the last training images to hold out for ranking the runs.
    #[arg(long, default_value_t = 10_000, value_parser = within(IMAGES))]
    validation: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    /// Folder with the four MNIST .gz files (default: public/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
}

struct Run {
    lr: f64,
    batch: usize,
    channels: (usize, usize),
    accuracy: f64,
    secs: f64,
}

fn parse_channels(s: &str) -> Result<(usize, usize)> {
    let (a, b) = s
        .split_once('x')
        .ok_or_else(|| anyhow::anyhow!("channels `{s}`: expected like 8x16"))?;
    let parse = |v: &str| v.trim().parse::<usize>().ok().filter(|&n| n > 0);
    parse(a)
        .zip(parse(b))
        .ok_or_else(|| anyhow::anyhow!("channels `{s}`: expected two positive numbers like 8x16"))
}

pub fn run(args: Args) -> Result<()> {
    let channels: Vec<(usize, usize)> = args
        .channels
        .iter()
        .map(|s| parse_channels(s))
        .collect::<Result<_>>()?;
    let mnist = load_mnist(args.data.as_deref())?;
    let (train, validation) = hold_out(&args, mnist.train)?;
    let device = args.device.device()?;
    let total = args.lrs.len() * args.batches.len() * channels.len();
    println!(
        "{total} runs of {} epoch(s) on {} images, ranked on {} validation images",
        args.epochs,
        train.len(),
        validation.len()
    );
    let mut runs = vec![];
    for &lr in &args.lrs {
        for &batch in &args.batches {
            for &channels in &channels {
                let config = TrainConfig {
                    epochs: args.epochs,
                    batch_size: batch,
                    learning_rate: lr,
                    seed: args.seed,
                    ..TrainConfig::default()
                };
                let run = train_one(config, channels, &train, &validation, &device)?;
                println!(
                    "  [{}/{total}] lr {lr} batch {batch} channels {}x{}: {:.2}% in {:.1} s",
                    runs.len() + 1,
                    channels.0,
                    channels.1,
                    100.0 * run.accuracy,
                    run.secs
                );
                runs.push(run);
            }
        }
    }
    print_ranking(runs);
    Ok(())
}

/// The training images (the first `--limit` of those not held out) and the last
/// `--validation` images, held out to rank the runs.
fn hold_out(args: &Args, train: Split) -> Result<(Arc<Split>, Split)> {
    if args.validation == 0 {
        anyhow::bail!("--validation must be at least 1 image");
    }
    let split_at = train
        .len()
        .checked_sub(args.validation)
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the training set has {} images: too few to hold {} out for validation and train on the rest (lower --validation)",
                train.len(),
                args.validation
            )
        })?;
    let limit = args.limit.unwrap_or(split_at).min(split_at);
    Ok((
        Arc::new(train.range(0, limit)),
        train.range(split_at, train.len()),
    ))
}

/// One run of the grid: the tutorial's network with `channels`, trained and scored.
fn train_one(
    config: TrainConfig,
    (c1, c2): (usize, usize),
    train: &Arc<Split>,
    validation: &Split,
    device: &Device,
) -> Result<Run> {
    let model = tutorial_with((c1, c2));
    let (lr, batch) = (config.learning_rate, config.batch_size);
    let started = Instant::now();
    let mut trainer =
        Trainer::from_scratch(&model, train.clone(), config, &device.clone().autodiff())?;
    while !trainer.is_finished() {
        pollster::block_on(trainer.step())?;
    }
    let eval = pollster::block_on(evaluate(&trainer.model(), validation, device))?;
    Ok(Run {
        lr,
        batch,
        channels: (c1, c2),
        accuracy: eval.accuracy(),
        secs: started.elapsed().as_secs_f64(),
    })
}

/// The tutorial's network with other channel counts.
fn tutorial_with((c1, c2): (usize, usize)) -> ModelConfig {
    let mut config = Preset::Tutorial.config();
    config.blocks[0].channels = c1;
    config.blocks[1].channels = c2;
    config
}

/// The runs, the best first.
fn print_ranking(mut runs: Vec<Run>) {
    runs.sort_by(|a, b| b.accuracy.total_cmp(&a.accuracy));
    println!("\nrank  lr       batch  channels  params   val. accuracy  time");
    for (i, r) in runs.iter().enumerate() {
        let params = tutorial_with(r.channels).num_params();
        println!(
            "{:>4}  {:<7}  {:>5}  {:>8}  {params:>6}   {:>12.2}%  {:>5.1} s",
            i + 1,
            r.lr,
            r.batch,
            format!("{}x{}", r.channels.0, r.channels.1),
            100.0 * r.accuracy,
            r.secs
        );
    }
}
