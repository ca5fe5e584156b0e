//! A recorded session: a folder of JPEG/PNG frames whose names sort in capture order, with an
//! optional `frames.csv` (columns `file,t_ms`; other columns are ignored) giving each frame's
//! capture time. Without the index, frames are taken to be evenly spaced at a given rate, so
//! the output of `ffmpeg -i video.mp4 -vf fps=2 dir/%06d.jpg` replays with `--fps 2`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::{CaptureError, Frame, FrameSource};

/// The index file's name inside a session folder.
pub const INDEX_FILE: &str = "frames.csv";

/// How fast a recorded session is replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// As it was recorded: each frame is handed on at its capture time.
    RealTime,
    /// As fast as the consumer takes frames; timestamps still follow the recording.
    Max,
}

/// One frame of the index: its file and capture time.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub file: PathBuf,
    pub t_ms: u64,
}

/// Replays a folder of frames as a [`FrameSource`].
#[derive(Debug)]
pub struct RecordedSession {
    dir: PathBuf,
    entries: Vec<IndexEntry>,
    next: usize,
    pacing: Pacing,
    started: Option<Instant>,
    /// Passes over the frames in all; 0 = without end.
    passes: u32,
    /// Passes done so far.
    pass: u32,
    /// Frames handed on so far, over all passes.
    seq: u64,
}

impl RecordedSession {
    /// Opens `dir`; `fps` gives the frame rate when there is no `frames.csv`.
    pub fn open(
        dir: &Path,
        fps: Option<f64>,
        pacing: Pacing,
    ) -> Result<RecordedSession, CaptureError> {
        let session_err = |reason: String| CaptureError::Session { dir: dir.to_path_buf(), reason };
        if !dir.is_dir() {
            let what = if dir.exists() { "not a folder" } else { "no such folder" };
            return Err(session_err(format!(
                "{what}; pass the folder holding the frames (and frames.csv, if any)"
            )));
        }
        let index = dir.join(INDEX_FILE);
        let entries = if index.is_file() {
            let bytes = std::fs::read(&index).map_err(|e| {
                session_err(format!("could not read {INDEX_FILE}: {e}; check its permissions"))
            })?;
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
                CaptureError::Index {
                    file: index.clone(),
                    line,
                    reason: "not UTF-8 text; save it as plain UTF-8 CSV".into(),
                }
            })?;
            parse_index(text, &index, dir)?
        } else {
            let frames = list_frames(dir).map_err(|e| session_err(e.to_string()))?;
            if frames.is_empty() {
                return Err(session_err(format!(
                    "no frames (JPEG or PNG files) in it; record a session with `knotless record \
                     DIR`, or turn a video into one with `ffmpeg -i video.mp4 -vf fps=2 \
                     {}/%06d.jpg` and replay it with --fps 2",
                    dir.display()
                )));
            }
            let Some(fps) = fps else {
                return Err(session_err(format!(
                    "it has no {INDEX_FILE} giving frame times; pass --fps N with the rate it was \
                     recorded at"
                )));
            };
            if !(fps.is_finite() && fps > 0.0) {
                return Err(session_err(format!("--fps must be a positive number, not {fps}")));
            }
            frames
                .into_iter()
                .enumerate()
                .map(|(i, file)| IndexEntry {
                    file,
                    t_ms: (i as f64 * 1000.0 / fps).round() as u64,
                })
                .collect()
        };
        if entries.is_empty() {
            return Err(session_err(format!(
                "{INDEX_FILE} lists no frames; add a line `FILE,T_MS` for each frame, or delete \
                 {INDEX_FILE} and pass --fps N"
            )));
        }
        Ok(RecordedSession {
            dir: dir.to_path_buf(),
            entries,
            next: 0,
            pacing,
            started: None,
            passes: 1,
            pass: 0,
            seq: 0,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The frames and their times, in replay order (times relative to the first frame).
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// Length of the recording.
    pub fn duration_ms(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.t_ms)
    }

    /// Replays the frames `passes` times over (0: without end), one pass straight after the
    /// other: the session clock runs on, each pass starting one frame interval after the last
    /// frame of the one before.
    pub fn looped(mut self, passes: u32) -> RecordedSession {
        self.passes = passes;
        self
    }

    /// Session time from one pass to the next.
    pub fn pass_ms(&self) -> u64 {
        let gap = match self.entries.as_slice() {
            [.., a, b] => b.t_ms - a.t_ms,
            _ => 0,
        };
        self.duration_ms() + gap.max(1)
    }
}

