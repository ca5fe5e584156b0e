use std::path::PathBuf;

/// What can go wrong loading or running a pose model. Each message says how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    #[error(
        "the ONNX Runtime library (libonnxruntime.so.{version}) was not found; looked in: {searched}. \
         Run `scripts/setup.sh` to fetch it from PyPI into runtime/, or point --ort-lib or \
         ORT_DYLIB_PATH at a copy",
        version = super::runtime::ORT_VERSION,
        searched = display_paths(searched)
    )]
    RuntimeNotFound { searched: Vec<PathBuf> },

    #[error(
        "could not load the ONNX Runtime library {path}: {reason}. knotless needs ONNX Runtime \
         {version}; run `scripts/setup.sh` to fetch it from PyPI",
        version = super::runtime::ORT_VERSION
    )]
    RuntimeLoad { path: PathBuf, reason: String },

    #[error(
        "model file {path} not found; the models ship in the project's models/ folder \
         (rebuild them with `models/build.sh`), or pass --models DIR"
    )]
    ModelMissing { path: PathBuf },

    #[error("could not load model {path}: {reason}; rebuild it with `models/build.sh`")]
    ModelLoad { path: PathBuf, reason: String },

    #[error(
        "model {path} does not have the expected signature ({detail}); is it the right model? \
         rebuild it with `models/build.sh`"
    )]
    Signature { path: PathBuf, detail: String },

    #[error("inference failed in {model}: {reason}")]
    Inference { model: &'static str, reason: String },
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
