//! The schema as a list of migrations. `PRAGMA user_version` holds how many have been applied;
//! opening a history applies the missing ones in one transaction. Never edit a released
//! migration: append a new one.

/// One schema step: version `n` is reached by running `MIGRATIONS[n - 1]`.
pub(crate) struct Migration {
    pub what: &'static str,
    pub sql: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        what: "sessions, samples, events and calibrations",
        // STRICT tables: a column holds only its declared type, and no column is a BLOB, so no
        // pixels can end up here by accident. Samples are keyed by time (WITHOUT ROWID), which
        // saves a separate time index: about a third of the file at one sample per second.
        sql: "
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    ended_ms   INTEGER,
    profile    TEXT NOT NULL,
    source     TEXT NOT NULL,
    model      TEXT NOT NULL
) STRICT;

CREATE TABLE samples (
    t_ms                    INTEGER NOT NULL,
    session_id              INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    state                   TEXT NOT NULL
                            CHECK (state IN ('good', 'caution', 'bad', 'away', 'paused')),
    worst_problem           TEXT,
    -- problems not at ok: 'neck_flexion=b,too_close=c' (b: bad, c: caution)
    levels                  TEXT,
    head_pitch_delta_deg    REAL,
    head_height_ratio_delta REAL,
    distance_cm             REAL,
    head_roll_deg           REAL,
    shoulder_tilt_deg       REAL,
    PRIMARY KEY (t_ms, session_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_ms             INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    problem          TEXT,
    severity         TEXT CHECK (severity IN ('ok', 'caution', 'bad')),
    deviation        REAL,
    suggestion_id    TEXT,
    suggestion_title TEXT,
    escalated        INTEGER NOT NULL DEFAULT 0,
    detail           TEXT -- JSON
) STRICT;
CREATE INDEX events_t ON events(t_ms);

CREATE TABLE calibrations (
    id      INTEGER PRIMARY KEY,
    profile TEXT NOT NULL,
    t_ms    INTEGER NOT NULL,
    summary TEXT NOT NULL -- JSON
) STRICT;
CREATE INDEX calibrations_profile ON calibrations(profile, t_ms);
",
    },
    Migration {
        what: "spans: runs of one state, for reports",
        // One row per run of samples of a session with the same state and levels, none more than
        // SPAN_MAX_GAP_MS (10 s) after the one before and all in one SPAN_BUCKET_MS (hour of Unix
        // time), kept up to date by every append. Keyed by start, so a report's range is one scan
        // in order. Filled here from the samples already on record (gaps and islands over window
        // functions).
        sql: "
CREATE TABLE spans (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    first_ms   INTEGER NOT NULL,
    last_ms    INTEGER NOT NULL,
    state      TEXT NOT NULL
               CHECK (state IN ('good', 'caution', 'bad', 'away', 'paused')),
    levels     TEXT,
    samples    INTEGER NOT NULL,
    PRIMARY KEY (first_ms, session_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX spans_session ON spans(session_id, first_ms);

INSERT INTO spans (session_id, first_ms, last_ms, state, levels, samples)
SELECT session_id, min(t_ms), max(t_ms), state, levels, count(*) FROM (
    SELECT session_id, t_ms, state, levels,
           sum(starts) OVER (PARTITION BY session_id ORDER BY t_ms) AS run
    FROM (
        SELECT session_id, t_ms, state, levels,
               CASE WHEN lag(state) OVER w IS state AND lag(levels) OVER w IS levels
                         AND t_ms - lag(t_ms) OVER w <= 10000
                         AND t_ms / 3600000 = lag(t_ms) OVER w / 3600000
                    THEN 0 ELSE 1 END AS starts
        FROM samples
        WINDOW w AS (PARTITION BY session_id ORDER BY t_ms)
    )
)
GROUP BY session_id, run;
",
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;
