//! The center's compute as the app last saw it: its pools (kind, free and
//! total NPUs, queue) and the organisation's NPU-hour quota, refreshed on
//! every sync and kept for the training form to use offline; and a
//! request's cost checked against them before it is sent.

use aicc_api::FieldError;
use aicc_api::jobs::{JobRequest, Pool, Quota};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::session::Session;
use crate::store::Store;

/// The pools and quota, and when the center said so.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CenterInfo {
    pub pools: Vec<Pool>,
    pub quota: Option<Quota>,
    pub fetched_at: Option<String>,
}

/// Asks the center for its pools and quota and keeps them.
pub async fn refresh(session: &Session, store: &Store, now: &str) -> Result<()> {
    let pools = session
        .authorized(|token| async move { session.portal().pools(&token).await })
        .await?;
    let quota = session
        .authorized(|token| async move { session.portal().quota(&token).await })
        .await?;
    let now = now.to_owned();
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            for (key, body) in [("pools", serde_json::to_string(&pools)?), ("quota", serde_json::to_string(&quota)?)] {
                tx.execute(
                    "INSERT INTO center_info (key, body, fetched_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                    params![key, body, now],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
}

/// What the store knows.
pub fn info(conn: &Connection) -> Result<CenterInfo> {
    let pools: Option<(Vec<Pool>, String)> = read(conn, "pools")?;
    let quota: Option<(Quota, String)> = read(conn, "quota")?;
    Ok(CenterInfo {
        fetched_at: pools.as_ref().map(|(_, at)| at.clone()),
        pools: pools.map(|(p, _)| p).unwrap_or_default(),
        quota: quota.map(|(q, _)| q),
    })
}

/// Checks a request as the center will, with what the store knows: the
/// pool's flavour, the hour cap, the hyperparameters, and the quota.
pub fn check_request(
    info: &CenterInfo,
    request: &JobRequest,
) -> std::result::Result<(), FieldError> {
    let Some(pool) = info.pools.iter().find(|p| p.id == request.pool_id) else {
        return Err(FieldError {
            field: "pool_id",
            message: "choose a pool".into(),
        });
    };
    let (min_hours, max_hours) = info
        .quota
        .as_ref()
        .map_or((aicc_api::jobs::MIN_JOB_HOURS, f64::MAX), |q| {
            (q.min_job_hours, q.max_job_hours)
        });
    request.check(pool, min_hours, max_hours)?;
    if let Some(quota) = &info.quota {
        let needed = request.max_npu_hours();
        if needed > quota.npu_hours_remaining + 1e-9 {
            return Err(FieldError {
                field: "max_hours",
                message: format!(
                    "this job may use {needed:.1} NPU-hours; your organisation has {:.1} left",
                    quota.npu_hours_remaining.max(0.0)
                ),
            });
        }
    }
    Ok(())
}

fn read<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<(T, String)>> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT body, fetched_at FROM center_info WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(body, at)| Ok((serde_json::from_str(&body)?, at)))
        .transpose()
}
