//! Choosing the compute backend: WebGPU through burn's wgpu backend, or burn's `flex` CPU backend
//! compiled to wasm; "Auto" times a few warm training steps of each and keeps the faster. Only
//! the GPU module (feature `web-gpu`) has WebGPU: the page hands a run that may use it to that
//! module, and to the page's own (the CPU worker) only where it cannot be used.

use std::sync::Arc;

use burn::prelude::*;

use crate::data::Split;
use crate::model::ModelConfig;
use crate::train::{TrainConfig, Trainer};
use crate::web::i18n::Text;
use crate::web::js::{has_webgpu, now_ms};
use crate::web::protocol::{BackendChoice, FromWorker, LinkNews, StepTime};

use super::state::{Shared, post};

/// What a run trains on (named apart from burn's `Backend` trait, which this is not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hardware {
    WebGpu,
    Cpu,
}

impl Hardware {
    pub fn name(self) -> &'static str {
        match self {
            Hardware::WebGpu => "WebGPU",
            Hardware::Cpu => "CPU (wasm)",
        }
    }
}

/// Kernels cubecl may queue before it submits them (see [`webgpu`]).
#[cfg(feature = "web-gpu")]
const TASKS_PER_SUBMIT: usize = 256;

/// The WebGPU device, created once: creating a second one would fight over the adapter.
#[cfg(feature = "web-gpu")]
pub async fn webgpu() -> Result<Device, Text> {
    use burn::tensor::wgpu::WgpuBackend;
    thread_local! {
        static DEVICE: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(device) = DEVICE.with(|d| d.borrow().clone()) {
        return Ok(device);
    }
    if !has_webgpu() {
        return Err(Text::new("webgpu-missing"));
    }
    let device = Device::wgpu_options()
        .graphics_api(WgpuBackend::WebGpu)
        // cubecl submits its queued kernels every `tasks_max` (default 32) and before each
        // upload; a training step is ~70 kernels and one batch upload, so with room for a
        // whole step the upload's submit is the step's only one (docs/results.md, *WebGPU per step*).
        .tasks_max(TASKS_PER_SUBMIT)
        .init_async()
        .await
        .map_err(|e| Text::new("webgpu-unusable").arg("detail", e.to_string()))?;
    DEVICE.with(|d| *d.borrow_mut() = Some(device.clone()));
    Ok(device)
}

/// Why this module (the CPU worker) does not train on WebGPU: the page gives it a run that may
/// use WebGPU only where the browser has none, finds no adapter, or the GPU module failed to load.
#[cfg(not(feature = "web-gpu"))]
pub async fn webgpu() -> Result<Device, Text> {
    if !has_webgpu() {
        return Err(Text::new("webgpu-missing"));
    }
    match crate::web::js::webgpu_adapter().await {
        false => Err(Text::new("webgpu-no-adapter")),
        true => Err(Text::new("webgpu-not-loaded")),
    }
}

pub async fn device(backend: Hardware) -> Result<Device, Text> {
    match backend {
        Hardware::WebGpu => webgpu().await,
        Hardware::Cpu => Ok(Device::flex()),
    }
}

/// Times a few steps of `arch` with batches of `batch_size` on `choice` (Auto: WebGPU where it
/// works) for the network editor; not during a run, which it would compete with.
pub async fn time_steps(
    state: Shared,
    (arch, batch_size): (ModelConfig, usize),
    choice: BackendChoice,
) {
    let data = {
        let s = state.borrow();
        match (&s.train, s.run.is_some()) {
            (_, true) => Err(Text::new("run-going")),
            (None, _) => Err(Text::new("data-not-loaded")),
            (Some(train), false) => Ok(train.clone()),
        }
    };
    let hardware = match choice {
        BackendChoice::Cpu => Hardware::Cpu,
        BackendChoice::WebGpu | BackendChoice::Auto => Hardware::WebGpu,
    };
    let timed = match (data, device(hardware).await) {
        (Ok(data), Ok(device)) => {
            let on_gpu = hardware == Hardware::WebGpu;
            patience(on_gpu);
            let timed = timed(&device, &arch, &data, batch_size).await;
            patience(false);
            timed
        }
        (Err(why), _) | (_, Err(why)) => Err(why),
    };
    post(FromWorker::StepsTimed { arch, timed });
}

/// Milliseconds per training step of `arch` after two warm-up steps (shader compilation,
/// allocation).
async fn ms_per_step(
    device: &Device,
    arch: &ModelConfig,
    data: &Arc<Split>,
    batch_size: usize,
) -> Result<f64, Text> {
    timed(device, arch, data, batch_size).await.map(|t| t.ms)
}

/// Milliseconds per step, and whether our kernels took them.
async fn timed(
    device: &Device,
    arch: &ModelConfig,
    data: &Arc<Split>,
    batch_size: usize,
) -> Result<StepTime, Text> {
    const WARMUP: usize = 2;
    const TIMED: usize = 4;
    let subset = Arc::new(data.take((WARMUP + TIMED) * batch_size));
    // A report (a read back, so a sync) after the warm-up and after the timed steps.
    let config = TrainConfig {
        epochs: 1,
        batch_size,
        report_every: WARMUP,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::from_scratch(arch, subset, config, &device.clone().autodiff())?;
    for _ in 0..WARMUP {
        trainer.step().await?;
    }
    let start = now_ms();
    for _ in 0..TIMED {
        trainer.step().await?;
    }
    let hardware = match *device == Device::flex() {
        true => Hardware::Cpu,
        false => Hardware::WebGpu,
    };
    Ok(StepTime {
        ms: (now_ms() - start) / TIMED as f64,
        hardware: hardware.name().into(),
        kernels: trainer.on_kernels(),
    })
}

/// Runs WebGPU work with the page told to wait longer for answers to its pings meanwhile.
async fn gpu_work<T>(work: impl Future<Output = T>) -> T {
    patience(true);
    let result = work.await;
    patience(false);
    result
}

/// Tells the page whether the worker now runs WebGPU work (see `LinkNews::Patience`).
pub fn patience(gpu: bool) {
    post(FromWorker::Link(LinkNews::Patience { gpu }));
}

/// Picks the backend for a run, with the reason to show the user.
pub async fn choose(
    choice: BackendChoice,
    arch: &ModelConfig,
    data: &Arc<Split>,
    batch_size: usize,
) -> (Hardware, Text) {
    let timed = |id: &str, faster: f64, slower: f64| {
        Text::new(id)
            .arg("faster", faster.round())
            .arg("slower", slower.round())
    };
    match choice {
        BackendChoice::Cpu => (Hardware::Cpu, Text::new("chosen-by-you")),
        BackendChoice::WebGpu => match gpu_work(webgpu()).await {
            Ok(_) => (Hardware::WebGpu, Text::new("chosen-by-you")),
            Err(e) => (Hardware::Cpu, Text::new("cpu-instead").arg("why", e)),
        },
        BackendChoice::Auto => {
            let gpu = match gpu_work(webgpu()).await {
                Ok(device) => gpu_work(ms_per_step(&device, arch, data, batch_size)).await,
                Err(e) => return (Hardware::Cpu, Text::new("auto").arg("why", e)),
            };
            let cpu = ms_per_step(&Device::flex(), arch, data, batch_size).await;
            match (gpu, cpu) {
                (Ok(g), Ok(c)) if g < c => (Hardware::WebGpu, timed("auto-webgpu-faster", g, c)),
                (Ok(g), Ok(c)) => (Hardware::Cpu, timed("auto-cpu-faster", c, g)),
                (Err(e), _) => (Hardware::Cpu, Text::new("auto-webgpu-failed").arg("why", e)),
                (Ok(_), Err(e)) => (Hardware::WebGpu, Text::new("auto-cpu-failed").arg("why", e)),
            }
        }
    }
}
