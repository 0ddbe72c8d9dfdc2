//! The directory of certified solutions and cooperation, as the shown
//! account's center keeps them: searched and read from the local copy,
//! certificates checked with the center (or the copy when it cannot be
//! asked), cooperation and the organisation's choices queued in the
//! outbox.

use aicc_api::directory::{
    CooperationAnswer, CooperationAsk, PublicContact, Solution, SolutionProfile,
};

use super::Partner;
use crate::cooperation::CooperationView;
use crate::directory::{CheckedCertificate, DirectoryPage, DirectoryQuery};
use crate::outbox;
use crate::searchable::FacetCounts;
use crate::{Error, Result, clock};

impl Partner {
    /// The solutions matching `query`.
    pub async fn directory(&self, query: DirectoryQuery) -> Result<DirectoryPage> {
        self.local(move |c| crate::directory::search(c, &query))
            .await
    }

    /// How many solutions matching `query` hold each value of each filter.
    pub async fn directory_facets(&self, query: DirectoryQuery) -> Result<Vec<FacetCounts>> {
        self.local(move |c| crate::directory::facets(c, &query))
            .await
    }

    /// One solution, if the directory lists it.
    pub async fn solution(&self, id: String) -> Result<Option<Solution>> {
        self.local(move |c| crate::directory::solution(c, &id))
            .await
    }

    /// Every listed solution of a partner, by name.
    pub async fn partner_solutions(&self, partner_id: String) -> Result<Vec<Solution>> {
        self.local(move |c| crate::directory::of_partner(c, &partner_id))
            .await
    }

    /// What the center says of a certificate; what the local directory
    /// says when the center cannot be reached (marked as such).
    pub async fn check_certificate(&self, typed: String) -> Result<CheckedCertificate> {
        let id = aicc_api::directory::certificate_id(&typed).map_err(Error::from)?;
        let asked = {
            let id = id.clone();
            self.ask(move |portal, token| {
                let id = id.clone();
                async move { portal.certificate(&token, &id).await }
            })
            .await
        };
        match asked {
            Ok(check) => Ok(CheckedCertificate {
                check,
                from_copy_synced_at: None,
            }),
            Err(e) if e.is_transient() => {
                let now = clock::now();
                self.local(move |c| crate::directory::check_locally(c, &id, &now))
                    .await
            }
            Err(e) => Err(e),
        }
    }

    /// The organisation's cooperations, newest first.
    pub async fn cooperation(&self) -> Result<Vec<CooperationView>> {
        self.local(|c| crate::cooperation::view(c)).await
    }

    /// One cooperation, by the center's id or the local one it had.
    pub async fn cooperation_one(&self, id: String) -> Result<Option<CooperationView>> {
        self.local(move |c| crate::cooperation::get(c, &id)).await
    }

    /// Asks a solution's owner to cooperate; sent now, or when the center
    /// is reachable. Returns the request's local id.
    pub async fn ask_cooperation(&self, ask: CooperationAsk) -> Result<String> {
        let now = clock::now();
        self.queue(move |c| outbox::ask_cooperation(c, ask, &now))
            .await
    }

    /// Accepts or declines a request received; sent now, or when the
    /// center is reachable.
    pub async fn answer_cooperation(&self, id: String, answer: CooperationAnswer) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::answer_cooperation(c, &id, answer, &now))
            .await
    }

    /// Changes what the directory shows of one of the organisation's
    /// solutions.
    pub async fn edit_solution(&self, id: String, profile: SolutionProfile) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::edit_solution(c, &id, profile, &now))
            .await
    }

    /// Sets how other partners reach the organisation, or shows none.
    pub async fn set_directory_contact(&self, contact: Option<PublicContact>) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::set_directory_contact(c, contact, &now))
            .await
    }
}
