//! The live monitor's pipeline, one direction only:
//!
//! ```text
//! capture thread ──latest frame──▶ analysis worker ──Analysis──▶ coach loop ──▶ alert sinks
//!  (FrameSource)    (bounded 1)     (owns the ONNX   (unbounded)  (pure coach,     (terminal,
//!                                    sessions)                    pause file)      JSON, ...)
//! ```
//!
//! Frames are sampled on the session clock ([`Sampling`]), so a recorded session replayed at
//! full speed is judged exactly as it would be in real time. While the posture holds steady
//! (or nobody is in view) the interval between analysed frames stretches, up to
//! [`Sampling::steady_interval_ms`]; any change brings it back to [`Sampling::interval_ms`].
//! The capture thread waits for each frame's verdict before choosing the next frame, so the
//! frames analysed depend only on the session, not on how fast the machine is. Frames that
//! will not be analysed are not decoded where the source can skip them. A frame lives only
//! for the time of its analysis. Cancellation (Ctrl-C, SIGTERM, or the end of a recorded
//! session) stops the capture thread; the channels then drain and close in order.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::alert::{Fanout, Notice};
use crate::capture::{CameraEvent, CaptureError, Frame, FrameSource, Polled, StatusChange};
use crate::coach::{Coach, Event, Observation};
use crate::pose::{PoseError, PoseEstimator};
use crate::posture::{
    Assessment, Baseline, CameraModel, Level, MeasureOptions, Measures, Thresholds, assess,
    measure_with,
};

/// Everything the pipeline needs, already loaded.
pub struct Monitor {
    pub source: Box<dyn FrameSource + Send>,
    pub estimator: Box<dyn PoseEstimator + Send>,
    pub camera: CameraModel,
    pub baseline: Baseline,
    pub thresholds: Thresholds,
    /// How keypoints become measures (`[posture]`: the least keypoint score, ...).
    pub measure: MeasureOptions,
    pub coach: Coach,
    /// How often frames are analysed.
    pub sampling: Sampling,
    /// A file whose presence pauses coaching (`knotless pause` writes it).
    pub pause_file: Option<PathBuf>,
}

/// How often frames are analysed, in milliseconds of session time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampling {
    /// Interval while the posture changes (`monitor.sample_fps`).
    pub interval_ms: u64,
    /// Longest interval while the posture holds steady or nobody is in view
    /// (`monitor.steady_sample_fps`); equal to `interval_ms`, the rate never changes.
    pub steady_interval_ms: u64,
}

/// Analyses in a row with the same verdict before the interval starts to stretch.
pub const STEADY_AFTER: u32 = 3;

impl Sampling {
    /// A fixed rate.
    pub fn fixed(interval_ms: u64) -> Sampling {
        Sampling { interval_ms, steady_interval_ms: interval_ms }
    }
}

/// Chooses the interval to the next analysed frame from the verdicts so far: the base interval
/// while anything changes (someone arrives or leaves, a problem's level moves), doubling after
/// [`STEADY_AFTER`] equal verdicts in a row, up to the steady interval, and never past the
/// coach's next deadline (rounded up to the base interval), so that an alert, a recovery, a
/// break or an absence falls due on the same frame as at the base rate.
#[derive(Debug, Clone)]
pub struct Sampler {
    sampling: Sampling,
    last: Option<Verdict>,
    steady: u32,
    interval_ms: u64,
}

/// What the sampler compares from frame to frame: whether someone is there, and each
/// problem's level.
type Verdict = Option<Vec<(crate::posture::Problem, Level)>>;

impl Sampler {
    pub fn new(sampling: Sampling) -> Sampler {
        let base = sampling.interval_ms.max(1);
        let sampling = Sampling {
            interval_ms: base,
            steady_interval_ms: sampling.steady_interval_ms.max(base),
        };
        Sampler { sampling, last: None, steady: 0, interval_ms: base }
    }

    /// Takes one analysis and the coach's next deadline after it
    /// ([`Coach::next_deadline_ms`]); returns the interval to the next frame to analyse.
    pub fn next_interval(&mut self, analysis: &Analysis, deadline_ms: Option<u64>) -> u64 {
        let verdict: Verdict = analysis
            .assessment
            .as_ref()
            .filter(|_| analysis.person)
            .map(|a| a.findings.iter().map(|f| (f.problem, f.level)).collect());
        if self.last.as_ref() == Some(&verdict) {
            self.steady = self.steady.saturating_add(1);
        } else {
            self.steady = 0;
            self.interval_ms = self.sampling.interval_ms;
        }
        self.last = Some(verdict);
        if self.steady >= STEADY_AFTER {
            self.interval_ms =
                self.interval_ms.saturating_mul(2).min(self.sampling.steady_interval_ms);
        }
        let base = self.sampling.interval_ms;
        let until_deadline = deadline_ms
            .filter(|&d| d > analysis.t_ms)
            .map(|d| (d - analysis.t_ms).div_ceil(base).saturating_mul(base));
        self.interval_ms.min(until_deadline.unwrap_or(u64::MAX))
    }
}

