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
//! let path = store::history_path(&store::data_dir(None).expect("a home folder"));
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

use std::ffi::OsString;
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

/// Environment variable naming the data folder.
pub const DATA_DIR_ENV: &str = "KNOTLESS_DATA_DIR";

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

/// The data folder: `flag` (`--data-dir`), else `$KNOTLESS_DATA_DIR`, else
/// `$XDG_DATA_HOME/knotless`, else `~/.local/share/knotless`. `None` without any home.
pub fn data_dir(flag: Option<&Path>) -> Option<PathBuf> {
    data_dir_from(flag, |name| std::env::var_os(name))
}

/// [`data_dir`] with the environment passed in (tests never touch the real one).
pub fn data_dir_from(
    flag: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = non_empty(DATA_DIR_ENV) {
        return Some(dir);
    }
    // The XDG spec says to ignore relative values.
    if let Some(xdg) = non_empty("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("knotless"));
    }
    non_empty("HOME").map(|home| home.join(".local/share/knotless"))
}

/// The history file in a data folder.
pub fn history_path(data_dir: &Path) -> PathBuf {
    data_dir.join(HISTORY_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn data_dir_order() {
        let all = [("KNOTLESS_DATA_DIR", "/k"), ("XDG_DATA_HOME", "/x"), ("HOME", "/h")];
        assert_eq!(data_dir_from(Some(Path::new("/f")), env(&all)), Some("/f".into()));
        assert_eq!(data_dir_from(None, env(&all)), Some("/k".into()));
        assert_eq!(data_dir_from(None, env(&all[1..])), Some("/x/knotless".into()));
        assert_eq!(
            data_dir_from(None, env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])),
            Some("/h/.local/share/knotless".into())
        );
        assert_eq!(data_dir_from(None, env(&[("KNOTLESS_DATA_DIR", "")])), None);
    }
}
