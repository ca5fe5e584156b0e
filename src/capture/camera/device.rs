//! The real camera through nokhwa (V4L2 on Linux): finding it by index or name, choosing the
//! mode closest to what was asked, grabbing raw frames, and sorting driver errors into the
//! causes the capture thread acts on. Also the listing behind `knotless devices`.

use std::path::{Path, PathBuf};

use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};

use super::{CameraSettings, LostCause, PixelFormat, RawCamera, RawError, RawFrame};
use crate::capture::CaptureError;

/// The frame layouts [`super::pixels`] decodes, in order of preference.
const DECODABLE: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
    FrameFormat::GRAY,
];

fn pixel_format(format: FrameFormat) -> PixelFormat {
    match format {
        FrameFormat::MJPEG => PixelFormat::Mjpeg,
        FrameFormat::YUYV => PixelFormat::Yuyv,
        FrameFormat::NV12 => PixelFormat::Nv12,
        FrameFormat::RAWRGB => PixelFormat::Rgb24,
        FrameFormat::RAWBGR => PixelFormat::Bgr24,
        FrameFormat::GRAY => PixelFormat::Gray,
    }
}

/// Sorts a driver message into a cause, by the OS error text nokhwa passes on.
pub fn cause_of(message: &str) -> LostCause {
    let m = message.to_ascii_lowercase();
    if m.contains("busy") {
        LostCause::Busy
    } else if m.contains("permission denied") || m.contains("operation not permitted") {
        LostCause::Denied
    } else if m.contains("no such file")
        || m.contains("no such device")
        || m.contains("no camera")
        || m.contains("not found")
    {
        LostCause::Gone
    } else {
        LostCause::Failed
    }
}

fn raw_error(err: nokhwa::NokhwaError) -> RawError {
    // nokhwa wraps the OS error in "Could not open device N: V4L2 Error: ..."; the caller
    // names the camera already.
    let detail = match err {
        nokhwa::NokhwaError::OpenDeviceError(_, why) => {
            why.trim_start_matches("V4L2 Error: ").to_string()
        }
        other => other.to_string(),
    };
    RawError { cause: cause_of(&detail), detail }
}

/// The indices of the cameras whose name contains `wanted` (ignoring case), lowest first.
pub fn match_by_name(cameras: &[(u32, String)], wanted: &str) -> Vec<u32> {
    let wanted = wanted.to_lowercase();
    let mut found: Vec<u32> = cameras
        .iter()
        .filter(|(_, name)| name.to_lowercase().contains(&wanted))
        .map(|(index, _)| *index)
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The mode closest to `width` x `height` at `fps`: nearest size first, then the nearest
/// rate (a faster one is preferred to a slower one, as the thread throttles decoding), then
/// the preferred layout. `None` if the camera offers nothing we decode.
pub fn choose_format(
    formats: &[CameraFormat],
    width: u32,
    height: u32,
    fps: u32,
) -> Option<CameraFormat> {
    let rank = |f: FrameFormat| DECODABLE.iter().position(|d| *d == f);
    formats
        .iter()
        .filter_map(|f| rank(f.format()).map(|r| (f, r)))
        .min_by_key(|(f, r)| {
            let size = u64::from(f.width().abs_diff(width)).pow(2)
                + u64::from(f.height().abs_diff(height)).pow(2);
            let rate = if f.frame_rate() >= fps {
                u64::from(f.frame_rate() - fps)
            } else {
                // Slower than asked costs more than faster: the monitor would starve.
                u64::from(fps - f.frame_rate()) * 4
            };
            (size, rate, *r)
        })
        .map(|(f, _)| *f)
}

/// A camera nokhwa can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraListing {
    pub index: u32,
    pub name: String,
    pub description: String,
}

/// One mode a camera offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraMode {
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// The cameras on this machine, by index. Opens none of them.
pub fn list_cameras() -> Result<Vec<CameraListing>, CaptureError> {
    let found = nokhwa::query(ApiBackend::Auto)
        .map_err(|e| CaptureError::Camera { camera: "list".into(), reason: e.to_string() })?;
    let mut cameras: Vec<CameraListing> = found
        .iter()
        .filter_map(|info| {
            let index = info.index().as_index().ok()?;
            Some(CameraListing {
                index,
                name: info.human_name(),
                description: info.description().to_string(),
            })
        })
        .collect();
    cameras.sort_by_key(|c| c.index);
    Ok(cameras)
}

