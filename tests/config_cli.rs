//! The configuration contract through the real binary, as a user meets it: every subcommand
//! reads the same config file (`--config`, `KNOTLESS_CONFIG` or the default path) and refuses
//! a missing or broken one, naming the file and the key; `[paths] data_dir` moves the history
//! for `run`, `report`, `history` and `forget`; each section's keys change what the commands do;
//! `knotless config` says where each value came from; `pause` and `resume` say whether a monitor
//! runs, and a warning is said once. Real SQLite files in temp folders, recorded sessions
//! instead of a camera.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{fixture, tiny_session};
use predicates::prelude::*;

/// The binary in an isolated home, with UTC as the local time zone.
fn knotless(home: &Path) -> assert_cmd::Command {
    let mut cmd = common::knotless(home);
    cmd.env("TZ", "UTC").timeout(Duration::from_secs(300));
    cmd
}

/// [`knotless`] reading the config file `config`.
fn with_config(home: &Path, config: &Path) -> assert_cmd::Command {
    let mut cmd = knotless(home);
    cmd.arg("--config").arg(config);
    cmd
}

/// The folder the isolated environment would use without a config (XDG_DATA_HOME/knotless).
fn default_data_dir(home: &Path) -> PathBuf {
    home.join("data").join("knotless")
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// A config file moving the data folder to `home/elsewhere`, plus `extra`.
fn config_with_data_dir(home: &Path, extra: &str) -> (PathBuf, PathBuf) {
    let data = home.join("elsewhere");
    let text = format!("{extra}\n[paths]\ndata_dir = \"{}\"\n", data.display());
    (write(&home.join("knotless.toml"), &text), data)
}

/// A recorded session of `frames` copies of the empty-desk fixture, 2 frames a second.
fn empty_session(parent: &Path, frames: usize) -> PathBuf {
    let dir = parent.join("empty-session");
    std::fs::create_dir_all(&dir).unwrap();
    let mut index = String::from("file,t_ms\n");
    for i in 0..frames {
        let name = format!("{i:06}.png");
        std::fs::copy(fixture("empty_desk.png"), dir.join(&name)).unwrap();
        index.push_str(&format!("{name},{}\n", i * 500));
    }
    std::fs::write(dir.join("frames.csv"), index).unwrap();
    dir
}

/// Every subcommand, with arguments that would otherwise get it going.
fn every_subcommand(home: &Path) -> Vec<Vec<String>> {
    let session = tiny_session(home, 2).display().to_string();
    let image = fixture("dev/static/000000.jpg").display().to_string();
    let recording = home.join("recording").display().to_string();
    let lists: [&[&str]; 15] = [
        &["run", "--population-defaults", "--speed", "max", "--source", &session],
        &["demo"],
        &["calibrate", "--source", &session],
        &["record", &recording, "--seconds", "1"],
        &["pose", &image],
        &["devices"],
        &["report"],
        &["history"],
        &["forget", "--before", "2026-01-01", "--yes"],
        &["pause", "10m"],
        &["pause", "--off"],
        &["resume"],
        &["config"],
        &["config", "show"],
        &["report", "--format", "json"],
    ];
    lists.iter().map(|l| l.iter().map(|s| (*s).to_owned()).collect()).collect()
}

/// Runs `args` and returns stderr, asserting exit code 1 and one `knotless:` message.
fn fails(cmd: &mut assert_cmd::Command, args: &[String]) -> String {
    let out = cmd.args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(stderr.starts_with("knotless: "), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

#[test]
fn every_subcommand_refuses_a_config_file_that_does_not_exist() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let missing = h.join("no-such-config.toml");
    let shown = missing.display().to_string();
    for args in every_subcommand(h) {
        let stderr = fails(&mut with_config(h, &missing), &args);
        assert!(stderr.contains(&shown) && stderr.contains("not found"), "{args:?}: {stderr}");
        let stderr = fails(knotless(h).env("KNOTLESS_CONFIG", &missing), &args);
        assert!(stderr.contains(&format!("{shown} (from KNOTLESS_CONFIG) not found")), "{stderr}");
    }
    assert!(!default_data_dir(h).exists(), "nothing was written");
    assert!(!h.join("recording").exists(), "nothing was recorded");
}

#[test]
fn every_subcommand_refuses_a_broken_config_naming_the_file_and_the_key() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let cases = [
        ("unparsable.toml", "[camera\nindex = 0\n", ":1:"),
        ("unknown.toml", "[camera]\nindex = 0\nzoom = 2\n", ":3: camera.zoom"),
        ("range.toml", "[monitor]\nthreads = 99\n", ":2: monitor.threads: must be 1-16"),
        ("type.toml", "[paths]\ndata_dir = 7\n", ":2: paths.data_dir"),
    ];
    let subcommands = every_subcommand(h);
    for (name, text, what) in cases {
        let file = write(&h.join(name), text);
        let expected = format!("{}{what}", file.display());
        for args in &subcommands {
            let stderr = fails(&mut with_config(h, &file), args);
            assert!(stderr.contains(&expected), "{args:?}: wanted `{expected}` in {stderr}");
        }
    }
    // The default config file is held to the same rules.
    let dir = h.join("config").join("knotless");
    std::fs::create_dir_all(&dir).unwrap();
    let file = write(&dir.join("config.toml"), "[coach]\nwindow_s = 5\n");
    for args in &subcommands {
        let stderr = fails(&mut knotless(h), args);
        assert!(stderr.contains(&format!("{}:2: coach.window_s", file.display())), "{stderr}");
    }
    assert!(!default_data_dir(h).exists(), "nothing was written");
}

/// The history's sample count and the measures recorded, from the SQLite file itself.
fn samples(history: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(history).unwrap();
    conn.query_row("SELECT count(*), count(distance_cm) FROM samples", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .unwrap()
}

fn run_args(session: &Path) -> Vec<String> {
    let s = session.display().to_string();
    ["run", "--population-defaults", "--speed", "max", "--source", &s].map(str::to_owned).to_vec()
}

#[test]
fn data_dir_moves_the_history_for_run_report_history_forget_and_pause() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let session = tiny_session(h, 4);
    let (config, data) = config_with_data_dir(h, "");
    let history = data.join("history.sqlite3");

    with_config(h, &config).args(run_args(&session)).assert().success();
    assert!(history.is_file(), "the history is in data_dir");
    assert!(!default_data_dir(h).exists(), "and nothing in the default folder");
    assert_eq!(samples(&history).0, 2, "2 s analysed at monitor.sample_fps 1");

    let shown = history.display().to_string();
    with_config(h, &config)
        .arg("history")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("History in {shown}")))
        .stdout(predicate::str::contains("recorded session"));
    // Without the config the same command finds nothing.
    knotless(h).arg("history").assert().success().stdout(predicate::str::contains("No history"));

    let out = with_config(h, &config).args(["report", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let seen = report["total"]["monitored_ms"].as_i64().unwrap_or_default();
    assert!(seen > 0, "today's report reads the run: {report}");

    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let tomorrow = knotless::report::time::add_days(today, 1).unwrap().to_string();
    with_config(h, &config)
        .args(["forget", "--yes", "--before", &tomorrow])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("Deleted 2 samples"));
    assert_eq!(samples(&history).0, 0, "forget deleted from data_dir's history");

    with_config(h, &config)
        .args(["pause", "5m"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("no monitor is running on {}", data.display())));
    assert!(data.join("pause").is_file(), "the pause file is in data_dir");
    with_config(h, &config).arg("resume").assert().success().stdout(
        "pause ended; no monitor is running on ".to_owned() + &data.display().to_string() + "\n",
    );
}

