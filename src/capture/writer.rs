//! Writing a session folder, the format [`RecordedSession`](super::RecordedSession) replays:
//! frames as `000000.jpg`, `000001.jpg`, ... and a `frames.csv` index (`file,t_ms`). This is
//! what `knotless record` uses to keep a session for replay or a bug report, and the only
//! place knotless writes pixels. The index is flushed after every frame, so an interrupted
//! recording is still a valid session.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::camera::encode_jpeg;
use super::recorded::INDEX_FILE;
use super::{CameraEvent, CaptureError, Frame, FrameSource};

/// JPEG quality of recorded frames: high enough that replays match live analysis closely.
pub const JPEG_QUALITY: u8 = 90;
/// A source that fails this many times in a row is given up on.
const MAX_ERRORS_IN_A_ROW: u32 = 100;

/// What can go wrong writing a session.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{} is not empty", dir.display())]
    NotEmpty { dir: PathBuf },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not encode frame {seq}: {reason}")]
    Encode { seq: u64, reason: String },

    #[error("the source keeps failing: {0}")]
    Source(#[source] CaptureError),
}

/// Writes frames into a session folder.
#[derive(Debug)]
pub struct SessionWriter {
    dir: PathBuf,
    index_path: PathBuf,
    index: BufWriter<File>,
    frames: u64,
    first_t_ms: Option<u64>,
}

impl SessionWriter {
    /// Creates `dir` if needed. A folder with anything in it is refused unless `overwrite`;
    /// then its index is replaced and frames of the same names are overwritten.
    pub fn create(dir: &Path, overwrite: bool) -> Result<SessionWriter, RecordError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RecordError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let occupied = std::fs::read_dir(dir).map_err(io(dir))?.next().is_some();
        if occupied && !overwrite {
            return Err(RecordError::NotEmpty { dir: dir.to_path_buf() });
        }
        let index_path = dir.join(INDEX_FILE);
        let file = File::create(&index_path).map_err(io(&index_path))?;
        let mut index = BufWriter::new(file);
        writeln!(index, "file,t_ms").and_then(|()| index.flush()).map_err(io(&index_path))?;
        Ok(SessionWriter { dir: dir.to_path_buf(), index_path, index, frames: 0, first_t_ms: None })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Writes one frame and its index line; times are kept relative to the first frame.
    pub fn write(&mut self, frame: &Frame) -> Result<PathBuf, RecordError> {
        let jpeg = encode_jpeg(&frame.image, JPEG_QUALITY)
            .map_err(|e| RecordError::Encode { seq: frame.seq, reason: e.to_string() })?;
        let name = format!("{:06}.jpg", self.frames);
        let path = self.dir.join(&name);
        // The frame goes first: an index line never names a file that is not complete.
        std::fs::write(&path, jpeg)
            .map_err(|source| RecordError::Io { path: path.clone(), source })?;
        let t0 = *self.first_t_ms.get_or_insert(frame.t_ms);
        let t_ms = frame.t_ms.saturating_sub(t0);
        writeln!(self.index, "{name},{t_ms}")
            .and_then(|()| self.index.flush())
            .map_err(|source| RecordError::Io { path: self.index_path.clone(), source })?;
        self.frames += 1;
        Ok(path)
    }

    /// Flushes the index to disk; returns the number of frames written.
    pub fn finish(mut self) -> Result<u64, RecordError> {
        let io = |source| RecordError::Io { path: self.index_path.clone(), source };
        self.index.flush().map_err(io)?;
        self.index.get_ref().sync_all().map_err(io)?;
        Ok(self.frames)
    }
}

/// When to stop and how many frames to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RecordLimits {
    /// Stop at the first frame this long after the first one.
    pub max_ms: Option<u64>,
    /// Keep at most this many frames a second.
    pub fps: Option<f64>,
}

/// What a recording did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordSummary {
    pub frames: u64,
    /// From the first frame written to the last.
    pub duration_ms: u64,
    /// Frames the source failed to deliver (logged and skipped).
    pub errors: u64,
}