/// The modes camera `index` offers. This opens the camera (and may set its mode), so it fails
/// while another program streams from it.
pub fn camera_modes(index: u32) -> Result<Vec<CameraMode>, CaptureError> {
    let err = |e: nokhwa::NokhwaError| {
        let e = raw_error(e);
        CaptureError::CameraOpen { camera: index.to_string(), cause: e.cause, detail: e.detail }
    };
    let request = RequestedFormat::with_formats(RequestedFormatType::None, &DECODABLE);
    let mut camera = nokhwa::Camera::new(CameraIndex::Index(index), request).map_err(err)?;
    let mut modes: Vec<CameraMode> = camera
        .compatible_camera_formats()
        .map_err(err)?
        .into_iter()
        .map(|f| CameraMode {
            format: f.format().to_string(),
            width: f.width(),
            height: f.height(),
            fps: f.frame_rate(),
        })
        .collect();
    modes.sort_by(|a, b| {
        (&a.format, a.width, a.height, b.fps).cmp(&(&b.format, b.width, b.height, a.fps))
    });
    modes.dedup();
    Ok(modes)
}

/// The `video*` device nodes in `dev_dir` that exist but may not be opened: cameras hidden
/// by permissions (on Linux, the user is not in the `video` group). Opening a node only to
/// read its capabilities starts no stream.
pub fn unreadable_video_nodes(dev_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dev_dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("video")))
        .filter(|p| {
            std::fs::File::open(p).is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
        })
        .collect();
    nodes.sort();
    nodes
}

/// The real camera; created on the capture thread because `nokhwa::Camera` is not `Send`.
pub struct NokhwaCamera {
    settings: CameraSettings,
    camera: Option<nokhwa::Camera>,
}

impl NokhwaCamera {
    pub fn new(settings: CameraSettings) -> NokhwaCamera {
        NokhwaCamera { settings, camera: None }
    }

    /// The indices to try. A name is looked up on every opening: a camera plugged back in
    /// may come back under another index. A name can match several device nodes (UVC cameras
    /// add a metadata node), so each is tried in turn.
    fn candidates(&self) -> Result<Vec<u32>, RawError> {
        let Some(name) = &self.settings.name else {
            return Ok(vec![self.settings.index.unwrap_or(0)]);
        };
        let cameras = nokhwa::query(ApiBackend::Auto).map_err(raw_error)?;
        let named: Vec<(u32, String)> = cameras
            .iter()
            .filter_map(|c| Some((c.index().as_index().ok()?, c.human_name())))
            .collect();
        let found = match_by_name(&named, name);
        if found.is_empty() {
            return Err(RawError {
                cause: LostCause::Gone,
                detail: format!("no camera's name contains \"{name}\""),
            });
        }
        Ok(found)
    }

    fn open_index(&self, index: u32) -> Result<nokhwa::Camera, RawError> {
        let request = RequestedFormat::with_formats(RequestedFormatType::None, &DECODABLE);
        let mut camera =
            nokhwa::Camera::new(CameraIndex::Index(index), request).map_err(raw_error)?;
        let formats = camera.compatible_camera_formats().map_err(raw_error)?;
        let s = &self.settings;
        if let Some(best) = choose_format(&formats, s.width, s.height, s.fps)
            && best != camera.camera_format()
            && let Err(e) = camera.set_camera_requset(RequestedFormat::with_formats(
                RequestedFormatType::Exact(best),
                &DECODABLE,
            ))
        {
            let e = raw_error(e);
            if matches!(e.cause, LostCause::Busy | LostCause::Gone) {
                return Err(e);
            }
            tracing::warn!(
                camera = index,
                "could not set mode {best}, using {}: {}",
                camera.camera_format(),
                e.detail
            );
        }
        camera.open_stream().map_err(raw_error)?;
        tracing::info!(camera = index, name = %camera.info().human_name(), "streaming {}", camera.camera_format());
        Ok(camera)
    }
}

