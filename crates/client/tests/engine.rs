//! The sync engine with the rest of the client core against a real portal
//! in-process: first and incremental syncs, sessions that refresh, end and
//! are revoked, writes queued offline reaching the center once, refusals,
//! favourites across computers, notifications and the event stream.

#![allow(clippy::unwrap_used)] // a test that cannot do its job should stop

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aicc_api::sync::{ChangePage, Collection};
use aicc_client::error::{Error, Result};
use aicc_client::outbox::OnUpload;
use aicc_client::session::{Credentials, Session};
use aicc_client::store::{Connection, Store};
use aicc_client::sync::{
    PAGES_AHEAD, SyncEngine, SyncOptions, SyncStatus, cycle, pull, sync_catalog,
};
use aicc_client::vault::{CredentialStore as _, MemoryStore};
use aicc_client::{
    ErrorCode, applications, catalog, center, clock, cursors, jobs, notifications, outbox,
};
use aicc_portal::config::{Config, ExecutorConfig};
use common::{
    config, everything, portal_on, request, settled, signed_in, temp_store, wait_until_job,
};

#[tokio::test]
async fn first_sync_pulls_the_whole_catalog_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let mut progress = Vec::new();
    cycle(
        &session,
        &store,
        100,
        |received, total| progress.push((received, total)),
        None,
    )
    .await
    .unwrap();
    let seeded = aicc_portal::catalog::seed::models().len() as u32;
    let pages = (seeded as usize).div_ceil(100);
    assert!(pages > 1, "the seed spans several pages");
    assert!(
        (1..=pages).contains(&progress.len()),
        "a report per transaction: {progress:?}"
    );
    assert_eq!(
        progress[0],
        (100, Some(seeded)),
        "the first page is applied alone and already knows the total"
    );
    assert!(
        progress.windows(2).all(|w| w[0].0 < w[1].0),
        "counts grow: {progress:?}"
    );
    assert!(
        progress.iter().all(|&(_, total)| total == Some(seeded)),
        "{progress:?}"
    );
    assert_eq!(progress.last().unwrap().0, seeded);
    let all = store
        .call(|c| catalog::search(c, &everything(), 0, 1))
        .await
        .unwrap();
    assert_eq!(all.total, seeded);
    // The search index, written beside the rows, holds every model and
    // is at the catalog's cursor.
    let (indexed, at, cursor) = store
        .call(|c| {
            Ok((
                c.query_row("SELECT count(*) FROM catalog_search", [], |r| r.get(0))?,
                c.query_row("SELECT rev FROM catalog_search_cursor", [], |r| r.get(0))?,
                cursors::cursor(c, Collection::Catalog)?.map(|(rev, _)| rev),
            ))
        })
        .await
        .unwrap();
    assert_eq!((indexed, Some(at)), (seeded, cursor));
    assert!(!store.indexing(), "the sync waited for the index");
}

#[tokio::test]
async fn pages_that_arrive_during_a_transaction_are_applied_together() {
    /// Each transaction's size and cursor; the first one is slow.
    static APPLIED: std::sync::Mutex<Vec<(usize, u64)>> = std::sync::Mutex::new(Vec::new());
    fn slow_first(
        conn: &mut Connection,
        page: &ChangePage<catalog::IncomingModel>,
        now: &str,
    ) -> Result<usize> {
        let first = {
            let mut applied = APPLIED.lock().unwrap();
            applied.push((page.changes.len(), page.next));
            applied.len() == 1
        };
        if first {
            // Ample time for a busy machine to fetch the other pages
            // of ten from a portal on loopback.
            std::thread::sleep(Duration::from_millis(1500));
        }
        catalog::apply_page(conn, page, now)
    }
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let received = pull(
        &session,
        &store,
        Collection::Catalog,
        10,
        slow_first,
        |_, _| {},
    )
    .await
    .unwrap();
    let seeded = aicc_portal::catalog::seed::models().len();
    assert_eq!(received as usize, seeded);
    let applied = APPLIED.lock().unwrap().clone();
    assert_eq!(applied[0].0, 10, "the first page goes in as it arrives");
    assert!(
        applied[1].0 > 10,
        "pages fetched meanwhile share a transaction: {applied:?}"
    );
    assert!(
        applied.iter().all(|&(n, _)| n <= 10 * (PAGES_AHEAD + 1)),
        "{applied:?}"
    );
    assert_eq!(
        applied.iter().map(|&(n, _)| n).sum::<usize>(),
        seeded,
        "every change once"
    );
    let cursor = store
        .call(|c| cursors::cursor(c, Collection::Catalog))
        .await
        .unwrap()
        .map(|(rev, _)| rev);
    assert_eq!(
        cursor,
        applied.last().map(|&(_, next)| next),
        "the cursor is the last page's"
    );
}

