//! Bad input through the real binary: each case fails with exit code 1 and one message naming
//! the problem and the fix, never a panic or a backtrace. (Models and the ONNX Runtime library
//! are covered in `pose_cli.rs`, the config's own checks in `config.rs`.) CI runs as root, so
//! "unreadable" is made with things in the wrong place (a file for a folder, a folder or a
//! broken link for a file) rather than with permissions.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{knotless, tiny_session};

/// Runs `args` in an isolated home and returns stderr, asserting a clean failure.
fn fails(home: &Path, args: &[&str], extra: &[&Path]) -> String {
    let mut cmd = knotless(home);
    cmd.args(args);
    for p in extra {
        cmd.arg(p);
    }
    let out = cmd.timeout(std::time::Duration::from_secs(180)).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(stderr.starts_with("knotless: "), "{stderr}");
    stderr
}

fn has_all(stderr: &str, parts: &[&str]) {
    for p in parts {
        assert!(stderr.contains(p), "missing `{p}` in: {stderr}");
    }
}

fn run_on(home: &Path, data: &Path, source: &Path) -> String {
    let data = data.display().to_string();
    fails(
        home,
        &["--data-dir", &data, "run", "--population-defaults", "--speed", "max", "--source"],
        &[source],
    )
}

#[test]
fn a_file_or_broken_link_in_place_of_the_data_folder() {
    let home = tempfile::tempdir().unwrap();
    let session = tiny_session(home.path(), 2);
    let file = home.path().join("data-file");
    std::fs::write(&file, "not a folder").unwrap();
    let link = home.path().join("data-link");
    std::os::unix::fs::symlink(home.path().join("nowhere"), &link).unwrap();
    for data in [&file, &link] {
        let shown = data.display().to_string();
        let stderr = run_on(home.path(), data, &session);
        has_all(&stderr, &[&shown, "is not a folder", "--data-dir"]);
        for cmd in [&["report"][..], &["history"], &["calibrate", "--seconds", "1", "--source"]] {
            let mut args = vec!["--data-dir", &shown];
            args.extend(cmd);
            let extra: Vec<&Path> =
                if cmd[0] == "calibrate" { vec![session.as_path()] } else { vec![] };
            let stderr = fails(home.path(), &args, &extra);
            has_all(&stderr, &[&shown, "is not a folder"]);
        }
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

fn session_with(home: &Path, name: &str, index: Option<&str>) -> PathBuf {
    let dir = tiny_session(home, 3);
    let named = home.join(name);
    std::fs::rename(&dir, &named).unwrap();
    match index {
        Some(text) => std::fs::write(named.join("frames.csv"), text).unwrap(),
        None => std::fs::remove_file(named.join("frames.csv")).unwrap(),
    }
    named
}

#[test]
fn recorded_sessions_that_cannot_be_replayed() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");

    // No frames at all.
    let empty = home.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let stderr = run_on(home.path(), &data, &empty);
    has_all(&stderr, &["no frames", "knotless record", "ffmpeg"]);

    // An index listing nothing.
    let listed_none = session_with(home.path(), "listed-none", Some("file,t_ms\n"));
    has_all(&run_on(home.path(), &data, &listed_none), &["lists no frames", "--fps"]);

    // Malformed index lines, named by number.
    for (text, line, what) in [
        ("file,t_ms\n000000.jpg,0\n000001.jpg,soon\n", 3, "not a time in milliseconds"),
        ("file,when\n000000.jpg,0\n", 1, "header must name the columns"),
        ("file,t_ms\n000000.jpg,500\n000001.jpg,0\n", 3, "goes back in time"),
        ("file,t_ms\n000000.jpg\n", 2, "expected at least 2 columns"),
        ("file,t_ms\n000000.jpg,0\n../000001.jpg,500\n", 3, "not a file name"),
    ] {
        let dir =
            session_with(home.path(), &format!("bad-index-{line}-{}", what.len()), Some(text));
        let stderr = run_on(home.path(), &data, &dir);
        has_all(&stderr, &["frames.csv", &format!("line {line}:"), what]);
    }
    let mut latin1 = b"file,t_ms\n000000.jpg,0\n".to_vec();
    latin1.extend(b"caf\xe9.jpg,500\n");
    let dir = session_with(home.path(), "latin1", None);
    std::fs::write(dir.join("frames.csv"), latin1).unwrap();
    has_all(&run_on(home.path(), &data, &dir), &["line 3:", "UTF-8"]);

    // Frames that cannot be read: a folder and a broken link where the index names frames.
    let dir =
        session_with(home.path(), "folder-frame", Some("file,t_ms\n000000.jpg,0\nx.jpg,500\n"));
    std::fs::create_dir(dir.join("x.jpg")).unwrap();
    has_all(
        &run_on(home.path(), &data, &dir),
        &["line 3:", "`x.jpg` is not a file", "remove line 3"],
    );
    let dir = session_with(home.path(), "link-frame", Some("file,t_ms\n000000.jpg,0\ny.jpg,500\n"));
    std::os::unix::fs::symlink(dir.join("gone.jpg"), dir.join("y.jpg")).unwrap();
    has_all(&run_on(home.path(), &data, &dir), &["line 3:", "`y.jpg` is a broken link"]);

    // A file where the session folder should be.
    let file = home.path().join("not-a-session.jpg");
    std::fs::write(&file, "x").unwrap();
    has_all(&run_on(home.path(), &data, &file), &["not a folder", "folder holding the frames"]);

    // Nothing was recorded for any of them.
    assert!(!knotless::store::history_path(&data).exists());
}

#[test]
fn corrupt_and_truncated_frames_are_skipped_with_a_warning_and_the_run_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let dir = tiny_session(home.path(), 4);
    let good = std::fs::read(dir.join("000001.jpg")).unwrap();
    std::fs::write(dir.join("000001.jpg"), &good[..good.len() / 2]).unwrap();
    std::fs::write(dir.join("000002.jpg"), b"not a jpeg at all").unwrap();
    // Every frame analysed (frames that will not be analysed are not decoded at all).
    let config = home.path().join("every-frame.toml");
    std::fs::write(&config, "[monitor]\nsample_fps = 2.0\nsteady_sample_fps = 2.0\n").unwrap();
    let out = knotless(home.path())
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(home.path().join("data"))
        .args(["run", "--population-defaults", "--no-history", "--speed", "max", "--source"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    has_all(&stderr, &["000001.jpg", "truncated", "000002.jpg", "not a JPEG or PNG"]);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn config_mistakes_name_the_key_the_file_and_the_line() {
    let home = tempfile::tempdir().unwrap();
    let session = tiny_session(home.path(), 2);
    let config = home.path().join("knotless.toml");
    let shown = config.display().to_string();
    for (text, line, parts) in [
        ("[camera]\nindex = 0\nfsp = 2.0\n", 3, &["unknown field `fsp`", "expected one of"][..]),
        ("[monitor]\n\nsample_fps = \"fast\"\n", 3, &["sample_fps", "invalid type"][..]),
        ("[camera]\nfps = -2.0\n", 2, &["camera.fps"][..]),
        ("[posture\nx = 1\n", 1, &[][..]),
    ] {
        std::fs::write(&config, text).unwrap();
        let stderr = fails(
            home.path(),
            &["--config", &shown, "run", "--population-defaults", "--source"],
            &[session.as_path()],
        );
        has_all(&stderr, &[&format!("{shown}:{line}:")]);
        has_all(&stderr, parts);
    }
    let stderr = fails(
        home.path(),
        &["--config", "/nonexistent/knotless.toml", "run", "--population-defaults", "--source"],
        &[session.as_path()],
    );
    has_all(&stderr, &["/nonexistent/knotless.toml", "not found"]);
}

#[test]
fn a_corrupt_or_newer_history_is_refused_and_left_byte_identical() {
    let home = tempfile::tempdir().unwrap();
    let session = tiny_session(home.path(), 2);
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let path = knotless::store::history_path(&data);

    std::fs::write(&path, "my notes, not a database\n".repeat(200)).unwrap();
    let notes = std::fs::read(&path).unwrap();
    let shown = path.display().to_string();
    let stderr = run_on(home.path(), &data, &session);
    has_all(&stderr, &[&shown, "not a knotless history", "untouched", "Move it aside"]);
    let data_arg = data.display().to_string();
    for cmd in ["report", "history"] {
        let stderr = fails(home.path(), &["--data-dir", &data_arg, cmd], &[]);
        has_all(&stderr, &[&shown, "untouched"]);
    }
    assert_eq!(std::fs::read(&path).unwrap(), notes);

    std::fs::remove_file(&path).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE future (x INTEGER); PRAGMA user_version = {};",
            knotless::store::SCHEMA_VERSION + 7
        ))
        .unwrap();
    }
    let future = std::fs::read(&path).unwrap();
    let stderr = run_on(home.path(), &data, &session);
    has_all(&stderr, &[&shown, "newer knotless", "update knotless", "untouched"]);
    let stderr = fails(home.path(), &["--data-dir", &data_arg, "report"], &[]);
    has_all(&stderr, &["newer knotless"]);
    assert_eq!(std::fs::read(&path).unwrap(), future);
    let names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("history"))
        .collect();
    assert_eq!(names, ["history.sqlite3"], "no journal or copy left beside it");
}
