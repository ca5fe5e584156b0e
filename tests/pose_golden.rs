//! Keypoints from the real models on real images, against golden files made independently by
//! running the original TFLite / TF.js models in Python with their own pre- and
//! post-processing (`tests/golden/make_golden.py`; see `tests/golden/README.md`), and, for
//! BlazePose, against MediaPipe's own pose solution on the same images.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::Path;

use common::{fixture, load_rgb, models_dir};
use knotless::pose::{
    BlazePose, KeypointName, LandmarkVariant, ModelFiles, MoveNet, Pose, PoseEstimator,
};

/// Face and shoulder points: what a desk camera must see.
const UPPER: [KeypointName; 7] = [
    KeypointName::Nose,
    KeypointName::LeftEye,
    KeypointName::RightEye,
    KeypointName::LeftEar,
    KeypointName::RightEar,
    KeypointName::LeftShoulder,
    KeypointName::RightShoulder,
];

fn golden(model: &str, stem: &str) -> serde_json::Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{model}/{stem}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn image_for(stem: &str) -> std::path::PathBuf {
    for candidate in [
        format!("{stem}.png"),
        format!("{stem}.jpg"),
        format!("dev/static/{stem}.jpg"),
        format!("dev/seq/{stem}.jpg"),
    ] {
        let p = fixture(&candidate);
        if p.is_file() {
            return p;
        }
    }
    panic!("no fixture for {stem}");
}

fn shoulder_width(g: &serde_json::Value) -> f64 {
    let p = |k: &str| (g[k]["x"].as_f64().unwrap(), g[k]["y"].as_f64().unwrap());
    let (l, r) = (p("left_shoulder"), p("right_shoulder"));
    ((l.0 - r.0).powi(2) + (l.1 - r.1).powi(2)).sqrt()
}

/// Largest distance, as a share of shoulder width, between `pose` and the golden points.
fn worst_error(pose: &Pose, points: &serde_json::Value) -> (f64, KeypointName) {
    let sw = shoulder_width(points);
    UPPER
        .iter()
        .map(|&k| {
            let p = pose.get(k).unwrap_or_else(|| panic!("{k:?} missing"));
            let g = &points[k.as_str()];
            let d = ((p.x as f64 - g["x"].as_f64().unwrap()).powi(2)
                + (p.y as f64 - g["y"].as_f64().unwrap()).powi(2))
            .sqrt();
            (d / sw, k)
        })
        .fold((0.0, KeypointName::Nose), |a, b| if b.0 > a.0 { b } else { a })
}

const PEOPLE: [&str; 8] =
    ["astronaut", "grace_hopper", "000000", "000036", "000050", "000069", "000072", "000090"];

#[test]
fn blazepose_places_face_and_shoulders_as_the_original_model_and_mediapipe_do() {
    let files = ModelFiles::in_dir(&models_dir());
    let mut bp = BlazePose::load(&files, LandmarkVariant::Full, 1).unwrap();
    for stem in PEOPLE {
        let g = golden("blazepose_full", stem);
        bp.reset();
        let pose = bp
            .estimate(&load_rgb(&image_for(stem)))
            .unwrap()
            .unwrap_or_else(|| panic!("{stem}: nobody"));
        for k in UPPER {
            let s = pose.get(k).unwrap().score;
            assert!(s > 0.9, "{stem}: {k:?} score {s}");
        }
        // Our detection merges overlapping anchors as MediaPipe does; the golden's primary
        // points use the best anchor alone, which moves the crop a little.
        let (e, k) = worst_error(&pose, &g["keypoints"]);
        assert!(e < 0.06, "{stem}: {k:?} off the golden by {:.1}% of shoulder width", e * 100.0);
        let mp = &g["mediapipe"]["keypoints"];
        if mp.is_object() {
            let (e, k) = worst_error(&pose, mp);
            assert!(e < 0.10, "{stem}: {k:?} off MediaPipe by {:.1}% of shoulder width", e * 100.0);
        }
    }
}

#[test]
fn movenet_matches_the_original_model() {
    let files = ModelFiles::in_dir(&models_dir());
    let mut mn = MoveNet::load(&files, 1).unwrap();
    for stem in PEOPLE {
        let g = golden("movenet", stem);
        let pose = mn
            .estimate(&load_rgb(&image_for(stem)))
            .unwrap()
            .unwrap_or_else(|| panic!("{stem}: nobody"));
        // Same letterbox and sampling convention as the golden: near-identical output.
        let (e, k) = worst_error(&pose, &g["keypoints"]);
        assert!(e < 0.01, "{stem}: {k:?} off the golden by {:.2}% of shoulder width", e * 100.0);
        for k in UPPER {
            let (ours, theirs) = (
                pose.get(k).unwrap().score as f64,
                g["keypoints"][k.as_str()]["score"].as_f64().unwrap(),
            );
            assert!((ours - theirs).abs() < 0.1, "{stem}: {k:?} score {ours} vs {theirs}");
        }
    }
}

#[test]
fn nobody_on_an_empty_desk() {
    let files = ModelFiles::in_dir(&models_dir());
    let img = load_rgb(&fixture("empty_desk.png"));
    let mut bp = BlazePose::load(&files, LandmarkVariant::Full, 1).unwrap();
    assert!(bp.estimate(&img).unwrap().is_none());
    assert!(bp.stats().last_detection_score.unwrap() < 0.5);
    let mut mn = MoveNet::load(&files, 1).unwrap();
    assert!(mn.estimate(&img).unwrap().is_none());
}

#[test]
fn tracking_runs_the_detector_once_and_stays_with_fresh_detections() {
    let files = ModelFiles::in_dir(&models_dir());
    let mut tracked = BlazePose::load(&files, LandmarkVariant::Full, 1).unwrap();
    let mut fresh = BlazePose::load(&files, LandmarkVariant::Full, 1).unwrap();
    let frames: Vec<_> = (100..108).map(|i| format!("{i:06}")).collect();
    for stem in &frames {
        let img = load_rgb(&image_for(stem));
        let t = tracked.estimate(&img).unwrap().expect("tracked person");
        fresh.reset();
        let f = fresh.estimate(&img).unwrap().expect("detected person");
        let sw = {
            let (l, r) = (
                f.get(KeypointName::LeftShoulder).unwrap(),
                f.get(KeypointName::RightShoulder).unwrap(),
            );
            ((l.x - r.x).powi(2) + (l.y - r.y).powi(2)).sqrt()
        };
        for k in UPPER {
            let (a, b) = (t.get(k).unwrap(), f.get(k).unwrap());
            let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
            assert!(
                d / sw < 0.05,
                "{stem}: tracked {k:?} {:.1}% of shoulder width from a fresh detection",
                100.0 * d / sw
            );
        }
        // And the fresh detection agrees with the independent golden.
        let (e, k) = worst_error(&f, &golden("blazepose_full", stem)["keypoints"]);
        assert!(e < 0.06, "{stem}: {k:?} {:.1}%", e * 100.0);
    }
    let stats = tracked.stats();
    assert_eq!(stats.detector_runs, 1, "the detector ran again: {stats:?}");
    assert_eq!(stats.landmark_runs, frames.len() as u64);
}
