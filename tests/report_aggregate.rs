//! Aggregation on generated histories with known answers: the score, problem times, alerts
//! and their outcome, breaks, streaks, capped gaps, midnight and DST changes (Europe/Berlin).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::history::{Gen, HOUR, MINUTE, SECOND, berlin, d};
use knotless::report::{self, AdviceKind, ReportRequest, render_text};
use knotless::store::{Event, Level, State};

fn request(first: jiff::civil::Date, last: jiff::civil::Date) -> ReportRequest {
    ReportRequest { first_day: first, last_day: last, tz: berlin(), profile: None }
}

#[test]
fn known_day_has_known_answers() {
    let mut g = Gen::new(berlin());
    let day = d(2026, 3, 24);
    g.known_day(day);
    let report = report::build(&request(day, day), g.rows()).expect("report");
    let s = &report.days[0].summary;
    assert_eq!(s.monitored_ms, 6 * HOUR);
    assert_eq!(s.good_ms, 4 * HOUR + 30 * MINUTE);
    assert_eq!(s.caution_ms, 30 * MINUTE);
    assert_eq!(s.bad_ms, HOUR);
    assert_eq!(s.away_ms, 15 * MINUTE);
    assert_eq!(s.paused_ms, 30 * MINUTE);
    assert_eq!(s.score, Some(0.75));
    assert_eq!(s.longest_good_streak_ms, 2 * HOUR);
    assert_eq!(s.longest_good_streak_from.as_deref(), Some("08:00"));
    assert_eq!((s.alerts.given, s.alerts.corrected_within_minute, s.alerts.escalated), (3, 2, 1));
    // The 15-minute time away is one break: the coach's `back` and the long away run agree.
    assert_eq!((s.breaks.due, s.breaks.taken), (2, 1));
    let problems: Vec<_> =
        s.problems.iter().map(|p| (p.problem.as_str(), p.caution_ms, p.bad_ms)).collect();
    assert_eq!(problems, vec![("screen_too_low", 0, HOUR), ("neck_flexion", 30 * MINUTE, 0)]);
    assert_eq!(report.days[0].utc_offsets, vec!["+01:00"]);

    let hours = &report.days[0].hours;
    assert_eq!(hours.len(), 24);
    assert_eq!((hours[8].good_ms, hours[8].monitored_ms), (HOUR, HOUR));
    assert_eq!((hours[10].good_ms, hours[10].monitored_ms), (15 * MINUTE, 45 * MINUTE));
    assert_eq!(hours[15].alerts, 1);
    assert_eq!(hours[12].monitored_ms, 0);
    // Timeline: whole-minute runs of state.
    let timeline = &report.days[0].timeline;
    assert_eq!(timeline[0].state, State::Good);
    assert_eq!((timeline[0].from.as_str(), timeline[0].to.as_str()), ("08:00", "10:00"));
    assert!(
        timeline.iter().any(|s| s.state == State::Away && s.from == "10:30" && s.to == "10:45")
    );
    // Advice: the screen dominated (1 h of 6 = 17%, under 20%): no setup fix, but stretches.
    assert!(report.advice.iter().any(|a| a.kind == AdviceKind::Stretch));
    assert!(!report.advice.iter().any(|a| a.kind == AdviceKind::Persistent));
}

#[test]
fn a_gap_counts_only_up_to_the_cap() {
    let mut g = Gen::new(berlin());
    let day = d(2026, 5, 6);
    let s = g.session(g.at(day, 12, 0, 0), g.at(day, 13, 10, 0));
    // Good for 10 minutes, the laptop sleeps for 50, good again for 10.
    g.run(s, g.at(day, 12, 0, 0), g.at(day, 12, 10, 0), State::Good, &[]);
    g.run(s, g.at(day, 13, 0, 0), g.at(day, 13, 10, 0), State::Good, &[]);
    // A crashed session: its recorded end is its last sample, which then counts nothing.
    let c = g.session(g.at(day, 14, 0, 0), g.at(day, 14, 9, 59));
    g.run(c, g.at(day, 14, 0, 0), g.at(day, 14, 10, 0), State::Good, &[]);
    let report = report::build(&request(day, day), g.rows()).expect("report");
    let s = &report.days[0].summary;
    // 12:09:59 stands for 10 s instead of 1 s; 14:09:59 for nothing.
    assert_eq!(s.monitored_ms, 20 * MINUTE + 9 * SECOND + 10 * MINUTE - SECOND);
    assert_eq!(s.good_ms, s.monitored_ms);
    // The sleep breaks the good streak.
    assert_eq!(s.longest_good_streak_ms, 10 * MINUTE + 9 * SECOND);
}

