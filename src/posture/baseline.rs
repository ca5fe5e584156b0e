//! The calibrated baseline: robust statistics of each measure over good-posture frames (and,
//! optionally, over a deliberate slouch), with what is needed to notice that it went stale.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::measure::{MeasureKind, Measures};
use crate::pose::{Backend, KeypointName, Pose};

/// Version of the baseline's JSON layout; a profile with another version must be recalibrated.
pub const BASELINE_VERSION: u32 = 1;

/// A shift of nose and both shoulders together, as a fraction of the image diagonal, beyond
/// which the camera (or the person's seat) has probably moved since calibration.
pub const STALE_SHIFT_FRACTION: f32 = 0.08;
/// How alike the three landmark shifts must be to count as "all moved together": each one's
/// component along the mean shift is at least this fraction of the mean shift's length.
pub const STALE_COHERENCE: f32 = 0.6;

/// Median and spread of one measure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub median: f32,
    /// Median absolute deviation from the median.
    pub mad: f32,
    /// Frames that had this measure.
    pub frames: usize,
}

impl Stat {
    /// The median and MAD of `values`; `None` when empty.
    pub fn of(values: &[f32]) -> Option<Stat> {
        let median = median(values)?;
        let deviations: Vec<f32> = values.iter().map(|v| (v - median).abs()).collect();
        Some(Stat { median, mad: self::median(&deviations)?, frames: values.len() })
    }
}

/// Median of finite values; `None` when there are none.
pub fn median(values: &[f32]) -> Option<f32> {
    let mut v: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Statistics of each measure over a set of frames.
pub fn stats_of(samples: &[Measures]) -> BTreeMap<MeasureKind, Stat> {
    MeasureKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let values: Vec<f32> =
                samples.iter().filter_map(|m| m.get(kind).map(|m| m.value)).collect();
            Stat::of(&values).map(|s| (kind, s))
        })
        .collect()
}

/// Where a landmark sat, as a fraction of the image width and height.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormPoint {
    pub x: f32,
    pub y: f32,
}

/// Mean positions of the landmarks used to notice that the camera moved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Landmarks {
    pub nose: NormPoint,
    pub left_shoulder: NormPoint,
    pub right_shoulder: NormPoint,
}

impl Landmarks {
    /// The landmarks of one pose, when all three are visible enough.
    pub fn of(pose: &Pose, min_score: f32) -> Option<Landmarks> {
        let (w, h) = (pose.image_width.max(1) as f32, pose.image_height.max(1) as f32);
        let norm =
            |name| pose.visible(name, min_score).map(|p| NormPoint { x: p.x / w, y: p.y / h });
        Some(Landmarks {
            nose: norm(KeypointName::Nose)?,
            left_shoulder: norm(KeypointName::LeftShoulder)?,
            right_shoulder: norm(KeypointName::RightShoulder)?,
        })
    }

    /// The per-coordinate median of several frames' landmarks.
    pub fn median_of(all: &[Landmarks]) -> Option<Landmarks> {
        let m = |f: &dyn Fn(&Landmarks) -> f32| median(&all.iter().map(f).collect::<Vec<_>>());
        Some(Landmarks {
            nose: NormPoint { x: m(&|l| l.nose.x)?, y: m(&|l| l.nose.y)? },
            left_shoulder: NormPoint {
                x: m(&|l| l.left_shoulder.x)?,
                y: m(&|l| l.left_shoulder.y)?,
            },
            right_shoulder: NormPoint {
                x: m(&|l| l.right_shoulder.x)?,
                y: m(&|l| l.right_shoulder.y)?,
            },
        })
    }

    fn points(&self) -> [NormPoint; 3] {
        [self.nose, self.left_shoulder, self.right_shoulder]
    }
}

/// Statistics of a deliberate slouch, recorded after the upright baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlouchRecording {
    pub frames: usize,
    pub created_unix_s: u64,
    pub stats: BTreeMap<MeasureKind, Stat>,
}

