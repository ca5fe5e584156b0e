//! `knotless history`: the days and sessions on record.

use std::io::Write;

use anyhow::Context;

use super::GlobalArgs;
use super::settings::Settings;
use crate::report::time::{fmt_duration, fmt_local_iso, zone_name};
use crate::store::{self, History, StoreError};

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only sessions of this camera/desk profile [default: all].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

pub fn run(global: &GlobalArgs, args: HistoryArgs) -> anyhow::Result<std::process::ExitCode> {
    let settings = Settings::load(global)?;
    let path = store::history_path(&settings.data_dir()?);
    let history = match History::open_read_only(&path) {
        Ok(history) => history,
        Err(StoreError::NotFound { .. }) => {
            println!("No history at {} yet (`knotless run` records one).", path.display());
            return Ok(std::process::ExitCode::SUCCESS);
        }
        Err(e) => return Err(e).context("could not open the history"),
    };
    let tz = super::report::local_zone();
    let profile = args.profile.as_deref();
    let days = history.days_with_data(&tz, profile).context("could not read the history")?;
    let sessions = history.session_stats(profile).context("could not read the history")?;

    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(out, "History in {} (times in {})", path.display(), zone_name(&tz));
    out.push('\n');
    if days.is_empty() {
        let _ = writeln!(out, "No days on record.");
    } else {
        let _ = writeln!(out, "{:<12} {:>8}", "Day", "samples");
        for (date, count) in &days {
            let _ = writeln!(out, "{:<12} {count:>8}", date.to_string());
        }
    }
    out.push('\n');
    if !sessions.is_empty() {
        let _ = writeln!(
            out,
            "{:>5}  {:<25}  {:>8}  {:>8}  {:>7}  {:<10}  {:<16}  source",
            "id", "started", "length", "samples", "events", "profile", "model"
        );
        for s in &sessions {
            let row = &s.session;
            let length =
                row.ended_ms.map_or_else(String::new, |e| fmt_duration(e - row.started_ms));
            let _ = writeln!(
                out,
                "{:>5}  {:<25}  {length:>8}  {:>8}  {:>7}  {:<10}  {:<16}  {}",
                row.id,
                fmt_local_iso(row.started_ms, &tz),
                s.samples,
                s.events,
                row.profile,
                row.model,
                row.source
            );
        }
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    Ok(std::process::ExitCode::SUCCESS)
}
