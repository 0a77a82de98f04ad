//! The page's language: chosen from the browser's preferred languages, or by the user with the
//! switch in the header (kept in this browser), and changed without a reload — every text in
//! the view reads it, so a change re-renders them all.

use std::cell::Cell;

use leptos::prelude::*;

use crate::web::i18n::{Lang, Text};

/// Where the user's choice is kept (`localStorage`).
const KEY: &str = "mnist-lab-language";

thread_local! {
    static LANG: Cell<Option<RwSignal<Lang>>> = const { Cell::new(None) };
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The language the page starts in: the user's last choice, else the first of the browser's
/// languages the app speaks, else English.
fn initial() -> Lang {
    let chosen = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|tag| Lang::from_tag(&tag));
    let preferred = || {
        let languages = web_sys::window()?.navigator().languages();
        languages
            .iter()
            .filter_map(|l| l.as_string())
            .find_map(|tag| Lang::from_tag(&tag))
    };
    chosen.or_else(preferred).unwrap_or_default()
}

fn signal() -> RwSignal<Lang> {
    LANG.with(|cell| {
        cell.get().unwrap_or_else(|| {
            let lang = RwSignal::new(initial());
            cell.set(Some(lang));
            lang
        })
    })
}

/// The page's language (tracked: a view that reads it follows a change).
pub fn lang() -> Lang {
    signal().get()
}

/// A message of the catalogue without arguments, in the page's language (tracked).
pub fn t(id: &str) -> String {
    say(&Text::new(id))
}

/// Any text, in the page's language (tracked).
pub fn say(text: &Text) -> String {
    text.render(lang())
}

/// Switches the page to `lang` and remembers the choice; `<html lang>` and the title follow, so
/// screen readers pronounce the new language.
pub fn set_lang(lang: Lang) {
    signal().set(lang);
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, lang.code());
    }
}

/// Keeps the document's language and title in step with the page's language.
pub fn follow_document() {
    Effect::new(move |_| {
        let lang = lang();
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = document.document_element() {
                let _ = root.set_attribute("lang", lang.code());
            }
            document.set_title(&Text::new("page-title").render(lang));
        }
    });
}

/// A message with its arguments, in the page's language now (tracked):
/// `said!("workers", count = n)`.
macro_rules! said {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::web::ui::words::say(
            &$crate::web::i18n::Text::new($id)$(.arg(stringify!($name), $value))*
        )
    };
}
pub(crate) use said;

/// The same as a reactive text for the view: `tr!("start")`, `tr!("workers", count = n)`.
macro_rules! tr {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        move || $crate::web::ui::words::said!($id $(, $name = $value)*)
    };
}
pub(crate) use tr;

/// The path a network's training steps take: our kernels or burn's autodiff.
pub fn path(kernels: bool) -> Text {
    Text::new(if kernels {
        "path-kernels"
    } else {
        "path-autodiff"
    })
}

/// A moment of a run in words: its start, a point within an epoch, or an epoch's end.
pub fn moment_words(step: usize, epoch: f64) -> String {
    match (step, epoch.fract() == 0.0) {
        (0, _) => said!("moment-start"),
        (_, true) => said!("moment-epoch", epoch = epoch),
        (_, false) => said!("moment-within", epoch = epoch, step = step),
    }
}

/// A duration as a clock shows it: `0:07`, `12:34`, `1:02:03`.
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
