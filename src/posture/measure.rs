//! Measures: angles and ratios computed from one [`Pose`], with no state and no thresholds.
//!
//! Every measure is invariant to the image size (scale), and all but the two level ratios
//! ([`Measures::ear_level_ratio`], [`Measures::shoulder_level_ratio`], which are positions) to
//! where the person sits in the frame (translation); mirroring the image (left and right
//! swapped) flips the sign of the tilt angles and swaps the per-side values, and leaves
//! everything else unchanged. Image
//! coordinates are pixels with y growing downward; "left" is the person's left.
//!
//! A frontal webcam cannot see the sagittal-plane angles that ergonomics standards use, so
//! these are proxies meant to be compared with the user's own calibrated baseline
//! (`docs/research/ergonomics.md` §1.6).

use serde::{Deserialize, Serialize};

use crate::pose::{KeypointName, ModelKind, Pose, WorldPoint};

/// Lowest BlazePose visibility for a keypoint to be used (face and shoulders of a person at a
/// desk score close to 1.0; occluded points fall well below this).
pub const MIN_KEYPOINT_SCORE_BLAZEPOSE: f32 = 0.5;
/// Lowest MoveNet score for a keypoint to be used (MoveNet's scores on clearly visible points
/// run 0.3-0.8).
pub const MIN_KEYPOINT_SCORE_MOVENET: f32 = 0.25;

/// Mean adult interpupillary distance (Dodgson 2004: 63 mm, s.d. about 3.5 mm).
pub const INTERPUPILLARY_MM: f32 = 63.0;
/// Diagonal field of view of a typical laptop or USB webcam.
pub const DEFAULT_DIAGONAL_FOV_DEG: f32 = 70.0;

/// Where a face landmark sits relative to the mid-point between the ears of an upright head
/// (Frankfort plane horizontal), in units of the inter-eye distance: `forward` towards the
/// face, `up` towards the crown. Approximate adult anthropometry (tragion to exocanthion about
/// 8 cm deep, tragion to nose tip about 11.5 cm deep and 3.5 cm below the pupils, mouth
/// corners about 7 cm below the pupils) divided by the 6.3 cm interpupillary distance.
#[derive(Debug, Clone, Copy)]
struct FaceDepth {
    forward: f32,
    up: f32,
}

const EYE_DEPTH: FaceDepth = FaceDepth { forward: 8.0 / 6.3, up: 1.0 / 6.3 };
const NOSE_DEPTH: FaceDepth = FaceDepth { forward: 11.5 / 6.3, up: -2.5 / 6.3 };
const MOUTH_DEPTH: FaceDepth = FaceDepth { forward: 9.5 / 6.3, up: -6.0 / 6.3 };

/// How far BlazePose's face keypoints move, relative to the ear keypoints, compared with rigid
/// head geometry when the head pitches. The landmark model places the ears partly from the
/// face's appearance, so they follow the face: on the labelled renders of the dev clip (not the
/// static test images) the geometric pitch estimate changed 0.48 times as much as the true head
/// pitch (least squares through the origin over 210 frames, changes up to 40 deg), rounded to
/// one half. The pitch estimate divides by it (see [`head_pitch_deg_of`]).
pub const BLAZEPOSE_FACE_RESPONSE: f32 = 0.5;
/// The same for BlazePose lite, whose face keypoints follow the head further. Fitted like the
/// full model's other factors: 0.56 over subject `m_young`'s 50 assessed static renders (least
/// squares through the origin against the true head pitch change), 0.47 on subject `f_young`'s
/// 52, rounded to 0.55. With the same fit the full model gives 0.51 and 0.46, which
/// [`BLAZEPOSE_FACE_RESPONSE`] agrees with; on the dev clip lite's estimate moves 1.26 times as
/// far as full's.
///
/// Lite's other factors are the full model's where the two subjects disagree on lite's own: its
/// eye line turns 0.29 (`m_young`) and 0.37 (`f_young`) times the true roll, and its shoulders
/// rise 0.94 and 0.18 times a shrug.
pub const BLAZEPOSE_LITE_FACE_RESPONSE: f32 = 0.55;
/// BlazePose lite's shoulder line when one shoulder drops: 0.44 on subject `m_young`'s 6
/// shoulder-tilt renders, 0.46 on subject `f_young`'s, rounded to 0.45.
pub const BLAZEPOSE_LITE_SHOULDER_TILT_RESPONSE: f32 = 0.45;
/// The same for MoveNet: not measured, taken as rigid geometry.
pub const MOVENET_FACE_RESPONSE: f32 = 1.0;

