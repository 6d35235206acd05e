//! The model and planner on synthetic profiles, where the right answer is known.

use amorsize::calibrate::{Cost, Costs};
use amorsize::model::Model;
use amorsize::plan::{optimize_profile, Strategy};
use amorsize::provenance::Source;
use amorsize::sample::{Profile, TransferProfile};
use amorsize::trial::Trial;
use amorsize::{Start, Transfer};

fn profile(items: usize, mean_s: f64, within_sd_s: f64) -> Profile {
    Profile {
        oversubscribed_gain: 1.0,
        oversubscribed_gain_source: amorsize::provenance::Source::Assumed,
        oversubscribed_workers: 0,
        items,
        sampled_items: 64,
        batches: 64,
        batch_len: 1,
        mean_s,
        cv: within_sd_s / mean_s,
        p10_s: mean_s,
        p50_s: mean_s,
        p90_s: mean_s,
        max_s: mean_s,
        stratum_means_s: vec![mean_s; 16],
        within_sd_s,
        relative_error: 0.01,
        contention: 1.0,
        contention_source: Source::Measured,
        cpu_fraction: 1.0,
        cpu_fraction_source: Source::Measured,
        bytes_in: 8.0,
        bytes_out: 8.0,
        result_slot_bytes: 8,
        result_heap_bytes: 0.0,
        memory_headroom_bytes: None,
        bytes_serialized: false,
        transfer: None,
        warmup_items: 1,
        sampling_phases: Default::default(),
        sampling_time_s: 0.001,
    }
}

fn costs(cores: usize, dispatch_s: f64) -> Costs {
    Costs {
        cores,
        threads: cores * 4,
        run_fixed_s: Cost::measured(20e-6),
        wake_per_worker_s: Cost::measured(5e-6),
        dispatch_solo_s: Cost::measured(dispatch_s),
        dispatch_shared_s: Cost::measured(dispatch_s),
        startup_per_worker_s: Cost::measured(50e-6),
        message_s: Cost::measured(1e-6),
        fresh_memory_s_per_byte: Cost::measured(0.3e-9),
        fresh_memory_contention: Cost::measured(1.5),
        grown_memory_s_per_byte: Cost::measured(0.8e-9),
        clock_resolution_s: 1e-8,
        parked: Default::default(),
        calibration_time_s: 0.001,
    }
}

fn chosen(profile: Profile, costs: Costs, transfer: Transfer) -> amorsize::Plan {
    let mut plan = optimize_profile(profile, costs, transfer, Start::Warm, None);
    amorsize::explain::explain(&mut plan);
    plan
}

#[test]
fn huge_per_item_cost_uses_every_core() {
    let plan = chosen(profile(1000, 10e-3, 0.0), costs(4, 1e-6), Transfer::Shared);
    assert_eq!(plan.strategy, Strategy::Parallel);
    assert_eq!(plan.workers, 4);
    assert!(plan.predicted_speedup > 3.9, "{}", plan.predicted_speedup);
}

#[test]
fn tiny_items_with_costly_dispatch_stay_serial() {
    let mut c = costs(4, 2e-6);
    c.run_fixed_s = Cost::measured(100e-6);
    let plan = chosen(profile(1000, 1e-9, 0.0), c, Transfer::Shared);
    assert_eq!(plan.strategy, Strategy::Serial);
    assert!(plan.predicted_speedup <= 1.0 + 1e-9);
    assert!(!plan.reasons.is_empty());
}

#[test]
fn heterogeneous_items_get_smaller_chunks() {
    let even = chosen(
        profile(10_000, 10e-6, 0.0),
        costs(4, 0.2e-6),
        Transfer::Shared,
    );
    let uneven = chosen(
        profile(10_000, 10e-6, 30e-6),
        costs(4, 0.2e-6),
        Transfer::Shared,
    );
    assert_eq!(even.workers, uneven.workers);
    assert!(
        uneven.chunk_size < even.chunk_size,
        "heterogeneous {} vs uniform {}",
        uneven.chunk_size,
        even.chunk_size
    );
}

