//! The training form: settings with inline validation, the network (a preset or one's own:
//! [`NetworkEditor`]), and Start / Pause / Resume / Stop. Every setting can be preset from the
//! URL (`?epochs=1&train=3000&backend=cpu&arch=c8bp+c16p`), which is how a short demo or test
//! run is shared.

use leptos::prelude::*;

use crate::model::Preset;
use crate::web::protocol::{BackendChoice, Init, RunSettings, RunState, ToWorker, WeightsSource};
use crate::web::ui::panels::network::{Design, NetworkEditor};
use crate::web::ui::panels::pytorch::PytorchView;
use crate::web::ui::panels::share::ShareLink;
use crate::web::ui::services::address;

use crate::web::i18n::Text;
use crate::web::js::cores;
use crate::web::ui::client;
use crate::web::ui::state::{DataStatus, Ui};
use crate::web::ui::words::{say, t, tr};

/// The form's fields as typed text, validated into [`RunSettings`].
#[derive(Clone, Copy)]
struct Form {
    epochs: RwSignal<String>,
    batch: RwSignal<String>,
    lr: RwSignal<String>,
    seed: RwSignal<String>,
    train_images: RwSignal<String>,
    test_images: RwSignal<String>,
    augment: RwSignal<bool>,
    network: Design,
    backend: RwSignal<String>,
    init: RwSignal<String>,
    threads: RwSignal<String>,
    /// Mix My digits into the training set (some held out to measure).
    mine: RwSignal<bool>,
    /// `autodiff=1` in the address (no control): see [`RunSettings::autodiff`].
    autodiff: bool,
}

/// The form's settings the address gives (a share link's fragment, or the query).
fn url_params() -> Vec<(String, String)> {
    const KEYS: [&str; 13] = [
        "epochs", "batch", "lr", "seed", "train", "test", "augment", "preset", "arch", "backend",
        "init", "threads", "mine",
    ];
    let mut params = address::settings();
    params.retain(|(k, _)| KEYS.contains(&k.as_str()) || k == "autodiff");
    params
}

impl Form {
    fn new() -> Self {
        let params = url_params();
        let on = |key: &str| {
            params
                .iter()
                .any(|(k, v)| k == key && (v == "1" || v == "true"))
        };
        let flag = |key: &str| RwSignal::new(on(key));
        let get = |key: &str, default: &str| {
            RwSignal::new(
                params
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(default.to_string(), |(_, v)| v.clone()),
            )
        };
        Self {
            epochs: get("epochs", "10"),
            batch: get("batch", "60"),
            lr: get("lr", "0.001"),
            seed: get("seed", "0"),
            train_images: get("train", "60000"),
            test_images: get("test", "10000"),
            augment: flag("augment"),
            mine: flag("mine"),
            autodiff: on("autodiff"),
            // `arch` (the text form) or `preset` (a name).
            network: Design::new(
                &get("arch", &get("preset", "tutorial").get_untracked()).get_untracked(),
            ),
            backend: get("backend", "auto"),
            init: get("init", "random"),
            // Every core the browser reports, by default.
            threads: get(
                "threads",
                &cores().clamp(THREADS.min, THREADS.max).to_string(),
            ),
        }
    }

    /// The network, if it can train with the form's batch size.
    fn arch(&self) -> Result<crate::model::ModelConfig, ()> {
        let batch = BATCH.parse(&self.batch.get()).map_err(drop)?;
        match self.network.problem(batch) {
            None => Ok(self.network.arch.get()),
            Some(_) => Err(()),
        }
    }

    fn settings(&self) -> Result<RunSettings, ()> {
        Ok(RunSettings {
            epochs: EPOCHS.parse(&self.epochs.get()).map_err(drop)?,
            batch_size: BATCH.parse(&self.batch.get()).map_err(drop)?,
            learning_rate: rate(&self.lr.get()).map_err(drop)?,
            seed: seed(&self.seed.get()).map_err(drop)?,
            train_images: TRAIN_IMAGES.parse(&self.train_images.get()).map_err(drop)?,
            test_images: TEST_IMAGES.parse(&self.test_images.get()).map_err(drop)?,
            augment: self.augment.get(),
            arch: self.arch()?,
            backend: self.backend.get().parse().unwrap_or(BackendChoice::Auto),
            init: if self.init.get() == "current" {
                Init::Current
            } else {
                Init::Random
            },
            threads: THREADS.parse(&self.threads.get()).map_err(drop)?,
            autodiff: self.autodiff,
        })
    }
}

/// The whole numbers a field accepts; the form's checks and its settings both use these.
struct Limits {
    min: usize,
    max: usize,
}

const EPOCHS: Limits = Limits { min: 1, max: 100 };
const BATCH: Limits = Limits { min: 1, max: 1024 };
const TRAIN_IMAGES: Limits = Limits {
    min: 1,
    max: 60_000,
};
const TEST_IMAGES: Limits = Limits {
    min: 1,
    max: 10_000,
};
const THREADS: Limits = Limits { min: 1, max: 16 };

