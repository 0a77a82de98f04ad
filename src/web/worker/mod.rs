//! The training worker: owns the dataset and the current weights, runs training one batch at a
//! time, and answers the UI's messages. Started by the training worker instead of the page, the
//! same module is a helper that computes shares of its batches; started by the page a second
//! time, it is the study worker, which looks at a run's snapshots ([`study`]). Nothing here runs on the page's
//! main thread; this file only routes each message to the module that handles it.

mod backend;
mod dataset;
mod digits;
mod evaluation;
mod helpers;
mod run;
mod state;
mod study;
mod weights;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

use crate::web::envelope::unpack;
use crate::web::js::has_webgpu;
use crate::web::protocol::{BUILD, FromWorker, LinkCall, LinkNews, ToWorker};
use state::{Shared, post, scope};

/// Starts the worker: listens for messages and says it is ready.
pub fn start() {
    // A panic ends the worker (wasm traps after it); the UI replaces it, and says why.
    std::panic::set_hook(Box::new(|info| {
        post(FromWorker::Link(LinkNews::Panicked {
            message: info.to_string(),
        }));
        console_error_panic_hook::hook(info);
    }));
    let state: Shared = Rc::default();
    let on_message =
        Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            match unpack::<ToWorker>(event.data()) {
                Ok(msg) => handle(state.clone(), msg),
                Err(e) => post(FromWorker::Error { message: e.into() }),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(FromWorker::Link(LinkNews::Ready {
        webgpu: has_webgpu(),
        build: BUILD.to_string(),
    }));
}

fn handle(state: Shared, msg: ToWorker) {
    match msg {
        ToWorker::Link(LinkCall::Ping { id }) => post(FromWorker::Link(LinkNews::Pong { id })),
        ToWorker::LoadData => wasm_bindgen_futures::spawn_local(dataset::load_data(state)),
        ToWorker::Samples { count, seed } => dataset::samples(&state, count, seed),
        ToWorker::Start { settings, mine } => {
            wasm_bindgen_futures::spawn_local(run::start(state, settings, mine))
        }
        ToWorker::Pause | ToWorker::Resume | ToWorker::Stop | ToWorker::SetLearningRate { .. } => {
            run::control(&state, &msg)
        }
        ToWorker::TimeSteps {
            arch,
            batch_size,
            backend,
        } => wasm_bindgen_futures::spawn_local(backend::time_steps(
            state,
            (arch, batch_size),
            backend,
        )),
        ToWorker::Evaluate { test_images } => {
            wasm_bindgen_futures::spawn_local(evaluation::evaluate_current(state, test_images))
        }
        ToWorker::TestImages {
            label,
            predicted,
            limit,
        } => evaluation::test_images(&state, label, predicted, limit),
        ToWorker::SetWeights(source) => {
            wasm_bindgen_futures::spawn_local(weights::set_weights(state, source))
        }
        ToWorker::ExportPth => weights::export_pth(&state),
        ToWorker::EvaluateDigits(set) => {
            wasm_bindgen_futures::spawn_local(digits::evaluate_digits(state, set))
        }
        ToWorker::ExportDigits(set) => digits::export_digits(set),
        ToWorker::ImportDigits { files } => digits::import_digits(files),
        ToWorker::Share(share) => wasm_bindgen_futures::spawn_local(helpers::answer(share)),
        ToWorker::TestDigits { count } => dataset::test_digits(&state, count),
        ToWorker::Study(request) => wasm_bindgen_futures::spawn_local(study::answer(request)),
    }
}
