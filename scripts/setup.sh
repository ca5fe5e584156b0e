#!/usr/bin/env bash
# Installs what knotless needs to build and run, once per machine; safe to run again.
#   - libclang (Debian `libclang1-14`): the camera crate generates its V4L2 bindings at build time;
#   - the ONNX Runtime library, pinned: `libonnxruntime.so.1.31.1` from the PyPI wheel
#     `onnxruntime==1.31.1`, checked against its sha256 and kept in `runtime/` (ignored by git).
# Set KNOTLESS_SKIP_APT=1 to skip the Debian package step (e.g. without root).
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.31.1
ORT_WHEEL=onnxruntime-${ORT_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
ORT_LIB=libonnxruntime.so.${ORT_VERSION}
ORT_LIB_SHA256=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3

log() { printf 'setup: %s\n' "$*" >&2; }

# What bindgen (clang-sys) loads: `libclang.so`, `libclang.so.N`, `libclang-N.so` or
# `libclang-N.so.M`, from LIBCLANG_PATH when it is set, else from the linker's search path.
# `libclang-cpp.so.N` is a different library and does not count.
LIBCLANG_NAME='^libclang(-[0-9.]+)?\.so(\.[0-9.]+)?$'
have_libclang() {
    if [ -n "${LIBCLANG_PATH:-}" ]; then
        local f
        for f in "$LIBCLANG_PATH"/libclang*.so*; do
            [ -e "$f" ] && basename "$f" | grep -Eq "$LIBCLANG_NAME" && return 0
        done
        return 1
    fi
    ldconfig -p 2>/dev/null | awk '{print $1}' | grep -Eq "$LIBCLANG_NAME"
}

if [ "${KNOTLESS_SKIP_APT:-0}" != 1 ] && ! have_libclang; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        log "installing libclang1-14 (Debian) for the camera bindings"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libclang1-14 >/dev/null
    else
        log "libclang not found: install libclang (e.g. Debian's libclang1-14) and run again"
        exit 1
    fi
fi

mkdir -p runtime
if [ -f "runtime/$ORT_LIB" ] && echo "$ORT_LIB_SHA256  runtime/$ORT_LIB" | sha256sum -c --status; then
    log "ONNX Runtime $ORT_VERSION present in runtime/"
else
    cache=runtime/.cache
    mkdir -p "$cache"
    if ! { [ -f "$cache/$ORT_WHEEL" ] && echo "$ORT_WHEEL_SHA256  $cache/$ORT_WHEEL" | sha256sum -c --status; }; then
        log "downloading onnxruntime==$ORT_VERSION from PyPI"
        python3 -m pip download --quiet --no-deps --only-binary=:all: \
            --python-version 3.11 --implementation cp --abi cp311 \
            --platform manylinux_2_28_x86_64 -d "$cache" "onnxruntime==$ORT_VERSION"
    fi
    echo "$ORT_WHEEL_SHA256  $cache/$ORT_WHEEL" | sha256sum -c --status \
        || { log "checksum mismatch for $ORT_WHEEL"; exit 1; }
    python3 - "$cache/$ORT_WHEEL" "runtime/$ORT_LIB" "onnxruntime/capi/$ORT_LIB" <<'PY'
import sys, zipfile, shutil
wheel, dest, member = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest + ".part", "wb") as out:
    shutil.copyfileobj(src, out)
PY
    mv "runtime/$ORT_LIB.part" "runtime/$ORT_LIB"
    echo "$ORT_LIB_SHA256  runtime/$ORT_LIB" | sha256sum -c --status \
        || { rm -f "runtime/$ORT_LIB"; log "checksum mismatch for $ORT_LIB"; exit 1; }
    log "ONNX Runtime $ORT_VERSION installed in runtime/"
fi
