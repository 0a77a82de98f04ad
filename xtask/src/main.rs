//! The project's commands:
//! - `cargo xtask serve`: installs what a fresh machine lacks (wasm target, pinned trunk,
//!   wasm-bindgen and wasm-opt), then builds the web app and serves it on http://127.0.0.1:8080
//!   (trunk's development server: no service worker, no precompressed files);
//! - `cargo xtask dist [--public-url URL]` (or `build`): the deployable static site in `dist/`:
//!   trunk's release build (its public URL `./` from Trunk.toml, so the folder works from any
//!   path of any static host, unless `--public-url` says otherwise), then the service worker's
//!   build version and file list filled in (`sw.js`, see [`service_worker`]) and a `.gz` and a
//!   `.br` beside every compressible file (see [`precompress`]);
//! - `cargo xtask test`: every test — native `cargo test`, then `dist` driven by the browser
//!   end-to-end suite in headless Chromium (so the suite tests exactly what is deployed);
//! - `cargo xtask fuzz [target|all] [minutes]`: the fuzz targets of `tests/hostile/fuzz.rs`,
//!   coverage-guided by libFuzzer (bolero's engine, on stable Rust), for longer than the few
//!   seconds of random inputs `cargo test` gives each.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::time::Instant;

use sha2::{Digest, Sha256};

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
        "dist" | "build" => public_url(&args[1..]).and_then(|url| {
            setup()?;
            dist(url.as_deref())
        }),
        "fuzz" => fuzz(&args[1..]),
        _ => Err("usage: cargo xtask <serve|test|dist [--public-url URL]|fuzz [target|all] [minutes]>\n\
             \x20 serve  build and serve the app on http://127.0.0.1:8080 (trunk serve)\n\
             \x20 test   native tests, then `dist` and the browser end-to-end suite\n\
             \x20 dist   the deployable site in dist/ (`build` is the same): relative URLs, so it\n\
             \x20        works from any path; --public-url /path/ or https://… makes them absolute\n\
             \x20 fuzz   the fuzz targets under libFuzzer, 5 minutes each by default"
            .to_string()),
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
    // The e2e packages (wasm-opt, playwright-core, axe-core…): installed when missing, or older
    // than the lock file (a package was added or changed since).
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if modified(&root.join("e2e/node_modules/.package-lock.json"))
        < modified(&root.join("e2e/package-lock.json"))
    {
        run("npm", &["ci", "--no-audit", "--no-fund"], &root.join("e2e"))?;
    }
    // trunk builds offline: every crate must be in the local registry first.
    run("cargo", &["fetch"], &root)
}

/// The URL of `--public-url URL` (or `--public-url=URL`), the only option of `dist`.
fn public_url(args: &[String]) -> Result<Option<String>, String> {
    match args {
        [] => Ok(None),
        [flag, url] if flag == "--public-url" => Ok(Some(url.clone())),
        [arg] if arg.starts_with("--public-url=") => Ok(Some(arg["--public-url=".len()..].into())),
        _ => Err(format!(
            "dist: expected nothing or --public-url URL, not `{}`",
            args.join(" ")
        )),
    }
}

/// `cargo xtask dist [--public-url URL]`: trunk's release build into `dist/`, then the service
/// worker filled in and every compressible file precompressed.
fn dist(public_url: Option<&str>) -> Result<(), String> {
    let mut trunk = vec!["build", "--release"];
    if let Some(url) = public_url {
        trunk.extend(["--public-url", url]);
    }
    let root = root();
    run("trunk", &trunk, &root)?;
    let dist = root.join("dist");
    let started = Instant::now();
    let build = service_worker(&dist, &data_cache(&root)?)?;
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
    for (name, raw, gz, br) in sizes.iter().filter(|s| s.0.ends_with(".wasm")) {
        eprintln!("xtask: {name}: {raw} bytes, gzip {gz}, brotli {br}");
    }
    Ok(())
}

