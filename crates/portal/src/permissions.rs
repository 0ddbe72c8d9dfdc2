//! Who may do what, enforced: every handler asks [`check`] with the table of
//! role × action (`aicc_api::permissions`, shared with the app) and the
//! scopes a personal access token narrows it to.
//!
//! The organisation rule comes first and is not in the table: a partner's
//! jobs, applications and members are visible to its own organisation only
//! (center staff also read every application); anything else answers 404,
//! as an id that does not exist. Only then is the role asked, and a role
//! that may not answers 403 saying whom to ask.
//!
//! Center staff read and review; they never write a partner's content.
//! What center admins do beyond that (organisations, users, quotas, pools,
//! the catalog) is `aicc-portal admin`, on the center's own machine.

use aicc_api::auth::Role::*;
use aicc_api::auth::{Role, Scope};
pub use aicc_api::permissions::Action;
use aicc_api::permissions::Action::*;

use crate::error::ApiError;

/// What the action is, as the refusal says it.
fn described(action: Action) -> &'static str {
    match action {
        ReadCatalog => "read the catalog",
        KeepFavourites => "keep favourites",
        ReadOrganisation => "read their own organisation's jobs, applications and members",
        SubmitJob => "ask for NPU time",
        CancelOwnJob => "cancel jobs they submitted",
        CancelOrganisationJob => "cancel another member's job",
        EditApplication => "edit the organisation's applications",
        SubmitApplication => "submit the organisation's applications",
        WithdrawApplication => "withdraw the organisation's applications",
        ReadEveryApplication => "read other organisations' applications and milestones",
        ReviewApplication => "review applications",
        ManageMembers => "manage the organisation's members",
        ManageOwnTokens => "manage personal access tokens",
        SubmitMilestone => "send the startup's milestone evidence",
        ReviewMilestone => "review incubation milestones",
        RegisterForEvents => "register for the cohort's events",
        RequestOfficeHours => "ask the startup's mentors for office hours",
        ReadDirectory => "read the directory of certified solutions",
        EditDirectory => "choose what the directory shows of the organisation's solutions",
        ReadCooperation => "read the organisation's cooperations with other partners",
        AskCooperation => "ask another partner to cooperate",
        AnswerCooperation => "answer another partner's request to cooperate",
        ReadCourses => "read the center's courses and their sessions",
        EnrolInCourses => "enrol themself in a course session",
        EnrolMembers => "enrol the organisation's members in course sessions",
        ReadCertifications => "read their own certifications",
        ReadOrganisationSkills => "read the organisation's skills (every member's certifications)",
        ReadEveryCertification => "read every organisation's engineers' certifications",
    }
}

/// Who to ask when `role` may not.
fn whom_to_ask(role: Role, action: Action) -> &'static str {
    let staff = matches!(role, CenterReviewer | CenterAdmin);
    match action {
        SubmitJob | CancelOwnJob | CancelOrganisationJob if staff => {
            "center staff do not run partners' jobs"
        }
        EditApplication | SubmitApplication | WithdrawApplication | ManageMembers
        | SubmitMilestone | EditDirectory | AskCooperation | AnswerCooperation
            if staff =>
        {
            "center staff read and review; a partner's content is theirs to write"
        }
        CancelOrganisationJob
        | EditApplication
        | SubmitApplication
        | WithdrawApplication
        | ManageMembers
        | SubmitJob
        | CancelOwnJob
        | SubmitMilestone
        | EditDirectory
        | AskCooperation
        | AnswerCooperation => "ask a partner admin of your organisation",
        EnrolInCourses | EnrolMembers | ReadCertifications | ReadOrganisationSkills if staff => {
            "center staff teach the courses and record certifications; partners' engineers enrol"
        }
        EnrolMembers | ReadOrganisationSkills => "ask a partner admin of your organisation",
        ReadCooperation if staff => {
            "cooperation between partners is theirs; the center sees only that it happens"
        }
        RegisterForEvents | RequestOfficeHours => "this is for the startups the center incubates",
        ReadEveryApplication | ReviewApplication | ReviewMilestone | ReadEveryCertification => {
            "this is for the center's reviewers"
        }
        ReadCatalog | KeepFavourites | ReadOrganisation | ManageOwnTokens | ReadDirectory
        | ReadCooperation | ReadCourses | EnrolInCourses | ReadCertifications => {
            "ask the center's administrators"
        }
    }
}