#[tokio::test]
async fn a_failed_transaction_ends_the_pull_with_its_error_and_keeps_the_cursor() {
    fn failing(
        _: &mut Connection,
        _: &ChangePage<aicc_api::catalog::Model>,
        _: &str,
    ) -> Result<usize> {
        // Long enough for the fetcher to fill the queue and wait for room.
        std::thread::sleep(Duration::from_millis(300));
        Err(Error::Store(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        )))
    }
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let pulled = tokio::time::timeout(
        Duration::from_secs(30),
        pull(&session, &store, Collection::Catalog, 5, failing, |_, _| {}),
    )
    .await
    .expect("the pull stops instead of waiting for a queue nobody reads");
    assert!(matches!(pulled, Err(Error::Store(_))), "{pulled:?}");
    let cursor = store
        .call(|c| cursors::cursor(c, Collection::Catalog))
        .await
        .unwrap();
    assert_eq!(cursor, None);
}

#[tokio::test]
async fn an_incremental_sync_brings_changed_and_retired_models_only() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    sync_catalog(&session, &store, 500, |_| {}).await.unwrap();
    assert_eq!(
        sync_catalog(&session, &store, 500, |_| {}).await.unwrap(),
        0
    );
    let mut changed: Vec<_> = aicc_portal::catalog::seed::models()
        .into_iter()
        .take(3)
        .collect();
    for model in &mut changed {
        model.stars += 10;
    }
    portal
        .portal
        .db()
        .blocking(|c| aicc_portal::catalog::upsert(c, &changed))
        .unwrap();
    portal
        .portal
        .db()
        .blocking(|c| aicc_portal::catalog::retire(c, "resnet50"))
        .unwrap();
    assert_eq!(
        sync_catalog(&session, &store, 500, |_| {}).await.unwrap(),
        4
    );
    let gone = catalog::CatalogQuery {
        text: "resnet50".into(),
        ..Default::default()
    };
    let found = store
        .call(move |c| catalog::search(c, &gone, 0, 10))
        .await
        .unwrap();
    assert!(found.models.iter().all(|m| m.id != "resnet50"));
    let id = changed[0].id.clone();
    let page = store
        .call(move |c| catalog::model(c, &id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.model.stars, changed[0].stars);
}

#[tokio::test]
async fn a_resumed_session_refreshes_through_the_vault_and_rotates_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, vault) = signed_in(&portal.url).await;
    let key = session.account().key();
    let first = vault.load(&key).unwrap().unwrap();
    let resumed = Session::resume(session.account().clone(), vault.clone())
        .await
        .unwrap();
    let (_store_dir, store) = temp_store();
    sync_catalog(&resumed, &store, 1000, |_| {}).await.unwrap();
    let rotated = vault.load(&key).unwrap().unwrap();
    assert_ne!(first, rotated);
    // Presented again while its successor is unused, the replaced
    // token gets that successor (its answer may have been lost).
    let again = resumed.portal().refresh(&first).await.unwrap();
    assert_eq!(again.refresh_token, rotated);
    // Once the successor was used, the replaced token is spent:
    // replaying it ends the whole session.
    let third = resumed.portal().refresh(&rotated).await.unwrap();
    let replay = resumed.portal().refresh(&first).await.unwrap_err();
    assert!(matches!(replay, Error::SessionEnded), "{replay:?}");
    let after_replay = resumed
        .portal()
        .refresh(&third.refresh_token)
        .await
        .unwrap_err();
    assert!(
        matches!(after_replay, Error::SessionEnded),
        "{after_replay:?}"
    );
}

