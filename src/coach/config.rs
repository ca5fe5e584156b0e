//! The coach's settings: the `[coach]` section of the config file.
//!
//! Every default comes from `docs/research/ergonomics.md` §3.4 (timing, alert fatigue) unless its
//! comment says it is our own inference. `config/default.toml` documents the same keys and a test
//! keeps it equal to [`CoachConfig::default`].

use serde::{Deserialize, Serialize};

/// Timing of alerts, breaks and presence. Durations carry their unit in the name; `_share`
/// values are fractions from 0 to 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoachConfig {
    /// Length of the rolling window that judges each posture problem, in seconds.
    pub window_s: u32,
    /// A problem turns on when at least this share of the window's observed time is off.
    pub bad_on_share: f32,
    /// ... and turns off again when the share falls below this (hysteresis).
    pub bad_off_share: f32,
    /// How long bad posture must last before the first alert, in seconds.
    pub alert_after_s: u32,
    /// The same for severe cases (level bad with a large deviation), in seconds.
    pub severe_alert_after_s: u32,
    /// An angle deviation at least this large is severe, in degrees.
    pub severe_angle_deg: f32,
    /// A relative deviation at least this large is severe (0.25 = 25 % off the baseline).
    pub severe_fraction: f32,
    /// Good posture held this long after an alert counts as corrected: it ends the cooldown
    /// early and starts a new episode, in seconds.
    pub good_hold_s: u32,
    /// After an alert, the same problem stays quiet this long, in minutes.
    pub cooldown_min: u32,
    /// At least this long between any two prompts (alerts or break reminders), in seconds.
    pub alert_gap_s: u32,
    /// At most this many alerts ...
    pub cap_alerts: u32,
    /// ... within this many minutes.
    pub cap_window_min: u32,
    /// The alert that makes this many for the same problem within `escalate_window_min`
    /// suggests a break and a stretch instead.
    pub escalate_alerts: u32,
    /// Window for escalation, in minutes.
    pub escalate_window_min: u32,
    /// Escalate too when the problem took more than this share of the escalation window.
    pub escalate_bad_share: f32,
    /// Window for the workstation problems (screen too low, too high, too close), in minutes.
    pub setup_window_min: u32,
    /// A workstation problem is reported when it takes at least this share of its window.
    pub setup_bad_share: f32,
    /// Set-up advice for the same problem at most once in this many hours.
    pub setup_repeat_h: u32,
    /// Nobody in view this long means the user is away, in seconds.
    pub away_after_s: u32,
    /// An absence at least this long counts as a break and restarts the sitting clock, in
    /// seconds.
    pub break_min_s: u32,
    /// Remind to take a break after this much continuous presence, in minutes (30-50).
    pub break_every_min: u32,
    /// If the break is not taken, remind again after this many minutes.
    pub break_remind_min: u32,
    /// At most this many break reminders per sitting, the first included.
    pub break_reminders: u32,
    /// A frame stands for at most this much time since the previous one; a longer gap is time
    /// unseen and restarts the posture episodes, in seconds.
    pub frame_gap_max_s: u32,
}

