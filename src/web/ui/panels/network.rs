//! The network editor: convolution blocks and hidden layers as rows of fields, the same network
//! in its text form (`c8p c16p`, which `mnist-lab --arch` reads), what it costs, and which path
//! trains it. Shapes are checked as the user edits; a refused network says why and cannot start.

use leptos::prelude::*;

use crate::model::{
    ConvBlock, Hidden, MAX_BLOCKS, MAX_CHANNELS, MAX_HIDDEN, MAX_WIDTH, MIN_WIDTH, ModelConfig,
};
use crate::train::Kernels;
use crate::web::i18n::Text;
use crate::web::protocol::{BackendChoice, ToWorker};
use crate::web::ui::client;
use crate::web::ui::state::{DataStatus, Ui};
use crate::web::ui::words::{path, say, tr};

/// The network being designed: its rows (possibly outside the limits while being typed) and its
/// text form as typed.
#[derive(Clone, Copy)]
pub struct Design {
    pub arch: RwSignal<ModelConfig>,
    pub text: RwSignal<String>,
}

impl Design {
    /// A design that starts as `text` (a preset's name or the text form; the tutorial's rows
    /// where it is not even layers).
    pub fn new(text: &str) -> Self {
        let parsed = ModelConfig::parse_layers(text);
        // Text that is not layers stays as typed, so that its error shows.
        let shown = parsed
            .as_ref()
            .map_or(text.to_string(), ToString::to_string);
        Self {
            arch: RwSignal::new(parsed.unwrap_or_default()),
            text: RwSignal::new(shown),
        }
    }

    /// Changes the rows, and writes the text form of the result.
    fn edit(self, change: impl FnOnce(&mut ModelConfig)) {
        self.arch.update(change);
        self.text.set(self.arch.get_untracked().to_string());
    }

    /// Sets the whole network (a preset chosen).
    pub fn set(self, arch: ModelConfig) {
        self.text.set(arch.to_string());
        self.arch.set(arch);
    }

    /// Why the network cannot train with batches of `batch`, if it cannot.
    pub fn problem(self, batch: usize) -> Option<Text> {
        let typed = ModelConfig::parse_layers(&self.text.get());
        let checked = typed.and_then(|arch| {
            arch.check()?;
            arch.check_batch(batch)
        });
        checked.err().map(Text::from)
    }
}

/// A number typed into a field (a decimal comma too); `None` while it is not one (an emptied
/// field keeps the network as it was until a number is typed).
fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().replace(',', ".").parse().ok()
}

/// `backend`: the form's choice, which "Time a few steps" times on.
#[component]
pub fn NetworkEditor(
    design: Design,
    batch: Signal<usize>,
    backend: Signal<BackendChoice>,
    ui: Ui,
) -> impl IntoView {
    let problem = move || design.problem(batch.get());
    view! {
        <div class="network" data-testid="network-editor">
            <Blocks design=design />
            <HiddenLayers design=design />
            <div class="field" class:invalid=move || problem().is_some()>
                <label for="arch-text">{tr!("network-text")}</label>
                <input id="arch-text" data-testid="arch-text" spellcheck="false" autocomplete="off"
                    prop:value=move || design.text.get()
                    aria-invalid=move || problem().is_some().to_string()
                    aria-describedby="arch-error"
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        if let Ok(arch) = ModelConfig::parse_layers(&text) {
                            design.arch.set(arch);
                        }
                        design.text.set(text);
                    } />
                <span class="error" id="arch-error" data-testid="arch-error" role="alert">{move || problem().map(|p| say(&p))}</span>
            </div>
            <Figures design=design batch=batch />
            <Timing design=design batch=batch backend=backend ui=ui />
        </div>
    }
}

/// The convolution blocks, a row each.
#[component]
fn Blocks(design: Design) -> impl IntoView {
    // A memo: the rows are made again only when their number changes (not on every edit,
    // which would take the focus from the field being typed in).
    let count = Memo::new(move |_| design.arch.with(|a| a.blocks.len()));
    let add = move |_| {
        design.edit(|a| {
            let channels = a
                .blocks
                .last()
                .map_or(8, |b| (b.channels * 2).min(MAX_CHANNELS));
            a.blocks.push(ConvBlock {
                channels,
                kernel: 3,
                batch_norm: false,
                pool: false,
            });
        })
    };
    view! {
        <h4>{tr!("network-blocks")}</h4>
        <ol class="layers" data-testid="blocks">
            {move || (0..count.get()).map(|i| view! { <BlockRow design=design i=i /> }).collect_view()}
        </ol>
        <button type="button" data-testid="add-block" on:click=add disabled={move || count.get() >= MAX_BLOCKS}>{tr!("add-block")}</button>
    }
}

