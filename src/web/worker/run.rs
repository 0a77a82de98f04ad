//! One training run in the worker: backend choice, the step loop with pause/stop between steps,
//! evaluation and weights after every epoch, and the switch to the CPU if WebGPU fails mid-run.

use std::sync::Arc;

use burn::prelude::Device;

use super::backend::{self, Hardware};
use super::digits;
use super::evaluation::report_evaluation;
use super::helpers::WorkerHelpers;
use super::state::{Control, Shared, adopt_weights, info, post};
use crate::data::Split;
use crate::model::{Model, ModelConfig};
use crate::train::{Progress, TrainConfig, TrainError, Trainer, max_shares};
use crate::web::i18n::Text;
use crate::web::js::{now_ms, sleep, yield_now};
use crate::web::protocol::{
    Bytes, DigitSet, EpochRecord, FromWorker, Init, RateChange, RunHistory, RunSettings, RunState,
    Snapshot, ToWorker, WeightsInfo,
};
use crate::weights;

/// Yield to the worker's event loop (to receive Pause/Stop) at least this often.
const YIELD_MS: f64 = 30.0;
/// Where in the first epoch a run keeps snapshots for its timeline, beside its start and each
/// epoch's end: most of the learning happens early.
const EARLY: [f64; 4] = [1.0 / 16.0, 1.0 / 8.0, 1.0 / 4.0, 1.0 / 2.0];

pub fn control(state: &Shared, msg: &ToWorker) {
    let mut s = state.borrow_mut();
    let Some(control) = s.run.as_mut() else {
        return;
    };
    match msg {
        ToWorker::Pause => control.paused = true,
        ToWorker::Resume => control.paused = false,
        ToWorker::Stop => control.stop = true,
        &ToWorker::SetLearningRate { learning_rate } => {
            control.learning_rate = Some(learning_rate);
            return;
        }
        _ => return,
    }
    let now = if control.paused && !control.stop {
        RunState::Paused
    } else {
        RunState::Training
    };
    post(FromWorker::State(now));
}

/// What the run trains and on what.
struct Plan {
    arch: ModelConfig,
    train_config: TrainConfig,
    train: Arc<Split>,
    test: Arc<Split>,
    /// The weights to start from (a burn record); `None`: random.
    initial: Option<Vec<u8>>,
    /// Workers that share each batch on the CPU (this one and its helpers).
    threads: usize,
    /// What the run did so far, kept with the weights it makes.
    history: RunHistory,
    /// The user's digits held out to measure a run that mixes them in.
    held_out: Option<Arc<Split>>,
}

pub async fn start(state: Shared, settings: RunSettings, mine: Option<DigitSet>) {
    if state.borrow().run.is_some() {
        return post(FromWorker::Error {
            message: Text::new("run-going"),
        });
    }
    let mut plan = match plan(&state, &settings, mine.as_ref()) {
        Ok(plan) => plan,
        Err(message) => return post(FromWorker::Error { message }),
    };
    state.borrow_mut().run = Some(Control::default());
    // Where the user's digits are mixed in, the scores before training, to compare after.
    let measured = plan.held_out.clone().map(|held| (held, plan.test.clone()));
    if let (Some((held, test)), Some(fine_tune)) = (&measured, &mut plan.history.fine_tune) {
        post(FromWorker::State(RunState::Evaluating));
        let start = (&plan.arch, plan.initial.as_deref(), settings.seed);
        match digits::scores_before(start, held, test).await {
            Ok(before) => fine_tune.before = before,
            Err(message) => {
                state.borrow_mut().run = None;
                post(FromWorker::State(RunState::Idle));
                return post(FromWorker::Error { message });
            }
        }
        post(FromWorker::FineTune(fine_tune.clone()));
    }
    post(FromWorker::State(RunState::ChoosingBackend));
    let (backend, reason) = backend::choose(
        settings.backend,
        &plan.arch,
        &plan.train,
        settings.batch_size,
    )
    .await;
    post(FromWorker::State(RunState::Training));
    let mut result = train(&state, plan, backend, reason).await;
    backend::patience(false);
    if let (Ok(_), Some((held, test))) = (&result, &measured) {
        post(FromWorker::State(RunState::Evaluating));
        if let Err(e) = digits::score_after(&state, held, test).await {
            result = Err(e);
        }
    }
    state.borrow_mut().run = None;
    post(FromWorker::State(RunState::Idle));
    match result {
        Ok(message) => post(FromWorker::Finished { message }),
        Err(message) => post(FromWorker::Error { message }),
    }
}

