//! The copy path: each chunk's items and results are serialized on the way to and from their
//! worker, as a process pool or `postMessage` must. Only this module needs serde for a map.

use crate::error::{Error, Result};
use crate::runtime::schedule::{schedule, CancelCheck, RunSettings, Timeline};
use crate::runtime::slots::{ChunkMap, Results, SlotMap};
use crate::shape::Parallel;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::ops::Range;
use std::sync::Mutex;

/// A `ChunkMap` whose items and results are serde types, as copy transfer needs.
pub(crate) trait CopyMap: ChunkMap {
    /// A worker's part of a copied chunk: the items of `range` are encoded and decoded (their
    /// trip to the worker), mapped, and their results encoded for the trip back.
    fn map_copied(&self, range: Range<usize>, cancel: &CancelCheck<'_>) -> Result<Vec<u8>>;
    /// The caller's part: decodes the results `map_copied` encoded for `range` into its slots.
    fn receive(&self, range: Range<usize>, bytes: &[u8]) -> Result<()>;
}

impl<T, R, F> CopyMap for SlotMap<'_, T, R, F>
where
    T: Sync + Serialize + DeserializeOwned,
    R: Send + Serialize + DeserializeOwned,
    F: Fn(&T) -> R + Sync,
{
    fn map_copied(&self, range: Range<usize>, cancel: &CancelCheck<'_>) -> Result<Vec<u8>> {
        let first = range.start;
        let sent: Vec<&T> = self.items[range].iter().collect();
        let message = encode(&sent, first)?;
        let received: Vec<T> = decode(&message, first)?;
        let mut results = Results::new(received.len());
        // SAFETY: one call maps the fresh storage's every index once.
        unsafe {
            results
                .map(&received, self.f)
                .map(0..received.len(), cancel)
        }
        .map_err(|e| e.offset_items(first))?;
        // SAFETY: the whole chunk was mapped.
        encode(&unsafe { results.assume_filled() }, first)
    }

    fn receive(&self, range: Range<usize>, bytes: &[u8]) -> Result<()> {
        let results: Vec<R> = decode(bytes, range.start)?;
        if results.len() != range.len() || range.end > self.items.len() {
            return Err(Error::Transfer {
                index: range.start,
                message: format!(
                    "{} results came back for the {} items of the chunk",
                    results.len(),
                    range.len()
                ),
            });
        }
        for (index, result) in range.zip(results) {
            // SAFETY: replies are received one at a time after the workers finished, and each
            // covers its own chunk.
            unsafe { self.slots.write(index, result) };
        }
        Ok(())
    }
}

pub(crate) fn encode<V: Serialize + ?Sized>(value: &V, index: usize) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| Error::Transfer {
        index,
        message: e.to_string(),
    })
}

pub(crate) fn decode<V: DeserializeOwned>(bytes: &[u8], index: usize) -> Result<V> {
    postcard::from_bytes(bytes).map_err(|e| Error::Transfer {
        index,
        message: e.to_string(),
    })
}

/// A chunk's encoded results, with the items they belong to.
type Reply = (Range<usize>, Vec<u8>);
/// The replies one worker produced.
type Outbox = Mutex<Vec<Reply>>;

/// `schedule` for copy transfer: each chunk's items are encoded and decoded on the way to its
/// worker, and its results are encoded there and decoded by the caller once all are done.
pub(crate) fn schedule_copied(
    map: &dyn CopyMap,
    shape: Parallel,
    settings: RunSettings<'_>,
    started_at: f64,
) -> Result<Timeline> {
    let outboxes: Vec<Outbox> = (0..shape.workers).map(|_| Mutex::default()).collect();
    let body = |worker: usize, range: Range<usize>, check: &CancelCheck<'_>| {
        let reply = map.map_copied(range.clone(), check)?;
        outboxes[worker].lock().unwrap().push((range, reply));
        Ok(())
    };
    let n = map.len();
    let timeline = schedule(n, shape, settings, started_at, &body)?;
    for outbox in outboxes {
        for (range, reply) in outbox.into_inner().unwrap() {
            map.receive(range, &reply)?;
        }
    }
    Ok(timeline)
}
