//! The model the drawing box reads with — the current weights, or a moment of the timeline's —
//! kept on the CPU for the panels that compute with it (the reading, its "why", the arithmetic of
//! a feature map's pixel).

use std::cell::RefCell;

use crate::model::Model;

thread_local! {
    static MODEL: RefCell<Option<Model>> = const { RefCell::new(None) };
}

/// The model shown now, if any.
pub fn shown_model() -> Option<Model> {
    MODEL.with(|m| m.borrow().clone())
}

pub fn show(model: Model) {
    MODEL.with(|m| *m.borrow_mut() = Some(model));
}
