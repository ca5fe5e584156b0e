//! The report as terminal text: aligned columns, a bar chart per hour with block characters,
//! colour only when asked for (the command line asks when stdout is a terminal and `NO_COLOR`
//! is unset).

use std::fmt::Write;

use super::advice::SAFETY_NOTE;
use super::time::{fmt_duration, fmt_long_date, fmt_short_date};
use super::{HourReport, Report, Summary, problem_label};

/// How to render text.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
}

/// Cells in a full bar.
const BAR_CELLS: i64 = 15;
/// Text width for wrapped paragraphs.
const WIDTH: usize = 78;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn good(&self, text: &str) -> String {
        self.paint("32", text)
    }
    fn poor(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

fn pct(score: Option<f64>) -> String {
    score.map_or_else(|| "-".to_string(), |s| format!("{:.0}%", s * 100.0))
}

fn share(ms: i64, of: i64) -> String {
    if of > 0 { format!("{:.0}%", ms as f64 * 100.0 / of as f64) } else { "-".to_string() }
}

/// Renders the report as text.
pub fn render_text(report: &Report, options: &TextOptions) -> String {
    let st = Style { color: options.color };
    let mut out = String::new();
    let single = report.days.len() == 1;
    let title = if single {
        format!("Posture report for {}", fmt_long_date(report.first_day))
    } else {
        format!(
            "Posture report for {} to {} ({} days)",
            fmt_long_date(report.first_day),
            fmt_long_date(report.last_day),
            report.days.len()
        )
    };
    let _ = writeln!(out, "{}", st.bold(&title));
    let mut offsets: Vec<&str> = Vec::new();
    for o in report.days.iter().flat_map(|d| &d.utc_offsets) {
        if !offsets.contains(&o.as_str()) {
            offsets.push(o);
        }
    }
    let offsets: Vec<String> = offsets.iter().map(|o| format!("UTC{o}")).collect();
    let changed = if offsets.len() > 1 { ", clocks changed" } else { "" };
    let _ = writeln!(out, "Time zone: {} ({}{changed})", report.time_zone, offsets.join(", then "));
    if let Some(profile) = &report.profile {
        let _ = writeln!(out, "Profile: {profile}");
    }
    out.push('\n');

    let with_data = report.days.iter().filter(|d| d.has_data).count();
    if report.total.monitored_ms == 0 {
        let what = if single { "this day" } else { "these days" };
        let _ = writeln!(out, "No posture data for {what}.");
        if with_data > 0 {
            let _ = writeln!(out, "(knotless ran, but nobody was watched: away or paused.)");
        }
        out.push('\n');
    } else {
        summary_table(&mut out, &st, &report.total);
        problems_table(&mut out, &st, &report.total);
        if single {
            let _ = writeln!(out, "{}", st.bold("Good posture by hour"));
            hour_chart(&mut out, &st, &report.days[0].hours, 60 * 60_000);
        } else {
            days_table(&mut out, &st, report);
            let _ = writeln!(out, "{}", st.bold("Good posture by time of day (whole period)"));
            let max = report.by_clock_hour.iter().map(|h| h.monitored_ms).max().unwrap_or(0);
            hour_chart(&mut out, &st, &report.by_clock_hour, max);
        }
    }
    trend(&mut out, &st, report);
    if !report.advice.is_empty() {
        let _ = writeln!(out, "{}", st.bold("Advice"));
        for advice in &report.advice {
            let _ = writeln!(out, "  * {}", st.bold(&advice.title));
            for line in wrap(&advice.text, WIDTH - 4) {
                let _ = writeln!(out, "    {line}");
            }
        }
        out.push('\n');
        for line in wrap(SAFETY_NOTE, WIDTH) {
            let _ = writeln!(out, "{}", st.dim(&line));
        }
    }
    out
}

fn summary_table(out: &mut String, st: &Style, s: &Summary) {
    let m = s.monitored_ms;
    let rows: Vec<(&str, String, String)> = vec![
        ("Monitored", fmt_duration(m), "at the desk and watched".to_string()),
        ("Good posture", fmt_duration(s.good_ms), format!("{} score", pct(s.score))),
        ("Caution", fmt_duration(s.caution_ms), share(s.caution_ms, m)),
        ("Bad", fmt_duration(s.bad_ms), share(s.bad_ms, m)),
        ("Away", fmt_duration(s.away_ms), "not counted".to_string()),
        ("Paused", fmt_duration(s.paused_ms), "not counted".to_string()),
        (
            "Longest good streak",
            fmt_duration(s.longest_good_streak_ms),
            s.longest_good_streak_from.as_ref().map_or(String::new(), |f| format!("from {f}")),
        ),
        (
            "Alerts",
            s.alerts.given.to_string(),
            if s.alerts.given > 0 {
                format!(
                    "{} corrected within a minute, {} escalated",
                    s.alerts.corrected_within_minute, s.alerts.escalated
                )
            } else {
                String::new()
            },
        ),
        ("Breaks", format!("{} of {}", s.breaks.taken, s.breaks.due), "taken of due".to_string()),
    ];
    for (name, value, note) in rows {
        let value = if name == "Good posture" {
            st.good(&format!("{value:>8}"))
        } else {
            format!("{value:>8}")
        };
        let line = format!("  {name:<20} {value}   {note}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

fn problems_table(out: &mut String, st: &Style, s: &Summary) {
    if s.problems.is_empty() {
        return;
    }
    let header = format!("{:<28} {:>8} {:>8} {:>6}", "Problems", "caution", "bad", "share");
    let _ = writeln!(out, "{}", st.bold(&header));
    for p in &s.problems {
        let _ = writeln!(
            out,
            "  {:<26} {:>8} {:>8} {:>6}",
            problem_label(&p.problem),
            dash_if_zero(p.caution_ms),
            dash_if_zero(p.bad_ms),
            share(p.total_ms(), s.monitored_ms)
        );
    }
    out.push('\n');
}

fn dash_if_zero(ms: i64) -> String {
    if ms > 0 { fmt_duration(ms) } else { "-".to_string() }
}

fn days_table(out: &mut String, st: &Style, report: &Report) {
    let header = format!(
        "{:<12} {:>9} {:>6} {:>7} {:>9} {:>8}",
        "Days", "monitored", "score", "alerts", "corrected", "breaks"
    );
    let _ = writeln!(out, "{}", st.bold(&header));
    for day in &report.days {
        let s = &day.summary;
        let date = fmt_short_date(day.date);
        if s.monitored_ms == 0 {
            let _ = writeln!(out, "  {date:<10} {:>9}", st.dim("no data"));
            continue;
        }
        let _ = writeln!(
            out,
            "  {date:<10} {:>9} {:>6} {:>7} {:>9} {:>8}",
            fmt_duration(s.monitored_ms),
            pct(s.score),
            s.alerts.given,
            s.alerts.corrected_within_minute,
            format!("{}/{}", s.breaks.taken, s.breaks.due)
        );
    }
    out.push('\n');
}

/// A bar per hour: good cells, then caution-or-bad cells; `full_ms` fills the bar.
fn hour_chart(out: &mut String, st: &Style, hours: &[HourReport], full_ms: i64) {
    let full_ms = full_ms.max(1);
    let cell_ms = (full_ms / BAR_CELLS).max(1);
    let _ = writeln!(
        out,
        "  {}",
        st.dim(&format!(
            "{} good  {} caution or bad  (one cell: {})",
            "\u{2588}",
            "\u{2591}",
            fmt_duration(cell_ms)
        ))
    );
    let used: Vec<usize> =
        hours.iter().enumerate().filter(|(_, h)| h.monitored_ms > 0).map(|(i, _)| i).collect();
    let (Some(&first), Some(&last)) = (used.first(), used.last()) else {
        out.push('\n');
        return;
    };
    let label_width = hours[first..=last].iter().map(|h| h.label.len()).max().unwrap_or(5);
    for h in &hours[first..=last] {
        let cells = |ms: i64| (ms + cell_ms / 2) / cell_ms;
        let total = cells(h.monitored_ms).min(BAR_CELLS);
        let good = cells(h.good_ms).min(total);
        let bar = format!(
            "{}{}",
            st.good(&"\u{2588}".repeat(good as usize)),
            st.poor(&"\u{2591}".repeat((total - good) as usize))
        );
        let pad = " ".repeat((BAR_CELLS - total) as usize);
        let detail = if h.monitored_ms > 0 {
            format!("{:>6} of {:<6}", fmt_duration(h.good_ms), fmt_duration(h.monitored_ms))
        } else {
            String::new()
        };
        let alerts = match h.alerts {
            0 => String::new(),
            1 => "1 alert".to_string(),
            n => format!("{n} alerts"),
        };
        let line = format!("  {:<label_width$}  {bar}{pad}  {detail}  {alerts}", h.label);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

fn trend(out: &mut String, st: &Style, report: &Report) {
    if report.trend.iter().all(|d| d.score.is_none()) {
        return;
    }
    let _ = writeln!(out, "{}", st.bold("Score trend"));
    let _ = writeln!(
        out,
        "  Last 7 days {}, last 30 days {} (mean of days with data)",
        pct(report.trend_7),
        pct(report.trend_30)
    );
    for day in report.trend.iter().rev().take(7).rev() {
        let date = fmt_short_date(day.date);
        match day.score {
            Some(score) => {
                let cells = (score * BAR_CELLS as f64).round() as usize;
                let bar = st.good(&"\u{2588}".repeat(cells));
                let pad = " ".repeat(BAR_CELLS as usize - cells.min(BAR_CELLS as usize));
                let _ = writeln!(out, "  {date}  {bar}{pad}  {:>4}", pct(Some(score)));
            }
            None => {
                let _ = writeln!(out, "  {date}  {}", st.dim("no data"));
            }
        }
    }
    out.push('\n');
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
