//! Local time for reports: day bounds, offsets and labels in the report's time zone.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ToSpan};

use super::ReportError;

/// One hour, in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;

/// `[start, end)` of a local date in Unix milliseconds; 23 or 25 hours long on DST changes.
pub fn day_bounds(date: Date, tz: &TimeZone) -> Result<(i64, i64), ReportError> {
    let start = start_of_day(date, tz)?;
    let next = date.tomorrow().map_err(|e| ReportError::Time(e.to_string()))?;
    Ok((start, start_of_day(next, tz)?))
}

fn start_of_day(date: Date, tz: &TimeZone) -> Result<i64, ReportError> {
    let zoned = date
        .to_zoned_datetime(tz.clone())
        .and_then(|z| z.start_of_day())
        .map_err(|e| ReportError::Time(e.to_string()))?;
    Ok(zoned.timestamp().as_millisecond())
}

/// The local date `days` after `date` (negative: before).
pub fn add_days(date: Date, days: i64) -> Result<Date, ReportError> {
    date.checked_add(days.days()).map_err(|e| ReportError::Time(e.to_string()))
}

fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The local date and time of `ms`.
pub fn local(ms: i64, tz: &TimeZone) -> jiff::civil::DateTime {
    tz.to_datetime(timestamp(ms))
}

/// The UTC offset in effect at `ms`.
pub fn offset_at(ms: i64, tz: &TimeZone) -> Offset {
    tz.to_offset(timestamp(ms))
}

/// `+02:00`, `-05:30`.
pub fn fmt_offset(offset: Offset) -> String {
    let secs = offset.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// `09:05` local.
pub fn fmt_clock(ms: i64, tz: &TimeZone) -> String {
    let t = local(ms, tz);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `2026-03-29T09:05:00+02:00`: local time with its offset.
pub fn fmt_local_iso(ms: i64, tz: &TimeZone) -> String {
    let t = local(ms, tz);
    format!(
        "{}T{:02}:{:02}:{:02}{}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second(),
        fmt_offset(offset_at(ms, tz))
    )
}

/// The zone's name for people: the IANA name, or "local time" for a zone without one.
pub fn zone_name(tz: &TimeZone) -> String {
    tz.iana_name().unwrap_or("local time").to_string()
}

/// A duration for people: `6h 05m`, `45m`, `30s`.
pub fn fmt_duration(ms: i64) -> String {
    let secs = (ms.max(0) + 500) / 1000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

/// `Sunday 29 March 2026`.
pub fn fmt_long_date(date: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = MONTHS[usize::try_from(date.month() - 1).unwrap_or(0).min(11)];
    format!("{} {} {month} {}", weekday_name(date), date.day(), date.year())
}

/// `Sunday`.
pub fn weekday_name(date: Date) -> &'static str {
    use jiff::civil::Weekday::*;
    match date.weekday() {
        Monday => "Monday",
        Tuesday => "Tuesday",
        Wednesday => "Wednesday",
        Thursday => "Thursday",
        Friday => "Friday",
        Saturday => "Saturday",
        Sunday => "Sunday",
    }
}

/// `Sun 29 Mar`.
pub fn fmt_short_date(date: Date) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS[usize::try_from(date.month() - 1).unwrap_or(0).min(11)];
    format!("{} {:2} {month}", &weekday_name(date)[..3], date.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn berlin_dst_days_are_23_and_25_hours() {
        let tz = TimeZone::get("Europe/Berlin").expect("tzdata for Europe/Berlin");
        let (s, e) = day_bounds(date(2026, 3, 29), &tz).expect("bounds");
        assert_eq!(e - s, 23 * HOUR_MS);
        let (s, e) = day_bounds(date(2026, 10, 25), &tz).expect("bounds");
        assert_eq!(e - s, 25 * HOUR_MS);
        assert_eq!(fmt_local_iso(s, &tz), "2026-10-25T00:00:00+02:00");
        assert_eq!(fmt_offset(offset_at(e - 1, &tz)), "+01:00");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(0), "0s");
        assert_eq!(fmt_duration(45_000), "45s");
        assert_eq!(fmt_duration(45 * 60_000), "45m");
        assert_eq!(fmt_duration(6 * HOUR_MS + 5 * 60_000), "6h 05m");
        assert_eq!(fmt_long_date(date(2026, 3, 29)), "Sunday 29 March 2026");
    }
}
