//! Calibration: collects good frames of the user sitting well and turns them into a
//! [`Baseline`], rejecting frames where nobody is there, the shoulders are out of frame, the
//! person moves, or the room is too dark, and explaining a failed calibration in words the
//! user can act on.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::baseline::{BASELINE_VERSION, Baseline, Landmarks, stats_of};
use super::measure::{CameraModel, MeasureOptions, Measures, measure_with};
use crate::pose::{Backend, KeypointName, Pose};

/// Default length of a calibration.
pub const CALIBRATION_SECONDS: f32 = 10.0;
/// Default least number of good frames for a baseline.
pub const CALIBRATION_MIN_FRAMES: usize = 8;
/// Default largest movement of a face or shoulder keypoint between a frame and the recent
/// frames, as a fraction of the shoulder width (about 3-4 cm at a desk).
pub const CALIBRATION_MAX_MOVEMENT_RATIO: f32 = 0.08;
/// Default darkest acceptable mean luma (0-255) of a calibration frame.
pub const CALIBRATION_MIN_MEAN_LUMA: f32 = 35.0;
/// How many recent frames a frame is compared with for movement.
pub const MOVEMENT_WINDOW_FRAMES: usize = 3;

/// Settings of a calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSettings {
    pub min_frames: usize,
    pub max_movement_ratio: f32,
    pub min_mean_luma: f32,
}

impl Default for CalibrationSettings {
    fn default() -> Self {
        CalibrationSettings {
            min_frames: CALIBRATION_MIN_FRAMES,
            max_movement_ratio: CALIBRATION_MAX_MOVEMENT_RATIO,
            min_mean_luma: CALIBRATION_MIN_MEAN_LUMA,
        }
    }
}

/// What one frame contributes.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub pose: Option<&'a Pose>,
    /// Mean luma of the frame, 0-255 (see [`mean_luma`]).
    pub mean_luma: f32,
    /// Capture time in milliseconds.
    pub t_ms: u64,
}

/// What became of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameVerdict {
    Used,
    TooDark,
    Nobody,
    FaceNotVisible,
    ShouldersOutOfFrame,
    Moving,
}

impl FrameVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            FrameVerdict::Used => "used",
            FrameVerdict::TooDark => "too dark",
            FrameVerdict::Nobody => "nobody",
            FrameVerdict::FaceNotVisible => "face hidden",
            FrameVerdict::ShouldersOutOfFrame => "shoulders out of frame",
            FrameVerdict::Moving => "moving",
        }
    }
}

/// Why a calibration failed, with what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    #[error("no frames arrived; check the camera or the recorded session")]
    NoFrames,
    #[error(
        "nobody was visible in {nobody} of {total} frames; sit in front of the camera with \
         your face and shoulders in view"
    )]
    NobodyVisible { nobody: usize, total: usize },
    #[error(
        "your shoulders were out of frame in {count} of {total} frames; move back or tilt the \
         camera down so both shoulders show"
    )]
    ShouldersOutOfFrame { count: usize, total: usize },
    #[error(
        "your face was hidden or turned away in {count} of {total} frames; face the screen \
         and keep your face uncovered"
    )]
    FaceNotVisible { count: usize, total: usize },
    #[error(
        "you moved too much in {count} of {total} frames; sit still, upright and relaxed, \
         looking at the screen, while calibrating"
    )]
    TooMuchMovement { count: usize, total: usize },
    #[error("the image was too dark in {count} of {total} frames; turn on a light facing you")]
    TooDark { count: usize, total: usize },
    #[error(
        "only {used} good frames (at least {needed} needed); calibrate for longer \
         (--seconds) and sit still"
    )]
    TooFewFrames { used: usize, needed: usize },
}

/// Counts of frames by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FrameCounts {
    pub used: usize,
    pub too_dark: usize,
    pub nobody: usize,
    pub face_not_visible: usize,
    pub shoulders_out_of_frame: usize,
    pub moving: usize,
}

impl FrameCounts {
    pub fn total(&self) -> usize {
        self.used + self.rejected()
    }

    pub fn rejected(&self) -> usize {
        self.too_dark
            + self.nobody
            + self.face_not_visible
            + self.shoulders_out_of_frame
            + self.moving
    }

