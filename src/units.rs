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
