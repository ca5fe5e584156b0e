//! Generated posture histories with known answers, for the report tests and benches.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use knotless::report::Rows;
use knotless::store::{
    Event, EventKind, History, Level, Sample, SessionRow, Span, State, StoredEvent, StoredSample,
    spans_of,
};

pub const SECOND: i64 = 1000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;

/// Rows built in memory, in the shape the store returns them.
pub struct Gen {
    pub tz: TimeZone,
    pub samples: Vec<StoredSample>,
    /// The samples as spans, made by [`Gen::sort`].
    pub spans: Vec<Span>,
    pub events: Vec<StoredEvent>,
    pub sessions: Vec<SessionRow>,
}

pub fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("the Europe/Berlin zone (install tzdata)")
}

impl Gen {
    pub fn new(tz: TimeZone) -> Gen {
        Gen { tz, samples: Vec::new(), spans: Vec::new(), events: Vec::new(), sessions: Vec::new() }
    }

    /// Local wall-clock time to Unix ms (the earlier one when ambiguous).
    pub fn at(&self, day: Date, hour: i8, minute: i8, second: i8) -> i64 {
        day.at(hour, minute, second, 0)
            .to_zoned_datetime(self.tz.clone())
            .expect("a valid local time")
            .timestamp()
            .as_millisecond()
    }

    pub fn session(&mut self, started_ms: i64, ended_ms: i64) -> i64 {
        let id = self.sessions.len() as i64 + 1;
        self.sessions.push(SessionRow {
            id,
            started_ms,
            ended_ms: Some(ended_ms),
            profile: "desk".into(),
            source: "generated".into(),
            model: "none".into(),
        });
        id
    }

    /// One sample a second over `[from, to)`.
    pub fn run(
        &mut self,
        session: i64,
        from: i64,
        to: i64,
        state: State,
        levels: &[(&str, Level)],
    ) {
        self.run_every(session, from, to, SECOND, state, levels);
    }

    pub fn run_every(
        &mut self,
        session: i64,
        from: i64,
        to: i64,
        step: i64,
        state: State,
        levels: &[(&str, Level)],
    ) {
        let mut t = from;
        while t < to {
            let mut sample = Sample::new(t, state);
            for (p, l) in levels {
                sample = sample.with_level(p, *l);
            }
            sample.worst_problem = levels.first().map(|(p, _)| p.to_string());
            sample.measures.head_pitch_delta_deg =
                Some(if state == State::Good { 2.5 } else { 18.0 });
            sample.measures.distance_cm = Some(62.0);
            self.samples.push(StoredSample { session_id: session, sample });
            t += step;
        }
    }

    pub fn event(&mut self, session: i64, event: Event) {
        self.events.push(StoredEvent { session_id: session, event });
    }

    pub fn sort(&mut self) {
        self.samples.sort_by_key(|s| (s.sample.t_ms, s.session_id));
        self.events.sort_by_key(|e| e.event.t_ms);
        self.spans = spans_of(&self.samples);
    }

