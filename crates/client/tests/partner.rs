//! The app's core as one type, as the shell uses it: accounts signed in,
//! switched and signed out against a real portal, and the questions the
//! window asks, with nobody signed in too.

#![allow(clippy::unwrap_used)] // a test that cannot do its job should stop

mod common;

use aicc_api::applications::MAX_ATTACHMENT_BYTES;
use aicc_client::Error;
use aicc_client::accounts::PlainHttp;
use aicc_client::config::{AppDirs, CenterAccount, Settings};
use aicc_client::network::NetworkSettings;
use aicc_client::partner::{Keep, Partner};
use aicc_client::session::Credentials;
use aicc_client::sync::{SyncOptions, SyncStatus};
use aicc_client::vault::MemoryStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aicc_portal::config::{Config, ExecutorConfig};
use common::{config, portal_on, request};

fn dirs(dir: &tempfile::TempDir) -> AppDirs {
    AppDirs {
        config: dir.path().join("config"),
        data: dir.path().join("data"),
        logs: dir.path().join("logs"),
    }
}

/// The account opens while the window loads; a question the window asks
/// before that waits for it rather than finding nobody signed in.
#[tokio::test]
async fn the_windows_first_question_waits_for_the_account_to_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let dirs = dirs(&dir);
    let account = CenterAccount {
        url: "http://127.0.0.1:9/".into(),
        email: "li.wei@example.cn".into(),
        network: NetworkSettings::default(),
    };
    let settings = Settings {
        accounts: vec![account.clone()],
        active: Some(0),
        ..Settings::default()
    };
    std::fs::create_dir_all(&dirs.config).unwrap();
    settings.save(&dirs.settings_file()).unwrap();
    let partner = Partner::with(dirs, MemoryStore::default(), SyncOptions::default());
    let (first, resumed) = tokio::join!(partner.current_account(), partner.resumed());
    assert_eq!((first, resumed), (Some(account.clone()), ()));
    assert_eq!(partner.current_account().await, Some(account));
    partner.shutdown().await;
    assert_eq!(partner.current_account().await, None);
}

async fn sign_in(partner: &Partner, url: &str) {
    partner
        .sign_in(
            url,
            &NetworkSettings::default(),
            None,
            &Credentials::password("partner@demo.aicc", "demo-password"),
            PlainHttp::Refuse,
            Keep::InKeyring,
        )
        .await
        .unwrap();
}

/// Waits until the shown account's engine has sent everything queued.
async fn sent(partner: &Partner) {
    for _ in 0..200 {
        // The report may still be the one from before the write was
        // queued: the store says whether anything waits.
        let waiting = partner
            .local(|c| aicc_client::outbox::entries(c))
            .await
            .unwrap()
            .into_iter()
            .any(|entry| entry.refusal.is_none());
        let report = partner.sync_report();
        if !waiting
            && matches!(report.status, SyncStatus::UpToDate { .. })
            && report.outbox_pending == 0
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("still not sent: {:?}", partner.sync_report());
}

/// Waits until the shown account's one job, queued as `local`, was sent:
/// the center's id has replaced the local one, and there is no other.
async fn sent_once(partner: &Partner, local: &str) {
    let mut found = Vec::new();
    for _ in 0..200 {
        found = partner
            .local(|c| aicc_client::jobs::list(c, &[]))
            .await
            .unwrap();
        if found.iter().any(|view| view.job.id != local) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found.len(), 1, "sent once, shown once: {found:?}");
    assert_ne!(
        found[0].job.id, local,
        "the center's id replaces the local one"
    );
}

/// The lifecycle the window drives, through the one type: sign in to
/// two centers, ask one for NPU time, switch back and forth, sign out of
/// both; each ask lands where the window shows, once.
#[tokio::test]
async fn accounts_sign_in_switch_and_sign_out_and_asks_reach_the_shown_center() {
    let (a_dir, b_dir, dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let a = portal_on(config(&a_dir), "127.0.0.1:0").await;
    let b = portal_on(config(&b_dir), "127.0.0.1:0").await;
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());

    sign_in(&partner, &a.url).await;
    sent(&partner).await;
    let job = partner
        .create_job(request(1), "draft-1".into())
        .await
        .unwrap();
    sent_once(&partner, &job).await;

    sign_in(&partner, &b.url).await;
    sent(&partner).await;
    let shown = partner.current_account().await.unwrap();
    assert_eq!(shown.url.trim_end_matches('/'), b.url);
    let at_b = partner
        .local(|c| aicc_client::jobs::list(c, &[]))
        .await
        .unwrap();
    assert!(at_b.is_empty(), "B's store has none of A's jobs: {at_b:?}");

    partner.switch_account(0).await.unwrap();
    let shown = partner.current_account().await.unwrap();
    assert_eq!(shown.url.trim_end_matches('/'), a.url);
    assert_eq!(
        partner
            .local(|c| aicc_client::jobs::list(c, &[]))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        partner.switch_account(2).await,
        Err(Error::InvalidInput(_))
    ));

    partner.sign_out().await.unwrap();
    partner.sign_out().await.unwrap();
    assert_eq!(partner.current_account().await, None);
    assert!(matches!(
        partner.create_job(request(1), "draft-2".into()).await,
        Err(Error::NotSignedIn)
    ));
    partner.shutdown().await;
}

