//! BlazePose, as MediaPipe's pose graph runs it: a person detector on a letterboxed 224 px
//! square, a rotated square region of interest (ROI) around the person, and the landmark model
//! on a 256 px crop of that region. The landmark model also returns two auxiliary points from
//! which the next frame's ROI is derived, so the detector runs only on the first frame or when
//! tracking is lost.

use std::f32::consts::{FRAC_PI_2, PI};

use image::RgbImage;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};

use super::model::{ModelFiles, Signature, TensorSpec, load_session};
use super::preprocess::{Border, Letterbox, Roi, warp_f32};
use super::{
    KEYPOINT_COUNT, Keypoint, KeypointName, ModelKind, Pose, PoseError, PoseEstimator, WorldPoint,
};

pub const DETECTOR_FILE: &str = "blazepose_detector.onnx";
const DETECTOR_SIDE: u32 = 224;
const LANDMARK_SIDE: u32 = 256;
const NUM_ANCHORS: usize = 2254;
/// Per anchor: box (cx, cy, w, h) then 4 keypoints (x, y).
const BOX_VALUES: usize = 12;
/// Landmarks including the two auxiliary ROI points.
const NUM_LANDMARKS: usize = 39;
const LANDMARK_VALUES: usize = 5;
/// MediaPipe's minimum detection score (after the sigmoid).
pub const MIN_DETECTION_SCORE: f32 = 0.5;
/// MediaPipe's minimum tracking confidence: below it the person counts as lost.
pub const MIN_POSE_FLAG: f32 = 0.5;
/// The ROI is this much larger than twice the alignment-point distance.
const ROI_SCALE: f32 = 1.25;
/// Raw detector logits are clipped to this magnitude before the sigmoid, as MediaPipe does.
const SCORE_CLIP: f32 = 100.0;
/// Auxiliary landmarks: the centre and the scale/rotation point of the next ROI.
const AUX_CENTRE: usize = 33;
const AUX_SCALE: usize = 34;

/// Which landmark model to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LandmarkVariant {
    Full,
    Lite,
}

impl LandmarkVariant {
    pub fn file(self) -> &'static str {
        match self {
            LandmarkVariant::Full => "blazepose_landmark_full.onnx",
            LandmarkVariant::Lite => "blazepose_landmark_lite.onnx",
        }
    }

    /// The kind the poses it finds carry: the two models read posture differently (see
    /// `posture::MeasureOptions::for_model`).
    pub fn model_kind(self) -> ModelKind {
        match self {
            LandmarkVariant::Full => ModelKind::BlazePose,
            LandmarkVariant::Lite => ModelKind::BlazePoseLite,
        }
    }
}

const DETECTOR_SIGNATURE: Signature = Signature {
    inputs: &[TensorSpec {
        name: "input",
        ty: TensorElementType::Float32,
        shape: &[1, 224, 224, 3],
    }],
    outputs: &[
        TensorSpec { name: "boxes", ty: TensorElementType::Float32, shape: &[1, 2254, 12] },
        TensorSpec { name: "scores", ty: TensorElementType::Float32, shape: &[1, 2254, 1] },
    ],
};

const LANDMARK_SIGNATURE: Signature = Signature {
    inputs: &[TensorSpec {
        name: "input",
        ty: TensorElementType::Float32,
        shape: &[1, 256, 256, 3],
    }],
    outputs: &[
        TensorSpec { name: "landmarks", ty: TensorElementType::Float32, shape: &[1, 195] },
        TensorSpec { name: "pose_flag", ty: TensorElementType::Float32, shape: &[1, 1] },
        TensorSpec { name: "world_landmarks", ty: TensorElementType::Float32, shape: &[1, 117] },
    ],
};

/// Counters, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BlazePoseStats {
    pub detector_runs: u64,
    pub landmark_runs: u64,
    /// Sigmoid score of the last detection.
    pub last_detection_score: Option<f32>,
    /// The ROI the landmark model last ran on.
    pub last_roi: Option<Roi>,
    /// The landmark model's last pose flag (person present, 0..1).
    pub last_pose_flag: Option<f32>,
}

