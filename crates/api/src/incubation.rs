//! Incubation: the center's application-innovation incubation platform. An
//! incubated startup is enrolled in a cohort of a programme, with a plan of
//! milestones it shows progress on; center staff review each milestone.
//!
//! A milestone goes `planned → submitted → accepted`, or `submitted →
//! changes_requested → submitted …` until it is accepted.

use serde::{Deserialize, Serialize};

/// A programme the center runs, e.g. its Ascend application incubation
/// programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Programme {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The center staff running it, as "Name <e-mail>".
    pub staff: Vec<String>,
}

/// One intake of a programme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cohort {
    pub id: String,
    pub name: String,
    /// ISO dates, e.g. `2026-09-01`.
    pub starts_on: String,
    pub ends_on: String,
}

/// `GET /v1/incubation`: the caller's organisation's enrolment, if it is
/// enrolled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incubation {
    pub enrolment: Option<Enrolment>,
}

/// An organisation's place in a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    pub programme: Programme,
    pub cohort: Cohort,
    /// RFC 3339.
    pub enrolled_at: String,
}

/// Where a milestone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    Planned,
    Submitted,
    Accepted,
    ChangesRequested,
}

impl MilestoneState {
    pub const ALL: [MilestoneState; 4] = [
        MilestoneState::Planned,
        MilestoneState::Submitted,
        MilestoneState::Accepted,
        MilestoneState::ChangesRequested,
    ];

    /// The name stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneState::Planned => "planned",
            MilestoneState::Submitted => "submitted",
            MilestoneState::Accepted => "accepted",
            MilestoneState::ChangesRequested => "changes_requested",
        }
    }

    /// The inverse of [`MilestoneState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Whether the startup may send its evidence now: before the first
    /// review, or when the reviewer asked for changes.
    pub fn may_submit(self) -> bool {
        matches!(
            self,
            MilestoneState::Planned | MilestoneState::ChangesRequested
        )
    }
}

/// What a reviewer decides on submitted evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MilestoneDecision {
    Accept,
    RequestChanges,
}

impl MilestoneDecision {
    /// The state the decision leads to from `from`, if it may be made there.
    pub fn apply(self, from: MilestoneState) -> Option<MilestoneState> {
        match (self, from) {
            (MilestoneDecision::Accept, MilestoneState::Submitted) => {
                Some(MilestoneState::Accepted)
            }
            (MilestoneDecision::RequestChanges, MilestoneState::Submitted) => {
                Some(MilestoneState::ChangesRequested)
            }
            _ => None,
        }
    }
}

/// The longest evidence text the center keeps.
pub const MAX_EVIDENCE_CHARS: usize = 20_000;

/// `POST /v1/milestones/{id}/submit`: what the startup shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    /// What was done and where to see it.
    pub text: String,
}

impl Evidence {
    /// Refuses evidence that says nothing or more than the center keeps.
    pub fn check(&self) -> Result<(), crate::FieldError> {
        let error = |code, params: &[(&str, &dyn std::fmt::Display)], message: String| {
            Err(crate::FieldError::new("text", code, params, message))
        };
        if self.text.trim().is_empty() || self.text.chars().all(char::is_whitespace) {
            return error(
                "evidence_empty",
                &[],
                "say what was done and where the reviewer can see it".into(),
            );
        }
        if !crate::applications::is_plain_text(&self.text) {
            return error(
                "plain_text",
                &[],
                "write it as plain text: no control, invisible or text-direction characters".into(),
            );
        }
        if self.text.chars().count() > MAX_EVIDENCE_CHARS {
            return error(
                "at_most_characters",
                &[("most", &MAX_EVIDENCE_CHARS)],
                format!("at most {MAX_EVIDENCE_CHARS} characters"),
            );
        }
        Ok(())
    }
}

