#!/usr/bin/env bash
# The pose benchmarks in one run: the Python floor (onnxruntime on the same models and frame,
# 1 thread), then knotless's criterion benches, then a table with the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
venv=benches/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet onnxruntime==1.31.1 numpy==1.26.4 pillow==11.0.0
fi
mkdir -p target
"$venv/bin/python" benches/floor.py > target/floor.jsonl
cargo bench -j2 --bench pose -- --noplot
python3 benches/table.py target/floor.jsonl target/criterion
