//! knotless: a webcam desk-posture monitor.
//!
//! [`pose`] finds the person's keypoints in a frame; the command line lives in [`cli`].
//! No frame is ever stored or sent anywhere.

pub mod alert;
pub mod capture;
pub mod cli;
pub mod pause;
pub mod pose;
pub mod report;
pub mod store;
