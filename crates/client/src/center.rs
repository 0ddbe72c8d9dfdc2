//! The center as the app last saw it: who it is (its name), its pools
//! (kind, free and total NPUs, queue) and their last hours, the organisation's NPU-hour quota and the
//! account's standing (its role and what that may do), refreshed on every
//! sync and kept for the screens to use offline; and a request's cost
//! checked against them before it is sent.

use aicc_api::FieldError;
use aicc_api::auth::Account;
use aicc_api::center::CenterIdentity;
use aicc_api::jobs::{JobRequest, Pool, PoolHistory, Quota};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::accounts::Standing;
use crate::error::Result;
use crate::session::Session;
use crate::store::Store;

/// The pools, quota and standing, and when the center said so.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CenterInfo {
    pub pools: Vec<Pool>,
    pub quota: Option<Quota>,
    /// Unknown until the first sync: the screens then offer everything and
    /// the center decides.
    pub standing: Option<Standing>,
    pub fetched_at: Option<String>,
}

/// Asks the center for its pools, quota, who the account is and the
/// startup's mentors, and keeps them.
pub async fn refresh(session: &Session, store: &Store, now: &str) -> Result<()> {
    let pools = session
        .authorized(|token| async move { session.portal().pools(&token).await })
        .await?;
    let quota = session
        .authorized(|token| async move { session.portal().quota(&token).await })
        .await?;
    let account = session
        .authorized(|token| async move { session.portal().me(&token).await })
        .await?;
    // A portal from before the compute view has no history to give.
    let history = match session
        .authorized(
            |token| async move { session.portal().pool_history(&token, HISTORY_HOURS).await },
        )
        .await
    {
        Err(crate::Error::Portal { status: 404, .. }) => Vec::new(),
        history => history?,
    };
    // Nor one from before incubation: no enrolment there.
    let incubation = match session
        .authorized(|token| async move { session.portal().incubation(&token).await })
        .await
    {
        Err(crate::Error::Portal { status: 404, .. }) => None,
        incubation => incubation?.enrolment,
    };
    let mentors = match session
        .authorized(|token| async move { session.portal().mentors(&token).await })
        .await
    {
        Err(crate::Error::Portal { status: 404, .. }) => Vec::new(),
        mentors => mentors?.mentors,
    };
    // Nor one from before the center's name.
    let identity = match session.portal().center().await {
        Err(crate::Error::Portal { status: 404, .. }) => CenterIdentity::default(),
        identity => identity?,
    };
    let now = now.to_owned();
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            for (key, body) in [
                ("pools", serde_json::to_string(&pools)?),
                ("quota", serde_json::to_string(&quota)?),
                ("account", serde_json::to_string(&account)?),
                ("pool_history", serde_json::to_string(&history)?),
                ("center", serde_json::to_string(&identity)?),
                ("incubation", serde_json::to_string(&incubation)?),
            ] {
                tx.execute(
                    "INSERT INTO center_info (key, body, fetched_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                    params![key, body, now],
                )?;
            }
            crate::mentors::keep(&tx, &mentors)?;
            tx.commit()?;
            Ok(())
        })
        .await
}

/// The hours of each pool's history the app keeps.
pub const HISTORY_HOURS: u32 = 6;

/// Each pool's last [`HISTORY_HOURS`] as last synced.
pub fn history(conn: &Connection) -> Result<Vec<PoolHistory>> {
    Ok(read(conn, "pool_history")?
        .map(|(history, _)| history)
        .unwrap_or_default())
}

/// Who the center said it is at the last sync; `None` before the first.
pub fn identity(conn: &Connection) -> Result<Option<CenterIdentity>> {
    Ok(read(conn, "center")?.map(|(identity, _)| identity))
}

/// What the store knows.
pub fn info(conn: &Connection) -> Result<CenterInfo> {
    let pools: Option<(Vec<Pool>, String)> = read(conn, "pools")?;
    let quota: Option<(Quota, String)> = read(conn, "quota")?;
    let account: Option<(Account, String)> = read(conn, "account")?;
    Ok(CenterInfo {
        fetched_at: pools.as_ref().map(|(_, at)| at.clone()),
        pools: pools.map(|(p, _)| p).unwrap_or_default(),
        quota: quota.map(|(q, _)| q),
        standing: account.map(|(account, _)| Standing::of(account)),
    })
}

/// Checks a request as the center will, with what the store knows: the
/// pool's flavour, the hour cap, the hyperparameters, and the quota.
pub fn check_request(
    info: &CenterInfo,
    request: &JobRequest,
) -> std::result::Result<(), FieldError> {
    let Some(pool) = info.pools.iter().find(|p| p.id == request.pool_id) else {
        return Err(FieldError::new(
            "pool_id",
            "choose_pool",
            &[],
            "choose a pool",
        ));
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
        if needed > quota.available() + 1e-9 {
            let left = quota.available();
            return Err(FieldError::new(
                "max_hours",
                "over_quota",
                &[
                    ("needed", &format!("{needed:.1}")),
                    ("left", &format!("{left:.1}")),
                ],
                format!(
                    "this job may use {needed:.1} NPU-hours; your organisation has {left:.1} left, credits included"
                ),
            ));
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

#[cfg(test)]
mod tests {
    use aicc_api::jobs::{JobState, Pool, Quota};

    use super::*;

    #[test]
    fn a_request_the_credits_cover_passes_though_the_quota_is_spent() {
        let info = CenterInfo {
            pools: vec![Pool {
                id: "atlas-800t-a2".into(),
                name: "Atlas 800T A2".into(),
                npu_kind: "Ascend 910B".into(),
                npus_per_node: 8,
                total_npus: 64,
                free_npus: 64,
                queued_jobs: 0,
            }],
            quota: Some(Quota {
                npu_hours_total: 100.0,
                npu_hours_used: 100.0,
                npu_hours_reserved: 0.0,
                npu_hours_remaining: 0.0,
                max_job_hours: 720.0,
                min_job_hours: 0.1,
                credit_npu_hours_left: 10.0,
            }),
            standing: None,
            fetched_at: None,
        };
        let mut request = crate::jobs::tests::job(JobState::Queued).request;
        request.npus_per_node = 8;
        assert!(
            check_request(&info, &request).is_ok(),
            "8 of the 10 credits"
        );
        request.max_hours = 2.0;
        let refused = check_request(&info, &request).unwrap_err();
        assert!(refused.message.contains("10.0 left"), "{}", refused.message);
    }
}
