//! `knotless run`: the monitor beside desk work, from the webcam or a recorded session.
//! Also `knotless demo`, which calibrates from the bundled demo session and runs over it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use super::GlobalArgs;
use super::calibrate::open_camera_source;
use super::settings::Settings;
use crate::alert::{
    AlertSink as _, CommandHook, DesktopNotifier, Fanout, JsonLines, Notice, Terminal,
};
use crate::capture::{CameraEvent, FrameSource, Pacing, RecordedSession};
use crate::coach::{Coach, Event};
use crate::display;
use crate::monitor::{Analysis, Monitor, Observer, SourceNote, status_line};
use crate::posture::profile::{self, ProfileName};
use crate::store::{self, EventKind, KeyMeasures, NewSession, Sample, State};

/// How fast a recorded session is replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Speed {
    /// At the pace it was recorded.
    Realtime,
    /// As fast as the machine allows, keeping the session's own clock.
    Max,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Calibration profile to judge against.
    #[arg(long, default_value = profile::DEFAULT_PROFILE, value_name = "NAME")]
    pub profile: ProfileName,

    /// Replay a recorded session (a folder of frames) instead of watching the camera.
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,

    /// Frame rate of a recorded session without a frames.csv index.
    #[arg(long, value_name = "F")]
    pub fps: Option<f64>,

    /// Replay speed of a recorded session.
    #[arg(long, value_enum, default_value_t = Speed::Realtime)]
    pub speed: Speed,

    /// Replay a recorded session N times over, its clock running on (0: until stopped).
    #[arg(long = "loop", value_name = "N", default_value_t = 1, requires = "source")]
    pub passes: u32,

    /// One JSON object per event on stdout (alert, break_due, away, back, paused, ...).
    #[arg(long)]
    pub json: bool,

    /// Keep no history of this run.
    #[arg(long)]
    pub no_history: bool,

    /// Without a calibration, judge against typical values instead (coarser than your own).
    #[arg(long)]
    pub population_defaults: bool,
}

pub fn run(global: &GlobalArgs, args: RunArgs) -> Result<ExitCode> {
    let settings = Settings::load(global)?;
    let data_dir = settings.data_dir()?;
    let baseline = match profile::load(&data_dir, &args.profile) {
        Ok(b) => b,
        Err(crate::posture::ProfileError::NotFound { .. }) if args.population_defaults => {
            eprintln!(
                "knotless: no calibration for profile `{}`: judging against typical values; \
                 `knotless calibrate` makes it yours",
                args.profile
            );
            let c = &settings.config.camera;
            crate::posture::Baseline::population(settings.config.monitor.model, c.width, c.height)
        }
        Err(crate::posture::ProfileError::NotFound { .. }) => bail!(
            "no calibration for profile `{p}` yet: sit upright and relaxed and run \
             `knotless calibrate --profile {p}` (about {s:.0} s), or calibrate from a recorded \
             session with `knotless calibrate --profile {p} --source DIR`; or run with \
             --population-defaults to judge against typical values meanwhile",
            p = args.profile,
            s = settings.config.calibration.seconds
        ),
        Err(e) => return Err(e).with_context(|| format!("could not use profile {}", args.profile)),
    };
    let configured = settings.config.monitor.model;
    if baseline.backend != configured && !baseline.is_population() {
        eprintln!(
            "knotless: profile `{p}` was calibrated with {}, so the monitor runs {0}, not \
             monitor.model {}; `knotless calibrate --profile {p}` to switch",
            display::model_name(baseline.backend),
            display::model_name(configured),
            p = args.profile
        );
    }
    let source: Box<dyn FrameSource + Send> = match &args.source {
        Some(dir) => {
            let pacing = if args.speed == Speed::Max { Pacing::Max } else { Pacing::RealTime };
            Box::new(
                RecordedSession::open(dir, args.fps, pacing)
                    .context("could not replay the recorded session")?
                    .looped(args.passes),
            )
        }
        None => open_camera_source(&settings.config)?,
    };
    let described = match &args.source {
        Some(dir) => format!("recorded session {}", dir.display()),
        None => format!("camera {}", super::calibrate::camera_settings(&settings.config).label()),
    };
    monitor(global, &settings, &data_dir, &args, baseline, source, &described)
}

