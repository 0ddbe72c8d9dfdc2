//! Attachments: the files a partner adds to an application and an
//! incubated startup to a milestone's evidence, through one checked path.
//! An upload is refused before its body is read when its sender may not
//! add it ([`before`]); once read it is checked by content (PDF, PNG or
//! JPEG, at most 20 MiB), named by its hash, and recorded with its holder
//! in the write's own transaction ([`receive`]); a file no attachment
//! refers to is removed by housekeeping (`applications::sweep_unrecorded`).

use std::io::Write as _;
use std::sync::Arc;

use aicc_api::applications::{Attachment, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, sniff_media_type};
use aicc_api::sync::Collection;
use axum::Extension;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::accounts::Caller;
use crate::applications::PENDING;
use crate::bodies::BodyMemory;
use crate::clock::{new_id, now_ms};
use crate::error::ApiError;
use crate::permissions::Action;
use crate::{AppState, applications, feed, incubation};

/// What an attachment is added to.
#[derive(Debug, Clone)]
pub enum Holder {
    /// An application, while it is a draft or changes were asked for.
    Application(String),
    /// A milestone's evidence, while it is planned or changes were asked
    /// for.
    Milestone(String),
}

impl Holder {
    fn id(&self) -> &str {
        match self {
            Holder::Application(id) | Holder::Milestone(id) => id,
        }
    }

    /// The table of holders of this kind, and the attachments' column
    /// naming one.
    fn table_and_column(&self) -> (&'static str, &'static str) {
        match self {
            Holder::Application(_) => ("applications", "application_id"),
            Holder::Milestone(_) => ("milestones", "milestone_id"),
        }
    }

    fn collection(&self) -> Collection {
        match self {
            Holder::Application(_) => Collection::Applications,
            Holder::Milestone(_) => Collection::Milestones,
        }
    }

    /// The holder's organisation, if the caller may see it; another
    /// organisation's is 404, as an id that does not exist.
    fn visible(&self, conn: &Connection, caller: &Caller) -> Result<i64, ApiError> {
        Ok(match self {
            Holder::Application(id) => applications::visible(conn, caller, id)?.1,
            Holder::Milestone(id) => incubation::store::visible(conn, caller, id)?.1,
        })
    }

    /// The holder's organisation, if the caller may add to it (their role
    /// lets them); whether it takes files now is [`Holder::open`]'s to say.
    fn reachable(&self, conn: &Connection, caller: &Caller) -> Result<i64, ApiError> {
        let organisation = self.visible(conn, caller)?;
        caller.may(match self {
            Holder::Application(_) => Action::EditApplication,
            Holder::Milestone(_) => Action::SubmitMilestone,
        })?;
        Ok(organisation)
    }

