//! Mandelbrot rows: the textbook case of per-item cost that depends on where the item sits.

use super::{number, sizes};
use crate::error::Result;
use crate::memory::Footprint;
use crate::workload::{resolve_params, ParamSpec, Params, Workload, WorkloadInfo};
use serde::{Deserialize, Serialize};
use std::hint::black_box;

/// Native release seconds per escape-loop iteration, and the mean iterations per pixel at a
/// given `max_iter` (about a fifth of the view lies in the set and runs to `max_iter`; the rest
/// escapes after a few iterations), measured on the development machine.
const SECONDS_PER_ITERATION: f64 = 2.7e-9;
const INSIDE_SHARE: f64 = 0.2;
const OUTSIDE_ITERATIONS: f64 = 6.0;

/// The view: real part -2.2..0.8, imaginary part -1.25..1.25 (the whole set, centred).
const RE_MIN: f64 = -2.2;
const RE_SPAN: f64 = 3.0;
const IM_MIN: f64 = -1.25;
const IM_SPAN: f64 = 2.5;

/// Row `index` of an image `rows` rows high; a run over `n` items renders a `width`×`n` image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub index: u32,
    pub rows: u32,
}

pub struct Mandelbrot {
    params: Vec<ParamSpec>,
    width: u32,
    max_iter: u16,
}

impl Mandelbrot {
    pub fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::integer("width", "Image width", "pixels", 1, 16_384, 512),
            ParamSpec::integer(
                "max_iter",
                "Iterations before a pixel counts as inside",
                "",
                1,
                u16::MAX as u64,
                500,
            ),
        ]
    }

    pub fn new(params: &Params) -> Result<Self> {
        let params = resolve_params(&Self::specs(), params)?;
        let width = number(&params, "width") as u32;
        let max_iter = number(&params, "max_iter") as u16;
        Ok(Self {
            params,
            width,
            max_iter,
        })
    }
}

impl Workload for Mandelbrot {
    type Item = Row;
    type Output = Vec<u16>;

    fn info(&self) -> WorkloadInfo {
        let max_iter = f64::from(self.max_iter);
        let per_pixel = INSIDE_SHARE * max_iter + (1.0 - INSIDE_SHARE) * OUTSIDE_ITERATIONS;
        let per_row = f64::from(self.width) * per_pixel.min(max_iter) * SECONDS_PER_ITERATION;
        let (default_n, bench_n) = sizes(per_row, 8 + 24 + 2 * self.width as usize);
        WorkloadInfo {
            name: "mandelbrot".into(),
            title: "Mandelbrot rows".into(),
            description: format!(
                "For one row of a {}-pixel-wide image of the Mandelbrot set (N rows high), \
                 returns each pixel's escape count, up to {}. Rows through the middle of the \
                 set cost far more than rows near the top and bottom edges.",
                self.width, self.max_iter
            ),
            stands_for: "Work whose cost depends on the item's position: rendering, spatial \
                         simulations, sorted inputs. Static equal chunks leave some workers \
                         with all the expensive items; the first items sampled are the cheap \
                         ones."
                .into(),
            default_n,
            bench_n,
            waits: false,
            params: self.params.clone(),
        }
    }

    fn items(&self, n: usize) -> Vec<Row> {
        let rows = u32::try_from(n).unwrap_or(u32::MAX);
        (0..rows).map(|index| Row { index, rows }).collect()
    }

    fn footprint(&self) -> Footprint {
        Footprint {
            item: size_of::<Row>(),
            output: Footprint::heap::<Vec<u16>>(2 * self.width as usize),
        }
    }

    fn run(&self, row: &Row) -> Vec<u16> {
        let rows = f64::from(row.rows.max(1));
        let im = IM_MIN + IM_SPAN * (f64::from(row.index) + 0.5) / rows;
        let width = f64::from(self.width);
        let max_iter = black_box(self.max_iter);
        (0..self.width)
            .map(|col| {
                let re = RE_MIN + RE_SPAN * (f64::from(col) + 0.5) / width;
                escape_count(re, im, max_iter)
            })
            .collect()
    }
}

fn escape_count(re: f64, im: f64, max_iter: u16) -> u16 {
    let (mut x, mut y) = (0.0f64, 0.0f64);
    let mut count = 0;
    while count < max_iter && x * x + y * y <= 4.0 {
        let xt = x * x - y * y + re;
        y = 2.0 * x * y + im;
        x = xt;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::workload::ParamValue;

    fn total(w: &Mandelbrot, row: &Row) -> u64 {
        w.run(row).iter().map(|&c| u64::from(c)).sum()
    }

    #[test]
    fn middle_rows_iterate_more_than_edge_rows() {
        let w = Mandelbrot::new(&Params::new()).unwrap();
        let rows = w.items(64);
        let edges = total(&w, &rows[0]) + total(&w, &rows[63]);
        let middle = total(&w, &rows[31]) + total(&w, &rows[32]);
        assert!(middle > 20 * edges, "middle {middle}, edges {edges}");
    }

    #[test]
    fn row_has_width_counts_within_max_iter() {
        let params = Params::from([
            ("width".to_string(), ParamValue::Number(100.0)),
            ("max_iter".to_string(), ParamValue::Number(50.0)),
        ]);
        let w = Mandelbrot::new(&params).unwrap();
        let counts = w.run(&w.items(9)[4]);
        assert_eq!(counts.len(), 100);
        assert!(counts.iter().all(|&c| (1..=50).contains(&c)));
        assert!(counts.contains(&50), "the middle row crosses the set");
    }

    #[test]
    fn rejects_bad_parameters() {
        for (name, value) in [("width", 0.0), ("max_iter", 70_000.0), ("width", 1.5)] {
            let params = Params::from([(name.to_string(), ParamValue::Number(value))]);
            assert!(matches!(
                Mandelbrot::new(&params),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }
}
