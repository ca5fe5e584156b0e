//! Raw camera buffers to RGB: MJPEG through the `image` crate's JPEG decoder, and the
//! uncompressed layouts V4L2 cameras offer (YUYV 4:2:2, NV12 4:2:0, RGB24, BGR24, 8-bit grey).
//! Every function here is pure; a buffer that does not hold a whole frame is an error, never a
//! panic, because cameras do hand on truncated frames now and then.

use image::RgbImage;

/// How a raw frame's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Motion JPEG: each frame a complete JPEG image.
    Mjpeg,
    /// YUV 4:2:2 packed as Y0 U Y1 V, two bytes a pixel.
    Yuyv,
    /// YUV 4:2:0: a full Y plane, then one interleaved U V plane at half size both ways.
    Nv12,
    /// 8-bit R G B.
    Rgb24,
    /// 8-bit B G R.
    Bgr24,
    /// 8-bit luma only.
    Gray,
}

impl std::fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PixelFormat::Mjpeg => "MJPEG",
            PixelFormat::Yuyv => "YUYV",
            PixelFormat::Nv12 => "NV12",
            PixelFormat::Rgb24 => "RGB24",
            PixelFormat::Bgr24 => "BGR24",
            PixelFormat::Gray => "GREY",
        })
    }
}

/// One frame as the camera delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    pub format: PixelFormat,
    /// The size the camera was set to; a JPEG frame's own header wins over it.
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Why a raw frame could not be turned into an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PixelError {
    #[error("{format} frame of {width}x{height} needs {needed} bytes, got {got}")]
    Short { format: PixelFormat, width: u32, height: u32, needed: usize, got: usize },

    #[error("{format} frame size {width}x{height} is not usable")]
    BadSize { format: PixelFormat, width: u32, height: u32 },

    #[error("truncated JPEG frame ({0})")]
    TruncatedJpeg(&'static str),

    #[error("JPEG frame does not decode: {0}")]
    Jpeg(String),
}

/// Decodes a raw frame to RGB.
pub fn decode(raw: &RawFrame) -> Result<RgbImage, PixelError> {
    let (w, h, data) = (raw.width, raw.height, raw.data.as_slice());
    match raw.format {
        PixelFormat::Mjpeg => mjpeg_to_rgb(data),
        PixelFormat::Yuyv => yuyv_to_rgb(data, w, h),
        PixelFormat::Nv12 => nv12_to_rgb(data, w, h),
        PixelFormat::Rgb24 => packed_to_rgb(data, w, h, PixelFormat::Rgb24),
        PixelFormat::Bgr24 => packed_to_rgb(data, w, h, PixelFormat::Bgr24),
        PixelFormat::Gray => packed_to_rgb(data, w, h, PixelFormat::Gray),
    }
}

/// Decodes one MJPEG frame. The decoder is lenient and would fill a truncated frame with grey,
/// so the frame must also start with the JPEG start marker and carry an end marker; a camera
/// may pad the buffer after the end marker, which is allowed.
pub fn mjpeg_to_rgb(data: &[u8]) -> Result<RgbImage, PixelError> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(PixelError::TruncatedJpeg("no start marker"));
    }
    // In entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so an
    // FF D9 pair can only be the end marker (webcams put no thumbnails in their frames).
    if !data[2..].windows(2).rev().any(|w| w == [0xFF, 0xD9]) {
        return Err(PixelError::TruncatedJpeg("no end marker"));
    }
    image::load_from_memory_with_format(data, image::ImageFormat::Jpeg)
        .map(|i| i.into_rgb8())
        .map_err(|e| PixelError::Jpeg(e.to_string()))
}

/// The bytes a `width` x `height` frame needs, checked against what arrived.
fn check_len(
    data: &[u8],
    format: PixelFormat,
    width: u32,
    height: u32,
    bytes_per_2x2: usize,
) -> Result<usize, PixelError> {
    let pixels = (width as usize).checked_mul(height as usize);
    let needed = pixels.and_then(|p| p.checked_mul(bytes_per_2x2)).map(|b| b / 4);
    match needed {
        Some(needed) if width > 0 && height > 0 => {
            if data.len() < needed {
                Err(PixelError::Short { format, width, height, needed, got: data.len() })
            } else {
                Ok(needed)
            }
        }
        _ => Err(PixelError::BadSize { format, width, height }),
    }
}

