//! Reading one image file (a photo for `knotless pose`, a frame of a recorded session).

use std::path::Path;

use image::{ImageFormat, RgbImage};

/// Why an image file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImageFileError {
    #[error("no such file")]
    Missing,
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a JPEG or PNG image")]
    NotAnImage,
    #[error("not a readable image (corrupt or truncated?): {0}")]
    Corrupt(image::ImageError),
    #[error("truncated JPEG: the end-of-image marker is missing")]
    Truncated,
}

/// Reads a JPEG or PNG file as RGB, telling the format from the file's content rather than
/// its name.
pub fn read_rgb(path: &Path) -> Result<RgbImage, ImageFileError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ImageFileError::Missing,
        _ => ImageFileError::Io(e),
    })?;
    decode_rgb(&bytes)
}

/// Decodes JPEG or PNG bytes as RGB.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, ImageFileError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => return Err(ImageFileError::NotAnImage),
    };
    // The JPEG decoder fills in a cut-off image with grey rather than failing; a frame cut off
    // in transfer must not be analysed as if it were whole.
    if format == ImageFormat::Jpeg && !has_jpeg_end_marker(bytes) {
        return Err(ImageFileError::Truncated);
    }
    image::load_from_memory_with_format(bytes, format)
        .map(|i| i.into_rgb8())
        .map_err(ImageFileError::Corrupt)
}

/// Whether JPEG data ends with the end-of-image marker (some cameras pad frames with zeros).
fn has_jpeg_end_marker(bytes: &[u8]) -> bool {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes[..end].ends_with(&[0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert!(matches!(decode_rgb(b"hello, not an image"), Err(ImageFileError::NotAnImage)));
        let mut png = Vec::new();
        RgbImage::new(3, 2)
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        assert_eq!(decode_rgb(&png).unwrap().dimensions(), (3, 2));
        assert!(matches!(decode_rgb(&png[..png.len() / 2]), Err(ImageFileError::Corrupt(_))));
    }

    #[test]
    fn a_cut_off_jpeg_is_refused() {
        let mut jpeg = Vec::new();
        RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]))
            .write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        assert!(decode_rgb(&jpeg).is_ok());
        let mut padded = jpeg.clone();
        padded.extend([0u8; 16]);
        assert!(decode_rgb(&padded).is_ok());
        assert!(matches!(decode_rgb(&jpeg[..jpeg.len() * 2 / 3]), Err(ImageFileError::Truncated)));
    }
}
