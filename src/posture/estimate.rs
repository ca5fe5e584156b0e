//! Posture angles in degrees from one frame's [`Measures`] against the calibrated
//! [`Baseline`]: the head's pitch in the world, the upper trunk's forward pitch, the neck's
//! flexion between them, the forward lean of the trunk, the head's forward translation, the
//! head's sideways tilt and the trunk's sideways lean.
//!
//! Each angle is a small linear model over [`Features`], changes against the baseline that a
//! webcam sees: the face mesh's pitch and roll (trusted as far as its face flag says), how far
//! the face has turned out of view, the face's growth in the image, and how the ears and
//! shoulders moved. The weights in [`PostureModel::FITTED`] were fitted with [`fit`] on
//! labelled renders of 12 bodies at 24 desks (`tests/data/train/`); `tests/accuracy.rs` refits
//! them leaving each body out in turn and checks that the shipped weights are the fit on all.

use serde::{Deserialize, Serialize};

use super::baseline::Baseline;
use super::measure::{MeasureKind, Measures};

/// The face flag (a logit) at which the mesh's pitch, roll and size are trusted halfway; 2 is
/// a sigmoid score of 0.88. Faces in view read 8 and more.
pub const FACE_TRUST_LOGIT: f32 = 2.0;
/// Below this face flag the face counts as turning out of view: the head bends far down under
/// a camera placed above the eyes (the flag falls steadily with the bend).
const FACE_LOST_LOGIT: f32 = 4.0;
/// The face flag is clamped to this range: beyond it the sigmoid says nothing more.
const FACE_LOGIT_RANGE: f32 = 12.0;

/// What the models read: one frame's changes against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Features {
    /// Face mesh pitch change, degrees, times the face trust (0..1).
    pub mesh_pitch: f32,
    /// How far the face flag is below [`FACE_LOST_LOGIT`] (0 with the face in view).
    pub face_lost: f32,
    /// Its square: the flag falls faster at first than it does later.
    pub face_lost_sq: f32,
    /// Log growth of the fitted face's size, times the face trust.
    pub mesh_growth: f32,
    /// Face mesh roll change, degrees, times the face trust.
    pub mesh_roll: f32,
    /// Log growth of the body model's inter-eye distance.
    pub eye_growth: f32,
    /// Rise of the shoulders' mid-point, in calibrated shoulder widths.
    pub shoulder_rise: f32,
    /// Rise of the ears' mid-point, in calibrated shoulder widths.
    pub ear_rise: f32,
    /// Shift of the ears' mid-point to the image's right, in calibrated shoulder widths.
    pub ear_shift: f32,
    /// The same for the shoulders' mid-point.
    pub shoulder_shift: f32,
    /// Change of the shoulder line's angle, degrees (the body model's reading).
    pub shoulder_line: f32,
    /// Change of the eye line's angle, degrees (the body model's reading).
    pub eye_line: f32,
    /// Log growth of the shoulder width in the image: the whole trunk coming closer.
    pub shoulder_growth: f32,
}

/// The number of features.
pub const FEATURES: usize = 13;

impl Features {
    pub fn to_array(&self) -> [f32; FEATURES] {
        [
            self.mesh_pitch,
            self.face_lost,
            self.face_lost_sq,
            self.mesh_growth,
            self.mesh_roll,
            self.eye_growth,
            self.shoulder_rise,
            self.ear_rise,
            self.ear_shift,
            self.shoulder_shift,
            self.shoulder_line,
            self.eye_line,
            self.shoulder_growth,
        ]
    }

