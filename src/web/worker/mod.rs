//! The training worker: owns the dataset and the current weights, runs training one batch at a
//! time, and answers the UI's messages. Nothing here runs on the page's main thread.

mod backend;
mod dataset;
mod net;
mod run;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use burn::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::data::{PIXELS, Rng, Split};
use crate::eval::{Evaluation, evaluate_pausing};
use crate::model::ModelConfig;
use crate::web::envelope::{pack, unpack};
use crate::web::js::{has_webgpu, sleep};
use crate::web::protocol::{
    EvalReport, FromWorker, RunState, ToWorker, WeightsInfo, WeightsSource,
};
use crate::weights;

/// Misclassified digits sent with an evaluation (with their pixels).
const MISSES_SENT: usize = 120;

/// What the worker holds between messages.
#[derive(Default)]
pub struct State {
    train: Option<Arc<Split>>,
    test: Option<Arc<Split>>,
    loading: bool,
    /// The current weights as a burn record, and what they are.
    weights: Option<(Vec<u8>, WeightsInfo)>,
    last_eval: Option<Evaluation>,
    run: Option<run::Control>,
}

pub type Shared = Rc<RefCell<State>>;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub fn post(msg: FromWorker, bytes: Option<&[u8]>) {
    let _ = scope().post_message(&pack(&msg, bytes));
}

