//! What the applications handlers read and write: who may see an
//! application, the room an organisation has for applications being
//! edited, an application's moves and timeline, its rows as the wire shows
//! them, and attachment files nothing refers to.

use aicc_api::applications::{Application, ApplicationState, ApplicationTransition};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::Caller;
use crate::clock::{now_ms, rfc3339};
use crate::db::Db;
use crate::error::ApiError;
use crate::feed;
use crate::permissions::Action;

/// The application's state and organisation, if the caller may see it.
pub(crate) fn visible(
    conn: &Connection,
    caller: &Caller,
    id: &str,
) -> Result<(ApplicationState, i64), ApiError> {
    let found: Option<(String, i64)> = conn
        .query_row(
            "SELECT state, organisation_id FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match found {
        Some((state, organisation))
            if (organisation == caller.organisation_id && caller.can(Action::ReadOrganisation))
                || caller.can(Action::ReadEveryApplication) =>
        {
            Ok((
                ApplicationState::parse(&state).unwrap_or(ApplicationState::Draft),
                organisation,
            ))
        }
        _ => Err(ApiError::not_found("application")),
    }
}

/// Refuses another application while the organisation has `most` being
/// edited.
pub(super) fn room_for_another(
    conn: &Connection,
    organisation: i64,
    most: usize,
) -> Result<(), ApiError> {
    let count: usize = conn.query_row(
        "SELECT COUNT(*) FROM applications
         WHERE organisation_id = ?1 AND state IN ('draft', 'changes_requested')",
        [organisation],
        |r| r.get(0),
    )?;
    if count >= most {
        return Err(ApiError::Conflict(format!(
            "the organisation has {most} applications being edited; submit or withdraw one first"
        ))
        .because("too_many_drafts", &[("most", &most)]));
    }
    Ok(())
}