/// One analysed frame.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub t_ms: u64,
    pub person: bool,
    pub measures: Option<Measures>,
    pub assessment: Option<Assessment>,
    /// Set once, on the first frame with a person, when the calibration no longer seems to fit
    /// what the camera sees (the camera or the seat moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// What a finished run saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub frames_analysed: u64,
    pub frames_with_person: u64,
    pub frames_good: u64,
    /// Session time with someone in view, and in good posture: each analysed frame stands for
    /// the time until the next one (frames are further apart while nothing changes).
    pub ms_with_person: u64,
    pub ms_good: u64,
    pub alerts: u64,
    pub session_ms: u64,
    pub capture_errors: u64,
}

/// Errors that end a run.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Pose(#[from] PoseError),
    #[error("the {0} thread stopped unexpectedly")]
    Thread(&'static str),
}

/// Something the frame source reported besides frames.
#[derive(Debug)]
pub enum SourceNote {
    /// A frame could not be had (a corrupt file in a recorded session, a camera error).
    Error { t_ms: u64, error: CaptureError },
    /// A live camera's status changed (lost, back, stalled, ...).
    Status(StatusChange),
}

/// A hook run for every analysed frame, every coach event and every source note (the history
/// store, the terminal's status line).
pub trait Observer: Send {
    fn analysed(&mut self, _analysis: &Analysis) {}
    fn event(&mut self, _t_ms: u64, _event: &Event, _notice: &Notice) {}
    fn source_note(&mut self, _note: &SourceNote) {}
}

