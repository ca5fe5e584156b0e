//! `knotless report`, `history` and `forget` through the real binary, in an isolated
//! environment with the time zone pinned to Europe/Berlin.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::history::golden_history;
use knotless::store::History;
use predicates::prelude::*;

fn knotless(home: &Path) -> assert_cmd::Command {
    let mut cmd = common::knotless(home);
    cmd.env("TZ", "Europe/Berlin");
    cmd
}

fn data_dir(home: &Path) -> PathBuf {
    home.join("data/knotless")
}

fn with_history() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tempdir");
    let mut history =
        History::open(&data_dir(home.path()).join("history.sqlite3")).expect("history");
    golden_history().write_to(&mut history);
    home
}

#[test]
fn report_without_a_history_says_so() {
    let home = tempfile::tempdir().expect("tempdir");
    knotless(home.path())
        .args(["report", "--date", "2026-03-24"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No posture data for this day."))
        .stderr(predicate::str::contains("no history at"));
}

#[test]
fn report_formats() {
    let home = with_history();
    let h = home.path();
    knotless(h)
        .args(["report", "--date", "2026-03-24"])
        .assert()
        .success()
        .stdout(predicate::str::contains("75% score"))
        .stdout(predicate::str::contains("Time zone: Europe/Berlin (UTC+01:00)"))
        .stdout(predicate::str::contains("\x1b[").not());
    let out = knotless(h)
        .args(["report", "--date", "2026-03-24", "--format", "json"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["total"]["score"], 0.75);
    knotless(h)
        .args(["report", "--week", "--date", "2026-03-26", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-03-24,Europe/Berlin,+01:00,true,21600,16200,"))
        .stdout(predicate::function(|s: &str| s.lines().count() == 8));
    knotless(h)
        .args(["report", "--days", "2", "--date", "2026-03-24", "--format", "csv", "--per-hour"])
        .assert()
        .success()
        .stdout(predicate::function(|s: &str| s.lines().count() == 1 + 48));
    let file = h.join("out/report.html");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    knotless(h)
        .args(["report", "--date", "2026-03-24", "--format", "html", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    let html = std::fs::read_to_string(&file).expect("html written");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    // --data-dir and KNOTLESS_DATA_DIR point elsewhere.
    knotless(h)
        .args(["report", "--date", "2026-03-24", "--data-dir"])
        .arg(h.join("elsewhere"))
        .assert()
        .success()
        .stdout(predicate::str::contains("No posture data"));
    knotless(h)
        .env("KNOTLESS_DATA_DIR", data_dir(h))
        .env("XDG_DATA_HOME", h.join("nothing"))
        .args(["report", "--date", "2026-03-24"])
        .assert()
        .success()
        .stdout(predicate::str::contains("75% score"));
}

#[test]
fn bad_input_is_refused_clearly() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    knotless(h).args(["report", "--date", "24.03.2026"]).assert().failure();
    knotless(h).args(["report", "--week", "--days", "3"]).assert().failure();
    let path = data_dir(h).join("history.sqlite3");
    std::fs::create_dir_all(data_dir(h)).expect("mkdir");
    std::fs::write(&path, "not a database, just notes\n".repeat(10)).expect("write");
    knotless(h)
        .args(["report"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a knotless history"))
        .stderr(predicate::str::contains("left untouched"));
    knotless(h).args(["forget", "--before", "2026-01-01", "--yes"]).assert().code(1);
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "not a database, just notes\n".repeat(10)
    );
}

#[test]
fn history_lists_days_and_sessions_and_forget_deletes() {
    let home = with_history();
    let h = home.path();
    knotless(h)
        .arg("history")
        .assert()
        .success()
        .stdout(predicate::str::contains("(times in Europe/Berlin)"))
        .stdout(predicate::str::contains("2026-02-23"))
        .stdout(predicate::str::contains("2026-03-24"))
        .stdout(predicate::str::contains("2026-03-24T13:00:00+01:00"));
    // Not a terminal and no --yes: refuse, delete nothing.
    knotless(h)
        .args(["forget", "--before", "2026-03-24"])
        .write_stdin("y\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("without --yes"));
    knotless(h).arg("history").assert().stdout(predicate::str::contains("2026-02-23"));
    knotless(h)
        .args(["forget", "--before", "2026-03-24", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Deleted "));
    knotless(h)
        .arg("history")
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-02-23").not())
        .stdout(predicate::str::contains("2026-03-24"));
    knotless(h)
        .args(["forget", "--before", "2026-03-24", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Nothing recorded before 2026-03-24."));
}
