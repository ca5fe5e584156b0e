use proptest::prelude::*;

use super::*;
use crate::pose::{KEYPOINT_COUNT, ModelKind, Pose};

const IMAGE_W: u32 = 640;
const IMAGE_H: u32 = 480;

/// A rigid head-and-shoulders model in centimetres: x to the person's left, y up, z towards
/// the camera, origin at the mid-point between the ears.
fn head_model() -> Vec<(KeypointName, [f32; 3])> {
    use KeypointName::*;
    vec![
        (LeftEar, [7.5, 0.0, 0.0]),
        (RightEar, [-7.5, 0.0, 0.0]),
        (LeftEye, [3.15, 1.0, 8.0]),
        (RightEye, [-3.15, 1.0, 8.0]),
        (Nose, [0.0, -2.5, 11.5]),
        (MouthLeft, [2.5, -6.0, 9.5]),
        (MouthRight, [-2.5, -6.0, 9.5]),
    ]
}

/// Shoulders 20 cm below and 3 cm behind the ears, 38 cm apart.
fn shoulders() -> Vec<(KeypointName, [f32; 3])> {
    vec![
        (KeypointName::LeftShoulder, [19.0, -20.0, -3.0]),
        (KeypointName::RightShoulder, [-19.0, -20.0, -3.0]),
    ]
}

fn rotate_pitch(p: [f32; 3], deg: f32) -> [f32; 3] {
    // Flexion: the face (z > 0) goes down.
    let (s, c) = deg.to_radians().sin_cos();
    [p[0], p[1] * c - p[2] * s, p[1] * s + p[2] * c]
}

fn rotate_roll(p: [f32; 3], deg: f32) -> [f32; 3] {
    // Positive: the person's left side goes up.
    let (s, c) = deg.to_radians().sin_cos();
    [p[0] * c - p[1] * s, p[0] * s + p[1] * c, p[2]]
}

/// Projects model points seen by a pinhole camera `distance_cm` in front of the ear mid-point,
/// at the height of the ears, unmirrored (the person's left appears on the image's right).
fn project(points: &[(KeypointName, [f32; 3])], distance_cm: f32) -> Pose {
    let f = CameraModel::default().focal_px(IMAGE_W, IMAGE_H);
    let mut pose = Pose::new(ModelKind::MoveNet, IMAGE_W, IMAGE_H, 1.0);
    for (name, [x, y, z]) in points {
        let depth = distance_cm - z;
        let u = IMAGE_W as f32 / 2.0 + f * x / depth;
        let v = IMAGE_H as f32 / 2.0 - f * y / depth;
        pose = pose.with(*name, u, v, 0.9);
    }
    pose
}

fn head_pose(pitch_deg: f32, roll_deg: f32, distance_cm: f32) -> Pose {
    let mut pts: Vec<_> = head_model()
        .into_iter()
        .map(|(k, p)| (k, rotate_roll(rotate_pitch(p, pitch_deg), roll_deg)))
        .collect();
    pts.extend(shoulders());
    project(&pts, distance_cm)
}

fn geometric() -> MeasureOptions {
    MeasureOptions::geometric(MIN_KEYPOINT_SCORE_MOVENET)
}

fn pitch(pose: &Pose) -> f32 {
    head_pitch_deg_of(pose, &geometric()).map(|m| m.value).unwrap_or(f32::NAN)
}

#[test]
fn pitch_of_a_rotated_head_model_comes_back() {
    for deg in [-15.0, 0.0, 10.0, 20.0, 30.0] {
        let got = pitch(&head_pose(deg, 0.0, 65.0));
        assert!((got - deg).abs() <= 2.0, "pitch {deg}: measured {got}");
    }
}

#[test]
fn pitch_without_mouth_degrades_gracefully() {
    let mut pose = head_pose(20.0, 0.0, 65.0);
    pose.set(KeypointName::MouthLeft, crate::pose::Keypoint { x: 0.0, y: 0.0, score: 0.0 });
    let got = pitch(&pose);
    assert!((got - 20.0).abs() <= 2.0, "measured {got}");
}

#[test]
fn pitch_ignores_head_roll() {
    let got = pitch(&head_pose(20.0, 15.0, 65.0));
    assert!((got - 20.0).abs() <= 2.0, "measured {got}");
}

#[test]
fn pitch_needs_both_ears() {
    let mut pose = head_pose(0.0, 0.0, 65.0);
    pose.set(KeypointName::LeftEar, crate::pose::Keypoint { x: 1.0, y: 1.0, score: 0.01 });
    assert!(measure_with(&pose, &CameraModel::default(), &geometric()).head_pitch_deg.is_none());
}

