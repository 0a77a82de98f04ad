//! The app's words, in English and Russian (the language of the PyTorch tutorial it rebuilds).
//!
//! Messages live in Fluent files, `i18n/en.ftl` and `i18n/ru.ftl`: a translator edits text, not
//! code, and each message picks its own plural form by CLDR's rules for its language (Russian
//! has one/few/many: 1 цифра, 2 цифры, 5 цифр). Numbers are written by the browser's
//! `Intl.NumberFormat` for the language (60,000 and 98.6% in English; 60 000 and 98,6 % in
//! Russian). Page and worker share this module: the worker's messages travel as [`Text`] (a
//! message id and its arguments), so the page writes them in the language chosen when they are
//! shown, and again when it is changed; only the page links the catalogues and Fluent.
//! `tests/i18n.rs` checks that both files have the same messages with the same arguments, and
//! that every id the code names exists.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The BCP 47 tag, for `<html lang>` and the number formats.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The language's own name, as the switch offers it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
        }
    }

    /// The language of a tag such as `ru-RU` or `en`, if the app speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    #[cfg(feature = "web-page")]
    fn catalogue(self) -> &'static str {
        match self {
            Lang::En => include_str!("i18n/en.ftl"),
            Lang::Ru => include_str!("i18n/ru.ftl"),
        }
    }
}

/// Something to say to the user, in no language yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Text {
    /// A message of the catalogues, with its arguments.
    Msg {
        id: String,
        args: Vec<(String, Arg)>,
    },
    /// Words from elsewhere, shown as they are: a file's name, or what the browser or a parser
    /// said about a broken file (in English).
    Raw(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Arg {
    Str(String),
    /// Written for the language, and the number plural forms are chosen by.
    Num(f64),
    Text(Text),
}

impl Text {
    pub fn new(id: &str) -> Self {
        Text::Msg {
            id: id.to_string(),
            args: vec![],
        }
    }

    /// This message with one more argument.
    pub fn arg(mut self, name: &str, value: impl Into<Arg>) -> Self {
        if let Text::Msg { args, .. } = &mut self {
            args.push((name.to_string(), value.into()));
        }
        self
    }
}

impl From<String> for Text {
    fn from(words: String) -> Self {
        Text::Raw(words)
    }
}

impl From<&str> for Text {
    fn from(words: &str) -> Self {
        Text::Raw(words.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_string())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(t)
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
    )*};
}
numbers!(f64, f32, usize, u64, u32, u8, i32);

/// Writing a text in a language: the page's business (the worker only sends them).
#[cfg(feature = "web-page")]
mod render {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use fluent_bundle::types::FluentNumberStyle;
    use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
    use wasm_bindgen::prelude::*;

    use super::{Arg, Lang, Text};

    impl Text {
        /// The words in `lang`. A message missing from the catalogue shows its id (the tests keep
        /// that from happening).
        pub fn render(&self, lang: Lang) -> String {
            let (id, args) = match self {
                Text::Raw(words) => return words.clone(),
                Text::Msg { id, args } => (id, args),
            };
            let mut fluent_args = FluentArgs::new();
            for (name, value) in args {
                let value = match value {
                    Arg::Str(s) => FluentValue::from(s.clone()),
                    Arg::Num(n) => FluentValue::from(*n),
                    Arg::Text(t) => FluentValue::from(t.render(lang)),
                };
                fluent_args.set(name.clone(), value);
            }
            BUNDLES.with(|bundles| {
                let bundle = &bundles[lang as usize];
                let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                    return id.clone();
                };
                let mut errors = vec![];
                bundle
                    .format_pattern(pattern, Some(&fluent_args), &mut errors)
                    .into_owned()
            })
        }
    }

    thread_local! {
        static BUNDLES: [FluentBundle<FluentResource>; 2] = Lang::ALL.map(bundle);
    }

    fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
        let resource = FluentResource::try_new(lang.catalogue().to_string())
            .unwrap_or_else(|(resource, _)| resource);
        let tag = lang.code().parse().expect("a valid language tag");
        let mut bundle = FluentBundle::new(vec![tag]);
        // No Unicode isolation marks around arguments: the page is one direction only, and the
        // marks would travel into copied text and screen readers.
        bundle.set_use_isolating(false);
        bundle.set_formatter(Some(match lang {
            Lang::En => |v, _| number("en", v),
            Lang::Ru => |v, _| number("ru", v),
        }));
        let _ = bundle.add_builtins();
        let _ = bundle.add_resource(resource);
        bundle
    }

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Intl)]
        type NumberFormat;
        #[wasm_bindgen(constructor, js_namespace = Intl)]
        fn new(locale: &str, options: &JsValue) -> NumberFormat;
        #[wasm_bindgen(method)]
        fn format(this: &NumberFormat, value: f64) -> String;
    }

    thread_local! {
        /// One formatter per language and options: making an `Intl.NumberFormat` costs far more
        /// than using one, and the page formats numbers on every reading and progress report.
        static FORMATS: RefCell<HashMap<String, NumberFormat>> = RefCell::new(HashMap::new());
    }

    /// A number as `locale` writes it, with the options the message gave `NUMBER()`.
    fn number(locale: &str, value: &FluentValue) -> Option<String> {
        let FluentValue::Number(n) = value else {
            return None;
        };
        let o = &n.options;
        let percent = o.style == FluentNumberStyle::Percent;
        let (min, max) = (o.minimum_fraction_digits, o.maximum_fraction_digits);
        let key = format!("{locale} {min:?} {max:?} {percent} {}", o.use_grouping);
        FORMATS.with(|formats| {
            let mut formats = formats.borrow_mut();
            let format = formats.entry(key).or_insert_with(|| {
                let options = js_sys::Object::new();
                let set = |key: &str, value: JsValue| {
                    let _ = js_sys::Reflect::set(&options, &key.into(), &value);
                };
                if let Some(digits) = min {
                    set("minimumFractionDigits", (digits as f64).into());
                }
                if let Some(digits) = max {
                    set("maximumFractionDigits", (digits as f64).into());
                }
                if percent {
                    set("style", "percent".into());
                }
                set("useGrouping", o.use_grouping.into());
                NumberFormat::new(locale, &options)
            });
            Some(format.format(n.value))
        })
    }
}
