//! A `.gz` (gzip -9) and a `.br` (brotli 11) beside every compressible file of `dist/`, for
//! hosts that send them in the original's place when the browser accepts them (nginx
//! `gzip_static`/`brotli_static` and the like).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::Result;
use crate::files::{files, hex, read, write};

/// What gets a `.gz` and a `.br` sibling: text and wasm. Not `mnist/*.gz` (already gzip'd) nor
/// PNGs (compressed images).
const COMPRESSIBLE: [&str; 8] = [
    "html",
    "js",
    "css",
    "wasm",
    "bpk",
    "webmanifest",
    "svg",
    "json",
];

/// Brotli's quality and window (log2 bytes): docs/deploy.md has what each quality costs
/// and saves on the worker module. Only a changed file is compressed again (see [`precompress`]).
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 24;

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Gzip,
    Brotli,
}

impl Encoding {
    fn extension(self) -> &'static str {
        match self {
            Encoding::Gzip => "gz",
            Encoding::Brotli => "br",
        }
    }

    fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Gzip => {
                let mut w = flate2::write::GzEncoder::new(vec![], flate2::Compression::best());
                w.write_all(bytes)?;
                w.finish()
            }
            Encoding::Brotli => {
                let mut out = vec![];
                let mut w =
                    brotli::CompressorWriter::new(&mut out, 1 << 16, BROTLI_QUALITY, BROTLI_WINDOW);
                w.write_all(bytes)?;
                drop(w);
                Ok(out)
            }
        }
    }

    /// The cache entry's name for `bytes` so compressed.
    fn entry(self, bytes: &[u8]) -> String {
        let params = match self {
            Encoding::Gzip => "best".into(),
            Encoding::Brotli => format!("q{BROTLI_QUALITY}w{BROTLI_WINDOW}"),
        };
        let digest = hex(&Sha256::digest(bytes));
        format!("{digest}.{params}.{}", self.extension())
    }
}

/// A file's sizes: as it is, gzip'd and brotli'd (0 where the sibling was not smaller).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

pub fn is_sibling(name: &str) -> bool {
    [".gz", ".br"].iter().any(|ext| {
        name.strip_suffix(ext).is_some_and(|original| {
            COMPRESSIBLE
                .iter()
                .any(|c| original.ends_with(&format!(".{c}")))
        })
    })
}

/// Writes `NAME.gz` and `NAME.br` beside every compressible file of `dist`; a sibling that would
/// not be smaller is left out. Compressed bytes are kept in `cache` by the original's SHA-256, so
/// a rebuild compresses only what changed (a module at brotli 11 takes tens of seconds); the
/// cache keeps only what the last run used. Returns each original's sizes.
pub fn precompress(dist: &Path, cache: &Path) -> Result<Vec<Sizes>> {
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let names: Vec<String> = files(dist)?
        .into_iter()
        .filter(|n| COMPRESSIBLE.iter().any(|c| n.ends_with(&format!(".{c}"))))
        .collect();
    // Largest first, over every core: the worker module's brotli is most of the time.
    let mut jobs = vec![];
    for name in &names {
        let bytes = std::sync::Arc::new(read(&dist.join(name))?);
        for encoding in [Encoding::Gzip, Encoding::Brotli] {
            jobs.push((name.clone(), encoding, bytes.clone()));
        }
    }
    jobs.sort_by_key(|(_, encoding, bytes)| {
        std::cmp::Reverse((bytes.len(), *encoding == Encoding::Brotli))
    });
    let jobs = Mutex::new(jobs.into_iter());
    let results = Mutex::new(vec![]);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some((name, encoding, bytes)) = jobs.lock().unwrap().next() {
                    let result = compress_cached(&bytes, encoding, cache);
                    let raw = bytes.len();
                    results.lock().unwrap().push((name, encoding, raw, result));
                }
            });
        }
    });
    let mut sizes: Vec<Sizes> = names
        .iter()
        .map(|n| Sizes {
            name: n.clone(),
            ..Sizes::default()
        })
        .collect();
    let mut used = vec![];
    for (name, encoding, raw, result) in results.into_inner().unwrap() {
        let (compressed, entry) = result?;
        used.push(entry);
        let file = sizes
            .iter_mut()
            .find(|s| s.name == name)
            .expect("a job's file");
        file.raw = raw;
        if compressed.len() < raw {
            write(
                &dist.join(format!("{name}.{}", encoding.extension())),
                &compressed,
            )?;
            *match encoding {
                Encoding::Gzip => &mut file.gzip,
                Encoding::Brotli => &mut file.brotli,
            } = compressed.len();
        }
    }
    for old in files(cache)?.into_iter().filter(|f| !used.contains(f)) {
        let _ = std::fs::remove_file(cache.join(old));
    }
    Ok(sizes)
}

/// `bytes` compressed, from `cache` when it was done before; also returns its cache entry.
fn compress_cached(bytes: &[u8], encoding: Encoding, cache: &Path) -> Result<(Vec<u8>, String)> {
    let entry = encoding.entry(bytes);
    let path = cache.join(&entry);
    if let Ok(done) = std::fs::read(&path) {
        return Ok((done, entry));
    }
    let compressed = encoding.compress(bytes).map_err(|e| e.to_string())?;
    write(&path, &compressed)?;
    Ok((compressed, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings() {
        assert!(is_sibling("worker_bg.wasm.br") && is_sibling("icons/favicon.svg.gz"));
        assert!(!is_sibling("mnist/train-images-idx3-ubyte.gz") && !is_sibling("worker.js"));
    }

    #[test]
    fn files_are_precompressed_once() {
        let dir = std::env::temp_dir().join(format!("xtask-pre-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dist = dir.join("dist");
        std::fs::create_dir_all(dist.join("mnist")).unwrap();
        let page = "<html>".repeat(100);
        std::fs::write(dist.join("index.html"), &page).unwrap();
        std::fs::write(dist.join("tiny.js"), "1").unwrap();
        std::fs::write(dist.join("mnist/t10k-labels-idx1-ubyte.gz"), b"data").unwrap();
        let sizes = precompress(&dist, &dir.join("cache")).unwrap();
        let names: Vec<_> = sizes.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["index.html", "tiny.js"]);
        assert!(sizes[0].gzip > 0 && sizes[0].gzip < 600 && sizes[0].brotli > 0);
        // A sibling that would not be smaller is left out.
        assert_eq!((sizes[1].raw, sizes[1].gzip, sizes[1].brotli), (1, 0, 0));
        assert!(!dist.join("tiny.js.gz").exists());
        let gz = std::fs::read(dist.join("index.html.gz")).unwrap();
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, page);
        let br = std::fs::read(dist.join("index.html.br")).unwrap();
        let mut unbrotlied = vec![];
        brotli::BrotliDecompress(&mut &br[..], &mut unbrotlied).unwrap();
        assert_eq!(unbrotlied, page.as_bytes());
        assert!(!dist.join("mnist/t10k-labels-idx1-ubyte.gz.gz").exists());
        // Again, from the cache: the same bytes.
        std::fs::remove_file(dist.join("index.html.br")).unwrap();
        precompress(&dist, &dir.join("cache")).unwrap();
        assert_eq!(std::fs::read(dist.join("index.html.br")).unwrap(), br);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
