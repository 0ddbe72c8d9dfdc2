//! The compute credits the center granted the organisation, as last
//! synced: what is left of each, which expire soon, and how they were
//! spent over time (the burn-down). A grant about to expire with hours
//! left is a notification, once.

use aicc_api::incubation::Credit;
use aicc_api::jobs::{NEGLIGIBLE_NPU_HOURS, total_npu_hours};
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::{instant, written};
use crate::error::Result;
use crate::{cursors, notifications};

/// Within this many days of its expiry a grant with hours left is
/// expiring soon, and said so once.
pub const WARN_DAYS: i64 = 7;

/// One grant as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CreditView {
    pub credit: Credit,
    /// Not spent; nothing once expired.
    pub npu_hours_left: f64,
    pub expired: bool,
    /// Hours left and expiring within [`WARN_DAYS`].
    pub expiring_soon: bool,
}

/// One point of the burn-down: the credits worth something at `at`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BurnPoint {
    pub at: String,
    pub npu_hours_left: f64,
}

/// Every grant, the totals and the burn-down.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CreditsView {
    /// Those worth something first, the soonest-expiring first (the order
    /// jobs spend them in); then the expired and spent, the latest to
    /// expire first.
    pub credits: Vec<CreditView>,
    /// Of the grants not expired.
    pub npu_hours_granted: f64,
    pub npu_hours_used: f64,
    pub npu_hours_left: f64,
    /// Left on grants expiring soon.
    pub npu_hours_expiring_soon: f64,
    /// From the first grant to now, oldest first.
    pub burn_down: Vec<BurnPoint>,
}

/// Applies a credits feed page and its cursor in one transaction, then
/// notes the grants that expire soon.
pub fn apply_page(conn: &mut Connection, page: &ChangePage<Credit>, now: &str) -> Result<usize> {
    let tx = conn.transaction()?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        tx.execute(
            "INSERT INTO credits (id, rev, expires_at, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, expires_at = excluded.expires_at,
                 body = excluded.body
             WHERE excluded.rev >= credits.rev",
            params![item.id, rev, item.expires_at, serde_json::to_string(item)?],
        )?;
    }
    cursors::set_cursor(&tx, Collection::Credits, page.next, now)?;
    warn(&tx, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Records a notification for each grant with hours left that expires
/// within [`WARN_DAYS`] of `now`; once per grant, whenever the app first
/// sees it so.
fn warn(conn: &Connection, now: &str) -> Result<()> {
    for view in view(conn, now)?.credits {
        if view.expiring_soon {
            notifications::record(
                conn,
                Collection::Credits,
                &view.credit.id,
                "expiring",
                &view.credit.reason,
                now,
            )?;
        }
    }
    Ok(())
}

/// Every grant as last synced, judged at `now` (RFC 3339).
pub fn view(conn: &Connection, now: &str) -> Result<CreditsView> {
    let now = instant(now);
    let credits: Vec<Credit> = conn
        .prepare_cached("SELECT body FROM credits ORDER BY expires_at, id")?
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|body| Ok(serde_json::from_str(&body?)?))
        .collect::<Result<_>>()?;
    let soon = now + time::Duration::days(WARN_DAYS);
    let mut views: Vec<CreditView> = credits
        .into_iter()
        .map(|credit| {
            let expires = instant(&credit.expires_at);
            let expired = expires <= now;
            let unspent = credit.npu_hours - credit.npu_hours_used;
            // A grant spent by many small charges adds up to a hair under
            // what it gave: spent, as the center counts it.
            let npu_hours_left = if expired || unspent <= NEGLIGIBLE_NPU_HOURS {
                0.0
            } else {
                unspent
            };
            CreditView {
                expiring_soon: npu_hours_left > 0.0 && expires <= soon,
                npu_hours_left,
                expired,
                credit,
            }
        })
        .collect();
    // Spendable first, in spending order; then the rest, the latest to
    // expire first.
    views.sort_by_key(|v| v.npu_hours_left <= 0.0);
    let spendable = views.iter().filter(|v| v.npu_hours_left > 0.0).count();
    views[spendable..].reverse();
    let live = || views.iter().filter(|v| !v.expired);
    Ok(CreditsView {
        npu_hours_granted: total_npu_hours(live().map(|v| v.credit.npu_hours)),
        npu_hours_used: total_npu_hours(live().map(|v| v.credit.npu_hours_used)),
        npu_hours_left: total_npu_hours(live().map(|v| v.npu_hours_left)),
        npu_hours_expiring_soon: total_npu_hours(
            live().filter(|v| v.expiring_soon).map(|v| v.npu_hours_left),
        ),
        burn_down: burn_down(&views, now),
        credits: views,
    })
}

