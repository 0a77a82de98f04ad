//! The models saved in this browser's database: the list, what is being renamed, the last
//! deletion (which can be undone), and what went wrong. Every finished run's weights are saved
//! by themselves; the oldest such saves beyond a cap go unless starred.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::i18n::{Lang, Text};
use crate::web::protocol::WeightsInfo;
use crate::web::ui::services::database::{self, Frame, Saved};

/// Runs saved by themselves that are kept, the newest; older ones that are not starred go.
pub const MAX_AUTO_SAVED: usize = 20;

#[derive(Clone, Copy)]
pub struct SavedModels {
    pub list: RwSignal<Vec<Saved>>,
    /// The model being renamed, and its new name so far.
    pub renaming: RwSignal<Option<(f64, String)>>,
    /// What went wrong last, said beside the list, where the user looks for the model.
    pub problem: RwSignal<Option<Text>>,
    /// The model deleted last, until it is restored or another goes.
    pub deleted: RwSignal<Option<Saved>>,
    /// Its timeline, restored with it.
    deleted_timeline: StoredValue<Vec<Frame>>,
    /// How many automatic saves the cap deleted last.
    pub pruned: RwSignal<usize>,
    /// The ids of the runs ticked for comparison.
    pub comparing: RwSignal<Vec<f64>>,
}

impl SavedModels {
    pub fn new() -> Self {
        let models = Self {
            list: RwSignal::new(vec![]),
            renaming: RwSignal::new(None),
            problem: RwSignal::new(None),
            deleted: RwSignal::new(None),
            deleted_timeline: StoredValue::new(vec![]),
            pruned: RwSignal::new(0),
            comparing: RwSignal::new(vec![]),
        };
        models.refresh();
        models
    }

    fn report(self, result: Result<(), Text>) {
        self.problem.set(result.err());
    }

    pub fn refresh(self) {
        spawn_local(async move {
            match database::models().await {
                Ok(list) => self.list.set(list),
                Err(e) => self.problem.set(Some(e)),
            }
        })
    }

    /// Stores `model` as the saved model `id`.
    pub fn put(self, model: Saved, id: f64) {
        self.put_with(model, id, vec![]);
    }

    /// Stores `model` as the saved model `id`, with its timeline.
    fn put_with(self, model: Saved, id: f64, timeline: Vec<Frame>) {
        spawn_local(async move {
            if !timeline.is_empty() {
                self.report(database::put_timeline(id, &timeline).await);
            }
            self.report(database::put_model(&model, Some(id)).await.map(drop));
            self.refresh();
        });
    }

    pub fn delete(self, model: Saved) {
        spawn_local(async move {
            let timeline = database::timeline(model.id).await.unwrap_or_default();
            let result = database::delete_model(model.id).await;
            self.deleted_timeline.set_value(timeline);
            if result.is_ok() {
                self.deleted.set(Some(model));
            }
            self.report(result);
            self.refresh();
        })
    }

    /// Brings back the model deleted last.
    pub fn undo(self) {
        if let Some(model) = self.deleted.get_untracked() {
            self.deleted.set(None);
            let id = model.id;
            self.put_with(model, id, self.deleted_timeline.get_value());
        }
    }

    /// Saves `weights` (`auto`: by themselves, after a run; then the oldest such saves beyond
    /// the cap are deleted, and the panel says so), named in the language `lang`, with the
    /// `timeline` of the run that made them (if any).
    pub fn save(
        self,
        (info, bytes): (WeightsInfo, Vec<u8>),
        auto: bool,
        lang: Lang,
        timeline: Vec<Frame>,
    ) {
        let origin = info.origin.render(lang);
        let model = Saved {
            id: 0.0,
            name: format!("{} · {origin} · {}", info.arch.name(), today()),
            arch: info.arch.clone(),
            origin,
            accuracy: info.test_accuracy,
            date: today(),
            bytes,
            history: info.history,
            auto,
            starred: false,
        };
        spawn_local(async move {
            match database::put_model(&model, None).await {
                Ok(id) if !timeline.is_empty() => {
                    let kept = database::put_timeline(id, &timeline).await;
                    self.report(kept.map_err(|why| Text::new("timeline-not-kept").arg("why", why)));
                }
                result => self.report(result.map(drop)),
            }
            if auto {
                match prune().await {
                    Ok(count) => self.pruned.set(count),
                    Err(e) => self.report(Err(e)),
                }
            }
            self.refresh();
        });
    }

    /// Ticks or unticks the run `id` for comparison.
    pub fn compare(self, id: f64, on: bool) {
        self.comparing.update(|c| {
            c.retain(|&x| x != id);
            if on {
                c.push(id)
            }
        });
    }

    /// The runs ticked for comparison.
    pub fn compared(self) -> Vec<Saved> {
        let ids = self.comparing.get();
        self.list
            .with(|s| s.iter().filter(|m| ids.contains(&m.id)).cloned().collect())
    }
}

/// Deletes the automatic saves beyond [`MAX_AUTO_SAVED`] that are not starred, the oldest
/// first; how many went.
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
