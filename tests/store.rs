//! The history file: migrations on a fresh file, refusing newer and damaged files without
//! touching them, WAL mode, the batched writer flushing on close, integrity, no BLOB columns,
//! forgetting, and the file size per monitored hour.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::Path;

use common::history::{Gen, HOUR, berlin};
use knotless::store::{
    Event, EventKind, History, Level, NewSession, SCHEMA_VERSION, Sample, State, StoreError,
    TimeRange, Writer, WriterOptions, spans_of,
};

fn session() -> NewSession {
    NewSession {
        started_ms: 1_774_335_600_000,
        profile: "desk".into(),
        source: "camera 0".into(),
        model: "blazepose-full".into(),
    }
}

#[test]
fn a_fresh_file_is_migrated_to_wal_and_has_no_blob_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/history.sqlite3");
    let history = History::open(&path).expect("open");
    assert_eq!(history.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(history.journal_mode().expect("mode"), "wal");
    assert_eq!(history.integrity_check().expect("check"), ["ok"]);
    let columns = history.columns().expect("columns");
    let tables: std::collections::BTreeSet<&str> = columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        tables.into_iter().collect::<Vec<_>>(),
        ["calibrations", "events", "samples", "sessions", "spans"]
    );
    for (table, column, kind) in &columns {
        assert!(
            matches!(kind.as_str(), "INTEGER" | "REAL" | "TEXT"),
            "{table}.{column} is {kind}: the history holds numbers and text only"
        );
    }
    drop(history);
    // Opening again is a no-op migration.
    let history = History::open(&path).expect("reopen");
    assert_eq!(history.schema_version().expect("version"), SCHEMA_VERSION);
    let ro = History::open_read_only(&path).expect("read-only");
    assert_eq!(ro.schema_version().expect("version"), SCHEMA_VERSION);
}

fn refuses_untouched(path: &Path, check: impl Fn(&StoreError) -> bool) {
    let before = std::fs::read(path).expect("read");
    let err = History::open(path).expect_err("must refuse");
    assert!(check(&err), "unexpected error: {err}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "names the file: {message}");
    assert!(message.contains("untouched"), "says it left the file alone: {message}");
    let err = History::open_read_only(path).expect_err("must refuse read-only too");
    assert!(check(&err), "unexpected error: {err}");
    assert_eq!(std::fs::read(path).expect("read"), before, "the file was modified");
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    {
        // A database from a future knotless: a rollback-journal file with a higher version.
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute_batch(&format!(
            "CREATE TABLE future (x INTEGER); PRAGMA user_version = {};",
            SCHEMA_VERSION + 1
        ))
        .expect("future schema");
    }
    refuses_untouched(
        &path,
        |e| matches!(e, StoreError::NewerVersion { found, .. } if *found == SCHEMA_VERSION + 1),
    );
    assert!(History::open(&path).expect_err("refuse").to_string().contains("newer knotless"));
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(100)).expect("write");
    refuses_untouched(&path, |e| matches!(e, StoreError::NotADatabase { .. }));
}

#[test]
fn a_damaged_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    {
        let mut history = History::open(&path).expect("open");
        let mut g = Gen::new(berlin());
        g.known_day(common::history::d(2026, 3, 24));
        g.write_to(&mut history);
        // Fold the WAL into the main file, then leave rollback mode so the file stands alone.
        history.integrity_check().expect("check");
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.pragma_update(None, "journal_mode", "DELETE").expect("journal mode");
    }
    // Scribble over pages in the middle of the file (past the header and the schema page).
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 16 * 4096, "file too small to damage: {}", bytes.len());
    for b in &mut bytes[4096 * 3..4096 * 6] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    refuses_untouched(&path, |e| matches!(e, StoreError::Corrupt { .. }));
}

#[test]
fn the_writer_commits_everything_on_close_and_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let t0 = session().started_ms;
    // Long interval and batch: nothing would be committed before close.
    let options = WriterOptions {
        commit_every_rows: 1_000_000,
        commit_interval: std::time::Duration::from_secs(3600),
        ..Default::default()
    };
    let writer = Writer::start(&path, &session(), options.clone()).expect("writer");
    writer.event(Event::new(t0, EventKind::SessionStart));
    for i in 0..1000 {
        writer.sample(
            Sample::new(t0 + i * 1000, State::Good).with_level("head_tilt", Level::Caution),
        );
    }
    writer.event(Event::alert(t0 + 500_000, "head_tilt", Level::Caution).deviation(9.5));
    // A reader sees nothing yet: still batched.
    let range = TimeRange { from_ms: t0, to_ms: t0 + HOUR };
    let reader = History::open_read_only(&path).expect("reader");
    assert_eq!(reader.samples(range, None).expect("samples").len(), 0);
    let health = writer.close();
    assert_eq!(health.rows_written, 1002, "{health:?}");
    assert_eq!((health.pending, health.last_error), (0, None));
    let samples = reader.samples(range, None).expect("samples");
    assert_eq!(samples.len(), 1000);
    assert_eq!(samples[3].sample.level_of("head_tilt"), Level::Caution);
    let events = reader.events(range, None).expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].event.deviation, Some(9.5));
    let sessions = reader.sessions(None, None).expect("sessions");
    assert_eq!(sessions[0].ended_ms, Some(t0 + 999_000));

    // Dropping without close also commits.
    {
        let writer = Writer::start(&path, &session(), options).expect("writer");
        writer.sample(Sample::new(t0 + 2 * HOUR, State::Away));
    }
    assert_eq!(reader.session_stats(None).expect("stats")[1].samples, 1);
    // flush() commits and waits.
    let writer = Writer::start(&path, &session(), WriterOptions::default()).expect("writer");
    writer.sample(Sample::new(t0 + 3 * HOUR, State::Bad));
    writer.flush().expect("flush");
    assert_eq!(reader.session_stats(None).expect("stats")[2].samples, 1);
    drop(writer);
    assert_eq!(History::open(&path).expect("open").integrity_check().expect("check"), ["ok"]);
}

