//! The page's study worker: a second copy of the page's own module (already downloaded and
//! compiled), started when first needed, that studies a run's snapshots, places drawings on
//! their maps and fools the network ([`StudyRequest`]). One request at a time, so each map can
//! start from the one before; a placement or a "fool it" goes before a snapshot waiting, and a
//! newer placement replaces one waiting. A worker that crashes is replaced at the next request,
//! with the map's digits again.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::web::envelope::unpack;
use crate::web::i18n::Text;
use crate::web::js::{Module, base_url};
use crate::web::link::WorkerHandle;
use crate::web::protocol::{
    Bytes, DigitSet, FromWorker, LinkNews, StudyAnswer, StudyRequest, ToWorker,
};

type OnAnswer = Rc<dyn Fn(StudyAnswer)>;

#[derive(Default)]
struct Channel {
    worker: Option<WorkerHandle>,
    /// Counts workers started; a message from a replaced one is ignored.
    generation: u32,
    ready: bool,
    /// A request was sent and its last answer has not come.
    busy: bool,
    /// The snapshot that request is for, if it is a snapshot's.
    snapshot: Option<u32>,
    waiting: VecDeque<StudyRequest>,
    /// The map's digits (labels and grey pixels), for every new worker.
    digits: Option<(Vec<u8>, Vec<u8>)>,
    on_answer: Option<OnAnswer>,
}

thread_local! {
    static CHANNEL: RefCell<Channel> = RefCell::default();
}

/// Where the answers go (set once, by the study store).
pub fn answers(on_answer: impl Fn(StudyAnswer) + 'static) {
    CHANNEL.with(|c| c.borrow_mut().on_answer = Some(Rc::new(on_answer)));
}

fn digits_request(labels: &[u8], pixels: &[u8]) -> ToWorker {
    ToWorker::Study(StudyRequest::Digits(DigitSet {
        pixels: Bytes::copy(pixels),
        labels: labels.to_vec(),
    }))
}

/// Asks the study worker (starting it if there is none).
pub fn ask(request: StudyRequest) {
    CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        match &request {
            StudyRequest::Snapshot { .. } => c.waiting.push_back(request),
            // Kept, and sent to the worker running now and to each new one as it starts.
            StudyRequest::Digits(set) => {
                let (labels, pixels) = (set.labels.clone(), set.pixels.to_vec());
                if let Some(worker) = c.worker.as_ref().filter(|_| c.ready) {
                    worker.send(&digits_request(&labels, &pixels));
                }
                c.digits = Some((labels, pixels));
                return;
            }
            StudyRequest::Place { .. } => {
                c.waiting
                    .retain(|r| !matches!(r, StudyRequest::Place { .. }));
                c.waiting.push_front(request);
            }
            StudyRequest::Fool { .. } => c.waiting.push_front(request),
        }
        if c.worker.is_none() {
            start(&mut c);
        }
    });
    pump();
}

fn start(c: &mut Channel) {
    c.generation += 1;
    let generation = c.generation;
    let on_message = move |data: JsValue| match unpack::<FromWorker>(data) {
        Ok(msg) => receive(generation, msg),
        Err(e) => web_sys::console::warn_1(&e.into()),
    };
    let on_crash = move |message: String| lost(generation, message);
    c.ready = false;
    c.busy = false;
    match WorkerHandle::start(Module::Page, &base_url(), on_message, on_crash) {
        Ok(worker) => c.worker = Some(worker),
        Err(e) => web_sys::console::warn_1(&e),
    }
}

/// Sends the next request waiting, if the worker is free.
fn pump() {
    CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        if !c.ready || c.busy {
            return;
        }
        let Some(request) = c.waiting.pop_front() else {
            return;
        };
        c.busy = true;
        c.snapshot = match &request {
            StudyRequest::Snapshot { id, .. } => Some(*id),
            _ => None,
        };
        if let Some(worker) = &c.worker {
            worker.send(&ToWorker::Study(request));
        }
    });
}

fn receive(generation: u32, msg: FromWorker) {
    let on_answer = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        if c.generation != generation {
            return None;
        }
        match &msg {
            FromWorker::Link(LinkNews::Ready { .. }) => {
                c.ready = true;
                if let (Some((labels, pixels)), Some(worker)) = (&c.digits, &c.worker) {
                    worker.send(&digits_request(labels, pixels));
                }
            }
            FromWorker::Study(answer) if last_answer(answer) => c.busy = false,
            _ => {}
        }
        c.on_answer.clone()
    });
    if let (Some(on_answer), FromWorker::Study(answer)) = (on_answer, msg) {
        on_answer(answer);
    }
    pump();
}

/// Whether `answer` is the last one to its request (a snapshot's map comes first as its PCA).
fn last_answer(answer: &StudyAnswer) -> bool {
    !matches!(
        answer,
        StudyAnswer::Layers { .. } | StudyAnswer::Map { settled: false, .. }
    )
}

/// The study worker crashed (a wasm trap, out of memory): the request it had is lost, and the
/// store hears why; the next request starts a new worker.
fn lost(generation: u32, message: String) {
    let on_answer = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        if c.generation != generation {
            return None;
        }
        if let Some(worker) = c.worker.take() {
            worker.terminate();
        }
        c.waiting.clear();
        let snapshot = c.snapshot.take().filter(|_| c.busy);
        c.on_answer.clone().map(|on_answer| (on_answer, snapshot))
    });
    if let Some((on_answer, snapshot)) = on_answer {
        let message = Text::new("study-crashed").arg("detail", message);
        on_answer(StudyAnswer::Failed { snapshot, message });
    }
}
