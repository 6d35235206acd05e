//! Pool threads that stay awake after a run and take the next run's worker calls directly.
//!
//! In the browser a parked pool thread wakes in 0.1 ms or, in spells lasting seconds, in about
//! 1 ms (its core halted), which a run of under a millisecond cannot repay. A thread that
//! lingers spins for `LINGER_S` after a run; a run that starts meanwhile hands its calls to the
//! lingering threads through a queue instead of spawning them into rayon. Spawning would also
//! have rayon wake a parked thread, which on a machine with few cores took the lingering
//! thread's core for 30-150 µs while it looked for work. OpenMP keeps its threads spinning ten
//! times as long (`KMP_BLOCKTIME`, 200 ms).

use super::Call;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// How long a thread lingers after its last call: the run after a decision, a sweep's next
/// shape and a chart's next point come well within it.
pub const LINGER_S: f64 = 0.02;

/// Lingering threads, spinning or running a handed-off call.
static ALIVE: AtomicUsize = AtomicUsize::new(0);
/// Lingering threads free to take a call: a run claims one before it queues a call, so every
/// queued call has a thread that will take it.
static FREE: AtomicUsize = AtomicUsize::new(0);
/// Lingering threads that are up and spinning (or running a call): spawned ones count only once
/// they run, which in the browser is 0.1-1 ms after `keep`.
static SPINNING: AtomicUsize = AtomicUsize::new(0);
/// Calls queued and not yet taken; read without the lock while spinning.
static QUEUED: AtomicUsize = AtomicUsize::new(0);
static QUEUE: Mutex<VecDeque<Call>> = Mutex::new(VecDeque::new());
/// Bumped to send every lingering thread back to rayon.
static RELEASES: AtomicUsize = AtomicUsize::new(0);

/// A lingering thread up this long without spinning has lost its core: in the browser, V8's
/// background threads (compilers, GC) took a spinning thread's core for 8-12 requests in a
/// row about 20 requests into a page's life, and the 0.1 ms runs handed to it in that time ran
/// on the caller alone. A time slice given to another thread for a message lasts less.
const STARVED_AFTER_S: f64 = 0.2e-3;
/// One slot per lingering thread: the clock at its latest spin (`f64` bits), `BUSY` while it
/// runs a call, `FREE_SLOT` when no thread has it.
const BEAT_SLOTS: usize = 64;
const FREE_SLOT: u64 = u64::MAX;
const BUSY: u64 = u64::MAX - 1;
static BEATS: [AtomicU64; BEAT_SLOTS] = [const { AtomicU64::new(FREE_SLOT) }; BEAT_SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set while this thread, lingering, runs a handed-off call that has not yet counted the
    /// thread free again.
    static OWES_FREE: Cell<bool> = const { Cell::new(false) };
}

/// Counts this thread free again if it is a lingering thread running a handed-off call. A
/// call does this before it lets its run return: counted after the call returned, the thread
/// could still look busy when the caller started its next run at once (a steady reading runs
/// them back to back), and that run's call went to a parked thread.
pub(super) fn call_finishing() {
    if OWES_FREE.with(|owes| owes.replace(false)) {
        FREE.fetch_add(1, Ordering::AcqRel);
    }
}

/// Tops the lingering threads up to `threads`, spawning them into rayon's global pool.
pub(super) fn keep(threads: usize) {
    loop {
        let alive = ALIVE.load(Ordering::Acquire);
        if alive >= threads {
            return;
        }
        if ALIVE
            .compare_exchange_weak(alive, alive + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            FREE.fetch_add(1, Ordering::AcqRel);
            rayon::spawn(linger);
        }
    }
}

/// Lingering threads that are up, free to take a call at once.
pub(super) fn spinning() -> usize {
    SPINNING
        .load(Ordering::Acquire)
        .min(FREE.load(Ordering::Acquire))
}

/// Whether a lingering thread that is up has not spun for `STARVED_AFTER_S`: another thread
/// has its core, and a call handed to it waits until the OS gives the core back.
pub(super) fn starved() -> bool {
    silent_slot(&BEATS, crate::clock::now())
}

/// Whether a slot of `beats` holds a beat older than `STARVED_AFTER_S` at `now`.
fn silent_slot(beats: &[AtomicU64], now: f64) -> bool {
    beats
        .iter()
        .filter_map(spun_at)
        .any(|at| now - at > STARVED_AFTER_S)
}

/// When the thread holding `slot` last spun; none for a free slot or a thread running a call.
fn spun_at(slot: &AtomicU64) -> Option<f64> {
    let beat = slot.load(Ordering::Acquire);
    (beat != FREE_SLOT && beat != BUSY).then(|| f64::from_bits(beat))
}

