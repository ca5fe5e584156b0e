//! Assessment: one frame's [`Measures`] against the user's [`Baseline`] and the
//! [`Thresholds`], naming each problem with a level and the deviation that caused it.
//!
//! Pure and per frame: whether a problem lasts long enough to matter (a glance at the
//! keyboard is not a slouch) is the coach's decision over time windows. In particular
//! [`Problem::ScreenTooLow`] and [`Problem::ScreenTooHigh`] are only the per-frame signals of
//! looking down or up with an otherwise upright trunk; a screen is badly placed only when the
//! coach sees them over long stretches.
//!
//! Default thresholds come from `docs/research/ergonomics.md` §1.2-1.6: neck flexion 10 deg caution
//! (RULA neck score 2) and 20 deg bad (RULA 3; the best-supported risk cut-off, Norasi 2021,
//! Ariëns 2001), relative to the calibrated baseline; the others are the §1.6 table's
//! engineering defaults.

use serde::{Deserialize, Serialize};

use super::baseline::Baseline;
use super::measure::{MeasureKind, Measures, Unit};

/// Neck flexion beyond the baseline for a caution (RULA neck score 2).
pub const NECK_FLEXION_WARN_DEG: f32 = 10.0;
/// Neck flexion beyond the baseline that is bad (RULA 3, Norasi 2021).
pub const NECK_FLEXION_BAD_DEG: f32 = 20.0;
/// Head extension beyond the baseline for a caution (RULA scores any extension 4; ±5 deg is
/// natural variation plus keypoint noise, so start a little beyond it).
pub const NECK_EXTENSION_WARN_DEG: f32 = 8.0;
pub const NECK_EXTENSION_BAD_DEG: f32 = 15.0;
/// Drop of the head-height ratio, as a fraction of the baseline (§1.6: 10 % / 20 %).
pub const HEAD_DROP_WARN_FRACTION: f32 = 0.10;
pub const HEAD_DROP_BAD_FRACTION: f32 = 0.20;
/// Growth of the face in the image (about 13 % closer / 20 % closer; §1.6: +15 % / +25 %).
pub const LEAN_IN_WARN_FRACTION: f32 = 0.15;
pub const LEAN_IN_BAD_FRACTION: f32 = 0.25;
/// Estimated eye-to-camera distance (OSHA and AUVA: at least 50 cm).
pub const TOO_CLOSE_WARN_CM: f32 = 50.0;
pub const TOO_CLOSE_BAD_CM: f32 = 40.0;
/// Sideways head tilt beyond the baseline (natural ±5 deg plus keypoint noise; §1.3).
pub const HEAD_TILT_WARN_DEG: f32 = 8.0;
pub const HEAD_TILT_BAD_DEG: f32 = 15.0;
/// Shoulder line tilt beyond the baseline (§1.6: 5 / 10 deg).
pub const SHOULDER_TILT_WARN_DEG: f32 = 5.0;
pub const SHOULDER_TILT_BAD_DEG: f32 = 10.0;
/// Shortening of the ear-to-shoulder distance on either side (§1.6: 15 %).
pub const SHRUG_WARN_FRACTION: f32 = 0.15;
pub const SHRUG_BAD_FRACTION: f32 = 0.25;
/// A shrug counts only while the head pitch stays within this of the baseline (§1.6: 5 deg):
/// looking down also brings the ears towards the shoulders.
pub const SHRUG_MAX_PITCH_CHANGE_DEG: f32 = 5.0;
/// Looking down or up counts as a screen-height signal only while the face has grown by less
/// than this (the trunk stays back, not leaning in).
pub const SCREEN_MAX_LEAN_IN_FRACTION: f32 = 0.10;