#[test]
fn a_long_run_gets_chunks_of_a_few_milliseconds() {
    // One second of uniform work on 4 workers: the tail a stalled worker leaves is one chunk.
    let plan = chosen(
        profile(1_000_000, 1e-6, 0.0),
        costs(4, 0.2e-6),
        Transfer::Shared,
    );
    assert_eq!(plan.workers, 4);
    let chunk_s = plan.chunk_size as f64 * 1e-6;
    assert!((0.5e-3..=8e-3).contains(&chunk_s), "{chunk_s} s per chunk");
}

#[test]
fn chunk_counts_a_coarse_clock_cannot_tell_apart_are_ties() {
    // 0.12 ms of memory-light items on 2 workers, the second starting 10 µs late: finer chunks
    // hand the late worker a fairer share, by less than a 5 µs clock could ever show.
    let with_clock = |resolution_s: f64| {
        let mut c = costs(2, 1e-8);
        c.clock_resolution_s = resolution_s;
        c.run_fixed_s = Cost::measured(2e-6);
        c.wake_per_worker_s = Cost::measured(0.0);
        c.parked.starts_s = vec![0.0, 10e-6];
        chosen(profile(100_000, 1.2e-9, 0.0), c, Transfer::Shared)
    };
    let fine = with_clock(1e-8);
    let coarse = with_clock(5e-6);
    assert_eq!((fine.workers, coarse.workers), (2, 2));
    let chunks = |plan: &amorsize::Plan| 100_000usize.div_ceil(plan.chunk_size);
    assert!(
        chunks(&coarse) <= chunks(&fine),
        "{} vs {}",
        chunks(&coarse),
        chunks(&fine)
    );
    // The hedge's four chunks per worker, no more.
    assert!(chunks(&coarse) <= 8, "{} chunks", chunks(&coarse));
}

#[test]
fn a_short_job_is_never_cut_into_one_chunk_per_worker() {
    // 0.1 ms of uniform work on 2 prompt workers, where chunk counts tie: a worker that picks up
    // late would leave a lone chunk whole to the caller, so each worker gets at least two.
    let mut c = costs(2, 1e-9);
    c.run_fixed_s = Cost::measured(2e-6);
    c.wake_per_worker_s = Cost::measured(0.0);
    for items in [1_000, 100_000] {
        let plan = chosen(
            profile(items, 0.1e-3 / items as f64, 0.0),
            c.clone(),
            Transfer::Shared,
        );
        assert_eq!(plan.workers, 2, "{items} items");
        let chunks = items.div_ceil(plan.chunk_size);
        assert!(
            (4..=16).contains(&chunks),
            "{items} items: {chunks} chunks of {}",
            plan.chunk_size
        );
    }
}

#[test]
fn copy_heavy_items_get_fewer_bigger_chunks() {
    let base = profile(10_000, 50e-6, 50e-6);
    let mut copied = base.clone();
    copied.transfer = Some(TransferProfile {
        encode_in_s: 2e-6,
        decode_in_s: 2e-6,
        encode_out_s: 2e-6,
        decode_out_s: 2e-6,
    });
    let mut c = costs(4, 0.1e-6);
    c.message_s = Cost::measured(200e-6);
    let shared = chosen(base, c.clone(), Transfer::Shared);
    let copy = chosen(copied, c, Transfer::Copy);
    assert!(
        copy.chunk_size > shared.chunk_size,
        "copy {} vs shared {}",
        copy.chunk_size,
        shared.chunk_size
    );
    assert!(copy.breakdown.transfer_s > 0.0);
    assert_eq!(shared.breakdown.transfer_s, 0.0);
}

#[test]
fn cost_growing_with_index_avoids_one_chunk_per_worker() {
    let mut p = profile(16_000, 10e-6, 0.0);
    p.stratum_means_s = (0..16).map(|s| (s as f64 + 0.5) * 1.25e-6).collect();
    let c = costs(2, 0.1e-6);
    let model = Model::new(&p, &c, Transfer::Shared, Start::Warm);
    let halves = model.predict(2, 8_000);
    let best = model.best_for(2);
    // Two halves of a ramp: the second costs three times the first.
    assert!(halves.breakdown.imbalance_s > 0.2 * halves.time_s);
    assert!(best.chunk_size < 8_000);
    assert!(best.time_s < 0.8 * halves.time_s);
}

