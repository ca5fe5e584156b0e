//! Settings shared by subcommands: the configuration with the global flags applied on top, and
//! the data folder.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::GlobalArgs;
use crate::config::{Config, Env};
use crate::posture::Baseline;
use crate::posture::profile::{self, ProfileName};

/// The loaded configuration, after defaults, file, environment and flags.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub env: Env,
}

impl Settings {
    pub fn load(global: &GlobalArgs) -> Result<Settings> {
        let env = Env::from_process();
        let loaded = Config::load(global.config.as_deref(), &env)
            .context("could not load the configuration")?;
        let mut config = loaded.config;
        if let Some(dir) = &global.data_dir {
            let dir = std::path::absolute(dir)
                .with_context(|| format!("invalid --data-dir {}", dir.display()))?;
            config.paths.data_dir = Some(dir);
        }
        Ok(Settings { config, env })
    }

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
