//! Daily posture reports: aggregation of a day or a range of days from the history's rows into
//! a [`Report`] (pure functions), and rendering it to text, HTML with inline SVG charts, JSON
//! or CSV (pure functions, no I/O). Reading the rows is [`load`]'s one call into the store.
//!
//! How time is counted: each sample holds its state until the next sample of its session, for
//! at most [`GAP_CAP_MS`], so a crash or a sleeping laptop never counts as good posture. Reports
//! read the samples as the store's spans (runs of one state), which count the same time.
//! Monitored time is time at the desk and watched (good, caution or bad); away and paused
//! time are shown apart and not counted. The daily score is the share of monitored time in
//! good posture. Dates and times are local to the report's time zone, stated in every format.

mod advice;
mod aggregate;
mod csv;
mod html;
mod svg;
mod text;
pub mod time;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::store::{History, Level, SessionRow, Span, State, StoreError, StoredEvent};

pub use advice::{Advice, AdviceKind, problem_label};
pub use csv::{CsvRows, render_csv};
pub use html::render_html;
pub use text::{TextOptions, render_text};

/// Longest gap between two samples that still counts as time (a longer one counts up to it).
pub const GAP_CAP_MS: i64 = crate::store::SPAN_MAX_GAP_MS;
/// An alert counts as corrected when posture is back to ok within this time.
pub const CORRECTION_WINDOW_MS: i64 = 60_000;
/// Time away that counts as a break even without the coach's word for it.
pub const LONG_AWAY_BREAK_MS: i64 = 5 * 60_000;
/// Timeline resolution: each bin shows the state that filled most of it.
pub const TIMELINE_BIN_MS: i64 = 60_000;
/// Days in the score trend.
pub const TREND_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("date out of range: {0}")]
    Time(String),
    #[error("the first day {first} is after the last day {last}")]
    BadRange { first: Date, last: Date },
    #[error("could not write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub first_day: Date,
    pub last_day: Date,
    pub tz: TimeZone,
    /// Only sessions of this profile; all when `None`.
    pub profile: Option<String>,
}

/// The rows a report is built from (what [`load`] reads for a request).
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    /// The samples as spans, sorted by start ([`crate::store::spans_of`] makes them from
    /// samples).
    pub spans: &'a [Span],
    /// Sorted by time.
    pub events: &'a [StoredEvent],
    pub sessions: &'a [SessionRow],
}

/// A posture report over one or more days.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub first_day: Date,
    pub last_day: Date,
    /// IANA name of the time zone all dates and times are in.
    pub time_zone: String,
    pub profile: Option<String>,
    /// Each day of the range, with or without data.
    pub days: Vec<DayReport>,
    /// The whole range.
    pub total: Summary,
    /// Time by local clock hour over the whole range.
    pub by_clock_hour: Vec<HourReport>,
    /// Daily scores of the [`TREND_DAYS`] days ending on the last day.
    pub trend: Vec<TrendDay>,
    /// Mean daily score of the days with data among the last 7 and 30.
    pub trend_7: Option<f64>,
    pub trend_30: Option<f64>,
    pub advice: Vec<Advice>,
}

/// Totals for a day or a range. Times are milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// At the desk and watched: good + caution + bad.
    pub monitored_ms: i64,
    pub good_ms: i64,
    pub caution_ms: i64,
    pub bad_ms: i64,
    pub away_ms: i64,
    pub paused_ms: i64,
    /// Share of monitored time in good posture, 0 to 1; `None` without monitored time.
    pub score: Option<f64>,
    /// Time with each problem at caution or bad, most first; problems never seen are left out.
    pub problems: Vec<ProblemTime>,
    pub longest_good_streak_ms: i64,
    /// Start of the longest good streak, local `HH:MM` (for a day).
    pub longest_good_streak_from: Option<String>,
    pub alerts: AlertStats,
    pub breaks: BreakStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemTime {
    pub problem: String,
    pub caution_ms: i64,
    pub bad_ms: i64,
}

