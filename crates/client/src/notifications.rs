//! What deserves the user's attention: one of their jobs ending
//! ([`JobState::is_final`](aicc_api::jobs::JobState::is_final)) or one of
//! their applications changing state. Decided while sync applies a page,
//! exactly once per item and state (a unique key), remembered across
//! restarts, and never for the history that arrives on an account's very
//! first sync. The in-app inbox keeps them all; the shell shows each once
//! as an OS notification ([`Notification::desktop`]) if the user wants
//! that kind, in the words the inbox uses: both read the UI's catalogues.

use aicc_api::sync::Collection;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rusqlite::{Connection, params};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::config::{CenterAccount, Preferences};
use crate::error::Result;
use crate::words::words;

/// One entry of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Notification {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// What it is about: `jobs`, `applications`, `milestones` or `credits`.
    pub collection: Collection,
    pub item_id: String,
    /// The page a click opens, e.g. `/jobs/job_…`: the item's own.
    pub route: String,
    /// The state reached, e.g. `succeeded` or `changes_requested`.
    pub state: String,
    /// The job's or solution's name.
    pub title: String,
    pub created_at: String,
    pub read: bool,
}

/// How many notifications the inbox shows.
pub const INBOX_SIZE: u32 = 100;

/// The inbox and how much of it is unread.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Inbox {
    pub notifications: Vec<Notification>,
    pub unread: u32,
}

/// What an OS notification shows, the route its click opens and the
/// account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desktop {
    /// The inbox entry's id in its account's store: a click on the
    /// notification marks it read.
    pub id: i64,
    /// The id the OS knows it by: unique across the accounts, whose inbox
    /// ids overlap, so one center's notification never replaces another's.
    pub os_id: i32,
    /// What happened, e.g. "Training job failed" or "训练任务失败".
    pub title: String,
    /// The job's or solution's name, and the center's.
    pub body: String,
    /// The page it is about, e.g. `/jobs/job_…`.
    pub route: String,
    /// The account it is about ([`CenterAccount::key`]): a click shows it.
    pub account: String,
}

impl Notification {
    /// The OS notification for it, from `account`'s center (named as it
    /// names itself, `identity`, else by its address), in the language the
    /// app speaks (`os_locale` when the user chose none), or `None` when
    /// the user does not want that kind shown.
    pub fn desktop(
        &self,
        preferences: &Preferences,
        os_locale: Option<&str>,
        account: &CenterAccount,
        identity: Option<&aicc_api::center::CenterIdentity>,
    ) -> Option<Desktop> {
        // Credits are compute, as jobs are.
        let wanted = if matches!(self.collection, Collection::Jobs | Collection::Credits) {
            preferences.notify_jobs
        } else {
            preferences.notify_applications
        };
        if !wanted {
            return None;
        }
        let language = preferences.speaks(os_locale);
        let title = words(language, &["inbox", self.collection.as_str(), &self.state])
            .map_or_else(|| self.state.clone(), str::to_owned);
        let key = account.key();
        let digest = Sha256::digest(format!("{key}\n{}", self.id));
        let os_id = i32::from_be_bytes([digest[0] & 0x7f, digest[1], digest[2], digest[3]]);
        Some(Desktop {
            id: self.id,
            os_id,
            title,
            body: format!(
                "{} · {}",
                self.title,
                identity
                    .and_then(|i| i.name_in(language))
                    .map_or_else(|| account.address(), str::to_owned)
            ),
            route: self.route.clone(),
            account: key,
        })
    }
}

/// The app's page for an item: `/<collection>/<id>`, the id escaped as
/// the UI's router expects (as `encodeURIComponent` does).
fn route(collection: Collection, item_id: &str) -> String {
    const ID: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    format!("/{collection}/{}", utf8_percent_encode(item_id, ID))
}

/// Records a transition worth telling; a repeat of the same one is ignored.
pub fn record(
    conn: &Connection,
    collection: Collection,
    item_id: &str,
    state: &str,
    title: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO notifications (collection, item_id, state, title, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![collection.as_str(), item_id, state, title, now],
    )?;
    Ok(())
}

/// Notifications not yet shown by the OS, oldest first.
fn unshown(conn: &Connection) -> Result<Vec<Notification>> {
    query(conn, "WHERE shown_at IS NULL ORDER BY id", [])
}

/// The notifications not yet offered to the OS, marked as offered in the
/// same transaction: each is offered once, however many ask at once.
pub fn take_unshown(conn: &mut Connection, now: &str) -> Result<Vec<Notification>> {
    let tx = conn.transaction()?;
    let taken = unshown(&tx)?;
    tx.execute(
        "UPDATE notifications SET shown_at = ?1 WHERE shown_at IS NULL",
        params![now],
    )?;
    tx.commit()?;
    Ok(taken)
}

/// The inbox, newest first.
pub fn inbox(conn: &Connection, limit: u32) -> Result<Vec<Notification>> {
    query(conn, "ORDER BY id DESC LIMIT ?1", [limit])
}