#[test]
fn waiting_items_pay_past_the_core_count_and_computing_ones_do_not() {
    let mut waiting = profile(400, 5e-3, 0.0);
    waiting.cpu_fraction = 0.02;
    let plan = chosen(waiting, costs(2, 1e-6), Transfer::Shared);
    assert!(plan.workers > 2, "{}", plan.workers);
    let computing = chosen(profile(400, 5e-3, 0.0), costs(2, 1e-6), Transfer::Shared);
    assert_eq!(computing.workers, 2);
}

#[test]
fn predictions_lie_within_their_bounds_and_pay_for_startup() {
    let p = profile(5000, 20e-6, 10e-6);
    let c = costs(4, 0.5e-6);
    let model = Model::new(&p, &c, Transfer::Shared, Start::Cold);
    for k in 1..=4 {
        for chunk in [1, 7, 100, 5000] {
            let pred = model.predict(k, chunk);
            assert!(pred.low_s <= pred.time_s && pred.time_s <= pred.high_s);
            assert!(pred.breakdown.startup_s >= 20e-6);
        }
    }
}

#[test]
fn contention_measured_with_one_worker_per_core_caps_the_speedup() {
    let mut bandwidth_bound = profile(1_000_000, 2e-9, 0.0);
    bandwidth_bound.contention = 1.6;
    let c = costs(2, 1e-9);
    let model = Model::new(&bandwidth_bound, &c, Transfer::Shared, Start::Warm);
    let best = model.best_for(2);
    let speedup = model.serial().time_s / best.time_s;
    assert!(speedup < 2.0 / 1.6 + 1e-9, "{speedup}");
    assert!(speedup > 1.0);
}

#[test]
fn large_result_vectors_pay_for_fresh_memory_which_shares_out_poorly() {
    let small = profile(1_000_000, 2e-9, 0.0);
    let mut large = profile(16_000_000, 2e-9, 0.0);
    large.result_slot_bytes = 8;
    let c = costs(2, 1e-9);
    let small_model = Model::new(&small, &c, Transfer::Shared, Start::Warm);
    assert!(
        (small_model.serial().time_s - 2e-3).abs() < 1e-9,
        "8 MB of results: no fresh pages"
    );
    let model = Model::new(&large, &c, Transfer::Shared, Start::Warm);
    let serial = model.serial().time_s;
    let fresh = 16e6 * 8.0 * 0.3e-9;
    assert!((serial - (32e-3 + fresh)).abs() < 1e-9);
    let parallel = model.predict(2, 8_000_000).time_s;
    // Compute halves; fresh memory is written 1.5x slower by two writers, so it gains 1.33x.
    let expected = 16e-3 + fresh * 1.5 / 2.0;
    assert!(
        (parallel - expected).abs() < 1e-4,
        "{parallel} vs {expected}"
    );
}

/// 4,000 items of 10 µs whose results own 16 KiB each (24-byte slots), and those results' bytes.
fn owning_results() -> (Profile, f64) {
    let mut owning = profile(4_000, 10e-6, 0.0);
    owning.result_slot_bytes = 24;
    owning.result_heap_bytes = 16_384.0;
    (owning, 4_000.0 * (24.0 + 16_384.0))
}

#[test]
fn in_wasm_only_results_past_the_memory_already_there_pay_for_growing_it() {
    let (owning, results) = owning_results();
    let c = costs(2, 1e-9);
    let serial_with = |headroom: f64| {
        let mut p = owning.clone();
        p.memory_headroom_bytes = Some(headroom);
        Model::new(&p, &c, Transfer::Shared, Start::Warm)
            .serial()
            .time_s
    };
    assert!(
        (serial_with(2.0 * results) - 40e-3).abs() < 1e-9,
        "fits: reused"
    );
    let grown = serial_with(results / 4.0) - 40e-3;
    assert!((grown - 0.75 * results * 0.8e-9).abs() < 1e-9, "{grown}");
    // Memory grows one thread at a time: two workers halve the work, not the growing.
    let mut p = owning.clone();
    p.memory_headroom_bytes = Some(results / 4.0);
    let parallel = Model::new(&p, &c, Transfer::Shared, Start::Warm).predict(2, 2_000);
    assert!(
        (parallel.time_s - (20e-3 + grown)).abs() < 1e-4,
        "{}",
        parallel.time_s
    );
}

