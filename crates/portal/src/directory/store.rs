//! What the directory's handlers and `aicc-portal admin` read and write:
//! publishing a solution when its application is certified, the partner's
//! choices, revocation, the certificate check, the feed, and cooperation
//! between two partners.

use aicc_api::applications::{
    ApplicationForm, MAX_LIST_ITEM_CHARS, MAX_LIST_ITEMS, OrganisationKind, is_plain_line,
    is_plain_text,
};
use aicc_api::directory::{
    CERTIFICATE_VALID_DAYS, CertificateCheck, CertificateStatus, Cooperation, CooperationAnswer,
    CooperationAsk, CooperationOffer, CooperationState, Direction, Partner, PublicContact,
    Solution, SolutionProfile,
};
use aicc_api::sync::{Change, ChangePage};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::clock::{new_id, rfc3339};
use crate::error::ApiError;
use crate::feed;

/// What the center certified of a solution: the application's words at
/// that moment, kept apart from what its partner chooses to show.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Certified {
    name: String,
    description: String,
    industries: Vec<String>,
    hardware: Vec<String>,
    frameworks: Vec<String>,
}

impl Certified {
    /// As the application's form says, cleaned as the directory shows
    /// every text: trimmed, each item once, nothing that is not plain
    /// (forms sent before the form's check covered these kept them).
    fn of(form: &ApplicationForm) -> Self {
        let list = |items: &[String]| {
            let mut kept: Vec<String> = Vec::new();
            for item in items.iter().map(|i| i.trim()) {
                if !item.is_empty()
                    && item.chars().count() <= MAX_LIST_ITEM_CHARS
                    && is_plain_line(item)
                    && !kept.iter().any(|k| k == item)
                {
                    kept.push(item.to_owned());
                }
            }
            kept.truncate(MAX_LIST_ITEMS);
            kept
        };
        let description = form.solution_description.trim();
        Certified {
            name: form.solution_name.trim().to_owned(),
            description: if is_plain_text(description) {
                description.to_owned()
            } else {
                String::new()
            },
            industries: list(&form.industries),
            hardware: list(&form.target_hardware),
            frameworks: list(&form.frameworks),
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// How long a certificate holds, in milliseconds.
const VALID_MS: i64 = CERTIFICATE_VALID_DAYS * DAY_MS;

/// Lists the solution of an application certified at `now`, as its form
/// describes it, everything shown; call in the transaction that
/// certifies it. Returns the revision taken.
pub fn publish(conn: &Connection, application_id: &str, now: i64) -> Result<u64, ApiError> {
    let (organisation, form): (i64, String) = conn.query_row(
        "SELECT organisation_id, form FROM applications WHERE id = ?1",
        [application_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let form: ApplicationForm = serde_json::from_str(&form)?;
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "INSERT INTO directory_solutions
             (id, organisation_id, rev, certified, shows, listed, certified_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)",
        params![
            application_id,
            organisation,
            rev,
            serde_json::to_string(&Certified::of(&form))?,
            serde_json::to_string(&SolutionProfile::EVERYTHING)?,
            now
        ],
    )?;
    Ok(rev)
}

/// Changes what the directory shows of one of `organisation`'s solutions.
/// Returns the revision taken.
pub fn edit(
    conn: &Connection,
    organisation: i64,
    id: &str,
    profile: &SolutionProfile,
    now: i64,
) -> Result<u64, ApiError> {
    let found: Option<(Option<i64>, i64)> = conn
        .query_row(
            "SELECT revoked_at, certified_at FROM directory_solutions WHERE id = ?1 AND organisation_id = ?2",
            params![id, organisation],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match found {
        None => return Err(ApiError::not_found("certified solution")),
        Some((Some(_), _)) => {
            return Err(ApiError::Conflict(
                "the center revoked this solution's certificate; it is not listed again".into(),
            )
            .because("certificate_revoked_unlisted", &[]));
        }
        Some((None, certified_at)) if certified_at + VALID_MS <= now => {
            return Err(ApiError::Conflict(
                "this solution's certificate has expired; certify it again to list it".into(),
            )
            .because("certificate_expired_unlisted", &[]));
        }
        Some((None, _)) => {}
    }
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE directory_solutions SET shows = ?2, listed = ?3, rev = ?4, updated_at = ?5
         WHERE id = ?1",
        params![
            id,
            serde_json::to_string(profile)?,
            profile.listed,
            rev,
            now
        ],
    )?;
    Ok(rev)
}

/// Sets or removes `organisation`'s public contact; every solution of it
/// moves in the feed, since each carries it. Returns the last revision
/// taken, if any.
pub fn set_contact(
    conn: &Connection,
    organisation: i64,
    contact: Option<&PublicContact>,
    now: i64,
) -> Result<Option<u64>, ApiError> {
    match contact {
        Some(contact) => {
            contact.check().map_err(ApiError::from)?;
            conn.execute(
                "INSERT INTO directory_contacts (organisation_id, name, email, website)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (organisation_id) DO UPDATE
                 SET name = excluded.name, email = excluded.email, website = excluded.website",
                params![
                    organisation,
                    contact.name.trim(),
                    contact.email.trim(),
                    contact.website.trim()
                ],
            )?;
        }
        None => {
            conn.execute(
                "DELETE FROM directory_contacts WHERE organisation_id = ?1",
                [organisation],
            )?;
        }
    }
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM directory_solutions WHERE organisation_id = ?1 ORDER BY id",
        )?
        .query_map([organisation], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut last = None;
    for id in ids {
        last = Some(moved(conn, &id, now)?);
    }
    Ok(last)
}

/// Gives a solution the next revision, so that the feed carries it (or
/// its tombstone) again. Returns the revision.
fn moved(conn: &Connection, id: &str, now: i64) -> Result<u64, ApiError> {
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE directory_solutions SET rev = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, rev, now],
    )?;
    Ok(rev)
}

/// The center withdraws a certificate: its solution leaves the directory
/// and checks say revoked, with `reason`. Returns the revision taken.
pub fn revoke(
    conn: &Connection,
    certificate_id: &str,
    reason: &str,
    now: i64,
) -> Result<u64, ApiError> {
    if reason.trim().is_empty() {
        return Err(ApiError::invalid(
            "reason",
            "say why the certificate is revoked; checks of it will show this",
        ));
    }
    crate::incubation::store::text(reason.trim(), "reason", 1000)?;
    let found: Option<(String, Option<i64>)> = conn
        .query_row(
            "SELECT d.id, d.revoked_at FROM directory_solutions d
             JOIN applications a ON a.id = d.id WHERE a.certificate_id = ?1",
            [certificate_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, revoked)) = found else {
        return Err(ApiError::not_found("certificate"));
    };
    if revoked.is_some() {
        return Err(ApiError::Conflict(format!(
            "{certificate_id} was revoked already"
        )));
    }
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE directory_solutions SET revoked_at = ?2, revoked_reason = ?3, rev = ?4, updated_at = ?2
         WHERE id = ?1",
        params![id, now, reason.trim(), rev],
    )?;
    Ok(rev)
}

/// Whether a solution is in the directory at `:now`: listed by its
/// partner, its certificate neither revoked nor expired (`VALID_MS`
/// after it was given, written out).
const SHOWN: &str = "listed = 1 AND revoked_at IS NULL AND certified_at + 94608000000 > :now";

/// A listed solution as the wire shows it at `now`; `None` when it is not
/// in the directory.
pub fn load(conn: &Connection, id: &str, now: i64) -> Result<Option<Solution>, ApiError> {
    type Row = (i64, String, String, i64, i64, String, String, String);
    let row: Option<Row> = conn
        .prepare_cached(&format!(
            "SELECT d.organisation_id, d.certified, d.shows, d.certified_at, d.updated_at,
                    a.certificate_id, o.name, o.kind
             FROM directory_solutions d
             JOIN applications a ON a.id = d.id
             JOIN organisations o ON o.id = d.organisation_id
             WHERE d.id = :id AND {SHOWN}"
        ))?
        .query_row(rusqlite::named_params! {":id": id, ":now": now}, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .optional()?;
    let Some((
        organisation,
        certified,
        shows,
        certified_at,
        updated_at,
        certificate_id,
        name,
        kind,
    )) = row
    else {
        return Ok(None);
    };
    let certified: Certified = serde_json::from_str(&certified)?;
    let shows: SolutionProfile = serde_json::from_str(&shows)?;
    let shown = |show: bool, items: Vec<String>| if show { items } else { Vec::new() };
    Ok(Some(Solution {
        id: id.to_owned(),
        name: certified.name,
        description: if shows.show_description {
            certified.description
        } else {
            String::new()
        },
        industries: shown(shows.show_industries, certified.industries),
        hardware: shown(shows.show_hardware, certified.hardware),
        frameworks: shown(shows.show_frameworks, certified.frameworks),
        certificate_id,
        certified_at: rfc3339(certified_at),
        expires_at: rfc3339(certified_at + VALID_MS),
        partner: Partner {
            id: organisation.to_string(),
            name,
            kind: organisation_kind(&kind)?,
            contact: contact(conn, organisation)?,
        },
        updated_at: rfc3339(updated_at),
    }))
}

/// What one's own solution shows, listed or not: the partner's choices.
pub fn choices(
    conn: &Connection,
    organisation: i64,
    id: &str,
) -> Result<SolutionProfile, ApiError> {
    let shows: String = conn
        .query_row(
            "SELECT shows FROM directory_solutions WHERE id = ?1 AND organisation_id = ?2",
            params![id, organisation],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("certified solution"))?;
    Ok(serde_json::from_str(&shows)?)
}

/// Announces in the feed each solution whose certificate expired by
/// `now`: it leaves every app's directory. Returns the last revision
/// taken, if any.
pub fn expire(conn: &Connection, now: i64) -> Result<Option<u64>, ApiError> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM directory_solutions
             WHERE expired_at IS NULL AND certified_at + ?1 <= ?2 ORDER BY id",
        )?
        .query_map(params![VALID_MS, now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut last = None;
    for id in ids {
        conn.execute(
            "UPDATE directory_solutions SET expired_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        last = Some(moved(conn, &id, now)?);
    }
    Ok(last)
}

fn organisation_kind(kind: &str) -> Result<OrganisationKind, ApiError> {
    Ok(serde_json::from_value(serde_json::Value::String(
        kind.to_owned(),
    ))?)
}

fn contact(conn: &Connection, organisation: i64) -> Result<Option<PublicContact>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT name, email, website FROM directory_contacts WHERE organisation_id = ?1",
        )?
        .query_row([organisation], |r| {
            Ok(PublicContact {
                name: r.get(0)?,
                email: r.get(1)?,
                website: r.get(2)?,
            })
        })
        .optional()?)
}

