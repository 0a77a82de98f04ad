//! The service worker (`public/sw.js`) filled in for one build: its version, its files with
//! their Subresource Integrity hashes, and the training worker's data cache.

use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::Result;
use crate::files::{files, hex, read, write};
use crate::precompress::is_sibling;

/// The name of the Cache API cache the training worker keeps MNIST in, read from its one
/// definition, `DATA_CACHE` in `src/web/worker/dataset.rs`, for the service worker to serve
/// `mnist/*` from the same cache.
pub fn data_cache(root: &Path) -> Result<String> {
    let source = root.join("src/web/worker/dataset.rs");
    let text = String::from_utf8(read(&source)?).map_err(|e| e.to_string())?;
    let definition = "pub const DATA_CACHE: &str = \"";
    text.lines()
        .find_map(|l| l.strip_prefix(definition)?.strip_suffix("\";"))
        .filter(|name| {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(str::to_string)
        .ok_or_else(|| format!("{}: no `{definition}…\";` line", source.display()))
}

/// Files the service worker does not precache: itself, MNIST (the training worker keeps it in
/// its own cache) and the precompressed siblings (a host sends them in the originals' place).
fn precached(name: &str) -> bool {
    name != "sw.js" && !name.starts_with("mnist/") && !is_sibling(name)
}

/// The GPU module's files (trunk names a worker module without a hash): cached when a run on
/// WebGPU first fetches them, not precached, so that a visitor who trains on the CPU never
/// downloads them.
fn on_use(name: &str) -> bool {
    matches!(name, "worker.js" | "worker_bg.wasm")
}

/// Fills in `dist/sw.js` (copied by trunk from `public/sw.js`): the build's version — a hash over
/// the names and bytes of every file of the app shell — those files with their Subresource
/// Integrity hashes (and `'on-use'` for those cached on first use), and the data cache's name.
/// Returns the version.
pub fn fill_in(dist: &Path, data_cache: &str) -> Result<String> {
    let mut shell = vec![];
    let mut build = Sha256::new();
    for name in files(dist)?.into_iter().filter(|n| precached(n)) {
        let digest = Sha256::digest(read(&dist.join(&name))?);
        build.update(format!("{name}\0{}\n", hex(&digest)));
        // The page is its folder (hosts answer `./` with index.html; some redirect index.html).
        let url = if name == "index.html" {
            "./".to_string()
        } else {
            name
        };
        let when = if on_use(&url) { ", 'on-use'" } else { "" };
        shell.push(format!(
            "  ['{url}', 'sha256-{}'{when}],",
            integrity(&digest)
        ));
    }
    let build = hex(&build.finalize())[..16].to_string();
    let path = dist.join("sw.js");
    let template = String::from_utf8(read(&path)?).map_err(|e| e.to_string())?;
    let mut filled = 0;
    let text: Vec<String> = template
        .lines()
        .map(|line| {
            let value = match line {
                "const BUILD = null;" => format!("const BUILD = '{build}';"),
                "const SHELL = [];" => format!("const SHELL = [\n{}\n];", shell.join("\n")),
                "const DATA_CACHE = null;" => format!("const DATA_CACHE = '{data_cache}';"),
                _ => return line.to_string(),
            };
            filled += 1;
            value
        })
        .collect();
    if filled != 3 {
        return Err(format!(
            "{}: expected the lines `const BUILD = null;`, `const SHELL = [];` and \
             `const DATA_CACHE = null;` to fill in",
            path.display()
        ));
    }
    write(&path, (text.join("\n") + "\n").as_bytes())?;
    Ok(build)
}

/// A digest as Subresource Integrity writes it: standard base64 with padding.
pub fn integrity(digest: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::root;

    #[test]
    fn integrity_is_what_browsers_compute() {
        // The sha256 of "abc" as `openssl dgst -sha256 -binary | base64` writes it.
        assert_eq!(
            integrity(&Sha256::digest(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn precached_files() {
        assert!(precached("index.html") && precached("icons/icon-192.png"));
        assert!(
            !precached("sw.js") && !precached("mnist/SHA256SUMS") && !precached("worker.js.br")
        );
    }

    #[test]
    fn the_data_cache_name_comes_from_the_worker() {
        assert_eq!(data_cache(&root()).unwrap(), "mnist-lab-data-v1");
    }

    #[test]
    fn the_service_worker_is_filled_in_once() {
        let dist = std::env::temp_dir().join(format!("xtask-sw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(dist.join("mnist")).unwrap();
        std::fs::copy(root().join("public/sw.js"), dist.join("sw.js")).unwrap();
        let page = "<html>".repeat(100);
        std::fs::write(dist.join("index.html"), &page).unwrap();
        std::fs::write(dist.join("mnist/t10k-labels-idx1-ubyte.gz"), b"data").unwrap();
        std::fs::write(dist.join("worker.js"), b"gpu").unwrap();
        let build = fill_in(&dist, "the-data").unwrap();
        let sw = std::fs::read_to_string(dist.join("sw.js")).unwrap();
        assert!(sw.contains(&format!("\nconst BUILD = '{build}';\n")));
        assert!(sw.contains("\nconst DATA_CACHE = 'the-data';\n"));
        let hash = integrity(&Sha256::digest(page.as_bytes()));
        let gpu = integrity(&Sha256::digest(b"gpu"));
        assert!(sw.contains(&format!(
            "\nconst SHELL = [\n  ['./', 'sha256-{hash}'],\n  ['worker.js', 'sha256-{gpu}', 'on-use'],\n];\n"
        )));
        // A filled-in worker is not a template any more.
        assert!(fill_in(&dist, "the-data").is_err());
        std::fs::remove_dir_all(&dist).unwrap();
    }
}
