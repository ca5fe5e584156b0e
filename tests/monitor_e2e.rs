//! The monitor end to end through the real binary, on the whole recorded demo session (a person
//! who sits well for 60 s, slides into a slouch over 30 s, holds it from 90 s to 270 s, sits
//! back up by 285 s and sits well to the end; `frames.csv` holds the phases): calibrate from
//! the first 30 s, replay at full speed with JSON events, then report the day.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::knotless;
use predicates::prelude::*;

fn session() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session")
}

/// Session time (seconds) at which each phase starts, from the session's own `frames.csv`.
fn phase_starts() -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(session().join("frames.csv")).unwrap();
    let mut out: Vec<(String, f64)> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (t, phase) = (f[1].parse::<f64>().unwrap() / 1000.0, f[2].to_string());
        if out.last().is_none_or(|(p, _)| *p != phase) {
            out.push((phase, t));
        }
    }
    out
}

#[test]
fn slouch_is_alerted_once_held_and_recovery_recognised() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    knotless(home.path())
        .arg("--data-dir")
        .arg(&data)
        .args(["calibrate", "--profile", "desk", "--seconds", "30", "--source"])
        .arg(session())
        .assert()
        .success();
    let out = knotless(home.path())
        .arg("--data-dir")
        .arg(&data)
        .args(["run", "--profile", "desk", "--speed", "max", "--json", "--source"])
        .arg(session())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let events: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let phases = phase_starts();
    let start = |name: &str| phases.iter().find(|(p, _)| p == name).map(|(_, t)| *t).unwrap();
    let (bad_from, recovering_from) = (start("bad"), start("recovering"));
    let alert_after_s = knotless::coach::CoachConfig::default().alert_after_s as f64;

    let alerts: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "alert").collect();
    assert!(!alerts.is_empty(), "no alert at all: {events:?}");
    for a in &alerts {
        let t = a["t_s"].as_f64().unwrap();
        // No alert while sitting well, before or after the slouch.
        assert!(t > start("slouching") && t < recovering_from, "alert at {t} s: {a}");
        assert!(a["stretch"]["how"].as_str().is_some_and(|s| !s.is_empty()), "{a}");
        assert!(a["deviation"].as_f64().is_some() && a["severity"].is_string(), "{a}");
    }
    let first = alerts[0];
    let t_first = first["t_s"].as_f64().unwrap();
    assert!(
        t_first <= bad_from + alert_after_s,
        "first alert at {t_first} s, slouch held from {bad_from} s"
    );
    assert!(
        ["neck_flexion", "head_drop", "screen_too_low"]
            .contains(&first["problem"].as_str().unwrap()),
        "{first}"
    );
    let recovered = events
        .iter()
        .find(|e| e["event"] == "recovered")
        .unwrap_or_else(|| panic!("recovery not recognised: {events:?}"));
    assert!(recovered["t_s"].as_f64().unwrap() >= recovering_from, "{recovered}");

    // The day's report holds the slouch.
    let out = knotless(home.path())
        .arg("--data-dir")
        .arg(&data)
        .args(["report", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let day = report["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["has_data"] == true)
        .expect("a day with data");
    let summary = &day["summary"];
    assert!(summary["alerts"]["given"].as_u64().unwrap() >= 1, "{summary}");
    let monitored = summary["monitored_ms"].as_f64().unwrap();
    assert!(monitored > 300_000.0, "{summary}");
    let neck = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["problem"] == "neck_flexion")
        .expect("neck flexion in the report");
    let bad_s = neck["bad_ms"].as_f64().unwrap() / 1000.0;
    // The slouch was held for 180 s.
    assert!(bad_s > 120.0, "neck flexion bad for only {bad_s} s: {summary}");
    let score = summary["score"].as_f64().unwrap();
    assert!(score > 0.15 && score < 0.6, "score {score}");
}

#[test]
fn run_without_calibration_says_how_to_make_one() {
    let home = tempfile::tempdir().unwrap();
    knotless(home.path())
        .arg("--data-dir")
        .arg(home.path().join("data"))
        .args(["run", "--profile", "laptop", "--speed", "max", "--source"])
        .arg(session())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("knotless calibrate --profile laptop"));
}

#[test]
fn demo_shows_an_alert_with_a_stretch() {
    let home = tempfile::tempdir().unwrap();
    knotless(home.path())
        .env("TMPDIR", home.path())
        .arg("demo")
        .assert()
        .success()
        .stderr(predicates::str::contains("Try:"))
        .stderr(predicates::str::contains("1 alert").or(predicates::str::contains("alert(s)")));
}

#[test]
fn population_defaults_judge_an_uncalibrated_user_on_request() {
    let home = tempfile::tempdir().unwrap();
    let out = knotless(home.path())
        .arg("--data-dir")
        .arg(home.path().join("data"))
        .args([
            "run",
            "--population-defaults",
            "--no-history",
            "--speed",
            "max",
            "--json",
            "--source",
        ])
        .arg(session())
        .assert()
        .success()
        .stderr(predicate::str::contains("typical values"))
        .get_output()
        .stdout
        .clone();
    let phases = phase_starts();
    let start = |name: &str| phases.iter().find(|(p, _)| p == name).map(|(_, t)| *t).unwrap();
    let alerts: Vec<f64> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "alert")
        .map(|e| e["t_s"].as_f64().unwrap())
        .collect();
    assert!(!alerts.is_empty(), "the held slouch was not alerted");
    assert!(
        alerts.iter().all(|&t| t > start("slouching") && t < start("recovering")),
        "{alerts:?}"
    );
    assert!(!home.path().join("data/history.sqlite3").exists(), "--no-history wrote history");
}