impl FrameSource for RecordedSession {
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        if self.next == self.entries.len() && self.pass + 1 != self.passes {
            self.pass += 1;
            self.next = 0;
        }
        let Some(entry) = self.entries.get(self.next).cloned() else {
            return Ok(None);
        };
        let seq = self.seq;
        self.seq += 1;
        self.next += 1;
        let t_ms = u64::from(self.pass).saturating_mul(self.pass_ms()).saturating_add(entry.t_ms);
        if self.pacing == Pacing::RealTime {
            let started = *self.started.get_or_insert_with(Instant::now);
            let due = started + Duration::from_millis(t_ms);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        let image = read_frame(&entry.file)?;
        Ok(Some(Frame { image, t_ms, seq }))
    }

    fn skip_until(&mut self, t_ms: u64) {
        // Frames before `t_ms` (session time, over all passes) are neither decoded nor waited
        // for. The very last frame stays, so the session still ends at its recorded length.
        if self.entries.is_empty() {
            return;
        }
        let last = self.entries.len() - 1;
        loop {
            let final_pass = self.passes != 0 && self.pass + 1 >= self.passes;
            let offset = u64::from(self.pass).saturating_mul(self.pass_ms());
            while self.next < self.entries.len()
                && (self.next < last || !final_pass)
                && offset.saturating_add(self.entries[self.next].t_ms) < t_ms
            {
                self.next += 1;
            }
            if self.next < self.entries.len() || final_pass {
                return;
            }
            self.pass += 1;
            self.next = 0;
        }
    }
}

/// Decodes one frame file.
pub fn read_frame(path: &Path) -> Result<RgbImage, CaptureError> {
    super::image_file::read_rgb(path)
        .map_err(|e| CaptureError::BadFrame { file: path.to_path_buf(), reason: e.to_string() })
}

fn is_frame_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
}

/// The frame files of `dir`, sorted by name.
pub fn list_frames(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut frames = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && is_frame_file(&path) {
            frames.push(path);
        }
    }
    frames.sort();
    Ok(frames)
}