#[test]
fn environment_and_flag_override_the_file_in_that_order() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (config, from_file) = config_with_data_dir(h, "");
    let from_env = h.join("from-env");
    let from_flag = h.join("from-flag");
    let says = |dir: &Path| {
        predicate::str::contains(format!("No history at {}", dir.join("history.sqlite3").display()))
    };
    knotless(h).env("KNOTLESS_CONFIG", &config).arg("history").assert().stdout(says(&from_file));
    knotless(h)
        .env("KNOTLESS_CONFIG", &config)
        .env("KNOTLESS_DATA_DIR", &from_env)
        .arg("history")
        .assert()
        .stdout(says(&from_env));
    knotless(h)
        .env("KNOTLESS_CONFIG", &config)
        .env("KNOTLESS_DATA_DIR", &from_env)
        .arg("history")
        .arg("--data-dir")
        .arg(&from_flag)
        .assert()
        .stdout(says(&from_flag));
}

#[test]
fn config_show_prints_each_value_with_its_source() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (config, data) = config_with_data_dir(h, "[camera]\nfov_deg = 78.0\n");
    let out = with_config(h, &config).args(["config", "show"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |start: &str| {
        text.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}: {text}"))
    };
    assert!(text.contains(&format!("# Config file: {} (from --config)", config.display())));
    assert!(line("fov_deg = 78.0 ").ends_with("# file"), "{text}");
    assert!(line("width = 640 ").ends_with("# default"), "{text}");
    assert!(line(&format!("data_dir = \"{}\"", data.display())).ends_with("# file"), "{text}");
    // What it prints is a config file for the same settings.
    let shown = write(&h.join("shown.toml"), &text);
    let again = with_config(h, &shown).arg("config").output().unwrap();
    let again = String::from_utf8(again.stdout).unwrap();
    assert!(again.contains("fov_deg = 78.0"), "{again}");

    let flag = h.join("flag");
    let out = knotless(h).env("KNOTLESS_DATA_DIR", h.join("env")).arg("config").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("# Config file: none"), "{text}");
    assert!(text.contains("# env (KNOTLESS_DATA_DIR)"), "{text}");
    let out = knotless(h).arg("config").arg("--data-dir").arg(&flag).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("data_dir = \"{}\"", flag.display())), "{text}");
    assert!(text.lines().any(|l| l.starts_with("data_dir") && l.ends_with("# flag")), "{text}");
}

