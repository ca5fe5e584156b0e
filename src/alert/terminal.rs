//! The terminal: each notice on its own line (stderr), and, when stderr is a terminal, a
//! compact live status line that is redrawn in place.

use std::io::{IsTerminal, Write};

use super::{AlertSink, Notice};

pub struct Terminal {
    live: bool,
    colour: bool,
    status_shown: bool,
}

impl Terminal {
    pub fn new() -> Terminal {
        let live = std::io::stderr().is_terminal();
        let colour = live && std::env::var_os("NO_COLOR").is_none();
        Terminal { live, colour, status_shown: false }
    }

    /// Redraws the live status line (only when attached to a terminal).
    pub fn status(&mut self, line: &str) {
        if !self.live {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.status_shown = true;
    }

    fn clear_status(&mut self, err: &mut impl Write) {
        if self.status_shown {
            let _ = write!(err, "\r\x1b[2K");
            self.status_shown = false;
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal::new()
    }
}

impl AlertSink for Terminal {
    fn deliver(&mut self, notice: &Notice) {
        let mut err = std::io::stderr().lock();
        self.clear_status(&mut err);
        let line = if self.colour && notice.urgent {
            format!("\x1b[1;33m{}\x1b[0m", notice.body)
        } else {
            notice.body.clone()
        };
        let _ = writeln!(err, "{line}");
    }
}
