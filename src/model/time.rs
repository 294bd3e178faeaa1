//! Instants in UTC, as expiring entries (`until`), `--as-of` and the cluster's timestamps write
//! them. No time zone database and no clock here: an [`Instant`] is seconds since 1970 in UTC,
//! read from and written as ISO 8601 (the proleptic Gregorian calendar, years 1 to 9999).

use std::fmt;

/// A moment in UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

/// Days from 1970-01-01 to a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Instant {
    /// From a civil date and time in UTC; `None` for a date or time that does not exist.
    pub fn from_civil(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<Instant> {
        if !(1..=9999).contains(&y)
            || !(1..=12).contains(&m)
            || d == 0
            || d > days_in_month(y, m)
            || hh > 23
            || mm > 59
            || ss > 60
        {
            return None;
        }
        let secs = days_from_civil(y, m, d) * 86_400
            + i64::from(hh) * 3600
            + i64::from(mm) * 60
            + i64::from(ss.min(59));
        Some(Instant(secs))
    }

    pub fn from_unix(secs: i64) -> Instant {
        Instant(secs)
    }

    pub fn unix(self) -> i64 {
        self.0
    }

    /// This instant moved by `secs` seconds (either way).
    pub fn plus(self, secs: i64) -> Instant {
        Instant(self.0.saturating_add(secs))
    }

    /// Whether the instant is midnight UTC (a date written alone).
    pub fn is_midnight(self) -> bool {
        self.0.rem_euclid(86_400) == 0
    }

    /// The date alone: `2027-01-31`.
    pub fn date(self) -> String {
        let (y, m, d) = civil_from_days(self.0.div_euclid(86_400));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// The date when the instant is midnight, else the full `2027-01-31T12:00:00Z`.
    pub fn short(self) -> String {
        if self.is_midnight() {
            self.date()
        } else {
            self.to_string()
        }
    }

    /// Reads `2027-01-31`, `2027-01-31T12:00:00Z`, `2027-01-31 12:00:00.123456` (UTC when no
    /// offset is written), `2027-01-31T12:00:00+02:00`. Fractions of a second are dropped.
    pub fn parse(text: &str) -> Result<Instant, String> {
        let bad = || {
            format!(
                "`{}` is not a date (2027-01-31) or a date-time (2027-01-31T12:00:00Z)",
                crate::text::sanitize(text)
            )
        };
        let t = text.trim();
        let num = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let date = t.get(..10).ok_or_else(bad)?;
        let (y, m, d) = match (
            date.get(..4),
            date.get(4..5),
            date.get(5..7),
            date.get(7..8),
        ) {
            (Some(y), Some("-"), Some(m), Some("-")) => (num(y), num(m), num(&date[8..])),
            _ => return Err(bad()),
        };
        let (Some(y), Some(m), Some(d)) = (y, m, d) else {
            return Err(bad());
        };
        let rest = &t[10..];
        if rest.is_empty() {
            return Instant::from_civil(i64::from(y), m, d, 0, 0, 0).ok_or_else(bad);
        }
        let rest = rest.strip_prefix(['T', 't', ' ']).ok_or_else(bad)?;
        let (hh, mm, ss) = match (rest.get(..2), rest.get(2..3), rest.get(3..5)) {
            (Some(h), Some(":"), Some(mi)) => (num(h), num(mi), 0),
            _ => return Err(bad()),
        };
        let mut rest = &rest[5..];
        let mut secs = 0;
        if let Some(r) = rest.strip_prefix(':') {
            secs = r.get(..2).and_then(num).ok_or_else(bad)?;
            rest = &r[2..];
            if let Some(frac) = rest.strip_prefix('.') {
                let n = frac.bytes().take_while(u8::is_ascii_digit).count();
                if n == 0 {
                    return Err(bad());
                }
                rest = &frac[n..];
            }
        }
        let offset: i64 = match rest {
            "" | "Z" | "z" | "+00" | "+00:00" => 0,
            o => {
                let sign = match o.as_bytes()[0] {
                    b'+' => -1,
                    b'-' => 1,
                    _ => return Err(bad()),
                };
                let (oh, om) = match (o.get(1..3), o.get(3..4), o.get(4..)) {
                    (Some(h), Some(":"), Some(m)) => (num(h), num(m)),
                    (Some(h), None, None) => (num(h), Some(0)),
                    _ => return Err(bad()),
                };
                let (Some(oh), Some(om)) = (oh, om) else {
                    return Err(bad());
                };
                if oh > 23 || om > 59 {
                    return Err(bad());
                }
                sign * (i64::from(oh) * 3600 + i64::from(om) * 60)
            }
        };
        let (Some(hh), Some(mm)) = (hh, mm) else {
            return Err(bad());
        };
        Instant::from_civil(i64::from(y), m, d, hh, mm, ss.max(secs))
            .map(|i| i.plus(offset))
            .ok_or_else(bad)
    }

    /// Reads a duration as `--unused` and `--expiring-within` take it: `90d`, `12h`, `2w`, or
    /// a number of days alone; in seconds.
    pub fn parse_span(text: &str) -> Result<i64, String> {
        Instant::parse_span_in(
            text,
            &[("", 86_400), ("d", 86_400), ("h", 3600), ("w", 7 * 86_400)],
            "days (90d), hours (12h) or weeks (2w)",
        )
    }

    /// A number of at most 100,000 and one of `units` (its seconds; `""` for none), as
    /// seconds; `hint` names the units in the error.
    pub fn parse_span_in(text: &str, units: &[(&str, i64)], hint: &str) -> Result<i64, String> {
        let t = text.trim();
        let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
        let n = digits.parse::<i64>().ok().filter(|n| *n <= 100_000);
        match (n, units.iter().find(|(u, _)| *u == unit)) {
            (Some(n), Some((_, seconds))) => Ok(n * seconds),
            _ => Err(format!(
                "`{}` is not a duration: write a number of {hint}",
                crate::text::sanitize(text)
            )),
        }
    }
}

/// `2027-01-31T12:00:00Z`.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.rem_euclid(86_400);
        write!(
            f,
            "{}T{:02}:{:02}:{:02}Z",
            self.date(),
            s / 3600,
            s % 3600 / 60,
            s % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_dates_and_times() {
        let d = Instant::parse("2027-01-31").unwrap();
        assert_eq!(d.to_string(), "2027-01-31T00:00:00Z");
        assert_eq!(d.short(), "2027-01-31");
        assert_eq!(Instant::parse("1970-01-01T00:00:00Z").unwrap().unix(), 0);
        assert_eq!(
            Instant::parse("2027-01-31T12:30:00+02:00")
                .unwrap()
                .to_string(),
            "2027-01-31T10:30:00Z"
        );
        assert_eq!(
            Instant::parse("2026-12-03 11:09:41.123456")
                .unwrap()
                .to_string(),
            "2026-12-03T11:09:41Z"
        );
        assert_eq!(Instant::parse("2024-02-29").unwrap().date(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2027-13-01",
            "2027-1-01",
            "tomorrow",
            "",
            "2027-01-31T25:00",
            "2027-01-31Tx",
            "2027-01-31T10:00+2:00",
        ] {
            assert!(Instant::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_dates_round_trip_over_centuries() {
        let mut day = days_from_civil(1, 1, 1);
        let end = days_from_civil(9999, 12, 31);
        while day <= end {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
            assert!(d <= days_in_month(y, m));
            day += 17;
        }
    }

    #[test]
    fn spans() {
        assert_eq!(Instant::parse_span("90d").unwrap(), 90 * 86_400);
        assert_eq!(Instant::parse_span("14").unwrap(), 14 * 86_400);
        assert_eq!(Instant::parse_span("2w").unwrap(), 14 * 86_400);
        assert!(Instant::parse_span("90 days").is_err());
        assert!(Instant::parse_span("-1d").is_err());
    }
}
