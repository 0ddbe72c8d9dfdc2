//! `aicc-portal`: the center's service for AICC Partner.
//!
//! `serve` runs it; `admin …` is for the center's staff and works on the
//! same data directory, also while the portal serves.

use std::io::{BufRead as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;

use aicc_api::applications::{Review, ReviewAction};
use aicc_api::auth::Role;
use aicc_api::incubation::{MilestoneDecision, MilestoneReview, MilestoneState, OfficeHoursState};
use aicc_api::members::MIN_PASSWORD_CHARS;
use aicc_portal::config::{Config, TlsConfig};
use aicc_portal::db::Db;
use aicc_portal::{Portal, accounts, admin, applications, catalog, incubation, jobs, talent};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "aicc-portal",
    version,
    about = "The AI computing center's portal for AICC Partner"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Common {
    /// A TOML config file; flags and environment variables override it.
    #[arg(long, global = true, env = "AICC_PORTAL_CONFIG")]
    config: Option<PathBuf>,
    /// Directory of the portal's database and attachments.
    #[arg(long, global = true, env = "AICC_PORTAL_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal's HTTP API.
    Serve {
        /// Address to listen on; port 0 picks a free one. The chosen address
        /// is printed on the first line of stdout.
        #[arg(long, env = "AICC_PORTAL_LISTEN")]
        listen: Option<SocketAddr>,
        /// Serve HTTPS with this certificate chain (PEM, leaf first).
        #[arg(long, env = "AICC_PORTAL_TLS_CERTIFICATE", requires = "tls_key")]
        tls_certificate: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, env = "AICC_PORTAL_TLS_KEY", requires = "tls_certificate")]
        tls_key: Option<PathBuf>,
        /// Seed the demo: catalog, organisations, accounts (password
        /// `demo-password`), pools and quotas.
        #[arg(long)]
        demo: bool,
    },
    /// Center staff's commands.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an organisation.
    CreateOrganisation {
        #[arg(long)]
        name: String,
        /// e.g. incubated_startup, isv, ihv, si, research_institute, university, center.
        #[arg(long)]
        kind: String,
    },
    /// Create a user, or reset their password (a deactivated user stays
    /// deactivated); the password is read from stdin. Center staff belong
    /// to the center's organisation, partners' roles to partners'.
    CreateUser {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Deactivate a user (a partner's who left, or one of the center's
    /// staff): every session and token they hold ends at once.
    DeactivateUser {
        #[arg(long)]
        email: String,
    },
    /// Let a deactivated user sign in again.
    ReactivateUser {
        #[arg(long)]
        email: String,
    },
    /// Set an organisation's NPU-hour quota.
    SetQuota {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        npu_hours: f64,
    },
    /// Give an organisation's attachments more (or less) room than the
    /// config's `attachment_storage_mib_per_organisation`; without
    /// `--mib`, the config's again.
    SetAttachmentStorage {
        #[arg(long)]
        organisation: String,
        /// 0 refuses every new attachment; at most 1048576 (1 TiB).
        #[arg(long, value_parser = clap::value_parser!(u64).range(..=1_048_576))]
        mib: Option<u64>,
    },
    /// Add a pool of NPU nodes, or resize one.
    SetPool {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// e.g. "Ascend 910B".
        #[arg(long)]
        npu_kind: String,
        #[arg(long)]
        npus_per_node: u32,
        #[arg(long)]
        nodes: u32,
    },
    /// List the pools with their free NPUs and queues.
    ListPools,
    /// List every partner application.
    ListApplications,
    /// Move an application through review.
    Review {
        /// The application's id (`app_…`).
        #[arg(long)]
        id: String,
        #[arg(long, value_enum)]
        action: ActionArg,
        /// Required when requesting changes: what to change.
        #[arg(long)]
        comment: Option<String>,
        /// The reviewer's e-mail, recorded in the timeline.
        #[arg(long = "as")]
        reviewer: String,
    },
    /// Make an incubation programme's cohort (and the programme, if new).
    CreateCohort {
        #[arg(long)]
        programme: String,
        /// Replaces the programme's description (kept when not given).
        #[arg(long)]
        description: Option<String>,
        /// The center staff running the programme (e-mail; repeat).
        #[arg(long = "staff")]
        staff: Vec<String>,
        #[arg(long)]
        cohort: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        starts_on: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        ends_on: String,
    },
    /// Enrol an incubated startup in a cohort (or move it to another).
    Enrol {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        programme: String,
        #[arg(long)]
        cohort: String,
    },
    /// Add a milestone to an enrolled startup's plan.
    AddMilestone {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// What the center expects to see.
        #[arg(long)]
        deliverable: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        due_on: String,
        /// The staff member planning it, recorded in the timeline.
        #[arg(long = "as")]
        staff: String,
    },
    /// List every startup's milestones (those in one state with --state).
    ListMilestones {
        /// e.g. submitted: what waits for a reviewer.
        #[arg(long)]
        state: Option<String>,
    },
    /// Show a milestone whole: what was asked, the evidence, the timeline.
    ShowMilestone {
        #[arg(long)]
        id: String,
    },
    /// Accept a milestone's evidence or ask for changes.
    ReviewMilestone {
        /// The milestone's id (`ms_…`).
        #[arg(long)]
        id: String,
        #[arg(long, value_enum)]
        decision: DecisionArg,
        /// Required when asking for changes: what to change.
        #[arg(long)]
        comment: Option<String>,
        /// The reviewer's e-mail, recorded in the timeline.
        #[arg(long = "as")]
        reviewer: String,
    },
    /// Grant an organisation NPU-hours of compute credits, spent before its
    /// quota until they expire.
    GrantCredits {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        npu_hours: f64,
        /// Why, as the startup will read it.
        #[arg(long)]
        reason: String,
        /// YYYY-MM-DD (through that day in UTC) or an RFC 3339 instant.
        #[arg(long)]
        expires: String,
        /// The staff member granting them.
        #[arg(long = "as")]
        staff: String,
    },
    /// List the credits granted (one organisation's with --organisation):
    /// granted, used, left and expiry.
    ListCredits {
        #[arg(long)]
        organisation: Option<String>,
    },
    /// End a grant of credits now (one given by mistake): what jobs spent
    /// of it stays spent; the rest counts for nothing from now on.
    RevokeCredits {
        /// The grant's id (`cr_…`), as list-credits shows it.
        #[arg(long)]
        id: String,
        /// The staff member ending it.
        #[arg(long = "as")]
        staff: String,
    },
    /// Plan an event of a cohort: a demo day, a training, a hackathon.
    AddEvent {
        #[arg(long)]
        programme: String,
        #[arg(long)]
        cohort: String,
        #[arg(long, value_enum)]
        kind: EventKindArg,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// With its offset, e.g. 2027-03-20T09:00:00+08:00.
        #[arg(long)]
        starts_at: String,
        #[arg(long)]
        ends_at: String,
        /// A room or an address (or leave it out for an event online only).
        #[arg(long, default_value = "")]
        place: String,
        /// An https link to join online.
        #[arg(long)]
        link: Option<String>,
        #[arg(long)]
        seats: u32,
    },
    /// List every cohort's events with their seats and waitlists.
    ListEvents,
    /// Show who registered for an event, in order: seats, then the waitlist.
    ShowEvent {
        #[arg(long)]
        id: String,
    },
    /// Add a mentor of the center's network.
    AddMentor {
        #[arg(long)]
        name: String,
        /// What they know, e.g. "MindSpore training, model conversion".
        #[arg(long)]
        expertise: String,
        /// The languages they hold office hours in: zh-CN, en (repeat).
        #[arg(long = "language", required = true)]
        languages: Vec<String>,
    },
    /// Assign a mentor to a startup.
    AssignMentor {
        /// The mentor's id (`mtr_…`), as list-mentors shows it.
        #[arg(long)]
        mentor: String,
        #[arg(long)]
        organisation: String,
    },
    /// List the mentors and the startups each is assigned to.
    ListMentors,
    /// List the requests for office hours (those in one state with --state).
    ListOfficeHours {
        /// requested: what waits for a mentor's answer.
        #[arg(long)]
        state: Option<String>,
    },
    /// Give a mentor's answer to a request for office hours: take one of
    /// its slots (--slot N, from 1), or decline with a note.
    AnswerOfficeHours {
        /// The request's id (`oh_…`).
        #[arg(long)]
        id: String,
        #[arg(long, conflicts_with = "decline")]
        slot: Option<usize>,
        #[arg(long)]
        decline: bool,
        /// Where to meet, or why not (required when declining).
        #[arg(long)]
        note: Option<String>,
    },
    /// Revoke a solution's certificate: its solution leaves the directory
    /// and checks of the certificate say revoked, with the reason.
    RevokeCertificate {
        /// e.g. AICC-ASC-2026-000042.
        #[arg(long)]
        certificate: String,
        /// Why, as checks of the certificate will say.
        #[arg(long)]
        reason: String,
        /// The staff member revoking it.
        #[arg(long = "as")]
        staff: String,
    },
    /// How many requests to cooperate each pair of partners made and how
    /// many were accepted (what they wrote is theirs: never shown here).
    ListCooperation,
    /// Add a course of the talent platform.
    AddCourse {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        summary: String,
        #[arg(long, value_enum)]
        level: CourseLevelArg,
        /// zh-CN or en.
        #[arg(long)]
        language: String,
        /// Teaching hours in all.
        #[arg(long)]
        hours: u32,
        /// e.g. "Ascend C" (repeat).
        #[arg(long = "topic")]
        topics: Vec<String>,
        /// What an engineer should know first (repeat).
        #[arg(long = "prerequisite")]
        prerequisites: Vec<String>,
    },
    /// Plan a session of a course.
    AddSession {
        /// The course's id (`crs_…`), as list-courses shows it.
        #[arg(long)]
        course: String,
        /// With its offset, e.g. 2027-03-20T09:00:00+08:00.
        #[arg(long)]
        starts_at: String,
        #[arg(long)]
        ends_at: String,
        /// A room or an address (or leave it out for a session online only).
        #[arg(long, default_value = "")]
        place: String,
        /// An https link to join online.
        #[arg(long)]
        link: Option<String>,
        #[arg(long)]
        seats: u32,
    },
    /// List the courses and their sessions with seats and waitlists.
    ListCourses,
    /// Show who enrolled in a session, in order: seats, then the waitlist.
    ShowSession {
        #[arg(long)]
        id: String,
    },
    /// Withdraw a certification recorded in error; the apps that hold it
    /// see it removed.
    WithdrawCertification {
        /// e.g. AICC-ENG-2026-000042.
        #[arg(long)]
        id: String,
        /// Why, e.g. "recorded for the wrong engineer".
        #[arg(long)]
        reason: String,
        /// The staff member withdrawing it.
        #[arg(long = "as")]
        staff: String,
    },
    /// Record an engineer's certification; it holds three years unless
    /// --expires says otherwise.
    RecordCertification {
        /// The engineer's e-mail.
        #[arg(long)]
        email: String,
        /// e.g. "Ascend C Operator Developer".
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        level: CertificationLevelArg,
        /// YYYY-MM-DD.
        #[arg(long)]
        issued: String,
        /// YYYY-MM-DD, the last day it holds.
        #[arg(long)]
        expires: Option<String>,
        /// The staff member recording it.
        #[arg(long = "as")]
        staff: String,
    },
    /// Add or update catalog models from a JSON file (an array of models).
    ImportModels { file: PathBuf },
    /// Retire a catalog model; apps see it removed.
    RetireModel { id: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum CourseLevelArg {
    Foundation,
    Intermediate,
    Advanced,
}

impl From<CourseLevelArg> for aicc_api::talent::CourseLevel {
    fn from(level: CourseLevelArg) -> Self {
        match level {
            CourseLevelArg::Foundation => Self::Foundation,
            CourseLevelArg::Intermediate => Self::Intermediate,
            CourseLevelArg::Advanced => Self::Advanced,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CertificationLevelArg {
    Associate,
    Professional,
    Expert,
}

impl From<CertificationLevelArg> for aicc_api::talent::CertificationLevel {
    fn from(level: CertificationLevelArg) -> Self {
        match level {
            CertificationLevelArg::Associate => Self::Associate,
            CertificationLevelArg::Professional => Self::Professional,
            CertificationLevelArg::Expert => Self::Expert,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum EventKindArg {
    DemoDay,
    Training,
    Hackathon,
    Workshop,
}

impl From<EventKindArg> for aicc_api::incubation::EventKind {
    fn from(kind: EventKindArg) -> Self {
        match kind {
            EventKindArg::DemoDay => Self::DemoDay,
            EventKindArg::Training => Self::Training,
            EventKindArg::Hackathon => Self::Hackathon,
            EventKindArg::Workshop => Self::Workshop,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DecisionArg {
    Accept,
    RequestChanges,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    PartnerMember,
    PartnerAdmin,
    CenterReviewer,
    CenterAdmin,
}

#[derive(Clone, Copy, ValueEnum)]
enum ActionArg {
    StartReview,
    RequestChanges,
    Approve,
    Reject,
    StartAdapting,
    Certify,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut config = match &cli.common.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(dir) = cli.common.data_dir {
        config.data_dir = dir;
    }
    match cli.command {
        Command::Serve {
            listen,
            tls_certificate,
            tls_key,
            demo,
        } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            if let (Some(certificate), Some(key)) = (tls_certificate, tls_key) {
                config.tls = Some(TlsConfig { certificate, key });
            }
            serve(config, demo).await
        }
        Command::Admin(command) => {
            let db = Db::open(&config.data_dir.join("portal.sqlite3"))?;
            tokio::task::spawn_blocking(move || run_admin(&db, command)).await?
        }
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let listen = config.listen;
    let https = config.tls.is_some();
    let portal = Portal::open(config, demo)?;
    let listener = TcpListener::bind(listen).await.with_context(|| {
        format!(
            "cannot listen on {listen}: is another program using it? Choose another address with \
             --listen, or port 0 for any free port"
        )
    })?;
    let local = listener.local_addr()?;
    let scheme = if https { "https" } else { "http" };
    // Scripts read the chosen address from this first line.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {scheme}://{local}")?;
    stdout.flush()?;
    drop(stdout);
    if !https && !local.ip().is_loopback() {
        tracing::warn!(
            %local,
            "serving plain HTTP beyond this machine: tokens and partners' data cross the network \
             readable; name a certificate ([tls] in the config) or put a TLS proxy in front"
        );
    }
    tracing::info!(%local, demo, "portal started");
    portal.serve(listener, shutdown_signal()).await?;
    tracing::info!("portal stopped");
    Ok(())
}

/// A partner's or staff member's text as a terminal may print it: control
/// characters (which could move the cursor or retitle the window) escaped.
fn shown(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn run_admin(db: &Db, command: AdminCommand) -> anyhow::Result<()> {
    db.blocking(|conn| -> anyhow::Result<()> {
        match command {
            AdminCommand::CreateOrganisation { name, kind } => {
                let id = accounts::ensure_organisation(conn, &name, &kind)?;
                println!("organisation {id}: {name}");
            }
            AdminCommand::CreateUser {
                organisation,
                email,
                name,
                role,
            } => {
                let org = admin::organisation_id(conn, &organisation)?;
                let mut password = String::new();
                std::io::stdin().lock().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']);
                anyhow::ensure!(
                    password.chars().count() >= MIN_PASSWORD_CHARS,
                    "the password (read from stdin) must have at least {MIN_PASSWORD_CHARS} characters"
                );
                let role = match role {
                    RoleArg::PartnerMember => Role::PartnerMember,
                    RoleArg::PartnerAdmin => Role::PartnerAdmin,
                    RoleArg::CenterReviewer => Role::CenterReviewer,
                    RoleArg::CenterAdmin => Role::CenterAdmin,
                };
                accounts::upsert_user(conn, org, &email, &name, role, password)?;
                println!("user {email} ({}) in {organisation}", role.as_str());
                match admin::deactivated_by(conn, &email)? {
                    Some(admin::DeactivatedBy::Organisation) => println!(
                        "{email} stays deactivated, as their organisation chose: a partner admin \
                         reactivates them in the app's Settings → Members"
                    ),
                    Some(admin::DeactivatedBy::Center) => println!(
                        "{email} stays deactivated, as the center chose: \
                         `aicc-portal admin reactivate-user --email {email}` lets them in again"
                    ),
                    None => {}
                }
            }
            AdminCommand::DeactivateUser { email } => {
                admin::set_active(conn, &email, false)?;
                println!("{email} is deactivated; their sessions and tokens have ended");
            }
            AdminCommand::ReactivateUser { email } => {
                admin::set_active(conn, &email, true)?;
                println!("{email} may sign in again");
            }
            AdminCommand::SetQuota {
                organisation,
                npu_hours,
            } => {
                anyhow::ensure!(npu_hours >= 0.0, "the quota cannot be negative");
                let org = admin::organisation_id(conn, &organisation)?;
                jobs::set_quota(conn, org, npu_hours)?;
                println!("{organisation}: {npu_hours} NPU-hours");
            }
            AdminCommand::SetAttachmentStorage { organisation, mib } => {
                let org = admin::organisation_id(conn, &organisation)?;
                admin::set_attachment_storage(conn, org, mib)?;
                match mib {
                    Some(mib) => println!("{organisation}: {mib} MiB for attachments"),
                    None => println!("{organisation}: the config's room for attachments"),
                }
            }
            AdminCommand::SetPool {
                id,
                name,
                npu_kind,
                npus_per_node,
                nodes,
            } => {
                anyhow::ensure!(npus_per_node > 0, "a node has at least one NPU");
                jobs::upsert_pool(conn, &id, &name, &npu_kind, npus_per_node, nodes)?;
                println!("pool {id}: {nodes} × {npus_per_node} {npu_kind}");
            }
            AdminCommand::ListPools => {
                for pool in jobs::list_pools(conn)? {
                    println!(
                        "{}\t{}\t{}\t{}/{} NPUs free\t{} queued",
                        pool.id,
                        pool.name,
                        pool.npu_kind,
                        pool.free_npus,
                        pool.total_npus,
                        pool.queued_jobs
                    );
                }
            }
            AdminCommand::ListApplications => {
                for (organisation, application) in applications::list_all(conn)? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        application.id,
                        application.state.as_str(),
                        organisation,
                        application.form.solution_name,
                        application.updated_at
                    );
                }
            }
            AdminCommand::Review {
                id,
                action,
                comment,
                reviewer,
            } => {
                let action = match action {
                    ActionArg::StartReview => ReviewAction::StartReview,
                    ActionArg::RequestChanges => ReviewAction::RequestChanges,
                    ActionArg::Approve => ReviewAction::Approve,
                    ActionArg::Reject => ReviewAction::Reject,
                    ActionArg::StartAdapting => ReviewAction::StartAdapting,
                    ActionArg::Certify => ReviewAction::Certify,
                };
                let application = admin::review(conn, &id, &reviewer, &Review { action, comment })?;
                println!("{id}: {}", application.state.as_str());
                if let Some(certificate) = application.certificate_id {
                    println!("certificate {certificate}");
                }
            }
            AdminCommand::CreateCohort {
                programme,
                description,
                staff,
                cohort,
                starts_on,
                ends_on,
            } => {
                let staff: Vec<&str> = staff.iter().map(String::as_str).collect();
                let tx = conn.transaction()?;
                let (id, created) = incubation::store::ensure_cohort(
                    &tx,
                    &incubation::store::CohortPlan {
                        programme: &programme,
                        description: description.as_deref(),
                        staff: &staff,
                        cohort: &cohort,
                        starts_on: &starts_on,
                        ends_on: &ends_on,
                    },
                )?;
                tx.commit()?;
                let what = if created { "created" } else { "updated" };
                println!("cohort {id} {what}: {programme} · {cohort} ({starts_on} – {ends_on})");
            }
            AdminCommand::Enrol {
                organisation,
                programme,
                cohort,
            } => {
                let org = admin::organisation_id(conn, &organisation)?;
                let cohort_id = incubation::store::cohort_id(conn, &programme, &cohort)?;
                incubation::store::enrol(conn, org, &cohort_id)?;
                println!("{organisation} is enrolled in {programme} · {cohort}");
            }
            AdminCommand::GrantCredits {
                organisation,
                npu_hours,
                reason,
                expires,
                staff,
            } => {
                let grant = incubation::credits::Grant {
                    npu_hours,
                    reason: &reason,
                    expires_at: incubation::credits::expiry(&expires)?,
                };
                let id = admin::grant_credits(conn, &organisation, &staff, &grant)?;
                let credit = incubation::credits::load(conn, &id)?;
                println!(
                    "credits {id}: {:.1} NPU-hours for {organisation}, until {}",
                    credit.npu_hours, credit.expires_at
                );
            }
            AdminCommand::ListCredits { organisation } => {
                let organisation = organisation
                    .map(|name| admin::organisation_id(conn, &name))
                    .transpose()?;
                let now = aicc_portal::clock::rfc3339(aicc_portal::clock::now_ms());
                for (id, name) in incubation::credits::list(conn, organisation)? {
                    let credit = incubation::credits::load(conn, &id)?;
                    let left = if credit.expires_at <= now {
                        "expired".to_owned()
                    } else {
                        format!(
                            "{:.1} left",
                            (credit.npu_hours - credit.npu_hours_used).max(0.0)
                        )
                    };
                    println!(
                        "{id}\t{}\t{:.1} granted\t{:.1} used\t{left}\tuntil {}\t{}",
                        shown(&name),
                        credit.npu_hours,
                        credit.npu_hours_used,
                        credit.expires_at,
                        shown(&credit.reason)
                    );
                }
            }
            AdminCommand::RevokeCertificate {
                certificate,
                reason,
                staff,
            } => {
                let certificate = aicc_api::directory::certificate_id(&certificate)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                admin::revoke_certificate(conn, &certificate, &reason, &staff)?;
                println!("{certificate} revoked: its solution left the directory");
            }
            AdminCommand::ListCooperation => {
                for (from, to, asked, accepted) in
                    aicc_portal::directory::store::cooperation_counts(conn)?
                {
                    println!("{}\t{}\t{asked} asked\t{accepted} accepted", shown(&from), shown(&to));
                }
            }
            AdminCommand::AddCourse {
                title,
                summary,
                level,
                language,
                hours,
                topics,
                prerequisites,
            } => {
                let plan = talent::store::CoursePlan {
                    title: &title,
                    summary: &summary,
                    level: level.into(),
                    language: &language,
                    duration_hours: hours,
                    topics: &topics,
                    prerequisites: &prerequisites,
                };
                let id = talent::store::add_course(conn, &plan, aicc_portal::clock::now_ms())?;
                println!("course {id}: {title}");
            }
            AdminCommand::AddSession {
                course,
                starts_at,
                ends_at,
                place,
                link,
                seats,
            } => {
                let occasion = aicc_portal::gathering::Occasion {
                    starts_at: aicc_portal::gathering::instant(&starts_at, "starts_at")?,
                    ends_at: aicc_portal::gathering::instant(&ends_at, "ends_at")?,
                    place: &place,
                    link: link.as_deref(),
                    seats,
                };
                let tx = conn.transaction()?;
                let id = talent::store::add_session(&tx, &course, &occasion, aicc_portal::clock::now_ms())?;
                tx.commit()?;
                println!("session {id}: {seats} seats");
            }
            AdminCommand::ListCourses => {
                for (id, _) in talent::store::list(conn)? {
                    let course = talent::store::load(conn, &id, 0, 0)?;
                    println!(
                        "{id}\t{}\t{}\t{}\t{} h",
                        course.level.as_str(),
                        course.language,
                        shown(&course.title),
                        course.duration_hours
                    );
                    for session in &course.sessions {
                        println!(
                            "  {}\t{}\t{}/{} seats, {} waiting",
                            session.id, session.starts_at, session.seats_taken, session.seats, session.waitlisted
                        );
                    }
                }
            }
            AdminCommand::ShowSession { id } => {
                for (place, (email, organisation, seated)) in
                    talent::store::attendees(conn, &id)?.into_iter().enumerate()
                {
                    let standing = if seated { "seat" } else { "waiting" };
                    println!("{}\t{standing}\t{}\t{}", place + 1, shown(&email), shown(&organisation));
                }
            }
            AdminCommand::RecordCertification {
                email,
                name,
                level,
                issued,
                expires,
                staff,
            } => {
                let recorded = talent::store::Recorded {
                    email: &email,
                    name: &name,
                    level: level.into(),
                    issued_on: &issued,
                    expires_on: expires.as_deref(),
                    staff: &staff,
                };
                let id = admin::record_certification(conn, &recorded)?;
                println!("certification {id} recorded for {}", shown(email.trim()));
            }
            AdminCommand::WithdrawCertification { id, reason, staff } => {
                let id = id.trim().to_uppercase();
                admin::withdraw_certification(conn, &id, &reason, &staff)?;
                println!("certification {} withdrawn", shown(&id));
            }
            AdminCommand::RevokeCredits { id, staff } => {
                admin::revoke_credits(conn, &id, &staff)?;
                println!("credits {id} ended: what was spent stays spent");
            }
            AdminCommand::AddEvent {
                programme,
                cohort,
                kind,
                title,
                description,
                starts_at,
                ends_at,
                place,
                link,
                seats,
            } => {
                let cohort_id = incubation::store::cohort_id(conn, &programme, &cohort)?;
                let plan = incubation::events::Plan {
                    kind: kind.into(),
                    title: &title,
                    description: &description,
                    starts_at: aicc_portal::gathering::instant(&starts_at, "starts_at")?,
                    ends_at: aicc_portal::gathering::instant(&ends_at, "ends_at")?,
                    place: &place,
                    link: link.as_deref(),
                    seats,
                };
                let tx = conn.transaction()?;
                let id = incubation::events::add(&tx, &cohort_id, &plan, aicc_portal::clock::now_ms())?;
                tx.commit()?;
                println!("event {id}: {title}, {seats} seats");
            }
            AdminCommand::ListEvents => {
                for (id, cohort) in incubation::events::list(conn)? {
                    let event = incubation::events::load(conn, &id, 0)?;
                    println!(
                        "{id}\t{}\t{}\t{}\t{}/{} seats, {} waiting\t{}",
                        shown(&cohort),
                        event.kind.as_str(),
                        event.starts_at,
                        event.seats_taken,
                        event.seats,
                        event.waitlisted,
                        shown(&event.title)
                    );
                }
            }
            AdminCommand::ShowEvent { id } => {
                let event = incubation::events::load(conn, &id, 0)?;
                println!("{}\n{} – {}", shown(&event.title), event.starts_at, event.ends_at);
                for (place, (email, seated)) in incubation::events::attendees(conn, &id)?
                    .into_iter()
                    .enumerate()
                {
                    let standing = if seated { "seat" } else { "waiting" };
                    println!("{}\t{standing}\t{}", place + 1, shown(&email));
                }
            }
            AdminCommand::AddMentor {
                name,
                expertise,
                languages,
            } => {
                let id = incubation::mentors::add(conn, &name, &expertise, &languages)?;
                println!("mentor {id}: {name}");
            }
            AdminCommand::AssignMentor {
                mentor,
                organisation,
            } => {
                let org = admin::organisation_id(conn, &organisation)?;
                incubation::mentors::assign(conn, &mentor, org)?;
                println!("{mentor} mentors {organisation}");
            }
            AdminCommand::ListMentors => {
                for (mentor, startups) in incubation::mentors::list(conn)? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        mentor.id,
                        shown(&mentor.name),
                        shown(&mentor.expertise),
                        mentor.languages.join(" "),
                        shown(&startups.join(", "))
                    );
                }
            }
            AdminCommand::ListOfficeHours { state } => {
                let wanted = match state.as_deref() {
                    Some(name) => Some(OfficeHoursState::parse(name).with_context(|| {
                        format!("no state \"{name}\"; say requested, accepted or declined")
                    })?),
                    None => None,
                };
                for (organisation, asked) in incubation::mentors::list_requests(conn, wanted)? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        asked.id,
                        shown(&organisation),
                        shown(&asked.mentor.name),
                        asked.state.as_str(),
                        asked
                            .slots
                            .iter()
                            .enumerate()
                            .map(|(i, s)| format!("{}) {s}", i + 1))
                            .collect::<Vec<_>>()
                            .join(" "),
                        shown(&asked.topic).replace('\n', "\\n")
                    );
                }
            }
            AdminCommand::AnswerOfficeHours {
                id,
                slot,
                decline,
                note,
            } => {
                if slot.is_none() && !decline {
                    anyhow::bail!("say --slot N to take a slot, or --decline with a --note");
                }
                let tx = conn.transaction()?;
                incubation::mentors::answer(
                    &tx,
                    &id,
                    slot,
                    note.as_deref(),
                    aicc_portal::clock::now_ms(),
                )?;
                let answered = incubation::mentors::load(&tx, &id)?;
                tx.commit()?;
                println!("{id} {}", answered.state.as_str());
            }
            AdminCommand::AddMilestone {
                organisation,
                title,
                description,
                deliverable,
                due_on,
                staff,
            } => {
                let plan = incubation::store::Plan {
                    title: &title,
                    description: &description,
                    deliverable: &deliverable,
                    due_on: &due_on,
                };
                let id = admin::add_milestone(conn, &organisation, &staff, &plan)?;
                println!("milestone {id}: {title}, due {due_on}");
            }
            AdminCommand::ListMilestones { state } => {
                let wanted = match state.as_deref() {
                    Some(name) => Some(MilestoneState::parse(name).with_context(|| {
                        format!(
                            "no milestone state \"{name}\"; say planned, submitted, accepted or changes_requested"
                        )
                    })?),
                    None => None,
                };
                for (organisation, milestone) in incubation::store::list(conn)? {
                    if wanted.is_some_and(|state| state != milestone.state) {
                        continue;
                    }
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        milestone.id,
                        milestone.state.as_str(),
                        shown(&organisation),
                        milestone.due_on,
                        shown(&milestone.title)
                    );
                }
            }
            AdminCommand::ShowMilestone { id } => {
                let (organisation, milestone) = incubation::store::list(conn)?
                    .into_iter()
                    .find(|(_, m)| m.id == id)
                    .with_context(|| format!("no milestone \"{id}\"; list-milestones shows them"))?;
                println!("{} · {}", shown(&milestone.title), shown(&organisation));
                println!("state: {}, due {}", milestone.state.as_str(), milestone.due_on);
                println!("expected: {}", shown(&milestone.deliverable));
                if let Some(evidence) = &milestone.evidence {
                    println!("evidence:\n{}", shown(&evidence.text));
                }
                if let Some(comment) = &milestone.review_comment {
                    println!("review comment: {}", shown(comment));
                }
                for t in &milestone.timeline {
                    println!(
                        "{}\t{}\t{}{}",
                        t.at,
                        t.to.as_str(),
                        shown(&t.actor),
                        t.comment
                            .as_deref()
                            .map(|c| format!("\t{}", shown(c)))
                            .unwrap_or_default()
                    );
                }
            }
            AdminCommand::ReviewMilestone {
                id,
                decision,
                comment,
                reviewer,
            } => {
                let decision = match decision {
                    DecisionArg::Accept => MilestoneDecision::Accept,
                    DecisionArg::RequestChanges => MilestoneDecision::RequestChanges,
                };
                let milestone = admin::review_milestone(
                    conn,
                    &id,
                    &reviewer,
                    &MilestoneReview { decision, comment },
                )?;
                println!("{id}: {}", milestone.state.as_str());
            }
            AdminCommand::ImportModels { file } => {
                let json = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let count = admin::import_models(conn, &json)?;
                println!("{count} models added or updated");
            }
            AdminCommand::RetireModel { id } => {
                anyhow::ensure!(
                    catalog::retire(conn, &id)?,
                    "no model \"{id}\" in the catalog"
                );
                println!("{id} retired");
            }
        }
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl+C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
