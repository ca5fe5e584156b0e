//! The rows the history holds: plain data with text names, so the store depends on no other
//! knotless module. The monitor adapts its own types into these.

use serde::{Deserialize, Serialize};

/// The posture problems known when this schema was written, in the order reports list them.
/// The store accepts any snake_case name, so a problem added later needs no migration.
pub const PROBLEMS: [&str; 8] = [
    "neck_flexion",
    "head_drop",
    "too_close",
    "head_tilt",
    "uneven_shoulders",
    "shrugged_shoulders",
    "screen_too_low",
    "screen_too_high",
];

/// Longest accepted problem or suggestion id name.
const MAX_NAME_LEN: usize = 48;

/// Whether `name` is a snake_case identifier the store accepts as a problem name.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case name stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value for a stored name; `None` for a name this version does not know.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// The person's overall state in one analysed frame.
    State {
        Good => "good",
        Caution => "caution",
        Bad => "bad",
        Away => "away",
        Paused => "paused",
    }
}

text_enum! {
    /// How far one problem is from the baseline.
    Level {
        Ok => "ok",
        Caution => "caution",
        Bad => "bad",
    }
}

text_enum! {
    /// What an event records.
    EventKind {
        Alert => "alert",
        BreakDue => "break_due",
        Away => "away",
        Back => "back",
        Paused => "paused",
        Resumed => "resumed",
        Recovered => "recovered",
        CameraLost => "camera_lost",
        CameraBack => "camera_back",
        SessionStart => "session_start",
        SessionEnd => "session_end",
    }
}

impl State {
    /// Whether the person was at the desk and watched (good, caution or bad).
    pub fn is_monitored(self) -> bool {
        matches!(self, State::Good | State::Caution | State::Bad)
    }
}

/// A monitoring session to start: one run of `knotless run`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSession {
    /// Unix time in milliseconds.
    pub started_ms: i64,
    /// The camera/desk profile.
    pub profile: String,
    /// What was watched, in words ("camera 0 (HD Webcam)", "recorded session demo/").
    pub source: String,
    /// The pose model ("blazepose-full", "movenet-lightning").
    pub model: String,
}

/// A session on record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    pub id: i64,
    pub started_ms: i64,
    /// The latest row written in it, or its recorded end; `None` before the first commit.
    pub ended_ms: Option<i64>,
    pub profile: String,
    pub source: String,
    pub model: String,
}

/// A few key measures kept with each sample (all optional: not every frame yields each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyMeasures {
    /// Head pitch relative to the baseline, degrees (positive: looking down).
    pub head_pitch_delta_deg: Option<f64>,
    /// Head height (eyes above shoulders, over shoulder width) relative to the baseline.
    pub head_height_ratio_delta: Option<f64>,
    /// Estimated eye-to-camera distance, centimetres.
    pub distance_cm: Option<f64>,
    /// Head roll (tilt to a side), degrees.
    pub head_roll_deg: Option<f64>,
    /// Shoulder line tilt, degrees.
    pub shoulder_tilt_deg: Option<f64>,
}

/// One analysed frame, reduced to numbers. Never pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Unix time in milliseconds.
    pub t_ms: i64,
    pub state: State,
    /// The worst problem in this frame, if any.
    pub worst_problem: Option<String>,
    /// Problems not at `ok` in this frame; a problem absent here is `ok`.
    pub levels: Vec<(String, Level)>,
    pub measures: KeyMeasures,
}

impl Sample {
    /// A sample with no problems and no measures.
    pub fn new(t_ms: i64, state: State) -> Sample {
        Sample {
            t_ms,
            state,
            worst_problem: None,
            levels: Vec::new(),
            measures: KeyMeasures::default(),
        }
    }

    /// Adds a problem's level (an `ok` level is not stored).
    pub fn with_level(mut self, problem: &str, level: Level) -> Sample {
        if level != Level::Ok {
            self.levels.push((problem.to_string(), level));
        }
        self
    }

    /// The level of `problem` in this frame.
    pub fn level_of(&self, problem: &str) -> Level {
        self.levels.iter().find(|(p, _)| p == problem).map_or(Level::Ok, |(_, l)| *l)
    }
}

/// A sample as read back, with its session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSample {
    pub session_id: i64,
    #[serde(flatten)]
    pub sample: Sample,
}

/// Longest gap between two samples of one session that still joins them into one [`Span`];
/// reports also count at most this much time after a sample, so a crash or a sleeping laptop
/// never counts as posture.
pub const SPAN_MAX_GAP_MS: i64 = 10_000;