    /// Refuses a file while the holder is not open to changes, or has
    /// [`MAX_ATTACHMENTS`] already.
    fn open(&self, conn: &Connection) -> Result<(), ApiError> {
        match self {
            Holder::Application(id) => {
                let state: String =
                    conn.query_row("SELECT state FROM applications WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?;
                applications::editable(
                    aicc_api::applications::ApplicationState::parse(&state)
                        .unwrap_or(aicc_api::applications::ApplicationState::Draft),
                )?;
            }
            Holder::Milestone(id) => {
                let state: String =
                    conn.query_row("SELECT state FROM milestones WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?;
                let state = aicc_api::incubation::MilestoneState::parse(&state)
                    .unwrap_or(aicc_api::incubation::MilestoneState::Planned);
                if !state.may_submit() {
                    return Err(ApiError::Conflict(format!(
                        "the milestone is {}; files are added while it is planned or changes were asked for",
                        state.as_str()
                    )).because("milestone_closed_to_files", &[]));
                }
            }
        }
        let (_, column) = self.table_and_column();
        let count: usize = conn.query_row(
            &format!("SELECT COUNT(*) FROM attachments WHERE {column} = ?1"),
            [self.id()],
            |r| r.get(0),
        )?;
        if count >= MAX_ATTACHMENTS {
            let holder = match self {
                Holder::Application(_) => "an application",
                Holder::Milestone(_) => "a milestone's evidence",
            };
            return Err(ApiError::Conflict(format!(
                "{holder} holds at most {MAX_ATTACHMENTS} files; put the documents together in one PDF"
            )).because("too_many_files", &[("most", &MAX_ATTACHMENTS)]));
        }
        Ok(())
    }
}

/// The least room a file takes: a disk keeps even a tiny file in a block
/// of its own, so many tiny files cost more than their bytes.
const SMALLEST_FILE: u64 = 4096;

/// What an organisation's files take, each content once, whatever holds
/// it.
const ORGANISATIONS_FILES: &str = "SELECT DISTINCT t.sha256, t.size_bytes FROM attachments t
     LEFT JOIN applications a ON a.id = t.application_id
     LEFT JOIN milestones m ON m.id = t.milestone_id
     WHERE COALESCE(a.organisation_id, m.organisation_id) = ?1";

/// Refuses an attachment (its hash and size, or any, not yet read) that
/// would take the organisation's attachments beyond the room the center
/// gave it (`admin set-attachment-storage`), else `most` bytes in all.
pub fn storage_room(
    conn: &Connection,
    organisation: i64,
    adding: Option<(&str, u64)>,
    most: u64,
) -> Result<(), ApiError> {
    // The same content attached twice is kept once, and takes no more
    // room when attached again.
    let kept: u64 = conn.query_row(
        &format!(
            "SELECT COALESCE(SUM(max(size_bytes, {SMALLEST_FILE})), 0) FROM ({ORGANISATIONS_FILES})"
        ),
        [organisation],
        |r| r.get(0),
    )?;
    let most = conn
        .query_row(
            "SELECT attachment_storage_mib FROM organisations WHERE id = ?1",
            [organisation],
            |r| r.get::<_, Option<u64>>(0),
        )
        .optional()?
        .flatten()
        .map_or(most, |mib| mib.saturating_mul(1024 * 1024));
    let more = match adding {
        None => 1,
        Some((sha256, size)) => {
            let known: bool = conn.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM ({ORGANISATIONS_FILES}) WHERE sha256 = ?2)"),
                params![organisation, sha256],
                |r| r.get(0),
            )?;
            if known { 0 } else { size.max(SMALLEST_FILE) }
        }
    };
    if kept.saturating_add(more) > most {
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        return Err(ApiError::Conflict(format!(
            "your organisation's attachments take {:.1} MiB of the {:.1} MiB the center keeps \
             for it; ask the center's staff for more room",
            mib(kept),
            mib(most)
        ))
        .because(
            "attachment_room_full",
            &[
                ("used", &format!("{:.1}", mib(kept))),
                ("room", &format!("{:.1}", mib(most))),
            ],
        ));
    }
    Ok(())
}

