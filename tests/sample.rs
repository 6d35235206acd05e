//! The sampler on real functions whose cost profile is known by construction.

use amorsize::plan::WarningKind;
use std::hint::black_box;
use std::sync::{Mutex, MutexGuard};

/// These tests time work on the global pool: run in parallel (cargo's default) they would
/// measure one another, so each holds this lock while it runs.
fn alone() -> MutexGuard<'static, ()> {
    static TIMING: Mutex<()> = Mutex::new(());
    TIMING.lock().unwrap_or_else(|e| e.into_inner())
}

/// About `rounds` dependent multiply-adds: a cost proportional to `rounds`.
fn spin(seed: u64, rounds: u64) -> u64 {
    (0..rounds).fold(seed, |a, i| {
        black_box(a.wrapping_mul(6364136223846793005).wrapping_add(i))
    })
}

#[test]
fn identical_cheap_items_are_not_reported_as_uneven() {
    let _alone = alone();
    // Nanosecond items are timed in long batches, whose means differ by timer jitter only.
    let items: Vec<u64> = (0..4_000_000).collect();
    let plan = amorsize::optimize(&items, |&x| spin(x, 2)).unwrap();
    let profile = plan.profile.as_ref().unwrap();
    assert!(profile.batch_len > 1, "batch of {}", profile.batch_len);
    assert!(profile.cv < 0.5, "cv {} on identical items", profile.cv);
    assert!(
        plan.warnings
            .iter()
            .all(|w| w.kind != WarningKind::Heterogeneous),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn items_of_two_very_different_costs_are_reported_as_uneven() {
    let _alone = alone();
    // One item in four costs 40 times the others, in a random order: an item-level CV near 1.7.
    let mut rng = fastrand::Rng::with_seed(7);
    let items: Vec<u64> = (0..20_000)
        .map(|_| if rng.u8(..4) == 0 { 40_000 } else { 1_000 })
        .collect();
    let plan = amorsize::optimize(&items, |&rounds| spin(rounds, rounds)).unwrap();
    let profile = plan.profile.as_ref().unwrap();
    assert!(
        profile.cv > 0.5,
        "cv {} on bimodal items, batch {} x {}, mean {}",
        profile.cv,
        profile.batches,
        profile.batch_len,
        profile.mean_s
    );
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.kind == WarningKind::Heterogeneous),
        "{:?}",
        plan.warnings
    );
}

/// Warnings that only uneven work may earn.
fn false_warnings(plan: &amorsize::Plan) -> Vec<String> {
    plan.warnings
        .iter()
        .filter(|w| {
            matches!(
                w.kind,
                WarningKind::Heterogeneous | WarningKind::IndexDependentCost
            )
        })
        .map(|w| w.message.clone())
        .collect()
}

#[test]
fn fifty_decisions_on_uniform_work_never_call_it_uneven() {
    let _alone = alone();
    // Items of about 20 ns, 2 us and 20 us: long batches, short batches, and one item per
    // batch. On a loaded machine some batches are preempted; none of that is the workload's.
    let mut seen = Vec::new();
    for (rounds, n) in [(20u64, 400_000usize), (2_000, 20_000), (20_000, 2_000)] {
        let items: Vec<u64> = vec![rounds; n];
        for decision in 0..50 {
            let plan = amorsize::optimize(&items, |&r| spin(r, r)).unwrap();
            let warned = false_warnings(&plan);
            if !warned.is_empty() {
                let profile = plan.profile.as_ref().unwrap();
                seen.push(format!(
                    "{rounds} rounds, decision {decision}: {warned:?} (strata {:?})",
                    profile.stratum_means_s
                ));
            }
        }
    }
    assert!(seen.is_empty(), "{}", seen.join("\n"));
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn results_that_own_heap_memory_are_charged_for_it() {
    let _alone = alone();
    // 4,000 results of 16 KiB each: 64 MiB that every run writes to fresh memory.
    let items: Vec<u64> = (0..4_000).collect();
    let plan = amorsize::optimize(&items, |&x| vec![x; 2048]).unwrap();
    let profile = plan.profile.as_ref().unwrap();
    let heap = profile.result_heap_bytes;
    assert!((16_384.0..16_384.0 * 1.1).contains(&heap), "{heap} B");
    assert!(
        plan.reasons.iter().any(|r| r.contains("fresh memory")),
        "{:?}",
        plan.reasons
    );
    // Results that own nothing on the heap read as owning nothing.
    let plan = amorsize::optimize(&items, |&x| spin(x, 100)).unwrap();
    assert_eq!(plan.profile.unwrap().result_heap_bytes, 0.0);
}
