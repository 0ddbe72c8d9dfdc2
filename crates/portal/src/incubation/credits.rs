//! Compute credits: NPU-hours the center grants an organisation for a
//! reason, until an instant. A job's hours are paid from the grants not
//! expired, the soonest-expiring first, and from the quota once they are
//! spent; what each job spent of each grant is recorded hour by hour, so
//! that the startup sees where its credits went.

use aicc_api::incubation::{Credit, CreditUsage};
use aicc_api::jobs::{CreditCharge, total_npu_hours};
use rusqlite::{Connection, OptionalExtension, params};

use super::store::name;
use crate::clock::{new_id, rfc3339};
use crate::error::ApiError;
use crate::feed;

/// The most one grant may give.
pub const MOST_NPU_HOURS: f64 = 1_000_000.0;

const HOUR_MS: i64 = 3_600_000;

/// A grant as staff make it.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub npu_hours: f64,
    pub reason: &'a str,
    /// Unix milliseconds: from then on the grant is worth nothing.
    pub expires_at: i64,
}

/// Grants credits to an organisation at `now`; returns the grant's id.
pub fn grant(
    conn: &Connection,
    organisation: i64,
    grant: &Grant<'_>,
    actor: i64,
    now: i64,
) -> Result<String, ApiError> {
    if !(grant.npu_hours.is_finite() && grant.npu_hours > 0.0 && grant.npu_hours <= MOST_NPU_HOURS)
    {
        return Err(ApiError::invalid(
            "npu_hours",
            format!("grant more than 0 and at most {MOST_NPU_HOURS} NPU-hours"),
        ));
    }
    name(grant.reason, "reason", 200)?;
    if grant.expires_at <= now {
        return Err(ApiError::invalid(
            "expires_at",
            format!(
                "the credits would expire at {}, which has passed; give a later instant",
                rfc3339(grant.expires_at)
            ),
        ));
    }
    let id = new_id("cr");
    conn.execute(
        "INSERT INTO credits (id, organisation_id, rev, npu_hours, reason, granted_by, granted_at,
             expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            organisation,
            feed::next_rev(conn)?,
            grant.npu_hours,
            grant.reason,
            actor,
            now,
            grant.expires_at
        ],
    )?;
    Ok(id)
}

/// When credits given "until `text`" expire: an RFC 3339 instant, or a
/// date (YYYY-MM-DD), meaning through that whole day in UTC.
pub fn expiry(text: &str) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let at = time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| {
            time::Date::parse(text, date)
                .ok()
                .and_then(|day| day.next_day())
                .map(|day| day.midnight().assume_utc())
        })
        .filter(|at| (2000..=2100).contains(&at.year()))
        .ok_or_else(|| {
            ApiError::invalid(
                "expires",
                format!(
                    "\"{text}\" is neither a date (YYYY-MM-DD, e.g. 2027-03-31: through that day in UTC) \
                     nor an instant (e.g. 2027-03-31T18:00:00+08:00) between 2000 and 2100"
                ),
            )
        })?;
    Ok((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// A grant as the wire shows it.
pub fn load(conn: &Connection, id: &str) -> Result<Credit, ApiError> {
    let (npu_hours, reason, granted_at, expires_at): (f64, String, i64, i64) = conn
        .prepare_cached(
            "SELECT npu_hours, reason, granted_at, expires_at FROM credits WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?
        .ok_or_else(|| ApiError::not_found("credit grant"))?;
    let usage: Vec<CreditUsage> = conn
        .prepare_cached(
            "SELECT job_id, hour, npu_hours FROM credit_charges WHERE credit_id = ?1
             ORDER BY hour, job_id",
        )?
        .query_map([id], |r| {
            Ok(CreditUsage {
                job_id: r.get(0)?,
                hour: rfc3339(r.get(1)?),
                npu_hours: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Credit {
        id: id.to_owned(),
        npu_hours,
        reason,
        granted_at: rfc3339(granted_at),
        expires_at: rfc3339(expires_at),
        npu_hours_used: total_npu_hours(usage.iter().map(|u| u.npu_hours)),
        usage,
    })
}

/// Every grant's id with its organisation's name, newest first; one
/// organisation's with `organisation`.
pub fn list(
    conn: &Connection,
    organisation: Option<i64>,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, o.name FROM credits c JOIN organisations o ON o.id = c.organisation_id
             WHERE ?1 IS NULL OR c.organisation_id = ?1 ORDER BY c.granted_at DESC, c.id",
        )?
        .query_map([organisation], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The organisation's grants worth something at `now` (granted, not
/// expired, not spent) with what is left of each, the soonest-expiring
/// first: the order they are spent in.
fn spendable(
    conn: &Connection,
    organisation: i64,
    now: i64,
) -> Result<Vec<(String, f64)>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, c.npu_hours - COALESCE(
                 (SELECT SUM(npu_hours) FROM credit_charges WHERE credit_id = c.id), 0)
             FROM credits c
             WHERE c.organisation_id = ?1 AND c.granted_at <= ?2 AND c.expires_at > ?2
             ORDER BY c.expires_at, c.id",
        )?
        .query_map(params![organisation, now], |r| Ok((r.get(0)?, r.get(1)?)))?
        .filter(|row| !matches!(row, Ok((_, left)) if *left <= 1e-9))
        .collect::<rusqlite::Result<_>>()?)
}

/// What is left of the organisation's grants at `now`, in all.
pub fn left(conn: &Connection, organisation: i64, now: i64) -> Result<f64, ApiError> {
    Ok(total_npu_hours(
        spendable(conn, organisation, now)?
            .iter()
            .map(|(_, left)| *left),
    ))
}

/// What the organisation's jobs spent of grants, in all: the part of their
/// hours the quota did not pay.
pub fn spent(conn: &Connection, organisation: i64) -> Result<f64, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(cc.npu_hours), 0) FROM credit_charges cc
             JOIN credits c ON c.id = cc.credit_id WHERE c.organisation_id = ?1",
        )?
        .query_row([organisation], |r| r.get(0))?)
}

