//! The talent platform: the center's courses for the partners' engineers
//! (Ascend C, CANN, MindSpore, fine-tuning…), their sessions with seats
//! and a waitlist, and the certifications the center's staff record for
//! engineers who passed.
//!
//! Every signed-in account reads the courses (`GET /v1/courses/changes`);
//! each session shows who of the caller's organisation is enrolled or
//! waiting. An engineer enrols themself; a partner admin enrols the
//! organisation's members. Seats go to the first enrolments still live,
//! the others wait in the order they came, and a cancellation moves the
//! first waiting up. Certifications are read by their holder, by their
//! organisation's partner admin (the organisation's skills) and by the
//! center's staff.

use serde::{Deserialize, Serialize};

/// How far a course goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CourseLevel {
    Foundation,
    Intermediate,
    Advanced,
}

impl CourseLevel {
    pub const ALL: [CourseLevel; 3] = [
        CourseLevel::Foundation,
        CourseLevel::Intermediate,
        CourseLevel::Advanced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CourseLevel::Foundation => "foundation",
            CourseLevel::Intermediate => "intermediate",
            CourseLevel::Advanced => "advanced",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A course of the center, with its sessions to come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub level: CourseLevel,
    /// The language it is taught in, as a tag: `zh-CN`, `en`.
    pub language: String,
    /// Teaching hours in all.
    pub duration_hours: u32,
    /// e.g. "Ascend C", "CANN", "MindSpore".
    pub topics: Vec<String>,
    /// What an engineer should know first, in words.
    pub prerequisites: Vec<String>,
    /// Its sessions, past and to come, soonest first.
    pub sessions: Vec<CourseSession>,
}

/// One run of a course: when, where, and its seats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseSession {
    pub id: String,
    pub starts_at: String,
    pub ends_at: String,
    /// A room or an address; empty for a session held online only.
    pub place: String,
    /// Where to join online, if it can be.
    pub link: Option<String>,
    pub seats: u32,
    pub seats_taken: u32,
    /// Waiting for a seat.
    pub waitlisted: u32,
    /// The caller's organisation's engineers enrolled or waiting, in the
    /// order they came.
    pub enrolled: Vec<Enrolled>,
}

/// An engineer of the caller's organisation enrolled in a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolled {
    pub email: String,
    pub name: String,
    /// The caller themself.
    pub you: bool,
    pub enrolled_at: String,
    /// Who enrolled them, when it was not themself (their partner admin).
    pub enrolled_by: Option<String>,
    /// `None` with a seat; else the place on the waitlist, from 1.
    pub waitlist_position: Option<u32>,
}

/// `POST /v1/course_sessions/{id}/enrol` and `…/cancel`: whom; `None` for
/// the caller. A partner admin names a member of the organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionEnrolment {
    pub email: Option<String>,
}

/// How far a certification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificationLevel {
    Associate,
    Professional,
    Expert,
}

impl CertificationLevel {
    pub const ALL: [CertificationLevel; 3] = [
        CertificationLevel::Associate,
        CertificationLevel::Professional,
        CertificationLevel::Expert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CertificationLevel::Associate => "associate",
            CertificationLevel::Professional => "professional",
            CertificationLevel::Expert => "expert",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// An engineer's certification, as the center's staff recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certification {
    /// e.g. AICC-ENG-2026-000042.
    pub id: String,
    /// e.g. "Ascend C Operator Developer".
    pub name: String,
    pub level: CertificationLevel,
    pub holder: Holder,
    /// The day it was given (YYYY-MM-DD).
    pub issued_on: String,
    /// The last day it holds (YYYY-MM-DD).
    pub expires_on: String,
}

/// Whom a certification was given to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holder {
    pub email: String,
    pub name: String,
    /// The organisation they were at when it was recorded.
    pub organisation: String,
}

/// How many years a certification holds unless staff say otherwise.
pub const CERTIFICATION_VALID_YEARS: i32 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_named_one_way() {
        for level in CourseLevel::ALL {
            assert_eq!(CourseLevel::parse(level.as_str()), Some(level));
        }
        for level in CertificationLevel::ALL {
            assert_eq!(CertificationLevel::parse(level.as_str()), Some(level));
        }
    }
}
