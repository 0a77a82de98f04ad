//! How long builds of the wasm modules took on this machine, cold (the profile's dependencies
//! not built yet) and warm, kept in `target/xtask/builds.json` for `cargo xtask doctor`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::root;

/// Which build of the two wasm modules.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Kind {
    /// `cargo xtask serve`, `trunk serve`: profile `web-dev`.
    Dev,
    /// `cargo xtask dist` and `test`: profiles `web-page` and `web-gpu`.
    Dist,
}

impl Kind {
    /// The cargo profiles the build compiles with.
    pub fn profiles(self) -> &'static [&'static str] {
        match self {
            Kind::Dev => &["web-dev"],
            Kind::Dist => &["web-page", "web-gpu"],
        }
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Build {
    pub kind: Kind,
    pub cold: bool,
    pub secs: f64,
    /// When it ended, in seconds since the Unix epoch.
    pub at: u64,
}

fn log_path() -> PathBuf {
    root().join("target/xtask/builds.json")
}

/// The builds logged so far, oldest first (none if the log is missing or unreadable).
pub fn log() -> Vec<Build> {
    read(&log_path())
}

fn read(path: &Path) -> Vec<Build> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Whether a build of `kind` now would be cold: a profile whose dependencies (burn among them)
/// were never built for wasm.
pub fn cold(kind: Kind) -> bool {
    kind.profiles().iter().any(|profile| {
        let deps = root()
            .join("target/wasm32-unknown-unknown")
            .join(profile)
            .join("deps");
        !std::fs::read_dir(deps).is_ok_and(|mut files| {
            files.any(|f| {
                f.is_ok_and(|f| f.file_name().to_string_lossy().starts_with("libburn_core-"))
            })
        })
    })
}

/// Adds a build to the log (the last 50 are kept); a log that cannot be written is only said.
pub fn record(kind: Kind, cold: bool, secs: f64) {
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    eprintln!(
        "xtask: {kind:?} build, {}, took {secs:.0} s",
        if cold { "cold" } else { "warm" }
    );
    if let Err(e) = append(
        &log_path(),
        Build {
            kind,
            cold,
            secs,
            at,
        },
    ) {
        eprintln!("xtask: cannot log the build: {e}");
    }
}

fn append(path: &Path, build: Build) -> std::io::Result<()> {
    let mut builds = read(path);
    builds.push(build);
    let keep = builds.len().saturating_sub(50);
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    std::fs::write(path, serde_json::to_vec_pretty(&builds[keep..])?)
}

/// Runs `build` (a build of `kind`) and logs how long it took when it succeeds.
pub fn timed<T>(kind: Kind, build: impl FnOnce() -> crate::Result<T>) -> crate::Result<T> {
    let cold = cold(kind);
    let started = std::time::Instant::now();
    let out = build()?;
    record(kind, cold, started.elapsed().as_secs_f64());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_what_it_is_given_and_the_last_fifty() {
        let path = std::env::temp_dir().join(format!("xtask-builds-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        assert!(read(&path).is_empty());
        for i in 0..55 {
            let build = Build {
                kind: Kind::Dev,
                cold: i == 0,
                secs: i as f64,
                at: i,
            };
            append(&path, build).unwrap();
        }
        let builds = read(&path);
        assert_eq!(builds.len(), 50);
        assert_eq!((builds[0].secs, builds[49].secs), (5.0, 54.0));
        std::fs::write(&path, "not json").unwrap();
        assert!(read(&path).is_empty());
        std::fs::remove_file(&path).unwrap();
    }
}
