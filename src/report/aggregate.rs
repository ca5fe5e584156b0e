//! From rows to a day's numbers: the time each span of samples stands for, then per-day
//! totals, hours, streaks, the timeline, alerts and their outcome, and breaks.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::time::{self, HOUR_MS};
use super::{
    AlertStats, BreakStats, CORRECTION_WINDOW_MS, DayReport, GAP_CAP_MS, HourReport,
    LONG_AWAY_BREAK_MS, Mark, MarkKind, ProblemTime, ReportError, Rows, Segment, Summary,
    TIMELINE_BIN_MS,
};
use crate::store::{EventKind, Level, Span, State};

/// A `back` event this close after a long time away is the same break.
const BREAK_MATCH_SLACK_MS: i64 = 30_000;

/// The time one span of samples stands for: from its first sample until the next sample of
/// its session, at most [`GAP_CAP_MS`] after its last.
#[derive(Debug, Clone, Copy)]
pub(super) struct Interval {
    start: i64,
    end: i64,
    /// Index into the rows' spans.
    span: usize,
}

/// Every span's interval, and the times away, computed once for all days.
pub(super) struct Intervals {
    /// Sorted by start (spans come sorted by start).
    intervals: Vec<Interval>,
    /// The longest interval: how far before a time an interval across it may start.
    longest: i64,
    /// `(start, end)` of each run of away samples, sorted by start.
    away_runs: Vec<(i64, i64)>,
}

impl Intervals {
    pub fn new(rows: Rows<'_>) -> Intervals {
        let ended: HashMap<i64, Option<i64>> =
            rows.sessions.iter().map(|s| (s.id, s.ended_ms)).collect();
        let mut intervals: Vec<Interval> = Vec::with_capacity(rows.spans.len());
        // Per session: the index of its last interval, and the start of its open away run.
        let mut last: HashMap<i64, usize> = HashMap::new();
        let mut away_from: HashMap<i64, i64> = HashMap::new();
        let mut away_runs = Vec::new();
        // Time without a camera is not watched: a span's time ends where the camera was lost.
        let mut losses: HashMap<i64, Vec<i64>> = HashMap::new();
        for e in rows.events.iter().filter(|e| e.event.kind == EventKind::CameraLost) {
            losses.entry(e.session_id).or_default().push(e.event.t_ms);
        }
        let cut = |session: i64, start: i64, end: i64| {
            let lost =
                losses.get(&session).and_then(|ts| ts.get(ts.partition_point(|&t| t < start)));
            lost.map_or(end, |&t| end.min(t))
        };
        for (i, s) in rows.spans.iter().enumerate() {
            let t = s.first_ms;
            if let Some(&prev) = last.get(&s.session_id) {
                let p = &mut intervals[prev];
                let last_ms = rows.spans[p.span].last_ms;
                p.end = cut(s.session_id, last_ms, t.min(last_ms + GAP_CAP_MS));
            }
            // A run of away samples lasts until the next sample of its session, however far:
            // time away is a break even when the computer slept through it.
            if s.state == State::Away {
                away_from.entry(s.session_id).or_insert(t);
            } else if let Some(from) = away_from.remove(&s.session_id) {
                away_runs.push((from, t));
            }
            last.insert(s.session_id, intervals.len());
            intervals.push(Interval { start: t, end: s.last_ms, span: i });
        }
        for (session, &idx) in &last {
            let p = &mut intervals[idx];
            let last_ms = rows.spans[p.span].last_ms;
            let session_end = ended.get(session).copied().flatten().unwrap_or(last_ms);
            p.end = cut(*session, last_ms, session_end.clamp(last_ms, last_ms + GAP_CAP_MS));
        }
        for (session, from) in away_from {
            let end = last.get(&session).map_or(from, |&i| intervals[i].end);
            away_runs.push((from, end));
        }
        away_runs.sort_unstable();
        let longest = intervals.iter().map(|iv| iv.end - iv.start).max().unwrap_or(0);
        Intervals { intervals, longest, away_runs }
    }
}

/// Per-state time in one timeline bin: good, caution, bad, away, paused.
type Bin = [i64; 5];

fn state_index(state: State) -> usize {
    match state {
        State::Good => 0,
        State::Caution => 1,
        State::Bad => 2,
        State::Away => 3,
        State::Paused => 4,
    }
}

/// Which state wins a tie in a timeline bin: the worse one, so a bad minute is not hidden.
const TIE_ORDER: [State; 5] = [State::Bad, State::Caution, State::Good, State::Paused, State::Away];

