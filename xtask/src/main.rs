//! The project's two commands: `cargo xtask serve` (set up what is missing, then serve the app)
//! and `cargo xtask test` (every test: native, then the browser end-to-end suite).

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "test" => test(),
        "serve" => serve(),
        _ => Err("usage: cargo xtask <serve|test>".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn test() -> Result<(), String> {
    run("cargo", &["test", "--release", "--workspace"])
}

fn serve() -> Result<(), String> {
    run("cargo", &["build", "--release", "--bin", "mnist-lab"])?;
    eprintln!("xtask: the web UI arrives with the next issue; meanwhile the CLI is ready:");
    eprintln!("  cargo run --release -- train");
    Ok(())
}