/// Spans never cross a multiple of this in Unix time (a whole hour), so every span that reaches
/// into a range of time starts at most this long before it.
pub const SPAN_BUCKET_MS: i64 = 3_600_000;

/// A run of consecutive samples of one session with the same state and problem levels, each
/// at most [`SPAN_MAX_GAP_MS`] after the one before, within one [`SPAN_BUCKET_MS`]: what
/// reports read instead of every sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub session_id: i64,
    /// Time of the first sample of the run.
    pub first_ms: i64,
    /// Time of the last sample of the run.
    pub last_ms: i64,
    pub state: State,
    /// Problems not at `ok`, as in [`Sample::levels`].
    pub levels: Vec<(String, Level)>,
    /// How many samples the run holds.
    pub samples: u32,
}

impl Span {
    /// A span of one sample.
    pub fn start(session_id: i64, sample: &Sample) -> Span {
        Span {
            session_id,
            first_ms: sample.t_ms,
            last_ms: sample.t_ms,
            state: sample.state,
            levels: sample.levels.clone(),
            samples: 1,
        }
    }

    /// Adds `sample`, which [`Span::continued_by`] accepted.
    pub fn push(&mut self, sample: &Sample) {
        self.last_ms = sample.t_ms;
        self.samples = self.samples.saturating_add(1);
    }

    /// Whether `sample`, the next of this span's session, continues it.
    pub fn continued_by(&self, sample: &Sample) -> bool {
        sample.t_ms > self.last_ms
            && sample.t_ms - self.last_ms <= SPAN_MAX_GAP_MS
            && sample.t_ms.div_euclid(SPAN_BUCKET_MS) == self.first_ms.div_euclid(SPAN_BUCKET_MS)
            && sample.state == self.state
            && sample.levels == self.levels
    }

    /// The level of `problem` during this span.
    pub fn level_of(&self, problem: &str) -> Level {
        self.levels.iter().find(|(p, _)| p == problem).map_or(Level::Ok, |(_, l)| *l)
    }
}

/// The spans of `samples` (sorted by time, any number of sessions), sorted by start and
/// session.
pub fn spans_of(samples: &[StoredSample]) -> Vec<Span> {
    let mut done: Vec<Span> = Vec::new();
    let mut open: Vec<Span> = Vec::new();
    for StoredSample { session_id, sample } in samples {
        match open.iter_mut().find(|s| s.session_id == *session_id) {
            Some(span) if span.continued_by(sample) => span.push(sample),
            Some(span) => done.push(std::mem::replace(span, Span::start(*session_id, sample))),
            None => open.push(Span::start(*session_id, sample)),
        }
    }
    done.append(&mut open);
    done.sort_by_key(|s| (s.first_ms, s.session_id));
    done
}

/// Something that happened: an alert, a break, a pause, the camera going away.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Unix time in milliseconds.
    pub t_ms: i64,
    pub kind: EventKind,
    pub problem: Option<String>,
    pub severity: Option<Level>,
    /// How far from the baseline, in the problem's own unit.
    pub deviation: Option<f64>,
    pub suggestion_id: Option<String>,
    pub suggestion_title: Option<String>,
    /// Whether an alert was escalated to a break with stretches.
    pub escalated: bool,
    /// Anything else, as JSON (`back`: `{"counted_as_break": true}`).
    pub detail: Option<serde_json::Value>,
}

impl Event {
    /// An event with nothing but a kind and a time (`break_due`, `away`, `paused`, ...).
    pub fn new(t_ms: i64, kind: EventKind) -> Event {
        Event {
            t_ms,
            kind,
            problem: None,
            severity: None,
            deviation: None,
            suggestion_id: None,
            suggestion_title: None,
            escalated: false,
            detail: None,
        }
    }

    /// An alert for `problem`; add the rest with the builder methods.
    pub fn alert(t_ms: i64, problem: &str, severity: Level) -> Event {
        Event {
            problem: Some(problem.to_string()),
            severity: Some(severity),
            ..Event::new(t_ms, EventKind::Alert)
        }
    }

    /// The person came back; `counted_as_break` when the time away was long enough.
    pub fn back(t_ms: i64, counted_as_break: bool) -> Event {
        Event {
            detail: Some(serde_json::json!({ "counted_as_break": counted_as_break })),
            ..Event::new(t_ms, EventKind::Back)
        }
    }

    /// `problem` went back to ok.
    pub fn recovered(t_ms: i64, problem: &str) -> Event {
        Event { problem: Some(problem.to_string()), ..Event::new(t_ms, EventKind::Recovered) }
    }

