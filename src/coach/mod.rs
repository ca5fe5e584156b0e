//! Coaching over time: when a posture problem has lasted long enough to mention, when to
//! suggest a break, whether anyone is there, and what stretch to offer.
//!
//! [`Coach`] is a pure state machine driven by the session clock (milliseconds): feed it one
//! [`Observation`] per analysed frame and it returns the [`Event`]s to show. It does no I/O and
//! reads no clock, so tests run hours of simulated time in milliseconds.
//!
//! How it decides (defaults in [`CoachConfig`], evidence in `docs/research/ergonomics.md` §3):
//! - Each problem keeps a time-weighted record: frames count for the time since
//!   the previous frame (capped), so any frame rate gives the same shares. A problem turns on
//!   when it takes 70 % of the last 60 s and off below 30 %.
//! - An alert needs the problem on and the episode (since its first frame off) to have lasted
//!   2 min, or 1 min when severe. Then the problem cools down for 15 min, unless the user holds
//!   good posture for 30 s (which also ends the episode and reports [`Event::Recovered`]).
//! - At most 3 alerts in 30 min and 2 min between prompts. The alert that makes three for a
//!   problem within 30 min, or comes after it took over half of the last 30 min, is escalated:
//!   a break plus one targeted stretch.
//! - Screen too low or too high and sitting too close are the desk's fault, not a habit: they
//!   need half of a 15-min window and get set-up advice at most once a day.
//! - Presence: nobody for 60 s is [`Event::Away`]; an absence of 2 min or more counts as a
//!   break. After 45 min at the desk, [`Event::BreakDue`], repeated every 10 min up to 3 times.
//! - While paused nothing is said; a pause ends by itself at its time, and the records restart.
//!   Paused time counts neither as sitting nor as a break.

mod config;
mod event;
pub mod stretches;
mod window;

use std::collections::{BTreeMap, VecDeque};

pub use config::{CoachConfig, ConfigError};
pub use event::Event;
pub use stretches::{Kind, Rotation, Suggestion, Target};

use crate::posture::{Level, Problem};
use event::Unit;
use window::{Tally, Window};

/// Share of a window that must have been observed before it can turn a problem on: a verdict
/// on 10 s of a 60-s window would be a verdict on a glance.
const MIN_WINDOW_COVERAGE: f64 = 0.8;

/// One analysed frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Capture time on the session clock, in milliseconds.
    pub t_ms: u64,
    /// Each problem's level and deviation (in the problem's unit, see [`Event::Alert`]), or
    /// `None` when nobody is in view. A problem not listed is taken as `Level::Ok`.
    pub person: Option<Vec<(Problem, Level, f32)>>,
}

impl Observation {
    /// Nobody in view.
    pub fn absent(t_ms: u64) -> Self {
        Observation { t_ms, person: None }
    }

    /// Someone in view, with these findings.
    pub fn present(t_ms: u64, findings: Vec<(Problem, Level, f32)>) -> Self {
        Observation { t_ms, person: Some(findings) }
    }
}

/// Whether a problem comes from how the desk is set up rather than from how the user sits:
/// these get set-up advice, over a longer window, at most once a day.
pub fn is_workstation(problem: Problem) -> bool {
    matches!(problem, Problem::ScreenTooLow | Problem::ScreenTooHigh | Problem::TooClose)
}

/// The state of one problem.
#[derive(Debug, Clone)]
struct Tracker {
    window: Window,
    /// On by the window's hysteresis.
    on: bool,
    /// First frame off in the current episode.
    onset_ms: Option<u64>,
    /// First frame of the current run of good frames.
    good_since_ms: Option<u64>,
    cooldown_until_ms: u64,
    /// An alert went out and the user has not yet held good posture since.
    awaiting_recovery: bool,
    /// Times of this problem's recent alerts, for escalation.
    alerts_ms: VecDeque<u64>,
    last_alert_ms: Option<u64>,
}

impl Tracker {
    fn new(horizon_ms: u64) -> Self {
        Tracker {
            window: Window::new(horizon_ms),
            on: false,
            onset_ms: None,
            good_since_ms: None,
            cooldown_until_ms: 0,
            awaiting_recovery: false,
            alerts_ms: VecDeque::new(),
            last_alert_ms: None,
        }
    }

    /// Forgets the current episode (the window's record stays).
    fn restart_episode(&mut self) {
        self.on = false;
        self.onset_ms = None;
        self.good_since_ms = None;
        self.awaiting_recovery = false;
    }
}

