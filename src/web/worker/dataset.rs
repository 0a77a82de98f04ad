//! Fetching MNIST from the app's own origin with byte-level progress, and keeping it in the
//! Cache API so a reload does not download 11 MB again. Where the Cache API is missing (plain
//! http on a LAN address, some private modes) or refuses, the data still loads, uncached.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use std::sync::Arc;

use super::state::{Shared, post};
use crate::data::mnist::{self, FILES};
use crate::data::{DataError, Mnist, Rng};
use crate::web::i18n::Text;
use crate::web::js::{base_url, describe, now_ms};
use crate::web::net;
use crate::web::protocol::{Bytes, DataProgress, DigitSet, FromWorker};

/// The Cache API cache MNIST is kept in, keyed by each file's full URL. Its one definition: the
/// service worker (`public/sw.js`) serves `mnist/*` from this same cache when the app is
/// offline, and `cargo xtask dist` copies the name from this line into it (keep the line's
/// shape: `pub const DATA_CACHE: &str = "…";`). The service worker never writes it, and a new
/// deployment keeps it: rename it only when the cached files' format changes.
pub const DATA_CACHE: &str = "mnist-lab-data-v1";
/// Sizes of the shipped files, for progress when a server sends no usable Content-Length.
const SIZES: [u64; 4] = [9_719_438, 28_857, 1_616_508, 4_517];

// The Cache API, with a thrown exception as an `Err` rather than a trap.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = CacheStorage)]
    type Caches;
    #[wasm_bindgen(catch, method)]
    fn open(this: &Caches, name: &str) -> Result<Promise, JsValue>;

    #[wasm_bindgen(js_name = Cache)]
    type Cache;
    #[wasm_bindgen(catch, method, js_name = match)]
    fn get(this: &Cache, url: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn put(this: &Cache, url: &str, response: &Response) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn delete(this: &Cache, url: &str) -> Result<Promise, JsValue>;
}

async fn resolve(promise: Result<Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(promise.map_err(|e| describe(&e))?)
        .await
        .map_err(|e| describe(&e))
}

/// The app's data cache, where this browser offers one.
async fn open_cache() -> Option<Cache> {
    let caches = Reflect::get(&js_sys::global(), &"caches".into()).ok()?;
    if caches.is_undefined() || caches.is_null() {
        return None;
    }
    let caches: Caches = caches.unchecked_into();
    resolve(caches.open(DATA_CACHE)).await.ok()?.dyn_into().ok()
}

/// Loads the four files (from the cache when they are there), reporting progress, checks them
/// against the sums the build carries, and parses them. Returns the set and whether it came
/// from the cache. A cache that holds other bytes is emptied and the files downloaded again.
pub async fn load(base: &str, report: &dyn Fn(DataProgress)) -> Result<(Mnist, bool), Text> {
    let urls = FILES.map(|f| format!("{base}mnist/{f}"));
    let cache = open_cache().await;
    if let Some(cache) = &cache
        && let Some(files) = cached(cache, &urls).await
    {
        let total = files.iter().map(|f| f.len() as u64).sum();
        report(DataProgress {
            loaded: total,
            total,
            from_cache: true,
        });
        match parse(&files) {
            Ok(m) => return Ok((m, true)),
            Err(e) => {
                // A damaged or foreign cache entry must not poison every reload.
                for url in &urls {
                    let _ = resolve(cache.delete(url)).await;
                }
                post(FromWorker::Notice {
                    message: Text::new("data-cache-dropped").arg("why", e.to_string()),
                });
            }
        }
    }
    let files = download(&urls, report).await?;
    let mnist =
        parse(&files).map_err(|e| Text::new("data-damaged").arg("detail", e.to_string()))?;
    if let Some(cache) = &cache {
        // Best effort: a full quota only means the next visit downloads again.
        for (url, bytes) in urls.iter().zip(&files) {
            if let Ok(response) = Response::new_with_opt_u8_array(Some(&mut bytes.clone())) {
                let _ = resolve(cache.put(url, &response)).await;
            }
        }
    }
    Ok((mnist, false))
}

/// MNIST from the four files' bytes, which must be the very files the build ships.
fn parse(files: &[Vec<u8>]) -> Result<Mnist, DataError> {
    let named = [0, 1, 2, 3].map(|i| (FILES[i], files[i].as_slice()));
    mnist::verify(named).and_then(|()| Mnist::parse(named))
}

async fn cached(cache: &Cache, urls: &[String; 4]) -> Option<Vec<Vec<u8>>> {
    let mut files = vec![];
    for url in urls {
        let response: Response = resolve(cache.get(url)).await.ok()?.dyn_into().ok()?;
        let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
        files.push(Uint8Array::new(&buffer).to_vec());
    }
    Some(files)
}

async fn download(urls: &[String; 4], report: &dyn Fn(DataProgress)) -> Result<Vec<Vec<u8>>, Text> {
    // Ask for all four first, so the total is known before the bytes flow.
    let mut downloads = vec![];
    for url in urls {
        downloads.push(net::request(url).await?);
    }
    let total: u64 = downloads
        .iter()
        .zip(SIZES)
        .map(|(d, size)| d.length().unwrap_or(size))
        .sum();
    let mut loaded = 0u64;
    let mut last_report = 0.0;
    let mut files = vec![];
    for download in downloads {
        let bytes = download
            .bytes(&mut |n| {
                loaded += n as u64;
                if now_ms() - last_report > 100.0 {
                    last_report = now_ms();
                    report(DataProgress {
                        loaded,
                        total: total.max(loaded),
                        from_cache: false,
                    });
                }
            })
            .await?;
        files.push(bytes);
    }
    report(DataProgress {
        loaded,
        total: loaded,
        from_cache: false,
    });
    Ok(files)
}

/// Loads the dataset once (a second request while loading or loaded does nothing).
pub async fn load_data(state: Shared) {
    if state.borrow().loading || state.borrow().train.is_some() {
        return;
    }
    state.borrow_mut().loading = true;
    let result = load(&base_url(), &|p| post(FromWorker::DataProgress(p))).await;
    let mut s = state.borrow_mut();
    s.loading = false;
    match result {
        Ok((mnist, from_cache)) => {
            post(FromWorker::DataReady {
                train: mnist.train.len(),
                test: mnist.test.len(),
                from_cache,
            });
            s.train = Some(Arc::new(mnist.train));
            s.test = Some(Arc::new(mnist.test));
        }
        Err(message) => post(FromWorker::DataFailed { message }),
    }
}

/// `count` random training digits for the sample grid.
pub fn samples(state: &Shared, count: usize, seed: u64) {
    let Some(train) = state.borrow().train.clone().filter(|t| !t.is_empty()) else {
        return;
    };
    let mut rng = Rng::new(seed);
    let indices: Vec<usize> = (0..count).map(|_| rng.below(train.len())).collect();
    let pixels: Vec<u8> = indices
        .iter()
        .flat_map(|&i| train.image(i).to_vec())
        .collect();
    let labels = indices.iter().map(|&i| train.label(i)).collect();
    post(FromWorker::Samples {
        labels,
        pixels: Bytes::copy(&pixels),
    });
}

/// The first `count` test digits (the map's), for the page to hand to its study worker.
pub fn test_digits(state: &Shared, count: usize) {
    let Some(test) = state.borrow().test.clone() else {
        return;
    };
    let test = test.take(count);
    post(FromWorker::TestDigits(DigitSet {
        pixels: Bytes::copy(test.images()),
        labels: test.labels().to_vec(),
    }));
}
