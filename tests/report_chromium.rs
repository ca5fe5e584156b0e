//! The HTML report in headless Chromium: its SVG charts lay out with a non-zero size, and a
//! screenshot is not blank. Without Chromium on PATH it fails (Debian: `apt-get install
//! chromium`), unless `KNOTLESS_SKIP_CHROMIUM=1` is set, when it skips with a message. The
//! screenshot is kept in target/tmp/report-day.png for a human look.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::history::{berlin_request, d, golden_history};
use knotless::report;

const BROWSERS: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "chrome"];
const TIMEOUT: Duration = Duration::from_secs(90);
/// Set to `1` to skip the test on a machine without Chromium; otherwise a missing browser fails.
const SKIP_VAR: &str = "KNOTLESS_SKIP_CHROMIUM";

fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| BROWSERS.iter().map(move |b| dir.join(b)))
        .find(|p| p.is_file())
}

/// Runs the browser headless with `args` and the page; returns stdout.
fn headless(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the browser");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for the browser") {
            Some(_) => break,
            None if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                panic!("the browser did not finish within {TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let output = child.wait_with_output().expect("browser output");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Written into the page's DOM by the injected check: `id:WxH:elements` per chart.
const CHECK_SCRIPT: &str = r#"<script>
const charts = [...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect();
  return s.id + ':' + Math.round(r.width) + 'x' + Math.round(r.height) + ':' +
    s.querySelectorAll('rect, circle, path, line').length;
});
const pre = document.createElement('pre');
pre.id = 'svg-check';
pre.textContent = charts.join(' ');
document.body.appendChild(pre);
</script>"#;

#[test]
fn html_report_renders_its_charts_in_chromium() {
    let Some(browser) = find_browser() else {
        if std::env::var_os(SKIP_VAR).is_some_and(|v| v == "1") {
            eprintln!("SKIPPED: no Chromium on PATH and {SKIP_VAR}=1");
            return;
        }
        panic!(
            "no Chromium on PATH (Debian: apt-get install chromium, or `make setup-test`); \
             set {SKIP_VAR}=1 to skip this test"
        );
    };
    let mut g = golden_history();
    let day = d(2026, 3, 24);
    let report = report::build(&berlin_request(day, day), g.rows()).expect("report");
    let html = report::render_html(&report);
    // Self-contained: no scripts, no links to anything outside the file.
    for needle in ["<script", "src=", "href=", "url(", "@import", "<link"] {
        assert!(!html.contains(needle), "the report contains {needle}");
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("day.html");
    std::fs::write(&page, &html).expect("write page");
    let checked = dir.path().join("day-checked.html");
    std::fs::write(&checked, html.replace("</body>", &format!("{CHECK_SCRIPT}</body>")))
        .expect("write checked page");

    let dom = headless(&browser, &dir.path().join("p1"), &["--dump-dom"], &checked);
    let line = dom
        .split("<pre id=\"svg-check\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| {
            panic!("the check did not run; DOM starts with {:?}", &dom[..dom.len().min(300)])
        });
    let charts: Vec<(String, f64, f64, usize)> = line
        .split_whitespace()
        .map(|c| {
            let parts: Vec<&str> = c.split(':').collect();
            let (w, h) = parts[1].split_once('x').expect("WxH");
            (
                parts[0].to_string(),
                w.parse().expect("w"),
                h.parse().expect("h"),
                parts[2].parse().expect("n"),
            )
        })
        .collect();
    let ids: Vec<&str> = charts.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(ids, ["timeline", "hours", "trend"], "{line}");
    for (id, w, h, n) in &charts {
        assert!(*w > 100.0 && *h > 20.0, "{id} is {w}x{h}");
        assert!(*n > 5, "{id} has only {n} shapes");
    }

    let shot = dir.path().join("day.png");
    headless(
        &browser,
        &dir.path().join("p2"),
        &["--window-size=1100,2000", &format!("--screenshot={}", shot.display())],
        &page,
    );
    let image = image::open(&shot).expect("a PNG screenshot").into_rgb8();
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-day.png");
    let _ = image.save(&keep);
    let total = u64::from(image.width()) * u64::from(image.height());
    let inked = image.pixels().filter(|p| p.0.iter().any(|&c| c < 200)).count() as u64;
    // The report's green (#2f9e5b), give or take antialiasing.
    let green = image
        .pixels()
        .filter(|p| {
            p.0[0].abs_diff(0x2f) < 12 && p.0[1].abs_diff(0x9e) < 12 && p.0[2].abs_diff(0x5b) < 12
        })
        .count() as u64;
    assert!(inked * 100 > total, "the screenshot is blank ({inked} of {total} pixels inked)");
    assert!(
        green > 2_000,
        "no charts in the screenshot ({green} green pixels); see {}",
        keep.display()
    );
}
