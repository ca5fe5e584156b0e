//! The command line: clap types, one file per subcommand, and the wiring between the library's
//! pieces. Holds no domain logic.

mod calibrate;
mod config;
mod demo;
mod devices;
mod forget;
mod history;
mod pause;
mod pose;
mod record;
mod report;
mod run;
mod settings;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for an error the user can fix (bad input, missing model or runtime).
pub const EXIT_ERROR: u8 = 1;
/// Exit code of `knotless pose` when at least one image has nobody in it.
pub const EXIT_NO_PERSON: u8 = 3;
/// Exit code of `knotless run` when another monitor already records into the data folder.
pub const EXIT_ALREADY_RUNNING: u8 = 4;

/// knotless: a webcam desk-posture monitor that runs beside your work.
#[derive(Debug, Parser)]
#[command(name = "knotless", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Folder holding the ONNX pose models [default: the models/ folder that ships with knotless].
    #[arg(long, global = true, value_name = "DIR", env = "KNOTLESS_MODELS")]
    pub models: Option<PathBuf>,

    /// The ONNX Runtime library to load (libonnxruntime.so.1.31.1) [default: ORT_DYLIB_PATH,
    /// then beside the executable, then the project's runtime/ folder].
    #[arg(long, global = true, value_name = "FILE")]
    pub ort_lib: Option<PathBuf>,

    /// Config file; it must exist [default: KNOTLESS_CONFIG, then
    /// $XDG_CONFIG_HOME/knotless/config.toml or ~/.config/knotless/config.toml, if present].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where profiles and history live [default: KNOTLESS_DATA_DIR, then `[paths] data_dir` in
    /// the config file, then $XDG_DATA_HOME/knotless or ~/.local/share/knotless].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch your posture beside your work: alerts with stretches, break reminders, history.
    Run(run::RunArgs),
    /// The whole monitor on the bundled recorded session (no camera needed).
    Demo(demo::DemoArgs),
    /// Pause a running monitor for a while (e.g. `knotless pause 30m`), or end a pause.
    Pause(pause::PauseArgs),
    /// End a pause now (the same as `knotless pause --off`).
    Resume,
    /// Find the keypoints of the person in each image (debugging, scripting).
    Pose(pose::PoseArgs),
    /// Record your upright posture as the baseline of a profile (or a deliberate slouch).
    Calibrate(calibrate::CalibrateArgs),
    /// List the cameras knotless can see.
    Devices(devices::DevicesArgs),
    /// Save webcam frames as a session folder, to replay or attach to a bug report.
    Record(record::RecordArgs),
    /// A posture report for a day or a range of days (text, HTML, JSON or CSV).
    Report(report::ReportArgs),
    /// The days and sessions on record.
    History(history::HistoryArgs),
    /// Delete the history recorded before a day.
    Forget(forget::ForgetArgs),
    /// The configuration in effect, and where each value came from.
    Config(config::ConfigArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(&cli.global, args),
        Command::Demo(args) => demo::run(&cli.global, args),
        Command::Pause(args) => pause::run(&cli.global, args),
        Command::Resume => pause::resume(&cli.global),
        Command::Pose(args) => pose::run(&cli.global, args),
        Command::Calibrate(args) => calibrate::run(&cli.global, args),
        Command::Devices(args) => devices::run(&cli.global, args),
        Command::Record(args) => record::run(&cli.global, args),
        Command::Report(args) => report::run(&cli.global, args),
        Command::History(args) => history::run(&cli.global, args),
        Command::Forget(args) => forget::run(&cli.global, args),
        Command::Config(args) => config::run(&cli.global, args),
    }
}

/// Sets up `tracing` output on stderr.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "knotless=debug,info",
        _ => "knotless=trace,debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Whether the error is stdout closing under us (the reader went away).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == BrokenPipe)
            || e.downcast_ref::<serde_json::Error>().and_then(|e| e.io_error_kind())
                == Some(BrokenPipe)
    })
}

/// One line for the user: the error and its causes, without a backtrace.
pub fn describe_error(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

impl GlobalArgs {
    /// The model files, with the user's runtime library choice.
    pub fn model_files(&self) -> crate::pose::ModelFiles {
        let dir = self.models.clone().unwrap_or_else(crate::pose::ModelFiles::default_dir);
        let mut files = crate::pose::ModelFiles::in_dir(&dir);
        files.ort_lib = self.ort_lib.clone();
        files
    }
}