fn plan(state: &Shared, settings: &RunSettings, mine: Option<&DigitSet>) -> Result<Plan, Text> {
    let s = state.borrow();
    let (Some(train), Some(test)) = (&s.train, &s.test) else {
        return Err(Text::new("data-not-loaded"));
    };
    let train_config = settings.train_config();
    train_config.validate()?;
    if settings.train_images == 0 || settings.test_images == 0 {
        return Err("use at least one training and one test image".into());
    }
    if settings.threads == 0 {
        return Err("use at least one worker".into());
    }
    let (arch, initial) = match settings.init {
        Init::Random => (settings.arch.clone(), None),
        Init::Current => {
            let (bytes, info) = s.weights.clone().ok_or(Text::new("no-weights"))?;
            (info.arch, Some(bytes))
        }
    };
    let mut train = train.take(settings.train_images);
    let (held_out, fine_tune) = match mine {
        Some(set) => {
            let (mixed, held_out, fine_tune) = digits::mix(&train, set)?;
            train = mixed;
            (Some(Arc::new(held_out)), Some(fine_tune))
        }
        None => (None, None),
    };
    Ok(Plan {
        arch,
        train_config,
        train: Arc::new(train),
        test: Arc::new(test.take(settings.test_images)),
        initial,
        threads: settings.threads.min(max_shares(settings.batch_size)),
        history: RunHistory {
            settings: settings.clone(),
            backend: String::new(),
            workers: 1,
            seconds: 0.0,
            epochs: vec![],
            fine_tune,
            rate_changes: vec![],
        },
        held_out,
    })
}

/// Trains to the end (or a Stop), and returns what to tell the user. A GPU lost mid-run hands
/// the run to the CPU, from the last finished epoch's weights.
async fn train(
    state: &Shared,
    mut plan: Plan,
    mut backend: Hardware,
    mut reason: Text,
) -> Result<Text, Text> {
    // Epochs completed in this run, on any backend.
    let mut epochs_done = 0;
    loop {
        match train_on(state, &mut plan, (backend, reason), &mut epochs_done).await? {
            Ended::Said(text) => return Ok(text),
            Ended::GpuLost(detail) => {
                let message = Text::new("webgpu-failed").arg("detail", detail);
                post(FromWorker::Notice { message });
                backend = Hardware::Cpu;
                reason = Text::new("webgpu-lost");
            }
        }
    }
}

/// How training on one backend ended.
enum Ended {
    /// Finished or stopped: what to tell the user.
    Said(Text),
    /// The GPU failed (the detail): the run goes on on the CPU.
    GpuLost(String),
}

/// Trains on `backend` (chosen for `reason`) from epoch `done` to the end, a Stop or a lost GPU,
/// counting finished epochs in `done`.
async fn train_on(
    state: &Shared,
    plan: &mut Plan,
    (backend, reason): (Hardware, Text),
    done: &mut usize,
) -> Result<Ended, Text> {
    let total_epochs = plan.train_config.epochs;
    // A trainer started after a backend switch counts its epochs from here.
    let offset = *done;
    let seconds_before = plan.history.seconds;
    let device = backend::device(backend).await?;
    backend::patience(backend == Hardware::WebGpu);
    let mut trainer = trainer(plan, backend, total_epochs - offset, &device).await?;
    post(FromWorker::Backend {
        name: backend.name().into(),
        kernels: trainer.on_kernels(),
        reason,
    });
    let mut workers = trainer.threads_per_batch();
    post(FromWorker::Workers { count: workers });
    plan.history.backend = backend.name().into();
    // The first trainer's start and steps in its first epoch; one after a backend switch is
    // past them.
    let mut early = match offset {
        0 => early_steps(trainer.steps_per_epoch()),
        _ => vec![],
    };
    let mut last_yield = now_ms();
    while !trainer.is_finished() {
        if wait_while_paused(state).await {
            return stop(state, plan, &trainer, *done).await.map(Ended::Said);
        }
        take_rate(state, plan, &mut trainer, offset)?;
        if early.first() == Some(&trainer.steps_done()) {
            early.remove(0);
            snapshot(&trainer).await?;
        }
        match trainer.step().await {
            Ok(Some(mut progress)) => {
                progress.epoch += offset;
                progress.epochs = total_epochs;
                post(FromWorker::Progress(progress.clone()));
                if progress.epoch_done {
                    *done = progress.epoch;
                    plan.history.workers = workers;
                    plan.history.seconds = seconds_before + progress.elapsed_secs;
                    end_epoch(state, plan, &trainer.model(), &progress, &device).await?;
                }
            }
            Ok(None) => {}
            Err(TrainError::Read(e)) if backend == Hardware::WebGpu => {
                return Ok(Ended::GpuLost(e.to_string()));
            }
            Err(e) => return Err(e.into()),
        }
        if trainer.threads_per_batch() != workers {
            workers = trainer.threads_per_batch();
            post(FromWorker::Workers { count: workers });
        }
        if now_ms() - last_yield > YIELD_MS {
            yield_now().await;
            last_yield = now_ms();
        }
    }
    let finished = Text::new("finished")
        .arg("epochs", total_epochs)
        .arg("backend", backend.name());
    Ok(Ended::Said(finished))
}

