//! Who may do what: the one table of role × action. The portal enforces it
//! on every route (after its organisation rule: another organisation's
//! objects are as if they did not exist); the app reads it to offer only
//! what the signed-in account may do, and to say why not.
//!
//! Center staff read and review; they never write a partner's content.

use serde::{Deserialize, Serialize};

use crate::auth::{Role, Scope};

/// Everything a route may ask leave for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the catalog and the center's pools.
    ReadCatalog,
    /// Keep one's own favourite models.
    KeepFavourites,
    /// Read one's organisation's jobs, applications, quota and members.
    ReadOrganisation,
    /// Ask for NPU time for the organisation.
    SubmitJob,
    /// Cancel a job one submitted oneself.
    CancelOwnJob,
    /// Cancel any job of the organisation.
    CancelOrganisationJob,
    /// Start, edit and attach files to the organisation's applications.
    EditApplication,
    /// Send the organisation's application for review.
    SubmitApplication,
    /// Take the organisation's application back before the center decides.
    WithdrawApplication,
    /// Read every organisation's applications, attachments and milestones.
    ReadEveryApplication,
    /// Move applications through review.
    ReviewApplication,
    /// Invite members, change their role, deactivate them.
    ManageMembers,
    /// List and revoke one's own personal access tokens.
    ManageOwnTokens,
    /// Send the startup's evidence for a milestone of its plan.
    SubmitMilestone,
    /// Read every startup's milestones and accept them or ask for changes.
    ReviewMilestone,
    /// Take or give up a seat at one of the cohort's events.
    RegisterForEvents,
    /// Ask the startup's mentors for office hours.
    RequestOfficeHours,
    /// Search the directory of certified solutions and check certificates.
    ReadDirectory,
    /// Choose what the directory shows of the organisation's solutions.
    EditDirectory,
    /// Read the organisation's cooperations with other partners.
    ReadCooperation,
    /// Ask another partner to cooperate on its solution.
    AskCooperation,
    /// Accept or decline another partner's request to cooperate.
    AnswerCooperation,
    /// Read the center's courses and their sessions' seats.
    ReadCourses,
    /// Enrol oneself in a course session, or give the place up.
    EnrolInCourses,
    /// Enrol the organisation's members in course sessions, or cancel it.
    EnrolMembers,
    /// Read one's own certifications.
    ReadCertifications,
    /// Read every member's certifications: the organisation's skills.
    ReadOrganisationSkills,
    /// Read every organisation's engineers' certifications.
    ReadEveryCertification,
}

use Action::*;
use Role::*;

/// The table: who may do what. The README's permission table is this one
/// (the portal's tests keep them equal).
const TABLE: &[(Action, &[Role])] = &[
    (
        ReadCatalog,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
    (
        KeepFavourites,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
    (
        ReadOrganisation,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
    (SubmitJob, &[PartnerMember, PartnerAdmin]),
    (CancelOwnJob, &[PartnerMember, PartnerAdmin]),
    (CancelOrganisationJob, &[PartnerAdmin]),
    (EditApplication, &[PartnerMember, PartnerAdmin]),
    (SubmitApplication, &[PartnerAdmin]),
    (WithdrawApplication, &[PartnerAdmin]),
    (ReadEveryApplication, &[CenterReviewer, CenterAdmin]),
    (ReviewApplication, &[CenterReviewer, CenterAdmin]),
    (ManageMembers, &[PartnerAdmin]),
    (
        ManageOwnTokens,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
    (SubmitMilestone, &[PartnerMember, PartnerAdmin]),
    (ReviewMilestone, &[CenterReviewer, CenterAdmin]),
    (RegisterForEvents, &[PartnerMember, PartnerAdmin]),
    (RequestOfficeHours, &[PartnerMember, PartnerAdmin]),
    (
        ReadDirectory,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
    (EditDirectory, &[PartnerAdmin]),
    (ReadCooperation, &[PartnerMember, PartnerAdmin]),
    (AskCooperation, &[PartnerMember, PartnerAdmin]),
    (AnswerCooperation, &[PartnerAdmin]),
    (
        ReadCourses,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
    (EnrolInCourses, &[PartnerMember, PartnerAdmin]),
    (EnrolMembers, &[PartnerAdmin]),
    (ReadCertifications, &[PartnerMember, PartnerAdmin]),
    (ReadOrganisationSkills, &[PartnerAdmin]),
    (ReadEveryCertification, &[CenterReviewer, CenterAdmin]),
];

impl Action {
    /// Whether `role` may do this.
    pub fn allowed_for(self, role: Role) -> bool {
        TABLE
            .iter()
            .any(|(action, roles)| *action == self && roles.contains(&role))
    }

    /// The scope a personal access token needs for it; every scope reads.
    pub fn scope(self) -> Scope {
        match self {
            ReadCatalog
            | ReadOrganisation
            | ReadEveryApplication
            | ReadDirectory
            | ReadCooperation
            | ReadCourses
            | ReadCertifications
            | ReadOrganisationSkills
            | ReadEveryCertification => Scope::Read,
            SubmitJob | CancelOwnJob | CancelOrganisationJob => Scope::Jobs,
            EditApplication | SubmitApplication | WithdrawApplication | ReviewApplication
            | SubmitMilestone | ReviewMilestone | RegisterForEvents | RequestOfficeHours
            | EditDirectory | AskCooperation | AnswerCooperation | EnrolInCourses
            | EnrolMembers => Scope::Applications,
            KeepFavourites | ManageMembers | ManageOwnTokens => Scope::Full,
        }
    }

    /// Whether only someone signed in to the app may do this, never a
    /// personal access token: a leaked token must not make accounts that
    /// outlive it.
    pub fn needs_app_session(self) -> bool {
        matches!(self, ManageMembers)
    }

    /// Every action, in the table's order.
    pub fn all() -> impl Iterator<Item = Action> {
        TABLE.iter().map(|(action, _)| *action)
    }

    /// What cancelling a job asks: one's own, or anyone's in the organisation.
    pub fn to_cancel(own_job: bool) -> Action {
        if own_job {
            CancelOwnJob
        } else {
            CancelOrganisationJob
        }
    }

    /// What `role` may do, in the table's order.
    pub fn of(role: Role) -> Vec<Action> {
        Self::all().filter(|a| a.allowed_for(role)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_row_of_the_table() {
        let actions: Vec<Action> = Action::all().collect();
        for action in &actions {
            assert_eq!(
                actions.iter().filter(|a| *a == action).count(),
                1,
                "{action:?}"
            );
        }
    }

    #[test]
    fn center_staff_write_no_partner_content() {
        for role in [CenterReviewer, CenterAdmin] {
            for action in [
                SubmitJob,
                CancelOwnJob,
                CancelOrganisationJob,
                EditApplication,
                SubmitApplication,
                WithdrawApplication,
                ManageMembers,
                SubmitMilestone,
                EditDirectory,
                ReadCooperation,
                AskCooperation,
                AnswerCooperation,
                EnrolInCourses,
                EnrolMembers,
            ] {
                assert!(!action.allowed_for(role), "{role:?} {action:?}");
            }
        }
        assert!(Action::of(PartnerMember).contains(&CancelOwnJob));
        assert!(Action::of(PartnerMember).contains(&EditApplication));
        assert!(!Action::of(PartnerMember).contains(&SubmitApplication));
        assert!(!Action::of(PartnerMember).contains(&WithdrawApplication));
    }
}