/// Every signed-in center keeps syncing while another is shown: a job
/// ending there is heard of, notified once naming its center, and a
/// click on it shows that center; the account menu says how each stands.
#[tokio::test]
async fn a_job_ending_at_a_center_not_shown_is_notified_naming_it_and_shows_it() {
    let (a_dir, b_dir, dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let fast = Config {
        executor: ExecutorConfig::Simulated {
            time_scale: 7200.0,
            failure_rate: 0.0,
        },
        center: Some(aicc_portal::config::CenterConfig {
            name: "Jinghai AI Computing Center".into(),
            name_zh: "静海人工智能计算中心".into(),
            ..Default::default()
        }),
        ..config(&a_dir)
    };
    let a = portal_on(fast, "127.0.0.1:0").await;
    let b = portal_on(config(&b_dir), "127.0.0.1:0").await;
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());
    let due = Arc::new(AtomicUsize::new(0));
    let heard = Arc::clone(&due);
    partner.on_notifications_due(move || {
        heard.fetch_add(1, Ordering::SeqCst);
    });

    sign_in(&partner, &a.url).await;
    sent(&partner).await;
    let at_a = partner.current_account().await.unwrap();
    partner
        .create_job(request(1), "draft-1".into())
        .await
        .unwrap();
    sent(&partner).await;
    sign_in(&partner, &b.url).await;
    sent(&partner).await;

    let mut ended = Vec::new();
    for _ in 0..300 {
        ended.extend(
            partner
                .desktop_notifications(Some("en".into()))
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.title == "Training job succeeded"),
        );
        if !ended.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let [ended] = &ended[..] else {
        panic!("one notification of the job's end: {ended:?}")
    };
    assert_eq!(ended.account, at_a.key());
    assert!(
        ended.body.ends_with(" · Jinghai AI Computing Center"),
        "named as the center names itself: {}",
        ended.body
    );
    assert!(ended.route.starts_with("/jobs/"));
    assert!(due.load(Ordering::SeqCst) > 0, "the notifier heard of it");
    assert!(
        partner
            .desktop_notifications(None)
            .await
            .unwrap()
            .is_empty(),
        "each is shown once"
    );

    let compute = partner.compute().await.unwrap();
    assert_eq!(compute.len(), 2);
    for center in &compute {
        assert_eq!(center.info.pools.len(), 2, "{center:?}");
        assert!(
            center.history.iter().all(|h| h.samples.len() >= 36),
            "the demo's last hours: {:?}",
            center.history
        );
    }
    let centers = partner.centers().await.unwrap();
    assert_eq!(centers.len(), 2);
    assert!(!centers[0].shown && centers[1].shown);
    assert!(centers[0].unread >= 1, "{centers:?}");
    // Each named as it names itself (the demo's invented center for b).
    assert_eq!(
        [centers[0].name_zh.as_str(), centers[1].name_en.as_str()],
        ["静海人工智能计算中心", "Demo AI Computing Center"]
    );
    assert!(
        matches!(
            centers[0].status,
            Some(SyncStatus::UpToDate { .. } | SyncStatus::Syncing { .. })
        ),
        "syncing in the background: {:?}",
        centers[0].status
    );

    assert!(partner.show_account(&ended.account).await.unwrap());
    assert_eq!(partner.current_account().await, Some(at_a.clone()));
    assert!(!partner.show_account(&ended.account).await.unwrap());
    partner.shutdown().await;
}