/// Every threshold of the assessment; deviations are relative to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub neck_flexion_caution_deg: f32,
    pub neck_flexion_bad_deg: f32,
    pub neck_extension_caution_deg: f32,
    pub neck_extension_bad_deg: f32,
    pub head_drop_caution_fraction: f32,
    pub head_drop_bad_fraction: f32,
    pub lean_in_caution_fraction: f32,
    pub lean_in_bad_fraction: f32,
    pub too_close_caution_cm: f32,
    pub too_close_bad_cm: f32,
    pub head_tilt_caution_deg: f32,
    pub head_tilt_bad_deg: f32,
    pub shoulder_tilt_caution_deg: f32,
    pub shoulder_tilt_bad_deg: f32,
    pub shrug_caution_fraction: f32,
    pub shrug_bad_fraction: f32,
    pub shrug_max_pitch_change_deg: f32,
    pub screen_max_lean_in_fraction: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            neck_flexion_caution_deg: NECK_FLEXION_WARN_DEG,
            neck_flexion_bad_deg: NECK_FLEXION_BAD_DEG,
            neck_extension_caution_deg: NECK_EXTENSION_WARN_DEG,
            neck_extension_bad_deg: NECK_EXTENSION_BAD_DEG,
            head_drop_caution_fraction: HEAD_DROP_WARN_FRACTION,
            head_drop_bad_fraction: HEAD_DROP_BAD_FRACTION,
            lean_in_caution_fraction: LEAN_IN_WARN_FRACTION,
            lean_in_bad_fraction: LEAN_IN_BAD_FRACTION,
            too_close_caution_cm: TOO_CLOSE_WARN_CM,
            too_close_bad_cm: TOO_CLOSE_BAD_CM,
            head_tilt_caution_deg: HEAD_TILT_WARN_DEG,
            head_tilt_bad_deg: HEAD_TILT_BAD_DEG,
            shoulder_tilt_caution_deg: SHOULDER_TILT_WARN_DEG,
            shoulder_tilt_bad_deg: SHOULDER_TILT_BAD_DEG,
            shrug_caution_fraction: SHRUG_WARN_FRACTION,
            shrug_bad_fraction: SHRUG_BAD_FRACTION,
            shrug_max_pitch_change_deg: SHRUG_MAX_PITCH_CHANGE_DEG,
            screen_max_lean_in_fraction: SCREEN_MAX_LEAN_IN_FRACTION,
        }
    }
}

impl Thresholds {
    /// Each caution/bad pair, by key name, for validation.
    pub fn pairs(&self) -> [(&'static str, f32, &'static str, f32); 7] {
        [
            (
                "neck_flexion_caution_deg",
                self.neck_flexion_caution_deg,
                "neck_flexion_bad_deg",
                self.neck_flexion_bad_deg,
            ),
            (
                "neck_extension_caution_deg",
                self.neck_extension_caution_deg,
                "neck_extension_bad_deg",
                self.neck_extension_bad_deg,
            ),
            (
                "head_drop_caution_fraction",
                self.head_drop_caution_fraction,
                "head_drop_bad_fraction",
                self.head_drop_bad_fraction,
            ),
            (
                "lean_in_caution_fraction",
                self.lean_in_caution_fraction,
                "lean_in_bad_fraction",
                self.lean_in_bad_fraction,
            ),
            (
                "head_tilt_caution_deg",
                self.head_tilt_caution_deg,
                "head_tilt_bad_deg",
                self.head_tilt_bad_deg,
            ),
            (
                "shoulder_tilt_caution_deg",
                self.shoulder_tilt_caution_deg,
                "shoulder_tilt_bad_deg",
                self.shoulder_tilt_bad_deg,
            ),
            (
                "shrug_caution_fraction",
                self.shrug_caution_fraction,
                "shrug_bad_fraction",
                self.shrug_bad_fraction,
            ),
        ]
    }
}

/// A posture problem the assessment can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Head bent forward and down (neck flexion, forward head).
    NeckFlexion,
    /// The head sinking towards the shoulders without looking down (slouching).
    HeadDrop,
    /// Leaning in: the face much closer than at calibration, or nearer than 50 cm.
    TooClose,
    /// Head tilted sideways.
    HeadTilt,
    /// One shoulder lower than the other.
    UnevenShoulders,
    /// Shoulders raised towards the ears.
    ShruggedShoulders,
    /// Looking down with an upright trunk (per frame; see the module header).
    ScreenTooLow,
    /// Looking up with an upright trunk (per frame; see the module header).
    ScreenTooHigh,
}

