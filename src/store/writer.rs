//! [`Writer`]: batched writes off the frame path. The monitor hands rows to a channel and goes
//! on; a background thread commits them every few seconds or every few hundred rows, and
//! everything still pending on close or drop. A failing disk is logged and reported through
//! [`Writer::health`], never a panic: rows wait (up to a bound) for the next try.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::StoreError;
use super::history::History;
use super::rows::{Event, NewSession, Sample};

/// When and how the writer commits.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Commit once this many rows are waiting.
    pub commit_every_rows: usize,
    /// Commit at least this often while rows are waiting.
    pub commit_interval: Duration,
    /// Thin samples: keep one at most this often unless the state, worst problem or levels
    /// changed (those are always kept, so time per state stays exact). Zero keeps every sample.
    /// Capped at half the report's gap cap so thinned time still counts.
    pub min_sample_interval: Duration,
    /// Most rows held while the disk refuses writes; the oldest samples go first beyond it.
    pub max_pending_rows: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            commit_every_rows: 500,
            commit_interval: Duration::from_secs(3),
            min_sample_interval: Duration::ZERO,
            max_pending_rows: 20_000,
        }
    }
}

/// Longest useful thinning interval: reports cap gaps between samples at 10 s.
pub const MAX_SAMPLE_INTERVAL: Duration = Duration::from_secs(5);

/// How the writer is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriterHealth {
    /// Rows committed so far.
    pub rows_written: u64,
    /// Samples left out by thinning.
    pub samples_thinned: u64,
    /// Rows refused (invalid names) or dropped after the pending bound was reached.
    pub rows_dropped: u64,
    /// Rows waiting for the next commit.
    pub pending: u64,
    /// The last write error, cleared by the next successful commit.
    pub last_error: Option<String>,
    /// Whether the background thread has stopped (after close, or if it died).
    pub stopped: bool,
}

enum Msg {
    Sample(Sample),
    Event(Event),
    Flush(mpsc::Sender<Result<(), String>>),
}

/// Writes one session's samples and events in the background.
pub struct Writer {
    session_id: i64,
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    health: Arc<Mutex<WriterHealth>>,
}

impl Writer {
    /// Opens (or creates) the history at `path`, records a new session and starts the writer.
    pub fn start(
        path: &Path,
        session: &NewSession,
        options: WriterOptions,
    ) -> Result<Writer, StoreError> {
        let history = History::open(path)?;
        let session_id = history.start_session(session)?;
        Ok(Writer::spawn(history, session_id, options))
    }

