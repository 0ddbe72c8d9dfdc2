//! The center's courses and the engineers' certifications, as the shown
//! account's center keeps them: read from the local copy, enrolments
//! queued in the outbox.

use aicc_api::talent::Course;

use super::Partner;
use crate::searchable::{FacetCounts, Found};
use crate::talent::{CourseQuery, CourseView, Skills};
use crate::{Result, clock, outbox};

impl Partner {
    /// The courses matching `query`.
    pub async fn courses(&self, query: CourseQuery) -> Result<Found<Course>> {
        self.local(move |c| crate::talent::search(c, &query)).await
    }

    /// How many courses matching `query` hold each value of each filter.
    pub async fn course_facets(&self, query: CourseQuery) -> Result<Vec<FacetCounts>> {
        self.local(move |c| crate::talent::facets(c, &query)).await
    }

    /// A course, by its id or one of its sessions'.
    pub async fn course(&self, id: String) -> Result<Option<CourseView>> {
        let now = clock::now();
        self.local(move |c| crate::talent::course(c, &id, &now))
            .await
    }

    /// Enrols the user (`email: None`) or a member in a session
    /// (`enrolling`), or gives the enrolment up; sent now, or when the
    /// center is reachable.
    pub async fn enrol(
        &self,
        session_id: String,
        email: Option<String>,
        enrolling: bool,
    ) -> Result<()> {
        let now = clock::now();
        self.queue(move |c| outbox::enrol(c, &session_id, email.as_deref(), enrolling, &now))
            .await
    }

    /// The certifications the account reads, by engineer.
    pub async fn skills(&self) -> Result<Skills> {
        let today = clock::today();
        self.local(move |c| crate::talent::skills(c, &today)).await
    }
}
