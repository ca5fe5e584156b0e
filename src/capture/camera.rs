//! The webcam as a [`FrameSource`]: a capture thread owns the camera (nokhwa's `Camera` is not
//! `Send`, so it is created and used there), decodes frames itself and leaves only the latest
//! one in a single-slot mailbox. A camera that disappears, is busy (taken by a video call) or
//! goes quiet is reported once, retried with exponential backoff, and the stream resumes by
//! itself; corrupt frames are skipped and reported.
//!
//! The thread logic is written against the narrow [`RawCamera`] trait so that a fake camera
//! drives the same mailbox, retry and reporting code in tests; `device` holds the nokhwa one.
//!
//! Status changes reach the monitor through [`FrameSource::take_events`]: each
//! [`StatusChange`] says what happened ([`CameraEvent`]) and when, on the session clock (ms
//! from the source's start, monotonic), so the monitor can log it and mark gaps in the history.
//! They are logged with `tracing` as they happen, too.

mod device;
mod mailbox;
mod pixels;
mod status;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{CaptureError, Frame, FrameSource, Polled};
use mailbox::{Mailbox, Taken};
use status::{Backoff, Throttle, Tracker};

pub use device::{CameraListing, CameraMode, camera_modes, list_cameras, unreadable_video_nodes};
pub use pixels::{PixelError, PixelFormat, RawFrame, decode, encode_jpeg};
pub use status::{CameraEvent, LostCause};

/// First wait before reopening a lost camera; it doubles up to [`RECONNECT_MAX`].
pub const RECONNECT_INITIAL: Duration = Duration::from_secs(1);
/// Longest wait between reopening attempts.
pub const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// An open camera that sends nothing for this long is reported as stalled.
pub const STALL_AFTER: Duration = Duration::from_secs(5);
/// Status changes kept for the consumer; older ones are dropped if it never asks.
const MAX_PENDING_EVENTS: usize = 256;

/// Which camera to open and what to ask of it (from the configuration or the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraSettings {
    /// Camera index (`/dev/videoN` on Linux); used when `name` is not given. Default 0.
    pub index: Option<u32>,
    /// Part of the camera's name, matched case-insensitively; wins over `index`.
    pub name: Option<String>,
    /// Requested size; the camera's closest mode is used.
    pub width: u32,
    pub height: u32,
    /// Frames a second wanted. The camera is asked for its closest rate, and the capture
    /// thread decodes no more than this many frames a second.
    pub fps: u32,
}

impl Default for CameraSettings {
    fn default() -> Self {
        CameraSettings { index: None, name: None, width: 640, height: 480, fps: 2 }
    }
}

impl CameraSettings {
    /// How to name this camera to the user: its index or its name in quotes.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("\"{name}\""),
            None => self.index.unwrap_or(0).to_string(),
        }
    }
}

/// A status change of a live source, at `t_ms` on the session clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub t_ms: u64,
    pub event: CameraEvent,
}

/// A camera error as the capture thread sees it: what kind of trouble, and the driver's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawError {
    pub cause: LostCause,
    pub detail: String,
}

/// The few things the capture thread needs from a camera.
pub trait RawCamera {
    /// Opens the device and starts streaming (closing it first if it was open).
    fn open(&mut self) -> Result<(), RawError>;
    /// Waits for the next frame. An error means the stream is broken; the thread closes the
    /// camera and reopens it after a backoff.
    fn grab(&mut self) -> Result<RawFrame, RawError>;
    /// Stops streaming and releases the device.
    fn close(&mut self);
}

/// Time since the source started, in ms: real in use, driven by hand in tests.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
}

#[derive(Debug)]
struct MonotonicClock(Instant);

impl Clock for MonotonicClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Timing knobs of the capture thread; [`CaptureOptions::for_settings`] gives the real ones.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub stall_after: Duration,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    /// Decode at most this many frames a second (0: every frame).
    pub max_fps: u32,
}

impl CaptureOptions {
    pub fn for_settings(settings: &CameraSettings) -> CaptureOptions {
        CaptureOptions {
            stall_after: STALL_AFTER,
            reconnect_initial: RECONNECT_INITIAL,
            reconnect_max: RECONNECT_MAX,
            max_fps: settings.fps,
        }
    }
}

