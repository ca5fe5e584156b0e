//! `knotless devices`: the cameras knotless can see, by index and name, marking the one
//! `[camera]` in the config chooses, and with `--formats` the modes each offers. With none,
//! says so (exit 0) and, where video devices exist but may not be opened, how to get
//! permission.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::GlobalArgs;
use super::settings::Settings;
use crate::capture::camera::{self, CameraMode};
use crate::config::CameraConfig;

#[derive(Debug, clap::Args)]
pub struct DevicesArgs {
    /// Also open each camera to list its modes (format, size, frame rates). This fails for a
    /// camera another program is using.
    #[arg(long)]
    pub formats: bool,
}

pub fn run(global: &GlobalArgs, args: DevicesArgs) -> Result<ExitCode> {
    let settings = Settings::load(global)?;
    let cameras = camera::list_cameras().context("could not list cameras")?;
    let chosen = cameras.iter().position(|c| is_configured(&settings.config.camera, c));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if cameras.is_empty() {
        writeln!(out, "no cameras found")?;
    }
    for (i, cam) in cameras.iter().enumerate() {
        let mark = if chosen == Some(i) { "  [the configured camera]" } else { "" };
        writeln!(out, "{}: {} ({}){mark}", cam.index, cam.name, cam.description)?;
        if args.formats {
            match camera::camera_modes(cam.index) {
                Ok(modes) if modes.is_empty() => writeln!(out, "    no mode knotless can use")?,
                Ok(modes) => {
                    for line in mode_lines(&modes) {
                        writeln!(out, "    {line}")?;
                    }
                }
                Err(e) => writeln!(out, "    modes unknown: {e}")?,
            }
        }
    }
    let unreadable = camera::unreadable_video_nodes(Path::new("/dev"));
    if let Some(first) = unreadable.first() {
        writeln!(
            out,
            "hint: {} cannot be opened (permission denied); add yourself to the `video` group \
             (sudo usermod -aG video $USER) and log in again",
            first.display()
        )?;
    } else if cameras.is_empty() && cfg!(target_os = "linux") {
        writeln!(out, "hint: there is no /dev/video* device; is a webcam plugged in?")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `[camera]` chooses this camera: by part of its name when `name` is set (the first
/// match), else by index.
fn is_configured(config: &CameraConfig, cam: &camera::CameraListing) -> bool {
    match &config.name {
        Some(name) => cam.name.to_lowercase().contains(&name.to_lowercase()),
        None => cam.index == config.index,
    }
}

/// One line per format and size, with its frame rates fastest first.
fn mode_lines(modes: &[CameraMode]) -> Vec<String> {
    let mut rates: BTreeMap<(&str, u32, u32), Vec<u32>> = BTreeMap::new();
    for m in modes {
        rates.entry((m.format.as_str(), m.width, m.height)).or_default().push(m.fps);
    }
    rates
        .into_iter()
        .map(|((format, w, h), mut fps)| {
            fps.sort_unstable_by(|a, b| b.cmp(a));
            fps.dedup();
            let fps: Vec<String> = fps.iter().map(u32::to_string).collect();
            format!("{format} {w}x{h} at {} fps", fps.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_grouped_by_format_and_size() {
        let m = |format: &str, width, height, fps| CameraMode {
            format: format.into(),
            width,
            height,
            fps,
        };
        let modes = [m("YUYV", 640, 480, 5), m("MJPEG", 1280, 720, 30), m("YUYV", 640, 480, 30)];
        assert_eq!(mode_lines(&modes), ["MJPEG 1280x720 at 30 fps", "YUYV 640x480 at 30, 5 fps"]);
    }
}