impl RawCamera for NokhwaCamera {
    fn open(&mut self) -> Result<(), RawError> {
        self.close();
        let mut first_error = None;
        for index in self.candidates()? {
            match self.open_index(index) {
                Ok(camera) => {
                    self.camera = Some(camera);
                    return Ok(());
                }
                Err(e) => {
                    tracing::debug!(camera = index, "could not open: {}", e.detail);
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error
            .unwrap_or_else(|| RawError { cause: LostCause::Gone, detail: "no camera".into() }))
    }

    fn grab(&mut self) -> Result<RawFrame, RawError> {
        let Some(camera) = self.camera.as_mut() else {
            return Err(RawError { cause: LostCause::Failed, detail: "camera is not open".into() });
        };
        let buffer = camera.frame().map_err(raw_error)?;
        let size = buffer.resolution();
        Ok(RawFrame {
            format: pixel_format(buffer.source_frame_format()),
            width: size.width(),
            height: size.height(),
            data: buffer.buffer().to_vec(),
        })
    }

    fn close(&mut self) {
        if let Some(mut camera) = self.camera.take()
            && let Err(e) = camera.stop_stream()
        {
            tracing::debug!("stopping the stream: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use nokhwa::utils::Resolution;

    use super::*;

    #[test]
    fn driver_messages_sort_into_causes() {
        let cases = [
            (
                "Could not open device 0: V4L2 Error: No such file or directory (os error 2)",
                LostCause::Gone,
            ),
            ("Could not capture frame: No such device (os error 19)", LostCause::Gone),
            (
                "Could not open device stream: Device or resource busy (os error 16)",
                LostCause::Busy,
            ),
            (
                "Could not open device 0: V4L2 Error: Permission denied (os error 13)",
                LostCause::Denied,
            ),
            ("Could not capture frame: Input/output error (os error 5)", LostCause::Failed),
        ];
        for (message, cause) in cases {
            assert_eq!(cause_of(message), cause, "{message}");
        }
    }

    #[test]
    fn readable_or_missing_nodes_need_no_hint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("video0"), "").unwrap();
        std::fs::write(dir.path().join("null"), "").unwrap();
        assert!(unreadable_video_nodes(dir.path()).is_empty());
        assert!(unreadable_video_nodes(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn names_match_case_insensitively_lowest_index_first() {
        let cams = [
            (2, "Logitech BRIO".to_string()),
            (0, "Integrated Camera: Integrated C".to_string()),
            (3, "Logitech BRIO".to_string()),
        ];
        assert_eq!(match_by_name(&cams, "brio"), [2, 3]);
        assert_eq!(match_by_name(&cams, "INTEGRATED"), [0]);
        assert!(match_by_name(&cams, "obs").is_empty());
    }

    fn mode(w: u32, h: u32, f: FrameFormat, fps: u32) -> CameraFormat {
        CameraFormat::new(Resolution::new(w, h), f, fps)
    }

    #[test]
    fn closest_mode_is_chosen() {
        let modes = [
            mode(1920, 1080, FrameFormat::MJPEG, 30),
            mode(640, 480, FrameFormat::YUYV, 30),
            mode(640, 480, FrameFormat::YUYV, 5),
            mode(640, 480, FrameFormat::MJPEG, 30),
            mode(320, 240, FrameFormat::YUYV, 5),
        ];
        assert_eq!(choose_format(&modes, 640, 480, 2), Some(modes[2]), "nearest rate above 2");
        assert_eq!(choose_format(&modes, 640, 480, 30), Some(modes[3]), "MJPEG wins a tie");
        assert_eq!(choose_format(&modes, 1600, 900, 30), Some(modes[0]));
        assert_eq!(choose_format(&modes, 600, 400, 15), Some(modes[3]), "faster beats slower");
        assert_eq!(choose_format(&modes[..3], 600, 400, 15), Some(modes[1]));
        assert_eq!(choose_format(&[], 640, 480, 2), None);
    }
}
