//! The coach in simulated time: sessions of minutes to hours, run frame by frame.

use proptest::prelude::*;

use super::*;

const S: u64 = 1_000;
const MIN: u64 = 60_000;

type Findings = Vec<(Problem, Level, f32)>;

fn good() -> Option<Findings> {
    Some(Vec::new())
}

fn off(problem: Problem, level: Level, deviation: f32) -> Option<Findings> {
    Some(vec![(problem, level, deviation)])
}

/// A moderate slouch: caution-level neck flexion, well below the severe threshold.
fn slouch() -> Option<Findings> {
    off(Problem::NeckFlexion, Level::Caution, 15.0)
}

/// A session: frames at a steady rate, every event kept with its time.
struct Sim {
    coach: Coach,
    t: u64,
    events: Vec<(u64, Event)>,
}

impl Sim {
    fn new() -> Self {
        Self::with(CoachConfig::default())
    }

    fn with(config: CoachConfig) -> Self {
        Sim { coach: Coach::new(config).expect("valid config"), t: 0, events: Vec::new() }
    }

    /// Frames every `step_ms` for `for_ms`, all showing `person`.
    fn run(&mut self, for_ms: u64, step_ms: u64, person: Option<Findings>) -> &mut Self {
        let end = self.t + for_ms;
        while self.t < end {
            let observation = Observation { t_ms: self.t, person: person.clone() };
            let events = self.coach.observe(&observation);
            self.events.extend(events.into_iter().map(|e| (self.t, e)));
            self.t += step_ms;
        }
        self.t = end;
        self
    }

    /// One frame a second.
    fn for_(&mut self, for_ms: u64, person: Option<Findings>) -> &mut Self {
        self.run(for_ms, S, person)
    }

    fn take(&mut self, events: Vec<Event>) {
        self.events.extend(events.into_iter().map(|e| (self.t, e)));
    }

    fn alerts(&self) -> Vec<(u64, Event)> {
        self.events.iter().filter(|(_, e)| matches!(e, Event::Alert { .. })).cloned().collect()
    }

    fn alert_times(&self) -> Vec<u64> {
        self.alerts().into_iter().map(|(t, _)| t).collect()
    }

    fn count(&self, wanted: fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|(_, e)| wanted(e)).count()
    }

    fn times(&self, wanted: fn(&Event) -> bool) -> Vec<u64> {
        self.events.iter().filter(|(_, e)| wanted(e)).map(|(t, _)| *t).collect()
    }
}

fn is_break_due(e: &Event) -> bool {
    matches!(e, Event::BreakDue { .. })
}

fn is_recovered(e: &Event) -> bool {
    matches!(e, Event::Recovered { .. })
}

fn in_set(target: Target, s: &Suggestion) -> bool {
    stretches::for_target(target).iter().any(|c| c.id == s.id)
}

#[test]
fn glances_down_never_alert() {
    // (glance length, one glance every)
    let cases = [(5 * S, MIN), (5 * S, 15 * S), (10 * S, MIN), (20 * S, 2 * MIN)];
    for (glance, every) in cases {
        let mut sim = Sim::new();
        while sim.t < 40 * MIN {
            sim.for_(every - glance, good());
            sim.for_(glance, off(Problem::NeckFlexion, Level::Bad, 35.0));
        }
        assert_eq!(sim.alerts(), vec![], "{} s glances every {} s", glance / S, every / S);
    }
}

#[test]
fn three_minutes_of_slouching_alerts_exactly_once() {
    let mut sim = Sim::new();
    sim.for_(MIN, good()).for_(3 * MIN, slouch()).for_(10 * MIN, good());
    let alerts = sim.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let (t, Event::Alert { problem, severity, held_for_ms, deviation, escalated, stretch, .. }) =
        &alerts[0]
    else {
        unreachable!()
    };
    assert_eq!(*t, 3 * MIN, "2 min after the slouch began");
    assert_eq!(*problem, Problem::NeckFlexion);
    assert_eq!(*severity, Level::Caution);
    assert_eq!(*held_for_ms, 2 * MIN);
    assert!((deviation - 15.0).abs() < 1e-3);
    assert!(!escalated);
    assert!(in_set(Target::Problem(Problem::NeckFlexion), stretch));
    // Sitting up again for 30 s is noticed.
    assert_eq!(sim.times(is_recovered), vec![4 * MIN + 30 * S]);
}

