//! The saved-models list: save the current weights (automatically after every finished run),
//! and load, rename or delete what was saved — it survives reloads. A save counts once the
//! browser committed it (a full storage is said here); a deletion can be undone. Runs saved
//! with their history can be ticked to compare them.

use leptos::prelude::*;

use crate::web::protocol::{Bytes, ToWorker, WeightsSource};

use crate::web::i18n::Text;
use crate::web::ui::client;
use crate::web::ui::services::database::{self, Saved};
use crate::web::ui::state::Ui;
use crate::web::ui::stores::saved_models::{MAX_AUTO_SAVED, SavedModels};
use crate::web::ui::widgets::compare::Comparison;
use crate::web::ui::words::{lang, said, say, tr};

#[component]
pub fn ModelsPanel(ui: Ui) -> impl IntoView {
    let models = SavedModels::new();
    let save = move |auto: bool| {
        if let Some(weights) = ui.weights.get_untracked() {
            // A run's weights keep its timeline.
            let timeline = match weights.0.history.is_some() {
                true => ui.study.frames.get_untracked(),
                false => vec![],
            };
            // Named in the language of the moment; the user may rename it.
            models.save(weights, auto, lang(), timeline);
        }
    };
    // Every finished run's weights are kept without asking.
    Effect::new(move |previous: Option<u32>| {
        let runs = ui.runs_finished.get();
        if previous.is_some_and(|p| p != runs) {
            save(true);
        }
        runs
    });
    let compared = Signal::derive(move || models.compared());
    let comparable = move || {
        models
            .list
            .with(|s| s.iter().filter(|m| m.history.is_some()).count() >= 2)
    };
    view! {
        <div class="models">
            <div class="buttons">
                <button type="button" data-testid="save-model" disabled=move || ui.weights.with(|w| w.is_none())
                    on:click=move |_| save(false)>{tr!("save-model")}</button>
            </div>
            <Show when=move || !models.list.with(|s| s.is_empty()) fallback=|| view! { <p class="note">{tr!("no-models")}</p> }>
                <ul class="saved" data-testid="saved-models">
                    {move || models.list.get().into_iter().map(|m| view! { <Row model=m models=models ui=ui /> }).collect_view()}
                </ul>
            </Show>
            <Show when=move || compared.with(|c| c.len() >= 2)
                fallback=move || comparable().then(|| view! { <p class="note">{tr!("compare-hint")}</p> })>
                <Comparison models=compared />
            </Show>
            {move || models.deleted.get().map(|m| view! {
                <p class="notice" role="status" data-testid="deleted">
                    {tr!("deleted", name = m.name.clone())}" "
                    <button type="button" data-testid="undo-delete" on:click=move |_| models.undo()>{tr!("undo")}</button>
                </p>
            })}
            <Show when=move || { models.pruned.get() > 0 }>
                <p class="notice" role="status" data-testid="models-pruned">{tr!("auto-pruned", count = models.pruned.get(), max = MAX_AUTO_SAVED)}</p>
            </Show>
            {move || models.problem.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="models-problem">{move || say(&text)}</p>
            })}
        </div>
    }
}

/// One saved model: its name (or the field renaming it), what it is, a box that ticks it for
/// comparison, and its buttons.
#[component]
fn Row(model: Saved, models: SavedModels, ui: Ui) -> impl IntoView {
    let m = model;
    let id = m.id;
    let (network, date, accuracy) = (m.arch.name(), m.date.clone(), m.accuracy);
    let meta = move || {
        format!(
            "{network} · {date}{}",
            accuracy
                .map(|a| format!(" · {}", said!("test-accuracy-value", p = a)))
                .unwrap_or_default()
        )
    };
    let renaming = models.renaming;
    let editing = move || renaming.with(|r| r.as_ref().is_some_and(|(rid, _)| *rid == id));
    let rename = {
        let model = m.clone();
        move |_| {
            let Some((_, name)) = renaming.get_untracked() else {
                return;
            };
            renaming.set(None);
            models.put(
                Saved {
                    name,
                    ..model.clone()
                },
                id,
            );
        }
    };
    let name = m.name.clone();
    let compare_label = named(&m.name, "compare-named");
    view! {
        <li data-testid="saved-model">
            <Show when=editing fallback=move || view! { <span class="name">{name.clone()}</span> }>
                <input aria-label=tr!("new-name") data-testid="rename-input"
                    prop:value=move || renaming.get().map(|(_, n)| n).unwrap_or_default()
                    on:input=move |ev| renaming.set(Some((id, event_target_value(&ev)))) />
                <button type="button" data-testid="rename-save" on:click=rename.clone()>{tr!("save-name")}</button>
            </Show>
            <span class="note">{meta}</span>
            {m.history.is_some().then(move || view! {
                <label class="compare">
                    <input type="checkbox" data-testid="compare-model" aria-label=compare_label
                        prop:checked=move || models.comparing.with(|c| c.contains(&id))
                        on:change=move |ev| models.compare(id, event_target_checked(&ev)) />
                    " "{tr!("compare")}
                </label>
            })}
            <RowButtons model=m models=models ui=ui />
        </li>
    }
}

/// A saved model's star, Load, Rename and Delete.
#[component]
fn RowButtons(model: Saved, models: SavedModels, ui: Ui) -> impl IntoView {
    let m = model;
    let id = m.id;
    let star = {
        let model = m.clone();
        move |_| {
            models.put(
                Saved {
                    starred: !model.starred,
                    ..model.clone()
                },
                id,
            )
        }
    };
    let load = {
        let model = m.clone();
        move |_| {
            client::send(ToWorker::SetWeights(WeightsSource::File {
                name: model.name.clone(),
                file: Bytes::copy(&model.bytes),
            }));
            // Its timeline (none for a model that was not a run's) replaces the last run's.
            let arch = model.arch.clone();
            leptos::task::spawn_local(async move {
                let frames = database::timeline(id).await.unwrap_or_default();
                ui.study.start(arch, frames);
            });
        }
    };
    let rename = {
        let name = m.name.clone();
        move |_| models.renaming.set(Some((id, name.clone())))
    };
    let delete = {
        let model = m.clone();
        move |_| models.delete(model.clone())
    };
    let label = |id| named(&m.name, id);
    let (star_label, load_label) = (label("star-named"), label("load-named"));
    let (rename_label, delete_label) = (label("rename-named"), label("delete-named"));
    let starred = m.starred;
    view! {
        <span class="row-buttons">
            <button type="button" data-testid="star-model" aria-pressed=if starred { "true" } else { "false" }
                aria-label=star_label title=tr!("star-title") on:click=star>{if starred { "★" } else { "☆" }}</button>
            <button type="button" data-testid="load-model" aria-label=load_label disabled=move || ui.run.training()
                on:click=load>{tr!("load")}</button>
            <button type="button" data-testid="rename-model" aria-label=rename_label on:click=rename>{tr!("rename")}</button>
            <button type="button" class="danger" data-testid="delete-model" aria-label=delete_label on:click=delete>{tr!("delete")}</button>
        </span>
    }
}

/// "Load", "Rename"… named after the model, for a screen reader's list of buttons.
fn named(name: &str, id: &'static str) -> impl Fn() -> String + Send + Sync + use<> {
    let name = name.to_string();
    move || say(&Text::new(id).arg("name", name.clone()))
}
