//! A full disk: the app's store on a small disk of its own. Queueing a
//! write says the disk is full (the user's input stays on screen), the
//! store stays intact, and once space is freed the same write is queued.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

use aicc_client::ErrorCode;
use aicc_client::outbox;
use aicc_client::store::Store;
use aicc_e2e::fixtures::PDF;

const NOW: &str = "2026-12-03T09:00:00Z";

fn form() -> aicc_api::applications::ApplicationForm {
    serde_json::from_value(aicc_e2e::fixtures::application_form()).unwrap()
}

#[test]
fn a_full_disk_says_so_keeps_the_store_intact_and_the_write_goes_in_once_space_is_back() {
    let disk = aicc_e2e::SmallDisk::mount(8 * 1024 * 1024).unwrap();
    let store = Store::open(&disk.path().join("store.sqlite3")).unwrap();
    let application = store
        .blocking(|c| outbox::save_application(c, None, form(), NOW))
        .unwrap();
    let brief = [PDF, &vec![b' '; 256 * 1024]].concat();

    disk.fill().unwrap();
    let mut queued = 0;
    let full = loop {
        let content = brief.clone();
        let id = application.clone();
        match store.blocking(move |c| outbox::upload_attachment(c, &id, "brief.pdf", content, NOW))
        {
            Ok(()) => queued += 1,
            Err(e) => break e,
        }
        assert!(queued < 64, "the disk never filled");
    };
    assert_eq!(full.code(), ErrorCode::DiskFull, "{full:?}");

    let integrity: String = store
        .blocking(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(integrity, "ok");

    disk.free().unwrap();
    let id = application.clone();
    store
        .blocking(move |c| outbox::upload_attachment(c, &id, "brief.pdf", brief, NOW))
        .unwrap();
    let entries = store.blocking(|c| outbox::entries(c)).unwrap();
    assert_eq!(
        entries.len(),
        1 + queued + 1,
        "the draft, the uploads before the disk filled, and the one after"
    );
}
