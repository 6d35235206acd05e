//! A short job the model cannot call is decided by running it (`amorsize::trial`): the plan
//! carries the trial, follows it, and predicts the trial's medians.

use amorsize::{Report, Strategy};

/// About a microsecond of dependent multiplies per item.
fn item(x: &u64) -> u64 {
    (0..300).fold(*x, |h, _| {
        let h = std::hint::black_box(h ^ (h >> 29));
        h.wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407)
    })
}

#[test]
fn a_short_job_the_model_is_unsure_of_is_decided_by_running_it() {
    // Jobs of about 0.05-0.4 ms, where a second worker's gain is the size of its start-up.
    let plans: Vec<_> = [50u64, 100, 200, 400]
        .iter()
        .map(|&n| {
            let items: Vec<u64> = (0..n).collect();
            amorsize::optimize(&items, item).unwrap()
        })
        .collect();
    let tried: Vec<_> = plans.iter().filter(|p| p.trial.is_some()).collect();
    assert!(
        !tried.is_empty(),
        "no trial in {:?}",
        plans
            .iter()
            .map(|p| (p.label(), p.predicted_serial_s, p.reasons.last().cloned()))
            .collect::<Vec<_>>()
    );
    for plan in tried {
        let trial = plan.trial.unwrap();
        assert!(trial.runs >= 3);
        assert!(plan.decision.trial_s >= trial.elapsed_s * 0.99);
        assert!(plan.decision.total_s > plan.decision.trial_s);
        assert_eq!(plan.predicted_serial_s, trial.serial_s);
        if trial.parallel_pays() {
            assert_eq!(
                (plan.strategy, plan.workers, plan.chunk_size),
                (Strategy::Parallel, trial.workers, trial.chunk_size)
            );
            assert_eq!(plan.predicted_time_s, trial.parallel_s);
        } else {
            assert_eq!(plan.strategy, Strategy::Serial);
            assert_eq!(plan.predicted_time_s, trial.serial_s);
            assert_eq!(plan.predicted_speedup, 1.0);
        }
        let text = Report::new(plan, None).unwrap().to_string();
        assert!(text.contains("in the decision's trial"), "{text}");
        assert!(text.contains("alternately"), "{text}");
    }
}
