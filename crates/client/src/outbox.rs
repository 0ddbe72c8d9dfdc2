//! Writes go through the outbox: each is stored, in the same transaction as
//! its optimistic local row, with an idempotency key made before the first
//! attempt, and drained in order when the center is reachable. A transient
//! failure stops the drain (it resumes later, in the same order, with the
//! same key, so a retried write is never applied twice); a refusal (400,
//! 403, 404, 409, 422) stays visible with the portal's reason, and the
//! user's input stays in the entry until they revise or discard it.
//! Nothing is ever silently dropped.

use std::collections::HashSet;
use std::sync::Arc;

use aicc_api::applications::{Application, ApplicationForm, ApplicationState, Attachment};
use aicc_api::directory::{
    Cooperation, CooperationAnswer, CooperationAsk, PublicContact, SolutionProfile,
};
use aicc_api::jobs::{Job, JobRequest, JobState, JobTransition};
use reqwest::Method;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::portal::{Answer, Progress, WriteBody};
use crate::session::Session;
use crate::store::Store;

/// A change the user made, waiting for the center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Write {
    CreateJob {
        local_id: String,
        request: JobRequest,
    },
    CancelJob {
        job_id: String,
    },
    CreateApplication {
        local_id: String,
        form: ApplicationForm,
    },
    UpdateApplication {
        application_id: String,
        form: ApplicationForm,
    },
    SubmitApplication {
        application_id: String,
    },
    /// Takes the application back before the center decides (final).
    WithdrawApplication {
        application_id: String,
    },
    /// The file's bytes are kept beside the entry, so a failed upload is
    /// retried without picking the file again.
    UploadAttachment {
        application_id: String,
        file_name: String,
    },
    /// Keeps a catalog model as a favourite on the account, or not.
    SetFavourite {
        model_id: String,
        favourite: bool,
    },
    /// Sends an incubated startup's evidence for a milestone.
    SubmitMilestone {
        milestone_id: String,
        evidence: aicc_api::incubation::Evidence,
    },
    /// Takes a seat at one of the cohort's events, or a place on its
    /// waitlist.
    RegisterForEvent {
        event_id: String,
    },
    /// Gives up the user's seat or place on the waitlist.
    CancelEventRegistration {
        event_id: String,
    },
    /// A file of a milestone's evidence; its bytes are kept beside the
    /// entry, as an application's attachment's are.
    UploadEvidence {
        milestone_id: String,
        file_name: String,
    },
    /// Asks one of the startup's mentors for office hours.
    RequestOfficeHours {
        local_id: String,
        request: aicc_api::incubation::OfficeHoursRequest,
    },
    /// Asks the owner of a solution in the directory to cooperate.
    AskCooperation {
        local_id: String,
        ask: CooperationAsk,
    },
    /// Accepts or declines another partner's request to cooperate.
    AnswerCooperation {
        cooperation_id: String,
        answer: CooperationAnswer,
    },
    /// What the directory shows of one of the organisation's solutions.
    EditDirectorySolution {
        solution_id: String,
        profile: SolutionProfile,
    },
    /// How other partners reach the organisation; `None` shows none.
    SetDirectoryContact {
        contact: Option<PublicContact>,
    },
    /// Enrols the user (`email: None`) or, from a partner admin, a member
    /// in a course session: a seat, or a place on its waitlist.
    Enrol {
        session_id: String,
        email: Option<String>,
    },
    /// Gives up an enrolment in a course session.
    CancelEnrolment {
        session_id: String,
        email: Option<String>,
    },
}

/// What [`Write::item_id`] names for the organisation's public contact.
pub const DIRECTORY_CONTACT: &str = "directory-contact";

/// Why the center refused a write.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Refusal {
    pub code: Option<String>,
    pub message: String,
    /// The form field at fault, as the portal names it.
    pub field: Option<String>,
    /// The same as `message`, as a code the window words in its user's
    /// language; `None` when the center gave none.
    pub reason: Option<aicc_api::ReasonCode>,
}

/// An outbox entry as the UI sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxEntry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub write: Write,
    /// `None` while waiting to be sent.
    pub refusal: Option<Refusal>,
    pub attempts: u32,
    pub created_at: String,
}

/// The tables whose rows note the write waiting about them.
const OUTBOX_TABLES: [&str; 6] = [
    "jobs",
    "applications",
    "milestones",
    "cohort_events",
    "office_hours",
    "cooperation",
];

/// Queues `write` about the row `id` of `table` (one of
/// [`OUTBOX_TABLES`]) and notes it there, so the row shows it waiting.
fn enqueue_about_row(
    conn: &Connection,
    table: &str,
    id: &str,
    write: &Write,
    now: &str,
) -> Result<()> {
    let seq = enqueue(conn, write, None, now)?;
    conn.execute(
        &format!("UPDATE {table} SET outbox_seq = ?2 WHERE id = ?1"),
        params![id, seq],
    )?;
    Ok(())
}