/// The report of one local day.
pub(super) fn day(
    all: &Intervals,
    rows: Rows<'_>,
    date: Date,
    tz: &TimeZone,
) -> Result<DayReport, ReportError> {
    let (ds, de) = time::day_bounds(date, tz)?;
    let mut summary = Summary::default();
    let mut problems: Vec<ProblemTime> = Vec::new();
    let mut hours = hours_of(ds, de, tz);
    let bins_len = usize::try_from((de - ds + TIMELINE_BIN_MS - 1) / TIMELINE_BIN_MS).unwrap_or(0);
    let mut bins: Vec<Bin> = vec![[0; 5]; bins_len];
    let mut has_data = false;
    // Good streak: its start and end so far, and the best one.
    let mut streak: Option<(i64, i64)> = None;
    let mut best: Option<(i64, i64)> = None;

    let first = all.intervals.partition_point(|iv| iv.start < ds - all.longest);
    for iv in all.intervals[first..].iter().take_while(|iv| iv.start < de) {
        let (s, e) = (iv.start.max(ds), iv.end.min(de));
        if e <= s {
            continue;
        }
        has_data = true;
        let sample: &Span = &rows.spans[iv.span];
        let d = e - s;
        match sample.state {
            State::Good => summary.good_ms += d,
            State::Caution => summary.caution_ms += d,
            State::Bad => summary.bad_ms += d,
            State::Away => summary.away_ms += d,
            State::Paused => summary.paused_ms += d,
        }
        if sample.state.is_monitored() {
            summary.monitored_ms += d;
            for (problem, level) in &sample.levels {
                let entry = match problems.iter_mut().position(|p| &p.problem == problem) {
                    Some(i) => &mut problems[i],
                    None => {
                        problems.push(ProblemTime {
                            problem: problem.clone(),
                            caution_ms: 0,
                            bad_ms: 0,
                        });
                        let last = problems.len() - 1;
                        &mut problems[last]
                    }
                };
                match level {
                    Level::Caution => entry.caution_ms += d,
                    Level::Bad => entry.bad_ms += d,
                    Level::Ok => {}
                }
            }
        }
        if sample.state == State::Good {
            streak = match streak {
                Some((from, to)) if to == s => Some((from, e)),
                _ => Some((s, e)),
            };
            if let Some((from, to)) = streak
                && best.is_none_or(|(bf, bt)| to - from > bt - bf)
            {
                best = Some((from, to));
            }
        } else {
            streak = None;
        }
        spread(s, e, ds, HOUR_MS, |i, part| {
            if let Some(h) = hours.get_mut(i)
                && sample.state.is_monitored()
            {
                h.monitored_ms += part;
                match sample.state {
                    State::Good => h.good_ms += part,
                    State::Caution => h.caution_ms += part,
                    _ => h.bad_ms += part,
                }
            }
        });
        spread(s, e, ds, TIMELINE_BIN_MS, |i, part| {
            if let Some(bin) = bins.get_mut(i) {
                bin[state_index(sample.state)] += part;
            }
        });
    }

    // Events of the day.
    let mut alerts = AlertStats::default();
    let mut breaks = BreakStats::default();
    let mut marks = Vec::new();
    let first = rows.events.partition_point(|e| e.event.t_ms < ds);
    let mut counted_backs = Vec::new();
    for stored in rows.events[first..].iter().take_while(|e| e.event.t_ms < de) {
        has_data = true;
        let event = &stored.event;
        let hour = usize::try_from((event.t_ms - ds) / HOUR_MS).unwrap_or(0);
        match event.kind {
            EventKind::Alert => {
                let corrected = corrected(all, rows, event.t_ms, event.problem.as_deref());
                alerts.given += 1;
                alerts.corrected_within_minute += u32::from(corrected);
                alerts.escalated += u32::from(event.escalated);
                if let Some(h) = hours.get_mut(hour) {
                    h.alerts += 1;
                }
                marks.push(Mark {
                    t_ms: event.t_ms,
                    clock: time::fmt_clock(event.t_ms, tz),
                    kind: MarkKind::Alert,
                    problem: event.problem.clone(),
                    severity: event.severity,
                    corrected: Some(corrected),
                });
            }
            EventKind::BreakDue => {
                breaks.due += 1;
                marks.push(mark(event.t_ms, MarkKind::BreakDue, tz));
            }
            EventKind::Back if event.counted_as_break() => {
                breaks.taken += 1;
                counted_backs.push(event.t_ms);
                marks.push(mark(event.t_ms, MarkKind::BreakTaken, tz));
            }
            _ => {}
        }
    }
    // Long times away ending today that the coach did not already count.
    let all_backs: Vec<i64> =
        rows.events.iter().filter(|e| e.event.counted_as_break()).map(|e| e.event.t_ms).collect();
    for &(from, to) in &all.away_runs {
        if to < ds || to >= de || to - from < LONG_AWAY_BREAK_MS {
            continue;
        }
        let already = all_backs.iter().any(|&t| t >= from && t <= to + BREAK_MATCH_SLACK_MS);
        if !already {
            breaks.taken += 1;
            marks.push(mark(to, MarkKind::BreakTaken, tz));
        }
    }
    marks.sort_by_key(|m| m.t_ms);

    problems.sort_by(|a, b| b.total_ms().cmp(&a.total_ms()).then(a.problem.cmp(&b.problem)));
    summary.problems = problems;
    summary.score = score(summary.good_ms, summary.monitored_ms);
    if let Some((from, to)) = best {
        summary.longest_good_streak_ms = to - from;
        summary.longest_good_streak_from = Some(time::fmt_clock(from, tz));
    }
    summary.alerts = alerts;
    summary.breaks = breaks;

    let mut utc_offsets: Vec<String> = Vec::new();
    for ms in hours.iter().map(|h| h.start_ms).chain([de - 1]) {
        let offset = time::fmt_offset(time::offset_at(ms, tz));
        if !utc_offsets.contains(&offset) {
            utc_offsets.push(offset);
        }
    }
    Ok(DayReport {
        date,
        start_ms: ds,
        end_ms: de,
        utc_offsets,
        has_data,
        summary,
        hours,
        timeline: segments(&bins, ds, de, tz),
        marks,
    })
}

