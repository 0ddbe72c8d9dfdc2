//! `aicc`: AICC Partner from a terminal, for scripts and CI. It is the
//! app's core with the app's settings, store, outbox and keyring entries:
//! what it queues the app shows, and the other way round. Reads answer
//! from the local store (`aicc sync` brings it up to date); writes are
//! queued in the outbox and sent at once when the center is reachable.
//! Every command prints a table for people, or with `--json` the core's
//! own types, as the app's UI receives them.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use aicc_api::auth::{NewPersonalToken, Scope};
use aicc_api::catalog::Framework;
use aicc_api::jobs::{JobRequest, JobState};
use aicc_client::accounts::PlainHttp;
use aicc_client::catalog::{self, CatalogQuery, Sort};
use aicc_client::config::AppDirs;
use aicc_client::jobs::{self, JobView};
use aicc_client::network::NetworkSettings;
use aicc_client::partner::{Keep, Partner};
use aicc_client::session::Credentials;
use aicc_client::sync::SyncStatus;
use aicc_client::{Error, applications, center, words};
use clap::{CommandFactory as _, Parser, Subcommand};
use serde::Serialize;

/// What `aicc jobs watch` exits with when the job ends otherwise than
/// succeeding (documented in `--help`).
const FAILED: u8 = 3;
const CANCELLED: u8 = 4;
const REJECTED: u8 = 5;

#[derive(Parser)]
#[command(
    name = "aicc",
    version,
    about = "AICC Partner from a terminal: the center's catalog, training jobs and applications",
    after_help = "Exit codes: 0 done; 1 failed (the reason on stderr); 2 wrong arguments; \
                  `jobs watch`: 0 the job succeeded, 3 it failed, 4 it was cancelled, 5 the center rejected it."
)]
struct Cli {
    /// Print the result as JSON (the app's own types) instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Answer from this computer's copy only, without asking the center
    /// for what changed first.
    #[arg(long, global = true)]
    offline: bool,
    /// The center: to log in to, or the one `--token` is for; e.g.
    /// https://aicc.example.cn
    #[arg(long, global = true, env = "AICC_CENTER")]
    center: Option<String>,
    /// Work as the account this personal access token is for, instead of
    /// one signed in with `aicc login`: the way CI signs in (with
    /// `--center`). The token is kept nowhere.
    #[arg(long, global = true, env = "AICC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Talk to a plain http:// center beyond this machine, though passwords,
    /// tokens and data cross the network unencrypted.
    #[arg(long, global = true)]
    allow_plain_http: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in to a center (`--center`). The password is asked for on a
    /// terminal, or read from the first line of stdin.
    Login {
        #[arg(long)]
        email: String,
    },
    /// Sign the account in use out; others stay signed in.
    Logout,
    /// The signed-in accounts, and which one is in use.
    Accounts {
        /// Use the account with this number from now on.
        #[arg(long = "use")]
        switch_to: Option<u32>,
    },
    /// Bring the local store up to date, sending what waits in the outbox.
    Sync {
        #[arg(long, default_value_t = aicc_api::sync::DEFAULT_PAGE_SIZE)]
        page_size: u32,
    },
    /// The center's model catalog, as last synced.
    #[command(subcommand)]
    Models(Models),
    /// Training jobs.
    #[command(subcommand)]
    Jobs(Jobs),
    /// The center's NPU pools, as last synced.
    Pools,
    /// The organisation's NPU-hour quota, as last synced.
    Quota,
    /// The organisation's partner applications.
    #[command(subcommand)]
    Applications(Applications),
    /// Personal access tokens, for scripts that sign in with one.
    #[command(subcommand)]
    Tokens(Tokens),
    /// Prints the completion script for a shell (bash, zsh, fish,
    /// powershell, elvish), e.g. `aicc completions bash > /etc/bash_completion.d/aicc`.
    Completions { shell: clap_complete::Shell },
    /// Prints the manual page (roff), e.g. `aicc man > aicc.1`.
    Man,
}

