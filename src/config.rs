//! The one [`Config`]: defaults (documented in `config/default.toml`), the config file, the
//! environment, then command-line flags, in that order; and where knotless keeps its data.
//!
//! Loaders take the file path and an [`Env`] explicitly so that tests never read the real
//! `$HOME`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::coach::CoachConfig;
use crate::posture::Thresholds;
use crate::posture::calibrate::{
    CALIBRATION_MAX_MOVEMENT_RATIO, CALIBRATION_MIN_FRAMES, CALIBRATION_MIN_MEAN_LUMA,
    CALIBRATION_SECONDS, CalibrationSettings,
};
use crate::posture::measure::{
    CameraModel, DEFAULT_DIAGONAL_FOV_DEG, MIN_KEYPOINT_SCORE_BLAZEPOSE, MIN_KEYPOINT_SCORE_MOVENET,
};

/// The documented defaults; `Config::default()` must equal what this parses to.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Environment variable overriding the data folder.
pub const ENV_DATA_DIR: &str = "KNOTLESS_DATA_DIR";

/// All settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub camera: CameraConfig,
    pub posture: PostureConfig,
    pub calibration: CalibrationConfig,
    pub monitor: MonitorConfig,
    pub coach: CoachConfig,
    pub alerts: AlertsConfig,
    pub paths: PathsConfig,
}

/// `[monitor]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Frames analysed per second of session time.
    pub sample_fps: f32,
    /// The lowest rate it drops to while the posture holds steady or nobody is in view;
    /// at or above `sample_fps`, the rate never changes.
    pub steady_sample_fps: f32,
    /// Pose model: `blazepose`, `blazepose_lite` or `movenet`.
    pub model: crate::pose::Backend,
    /// Inference threads.
    pub threads: usize,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            sample_fps: 1.0,
            steady_sample_fps: 0.25,
            model: crate::pose::Backend::Blazepose,
            threads: 1,
        }
    }
}

/// `[alerts]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// Desktop notifications where a notification service exists.
    pub desktop: bool,
    /// A command run for every alert and break reminder (through `sh -c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig { desktop: true, command: None }
    }
}

/// `[camera]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    pub index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub width: u32,
    pub height: u32,
    pub fps: f32,
    /// Diagonal field of view in degrees.
    pub fov_deg: f32,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            index: 0,
            name: None,
            width: 640,
            height: 480,
            fps: 2.0,
            fov_deg: DEFAULT_DIAGONAL_FOV_DEG,
        }
    }
}

impl CameraConfig {
    pub fn model(&self) -> CameraModel {
        CameraModel { diagonal_fov_deg: self.fov_deg }
    }
}

/// `[posture]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    pub min_keypoint_score_blazepose: f32,
    pub min_keypoint_score_movenet: f32,
    pub thresholds: Thresholds,
}

impl Default for PostureConfig {
    fn default() -> Self {
        PostureConfig {
            min_keypoint_score_blazepose: MIN_KEYPOINT_SCORE_BLAZEPOSE,
            min_keypoint_score_movenet: MIN_KEYPOINT_SCORE_MOVENET,
            thresholds: Thresholds::default(),
        }
    }
}

impl PostureConfig {
    /// Measure options for a pose model, with the configured keypoint score.
    pub fn measure_options(&self, model: crate::pose::ModelKind) -> crate::posture::MeasureOptions {
        let mut options = crate::posture::MeasureOptions::for_model(model);
        options.min_keypoint_score = match model {
            crate::pose::ModelKind::BlazePose | crate::pose::ModelKind::BlazePoseLite => {
                self.min_keypoint_score_blazepose
            }
            crate::pose::ModelKind::MoveNet => self.min_keypoint_score_movenet,
        };
        options
    }
}

/// `[calibration]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalibrationConfig {
    pub seconds: f32,
    pub min_frames: usize,
    pub max_movement_ratio: f32,
    pub min_mean_luma: f32,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            seconds: CALIBRATION_SECONDS,
            min_frames: CALIBRATION_MIN_FRAMES,
            max_movement_ratio: CALIBRATION_MAX_MOVEMENT_RATIO,
            min_mean_luma: CALIBRATION_MIN_MEAN_LUMA,
        }
    }
}