/// How far BlazePose's eye line turns when the head tilts sideways, compared with the true head
/// roll. The landmark model keeps the head partly aligned with the body: on the labelled static
/// renders (`tests/data/static/`) the eye-line tilt changed 0.40 times as much as the true eye
/// line for one subject (least squares through the origin over the 8 head-tilt images of
/// subject `m_young`, true tilts 10-22 deg) and 0.42 times for the other (checked on subject
/// `f_young`), rounded to 0.4. [`head_tilt_deg`](Measures::head_tilt_deg) divides by it.
pub const BLAZEPOSE_ROLL_RESPONSE: f32 = 0.4;
/// The same for the shoulder line when one shoulder drops: 0.42 on subject `m_young`'s 6
/// shoulder-tilt renders, 0.38 on subject `f_young`'s, rounded to 0.4.
/// [`shoulder_tilt_deg`](Measures::shoulder_tilt_deg) divides by it.
pub const BLAZEPOSE_SHOULDER_TILT_RESPONSE: f32 = 0.4;
/// How far BlazePose's shoulder keypoints rise when the shoulders are raised (shrug), compared
/// with the true shoulders: 0.72 on subject `m_young`'s 6 shrug renders, 0.64 on subject
/// `f_young`'s, rounded to 0.7. [`shoulder_level_ratio`](Measures::shoulder_level_ratio)
/// divides by it.
pub const BLAZEPOSE_SHOULDER_RISE_RESPONSE: f32 = 0.7;

/// The lowest score a backend's keypoint needs to be used.
pub fn min_keypoint_score(model: ModelKind) -> f32 {
    match model {
        ModelKind::BlazePose | ModelKind::BlazePoseLite => MIN_KEYPOINT_SCORE_BLAZEPOSE,
        ModelKind::MoveNet => MIN_KEYPOINT_SCORE_MOVENET,
    }
}

/// Settings of [`measure_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureOptions {
    /// Keypoints scoring below this are not used.
    pub min_keypoint_score: f32,
    /// The backend's face keypoint response to head pitch (1.0: rigid geometry).
    pub face_response: f32,
    /// The backend's eye-line response to sideways head tilt (1.0: rigid geometry).
    pub roll_response: f32,
    /// The backend's shoulder-line response to one shoulder dropping (1.0: geometry).
    pub shoulder_tilt_response: f32,
    /// The backend's shoulder response to the shoulders rising (1.0: geometry).
    pub shoulder_rise_response: f32,
}

impl MeasureOptions {
    /// The defaults for a backend.
    pub fn for_model(model: ModelKind) -> MeasureOptions {
        let min_keypoint_score = min_keypoint_score(model);
        match model {
            ModelKind::BlazePose => MeasureOptions {
                min_keypoint_score,
                face_response: BLAZEPOSE_FACE_RESPONSE,
                roll_response: BLAZEPOSE_ROLL_RESPONSE,
                shoulder_tilt_response: BLAZEPOSE_SHOULDER_TILT_RESPONSE,
                shoulder_rise_response: BLAZEPOSE_SHOULDER_RISE_RESPONSE,
            },
            ModelKind::BlazePoseLite => MeasureOptions {
                min_keypoint_score,
                face_response: BLAZEPOSE_LITE_FACE_RESPONSE,
                roll_response: BLAZEPOSE_ROLL_RESPONSE,
                shoulder_tilt_response: BLAZEPOSE_LITE_SHOULDER_TILT_RESPONSE,
                shoulder_rise_response: BLAZEPOSE_SHOULDER_RISE_RESPONSE,
            },
            // MoveNet's responses are not measured: taken as geometry.
            ModelKind::MoveNet => MeasureOptions {
                face_response: MOVENET_FACE_RESPONSE,
                ..MeasureOptions::geometric(min_keypoint_score)
            },
        }
    }