/// `[monitor]`: the model calibrate uses, unless --model says otherwise; the profile and the
/// summary name it.
#[test]
fn monitor_model_is_the_model_calibrate_uses() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let session = tiny_session(h, 12);
    let (config, data) = config_with_data_dir(h, "[monitor]\nmodel = \"movenet\"\n");
    let profile = data.join("profiles").join("default.json");
    with_config(h, &config)
        .args(["calibrate", "--source"])
        .arg(&session)
        .assert()
        .success()
        .stdout(predicate::str::contains("model MoveNet Lightning"))
        .stderr(predicate::str::contains("with MoveNet Lightning"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    assert_eq!(json["backend"], "movenet", "{json}");

    with_config(h, &config)
        .args(["calibrate", "--model", "blazepose", "--source"])
        .arg(&session)
        .assert()
        .success()
        .stdout(predicate::str::contains("model BlazePose\n"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    assert_eq!(json["backend"], "blazepose", "{json}");

    // The monitor runs the profile's model and says so when the config names another.
    with_config(h, &config)
        .args(["run", "--no-history", "--speed", "max", "--source"])
        .arg(&session)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "calibrated with BlazePose, so the monitor runs BlazePose, not monitor.model MoveNet",
        ));
}

/// `[calibration]`: `seconds` bounds the frames calibrate watches (`--seconds` overrides it),
/// `min_frames` how many it needs.
#[test]
fn calibration_settings_decide_what_calibrate_accepts() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let session = tiny_session(h, 12);
    let (config, data) = config_with_data_dir(h, "[calibration]\nseconds = 2.0\n");
    let calibrate = |extra: &[&str]| {
        let mut cmd = with_config(h, &config);
        cmd.arg("calibrate").args(extra).arg("--source").arg(&session);
        cmd
    };
    calibrate(&[])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Calibrating profile default for 2 s"))
        .stderr(predicate::str::contains("(at least 8 needed)"));
    assert!(!data.join("profiles/default.json").exists());
    calibrate(&["--seconds", "6"]).assert().success();
    assert!(data.join("profiles/default.json").is_file());
    calibrate(&["--seconds", "0.5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--seconds (calibration.seconds): must be 1-600"));

    let (config, _) = config_with_data_dir(h, "[calibration]\nmin_frames = 40\n");
    with_config(h, &config)
        .args(["calibrate", "--source"])
        .arg(&session)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("(at least 40 needed)"));
}