impl CalibrationConfig {
    pub fn settings(&self) -> CalibrationSettings {
        CalibrationSettings {
            min_frames: self.min_frames,
            max_movement_ratio: self.max_movement_ratio,
            min_mean_luma: self.min_mean_luma,
        }
    }
}

/// `[paths]`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

/// What can go wrong loading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found")]
    NotFound { path: PathBuf },
    #[error("could not read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {key}: {message}")]
    Parse { path: PathBuf, line: usize, key: String, message: String },
    #[error("{}{key}: {message}", location(path.as_deref(), *line))]
    Invalid { path: Option<PathBuf>, line: Option<usize>, key: String, message: String },
    #[error("no data folder: set {ENV_DATA_DIR}, XDG_DATA_HOME or HOME, or pass --data-dir")]
    NoDataDir,
}

fn location(path: Option<&Path>, line: Option<usize>) -> String {
    match (path, line) {
        (Some(p), Some(l)) => format!("{}:{l}: ", p.display()),
        (Some(p), None) => format!("{}: ", p.display()),
        _ => String::new(),
    }
}

/// The environment variables the configuration reads, passed explicitly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    const NAMES: [&'static str; 5] =
        ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", ENV_DATA_DIR, "KNOTLESS_MODELS"];

    /// The real process environment (for the command line only).
    pub fn from_process() -> Env {
        Env {
            vars: Env::NAMES
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
                .collect(),
        }
    }

    /// An environment from pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env { vars: pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }
    }

    /// A variable's value, if set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn absolute(&self, key: &str) -> Option<PathBuf> {
        self.get(key).map(PathBuf::from).filter(|p| p.is_absolute())
    }
}

