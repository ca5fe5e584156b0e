//! The text and HTML renderers against golden files in tests/golden/report/, with a pinned
//! time zone (Europe/Berlin) and generated data. After an intended change, regenerate them with
//!
//!     UPDATE_GOLDEN=1 cargo test --test report_golden
//!
//! and review the diff.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::PathBuf;

use common::history::{berlin_request, d, golden_history};
use knotless::report::{self, TextOptions};

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/report").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("golden folder");
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_GOLDEN=1 cargo test --test report_golden",
            path.display()
        )
    });
    if expected != actual {
        let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{} differs from the rendered report (first differing line: {:?}); if the change is \
             intended, regenerate with UPDATE_GOLDEN=1 cargo test --test report_golden",
            path.display(),
            line.map(|l| l + 1)
        );
    }
}

#[test]
fn day_report_text_and_html() {
    let mut g = golden_history();
    let day = d(2026, 3, 24);
    let report = report::build(&berlin_request(day, day), g.rows()).expect("report");
    check("day.txt", &report::render_text(&report, &TextOptions { color: false }));
    check("day-color.txt", &report::render_text(&report, &TextOptions { color: true }));
    check("day.html", &report::render_html(&report));
}

#[test]
fn week_report_text_and_html() {
    // Friday 20 to Thursday 26 March: a weekend and two days after the last one without data.
    let mut g = golden_history();
    let report =
        report::build(&berlin_request(d(2026, 3, 20), d(2026, 3, 26)), g.rows()).expect("report");
    check("week.txt", &report::render_text(&report, &TextOptions { color: false }));
    check("week.html", &report::render_html(&report));
}

#[test]
fn dst_day_text() {
    // Sunday 29 March 2026, clocks go forward: the text names both offsets.
    let mut g = golden_history();
    let day = d(2026, 3, 29);
    let start = g.at(d(2026, 3, 28), 23, 30, 0);
    let s = g.session(start, start + 3 * common::history::HOUR);
    g.run(s, start, start + 3 * common::history::HOUR, knotless::store::State::Good, &[]);
    let report = report::build(&berlin_request(day, day), g.rows()).expect("report");
    check("dst-day.txt", &report::render_text(&report, &TextOptions { color: false }));
}