/// A pause in force.
#[derive(Debug, Clone, Copy)]
struct Pause {
    since_ms: u64,
    until_ms: Option<u64>,
}

/// The coaching state machine. See the module documentation for how it decides.
#[derive(Debug, Clone)]
pub struct Coach {
    config: CoachConfig,
    trackers: BTreeMap<Problem, Tracker>,
    rotation: Rotation,
    /// The latest time seen, from an observation, a tick, a pause or a resume.
    now_ms: Option<u64>,
    pause: Option<Pause>,
    /// The latest frame with a person in view.
    last_present_ms: Option<u64>,
    /// First frame of the current run of empty frames.
    absent_since_ms: Option<u64>,
    away: bool,
    /// Start of the current sitting (continuous presence, short absences included).
    sitting_since_ms: Option<u64>,
    break_reminders: u32,
    last_reminder_ms: u64,
    /// Times of recent alerts of any problem, for the cap.
    recent_alerts_ms: VecDeque<u64>,
    /// Latest alert or break reminder.
    last_prompt_ms: Option<u64>,
}

impl Coach {
    /// A coach with these settings, once they pass [`CoachConfig::validate`].
    pub fn new(config: CoachConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let horizon_ms = CoachConfig::ms(config.window_s)
            .max(CoachConfig::min_ms(config.escalate_window_min))
            .max(CoachConfig::min_ms(config.setup_window_min));
        let trackers = Problem::ALL.iter().map(|&p| (p, Tracker::new(horizon_ms))).collect();
        Ok(Coach {
            config,
            trackers,
            rotation: Rotation::new(),
            now_ms: None,
            pause: None,
            last_present_ms: None,
            absent_since_ms: None,
            away: false,
            sitting_since_ms: None,
            break_reminders: 0,
            last_reminder_ms: 0,
            recent_alerts_ms: VecDeque::new(),
            last_prompt_ms: None,
        })
    }

    pub fn config(&self) -> &CoachConfig {
        &self.config
    }

    pub fn is_paused(&self) -> bool {
        self.pause.is_some()
    }

    /// Whether the user is taken to be away from the desk.
    pub fn is_away(&self) -> bool {
        self.away
    }