    pub fn rows(&mut self) -> Rows<'_> {
        self.sort();
        Rows { spans: &self.spans, events: &self.events, sessions: &self.sessions }
    }

    /// Writes everything into a history (sessions get new ids there, in the same order).
    pub fn write_to(&mut self, history: &mut History) {
        self.sort();
        for session in &self.sessions {
            let id = history
                .start_session(&knotless::store::NewSession {
                    started_ms: session.started_ms,
                    profile: session.profile.clone(),
                    source: session.source.clone(),
                    model: session.model.clone(),
                })
                .expect("session");
            let samples: Vec<Sample> = self
                .samples
                .iter()
                .filter(|s| s.session_id == session.id)
                .map(|s| s.sample.clone())
                .collect();
            let events: Vec<Event> = self
                .events
                .iter()
                .filter(|e| e.session_id == session.id)
                .map(|e| e.event.clone())
                .collect();
            for chunk in samples.chunks(3600) {
                history.append(id, chunk, &[]).expect("append samples");
            }
            history.append(id, &[], &events).expect("append events");
            history
                .append(
                    id,
                    &[],
                    &[Event::new(session.ended_ms.unwrap_or(0), EventKind::SessionEnd)],
                )
                .expect("append end");
        }
    }

    /// The known-answer day (Tuesday 24 March 2026, Berlin): 6 h monitored, 4 h 30 m good
    /// (score 75%), 30 m caution (neck_flexion), 1 h bad (screen_too_low), 15 m away (a break
    /// the coach counted), 30 m paused; 3 alerts, 2 corrected within a minute, 1 escalated;
    /// 2 breaks due, 1 taken; longest good streak 2 h from 08:00.
    pub fn known_day(&mut self, day: Date) {
        let a = self.session(self.at(day, 8, 0, 0), self.at(day, 12, 0, 0));
        let stl = [("screen_too_low", Level::Bad)];
        let nf = [("neck_flexion", Level::Caution)];
        self.run(a, self.at(day, 8, 0, 0), self.at(day, 10, 0, 0), State::Good, &[]);
        self.run(a, self.at(day, 10, 0, 0), self.at(day, 10, 30, 0), State::Bad, &stl);
        self.run(a, self.at(day, 10, 30, 0), self.at(day, 10, 45, 0), State::Away, &[]);
        self.run(a, self.at(day, 10, 45, 0), self.at(day, 12, 0, 0), State::Good, &[]);
        self.event(a, Event::new(self.at(day, 10, 0, 0), EventKind::BreakDue));
        self.event(
            a,
            Event::alert(self.at(day, 10, 2, 0), "screen_too_low", Level::Bad)
                .deviation(14.0)
                .suggestion("chin_tuck", "Chin tuck"),
        );
        self.event(a, Event::new(self.at(day, 10, 30, 0), EventKind::Away));
        self.event(a, Event::back(self.at(day, 10, 45, 0), true));

        let b = self.session(self.at(day, 13, 0, 0), self.at(day, 15, 45, 0));
        self.run(b, self.at(day, 13, 0, 0), self.at(day, 13, 30, 0), State::Good, &[]);
        self.run(b, self.at(day, 13, 30, 0), self.at(day, 14, 0, 0), State::Paused, &[]);
        self.run(b, self.at(day, 14, 0, 0), self.at(day, 14, 30, 0), State::Caution, &nf);
        self.run(b, self.at(day, 14, 30, 0), self.at(day, 15, 15, 0), State::Good, &[]);
        self.run(b, self.at(day, 15, 15, 0), self.at(day, 15, 45, 0), State::Bad, &stl);
        self.event(b, Event::new(self.at(day, 13, 30, 0), EventKind::Paused));
        self.event(b, Event::new(self.at(day, 14, 0, 0), EventKind::Resumed));
        self.event(b, Event::alert(self.at(day, 14, 29, 30), "neck_flexion", Level::Caution));
        self.event(b, Event::new(self.at(day, 15, 0, 0), EventKind::BreakDue));
        self.event(
            b,
            Event::alert(self.at(day, 15, 20, 0), "screen_too_low", Level::Bad)
                .suggestion("thoracic_extension", "Thoracic extension")
                .escalated(true),
        );
        self.event(b, Event::recovered(self.at(day, 15, 20, 30), "screen_too_low"));
    }

    /// A plausible working day, 8 h at one sample a second, varied by `seed`: mostly good,
    /// a slouch after lunch, the screen too low now and then, a break each hour.
    pub fn typical_day(&mut self, day: Date, seed: u32) {
        let start = self.at(day, 9, 0, 0);
        let end = start + 8 * HOUR;
        let s = self.session(start, end);
        self.event(s, Event::new(start, EventKind::SessionStart));
        let mut t = start;
        for hour in 0..8u32 {
            // 45 minutes at the desk: good, with a bad spell that varies by hour and day.
            let bad_min = i64::from((seed * 7 + hour * 13) % 15);
            let caution_min = i64::from((seed * 3 + hour * 5) % 10);
            let good_min = 45 - bad_min - caution_min;
            let problem =
                if (seed + hour).is_multiple_of(3) { "neck_flexion" } else { "screen_too_low" };
            self.run(s, t, t + good_min * MINUTE, State::Good, &[]);
            t += good_min * MINUTE;
            self.run(
                s,
                t,
                t + caution_min * MINUTE,
                State::Caution,
                &[("head_tilt", Level::Caution)],
            );
            t += caution_min * MINUTE;
            if bad_min >= 3 {
                self.event(s, Event::alert(t + 2 * MINUTE, problem, Level::Bad).deviation(15.0));
            }
            self.run(s, t, t + bad_min * MINUTE, State::Bad, &[(problem, Level::Bad)]);
            t += bad_min * MINUTE;
            self.event(s, Event::new(t, EventKind::BreakDue));
            // A 10-minute break, except every third hour.
            let away = if (seed + hour) % 3 == 1 { 2 * MINUTE } else { 10 * MINUTE };
            self.run(s, t, t + away, State::Away, &[]);
            t += away;
            self.event(s, Event::back(t, away >= 5 * MINUTE));
            self.run(s, t, t + 15 * MINUTE - away, State::Good, &[]);
            t += 15 * MINUTE - away;
        }
        self.event(s, Event::new(t, EventKind::SessionEnd));
    }
}

