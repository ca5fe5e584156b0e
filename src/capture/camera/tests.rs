//! The capture thread driven by a fake camera: every fault the real one shows (unplugged and
//! back, busy at start, stalled, corrupt frames, a new size mid-stream) goes through the same
//! mailbox, retry and reporting code. The test feeds the fake one step at a time and sets a
//! fake clock, so nothing depends on timing; each test body runs under a generous timeout so
//! a bug shows as a failure, not a hung test run.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

const TEST_TIMEOUT: Duration = Duration::from_secs(30);

enum Step {
    Frame(RawFrame),
    Fail(RawError),
    Panic,
}

struct FakeCamera {
    steps: Receiver<Step>,
    /// Results of successive `open` calls; success once the list runs out.
    opens: Arc<Mutex<VecDeque<Result<(), RawError>>>>,
    open_calls: Arc<AtomicUsize>,
}

impl RawCamera for FakeCamera {
    fn open(&mut self) -> Result<(), RawError> {
        self.open_calls.fetch_add(1, Ordering::SeqCst);
        self.opens.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }

    fn grab(&mut self) -> Result<RawFrame, RawError> {
        match self.steps.recv() {
            Ok(Step::Frame(frame)) => Ok(frame),
            Ok(Step::Fail(e)) => Err(e),
            Ok(Step::Panic) => panic!("fake camera driver bug"),
            Err(_) => Err(err(LostCause::Gone, "test over")),
        }
    }

    fn close(&mut self) {}
}

#[derive(Default)]
struct FakeClock(AtomicU64);

impl Clock for FakeClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

struct Rig {
    source: CameraSource,
    feed: Sender<Step>,
    clock: Arc<FakeClock>,
    open_calls: Arc<AtomicUsize>,
}

impl Rig {
    fn send(&self, step: Step) {
        self.feed.send(step).unwrap();
    }

    fn frame(&self, frame: RawFrame) {
        self.send(Step::Frame(frame));
    }

    fn set_clock(&self, t_ms: u64) {
        self.clock.0.store(t_ms, Ordering::SeqCst);
    }

    fn next(&mut self) -> Frame {
        self.source.next_frame().unwrap().expect("a frame, not the end")
    }

    fn events(&mut self) -> Vec<CameraEvent> {
        self.source.take_events().into_iter().map(|c| c.event).collect()
    }
}

fn err(cause: LostCause, detail: &str) -> RawError {
    RawError { cause, detail: detail.into() }
}

fn start(opens: Vec<Result<(), RawError>>) -> Result<Rig, CaptureError> {
    let (feed, steps) = channel();
    let clock = Arc::new(FakeClock::default());
    let open_calls = Arc::new(AtomicUsize::new(0));
    let camera = FakeCamera {
        steps,
        opens: Arc::new(Mutex::new(opens.into())),
        open_calls: Arc::clone(&open_calls),
    };
    let options = CaptureOptions {
        stall_after: Duration::from_secs(5),
        reconnect_initial: Duration::from_millis(1),
        reconnect_max: Duration::from_millis(8),
        max_fps: 0,
    };
    let source = CameraSource::spawn("fake".into(), move || camera, options, clock.clone())?;
    Ok(Rig { source, feed, clock, open_calls })
}

/// Runs a test body on its own thread and fails if it does not finish in time.
fn within_timeout(body: impl FnOnce() + Send + 'static) {
    let (done_tx, done) = channel();
    let handle = std::thread::spawn(move || {
        body();
        let _ = done_tx.send(());
    });
    match done.recv_timeout(TEST_TIMEOUT) {
        Ok(()) => {}
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body ended without saying so"),
        },
        Err(RecvTimeoutError::Timeout) => panic!("test did not finish within {TEST_TIMEOUT:?}"),
    }
}

/// An RGB frame of one shade, so a test can tell frames apart.
fn rgb(width: u32, height: u32, shade: u8) -> RawFrame {
    let data = vec![shade; (width * height * 3) as usize];
    RawFrame { format: PixelFormat::Rgb24, width, height, data }
}

fn shade(frame: &Frame) -> u8 {
    frame.image.get_pixel(0, 0).0[0]
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode_jpeg(&image::RgbImage::new(width, height), 80).unwrap()
}

#[test]
fn frames_flow_with_session_times_and_sequence_numbers() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        rig.set_clock(100);
        rig.frame(rgb(4, 2, 10));
        let f = rig.next();
        assert_eq!((f.t_ms, f.seq, shade(&f), f.image.dimensions()), (100, 0, 10, (4, 2)));
        rig.set_clock(600);
        rig.frame(RawFrame {
            format: PixelFormat::Mjpeg,
            width: 640,
            height: 480,
            data: jpeg(32, 16),
        });
        let f = rig.next();
        assert_eq!((f.t_ms, f.seq, f.image.dimensions()), (600, 1, (32, 16)), "JPEG size wins");
        assert_eq!(rig.events(), [CameraEvent::Resized { width: 32, height: 16 }]);
    });
}

#[test]
fn only_the_latest_frame_is_handed_on() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        for s in 1..=5 {
            rig.frame(rgb(2, 2, s));
        }
        let mut got = vec![];
        while got.last() != Some(&5) {
            got.push(shade(&rig.next()));
        }
        assert!(got.windows(2).all(|w| w[0] < w[1]), "never an older frame: {got:?}");
        assert_eq!(got.len() as u64 + rig.source.dropped_frames(), 5, "{got:?}");
    });
}