/// A file is judged before anything is queued: too large or of the
/// wrong kind, the user is told which and the outbox is untouched.
#[tokio::test]
async fn an_attachment_is_refused_by_size_or_kind_before_it_is_queued() {
    let (portal_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let portal = portal_on(config(&portal_dir), "127.0.0.1:0").await;
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());
    sign_in(&partner, &portal.url).await;
    let big = dir.path().join("licence.pdf");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_ATTACHMENT_BYTES as u64 + 1)
        .unwrap();
    let text = dir.path().join("notes.pdf");
    std::fs::write(&text, "not a pdf").unwrap();
    let pdf = dir.path().join("business-licence.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n%%EOF\n").unwrap();

    for (path, says, code) in [
        (&big, "larger than 20 MiB", "file_too_large"),
        (&text, "not a PDF, PNG or JPEG", "file_kind"),
    ] {
        match partner.attach_file("app_1".into(), path).await {
            Err(Error::Refused {
                message, reason, ..
            }) => {
                assert!(message.contains(says), "{message}");
                assert_eq!(reason.code, code);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        partner
            .attach_file("app_1".into(), &dir.path().join("gone.pdf"))
            .await,
        Err(Error::File { .. })
    ));
    let queued = partner
        .local(|c| aicc_client::outbox::entries(c))
        .await
        .unwrap();
    assert!(queued.is_empty(), "{queued:?}");
    assert_eq!(
        partner.attach_file("app_1".into(), &pdf).await.unwrap(),
        "business-licence.pdf"
    );
    partner.shutdown().await;
}

#[tokio::test]
async fn with_nobody_signed_in_every_question_says_so_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());
    assert!(matches!(partner.session().await, Err(Error::NotSignedIn)));
    assert!(matches!(
        partner.local(|_| Ok(())).await,
        Err(Error::NotSignedIn)
    ));
    assert!(matches!(partner.sign_out().await, Err(Error::NotSignedIn)));
    assert!(matches!(
        partner.set_network(NetworkSettings::default(), None).await,
        Err(Error::NotSignedIn)
    ));
    assert_eq!(
        Error::NotSignedIn.code(),
        aicc_client::ErrorCode::NotSignedIn
    );
}

/// A request the user sends to another center, where it starts sooner, is
/// queued and sent there, once; the form's draft here goes, and that center
/// is shown. Estimates come from every center that can run it.
#[tokio::test]
async fn a_request_sent_where_it_starts_sooner_is_queued_there_and_that_center_shown() {
    let (a_dir, b_dir, dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let a = portal_on(config(&a_dir), "127.0.0.1:0").await;
    let b = portal_on(config(&b_dir), "127.0.0.1:0").await;
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());
    sign_in(&partner, &a.url).await;
    sent(&partner).await;
    sign_in(&partner, &b.url).await;
    sent(&partner).await;

    let answers = partner.estimate_everywhere(request(1)).await.unwrap();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(answers.iter().all(|a| {
        a.estimate
            .as_ref()
            .is_some_and(|e| e.admissible && e.start.as_ref().is_some_and(|w| w.now))
    }));
    assert_eq!(answers.iter().filter(|a| a.suggested).count(), 1);

    let draft = aicc_client::drafts::Draft {
        id: "job-new-qwen3-32b".into(),
        kind: aicc_client::drafts::DraftKind::Job,
        body: serde_json::json!({"name": "half typed"}),
        updated_at: "2026-12-06T09:00:00Z".into(),
    };
    partner
        .local(move |c| aicc_client::drafts::save(c, &draft))
        .await
        .unwrap();
    let id = partner
        .create_job_at(0, request(1), "job-new-qwen3-32b".into())
        .await
        .unwrap();
    let shown = partner.current_account().await.unwrap();
    assert_eq!(
        shown.url.trim_end_matches('/'),
        a.url,
        "the first center is shown"
    );
    sent_once(&partner, &id).await;
    partner.switch_account(1).await.unwrap();
    assert!(
        partner
            .local(|c| aicc_client::drafts::get(c, "job-new-qwen3-32b"))
            .await
            .unwrap()
            .is_none(),
        "the draft at the second center is gone"
    );
    assert!(
        partner
            .local(|c| aicc_client::jobs::list(c, &[]))
            .await
            .unwrap()
            .is_empty()
    );
    partner.shutdown().await;
}

