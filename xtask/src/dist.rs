//! `cargo xtask dist`: the threaded build (trunk, build-std, shared memory) into `dist/` and the
//! single-threaded fallback (build-std, no atomics) into `dist/st/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::util::{self, cargo, cmd, heading, human, run, secs, size, timed, Result};
use crate::{bail, err, headers, setup, wasm};

/// The engine crate's library name: the threaded build's `data-target-name` and the
/// single-threaded build's `--out-name`.
pub const CRATE: &str = "amorsize";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Harmless flags for the single-threaded build. Setting RUSTFLAGS replaces the config's
/// `[target.wasm32-unknown-unknown] rustflags` (cargo takes the first of
/// CARGO_ENCODED_RUSTFLAGS, RUSTFLAGS, target rustflags, build rustflags), so the atomics and
/// shared-memory flags are dropped. The cfg lets the engine tell the two builds apart. SIMD
/// stays on in both builds: every browser with wasm threads has it, and without it the vector
/// loops of numeric workloads run several times slower than native.
pub const ST_RUSTFLAGS: &str = "--cfg amorsize_single_thread -C target-feature=+simd128 \
     -Zlocation-detail=none -C llvm-args=-inline-threshold=25 -Zfmt-debug=none";
/// wasm-opt's level for the single-threaded module, as index.html's `data-wasm-opt` sets it for
/// the threaded one.
const WASM_OPT_LEVEL: &str = "-Oz";
/// wasm-opt features for the single-threaded module; rustc's wasm32 target enables these by
/// default, and wasm-bindgen drops the target_features section that would announce them.
const ST_WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
    "--enable-simd",
];

/// The std crates rebuilt for the wasm builds (build-std).
const BUILD_STD: &str = "panic_abort,std";

/// Rebuilds std for a wasm build with that build's flags, and with std's smaller sort and
/// formatting code: about 30 KiB less wasm, and nothing the engine runs hot.
fn with_build_std(command: &mut Command) -> &mut Command {
    command
        .env("CARGO_UNSTABLE_BUILD_STD", BUILD_STD)
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
}

pub fn dist() -> Result {
    let root = util::root();
    let start = Instant::now();
    setup::check_build_tools()?;
    for f in ["index.html", "Trunk.toml"] {
        if !root.join(f).exists() {
            bail!("{f} is missing in {}: trunk builds from it", root.display());
        }
    }

    heading("dist: cargo fetch (trunk --offline passes --offline to cargo)");
    let (res, t_fetch) = timed(|| -> Result {
        run(cargo().arg("fetch"))?;
        // The crates std is built from (build-std) must be in the cache too.
        run(cargo()
            .args(["fetch", "--target", WASM_TARGET])
            .env("CARGO_UNSTABLE_BUILD_STD", BUILD_STD))
    });
    res?;

    heading("dist: chart library (esbuild: www/build/bundle.mjs -> target/web-vendor)");
    let (res, t_bundle) = timed(|| {
        run(cmd("node")
            .arg("www/build/bundle.mjs")
            .arg(root.join("target").join("web-vendor")))
    });
    res?;

    heading("dist: threaded build (trunk build --release --offline, build-std)");
    let (res, t_threaded) = timed(|| {
        run(with_build_std(&mut cmd("trunk"))
            .args(["build", "--release", "--offline"])
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS"))
    });
    res?;
    let threaded_wasm = root.join("dist").join(format!("{CRATE}_bg.wasm"));
    let threaded_js = root.join("dist").join(format!("{CRATE}.js"));
    for f in [&threaded_wasm, &threaded_js] {
        if !f.exists() {
            bail!(
                "trunk did not write {} (is index.html's rust link data-target-name=\"{CRATE}\", \
                 and filehash = false in Trunk.toml?)",
                f.display()
            );
        }
    }
    let mem = read_memory(&threaded_wasm)?;
    println!("threaded memory: {mem}");
    if mem.import.is_none() || !mem.shared || mem.max.is_none() {
        bail!(
            "{} is not a threaded build: its memory must be imported, shared and have a \
             maximum, but it is {mem}. Check the rustflags in .cargo/config.toml and that \
             build-std ran.",
            threaded_wasm.display()
        );
    }

    heading("dist: the Lab's editor and syntax locator (www/build/bundle-editor.mjs, esbuild)");
    run(cmd("node")
        .arg(root.join("www/build/bundle-editor.mjs"))
        .arg(root.join("dist")))?;

    heading("dist: single-threaded build (no atomics, build-std)");
    let (res, t_st) = timed(|| single_threaded(&root));
    let st_wasm = res?;

    std::fs::write(root.join("dist").join("_headers"), headers::file())?;
    write_offline_list(&root.join("dist"))?;
    check_relative(&root.join("dist").join("index.html"))?;

    println!(
        "\ndist: fetch {}, bundle {}, threaded {}, single-threaded {}, total {}",
        secs(t_fetch),
        secs(t_bundle),
        secs(t_threaded),
        secs(t_st),
        secs(start.elapsed())
    );
    println!(
        "  dist/{CRATE}_bg.wasm     {:>10}  (threaded, shared memory)",
        human(size(&threaded_wasm))
    );
    println!(
        "  dist/st/{CRATE}_bg.wasm  {:>10}  (single-threaded)",
        human(size(&st_wasm))
    );
    Ok(())
}

/// The files the service worker caches for offline use once the app has loaded (`offline.json`,
/// paths relative to dist/): everything but the single-threaded build (an isolated page never
/// loads it), the host's files and the worker itself.
fn write_offline_list(dist: &Path) -> Result {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) -> Result {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, base, out)?;
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dist, dist, &mut files)?;
    files.retain(|f| {
        !f.starts_with("st/")
            && !f.starts_with("www/build/")
            && !f.starts_with('.')
            && !f.ends_with(".md")
            && !["_headers", "offline.json", "coi-sw.js"].contains(&f.as_str())
    });
    files.sort();
    let json = serde_json::to_string_pretty(&files)?;
    std::fs::write(dist.join("offline.json"), json + "\n")?;
    Ok(())
}

