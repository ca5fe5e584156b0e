//! Pure image-to-tensor steps shared by the backends: letterboxing into a square and cropping a
//! rotated square, both as one affine warp with bilinear sampling.
//!
//! Conventions: pixel (i, j) covers [i, i+1) x [j, j+1), so its centre is at (i + 0.5, j + 0.5).
//! Tensors are NHWC with RGB channels. Outside the source image, samples are black or repeat
//! the nearest edge pixel ([`Border`]), as MediaPipe does for each model.

use image::RgbImage;

/// Maps output (tensor) pixel coordinates to source image pixel coordinates:
/// `x = xx * u + xy * v + x0`, `y = yx * u + yy * v + y0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub xx: f32,
    pub xy: f32,
    pub x0: f32,
    pub yx: f32,
    pub yy: f32,
    pub y0: f32,
}

impl Affine {
    pub fn apply(&self, u: f32, v: f32) -> (f32, f32) {
        (self.xx * u + self.xy * v + self.x0, self.yx * u + self.yy * v + self.y0)
    }
}

/// What a sample outside the source image takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Border {
    /// Black (the letterbox padding of the detectors).
    Zero,
    /// The nearest edge pixel (MediaPipe's default for region crops).
    Replicate,
}

/// How an image was fitted into a square tensor: scaled by `scale` and offset by the padding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    pub side: u32,
    pub scale: f32,
    pub pad_x: f32,
    pub pad_y: f32,
}

impl Letterbox {
    /// Fits a `width` x `height` image centred into a `side` x `side` square.
    pub fn fit(width: u32, height: u32, side: u32) -> Letterbox {
        let scale = side as f32 / width.max(height).max(1) as f32;
        Letterbox {
            side,
            scale,
            pad_x: (side as f32 - width as f32 * scale) / 2.0,
            pad_y: (side as f32 - height as f32 * scale) / 2.0,
        }
    }

    /// Tensor pixel coordinates to image pixel coordinates.
    pub fn to_image(&self, u: f32, v: f32) -> (f32, f32) {
        ((u - self.pad_x) / self.scale, (v - self.pad_y) / self.scale)
    }

    pub fn affine(&self) -> Affine {
        Affine {
            xx: 1.0 / self.scale,
            xy: 0.0,
            x0: -self.pad_x / self.scale,
            yx: 0.0,
            yy: 1.0 / self.scale,
            y0: -self.pad_y / self.scale,
        }
    }
}

/// A rotated square region of the image, in pixels; `rotation` in radians, clockwise on screen
/// (y grows downward), as MediaPipe defines it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub size: f32,
    pub rotation: f32,
}

impl Roi {
    /// Maps a point given in crop units (0..1 across the crop) to image pixels.
    pub fn to_image(&self, a: f32, b: f32) -> (f32, f32) {
        let (s, c) = self.rotation.sin_cos();
        let (dx, dy) = ((a - 0.5) * self.size, (b - 0.5) * self.size);
        (self.cx + c * dx - s * dy, self.cy + s * dx + c * dy)
    }

    /// The affine map from a `side` x `side` crop's pixel coordinates to image pixels.
    pub fn affine(&self, side: u32) -> Affine {
        let (s, c) = self.rotation.sin_cos();
        let k = self.size / side as f32;
        // x = cx + c*(u*k - size/2) - s*(v*k - size/2)
        Affine {
            xx: c * k,
            xy: -s * k,
            x0: self.cx - (c - s) * self.size / 2.0,
            yx: s * k,
            yy: c * k,
            y0: self.cy - (s + c) * self.size / 2.0,
        }
    }
}

/// Warps `src` through `map` into a `side` x `side` NHWC f32 tensor, mapping 0..255 to
/// `lo..hi`. `out` is cleared and reused.
pub fn warp_f32(
    src: &RgbImage,
    side: u32,
    map: &Affine,
    border: Border,
    (lo, hi): (f32, f32),
    out: &mut Vec<f32>,
) {
    let k = (hi - lo) / 255.0;
    out.clear();
    out.reserve(side as usize * side as usize * 3);
    warp(src, side, map, border, |rgb| out.extend(rgb.iter().map(|&c| lo + c * k)));
}

/// Warps `src` through `map` into a `side` x `side` NHWC i32 tensor of 0..255 values.
pub fn warp_i32(src: &RgbImage, side: u32, map: &Affine, border: Border, out: &mut Vec<i32>) {
    out.clear();
    out.reserve(side as usize * side as usize * 3);
    warp(src, side, map, border, |rgb| out.extend(rgb.iter().map(|&c| c.round() as i32)));
}

