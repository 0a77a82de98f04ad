//! Downloads from the app's own origin with time limits: a request that gets no answer, or a
//! download that stops sending bytes, is aborted with a message (and the UI offers Retry)
//! instead of leaving the page waiting forever. The page fetches the pretrained weights with it,
//! the worker MNIST and the weights it is asked for.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestInit, Response};

use crate::web::i18n::Text;
use crate::web::js::{describe, within};

/// How long a request may wait for the server to answer.
const ANSWER_MS: i32 = 30_000;
/// How long a download may go without receiving a byte.
const STALL_MS: i32 = 30_000;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, the same in a window and a worker.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Promise;
}

/// A response whose body is still to be read.
pub struct Download {
    url: String,
    response: Response,
    controller: AbortController,
}

/// Asks for `url`; fails on a network error, an HTTP error or no answer in time.
pub async fn request(url: &str) -> Result<Download, Text> {
    let fail = |why: Text| Text::new("cannot-download").arg("url", url).arg("why", why);
    let controller = AbortController::new().map_err(|e| fail(describe(&e).into()))?;
    let init = RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    let answer = within(&fetch_with_init(url, &init), ANSWER_MS)
        .await
        .map_err(|e| fail(describe(&e).into()))?;
    let Some(response) = answer else {
        controller.abort();
        return Err(fail(Text::new("no-answer").arg("secs", ANSWER_MS / 1000)));
    };
    let response: Response = response.unchecked_into();
    if !response.ok() {
        return Err(fail(
            format!("HTTP {} {}", response.status(), response.status_text()).into(),
        ));
    }
    Ok(Download {
        url: url.to_string(),
        response,
        controller,
    })
}

impl Download {
    /// The body's length when the server says it, uncompressed. A server that compresses on
    /// the fly announces the compressed length: that is not trusted.
    pub fn length(&self) -> Option<u64> {
        let header = |name: &str| self.response.headers().get(name).ok().flatten();
        if header("content-encoding").is_some_and(|e| e != "identity") {
            return None;
        }
        header("content-length").and_then(|v| v.parse().ok())
    }

    /// The whole body; `progress` gets the size of every chunk as it arrives.
    pub async fn bytes(self, progress: &mut dyn FnMut(usize)) -> Result<Vec<u8>, Text> {
        let url = &self.url;
        let body = self
            .response
            .body()
            .ok_or_else(|| Text::new("empty-response").arg("url", url.as_str()))?;
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut bytes = vec![];
        loop {
            let chunk = within(&reader.read(), STALL_MS).await.map_err(|e| {
                Text::new("interrupted")
                    .arg("url", url.as_str())
                    .arg("detail", describe(&e))
            })?;
            let Some(chunk) = chunk else {
                self.controller.abort();
                return Err(Text::new("stalled")
                    .arg("url", url.as_str())
                    .arg("secs", STALL_MS / 1000));
            };
            if Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true)
            {
                return Ok(bytes);
            }
            let value: Uint8Array = Reflect::get(&chunk, &"value".into())
                .map_err(|e| Text::from(describe(&e)))?
                .unchecked_into();
            progress(value.length() as usize);
            bytes.extend(value.to_vec());
        }
    }
}