/// Records `source` into `writer` until the source ends (a camera's
/// [`Stopper`](super::Stopper) ends it on Ctrl-C) or `limits` say stop. A failing frame is
/// logged and skipped; a source that keeps failing ends the recording with an error.
pub fn record(
    source: &mut dyn FrameSource,
    writer: &mut SessionWriter,
    limits: RecordLimits,
) -> Result<RecordSummary, RecordError> {
    let interval_ms = limits.fps.filter(|f| f.is_finite() && *f > 0.0).map(|f| 1000.0 / f);
    let mut summary = RecordSummary::default();
    let (mut first, mut last_kept): (Option<u64>, Option<u64>) = (None, None);
    let mut errors_in_a_row = 0;
    loop {
        let frame = match source.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(e) => {
                summary.errors += 1;
                errors_in_a_row += 1;
                if errors_in_a_row >= MAX_ERRORS_IN_A_ROW {
                    return Err(RecordError::Source(e));
                }
                tracing::warn!("skipping a frame: {e}");
                continue;
            }
        };
        errors_in_a_row = 0;
        for change in source.take_events() {
            match change.event {
                CameraEvent::Back | CameraEvent::Resized { .. } => {
                    tracing::info!(t_ms = change.t_ms, "{}", change.event);
                }
                _ => tracing::warn!(t_ms = change.t_ms, "{}", change.event),
            }
        }
        let t0 = *first.get_or_insert(frame.t_ms);
        let elapsed = frame.t_ms.saturating_sub(t0);
        if limits.max_ms.is_some_and(|max| elapsed > max) {
            break;
        }
        if let (Some(interval), Some(last)) = (interval_ms, last_kept)
            && ((frame.t_ms.saturating_sub(last)) as f64) < interval
        {
            continue;
        }
        writer.write(&frame)?;
        last_kept = Some(frame.t_ms);
        summary.frames += 1;
        summary.duration_ms = elapsed;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::*;
    use crate::capture::{Pacing, RecordedSession};

    /// Frames from a list, then the end.
    struct ListSource(std::vec::IntoIter<Result<Frame, CaptureError>>);

    impl FrameSource for ListSource {
        fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
            self.0.next().transpose()
        }
    }

    fn frame(seq: u64, t_ms: u64) -> Frame {
        let shade = (seq * 40 % 256) as u8;
        Frame { image: RgbImage::from_pixel(16, 12, Rgb([shade, 100, 200])), t_ms, seq }
    }

    fn frames(times: &[u64]) -> ListSource {
        let list: Vec<_> = times.iter().enumerate().map(|(i, &t)| Ok(frame(i as u64, t))).collect();
        ListSource(list.into_iter())
    }

    #[test]
    fn round_trip_through_recorded_session() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("session");
        let mut writer = SessionWriter::create(&out, false).unwrap();
        let mut source = frames(&[1000, 1500, 2000]);
        let summary = record(&mut source, &mut writer, RecordLimits::default()).unwrap();
        assert_eq!(summary, RecordSummary { frames: 3, duration_ms: 1000, errors: 0 });
        assert_eq!(writer.finish().unwrap(), 3);

        let mut replay = RecordedSession::open(&out, None, Pacing::Max).unwrap();
        let names: Vec<_> = replay.entries().iter().map(|e| e.file.clone()).collect();
        assert_eq!(names, [out.join("000000.jpg"), out.join("000001.jpg"), out.join("000002.jpg")]);
        for (seq, t_ms) in [(0, 0), (1, 500), (2, 1000)] {
            let got = replay.next_frame().unwrap().unwrap();
            assert_eq!((got.seq, got.t_ms), (seq, t_ms));
            assert_eq!(got.image.dimensions(), (16, 12));
            let want = frame(seq, 0).image.get_pixel(8, 6).0;
            let px = got.image.get_pixel(8, 6).0;
            assert!(px.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 4), "{px:?} vs {want:?}");
        }
        assert!(replay.next_frame().unwrap().is_none());
    }

    #[test]
    fn limits_keep_the_rate_and_the_length() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SessionWriter::create(dir.path(), false).unwrap();
        let times: Vec<u64> = (0..30).map(|i| i * 100).collect();
        let limits = RecordLimits { max_ms: Some(2000), fps: Some(2.0) };
        let summary = record(&mut frames(&times), &mut writer, limits).unwrap();
        assert_eq!(summary.frames, 5, "0, 500, 1000, 1500, 2000 ms");
        assert_eq!(summary.duration_ms, 2000);
        let index = std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap();
        assert_eq!(index.lines().last(), Some("000004.jpg,2000"));
    }

    #[test]
    fn a_failing_frame_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = SessionWriter::create(dir.path(), false).unwrap();
        let bad = CaptureError::Camera { camera: "0".into(), reason: "glitch".into() };
        let mut source = ListSource(vec![Ok(frame(0, 0)), Err(bad), Ok(frame(2, 100))].into_iter());
        let summary = record(&mut source, &mut writer, RecordLimits::default()).unwrap();
        assert_eq!((summary.frames, summary.errors), (2, 1));
    }

    #[test]
    fn a_non_empty_folder_is_refused_unless_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = SessionWriter::create(dir.path(), false).unwrap_err();
        assert!(matches!(err, RecordError::NotEmpty { .. }), "{err}");
        assert!(!dir.path().join(INDEX_FILE).exists(), "nothing written when refused");
        let writer = SessionWriter::create(dir.path(), true).unwrap();
        assert_eq!(writer.finish().unwrap(), 0);
        assert!(dir.path().join("notes.txt").exists(), "other files are left alone");
    }
}