/// How many the user has not read.
pub fn unread(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM notifications WHERE read_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// Marks one as read (or all, with `None`).
pub fn mark_read(conn: &Connection, id: Option<i64>, now: &str) -> Result<()> {
    match id {
        Some(id) => conn.execute(
            "UPDATE notifications SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL",
            params![id, now],
        )?,
        None => conn.execute(
            "UPDATE notifications SET read_at = ?1 WHERE read_at IS NULL",
            [now],
        )?,
    };
    Ok(())
}

fn query<P: rusqlite::Params>(
    conn: &Connection,
    tail: &str,
    params: P,
) -> Result<Vec<Notification>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, collection, item_id, state, title, created_at, read_at IS NOT NULL FROM notifications {tail}"
    ))?;
    let rows = stmt
        .query_map(params, |r| {
            let (name, item_id): (String, String) = (r.get(1)?, r.get(2)?);
            let collection = Collection::parse(&name).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Text,
                    format!("{name} is no collection").into(),
                )
            })?;
            Ok(Notification {
                id: r.get(0)?,
                route: route(collection, &item_id),
                collection,
                item_id,
                state: r.get(3)?,
                title: r.get(4)?,
                created_at: r.get(5)?,
                read: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use aicc_api::applications::ApplicationState;
    use aicc_api::jobs::JobState;

    use super::*;

    fn notification(collection: Collection, state: &str) -> Notification {
        Notification {
            id: 1,
            collection,
            item_id: "x".into(),
            route: route(collection, "x"),
            state: state.into(),
            title: "Qwen3 LoRA".into(),
            created_at: "t".into(),
            read: false,
        }
    }

    #[test]
    fn every_state_a_notification_can_tell_has_words_in_both_languages() {
        let states = JobState::ALL
            .iter()
            .map(|s| (Collection::Jobs, s.as_str()))
            .chain(
                ApplicationState::ALL
                    .iter()
                    .map(|s| (Collection::Applications, s.as_str())),
            )
            .chain(
                crate::talent::TOLD
                    .iter()
                    .map(|s| (Collection::Courses, *s)),
            );
        for (collection, state) in states {
            for language in crate::words::LANGUAGES {
                assert!(
                    crate::words::exactly(language, &["inbox", collection.as_str(), state])
                        .is_some(),
                    "{language} has no inbox.{collection}.{state}"
                );
            }
        }
    }

    #[test]
    fn a_notification_opens_its_own_item_whatever_its_id_holds() {
        assert_eq!(route(Collection::Jobs, "job_01H-x.y"), "/jobs/job_01H-x.y");
        assert_eq!(
            route(Collection::Applications, "../settings?x=1#/"),
            "/applications/..%2Fsettings%3Fx%3D1%23%2F"
        );
    }

    fn at(url: &str) -> CenterAccount {
        CenterAccount {
            url: url.into(),
            email: "li.wei@robotics.example.cn".into(),
            network: Default::default(),
        }
    }

    #[test]
    fn a_notification_speaks_the_users_language_names_its_center_and_opens_its_item() {
        let chosen = |language: &str| Preferences {
            language: language.into(),
            ..Preferences::default()
        };
        let failed = notification(Collection::Jobs, "failed");
        let center = at("https://aicc.jinghai.example.cn/");
        let desktop = failed
            .desktop(&chosen("system"), Some("zh_CN.UTF-8"), &center, None)
            .unwrap();
        assert_eq!(desktop.title, "训练任务失败");
        assert_eq!(desktop.body, "Qwen3 LoRA · aicc.jinghai.example.cn");
        assert_eq!(desktop.route, "/jobs/x");
        assert_eq!(desktop.account, center.key());
        let shown = |n: &Notification, language: &str, os: Option<&str>| {
            n.desktop(&chosen(language), os, &center, None)
                .unwrap()
                .title
        };
        assert_eq!(shown(&failed, "en", Some("zh-CN")), "Training job failed");
        assert_eq!(shown(&failed, "system", None), "Training job failed");
        let approved = notification(Collection::Applications, "approved");
        assert_eq!(shown(&approved, "zh-CN", Some("en_GB")), "申请已通过");
        assert_eq!(
            approved
                .desktop(&chosen("en"), None, &center, None)
                .unwrap()
                .route,
            "/applications/x"
        );
        // A center that says its name is named by it, in the user's language.
        let named = aicc_api::center::CenterIdentity {
            name: "Demo AI Computing Center".into(),
            name_zh: "演示人工智能计算中心".into(),
            ..Default::default()
        };
        let body = |language: &str| {
            failed
                .desktop(&chosen(language), None, &center, Some(&named))
                .unwrap()
                .body
        };
        assert_eq!(body("zh-CN"), "Qwen3 LoRA · 演示人工智能计算中心");
        assert_eq!(body("en"), "Qwen3 LoRA · Demo AI Computing Center");
    }

    #[test]
    fn the_same_inbox_id_at_two_centers_is_two_notifications_to_the_os() {
        let n = notification(Collection::Jobs, "succeeded");
        let prefs = Preferences::default();
        let one = n
            .desktop(&prefs, None, &at("https://a.example.cn/"), None)
            .unwrap();
        let other = n
            .desktop(&prefs, None, &at("https://b.example.cn/"), None)
            .unwrap();
        assert_eq!(one.id, other.id);
        assert_ne!(one.os_id, other.os_id);
        assert!(one.os_id >= 0 && other.os_id >= 0);
    }

    #[test]
    fn only_the_kinds_the_user_wants_reach_the_desktop() {
        let quiet_jobs = Preferences {
            notify_jobs: false,
            ..Preferences::default()
        };
        let center = at("https://aicc.example.cn/");
        assert_eq!(
            notification(Collection::Jobs, "succeeded").desktop(&quiet_jobs, None, &center, None),
            None
        );
        assert!(
            notification(Collection::Applications, "approved")
                .desktop(&quiet_jobs, None, &center, None)
                .is_some()
        );
    }
}