/// What the capture thread and the consumer share.
struct Shared {
    label: String,
    frames: Mailbox<Frame>,
    tracker: Mutex<Tracker>,
    events: Mutex<VecDeque<StatusChange>>,
    clock: Arc<dyn Clock>,
    /// Set by [`Stopper::stop`]: the end of the stream was asked for.
    stopping: AtomicBool,
    /// Frames that arrive before this time (session clock) will not be analysed, so they are
    /// not decoded ([`FrameSource::skip_until`]).
    skip_until_ms: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here leaves the data consistent, so a poisoned lock is usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    fn report(&self, event: Option<CameraEvent>) {
        let Some(event) = event else { return };
        let t_ms = self.now();
        // Logged only: the consumer of the events tells the user (once).
        tracing::info!(camera = %self.label, t_ms, "{event}");
        let mut events = lock(&self.events);
        if events.len() == MAX_PENDING_EVENTS {
            events.pop_front();
        }
        events.push_back(StatusChange { t_ms, event });
    }

    fn track<R>(&self, f: impl FnOnce(&mut Tracker) -> R) -> R {
        f(&mut lock(&self.tracker))
    }

    fn check_stall(&self) {
        let now = self.now();
        self.report(self.track(|t| t.check_stall(now)));
    }
}

/// Closes the mailbox when the capture thread ends, however it ends (a panic included), so
/// the consumer never waits for a thread that is gone.
struct CloseOnExit(Arc<Shared>);

impl Drop for CloseOnExit {
    fn drop(&mut self) {
        self.0.frames.close();
    }
}

/// Ends a [`CameraSource`] from anywhere (a Ctrl-C handler, a timer): its `next_frame`
/// returns `Ok(None)` and the capture thread stops at its next chance.
#[derive(Clone)]
pub struct Stopper(Arc<Shared>);

impl Stopper {
    pub fn stop(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
        self.0.frames.close();
    }
}

impl std::fmt::Debug for Stopper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Stopper").field(&self.0.label).finish()
    }
}

/// The webcam as a [`FrameSource`]; see the module header.
pub struct CameraSource {
    shared: Arc<Shared>,
    /// How often a waiting `next_frame` looks for a stall.
    poll: Duration,
    /// The capture thread died and the consumer was told.
    ended: bool,
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource").field("camera", &self.shared.label).finish()
    }
}

impl CameraSource {
    /// Opens the camera `settings` names and starts capturing. A camera that is busy is
    /// waited for (reported as [`CameraEvent::Lost`]); one that does not exist or may not be
    /// opened is an error.
    pub fn open(settings: &CameraSettings) -> Result<CameraSource, CaptureError> {
        let for_thread = settings.clone();
        CameraSource::spawn(
            settings.label(),
            move || device::NokhwaCamera::new(for_thread),
            CaptureOptions::for_settings(settings),
            Arc::new(MonotonicClock(Instant::now())),
        )
    }

    /// Starts the capture thread over the camera `make` creates (on that thread) and waits
    /// for the first attempt to open it.
    pub fn spawn<C, F>(
        label: String,
        make: F,
        options: CaptureOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<CameraSource, CaptureError>
    where
        C: RawCamera,
        F: FnOnce() -> C + Send + 'static,
    {
        let shared = Arc::new(Shared {
            label: label.clone(),
            frames: Mailbox::default(),
            tracker: Mutex::new(Tracker::new(options.stall_after)),
            events: Mutex::new(VecDeque::new()),
            clock,
            stopping: AtomicBool::new(false),
            skip_until_ms: AtomicU64::new(0),
        });
        let poll =
            (options.stall_after / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                let _close = CloseOnExit(Arc::clone(&thread_shared));
                let camera = make();
                capture_loop(camera, &thread_shared, &options, ready_tx);
            })
            .map_err(|e| CaptureError::Camera {
                camera: label.clone(),
                reason: format!("could not start the capture thread: {e}"),
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(CameraSource { shared, poll, ended: false }),
            Ok(Err(e)) => {
                Err(CaptureError::CameraOpen { camera: label, cause: e.cause, detail: e.detail })
            }
            Err(_) => Err(CaptureError::Camera {
                camera: label,
                reason: "the capture thread ended while opening the camera".into(),
            }),
        }
    }

    /// A handle that ends this source from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.shared))
    }

    /// Frames replaced in the mailbox before the consumer took them.
    pub fn dropped_frames(&self) -> u64 {
        self.shared.frames.dropped()
    }

    /// Frames skipped because they did not decode.
    pub fn corrupt_frames(&self) -> u64 {
        self.shared.track(|t| t.corrupt_frames())
    }
}

