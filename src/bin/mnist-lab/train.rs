//! `mnist-lab train`: the tutorial's 10 epochs, with tqdm-like progress bars.

use std::path::PathBuf;
use std::sync::Arc;

use burn::module::Module;
use burn::prelude::Device;
use indicatif::{ProgressBar, ProgressStyle};
use mnist_lab::data::Split;
use mnist_lab::data::mnist::{MAX_COPIES, extra_copies, load_set};
use mnist_lab::train::{Order, TrainConfig, Trainer};
use mnist_lab::weights;

use crate::common::{
    ArchArgs, DeviceArg, IMAGES, Result, SettingsArgs, THREADS, describe, evaluate_on, load_mnist,
    within,
};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    settings: SettingsArgs,
    /// The order of the training images: shuffled each epoch, or the files' order (with
    /// `--init`, the same steps as the PyTorch script of `mnist-lab code` run with
    /// `--init` and `--sequential`).
    #[arg(long, value_enum, default_value_t = Order::Shuffled)]
    order: Order,
    /// Print every step's loss (JSON, one line per epoch) instead of progress bars.
    #[arg(long)]
    losses: bool,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    /// Threads sharing each batch (default: every core on the CPU, 1 on a GPU).
    #[arg(long, value_parser = within(THREADS))]
    threads: Option<usize>,
    #[command(flatten)]
    arch: ArchArgs,
    /// Train on only the first N training images.
    #[arg(long, value_parser = within(IMAGES))]
    limit: Option<usize>,
    /// Start from these weights (burn record or PyTorch .pth) instead of random ones.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Where to write the trained weights: a burn record, or a PyTorch state_dict if the name ends in .pth.
    #[arg(long, short, default_value = "mnist-lab.bpk")]
    out: PathBuf,
    /// Folder with the four MNIST .gz files (default: public/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Also train on the set of digits in this folder (NAME-images-idx3-ubyte.gz and
    /// NAME-labels-idx1-ubyte.gz, e.g. the page's export of My digits).
    #[arg(long)]
    extra: Option<PathBuf>,
    /// How many times the extra digits are repeated in each epoch, so that a few dozen count
    /// beside 60,000 (default: enough to make about 5% of each epoch, as in the browser; at
    /// most 200, as that choice).
    #[arg(long, requires = "extra", value_parser = within(1..=MAX_COPIES as u64))]
    extra_copies: Option<usize>,
}

pub fn run(args: Args) -> Result<()> {
    // Minutes of training must not end in "cannot write the file".
    weights::check_writable(&args.out)?;
    let mnist = load_mnist(args.data.as_deref())?;
    let device = args.device.device()?;
    let train = Arc::new(training_set(&args, mnist.train)?);
    let config = settings(&args);
    let mut trainer = start(
        &args,
        train.clone(),
        config.clone(),
        &device.clone().autodiff(),
    )?;
    println!(
        "Training {} ({} parameters) on {} images, {} ({} threads) for {} epochs, batch {}, Adam lr {}{}",
        describe(trainer.model().config()),
        trainer.model().num_params(),
        train.len(),
        args.device.name(),
        config.threads,
        config.epochs,
        config.batch_size,
        config.learning_rate,
        if args.settings.augment {
            ", augmented"
        } else {
            ""
        },
    );
    if args.losses {
        print_losses(&mut trainer)?;
    } else {
        train_with_progress(&mut trainer, &mnist.test, &device)?;
    }
    weights::save_file(&trainer.model(), &args.out)?;
    println!("Saved weights to {}", args.out.display());
    Ok(())
}

/// MNIST's training set (its first `--limit` images), with the `--extra` digits repeated in.
fn training_set(args: &Args, mnist: Split) -> Result<Split> {
    let train = match args.limit {
        Some(n) => mnist.take(n),
        None => mnist,
    };
    let Some(dir) = &args.extra else {
        return Ok(train);
    };
    let extra = load_set(dir)?;
    let mnist_len = train.len();
    let copies = args
        .extra_copies
        .unwrap_or_else(|| extra_copies(mnist_len, extra.len()));
    let train = train.with_extra(&extra, copies);
    println!(
        "Adding {} digits from {} × {} copies: {:.1}% of each epoch's {} images",
        extra.len(),
        dir.display(),
        copies,
        100.0 * (train.len() - mnist_len) as f64 / train.len() as f64,
        train.len()
    );
    Ok(train)
}

fn settings(args: &Args) -> TrainConfig {
    TrainConfig {
        order: args.order,
        // `--losses` reads every step's loss back.
        report_every: if args.losses {
            1
        } else {
            TrainConfig::default().report_every
        },
        threads: args
            .threads
            .unwrap_or_else(|| args.device.default_threads()),
        ..args.settings.train_config()
    }
}

/// A trainer of `--init`'s weights (whichever network they are for), or of a fresh
/// `--preset` or `--arch`.
fn start(args: &Args, train: Arc<Split>, config: TrainConfig, device: &Device) -> Result<Trainer> {
    let asked = args.arch.config()?;
    let trainer = match &args.init {
        Some(path) => {
            // The network asked for where the weights fit it (pools leave no weights, so a
            // file alone may not say where they are), else the one the file is for.
            let model = weights::load_file_into(&asked.init(&device.clone().inner()), path)
                .or_else(|_| weights::load_file(path, device))?;
            if *model.config() != asked {
                eprintln!(
                    "note: {} holds weights for {}; training that",
                    path.display(),
                    describe(model.config())
                );
            }
            Trainer::new(model, train, config, device)
        }
        None => Trainer::from_scratch(&asked, train, config, device),
    };
    trainer.map_err(anyhow::Error::from)
}

/// Trains to the end, printing each epoch's step losses as a JSON list (reports come every step).
fn print_losses(trainer: &mut Trainer) -> Result<()> {
    let mut losses = vec![];
    while !trainer.is_finished() {
        let Some(p) = pollster::block_on(trainer.step())? else {
            continue;
        };
        losses.push(p.loss);
        if p.epoch_done {
            println!("{}", serde_json::to_string(&losses)?);
            losses.clear();
        }
    }
    Ok(())
}

/// Trains to the end with a progress bar per epoch, and the test accuracy after each.
fn train_with_progress(trainer: &mut Trainer, test: &Split, device: &Device) -> Result<()> {
    let style = ProgressStyle::with_template(
        "Epoch {prefix} {percent:>3}%|{bar:30}| {pos}/{len} [{elapsed_precise}<{eta_precise}, {per_sec}] {msg}",
    )
    .expect("valid template")
    .progress_chars("█▉▊▋▌▍▎▏ ");
    let mut bar = None;
    while !trainer.is_finished() {
        let pb = bar.get_or_insert_with(|| {
            ProgressBar::new(trainer.steps_per_epoch() as u64).with_style(style.clone())
        });
        let Some(p) = pollster::block_on(trainer.step())? else {
            continue;
        };
        pb.set_prefix(format!("{}/{}", p.epoch, p.epochs));
        pb.set_position(p.step as u64);
        pb.set_message(format!(
            "loss {:.4} acc {:.2}%",
            p.loss,
            100.0 * p.epoch_accuracy
        ));
        if p.epoch_done {
            pb.finish();
            bar = None;
            let eval = evaluate_on(&trainer.model(), test, device)?;
            println!(
                "  test accuracy {:.2}% ({:.0} img/s training)",
                100.0 * eval.accuracy(),
                p.images_per_sec
            );
        }
    }
    Ok(())
}
