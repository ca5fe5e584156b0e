//! The report as one self-contained HTML file: inline CSS and SVG charts, no scripts and no
//! external resources, readable offline and printable.

use std::fmt::Write;

use super::advice::SAFETY_NOTE;
use super::svg::{self, esc};
use super::time::{fmt_duration, fmt_long_date, fmt_short_date};
use super::{Report, Summary, problem_label};

const CSS: &str = r#"
:root { --ink: #1f2630; --muted: #5b6573; --line: #e3e6ea; --good: #2f9e5b; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 1000px; padding: 24px 20px 40px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub, .note, footer { color: var(--muted); }
.note, footer { font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 18px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .v { font-size: 24px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 13px; }
.card.score .v { color: var(--good); font-size: 32px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font-family: system-ui, sans-serif; }
.legend { font-size: 13px; color: var(--muted); margin: 6px 0 0; }
.legend span { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin: 0 4px 0 12px; vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 600; }
.empty { padding: 16px; background: #f6f7f9; border-radius: 8px; }
ul.advice { padding-left: 18px; }
ul.advice li { margin-bottom: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section { break-inside: avoid; }
  .card { border-color: #bbb; }
  @page { margin: 14mm; }
}
"#;

/// Renders the report as a standalone HTML page.
pub fn render_html(report: &Report) -> String {
    let single = report.days.len() == 1;
    let period = if single {
        fmt_long_date(report.first_day)
    } else {
        format!("{} to {}", fmt_long_date(report.first_day), fmt_long_date(report.last_day))
    };
    let mut offsets: Vec<String> = Vec::new();
    for o in report.days.iter().flat_map(|d| &d.utc_offsets) {
        let o = format!("UTC{o}");
        if !offsets.contains(&o) {
            offsets.push(o);
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Posture report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&period)
    );
    let _ = writeln!(out, "<header><h1>Posture report</h1>");
    let mut sub = format!(
        "{} &middot; time zone {} ({})",
        esc(&period),
        esc(&report.time_zone),
        esc(&offsets.join(", then "))
    );
    if let Some(profile) = &report.profile {
        let _ = write!(sub, " &middot; profile {}", esc(profile));
    }
    let _ = writeln!(out, "<p class=\"sub\">{sub}</p></header>");

    let total = &report.total;
    if total.monitored_ms == 0 {
        let what = if single { "this day" } else { "these days" };
        let _ = writeln!(out, "<p class=\"empty\">No posture data for {what}.</p>");
    } else {
        cards(&mut out, total);
        let shown: Vec<_> = report.days.iter().filter(|d| d.summary.monitored_ms > 0).collect();
        let _ = writeln!(out, "<section>\n<h2>Timeline</h2>\n{}", svg::timeline(&shown));
        let _ = writeln!(
            out,
            "<p class=\"legend\">{}{}{}{}{}<span style=\"background:{}; border-radius:50%\"></span>break taken &middot; &#9660; alert &middot; | break due</p>\n</section>",
            legend(svg::GOOD, "good"),
            legend(svg::CAUTION, "caution"),
            legend(svg::BAD, "bad"),
            legend(svg::AWAY, "away"),
            legend(svg::PAUSED, "paused"),
            svg::BREAK
        );
        let (hours, full, caption) = if single {
            (&report.days[0].hours, 3_600_000, "Good posture by hour")
        } else {
            let max = report.by_clock_hour.iter().map(|h| h.monitored_ms).max().unwrap_or(0);
            (&report.by_clock_hour, max, "Good posture by time of day, whole period")
        };
        let _ = writeln!(
            out,
            "<section>\n<h2>{caption}</h2>\n{}\n<p class=\"legend\">{}{}{}</p>\n</section>",
            svg::hours(hours, full, caption),
            legend(svg::GOOD, "good"),
            legend(svg::CAUTION, "caution"),
            legend(svg::BAD, "bad")
        );
        problems(&mut out, total);
        if !single {
            days(&mut out, report);
        }
    }
    if report.trend.iter().any(|d| d.score.is_some()) {
        let _ = writeln!(
            out,
            "<section>\n<h2>Score over {} days</h2>\n{}\n<p class=\"note\">Mean of the days with data: last 7 days {}, last 30 days {}. The dashed line is the 30-day mean.</p>\n</section>",
            report.trend.len(),
            svg::trend(&report.trend, report.trend_30),
            pct(report.trend_7),
            pct(report.trend_30)
        );
    }
    if !report.advice.is_empty() {
        let _ = writeln!(out, "<section>\n<h2>Advice</h2>\n<ul class=\"advice\">");
        for a in &report.advice {
            let _ =
                writeln!(out, "<li><strong>{}</strong><br>{}</li>", esc(&a.title), esc(&a.text));
        }
        let _ = writeln!(out, "</ul>\n<p class=\"note\">{}</p>\n</section>", esc(SAFETY_NOTE));
    }
    let _ = writeln!(
        out,
        "<footer><p>Made by knotless from the history on this computer. It holds numbers, never images.</p></footer>\n</body>\n</html>"
    );
    out
}

fn legend(color: &str, name: &str) -> String {
    format!("<span style=\"background:{color}\"></span>{name}")
}

fn pct(score: Option<f64>) -> String {
    score.map_or_else(|| "-".to_string(), |s| format!("{:.0}%", s * 100.0))
}

fn cards(out: &mut String, s: &Summary) {
    let card = |class: &str, value: String, key: &str| {
        format!(
            "<div class=\"card {class}\"><div class=\"v\">{value}</div><div class=\"k\">{key}</div></div>"
        )
    };
    let streak = match &s.longest_good_streak_from {
        Some(from) => format!("longest good streak, from {}", esc(from)),
        None => "longest good streak".to_string(),
    };
    let _ = writeln!(
        out,
        "<section class=\"cards\">{}{}{}{}{}{}</section>",
        card("score", pct(s.score), "good posture (score)"),
        card("", fmt_duration(s.monitored_ms), "monitored (at the desk, watched)"),
        card("", fmt_duration(s.longest_good_streak_ms), &streak),
        card(
            "",
            s.alerts.given.to_string(),
            &format!("alerts, {} corrected within a minute", s.alerts.corrected_within_minute)
        ),
        card("", format!("{} of {}", s.breaks.taken, s.breaks.due), "breaks taken of due"),
        card(
            "",
            fmt_duration(s.away_ms + s.paused_ms),
            &format!(
                "away {} &middot; paused {}",
                fmt_duration(s.away_ms),
                fmt_duration(s.paused_ms)
            )
        ),
    );
}

fn problems(out: &mut String, s: &Summary) {
    let _ = writeln!(
        out,
        "<section>\n<h2>Time by posture</h2>\n<table>\n<tr><th>State or problem</th><th>caution</th><th>bad</th><th>share of monitored time</th></tr>"
    );
    let share = |ms: i64| format!("{:.0}%", ms as f64 * 100.0 / s.monitored_ms.max(1) as f64);
    let _ = writeln!(
        out,
        "<tr><td>Good posture</td><td></td><td></td><td>{} ({})</td></tr>",
        share(s.good_ms),
        fmt_duration(s.good_ms)
    );
    let _ = writeln!(
        out,
        "<tr><td>Not good (worst problem)</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        fmt_duration(s.caution_ms),
        fmt_duration(s.bad_ms),
        share(s.caution_ms + s.bad_ms)
    );
    for p in &s.problems {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&problem_label(&p.problem)),
            fmt_duration(p.caution_ms),
            fmt_duration(p.bad_ms),
            share(p.total_ms())
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<p class=\"note\">Several problems can happen at once, so their times can add up to more than the time not in good posture.</p>\n</section>"
    );
}

fn days(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "<section>\n<h2>Days</h2>\n<table>\n<tr><th>Day</th><th>monitored</th><th>score</th><th>alerts</th><th>corrected</th><th>breaks taken / due</th></tr>"
    );
    for day in &report.days {
        let s = &day.summary;
        let date = esc(&fmt_short_date(day.date));
        if s.monitored_ms == 0 {
            let _ = writeln!(out, "<tr><td>{date}</td><td colspan=\"5\">no data</td></tr>");
        } else {
            let _ = writeln!(
                out,
                "<tr><td>{date}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td></tr>",
                fmt_duration(s.monitored_ms),
                pct(s.score),
                s.alerts.given,
                s.alerts.corrected_within_minute,
                s.breaks.taken,
                s.breaks.due
            );
        }
    }
    let _ = writeln!(out, "</table>\n</section>");
}
