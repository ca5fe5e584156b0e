//! Calibration profiles: one [`Baseline`] per camera and desk set-up (`laptop`, `desk`, ...),
//! saved as JSON in `<data_dir>/profiles/<name>.json`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::baseline::{BASELINE_VERSION, Baseline};

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";
/// Longest profile name.
pub const MAX_PROFILE_NAME_LEN: usize = 40;

/// What can go wrong with a profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "invalid profile name {name:?}: use 1-{MAX_PROFILE_NAME_LEN} letters, digits, '-' or \
         '_', starting with a letter or digit (e.g. `laptop`, `desk`)"
    )]
    InvalidName { name: String },
    #[error("no profile {name:?} in {dir}; create it with `knotless calibrate --profile {name}`")]
    NotFound { name: String, dir: PathBuf },
    #[error("could not read profile {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "profile {path} is not a valid baseline ({reason}); run `knotless calibrate` again to \
         replace it"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "profile {path} was made by another version of knotless (layout {found}, expected \
         {BASELINE_VERSION}); run `knotless calibrate` again"
    )]
    Version { path: PathBuf, found: u32 },
    #[error("could not write profile {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// A validated profile name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileName(String);

impl ProfileName {
    pub fn new(name: &str) -> Result<ProfileName, ProfileError> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        let valid = !name.is_empty()
            && name.len() <= MAX_PROFILE_NAME_LEN
            && name.chars().all(ok_char)
            && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if valid {
            Ok(ProfileName(name.to_owned()))
        } else {
            Err(ProfileError::InvalidName { name: name.to_owned() })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ProfileName {
    fn default() -> Self {
        ProfileName(DEFAULT_PROFILE.to_owned())
    }
}

impl std::fmt::Display for ProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProfileName {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProfileName::new(s)
    }
}

/// The folder holding the profiles.
pub fn profiles_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("profiles")
}

/// The file of one profile.
pub fn profile_path(data_dir: &Path, name: &ProfileName) -> PathBuf {
    profiles_dir(data_dir).join(format!("{}.json", name.as_str()))
}

/// Loads a profile's baseline.
pub fn load(data_dir: &Path, name: &ProfileName) -> Result<Baseline, ProfileError> {
    let path = profile_path(data_dir, name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ProfileError::NotFound {
                name: name.to_string(),
                dir: profiles_dir(data_dir),
            });
        }
        Err(source) => return Err(ProfileError::Read { path, source }),
    };
    // Check the version first so that an old layout reads as "recalibrate", not "corrupt".
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_u64()));
    if let Some(found) = version.filter(|v| *v != u64::from(BASELINE_VERSION)) {
        return Err(ProfileError::Version { path, found: found as u32 });
    }
    serde_json::from_str(&text).map_err(|e| ProfileError::Corrupt { path, reason: e.to_string() })
}

/// Saves a profile's baseline atomically: a temporary file in the same folder, then a rename,
/// so a crash never leaves a half-written profile.
pub fn save(
    data_dir: &Path,
    name: &ProfileName,
    baseline: &Baseline,
) -> Result<PathBuf, ProfileError> {
    let path = profile_path(data_dir, name);
    let dir = profiles_dir(data_dir);
    let write_err = |source| ProfileError::Write { path: path.clone(), source };
    std::fs::create_dir_all(&dir).map_err(write_err)?;
    let tmp = dir.join(format!(".{}.json.tmp-{}", name.as_str(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        let text = serde_json::to_string_pretty(baseline).map_err(std::io::Error::other)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(write_err(e));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::pose::Backend;
    use crate::posture::baseline::{Landmarks, NormPoint};

    fn baseline() -> Baseline {
        let p = NormPoint { x: 0.5, y: 0.4 };
        Baseline {
            version: BASELINE_VERSION,
            created_unix_s: 1_700_000_000,
            backend: Backend::Blazepose,
            image_width: 640,
            image_height: 480,
            frames: 12,
            stats: BTreeMap::new(),
            landmarks: Landmarks { nose: p, left_shoulder: p, right_shoulder: p },
            slouch: None,
        }
    }

    #[test]
    fn names() {
        for ok in ["default", "laptop", "desk", "desk-2", "home_office", "A1"] {
            assert!(ProfileName::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "-x", "with space", "é", &"x".repeat(41)] {
            assert!(ProfileName::new(bad).is_err(), "{bad}");
        }
        assert_eq!(ProfileName::default().as_str(), DEFAULT_PROFILE);
    }

    #[test]
    fn save_then_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        let name = ProfileName::new("laptop").expect("valid");
        let path = save(dir.path(), &name, &baseline()).expect("saved");
        assert_eq!(path, dir.path().join("profiles").join("laptop.json"));
        assert_eq!(load(dir.path(), &name).expect("loaded"), baseline());
        // No temporary files left behind.
        let files: Vec<_> = std::fs::read_dir(dir.path().join("profiles"))
            .expect("listed")
            .filter_map(|e| e.ok())
            .collect();
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn missing_corrupt_and_old_profiles_say_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let name = ProfileName::new("desk").expect("valid");
        let err = load(dir.path(), &name).expect_err("missing");
        assert!(err.to_string().contains("knotless calibrate --profile desk"));
        std::fs::create_dir_all(dir.path().join("profiles")).expect("dir");
        let path = profile_path(dir.path(), &name);
        std::fs::write(&path, "{ not json").expect("written");
        assert!(matches!(load(dir.path(), &name), Err(ProfileError::Corrupt { .. })));
        std::fs::write(&path, r#"{"version": 99}"#).expect("written");
        assert!(matches!(load(dir.path(), &name), Err(ProfileError::Version { found: 99, .. })));
    }
}
