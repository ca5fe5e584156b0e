//! Per-stage cost of pose estimation on one 640x480 webcam frame, 1 inference thread:
//! preprocessing, each model's inference, and decoding of its outputs.
//!
//! `cargo bench --bench pose`; `benches/run.sh` runs it beside the Python floor.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use knotless::pose::{
    BlazePose, LandmarkVariant, ModelFiles, MoveNet, PoseEstimator, decode_best_detection,
    decode_landmarks, decode_movenet, roi_from_alignment,
};

fn frame() -> image::RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session/000000.jpg");
    image::open(path).expect("demo frame").into_rgb8()
}

fn bench_blazepose(c: &mut Criterion, variant: LandmarkVariant, name: &str) {
    let files = ModelFiles::in_dir(&ModelFiles::default_dir());
    let mut bp = BlazePose::load(&files, variant, 1).expect("BlazePose models");
    let img = frame();
    let det = bp.detect(&img).expect("detector").expect("a person in the demo frame");
    let roi = roi_from_alignment(det.centre, det.scale_point);

    let mut g = c.benchmark_group(name);
    g.bench_function("detector/preprocess", |b| b.iter(|| bp.detector_preprocess(black_box(&img))));
    let lb = bp.detector_preprocess(&img);
    g.bench_function("detector/inference", |b| b.iter(|| bp.detector_infer().map(|_| ())));
    let (boxes, scores) = {
        let (b, s) = bp.detector_infer().expect("detector");
        (b.to_vec(), s.to_vec())
    };
    let anchors = bp.anchors().to_vec();
    g.bench_function("detector/decode", |b| {
        b.iter(|| decode_best_detection(black_box(&boxes), black_box(&scores), &anchors, &lb))
    });
    g.bench_function("landmarks/preprocess", |b| {
        b.iter(|| bp.landmark_preprocess(black_box(&img), &roi))
    });
    g.bench_function("landmarks/inference", |b| b.iter(|| bp.landmark_infer(&roi).map(|_| ())));
    let out = bp.landmarks(&img, &roi).expect("landmarks");
    g.bench_function("landmarks/decode", |b| {
        b.iter(|| decode_landmarks(black_box(&out), &roi, img.width(), img.height()))
    });
    bp.reset();
    let _ = bp.estimate(&img);
    g.bench_function("tracked frame end to end", |b| b.iter(|| bp.estimate(black_box(&img))));
    g.finish();
}

fn blazepose_full(c: &mut Criterion) {
    bench_blazepose(c, LandmarkVariant::Full, "blazepose_full");
}

fn blazepose_lite(c: &mut Criterion) {
    bench_blazepose(c, LandmarkVariant::Lite, "blazepose_lite");
}

fn movenet(c: &mut Criterion) {
    let files = ModelFiles::in_dir(&ModelFiles::default_dir());
    let mut mn = MoveNet::load(&files, 1).expect("MoveNet model");
    let img = frame();
    let mut g = c.benchmark_group("movenet");
    g.bench_function("preprocess", |b| b.iter(|| mn.preprocess(black_box(&img))));
    let lb = mn.preprocess(&img);
    g.bench_function("inference", |b| b.iter(|| mn.infer()));
    let raw = mn.infer().expect("movenet");
    g.bench_function("decode", |b| {
        b.iter(|| decode_movenet(black_box(&raw), &lb, img.width(), img.height()))
    });
    g.bench_function("frame end to end", |b| b.iter(|| mn.estimate(black_box(&img))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = blazepose_full, blazepose_lite, movenet
}
criterion_main!(benches);
