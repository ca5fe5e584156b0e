//! The `knotless` command: parses the command line, runs the library, maps errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = knotless::cli::Cli::parse();
    knotless::cli::init_logging(cli.verbose);
    match knotless::cli::run(cli) {
        Ok(code) => code,
        // `knotless ... | head`: the reader has all it wants.
        Err(err) if knotless::cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("knotless: {}", knotless::cli::describe_error(&err));
            ExitCode::from(knotless::cli::EXIT_ERROR)
        }
    }
}
