//! What the coach says: [`Event`]s and their one-line messages.

use serde::{Deserialize, Serialize};

use super::stretches::Suggestion;
use crate::posture::{Level, Problem};

/// Something the coach has to say, returned from each step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A posture problem has lasted: say so, with something to do about it.
    Alert {
        problem: Problem,
        /// `Caution` or `Bad`: the level that took most of the recent time off.
        severity: Level,
        /// How long the episode has lasted; for a workstation problem, its time off within its
        /// window.
        held_for_ms: u64,
        /// Mean deviation over the recent time off, in the problem's own unit: degrees for
        /// angles, a fraction of the baseline for ratios (see [`Event::message`]).
        deviation: f32,
        /// What to do: a stretch or habit for the problem; set-up advice for a workstation
        /// problem; a break from the break set when escalated.
        stretch: Suggestion,
        /// A second suggestion: the targeted stretch when escalated, a stretch to go with
        /// set-up advice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        also: Option<Suggestion>,
        /// The problem keeps coming back: this alert suggests a break instead of "sit up".
        escalated: bool,
    },
    /// Time for a break after long continuous presence.
    BreakDue {
        sitting_for_ms: u64,
        /// 1 for the first reminder of this sitting, 2 for the next, ...
        reminder: u32,
        suggestion: Suggestion,
    },
    /// Nobody has been in view for a while.
    Away,
    /// Somebody is in view again after being away.
    Back {
        away_for_ms: u64,
        /// The absence was long enough to count as a break; the sitting clock restarted.
        counted_as_break: bool,
    },
    /// Coaching paused, until `until_ms` on the session clock or until resumed.
    Paused {
        until_ms: Option<u64>,
        for_ms: Option<u64>,
    },
    Resumed,
    /// The user corrected their posture after an alert and held it.
    Recovered {
        problem: Problem,
    },
}

/// How a problem's deviation is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// An angle, in degrees from the baseline.
    Degrees,
    /// A relative change: -0.2 = 20 % less than when sitting well.
    Fraction,
    /// Not one unit: too close is either a relative face size or a distance in cm, so its
    /// deviation is not shown.
    Mixed,
}

/// How to talk about a problem.
pub(crate) struct Wording {
    /// "… for 3 min".
    pub ongoing: &'static str,
    /// What the deviation measures.
    pub measure: &'static str,
    pub unit: Unit,
    /// For a workstation problem: what the evidence suggests about the desk.
    pub diagnosis: &'static str,
    pub recovered: &'static str,
}

/// The words for each problem; the measure and unit are those of the posture assessment's
/// deviation for it (head pitch and tilts in degrees, head height and the ear-to-shoulder
/// distance as fractions of the baseline).
pub(crate) fn wording(problem: Problem) -> Wording {
    let (ongoing, measure, unit, diagnosis, recovered) = match problem {
        Problem::NeckFlexion => (
            "Your head has been dropping forward",
            "neck flexion",
            Unit::Degrees,
            "",
            "Your neck is upright again.",
        ),
        Problem::HeadDrop => (
            "You have been slumping with your head low",
            "head height",
            Unit::Fraction,
            "",
            "Your head is back over your shoulders.",
        ),
        Problem::TooClose => (
            "You have been sitting close to the screen",
            "",
            Unit::Mixed,
            "the screen may be too far away or its text too small",
            "You are back at a comfortable distance.",
        ),
        Problem::HeadTilt => (
            "Your head has been tilted to one side",
            "head tilt",
            Unit::Degrees,
            "",
            "Your head is level again.",
        ),
        Problem::UnevenShoulders => (
            "Your shoulders have been uneven",
            "shoulder tilt",
            Unit::Degrees,
            "",
            "Your shoulders are level again.",
        ),
        Problem::ShruggedShoulders => (
            "Your shoulders have been raised towards your ears",
            "ear-to-shoulder distance",
            Unit::Fraction,
            "",
            "Your shoulders have dropped again.",
        ),
        Problem::ScreenTooLow => (
            "Your head has been bent down towards the screen",
            "head pitch",
            Unit::Degrees,
            "your screen may be too low",
            "Your head is up again.",
        ),
        Problem::ScreenTooHigh => (
            "Your head has been tipped back to see the screen",
            "head pitch",
            Unit::Degrees,
            "your screen may be too high",
            "Your head is level again.",
        ),
    };
    Wording { ongoing, measure, unit, diagnosis, recovered }
}