/// The credits worth something over time, as steps: each grant adds its
/// hours when granted, jobs take what they spent at the end of the hour
/// they spent it in (or now, for this hour), and a grant that expired
/// takes what was left of it with it.
fn burn_down(views: &[CreditView], now: OffsetDateTime) -> Vec<BurnPoint> {
    // (from, to, change): what happened between two instants.
    let mut steps: std::collections::BTreeMap<(OffsetDateTime, OffsetDateTime), f64> =
        std::collections::BTreeMap::new();
    let mut add = |from: OffsetDateTime, to: OffsetDateTime, change: f64| {
        *steps.entry((from, to)).or_default() += change;
    };
    for view in views {
        let credit = &view.credit;
        let granted = instant(&credit.granted_at);
        add(granted, granted, credit.npu_hours);
        for usage in &credit.usage {
            let spent = (instant(&usage.hour) + time::Duration::HOUR).min(now);
            add(spent, spent, -usage.npu_hours);
        }
        if view.expired {
            let expired = instant(&credit.expires_at);
            add(
                expired,
                expired,
                -(credit.npu_hours - credit.npu_hours_used).max(0.0),
            );
        }
    }
    let mut points: Vec<(OffsetDateTime, f64)> = Vec::new();
    let mut left = 0.0;
    let mut push = |at: OffsetDateTime, level: f64| {
        // Time never runs back on the chart, and a point is not repeated.
        let at = points.last().map_or(at, |(last, _)| at.max(*last));
        if points.last() != Some(&(at, level)) {
            points.push((at, level));
        }
    };
    for ((from, to), change) in steps {
        push(from, left);
        left = (left + change).max(0.0);
        push(to, left);
    }
    if left > 0.0 || !views.is_empty() {
        push(now, left);
    }
    points
        .into_iter()
        .map(|(at, npu_hours_left)| point(at, npu_hours_left))
        .collect()
}

fn point(at: OffsetDateTime, npu_hours_left: f64) -> BurnPoint {
    BurnPoint {
        at: written(at),
        npu_hours_left,
    }
}

#[cfg(test)]
mod tests {
    use aicc_api::incubation::CreditUsage;

    use super::*;

    fn credit(id: &str, npu_hours: f64, used: f64, expires_at: &str) -> Credit {
        Credit {
            id: id.into(),
            npu_hours,
            reason: format!("Grant {id}"),
            granted_at: "2026-11-01T00:00:00Z".into(),
            expires_at: expires_at.into(),
            npu_hours_used: used,
            usage: (used > 0.0)
                .then(|| CreditUsage {
                    job_id: "job_1".into(),
                    hour: "2026-11-20T08:00:00Z".into(),
                    npu_hours: used,
                })
                .into_iter()
                .collect(),
        }
    }

    fn store(credits: &[Credit]) -> (tempfile::TempDir, crate::store::Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let page = ChangePage {
            changes: credits
                .iter()
                .enumerate()
                .map(|(i, c)| Change::Upsert {
                    rev: i as u64 + 1,
                    item: c.clone(),
                })
                .collect(),
            next: credits.len() as u64,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| apply_page(c, &page, "2026-12-06T12:00:00Z"))
            .unwrap();
        (dir, store)
    }