/// A page of the directory's feed after `after` at `now`: listed
/// solutions as upserts, those taken off it as tombstones; at most `limit`
/// of them and [`feed::MAX_PAGE_BYTES`] of JSON.
pub fn changes_page(
    conn: &Connection,
    after: u64,
    limit: u32,
    now: i64,
) -> Result<ChangePage<Solution>, ApiError> {
    feed::check_cursor(conn, after, None)?;
    let rows: Vec<(String, u64)> = conn
        .prepare_cached(
            "SELECT id, rev FROM directory_solutions WHERE rev > ?1 ORDER BY rev LIMIT ?2",
        )?
        .query_map(params![after, limit + 1], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut changes = Vec::new();
    let mut bytes = 0;
    let mut cut = false;
    for (id, rev) in rows.iter().take(limit as usize) {
        let change = match load(conn, id, now)? {
            Some(item) => Change::Upsert { rev: *rev, item },
            None => Change::Tombstone {
                rev: *rev,
                id: id.clone(),
            },
        };
        let size = serde_json::to_vec(&change).map_or(0, |json| json.len());
        if !changes.is_empty() && bytes + size > feed::MAX_PAGE_BYTES {
            cut = true;
            break;
        }
        bytes += size;
        changes.push(change);
    }
    let more = cut || rows.len() > limit as usize;
    let next = changes.last().map_or(after, Change::rev);
    let remaining = if more {
        conn.query_row(
            "SELECT count(*) FROM directory_solutions WHERE rev > ?1",
            [next],
            |r| r.get(0),
        )?
    } else {
        0
    };
    Ok(ChangePage {
        changes,
        next,
        more,
        remaining,
    })
}

/// What the center says of `certificate_id` at `now`.
pub fn check(
    conn: &Connection,
    certificate_id: &str,
    now: i64,
) -> Result<CertificateCheck, ApiError> {
    type Row = (
        String,
        i64,
        Option<i64>,
        Option<String>,
        bool,
        String,
        String,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT d.id, d.certified_at, d.revoked_at, d.revoked_reason, d.listed, d.certified, o.name
             FROM applications a
             JOIN directory_solutions d ON d.id = a.id
             JOIN organisations o ON o.id = d.organisation_id
             WHERE a.certificate_id = ?1",
        )?
        .query_row([certificate_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()?;
    let Some((id, certified_at, revoked_at, revoked_reason, listed, certified, holder)) = row
    else {
        return Ok(CertificateCheck::unknown(certificate_id));
    };
    let certified: Certified = serde_json::from_str(&certified)?;
    let expires_at = certified_at + VALID_MS;
    let status = if revoked_at.is_some() {
        CertificateStatus::Revoked
    } else if now >= expires_at {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    };
    Ok(CertificateCheck {
        certificate_id: certificate_id.to_owned(),
        status,
        holder: Some(holder),
        // A solution its partner keeps off the directory is not named to
        // whoever checks: the holder and the dates are the certificate's.
        solution_name: listed.then_some(certified.name),
        solution_id: (listed && revoked_at.is_none() && status == CertificateStatus::Valid)
            .then_some(id),
        certified_at: Some(rfc3339(certified_at)),
        expires_at: Some(rfc3339(expires_at)),
        revoked_at: revoked_at.map(rfc3339),
        revoked_reason,
    })
}

/// Records `organisation`'s request to cooperate on a listed solution of
/// another's. Returns its id, revision and the owner.
pub fn ask(
    conn: &Connection,
    organisation: i64,
    user: i64,
    asked: &CooperationAsk,
    now: i64,
) -> Result<(String, u64, i64), ApiError> {
    asked.check().map_err(ApiError::from)?;
    let owner: Option<i64> = conn
        .query_row(
            &format!("SELECT organisation_id FROM directory_solutions WHERE id = :id AND {SHOWN}"),
            rusqlite::named_params! {":id": asked.solution_id, ":now": now},
            |r| r.get(0),
        )
        .optional()?;
    let Some(owner) = owner else {
        return Err(ApiError::invalid(
            "solution_id",
            "this solution is not in the directory (any more); search the directory again",
        )
        .because("solution_unlisted", &[]));
    };
    if owner == organisation {
        return Err(ApiError::invalid(
            "solution_id",
            "this solution is your organisation's own; ask another partner",
        )
        .because("own_solution", &[]));
    }
    let waiting: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM cooperations
                        WHERE solution_id = ?1 AND from_organisation = ?2 AND state = 'asked')",
        params![asked.solution_id, organisation],
        |r| r.get(0),
    )?;
    if waiting {
        return Err(ApiError::Conflict(
            "your organisation asked about this solution already; wait for the owner's answer"
                .into(),
        )
        .because("asked_already", &[]));
    }
    let declined: Option<i64> = conn.query_row(
        "SELECT max(updated_at) FROM cooperations
         WHERE solution_id = ?1 AND from_organisation = ?2 AND state = 'declined'",
        params![asked.solution_id, organisation],
        |r| r.get(0),
    )?;
    if let Some(declined) = declined.filter(|at| now < at + ASK_AGAIN_AFTER_MS) {
        return Err(ApiError::Conflict(format!(
            "the owner declined your organisation's request on {}; you may ask again from {}",
            &rfc3339(declined)[..10],
            &rfc3339(declined + ASK_AGAIN_AFTER_MS)[..10]
        ))
        .because(
            "declined_recently",
            &[("again", &&rfc3339(declined + ASK_AGAIN_AFTER_MS)[..10])],
        ));
    }
    let id = new_id("coop");
    let rev = feed::next_rev(conn)?;
    let offers: Vec<&str> = asked.offers.iter().map(|o| offer_name(*o)).collect();
    conn.execute(
        "INSERT INTO cooperations (id, solution_id, from_organisation, to_organisation, rev,
             asked_by, message, offers, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'asked', ?9, ?9)",
        params![
            id,
            asked.solution_id,
            organisation,
            owner,
            rev,
            user,
            asked.message.trim(),
            offers.join(" "),
            now
        ],
    )?;
    Ok((id, rev, owner))
}