/// The config file read when `--config` is not given: `$XDG_CONFIG_HOME/knotless/config.toml`
/// or `~/.config/knotless/config.toml`, whether or not it exists.
pub fn default_config_file(env: &Env) -> Option<PathBuf> {
    env.absolute("XDG_CONFIG_HOME")
        .or_else(|| env.absolute("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("knotless").join("config.toml"))
}

/// A loaded configuration and the file it came from, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
}

impl Config {
    /// Defaults, then the file (`explicit`, or the default file if it exists), then the
    /// environment. Flags are the caller's to apply afterwards.
    pub fn load(explicit: Option<&Path>, env: &Env) -> Result<Loaded, ConfigError> {
        let file = match explicit {
            Some(path) if !path.is_file() => {
                return Err(ConfigError::NotFound { path: path.to_path_buf() });
            }
            Some(path) => Some(path.to_path_buf()),
            None => default_config_file(env).filter(|p| p.is_file()),
        };
        let mut config = match &file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.clone(), source })?;
                Config::from_toml(&text, path)?
            }
            None => Config::default(),
        };
        if let Some(dir) = env.get(ENV_DATA_DIR) {
            config.paths.data_dir = Some(PathBuf::from(dir));
        }
        config.validate().map_err(|(key, message)| ConfigError::Invalid {
            path: None,
            line: None,
            key: format!("{key} (from {ENV_DATA_DIR})"),
            message,
        })?;
        tracing::debug!(file = ?file, "configuration loaded");
        Ok(Loaded { config, file })
    }

    /// Parses and validates a config file's text; errors name the key, `path` and the line.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().trim().to_owned();
            let line_no = line_of_offset(text, offset);
            let header = text.lines().nth(line_no - 1).and_then(section_of_line);
            let key = match (unknown_field(&message), header) {
                // An unknown table: its header names it.
                (_, Some(table)) => table,
                (Some(field), None) => {
                    let section = section_at(text, offset);
                    if section.is_empty() { field } else { format!("{section}.{field}") }
                }
                (None, None) => key_at(text, offset),
            };
            ConfigError::Parse {
                path: path.to_path_buf(),
                line: line_of_offset(text, offset),
                key,
                message,
            }
        })?;
        config.validate().map_err(|(key, message)| ConfigError::Invalid {
            path: Some(path.to_path_buf()),
            line: line_of_key(text, &key),
            key,
            message,
        })?;
        Ok(config)
    }

    /// Checks every value's range; the error names the key (dotted) and what is allowed.
    pub fn validate(&self) -> Result<(), (String, String)> {
        fn check(ok: bool, key: &str, message: &str) -> Result<(), (String, String)> {
            if ok { Ok(()) } else { Err((key.to_owned(), message.to_owned())) }
        }
        let finite_in = |v: f32, lo: f32, hi: f32| v.is_finite() && v >= lo && v <= hi;
        let c = &self.camera;
        check(c.width > 0 && c.width <= 16384, "camera.width", "must be 1-16384 pixels")?;
        check(c.height > 0 && c.height <= 16384, "camera.height", "must be 1-16384 pixels")?;
        check(finite_in(c.fps, 0.01, 240.0), "camera.fps", "must be 0.01-240 frames a second")?;
        check(finite_in(c.fov_deg, 10.0, 170.0), "camera.fov_deg", "must be 10-170 degrees")?;
        let p = &self.posture;
        for (key, v) in [
            ("posture.min_keypoint_score_blazepose", p.min_keypoint_score_blazepose),
            ("posture.min_keypoint_score_movenet", p.min_keypoint_score_movenet),
        ] {
            check(finite_in(v, 0.0, 1.0), key, "must be 0-1")?;
        }
        let t = &p.thresholds;
        for (caution_key, caution, bad_key, bad) in t.pairs() {
            let caution_key = format!("posture.thresholds.{caution_key}");
            check(finite_in(caution, 0.0, 1000.0), &caution_key, "must be 0 or more")?;
            check(
                finite_in(bad, caution, 1000.0),
                &format!("posture.thresholds.{bad_key}"),
                &format!("must be at least {caution_key} ({caution})"),
            )?;
        }
        check(
            finite_in(t.too_close_caution_cm, 0.0, 1000.0),
            "posture.thresholds.too_close_caution_cm",
            "must be 0-1000 cm",
        )?;
        check(
            finite_in(t.too_close_bad_cm, 0.0, t.too_close_caution_cm),
            "posture.thresholds.too_close_bad_cm",
            "must be 0 cm up to too_close_caution_cm",
        )?;
        for (key, v) in [
            ("posture.thresholds.shrug_max_pitch_change_deg", t.shrug_max_pitch_change_deg),
            ("posture.thresholds.screen_max_lean_in_fraction", t.screen_max_lean_in_fraction),
        ] {
            check(finite_in(v, 0.0, 1000.0), key, "must be 0 or more")?;
        }
        let k = &self.calibration;
        check(finite_in(k.seconds, 1.0, 600.0), "calibration.seconds", "must be 1-600 seconds")?;
        check(k.min_frames >= 1, "calibration.min_frames", "must be 1 or more")?;
        check(
            finite_in(k.max_movement_ratio, 0.001, 10.0),
            "calibration.max_movement_ratio",
            "must be 0.001-10 (a fraction of the shoulder width)",
        )?;
        check(
            finite_in(k.min_mean_luma, 0.0, 255.0),
            "calibration.min_mean_luma",
            "must be 0-255",
        )?;
        let m = &self.monitor;
        check(
            finite_in(m.sample_fps, 0.2, 30.0),
            "monitor.sample_fps",
            "must be 0.2-30 frames a second (at least one frame every 5 s)",
        )?;
        check(
            finite_in(m.steady_sample_fps, 0.05, 30.0),
            "monitor.steady_sample_fps",
            "must be 0.05-30 frames a second",
        )?;
        check((1..=16).contains(&m.threads), "monitor.threads", "must be 1-16")?;
        self.coach.validate().map_err(|e| {
            (format!("coach.{}", e.key), format!("{} (is {})", e.expected, e.value))
        })?;
        if let Some(dir) = &self.paths.data_dir {
            check(dir.is_absolute(), "paths.data_dir", "must be an absolute path")?;
        }
        Ok(())
    }

    /// Where knotless keeps profiles and history: `paths.data_dir` (set by the file,
    /// `KNOTLESS_DATA_DIR` or `--data-dir`), else `$XDG_DATA_HOME/knotless`, else
    /// `~/.local/share/knotless`.
    pub fn data_dir(&self, env: &Env) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.paths.data_dir {
            return Ok(dir.clone());
        }
        env.absolute("XDG_DATA_HOME")
            .or_else(|| env.absolute("HOME").map(|h| h.join(".local").join("share")))
            .map(|d| d.join("knotless"))
            .ok_or(ConfigError::NoDataDir)
    }
}