#[derive(Subcommand)]
enum Models {
    /// Searches the catalog by words and filters.
    Search {
        /// Words the name, task, domain, provider or tags start with.
        text: Option<String>,
        #[arg(long)]
        task: Option<String>,
        #[arg(long)]
        hardware: Option<String>,
        /// mindspore, pytorch_npu, tensorflow, paddlepaddle or onnx.
        #[arg(long, value_parser = named("framework", &Framework::ALL))]
        framework: Option<Framework>,
        /// relevance, name, updated or stars.
        #[arg(long, value_parser = named("order", &Sort::ALL), default_value = "relevance")]
        sort: Sort,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One model's page.
    Show { id: String },
    /// Keeps a model among the account's favourites (or, with
    /// `--remove`, no longer).
    Favourite {
        id: String,
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Subcommand)]
enum Jobs {
    /// The account's jobs, newest first.
    List {
        /// Only jobs in this state (again for several).
        #[arg(long, value_parser = named("job state", &JobState::ALL))]
        state: Vec<JobState>,
    },
    /// One job.
    Show { id: String },
    /// Queues a training request from a TOML file with the training form's
    /// fields, checked as the center will; sends it now if the center is
    /// reachable. Prints its id.
    Submit {
        #[arg(short, long)]
        file: std::path::PathBuf,
    },
    /// Asks the center to cancel a job.
    Cancel { id: String },
    /// The job's log, from the center; `--follow` keeps printing until the
    /// job has ended.
    Logs {
        id: String,
        #[arg(long)]
        follow: bool,
    },
    /// Syncs until the job has ended; exits with how it ended.
    Watch {
        id: String,
        /// Seconds between syncs.
        #[arg(long, default_value_t = 10)]
        every: u64,
    },
}

#[derive(Subcommand)]
enum Tokens {
    /// The account's tokens (never their secrets).
    List,
    /// Makes a token; its secret is printed this once.
    Create {
        #[arg(long)]
        name: String,
        /// read, jobs, applications or full (again for several); read when
        /// not given.
        #[arg(long, value_parser = named("scope", &Scope::ALL))]
        scope: Vec<Scope>,
        /// Days it lives: 1 to 366; 90 when not given.
        #[arg(long)]
        expires: Option<u32>,
    },
    /// Revokes a token at once.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum Applications {
    /// The organisation's applications.
    List,
    /// One application.
    Show { id: String },
}

/// A value as the wire names it (`mindspore`, `running`, …), or an error
/// that lists the names a `what` may take.
fn named<T>(
    what: &'static str,
    all: &'static [T],
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: Serialize + serde::de::DeserializeOwned + Sync,
{
    move |s| {
        serde_json::from_value(serde_json::Value::from(s)).map_err(|_| {
            let names: Vec<String> = all
                .iter()
                .filter_map(|v| Some(serde_json::to_value(v).ok()?.as_str()?.to_owned()))
                .collect();
            format!(
                "no {what} is called {s:?}; choose one of {}",
                names.join(", ")
            )
        })
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return failed(&e.to_string()),
    };
    let dirs = match AppDirs::from_system() {
        Ok(dirs) => dirs,
        Err(e) => return failed(&e.to_string()),
    };
    // The app's core, as the app opens it, without its background sync:
    // each command does one thing and exits.
    let partner = Partner::on_demand(dirs);
    match runtime.block_on(run(&partner, cli)) {
        Ok(code) => code,
        Err(Error::NotSignedIn) => match partner.sync_report().status {
            // Signed in, but the account could not be opened: say why.
            SyncStatus::Error { message, .. } => failed(&message),
            _ => failed(&format!(
                "{}: `aicc --center URL login --email EMAIL`",
                words::error(partner.speaks(os_locale().as_deref()), &Error::NotSignedIn)
            )),
        },
        Err(e) => failed(&words::error(partner.speaks(os_locale().as_deref()), &e)),
    }
}

/// The language the terminal is set to (`LC_ALL`, `LC_MESSAGES`, `LANG`),
/// for errors in the user's language when they chose the system's.
fn os_locale() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}

fn failed(why: &str) -> ExitCode {
    eprintln!("aicc: {why}");
    ExitCode::FAILURE
}

async fn run(partner: &Partner, cli: Cli) -> aicc_client::Result<ExitCode> {
    let json = cli.json;
    let plain_http = if cli.allow_plain_http {
        PlainHttp::Allow
    } else {
        PlainHttp::Refuse
    };
    let needs_account = !matches!(cli.command, Command::Completions { .. } | Command::Man);
    if let Some(token) = cli.token.as_ref().filter(|_| needs_account) {
        if matches!(
            cli.command,
            Command::Login { .. } | Command::Logout | Command::Accounts { .. }
        ) {
            return Err(Error::InvalidInput(
                "with a personal access token there is no account to log in to, out of or switch; leave out --token (or AICC_TOKEN)".into(),
            ));
        }
        let center = cli.center.as_deref().ok_or_else(|| {
            Error::InvalidInput(
                "say which center the token is for: --center (or AICC_CENTER)".into(),
            )
        })?;
        partner
            .open_with_personal_token(center, &NetworkSettings::default(), token, plain_http)
            .await?;
    }
    let reads = matches!(
        cli.command,
        Command::Models(Models::Search { .. } | Models::Show { .. })
            | Command::Jobs(Jobs::List { .. } | Jobs::Show { .. })
            | Command::Pools
            | Command::Quota
            | Command::Applications(_)
    );
    if reads && !cli.offline {
        catch_up(partner).await?;
    }
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "aicc", &mut std::io::stdout());
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|source| Error::File {
                    path: "stdout".into(),
                    source,
                })?;
        }
        Command::Login { email } => {
            let center = cli.center.ok_or_else(|| {
                Error::InvalidInput(
                    "say which center to log in to: --center (or AICC_CENTER)".into(),
                )
            })?;
            let password = password()?;
            let account = partner
                .sign_in(
                    &center,
                    &NetworkSettings::default(),
                    None,
                    &Credentials::password(&email, &password),
                    plain_http,
                    Keep::InKeyring,
                )
                .await?;
            show(json, &account, || {
                format!(
                    "signed in as {} ({}) at {center}",
                    account.email, account.organisation
                )
            });
        }
        Command::Logout => {
            partner.sign_out().await?;
            show(json, &"signed out", || "signed out".to_owned());
        }
        Command::Accounts { switch_to } => {
            if let Some(index) = switch_to {
                partner.switch_account(index as usize).await?;
            }
            let list = partner.account_list()?;
            show(json, &list, || {
                list.accounts
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let using = if list.active == Some(i as u32) {
                            "*"
                        } else {
                            " "
                        };
                        format!("{using} {i}  {}  {}", a.email, a.url)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Sync { page_size } => {
            let terminal = std::io::stderr().is_terminal();
            // Progress goes to stderr: on one line on a terminal, a line a
            // page when piped; stdout holds the result only.
            partner
                .sync_once(page_size, |received, total| {
                    let total = total.unwrap_or(received);
                    if terminal {
                        eprint!("\rcatalog: {received} of {total}");
                    } else {
                        eprintln!("catalog: {received} of {total}");
                    }
                    let _ = std::io::stderr().flush();
                })
                .await?;
            if terminal {
                eprintln!();
            }
            show(json, &"up to date", || "up to date".to_owned());
        }
        Command::Models(Models::Search {
            text,
            task,
            hardware,
            framework,
            sort,
            limit,
        }) => {
            let query = CatalogQuery {
                text: text.unwrap_or_default(),
                task,
                hardware,
                framework,
                sort,
                ..CatalogQuery::default()
            };
            let page = partner
                .local(move |c| catalog::search(c, &query, 0, limit))
                .await?;
            show(json, &page, || {
                let table = rows(&page.models, |m| {
                    format!(
                        "{:<28} {:<36} {:<24} {}",
                        m.id,
                        m.name,
                        m.task,
                        m.framework.as_str()
                    )
                });
                format!("{table}\n{} of {} models", page.models.len(), page.total)
            });
        }
        Command::Models(Models::Show { id }) => {
            let found = one(partner, &id, catalog::model, "the catalog has no model").await?;
            show(json, &found, || model_text(&found));
        }
        Command::Models(Models::Favourite { id, remove }) => {
            partner.set_favourite(id.clone(), !remove).await?;
            send(partner).await;
            let found = partner.local(move |c| catalog::model(c, &id)).await?;
            show(json, &found, || {
                let kept = if remove {
                    "no longer a favourite"
                } else {
                    "a favourite"
                };
                format!(
                    "{kept}: {}",
                    found.as_ref().map_or("", |f| f.model.name.as_str())
                )
            });
        }
        Command::Jobs(Jobs::Logs { id, follow }) => {
            let id = job(partner, &id).await?.job.id;
            let mut after = 0;
            loop {
                let page = partner.job_logs(&id, after).await?;
                for line in &page.lines {
                    if json {
                        show(true, line, String::new);
                    } else {
                        println!("{}  {}", line.at, line.text);
                    }
                }
                after = page.next;
                if !follow || (!page.open && page.lines.is_empty()) {
                    break;
                }
                if page.lines.is_empty() {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
        Command::Tokens(Tokens::List) => {
            let tokens = partner.personal_tokens().await?;
            show(json, &tokens, || {
                rows(&tokens, |t| {
                    format!(
                        "{:<24} {:<24} expires {}  last used {}",
                        t.id,
                        t.name,
                        t.expires_at,
                        t.last_used_at.as_deref().unwrap_or("never")
                    )
                })
            });
        }
        Command::Tokens(Tokens::Create {
            name,
            scope,
            expires,
        }) => {
            let made = partner
                .create_personal_token(&NewPersonalToken {
                    name,
                    expires_in_days: expires,
                    scopes: (!scope.is_empty()).then_some(scope),
                })
                .await?;
            show(json, &made, || {
                format!(
                    "{}\n(shown this once: keep it where your scripts read secrets)",
                    made.token.as_deref().unwrap_or_default()
                )
            });
        }
        Command::Tokens(Tokens::Revoke { id }) => {
            partner.revoke_personal_token(&id).await?;
            show(json, &"revoked", || format!("{id} revoked"));
        }
        Command::Jobs(Jobs::List { state }) => {
            let views = partner.local(move |c| jobs::list(c, &state)).await?;
            show(json, &views, || rows(&views, job_line));
        }
        Command::Jobs(Jobs::Show { id }) => {
            let view = job(partner, &id).await?;
            show(json, &view, || {
                let mut lines = vec![job_line(&view)];
                for step in &view.job.timeline {
                    let reason = step.reason.as_deref().unwrap_or_default();
                    lines.push(format!(
                        "  {}  {:<10} {reason}",
                        step.at,
                        step.state.as_str()
                    ));
                }
                lines.join("\n")
            });
        }
        Command::Jobs(Jobs::Submit { file }) => {
            let text = std::fs::read_to_string(&file).map_err(|source| Error::File {
                path: file.display().to_string(),
                source,
            })?;
            let request: JobRequest = toml::from_str(&text).map_err(|e| {
                Error::InvalidInput(format!("{} is not a training request: {e}", file.display()))
            })?;
            let id = partner.create_job(request, String::new()).await?;
            send(partner).await;
            let view = job(partner, &id).await?;
            if let Some(refused) = refusal(&view) {
                return Ok(refused);
            }
            show(json, &view, || view.job.id.clone());
        }
        Command::Jobs(Jobs::Cancel { id }) => {
            partner.cancel_job(id.clone()).await?;
            send(partner).await;
            let view = job(partner, &id).await?;
            if let Some(refused) = refusal(&view) {
                return Ok(refused);
            }
            show(json, &view, || job_line(&view));
        }
        Command::Jobs(Jobs::Watch { id, every }) => return watch(partner, json, &id, every).await,
        Command::Pools => {
            let info = partner.local(|c| center::info(c)).await?;
            show(json, &info.pools, || {
                rows(&info.pools, |p| {
                    format!(
                        "{:<20} {:<28} {:<14} {:>4} of {:<4} NPUs free  {} queued",
                        p.id, p.name, p.npu_kind, p.free_npus, p.total_npus, p.queued_jobs
                    )
                })
            });
        }
        Command::Quota => {
            let info = partner.local(|c| center::info(c)).await?;
            let quota = info.quota.ok_or_else(|| {
                Error::InvalidInput("the quota is not known yet: run `aicc sync`".into())
            })?;
            show(json, &quota, || {
                format!(
                    "{:.1} NPU-hours remaining of {:.1} ({:.1} used, {:.1} reserved by jobs not ended)",
                    quota.npu_hours_remaining,
                    quota.npu_hours_total,
                    quota.npu_hours_used,
                    quota.npu_hours_reserved
                )
            });
        }
        Command::Applications(Applications::List) => {
            let views = partner.local(|c| applications::list(c)).await?;
            show(json, &views, || {
                rows(&views, |v| {
                    let a = &v.application;
                    format!(
                        "{:<28} {:<20} {}",
                        a.id,
                        a.state.as_str(),
                        a.form.solution_name
                    )
                })
            });
        }
        Command::Applications(Applications::Show { id }) => {
            let view = one(partner, &id, applications::get, "there is no application").await?;
            show(json, &view, || application_text(&view));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Brings the local store up to date before a read; a center that cannot
/// be reached is said on stderr, and the read answers from this
/// computer's copy.
async fn catch_up(partner: &Partner) -> aicc_client::Result<()> {
    match partner
        .sync_once(aicc_api::sync::DEFAULT_PAGE_SIZE, |_, _| {})
        .await
    {
        Err(e) if e.is_transient() => {
            let since = partner
                .local(|c| aicc_client::cursors::cursor(c, aicc_api::sync::Collection::Catalog))
                .await?
                .map_or_else(
                    || "never synced".to_owned(),
                    |(_, at)| format!("as of {at}"),
                );
            eprintln!("aicc: {e}; answering from this computer's copy ({since})");
            Ok(())
        }
        done => done,
    }
}

/// Sends what was just queued, without a whole sync; when the center
/// cannot be reached, says it waits in the outbox for the next `aicc sync`.
async fn send(partner: &Partner) {
    if let Err(e) = partner.send_queued().await {
        eprintln!("aicc: queued, not sent yet ({e}); `aicc sync` sends it");
    }
}

/// Syncs every `every` seconds until the job has ended, printing each
/// state it reaches; the exit code says how it ended. A center that cannot
/// be reached is said once a time and tried again.
async fn watch(
    partner: &Partner,
    json: bool,
    id: &str,
    every: u64,
) -> aicc_client::Result<ExitCode> {
    let mut seen = None;
    loop {
        if let Err(e) = partner
            .sync_once(aicc_api::sync::DEFAULT_PAGE_SIZE, |_, _| {})
            .await
        {
            match e {
                Error::Offline { .. } | Error::Portal { .. } => {
                    eprintln!("aicc: {e}; trying again")
                }
                e => return Err(e),
            }
        }
        let view = job(partner, id).await?;
        let state = view.job.state;
        if seen != Some(state) {
            seen = Some(state);
            if !json {
                println!("{}", job_line(&view));
            }
        }
        if state.is_final() {
            if json {
                show(true, &view, String::new);
            }
            return Ok(ExitCode::from(match state {
                JobState::Succeeded => 0,
                JobState::Cancelled => CANCELLED,
                JobState::Rejected => REJECTED,
                _ => FAILED,
            }));
        }
        tokio::time::sleep(Duration::from_secs(every.max(1))).await;
    }
}

/// The center's refusal of the write just sent about `view`, said on
/// stderr, as a failure; the write stays in the outbox with its reason, as
/// the app shows it.
fn refusal(view: &JobView) -> Option<ExitCode> {
    let refusal = view.outbox.as_ref()?.refusal.as_ref()?;
    Some(failed(&format!(
        "the center refused it: {} (it stays in the outbox: the app shows it to revise or discard)",
        refusal.message
    )))
}

/// One job from the local store, by its id or the local id it had.
async fn job(partner: &Partner, id: &str) -> aicc_client::Result<JobView> {
    one(
        partner,
        id,
        jobs::get,
        "`aicc jobs list` lists the jobs; there is no job",
    )
    .await
}

/// The item `id` as `get` finds it in the local store, or an error that
/// says `missing` and the id.
async fn one<T: Send + 'static>(
    partner: &Partner,
    id: &str,
    get: fn(&aicc_client::store::Connection, &str) -> aicc_client::Result<Option<T>>,
    missing: &'static str,
) -> aicc_client::Result<T> {
    let wanted = id.to_owned();
    partner
        .local(move |c| get(c, &wanted))
        .await?
        .ok_or_else(|| Error::InvalidInput(format!("{missing} {id}")))
}

/// A model's page as text: what it is, then its card.
fn model_text(found: &aicc_client::catalog::ModelPage) -> String {
    let m = &found.model;
    format!(
        "{} ({})\n{} · {} · {} · {}\nhardware: {}\n\n{}",
        m.name,
        m.id,
        m.provider,
        m.task,
        m.framework.as_str(),
        m.license,
        m.hardware.join(", "),
        m.card
    )
}

/// An application as text: its id and state, its solution and applicant.
fn application_text(view: &aicc_client::applications::ApplicationView) -> String {
    let a = &view.application;
    format!(
        "{} · {}\n{} ({})",
        a.id,
        a.state.as_str(),
        a.form.solution_name,
        a.form.organisation_name
    )
}

fn job_line(view: &JobView) -> String {
    let job = &view.job;
    let waiting = if view.outbox.is_some() {
        " (waiting to be sent)"
    } else {
        ""
    };
    format!(
        "{:<26} {:<10} {:<40} {} · {} × {} NPUs{waiting}",
        job.id,
        job.state.as_str(),
        job.request.name,
        job.request.pool_id,
        job.request.nodes,
        job.request.npus_per_node
    )
}

/// A table's lines: one for each item.
fn rows<T>(items: &[T], row: impl Fn(&T) -> String) -> String {
    items.iter().map(row).collect::<Vec<_>>().join("\n")
}

/// Prints `value` as JSON, or `text` for people.
fn show<T: Serialize + ?Sized>(json: bool, value: &T, text: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(out) => println!("{out}"),
            Err(e) => eprintln!("aicc: {e}"),
        }
    } else {
        println!("{}", text());
    }
}

/// The password: asked for on a terminal, else the first line of stdin.
fn password() -> aicc_client::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("password: ").map_err(|source| Error::File {
            path: "the terminal".into(),
            source,
        });
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|source| Error::File {
            path: "stdin".into(),
            source,
        })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
