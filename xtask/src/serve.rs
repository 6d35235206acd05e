//! A small static file server for `dist/`: one port sends the headers of `dist/_headers` (cross-
//! origin isolated, as on a host that reads that file), one port sends none of them and withholds
//! the service worker that would add them (exercises the single-threaded fallback).

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Method, Request, Server};

use crate::err;
use crate::headers::{self, Rule};
use crate::util::Result;

/// A running server on one port.
pub struct Running {
    server: Arc<Server>,
    threads: Vec<JoinHandle<()>>,
    pub port: u16,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Stops accepting requests and joins the worker threads.
    pub fn stop(self) {
        for _ in &self.threads {
            self.server.unblock();
        }
        for t in self.threads {
            let _ = t.join();
        }
    }

    /// Blocks for as long as the server runs.
    pub fn wait(self) {
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// The rules the isolated port follows: `root/_headers` as `cargo xtask dist` wrote it, or the
/// same rules built in when it is missing.
fn isolated_rules(root: &Path) -> Vec<Rule> {
    let text = std::fs::read_to_string(root.join("_headers")).unwrap_or_else(|_| headers::file());
    headers::parse(&text)
}

/// Starts serving `root` on 127.0.0.1:`port` (0 picks a free port).
pub fn start(root: &Path, port: u16, isolated: bool) -> Result<Running> {
    let root = root
        .canonicalize()
        .map_err(|e| err!("{}: {e}", root.display()))?;
    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| err!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| err!("server has no IP address"))?;
    let server = Arc::new(server);
    let rules = Arc::new(if isolated {
        isolated_rules(&root)
    } else {
        Vec::new()
    });
    // One thread per request: a response that blocks on a slow or stalled client (a big
    // bundle to a browser that a test is closing) must not hold up the requests behind it.
    let dispatcher = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || {
            while let Ok(req) = server.recv() {
                let (root, rules) = (root.clone(), Arc::clone(&rules));
                std::thread::spawn(move || {
                    handle(&root, isolated.then_some(rules.as_slice()), req)
                });
            }
        })
    };
    let threads = vec![dispatcher];
    Ok(Running {
        server,
        threads,
        port,
    })
}

/// The service worker, which the plain port withholds: it would isolate the page after a reload.
const SERVICE_WORKER: &str = "/coi-sw.js";
/// What the plain port serves in its place: www/isolation.js reads this marker and does not
/// register it (a 404 would do too, but the browser logs it as an error).
pub const SERVICE_WORKER_OFF: &str = "// amorsize-service-worker: off\n";

/// Serves one request; `rules` is `Some` on the isolated port.
fn handle(root: &Path, rules: Option<&[Rule]>, req: Request) {
    let path = req
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    let withheld = rules.is_none() && path == SERVICE_WORKER;
    let (status, content_type, body): (u16, &str, Vec<u8>) = match req.method() {
        Method::Get | Method::Head if withheld => (
            200,
            "text/javascript; charset=utf-8",
            SERVICE_WORKER_OFF.as_bytes().to_vec(),
        ),
        Method::Get | Method::Head => match resolve(root, req.url()) {
            Some(path) => match std::fs::File::open(&path).and_then(|mut f| {
                let mut v = Vec::new();
                f.read_to_end(&mut v).map(|_| v)
            }) {
                Ok(bytes) => (200, mime(&path), bytes),
                Err(_) => (
                    404,
                    "text/plain; charset=utf-8",
                    b"404 not found\n".to_vec(),
                ),
            },
            None => (
                404,
                "text/plain; charset=utf-8",
                b"404 not found\n".to_vec(),
            ),
        },
        _ => (
            405,
            "text/plain; charset=utf-8",
            b"405 method not allowed\n".to_vec(),
        ),
    };
    let mut fields = vec![
        ("Content-Type".to_string(), content_type.to_string()),
        ("Cache-Control".into(), "no-cache".into()),
    ];
    if rules.is_none() {
        fields.push(("X-Content-Type-Options".into(), "nosniff".into()));
    }
    if status == 405 {
        fields.push(("Allow".into(), "GET, HEAD".into()));
    }
    fields.extend(
        rules
            .map(|r| headers::for_path(r, &path))
            .unwrap_or_default(),
    );
    let head = *req.method() == Method::Head;
    respond_and_close(req, status, &fields, &body, head);
}

