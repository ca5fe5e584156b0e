#!/usr/bin/env bash
# Every benchmark of the pose path in one run, side by side, then one table with the ratios:
#   1. the floor: onnxruntime in Python on the same models and frame (benches/floor.py);
#   2. the peer: MediaPipe's Python pose solution over the demo session (benches/peer.py);
#   3. knotless's criterion benches, per stage and end to end (benches/pose.rs);
#   4. the monitor as people run it, real time, default settings (benches/monitor.py).
# Everything timed per frame runs pinned to one core (taskset -c 0) with one inference thread.
# MONITOR_SECONDS sets how long the monitor is watched (default 180; 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
pin=()
if command -v taskset > /dev/null; then pin=(taskset -c 0); fi

venv=benches/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet onnxruntime==1.31.1 numpy==1.26.4 pillow==11.0.0
fi
# MediaPipe in its own environment, every package pinned (from PyPI).
mp_venv=benches/.venv-mediapipe
if [ ! -x "$mp_venv/bin/python" ]; then
    python3 -m venv "$mp_venv"
    "$mp_venv/bin/pip" install --quiet -r benches/requirements-mediapipe.txt
fi
mkdir -p target/bench
out=target/bench
# MediaPipe fetches its lite landmark model on first use; the wheel ships only the full one.
# Put the same file there from the npm package the project's models are built from.
mp_models=$("$mp_venv/bin/python" -c 'import mediapipe, os; print(os.path.dirname(mediapipe.__file__))')/modules/pose_landmark
if [ ! -f "$mp_models/pose_landmark_lite.tflite" ]; then
    lite=models/.cache/mediapipe-pose/package/pose_landmark_lite.tflite
    if [ ! -f "$lite" ]; then
        (cd "$out" && npm pack --silent @mediapipe/pose@0.5.1675469404 > /dev/null &&
            tar -xzf mediapipe-pose-0.5.1675469404.tgz package/pose_landmark_lite.tflite)
        lite=$out/package/pose_landmark_lite.tflite
    fi
    echo "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61  $lite" | sha256sum -c --quiet
    cp "$lite" "$mp_models/"
fi

echo "== floor: Python onnxruntime" >&2
"${pin[@]}" "$venv/bin/python" benches/floor.py > "$out/floor.jsonl"
echo "== peer: MediaPipe" >&2
"${pin[@]}" "$mp_venv/bin/python" benches/peer.py 2> "$out/peer.log" > "$out/peer.json"
"${pin[@]}" "$mp_venv/bin/python" benches/peer.py --complexity 0 2>> "$out/peer.log" \
    > "$out/peer-lite.json"
echo "== knotless: criterion" >&2
cargo build --release -j"${JOBS:-2}"
cargo bench -j"${JOBS:-2}" --bench pose --no-run
"${pin[@]}" cargo bench -j1 --bench pose -- --noplot
seconds=${MONITOR_SECONDS:-180}
rm -f "$out/monitor.json"
if [ "$seconds" != 0 ]; then
    echo "== knotless run, real time, ${seconds} s" >&2
    python3 benches/monitor.py --seconds "$seconds" > "$out/monitor.json"
fi
echo
python3 benches/table.py "$out/floor.jsonl" target/criterion "$out/peer.json" "$out/monitor.json" \
    "$out/peer-lite.json"