#[tokio::test]
async fn an_expired_or_revoked_access_token_is_refreshed_without_the_user_noticing() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(
        Config {
            access_token_ttl_secs: 1,
            ..config(&dir)
        },
        "127.0.0.1:0",
    )
    .await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    // Past the whole second the center rounds the token's life up to.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    cycle(&session, &store, 200, |_, _| {}, None).await.unwrap();
    // The center drops every access token while the app still holds one.
    let long_dir = tempfile::tempdir().unwrap();
    let long = portal_on(config(&long_dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&long.url).await;
    session.access_token().await.unwrap();
    let revoke_every_access_token = || {
        long.portal
            .db()
            .blocking(|c| c.execute("UPDATE tokens SET revoked_at = 1 WHERE kind = 'access'", []))
            .unwrap();
    };
    revoke_every_access_token();
    cycle(&session, &store, 200, |_, _| {}, None).await.unwrap();
    // Each request, not only a sync's first, survives it.
    let session = &*session;
    revoke_every_access_token();
    center::refresh(session, &store, &clock::now())
        .await
        .unwrap();
    revoke_every_access_token();
    session
        .authorized(|token| async move { session.portal().favourites(&token).await })
        .await
        .unwrap();
    // A token the center refuses twice is the answer, not a loop.
    let sent = std::sync::atomic::AtomicU32::new(0);
    let refused = session
        .authorized(|_| async {
            sent.fetch_add(1, Ordering::Relaxed);
            session.portal().favourites("aat_unknown").await
        })
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::Portal { status: 401, .. }),
        "{refused:?}"
    );
    assert_eq!(sent.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn a_revoked_session_signs_the_user_out_with_a_clear_state() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, vault) = signed_in(&portal.url).await;
    let refresh = vault.load(&session.account().key()).unwrap().unwrap();
    session.portal().revoke(&refresh).await.unwrap();
    session.invalidate().await;
    let (_store_dir, store) = temp_store();
    let engine = SyncEngine::start(Arc::clone(&session), store, SyncOptions::default());
    let report = settled(&engine).await;
    match report.status {
        SyncStatus::Error { code, retry_at, .. } => {
            assert_eq!(code, ErrorCode::SessionEnded);
            assert_eq!(retry_at, None, "nothing to retry until the user signs in");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        vault.load(&session.account().key()).unwrap(),
        None,
        "the dead token is forgotten"
    );
}

/// Stopping lets the cycle under way finish: the pages it was fetching
/// are all kept, then the engine ends; none is cut off mid-cycle.
#[tokio::test]
async fn a_stopped_engine_finishes_the_cycle_under_way_then_ends() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let options = SyncOptions {
        page_size: 1,
        ..SyncOptions::default()
    };
    let engine = SyncEngine::start(Arc::clone(&session), store.clone(), options);
    let mut reports = engine.subscribe();
    let total = loop {
        reports.changed().await.unwrap();
        let status = reports.borrow_and_update().status.clone();
        match status {
            SyncStatus::Syncing {
                received,
                total: Some(total),
            } if received > 0 && received < total => break total,
            SyncStatus::Syncing { .. } | SyncStatus::Idle => {}
            other => panic!("the cycle ended before it could be stopped: {other:?}"),
        }
    };
    engine.stop().await;
    let kept = store
        .call(|c| catalog::search(c, &everything(), 0, 1))
        .await
        .unwrap()
        .total;
    assert_eq!(kept, total, "every page of the cycle under way is kept");
    let last = reports.borrow_and_update().status.clone();
    assert!(matches!(last, SyncStatus::UpToDate { .. }), "{last:?}");
    assert!(
        reports.changed().await.is_err(),
        "the engine has ended: nothing reports any more"
    );
}

#[tokio::test]
async fn the_engine_reports_offline_with_a_retry_time_and_keeps_the_local_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, vault) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    sync_catalog(&session, &store, 1000, |_| {}).await.unwrap();
    let account = session.account().clone();
    portal.stop().await;
    let resumed = Arc::new(Session::resume(account, vault).await.unwrap());
    let engine = SyncEngine::start(resumed, store.clone(), SyncOptions::default());
    let report = settled(&engine).await;
    assert!(
        matches!(report.status, SyncStatus::Offline { .. }),
        "{report:?}"
    );
    assert!(report.catalog_synced_at.is_some());
    assert!(
        store
            .call(|c| catalog::search(c, &everything(), 0, 1))
            .await
            .unwrap()
            .total
            > 0
    );
}