/// The file names (relative, `/`-separated) of every file under `dir`, sorted.
fn files(dir: &Path) -> Result<Vec<String>, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                walk(&entry.path(), &format!("{name}/"), out)?;
            } else {
                out.push(name);
            }
        }
        Ok(())
    }
    let mut out = vec![];
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The name of the Cache API cache the training worker keeps MNIST in, read from its one
/// definition, `DATA_CACHE` in `src/web/worker/dataset.rs`, for the service worker to serve
/// `mnist/*` from the same cache.
fn data_cache(root: &Path) -> Result<String, String> {
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

/// Fills in `dist/sw.js` (copied by trunk from `public/sw.js`): the build's version — a hash over
/// the names and bytes of every precached file — its files with their Subresource Integrity
/// hashes, and the data cache's name. Returns the version.
fn service_worker(dist: &Path, data_cache: &str) -> Result<String, String> {
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
        shell.push(format!("  ['{url}', 'sha256-{}'],", base64(&digest)));
    }
    let build = hex(&build.finalize())[..16].to_string();
    let path = dist.join("sw.js");
    let template = String::from_utf8(read(&path)?).map_err(|e| e.to_string())?;
    let mut filled = 0;
    let text: Vec<String> = template
        .lines()
        .map(|line| match line {
            "const BUILD = null;" => {
                filled += 1;
                format!("const BUILD = '{build}';")
            }
            "const SHELL = [];" => {
                filled += 1;
                format!("const SHELL = [\n{}\n];", shell.join("\n"))
            }
            "const DATA_CACHE = null;" => {
                filled += 1;
                format!("const DATA_CACHE = '{data_cache}';")
            }
            _ => line.to_string(),
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding, as Subresource Integrity writes digests.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ABC[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

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

/// Brotli's quality and window (log2 bytes). Measured on the 16.5 MB worker module (2 cores):
/// quality 9 takes 3.3 s for 2.91 MB, 10 takes 20 s for 2.60 MB, 11 takes 41 s for 2.50 MB
/// (window 24; 22 gives 1 % more bytes). 11 it is: each first visit saves 0.4 MB over 9, and
/// the outputs are kept by content hash (see [`precompress`]), so only a changed module pays.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 24;

fn is_sibling(name: &str) -> bool {
    [".gz", ".br"].iter().any(|ext| {
        name.strip_suffix(ext).is_some_and(|original| {
            COMPRESSIBLE
                .iter()
                .any(|c| original.ends_with(&format!(".{c}")))
        })
    })
}

/// Writes `NAME.gz` (gzip, best) and `NAME.br` (brotli, [`BROTLI_QUALITY`]) beside every
/// compressible file of `dist`, for hosts that send them in the original's place when the
/// browser accepts them (nginx `gzip_static`/`brotli_static` and the like); a sibling that would
/// not be smaller is left out. Compressed bytes are kept in `cache` by the original's SHA-256, so
/// a rebuild compresses only what changed (a module at brotli 11 takes tens of seconds); the
/// cache keeps only what the last run used. Returns each original's name and its raw, gzip and
/// brotli sizes.
fn precompress(dist: &Path, cache: &Path) -> Result<Vec<(String, usize, usize, usize)>, String> {
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let names: Vec<String> = files(dist)?
        .into_iter()
        .filter(|n| COMPRESSIBLE.iter().any(|c| n.ends_with(&format!(".{c}"))))
        .collect();
    // Largest first, over every core: the worker module's brotli is most of the time.
    let mut jobs: Vec<(String, &str, Vec<u8>)> = vec![];
    for name in &names {
        let bytes = read(&dist.join(name))?;
        jobs.push((name.clone(), "gz", bytes.clone()));
        jobs.push((name.clone(), "br", bytes));
    }
    jobs.sort_by_key(|(_, encoding, bytes)| std::cmp::Reverse((bytes.len(), *encoding == "br")));
    let jobs = Mutex::new(jobs.into_iter());
    let results = Mutex::new(vec![]);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let next = jobs.lock().unwrap().next();
                    let Some((name, encoding, bytes)) = next else {
                        break;
                    };
                    let result = compress_cached(&bytes, encoding, cache);
                    results
                        .lock()
                        .unwrap()
                        .push((name, encoding, bytes.len(), result));
                }
            });
        }
    });
    let mut sizes: Vec<(String, usize, usize, usize)> =
        names.iter().map(|n| (n.clone(), 0, 0, 0)).collect();
    let mut used = vec![];
    for (name, encoding, raw, result) in results.into_inner().unwrap() {
        let (compressed, cached_as) = result?;
        used.push(cached_as);
        let entry = sizes
            .iter_mut()
            .find(|s| s.0 == name)
            .expect("a job's file");
        entry.1 = raw;
        if compressed.len() < raw {
            write(&dist.join(format!("{name}.{encoding}")), &compressed)?;
            *(if encoding == "gz" {
                &mut entry.2
            } else {
                &mut entry.3
            }) = compressed.len();
        }
    }
    for old in files(cache)?.into_iter().filter(|f| !used.contains(f)) {
        let _ = std::fs::remove_file(cache.join(old));
    }
    Ok(sizes)
}

