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
            return Err(session_err("no such folder".into()));
        }
        let index = dir.join(INDEX_FILE);
        let entries = if index.is_file() {
            let text = std::fs::read_to_string(&index).map_err(|e| CaptureError::Index {
                file: index.clone(),
                line: 0,
                reason: e.to_string(),
            })?;
            parse_index(&text, &index, dir)?
        } else {
            let frames = list_frames(dir).map_err(|e| session_err(e.to_string()))?;
            if frames.is_empty() {
                return Err(session_err("no frames (JPEG or PNG files) in it".into()));
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
            return Err(session_err(format!("{INDEX_FILE} lists no frames")));
        }
        Ok(RecordedSession { dir: dir.to_path_buf(), entries, next: 0, pacing, started: None })
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
}

impl FrameSource for RecordedSession {
    fn next_frame(&mut self) -> Result<Option<Frame>, CaptureError> {
        let Some(entry) = self.entries.get(self.next).cloned() else {
            return Ok(None);
        };
        let seq = self.next as u64;
        self.next += 1;
        if self.pacing == Pacing::RealTime {
            let started = *self.started.get_or_insert_with(Instant::now);
            let due = started + Duration::from_millis(entry.t_ms);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        let image = read_frame(&entry.file)?;
        Ok(Some(Frame { image, t_ms: entry.t_ms, seq }))
    }

    fn skip_until(&mut self, t_ms: u64) {
        // Frames before `t_ms` are neither decoded nor waited for. The last one stays, so the
        // session still ends at its recorded length.
        let last = self.entries.len().saturating_sub(1);
        while self.next < last && self.entries[self.next].t_ms < t_ms {
            self.next += 1;
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
            return Err(err(line, format!("frame `{file}` is not in the session folder")));
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
