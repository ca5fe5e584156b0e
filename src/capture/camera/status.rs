//! The camera's health as a small state machine, kept pure so that every fault can be tested
//! without threads or clocks: each method takes the time and returns the event to report, if
//! any. A fault is reported when it starts, never again while it lasts.
//!
//! Also here: the reconnect [`Backoff`] and the [`Throttle`] that keeps the capture thread from
//! decoding more frames than the monitor asked for.

use std::time::Duration;

/// Why the camera stopped giving frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostCause {
    /// Another program holds it (a video call, say): EBUSY.
    Busy,
    /// It is gone: unplugged, or no camera has that index or name.
    Gone,
    /// We may not open it (on Linux: not in the `video` group).
    Denied,
    /// Any other driver error.
    Failed,
}

impl std::fmt::Display for LostCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LostCause::Busy => "busy (in use by another program)",
            LostCause::Gone => "disconnected",
            LostCause::Denied => "permission denied",
            LostCause::Failed => "failed",
        })
    }
}

/// A change in the camera's state that the monitor should know about: to log it, and to
/// mark the time without frames as a gap in the history instead of "nobody at the desk".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraEvent {
    /// Frames stopped because the camera could not be opened or read; it is being retried.
    Lost { cause: LostCause, detail: String },
    /// Frames flow again after `Lost` or `Stalled`.
    Back,
    /// The camera is open but sent no frame since `last_frame_ms` (session clock).
    Stalled { last_frame_ms: u64 },
    /// A frame could not be decoded and was skipped. Reported once for a run of bad frames.
    CorruptFrame { reason: String },
    /// Frames now come at a new size (not reported for the first frame).
    Resized { width: u32, height: u32 },
}

impl std::fmt::Display for CameraEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CameraEvent::Lost { cause, detail } => write!(f, "camera {cause}: {detail}"),
            CameraEvent::Back => f.write_str("camera is back"),
            CameraEvent::Stalled { last_frame_ms } => {
                write!(f, "camera stalled: no frame since {last_frame_ms} ms")
            }
            CameraEvent::CorruptFrame { reason } => write!(f, "skipping corrupt frames: {reason}"),
            CameraEvent::Resized { width, height } => write!(f, "frames are now {width}x{height}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Open, no frame yet.
    Starting,
    Live,
    Stalled,
    Lost,
}

/// The camera's health; see the module header.
#[derive(Debug)]
pub struct Tracker {
    link: Link,
    /// Last frame, or the last (re)opening: when silence started.
    last_alive_ms: u64,
    stall_after_ms: u64,
    in_corrupt_run: bool,
    size: Option<(u32, u32)>,
    corrupt: u64,
}

impl Tracker {
    pub fn new(stall_after: Duration) -> Tracker {
        Tracker {
            link: Link::Starting,
            last_alive_ms: 0,
            stall_after_ms: u64::try_from(stall_after.as_millis()).unwrap_or(u64::MAX),
            in_corrupt_run: false,
            size: None,
            corrupt: 0,
        }
    }

    /// The camera was (re)opened at `t_ms`. Not news by itself: `Back` waits for a frame.
    pub fn opened(&mut self, t_ms: u64) {
        self.last_alive_ms = t_ms;
    }

    /// Opening or reading failed.
    pub fn lost(&mut self, cause: LostCause, detail: &str) -> Option<CameraEvent> {
        if self.link == Link::Lost {
            return None;
        }
        self.link = Link::Lost;
        Some(CameraEvent::Lost { cause, detail: detail.to_string() })
    }

    /// The camera delivered a frame (decodable or not) at `t_ms`.
    pub fn frame_arrived(&mut self, t_ms: u64) -> Option<CameraEvent> {
        self.last_alive_ms = t_ms;
        let was = std::mem::replace(&mut self.link, Link::Live);
        matches!(was, Link::Lost | Link::Stalled).then_some(CameraEvent::Back)
    }

    /// Called now and then by the consumer: has the open camera gone quiet?
    pub fn check_stall(&mut self, now_ms: u64) -> Option<CameraEvent> {
        let quiet = now_ms.saturating_sub(self.last_alive_ms) >= self.stall_after_ms;
        if matches!(self.link, Link::Starting | Link::Live) && quiet {
            self.link = Link::Stalled;
            return Some(CameraEvent::Stalled { last_frame_ms: self.last_alive_ms });
        }
        None
    }

    /// A frame decoded to `width` x `height`.
    pub fn decoded(&mut self, width: u32, height: u32) -> Option<CameraEvent> {
        self.in_corrupt_run = false;
        let previous = self.size.replace((width, height));
        (previous.is_some_and(|p| p != (width, height)))
            .then_some(CameraEvent::Resized { width, height })
    }

