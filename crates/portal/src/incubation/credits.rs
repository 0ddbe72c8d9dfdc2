//! Compute credits: NPU-hours the center grants an organisation for a
//! reason, until an instant. A job's hours are paid from the grants not
//! expired, the soonest-expiring first, and from the quota once they are
//! spent; what each job spent of each grant is recorded hour by hour, so
//! that the startup sees where its credits went.

use aicc_api::incubation::{Credit, CreditUsage};
use aicc_api::jobs::{CreditCharge, NEGLIGIBLE_NPU_HOURS, total_npu_hours};
use rusqlite::{Connection, OptionalExtension, params};

use super::store::name;
use crate::clock::{new_id, rfc3339};
use crate::error::ApiError;
use crate::feed;

/// The least and the most one grant may give.
pub const FEWEST_NPU_HOURS: f64 = 0.1;
pub const MOST_NPU_HOURS: f64 = 1_000_000.0;

/// While jobs spend a grant, it gets a new revision (and the apps fetch
/// it again) at most this often; once more when each job ends.
const ANNOUNCE_EVERY_MS: i64 = 60_000;

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
    if !(grant.npu_hours.is_finite()
        && (FEWEST_NPU_HOURS..=MOST_NPU_HOURS).contains(&grant.npu_hours))
    {
        return Err(ApiError::invalid(
            "npu_hours",
            format!("grant from {FEWEST_NPU_HOURS} to {MOST_NPU_HOURS} NPU-hours"),
        ));
    }
    let kind: String = conn.query_row(
        "SELECT kind FROM organisations WHERE id = ?1",
        [organisation],
        |r| r.get(0),
    )?;
    if kind == "center" {
        return Err(ApiError::invalid(
            "organisation",
            "credits are for partners and startups, not the center's own staff".to_owned(),
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
    let years = 2000..=2100;
    let at = time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .filter(|at| years.contains(&at.year()))
        .or_else(|| {
            time::Date::parse(text, date)
                .ok()
                .filter(|day| years.contains(&day.year()))
                .and_then(|day| day.next_day())
                .map(|day| day.midnight().assume_utc())
        })
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
/// expired, not spent) with what is left of each and when it expires, the
/// soonest-expiring first: the order they are spent in.
fn spendable(
    conn: &Connection,
    organisation: i64,
    now: i64,
) -> Result<Vec<(String, f64, i64)>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, c.npu_hours - COALESCE(
                 (SELECT SUM(npu_hours) FROM credit_charges WHERE credit_id = c.id), 0),
                 c.expires_at
             FROM credits c
             WHERE c.organisation_id = ?1 AND c.granted_at <= ?2 AND c.expires_at > ?2
             ORDER BY c.expires_at, c.id",
        )?
        .query_map(params![organisation, now], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .filter(|row| !matches!(row, Ok((_, left, _)) if *left <= NEGLIGIBLE_NPU_HOURS))
        .collect::<rusqlite::Result<_>>()?)
}

/// What is left of the organisation's grants at `now`, in all.
pub fn left(conn: &Connection, organisation: i64, now: i64) -> Result<f64, ApiError> {
    lasting(conn, organisation, now, now)
}

/// What is left at `now` of the grants that still count at `until`: what
/// a job that may run until then can count on.
pub fn lasting(
    conn: &Connection,
    organisation: i64,
    now: i64,
    until: i64,
) -> Result<f64, ApiError> {
    Ok(total_npu_hours(
        spendable(conn, organisation, now)?
            .iter()
            .filter(|(_, _, expires_at)| *expires_at > until)
            .map(|(_, left, _)| *left),
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
/// what they cannot pay falls to the quota.
pub fn charge(
    conn: &Connection,
    organisation: i64,
    job_id: &str,
    npu_hours: f64,
    now: i64,
) -> Result<(), ApiError> {
    let mut owed = npu_hours;
    for (credit, left, _) in spendable(conn, organisation, now)? {
        if owed <= 0.0 {
            break;
        }
        let paid = owed.min(left);
        conn.prepare_cached(
            "INSERT INTO credit_charges (credit_id, job_id, hour, npu_hours) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (credit_id, job_id, hour) DO UPDATE SET npu_hours = npu_hours + excluded.npu_hours",
        )?
        .execute(params![credit, job_id, now - now.rem_euclid(HOUR_MS), paid])?;
        let due: bool = conn
            .prepare_cached(
                "SELECT announced_at IS NULL OR announced_at <= ?2 - ?3 FROM credits WHERE id = ?1",
            )?
            .query_row(params![credit, now, ANNOUNCE_EVERY_MS], |r| r.get(0))?;
        if due {
            conn.prepare_cached("UPDATE credits SET rev = ?2, announced_at = ?3 WHERE id = ?1")?
                .execute(params![credit, feed::next_rev(conn)?, now])?;
        }
        owed -= paid;
    }
    Ok(())
}

/// Gives the grants a job spent a new revision once it has ended, so the
/// apps see the last of what it spent.
pub fn settle(conn: &Connection, job_id: &str) -> Result<(), ApiError> {
    let credits: Vec<String> = conn
        .prepare_cached("SELECT DISTINCT credit_id FROM credit_charges WHERE job_id = ?1")?
        .query_map([job_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for credit in credits {
        conn.prepare_cached("UPDATE credits SET rev = ?2 WHERE id = ?1")?
            .execute(params![credit, feed::next_rev(conn)?])?;
    }
    Ok(())
}

/// Ends a grant at `now`: what was spent stays spent, the rest counts for
/// nothing from then on.
pub fn revoke(conn: &Connection, id: &str, now: i64) -> Result<(), ApiError> {
    let changed = conn.execute(
        "UPDATE credits SET expires_at = max(?2, granted_at + 1), rev = ?3
         WHERE id = ?1 AND expires_at > ?2",
        params![id, now, feed::next_rev(conn)?],
    )?;
    if changed == 0 {
        return Err(ApiError::Conflict(format!(
            "there is no grant {id} still to end; `list-credits` shows them"
        )));
    }
    Ok(())
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
        db.blocking(|conn| charge(conn, vision, &job, 1.0, 1_000))
            .unwrap();
        assert_eq!(used(&db, &grant), 0.0, "an expired grant pays nothing");
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
    }

    fn rev(db: &Db, id: &str) -> u64 {
        db.blocking(|conn| {
            conn.query_row("SELECT rev FROM credits WHERE id = ?1", [id], |r| r.get(0))
        })
        .unwrap()
    }

    #[test]
    fn a_grant_being_spent_is_announced_once_a_minute_and_when_the_job_ends() {
        let (_dir, db, vision, staff, job) = world();
        let grant = give(&db, vision, staff, 10.0, i64::MAX);
        let first = rev(&db, &grant);
        db.blocking(|conn| charge(conn, vision, &job, 0.1, 1_000))
            .unwrap();
        let announced = rev(&db, &grant);
        assert!(announced > first);
        db.blocking(|conn| charge(conn, vision, &job, 0.1, 30_000))
            .unwrap();
        assert_eq!(rev(&db, &grant), announced, "not again within the minute");
        assert!((used(&db, &grant) - 0.2).abs() < 1e-9, "though charged");
        db.blocking(|conn| charge(conn, vision, &job, 0.1, 62_000))
            .unwrap();
        let later = rev(&db, &grant);
        assert!(later > announced, "a minute on");
        db.blocking(|conn| settle(conn, &job)).unwrap();
        assert!(rev(&db, &grant) > later, "the job's end");
    }

    #[test]
    fn a_revoked_grant_keeps_what_was_spent_and_counts_for_nothing_after() {
        let (_dir, db, vision, staff, job) = world();
        let grant = give(&db, vision, staff, 10.0, i64::MAX);
        db.blocking(|conn| charge(conn, vision, &job, 4.0, 1_000))
            .unwrap();
        db.blocking(|conn| revoke(conn, &grant, 2_000)).unwrap();
        assert_eq!(used(&db, &grant), 4.0);
        assert_eq!(db.blocking(|conn| left(conn, vision, 2_000)).unwrap(), 0.0);
        let again = db.blocking(|conn| revoke(conn, &grant, 3_000)).unwrap_err();
        assert!(again.to_string().contains("no grant"), "{again}");
    }

    #[test]
    fn only_grants_that_outlast_a_job_count_for_it() {
        let (_dir, db, vision, staff, _job) = world();
        give(&db, vision, staff, 10.0, 5_000);
        give(&db, vision, staff, 3.0, 50_000);
        let lasting = |until| {
            db.blocking(|conn| lasting(conn, vision, 1_000, until))
                .unwrap()
        };
        assert_eq!(lasting(1_000), 13.0);
        assert_eq!(lasting(5_000), 3.0, "the first is gone by then");
        assert_eq!(lasting(50_000), 0.0);
    }

    #[test]
    fn a_grant_says_what_is_wrong_with_it() {
        let (_dir, db, vision, staff, _job) = world();
        let center = db
            .blocking(|conn| {
                let center = crate::admin::organisation_id(conn, "Demo AI Computing Center")?;
                let grant = Grant {
                    npu_hours: 5.0,
                    reason: "Porting",
                    expires_at: 2_000,
                };
                super::grant(conn, center, &grant, staff, 1_000)
            })
            .unwrap_err();
        assert!(
            center.to_string().contains("not the center's own"),
            "{center}"
        );
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
        for hours in [0.0, 1e-10, f64::NAN, f64::INFINITY, -5.0, 2e6] {
            assert!(
                refused(hours, "Porting", 2_000).contains("grant from 0.1"),
                "{hours}"
            );
        }
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
        assert!(expiry("2100-12-31").is_ok(), "the last day said");
        for bad in ["31/03/2027", "1899-12-31", "2101-01-01", "tomorrow", ""] {
            assert!(
                expiry(bad).unwrap_err().to_string().contains("YYYY-MM-DD"),
                "{bad}"
            );
        }
    }
}
