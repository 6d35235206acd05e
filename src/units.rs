//! Human-readable figures for reasons, warnings and reports.

/// Seconds with a unit that keeps three significant figures: `65.2 µs`, `1.30 s`.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "n/a".into();
    }
    // A cost measured as nothing (a fit's slope clamped at zero) reads "0 ns", not "0.00 ns".
    if s == 0.0 {
        return "0 ns".into();
    }
    // Rounded first, so that 0.9996 s reads "1.00 s", not "1000 ms".
    let abs = three_significant(s.abs());
    let s = abs.copysign(s);
    let (value, unit) = if abs >= 1.0 {
        (s, "s")
    } else if abs >= 1e-3 {
        (s * 1e3, "ms")
    } else if abs >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    format!("{} {unit}", three_figures(value))
}

/// A duration that may be long, in the largest unit that keeps it readable: `45.0 s`,
/// `12.5 min`, `3.20 h`, `104 days`.
pub fn duration(s: f64) -> String {
    const MINUTE: f64 = 60.0;
    const HOUR: f64 = 3600.0;
    const DAY: f64 = 86_400.0;
    if !s.is_finite() || s < MINUTE {
        return seconds(s);
    }
    let (value, unit) = if s >= DAY {
        (s / DAY, "days")
    } else if s >= HOUR {
        (s / HOUR, "h")
    } else {
        (s / MINUTE, "min")
    };
    format!("{} {unit}", three_figures(value))
}

pub fn bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{} GiB", three_figures(b / (1024.0 * 1024.0 * 1024.0)))
    } else if b >= 1024.0 * 1024.0 {
        format!("{} MiB", three_figures(b / (1024.0 * 1024.0)))
    } else if b >= 1024.0 {
        format!("{} KiB", three_figures(b / 1024.0))
    } else if b.fract() == 0.0 {
        format!("{b:.0} B")
    } else {
        format!("{} B", three_figures(b))
    }
}

/// `35%`; a share that rounds to 0% but is not nothing reads `under 1%`.
pub fn percent(fraction: f64) -> String {
    if fraction > 0.0 && fraction < 0.005 {
        return "under 1%".into();
    }
    format!("{:.0}%", fraction * 100.0)
}

/// A whole number as people read it: `0`, `1,024`, `16,777,216`, `2.5 billion`, `3.0e15`.
/// The playground's `www/wording.js` follows the same rules.
pub fn number(n: f64) -> String {
    if !n.is_finite() {
        return "n/a".into();
    }
    let abs = n.abs();
    let one_decimal = |v: f64| {
        let text = format!("{v:.1}");
        text.strip_suffix(".0").map_or(text.clone(), str::to_string)
    };
    if abs >= 1e15 {
        format!("{n:.1e}")
    } else if abs >= 1e12 {
        format!("{} trillion", one_decimal(n / 1e12))
    } else if abs >= 1e9 {
        format!("{} billion", one_decimal(n / 1e9))
    } else {
        grouped(n.round() as i64)
    }
}

fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// `1 worker`, `2 workers`, `0 workers`: the noun agrees with the count.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        number(n as f64),
        if n == 1 { singular } else { plural }
    )
}

/// A shape in words: `serial` when it runs in one piece on one thread, otherwise
/// `2 workers x 500 items` (chunks of that many items).
pub fn shape(workers: usize, chunk_size: usize, items: Option<usize>) -> String {
    let one_piece =
        chunk_size == usize::MAX || items.is_some_and(|n| workers == 1 && chunk_size >= n);
    if workers == 0 || one_piece {
        return "serial".into();
    }
    format!(
        "{} x {}",
        count(workers, "worker", "workers"),
        count(chunk_size, "item", "items")
    )
}

/// `v` rounded to three significant figures.
fn three_significant(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let step = 10f64.powi(v.abs().log10().floor() as i32 - 2);
    (v / step).round() * step
}

fn three_figures(v: f64) -> String {
    let abs = v.abs();
    if abs >= 100.0 {
        format!("{v:.0}")
    } else if abs >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(0, "worker", "workers"), "0 workers");
        assert_eq!(count(1, "worker", "workers"), "1 worker");
        assert_eq!(count(2, "worker", "workers"), "2 workers");
        assert_eq!(count(1, "batch", "batches"), "1 batch");
    }

    #[test]
    fn huge_numbers_stay_readable() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(16_777_216.0), "16,777,216");
        assert_eq!(number(-1234.0), "-1,234");
        assert_eq!(count(2_500_000_000, "item", "items"), "2.5 billion items");
        assert_eq!(number(4e12), "4 trillion");
        assert_eq!(number(3e15), "3.0e15");
        assert_eq!(number(f64::NAN), "n/a");
    }

    #[test]
    fn durations_take_the_unit_that_reads_best() {
        assert_eq!(seconds(0.0), "0 ns");
        assert_eq!(seconds(4.2e-9), "4.20 ns");
        assert_eq!(seconds(0.0501), "50.1 ms");
        assert_eq!(
            seconds(0.9996),
            "1.00 s",
            "rounded before the unit is chosen"
        );
        assert_eq!(seconds(999.6e-6), "1.00 ms");
        assert_eq!(seconds(123.4e-6), "123 µs");
        assert_eq!(bytes(8.0), "8 B");
        assert_eq!(bytes(1.5), "1.50 B");
        assert_eq!(seconds(f64::INFINITY), "n/a");
    }

    #[test]
    fn small_shares_are_not_nothing() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.001), "under 1%");
        assert_eq!(percent(0.35), "35%");
    }

    #[test]
    fn one_piece_on_one_thread_is_serial() {
        assert_eq!(shape(0, 10, None), "serial");
        assert_eq!(shape(4, usize::MAX, None), "serial");
        assert_eq!(shape(1, 500, Some(500)), "serial");
        assert_eq!(shape(1, 100, Some(500)), "1 worker x 100 items");
        assert_eq!(shape(2, 1, None), "2 workers x 1 item");
        assert_eq!(shape(8, 2048, None), "8 workers x 2,048 items");
    }
}
