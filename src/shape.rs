//! What the executor runs: serial, or k workers taking chunks of c items. Serial is spelled
//! only here, as its own variant (not as a chunk size or a worker count).

use serde::{Deserialize, Serialize};

/// k workers taking chunks of c items from one shared counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parallel {
    pub workers: usize,
    pub chunk_size: usize,
}

/// How a map runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A plain loop on the calling thread: no pool, no chunks, no copies.
    Serial,
    Parallel(Parallel),
}

impl Shape {
    /// `workers` workers taking `chunk_size` items at a time.
    pub fn fixed(workers: usize, chunk_size: usize) -> Self {
        Shape::Parallel(Parallel {
            workers,
            chunk_size,
        })
    }

    pub fn is_serial(&self) -> bool {
        matches!(self, Shape::Serial)
    }

    /// Workers the shape occupies: one for serial.
    pub fn workers(&self) -> usize {
        match self {
            Shape::Serial => 1,
            Shape::Parallel(p) => p.workers,
        }
    }

    /// Items per chunk on `n` items: all of them for serial.
    pub fn chunk_size(&self, n: usize) -> usize {
        match self {
            Shape::Serial => n,
            Shape::Parallel(p) => p.chunk_size,
        }
    }

    /// Whether two shapes run alike on `n` items (a chunk of n or more is one chunk).
    pub fn same_on(&self, other: &Shape, n: usize) -> bool {
        match (self, other) {
            (Shape::Serial, Shape::Serial) => true,
            (Shape::Parallel(a), Shape::Parallel(b)) => {
                a.workers == b.workers && a.chunk_size.min(n) == b.chunk_size.min(n)
            }
            _ => false,
        }
    }

    /// Short label such as `serial` or `2 workers x 500 items`.
    pub fn label(&self) -> String {
        match self {
            Shape::Serial => "serial".into(),
            Shape::Parallel(p) => format!(
                "{} worker{} x {} item{}",
                p.workers,
                if p.workers == 1 { "" } else { "s" },
                p.chunk_size,
                if p.chunk_size == 1 { "" } else { "s" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_the_same_when_chunks_cover_the_input_alike() {
        let n = 100;
        assert!(Shape::Serial.same_on(&Shape::Serial, n));
        assert!(Shape::fixed(2, 100).same_on(&Shape::fixed(2, 500), n));
        assert!(!Shape::fixed(2, 10).same_on(&Shape::fixed(2, 20), n));
        assert!(!Shape::fixed(2, 10).same_on(&Shape::fixed(1, 10), n));
        assert!(!Shape::Serial.same_on(&Shape::fixed(1, 100), n));
    }

    #[test]
    fn labels_count_workers_and_items() {
        assert_eq!(Shape::Serial.label(), "serial");
        assert_eq!(Shape::fixed(1, 1).label(), "1 worker x 1 item");
        assert_eq!(Shape::fixed(4, 250).label(), "4 workers x 250 items");
    }
}