impl Default for CoachConfig {
    fn default() -> Self {
        CoachConfig {
            // Ariëns 2001 measures exposure as a share of time; 70 % of 60 s on, 30 % off.
            window_s: 60,
            bad_on_share: 0.7,
            bad_off_share: 0.3,
            // Lumo's recommended 2-min delay; ISO 11226 allows 8 min at 25° as the upper bound.
            alert_after_s: 120,
            // Δpitch ≥ 25° (ISO 11226's limit angle) alerts after 60 s.
            severe_alert_after_s: 60,
            severe_angle_deg: 25.0,
            // Inference (no published number): past the posture layer's bad levels for head drop
            // (20 %) and shrug (25 %), as 25 deg is past its 20-deg bad level for flexion.
            severe_fraction: 0.3,
            good_hold_s: 30,
            cooldown_min: 15,
            // Inference: head drop, neck flexion and screen height move together; one prompt
            // at a time.
            alert_gap_s: 120,
            // ≤ 3 nudges / 30 min (alert fatigue: SuperBreak, Henning 1997).
            cap_alerts: 3,
            cap_window_min: 30,
            // 3 nudges for one issue in 30 min, or > 50 % of it bad: break + stretch.
            escalate_alerts: 3,
            escalate_window_min: 30,
            escalate_bad_share: 0.5,
            // ≥ 50 % of 15 min, at most once a day.
            setup_window_min: 15,
            setup_bad_share: 0.5,
            setup_repeat_h: 24,
            away_after_s: 60,
            // Cornell 20-8-2: 2 min of moving is the break; Henning 1997 found 3-min breaks
            // preferred.
            break_min_s: 120,
            // Practitioner advice: one cue every 30-45 min; Evans 2012 prompted every 30 min.
            break_every_min: 45,
            break_remind_min: 10,
            break_reminders: 3,
            // Frames come at 0.5-5 fps; 5 s covers the slowest with room to spare.
            frame_gap_max_s: 5,
        }
    }
}

/// A setting outside its allowed range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("coach.{key} = {value} is out of range: {expected}")]
pub struct ConfigError {
    /// The key under `[coach]`.
    pub key: &'static str,
    pub value: String,
    pub expected: String,
}

fn check<T: PartialOrd + std::fmt::Display>(
    key: &'static str,
    value: T,
    min: T,
    max: T,
) -> Result<(), ConfigError> {
    if value >= min && value <= max {
        Ok(())
    } else {
        Err(ConfigError {
            key,
            value: value.to_string(),
            expected: format!("must be from {min} to {max}"),
        })
    }
}

/// `value` must be strictly below the setting `limit_key`.
fn below<T: PartialOrd + std::fmt::Display>(
    key: &'static str,
    value: T,
    limit_key: &str,
    limit: T,
) -> Result<(), ConfigError> {
    if value < limit {
        Ok(())
    } else {
        Err(ConfigError {
            key,
            value: value.to_string(),
            expected: format!("must be below {limit_key} ({limit})"),
        })
    }
}

/// `value` must not exceed the setting `limit_key`.
fn not_above<T: PartialOrd + std::fmt::Display>(
    key: &'static str,
    value: T,
    limit_key: &str,
    limit: T,
) -> Result<(), ConfigError> {
    if value <= limit {
        Ok(())
    } else {
        Err(ConfigError {
            key,
            value: value.to_string(),
            expected: format!("must not be above {limit_key} ({limit})"),
        })
    }
}

