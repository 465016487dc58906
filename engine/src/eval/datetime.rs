//! CURRENT_TIME, CURRENT_DATE and CURRENT_TIMESTAMP (date.c: `computeYMD`, `computeHMS`,
//! `timeFunc`, `dateFunc`, `datetimeFunc` for 'now'), from a time the caller supplies: a
//! Julian day number in milliseconds, as `sqlite3_vfs.xCurrentTimeInt64` gives it. The
//! executor takes it from its Vfs (once per statement, as SQLite does); nothing here reads a
//! clock.

/// The largest Julian day (in milliseconds) SQLite's date functions accept (`validJulianDay`).
pub const MAX_JULIAN_DAY_MS: i64 = 464_269_060_799_999;

/// Date and time of a Julian day in milliseconds (`computeYMD` and `computeHMS`): year, month,
/// day, hour, minute, seconds (with milliseconds). `None` outside SQLite's valid range.
pub fn ymd_hms(jd_ms: i64) -> Option<(i32, i32, i32, i32, i32, f64)> {
    if !(0..=MAX_JULIAN_DAY_MS).contains(&jd_ms) {
        return None;
    }
    let z = ((jd_ms + 43_200_000) / 86_400_000) as i32;
    let alpha = ((f64::from(z) + 32044.75) / 36524.25) as i32 - 52;
    let a = z + 1 + alpha - ((alpha + 100) / 4) + 25;
    let b = a + 1524;
    let c = ((f64::from(b) - 122.1) / 365.25) as i32;
    let d = (36525 * (c & 32767)) / 100;
    let e = (f64::from(b - d) / 30.6001) as i32;
    let x1 = (30.6001 * f64::from(e)) as i32;
    let day = b - d - x1;
    let month = if e < 14 { e - 1 } else { e - 13 };
    let year = if month > 2 { c - 4716 } else { c - 4715 };
    let day_ms = ((jd_ms + 43_200_000) % 86_400_000) as i32;
    let seconds = f64::from(day_ms % 60_000) / 1000.0;
    let day_min = day_ms / 60_000;
    Some((year, month, day, day_min / 60, day_min % 60, seconds))
}

fn year_text(y: i32) -> String {
    let a = y.abs();
    let digits = format!("{}{}{}{}", (a / 1000) % 10, (a / 100) % 10, (a / 10) % 10, a % 10);
    if y < 0 { format!("-{digits}") } else { digits }
}

/// CURRENT_DATE: `YYYY-MM-DD` (`dateFunc`).
pub fn current_date(jd_ms: i64) -> Option<String> {
    let (y, m, d, ..) = ymd_hms(jd_ms)?;
    Some(format!("{}-{:02}-{:02}", year_text(y), m % 100, d % 100))
}

/// CURRENT_TIME: `HH:MM:SS` (`timeFunc`).
pub fn current_time(jd_ms: i64) -> Option<String> {
    let (.., h, mi, s) = ymd_hms(jd_ms)?;
    Some(format!("{:02}:{:02}:{:02}", h % 100, mi % 100, (s as i32) % 100))
}

/// CURRENT_TIMESTAMP: `YYYY-MM-DD HH:MM:SS` (`datetimeFunc`).
pub fn current_timestamp(jd_ms: i64) -> Option<String> {
    Some(format!("{} {}", current_date(jd_ms)?, current_time(jd_ms)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2000-01-01 12:00:00 is Julian day 2451545.0.
        let noon = 2_451_545 * 86_400_000;
        assert_eq!(current_timestamp(noon).unwrap(), "2000-01-01 12:00:00");
        assert_eq!(current_date(noon - 43_200_000).unwrap(), "2000-01-01");
        assert_eq!(current_time(noon + 61_999).unwrap(), "12:01:01");
        assert_eq!(current_date(-1), None);
    }
}
