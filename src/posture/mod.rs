//! Posture: [`Measures`] from a [`Pose`](crate::pose::Pose) (pure geometry), a [`Baseline`]
//! from calibration frames (robust statistics, quality checks), an [`Assessment`] of one frame
//! against the baseline and [`Thresholds`], and the saved calibration profiles. Keeps no state
//! over time: that is the coach's job.

pub mod assess;
pub mod baseline;
pub mod calibrate;
pub mod estimate;
pub mod measure;
pub mod profile;

pub use assess::{Assessment, Deviation, Finding, Level, Problem, Thresholds, assess, assess_with};
pub use baseline::{Baseline, Landmarks, SlouchRecording, StaleBaseline, Stat};
pub use calibrate::{
    CalibrationError, CalibrationSettings, Calibrator, FrameCounts, FrameVerdict, Observation,
    mean_luma,
};
pub use estimate::{Features, PostureAngles, PostureModel, TrueAngles};
pub use measure::{
    CameraModel, Measure, MeasureKind, MeasureOptions, Measures, Unit, measure, measure_with,
};
pub use profile::{DEFAULT_PROFILE, ProfileError, ProfileName};
