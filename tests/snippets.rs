//! The snippets the page shows beside each cell are the regions of `examples/snippets.rs`,
//! which `cargo test` compiles. `www/snippets.js` must hold them exactly; to regenerate it, run
//! `AMORSIZE_WRITE_SNIPPETS=1 cargo test --test snippets`.

use std::path::Path;

/// `(name, code)` of every `// snippet: NAME` ... `// end` region, dedented.
fn regions(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix("// snippet: ") {
            current = Some((name.to_string(), Vec::new()));
        } else if trimmed == "// end" {
            let (name, lines) = current.take().expect("`// end` closes a snippet");
            let indent = lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let code: Vec<&str> = lines
                .iter()
                .map(|l| l.get(indent..).unwrap_or(""))
                .collect();
            out.push((name, code.join("\n") + "\n"));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    assert!(current.is_none(), "a snippet is not closed with `// end`");
    out
}

fn module(regions: &[(String, String)]) -> String {
    let mut js = String::from(
        "// Generated from examples/snippets.rs by tests/snippets.rs; do not edit.\n\
         // Regenerate: AMORSIZE_WRITE_SNIPPETS=1 cargo test --test snippets\n\
         export const SNIPPETS = {\n",
    );
    for (name, code) in regions {
        js.push_str(&format!(
            "  {}: {},\n",
            serde_json::to_string(name).unwrap(),
            serde_json::to_string(code).unwrap()
        ));
    }
    js.push_str("};\n");
    js
}

#[test]
fn the_page_shows_the_compiled_snippets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("examples/snippets.rs")).unwrap();
    let regions = regions(&source);
    let names: Vec<&str> = regions.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in [
        "optimize",
        "execute",
        "compare",
        "worker_curve",
        "sweep",
        "tune",
    ] {
        assert!(
            names.contains(&wanted),
            "no `{wanted}` snippet in {names:?}"
        );
    }
    let expected = module(&regions);
    let path = root.join("www/snippets.js");
    if std::env::var_os("AMORSIZE_WRITE_SNIPPETS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "www/snippets.js differs from examples/snippets.rs; regenerate it with \
         AMORSIZE_WRITE_SNIPPETS=1 cargo test --test snippets"
    );
}

#[test]
fn regions_are_dedented_and_closed() {
    let found =
        regions("fn main() {\n    // snippet: a\n    let x = 1;\n        x;\n    // end\n}\n");
    assert_eq!(
        found,
        [("a".to_string(), "let x = 1;\n    x;\n".to_string())]
    );
}
