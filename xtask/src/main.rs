//! The project's commands, one module each (`cargo xtask --help` lists them):
//! - [`serve`]: the development build, served with live reload;
//! - [`dist`]: the deployable static site (`build` is the same command);
//! - [`test`]: every test, native and in the browser, on exactly what `dist` ships;
//! - [`doctor`]: what is installed, what is missing, and what the next build will cost;
//! - [`fuzz`]: the fuzz targets under libFuzzer.
//!
//! [`tools`] installs what a fresh machine lacks (pinned, once); [`builds`] keeps a log of how
//! long builds took, which `doctor` reads.

mod builds;
mod csp;
mod dist;
mod doctor;
mod files;
mod fuzz;
mod modules;
mod precompress;
mod process;
mod serve;
mod service_worker;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tools::Need;

#[derive(Parser)]
#[command(
    about = "MNIST Lab's build, test and serve commands",
    bin_name = "cargo xtask"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Installs what is missing, builds the app for development (profile `web-dev`:
    /// incremental, no LTO, no wasm-opt) and serves it on http://127.0.0.1:8080, rebuilding and
    /// reloading the page on every change.
    Serve {
        /// Serve the size-optimised build `dist` makes instead (slow to build: fat LTO,
        /// wasm-opt).
        #[arg(long)]
        release: bool,
    },
    /// The deployable static site in dist/: the size-optimised build, the service worker
    /// filled in, a .gz and a .br beside every compressible file.
    #[command(alias = "build")]
    Dist {
        /// Absolute URLs under this path or URL instead of relative ones (`./`).
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Every test: native `cargo test`, then `dist` driven by the browser suite in headless
    /// Chromium.
    Test,
    /// What is installed and what is missing, and how long the next builds will take.
    Doctor,
    /// The fuzz targets of tests/hostile/fuzz.rs under libFuzzer.
    Fuzz {
        /// One target, or all of them.
        #[arg(default_value = "all")]
        target: String,
        /// Minutes per target.
        #[arg(default_value_t = 5)]
        minutes: u64,
    },
}

/// What a command failed with, said to the person who ran it.
type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Serve { release } => serve::serve(release),
        Command::Dist { public_url } => dist::dist(Need::Dist, public_url.as_deref()).map(drop),
        Command::Test => test(),
        Command::Doctor => doctor::doctor(),
        Command::Fuzz { target, minutes } => fuzz::fuzz(&target, minutes),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The project's folder (xtask sits in it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the project")
        .to_path_buf()
}

/// The native tests: all but the wasm-bindgen program's, which has none.
const NATIVE_TESTS: [&str; 6] = [
    "test",
    "--locked",
    "--release",
    "--workspace",
    "--exclude",
    "wasm-bindgen-pinned",
];

/// Native tests, then the browser suite on `dist/`. One after the other: on 2 cores, running
/// the native tests beside the release build of the modules (and the modules beside each
/// other) made a cold run slower by delaying the worker module, the longest chain
/// (docs/building.md).
fn test() -> Result {
    let root = root();
    process::run("cargo", &NATIVE_TESTS, &root)?;
    dist::dist(Need::Test, None)?;
    process::run("npm", &["test"], &root.join("e2e"))
}