impl FrameSource for CameraSource {
    /// The latest frame, waiting for one as long as it takes (a lost camera is retried
    /// meanwhile); `Ok(None)` once stopped.
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        loop {
            match self.shared.frames.take(self.poll) {
                Taken::Item(frame) => return Ok(Some(frame)),
                Taken::Empty => self.shared.check_stall(),
                Taken::Closed => {
                    if self.ended || self.shared.stopping.load(Ordering::SeqCst) {
                        return Ok(None);
                    }
                    self.ended = true;
                    return Err(CaptureError::Camera {
                        camera: self.shared.label.clone(),
                        reason: "the capture thread ended unexpectedly".into(),
                    });
                }
            }
        }
    }

    /// The latest frame, or [`Polled::Waiting`] after a short wait without one.
    fn poll_frame(&mut self) -> Result<Polled, CaptureError> {
        match self.shared.frames.take(self.poll) {
            Taken::Item(frame) => Ok(Polled::Frame(frame)),
            Taken::Empty => {
                self.shared.check_stall();
                Ok(Polled::Waiting)
            }
            Taken::Closed => Ok(match self.next_frame()? {
                Some(frame) => Polled::Frame(frame),
                None => Polled::End,
            }),
        }
    }

    fn skip_until(&mut self, t_ms: u64) {
        self.shared.skip_until_ms.store(t_ms, Ordering::Relaxed);
    }

    fn take_events(&mut self) -> Vec<StatusChange> {
        self.shared.check_stall();
        lock(&self.shared.events).drain(..).collect()
    }
}

impl Drop for CameraSource {
    /// Stops the capture thread without waiting for it: a stalled driver may keep it in
    /// `grab` for a while, and it ends by itself when that returns.
    fn drop(&mut self) {
        self.stopper().stop();
    }
}

/// The capture thread: open, grab, decode, hand on; on failure report once, back off, reopen.
fn capture_loop<C: RawCamera>(
    mut camera: C,
    shared: &Shared,
    options: &CaptureOptions,
    ready: std::sync::mpsc::SyncSender<Result<(), RawError>>,
) {
    let mut is_open = match camera.open() {
        Ok(()) => {
            let now = shared.now();
            shared.track(|t| t.opened(now));
            true
        }
        Err(e) if e.cause == LostCause::Busy => {
            shared.report(shared.track(|t| t.lost(e.cause, &e.detail)));
            false
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    // The opener may have given up waiting; the thread goes on either way.
    let _ = ready.send(Ok(()));
    drop(ready);

    let mut backoff = Backoff::new(options.reconnect_initial, options.reconnect_max);
    let mut throttle = Throttle::new(options.max_fps);
    let mut seq = 0u64;
    while !shared.frames.is_closed() {
        if !is_open {
            if shared.frames.wait_closed(backoff.next_delay()) {
                break;
            }
            match camera.open() {
                Ok(()) => {
                    let now = shared.now();
                    shared.track(|t| t.opened(now));
                    is_open = true;
                    tracing::debug!(camera = %shared.label, "camera reopened");
                }
                Err(e) => {
                    tracing::debug!(camera = %shared.label, "reopening failed: {}", e.detail);
                    shared.report(shared.track(|t| t.lost(e.cause, &e.detail)));
                    continue;
                }
            }
        }
        match camera.grab() {
            Ok(raw) => {
                let t_ms = shared.now();
                let this_seq = seq;
                seq += 1;
                backoff.reset();
                shared.report(shared.track(|t| t.frame_arrived(t_ms)));
                if t_ms < shared.skip_until_ms.load(Ordering::Relaxed) || !throttle.admit(t_ms) {
                    continue;
                }
                match pixels::decode(&raw) {
                    Ok(image) => {
                        let (w, h) = image.dimensions();
                        shared.report(shared.track(|t| t.decoded(w, h)));
                        shared.frames.put(Frame { image, t_ms, seq: this_seq });
                    }
                    Err(e) => {
                        tracing::debug!(camera = %shared.label, seq = this_seq, "bad frame: {e}");
                        shared.report(shared.track(|t| t.corrupt(&e.to_string())));
                    }
                }
            }
            Err(e) => {
                if shared.frames.is_closed() {
                    break;
                }
                camera.close();
                is_open = false;
                shared.report(shared.track(|t| t.lost(e.cause, &e.detail)));
            }
        }
    }
    camera.close();
}