/// Parses a `frames.csv` index: a header naming at least `file` and `t_ms`, then one frame a
/// line. Times must not go backwards; they are made relative to the first frame.
pub fn parse_index(text: &str, index: &Path, dir: &Path) -> Result<Vec<IndexEntry>, CaptureError> {
    let err = |line: usize, reason: String| CaptureError::Index {
        file: index.to_path_buf(),
        line,
        reason,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let Some((_, header)) = lines.by_ref().find(|(_, l)| !l.trim().is_empty()) else {
        return Err(err(1, "empty index: expected a header line `file,t_ms`".into()));
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let col = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(file_col), Some(t_col)) = (col("file"), col("t_ms")) else {
        return Err(err(
            1,
            format!("header must name the columns `file` and `t_ms`, found `{header}`"),
        ));
    };
    let mut entries: Vec<IndexEntry> = Vec::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let (Some(file), Some(t)) = (fields.get(file_col), fields.get(t_col)) else {
            return Err(err(
                line,
                format!(
                    "expected at least {} columns, found {}",
                    columns.len().min(file_col.max(t_col) + 1),
                    fields.len()
                ),
            ));
        };
        if file.is_empty() || file.contains('/') || file.contains('\\') || *file == ".." {
            return Err(err(line, format!("`{file}` is not a file name in the session folder")));
        }
        let t_ms: u64 = t
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e15)
            .map(|t| t.round() as u64)
            .ok_or_else(|| err(line, format!("t_ms `{t}` is not a time in milliseconds")))?;
        if let Some(prev) = entries.last()
            && t_ms < prev.t_ms
        {
            return Err(err(
                line,
                format!("t_ms {t_ms} goes back in time (previous frame: {})", prev.t_ms),
            ));
        }
        let path = dir.join(file);
        if !path.is_file() {
            let reason = match std::fs::symlink_metadata(&path) {
                Err(_) => format!("frame `{file}` is not in the session folder"),
                Ok(m) if m.is_symlink() => {
                    format!("frame `{file}` is a broken link; restore the file it points to")
                }
                Ok(_) => format!("frame `{file}` is not a file; list only image files"),
            };
            return Err(err(line, format!("{reason} (or remove line {line})")));
        }
        entries.push(IndexEntry { file: path, t_ms });
    }
    if let Some(t0) = entries.first().map(|e| e.t_ms) {
        for e in &mut entries {
            e.t_ms -= t0;
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session_dir(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            RgbImage::new(4, 3).save(dir.path().join(f)).unwrap();
        }
        dir
    }

    #[test]
    fn index_gives_times_relative_to_the_first_frame() {
        let dir = session_dir(&["a.png", "b.png"]);
        let text = "file,t_ms,phase\na.png,1000,good\nb.png,1500,bad\n";
        let e = parse_index(text, &dir.path().join(INDEX_FILE), dir.path()).unwrap();
        assert_eq!(e.iter().map(|e| e.t_ms).collect::<Vec<_>>(), vec![0, 500]);
    }

    #[test]
    fn malformed_index_names_the_line() {
        let dir = session_dir(&["a.png"]);
        let idx = dir.path().join(INDEX_FILE);
        let cases = [
            ("file,t_ms\na.png,soon\n", 2, "not a time"),
            ("file,t_ms\na.png,10\nmissing.png,20\n", 3, "not in the session folder"),
            ("name,time\n", 1, "header"),
            ("file,t_ms\na.png,30\na.png,20\n", 3, "back in time"),
            ("t_ms,file\n5\n", 2, "columns"),
            ("file,t_ms\n../x.png,1\n", 2, "not a file name"),
        ];
        for (text, line, what) in cases {
            let err = parse_index(text, &idx, dir.path()).unwrap_err();
            let CaptureError::Index { line: l, reason, .. } = &err else { panic!("{err}") };
            assert_eq!(*l, line, "{text}: {err}");
            assert!(reason.contains(what), "{text}: {err}");
        }
    }

    #[test]
    fn fps_spaces_frames_evenly_and_is_required_without_index() {
        let dir = session_dir(&["000002.jpg", "000001.jpg"]);
        std::fs::write(dir.path().join("notes.txt"), "not a frame").unwrap();
        let err = RecordedSession::open(dir.path(), None, Pacing::Max).unwrap_err();
        assert!(err.to_string().contains("--fps"), "{err}");
        let mut s = RecordedSession::open(dir.path(), Some(4.0), Pacing::Max).unwrap();
        assert_eq!(s.entries().len(), 2);
        assert!(s.entries()[0].file.ends_with("000001.jpg"));
        let f0 = s.next_frame().unwrap().unwrap();
        let f1 = s.next_frame().unwrap().unwrap();
        assert_eq!((f0.t_ms, f1.t_ms, f1.seq), (0, 250, 1));
        assert!(s.next_frame().unwrap().is_none());
    }

    #[test]
    fn looping_keeps_the_clock_running() {
        let dir = session_dir(&["1.png", "2.png"]);
        let s = RecordedSession::open(dir.path(), Some(2.0), Pacing::Max).unwrap();
        let mut s = s.looped(3);
        let mut got = Vec::new();
        while let Some(f) = s.next_frame().unwrap() {
            got.push((f.t_ms, f.seq));
        }
        assert_eq!(got, [(0, 0), (500, 1), (1000, 2), (1500, 3), (2000, 4), (2500, 5)]);
        let mut forever =
            RecordedSession::open(dir.path(), Some(2.0), Pacing::Max).unwrap().looped(0);
        let last = (0..1000).map(|_| forever.next_frame().unwrap().unwrap()).last().unwrap();
        assert_eq!((last.t_ms, last.seq), (999 * 500, 999));
    }

    #[test]
    fn skipping_counts_session_time_across_passes_and_keeps_the_last_frame() {
        let dir = session_dir(&["1.png", "2.png", "3.png", "4.png"]);
        // 4 frames at 2 a second: passes of 2 s.
        let mut s = RecordedSession::open(dir.path(), Some(2.0), Pacing::Max).unwrap().looped(3);
        let mut got = Vec::new();
        let mut due = 0;
        loop {
            s.skip_until(due);
            let Some(f) = s.next_frame().unwrap() else { break };
            got.push(f.t_ms);
            due = f.t_ms + 1000;
        }
        // One frame a second over all three passes, then the session's last frame.
        assert_eq!(got, [0, 1000, 2000, 3000, 4000, 5000, 5500]);
        let mut endless =
            RecordedSession::open(dir.path(), Some(2.0), Pacing::Max).unwrap().looped(0);
        endless.skip_until(10_000);
        assert_eq!(endless.next_frame().unwrap().unwrap().t_ms, 10_000);
    }

    #[test]
    fn empty_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = RecordedSession::open(dir.path(), Some(2.0), Pacing::Max).unwrap_err();
        assert!(err.to_string().contains("no frames"), "{err}");
    }

    #[test]
    fn corrupt_frame_is_reported_and_the_stream_goes_on() {
        let dir = session_dir(&["1.png", "3.png"]);
        std::fs::write(dir.path().join("2.png"), b"not a png").unwrap();
        let mut s = RecordedSession::open(dir.path(), Some(1.0), Pacing::Max).unwrap();
        assert!(s.next_frame().unwrap().is_some());
        let err = s.next_frame().unwrap_err();
        assert!(err.to_string().contains("2.png"), "{err}");
        assert_eq!(s.next_frame().unwrap().unwrap().seq, 2);
    }
}