#[test]
fn a_session_across_midnight_and_the_spring_dst_change() {
    // Berlin, Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST; the day has 23 hours.
    let mut g = Gen::new(berlin());
    let start = g.at(d(2026, 3, 28), 23, 0, 0);
    let end = start + 4 * HOUR;
    let s = g.session(start, end);
    g.run(s, start, end, State::Good, &[]);
    let report = report::build(&request(d(2026, 3, 28), d(2026, 3, 29)), g.rows()).expect("report");
    let (sat, sun) = (&report.days[0], &report.days[1]);
    assert_eq!(sat.summary.monitored_ms, HOUR);
    assert_eq!(sun.summary.monitored_ms, 3 * HOUR);
    assert_eq!(sun.end_ms - sun.start_ms, 23 * HOUR);
    assert_eq!(sun.hours.len(), 23);
    let labels: Vec<&str> = sun.hours.iter().take(4).map(|h| h.label.as_str()).collect();
    assert_eq!(labels, ["00:00", "01:00", "03:00", "04:00"]);
    assert_eq!(sun.hours[2].good_ms, HOUR);
    assert_eq!(sun.hours[3].good_ms, 0);
    assert_eq!(sun.utc_offsets, ["+01:00", "+02:00"]);
    assert_eq!(report.total.monitored_ms, 4 * HOUR);
    assert_eq!(sun.timeline.last().map(|s| s.to.as_str()), Some("04:00"));
}

#[test]
fn the_autumn_dst_change_repeats_an_hour() {
    // Berlin, Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; the day has 25 hours.
    let mut g = Gen::new(berlin());
    let start = g.at(d(2026, 10, 25), 1, 0, 0); // 01:00 CEST
    let end = start + 4 * HOUR; // 04:00 CET
    let s = g.session(start, end);
    g.run(s, start, end, State::Good, &[("head_tilt", Level::Caution)]);
    let day = d(2026, 10, 25);
    let report = report::build(&request(day, day), g.rows()).expect("report");
    let day = &report.days[0];
    assert_eq!(day.hours.len(), 25);
    assert_eq!(day.hours[2].label, "02:00 +02:00");
    assert_eq!(day.hours[3].label, "02:00 +01:00");
    assert_eq!((day.hours[2].good_ms, day.hours[3].good_ms), (HOUR, HOUR));
    assert_eq!(day.summary.monitored_ms, 4 * HOUR);
    assert_eq!(day.summary.problems[0].caution_ms, 4 * HOUR);
    assert_eq!(day.utc_offsets, ["+02:00", "+01:00"]);
}

#[test]
fn a_persistent_problem_asks_for_a_physiotherapist() {
    let mut g = Gen::new(berlin());
    for day in 20..=26 {
        let day = d(2026, 4, day);
        let s = g.session(g.at(day, 9, 0, 0), g.at(day, 10, 0, 0));
        g.run_every(s, g.at(day, 9, 0, 0), g.at(day, 9, 40, 0), 2 * SECOND, State::Good, &[]);
        let low = [("screen_too_low", Level::Caution)];
        g.run_every(s, g.at(day, 9, 40, 0), g.at(day, 10, 0, 0), 2 * SECOND, State::Caution, &low);
    }
    let last = d(2026, 4, 26);
    let report = report::build(&request(last, last), g.rows()).expect("report");
    let kinds: Vec<_> = report.advice.iter().map(|a| (a.kind, a.problem.as_deref())).collect();
    assert!(kinds.contains(&(AdviceKind::Setup, Some("screen_too_low"))), "{kinds:?}");
    assert!(kinds.contains(&(AdviceKind::Persistent, Some("screen_too_low"))), "{kinds:?}");
    let text = render_text(&report, &Default::default());
    assert!(text.contains("physiotherapist"));
    assert!(text.contains("Raise your screen to eye height"));
    // A third of each day in caution: score 67% on each of the 7 days.
    assert_eq!(report.trend.iter().filter(|d| d.score.is_some()).count(), 7);
    assert!((report.trend_7.unwrap_or_default() - 2.0 / 3.0).abs() < 1e-9);
}