/// `POST /v1/milestones/{id}/review`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneReview {
    pub decision: MilestoneDecision,
    /// Required when asking for changes: what to change.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A milestone of a startup's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Milestone {
    pub id: String,
    pub title: String,
    pub description: String,
    /// What the center expects to see, e.g. "inference at ≥ 25 FPS per
    /// stream on Atlas 300I Duo, with the conversion notes".
    pub deliverable: String,
    /// ISO date.
    pub due_on: String,
    pub state: MilestoneState,
    /// The evidence last sent, if any.
    pub evidence: Option<Evidence>,
    /// The files of the evidence (the report, the benchmark log), added
    /// while the milestone is planned or changes were asked for.
    #[serde(default)]
    pub attachments: Vec<crate::applications::Attachment>,
    /// The reviewer's last comment, if any.
    pub review_comment: Option<String>,
    /// Every transition, oldest first.
    pub timeline: Vec<MilestoneTransition>,
    pub created_at: String,
    pub updated_at: String,
}

/// One transition of a milestone, with who made it and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneTransition {
    pub from: Option<MilestoneState>,
    pub to: MilestoneState,
    pub actor: String,
    pub at: String,
    pub comment: Option<String>,
}

/// NPU-hours the center granted an organisation (an incubated startup)
/// for a reason, until an instant: kept apart from its purchased quota,
/// spent before it (the soonest-expiring grant first), and worth nothing
/// from `expires_at` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credit {
    pub id: String,
    pub npu_hours: f64,
    /// Why the center granted them, e.g. "Adapting the inspection model".
    pub reason: String,
    pub granted_at: String,
    pub expires_at: String,
    /// Spent by jobs so far.
    pub npu_hours_used: f64,
    /// What jobs spent of it, by job and hour, oldest first.
    pub usage: Vec<CreditUsage>,
}

/// What one job spent of a grant in one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditUsage {
    pub job_id: String,
    /// The start of the hour.
    pub hour: String,
    pub npu_hours: f64,
}

/// What kind of event a cohort holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    DemoDay,
    Training,
    Hackathon,
    Workshop,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::DemoDay,
        EventKind::Training,
        EventKind::Hackathon,
        EventKind::Workshop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::DemoDay => "demo_day",
            EventKind::Training => "training",
            EventKind::Hackathon => "hackathon",
            EventKind::Workshop => "workshop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An event of a cohort — a demo day, a training, a hackathon — with its
/// seats: the first to register take them, the rest wait in the order
/// they registered and move up as others cancel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CohortEvent {
    pub id: String,
    /// The cohort it is for.
    pub cohort_id: String,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    /// A room or an address; empty for an event held online only.
    pub place: String,
    /// Where to join online, if it can be.
    pub link: Option<String>,
    pub seats: u32,
    pub seats_taken: u32,
    /// Waiting for a seat.
    pub waitlisted: u32,
    /// The caller's own registration, if any.
    pub mine: Option<Registration>,
}

/// Someone's registration for an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub registered_at: String,
    /// `None` with a seat; else the place on the waitlist, from 1.
    pub waitlist_position: Option<u32>,
}

/// A mentor the center assigned to the startup: an engineer or expert of
/// the center's network who gives office hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mentor {
    pub id: String,
    pub name: String,
    /// What they know, e.g. "MindSpore training, model conversion with ATC".
    pub expertise: String,
    /// The languages they hold office hours in, as tags: `zh-CN`, `en`.
    pub languages: Vec<String>,
}

/// `GET /v1/mentors`: the caller's organisation's mentors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mentors {
    pub mentors: Vec<Mentor>,
}

/// The most slots one request for office hours proposes.
pub const MOST_SLOTS: usize = 3;

/// `POST /v1/office_hours`: a startup asks a mentor for office hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeHoursRequest {
    pub mentor_id: String,
    /// What the startup wants to talk about.
    pub topic: String,
    /// One to [`MOST_SLOTS`] start times (RFC 3339) the mentor may choose
    /// from; each an hour long.
    pub slots: Vec<String>,
}