#[tokio::test]
async fn jobs_queued_offline_reach_the_center_exactly_once_even_when_a_response_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    let address = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    // Sign in while the center is up, then take it down.
    let portal = portal_on(config(&dir), &address).await;
    let (session, _) = signed_in(&portal.url).await;
    portal.stop().await;
    let (_store_dir, store) = temp_store();
    for nodes in 1..=3 {
        store
            .call(move |c| outbox::create_job(c, request(nodes), "2026-11-27T09:00:00Z"))
            .await
            .unwrap();
    }
    let err = outbox::drain(&session, &store, None).await.unwrap_err();
    assert!(matches!(err, Error::Offline { .. }), "{err:?}");
    let waiting = store.call(|c| jobs::list(c, &[])).await.unwrap();
    assert_eq!(waiting.len(), 3);
    assert!(
        waiting
            .iter()
            .all(|j| j.outbox.as_ref().is_some_and(|o| o.refusal.is_none()))
    );

    let first_local = waiting
        .iter()
        .find(|j| j.job.request.nodes == 1)
        .unwrap()
        .job
        .id
        .clone();

    let portal = portal_on(config(&dir), &address).await;
    // The first write reached the center before, but its answer was lost.
    let key: String = store
        .call(|c| {
            Ok(c.query_row(
                "SELECT idempotency_key FROM outbox ORDER BY seq LIMIT 1",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    let token = session.access_token().await.unwrap();
    session
        .portal()
        .write(
            &token,
            reqwest::Method::POST,
            "v1/jobs",
            &aicc_client::portal::WriteBody::Json(serde_json::to_value(request(1)).unwrap()),
            &key,
        )
        .await
        .unwrap();
    assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 3);
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    let on_center: ChangePage<aicc_api::jobs::Job> = session
        .portal()
        .changes(&token, Collection::Jobs, 0, 100)
        .await
        .unwrap();
    assert_eq!(on_center.changes.len(), 3, "exactly three jobs, none twice");
    let local = store.call(|c| jobs::list(c, &[])).await.unwrap();
    assert_eq!(local.len(), 3);
    assert!(
        local
            .iter()
            .all(|j| j.outbox.is_none() && j.job.id.starts_with("job_"))
    );
    let found = store
        .call(move |c| jobs::get(c, &first_local))
        .await
        .unwrap()
        .expect("a page opened on the local id still finds the job");
    assert!(found.job.id.starts_with("job_"), "{}", found.job.id);
    assert_eq!(found.job.request.nodes, 1);
    drop(portal);
}

#[tokio::test]
async fn a_member_is_offered_to_cancel_their_own_jobs_and_an_admin_anyones_offline_too() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (admin, _) = signed_in(&portal.url).await;
    let (member, _) = Session::sign_in(
        &portal.url,
        &Default::default(),
        &Credentials::password("engineer@demo.aicc", "demo-password"),
        Arc::new(MemoryStore::default()),
    )
    .await
    .unwrap();
    let mut offered = Vec::new();
    for session in [&*admin, &member] {
        let (_store_dir, store) = temp_store();
        store
            .call(|c| outbox::create_job(c, request(1), "t"))
            .await
            .unwrap();
        cycle(session, &store, 200, |_, _| {}, None).await.unwrap();
        let views = store.call(|c| jobs::list(c, &[])).await.unwrap();
        offered.push(
            views
                .iter()
                .map(|v| (v.job.submitted_by.clone(), v.may_cancel))
                .collect::<std::collections::BTreeMap<_, _>>(),
        );
    }
    let (admin_sees, member_sees) = (&offered[0], &offered[1]);
    assert_eq!(admin_sees.get("partner@demo.aicc"), Some(&Some(true)));
    assert_eq!(member_sees.get("engineer@demo.aicc"), Some(&Some(true)));
    assert_eq!(
        member_sees.get("partner@demo.aicc"),
        Some(&Some(false)),
        "a member is not offered the admin's job"
    );
    drop(portal);
}

#[tokio::test]
async fn a_refused_request_stays_with_the_reason_and_the_input_until_revised() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let local = store
        .call(|c| outbox::create_job(c, request(99), "t"))
        .await
        .unwrap();
    assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 0);
    let id = local.clone();
    let view = store
        .call(move |c| jobs::get(c, &id))
        .await
        .unwrap()
        .unwrap();
    let entry = view.outbox.unwrap();
    let refusal = entry.refusal.clone().unwrap();
    assert_eq!(refusal.field.as_deref(), Some("nodes"));
    assert!(refusal.message.contains("8 nodes"), "{}", refusal.message);
    assert_eq!(
        refusal.reason,
        Some(aicc_api::ReasonCode::new("nodes", &[("most", &8)])),
        "kept with the code the window words it by"
    );
    let outbox::Write::CreateJob { request: kept, .. } = &entry.write else {
        panic!()
    };
    assert_eq!(kept.nodes, 99, "the user's input is intact");
    let mut fixed = kept.clone();
    fixed.nodes = 2;
    let write = outbox::Write::CreateJob {
        local_id: local,
        request: fixed,
    };
    store
        .call(move |c| outbox::revise(c, entry.seq, &write))
        .await
        .unwrap();
    assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 1);
    assert!(store.call(|c| outbox::entries(c)).await.unwrap().is_empty());
}