/// Queues a milestone's evidence; the milestone shows it waiting at once.
/// Refused here, as the center would, when it says nothing or the
/// milestone is not waiting for evidence, and while evidence is already on
/// its way; evidence the center refused is replaced by this (sent again
/// under a new key), so nothing refused is left behind.
pub fn submit_milestone(
    conn: &mut Connection,
    id: &str,
    evidence: aicc_api::incubation::Evidence,
    now: &str,
) -> Result<()> {
    evidence.check().map_err(Error::from)?;
    let tx = conn.transaction()?;
    let row: Option<(String, Option<i64>)> = tx
        .query_row(
            "SELECT state, outbox_seq FROM milestones WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((state, waiting)) = row else {
        return Err(Error::InvalidInput(format!("there is no milestone {id}")));
    };
    let state = aicc_api::incubation::MilestoneState::parse(&state)
        .unwrap_or(aicc_api::incubation::MilestoneState::Planned);
    let write = Write::SubmitMilestone {
        milestone_id: id.to_owned(),
        evidence,
    };
    match waiting.map(|seq| entry(&tx, seq)).transpose()?.flatten() {
        // Sent again after the files attached since the refusal: a new
        // place at the end of the outbox, not the refused one's.
        Some(refused) if refused.refusal.is_some() => {
            tx.execute("DELETE FROM outbox WHERE seq = ?1", [refused.seq])?;
            enqueue_about_row(&tx, "milestones", id, &write, now)?;
        }
        Some(_) => {
            return Err(Error::refused(
                "change_on_its_way",
                &[],
                "evidence for this milestone is already on its way to the center",
            ));
        }
        None if !state.may_submit() => {
            return Err(Error::refused(
                "milestone_closed_to_evidence",
                &[],
                format!(
                    "the milestone is {}; evidence is sent while it is planned or changes were asked for",
                    state.as_str()
                ),
            ));
        }
        None => {
            enqueue_about_row(&tx, "milestones", id, &write, now)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Queues the user's registration for an event (`register`) or its
/// cancelling; the event shows it waiting at once. Refused here, as the
/// center would, when it has begun or the user already is (or is not)
/// registered, and while another change to it is on its way; one the
/// center refused is replaced by this, so nothing refused is left behind.
pub fn register_for_event(
    conn: &mut Connection,
    id: &str,
    register: bool,
    now: &str,
) -> Result<()> {
    let tx = conn.transaction()?;
    let Some(view) = crate::cohort_events::get(&tx, id, now)? else {
        return Err(Error::InvalidInput(format!("there is no event {id}")));
    };
    let write = if register {
        Write::RegisterForEvent {
            event_id: id.to_owned(),
        }
    } else {
        Write::CancelEventRegistration {
            event_id: id.to_owned(),
        }
    };
    let pending = view.outbox.as_ref().filter(|e| e.refusal.is_none());
    if pending.is_some() {
        return Err(Error::refused(
            "change_on_its_way",
            &[],
            "a change to your registration for this event is already on its way to the center",
        ));
    }
    if view.begun {
        return Err(Error::refused(
            "registration_closed",
            &[],
            "the event has begun; registration is closed",
        ));
    }
    if register == view.event.mine.is_some() {
        return Err(if register {
            Error::refused(
                "registered_already",
                &[],
                "you are registered for this event already",
            )
        } else {
            Error::refused(
                "not_registered",
                &[],
                "you are not registered for this event",
            )
        });
    }
    match view.outbox {
        Some(refused) => revise(&tx, refused.seq, &write)?,
        None => {
            enqueue_about_row(&tx, "cohort_events", id, &write, now)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Queues a request for office hours; it shows at once, waiting. Refused
/// here, as the center would, when it says nothing, proposes no time or
/// names a mentor who is not the startup's. Returns its local id.
pub fn request_office_hours(
    conn: &mut Connection,
    request: aicc_api::incubation::OfficeHoursRequest,
    now: &str,
) -> Result<String> {
    let local_id = local_id();
    let tx = conn.transaction()?;
    let shown = crate::mentors::waiting(&tx, &local_id, &request, now)?;
    let seq = enqueue(
        &tx,
        &Write::RequestOfficeHours {
            local_id: local_id.clone(),
            request,
        },
        None,
        now,
    )?;
    tx.execute(
        "INSERT INTO office_hours (id, rev, state, body, created_at, outbox_seq)
         VALUES (?1, 0, 'requested', ?2, ?3, ?4)",
        params![local_id, serde_json::to_string(&shown)?, now, seq],
    )?;
    tx.commit()?;
    Ok(local_id)
}

/// Queues a request to cooperate on a solution of the directory; it shows
/// at once, waiting. Refused here as [`crate::cooperation::waiting`] says.
/// Returns its local id.
pub fn ask_cooperation(conn: &mut Connection, ask: CooperationAsk, now: &str) -> Result<String> {
    let local_id = local_id();
    let tx = conn.transaction()?;
    let own = crate::center::info(&tx)?
        .standing
        .map(|s| s.account.organisation);
    let shown = crate::cooperation::waiting(&tx, &local_id, &ask, own.as_deref(), now)?;
    let seq = enqueue(
        &tx,
        &Write::AskCooperation {
            local_id: local_id.clone(),
            ask,
        },
        None,
        now,
    )?;
    tx.execute(
        "INSERT INTO cooperation (id, rev, state, body, created_at, outbox_seq)
         VALUES (?1, 0, 'asked', ?2, ?3, ?4)",
        params![local_id, serde_json::to_string(&shown)?, now, seq],
    )?;
    tx.commit()?;
    Ok(local_id)
}

/// Queues the answer to a request received; the request shows it waiting.
/// An answer the center refused is replaced by this one.
pub fn answer_cooperation(
    conn: &mut Connection,
    id: &str,
    answer: CooperationAnswer,
    now: &str,
) -> Result<()> {
    let tx = conn.transaction()?;
    crate::cooperation::check_answer(&tx, id, &answer)?;
    let write = Write::AnswerCooperation {
        cooperation_id: id.to_owned(),
        answer,
    };
    match crate::cooperation::get(&tx, id)?.and_then(|v| v.outbox) {
        Some(refused) => revise(&tx, refused.seq, &write)?,
        None => enqueue_about_row(&tx, "cooperation", id, &write, now)?,
    }
    tx.commit()?;
    Ok(())
}

/// Queues a change to what the directory shows of one of the
/// organisation's solutions.
pub fn edit_solution(
    conn: &mut Connection,
    solution_id: &str,
    profile: SolutionProfile,
    now: &str,
) -> Result<()> {
    let write = Write::EditDirectorySolution {
        solution_id: solution_id.to_owned(),
        profile,
    };
    queue_choice(conn, &write, now)
}

/// Queues the organisation's public contact (or none), checked here as
/// the center will.
pub fn set_directory_contact(
    conn: &mut Connection,
    contact: Option<PublicContact>,
    now: &str,
) -> Result<()> {
    if let Some(contact) = &contact {
        contact.check().map_err(Error::from)?;
    }
    queue_choice(conn, &Write::SetDirectoryContact { contact }, now)
}

/// Queues an enrolment in a course session (`enrolling`) or its
/// cancelling, for the user (`email: None`) or a member; the session shows
/// it waiting at once. Refused here as [`crate::talent::check_enrolment`]
/// says; one the center refused is replaced by this.
pub fn enrol(
    conn: &mut Connection,
    session_id: &str,
    email: Option<&str>,
    enrolling: bool,
    now: &str,
) -> Result<()> {
    let tx = conn.transaction()?;
    let (write, refused) = crate::talent::check_enrolment(&tx, session_id, email, enrolling, now)?;
    match refused {
        Some(seq) => revise(&tx, seq, &write)?,
        None => {
            enqueue(&tx, &write, None, now)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Queues one of the organisation's directory choices: a refused one of
/// the same kind is replaced by it; one on its way is followed by it (a
/// choice sent twice is the same choice).
fn queue_choice(conn: &mut Connection, write: &Write, now: &str) -> Result<()> {
    let tx = conn.transaction()?;
    let refused = entries_about(&tx, write.item_id())?.into_iter().find(|e| {
        e.refusal.is_some() && std::mem::discriminant(&e.write) == std::mem::discriminant(write)
    });
    match refused {
        Some(entry) => revise(&tx, entry.seq, write)?,
        None => {
            enqueue(&tx, write, None, now)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Queues a new training request; returns its local id.
pub fn create_job(conn: &mut Connection, request: JobRequest, now: &str) -> Result<String> {
    let local_id = local_id();
    let tx = conn.transaction()?;
    let seq = enqueue(
        &tx,
        &Write::CreateJob {
            local_id: local_id.clone(),
            request: request.clone(),
        },
        None,
        now,
    )?;
    let job = Job {
        id: local_id.clone(),
        request,
        state: JobState::Submitted,
        reason: None,
        reason_code: None,
        step: 0,
        total_steps: 0,
        npu_hours_used: 0.0,
        credits_used: Vec::new(),
        unknown_since: None,
        estimated_start: None,
        submitted_by: String::new(),
        timeline: vec![JobTransition {
            state: JobState::Submitted,
            at: now.to_owned(),
            reason: None,
            reason_code: None,
        }],
        artifacts: Vec::new(),
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
    };
    tx.execute(
        "INSERT INTO jobs (id, rev, state, body, created_at, outbox_seq) VALUES (?1, 0, 'submitted', ?2, ?3, ?4)",
        params![local_id, serde_json::to_string(&job)?, now, seq],
    )?;
    tx.commit()?;
    Ok(local_id)
}

/// Marks or unmarks a favourite here at once, and on the account when the
/// center is reachable.
pub fn set_favourite(
    conn: &mut Connection,
    model_id: &str,
    favourite: bool,
    now: &str,
) -> Result<()> {
    let tx = conn.transaction()?;
    crate::catalog::set_favourite(&tx, model_id, favourite, now)?;
    let write = Write::SetFavourite {
        model_id: model_id.to_owned(),
        favourite,
    };
    enqueue(&tx, &write, None, now)?;
    tx.commit()?;
    Ok(())
}

/// Queues the cancellation of a job.
pub fn cancel_job(conn: &mut Connection, job_id: &str, now: &str) -> Result<()> {
    let tx = conn.transaction()?;
    let (job_id, seq) = enqueue_about(&tx, job_id, |job_id| Write::CancelJob { job_id }, now)?;
    tx.execute(
        "UPDATE jobs SET outbox_seq = ?2 WHERE id = ?1",
        params![job_id, seq],
    )?;
    tx.commit()?;
    Ok(())
}

/// Queues saving an application's form (a new draft when `id` is `None`);
/// returns its id, local until the center has it. The form is checked with
/// the portal's own rules first.
pub fn save_application(
    conn: &mut Connection,
    id: Option<&str>,
    form: ApplicationForm,
    now: &str,
) -> Result<String> {
    form.check().map_err(Error::from)?;
    let tx = conn.transaction()?;
    let id = match id {
        None => {
            let local_id = local_id();
            let seq = enqueue(
                &tx,
                &Write::CreateApplication {
                    local_id: local_id.clone(),
                    form: form.clone(),
                },
                None,
                now,
            )?;
            let application = Application {
                id: local_id.clone(),
                form,
                state: ApplicationState::Draft,
                attachments: Vec::<Attachment>::new(),
                timeline: Vec::new(),
                certificate_id: None,
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            };
            tx.execute(
                "INSERT INTO applications (id, rev, state, body, updated_at, outbox_seq) VALUES (?1, 0, 'draft', ?2, ?3, ?4)",
                params![local_id, serde_json::to_string(&application)?, now, seq],
            )?;
            local_id
        }
        Some(id) => {
            let id = &current_id(&tx, id)?;
            let seq = enqueue(
                &tx,
                &Write::UpdateApplication {
                    application_id: id.to_owned(),
                    form: form.clone(),
                },
                None,
                now,
            )?;
            update_application_row(&tx, id, seq, |application| application.form = form)?;
            id.to_owned()
        }
    };
    tx.commit()?;
    Ok(id)
}

/// Queues submitting an application for review.
pub fn submit_application(conn: &mut Connection, id: &str, now: &str) -> Result<()> {
    let tx = conn.transaction()?;
    let (id, seq) = enqueue_about(
        &tx,
        id,
        |application_id| Write::SubmitApplication { application_id },
        now,
    )?;
    shown_as(&tx, &id, seq, ApplicationState::Submitted)?;
    tx.commit()?;
    Ok(())
}

/// Queues withdrawing an application; it shows as withdrawn at once.
pub fn withdraw_application(conn: &mut Connection, id: &str, now: &str) -> Result<()> {
    let tx = conn.transaction()?;
    let (id, seq) = enqueue_about(
        &tx,
        id,
        |application_id| Write::WithdrawApplication { application_id },
        now,
    )?;
    let state: Option<String> = tx
        .query_row("SELECT state FROM applications WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .optional()?;
    let state = state.as_deref().and_then(ApplicationState::parse);
    if !state.is_some_and(ApplicationState::may_withdraw) {
        return Err(Error::refused(
            "application_not_withdrawable",
            &[],
            "only an application the center has not decided on can be withdrawn",
        ));
    }
    shown_as(&tx, &id, seq, ApplicationState::Withdrawn)?;
    tx.commit()?;
    Ok(())
}

/// Queues the write `about` makes of the item `id` (its id on the center,
/// or the local one it had) inside `tx`; returns the id as the center knows
/// it and the write's place in the queue.
fn enqueue_about(
    tx: &Connection,
    id: &str,
    about: impl FnOnce(String) -> Write,
    now: &str,
) -> Result<(String, i64)> {
    let id = current_id(tx, id)?;
    let seq = enqueue(tx, &about(id.clone()), None, now)?;
    Ok((id, seq))
}

/// Shows the application `id` in `state` at once, while its write `seq`
/// waits for the center.
fn shown_as(tx: &Connection, id: &str, seq: i64, state: ApplicationState) -> Result<()> {
    update_application_row(tx, id, seq, |application| application.state = state)?;
    tx.execute(
        "UPDATE applications SET state = ?2 WHERE id = ?1",
        params![id, state.as_str()],
    )?;
    Ok(())
}

/// Refuses a file the center would refuse: over 20 MiB, or not a PDF, PNG
/// or JPEG by its content.
fn check_file(file_name: &str, content: &[u8]) -> Result<()> {
    let limit = aicc_api::applications::MAX_ATTACHMENT_BYTES;
    if content.len() > limit {
        return Err(Error::refused(
            "file_too_large",
            &[("most", &(limit / 1024 / 1024))],
            format!(
                "{file_name} is {:.1} MiB; attachments are at most {} MiB",
                content.len() as f64 / 1024.0 / 1024.0,
                limit / 1024 / 1024
            ),
        ));
    }
    if aicc_api::applications::sniff_media_type(content).is_none() {
        return Err(Error::refused(
            "file_kind",
            &[],
            format!("{file_name} is not a PDF, PNG or JPEG file"),
        ));
    }
    Ok(())
}

/// Queues a file of a milestone's evidence, while the milestone takes
/// evidence; the file is checked like the portal does. It goes before
/// evidence sent after it: the outbox keeps its order.
pub fn upload_evidence(
    conn: &mut Connection,
    id: &str,
    file_name: &str,
    content: Vec<u8>,
    now: &str,
) -> Result<()> {
    check_file(file_name, &content)?;
    let tx = conn.transaction()?;
    let state: Option<String> = tx
        .query_row("SELECT state FROM milestones WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(state) = state.and_then(|s| aicc_api::incubation::MilestoneState::parse(&s)) else {
        return Err(Error::InvalidInput(format!("there is no milestone {id}")));
    };
    if !state.may_submit() {
        return Err(Error::refused(
            "milestone_closed_to_files",
            &[],
            format!(
                "the milestone is {}; files are added while it is planned or changes were asked for",
                state.as_str()
            ),
        ));
    }
    let evidence_waiting: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM milestones m JOIN outbox o ON o.seq = m.outbox_seq
             WHERE m.id = ?1 AND o.state = 'pending')",
        [id],
        |r| r.get(0),
    )?;
    if evidence_waiting {
        return Err(Error::refused(
            "change_on_its_way",
            &[],
            "the evidence is on its way to the center; files go with evidence sent after them",
        ));
    }
    let write = Write::UploadEvidence {
        milestone_id: id.to_owned(),
        file_name: aicc_api::applications::plain_file_name(file_name),
    };
    enqueue(&tx, &write, Some(content), now)?;
    tx.commit()?;
    Ok(())
}

/// Queues an attachment upload; the file is checked like the portal does.
pub fn upload_attachment(
    conn: &mut Connection,
    id: &str,
    file_name: &str,
    content: Vec<u8>,
    now: &str,
) -> Result<()> {
    check_file(file_name, &content)?;
    let tx = conn.transaction()?;
    let id = &current_id(&tx, id)?;
    let write = Write::UploadAttachment {
        application_id: id.to_owned(),
        file_name: aicc_api::applications::plain_file_name(file_name),
    };
    let seq = enqueue(&tx, &write, Some(content), now)?;
    tx.execute(
        "UPDATE applications SET outbox_seq = ?2 WHERE id = ?1",
        params![id, seq],
    )?;
    tx.commit()?;
    Ok(())
}

/// Why a milestone's evidence (entry `seq`) waits: a file of it queued
/// before it was refused, and the evidence would reach the center without
/// it. `None` for any other write.
fn held_back(conn: &Connection, seq: i64, write: &Write) -> Result<Option<Refusal>> {
    let Write::SubmitMilestone { milestone_id, .. } = write else {
        return Ok(None);
    };
    let refused_file = entries_about(conn, milestone_id)?.into_iter().find(|e| {
        e.seq < seq && e.refusal.is_some() && matches!(e.write, Write::UploadEvidence { .. })
    });
    Ok(refused_file.map(|file| Refusal {
        code: Some("conflict".into()),
        message: format!(
            "a file of this evidence was refused ({}); give it up or attach it again, then send the evidence again",
            file.refusal.map(|r| r.message).unwrap_or_default()
        ),
        field: None,
        reason: Some(aicc_api::ReasonCode::new("evidence_file_refused", &[])),
    }))
}

/// Replaces a refused write with the user's corrected one and queues it
/// again, under a new idempotency key (the request is a different one).
pub fn revise(conn: &Connection, seq: i64, write: &Write) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET write = ?2, idempotency_key = ?3, state = 'pending', attempts = 0,
             error_code = NULL, error_message = NULL, error_field = NULL
         WHERE seq = ?1",
        params![seq, serde_json::to_string(write)?, new_key()],
    )?;
    Ok(())
}

/// Gives up a write: the entry goes, and so does a local-only item it created.
pub fn discard(conn: &mut Connection, seq: i64) -> Result<()> {
    let tx = conn.transaction()?;
    if let Some(entry) = entry(&tx, seq)? {
        match entry.write {
            Write::CreateJob { local_id, .. } => {
                tx.execute("DELETE FROM jobs WHERE id = ?1", [local_id])?;
            }
            Write::CreateApplication { local_id, .. } => {
                tx.execute("DELETE FROM applications WHERE id = ?1", [local_id])?;
            }
            Write::RequestOfficeHours { local_id, .. } => {
                tx.execute("DELETE FROM office_hours WHERE id = ?1", [local_id])?;
            }
            Write::AskCooperation { local_id, .. } => {
                tx.execute("DELETE FROM cooperation WHERE id = ?1", [local_id])?;
            }
            _ => {}
        }
        for table in OUTBOX_TABLES {
            tx.execute(
                &format!("UPDATE {table} SET outbox_seq = NULL WHERE outbox_seq = ?1"),
                [seq],
            )?;
        }
        tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
    }
    tx.commit()?;
    Ok(())
}

/// Every entry, oldest first.
pub fn entries(conn: &Connection) -> Result<Vec<OutboxEntry>> {
    let seqs: Vec<i64> = conn
        .prepare_cached("SELECT seq FROM outbox ORDER BY seq")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    seqs.into_iter()
        .filter_map(|seq| entry(conn, seq).transpose())
        .collect()
}

/// A job's or an application's row as stored (its JSON) and the write
/// about it still waiting here, if any, found by its id on the center or
/// the local id it had before the center had it.
pub fn kept(
    conn: &Connection,
    collection: aicc_api::sync::Collection,
    id: &str,
) -> Result<Option<(String, Option<OutboxEntry>)>> {
    let row: Option<(String, Option<i64>)> = conn
        .prepare_cached(&format!(
            "SELECT body, outbox_seq FROM {}
             WHERE id = coalesce((SELECT portal_id FROM local_ids WHERE local_id = ?1), ?1)",
            collection.as_str()
        ))?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(body, seq)| {
        let waiting = seq.map(|seq| entry(conn, seq)).transpose()?.flatten();
        Ok((body, waiting))
    })
    .transpose()
}

/// The models whose favourite mark is still waiting to reach the account.
pub fn favourites_waiting(conn: &Connection) -> Result<HashSet<String>> {
    Ok(entries(conn)?
        .into_iter()
        .filter_map(|e| match e.write {
            Write::SetFavourite { model_id, .. } => Some(model_id),
            _ => None,
        })
        .collect())
}

/// The writes about one job or application, found by its id on the center
/// or the local id it had before the center had it.
pub fn entries_about(conn: &Connection, id: &str) -> Result<Vec<OutboxEntry>> {
    let mut ids = vec![id.to_owned()];
    let mut aliases = conn.prepare_cached(
        "SELECT local_id FROM local_ids WHERE portal_id = ?1
         UNION SELECT portal_id FROM local_ids WHERE local_id = ?1",
    )?;
    for alias in aliases.query_map([id], |r| r.get(0))? {
        ids.push(alias?);
    }
    Ok(entries(conn)?
        .into_iter()
        .filter(|e| ids.iter().any(|id| id == e.write.item_id()))
        .collect())
}

/// One entry.
pub fn entry(conn: &Connection, seq: i64) -> Result<Option<OutboxEntry>> {
    let row = conn
        .query_row(
            "SELECT write, state, attempts, error_code, error_message, error_field, created_at, error_reason
             FROM outbox WHERE seq = ?1",
            [seq],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            },
        )
        .optional()?;
    row.map(
        |(write, state, attempts, code, message, field, created_at, reason)| {
            Ok(OutboxEntry {
                seq,
                write: serde_json::from_str(&write)?,
                refusal: (state == "refused").then(|| Refusal {
                    code,
                    message: message.unwrap_or_default(),
                    field,
                    reason: reason.and_then(|json| serde_json::from_str(&json).ok()),
                }),
                attempts,
                created_at,
            })
        },
    )
    .transpose()
}

impl Write {
    /// The id of the job or application the write is about.
    pub fn item_id(&self) -> &str {
        match self {
            Write::CreateJob { local_id, .. }
            | Write::CreateApplication { local_id, .. }
            | Write::RequestOfficeHours { local_id, .. }
            | Write::AskCooperation { local_id, .. } => local_id,
            Write::AnswerCooperation { cooperation_id, .. } => cooperation_id,
            Write::EditDirectorySolution { solution_id, .. } => solution_id,
            Write::SetDirectoryContact { .. } => DIRECTORY_CONTACT,
            Write::Enrol { session_id, .. } | Write::CancelEnrolment { session_id, .. } => {
                session_id
            }
            Write::CancelJob { job_id } => job_id,
            Write::UpdateApplication { application_id, .. }
            | Write::SubmitApplication { application_id }
            | Write::WithdrawApplication { application_id }
            | Write::UploadAttachment { application_id, .. } => application_id,
            Write::SetFavourite { model_id, .. } => model_id,
            Write::SubmitMilestone { milestone_id, .. }
            | Write::UploadEvidence { milestone_id, .. } => milestone_id,
            Write::RegisterForEvent { event_id } | Write::CancelEventRegistration { event_id } => {
                event_id
            }
        }
    }
}

/// An attachment on its way to the center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Upload {
    /// The application's id on the center.
    pub application_id: String,
    pub file_name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sent_bytes: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_bytes: u64,
}

/// Told about each attachment's progress while the outbox sends it.
pub type OnUpload = Arc<dyn Fn(Upload) + Send + Sync>;

/// Sends pending writes in order until none is left or the center cannot
/// be reached; attachments report their progress to `on_upload`. Returns
/// how many writes reached the center.
pub async fn drain(session: &Session, store: &Store, on_upload: Option<&OnUpload>) -> Result<u32> {
    let mut sent = 0;
    loop {
        let next = store
            .call(|conn| {
                let seq: Option<i64> = conn
                    .query_row(
                        "SELECT seq FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1",
                        [],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(seq) = seq else { return Ok(None) };
                let key: String = conn.query_row(
                    "SELECT idempotency_key FROM outbox WHERE seq = ?1",
                    [seq],
                    |r| r.get(0),
                )?;
                let content: Option<Vec<u8>> =
                    conn.query_row("SELECT content FROM outbox WHERE seq = ?1", [seq], |r| {
                        r.get(0)
                    })?;
                let entry = entry(conn, seq)?;
                Ok(entry.map(|e| (e, key, content)))
            })
            .await?;
        let Some((entry, key, content)) = next else {
            return Ok(sent);
        };
        let seq = entry.seq;
        let resolved = {
            let write = entry.write.clone();
            store.call(move |conn| resolve(conn, &write)).await?
        };
        let progress = resolved
            .as_ref()
            .zip(on_upload)
            .and_then(|(write, on_upload)| {
                let Write::UploadAttachment {
                    application_id,
                    file_name,
                } = write
                else {
                    return None;
                };
                let (on_upload, application_id, file_name) = (
                    Arc::clone(on_upload),
                    application_id.clone(),
                    file_name.clone(),
                );
                Some(Progress::new(move |sent_bytes, total_bytes| {
                    on_upload(Upload {
                        application_id: application_id.clone(),
                        file_name: file_name.clone(),
                        sent_bytes,
                        total_bytes,
                    });
                }))
            });
        // Evidence is not sent without a file of it the center refused.
        let write = entry.write.clone();
        if let Some(refusal) = store.call(move |conn| held_back(conn, seq, &write)).await? {
            store.call(move |conn| refuse(conn, seq, &refusal)).await?;
            continue;
        }
        let Some((method, path, body)) = resolved
            .map(|r| request(r, content, progress))
            .transpose()?
        else {
            let refusal = Refusal {
                code: Some("conflict".into()),
                message: "this change belongs to an item the center refused to create; fix or discard that first".into(),
                field: None,
                reason: Some(aicc_api::ReasonCode::new("item_refused", &[])),
            };
            store.call(move |conn| refuse(conn, seq, &refusal)).await?;
            continue;
        };
        match send(session, &method, &path, &body, &key).await {
            Ok(answer) => {
                let write = entry.write.clone();
                store
                    .call(move |conn| accepted(conn, seq, &write, answer))
                    .await?;
                sent += 1;
            }
            Err(Error::Portal {
                status,
                code,
                message,
                field,
                reason,
                ..
            }) if is_refusal(status) => {
                tracing::info!(seq, status, %message, "the center refused a write");
                let refusal = Refusal {
                    code: code.map(|c| format!("{c:?}").to_lowercase()),
                    message,
                    field,
                    reason: reason.map(|r| *r),
                };
                store.call(move |conn| refuse(conn, seq, &refusal)).await?;
            }
            Err(e) => {
                store
                    .call(move |conn| {
                        conn.execute(
                            "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1",
                            [seq],
                        )?;
                        Ok(())
                    })
                    .await?;
                return Err(e);
            }
        }
    }
}

/// Sends one write, refreshing the access token once if it was refused.
async fn send(
    session: &Session,
    method: &Method,
    path: &str,
    body: &WriteBody,
    key: &str,
) -> Result<Answer> {
    session
        .authorized(|token| async move {
            session
                .portal()
                .write(&token, method.clone(), path, body, key)
                .await
        })
        .await
}

fn is_refusal(status: u16) -> bool {
    matches!(status, 400 | 403 | 404 | 409 | 413 | 415 | 422)
}

/// The write with local ids replaced by the center's; `None` when an id
/// belongs to an item whose creation was refused.
fn resolve(conn: &Connection, write: &Write) -> Result<Option<Write>> {
    let map = |id: &str| -> Result<Option<String>> {
        if !is_local(id) {
            return Ok(Some(id.to_owned()));
        }
        Ok(conn
            .query_row(
                "SELECT portal_id FROM local_ids WHERE local_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?)
    };
    Ok(match write {
        Write::CreateJob { .. }
        | Write::CreateApplication { .. }
        | Write::SetFavourite { .. }
        | Write::SubmitMilestone { .. }
        | Write::RegisterForEvent { .. }
        | Write::CancelEventRegistration { .. }
        | Write::RequestOfficeHours { .. }
        | Write::UploadEvidence { .. }
        | Write::AskCooperation { .. }
        | Write::AnswerCooperation { .. }
        | Write::EditDirectorySolution { .. }
        | Write::SetDirectoryContact { .. }
        | Write::Enrol { .. }
        | Write::CancelEnrolment { .. } => Some(write.clone()),
        Write::CancelJob { job_id } => map(job_id)?.map(|job_id| Write::CancelJob { job_id }),
        Write::UpdateApplication {
            application_id,
            form,
        } => map(application_id)?.map(|application_id| Write::UpdateApplication {
            application_id,
            form: form.clone(),
        }),
        Write::SubmitApplication { application_id } => {
            map(application_id)?.map(|application_id| Write::SubmitApplication { application_id })
        }
        Write::WithdrawApplication { application_id } => {
            map(application_id)?.map(|application_id| Write::WithdrawApplication { application_id })
        }
        Write::UploadAttachment {
            application_id,
            file_name,
        } => map(application_id)?.map(|application_id| Write::UploadAttachment {
            application_id,
            file_name: file_name.clone(),
        }),
    })
}

fn request(
    write: Write,
    content: Option<Vec<u8>>,
    progress: Option<Progress>,
) -> Result<(Method, String, WriteBody)> {
    Ok(match write {
        Write::CreateJob { request, .. } => (
            Method::POST,
            "v1/jobs".into(),
            WriteBody::Json(serde_json::to_value(&request)?),
        ),
        Write::CancelJob { job_id } => (
            Method::POST,
            format!("v1/jobs/{job_id}/cancel"),
            WriteBody::None,
        ),
        Write::CreateApplication { form, .. } => (
            Method::POST,
            "v1/applications".into(),
            WriteBody::Json(serde_json::to_value(&form)?),
        ),
        Write::UpdateApplication {
            application_id,
            form,
        } => (
            Method::PUT,
            format!("v1/applications/{application_id}"),
            WriteBody::Json(serde_json::to_value(&form)?),
        ),
        Write::SubmitApplication { application_id } => (
            Method::POST,
            format!("v1/applications/{application_id}/submit"),
            WriteBody::None,
        ),
        Write::WithdrawApplication { application_id } => (
            Method::POST,
            format!("v1/applications/{application_id}/withdraw"),
            WriteBody::None,
        ),
        Write::SetFavourite {
            model_id,
            favourite,
        } => {
            let id: String = url::form_urlencoded::byte_serialize(model_id.as_bytes()).collect();
            let method = if favourite {
                Method::PUT
            } else {
                Method::DELETE
            };
            (method, format!("v1/me/favourites/{id}"), WriteBody::None)
        }
        Write::SubmitMilestone {
            milestone_id,
            evidence,
        } => (
            Method::POST,
            format!("v1/milestones/{milestone_id}/submit"),
            WriteBody::Json(serde_json::to_value(&evidence)?),
        ),
        Write::RegisterForEvent { event_id } => (
            Method::POST,
            format!("v1/cohort_events/{event_id}/register"),
            WriteBody::None,
        ),
        Write::CancelEventRegistration { event_id } => (
            Method::POST,
            format!("v1/cohort_events/{event_id}/cancel"),
            WriteBody::None,
        ),
        Write::UploadEvidence {
            milestone_id,
            file_name,
        } => {
            let name: String = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
            (
                Method::POST,
                format!("v1/milestones/{milestone_id}/attachments?file_name={name}"),
                WriteBody::Bytes {
                    content: content.unwrap_or_default().into(),
                    progress,
                },
            )
        }
        Write::RequestOfficeHours { request, .. } => (
            Method::POST,
            "v1/office_hours".to_owned(),
            WriteBody::Json(serde_json::to_value(&request)?),
        ),
        Write::AskCooperation { ask, .. } => (
            Method::POST,
            "v1/cooperation".to_owned(),
            WriteBody::Json(serde_json::to_value(&ask)?),
        ),
        Write::AnswerCooperation {
            cooperation_id,
            answer,
        } => (
            Method::POST,
            format!("v1/cooperation/{}/answer", path_segment(&cooperation_id)),
            WriteBody::Json(serde_json::to_value(&answer)?),
        ),
        Write::EditDirectorySolution {
            solution_id,
            profile,
        } => (
            Method::PUT,
            format!("v1/directory/solutions/{}", path_segment(&solution_id)),
            WriteBody::Json(serde_json::to_value(profile)?),
        ),
        Write::SetDirectoryContact { contact } => (
            Method::PUT,
            "v1/directory/contact".to_owned(),
            WriteBody::Json(serde_json::to_value(&contact)?),
        ),
        Write::Enrol { session_id, email } => (
            Method::POST,
            format!("v1/course_sessions/{}/enrol", path_segment(&session_id)),
            WriteBody::Json(serde_json::to_value(aicc_api::talent::SessionEnrolment {
                email,
            })?),
        ),
        Write::CancelEnrolment { session_id, email } => (
            Method::POST,
            format!("v1/course_sessions/{}/cancel", path_segment(&session_id)),
            WriteBody::Json(serde_json::to_value(aicc_api::talent::SessionEnrolment {
                email,
            })?),
        ),
        Write::UploadAttachment {
            application_id,
            file_name,
        } => {
            let name: String = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
            (
                Method::POST,
                format!("v1/applications/{application_id}/attachments?file_name={name}"),
                WriteBody::Bytes {
                    content: content.unwrap_or_default().into(),
                    progress,
                },
            )
        }
    })
}

/// Records the center's answer in place of the optimistic row.
fn accepted(conn: &mut Connection, seq: i64, write: &Write, answer: Answer) -> Result<()> {
    let Answer {
        body: answer,
        replayed,
    } = answer;
    let tx = conn.transaction()?;
    match write {
        Write::CreateJob { local_id, .. } => {
            let job: Job = serde_json::from_value(answer)?;
            tx.execute("DELETE FROM jobs WHERE id = ?1", [local_id])?;
            tx.execute(
                "INSERT OR REPLACE INTO local_ids (local_id, portal_id) VALUES (?1, ?2)",
                params![local_id, job.id],
            )?;
            store_job(&tx, &job, replayed)?;
        }
        Write::CancelJob { .. } => store_job(&tx, &serde_json::from_value(answer)?, replayed)?,
        Write::CreateApplication { local_id, .. } => {
            let application: Application = serde_json::from_value(answer)?;
            // Later entries still name the local id; keep the row under it
            // until the feed brings the center's, then drop the local one.
            tx.execute("DELETE FROM applications WHERE id = ?1", [local_id])?;
            tx.execute(
                "INSERT OR REPLACE INTO local_ids (local_id, portal_id) VALUES (?1, ?2)",
                params![local_id, application.id],
            )?;
            store_application(&tx, &application, replayed)?;
        }
        Write::UpdateApplication { .. }
        | Write::SubmitApplication { .. }
        | Write::WithdrawApplication { .. } => {
            store_application(&tx, &serde_json::from_value(answer)?, replayed)?;
        }
        Write::SubmitMilestone { .. } => {
            let milestone: aicc_api::incubation::Milestone = serde_json::from_value(answer)?;
            // A replayed answer is the milestone as it was then; the feed
            // brings what happened since.
            if !replayed {
                tx.execute(
                    "UPDATE milestones SET body = ?2, state = ?3 WHERE id = ?1",
                    params![
                        milestone.id,
                        serde_json::to_string(&milestone)?,
                        milestone.state.as_str()
                    ],
                )?;
            }
        }
        Write::RegisterForEvent { .. } | Write::CancelEventRegistration { .. } => {
            // A replayed answer is the event as it was then; the feed
            // brings what happened since.
            if !replayed {
                let event: aicc_api::incubation::CohortEvent = serde_json::from_value(answer)?;
                tx.execute(
                    "UPDATE cohort_events SET body = ?2 WHERE id = ?1",
                    params![event.id, serde_json::to_string(&event)?],
                )?;
            }
        }
        Write::RequestOfficeHours { local_id, .. } => {
            let asked: aicc_api::incubation::OfficeHours = serde_json::from_value(answer)?;
            let made = Made {
                id: &asked.id,
                state: asked.state.as_str(),
                body: serde_json::to_string(&asked)?,
                created_at: &asked.created_at,
            };
            made.in_place_of(&tx, "office_hours", local_id)?;
        }
        Write::AskCooperation { local_id, .. } => {
            let asked: Cooperation = serde_json::from_value(answer)?;
            let made = Made {
                id: &asked.id,
                state: asked.state.as_str(),
                body: serde_json::to_string(&asked)?,
                created_at: &asked.created_at,
            };
            made.in_place_of(&tx, "cooperation", local_id)?;
        }
        Write::AnswerCooperation { .. } => {
            // A replayed answer is the request as it was then; the feed
            // brings what happened since.
            if !replayed {
                let answered: Cooperation = serde_json::from_value(answer)?;
                tx.execute(
                    "UPDATE cooperation SET body = ?2, state = ?3 WHERE id = ?1",
                    params![
                        answered.id,
                        serde_json::to_string(&answered)?,
                        answered.state.as_str()
                    ],
                )?;
            }
        }
        Write::Enrol { .. } | Write::CancelEnrolment { .. } => {
            // A replayed answer is the course as it was then; the feed
            // brings what happened since.
            if !replayed {
                let course: aicc_api::talent::Course = serde_json::from_value(answer)?;
                crate::talent::answered(&tx, &course, &crate::clock::now())?;
            }
        }
        // The feed brings the holder with its new file, and the directory
        // as the center now shows it.
        Write::UploadAttachment { .. }
        | Write::UploadEvidence { .. }
        | Write::SetFavourite { .. }
        | Write::EditDirectorySolution { .. }
        | Write::SetDirectoryContact { .. } => {}
    }
    tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
    for table in OUTBOX_TABLES {
        tx.execute(
            &format!("UPDATE {table} SET outbox_seq = NULL WHERE outbox_seq = ?1"),
            [seq],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// An item the center made of a write sent under a local id.
struct Made<'a> {
    id: &'a str,
    state: &'a str,
    body: String,
    created_at: &'a str,
}

impl Made<'_> {
    /// Keeps it in `table` in place of its local row: later entries still
    /// naming the local id find it through `local_ids`, and it is kept at
    /// revision 0, so the feed's, whatever it holds, comes after.
    fn in_place_of(&self, conn: &Connection, table: &str, local_id: &str) -> Result<()> {
        conn.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [local_id])?;
        conn.execute(
            "INSERT OR REPLACE INTO local_ids (local_id, portal_id) VALUES (?1, ?2)",
            params![local_id, self.id],
        )?;
        conn.execute(
            &format!(
                "INSERT OR IGNORE INTO {table} (id, rev, state, body, created_at)
                 VALUES (?1, 0, ?2, ?3, ?4)"
            ),
            params![self.id, self.state, self.body, self.created_at],
        )?;
        Ok(())
    }
}

/// Keeps a job as a write's answer shows it. An answer kept from an
/// earlier attempt (`replayed`: the first was lost) is the job as it was
/// then: it fills in a job the feed has not brought, and never undoes a
/// change the feed brought since (a cancellation that has ended).
fn store_job(conn: &Connection, job: &Job, replayed: bool) -> Result<()> {
    conn.execute(
        "INSERT INTO jobs (id, rev, state, body, created_at) VALUES (?1, 0, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body
         WHERE NOT ?5 OR jobs.rev = 0",
        params![
            job.id,
            job.state.as_str(),
            serde_json::to_string(job)?,
            job.created_at,
            replayed
        ],
    )?;
    Ok(())
}

/// Keeps an application as a write's answer shows it; a replayed answer
/// as [`store_job`] keeps one.
fn store_application(conn: &Connection, application: &Application, replayed: bool) -> Result<()> {
    conn.execute(
        "INSERT INTO applications (id, rev, state, body, updated_at) VALUES (?1, 0, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_at = excluded.updated_at
         WHERE NOT ?5 OR applications.rev = 0",
        params![application.id, application.state.as_str(), serde_json::to_string(application)?, application.updated_at, replayed],
    )?;
    Ok(())
}

fn refuse(conn: &Connection, seq: i64, refusal: &Refusal) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'refused', attempts = attempts + 1, error_code = ?2, error_message = ?3, error_field = ?4,
                error_reason = ?5
         WHERE seq = ?1",
        params![
            seq,
            refusal.code,
            refusal.message,
            refusal.field,
            refusal
                .reason
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?
        ],
    )?;
    Ok(())
}

/// The center's id for `id` once the center has the item (a page or form
/// opened before may still hold the local id); `id` itself otherwise.
fn current_id(conn: &Connection, id: &str) -> Result<String> {
    Ok(conn
        .query_row(
            "SELECT portal_id FROM local_ids WHERE local_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| id.to_owned()))
}

fn update_application_row(
    conn: &Connection,
    id: &str,
    seq: i64,
    change: impl FnOnce(&mut Application),
) -> Result<()> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM applications WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(body) = body else {
        return Err(Error::InvalidInput(format!("there is no application {id}")));
    };
    let mut application: Application = serde_json::from_str(&body)?;
    change(&mut application);
    conn.execute(
        "UPDATE applications SET body = ?2, outbox_seq = ?3 WHERE id = ?1",
        params![id, serde_json::to_string(&application)?, seq],
    )?;
    Ok(())
}

fn enqueue(conn: &Connection, write: &Write, content: Option<Vec<u8>>, now: &str) -> Result<i64> {
    conn.execute(
        "INSERT INTO outbox (write, content, idempotency_key, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![serde_json::to_string(write)?, content, new_key(), now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// An id as one segment of a path.
fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// What starts the id of an item the center has not given one yet.
const LOCAL_PREFIX: &str = "local-";

fn local_id() -> String {
    format!("{LOCAL_PREFIX}{}", new_key())
}

/// Whether `id` is an item's id on this computer only: its creation waits
/// in the outbox (or was refused), and the center has not given it one.
pub fn is_local(id: &str) -> bool {
    id.starts_with(LOCAL_PREFIX)
}

fn new_key() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::tests::job;

    #[test]
    fn a_directory_choice_follows_one_on_its_way_and_replaces_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let hidden = SolutionProfile {
            show_hardware: false,
            ..SolutionProfile::EVERYTHING
        };
        let choices = |store: &Store| {
            store
                .blocking(|c| entries(c))
                .unwrap()
                .into_iter()
                .map(|e| (e.seq, e.write, e.refusal.is_some()))
                .collect::<Vec<_>>()
        };
        store
            .blocking(move |c| edit_solution(c, "app_1", hidden, "t"))
            .unwrap();
        store
            .blocking(|c| edit_solution(c, "app_1", SolutionProfile::EVERYTHING, "t"))
            .unwrap();
        let queued = choices(&store);
        assert_eq!(queued.len(), 2, "the second follows the first");
        let refusal = Refusal {
            code: Some("forbidden".into()),
            message: "ask a partner admin".into(),
            field: None,
            reason: None,
        };
        let (first, second) = (queued[0].0, queued[1].0);
        store
            .blocking(move |c| {
                refuse(c, first, &refusal)?;
                refuse(c, second, &refusal)
            })
            .unwrap();
        store
            .blocking(move |c| edit_solution(c, "app_1", hidden, "t"))
            .unwrap();
        let after = choices(&store);
        assert_eq!(after.len(), 2, "a refused choice is replaced, not added to");
        assert!(after.iter().any(|(_, write, refused)| !refused
            && *write
                == Write::EditDirectorySolution {
                    solution_id: "app_1".into(),
                    profile: hidden,
                }));
        let bad = PublicContact {
            name: "Desk".into(),
            email: "a\u{202e}@b.cn".into(),
            website: String::new(),
        };
        let refused = store
            .blocking(move |c| set_directory_contact(c, Some(bad), "t"))
            .unwrap_err();
        assert!(refused.to_string().contains("contact_email"), "{refused}");
        assert_eq!(choices(&store).len(), 2, "nothing queued");
    }

    #[test]
    fn evidence_waits_behind_a_refused_file_of_it_and_goes_after_files_attached_since() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let now = "2026-12-06T12:00:00Z";
        let planned = aicc_api::incubation::Milestone {
            id: "ms_1".into(),
            title: "Pilot on two weld lines".into(),
            description: String::new(),
            deliverable: "The pilot report".into(),
            due_on: "2027-01-31".into(),
            state: aicc_api::incubation::MilestoneState::Planned,
            evidence: None,
            attachments: Vec::new(),
            review_comment: None,
            timeline: Vec::new(),
            created_at: now.into(),
            updated_at: now.into(),
        };
        let page = aicc_api::sync::ChangePage {
            changes: vec![aicc_api::sync::Change::Upsert {
                rev: 1,
                item: planned,
            }],
            next: 1,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| crate::incubation::apply_page(c, &page, now))
            .unwrap();
        let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
        let attach = |store: &Store| {
            store.blocking(|c| upload_evidence(c, "ms_1", "report.pdf", pdf.clone(), now))
        };
        let send = |store: &Store| {
            store.blocking(|c| {
                submit_milestone(
                    c,
                    "ms_1",
                    aicc_api::incubation::Evidence {
                        text: "The pilot report, signed".into(),
                    },
                    now,
                )
            })
        };
        let refusal = Refusal {
            code: Some("conflict".into()),
            message: "no room".into(),
            field: None,
            reason: None,
        };
        attach(&store).unwrap();
        send(&store).unwrap();
        let waiting = attach(&store).unwrap_err().to_string();
        assert!(waiting.contains("on its way"), "{waiting}");
        let seqs = |store: &Store| -> Vec<(i64, &'static str)> {
            store
                .blocking(|c| entries(c))
                .unwrap()
                .iter()
                .map(|e| {
                    let kind = if matches!(e.write, Write::UploadEvidence { .. }) {
                        "file"
                    } else {
                        "evidence"
                    };
                    (e.seq, kind)
                })
                .collect()
        };
        let (file, evidence) = (seqs(&store)[0].0, seqs(&store)[1].0);
        store.blocking(|c| refuse(c, file, &refusal)).unwrap();
        let write = store
            .blocking(|c| entry(c, evidence))
            .unwrap()
            .unwrap()
            .write;
        let held = store.blocking(|c| held_back(c, evidence, &write)).unwrap();
        assert!(
            held.is_some_and(|r| r.message.contains("a file of this evidence was refused")),
            "not sent without its file"
        );

        // Refused too; a file attached again, then the evidence again.
        store.blocking(|c| refuse(c, evidence, &refusal)).unwrap();
        attach(&store).unwrap();
        send(&store).unwrap();
        let kinds: Vec<&str> = seqs(&store).into_iter().map(|(_, kind)| kind).collect();
        assert_eq!(
            kinds,
            ["file", "file", "evidence"],
            "the evidence goes last"
        );
    }

    /// An answer given again for a retried write is the job as it was
    /// then: it never undoes what the feed brought since.
    #[test]
    fn a_write_answered_again_does_not_undo_a_later_synced_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let state = |store: &Store| {
            store
                .blocking(|c| Ok(crate::jobs::get(c, "job_1")?.unwrap().job.state))
                .unwrap()
        };
        store
            .blocking(|c| crate::jobs::upsert(c, 7, &job(JobState::Cancelled)))
            .unwrap();
        let then = job(JobState::Cancelling);
        store.blocking(|c| store_job(c, &then, true)).unwrap();
        assert_eq!(
            state(&store),
            JobState::Cancelled,
            "a replayed answer is old"
        );
        store.blocking(|c| store_job(c, &then, false)).unwrap();
        assert_eq!(
            state(&store),
            JobState::Cancelling,
            "a fresh answer is taken"
        );
    }
}
