//! The monitor killed, interrupted and doubled, through the real binary replaying the demo
//! session in real time so that history is being written when the signal comes. Waits are for
//! data to appear (with a generous deadline against hangs); the assertions are on the data.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use knotless::store::{self, History, TimeRange};

const DEADLINE: Duration = Duration::from_secs(180);
/// The writer commits at least this often (`WriterOptions::default`).
const COMMIT_INTERVAL_MS: i64 = 3_000;

fn session() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session")
}

/// `knotless run` over the demo session in real time, recording into `data`.
fn start_monitor(home: &Path, data: &Path) -> Child {
    common::knotless_process(home)
        .arg("--data-dir")
        .arg(data)
        .args(["run", "--population-defaults", "--speed", "realtime", "--source"])
        .arg(session())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn unix_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn all() -> TimeRange {
    TimeRange { from_ms: 0, to_ms: i64::MAX }
}

/// Sample times committed so far (empty while there is no history yet).
fn committed_samples(data: &Path) -> Vec<i64> {
    let path = store::history_path(data);
    let Ok(history) = History::open_read_only(&path) else { return Vec::new() };
    history
        .samples(all(), None)
        .map(|s| s.iter().map(|s| s.sample.t_ms).collect())
        .unwrap_or_default()
}

/// Waits until at least `n` samples are committed; fails if the monitor ended first.
fn wait_for_samples(child: &mut Child, data: &Path, n: usize) {
    let start = Instant::now();
    while committed_samples(data).len() < n {
        assert!(child.try_wait().unwrap().is_none(), "the monitor ended before writing");
        assert!(start.elapsed() < DEADLINE, "no {n} samples within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status();
    assert!(ok.unwrap().success(), "kill -{name}");
}

fn stderr_of(child: Child) -> (std::process::ExitStatus, String) {
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn event_kinds(history: &History) -> Vec<String> {
    history.events(all(), None).unwrap().iter().map(|e| e.event.kind.as_str().to_string()).collect()
}

#[test]
fn sigkill_while_writing_leaves_a_sound_history_missing_only_the_last_seconds() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let mut child = start_monitor(home.path(), &data);
    // Two commits' worth at least, so writes are ongoing when the kill comes.
    wait_for_samples(&mut child, &data, 8);
    let killed_at = unix_ms();
    child.kill().unwrap(); // SIGKILL
    let (status, stderr) = stderr_of(child);
    assert!(!status.success(), "{stderr}");

    let path = store::history_path(&data);
    let history = History::open(&path).unwrap();
    assert_eq!(history.integrity_check().unwrap(), ["ok"]);
    let samples = committed_samples(&data);
    let last = *samples.iter().max().unwrap();
    // Sample times follow the replayed session's clock, which started with the run (after
    // the model was loaded), so the newest sample is at most a commit interval behind the
    // kill, plus the time to analyse a frame and generous slack for a loaded machine.
    let lost_ms = killed_at - last;
    assert!(
        lost_ms <= COMMIT_INTERVAL_MS + 12_000,
        "lost {lost_ms} ms of history before the kill ({} samples)",
        samples.len()
    );
    assert!(!event_kinds(&history).contains(&"session_end".to_string()));
    drop(history);

    // The next run picks the history up as it is.
    let mut again = start_monitor(home.path(), &data);
    let before = samples.len();
    wait_for_samples(&mut again, &data, before + 2);
    signal(&again, "TERM");
    let (status, stderr) = stderr_of(again);
    assert!(status.success(), "{stderr}");
    let history = History::open_read_only(&path).unwrap();
    assert_eq!(history.sessions(None, None).unwrap().len(), 2);
}

/// Interrupted by `sig`: exits cleanly with every analysed frame stored and the end recorded.
fn interrupted_run_flushes_everything(sig: &str) {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let mut child = start_monitor(home.path(), &data);
    wait_for_samples(&mut child, &data, 3);
    signal(&child, sig);
    let (status, stderr) = stderr_of(child);
    assert!(status.success(), "SIG{sig}: {status}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // "knotless: N analysed over h:mm:ss, ..."
    let analysed: usize = stderr
        .split("knotless: ")
        .find_map(|s| s.split_once(" analysed over ").and_then(|(n, _)| n.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no summary line: {stderr}"));

    let history = History::open_read_only(&store::history_path(&data)).unwrap();
    let samples = committed_samples(&data);
    assert_eq!(samples.len(), analysed, "every analysed frame is in the history");
    let events = history.events(all(), None).unwrap();
    let end = events
        .iter()
        .find(|e| e.event.kind == store::EventKind::SessionEnd)
        .unwrap_or_else(|| panic!("no session_end after SIG{sig}"));
    let last = *samples.iter().max().unwrap();
    assert_eq!(end.event.t_ms, last, "the session ends with its last analysed frame");
    let sessions = history.sessions(None, None).unwrap();
    assert_eq!(sessions[0].ended_ms, Some(last));
}

#[test]
fn sigint_flushes_everything() {
    interrupted_run_flushes_everything("INT");
}

#[test]
fn sigterm_flushes_everything() {
    interrupted_run_flushes_everything("TERM");
}

#[test]
fn a_second_monitor_on_the_same_data_folder_is_refused_and_reports_still_work() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let mut first = start_monitor(home.path(), &data);
    wait_for_samples(&mut first, &data, 2);

    let second = common::knotless(home.path())
        .arg("--data-dir")
        .arg(&data)
        .args(["run", "--population-defaults", "--speed", "max", "--source"])
        .arg(session())
        .timeout(DEADLINE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("already recording into"), "{stderr}");
    assert!(stderr.contains(&data.display().to_string()), "names the folder: {stderr}");
    assert!(stderr.contains(&format!("process {}", first.id())), "names the PID: {stderr}");
    assert!(stderr.contains("--data-dir"), "says how to run both: {stderr}");

    // Reading and forgetting beside the running monitor are fine.
    for args in [
        vec!["report", "--format", "json"],
        vec!["history"],
        vec!["forget", "--before", "2000-01-01", "--yes"],
    ] {
        common::knotless(home.path())
            .arg("--data-dir")
            .arg(&data)
            .args(&args)
            .timeout(DEADLINE)
            .assert()
            .success();
    }
    // Without history a second monitor may run: it writes nothing.
    let tiny = common::tiny_session(home.path(), 4);
    common::knotless(home.path())
        .arg("--data-dir")
        .arg(&data)
        .args(["run", "--population-defaults", "--no-history", "--speed", "max", "--source"])
        .arg(&tiny)
        .timeout(DEADLINE)
        .assert()
        .success();

    signal(&first, "TERM");
    let (status, stderr) = stderr_of(first);
    assert!(status.success(), "{stderr}");
    // Once the first has ended, the folder is free again.
    let history = History::open_read_only(&store::history_path(&data)).unwrap();
    assert_eq!(history.integrity_check().unwrap(), ["ok"]);
    assert!(knotless::lock::MonitorLock::acquire(&data).is_ok());
}
