//! The report as CSV: one row per day, or one row per hour. Times in seconds; the time zone
//! and UTC offset on every row.

use std::fmt::Write;

use super::{DayReport, Report};
use crate::store::PROBLEMS;

/// What one CSV row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvRows {
    #[default]
    Day,
    Hour,
}

fn secs(ms: i64) -> i64 {
    (ms + 500).div_euclid(1000)
}

/// Quotes a field when it needs it (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The problems to give columns: the known ones, then any others seen, by name.
fn problem_columns(report: &Report) -> Vec<String> {
    let mut names: Vec<String> = PROBLEMS.iter().map(|p| p.to_string()).collect();
    let mut extra: Vec<String> = report
        .days
        .iter()
        .flat_map(|d| &d.summary.problems)
        .map(|p| p.problem.clone())
        .filter(|p| !names.contains(p))
        .collect();
    extra.sort();
    extra.dedup();
    names.extend(extra);
    names
}

/// Renders the report as CSV.
pub fn render_csv(report: &Report, rows: CsvRows) -> String {
    let tz = field(&report.time_zone);
    let mut out = String::new();
    match rows {
        CsvRows::Day => {
            let problems = problem_columns(report);
            out.push_str(
                "date,time_zone,utc_offset,has_data,monitored_s,good_s,caution_s,bad_s,away_s,\
                 paused_s,score_pct,longest_good_streak_s,alerts,alerts_corrected,\
                 alerts_escalated,breaks_due,breaks_taken",
            );
            for p in &problems {
                let _ = write!(out, ",{p}_caution_s,{p}_bad_s");
            }
            out.push('\n');
            for day in &report.days {
                day_row(&mut out, day, &tz, &problems);
            }
        }
        CsvRows::Hour => {
            out.push_str(
                "date,hour_start,time_zone,utc_offset,monitored_s,good_s,caution_s,bad_s,\
                 score_pct,alerts\n",
            );
            for day in &report.days {
                for h in &day.hours {
                    let _ = writeln!(
                        out,
                        "{},{},{tz},{},{},{},{},{},{},{}",
                        day.date,
                        field(&h.start_local),
                        field(&h.utc_offset),
                        secs(h.monitored_ms),
                        secs(h.good_ms),
                        secs(h.caution_ms),
                        secs(h.bad_ms),
                        score_pct(h.good_ms, h.monitored_ms),
                        h.alerts
                    );
                }
            }
        }
    }
    out
}

fn score_pct(good: i64, monitored: i64) -> String {
    if monitored > 0 {
        format!("{:.1}", good as f64 * 100.0 / monitored as f64)
    } else {
        String::new()
    }
}

fn day_row(out: &mut String, day: &DayReport, tz: &str, problems: &[String]) {
    let s = &day.summary;
    let _ = write!(
        out,
        "{},{tz},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        day.date,
        field(&day.utc_offsets.join(" ")),
        day.has_data,
        secs(s.monitored_ms),
        secs(s.good_ms),
        secs(s.caution_ms),
        secs(s.bad_ms),
        secs(s.away_ms),
        secs(s.paused_ms),
        score_pct(s.good_ms, s.monitored_ms),
        secs(s.longest_good_streak_ms),
        s.alerts.given,
        s.alerts.corrected_within_minute,
        s.alerts.escalated,
        s.breaks.due,
        s.breaks.taken
    );
    for name in problems {
        let p = s.problems.iter().find(|p| &p.problem == name);
        let (c, b) = p.map_or((0, 0), |p| (p.caution_ms, p.bad_ms));
        let _ = write!(out, ",{},{}", secs(c), secs(b));
    }
    out.push('\n');
}
