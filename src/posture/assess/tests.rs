use std::collections::BTreeMap;

use super::*;
use crate::pose::Backend;
use crate::posture::baseline::{BASELINE_VERSION, Landmarks, NormPoint, Stat};
use crate::posture::measure::Measure;

fn stat(median: f32) -> Stat {
    Stat { median, mad: 0.0, frames: 10 }
}

fn baseline() -> Baseline {
    let p = NormPoint { x: 0.5, y: 0.5 };
    let stats: BTreeMap<_, _> = [
        (MeasureKind::HeadPitchDeg, stat(5.0)),
        (MeasureKind::HeadHeightRatio, stat(0.6)),
        (MeasureKind::FaceSizeRatio, stat(0.07)),
        (MeasureKind::DistanceCm, stat(65.0)),
        (MeasureKind::HeadTiltDeg, stat(1.0)),
        (MeasureKind::ShoulderTiltDeg, stat(-1.0)),
        (MeasureKind::ShrugLeftRatio, stat(0.5)),
        (MeasureKind::ShrugRightRatio, stat(0.5)),
    ]
    .into_iter()
    .collect();
    Baseline {
        version: BASELINE_VERSION,
        created_unix_s: 0,
        backend: Backend::Blazepose,
        image_width: 640,
        image_height: 480,
        frames: 10,
        stats,
        landmarks: Landmarks { nose: p, left_shoulder: p, right_shoulder: p },
        slouch: None,
    }
}

fn m(value: f32) -> Option<Measure> {
    Some(Measure { value, quality: 0.9 })
}

/// Measures equal to the baseline.
fn upright() -> Measures {
    Measures {
        head_pitch_deg: m(5.0),
        head_height_ratio: m(0.6),
        face_size_ratio: m(0.07),
        distance_cm: m(65.0),
        head_tilt_deg: m(1.0),
        shoulder_tilt_deg: m(-1.0),
        shrug_left_ratio: m(0.5),
        shrug_right_ratio: m(0.5),
        ..Measures::default()
    }
}

#[test]
fn the_baseline_itself_is_good() {
    let a = assess(&upright(), &baseline(), &Thresholds::default());
    assert!(a.is_good());
    assert_eq!(a.findings.len(), Problem::ALL.len());
    assert_eq!(a.worst().map(|f| f.level), Some(Level::Ok));
}

#[test]
fn nothing_measured_nothing_assessed() {
    let a = assess(&Measures::default(), &baseline(), &Thresholds::default());
    assert!(a.findings.is_empty());
    assert!(a.is_good());
    assert!(a.worst().is_none());
}

#[test]
fn neck_flexion_levels() {
    // (pitch beyond baseline, expected level)
    let table = [
        (0.0, Level::Ok),
        (9.9, Level::Ok),
        (10.0, Level::Caution),
        (19.0, Level::Caution),
        (20.0, Level::Bad),
        (40.0, Level::Bad),
        (-20.0, Level::Ok),
    ];
    for (d, expected) in table {
        let measures = Measures { head_pitch_deg: m(5.0 + d), ..upright() };
        let a = assess(&measures, &baseline(), &Thresholds::default());
        assert_eq!(a.level(Problem::NeckFlexion), expected, "pitch delta {d}");
        assert_eq!(a.level(Problem::ScreenTooLow), expected, "pitch delta {d}");
        let f = a.get(Problem::NeckFlexion).expect("assessed");
        assert_eq!(f.deviation.unit, Unit::Deg);
        assert!((f.deviation.value - d).abs() < 1e-4);
    }
}

#[test]
fn looking_up_is_screen_too_high() {
    let measures = Measures { head_pitch_deg: m(5.0 - 16.0), ..upright() };
    let a = assess(&measures, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::ScreenTooHigh), Level::Bad);
    assert_eq!(a.level(Problem::NeckFlexion), Level::Ok);
    assert_eq!(a.worst().map(|f| f.problem), Some(Problem::ScreenTooHigh));
}