impl Problem {
    pub const ALL: [Problem; 8] = [
        Problem::NeckFlexion,
        Problem::HeadDrop,
        Problem::TooClose,
        Problem::HeadTilt,
        Problem::UnevenShoulders,
        Problem::ShruggedShoulders,
        Problem::ScreenTooLow,
        Problem::ScreenTooHigh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Problem::NeckFlexion => "neck_flexion",
            Problem::HeadDrop => "head_drop",
            Problem::TooClose => "too_close",
            Problem::HeadTilt => "head_tilt",
            Problem::UnevenShoulders => "uneven_shoulders",
            Problem::ShruggedShoulders => "shrugged_shoulders",
            Problem::ScreenTooLow => "screen_too_low",
            Problem::ScreenTooHigh => "screen_too_high",
        }
    }
}

/// How bad a problem is in this frame.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Ok,
    Caution,
    Bad,
}

/// The measured deviation behind a finding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Deviation {
    /// The measure it comes from.
    pub measure: MeasureKind,
    /// The deviation (from the baseline, or the absolute value for `distance_cm`).
    pub value: f32,
    pub unit: Unit,
}

/// One problem's level in this frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub problem: Problem,
    pub level: Level,
    pub deviation: Deviation,
}

/// The findings of one frame: one per problem whose measures were available.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub findings: Vec<Finding>,
}

impl Assessment {
    /// The most severe finding (the first of equals, in [`Problem::ALL`] order); `None` when
    /// nothing could be assessed.
    pub fn worst(&self) -> Option<&Finding> {
        self.findings.iter().rev().max_by_key(|f| f.level)
    }

    /// True when every assessed problem is [`Level::Ok`] (also when nothing was assessed).
    pub fn is_good(&self) -> bool {
        self.findings.iter().all(|f| f.level == Level::Ok)
    }

    /// The finding for one problem.
    pub fn get(&self, problem: Problem) -> Option<&Finding> {
        self.findings.iter().find(|f| f.problem == problem)
    }

    /// The level of one problem; `Ok` when it was not assessed.
    pub fn level(&self, problem: Problem) -> Level {
        self.get(problem).map_or(Level::Ok, |f| f.level)
    }
}

/// `value` against a caution and a bad threshold (both positive, larger is worse).
fn level_of(value: f32, caution: f32, bad: f32) -> Level {
    if value >= bad {
        Level::Bad
    } else if value >= caution {
        Level::Caution
    } else {
        Level::Ok
    }
}

/// Thresholds moved to the user's own slouch: caution midway between upright and the recorded
/// slouch, bad at the slouch itself. Kept within half and twice the defaults so that a
/// half-hearted or exaggerated slouch recording cannot make the monitor useless.
fn personal(slouch_deviation: Option<f32>, caution: f32, bad: f32) -> (f32, f32) {
    match slouch_deviation {
        Some(d) if d.is_finite() && d > 0.0 => {
            let c = (d / 2.0).clamp(caution / 2.0, caution * 2.0);
            let b = d.clamp(bad / 2.0, bad * 2.0).max(c * 1.2);
            (c, b)
        }
        _ => (caution, bad),
    }
}

