//! Frames in: the [`FrameSource`] trait, the webcam source and the recorded-session source.
//!
//! A frame lives in memory only for the time of one analysis; nothing here writes pixels
//! anywhere except `knotless record`, which the user runs on purpose.

pub mod camera;
mod error;
pub mod image_file;
pub mod recorded;
pub mod writer;

use image::RgbImage;

pub use camera::{CameraEvent, CameraSettings, CameraSource, StatusChange, Stopper};
pub use error::CaptureError;
pub use recorded::{Pacing, RecordedSession};

/// One captured image and when it was taken.
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: RgbImage,
    /// Capture time in milliseconds on the session's own clock (0 = start of the session).
    pub t_ms: u64,
    /// Position in the stream, counting from 0.
    pub seq: u64,
}

/// A stream of frames, newest first: a source hands on only the latest frame and drops the
/// ones the consumer was too slow for.
pub trait FrameSource {
    /// The next frame; `Ok(None)` when the stream has ended (a recorded session ran out).
    /// Blocks until a frame is due.
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError>;

    /// A hint that frames captured before `t_ms` (session clock) will not be analysed: a
    /// source that can pass over them without decoding them does. Live sources ignore it.
    fn skip_until(&mut self, _t_ms: u64) {}

    /// Status changes since the last call, oldest first: a live camera lost, back, stalled,
    /// sending corrupt frames or changing size, each with its time on the session clock so
    /// the monitor can log it and mark the gap. Sources without a status (a recorded session)
    /// have none.
    fn take_events(&mut self) -> Vec<StatusChange> {
        Vec::new()
    }

    /// Like [`FrameSource::next_frame`], but a source that may wait a long time for a frame (a
    /// lost or stalled camera) returns [`Polled::Waiting`] now and then instead, so that its
    /// status changes are seen and a stop request is heeded while it waits.
    fn poll_frame(&mut self) -> Result<Polled, CaptureError> {
        Ok(match self.next_frame()? {
            Some(frame) => Polled::Frame(frame),
            None => Polled::End,
        })
    }
}

/// What [`FrameSource::poll_frame`] got.
#[derive(Debug)]
pub enum Polled {
    Frame(Frame),
    /// No frame yet; ask again.
    Waiting,
    /// The stream has ended.
    End,
}

/// Opens the webcam `settings` names and starts capturing on its own thread. Box it as a
/// `Box<dyn FrameSource + Send>` where any source will do; keep it (or its
/// [`CameraSource::stopper`]) to end a `next_frame` that waits for a lost camera.
pub fn open_camera(settings: &CameraSettings) -> Result<CameraSource, CaptureError> {
    CameraSource::open(settings)
}