#[test]
fn leaning_in_is_too_close_not_a_screen_problem() {
    let measures =
        Measures { head_pitch_deg: m(5.0 + 12.0), face_size_ratio: m(0.07 * 1.3), ..upright() };
    let a = assess(&measures, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::TooClose), Level::Bad);
    assert_eq!(a.level(Problem::NeckFlexion), Level::Caution);
    assert_eq!(a.level(Problem::ScreenTooLow), Level::Ok);
}

#[test]
fn absolute_distance_makes_too_close() {
    let measures = Measures { distance_cm: m(31.0), face_size_ratio: None, ..upright() };
    let a = assess(&measures, &baseline(), &Thresholds::default());
    let f = a.get(Problem::TooClose).expect("assessed");
    assert_eq!((f.level, f.deviation.unit), (Level::Bad, Unit::Cm));
}

#[test]
fn head_drop_unless_explained_by_looking_down() {
    let dropped = Measures { head_height_ratio: m(0.6 * 0.85), ..upright() };
    let a = assess(&dropped, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadDrop), Level::Caution);
    let looking_down = Measures { head_pitch_deg: m(5.0 + 15.0), ..dropped };
    let a = assess(&looking_down, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadDrop), Level::Ok);
}

#[test]
fn tilts_count_both_ways() {
    let table = [(6.0, Level::Ok), (-9.0, Level::Caution), (16.0, Level::Bad)];
    for (d, expected) in table {
        let measures =
            Measures { head_tilt_deg: m(1.0 + d), shoulder_tilt_deg: m(-1.0 + d), ..upright() };
        let a = assess(&measures, &baseline(), &Thresholds::default());
        assert_eq!(a.level(Problem::HeadTilt), expected, "head tilt {d}");
        let shoulders = if d.abs() >= 10.0 { Level::Bad } else { Level::Caution };
        assert_eq!(a.level(Problem::UnevenShoulders), shoulders, "shoulder tilt {d}");
    }
}

#[test]
fn one_raised_shoulder_is_a_shrug_unless_the_head_moved() {
    let shrug = Measures { shrug_right_ratio: m(0.5 * 0.7), ..upright() };
    let a = assess(&shrug, &baseline(), &Thresholds::default());
    let f = a.get(Problem::ShruggedShoulders).expect("assessed");
    assert_eq!((f.level, f.deviation.measure), (Level::Bad, MeasureKind::ShrugRightRatio));
    let nodding = Measures { head_pitch_deg: m(5.0 + 12.0), ..shrug };
    let a = assess(&nodding, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::ShruggedShoulders), Level::Ok);
}

#[test]
fn a_recorded_slouch_moves_the_thresholds() {
    let mut b = baseline();
    // The user's own slouch drops the head-height ratio by 30 %.
    let slouch = Measures { head_height_ratio: m(0.6 * 0.7), ..upright() };
    b.record_slouch(&[slouch], 1);
    let eleven = Measures { head_height_ratio: m(0.6 * 0.89), ..upright() };
    assert_eq!(assess(&eleven, &b, &Thresholds::default()).level(Problem::HeadDrop), Level::Ok);
    let sixteen = Measures { head_height_ratio: m(0.6 * 0.84), ..upright() };
    assert_eq!(
        assess(&sixteen, &b, &Thresholds::default()).level(Problem::HeadDrop),
        Level::Caution
    );
}

#[test]
fn problems_serialise_in_snake_case() {
    let text = serde_json::to_string(&Problem::ShruggedShoulders).expect("serialises");
    assert_eq!(text, "\"shrugged_shoulders\"");
    for p in Problem::ALL {
        assert_eq!(serde_json::to_string(&p).expect("serialises"), format!("\"{}\"", p.as_str()));
    }
}

