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
    warp(src, side, map, border, out, |c| lo + c * k);
}

/// Warps `src` through `map` into a `side` x `side` NHWC i32 tensor of 0..255 values.
pub fn warp_i32(src: &RgbImage, side: u32, map: &Affine, border: Border, out: &mut Vec<i32>) {
    warp(src, side, map, border, out, |c| c.round() as i32);
}

/// Bilinear sampling of every output pixel centre, row by row, into `out` (resized to
/// `side` x `side` x 3), each channel value passed through `convert`.
///
/// Each sample reads its four neighbours from the nearest row and column inside the image,
/// which is the edge replication; a black border then zeroes the neighbours that lie outside.
fn warp<T: Copy + Default>(
    src: &RgbImage,
    side: u32,
    map: &Affine,
    border: Border,
    out: &mut Vec<T>,
    convert: impl Fn(f32) -> T,
) {
    out.clear();
    out.resize(side as usize * side as usize * 3, convert(0.0));
    let (w, h) = (i64::from(src.width()), i64::from(src.height()));
    if w == 0 || h == 0 || side == 0 {
        return;
    }
    let (pixels, _) = src.as_raw().as_chunks::<3>();
    let width = src.width() as usize;
    let lerp = |a: [f32; 3], b: [f32; 3], t: f32| -> [f32; 3] {
        [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
    };
    let texel = |row: &[[u8; 3]], x: usize| row[x].map(f32::from);
    for (v, row_out) in out.chunks_exact_mut(side as usize * 3).enumerate() {
        // Sample positions in pixel-index space (centres at integers).
        let (rx, ry) = map.apply(0.5, v as f32 + 0.5);
        let (rx, ry) = (rx - 0.5, ry - 0.5);
        for (u, dst) in row_out.as_chunks_mut::<3>().0.iter_mut().enumerate() {
            let (sx, sy) = (rx + map.xx * u as f32, ry + map.yx * u as f32);
            let (ix, iy) = (floor(sx), floor(sy));
            let (fx, fy) = (sx - ix as f32, sy - iy as f32);
            let (x0, x1) = (ix.clamp(0, w - 1) as usize, (ix + 1).clamp(0, w - 1) as usize);
            let (y0, y1) = (iy.clamp(0, h - 1) as usize, (iy + 1).clamp(0, h - 1) as usize);
            let (top, bottom) = (&pixels[y0 * width..][..width], &pixels[y1 * width..][..width]);
            let mut q = [texel(top, x0), texel(top, x1), texel(bottom, x0), texel(bottom, x1)];
            let inside = ix >= 0 && iy >= 0 && ix + 1 < w && iy + 1 < h;
            if !inside && border == Border::Zero {
                let in_x = [(0..w).contains(&ix), (0..w).contains(&(ix + 1))];
                let in_y = [(0..h).contains(&iy), (0..h).contains(&(iy + 1))];
                for (k, texel) in q.iter_mut().enumerate() {
                    if !(in_x[k % 2] && in_y[k / 2]) {
                        *texel = [0.0; 3];
                    }
                }
            }
            *dst = lerp(lerp(q[0], q[1], fx), lerp(q[2], q[3], fx), fy).map(&convert);
        }
    }
}

/// `x.floor()` as an integer, without a call into libm (the baseline x86-64 target has no
/// rounding instruction). Held within about ±2^40, far outside any image, so that the
/// neighbour's `+ 1` cannot overflow; NaN gives 0.
fn floor(x: f32) -> i64 {
    const FAR: i64 = 1 << 40;
    let i = (x as i64).clamp(-FAR, FAR);
    i - i64::from((i as f32) > x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warp written plainly, one texel lookup at a time: what [`warp`] must reproduce.
    fn reference(src: &RgbImage, side: u32, map: &Affine, border: Border) -> Vec<f32> {
        let (w, h) = (src.width() as i64, src.height() as i64);
        let texel = |x: i64, y: i64| -> [f32; 3] {
            let inside = x >= 0 && y >= 0 && x < w && y < h;
            if !inside && border == Border::Zero {
                return [0.0; 3];
            }
            let p = src.get_pixel(x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32);
            [p[0] as f32, p[1] as f32, p[2] as f32]
        };
        let mut out = Vec::new();
        for v in 0..side {
            for u in 0..side {
                let (x, y) = map.apply(u as f32 + 0.5, v as f32 + 0.5);
                let (sx, sy) = (x - 0.5, y - 0.5);
                let (x0, y0) = (sx.floor(), sy.floor());
                let (fx, fy) = (sx - x0, sy - y0);
                let (ix, iy) = (x0 as i64, y0 as i64);
                let (p00, p10) = (texel(ix, iy), texel(ix + 1, iy));
                let (p01, p11) = (texel(ix, iy + 1), texel(ix + 1, iy + 1));
                for c in 0..3 {
                    let top = p00[c] + (p10[c] - p00[c]) * fx;
                    let bottom = p01[c] + (p11[c] - p01[c]) * fx;
                    out.push(top + (bottom - top) * fy);
                }
            }
        }
        out
    }

    #[test]
    fn warp_matches_the_plain_reference_inside_across_and_outside_the_edges() {
        let img = RgbImage::from_fn(37, 23, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 11 % 256) as u8, ((x * y) % 256) as u8])
        });
        let rois = [
            Roi { cx: 18.0, cy: 11.0, size: 10.0, rotation: 0.0 },
            Roi { cx: 18.0, cy: 11.0, size: 30.0, rotation: 0.7 },
            Roi { cx: 2.0, cy: 20.0, size: 25.0, rotation: -2.1 },
            Roi { cx: -40.0, cy: 90.0, size: 12.0, rotation: 3.0 },
            Roi { cx: 36.5, cy: 0.2, size: 80.0, rotation: 1.5707964 },
        ];
        for roi in rois {
            for border in [Border::Zero, Border::Replicate] {
                let map = roi.affine(16);
                let mut fast = Vec::new();
                warp_f32(&img, 16, &map, border, (0.0, 255.0), &mut fast);
                let slow = reference(&img, 16, &map, border);
                assert_eq!(fast.len(), slow.len());
                for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                    assert!((a - b).abs() < 0.02, "{roi:?} {border:?} value {i}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn floor_agrees_with_f32_floor() {
        for x in [-3.5f32, -3.0, -0.5, -0.0, 0.0, 0.25, 1.0, 2.999, 1e6 + 0.5, -1e6 - 0.5] {
            assert_eq!(floor(x), x.floor() as i64, "{x}");
        }
        assert_eq!(floor(f32::NAN), 0);
        assert_eq!(floor(f32::INFINITY), 1 << 40);
        assert!((-(1 << 40) - 1..=-(1 << 40)).contains(&floor(f32::NEG_INFINITY)));
    }

    #[test]
    fn a_region_at_infinity_gives_the_border_not_a_panic() {
        let img = RgbImage::from_pixel(4, 4, image::Rgb([200, 100, 50]));
        let roi = Roi { cx: f32::INFINITY, cy: f32::NEG_INFINITY, size: 8.0, rotation: 0.0 };
        let mut out = Vec::new();
        warp_f32(&img, 4, &roi.affine(4), Border::Zero, (0.0, 1.0), &mut out);
        assert_eq!(out.len(), 48);
        assert!(out.iter().all(|v| *v == 0.0 || v.is_nan()));
    }

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