    fn add(&mut self, verdict: FrameVerdict) {
        *match verdict {
            FrameVerdict::Used => &mut self.used,
            FrameVerdict::TooDark => &mut self.too_dark,
            FrameVerdict::Nobody => &mut self.nobody,
            FrameVerdict::FaceNotVisible => &mut self.face_not_visible,
            FrameVerdict::ShouldersOutOfFrame => &mut self.shoulders_out_of_frame,
            FrameVerdict::Moving => &mut self.moving,
        } += 1;
    }

    /// Rejections with their reason, largest first.
    pub fn rejections(&self) -> Vec<(FrameVerdict, usize)> {
        let mut v: Vec<_> = [
            (FrameVerdict::TooDark, self.too_dark),
            (FrameVerdict::Nobody, self.nobody),
            (FrameVerdict::FaceNotVisible, self.face_not_visible),
            (FrameVerdict::ShouldersOutOfFrame, self.shoulders_out_of_frame),
            (FrameVerdict::Moving, self.moving),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
        v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        v
    }
}

/// Keypoints whose movement marks a frame as moving.
const TRACKED: [KeypointName; 5] = [
    KeypointName::Nose,
    KeypointName::LeftEye,
    KeypointName::RightEye,
    KeypointName::LeftShoulder,
    KeypointName::RightShoulder,
];

/// Collects calibration frames; see the module header.
#[derive(Debug)]
pub struct Calibrator {
    settings: CalibrationSettings,
    camera: CameraModel,
    backend: Backend,
    options: Option<MeasureOptions>,
    recent: VecDeque<[(f32, f32); TRACKED.len()]>,
    samples: Vec<Measures>,
    landmarks: Vec<Landmarks>,
    image_size: Option<(u32, u32)>,
    counts: FrameCounts,
}

impl Calibrator {
    /// A calibration of poses from `backend`, measured with the backend's default options.
    pub fn new(settings: CalibrationSettings, camera: CameraModel, backend: Backend) -> Calibrator {
        Calibrator {
            settings,
            camera,
            backend,
            options: None,
            recent: VecDeque::new(),
            samples: Vec::new(),
            landmarks: Vec::new(),
            image_size: None,
            counts: FrameCounts::default(),
        }
    }

    /// Measures with `options` instead of the backend's defaults.
    pub fn with_options(mut self, options: MeasureOptions) -> Calibrator {
        self.options = Some(options);
        self
    }

    /// Frames seen so far, by verdict.
    pub fn counts(&self) -> FrameCounts {
        self.counts
    }

    /// The measures of the frames used so far.
    pub fn samples(&self) -> &[Measures] {
        &self.samples
    }

    /// Takes one frame and says what became of it.
    pub fn push(&mut self, obs: Observation<'_>) -> FrameVerdict {
        let verdict = self.judge(obs);
        self.counts.add(verdict);
        verdict
    }

    fn judge(&mut self, obs: Observation<'_>) -> FrameVerdict {
        if obs.mean_luma < self.settings.min_mean_luma {
            return FrameVerdict::TooDark;
        }
        let Some(pose) = obs.pose else {
            self.recent.clear();
            return FrameVerdict::Nobody;
        };
        let options = self.options.unwrap_or_else(|| MeasureOptions::for_model(pose.model));
        let min = options.min_keypoint_score;
        let in_frame = |name| {
            pose.visible(name, min).is_some_and(|p| {
                p.x >= 0.0
                    && p.y >= 0.0
                    && p.x <= pose.image_width as f32
                    && p.y <= pose.image_height as f32
            })
        };
        if !(in_frame(KeypointName::LeftShoulder) && in_frame(KeypointName::RightShoulder)) {
            self.recent.clear();
            return FrameVerdict::ShouldersOutOfFrame;
        }
        let face = [KeypointName::Nose, KeypointName::LeftEye, KeypointName::RightEye];
        // The baseline of the head's pitch and tilt needs the face mesh to see the face well.
        let mesh_unsure =
            pose.head.is_some_and(|h| h.face_logit < super::estimate::FACE_TRUST_LOGIT);
        if !face.into_iter().all(in_frame) || mesh_unsure {
            self.recent.clear();
            return FrameVerdict::FaceNotVisible;
        }
        let tracked = TRACKED.map(|k| pose.get(k).map_or((f32::NAN, f32::NAN), |p| (p.x, p.y)));
        let shoulder_width = {
            let (l, r) = (tracked[3], tracked[4]);
            (l.0 - r.0).hypot(l.1 - r.1)
        };
        let moved = self.recent.iter().any(|prev| {
            prev.iter().zip(&tracked).any(|(a, b)| {
                (a.0 - b.0).hypot(a.1 - b.1) > self.settings.max_movement_ratio * shoulder_width
            })
        });
        self.recent.push_back(tracked);
        if self.recent.len() > MOVEMENT_WINDOW_FRAMES {
            self.recent.pop_front();
        }
        if moved {
            return FrameVerdict::Moving;
        }
        if let Some(l) = Landmarks::of(pose, min) {
            self.landmarks.push(l);
        }
        self.image_size.get_or_insert((pose.image_width, pose.image_height));
        self.samples.push(measure_with(pose, &self.camera, &options));
        FrameVerdict::Used
    }