impl CoachConfig {
    /// Checks every setting; the error names the first key out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check("window_s", self.window_s, 10, 600)?;
        check("bad_on_share", self.bad_on_share, 0.5, 1.0)?;
        check("bad_off_share", self.bad_off_share, 0.0, 0.9)?;
        below("bad_off_share", self.bad_off_share, "bad_on_share", self.bad_on_share)?;
        check("alert_after_s", self.alert_after_s, 10, 3600)?;
        check("severe_alert_after_s", self.severe_alert_after_s, 10, 3600)?;
        not_above(
            "severe_alert_after_s",
            self.severe_alert_after_s,
            "alert_after_s",
            self.alert_after_s,
        )?;
        check("severe_angle_deg", self.severe_angle_deg, 5.0, 90.0)?;
        check("severe_fraction", self.severe_fraction, 0.05, 2.0)?;
        check("good_hold_s", self.good_hold_s, 5, 600)?;
        check("cooldown_min", self.cooldown_min, 1, 240)?;
        check("alert_gap_s", self.alert_gap_s, 0, 3600)?;
        check("cap_alerts", self.cap_alerts, 1, 20)?;
        check("cap_window_min", self.cap_window_min, 1, 240)?;
        check("escalate_alerts", self.escalate_alerts, 2, 20)?;
        check("escalate_window_min", self.escalate_window_min, 5, 240)?;
        check("escalate_bad_share", self.escalate_bad_share, 0.1, 1.0)?;
        check("setup_window_min", self.setup_window_min, 5, 120)?;
        check("setup_bad_share", self.setup_bad_share, 0.1, 1.0)?;
        check("setup_repeat_h", self.setup_repeat_h, 1, 168)?;
        check("away_after_s", self.away_after_s, 5, 1800)?;
        // Only an absence long enough to be noticed as away can count as a break.
        check("break_min_s", self.break_min_s, 5, 3600)?;
        not_above("away_after_s", self.away_after_s, "break_min_s", self.break_min_s)?;
        check("break_every_min", self.break_every_min, 30, 50)?;
        check("break_remind_min", self.break_remind_min, 1, 60)?;
        check("break_reminders", self.break_reminders, 1, 10)?;
        check("frame_gap_max_s", self.frame_gap_max_s, 1, 60)?;
        Ok(())
    }

    pub(crate) fn ms(seconds: u32) -> u64 {
        u64::from(seconds) * 1000
    }

    pub(crate) fn min_ms(minutes: u32) -> u64 {
        u64::from(minutes) * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        coach: CoachConfig,
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(CoachConfig::default().validate(), Ok(()));
    }

    #[test]
    fn empty_section_gives_defaults_and_unknown_keys_are_refused() {
        let file: File = toml::from_str("[coach]\n").expect("parses");
        assert_eq!(file.coach, CoachConfig::default());
        let err = toml::from_str::<File>("[coach]\nalert_after = 3\n").expect_err("refused");
        assert!(err.to_string().contains("alert_after"), "{err}");
    }

    #[test]
    fn validate_names_the_key_out_of_range() {
        type Edit = fn(&mut CoachConfig);
        let cases: &[(Edit, &str)] = &[
            (|c| c.window_s = 5, "window_s"),
            (|c| c.bad_on_share = 1.5, "bad_on_share"),
            (|c| c.bad_off_share = 0.75, "bad_off_share"),
            (|c| c.alert_after_s = 0, "alert_after_s"),
            (|c| c.severe_alert_after_s = 300, "severe_alert_after_s"),
            (|c| c.severe_angle_deg = 0.0, "severe_angle_deg"),
            (|c| c.severe_fraction = 3.0, "severe_fraction"),
            (|c| c.good_hold_s = 1, "good_hold_s"),
            (|c| c.cooldown_min = 0, "cooldown_min"),
            (|c| c.alert_gap_s = 7200, "alert_gap_s"),
            (|c| c.cap_alerts = 0, "cap_alerts"),
            (|c| c.cap_window_min = 0, "cap_window_min"),
            (|c| c.escalate_alerts = 1, "escalate_alerts"),
            (|c| c.escalate_window_min = 1, "escalate_window_min"),
            (|c| c.escalate_bad_share = 0.0, "escalate_bad_share"),
            (|c| c.setup_window_min = 1, "setup_window_min"),
            (|c| c.setup_bad_share = 1.1, "setup_bad_share"),
            (|c| c.setup_repeat_h = 0, "setup_repeat_h"),
            (|c| c.away_after_s = 1, "away_after_s"),
            (|c| c.break_min_s = 1, "break_min_s"),
            (|c| c.break_min_s = 30, "away_after_s"),
            (|c| c.break_every_min = 90, "break_every_min"),
            (|c| c.break_every_min = 20, "break_every_min"),
            (|c| c.break_remind_min = 0, "break_remind_min"),
            (|c| c.break_reminders = 0, "break_reminders"),
            (|c| c.frame_gap_max_s = 0, "frame_gap_max_s"),
        ];
        for (edit, key) in cases {
            let mut config = CoachConfig::default();
            edit(&mut config);
            let err = config.validate().expect_err(key);
            assert_eq!(err.key, *key);
            assert!(err.to_string().starts_with(&format!("coach.{key} = ")), "{err}");
        }
    }
}
