//! MoveNet Lightning: the image letterboxed into a 192 px square of int32 RGB values, one
//! output of 17 (y, x, score) triples in 0..1 of that square.

use image::RgbImage;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};

use super::model::{ModelFiles, Signature, TensorSpec, load_session};
use super::preprocess::{Border, Letterbox, warp_i32};
use super::{COCO17, Keypoint, ModelKind, Pose, PoseError, PoseEstimator};

pub const MODEL_FILE: &str = "movenet_lightning.onnx";
const INPUT_SIDE: u32 = 192;

/// Mean score of the face and shoulder points below which nobody is taken to be in the image.
const MIN_PERSON_SCORE: f32 = 0.2;

const SIGNATURE: Signature = Signature {
    inputs: &[TensorSpec { name: "input", ty: TensorElementType::Int32, shape: &[1, 192, 192, 3] }],
    outputs: &[TensorSpec {
        name: "keypoints",
        ty: TensorElementType::Float32,
        shape: &[1, 1, 17, 3],
    }],
};

/// The MoveNet Lightning backend. Stateless between frames.
pub struct MoveNet {
    session: Session,
    input: Vec<i32>,
}

impl MoveNet {
    pub fn load(files: &ModelFiles, threads: usize) -> Result<MoveNet, PoseError> {
        let session = load_session(files, MODEL_FILE, &SIGNATURE, threads)?;
        Ok(MoveNet { session, input: Vec::new() })
    }

    /// Fills the input tensor for `image`; returns how the image was fitted.
    pub fn preprocess(&mut self, image: &RgbImage) -> Letterbox {
        let lb = Letterbox::fit(image.width(), image.height(), INPUT_SIDE);
        warp_i32(image, INPUT_SIDE, &lb.affine(), Border::Zero, &mut self.input);
        lb
    }

    /// Runs the model on the prepared input; returns the raw (y, x, score) triples.
    pub fn infer(&mut self) -> Result<[f32; 51], PoseError> {
        let err = |e: ort::Error| PoseError::Inference { model: "movenet", reason: e.to_string() };
        let side = INPUT_SIDE as usize;
        let input = TensorRef::from_array_view(([1usize, side, side, 3], self.input.as_slice()))
            .map_err(err)?;
        let outputs = self.session.run(ort::inputs!["input" => input]).map_err(err)?;
        let (_, raw) = outputs["keypoints"].try_extract_tensor::<f32>().map_err(err)?;
        let mut out = [0.0f32; 51];
        if raw.len() != out.len() {
            return Err(PoseError::Inference {
                model: "movenet",
                reason: format!("expected 51 output values, got {}", raw.len()),
            });
        }
        out.copy_from_slice(raw);
        Ok(out)
    }
}

/// Turns MoveNet's output into a pose in image pixels; `None` when the face and shoulders are
/// not seen well enough to be a person.
pub fn decode(raw: &[f32; 51], lb: &Letterbox, width: u32, height: u32) -> Option<Pose> {
    let side = lb.side as f32;
    let mut points = [Keypoint { x: 0.0, y: 0.0, score: 0.0 }; 17];
    for (i, p) in points.iter_mut().enumerate() {
        let (y, x, score) = (raw[i * 3], raw[i * 3 + 1], raw[i * 3 + 2]);
        let (ix, iy) = lb.to_image(x * side, y * side);
        *p = Keypoint { x: ix, y: iy, score };
    }
    // Nose, eyes, ears and shoulders: what a desk camera must see.
    let upper = &points[..7];
    let presence = upper.iter().map(|p| p.score).sum::<f32>() / upper.len() as f32;
    if presence < MIN_PERSON_SCORE {
        return None;
    }
    let mut pose = Pose::new(ModelKind::MoveNet, width, height, presence);
    for (name, p) in COCO17.iter().zip(points) {
        pose.set(*name, p);
    }
    Some(pose)
}

impl PoseEstimator for MoveNet {
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError> {
        let lb = self.preprocess(image);
        let raw = self.infer()?;
        Ok(decode(&raw, &lb, image.width(), image.height()))
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::KeypointName;

    #[test]
    fn decoding_undoes_the_letterbox() {
        let lb = Letterbox::fit(640, 480, INPUT_SIDE);
        let mut raw = [0.9f32; 51];
        // Nose at the centre of the square.
        raw[0] = 0.5;
        raw[1] = 0.5;
        // Left shoulder at the top-left corner of the image content.
        let top = lb.pad_y / INPUT_SIDE as f32;
        raw[5 * 3] = top;
        raw[5 * 3 + 1] = 0.0;
        let pose = decode(&raw, &lb, 640, 480).expect("a person");
        let nose = pose.get(KeypointName::Nose).unwrap();
        assert!((nose.x - 320.0).abs() < 1e-3 && (nose.y - 240.0).abs() < 1e-3);
        let ls = pose.get(KeypointName::LeftShoulder).unwrap();
        assert!(ls.x.abs() < 1e-3 && ls.y.abs() < 1e-3, "{ls:?}");
        assert!(pose.get(KeypointName::MouthLeft).is_none());
    }

    #[test]
    fn low_scores_mean_nobody() {
        let lb = Letterbox::fit(640, 480, INPUT_SIDE);
        let raw = [0.05f32; 51];
        assert!(decode(&raw, &lb, 640, 480).is_none());
    }
}
