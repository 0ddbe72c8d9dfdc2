//! Where a training request would start soonest: every signed-in center
//! that can run it (a pool of the same NPU kind big enough, and the model
//! in its catalog or a custom image) is asked for an estimate at once;
//! centers that cannot be reached are shown as last known, not asked.

use aicc_api::jobs::{JobRequest, Pool, StartEstimate};
use futures_util::future::join_all;
use serde::Serialize;

use super::{CenterState, Partner};
use crate::sync::SyncStatus;
use crate::{Result, catalog, center};

/// One center's answer for a request, beside the others'.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CenterEstimate {
    pub state: CenterState,
    /// The pool there the request would run on; `None` when the center
    /// has none that fits, or not the model.
    pub pool: Option<Pool>,
    /// The center's answer; `None` when it was not asked (no pool, or it
    /// cannot be reached) or could not answer (`error`).
    pub estimate: Option<StartEstimate>,
    pub error: Option<String>,
    /// The organisation's NPU-hours left there, as last synced.
    pub npu_hours_left: Option<f64>,
    /// The admissible one that would start soonest.
    pub suggested: bool,
}

impl Partner {
    /// Asks every signed-in center that can run `request` (written for
    /// the shown center's pool) when it would start there.
    pub async fn estimate_everywhere(&self, request: JobRequest) -> Result<Vec<CenterEstimate>> {
        let kind = {
            let info = self.local(|c| center::info(c)).await?;
            info.pools
                .iter()
                .find(|p| p.id == request.pool_id)
                .map(|p| p.npu_kind.clone())
        };
        let mut asks = Vec::new();
        for (state, store) in self.center_stores().await? {
            let Some(store) = store else {
                asks.push((state, None, None, None));
                continue;
            };
            let model = request.base_model.as_ref().map(|m| m.model_id.clone());
            let (info, has_model) = store
                .call(move |c| {
                    let has = match &model {
                        Some(id) => catalog::model(c, id)?.is_some(),
                        None => true,
                    };
                    Ok((center::info(c)?, has))
                })
                .await?;
            let pool = if state.shown {
                info.pools.iter().find(|p| p.id == request.pool_id)
            } else {
                info.pools
                    .iter()
                    .filter(|p| kind.as_deref() == Some(p.npu_kind.as_str()))
                    .find(|p| fits(p, &request))
            }
            .filter(|_| has_model)
            .cloned();
            let left = info.quota.as_ref().map(aicc_api::jobs::Quota::available);
            let session = self.session_of(&state.account.key()).await;
            asks.push((state, pool, left, session));
        }
        let answers = join_all(asks.into_iter().map(|(state, pool, left, session)| {
            let request = JobRequest {
                pool_id: pool.as_ref().map_or_else(String::new, |p| p.id.clone()),
                ..request.clone()
            };
            async move {
                let reachable = matches!(
                    state.status,
                    Some(
                        SyncStatus::UpToDate { .. } | SyncStatus::Syncing { .. } | SyncStatus::Idle
                    )
                );
                let (estimate, error) = match (&pool, session) {
                    (Some(_), Some(session)) if reachable => {
                        let (portal, request) = (session.portal(), &request);
                        match session
                            .authorized(|token| async move {
                                portal.estimate_start(&token, request).await
                            })
                            .await
                        {
                            Ok(estimate) => (Some(estimate), None),
                            Err(e) => (None, Some(e.to_string())),
                        }
                    }
                    _ => (None, None),
                };
                CenterEstimate {
                    state,
                    pool,
                    estimate,
                    error,
                    npu_hours_left: left,
                    suggested: false,
                }
            }
        }))
        .await;
        Ok(suggest(answers))
    }
}

/// Whether `pool` has room for the request's nodes × NPUs at all.
fn fits(pool: &Pool, request: &JobRequest) -> bool {
    let nodes = pool.total_npus / pool.npus_per_node.max(1);
    request.npus_per_node <= pool.npus_per_node && request.nodes <= nodes
}

/// Marks the admissible answer with the soonest likely start.
fn suggest(mut answers: Vec<CenterEstimate>) -> Vec<CenterEstimate> {
    let soonest = answers
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let estimate = a.estimate.as_ref().filter(|e| e.admissible)?;
            let p50 = &estimate.start.as_ref()?.p50;
            let at =
                time::OffsetDateTime::parse(p50, &time::format_description::well_known::Rfc3339)
                    .ok()?;
            Some((at, i))
        })
        .min();
    if let Some((_, i)) = soonest {
        answers[i].suggested = true;
    }
    answers
}
