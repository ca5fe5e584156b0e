//! `knotless calibrate` and configuration errors through the real binary, in an isolated
//! environment (no camera, no models needed).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use assert_cmd::Command;
use predicates::prelude::*;

fn knotless(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("knotless").expect("binary built");
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    cmd
}

#[test]
fn calibrate_without_a_camera_says_how_to_go_on() {
    if std::path::Path::new("/dev/video0").exists() {
        return; // a machine with a camera would calibrate from it
    }
    let home = tempfile::tempdir().expect("temp dir");
    knotless(home.path())
        .arg("calibrate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("could not open camera 0"))
        .stderr(predicate::str::contains("knotless devices"))
        .stderr(predicate::str::contains("--source DIR"));
}

#[test]
fn slouch_needs_an_existing_profile() {
    let home = tempfile::tempdir().expect("temp dir");
    knotless(home.path())
        .args(["calibrate", "--slouch", "--profile", "desk"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("knotless calibrate --profile desk"));
}

#[test]
fn invalid_profile_names_are_refused() {
    let home = tempfile::tempdir().expect("temp dir");
    knotless(home.path())
        .args(["calibrate", "--profile", "../etc"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("invalid profile name"));
}

#[test]
fn config_errors_name_file_line_and_key() {
    let home = tempfile::tempdir().expect("temp dir");
    let file = home.path().join("bad.toml");
    std::fs::write(&file, "[camera]\nfps = 2.0\nfov_deg = \"wide\"\n").expect("written");
    knotless(home.path())
        .arg("--config")
        .arg(&file)
        .arg("calibrate")
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.toml:3: camera.fov_deg"));
}

#[test]
fn the_default_config_file_is_read() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path().join("config").join("knotless");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("config.toml"), "[calibration]\nmin_frames = 0\n").expect("written");
    knotless(home.path())
        .arg("calibrate")
        .assert()
        .failure()
        .stderr(predicate::str::contains("calibration.min_frames: must be 1 or more"));
}
