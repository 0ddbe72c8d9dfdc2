//! Who may do what: the one table of role × action every handler consults,
//! and the scopes a personal access token narrows it to.
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

use aicc_api::auth::{Role, Scope};

use crate::error::ApiError;

/// Everything a route may ask leave for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Read every organisation's applications and attachments.
    ReadEveryApplication,
    /// Move applications through review.
    ReviewApplication,
    /// Invite members, change their role, deactivate them.
    ManageMembers,
    /// List and revoke one's own personal access tokens.
    ManageOwnTokens,
}

use Action::*;
use Role::*;

/// The table: who may do what. The README's permission table is this one.
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
    (EditApplication, &[PartnerAdmin]),
    (SubmitApplication, &[PartnerAdmin]),
    (ReadEveryApplication, &[CenterReviewer, CenterAdmin]),
    (ReviewApplication, &[CenterReviewer, CenterAdmin]),
    (ManageMembers, &[PartnerAdmin]),
    (
        ManageOwnTokens,
        &[PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin],
    ),
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
            ReadCatalog | ReadOrganisation | ReadEveryApplication => Scope::Read,
            SubmitJob | CancelOwnJob | CancelOrganisationJob => Scope::Jobs,
            EditApplication | SubmitApplication | ReviewApplication => Scope::Applications,
            KeepFavourites | ManageMembers | ManageOwnTokens => Scope::Full,
        }
    }

    /// What the action is, as the refusal says it.
    fn described(self) -> &'static str {
        match self {
            ReadCatalog => "read the catalog",
            KeepFavourites => "keep favourites",
            ReadOrganisation => "read the organisation's data",
            SubmitJob => "ask for NPU time",
            CancelOwnJob => "cancel jobs they submitted",
            CancelOrganisationJob => "cancel another member's job",
            EditApplication => "edit the organisation's applications",
            SubmitApplication => "submit the organisation's applications",
            ReadEveryApplication => "read other organisations' applications",
            ReviewApplication => "review applications",
            ManageMembers => "manage the organisation's members",
            ManageOwnTokens => "manage personal access tokens",
        }
    }

    /// Who to ask when the role may not.
    fn whom_to_ask(self) -> &'static str {
        match self {
            CancelOrganisationJob | EditApplication | SubmitApplication | ManageMembers => {
                "ask a partner admin of your organisation"
            }
            ReadEveryApplication | ReviewApplication => "this is for the center's reviewers",
            SubmitJob | CancelOwnJob => "center staff do not run partners' jobs",
            ReadCatalog | KeepFavourites | ReadOrganisation | ManageOwnTokens => {
                "ask the center's administrators"
            }
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
            action.described(),
            action.whom_to_ask()
        )));
    }
    let needed = action.scope();
    if !scopes.cover(needed) {
        return Err(ApiError::Forbidden(format!(
            "this personal access token may not {}: it lacks the \"{}\" scope; create a token with it",
            action.described(),
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

/// Every action, for the README's table and the tests.
pub const ACTIONS: &[Action] = &[
    ReadCatalog,
    KeepFavourites,
    ReadOrganisation,
    SubmitJob,
    CancelOwnJob,
    CancelOrganisationJob,
    EditApplication,
    SubmitApplication,
    ReadEveryApplication,
    ReviewApplication,
    ManageMembers,
    ManageOwnTokens,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_row_of_the_table() {
        for action in ACTIONS {
            assert_eq!(
                TABLE.iter().filter(|(a, _)| a == action).count(),
                1,
                "{action:?}"
            );
        }
        assert_eq!(TABLE.len(), ACTIONS.len());
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
                ManageMembers,
            ] {
                assert!(!action.allowed_for(role), "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn a_refusal_says_who_may_and_a_scope_refusal_names_the_scope() {
        let full = Scopes::full();
        let refusal = check(PartnerMember, full, SubmitApplication)
            .unwrap_err()
            .to_string();
        assert!(refusal.contains("partner member"), "{refusal}");
        assert!(refusal.contains("partner admin"), "{refusal}");
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
        for action in ACTIONS {
            let cells: Vec<&str> = [PartnerMember, PartnerAdmin, CenterReviewer, CenterAdmin]
                .into_iter()
                .map(|role| if action.allowed_for(role) { "✓" } else { "" })
                .collect();
            table.push_str(&format!(
                "| {} | {} | {} |\n",
                action.described(),
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