    /// The features of `measures` against `baseline`, or `None` when either lacks the face
    /// mesh or the body keypoints the models need (a baseline calibrated before the face mesh
    /// existed, or a frame without a visible face and shoulders).
    pub fn of(measures: &Measures, baseline: &Baseline) -> Option<Features> {
        let now = |kind: MeasureKind| measures.get(kind).map(|m| m.value);
        let base = |kind: MeasureKind| baseline.median(kind);
        let delta = |kind: MeasureKind| Some(now(kind)? - base(kind)?);
        let growth = |kind: MeasureKind| {
            let (n, b) = (now(kind)?, base(kind)?);
            (n > 0.0 && b > 0.0).then(|| (n / b).ln())
        };
        let width = base(MeasureKind::ShoulderWidthRatio).filter(|w| *w > f32::EPSILON)?;
        let logit = now(MeasureKind::MeshFaceLogit)?.clamp(-FACE_LOGIT_RANGE, FACE_LOGIT_RANGE);
        let trust = 1.0 / (1.0 + (FACE_TRUST_LOGIT - logit).exp());
        let face_lost = (FACE_LOST_LOGIT - logit).max(0.0);
        // A face lost entirely has no pitch, roll or size worth reading: the trust is ~0 then.
        let trusted = |kind: MeasureKind| delta(kind).map(|d| d * trust).unwrap_or(0.0);
        let trusted_growth = growth(MeasureKind::MeshSizeRatio).map(|g| g * trust).unwrap_or(0.0);
        // A baseline calibrated before the face mesh existed: the models do not apply.
        base(MeasureKind::MeshPitchDeg)?;
        Some(Features {
            mesh_pitch: trusted(MeasureKind::MeshPitchDeg),
            face_lost,
            face_lost_sq: face_lost * face_lost,
            mesh_growth: trusted_growth,
            mesh_roll: trusted(MeasureKind::MeshRollDeg),
            eye_growth: growth(MeasureKind::FaceSizeRatio)?,
            shoulder_rise: delta(MeasureKind::ShoulderLevelRatio)? / width,
            ear_rise: delta(MeasureKind::EarLevelRatio)? / width,
            ear_shift: delta(MeasureKind::EarXRatio)? / width,
            shoulder_shift: delta(MeasureKind::ShoulderXRatio)? / width,
            shoulder_line: delta(MeasureKind::ShoulderTiltDeg)?,
            eye_line: delta(MeasureKind::HeadTiltDeg)?,
            shoulder_growth: growth(MeasureKind::ShoulderWidthRatio)?,
        })
    }
}

/// One angle as `intercept + sum(weights[i] * features[i])`; a zero weight leaves a feature
/// out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    pub intercept: f32,
    pub weights: [f32; FEATURES],
}

impl Linear {
    pub fn apply(&self, f: &Features) -> f32 {
        self.intercept + self.weights.iter().zip(f.to_array()).map(|(w, x)| w * x).sum::<f32>()
    }
}

/// Which features each angle may use (indices into [`Features::to_array`]). Kept small and
/// physical so that a fit on a dozen bodies carries over to others.
pub mod inputs {
    pub const MESH_PITCH: usize = 0;
    pub const FACE_LOST: usize = 1;
    pub const FACE_LOST_SQ: usize = 2;
    pub const MESH_GROWTH: usize = 3;
    pub const MESH_ROLL: usize = 4;
    pub const EYE_GROWTH: usize = 5;
    pub const SHOULDER_RISE: usize = 6;
    pub const EAR_RISE: usize = 7;
    pub const EAR_SHIFT: usize = 8;
    pub const SHOULDER_SHIFT: usize = 9;
    pub const SHOULDER_LINE: usize = 10;
    pub const EYE_LINE: usize = 11;
    pub const SHOULDER_GROWTH: usize = 12;

    /// The head's pitch in the world: the mesh while it sees the face, the face turning out
    /// of view beyond that.
    pub const HEAD_PITCH: &[usize] = &[MESH_PITCH, FACE_LOST, FACE_LOST_SQ];
    /// The upper trunk's forward pitch (trunk lean plus a rounding upper back): the shoulders
    /// sink in the image and the face comes closer.
    pub const THORAX_PITCH: &[usize] = &[MESH_GROWTH, SHOULDER_RISE];
    /// The trunk's forward lean alone: the face grows more than the shoulders sink.
    pub const TRUNK_LEAN: &[usize] = &[MESH_GROWTH, EYE_GROWTH, SHOULDER_RISE];
    /// The head's sideways tilt relative to the trunk: the mesh's roll, less what a sideways
    /// lean of the whole trunk (the head and shoulders shifting sideways) explains.
    pub const HEAD_TILT: &[usize] =
        &[MESH_ROLL, SHOULDER_LINE, EAR_SHIFT, SHOULDER_SHIFT, EYE_LINE];
    /// The head's forward translation (forward head): the face grows more than the shoulders
    /// and the ears sink with it, where neither a bend of the neck (the mesh's pitch, the face
    /// turning away) nor of the trunk (the shoulders sinking) explains it.
    pub const FORWARD_HEAD: &[usize] =
        &[MESH_GROWTH, SHOULDER_GROWTH, SHOULDER_RISE, EAR_RISE, MESH_PITCH, EYE_GROWTH, FACE_LOST];
    /// The trunk's sideways lean: the head and shoulders shift sideways.
    pub const SIDE_LEAN: &[usize] = &[EAR_SHIFT, SHOULDER_SHIFT, SHOULDER_LINE, MESH_ROLL];
}

