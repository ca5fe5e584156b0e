//! knotless: a webcam desk-posture monitor.
//!
//! [`pose`] finds the person's keypoints in a frame, [`posture`] turns them into measures and
//! assesses them against the user's baseline, [`coach`] decides over time when to speak up and
//! what to suggest, [`config`] holds the settings; the command line lives in [`cli`].
//! No frame is ever stored or sent anywhere.

pub mod alert;
pub mod capture;
pub mod cli;
pub mod coach;
pub mod config;
pub mod monitor;
pub mod pause;
pub mod pose;
pub mod posture;
pub mod report;
pub mod store;