    /// Plain geometry: every keypoint scoring at least `min_keypoint_score`, every response
    /// 1.0 (rigid face, keypoints that move as the body does).
    pub fn geometric(min_keypoint_score: f32) -> MeasureOptions {
        MeasureOptions {
            min_keypoint_score,
            face_response: 1.0,
            roll_response: 1.0,
            shoulder_tilt_response: 1.0,
            shoulder_rise_response: 1.0,
        }
    }
}

/// What the measures need to know about the camera.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CameraModel {
    /// Diagonal field of view in degrees (webcam data sheets quote the diagonal one).
    pub diagonal_fov_deg: f32,
}

impl Default for CameraModel {
    fn default() -> Self {
        CameraModel { diagonal_fov_deg: DEFAULT_DIAGONAL_FOV_DEG }
    }
}

impl CameraModel {
    /// Focal length in pixels for an image of the given size (pinhole camera, square pixels):
    /// half the image diagonal over the tangent of half the diagonal field of view.
    pub fn focal_px(&self, width: u32, height: u32) -> f32 {
        let diagonal = (width as f32).hypot(height as f32);
        let half_fov = (self.diagonal_fov_deg.clamp(1.0, 179.0) / 2.0).to_radians();
        diagonal / 2.0 / half_fov.tan()
    }
}

/// One measured value and how much to trust it: the lowest score of the keypoints it used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub value: f32,
    pub quality: f32,
}

impl Measure {
    fn new(value: f32, quality: f32) -> Option<Measure> {
        value.is_finite().then_some(Measure { value, quality })
    }
}

/// Every measure of one pose; each is `None` when its keypoints are not visible enough.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// Head pitch in degrees, positive looking down (flexion); see [`head_pitch_deg`].
    pub head_pitch_deg: Option<Measure>,
    /// Height of the ears and eyes above the shoulders, over the shoulder width. Falls when
    /// the head drops towards the shoulders (slouching).
    pub head_height_ratio: Option<Measure>,
    /// Inter-eye distance over shoulder width. Rises when the head moves forward more than
    /// the shoulders (forward head).
    pub face_scale_ratio: Option<Measure>,
    /// Inter-eye distance in pixels over the image diagonal. Rises when the face comes closer.
    pub face_size_ratio: Option<Measure>,
    /// Estimated eye-to-camera distance in centimetres; see [`distance_cm`].
    pub distance_cm: Option<Measure>,
    /// Angle of the eye line in degrees, positive when the person's left eye is higher,
    /// divided by the backend's roll response ([`BLAZEPOSE_ROLL_RESPONSE`]).
    pub head_tilt_deg: Option<Measure>,
    /// Angle of the shoulder line in degrees, positive when the left shoulder is higher,
    /// divided by the backend's shoulder-tilt response
    /// ([`BLAZEPOSE_SHOULDER_TILT_RESPONSE`]).
    pub shoulder_tilt_deg: Option<Measure>,
    /// Vertical ear-to-shoulder distance of the left side over shoulder width. Falls when the
    /// shoulder is raised.
    pub shrug_left_ratio: Option<Measure>,
    /// The same for the right side.
    pub shrug_right_ratio: Option<Measure>,
    /// Mean of both sides.
    pub shrug_ratio: Option<Measure>,
    /// Forward lean of the trunk (hip centre to shoulder centre) from vertical in degrees,
    /// positive towards the camera; BlazePose world coordinates only.
    pub trunk_lean_deg: Option<Measure>,
    /// 3D shoulder width over 3D hip width (BlazePose world coordinates); falls when the
    /// shoulders round forward. A weak signal: the model's depth is a learned guess.
    pub shoulder_protraction_ratio: Option<Measure>,
    /// Height of the mid-point between the ears above the image's bottom edge, over the image
    /// diagonal. A position, not a shape: unlike the other measures it changes when the person
    /// moves in the frame, and is compared with a baseline from the same fixed camera. Falls
    /// when the head sinks (slouching, looking down).
    pub ear_level_ratio: Option<Measure>,
    /// The same for the mid-point between the shoulders, divided by the backend's shoulder
    /// rise response ([`BLAZEPOSE_SHOULDER_RISE_RESPONSE`]). Rises with a shrug, falls with a
    /// slouch.
    pub shoulder_level_ratio: Option<Measure>,
    /// Shoulder width over the image diagonal: the unit the level changes are expressed in.
    pub shoulder_width_ratio: Option<Measure>,
    /// Horizontal position of the mid-point between the ears over the image diagonal (a
    /// position, compared with the same camera's baseline): moves with a sideways lean.
    pub ear_x_ratio: Option<Measure>,
    /// The same for the mid-point between the shoulders.
    pub shoulder_x_ratio: Option<Measure>,
    /// Head pitch from the face mesh's rigid fit, degrees, positive looking down, as the
    /// camera sees it; quality is the mesh's face score.
    pub mesh_pitch_deg: Option<Measure>,
    /// Head roll from the face mesh, degrees, positive when the person's left eye is higher
    /// (the sign of [`head_tilt_deg`](Measures::head_tilt_deg)).
    pub mesh_roll_deg: Option<Measure>,
    /// Head yaw from the face mesh, degrees.
    pub mesh_yaw_deg: Option<Measure>,
    /// Size of the fitted canonical face (pixels per centimetre) over the image diagonal:
    /// grows as the face comes closer.
    pub mesh_size_ratio: Option<Measure>,
    /// The face mesh's face flag before the sigmoid: high with the face in view, falling as
    /// the face turns away from the camera (far down under a camera above the eyes).
    pub mesh_face_logit: Option<Measure>,
}

