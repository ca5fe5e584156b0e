//! Accuracy of measures and assessment on the labelled renders in `tests/data/static/`, with
//! the real BlazePose models, full (the default) and lite.
//!
//! Per group (one person, one camera set-up) the calibration shots make the baseline; every
//! other image is assessed with the default thresholds, and a problem counts as detected at
//! level Caution or worse. Prints the table; `KNOTLESS_WRITE_ACCURACY=1` also writes it to
//! `ACCURACY.md`. Run with
//! `KNOTLESS_MODELS=DIR cargo test --test accuracy -- --nocapture`.
//!
//! The models come from `KNOTLESS_MODELS` if set, else the project's `models/` folder, where
//! they are committed; the test fails when they are missing.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use knotless::pose::{Backend, LandmarkVariant, ModelFiles};
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

/// Floors the implementation reaches (a little below the measured values in ACCURACY.md), for
/// every problem with labelled examples: (problem, precision, recall).
const FLOORS: [(Problem, f64, f64); 6] = [
    (Problem::NeckFlexion, 0.75, 0.52),
    (Problem::HeadDrop, 0.55, 0.50),
    (Problem::TooClose, 0.85, 0.45),
    (Problem::HeadTilt, 0.75, 0.75),
    (Problem::UnevenShoulders, 0.40, 0.35),
    (Problem::ShruggedShoulders, 0.90, 0.15),
];
/// Ceiling on the mean absolute error of the head pitch change, in degrees.
const MAX_PITCH_MAE_DEG: f64 = 4.6;

/// The same floors for BlazePose lite, a little below its measured values: the faster model
/// reads head drop, head tilt and the head pitch less well (ACCURACY.md).
const LITE_FLOORS: [(Problem, f64, f64); 6] = [
    (Problem::NeckFlexion, 0.80, 0.52),
    (Problem::HeadDrop, 0.33, 0.45),
    (Problem::TooClose, 0.90, 0.45),
    (Problem::HeadTilt, 0.60, 0.60),
    (Problem::UnevenShoulders, 0.38, 0.45),
    (Problem::ShruggedShoulders, 0.90, 0.35),
];
const LITE_MAX_PITCH_MAE_DEG: f64 = 5.5;

/// The table before the response factors and the slouch and shrug measures (BlazePose with the
/// edge-replicating crop and weighted NMS), for comparison.
const BEFORE: &str = "## Before (BlazePose full)\n\n\
The same test before the BlazePose response factors, the ear and shoulder levels and the \
head-drop, shrug and tilt rules described in the notes:\n\n\
| problem | TP | FP | FN | precision | recall |\n\
|---|---:|---:|---:|---:|---:|\n\
| neck_flexion | 32 | 8 | 24 | 0.80 | 0.57 |\n\
| head_drop | 0 | 6 | 12 | 0.00 | 0.00 |\n\
| too_close | 8 | 1 | 8 | 0.89 | 0.50 |\n\
| head_tilt | 2 | 0 | 18 | 1.00 | 0.10 |\n\
| uneven_shoulders | 0 | 2 | 12 | 0.00 | 0.00 |\n\
| shrugged_shoulders | 0 | 0 | 12 | 1.00 | 0.00 |\n\n\
Head pitch change: mean absolute error 4.2 deg, median 3.2 deg.\n";

/// BlazePose lite read through the full model's response factors, for comparison.
const LITE_BEFORE: &str = "With the full model's response factors instead of its own, lite reads:\n\n\
| problem | TP | FP | FN | precision | recall |\n\
|---|---:|---:|---:|---:|---:|\n\
| neck_flexion | 35 | 6 | 21 | 0.85 | 0.62 |\n\
| head_drop | 6 | 9 | 6 | 0.40 | 0.50 |\n\
| too_close | 8 | 0 | 8 | 1.00 | 0.50 |\n\
| head_tilt | 12 | 7 | 8 | 0.63 | 0.60 |\n\
| uneven_shoulders | 6 | 9 | 6 | 0.40 | 0.50 |\n\
| shrugged_shoulders | 5 | 0 | 7 | 1.00 | 0.42 |\n\n\
Head pitch change: mean absolute error 5.4 deg, median 3.8 deg. Its own factors bring the \
pitch closer to the truth (a larger face response reads the same keypoints as a smaller \
change, so three fewer neck-flexion images reach the caution) and separate head tilt from \
uneven shoulders a little better.\n";