/// How long after the owner declined an organisation may ask again about
/// the same solution: thirty days.
pub const ASK_AGAIN_AFTER_MS: i64 = 30 * DAY_MS;

fn offer_name(offer: CooperationOffer) -> &'static str {
    match offer {
        CooperationOffer::Data => "data",
        CooperationOffer::Integration => "integration",
        CooperationOffer::Channel => "channel",
        CooperationOffer::DomainExpertise => "domain_expertise",
        CooperationOffer::Deployment => "deployment",
    }
}

/// The owner's answer to a request addressed to `organisation`. Returns
/// the revision taken and the organisation that asked.
pub fn answer(
    conn: &Connection,
    organisation: i64,
    user: i64,
    id: &str,
    answer: &CooperationAnswer,
    now: i64,
) -> Result<(u64, i64), ApiError> {
    let found: Option<(String, i64)> = conn
        .query_row(
            "SELECT state, from_organisation FROM cooperations WHERE id = ?1 AND to_organisation = ?2",
            params![id, organisation],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((state, asker)) = found else {
        return Err(ApiError::not_found("request to cooperate"));
    };
    answer.check().map_err(ApiError::from)?;
    if state != CooperationState::Asked.as_str() {
        return Err(
            ApiError::Conflict(format!("the request was {state} already"))
                .because("answered_already", &[]),
        );
    }
    let state = if answer.accept {
        CooperationState::Accepted
    } else {
        CooperationState::Declined
    };
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE cooperations SET state = ?2, note = ?3, answered_by = ?4, rev = ?5, updated_at = ?6
         WHERE id = ?1",
        params![id, state.as_str(), answer.note.trim(), user, rev, now],
    )?;
    Ok((rev, asker))
}

