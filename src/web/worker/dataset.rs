//! Fetching MNIST from the app's own origin with byte-level progress, and keeping it in the
//! Cache API so a reload does not download 11 MB again.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, ReadableStreamDefaultReader, Response, WorkerGlobalScope};

use crate::data::Mnist;
use crate::data::mnist::FILES;
use crate::web::js::{describe, now_ms};
use crate::web::protocol::DataProgress;

const CACHE: &str = "mnist-lab-data-v1";
/// Sizes of the shipped files, for progress when a server sends no Content-Length.
const SIZES: [u64; 4] = [9_719_438, 28_857, 1_616_508, 4_517];

fn scope() -> WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

async fn call<T: JsCast>(promise: Result<js_sys::Promise, JsValue>) -> Result<T, String> {
    let value = JsFuture::from(promise.map_err(|e| describe(&e))?)
        .await
        .map_err(|e| describe(&e))?;
    value
        .dyn_into::<T>()
        .map_err(|v| format!("unexpected value {v:?}"))
}

async fn open_cache() -> Option<Cache> {
    let caches = scope().caches().ok()?;
    call::<Cache>(Ok(caches.open(CACHE))).await.ok()
}

/// Loads the four files (from the cache when they are there), reporting progress, and parses
/// them. Returns the set and whether it came from the cache.
pub async fn load(base: &str, report: &dyn Fn(DataProgress)) -> Result<(Mnist, bool), String> {
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
        return match parse(&files) {
            Ok(m) => Ok((m, true)),
            Err(e) => {
                // A damaged cache entry must not poison every reload.
                for url in &urls {
                    let _ = call::<JsValue>(Ok(cache.delete_with_str(url))).await;
                }
                Err(e)
            }
        };
    }
    let files = download(&urls, report).await?;
    let mnist = parse(&files)?;
    if let Some(cache) = &cache {
        for (url, bytes) in urls.iter().zip(&files) {
            if let Ok(response) = Response::new_with_opt_u8_array(Some(&mut bytes.clone())) {
                let _ = call::<JsValue>(Ok(cache.put_with_str(url, &response))).await;
            }
        }
    }
    Ok((mnist, false))
}

fn parse(files: &[Vec<u8>]) -> Result<Mnist, String> {
    let named = [0, 1, 2, 3].map(|i| (FILES[i], files[i].as_slice()));
    Mnist::parse(named).map_err(|e| format!("the downloaded data is damaged ({e})"))
}

async fn cached(cache: &Cache, urls: &[String; 4]) -> Option<Vec<Vec<u8>>> {
    let mut files = vec![];
    for url in urls {
        let hit = JsFuture::from(cache.match_with_str(url)).await.ok()?;
        let response: Response = hit.dyn_into().ok()?;
        let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
        files.push(Uint8Array::new(&buffer).to_vec());
    }
    Some(files)
}

async fn download(
    urls: &[String; 4],
    report: &dyn Fn(DataProgress),
) -> Result<Vec<Vec<u8>>, String> {
    // Ask for all four first, so the total is known before the bytes flow.
    let mut responses = vec![];
    for url in urls {
        let response: Response = call(Ok(scope().fetch_with_str(url)))
            .await
            .map_err(|e| format!("cannot download {url}: {e}"))?;
        if !response.ok() {
            return Err(format!(
                "cannot download {url}: HTTP {} {}",
                response.status(),
                response.status_text()
            ));
        }
        responses.push(response);
    }
    let total: u64 = responses
        .iter()
        .zip(SIZES)
        .map(|(r, size)| {
            let length = r
                .headers()
                .get("content-length")
                .ok()
                .flatten()
                .and_then(|v| v.parse().ok());
            // A server that compresses on the fly announces the compressed length: trust only
            // a plain one.
            let encoded = r
                .headers()
                .get("content-encoding")
                .ok()
                .flatten()
                .is_some_and(|e| e != "identity");
            if encoded {
                size
            } else {
                length.unwrap_or(size)
            }
        })
        .sum();
    let mut loaded = 0u64;
    let mut last_report = 0.0;
    let mut files = vec![];
    for (response, url) in responses.iter().zip(urls) {
        let body = response
            .body()
            .ok_or_else(|| format!("{url}: empty response"))?;
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut bytes = vec![];
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|e| format!("{url}: download interrupted: {}", describe(&e)))?;
            if Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true)
            {
                break;
            }
            let value: Uint8Array = Reflect::get(&chunk, &"value".into())
                .map_err(|e| describe(&e))?
                .unchecked_into();
            loaded += value.length() as u64;
            bytes.extend(value.to_vec());
            if now_ms() - last_report > 100.0 {
                last_report = now_ms();
                report(DataProgress {
                    loaded,
                    total: total.max(loaded),
                    from_cache: false,
                });
            }
        }
        files.push(bytes);
    }
    report(DataProgress {
        loaded,
        total: loaded,
        from_cache: false,
    });
    Ok(files)
}
