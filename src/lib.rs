//! Amorsize: should this map run in parallel, with how many workers, and what chunk size?
//!
//! Given `results = items.map(f)` and a pool of k workers that take chunks of c items, the
//! engine answers by measurement which shape, serial or (k, c), finishes first on this
//! machine, by how much, and why.
//!
//! # The pipeline
//!
//! ```text
//! Workload ──► sample ──► Profile ─┐
//! Machine  ──► calibrate ► Costs ──┴─► model ──► plan ──► executor ──► RunSummary ──► report
//!                                        ▲                                   │
//!                                        └──────────── sweep / tune ◄────────┘
//! ```
//!
//! # The five steps of a decision
//!
//! 1. **Sample** ([`sample`]): time `f` on a stratified sample of the items, warm-up dropped,
//!    within a time budget. The [`sample::Profile`] holds the per-item time distribution
//!    (mean, spread, quantiles) and the bytes each item and result would cost to copy.
//! 2. **Calibrate** ([`calibrate`]): once per process, measure what the pool charges: run
//!    start-up, waking a worker, handing out a chunk, copying a byte. Each figure of the
//!    [`calibrate::Costs`] says whether it was measured here or assumed ([`provenance`]).
//! 3. **Model** ([`model`]): predict the makespan of every worker count k at its best chunk
//!    size c by replaying the executor's schedule on sampled costs, with a breakdown into
//!    compute, start-up, dispatch, transfer and imbalance.
//! 4. **Decide** ([`plan`]): take the fastest k (the fewest workers among near-ties), and go
//!    parallel only when it gains at least [`tuning::MIN_GAIN`] and still wins with its
//!    overheads doubled. The [`Plan`] is that [`Shape`] plus its prediction and evidence.
//! 5. **Explain** ([`explain`], [`report`]): reasons, warnings, the bottleneck and advice,
//!    as a [`Report`] of sections.
//!
//! The [`executor`] then runs a [`Shape`] for real: exactly k workers pull chunks of c items
//! from one shared counter, with shared or copied transfer, recording a per-chunk timeline.
//! [`sweep()`] and [`tune()`] check a decision against measured runs.
//!
//! # A worked example
//!
//! ```
//! use amorsize::{Options, Shape};
//!
//! // 20 000 items of about 200 multiply-adds each.
//! let items: Vec<u64> = (0..20_000).collect();
//! let work = |x: &u64| (0..200).fold(*x, |a, i| a.wrapping_mul(6364136223846793005).wrapping_add(i));
//!
//! // Steps 1-5: sample, calibrate, model, decide, explain.
//! let plan = amorsize::optimize(&items, work).unwrap();
//! println!("{}: predicted {:.2}x", plan.label(), plan.predicted_speedup);
//! for reason in &plan.reasons {
//!     println!("  because {reason}");
//! }
//!
//! // Run the recommendation, and serial beside it.
//! let run = amorsize::execute(&items, work, &plan).unwrap();
//! let serial = amorsize::execute(&items, work, Shape::Serial).unwrap();
//! assert_eq!(run.results, serial.results);
//! println!("measured {:.2}x", serial.run.elapsed_s / run.run.elapsed_s);
//!
//! // The same decision with options: at most two workers, a 50 ms sampling budget.
//! let options = Options {
//!     max_workers: Some(2),
//!     time_budget: std::time::Duration::from_millis(50),
//!     ..Options::default()
//! };
//! let capped = amorsize::optimize_with(&items, work, &options).unwrap();
//! assert!(capped.shape().workers() <= 2);
//! ```
//!
//! # The entry points
//!
//! Four verbs, each in three forms that differ only in their last argument and bounds:
//!
//! | plain | with [`Options`] | copy transfer (serde items and results) |
//! |---|---|---|
//! | [`optimize`]`(items, f)` | [`optimize_with`]`(.., &options)` | [`optimize_copied`]`(.., &options)` |
//! | [`execute`]`(items, f, shape)` | [`execute_with`]`(.., &options)` | [`execute_copied`]`(.., &options)` |
//! | [`sweep`](fn@sweep)`(items, f, &grid)` | [`sweep_with`]`(.., &options)` | [`sweep_copied`]`(.., &options)` |
//! | [`tune`](fn@tune)`(items, f)` | [`tune_with`]`(.., &options)` | [`tune_copied`]`(.., &options)` |
//!
//! Like rayon's `par_iter`, the plain and `_with` forms need only `T: Sync` and `R: Send`:
//! workers read the items and write the results in place. The `_copied` forms serialize each
//! chunk's items to its worker and the results back, as a process pool or the browser's
//! `postMessage` must, so they also need `Serialize + DeserializeOwned`; the type says which
//! transfer a call pays for. One [`Options`] serves all twelve (each reads the fields that
//! concern it), and what a call is about is its own argument: the [`Shape`] (or `&Plan`) to
//! execute, the [`Grid`] to sweep.
//!
//! # Layers
//!
//! Each module imports only those of its own layer or below (`tests/layers.rs` checks it;
//! `docs/architecture.md` maps features to files):
//!
//! ```text
//! playground   catalog, jobs, studies, benchmark, policy, request service (web/ and bin/ call it)
//! api, report  the public functions below; the report's sections
//! explain, sweep, tune
//! plan         a Shape + its prediction + its evidence
//! model
//! sample, calibrate, executor
//! runtime      slots, schedule, copy path
//! clock, pool, cancel, provenance, shape, options, tuning, stats, units, error, workload
//! ```
//!
//! The engine is platform-neutral: time, threads and waiting come through [`clock`] and
//! [`pool`], which the browser build replaces.

mod api;
pub mod calibrate;
pub mod cancel;
pub mod clock;
pub mod error;
pub mod executor;
pub mod explain;
pub mod memory;
pub mod model;
pub mod options;
pub mod plan;
pub mod playground;
pub mod pool;
pub mod provenance;
pub mod report;
pub(crate) mod runtime;
pub mod sample;
pub mod script;
pub mod shape;
pub mod stats;
pub mod sweep;
pub mod trap;
pub mod trial;
pub mod tune;
pub mod tuning;
pub mod units;
pub mod workload;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use api::{
    execute, execute_copied, execute_with, optimize, optimize_copied, optimize_with, sweep,
    sweep_copied, sweep_with, tune, tune_copied, tune_with,
};
pub use cancel::CancelToken;
pub use error::{Error, Result};
pub use executor::{ChunkTiming, Execution, RunSummary};
pub use options::{Options, Progress, Start, Transfer};
pub use plan::{Plan, Strategy};
pub use report::Report;
pub use shape::Shape;
pub use sweep::{Grid, Measurement, SweepPoint, SweepResult};
pub use tune::TuneResult;
pub use workload::{ParamKind, ParamSpec, ParamValue, Params, Workload, WorkloadInfo};
