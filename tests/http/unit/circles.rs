//! No import circles inside a crate (api, persistence, domain): a module
//! that names another module's item (`use crate::x::Y`, `super::x::Y`, or a
//! path written inline, as in `crate::openapi::BadRequest` in an attribute)
//! depends on that module's file, and no file may depend on itself through
//! others. A parent that names its submodules' items depends on them (the
//! routes table on its handlers); a submodule naming its parent (`super::X`)
//! is part of it, not a dependency.
//!
//! A plain reading of the source text, no compiler: comments are skipped,
//! `use` groups (`crate::a::{b, c::D}`) expanded, and a path resolves to the
//! longest module prefix that has a file. On failure it prints each circle
//! with the names that tie it, so the fix can start at the right file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;
/// Who depends on whom, with the names that make each dependency.
type Edges = BTreeMap<(Module, Module), BTreeSet<String>>;

fn crate_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name).join("src")
}

/// Every module file of the crate, by module path (`lib.rs` is `[]`).
fn modules(root: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).expect("under the root");
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            match parts.last().map(String::as_str) {
                Some("main") if parts.len() == 1 => continue,
                Some("lib") if parts.len() == 1 => parts.clear(),
                Some("mod") => {
                    parts.pop();
                }
                _ => {}
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The text with comments removed (strings are kept; a `//` inside one ends
/// nothing).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = '\0';
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            }
            if !in_string && c == '/' && prev == '/' {
                cut = i - 1;
                break;
            }
            prev = c;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// `a::{b, c::{d, e}}` -> `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    // `x as y` names x
    let renamed = regex::Regex::new(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*").expect("regex");
    let tree: String = renamed
        .replace_all(tree, "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
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
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// The paths a file names that start at `crate`, `super` or `self`: those
/// its `use` statements bring in (groups expanded), then those written inline.
fn named_paths(text: &str) -> (Vec<String>, Vec<String>) {
    let code = without_comments(text);
    let use_re = regex::Regex::new(r"(?s)\buse\s+((?:crate|super|self)\b[^;]*);").expect("regex");
    let uses = use_re.captures_iter(&code).flat_map(|c| expand(&c[1])).collect();
    let rest = use_re.replace_all(&code, "");
    let inline = regex::Regex::new(r"\b(?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+").expect("regex");
    let inline = inline.find_iter(&rest).map(|m| m.as_str().to_owned()).collect();
    (uses, inline)
}

/// Paths that start at a submodule (`customers::list_customers` in the
/// routes table) or at a module a `use` brought in by name (`use
/// crate::routes;` then `routes::api_v1`), written from the crate root.
fn relative_paths(module: &Module, uses: &[String], text: &str, known: &BTreeMap<Module, PathBuf>) -> Vec<String> {
    let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
    for path in uses {
        if let Some((target, item)) = resolve(module, path, known)
            && item == "*"
            && let Some(last) = target.last()
            && path.ends_with(last.as_str())
        {
            aliases.insert(last.clone(), target);
        }
    }
    let code = without_comments(text);
    let re = regex::Regex::new(r"(?:^|[^:\w])([a-z_][a-z0-9_]*)((?:::[A-Za-z_][A-Za-z0-9_]*)+)").expect("regex");
    let mut out = Vec::new();
    for c in re.captures_iter(&code) {
        let (head, rest) = (&c[1], &c[2]);
        let mut child = module.clone();
        child.push(head.to_owned());
        let base = if known.contains_key(&child) {
            child
        } else if let Some(target) = aliases.get(head) {
            target.clone()
        } else {
            continue;
        };
        out.push(format!("crate::{}{rest}", base.join("::")));
    }
    out
}

/// The module a path names, and the item it takes from it.
fn resolve(from: &Module, path: &str, known: &BTreeMap<Module, PathBuf>) -> Option<(Module, String)> {
    let mut segments = path.split("::").filter(|s| !s.is_empty() && *s != "*");
    let mut base: Module = match segments.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        // `foo.rs` and `foo/mod.rs` are both module `foo`: super is its parent
        "super" => from[..from.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    let rest: Vec<&str> = segments.collect();
    let mut i = 0;
    while i < rest.len() && rest[i] == "super" {
        base.pop();
        i += 1;
    }
    let rest = &rest[i..];
    let mut best = (base.clone(), 0);
    for n in 1..=rest.len() {
        let mut candidate = base.clone();
        candidate.extend(rest[..n].iter().map(|s| (*s).to_owned()));
        if known.contains_key(&candidate) {
            best = (candidate, n);
        }
    }
    if !known.contains_key(&best.0) {
        return None;
    }
    let item = rest.get(best.1).map_or_else(|| "*".to_owned(), |s| (*s).to_owned());
    Some((best.0, item))
}

/// Edges between module files, with the names that make each one.
fn edges(root: &Path) -> (BTreeMap<Module, PathBuf>, Edges) {
    let known = modules(root);
    let mut out = Edges::new();
    for (module, file) in &known {
        let text = std::fs::read_to_string(file).expect("a source file");
        let (uses, inline) = named_paths(&text);
        let relative = relative_paths(module, &uses, &text, &known);
        let paths = uses.into_iter().chain(inline).chain(relative);
        for path in paths {
            let Some((target, item)) = resolve(module, &path, &known) else {
                continue;
            };
            // a submodule naming its parent (`super::X`) is part of it
            if module.starts_with(&target) {
                continue;
            }
            out.entry((module.clone(), target)).or_default().insert(item);
        }
    }
    (known, out)
}

/// The strongly connected groups of more than one module (Tarjan).
fn circles(nodes: &[Module], edges: &Edges) -> Vec<Vec<Module>> {
    struct State<'a> {
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        next: usize,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(v: &'a Module, adj: &BTreeMap<&'a Module, Vec<&'a Module>>, s: &mut State<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in adj.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(w, adj, s);
                let low = s.low[w].min(s.low[v]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.index[w].min(s.low[v]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut adj: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        adj.entry(a).or_default().push(b);
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(v, &adj, &mut s);
        }
    }
    s.out
}

fn report(krate: &str) -> String {
    let root = crate_root(krate);
    let (known, edges) = edges(&root);
    let nodes: Vec<Module> = known.keys().cloned().collect();
    let name = |m: &Module| {
        known[m]
            .strip_prefix(&root)
            .map_or_else(|_| "?".into(), |p| p.display().to_string())
    };
    let mut text = String::new();
    for group in circles(&nodes, &edges) {
        text.push_str(&format!("{krate}: a circle of {} files:\n", group.len()));
        for ((a, b), items) in &edges {
            if group.contains(a) && group.contains(b) {
                let items: Vec<&str> = items.iter().map(String::as_str).collect();
                text.push_str(&format!("  {} -> {}: {}\n", name(a), name(b), items.join(", ")));
            }
        }
    }
    text
}

#[test]
fn no_crate_has_an_import_circle() {
    let found: String = ["domain", "persistence", "api"].into_iter().map(report).collect();
    assert!(found.is_empty(), "import circles:\n{found}");
}

#[test]
fn the_circle_check_sees_use_groups_inline_paths_and_parents() {
    assert_eq!(
        expand("crate::a::{b, c::{D, e::F as G}}"),
        ["crate::a::b", "crate::a::c::D", "crate::a::c::e::F"]
    );
    let text = "use crate::x::{Y, z::W};\n// use crate::gone::A;\n#[x(response = crate::openapi::BadRequest)]\nuse super::Top;";
    let (uses, inline) = named_paths(text);
    let paths: Vec<String> = uses.into_iter().chain(inline).collect();
    assert!(paths.contains(&"crate::x::z::W".to_owned()), "{paths:?}");
    assert!(paths.contains(&"crate::openapi::BadRequest".to_owned()), "{paths:?}");
    assert!(paths.contains(&"super::Top".to_owned()), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("gone")), "{paths:?}");
    // a circle of two is found, with what ties it
    let m = |s: &str| s.split('/').map(str::to_owned).collect::<Module>();
    let mut e = BTreeMap::new();
    e.insert((m("a"), m("b")), BTreeSet::from(["X".to_owned()]));
    e.insert((m("b"), m("a")), BTreeSet::from(["Y".to_owned()]));
    e.insert((m("b"), m("c")), BTreeSet::from(["Z".to_owned()]));
    assert_eq!(circles(&[m("a"), m("b"), m("c")], &e), [vec![m("a"), m("b")]]);
    // today's tree: the real crates resolve paths to files
    let (known, edges) = edges(&crate_root("api"));
    assert!(known.len() > 50);
    assert!(
        edges
            .keys()
            .any(|(a, b)| a == &m("routes/customers") && b == &m("error")),
        "the customers routes name crate::error"
    );
    assert!(
        edges.keys().any(|(a, b)| a == &m("openapi") && b == &m("routes")),
        "`use crate::routes;` then `routes::api_v1`"
    );
    assert!(
        edges
            .keys()
            .any(|(a, b)| a == &m("routes") && b == &m("routes/customers")),
        "the routes table names its handlers"
    );
}
