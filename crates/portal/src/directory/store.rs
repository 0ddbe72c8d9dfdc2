//! What the directory's handlers and `aicc-portal admin` read and write:
//! publishing a solution when its application is certified, the partner's
//! choices, revocation, the certificate check, the feed, and cooperation
//! between two partners.

use aicc_api::applications::{ApplicationForm, OrganisationKind};
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

/// What the directory keeps of a solution's profile beside `listed`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Shown {
    name: String,
    description: String,
    industries: Vec<String>,
    hardware: Vec<String>,
    frameworks: Vec<String>,
}

const DAY_MS: i64 = 86_400_000;

/// Lists the solution of an application certified at `now`, as its form
/// describes it; call in the transaction that certifies it. Returns the
/// revision taken.
pub fn publish(conn: &Connection, application_id: &str, now: i64) -> Result<u64, ApiError> {
    let (organisation, form): (i64, String) = conn.query_row(
        "SELECT organisation_id, form FROM applications WHERE id = ?1",
        [application_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let form: ApplicationForm = serde_json::from_str(&form)?;
    let shown = Shown {
        name: form.solution_name.trim().to_owned(),
        description: form.solution_description.trim().to_owned(),
        industries: form.industries,
        hardware: form.target_hardware,
        frameworks: form.frameworks,
    };
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "INSERT INTO directory_solutions (id, organisation_id, rev, profile, listed, certified_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
        params![application_id, organisation, rev, serde_json::to_string(&shown)?, now],
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
    profile
        .check()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let revoked: Option<Option<i64>> = conn
        .query_row(
            "SELECT revoked_at FROM directory_solutions WHERE id = ?1 AND organisation_id = ?2",
            params![id, organisation],
            |r| r.get(0),
        )
        .optional()?;
    match revoked {
        None => return Err(ApiError::not_found("certified solution")),
        Some(Some(_)) => {
            return Err(ApiError::Conflict(
                "the center revoked this solution's certificate; it is not listed again".into(),
            ));
        }
        Some(None) => {}
    }
    let trimmed = |items: &[String]| items.iter().map(|i| i.trim().to_owned()).collect();
    let shown = Shown {
        name: profile.name.trim().to_owned(),
        description: profile.description.trim().to_owned(),
        industries: trimmed(&profile.industries),
        hardware: trimmed(&profile.hardware),
        frameworks: trimmed(&profile.frameworks),
    };
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE directory_solutions SET profile = ?2, listed = ?3, rev = ?4, updated_at = ?5
         WHERE id = ?1",
        params![id, serde_json::to_string(&shown)?, profile.listed, rev, now],
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
            contact
                .check()
                .map_err(|e| ApiError::invalid(e.field, e.message))?;
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
        let rev = feed::next_rev(conn)?;
        conn.execute(
            "UPDATE directory_solutions SET rev = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, rev, now],
        )?;
        last = Some(rev);
    }
    Ok(last)
}

/// The center withdraws a certificate: its solution leaves the directory
/// and checks say revoked, with `reason`. Returns the revision taken.
pub fn revoke(
    conn: &Connection,
    certificate_id: &str,
    reason: &str,
    now: i64,
) -> Result<u64, ApiError> {
    super::super::incubation::store::text(reason.trim(), "reason", 1000)?;
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

/// Whether a solution is in the directory: listed by its partner and its
/// certificate not revoked.
const SHOWN: &str = "listed = 1 AND revoked_at IS NULL";

/// A listed solution as the wire shows it; `None` when it is not listed.
pub fn load(conn: &Connection, id: &str) -> Result<Option<Solution>, ApiError> {
    type Row = (i64, String, i64, i64, String, String, String);
    let row: Option<Row> = conn
        .prepare_cached(&format!(
            "SELECT d.organisation_id, d.profile, d.certified_at, d.updated_at, a.certificate_id,
                    o.name, o.kind
             FROM directory_solutions d
             JOIN applications a ON a.id = d.id
             JOIN organisations o ON o.id = d.organisation_id
             WHERE d.id = ?1 AND {SHOWN}"
        ))?
        .query_row([id], |r| {
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
    let Some((organisation, shown, certified_at, updated_at, certificate_id, name, kind)) = row
    else {
        return Ok(None);
    };
    let shown: Shown = serde_json::from_str(&shown)?;
    Ok(Some(Solution {
        id: id.to_owned(),
        name: shown.name,
        description: shown.description,
        industries: shown.industries,
        hardware: shown.hardware,
        frameworks: shown.frameworks,
        certificate_id,
        certified_at: rfc3339(certified_at),
        expires_at: rfc3339(certified_at + CERTIFICATE_VALID_DAYS * DAY_MS),
        partner: Partner {
            id: organisation.to_string(),
            name,
            kind: organisation_kind(&kind),
            contact: contact(conn, organisation)?,
        },
        updated_at: rfc3339(updated_at),
    }))
}

fn organisation_kind(kind: &str) -> OrganisationKind {
    serde_json::from_value(serde_json::Value::String(kind.to_owned()))
        .unwrap_or(OrganisationKind::Isv)
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

/// A page of the directory's feed after `after`: listed solutions as
/// upserts, those taken off it as tombstones.
pub fn changes_page(
    conn: &Connection,
    after: u64,
    limit: u32,
) -> Result<ChangePage<Solution>, ApiError> {
    feed::check_cursor(conn, after, None)?;
    let rows: Vec<(String, u64)> = conn
        .prepare_cached(
            "SELECT id, rev FROM directory_solutions WHERE rev > ?1 ORDER BY rev LIMIT ?2",
        )?
        .query_map(params![after, limit + 1], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    feed::page(
        rows,
        after,
        limit,
        |(id, rev)| {
            Ok(match load(conn, &id)? {
                Some(item) => Change::Upsert { rev, item },
                None => Change::Tombstone { rev, id },
            })
        },
        |next| {
            conn.query_row(
                "SELECT count(*) FROM directory_solutions WHERE rev > ?1",
                [next],
                |r| r.get(0),
            )
        },
    )
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
            "SELECT d.id, d.certified_at, d.revoked_at, d.revoked_reason, d.listed, d.profile, o.name
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
    let Some((id, certified_at, revoked_at, revoked_reason, listed, shown, holder)) = row else {
        return Ok(CertificateCheck {
            certificate_id: certificate_id.to_owned(),
            status: CertificateStatus::Unknown,
            holder: None,
            solution_name: None,
            solution_id: None,
            certified_at: None,
            expires_at: None,
            revoked_at: None,
            revoked_reason: None,
        });
    };
    let shown: Shown = serde_json::from_str(&shown)?;
    let expires_at = certified_at + CERTIFICATE_VALID_DAYS * DAY_MS;
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
        solution_name: Some(shown.name),
        solution_id: (listed && revoked_at.is_none()).then_some(id),
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
    asked
        .check()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let owner: Option<i64> = conn
        .query_row(
            &format!("SELECT organisation_id FROM directory_solutions WHERE id = ?1 AND {SHOWN}"),
            [&asked.solution_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(owner) = owner else {
        return Err(ApiError::invalid(
            "solution_id",
            "this solution is not in the directory (any more); search the directory again",
        ));
    };
    if owner == organisation {
        return Err(ApiError::invalid(
            "solution_id",
            "this solution is your organisation's own; ask another partner",
        ));
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
    answer
        .check()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    if state != CooperationState::Asked.as_str() {
        return Err(ApiError::Conflict(format!(
            "the request was {state} already"
        )));
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
        "SELECT json_extract(profile, '$.name') FROM directory_solutions WHERE id = ?1",
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
            .filter_map(|o| serde_json::from_value(serde_json::Value::String(o.to_owned())).ok())
            .collect(),
        state: CooperationState::parse(&state).unwrap_or(CooperationState::Asked),
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
