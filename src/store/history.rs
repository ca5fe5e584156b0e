//! [`History`]: one open history file. Opening checks the file before anything writes to it,
//! then migrates; the rest is inserts and the queries reports need.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::StoreError;
use super::rows::{
    CalibrationRow, Event, EventKind, KeyMeasures, Level, NewSession, SPAN_BUCKET_MS, Sample,
    SessionRow, Span, State, StoredEvent, StoredSample, decode_levels, encode_levels,
    is_valid_name, spans_of,
};
use super::schema::{MIGRATIONS, SCHEMA_VERSION};

/// How long a statement waits for another process's lock (the monitor's writer) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of the file read-only connections map into memory.
const READ_MMAP_BYTES: i64 = 256 << 20;

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Offset of `user_version` (4 bytes, big-endian) in the database header.
const HEADER_USER_VERSION_AT: usize = 60;

/// A half-open span of time `[from_ms, to_ms)`, Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from_ms: i64,
    pub to_ms: i64,
}

/// A session with how much it holds, for `knotless history`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStats {
    pub session: SessionRow,
    pub samples: u64,
    pub events: u64,
    /// Time of the first and last sample.
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// What [`History::forget_before`] removed (or would remove, from [`History::count_before`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForgetCounts {
    pub samples: u64,
    pub events: u64,
    pub sessions: u64,
    pub calibrations: u64,
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish_non_exhaustive()
    }
}

