//! The thresholds that shape a decision, in one table. Each says what it guards against; the
//! runs that set them are in `docs/decisions.md`.
//!
//! | constant | value | used by | what it decides |
//! |---|---|---|---|
//! | [`MIN_GAIN`] | 1.05 | plan | least predicted speedup worth a pool |
//! | [`OVERHEAD_MARGIN`] | 2.0 | plan | parallel must still win with overheads this many times larger |
//! | [`NEAR_TIE`] | 1.01 | plan | worker counts this close in time tie; the fewest wins |
//! | [`CPU_BOUND_FRACTION`] | 0.9 | plan | items busier than this get no more workers than cores |
//! | [`TINY_JOB_S`] | 1 ms | explain | a serial plan for work this short says it is too little to share out |
//! | [`UNEVEN_CV`] | 0.5 | explain | item-time spread above this is uneven work |
//! | [`SKEWED_INDEX`] | 2.0 | explain | costlier late items than early ones by this factor is skew |
//! | [`CONTENTION_NOISE`] | 1.1 | sample, explain | side-by-side slowdown under this is noise |
//! | [`WAITING_SHARE`] | 0.5 | sample | items waiting at least this share may use more workers than cores |
//! | [`OVERSUBSCRIBED_GAIN`] | 1.25 | plan | measured throughput gain past the cores that lets busy items use more workers |
//! | [`LARGE_RESULTS_BYTES`] | 256 MiB | explain | result memory that earns a warning |
//! | [`INSUFFICIENT_WORK_STARTUPS`] | 4 | explain | serial time under this many start-ups: insufficient work |
//! | [`MINOR_OVERHEAD_SHARE`] | 10% | explain | no overhead above this share: no bottleneck |
//! | [`TRANSFER_BOUND_SHARE`] | 30% | explain | copying above this share earns a warning |
//! | [`NOISY_SAMPLE_ERROR`] | 10% | explain | standard error of the sampled mean that earns a warning |
//! | [`SAMPLE_BUDGET_SHARE`] | 2% | sample | most of the serial time the sampler may spend |
//! | [`THREADS_PER_CORE`] | 4 | pool | native pool threads per core (headroom for waiting work) |
//! | [`TRIAL_SERIAL_S`] | 2 ms | trial | jobs predicted this short are decided by running them |
//! | [`TRIAL_BUDGET_S`] | 20 ms | trial | time a trial aims to spend on its runs |
//! | [`TRIAL_CONFIDENT_GAIN`] | 1.25 | plan | a short job predicted this fast with overheads doubled needs no trial |
//! | [`TRIAL_ALWAYS_S`] | 0.1 ms | plan | jobs predicted this short get a trial whatever the model says |
//! | [`TRIAL_MIN_GAIN`] | 1.10 | trial | least measured speedup a trial sends to a pool |
//! | [`SPELL_CAPACITY`] | 0.75 | trial, bench | share of the cores' throughput under which the machine is in a spell |

