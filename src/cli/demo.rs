//! `knotless demo`: the whole monitor on the bundled recorded session, for a machine without a
//! camera or a first look. Calibrates from the session's first 30 s (the person sits well
//! there), then replays all of it as fast as the machine allows. Uses a temporary data folder,
//! so the demo leaves no profile or history behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::GlobalArgs;
use super::calibrate::{self, CalibrateArgs};
use super::run::{self, RunArgs, Speed};
use crate::posture::profile::ProfileName;

/// Seconds of the demo session used for calibration: its first, good phase.
const CALIBRATION_S: f32 = 30.0;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The recorded session to use [default: the demo/session folder shipped with knotless].
    #[arg(long, value_name = "DIR")]
    pub source: Option<PathBuf>,

    /// One JSON object per event on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The demo session shipped with knotless: beside the executable, or in the project.
pub fn default_session() -> PathBuf {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("demo/session")))
        .filter(|d| d.is_dir());
    beside_exe.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session"))
}

pub fn run(global: &GlobalArgs, args: DemoArgs) -> Result<ExitCode> {
    // Refuse a bad configuration before anything else; calibrate and run load it again.
    super::settings::Settings::load(global)?;
    let source = args.source.unwrap_or_else(default_session);
    if !source.is_dir() {
        bail!("the demo session {} is missing; pass --source DIR", source.display());
    }
    let data_dir = std::env::temp_dir().join(format!("knotless-demo-{}", std::process::id()));
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("could not create {}", data_dir.display()))?;
    let result = run_in(global, &source, &data_dir, args.json);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

fn run_in(global: &GlobalArgs, source: &Path, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let global = GlobalArgs { data_dir: Some(data_dir.to_path_buf()), ..global.clone() };
    let profile = ProfileName::new("demo").context("profile name")?;
    if !json {
        eprintln!(
            "knotless demo: calibrating from the first {CALIBRATION_S:.0} s of {}",
            source.display()
        );
    }
    let code = calibrate::run(
        &global,
        CalibrateArgs {
            profile: profile.clone(),
            seconds: Some(CALIBRATION_S),
            source: Some(source.to_path_buf()),
            fps: None,
            slouch: false,
            model: None,
            threads: None,
        },
    )?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    run::run(
        &global,
        RunArgs {
            profile,
            source: Some(source.to_path_buf()),
            fps: None,
            speed: Speed::Max,
            passes: 1,
            json,
            no_history: false,
            population_defaults: false,
        },
    )
}
