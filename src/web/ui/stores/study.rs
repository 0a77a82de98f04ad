//! A run's timeline and what the study worker made of it: the snapshots the run kept, each
//! one's map of what the network sees, what it read the map's digits as and its layers'
//! weights and gradients; which moment is shown; where the current drawing lands on the map;
//! and the last "fool it". Snapshots are studied one after the other, each map starting from
//! the one before, so the map moves over the timeline rather than being redrawn.

use leptos::prelude::*;

use crate::embedding::Point;
use crate::explain::fool::Fooled;
use crate::model::ModelConfig;
use crate::web::i18n::Text;
use crate::web::protocol::{
    Bytes, DigitSet, Floats, FromWorker, Snapshot, Studied, StudyAnswer, StudyRequest,
};
use crate::web::ui::services::database::Frame;
use crate::web::ui::services::study;

/// A timeline's weights stay under this (the tutorial's 36 KB per snapshot is far under it; a
/// wide network's are thinned out): it is kept in memory and saved with the run.
pub const MAX_TIMELINE_BYTES: usize = 16 << 20;

/// The map's digits: labels, and 784 grey pixels each.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MapDigits {
    pub labels: Vec<u8>,
    pub pixels: Vec<u8>,
}

/// A drawing changed until the network read it as `target`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fool {
    pub target: u8,
    pub before: Vec<f32>,
    pub fooled: Fooled,
}

#[derive(Clone, Copy)]
pub struct Study {
    /// The network of the timeline's run.
    pub arch: RwSignal<Option<ModelConfig>>,
    pub frames: RwSignal<Vec<Frame>>,
    /// The moment shown; `None`: the newest, and the current weights in the drawing box.
    pub chosen: RwSignal<Option<usize>>,
    pub playing: RwSignal<bool>,
    pub digits: RwSignal<MapDigits>,
    /// A map digit to show in the drawing box (grey pixels), until the box takes it.
    pub to_draw: RwSignal<Option<Vec<u8>>>,
    /// Where the drawing lands on the map of the frame with this id.
    pub drawing: RwSignal<Option<(u32, Point)>>,
    pub fool: RwSignal<Option<Fool>>,
    /// A "fool it" asked and not answered yet.
    pub fooling: RwSignal<bool>,
    pub problem: RwSignal<Option<Text>>,
    /// Whether the timeline was on screen yet: the study worker waits for that, so a run
    /// nobody watches spends no core on maps.
    watched: StoredValue<bool>,
    /// The frame being studied now.
    studying: StoredValue<Option<u32>>,
    next_id: StoredValue<u32>,
}

impl Study {
    pub fn new() -> Self {
        let me = Self {
            arch: RwSignal::new(None),
            frames: RwSignal::new(vec![]),
            chosen: RwSignal::new(None),
            playing: RwSignal::new(false),
            digits: RwSignal::new(MapDigits::default()),
            to_draw: RwSignal::new(None),
            drawing: RwSignal::new(None),
            fool: RwSignal::new(None),
            fooling: RwSignal::new(false),
            problem: RwSignal::new(None),
            watched: StoredValue::new(false),
            studying: StoredValue::new(None),
            next_id: StoredValue::new(0),
        };
        study::answers(move |answer| me.answer(answer));
        me
    }

    /// A new timeline, for a run of `arch` (or a saved run's, with its frames).
    pub fn start(self, arch: ModelConfig, frames: Vec<Frame>) {
        let frames: Vec<Frame> = frames
            .into_iter()
            .map(|f| Frame {
                id: self.new_id(),
                ..f
            })
            .collect();
        self.arch.set(Some(arch));
        self.frames.set(frames);
        self.chosen.set(None);
        self.playing.set(false);
        self.drawing.set(None);
        self.problem.set(None);
        self.studying.set_value(None);
        self.study_next();
    }

