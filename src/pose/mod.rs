//! Pose estimation: named keypoints from an RGB image.
//!
//! Owns [`Pose`] and the narrow [`PoseEstimator`] trait, and the two ONNX backends behind it:
//! BlazePose (person detector, rotated region of interest, landmark model, tracking from frame
//! to frame) and MoveNet Lightning. Also locates and loads the ONNX Runtime library and checks
//! model signatures when a model loads. Knows nothing about posture.

mod blazepose;
pub mod draw;
mod error;
mod face;
mod keypoint;
mod model;
mod movenet;
pub mod preprocess;
pub mod runtime;

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use blazepose::{
    BlazePose, BlazePoseStats, Detection, LandmarkOutput, LandmarkVariant, decode_best_detection,
    decode_landmarks, roi_from_alignment,
};
pub use error::PoseError;
pub use face::{FaceMesh, HeadPose};
pub use keypoint::{COCO17, KEYPOINT_COUNT, KeypointName, SKELETON};
pub use model::ModelFiles;
pub use movenet::{MoveNet, decode as decode_movenet};

/// One detected point, in pixels of the analysed image (x right, y down, origin at the
/// top-left corner of the top-left pixel).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    /// How sure the model is that the point is visible, 0..1 (BlazePose's visibility,
    /// MoveNet's score).
    pub score: f32,
}

/// A point in metres in the model's body-centred frame (BlazePose world landmarks: origin at
/// the hip centre, x to the image's right, y down, z away from the camera).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorldPoint {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

/// Which backend made a pose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    BlazePose,
    BlazePoseLite,
    MoveNet,
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::BlazePose => "blazepose",
            ModelKind::BlazePoseLite => "blazepose-lite",
            ModelKind::MoveNet => "movenet",
        })
    }
}

/// The keypoints of one person in one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    pub model: ModelKind,
    pub image_width: u32,
    pub image_height: u32,
    /// How sure the model is that a person is there at all, 0..1.
    pub presence: f32,
    points: [Option<Keypoint>; KEYPOINT_COUNT],
    world: Option<[WorldPoint; KEYPOINT_COUNT]>,
    /// The head pose from the face mesh, where it ran.
    pub head: Option<HeadPose>,
}

impl Pose {
    /// A pose with no points yet.
    pub fn new(model: ModelKind, image_width: u32, image_height: u32, presence: f32) -> Pose {
        Pose {
            model,
            image_width,
            image_height,
            presence,
            points: [None; KEYPOINT_COUNT],
            world: None,
            head: None,
        }
    }

    /// Sets one point (builder style, handy for constructed poses in tests).
    pub fn with(mut self, name: KeypointName, x: f32, y: f32, score: f32) -> Pose {
        self.set(name, Keypoint { x, y, score });
        self
    }

    pub fn set(&mut self, name: KeypointName, point: Keypoint) {
        self.points[name.index()] = Some(point);
    }

    /// The point if the model reports it at all, whatever its score.
    pub fn get(&self, name: KeypointName) -> Option<Keypoint> {
        self.points[name.index()]
    }

    /// The point if its score reaches `min_score`.
    pub fn visible(&self, name: KeypointName, min_score: f32) -> Option<Keypoint> {
        self.get(name).filter(|p| p.score >= min_score)
    }

