//! The saved-models list: save the current weights (automatically after every finished run),
//! and load, rename or delete what was saved — it survives reloads. A save counts once the
//! browser committed it (a full storage is said here); a deletion can be undone. Runs saved
//! with their history can be ticked to compare them.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::protocol::{Bytes, ToWorker, WeightsSource};

use super::client;
use super::compare::Comparison;
use super::services::database::{self, Saved};
use super::state::Ui;
use super::words::{lang, said, say, tr};
use crate::web::i18n::Text;

/// Runs saved by themselves that are kept, the newest; older ones that are not starred go.
const MAX_AUTO_SAVED: usize = 20;

/// Deletes the automatic saves beyond [`MAX_AUTO_SAVED`] that are not starred, the oldest first;
/// how many went.
async fn prune() -> Result<usize, Text> {
    let models = database::models().await?;
    let extra: Vec<f64> = models
        .iter()
        .filter(|m| m.auto && !m.starred)
        .skip(MAX_AUTO_SAVED)
        .map(|m| m.id)
        .collect();
    for &id in &extra {
        database::delete_model(id).await?;
    }
    Ok(extra.len())
}

fn today() -> String {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    iso.get(..16).unwrap_or(&iso).replace('T', " ")
}

#[component]
pub fn ModelsPanel(ui: Ui) -> impl IntoView {
    let saved: RwSignal<Vec<Saved>> = RwSignal::new(vec![]);
    let renaming: RwSignal<Option<(f64, String)>> = RwSignal::new(None);
    // Said here, beside the list, where the user looks for the model.
    let problem: RwSignal<Option<Text>> = RwSignal::new(None);
    let deleted: RwSignal<Option<Saved>> = RwSignal::new(None);
    // How many automatic saves the cap deleted last.
    let pruned = RwSignal::new(0usize);
    // The ids of the runs ticked for comparison.
    let comparing: RwSignal<Vec<f64>> = RwSignal::new(vec![]);
    let compared = Signal::derive(move || {
        let ids = comparing.get();
        saved.with(|s| {
            s.iter()
                .filter(|m| ids.contains(&m.id))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let report = move |r: Result<(), Text>| problem.set(r.err());
    let refresh = move || {
        spawn_local(async move {
            match database::models().await {
                Ok(list) => saved.set(list),
                Err(e) => problem.set(Some(e)),
            }
        })
    };
    let undo = move || {
        let Some(model) = deleted.get_untracked() else {
            return;
        };
        deleted.set(None);
        spawn_local(async move {
            report(database::put_model(&model, Some(model.id)).await);
            refresh();
        });
    };
    // Saves the current weights (`auto`: by itself, after a run; then the oldest such saves
    // beyond the cap are deleted, and the panel says so).
    let save_current = move |auto: bool| {
        let Some((info, bytes)) = ui.weights.get_untracked() else {
            return;
        };
        let accuracy = info.test_accuracy;
        // Named in the language of the moment; the user may rename it.
        let origin = info.origin.render(lang());
        let name = format!("{} · {origin} · {}", info.preset, today());
        let model = Saved {
            id: 0.0,
            name,
            preset: info.preset,
            origin,
            accuracy,
            date: today(),
            bytes,
            history: info.history,
            auto,
            starred: false,
        };
        spawn_local(async move {
            report(database::put_model(&model, None).await);
            if auto {
                match prune().await {
                    Ok(count) => pruned.set(count),
                    Err(e) => report(Err(e)),
                }
            }
            refresh();
        });
    };
    refresh();
    // Every finished run's weights are kept without asking.
    Effect::new(move |previous: Option<u32>| {
        let runs = ui.runs_finished.get();
        if previous.is_some_and(|p| p != runs) {
            save_current(true);
        }
        runs
    });

    view! {
        <div class="models">
            <div class="buttons">
                <button type="button" data-testid="save-model" disabled=move || ui.weights.with(|w| w.is_none())
                    on:click=move |_| save_current(false)>{tr!("save-model")}</button>
            </div>
            <Show when=move || !saved.with(|s| s.is_empty()) fallback=|| view! { <p class="note">{tr!("no-models")}</p> }>
                <ul class="saved" data-testid="saved-models">
                    {move || saved.get().into_iter().map(|m| {
                        let id = m.id;
                        let (preset, date, accuracy) = (m.preset, m.date.clone(), m.accuracy);
                        let meta = move || format!(
                            "{preset} · {date}{}",
                            accuracy.map(|a| format!(" · {}", said!("test-accuracy-value", p = a))).unwrap_or_default()
                        );
                        let editing = move || renaming.with(|r| r.as_ref().is_some_and(|(rid, _)| *rid == id));
                        let (load_model, save_model) = (m.clone(), m.clone());
                        // "Load", "Rename"… named after the model, for a screen reader's list of buttons.
                        let named = |id: &'static str| {
                            let name = m.name.clone();
                            move || say(&Text::new(id).arg("name", name.clone()))
                        };
                        view! {
                            <li data-testid="saved-model">
                                <Show when=editing fallback={
                                    let name = m.name.clone();
                                    move || view! { <span class="name">{name.clone()}</span> }
                                }>
                                    <input aria-label=tr!("new-name") data-testid="rename-input"
                                        prop:value=move || renaming.get().map(|(_, n)| n).unwrap_or_default()
                                        on:input=move |ev| renaming.set(Some((id, event_target_value(&ev)))) />
                                    <button type="button" data-testid="rename-save" on:click={
                                        let model = save_model.clone();
                                        move |_| {
                                            let Some((_, name)) = renaming.get_untracked() else { return };
                                            renaming.set(None);
                                            let model = Saved { name, ..model.clone() };
                                            spawn_local(async move { report(database::put_model(&model, Some(id)).await); refresh(); });
                                        }
                                    }>{tr!("save-name")}</button>
                                </Show>
                                <span class="note">{meta}</span>
                                {m.history.is_some().then(|| view! {
                                    <label class="compare">
                                        <input type="checkbox" data-testid="compare-model" aria-label=named("compare-named")
                                            prop:checked=move || comparing.with(|c| c.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                comparing.update(|c| {
                                                    c.retain(|&x| x != id);
                                                    if on { c.push(id) }
                                                });
                                            } />
                                        " "{tr!("compare")}
                                    </label>
                                })}
                                <span class="row-buttons">
                                    <button type="button" data-testid="star-model" aria-pressed=if m.starred { "true" } else { "false" }
                                        aria-label=named("star-named") title=tr!("star-title") on:click={
                                        let model = m.clone();
                                        move |_| {
                                            let model = Saved { starred: !model.starred, ..model.clone() };
                                            spawn_local(async move { report(database::put_model(&model, Some(id)).await); refresh(); });
                                        }
                                    }>{if m.starred { "★" } else { "☆" }}</button>
                                    <button type="button" data-testid="load-model" aria-label=named("load-named") disabled=move || ui.training() on:click={
                                        let model = load_model.clone();
                                        move |_| client::send(ToWorker::SetWeights(WeightsSource::File { name: model.name.clone(), file: Bytes::copy(&model.bytes) }))
                                    }>{tr!("load")}</button>
                                    <button type="button" data-testid="rename-model" aria-label=named("rename-named") on:click={
                                        let name = m.name.clone();
                                        move |_| renaming.set(Some((id, name.clone())))
                                    }>{tr!("rename")}</button>
                                    <button type="button" class="danger" data-testid="delete-model" aria-label=named("delete-named") on:click={
                                        let model = m.clone();
                                        move |_| {
                                            let model = model.clone();
                                            spawn_local(async move {
                                                let result = database::delete_model(id).await;
                                                if result.is_ok() {
                                                    deleted.set(Some(model));
                                                }
                                                report(result);
                                                refresh();
                                            })
                                        }
                                    }>{tr!("delete")}</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <Show when=move || compared.with(|c| c.len() >= 2)
                fallback=move || saved.with(|s| s.iter().filter(|m| m.history.is_some()).count() >= 2)
                    .then(|| view! { <p class="note">{tr!("compare-hint")}</p> })>
                <Comparison models=compared />
            </Show>
            {move || deleted.get().map(|m| view! {
                <p class="notice" role="status" data-testid="deleted">
                    {tr!("deleted", name = m.name.clone())}" "
                    <button type="button" data-testid="undo-delete" on:click=move |_| undo()>{tr!("undo")}</button>
                </p>
            })}
            <Show when=move || { pruned.get() > 0 }>
                <p class="notice" role="status" data-testid="models-pruned">{tr!("auto-pruned", count = pruned.get(), max = MAX_AUTO_SAVED)}</p>
            </Show>
            {move || problem.get().map(|text| view! {
                <p class="notice error" role="alert" data-testid="models-problem">{move || say(&text)}</p>
            })}
        </div>
    }
}