/// "45 s", "3 min", "1 h 5 min".
pub(crate) fn duration(ms: u64) -> String {
    let s = (ms + 500) / 1000;
    // Below 100 s, seconds say more than a rounded "1 min" or "2 min".
    if s < 100 {
        return format!("{s} s");
    }
    let min = (s + 30) / 60;
    match (min / 60, min % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "; head pitch +18 deg", or nothing when the unit is not known.
fn measure_note(w: &Wording, value: f32) -> String {
    match w.unit {
        Unit::Degrees => format!("; {} {value:+.0} deg", w.measure),
        Unit::Fraction => format!("; {} {:+.0}%", w.measure, value * 100.0),
        Unit::Mixed => String::new(),
    }
}

/// "; neck flexion +24 deg" as " (neck flexion +24 deg)".
fn parenthesised(measured: &str) -> String {
    match measured.strip_prefix("; ") {
        Some(inner) => format!(" ({inner})"),
        None => String::new(),
    }
}

fn try_line(s: &Suggestion) -> String {
    format!("{} - {} ({})", s.title, s.how, s.dose)
}

impl Event {
    /// One line for a person, e.g. "Your head has been dropping forward for 3 min (neck
    /// flexion +24 deg). Try: Chin tuck - Sit tall ...".
    pub fn message(&self) -> String {
        match self {
            Event::Alert {
                problem, held_for_ms, deviation: dev, stretch, also, escalated, ..
            } => {
                let w = wording(*problem);
                let held = duration(*held_for_ms);
                let measured = measure_note(&w, *dev);
                if super::is_workstation(*problem) {
                    let mut line = format!(
                        "{} much of the time lately ({held}{measured}): {}. Set-up: {}",
                        w.ongoing,
                        w.diagnosis,
                        try_line(stretch)
                    );
                    if let Some(also) = also {
                        line.push_str(&format!(" Meanwhile: {} ({}).", also.title, also.dose));
                    }
                    line
                } else if *escalated {
                    let mut line = format!(
                        "{} for {held}{} and it keeps coming back: time for a short break. {}",
                        w.ongoing,
                        parenthesised(&measured),
                        try_line(stretch)
                    );
                    if let Some(also) = also {
                        line.push_str(&format!(" Then: {} ({}).", also.title, also.dose));
                    }
                    line
                } else {
                    format!(
                        "{} for {held}{}. Try: {}",
                        w.ongoing,
                        parenthesised(&measured),
                        try_line(stretch)
                    )
                }
            }
            Event::BreakDue { sitting_for_ms, reminder, suggestion } => {
                let sat = duration(*sitting_for_ms);
                if *reminder <= 1 {
                    format!(
                        "You have been at the desk for {sat}: time for a break. Try: {}",
                        try_line(suggestion)
                    )
                } else {
                    format!("Still at the desk after {sat}. {}", try_line(suggestion))
                }
            }
            Event::Away => "Nobody in view: coaching waits until you are back.".to_string(),
            Event::Back { away_for_ms, counted_as_break: true } => {
                format!("Welcome back after {}: that counts as a break.", duration(*away_for_ms))
            }
            Event::Back { away_for_ms, counted_as_break: false } => {
                format!("Welcome back ({} away).", duration(*away_for_ms))
            }
            Event::Paused { for_ms: Some(for_ms), .. } => {
                format!("Coaching paused for {}; it resumes by itself.", duration(*for_ms))
            }
            Event::Paused { for_ms: None, .. } => {
                "Coaching paused until you resume it.".to_string()
            }
            Event::Resumed => "Coaching resumed.".to_string(),
            Event::Recovered { problem } => format!("{} Well done.", wording(*problem).recovered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::stretches::by_id;

    fn suggestion(id: &str) -> Suggestion {
        by_id(id).cloned().unwrap_or_else(|| panic!("no {id}"))
    }

    #[test]
    fn durations_read_naturally() {
        let cases = [
            (0, "0 s"),
            (4_600, "5 s"),
            (59_400, "59 s"),
            (60_000, "60 s"),
            (99_000, "99 s"),
            (100_000, "2 min"),
            (185_000, "3 min"),
            (45 * 60_000, "45 min"),
            (3_600_000, "1 h"),
            (3_900_000, "1 h 5 min"),
        ];
        for (ms, text) in cases {
            assert_eq!(duration(ms), text, "{ms} ms");
        }
    }

    #[test]
    fn alert_message_names_the_problem_the_time_the_measure_and_the_stretch() {
        let event = Event::Alert {
            problem: Problem::NeckFlexion,
            severity: Level::Bad,
            held_for_ms: 180_000,
            deviation: 24.2,
            stretch: suggestion("chin_tuck"),
            also: None,
            escalated: false,
        };
        let message = event.message();
        assert!(
            message.starts_with(
                "Your head has been dropping forward for 3 min (neck flexion +24 deg). \
                 Try: Chin tuck - Sit tall"
            ),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }

    #[test]
    fn every_event_has_a_one_line_message() {
        let events = [
            Event::Alert {
                problem: Problem::HeadDrop,
                severity: Level::Caution,
                held_for_ms: 1_020_000,
                deviation: -0.18,
                stretch: suggestion("walk_break"),
                also: Some(suggestion("chin_tuck")),
                escalated: true,
            },
            Event::Alert {
                problem: Problem::ScreenTooLow,
                severity: Level::Bad,
                held_for_ms: 540_000,
                deviation: 18.0,
                stretch: suggestion("raise_screen"),
                also: Some(suggestion("chin_tuck")),
                escalated: false,
            },
            Event::Alert {
                problem: Problem::TooClose,
                severity: Level::Caution,
                held_for_ms: 600_000,
                deviation: 42.0,
                stretch: suggestion("move_back"),
                also: None,
                escalated: false,
            },
            Event::BreakDue {
                sitting_for_ms: 45 * 60_000,
                reminder: 1,
                suggestion: suggestion("walk_break"),
            },
            Event::BreakDue {
                sitting_for_ms: 55 * 60_000,
                reminder: 2,
                suggestion: suggestion("stand_to_work"),
            },
            Event::Away,
            Event::Back { away_for_ms: 300_000, counted_as_break: true },
            Event::Back { away_for_ms: 90_000, counted_as_break: false },
            Event::Paused { until_ms: Some(1_800_000), for_ms: Some(1_800_000) },
            Event::Paused { until_ms: None, for_ms: None },
            Event::Resumed,
            Event::Recovered { problem: Problem::ShruggedShoulders },
        ];
        let expected_starts = [
            "You have been slumping with your head low for 17 min (head height -18%) and it keeps \
             coming back: time for a short break. Walk break - ",
            "Your head has been bent down towards the screen much of the time lately (9 min; head \
             pitch +18 deg): your screen may be too low. Set-up: Raise the screen - ",
            "You have been sitting close to the screen much of the time lately (10 min): the \
             screen may be too far away or its text too small. Set-up: Move back from the screen",
            "You have been at the desk for 45 min: time for a break. Try: Walk break - ",
            "Still at the desk after 55 min. Stand to work",
            "Nobody in view",
            "Welcome back after 5 min: that counts as a break.",
            "Welcome back (90 s away).",
            "Coaching paused for 30 min; it resumes by itself.",
            "Coaching paused until you resume it.",
            "Coaching resumed.",
            "Your shoulders have dropped again.",
        ];
        for (event, start) in events.iter().zip(expected_starts) {
            let message = event.message();
            assert!(message.starts_with(start), "{message:?} should start with {start:?}");
            assert!(!message.contains('\n'), "{message}");
        }
        assert!(events[0].message().contains("Then: Chin tuck (Hold 5-10 s, 10 times)."));
    }

    #[test]
    fn events_serialize_with_a_snake_case_tag_and_read_back() {
        let event = Event::Alert {
            problem: Problem::ScreenTooLow,
            severity: Level::Bad,
            held_for_ms: 540_000,
            deviation: 18.0,
            stretch: suggestion("raise_screen"),
            also: None,
            escalated: false,
        };
        let json = serde_json::to_value(&event).expect("serializes");
        assert_eq!(json["event"], "alert");
        assert_eq!(json["problem"], "screen_too_low");
        assert_eq!(json["severity"], "bad");
        assert_eq!(json["stretch"]["kind"], "setup");
        assert!(json.get("also").is_none());
        let back: Event = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, event);

        let json = serde_json::to_string(&Event::Back { away_for_ms: 5, counted_as_break: false })
            .expect("serializes");
        assert_eq!(json, r#"{"event":"back","away_for_ms":5,"counted_as_break":false}"#);
        assert_eq!(
            serde_json::to_string(&Event::Away).ok().as_deref(),
            Some(r#"{"event":"away"}"#)
        );
    }
}