impl History {
    /// Opens the history at `path` for reading and writing, creating it (and its folder) when
    /// missing and migrating it to the current schema. A file that is not a knotless history,
    /// is damaged, or comes from a newer knotless is refused and left byte-for-byte untouched.
    pub fn open(path: &Path) -> Result<History, StoreError> {
        check_header(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| StoreError::Io { path: parent.to_path_buf(), source })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
        let mut history = History { conn, path: path.to_path_buf() };
        history.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sql_error(path, e))?;
        // Only reads until the file has passed the checks.
        let version = history.check_contents()?;
        history.configure()?;
        history.migrate(version)?;
        Ok(history)
    }

    /// Opens an existing history for reading only (reports, `knotless history`), beside a
    /// monitor that may be writing to it.
    pub fn open_read_only(path: &Path) -> Result<History, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound { path: path.to_path_buf() });
        }
        check_header(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
        let history = History { conn, path: path.to_path_buf() };
        history.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sql_error(path, e))?;
        let version = history.check_contents()?;
        // Reports read a month of samples at once: map the file instead of copying pages.
        history.conn.pragma_update(None, "mmap_size", READ_MMAP_BYTES).map_err(history.err())?;
        if version < SCHEMA_VERSION {
            return Err(StoreError::NeedsUpgrade { path: path.to_path_buf(), found: version });
        }
        Ok(history)
    }

    #[cfg(test)]
    pub(crate) fn conn_for_tests(&self) -> &Connection {
        &self.conn
    }

    /// The file this history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| sql_error(&self.path, e)
    }

    /// Refuses newer schemas and damaged files; returns the schema version found.
    fn check_contents(&self) -> Result<u32, StoreError> {
        let version: u32 =
            self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(self.err())?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerVersion {
                path: self.path.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        // quick_check (the structural checks of integrity_check without the slow index
        // cross-checks) of the schema and of every table but the per-second samples: the rows
        // reports and the monitor build on, in milliseconds however long the history. Checking
        // the samples too would read the whole file on every open (half a second for a month);
        // SQLite still refuses a damaged samples page the moment anything reads or writes it,
        // which surfaces as the same `Corrupt` error.
        let tables: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'samples'
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .map_err(self.err())?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(self.err())?;
            rows.collect::<Result<_, _>>().map_err(self.err())?
        };
        for table in tables {
            let sql = format!("PRAGMA quick_check(\"{}\")", table.replace('"', "\"\""));
            let problems: Vec<String> = {
                let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(self.err())?;
                rows.take(5).collect::<Result<_, _>>().map_err(self.err())?
            };
            if problems.first().map(String::as_str) != Some("ok") {
                return Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: problems.join("; "),
                });
            }
        }
        Ok(version)
    }

    fn configure(&self) -> Result<(), StoreError> {
        let mode: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(self.err())?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %self.path.display(), mode, "history is not in WAL mode");
        }
        // NORMAL in WAL mode: a power cut may lose the last commits, never corrupts the file.
        self.conn.pragma_update(None, "synchronous", "NORMAL").map_err(self.err())?;
        self.conn.pragma_update(None, "foreign_keys", "ON").map_err(self.err())?;
        Ok(())
    }

    fn migrate(&mut self, found: u32) -> Result<(), StoreError> {
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // Another process may have migrated between the check and the lock.
        let version: u32 =
            tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerVersion { path, found: version, known: SCHEMA_VERSION });
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tracing::info!(path = %path.display(), to = i + 1, what = migration.what, "migrating history");
            tx.execute_batch(migration.sql).map_err(err)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(())
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(self.err())
    }

    /// The journal mode (`wal` once opened for writing).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        self.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).map_err(self.err())
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a healthy file.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check").map_err(self.err())?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every column of every table as `(table, column, declared type)`.
    pub fn columns(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT m.name, p.name, p.type FROM sqlite_schema m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' ORDER BY m.name, p.cid",
            )
            .map_err(self.err())?;
        let rows =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Records the start of a monitoring session; returns its id.
    pub fn start_session(&self, session: &NewSession) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO sessions (started_ms, profile, source, model) VALUES (?1, ?2, ?3, ?4)",
                params![session.started_ms, session.profile, session.source, session.model],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Writes samples and events of one session in one transaction, and moves the session's
    /// end to the latest time written. Rows with invalid names are refused as a whole.
    pub fn append(
        &mut self,
        session_id: i64,
        samples: &[Sample],
        events: &[Event],
    ) -> Result<(), StoreError> {
        for sample in samples {
            validate_sample(sample)?;
        }
        for event in events {
            validate_event(event)?;
        }
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut insert_sample = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO samples (t_ms, session_id, state, worst_problem, levels,
                     head_pitch_delta_deg, head_height_ratio_delta, distance_cm, head_roll_deg,
                     shoulder_tilt_deg) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for s in samples {
                let m = &s.measures;
                insert_sample
                    .execute(params![
                        s.t_ms,
                        session_id,
                        s.state.as_str(),
                        s.worst_problem,
                        encode_levels(&s.levels),
                        finite(m.head_pitch_delta_deg),
                        finite(m.head_height_ratio_delta),
                        finite(m.distance_cm),
                        finite(m.head_roll_deg),
                        finite(m.shoulder_tilt_deg),
                    ])
                    .map_err(err)?;
            }
            let mut insert_event = tx
                .prepare_cached(
                    "INSERT INTO events (session_id, t_ms, kind, problem, severity, deviation,
                     suggestion_id, suggestion_title, escalated, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for e in events {
                insert_event
                    .execute(params![
                        session_id,
                        e.t_ms,
                        e.kind.as_str(),
                        e.problem,
                        e.severity.map(Level::as_str),
                        finite(e.deviation),
                        e.suggestion_id,
                        e.suggestion_title,
                        e.escalated,
                        e.detail.as_ref().map(serde_json::Value::to_string),
                    ])
                    .map_err(err)?;
            }
            if !samples.is_empty() {
                update_spans(&tx, session_id, samples).map_err(err)?;
            }
            let latest = samples.iter().map(|s| s.t_ms).chain(events.iter().map(|e| e.t_ms)).max();
            if let Some(latest) = latest {
                tx.execute(
                    "UPDATE sessions SET ended_ms = max(coalesce(ended_ms, started_ms), ?1)
                     WHERE id = ?2",
                    params![latest, session_id],
                )
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Stores a calibration summary for `profile`.
    pub fn record_calibration(
        &self,
        profile: &str,
        t_ms: i64,
        summary: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO calibrations (profile, t_ms, summary) VALUES (?1, ?2, ?3)",
                params![profile, t_ms, summary.to_string()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// The latest calibration of `profile`.
    pub fn latest_calibration(&self, profile: &str) -> Result<Option<CalibrationRow>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT t_ms, summary FROM calibrations WHERE profile = ?1
                 ORDER BY t_ms DESC LIMIT 1",
                [profile],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        Ok(row.map(|(t_ms, summary)| CalibrationRow {
            profile: profile.to_string(),
            t_ms,
            summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null),
        }))
    }

    /// Sessions overlapping `range` (all when `None`), oldest first.
    pub fn sessions(
        &self,
        range: Option<TimeRange>,
        profile: Option<&str>,
    ) -> Result<Vec<SessionRow>, StoreError> {
        let (from, to) = range.map_or((i64::MIN, i64::MAX), |r| (r.from_ms, r.to_ms));
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, started_ms, ended_ms, profile, source, model FROM sessions
                 WHERE started_ms < ?2 AND coalesce(ended_ms, started_ms) >= ?1
                 AND (?3 IS NULL OR profile = ?3) ORDER BY started_ms, id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![from, to, profile], |r| {
                Ok(SessionRow {
                    id: r.get(0)?,
                    started_ms: r.get(1)?,
                    ended_ms: r.get(2)?,
                    profile: r.get(3)?,
                    source: r.get(4)?,
                    model: r.get(5)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Samples in `range`, by time. Rows with a state this version does not know are skipped.
    pub fn samples(
        &self,
        range: TimeRange,
        profile: Option<&str>,
    ) -> Result<Vec<StoredSample>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.session_id, s.t_ms, s.state, s.worst_problem, s.levels,
                        s.head_pitch_delta_deg, s.head_height_ratio_delta, s.distance_cm,
                        s.head_roll_deg, s.shoulder_tilt_deg
                 FROM samples s WHERE s.t_ms >= ?1 AND s.t_ms < ?2 AND (?3 IS NULL OR
                 s.session_id IN (SELECT id FROM sessions WHERE profile = ?3))
                 ORDER BY s.t_ms, s.session_id",
            )
            .map_err(self.err())?;
        let mut rows =
            stmt.query(params![range.from_ms, range.to_ms, profile]).map_err(self.err())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(self.err())? {
            let state_text = r.get_ref(2).map_err(self.err())?;
            let Some(state) = state_text.as_str().ok().and_then(State::parse) else {
                continue;
            };
            let levels: Option<String> = r.get(4).map_err(self.err())?;
            let sample = Sample {
                t_ms: r.get(1).map_err(self.err())?,
                state,
                worst_problem: r.get(3).map_err(self.err())?,
                levels: levels.as_deref().map(decode_levels).unwrap_or_default(),
                measures: KeyMeasures {
                    head_pitch_delta_deg: r.get(5).map_err(self.err())?,
                    head_height_ratio_delta: r.get(6).map_err(self.err())?,
                    distance_cm: r.get(7).map_err(self.err())?,
                    head_roll_deg: r.get(8).map_err(self.err())?,
                    shoulder_tilt_deg: r.get(9).map_err(self.err())?,
                },
            };
            out.push(StoredSample { session_id: r.get(0).map_err(self.err())?, sample });
        }
        Ok(out)
    }

    /// Spans (runs of one state) of the samples in `range`: every span with a sample in it, by
    /// start. What reports read: a day is a few hundred spans instead of tens of thousands of
    /// samples. Spans with a state this version does not know are skipped.
    pub fn spans(&self, range: TimeRange, profile: Option<&str>) -> Result<Vec<Span>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.session_id, s.first_ms, s.last_ms, s.state, s.levels, s.samples
                 FROM spans s WHERE s.first_ms >= ?4 AND s.first_ms < ?2 AND s.last_ms >= ?1
                 AND (?3 IS NULL OR s.session_id IN (SELECT id FROM sessions WHERE profile = ?3))
                 ORDER BY s.first_ms, s.session_id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(
                params![
                    range.from_ms,
                    range.to_ms,
                    profile,
                    // No span reaching into the range starts before its first bucket.
                    range.from_ms.div_euclid(SPAN_BUCKET_MS).saturating_mul(SPAN_BUCKET_MS)
                ],
                |r| span_from_row(r.get(0)?, r, 1),
            )
            .map_err(self.err())?;
        let mut out = Vec::new();
        for span in rows {
            out.extend(span.map_err(self.err())?);
        }
        Ok(out)
    }

    /// Events in `range`, by time. Kinds this version does not know are skipped.
    pub fn events(
        &self,
        range: TimeRange,
        profile: Option<&str>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.session_id, e.t_ms, e.kind, e.problem, e.severity, e.deviation,
                        e.suggestion_id, e.suggestion_title, e.escalated, e.detail
                 FROM events e JOIN sessions x ON x.id = e.session_id
                 WHERE e.t_ms >= ?1 AND e.t_ms < ?2 AND (?3 IS NULL OR x.profile = ?3)
                 ORDER BY e.t_ms, e.id",
            )
            .map_err(self.err())?;
        let mut rows =
            stmt.query(params![range.from_ms, range.to_ms, profile]).map_err(self.err())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(self.err())? {
            let kind: String = r.get(2).map_err(self.err())?;
            let Some(kind) = EventKind::parse(&kind) else {
                continue;
            };
            let severity: Option<String> = r.get(4).map_err(self.err())?;
            let detail: Option<String> = r.get(9).map_err(self.err())?;
            let event = Event {
                t_ms: r.get(1).map_err(self.err())?,
                kind,
                problem: r.get(3).map_err(self.err())?,
                severity: severity.as_deref().and_then(Level::parse),
                deviation: r.get(5).map_err(self.err())?,
                suggestion_id: r.get(6).map_err(self.err())?,
                suggestion_title: r.get(7).map_err(self.err())?,
                escalated: r.get(8).map_err(self.err())?,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
            };
            out.push(StoredEvent { session_id: r.get(0).map_err(self.err())?, event });
        }
        Ok(out)
    }

    /// Every session with its row counts, oldest first.
    pub fn session_stats(&self, profile: Option<&str>) -> Result<Vec<SessionStats>, StoreError> {
        let sessions = self.sessions(None, profile)?;
        let mut samples = self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(samples), 0), min(first_ms), max(last_ms) FROM spans
                 WHERE session_id = ?1",
            )
            .map_err(self.err())?;
        let mut events = self
            .conn
            .prepare_cached("SELECT count(*) FROM events WHERE session_id = ?1")
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(sessions.len());
        for session in sessions {
            let (count, first_ms, last_ms): (i64, Option<i64>, Option<i64>) = samples
                .query_row([session.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(self.err())?;
            let event_count: i64 =
                events.query_row([session.id], |r| r.get(0)).map_err(self.err())?;
            out.push(SessionStats {
                session,
                samples: count.unsigned_abs(),
                events: event_count.unsigned_abs(),
                first_ms,
                last_ms,
            });
        }
        Ok(out)
    }

    /// The local dates holding samples, with how many, oldest first (a run of one state across
    /// midnight counts on the day it began).
    pub fn days_with_data(
        &self,
        tz: &jiff::tz::TimeZone,
        profile: Option<&str>,
    ) -> Result<Vec<(jiff::civil::Date, u64)>, StoreError> {
        // Every UTC offset in use is a multiple of 15 minutes, so 15-minute buckets map to
        // exactly one local date each.
        const BUCKET_MS: i64 = 15 * 60 * 1000;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.first_ms / ?1 AS b, sum(s.samples) FROM spans s
                 JOIN sessions x ON x.id = s.session_id
                 WHERE ?2 IS NULL OR x.profile = ?2 GROUP BY b ORDER BY b",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![BUCKET_MS, profile], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(self.err())?;
        let mut out: Vec<(jiff::civil::Date, u64)> = Vec::new();
        for row in rows {
            let (bucket, count) = row.map_err(self.err())?;
            let Ok(ts) = jiff::Timestamp::from_millisecond(bucket * BUCKET_MS) else {
                continue;
            };
            let date = tz.to_datetime(ts).date();
            match out.last_mut() {
                Some((d, n)) if *d == date => *n += count.unsigned_abs(),
                _ => out.push((date, count.unsigned_abs())),
            }
        }
        Ok(out)
    }

    /// What [`History::forget_before`] would delete.
    pub fn count_before(&self, cutoff_ms: i64) -> Result<ForgetCounts, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            let n: i64 = self.conn.query_row(sql, [cutoff_ms], |r| r.get(0)).map_err(self.err())?;
            Ok(n.unsigned_abs())
        };
        Ok(ForgetCounts {
            samples: count("SELECT count(*) FROM samples WHERE t_ms < ?1")?,
            events: count("SELECT count(*) FROM events WHERE t_ms < ?1")?,
            sessions: count(FORGOTTEN_SESSIONS_COUNT)?,
            calibrations: count(FORGOTTEN_CALIBRATIONS_COUNT)?,
        })
    }

    /// Deletes everything recorded before `cutoff_ms`: samples, events, sessions that ended
    /// before it, and calibrations other than each profile's latest (the baseline in use).
    /// Then compacts the file (VACUUM) so the space goes back to the disk.
    pub fn forget_before(&mut self, cutoff_ms: i64) -> Result<ForgetCounts, StoreError> {
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let samples =
            tx.execute("DELETE FROM samples WHERE t_ms < ?1", [cutoff_ms]).map_err(err)?;
        // Spans across the cutoff now start at their first remaining sample.
        tx.execute("DELETE FROM spans WHERE last_ms < ?1", [cutoff_ms]).map_err(err)?;
        tx.execute(
            "UPDATE spans SET
                 first_ms = (SELECT min(t_ms) FROM samples
                     WHERE session_id = spans.session_id AND t_ms >= ?1),
                 samples = (SELECT count(*) FROM samples
                     WHERE session_id = spans.session_id AND t_ms >= ?1 AND t_ms <= spans.last_ms)
             WHERE first_ms < ?1",
            [cutoff_ms],
        )
        .map_err(err)?;
        let events = tx.execute("DELETE FROM events WHERE t_ms < ?1", [cutoff_ms]).map_err(err)?;
        let sessions = tx
            .execute(
                "DELETE FROM sessions WHERE coalesce(ended_ms, started_ms) < ?1
                 AND NOT EXISTS (SELECT 1 FROM samples WHERE session_id = sessions.id)
                 AND NOT EXISTS (SELECT 1 FROM events WHERE session_id = sessions.id)",
                [cutoff_ms],
            )
            .map_err(err)?;
        let calibrations = tx
            .execute(
                &FORGOTTEN_CALIBRATIONS_COUNT.replace("SELECT count(*)", "DELETE"),
                [cutoff_ms],
            )
            .map_err(err)?;
        tx.commit().map_err(err)?;
        self.conn.execute_batch("VACUUM").map_err(err)?;
        Ok(ForgetCounts {
            samples: samples as u64,
            events: events as u64,
            sessions: sessions as u64,
            calibrations: calibrations as u64,
        })
    }
}

