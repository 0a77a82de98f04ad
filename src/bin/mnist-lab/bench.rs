//! `mnist-lab bench`: training images/s (the tutorial's network or `--arch`'s, batch 60, Adam)
//! and single-image inference latency on each device of this build, through burn's autodiff and
//! through our kernels where they fit the network, and the same in PyTorch when it is installed.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use mnist_lab::code::{self, Lang};
use mnist_lab::data::batch::{images_tensor, pixels};
use mnist_lab::eval::probabilities;
use mnist_lab::model::ModelConfig;
use mnist_lab::train::{Kernels, TrainConfig, Trainer};
use web_time::Instant;

use crate::common::{ArchArgs, DeviceArg, Result, describe, load_mnist, project_path, within};

const BATCH: usize = 60;
/// Steps or predictions a row may time: a million is hours on a CPU.
const RUNS: std::ops::RangeInclusive<u64> = 1..=1_000_000;
const PYTORCH_BENCH: &str = include_str!("pytorch_bench.py");

#[derive(clap::Args)]
pub struct Args {
    /// Timed training steps.
    #[arg(long, default_value_t = 500, value_parser = within(RUNS))]
    steps: usize,
    /// Untimed steps first (kernel compilation, caches).
    #[arg(long, default_value_t = 50, value_parser = within(RUNS))]
    warmup: usize,
    /// Single-image predictions timed for the latency.
    #[arg(long, default_value_t = 500, value_parser = within(RUNS))]
    runs: usize,
    #[command(flatten)]
    arch: ArchArgs,
    /// Skip the PyTorch row.
    #[arg(long)]
    no_pytorch: bool,
    /// Folder with the four MNIST .gz files (default: public/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
}

/// What a row ran on: burn's rows are compared with PyTorch's of the same kind.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Cpu,
    Gpu,
}

/// How a CPU row computes gradients.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    Autodiff,
    Kernels,
}

struct Row {
    name: String,
    kind: Kind,
    images_per_sec: f64,
    latency_ms: f64,
}

pub fn run(args: Args) -> Result<()> {
    let mnist = load_mnist(args.data.as_deref())?;
    let network = args.arch.config()?;
    let kernels = Kernels::for_network(&network);
    let cores = rayon::current_num_threads();
    println!(
        "{}, batch {BATCH}, Adam; {} warm-up + {} timed steps; {cores} CPU threads",
        describe(&network),
        args.warmup,
        args.steps
    );
    let mut rows = vec![];
    let mut add = |row: Row| {
        println!(
            "  {:<48} {:>8.0} img/s training, {:.3} ms per single-image prediction",
            row.name, row.images_per_sec, row.latency_ms
        );
        rows.push(row);
    };
    // The CPU rows: burn's autodiff on burn-flex (the reference; flex parallelises single
    // operations with rayon, so it runs inside a one-thread pool), then the written-out CPU
    // kernels (src/train/cpu.rs) on one thread and with each batch shared by every thread.
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let on = |device, path, threads| bench_device(device, path, threads, (&network, &args), &mnist);
    let cpu = |path, threads| on(DeviceArg::Cpu, path, threads);
    add(one_thread.install(|| cpu(Path::Autodiff, 1))?);
    if kernels.cpu {
        add(one_thread.install(|| cpu(Path::Kernels, 1))?);
        add(one_thread.install(|| cpu(Path::Kernels, cores))?);
    } else {
        add(cpu(Path::Autodiff, cores)?);
        println!("  (our CPU kernels do not compute this network)");
    }
    // A GPU: burn's autodiff, then our GPU kernels (src/train/gpu).
    for device in DeviceArg::available() {
        if device != DeviceArg::Cpu {
            add(on(device, Path::Autodiff, 1)?);
            if kernels.gpu {
                add(on(device, Path::Kernels, 1)?);
            }
        }
    }
    if args.no_pytorch {
        println!("  PyTorch: skipped (--no-pytorch)");
    } else {
        match pytorch_devices() {
            Ok(devices) => {
                for (device, kind) in devices {
                    match bench_pytorch(&args, &network, device, kind) {
                        Ok(row) => add(row),
                        Err(why) => println!("  PyTorch on {device}: {why}"),
                    }
                }
            }
            Err(why) => println!("  PyTorch: {why}"),
        }
    }

    println!(
        "\n| backend | training img/s | inference ms (1 image) | vs PyTorch training, same kind of device |"
    );
    println!("|---|---:|---:|---:|");
    let pytorch = |kind| {
        rows.iter()
            .find(|r| r.kind == kind && r.name.starts_with("PyTorch"))
    };
    for row in &rows {
        let ratio = pytorch(row.kind)
            .map(|t| format!("{:.2}×", row.images_per_sec / t.images_per_sec))
            .unwrap_or_else(|| "n/a".into());
        println!(
            "| {} | {:.0} | {:.3} | {ratio} |",
            row.name, row.images_per_sec, row.latency_ms
        );
    }
    Ok(())
}