/// A trainer for the plan's `epochs` left on `device`, from the weights the run is at, with
/// helper workers on the CPU (a GPU has its own parallelism).
async fn trainer(
    plan: &Plan,
    backend: Hardware,
    epochs: usize,
    device: &Device,
) -> Result<Trainer, Text> {
    let train_device = device.clone().autodiff();
    let model = weights::start(
        &plan.arch,
        plan.initial.as_deref(),
        plan.train_config.seed,
        &train_device,
    )?;
    let config = TrainConfig {
        epochs,
        ..plan.train_config.clone()
    };
    let mut trainer = Trainer::new(model, plan.train.clone(), config, &train_device)?;
    if plan.history.settings.autodiff {
        trainer.use_autodiff();
    }
    if backend == Hardware::Cpu && plan.threads > 1 {
        let helpers = WorkerHelpers::start(plan.threads - 1, plan.arch.clone()).await;
        trainer.set_helpers(Box::new(helpers));
    }
    Ok(trainer)
}

/// An epoch is done: it is evaluated on the test set, kept in the run's history, and its
/// weights become the current ones (a run that switches backend goes on from them).
async fn end_epoch(
    state: &Shared,
    plan: &mut Plan,
    model: &Model,
    progress: &Progress,
    device: &Device,
) -> Result<(), Text> {
    let accuracy = report_evaluation(state, model, &plan.test, device).await?;
    post(FromWorker::EpochDone {
        epoch: progress.epoch,
        test_accuracy: accuracy,
    });
    plan.history.epochs.push(EpochRecord {
        train_loss: progress.epoch_loss,
        train_accuracy: progress.epoch_accuracy,
        test_accuracy: accuracy,
    });
    let bytes = weights::to_bytes_async(model).await?;
    post(FromWorker::Snapshot(Snapshot {
        step: progress.steps_done(),
        epoch: progress.epoch as f64,
        weights: Bytes::copy(&bytes),
    }));
    plan.initial = Some(bytes.clone());
    let origin = Text::new("origin-trained").arg("epochs", progress.epoch);
    adopt_weights(state, bytes, trained(plan, origin, Some(accuracy)));
    Ok(())
}

/// The first epoch's start and its steps at the [`EARLY`] fractions of it.
fn early_steps(steps_per_epoch: usize) -> Vec<usize> {
    let mut steps: Vec<usize> = [0.0]
        .iter()
        .chain(&EARLY)
        .map(|f| (steps_per_epoch as f64 * f).round() as usize)
        .filter(|&s| s < steps_per_epoch)
        .collect();
    steps.dedup();
    steps
}

/// Sends the page a snapshot of the weights `trainer` is at, in its first epoch.
async fn snapshot(trainer: &Trainer) -> Result<(), Text> {
    let bytes = weights::to_bytes_async(&trainer.model()).await?;
    let step = trainer.steps_done();
    post(FromWorker::Snapshot(Snapshot {
        step,
        epoch: step as f64 / trainer.steps_per_epoch() as f64,
        weights: Bytes::copy(&bytes),
    }));
    Ok(())
}

/// A Stop: the weights so far become the current ones.
async fn stop(state: &Shared, plan: &Plan, trainer: &Trainer, done: usize) -> Result<Text, Text> {
    let bytes = weights::to_bytes_async(&trainer.model()).await?;
    let origin = Text::new("origin-stopped").arg("epoch", done + 1);
    adopt_weights(state, bytes, trained(plan, origin, None));
    Ok(Text::new("stopped").arg("epochs", done))
}

/// What weights this run made are, with its history so far.
fn trained(plan: &Plan, origin: Text, test_accuracy: Option<f64>) -> WeightsInfo {
    WeightsInfo {
        history: Some(plan.history.clone()),
        ..info(plan.arch.clone(), origin, test_accuracy)
    }
}

/// Gives `trainer` the learning rate the user asked for since the last step, if any, and keeps
/// the change in the run's history (and for a trainer after a backend switch). `offset`: the
/// epochs before this trainer's.
fn take_rate(
    state: &Shared,
    plan: &mut Plan,
    trainer: &mut Trainer,
    offset: usize,
) -> Result<(), Text> {
    let asked = state
        .borrow_mut()
        .run
        .as_mut()
        .and_then(|c| c.learning_rate.take());
    let Some(learning_rate) = asked else {
        return Ok(());
    };
    trainer.set_learning_rate(learning_rate)?;
    plan.train_config.learning_rate = learning_rate;
    let change = RateChange {
        step: offset * trainer.steps_per_epoch() + trainer.steps_done(),
        learning_rate,
    };
    plan.history.rate_changes.push(change);
    post(FromWorker::RateChanged(change));
    Ok(())
}

/// Sleeps while paused; true when the run should stop.
async fn wait_while_paused(state: &Shared) -> bool {
    loop {
        let control = state.borrow().run.unwrap_or_default();
        if control.stop {
            return true;
        }
        if !control.paused {
            return false;
        }
        sleep(100).await;
    }
}
