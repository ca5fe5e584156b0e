//! Named keypoints: the BlazePose-33 body points, of which MoveNet's COCO-17 set is a subset.
//!
//! "Left" and "right" are the person's own sides, as both models define them: in an unmirrored
//! webcam image the person's left shoulder appears on the image's right.

use serde::{Deserialize, Serialize};

macro_rules! keypoint_names {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A body point, in BlazePose's order (the discriminant is the landmark index).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum KeypointName {
            $($variant),*
        }

        impl KeypointName {
            /// Every point, in landmark order.
            pub const ALL: [KeypointName; keypoint_names!(@count $($variant)*)] =
                [$(KeypointName::$variant),*];

            /// The snake_case name used in JSON output and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(KeypointName::$variant => $name),*
                }
            }
        }
    };
    (@count $($t:ident)*) => { <[()]>::len(&[$(keypoint_names!(@unit $t)),*]) };
    (@unit $t:ident) => { () };
}

keypoint_names! {
    Nose => "nose",
    LeftEyeInner => "left_eye_inner",
    LeftEye => "left_eye",
    LeftEyeOuter => "left_eye_outer",
    RightEyeInner => "right_eye_inner",
    RightEye => "right_eye",
    RightEyeOuter => "right_eye_outer",
    LeftEar => "left_ear",
    RightEar => "right_ear",
    MouthLeft => "mouth_left",
    MouthRight => "mouth_right",
    LeftShoulder => "left_shoulder",
    RightShoulder => "right_shoulder",
    LeftElbow => "left_elbow",
    RightElbow => "right_elbow",
    LeftWrist => "left_wrist",
    RightWrist => "right_wrist",
    LeftPinky => "left_pinky",
    RightPinky => "right_pinky",
    LeftIndex => "left_index",
    RightIndex => "right_index",
    LeftThumb => "left_thumb",
    RightThumb => "right_thumb",
    LeftHip => "left_hip",
    RightHip => "right_hip",
    LeftKnee => "left_knee",
    RightKnee => "right_knee",
    LeftAnkle => "left_ankle",
    RightAnkle => "right_ankle",
    LeftHeel => "left_heel",
    RightHeel => "right_heel",
    LeftFootIndex => "left_foot_index",
    RightFootIndex => "right_foot_index",
}

/// Number of named keypoints.
pub const KEYPOINT_COUNT: usize = KeypointName::ALL.len();

impl KeypointName {
    /// Landmark index in BlazePose's output.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The same point on the other side of the body (`Nose` maps to itself).
    pub fn mirrored(self) -> KeypointName {
        use KeypointName::*;
        match self {
            Nose => Nose,
            LeftEyeInner => RightEyeInner,
            LeftEye => RightEye,
            LeftEyeOuter => RightEyeOuter,
            RightEyeInner => LeftEyeInner,
            RightEye => LeftEye,
            RightEyeOuter => LeftEyeOuter,
            LeftEar => RightEar,
            RightEar => LeftEar,
            MouthLeft => MouthRight,
            MouthRight => MouthLeft,
            LeftShoulder => RightShoulder,
            RightShoulder => LeftShoulder,
            LeftElbow => RightElbow,
            RightElbow => LeftElbow,
            LeftWrist => RightWrist,
            RightWrist => LeftWrist,
            LeftPinky => RightPinky,
            RightPinky => LeftPinky,
            LeftIndex => RightIndex,
            RightIndex => LeftIndex,
            LeftThumb => RightThumb,
            RightThumb => LeftThumb,
            LeftHip => RightHip,
            RightHip => LeftHip,
            LeftKnee => RightKnee,
            RightKnee => LeftKnee,
            LeftAnkle => RightAnkle,
            RightAnkle => LeftAnkle,
            LeftHeel => RightHeel,
            RightHeel => LeftHeel,
            LeftFootIndex => RightFootIndex,
            RightFootIndex => LeftFootIndex,
        }
    }

    /// Parses a snake_case name.
    pub fn from_name(name: &str) -> Option<KeypointName> {
        KeypointName::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The COCO-17 points that MoveNet reports, in its output order.
pub const COCO17: [KeypointName; 17] = [
    KeypointName::Nose,
    KeypointName::LeftEye,
    KeypointName::RightEye,
    KeypointName::LeftEar,
    KeypointName::RightEar,
    KeypointName::LeftShoulder,
    KeypointName::RightShoulder,
    KeypointName::LeftElbow,
    KeypointName::RightElbow,
    KeypointName::LeftWrist,
    KeypointName::RightWrist,
    KeypointName::LeftHip,
    KeypointName::RightHip,
    KeypointName::LeftKnee,
    KeypointName::RightKnee,
    KeypointName::LeftAnkle,
    KeypointName::RightAnkle,
];

/// Bones drawn for a skeleton overlay.
pub const SKELETON: [(KeypointName, KeypointName); 17] = {
    use KeypointName::*;
    [
        (LeftEar, LeftEye),
        (LeftEye, Nose),
        (Nose, RightEye),
        (RightEye, RightEar),
        (MouthLeft, MouthRight),
        (LeftShoulder, RightShoulder),
        (LeftShoulder, LeftElbow),
        (LeftElbow, LeftWrist),
        (RightShoulder, RightElbow),
        (RightElbow, RightWrist),
        (LeftShoulder, LeftHip),
        (RightShoulder, RightHip),
        (LeftHip, RightHip),
        (LeftHip, LeftKnee),
        (RightHip, RightKnee),
        (LeftKnee, LeftAnkle),
        (RightKnee, RightAnkle),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_follow_blazepose_order() {
        assert_eq!(KEYPOINT_COUNT, 33);
        assert_eq!(KeypointName::Nose.index(), 0);
        assert_eq!(KeypointName::LeftEar.index(), 7);
        assert_eq!(KeypointName::LeftShoulder.index(), 11);
        assert_eq!(KeypointName::LeftHip.index(), 23);
        assert_eq!(KeypointName::RightFootIndex.index(), 32);
    }

    #[test]
    fn mirroring_is_an_involution() {
        for k in KeypointName::ALL {
            assert_eq!(k.mirrored().mirrored(), k);
            assert_eq!(KeypointName::from_name(k.as_str()), Some(k));
        }
    }
}
