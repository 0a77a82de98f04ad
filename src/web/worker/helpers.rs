//! Every core for CPU training: the training worker starts helper workers (the same module),
//! and each step hands each of them a share of the batch with the current parameters; they send
//! back the share's gradients, which the trainer adds to its own share's before its one Adam
//! step ([`crate::train::share`]). Stable Rust, no `SharedArrayBuffer`, so no special headers:
//! it works from any static host.
//!
//! A helper that dies, hangs or answers nonsense is dropped: the trainer computes its share
//! itself, so training goes on, with the same result, on fewer workers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use super::state::post;
use burn::prelude::Device;

use crate::model::{Model, ModelConfig};
use crate::train::helpers::{Helpers, Pending, compute_share};
use crate::train::share::{ShareGradients, ShareJob};
use crate::web::envelope::unpack;
use crate::web::i18n::Text;
use crate::web::js::{Module, base_url, describe, within};
use crate::web::link::WorkerHandle;
use crate::web::protocol::{Floats, FromWorker, LinkNews, ShareAnswer, ShareRequest, ToWorker};

/// How long a helper may take to load (the wasm module is fetched from the HTTP cache and
/// compiled again in each worker).
const READY_MS: i32 = 20_000;
/// How long a share may take: tens of milliseconds normally; a helper this late is hung.
const ANSWER_MS: i32 = 10_000;

struct Helper {
    worker: WorkerHandle,
    alive: Rc<Cell<bool>>,
    /// Resolves the promise of the message awaited next (`Ready`, then one answer per share),
    /// with the message, or with `undefined` when the helper died.
    waiting: Rc<RefCell<Option<Function>>>,
}

impl Helper {
    fn start() -> Result<Self, JsValue> {
        let alive = Rc::new(Cell::new(true));
        let waiting: Rc<RefCell<Option<Function>>> = Rc::default();
        let answer = {
            let waiting = waiting.clone();
            move |value: &JsValue| {
                if let Some(resolve) = waiting.borrow_mut().take() {
                    let _ = resolve.call1(&JsValue::NULL, value);
                }
            }
        };
        let on_message = {
            let answer = answer.clone();
            move |data: JsValue| answer(&data)
        };
        let on_crash = {
            let alive = alive.clone();
            // The trainer takes the share back. Told at once, as a helper may die between two
            // shares, when nothing awaits it.
            move |message: String| {
                alive.set(false);
                lost(&format!("it crashed: {message}"));
                answer(&JsValue::UNDEFINED);
            }
        };
        let worker = WorkerHandle::start(Module::OWN, &base_url(), on_message, on_crash)?;
        Ok(Helper {
            worker,
            alive,
            waiting,
        })
    }

    /// The next message from the helper (or `undefined` if it dies first).
    fn next_message(&self) -> Promise {
        Promise::new(&mut |resolve, _| *self.waiting.borrow_mut() = Some(resolve))
    }

    fn drop_out(alive: &Cell<bool>, worker: &WorkerHandle) {
        alive.set(false);
        worker.terminate();
    }
}

/// The training worker's helpers for one run; they end with it.
pub struct WorkerHelpers {
    arch: ModelConfig,
    helpers: Vec<Helper>,
    next_id: u32,
}

impl WorkerHelpers {
    /// Starts `count` helpers and waits until they are ready; those that cannot start or are
    /// not ready in time are left out, and the user told.
    pub async fn start(count: usize, arch: ModelConfig) -> Self {
        let mut starting: Vec<(Helper, Promise)> = vec![];
        for _ in 0..count {
            match Helper::start() {
                Ok(helper) => {
                    let ready = helper.next_message();
                    starting.push((helper, ready));
                }
                Err(e) => {
                    post(FromWorker::Notice {
                        message: Text::new("helper-not-started").arg("detail", describe(&e)),
                    });
                    break;
                }
            }
        }
        let mut helpers = vec![];
        for (helper, ready) in starting {
            let message = within(&ready, READY_MS).await.ok().flatten();
            match message.map(unpack::<FromWorker>) {
                Some(Ok(FromWorker::Link(LinkNews::Ready { .. }))) => helpers.push(helper),
                // It crashed while starting, and the user was told.
                Some(_) if !helper.alive.get() => {}
                _ => {
                    Helper::drop_out(&helper.alive, &helper.worker);
                    post(FromWorker::Notice {
                        message: Text::new("helper-slow").arg("secs", READY_MS / 1000),
                    });
                }
            }
        }
        WorkerHelpers {
            arch,
            helpers,
            next_id: 0,
        }
    }