/// A person found by the detector: its two alignment points in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub score: f32,
    pub centre: (f32, f32),
    pub scale_point: (f32, f32),
}

/// The BlazePose backend: detector plus landmark model, tracking from frame to frame.
pub struct BlazePose {
    detector: Session,
    landmarks: Session,
    anchors: Vec<(f32, f32)>,
    detector_input: Vec<f32>,
    landmark_input: Vec<f32>,
    boxes: Vec<f32>,
    scores: Vec<f32>,
    tracked: Option<Roi>,
    stats: BlazePoseStats,
    kind: ModelKind,
}

/// The landmark model's raw outputs for one crop.
pub struct LandmarkOutput {
    pub landmarks: [f32; NUM_LANDMARKS * LANDMARK_VALUES],
    pub pose_flag: f32,
    pub world: [f32; NUM_LANDMARKS * 3],
}

impl BlazePose {
    pub fn load(
        files: &ModelFiles,
        variant: LandmarkVariant,
        threads: usize,
    ) -> Result<BlazePose, PoseError> {
        let detector = load_session(files, DETECTOR_FILE, &DETECTOR_SIGNATURE, threads)?;
        let landmarks = load_session(files, variant.file(), &LANDMARK_SIGNATURE, threads)?;
        Ok(BlazePose {
            detector,
            landmarks,
            anchors: ssd_anchors(),
            detector_input: Vec::new(),
            landmark_input: Vec::new(),
            boxes: Vec::new(),
            scores: Vec::new(),
            tracked: None,
            stats: BlazePoseStats::default(),
            kind: variant.model_kind(),
        })
    }

    pub fn stats(&self) -> BlazePoseStats {
        self.stats
    }

