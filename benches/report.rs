//! Report generation over 30 days of history at the default sampling rate (one sample a
//! second, 8 h a day: 864,000 samples) in a temporary SQLite file: reading the rows and
//! aggregating (`report::load`), aggregating alone, and rendering. Also prints the file size
//! per monitored hour. Target: a 30-day report in under 0.5 s.
//!
//! `cargo bench -j2 --bench report`; figures in BENCHMARKS.md.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

#[path = "../tests/common/history.rs"]
#[allow(dead_code)]
mod generated;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use generated::{Gen, berlin, berlin_request, d};
use knotless::report::{self, Rows, TextOptions};
use knotless::store::History;

const DAYS: i64 = 30;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.sqlite3");
    let mut history = History::open(&path).expect("history");
    let mut g = Gen::new(berlin());
    let first = d(2026, 3, 1);
    let last = report::time::add_days(first, DAYS - 1).expect("date");
    let mut day = first;
    let mut seed = 0;
    while day <= last {
        g.typical_day(day, seed);
        seed += 1;
        day = day.tomorrow().expect("date");
    }
    let samples = g.samples.len();
    g.write_to(&mut history);
    drop(history);
    let mut history = History::open(&path).expect("history");
    history.forget_before(0).expect("checkpoint and vacuum");
    let bytes = std::fs::metadata(&path).expect("size").len();
    let hours = samples as f64 / 3600.0;
    eprintln!(
        "history: {samples} samples, {hours:.0} monitored-and-away hours, {:.1} MiB: {:.0} KiB per hour",
        bytes as f64 / 1048576.0,
        bytes as f64 / hours / 1024.0
    );
    let history = History::open_read_only(&path).expect("read-only");

    let month = berlin_request(first, last);
    let one_day = berlin_request(last, last);
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("load_30_days", |b| {
        b.iter(|| report::load(&history, black_box(&month)).expect("report"))
    });
    group.bench_function("load_1_day_with_30_day_trend", |b| {
        b.iter(|| report::load(&history, black_box(&one_day)).expect("report"))
    });
    let range = report::rows_range(&month).expect("range");
    group.bench_function("query_sample_states_30_days", |b| {
        b.iter(|| history.sample_states(black_box(range), None).expect("samples").len())
    });
    group.bench_function("query_samples_30_days", |b| {
        b.iter(|| history.samples(black_box(range), None).expect("samples").len())
    });
    g.sort();
    let rows = Rows { samples: &g.samples, events: &g.events, sessions: &g.sessions };
    group.bench_function("aggregate_30_days", |b| {
        b.iter(|| report::build(black_box(&month), rows).expect("report"))
    });
    let built = report::build(&month, rows).expect("report");
    group.bench_function("render_text", |b| {
        b.iter(|| report::render_text(black_box(&built), &TextOptions::default()))
    });
    group.bench_function("render_html", |b| b.iter(|| report::render_html(black_box(&built))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
