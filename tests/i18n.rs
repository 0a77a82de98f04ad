//! The UI's two catalogues (`src/web/i18n/{en,ru}.ftl`) say the same things: every message is
//! in both, with the same arguments, each parses without error, and the code names only
//! messages that exist, and every message is named by the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/i18n");

/// Message id → the variables its value uses.
fn catalogue(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = format!("{DIR}/{lang}.ftl");
    let source = std::fs::read_to_string(&path).unwrap();
    let resource = fluent_syntax::parser::parse(source.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{path} does not parse: {errors:?}"));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        match entry {
            Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                let pattern = m
                    .value
                    .as_ref()
                    .unwrap_or_else(|| panic!("{path}: {} has no value", m.id.name));
                variables(pattern, &mut vars);
                let again = messages.insert(m.id.name.to_string(), vars);
                assert!(again.is_none(), "{path}: {} twice", m.id.name);
            }
            Entry::Junk { content } => panic!("{path}: cannot parse {content:?}"),
            _ => {}
        }
    }
    messages
}

fn variables(pattern: &Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, vars);
        }
    }
}

fn expression_variables(expression: &Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            inline_variables(selector, vars);
            for v in variants {
                variables(&v.value, vars);
            }
        }
        Expression::Inline(inline) => inline_variables(inline, vars),
    }
}

fn inline_variables(inline: &InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_variables(a, vars);
            }
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, vars),
        _ => {}
    }
}

#[test]
fn english_and_russian_have_the_same_messages_and_arguments() {
    let en = catalogue("en");
    let ru = catalogue("ru");
    let only = |a: &BTreeMap<_, _>, b: &BTreeMap<String, _>| {
        a.keys()
            .filter(|k| !b.contains_key(*k))
            .cloned()
            .collect::<Vec<String>>()
    };
    assert_eq!(only(&en, &ru), Vec::<String>::new(), "in en.ftl only");
    assert_eq!(only(&ru, &en), Vec::<String>::new(), "in ru.ftl only");
    for (id, vars) in &en {
        assert_eq!(vars, &ru[id], "the arguments of {id}");
    }
}

#[test]
fn the_code_names_every_message_and_only_those() {
    let en = catalogue("en");
    let mut sources = vec![];
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
        &mut sources,
    );
    // Every string literal of the web front end.
    let used: BTreeSet<&str> = sources
        .iter()
        .flat_map(|s| s.split('"').skip(1).step_by(2))
        .collect();
    let unused: Vec<_> = en.keys().filter(|id| !used.contains(id.as_str())).collect();
    assert!(unused.is_empty(), "messages no code names: {unused:?}");
    // What the page writes through a message id (`tr!`, `said!`, `t`, `Text::new`) must exist.
    let mut missing = vec![];
    for source in &sources {
        for call in ["tr!(\"", "said!(\"", "t(\"", "Text::new(\""] {
            for (at, _) in source.match_indices(call) {
                // `t(` itself, not the end of `get(` or `.expect(`.
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &source[at + call.len()..];
                let id = &rest[..rest.find('"').unwrap()];
                if !en.contains_key(id) {
                    missing.push(id.to_string());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "named by the code, missing in en.ftl: {missing:?}"
    );
}

/// The text of every Rust source under `dir`.
fn collect(dir: &Path, sources: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, sources);
        } else if path.extension().is_some_and(|e| e == "rs") {
            sources.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}