/// `[monitor] sample_fps`: how many frames of a session the monitor analyses (and records).
#[test]
fn sample_rate_sets_how_many_frames_are_analysed() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let session = tiny_session(h, 12); // 6 s at 2 frames a second
    let mut counts = Vec::new();
    for fps in ["2.0", "0.5"] {
        let extra = format!("[monitor]\nsample_fps = {fps}\nsteady_sample_fps = {fps}\n");
        let (config, data) = config_with_data_dir(h, &extra);
        let _ = std::fs::remove_dir_all(&data);
        with_config(h, &config).args(run_args(&session)).assert().success();
        counts.push(samples(&data.join("history.sqlite3")).0);
    }
    assert_eq!(counts, [12, 3]);
}

/// `[posture]`: the least keypoint score, in `pose` and in the monitor's recorded measures;
/// `[camera] fov_deg`: the distance estimate.
#[test]
fn posture_and_camera_settings_change_the_measures() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let image = fixture("dev/static/000000.jpg");
    let distance = |extra: &str| {
        let (config, _) = config_with_data_dir(h, extra);
        let out = with_config(h, &config).args(["pose", "--json"]).arg(&image).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["measures"]["distance_cm"]["value"].as_f64()
    };
    let normal = distance("").expect("a distance with the defaults");
    let wide = distance("[camera]\nfov_deg = 100.0\n").expect("a distance");
    assert!(wide < normal * 0.9, "a wider lens sees the face smaller, so closer: {wide} {normal}");
    assert_eq!(distance("[posture]\nmin_keypoint_score_blazepose = 1.0\n"), None);

    let session = tiny_session(h, 4);
    for (extra, with_measures) in
        [("", true), ("[posture]\nmin_keypoint_score_blazepose = 1.0\n", false)]
    {
        let (config, data) = config_with_data_dir(h, extra);
        let _ = std::fs::remove_dir_all(&data);
        with_config(h, &config).args(run_args(&session)).assert().success();
        let (count, measured) = samples(&data.join("history.sqlite3"));
        assert_eq!(count, 2);
        assert_eq!(measured > 0, with_measures, "{extra}: {measured} samples with a distance");
    }
}

/// `[camera]`: the camera record and calibrate open (this machine has none to open).
#[test]
fn camera_settings_choose_the_camera_to_open() {
    if Path::new("/dev/video0").exists() {
        return; // a machine with a camera might have one by that name
    }
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (config, _) = config_with_data_dir(h, "[camera]\nname = \"Nonesuch Cam\"\n");
    let recording = h.join("recording");
    for args in [&["record", recording.to_str().unwrap(), "--seconds", "1"][..], &["calibrate"]] {
        with_config(h, &config)
            .args(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("could not open camera \"Nonesuch Cam\""));
    }
    with_config(h, &config)
        .args(["record", recording.to_str().unwrap(), "--camera", "7", "--seconds", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("could not open camera 7"));
}

/// `[coach]` and `[alerts]`: a short `away_after_s` makes an empty desk an absence; with every
/// threshold at zero and a short `alert_after_s`, an alert comes and runs `alerts.command`.
#[test]
fn coach_and_alert_settings_change_what_the_monitor_says() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let empty = empty_session(h, 16);
    let events = |extra: &str, session: &Path| -> Vec<String> {
        let (config, _) = config_with_data_dir(h, &format!("[alerts]\ndesktop = false\n{extra}"));
        let out = with_config(h, &config)
            .args(["run", "--population-defaults", "--no-history", "--json", "--speed", "max"])
            .arg("--source")
            .arg(session)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["event"].as_str().unwrap_or_default().to_owned()
            })
            .collect()
    };
    assert!(!events("", &empty).contains(&"away".to_owned()));
    assert!(events("[coach]\naway_after_s = 5\n", &empty).contains(&"away".to_owned()));

    let got = h.join("alert.json");
    let zero = "[posture.thresholds]\n".to_owned()
        + &["neck_flexion", "neck_extension", "head_tilt", "shoulder_tilt"]
            .map(|p| format!("{p}_caution_deg = 0.0\n{p}_bad_deg = 0.0\n"))
            .concat()
        + &["head_drop", "lean_in", "shrug"]
            .map(|p| format!("{p}_caution_fraction = 0.0\n{p}_bad_fraction = 0.0\n"))
            .concat();
    let coach = "[coach]\nwindow_s = 10\nalert_after_s = 10\nsevere_alert_after_s = 10\n";
    let command = format!("[alerts]\ncommand = \"cat > '{}'\"\n", got.display());
    let (config, _) = config_with_data_dir(h, &format!("{zero}{coach}{command}"));
    let session = tiny_session(h, 40);
    let out = with_config(h, &config)
        .args(["run", "--population-defaults", "--no-history", "--json", "--speed", "max"])
        .arg("--source")
        .arg(&session)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"event\":\"alert\""), "{stdout}");
    // The command runs beside the monitor; give it a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !got.is_file() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let json = std::fs::read_to_string(&got).expect("alerts.command ran");
    assert!(json.contains("\"alert\""), "{json}");
}

