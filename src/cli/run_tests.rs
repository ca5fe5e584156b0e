//! The whole monitor over a camera with every fault: busy at start, a new frame size mid-stream,
//! corrupt and truncated frames, an unplugging with failed reopenings, a stall. The camera is a
//! scripted fake behind the real capture thread ([`CameraSource::spawn`]), the frames are the
//! demo session's, analysed by the real pose model, and the history is written by the run's own
//! observer. The fake waits for each frame's analysis before sending the next, and its clock is
//! set by the script, so nothing depends on timing.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::capture::camera::{
    CaptureOptions, Clock, LostCause, PixelFormat, RawCamera, RawError, RawFrame,
};
use crate::capture::{CameraSource, CaptureError};
use crate::pose::{Backend, ModelFiles, Pose, PoseError, PoseEstimator};
use crate::store::{History, StoredEvent, TimeRange};

const T0: u64 = 1_700_000_000_000;
const PATIENCE: Duration = Duration::from_secs(60);

enum Step {
    /// A frame of `scale` (1 = the demo's 640x480) at this session time.
    Frame { t_ms: u64, scale: u32 },
    /// Bytes that are no JPEG at all.
    Garbage { t_ms: u64 },
    /// A JPEG cut off in transfer.
    Truncated { t_ms: u64 },
    /// The camera is unplugged at this time.
    Unplug { t_ms: u64 },
    /// No frame comes; the clock moves on to this time until the monitor notices.
    Stall { until_ms: u64 },
}

#[derive(Default)]
struct Shared {
    clock: AtomicU64,
    analysed: AtomicU64,
    stalled_seen: AtomicBool,
}

impl Clock for Shared {
    fn now_ms(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }
}

struct ScriptedCamera {
    steps: VecDeque<Step>,
    /// Results of successive `open` calls after the first; success once the list runs out.
    opens: VecDeque<Result<(), RawError>>,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    jpegs: Vec<Vec<u8>>,
    sent: u64,
}

fn wait_for(what: &str, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < PATIENCE, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

impl ScriptedCamera {
    fn jpeg(&self, scale: u32) -> Vec<u8> {
        let bytes = self.jpegs[self.sent as usize % self.jpegs.len()].clone();
        if scale == 1 {
            return bytes;
        }
        let image = crate::capture::image_file::decode_rgb(&bytes).unwrap();
        let (w, h) = image.dimensions();
        let small =
            image::imageops::resize(&image, w / scale, h / scale, image::imageops::Triangle);
        crate::capture::camera::encode_jpeg(&small, 90).unwrap()
    }
}

impl RawCamera for ScriptedCamera {
    fn open(&mut self) -> Result<(), RawError> {
        self.opens.pop_front().unwrap_or(Ok(()))
    }

    fn grab(&mut self) -> Result<RawFrame, RawError> {
        // One frame at a time: the last one is analysed before the next comes.
        let sent = self.sent;
        wait_for("the analysis", || self.shared.analysed.load(Ordering::SeqCst) >= sent);
        let Some(step) = self.steps.pop_front() else {
            self.stop.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(2));
            return Err(RawError { cause: LostCause::Gone, detail: "test over".into() });
        };
        let set = |t: u64| self.shared.clock.store(t, Ordering::SeqCst);
        let mjpeg =
            |data: Vec<u8>| RawFrame { format: PixelFormat::Mjpeg, width: 0, height: 0, data };
        match step {
            Step::Frame { t_ms, scale } => {
                set(t_ms);
                let data = self.jpeg(scale);
                self.sent += 1;
                Ok(mjpeg(data))
            }
            Step::Garbage { t_ms } => {
                set(t_ms);
                Ok(mjpeg(vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9]))
            }
            Step::Truncated { t_ms } => {
                set(t_ms);
                let mut data = self.jpeg(1);
                data.truncate(data.len() / 2);
                Ok(mjpeg(data))
            }
            Step::Unplug { t_ms } => {
                set(t_ms);
                Err(RawError {
                    cause: LostCause::Gone,
                    detail: "No such device (os error 19)".into(),
                })
            }
            Step::Stall { until_ms } => {
                set(until_ms);
                wait_for("the stall to be noticed", || {
                    self.shared.stalled_seen.load(Ordering::SeqCst)
                });
                self.grab()
            }
        }
    }

    fn close(&mut self) {}
}

/// Counts analyses for the camera's lockstep.
struct Counting {
    inner: Box<dyn PoseEstimator + Send>,
    shared: Arc<Shared>,
}

impl PoseEstimator for Counting {
    fn estimate(&mut self, image: &image::RgbImage) -> Result<Option<Pose>, PoseError> {
        let pose = self.inner.estimate(image);
        self.shared.analysed.fetch_add(1, Ordering::SeqCst);
        pose
    }

