//! Inline SVG charts for the HTML report: the day's timeline, time in good posture per hour,
//! and the score trend. Fixed sizes with a viewBox, so they scale on screen and in print.

use std::fmt::Write;

use super::time::{fmt_duration, fmt_short_date};
use super::{DayReport, HourReport, MarkKind, TrendDay, problem_label};
use crate::store::{Level, State};

pub const GOOD: &str = "#2f9e5b";
pub const CAUTION: &str = "#e0a100";
pub const BAD: &str = "#d64545";
pub const AWAY: &str = "#cfd5dd";
pub const PAUSED: &str = "#98a2b3";
pub const EMPTY: &str = "#f1f3f5";
pub const BREAK: &str = "#2f6fd6";
pub const GRID: &str = "#dde1e6";
pub const INK: &str = "#4a5361";

const WIDTH: f64 = 960.0;

pub fn state_color(state: State) -> &'static str {
    match state {
        State::Good => GOOD,
        State::Caution => CAUTION,
        State::Bad => BAD,
        State::Away => AWAY,
        State::Paused => PAUSED,
    }
}

/// Escapes text for HTML and SVG.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, id: &str, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
        esc(title)
    );
}

/// One row per day: the posture state over the day, alerts above, breaks below.
pub fn timeline(days: &[&DayReport]) -> String {
    const LEFT: f64 = 92.0;
    const ROW: f64 = 40.0;
    const TOP: f64 = 22.0;
    let chart = WIDTH - LEFT - 8.0;
    let height = TOP + ROW * days.len() as f64 + 4.0;
    let mut out = String::new();
    open(&mut out, "timeline", height, "Posture over the day, with alerts and breaks");
    // Hour ticks from the first day (a DST day shifts them by at most an hour).
    if let Some(first) = days.first() {
        let span = (first.end_ms - first.start_ms).max(1) as f64;
        for h in first.hours.iter().filter(|h| h.hour % 2 == 0) {
            let x = LEFT + (h.start_ms - first.start_ms) as f64 / span * chart;
            let bottom = height - 4.0;
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="{GRID}" stroke-width="1"/><text x="{x:.1}" y="14" font-size="11" text-anchor="middle" fill="{INK}">{}</text>"#,
                TOP - 4.0,
                esc(&h.label[..2.min(h.label.len())])
            );
        }
    }
    for (row, day) in days.iter().enumerate() {
        let y = TOP + ROW * row as f64;
        let span = (day.end_ms - day.start_ms).max(1) as f64;
        let x_of = |ms: i64| LEFT + (ms - day.start_ms) as f64 / span * chart;
        let bar_y = y + 10.0;
        let _ = write!(
            out,
            r#"<text x="0" y="{:.1}" font-size="12" fill="{INK}">{}</text><rect class="lane" x="{LEFT}" y="{bar_y:.1}" width="{chart:.1}" height="18" fill="{EMPTY}"/>"#,
            bar_y + 13.0,
            esc(&fmt_short_date(day.date))
        );
        for seg in &day.timeline {
            let (x0, x1) = (x_of(seg.start_ms), x_of(seg.end_ms));
            let _ = write!(
                out,
                r#"<rect x="{x0:.2}" y="{bar_y:.1}" width="{:.2}" height="18" fill="{}"><title>{}-{} {}</title></rect>"#,
                (x1 - x0).max(0.5),
                state_color(seg.state),
                seg.from,
                seg.to,
                seg.state
            );
        }
        for mark in &day.marks {
            let x = x_of(mark.t_ms);
            match mark.kind {
                MarkKind::Alert => {
                    let color = if mark.severity == Some(Level::Bad) { BAD } else { CAUTION };
                    let what = mark.problem.as_deref().map(problem_label).unwrap_or_default();
                    let outcome = match mark.corrected {
                        Some(true) => ", corrected within a minute",
                        _ => "",
                    };
                    let _ = write!(
                        out,
                        r#"<path d="M{:.1} {:.1}h8l-4 7z" fill="{color}" stroke="white" stroke-width="0.5"><title>{} alert: {}{outcome}</title></path>"#,
                        x - 4.0,
                        y + 2.0,
                        mark.clock,
                        esc(&what)
                    );
                }
                MarkKind::BreakTaken => {
                    let _ = write!(
                        out,
                        r#"<circle cx="{x:.1}" cy="{:.1}" r="3.5" fill="{BREAK}"><title>{} break taken</title></circle>"#,
                        bar_y + 23.0,
                        mark.clock
                    );
                }
                MarkKind::BreakDue => {
                    let _ = write!(
                        out,
                        r#"<path d="M{x:.1} {:.1}v6" stroke="{INK}" stroke-width="1.5"><title>{} break due</title></path>"#,
                        bar_y + 19.0,
                        mark.clock
                    );
                }
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// Stacked bars per hour: good, caution, bad; `full_ms` is the top of the scale.
pub fn hours(hours: &[HourReport], full_ms: i64, caption: &str) -> String {
    const LEFT: f64 = 44.0;
    const TOP: f64 = 10.0;
    const PLOT: f64 = 160.0;
    let height = TOP + PLOT + 24.0;
    let full = full_ms.max(60_000) as f64;
    let chart = WIDTH - LEFT - 8.0;
    let slot = chart / hours.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, "hours", height, caption);
    for i in 0..=4 {
        let value = full * f64::from(i) / 4.0;
        let y = TOP + PLOT - PLOT * f64::from(i) / 4.0;
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{GRID}" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="{INK}">{}</text>"#,
            WIDTH - 8.0,
            LEFT - 4.0,
            y + 3.5,
            fmt_duration(value.round() as i64)
        );
    }
    for (i, h) in hours.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let w = slot * 0.7;
        let mut base = TOP + PLOT;
        for (ms, color) in [(h.good_ms, GOOD), (h.caution_ms, CAUTION), (h.bad_ms, BAD)] {
            if ms <= 0 {
                continue;
            }
            let bar = PLOT * ms as f64 / full;
            base -= bar;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{base:.2}" width="{w:.1}" height="{bar:.2}" fill="{color}"/>"#
            );
        }
        if h.monitored_ms > 0 {
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{TOP}" width="{w:.1}" height="{PLOT}" fill="transparent"><title>{}: {} good of {} monitored</title></rect>"#,
                esc(&h.label),
                fmt_duration(h.good_ms),
                fmt_duration(h.monitored_ms)
            );
        }
        if hours.len() <= 25 && (h.hour % 2 == 0 || slot > 30.0) {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{INK}">{}</text>"#,
                x + w / 2.0,
                TOP + PLOT + 14.0,
                esc(&h.label[..2.min(h.label.len())])
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// The daily score as bars, days without data as a dot; the dashed line is the mean.
pub fn trend(days: &[TrendDay], mean: Option<f64>) -> String {
    const LEFT: f64 = 44.0;
    const TOP: f64 = 10.0;
    const PLOT: f64 = 140.0;
    let height = TOP + PLOT + 24.0;
    let chart = WIDTH - LEFT - 8.0;
    let slot = chart / days.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, "trend", height, "Daily score: share of monitored time in good posture");
    for i in 0..=4 {
        let y = TOP + PLOT - PLOT * f64::from(i) / 4.0;
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{GRID}" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="{INK}">{}%</text>"#,
            WIDTH - 8.0,
            LEFT - 4.0,
            y + 3.5,
            i * 25
        );
    }
    for (i, day) in days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let w = slot * 0.7;
        let label = fmt_short_date(day.date);
        match day.score {
            Some(score) => {
                let bar = (PLOT * score).max(1.0);
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{:.2}" width="{w:.1}" height="{bar:.2}" fill="{GOOD}"><title>{}: {:.0}% of {}</title></rect>"#,
                    TOP + PLOT - bar,
                    esc(&label),
                    score * 100.0,
                    fmt_duration(day.monitored_ms)
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2" fill="{AWAY}"><title>{}: no data</title></circle>"#,
                    x + w / 2.0,
                    TOP + PLOT - 3.0,
                    esc(&label)
                );
            }
        }
        // Label every 7th day counting back from the last, so the last day always has one.
        if (days.len() - 1 - i).is_multiple_of(7) {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{INK}">{}</text>"#,
                x + w / 2.0,
                TOP + PLOT + 14.0,
                esc(label.get(4..).unwrap_or(&label).trim())
            );
        }
    }
    if let Some(mean) = mean {
        let y = TOP + PLOT - PLOT * mean;
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{INK}" stroke-width="1" stroke-dasharray="4 3"><title>mean {:.0}%</title></line>"#,
            WIDTH - 8.0,
            mean * 100.0
        );
    }
    out.push_str("</svg>");
    out
}