#[test]
fn a_smaller_face_response_reads_a_larger_pitch_change() {
    let (a, b) = (head_pose(0.0, 0.0, 65.0), head_pose(10.0, 0.0, 65.0));
    let half = MeasureOptions { face_response: 0.5, ..geometric() };
    let delta = |o: &MeasureOptions| {
        head_pitch_deg_of(&b, o).map(|m| m.value).unwrap_or(0.0)
            - head_pitch_deg_of(&a, o).map(|m| m.value).unwrap_or(0.0)
    };
    assert!(delta(&half) > 1.8 * delta(&geometric()));
}

#[test]
fn each_blazepose_model_reads_pitch_and_shoulders_through_its_own_responses() {
    let camera = CameraModel::default();
    let (mut a, mut b) = (head_pose(0.0, 0.0, 65.0), head_pose(10.0, 0.0, 65.0));
    let mut change = |kind: ModelKind| {
        a.model = kind;
        b.model = kind;
        let pitch = |p: &Pose| measure(p, &camera).head_pitch_deg.map(|m| m.value).unwrap_or(0.0);
        pitch(&b) - pitch(&a)
    };
    let (full, lite) = (change(ModelKind::BlazePose), change(ModelKind::BlazePoseLite));
    let expected = BLAZEPOSE_FACE_RESPONSE / BLAZEPOSE_LITE_FACE_RESPONSE;
    assert!((lite / full - expected).abs() < 1e-3, "lite {lite} full {full}");
    let lite = MeasureOptions::for_model(ModelKind::BlazePoseLite);
    assert_eq!(lite.shoulder_tilt_response, BLAZEPOSE_LITE_SHOULDER_TILT_RESPONSE);
    assert_eq!(lite.min_keypoint_score, MIN_KEYPOINT_SCORE_BLAZEPOSE);
}

#[test]
fn tilt_of_a_rolled_head_model_comes_back() {
    for deg in [-10.0, 10.0, 20.0] {
        let m = measure_with(&head_pose(0.0, deg, 65.0), &CameraModel::default(), &geometric());
        let got = m.head_tilt_deg.map(|m| m.value).unwrap_or(f32::NAN);
        assert!((got - deg).abs() <= 1.0, "tilt {deg}: measured {got}");
    }
}

#[test]
fn distance_of_a_head_model_comes_back() {
    for cm in [45.0, 65.0, 90.0] {
        let m = measure_with(&head_pose(0.0, 0.0, cm), &CameraModel::default(), &geometric());
        // The eyes sit 8 cm in front of the ears, where the model camera is placed.
        let got = m.distance_cm.map(|m| m.value).unwrap_or(f32::NAN);
        assert!((got - (cm - 8.0)).abs() <= 1.0, "distance {cm}: measured {got}");
    }
}

#[test]
fn level_shoulders_have_no_tilt_and_equal_shrug() {
    let m = measure_with(&head_pose(0.0, 0.0, 65.0), &CameraModel::default(), &geometric());
    let tilt = m.shoulder_tilt_deg.map(|m| m.value).unwrap_or(f32::NAN);
    assert!(tilt.abs() < 1e-3);
    let (l, r) = (m.shrug_left_ratio.map(|m| m.value), m.shrug_right_ratio.map(|m| m.value));
    assert!(l.is_some() && l == r);
    assert!(m.head_height_ratio.map(|m| m.value).unwrap_or(0.0) > 0.3);
}

#[test]
fn a_dropped_head_lowers_the_head_height_ratio() {
    let camera = CameraModel::default();
    let up = measure_with(&head_pose(0.0, 0.0, 65.0), &camera, &geometric());
    let down = measure_with(&head_pose(25.0, 0.0, 65.0), &camera, &geometric());
    let ratio = |m: &Measures| m.head_height_ratio.map(|m| m.value).unwrap_or(f32::NAN);
    assert!(ratio(&down) < ratio(&up));
}

