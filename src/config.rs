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

/// Environment variable naming the config file when `--config` is not given.
pub const ENV_CONFIG: &str = "KNOTLESS_CONFIG";

/// The keys that are unset by default (and so absent from a serialised default `Config`).
pub const OPTIONAL_KEYS: [&str; 3] = ["camera.name", "alerts.command", "paths.data_dir"];

/// Where a setting's value came from, in the load order (each overrides the one before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Default,
    File,
    Env,
    Flag,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Env => "env",
            Source::Flag => "flag",
        })
    }
}

/// How the config file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOrigin {
    /// `--config FILE`.
    Flag,
    /// `KNOTLESS_CONFIG`.
    Env,
    /// The default path, which exists.
    Default,
}

impl std::fmt::Display for FileOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileOrigin::Flag => f.write_str("--config"),
            FileOrigin::Env => f.write_str(ENV_CONFIG),
            FileOrigin::Default => f.write_str("the default path"),
        }
    }
}

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
    #[error("config file {path} (from {origin}) not found")]
    NotFound { path: PathBuf, origin: FileOrigin },
    #[error("could not read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {key}: {message}")]
    Parse { path: PathBuf, line: usize, key: String, message: String },
    #[error("{}{key}: {message}", location(path.as_deref(), *line))]
    Invalid { path: Option<PathBuf>, line: Option<usize>, key: String, message: String },
    #[error(
        "no data folder: set `[paths] data_dir` in the config file, {ENV_DATA_DIR}, XDG_DATA_HOME \
         or HOME, or pass --data-dir"
    )]
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
    const NAMES: [&'static str; 6] =
        ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", ENV_DATA_DIR, ENV_CONFIG, "KNOTLESS_MODELS"];

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

/// A loaded configuration, the file it came from, if any, and where each value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<(PathBuf, FileOrigin)>,
    /// The dotted keys not at their default, with the layer that set them last.
    pub sources: BTreeMap<String, Source>,
}

impl Loaded {
    /// Where the value of dotted `key` came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).copied().unwrap_or(Source::Default)
    }
}

impl Config {
    /// Defaults, then the file (`explicit`, else `KNOTLESS_CONFIG`, else the default file if it
    /// exists), then the environment. A file named by `--config` or `KNOTLESS_CONFIG` must
    /// exist. Flags are the caller's to apply afterwards.
    pub fn load(explicit: Option<&Path>, env: &Env) -> Result<Loaded, ConfigError> {
        let chosen = match explicit {
            Some(path) => Some((path.to_path_buf(), FileOrigin::Flag)),
            None => env.get(ENV_CONFIG).map(|p| (PathBuf::from(p), FileOrigin::Env)),
        };
        let file = match chosen {
            Some((path, origin)) if !path.is_file() => {
                return Err(ConfigError::NotFound { path, origin });
            }
            Some(chosen) => Some(chosen),
            None => {
                default_config_file(env).filter(|p| p.is_file()).map(|p| (p, FileOrigin::Default))
            }
        };
        let mut sources = BTreeMap::new();
        let mut config = match &file {
            Some((path, _)) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.clone(), source })?;
                let config = Config::from_toml(&text, path)?;
                if let Ok(toml::Value::Table(table)) = text.parse::<toml::Value>() {
                    for key in leaf_keys(&table, "") {
                        sources.insert(key, Source::File);
                    }
                }
                config
            }
            None => Config::default(),
        };
        if let Some(dir) = env.get(ENV_DATA_DIR) {
            // Relative to the working folder, like --data-dir.
            let dir = std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir));
            config.paths.data_dir = Some(dir);
            sources.insert("paths.data_dir".to_owned(), Source::Env);
        }
        config.validate().map_err(|(key, message)| ConfigError::Invalid {
            path: None,
            line: None,
            key: format!("{key} (from {ENV_DATA_DIR})"),
            message,
        })?;
        tracing::debug!(file = ?file, "configuration loaded");
        Ok(Loaded { config, file, sources })
    }

    /// Every key with its value in TOML syntax, section by section in the order of
    /// `config/default.toml`; unset optional keys have `None`.
    pub fn entries(&self) -> Vec<(String, Option<String>)> {
        let Ok(toml::Value::Table(table)) = toml::Value::try_from(self) else {
            return Vec::new();
        };
        let mut entries: Vec<(String, Option<String>)> =
            leaf_values(&table, "").into_iter().map(|(key, value)| (key, Some(value))).collect();
        for key in OPTIONAL_KEYS {
            if !entries.iter().any(|(k, _)| k == key) {
                entries.push((key.to_owned(), None));
            }
        }
        entries.sort_by_key(|(key, _)| documented_position(key));
        entries
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

/// The dotted keys of a TOML table's values (not of its tables).
fn leaf_keys(table: &toml::Table, prefix: &str) -> Vec<String> {
    leaf_values(table, prefix).into_iter().map(|(key, _)| key).collect()
}

/// The dotted keys of a TOML table's values with each value in TOML syntax.
fn leaf_values(table: &toml::Table, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, value) in table {
        let dotted = format!("{prefix}{key}");
        match value {
            toml::Value::Table(inner) => out.extend(leaf_values(inner, &format!("{dotted}."))),
            toml::Value::Float(f) => out.push((dotted, float_text(*f))),
            other => out.push((dotted, other.to_string())),
        }
    }
    out
}

