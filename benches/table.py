"""Prints the pose benchmark table: knotless's criterion medians beside the Python floor.

Usage: python3 benches/table.py FLOOR.jsonl CRITERION_DIR
"""
import json
import os
import sys


def crit_ms(root, group, bench):
    path = os.path.join(root, group, bench, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / 1e6


def main():
    floor_path, crit = sys.argv[1], sys.argv[2]
    floor = {}
    with open(floor_path) as f:
        for line in f:
            r = json.loads(line)
            floor[r["model"]] = r["median_ms"]
    rows = [
        ("BlazePose detector", "blazepose_full", "detector", "blazepose_detector.onnx"),
        ("BlazePose landmarks (full)", "blazepose_full", "landmarks", "blazepose_landmark_full.onnx"),
        ("BlazePose landmarks (lite)", "blazepose_lite", "landmarks", "blazepose_landmark_lite.onnx"),
        ("MoveNet Lightning", "movenet", "", "movenet_lightning.onnx"),
    ]
    print("| model | preprocess ms | inference ms | decode ms | Python onnxruntime ms | inference / floor |")
    print("|---|---|---|---|---|---|")
    for label, group, stage, model in rows:
        sep = stage + "_" if stage else ""
        pre = crit_ms(crit, group, sep + "preprocess")
        inf = crit_ms(crit, group, sep + "inference")
        dec = crit_ms(crit, group, sep + "decode")
        fl = floor[model]
        print(f"| {label} | {pre:.3f} | {inf:.2f} | {dec:.4f} | {fl:.2f} | {inf / fl:.2f}x |")
    for label, group, bench in [
        ("BlazePose full, tracked frame", "blazepose_full", "tracked frame end to end"),
        ("BlazePose lite, tracked frame", "blazepose_lite", "tracked frame end to end"),
        ("MoveNet, frame", "movenet", "frame end to end"),
    ]:
        print(f"| {label} (end to end) | | {crit_ms(crit, group, bench):.2f} | | | |")


if __name__ == "__main__":
    main()
