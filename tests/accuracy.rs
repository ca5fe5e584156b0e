//! Accuracy of measures and assessment on the labelled renders in `tests/data/static/`, with
//! the real BlazePose model.
//!
//! Per group (one person, one camera set-up) the calibration shots make the baseline; every
//! other image is assessed with the default thresholds, and a problem counts as detected at
//! level Caution or worse. Prints the table; `KNOTLESS_WRITE_ACCURACY=1` also writes it to
//! `ACCURACY.md`. Run with
//! `KNOTLESS_MODELS=DIR cargo test --test accuracy -- --nocapture`.
//!
//! The models come from `KNOTLESS_MODELS` if set, else the project's `models/` folder; without
//! them the test says so and passes without checking anything.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use knotless::pose::{Backend, ModelFiles};
use knotless::posture::{
    CalibrationSettings, Calibrator, CameraModel, Level, MeasureKind, Observation, Problem,
    Thresholds, assess, mean_luma, measure,
};
use serde::Deserialize;

/// How the renders' `issues` map onto the problems a frontal webcam can name.
///
/// - `neck_flexion`, `forward_head` -> `neck_flexion`: both bring the face down and forward,
///   which is what the head-pitch measure sees (the problem is documented as "forward head /
///   neck flexion").
/// - `thoracic_slouch` -> `head_drop`: a rounded upper back lowers the head towards the
///   shoulders.
/// - `trunk_lean_forward` -> `too_close`: leaning in brings the face closer to the screen.
/// - `head_tilt`, `shoulder_uneven`, `shoulder_elevation` -> `head_tilt`, `uneven_shoulders`,
///   `shrugged_shoulders`.
/// - `rounded_shoulders`, `trunk_side_lean`, `trunk_lean_back`: no problem of their own
///   (protraction is barely visible from the front; side lean shows as uneven shoulders, which
///   the renders label separately when present).
const ISSUE_MAP: [(&str, Option<Problem>); 10] = [
    ("neck_flexion", Some(Problem::NeckFlexion)),
    ("forward_head", Some(Problem::NeckFlexion)),
    ("thoracic_slouch", Some(Problem::HeadDrop)),
    ("trunk_lean_forward", Some(Problem::TooClose)),
    ("head_tilt", Some(Problem::HeadTilt)),
    ("shoulder_uneven", Some(Problem::UnevenShoulders)),
    ("shoulder_elevation", Some(Problem::ShruggedShoulders)),
    ("rounded_shoulders", None),
    ("trunk_side_lean", None),
    ("trunk_lean_back", None),
];

/// The problems with ground truth, in table order.
const SCORED: [Problem; 6] = [
    Problem::NeckFlexion,
    Problem::HeadDrop,
    Problem::TooClose,
    Problem::HeadTilt,
    Problem::UnevenShoulders,
    Problem::ShruggedShoulders,
];

/// Floors the implementation reaches (a little below the measured values in ACCURACY.md):
/// (problem, precision, recall).
/// Head drop, uneven and shrugged shoulders are not detected on these renders (see
/// ACCURACY.md), so they have no floor.
const FLOORS: [(Problem, f64, f64); 3] = [
    (Problem::NeckFlexion, 0.75, 0.50),
    (Problem::TooClose, 0.90, 0.55),
    (Problem::HeadTilt, 0.50, 0.05),
];
/// Ceiling on the mean absolute error of the head pitch change, in degrees.
const MAX_PITCH_MAE_DEG: f64 = 5.5;

const NOTES: &str = "## Notes\n\n\
- Thresholds are the evidence-based defaults (`config/default.toml`), not fitted to these \
  images. The one constant set from data, `BLAZEPOSE_FACE_RESPONSE` (BlazePose's face keypoints \
  move about half as much as a rigid head when it pitches), was measured on the separate dev \
  clip, not on these images.\n\
- The head pitch is compared with `head_pitch_world_deg` because it is the head's pitch as the \
  camera sees it; leaning the trunk forward tilts the head too, which is why trunk-lean images \
  also raise neck_flexion.\n\
- BlazePose under-reports sideways head roll on these renders (a 20 deg tilt reads as 7-10 deg), \
  so most head tilts stay below the 8 deg caution. Shoulder tilts of 3-5 deg, shrugs changing \
  the ear-to-shoulder distance by 5-10 %, and a thoracic slouch on top of neck flexion (which \
  explains the head drop first) are below what the frontal measures separate from noise.\n";