#[tokio::test]
async fn favourites_follow_the_account_from_one_computer_to_another() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (office, _) = signed_in(&portal.url).await;
    let (laptop, _) = signed_in(&portal.url).await;
    let (_a, at_office) = temp_store();
    let (_b, on_laptop) = temp_store();
    let favourites = |store: &Store| {
        let store = store.clone();
        async move {
            let mut query = everything();
            query.favourites_only = true;
            store
                .call(move |c| catalog::search(c, &query, 0, 100))
                .await
                .unwrap()
                .models
                .into_iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
        }
    };
    cycle(&office, &at_office, 500, |_, _| {}, None)
        .await
        .unwrap();
    at_office
        .call(|c| outbox::set_favourite(c, "resnet50", true, "t"))
        .await
        .unwrap();
    cycle(&office, &at_office, 500, |_, _| {}, None)
        .await
        .unwrap();
    cycle(&laptop, &on_laptop, 500, |_, _| {}, None)
        .await
        .unwrap();
    assert_eq!(favourites(&on_laptop).await, ["resnet50"]);

    on_laptop
        .call(|c| outbox::set_favourite(c, "resnet50", false, "t"))
        .await
        .unwrap();
    cycle(&laptop, &on_laptop, 500, |_, _| {}, None)
        .await
        .unwrap();
    // A favourite kept while its write waits is not undone by the account's list.
    at_office
        .call(|c| {
            catalog::set_favourite(c, "qwen3-32b", true, "t")?;
            c.execute(
                "INSERT INTO outbox (write, idempotency_key, created_at)
                 VALUES ('{\"kind\":\"set_favourite\",\"model_id\":\"qwen3-32b\",\"favourite\":true}', 'k', 't')",
                [],
            )?;
            catalog::apply_favourites(c, &[], "t")
        })
        .await
        .unwrap();
    assert_eq!(favourites(&at_office).await, ["qwen3-32b"]);
    cycle(&office, &at_office, 500, |_, _| {}, None)
        .await
        .unwrap();
    assert_eq!(favourites(&at_office).await, ["qwen3-32b"]);
    cycle(&laptop, &on_laptop, 500, |_, _| {}, None)
        .await
        .unwrap();
    assert_eq!(favourites(&on_laptop).await, ["qwen3-32b"]);
}