#[test]
fn a_plan_repriced_on_grown_memory_leaves_growing_it_out() {
    // 4,000 results owning 16 KiB each, with a quarter of them fitting in the memory there is:
    // the decision prices growing the rest, the runs after a first one do not pay it.
    let (mut owning, results) = owning_results();
    owning.memory_headroom_bytes = Some(results / 4.0);
    let plan = optimize_profile(owning, costs(2, 1e-9), Transfer::Shared, Start::Warm, None);
    let growing = 0.75 * results * 0.8e-9;
    assert!((plan.predicted_serial_s - (40e-3 + growing)).abs() < 1e-9);
    let grown = plan.with_memory_headroom(Some(2 * results as usize));
    assert!((grown.predicted_serial_s - 40e-3).abs() < 1e-9, "{grown:?}");
    assert_eq!(
        (grown.workers, grown.chunk_size),
        (plan.workers, plan.chunk_size)
    );
    assert!(grown.predicted_time_s < plan.predicted_time_s - 0.9 * growing);
    assert!(
        (grown.predicted_speedup - grown.predicted_serial_s / grown.predicted_time_s).abs() < 1e-9
    );
    // Growing is serial, so it weighed against the pool: two workers gain more without it.
    assert!(grown.predicted_speedup > plan.predicted_speedup);
}

#[test]
fn results_that_own_heap_memory_pay_for_it_fresh_too() {
    // 4,000 results of 24 B slots, each owning 16 KiB: 64 MiB written fresh on every run.
    let mut owning = profile(4_000, 10e-6, 0.0);
    owning.result_slot_bytes = 24;
    let c = costs(2, 1e-9);
    let bare = Model::new(&owning, &c, Transfer::Shared, Start::Warm)
        .serial()
        .time_s;
    assert!(
        (bare - 40e-3).abs() < 1e-9,
        "96 KB of slots: no fresh pages"
    );
    owning.result_heap_bytes = 16_384.0;
    let serial = Model::new(&owning, &c, Transfer::Shared, Start::Warm)
        .serial()
        .time_s;
    let fresh = 4_000.0 * (24.0 + 16_384.0) * 0.3e-9;
    assert!((serial - (40e-3 + fresh)).abs() < 1e-9, "{serial}");
}

#[test]
fn a_worker_later_than_its_chunk_leaves_it_to_the_others() {
    // 0.4 ms of uniform work on 2 cores; the second worker wakes 1 ms after the run starts.
    let p = profile(400, 1e-6, 0.0);
    let mut c = costs(2, 1e-9);
    c.parked = amorsize::calibrate::ParkedRun {
        starts_s: vec![0.0, 1e-3],
        join_s: 0.0,
        ..Default::default()
    };
    let model = Model::new(&p, &c, Transfer::Shared, Start::Warm);
    let serial = model.serial().time_s;
    // One chunk each or many: the caller takes the late worker's chunks as it finishes its
    // own, so the run costs what serial does, plus dispatch and join, and never waits for it.
    for chunk_size in [200, 10] {
        let run = model.predict(2, chunk_size).time_s;
        assert!(run < serial * 1.1, "{chunk_size}: {run} vs serial {serial}");
        assert!(
            run >= serial * 0.99,
            "{chunk_size}: {run} vs serial {serial}"
        );
    }
    // A worker that wakes within the caller's first chunk takes the second.
    c.parked.starts_s = vec![0.0, 20e-6];
    let model = Model::new(&p, &c, Transfer::Shared, Start::Warm);
    let prompt = model.predict(2, 200).time_s;
    assert!(prompt < serial * 0.7, "{prompt} vs serial {serial}");
}

