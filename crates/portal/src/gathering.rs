//! What people take seats at — a cohort's event, a course's session:
//! when and where it is held, checked as staff plan it, and who holds the
//! seats. Nothing is stored about who holds one: the first registrations
//! still live take the seats and the others wait in the order they came,
//! so a cancellation moves the first waiting up with nothing else written.

use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::incubation::store::name;

/// The most seats one may have.
pub const MOST_SEATS: u32 = 10_000;

/// When and where, as staff plan it.
#[derive(Debug, Clone)]
pub struct Occasion<'a> {
    /// Unix milliseconds.
    pub starts_at: i64,
    pub ends_at: i64,
    /// A room or an address; empty when held online only.
    pub place: &'a str,
    pub link: Option<&'a str>,
    pub seats: u32,
}

/// Checks an occasion planned at `now`: it is ahead, ends after it
/// starts, is somewhere (a place, a link or both) and has seats. Returns
/// its place and link as they are kept.
pub fn check(occasion: &Occasion<'_>, now: i64) -> Result<(String, Option<String>), ApiError> {
    let place = occasion.place.trim();
    if !place.is_empty() {
        name(place, "place", 300)?;
    }
    let link = occasion.link.map(web_link).transpose()?;
    if occasion.starts_at <= now {
        return Err(ApiError::invalid(
            "starts_at",
            format!(
                "it would have begun ({}); registration would be closed from the start",
                rfc3339(occasion.starts_at)
            ),
        ));
    }
    if place.is_empty() && link.is_none() {
        return Err(ApiError::invalid(
            "place",
            "say where it is held: a place, a link to join online, or both".to_owned(),
        ));
    }
    if occasion.ends_at <= occasion.starts_at {
        return Err(ApiError::invalid(
            "ends_at",
            format!(
                "it ends ({}) before it starts ({})",
                rfc3339(occasion.ends_at),
                rfc3339(occasion.starts_at)
            ),
        ));
    }
    if occasion.seats == 0 || occasion.seats > MOST_SEATS {
        return Err(ApiError::invalid(
            "seats",
            format!("give it 1 to {MOST_SEATS} seats"),
        ));
    }
    Ok((place.to_owned(), link))
}

/// The seats of `seats` taken and the waitlist, for `live` registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub taken: u32,
    pub waiting: u32,
}

impl Line {
    pub fn of(live: usize, seats: u32) -> Self {
        let taken = live.min(seats as usize);
        Line {
            taken: taken as u32,
            waiting: (live - taken) as u32,
        }
    }

    /// For the registration at `place` (from 0) in the order they came:
    /// `None` holds a seat, else its place on the waitlist, from 1.
    pub fn waitlist_position(self, place: usize) -> Option<u32> {
        (place >= self.taken as usize).then(|| (place - self.taken as usize + 1) as u32)
    }
}

/// An instant as staff write it: RFC 3339 with its offset, e.g.
/// 2027-03-20T09:00:00+08:00.
pub fn instant(text: &str, field: &str) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .filter(|at| (2000..=2100).contains(&at.to_offset(time::UtcOffset::UTC).year()))
        .map(|at| (at.unix_timestamp_nanos() / 1_000_000) as i64)
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!(
                    "\"{text}\" is not a time with its offset between 2000 and 2100; write it as e.g. 2027-03-20T09:00:00+08:00"
                ),
            )
        })
}
/// A link as it is kept: a plain https address, without a user name or
/// password to make another host look like the meeting's.
fn web_link(link: &str) -> Result<String, ApiError> {
    let parsed = url::Url::parse(link).ok().filter(|url| {
        url.scheme() == "https"
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
    });
    match parsed {
        Some(url)
            if link.len() <= 500
                && aicc_api::applications::is_plain_line(link)
                && !link.contains(char::is_whitespace)
                && !link.contains('\\') =>
        {
            Ok(url.as_str().to_owned())
        }
        _ => Err(ApiError::invalid(
            "link",
            format!(
                "\"{}\" is not a plain https address; give the meeting's link, e.g. https://meeting.example.cn/j/123",
                link.chars().take(80).collect::<String>()
            ),
        )),
    }
}