/// Assesses one frame's measures; see the module header.
pub fn assess(measures: &Measures, baseline: &Baseline, t: &Thresholds) -> Assessment {
    let delta = |kind: MeasureKind| Some(measures.get(kind)?.value - baseline.median(kind)?);
    let relative = |kind: MeasureKind| {
        let base = baseline.median(kind).filter(|b| b.abs() > f32::EPSILON)?;
        Some(measures.get(kind)?.value / base - 1.0)
    };
    let slouch_delta =
        |kind: MeasureKind| Some(baseline.slouch_median(kind)? - baseline.median(kind)?);
    let slouch_relative = |kind: MeasureKind| {
        let base = baseline.median(kind).filter(|b| b.abs() > f32::EPSILON)?;
        Some(baseline.slouch_median(kind)? / base - 1.0)
    };
    let dev = |measure: MeasureKind, value: f32, unit: Unit| Deviation { measure, value, unit };

    let pitch = delta(MeasureKind::HeadPitchDeg);
    let lean_in = relative(MeasureKind::FaceSizeRatio);
    let mut findings = Vec::new();
    let mut push = |problem, level, deviation| findings.push(Finding { problem, level, deviation });

    let (flex_caution, flex_bad) = personal(
        slouch_delta(MeasureKind::HeadPitchDeg),
        t.neck_flexion_caution_deg,
        t.neck_flexion_bad_deg,
    );
    let flexion = pitch.map(|d| level_of(d, flex_caution, flex_bad));
    if let (Some(d), Some(level)) = (pitch, flexion) {
        push(Problem::NeckFlexion, level, dev(MeasureKind::HeadPitchDeg, d, Unit::Deg));
    }

    let (lean_caution, lean_bad) = personal(
        slouch_relative(MeasureKind::FaceSizeRatio),
        t.lean_in_caution_fraction,
        t.lean_in_bad_fraction,
    );
    let leaning = lean_in.map(|r| level_of(r, lean_caution, lean_bad));
    let distance = measures.distance_cm.map(|m| m.value);
    let near = distance.map(|cm| level_of(-cm, -t.too_close_caution_cm, -t.too_close_bad_cm));
    match (leaning, near) {
        (Some(l), n) if n.is_none_or(|n| l >= n) => push(
            Problem::TooClose,
            l,
            dev(MeasureKind::FaceSizeRatio, lean_in.unwrap_or(0.0), Unit::Fraction),
        ),
        (_, Some(n)) => push(
            Problem::TooClose,
            n,
            dev(MeasureKind::DistanceCm, distance.unwrap_or(0.0), Unit::Cm),
        ),
        _ => {}
    }

    // The head drops when looking down or leaning in too; those explain a drop better.
    let explained =
        flexion.is_some_and(|l| l > Level::Ok) || leaning.is_some_and(|l| l > Level::Ok);
    if let Some(r) = relative(MeasureKind::HeadHeightRatio) {
        let (caution, bad) = personal(
            slouch_relative(MeasureKind::HeadHeightRatio).map(|s| -s),
            t.head_drop_caution_fraction,
            t.head_drop_bad_fraction,
        );
        let level = if explained { Level::Ok } else { level_of(-r, caution, bad) };
        push(Problem::HeadDrop, level, dev(MeasureKind::HeadHeightRatio, r, Unit::Fraction));
    }

    if let Some(d) = delta(MeasureKind::HeadTiltDeg) {
        let level = level_of(d.abs(), t.head_tilt_caution_deg, t.head_tilt_bad_deg);
        push(Problem::HeadTilt, level, dev(MeasureKind::HeadTiltDeg, d, Unit::Deg));
    }
    if let Some(d) = delta(MeasureKind::ShoulderTiltDeg) {
        let level = level_of(d.abs(), t.shoulder_tilt_caution_deg, t.shoulder_tilt_bad_deg);
        push(Problem::UnevenShoulders, level, dev(MeasureKind::ShoulderTiltDeg, d, Unit::Deg));
    }

    let sides = [MeasureKind::ShrugLeftRatio, MeasureKind::ShrugRightRatio]
        .into_iter()
        .filter_map(|k| relative(k).map(|r| (k, r)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((kind, r)) = sides {
        let head_still = pitch.is_none_or(|d| d.abs() < t.shrug_max_pitch_change_deg);
        let level = if head_still {
            level_of(-r, t.shrug_caution_fraction, t.shrug_bad_fraction)
        } else {
            Level::Ok
        };
        push(Problem::ShruggedShoulders, level, dev(kind, r, Unit::Fraction));
    }

    if let Some(d) = pitch {
        let upright = lean_in.is_none_or(|r| r < t.screen_max_lean_in_fraction);
        let low = if upright { flexion.unwrap_or(Level::Ok) } else { Level::Ok };
        push(Problem::ScreenTooLow, low, dev(MeasureKind::HeadPitchDeg, d, Unit::Deg));
        let high = if upright {
            level_of(-d, t.neck_extension_caution_deg, t.neck_extension_bad_deg)
        } else {
            Level::Ok
        };
        push(Problem::ScreenTooHigh, high, dev(MeasureKind::HeadPitchDeg, d, Unit::Deg));
    }

    findings.sort_by_key(|f| f.problem);
    Assessment { findings }
}

#[cfg(test)]
mod tests;