/// Names for each measure, for baselines, tables and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    HeadPitchDeg,
    HeadHeightRatio,
    FaceScaleRatio,
    FaceSizeRatio,
    DistanceCm,
    HeadTiltDeg,
    ShoulderTiltDeg,
    ShrugLeftRatio,
    ShrugRightRatio,
    ShrugRatio,
    TrunkLeanDeg,
    ShoulderProtractionRatio,
    EarLevelRatio,
    ShoulderLevelRatio,
    ShoulderWidthRatio,
    EarXRatio,
    ShoulderXRatio,
    MeshPitchDeg,
    MeshRollDeg,
    MeshYawDeg,
    MeshSizeRatio,
    MeshFaceLogit,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 22] = [
        MeasureKind::HeadPitchDeg,
        MeasureKind::HeadHeightRatio,
        MeasureKind::FaceScaleRatio,
        MeasureKind::FaceSizeRatio,
        MeasureKind::DistanceCm,
        MeasureKind::HeadTiltDeg,
        MeasureKind::ShoulderTiltDeg,
        MeasureKind::ShrugLeftRatio,
        MeasureKind::ShrugRightRatio,
        MeasureKind::ShrugRatio,
        MeasureKind::TrunkLeanDeg,
        MeasureKind::ShoulderProtractionRatio,
        MeasureKind::EarLevelRatio,
        MeasureKind::ShoulderLevelRatio,
        MeasureKind::ShoulderWidthRatio,
        MeasureKind::EarXRatio,
        MeasureKind::ShoulderXRatio,
        MeasureKind::MeshPitchDeg,
        MeasureKind::MeshRollDeg,
        MeasureKind::MeshYawDeg,
        MeasureKind::MeshSizeRatio,
        MeasureKind::MeshFaceLogit,
    ];

    /// The snake_case name (as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::HeadPitchDeg => "head_pitch_deg",
            MeasureKind::HeadHeightRatio => "head_height_ratio",
            MeasureKind::FaceScaleRatio => "face_scale_ratio",
            MeasureKind::FaceSizeRatio => "face_size_ratio",
            MeasureKind::DistanceCm => "distance_cm",
            MeasureKind::HeadTiltDeg => "head_tilt_deg",
            MeasureKind::ShoulderTiltDeg => "shoulder_tilt_deg",
            MeasureKind::ShrugLeftRatio => "shrug_left_ratio",
            MeasureKind::ShrugRightRatio => "shrug_right_ratio",
            MeasureKind::ShrugRatio => "shrug_ratio",
            MeasureKind::TrunkLeanDeg => "trunk_lean_deg",
            MeasureKind::ShoulderProtractionRatio => "shoulder_protraction_ratio",
            MeasureKind::EarLevelRatio => "ear_level_ratio",
            MeasureKind::ShoulderLevelRatio => "shoulder_level_ratio",
            MeasureKind::ShoulderWidthRatio => "shoulder_width_ratio",
            MeasureKind::EarXRatio => "ear_x_ratio",
            MeasureKind::ShoulderXRatio => "shoulder_x_ratio",
            MeasureKind::MeshPitchDeg => "mesh_pitch_deg",
            MeasureKind::MeshRollDeg => "mesh_roll_deg",
            MeasureKind::MeshYawDeg => "mesh_yaw_deg",
            MeasureKind::MeshSizeRatio => "mesh_size_ratio",
            MeasureKind::MeshFaceLogit => "mesh_face_logit",
        }
    }

    /// The measure's unit.
    pub fn unit(self) -> Unit {
        match self {
            MeasureKind::HeadPitchDeg
            | MeasureKind::HeadTiltDeg
            | MeasureKind::ShoulderTiltDeg
            | MeasureKind::TrunkLeanDeg
            | MeasureKind::MeshPitchDeg
            | MeasureKind::MeshRollDeg
            | MeasureKind::MeshYawDeg => Unit::Deg,
            MeasureKind::DistanceCm => Unit::Cm,
            _ => Unit::Ratio,
        }
    }
}

