//! TypeScript declarations of every type that crosses the IPC boundary,
//! generated from the Rust types with ts-rs into `ui/src/lib/bindings.ts`.
//! The test below fails when the checked-in file is stale; regenerate with
//! `UPDATE_BINDINGS=1 cargo test -p aicc-partner bindings`.

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use aicc_api::ReasonCode;
    use aicc_api::applications::{
        Application, ApplicationForm, ApplicationState, ApplicationTransition, Attachment,
        OrganisationKind, ProgrammeTier,
    };
    use aicc_api::auth::{Account, NewPersonalToken, PersonalToken, Role, Scope};
    use aicc_api::catalog::{Framework, Metric, Model, ModelVersion, TrainingRecipe};
    use aicc_api::directory::{
        CertificateCheck, CertificateStatus, Cooperation, CooperationAnswer, CooperationAsk,
        CooperationOffer, CooperationState, Direction, Partner as DirectoryPartner, PublicContact,
        Solution, SolutionProfile,
    };
    use aicc_api::incubation::{
        Cohort, CohortEvent, Credit, CreditUsage, Enrolment, EventKind, Evidence, Mentor,
        Milestone, MilestoneState, MilestoneTransition, OfficeHours, OfficeHoursRequest,
        OfficeHoursState, Programme, Registration,
    };
    use aicc_api::jobs::{
        Artifact, CreditCharge, EstimateSource, Job, JobOutcome, JobRequest, JobState,
        JobTransition, LogLine, LogPage, MetricSeries, ModelRef, NotAdmissible, Pool, PoolHistory,
        PoolSample, Priority, Quota, StartEstimate, StartWindow,
    };
    use aicc_api::members::{Invitation, Member, MemberChange, NewInvitation};
    use aicc_api::permissions::Action;
    use aicc_api::sync::Collection;
    use aicc_api::talent::{
        Certification, CertificationLevel, Course, CourseLevel, CourseSession, Enrolled, Holder,
    };
    use aicc_client::ErrorCode;
    use aicc_client::accounts::Standing;
    use aicc_client::applications::ApplicationView;
    use aicc_client::catalog::{
        CatalogQuery, FacetCount, Facets, ModelPage, ModelSummary, SearchPage, Sort,
    };
    use aicc_client::center::CenterInfo;
    use aicc_client::cohort_events::EventView;
    use aicc_client::config::{CenterAccount, Preferences};
    use aicc_client::cooperation::CooperationView;
    use aicc_client::credits::{BurnPoint, CreditView, CreditsView};
    use aicc_client::directory::{CheckedCertificate, DirectoryPage, DirectoryQuery};
    use aicc_client::drafts::{Draft, DraftKind};
    use aicc_client::incubation::{Due, IncubationView, MilestoneView};
    use aicc_client::jobs::JobView;
    use aicc_client::mentors::{MentorsView, OfficeHoursView};
    use aicc_client::network::{NetworkSettings, ProxySetting};
    use aicc_client::notifications::{Inbox, Notification};
    use aicc_client::outbox::{OutboxEntry, Refusal, Upload, Write};
    use aicc_client::searchable::{FacetCounts, Found, ValueCount};
    use aicc_client::sync::{SyncReport, SyncStatus};
    use aicc_client::talent::{
        CertificationStanding, CourseQuery, CourseView, HeldCertification, HolderSkills,
        SessionView, Skills,
    };
    use ts_rs::TS;

    use crate::desktop_notifications::{OPEN_ROUTE_EVENT, OpenRoute};
    use crate::error::CommandError;
    use crate::{COMMANDS, SYNC_REPORT_EVENT};
    use aicc_client::partner::{
        AccountList, CenterCompute, CenterEstimate, CenterState, FieldProblem,
    };

    fn typescript() -> String {
        let declarations = [
            Account::decl(),
            Role::decl(),
            Scope::decl(),
            NewPersonalToken::decl(),
            PersonalToken::decl(),
            Action::decl(),
            Standing::decl(),
            Member::decl(),
            MemberChange::decl(),
            NewInvitation::decl(),
            Invitation::decl(),
            CenterAccount::decl(),
            AccountList::decl(),
            CenterState::decl(),
            CenterCompute::decl(),
            PoolHistory::decl(),
            PoolSample::decl(),
            StartWindow::decl(),
            StartEstimate::decl(),
            ReasonCode::decl(),
            Programme::decl(),
            Cohort::decl(),
            Enrolment::decl(),
            Milestone::decl(),
            MilestoneState::decl(),
            MilestoneTransition::decl(),
            Evidence::decl(),
            IncubationView::decl(),
            MilestoneView::decl(),
            Due::decl(),
            Credit::decl(),
            CreditUsage::decl(),
            CreditCharge::decl(),
            CreditView::decl(),
            CreditsView::decl(),
            BurnPoint::decl(),
            CohortEvent::decl(),
            EventKind::decl(),
            Registration::decl(),
            EventView::decl(),
            Mentor::decl(),
            OfficeHours::decl(),
            OfficeHoursRequest::decl(),
            OfficeHoursState::decl(),
            OfficeHoursView::decl(),
            MentorsView::decl(),
            Solution::decl(),
            DirectoryPartner::decl(),
            PublicContact::decl(),
            SolutionProfile::decl(),
            CertificateStatus::decl(),
            CertificateCheck::decl(),
            CheckedCertificate::decl(),
            CooperationOffer::decl(),
            CooperationAsk::decl(),
            CooperationAnswer::decl(),
            CooperationState::decl(),
            Direction::decl(),
            Cooperation::decl(),
            CooperationView::decl(),
            DirectoryQuery::decl(),
            DirectoryPage::decl(),
            Found::<Solution>::decl(),
            CourseLevel::decl(),
            Course::decl(),
            CourseSession::decl(),
            Enrolled::decl(),
            CourseQuery::decl(),
            CourseView::decl(),
            SessionView::decl(),
            CertificationLevel::decl(),
            Certification::decl(),
            Holder::decl(),
            CertificationStanding::decl(),
            HeldCertification::decl(),
            HolderSkills::decl(),
            Skills::decl(),
            FacetCounts::decl(),
            ValueCount::decl(),
            EstimateSource::decl(),
            NotAdmissible::decl(),
            CenterEstimate::decl(),
            Preferences::decl(),
            NetworkSettings::decl(),
            ProxySetting::decl(),
            Framework::decl(),
            Model::decl(),
            ModelVersion::decl(),
            Metric::decl(),
            TrainingRecipe::decl(),
            ModelPage::decl(),
            ModelSummary::decl(),
            Facets::decl(),
            FacetCount::decl(),
            CatalogQuery::decl(),
            Sort::decl(),
            SearchPage::decl(),
            SyncStatus::decl(),
            SyncReport::decl(),
            Job::decl(),
            JobRequest::decl(),
            ModelRef::decl(),
            Priority::decl(),
            JobState::decl(),
            JobOutcome::decl(),
            JobTransition::decl(),
            Artifact::decl(),
            LogPage::decl(),
            LogLine::decl(),
            MetricSeries::decl(),
            Pool::decl(),
            Quota::decl(),
            CenterInfo::decl(),
            JobView::decl(),
            OutboxEntry::decl(),
            Upload::decl(),
            Write::decl(),
            Refusal::decl(),
            FieldProblem::decl(),
            ApplicationForm::decl(),
            Application::decl(),
            ApplicationState::decl(),
            ApplicationTransition::decl(),
            Attachment::decl(),
            ApplicationView::decl(),
            Draft::decl(),
            DraftKind::decl(),
            OrganisationKind::decl(),
            ProgrammeTier::decl(),
            Collection::decl(),
            Notification::decl(),
            Inbox::decl(),
            OpenRoute::decl(),
            ErrorCode::decl(),
            CommandError::decl(),
        ];
        let mut out = String::from(
            "// Generated from the Rust types by src-tauri/src/bindings.rs; do not edit.\n\
             // Regenerate with `UPDATE_BINDINGS=1 cargo test -p aicc-partner bindings`.\n",
        );
        for declaration in declarations {
            out.push_str("\nexport ");
            out.push_str(&declaration);
            out.push('\n');
        }
        // The rules' numbers the UI checks before asking (the center checks too).
        out.push_str(&format!(
            "\n/** The shortest password an invited member may choose. */\n\
             export const MIN_PASSWORD_CHARS = {};\n",
            aicc_api::members::MIN_PASSWORD_CHARS
        ));
        let ended: Vec<JobState> = JobState::ALL
            .into_iter()
            .filter(|state| state.is_final())
            .collect();
        out.push_str(&format!(
            "\n/** The states in which a job has ended (`JobState::is_final`). */\n\
             export const FINAL_JOB_STATES: readonly JobState[] = {};\n",
            serde_json::to_string(&ended).unwrap_or_default()
        ));
        let outcome_of: std::collections::BTreeMap<&str, JobOutcome> = JobState::ALL
            .into_iter()
            .map(|state| (state.as_str(), state.outcome()))
            .collect();
        let constants = [
            (
                "The outcomes, in the order the jobs list offers them (`JobOutcome::ALL`).",
                "JOB_OUTCOMES: readonly JobOutcome[]",
                serde_json::to_string(&JobOutcome::ALL),
            ),
            (
                "How each state stands or ended (`JobState::outcome`).",
                "JOB_OUTCOME: Readonly<Record<JobState, JobOutcome>>",
                serde_json::to_string(&outcome_of),
            ),
            (
                "The states in which a job may still be cancelled (`JobState::may_be_cancelled`).",
                "CANCELLABLE_JOB_STATES: readonly JobState[]",
                serde_json::to_string(
                    &JobState::ALL
                        .into_iter()
                        .filter(|state| state.may_be_cancelled())
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                "Every framework the catalog knows (`Framework::ALL`).",
                "FRAMEWORKS: readonly Framework[]",
                serde_json::to_string(&Framework::ALL),
            ),
            (
                "Every order the catalog can be shown in (`Sort::ALL`).",
                "SORTS: readonly Sort[]",
                serde_json::to_string(&Sort::ALL),
            ),
        ];
        for (doc, declaration, value) in constants {
            out.push_str(&format!(
                "\n/** {doc} */\nexport const {declaration} = {};\n",
                value.unwrap_or_default()
            ));
        }
        out
    }

    fn ui_file(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../ui/src/lib")
            .join(name)
    }

    #[test]
    fn checked_in_bindings_match_the_rust_types() {
        let path = ui_file("bindings.ts");
        let fresh = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p aicc-partner bindings`"
        );
    }

    #[test]
    fn the_ui_wrapper_invokes_every_command_once_and_no_other() {
        let api = std::fs::read_to_string(ui_file("api.ts")).unwrap();
        let invoked: Vec<&str> = api
            .split("invoke<")
            .skip(1)
            .filter_map(|rest| {
                rest.split_once("('")?
                    .1
                    .split_once('\'')
                    .map(|(name, _)| name)
            })
            .collect();
        let mut expected = COMMANDS.to_vec();
        let mut invoked_sorted = invoked.clone();
        expected.sort_unstable();
        invoked_sorted.sort_unstable();
        assert_eq!(
            invoked_sorted, expected,
            "ui/src/lib/api.ts must wrap each command once"
        );
    }

    #[test]
    fn the_ui_listens_to_the_events_the_app_sends() {
        let api = std::fs::read_to_string(ui_file("api.ts")).unwrap();
        for (constant, name) in [
            ("SYNC_REPORT_EVENT", SYNC_REPORT_EVENT),
            ("OPEN_ROUTE_EVENT", OPEN_ROUTE_EVENT),
        ] {
            assert!(
                api.contains(&format!("export const {constant} = '{name}';")),
                "ui/src/lib/api.ts must name the {name} event as {constant}"
            );
        }
    }
}