/// The user's calibrated upright posture for one camera and desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    /// When it was recorded, in seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// The pose model it was recorded with; measures from another model do not compare.
    pub backend: Backend,
    pub image_width: u32,
    pub image_height: u32,
    /// Frames that went into it.
    pub frames: usize,
    pub stats: BTreeMap<MeasureKind, Stat>,
    pub landmarks: Landmarks,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slouch: Option<SlouchRecording>,
}

/// Typical upright values of each measure for BlazePose at a desk webcam, for a user who has
/// not calibrated and asked for population defaults (`knotless run --population-defaults`).
/// Medians over the calibration shots of the labelled desk renders (two people, two camera
/// set-ups, 0.65-0.8 m, camera at or above eye level) plus two frames of the demo session;
/// tilts are taken as level and the two shoulders as equal. Spreads are set wide because a
/// population is far less consistent than one person.
const POPULATION: [(MeasureKind, f32, f32); 12] = [
    (MeasureKind::HeadPitchDeg, -5.5, 4.0),
    (MeasureKind::HeadHeightRatio, 0.60, 0.04),
    (MeasureKind::FaceScaleRatio, 0.211, 0.01),
    (MeasureKind::FaceSizeRatio, 0.063, 0.005),
    (MeasureKind::DistanceCm, 71.5, 6.0),
    (MeasureKind::HeadTiltDeg, 0.0, 2.0),
    (MeasureKind::ShoulderTiltDeg, 0.0, 2.0),
    (MeasureKind::ShrugLeftRatio, 0.59, 0.04),
    (MeasureKind::ShrugRightRatio, 0.59, 0.04),
    (MeasureKind::ShrugRatio, 0.583, 0.04),
    (MeasureKind::TrunkLeanDeg, 17.0, 5.0),
    (MeasureKind::ShoulderProtractionRatio, 1.19, 0.06),
];

impl Baseline {
    /// A baseline of typical values instead of the user's own (see [`POPULATION`]): coarser
    /// than a calibration, for trying knotless before calibrating. `frames` is 0, which marks
    /// it as such.
    pub fn population(backend: Backend, image_width: u32, image_height: u32) -> Baseline {
        let stats = POPULATION
            .iter()
            .map(|&(kind, median, mad)| (kind, Stat { median, mad, frames: 0 }))
            .collect();
        let at = |x: f32, y: f32| NormPoint { x, y };
        Baseline {
            version: BASELINE_VERSION,
            created_unix_s: 0,
            backend,
            image_width,
            image_height,
            frames: 0,
            stats,
            landmarks: Landmarks {
                nose: at(0.5, 0.4),
                left_shoulder: at(0.71, 0.66),
                right_shoulder: at(0.29, 0.66),
            },
            slouch: None,
        }
    }

    /// Whether this is [`Baseline::population`] rather than a calibration.
    pub fn is_population(&self) -> bool {
        self.frames == 0
    }
}

/// Why a baseline may no longer fit what the camera sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum StaleBaseline {
    #[error(
        "the image size changed from {baseline_width}x{baseline_height} to {width}x{height} \
         since calibration; run `knotless calibrate` again"
    )]
    ImageSizeChanged { baseline_width: u32, baseline_height: u32, width: u32, height: u32 },
    #[error(
        "your face and shoulders all moved by about {shift_percent:.0} % of the image since \
         calibration: the camera or your seat probably moved; run `knotless calibrate` again"
    )]
    CameraMoved { shift_percent: f32 },
}

impl Baseline {
    /// The median of `kind` at calibration.
    pub fn median(&self, kind: MeasureKind) -> Option<f32> {
        self.stats.get(&kind).map(|s| s.median)
    }

    /// The slouch recording's median of `kind`, if a slouch was recorded.
    pub fn slouch_median(&self, kind: MeasureKind) -> Option<f32> {
        self.slouch.as_ref().and_then(|s| s.stats.get(&kind)).map(|s| s.median)
    }

    /// Stores a deliberate-slouch recording made from `samples`.
    pub fn record_slouch(&mut self, samples: &[Measures], created_unix_s: u64) {
        self.slouch = Some(SlouchRecording {
            frames: samples.len(),
            created_unix_s,
            stats: stats_of(samples),
        });
    }

