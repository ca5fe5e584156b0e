//! Head pose from the face: MediaPipe's face mesh (468 points with depth) on a crop placed by
//! the body model's face keypoints, then a weighted rigid fit of MediaPipe's canonical face to
//! the mesh, which gives the head's pitch, yaw and roll as the camera sees them.
//!
//! The body models keep the head aligned with the trunk and barely follow a nod or a tilt of
//! the head alone; the face mesh follows both. It needs the face in view: as the head bends far
//! down under a camera placed above the eyes, the face turns away and the mesh's face flag
//! drops. [`HeadPose::face_logit`] carries that flag so the posture layer can tell a lost face
//! from a level one.

use image::RgbImage;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};

use super::keypoint::KeypointName;
use super::model::{ModelFiles, Signature, TensorSpec, load_session};
use super::preprocess::{Border, Roi, warp_f32};
use super::{Pose, PoseError};

/// The face mesh model file in the models folder.
const FACE_MODEL_FILE: &str = "face_landmark.onnx";

/// Side of the face mesh's square input, in pixels.
const SIDE: u32 = 192;
const POINTS: usize = 468;

const SIGNATURE: Signature = Signature {
    inputs: &[TensorSpec {
        name: "input",
        ty: TensorElementType::Float32,
        shape: &[1, 192, 192, 3],
    }],
    outputs: &[
        TensorSpec { name: "landmarks", ty: TensorElementType::Float32, shape: &[1, 1, 1, 1404] },
        TensorSpec { name: "face_flag", ty: TensorElementType::Float32, shape: &[1, 1, 1, 1] },
    ],
};

/// The crop around the face, as a multiple of the face's largest extent (ear to ear, or eyes
/// to mouth scaled to a face height): MediaPipe crops 1.5 times the detected face box.
const CROP_SCALE: f32 = 1.5;
/// A face is about 2.6 eye-to-mouth distances tall and 2.4 inter-eye distances wide (the
/// canonical face: eye centres 6.3 cm apart, eyes to mouth 5.6 cm, face 14-15 cm across).
const FACE_PER_EYE_MOUTH: f32 = 2.6;
const FACE_PER_EYE_DISTANCE: f32 = 2.4;

/// The weighted landmarks of MediaPipe's canonical face, written by `models/build.sh` from the
/// geometry file in the npm package `@mediapipe/face_mesh` (Apache-2.0).
const PROCRUSTES_CSV: &str = include_str!("../../models/face_procrustes.csv");

/// The head as the face mesh sees it, in the camera's frame.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeadPose {
    /// Nodding: positive when the face turns down (flexion), in degrees.
    pub pitch_deg: f32,
    /// Turning: positive when the face turns towards the image's right, in degrees.
    pub yaw_deg: f32,
    /// Tilting: positive when the eye on the image's right is higher (counter-clockwise on
    /// screen; the sign of the eye-line tilt measure), in degrees.
    pub roll_deg: f32,
    /// Pixels per centimetre of the canonical face: grows as the face comes closer.
    pub scale_px_per_cm: f32,
    /// The mesh's face flag before the sigmoid: well above 0 with a face in the crop, falling
    /// below 0 as the face turns away.
    pub face_logit: f32,
    /// The nose bridge (mesh point 168) in image pixels.
    pub nose_bridge: (f32, f32),
}

impl HeadPose {
    /// How sure the mesh is that a face fills the crop, 0..1.
    pub fn face_score(&self) -> f32 {
        1.0 / (1.0 + (-self.face_logit).exp())
    }
}

/// One weighted point of the canonical face.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    landmark: usize,
    weight: f64,
    point: [f64; 3],
}

fn parse_anchors(csv: &str) -> Result<Vec<Anchor>, String> {
    let mut out = Vec::new();
    for line in csv.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("landmark") {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| -> Result<f64, String> {
            f.get(i).and_then(|s| s.parse::<f64>().ok()).ok_or_else(|| format!("bad line `{line}`"))
        };
        let landmark = num(0)? as usize;
        if f.len() != 5 || landmark >= POINTS {
            return Err(format!("bad line `{line}`"));
        }
        out.push(Anchor { landmark, weight: num(1)?, point: [num(2)?, num(3)?, num(4)?] });
    }
    if out.len() < 6 {
        return Err(format!("only {} weighted landmarks", out.len()));
    }
    Ok(out)
}

/// The face mesh stage: crops the face from the body keypoints, runs the mesh and fits the
/// canonical face.
pub struct FaceMesh {
    session: Session,
    input: Vec<f32>,
    anchors: Vec<Anchor>,
}