/// The scopes a credential carries: an app session has them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// Everything: an app session, or a `full` token.
    pub fn full() -> Self {
        Self::of(&[Scope::Full])
    }

    /// A set of scopes.
    pub fn of(scopes: &[Scope]) -> Self {
        Self(scopes.iter().fold(0, |bits, s| bits | bit(*s)))
    }

    /// The scopes as stored, space-separated; unknown words grant nothing.
    pub fn parse(stored: &str) -> Self {
        let scopes: Vec<Scope> = stored.split_whitespace().filter_map(Scope::parse).collect();
        Self::of(&scopes)
    }

    /// The scopes, in [`Scope::ALL`]'s order.
    pub fn list(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.0 & bit(*s) != 0)
            .collect()
    }

    /// As stored: space-separated names.
    pub fn stored(self) -> String {
        self.list()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether these scopes cover `needed`.
    pub fn cover(self, needed: Scope) -> bool {
        needed == Scope::Read || self.0 & (bit(Scope::Full) | bit(needed)) != 0
    }
}

fn bit(scope: Scope) -> u8 {
    match scope {
        Scope::Read => 1,
        Scope::Jobs => 2,
        Scope::Applications => 4,
        Scope::Full => 8,
    }
}

/// Leave for `action` by `role` with `scopes`, or the refusal that says
/// what was wrong and what to do.
pub fn check(role: Role, scopes: Scopes, action: Action) -> Result<(), ApiError> {
    if !action.allowed_for(role) {
        return Err(ApiError::Forbidden(format!(
            "a {} may not {}; {}",
            role_name(role),
            described(action),
            whom_to_ask(role, action)
        ))
        .because("role_may_not", &[]));
    }
    let needed = action.scope();
    if !scopes.cover(needed) {
        return Err(ApiError::Forbidden(format!(
            "this personal access token may not {}: it lacks the \"{}\" scope; create a token with it",
            described(action),
            needed.as_str()
        )));
    }
    Ok(())
}

fn role_name(role: Role) -> &'static str {
    match role {
        PartnerMember => "partner member",
        PartnerAdmin => "partner admin",
        CenterReviewer => "center reviewer",
        CenterAdmin => "center admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_who_may_and_a_scope_refusal_names_the_scope() {
        let full = Scopes::full();
        let refusal = check(PartnerMember, full, SubmitApplication)
            .unwrap_err()
            .to_string();
        assert!(refusal.contains("partner member"), "{refusal}");
        assert!(refusal.contains("partner admin"), "{refusal}");
        let refusal = check(CenterReviewer, full, EditApplication)
            .unwrap_err()
            .to_string();
        assert!(
            refusal.contains("center staff read and review"),
            "{refusal}"
        );
        assert!(!refusal.contains("ask a partner admin"), "{refusal}");
        let read_only = Scopes::parse("read");
        let refusal = check(PartnerAdmin, read_only, SubmitJob)
            .unwrap_err()
            .to_string();
        assert!(refusal.contains("\"jobs\" scope"), "{refusal}");
        assert!(check(PartnerAdmin, read_only, ReadOrganisation).is_ok());
        assert!(check(PartnerAdmin, Scopes::parse("jobs"), CancelOrganisationJob).is_ok());
        assert!(check(PartnerAdmin, Scopes::parse("jobs bogus"), EditApplication).is_err());
        assert!(check(PartnerAdmin, Scopes::parse("applications"), ManageMembers).is_err());
        assert_eq!(Scopes::parse("jobs read").stored(), "read jobs");
    }

    /// The table as the README shows it.
    fn markdown() -> String {
        let mut table = String::from(
            "| action | partner member | partner admin | center reviewer | center admin | token scope |\n\
             |---|---|---|---|---|---|\n",
        );
        for action in Action::all() {
            let cells: Vec<&str> = [PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin]
                .into_iter()
                .map(|role| if action.allowed_for(role) { "✓" } else { "" })
                .collect();
            table.push_str(&format!(
                "| {} | {} | {} |\n",
                described(action),
                cells.join(" | "),
                action.scope().as_str()
            ));
        }
        table
    }

    #[test]
    fn the_readme_shows_this_table() {
        let readme = include_str!("../../../README.md");
        let table = markdown();
        assert!(
            readme.contains(&table),
            "README.md's permission table is out of date; it should read:\n{table}"
        );
    }
}