/// 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1
}

/// The table header (`a.b` of `[a.b]`) a line belongs to; empty at the top level.
fn section_of_line(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    Some(inner.trim().trim_matches('[').to_owned())
}

/// The table in force on the line holding `offset`: the last header before that line.
fn section_at(text: &str, offset: usize) -> String {
    let line_no = line_of_offset(text, offset);
    text.lines().take(line_no - 1).filter_map(section_of_line).last().unwrap_or_default()
}

/// The dotted key whose line contains `offset` (the table for a header line).
fn key_at(text: &str, offset: usize) -> String {
    let line_no = line_of_offset(text, offset);
    let line = text.lines().nth(line_no - 1).unwrap_or_default();
    if let Some(section) = section_of_line(line) {
        return section;
    }
    let key = line.split('=').next().unwrap_or_default().trim().trim_matches('"');
    let mut section = String::new();
    for l in text.lines().take(line_no - 1) {
        if let Some(s) = section_of_line(l) {
            section = s;
        }
    }
    match (section.is_empty(), key.is_empty()) {
        (_, true) => section,
        (true, false) => key.to_owned(),
        (false, false) => format!("{section}.{key}"),
    }
}

/// The field named by a serde "unknown field `x`" message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// The 1-based line defining dotted `key` in `text`, if the file sets it.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let (section, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(s) = section_of_line(line) {
            current = s;
            continue;
        }
        let Some((k, _)) = line.split_once('=') else { continue };
        let k = k.trim().trim_matches('"');
        let full = if current.is_empty() { k.to_owned() } else { format!("{current}.{k}") };
        if full == key || (current == section && k == name) {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("test.toml"))
    }

    #[test]
    fn default_toml_is_exactly_the_defaults() {
        let parsed = parse(DEFAULT_TOML).expect("default.toml parses");
        assert_eq!(parsed, Config::default());
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn default_toml_documents_every_key() {
        // Every key that Default serialises appears in default.toml (commented out if unset).
        let value = toml::Value::try_from(Config::default()).expect("serialises");
        let mut missing = Vec::new();
        fn walk(v: &toml::Value, prefix: &str, missing: &mut Vec<String>) {
            if let toml::Value::Table(t) = v {
                for (k, v) in t {
                    match v {
                        toml::Value::Table(_) => walk(v, &format!("{prefix}{k}."), missing),
                        _ => {
                            if !DEFAULT_TOML
                                .lines()
                                .any(|l| l.trim_start().starts_with(&format!("{k} =")))
                            {
                                missing.push(format!("{prefix}{k}"));
                            }
                        }
                    }
                }
            }
        }
        walk(&value, "", &mut missing);
        for optional in ["name =", "data_dir ="] {
            assert!(DEFAULT_TOML.contains(&format!("# {optional}")), "{optional} documented");
        }
        assert!(missing.is_empty(), "undocumented keys: {missing:?}");
    }

    #[test]
    fn a_partial_file_keeps_other_defaults() {
        let c = parse("[camera]\nfov_deg = 78.0\n").expect("parses");
        assert_eq!(c.camera.fov_deg, 78.0);
        assert_eq!(c.camera.width, Config::default().camera.width);
        assert_eq!(c.posture, Config::default().posture);
    }

    #[test]
    fn unknown_key_names_key_file_and_line() {
        let err = parse("[camera]\nindex = 0\nfov = 70.0\n").expect_err("unknown key");
        let text = err.to_string();
        assert!(
            matches!(&err, ConfigError::Parse { line: 3, key, .. } if key == "camera.fov"),
            "{text}"
        );
        assert!(text.starts_with("test.toml:3: camera.fov:"), "{text}");
    }

    #[test]
    fn unknown_section_is_reported() {
        let err = parse("[camera]\nindex = 0\n\n[cam]\nwidth = 1\n").expect_err("unknown table");
        assert!(matches!(&err, ConfigError::Parse { line: 4, key, .. } if key == "cam"), "{err}");
    }

    #[test]
    fn wrong_type_names_key_file_and_line() {
        let err = parse("[posture]\n\n[posture.thresholds]\nneck_flexion_bad_deg = \"twenty\"\n")
            .expect_err("wrong type");
        assert!(
            matches!(&err, ConfigError::Parse { line: 4, key, .. } if key == "posture.thresholds.neck_flexion_bad_deg"),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_names_key_file_and_line() {
        let err = parse("# comment\n[camera]\nwidth = 640\nfov_deg = 400.0\n").expect_err("range");
        assert!(
            matches!(&err, ConfigError::Invalid { line: Some(4), key, .. } if key == "camera.fov_deg"),
            "{err}"
        );
        assert!(err.to_string().starts_with("test.toml:4: camera.fov_deg: must be"), "{err}");
        let err = parse("[posture.thresholds]\nneck_flexion_caution_deg = 25.0\n")
            .expect_err("caution above bad");
        assert!(
            matches!(&err, ConfigError::Invalid { key, .. } if key == "posture.thresholds.neck_flexion_bad_deg"),
            "{err}"
        );
    }

    #[test]
    fn load_order_file_then_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_home = dir.path().join("config");
        std::fs::create_dir_all(config_home.join("knotless")).expect("dir");
        std::fs::write(
            config_home.join("knotless").join("config.toml"),
            "[paths]\ndata_dir = \"/from/file\"\n[calibration]\nseconds = 20.0\n",
        )
        .expect("written");
        let home = dir.path().join("home");
        let config_home_s = config_home.to_string_lossy().into_owned();
        let home_s = home.to_string_lossy().into_owned();

        let env = Env::from_pairs([
            ("XDG_CONFIG_HOME", config_home_s.as_str()),
            ("HOME", home_s.as_str()),
        ]);
        let loaded = Config::load(None, &env).expect("loads");
        assert_eq!(loaded.config.calibration.seconds, 20.0);
        assert_eq!(loaded.config.data_dir(&env).expect("dir"), PathBuf::from("/from/file"));

        let env = Env::from_pairs([
            ("XDG_CONFIG_HOME", config_home_s.as_str()),
            (ENV_DATA_DIR, "/from/env"),
        ]);
        let loaded = Config::load(None, &env).expect("loads");
        assert_eq!(loaded.config.data_dir(&env).expect("dir"), PathBuf::from("/from/env"));

        // No config file at all: defaults, data under HOME.
        let env = Env::from_pairs([("HOME", home_s.as_str())]);
        let loaded = Config::load(None, &env).expect("loads");
        assert_eq!(loaded.file, None);
        assert_eq!(loaded.config, Config::default());
        assert_eq!(loaded.config.data_dir(&env).expect("dir"), home.join(".local/share/knotless"));
        let env = Env::from_pairs([("XDG_DATA_HOME", "/xdg/data")]);
        assert_eq!(
            Config::default().data_dir(&env).expect("dir"),
            PathBuf::from("/xdg/data/knotless")
        );
        assert!(matches!(Config::default().data_dir(&Env::default()), Err(ConfigError::NoDataDir)));
    }

    #[test]
    fn explicit_file_must_exist() {
        let err = Config::load(Some(Path::new("/nonexistent/knotless.toml")), &Env::default())
            .expect_err("missing");
        assert!(matches!(err, ConfigError::NotFound { .. }));
    }
}