    /// Runs the detector on `image`; the best detection if it reaches the threshold.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Option<Detection>, PoseError> {
        let lb = self.detector_preprocess(image);
        self.detector_infer()?;
        let best = decode_best_detection(&self.boxes, &self.scores, &self.anchors, &lb);
        self.stats.last_detection_score = best.map(|d| d.score);
        Ok(best.filter(|d| d.score >= MIN_DETECTION_SCORE))
    }

    /// Letterboxes `image` into the detector's input; returns how it was fitted.
    pub fn detector_preprocess(&mut self, image: &RgbImage) -> Letterbox {
        let lb = Letterbox::fit(image.width(), image.height(), DETECTOR_SIDE);
        warp_f32(
            image,
            DETECTOR_SIDE,
            &lb.affine(),
            Border::Zero,
            (-1.0, 1.0),
            &mut self.detector_input,
        );
        lb
    }

    /// Runs the detector on the prepared input, keeping its raw boxes and scores.
    pub fn detector_infer(&mut self) -> Result<(&[f32], &[f32]), PoseError> {
        let err = |e: ort::Error| PoseError::Inference {
            model: "blazepose detector",
            reason: e.to_string(),
        };
        let side = DETECTOR_SIDE as usize;
        let input =
            TensorRef::from_array_view(([1usize, side, side, 3], self.detector_input.as_slice()))
                .map_err(err)?;
        let outputs = self.detector.run(ort::inputs!["input" => input]).map_err(err)?;
        let (_, boxes) = outputs["boxes"].try_extract_tensor::<f32>().map_err(err)?;
        let (_, scores) = outputs["scores"].try_extract_tensor::<f32>().map_err(err)?;
        self.boxes.clear();
        self.boxes.extend_from_slice(boxes);
        self.scores.clear();
        self.scores.extend_from_slice(scores);
        self.stats.detector_runs += 1;
        Ok((&self.boxes, &self.scores))
    }

    /// The detector's anchor centres.
    pub fn anchors(&self) -> &[(f32, f32)] {
        &self.anchors
    }

    /// Runs the landmark model on the `roi` crop of `image`.
    pub fn landmarks(&mut self, image: &RgbImage, roi: &Roi) -> Result<LandmarkOutput, PoseError> {
        self.landmark_preprocess(image, roi);
        self.landmark_infer(roi)
    }

    /// Crops the rotated `roi` of `image` into the landmark model's input.
    pub fn landmark_preprocess(&mut self, image: &RgbImage, roi: &Roi) {
        warp_f32(
            image,
            LANDMARK_SIDE,
            &roi.affine(LANDMARK_SIDE),
            Border::Replicate,
            (0.0, 1.0),
            &mut self.landmark_input,
        );
    }

    /// Runs the landmark model on the prepared crop of `roi`.
    pub fn landmark_infer(&mut self, roi: &Roi) -> Result<LandmarkOutput, PoseError> {
        let err = |e: ort::Error| PoseError::Inference {
            model: "blazepose landmarks",
            reason: e.to_string(),
        };
        let side = LANDMARK_SIDE as usize;
        let input =
            TensorRef::from_array_view(([1usize, side, side, 3], self.landmark_input.as_slice()))
                .map_err(err)?;
        let outputs = self.landmarks.run(ort::inputs!["input" => input]).map_err(err)?;
        let mut out = LandmarkOutput {
            landmarks: [0.0; NUM_LANDMARKS * LANDMARK_VALUES],
            pose_flag: 0.0,
            world: [0.0; NUM_LANDMARKS * 3],
        };
        let (_, lm) = outputs["landmarks"].try_extract_tensor::<f32>().map_err(err)?;
        let (_, flag) = outputs["pose_flag"].try_extract_tensor::<f32>().map_err(err)?;
        let (_, world) = outputs["world_landmarks"].try_extract_tensor::<f32>().map_err(err)?;
        if lm.len() != out.landmarks.len() || world.len() != out.world.len() || flag.is_empty() {
            return Err(PoseError::Inference {
                model: "blazepose landmarks",
                reason: "unexpected output sizes".into(),
            });
        }
        out.landmarks.copy_from_slice(lm);
        out.world.copy_from_slice(world);
        out.pose_flag = flag[0];
        self.stats.landmark_runs += 1;
        self.stats.last_roi = Some(*roi);
        self.stats.last_pose_flag = Some(out.pose_flag);
        Ok(out)
    }
}

impl PoseEstimator for BlazePose {
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError> {
        let roi = match self.tracked {
            Some(roi) => roi,
            None => match self.detect(image)? {
                Some(det) => {
                    let roi = roi_from_alignment(det.centre, det.scale_point);
                    tracing::debug!(score = det.score, ?roi, "person detected");
                    roi
                }
                None => return Ok(None),
            },
        };
        let out = self.landmarks(image, &roi)?;
        if out.pose_flag < MIN_POSE_FLAG {
            // Lost: the next frame starts again from the detector.
            let was_tracking = self.tracked.take().is_some();
            if was_tracking {
                return self.estimate(image);
            }
            return Ok(None);
        }
        let (pose, next) = decode_landmarks(&out, &roi, self.kind, image.width(), image.height());
        self.tracked = Some(next);
        Ok(Some(pose))
    }

    fn reset(&mut self) {
        self.tracked = None;
    }
}

/// MediaPipe's SSD anchors for the pose detector: strides 8, 16, 32, 32, 32 on a 224 input,
/// two anchors per cell and layer, fixed size; layers of equal stride share cells. Only the
/// centres matter because the anchor size is fixed to 1.
pub fn ssd_anchors() -> Vec<(f32, f32)> {
    const STRIDES: [u32; 5] = [8, 16, 32, 32, 32];
    const ANCHORS_PER_LAYER: usize = 2;
    let mut anchors = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let mut same = 0;
        while layer + same < STRIDES.len() && STRIDES[layer + same] == stride {
            same += 1;
        }
        let cells = DETECTOR_SIDE.div_ceil(stride);
        for row in 0..cells {
            for col in 0..cells {
                let centre = ((col as f32 + 0.5) / cells as f32, (row as f32 + 0.5) / cells as f32);
                anchors.extend(std::iter::repeat_n(centre, same * ANCHORS_PER_LAYER));
            }
        }
        layer += same;
    }
    anchors
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Anchors overlapping the best one by more than this (intersection over union) are merged
/// into it, as MediaPipe's weighted non-maximum suppression does.
const NMS_MIN_IOU: f32 = 0.3;