#[test]
fn severe_cases_alert_sooner() {
    // (problem, level, deviation, seconds from the start of the slouch to the alert)
    let cases = [
        (Problem::NeckFlexion, Level::Bad, 30.0, 60),
        (Problem::NeckFlexion, Level::Bad, -26.0, 60),
        (Problem::NeckFlexion, Level::Bad, 10.0, 120),
        (Problem::NeckFlexion, Level::Caution, 30.0, 120),
        (Problem::HeadDrop, Level::Bad, -0.3, 60),
        (Problem::HeadDrop, Level::Bad, -0.22, 120),
        (Problem::ShruggedShoulders, Level::Bad, -0.35, 60),
        (Problem::ShruggedShoulders, Level::Bad, -0.25, 120),
    ];
    for (problem, level, deviation, after_s) in cases {
        let mut sim = Sim::new();
        sim.for_(MIN, good()).for_(3 * MIN, off(problem, level, deviation));
        assert_eq!(sim.alert_times(), vec![MIN + after_s * S], "{problem:?} {level:?} {deviation}");
    }
}

#[test]
fn cooldown_holds_while_the_slouch_goes_on_then_escalates() {
    let mut sim = Sim::new();
    sim.for_(20 * MIN, slouch());
    let alerts = sim.alerts();
    assert_eq!(sim.alert_times(), vec![2 * MIN, 17 * MIN], "cooldown of 15 min");
    let Event::Alert { escalated, stretch, also, held_for_ms, .. } = &alerts[1].1 else {
        unreachable!()
    };
    assert!(escalated, "over half of the last 30 min was bad");
    assert_eq!(*held_for_ms, 17 * MIN);
    assert!(in_set(Target::Break, stretch), "{stretch:?}");
    let also = also.as_ref().expect("a targeted stretch too");
    assert_eq!(also.kind, Kind::Stretch);
    assert!(in_set(Target::Problem(Problem::NeckFlexion), also));
}

#[test]
fn cooldown_ends_early_after_good_posture_is_held() {
    // (seconds of good posture between two slouches, second alert expected at)
    let cases = [(35, Some(3 * MIN + 35 * S + 2 * MIN)), (60, Some(4 * MIN + 2 * MIN)), (20, None)];
    for (good_s, second) in cases {
        let mut sim = Sim::new();
        sim.for_(3 * MIN, slouch()).for_(good_s * S, good()).for_(5 * MIN, slouch());
        let mut expected = vec![2 * MIN];
        expected.extend(second);
        assert_eq!(sim.alert_times(), expected, "{good_s} s of good posture");
        let recovered = sim.count(is_recovered);
        assert_eq!(recovered, usize::from(good_s >= 30), "{good_s} s of good posture");
    }
}

