//! knotless: a webcam desk-posture monitor.
//!
//! Frames come from a [`capture`] source; [`pose`] finds the person's keypoints; [`posture`]
//! turns them into measures and judges them against the user's calibrated baseline; [`coach`]
//! decides over time when sustained bad posture deserves an alert and which stretch to suggest;
//! [`alert`] delivers it; [`monitor`] wires these into the live pipeline; [`store`] keeps the
//! history that [`report`] summarises; [`lock`] keeps to one monitor per data folder; [`config`]
//! holds the settings, [`display`] the names users see, and [`cli`] the commands.
//! No frame is ever stored or sent anywhere.

pub mod alert;
pub mod capture;
pub mod cli;
pub mod coach;
pub mod config;
pub mod display;
pub mod lock;
pub mod monitor;
pub mod pause;
pub mod pose;
pub mod posture;
pub mod report;
pub mod store;