/// Sends every lingering thread back to rayon once it has taken the calls queued for it.
pub(super) fn release() {
    RELEASES.fetch_add(1, Ordering::AcqRel);
}

/// Hands `call` to a free lingering thread, or spawns it into rayon when none is free.
pub(super) fn hand_off(call: Call) {
    if take_one(&FREE) {
        QUEUE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(call);
        QUEUED.fetch_add(1, Ordering::AcqRel);
    } else {
        rayon::spawn(call);
    }
}

/// Decrements `count` unless it is zero; whether it did.
fn take_one(count: &AtomicUsize) -> bool {
    count
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
        .is_ok()
}

fn next_call() -> Option<Call> {
    if QUEUED.load(Ordering::Acquire) == 0 {
        return None;
    }
    let call = QUEUE.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
    if call.is_some() {
        QUEUED.fetch_sub(1, Ordering::AcqRel);
    }
    call
}

/// One lingering thread: takes queued calls until it has had none for `LINGER_S` or is
/// released, and leaves only when no queued call is owed to it (`FREE` above zero).
fn linger() {
    SPINNING.fetch_add(1, Ordering::AcqRel);
    let beat = &BEATS[NEXT_SLOT.fetch_add(1, Ordering::AcqRel) % BEAT_SLOTS];
    let started = crate::clock::now();
    beat.store(started.to_bits(), Ordering::Release);
    let mut released = RELEASES.load(Ordering::Acquire);
    let mut until = started + LINGER_S;
    let mut spins = 0u32;
    loop {
        if let Some(call) = next_call() {
            beat.store(BUSY, Ordering::Release);
            OWES_FREE.with(|owes| owes.set(true));
            call();
            call_finishing();
            let now = crate::clock::now();
            beat.store(now.to_bits(), Ordering::Release);
            until = now + LINGER_S;
            continue;
        }
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        let now = spins.is_multiple_of(64).then(crate::clock::now);
        if let Some(now) = now {
            beat.store(now.to_bits(), Ordering::Release);
        }
        let asked = RELEASES.load(Ordering::Acquire) != released;
        if (asked || now.is_some_and(|now| now > until)) && take_one(&FREE) {
            break;
        }
        if asked {
            released = RELEASES.load(Ordering::Acquire);
        }
    }
    beat.store(FREE_SLOT, Ordering::Release);
    SPINNING.fetch_sub(1, Ordering::AcqRel);
    ALIVE.fetch_sub(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    fn ran_elsewhere(call_from: impl FnOnce(Call)) -> bool {
        let (sent, received) = mpsc::channel();
        let caller = std::thread::current().id();
        call_from(Box::new(move || {
            let _ = sent.send(std::thread::current().id());
        }));
        received
            .recv_timeout(Duration::from_secs(10))
            .is_ok_and(|id| id != caller)
    }

    #[test]
    fn a_call_handed_off_runs_on_a_lingering_thread_or_on_rayon() {
        keep(1);
        // `keep` counts the thread free at once, so this call is queued for it, not spawned.
        assert!(ran_elsewhere(hand_off));
        release();
        assert!(ran_elsewhere(hand_off));
    }

    #[test]
    fn a_slot_silent_past_the_limit_is_starved_and_a_busy_or_free_one_is_not() {
        let now = 10.0;
        let slots = |beat: u64| [AtomicU64::new(FREE_SLOT), AtomicU64::new(beat)];
        assert!(!silent_slot(&slots(FREE_SLOT), now));
        assert!(!silent_slot(
            &slots((now - 0.5 * STARVED_AFTER_S).to_bits()),
            now
        ));
        assert!(silent_slot(
            &slots((now - 2.0 * STARVED_AFTER_S).to_bits()),
            now
        ));
        assert!(
            !silent_slot(&slots(BUSY), now),
            "a thread running a call is busy"
        );
    }

    #[test]
    fn a_lingering_thread_beats_while_it_spins() {
        // Scheduling decides when the thread runs, so this only asks that a beat comes at all.
        let deadline = Instant::now() + Duration::from_secs(10);
        let beat_recently = || {
            let now = crate::clock::now();
            BEATS.iter().filter_map(spun_at).any(|at| now - at < 0.1)
        };
        while !beat_recently() {
            assert!(
                Instant::now() < deadline,
                "no lingering thread beat in 10 s"
            );
            keep(1);
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn released_threads_leave() {
        keep(2);
        release();
        let deadline = Instant::now() + Duration::from_secs(10);
        while ALIVE.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(ALIVE.load(Ordering::Acquire), 0);
    }
}
