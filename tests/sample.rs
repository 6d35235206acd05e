//! The sampler on real functions whose cost profile is known by construction.

use amorsize::plan::WarningKind;
use std::hint::black_box;

/// About `rounds` dependent multiply-adds: a cost proportional to `rounds`.
fn spin(seed: u64, rounds: u64) -> u64 {
    (0..rounds).fold(seed, |a, i| {
        black_box(a.wrapping_mul(6364136223846793005).wrapping_add(i))
    })
}

#[test]
fn identical_cheap_items_are_not_reported_as_uneven() {
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
    // One item in four costs 40 times the others, in a random order: an item-level CV near 1.7.
    let mut rng = fastrand::Rng::with_seed(7);
    let items: Vec<u64> = (0..20_000)
        .map(|_| if rng.u8(..4) == 0 { 40_000 } else { 1_000 })
        .collect();
    let plan = amorsize::optimize(&items, |&rounds| spin(rounds, rounds)).unwrap();
    let profile = plan.profile.as_ref().unwrap();
    assert!(profile.cv > 0.5, "cv {} on bimodal items", profile.cv);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.kind == WarningKind::Heterogeneous),
        "{:?}",
        plan.warnings
    );
}