/// The angle models.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PostureModel {
    /// Head pitch in the world, degrees, flexion positive.
    pub head_pitch: Linear,
    /// Upper-trunk pitch (trunk lean plus thoracic rounding), degrees, forward positive.
    pub thorax_pitch: Linear,
    /// Trunk lean, degrees, forward positive.
    pub trunk_lean: Linear,
    /// Head tilt relative to the trunk, degrees, the sign of the eye-line tilt.
    pub head_tilt: Linear,
    /// Sideways trunk lean, degrees.
    pub side_lean: Linear,
    /// Forward translation of the head, centimetres.
    pub forward_head: Linear,
}

/// The angles of one frame, changes from the calibrated posture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PostureAngles {
    pub head_pitch_deg: f32,
    pub thorax_pitch_deg: f32,
    /// Head pitch less thorax pitch: the bend in the neck.
    pub neck_flexion_deg: f32,
    pub trunk_lean_deg: f32,
    pub head_tilt_deg: f32,
    pub side_lean_deg: f32,
    /// Forward translation of the head, centimetres.
    pub forward_head_cm: f32,
}

impl PostureModel {
    pub fn angles(&self, f: &Features) -> PostureAngles {
        let head_pitch_deg = self.head_pitch.apply(f);
        let thorax_pitch_deg = self.thorax_pitch.apply(f);
        PostureAngles {
            head_pitch_deg,
            thorax_pitch_deg,
            neck_flexion_deg: head_pitch_deg - thorax_pitch_deg,
            trunk_lean_deg: self.trunk_lean.apply(f),
            head_tilt_deg: self.head_tilt.apply(f),
            side_lean_deg: self.side_lean.apply(f),
            forward_head_cm: self.forward_head.apply(f),
        }
    }
}

/// What a labelled frame says the angles are, as changes from its calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrueAngles {
    pub head_pitch_deg: f32,
    pub thorax_pitch_deg: f32,
    pub trunk_lean_deg: f32,
    pub head_tilt_deg: f32,
    pub side_lean_deg: f32,
    pub forward_head_cm: f32,
}

/// Ridge penalty on standardised features: small, only to keep nearly collinear features
/// from trading large opposite weights.
const RIDGE: f64 = 1.0;
/// Huber threshold for the robust refit, in multiples of the median absolute residual: a few
/// frames where the face mesh or the body model failed outright must not steer the fit.
const HUBER_MADS: f64 = 1.5;
const ROBUST_ROUNDS: usize = 5;

/// Fits every angle model on labelled frames.
pub fn fit(samples: &[(Features, TrueAngles)]) -> Option<PostureModel> {
    let x: Vec<[f32; FEATURES]> = samples.iter().map(|(f, _)| f.to_array()).collect();
    let target = |f: &dyn Fn(&TrueAngles) -> f32| -> Vec<f32> {
        samples.iter().map(|(_, t)| f(t)).collect()
    };
    Some(PostureModel {
        head_pitch: fit_linear(&x, &target(&|t| t.head_pitch_deg), inputs::HEAD_PITCH, true)?,
        thorax_pitch: fit_linear(&x, &target(&|t| t.thorax_pitch_deg), inputs::THORAX_PITCH, true)?,
        trunk_lean: fit_linear(&x, &target(&|t| t.trunk_lean_deg), inputs::TRUNK_LEAN, true)?,
        head_tilt: fit_linear(&x, &target(&|t| t.head_tilt_deg), inputs::HEAD_TILT, true)?,
        side_lean: fit_linear(&x, &target(&|t| t.side_lean_deg), inputs::SIDE_LEAN, true)?,
        // Most frames have no forward head at all: a robust fit would take the few that do for
        // outliers.
        forward_head: fit_linear(&x, &target(&|t| t.forward_head_cm), inputs::FORWARD_HEAD, false)?,
    })
}

