//! `knotless record DIR`: keeps webcam frames as a session folder (`NNNNNN.jpg` plus
//! `frames.csv`) to replay later or attach to a bug report, from the camera `[camera]` names
//! (`--camera` and `--fps` override it). Stops after `--seconds` or on Ctrl-C, with the index
//! complete either way.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use super::GlobalArgs;
use super::settings::Settings;
use crate::capture::camera::LostCause;
use crate::capture::writer::{self, RecordError, RecordLimits, SessionWriter};
use crate::capture::{CaptureError, Stopper, open_camera};
use crate::config::CameraConfig;

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Folder to write the session into; created if needed.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Stop after this many seconds [default: at Ctrl-C].
    #[arg(long, value_name = "N")]
    pub seconds: Option<f64>,

    /// Frames a second to keep [default: camera.fps from the config].
    #[arg(long, value_name = "F")]
    pub fps: Option<f32>,

    /// The camera: its index, or part of its name (see `knotless devices`) [default:
    /// camera.name, else camera.index from the config].
    #[arg(long, value_name = "INDEX|NAME")]
    pub camera: Option<String>,

    /// Write into DIR even though it is not empty.
    #[arg(long)]
    pub force: bool,
}

pub fn run(global: &GlobalArgs, args: RecordArgs) -> Result<ExitCode> {
    let mut settings = Settings::load(global)?;
    if let Some(camera) = &args.camera {
        settings.set_keys_by_flag("--camera", &["camera.index", "camera.name"], |c| {
            choose_camera(&mut c.camera, camera);
        })?;
    }
    if let Some(fps) = args.fps {
        settings.set_by_flag("--fps", "camera.fps", |c| c.camera.fps = fps)?;
    }
    let fps = f64::from(settings.config.camera.fps);
    let limit = match args.seconds {
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => bail!("--seconds must be a positive number, not {s}"),
        None => None,
    };
    let settings = super::calibrate::camera_settings(&settings.config);
    let mut source = open_camera(&settings).map_err(camera_error)?;
    let mut session = SessionWriter::create(&args.dir, args.force).map_err(|e| match e {
        RecordError::NotEmpty { dir } => anyhow!(
            "{} is not empty; choose an empty folder, or pass --force to write into it",
            dir.display()
        ),
        e => anyhow!(e).context("could not start the session folder"),
    })?;
    stop_on_ctrl_c_or_timeout(source.stopper(), limit)?;
    eprintln!(
        "recording camera {} to {} at {} fps; Ctrl-C stops",
        settings.label(),
        args.dir.display(),
        fps
    );
    let limits = RecordLimits {
        max_ms: limit.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        fps: Some(fps),
    };
    let summary = writer::record(&mut source, &mut session, limits)
        .with_context(|| format!("recording into {} failed", args.dir.display()))?;
    session.finish().with_context(|| format!("could not finish {}", args.dir.display()))?;
    eprintln!(
        "{} frames over {:.1} s written to {}",
        summary.frames,
        summary.duration_ms as f64 / 1000.0,
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--camera`: a number is an index (and no name), anything else part of a name.
fn choose_camera(camera: &mut CameraConfig, flag: &str) {
    let flag = flag.trim();
    match flag.parse::<u32>() {
        Ok(index) => {
            camera.index = index;
            camera.name = None;
        }
        Err(_) => camera.name = Some(flag.to_string()),
    }
}

/// A camera that would not open, with the fix for its cause.
pub(super) fn camera_error(err: CaptureError) -> anyhow::Error {
    let hint = match &err {
        CaptureError::CameraOpen { cause: LostCause::Gone, .. } => {
            "; list cameras with `knotless devices`"
        }
        CaptureError::CameraOpen { cause: LostCause::Denied, .. } => {
            "; add yourself to the `video` group (sudo usermod -aG video $USER) and log in again"
        }
        _ => "",
    };
    anyhow!("{err}{hint}")
}

/// Ends the recording on Ctrl-C or when `limit` has passed, whichever comes first, even while
/// the camera is lost and no frame arrives.
fn stop_on_ctrl_c_or_timeout(stopper: Stopper, limit: Option<Duration>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not set up the Ctrl-C handler")?;
    std::thread::Builder::new()
        .name("record-stop".into())
        .spawn(move || {
            runtime.block_on(async move {
                let ctrl_c = async {
                    match tokio::signal::ctrl_c().await {
                        Ok(()) => eprintln!("stopping"),
                        Err(e) => {
                            tracing::warn!("Ctrl-C cannot stop the recording: {e}");
                            std::future::pending::<()>().await;
                        }
                    }
                };
                let timeout = async {
                    match limit {
                        Some(limit) => tokio::time::sleep(limit).await,
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    () = ctrl_c => {}
                    () = timeout => {}
                }
                stopper.stop();
            });
        })
        .context("could not start the stop timer")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_is_an_index_or_a_name() {
        let mut c = CameraConfig { name: Some("Integrated".into()), ..CameraConfig::default() };
        choose_camera(&mut c, "2");
        assert_eq!((c.index, c.name.as_deref()), (2, None));
        choose_camera(&mut c, " Logitech BRIO ");
        assert_eq!((c.index, c.name.as_deref()), (2, Some("Logitech BRIO")));
    }

    #[test]
    fn a_missing_camera_points_to_knotless_devices() {
        let err = CaptureError::CameraOpen {
            camera: "0".into(),
            cause: LostCause::Gone,
            detail: "no such device".into(),
        };
        assert_eq!(
            camera_error(err).to_string(),
            "could not open camera 0: no such device; list cameras with `knotless devices`"
        );
    }
}
