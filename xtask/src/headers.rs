//! The response headers the playground wants from its host, written once: `dist/_headers` (the
//! file Netlify and Cloudflare Pages read), and what `cargo xtask serve` sends on its isolated
//! port (read back from that file). www/coi-sw.js adds the same set where the host cannot.

/// Sent with every file: cross-origin isolation for the page (COOP + COEP), isolation of the
/// page inside a frame without demands on its embedder (Document-Isolation-Policy, Chromium
/// 137+), and CORP `cross-origin` so that an isolated page on another origin may frame it.
pub const EVERYWHERE: &[(&str, &str)] = &[
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Document-Isolation-Policy", "isolate-and-require-corp"),
    ("X-Content-Type-Options", "nosniff"),
];

/// The pages' policy: no inline script, wasm compilation allowed.
pub const CSP_PAGE: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; \
     base-uri 'self'";
/// The engine Worker's own policy (a dedicated worker follows its own response's CSP): it may
/// compile the Lab's custom JavaScript functions, and it starts wasm-bindgen-rayon's pool
/// workers from `blob:` URLs (they inherit this policy).
pub const CSP_WORKER: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' \
     'unsafe-eval'; worker-src 'self' blob:; object-src 'none'";

/// Paths (from the site root) that get the pages' policy, and the worker's.
const PAGES: &[&str] = &["/", "/index.html", "/www/embed-example.html"];
const WORKERS: &[&str] = &["/www/engine-worker.js"];

/// The `_headers` file. No CSP under `/*`: hosts join a header given by two matching rules
/// into one comma-separated value, which browsers read as two policies that must both pass.
pub fn file() -> String {
    let mut out = String::from(
        "# Response headers for hosts that read this file (Netlify, Cloudflare Pages).\n\
         # Written by `cargo xtask dist` (xtask/src/headers.rs); the service worker coi-sw.js\n\
         # adds the same headers on hosts that cannot set them (GitHub Pages).\n/*\n",
    );
    for (k, v) in EVERYWHERE {
        out.push_str(&format!("  {k}: {v}\n"));
    }
    for (paths, csp) in [(PAGES, CSP_PAGE), (WORKERS, CSP_WORKER)] {
        for p in paths {
            out.push_str(&format!("{p}\n  Content-Security-Policy: {csp}\n"));
        }
    }
    out
}

/// One rule of a `_headers` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub pattern: String,
    pub headers: Vec<(String, String)>,
}

/// Parses a `_headers` file: a path pattern at the start of a line, indented `Name: value`
/// lines under it, `#` comments.
pub fn parse(text: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            rules.push(Rule {
                pattern: trimmed.to_string(),
                headers: Vec::new(),
            });
        } else if let (Some(rule), Some((k, v))) = (rules.last_mut(), trimmed.split_once(':')) {
            rule.headers
                .push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    rules
}

/// Whether `pattern` (exact, or ending in `*`) matches the request path.
fn matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

/// The headers for `path`: every matching rule in order, a later value replacing an earlier one.
pub fn for_path(rules: &[Rule], path: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for rule in rules.iter().filter(|r| matches(&r.pattern, path)) {
        for (k, v) in &rule.headers {
            out.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            out.push((k.clone(), v.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn file_round_trips_and_gives_each_path_one_policy() {
        let rules = parse(&file());
        let page = for_path(&rules, "/");
        assert_eq!(
            get(&page, "Cross-Origin-Resource-Policy"),
            Some("cross-origin")
        );
        assert_eq!(
            get(&page, "Document-Isolation-Policy"),
            Some("isolate-and-require-corp")
        );
        let csp = get(&page, "Content-Security-Policy").unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src"));
        assert!(!script_src.unwrap().contains("unsafe-inline"), "{csp}");
        let worker = for_path(&rules, "/www/engine-worker.js");
        assert!(get(&worker, "Content-Security-Policy")
            .unwrap()
            .contains("'unsafe-eval'"));
        let wasm = for_path(&rules, "/amorsize_bg.wasm");
        assert_eq!(
            get(&wasm, "Cross-Origin-Embedder-Policy"),
            Some("require-corp")
        );
        assert_eq!(get(&wasm, "Content-Security-Policy"), None);
    }

    #[test]
    fn later_rules_replace_earlier_values() {
        let rules = parse("# c\n/*\n  A: 1\n  B: 2\n/x/*\n  B: 3\n");
        assert_eq!(
            for_path(&rules, "/x/y"),
            vec![("A".into(), "1".into()), ("B".into(), "3".into())]
        );
        assert_eq!(for_path(&rules, "/z").len(), 2);
    }
}
