//! The UI's end of the worker channel, and the worker's lifeline.
//!
//! A worker can die (a panic, running out of memory, a hostile file that got past the loaders)
//! or hang. The page notices either (the worker's error event; no answer to a ping within
//! [`UNRESPONSIVE_MS`]), terminates it, starts a fresh one and tells the UI, which restores what
//! the new worker needs. Messages from a worker that was replaced are ignored.
//!
//! The worker runs the page's own module (training on the CPU) until a run may use WebGPU and
//! the browser finds an adapter: then the GPU module replaces it, restored the same way, and
//! stays. Where the GPU module fails to load (offline before it was ever fetched) the page's
//! module takes over again, and the run goes on on the CPU.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Array;
use leptos::prelude::set_interval;
use wasm_bindgen::prelude::*;

use crate::web::envelope::{pack, unpack};
use crate::web::i18n::Text;
use crate::web::js::{Module, base_url, describe, now_ms, webgpu_adapter};
use crate::web::link::WorkerHandle;
use crate::web::protocol::{BUILD, BackendChoice, FromWorker, LinkCall, LinkNews, ToWorker};

/// How often a running worker is asked whether it is alive.
const PING_EVERY_MS: u64 = 2_000;
/// A ping unanswered for this long means the worker is stuck. The worker yields to its event
/// loop at least every few tens of milliseconds while it trains or evaluates on the CPU.
const UNRESPONSIVE_MS: f64 = 10_000.0;
/// The same while the worker says it runs WebGPU work: the browser compiles each new shader on
/// the calling thread, which holds the worker for many seconds on a slow (software) adapter.
const UNRESPONSIVE_GPU_MS: f64 = 60_000.0;

/// Why a worker was replaced.
#[derive(Debug, Clone, PartialEq)]
pub enum Death {
    /// Its error event fired: an uncaught exception, a wasm trap (a panic or running out of
    /// memory), or a failure to start.
    Crashed(String),
    /// It did not answer a ping for this many seconds.
    Unresponsive(u32),
    /// It is another build of the app than the page (a host or cache served an old GPU module).
    Stale,
}

type OnMessage = Rc<dyn Fn(FromWorker)>;
type OnDeath = Rc<dyn Fn(Death)>;

struct Channel {
    worker: WorkerHandle,
    module: Module,
    /// Counts workers started; events carry the generation of the worker that sent them.
    generation: u32,
    /// Whether the current worker said it is ready (it can only answer pings from then on).
    ready: bool,
    /// The ping awaiting an answer, and when it was sent.
    ping: Option<(u32, f64)>,
    /// How long that answer may take.
    patience_ms: f64,
    on_message: OnMessage,
    on_death: OnDeath,
}

thread_local! {
    static CHANNEL: RefCell<Option<Channel>> = const { RefCell::new(None) };
    /// Messages sent before the worker is ready (it is started after the page's first reading,
    /// and a new one after a crash takes seconds to load), delivered once it says it is: a
    /// worker drops messages that arrive before its handler is installed.
    static WAITING: RefCell<Vec<(JsValue, Array)>> = const { RefCell::new(vec![]) };
    /// Whether [`connect`] ran: once per page, also after [`disconnect`].
    static CONNECTED: Cell<bool> = const { Cell::new(false) };
    /// A run's `Start` held for a worker that replaced the last one until it has its data (it
    /// refuses a run before).
    static HELD_RUN: RefCell<Option<ToWorker>> = const { RefCell::new(None) };
    /// Whether the browser found a WebGPU adapter, once asked.
    static ADAPTER: Cell<Option<bool>> = const { Cell::new(None) };
}

/// A worker on `module`, or why none can start.
fn new_worker(generation: u32, module: Module) -> Result<WorkerHandle, String> {
    let on_message = move |data: JsValue| match unpack::<FromWorker>(data) {
        Ok(msg) => receive(generation, msg),
        Err(e) => web_sys::console::warn_1(&e.into()),
    };
    let on_crash = move |message: String| {
        web_sys::console::warn_1(&format!("the training worker crashed: {message}").into());
        died(generation, Death::Crashed(message));
    };
    WorkerHandle::start(module, &base_url(), on_message, on_crash).map_err(|e| describe(&e))
}

/// No worker can start: the page goes on reading drawings without one, and says why.
fn cannot_start(on_message: &OnMessage, error: String) {
    disconnect();
    on_message(FromWorker::DataFailed {
        message: Text::new("no-workers").arg("detail", error),
    });
}

/// Hands a message to the UI, unless it comes from a replaced worker; answers to pings stay here.
fn receive(generation: u32, msg: FromWorker) {
    if matches!(&msg, FromWorker::Link(LinkNews::Ready { build, .. }) if build != BUILD) {
        return died(generation, Death::Stale);
    }
    let on_message = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        let channel = c.as_mut().filter(|ch| ch.generation == generation)?;
        match msg {
            FromWorker::Link(LinkNews::Pong { id }) => {
                if channel.ping.is_some_and(|(sent, _)| sent == id) {
                    channel.ping = None;
                }
                None
            }
            FromWorker::Link(LinkNews::Ready { .. }) => {
                channel.ready = true;
                Some(channel.on_message.clone())
            }
            FromWorker::Link(LinkNews::Patience { gpu }) => {
                channel.patience_ms = if gpu {
                    UNRESPONSIVE_GPU_MS
                } else {
                    UNRESPONSIVE_MS
                };
                None
            }
            _ => Some(channel.on_message.clone()),
        }
    });
    let ready = matches!(msg, FromWorker::Link(LinkNews::Ready { .. }));
    let has_data = matches!(
        msg,
        FromWorker::DataReady { .. } | FromWorker::DataFailed { .. }
    );
    if let Some(on_message) = on_message {
        on_message(msg);
    }
    // After the UI's own answer to Ready (which restores what a new worker needs first).
    if ready {
        for (message, transfer) in WAITING.take() {
            post(message, transfer);
        }
    }
    if has_data && let Some(start) = HELD_RUN.take() {
        send(start);
    }
}