/// YUV (BT.601, limited range, as UVC webcams send it) to RGB, in integer arithmetic.
pub fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = 298 * (i32::from(y) - 16);
    let d = i32::from(u) - 128;
    let e = i32::from(v) - 128;
    let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
    [clamp(c + 409 * e), clamp(c - 100 * d - 208 * e), clamp(c + 516 * d)]
}

/// YUYV 4:2:2 (Y0 U Y1 V: two pixels share one U and V) to RGB. Width must be even.
pub fn yuyv_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, PixelError> {
    let format = PixelFormat::Yuyv;
    if !width.is_multiple_of(2) {
        return Err(PixelError::BadSize { format, width, height });
    }
    let needed = check_len(data, format, width, height, 8)?;
    let mut rgb = Vec::with_capacity(needed / 2 * 3);
    for q in data[..needed].chunks_exact(4) {
        let (y0, u, y1, v) = (q[0], q[1], q[2], q[3]);
        rgb.extend_from_slice(&yuv_to_rgb(y0, u, v));
        rgb.extend_from_slice(&yuv_to_rgb(y1, u, v));
    }
    RgbImage::from_raw(width, height, rgb).ok_or(PixelError::BadSize { format, width, height })
}

/// NV12 (a Y plane, then U V pairs for each 2x2 block) to RGB. Width and height must be even.
pub fn nv12_to_rgb(data: &[u8], width: u32, height: u32) -> Result<RgbImage, PixelError> {
    let format = PixelFormat::Nv12;
    if !width.is_multiple_of(2) || !height.is_multiple_of(2) {
        return Err(PixelError::BadSize { format, width, height });
    }
    check_len(data, format, width, height, 6)?;
    let (w, h) = (width as usize, height as usize);
    let (luma, chroma) = data.split_at(w * h);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for row in 0..h {
        let uv_row = &chroma[(row / 2) * w..(row / 2) * w + w];
        for (col, &y) in luma[row * w..row * w + w].iter().enumerate() {
            let uv = (col / 2) * 2;
            rgb.extend_from_slice(&yuv_to_rgb(y, uv_row[uv], uv_row[uv + 1]));
        }
    }
    RgbImage::from_raw(width, height, rgb).ok_or(PixelError::BadSize { format, width, height })
}

/// RGB24, BGR24 or grey to RGB.
fn packed_to_rgb(
    data: &[u8],
    width: u32,
    height: u32,
    format: PixelFormat,
) -> Result<RgbImage, PixelError> {
    let bytes_per_2x2 = if format == PixelFormat::Gray { 4 } else { 12 };
    let needed = check_len(data, format, width, height, bytes_per_2x2)?;
    let data = &data[..needed];
    let rgb = match format {
        PixelFormat::Bgr24 => data.chunks_exact(3).flat_map(|p| [p[2], p[1], p[0]]).collect(),
        PixelFormat::Gray => data.iter().flat_map(|&g| [g, g, g]).collect(),
        _ => data.to_vec(),
    };
    RgbImage::from_raw(width, height, rgb).ok_or(PixelError::BadSize { format, width, height })
}