/// Parallel must be predicted this much faster than serial to be recommended: below it, the
/// gain is within what the measurements can tell apart.
pub const MIN_GAIN: f64 = 1.05;
/// A parallel plan must still beat serial with its overheads multiplied by this: a pool that
/// might lose is not worth it.
pub const OVERHEAD_MARGIN: f64 = 2.0;
/// Worker counts within this factor of the fastest count as tied; the fewest workers win, as
/// the same time for less of the machine.
pub const NEAR_TIE: f64 = 1.01;
/// Items that compute at least this share of their time get no more workers than cores.
pub const CPU_BOUND_FRACTION: f64 = 0.9;
/// A serial plan for work this short says it is too little to share out.
pub const TINY_JOB_S: f64 = 1e-3;
/// A coefficient of variation of item times above this reads as uneven work.
pub const UNEVEN_CV: f64 = 0.5;
/// Late items costlier than early ones (or the reverse) by this factor read as skew.
pub const SKEWED_INDEX: f64 = 2.0;
/// Side by side, stretches that read less than this much slower than alone are taken to scale.
pub const CONTENTION_NOISE: f64 = 1.1;
/// Items must spend at least this share of their time waiting to be run on more workers than
/// cores.
pub const WAITING_SHARE: f64 = 0.5;
/// Busy items may run on more workers than cores when that was measured to raise throughput
/// by at least this factor: below it, the probe's noise could fake the gain.
pub const OVERSUBSCRIBED_GAIN: f64 = 1.25;
/// Result memory that deserves a warning (the browser's wasm memory tops out at 1 GiB).
pub const LARGE_RESULTS_BYTES: f64 = 256.0 * 1024.0 * 1024.0;
/// Share of the estimated serial time the sampler may spend.
pub const SAMPLE_BUDGET_SHARE: f64 = 0.02;
/// How many workers the native pool holds per core: waiting workloads gain past the core count.
pub const THREADS_PER_CORE: usize = 4;
/// Serial time under this many parallel start-ups is too little work to share out.
pub const INSUFFICIENT_WORK_STARTUPS: f64 = 4.0;
/// When no overhead takes this share of the parallel time, nothing is the bottleneck.
pub const MINOR_OVERHEAD_SHARE: f64 = 0.1;
/// Copying above this share of the parallel time earns a warning.
pub const TRANSFER_BOUND_SHARE: f64 = 0.3;
/// A relative standard error of the sampled mean above this earns a warning.
pub const NOISY_SAMPLE_ERROR: f64 = 0.1;
/// A job predicted to run serially within this is decided by a trial (the `trial` module): its gain
/// from a second worker is then the size of the overheads the model estimates, and their
/// noise decided it wrongly (native small bench: a 0.1 ms job kept serial where 2 workers ran
/// 1.45x, or sent to 2 workers that ran 0.73x, in 4 runs of 9).
pub const TRIAL_SERIAL_S: f64 = 2e-3;
/// The time a trial aims to spend on its runs; at least 3 of each shape run whatever it says.
pub const TRIAL_BUDGET_S: f64 = 20e-3;
/// A short job whose best parallel shape is predicted at least this much faster than serial
/// with its overheads doubled needs no trial: the model is sure, and a trial could only be
/// misled. On this 2-core VM the second worker of a run sometimes shares the first's core for
/// spells of 10-20 ms, which read collatz x 1,000 at 0.99x in a trial where it ran 1.7x
/// before and after.
pub const TRIAL_CONFIDENT_GAIN: f64 = 1.25;
/// A job predicted to run serially within this gets a trial whatever the model's overheads say:
/// there they are the size of the job, and the calibration's readings of a few microseconds
/// on the browser's 5 µs clock decided it either way. Browser small benches kept tiny x 10,000
/// (14 µs) serial without a trial in 2 of 10 runs (the overheads halved still lost) where two
/// workers ran it 1.43x, and sent it to two workers without one (the overheads doubled still
/// won) where they ran it 1.07x slower than serial. Its trial costs 15-30 ms.
pub const TRIAL_ALWAYS_S: f64 = 0.1e-3;
/// The least median speedup a trial takes as a gain. Its readings and the runs after it can be
/// a different machine at this scale: natively, trials read tiny x 100,000 (63 µs serial) at
/// 1.04-1.07x in 5 of 9 small benches, and the same shape then ran 0.90-1.08x. Serial there
/// leaves at most what the trial read; parallel can lose more, and a plan slower than serial
/// is the one mistake a visitor cannot shrug off.
pub const TRIAL_MIN_GAIN: f64 = 1.10;
/// Under this share of the cores' throughput (`calibrate::CapacityProbe`) the machine is in a
/// spell: on this 2-core VM the second worker sometimes shares the first's core for a second
/// or more. Outside spells the small bench's rounds read 1.78-2.03 of 2 cores in their median
/// (single rounds down to 0.38); in one spell 1.06.
pub const SPELL_CAPACITY: f64 = 0.75;