/// The files attached to a holder, oldest first.
pub fn of(conn: &Connection, holder: &Holder) -> Result<Vec<Attachment>, ApiError> {
    let (_, column) = holder.table_and_column();
    Ok(conn
        .prepare_cached(&format!(
            "SELECT id, file_name, media_type, size_bytes, sha256 FROM attachments
             WHERE {column} = ?1 ORDER BY created_at, id"
        ))?
        .query_map([holder.id()], |r| {
            Ok(Attachment {
                id: r.get(0)?,
                file_name: r.get(1)?,
                media_type: r.get(2)?,
                size_bytes: r.get(3)?,
                sha256: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Upload parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the user picked it.
    pub file_name: Option<String>,
}

/// Before an attachment's body is read: it is sent to a holder its sender
/// may add to, and they are sending fewer than
/// [`UPLOADS_PER_PERSON`](crate::bodies::UPLOADS_PER_PERSON) already.
/// Refused here, 20 MiB are never read; [`receive`] asks again once they
/// have arrived, and once more in the transaction that records the file.
pub async fn before(
    state: AppState,
    caller: Caller,
    holder: Holder,
    mut request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get(crate::idempotency::HEADER)
        .and_then(|key| key.to_str().ok())
        .map(str::to_owned);
    let route = crate::idempotency::route_hash(request.method(), request.uri());
    let storage = state.config.attachment_storage_bytes();
    let may = state
        .db
        .read(move |conn| {
            let caller = caller.now(conn)?;
            let organisation = holder.reachable(conn, &caller)?;
            // An upload sent again after its answer was lost is answered as
            // it was, room or not; any other is refused before its body is
            // read when it would not fit.
            if let Some(key) = key
                && crate::idempotency::kept(conn, caller.user_id, &key, &route)?
            {
                return Ok(());
            }
            holder.open(conn)?;
            storage_room(conn, organisation, None, storage)
        })
        .await;
    match may.and_then(|()| state.bodies.upload_slot(caller.user_id)) {
        Ok(sending) => {
            request.extensions_mut().insert(UploadSlot {
                _held: Arc::new(sending),
            });
            next.run(request).await
        }
        Err(refused) => refused.into_response(),
    }
}

/// A person's upload slot, held by the upload from its first byte until it
/// is stored and recorded, also when its sender hangs up before.
#[derive(Debug, Clone)]
pub struct UploadSlot {
    _held: Arc<crate::limits::Held<i64>>,
}

/// Receives an upload's body for `holder`: checked, stored and recorded,
/// or refused; the answer to a key already answered is that answer. Once
/// the body has arrived whole, the upload runs to its end even when its
/// sender hangs up, holding its sender's slot and its body's memory until
/// then: the file is kept only with its record (what a crash leaves,
/// housekeeping removes: `sweep_unrecorded`).
#[allow(clippy::too_many_arguments)] // an upload's request, taken apart by its handler
pub async fn receive(
    state: AppState,
    caller: Caller,
    holder: Holder,
    file_name: Option<String>,
    once: crate::idempotency::Idempotency,
    slot: Option<Extension<UploadSlot>>,
    memory: Option<Extension<BodyMemory>>,
    content: axum::body::Bytes,
) -> Result<Response, ApiError> {
    tokio::spawn(async move {
        let kept = accept(state, caller, holder, file_name, once, content).await;
        drop((slot, memory));
        kept
    })
    .await
    .map_err(|_| ApiError::Io(std::io::Error::other("the storage task failed")))?
}

/// Checks an upload that arrived whole and keeps it, or refuses it.
async fn accept(
    state: AppState,
    caller: Caller,
    holder: Holder,
    file_name: Option<String>,
    once: crate::idempotency::Idempotency,
    content: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // Whose holder it is comes first: another organisation learns
    // nothing. An upload made before under this key is answered as it was
    // (its holder may have no room left since).
    let (check_holder, check_once) = (holder.clone(), once.clone());
    let storage = state.config.attachment_storage_bytes();
    let size = content.len() as u64;
    let check_hash = hex(&Sha256::digest(&content));
    let hash = check_hash.clone();
    let earlier = state
        .db
        .call(move |conn| {
            let caller = caller.now(conn)?;
            let organisation = check_holder.reachable(conn, &caller)?;
            if let Some(replay) = check_once.earlier(conn)? {
                return Ok(Some(replay));
            }
            check_holder.open(conn)?;
            storage_room(conn, organisation, Some((&hash, size)), storage)?;
            Ok::<_, ApiError>(None)
        })
        .await?;
    if let Some(replay) = earlier {
        return Ok(replay.into_response());
    }
    if content.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "attachments are at most {} MiB",
            MAX_ATTACHMENT_BYTES / (1024 * 1024)
        ))
        .because(
            "file_too_large",
            &[("most", &(MAX_ATTACHMENT_BYTES / (1024 * 1024)))],
        ));
    }
    let Some(media_type) = sniff_media_type(&content) else {
        return Err(ApiError::UnsupportedMediaType(
            "attach a PDF, PNG or JPEG file (checked by its content, not its name)".into(),
        )
        .because("file_kind", &[]));
    };
    let file_name = file_name.unwrap_or_default().trim().to_owned();
    if file_name.is_empty() || file_name.chars().count() > 200 {
        return Err(ApiError::invalid(
            "file_name",
            "name the file in 1 to 200 characters",
        ));
    }
    if !aicc_api::applications::file_name_is_plain(&file_name) {
        return Err(ApiError::invalid(
            "file_name",
            "a file name is one visible line naming one file: no control, invisible or text-direction characters and no path separators; rename the file",
        ));
    }
    let upload = Upload {
        holder,
        file_name,
        media_type,
        sha256: check_hash,
        content,
    };
    keep(state, caller, once, upload).await
}

/// An attachment that arrived whole and passed its checks.
struct Upload {
    holder: Holder,
    file_name: String,
    media_type: &'static str,
    /// The content's SHA-256, in hex: the file's name.
    sha256: String,
    content: axum::body::Bytes,
}

/// Stores an upload's file under its hash and records it with its holder,
/// in the write's own transaction. The file is written whole and synced
/// under a name of its own first, and takes its hash's name only inside
/// that transaction, once the write is accepted: a refused upload leaves
/// nothing, and housekeeping, which removes files on the same connection,
/// never finds one it would be wrong to remove.
async fn keep(
    state: AppState,
    caller: Caller,
    once: crate::idempotency::Idempotency,
    upload: Upload,
) -> Result<Response, ApiError> {
    let Upload {
        holder,
        file_name,
        media_type,
        sha256,
        content,
    } = upload;
    let storage = state.config.attachment_storage_bytes();
    let dir = state.attachments_dir.clone();
    let pending = Pending(dir.join(format!("{PENDING}{}", new_id("upload"))));
    let written = pending.0.clone();
    let bytes = content.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let mut file = std::fs::File::create(&written)?;
        file.write_all(&bytes)?;
        file.sync_all()
    })
    .await
    .map_err(|_| ApiError::Io(std::io::Error::other("the storage task failed")))??;
    let size = content.len() as u64;
    let dir = state.attachments_dir.clone();
    let renamed = pending.0.clone();
    let collection = holder.collection();
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            let organisation = holder.reachable(&tx, &caller)?;
            let made = once.once(&tx, StatusCode::CREATED, || {
                holder.open(&tx)?;
                storage_room(&tx, organisation, Some((&sha256, size)), storage)?;
                // The same content from anyone is one file: taking its
                // name again replaces it with the same bytes.
                std::fs::rename(&renamed, dir.join(&sha256))?;
                std::fs::File::open(&dir)?.sync_all()?;
                let attachment = Attachment {
                    id: new_id("att"),
                    file_name,
                    media_type: media_type.to_owned(),
                    size_bytes: size,
                    sha256,
                };
                let (table, column) = holder.table_and_column();
                tx.execute(
                    &format!(
                        "INSERT INTO attachments (id, {column}, file_name, media_type, size_bytes,
                             sha256, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                    ),
                    params![
                        attachment.id,
                        holder.id(),
                        attachment.file_name,
                        attachment.media_type,
                        attachment.size_bytes,
                        attachment.sha256,
                        now_ms()
                    ],
                )?;
                let rev = feed::next_rev(&tx)?;
                tx.execute(
                    &format!("UPDATE {table} SET rev = ?2 WHERE id = ?1"),
                    params![holder.id(), rev],
                )?;
                Ok((attachment, (rev, organisation)))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await;
    drop(pending);
    Ok(state.events.announced(collection, made?))
}

/// An upload's file under its pending name: removed when this is dropped,
/// on every way out of [`keep`] (refused, replayed, failed while written),
/// unless its record took it by renaming it first.
struct Pending(std::path::PathBuf);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, file = %self.0.display(), "cannot remove an upload's unused file");
        }
    }
}

/// The file of an attachment of `holder`, for its organisation and center
/// staff only.
pub async fn send(
    state: AppState,
    caller: Caller,
    holder: Holder,
    attachment_id: String,
) -> Result<Response, ApiError> {
    let (media_type, sha256, file_name) = state
        .db
        .read(move |conn| {
            holder.visible(conn, &caller)?;
            let (_, column) = holder.table_and_column();
            conn.query_row(
                &format!(
                    "SELECT media_type, sha256, file_name FROM attachments WHERE id = ?1 AND {column} = ?2"
                ),
                params![attachment_id, holder.id()],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?
            .ok_or_else(|| ApiError::not_found("attachment"))
        })
        .await?;
    let content = tokio::fs::read(state.attachments_dir.join(&sha256)).await?;
    let mut response = content.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii_name: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