    fn new_id(self) -> u32 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        id
    }

    /// What the training worker sends for the timeline: a snapshot of the run, or the map's
    /// digits.
    pub fn receive(self, msg: FromWorker) {
        match msg {
            FromWorker::Snapshot(snapshot) => self.push(snapshot),
            FromWorker::TestDigits(set) => self.set_digits(set.labels, set.pixels.to_vec()),
            _ => {}
        }
    }

    /// The map's digits came from the training worker.
    fn set_digits(self, labels: Vec<u8>, pixels: Vec<u8>) {
        study::ask(StudyRequest::Digits(DigitSet {
            pixels: Bytes::copy(&pixels),
            labels: labels.clone(),
        }));
        self.digits.set(MapDigits { labels, pixels });
        self.study_next();
    }

    /// The run kept a snapshot.
    fn push(self, snapshot: Snapshot) {
        let frame = Frame {
            id: self.new_id(),
            step: snapshot.step,
            epoch: snapshot.epoch,
            weights: snapshot.weights.to_vec(),
            points: vec![],
            settled: false,
            agreement: 0.0,
            predicted: vec![],
            layers: vec![],
        };
        self.frames.update(|f| {
            f.push(frame);
            thin(f);
        });
        self.study_next();
    }

    /// The index of the frame shown.
    pub fn shown(self) -> Option<usize> {
        shown_of(self.frames.with(Vec::len), self.chosen.get())
    }

    /// The network and weights of the moment chosen, when one is (else the drawing box reads
    /// with the current weights).
    pub fn chosen_weights(self) -> Option<(ModelConfig, Vec<u8>)> {
        let i = self.chosen.get()?;
        let arch = self.arch.get()?;
        self.frames
            .with(|f| f.get(i).map(|frame| (arch, frame.weights.clone())))
    }

    /// Shows frame `i` (the newest: follow the run).
    pub fn choose(self, i: usize) {
        let last = self.frames.with_untracked(|f| f.len().saturating_sub(1));
        self.chosen.set((i < last).then_some(i));
        self.drawing.set(None);
    }

    /// The weights of frame `id` or of the frame shown, to send to the study worker.
    fn studied(self, id: Option<u32>) -> Option<(u32, Studied)> {
        let arch = self.arch.get_untracked()?;
        let shown = self.shown_untracked();
        self.frames.with_untracked(|f| {
            let frame = match id {
                Some(id) => f.iter().find(|x| x.id == id)?,
                None => f.get(shown?)?,
            };
            let weights = Bytes::copy(&frame.weights);
            Some((frame.id, Studied { arch, weights }))
        })
    }

    fn shown_untracked(self) -> Option<usize> {
        shown_of(
            self.frames.with_untracked(Vec::len),
            self.chosen.get_untracked(),
        )
    }

    /// Asks the study worker for the first frame without a settled map, if none is studied now
    /// and the digits are here.
    fn study_next(self) {
        if !self.watched.get_value()
            || self.studying.get_value().is_some()
            || self.digits.with_untracked(|d| d.labels.is_empty())
        {
            return;
        }
        let next = self.frames.with_untracked(|f| {
            let i = f.iter().position(|x| !x.settled)?;
            let start = i.checked_sub(1).map(|p| flat(&f[p].points));
            Some((f[i].id, start))
        });
        let Some((id, start)) = next else { return };
        let Some((_, weights)) = self.studied(Some(id)) else {
            return;
        };
        self.studying.set_value(Some(id));
        study::ask(StudyRequest::Snapshot {
            id,
            weights,
            start: start.map(|s| Floats::copy(&s)),
        });
    }

    /// The timeline came on screen: its snapshots are studied from now on.
    pub fn watch(self) {
        self.watched.set_value(true);
        self.study_next();
    }

    /// Places `drawing` (784 pixels, 0..1) on the map shown.
    pub fn place(self, drawing: &[f32]) {
        let Some((id, weights)) = self.studied(None) else {
            return;
        };
        let layout = self.frames.with_untracked(|f| {
            f.iter()
                .find(|x| x.id == id)
                .filter(|x| x.settled)
                .map(|x| flat(&x.points))
        });
        if let Some(layout) = layout {
            study::ask(StudyRequest::Place {
                id,
                weights,
                layout: Floats::copy(&layout),
                drawing: Floats::copy(drawing),
            });
        }
    }

    /// Asks for the smallest change found that makes `weights` read `drawing` as `target`.
    pub fn fool_it(self, weights: Studied, drawing: &[f32], target: u8) {
        self.fool.set(None);
        self.fooling.set(true);
        study::ask(StudyRequest::Fool {
            weights,
            drawing: Floats::copy(drawing),
            target,
        });
    }

    fn answer(self, answer: StudyAnswer) {
        match answer {
            StudyAnswer::Map {
                id,
                points,
                settled,
                agreement,
            } => {
                self.update(id, |f| {
                    f.points = points;
                    f.settled = settled;
                    f.agreement = agreement;
                });
                if settled {
                    self.studying.set_value(None);
                    self.study_next();
                }
            }
            StudyAnswer::Layers {
                id,
                predicted,
                layers,
            } => self.update(id, |f| {
                f.predicted = predicted;
                f.layers = layers;
            }),
            StudyAnswer::Placed { id, point } => self.drawing.set(Some((id, point))),
            StudyAnswer::Fooled {
                target,
                before,
                fooled,
            } => {
                self.fooling.set(false);
                self.fool.set(Some(Fool {
                    target,
                    before,
                    fooled: *fooled,
                }));
            }
            StudyAnswer::Failed { snapshot, message } => {
                self.problem.set(Some(message));
                // Not asked for again, so that the frames after it are.
                if let Some(id) = snapshot {
                    self.update(id, |f| f.settled = true);
                    self.studying.set_value(None);
                    self.study_next();
                }
                self.fooling.set(false);
            }
        }
    }

    fn update(self, id: u32, change: impl FnOnce(&mut Frame)) {
        self.frames.update(|f| {
            if let Some(frame) = f.iter_mut().find(|x| x.id == id) {
                change(frame)
            }
        });
    }
}

/// Of `count` frames, the one shown when `chosen` is (none chosen: the newest).
fn shown_of(count: usize, chosen: Option<usize>) -> Option<usize> {
    let last = count.checked_sub(1)?;
    Some(chosen.map_or(last, |c| c.min(last)))
}

/// Points as a flat list of floats.
fn flat(points: &[Point]) -> Vec<f32> {
    points.iter().flatten().copied().collect()
}

/// Drops every other frame between the first and the last while the weights are over
/// [`MAX_TIMELINE_BYTES`].
fn thin(frames: &mut Vec<Frame>) {
    let bytes = |f: &Vec<Frame>| f.iter().map(|x| x.weights.len()).sum::<usize>();
    while bytes(frames) > MAX_TIMELINE_BYTES && frames.len() > 2 {
        let last = frames.len() - 1;
        let mut i = 0;
        frames.retain(|_| {
            i += 1;
            i == 1 || i - 1 == last || i % 2 == 1
        });
    }
}