    /// The next session time after the latest frame at which an event could fall due while
    /// what the camera sees stays as it is: a posture alert (any time once a problem's
    /// episode is old enough and out of its cooldown), a corrected posture held long enough to
    /// count as recovered, the gap between prompts ending, a break falling due, an absence
    /// becoming `away`, a timed pause ending. The monitor analyses a frame no later than this,
    /// so a lower sampling rate while nothing changes does not delay coaching. `None` when
    /// nothing is pending.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        let now = self.now_ms?;
        let c = &self.config;
        let mut due: Vec<u64> = Vec::new();
        if let Some(pause) = &self.pause {
            due.extend(pause.until_ms);
        }
        if let Some(since) = self.absent_since_ms
            && !self.away
        {
            due.push(since + CoachConfig::ms(c.away_after_s));
        }
        if let Some(since) = self.sitting_since_ms {
            if self.break_reminders == 0 {
                due.push(since + CoachConfig::min_ms(c.break_every_min));
            } else if self.break_reminders < c.break_reminders {
                due.push(self.last_reminder_ms + CoachConfig::min_ms(c.break_remind_min));
            }
        }
        if let Some(p) = self.last_prompt_ms {
            due.push(p + CoachConfig::ms(c.alert_gap_s));
        }
        for (&problem, t) in &self.trackers {
            if is_workstation(problem) {
                continue;
            }
            if let Some(onset) = t.onset_ms {
                // Once held long enough and out of its cooldown, an alert hangs on the
                // window's share and severity, which move with every frame: from then on,
                // every frame at the base rate.
                let earliest = onset + CoachConfig::ms(c.alert_after_s.min(c.severe_alert_after_s));
                due.push(earliest.max(t.cooldown_until_ms).max(now + 1));
            }
            // A good run ends an open episode (and answers an alert) once held long enough.
            if let Some(good) = t.good_since_ms
                && (t.awaiting_recovery || t.onset_ms.is_some())
            {
                due.push(good + CoachConfig::ms(c.good_hold_s));
            }
        }
        due.into_iter().filter(|&d| d > now).min()
    }

    /// Takes in one analysed frame. A frame older than the latest time seen is ignored.
    pub fn observe(&mut self, observation: &Observation) -> Vec<Event> {
        let t = observation.t_ms;
        let mut events = Vec::new();
        if !self.advance_to(t) {
            return events;
        }
        self.resume_if_due(t, &mut events);
        if self.pause.is_some() {
            return events;
        }
        match &observation.person {
            None => self.observe_absent(t, &mut events),
            Some(findings) => {
                self.observe_present(t, &mut events);
                self.observe_posture(t, findings, &mut events);
            }
        }
        events
    }

    /// Moves the clock on without a frame, so that a pause ends on time even when no frames
    /// come (the camera may be off while paused).
    pub fn tick(&mut self, t_ms: u64) -> Vec<Event> {
        let mut events = Vec::new();
        if self.advance_to(t_ms) {
            self.resume_if_due(t_ms, &mut events);
        }
        events
    }

    /// Pauses coaching until `until_ms` on the session clock, or until [`Coach::resume`] when
    /// `None`. Pausing again replaces the end time.
    pub fn pause(&mut self, t_ms: u64, until_ms: Option<u64>) -> Vec<Event> {
        self.advance_to(t_ms);
        let t = self.now_ms.unwrap_or(t_ms);
        let since_ms = self.pause.map_or(t, |p| p.since_ms);
        self.pause = Some(Pause { since_ms, until_ms });
        vec![Event::Paused { until_ms, for_ms: until_ms.map(|u| u.saturating_sub(t)) }]
    }

    /// Ends a pause now; does nothing when not paused.
    pub fn resume(&mut self, t_ms: u64) -> Vec<Event> {
        let mut events = Vec::new();
        self.advance_to(t_ms);
        let t = self.now_ms.unwrap_or(t_ms);
        self.end_pause(t, &mut events);
        events
    }

    /// Moves the clock to `t_ms`; false when `t_ms` is in the past.
    fn advance_to(&mut self, t_ms: u64) -> bool {
        if self.now_ms.is_some_and(|now| t_ms < now) {
            return false;
        }
        self.now_ms = Some(t_ms);
        true
    }

    fn resume_if_due(&mut self, t: u64, events: &mut Vec<Event>) {
        if self.pause.and_then(|p| p.until_ms).is_some_and(|until| t >= until) {
            self.end_pause(t, events);
        }
    }

    fn end_pause(&mut self, t: u64, events: &mut Vec<Event>) {
        let Some(pause) = self.pause.take() else {
            return;
        };
        // Time unwatched counts neither as sitting nor as a break: shift the sitting clock.
        let paused_for = t.saturating_sub(pause.since_ms);
        self.sitting_since_ms = self.sitting_since_ms.map(|s| s + paused_for);
        self.last_reminder_ms += paused_for;
        // The records restart: nothing seen before the pause counts after it.
        for tracker in self.trackers.values_mut() {
            tracker.window.clear();
            tracker.restart_episode();
        }
        self.last_present_ms = None;
        self.absent_since_ms = None;
        self.away = false;
        events.push(Event::Resumed);
    }

    fn observe_absent(&mut self, t: u64, events: &mut Vec<Event>) {
        let since = *self.absent_since_ms.get_or_insert(t);
        if !self.away && t - since >= CoachConfig::ms(self.config.away_after_s) {
            self.away = true;
            events.push(Event::Away);
        }
    }

    /// Presence and the sitting clock: `Back` and `BreakDue`.
    fn observe_present(&mut self, t: u64, events: &mut Vec<Event>) {
        if let Some(since) = self.absent_since_ms.take()
            && self.away
        {
            self.away = false;
            let away_for_ms = t - since;
            let counted_as_break = away_for_ms >= CoachConfig::ms(self.config.break_min_s);
            events.push(Event::Back { away_for_ms, counted_as_break });
            if counted_as_break {
                self.sitting_since_ms = None;
                self.break_reminders = 0;
            }
            for tracker in self.trackers.values_mut() {
                tracker.restart_episode();
            }
        }

        let sitting_for_ms = t - *self.sitting_since_ms.get_or_insert(t);
        let due = if self.break_reminders == 0 {
            sitting_for_ms >= CoachConfig::min_ms(self.config.break_every_min)
        } else {
            self.break_reminders < self.config.break_reminders
                && t - self.last_reminder_ms >= CoachConfig::min_ms(self.config.break_remind_min)
        };
        if due && self.prompt_gap_ok(t) {
            self.break_reminders += 1;
            self.last_reminder_ms = t;
            self.last_prompt_ms = Some(t);
            // First a movement break; if that is not taken, habits for long sitting.
            let target =
                if self.break_reminders == 1 { Target::Break } else { Target::LongSitting };
            let suggestion = self.rotation.pick(target, |_| true);
            events.push(Event::BreakDue {
                sitting_for_ms,
                reminder: self.break_reminders,
                suggestion,
            });
        }
    }

    /// Records each problem, reports recoveries, and sends at most one alert.
    fn observe_posture(
        &mut self,
        t: u64,
        findings: &[(Problem, Level, f32)],
        events: &mut Vec<Event>,
    ) {
        let config = &self.config;
        let window_ms = CoachConfig::ms(config.window_s);
        let good_hold_ms = CoachConfig::ms(config.good_hold_s);
        // A frame stands for the time since the previous one, up to the cap; beyond it the
        // time is unseen. A gap as long as an absence ends the episodes, like being away.
        let previous = self.last_present_ms.replace(t);
        let gap_ms = previous.map(|p| t - p);
        let start = match gap_ms {
            Some(gap) if gap <= CoachConfig::ms(config.frame_gap_max_s) => t - gap,
            _ => t,
        };
        let camera_gap = gap_ms.is_some_and(|gap| gap >= CoachConfig::ms(config.away_after_s));

        for (&problem, tracker) in &mut self.trackers {
            if camera_gap {
                tracker.restart_episode();
            }
            let (level, deviation) = worst_finding(findings, problem);
            tracker.window.push(start, t, level, deviation);
            if is_workstation(problem) {
                continue;
            }

            if level == Level::Ok {
                tracker.good_since_ms.get_or_insert(t);
            } else {
                tracker.good_since_ms = None;
                tracker.onset_ms.get_or_insert(t);
            }
            let recent = tracker.window.last(t, window_ms);
            let share = recent.off_share();
            if !tracker.on && covers(&recent, window_ms) && share >= config.bad_on_share {
                tracker.on = true;
            } else if tracker.on && share < config.bad_off_share {
                tracker.on = false;
            }
            if !tracker.on && level == Level::Ok && share < config.bad_off_share {
                // A glance that has passed.
                tracker.onset_ms = None;
            }
            if tracker.good_since_ms.is_some_and(|g| t - g >= good_hold_ms) {
                // Corrected and held: the episode is over and the cooldown ends early.
                if tracker.awaiting_recovery {
                    events.push(Event::Recovered { problem });
                }
                tracker.restart_episode();
                tracker.cooldown_until_ms = tracker.cooldown_until_ms.min(t);
            }
        }

        if let Some(alert) = self.next_alert(t) {
            events.push(alert);
        }
    }

    fn prompt_gap_ok(&self, t: u64) -> bool {
        self.last_prompt_ms.is_none_or(|p| t - p >= CoachConfig::ms(self.config.alert_gap_s))
    }

    /// The alert due now, if any, taking the cap and the gap between prompts into account.
    /// When several are due, the problem alerted longest ago (or never) goes first.
    fn next_alert(&mut self, t: u64) -> Option<Event> {
        let cap_window_ms = CoachConfig::min_ms(self.config.cap_window_min);
        while self.recent_alerts_ms.front().is_some_and(|&a| t - a >= cap_window_ms) {
            self.recent_alerts_ms.pop_front();
        }
        if !self.prompt_gap_ok(t) || self.recent_alerts_ms.len() >= self.config.cap_alerts as usize
        {
            return None;
        }
        let problem = self
            .trackers
            .iter()
            .filter(|&(&problem, tracker)| self.is_due(problem, tracker, t))
            .min_by_key(|(_, tracker)| tracker.last_alert_ms)
            .map(|(&problem, _)| problem)?;
        let event = if is_workstation(problem) {
            self.setup_alert(problem, t)
        } else {
            self.posture_alert(problem, t)
        };
        self.recent_alerts_ms.push_back(t);
        self.last_prompt_ms = Some(t);
        event
    }

    fn is_due(&self, problem: Problem, tracker: &Tracker, t: u64) -> bool {
        let config = &self.config;
        if is_workstation(problem) {
            let window_ms = CoachConfig::min_ms(config.setup_window_min);
            let tally = tracker.window.last(t, window_ms);
            let repeat_ms = u64::from(config.setup_repeat_h) * 3_600_000;
            return covers(&tally, window_ms)
                && tally.off_share() >= config.setup_bad_share
                && tracker.last_alert_ms.is_none_or(|last| t - last >= repeat_ms);
        }
        let Some(onset) = tracker.onset_ms else {
            return false;
        };
        if !tracker.on || t < tracker.cooldown_until_ms {
            return false;
        }
        let recent = tracker.window.last(t, CoachConfig::ms(config.window_s));
        let delay_s = if self.is_severe(problem, &recent) {
            config.severe_alert_after_s
        } else {
            config.alert_after_s
        };
        t - onset >= CoachConfig::ms(delay_s)
    }

    /// Level bad most of the time off, with a deviation past the severe threshold.
    fn is_severe(&self, problem: Problem, recent: &Tally) -> bool {
        let threshold = match event::wording(problem).unit {
            Unit::Degrees => self.config.severe_angle_deg,
            Unit::Fraction => self.config.severe_fraction,
            Unit::Mixed => return false,
        };
        recent.severity() == Level::Bad
            && recent.mean_deviation().is_some_and(|d| d.abs() >= threshold)
    }

    fn posture_alert(&mut self, problem: Problem, t: u64) -> Option<Event> {
        let config = &self.config;
        let window_ms = CoachConfig::ms(config.window_s);
        let escalate_window_ms = CoachConfig::min_ms(config.escalate_window_min);
        let cooldown_ms = CoachConfig::min_ms(config.cooldown_min);
        let tracker = self.trackers.get_mut(&problem)?;

        let recent = tracker.window.last(t, window_ms);
        while tracker.alerts_ms.front().is_some_and(|&a| t - a >= escalate_window_ms) {
            tracker.alerts_ms.pop_front();
        }
        let repeated = tracker.alerts_ms.len() + 1 >= config.escalate_alerts as usize;
        // Unseen time counts as not bad: half an hour's share needs half an hour's evidence.
        let long_off_ms = tracker.window.last(t, escalate_window_ms).off_ms();
        let mostly_bad =
            long_off_ms as f64 > f64::from(config.escalate_bad_share) * escalate_window_ms as f64;
        let escalated = repeated || mostly_bad;

        let held_for_ms = t - tracker.onset_ms.unwrap_or(t);
        tracker.alerts_ms.push_back(t);
        tracker.last_alert_ms = Some(t);
        tracker.cooldown_until_ms = t + cooldown_ms;
        tracker.awaiting_recovery = true;

        let (stretch, also) = if escalated {
            let movement = self.rotation.pick(Target::Break, |_| true);
            let targeted =
                self.rotation.pick(Target::Problem(problem), |s| s.kind == Kind::Stretch);
            (movement, Some(targeted))
        } else {
            (self.rotation.pick(Target::Problem(problem), |_| true), None)
        };
        Some(Event::Alert {
            problem,
            severity: recent.severity(),
            held_for_ms,
            deviation: recent.mean_deviation().unwrap_or(0.0),
            stretch,
            also,
            escalated,
        })
    }

    fn setup_alert(&mut self, problem: Problem, t: u64) -> Option<Event> {
        let window_ms = CoachConfig::min_ms(self.config.setup_window_min);
        let tracker = self.trackers.get_mut(&problem)?;
        let tally = tracker.window.last(t, window_ms);
        tracker.last_alert_ms = Some(t);
        let target = Target::Problem(problem);
        let advice = self.rotation.pick(target, |s| s.kind == Kind::Setup);
        let meanwhile = self.rotation.pick(target, |s| s.kind != Kind::Setup);
        Some(Event::Alert {
            problem,
            severity: tally.severity(),
            held_for_ms: tally.off_ms(),
            deviation: tally.mean_deviation().unwrap_or(0.0),
            stretch: advice,
            also: Some(meanwhile),
            escalated: false,
        })
    }
}

/// Whether a tally saw enough of its window to judge it.
fn covers(tally: &Tally, window_ms: u64) -> bool {
    tally.covered_ms as f64 >= MIN_WINDOW_COVERAGE * window_ms as f64
}

/// The worst level reported for `problem` (and its deviation); `Ok` when not reported.
fn worst_finding(findings: &[(Problem, Level, f32)], problem: Problem) -> (Level, f32) {
    findings
        .iter()
        .filter(|(p, ..)| *p == problem)
        .map(|&(_, level, deviation)| (level, deviation))
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.abs().total_cmp(&b.1.abs())))
        .unwrap_or((Level::Ok, 0.0))
}

#[cfg(test)]
mod tests;
