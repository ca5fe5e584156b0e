//! The schema as a list of migrations. `PRAGMA user_version` holds how many have been applied;
//! opening a history applies the missing ones in one transaction. Never edit a released
//! migration: append a new one.

/// One schema step: version `n` is reached by running `MIGRATIONS[n - 1]`.
pub(crate) struct Migration {
    pub what: &'static str,
    pub sql: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
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
}];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;
