//! The user's own command, run for every urgent notice (`[alerts] command` in the config):
//! through `sh -c`, with the event as JSON on stdin and in `KNOTLESS_EVENT_JSON`, its kind in
//! `KNOTLESS_EVENT` and its message in `KNOTLESS_MESSAGE`. Runs on its own thread; a command
//! that fails is logged, never fatal.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{AlertSink, Notice};

pub struct CommandHook {
    command: String,
}

impl CommandHook {
    pub fn new(command: impl Into<String>) -> CommandHook {
        CommandHook { command: command.into() }
    }
}

impl AlertSink for CommandHook {
    fn deliver(&mut self, notice: &Notice) {
        if !notice.urgent {
            return;
        }
        let command = self.command.clone();
        let json = notice.json.to_string();
        let (kind, body) = (notice.kind.clone(), notice.body.clone());
        let run = move || {
            let child = Command::new("sh")
                .args(["-c", &command])
                .env("KNOTLESS_EVENT", &kind)
                .env("KNOTLESS_MESSAGE", &body)
                .env("KNOTLESS_EVENT_JSON", &json)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn();
            let result = child.and_then(|mut c| {
                if let Some(mut stdin) = c.stdin.take() {
                    let _ = stdin.write_all(json.as_bytes());
                }
                c.wait()
            });
            match result {
                Ok(s) if s.success() => {}
                Ok(s) => tracing::warn!("alert command `{command}` exited with {s}"),
                Err(e) => tracing::warn!("alert command `{command}` could not run: {e}"),
            }
        };
        if let Err(e) = std::thread::Builder::new().name("alert-command".into()).spawn(run) {
            tracing::warn!("could not start the alert command: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hook_gets_the_event_on_stdin_and_in_its_environment() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("got");
        let mut hook = CommandHook::new(format!(
            "cat > '{0}.json'; printf '%s' \"$KNOTLESS_EVENT\" > '{0}'",
            out.display()
        ));
        hook.deliver(&Notice {
            kind: "break_due".into(),
            title: "Break".into(),
            body: "Time to stand up".into(),
            urgent: true,
            json: serde_json::json!({"event": "break_due"}),
        });
        for _ in 0..300 {
            if std::fs::read_to_string(&out).is_ok_and(|s| s == "break_due") {
                let json = std::fs::read_to_string(out.with_extension("json")).unwrap();
                assert!(json.contains("\"break_due\""));
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("hook did not run");
    }
}
