//! Loading ONNX models and checking their signatures.

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::{TensorElementType, ValueType};

use super::PoseError;

/// The model files of one models folder.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    pub dir: PathBuf,
    /// Explicit ONNX Runtime library, if the user named one.
    pub ort_lib: Option<PathBuf>,
}

impl ModelFiles {
    pub fn in_dir(dir: &Path) -> ModelFiles {
        ModelFiles { dir: dir.to_path_buf(), ort_lib: None }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// The `models/` folder that ships with the project: beside the executable, or the
    /// project the binary was built from.
    pub fn default_dir() -> PathBuf {
        let beside_exe = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|d| d.join("models")))
            .filter(|d| d.is_dir());
        beside_exe.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
    }
}

/// Expected element type and shape of one model input or output (`-1` in the model matches
/// any size here; a `0` here accepts any size in the model).
#[derive(Debug, Clone, Copy)]
pub struct TensorSpec {
    pub name: &'static str,
    pub ty: TensorElementType,
    pub shape: &'static [i64],
}

/// A model's expected signature.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub inputs: &'static [TensorSpec],
    pub outputs: &'static [TensorSpec],
}

/// Opens a model with `threads` intra-op threads and checks its signature.
// ort's builder error is large; it only travels up to a one-off error message here.
#[allow(clippy::result_large_err)]
pub fn load_session(
    files: &ModelFiles,
    file: &str,
    signature: &Signature,
    threads: usize,
) -> Result<Session, PoseError> {
    let path = files.path(file);
    if !path.is_file() {
        return Err(PoseError::ModelMissing { path });
    }
    let env = super::runtime::environment(files.ort_lib.as_deref())?;
    let load_err =
        |e: ort::Error| PoseError::ModelLoad { path: path.clone(), reason: e.to_string() };
    let session = Session::builder(env)
        .map_err(load_err)?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .and_then(|b| b.with_intra_threads(threads.max(1)))
        .and_then(|b| b.with_inter_threads(1))
        .and_then(|b| b.with_intra_op_spinning(false))
        .map_err(|e| load_err(e.into()))?
        .commit_from_file(&path)
        .map_err(load_err)?;
    check_signature(&session, signature).map_err(|detail| PoseError::Signature { path, detail })?;
    Ok(session)
}

fn check_signature(session: &Session, signature: &Signature) -> Result<(), String> {
    let actual_inputs: Vec<_> = session.inputs().iter().map(|o| (o.name(), o.dtype())).collect();
    let actual_outputs: Vec<_> = session.outputs().iter().map(|o| (o.name(), o.dtype())).collect();
    check_side("input", &actual_inputs, signature.inputs)?;
    check_side("output", &actual_outputs, signature.outputs)
}

fn check_side(
    kind: &str,
    actual: &[(&str, &ValueType)],
    expected: &[TensorSpec],
) -> Result<(), String> {
    for spec in expected {
        let Some((_, ty)) = actual.iter().find(|(name, _)| *name == spec.name) else {
            let names: Vec<_> = actual.iter().map(|(n, _)| *n).collect();
            return Err(format!("no {kind} named `{}`; it has {names:?}", spec.name));
        };
        let ValueType::Tensor { ty, shape, .. } = ty else {
            return Err(format!("{kind} `{}` is not a tensor", spec.name));
        };
        if *ty != spec.ty {
            return Err(format!("{kind} `{}` is {ty:?}, expected {:?}", spec.name, spec.ty));
        }
        let dims: &[i64] = shape;
        let fits = dims.len() == spec.shape.len()
            && dims.iter().zip(spec.shape).all(|(&a, &e)| a == -1 || e == 0 || a == e);
        if !fits {
            return Err(format!(
                "{kind} `{}` has shape {dims:?}, expected {:?}",
                spec.name, spec.shape
            ));
        }
    }
    Ok(())
}
