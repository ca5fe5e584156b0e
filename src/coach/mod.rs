//! Coaching over time: when a posture problem has lasted long enough to mention, when to
//! suggest a break, whether anyone is there, and what stretch to offer.

mod config;
pub mod stretches;
mod window;

pub use config::{CoachConfig, ConfigError};
pub use stretches::{Kind, Rotation, Suggestion, Target};
