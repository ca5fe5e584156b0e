"""The peer: MediaPipe's Python pose solution (`mediapipe==0.10.14`, `mp.solutions.pose.Pose`),
the stack most open-source posture monitors are built on, over the frames of the recorded demo
session at their recorded resolution (640x480), tracking on (`static_image_mode=False`), the
landmark model matching knotless's default (`model_complexity=1`, BlazePose full; `--complexity 0`
runs BlazePose lite, like `knotless --model blazepose-lite`). Prints one JSON line: median
milliseconds per frame excluding and including the JPEG decode.

One thread: MediaPipe's legacy solution API has no thread setting, so run it pinned to one core
(`taskset -c 0`, as benches/run.sh does). The CPU time it used per wall second is printed too,
as a check that it ran on one core.

Usage: taskset -c 0 python benches/peer.py [--passes N] [--complexity 0|1]   (needs benches/requirements-mediapipe.txt)
"""
import argparse
import csv
import json
import os
import statistics
import time

import cv2
import mediapipe as mp
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SESSION = os.path.join(ROOT, "demo", "session")


def frames():
    with open(os.path.join(SESSION, "frames.csv")) as f:
        names = [row["file"] for row in csv.DictReader(f)]
    out = []
    for name in names:
        with open(os.path.join(SESSION, name), "rb") as f:
            out.append(np.frombuffer(f.read(), dtype=np.uint8))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", type=int, default=1, help="passes over the session")
    ap.add_argument("--complexity", type=int, default=1, choices=(0, 1),
                    help="landmark model: 1 BlazePose full (default), 0 lite")
    args = ap.parse_args()
    jpegs = frames()
    decode_ms, pose_ms, pose_cpu_ms, found = [], [], [], 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(args.passes):
        with mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=args.complexity,
            enable_segmentation=False,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        ) as pose:
            for jpeg in jpegs:
                t0 = time.perf_counter()
                rgb = cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                t1, c1 = time.perf_counter(), time.process_time()
                result = pose.process(rgb)
                t2, c2 = time.perf_counter(), time.process_time()
                pose_cpu_ms.append((c2 - c1) * 1000.0)
                decode_ms.append((t1 - t0) * 1000.0)
                pose_ms.append((t2 - t1) * 1000.0)
                found += result.pose_landmarks is not None
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    total = [d + p for d, p in zip(decode_ms, pose_ms)]
    print(json.dumps({
        "peer": f"mediapipe {mp.__version__} solutions.pose, model_complexity={args.complexity}",
        "complexity": args.complexity,
        "frames": len(pose_ms),
        "frames_with_pose": found,
        "width": int(rgb.shape[1]),
        "height": int(rgb.shape[0]),
        "median_ms": round(statistics.median(pose_ms), 3),
        "median_ms_with_decode": round(statistics.median(total), 3),
        "median_decode_ms": round(statistics.median(decode_ms), 3),
        "median_cpu_ms": round(statistics.median(pose_cpu_ms), 3),
        "cpu_per_wall": round(cpu / wall, 3),
        "affinity_cpus": len(os.sched_getaffinity(0)),
    }))


if __name__ == "__main__":
    main()
