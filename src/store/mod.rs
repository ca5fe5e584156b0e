//! The posture history in SQLite: schema and migrations, batched writes of samples and events
//! off the frame path, and the queries reports need. It holds numbers, states and events,
//! never pixels (no column can hold a BLOB).
//!
//! The store takes plain rows with text names ([`Sample`], [`Event`]) and depends on no other
//! knotless module; the monitor adapts its own types. A monitor run looks like:
//!
//! ```no_run
//! use knotless::store::{self, Event, EventKind, Level, NewSession, Sample, State, Writer};
//! # fn main() -> Result<(), store::StoreError> {
//! // The data folder comes from the configuration (`Config::data_dir`).
//! let path = store::history_path(std::path::Path::new("/home/me/.local/share/knotless"));
//! let session = NewSession {
//!     started_ms: 1_700_000_000_000,
//!     profile: "desk".into(),
//!     source: "camera 0".into(),
//!     model: "blazepose-full".into(),
//! };
//! let writer = Writer::start(&path, &session, Default::default())?;
//! writer.event(Event::new(1_700_000_000_000, EventKind::SessionStart));
//! writer.sample(Sample::new(1_700_000_000_500, State::Bad).with_level("neck_flexion", Level::Bad));
//! writer.event(Event::alert(1_700_000_120_000, "neck_flexion", Level::Bad)
//!     .deviation(21.5)
//!     .suggestion("chin_tuck", "Chin tuck"));
//! writer.event(Event::new(1_700_000_200_000, EventKind::SessionEnd));
//! writer.close(); // or drop: everything pending is committed
//! # Ok(()) }
//! ```

mod history;
mod rows;
mod schema;
mod writer;

use std::path::{Path, PathBuf};

pub use history::{ForgetCounts, History, SessionStats, TimeRange};
pub use rows::{
    CalibrationRow, Event, EventKind, KeyMeasures, Level, NewSession, PROBLEMS, SPAN_MAX_GAP_MS,
    Sample, SessionRow, Span, State, StoredEvent, StoredSample, is_valid_name, spans_of,
};
pub use schema::SCHEMA_VERSION;
pub use writer::{MAX_SAMPLE_INTERVAL, Writer, WriterHealth, WriterOptions};

/// The history's file name in the data folder.
pub const HISTORY_FILE: &str = "history.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{} is not a knotless history (not an SQLite database); it was left untouched. Move it \
         aside (e.g. rename it to {}.broken) and knotless will start a new history there",
        path.display(), path.display()
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "{} is damaged ({detail}); it was left untouched. Move it aside (e.g. rename it to \
         {}.broken) to start a new history, or try `sqlite3 {} .recover` to save what is left",
        path.display(), path.display(), path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{} was written by a newer knotless (schema version {found}; this one knows up to \
         {known}); it was left untouched: update knotless to use it",
        path.display()
    )]
    NewerVersion { path: PathBuf, found: u32, known: u32 },
    #[error(
        "{} comes from an older knotless (schema version {found}); run `knotless run` once to \
         upgrade it",
        path.display()
    )]
    NeedsUpgrade { path: PathBuf, found: u32 },
    #[error("no history at {} yet (`knotless run` records one)", path.display())]
    NotFound { path: PathBuf },
    #[error("history {}: {source}", path.display())]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("invalid {what} name `{name}` (use snake_case: lowercase letters, digits, _)")]
    InvalidName { what: &'static str, name: String },
    #[error("could not write the history: {0}")]
    WriteFailed(String),
    #[error("the history writer has stopped")]
    WriterStopped,
}

/// The history file in a data folder.
pub fn history_path(data_dir: &Path) -> PathBuf {
    data_dir.join(HISTORY_FILE)
}