fn mark(t_ms: i64, kind: MarkKind, tz: &TimeZone) -> Mark {
    Mark {
        t_ms,
        clock: time::fmt_clock(t_ms, tz),
        kind,
        problem: None,
        severity: None,
        corrected: None,
    }
}

fn score(good: i64, monitored: i64) -> Option<f64> {
    (monitored > 0).then(|| good as f64 / monitored as f64)
}

/// Calls `f(bucket index, time in it)` for each bucket of `width` (from `origin`) that
/// `[s, e)` overlaps.
fn spread(s: i64, e: i64, origin: i64, width: i64, mut f: impl FnMut(usize, i64)) {
    let mut at = s;
    while at < e {
        let index = (at - origin) / width;
        let bucket_end = origin + (index + 1) * width;
        let to = e.min(bucket_end);
        f(usize::try_from(index).unwrap_or(usize::MAX), to - at);
        at = to;
    }
}

/// Whether posture was back to ok within a minute after an alert at `t`: a sample in that
/// minute was good, or had the alert's problem back at ok while the person was watched, or the
/// coach recorded it as recovered.
fn corrected(all: &Intervals, rows: Rows<'_>, t: i64, problem: Option<&str>) -> bool {
    let window_end = t + CORRECTION_WINDOW_MS;
    // A span has a sample in (t, window_end] when it starts by the end and ends after t: its
    // samples are at most GAP_CAP_MS apart, less than the window.
    let from = rows.spans.partition_point(|s| s.first_ms < t - all.longest);
    let by_sample = rows.spans[from..]
        .iter()
        .take_while(|s| s.first_ms <= window_end)
        .filter(|s| s.last_ms > t)
        .any(|s| {
            s.state == State::Good
                || (s.state.is_monitored() && problem.is_some_and(|p| s.level_of(p) == Level::Ok))
        });
    let from = rows.events.partition_point(|e| e.event.t_ms <= t);
    let by_event = rows.events[from..].iter().take_while(|e| e.event.t_ms <= window_end).any(|e| {
        e.event.kind == EventKind::Recovered
            && problem.is_some()
            && e.event.problem.as_deref() == problem
    });
    by_sample || by_event
}