impl FaceMesh {
    pub fn load(files: &ModelFiles, threads: usize) -> Result<FaceMesh, PoseError> {
        let session = load_session(files, FACE_MODEL_FILE, &SIGNATURE, threads)?;
        let anchors = parse_anchors(PROCRUSTES_CSV).map_err(|reason| PoseError::ModelLoad {
            path: files.path("face_procrustes.csv"),
            reason,
        })?;
        Ok(FaceMesh { session, input: Vec::new(), anchors })
    }

    /// The head pose of the person whose body keypoints are `pose`, or `None` when the pose
    /// lacks the face keypoints to place the crop.
    pub fn estimate(
        &mut self,
        image: &RgbImage,
        pose: &Pose,
    ) -> Result<Option<HeadPose>, PoseError> {
        let Some(roi) = face_roi(pose) else {
            return Ok(None);
        };
        warp_f32(image, SIDE, &roi.affine(SIDE), Border::Replicate, (0.0, 1.0), &mut self.input);
        let err =
            |e: ort::Error| PoseError::Inference { model: "face mesh", reason: e.to_string() };
        let side = SIDE as usize;
        let input = TensorRef::from_array_view(([1usize, side, side, 3], self.input.as_slice()))
            .map_err(err)?;
        let outputs = self.session.run(ort::inputs!["input" => input]).map_err(err)?;
        let (_, landmarks) = outputs["landmarks"].try_extract_tensor::<f32>().map_err(err)?;
        let (_, flag) = outputs["face_flag"].try_extract_tensor::<f32>().map_err(err)?;
        if landmarks.len() != POINTS * 3 || flag.is_empty() {
            return Err(PoseError::Inference {
                model: "face mesh",
                reason: "unexpected output sizes".into(),
            });
        }
        let map = roi.affine(SIDE);
        let depth = roi.size / SIDE as f32;
        let point = |i: usize| {
            let (x, y) = map.apply(landmarks[3 * i], landmarks[3 * i + 1]);
            [x, y, landmarks[3 * i + 2] * depth]
        };
        let fit = rigid_fit(&self.anchors, point);
        let bridge = point(NOSE_BRIDGE);
        Ok(fit.map(|fit| {
            let (pitch_deg, yaw_deg, roll_deg) = fit.euler_deg();
            HeadPose {
                pitch_deg,
                yaw_deg,
                roll_deg,
                scale_px_per_cm: fit.scale as f32,
                face_logit: flag[0],
                nose_bridge: (bridge[0], bridge[1]),
            }
        }))
    }
}

/// Mesh point between the eyes.
const NOSE_BRIDGE: usize = 168;

/// The crop for the face mesh: centred between the eyes and the mouth, turned so the eyes are
/// level, sized from the largest of the face's extents the keypoints give.
fn face_roi(pose: &Pose) -> Option<Roi> {
    use KeypointName::*;
    let p = |k| pose.get(k).map(|p| (p.x, p.y));
    let (le, re) = (p(LeftEye)?, p(RightEye)?);
    let eyes = ((le.0 + re.0) / 2.0, (le.1 + re.1) / 2.0);
    // The mouth, or (for models without mouth points) a point as far below the nose as the
    // nose is below the eyes, a little less.
    let mouth = match (p(MouthLeft), p(MouthRight)) {
        (Some(l), Some(r)) => ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0),
        _ => {
            let n = p(Nose)?;
            (n.0 + 0.6 * (n.0 - eyes.0), n.1 + 0.6 * (n.1 - eyes.1))
        }
    };
    let dist = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).hypot(a.1 - b.1);
    let ears = match (p(LeftEar), p(RightEar)) {
        (Some(l), Some(r)) => dist(l, r),
        _ => 0.0,
    };
    let extent =
        ears.max(FACE_PER_EYE_MOUTH * dist(eyes, mouth)).max(FACE_PER_EYE_DISTANCE * dist(le, re));
    let size = extent * CROP_SCALE;
    if !(size.is_finite() && size >= 8.0) {
        return None;
    }
    Some(Roi {
        cx: (eyes.0 + mouth.0) / 2.0,
        cy: (eyes.1 + mouth.1) / 2.0,
        size,
        rotation: (le.1 - re.1).atan2(le.0 - re.0),
    })
}

/// A similarity transform: `observed = scale * rotation * canonical + t`.
#[derive(Debug, Clone, Copy)]
struct Fit {
    rotation: [[f64; 3]; 3],
    scale: f64,
}

