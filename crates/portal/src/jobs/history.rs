//! Each pool's free NPUs and queue over the last hours: sampled by the
//! scheduler every few minutes, kept for [`POOL_HISTORY_HOURS`], served at
//! `GET /v1/pools/history` for the app's compute view.

use aicc_api::jobs::{POOL_HISTORY_HOURS, PoolHistory, PoolSample};
use rusqlite::{Connection, params};

use super::list_pools;
use crate::clock::rfc3339;
use crate::error::ApiError;

const HOUR_MS: i64 = 3_600_000;

/// Records how every pool stands at `now_ms`, and forgets samples older
/// than [`POOL_HISTORY_HOURS`].
pub fn record(conn: &mut Connection, now_ms: i64) -> Result<(), ApiError> {
    let pools = list_pools(conn)?;
    let tx = conn.transaction()?;
    for pool in pools {
        tx.execute(
            "INSERT OR REPLACE INTO pool_samples (pool_id, at_ms, free_npus, queued_jobs)
             VALUES (?1, ?2, ?3, ?4)",
            params![pool.id, now_ms, pool.free_npus, pool.queued_jobs],
        )?;
    }
    tx.execute(
        "DELETE FROM pool_samples WHERE at_ms < ?1",
        [now_ms - i64::from(POOL_HISTORY_HOURS) * HOUR_MS],
    )?;
    tx.commit()?;
    Ok(())
}

/// Every pool's samples of the last `hours` before `now_ms`, oldest first;
/// a pool with none yet has an empty list.
pub fn since(conn: &Connection, hours: u32, now_ms: i64) -> Result<Vec<PoolHistory>, ApiError> {
    let from = now_ms - i64::from(hours.min(POOL_HISTORY_HOURS)) * HOUR_MS;
    let mut samples = conn.prepare_cached(
        "SELECT at_ms, free_npus, queued_jobs FROM pool_samples
         WHERE pool_id = ?1 AND at_ms >= ?2 ORDER BY at_ms",
    )?;
    list_pools(conn)?
        .into_iter()
        .map(|pool| {
            let samples = samples
                .query_map(params![pool.id, from], |r| {
                    Ok(PoolSample {
                        at: rfc3339(r.get(0)?),
                        free_npus: r.get(1)?,
                        queued_jobs: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(PoolHistory {
                pool_id: pool.id,
                samples,
            })
        })
        .collect()
}

/// A day of invented history for the demo, every 10 minutes up to
/// `now_ms`: busy in the working hours of China (UTC+8), quieter at night,
/// with a little noise. Only when no pool has any history yet.
pub fn seed_demo(conn: &mut Connection, now_ms: i64) -> Result<(), ApiError> {
    let any: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM pool_samples)", [], |r| {
        r.get(0)
    })?;
    if any {
        return Ok(());
    }
    const STEP_MS: i64 = 10 * 60 * 1000;
    let pools = list_pools(conn)?;
    let tx = conn.transaction()?;
    let last = now_ms - now_ms.rem_euclid(STEP_MS);
    for (index, pool) in pools.iter().enumerate() {
        for step in 0..(24 * 6) {
            let at = last - step * STEP_MS;
            let hour = ((at / HOUR_MS + 8).rem_euclid(24)) as f64;
            let working = (std::f64::consts::PI * (hour - 8.0) / 12.0).sin().max(0.0);
            let noise = ((step * 37 + index as i64 * 11).rem_euclid(17) as f64 - 8.0) / 100.0;
            let busy = (0.25 + 0.6 * working + noise).clamp(0.0, 1.0);
            let free = (f64::from(pool.total_npus) * (1.0 - busy)).round() as u32;
            let queued = (working * 6.0 + noise * 10.0).max(0.0).round() as u32;
            tx.execute(
                "INSERT OR IGNORE INTO pool_samples (pool_id, at_ms, free_npus, queued_jobs)
                 VALUES (?1, ?2, ?3, ?4)",
                params![pool.id, at, free, queued],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(|conn| {
            super::super::upsert_pool(conn, "p", "Pool", "Ascend 910B", 8, 2)?;
            record(conn, 0)
        })
        .unwrap();
        (dir, db)
    }

    #[test]
    fn samples_are_kept_for_the_history_hours_and_served_oldest_first() {
        let (_dir, db) = db();
        let hours = i64::from(POOL_HISTORY_HOURS);
        db.blocking(|conn| {
            record(conn, HOUR_MS).unwrap();
            record(conn, hours * HOUR_MS + 1).unwrap();
            let history = since(conn, POOL_HISTORY_HOURS, hours * HOUR_MS + 1).unwrap();
            let [pool] = &history[..] else {
                panic!("{history:?}")
            };
            let at: Vec<_> = pool.samples.iter().map(|s| s.at.clone()).collect();
            assert_eq!(
                at,
                [rfc3339(HOUR_MS), rfc3339(hours * HOUR_MS + 1)],
                "the first is gone"
            );
            assert_eq!(pool.samples[0].free_npus, 16);
            let last_hour = since(conn, 1, hours * HOUR_MS + 1).unwrap();
            assert_eq!(last_hour[0].samples.len(), 1);
        });
    }

    #[test]
    fn the_demo_history_is_a_day_seeded_once() {
        let (_dir, db) = db();
        db.blocking(|conn| {
            conn.execute("DELETE FROM pool_samples", []).unwrap();
            let now = 1_800_000_000_000;
            seed_demo(conn, now).unwrap();
            let day = since(conn, 24, now).unwrap();
            assert_eq!(day[0].samples.len(), 24 * 6);
            assert!(day[0].samples.iter().all(|s| s.free_npus <= 16));
            record(conn, now + 1).unwrap();
            seed_demo(conn, now + 2).unwrap();
            assert_eq!(
                since(conn, 24, now + 2).unwrap()[0].samples.len(),
                24 * 6 + 1
            );
        });
    }
}