    /// Starts a writer for an already recorded session on an open history.
    pub fn spawn(history: History, session_id: i64, options: WriterOptions) -> Writer {
        let (tx, rx) = mpsc::channel();
        let health = Arc::new(Mutex::new(WriterHealth::default()));
        let state = Worker {
            history,
            session_id,
            options,
            samples: VecDeque::new(),
            events: Vec::new(),
            last_kept: None,
            oldest_pending: None,
            health: Arc::clone(&health),
            failing: false,
        };
        let thread = std::thread::Builder::new()
            .name("knotless-history".into())
            .spawn(move || state.run(rx));
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                tracing::error!("could not start the history writer: {e}");
                if let Ok(mut h) = health.lock() {
                    h.stopped = true;
                    h.last_error = Some(format!("could not start the history writer: {e}"));
                }
                None
            }
        };
        Writer { session_id, tx: thread.is_some().then_some(tx), thread, health }
    }

    /// The session this writer records into.
    pub fn session_id(&self) -> i64 {
        self.session_id
    }

    /// Queues a sample; never blocks.
    pub fn sample(&self, sample: Sample) {
        self.send(Msg::Sample(sample));
    }

    /// Queues an event; never blocks.
    pub fn event(&self, event: Event) {
        self.send(Msg::Event(event));
    }

    fn send(&self, msg: Msg) {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(msg).is_ok());
        if !sent && let Ok(mut h) = self.health.lock() {
            h.rows_dropped += 1;
            h.stopped = true;
        }
    }

    /// Commits everything queued so far and waits for it.
    pub fn flush(&self) -> Result<(), StoreError> {
        let (ack_tx, ack_rx) = mpsc::channel();
        let tx = self.tx.as_ref().ok_or(StoreError::WriterStopped)?;
        tx.send(Msg::Flush(ack_tx)).map_err(|_| StoreError::WriterStopped)?;
        match ack_rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::WriteFailed(message)),
            Err(_) => Err(StoreError::WriterStopped),
        }
    }

    /// How the writer is doing (for the monitor's status line).
    pub fn health(&self) -> WriterHealth {
        self.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Commits everything pending and stops the thread.
    pub fn close(mut self) -> WriterHealth {
        self.stop();
        self.health()
    }

    fn stop(&mut self) {
        // Dropping the sender ends the thread's loop after it has drained the channel.
        self.tx = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the history writer thread panicked");
        }
        if let Ok(mut h) = self.health.lock() {
            h.stopped = true;
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Worker {
    history: History,
    session_id: i64,
    options: WriterOptions,
    samples: VecDeque<Sample>,
    events: Vec<Event>,
    /// The last sample kept, for thinning.
    last_kept: Option<Sample>,
    oldest_pending: Option<Instant>,
    health: Arc<Mutex<WriterHealth>>,
    failing: bool,
}

impl Worker {
    fn run(mut self, rx: mpsc::Receiver<Msg>) {
        loop {
            let wait = match self.oldest_pending {
                Some(since) => self.options.commit_interval.saturating_sub(since.elapsed()),
                None => Duration::from_secs(3600),
            };
            match rx.recv_timeout(wait) {
                Ok(Msg::Sample(sample)) => self.push_sample(sample),
                Ok(Msg::Event(event)) => {
                    self.events.push(event);
                    self.oldest_pending.get_or_insert_with(Instant::now);
                }
                Ok(Msg::Flush(ack)) => {
                    // The channel is in order: everything queued before the request is in.
                    let result = self.commit();
                    let _ = ack.send(result);
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if self.commit().is_err() {
                        let pending = self.pending();
                        tracing::error!(pending, "history writer closing with rows not written");
                    }
                    return;
                }
            }
            let due =
                self.oldest_pending.is_some_and(|t| t.elapsed() >= self.options.commit_interval);
            // While the disk refuses writes, retry on the clock only, not on every new row.
            let full = !self.failing && self.pending() >= self.options.commit_every_rows;
            if due || full {
                let _ = self.commit();
            }
        }
    }

    fn pending(&self) -> usize {
        self.samples.len() + self.events.len()
    }

    fn push_sample(&mut self, sample: Sample) {
        let interval = self.options.min_sample_interval.min(MAX_SAMPLE_INTERVAL);
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        if interval_ms > 0
            && let Some(last) = &self.last_kept
        {
            let same = last.state == sample.state
                && last.worst_problem == sample.worst_problem
                && last.levels == sample.levels;
            if same && sample.t_ms - last.t_ms < interval_ms {
                self.update_health(|h| h.samples_thinned += 1);
                return;
            }
        }
        self.last_kept = Some(sample.clone());
        self.samples.push_back(sample);
        self.oldest_pending.get_or_insert_with(Instant::now);
        let mut dropped = 0;
        while self.pending() > self.options.max_pending_rows && self.samples.pop_front().is_some() {
            dropped += 1;
        }
        if dropped > 0 {
            self.update_health(|h| h.rows_dropped += dropped);
        }
    }

    fn commit(&mut self) -> Result<(), String> {
        if self.pending() == 0 {
            self.update_health(|h| h.pending = 0);
            return Ok(());
        }
        let samples: Vec<Sample> = self.samples.iter().cloned().collect();
        let result = self.history.append(self.session_id, &samples, &self.events);
        match result {
            Ok(()) => {
                let written = self.pending() as u64;
                self.samples.clear();
                self.events.clear();
                self.oldest_pending = None;
                if self.failing {
                    tracing::info!("history writes work again");
                    self.failing = false;
                }
                self.update_health(|h| {
                    h.rows_written += written;
                    h.pending = 0;
                    h.last_error = None;
                });
                Ok(())
            }
            Err(StoreError::InvalidName { what, name }) => {
                // One bad row must not hold back the rest: drop the offenders, write the others.
                tracing::warn!("history: dropping rows with invalid {what} name `{name}`");
                let before = self.pending();
                self.samples.retain(|s| {
                    s.worst_problem
                        .iter()
                        .chain(s.levels.iter().map(|(p, _)| p))
                        .all(|p| super::rows::is_valid_name(p))
                });
                self.events.retain(|e| e.problem.as_deref().is_none_or(super::rows::is_valid_name));
                let dropped = (before - self.pending()) as u64;
                self.update_health(|h| h.rows_dropped += dropped);
                self.commit()
            }
            Err(e) => {
                let message = e.to_string();
                if !self.failing {
                    tracing::error!("could not write the history (will retry): {message}");
                    self.failing = true;
                }
                // Retry after another interval rather than on every row.
                self.oldest_pending = Some(Instant::now());
                let pending = self.pending() as u64;
                self.update_health(|h| {
                    h.pending = pending;
                    h.last_error = Some(message.clone());
                });
                Err(message)
            }
        }
    }

    fn update_health(&self, f: impl FnOnce(&mut WriterHealth)) {
        if let Ok(mut h) = self.health.lock() {
            f(&mut h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rows::{Level, State};

    fn session() -> NewSession {
        NewSession {
            started_ms: 0,
            profile: "desk".into(),
            source: "test".into(),
            model: "none".into(),
        }
    }

    #[test]
    fn a_full_disk_is_reported_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("history.sqlite3");
        let history = History::open(&path).expect("open");
        let id = history.start_session(&session()).expect("session");
        // A tiny page budget makes SQLite answer "database or disk is full".
        history.conn_for_tests().pragma_update(None, "max_page_count", 8).expect("pragma");
        let writer = Writer::spawn(history, id, WriterOptions::default());
        for t in 0..5_000 {
            writer.sample(Sample::new(t * 1000, State::Bad).with_level("neck_flexion", Level::Bad));
        }
        assert!(writer.flush().is_err());
        let health = writer.health();
        assert!(health.last_error.as_deref().is_some_and(|e| e.contains("full")), "{health:?}");
        assert!(health.pending > 0);
        let health = writer.close();
        assert!(health.stopped);
    }

    #[test]
    fn thinning_keeps_state_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("history.sqlite3");
        let options =
            WriterOptions { min_sample_interval: Duration::from_secs(5), ..Default::default() };
        let writer = Writer::start(&path, &session(), options).expect("writer");
        for t in 0..20 {
            let state = if t == 7 { State::Bad } else { State::Good };
            writer.sample(Sample::new(t * 1000, state));
        }
        let health = writer.close();
        // Kept: 0, 5, 7 (bad), 8 (good again), 13, 18.
        assert_eq!(health.rows_written, 6, "{health:?}");
        assert_eq!(health.samples_thinned, 14);
    }

    #[test]
    fn invalid_names_are_dropped_and_the_rest_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("history.sqlite3");
        let writer = Writer::start(&path, &session(), WriterOptions::default()).expect("writer");
        writer.sample(Sample::new(0, State::Good));
        writer.sample(Sample::new(1000, State::Bad).with_level("Neck Flexion", Level::Bad));
        writer.event(Event::new(1500, crate::store::EventKind::BreakDue));
        writer.flush().expect("flush");
        let health = writer.close();
        assert_eq!((health.rows_written, health.rows_dropped), (2, 1), "{health:?}");
    }
}
