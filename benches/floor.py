"""The floor for knotless's pose stages: onnxruntime in Python running the same ONNX models on
the same 640x480 frame, 1 thread, graph optimisation on. Prints the median milliseconds per
model run as JSON lines.

Usage: python benches/floor.py [--runs N]   (needs onnxruntime==1.31.1, numpy, pillow)
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")
FRAME = os.path.join(ROOT, "demo", "session", "000000.jpg")


def letterbox(img, side):
    w, h = img.size
    scale = side / max(w, h)
    resized = img.resize((round(w * scale), round(h * scale)), Image.BILINEAR)
    canvas = Image.new("RGB", (side, side))
    canvas.paste(resized, ((side - resized.width) // 2, (side - resized.height) // 2))
    return np.asarray(canvas)


def session(name):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(os.path.join(MODELS, name), opts, providers=["CPUExecutionProvider"])


def median_ms(fn, runs):
    for _ in range(5):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    img = Image.open(FRAME).convert("RGB")
    det_in = (letterbox(img, 224).astype(np.float32) / 127.5 - 1.0)[None]
    crop = np.asarray(img.crop((160, 40, 480, 360)).resize((256, 256), Image.BILINEAR))
    lm_in = (crop.astype(np.float32) / 255.0)[None]
    mn_in = letterbox(img, 192).astype(np.int32)[None]
    cases = [
        ("blazepose_detector.onnx", det_in),
        ("blazepose_landmark_full.onnx", lm_in),
        ("blazepose_landmark_lite.onnx", lm_in),
        ("movenet_lightning.onnx", mn_in),
    ]
    for name, x in cases:
        s = session(name)
        ms = median_ms(lambda: s.run(None, {"input": x}), args.runs)
        print(json.dumps({"model": name, "median_ms": round(ms, 3), "runs": args.runs}))


if __name__ == "__main__":
    main()