/// Units of measures and deviations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Deg,
    Cm,
    /// A dimensionless ratio.
    Ratio,
    /// A relative change, as a fraction of the baseline value (0.1 = 10 %).
    Fraction,
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unit::Deg => "deg",
            Unit::Cm => "cm",
            Unit::Ratio => "",
            Unit::Fraction => "%",
        })
    }
}

impl Measures {
    /// One measure by name.
    pub fn get(&self, kind: MeasureKind) -> Option<Measure> {
        match kind {
            MeasureKind::HeadPitchDeg => self.head_pitch_deg,
            MeasureKind::HeadHeightRatio => self.head_height_ratio,
            MeasureKind::FaceScaleRatio => self.face_scale_ratio,
            MeasureKind::FaceSizeRatio => self.face_size_ratio,
            MeasureKind::DistanceCm => self.distance_cm,
            MeasureKind::HeadTiltDeg => self.head_tilt_deg,
            MeasureKind::ShoulderTiltDeg => self.shoulder_tilt_deg,
            MeasureKind::ShrugLeftRatio => self.shrug_left_ratio,
            MeasureKind::ShrugRightRatio => self.shrug_right_ratio,
            MeasureKind::ShrugRatio => self.shrug_ratio,
            MeasureKind::TrunkLeanDeg => self.trunk_lean_deg,
            MeasureKind::ShoulderProtractionRatio => self.shoulder_protraction_ratio,
            MeasureKind::EarLevelRatio => self.ear_level_ratio,
            MeasureKind::ShoulderLevelRatio => self.shoulder_level_ratio,
            MeasureKind::ShoulderWidthRatio => self.shoulder_width_ratio,
            MeasureKind::EarXRatio => self.ear_x_ratio,
            MeasureKind::ShoulderXRatio => self.shoulder_x_ratio,
            MeasureKind::MeshPitchDeg => self.mesh_pitch_deg,
            MeasureKind::MeshRollDeg => self.mesh_roll_deg,
            MeasureKind::MeshYawDeg => self.mesh_yaw_deg,
            MeasureKind::MeshSizeRatio => self.mesh_size_ratio,
            MeasureKind::MeshFaceLogit => self.mesh_face_logit,
        }
    }

