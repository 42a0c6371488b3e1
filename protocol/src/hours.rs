//! Opening hours: a weekly schedule in the merchant's time zone, and the pure question
//! "is it open at this local time, and if not, when does it next open?".
//!
//! The time-zone conversion itself is not here: the browser's `Intl` turns "now" into a
//! [`LocalTime`] in the schedule's zone (see `crate::clock`), so the wasm ships no
//! time-zone database. Everything below works in minutes of the week.

use serde::Deserialize;

use crate::read::{self, At, Json, Object, Read};

const DAY: u32 = 24 * 60;
const WEEK: u32 = 7 * DAY;

/// A day of the week, Monday first (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: usize) -> Weekday {
        Weekday::ALL[index % 7]
    }

    /// Parses the English short names `Intl.DateTimeFormat("en-US", {weekday: "short"})`
    /// produces ("Mon", "Tue", …).
    pub fn from_en_short(name: &str) -> Option<Weekday> {
        let index = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].iter().position(|short| *short == name)?;
        Some(Weekday::from_index(index))
    }
}

/// A time of day as minutes after midnight, written `HH:MM` in configuration.
/// `24:00` is allowed as a closing time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub fn from_hm(hour: u16, minute: u16) -> Option<TimeOfDay> {
        let minutes = hour.checked_mul(60)?.checked_add(minute)?;
        (minute < 60 && minutes <= 24 * 60).then_some(TimeOfDay(minutes))
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn hour(self) -> u16 {
        self.0 / 60
    }

    pub fn minute(self) -> u16 {
        self.0 % 60
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let invalid = || format!("\"{text}\" is not a time of day (expected HH:MM, 00:00 to 24:00)");
        let (hour, minute) = text.split_once(':').ok_or_else(invalid)?;
        if hour.is_empty() || hour.len() > 2 || minute.len() != 2 {
            return Err(invalid());
        }
        let hour: u16 = hour.parse().map_err(|_| invalid())?;
        let minute: u16 = minute.parse().map_err(|_| invalid())?;
        TimeOfDay::from_hm(hour, minute).ok_or_else(invalid)
    }
}

/// Opening hours on the given days. A `close` at or before `open` runs past midnight
/// into the next day (`22:00`–`02:00`); `open == close` means the whole 24 hours.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub days: Vec<Weekday>,
    pub open: TimeOfDay,
    pub close: TimeOfDay,
}

/// When a channel is staffed. Days without a slot are closed days.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Staffed around the clock; `slots` are then ignored.
    #[serde(default)]
    pub always: bool,
    /// IANA time zone the slots are written in.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    #[serde(default)]
    pub slots: Vec<Slot>,
}

fn default_timezone() -> String {
    "Asia/Shanghai".to_owned()
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { always: true, timezone: default_timezone(), slots: Vec::new() }
    }
}

/// A wall-clock moment in the schedule's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    pub weekday: Weekday,
    /// Minutes after local midnight, 0..1440.
    pub minute: u16,
}

/// A coming opening or closing, relative to the `now` it was computed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    /// 0 = today, 1 = tomorrow, …
    pub days_ahead: u8,
    pub weekday: Weekday,
    pub at: TimeOfDay,
    pub minutes_until: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    AlwaysOpen,
    Open {
        closes: Moment,
    },
    /// `opens` is `None` when the schedule has no slot at all.
    Closed {
        opens: Option<Moment>,
    },
}

impl Schedule {
    /// Whether the channel is staffed at `now`, and the next change.
    pub fn availability(&self, now: LocalTime) -> Availability {
        if self.always {
            return Availability::AlwaysOpen;
        }
        let intervals = self.intervals();
        // Counted from a week earlier, so that last week's slots (Sunday night's running
        // into Monday) are found without going below zero.
        let start = WEEK + now.weekday.index() as u32 * DAY + u32::from(now.minute);
        let Some(mut end) = covering_end(&intervals, start) else {
            let opens = next_start(&intervals, start).map(|at| moment(now, at - start));
            return Availability::Closed { opens };
        };
        // Follow back-to-back and overlapping slots to the real closing time.
        while let Some(later) = covering_end(&intervals, end) {
            if end - start >= WEEK {
                return Availability::AlwaysOpen;
            }
            end = later;
        }
        if end - start >= WEEK {
            return Availability::AlwaysOpen;
        }
        Availability::Open { closes: moment(now, end - start) }
    }

