//! Per-stage cost of pose estimation on one 640x480 webcam frame, 1 inference thread:
//! preprocessing, each model's inference, and decoding of its outputs. Then the monitor's
//! per-frame path over the frames of the recorded demo session, in order, tracking on: JPEG
//! decode, measures, assessment, and the whole analysis of a frame with and without the decode,
//! with the default model (`clip/*`) and with BlazePose lite (`clip_lite/*`), both followed by
//! the face mesh; and the face mesh stage alone beside a tracked BlazePose frame
//! (`face_mesh/*`).
//!
//! `cargo bench --bench pose`; `benches/run.sh` runs it beside the Python floor and MediaPipe.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use knotless::capture::{Frame, RecordedSession, image_file};
use knotless::config::Config;
use knotless::monitor::analyse;
use knotless::pose::{
    Backend, BlazePose, FaceMesh, LandmarkVariant, ModelFiles, MoveNet, PoseEstimator,
    decode_best_detection, decode_landmarks, decode_movenet, roi_from_alignment,
};
use knotless::posture::{Baseline, assess, measure};

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
        b.iter(|| {
            decode_landmarks(black_box(&out), &roi, variant.model_kind(), img.width(), img.height())
        })
    });
    bp.reset();
    let _ = bp.estimate(&img);
    g.bench_function("tracked frame end to end", |b| b.iter(|| bp.estimate(black_box(&img))));
    g.finish();
}

/// The face mesh stage on the demo frame's face: crop, inference and the rigid fit together
/// (what it adds to every analysed frame), beside the tracked BlazePose frame it follows.
fn face_mesh(c: &mut Criterion) {
    let files = ModelFiles::in_dir(&ModelFiles::default_dir());
    let mut bp = BlazePose::load(&files, LandmarkVariant::Full, 1).expect("BlazePose models");
    let mut face = FaceMesh::load(&files, 1).expect("face mesh model");
    let img = frame();
    let pose = bp.estimate(&img).expect("BlazePose runs").expect("a person in the demo frame");
    assert!(face.estimate(&img, &pose).expect("face mesh runs").is_some(), "a face");
    let mut g = c.benchmark_group("face_mesh");
    g.bench_function("crop, inference and fit", |b| {
        b.iter(|| face.estimate(black_box(&img), black_box(&pose)))
    });
    g.bench_function("blazepose tracked frame", |b| b.iter(|| bp.estimate(black_box(&img))));
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

fn session_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/session")
}

/// The JPEG bytes of every frame of the demo session, in replay order.
fn session_jpegs() -> Vec<(u64, Vec<u8>)> {
    let session =
        RecordedSession::open(&session_dir(), None, knotless::capture::Pacing::Max).unwrap();
    session.entries().iter().map(|e| (e.t_ms, std::fs::read(&e.file).unwrap())).collect()
}

/// The monitor's analysis of one frame (pose, measures, assessment) with the default model,
/// over the session's frames in order, so tracking works as it does in the monitor.
fn clip(c: &mut Criterion) {
    clip_with(c, Config::default().monitor.model, "clip", true);
}

/// The same analysis with BlazePose lite, end to end only.
fn clip_lite(c: &mut Criterion) {
    clip_with(c, Backend::BlazeposeLite, "clip_lite", false);
}

/// The analysis of the session's frames with `backend`, as benchmark group `name`; with
/// `stages`, also the JPEG decode, the measures and the assessment on their own.
fn clip_with(c: &mut Criterion, backend: Backend, name: &str, stages: bool) {
    let jpegs = session_jpegs();
    let config = Config::default();
    let camera = config.camera.model();
    let thresholds = config.posture.thresholds;
    let files = ModelFiles::in_dir(&ModelFiles::default_dir());
    let mut estimator = knotless::pose::load_estimator_with(backend, &files, 1).unwrap();
    let (w, h) = image_file::decode_rgb(&jpegs[0].1).unwrap().dimensions();
    let baseline = Baseline::population(backend, w, h);
    let mut g = c.benchmark_group(name);

    if stages {
        let mut i = 0;
        g.bench_function("jpeg decode", |b| {
            b.iter(|| {
                i = (i + 1) % jpegs.len();
                image_file::decode_rgb(black_box(&jpegs[i].1)).unwrap()
            })
        });

        // Poses and measures of frames spread over the session, for the posture stages.
        let poses: Vec<_> = jpegs
            .iter()
            .map(|(_, jpeg)| estimator.estimate(&image_file::decode_rgb(jpeg).unwrap()).unwrap())
            .step_by(10)
            .flatten()
            .collect();
        let measures: Vec<_> = poses.iter().map(|p| measure(p, &camera)).collect();
        let mut i = 0;
        g.bench_function("measures", |b| {
            b.iter(|| {
                i = (i + 1) % poses.len();
                measure(black_box(&poses[i]), &camera)
            })
        });
        let mut i = 0;
        g.bench_function("assessment", |b| {
            b.iter(|| {
                i = (i + 1) % measures.len();
                assess(black_box(&measures[i]), &baseline, &thresholds)
            })
        });
    }

    // A frame as the monitor analyses it, from the JPEG file's bytes to the assessment.
    estimator.reset();
    let mut i = 0;
    let mut analyse_frame = |with_decode: bool| {
        i = (i + 1) % jpegs.len();
        if i == 0 {
            estimator.reset();
        }
        let (t_ms, jpeg) = &jpegs[i];
        let start = Instant::now();
        let image = image_file::decode_rgb(black_box(jpeg)).unwrap();
        let decoded = Instant::now();
        let frame = Frame { image, t_ms: *t_ms, seq: i as u64 };
        let analysis = analyse(estimator.as_mut(), &frame, &camera, &baseline, &thresholds);
        black_box(analysis.unwrap());
        if with_decode { start.elapsed() } else { decoded.elapsed() }
    };
    g.bench_function("frame end to end", |b| {
        b.iter_custom(|n| (0..n).map(|_| analyse_frame(true)).sum::<Duration>())
    });
    g.bench_function("frame end to end without decode", |b| {
        b.iter_custom(|n| (0..n).map(|_| analyse_frame(false)).sum::<Duration>())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = face_mesh, blazepose_full, blazepose_lite, movenet, clip, clip_lite
}
criterion_main!(benches);
