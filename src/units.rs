//! Human-readable figures for reasons, warnings and reports.

/// Seconds with a unit that keeps three significant figures: `65.2 µs`, `1.30 s`.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "n/a".into();
    }
    let abs = s.abs();
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

pub fn bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{} GiB", three_figures(b / (1024.0 * 1024.0 * 1024.0)))
    } else if b >= 1024.0 * 1024.0 {
        format!("{} MiB", three_figures(b / (1024.0 * 1024.0)))
    } else if b >= 1024.0 {
        format!("{} KiB", three_figures(b / 1024.0))
    } else {
        format!("{} B", three_figures(b))
    }
}

pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
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