#[test]
fn the_near_tied_chunk_sizes_hold_the_chosen_one_and_narrow_as_dispatch_grows() {
    // Cheap dispatch: a wide tie. Dispatch as costly as a fifth of an item: small chunks drop
    // out of it.
    let p = profile(20_000, 2e-6, 0.0);
    let cheap = costs(2, 1e-9);
    let costly = costs(2, 0.4e-6);
    let mut widths = Vec::new();
    for c in [&cheap, &costly] {
        let model = Model::new(&p, c, Transfer::Shared, Start::Warm);
        let best = model.best_for(2);
        let (smallest, largest) = model.chunk_sizes_within(2, 1.01);
        assert!(smallest <= best.chunk_size && best.chunk_size <= largest);
        for chunk in [smallest, largest] {
            assert!(model.predict(2, chunk).time_s <= 1.01 * best.time_s * 1.005);
        }
        widths.push((smallest, largest));
    }
    assert!(widths[1].0 > widths[0].0, "{widths:?}");
}

/// A trial of the whole job, as `amorsize::trial::run` would report it.
fn trial(serial_s: f64, parallel_s: f64, workers: usize, chunk_size: usize) -> Trial {
    Trial {
        workers,
        chunk_size,
        runs: 7,
        serial_s,
        parallel_s,
        serial_quartiles_s: (0.95 * serial_s, 1.05 * serial_s),
        parallel_quartiles_s: (0.9 * parallel_s, 1.1 * parallel_s),
        mean_speedup: serial_s / parallel_s,
        model_serial_s: 1.0,
        model_parallel_s: 1.0,
        elapsed_s: 0.01,
    }
}

#[test]
fn only_short_jobs_the_model_is_unsure_of_get_a_trial() {
    // 0.1 ms of work against 20 µs start-ups: two workers might win or lose.
    let unsure = chosen(profile(100, 1e-6, 0.0), costs(2, 0.1e-6), Transfer::Shared);
    let candidate = unsure.trial_candidate().expect("a trial for a 0.1 ms job");
    assert!(candidate.workers >= 2);
    // Half a millisecond of work that could only pay with overheads a tenth of the
    // calibration's: no trial.
    let mut costly = costs(2, 0.1e-6);
    costly.run_fixed_s = Cost::measured(2e-3);
    let hopeless = chosen(profile(500, 1e-6, 0.0), costly, Transfer::Shared);
    assert_eq!(hopeless.trial_candidate(), None);
    // Two microseconds of work: the overheads' readings are the size of the job, so it is run
    // whatever they say.
    let tiny = chosen(profile(100, 20e-9, 0.0), costs(2, 0.1e-6), Transfer::Shared);
    assert!(tiny.is_serial());
    assert!(tiny.trial_candidate().is_some());
    // A millisecond of 10 µs items: parallel pays with overheads doubled.
    let sure = chosen(profile(100, 10e-6, 0.0), costs(2, 0.1e-6), Transfer::Shared);
    assert_eq!(sure.trial_candidate(), None);
    // Ten milliseconds: the model is accurate there, and a trial would cost too much.
    let long = chosen(
        profile(10_000, 1e-6, 0.0),
        costs(2, 0.1e-6),
        Transfer::Shared,
    );
    assert!(long.predicted_serial_s > 2e-3);
    assert_eq!(long.trial_candidate(), None);
    let mut cold = optimize_profile(
        profile(100, 1e-6, 0.0),
        costs(2, 0.1e-6),
        Transfer::Shared,
        Start::Cold,
        None,
    );
    amorsize::explain::explain(&mut cold);
    assert_eq!(cold.trial_candidate(), None, "cold starts are the model's");
}

#[test]
fn a_trial_decides_and_its_medians_are_the_prediction_of_the_shapes_it_ran() {
    let model = chosen(profile(100, 1e-6, 0.0), costs(2, 0.1e-6), Transfer::Shared);
    let c = model.trial_candidate().unwrap().chunk_size;

    let parallel = model.decided_by(trial(100e-6, 60e-6, 2, c));
    parallel_is(&parallel, 2, c);
    assert_eq!(parallel.predicted_serial_s, 100e-6);
    assert_eq!(parallel.predicted_time_s, 60e-6);
    assert!((parallel.predicted_speedup - 100.0 / 60.0).abs() < 1e-12);
    let (low, high) = parallel.speedup_interval;
    assert!(low < parallel.predicted_speedup && parallel.predicted_speedup < high);
    // The breakdown stays the model's, for the shape the trial ran.
    let modelled = model.with_shape(2, c);
    assert_eq!(parallel.breakdown, modelled.breakdown);
    // A shape the trial did not run is the model's prediction, against the measured serial.
    let other = parallel.with_shape(2, 1);
    assert_eq!(
        other.predicted_time_s,
        model.with_shape(2, 1).predicted_time_s
    );
    assert_eq!(other.predicted_serial_s, 100e-6);

    // Parallel measured under 1.10x faster (`TRIAL_MIN_GAIN`): serial, at its measured time,
    // 1.00x.
    let serial = model.decided_by(trial(100e-6, 93e-6, 2, c));
    assert!(serial.is_serial());
    assert_eq!(serial.predicted_time_s, 100e-6);
    assert_eq!(
        (serial.predicted_speedup, serial.speedup_interval),
        (1.0, (1.0, 1.0))
    );
}