    /// A frame did not decode.
    pub fn corrupt(&mut self, reason: &str) -> Option<CameraEvent> {
        self.corrupt += 1;
        if std::mem::replace(&mut self.in_corrupt_run, true) {
            return None;
        }
        Some(CameraEvent::CorruptFrame { reason: reason.to_string() })
    }

    /// Frames skipped because they did not decode, since the start.
    pub fn corrupt_frames(&self) -> u64 {
        self.corrupt
    }
}

/// Exponential backoff between reconnection attempts: `initial`, doubling up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff { initial, max, next: initial.min(max) }
    }

    /// The wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// After a success: the next failure starts over from `initial`.
    pub fn reset(&mut self) {
        self.next = self.initial.min(self.max);
    }
}

/// Lets at most one frame through per `interval`, so the capture thread decodes only what
/// the monitor will use even when the camera cannot go as slow as asked.
#[derive(Debug, Clone)]
pub struct Throttle {
    interval_ms: u64,
    last_ms: Option<u64>,
}

impl Throttle {
    /// `fps` 0 lets every frame through.
    pub fn new(fps: u32) -> Throttle {
        Throttle { interval_ms: if fps == 0 { 0 } else { 1000 / u64::from(fps) }, last_ms: None }
    }

    pub fn admit(&mut self, t_ms: u64) -> bool {
        if self.last_ms.is_some_and(|last| t_ms.saturating_sub(last) < self.interval_ms) {
            return false;
        }
        self.last_ms = Some(t_ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> Tracker {
        Tracker::new(Duration::from_secs(5))
    }

    #[test]
    fn loss_is_reported_once_and_back_on_the_next_frame() {
        let mut t = tracker();
        assert_eq!(t.frame_arrived(0), None, "the first frame is not news");
        let lost = t.lost(LostCause::Gone, "no such device");
        assert!(matches!(lost, Some(CameraEvent::Lost { cause: LostCause::Gone, .. })));
        assert_eq!(t.lost(LostCause::Gone, "no such device"), None);
        assert_eq!(t.lost(LostCause::Busy, "busy"), None, "one loss, however it goes on");
        t.opened(9_000);
        assert_eq!(t.check_stall(60_000), None, "a lost camera does not also stall");
        assert_eq!(t.frame_arrived(61_000), Some(CameraEvent::Back));
        assert_eq!(t.frame_arrived(61_100), None);
    }

    #[test]
    fn busy_at_start_is_a_loss() {
        let mut t = tracker();
        assert!(matches!(t.lost(LostCause::Busy, "EBUSY"), Some(CameraEvent::Lost { .. })));
        assert_eq!(t.frame_arrived(3_000), Some(CameraEvent::Back));
    }

    #[test]
    fn silence_is_a_stall_once() {
        let mut t = tracker();
        t.opened(100);
        assert_eq!(t.check_stall(5_099), None);
        assert_eq!(t.check_stall(5_100), Some(CameraEvent::Stalled { last_frame_ms: 100 }));
        assert_eq!(t.check_stall(50_000), None);
        assert_eq!(t.frame_arrived(50_001), Some(CameraEvent::Back));
        assert_eq!(t.check_stall(52_000), None);
        assert!(t.check_stall(55_001).is_some(), "a new silence is a new stall");
    }

    #[test]
    fn corrupt_runs_are_reported_once_each() {
        let mut t = tracker();
        assert!(t.corrupt("truncated").is_some());
        assert_eq!(t.corrupt("truncated"), None);
        assert_eq!(t.decoded(640, 480), None);
        assert!(t.corrupt("garbage").is_some());
        assert_eq!(t.corrupt_frames(), 3);
    }

    #[test]
    fn size_changes_are_reported() {
        let mut t = tracker();
        assert_eq!(t.decoded(640, 480), None);
        assert_eq!(t.decoded(640, 480), None);
        assert_eq!(t.decoded(320, 240), Some(CameraEvent::Resized { width: 320, height: 240 }));
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let s = Duration::from_secs;
        let mut b = Backoff::new(s(1), s(30));
        let delays: Vec<_> = (0..7).map(|_| b.next_delay()).collect();
        assert_eq!(delays, [s(1), s(2), s(4), s(8), s(16), s(30), s(30)]);
        b.reset();
        assert_eq!(b.next_delay(), s(1));
    }

    #[test]
    fn throttle_keeps_the_asked_rate() {
        let mut th = Throttle::new(2);
        let admitted: Vec<u64> = (0..20).map(|i| i * 100).filter(|&t| th.admit(t)).collect();
        assert_eq!(admitted, [0, 500, 1000, 1500]);
        let mut all = Throttle::new(0);
        assert!((0..5).all(|_| all.admit(7)));
    }
}