const NOTES: &str = "## Notes\n\n\
Thresholds are the evidence-based defaults (`config/default.toml`). The constants set from \
data were fitted on one subject of these renders (`m_young`) and checked on the other \
(`f_young`), or on the separate dev clip; each one's doc comment gives both values.\n\n\
- **neck_flexion**: the head pitch from the face keypoints, divided by \
  `BLAZEPOSE_FACE_RESPONSE` (0.5, measured on the dev clip). It is the head's pitch as the \
  camera sees it, so leaning the trunk forward raises it too: most false alarms are \
  trunk-lean images. Forward head without flexion (`forward_head_3cm/6cm`) barely changes \
  the pitch and BlazePose's inter-eye distance hardly grows with it, so most are missed.\n\
- **head_drop**: the ears sinking in the image (a position against the calibration, in \
  shoulder widths), less the sinking the head pitch explains \
  (`HEAD_DROP_EAR_SINK_PER_PITCH_DEG`, fitted on `m_young`'s neck-flexion images), as a \
  fraction of the calibrated ear-to-shoulder height, and only while the shoulders sink too \
  (a slouch rounds the upper back) and the face has not grown by 10 % (leaning in). Before, \
  any neck flexion suppressed it, and every thoracic slouch in the renders comes with one. \
  Limit: a forward trunk lean that BlazePose does not see as a growing face looks the same \
  (the false alarms).\n\
- **too_close**: face growth against the calibration. BlazePose's inter-eye distance \
  under-reports the approach, so 10 deg trunk leans are often missed; the false alarm is a \
  slouch that brings the face about 20 % closer.\n\
- **head_tilt**: BlazePose keeps the head aligned with the body and turns the eye line only \
  about 0.4 times the true roll (`BLAZEPOSE_ROLL_RESPONSE`: 0.40 on `m_young`, 0.42 on \
  `f_young`); the measure divides by it. Not assessed while the head is bent beyond the \
  neck-flexion caution (its eye line then drifts by several degrees). Limit: the model couples \
  head and shoulder roll, so shrugs and shoulder drops also tilt the eye line.\n\
- **uneven_shoulders**: the shoulder line divided by `BLAZEPOSE_SHOULDER_TILT_RESPONSE` \
  (0.42 / 0.38), ignored while the head is bent, and when smaller than half the head tilt \
  (`SHOULDER_TILT_FROM_HEAD_TILT`: the shoulder line follows a head tilt by about that). \
  Limit: the renders' `shoulder_low_8/12` tilt the true shoulder line by only 2-5 deg, at \
  or below the 5 deg caution even for perfect keypoints, and BlazePose reads head and \
  shoulder roll as nearly one mode, so the two separate poorly.\n\
- **shrugged_shoulders**: the shoulders rising in the image against the calibration, \
  divided by `BLAZEPOSE_SHOULDER_RISE_RESPONSE` (0.72 / 0.64), as a fraction of the \
  ear-to-shoulder height; the ear-to-shoulder ratio it replaces also fell with forward head \
  and slouching, and BlazePose's ears rise with the shoulders. Limit: only the 20 deg \
  shrugs reach the 15 % caution (the 10 deg ones shorten the true distance by 7-10 %), and \
  BlazePose barely moves the shoulder of a one-sided shrug.\n\
- The level measures assume the camera stays where it was at calibration; the baseline's \
  staleness check asks for a new calibration when face and shoulders all shift together.\n";

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

/// One model's results over the labelled renders.
struct Evaluation {
    counts: BTreeMap<Problem, Counts>,
    pitch_errors: Vec<f64>,
    table: String,
    summary: String,
    details: Vec<String>,
}

fn mae(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

fn evaluate(backend: Backend) -> Evaluation {
    let dir = models_dir();
    let files = ModelFiles::in_dir(&dir);
    let variant = match backend {
        Backend::BlazeposeLite => LandmarkVariant::Lite,
        _ => LandmarkVariant::Full,
    };
    let needed = ["blazepose_detector.onnx", variant.file()];
    if let Some(missing) = needed.iter().find(|f| !files.path(f).is_file()) {
        panic!(
            "model {} not found: the accuracy test needs the BlazePose models, committed in \
             models/ (or point KNOTLESS_MODELS at a folder with them)",
            files.path(missing).display()
        );
    }
    let mut estimator =
        knotless::pose::load_estimator_with(backend, &files, 2).expect("BlazePose loads");
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
        let mut calibrator = Calibrator::new(settings, camera, backend);
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
    Evaluation { counts, pitch_errors, table, summary, details }
}

fn check(name: &str, e: &Evaluation, floors: &[(Problem, f64, f64)], max_mae: f64) {
    for &(p, precision, recall) in floors {
        let c = e.counts[&p];
        assert!(
            c.precision() >= precision,
            "{name} {}: precision {:.2} < {precision}",
            p.as_str(),
            c.precision()
        );
        assert!(c.recall() >= recall, "{name} {}: recall {:.2} < {recall}", p.as_str(), c.recall());
    }
    let err = mae(&e.pitch_errors);
    assert!(err <= max_mae, "{name}: pitch MAE {err:.1} > {max_mae}");
}

#[test]
fn accuracy_on_labelled_renders() {
    let full = evaluate(Backend::Blazepose);
    let lite = evaluate(Backend::BlazeposeLite);
    for (name, e) in [("BlazePose full", &full), ("BlazePose lite", &lite)] {
        println!("## {name}\n\n{}\n{}", e.table, e.summary);
        for d in &e.details {
            println!("{d}");
        }
    }

    if std::env::var_os("KNOTLESS_WRITE_ACCURACY").is_some() {
        let doc = format!(
            "# Accuracy on the labelled renders\n\n\
             Produced by `KNOTLESS_WRITE_ACCURACY=1 cargo test --test accuracy -- --nocapture` \
             (default thresholds, a problem counts as detected at level caution or worse; per \
             group the 4 calibration shots make the baseline). Data: `tests/data/static/` (120 \
             CC0 renders, 104 assessed). The mapping from the renders' issue names to problems \
             is documented in `tests/accuracy.rs`.\n\n\
             ## BlazePose full (the default model)\n\n{}\n{}\n\
             ## BlazePose lite (`--model blazepose-lite`)\n\n\
             About half the inference time of full (BENCHMARKS.md), with its own head-pitch and \
             shoulder-tilt response factors (`BLAZEPOSE_LITE_*` in `posture/measure.rs`).\n\n\
             {}\n{}\n{LITE_BEFORE}\n{BEFORE}\n{NOTES}",
            full.table, full.summary, lite.table, lite.summary
        );
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("ACCURACY.md"), doc)
            .expect("ACCURACY.md written");
    }

    check("full", &full, &FLOORS, MAX_PITCH_MAE_DEG);
    check("lite", &lite, &LITE_FLOORS, LITE_MAX_PITCH_MAE_DEG);
}
