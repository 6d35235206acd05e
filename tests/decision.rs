//! The decision rule's edges and the bottleneck classification, on hand-built predictions where
//! the right answer follows from the rule's definition.

use amorsize::explain::{bottleneck, Bottleneck};
use amorsize::model::{Breakdown, Prediction};
use amorsize::plan::{best_of, pays_off, Plan};
use amorsize::tuning::{MIN_GAIN, NEAR_TIE, UNEVEN_CV};

fn prediction(workers: usize, compute_s: f64, overhead_s: f64) -> Prediction {
    let breakdown = Breakdown {
        compute_s,
        startup_s: overhead_s,
        dispatch_s: 0.0,
        transfer_s: 0.0,
        imbalance_s: 0.0,
    };
    Prediction {
        serial: false,
        workers,
        chunk_size: 10,
        time_s: breakdown.total(),
        low_s: breakdown.total(),
        high_s: breakdown.total(),
        breakdown,
    }
}

#[test]
fn parallel_must_reach_the_minimum_gain() {
    let serial_s = 1.0;
    // No overheads, so only the gain decides: just under and at MIN_GAIN.
    let under = prediction(2, serial_s / (MIN_GAIN * 0.999), 0.0);
    let at = prediction(2, serial_s / (MIN_GAIN * 1.001), 0.0);
    assert!(!pays_off(serial_s, &under));
    assert!(pays_off(serial_s, &at));
}

#[test]
fn parallel_must_still_win_with_its_overheads_doubled() {
    let serial_s = 1.0;
    // Predicted 1.25x, but 0.6 s of compute + 2 x 0.2 s of overhead is exactly serial: it wins.
    let holds = prediction(2, 0.6, 0.2);
    assert!(pays_off(serial_s, &holds));
    // Predicted 1.25x too, yet doubled overheads (0.4 + 2 x 0.4) lose to serial.
    let fragile = prediction(2, 0.4, 0.4);
    assert!(
        fragile.time_s < serial_s / MIN_GAIN,
        "the gain alone would pass"
    );
    assert!(!pays_off(serial_s, &fragile));
}

#[test]
fn one_worker_never_pays_however_fast() {
    assert!(!pays_off(1.0, &prediction(1, 0.1, 0.0)));
}

#[test]
fn near_ties_go_to_the_fewest_workers() {
    let fastest = 1.0;
    let per_workers = [
        prediction(1, 3.0, 0.0),
        prediction(2, fastest * NEAR_TIE * 0.999, 0.0),
        prediction(3, fastest, 0.0),
    ];
    assert_eq!(best_of(&per_workers).unwrap().workers, 2);
    // Just outside the tie, the faster count wins.
    let per_workers = [
        prediction(2, fastest * NEAR_TIE * 1.001, 0.0),
        prediction(3, fastest, 0.0),
    ];
    assert_eq!(best_of(&per_workers).unwrap().workers, 3);
    assert!(best_of(&[]).is_none());
}

fn plan_with_serial(serial_s: f64) -> Plan {
    Plan {
        predicted_serial_s: serial_s,
        ..Plan::fixed(2, 10)
    }
}

fn shares(startup: f64, dispatch: f64, transfer: f64, imbalance: f64) -> Breakdown {
    Breakdown {
        compute_s: 1.0,
        startup_s: startup,
        dispatch_s: dispatch,
        transfer_s: transfer,
        imbalance_s: imbalance,
    }
}

#[test]
fn the_largest_overhead_is_the_bottleneck() {
    let plan = plan_with_serial(2.0);
    for (b, expected) in [
        (shares(0.5, 0.1, 0.0, 0.0), Bottleneck::Startup),
        (shares(0.0, 0.5, 0.1, 0.0), Bottleneck::Dispatch),
        (shares(0.0, 0.1, 0.5, 0.0), Bottleneck::Transfer),
        (shares(0.0, 0.1, 0.0, 0.5), Bottleneck::Imbalance),
    ] {
        assert_eq!(bottleneck(&b, 0.1, &plan), expected, "{b:?}");
    }
}

#[test]
fn small_overheads_are_no_bottleneck_and_uneven_items_name_imbalance() {
    let plan = plan_with_serial(2.0);
    assert_eq!(
        bottleneck(&shares(0.01, 0.02, 0.0, 0.03), 0.1, &plan),
        Bottleneck::None
    );
    let imbalance = shares(0.0, 0.0, 0.0, 0.5);
    assert_eq!(
        bottleneck(&imbalance, UNEVEN_CV * 1.1, &plan),
        Bottleneck::Heterogeneous
    );
    assert_eq!(
        bottleneck(&imbalance, UNEVEN_CV * 0.9, &plan),
        Bottleneck::Imbalance
    );
}

#[test]
fn work_shorter_than_a_few_startups_is_insufficient() {
    let b = shares(0.5, 0.0, 0.0, 0.0);
    assert_eq!(
        bottleneck(&b, 0.1, &plan_with_serial(1.0)),
        Bottleneck::InsufficientWork
    );
    assert_eq!(
        bottleneck(&b, 0.1, &plan_with_serial(3.0)),
        Bottleneck::Startup
    );
}

#[test]
fn imbalance_with_chunks_of_one_item_asks_for_smaller_items_not_chunks() {
    let one_item_chunks = amorsize::explain::advice(Bottleneck::Imbalance, &Plan::fixed(2, 1));
    assert!(one_item_chunks[0].contains("chunks of one item already"));
    let larger = amorsize::explain::advice(Bottleneck::Imbalance, &Plan::fixed(2, 10));
    assert!(larger[0].contains("use smaller chunks"));
}
