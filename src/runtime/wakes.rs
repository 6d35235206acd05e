//! When the workers of recent runs began, by rank: the calibration reads how parked workers
//! start from the runs a visitor actually makes, not only from its own probe.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Runs remembered per rank: enough for a steady quartile, few enough to follow a machine
/// whose load changes.
const KEPT: usize = 64;

/// Per rank (earliest worker first), the latest runs' start times in seconds.
static RECENT: Mutex<Vec<VecDeque<f64>>> = Mutex::new(Vec::new());

thread_local! {
    /// Open `Unrecorded` guards on this thread (a run is recorded by the thread that made it).
    static UNRECORDED: Cell<usize> = const { Cell::new(0) };
}

/// Keeps the runs made while it lives out of the record: the calibration's runs time its own
/// questions, and on a fresh page, while every thread still compiles the engine, their
/// workers started 0.3 ms late, which kept a page's first 0.1 ms jobs serial.
pub(crate) struct Unrecorded;

impl Unrecorded {
    pub(crate) fn new() -> Self {
        UNRECORDED.with(|open| open.set(open.get() + 1));
        Unrecorded
    }
}

impl Drop for Unrecorded {
    fn drop(&mut self) {
        UNRECORDED.with(|open| open.set(open.get() - 1));
    }
}

/// Records one run's worker start times, earliest first, in seconds since the run started.
pub(crate) fn record(starts_s: &[f64]) {
    if UNRECORDED.with(Cell::get) > 0 {
        return;
    }
    let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    if recent.len() < starts_s.len() {
        recent.resize_with(starts_s.len(), VecDeque::new);
    }
    for (rank, &start) in starts_s.iter().enumerate() {
        let kept = &mut recent[rank];
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back(start);
    }
}

/// The remembered start times of the worker of `rank` (0: the earliest).
pub(crate) fn recent(rank: usize) -> Vec<f64> {
    let recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    recent
        .get(rank)
        .map(|kept| kept.iter().copied().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_runs_per_rank() {
        for run in 0..(KEPT + 10) {
            record(&[0.0, run as f64]);
        }
        let latest = recent(1);
        assert!(latest.len() <= KEPT);
        assert_eq!(latest.last(), Some(&((KEPT + 9) as f64)));
        assert!(recent(5).is_empty());
        // Runs made under a guard are left out.
        {
            let _unrecorded = Unrecorded::new();
            record(&[0.0, -1.0]);
        }
        assert_eq!(recent(1).last(), Some(&((KEPT + 9) as f64)));
    }
}