    /// Every slot as `[start, end)` in minutes from Monday 00:00; `end` may pass the
    /// end of the week.
    fn intervals(&self) -> Vec<(u32, u32)> {
        let mut intervals = Vec::new();
        for slot in &self.slots {
            let open = u32::from(slot.open.minutes());
            let close = u32::from(slot.close.minutes());
            let length = if close > open { close - open } else { DAY - open + close };
            for day in &slot.days {
                let start = day.index() as u32 * DAY + open;
                intervals.push((start, start + length));
            }
        }
        intervals
    }
}

/// The latest end among intervals (repeated every week) that contain minute `t`.
fn covering_end(intervals: &[(u32, u32)], t: u32) -> Option<u32> {
    let week_start = t / WEEK * WEEK;
    intervals
        .iter()
        .flat_map(|&(s, e)| {
            [week_start.checked_sub(WEEK), Some(week_start), Some(week_start + WEEK)]
                .into_iter()
                .flatten()
                .map(move |base| (base + s, base + e))
        })
        .filter(|&(s, e)| s <= t && t < e)
        .map(|(_, e)| e)
        .max()
}

/// The earliest interval start after minute `t` (repeated every week).
fn next_start(intervals: &[(u32, u32)], t: u32) -> Option<u32> {
    let week_start = t / WEEK * WEEK;
    intervals.iter().flat_map(|&(s, _)| [week_start + s, week_start + WEEK + s]).filter(|&s| s > t).min()
}

fn moment(now: LocalTime, minutes_until: u32) -> Moment {
    let total = u32::from(now.minute) + minutes_until;
    let days_ahead = total / DAY;
    Moment {
        days_ahead: days_ahead as u8,
        weekday: Weekday::from_index(now.weekday.index() + days_ahead as usize),
        at: TimeOfDay((total % DAY) as u16),
        minutes_until,
    }
}

impl Read for Weekday {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Weekday> {
        use Weekday::*;
        let names = [("mon", Mon), ("tue", Tue), ("wed", Wed), ("thu", Thu), ("fri", Fri), ("sat", Sat), ("sun", Sun)];
        read::one_of(value, at, &names)
    }
}

impl Read for TimeOfDay {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<TimeOfDay> {
        TimeOfDay::try_from(String::read(value, at)?).map_err(|message| at.invalid(message))
    }
}

impl Read for Slot {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Slot> {
        let o = Object::new(value, at, &["days", "open", "close"])?;
        Ok(Slot { days: o.required("days")?, open: o.required("open")?, close: o.required("close")? })
    }
}