#[component]
fn BlockRow(design: Design, i: usize) -> impl IntoView {
    let block = move || design.arch.with(|a| a.blocks.get(i).copied());
    let set = move |change: &dyn Fn(&mut ConvBlock)| {
        design.edit(|a| {
            if let Some(b) = a.blocks.get_mut(i) {
                change(b)
            }
        })
    };
    let n = i + 1;
    view! {
        <li class="layer">
            <span class="layer-name">{tr!("network-block", n = n)}</span>
            <label>{tr!("channels")}
                <input type="number" min="1" max=MAX_CHANNELS data-testid=format!("block{n}-channels")
                    prop:value=move || block().map_or(0, |b| b.channels)
                    on:input=move |ev| if let Some(n) = number(&event_target_value(&ev)) { set(&|b| b.channels = n) } />
            </label>
            <label>{tr!("kernel")}
                <select data-testid=format!("block{n}-kernel") prop:value=move || block().map_or(3, |b| b.kernel).to_string()
                    on:change=move |ev| set(&|b| b.kernel = number(&event_target_value(&ev)).unwrap_or(3))>
                    <option value="3">"3×3"</option>
                    <option value="5">"5×5"</option>
                </select>
            </label>
            <label class="check">
                <input type="checkbox" data-testid=format!("block{n}-bn") prop:checked=move || block().is_some_and(|b| b.batch_norm)
                    on:change=move |ev| set(&|b| b.batch_norm = event_target_checked(&ev)) />
                {tr!("batch-norm")}
            </label>
            <label class="check">
                <input type="checkbox" data-testid=format!("block{n}-pool") prop:checked=move || block().is_some_and(|b| b.pool)
                    on:change=move |ev| set(&|b| b.pool = event_target_checked(&ev)) />
                {tr!("pool")}
            </label>
            <button type="button" data-testid=format!("block{n}-remove") aria-label=move || said_remove("remove-block", n)
                disabled={move || design.arch.with(|a| a.blocks.len() <= 1)}
                on:click=move |_| design.edit(|a| { a.blocks.remove(i); })>{tr!("remove")}</button>
        </li>
    }
}

/// The hidden fully connected layers, a row each.
#[component]
fn HiddenLayers(design: Design) -> impl IntoView {
    let count = Memo::new(move |_| design.arch.with(|a| a.hidden.len()));
    let add = move |_| {
        design.edit(|a| {
            a.hidden.push(Hidden {
                width: 128,
                dropout: 0.0,
            })
        })
    };
    view! {
        <h4>{tr!("network-hidden")}</h4>
        <ol class="layers" data-testid="hidden-layers">
            {move || (0..count.get()).map(|i| view! { <HiddenRow design=design i=i /> }).collect_view()}
        </ol>
        <button type="button" data-testid="add-hidden" on:click=add disabled={move || count.get() >= MAX_HIDDEN}>{tr!("add-hidden")}</button>
    }
}

#[component]
fn HiddenRow(design: Design, i: usize) -> impl IntoView {
    let layer = move || design.arch.with(|a| a.hidden.get(i).copied());
    let set = move |change: &dyn Fn(&mut Hidden)| {
        design.edit(|a| {
            if let Some(h) = a.hidden.get_mut(i) {
                change(h)
            }
        })
    };
    let n = i + 1;
    view! {
        <li class="layer">
            <span class="layer-name">{tr!("network-hidden-layer", n = n)}</span>
            <label>{tr!("width")}
                <input type="number" min=MIN_WIDTH max=MAX_WIDTH data-testid=format!("hidden{n}-width")
                    prop:value=move || layer().map_or(0, |h| h.width)
                    on:input=move |ev| if let Some(n) = number(&event_target_value(&ev)) { set(&|h| h.width = n) } />
            </label>
            <label>{tr!("dropout")}
                <input inputmode="decimal" data-testid=format!("hidden{n}-dropout")
                    prop:value=move || layer().map_or(0.0, |h| h.dropout).to_string()
                    on:change=move |ev| set(&|h| h.dropout = number(&event_target_value(&ev)).unwrap_or(f64::NAN)) />
            </label>
            <button type="button" data-testid=format!("hidden{n}-remove") aria-label=move || said_remove("remove-hidden", n)
                on:click=move |_| design.edit(|a| { a.hidden.remove(i); })>{tr!("remove")}</button>
        </li>
    }
}

fn said_remove(id: &'static str, n: usize) -> String {
    say(&Text::new(id).arg("n", n))
}

/// What the network costs and which path trains it.
#[component]
fn Figures(design: Design, batch: Signal<usize>) -> impl IntoView {
    view! {
        <p class="figures" data-testid="network-figures" aria-live="polite">
            {move || {
                let arch = design.arch.get();
                let f = arch.figures(batch.get());
                let kernels = Kernels::for_network(&arch);
                say(&Text::new("network-figures")
                    .arg("params", f.params)
                    .arg("madds", f.mult_adds as f64)
                    .arg("mb", (f.batch_bytes as f64 / 1e6).ceil())
                    .arg("batch", batch.get())
                    .arg("cpu", path(kernels.cpu))
                    .arg("gpu", path(kernels.gpu)))
            }}
        </p>
    }
}

/// A few training steps of the network timed on the chosen backend, in the worker, on MNIST.
#[component]
fn Timing(
    design: Design,
    batch: Signal<usize>,
    backend: Signal<BackendChoice>,
    ui: Ui,
) -> impl IntoView {
    let can = move || {
        matches!(ui.data.get(), DataStatus::Ready { .. })
            && !ui.run.training()
            && design.problem(batch.get()).is_none()
    };
    let time = move |_| {
        ui.timed.set(None);
        let backend = backend.get_untracked();
        let request = ToWorker::TimeSteps {
            arch: design.arch.get_untracked(),
            batch_size: batch.get_untracked(),
            backend,
        };
        // On the module the backend needs (the GPU module for WebGPU), as a run is.
        client::start_run(backend, request, move || ui.data.set(DataStatus::Waiting));
    };
    // What was timed, while it is still the network shown.
    let result = move || {
        let (arch, timed) = ui.timed.get()?;
        (arch == design.arch.get()).then(|| match timed {
            Ok(t) => Text::new("steps-timed")
                .arg("ms", t.ms.round())
                .arg("batch", batch.get())
                .arg("hardware", t.hardware)
                .arg("path", path(t.kernels)),
            Err(why) => why,
        })
    };
    view! {
        <p class="timing">
            <button type="button" data-testid="time-steps" on:click=time disabled=move || !can()>{tr!("time-steps")}</button>
            " "<span data-testid="steps-timed" role="status">{move || result().map(|t| say(&t))}</span>
        </p>
    }
}