impl ProblemTime {
    pub fn total_ms(&self) -> i64 {
        self.caution_ms + self.bad_ms
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AlertStats {
    pub given: u32,
    /// Posture back to ok within [`CORRECTION_WINDOW_MS`].
    pub corrected_within_minute: u32,
    pub escalated: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BreakStats {
    /// `break_due` reminders.
    pub due: u32,
    /// Breaks taken: returns the coach counted as a break, and long times away.
    pub taken: u32,
}

/// One local day.
#[derive(Debug, Clone, Serialize)]
pub struct DayReport {
    pub date: Date,
    pub start_ms: i64,
    pub end_ms: i64,
    /// The UTC offsets in effect during the day: two on a DST change.
    pub utc_offsets: Vec<String>,
    pub has_data: bool,
    pub summary: Summary,
    /// Each hour of the day (23 or 25 on DST changes).
    pub hours: Vec<HourReport>,
    /// The day's posture, merged into runs of one state (gaps are left out).
    pub timeline: Vec<Segment>,
    /// Alerts and breaks, for the timeline.
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourReport {
    /// Local start, `09:00`; on the day clocks go back the repeated hour carries its offset.
    pub label: String,
    /// Local hour of day, 0 to 23.
    pub hour: i8,
    /// Start in Unix milliseconds (0 in `by_clock_hour`).
    pub start_ms: i64,
    /// Start as local time with its offset, `2026-03-29T09:00:00+02:00` (empty in
    /// `by_clock_hour`).
    pub start_local: String,
    pub utc_offset: String,
    pub monitored_ms: i64,
    pub good_ms: i64,
    pub caution_ms: i64,
    pub bad_ms: i64,
    pub alerts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub start_ms: i64,
    pub end_ms: i64,
    /// Local `HH:MM` of start and end.
    pub from: String,
    pub to: String,
    pub state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Alert,
    BreakDue,
    BreakTaken,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub t_ms: i64,
    /// Local `HH:MM`.
    pub clock: String,
    pub kind: MarkKind,
    pub problem: Option<String>,
    pub severity: Option<Level>,
    /// For alerts: corrected within a minute.
    pub corrected: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendDay {
    pub date: Date,
    pub monitored_ms: i64,
    pub score: Option<f64>,
}

/// The span of rows a request needs: the trend's 30 days and the range, with a margin for
/// samples that run over midnight and for the minute after the last alert.
pub fn rows_range(req: &ReportRequest) -> Result<crate::store::TimeRange, ReportError> {
    let trend_first = time::add_days(req.last_day, 1 - TREND_DAYS)?;
    let first = trend_first.min(req.first_day);
    let (from, _) = time::day_bounds(first, &req.tz)?;
    let (_, to) = time::day_bounds(req.last_day, &req.tz)?;
    Ok(crate::store::TimeRange {
        from_ms: from - GAP_CAP_MS,
        to_ms: to + CORRECTION_WINDOW_MS.max(LONG_AWAY_BREAK_MS),
    })
}

/// Reads the rows for `req` from the history and builds the report.
pub fn load(history: &History, req: &ReportRequest) -> Result<Report, ReportError> {
    let range = rows_range(req)?;
    let profile = req.profile.as_deref();
    let spans = history.spans(range, profile)?;
    let events = history.events(range, profile)?;
    let sessions = history.sessions(Some(range), profile)?;
    build(req, Rows { spans: &spans, events: &events, sessions: &sessions })
}

/// Builds the report for `req` from rows (see [`rows_range`] for the span they should cover).
pub fn build(req: &ReportRequest, rows: Rows<'_>) -> Result<Report, ReportError> {
    if req.first_day > req.last_day {
        return Err(ReportError::BadRange { first: req.first_day, last: req.last_day });
    }
    let timeline = aggregate::Intervals::new(rows);
    let trend_first = time::add_days(req.last_day, 1 - TREND_DAYS)?;
    let mut trend = Vec::new();
    let mut trend_days = Vec::new();
    let mut day = trend_first;
    while day <= req.last_day {
        let report = aggregate::day(&timeline, rows, day, &req.tz)?;
        trend.push(TrendDay {
            date: day,
            monitored_ms: report.summary.monitored_ms,
            score: report.summary.score,
        });
        trend_days.push(report);
        day = time::add_days(day, 1)?;
    }
    let mut days = Vec::new();
    let mut day = req.first_day;
    while day <= req.last_day {
        match trend_days.iter().find(|d| d.date == day) {
            Some(report) => days.push(report.clone()),
            None => days.push(aggregate::day(&timeline, rows, day, &req.tz)?),
        }
        day = time::add_days(day, 1)?;
    }
    let total = aggregate::sum(&days);
    let by_clock_hour = aggregate::by_clock_hour(&days);
    let mean = |n: usize| {
        let scores: Vec<f64> = trend.iter().rev().take(n).filter_map(|d| d.score).collect();
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
    };
    let (trend_7, trend_30) = (mean(7), mean(30));
    let last_week = &trend_days[trend_days.len().saturating_sub(7)..];
    let advice = advice::advise(&total, last_week);
    Ok(Report {
        first_day: req.first_day,
        last_day: req.last_day,
        time_zone: time::zone_name(&req.tz),
        profile: req.profile.clone(),
        days,
        total,
        by_clock_hour,
        trend,
        trend_7,
        trend_30,
        advice,
    })
}

/// The report as pretty JSON.
pub fn render_json(report: &Report) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
