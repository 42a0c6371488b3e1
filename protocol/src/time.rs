//! Instants on the wire. The pure code never reads a clock: callers pass `now`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Milliseconds since the Unix epoch, UTC. On the wire: RFC 3339 in UTC with
/// milliseconds, e.g. `2026-11-28T07:30:00.000Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = DateTime))]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    pub fn as_millis(self) -> i64 {
        self.0
    }

    pub fn plus_hours(self, hours: u32) -> Timestamp {
        Timestamp(self.0 + i64::from(hours) * HOUR)
    }

    pub fn plus_days(self, days: u32) -> Timestamp {
        Timestamp(self.0 + i64::from(days) * DAY)
    }

    /// `2026-11-28T07:30:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(DAY);
        let ms_of_day = self.0.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            ms_of_day / HOUR,
            ms_of_day % HOUR / MINUTE,
            ms_of_day % MINUTE / 1000,
            ms_of_day % 1000
        )
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or RFC 3339 with `Z` or a `±HH:MM` offset and
    /// optional fractional seconds.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        let number = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
        };
        if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let date = days_from_civil(year, month, day) * DAY;
        if bytes.len() == 10 {
            return Some(Timestamp(date));
        }
        if !matches!(bytes[10], b'T' | b't' | b' ') || bytes.len() < 20 || bytes[13] != b':' || bytes[16] != b':' {
            return None;
        }
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut rest = &text[19..];
        let mut millis = 0;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
            millis = padded.parse::<i64>().ok()?;
            rest = &fraction[digits..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                    return None;
                }
                let (h, m): (i64, i64) = (rest[1..3].parse().ok()?, rest[4..6].parse().ok()?);
                sign * (h * HOUR + m * MINUTE)
            }
        };
        Some(Timestamp(date + hour * HOUR + minute * MINUTE + second.min(59) * 1000 + millis - offset))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 date-time")))
    }
}

impl crate::read::Read for Timestamp {
    fn read<J: crate::read::Json>(value: &J, at: &crate::read::At) -> crate::read::Result<Timestamp> {
        let text = String::read(value, at)?;
        Timestamp::parse(&text).ok_or_else(|| at.invalid(format!("\"{text}\" is not an RFC 3339 date-time")))
    }
}

impl crate::read::Write for Timestamp {
    fn write<J: crate::read::Json>(&self) -> J {
        J::string(&self.to_rfc3339())
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil algorithms (public domain): proleptic Gregorian.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(Timestamp::parse(text).map(Timestamp::to_rfc3339).as_deref(), expected, "{text}");
    }

    #[test]
    fn parses_and_formats() {
        check("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00.000Z"));
        check("2026-11-28T07:30:05.123Z", Some("2026-11-28T07:30:05.123Z"));
        check("2026-11-28T15:30:05+08:00", Some("2026-11-28T07:30:05.000Z"));
        check("2026-11-28T00:30:00-01:30", Some("2026-11-28T02:00:00.000Z"));
        check("2026-11-28", Some("2026-11-28T00:00:00.000Z"));
        check("2024-02-29", Some("2024-02-29T00:00:00.000Z"));
        check("2026-11-28T07:30:05.1Z", Some("2026-11-28T07:30:05.100Z"));
        check("1969-12-31T23:59:59.999Z", Some("1969-12-31T23:59:59.999Z"));
        for bad in [
            "",
            "2026-13-01",
            "2025-02-29",
            "2026-11-28T25:00:00Z",
            "2026-11-28T07:30:05",
            "yesterday",
            "2026-11-28T07:30:05.Z",
            "2026-11-28T07:30:05+0800",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn arithmetic() {
        let t = Timestamp::parse("2026-11-28T07:30:00Z").unwrap();
        assert_eq!(t.plus_hours(48).to_rfc3339(), "2026-11-30T07:30:00.000Z");
        assert_eq!(t.plus_days(7).to_rfc3339(), "2026-12-05T07:30:00.000Z");
    }

    #[test]
    fn serde_round_trip() {
        let t = Timestamp(1_764_315_000_000);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2025-11-28T07:30:00.000Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"soon\"").is_err());
    }
}