/// An account signed out elsewhere (`aicc logout`, which edits the same
/// settings) stops being live here at the next look at them, even when the
/// last one left is then signed out here: nothing of it is notified.
#[tokio::test]
async fn an_account_signed_out_elsewhere_stops_being_live_here() {
    let (a_dir, b_dir, dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let a = portal_on(config(&a_dir), "127.0.0.1:0").await;
    let fast = Config {
        executor: ExecutorConfig::Simulated {
            time_scale: 7200.0,
            failure_rate: 0.0,
        },
        ..config(&b_dir)
    };
    let b = portal_on(fast, "127.0.0.1:0").await;
    let dirs = dirs(&dir);
    let partner = Partner::with(dirs.clone(), MemoryStore::default(), SyncOptions::default());
    sign_in(&partner, &a.url).await;
    sign_in(&partner, &b.url).await;
    sent(&partner).await;
    // A job at B ends; its notification waits to be shown.
    partner
        .create_job(request(1), "draft-1".into())
        .await
        .unwrap();
    for _ in 0..300 {
        let ended = partner
            .local(|c| aicc_client::jobs::list(c, &[]))
            .await
            .unwrap()
            .iter()
            .any(|v| v.job.state.is_final());
        if ended {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Elsewhere, B is signed out; here, A is then signed out too.
    let mut settings = Settings::load(&dirs.settings_file()).unwrap();
    settings.accounts.remove(1);
    settings.active = Some(0);
    settings.save(&dirs.settings_file()).unwrap();
    partner.switch_account(0).await.unwrap();
    partner.sign_out().await.unwrap();

    assert!(partner.centers().await.unwrap().is_empty());
    assert_eq!(
        partner.desktop_notifications(None).await.unwrap(),
        vec![],
        "nothing of an account signed out is notified"
    );
    partner.shutdown().await;
}

/// The demo startup's plan arrives with its programme; evidence sent from
/// the app goes once, shows on its way meanwhile, and the reviewer's
/// acceptance comes back as a notification, in the user's language.
#[tokio::test]
async fn a_startups_milestone_evidence_goes_once_and_its_acceptance_is_notified() {
    let (portal_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let portal = portal_on(config(&portal_dir), "127.0.0.1:0").await;
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());
    sign_in(&partner, &portal.url).await;
    sent(&partner).await;

    let plan = partner.incubation().await.unwrap();
    let enrolment = plan.enrolment.expect("Demo Robotics is enrolled");
    assert_eq!(enrolment.cohort.name, "2026 cohort");
    let titles: Vec<(&str, &str)> = plan
        .milestones
        .iter()
        .map(|m| (m.milestone.id.as_str(), m.milestone.state.as_str()))
        .collect();
    assert_eq!(
        titles,
        [
            ("ms_demo_adapt", "accepted"),
            ("ms_demo_recall", "submitted"),
            ("ms_demo_pilot", "planned"),
            ("ms_demo_day", "planned"),
        ],
        "by due date"
    );
    let pilot = "ms_demo_pilot".to_owned();
    assert!(plan.milestones[2].may_submit && !plan.milestones[1].may_submit);

    // Evidence that says nothing is refused here, before anything is queued.
    let empty = aicc_api::incubation::Evidence { text: " ".into() };
    assert!(matches!(
        partner
            .submit_milestone(pilot.clone(), empty, "draft-ms".into())
            .await,
        Err(Error::Refused {
            field: Some("text"),
            ..
        })
    ));
    let evidence = aicc_api::incubation::Evidence {
        text: "Four weeks on two lines: 38,412 seams, report signed".into(),
    };
    partner
        .submit_milestone(pilot.clone(), evidence.clone(), "draft-ms".into())
        .await
        .unwrap();
    let waiting = partner.milestone(pilot.clone()).await.unwrap().unwrap();
    assert!(
        !waiting.may_submit,
        "not twice while one is on its way: {waiting:?}"
    );
    sent(&partner).await;
    let submitted = partner.milestone(pilot.clone()).await.unwrap().unwrap();
    assert_eq!(submitted.milestone.state.as_str(), "submitted");
    assert_eq!(submitted.milestone.evidence, Some(evidence));
    assert!(submitted.outbox.is_none());
    let sent_once = portal.portal.db().blocking(|conn| {
        conn.query_row(
            "SELECT COUNT(*) FROM milestone_transitions WHERE milestone_id = 'ms_demo_pilot' AND to_state = 'submitted'",
            [],
            |r| r.get::<_, i64>(0),
        )
    });
    assert_eq!(sent_once.unwrap(), 1);

    // The reviewer accepts it at the center; the app hears of it once.
    portal
        .portal
        .db()
        .blocking(|conn| {
            aicc_portal::admin::review_milestone(
                conn,
                "ms_demo_pilot",
                "reviewer@demo.aicc",
                &aicc_api::incubation::MilestoneReview {
                    decision: aicc_api::incubation::MilestoneDecision::Accept,
                    comment: Some("Good pilot".into()),
                },
            )
        })
        .unwrap();
    let mut told = Vec::new();
    for _ in 0..200 {
        partner.sync_now().await;
        told.extend(
            partner
                .desktop_notifications(Some("zh-CN".into()))
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.route == "/milestones/ms_demo_pilot"),
        );
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let [told] = &told[..] else {
        panic!("one notification of the acceptance: {told:?}")
    };
    assert_eq!(told.title, "里程碑已通过");
    let accepted = partner.milestone(pilot).await.unwrap().unwrap();
    assert_eq!(accepted.milestone.state.as_str(), "accepted");
    partner.shutdown().await;
}

/// Evidence the center refused (a teammate sent theirs first) stays on the
/// milestone with its text until it is sent again or given up: sending
/// again replaces it, and nothing refused is left behind.
#[tokio::test]
async fn refused_milestone_evidence_is_sent_again_in_its_place_and_never_queued_twice() {
    let (portal_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let portal = portal_on(config(&portal_dir), "127.0.0.1:0").await;
    let partner = Partner::with(dirs(&dir), MemoryStore::default(), SyncOptions::default());
    sign_in(&partner, &portal.url).await;
    sent(&partner).await;
    let evidence = |text: &str| aicc_api::incubation::Evidence { text: text.into() };

    // Two at once from this app: the second is refused before it is queued.
    let twice = partner
        .local(move |c| {
            let now = aicc_client::clock::now();
            aicc_client::outbox::submit_milestone(c, "ms_demo_day", evidence("Slides"), &now)?;
            aicc_client::outbox::submit_milestone(c, "ms_demo_day", evidence("Slides"), &now)
        })
        .await;
    assert!(
        matches!(&twice, Err(Error::Refused { reason, .. }) if reason.code == "change_on_its_way"),
        "{twice:?}"
    );
    partner.sync_now().await;
    sent(&partner).await;

    // A teammate's evidence reaches the center first; this app's is refused.
    let engineer = reqwest::Client::new()
        .post(format!("{}/v1/auth/token", portal.url))
        .json(&serde_json::json!({"email": "engineer@demo.aicc", "password": "demo-password"}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = reqwest::Client::new()
        .post(format!("{}/v1/milestones/ms_demo_pilot/submit", portal.url))
        .bearer_auth(&engineer)
        .header("Idempotency-Key", "teammate-1")
        .json(&serde_json::json!({"text": "The teammate's report"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    partner
        .submit_milestone("ms_demo_pilot".into(), evidence("Mine"), "d".into())
        .await
        .unwrap();
    let mut view = None;
    for _ in 0..200 {
        let v = partner
            .milestone("ms_demo_pilot".into())
            .await
            .unwrap()
            .unwrap();
        if v.outbox.as_ref().is_some_and(|o| o.refusal.is_some()) {
            view = Some(v);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let refused = view.expect("refused by the center");
    assert!(
        !refused.may_submit,
        "not while the teammate's waits for review"
    );
    assert!(matches!(
        &refused.outbox.as_ref().unwrap().write,
        aicc_client::outbox::Write::SubmitMilestone { evidence, .. } if evidence.text == "Mine"
    ));

    // The reviewer sends the teammate's back; this app sends again.
    portal
        .portal
        .db()
        .blocking(|conn| {
            aicc_portal::admin::review_milestone(
                conn,
                "ms_demo_pilot",
                "reviewer@demo.aicc",
                &aicc_api::incubation::MilestoneReview {
                    decision: aicc_api::incubation::MilestoneDecision::RequestChanges,
                    comment: Some("Add the false alarms".into()),
                },
            )
        })
        .unwrap();
    partner.sync_now().await;
    sent(&partner).await;
    partner
        .submit_milestone(
            "ms_demo_pilot".into(),
            evidence("Mine, with false alarms"),
            "d".into(),
        )
        .await
        .unwrap();
    sent(&partner).await;
    let resent = partner
        .milestone("ms_demo_pilot".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resent.milestone.state.as_str(), "submitted");
    assert_eq!(
        resent.milestone.evidence.unwrap().text,
        "Mine, with false alarms"
    );
    assert!(
        partner
            .local(|c| aicc_client::outbox::entries(c))
            .await
            .unwrap()
            .is_empty(),
        "nothing refused left behind"
    );
    partner.shutdown().await;
}
