use std::path::PathBuf;

/// What can go wrong getting frames.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("recorded session {dir}: {reason}")]
    Session { dir: PathBuf, reason: String },

    #[error("{file}: line {line}: {reason}")]
    Index { file: PathBuf, line: usize, reason: String },

    #[error("frame {file}: {reason}")]
    BadFrame { file: PathBuf, reason: String },

    #[error("camera {camera}: {reason}")]
    Camera { camera: String, reason: String },
}