/// `pause` and `resume` say whether a monitor is running and what they did.
#[test]
fn pause_and_resume_say_whether_a_monitor_runs() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let data = default_data_dir(h);
    knotless(h).arg("resume").assert().success().stdout(format!(
        "no pause was in force, and no monitor is running on {}\n",
        data.display()
    ));
    knotless(h)
        .args(["pause", "30m"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("no monitor is running on"))
        .stdout(predicate::str::contains("monitoring paused").not());

    // A monitor holding the data folder's lock: a long replay, stopped at the end.
    let session = tiny_session(h, 8);
    let mut monitor = common::knotless_process(h)
        .args(["run", "--population-defaults", "--loop", "0", "--source"])
        .arg(&session)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = data.join("monitor.lock");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline
        && std::fs::read_to_string(&lock).map_or(true, |t| t.trim() != monitor.id().to_string())
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = monitor.id();
    let paused = knotless(h).args(["pause", "10m"]).output().unwrap();
    let resumed = knotless(h).arg("resume").output().unwrap();
    let again = knotless(h).args(["pause", "--off"]).output().unwrap();
    let _ = monitor.kill();
    let _ = monitor.wait();
    assert_eq!(
        String::from_utf8_lossy(&paused.stdout),
        format!(
            "monitor (process {pid}) paused for 10 min; it resumes by itself (`knotless resume` \
             to resume now)\n"
        )
    );
    assert_eq!(
        String::from_utf8_lossy(&resumed.stdout),
        format!("monitor (process {pid}) resumed\n")
    );
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        format!("no pause was in force; the monitor (process {pid}) is monitoring\n")
    );
}

/// A calibration that no longer fits (another image size) is said once, as one `knotless:` line,
/// with and without `--json`.
#[test]
fn a_warning_is_said_once() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let calibration = tiny_session(h, 12);
    knotless(h).args(["calibrate", "--source"]).arg(&calibration).assert().success();
    let other = h.join("other-size");
    std::fs::create_dir_all(&other).unwrap();
    let mut index = String::from("file,t_ms\n");
    for i in 0..4 {
        let name = format!("{i:06}.jpg");
        std::fs::copy(fixture("grace_hopper.jpg"), other.join(&name)).unwrap();
        index.push_str(&format!("{name},{}\n", i * 500));
    }
    std::fs::write(other.join("frames.csv"), index).unwrap();
    for json in [false, true] {
        let mut cmd = knotless(h);
        cmd.args(["run", "--no-history", "--speed", "max"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.arg("--source").arg(&other).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.matches("the image size changed").count(), 1, "--json {json}: {stderr}");
        assert!(!stderr.contains("WARN"), "--json {json}: {stderr}");
        assert!(stderr.contains("knotless: the image size changed from"), "{stderr}");
    }
}
