//! Privacy: a monitor run over a recorded session writes nothing but the history (and its lock
//! file) in the data folder, the history holds no image data, and the process opens no network
//! socket. The network check runs the binary under `strace`; without strace it is skipped with
//! a note, except in CI (`CI` set), where a missing strace is a failure.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::tiny_session;

/// Every file under `root` with its size and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                todo.push(entry.path());
            } else {
                out.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
            }
        }
    }
    out
}

/// ONNX Runtime (1.31) keeps a random device id and its own small SQLite file under
/// `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` when its environment starts, even with
/// telemetry off. They hold no data of knotless's; the README names them.
fn is_onnx_runtime_own(path: &str) -> bool {
    [".cache\"", ".cache/Microsoft\"", ".cache/Microsoft/DeveloperTools", "\"deviceid.tmp."]
        .iter()
        .any(|p| path.contains(p))
}

/// A config that turns desktop notifications off (they would talk to the session bus).
fn quiet_config(home: &Path) -> PathBuf {
    let path = home.join("quiet.toml");
    std::fs::write(&path, "[alerts]\ndesktop = false\n").unwrap();
    path
}

#[test]
fn a_run_writes_only_the_history_and_the_history_holds_no_image() {
    let home = tempfile::tempdir().unwrap();
    let session = tiny_session(home.path(), 12);
    let config = quiet_config(home.path());
    let before = snapshot(home.path());
    common::knotless(home.path())
        .env("TMPDIR", home.path().join("tmp"))
        .arg("--config")
        .arg(&config)
        .args(["run", "--population-defaults", "--speed", "max", "--source"])
        .arg(&session)
        .assert()
        .success();
    let after = snapshot(home.path());
    let mut new_or_changed: Vec<String> = after
        .iter()
        .filter(|(p, m)| before.get(*p) != Some(*m))
        .map(|(p, _)| p.strip_prefix(home.path()).unwrap().display().to_string())
        .collect();
    new_or_changed.sort();
    // The default data folder under the isolated home.
    let allowed = [
        "data/knotless/history.sqlite3",
        "data/knotless/monitor.lock",
        "data/knotless/history.sqlite3-wal",
        "data/knotless/history.sqlite3-shm",
    ];
    assert!(
        new_or_changed.iter().all(|p| allowed.contains(&p.as_str()) || is_onnx_runtime_own(p)),
        "unexpected files written: {new_or_changed:?}"
    );
    assert!(new_or_changed.contains(&allowed[0].to_string()), "{new_or_changed:?}");
    assert!(before.keys().all(|p| after.contains_key(p)), "a file was removed");

    // No value of any column of any table is a BLOB.
    let db = home.path().join(allowed[0]);
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.iter().any(|t| t == "samples"), "{tables:?}");
    let mut values = 0i64;
    for table in &tables {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for column in columns {
            let (blobs, n): (i64, i64) = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FILTER (WHERE typeof(\"{column}\") = 'blob'), count(*) \
                         FROM \"{table}\""
                    ),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(blobs, 0, "BLOB values in {table}.{column}");
            values += n;
        }
    }
    assert!(values > 0);
    drop(conn);

    // Nor do the file's bytes hold any piece of a frame or an image header.
    let bytes = std::fs::read(&db).unwrap();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"JFIF") && !contains(b"Exif"), "a JPEG header in the history");
    assert!(!contains(b"\x89PNG\r\n\x1a\n"), "a PNG header in the history");
    for frame in std::fs::read_dir(&session).unwrap() {
        let frame = std::fs::read(frame.unwrap().path()).unwrap();
        if frame.len() > 1000 {
            let mid = frame.len() / 2;
            assert!(!contains(&frame[mid..mid + 32]), "frame data in the history");
        }
    }
}

#[test]
fn the_monitor_opens_no_network_socket_and_writes_only_in_its_data_folder() {
    let strace_ok = Command::new("strace")
        .args(["-qq", "-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !strace_ok {
        assert!(std::env::var_os("CI").is_none(), "CI must have a working strace (apt: strace)");
        eprintln!("skipped: strace is not installed or cannot trace here");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let session = tiny_session(home.path(), 6);
    let config = quiet_config(home.path());
    let data = home.path().join("data");
    let log = home.path().join("strace.log");
    let bin = assert_cmd::cargo::cargo_bin("knotless");
    let status = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=%network,open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&log)
        .arg(&bin)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("xdg"))
        .env("TMPDIR", home.path().join("tmp"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["run", "--population-defaults", "--speed", "max", "--source"])
        .arg(&session)
        .status()
        .unwrap();
    assert!(status.success());
    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(trace.contains("openat("), "the trace holds no file calls: is strace working?");
    let mut network = Vec::new();
    let mut writes = Vec::new();
    let data_prefix = format!("\"{}", data.display());
    for line in trace.lines() {
        let call = line.split_once(' ').map_or(line, |(_, rest)| rest).trim_start();
        let is_net = ["socket(", "connect(", "bind(", "sendto(", "sendmsg(", "socketpair("]
            .iter()
            .any(|c| call.starts_with(c));
        // A Unix socket (a local desktop service) would stay on the machine; none is expected
        // with desktop notifications off, and nothing else is allowed at all.
        if is_net && !call.contains("AF_UNIX") {
            network.push(line.to_string());
        }
        let writing = ["O_WRONLY", "O_RDWR", "O_CREAT"].iter().any(|f| call.contains(f))
            || ["creat(", "mkdir", "rename"].iter().any(|c| call.starts_with(c));
        let path = call.split('"').nth(1).unwrap_or("");
        let fine = call.contains(&data_prefix)
            || path.starts_with("/dev/")
            || call.contains("= -1 ")
            || is_onnx_runtime_own(call);
        if writing && !fine {
            writes.push(line.to_string());
        }
    }
    assert!(network.is_empty(), "network calls: {network:#?}");
    assert!(writes.is_empty(), "writes outside the data folder: {writes:#?}");
}