/// Ridge regression of `y` on the `used` columns of `x`; `robust` refits a few times with Huber
/// weights. `None` with fewer samples than features or a singular system.
pub fn fit_linear(
    x: &[[f32; FEATURES]],
    y: &[f32],
    used: &[usize],
    robust: bool,
) -> Option<Linear> {
    let n = x.len();
    let k = used.len();
    if n <= k + 1 || y.len() != n {
        return None;
    }
    let col = |i: usize, j: usize| x[i][used[j]] as f64;
    let mean: Vec<f64> =
        (0..k).map(|j| (0..n).map(|i| col(i, j)).sum::<f64>() / n as f64).collect();
    let sd: Vec<f64> = (0..k)
        .map(|j| {
            let v = (0..n).map(|i| (col(i, j) - mean[j]).powi(2)).sum::<f64>() / n as f64;
            v.sqrt().max(1e-9)
        })
        .collect();
    let z = |i: usize, j: usize| (col(i, j) - mean[j]) / sd[j];
    let mut weight = vec![1.0f64; n];
    let mut beta = vec![0.0f64; k];
    let mut intercept = 0.0f64;
    for _ in 0..if robust { ROBUST_ROUNDS } else { 1 } {
        let wsum: f64 = weight.iter().sum();
        let ybar = (0..n).map(|i| weight[i] * y[i] as f64).sum::<f64>() / wsum;
        let zbar: Vec<f64> =
            (0..k).map(|j| (0..n).map(|i| weight[i] * z(i, j)).sum::<f64>() / wsum).collect();
        let mut a = vec![vec![0.0f64; k + 1]; k];
        for (r, row) in a.iter_mut().enumerate() {
            for c in 0..k {
                row[c] =
                    (0..n).map(|i| weight[i] * (z(i, r) - zbar[r]) * (z(i, c) - zbar[c])).sum();
            }
            row[r] += RIDGE;
            row[k] = (0..n).map(|i| weight[i] * (z(i, r) - zbar[r]) * (y[i] as f64 - ybar)).sum();
        }
        beta = solve(a)?;
        intercept = ybar - (0..k).map(|j| beta[j] * zbar[j]).sum::<f64>();
        let residual: Vec<f64> = (0..n)
            .map(|i| intercept + (0..k).map(|j| beta[j] * z(i, j)).sum::<f64>() - y[i] as f64)
            .collect();
        let mut abs: Vec<f64> = residual.iter().map(|r| r.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let cut = HUBER_MADS * abs[n / 2] + 1e-6;
        for (w, r) in weight.iter_mut().zip(&residual) {
            *w = (cut / r.abs().max(1e-12)).min(1.0);
        }
    }
    let mut weights = [0.0f32; FEATURES];
    let mut b0 = intercept;
    for j in 0..k {
        weights[used[j]] = (beta[j] / sd[j]) as f32;
        b0 -= beta[j] * mean[j] / sd[j];
    }
    Some(Linear { intercept: b0 as f32, weights })
}

/// Solves the augmented system `a` (k rows of k + 1) by Gaussian elimination with partial
/// pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for c in 0..k {
        let pivot = (c..k).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[pivot][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, pivot);
        let pivot_row = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot_row[c];
                for (v, p) in row.iter_mut().zip(&pivot_row).skip(c) {
                    *v -= f * p;
                }
            }
        }
    }
    Some((0..k).map(|r| a[r][k] / a[r][r]).collect())
}