/// The hours of a day in absolute steps from local midnight: 23 or 25 on DST changes. A clock
/// hour that occurs twice carries its UTC offset in the label.
fn hours_of(ds: i64, de: i64, tz: &TimeZone) -> Vec<HourReport> {
    let mut hours = Vec::new();
    let mut at = ds;
    while at < de {
        let local = time::local(at, tz);
        hours.push(HourReport {
            label: format!("{:02}:{:02}", local.hour(), local.minute()),
            hour: local.hour(),
            start_ms: at,
            start_local: time::fmt_local_iso(at, tz),
            utc_offset: time::fmt_offset(time::offset_at(at, tz)),
            monitored_ms: 0,
            good_ms: 0,
            caution_ms: 0,
            bad_ms: 0,
            alerts: 0,
        });
        at += HOUR_MS;
    }
    let labels: Vec<String> = hours.iter().map(|h| h.label.clone()).collect();
    for h in &mut hours {
        if labels.iter().filter(|l| **l == h.label).count() > 1 {
            h.label = format!("{} {}", h.label, time::fmt_offset(time::offset_at(h.start_ms, tz)));
        }
    }
    hours
}

/// Merges the minute bins into runs of the state that filled most of each minute; a minute
/// less than half covered is a gap.
fn segments(bins: &[Bin], ds: i64, de: i64, tz: &TimeZone) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (i, bin) in bins.iter().enumerate() {
        let start = ds + i as i64 * TIMELINE_BIN_MS;
        let end = (start + TIMELINE_BIN_MS).min(de);
        let covered: i64 = bin.iter().sum();
        if covered * 2 < end - start {
            continue;
        }
        let Some(state) = TIE_ORDER.iter().copied().max_by_key(|s| {
            // max_by_key keeps the last of equal keys: reverse so the first in TIE_ORDER wins.
            (bin[state_index(*s)], std::cmp::Reverse(TIE_ORDER.iter().position(|t| t == s)))
        }) else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.state == state && last.end_ms == start => last.end_ms = end,
            _ => out.push(Segment {
                start_ms: start,
                end_ms: end,
                from: String::new(),
                to: String::new(),
                state,
            }),
        }
    }
    for s in &mut out {
        s.from = time::fmt_clock(s.start_ms, tz);
        s.to = time::fmt_clock(s.end_ms, tz);
    }
    out
}

/// Totals over several days.
pub(super) fn sum(days: &[DayReport]) -> Summary {
    let mut total = Summary::default();
    let mut best: Option<(i64, String)> = None;
    for day in days {
        let s = &day.summary;
        total.monitored_ms += s.monitored_ms;
        total.good_ms += s.good_ms;
        total.caution_ms += s.caution_ms;
        total.bad_ms += s.bad_ms;
        total.away_ms += s.away_ms;
        total.paused_ms += s.paused_ms;
        total.alerts.given += s.alerts.given;
        total.alerts.corrected_within_minute += s.alerts.corrected_within_minute;
        total.alerts.escalated += s.alerts.escalated;
        total.breaks.due += s.breaks.due;
        total.breaks.taken += s.breaks.taken;
        for p in &s.problems {
            match total.problems.iter_mut().find(|t| t.problem == p.problem) {
                Some(t) => {
                    t.caution_ms += p.caution_ms;
                    t.bad_ms += p.bad_ms;
                }
                None => total.problems.push(p.clone()),
            }
        }
        if let Some(from) = &s.longest_good_streak_from
            && best.as_ref().is_none_or(|(ms, _)| s.longest_good_streak_ms > *ms)
        {
            let from = if days.len() > 1 { format!("{} {from}", day.date) } else { from.clone() };
            best = Some((s.longest_good_streak_ms, from));
        }
    }
    total.problems.sort_by(|a, b| b.total_ms().cmp(&a.total_ms()).then(a.problem.cmp(&b.problem)));
    total.score = score(total.good_ms, total.monitored_ms);
    if let Some((ms, from)) = best {
        total.longest_good_streak_ms = ms;
        total.longest_good_streak_from = Some(from);
    }
    total
}

/// Time by local clock hour (0 to 23) over several days.
pub(super) fn by_clock_hour(days: &[DayReport]) -> Vec<HourReport> {
    let mut out: Vec<HourReport> = (0..24)
        .map(|hour| HourReport {
            label: format!("{hour:02}:00"),
            hour,
            start_ms: 0,
            start_local: String::new(),
            utc_offset: String::new(),
            monitored_ms: 0,
            good_ms: 0,
            caution_ms: 0,
            bad_ms: 0,
            alerts: 0,
        })
        .collect();
    for h in days.iter().flat_map(|d| &d.hours) {
        if let Some(o) = usize::try_from(h.hour).ok().and_then(|i| out.get_mut(i)) {
            o.monitored_ms += h.monitored_ms;
            o.good_ms += h.good_ms;
            o.caution_ms += h.caution_ms;
            o.bad_ms += h.bad_ms;
            o.alerts += h.alerts;
        }
    }
    out
}