/// The baseline with the level measures: ears 0.5 and shoulders 0.3 image diagonals above the
/// bottom edge, shoulders 0.4 diagonals wide, ear-to-shoulder height 0.5 shoulder widths.
fn level_baseline() -> Baseline {
    let mut b = baseline();
    for (kind, v) in [
        (MeasureKind::EarLevelRatio, 0.5),
        (MeasureKind::ShoulderLevelRatio, 0.3),
        (MeasureKind::ShoulderWidthRatio, 0.4),
        (MeasureKind::ShrugRatio, 0.5),
    ] {
        b.stats.insert(kind, stat(v));
    }
    b
}

fn level_upright() -> Measures {
    Measures {
        ear_level_ratio: m(0.5),
        shoulder_level_ratio: m(0.3),
        shoulder_width_ratio: m(0.4),
        shrug_ratio: m(0.5),
        ..upright()
    }
}

#[test]
fn the_level_baseline_itself_is_good() {
    let a = assess(&level_upright(), &level_baseline(), &Thresholds::default());
    assert!(a.is_good(), "{a:?}");
}

#[test]
fn a_slouch_sinks_head_and_shoulders_beyond_the_pitch() {
    // Ears 0.045 diagonals lower = 0.1125 shoulder widths = 22.5 % of the ear-to-shoulder height;
    // shoulders 0.03 diagonals (0.075 widths) lower.
    let slouch =
        Measures { ear_level_ratio: m(0.455), shoulder_level_ratio: m(0.27), ..level_upright() };
    let a = assess(&slouch, &level_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadDrop), Level::Bad);
    // The same with the head bent 15 deg: 0.108 widths of the sinking are the pitch's.
    let bent = Measures { head_pitch_deg: m(5.0 + 15.0), ..slouch };
    let a = assess(&bent, &level_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadDrop), Level::Ok);
    // A head that sinks while the shoulders stay is not a slouch.
    let jutting = Measures { shoulder_level_ratio: m(0.3), ..slouch };
    let a = assess(&jutting, &level_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadDrop), Level::Ok);
    // Nor while leaning in.
    let leaning = Measures { face_size_ratio: m(0.07 * 1.2), ..slouch };
    let a = assess(&leaning, &level_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadDrop), Level::Ok);
}

#[test]
fn rising_shoulders_are_a_shrug() {
    // 0.012 diagonals = 0.03 widths = 6 % of the ear-to-shoulder height: fine; 0.024 = 12 %.
    let small = Measures { shoulder_level_ratio: m(0.312), ..level_upright() };
    let a = assess(&small, &level_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::ShruggedShoulders), Level::Ok);
    let shrug = Measures { shoulder_level_ratio: m(0.324), ..level_upright() };
    let a = assess(&shrug, &level_baseline(), &Thresholds::default());
    let f = a.get(Problem::ShruggedShoulders).expect("assessed");
    assert_eq!((f.level, f.deviation.measure), (Level::Caution, MeasureKind::ShoulderLevelRatio));
    let bent = Measures { head_pitch_deg: m(5.0 + 12.0), ..shrug };
    let a = assess(&bent, &level_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::ShruggedShoulders), Level::Ok);
}

#[test]
fn tilts_wait_while_the_head_is_bent() {
    let tilted =
        Measures { head_tilt_deg: m(1.0 + 12.0), shoulder_tilt_deg: m(-1.0 + 7.0), ..upright() };
    let a = assess(&tilted, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadTilt), Level::Caution);
    assert_eq!(a.level(Problem::UnevenShoulders), Level::Caution);
    let bent = Measures { head_pitch_deg: m(5.0 + 12.0), ..tilted };
    let a = assess(&bent, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadTilt), Level::Ok);
    assert_eq!(a.level(Problem::UnevenShoulders), Level::Ok);
}

#[test]
fn a_shoulder_tilt_under_half_the_head_tilt_is_the_heads() {
    let measures =
        Measures { head_tilt_deg: m(1.0 + 14.0), shoulder_tilt_deg: m(-1.0 + 6.0), ..upright() };
    let a = assess(&measures, &baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::HeadTilt), Level::Caution);
    assert_eq!(a.level(Problem::UnevenShoulders), Level::Ok);
}

