//! Advice that fits the period: a workstation fix for the problem that dominated, a word when a
//! problem persists over the week, stretches for the top problems, and breaks. The mapping
//! follows docs/research/ergonomics.md section 4.2; wording is a wellness nudge, not a diagnosis.

use serde::Serialize;

use super::{DayReport, Summary};
use crate::coach::stretches::{self, Kind, Suggestion, Target};
use crate::posture::Problem;

/// A problem "dominates" when it takes at least this share of monitored time.
pub const DOMINANT_SHARE: f64 = 0.20;
/// A problem persists when it dominates on at least this many of the last 7 days.
pub const PERSISTENT_DAYS: usize = 5;
/// How many problems get stretches.
const STRETCH_PROBLEMS: usize = 2;
/// A day this good (and this long) earns a word of encouragement.
const GOOD_SCORE: f64 = 0.80;
const GOOD_DAY_MIN_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    /// Change the workstation.
    Setup,
    /// A habit to change.
    Habit,
    /// A problem that keeps coming back: see a professional.
    Persistent,
    Stretch,
    Breaks,
    WellDone,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub kind: AdviceKind,
    pub problem: Option<String>,
    pub title: String,
    pub text: String,
}

/// The problem's name for people.
pub fn problem_label(problem: &str) -> String {
    let known = match problem {
        "neck_flexion" => "Neck bent forward",
        "head_drop" => "Head forward and down",
        "too_close" => "Too close to the screen",
        "head_tilt" => "Head tilted to a side",
        "uneven_shoulders" => "Uneven shoulders",
        "shrugged_shoulders" => "Raised shoulders",
        "screen_too_low" => "Screen too low",
        "screen_too_high" => "Screen too high",
        other => {
            let mut text = other.replace('_', " ");
            if let Some(first) = text.get(..1) {
                text.replace_range(..1, &first.to_uppercase());
            }
            return text;
        }
    };
    known.to_string()
}

/// The fix for a dominating problem: (kind, title, text).
fn fix(problem: &str) -> Option<(AdviceKind, &'static str, &'static str)> {
    use AdviceKind::{Habit, Setup};
    Some(match problem {
        "screen_too_low" => (
            Setup,
            "Raise your screen to eye height",
            "Set the top of the screen at or slightly below eye level, about an arm's length \
             away. On a laptop, raise it on a stand and use a separate keyboard and mouse.",
        ),
        "screen_too_high" => (
            Setup,
            "Lower your screen",
            "Your head tips back to see the screen: lower it until the top edge is at or \
             slightly below eye level.",
        ),
        "too_close" => (
            Setup,
            "Move back from the screen",
            "Sit about 50 to 70 cm from the screen and enlarge the text instead of leaning in.",
        ),
        "neck_flexion" => (
            Habit,
            "Lift your gaze with your eyes, not your neck",
            "Much of the day your neck was bent forward. Look down with your eyes; if you \
             often read from the desk or a laptop, raise what you read.",
        ),
        "head_drop" => (
            Habit,
            "Slide your head back over your shoulders",
            "Your head sank forward and down. Sit back against the backrest so your ears stay \
             over your shoulders.",
        ),
        "shrugged_shoulders" => (
            Setup,
            "Drop your shoulders",
            "Your shoulders were raised much of the time. Check that your armrests and desk let \
             your elbows rest at your sides at about 90 degrees.",
        ),
        "head_tilt" | "uneven_shoulders" => (
            Habit,
            "Level your head and shoulders",
            "You leaned to one side much of the time. Check for phone cradling, an off-centre \
             screen, or leaning on one armrest.",
        ),
        _ => return None,
    })
}

/// Stretches for the report's top problems: at most this many per problem.
const STRETCHES_PER_PROBLEM: usize = 2;

/// The coach's stretches for `problem`, best first (none for a problem this version does not
/// know).
fn stretches(problem: &str) -> Vec<&'static Suggestion> {
    let Some(problem) = Problem::ALL.into_iter().find(|p| p.as_str() == problem) else {
        return Vec::new();
    };
    stretches::for_target(Target::Problem(problem))
        .into_iter()
        .filter(|s| s.kind == Kind::Stretch)
        .take(STRETCHES_PER_PROBLEM)
        .collect()
}

fn share(ms: i64, of: i64) -> f64 {
    if of > 0 { ms as f64 / of as f64 } else { 0.0 }
}