/// The person: the best-scoring anchor's detection merged with the candidates that overlap
/// it (weighted by score, as MediaPipe's weighted non-maximum suppression does for its top
/// detection), mapped back from the letterboxed square to image pixels. Only one person is
/// wanted at a desk, so the other clusters are ignored.
pub fn decode_best_detection(
    boxes: &[f32],
    scores: &[f32],
    anchors: &[(f32, f32)],
    lb: &Letterbox,
) -> Option<Detection> {
    let n = anchors.len().min(scores.len()).min(boxes.len() / BOX_VALUES);
    let score = |i: usize| sigmoid(scores[i].clamp(-SCORE_CLIP, SCORE_CLIP));
    let best = (0..n)
        .filter(|&i| scores[i].is_finite())
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))?;
    let side = DETECTOR_SIDE as f32;
    // Box and keypoints of anchor i in letterboxed-square pixels: offsets from the anchor centre.
    let decoded = |i: usize| -> [f32; 12] {
        let b = &boxes[i * BOX_VALUES..(i + 1) * BOX_VALUES];
        let (ax, ay) = (anchors[i].0 * side, anchors[i].1 * side);
        let mut out = [0.0; 12];
        out[0] = b[0] + ax;
        out[1] = b[1] + ay;
        out[2] = b[2];
        out[3] = b[3];
        for k in 0..4 {
            out[4 + 2 * k] = b[4 + 2 * k] + ax;
            out[5 + 2 * k] = b[5 + 2 * k] + ay;
        }
        out
    };
    let top = decoded(best);
    let top_score = score(best);
    let (mut merged, mut weight) = ([0.0f32; 12], 0.0f32);
    for i in 0..n {
        let s = score(i);
        if i != best && (s < MIN_DETECTION_SCORE || !s.is_finite()) {
            continue;
        }
        let d = decoded(i);
        if i != best && iou(&top, &d) <= NMS_MIN_IOU {
            continue;
        }
        for (m, v) in merged.iter_mut().zip(d) {
            *m += v * s;
        }
        weight += s;
    }
    let values = if weight > 0.0 { merged.map(|v| v / weight) } else { top };
    Some(Detection {
        score: top_score,
        centre: lb.to_image(values[4], values[5]),
        scale_point: lb.to_image(values[6], values[7]),
    })
}