impl Gen {
    /// Makes the states and problem levels flicker from second to second as they do in a real
    /// session's samples (the demo clip: 315 samples in 90 runs of one state and level set):
    /// one good second in 8 becomes a caution for head tilt, and bad and caution spells gain
    /// and lose a second problem every few seconds. Deterministic in `seed`.
    pub fn flicker(&mut self, seed: u64) {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = move || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % 1000
        };
        let mut extra: Option<(&str, Level)> = None;
        for stored in &mut self.samples {
            let sample = &mut stored.sample;
            let r = next();
            match sample.state {
                State::Good if r < 125 => {
                    sample.state = State::Caution;
                    sample.levels = vec![("head_tilt".into(), Level::Caution)];
                }
                State::Bad | State::Caution => {
                    if r < 350 {
                        extra = match r % 3 {
                            0 => None,
                            1 => Some(("screen_too_low", sample.state_level())),
                            _ => Some(("too_close", Level::Caution)),
                        };
                    }
                    if let Some((problem, level)) = extra
                        && sample.level_of(problem) == Level::Ok
                    {
                        sample.levels.push((problem.into(), level));
                    }
                }
                _ => {}
            }
        }
        self.sort();
    }
}

trait StateLevel {
    fn state_level(&self) -> Level;
}

impl StateLevel for Sample {
    fn state_level(&self) -> Level {
        if self.state == State::Bad { Level::Bad } else { Level::Caution }
    }
}

pub fn d(y: i16, m: i8, day: i8) -> Date {
    date(y, m, day)
}

/// The history behind the golden files: working days (Monday to Friday) from 23 February to
/// 23 March 2026 from [`Gen::typical_day`], then the known-answer day on Tuesday 24 March.
pub fn golden_history() -> Gen {
    let mut g = Gen::new(berlin());
    let mut day = d(2026, 2, 23);
    let mut seed = 0;
    while day < d(2026, 3, 24) {
        if day.weekday().to_monday_one_offset() <= 5 {
            g.typical_day(day, seed);
            seed += 1;
        }
        day = day.tomorrow().expect("a date");
    }
    g.known_day(d(2026, 3, 24));
    g
}

/// The report request for `first..=last` in Berlin.
pub fn berlin_request(first: Date, last: Date) -> knotless::report::ReportRequest {
    knotless::report::ReportRequest {
        first_day: first,
        last_day: last,
        tz: berlin(),
        profile: None,
    }
}
