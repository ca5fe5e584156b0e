//! The `knotless` command: parses the command line, runs the library, maps errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    keep_large_blocks_in_mmap();
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

/// glibc raises its mmap threshold each time a large block is freed; loading the models frees
/// tens of megabytes, after which later large blocks come from the heap and about 20 MB of it
/// stays with the process unused for the rest of the day. Fixing the threshold at glibc's own
/// default (128 KiB) keeps large blocks in their own mappings, given back when freed: peak RSS
/// of a run over the demo session goes from 107 MB to 86 MB. The cost is a mapping per large
/// block, one frame image a second at the default rate.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_large_blocks_in_mmap() {
    const GLIBC_DEFAULT_MMAP_THRESHOLD: libc::c_int = 128 * 1024;
    // SAFETY: mallopt only sets a parameter of the allocator, and runs first thing in main,
    // before any other thread exists.
    let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, GLIBC_DEFAULT_MMAP_THRESHOLD) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_blocks_in_mmap() {}