/// The app's base URL, which the UI's bootstrap script sets (the worker itself runs from a
/// `blob:` URL).
fn base_url() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"MNIST_LAB_BASE".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Starts the worker: listens for messages and says it is ready.
pub fn start() {
    // A panic ends the worker (wasm traps after it); the UI replaces it, and says why.
    std::panic::set_hook(Box::new(|info| {
        post(
            FromWorker::Panicked {
                message: info.to_string(),
            },
            None,
        );
        console_error_panic_hook::hook(info);
    }));
    let state: Shared = Rc::default();
    let on_message =
        Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            match unpack::<ToWorker>(&event.data()) {
                Ok((msg, bytes)) => handle(state.clone(), msg, bytes),
                Err(e) => post(FromWorker::Error { message: e }, None),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(
        FromWorker::Ready {
            webgpu: has_webgpu(),
        },
        None,
    );
}

fn handle(state: Shared, msg: ToWorker, bytes: Option<Vec<u8>>) {
    match msg {
        ToWorker::Ping { id } => post(FromWorker::Pong { id }, None),
        ToWorker::LoadData => wasm_bindgen_futures::spawn_local(load_data(state)),
        ToWorker::Samples { count, seed } => samples(&state, count, seed),
        ToWorker::Start(settings) => wasm_bindgen_futures::spawn_local(run::start(state, settings)),
        ToWorker::Pause | ToWorker::Resume | ToWorker::Stop => run::control(&state, &msg),
        ToWorker::Evaluate { test_images } => wasm_bindgen_futures::spawn_local(async move {
            if state.borrow().run.is_some() {
                return post(
                    FromWorker::Notice {
                        message: "evaluation runs after each epoch while training".into(),
                    },
                    None,
                );
            }
            post(FromWorker::State(RunState::Evaluating), None);
            if let Err(e) = evaluate_current(&state, test_images).await {
                post(FromWorker::Error { message: e }, None);
            }
            post(FromWorker::State(RunState::Idle), None);
        }),
        ToWorker::TestImages {
            label,
            predicted,
            limit,
        } => test_images(&state, label, predicted, limit),
        ToWorker::SetWeights(source) => {
            wasm_bindgen_futures::spawn_local(set_weights(state, source, bytes))
        }
    }
}

async fn load_data(state: Shared) {
    if state.borrow().loading || state.borrow().train.is_some() {
        return;
    }
    state.borrow_mut().loading = true;
    let result = dataset::load(&base_url(), &|p| post(FromWorker::DataProgress(p), None)).await;
    let mut s = state.borrow_mut();
    s.loading = false;
    match result {
        Ok((mnist, from_cache)) => {
            post(
                FromWorker::DataReady {
                    train: mnist.train.len(),
                    test: mnist.test.len(),
                    from_cache,
                },
                None,
            );
            s.train = Some(Arc::new(mnist.train));
            s.test = Some(Arc::new(mnist.test));
        }
        Err(message) => post(FromWorker::DataFailed { message }, None),
    }
}

fn samples(state: &Shared, count: usize, seed: u64) {
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
    post(FromWorker::Samples { labels }, Some(&pixels));
}

fn test_images(state: &Shared, label: u8, predicted: u8, limit: usize) {
    let s = state.borrow();
    let (Some(test), Some(eval)) = (&s.test, &s.last_eval) else {
        return;
    };
    let indices: Vec<usize> = eval
        .predictions
        .iter()
        .enumerate()
        .filter(|&(i, &p)| p == predicted && test.label(i) == label)
        .map(|(i, _)| i)
        .take(limit)
        .collect();
    let pixels: Vec<u8> = indices
        .iter()
        .flat_map(|&i| test.image(i).to_vec())
        .collect();
    post(
        FromWorker::TestImages {
            label,
            predicted,
            indices,
        },
        Some(&pixels),
    );
}

/// Evaluates the current weights on the CPU backend and sends the report.
async fn evaluate_current(state: &Shared, test_images: usize) -> Result<(), String> {
    let (test, bytes) = {
        let s = state.borrow();
        let test = s.test.clone().ok_or("the test set is not loaded yet")?;
        let (bytes, _) = s.weights.clone().ok_or("no weights yet")?;
        (test, bytes)
    };
    let device = Device::flex();
    let (_, model) =
        weights::load_any("the current weights", &bytes, &device).map_err(|e| e.to_string())?;
    let test = Arc::new(test.take(test_images));
    report_evaluation(state, &model, &test, &device).await?;
    Ok(())
}

/// Evaluates `model` on `test`, remembers the result and sends the report. Returns the accuracy.
pub async fn report_evaluation(
    state: &Shared,
    model: &crate::model::Model,
    test: &Split,
    device: &Device,
) -> Result<f64, String> {
    // Yielding between batches answers Pause, Stop and the UI's pings during a long evaluation.
    let eval = evaluate_pausing(model, test, device, async || sleep(0).await)
        .await
        .map_err(|e| e.to_string())?;
    let misses: Vec<_> = eval.misses.iter().take(MISSES_SENT).cloned().collect();
    let pixels: Vec<u8> = misses
        .iter()
        .flat_map(|m| test.image(m.index).to_vec())
        .collect();
    debug_assert_eq!(pixels.len(), misses.len() * PIXELS);
    let report = EvalReport {
        confusion: eval.confusion,
        accuracy: eval.accuracy(),
        precision: std::array::from_fn(|c| eval.precision(c)),
        recall: std::array::from_fn(|c| eval.recall(c)),
        f1: std::array::from_fn(|c| eval.f1(c)),
        total_misses: eval.misses.len(),
        misses,
    };
    let accuracy = report.accuracy;
    post(FromWorker::Evaluation(Box::new(report)), Some(&pixels));
    state.borrow_mut().last_eval = Some(eval);
    Ok(accuracy)
}

/// Makes `bytes` the current weights and tells the UI.
pub fn adopt_weights(state: &Shared, bytes: Vec<u8>, info: WeightsInfo) {
    post(FromWorker::Weights(info.clone()), Some(&bytes));
    state.borrow_mut().weights = Some((bytes, info));
}

async fn set_weights(state: Shared, source: WeightsSource, bytes: Option<Vec<u8>>) {
    if state.borrow().run.is_some() {
        return post(
            FromWorker::Error {
                message: "stop training before changing the weights".into(),
            },
            None,
        );
    }
    let uploaded = matches!(source, WeightsSource::File { .. });
    let device = Device::flex();
    // A weights file (fetched or uploaded) fits whichever preset its shapes say.
    let load = |name: &str, bytes: &[u8]| {
        weights::load_any(name, bytes, &device).map_err(|e| e.to_string())
    };
    let result: Result<(Vec<u8>, WeightsInfo), String> = async {
        let (config, model, origin) = match source {
            WeightsSource::Pretrained => {
                let url = format!("{}weights/tutorial.bpk", base_url());
                let bytes = net::request(&url).await?.bytes(&mut |_| {}).await?;
                let (config, model) = load(&url, &bytes)?;
                (config, model, "pretrained".to_string())
            }
            WeightsSource::Random { preset, seed } => {
                let config =
                    ModelConfig::preset(&preset).ok_or(format!("unknown model {preset}"))?;
                device.seed(seed);
                (config, config.init(&device), "random".to_string())
            }
            WeightsSource::File { name } => {
                let (config, model) = load(&name, &bytes.ok_or("the message carried no file")?)?;
                (config, model, name)
            }
            WeightsSource::Restore(info) => {
                let bytes = bytes.ok_or("the message carried no weights")?;
                let (config, _) = load(&info.origin, &bytes)?;
                return Ok((bytes, WeightsInfo { config, ..info }));
            }
        };
        // Re-encoded, so what the UI keeps and saves is always a burn record.
        Ok((
            weights::to_bytes(&model).map_err(|e| e.to_string())?,
            info(config, &origin, None),
        ))
    }
    .await;
    match result {
        Ok((bytes, info)) => adopt_weights(&state, bytes, info),
        Err(message) if uploaded => post(FromWorker::FileRefused { message }, None),
        Err(message) => post(FromWorker::Error { message }, None),
    }
}

pub fn info(config: ModelConfig, origin: &str, test_accuracy: Option<f64>) -> WeightsInfo {
    WeightsInfo {
        preset: config.preset_name().into(),
        config,
        origin: origin.into(),
        test_accuracy,
    }
}
