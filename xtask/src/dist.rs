//! `cargo xtask dist [--public-url URL]`: trunk's release build into `dist/` (its public URL
//! `./` from Trunk.toml, so the folder works from any path of any static host, unless
//! `--public-url` says otherwise), then the page's content security policy ([`csp`]), the
//! service worker filled in ([`service_worker`]) and a
//! `.gz` and a `.br` beside every compressible file ([`precompress`]).
//!
//! [`csp`]: crate::csp
//! [`service_worker`]: crate::service_worker
//! [`precompress`]: crate::precompress

use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::builds::{self, Kind};
use crate::files::{files, hex, read};
use crate::precompress::{Sizes, is_sibling, precompress};
use crate::tools::{self, Need};
use crate::{Result, csp, process, root, service_worker};

/// Installs what `need` calls for (see [`tools::setup`]: on a fresh machine trunk and
/// wasm-bindgen compile beside both modules), then builds `dist/`; the whole is logged as one
/// build. Returns the sizes of its compressible files.
pub fn dist(need: Need, public_url: Option<&str>) -> Result<Vec<Sizes>> {
    builds::timed(Kind::Dist, || {
        tools::setup(need)?;
        build(public_url)
    })
}

fn build(public_url: Option<&str>) -> Result<Vec<Sizes>> {
    let mut trunk = vec!["build", "--release"];
    if let Some(url) = public_url {
        trunk.extend(["--public-url", url]);
    }
    let root = root();
    let mut command = process::command("trunk", &trunk, &root);
    // Both modules carry this id and the page checks the training worker's (a host or cache
    // that serves another build's GPU module is caught, not trusted).
    command.env("MNIST_LAB_BUILD", source_id(&root)?);
    process::status(command)?;
    let dist = root.join("dist");
    let started = Instant::now();
    // Before the service worker's list: it hashes the page as it ships.
    let policy = csp::fill_in(&dist)?;
    eprintln!("xtask: index.html: Content-Security-Policy: {policy}");
    let build = service_worker::fill_in(&dist, &service_worker::data_cache(&root)?)?;
    eprintln!("xtask: sw.js: build {build}");
    let sizes = precompress(&dist, &root.join("target/xtask/precompressed"))?;
    eprintln!(
        "xtask: precompressed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let total: u64 = files(&dist)?
        .iter()
        .filter(|f| !is_sibling(f))
        .map(|f| std::fs::metadata(dist.join(f)).map_or(0, |m| m.len()))
        .sum();
    eprintln!("xtask: dist/: {total} bytes without the siblings");
    for s in sizes.iter().filter(|s| s.name.ends_with(".wasm")) {
        eprintln!(
            "xtask: {}: {} bytes, gzip {}, brotli {}",
            s.name, s.raw, s.gzip, s.brotli
        );
    }
    Ok(sizes)
}

/// A hash over what the modules are compiled from (the sources, the manifest, the lock file):
/// the same for both modules of one build, unchanged (so no rebuild) while they are.
fn source_id(root: &Path) -> Result<String> {
    let mut hash = Sha256::new();
    let mut add = |name: &str, path: &Path| -> Result {
        hash.update(format!("{name}\0{}\n", hex(&Sha256::digest(read(path)?))));
        Ok(())
    };
    for name in files(&root.join("src"))? {
        add(&name, &root.join("src").join(&name))?;
    }
    for name in ["Cargo.toml", "Cargo.lock"] {
        add(name, &root.join(name))?;
    }
    Ok(hex(&hash.finalize())[..16].to_string())
}