#[test]
fn raised_shoulders_raise_the_shoulder_level_by_the_response() {
    let camera = CameraModel::default();
    let pose = head_pose(0.0, 0.0, 65.0);
    let raised = {
        let mut p = pose.clone();
        for name in [KeypointName::LeftShoulder, KeypointName::RightShoulder] {
            let k = p.get(name).expect("shoulder");
            p.set(name, crate::pose::Keypoint { y: k.y - 24.0, ..k });
        }
        p
    };
    let level = |p: &Pose, o: &MeasureOptions| {
        measure_with(p, &camera, o).shoulder_level_ratio.map(|m| m.value).unwrap_or(f32::NAN)
    };
    let diagonal = (IMAGE_W as f32).hypot(IMAGE_H as f32);
    let rise = level(&raised, &geometric()) - level(&pose, &geometric());
    assert!((rise - 24.0 / diagonal).abs() < 1e-5, "{rise}");
    let half = MeasureOptions { shoulder_rise_response: 0.5, ..geometric() };
    let rise_half = level(&raised, &half) - level(&pose, &half);
    assert!((rise_half - 2.0 * rise).abs() < 1e-5, "{rise_half}");
    // The ears did not move.
    let ears = |p: &Pose| measure_with(p, &camera, &geometric()).ear_level_ratio;
    assert_eq!(ears(&raised), ears(&pose));
}

#[test]
fn a_smaller_roll_response_reads_a_larger_tilt() {
    let camera = CameraModel::default();
    let pose = head_pose(0.0, 6.0, 65.0);
    let tilt = |o: &MeasureOptions| {
        measure_with(&pose, &camera, o).head_tilt_deg.map(|m| m.value).unwrap_or(f32::NAN)
    };
    let half = MeasureOptions { roll_response: 0.5, ..geometric() };
    assert!((tilt(&half) - 2.0 * tilt(&geometric())).abs() < 1e-3);
}

#[test]
fn low_scores_leave_measures_empty() {
    let pose = head_pose(0.0, 0.0, 65.0).map_points(None, |x, y| (x, y));
    let strict = MeasureOptions::geometric(0.95);
    let m = measure_with(&pose, &CameraModel::default(), &strict);
    assert_eq!(m, Measures::default());
}

#[test]
fn blazepose_world_coordinates_give_trunk_lean() {
    let mut pose = head_pose(0.0, 0.0, 65.0).with(KeypointName::LeftHip, 400.0, 470.0, 0.3).with(
        KeypointName::RightHip,
        240.0,
        470.0,
        0.3,
    );
    let mut world = [crate::pose::WorldPoint { x: 0.0, y: 0.0, z: 0.0 }; KEYPOINT_COUNT];
    let lean = 15f32.to_radians();
    let set = |w: &mut [crate::pose::WorldPoint; KEYPOINT_COUNT], k: KeypointName, x: f32| {
        w[k.index()] = crate::pose::WorldPoint { x, y: -0.5 * lean.cos(), z: -0.5 * lean.sin() };
    };
    set(&mut world, KeypointName::LeftShoulder, 0.19);
    set(&mut world, KeypointName::RightShoulder, -0.19);
    world[KeypointName::LeftHip.index()] = crate::pose::WorldPoint { x: 0.1, y: 0.0, z: 0.0 };
    world[KeypointName::RightHip.index()] = crate::pose::WorldPoint { x: -0.1, y: 0.0, z: 0.0 };
    pose.set_world(world);
    let m = measure_with(&pose, &CameraModel::default(), &geometric());
    let got = m.trunk_lean_deg.map(|m| m.value).unwrap_or(f32::NAN);
    assert!((got - 15.0).abs() < 0.01, "measured {got}");
    let ratio = m.shoulder_protraction_ratio.map(|m| m.value).unwrap_or(f32::NAN);
    assert!((ratio - 1.9).abs() < 0.01);
    assert!(m.shoulder_protraction_ratio.is_some_and(|m| (m.quality - 0.3).abs() < 1e-6));
}

fn close(a: Option<Measure>, b: Option<Measure>, tol: f32) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a.value - b.value).abs() <= tol * (1.0 + a.value.abs()),
        _ => false,
    }
}

fn negated(m: Option<Measure>) -> Option<Measure> {
    m.map(|m| Measure { value: -m.value, ..m })
}

/// Every measure except the tilts, the per-side shrugs and the horizontal positions must be
/// equal; these must match after the expected transformation.
fn assert_mirror_consistent(
    a: &Measures,
    b: &Measures,
    width_ratio: f32,
) -> Result<(), TestCaseError> {
    for kind in MeasureKind::ALL {
        let expected = match kind {
            MeasureKind::HeadTiltDeg
            | MeasureKind::ShoulderTiltDeg
            | MeasureKind::MeshRollDeg
            | MeasureKind::MeshYawDeg => negated(a.get(kind)),
            MeasureKind::EarXRatio | MeasureKind::ShoulderXRatio => {
                a.get(kind).map(|m| Measure { value: width_ratio - m.value, ..m })
            }
            MeasureKind::ShrugLeftRatio => a.shrug_right_ratio,
            MeasureKind::ShrugRightRatio => a.shrug_left_ratio,
            _ => a.get(kind),
        };
        prop_assert!(
            close(expected, b.get(kind), 1e-3),
            "{kind:?}: {expected:?} vs {:?}",
            b.get(kind)
        );
    }
    Ok(())
}

