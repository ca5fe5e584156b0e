//! The names users see for the library's enums, in one place: messages, tables, JSON and the
//! history use these functions, never a `Debug` name.

use crate::pose::Backend;
use crate::posture::Level;

/// A pose model's name in prose: "BlazePose", "BlazePose lite", "MoveNet Lightning".
pub fn model_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Blazepose => "BlazePose",
        Backend::BlazeposeLite => "BlazePose lite",
        Backend::Movenet => "MoveNet Lightning",
    }
}

/// A pose model as `monitor.model` spells it; also what JSON output and the history record.
pub fn model_key(backend: Backend) -> &'static str {
    match backend {
        Backend::Blazepose => "blazepose",
        Backend::BlazeposeLite => "blazepose_lite",
        Backend::Movenet => "movenet",
    }
}

/// A pose model as `--model` spells it.
pub fn model_flag(backend: Backend) -> &'static str {
    match backend {
        Backend::Blazepose => "blazepose",
        Backend::BlazeposeLite => "blazepose-lite",
        Backend::Movenet => "movenet",
    }
}

/// A problem's level in one frame: "ok", "caution", "bad".
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Ok => "ok",
        Level::Caution => "caution",
        Level::Bad => "bad",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum as _;

    const BACKENDS: [Backend; 3] = [Backend::Blazepose, Backend::BlazeposeLite, Backend::Movenet];

    #[test]
    fn keys_and_flags_are_what_the_config_and_the_command_line_accept() {
        for backend in BACKENDS {
            let key = serde_json::to_value(backend).expect("serialises");
            assert_eq!(key.as_str(), Some(model_key(backend)));
            let flag = backend.to_possible_value().expect("a value");
            assert_eq!(flag.get_name(), model_flag(backend));
            assert!(!model_name(backend).contains("Blazepose"), "{}", model_name(backend));
        }
    }

    #[test]
    fn level_names_are_the_serialised_ones() {
        for level in [Level::Ok, Level::Caution, Level::Bad] {
            let name = serde_json::to_value(level).expect("serialises");
            assert_eq!(name.as_str(), Some(level_name(level)));
        }
    }
}
