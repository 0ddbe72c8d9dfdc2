//! What people take seats at — a cohort's event, a course's session:
//! when and where it is held, checked as staff plan it, and who holds the
//! seats. Nothing is stored about who holds one: the first registrations
//! still live take the seats and the others wait in the order they came,
//! so a cancellation moves the first waiting up with nothing else written.

use rusqlite::{Connection, params};

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

/// Where one kind of occasion keeps who registered: a table of `seq`,
/// the occasion's id, `user_id`, when they registered and `cancelled_at`.
#[derive(Debug, Clone, Copy)]
pub struct Registrations {
    pub table: &'static str,
    /// The column naming the occasion, e.g. `event_id`.
    pub occasion: &'static str,
    /// The table of the occasions, with `id` and `starts_at`.
    pub occasions: &'static str,
    /// The column of when they registered.
    pub at: &'static str,
    /// What an occasion is, as refusals say it: "event", "session".
    pub what: &'static str,
}

impl Registrations {
    /// Registers `user` at `now` for occasion `id`, which starts at
    /// `starts_at`: a seat if one is free, else the end of the waitlist.
    /// Returns the registration's `seq`.
    pub fn take(
        &self,
        conn: &Connection,
        id: &str,
        starts_at: i64,
        user: i64,
        now: i64,
    ) -> Result<i64, ApiError> {
        let what = self.what;
        if starts_at <= now {
            return Err(ApiError::Conflict(format!(
                "the {what} has begun; registration is closed"
            ))
            .because("registration_closed", &[]));
        }
        let live: bool = conn.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM {} WHERE {} = ?1 AND user_id = ?2 AND cancelled_at IS NULL)",
                self.table, self.occasion
            ),
            params![id, user],
            |r| r.get(0),
        )?;
        if live {
            return Err(ApiError::Conflict(format!(
                "registered for this {what} already (with a seat or on its waitlist)"
            ))
            .because("registered_already", &[]));
        }
        Ok(conn.query_row(
            &format!(
                "INSERT INTO {} ({}, user_id, {}) VALUES (?1, ?2, ?3) RETURNING seq",
                self.table, self.occasion, self.at
            ),
            params![id, user, now],
            |r| r.get(0),
        )?)
    }

    /// Gives up `user`'s registration for occasion `id` at `now`: their
    /// seat goes to the first waiting.
    pub fn give_up(
        &self,
        conn: &Connection,
        id: &str,
        starts_at: i64,
        user: i64,
        now: i64,
    ) -> Result<(), ApiError> {
        let what = self.what;
        if starts_at <= now {
            return Err(ApiError::Conflict(format!(
                "the {what} has begun; a registration can no longer be given up"
            ))
            .because("begun_place_kept", &[]));
        }
        let cancelled = conn.execute(
            &format!(
                "UPDATE {} SET cancelled_at = ?3 WHERE {} = ?1 AND user_id = ?2 AND cancelled_at IS NULL",
                self.table, self.occasion
            ),
            params![id, user, now],
        )?;
        if cancelled == 0 {
            return Err(
                ApiError::Conflict(format!("not registered for this {what}"))
                    .because("not_registered", &[]),
            );
        }
        Ok(())
    }

    /// Gives up a deactivated user's registrations for occasions not begun
    /// at `now` (their seats go to the first waiting; a reactivation does
    /// not take them back). Returns the occasions they left.
    pub fn withdraw(
        &self,
        conn: &Connection,
        user: i64,
        now: i64,
    ) -> Result<Vec<String>, ApiError> {
        let ids: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT r.{occasion} FROM {table} r JOIN {occasions} o ON o.id = r.{occasion}
                 WHERE r.user_id = ?1 AND r.cancelled_at IS NULL AND o.starts_at > ?2",
                occasion = self.occasion,
                table = self.table,
                occasions = self.occasions
            ))?
            .query_map(params![user, now], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in &ids {
            conn.execute(
                &format!(
                    "UPDATE {} SET cancelled_at = ?3 WHERE {} = ?1 AND user_id = ?2 AND cancelled_at IS NULL",
                    self.table, self.occasion
                ),
                params![id, user, now],
            )?;
        }
        Ok(ids)
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