impl Limits {
    fn parse(&self, text: &str) -> Result<usize, Text> {
        match text.trim().parse::<usize>() {
            Ok(n) if (self.min..=self.max).contains(&n) => Ok(n),
            _ => Err(Text::new("whole-number-range")
                .arg("min", self.min)
                .arg("max", self.max)),
        }
    }
}

fn rate(text: &str) -> Result<f64, Text> {
    // A decimal comma too, as Russian (and most of Europe) writes 0,001.
    match text.trim().replace(',', ".").parse::<f64>() {
        Ok(r) if r > 0.0 && r <= 1.0 => Ok(r),
        _ => Err(Text::new("rate-range")),
    }
}

fn seed(text: &str) -> Result<u64, Text> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| Text::new("whole-number"))
}

/// A labelled text input with its inline error; `label` is the catalogue's message.
#[component]
fn Field(
    label: &'static str,
    #[prop(into)] id: String,
    value: RwSignal<String>,
    check: fn(&str) -> Result<(), Text>,
    #[prop(optional, into)] mode: String,
) -> impl IntoView {
    let error = move || check(&value.get()).err().map(|e| say(&e));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id.clone()>{move || t(label)}</label>
            <input
                id=id.clone()
                data-testid=id.clone()
                inputmode=mode
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <span class="error" id=error_id role="alert">{error}</span>
        </div>
    }
}

#[component]
pub fn Controls(ui: Ui) -> impl IntoView {
    let form = Form::new();
    let webgpu_note = move || match ui.webgpu.get() {
        Some(false) => t("no-webgpu"),
        _ => String::new(),
    };
    view! {
        <form class="controls" on:submit=|ev| ev.prevent_default()>
            <div class="fields">
                <Field label="epochs" id="epochs" value=form.epochs mode="numeric" check=|t| EPOCHS.parse(t).map(drop) />
                <Field label="batch-size" id="batch" value=form.batch mode="numeric" check=|t| BATCH.parse(t).map(drop) />
                <Field label="learning-rate" id="lr" value=form.lr mode="decimal" check=|t| rate(t).map(drop) />
                <Field label="seed" id="seed" value=form.seed mode="numeric" check=|t| seed(t).map(drop) />
                <Field label="training-images" id="train-images" value=form.train_images mode="numeric" check=|t| TRAIN_IMAGES.parse(t).map(drop) />
                <Field label="test-images" id="test-images" value=form.test_images mode="numeric" check=|t| TEST_IMAGES.parse(t).map(drop) />
                <Field label="cpu-workers" id="threads" value=form.threads mode="numeric" check=|t| THREADS.parse(t).map(drop) />
                <Choices form=form ui=ui />
            </div>
            <details id=EDITOR class="network-details" open=form.network.arch.with_untracked(|a| Preset::of(a).is_none())>
                <summary>{tr!("network-design")}</summary>
                <NetworkEditor design=form.network batch=Signal::derive(move || BATCH.parse(&form.batch.get()).unwrap_or(60))
                    backend=Signal::derive(move || form.backend.get().parse().unwrap_or(BackendChoice::Auto)) ui=ui />
            </details>
            <PytorchView settings=Signal::derive(move || form.settings().ok().map(|s| (s.arch.clone(), s.train_config()))) />
            <ShareLink settings=Signal::derive(move || form.settings().ok()) ui=ui />
            <p class="note">{webgpu_note}</p>
            <RunButtons form=form ui=ui />
        </form>
    }
}

/// The menu's value for a network that is no preset.
const CUSTOM: &str = "custom";
/// The id of the editor's `<details>`.
const EDITOR: &str = "network-details";

/// Opens the network editor ("your own network" chosen in the menu).
fn open_editor() {
    if let Some(editor) = document().get_element_by_id(EDITOR) {
        let _ = editor.set_attribute("open", "");
    }
}