const FORGOTTEN_SESSIONS_COUNT: &str =
    "SELECT count(*) FROM sessions WHERE coalesce(ended_ms, started_ms) < ?1";

const FORGOTTEN_CALIBRATIONS_COUNT: &str = "SELECT count(*) FROM calibrations WHERE t_ms < ?1
     AND t_ms < (SELECT max(t_ms) FROM calibrations c WHERE c.profile = calibrations.profile)";

/// A span from the row's columns `at..at + 5` (first, last, state, levels, samples); `None` for
/// a state this version does not know.
fn span_from_row(
    session_id: i64,
    r: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<Option<Span>> {
    let Some(state) = r.get_ref(at + 2)?.as_str().ok().and_then(State::parse) else {
        return Ok(None);
    };
    let levels = match r.get_ref(at + 3)? {
        rusqlite::types::ValueRef::Text(text) => {
            std::str::from_utf8(text).map(decode_levels).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Ok(Some(Span {
        session_id,
        first_ms: r.get(at)?,
        last_ms: r.get(at + 1)?,
        state,
        levels,
        samples: r.get(at + 4)?,
    }))
}

/// Keeps the spans of `session_id` up to date after `samples` were written: extends its latest
/// span or starts new ones. Samples at or before the latest span's end (out of order, or
/// rewritten) rebuild the session's spans from its samples instead.
fn update_spans(
    tx: &rusqlite::Transaction<'_>,
    session_id: i64,
    samples: &[Sample],
) -> rusqlite::Result<()> {
    let mut open: Option<Span> = tx
        .prepare_cached(
            "SELECT first_ms, last_ms, state, levels, samples FROM spans INDEXED BY spans_session
             WHERE session_id = ?1 ORDER BY first_ms DESC LIMIT 1",
        )?
        .query_row([session_id], |r| span_from_row(session_id, r, 0))
        .optional()?
        .flatten();
    // Spans to write: those this batch touched (the stored latest one only if it grew).
    let mut changed = Vec::new();
    let mut open_touched = false;
    for sample in samples {
        match &mut open {
            Some(span) if sample.t_ms <= span.last_ms => return rebuild_spans(tx, session_id),
            Some(span) if span.continued_by(sample) => span.push(sample),
            _ => {
                let done = open.replace(Span::start(session_id, sample));
                changed.extend(done.filter(|_| open_touched));
            }
        }
        open_touched = true;
    }
    changed.extend(open.filter(|_| open_touched));
    write_spans(tx, session_id, &changed)
}

/// Writes `spans` of `session_id`, replacing a stored span with the same start.
fn write_spans(
    tx: &rusqlite::Transaction<'_>,
    session_id: i64,
    spans: &[Span],
) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO spans (session_id, first_ms, last_ms, state, levels, samples)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (first_ms, session_id) DO UPDATE
         SET last_ms = excluded.last_ms, state = excluded.state, levels = excluded.levels,
             samples = excluded.samples",
    )?;
    for span in spans {
        upsert.execute(params![
            session_id,
            span.first_ms,
            span.last_ms,
            span.state.as_str(),
            encode_levels(&span.levels),
            span.samples
        ])?;
    }
    Ok(())
}

/// Recomputes the spans of `session_id` from its samples.
fn rebuild_spans(tx: &rusqlite::Transaction<'_>, session_id: i64) -> rusqlite::Result<()> {
    tracing::debug!(session_id, "samples out of order: rebuilding the session's spans");
    tx.execute("DELETE FROM spans WHERE session_id = ?1", [session_id])?;
    let mut stmt = tx.prepare_cached(
        "SELECT t_ms, state, levels FROM samples WHERE session_id = ?1 ORDER BY t_ms",
    )?;
    let rows = stmt.query_map([session_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
    })?;
    let mut samples = Vec::new();
    for row in rows {
        let (t_ms, state, levels) = row?;
        let Some(state) = State::parse(&state) else { continue };
        let mut sample = Sample::new(t_ms, state);
        sample.levels = levels.as_deref().map(decode_levels).unwrap_or_default();
        samples.push(StoredSample { session_id, sample });
    }
    write_spans(tx, session_id, &spans_of(&samples))
}

/// SQLite stores NaN as NULL anyway; infinities would read back oddly, so store them as NULL.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

fn validate_sample(sample: &Sample) -> Result<(), StoreError> {
    let names = sample.worst_problem.iter().chain(sample.levels.iter().map(|(p, _)| p));
    for name in names {
        if !is_valid_name(name) {
            return Err(StoreError::InvalidName { what: "problem", name: name.clone() });
        }
    }
    Ok(())
}

fn validate_event(event: &Event) -> Result<(), StoreError> {
    if let Some(name) = event.problem.as_ref().filter(|p| !is_valid_name(p)) {
        return Err(StoreError::InvalidName { what: "problem", name: name.clone() });
    }
    Ok(())
}

/// Refuses a file that is not an SQLite database, or whose header says it comes from a newer
/// knotless, before SQLite opens it (opening for writing would switch it to WAL mode).
fn check_header(path: &Path) -> Result<(), StoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
    };
    let mut header = Vec::with_capacity(100);
    (&mut file)
        .take(100)
        .read_to_end(&mut header)
        .map_err(|source| StoreError::Io { path: path.to_path_buf(), source })?;
    if header.is_empty() {
        // SQLite treats an empty file as a new database.
        return Ok(());
    }
    if header.len() < 100 || &header[..16] != SQLITE_MAGIC {
        return Err(StoreError::NotADatabase { path: path.to_path_buf() });
    }
    let at = HEADER_USER_VERSION_AT;
    let version = u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerVersion {
            path: path.to_path_buf(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn sql_error(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(NotADatabase) => StoreError::NotADatabase { path: path.to_path_buf() },
        Some(DatabaseCorrupt) => {
            StoreError::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
        }
        _ => StoreError::Sqlite { path: path.to_path_buf(), source: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history written by the first schema gets its spans from the samples on record.
    #[test]
    fn migrating_from_the_first_schema_fills_the_spans() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("history.sqlite3");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch(MIGRATIONS[0].sql).expect("first schema");
            conn.pragma_update(None, "user_version", 1).expect("version");
            conn.execute_batch(
                "INSERT INTO sessions (id, started_ms, profile, source, model)
                 VALUES (1, 0, 'desk', 'camera', 'm'), (2, 0, 'desk', 'camera', 'm')",
            )
            .expect("sessions");
            let mut insert = conn
                .prepare(
                    "INSERT INTO samples (t_ms, session_id, state, levels) VALUES (?1, ?2, ?3, ?4)",
                )
                .expect("prepare");
            for i in 0..600_i64 {
                let (state, levels) = match (i / 50) % 3 {
                    0 => ("good", None),
                    1 => ("bad", Some("neck_flexion=b")),
                    _ => ("bad", Some("neck_flexion=b,too_close=c")),
                };
                // A pause in sampling longer than the span gap in the middle.
                let t = i * 1000 + if i >= 325 { 30_000 } else { 0 };
                insert.execute(params![t, 1 + i % 2, state, levels]).expect("sample");
            }
        }
        let history = History::open(&path).expect("migrate");
        assert_eq!(history.schema_version().expect("version"), SCHEMA_VERSION);
        let all = TimeRange { from_ms: i64::MIN, to_ms: i64::MAX };
        let spans = history.spans(all, None).expect("spans");
        assert_eq!(spans, spans_of(&history.samples(all, None).expect("samples")));
        // 12 runs of 50 per session's share, split once more by the pause.
        assert_eq!(spans.len(), 2 * 13, "{spans:#?}");
    }
}
