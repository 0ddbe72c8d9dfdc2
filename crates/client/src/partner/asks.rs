//! What the user asks of the shown account: each checked with the
//! center's own rules first, then queued in the outbox (kept across
//! restarts, sent exactly once) with the form's draft dropped in the same
//! transaction, then the engine woken to send it. Asks that cannot wait
//! in the outbox (a secret in the answer, or an answer the user must see
//! at once) go to the center directly.

use std::path::Path;

use aicc_api::applications::{ApplicationForm, MAX_ATTACHMENT_BYTES, sniff_media_type};
use aicc_api::auth::{NewPersonalToken, PersonalToken};
use aicc_api::jobs::{JobRequest, LogPage, MetricSeries};
use aicc_api::members::{Invitation, Member, MemberChange, NewInvitation};
use serde::Serialize;

use super::Partner;
use crate::accounts::Standing;
use crate::outbox::{self, Write};
use crate::portal::PortalClient;
use crate::{Error, Result, center, clock, drafts, notifications};

/// A form field the center would refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldProblem {
    pub field: String,
    /// What is wrong, as the code the window words.
    pub reason: aicc_api::ReasonCode,
    /// The same in English.
    pub message: String,
}

impl From<aicc_api::FieldError> for FieldProblem {
    fn from(e: aicc_api::FieldError) -> Self {
        Self {
            field: e.field.to_owned(),
            reason: e.reason,
            message: e.message,
        }
    }
}