impl OfficeHoursRequest {
    /// The rules the app and the center share; the center also checks that
    /// the slots are ahead and the mentor is the startup's.
    pub fn check(&self) -> Result<(), crate::FieldError> {
        let topic = self.topic.trim();
        if topic.is_empty()
            || topic.chars().count() > 1000
            || !crate::applications::is_plain_text(topic)
        {
            return Err(crate::FieldError::new(
                "topic",
                "topic",
                &[("least", &1), ("most", &1000)],
                "say what you want to talk about in 1 to 1000 characters of plain text",
            ));
        }
        if self.slots.is_empty() || self.slots.len() > MOST_SLOTS {
            return Err(crate::FieldError::new(
                "slots",
                "slots",
                &[("least", &1), ("most", &MOST_SLOTS)],
                format!("propose 1 to {MOST_SLOTS} times"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for slot in &self.slots {
            let parsed =
                time::OffsetDateTime::parse(slot, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                    crate::FieldError::new(
                        "slots",
                        "not_a_time",
                        &[("time", slot)],
                        format!("\"{slot}\" is not a time; pick it again"),
                    )
                })?;
            if !seen.insert(parsed) {
                return Err(crate::FieldError::new(
                    "slots",
                    "slot_twice",
                    &[],
                    "the same time is proposed twice; propose different ones",
                ));
            }
        }
        Ok(())
    }
}

/// Where a request for office hours stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OfficeHoursState {
    /// Waiting for the mentor's answer.
    Requested,
    /// The mentor took one of the slots.
    Accepted,
    /// The mentor cannot, and said why.
    Declined,
}

impl OfficeHoursState {
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeHoursState::Requested => "requested",
            OfficeHoursState::Accepted => "accepted",
            OfficeHoursState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Accepted, Self::Declined]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// A request for office hours and the mentor's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficeHours {
    pub id: String,
    pub mentor: Mentor,
    pub topic: String,
    pub slots: Vec<String>,
    pub state: OfficeHoursState,
    /// The slot the mentor took, when accepted.
    pub chosen_slot: Option<String>,
    /// The mentor's note: where to meet, or why not.
    pub note: Option<String>,
    pub requested_by: String,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_milestone_is_sent_until_it_is_accepted() {
        use MilestoneDecision::*;
        use MilestoneState::*;
        assert!(Planned.may_submit() && ChangesRequested.may_submit());
        assert!(!Submitted.may_submit() && !Accepted.may_submit());
        assert_eq!(Accept.apply(Submitted), Some(Accepted));
        assert_eq!(RequestChanges.apply(Submitted), Some(ChangesRequested));
        for from in [Planned, Accepted, ChangesRequested] {
            assert_eq!(Accept.apply(from), None, "{from:?}");
            assert_eq!(RequestChanges.apply(from), None, "{from:?}");
        }
        for state in MilestoneState::ALL {
            assert_eq!(MilestoneState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn evidence_says_something_and_not_too_much() {
        for blank in ["  ", "\u{200b}", "\u{0}", "\n\t"] {
            assert!(
                Evidence { text: blank.into() }.check().is_err(),
                "{blank:?}"
            );
        }
        for hostile in ["done\u{1b}[2J", "report.\u{202e}fdp", "a\u{0}b"] {
            assert!(
                Evidence {
                    text: hostile.into()
                }
                .check()
                .is_err(),
                "{hostile:?}"
            );
        }
        assert!(
            Evidence {
                text: "Line one\n\tline two: 95.8% recall".into()
            }
            .check()
            .is_ok()
        );
        assert!(
            Evidence {
                text: "x".repeat(MAX_EVIDENCE_CHARS + 1)
            }
            .check()
            .is_err()
        );
        assert!(
            Evidence {
                text: "Benchmark report in the pilot folder".into()
            }
            .check()
            .is_ok()
        );
    }
}
