//! What the worker holds between messages, and how it talks to the page.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use crate::data::Split;
use crate::eval::Evaluation;
use crate::model::ModelConfig;
use crate::web::envelope::pack;
use crate::web::i18n::Text;
use crate::web::protocol::{Bytes, FromWorker, WeightsInfo};

/// What the worker holds between messages.
#[derive(Default)]
pub struct State {
    pub train: Option<Arc<Split>>,
    pub test: Option<Arc<Split>>,
    pub loading: bool,
    /// The current weights as a burn record, and what they are.
    pub weights: Option<(Vec<u8>, WeightsInfo)>,
    pub last_eval: Option<Evaluation>,
    pub run: Option<Control>,
}

/// A run's flags, which the page's Pause, Resume and Stop set between its steps.
#[derive(Default, Clone, Copy)]
pub struct Control {
    pub paused: bool,
    pub stop: bool,
    /// A learning rate asked for, taken before the next step.
    pub learning_rate: Option<f64>,
}

pub type Shared = Rc<RefCell<State>>;

pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a message to whoever started this worker (the page, or the training worker that
/// started this one as a helper); the buffers it carries move there.
pub fn post(msg: FromWorker) {
    let (message, transfer) = pack(&msg);
    let _ = scope().post_message_with_transfer(&message, &transfer);
}

/// Makes `bytes` the current weights and tells the UI.
pub fn adopt_weights(state: &Shared, bytes: Vec<u8>, info: WeightsInfo) {
    post(FromWorker::Weights {
        info: info.clone(),
        weights: Bytes::copy(&bytes),
    });
    state.borrow_mut().weights = Some((bytes, info));
}

pub fn info(arch: ModelConfig, origin: Text, test_accuracy: Option<f64>) -> WeightsInfo {
    WeightsInfo {
        arch,
        origin,
        test_accuracy,
        history: None,
    }
}