/// Writes the response by hand with `Connection: close` (tiny_http drops that header): each
/// connection then carries one request. tiny_http serves connections on a pool that can queue
/// a burst of new ones behind idle keep-alive connections (its spawn check counts threads that
/// were woken but not yet running as idle), and a page load then stalled with module requests
/// pending until the browser gave up a connection.
fn respond_and_close(
    req: Request,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    head: bool,
) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut text = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = req.into_writer();
    let _ = out.write_all(text.as_bytes());
    if !head {
        let _ = out.write_all(body);
    }
    let _ = out.flush();
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Maps a request URL to a file under `root`, or `None` (404). Rejects `..`, absolute and
/// odd components, and anything whose real path leaves `root` (symlinks included).
fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut rel = PathBuf::new();
    for part in decoded.split('/').filter(|p| !p.is_empty()) {
        let mut comps = Path::new(part).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(c)), None) => rel.push(c),
            _ => return None,
        }
    }
    let mut full = root.join(&rel);
    if full.is_dir() {
        full.push("index.html");
    }
    let real = full.canonicalize().ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

pub fn mime(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Starts both servers and prints their URLs.
pub fn start_pair(root: &Path, port: u16, no_isolation_port: u16) -> Result<(Running, Running)> {
    let a = start(root, port, true)?;
    let b = start(root, no_isolation_port, false)?;
    println!("serving {}", root.display());
    println!(
        "  {}  headers of _headers (COOP/COEP, CORP cross-origin, Document-Isolation-Policy, CSP): threaded build",
        a.url()
    );
    println!(
        "  {}  no headers, no service worker: single-threaded fallback",
        b.url()
    );
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    fn tmp_site(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("st")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><head></head>hi").unwrap();
        std::fs::write(dir.join("st/amorsize_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("app.mjs"), "export {}").unwrap();
        dir
    }

    fn get(port: u16, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.to_ascii_lowercase()
    }

    #[test]
    fn resolve_rejects_traversal() {
        let dir = tmp_site("resolve").canonicalize().unwrap();
        assert_eq!(resolve(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(
            resolve(&dir, "/st/amorsize_bg.wasm?x=1"),
            Some(dir.join("st/amorsize_bg.wasm"))
        );
        for bad in [
            "/../etc/passwd",
            "/st/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/st/%2E%2E/%2e%2e/x",
            "/..%2fetc",
            "/a\\..\\b",
            "/%00",
            "/missing.js",
            "/%zz",
        ] {
            assert_eq!(resolve(&dir, bad), None, "{bad}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn serves_with_and_without_isolation() {
        let dir = tmp_site("serve");
        let iso = start(&dir, 0, true).unwrap();
        let plain = start(&dir, 0, false).unwrap();

        let r = get(iso.port, "/st/amorsize_bg.wasm");
        assert!(r.starts_with("http/1.1 200"), "{r}");
        assert!(r.contains("content-type: application/wasm"));
        assert!(r.contains("cache-control: no-cache"));
        assert!(r.contains("cross-origin-opener-policy: same-origin"));
        assert!(r.contains("cross-origin-embedder-policy: require-corp"));
        assert!(r.contains("cross-origin-resource-policy: cross-origin"));
        assert!(r.contains("document-isolation-policy: isolate-and-require-corp"));
        assert!(!r.contains("content-security-policy"));
        assert!(r.contains("content-length: 8"), "{r}");
        assert_eq!(r.matches("x-content-type-options").count(), 1, "{r}");

        let r = get(iso.port, "/");
        assert!(
            r.contains("content-security-policy: default-src 'self'"),
            "{r}"
        );

        let r = get(iso.port, "/nope.js");
        assert!(r.starts_with("http/1.1 404"), "{r}");
        assert!(r.contains("cross-origin-embedder-policy: require-corp"));

        let r = get(plain.port, "/app.mjs");
        assert!(r.starts_with("http/1.1 200"), "{r}");
        assert!(r.contains("content-type: text/javascript"));
        assert!(!r.contains("cross-origin"));

        let r = get(plain.port, "/");
        assert!(r.contains("content-type: text/html"));

        std::fs::write(dir.join("coi-sw.js"), "// sw").unwrap();
        assert!(get(iso.port, "/coi-sw.js").starts_with("http/1.1 200"));
        assert!(get(plain.port, "/coi-sw.js?v=1").ends_with(SERVICE_WORKER_OFF));
        assert!(!get(iso.port, "/coi-sw.js").contains("service-worker: off"));

        iso.stop();
        plain.stop();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
