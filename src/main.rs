//! The `knotless` command: parses the command line, runs the library, maps errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = knotless::cli::Cli::parse();
    knotless::cli::init_logging(cli.verbose);
    match knotless::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("knotless: {}", knotless::cli::describe_error(&err));
            ExitCode::from(knotless::cli::EXIT_ERROR)
        }
    }
}