/// `bytes` gzip'd or brotli'd, from `cache` when it was done before; also returns the name of
/// its cache entry.
fn compress_cached(
    bytes: &[u8],
    encoding: &str,
    cache: &Path,
) -> Result<(Vec<u8>, String), String> {
    let params = if encoding == "br" {
        format!("q{BROTLI_QUALITY}w{BROTLI_WINDOW}")
    } else {
        "best".into()
    };
    let entry = format!("{}.{params}.{encoding}", hex(&Sha256::digest(bytes)));
    let path = cache.join(&entry);
    if let Ok(done) = std::fs::read(&path) {
        return Ok((done, entry));
    }
    let compressed = if encoding == "br" {
        let mut out = vec![];
        {
            let mut w =
                brotli::CompressorWriter::new(&mut out, 1 << 16, BROTLI_QUALITY, BROTLI_WINDOW);
            w.write_all(bytes).map_err(|e| e.to_string())?;
        }
        out
    } else {
        let mut w = flate2::write::GzEncoder::new(vec![], flate2::Compression::best());
        w.write_all(bytes).map_err(|e| e.to_string())?;
        w.finish().map_err(|e| e.to_string())?
    };
    write(&path, &compressed)?;
    Ok((compressed, entry))
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
    dist(None)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_writes_what_subresource_integrity_reads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            base64(&Sha256::digest(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn siblings_and_precached_files() {
        assert!(is_sibling("worker_bg.wasm.br") && is_sibling("icons/favicon.svg.gz"));
        assert!(!is_sibling("mnist/train-images-idx3-ubyte.gz") && !is_sibling("worker.js"));
        assert!(precached("index.html") && precached("icons/icon-192.png"));
        assert!(
            !precached("sw.js") && !precached("mnist/SHA256SUMS") && !precached("worker.js.br")
        );
    }

    #[test]
    fn public_url_option() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(public_url(&[]), Ok(None));
        let some = Ok(Some("/mnist-lab/".to_string()));
        assert_eq!(public_url(&args(&["--public-url", "/mnist-lab/"])), some);
        assert_eq!(public_url(&args(&["--public-url=/mnist-lab/"])), some);
        assert!(public_url(&args(&["--public-url"])).is_err());
        assert!(public_url(&args(&["--release"])).is_err());
    }

    #[test]
    fn the_data_cache_name_comes_from_the_worker() {
        assert_eq!(data_cache(&root()).unwrap(), "mnist-lab-data-v1");
    }

    #[test]
    fn the_service_worker_is_filled_in_and_files_are_precompressed() {
        let dir = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dist = dir.join("dist");
        std::fs::create_dir_all(dist.join("mnist")).unwrap();
        std::fs::copy(root().join("public/sw.js"), dist.join("sw.js")).unwrap();
        let page = "<html>".repeat(100);
        std::fs::write(dist.join("index.html"), &page).unwrap();
        std::fs::write(dist.join("mnist/t10k-labels-idx1-ubyte.gz"), b"data").unwrap();
        let build = service_worker(&dist, "the-data").unwrap();
        let sw = std::fs::read_to_string(dist.join("sw.js")).unwrap();
        assert!(sw.contains(&format!("\nconst BUILD = '{build}';\n")));
        assert!(sw.contains("\nconst DATA_CACHE = 'the-data';\n"));
        let integrity = base64(&Sha256::digest(page.as_bytes()));
        assert!(sw.contains(&format!(
            "\nconst SHELL = [\n  ['./', 'sha256-{integrity}'],\n];\n"
        )));
        // A filled-in worker is not a template any more.
        assert!(service_worker(&dist, "the-data").is_err());

        let sizes = precompress(&dist, &dir.join("cache")).unwrap();
        let names: Vec<_> = sizes.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["index.html", "sw.js"]);
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