/// Builds and runs the pipeline until the source ends, Ctrl-C or SIGTERM.
pub fn monitor(
    global: &GlobalArgs,
    settings: &Settings,
    data_dir: &Path,
    args: &RunArgs,
    baseline: crate::posture::Baseline,
    source: Box<dyn FrameSource + Send>,
    described: &str,
) -> Result<ExitCode> {
    let config = &settings.config;
    // Held until the run ends: one monitor records into a data folder at a time.
    let _lock = if args.no_history {
        None
    } else {
        match crate::lock::MonitorLock::acquire(data_dir) {
            Ok(lock) => Some(lock),
            Err(e @ crate::lock::LockError::Held { .. }) => {
                eprintln!("knotless: {e}");
                return Ok(ExitCode::from(super::EXIT_ALREADY_RUNNING));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let backend = baseline.backend;
    let estimator =
        crate::pose::load_estimator_with(backend, &global.model_files(), config.monitor.threads)
            .context("could not load the pose model")?;
    let coach = Coach::new(config.coach.clone()).context("invalid [coach] settings")?;
    let thresholds = config.posture.thresholds;
    let interval_ms = |fps: f32| (1000.0 / f64::from(fps)).round() as u64;
    let base_ms = interval_ms(config.monitor.sample_fps);
    // A frame stands for the time since the previous one only up to the coach's gap limit,
    // and a sample in the history for at most the store's gap.
    let gap_max_ms =
        (u64::from(config.coach.frame_gap_max_s) * 1000).min(store::SPAN_MAX_GAP_MS.unsigned_abs());
    let sampling = crate::monitor::Sampling {
        interval_ms: base_ms,
        steady_interval_ms: interval_ms(config.monitor.steady_sample_fps)
            .min(gap_max_ms)
            .max(base_ms),
    };

    let started_ms = unix_ms();
    let writer = if args.no_history {
        None
    } else {
        let path = store::history_path(data_dir);
        let session = NewSession {
            started_ms: started_ms as i64,
            profile: args.profile.to_string(),
            source: described.to_string(),
            model: display::model_key(backend).to_owned(),
        };
        Some(
            store::Writer::start(&path, &session, store::WriterOptions::default())
                .with_context(|| format!("could not open the history {}", path.display()))?,
        )
    };

    let mut sinks = Fanout::default();
    if args.json {
        sinks.push(Box::new(JsonLines::new(std::io::stdout())));
    }
    if config.alerts.desktop
        && let Some(n) = DesktopNotifier::detect()
    {
        sinks.push(Box::new(n));
    }
    if let Some(cmd) = &config.alerts.command {
        sinks.push(Box::new(CommandHook::new(cmd.clone())));
    }
    let terminal = (!args.json).then(Terminal::new);
    let observer = RunObserver { writer, terminal, started_ms, last_t_ms: 0 };

    let monitor = Monitor {
        source,
        estimator,
        camera: config.camera.model(),
        baseline,
        thresholds,
        measure: config.posture.measure_options(backend.model_kind()),
        coach,
        sampling,
        pause_file: Some(crate::pause::pause_file(data_dir)),
    };
    if !args.json {
        eprintln!(
            "knotless: watching {described} with profile `{}` (Ctrl-C to stop)",
            args.profile
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the runtime")?;
    let summary = runtime.block_on(async {
        let run = crate::monitor::run(monitor, sinks, Box::new(observer), stop.clone());
        tokio::pin!(run);
        tokio::select! {
            result = &mut run => result,
            () = shutdown_signal() => {
                stop.store(true, Ordering::Relaxed);
                run.await
            }
        }
    })?;
    if !args.json {
        // Time-weighted: frames are further apart while nothing changes.
        let monitored = summary.ms_with_person.max(1) as f64;
        eprintln!(
            "\nknotless: {} analysed over {}, good posture {:.0}% of the time you were in view, \
             {} alert(s)",
            summary.frames_analysed,
            crate::monitor::clock(summary.session_ms),
            100.0 * summary.ms_good as f64 / monitored,
            summary.alerts
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Keeps the history and the terminal's status line.
struct RunObserver {
    writer: Option<store::Writer>,
    terminal: Option<Terminal>,
    started_ms: u64,
    /// The latest session time seen, for the session's end.
    last_t_ms: u64,
}

impl RunObserver {
    fn at(&mut self, t_ms: u64) -> i64 {
        self.last_t_ms = self.last_t_ms.max(t_ms);
        (self.started_ms + t_ms) as i64
    }
}

fn store_level(level: crate::posture::Level) -> store::Level {
    match level {
        crate::posture::Level::Ok => store::Level::Ok,
        crate::posture::Level::Caution => store::Level::Caution,
        crate::posture::Level::Bad => store::Level::Bad,
    }
}

impl Observer for RunObserver {
    fn analysed(&mut self, analysis: &Analysis) {
        // Said once, here: on the terminal, or on stderr beside --json's stdout.
        if let Some(warning) = &analysis.warning {
            let body = format!("knotless: {warning}");
            match &mut self.terminal {
                Some(t) => t.deliver(&Notice {
                    kind: "calibration_stale".into(),
                    title: "knotless".into(),
                    body,
                    urgent: false,
                    json: serde_json::Value::Null,
                }),
                None => eprintln!("{body}"),
            }
        }
        if let Some(t) = &mut self.terminal {
            t.status(&status_line(analysis));
        }
        let t = self.at(analysis.t_ms);
        let Some(writer) = &self.writer else { return };
        let sample = match &analysis.assessment {
            None => Sample::new(t, State::Away),
            Some(a) => {
                let worst = a.worst().filter(|f| f.level != crate::posture::Level::Ok);
                let state = match worst.map(|f| f.level) {
                    Some(crate::posture::Level::Bad) => State::Bad,
                    Some(crate::posture::Level::Caution) => State::Caution,
                    _ => State::Good,
                };
                let mut s = Sample::new(t, state);
                s.worst_problem = worst.map(|f| f.problem.as_str().to_string());
                for f in &a.findings {
                    s = s.with_level(f.problem.as_str(), store_level(f.level));
                }
                s.measures = key_measures(a, analysis.measures.as_ref());
                s
            }
        };
        writer.sample(sample);
    }

    fn event(&mut self, t_ms: u64, event: &Event, notice: &Notice) {
        if let Some(t) = &mut self.terminal {
            t.deliver(notice);
        }
        let t = self.at(t_ms);
        let Some(writer) = &self.writer else { return };
        let row = match event {
            Event::Alert { problem, severity, deviation, stretch, escalated, .. } => {
                store::Event::alert(t, problem.as_str(), store_level(*severity))
                    .deviation(f64::from(*deviation))
                    .suggestion(&stretch.id, &stretch.title)
                    .escalated(*escalated)
            }
            Event::BreakDue { suggestion, .. } => store::Event::new(t, EventKind::BreakDue)
                .suggestion(&suggestion.id, &suggestion.title),
            Event::Away => store::Event::new(t, EventKind::Away),
            Event::Back { counted_as_break, .. } => store::Event::back(t, *counted_as_break),
            Event::Paused { .. } => store::Event::new(t, EventKind::Paused),
            Event::Resumed => store::Event::new(t, EventKind::Resumed),
            Event::Recovered { problem } => store::Event::recovered(t, problem.as_str()),
        };
        writer.event(row);
    }

    fn source_note(&mut self, note: &SourceNote) {
        if let (Some(t), SourceNote::Status(change)) = (&mut self.terminal, note)
            && let Some(n) = crate::monitor::camera_notice(change)
        {
            t.deliver(&n);
        }
        let SourceNote::Status(change) = note else { return };
        // A stall is noticed a few seconds late: the gap began with the last frame.
        let (kind, t_ms) = match change.event {
            CameraEvent::Lost { .. } => (EventKind::CameraLost, change.t_ms),
            CameraEvent::Stalled { last_frame_ms } => (EventKind::CameraLost, last_frame_ms),
            CameraEvent::Back => (EventKind::CameraBack, change.t_ms),
            _ => return,
        };
        let t = self.at(t_ms);
        if let Some(writer) = &self.writer {
            writer.event(store::Event::new(t, kind));
        }
    }
}

impl Drop for RunObserver {
    /// Ends the session in the history (a killed monitor leaves no `session_end`) and commits
    /// everything still pending.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let t = (self.started_ms + self.last_t_ms) as i64;
            writer.event(store::Event::new(t, EventKind::SessionEnd));
            let health = writer.close();
            if let Some(err) = health.last_error {
                eprintln!("knotless: some history could not be written: {err}");
            }
        }
    }
}

/// The measures worth keeping per sample, as deltas from the baseline where that is what the
/// assessment judged.
fn key_measures(
    a: &crate::posture::Assessment,
    measures: Option<&crate::posture::Measures>,
) -> KeyMeasures {
    use crate::posture::Problem;
    let dev = |p: Problem| a.get(p).map(|f| f64::from(f.deviation.value));
    KeyMeasures {
        head_pitch_delta_deg: dev(Problem::NeckFlexion),
        head_height_ratio_delta: dev(Problem::HeadDrop),
        distance_cm: measures.and_then(|m| m.distance_cm).map(|d| f64::from(d.value)),
        head_roll_deg: dev(Problem::HeadTilt),
        shoulder_tilt_deg: dev(Problem::UnevenShoulders),
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