/// Advice for a period with totals `total`; `last_week` is the (up to) 7 days ending on its
/// last day, for problems that persist.
pub(super) fn advise(total: &Summary, last_week: &[DayReport]) -> Vec<Advice> {
    let mut out = Vec::new();
    if total.monitored_ms == 0 {
        return out;
    }
    let dominant: Vec<&str> = total
        .problems
        .iter()
        .filter(|p| share(p.total_ms(), total.monitored_ms) >= DOMINANT_SHARE)
        .map(|p| p.problem.as_str())
        .collect();
    for problem in &dominant {
        if let Some((kind, title, text)) = fix(problem) {
            let pct = (share(
                total.problems.iter().find(|p| p.problem == *problem).map_or(0, |p| p.total_ms()),
                total.monitored_ms,
            ) * 100.0)
                .round();
            out.push(Advice {
                kind,
                problem: Some(problem.to_string()),
                title: title.to_string(),
                text: format!(
                    "{} for {pct}% of the monitored time. {text}",
                    problem_label(problem)
                ),
            });
        }
    }
    // Problems that dominated on most days of the last week.
    let mut names: Vec<&str> = Vec::new();
    for day in last_week {
        for p in &day.summary.problems {
            if !names.contains(&p.problem.as_str()) {
                names.push(&p.problem);
            }
        }
    }
    for name in names {
        let days = last_week
            .iter()
            .filter(|d| {
                d.summary.problems.iter().any(|p| {
                    p.problem == name
                        && share(p.total_ms(), d.summary.monitored_ms) > DOMINANT_SHARE
                })
            })
            .count();
        if days >= PERSISTENT_DAYS {
            out.push(Advice {
                kind: AdviceKind::Persistent,
                problem: Some(name.to_string()),
                title: format!("{} on {days} of the last 7 days", problem_label(name)),
                text: "This keeps coming back. If it comes with pain, stiffness or headaches, \
                       a physiotherapist can look at your neck and shoulders and your desk \
                       setup, and give you exercises that fit you."
                    .to_string(),
            });
        }
    }
    // Stretches for the top problems (the two with the most time, dominant or not); problems
    // that share a set share one entry.
    let mut given: Vec<(Vec<&'static Suggestion>, Vec<&str>)> = Vec::new();
    for p in total.problems.iter().filter(|p| p.total_ms() > 0).take(STRETCH_PROBLEMS) {
        let set = stretches(&p.problem);
        if set.is_empty() {
            continue;
        }
        match given.iter_mut().find(|(s, _)| *s == set) {
            Some((_, problems)) => problems.push(&p.problem),
            None => given.push((set, vec![&p.problem])),
        }
    }
    for (set, problems) in given {
        let text = set
            .iter()
            .map(|s| format!("{}: {} {}.", s.title, s.how, s.dose.trim_end_matches('.')))
            .collect::<Vec<_>>()
            .join(" ");
        let names: Vec<String> = problems.iter().map(|p| problem_label(p).to_lowercase()).collect();
        out.push(Advice {
            kind: AdviceKind::Stretch,
            problem: problems.first().map(|p| p.to_string()),
            title: format!("Stretches for: {}", names.join(", ")),
            text,
        });
    }
    let breaks = total.breaks;
    if breaks.due > 0 && breaks.taken * 2 < breaks.due {
        out.push(Advice {
            kind: AdviceKind::Breaks,
            problem: None,
            title: "Take more breaks".to_string(),
            text: format!(
                "You took {} of {} breaks due. Stand up and walk for 2-3 minutes every hour, \
                 and look away from the screen every 20 minutes.",
                breaks.taken, breaks.due
            ),
        });
    }
    if total.score.is_some_and(|s| s >= GOOD_SCORE) && total.monitored_ms >= GOOD_DAY_MIN_MS {
        out.push(Advice {
            kind: AdviceKind::WellDone,
            problem: None,
            title: "Well done".to_string(),
            text: "Good posture most of the time. Keep moving: posture is best when it changes."
                .to_string(),
        });
    }
    out
}

/// Shown under every report's advice.
pub const SAFETY_NOTE: &str = "Stretch to mild tension only, never into pain, and hold still. \
    Stop and ask a clinician if you feel dizziness, numbness, tingling or pain spreading into an \
    arm. knotless is a wellness aid, not a medical device.";
