//! What the commands need besides Rust, pinned, checked, and installed once where missing:
//! the wasm target, trunk and wasm-bindgen (compiled by `cargo install --locked`: no registry
//! serves either as a package; wasm-bindgen from `xtask/wasm-bindgen`, pinned by this
//! workspace's Cargo.lock), the e2e folder's npm packages (binaryen's wasm-opt,
//! playwright-core, axe-core…) and Debian's Chromium. Nothing is downloaded from anywhere but
//! the package registries.

use std::path::Path;
use std::process::Command;

use crate::builds::Kind;
use crate::process::{self, output};
use crate::{Result, modules, root};

const TRUNK: &str = "0.21.14";
const WASM_BINDGEN: &str = "0.2.130";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// What a command needs.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
pub enum Need {
    /// The development build: the wasm target, trunk, wasm-bindgen and the crates.
    Serve,
    /// Also the npm packages (wasm-opt).
    Dist,
    /// Also Chromium.
    Test,
}

/// One thing a command needs: whether it is there (and what it says of itself), and how to
/// install it.
pub struct Tool {
    pub name: &'static str,
    pub needed_by: Need,
    /// Whether installing it compiles it (minutes, not seconds).
    compiled: bool,
    /// What is installed (a version or a word), if it is installed as pinned.
    pub found: fn() -> std::result::Result<String, String>,
    install: fn() -> Result,
}

/// Everything, in the order a fresh machine installs it.
pub const TOOLS: [Tool; 6] = [
    Tool {
        name: "wasm32-unknown-unknown target",
        compiled: false,
        needed_by: Need::Serve,
        found: || {
            let installed = output("rustup", &["target", "list", "--installed"]);
            match installed {
                Some(list) if list.lines().any(|l| l == WASM_TARGET) => Ok("installed".into()),
                Some(_) => Err("missing".into()),
                None => Err("rustup is missing: install Rust with rustup".into()),
            }
        },
        install: || process::run("rustup", &["target", "add", WASM_TARGET], &root()),
    },
    Tool {
        name: "crates (cargo fetch)",
        compiled: false,
        needed_by: Need::Serve,
        found: || {
            // trunk builds offline: every crate must be in the local registry.
            let ok = Command::new("cargo")
                .args(["metadata", "--offline", "--format-version=1", "--locked"])
                .current_dir(root())
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                Ok("all in the local registry".into())
            } else {
                Err("some are not downloaded yet".into())
            }
        },
        install: || process::run("cargo", &["fetch", "--locked"], &root()),
    },
    Tool {
        name: "trunk",
        compiled: true,
        needed_by: Need::Serve,
        found: || pinned("trunk", TRUNK),
        install: install_trunk,
    },
    Tool {
        name: "wasm-bindgen",
        compiled: true,
        needed_by: Need::Serve,
        found: || pinned("wasm-bindgen", WASM_BINDGEN),
        install: || {
            let path = root().join("xtask/wasm-bindgen");
            let install = ["install", "--locked", "--path", &path.to_string_lossy()];
            process::run("cargo", &install, &root())
        },
    },
    Tool {
        name: "e2e npm packages (wasm-opt, playwright-core, axe-core)",
        compiled: false,
        needed_by: Need::Dist,
        found: || {
            if npm_packages_current() {
                output("wasm-opt", &["--version"])
                    .map(|v| v.trim().to_string())
                    .ok_or_else(|| "installed, but wasm-opt does not run".into())
            } else {
                Err("missing or older than e2e/package-lock.json".into())
            }
        },
        install: || {
            // No package's install script runs: none of these needs one.
            let npm = ["ci", "--ignore-scripts", "--no-audit", "--no-fund"];
            process::run("npm", &npm, &root().join("e2e"))
        },
    },
    Tool {
        name: "Chromium",
        compiled: false,
        needed_by: Need::Test,
        found: || {
            let chromium = std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into());
            output(&chromium, &["--version"])
                .map(|v| v.trim().to_string())
                .ok_or_else(|| format!("{chromium} is missing"))
        },
        install: install_chromium,
    },
];

/// Installs what `need` calls for and is missing. trunk and wasm-bindgen are compiled at the
/// same time as both wasm modules (for development or release, as `need` says): these are the
/// long steps of a fresh machine, none waits for another, and together they keep both cores
/// busy; trunk's own build then finds the modules built.
pub fn setup(need: Need) -> Result {
    let missing: Vec<&Tool> = TOOLS
        .iter()
        .filter(|t| t.needed_by <= need && (t.found)().is_err())
        .collect();
    let (compiled, quick): (Vec<&Tool>, Vec<&Tool>) = missing.into_iter().partition(|t| t.compiled);
    for tool in quick {
        eprintln!("xtask: installing {}", tool.name);
        (tool.install)()?;
    }
    if compiled.is_empty() {
        return Ok(());
    }
    std::thread::scope(|s| {
        let installs: Vec<_> = compiled
            .iter()
            .map(|tool| s.spawn(|| (tool.install)()))
            .collect();
        modules::prebuild(if need == Need::Serve {
            Kind::Dev
        } else {
            Kind::Dist
        })?;
        installs
            .into_iter()
            .try_for_each(|i| i.join().expect("an install thread"))
    })
}

/// The version `program --version` says, if it is `version`.
fn pinned(program: &str, version: &str) -> std::result::Result<String, String> {
    match output(program, &["--version"]) {
        Some(v) if v.split_whitespace().any(|w| w == version) => Ok(version.into()),
        Some(v) => Err(format!("{} installed, {version} wanted", v.trim())),
        None => Err("missing".into()),
    }
}

/// trunk by `cargo install --locked`, built for a quick install: without default features (TLS
/// for serving over https and downloading tools, and a check for updates, none of which an
/// offline local server uses) and without its release profile's fat LTO and single codegen
/// unit, because it only starts other programs and serves files (docs/building.md has the
/// install times).
fn install_trunk() -> Result {
    let install = [
        "install",
        "trunk",
        "--version",
        TRUNK,
        "--locked",
        "--no-default-features",
    ];
    let mut install = process::command("cargo", &install, &root());
    install
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1");
    process::status(install)
}

/// Whether e2e/node_modules holds what e2e/package-lock.json pins (npm rewrites its own copy
/// of the lock file on every install).
fn npm_packages_current() -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let e2e = root().join("e2e");
    let installed = modified(&e2e.join("node_modules/.package-lock.json"));
    installed.is_some() && installed >= modified(&e2e.join("package-lock.json"))
}

/// Debian's Chromium, when running as root on Debian (CI); otherwise says what to do.
fn install_chromium() -> Result {
    let root_user = output("id", &["-u"]).is_some_and(|id| id.trim() == "0");
    if root_user && Path::new("/usr/bin/apt-get").exists() {
        process::run("apt-get", &["update", "-qq"], &root())?;
        return process::run("apt-get", &["install", "-y", "-qq", "chromium"], &root());
    }
    Err(
        "the browser tests need Chromium: `sudo apt-get install chromium`, or set \
         CHROMIUM=/path/to/chrome"
            .into(),
    )
}