/// Intersection over union of two (cx, cy, w, h) boxes.
fn iou(a: &[f32; 12], b: &[f32; 12]) -> f32 {
    let span = |c: f32, w: f32| (c - w / 2.0, c + w / 2.0);
    let ((ax0, ax1), (ay0, ay1)) = (span(a[0], a[2]), span(a[1], a[3]));
    let ((bx0, bx1), (by0, by1)) = (span(b[0], b[2]), span(b[1], b[3]));
    let iw = (ax1.min(bx1) - ax0.max(bx0)).max(0.0);
    let ih = (ay1.min(by1) - ay0.max(by0)).max(0.0);
    let inter = iw * ih;
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// The ROI around a person given two alignment points: centred on the first, side twice their
/// distance (times [`ROI_SCALE`]), rotated so that the second point is straight above.
pub fn roi_from_alignment(centre: (f32, f32), scale_point: (f32, f32)) -> Roi {
    let (dx, dy) = (scale_point.0 - centre.0, scale_point.1 - centre.1);
    let size = 2.0 * (dx * dx + dy * dy).sqrt() * ROI_SCALE;
    let rotation = normalize_radians(FRAC_PI_2 - (-dy).atan2(dx));
    Roi { cx: centre.0, cy: centre.1, size, rotation }
}

fn normalize_radians(a: f32) -> f32 {
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

/// Maps the landmark model's output to a pose in image pixels, and derives the next frame's
/// ROI from the auxiliary points.
pub fn decode_landmarks(
    out: &LandmarkOutput,
    roi: &Roi,
    kind: ModelKind,
    width: u32,
    height: u32,
) -> (Pose, Roi) {
    let side = LANDMARK_SIDE as f32;
    let point = |i: usize| {
        let v = &out.landmarks[i * LANDMARK_VALUES..(i + 1) * LANDMARK_VALUES];
        let (x, y) = roi.to_image(v[0] / side, v[1] / side);
        (x, y, sigmoid(v[3]), sigmoid(v[4]))
    };
    let mut pose = Pose::new(kind, width, height, out.pose_flag);
    for name in KeypointName::ALL {
        let (x, y, visibility, _presence) = point(name.index());
        pose.set(name, Keypoint { x, y, score: visibility });
    }
    let (s, c) = roi.rotation.sin_cos();
    let mut world = [WorldPoint { x: 0.0, y: 0.0, z: 0.0 }; KEYPOINT_COUNT];
    for (i, w) in world.iter_mut().enumerate() {
        let (x, y, z) = (out.world[i * 3], out.world[i * 3 + 1], out.world[i * 3 + 2]);
        *w = WorldPoint { x: c * x - s * y, y: s * x + c * y, z };
    }
    pose.set_world(world);
    let (cx, cy, _, _) = point(AUX_CENTRE);
    let (sx, sy, _, _) = point(AUX_SCALE);
    (pose, roi_from_alignment((cx, cy), (sx, sy)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_the_detector_output() {
        let a = ssd_anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        // First cell of the stride-8 layer, two anchors.
        assert_eq!(a[0], (0.5 / 28.0, 0.5 / 28.0));
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], (1.5 / 28.0, 0.5 / 28.0));
        // The last six anchors share the last 7x7 cell.
        let last = (6.5 / 7.0, 6.5 / 7.0);
        assert!(a[NUM_ANCHORS - 6..].iter().all(|&p| p == last));
        assert_eq!(a[28 * 28 * 2], (0.5 / 14.0, 0.5 / 14.0));
    }

    #[test]
    fn upright_person_has_no_rotation() {
        // Scale point straight above the hip centre.
        let roi = roi_from_alignment((320.0, 400.0), (320.0, 200.0));
        assert!(roi.rotation.abs() < 1e-6);
        assert!((roi.size - 500.0).abs() < 1e-3);
        // Leaning to the image's right: the top point is to the right, rotation positive.
        let tilted = roi_from_alignment((320.0, 400.0), (420.0, 227.0));
        assert!(tilted.rotation > 0.4 && tilted.rotation < 0.6, "{}", tilted.rotation);
    }

    #[test]
    fn best_detection_is_mapped_to_image_pixels() {
        let anchors = ssd_anchors();
        let lb = Letterbox::fit(640, 480, DETECTOR_SIDE);
        let mut boxes = vec![0.0f32; NUM_ANCHORS * BOX_VALUES];
        let mut scores = vec![-5.0f32; NUM_ANCHORS];
        let best = 28 * 28 * 2 + 14 * 7 + 7; // a stride-16 cell near the middle
        scores[best] = 3.0;
        boxes[best * BOX_VALUES + 4] = 2.0; // keypoint 0 x offset
        boxes[best * BOX_VALUES + 7] = -50.0; // keypoint 1 y offset
        let det = decode_best_detection(&boxes, &scores, &anchors, &lb).unwrap();
        assert!((det.score - sigmoid(3.0)).abs() < 1e-6);
        let (ax, ay) = anchors[best];
        let (ex, ey) = lb.to_image(ax * 224.0 + 2.0, ay * 224.0);
        assert!((det.centre.0 - ex).abs() < 1e-3 && (det.centre.1 - ey).abs() < 1e-3);
        assert!(det.scale_point.1 < det.centre.1);
    }
}