    /// The measures that could be computed, by name.
    pub fn iter(&self) -> impl Iterator<Item = (MeasureKind, Measure)> + '_ {
        MeasureKind::ALL.into_iter().filter_map(|k| self.get(k).map(|m| (k, m)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct P {
    x: f32,
    y: f32,
    score: f32,
}

impl P {
    fn mid(a: P, b: P) -> P {
        P { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0, score: a.score.min(b.score) }
    }
    fn dist(a: P, b: P) -> f32 {
        (a.x - b.x).hypot(a.y - b.y)
    }
}

/// The visible keypoints a measure may use.
struct Points<'a> {
    pose: &'a Pose,
    min_score: f32,
}

impl Points<'_> {
    fn get(&self, name: KeypointName) -> Option<P> {
        self.pose.visible(name, self.min_score).and_then(|k| {
            (k.x.is_finite() && k.y.is_finite()).then_some(P { x: k.x, y: k.y, score: k.score })
        })
    }
    fn pair(&self, left: KeypointName, right: KeypointName) -> Option<(P, P)> {
        Some((self.get(left)?, self.get(right)?))
    }
}

/// All measures of `pose`, with the backend's default [`MeasureOptions`].
pub fn measure(pose: &Pose, camera: &CameraModel) -> Measures {
    measure_with(pose, camera, &MeasureOptions::for_model(pose.model))
}

/// All measures of `pose`.
pub fn measure_with(pose: &Pose, camera: &CameraModel, options: &MeasureOptions) -> Measures {
    use KeypointName::*;
    let pts = Points { pose, min_score: options.min_keypoint_score };
    let shoulders = pts.pair(LeftShoulder, RightShoulder);
    let shoulder_width = shoulders.map(|(l, r)| P::dist(l, r)).filter(|w| *w > f32::EPSILON);
    let eyes = pts.pair(LeftEye, RightEye);
    let iod = eyes.map(|(l, r)| P::dist(l, r)).filter(|d| *d > f32::EPSILON);
    let ears = pts.pair(LeftEar, RightEar);

    let head_height_ratio = shoulders.zip(shoulder_width).and_then(|((ls, rs), sw)| {
        let base = P::mid(ls, rs);
        let refs: Vec<P> = [ears, eyes].into_iter().flatten().map(|(l, r)| P::mid(l, r)).collect();
        if refs.is_empty() {
            return None;
        }
        let height = refs.iter().map(|p| base.y - p.y).sum::<f32>() / refs.len() as f32;
        let quality = refs.iter().map(|p| p.score).fold(base.score, f32::min);
        Measure::new(height / sw, quality)
    });

    let face_scale_ratio = eyes.zip(iod).zip(shoulders.zip(shoulder_width)).and_then(
        |(((le, re), iod), ((ls, rs), sw))| {
            Measure::new(iod / sw, le.score.min(re.score).min(ls.score).min(rs.score))
        },
    );
    let diagonal = (pose.image_width as f32).hypot(pose.image_height as f32);
    let face_size_ratio = eyes.zip(iod).and_then(|((le, re), iod)| {
        (diagonal > 0.0).then(|| Measure::new(iod / diagonal, le.score.min(re.score))).flatten()
    });

    let head_tilt_deg = eyes.and_then(|(l, r)| {
        Measure::new(line_tilt_deg(l, r) / response(options.roll_response), l.score.min(r.score))
    });
    let shoulder_tilt_deg = shoulders.and_then(|(l, r)| {
        Measure::new(
            line_tilt_deg(l, r) / response(options.shoulder_tilt_response),
            l.score.min(r.score),
        )
    });
    // Heights above the bottom edge, in image diagonals (scale-free, mirror-free).
    let level = |p: P| {
        (diagonal > 0.0)
            .then(|| Measure::new((pose.image_height as f32 - p.y) / diagonal, p.score))
            .flatten()
    };
    let ear_level_ratio = ears.and_then(|(l, r)| level(P::mid(l, r)));
    let shoulder_level_ratio = shoulders.and_then(|(l, r)| {
        level(P::mid(l, r))
            .map(|m| Measure { value: m.value / response(options.shoulder_rise_response), ..m })
    });
    let shoulder_width_ratio = shoulders.zip(shoulder_width).and_then(|((l, r), sw)| {
        (diagonal > 0.0).then(|| Measure::new(sw / diagonal, l.score.min(r.score))).flatten()
    });

    let across = |p: P| (diagonal > 0.0).then(|| Measure::new(p.x / diagonal, p.score)).flatten();
    let ear_x_ratio = ears.and_then(|(l, r)| across(P::mid(l, r)));
    let shoulder_x_ratio = shoulders.and_then(|(l, r)| across(P::mid(l, r)));
    let head = pose.head.filter(|_| diagonal > 0.0);
    let mesh = |f: &dyn Fn(&crate::pose::HeadPose) -> f32| {
        head.and_then(|h| Measure::new(f(&h), h.face_score()))
    };

    let shrug_side = |ear: KeypointName, shoulder: KeypointName| {
        let sw = shoulder_width?;
        let (e, s) = (pts.get(ear)?, pts.get(shoulder)?);
        Measure::new(
            (s.y - e.y) / sw,
            e.score.min(s.score).min(shoulders?.0.score.min(shoulders?.1.score)),
        )
    };
    let shrug_left_ratio = shrug_side(LeftEar, LeftShoulder);
    let shrug_right_ratio = shrug_side(RightEar, RightShoulder);
    let shrug_ratio = shrug_left_ratio
        .zip(shrug_right_ratio)
        .and_then(|(l, r)| Measure::new((l.value + r.value) / 2.0, l.quality.min(r.quality)));

    Measures {
        head_pitch_deg: head_pitch_deg(&pts, options.face_response),
        head_height_ratio,
        face_scale_ratio,
        face_size_ratio,
        distance_cm: distance_cm(&pts, pose, camera),
        head_tilt_deg,
        shoulder_tilt_deg,
        shrug_left_ratio,
        shrug_right_ratio,
        shrug_ratio,
        trunk_lean_deg: trunk_lean_deg(&pts),
        shoulder_protraction_ratio: shoulder_protraction_ratio(&pts),
        ear_level_ratio,
        shoulder_level_ratio,
        shoulder_width_ratio,
        ear_x_ratio,
        shoulder_x_ratio,
        mesh_pitch_deg: mesh(&|h| h.pitch_deg),
        mesh_roll_deg: mesh(&|h| h.roll_deg),
        mesh_yaw_deg: mesh(&|h| h.yaw_deg),
        mesh_size_ratio: mesh(&|h| h.scale_px_per_cm / diagonal),
        mesh_face_logit: head.and_then(|h| Measure::new(h.face_logit, 1.0)),
    }
}

/// A backend response factor, kept away from zero.
fn response(r: f32) -> f32 {
    r.clamp(0.05, 1.0)
}

/// Angle of the line from the right point to the left one, in degrees from the image's
/// horizontal, positive when the left point is higher. A mirrored image flips its sign.
fn line_tilt_deg(left: P, right: P) -> f32 {
    // Both points swap sides in a mirrored image, so measure from right to left: in an
    // unmirrored image the person's left is on the image's right, giving dx > 0.
    let dx = left.x - right.x;
    let dy = right.y - left.y;
    dy.atan2(dx).to_degrees()
}

/// Head pitch (flexion positive, degrees) from the face alone.
///
/// Geometry: seen from the front, pitching the head by θ about a horizontal axis through the
/// ears moves every face landmark vertically. A landmark lying `forward` units in front of the
/// ear mid-point and `up` units above it (head upright) appears
/// `v = forward·sin θ − up·cos θ = R·sin(θ − φ)` below the ear mid-point, with
/// `R = hypot(forward, up)` and `φ = atan2(up, forward)`, so `θ = asin(v / R) + φ`.
/// Lengths are in units of the inter-eye distance, which pitch does not foreshorten, so the
/// estimate does not depend on the distance to the camera. `v` is measured perpendicular to
/// the eye line, so tilting the head sideways does not change it. The face-depth constants
/// ([`EYE_DEPTH`], [`NOSE_DEPTH`], [`MOUTH_DEPTH`]) are population averages: the absolute angle
/// also carries the camera's elevation and the person's own build, which is why the
/// assessment compares it with the calibrated baseline.
///
/// Each visible landmark (eyes, nose, mouth corners) gives one estimate; they are averaged,
/// weighted by `R²` (a longer lever arm is less sensitive to keypoint noise). MoveNet has no
/// mouth points and uses the eyes and nose alone. Without both ears the pitch is unknown.
///
/// A pose model's face keypoints may move less than a rigid head would (see
/// [`BLAZEPOSE_FACE_RESPONSE`]); the geometric angle is divided by `options.face_response`.
pub fn head_pitch_deg_of(pose: &Pose, options: &MeasureOptions) -> Option<Measure> {
    head_pitch_deg(&Points { pose, min_score: options.min_keypoint_score }, options.face_response)
}

fn head_pitch_deg(pts: &Points<'_>, face_response: f32) -> Option<Measure> {
    use KeypointName::*;
    let (le, re) = pts.pair(LeftEye, RightEye)?;
    let (lear, rear) = pts.pair(LeftEar, RightEar)?;
    let iod = P::dist(le, re);
    if iod <= f32::EPSILON {
        return None;
    }
    // Unit vector along the eye line (towards the person's left) and the head's "down"
    // direction perpendicular to it.
    let (ux, uy) = ((le.x - re.x) / iod, (le.y - re.y) / iod);
    let (dx, dy) = (-uy, ux);
    let ear = P::mid(lear, rear);
    let mut candidates = vec![(P::mid(le, re), EYE_DEPTH)];
    if let Some(nose) = pts.get(Nose) {
        candidates.push((nose, NOSE_DEPTH));
    }
    if let Some((ml, mr)) = pts.pair(MouthLeft, MouthRight) {
        candidates.push((P::mid(ml, mr), MOUTH_DEPTH));
    }
    let (mut sum, mut weights, mut quality) =
        (0.0f32, 0.0f32, ear.score.min(le.score).min(re.score));
    for (p, depth) in candidates {
        let below = ((p.x - ear.x) * dx + (p.y - ear.y) * dy) / iod;
        let r = depth.forward.hypot(depth.up);
        let phi = depth.up.atan2(depth.forward);
        let theta = (below / r).clamp(-1.0, 1.0).asin() + phi;
        let w = r * r;
        sum += w * theta;
        weights += w;
        quality = quality.min(p.score);
    }
    Measure::new((sum / weights).to_degrees() / face_response.clamp(0.05, 1.0), quality)
}

/// Eye-to-camera distance in centimetres: `f · 63 mm / d`, with `d` the inter-eye distance in
/// pixels and `f` the focal length in pixels from the camera's diagonal field of view
/// ([`CameraModel::focal_px`]). Assumes the mean interpupillary distance
/// ([`INTERPUPILLARY_MM`]) and a face turned to the camera (a turned face reads farther).
fn distance_cm(pts: &Points<'_>, pose: &Pose, camera: &CameraModel) -> Option<Measure> {
    let (l, r) = pts.pair(KeypointName::LeftEye, KeypointName::RightEye)?;
    let iod = P::dist(l, r);
    if iod <= f32::EPSILON {
        return None;
    }
    let f = camera.focal_px(pose.image_width, pose.image_height);
    Measure::new(f * INTERPUPILLARY_MM / 10.0 / iod, l.score.min(r.score))
}

fn world_mid(a: WorldPoint, b: WorldPoint) -> WorldPoint {
    WorldPoint { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0, z: (a.z + b.z) / 2.0 }
}

fn world_dist(a: WorldPoint, b: WorldPoint) -> f32 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2) + (a.z - b.z).powi(2)).sqrt()
}

