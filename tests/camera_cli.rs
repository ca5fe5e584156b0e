//! `knotless devices` and `knotless record` through the real binary. The checks that need
//! "no camera" run only where there is no `/dev/video*` (CI, build machines); elsewhere they
//! only check that the commands behave.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use assert_cmd::Command;
use predicates::prelude::*;

fn knotless() -> Command {
    let mut cmd = Command::cargo_bin("knotless").expect("the knotless binary is built");
    let home = std::env::temp_dir().join("knotless-test-home");
    cmd.env_remove("RUST_LOG").env("HOME", &home).env("XDG_CONFIG_HOME", &home);
    cmd
}

fn has_video_devices() -> bool {
    std::fs::read_dir("/dev").is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().starts_with("video"))
    })
}

#[test]
fn devices_without_cameras_says_so_and_succeeds() {
    let assert = knotless().arg("devices").assert().success();
    if !has_video_devices() {
        assert
            .stdout(predicate::str::contains("no cameras found"))
            .stdout(predicate::str::contains("is a webcam plugged in?"));
    }
}

#[test]
fn record_without_a_camera_points_to_devices_and_writes_nothing() {
    if has_video_devices() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    knotless()
        .args(["record", "--seconds", "1", "--camera", "3"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("could not open camera 3"))
        .stderr(predicate::str::contains("knotless devices"));
    assert!(!out.exists(), "no session folder for a camera that did not open");
}

#[test]
fn record_rejects_a_bad_rate() {
    let dir = tempfile::tempdir().unwrap();
    knotless()
        .args(["record", "--fps", "0"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--fps (camera.fps): must be 0.01-240 frames a second"));
}
