//! Small helpers shared by the subcommands: the repo root, commands with a PATH that finds the
//! npm tools, timing, and a stage summary.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Error type of the xtask: a message that is printed as is.
pub struct Error(pub String);

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Self {
        Error(e.to_string())
    }
}

pub type Result<T = ()> = std::result::Result<T, Error>;

/// Builds an [`Error`] from format arguments.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::util::Error(format!($($arg)*)) };
}

/// Returns early with an [`Error`] built from format arguments.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::err!($($arg)*)) };
}

/// The workspace root (the parent of `xtask/`): the nearest directory, from the current one up,
/// that holds `xtask/Cargo.toml`, so that it names the checkout that ran the command even when
/// the binary was built from another one sharing the target dir (the fresh-clone test does
/// that); else the directory this binary was built from.
pub fn root() -> PathBuf {
    let here = std::env::current_dir().ok();
    if let Some(found) = here
        .iter()
        .flat_map(|d| d.ancestors())
        .find(|d| d.join("xtask").join("Cargo.toml").is_file())
    {
        return found.to_path_buf();
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// The pinned nightly, read from `rust-toolchain.toml` so that it is written down once.
pub fn toolchain() -> String {
    let text = std::fs::read_to_string(root().join("rust-toolchain.toml")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("channel"))
        .filter_map(|rest| rest.split('"').nth(1))
        .next()
        .unwrap_or("nightly-2026-05-20")
        .to_string()
}

/// PATH with `<root>/node_modules/.bin` and `~/.cargo/bin` in front, so that trunk finds
/// npm's wasm-opt (binaryen 132) before any system one, and freshly installed cargo tools
/// are found even when `~/.cargo/bin` was not on PATH.
pub fn path_env() -> OsString {
    let mut dirs = vec![root().join("node_modules").join(".bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo").join("bin"));
    }
    if let Some(old) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A command that runs in the repo root with [`path_env`].
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", path_env());
    c
}

/// A `cargo` command. `cargo` from PATH is rustup's proxy, which honours `+toolchain` and the
/// repo's `rust-toolchain.toml`.
pub fn cargo() -> Command {
    let mut c = cmd("cargo");
    // Flags from the caller's environment would change every nested build (and defeat the
    // per-build choices below), so each build sets what it needs explicitly.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_UNSTABLE_BUILD_STD",
        "CARGO_UNSTABLE_BUILD_STD_FEATURES",
    ] {
        c.env_remove(var);
    }
    c
}

fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs a command with inherited stdio, prints it first, and fails on a non-zero exit.
pub fn run(c: &mut Command) -> Result {
    let line = describe(c);
    println!("$ {line}");
    let status: ExitStatus = c
        .status()
        .map_err(|e| err!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(err!("`{line}` failed ({status})"))
    }
}

/// Runs a command and returns its trimmed stdout, or `None` when it cannot run or fails.
pub fn output(c: &mut Command) -> Option<String> {
    let out = c.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Seconds with one decimal.
pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Times a closure.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

/// Prints a heading for a step.
pub fn heading(title: &str) {
    println!("\n==> {title}");
}

/// How a stage ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// One line of a stage summary.
pub struct Stage {
    pub name: String,
    pub outcome: Outcome,
    pub time: Duration,
    pub note: String,
}

/// Collects stages and prints a summary table.
#[derive(Default)]
pub struct Summary {
    pub stages: Vec<Stage>,
}

impl Summary {
    /// Runs `f` as a stage named `name`, records its outcome and time, and returns whether it
    /// passed.
    pub fn stage(&mut self, name: &str, f: impl FnOnce() -> Result<Option<String>>) -> bool {
        heading(name);
        let (res, time) = timed(f);
        let (outcome, note) = match res {
            Ok(None) => (Outcome::Passed, String::new()),
            // A stage that returns a note was skipped on purpose; the note says why.
            Ok(Some(note)) => (Outcome::Skipped, note),
            Err(Error(msg)) => {
                eprintln!("error: {msg}");
                (Outcome::Failed, msg)
            }
        };
        let passed = outcome != Outcome::Failed;
        self.stages.push(Stage {
            name: name.to_string(),
            outcome,
            time,
            note,
        });
        passed
    }

    /// Records a stage that did not run.
    pub fn skip(&mut self, name: &str, why: &str) {
        heading(name);
        println!("skipped: {why}");
        self.stages.push(Stage {
            name: name.to_string(),
            outcome: Outcome::Skipped,
            time: Duration::ZERO,
            note: why.to_string(),
        });
    }

    pub fn failed(&self) -> usize {
        self.count(Outcome::Failed)
    }

    fn count(&self, o: Outcome) -> usize {
        self.stages.iter().filter(|s| s.outcome == o).count()
    }

    pub fn print(&self, total: Duration) {
        println!("\n==> summary");
        let width = self.stages.iter().map(|s| s.name.len()).max().unwrap_or(5);
        for s in &self.stages {
            let label = match s.outcome {
                Outcome::Passed => "ok  ",
                Outcome::Failed => "FAIL",
                Outcome::Skipped => "skip",
            };
            let note = s.note.lines().next().unwrap_or("");
            println!("  {label}  {:<width$}  {:>8}  {note}", s.name, secs(s.time),);
        }
        println!("  total {}", secs(total));
        println!(
            "stages: {} passed, {} failed, {} skipped",
            self.count(Outcome::Passed),
            self.count(Outcome::Failed),
            self.count(Outcome::Skipped)
        );
    }
}

/// File size in bytes, or 0.
pub fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Human-readable size.
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
