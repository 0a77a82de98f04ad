//! The wasm modules as index.html asks trunk to build them, and building them ahead of trunk.

use crate::builds::Kind;
use crate::{Result, process, root};

/// A wasm module as index.html asks trunk to build it.
pub struct Module {
    bin: String,
    features: String,
    /// The cargo profile of each kind of build.
    dev: String,
    release: String,
}

/// The wasm modules index.html names.
pub fn modules() -> Result<Vec<Module>> {
    let path = root().join("index.html");
    let html = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let attr = |tag: &str, name: &str| {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..start + tag[start..].find('"')?].to_string())
    };
    let modules: Vec<_> = html
        .split("<link ")
        .filter(|tag| tag.starts_with("data-trunk rel=\"rust\""))
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            Some(Module {
                bin: attr(tag, "data-bin")?,
                features: attr(tag, "data-cargo-features")?,
                dev: attr(tag, "data-cargo-profile-dev")?,
                release: attr(tag, "data-cargo-profile-release")?,
            })
        })
        .collect();
    if modules.is_empty() {
        return Err(format!(
            "{}: no `<link data-trunk rel=\"rust\"` with data-bin, data-cargo-features and both \
             data-cargo-profile-dev and -release",
            path.display()
        ));
    }
    Ok(modules)
}

/// Builds both modules as trunk will for a build of `kind` (the same cargo commands, so trunk's
/// own build then finds them fresh): run while trunk and wasm-bindgen are being compiled. One
/// after the other: with one profile (development) cargo would build them so anyway, and with
/// a profile each (release) building them at once delayed the worker, the longest chain.
pub fn prebuild(kind: Kind) -> Result {
    modules()?.iter().try_for_each(|module| build(module, kind))
}

fn build(module: &Module, kind: Kind) -> Result {
    let profile = match kind {
        Kind::Dev => &module.dev,
        Kind::Dist => &module.release,
    };
    let args = [
        "build",
        "--locked",
        "--target=wasm32-unknown-unknown",
        "--manifest-path",
        "Cargo.toml",
        "--profile",
        profile,
        "--bin",
        &module.bin,
        "--no-default-features",
        "--features",
        &module.features,
    ];
    process::run("cargo", &args, &root())
}
