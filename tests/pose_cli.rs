//! `knotless pose` through the real binary: output formats, drawing, and every bad input the
//! user can cause, each with its clear error.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{fixture, knotless, models_dir};
use predicates::prelude::*;

#[test]
fn table_output_names_the_face_and_shoulder_points() {
    let home = tempfile::tempdir().unwrap();
    knotless(home.path())
        .args(["pose"])
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .success()
        .stdout(predicate::str::contains("grace_hopper.jpg (512x600, BlazePose,"))
        .stdout(predicate::str::contains("left_shoulder"))
        .stdout(predicate::str::contains("right_ear"));
}

#[test]
fn json_output_has_one_object_per_image_with_named_keypoints() {
    let home = tempfile::tempdir().unwrap();
    let out = knotless(home.path())
        .args(["pose", "--json", "--model", "movenet"])
        .arg(fixture("astronaut.png"))
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    // Keys keep landmark order.
    assert!(text.lines().all(|l| l.contains(r#""keypoints":{"nose":"#)), "{text}");
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 2);
    for v in &lines {
        assert_eq!(v["model"], "movenet");
        assert_eq!(v["person"], true);
        let kp = v["keypoints"].as_object().unwrap();
        assert_eq!(kp.len(), 17);
        for name in ["nose", "left_eye", "right_eye", "left_shoulder", "right_shoulder"] {
            let s = kp[name]["score"].as_f64().unwrap();
            assert!(s > 0.2, "{name} score {s}");
        }
    }
}

#[test]
fn draw_writes_a_copy_with_the_skeleton() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("drawn.png");
    knotless(home.path())
        .args(["pose", "--draw"])
        .arg(&out)
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .success();
    let drawn = image::open(&out).unwrap().into_rgb8();
    let original = image::open(fixture("grace_hopper.jpg")).unwrap().into_rgb8();
    assert_eq!(drawn.dimensions(), original.dimensions());
    let changed = drawn.pixels().zip(original.pixels()).filter(|(a, b)| a != b).count();
    assert!(changed > 500, "only {changed} pixels drawn");

    // Several images: a folder with one drawing each.
    let dir = home.path().join("drawings");
    knotless(home.path())
        .args(["pose", "--model", "movenet", "--draw"])
        .arg(&dir)
        .arg(fixture("grace_hopper.jpg"))
        .arg(fixture("astronaut.png"))
        .assert()
        .success();
    assert!(dir.join("grace_hopper.png").is_file() && dir.join("astronaut.png").is_file());
}

#[test]
fn an_image_with_nobody_says_so_with_exit_code_3() {
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty.png");
    image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, 120]))
        .save(&empty)
        .unwrap();
    knotless(home.path())
        .arg("pose")
        .arg(&empty)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("nobody found"));
    knotless(home.path())
        .args(["pose", "--json"])
        .arg(&empty)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("\"person\":false"));
}

#[test]
fn unreadable_images_are_named_and_the_rest_still_analysed() {
    let home = tempfile::tempdir().unwrap();
    knotless(home.path())
        .arg("pose")
        .arg(fixture("truncated.jpg"))
        .arg(fixture("not_an_image.jpg"))
        .arg(fixture("no_such_file.png"))
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("grace_hopper.jpg (512x600"))
        .stderr(predicate::str::contains("truncated.jpg: truncated JPEG"))
        .stderr(predicate::str::contains("not_an_image.jpg: not a JPEG or PNG image"))
        .stderr(predicate::str::contains("no_such_file.png: no such file"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn missing_model_says_where_models_come_from() {
    let home = tempfile::tempdir().unwrap();
    knotless(home.path())
        .arg("--models")
        .arg(home.path())
        .arg("pose")
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("blazepose_detector.onnx not found"))
        .stderr(predicate::str::contains("models/build.sh"));
}

#[test]
fn a_model_with_the_wrong_signature_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("models");
    std::fs::create_dir(&dir).unwrap();
    // MoveNet where the BlazePose detector should be.
    std::fs::copy(models_dir().join("movenet_lightning.onnx"), dir.join("blazepose_detector.onnx"))
        .unwrap();
    knotless(home.path())
        .arg("--models")
        .arg(&dir)
        .arg("pose")
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not have the expected signature"))
        .stderr(predicate::str::contains("blazepose_detector.onnx"));
}