#[test]
fn global_cap_defers_the_fourth_alert_to_the_problem_that_waited() {
    let problems =
        [Problem::NeckFlexion, Problem::HeadDrop, Problem::HeadTilt, Problem::UnevenShoulders];
    let all_off: Findings = problems.iter().map(|&p| (p, Level::Caution, 10.0)).collect();
    let mut sim = Sim::new();
    sim.for_(35 * MIN, Some(all_off));
    let alerts: Vec<(u64, Problem)> = sim
        .alerts()
        .into_iter()
        .map(|(t, e)| match e {
            Event::Alert { problem, .. } => (t, problem),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        alerts,
        vec![
            (2 * MIN, Problem::NeckFlexion),
            (4 * MIN, Problem::HeadDrop),
            (6 * MIN, Problem::HeadTilt),
            (32 * MIN, Problem::UnevenShoulders),
            (34 * MIN, Problem::NeckFlexion),
        ]
    );
}

#[test]
fn third_alert_for_the_same_problem_within_30_min_escalates() {
    let mut sim = Sim::new();
    for _ in 0..3 {
        // Slouch long enough to be told, then sit up for 35 s.
        let start = sim.t;
        while sim.alerts().len() < 3 && sim.t < start + 5 * MIN {
            sim.for_(10 * S, off(Problem::HeadDrop, Level::Bad, -0.22));
        }
        sim.for_(35 * S, good());
    }
    let alerts = sim.alerts();
    assert_eq!(alerts.len(), 3);
    let flags: Vec<bool> =
        alerts.iter().map(|(_, e)| matches!(e, Event::Alert { escalated: true, .. })).collect();
    assert_eq!(flags, [false, false, true]);
    assert!(alerts[2].0 - alerts[0].0 < 30 * MIN);
    let Event::Alert { stretch, also, .. } = &alerts[2].1 else { unreachable!() };
    assert!(in_set(Target::Break, stretch));
    assert!(also.as_ref().is_some_and(|s| s.kind == Kind::Stretch));
    assert!(alerts[2].1.message().contains("time for a short break"));
}

#[test]
fn suggestions_vary_across_alerts_for_the_same_problem() {
    let config = CoachConfig { cap_alerts: 20, escalate_alerts: 20, ..CoachConfig::default() };
    for problem in [Problem::NeckFlexion, Problem::ShruggedShoulders, Problem::HeadTilt] {
        let mut sim = Sim::with(config.clone());
        for _ in 0..6 {
            sim.for_(2 * MIN + 10 * S, off(problem, Level::Caution, 10.0)).for_(35 * S, good());
        }
        let ids: Vec<String> = sim
            .alerts()
            .into_iter()
            .map(|(_, e)| match e {
                Event::Alert { stretch, escalated: false, .. } => stretch.id.into_owned(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(ids.len(), 6, "{problem:?}");
        for pair in ids.windows(2) {
            assert_ne!(pair[0], pair[1], "{problem:?}: {ids:?}");
        }
    }
}

#[test]
fn workstation_problems_need_a_long_window_and_come_once_a_day() {
    // (problem, share of each minute spent off, alerts expected in 3 h)
    let cases = [
        (Problem::ScreenTooLow, 60, 1),
        (Problem::ScreenTooHigh, 60, 1),
        (Problem::TooClose, 60, 1),
        (Problem::ScreenTooLow, 24, 0),
    ];
    for (problem, off_s, expected) in cases {
        let mut sim = Sim::new();
        while sim.t < 3 * 60 * MIN {
            sim.for_(off_s * S, off(problem, Level::Bad, 20.0)).for_((60 - off_s) * S, good());
        }
        let alerts = sim.alerts();
        assert_eq!(alerts.len(), expected, "{problem:?} {off_s} s a minute");
        if let Some((t, event)) = alerts.first() {
            assert!(*t >= 12 * MIN, "needs most of the 15-min window: {t}");
            let Event::Alert { stretch, also, escalated, .. } = event else { unreachable!() };
            assert_eq!(stretch.kind, Kind::Setup);
            assert!(also.as_ref().is_some_and(|s| s.kind != Kind::Setup));
            assert!(!escalated);
            assert!(event.message().contains("Set-up: "), "{}", event.message());
        }
    }
}

#[test]
fn away_and_back() {
    // (absence, Away and Back expected, counted as a break, first break reminder at)
    let cases = [
        (30 * S, false, false, 45 * MIN),
        (90 * S, true, false, 45 * MIN),
        (5 * MIN, true, true, 40 * MIN + 5 * MIN + 45 * MIN),
    ];
    for (absence, noticed, counted, reminder_at) in cases {
        let mut sim = Sim::new();
        sim.for_(40 * MIN, good()).for_(absence, None);
        let back_at = sim.t;
        sim.for_(100 * MIN - sim.t, good());
        let presence: Vec<Event> = sim
            .events
            .iter()
            .filter(|(_, e)| matches!(e, Event::Away | Event::Back { .. }))
            .map(|(_, e)| e.clone())
            .collect();
        if noticed {
            let back = Event::Back { away_for_ms: absence, counted_as_break: counted };
            assert_eq!(presence, vec![Event::Away, back], "{} s away", absence / S);
            assert_eq!(sim.times(|e| matches!(e, Event::Away)), vec![40 * MIN + MIN]);
            assert_eq!(sim.times(|e| matches!(e, Event::Back { .. })), vec![back_at]);
        } else {
            assert_eq!(presence, vec![], "{} s away", absence / S);
        }
        let reminders = sim.times(is_break_due);
        assert_eq!(reminders.first(), Some(&reminder_at), "{} s away", absence / S);
    }
}

#[test]
fn break_reminders_after_45_min_then_gently_a_few_more_times() {
    let mut sim = Sim::new();
    sim.for_(2 * 60 * MIN, good());
    assert_eq!(sim.times(is_break_due), vec![45 * MIN, 55 * MIN, 65 * MIN]);
    let reminders: Vec<(u64, u32, Suggestion)> = sim
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::BreakDue { sitting_for_ms, reminder, suggestion } => {
                Some((*sitting_for_ms, *reminder, suggestion.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(reminders[0].0, 45 * MIN);
    assert_eq!(reminders.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(in_set(Target::Break, &reminders[0].2));
    assert!(in_set(Target::LongSitting, &reminders[1].2));
    assert_ne!(reminders[1].2.id, reminders[2].2.id);

    // After a break the clock starts again.
    sim.for_(3 * MIN, None).for_(50 * MIN, good());
    assert_eq!(sim.times(is_break_due).len(), 4);
    assert_eq!(sim.times(is_break_due)[3], 2 * 60 * MIN + 3 * MIN + 45 * MIN);
}

#[test]
fn nothing_is_said_while_paused_and_the_pause_ends_by_itself() {
    let mut sim = Sim::new();
    sim.for_(MIN, slouch());
    let paused = sim.coach.pause(sim.t, Some(31 * MIN));
    assert_eq!(paused, vec![Event::Paused { until_ms: Some(31 * MIN), for_ms: Some(30 * MIN) }]);
    sim.take(paused);
    assert!(sim.coach.is_paused());
    sim.for_(39 * MIN, slouch());

    assert_eq!(sim.times(|e| matches!(e, Event::Resumed)), vec![31 * MIN]);
    assert_eq!(sim.alert_times(), vec![33 * MIN], "a fresh 2 min after resuming");
    // 40 min of session, 30 of them paused: not yet 45 min at the desk.
    assert_eq!(sim.count(is_break_due), 0);
    sim.for_(36 * MIN, good());
    assert_eq!(sim.times(is_break_due), vec![75 * MIN], "45 min of presence");
}

#[test]
fn a_pause_ends_on_tick_without_frames_and_can_be_ended_by_hand() {
    let mut coach = Coach::new(CoachConfig::default()).expect("valid");
    coach.pause(0, Some(10 * MIN));
    assert_eq!(coach.tick(9 * MIN), vec![]);
    assert_eq!(coach.tick(10 * MIN), vec![Event::Resumed]);
    assert!(!coach.is_paused());

    let paused = coach.pause(11 * MIN, None);
    assert_eq!(paused, vec![Event::Paused { until_ms: None, for_ms: None }]);
    assert_eq!(paused[0].message(), "Coaching paused until you resume it.");
    assert_eq!(coach.tick(24 * 60 * MIN), vec![]);
    assert!(coach.observe(&Observation::present(24 * 60 * MIN, Vec::new())).is_empty());
    assert_eq!(coach.resume(24 * 60 * MIN + 1), vec![Event::Resumed]);
    assert_eq!(coach.resume(24 * 60 * MIN + 2), vec![], "not paused any more");
}

#[test]
fn late_frames_are_ignored_and_the_worst_finding_counts() {
    let mut coach = Coach::new(CoachConfig::default()).expect("valid");
    assert!(coach.observe(&Observation::absent(10 * S)).is_empty());
    assert!(coach.observe(&Observation::absent(5 * S)).is_empty());
    assert_eq!(coach.now_ms, Some(10 * S));

    let findings = vec![
        (Problem::HeadTilt, Level::Caution, 4.0),
        (Problem::HeadTilt, Level::Bad, 9.0),
        (Problem::HeadTilt, Level::Ok, 0.0),
    ];
    assert_eq!(worst_finding(&findings, Problem::HeadTilt), (Level::Bad, 9.0));
    assert_eq!(worst_finding(&findings, Problem::HeadDrop), (Level::Ok, 0.0));
}

#[test]
fn a_camera_gap_ends_the_episode() {
    let mut sim = Sim::new();
    sim.for_(100 * S, slouch());
    sim.t += 10 * MIN; // no frames at all
    sim.for_(100 * S, slouch());
    assert_eq!(sim.alerts(), vec![], "neither stretch alone reached 2 min");
}

#[test]
fn detection_dropouts_shorter_than_away_do_not_reset_the_episode() {
    let mut sim = Sim::new();
    for _ in 0..6 {
        sim.for_(20 * S, slouch()).for_(3 * S, None);
    }
    assert_eq!(sim.alerts().len(), 1);
}

#[test]
fn an_invalid_config_is_refused() {
    let config = CoachConfig { bad_off_share: 0.9, ..CoachConfig::default() };
    let err = Coach::new(config).expect_err("refused");
    assert_eq!(err.key, "bad_off_share");
}

/// Frames at irregular spacing, cycling through `gaps_ms`.
fn irregular(
    coach: &mut Coach,
    gaps_ms: &[u64],
    until_ms: u64,
    person: &Option<Findings>,
) -> Vec<(u64, Event)> {
    let mut out = Vec::new();
    let mut t = 0;
    for gap in gaps_ms.iter().cycle() {
        if t >= until_ms {
            break;
        }
        let events = coach.observe(&Observation { t_ms: t, person: person.clone() });
        out.extend(events.into_iter().map(|e| (t, e)));
        t += gap;
    }
    out
}

proptest! {
    #[test]
    fn any_frame_spacing_good_posture_never_alerts(
        gaps in prop::collection::vec(300u64..=3_000, 1..40),
    ) {
        let mut coach = Coach::new(CoachConfig::default()).expect("valid");
        let events = irregular(&mut coach, &gaps, 40 * MIN, &good());
        prop_assert!(events.iter().all(|(_, e)| !matches!(e, Event::Alert { .. })), "{:?}", events);
    }

    #[test]
    fn any_frame_spacing_bad_posture_alerts_on_time(
        gaps in prop::collection::vec(300u64..=3_000, 1..40),
        severe in any::<bool>(),
    ) {
        let mut coach = Coach::new(CoachConfig::default()).expect("valid");
        let (person, delay) = if severe {
            (off(Problem::NeckFlexion, Level::Bad, 30.0), MIN)
        } else {
            (slouch(), 2 * MIN)
        };
        let events = irregular(&mut coach, &gaps, 5 * MIN, &person);
        let alerts: Vec<u64> = events
            .iter()
            .filter(|(_, e)| matches!(e, Event::Alert { .. }))
            .map(|(t, _)| *t)
            .collect();
        // The first frame after the delay, at most one frame spacing late.
        prop_assert_eq!(alerts.len(), 1);
        prop_assert!(alerts[0] >= delay && alerts[0] <= delay + 3_000, "alert at {} ms", alerts[0]);
    }

    #[test]
    fn any_session_respects_the_cap_the_gap_and_pauses(
        steps in prop::collection::vec((200u64..=10_000, 0u8..10, any::<u8>()), 1..1_500),
    ) {
        let config = CoachConfig::default();
        let mut coach = Coach::new(config.clone()).expect("valid");
        let mut t = 0;
        let mut prompts: Vec<u64> = Vec::new();
        let mut alerts: Vec<u64> = Vec::new();
        for (gap, what, bits) in steps {
            t += gap;
            let events = match what {
                0 => coach.observe(&Observation::absent(t)),
                1 => coach.pause(t, Some(t + u64::from(bits) * 10 * S)),
                2 if bits % 4 == 0 => coach.resume(t),
                _ => {
                    // Each bit pair sets one problem's level.
                    let findings = Problem::ALL
                        .iter()
                        .enumerate()
                        .map(|(i, &p)| {
                            let level = [Level::Ok, Level::Caution, Level::Bad, Level::Bad]
                                [usize::from(bits >> (i % 4 * 2)) & 3];
                            (p, level, f32::from(bits) / 4.0)
                        })
                        .collect();
                    let paused_before = coach.is_paused();
                    let events = coach.observe(&Observation::present(t, findings));
                    if paused_before && coach.is_paused() {
                        prop_assert!(events.is_empty(), "{:?} while paused", events);
                    }
                    events
                }
            };
            for event in &events {
                prop_assert!(!event.message().is_empty());
                match event {
                    Event::Alert { .. } => {
                        alerts.push(t);
                        prompts.push(t);
                    }
                    Event::BreakDue { .. } => prompts.push(t),
                    _ => {}
                }
            }
        }
        let cap_window = CoachConfig::min_ms(config.cap_window_min);
        for (i, &a) in alerts.iter().enumerate() {
            let within = alerts[i..].iter().take_while(|&&b| b - a < cap_window).count();
            prop_assert!(within <= config.cap_alerts as usize, "{} alerts within 30 min", within);
        }
        for pair in prompts.windows(2) {
            prop_assert!(pair[1] - pair[0] >= CoachConfig::ms(config.alert_gap_s));
        }
    }
}

#[test]
fn deadline_is_the_next_time_an_event_could_fall_due() {
    let config = CoachConfig::default();
    let mut coach = Coach::new(config.clone()).unwrap();
    assert_eq!(coach.next_deadline_ms(), None);
    coach.observe(&Observation::absent(1000));
    // Nobody there: the absence turns into `away` after away_after_s.
    assert_eq!(coach.next_deadline_ms(), Some(1000 + u64::from(config.away_after_s) * 1000));
    // Someone sits with a problem off: no alert before the shorter of the two delays ...
    coach.observe(&Observation::present(2000, vec![(Problem::NeckFlexion, Level::Bad, 30.0)]));
    let delay_ms = u64::from(config.alert_after_s.min(config.severe_alert_after_s)) * 1000;
    assert_eq!(coach.next_deadline_ms(), Some(2000 + delay_ms));
    // ... nor while it holds, however often frames come ...
    for t in (3000..2000 + delay_ms).step_by(S as usize) {
        coach.observe(&Observation::present(t, vec![(Problem::NeckFlexion, Level::Bad, 30.0)]));
    }
    assert_eq!(coach.next_deadline_ms(), Some(2000 + delay_ms));
    // ... and once an alert has gone out, nothing until the gap between prompts ends.
    let mut alert_at = None;
    for t in (2000 + delay_ms..2000 + delay_ms + 30 * S).step_by(S as usize) {
        let events =
            coach.observe(&Observation::present(t, vec![(Problem::NeckFlexion, Level::Bad, 30.0)]));
        if alert_at.is_none() && events.iter().any(|e| matches!(e, Event::Alert { .. })) {
            alert_at = Some(t);
        }
    }
    let alert_at = alert_at.expect("the held slouch is alerted");
    assert_eq!(coach.next_deadline_ms(), Some(alert_at + u64::from(config.alert_gap_s) * S));
}
