//! Settings shared by subcommands: the one configuration (defaults, file, environment) with the
//! command-line flags applied on top, where each value came from, and the data folder. Every
//! subcommand loads it first, so a bad config file is an error for all of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};

use super::GlobalArgs;
use crate::config::{Config, Env, FileOrigin, Source};
use crate::posture::Baseline;
use crate::posture::profile::{self, ProfileName};

/// The loaded configuration, after defaults, file, environment and flags.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub env: Env,
    /// The config file read, if any, and how it was chosen.
    pub file: Option<(PathBuf, FileOrigin)>,
    /// The dotted keys not at their default, with the layer that set them last.
    sources: BTreeMap<String, Source>,
}

impl Settings {
    /// The configuration for `global`'s `--config` and `--data-dir`, from the real environment.
    pub fn load(global: &GlobalArgs) -> Result<Settings> {
        Settings::load_with(global, Env::from_process())
    }

    /// [`Settings::load`] with the environment passed in.
    pub fn load_with(global: &GlobalArgs, env: Env) -> Result<Settings> {
        let loaded = Config::load(global.config.as_deref(), &env)
            .context("could not load the configuration")?;
        let mut settings =
            Settings { config: loaded.config, env, file: loaded.file, sources: loaded.sources };
        if let Some(dir) = &global.data_dir {
            let dir = std::path::absolute(dir)
                .with_context(|| format!("invalid --data-dir {}", dir.display()))?;
            settings
                .set_by_flag("--data-dir", "paths.data_dir", |c| c.paths.data_dir = Some(dir))?;
        }
        Ok(settings)
    }

    /// Sets the value of dotted `key` from the command-line flag `flag`, checked like a value
    /// from the file.
    pub fn set_by_flag(
        &mut self,
        flag: &str,
        key: &str,
        set: impl FnOnce(&mut Config),
    ) -> Result<()> {
        self.set_keys_by_flag(flag, &[key], set)
    }

    /// [`Settings::set_by_flag`] for a flag that sets several keys at once.
    pub fn set_keys_by_flag(
        &mut self,
        flag: &str,
        keys: &[&str],
        set: impl FnOnce(&mut Config),
    ) -> Result<()> {
        set(&mut self.config);
        for key in keys {
            self.sources.insert((*key).to_owned(), Source::Flag);
        }
        self.config.validate().map_err(|(bad, message)| {
            if keys.contains(&bad.as_str()) {
                let key = bad;
                anyhow!("{flag} ({key}): {message}")
            } else {
                anyhow!("{flag}: {bad}: {message}")
            }
        })
    }

    /// Where the value of dotted `key` came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).copied().unwrap_or(Source::Default)
    }

    /// The data folder: `paths.data_dir` (file, `KNOTLESS_DATA_DIR` or `--data-dir`), else
    /// `$XDG_DATA_HOME/knotless`, else `~/.local/share/knotless`.
    pub fn data_dir(&self) -> Result<PathBuf> {
        let dir = self.config.data_dir(&self.env)?;
        check_data_dir(&dir)?;
        Ok(dir)
    }

    /// Loads a calibration profile, naming the fix when it is missing.
    pub fn load_profile(&self, name: &ProfileName) -> Result<Baseline> {
        let dir = self.data_dir()?;
        profile::load(&dir, name).with_context(|| format!("could not use profile {name}"))
    }
}

/// Refuses a data folder with something else in its place (a file, a broken link), naming it.
pub fn check_data_dir(dir: &std::path::Path) -> Result<()> {
    if !dir.is_dir() && std::fs::symlink_metadata(dir).is_ok() {
        return Err(crate::lock::LockError::NotAFolder { dir: dir.to_path_buf() }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> GlobalArgs {
        GlobalArgs { models: None, ort_lib: None, config, data_dir }
    }

    #[test]
    fn flags_override_file_and_environment_and_are_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[paths]\ndata_dir = \"/from/file\"\n[monitor]\nthreads = 2\n")
            .expect("written");
        let env = Env::from_pairs([("KNOTLESS_DATA_DIR", "/from/env")]);
        let mut s =
            Settings::load_with(&global(Some(file.clone()), Some("/from/flag".into())), env)
                .expect("loads");
        assert_eq!(s.data_dir().expect("dir"), PathBuf::from("/from/flag"));
        assert_eq!(s.source("paths.data_dir"), Source::Flag);
        assert_eq!(s.source("monitor.threads"), Source::File);
        assert_eq!(s.source("monitor.sample_fps"), Source::Default);
        s.set_by_flag("--threads", "monitor.threads", |c| c.monitor.threads = 4).expect("valid");
        assert_eq!((s.config.monitor.threads, s.source("monitor.threads")), (4, Source::Flag));
        let err = s
            .set_by_flag("--threads", "monitor.threads", |c| c.monitor.threads = 0)
            .expect_err("out of range");
        assert_eq!(err.to_string(), "--threads (monitor.threads): must be 1-16");
    }
}