/// A baseline with the face mesh and the level and position measures: the angle models run.
fn mesh_baseline() -> Baseline {
    let mut b = baseline();
    for (kind, v) in [
        (MeasureKind::MeshPitchDeg, 20.0),
        (MeasureKind::MeshRollDeg, 2.0),
        (MeasureKind::MeshYawDeg, 0.0),
        (MeasureKind::MeshSizeRatio, 0.012),
        (MeasureKind::MeshFaceLogit, 12.0),
        (MeasureKind::ShoulderWidthRatio, 0.35),
        (MeasureKind::ShoulderLevelRatio, 0.25),
        (MeasureKind::EarLevelRatio, 0.45),
        (MeasureKind::EarXRatio, 0.4),
        (MeasureKind::ShoulderXRatio, 0.4),
    ] {
        b.stats.insert(kind, stat(v));
    }
    b
}

fn mesh_upright() -> Measures {
    Measures {
        mesh_pitch_deg: m(20.0),
        mesh_roll_deg: m(2.0),
        mesh_yaw_deg: m(0.0),
        mesh_size_ratio: m(0.012),
        mesh_face_logit: m(12.0),
        shoulder_width_ratio: m(0.35),
        shoulder_level_ratio: m(0.25),
        ear_level_ratio: m(0.45),
        ear_x_ratio: m(0.4),
        shoulder_x_ratio: m(0.4),
        ..upright()
    }
}

#[test]
fn with_the_face_mesh_the_baseline_itself_is_good_too() {
    let a = assess(&mesh_upright(), &mesh_baseline(), &Thresholds::default());
    for f in &a.findings {
        assert_eq!(f.level, Level::Ok, "{f:?}");
    }
}

#[test]
fn a_nod_seen_by_the_face_mesh_is_neck_flexion_in_degrees() {
    let nod = Measures { mesh_pitch_deg: m(20.0 + 25.0), ..mesh_upright() };
    let a = assess(&nod, &mesh_baseline(), &Thresholds::default());
    let f = a.get(Problem::NeckFlexion).expect("assessed");
    assert_eq!((f.level, f.deviation.measure), (Level::Bad, MeasureKind::MeshPitchDeg));
    assert!((15.0..30.0).contains(&f.deviation.value), "{f:?}");
    // The body keypoints' own pitch reading does not count any more.
    let body_only = Measures { head_pitch_deg: m(5.0 + 30.0), ..mesh_upright() };
    let a = assess(&body_only, &mesh_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::NeckFlexion), Level::Ok);
}

#[test]
fn a_face_turning_out_of_view_reads_as_a_deep_bend() {
    // Far down under a camera above the eyes the mesh loses the face: its pitch says little,
    // the falling face flag says the head went down.
    let lost = Measures { mesh_face_logit: m(-8.0), mesh_pitch_deg: m(20.0), ..mesh_upright() };
    let a = assess(&lost, &mesh_baseline(), &Thresholds::default());
    assert!(a.level(Problem::NeckFlexion) >= Level::Caution, "{a:?}");
}

#[test]
fn a_head_tilt_seen_by_the_face_mesh_counts_both_ways() {
    for d in [-12.0, 12.0] {
        let tilt = Measures { mesh_roll_deg: m(2.0 + d), ..mesh_upright() };
        let a = assess(&tilt, &mesh_baseline(), &Thresholds::default());
        let f = a.get(Problem::HeadTilt).expect("assessed");
        assert_eq!(f.level, Level::Caution, "{d}: {f:?}");
        assert_eq!(f.deviation.value.signum(), f32::signum(d));
    }
}

#[test]
fn with_the_face_mesh_the_shoulder_line_alone_raises_nothing() {
    let line = Measures { shoulder_tilt_deg: m(-1.0 + 12.0), ..mesh_upright() };
    let a = assess(&line, &mesh_baseline(), &Thresholds::default());
    assert_eq!(a.level(Problem::UnevenShoulders), Level::Ok);
    assert!(a.get(Problem::UnevenShoulders).is_some(), "still reported");
}