#[test]
fn forget_deletes_old_rows_and_keeps_the_latest_calibration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut history = History::open(&path).expect("open");
    let mut g = Gen::new(berlin());
    g.known_day(common::history::d(2026, 3, 23));
    g.known_day(common::history::d(2026, 3, 24));
    g.write_to(&mut history);
    let cutoff = g.at(common::history::d(2026, 3, 24), 0, 0, 0);
    history
        .record_calibration("desk", cutoff - 10 * HOUR, &serde_json::json!({"pitch": 1.0}))
        .expect("cal");
    history
        .record_calibration("desk", cutoff - 5 * HOUR, &serde_json::json!({"pitch": 2.0}))
        .expect("cal");
    let counts = history.count_before(cutoff).expect("count");
    assert_eq!(counts.samples, 6 * 3600 + 15 * 60 + 30 * 60);
    assert_eq!((counts.sessions, counts.calibrations), (2, 1));
    let done = history.forget_before(cutoff).expect("forget");
    assert_eq!(done, counts);
    let all = TimeRange { from_ms: 0, to_ms: i64::MAX };
    assert!(history.samples(all, None).expect("samples").iter().all(|s| s.sample.t_ms >= cutoff));
    assert_eq!(history.sessions(None, None).expect("sessions").len(), 2);
    let cal = history.latest_calibration("desk").expect("cal").expect("kept");
    assert_eq!(cal.summary["pitch"], 2.0);
    let days = history.days_with_data(&berlin(), None).expect("days");
    assert_eq!(days, [(common::history::d(2026, 3, 24), counts.samples)]);
    assert_spans_match_samples(&history);
    // A cutoff in the middle of a run of good posture shortens the run.
    history.forget_before(g.at(common::history::d(2026, 3, 24), 9, 0, 0)).expect("forget");
    assert_spans_match_samples(&history);
    let first = &history.spans(ALL, None).expect("spans")[0];
    assert_eq!((first.state, first.samples), (State::Good, 3600));
}

const ALL: TimeRange = TimeRange { from_ms: i64::MIN, to_ms: i64::MAX };

/// The stored spans are exactly the runs of the stored samples.
fn assert_spans_match_samples(history: &History) {
    let spans = history.spans(ALL, None).expect("spans");
    assert_eq!(spans, spans_of(&history.samples(ALL, None).expect("samples")));
}

#[test]
fn spans_follow_the_samples_however_they_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut history = History::open(&path).expect("open");
    let mut g = Gen::new(berlin());
    g.known_day(common::history::d(2026, 3, 24));
    g.typical_day(common::history::d(2026, 3, 25), 2);
    // In batches of an hour: spans run across batches.
    g.write_to(&mut history);
    assert_spans_match_samples(&history);
    let spans = history.spans(ALL, None).expect("spans");
    assert!(spans.len() * 100 < g.samples.len(), "{} spans", spans.len());
    assert_eq!(spans, g.spans, "the same spans as made in memory");

    // Through the writer, a few rows per commit.
    let t0 = session().started_ms;
    let options = WriterOptions { commit_every_rows: 7, ..Default::default() };
    let writer = Writer::start(&path, &session(), options).expect("writer");
    for i in 0..200 {
        let state = if (i / 30) % 2 == 0 { State::Good } else { State::Bad };
        // A gap longer than the span gap at 100.
        let t = t0 + i * 1000 + if i >= 100 { 60_000 } else { 0 };
        writer.sample(Sample::new(t, state));
    }
    writer.close();
    assert_spans_match_samples(&history);

    // Out of order and rewritten samples rebuild the session's spans.
    let id = history
        .sessions(None, None)
        .expect("sessions")
        .iter()
        .map(|s| s.id)
        .max()
        .expect("a session");
    history
        .append(
            id,
            &[Sample::new(t0 + 5_500, State::Away), Sample::new(t0 + 40_000, State::Away)],
            &[],
        )
        .expect("append out of order");
    assert_spans_match_samples(&history);
    let spans = history.spans(TimeRange { from_ms: t0, to_ms: t0 + 6_001 }, None).expect("spans");
    let states: Vec<State> = spans.iter().filter(|s| s.session_id == id).map(|s| s.state).collect();
    assert_eq!(states, [State::Good, State::Away, State::Good]);
}

/// Bytes per monitored hour at one sample a second (the default), with a typical mix of
/// states and problems. BENCHMARKS.md quotes the figure printed here.
#[test]
fn file_size_per_monitored_hour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut history = History::open(&path).expect("open");
    let mut g = Gen::new(berlin());
    let day = common::history::d(2026, 3, 24);
    g.typical_day(day, 3);
    let samples = g.samples.len();
    g.write_to(&mut history);
    drop(history);
    let mut history = History::open(&path).expect("open");
    history.forget_before(0).expect("checkpoint and vacuum");
    drop(history);
    let bytes = std::fs::metadata(&path).expect("size").len();
    let hours = samples as f64 / 3600.0;
    let per_hour = bytes as f64 / hours;
    eprintln!(
        "history size: {samples} samples ({hours:.1} h at 1/s) in {bytes} bytes = {:.0} KiB per monitored hour",
        per_hour / 1024.0
    );
    assert!(per_hour < 300.0 * 1024.0, "{per_hour} bytes per hour");
}
