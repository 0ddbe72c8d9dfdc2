//! The access matrix: every route of the portal's OpenAPI document, asked
//! by every kind of caller about an object of their own organisation and
//! about another organisation's, answers the status `access.toml` gives.
//!
//! The routes come from the running portal's own document (and the two it
//! serves beside it, `/health` and the document itself), so a route
//! added without rows in the data file fails here, as does a row for a
//! route that no longer exists. Each cell that writes gets objects of its
//! own, made just before it asks, so cells cannot disturb one another.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use aicc_api::auth::Role;
use aicc_portal::accounts;
use aicc_portal::config::{Config, ExecutorConfig};
use common::{PDF, Server, complete_form, job};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

const MATRIX: &str = include_str!("access.toml");

/// Routes the portal serves that its OpenAPI document does not describe.
const SERVED_BESIDE: [(&str, &str); 2] = [("GET", "/health"), ("GET", "/v1/openapi.json")];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Matrix {
    route: Vec<Row>,
}

/// One route: how to ask it, and what each caller is answered.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    method: String,
    path: String,
    /// A named body (`@job`, `@form`, …) or JSON text.
    body: Option<String>,
    query: Option<String>,
    /// The state the application the route is about is put in first.
    #[serde(default)]
    application: Stage,
    /// The state the milestone the route is about is put in first.
    #[serde(default)]
    milestone: MilestoneStage,
    /// For routes about no object of an organisation.
    any: Option<Cells>,
    /// About an object of Demo Robotics (or the caller's own).
    own: Option<Cells>,
    /// About an object of Other Vision (or another user's).
    other: Option<Cells>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stage {
    #[default]
    Draft,
    Submitted,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum MilestoneStage {
    #[default]
    Planned,
    Submitted,
}

/// The expected status for each caller.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cells {
    anonymous: u16,
    member: u16,
    admin: u16,
    outsider: u16,
    reviewer: u16,
    center: u16,
}

impl Cells {
    fn of(&self, caller: Caller) -> u16 {
        match caller {
            Caller::Anonymous => self.anonymous,
            Caller::Member => self.member,
            Caller::Admin => self.admin,
            Caller::Outsider => self.outsider,
            Caller::Reviewer => self.reviewer,
            Caller::Center => self.center,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Anonymous,
    /// A partner member of Demo Robotics.
    Member,
    /// The partner admin of Demo Robotics.
    Admin,
    /// A partner member of Other Vision.
    Outsider,
    Reviewer,
    /// A center admin.
    Center,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Member,
    Caller::Admin,
    Caller::Outsider,
    Caller::Reviewer,
    Caller::Center,
];

impl Caller {
    fn email(self) -> Option<&'static str> {
        match self {
            Caller::Anonymous => None,
            Caller::Member => Some("engineer@demo.aicc"),
            Caller::Admin => Some("partner@demo.aicc"),
            Caller::Outsider => Some("member@other.aicc"),
            Caller::Reviewer => Some("reviewer@demo.aicc"),
            Caller::Center => Some("admin@demo.aicc"),
        }
    }
}

/// Whose object a cell asks about.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Owner {
    /// No organisation's: the catalog, the caller's own lists.
    Any,
    /// Demo Robotics', made by its partner admin.
    Own,
    /// Other Vision's, made by its partner admin.
    Other,
}

const OWN_ADMIN: &str = "partner@demo.aicc";
const OTHER_ADMIN: &str = "lead@other.aicc";
/// Demo Robotics's partner member.
const OWN_MEMBER: &str = "engineer@demo.aicc";
const MODEL: &str = "resnet50";
const POOL: &str = "atlas-800t-a2";

/// The objects a cell's path names.
#[derive(Default)]
struct Objects {
    job: String,
    application: String,
    attachment: String,
    personal_token: String,
    member: String,
    invitation: String,
    milestone: String,
    event: String,
    solution: String,
    cooperation: String,
    certificate: String,
    session: String,
}

