//! Report generation over 30 days of history at the default sampling rate (one sample a
//! second, 8 h a day: 864,000 samples) in a temporary SQLite file: reading the rows and
//! aggregating (`report::load`), aggregating alone, and rendering. Also prints the file size
//! per monitored hour. Target: a 30-day report in under 0.5 s.
//!
//! `cargo bench -j2 --bench report`; figures in BENCHMARKS.md. With
//! `KNOTLESS_BENCH_KEEP_HISTORY=DIR` the generated histories are also kept in `DIR/clean` and
//! `DIR/flickering` (states changing from second to second as in a real session).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

#[path = "../tests/common/history.rs"]
#[allow(dead_code)]
mod generated;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use generated::{Gen, berlin, berlin_request};
use knotless::report::{self, Rows, TextOptions};
use knotless::store::History;

const DAYS: i64 = 30;

/// Writes 30 generated days into `dir/NAME/history.sqlite3`, compacted; returns the file and the
/// rows. `flicker`: states and levels change from second to second as in a real session.
fn write_history(dir: &Path, name: &str, flicker: bool) -> (PathBuf, Gen) {
    let path = dir.join(name).join("history.sqlite3");
    let mut history = History::open(&path).expect("history");
    let mut g = Gen::new(berlin());
    let mut day = FIRST;
    let mut seed = 0;
    while day <= last_day() {
        g.typical_day(day, seed);
        seed += 1;
        day = day.tomorrow().expect("date");
    }
    if flicker {
        g.flicker(7);
    }
    g.write_to(&mut history);
    drop(history);
    let mut history = History::open(&path).expect("history");
    history.forget_before(0).expect("checkpoint and vacuum");
    let spans = history.spans(report::rows_range(&month()).expect("range"), None).expect("spans");
    let bytes = std::fs::metadata(&path).expect("size").len();
    let samples = g.samples.len();
    let hours = samples as f64 / 3600.0;
    eprintln!(
        "{name} history: {samples} samples in {} spans, {hours:.0} monitored-and-away hours, \
         {:.1} MiB: {:.0} KiB per hour",
        spans.len(),
        bytes as f64 / 1048576.0,
        bytes as f64 / hours / 1024.0
    );
    if let Some(keep) = std::env::var_os("KNOTLESS_BENCH_KEEP_HISTORY") {
        // For timing the whole `knotless report` process on this history (BENCHMARKS.md).
        let to = Path::new(&keep).join(name);
        std::fs::create_dir_all(&to).expect("keep folder");
        std::fs::copy(&path, to.join("history.sqlite3")).expect("copy the history");
    }
    (path, g)
}

const FIRST: jiff::civil::Date = jiff::civil::date(2026, 3, 1);

fn last_day() -> jiff::civil::Date {
    report::time::add_days(FIRST, DAYS - 1).expect("date")
}

fn month() -> report::ReportRequest {
    berlin_request(FIRST, last_day())
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, mut g) = write_history(dir.path(), "clean", false);
    let (flickering_path, _) = write_history(dir.path(), "flickering", true);
    let history = History::open_read_only(&path).expect("read-only");
    let flickering = History::open_read_only(&flickering_path).expect("read-only");
    let (first, last) = (FIRST, last_day());

    let month = berlin_request(first, last);
    let one_day = berlin_request(last, last);
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("load_30_days", |b| {
        b.iter(|| report::load(&history, black_box(&month)).expect("report"))
    });
    group.bench_function("load_30_days_flickering", |b| {
        b.iter(|| report::load(&flickering, black_box(&month)).expect("report"))
    });
    group.bench_function("load_1_day_with_30_day_trend", |b| {
        b.iter(|| report::load(&history, black_box(&one_day)).expect("report"))
    });
    let range = report::rows_range(&month).expect("range");
    group.bench_function("query_spans_30_days", |b| {
        b.iter(|| history.spans(black_box(range), None).expect("spans").len())
    });
    group.bench_function("query_spans_30_days_flickering", |b| {
        b.iter(|| flickering.spans(black_box(range), None).expect("spans").len())
    });
    group.bench_function("query_samples_30_days", |b| {
        b.iter(|| history.samples(black_box(range), None).expect("samples").len())
    });
    g.sort();
    let rows = Rows { spans: &g.spans, events: &g.events, sessions: &g.sessions };
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