    fn reset(&mut self) {
        self.inner.reset();
    }
}

/// The run's own observer, with the source notes kept for the test.
struct Tee {
    inner: RunObserver,
    notes: Arc<Mutex<Vec<CameraEvent>>>,
    shared: Arc<Shared>,
}

impl Observer for Tee {
    fn analysed(&mut self, analysis: &Analysis) {
        self.inner.analysed(analysis);
    }

    fn event(&mut self, t_ms: u64, event: &Event, notice: &Notice) {
        self.inner.event(t_ms, event, notice);
    }

    fn source_note(&mut self, note: &SourceNote) {
        self.inner.source_note(note);
        if let SourceNote::Status(change) = note {
            if matches!(change.event, CameraEvent::Stalled { .. }) {
                self.shared.stalled_seen.store(true, Ordering::SeqCst);
            }
            self.notes.lock().unwrap().push(change.event.clone());
        }
    }
}

fn demo_jpegs(n: usize) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session");
    // Frames from the sitting-well start of the session.
    (0..n).map(|i| std::fs::read(dir.join(format!("{:06}.jpg", i * 2))).unwrap()).collect()
}

#[test]
fn the_monitor_rides_out_every_camera_fault_and_marks_the_gaps() {
    let s = |secs: u64| secs * 1000;
    let mut steps = VecDeque::new();
    // Busy at start (the first open fails); frames come once it is free.
    for t in 1..=10 {
        steps.push_back(Step::Frame { t_ms: s(t), scale: 1 });
    }
    // A new size for three frames, then back.
    for t in 11..=13 {
        steps.push_back(Step::Frame { t_ms: s(t), scale: 2 });
    }
    steps.push_back(Step::Frame { t_ms: s(14), scale: 1 });
    // A run of corrupt frames, a good one, a run of truncated ones.
    for t in 15..=17 {
        steps.push_back(Step::Garbage { t_ms: s(t) });
    }
    steps.push_back(Step::Frame { t_ms: s(18), scale: 1 });
    for t in 19..=20 {
        steps.push_back(Step::Truncated { t_ms: s(t) });
    }
    for t in 21..=24 {
        steps.push_back(Step::Frame { t_ms: s(t), scale: 1 });
    }
    // Unplugged at 25 s, reopening fails twice, frames again from 85 s.
    steps.push_back(Step::Unplug { t_ms: s(25) });
    for t in 85..=90 {
        steps.push_back(Step::Frame { t_ms: s(t), scale: 1 });
    }
    // Stalled after 90 s until 110 s.
    steps.push_back(Step::Stall { until_ms: s(100) });
    for t in 110..=115 {
        steps.push_back(Step::Frame { t_ms: s(t), scale: 1 });
    }
    let frames_sent = steps.iter().filter(|s| matches!(s, Step::Frame { .. })).count() as u64;

    let shared = Arc::new(Shared::default());
    let stop = Arc::new(AtomicBool::new(false));
    let busy =
        || Err(RawError { cause: LostCause::Busy, detail: "Device or resource busy".into() });
    let gone = || Err(RawError { cause: LostCause::Gone, detail: "No such device".into() });
    let camera = ScriptedCamera {
        steps,
        opens: VecDeque::from([busy(), Ok(()), gone(), gone()]),
        shared: Arc::clone(&shared),
        stop: Arc::clone(&stop),
        jpegs: demo_jpegs(20),
        sent: 0,
    };
    let options = CaptureOptions {
        stall_after: Duration::from_secs(5),
        reconnect_initial: Duration::from_millis(1),
        reconnect_max: Duration::from_millis(4),
        max_fps: 0,
    };
    let clock: Arc<dyn Clock> = shared.clone();
    let source = CameraSource::spawn("scripted".into(), move || camera, options, clock)
        .expect("a busy camera is waited for, not refused");

    let dir = tempfile::tempdir().unwrap();
    let path = store::history_path(dir.path());
    let session = NewSession {
        started_ms: T0 as i64,
        profile: "desk".into(),
        source: "scripted camera".into(),
        model: "blazepose".into(),
    };
    let writer = store::Writer::start(&path, &session, store::WriterOptions::default()).unwrap();
    let estimator = crate::pose::load_estimator_with(
        Backend::Blazepose,
        &ModelFiles::in_dir(&ModelFiles::default_dir()),
        1,
    )
    .unwrap();
    let monitor = Monitor {
        source: Box::new(source),
        estimator: Box::new(Counting { inner: estimator, shared: Arc::clone(&shared) }),
        camera: crate::config::Config::default().camera.model(),
        baseline: crate::posture::Baseline::population(Backend::Blazepose, 640, 480),
        thresholds: crate::config::Config::default().posture.thresholds,
        measure: crate::config::Config::default()
            .posture
            .measure_options(Backend::Blazepose.model_kind()),
        coach: Coach::new(crate::coach::CoachConfig::default()).unwrap(),
        sampling: crate::monitor::Sampling::fixed(0),
        pause_file: None,
    };
    let notes = Arc::new(Mutex::new(Vec::new()));
    let observer = Tee {
        inner: RunObserver { writer: Some(writer), terminal: None, started_ms: T0, last_t_ms: 0 },
        notes: Arc::clone(&notes),
        shared: Arc::clone(&shared),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let summary = runtime
        .block_on(crate::monitor::run(monitor, Fanout::default(), Box::new(observer), stop))
        .expect("the monitor keeps running through camera faults");

    // Analysis resumed after every fault: every good frame was analysed.
    assert_eq!(summary.frames_analysed, frames_sent, "{summary:?}");
    assert!(summary.frames_with_person >= frames_sent - 3, "{summary:?}");

    // Each fault noted once, however many frames or reopenings it lasted.
    let notes = notes.lock().unwrap().clone();
    let count = |f: fn(&CameraEvent) -> bool| notes.iter().filter(|e| f(e)).count();
    let lost = |c: LostCause| {
        notes.iter().filter(|e| matches!(e, CameraEvent::Lost { cause, .. } if *cause == c)).count()
    };
    assert_eq!(lost(LostCause::Busy), 1, "{notes:?}");
    assert_eq!(lost(LostCause::Gone), 1, "{notes:?}");
    assert_eq!(count(|e| matches!(e, CameraEvent::Stalled { .. })), 1, "{notes:?}");
    assert_eq!(count(|e| matches!(e, CameraEvent::Back)), 3, "{notes:?}");
    assert_eq!(count(|e| matches!(e, CameraEvent::Resized { .. })), 2, "{notes:?}");
    assert_eq!(count(|e| matches!(e, CameraEvent::CorruptFrame { .. })), 2, "{notes:?}");
    assert_eq!(notes.len(), 10, "{notes:?}");

    // The gaps are marked in the history, and no sample falls inside one.
    let history = History::open_read_only(&path).unwrap();
    let all = TimeRange { from_ms: 0, to_ms: i64::MAX };
    let at = |t: i64| (t - T0 as i64) / 1000;
    let events: Vec<(i64, &str)> = history
        .events(all, None)
        .unwrap()
        .iter()
        .map(|StoredEvent { event, .. }| (at(event.t_ms), event.kind.as_str()))
        .filter(|(_, k)| k.starts_with("camera") || k.starts_with("session"))
        .collect();
    assert_eq!(
        events,
        [
            (0, "camera_lost"),
            (1, "camera_back"),
            (25, "camera_lost"),
            (85, "camera_back"),
            (90, "camera_lost"),
            (110, "camera_back"),
            (115, "session_end"),
        ]
    );
    let samples = history.samples(all, None).unwrap();
    assert_eq!(samples.len() as u64, frames_sent);
    let in_gap = |t: i64| (25..85).contains(&t) || (90..110).contains(&t) && t != 90;
    assert!(samples.iter().all(|s| !in_gap(at(s.sample.t_ms))), "a sample inside a gap");

    // The report does not count the gaps as monitored time: each sample stands for the second
    // up to the next one, or up to the camera's loss.
    let tz = jiff::tz::TimeZone::UTC;
    let day = crate::report::time::local(T0 as i64, &tz).date();
    let req = crate::report::ReportRequest { first_day: day, last_day: day, tz, profile: None };
    let report = crate::report::load(&history, &req).unwrap();
    let summary_day = &report.days[0].summary;
    let watched = summary_day.monitored_ms + summary_day.away_ms;
    // Frames from 1 s to 115 s, less the 60 s unplugged and the 20 s stalled.
    assert_eq!(watched, (115 - 1 - 60 - 20) * 1000, "gaps counted: {summary_day:?}");
}

#[test]
fn a_missing_camera_is_an_error_at_start_not_a_wait() {
    let camera = ScriptedCamera {
        steps: VecDeque::new(),
        opens: VecDeque::from([Err(RawError {
            cause: LostCause::Gone,
            detail: "no camera".into(),
        })]),
        shared: Arc::default(),
        stop: Arc::default(),
        jpegs: Vec::new(),
        sent: 0,
    };
    let clock: Arc<dyn Clock> = Arc::new(Shared::default());
    let err = CameraSource::spawn(
        "missing".into(),
        move || camera,
        CaptureOptions::for_settings(&Default::default()),
        clock,
    )
    .unwrap_err();
    assert!(matches!(err, CaptureError::CameraOpen { cause: LostCause::Gone, .. }), "{err}");
}
