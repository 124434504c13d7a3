//! The core's layers (ARCHITECTURE.md): a module uses only the layers below it and its own,
//! and the modules never import each other in a cycle. Read from the source, so a `use` that
//! climbs a layer fails here before it grows into a tangle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom to top. The CLI (`src/cli/`, the binary's) and the desktop crate stand above them all.
const LAYERS: &[&[&str]] = &[
    &["error", "money", "time", "text", "countries"],
    &["db", "sql"],
    &["account", "billing_details", "catalog", "rates", "secrets", "paths", "audit"],
    &["ledger", "notify", "alerts"],
    &["payments", "orders", "repeat", "billing"],
    &["import", "export", "report", "demo", "setup", "services", "migrate"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("src/{module} is in no layer: add it to ARCHITECTURE.md and to LAYERS here"))
}

/// The code of a file without its comments and without its test modules.
fn code(text: &str) -> String {
    let text: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut out = String::new();
    let mut rest = text.as_str();
    // A `#[cfg(test)]` item is skipped to the brace that closes it.
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(open) = after.find('{') else { break };
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every top-level module of the library and the library's modules it names (`crate::x`).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if rel != "cli" {
                    stack.push(path);
                }
                continue;
            }
            // Test modules in files of their own (`tests.rs`, `*_tests.rs`) may use any layer.
            let test_file = rel.ends_with("tests.rs");
            if path.extension().is_none_or(|e| e != "rs") || rel == "lib.rs" || rel == "main.rs" || test_file {
                continue;
            }
            let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
            let text = code(&std::fs::read_to_string(&path).unwrap());
            let uses = graph.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !name.is_empty() && name != module {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let mut upward = Vec::new();
    for (module, uses) in imports() {
        for used in uses {
            if layer_of(&used) > layer_of(&module) {
                upward.push(format!("{module} (layer {}) uses {used} (layer {})", layer_of(&module), layer_of(&used)));
            }
        }
    }
    assert!(upward.is_empty(), "imports that climb a layer:\n{}", upward.join("\n"));
}

#[test]
fn the_modules_import_each_other_in_no_cycle() {
    let graph = imports();
    // Depth-first search; a module met again while still on the path closes a cycle.
    fn visit<'g>(
        m: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| *p == m) {
            let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m);
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_library_leaves_the_command_line_to_the_binary() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    assert!(!code(&lib).contains("mod cli"), "the CLI is src/main.rs's module, not the library's");
    for (module, _) in imports() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for path in [dir.join(format!("{module}.rs")), dir.join(&module).join("mod.rs")] {
            if let Ok(text) = std::fs::read_to_string(path) {
                let text = code(&text);
                assert!(!text.contains("clap::") && !text.contains("rpassword"), "{module} uses the CLI's crates");
            }
        }
    }
}