#[test]
fn a_corrupt_model_file_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("models");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("movenet_lightning.onnx"), b"\x08\x07garbage").unwrap();
    knotless(home.path())
        .arg("--models")
        .arg(&dir)
        .args(["pose", "--model", "movenet"])
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("could not load model"))
        .stderr(predicate::str::contains("movenet_lightning.onnx"));
}

#[test]
fn missing_or_wrong_runtime_library_says_how_to_get_it() {
    let home = tempfile::tempdir().unwrap();
    knotless(home.path())
        .args(["--ort-lib", "/nonexistent/libonnxruntime.so.1.31.1", "pose"])
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ONNX Runtime library"))
        .stderr(predicate::str::contains("scripts/setup.sh"));

    let fake = home.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&fake, b"not a library").unwrap();
    knotless(home.path())
        .env("ORT_DYLIB_PATH", &fake)
        .arg("pose")
        .arg(fixture("grace_hopper.jpg"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a shared library"))
        .stderr(predicate::str::contains("scripts/setup.sh"));

    // A real shared object that is not ONNX Runtime.
    let libc = ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    if let Some(libc) = libc {
        knotless(home.path())
            .args(["--ort-lib", libc, "pose"])
            .arg(fixture("grace_hopper.jpg"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains("OrtGetApiBase"))
            .stderr(predicate::str::contains("panicked").not());
    }
}

/// The verdict as a user gets it: calibrate a profile from four good-posture stills, then
/// assess other stills of the same person and camera against it (train renders, group
/// `rand00_a218/cam1`).
#[test]
fn a_profile_from_stills_gives_the_verdict_in_degrees() {
    let home = tempfile::tempdir().unwrap();
    let train = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/train");
    let stills = home.path().join("calibration");
    std::fs::create_dir_all(&stills).unwrap();
    for f in ["000000.jpg", "000001.jpg", "000002.jpg", "000003.jpg"] {
        std::fs::copy(train.join(f), stills.join(f)).unwrap();
    }
    // Separate stills: natural variation between them is not fidgeting.
    let config = home.path().join("stills.toml");
    std::fs::write(&config, "[calibration]\nmin_frames = 3\nmax_movement_ratio = 1.0\n").unwrap();
    knotless(home.path())
        .arg("calibrate")
        .arg("--config")
        .arg(&config)
        .args(["--profile", "desk", "--fps", "1", "--source"])
        .arg(&stills)
        .assert()
        .success();
    let out = knotless(home.path())
        .arg("pose")
        .arg("--config")
        .arg(&config)
        .args(["--json", "--profile", "desk"])
        .args(["000004.jpg", "000008.jpg", "000011.jpg"].map(|f| train.join(f)))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let raised = |v: &serde_json::Value| -> Vec<String> {
        v["assessment"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["level"] != "ok")
            .map(|f| f["problem"].as_str().unwrap().to_owned())
            .collect()
    };
    let angle = |v: &serde_json::Value, name: &str| v["angles"][name].as_f64().unwrap();
    for v in &lines {
        assert!(v["head"]["face_logit"].as_f64().unwrap() > 2.0, "the face mesh sees the face");
    }
    // Good posture: nothing raised, angles near the baseline.
    assert!(raised(&lines[0]).is_empty(), "{:?}", raised(&lines[0]));
    assert!(angle(&lines[0], "neck_flexion_deg").abs() < 5.0);
    // A 12 deg head tilt: head tilt only.
    assert_eq!(raised(&lines[1]), ["head_tilt"]);
    assert!(angle(&lines[1], "head_tilt_deg").abs() > 7.0);
    // A 32 deg bend of the neck: neck flexion, in degrees.
    assert!(raised(&lines[2]).contains(&"neck_flexion".to_owned()), "{:?}", raised(&lines[2]));
    assert!(angle(&lines[2], "neck_flexion_deg") > 10.0);
}
