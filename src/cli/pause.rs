//! `knotless pause [DURATION] | --off` and `knotless resume`: pause the monitor recording into
//! the data folder, which resumes by itself, or end a pause. Each says whether a monitor is
//! running and what happened.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::GlobalArgs;
use super::settings::Settings;
use crate::lock::Holder;

#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// How long: e.g. 30m, 1h, 90s, 1h30m, or plain minutes (at most 24h).
    #[arg(default_value = "30m", value_name = "DURATION")]
    pub duration: String,

    /// End a pause now (the same as `knotless resume`).
    #[arg(long)]
    pub off: bool,
}

pub fn run(global: &GlobalArgs, args: PauseArgs) -> Result<ExitCode> {
    let settings = Settings::load(global)?;
    let data_dir = settings.data_dir()?;
    if args.off {
        return resume_in(&data_dir);
    }
    let duration = crate::pause::parse_duration(&args.duration)?;
    let monitor = running(&data_dir)?;
    crate::pause::pause(&data_dir, duration)?;
    let minutes = duration.as_secs().div_ceil(60);
    match monitor {
        Some(holder) => println!(
            "monitor{} paused for {minutes} min; it resumes by itself (`knotless resume` to \
             resume now)",
            pid_text(holder)
        ),
        None => println!(
            "no monitor is running on {}; a monitor started in the next {minutes} min starts \
             paused (`knotless resume` ends the pause)",
            data_dir.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `knotless resume`.
pub fn resume(global: &GlobalArgs) -> Result<ExitCode> {
    let settings = Settings::load(global)?;
    resume_in(&settings.data_dir()?)
}

fn resume_in(data_dir: &Path) -> Result<ExitCode> {
    let monitor = running(data_dir)?;
    let was_paused = crate::pause::resume(data_dir).context("could not end the pause")?;
    let dir = data_dir.display();
    let message = match (monitor, was_paused) {
        (Some(holder), true) => format!("monitor{} resumed", pid_text(holder)),
        (Some(holder), false) => {
            format!("no pause was in force; the monitor{} is monitoring", pid_text(holder))
        }
        (None, true) => format!("pause ended; no monitor is running on {dir}"),
        (None, false) => format!("no pause was in force, and no monitor is running on {dir}"),
    };
    println!("{message}");
    Ok(ExitCode::SUCCESS)
}

/// The monitor recording into `data_dir`, if any.
fn running(data_dir: &Path) -> Result<Option<Holder>> {
    Ok(crate::lock::holder(data_dir)?)
}

fn pid_text(holder: Holder) -> String {
    holder.pid.map(|p| format!(" (process {p})")).unwrap_or_default()
}
