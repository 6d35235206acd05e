//! The engine's layers import only downwards: each module of `src/` may use modules of its own
//! layer or below, never above, and no set of modules imports itself in a circle. Checked on
//! the source text (`crate::` paths outside `#[cfg(test)]`), so a new upward import fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layer of each top-level module, bottom first (see docs/architecture.md).
const LAYERS: &[(&str, usize)] = &[
    ("error", 0),
    ("clock", 0),
    ("pool", 0),
    ("cancel", 0),
    ("provenance", 0),
    ("units", 0),
    ("stats", 0),
    ("options", 0),
    ("shape", 0),
    ("workload", 0),
    ("tuning", 0),
    ("script", 0),
    ("memory", 0),
    ("trap", 0),
    ("runtime", 1),
    ("sample", 2),
    ("calibrate", 2),
    ("executor", 2),
    ("model", 3),
    ("trial", 3),
    ("plan", 4),
    ("sweep", 5),
    ("tune", 5),
    ("explain", 5),
    ("report", 6),
    ("api", 6),
    ("playground", 7),
    ("web", 8),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("bin") {
                files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/runtime/slots.rs` -> `runtime::slots`; `src/playground/mod.rs` -> `playground`.
fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The modules a file's non-test code names through `crate::`, including `use crate::{a, b}`.
fn imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap();
    let mut found = BTreeSet::new();
    let mut paths: Vec<String> = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            paths.extend(inner.split(',').map(|p| p.trim().to_string()));
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            paths.push(rest[..end].to_string());
        }
    }
    for path in paths {
        let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        for k in (1..=parts.len()).rev() {
            let candidate = parts[..k].join("::");
            if modules.contains(&candidate) {
                found.insert(candidate);
                break;
            }
        }
    }
    found
}

fn layer(module: &str) -> usize {
    let top = module.split("::").next().unwrap();
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .unwrap_or_else(|| panic!("module `{top}` has no layer in tests/layers.rs"))
        .1
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    files(&src, &mut paths);
    let texts: BTreeMap<String, String> = paths
        .iter()
        .map(|p| (module_of(&src, p), std::fs::read_to_string(p).unwrap()))
        .filter(|(m, _)| m != "lib")
        .collect();
    let modules: BTreeSet<String> = texts.keys().cloned().collect();
    texts
        .iter()
        .map(|(m, text)| {
            let deps = imports(text, &modules)
                .into_iter()
                // A module may name its own parent (`crate::playground::x` from a sibling).
                .filter(|d| d != m && !m.starts_with(&format!("{d}::")))
                .collect();
            (m.clone(), deps)
        })
        .collect()
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let mut upward = Vec::new();
    for (module, deps) in graph() {
        for dep in deps {
            if layer(&dep) > layer(&module) {
                upward.push(format!("{module} -> {dep}"));
            }
        }
    }
    assert!(upward.is_empty(), "upward imports: {upward:?}");
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let graph = graph();
    // Depth-first search; a grey node met again closes a circle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(true) => return None,
            Some(false) => {
                let start = path.iter().position(|n| *n == node).unwrap();
                return Some(path[start..].iter().map(|s| s.to_string()).collect());
            }
            None => {}
        }
        state.insert(node, false);
        path.push(node);
        for dep in &graph[node] {
            if let Some(circle) = visit(dep, graph, state, path) {
                return Some(circle);
            }
        }
        path.pop();
        state.insert(node, true);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        let circle = visit(node, &graph, &mut state, &mut Vec::new());
        assert!(circle.is_none(), "import circle: {circle:?}");
    }
}

#[test]
fn the_check_sees_imports_and_their_absence() {
    let modules: BTreeSet<String> = ["plan", "sweep", "runtime", "runtime::slots"]
        .map(String::from)
        .into();
    let found = imports(
        "use crate::plan::Plan;\nuse crate::{sweep::X, runtime::slots::Y};\n#[cfg(test)]\nuse crate::runtime::Z;",
        &modules,
    );
    assert_eq!(
        found,
        ["plan", "runtime::slots", "sweep"].map(String::from).into()
    );
}
