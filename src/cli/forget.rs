//! `knotless forget --before DATE`: deletes the history recorded before a day. Asks first on a
//! terminal; elsewhere it needs `--yes`.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use jiff::civil::Date;

use super::GlobalArgs;
use super::settings::Settings;
use crate::report::time::day_bounds;
use crate::store::{self, History};

#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    /// Delete everything recorded before this day (local time); the day itself is kept.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub before: Date,

    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

pub fn run(global: &GlobalArgs, args: ForgetArgs) -> anyhow::Result<std::process::ExitCode> {
    let settings = Settings::load(global)?;
    let path = store::history_path(&settings.data_dir()?);
    if !path.exists() {
        println!("No history at {}: nothing to forget.", path.display());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let tz = super::report::local_zone();
    let (cutoff, _) = day_bounds(args.before, &tz)?;
    let mut history = History::open(&path).context("could not open the history")?;
    let counts = history.count_before(cutoff).context("could not read the history")?;
    if counts == store::ForgetCounts::default() {
        println!("Nothing recorded before {}.", args.before);
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let what = format!(
        "{} samples, {} events, {} sessions and {} old calibrations recorded before {}",
        counts.samples, counts.events, counts.sessions, counts.calibrations, args.before
    );
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete {what} without --yes (stdin is not a terminal)");
        }
        eprint!("Delete {what} from {}? This cannot be undone. [y/N] ", path.display());
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            println!("Nothing deleted.");
            return Ok(std::process::ExitCode::SUCCESS);
        }
    }
    let done = history.forget_before(cutoff).context("could not delete from the history")?;
    println!(
        "Deleted {} samples, {} events, {} sessions and {} old calibrations recorded before {}.",
        done.samples, done.events, done.sessions, done.calibrations, args.before
    );
    Ok(std::process::ExitCode::SUCCESS)
}
