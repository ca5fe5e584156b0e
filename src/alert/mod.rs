//! Where alerts go: the terminal, a desktop notification (best-effort), a user command hook,
//! and JSON lines on stdout. Sinks never decide *when* to alert (that is the coach's job) and
//! never block or fail the monitor: a sink that cannot deliver logs it once and carries on.

mod command;
mod desktop;
mod terminal;

use std::io::Write;

pub use command::CommandHook;
pub use desktop::DesktopNotifier;
pub use terminal::Terminal;

/// One thing to tell the user, already worded.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The event's kind in snake_case (`alert`, `break_due`, `away`, ...).
    pub kind: String,
    /// Short headline for a notification.
    pub title: String,
    /// The full message, with the suggestion.
    pub body: String,
    /// Whether this deserves the user's attention now (alerts and break reminders) rather
    /// than being a status change.
    pub urgent: bool,
    /// The event as JSON, for `--json` and the command hook.
    pub json: serde_json::Value,
}

/// Something that delivers notices.
pub trait AlertSink: Send {
    fn deliver(&mut self, notice: &Notice);
}

/// `--json`: one JSON object per event on stdout.
pub struct JsonLines<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLines<W> {
    pub fn new(out: W) -> JsonLines<W> {
        JsonLines { out }
    }
}

impl<W: Write + Send> AlertSink for JsonLines<W> {
    fn deliver(&mut self, notice: &Notice) {
        let ok = serde_json::to_writer(&mut self.out, &notice.json).is_ok()
            && writeln!(self.out).is_ok()
            && self.out.flush().is_ok();
        if !ok {
            tracing::debug!("stdout closed; JSON event dropped");
        }
    }
}

/// Delivers to every sink in turn.
#[derive(Default)]
pub struct Fanout {
    sinks: Vec<Box<dyn AlertSink>>,
}

impl Fanout {
    pub fn push(&mut self, sink: Box<dyn AlertSink>) {
        self.sinks.push(sink);
    }

    pub fn deliver(&mut self, notice: &Notice) {
        for sink in &mut self.sinks {
            sink.deliver(notice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_writes_one_object_per_notice() {
        let mut buf = Vec::new();
        {
            let mut sink = JsonLines::new(&mut buf);
            for kind in ["alert", "away"] {
                sink.deliver(&Notice {
                    kind: kind.into(),
                    title: String::new(),
                    body: String::new(),
                    urgent: false,
                    json: serde_json::json!({ "event": kind, "t_s": 1.5 }),
                });
            }
        }
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["event"], "away");
    }
}
