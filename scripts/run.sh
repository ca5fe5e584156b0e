#!/usr/bin/env bash
# `make run`: the monitor on the webcam when there is one (calibrating first if needed), else
# the bundled demo session.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./target/release/knotless
if ls /dev/video* >/dev/null 2>&1 && ! "$bin" devices | grep -q "no cameras found"; then
    if ! "$bin" run "$@"; then
        echo "run: if no calibration exists yet, run \`$bin calibrate\` first" >&2
        exit 1
    fi
else
    echo "run: no camera found; running the bundled demo session instead" >&2
    exec "$bin" demo
fi
