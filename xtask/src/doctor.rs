//! `cargo xtask doctor`: what is installed, what is missing (and which command needs it), and
//! how long the next development and release builds will take here — from this machine's own
//! build log when it has one, else from the project's measurements on a 2-core machine.

use crate::builds::{self, Build, Kind};
use crate::process::output;
use crate::tools::{Need, TOOLS};
use crate::{Result, root};

/// Measured on the project's 2-core machine (docs/building.md), in seconds: a cold build
/// of each kind on a fresh clone (trunk and wasm-bindgen compiled beside it) and a warm one
/// (one line of `src/model.rs` changed).
const REFERENCE: [(Kind, f64, f64); 2] = [(Kind::Dev, 773.0, 24.0), (Kind::Dist, 1525.0, 578.0)];

pub fn doctor() -> Result {
    println!("Installed and missing:");
    let rustc = output("rustc", &["--version"]).ok_or("rustc does not run")?;
    println!("  {:<54} {}", "Rust", rustc.trim());
    let mut missing = vec![];
    for tool in &TOOLS {
        let needed = match tool.needed_by {
            Need::Serve => "serve, dist, test",
            Need::Dist => "dist, test",
            Need::Test => "test",
        };
        let found = (tool.found)();
        let state = match &found {
            Ok(what) => format!("ok: {what}"),
            Err(why) if why == "missing" => "MISSING".into(),
            Err(why) => format!("MISSING: {why}"),
        };
        println!("  {:<54} {state} (for {needed})", tool.name);
        if found.is_err() {
            missing.push(tool.name);
        }
    }
    let torch = output("python3", &["-c", "import torch; print(torch.__version__)"]);
    let torch = torch.map_or("missing: the benchmarks skip PyTorch".into(), |v| {
        format!("ok: {}", v.trim())
    });
    println!("  {:<54} {torch} (optional, for the benchmarks)", "PyTorch");
    if !missing.is_empty() {
        println!(
            "The commands install what is missing ({}); trunk and wasm-bindgen are compiled \
             beside the first build, within its time below.",
            missing.join(", ")
        );
    }
    println!("Next builds of the two wasm modules:");
    let log = builds::log();
    for (kind, cold_secs, warm_secs) in REFERENCE {
        let cold = builds::cold(kind);
        let what = match kind {
            Kind::Dev => "cargo xtask serve (profile web-dev)",
            Kind::Dist => "cargo xtask dist / test (profiles web-page, web-gpu)",
        };
        let reference = if cold { cold_secs } else { warm_secs };
        println!(
            "  {what}: {}, {}",
            if cold { "cold" } else { "warm" },
            estimate(&log, kind, cold, reference)
        );
    }
    let target = root().join("target");
    println!(
        "(Build times are logged in {}; `cargo clean` makes the next builds cold.)",
        target.join("xtask/builds.json").display()
    );
    Ok(())
}

/// The next build's expected time: the last such build logged here, or the reference.
fn estimate(log: &[Build], kind: Kind, cold: bool, reference: f64) -> String {
    let same: Vec<&Build> = log
        .iter()
        .filter(|b| b.kind == kind && b.cold == cold)
        .collect();
    match same.last() {
        Some(last) => format!(
            "{} (the last of {} such builds logged here)",
            duration(last.secs),
            same.len()
        ),
        None => format!(
            "~{} (measured on a 2-core machine; none logged here yet)",
            duration(reference)
        ),
    }
}

fn duration(secs: f64) -> String {
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else {
        format!("{:.1} min", secs / 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_last_such_build_or_the_reference() {
        let build = |kind, cold, secs| Build {
            kind,
            cold,
            secs,
            at: 0,
        };
        let log = [
            build(Kind::Dev, true, 700.0),
            build(Kind::Dev, false, 50.0),
            build(Kind::Dev, false, 40.0),
            build(Kind::Dist, false, 300.0),
        ];
        let warm = estimate(&log, Kind::Dev, false, 60.0);
        assert_eq!(warm, "40 s (the last of 2 such builds logged here)");
        let cold = estimate(&log, Kind::Dist, true, 1500.0);
        assert_eq!(
            cold,
            "~25.0 min (measured on a 2-core machine; none logged here yet)"
        );
    }
}
