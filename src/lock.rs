//! One monitor per data folder. `knotless run` holds an exclusive lock on [`LOCK_FILE`] in the
//! data folder for as long as it records; a second monitor on the same folder is refused with
//! the first one's process id. The lock is the operating system's (`flock` on Unix), so it is
//! released when the process ends however it ends, even killed; the file itself stays, holding
//! the last monitor's process id.
//!
//! Reports, `knotless history`, `knotless forget` and `knotless calibrate` take no lock: SQLite
//! lets them read and write beside a running monitor. `knotless pause` and `resume` only look
//! at it ([`holder`]) to say whether a monitor is running.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in the data folder.
pub const LOCK_FILE: &str = "monitor.lock";

/// Why the data folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another knotless monitor{} is already recording into {}; stop that one first \
         (Ctrl-C in its terminal{}), or give this one its own folder with --data-dir, or run it \
         with --no-history",
        pid.map(|p| format!(" (process {p})")).unwrap_or_default(),
        dir.display(),
        pid.map(|p| format!(", or `kill {p}`")).unwrap_or_default()
    )]
    Held { dir: PathBuf, pid: Option<u32> },
    #[error(
        "the data folder {} is not a folder (a file or a broken link is in its place): move it \
         aside, or choose another folder with --data-dir or KNOTLESS_DATA_DIR",
        dir.display()
    )]
    NotAFolder { dir: PathBuf },
    #[error(
        "could not use the data folder {}: {source}; check that it exists and is yours, or \
         choose another folder with --data-dir or KNOTLESS_DATA_DIR",
        dir.display()
    )]
    Io { dir: PathBuf, source: std::io::Error },
}

/// Held while a monitor records; dropping it releases the lock.
#[derive(Debug)]
pub struct MonitorLock {
    _file: File,
    path: PathBuf,
}

impl MonitorLock {
    /// Creates the data folder if need be and locks it for this process.
    pub fn acquire(data_dir: &Path) -> Result<MonitorLock, LockError> {
        ensure_folder(data_dir)?;
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io { dir: data_dir.to_path_buf(), source };
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path);
        if let Err(e) = &file
            && e.kind() == std::io::ErrorKind::IsADirectory
        {
            file = Err(std::io::Error::other(format!("{} is a folder", path.display())));
        }
        let mut file = file.map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let pid =
                    file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
                return Err(LockError::Held { dir: data_dir.to_path_buf(), pid });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Best effort: the process id only makes the refusal clearer.
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        Ok(MonitorLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A monitor found recording into a data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// Its process id, when the lock file holds one.
    pub pid: Option<u32>,
}

/// The monitor recording into `data_dir`, if one is: whoever holds the lock. Creates nothing.
/// Looking takes a shared lock for a moment; a monitor starting in that moment is refused as
/// if another were running, and can simply be started again.
pub fn holder(data_dir: &Path) -> Result<Option<Holder>, LockError> {
    let path = data_dir.join(LOCK_FILE);
    let io = |source| LockError::Io { dir: data_dir.to_path_buf(), source };
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let pid = file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
            Ok(Some(Holder { pid }))
        }
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}

/// Creates `dir` if it is missing; refuses clearly when something else is in its place.
pub fn ensure_folder(dir: &Path) -> Result<(), LockError> {
    if dir.is_dir() {
        return Ok(());
    }
    if std::fs::symlink_metadata(dir).is_ok() {
        return Err(LockError::NotAFolder { dir: dir.to_path_buf() });
    }
    std::fs::create_dir_all(dir).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotADirectory {
            LockError::NotAFolder { dir: dir.to_path_buf() }
        } else {
            LockError::Io { dir: dir.to_path_buf(), source }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_until_released() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let first = MonitorLock::acquire(&data).expect("first lock");
        let err = MonitorLock::acquire(&data).expect_err("second lock");
        let LockError::Held { pid, .. } = &err else { panic!("{err}") };
        assert_eq!(*pid, Some(std::process::id()));
        assert!(err.to_string().contains(&data.display().to_string()), "{err}");
        drop(first);
        MonitorLock::acquire(&data).expect("free again once released");
    }

    #[test]
    fn the_holder_is_found_only_while_the_lock_is_held() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        assert_eq!(holder(&data).expect("no folder yet"), None);
        assert!(!data.exists(), "looking creates nothing");
        let lock = MonitorLock::acquire(&data).expect("lock");
        assert_eq!(holder(&data).expect("held"), Some(Holder { pid: Some(std::process::id()) }));
        drop(lock);
        assert_eq!(holder(&data).expect("released"), None);
        MonitorLock::acquire(&data).expect("looking left the lock free");
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::write(&data, "not a folder").expect("write");
        let err = MonitorLock::acquire(&data).expect_err("a file");
        assert!(matches!(err, LockError::NotAFolder { .. }), "{err}");
        assert!(MonitorLock::acquire(&data.join("below")).is_err());
    }
}