pub(super) fn state_of(conn: &Connection, id: &str) -> Result<Option<ApplicationState>, ApiError> {
    Ok(conn
        .query_row("SELECT state FROM applications WHERE id = ?1", [id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .and_then(|s| ApplicationState::parse(&s)))
}

pub(super) fn move_to(
    conn: &Connection,
    id: &str,
    from: ApplicationState,
    to: ApplicationState,
    actor: i64,
    comment: Option<&str>,
) -> Result<u64, ApiError> {
    let rev = feed::next_rev(conn)?;
    let now = now_ms();
    conn.execute(
        "UPDATE applications SET state = ?2, rev = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, to.as_str(), rev, now],
    )?;
    record(conn, id, Some(from), to, actor, comment, now)?;
    Ok(rev)
}

pub(super) fn record(
    conn: &Connection,
    id: &str,
    from: Option<ApplicationState>,
    to: ApplicationState,
    actor: i64,
    comment: Option<&str>,
    at: i64,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO application_transitions (application_id, from_state, to_state, actor_user_id, at, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, from.map(ApplicationState::as_str), to.as_str(), actor, at, comment],
    )?;
    Ok(())
}

/// An application as the wire shows it.
pub fn load(conn: &Connection, id: &str) -> Result<Application, ApiError> {
    let (form, state, certificate_id, created, updated) = conn.query_row(
        "SELECT form, state, certificate_id, created_at, updated_at FROM applications WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        },
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT t.from_state, t.to_state, u.name || ' <' || u.email || '>', t.at, t.comment
         FROM application_transitions t JOIN users u ON u.id = t.actor_user_id
         WHERE t.application_id = ?1 ORDER BY t.seq",
    )?;
    let timeline = stmt
        .query_map([id], |r| {
            Ok(ApplicationTransition {
                from: r
                    .get::<_, Option<String>>(0)?
                    .and_then(|s| ApplicationState::parse(&s)),
                to: ApplicationState::parse(&r.get::<_, String>(1)?)
                    .unwrap_or(ApplicationState::Draft),
                actor: r.get(2)?,
                at: rfc3339(r.get(3)?),
                comment: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let attachments = crate::attachments::of(
        conn,
        &crate::attachments::Holder::Application(id.to_owned()),
    )?;
    Ok(Application {
        id: id.to_owned(),
        form: serde_json::from_str(&form)?,
        state: ApplicationState::parse(&state).unwrap_or(ApplicationState::Draft),
        attachments,
        timeline,
        certificate_id,
        created_at: rfc3339(created),
        updated_at: rfc3339(updated),
    })
}

/// Every application with its organisation, newest first, for center staff.
pub fn list_all(conn: &Connection) -> Result<Vec<(String, Application)>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT a.id, o.name FROM applications a JOIN organisations o ON o.id = a.organisation_id
         ORDER BY a.updated_at DESC",
    )?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, organisation)| Ok((organisation, load(conn, &id)?)))
        .collect()
}

/// How long a file in the attachments directory may stay unrecorded before
/// housekeeping removes it: an upload's file waiting for its record (named
/// [`PENDING`]…) is written moments before, and one under its hash is
/// recorded in the transaction that gives it that name; an older one was
/// left by a crash.
pub const UNRECORDED_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// How an upload's file is named until its record takes it.
pub const PENDING: &str = ".pending-";

/// How many files housekeeping removes in one turn of the writer.
const SWEEP_BATCH: usize = 500;

/// Removes the files in `dir` that no attachment refers to and that are
/// older than `grace`; returns how many. The directory is read beside the
/// database; each file is removed on the writer connection, where uploads
/// name and record theirs, after looking once more that nothing refers to
/// it, a few hundred at a time so that writes go on between.
pub async fn sweep_unrecorded(
    db: &Db,
    dir: &Path,
    grace: std::time::Duration,
) -> Result<usize, ApiError> {
    let listed = dir.to_owned();
    let candidates = tokio::task::spawn_blocking(move || old_files(&listed, grace))
        .await
        .map_err(|_| ApiError::Io(std::io::Error::other("the sweep's listing failed")))??;
    let mut removed = 0;
    for batch in candidates.chunks(SWEEP_BATCH) {
        let batch = batch.to_vec();
        removed += db
            .call(move |conn| {
                let mut recorded = conn.prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)",
                )?;
                let mut removed = 0;
                for (path, hash) in batch {
                    if let Some(hash) = hash
                        && recorded.query_row([hash], |r| r.get::<_, bool>(0))?
                    {
                        continue;
                    }
                    match std::fs::remove_file(&path) {
                        Ok(()) => removed += 1,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok::<_, ApiError>(removed)
            })
            .await?;
    }
    Ok(removed)
}

/// The portal's files in `dir` older than `grace`: each path, with its
/// hash when it is named by one (a pending upload's is not). A file gone
/// while the directory is read is passed over.
fn old_files(
    dir: &Path,
    grace: std::time::Duration,
) -> std::io::Result<Vec<(PathBuf, Option<String>)>> {
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        entries => entries?,
    };
    let mut old = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let hashed = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if !hashed && !name.starts_with(PENDING) {
            continue;
        }
        let metadata = match entry.metadata() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            metadata => metadata?,
        };
        let aged = metadata.modified()?.elapsed().is_ok_and(|age| age >= grace);
        if metadata.is_file() && aged {
            old.push((entry.path(), hashed.then_some(name)));
        }
    }
    Ok(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Housekeeping asks about every old file: by the index, not by a scan
    /// of every attachment.
    #[test]
    fn whether_a_file_is_recorded_is_asked_of_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        let plan: Vec<String> = db.blocking(|conn| {
            conn.prepare(
                "EXPLAIN QUERY PLAN SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)",
            )
            .unwrap()
            .query_map(["ab"], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        });
        assert!(
            plan.iter()
                .any(|step| step.contains("attachments_by_sha256")),
            "{plan:?}"
        );
    }
}