#[derive(Deserialize)]
struct Truth {
    file: String,
    group_id: String,
    is_calibration: bool,
    label: String,
    issues: Vec<String>,
    delta_vs_calibration_mean: Deltas,
}

#[derive(Deserialize)]
struct Deltas {
    head_pitch_world_deg: f64,
    neck_flexion_rel_trunk_deg: f64,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
}

fn models_dir() -> PathBuf {
    std::env::var_os("KNOTLESS_MODELS")
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(ModelFiles::default_dir)
}

fn truth_problems(issues: &[String]) -> Vec<Problem> {
    let mut out: Vec<Problem> = issues
        .iter()
        .filter_map(|name| {
            ISSUE_MAP
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("unknown issue {name} in truth.jsonl: map it"))
                .1
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn load_image(path: &Path) -> image::RgbImage {
    image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).into_rgb8()
}

#[test]
fn accuracy_on_labelled_renders() {
    let dir = models_dir();
    let files = ModelFiles::in_dir(&dir);
    let needed = ["blazepose_detector.onnx", "blazepose_landmark_full.onnx"];
    if let Some(missing) = needed.iter().find(|f| !files.path(f).is_file()) {
        eprintln!(
            "SKIPPED accuracy test: model {} not found (set KNOTLESS_MODELS or add the models)",
            files.path(missing).display()
        );
        return;
    }
    let mut estimator = knotless::pose::load_estimator_with(Backend::Blazepose, &files, 2)
        .expect("BlazePose loads");

    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/static");
    let text = std::fs::read_to_string(data.join("truth.jsonl")).expect("truth.jsonl");
    let truths: Vec<Truth> =
        text.lines().map(|l| serde_json::from_str(l).expect("truth line parses")).collect();
    let mut groups: BTreeMap<&str, Vec<&Truth>> = BTreeMap::new();
    for t in &truths {
        groups.entry(t.group_id.as_str()).or_default().push(t);
    }

    let camera = CameraModel::default();
    let thresholds = Thresholds::default();
    // Calibration shots are separate stills, not a video: movement between them is not
    // fidgeting, so the movement check is off; 3 of the 4 shots must be usable.
    let settings = CalibrationSettings {
        min_frames: 3,
        max_movement_ratio: f32::INFINITY,
        ..Default::default()
    };

    let mut counts: BTreeMap<Problem, Counts> =
        SCORED.iter().map(|p| (*p, Counts::default())).collect();
    let mut pitch_errors = Vec::new();
    let mut pitch_errors_rel_trunk = Vec::new();
    let mut nobody = Vec::new();
    let mut screen_signals = 0usize;
    let mut assessed = 0usize;
    let mut details = Vec::new();

    let mut estimate = |file: &str| {
        estimator.reset();
        let image = load_image(&data.join(file));
        let pose = estimator.estimate(&image).expect("inference runs");
        (pose, mean_luma(&image))
    };

    for (group, items) in &groups {
        let mut calibrator = Calibrator::new(settings, camera, Backend::Blazepose);
        for t in items.iter().filter(|t| t.is_calibration) {
            let (pose, luma) = estimate(&t.file);
            calibrator.push(Observation { pose: pose.as_ref(), mean_luma: luma, t_ms: 0 });
        }
        let baseline = calibrator.finish(0).unwrap_or_else(|e| panic!("{group}: {e}"));
        for t in items.iter().filter(|t| !t.is_calibration) {
            assessed += 1;
            let truth = truth_problems(&t.issues);
            let (pose, _) = estimate(&t.file);
            let predicted: Vec<Problem> = match &pose {
                None => {
                    nobody.push(t.file.clone());
                    Vec::new()
                }
                Some(pose) => {
                    let m = measure(pose, &camera);
                    let a = assess(&m, &baseline, &thresholds);
                    if a.level(Problem::ScreenTooLow) > Level::Ok
                        || a.level(Problem::ScreenTooHigh) > Level::Ok
                    {
                        screen_signals += 1;
                    }
                    if let (Some(p), Some(b)) =
                        (m.head_pitch_deg, baseline.median(MeasureKind::HeadPitchDeg))
                    {
                        let est = f64::from(p.value - b);
                        let d = &t.delta_vs_calibration_mean;
                        pitch_errors.push((est - d.head_pitch_world_deg).abs());
                        pitch_errors_rel_trunk.push((est - d.neck_flexion_rel_trunk_deg).abs());
                    }
                    SCORED.into_iter().filter(|p| a.level(*p) >= Level::Caution).collect()
                }
            };
            for p in SCORED {
                let c = counts.get_mut(&p).expect("scored");
                match (predicted.contains(&p), truth.contains(&p)) {
                    (true, true) => c.tp += 1,
                    (true, false) => c.fp += 1,
                    (false, true) => c.fn_ += 1,
                    (false, false) => {}
                }
            }
            details.push(format!(
                "{} {:<28} truth {:?} predicted {:?}",
                t.file, t.label, truth, predicted
            ));
        }
    }

    let mae = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let median = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let mut table = String::new();
    table.push_str("| problem | truth issues | TP | FP | FN | precision | recall |\n");
    table.push_str("|---|---|---:|---:|---:|---:|---:|\n");
    for p in SCORED {
        let c = counts[&p];
        let issues: Vec<&str> =
            ISSUE_MAP.iter().filter(|(_, m)| *m == Some(p)).map(|(n, _)| *n).collect();
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} |\n",
            p.as_str(),
            issues.join(", "),
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall()
        ));
    }
    let summary = format!(
        "Assessed images: {assessed} (nobody found in {}: {}).\n\n\
         Head pitch change vs `delta_vs_calibration_mean.head_pitch_world_deg` over {} images: \
         mean absolute error {:.1} deg, median {:.1} deg.\n\
         (Against `neck_flexion_rel_trunk_deg` instead: mean {:.1} deg, median {:.1} deg; the \
         measure is the head's pitch seen by the camera, so trunk lean adds to it.)\n\n\
         Images with a screen-height signal (screen_too_low/high, not scored): {screen_signals}.\n",
        nobody.len(),
        if nobody.is_empty() { "-".to_owned() } else { nobody.join(", ") },
        pitch_errors.len(),
        mae(&pitch_errors),
        median(&pitch_errors),
        mae(&pitch_errors_rel_trunk),
        median(&pitch_errors_rel_trunk),
    );
    println!("{table}\n{summary}");
    for d in &details {
        println!("{d}");
    }

    if std::env::var_os("KNOTLESS_WRITE_ACCURACY").is_some() {
        let doc = format!(
            "# Accuracy on the labelled renders\n\n\
             Produced by `KNOTLESS_WRITE_ACCURACY=1 cargo test --test accuracy -- --nocapture` \
             (BlazePose full, default thresholds, a problem counts as detected at \
             level caution or worse; per group the 4 calibration shots make the baseline). \
             Data: `tests/data/static/` (120 CC0 renders, 104 assessed). The mapping from the \
             renders' issue names to problems is documented in `tests/accuracy.rs`.\n\n\
             {table}\n{summary}\n{NOTES}"
        );
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("ACCURACY.md"), doc)
            .expect("ACCURACY.md written");
    }

    for (p, precision, recall) in FLOORS {
        let c = counts[&p];
        assert!(
            c.precision() >= precision,
            "{}: precision {:.2} < {precision}",
            p.as_str(),
            c.precision()
        );
        assert!(c.recall() >= recall, "{}: recall {:.2} < {recall}", p.as_str(), c.recall());
    }
    assert!(mae(&pitch_errors) <= MAX_PITCH_MAE_DEG, "pitch MAE {:.1}", mae(&pitch_errors));
}