/// Encodes an image as a JPEG: test frames for the fake camera, and the frames
/// `knotless record` writes.
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(image)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLACK: [u8; 3] = [0, 0, 0];
    const WHITE: [u8; 3] = [255, 255, 255];

    #[test]
    fn yuv_reference_colours() {
        // BT.601 limited range: Y 16..235, chroma centred on 128.
        assert_eq!(yuv_to_rgb(16, 128, 128), BLACK);
        assert_eq!(yuv_to_rgb(235, 128, 128), WHITE);
        assert_eq!(yuv_to_rgb(126, 128, 128), [128, 128, 128]);
        // Full red, green and blue as a BT.601 encoder writes them.
        assert_eq!(yuv_to_rgb(81, 90, 240), [255, 0, 0]);
        let [r, g, b] = yuv_to_rgb(145, 54, 34);
        assert!(r <= 1 && g >= 254 && b <= 1, "{r} {g} {b}");
        let [r, g, b] = yuv_to_rgb(41, 240, 110);
        assert!(r <= 1 && g <= 1 && b >= 254, "{r} {g} {b}");
        // Out-of-range inputs clamp instead of wrapping.
        assert_eq!(yuv_to_rgb(0, 128, 128), BLACK);
        assert_eq!(yuv_to_rgb(255, 128, 128), WHITE);
    }

    #[test]
    fn yuyv_pairs_share_chroma() {
        // 2x2: a black and a white pixel on each row, neutral chroma; second row red.
        let data = [16, 128, 235, 128, 81, 90, 81, 240];
        let img = yuyv_to_rgb(&data, 2, 2).unwrap();
        assert_eq!(img.get_pixel(0, 0).0, BLACK);
        assert_eq!(img.get_pixel(1, 0).0, WHITE);
        assert_eq!(img.get_pixel(0, 1).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(1, 1).0, [255, 0, 0]);
    }

    #[test]
    fn yuyv_rejects_short_and_odd_frames() {
        let err = yuyv_to_rgb(&[0; 7], 2, 2).unwrap_err();
        assert!(matches!(err, PixelError::Short { needed: 8, got: 7, .. }), "{err}");
        assert!(matches!(yuyv_to_rgb(&[0; 12], 3, 2), Err(PixelError::BadSize { .. })));
        assert!(matches!(yuyv_to_rgb(&[], 0, 0), Err(PixelError::BadSize { .. })));
        // Padding after the frame (some drivers round buffers up) is ignored.
        assert_eq!(yuyv_to_rgb(&[16, 128, 16, 128, 0, 0], 2, 1).unwrap().dimensions(), (2, 1));
    }

    #[test]
    fn nv12_uses_one_chroma_pair_per_2x2_block() {
        // 4x2: luma white, black, white, black; left block neutral, right block red chroma.
        let data = [235, 16, 235, 16, 235, 16, 235, 16, 128, 128, 90, 240];
        let img = nv12_to_rgb(&data, 4, 2).unwrap();
        assert_eq!(img.get_pixel(0, 1).0, WHITE);
        assert_eq!(img.get_pixel(1, 0).0, BLACK);
        assert_eq!(img.get_pixel(3, 1).0, [179, 0, 0], "red chroma on dark luma");
        assert!(matches!(nv12_to_rgb(&data[..11], 4, 2), Err(PixelError::Short { .. })));
        assert!(matches!(nv12_to_rgb(&data, 4, 3), Err(PixelError::BadSize { .. })));
    }

    #[test]
    fn packed_formats() {
        let raw = |format, data: Vec<u8>| RawFrame { format, width: 2, height: 1, data };
        let rgb = decode(&raw(PixelFormat::Rgb24, vec![1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(rgb.into_raw(), vec![1, 2, 3, 4, 5, 6]);
        let bgr = decode(&raw(PixelFormat::Bgr24, vec![1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(bgr.into_raw(), vec![3, 2, 1, 6, 5, 4]);
        let grey = decode(&raw(PixelFormat::Gray, vec![7, 9])).unwrap();
        assert_eq!(grey.into_raw(), vec![7, 7, 7, 9, 9, 9]);
        assert!(decode(&raw(PixelFormat::Rgb24, vec![1, 2, 3])).is_err());
    }

    fn test_jpeg() -> Vec<u8> {
        let img = RgbImage::from_fn(32, 16, |x, y| image::Rgb([x as u8 * 8, y as u8 * 16, 128]));
        encode_jpeg(&img, 90).unwrap()
    }

    #[test]
    fn mjpeg_decodes_and_its_size_wins() {
        let raw =
            RawFrame { format: PixelFormat::Mjpeg, width: 640, height: 480, data: test_jpeg() };
        assert_eq!(decode(&raw).unwrap().dimensions(), (32, 16));
        // Zero padding after the end marker is fine.
        let mut padded = test_jpeg();
        padded.extend_from_slice(&[0; 100]);
        assert_eq!(mjpeg_to_rgb(&padded).unwrap().dimensions(), (32, 16));
    }

    #[test]
    fn truncated_or_garbage_mjpeg_is_an_error() {
        let jpeg = test_jpeg();
        for cut in [jpeg.len() - 2, jpeg.len() / 2, 10, 1, 0] {
            let err = mjpeg_to_rgb(&jpeg[..cut]).unwrap_err();
            assert!(matches!(err, PixelError::TruncatedJpeg(_)), "cut at {cut}: {err}");
        }
        let mut garbage = vec![0xFF, 0xD8];
        garbage.extend_from_slice(&[0x55; 64]);
        garbage.extend_from_slice(&[0xFF, 0xD9]);
        assert!(matches!(mjpeg_to_rgb(&garbage), Err(PixelError::Jpeg(_))));
    }
}