#[test]
fn unplugged_camera_is_reported_once_and_resumes() {
    within_timeout(|| {
        let gone = || Err(err(LostCause::Gone, "No such device (os error 19)"));
        let mut rig = start(vec![Ok(()), gone(), gone(), gone()]).unwrap();
        rig.frame(rgb(2, 2, 1));
        assert_eq!(shade(&rig.next()), 1);
        rig.send(Step::Fail(err(LostCause::Gone, "No such device (os error 19)")));
        rig.frame(rgb(2, 2, 2));
        assert_eq!(shade(&rig.next()), 2, "frames resume by themselves");
        let lost = CameraEvent::Lost {
            cause: LostCause::Gone,
            detail: "No such device (os error 19)".into(),
        };
        assert_eq!(rig.events(), [lost, CameraEvent::Back]);
        assert_eq!(rig.open_calls.load(Ordering::SeqCst), 5, "three failed reopenings, then one");

        // A second unplugging is a new fault, reported again.
        rig.send(Step::Fail(err(LostCause::Failed, "Input/output error")));
        rig.frame(rgb(2, 2, 3));
        assert_eq!(shade(&rig.next()), 3);
        let events = rig.events();
        assert!(
            matches!(
                events[..],
                [CameraEvent::Lost { cause: LostCause::Failed, .. }, CameraEvent::Back]
            ),
            "{events:?}"
        );
    });
}

#[test]
fn busy_camera_at_start_is_waited_for() {
    within_timeout(|| {
        let busy = || Err(err(LostCause::Busy, "Device or resource busy"));
        let mut rig = start(vec![busy(), busy(), busy()]).unwrap();
        rig.frame(rgb(2, 2, 7));
        assert_eq!(shade(&rig.next()), 7);
        let lost =
            CameraEvent::Lost { cause: LostCause::Busy, detail: "Device or resource busy".into() };
        assert_eq!(rig.events(), [lost, CameraEvent::Back], "busy three times, reported once");
    });
}

#[test]
fn missing_camera_at_start_is_an_error() {
    within_timeout(|| {
        for cause in [LostCause::Gone, LostCause::Denied] {
            let e = start(vec![Err(err(cause, "no can do"))]).err().expect("an error");
            let CaptureError::CameraOpen { camera, cause: c, detail } = &e else { panic!("{e}") };
            assert_eq!((camera.as_str(), *c, detail.as_str()), ("fake", cause, "no can do"));
        }
    });
}

#[test]
fn a_stall_is_reported_once_and_ends_with_the_next_frame() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        rig.set_clock(1_000);
        rig.frame(rgb(2, 2, 1));
        assert_eq!(shade(&rig.next()), 1);
        rig.set_clock(5_999);
        assert_eq!(rig.events(), []);
        rig.set_clock(6_000);
        assert_eq!(rig.events(), [CameraEvent::Stalled { last_frame_ms: 1_000 }]);
        rig.set_clock(60_000);
        assert_eq!(rig.events(), [], "reported once");
        rig.frame(rgb(2, 2, 2));
        assert_eq!(shade(&rig.next()), 2);
        assert_eq!(rig.events(), [CameraEvent::Back]);
    });
}

#[test]
fn corrupt_frames_are_skipped_and_reported_once_per_run() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        let good = jpeg(8, 8);
        let mjpeg =
            |data: Vec<u8>| RawFrame { format: PixelFormat::Mjpeg, width: 8, height: 8, data };
        rig.frame(mjpeg(good.clone()));
        assert_eq!(rig.next().seq, 0);
        rig.frame(mjpeg(good[..good.len() / 2].to_vec()));
        rig.frame(mjpeg(vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9]));
        rig.frame(RawFrame { format: PixelFormat::Yuyv, width: 8, height: 8, data: vec![0; 10] });
        rig.frame(mjpeg(good.clone()));
        assert_eq!(rig.next().seq, 4, "the bad frames are skipped, the stream goes on");
        let events = rig.events();
        assert!(
            matches!(&events[..], [CameraEvent::CorruptFrame { reason }] if reason.contains("truncated")),
            "{events:?}"
        );
        assert_eq!(rig.source.corrupt_frames(), 3);

        rig.frame(mjpeg(vec![]));
        rig.frame(mjpeg(good));
        assert_eq!(rig.next().seq, 6);
        assert!(matches!(rig.events()[..], [CameraEvent::CorruptFrame { .. }]), "a new run");
    });
}

#[test]
fn a_new_size_mid_stream_is_handled_and_reported() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        rig.frame(rgb(8, 6, 1));
        assert_eq!(rig.next().image.dimensions(), (8, 6));
        rig.frame(rgb(4, 2, 2));
        assert_eq!(rig.next().image.dimensions(), (4, 2));
        rig.frame(rgb(4, 2, 3));
        assert_eq!(rig.next().image.dimensions(), (4, 2));
        assert_eq!(rig.events(), [CameraEvent::Resized { width: 4, height: 2 }]);
    });
}

#[test]
fn stop_ends_a_waiting_next_frame() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        let stopper = rig.source.stopper();
        let waiter = std::thread::spawn(move || {
            let result = rig.source.next_frame();
            (result.map(|f| f.is_none()).unwrap_or(false), rig)
        });
        stopper.stop();
        let (ended, mut rig) = waiter.join().unwrap();
        assert!(ended, "next_frame returns the end once stopped");
        assert!(rig.source.next_frame().unwrap().is_none());
    });
}

#[test]
fn a_dead_capture_thread_is_an_error_then_the_end() {
    within_timeout(|| {
        let mut rig = start(vec![]).unwrap();
        rig.send(Step::Panic);
        let e = rig.source.next_frame().expect_err("the thread died");
        assert!(e.to_string().contains("ended unexpectedly"), "{e}");
        assert!(rig.source.next_frame().unwrap().is_none());
    });
}