#[tokio::test]
async fn an_application_written_offline_is_created_saved_and_submitted_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let mut form = aicc_api::applications::ApplicationForm {
        organisation_name: "Demo Robotics".into(),
        ..Default::default()
    };
    let id = store
        .call({
            let form = form.clone();
            move |c| outbox::save_application(c, None, form, "t")
        })
        .await
        .unwrap();
    form.uscc = "914403001922038217".into();
    let refused_locally = store
        .call({
            let (form, id) = (form.clone(), id.clone());
            move |c| outbox::save_application(c, Some(&id), form, "t")
        })
        .await
        .unwrap_err();
    assert!(
        refused_locally.to_string().contains("uscc"),
        "checked before it is queued"
    );
    form.uscc = "914403001922038216".into();
    form.organisation_kind = Some(aicc_api::applications::OrganisationKind::IncubatedStartup);
    form.contact_name = "Li Wei".into();
    form.contact_email = "li.wei@robotics.example.cn".into();
    form.contact_phone = "+86 311 8888 6666".into();
    form.solution_name = "Weld seam inspection".into();
    form.solution_description = "Finds weld defects at the line.".into();
    form.target_hardware = vec!["Atlas 300I Duo".into()];
    form.tier = Some(aicc_api::applications::ProgrammeTier::Certified);
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(300 * 1024, b' ');
    pdf.extend_from_slice(b"\n%%EOF\n");
    let size = pdf.len() as u64;
    store
        .call({
            let id = id.clone();
            move |c| {
                outbox::save_application(c, Some(&id), form, "t")?;
                outbox::upload_attachment(c, &id, "licence.pdf", pdf, "t")?;
                outbox::submit_application(c, &id, "t")
            }
        })
        .await
        .unwrap();
    let about = id.clone();
    let waiting = store
        .call(move |c| outbox::entries_about(c, &about))
        .await
        .unwrap();
    assert_eq!(waiting.len(), 4, "every write about the application");
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let on_upload: OnUpload = Arc::new({
        let heard = Arc::clone(&heard);
        move |upload| heard.lock().unwrap().push(upload)
    });
    assert_eq!(
        outbox::drain(&session, &store, Some(&on_upload))
            .await
            .unwrap(),
        4
    );
    let heard = heard.lock().unwrap().clone();
    assert!(heard.len() >= 4, "progress in pieces: {heard:?}");
    assert!(heard.windows(2).all(|w| w[0].sent_bytes < w[1].sent_bytes));
    let last = heard.last().unwrap();
    assert_eq!((last.sent_bytes, last.total_bytes), (size, size));
    assert_eq!(last.file_name, "licence.pdf");
    assert!(
        !outbox::is_local(&last.application_id),
        "reported under the center's id: {}",
        last.application_id
    );
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    let apps = written(&store).await;
    assert_eq!(
        apps.len(),
        1,
        "the local draft became the center's application"
    );
    let app = &apps[0].application;
    assert_eq!(
        app.state,
        aicc_api::applications::ApplicationState::Submitted
    );
    assert_eq!(app.attachments.len(), 1);
    assert_eq!(app.attachments[0].size_bytes, size);
    // A form still holding the local id attaches and saves to the center's application.
    let (local, on_center) = (id.clone(), app.id.clone());
    let later = store
        .call(move |c| {
            outbox::upload_attachment(c, &local, "brief.pdf", b"%PDF-1.7\n".to_vec(), "t")?;
            outbox::submit_application(c, &local, "t")?;
            outbox::entries_about(c, &local)
        })
        .await
        .unwrap();
    assert_eq!(later.len(), 2);
    assert!(later.iter().all(|e| e.write.item_id() == on_center));
    assert_eq!(app.form.uscc, "914403001922038216");
}

#[tokio::test]
async fn a_withdrawal_shows_at_once_reaches_the_center_and_cannot_be_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let form: aicc_api::applications::ApplicationForm =
        serde_json::from_value(aicc_e2e::fixtures::application_form()).unwrap();
    let id = store
        .call(move |c| {
            let id = outbox::save_application(c, None, form, "t")?;
            outbox::submit_application(c, &id, "t")?;
            Ok(id)
        })
        .await
        .unwrap();
    outbox::drain(&session, &store, None).await.unwrap();
    let local = id.clone();
    let shown = store
        .call(move |c| {
            outbox::withdraw_application(c, &local, "t")?;
            applications::get(c, &local)
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        shown.application.state,
        aicc_api::applications::ApplicationState::Withdrawn
    );
    assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 1);
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    let apps = written(&store).await;
    assert_eq!(
        apps[0].application.state,
        aicc_api::applications::ApplicationState::Withdrawn,
        "as the center has it"
    );
    assert!(apps[0].outbox.is_none());
    let again = store
        .call(move |c| outbox::withdraw_application(c, &id, "t"))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, Error::Refused { reason, .. } if reason.code == "application_not_withdrawable"),
        "{again}"
    );
}

