//! A rolling record of one problem over time, weighted by time rather than by frame count, so
//! that 0.5 fps and 5 fps give the same shares.

use std::collections::VecDeque;

use crate::posture::Level;

/// A stretch of time with one level. Neighbouring frames with the same level merge into one
/// span, so a steady posture costs one entry however long it lasts.
#[derive(Debug, Clone, Copy)]
struct Span {
    start_ms: u64,
    end_ms: u64,
    level: Level,
    /// Sum of deviation × milliseconds over the span, for time-weighted means.
    deviation_ms: f64,
}

/// What a stretch of the record adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tally {
    /// Time observed (with a person in view).
    pub covered_ms: u64,
    pub caution_ms: u64,
    pub bad_ms: u64,
    /// Sum of deviation × milliseconds over the caution and bad time.
    deviation_ms: f64,
}

impl Tally {
    /// Time off (caution or bad).
    pub fn off_ms(&self) -> u64 {
        self.caution_ms + self.bad_ms
    }

    /// Share of the observed time that was off, 0 when nothing was observed.
    pub fn off_share(&self) -> f32 {
        if self.covered_ms == 0 { 0.0 } else { self.off_ms() as f32 / self.covered_ms as f32 }
    }

    /// Mean deviation over the time off.
    pub fn mean_deviation(&self) -> Option<f32> {
        let off = self.off_ms();
        (off > 0).then(|| (self.deviation_ms / off as f64) as f32)
    }

    /// Bad if at least half the time off was bad, else caution.
    pub fn severity(&self) -> Level {
        if self.bad_ms > 0 && self.bad_ms >= self.caution_ms { Level::Bad } else { Level::Caution }
    }
}

/// The record of one problem, kept for `horizon_ms`.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    spans: VecDeque<Span>,
    horizon_ms: u64,
}

impl Window {
    pub fn new(horizon_ms: u64) -> Self {
        Window { spans: VecDeque::new(), horizon_ms }
    }

    /// Records `level` (with `deviation` when off) over `start_ms..end_ms`. Spans must come in
    /// time order; an empty one is ignored.
    pub fn push(&mut self, start_ms: u64, end_ms: u64, level: Level, deviation: f32) {
        if end_ms <= start_ms {
            return;
        }
        let deviation = if level == Level::Ok { 0.0 } else { f64::from(deviation) };
        let deviation_ms = deviation * (end_ms - start_ms) as f64;
        match self.spans.back_mut() {
            Some(last) if last.end_ms == start_ms && last.level == level => {
                last.end_ms = end_ms;
                last.deviation_ms += deviation_ms;
            }
            _ => self.spans.push_back(Span { start_ms, end_ms, level, deviation_ms }),
        }
        let keep_from = end_ms.saturating_sub(self.horizon_ms);
        while self.spans.front().is_some_and(|s| s.end_ms <= keep_from) {
            self.spans.pop_front();
        }
    }

    /// Adds up the record over `from_ms..to_ms`, prorating spans cut by the edges.
    pub fn tally(&self, from_ms: u64, to_ms: u64) -> Tally {
        let mut tally = Tally::default();
        for span in self.spans.iter().rev() {
            if span.end_ms <= from_ms {
                break;
            }
            let start = span.start_ms.max(from_ms);
            let end = span.end_ms.min(to_ms);
            if end <= start {
                continue;
            }
            let part = end - start;
            tally.covered_ms += part;
            match span.level {
                Level::Ok => {}
                Level::Caution => tally.caution_ms += part,
                Level::Bad => tally.bad_ms += part,
            }
            let len = (span.end_ms - span.start_ms) as f64;
            tally.deviation_ms += span.deviation_ms * part as f64 / len;
        }
        tally
    }

    /// The last `len_ms` up to `now_ms`.
    pub fn last(&self, now_ms: u64, len_ms: u64) -> Tally {
        self.tally(now_ms.saturating_sub(len_ms), now_ms)
    }

    pub fn clear(&mut self) {
        self.spans.clear();
    }

    #[cfg(test)]
    fn span_count(&self) -> usize {
        self.spans.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_levels_merge_and_old_spans_drop() {
        let mut w = Window::new(10_000);
        for t in 0..100u64 {
            w.push(t * 1000, (t + 1) * 1000, Level::Bad, 10.0);
        }
        assert_eq!(w.span_count(), 1);
        w.push(100_000, 101_000, Level::Ok, 0.0);
        w.push(101_000, 130_000, Level::Caution, 5.0);
        assert_eq!(w.span_count(), 1, "spans older than the horizon are dropped");
    }

    #[test]
    fn tally_prorates_the_edges_and_weights_by_time() {
        let mut w = Window::new(60_000);
        w.push(0, 10_000, Level::Ok, 0.0);
        w.push(10_000, 20_000, Level::Bad, 20.0);
        w.push(20_000, 40_000, Level::Caution, 5.0);
        w.push(45_000, 50_000, Level::Ok, 0.0); // 40-45 s unseen

        let t = w.tally(15_000, 50_000);
        assert_eq!(t.covered_ms, 5_000 + 20_000 + 5_000);
        assert_eq!(t.bad_ms, 5_000);
        assert_eq!(t.caution_ms, 20_000);
        assert!((t.off_share() - 25.0 / 30.0).abs() < 1e-6);
        let mean = t.mean_deviation().expect("some time off");
        assert!((mean - (20.0 * 5.0 + 5.0 * 20.0) / 25.0).abs() < 1e-4, "{mean}");
        assert_eq!(t.severity(), Level::Caution);

        assert_eq!(w.last(50_000, 5_000).off_ms(), 0);
        assert_eq!(w.last(50_000, 5_000).mean_deviation(), None);
    }

    #[test]
    fn empty_and_backwards_spans_are_ignored() {
        let mut w = Window::new(60_000);
        w.push(5_000, 5_000, Level::Bad, 1.0);
        w.push(6_000, 5_000, Level::Bad, 1.0);
        assert_eq!(w.tally(0, 10_000), Tally::default());
        assert_eq!(w.tally(0, 10_000).off_share(), 0.0);
    }
}