    /// Named points the model reports, in landmark order.
    pub fn points(&self) -> impl Iterator<Item = (KeypointName, Keypoint)> + '_ {
        KeypointName::ALL.into_iter().filter_map(|k| self.get(k).map(|p| (k, p)))
    }

    pub fn set_world(&mut self, world: [WorldPoint; KEYPOINT_COUNT]) {
        self.world = Some(world);
    }

    /// World coordinates of a point, where the model gives them.
    pub fn world(&self, name: KeypointName) -> Option<WorldPoint> {
        self.world.as_ref().map(|w| w[name.index()])
    }

    pub fn has_world(&self) -> bool {
        self.world.is_some()
    }

    /// The same pose with every point moved by `f` (image size unchanged unless `size` is
    /// given). Used to check that measures do not depend on where the person sits.
    pub fn map_points(&self, size: Option<(u32, u32)>, f: impl Fn(f32, f32) -> (f32, f32)) -> Pose {
        let mut out = self.clone();
        if let Some((w, h)) = size {
            out.image_width = w;
            out.image_height = h;
        }
        for p in out.points.iter_mut().flatten() {
            let (x, y) = f(p.x, p.y);
            p.x = x;
            p.y = y;
        }
        out
    }

    /// The pose as seen in a horizontally mirrored image: x flipped and left/right swapped.
    pub fn mirrored(&self) -> Pose {
        let w = self.image_width as f32;
        let mut out = Pose::new(self.model, self.image_width, self.image_height, self.presence);
        for (name, p) in self.points() {
            out.set(name.mirrored(), Keypoint { x: w - p.x, ..p });
        }
        if let Some(world) = &self.world {
            let mut m = *world;
            for name in KeypointName::ALL {
                let p = world[name.index()];
                m[name.mirrored().index()] = WorldPoint { x: -p.x, ..p };
            }
            out.world = Some(m);
        }
        out.head = self.head.map(|h| HeadPose {
            yaw_deg: -h.yaw_deg,
            roll_deg: -h.roll_deg,
            nose_bridge: (w - h.nose_bridge.0, h.nose_bridge.1),
            ..h
        });
        out
    }
}

/// Finds the pose of the one person in front of the camera.
///
/// Implementations may keep state between calls (BlazePose tracks the person from frame to
/// frame); call [`PoseEstimator::reset`] when the next image is unrelated to the last.
pub trait PoseEstimator {
    /// The person's pose, or `None` when nobody is in the image.
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError>;

    /// Forgets any tracking state.
    fn reset(&mut self);
}

impl<E: PoseEstimator + ?Sized> PoseEstimator for Box<E> {
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError> {
        (**self).estimate(image)
    }

    fn reset(&mut self) {
        (**self).reset();
    }
}

/// Which backend to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// BlazePose full: 33 points, visibility and world coordinates (default).
    Blazepose,
    /// BlazePose lite: faster, a little less precise.
    BlazeposeLite,
    /// MoveNet Lightning: COCO-17 points.
    Movenet,
}

impl Backend {
    /// The kind of poses the backend makes.
    pub fn model_kind(self) -> ModelKind {
        match self {
            Backend::Blazepose => LandmarkVariant::Full.model_kind(),
            Backend::BlazeposeLite => LandmarkVariant::Lite.model_kind(),
            Backend::Movenet => ModelKind::MoveNet,
        }
    }
}

/// Loads the estimator for `backend` from `files`: the body model, followed by the face mesh
/// for the head pose.
pub fn load_estimator_with(
    backend: Backend,
    files: &ModelFiles,
    threads: usize,
) -> Result<Box<dyn PoseEstimator + Send>, PoseError> {
    let body: Box<dyn PoseEstimator + Send> = match backend {
        Backend::Blazepose => Box::new(BlazePose::load(files, LandmarkVariant::Full, threads)?),
        Backend::BlazeposeLite => Box::new(BlazePose::load(files, LandmarkVariant::Lite, threads)?),
        Backend::Movenet => Box::new(MoveNet::load(files, threads)?),
    };
    Ok(Box::new(WithHeadPose { body, face: FaceMesh::load(files, threads)? }))
}

/// A body model followed by the face mesh on the face it found.
pub struct WithHeadPose<E> {
    pub body: E,
    pub face: FaceMesh,
}

impl<E: PoseEstimator> PoseEstimator for WithHeadPose<E> {
    fn estimate(&mut self, image: &RgbImage) -> Result<Option<Pose>, PoseError> {
        let Some(mut pose) = self.body.estimate(image)? else {
            return Ok(None);
        };
        pose.head = self.face.estimate(image, &pose)?;
        Ok(Some(pose))
    }

    fn reset(&mut self) {
        self.body.reset();
    }
}