/// Fails when index.html names a file by an absolute path: dist/ must work under any sub-path
/// (`https://user.example.io/amorsize/`), so every URL in it is relative.
fn check_relative(index: &Path) -> Result {
    let html = std::fs::read_to_string(index)?;
    for attr in ["src=\"/", "href=\"/"] {
        if let Some(at) = html.find(attr) {
            let line = html[at..].lines().next().unwrap_or("");
            bail!(
                "{} has an absolute URL ({line}); dist/ must work under any sub-path \
                 (Trunk.toml: public_url = \"./\")",
                index.display()
            );
        }
    }
    Ok(())
}

fn single_threaded(root: &Path) -> Result<PathBuf> {
    // CARGO_TARGET_DIR is honoured as cargo and trunk honour it (a fresh clone in the tests
    // shares the repo's target/ that way).
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("st");
    // std is rebuilt as for the threaded build: 48 kB less (414 to 366 kB), for 35 s more on a
    // clean build. Pages that are not cross-origin isolated (most embeds) load this module.
    run(with_build_std(&mut cargo())
        .args(["build", "--release", "--lib", "--target", WASM_TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", ST_RUSTFLAGS))?;
    let raw = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{CRATE}.wasm"));
    let mem = read_memory(&raw)?;
    println!("single-threaded memory: {mem}");
    if mem.shared || mem.import.is_some() {
        bail!(
            "{} has {mem}; the single-threaded build must define its own unshared memory \
             (did RUSTFLAGS fail to replace the config's target rustflags?)",
            raw.display()
        );
    }
    // wasm-bindgen and wasm-opt (a wasm build of binaryen run by node, ~20 s on the engine)
    // run only when the raw wasm changed; their output is kept in target/st/web, because trunk
    // empties dist/ on every build.
    let cache = target_dir.join("web");
    let bg_cached = cache.join(format!("{CRATE}_bg.wasm"));
    let stamp = cache.join("stamp");
    let key = {
        let m = std::fs::metadata(&raw)?;
        let mtime = m
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!(
            "{} {mtime} {WASM_OPT_LEVEL} {}",
            m.len(),
            ST_WASM_OPT_FEATURES.join(" ")
        )
    };
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(key.as_str()) && bg_cached.exists() {
        println!(
            "raw wasm unchanged: reusing wasm-bindgen + wasm-opt output from {}",
            cache.display()
        );
    } else {
        if cache.exists() {
            std::fs::remove_dir_all(&cache)?;
        }
        run(cmd("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-name", CRATE])
            .arg("--out-dir")
            .arg(&cache)
            .arg(&raw))?;
        let raw_bindgen = size(&bg_cached);
        run(cmd("wasm-opt")
            .arg(WASM_OPT_LEVEL)
            .args(ST_WASM_OPT_FEATURES)
            .arg(&bg_cached)
            .arg("-o")
            .arg(&bg_cached))?;
        println!(
            "single-threaded wasm: {} raw, {} after wasm-bindgen, {} after wasm-opt {WASM_OPT_LEVEL}",
            human(size(&raw)),
            human(raw_bindgen),
            human(size(&bg_cached))
        );
        std::fs::write(&stamp, &key)?;
    }
    let out_dir = root.join("dist").join("st");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir)?;
    }
    copy_tree(&cache, &out_dir, &stamp)?;
    let bg = out_dir.join(format!("{CRATE}_bg.wasm"));
    Ok(bg)
}

/// Copies the files under `from` to `to` (snippets included), leaving out `skip`.
fn copy_tree(from: &Path, to: &Path, skip: &Path) -> Result {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        if path == skip {
            continue;
        }
        let dest = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_tree(&path, &dest, skip)?;
        } else {
            std::fs::copy(&path, &dest)?;
        }
    }
    Ok(())
}

fn read_memory(path: &Path) -> Result<wasm::Memory> {
    let bytes = std::fs::read(path).map_err(|e| err!("reading {}: {e}", path.display()))?;
    wasm::memory(&bytes)
        .map_err(|e| err!("parsing {}: {e:?}", path.display()))?
        .ok_or_else(|| err!("{} has no memory at all", path.display()))
}