#[test]
fn days_without_data_say_so() {
    let mut g = Gen::new(berlin());
    g.known_day(d(2026, 3, 24));
    let report = report::build(&request(d(2026, 3, 22), d(2026, 3, 26)), g.rows()).expect("report");
    assert_eq!(report.days.len(), 5);
    assert_eq!(report.days.iter().filter(|d| d.has_data).count(), 1);
    assert_eq!(report.total.score, Some(0.75));
    let text = render_text(&report, &Default::default());
    assert_eq!(text.matches("no data").count(), 4 + 6, "{text}"); // days table + trend list
    let empty = report::build(&request(d(2026, 3, 1), d(2026, 3, 1)), g.rows()).expect("report");
    let text = render_text(&empty, &Default::default());
    assert!(text.contains("No posture data for this day."), "{text}");
    let html = report::render_html(&empty);
    assert!(html.contains("No posture data for this day."));
    let csv = report::render_csv(&empty, report::CsvRows::Day);
    assert_eq!(csv.lines().count(), 2);
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("2026-03-01,Europe/Berlin,+01:00,false,0,"))
    );
}

#[test]
fn alerts_corrected_by_the_problem_going_back_to_ok() {
    let mut g = Gen::new(berlin());
    let day = d(2026, 6, 2);
    let s = g.session(g.at(day, 9, 0, 0), g.at(day, 9, 10, 0));
    let t0 = g.at(day, 9, 0, 0);
    g.run(
        s,
        t0,
        t0 + 3 * MINUTE,
        State::Bad,
        &[("too_close", Level::Bad), ("head_tilt", Level::Bad)],
    );
    // too_close fixed 40 s after the alert, head_tilt still bad: corrected for too_close.
    g.run(s, t0 + 3 * MINUTE, t0 + 10 * MINUTE, State::Bad, &[("head_tilt", Level::Bad)]);
    g.event(s, Event::alert(t0 + 3 * MINUTE - 40 * SECOND, "too_close", Level::Bad));
    g.event(s, Event::alert(t0 + 5 * MINUTE, "head_tilt", Level::Bad));
    let report = report::build(&request(day, day), g.rows()).expect("report");
    let alerts = report.days[0].summary.alerts;
    assert_eq!((alerts.given, alerts.corrected_within_minute), (2, 1));
}

#[test]
fn csv_and_json_state_the_zone() {
    let mut g = Gen::new(berlin());
    let day = d(2026, 3, 24);
    g.known_day(day);
    let report = report::build(&request(day, day), g.rows()).expect("report");
    let csv = report::render_csv(&report, report::CsvRows::Day);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let get = |name: &str| header.iter().position(|h| *h == name).map(|i| row[i]);
    assert_eq!(get("time_zone"), Some("Europe/Berlin"));
    assert_eq!(get("monitored_s"), Some("21600"));
    assert_eq!(get("score_pct"), Some("75.0"));
    assert_eq!(get("screen_too_low_bad_s"), Some("3600"));
    let hours = report::render_csv(&report, report::CsvRows::Hour);
    assert_eq!(hours.lines().count(), 25);
    assert!(hours.contains(
        "2026-03-24,2026-03-24T08:00:00+01:00,Europe/Berlin,+01:00,3600,3600,0,0,100.0,0"
    ));
    let json: serde_json::Value =
        serde_json::from_str(&report::render_json(&report).expect("json")).expect("valid JSON");
    assert_eq!(json["time_zone"], "Europe/Berlin");
    assert_eq!(json["days"][0]["date"], "2026-03-24");
    assert_eq!(json["total"]["score"], 0.75);
}
