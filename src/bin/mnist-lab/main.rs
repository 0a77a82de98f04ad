//! `mnist-lab`: train, evaluate, search, benchmark and run the tutorial's CNN from a terminal.

mod bench;
mod code;
mod common;
mod eval;
mod export;
mod grid;
mod predict;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "The PyTorch MNIST CNN tutorial on burn: train, evaluate, export, write as PyTorch code, predict, search, benchmark"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on MNIST and save its weights.
    Train(train::Args),
    /// Evaluate weights (burn record or PyTorch .pth) on the 10,000 test images.
    Eval(eval::Args),
    /// Print a network and its training settings as a PyTorch script.
    Code(code::Args),
    /// Convert weights between formats: `export model.bpk model.pth` writes a PyTorch state_dict.
    Export(export::Args),
    /// Classify digit images (PNG), prepared like MNIST.
    Predict(predict::Args),
    /// Grid search over learning rate × batch size × channel counts.
    Grid(grid::Args),
    /// Measure training throughput and inference latency on each device.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Code(args) => code::run(args),
        Command::Export(args) => export::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Grid(args) => grid::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