    #[test]
    fn grants_are_listed_in_spending_order_and_expired_ones_count_for_nothing() {
        let (_dir, store) = store(&[
            credit("late", 100.0, 10.0, "2027-03-01T00:00:00Z"),
            credit("soon", 40.0, 0.0, "2026-12-10T00:00:00Z"),
            credit("gone", 50.0, 20.0, "2026-12-01T00:00:00Z"),
        ]);
        let view = store.blocking(|c| view(c, "2026-12-06T12:00:00Z")).unwrap();
        let order: Vec<&str> = view.credits.iter().map(|v| v.credit.id.as_str()).collect();
        assert_eq!(order, ["soon", "late", "gone"]);
        assert!(view.credits[0].expiring_soon && !view.credits[1].expiring_soon);
        assert!(view.credits[2].expired && view.credits[2].npu_hours_left == 0.0);
        assert_eq!(
            (
                view.npu_hours_granted,
                view.npu_hours_used,
                view.npu_hours_left
            ),
            (140.0, 10.0, 130.0)
        );
        assert_eq!(view.npu_hours_expiring_soon, 40.0);
    }

    #[test]
    fn a_grant_spent_by_many_small_charges_is_spent_not_expiring() {
        let (_dir, store) = store(&[credit(
            "drift",
            40.0,
            39.999_999_999_999_99,
            "2026-12-10T00:00:00Z",
        )]);
        let view = store.blocking(|c| view(c, "2026-12-06T12:00:00Z")).unwrap();
        assert_eq!(view.credits[0].npu_hours_left, 0.0);
        assert!(!view.credits[0].expiring_soon);
        assert_eq!(view.npu_hours_expiring_soon, 0.0);
        let told = store.blocking(|c| notifications::inbox(c, 10)).unwrap();
        assert!(told.is_empty(), "{told:?}");
    }

    #[test]
    fn nothing_used_is_zero_not_minus_zero() {
        let (_dir, store) = store(&[credit("new", 12.0, 0.0, "2027-03-01T00:00:00Z")]);
        let view = store.blocking(|c| view(c, "2026-12-06T12:00:00Z")).unwrap();
        assert!(
            view.npu_hours_used.is_sign_positive(),
            "shown as \"-0\" otherwise"
        );
        assert!(view.npu_hours_expiring_soon.is_sign_positive());
    }

    #[test]
    fn a_grant_expiring_within_a_week_is_notified_once() {
        let (_dir, store) = store(&[
            credit("soon", 40.0, 0.0, "2026-12-10T00:00:00Z"),
            credit("spent", 10.0, 10.0, "2026-12-10T00:00:00Z"),
            credit("late", 100.0, 0.0, "2026-12-14T00:00:00Z"),
        ]);
        let empty = ChangePage {
            changes: Vec::new(),
            next: 3,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| apply_page(c, &empty, "2026-12-06T13:00:00Z"))
            .unwrap();
        let told: Vec<(String, String)> = store
            .blocking(|c| notifications::inbox(c, 10))
            .unwrap()
            .into_iter()
            .map(|n| (n.item_id, n.state))
            .collect();
        assert_eq!(told, [("soon".to_owned(), "expiring".to_owned())]);
        // A week before the later one, it is told too.
        store
            .blocking(|c| apply_page(c, &empty, "2026-12-07T00:00:00Z"))
            .unwrap();
        assert_eq!(
            store
                .blocking(|c| notifications::inbox(c, 10))
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn the_burn_down_rises_with_grants_falls_with_use_and_drops_at_expiry() {
        let (_dir, store) = store(&[
            credit("a", 100.0, 30.0, "2027-03-01T00:00:00Z"),
            credit("b", 50.0, 20.0, "2026-12-01T00:00:00Z"),
        ]);
        let view = store.blocking(|c| view(c, "2026-12-06T12:00:00Z")).unwrap();
        let levels: Vec<(&str, f64)> = view
            .burn_down
            .iter()
            .map(|p| (&p.at[..13], p.npu_hours_left))
            .collect();
        assert_eq!(
            levels,
            [
                ("2026-11-01T00", 0.0),
                ("2026-11-01T00", 150.0),
                ("2026-11-20T09", 150.0),
                ("2026-11-20T09", 100.0),
                ("2026-12-01T00", 100.0),
                ("2026-12-01T00", 70.0),
                ("2026-12-06T12", 70.0),
            ]
        );
        assert_eq!(view.npu_hours_left, 70.0);
    }
}
