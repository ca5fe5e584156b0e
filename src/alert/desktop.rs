//! Desktop notifications through `notify-send` (libnotify), where a notification service
//! exists. Best-effort: sent from a short-lived thread so a slow or missing service never holds
//! up the monitor; the first failure is logged and notifications are then switched off.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{AlertSink, Notice};

pub struct DesktopNotifier {
    program: String,
    disabled: Arc<AtomicBool>,
}

impl DesktopNotifier {
    /// A notifier using `notify-send`, or `None` when no desktop session is there to show it.
    pub fn detect() -> Option<DesktopNotifier> {
        let has_display = ["DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        has_display.then(|| DesktopNotifier::with_program("notify-send"))
    }

    pub fn with_program(program: &str) -> DesktopNotifier {
        DesktopNotifier { program: program.to_string(), disabled: Arc::new(AtomicBool::new(false)) }
    }
}

impl AlertSink for DesktopNotifier {
    fn deliver(&mut self, notice: &Notice) {
        if !notice.urgent || self.disabled.load(Ordering::Relaxed) {
            return;
        }
        let (program, disabled) = (self.program.clone(), self.disabled.clone());
        let (title, body) = (notice.title.clone(), notice.body.clone());
        let spawned = std::thread::Builder::new().name("notify".into()).spawn(move || {
            let status = Command::new(&program)
                .args(["--app-name=knotless", "--expire-time=15000", &title, &body])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if !matches!(status, Ok(s) if s.success()) && !disabled.swap(true, Ordering::Relaxed) {
                tracing::info!(
                    "desktop notifications unavailable ({program}); alerts stay in the terminal"
                );
            }
        });
        if spawned.is_err() {
            self.disabled.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_notifier_switches_itself_off_without_failing() {
        let mut n = DesktopNotifier::with_program("knotless-no-such-notifier");
        let notice = Notice {
            kind: "alert".into(),
            title: "t".into(),
            body: "b".into(),
            urgent: true,
            json: serde_json::Value::Null,
        };
        n.deliver(&notice);
        for _ in 0..200 {
            if n.disabled.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("notifier did not switch itself off");
    }
}