    /// The baseline, or why there is none. `now_unix_s` stamps it.
    pub fn finish(self, now_unix_s: u64) -> Result<Baseline, CalibrationError> {
        let c = self.counts;
        let total = c.total();
        if total == 0 {
            return Err(CalibrationError::NoFrames);
        }
        let needed = self.settings.min_frames.max(1);
        if c.used < needed {
            // Name the commonest reason when it explains the shortfall.
            return Err(match c.rejections().first() {
                Some((FrameVerdict::TooDark, n)) => CalibrationError::TooDark { count: *n, total },
                Some((FrameVerdict::Nobody, n)) => {
                    CalibrationError::NobodyVisible { nobody: *n, total }
                }
                Some((FrameVerdict::ShouldersOutOfFrame, n)) => {
                    CalibrationError::ShouldersOutOfFrame { count: *n, total }
                }
                Some((FrameVerdict::FaceNotVisible, n)) => {
                    CalibrationError::FaceNotVisible { count: *n, total }
                }
                Some((FrameVerdict::Moving, n)) => {
                    CalibrationError::TooMuchMovement { count: *n, total }
                }
                _ => CalibrationError::TooFewFrames { used: c.used, needed },
            });
        }
        let (image_width, image_height) = self.image_size.unwrap_or((0, 0));
        let landmarks = Landmarks::median_of(&self.landmarks)
            .ok_or(CalibrationError::TooFewFrames { used: 0, needed })?;
        Ok(Baseline {
            version: BASELINE_VERSION,
            created_unix_s: now_unix_s,
            backend: self.backend,
            image_width,
            image_height,
            frames: c.used,
            stats: stats_of(&self.samples),
            landmarks,
            slouch: None,
        })
    }
}

/// Mean luma (Rec. 601, 0-255) of an RGB image, from a sparse grid of pixels.
pub fn mean_luma(image: &image::RgbImage) -> f32 {
    const STEP: usize = 4;
    let (w, h) = image.dimensions();
    let (mut sum, mut n) = (0f64, 0u64);
    for y in (0..h).step_by(STEP) {
        for x in (0..w).step_by(STEP) {
            let [r, g, b] = image.get_pixel(x, y).0;
            sum += 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
            n += 1;
        }
    }
    if n == 0 { 0.0 } else { (sum / n as f64) as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::ModelKind;

    fn person(dx: f32) -> Pose {
        use KeypointName::*;
        Pose::new(ModelKind::BlazePose, 640, 480, 1.0)
            .with(Nose, 320.0 + dx, 200.0, 0.99)
            .with(LeftEye, 345.0 + dx, 170.0, 0.99)
            .with(RightEye, 295.0 + dx, 170.0, 0.99)
            .with(LeftEar, 370.0 + dx, 180.0, 0.99)
            .with(RightEar, 270.0 + dx, 180.0, 0.99)
            .with(LeftShoulder, 440.0 + dx, 330.0, 0.99)
            .with(RightShoulder, 200.0 + dx, 330.0, 0.99)
    }

    fn calibrator(min_frames: usize) -> Calibrator {
        let settings = CalibrationSettings { min_frames, ..CalibrationSettings::default() };
        Calibrator::new(settings, CameraModel::default(), Backend::Blazepose)
    }

    fn obs(pose: Option<&Pose>, luma: f32) -> Observation<'_> {
        Observation { pose, mean_luma: luma, t_ms: 0 }
    }

    #[test]
    fn still_frames_make_a_baseline() {
        let mut c = calibrator(3);
        let p = person(0.0);
        for _ in 0..4 {
            assert_eq!(c.push(obs(Some(&p), 120.0)), FrameVerdict::Used);
        }
        let b = c.finish(42).expect("baseline");
        assert_eq!(b.frames, 4);
        assert_eq!(b.created_unix_s, 42);
        assert_eq!((b.image_width, b.image_height), (640, 480));
        assert!(b.stats.contains_key(&crate::posture::MeasureKind::HeadPitchDeg));
        assert!(b.stats.values().all(|s| s.mad == 0.0));
    }

    #[test]
    fn rejects_with_actionable_reasons() {
        let p = person(0.0);
        let mut dark = calibrator(2);
        dark.push(obs(Some(&p), 10.0));
        assert!(matches!(dark.finish(0), Err(CalibrationError::TooDark { .. })));

        let mut empty = calibrator(2);
        empty.push(obs(None, 120.0));
        assert!(matches!(empty.finish(0), Err(CalibrationError::NobodyVisible { .. })));

        let mut cropped = calibrator(2);
        let no_shoulder = p.clone().with(KeypointName::LeftShoulder, 700.0, 330.0, 0.99);
        cropped.push(obs(Some(&no_shoulder), 120.0));
        assert!(matches!(cropped.finish(0), Err(CalibrationError::ShouldersOutOfFrame { .. })));

        let mut fidget = calibrator(3);
        for i in 0..6 {
            let moved = person(if i % 2 == 0 { 0.0 } else { 60.0 });
            fidget.push(obs(Some(&moved), 120.0));
        }
        assert_eq!(fidget.counts().moving, 5);
        let err = fidget.finish(0).expect_err("moving");
        assert!(matches!(err, CalibrationError::TooMuchMovement { .. }));
        assert!(err.to_string().contains("sit still"));

        assert_eq!(calibrator(1).finish(0), Err(CalibrationError::NoFrames));
    }

    #[test]
    fn a_face_the_mesh_cannot_see_is_rejected() {
        let head = |face_logit| crate::pose::HeadPose {
            pitch_deg: 20.0,
            yaw_deg: 0.0,
            roll_deg: 0.0,
            scale_px_per_cm: 8.0,
            face_logit,
            nose_bridge: (320.0, 175.0),
        };
        let mut seen = person(0.0);
        seen.head = Some(head(9.0));
        let mut c = calibrator(2);
        for _ in 0..3 {
            assert_eq!(c.push(obs(Some(&seen), 120.0)), FrameVerdict::Used);
        }
        let b = c.finish(0).expect("baseline");
        assert!(b.median(crate::posture::MeasureKind::MeshPitchDeg).is_some());

        let mut away = person(0.0);
        away.head = Some(head(-3.0));
        let mut c = calibrator(2);
        for _ in 0..3 {
            assert_eq!(c.push(obs(Some(&away), 120.0)), FrameVerdict::FaceNotVisible);
        }
        let err = c.finish(0).expect_err("face turned away");
        assert!(matches!(err, CalibrationError::FaceNotVisible { count: 3, total: 3 }));
        assert!(err.to_string().contains("face the screen"));
    }

    #[test]
    fn too_few_frames_when_nothing_else_explains_it() {
        let mut c = calibrator(5);
        let p = person(0.0);
        c.push(obs(Some(&p), 120.0));
        assert_eq!(c.finish(0), Err(CalibrationError::TooFewFrames { used: 1, needed: 5 }));
    }

    #[test]
    fn luma_of_flat_images() {
        assert_eq!(mean_luma(&image::RgbImage::new(8, 8)), 0.0);
        let white = image::RgbImage::from_pixel(8, 8, image::Rgb([255, 255, 255]));
        assert!((mean_luma(&white) - 255.0).abs() < 0.01);
    }
}