/// Bilinear sampling of every output pixel centre, row by row.
fn warp(src: &RgbImage, side: u32, map: &Affine, border: Border, mut emit: impl FnMut([f32; 3])) {
    let (w, h) = (src.width() as i64, src.height() as i64);
    let data = src.as_raw();
    let texel = |x: i64, y: i64| -> [f32; 3] {
        let inside = x >= 0 && y >= 0 && x < w && y < h;
        if w == 0 || h == 0 || (!inside && border == Border::Zero) {
            return [0.0; 3];
        }
        let (x, y) = (x.clamp(0, w - 1), y.clamp(0, h - 1));
        let i = ((y * w + x) * 3) as usize;
        [data[i] as f32, data[i + 1] as f32, data[i + 2] as f32]
    };
    for v in 0..side {
        for u in 0..side {
            let (x, y) = map.apply(u as f32 + 0.5, v as f32 + 0.5);
            // Sample positions in pixel-index space (centres at integers).
            let (sx, sy) = (x - 0.5, y - 0.5);
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (ix, iy) = (x0 as i64, y0 as i64);
            let p00 = texel(ix, iy);
            let p10 = texel(ix + 1, iy);
            let p01 = texel(ix, iy + 1);
            let p11 = texel(ix + 1, iy + 1);
            let mut rgb = [0.0f32; 3];
            for c in 0..3 {
                let top = p00[c] + (p10[c] - p00[c]) * fx;
                let bottom = p01[c] + (p11[c] - p01[c]) * fx;
                rgb[c] = top + (bottom - top) * fy;
            }
            emit(rgb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_centres_a_landscape_image() {
        let lb = Letterbox::fit(640, 480, 224);
        assert!((lb.scale - 0.35).abs() < 1e-6);
        assert_eq!(lb.pad_x, 0.0);
        assert!((lb.pad_y - 28.0).abs() < 1e-4);
        let (x, y) = lb.to_image(112.0, 112.0);
        assert!((x - 320.0).abs() < 1e-3 && (y - 240.0).abs() < 1e-3);
        let a = lb.affine();
        let (x2, y2) = a.apply(112.0, 112.0);
        assert!((x2 - x).abs() < 1e-3 && (y2 - y).abs() < 1e-3);
    }

    #[test]
    fn roi_affine_agrees_with_point_mapping() {
        let roi = Roi { cx: 300.0, cy: 200.0, size: 180.0, rotation: 0.3 };
        let m = roi.affine(256);
        for (a, b) in [(0.0, 0.0), (0.5, 0.5), (1.0, 0.25), (0.1, 0.9)] {
            let (x1, y1) = roi.to_image(a, b);
            let (x2, y2) = m.apply(a * 256.0, b * 256.0);
            assert!((x1 - x2).abs() < 1e-3 && (y1 - y2).abs() < 1e-3, "{a},{b}");
        }
        let (x, y) = roi.to_image(0.5, 0.5);
        assert!((x - 300.0).abs() < 1e-4 && (y - 200.0).abs() < 1e-4);
    }

    #[test]
    fn identity_warp_reproduces_the_image() {
        let img = RgbImage::from_fn(8, 8, |x, y| image::Rgb([(x * 30) as u8, (y * 30) as u8, 7]));
        let lb = Letterbox::fit(8, 8, 8);
        let mut out = Vec::new();
        warp_i32(&img, 8, &lb.affine(), Border::Zero, &mut out);
        assert_eq!(out.len(), 8 * 8 * 3);
        for (i, px) in img.pixels().enumerate() {
            assert_eq!(&out[i * 3..i * 3 + 3], &[px[0] as i32, px[1] as i32, px[2] as i32]);
        }
    }

    #[test]
    fn padding_is_black_and_range_is_mapped() {
        let img = RgbImage::from_pixel(4, 2, image::Rgb([255, 255, 255]));
        let lb = Letterbox::fit(4, 2, 4);
        let mut out = Vec::new();
        warp_f32(&img, 4, &lb.affine(), Border::Zero, (-1.0, 1.0), &mut out);
        // Row 0 is padding, rows 1-2 the image, row 3 padding.
        assert!(out[..12].iter().all(|&v| v == -1.0));
        assert!(out[12..36].iter().all(|&v| (v - 1.0).abs() < 1e-6));
        assert!(out[36..].iter().all(|&v| v == -1.0));
        // Replicated edges: the whole square is the image's colour.
        warp_f32(&img, 4, &lb.affine(), Border::Replicate, (-1.0, 1.0), &mut out);
        assert!(out.iter().all(|&v| (v - 1.0).abs() < 1e-6));
    }
}
