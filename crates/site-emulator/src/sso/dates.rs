//! Dates as SSO messages and cookies write them, from seconds since 1970 (UTC), and the
//! site's own idea of "now" in those seconds (the real clock plus what tests advanced).

use std::time::Instant;

use crate::state::Shared;
use crate::totp;

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The site's clock in seconds since 1970: the real time plus the emulator clock's offset,
/// so that expirations written in cookies agree with when the site considers them passed.
pub(crate) fn epoch_now(shared: &Shared) -> i64 {
    let real = i64::try_from(totp::now_unix()).unwrap_or(i64::MAX);
    let offset = i64::try_from(shared.clock_offset().as_secs()).unwrap_or(i64::MAX);
    real.saturating_add(offset)
}

/// An instant of the site's clock (`Shared::now` based) in seconds since 1970.
pub(crate) fn epoch_of(shared: &Shared, at: Instant) -> i64 {
    let now = shared.now();
    let now_epoch = epoch_now(shared);
    let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    if at >= now {
        now_epoch.saturating_add(seconds(at - now))
    } else {
        now_epoch.saturating_sub(seconds(now - at))
    }
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31) (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, usize, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, usize::try_from(month).unwrap_or(1), day)
}

/// (year, month 1-12, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    weekday: &'static str,
    year: i64,
    month: usize,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

fn parts(epoch: i64) -> Parts {
    let days = epoch.div_euclid(86_400);
    let rest = epoch.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Parts {
        weekday: DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)],
        year,
        month,
        day,
        hour: rest / 3600,
        minute: rest % 3600 / 60,
        second: rest % 60,
    }
}

/// `Thu, 01 Jan 2026 00:00:00 GMT`: a `Set-Cookie` `Expires` (RFC 7231 IMF-fixdate).
pub(crate) fn http_date(epoch: i64) -> String {
    gmt_date(epoch, ' ')
}

/// `Thu, 01-Jan-2026 00:00:00 GMT`: how Qt's `QNetworkCookie::toRawForm` writes `expires`.
pub(crate) fn qt_date(epoch: i64) -> String {
    gmt_date(epoch, '-')
}

/// The two cookie date forms, which differ only in what separates day, month and year.
fn gmt_date(epoch: i64, separator: char) -> String {
    let p = parts(epoch);
    format!(
        "{}, {:02}{separator}{}{separator}{:04} {:02}:{:02}:{:02} GMT",
        p.weekday,
        p.day,
        MONTHS[p.month - 1],
        p.year,
        p.hour,
        p.minute,
        p.second
    )
}

/// `2026-01-01T00:00:00Z`: an `xs:dateTime` in UTC, as SAML messages carry instants.
pub(crate) fn xml_datetime(epoch: i64) -> String {
    let p = parts(epoch);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// Reads an `xs:dateTime` (`2026-01-01T00:00:00Z`, with optional fractional seconds and a
/// `Z` or `±hh:mm` zone; no zone is read as UTC); seconds since 1970, fractions dropped.
pub(crate) fn parse_xml_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, zone_offset) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(i) = time.rfind(['+', '-']).filter(|&i| i >= 8) {
        let (clock, zone) = time.split_at(i);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
        if !(0..=14).contains(&h) || !(0..=59).contains(&m) {
            return None;
        }
        let minutes = h * 60 + m;
        (clock, sign * minutes * 60)
    } else {
        (time, 0)
    };
    let clock = clock.split_once('.').map_or(clock, |(whole, _)| whole);
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.parse().ok()?;
    if hour > 24 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - zone_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_agree_with_known_dates() {
        assert_eq!(http_date(1_767_225_600), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(qt_date(1_767_225_600), "Thu, 01-Jan-2026 00:00:00 GMT");
        assert_eq!(xml_datetime(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(xml_datetime(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn xml_datetimes_read_back_with_fractions_and_zones() {
        for epoch in [0, 951_782_400, 1_767_225_600, 1_796_515_199] {
            assert_eq!(parse_xml_datetime(&xml_datetime(epoch)), Some(epoch));
        }
        assert_eq!(
            parse_xml_datetime("2026-01-01T01:00:00.123456+01:00"),
            Some(1_767_225_600)
        );
        assert_eq!(
            parse_xml_datetime("2026-01-01T00:00:00"),
            Some(1_767_225_600)
        );
        assert_eq!(parse_xml_datetime("yesterday"), None);
        assert_eq!(parse_xml_datetime("2026-13-01T00:00:00Z"), None);
        assert_eq!(
            parse_xml_datetime("9223372036854775807-01-01T00:00:00Z"),
            None
        );
        assert_eq!(
            parse_xml_datetime("2026-01-01T00:00:00+99999999999999:00"),
            None
        );
    }
}