impl Read for Schedule {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Schedule> {
        let o = Object::new(value, at, &["always", "timezone", "slots"])?;
        Ok(Schedule {
            always: o.or("always", false)?,
            timezone: o.or("timezone", default_timezone())?,
            slots: o.or("slots", Vec::new())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn t(text: &str) -> TimeOfDay {
        TimeOfDay::try_from(text.to_owned()).unwrap()
    }

    fn schedule(slots: &[(&[Weekday], &str, &str)]) -> Schedule {
        Schedule {
            always: false,
            timezone: default_timezone(),
            slots: slots
                .iter()
                .map(|(days, open, close)| Slot { days: days.to_vec(), open: t(open), close: t(close) })
                .collect(),
        }
    }

    fn at(weekday: Weekday, time: &str) -> LocalTime {
        LocalTime { weekday, minute: t(time).minutes() }
    }

    fn closes(days_ahead: u8, weekday: Weekday, time: &str, minutes_until: u32) -> Availability {
        Availability::Open { closes: Moment { days_ahead, weekday, at: t(time), minutes_until } }
    }

    fn opens(days_ahead: u8, weekday: Weekday, time: &str, minutes_until: u32) -> Availability {
        Availability::Closed { opens: Some(Moment { days_ahead, weekday, at: t(time), minutes_until }) }
    }

    #[track_caller]
    fn check(schedule: &Schedule, now: LocalTime, expected: Availability) {
        assert_eq!(schedule.availability(now), expected, "at {now:?}");
    }

    const DAILY: &[Weekday] = &[Mon, Tue, Wed, Thu, Fri, Sat, Sun];

    #[test]
    fn the_seed_hotline_daily_nine_to_nine() {
        let s = schedule(&[(DAILY, "09:00", "21:00")]);
        check(&s, at(Mon, "08:59"), opens(0, Mon, "09:00", 1));
        check(&s, at(Mon, "09:00"), closes(0, Mon, "21:00", 720));
        check(&s, at(Mon, "20:59"), closes(0, Mon, "21:00", 1));
        check(&s, at(Mon, "21:00"), opens(1, Tue, "09:00", 720));
        check(&s, at(Sun, "23:30"), opens(1, Mon, "09:00", 570));
        check(&s, at(Wed, "00:00"), opens(0, Wed, "09:00", 540));
    }

    #[test]
    fn closed_days_are_skipped() {
        let s = schedule(&[(&[Mon, Tue, Wed, Thu, Fri], "09:00", "18:00")]);
        check(&s, at(Fri, "18:00"), opens(3, Mon, "09:00", 3 * 1440 - 540));
        check(&s, at(Sat, "12:00"), opens(2, Mon, "09:00", 2 * 1440 - 180));
        check(&s, at(Sun, "10:00"), opens(1, Mon, "09:00", 1380));
    }

    #[test]
    fn overnight_hours_run_past_midnight() {
        let s = schedule(&[(&[Fri, Sat], "20:00", "02:00")]);
        check(&s, at(Fri, "23:00"), closes(1, Sat, "02:00", 180));
        check(&s, at(Sat, "01:59"), closes(0, Sat, "02:00", 1));
        check(&s, at(Sat, "02:00"), opens(0, Sat, "20:00", 1080));
        // Saturday's slot ends on Sunday morning; the week wraps to Friday.
        check(&s, at(Sun, "01:00"), closes(0, Sun, "02:00", 60));
        check(&s, at(Sun, "03:00"), opens(5, Fri, "20:00", 5 * 1440 + 1020));
    }

    #[test]
    fn back_to_back_slots_merge_into_one_opening() {
        let s = schedule(&[(DAILY, "09:00", "12:00"), (DAILY, "12:00", "18:00"), (DAILY, "11:00", "13:00")]);
        check(&s, at(Tue, "10:00"), closes(0, Tue, "18:00", 480));
        check(&s, at(Tue, "12:30"), closes(0, Tue, "18:00", 330));
    }

    #[test]
    fn lunch_break_closes_between_slots() {
        let s = schedule(&[(DAILY, "09:00", "12:00"), (DAILY, "13:00", "18:00")]);
        check(&s, at(Tue, "12:15"), opens(0, Tue, "13:00", 45));
    }

    #[test]
    fn round_the_clock_is_always_open() {
        check(&Schedule::default(), at(Thu, "03:00"), Availability::AlwaysOpen);
        let s = schedule(&[(DAILY, "00:00", "24:00")]);
        check(&s, at(Thu, "03:00"), Availability::AlwaysOpen);
        let s = schedule(&[(DAILY, "08:00", "08:00")]);
        check(&s, at(Mon, "00:00"), Availability::AlwaysOpen);
    }

    #[test]
    fn no_slots_means_closed_with_no_next_opening() {
        check(&schedule(&[]), at(Mon, "10:00"), Availability::Closed { opens: None });
    }

    #[test]
    fn time_of_day_parsing() {
        for (text, minutes) in [("00:00", Some(0)), ("9:30", Some(570)), ("21:00", Some(1260)), ("24:00", Some(1440))] {
            assert_eq!(TimeOfDay::try_from(text.to_owned()).ok().map(TimeOfDay::minutes), minutes, "{text}");
        }
        for text in ["", "9", "9am", "24:01", "12:60", "123:00", "12:5", "-1:00", "12:00:00"] {
            assert!(TimeOfDay::try_from(text.to_owned()).is_err(), "{text} should be rejected");
        }
        assert_eq!(t("09:05").to_string(), "09:05");
    }

    #[test]
    fn weekday_names_from_intl() {
        assert_eq!(Weekday::from_en_short("Mon"), Some(Mon));
        assert_eq!(Weekday::from_en_short("Sun"), Some(Sun));
        assert_eq!(Weekday::from_en_short("Monday"), None);
    }
}