/// World points of both shoulders and hips, with the lowest score among them; the shoulders
/// must be visible, the hips only need a score (they are often under the desk, and the
/// model's world skeleton still places them).
fn world_trunk(pts: &Points<'_>) -> Option<([WorldPoint; 4], f32)> {
    use KeypointName::*;
    let pose = pts.pose;
    let (ls, rs) = pts.pair(LeftShoulder, RightShoulder)?;
    let names = [LeftShoulder, RightShoulder, LeftHip, RightHip];
    let mut world = [WorldPoint { x: 0.0, y: 0.0, z: 0.0 }; 4];
    for (slot, name) in world.iter_mut().zip(names) {
        *slot = pose.world(name)?;
    }
    let hips = pose.get(LeftHip)?.score.min(pose.get(RightHip)?.score);
    Some((world, ls.score.min(rs.score).min(hips)))
}

fn trunk_lean_deg(pts: &Points<'_>) -> Option<Measure> {
    let ([ls, rs, lh, rh], quality) = world_trunk(pts)?;
    let (s, h) = (world_mid(ls, rs), world_mid(lh, rh));
    // y points down and z away from the camera: leaning towards the camera brings the
    // shoulders to a smaller z than the hips.
    let up = h.y - s.y;
    let towards_camera = h.z - s.z;
    if up <= f32::EPSILON {
        return None;
    }
    Measure::new(towards_camera.atan2(up).to_degrees(), quality)
}

fn shoulder_protraction_ratio(pts: &Points<'_>) -> Option<Measure> {
    let ([ls, rs, lh, rh], quality) = world_trunk(pts)?;
    let hips = world_dist(lh, rh);
    if hips <= f32::EPSILON {
        return None;
    }
    Measure::new(world_dist(ls, rs) / hips, quality)
}

#[cfg(test)]
mod tests;