/// Pays `npu_hours` more that a job of `organisation` used by `now`: from
/// its grants, the soonest-expiring first, never taking one below zero;
/// what they cannot pay falls to the quota. Returns the revisions of the
/// grants it touched.
pub fn charge(
    conn: &Connection,
    organisation: i64,
    job_id: &str,
    npu_hours: f64,
    now: i64,
) -> Result<Vec<u64>, ApiError> {
    let mut owed = npu_hours;
    let mut revs = Vec::new();
    for (credit, left) in spendable(conn, organisation, now)? {
        if owed <= 1e-12 {
            break;
        }
        let paid = owed.min(left);
        conn.prepare_cached(
            "INSERT INTO credit_charges (credit_id, job_id, hour, npu_hours) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (credit_id, job_id, hour) DO UPDATE SET npu_hours = npu_hours + excluded.npu_hours",
        )?
        .execute(params![credit, job_id, now - now.rem_euclid(HOUR_MS), paid])?;
        let rev = feed::next_rev(conn)?;
        conn.prepare_cached("UPDATE credits SET rev = ?2 WHERE id = ?1")?
            .execute(params![credit, rev])?;
        revs.push(rev);
        owed -= paid;
    }
    Ok(revs)
}

/// What a job spent of each grant.
pub fn of_job(conn: &Connection, job_id: &str) -> Result<Vec<CreditCharge>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT credit_id, SUM(npu_hours) FROM credit_charges WHERE job_id = ?1
             GROUP BY credit_id ORDER BY credit_id",
        )?
        .query_map([job_id], |r| {
            Ok(CreditCharge {
                credit_id: r.get(0)?,
                npu_hours: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::jobs::quota_of;

    const HOURS: (f64, f64) = (0.1, 720.0);

    /// The demo with Other Vision (no credits of its own), its member's
    /// user id, a reviewer to grant as and a job of Other Vision's to charge.
    fn world() -> (tempfile::TempDir, Db, i64, i64, String) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(crate::admin::seed_demo).unwrap();
        let (vision, staff, job) = db.blocking(|conn| {
            let vision = crate::admin::organisation_id(conn, "Other Vision").unwrap();
            let staff = crate::admin::user_id(conn, "reviewer@demo.aicc").unwrap();
            let member = crate::admin::user_id(conn, "member@other.aicc").unwrap();
            conn.execute(
                "INSERT INTO jobs (id, organisation_id, user_id, rev, pool_id, request, npus,
                     max_npu_hours, priority, state, created_at, updated_at)
                 VALUES ('job_v', ?1, ?2, 999999, 'atlas-800t-a2', '{}', 8, 8.0, 1, 'running', 0, 0)",
                params![vision, member],
            )
            .unwrap();
            (vision, staff, "job_v".to_owned())
        });
        (dir, db, vision, staff, job)
    }

    fn give(db: &Db, organisation: i64, staff: i64, npu_hours: f64, expires_at: i64) -> String {
        db.blocking(|conn| {
            let grant = Grant {
                npu_hours,
                reason: "Porting to Ascend",
                expires_at,
            };
            super::grant(conn, organisation, &grant, staff, 0).unwrap()
        })
    }

    fn used(db: &Db, id: &str) -> f64 {
        db.blocking(|conn| load(conn, id)).unwrap().npu_hours_used
    }

    #[test]
    fn the_soonest_expiring_grant_pays_first_and_none_goes_below_zero() {
        let (_dir, db, vision, staff, job) = world();
        let later = give(&db, vision, staff, 10.0, 2_000);
        let sooner = give(&db, vision, staff, 1.5, 1_000);
        db.blocking(|conn| charge(conn, vision, &job, 1.0, 100))
            .unwrap();
        assert_eq!((used(&db, &sooner), used(&db, &later)), (1.0, 0.0));
        db.blocking(|conn| charge(conn, vision, &job, 12.0, 200))
            .unwrap();
        assert_eq!(
            (used(&db, &sooner), used(&db, &later)),
            (1.5, 10.0),
            "each grant pays what it has left, never more"
        );
        db.blocking(|conn| {
            conn.execute(
                "UPDATE jobs SET npu_hours_used = 13.0 WHERE id = ?1",
                [&job],
            )
        })
        .unwrap();
        let quota = db
            .blocking(|conn| quota_of(conn, vision, HOURS, 300))
            .unwrap();
        assert!(
            (quota.npu_hours_used - 1.5).abs() < 1e-9,
            "what the credits could not pay falls to the quota: {quota:?}"
        );
        assert_eq!(quota.credit_npu_hours_left, 0.0);
    }

    #[test]
    fn a_grant_nothing_spent_says_zero_used_not_minus_zero() {
        let (_dir, db, vision, staff, _job) = world();
        let grant = give(&db, vision, staff, 5.0, 1_000);
        assert!(used(&db, &grant).is_sign_positive());
        let none = db.blocking(|conn| left(conn, vision, 1_000)).unwrap();
        assert!(none.is_sign_positive());
    }

    #[test]
    fn credits_stop_counting_at_the_instant_they_expire() {
        let (_dir, db, vision, staff, job) = world();
        let grant = give(&db, vision, staff, 5.0, 1_000);
        let left = |at| db.blocking(|conn| left(conn, vision, at)).unwrap();
        assert_eq!((left(999), left(1_000)), (5.0, 0.0));
        let paid = db
            .blocking(|conn| charge(conn, vision, &job, 1.0, 1_000))
            .unwrap();
        assert!(paid.is_empty(), "an expired grant pays nothing");
        assert_eq!(used(&db, &grant), 0.0);
        let quota = db
            .blocking(|conn| quota_of(conn, vision, HOURS, 1_000))
            .unwrap();
        assert_eq!(quota.credit_npu_hours_left, 0.0);
    }

    #[test]
    fn jobs_not_ended_hold_credits_before_the_quota_and_a_request_may_use_both() {
        let (_dir, db, vision, staff, _job) = world();
        give(&db, vision, staff, 20.0, i64::MAX);
        // Other Vision has a quota of 500; its running job may use 8.
        let quota = db
            .blocking(|conn| quota_of(conn, vision, HOURS, 100))
            .unwrap();
        assert_eq!(quota.credit_npu_hours_left, 12.0, "{quota:?}");
        assert_eq!(
            (quota.npu_hours_reserved, quota.npu_hours_remaining),
            (0.0, 500.0)
        );
        assert_eq!(quota.available(), 512.0);
        assert_eq!(quota.split(30.0), (12.0, 18.0));
        assert_eq!(quota.split(4.0), (4.0, 0.0));
    }

    #[test]
    fn a_grant_says_what_is_wrong_with_it() {
        let (_dir, db, vision, staff, _job) = world();
        let refused = |npu_hours: f64, reason: &str, expires_at: i64| {
            db.blocking(|conn| {
                let grant = Grant {
                    npu_hours,
                    reason,
                    expires_at,
                };
                super::grant(conn, vision, &grant, staff, 1_000)
            })
            .unwrap_err()
            .to_string()
        };
        assert!(refused(0.0, "Porting", 2_000).contains("more than 0"));
        assert!(refused(f64::NAN, "Porting", 2_000).contains("more than 0"));
        assert!(refused(5.0, "", 2_000).contains("reason"));
        assert!(refused(5.0, "Porting\u{202e}", 2_000).contains("text-direction"));
        assert!(refused(5.0, "Porting", 1_000).contains("has passed"));
        assert_eq!(
            expiry("2027-03-31").unwrap(),
            expiry("2027-04-01T00:00:00Z").unwrap(),
            "a date is through that day in UTC"
        );
        assert_eq!(
            expiry("2027-03-31T18:00:00+08:00").unwrap(),
            expiry("2027-03-31T10:00:00Z").unwrap()
        );
        for bad in ["31/03/2027", "1899-12-31", "2100-12-31", "tomorrow", ""] {
            assert!(
                expiry(bad).unwrap_err().to_string().contains("YYYY-MM-DD"),
                "{bad}"
            );
        }
    }
}
