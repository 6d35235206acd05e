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
use std::sync::atomic::{AtomicUsize, Ordering};
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
    let mut released = RELEASES.load(Ordering::Acquire);
    let mut until = crate::clock::now() + LINGER_S;
    let mut spins = 0u32;
    loop {
        if let Some(call) = next_call() {
            OWES_FREE.with(|owes| owes.set(true));
            call();
            call_finishing();
            until = crate::clock::now() + LINGER_S;
            continue;
        }
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        let asked = RELEASES.load(Ordering::Acquire) != released;
        if (asked || (spins.is_multiple_of(64) && crate::clock::now() > until)) && take_one(&FREE) {
            break;
        }
        if asked {
            released = RELEASES.load(Ordering::Acquire);
        }
    }
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
