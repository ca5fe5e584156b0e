use std::path::PathBuf;

use super::camera::LostCause;

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

    /// The camera could not be opened at start; `cause` says whether it is missing, busy or
    /// forbidden, so the command line can suggest the fix.
    #[error("could not open camera {camera}: {detail}")]
    CameraOpen { camera: String, cause: LostCause, detail: String },
}