/// The first listed solution of `organisation` in the demo's directory.
fn solution_of(conn: &rusqlite::Connection, organisation: &str) -> String {
    conn.query_row(
        "SELECT d.id FROM directory_solutions d JOIN organisations o ON o.id = d.organisation_id
         WHERE o.name = ?1 AND d.listed = 1 AND d.revoked_at IS NULL ORDER BY d.id LIMIT 1",
        [organisation],
        |r| r.get(0),
    )
    .unwrap()
}

/// A new request to cooperate on `owner`'s solution, asked by `asker`'s
/// partner admin (earlier requests of the pair answered first, so that it
/// may ask again).
fn cooperation_of(conn: &mut rusqlite::Connection, owner: &str, asker: &str) -> String {
    let solution = solution_of(conn, owner);
    let organisation = aicc_portal::admin::organisation_id(conn, asker).unwrap();
    let admin = if asker == "Other Vision" {
        OTHER_ADMIN
    } else {
        OWN_ADMIN
    };
    let user = aicc_portal::admin::user_id(conn, admin).unwrap();
    conn.execute(
        "UPDATE cooperations SET state = 'accepted' WHERE solution_id = ?1 AND from_organisation = ?2",
        rusqlite::params![solution, organisation],
    )
    .unwrap();
    let asked = aicc_api::directory::CooperationAsk {
        solution_id: solution,
        message: "A joint bid for the provincial rail line".into(),
        offers: vec![aicc_api::directory::CooperationOffer::Data],
    };
    let now = aicc_portal::clock::now_ms();
    aicc_portal::directory::store::ask(conn, organisation, user, &asked, now)
        .unwrap()
        .0
}

/// A new event of `organisation`'s cohort: Demo Robotics's is the demo's
/// 2026 cohort, Other Vision is moved to a 2027 cohort of its own, so
/// neither sees the other's events.
fn event_of(conn: &mut rusqlite::Connection, organisation: &str) -> String {
    use aicc_portal::incubation::{events, store};
    let vision = aicc_portal::admin::organisation_id(conn, "Other Vision").unwrap();
    conn.execute(
        "UPDATE organisations SET kind = 'incubated_startup' WHERE id = ?1",
        [vision],
    )
    .unwrap();
    let (later, _) = store::ensure_cohort(
        conn,
        &store::CohortPlan {
            programme: "Ascend Application Incubation Programme",
            description: None,
            staff: &[],
            cohort: "2027 cohort",
            starts_on: "2027-09-01",
            ends_on: "2028-08-31",
        },
    )
    .unwrap();
    store::enrol(conn, vision, &later).unwrap();
    let cohort = if organisation == "Other Vision" {
        later
    } else {
        store::cohort_id(
            conn,
            "Ascend Application Incubation Programme",
            "2026 cohort",
        )
        .unwrap()
    };
    let now = aicc_portal::clock::now_ms();
    let plan = events::Plan {
        kind: aicc_api::incubation::EventKind::Training,
        title: "Matrix training",
        description: "",
        starts_at: now + 86_400_000,
        ends_at: now + 90_000_000,
        place: "Training room 3",
        link: None,
        seats: 10,
    };
    events::add(conn, &cohort, &plan, now).unwrap()
}

