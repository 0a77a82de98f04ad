//! A browser worker as the side that started it holds it: started on a module, its messages
//! and its crash handed to callbacks, messages sent with their buffers moved, ended with
//! [`WorkerHandle::terminate`]. The page keeps its training worker through one (`ui/client.rs`,
//! which also pings it and replaces it when it dies or hangs), the training worker its helpers
//! (`worker/helpers.rs`, which drop one that dies, hangs or answers nonsense).

use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::web::envelope::pack;
use crate::web::js::{Module, start_worker};
use crate::web::protocol::ToWorker;

#[derive(Clone)]
pub struct WorkerHandle(Worker);

impl WorkerHandle {
    /// Starts a worker on `module` (its files under `base`): `on_message` gets the data of
    /// each message it posts, `on_crash` what its error event says (an uncaught exception, a
    /// wasm trap, a failure to load), handled here so that the browser does not report it as
    /// uncaught. Fails where no worker can start (a host's content security policy, a
    /// sandboxed frame, a browser without workers).
    pub fn start(
        module: Module,
        base: &str,
        on_message: impl Fn(JsValue) + 'static,
        on_crash: impl Fn(String) + 'static,
    ) -> Result<Self, JsValue> {
        let worker = start_worker(module, base)?;
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            on_message(event.data())
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // Kept for the worker's life, which may end inside one of these very callbacks.
        on_message.forget();
        let on_error = Closure::<dyn Fn(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            on_crash(event.message());
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        Ok(Self(worker))
    }

    /// Sends `msg`; the buffers it carries move to the worker.
    pub fn send(&self, msg: &ToWorker) {
        let (message, transfer) = pack(msg);
        self.post(&message, &transfer);
    }

    /// Sends a message packed already (one that waited for the worker to be ready).
    pub fn post(&self, message: &JsValue, transfer: &Array) {
        let _ = self.0.post_message_with_transfer(message, transfer);
    }

    pub fn terminate(&self) {
        self.0.terminate();
    }
}