fn bench_device(
    arg: DeviceArg,
    path: Path,
    threads: usize,
    (network, args): (&ModelConfig, &Args),
    mnist: &mnist_lab::data::Mnist,
) -> Result<Row> {
    let device = arg.device()?;
    let train_device = device.clone().autodiff();
    // Exactly warm-up + timed steps, one epoch; the first report (a device sync) ends the warm-up.
    let subset = Arc::new(mnist.train.take((args.warmup + args.steps) * BATCH));
    let config = TrainConfig {
        epochs: 1,
        batch_size: BATCH,
        report_every: args.warmup,
        threads,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::from_scratch(network, subset, config, &train_device)?;
    if path == Path::Autodiff {
        trainer.use_autodiff();
    }
    let mut started = None;
    let mut steps = 0;
    while !trainer.is_finished() {
        let report = pollster::block_on(trainer.step())?;
        match started {
            Some(_) => steps += 1,
            None if report.is_some() => started = Some(Instant::now()),
            None => {}
        }
    }
    let secs = started
        .expect("warm-up ends with a report")
        .elapsed()
        .as_secs_f64();
    let images_per_sec = (steps * BATCH) as f64 / secs;

    let model = trainer.model();
    let one = || images_tensor(pixels(&mnist.test, &[0], None), &device);
    pollster::block_on(probabilities(&model, one()))?;
    let mut times: Vec<f64> = (0..args.runs)
        .map(|_| {
            let t = Instant::now();
            pollster::block_on(probabilities(&model, one()))
                .map(|_| t.elapsed().as_secs_f64() * 1e3)
                .map_err(anyhow::Error::from)
        })
        .collect::<Result<_>>()?;
    times.sort_by(f64::total_cmp);
    let kind = match arg {
        DeviceArg::Cpu => Kind::Cpu,
        DeviceArg::Wgpu => Kind::Gpu,
    };
    // Kernels share a batch between threads; burn-flex runs each operation on the threads of
    // the pool it is in (a network with batch norm is not shared: its statistics are the
    // batch's).
    let threads = match path {
        Path::Kernels => trainer.threads_per_batch(),
        Path::Autodiff => threads,
    };
    let name = match (kind, path, threads) {
        (Kind::Gpu, Path::Autodiff, _) => format!("burn {}, autodiff", arg.name()),
        (Kind::Gpu, Path::Kernels, _) => format!("GPU kernels on {}", arg.name()),
        (Kind::Cpu, Path::Autodiff, 1) => format!("burn {}, autodiff, 1 thread", arg.name()),
        (Kind::Cpu, Path::Autodiff, n) => format!("burn {}, autodiff, {n} threads", arg.name()),
        (Kind::Cpu, Path::Kernels, 1) => "CPU kernels, 1 thread".to_string(),
        (Kind::Cpu, Path::Kernels, n) => {
            format!("CPU kernels, batch shared by {n} threads")
        }
    };
    Ok(Row {
        name,
        kind,
        images_per_sec,
        latency_ms: times[times.len() / 2],
    })
}

/// The devices PyTorch can train on here: the CPU, and CUDA where it sees a GPU.
fn pytorch_devices() -> std::result::Result<Vec<(&'static str, Kind)>, String> {
    let probe = Command::new("python3")
        .args(["-I", "-c", "import torch; print(torch.cuda.is_available())"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {
            let mut devices = vec![("cpu", Kind::Cpu)];
            if String::from_utf8_lossy(&out.stdout).trim() == "True" {
                devices.push(("cuda", Kind::Gpu));
            }
            Ok(devices)
        }
        _ => Err("skipped: no python3 with torch importable".into()),
    }
}

fn bench_pytorch(
    args: &Args,
    network: &ModelConfig,
    device: &str,
    kind: Kind,
) -> std::result::Result<Row, String> {
    let dir = args
        .data
        .clone()
        .unwrap_or_else(|| project_path("public/mnist"));
    // Isolated (-I): no `torch.py` in the working folder or PYTHON* variable changes what runs.
    let out = Command::new("python3")
        .args(["-I", "-c"])
        .arg(code::network_class(network, Lang::En) + PYTORCH_BENCH)
        .arg(&dir)
        .args([args.steps, args.warmup, args.runs].map(|n| n.to_string()))
        .arg(device)
        .output()
        .map_err(|e| format!("failed to run python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the PyTorch benchmark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
    };
    let number = |key: &str| {
        value(key)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or(format!("PyTorch printed no {key}"))
    };
    let on = match kind {
        Kind::Cpu => format!("{} threads", value("threads").unwrap_or_default()),
        Kind::Gpu => value("device").unwrap_or_default(),
    };
    Ok(Row {
        name: format!("PyTorch {} ({on})", value("version").unwrap_or_default()),
        kind,
        images_per_sec: number("train_images_per_sec")?,
        latency_ms: number("infer_median_ms")?,
    })
}