/// A cooperation as `organisation` (one of its two) sees it.
pub fn load_cooperation(
    conn: &Connection,
    organisation: i64,
    id: &str,
) -> Result<Cooperation, ApiError> {
    type Row = (
        String,
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
        i64,
    );
    let row: Row = conn
        .prepare_cached(
            "SELECT c.solution_id, c.from_organisation, f.name, t.name,
                    u.name || ' <' || u.email || '>', c.message, c.offers, c.state, c.note,
                    (SELECT name FROM users WHERE id = c.answered_by), c.created_at, c.updated_at
             FROM cooperations c
             JOIN organisations f ON f.id = c.from_organisation
             JOIN organisations t ON t.id = c.to_organisation
             JOIN users u ON u.id = c.asked_by
             WHERE c.id = ?1 AND ?2 IN (c.from_organisation, c.to_organisation)",
        )?
        .query_row(params![id, organisation], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            ))
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found("request to cooperate"))?;
    let (
        solution_id,
        from,
        from_partner,
        to_partner,
        asked_by,
        message,
        offers,
        state,
        note,
        answered_by,
        created,
        updated,
    ) = row;
    let solution_name: String = conn.query_row(
        "SELECT json_extract(certified, '$.name') FROM directory_solutions WHERE id = ?1",
        [&solution_id],
        |r| r.get(0),
    )?;
    Ok(Cooperation {
        id: id.to_owned(),
        direction: if from == organisation {
            Direction::Sent
        } else {
            Direction::Received
        },
        solution_id,
        solution_name,
        from_partner,
        to_partner,
        asked_by,
        message,
        offers: offers
            .split_whitespace()
            .map(|o| serde_json::from_value(serde_json::Value::String(o.to_owned())))
            .collect::<Result<_, _>>()?,
        state: CooperationState::parse(&state).ok_or_else(|| {
            ApiError::Corrupt(serde::de::Error::custom(format!(
                "a cooperation in the unknown state {state}"
            )))
        })?,
        note,
        answered_by,
        created_at: rfc3339(created),
        updated_at: rfc3339(updated),
    })
}