    /// A warning when `pose` suggests the baseline no longer fits: another image size, or the
    /// nose and both shoulders all shifted the same way (the camera moved rather than the
    /// person's posture changing, which moves the head more than the shoulders).
    pub fn stale_warning(&self, pose: &Pose, min_score: f32) -> Option<StaleBaseline> {
        if (pose.image_width, pose.image_height) != (self.image_width, self.image_height) {
            return Some(StaleBaseline::ImageSizeChanged {
                baseline_width: self.image_width,
                baseline_height: self.image_height,
                width: pose.image_width,
                height: pose.image_height,
            });
        }
        let now = Landmarks::of(pose, min_score)?;
        // Shifts in pixels, then as a fraction of the diagonal.
        let (w, h) = (pose.image_width as f32, pose.image_height as f32);
        let diag = w.hypot(h);
        let shifts: Vec<(f32, f32)> = self
            .landmarks
            .points()
            .iter()
            .zip(now.points())
            .map(|(a, b)| ((b.x - a.x) * w / diag, (b.y - a.y) * h / diag))
            .collect();
        let mean = (
            shifts.iter().map(|s| s.0).sum::<f32>() / 3.0,
            shifts.iter().map(|s| s.1).sum::<f32>() / 3.0,
        );
        let len = mean.0.hypot(mean.1);
        if len < STALE_SHIFT_FRACTION {
            return None;
        }
        let coherent =
            shifts.iter().all(|s| (s.0 * mean.0 + s.1 * mean.1) / len >= STALE_COHERENCE * len);
        coherent.then_some(StaleBaseline::CameraMoved { shift_percent: len * 100.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::ModelKind;

    fn pose(dx: f32, dy: f32, nose_drop: f32) -> Pose {
        Pose::new(ModelKind::BlazePose, 640, 480, 1.0)
            .with(KeypointName::Nose, 320.0 + dx, 200.0 + dy + nose_drop, 0.99)
            .with(KeypointName::LeftShoulder, 440.0 + dx, 330.0 + dy, 0.99)
            .with(KeypointName::RightShoulder, 200.0 + dx, 330.0 + dy, 0.99)
    }

    fn baseline() -> Baseline {
        Baseline {
            version: BASELINE_VERSION,
            created_unix_s: 1_700_000_000,
            backend: Backend::Blazepose,
            image_width: 640,
            image_height: 480,
            frames: 10,
            stats: BTreeMap::new(),
            landmarks: Landmarks::of(&pose(0.0, 0.0, 0.0), 0.5).expect("visible"),
            slouch: None,
        }
    }

    #[test]
    fn median_and_mad() {
        let s = Stat::of(&[1.0, 2.0, 3.0, 4.0, 100.0]).expect("values");
        assert_eq!(s.median, 3.0);
        assert_eq!(s.mad, 1.0);
        assert_eq!(s.frames, 5);
        assert_eq!(median(&[2.0, 1.0]), Some(1.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn a_camera_shift_is_stale_a_slouch_is_not() {
        let b = baseline();
        assert_eq!(b.stale_warning(&pose(0.0, 0.0, 0.0), 0.5), None);
        // Head drops a lot, shoulders stay: posture, not the camera.
        assert_eq!(b.stale_warning(&pose(0.0, 0.0, 120.0), 0.5), None);
        assert!(matches!(
            b.stale_warning(&pose(90.0, 30.0, 0.0), 0.5),
            Some(StaleBaseline::CameraMoved { .. })
        ));
        let bigger = pose(0.0, 0.0, 0.0).map_points(Some((1280, 720)), |x, y| (x * 2.0, y * 1.5));
        assert!(matches!(
            b.stale_warning(&bigger, 0.5),
            Some(StaleBaseline::ImageSizeChanged { .. })
        ));
    }

    #[test]
    fn round_trips_through_json() {
        let mut b = baseline();
        b.stats.insert(MeasureKind::HeadPitchDeg, Stat { median: 3.0, mad: 0.5, frames: 10 });
        b.record_slouch(&[Measures::default()], 1_700_000_100);
        let text = serde_json::to_string(&b).expect("serialises");
        assert!(text.contains("\"head_pitch_deg\""));
        let back: Baseline = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, b);
    }
}
