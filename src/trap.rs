//! Why the engine died, where the page can still read it.
//!
//! Built with `panic = "abort"` (the wasm builds), a panicking item or a failed allocation traps
//! the whole wasm instance: no `Result` reaches the page, only "unreachable". Before the trap,
//! the panic hook and the allocator write the cause into `NOTE`, a fixed buffer in linear
//! memory, without allocating. The page keeps the `WebAssembly.Memory` and reads the note after
//! the trap (layout at [`note_address`]).
//!
//! Which item was running is known only in those builds: each worker records the address of
//! the item it maps (one store per item), and the note turns it into an index of the job's
//! items, registered with [`register_items`]. Natively a panic unwinds and the executor reports
//! the index itself.

use std::cell::{Cell, UnsafeCell};
use std::fmt::Write;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Bytes of message text the note holds; longer messages are cut.
pub const TEXT_CAPACITY: usize = 500;

/// `state` of the note: nothing happened yet.
pub const EMPTY: u32 = 0;
/// `state`: a panic (the message is the panic's).
pub const PANIC: u32 = 1;
/// `state`: an allocation failed (the message gives its size).
pub const ALLOCATION: u32 = 2;
/// `item` when no item index is known.
pub const NO_ITEM: u32 = u32::MAX;

/// The note's layout, which the page reads as little-endian 32-bit words at the note's address:
/// `[state, item, length]`, then `length` bytes of UTF-8 text. `state` is written last.
#[repr(C, align(8))]
struct Note {
    state: AtomicU32,
    item: AtomicU32,
    length: AtomicU32,
    /// Zero until the first writer claims the note: only the first failure is kept.
    claimed: AtomicU32,
    text: UnsafeCell<[u8; TEXT_CAPACITY]>,
}

// SAFETY: `text` is written only by the thread that claimed the note, once.
unsafe impl Sync for Note {}

static NOTE: Note = Note {
    state: AtomicU32::new(EMPTY),
    item: AtomicU32::new(NO_ITEM),
    length: AtomicU32::new(0),
    claimed: AtomicU32::new(0),
    text: UnsafeCell::new([0; TEXT_CAPACITY]),
};

/// Where the note starts in linear memory.
pub fn note_address() -> usize {
    &NOTE as *const Note as usize
}

/// The job's items, as `(address of the first, item size, count)`.
static ITEMS: [AtomicUsize; 3] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];

thread_local! {
    /// Address of the item this thread is mapping (0: none).
    static MAPPING: Cell<usize> = const { Cell::new(0) };
}

/// Registers the prepared job's items, so that a note can name an item by its index.
pub fn register_items<T>(items: &[T]) {
    ITEMS[0].store(items.as_ptr() as usize, Ordering::Relaxed);
    ITEMS[1].store(size_of::<T>(), Ordering::Relaxed);
    ITEMS[2].store(items.len(), Ordering::Relaxed);
}

/// Records that this thread is about to map `item`. Compiled only where a panic aborts; where
/// it unwinds, the executor knows the index itself.
#[inline(always)]
pub fn mapping<T>(item: &T) {
    if cfg!(panic = "abort") {
        MAPPING.with(|m| m.set(item as *const T as usize));
    }
}

/// The index of the item this thread was mapping, if it is one of the registered items.
pub fn current_item() -> Option<usize> {
    let address = MAPPING.try_with(|m| m.get()).unwrap_or(0);
    let (first, size, count) = (
        ITEMS[0].load(Ordering::Relaxed),
        ITEMS[1].load(Ordering::Relaxed),
        ITEMS[2].load(Ordering::Relaxed),
    );
    if address < first || size == 0 {
        return None;
    }
    let index = (address - first) / size;
    (index < count && (address - first).is_multiple_of(size)).then_some(index)
}

/// Writes text into a fixed buffer, cutting what does not fit.
struct Fixed<'a> {
    buffer: &'a mut [u8],
    length: usize,
}

impl Write for Fixed<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for c in s.chars() {
            let mut utf8 = [0; 4];
            let bytes = c.encode_utf8(&mut utf8).as_bytes();
            if self.length + bytes.len() > self.buffer.len() {
                return Err(std::fmt::Error);
            }
            self.buffer[self.length..self.length + bytes.len()].copy_from_slice(bytes);
            self.length += bytes.len();
        }
        Ok(())
    }
}

/// Keeps the first failure: `state`, the running item, and the text `write` produces.
fn note(state: u32, write: impl FnOnce(&mut dyn Write) -> std::fmt::Result) {
    if NOTE
        .claimed
        .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return;
    }
    // SAFETY: only the claiming thread gets here.
    let buffer = unsafe { &mut *NOTE.text.get() };
    let mut text = Fixed { buffer, length: 0 };
    let _ = write(&mut text);
    let item = current_item().map_or(NO_ITEM, |i| u32::try_from(i).unwrap_or(NO_ITEM));
    NOTE.item.store(item, Ordering::Relaxed);
    NOTE.length.store(text.length as u32, Ordering::Relaxed);
    NOTE.state.store(state, Ordering::Release);
}

/// Notes a panic (call from the panic hook).
pub fn note_panic(info: &std::panic::PanicHookInfo<'_>) {
    note(PANIC, |w| match current_item() {
        Some(index) => write!(
            w,
            "the function panicked on item {index}: {}",
            info.payload_as_str().unwrap_or("(no message)")
        ),
        None => write!(
            w,
            "the engine panicked: {}",
            info.payload_as_str().unwrap_or("(no message)")
        ),
    });
}

/// Notes that an allocation of `bytes` failed (call from the allocator).
pub fn note_allocation_failure(bytes: usize) {
    note(ALLOCATION, |w| {
        write!(
            w,
            "out of memory: an allocation of {bytes} bytes failed ({} in use, limit {})",
            crate::memory::in_use(),
            crate::memory::limit()
        )
    });
}

/// The note as `(state, item, text)`, for tests and native callers.
pub fn read_note() -> (u32, Option<usize>, String) {
    let state = NOTE.state.load(Ordering::Acquire);
    let item = NOTE.item.load(Ordering::Relaxed);
    let length = NOTE.length.load(Ordering::Relaxed) as usize;
    // SAFETY: the text is complete once `state` is set, and never written again.
    let text: &[u8; TEXT_CAPACITY] = unsafe { &*NOTE.text.get() };
    let text = &text[..length.min(TEXT_CAPACITY)];
    (
        state,
        (item != NO_ITEM).then_some(item as usize),
        String::from_utf8_lossy(text).into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_writer_cuts_at_a_character_boundary() {
        let mut buffer = [0u8; 5];
        let mut w = Fixed {
            buffer: &mut buffer,
            length: 0,
        };
        assert!(write!(w, "abcµµ").is_err());
        let length = w.length;
        assert_eq!(&buffer[..length], "abcµ".as_bytes());
    }

    #[test]
    fn an_item_is_named_by_its_index_once_registered() {
        let items = [10u64, 20, 30];
        register_items(&items);
        MAPPING.with(|m| m.set(&items[2] as *const u64 as usize));
        assert_eq!(current_item(), Some(2));
        let other = 5u64;
        MAPPING.with(|m| m.set(&other as *const u64 as usize));
        assert_eq!(current_item(), None);
        MAPPING.with(|m| m.set(0));
    }

    #[test]
    fn the_first_failure_is_kept() {
        note_allocation_failure(1 << 40);
        note(PANIC, |w| w.write_str("later"));
        let (state, _, text) = read_note();
        assert_eq!(state, ALLOCATION);
        assert!(text.contains("1099511627776 bytes failed"), "{text}");
    }
}