#[tokio::test]
async fn an_ended_job_is_notified_once_and_first_sync_history_never() {
    let dir = tempfile::tempdir().unwrap();
    let fast = Config {
        executor: ExecutorConfig::Simulated {
            time_scale: 36_000.0,
            failure_rate: 0.0,
        },
        ..config(&dir)
    };
    let portal = portal_on(fast, "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let token = session.access_token().await.unwrap();
    let body = aicc_client::portal::WriteBody::Json(serde_json::to_value(request(1)).unwrap());
    let old = session
        .portal()
        .write(&token, reqwest::Method::POST, "v1/jobs", &body, "history")
        .await
        .unwrap();
    let old_id = old.body["id"].as_str().unwrap().to_owned();
    wait_until_job(&session, &old_id, "succeeded").await;
    let (_store_dir, store) = temp_store();
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    assert!(
        store
            .call(|c| notifications::inbox(c, 10))
            .await
            .unwrap()
            .is_empty(),
        "history is not news"
    );

    let new = session
        .portal()
        .write(&token, reqwest::Method::POST, "v1/jobs", &body, "news")
        .await
        .unwrap();
    let new_id = new.body["id"].as_str().unwrap().to_owned();
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    wait_until_job(&session, &new_id, "succeeded").await;
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
    let inbox = store.call(|c| notifications::inbox(c, 10)).await.unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(
        (inbox[0].item_id.as_str(), inbox[0].state.as_str()),
        (new_id.as_str(), "succeeded")
    );
    let taken = store
        .call(|c| notifications::take_unshown(c, "t"))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "{taken:?}");
    assert!(
        store
            .call(|c| notifications::take_unshown(c, "t"))
            .await
            .unwrap()
            .is_empty(),
        "a notification is offered to the OS once"
    );
    assert_eq!(store.call(|c| notifications::unread(c)).await.unwrap(), 1);
}

#[tokio::test]
async fn the_event_stream_wakes_the_engine_when_the_center_changes() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    let options = SyncOptions {
        poll_interval: Duration::from_secs(3600),
        ..SyncOptions::default()
    };
    let engine = SyncEngine::start(Arc::clone(&session), store.clone(), options);
    let mut reports = engine.subscribe();
    loop {
        reports.changed().await.unwrap();
        let report = reports.borrow_and_update().clone();
        if report.live && matches!(report.status, SyncStatus::UpToDate { .. }) {
            break;
        }
    }
    let mut model = aicc_portal::catalog::seed::models().remove(0);
    model.id = "rail-defect-yolo".into();
    model.name = "Rail defect YOLO".into();
    portal
        .portal
        .db()
        .blocking(|c| aicc_portal::catalog::upsert(c, &[model]))
        .unwrap();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let query = catalog::CatalogQuery {
                text: "rail defect".into(),
                ..Default::default()
            };
            if store
                .call(move |c| catalog::search(c, &query, 0, 1))
                .await
                .unwrap()
                .total
                == 1
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "the new model arrived long before the hourly poll"
    );
}

#[tokio::test]
async fn the_directory_syncs_and_is_found_by_any_part_of_a_chinese_name_offline() {
    use aicc_client::directory::{self, DirectoryQuery};
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_on(config(&dir), "127.0.0.1:0").await;
    let (session, _) = signed_in(&portal.url).await;
    let (_store_dir, store) = temp_store();
    cycle(&session, &store, 10, |_, _| {}, None).await.unwrap();
    portal.stop().await;
    let search = |text: &str, industry: Option<&str>| {
        let query = DirectoryQuery {
            text: text.into(),
            industry: industry.map(str::to_owned),
            limit: 50,
            ..DirectoryQuery::default()
        };
        let store = store.clone();
        async move {
            store
                .call(move |c| directory::search(c, &query))
                .await
                .unwrap()
                .found
                .items
                .into_iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search("轨道", None).await,
        ["RailEye 轨道巡检 3.0", "RailScan 轨道几何异常检测"]
    );
    assert_eq!(
        search("轨道", Some("rail inspection")).await,
        ["RailEye 轨道巡检 3.0", "RailScan 轨道几何异常检测"]
    );
    assert_eq!(
        search("", None).await.len(),
        30,
        "synced over several pages, the expired one left out"
    );
}

/// The applications the test wrote: every one but the solution the demo
/// startup had certified before.
async fn written(store: &Store) -> Vec<aicc_client::applications::ApplicationView> {
    let mut apps = store.call(|c| applications::list(c)).await.unwrap();
    apps.retain(|a| a.application.state != aicc_api::applications::ApplicationState::Certified);
    apps
}