/// A float as written in a config file: the shortest text that reads back as the same `f32`
/// (every float setting is one), keeping a decimal point.
fn float_text(f: f64) -> String {
    let text = (f as f32).to_string();
    if text.contains(['.', 'e', 'E', 'i', 'N']) { text } else { format!("{text}.0") }
}

/// Where dotted `key` is documented in `config/default.toml`: its section's header, then the
/// key's line within it; keys it does not name sort last.
fn documented_position(key: &str) -> (usize, usize) {
    let (section, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    let mut section_line = usize::MAX;
    for (i, line) in DEFAULT_TOML.lines().enumerate() {
        if let Some(s) = section_of_line(line) {
            current = s;
            if current == section {
                section_line = i;
            }
            continue;
        }
        let text = line.trim_start().trim_start_matches('#').trim_start();
        if current == section && text.split('=').next().map(str::trim) == Some(name) {
            return (section_line, i);
        }
    }
    (section_line, usize::MAX)
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
        for optional in OPTIONAL_KEYS {
            let name = optional.rsplit('.').next().unwrap_or(optional);
            assert!(DEFAULT_TOML.contains(&format!("# {name} =")), "{optional} documented");
        }
        assert!(missing.is_empty(), "undocumented keys: {missing:?}");
    }

    /// The README's configuration table: each row's keys (a short `_bad_deg` standing for the
    /// first key with its last segments replaced) with their defaults.
    fn readme_table() -> BTreeMap<String, String> {
        let readme = include_str!("../README.md");
        let mut table = BTreeMap::new();
        for row in readme.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row.split(" | ").collect();
            let (Some(keys), Some(defaults)) = (cells.first(), cells.get(1)) else { continue };
            let keys: Vec<&str> =
                keys.trim_start_matches("| ").split(", ").map(|k| k.trim_matches('`')).collect();
            let defaults: Vec<&str> = defaults.split(", ").map(|d| d.trim_matches('`')).collect();
            let first = keys[0];
            for (i, key) in keys.iter().enumerate() {
                let key = match key.strip_prefix('_') {
                    Some(short) => {
                        let n = short.split('_').count();
                        let parts: Vec<&str> = first.split('_').collect();
                        format!("{}_{short}", parts[..parts.len() - n].join("_"))
                    }
                    None => (*key).to_owned(),
                };
                let default = if defaults.len() == keys.len() { defaults[i] } else { defaults[0] };
                table.insert(key, default.to_owned());
            }
        }
        table
    }

    #[test]
    fn the_readme_documents_every_key_with_its_default() {
        let table = readme_table();
        for (key, value) in Config::default().entries() {
            let documented = table.get(&key).unwrap_or_else(|| panic!("README lacks {key}"));
            match value {
                Some(value) => assert_eq!(documented, &value, "README's default of {key}"),
                None if key == "paths.data_dir" => assert!(documented.contains("XDG_DATA_HOME")),
                None => assert_eq!(documented, "unset", "README's default of {key}"),
            }
        }
        let keys: Vec<String> = Config::default().entries().into_iter().map(|(k, _)| k).collect();
        for key in table.keys() {
            assert!(keys.contains(key), "README documents {key}, which is no key");
        }
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
        assert!(matches!(err, ConfigError::NotFound { origin: FileOrigin::Flag, .. }));
        let env = Env::from_pairs([(ENV_CONFIG, "/nonexistent/from-env.toml")]);
        let err = Config::load(None, &env).expect_err("missing");
        assert!(matches!(err, ConfigError::NotFound { origin: FileOrigin::Env, .. }), "{err}");
        assert!(err.to_string().contains("from-env.toml (from KNOTLESS_CONFIG)"), "{err}");
    }

    #[test]
    fn the_config_variable_names_the_file_and_the_flag_wins_over_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let from_env = dir.path().join("env.toml");
        let from_flag = dir.path().join("flag.toml");
        std::fs::write(&from_env, "[camera]\nindex = 3\n").expect("written");
        std::fs::write(&from_flag, "[camera]\nindex = 5\n").expect("written");
        let env_s = from_env.to_string_lossy().into_owned();
        let env = Env::from_pairs([(ENV_CONFIG, env_s.as_str())]);
        let loaded = Config::load(None, &env).expect("loads");
        assert_eq!(loaded.config.camera.index, 3);
        assert_eq!(loaded.file, Some((from_env, FileOrigin::Env)));
        let loaded = Config::load(Some(&from_flag), &env).expect("loads");
        assert_eq!(loaded.config.camera.index, 5);
        assert_eq!(loaded.file, Some((from_flag, FileOrigin::Flag)));
    }

    #[test]
    fn sources_say_which_layer_set_each_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[camera]\nfov_deg = 78.0\n[paths]\ndata_dir = \"/f\"\n")
            .expect("written");
        let loaded = Config::load(Some(&file), &Env::default()).expect("loads");
        assert_eq!(loaded.source("camera.fov_deg"), Source::File);
        assert_eq!(loaded.source("paths.data_dir"), Source::File);
        assert_eq!(loaded.source("camera.index"), Source::Default);
        let env = Env::from_pairs([(ENV_DATA_DIR, "/e")]);
        let loaded = Config::load(Some(&file), &env).expect("loads");
        assert_eq!(loaded.source("paths.data_dir"), Source::Env);
        assert_eq!(loaded.config.paths.data_dir, Some(PathBuf::from("/e")));
    }

    #[test]
    fn entries_list_every_key_in_the_documented_order() {
        let entries = Config::default().entries();
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys.first(), Some(&"camera.index"));
        assert_eq!(keys.last(), Some(&"paths.data_dir"));
        let pos = |key: &str| keys.iter().position(|k| *k == key).expect(key);
        assert!(pos("camera.name") < pos("camera.width"));
        assert!(
            pos("posture.min_keypoint_score_movenet")
                < pos("posture.thresholds.neck_flexion_caution_deg")
        );
        let value = |key: &str| entries[pos(key)].1.clone();
        assert_eq!(value("camera.fov_deg").as_deref(), Some("70.0"));
        assert_eq!(value("posture.thresholds.head_drop_caution_fraction").as_deref(), Some("0.1"));
        assert_eq!(value("monitor.model").as_deref(), Some("\"blazepose\""));
        assert_eq!(value("camera.name"), None);
        // What entries print parses back to the same configuration.
        let text: String = entries
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect();
        assert_eq!(parse(&text).expect("parses"), Config::default());
    }
}
