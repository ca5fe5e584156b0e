//! `knotless pause [DURATION] | --off`: pause a running monitor, which resumes by itself.

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::GlobalArgs;
use super::settings::Settings;

#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// How long: e.g. 30m, 1h, 90s, 1h30m, or plain minutes (at most 24h).
    #[arg(default_value = "30m", value_name = "DURATION")]
    pub duration: String,

    /// End a pause now.
    #[arg(long)]
    pub off: bool,
}

pub fn run(global: &GlobalArgs, args: PauseArgs) -> Result<ExitCode> {
    let settings = Settings::load(global)?;
    let data_dir = settings.data_dir()?;
    if args.off {
        let was = crate::pause::resume(&data_dir).context("could not end the pause")?;
        println!("{}", if was { "monitoring resumed" } else { "no pause was in force" });
        return Ok(ExitCode::SUCCESS);
    }
    let duration = crate::pause::parse_duration(&args.duration)?;
    crate::pause::pause(&data_dir, duration)?;
    println!(
        "monitoring paused for {} min; it resumes by itself (`knotless pause --off` to resume now)",
        duration.as_secs().div_ceil(60)
    );
    Ok(ExitCode::SUCCESS)
}