impl PostureModel {
    /// The models fitted on all 12 bodies of `tests/data/train/` (printed by
    /// `make accuracy`; `tests/accuracy.rs` checks that a refit gives these weights).
    pub const FITTED: PostureModel = PostureModel {
        head_pitch: Linear {
            intercept: 0.4010312,
            weights: [
                0.88312596,
                5.1257577,
                -0.19609588,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
            ],
        },
        thorax_pitch: Linear {
            intercept: -0.1249303,
            weights: [0.0, 0.0, 0.0, 44.000443, 0.0, 0.0, -26.503956, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        },
        trunk_lean: Linear {
            intercept: -0.483388,
            weights: [
                0.0, 0.0, 0.0, 26.2262, 0.0, 1.1991248, -23.034807, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            ],
        },
        head_tilt: Linear {
            intercept: 0.15900292,
            weights: [
                0.0,
                0.0,
                0.0,
                0.0,
                0.75416833,
                0.0,
                0.0,
                0.0,
                -13.218519,
                41.60235,
                -0.14171413,
                0.073944695,
                0.0,
            ],
        },
        side_lean: Linear {
            intercept: -0.021821577,
            weights: [
                0.0,
                0.0,
                0.0,
                0.0,
                -0.03020273,
                0.0,
                0.0,
                0.0,
                2.5442367,
                -24.439768,
                0.12995942,
                0.0,
                0.0,
            ],
        },
        forward_head: Linear {
            intercept: 0.12308939,
            weights: [
                -0.14062835,
                -0.32934347,
                0.0,
                10.213012,
                0.0,
                -2.0322194,
                12.178833,
                -16.259895,
                0.0,
                0.0,
                0.0,
                0.0,
                -2.664685,
            ],
        },
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(values: [f32; FEATURES]) -> Features {
        let [a, b, c, d, e, f, g, h, i, j, k, l, m] = values;
        Features {
            mesh_pitch: a,
            face_lost: b,
            face_lost_sq: c,
            mesh_growth: d,
            mesh_roll: e,
            eye_growth: f,
            shoulder_rise: g,
            ear_rise: h,
            ear_shift: i,
            shoulder_shift: j,
            shoulder_line: k,
            eye_line: l,
            shoulder_growth: m,
        }
    }

    #[test]
    fn the_fit_recovers_a_linear_law_despite_a_few_gross_outliers() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let t = i as f32;
            let mut f = [0.0f32; FEATURES];
            f[0] = (t * 0.37).sin() * 20.0;
            f[1] = (t * 0.11).cos() * 3.0;
            let mut v = 1.5 + 0.9 * f[0] - 2.0 * f[1];
            if i % 50 == 7 {
                v += 80.0;
            }
            x.push(f);
            y.push(v);
        }
        let m = fit_linear(&x, &y, &[0, 1], true).expect("a fit");
        assert!((m.weights[0] - 0.9).abs() < 0.02, "{m:?}");
        assert!((m.weights[1] + 2.0).abs() < 0.05, "{m:?}");
        assert!((m.intercept - 1.5).abs() < 0.2, "{m:?}");
        assert!(m.weights[2..].iter().all(|w| *w == 0.0));
        let f = features(x[3]);
        assert!((m.apply(&f) - (1.5 + 0.9 * x[3][0] - 2.0 * x[3][1])).abs() < 0.3);
    }

    #[test]
    fn too_few_samples_give_no_fit() {
        assert!(fit_linear(&[[0.0; FEATURES]; 2], &[1.0, 2.0], &[0, 1], true).is_none());
    }

    #[test]
    fn neck_flexion_is_head_pitch_less_thorax_pitch() {
        let m = PostureModel::FITTED;
        let f = features([20.0, 0.0, 0.0, 0.05, 0.0, 0.05, -0.1, -0.2, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let a = m.angles(&f);
        assert!((a.neck_flexion_deg - (a.head_pitch_deg - a.thorax_pitch_deg)).abs() < 1e-4);
    }

    #[test]
    fn the_shipped_models_read_the_calibrated_posture_as_level() {
        let a = PostureModel::FITTED.angles(&Features::default());
        for v in [
            a.head_pitch_deg,
            a.neck_flexion_deg,
            a.trunk_lean_deg,
            a.head_tilt_deg,
            a.side_lean_deg,
        ] {
            assert!(v.abs() < 3.0, "{a:?}");
        }
    }

    #[test]
    fn the_shipped_head_pitch_follows_the_face_mesh_and_the_face_turning_away() {
        let m = PostureModel::FITTED;
        let level = m.head_pitch.apply(&Features::default());
        let nod = m
            .head_pitch
            .apply(&features([15.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
        let gone = m
            .head_pitch
            .apply(&features([0.0, 10.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
        assert!(nod - level > 10.0, "a 15 deg mesh nod reads {}", nod - level);
        assert!(gone - level > 25.0, "a lost face reads {}", gone - level);
    }
}