fn parallel_is(plan: &amorsize::Plan, workers: usize, chunk_size: usize) {
    assert_eq!(
        (plan.strategy, plan.workers, plan.chunk_size),
        (Strategy::Parallel, workers, chunk_size)
    );
}

#[test]
fn shapes_apart_by_less_than_the_samples_error_are_ties() {
    // 0.1 ms of 1 µs items on 2 prompt workers, whose last stratum read cheaper or costlier
    // than the rest, as a tick of the clock can make a 25-item batch read, with the sample's
    // error saying so. Shapes that fit such a reading a little better (chunks of 7, 9, 16 or
    // 32) leave one worker 12-28% more items than the other.
    let mut c = costs(2, 1e-9);
    c.run_fixed_s = Cost::measured(2e-6);
    c.wake_per_worker_s = Cost::measured(0.0);
    for tenths in 1..=20 {
        let last = f64::from(tenths) * 0.1e-6;
        let mut p = profile(100, 1e-6, 0.0);
        p.stratum_means_s = vec![1.1e-6, 1.1e-6, 1.1e-6, last];
        p.mean_s = (3.3e-6 + last) / 4.0;
        p.relative_error = 0.1;
        let plan = chosen(p, c.clone(), Transfer::Shared);
        assert_eq!(plan.workers, 2, "last stratum {last}");
        // On items that cost the same, the busier worker's share over an even share.
        let chunks = 100usize.div_ceil(plan.chunk_size);
        let busiest = chunks.div_ceil(2) * plan.chunk_size;
        assert!(
            busiest as f64 <= 1.1 * 50.0,
            "last stratum {last}: chunks of {}",
            plan.chunk_size
        );
    }
}

/// The reasons `plan` gives once its trial read `serial_s` and `parallel_s` on its candidate.
fn reasons_after_trial(plan: &amorsize::Plan, serial_s: f64, parallel_s: f64) -> String {
    let candidate = plan.trial_candidate().expect("a plan that needs a trial");
    let mut measured = trial(
        serial_s,
        parallel_s,
        candidate.workers,
        candidate.chunk_size,
    );
    measured.model_serial_s = plan.predicted_serial_s;
    measured.model_parallel_s = candidate.time_s;
    let mut decided = plan.decided_by(measured);
    amorsize::explain::explain(&mut decided);
    decided.reasons.join(" ")
}

#[test]
fn a_trial_says_why_it_ran() {
    // Two microseconds of work, predicted to lose on two workers: run because it is that short.
    let tiny = chosen(profile(100, 20e-9, 0.0), costs(2, 0.1e-6), Transfer::Shared);
    let candidate = tiny.trial_candidate().expect("a trial for a 2 µs job");
    assert!(candidate.time_s > tiny.predicted_serial_s);
    let reasons = reasons_after_trial(&tiny, 2e-6, 3e-6);
    assert!(reasons.contains("the size of the job"), "{reasons}");
    assert!(!reasons.contains("a gain"), "{reasons}");
    // 0.15 ms of work the model is unsure of: run because the gain is the size of the
    // overheads.
    let unsure = chosen(profile(150, 1e-6, 0.0), costs(2, 0.1e-6), Transfer::Shared);
    let reasons = reasons_after_trial(&unsure, 100e-6, 60e-6);
    assert!(
        reasons.contains("a gain the size of its overhead estimates"),
        "{reasons}"
    );
}