    fn live(&self) -> impl Iterator<Item = &Helper> {
        self.helpers.iter().filter(|h| h.alive.get())
    }
}

impl Drop for WorkerHelpers {
    fn drop(&mut self) {
        for helper in &self.helpers {
            helper.worker.terminate();
        }
    }
}

impl Helpers for WorkerHelpers {
    fn count(&self) -> usize {
        self.live().count()
    }

    fn compute(&mut self, i: usize, job: ShareJob) -> Pending {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        let arch = self.arch.clone();
        let Some(helper) = self.live().nth(i) else {
            return Box::pin(std::future::ready(None));
        };
        let answer = helper.next_message();
        let (params, images) = (job.params.len(), job.labels.len());
        helper.worker.send(&ToWorker::Share(ShareRequest {
            id,
            arch,
            params: Floats::copy(&job.params),
            pixels: Floats::copy(&job.pixels),
            labels: job.labels,
            weight: job.weight,
        }));
        let (alive, worker) = (helper.alive.clone(), helper.worker.clone());
        Box::pin(async move {
            let why = match within(&answer, ANSWER_MS).await {
                // It crashed, and the user was told.
                Ok(Some(message)) if message.is_undefined() => return None,
                Ok(Some(message)) => match unpack::<FromWorker>(message) {
                    Ok(FromWorker::Share(ShareAnswer::Done {
                        id: answered,
                        grads,
                        loss,
                        correct,
                    })) if answered == id => {
                        let answer = ShareGradients {
                            grads: grads.to_vec(),
                            loss,
                            correct,
                        };
                        if answer.fits(params, images) {
                            return Some(answer);
                        }
                        "its answer does not fit its share".to_string()
                    }
                    Ok(FromWorker::Share(ShareAnswer::Failed { message, .. }))
                    | Ok(FromWorker::Link(LinkNews::Panicked { message })) => message,
                    _ => "it answered out of turn".to_string(),
                },
                Ok(None) => format!("no answer within {} s", ANSWER_MS / 1000),
                Err(e) => describe(&e),
            };
            // Not asked again: its share is computed by the training worker from now on.
            Helper::drop_out(&alive, &worker);
            lost(&why);
            None
        })
    }
}

/// Tells the user that a helper was lost, and why.
fn lost(why: &str) {
    post(FromWorker::Notice {
        message: Text::new("helper-lost").arg("why", why),
    });
}

/// The helper's side: computes a share on the CPU and answers the training worker.
pub async fn answer(share: ShareRequest) {
    let ShareRequest {
        id,
        arch,
        params,
        pixels,
        labels,
        weight,
    } = share;
    let job = ShareJob {
        params: params.to_vec(),
        pixels: pixels.to_vec(),
        labels,
        weight,
    };
    thread_local! {
        /// The model the shares fill in (a run has one network): built once, not per share.
        static TEMPLATE: RefCell<Option<(ModelConfig, Model)>> = const { RefCell::new(None) };
    }
    let device = Device::flex().autodiff();
    let template = TEMPLATE.with(|t| {
        let mut t = t.borrow_mut();
        match t.as_ref() {
            Some((a, model)) if *a == arch => model.clone(),
            _ => {
                // Its values are never used (each share brings its own): made without autodiff,
                // whose graph would keep them.
                let model = arch.init(&device.clone().inner());
                *t = Some((arch, model.clone()));
                model
            }
        }
    });
    match compute_share(&template, job, &device).await {
        Ok(share) => post(FromWorker::Share(ShareAnswer::Done {
            id,
            grads: Floats::copy(&share.grads),
            loss: share.loss,
            correct: share.correct,
        })),
        Err(e) => post(FromWorker::Share(ShareAnswer::Failed {
            id,
            message: e.to_string(),
        })),
    }
}