    pub fn deviation(mut self, deviation: f64) -> Event {
        self.deviation = Some(deviation);
        self
    }

    pub fn suggestion(mut self, id: &str, title: &str) -> Event {
        self.suggestion_id = Some(id.to_string());
        self.suggestion_title = Some(title.to_string());
        self
    }

    pub fn escalated(mut self, escalated: bool) -> Event {
        self.escalated = escalated;
        self
    }

    /// For a `back` event: whether the time away counted as a break.
    pub fn counted_as_break(&self) -> bool {
        self.kind == EventKind::Back
            && self
                .detail
                .as_ref()
                .and_then(|d| d.get("counted_as_break"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
    }
}

/// An event as read back, with its session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub session_id: i64,
    #[serde(flatten)]
    pub event: Event,
}

/// A calibration on record: the baseline's summary as JSON (numbers only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRow {
    pub profile: String,
    pub t_ms: i64,
    pub summary: serde_json::Value,
}

/// Encodes problem levels compactly: `neck_flexion=b,too_close=c` (ok levels left out).
pub(crate) fn encode_levels(levels: &[(String, Level)]) -> Option<String> {
    let mut out = String::new();
    for (problem, level) in levels {
        let code = match level {
            Level::Ok => continue,
            Level::Caution => 'c',
            Level::Bad => 'b',
        };
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(problem);
        out.push('=');
        out.push(code);
    }
    (!out.is_empty()).then_some(out)
}

/// Decodes [`encode_levels`]; malformed parts are skipped.
pub(crate) fn decode_levels(text: &str) -> Vec<(String, Level)> {
    text.split(',')
        .filter_map(|part| {
            let (problem, code) = part.split_once('=')?;
            let level = match code {
                "c" => Level::Caution,
                "b" => Level::Bad,
                _ => return None,
            };
            Some((problem.to_string(), level))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_and_skip_ok() {
        let levels = vec![
            ("neck_flexion".to_string(), Level::Bad),
            ("head_tilt".to_string(), Level::Ok),
            ("too_close".to_string(), Level::Caution),
        ];
        let text = encode_levels(&levels);
        assert_eq!(text.as_deref(), Some("neck_flexion=b,too_close=c"));
        assert_eq!(
            decode_levels("neck_flexion=b,too_close=c"),
            vec![
                ("neck_flexion".to_string(), Level::Bad),
                ("too_close".to_string(), Level::Caution)
            ]
        );
        assert_eq!(encode_levels(&[]), None);
        assert_eq!(decode_levels("garbage,x=q"), vec![]);
    }

    #[test]
    fn names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(*state));
        }
        assert!(PROBLEMS.iter().all(|p| is_valid_name(p)));
        assert!(!is_valid_name("Neck flexion"));
        assert!(!is_valid_name("a=b"));
    }

    #[test]
    fn spans_join_runs_of_one_state_and_split_on_change_gap_or_session() {
        let bad = |t| Sample::new(t, State::Bad).with_level("neck_flexion", Level::Bad);
        let stored = |session_id, sample| StoredSample { session_id, sample };
        let samples = vec![
            stored(1, Sample::new(0, State::Good)),
            stored(2, Sample::new(500, State::Good)),
            stored(1, Sample::new(1_000, State::Good)),
            stored(2, Sample::new(1_500, State::Good)),
            stored(1, Sample::new(2_000, State::Bad)), // state change
            stored(1, bad(3_000)),                     // levels change
            stored(1, bad(4_000)),
            stored(1, bad(14_001)), // more than the gap after the last
        ];
        let spans: Vec<(i64, i64, i64, State)> = spans_of(&samples)
            .iter()
            .map(|s| (s.session_id, s.first_ms, s.last_ms, s.state))
            .collect();
        assert_eq!(
            spans,
            vec![
                (1, 0, 1_000, State::Good),
                (2, 500, 1_500, State::Good),
                (1, 2_000, 2_000, State::Bad),
                (1, 3_000, 4_000, State::Bad),
                (1, 14_001, 14_001, State::Bad),
            ]
        );
        assert_eq!(spans_of(&samples)[3].level_of("neck_flexion"), Level::Bad);
        assert_eq!(spans_of(&samples)[3].level_of("too_close"), Level::Ok);
        assert!(spans_of(&[]).is_empty());
    }

    #[test]
    fn back_event_says_whether_it_was_a_break() {
        assert!(Event::back(0, true).counted_as_break());
        assert!(!Event::back(0, false).counted_as_break());
        assert!(!Event::new(0, EventKind::Away).counted_as_break());
    }
}
