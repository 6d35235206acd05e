//! rayon's default way of sharing out a map, which the truth benchmark measures the engine's
//! recommendation against.

use crate::error::Result;
use crate::runtime::schedule::CancelCheck;
use crate::runtime::slots::{ChunkMap, Results};
use std::ops::Range;

/// rayon's way of sharing out a map, as `items.par_iter().map(f).collect()` does it on the
/// global pool: halve the index range while the adaptive splitter asks for more pieces (one
/// per thread, and again whenever a piece is stolen), then map each piece in place.
pub(crate) fn map_rayon<T: Sync, R: Send>(
    items: &[T],
    f: &(impl Fn(&T) -> R + Sync),
) -> Result<Vec<R>> {
    let mut results = Results::new(items.len());
    split_like_rayon(&results.map(items, f))?;
    // SAFETY: the leaves of the split cover 0..n exactly once, and all of them succeeded.
    Ok(unsafe { results.assume_filled() })
}

fn split_like_rayon(map: &dyn ChunkMap) -> Result<()> {
    use rayon::iter::ParallelIterator;
    // The engine's lingering threads hand their cores back to rayon's own scheduling.
    crate::pool::stop_lingering();
    let halve = |range: Range<usize>| {
        if range.len() < 2 {
            return (range, None);
        }
        let middle = range.start + range.len() / 2;
        (range.start..middle, Some(middle..range.end))
    };
    rayon::iter::split(0..map.len(), halve).try_for_each(|range| {
        // SAFETY: the leaves of a split are disjoint.
        unsafe { map.map(range, &CancelCheck::new(None)) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn map_rayon_keeps_input_order() {
        let items: Vec<u64> = (0..10_007).collect();
        let results = map_rayon(&items, &|x: &u64| x * x + 1).unwrap();
        let expected: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
        assert_eq!(results, expected);
    }

    #[test]
    fn map_rayon_reports_the_item_that_panicked() {
        let items: Vec<u32> = (0..4096).collect();
        let error = map_rayon(&items, &|x: &u32| {
            assert!(*x != 3000, "item {x} is bad");
            x + 1
        })
        .unwrap_err();
        match error {
            Error::Panicked { index, message } => {
                assert_eq!(index, 3000);
                assert!(message.contains("item 3000 is bad"), "{message}");
            }
            other => panic!("expected a panic error, got {other:?}"),
        }
    }
}
