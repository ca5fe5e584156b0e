//! Locating and loading the ONNX Runtime shared library.
//!
//! knotless loads ONNX Runtime at run time rather than linking it, so a missing or wrong library
//! is an error the user can act on instead of a loader failure at start-up. The library is
//! searched for, in order: an explicit path (`--ort-lib`), `ORT_DYLIB_PATH`, beside the
//! executable, and the `runtime/` folder of the project the binary was built from (where
//! `scripts/setup.sh` puts it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::PoseError;

/// The ONNX Runtime version knotless is built and tested against.
pub const ORT_VERSION: &str = "1.31.1";

/// File names tried in each searched folder, most specific first.
const LIBRARY_NAMES: [&str; 3] =
    ["libonnxruntime.so.1.31.1", "libonnxruntime.so.1", "libonnxruntime.so"];

/// The environment variable naming the library file.
pub const ORT_PATH_ENV: &str = "ORT_DYLIB_PATH";

static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();
static LOADED_FROM: OnceLock<PathBuf> = OnceLock::new();

/// Where the library would be loaded from, in search order.
pub fn candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(p.to_path_buf());
        return out;
    }
    if let Some(p) = std::env::var_os(ORT_PATH_ENV).filter(|p| !p.is_empty()) {
        out.push(PathBuf::from(p));
        return out;
    }
    let mut dirs = Vec::new();
    if let Some(exe_dir) =
        std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.clone());
        dirs.push(exe_dir.join("runtime"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime"));
    for dir in dirs {
        for name in LIBRARY_NAMES {
            out.push(dir.join(name));
        }
    }
    out
}

/// Finds the library: the first candidate that exists.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, PoseError> {
    let searched = candidates(explicit);
    searched.iter().find(|p| p.is_file()).cloned().ok_or(PoseError::RuntimeNotFound { searched })
}

/// Loads ONNX Runtime once per process and returns its environment.
///
/// The first call decides which library is used; later calls return the same environment
/// whatever path they name.
pub fn environment(
    explicit: Option<&Path>,
) -> Result<&'static ort::environment::Environment, PoseError> {
    if let Some(result) = ENVIRONMENT.get() {
        return result.as_ref().map_err(|reason| PoseError::RuntimeLoad {
            path: LOADED_FROM.get().cloned().unwrap_or_default(),
            reason: reason.clone(),
        });
    }
    let path = locate(explicit)?;
    check_is_library(&path)?;
    let result = ENVIRONMENT.get_or_init(|| {
        let _ = LOADED_FROM.set(path.clone());
        ort::init_from(&path).map_err(|e| e.to_string()).and_then(|b| {
            b.with_name("knotless").with_telemetry(false).build().map_err(|e| e.to_string())
        })
    });
    match result {
        Ok(env) => {
            tracing::debug!(path = %path.display(), "loaded ONNX Runtime");
            Ok(env)
        }
        Err(reason) => Err(PoseError::RuntimeLoad { path, reason: reason.clone() }),
    }
}

/// The library actually loaded, once [`environment`] succeeded.
pub fn loaded_from() -> Option<&'static Path> {
    LOADED_FROM.get().map(PathBuf::as_path)
}

/// Refuses files that are not ELF shared objects before handing them to the dynamic loader.
fn check_is_library(path: &Path) -> Result<(), PoseError> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    match read {
        Ok(()) if magic == *b"\x7fELF" => Ok(()),
        Ok(()) => Err(PoseError::RuntimeLoad {
            path: path.to_path_buf(),
            reason: "not a shared library".into(),
        }),
        Err(e) => Err(PoseError::RuntimeLoad { path: path.to_path_buf(), reason: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_wins_and_is_the_only_candidate() {
        let c = candidates(Some(Path::new("/nowhere/libonnxruntime.so")));
        assert_eq!(c, vec![PathBuf::from("/nowhere/libonnxruntime.so")]);
    }

    #[test]
    fn missing_library_names_every_searched_place() {
        let err = locate(Some(Path::new("/nowhere/libonnxruntime.so"))).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/nowhere/libonnxruntime.so"), "{msg}");
        assert!(msg.contains("scripts/setup.sh"), "{msg}");
    }

    #[test]
    fn a_text_file_is_refused_before_dlopen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("libonnxruntime.so");
        std::fs::write(&p, "not a library").unwrap();
        let err = check_is_library(&p).unwrap_err();
        assert!(err.to_string().contains("not a shared library"), "{err}");
    }
}
