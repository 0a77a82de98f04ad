//! Layers point one way: no two files of `src/` use each other, directly or through others,
//! and the core (all but `bin/` and `web/`) uses nothing of the front ends. Read from the files'
//! `use` lines and `crate::…`/`super::…` paths, each resolved to the file that defines its module
//! (a file and its own submodules, like `mod.rs` and what it declares, do not count).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `web/ui/state.rs` → `["web", "ui", "state"]`; `web/mod.rs` → `["web"]`; `lib.rs` → `[]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The paths a `use` tree names: `a::{b, c::{d as e}}` → `a::b`, `a::c::d`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or("");
        return vec![
            path.split("::")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ];
    };
    let head: Vec<String> = tree[..open]
        .split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    // Split at the commas outside nested braces.
    let (mut parts, mut depth, mut start) = (vec![], 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|tail| head.iter().cloned().chain(tail).collect())
        .collect()
}

/// A file's text without `//` comments (doc comments name modules in prose).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module paths `text` names: its `use` trees, and `crate::a::b::` or `super::a::` inline.
fn paths(text: &str) -> Vec<Vec<String>> {
    let body = code(text);
    let mut found = vec![];
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for (i, _) in body.match_indices("use ") {
        if body[..i].chars().last().is_some_and(word) {
            continue;
        }
        let statement = &body[i + 4..];
        let end = statement.find(';').unwrap_or(statement.len());
        found.extend(expand(&statement[..end]));
    }
    for root in ["crate::", "super::"] {
        for (i, _) in body.match_indices(root) {
            if body[..i].chars().last().is_some_and(word) {
                continue;
            }
            let mut path = vec![root.trim_end_matches("::").to_string()];
            let mut rest = &body[i + root.len()..];
            while let Some(end) = rest.find("::") {
                let segment = &rest[..end];
                if segment.is_empty()
                    || !segment
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    break;
                }
                path.push(segment.to_string());
                rest = &rest[end + 2..];
            }
            found.push(path);
        }
    }
    found.retain(|p| {
        matches!(
            p.first().map(String::as_str),
            Some("crate" | "super" | "self")
        )
    });
    found
}

/// Which files each file uses (files of `bin/` left out: they are programs, not layers).
fn uses(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let by_module: BTreeMap<Vec<String>, &String> = files
        .keys()
        .filter(|f| !f.starts_with("bin/"))
        .map(|f| (module_of(f), f))
        .collect();
    let resolve = |path: &[String]| {
        (1..=path.len())
            .rev()
            .find_map(|k| by_module.get(&path[..k]).map(|f| (*f).clone()))
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in files.iter().filter(|(f, _)| !f.starts_with("bin/")) {
        let me = module_of(file);
        for path in paths(text) {
            let mut base = match path[0].as_str() {
                "crate" => vec![],
                "super" => me[..me.len().saturating_sub(1)].to_vec(),
                _ => me.clone(),
            };
            let mut rest = &path[1..];
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            if let Some(target) = resolve(&base).filter(|t| t != file) {
                let (a, b) = (module_of(file), module_of(&target));
                let family = a.starts_with(&b) || b.starts_with(&a);
                if !family {
                    edges.entry(file.clone()).or_default().insert(target);
                }
            }
        }
    }
    edges
}

/// Groups of files that use each other, directly or through others (Tarjan's algorithm).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Search<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, (usize, usize)>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, (n, n));
            self.stack.push(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let low = match self.index.get(w.as_str()) {
                    None => {
                        self.visit(w);
                        self.index[w.as_str()].1
                    }
                    Some(&(i, _)) if self.stack.contains(&w.as_str()) => i,
                    Some(_) => continue,
                };
                let entry = self.index.get_mut(v).unwrap();
                entry.1 = entry.1.min(low);
            }
            let (i, low) = self.index[v];
            if i == low {
                let at = self.stack.iter().rposition(|&x| x == v).unwrap();
                let group: Vec<String> = self.stack.drain(at..).map(String::from).collect();
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        stack: vec![],
        found: vec![],
    };
    for v in edges.keys() {
        if !search.index.contains_key(v.as_str()) {
            search.visit(v);
        }
    }
    search.found
}

fn read_src(dir: &Path, root: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_src(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
}

fn src() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    read_src(&root, &root, &mut files);
    files
}

#[test]
fn no_two_files_use_each_other() {
    let found = circles(&uses(&src()));
    assert!(found.is_empty(), "files that use each other: {found:?}");
}

#[test]
fn the_core_uses_no_front_end() {
    let edges = uses(&src());
    let front_end = |f: &str| f.starts_with("web/") || f.starts_with("bin/");
    let wrong: Vec<_> = edges
        .iter()
        .filter(|(f, _)| !front_end(f) && *f != "lib.rs")
        .flat_map(|(f, ts)| {
            ts.iter()
                .filter(|t| front_end(t))
                .map(move |t| format!("{f} → {t}"))
        })
        .collect();
    assert!(wrong.is_empty(), "the core uses a front end: {wrong:?}");
}

#[test]
fn a_circle_is_found_through_use_trees_and_inline_paths() {
    let files: BTreeMap<String, String> = [
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;"),
        ("a.rs", "use crate::b::{self, Thing as Other};"),
        ("b.rs", "// crate::a::ignored\nfn f() { super::c::go(); }"),
        ("c.rs", "use super::{a::X, b};"),
        ("a/inner.rs", "use super::Parent;"),
    ]
    .into_iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    let edges = uses(&files);
    assert_eq!(
        edges["c.rs"],
        BTreeSet::from(["a.rs".into(), "b.rs".into()])
    );
    assert!(
        !edges.contains_key("a/inner.rs"),
        "a file's parent is its own"
    );
    assert_eq!(circles(&edges), vec![vec!["a.rs", "b.rs", "c.rs"]]);
}
