#!/usr/bin/env bash
# Installs what knotless needs to build and run, once per machine; safe to run again.
#   - libclang (Debian `libclang1-14`): the camera crate generates its V4L2 bindings at build time;
#   - the ONNX Runtime library, pinned: `libonnxruntime.so.1.31.1` from the PyPI wheel
#     `onnxruntime==1.31.1`, checked against its sha256 and kept in `runtime/` (ignored by git).
#   - with --test, what the test suite also runs: chromium (the HTML report test), tzdata
#     (report tests pin Europe/Berlin) and strace (the privacy test), from Debian.
# Set KNOTLESS_SKIP_APT=1 to skip the Debian package step (e.g. without root).
set -euo pipefail
want_test=0
[ "${1:-}" = --test ] && want_test=1
cd "$(dirname "$0")/.."

ORT_VERSION=1.31.1
ORT_WHEEL=onnxruntime-${ORT_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
ORT_LIB=libonnxruntime.so.${ORT_VERSION}
ORT_LIB_SHA256=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3

log() { printf 'setup: %s\n' "$*" >&2; }

# What bindgen (clang-sys) loads: `libclang.so`, `libclang.so.N`, `libclang-N.so` or
# `libclang-N.so.M`, from LIBCLANG_PATH when it is set (a folder or the library itself), else
# from the linker's search path. `libclang-cpp.so.N` is a different library and does not count.
LIBCLANG_NAME='^libclang(-[0-9.]+)?\.so(\.[0-9.]+)?$'
have_libclang() {
    if [ -n "${LIBCLANG_PATH:-}" ]; then
        local f
        for f in "$LIBCLANG_PATH" "$LIBCLANG_PATH"/libclang*.so*; do
            [ -f "$f" ] && basename "$f" | grep -Eq "$LIBCLANG_NAME" && return 0
        done
        return 1
    fi
    ldconfig -p 2>/dev/null | awk '{print $1}' | grep -Eq "$LIBCLANG_NAME"
}

# The browsers tests/report_chromium.rs looks for.
have_chromium() {
    local b
    for b in chromium chromium-browser google-chrome chrome; do
        command -v "$b" >/dev/null 2>&1 && return 0
    done
    return 1
}

# Debian packages still missing, each with why it is needed.
missing=()
have_libclang || missing+=(libclang1-14)   # the camera crate's V4L2 bindings, at build time
if [ "$want_test" = 1 ]; then
    have_chromium || missing+=(chromium)                        # the HTML report test
    [ -f /usr/share/zoneinfo/Europe/Berlin ] || missing+=(tzdata) # report tests pin Europe/Berlin
    command -v strace >/dev/null 2>&1 || missing+=(strace)      # the privacy test
fi

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "${KNOTLESS_SKIP_APT:-0}" = 1 ]; then
        log "KNOTLESS_SKIP_APT=1: not installing ${missing[*]} (Debian); install them yourself"
    elif command -v apt-get >/dev/null 2>&1; then
        sudo=""
        if [ "$(id -u)" != 0 ]; then
            command -v sudo >/dev/null 2>&1 \
                || { log "need root or sudo to install ${missing[*]} (Debian)"; exit 1; }
            sudo="sudo"
        fi
        log "installing ${missing[*]} (Debian)"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        log "missing ${missing[*]} (Debian names), and no apt-get to install them:"
        log "install them with your package manager (or point LIBCLANG_PATH at libclang), then run again"
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
