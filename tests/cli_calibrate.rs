//! `knotless calibrate` and configuration errors through the real binary, in an isolated
//! environment (no camera, no models needed).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::knotless;
use predicates::prelude::*;

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

/// A recorded session folder made of copies of fixture images, 1 frame a second.
fn session_of(dir: &std::path::Path, frames: &[&str]) -> std::path::PathBuf {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let session = dir.join("session");
    std::fs::create_dir_all(&session).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let ext = f.rsplit('.').next().unwrap();
        std::fs::copy(fixtures.join(f), session.join(format!("{i:06}.{ext}"))).unwrap();
    }
    session
}

fn calibrate_from(frames: &[&str]) -> assert_cmd::assert::Assert {
    let home = tempfile::tempdir().expect("temp dir");
    let session = session_of(home.path(), frames);
    knotless(home.path())
        .args(["calibrate", "--fps", "1", "--seconds", "60", "--source"])
        .arg(&session)
        .assert()
}

#[test]
fn real_frames_with_nobody_are_refused() {
    calibrate_from(&["empty_desk.png"; 12]).code(1).stderr(predicate::str::contains("nobody"));
}

#[test]
fn a_person_who_leaves_is_refused() {
    let mut frames = vec!["dev/seq/000100.jpg", "dev/seq/000101.jpg", "dev/seq/000102.jpg"];
    frames.extend(["empty_desk.png"; 10]);
    calibrate_from(&frames).code(1).stderr(predicate::str::contains("nobody was visible"));
}

#[test]
fn big_movement_is_refused() {
    // Two people at two desks, alternating: nothing holds still.
    let frames: Vec<&str> = (0..12)
        .map(|i| if i % 2 == 0 { "dev/static/000000.jpg" } else { "dev/static/000090.jpg" })
        .collect();
    calibrate_from(&frames).code(1).stderr(predicate::str::contains("still"));
}
