//! `knotless report`: a posture report for a day or a range of days, as text, HTML, JSON or
//! CSV, to stdout or a file.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::GlobalArgs;
use super::settings::Settings;
use crate::report::{self, CsvRows, ReportRequest, Rows, TextOptions};
use crate::store::{self, History, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Html,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The day to report on [default: today]; with --week or --days, the last day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<Date>,

    /// The last 7 days.
    #[arg(long, conflicts_with = "days")]
    pub week: bool,

    /// The last N days.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=366))]
    pub days: Option<u16>,

    /// Only sessions of this camera/desk profile [default: all].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// CSV: one row per hour instead of one per day.
    #[arg(long)]
    pub per_hour: bool,

    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The system time zone (TZ, then /etc/localtime).
pub(crate) fn local_zone() -> TimeZone {
    TimeZone::system()
}

pub fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<std::process::ExitCode> {
    let settings = Settings::load(global)?;
    let data_dir = settings.data_dir()?;
    let tz = local_zone();
    let last_day = match args.date {
        Some(date) => date,
        None => jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date(),
    };
    let days = if args.week { 7 } else { args.days.unwrap_or(1) };
    let first_day = report::time::add_days(last_day, 1 - i64::from(days))?;
    let req = ReportRequest { first_day, last_day, tz, profile: args.profile.clone() };

    let path = store::history_path(&data_dir);
    let report = match History::open_read_only(&path) {
        Ok(history) => report::load(&history, &req)
            .with_context(|| format!("could not read the history in {}", path.display()))?,
        Err(StoreError::NotFound { .. }) => {
            eprintln!(
                "knotless: no history at {} yet (`knotless run` records one)",
                path.display()
            );
            report::build(&req, Rows { spans: &[], events: &[], sessions: &[] })?
        }
        Err(e) => return Err(e).context("could not open the history"),
    };

    let color = args.format == Format::Text
        && args.out.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let text = match args.format {
        Format::Text => report::render_text(&report, &TextOptions { color }),
        Format::Html => report::render_html(&report),
        Format::Json => report::render_json(&report)?,
        Format::Csv => {
            let rows = if args.per_hour { CsvRows::Hour } else { CsvRows::Day };
            report::render_csv(&report, rows)
        }
    };
    match &args.out {
        Some(out) => {
            std::fs::write(out, text)
                .with_context(|| format!("could not write the report to {}", out.display()))?;
            eprintln!("knotless: report written to {}", out.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
