//! Drawing a pose onto a copy of the image, for `knotless pose --draw`.

use image::{Rgb, RgbImage};

use super::{Pose, SKELETON};

/// Points and bones below this score are not drawn.
pub const MIN_DRAW_SCORE: f32 = 0.3;
const BONE_COLOUR: Rgb<u8> = Rgb([40, 220, 90]);
const POINT_COLOUR: Rgb<u8> = Rgb([250, 70, 60]);

/// Draws the skeleton of `pose` onto `image`, with line width and point size scaled to the
/// image.
pub fn draw_pose(image: &mut RgbImage, pose: &Pose) {
    let scale = image.width().max(image.height()) as f32 / 640.0;
    let thickness = (2.0 * scale).max(2.0);
    let radius = (4.0 * scale).max(2.0);
    for (a, b) in SKELETON {
        if let (Some(p), Some(q)) =
            (pose.visible(a, MIN_DRAW_SCORE), pose.visible(b, MIN_DRAW_SCORE))
        {
            line(image, (p.x, p.y), (q.x, q.y), thickness, BONE_COLOUR);
        }
    }
    for (_, p) in pose.points().filter(|(_, p)| p.score >= MIN_DRAW_SCORE) {
        disc(image, (p.x, p.y), radius, POINT_COLOUR);
    }
}

fn line(image: &mut RgbImage, a: (f32, f32), b: (f32, f32), thickness: f32, colour: Rgb<u8>) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let steps = (len.ceil() as usize).max(1);
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        disc(image, (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t), thickness / 2.0, colour);
    }
}

fn disc(image: &mut RgbImage, c: (f32, f32), r: f32, colour: Rgb<u8>) {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (x0, x1) = ((c.0 - r).floor() as i64, (c.0 + r).ceil() as i64);
    let (y0, y1) = ((c.1 - r).floor() as i64, (c.1 + r).ceil() as i64);
    for y in y0.max(0)..=y1.min(h - 1) {
        for x in x0.max(0)..=x1.min(w - 1) {
            let (dx, dy) = (x as f32 + 0.5 - c.0, y as f32 + 0.5 - c.1);
            if dx * dx + dy * dy <= r * r {
                image.put_pixel(x as u32, y as u32, colour);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{KeypointName, ModelKind};

    #[test]
    fn draws_visible_points_and_bones_only() {
        let mut img = RgbImage::new(100, 100);
        let pose = Pose::new(ModelKind::MoveNet, 100, 100, 1.0)
            .with(KeypointName::LeftShoulder, 20.0, 50.0, 0.9)
            .with(KeypointName::RightShoulder, 80.0, 50.0, 0.9)
            .with(KeypointName::Nose, 50.0, 10.0, 0.1);
        draw_pose(&mut img, &pose);
        assert_eq!(*img.get_pixel(50, 50), BONE_COLOUR);
        assert_eq!(*img.get_pixel(20, 50), POINT_COLOUR);
        assert_eq!(*img.get_pixel(50, 10), Rgb([0, 0, 0]));
    }
}
