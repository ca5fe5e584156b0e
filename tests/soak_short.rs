//! A short soak inside one process: the monitor run again and again over a looped recorded
//! session (`run --loop N --speed max`) leaves no thread and no file descriptor behind, and
//! stores exactly one sample per second of session time. The long soak is `benches/soak.sh`.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;
use knotless::store::{History, TimeRange};

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

/// Threads and open descriptors of this process, once both have settled to at most
/// `limit` (a finished runtime's idle threads end shortly after it).
fn settled(limit: Option<(usize, usize)>) -> (usize, usize) {
    let start = Instant::now();
    loop {
        let now = (count("/proc/self/task"), count("/proc/self/fd"));
        match limit {
            Some((t, f))
                if (now.0 > t || now.1 > f) && start.elapsed() < Duration::from_secs(30) =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => return now,
        }
    }
}

fn run_once(config: &Path, data: &Path, session: &Path, passes: u32) {
    let cli = knotless::cli::Cli::parse_from([
        "knotless".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
        "run".as_ref(),
        "--population-defaults".as_ref(),
        "--json".as_ref(),
        "--speed".as_ref(),
        "max".as_ref(),
        "--loop".as_ref(),
        passes.to_string().as_ref(),
        "--source".as_ref(),
        session.as_os_str(),
    ]);
    let code = knotless::cli::run(cli).unwrap();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
}

#[test]
fn repeated_looped_runs_leak_no_threads_or_descriptors_and_store_what_they_saw() {
    let home = tempfile::tempdir().unwrap();
    // 10 frames, 2 a second: 5 s of session a pass, 5 samples a pass at 1 a second.
    let session = common::tiny_session(home.path(), 10);
    let config = home.path().join("config.toml");
    // A fixed rate of one frame a second, so the samples to expect do not depend on posture.
    std::fs::write(&config, "[alerts]\ndesktop = false\n[monitor]\nsteady_sample_fps = 1.0\n")
        .unwrap();
    let data = home.path().join("data");
    let passes = 4;

    // The first run loads the runtime library and its global state once for the process.
    run_once(&config, &data, &session, passes);
    let baseline = settled(None);
    let runs = 3;
    for _ in 0..runs {
        run_once(&config, &data, &session, passes);
    }
    let after = settled(Some(baseline));
    assert!(after.0 <= baseline.0, "threads grew from {} to {}", baseline.0, after.0);
    assert!(after.1 <= baseline.1, "descriptors grew from {} to {}", baseline.1, after.1);

    let history = History::open_read_only(&knotless::store::history_path(&data)).unwrap();
    let all = TimeRange { from_ms: 0, to_ms: i64::MAX };
    let sessions = history.sessions(None, None).unwrap();
    assert_eq!(sessions.len(), 1 + runs);
    let samples = history.samples(all, None).unwrap();
    assert_eq!(samples.len(), (1 + runs) * passes as usize * 5);
    for s in &sessions {
        let times: Vec<i64> = samples
            .iter()
            .filter(|x| x.session_id == s.id)
            .map(|x| x.sample.t_ms - s.started_ms)
            .collect();
        let expected: Vec<i64> = (0..passes as i64 * 5).map(|i| i * 1000).collect();
        assert_eq!(times, expected, "one sample a second of session time, across the loops");
    }
}