/// A new session of one of the demo's courses, with `enrolled` enrolled
/// in it.
fn session_of(conn: &mut rusqlite::Connection, enrolled: Option<&str>) -> String {
    use aicc_portal::talent::store;
    let course: String = conn
        .query_row("SELECT id FROM courses ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let now = aicc_portal::clock::now_ms();
    let occasion = aicc_portal::gathering::Occasion {
        starts_at: now + 86_400_000,
        ends_at: now + 90_000_000,
        place: "Training room 3",
        link: None,
        seats: 10,
    };
    let session = store::add_session(conn, &course, &occasion, now).unwrap();
    if let Some(email) = enrolled {
        let user = aicc_portal::admin::user_id(conn, email).unwrap();
        store::enrol(conn, &session, user, None, now).unwrap();
    }
    session
}

/// A new milestone of `organisation` (enrolled in the demo's cohort as an
/// incubated startup if it is not yet), sent by `maker` if `submitted`.
fn milestone_of(
    conn: &mut rusqlite::Connection,
    organisation: &str,
    maker: &str,
    submitted: bool,
) -> String {
    use aicc_portal::incubation::store;
    let id = aicc_portal::admin::organisation_id(conn, organisation).unwrap();
    conn.execute(
        "UPDATE organisations SET kind = 'incubated_startup' WHERE id = ?1",
        [id],
    )
    .unwrap();
    let cohort = store::cohort_id(
        conn,
        "Ascend Application Incubation Programme",
        "2026 cohort",
    )
    .unwrap();
    store::enrol(conn, id, &cohort).unwrap();
    let user = |email: &str| -> i64 {
        conn.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let (staff, maker) = (user("reviewer@demo.aicc"), user(maker));
    let plan = store::Plan {
        title: "Matrix milestone",
        description: "",
        deliverable: "A report",
        due_on: "2027-01-31",
    };
    let (milestone, _) = store::add_milestone(conn, id, None, &plan, staff).unwrap();
    if submitted {
        let evidence = aicc_api::incubation::Evidence {
            text: "Done".into(),
        };
        store::submit(
            conn,
            &milestone,
            aicc_api::incubation::MilestoneState::Planned,
            &evidence,
            maker,
        )
        .unwrap();
    }
    milestone
}

struct Matrixed {
    server: Server,
    tokens: Vec<(Caller, String)>,
    /// Numbers the e-mail addresses cells invent.
    made: std::cell::Cell<u32>,
}

impl Matrixed {
    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, t)| t.as_str())
    }

    /// Makes what a path names, owned as `owner` says, for `caller`.
    async fn objects(&self, row: &Row, owner: Owner, caller: Caller) -> Objects {
        let maker = match owner {
            Owner::Other => OTHER_ADMIN,
            Owner::Own | Owner::Any => OWN_ADMIN,
        };
        let maker_token = self.server.token(maker).await;
        let mut objects = Objects::default();
        if row.path.contains("/members/{id}") {
            let organisation = match owner {
                Owner::Other => "Other Vision",
                Owner::Own | Owner::Any => "Demo Robotics",
            };
            let email = self.new_email();
            objects.member = self.server.db.blocking(|conn| {
                let id = aicc_portal::admin::organisation_id(conn, organisation).unwrap();
                accounts::upsert_user(conn, id, &email, "Matrix Member", Role::PartnerMember, "x")
                    .unwrap();
                let user: i64 = conn
                    .query_row("SELECT id FROM users WHERE email = ?1", [&email], |r| {
                        r.get(0)
                    })
                    .unwrap();
                format!("usr_{user}")
            });
        }
        if row.path.contains("/invitations/{id}") {
            objects.invitation = self.invitation(&maker_token).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        if row.path.contains("/v1/jobs/{id}") {
            objects.job = self
                .made(&maker_token, Method::POST, "/v1/jobs", job_body())
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        if row.path.contains("/v1/applications/{id}") {
            let application = self
                .made(
                    &maker_token,
                    Method::POST,
                    "/v1/applications",
                    complete_form(),
                )
                .await;
            objects.application = application["id"].as_str().unwrap().to_owned();
            let response = self
                .server
                .http
                .post(format!(
                    "{}/v1/applications/{}/attachments?file_name=plan.pdf",
                    self.server.url, objects.application
                ))
                .bearer_auth(&maker_token)
                .body(PDF)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let attachment: Value = response.json().await.unwrap();
            objects.attachment = attachment["id"].as_str().unwrap().to_owned();
            if matches!(row.application, Stage::Submitted) {
                self.made(
                    &maker_token,
                    Method::POST,
                    &format!("/v1/applications/{}/submit", objects.application),
                    Value::Null,
                )
                .await;
            }
        }
        if row.path.contains("/v1/milestones/{id}") {
            let (organisation, maker) = match owner {
                Owner::Other => ("Other Vision", OTHER_ADMIN),
                Owner::Own | Owner::Any => ("Demo Robotics", OWN_ADMIN),
            };
            let submitted = matches!(row.milestone, MilestoneStage::Submitted);
            objects.milestone = self
                .server
                .db
                .blocking(|conn| milestone_of(conn, organisation, maker, submitted));
            if row.path.contains("{attachment_id}") {
                let response = self
                    .server
                    .http
                    .post(format!(
                        "{}/v1/milestones/{}/attachments?file_name=report.pdf",
                        self.server.url, objects.milestone
                    ))
                    .bearer_auth(&maker_token)
                    .body(PDF)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                let attachment: Value = response.json().await.unwrap();
                objects.attachment = attachment["id"].as_str().unwrap().to_owned();
            }
        }
        if row.path.contains("/v1/cohort_events/{id}") {
            let organisation = match owner {
                Owner::Other => "Other Vision",
                Owner::Own | Owner::Any => "Demo Robotics",
            };
            objects.event = self.server.db.blocking(|conn| event_of(conn, organisation));
        }
        let organisation = match owner {
            Owner::Other => "Other Vision",
            Owner::Own | Owner::Any => "Demo Robotics",
        };
        if row.path.contains("/v1/directory/solutions/{id}") {
            objects.solution = self
                .server
                .db
                .blocking(|conn| solution_of(conn, organisation));
        }
        if row.path.contains("/v1/certificates/{id}") {
            objects.certificate = self.server.db.blocking(|conn| {
                conn.query_row(
                    "SELECT a.certificate_id FROM applications a JOIN organisations o
                     ON o.id = a.organisation_id WHERE o.name = ?1 AND a.certificate_id IS NOT NULL
                     ORDER BY a.id LIMIT 1",
                    [organisation],
                    |r| r.get(0),
                )
                .unwrap()
            });
        }
        if row.path.contains("/v1/cooperation/{id}") {
            // Own: asked of Demo Robotics by Other Vision; other: the reverse.
            let asker = match owner {
                Owner::Other => "Demo Robotics",
                Owner::Own | Owner::Any => "Other Vision",
            };
            objects.cooperation = self
                .server
                .db
                .blocking(|conn| cooperation_of(conn, organisation, asker));
        }
        if row.path.contains("/v1/course_sessions/{id}") {
            let enrolled = row.path.ends_with("/cancel");
            objects.session = self
                .server
                .db
                .blocking(|conn| session_of(conn, enrolled.then_some(OWN_MEMBER)));
        }
        if row.path.contains("/personal-tokens/{id}") {
            // Own: the caller's own token; other: another user's.
            let holder = match (owner, caller.email()) {
                (Owner::Own, Some(email)) => email,
                (Owner::Own | Owner::Any, None) => OWN_ADMIN,
                (_, _) => OTHER_ADMIN,
            };
            let holder_token = self.server.token(holder).await;
            objects.personal_token = self
                .made(
                    &holder_token,
                    Method::POST,
                    "/v1/auth/personal-tokens",
                    json!({"name": "matrix"}),
                )
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned();
        }
        objects
    }

    fn new_email(&self) -> String {
        let n = self.made.get() + 1;
        self.made.set(n);
        format!("matrix-{n}@robotics.example.cn")
    }

    /// A fresh invitation by the partner admin whose token this is.
    async fn invitation(&self, token: &str) -> Value {
        let body =
            json!({"email": self.new_email(), "name": "Wang Fang", "role": "partner_member"});
        self.made(token, Method::POST, "/v1/organisation/invitations", body)
            .await
    }

    async fn made(&self, token: &str, method: Method, path: &str, body: Value) -> Value {
        let body = (!body.is_null()).then_some(body);
        let (status, made) = self.server.call(method, path, Some(token), body).await;
        assert!(status.is_success(), "making {path}: {status} {made}");
        made
    }

    /// Asks the route as `caller` and returns the status and the body.
    async fn ask(&self, row: &Row, objects: &Objects, caller: Caller) -> (StatusCode, String) {
        let path = row
            .path
            .replace("{attachment_id}", &objects.attachment)
            .replace("{model_id}", MODEL)
            .replace(
                "{id}",
                if row.path.starts_with("/v1/jobs/") {
                    &objects.job
                } else if row.path.starts_with("/v1/applications/") {
                    &objects.application
                } else if row.path.starts_with("/v1/auth/personal-tokens/") {
                    &objects.personal_token
                } else if row.path.starts_with("/v1/organisation/members/") {
                    &objects.member
                } else if row.path.starts_with("/v1/organisation/invitations/") {
                    &objects.invitation
                } else if row.path.starts_with("/v1/milestones/") {
                    &objects.milestone
                } else if row.path.starts_with("/v1/cohort_events/") {
                    &objects.event
                } else if row.path.starts_with("/v1/directory/solutions/") {
                    &objects.solution
                } else if row.path.starts_with("/v1/certificates/") {
                    &objects.certificate
                } else if row.path.starts_with("/v1/cooperation/") {
                    &objects.cooperation
                } else if row.path.starts_with("/v1/course_sessions/") {
                    &objects.session
                } else if row.path.starts_with("/v1/pools/") {
                    POOL
                } else {
                    MODEL
                },
            );
        let url = match &row.query {
            Some(query) => format!("{}{path}?{query}", self.server.url),
            None => format!("{}{path}", self.server.url),
        };
        let method = Method::from_bytes(row.method.as_bytes()).unwrap();
        let mut request = self.server.http.request(method, url);
        if let Some(token) = self.token(caller) {
            request = request.bearer_auth(token);
        }
        let own_email = caller.email().unwrap_or(OWN_ADMIN);
        request = match row.body.as_deref() {
            None => request,
            Some("@job") => request.json(&job_body()),
            Some("@form") => request.json(&complete_form()),
            Some("@pdf") => request.body(PDF),
            Some("@credentials") => {
                request.json(&json!({"email": own_email, "password": "demo-password"}))
            }
            Some("@invitation") => {
                let admin = self.token(Caller::Admin).unwrap().to_owned();
                let code = self.invitation(&admin).await["code"].clone();
                request.json(&json!({"code": code, "password": "a-long-enough-password"}))
            }
            Some("@invite") => request.json(&json!({
                "email": self.new_email(), "name": "Wang Fang", "role": "partner_member"
            })),
            Some("@office_hours") => {
                // One of Demo Robotics's mentors, a week ahead.
                let mentor: String = self
                    .server
                    .db
                    .blocking(|conn| {
                        conn.query_row(
                            "SELECT a.mentor_id FROM mentor_assignments a
                             JOIN organisations o ON o.id = a.organisation_id
                             WHERE o.name = 'Demo Robotics' LIMIT 1",
                            [],
                            |r| r.get(0),
                        )
                    })
                    .unwrap();
                let slot =
                    aicc_portal::clock::rfc3339(aicc_portal::clock::now_ms() + 7 * 86_400_000);
                request.json(&json!({
                    "mentor_id": mentor, "topic": "Converting a custom layer", "slots": [slot]
                }))
            }
            Some("@cooperation") => {
                // A listed solution of another organisation that the
                // caller's has not asked about yet.
                let email = own_email.to_owned();
                let solution: String = self
                    .server
                    .db
                    .blocking(move |conn| {
                        conn.query_row(
                            "SELECT d.id FROM directory_solutions d
                             WHERE d.listed = 1 AND d.revoked_at IS NULL
                               AND d.organisation_id != (SELECT organisation_id FROM users WHERE email = ?1)
                               AND NOT EXISTS (SELECT 1 FROM cooperations c WHERE c.solution_id = d.id
                                   AND c.from_organisation = (SELECT organisation_id FROM users WHERE email = ?1))
                             ORDER BY d.id LIMIT 1",
                            [email],
                            |r| r.get(0),
                        )
                    })
                    .unwrap();
                request.json(&json!({
                    "solution_id": solution, "message": "Shall we bid together?", "offers": ["data"]
                }))
            }
            Some("@refresh") => {
                let refresh = self.server.sign_in(own_email).await["refresh_token"].clone();
                request.json(&json!({"refresh_token": refresh}))
            }
            Some(text) => request.json(&serde_json::from_str::<Value>(text).unwrap()),
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        // An event stream never ends: its status is all there is to see.
        if row.path == "/v1/events" {
            return (status, String::new());
        }
        (status, response.text().await.unwrap())
    }
}

fn job_body() -> Value {
    job("atlas-800t-a2", 1, 1, 1.0)
}

fn matrix_config(dir: &tempfile::TempDir) -> Config {
    Config {
        sign_ins_per_minute: 100_000,
        // Each cell makes applications of its own.
        editable_applications_per_organisation: 10_000,
        // Real time: a job made for a cell is still running when asked.
        executor: ExecutorConfig::Simulated {
            time_scale: 1.0,
            failure_rate: 0.0,
        },
        ..common::config(dir)
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_matrix_says() {
    let matrix: Matrix = toml::from_str(MATRIX).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(matrix_config(&dir)).await;

    let (_, document) = server
        .call(Method::GET, "/v1/openapi.json", None, None)
        .await;
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    // The routes served beside the API it documents.
    for (method, path) in SERVED_BESIDE {
        documented.insert((method.to_owned(), path.to_owned()));
    }
    let mut listed = BTreeSet::new();
    for row in &matrix.route {
        assert!(
            listed.insert((row.method.clone(), row.path.clone())),
            "{} {} has two rows in access.toml",
            row.method,
            row.path
        );
    }
    let missing: Vec<_> = documented.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without rows in access.toml (say who may call them): {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows in access.toml for routes the portal no longer has: {stale:?}"
    );

    let mut tokens = Vec::new();
    for caller in CALLERS {
        if let Some(email) = caller.email() {
            tokens.push((caller, server.token(email).await));
        }
    }
    let matrixed = Matrixed {
        server,
        tokens,
        made: std::cell::Cell::new(0),
    };

    let mut wrong = String::new();
    let mut asked = 0;
    for row in &matrix.route {
        let columns = [
            (Owner::Any, &row.any),
            (Owner::Own, &row.own),
            (Owner::Other, &row.other),
        ];
        assert!(
            columns.iter().any(|(_, cells)| cells.is_some()),
            "{} {} has no cells",
            row.method,
            row.path
        );
        for (owner, cells) in columns {
            let Some(cells) = cells else { continue };
            // Reads share their objects; every write gets its own.
            let mut shared = None;
            for caller in CALLERS {
                if shared.is_none() || row.method != "GET" {
                    shared = Some(matrixed.objects(row, owner, caller).await);
                }
                let objects = shared.as_ref().unwrap();
                let (status, body) = matrixed.ask(row, objects, caller).await;
                asked += 1;
                let expected = cells.of(caller);
                if status.as_u16() != expected {
                    let _ = writeln!(
                        wrong,
                        "{} {} as {caller:?} about {owner:?}: {status}, expected {expected}: {body}",
                        row.method, row.path
                    );
                }
                if status == StatusCode::NOT_FOUND && owner != Owner::Any {
                    // Another organisation's object is as if it did not exist.
                    assert!(
                        !body.contains("Weld seam") && !body.contains("fine-tune"),
                        "{} {} as {caller:?} leaks what it hides: {body}",
                        row.method,
                        row.path
                    );
                }
            }
        }
    }
    assert!(wrong.is_empty(), "cells answered otherwise:\n{wrong}");
    assert!(asked > 100, "only {asked} cells were asked");
    matrixed.server.shutdown().await;
}