impl Fit {
    /// (pitch, yaw, roll) in degrees, for `rotation = Rz(roll) Ry(yaw) Rx(pitch)`.
    fn euler_deg(&self) -> (f32, f32, f32) {
        let r = &self.rotation;
        let pitch = r[2][1].atan2(r[2][2]);
        let yaw = (-r[2][0]).clamp(-1.0, 1.0).asin();
        let roll = r[1][0].atan2(r[0][0]);
        (pitch.to_degrees() as f32, yaw.to_degrees() as f32, roll.to_degrees() as f32)
    }
}

/// Weighted least-squares similarity fit of the canonical anchors (y up, z towards the viewer)
/// onto the observed mesh points (image pixels: y down, z away from the camera), by Horn's
/// closed form with unit quaternions.
fn rigid_fit(anchors: &[Anchor], observed: impl Fn(usize) -> [f32; 3]) -> Option<Fit> {
    let q: Vec<[f64; 3]> = anchors
        .iter()
        .map(|a| {
            let p = observed(a.landmark);
            [p[0] as f64, -(p[1] as f64), -(p[2] as f64)]
        })
        .collect();
    let wsum: f64 = anchors.iter().map(|a| a.weight).sum();
    if !wsum.is_finite() || wsum <= 0.0 || q.iter().flatten().any(|v| !v.is_finite()) {
        return None;
    }
    let mean = |f: &dyn Fn(usize) -> [f64; 3]| {
        let mut m = [0.0; 3];
        for (i, a) in anchors.iter().enumerate() {
            let v = f(i);
            for k in 0..3 {
                m[k] += a.weight * v[k] / wsum;
            }
        }
        m
    };
    let ca = mean(&|i| anchors[i].point);
    let cq = mean(&|i| q[i]);
    // Weighted cross-covariance M[j][k] = sum w a_j q_k, and the canonical spread.
    let mut m = [[0.0f64; 3]; 3];
    let mut spread = 0.0;
    for (i, an) in anchors.iter().enumerate() {
        let a = [an.point[0] - ca[0], an.point[1] - ca[1], an.point[2] - ca[2]];
        let b = [q[i][0] - cq[0], q[i][1] - cq[1], q[i][2] - cq[2]];
        for j in 0..3 {
            for k in 0..3 {
                m[j][k] += an.weight * a[j] * b[k];
            }
            spread += an.weight * a[j] * a[j];
        }
    }
    let (sxx, sxy, sxz) = (m[0][0], m[0][1], m[0][2]);
    let (syx, syy, syz) = (m[1][0], m[1][1], m[1][2]);
    let (szx, szy, szz) = (m[2][0], m[2][1], m[2][2]);
    let n = [
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
    ];
    let [w, x, y, z] = largest_eigenvector(n);
    let rotation = [
        [w * w + x * x - y * y - z * z, 2.0 * (x * y - w * z), 2.0 * (x * z + w * y)],
        [2.0 * (x * y + w * z), w * w - x * x + y * y - z * z, 2.0 * (y * z - w * x)],
        [2.0 * (x * z - w * y), 2.0 * (y * z + w * x), w * w - x * x - y * y + z * z],
    ];
    // scale = sum w b . (R a) / sum w |a|^2
    let mut dot = 0.0;
    for j in 0..3 {
        for k in 0..3 {
            dot += rotation[k][j] * m[j][k];
        }
    }
    let scale = dot / spread;
    // A real face spans tens of pixels over the canonical face's 15 cm: well above this.
    const MIN_SCALE_PX_PER_CM: f64 = 1e-3;
    (scale.is_finite() && scale > MIN_SCALE_PX_PER_CM).then_some(Fit { rotation, scale })
}

