//! The project's two commands:
//! - `cargo xtask serve`: installs what a fresh machine lacks (wasm target, pinned trunk,
//!   wasm-bindgen and wasm-opt), then builds the web app and serves it on http://127.0.0.1:8080;
//! - `cargo xtask test`: every test — native `cargo test`, then the release web build driven by
//!   the browser end-to-end suite in headless Chromium;
//! - `cargo xtask fuzz [target|all] [minutes]`: the fuzz targets of `tests/hostile/fuzz.rs`,
//!   coverage-guided by libFuzzer (bolero's engine, on stable Rust), for longer than the few
//!   seconds of random inputs `cargo test` gives each.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const TRUNK: &str = "0.21.14";
const WASM_BINDGEN: &str = "0.2.130";

/// The fuzz targets (tests in `tests/hostile/fuzz.rs`), with the folders of real files that seed
/// them besides their own corpus.
const FUZZ_TARGETS: [(&str, &[&str]); 7] = [
    ("pth_file", &["tests/fixtures"]),
    ("pth_pickle", &[]),
    ("pickle_program", &[]),
    ("burn_record", &["public/weights"]),
    ("idx_files", &[]),
    ("canvas_to_mnist", &[]),
    ("tiny_training", &[]),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str).unwrap_or_default() {
        "serve" => serve(),
        "test" => test(),
        "build" => setup().and_then(|_| build()),
        "fuzz" => fuzz(&args[1..]),
        _ => Err("usage: cargo xtask <serve|test|build|fuzz [target|all] [minutes]>".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the project")
        .to_path_buf()
}

/// PATH with the npm-installed tools (binaryen's wasm-opt) first.
fn path_with_tools() -> String {
    let bin = root().join("e2e/node_modules/.bin");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn command(program: &str, args: &[&str], dir: &Path) -> Command {
    eprintln!("xtask: {program} {}", args.join(" "));
    let mut c = Command::new(program);
    c.args(args).current_dir(dir).env("PATH", path_with_tools());
    c
}

fn run(program: &str, args: &[&str], dir: &Path) -> Result<(), String> {
    let status = command(program, args, dir)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// What `program args` prints, or "" if it cannot run.
fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .env("PATH", path_with_tools())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn setup() -> Result<(), String> {
    let root = root();
    if !output("rustup", &["target", "list", "--installed"]).contains("wasm32-unknown-unknown") {
        run(
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
            &root,
        )?;
    }
    if !output("trunk", &["--version"]).contains(TRUNK) {
        run(
            "cargo",
            &["install", "trunk", "--version", TRUNK, "--locked"],
            &root,
        )?;
    }
    if !output("wasm-bindgen", &["--version"]).contains(WASM_BINDGEN) {
        run(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN],
            &root,
        )?;
    }
    if !root.join("e2e/node_modules/.bin/wasm-opt").exists()
        || !root.join("e2e/node_modules/playwright-core").exists()
    {
        run("npm", &["ci", "--no-audit", "--no-fund"], &root.join("e2e"))?;
    }
    // trunk builds offline: every crate must be in the local registry first.
    run("cargo", &["fetch"], &root)
}

fn build() -> Result<(), String> {
    run("trunk", &["build", "--release"], &root())
}

fn serve() -> Result<(), String> {
    setup()?;
    run("trunk", &["serve", "--release"], &root())
}

fn chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some() {
        return Ok(());
    }
    if output("id", &["-u"]).trim() == "0" && Path::new("/usr/bin/apt-get").exists() {
        run("apt-get", &["update", "-qq"], &root())?;
        return run("apt-get", &["install", "-y", "-qq", "chromium"], &root());
    }
    Err("the browser tests need Chromium: `sudo apt-get install chromium`, or set CHROMIUM=/path/to/chrome".into())
}

fn test() -> Result<(), String> {
    let root = root();
    run("cargo", &["test", "--release", "--workspace"], &root)?;
    setup()?;
    build()?;
    chromium()?;
    run("npm", &["test"], &root.join("e2e"))
}

/// Runs fuzz targets under libFuzzer: each for `minutes` (default 5), memory capped at 2 GB and
/// 10 s per input. New inputs go to the target's corpus in `tests/hostile/__fuzz__/`, crashes
/// next to it; `cargo test` replays both.
///
/// This does what `cargo bolero test --engine libfuzzer --sanitizer NONE` does, for the one test
/// binary that holds the targets: cargo-bolero builds every test binary of the package with
/// coverage instrumentation, and those that do not link bolero fail to link.
fn fuzz(args: &[String]) -> Result<(), String> {
    let which = args.first().map_or("all", String::as_str);
    let targets: Vec<_> = FUZZ_TARGETS
        .iter()
        .filter(|(name, _)| which == "all" || which == *name)
        .collect();
    if targets.is_empty() {
        let names: Vec<_> = FUZZ_TARGETS.iter().map(|(n, _)| *n).collect();
        return Err(format!(
            "no fuzz target {which}; they are: all, {}",
            names.join(", ")
        ));
    }
    let minutes: u64 = match args.get(1) {
        Some(m) => m
            .parse()
            .map_err(|_| format!("minutes: not a number: {m}"))?,
        None => 5,
    };
    let root = root();
    if root.display().to_string().contains(' ') {
        return Err("libFuzzer's arguments are passed space-separated: move the project to a path without spaces".into());
    }
    let exe = build_fuzzer(&root)?;
    let mut failed = vec![];
    for (target, seeds) in targets {
        let test = format!("fuzz::{target}");
        let work = root
            .join("tests/hostile/__fuzz__")
            .join(format!("fuzz__{target}"));
        let (corpus, crashes) = (work.join("corpus"), work.join("crashes"));
        for dir in [&corpus, &crashes] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut libfuzzer = vec![
            corpus.display().to_string(),
            crashes.display().to_string(),
            format!("-artifact_prefix={}/", crashes.display()),
            "-timeout=10".into(),
            "-rss_limit_mb=2048".into(),
            format!("-max_total_time={}", minutes * 60),
        ];
        libfuzzer.extend(seeds.iter().map(|s| root.join(s).display().to_string()));
        eprintln!("xtask: fuzzing {test} for {minutes} min");
        let status = Command::new(&exe)
            .args([
                test.as_str(),
                "--exact",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("BOLERO_TEST_NAME", &test)
            .env("BOLERO_LIBTEST_HARNESS", "1")
            .env("BOLERO_LIBFUZZER_ARGS", libfuzzer.join(" "))
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !status.success() {
            failed.push(format!("{test} (see {})", crashes.display()));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failures found: {}", failed.join(", ")))
    }
}

/// Builds `tests/hostile` with libFuzzer's coverage instrumentation; returns the test binary.
fn build_fuzzer(root: &Path) -> Result<PathBuf, String> {
    let host = output("rustc", &["-vV"])
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .ok_or("cannot tell the host target from `rustc -vV`")?;
    // The flags cargo-bolero's libfuzzer engine uses; an explicit --target keeps them off build
    // scripts and proc macros. Without default features the CLI binary, which integration tests
    // would otherwise build and which cannot link the instrumentation, is left out; the targets
    // need the core's training and `.pth` reader.
    let rustflags = [
        "--cfg fuzzing",
        "-Cpasses=sancov-module",
        "--cfg fuzzing_libfuzzer",
        "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
        "-Cllvm-args=-sanitizer-coverage-level=4",
        "-Cllvm-args=-sanitizer-coverage-pc-table",
        "-Cllvm-args=-sanitizer-coverage-trace-compares",
        "-Cllvm-args=-sanitizer-coverage-stack-depth",
    ]
    .join(" ");
    let out = command(
        "cargo",
        &[
            "test",
            "--test",
            "hostile",
            "--no-run",
            "--profile",
            "fuzz",
            "--target",
            &host,
            "--target-dir",
            "target/fuzz",
            "--message-format=json",
            "--no-default-features",
            "--features",
            "train,pth",
        ],
        root,
    )
    .env("RUSTFLAGS", rustflags)
    .env("BOLERO_FUZZER", "libfuzzer")
    .stderr(std::process::Stdio::inherit())
    .output()
    .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        // The compiler's own rendering of each error, from cargo's JSON messages.
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(start) = line.find(r#""rendered":""#) {
                let rest = &line[start + 12..];
                let end = rest.find(r#"","#).unwrap_or(rest.len());
                eprintln!("{}", rest[..end].replace("\\n", "\n").replace("\\\"", "\""));
            }
        }
        return Err("building the fuzz targets failed".into());
    }
    // The compiler-artifact message of the `hostile` test names its executable.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(r#""name":"hostile""#))
        .find_map(|l| {
            let rest = &l[l.find(r#""executable":""#)? + 14..];
            Some(PathBuf::from(&rest[..rest.find('"')?]))
        })
        .ok_or_else(|| "cargo did not say where the fuzz binary is".into())
}