/// The model, the backend, the starting weights, augmentation and My digits.
#[component]
fn Choices(form: Form, ui: Ui) -> impl IntoView {
    let has_mine = move || ui.my.digits.with(|d| !d.is_empty());
    let network = form.network;
    // The menu shows the preset the network is, or "your own".
    let chosen = move || network.arch.with(Preset::of).map_or(CUSTOM, Preset::name);
    let choose = move |ev| match event_target_value(&ev).parse::<Preset>() {
        Ok(preset) => network.set(preset.config()),
        Err(_) => open_editor(),
    };
    view! {
        <div class="field">
            <label for="preset">{tr!("model")}</label>
            <select id="preset" data-testid="preset" prop:value=chosen on:change=choose>
                {Preset::ALL
                    .into_iter()
                    .map(|preset| {
                        let params = preset.config().num_params();
                        view! { <option value=preset.name()>{tr!("preset-option", preset = preset.name(), params = params)}</option> }
                    })
                    .collect_view()}
                <option value=CUSTOM>{tr!("model-custom")}</option>
            </select>
        </div>
        <div class="field">
            <label for="backend">{tr!("backend")}</label>
            <select id="backend" data-testid="backend" prop:value=move || form.backend.get() on:change=move |ev| form.backend.set(event_target_value(&ev))>
                {BackendChoice::ALL
                    .into_iter()
                    .map(|choice| view! { <option value=choice.name()>{move || t(choice.label())}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="init">{tr!("start-from")}</label>
            <select id="init" data-testid="init" prop:value=move || form.init.get() on:change=move |ev| form.init.set(event_target_value(&ev))>
                <option value="random">{tr!("random-weights")}</option>
                <option value="current">{tr!("current-weights")}</option>
            </select>
        </div>
        <div class="field check">
            <input type="checkbox" id="augment" data-testid="augment" prop:checked=move || form.augment.get() on:change=move |ev| form.augment.set(event_target_checked(&ev)) />
            <label for="augment">{tr!("augment")}</label>
        </div>
        <div class="field check">
            <input type="checkbox" id="mine" data-testid="mine" disabled=move || !has_mine()
                prop:checked=move || form.mine.get() && has_mine() on:change=move |ev| form.mine.set(event_target_checked(&ev)) />
            <label for="mine">{tr!("mix-mine", count = ui.my.digits.with(Vec::len))}</label>
        </div>
    }
}

/// A new learning rate for the run going on, from its next step (marked on the loss chart and
/// kept in the run's history).
#[component]
fn RateNow(lr: RwSignal<String>) -> impl IntoView {
    let now = RwSignal::new(lr.get_untracked());
    let error = move || rate(&now.get()).err().map(|e| say(&e));
    let apply = move |_| {
        if let Ok(learning_rate) = rate(&now.get_untracked()) {
            client::send(ToWorker::SetLearningRate { learning_rate });
        }
    };
    view! {
        <span class="rate-now" class:invalid=move || error().is_some()>
            <label for="rate-now">{tr!("rate-now")}</label>
            <input id="rate-now" data-testid="rate-now" inputmode="decimal" prop:value=move || now.get()
                on:input=move |ev| now.set(event_target_value(&ev))
                aria-invalid=move || error().is_some().to_string() aria-describedby="rate-now-error" />
            <button type="button" data-testid="apply-rate" on:click=apply disabled=move || error().is_some()>{tr!("apply-rate")}</button>
            <span class="error" id="rate-now-error" role="alert">{error}</span>
        </span>
    }
}

/// Start (or Pause, Resume and Stop during a run), and the two ways back to known weights.
#[component]
fn RunButtons(form: Form, ui: Ui) -> impl IntoView {
    let valid = move || form.settings().is_ok();
    let has_mine = move || ui.my.digits.with(|d| !d.is_empty());
    let data_ready = move || matches!(ui.data.get(), DataStatus::Ready { .. });
    let start = move |_| {
        if let Ok(settings) = form.settings() {
            ui.reset_run(&settings);
            let mine = (form.mine.get_untracked() && has_mine()).then(|| ui.my.as_set());
            if mine.is_some() {
                ui.fine_tune.set(None);
            }
            // The page's module trains on the CPU; a run that may use WebGPU waits for the GPU module.
            let waiting = move || ui.data.set(DataStatus::Waiting);
            client::start_run(
                settings.backend,
                ToWorker::Start { settings, mine },
                waiting,
            );
        }
    };
    view! {
        <div class="buttons">
            <Show
                when=move || ui.run.training()
                fallback=move || view! {
                    <button type="button" class="primary" data-testid="start" on:click=start disabled=move || !(valid() && data_ready())>
                        {tr!("start")}
                    </button>
                }
            >
                <Show
                    when=move || ui.run.state.get() == RunState::Paused
                    fallback=|| view! { <button type="button" data-testid="pause" on:click=|_| client::send(ToWorker::Pause)>{tr!("pause")}</button> }
                >
                    <button type="button" data-testid="resume" on:click=|_| client::send(ToWorker::Resume)>{tr!("resume")}</button>
                </Show>
                <button type="button" class="danger" data-testid="stop" on:click=|_| client::send(ToWorker::Stop)>{tr!("stop")}</button>
                <RateNow lr=form.lr />
            </Show>
            <button type="button" data-testid="reset-pretrained" disabled=move || ui.run.training()
                on:click=|_| client::send(ToWorker::SetWeights(WeightsSource::Pretrained))>
                {tr!("reset-pretrained")}
            </button>
            <button type="button" data-testid="reset-random" disabled=move || ui.run.training() || form.arch().is_err()
                on:click=move |_| {
                    let seed = seed(&form.seed.get()).unwrap_or(0);
                    if let Ok(arch) = form.arch() {
                        client::send(ToWorker::SetWeights(WeightsSource::Random { arch, seed }))
                    }
                }>
                {tr!("reset-random")}
            </button>
        </div>
    }
}
