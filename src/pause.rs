//! Pausing a running monitor from outside: `knotless pause 30m` writes a small file in the
//! data folder holding the Unix time the pause ends; the monitor looks at it with each analysed
//! frame and resumes by itself when the time has passed. `knotless pause --off` removes it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The pause file's name in the data folder.
pub const PAUSE_FILE: &str = "pause";

/// Longest pause accepted, so a typo cannot switch the monitor off for a year.
pub const MAX_PAUSE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    #[error("`{0}` is not a duration: use e.g. 30m, 1h, 90s or 1h30m")]
    BadDuration(String),
    #[error("a pause is at most 24h (asked for {0})")]
    TooLong(String),
    #[error("could not write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

pub fn pause_file(data_dir: &Path) -> PathBuf {
    data_dir.join(PAUSE_FILE)
}

/// Parses `30m`, `1h`, `90s`, `1h30m`, or plain minutes (`45`).
pub fn parse_duration(text: &str) -> Result<Duration, PauseError> {
    let bad = || PauseError::BadDuration(text.to_string());
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(minutes) = t.parse::<u64>() {
        return Ok(Duration::from_secs(minutes.saturating_mul(60)));
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Pauses the monitor for `for_`; returns the Unix time it resumes.
pub fn pause(data_dir: &Path, for_: Duration) -> Result<u64, PauseError> {
    if for_ > MAX_PAUSE {
        return Err(PauseError::TooLong(format!("{}m", for_.as_secs() / 60)));
    }
    let until = now_unix() + for_.as_secs();
    let path = pause_file(data_dir);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, format!("{until}\n"))?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|source| PauseError::Write { path: path.clone(), source })?;
    Ok(until)
}

/// Ends a pause early. Returns whether one was in force.
pub fn resume(data_dir: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(pause_file(data_dir)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The Unix time a pause in force ends, if any.
pub fn paused_until(path: &Path) -> Option<u64> {
    let until: u64 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    (until > now_unix()).then_some(until)
}

pub fn is_paused(path: &Path) -> bool {
    paused_until(path).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [("30m", 1800), ("1h", 3600), ("90s", 90), ("1h30m", 5400), ("45", 2700)];
        for (text, secs) in cases {
            assert_eq!(parse_duration(text).unwrap(), Duration::from_secs(secs), "{text}");
        }
        for bad in ["", "m", "10x", "1h30", "0m", "-5m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pause_then_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = pause_file(dir.path());
        assert!(!is_paused(&path));
        pause(dir.path(), Duration::from_secs(600)).unwrap();
        assert!(is_paused(&path));
        assert!(resume(dir.path()).unwrap());
        assert!(!is_paused(&path));
        assert!(!resume(dir.path()).unwrap());
        assert!(pause(dir.path(), Duration::from_secs(48 * 3600)).is_err());
    }

    #[test]
    fn an_expired_or_garbled_pause_is_no_pause() {
        let dir = tempfile::tempdir().unwrap();
        let path = pause_file(dir.path());
        std::fs::write(&path, "12\n").unwrap();
        assert!(!is_paused(&path));
        std::fs::write(&path, "soon").unwrap();
        assert!(!is_paused(&path));
    }
}