impl Channel {
    /// Ends the current worker and starts one on `module`.
    fn replace(&mut self, module: Module) -> Result<(), String> {
        self.worker.terminate();
        self.generation += 1;
        self.module = module;
        self.worker = new_worker(self.generation, module)?;
        self.ready = false;
        self.ping = None;
        self.patience_ms = UNRESPONSIVE_MS;
        Ok(())
    }
}

/// Replaces the worker of `generation` (if it is still the current one) and tells the UI. A GPU
/// module that died before it was ready did not load (offline before it was ever fetched): the
/// page's module takes over without a word here, and the run it is handed says why it trains on
/// the CPU. A GPU module of another build is replaced by the page's module too, and the run it
/// was to be handed is dropped: the UI asks for a reload.
fn died(generation: u32, death: Death) {
    let stale = death == Death::Stale;
    let outcome = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        let channel = c.as_mut().filter(|ch| ch.generation == generation)?;
        let gpu_failed = channel.module == Module::Gpu && (!channel.ready || stale);
        let started = channel.replace(match gpu_failed {
            true => Module::Page,
            false => channel.module,
        });
        let silent = gpu_failed && !stale;
        Some((
            started,
            channel.on_message.clone(),
            (!silent).then(|| channel.on_death.clone()),
        ))
    });
    if stale {
        HELD_RUN.take();
    }
    match outcome {
        Some((Err(error), on_message, _)) => cannot_start(&on_message, error),
        Some((Ok(()), _, Some(on_death))) => on_death(death),
        _ => {}
    }
}

/// Pings the worker, or declares it dead when the last ping went unanswered too long.
fn watch() {
    let overdue = CHANNEL.with(|c| {
        let mut c = c.borrow_mut();
        let channel = c.as_mut().filter(|ch| ch.ready)?;
        match channel.ping {
            Some((_, sent)) if now_ms() - sent > channel.patience_ms => {
                Some((channel.generation, (channel.patience_ms / 1000.0) as u32))
            }
            Some(_) => None,
            None => {
                let id = (now_ms() as u32).wrapping_add(channel.generation);
                channel.ping = Some((id, now_ms()));
                channel.worker.send(&ToWorker::Link(LinkCall::Ping { id }));
                None
            }
        }
    });
    if let Some((generation, secs)) = overdue {
        died(generation, Death::Unresponsive(secs));
    }
}

/// Starts the training worker and keeps one running: `on_message` gets what it sends,
/// `on_death` hears when it had to be replaced. Only the first call of a page does this.
pub fn connect(on_message: impl Fn(FromWorker) + 'static, on_death: impl Fn(Death) + 'static) {
    if CONNECTED.replace(true) {
        return;
    }
    let on_message: OnMessage = Rc::new(on_message);
    let worker = match new_worker(0, Module::Page) {
        Ok(worker) => worker,
        Err(error) => return cannot_start(&on_message, error),
    };
    CHANNEL.with(|c| {
        *c.borrow_mut() = Some(Channel {
            worker,
            module: Module::Page,
            generation: 0,
            ready: false,
            ping: None,
            patience_ms: UNRESPONSIVE_MS,
            on_message,
            on_death: Rc::new(on_death),
        })
    });
    set_interval(watch, std::time::Duration::from_millis(PING_EVERY_MS));
}

/// Stops the worker for good (it keeps failing); `send` does nothing afterwards.
pub fn disconnect() {
    if let Some(channel) = CHANNEL.with(|c| c.borrow_mut().take()) {
        channel.worker.terminate();
    }
}

fn post(message: JsValue, transfer: Array) {
    let delivered = CHANNEL.with(|c| {
        let c = c.borrow();
        let Some(channel) = c.as_ref().filter(|ch| ch.ready) else {
            return false;
        };
        channel.worker.post(&message, &transfer);
        true
    });
    if !delivered {
        WAITING.with(|w| w.borrow_mut().push((message, transfer)));
    }
}

/// Whether the browser finds a WebGPU adapter (asked once per page).
async fn adapter() -> bool {
    if let Some(found) = ADAPTER.get() {
        return found;
    }
    let found = webgpu_adapter().await;
    ADAPTER.set(Some(found));
    found
}

/// Sends a run's `Start` to a worker on the module the run needs: the GPU module where it may
/// use WebGPU (`choice`) and the browser finds an adapter; otherwise the one running (both train
/// on the CPU). Where the worker is replaced for it, `on_replace` runs, and the new worker gets
/// the run once it is restored and has its data (see [`receive`]).
pub fn start_run(choice: BackendChoice, start: ToWorker, on_replace: impl FnOnce() + 'static) {
    leptos::task::spawn_local(async move {
        let replaced = match choice != BackendChoice::Cpu && adapter().await {
            true => CHANNEL.with(|c| match c.borrow_mut().as_mut() {
                Some(channel) if channel.module != Module::Gpu => Some(
                    channel
                        .replace(Module::Gpu)
                        .map_err(|e| (e, channel.on_message.clone())),
                ),
                _ => None,
            }),
            false => None,
        };
        match replaced {
            Some(Ok(())) => {
                HELD_RUN.set(Some(start));
                on_replace();
            }
            Some(Err((error, on_message))) => cannot_start(&on_message, error),
            None => send(start),
        }
    });
}

/// Sends a message to the worker; the buffer of the bytes it carries moves there.
pub fn send(msg: ToWorker) {
    let (message, transfer) = pack(&msg);
    post(message, transfer);
}