/// Runs the monitor until the source ends or `stop` is set.
pub async fn run(
    monitor: Monitor,
    mut sinks: Fanout,
    mut observer: Box<dyn Observer>,
    stop: Arc<AtomicBool>,
) -> Result<Summary, MonitorError> {
    let Monitor {
        mut source,
        mut estimator,
        camera,
        baseline,
        thresholds,
        measure,
        mut coach,
        sampling,
        pause_file,
    } = monitor;

    let (frame_tx, mut frame_rx) = mpsc::channel::<Frame>(1);
    let (problem_tx, mut problem_rx) = mpsc::unbounded_channel::<SourceNote>();
    // The analysis worker's answer to each frame: the interval to the next one.
    let (interval_tx, interval_rx) = std::sync::mpsc::channel::<u64>();
    let capture_stop = stop.clone();
    let capture = std::thread::Builder::new()
        .name("capture".into())
        .spawn(move || {
            let mut next_due = 0u64;
            let mut last_t = 0u64;
            while !capture_stop.load(Ordering::Relaxed) {
                source.skip_until(next_due);
                let next = source.poll_frame();
                for change in source.take_events() {
                    if problem_tx.send(SourceNote::Status(change)).is_err() {
                        return;
                    }
                }
                match next {
                    Ok(Polled::Waiting) => {}
                    Ok(Polled::Frame(frame)) => {
                        last_t = frame.t_ms;
                        if frame.t_ms < next_due {
                            continue;
                        }
                        let t_ms = frame.t_ms;
                        if frame_tx.blocking_send(frame).is_err() {
                            break;
                        }
                        match interval_rx.recv() {
                            Ok(interval_ms) => next_due = t_ms + interval_ms,
                            Err(_) => break,
                        }
                    }
                    Ok(Polled::End) => break,
                    Err(error) => {
                        if problem_tx.send(SourceNote::Error { t_ms: last_t, error }).is_err() {
                            break;
                        }
                    }
                }
            }
        })
        .map_err(|_| MonitorError::Thread("capture"))?;

    let (analysis_tx, mut analysis_rx) = mpsc::unbounded_channel::<Result<Analysis, PoseError>>();
    let worker = tokio::task::spawn_blocking(move || {
        let mut checked_calibration = baseline.is_population();
        let mut first = true;
        while let Some(frame) = frame_rx.blocking_recv() {
            let mut result = analyse_with(
                estimator.as_mut(),
                &frame,
                &camera,
                &baseline,
                &thresholds,
                Some(&measure),
            );
            if let Ok((analysis, Some(pose))) = &mut result
                && !checked_calibration
            {
                checked_calibration = true;
                let min_score = measure.min_keypoint_score;
                analysis.warning = baseline.stale_warning(pose, min_score).map(|w| w.to_string());
            }
            let result = result.map(|(analysis, _)| analysis);
            drop(frame);
            if let Ok(analysis) = &result
                && first
            {
                first = false;
                tracing::info!(
                    t_ms = analysis.t_ms,
                    person = analysis.person,
                    "first frame analysed"
                );
            }
            let failed = result.is_err();
            if analysis_tx.send(result).is_err() || failed {
                break;
            }
        }
    });

    let mut summary = Summary::default();
    let mut paused = false;
    let mut sampler = Sampler::new(sampling);
    loop {
        tokio::select! {
            biased;
            Some(note) = problem_rx.recv() => {
                note_source(&note, &mut summary, observer.as_mut(), &mut sinks);
            }
            next = analysis_rx.recv() => {
                let Some(result) = next else { break };
                let analysis = result?;
                summary.frames_analysed += 1;
                summary.session_ms = analysis.t_ms;
                if analysis.person {
                    summary.frames_with_person += 1;
                }
                if analysis.assessment.as_ref().is_some_and(Assessment::is_good) {
                    summary.frames_good += 1;
                }
                // The observer shows the warning to the user; logged here only for -v.
                if let Some(warning) = &analysis.warning {
                    tracing::debug!("{warning}");
                }
                observer.analysed(&analysis);
                let mut events = Vec::new();
                if let Some(path) = &pause_file {
                    let now_paused = crate::pause::is_paused(path);
                    if now_paused != paused {
                        paused = now_paused;
                        events.extend(if paused {
                            coach.pause(analysis.t_ms, None)
                        } else {
                            coach.resume(analysis.t_ms)
                        });
                    }
                }
                events.extend(coach.observe(&observation(&analysis)));
                // The capture thread waits for this before it picks the next frame.
                let interval = sampler.next_interval(&analysis, coach.next_deadline_ms());
                let _ = interval_tx.send(interval);
                if analysis.person {
                    summary.ms_with_person += interval;
                }
                if analysis.assessment.as_ref().is_some_and(Assessment::is_good) {
                    summary.ms_good += interval;
                }
                for event in &events {
                    if matches!(event, Event::Alert { .. }) {
                        summary.alerts += 1;
                    }
                    let notice = notice(analysis.t_ms, event);
                    observer.event(analysis.t_ms, event, &notice);
                    sinks.deliver(&notice);
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    // Drain capture problems reported after the last frame.
    while let Ok(note) = problem_rx.try_recv() {
        note_source(&note, &mut summary, observer.as_mut(), &mut sinks);
    }
    worker.await.map_err(|_| MonitorError::Thread("analysis"))?;
    drop(problem_rx);
    capture.join().map_err(|_| MonitorError::Thread("capture"))?;
    Ok(summary)
}

fn note_source(
    note: &SourceNote,
    summary: &mut Summary,
    observer: &mut dyn Observer,
    sinks: &mut Fanout,
) {
    observer.source_note(note);
    match note {
        SourceNote::Error { t_ms, error } => {
            summary.capture_errors += 1;
            tracing::warn!(t_ms, "{error}");
        }
        SourceNote::Status(change) => {
            if let Some(notice) = camera_notice(change) {
                sinks.deliver(&notice);
            }
        }
    }
}

/// Words and JSON for a camera status change worth telling the user about.
pub fn camera_notice(change: &StatusChange) -> Option<Notice> {
    let (kind, body) = match &change.event {
        CameraEvent::Lost { cause, detail } => {
            ("camera_lost", format!("camera lost ({cause}: {detail}); retrying"))
        }
        CameraEvent::Back => ("camera_back", "camera back; monitoring again".to_string()),
        CameraEvent::Stalled { .. } => {
            ("camera_stalled", "the camera stopped sending frames".to_string())
        }
        _ => return None,
    };
    let json =
        serde_json::json!({ "event": kind, "t_s": change.t_ms as f64 / 1000.0, "message": body });
    Some(Notice {
        kind: kind.into(),
        title: "knotless".into(),
        body: format!("[{}] {body}", clock(change.t_ms)),
        urgent: false,
        json,
    })
}

/// Pose, measures and assessment of one frame (and the pose, which the caller drops), with the
/// pose model's default measure options.
pub fn analyse(
    estimator: &mut (dyn PoseEstimator + Send),
    frame: &Frame,
    camera: &CameraModel,
    baseline: &Baseline,
    thresholds: &Thresholds,
) -> Result<(Analysis, Option<crate::pose::Pose>), PoseError> {
    analyse_with(estimator, frame, camera, baseline, thresholds, None)
}

/// [`analyse`] with the given measure options (`None`: the pose model's defaults).
pub fn analyse_with(
    estimator: &mut (dyn PoseEstimator + Send),
    frame: &Frame,
    camera: &CameraModel,
    baseline: &Baseline,
    thresholds: &Thresholds,
    options: Option<&MeasureOptions>,
) -> Result<(Analysis, Option<crate::pose::Pose>), PoseError> {
    let pose = estimator.estimate(&frame.image)?;
    let Some(pose) = pose else {
        let nobody = Analysis {
            t_ms: frame.t_ms,
            person: false,
            measures: None,
            assessment: None,
            warning: None,
        };
        return Ok((nobody, None));
    };
    let options = options.copied().unwrap_or_else(|| MeasureOptions::for_model(pose.model));
    let measures = measure_with(&pose, camera, &options);
    let assessment = assess(&measures, baseline, thresholds);
    let analysis = Analysis {
        t_ms: frame.t_ms,
        person: true,
        measures: Some(measures),
        assessment: Some(assessment),
        warning: None,
    };
    Ok((analysis, Some(pose)))
}

/// The coach's view of an analysis.
pub fn observation(analysis: &Analysis) -> Observation {
    match &analysis.assessment {
        Some(a) if analysis.person => Observation::present(
            analysis.t_ms,
            a.findings.iter().map(|f| (f.problem, f.level, f.deviation.value)).collect(),
        ),
        _ => Observation::absent(analysis.t_ms),
    }
}

/// Words and JSON for an event at session time `t_ms`.
pub fn notice(t_ms: u64, event: &Event) -> Notice {
    let mut json = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut json {
        map.insert("t_s".into(), serde_json::json!(t_ms as f64 / 1000.0));
        map.insert("message".into(), serde_json::json!(event.message()));
    }
    let kind = json.get("event").and_then(|k| k.as_str()).unwrap_or("event").to_string();
    let urgent = matches!(event, Event::Alert { .. } | Event::BreakDue { .. });
    let title = match event {
        Event::Alert { problem, .. } => format!("knotless: {}", problem.as_str().replace('_', " ")),
        Event::BreakDue { .. } => "knotless: time for a break".into(),
        _ => "knotless".into(),
    };
    Notice { kind, title, body: format!("[{}] {}", clock(t_ms), event.message()), urgent, json }
}

/// Session time as h:mm:ss.
pub fn clock(t_ms: u64) -> String {
    let s = t_ms / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A compact one-line status for the terminal.
pub fn status_line(analysis: &Analysis) -> String {
    let t = clock(analysis.t_ms);
    match &analysis.assessment {
        None => format!("{t}  nobody in view"),
        Some(a) => {
            let flagged: Vec<String> = a
                .findings
                .iter()
                .filter(|f| f.level != Level::Ok)
                .map(|f| {
                    let problem = f.problem.as_str().replace('_', " ");
                    format!("{problem} {}", crate::display::level_name(f.level))
                })
                .collect();
            if flagged.is_empty() {
                format!("{t}  posture ok")
            } else {
                format!("{t}  {}", flagged.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(t_ms: u64, person: bool) -> Analysis {
        Analysis {
            t_ms,
            person,
            measures: None,
            assessment: person.then(Assessment::default),
            warning: None,
        }
    }

    #[test]
    fn interval_stretches_while_steady_and_snaps_back_on_a_change() {
        let mut s = Sampler::new(Sampling { interval_ms: 1000, steady_interval_ms: 4000 });
        let intervals: Vec<u64> =
            (0..7).map(|i| s.next_interval(&analysis(i * 1000, true), None)).collect();
        assert_eq!(intervals, [1000, 1000, 1000, 2000, 4000, 4000, 4000]);
        // Someone leaves: straight back to the base rate.
        assert_eq!(s.next_interval(&analysis(20_000, false), None), 1000);
    }

    #[test]
    fn interval_never_passes_the_coach_deadline() {
        let mut s = Sampler::new(Sampling { interval_ms: 1000, steady_interval_ms: 4000 });
        for i in 0..6 {
            s.next_interval(&analysis(i * 1000, true), None);
        }
        // Due 1.5 s after the frame: the next frame on the base grid after it.
        assert_eq!(s.next_interval(&analysis(6000, true), Some(7500)), 2000);
        // A deadline already past does not hold the rate down.
        assert_eq!(s.next_interval(&analysis(8000, true), Some(7500)), 4000);
    }

    #[test]
    fn a_fixed_rate_never_changes() {
        let mut s = Sampler::new(Sampling::fixed(500));
        assert!((0..10).all(|i| s.next_interval(&analysis(i * 500, false), None) == 500));
    }
}
