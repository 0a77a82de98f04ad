//! `cargo xtask fuzz [target|all] [minutes]`: the fuzz targets of `tests/hostile/fuzz.rs`,
//! coverage-guided by libFuzzer (bolero's engine, on stable Rust), for longer than the few
//! seconds of random inputs `cargo test` gives each.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::process::{command, output};
use crate::{Result, root};

/// The fuzz targets (tests in `tests/hostile/fuzz.rs`), with the folders of real files that seed
/// them besides their own corpus.
const FUZZ_TARGETS: [(&str, &[&str]); 8] = [
    ("pth_file", &["tests/fixtures"]),
    ("pth_pickle", &[]),
    ("pickle_program", &[]),
    ("burn_record", &["public/weights"]),
    ("idx_files", &[]),
    ("picture_header", &["e2e/pictures"]),
    ("canvas_to_mnist", &[]),
    ("tiny_training", &[]),
];

/// Runs fuzz targets under libFuzzer: each for `minutes` (default 5), memory capped at 2 GB and
/// 10 s per input. New inputs go to the target's corpus in `tests/hostile/__fuzz__/`, crashes
/// next to it; `cargo test` replays both.
///
/// This does what `cargo bolero test --engine libfuzzer --sanitizer NONE` does, for the one test
/// binary that holds the targets: cargo-bolero builds every test binary of the package with
/// coverage instrumentation, and those that do not link bolero fail to link.
pub fn fuzz(which: &str, minutes: u64) -> Result {
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

/// The part of cargo's JSON messages this reads: a compiler artifact's target and executable,
/// and a compiler message's rendering.
#[derive(Deserialize)]
struct CargoMessage {
    reason: String,
    target: Option<Target>,
    executable: Option<PathBuf>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
}

#[derive(Deserialize)]
struct Diagnostic {
    rendered: Option<String>,
}

/// Builds `tests/hostile` with libFuzzer's coverage instrumentation; returns the test binary.
fn build_fuzzer(root: &Path) -> Result<PathBuf> {
    let host = output("rustc", &["-vV"])
        .unwrap_or_default()
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
    let args = [
        "test",
        "--locked",
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
    ];
    let out = command("cargo", &args, root)
        .env("RUSTFLAGS", rustflags)
        .env("BOLERO_FUZZER", "libfuzzer")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let messages = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<CargoMessage>(l).ok())
        .collect::<Vec<_>>();
    if !out.status.success() {
        // The compiler's own rendering of each error.
        for m in messages.iter().filter(|m| m.reason == "compiler-message") {
            if let Some(rendered) = m.message.as_ref().and_then(|d| d.rendered.as_ref()) {
                eprintln!("{rendered}");
            }
        }
        return Err("building the fuzz targets failed".into());
    }
    executable(messages, "hostile")
        .ok_or_else(|| "cargo did not say where the fuzz binary is".into())
}

/// The executable of the test `name`, from its compiler-artifact message.
fn executable(messages: Vec<CargoMessage>, name: &str) -> Option<PathBuf> {
    messages
        .into_iter()
        .filter(|m| m.reason == "compiler-artifact")
        .filter(|m| m.target.as_ref().is_some_and(|t| t.name == name))
        .find_map(|m| m.executable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_binary_is_found_in_cargos_messages() {
        let lines = [
            r#"{"reason":"compiler-artifact","target":{"name":"mnist_lab","kind":["lib"]},"executable":null}"#,
            r#"{"reason":"compiler-message","message":{"rendered":"warning: x","level":"warning"}}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"hostile","kind":["test"]},"executable":"/t/hostile-1f2e"}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ];
        let messages = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            executable(messages, "hostile"),
            Some(PathBuf::from("/t/hostile-1f2e"))
        );
    }
}
