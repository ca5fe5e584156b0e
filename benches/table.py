"""Prints the benchmark tables: knotless's criterion medians beside the Python floor and
MediaPipe, and the monitor's figures against the targets.

Usage: python3 benches/table.py FLOOR.jsonl CRITERION_DIR [PEER.json] [MONITOR.json] [PEER_LITE.json]
"""
import json
import os
import sys


def crit_ms(root, group, bench):
    path = os.path.join(root, group, bench.replace(" ", "_"), "new", "estimates.json")
    if not os.path.exists(path):
        path = os.path.join(root, group, bench, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / 1e6


def load_json(path):
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        lines = [l for l in f if l.strip()]
    return json.loads(lines[-1]) if lines else None


def stages(crit, floor):
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
    print()
    print("| tracked frame, one image, end to end | ms | vs its model floor |")
    print("|---|---|---|")
    for label, group, bench, model in [
        ("BlazePose full", "blazepose_full", "tracked frame end to end", "blazepose_landmark_full.onnx"),
        ("BlazePose lite", "blazepose_lite", "tracked frame end to end", "blazepose_landmark_lite.onnx"),
        ("MoveNet", "movenet", "frame end to end", "movenet_lightning.onnx"),
    ]:
        ms = crit_ms(crit, group, bench)
        print(f"| {label} | {ms:.2f} | {ms / floor[model]:.2f}x of {floor[model]:.2f} |")


def ratio_table(crit, floor, name, group, model, peers):
    """knotless's analysis of a frame with one landmark model (criterion group `group`) against
    that model's floor and each MediaPipe run in `peers`, a list of (label, figures or None)."""
    fl = floor[f"blazepose_landmark_{model}.onnx"]
    e2e = crit_ms(crit, group, "frame end to end without decode")
    e2e_dec = crit_ms(crit, group, "frame end to end")
    print()
    print(f"| per frame | ms | {name} / this | target |")
    print("|---|---|---|---|")
    print(f"| floor: Python onnxruntime, landmark model ({model}) | {fl:.2f} | {e2e / fl:.2f}x | at most 1.2x |")
    for label, p in peers:
        if not p:
            continue
        mp, mp_dec, mp_cpu = p["median_ms"], p["median_ms_with_decode"], p["median_cpu_ms"]
        print(f"| MediaPipe 0.10.14 `solutions.pose`, {label}, from RGB | {mp:.2f} | {e2e / mp:.2f}x | at most 0.5x |")
        print(f"| MediaPipe, {label}, from JPEG bytes (OpenCV decode) | {mp_dec:.2f} | {e2e_dec / mp_dec:.2f}x | |")
        print(f"| MediaPipe, {label}, CPU time per frame (process), from RGB | {mp_cpu:.2f} | {e2e / mp_cpu:.2f}x | |")
    print(f"| {name}, from RGB | {e2e:.2f} | | |")
    print(f"| {name}, from JPEG bytes | {e2e_dec:.2f} | | |")
    for label, p in peers:
        if p:
            print()
            print(f"MediaPipe, {label}: {p['frames_with_pose']}/{p['frames']} frames with a pose, "
                  f"CPU per wall second {p['cpu_per_wall']:.2f} on {p['affinity_cpus']} core(s).")


def side_by_side(crit, peer):
    print()
    print("Per frame over the demo session's frames (640x480, in order, tracking on), 1 thread:")
    print()
    print("| stage (knotless, default model: BlazePose full) | median ms |")
    print("|---|---|")
    print(f"| JPEG decode | {crit_ms(crit, 'clip', 'jpeg decode'):.3f} |")
    print(f"| preprocess (landmark crop) | {crit_ms(crit, 'blazepose_full', 'landmarks_preprocess'):.3f} |")
    print(f"| inference (landmark model) | {crit_ms(crit, 'blazepose_full', 'landmarks_inference'):.2f} |")
    print(f"| decode of outputs | {crit_ms(crit, 'blazepose_full', 'landmarks_decode'):.4f} |")
    print(f"| measures | {crit_ms(crit, 'clip', 'measures'):.4f} |")
    print(f"| assessment | {crit_ms(crit, 'clip', 'assessment'):.4f} |")
    print(f"| end to end, from RGB | {crit_ms(crit, 'clip', 'frame end to end without decode'):.2f} |")
    print(f"| end to end, from JPEG bytes | {crit_ms(crit, 'clip', 'frame end to end'):.2f} |")


def monitor_table(mon):
    print()
    print(f"The monitor, `knotless run --source demo/session`, real time, default settings, {mon['seconds']:.0f} s:")
    print()
    print("| figure | measured | target | met |")
    print("|---|---|---|---|")
    ok = lambda b: "yes" if b else "no"
    cpu = mon["cpu_percent"]
    print(f"| CPU, % of one core, from start | {cpu:.2f} | under 2 | {ok(cpu < 2.0)} |")
    print(f"| CPU, % of one core, after the first 10 s | {mon['cpu_percent_steady']:.2f} | under 2 | {ok(mon['cpu_percent_steady'] < 2.0)} |")
    print(f"| peak RSS, MB | {mon['peak_rss_mb']:.1f} | under 100 | {ok(mon['peak_rss_mb'] < 100.0)} |")
    first = mon["first_analysis_s"]
    if first is None:
        print("| start to first analysed frame, s | not seen | within 1 | no |")
    else:
        print(f"| start to first analysed frame, s | {first:.3f} | within 1 | {ok(first <= 1.0)} |")


def main():
    floor_path, crit = sys.argv[1], sys.argv[2]
    peer = load_json(sys.argv[3] if len(sys.argv) > 3 else None)
    mon = load_json(sys.argv[4] if len(sys.argv) > 4 else None)
    peer_lite = load_json(sys.argv[5] if len(sys.argv) > 5 else None)
    floor = {}
    with open(floor_path) as f:
        for line in f:
            r = json.loads(line)
            floor[r["model"]] = r["median_ms"]
    stages(crit, floor)
    side_by_side(crit, peer)
    ratio_table(crit, floor, "knotless", "clip", "full", [("complexity 1", peer)])
    print()
    print("The same with BlazePose lite (`model = \"blazepose_lite\"`):")
    ratio_table(crit, floor, "knotless lite", "clip_lite", "lite",
                [("complexity 1 (full)", peer), ("complexity 0 (lite)", peer_lite)])
    if mon:
        monitor_table(mon)


if __name__ == "__main__":
    main()