/// The level ratios are positions in the image: every other measure ignores translation.
fn assert_equal_but_levels(a: &Measures, b: &Measures) -> Result<(), TestCaseError> {
    let position = [
        MeasureKind::EarLevelRatio,
        MeasureKind::ShoulderLevelRatio,
        MeasureKind::EarXRatio,
        MeasureKind::ShoulderXRatio,
    ];
    for kind in MeasureKind::ALL.into_iter().filter(|k| !position.contains(k)) {
        prop_assert!(
            close(a.get(kind), b.get(kind), 1e-3),
            "{kind:?}: {:?} vs {:?}",
            a.get(kind),
            b.get(kind)
        );
    }
    Ok(())
}

fn assert_equal(a: &Measures, b: &Measures) -> Result<(), TestCaseError> {
    for kind in MeasureKind::ALL {
        prop_assert!(
            close(a.get(kind), b.get(kind), 1e-3),
            "{kind:?}: {:?} vs {:?}",
            a.get(kind),
            b.get(kind)
        );
    }
    Ok(())
}

prop_compose! {
    fn any_pose()(pitch in -30f32..40.0, roll in -25f32..25.0, distance in 40f32..120.0,
                  jitter in proptest::collection::vec((-6f32..6.0, -6f32..6.0), 9),
                  with_world in any::<bool>()) -> Pose {
        let mut pose = head_pose(pitch, roll, distance);
        let names = [KeypointName::LeftEar, KeypointName::RightEar, KeypointName::LeftEye,
            KeypointName::RightEye, KeypointName::Nose, KeypointName::MouthLeft,
            KeypointName::MouthRight, KeypointName::LeftShoulder, KeypointName::RightShoulder];
        for (name, (dx, dy)) in names.into_iter().zip(jitter) {
            if let Some(p) = pose.get(name) {
                pose.set(name, crate::pose::Keypoint { x: p.x + dx, y: p.y + dy, ..p });
            }
        }
        if with_world {
            let mut world = [crate::pose::WorldPoint { x: 0.0, y: 0.0, z: 0.0 }; KEYPOINT_COUNT];
            for (i, w) in world.iter_mut().enumerate() {
                *w = crate::pose::WorldPoint { x: (i as f32 * 0.37).sin() * 0.2,
                    y: -0.5 + (i as f32 * 0.11).cos() * 0.1, z: (i as f32 * 0.7).cos() * 0.1 };
            }
            world[KeypointName::LeftHip.index()].y = 0.0;
            world[KeypointName::RightHip.index()].y = 0.0;
            pose = pose.with(KeypointName::LeftHip, 400.0, 470.0, 0.6)
                .with(KeypointName::RightHip, 240.0, 470.0, 0.6);
            pose.set_world(world);
        }
        pose
    }
}

proptest! {
    #[test]
    fn measures_ignore_translation(pose in any_pose(), dx in -200f32..200.0, dy in -200f32..200.0) {
        let camera = CameraModel::default();
        let moved = pose.map_points(None, |x, y| (x + dx, y + dy));
        assert_equal_but_levels(&measure(&pose, &camera), &measure(&moved, &camera))?;
    }

    #[test]
    fn measures_ignore_image_scale(pose in any_pose(), n in 40u32..640) {
        // Sizes 4n x 3n keep the 640x480 aspect exactly: the same picture, n/160 times as big.
        let camera = CameraModel::default();
        let scale = n as f32 / 160.0;
        let scaled = pose.map_points(Some((4 * n, 3 * n)), |x, y| (x * scale, y * scale));
        assert_equal(&measure(&pose, &camera), &measure(&scaled, &camera))?;
    }

    #[test]
    fn measures_are_mirror_consistent(pose in any_pose()) {
        let camera = CameraModel::default();
        let width_ratio = pose.image_width as f32 / (pose.image_width as f32).hypot(pose.image_height as f32);
        assert_mirror_consistent(&measure(&pose, &camera), &measure(&pose.mirrored(), &camera), width_ratio)?;
    }

    #[test]
    fn blazepose_measures_are_mirror_consistent(pose in any_pose()) {
        let mut pose = pose;
        pose.model = ModelKind::BlazePose;
        let camera = CameraModel::default();
        let width_ratio = pose.image_width as f32 / (pose.image_width as f32).hypot(pose.image_height as f32);
        assert_mirror_consistent(&measure(&pose, &camera), &measure(&pose.mirrored(), &camera), width_ratio)?;
    }
}