impl Partner {
    /// Runs `work` on the shown account's store, then wakes its engine to
    /// send what `work` queued.
    pub(super) async fn queue<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut crate::store::Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let done = self.local(work).await?;
        self.sync_now().await;
        Ok(done)
    }

    /// Checks a training request as the center will, against the pools and
    /// quota last synced; `None` when it would be accepted.
    pub async fn check_job_request(&self, request: JobRequest) -> Result<Option<FieldProblem>> {
        let info = self.local(|c| center::info(c)).await?;
        Ok(center::check_request(&info, &request)
            .err()
            .map(FieldProblem::from))
    }

    /// Queues a training request and drops the form's draft; returns the
    /// job's local id. Sent now, or when the center is reachable.
    pub async fn create_job(&self, request: JobRequest, draft_id: String) -> Result<String> {
        let now = clock::now();
        self.queue(move |c| {
            let info = center::info(c)?;
            center::check_request(&info, &request).map_err(Error::from)?;
            let id = outbox::create_job(c, request, &now)?;
            drafts::delete(c, &draft_id)?;
            Ok(id)
        })
        .await
    }

    /// Queues a training request at another signed-in center (the one
    /// with `index` in the account list), where it would start sooner,
    /// checked against that center's pools and quota; drops the form's
    /// draft here and shows that center. Returns the job's local id there.
    pub async fn create_job_at(
        &self,
        index: usize,
        request: JobRequest,
        draft_id: String,
    ) -> Result<String> {
        let key = self
            .settings()?
            .accounts
            .get(index)
            .map(crate::config::CenterAccount::key)
            .ok_or_else(|| Error::InvalidInput(format!("there is no account {index}")))?;
        let there = self.store_of(&key).await.ok_or(Error::NotSignedIn)?;
        let now = clock::now();
        let id = there
            .call(move |c| {
                let info = center::info(c)?;
                center::check_request(&info, &request).map_err(Error::from)?;
                outbox::create_job(c, request, &now)
            })
            .await?;
        self.local(move |c| drafts::delete(c, &draft_id)).await?;
        self.switch_account(index).await?;
        self.sync_now().await;
        Ok(id)
    }

    /// Queues a milestone's evidence and forgets its draft: the milestone
    /// shows it on its way at once, and it goes once the center answers.
    pub async fn submit_milestone(
        &self,
        id: String,
        evidence: aicc_api::incubation::Evidence,
        draft_id: String,
    ) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| {
            crate::outbox::submit_milestone(c, &id, evidence, &now)?;
            drafts::delete(c, &draft_id)
        })
        .await
    }

    /// The organisation's incubation programme and plan, as last synced.
    pub async fn incubation(&self) -> Result<crate::incubation::IncubationView> {
        let today = clock::today();
        self.local(move |c| crate::incubation::view(c, &today))
            .await
    }

    /// The credits granted to the organisation, as last synced.
    pub async fn credits(&self) -> Result<crate::credits::CreditsView> {
        let now = clock::now();
        self.local(move |c| crate::credits::view(c, &now)).await
    }

    /// The cohort's events, as last synced.
    pub async fn cohort_events(&self) -> Result<Vec<crate::cohort_events::EventView>> {
        let now = clock::now();
        self.local(move |c| crate::cohort_events::view(c, &now))
            .await
    }

    /// Takes a seat at an event (or a place on its waitlist), or gives it
    /// up; sent now, or when the center is reachable.
    pub async fn register_for_event(&self, id: String, register: bool) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::register_for_event(c, &id, register, &now))
            .await
    }

    /// The startup's mentors and its requests for office hours, as last
    /// synced.
    pub async fn mentors(&self) -> Result<crate::mentors::MentorsView> {
        self.local(|c| crate::mentors::view(c)).await
    }

    /// Asks a mentor for office hours; sent now, or when the center is
    /// reachable. Returns the request's local id.
    pub async fn request_office_hours(
        &self,
        request: aicc_api::incubation::OfficeHoursRequest,
    ) -> Result<String> {
        let now = clock::now();
        self.queue(move |c| outbox::request_office_hours(c, request, &now))
            .await
    }

    /// Queues the file at `path` as part of a milestone's evidence, once it
    /// is known to be a PDF, PNG or JPEG of at most 20 MiB; returns its
    /// name.
    pub async fn attach_evidence(&self, milestone_id: String, path: &Path) -> Result<String> {
        let (name, content) = read_attachment(path)?;
        let now = clock::now();
        let file_name = name.clone();
        self.queue(move |c| outbox::upload_evidence(c, &milestone_id, &file_name, content, &now))
            .await?;
        Ok(name)
    }

    /// One milestone, as last synced.
    pub async fn milestone(&self, id: String) -> Result<Option<crate::incubation::MilestoneView>> {
        let today = clock::today();
        self.local(move |c| crate::incubation::get(c, &id, &today))
            .await
    }

    /// Replaces a refused request with the corrected one and sends it again.
    pub async fn revise_job(&self, seq: i64, local_id: String, request: JobRequest) -> Result<()> {
        self.queue(move |c| outbox::revise(c, seq, &Write::CreateJob { local_id, request }))
            .await
    }

    /// Gives up a write waiting in the outbox.
    pub async fn discard_write(&self, seq: i64) -> Result<()> {
        self.local(move |c| outbox::discard(c, seq)).await
    }

    /// Asks the center to cancel a job.
    pub async fn cancel_job(&self, id: String) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::cancel_job(c, &id, &now)).await
    }

    /// Marks or unmarks a favourite, here at once and on the account when
    /// the center is reachable.
    pub async fn set_favourite(&self, model_id: String, favourite: bool) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::set_favourite(c, &model_id, favourite, &now))
            .await
    }

    /// The latest [`INBOX_SIZE`](notifications::INBOX_SIZE) notifications,
    /// newest first, and how many are unread.
    pub async fn inbox(&self) -> Result<notifications::Inbox> {
        self.local(|c| {
            Ok(notifications::Inbox {
                notifications: notifications::inbox(c, notifications::INBOX_SIZE)?,
                unread: notifications::unread(c)?,
            })
        })
        .await
    }

    /// The writes waiting for the center or refused by it: all of them, or
    /// those `about` one job or application.
    pub async fn outbox(&self, about: Option<String>) -> Result<Vec<outbox::OutboxEntry>> {
        self.local(move |c| match &about {
            Some(id) => outbox::entries_about(c, id),
            None => outbox::entries(c),
        })
        .await
    }

    /// Marks one notification, or all of them, as read.
    pub async fn mark_read(&self, id: Option<i64>) -> Result<()> {
        let now = clock::now();
        self.local(move |c| notifications::mark_read(c, id, &now))
            .await
    }

    /// Queues saving the application (creating it when `id` is none), e.g.
    /// so files can be attached before it is submitted; returns its id.
    pub async fn save_application(
        &self,
        id: Option<String>,
        form: ApplicationForm,
    ) -> Result<String> {
        let now = clock::now();
        self.queue(move |c| outbox::save_application(c, id.as_deref(), form, &now))
            .await
    }

    /// Saves the application (a new one when `id` is none) and submits it
    /// for review, once every field submission needs is filled in; drops
    /// the form's draft. Returns the application's id.
    pub async fn submit_application(
        &self,
        id: Option<String>,
        form: ApplicationForm,
        draft_id: String,
    ) -> Result<String> {
        if let Some(field) = form.missing_for_submit().first() {
            return Err(Error::refused(
                "fill_in",
                &[],
                format!("{field}: fill this in"),
            ));
        }
        let now = clock::now();
        self.queue(move |c| {
            let id = outbox::save_application(c, id.as_deref(), form, &now)?;
            outbox::submit_application(c, &id, &now)?;
            drafts::delete(c, &draft_id)?;
            Ok(id)
        })
        .await
    }

    /// Queues withdrawing the application (a partner admin's, before the
    /// center decides); it shows as withdrawn at once.
    pub async fn withdraw_application(&self, id: String) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::withdraw_application(c, &id, &now))
            .await
    }

    /// Queues the file at `path` for upload to the application, once it is
    /// known to be a PDF, PNG or JPEG (by its content) of at most 20 MiB;
    /// returns its name.
    pub async fn attach_file(&self, application_id: String, path: &Path) -> Result<String> {
        let (name, content) = read_attachment(path)?;
        let now = clock::now();
        let file_name = name.clone();
        self.queue(move |c| {
            outbox::upload_attachment(c, &application_id, &file_name, content, &now)
        })
        .await?;
        Ok(name)
    }

    /// Asks the shown account's center, with a valid access token.
    pub(super) async fn ask<T, F, R>(&self, request: F) -> Result<T>
    where
        F: Fn(PortalClient, String) -> R,
        R: Future<Output = Result<T>>,
    {
        let session = self.session().await?;
        session
            .authorized(|token| request(session.portal().clone(), token))
            .await
    }

    /// Who the account is at its center now, and what its role may do.
    pub async fn standing(&self) -> Result<Standing> {
        let account = self
            .ask(|portal, token| async move { portal.me(&token).await })
            .await?;
        Ok(Standing::of(account))
    }

    /// The organisation's members.
    pub async fn members(&self) -> Result<Vec<Member>> {
        self.ask(|portal, token| async move { portal.members(&token).await })
            .await
    }

    /// Changes a member's role or deactivates (or reactivates) them.
    pub async fn change_member(&self, id: &str, change: &MemberChange) -> Result<Member> {
        self.ask(|portal, token| async move { portal.change_member(&token, id, change).await })
            .await
    }

    /// The organisation's open invitations.
    pub async fn invitations(&self) -> Result<Vec<Invitation>> {
        self.ask(|portal, token| async move { portal.invitations(&token).await })
            .await
    }

    /// Invites someone; the answer holds the one-time code, shown once.
    pub async fn invite(&self, new: &NewInvitation) -> Result<Invitation> {
        self.ask(|portal, token| async move { portal.invite(&token, new).await })
            .await
    }

    /// Withdraws an invitation; its code stops working.
    pub async fn withdraw_invitation(&self, id: &str) -> Result<()> {
        self.ask(|portal, token| async move { portal.withdraw_invitation(&token, id).await })
            .await
    }

    /// The account's personal access tokens (a token's secret is never
    /// among them).
    pub async fn personal_tokens(&self) -> Result<Vec<PersonalToken>> {
        self.ask(|portal, token| async move { portal.personal_tokens(&token).await })
            .await
    }

    /// Makes a personal access token for scripts; the answer holds its
    /// secret, shown this once.
    pub async fn create_personal_token(&self, new: &NewPersonalToken) -> Result<PersonalToken> {
        self.ask(|portal, token| async move { portal.create_personal_token(&token, new).await })
            .await
    }

    /// Revokes one of the account's personal access tokens, at once.
    pub async fn revoke_personal_token(&self, id: &str) -> Result<()> {
        self.ask(|portal, token| async move { portal.revoke_personal_token(&token, id).await })
            .await
    }

    /// A job's log after line `after`.
    pub async fn job_logs(&self, id: &str, after: u64) -> Result<LogPage> {
        self.ask(|portal, token| async move { portal.job_logs(&token, id, after).await })
            .await
    }

    /// A job's metric series.
    pub async fn job_metrics(&self, id: &str) -> Result<Vec<MetricSeries>> {
        self.ask(|portal, token| async move { portal.job_metrics(&token, id).await })
            .await
    }
}

/// The file at `path`, its name and content, once it is known to be a
/// PDF, PNG or JPEG (by its content) of at most 20 MiB.
fn read_attachment(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unreadable = |source| Error::File {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_ATTACHMENT_BYTES as u64 {
        return Err(Error::refused(
            "file_too_large",
            &[("most", &(MAX_ATTACHMENT_BYTES / 1024 / 1024))],
            format!("{name} is larger than 20 MiB; attach a smaller file"),
        ));
    }
    let content = std::fs::read(path).map_err(unreadable)?;
    if sniff_media_type(&content).is_none() {
        return Err(Error::refused(
            "file_kind",
            &[],
            format!("{name} is not a PDF, PNG or JPEG file"),
        ));
    }
    Ok((name, content))
}