/// A page of `organisation`'s cooperations, asked or asked of it, after
/// `after`.
pub fn cooperation_page(
    conn: &Connection,
    organisation: i64,
    after: u64,
    limit: u32,
) -> Result<ChangePage<Cooperation>, ApiError> {
    feed::check_cursor(conn, after, None)?;
    const MINE: &str = "(from_organisation = ?1 OR to_organisation = ?1) AND rev > ?2";
    let rows: Vec<(String, u64)> = conn
        .prepare_cached(&format!(
            "SELECT id, rev FROM cooperations WHERE {MINE} ORDER BY rev LIMIT ?3"
        ))?
        .query_map(params![organisation, after, limit + 1], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    feed::page(
        rows,
        after,
        limit,
        |(id, rev)| {
            Ok(Change::Upsert {
                rev,
                item: load_cooperation(conn, organisation, &id)?,
            })
        },
        |next| {
            conn.query_row(
                &format!("SELECT count(*) FROM cooperations WHERE {MINE}"),
                params![organisation, next],
                |r| r.get(0),
            )
        },
    )
}

/// How many requests to cooperate each pair of organisations made, and
/// how many were accepted: what the center sees of them (never their
/// words).
pub fn cooperation_counts(conn: &Connection) -> Result<Vec<(String, String, u32, u32)>, ApiError> {
    Ok(conn
        .prepare(
            "SELECT f.name, t.name, count(*), count(*) FILTER (WHERE c.state = 'accepted')
             FROM cooperations c
             JOIN organisations f ON f.id = c.from_organisation
             JOIN organisations t ON t.id = c.to_organisation
             GROUP BY c.from_organisation, c.to_organisation ORDER BY f.name, t.name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_certified_is_shown_plain_whatever_an_old_form_held() {
        let form = ApplicationForm {
            solution_name: " Weld grader ".into(),
            solution_description: "Safe text \u{202e}evil\u{7}".into(),
            industries: vec![
                "rail\u{202e}inspection".into(),
                "\u{200b}".into(),
                "  ".into(),
                " welding ".into(),
                "welding".into(),
            ],
            target_hardware: vec!["Atlas\u{2066} 300I\u{2069}".into(), "Atlas 300I Duo".into()],
            ..ApplicationForm::default()
        };
        let certified = Certified::of(&form);
        assert_eq!(certified.name, "Weld grader");
        assert_eq!(certified.description, "");
        assert_eq!(certified.industries, ["welding"]);
        assert_eq!(certified.hardware, ["Atlas 300I Duo"]);
    }

    #[test]
    fn the_directory_shows_a_certificate_for_as_long_as_it_holds() {
        assert!(SHOWN.contains(&format!("certified_at + {VALID_MS} > :now")));
    }
}