/// The unit eigenvector of the largest eigenvalue of a symmetric 4x4 matrix (cyclic Jacobi).
fn largest_eigenvector(mut a: [[f64; 4]; 4]) -> [f64; 4] {
    let mut v = [[0.0f64; 4]; 4];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..50 {
        let off: f64 = (0..4)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..3 {
            for q in p + 1..4 {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                a[p] = std::array::from_fn(|k| c * rp[k] - s * rq[k]);
                a[q] = std::array::from_fn(|k| s * rp[k] + c * rq[k]);
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let best = (0..4).max_by(|&i, &j| a[i][i].total_cmp(&a[j][j])).unwrap_or(0);
    let e = [v[0][best], v[1][best], v[2][best], v[3][best]];
    let norm = e.iter().map(|x| x * x).sum::<f64>().sqrt();
    e.map(|x| x / norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors() -> Vec<Anchor> {
        parse_anchors(PROCRUSTES_CSV).expect("the shipped face geometry parses")
    }

    fn rot(pitch: f64, yaw: f64, roll: f64) -> [[f64; 3]; 3] {
        let (sp, cp) = pitch.to_radians().sin_cos();
        let (sy, cy) = yaw.to_radians().sin_cos();
        let (sr, cr) = roll.to_radians().sin_cos();
        let rx = [[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]];
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let rz = [[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]];
        let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
            let mut c = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    c[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
                }
            }
            c
        };
        mul(rz, mul(ry, rx))
    }

    /// Observed points for the canonical face turned by (pitch, yaw, roll), `scale` px/cm,
    /// placed at (300, 200) in the image (y down, z away).
    fn observe(anchors: &[Anchor], r: [[f64; 3]; 3], scale: f64) -> Vec<[f32; 3]> {
        let mut out = vec![[0.0f32; 3]; POINTS];
        for a in anchors {
            let p = a.point;
            let q: Vec<f64> = (0..3).map(|i| (0..3).map(|k| r[i][k] * p[k]).sum::<f64>()).collect();
            out[a.landmark] = [
                (300.0 + scale * q[0]) as f32,
                (200.0 - scale * q[1]) as f32,
                (-scale * q[2]) as f32,
            ];
        }
        out
    }

    #[test]
    fn the_shipped_geometry_has_the_weighted_landmarks() {
        let a = anchors();
        assert_eq!(a.len(), 33);
        let total: f64 = a.iter().map(|a| a.weight).sum();
        assert!((0.5..2.0).contains(&total), "weights sum to {total}");
    }

    #[test]
    fn the_fit_recovers_a_known_head_pose() {
        let a = anchors();
        for (pitch, yaw, roll) in
            [(0.0, 0.0, 0.0), (25.0, 0.0, 0.0), (-10.0, 20.0, 5.0), (40.0, -15.0, -12.0)]
        {
            let obs = observe(&a, rot(pitch, yaw, roll), 8.0);
            let fit = rigid_fit(&a, |i| obs[i]).expect("a fit");
            let (p, y, r) = fit.euler_deg();
            assert!((p as f64 - pitch).abs() < 0.01, "pitch {p} for {pitch}");
            assert!((y as f64 - yaw).abs() < 0.01, "yaw {y} for {yaw}");
            assert!((r as f64 - roll).abs() < 0.01, "roll {r} for {roll}");
            assert!((fit.scale - 8.0).abs() < 1e-6, "scale {}", fit.scale);
        }
    }

    #[test]
    fn nodding_down_reads_as_positive_pitch_in_image_terms() {
        // Pitching the face down moves the nose tip (landmark 4 sits in front, z > 0) down
        // in the image: y grows.
        let a = anchors();
        let level = observe(&a, rot(0.0, 0.0, 0.0), 8.0);
        let down = observe(&a, rot(20.0, 0.0, 0.0), 8.0);
        assert!(down[4][1] > level[4][1], "nose tip moves down the image");
    }

    #[test]
    fn garbage_points_give_no_fit_rather_than_a_panic() {
        let a = anchors();
        assert!(rigid_fit(&a, |_| [f32::NAN, 0.0, 0.0]).is_none());
        assert!(rigid_fit(&a, |_| [1.0, 1.0, 1.0]).is_none());
    }

    #[test]
    fn the_crop_is_level_with_the_eyes_and_covers_the_face() {
        use crate::pose::ModelKind;
        let pose = Pose::new(ModelKind::BlazePose, 640, 480, 1.0)
            .with(KeypointName::LeftEye, 340.0, 210.0, 1.0)
            .with(KeypointName::RightEye, 300.0, 200.0, 1.0)
            .with(KeypointName::MouthLeft, 335.0, 255.0, 1.0)
            .with(KeypointName::MouthRight, 305.0, 248.0, 1.0)
            .with(KeypointName::LeftEar, 370.0, 222.0, 1.0)
            .with(KeypointName::RightEar, 265.0, 196.0, 1.0);
        let roi = face_roi(&pose).expect("a crop");
        assert!((roi.rotation.to_degrees() - 14.04).abs() < 0.1, "{}", roi.rotation.to_degrees());
        let ears = (105.0f32).hypot(26.0);
        assert!(roi.size >= 1.5 * ears - 0.01, "{}", roi.size);
        assert!((roi.cx - 320.0).abs() < 1.0 && (roi.cy - 228.25).abs() < 1.0, "{roi:?}");
        let no_face = Pose::new(ModelKind::BlazePose, 640, 480, 1.0);
        assert!(face_roi(&no_face).is_none());
    }
}
