//! The app's one clock: times it stores and shows are RFC 3339 in UTC, to
//! the second.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, as RFC 3339.
pub fn now() -> String {
    after(Duration::ZERO)
}

/// Today's date, `YYYY-MM-DD` (in UTC, as every stored time).
pub fn today() -> String {
    now().chars().take(10).collect()
}

/// Now plus `wait`, as RFC 3339: when a retry is due.
pub fn after(wait: Duration) -> String {
    (OffsetDateTime::now_utc() + wait)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A stored or received RFC 3339 time; the epoch for one that is not
/// (the center's and the store's times always are).
pub fn instant(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// An instant as stored: RFC 3339.
pub fn written(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_to_the_second_and_later_ones_sort_later() {
        let (now, later) = (now(), after(Duration::from_secs(90)));
        assert!(now.ends_with('Z') && !now.contains('.'), "{now}");
        assert!(later > now, "{later} after {now}");
    }
}
