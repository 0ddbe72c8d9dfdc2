//! `aicc`: AICC Partner from a terminal, for scripts and CI. It is the
//! app's core with the app's settings, store, outbox and keyring entries:
//! what it queues the app shows, and the other way round. Reads answer
//! from the local store (`aicc sync` brings it up to date); writes are
//! queued in the outbox and sent at once when the center is reachable.
//! Every command prints a table for people, or with `--json` the core's
//! own types, as the app's UI receives them.

mod args;
mod request;
mod show;

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;
use std::time::Duration;

use aicc_api::auth::NewPersonalToken;
use aicc_api::jobs::JobState;
use aicc_client::accounts::PlainHttp;
use aicc_client::catalog::{self, CatalogQuery};
use aicc_client::config::AppDirs;
use aicc_client::jobs::{self, JobView};
use aicc_client::network::NetworkSettings;
use aicc_client::outbox::Write;
use aicc_client::partner::{Keep, Partner};
use aicc_client::session::Credentials;
use aicc_client::sync::SyncStatus;
use aicc_client::{Error, applications, center, words};
use clap::{CommandFactory as _, Parser as _};

use args::{
    Applications, CANCELLED, Cli, Command, FAILED, Jobs, Models, NOT_SENT, Outbox, REJECTED, Tokens,
};
use show::{Out, put, put_line};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            // What goes wrong is said in the user's words; the log's own
            // lines only when asked for (RUST_LOG).
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
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
    let out = Out {
        json: cli.json,
        language: partner.speaks(os_locale().as_deref()),
    };
    let with_token = cli.token.is_some();
    match runtime.block_on(run(&partner, &out, cli)) {
        Ok(code) => code,
        Err(Error::SessionEnded | Error::WrongCredentials) if with_token => {
            failed(&out.say("tokenRefused", &[]))
        }
        Err(Error::NotSignedIn) => match partner.sync_report().status {
            // Signed in, but the account could not be opened: say why.
            SyncStatus::Error { message, .. } => failed(&message),
            _ => failed(&format!(
                "{} {}",
                words::error(out.language, &Error::NotSignedIn),
                out.say("signInFirst", &[])
            )),
        },
        Err(e) => failed(&words::error(out.language, &e)),
    }
}

/// The language the terminal is set to (`LC_ALL`, `LC_MESSAGES`, `LANG`),
/// for words in the user's language when they chose the system's.
fn os_locale() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}

fn failed(why: &str) -> ExitCode {
    eprintln!("aicc: {why}");
    ExitCode::FAILURE
}

/// Opens the account the command is for: the personal access token's, or
/// the one signed in at `--center`, or else the one in use.
async fn open(partner: &Partner, out: &Out, cli: &Cli) -> aicc_client::Result<()> {
    let plain_http = plain_http(cli);
    if let Some(token) = &cli.token {
        if cli.command.about_accounts() {
            return Err(Error::InvalidInput(out.say("tokenNoAccount", &[])));
        }
        let center = cli
            .center
            .as_deref()
            .ok_or_else(|| Error::InvalidInput(out.say("tokenWhere", &[])))?;
        partner
            .open_with_personal_token(center, &NetworkSettings::default(), token, plain_http)
            .await?;
    } else if let Some(center) = cli
        .center
        .as_deref()
        .filter(|_| !cli.command.about_accounts())
    {
        partner.open_account_at(center).await?;
    }
    Ok(())
}

fn plain_http(cli: &Cli) -> PlainHttp {
    if cli.allow_plain_http {
        PlainHttp::Allow
    } else {
        PlainHttp::Refuse
    }
}

async fn run(partner: &Partner, out: &Out, cli: Cli) -> aicc_client::Result<ExitCode> {
    if cli.command.needs_account() {
        open(partner, out, &cli).await?;
    }
    if cli.command.reads() && !cli.offline {
        catch_up(partner, out).await?;
    }
    let plain_http = plain_http(&cli);
    match cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "aicc", &mut script);
            put(&script);
        }
        Command::Man => {
            let mut manual = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut manual)
                .map_err(|source| Error::File {
                    path: "the manual".into(),
                    source,
                })?;
            put(&manual);
        }
        Command::Login { email } => {
            let center = cli
                .center
                .as_deref()
                .ok_or_else(|| Error::InvalidInput(out.say("loginWhere", &[])))?;
            let password = password(out)?;
            let account = partner
                .sign_in(
                    center,
                    &NetworkSettings::default(),
                    None,
                    &Credentials::password(&email, &password),
                    plain_http,
                    Keep::InKeyring,
                )
                .await?;
            out.print(&account, || {
                out.say(
                    "signedIn",
                    &[
                        ("email", &account.email),
                        ("organisation", &account.organisation),
                        ("center", &center),
                    ],
                )
            });
        }
        Command::Logout => {
            if let Some(center) = &cli.center {
                partner.open_account_at(center).await?;
            }
            partner.sign_out().await?;
            out.print("signed out", || out.say("signedOut", &[]));
        }
        Command::Accounts { switch_to } => {
            if let Some(index) = switch_to {
                partner.switch_account(index as usize).await?;
            }
            let list = partner.account_list()?;
            out.print(&list, || {
                let numbered: Vec<_> = list.accounts.iter().enumerate().collect();
                out.table(&["inUse", "id", "email", "center"], &numbered, |(i, a)| {
                    let using = list.active == Some(*i as u32);
                    vec![
                        if using { "*" } else { "" }.to_owned(),
                        i.to_string(),
                        a.email.clone(),
                        a.url.clone(),
                    ]
                })
            });
        }
        Command::Sync { page_size } => {
            let bar = out.progress();
            partner
                .sync_once(page_size, |received, total| {
                    out.progressed(bar.as_ref(), received, total);
                })
                .await?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let outbox = partner.outbox(None).await?;
            let refused = outbox.iter().filter(|e| e.refusal.is_some()).count();
            if refused > 0 {
                out.note("refusedWaiting", &[("count", &refused)]);
            }
            out.print("up to date", || out.say("upToDate", &[]));
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
            out.print(&page, || {
                let table = out.table(&["id", "name", "task", "framework"], &page.models, |m| {
                    vec![
                        m.id.clone(),
                        m.name.clone(),
                        m.task.clone(),
                        m.framework.as_str().to_owned(),
                    ]
                });
                let count = out.say(
                    "models",
                    &[("shown", &page.models.len()), ("total", &page.total)],
                );
                format!("{table}\n{count}")
            });
        }
        Command::Models(Models::Show { id }) => {
            let found = one(
                partner,
                &id,
                catalog::model,
                out.say("noModel", &[("id", &id)]),
            )
            .await?;
            out.print(&found, || out.model(&found));
        }
        Command::Models(Models::Favourite { id, remove }) => {
            let missing = out.say("noModel", &[("id", &id)]);
            one(partner, &id, catalog::model, missing.clone()).await?;
            partner.set_favourite(id.clone(), !remove).await?;
            let sent = send(partner, out).await;
            let found = one(partner, &id, catalog::model, missing).await?;
            out.print(&found, || {
                let key = if remove { "notFavourite" } else { "favourite" };
                out.say(key, &[("name", &found.model.name)])
            });
            if !sent {
                return Ok(ExitCode::from(NOT_SENT));
            }
        }
        Command::Jobs(Jobs::Logs { id, follow }) => {
            let id = job(partner, out, &id).await?.job.id;
            let mut after = 0;
            loop {
                let page = match partner.job_logs(&id, after).await {
                    Ok(page) => page,
                    Err(e) if follow && e.is_transient() => {
                        out.note("tryingAgain", &[("error", &words::error(out.language, &e))]);
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                for line in &page.lines {
                    out.print_line(line, || format!("{}  {}", line.at, line.text));
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
            out.print(&tokens, || {
                let never = out.say("never", &[]);
                out.table(&["id", "name", "expires", "lastUsed"], &tokens, |t| {
                    vec![
                        t.id.clone(),
                        t.name.clone(),
                        t.expires_at.clone(),
                        t.last_used_at.clone().unwrap_or_else(|| never.clone()),
                    ]
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
            if !out.json {
                out.note("tokenOnce", &[]);
            }
            out.print(&made, || made.token.clone().unwrap_or_default());
        }
        Command::Tokens(Tokens::Revoke { id }) => {
            partner.revoke_personal_token(&id).await?;
            out.print("revoked", || out.say("revoked", &[("id", &id)]));
        }
        Command::Jobs(Jobs::List { state }) => {
            let views = partner.local(move |c| jobs::list(c, &state)).await?;
            out.print(&views, || out.jobs(&views));
        }
        Command::Jobs(Jobs::Show { id }) => {
            let view = job(partner, out, &id).await?;
            out.print(&view, || out.job(&view));
        }
        Command::Jobs(Jobs::Submit(flags)) => {
            let request = request::request(partner, *flags, out).await?;
            let id = partner.create_job(request, String::new()).await?;
            let sent = send(partner, out).await;
            let view = job(partner, out, &id).await?;
            if let Some(refused) = refusal(out, &view) {
                return Ok(refused);
            }
            out.print(&view, || view.job.id.clone());
            if !sent {
                return Ok(ExitCode::from(NOT_SENT));
            }
        }
        Command::Jobs(Jobs::Estimate(flags)) => {
            let request = request::request(partner, *flags, out).await?;
            partner.open_every_account().await?;
            let answers = partner.estimate_everywhere(request).await?;
            out.print(&answers, || out.estimates(&answers));
        }
        Command::Jobs(Jobs::Cancel { id }) => {
            partner.cancel_job(id.clone()).await?;
            let sent = send(partner, out).await;
            let view = job(partner, out, &id).await?;
            if let Some(refused) = refusal(out, &view) {
                return Ok(refused);
            }
            out.print(&view, || out.jobs(std::slice::from_ref(&view)));
            if !sent {
                return Ok(ExitCode::from(NOT_SENT));
            }
        }
        Command::Jobs(Jobs::Watch { id, every }) => return watch(partner, out, &id, every).await,
        Command::Pools => {
            let info = partner.local(|c| center::info(c)).await?;
            out.print(&info.pools, || {
                let columns = ["id", "name", "kind", "free", "total", "queued"];
                out.table(&columns, &info.pools, |p| {
                    vec![
                        p.id.clone(),
                        p.name.clone(),
                        p.npu_kind.clone(),
                        p.free_npus.to_string(),
                        p.total_npus.to_string(),
                        p.queued_jobs.to_string(),
                    ]
                })
            });
        }
        Command::Quota => {
            let info = partner.local(|c| center::info(c)).await?;
            let quota = info
                .quota
                .ok_or_else(|| Error::InvalidInput(out.say("quotaUnknown", &[])))?;
            out.print(&quota, || {
                let hours = |h: f64| format!("{h:.1}");
                let mut said = if quota.npu_hours_remaining < 0.0 {
                    out.say(
                        "quotaOverdrawn",
                        &[
                            ("over", &hours(-quota.npu_hours_remaining)),
                            ("total", &hours(quota.npu_hours_total)),
                            ("reserved", &hours(quota.npu_hours_reserved)),
                        ],
                    )
                } else {
                    out.say(
                        "quota",
                        &[
                            ("remaining", &hours(quota.npu_hours_remaining)),
                            ("total", &hours(quota.npu_hours_total)),
                            ("used", &hours(quota.npu_hours_used)),
                            ("reserved", &hours(quota.npu_hours_reserved)),
                        ],
                    )
                };
                if quota.credit_npu_hours_left > 0.0 {
                    said.push('\n');
                    said.push_str(&out.say(
                        "credits",
                        &[("credits", &hours(quota.credit_npu_hours_left))],
                    ));
                }
                said
            });
        }
        Command::Outbox(Outbox::List) => {
            let entries = partner.outbox(None).await?;
            out.print(&entries, || out.outbox(&entries));
        }
        Command::Outbox(Outbox::Discard { seq }) => {
            partner.discard_write(seq).await?;
            out.print("discarded", || out.say("discarded", &[("seq", &seq)]));
        }
        Command::Applications(Applications::List) => {
            let views = partner.local(|c| applications::list(c)).await?;
            out.print(&views, || {
                out.table(&["id", "state", "solution"], &views, |v| {
                    let a = &v.application;
                    vec![
                        a.id.clone(),
                        words::say(
                            out.language,
                            &["applications", "states", a.state.as_str()],
                            &[],
                        ),
                        a.form.solution_name.clone(),
                    ]
                })
            });
        }
        Command::Applications(Applications::Show { id }) => {
            let missing = out.say("noApplication", &[("id", &id)]);
            let view = one(partner, &id, applications::get, missing).await?;
            out.print(&view, || out.application(&view));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Brings the local store up to date before a read; a center that cannot
/// be reached is said on stderr, and the read answers from this
/// computer's copy.
async fn catch_up(partner: &Partner, out: &Out) -> aicc_client::Result<()> {
    match partner
        .sync_once(aicc_api::sync::DEFAULT_PAGE_SIZE, |_, _| {})
        .await
    {
        Err(e) if e.is_transient() => {
            let since = partner
                .local(|c| aicc_client::cursors::cursor(c, aicc_api::sync::Collection::Catalog))
                .await?
                .map_or_else(
                    || out.say("neverSynced", &[]),
                    |(_, at)| out.say("asOf", &[("time", &at)]),
                );
            let error = words::error(out.language, &e);
            out.note("fromThisComputer", &[("error", &error), ("since", &since)]);
            Ok(())
        }
        done => done,
    }
}

/// Sends what was just queued, without a whole sync; when the center
/// cannot be reached, says it waits in the outbox for the next `aicc sync`
/// and returns false.
async fn send(partner: &Partner, out: &Out) -> bool {
    match partner.send_queued().await {
        Ok(_) => true,
        Err(e) => {
            out.note("queued", &[("error", &words::error(out.language, &e))]);
            false
        }
    }
}

/// Syncs every `every` seconds until the job has ended, printing each
/// state it reaches; the exit code says how it ended. A center that cannot
/// be reached is said once a time and tried again.
async fn watch(
    partner: &Partner,
    out: &Out,
    id: &str,
    every: u64,
) -> aicc_client::Result<ExitCode> {
    let mut seen = None;
    loop {
        if let Err(e) = partner
            .sync_once(aicc_api::sync::DEFAULT_PAGE_SIZE, |_, _| {})
            .await
        {
            if !e.is_transient() {
                return Err(e);
            }
            out.note("tryingAgain", &[("error", &words::error(out.language, &e))]);
        }
        let view = job(partner, out, id).await?;
        // A request the center refused before it became a job never ends.
        let never_made = view
            .outbox
            .as_ref()
            .is_some_and(|e| matches!(e.write, Write::CreateJob { .. }));
        if never_made && refusal(out, &view).is_some() {
            return Ok(ExitCode::from(REJECTED));
        }
        let state = view.job.state;
        if seen != Some(state) {
            seen = Some(state);
            if !out.json {
                put_line(&out.job_row(&view).join("  "));
            }
        }
        if state.is_final() {
            if out.json {
                out.print(&view, String::new);
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
fn refusal(out: &Out, view: &JobView) -> Option<ExitCode> {
    let refusal = view.outbox.as_ref()?.refusal.as_ref()?;
    out.note("refused", &[("reason", &refusal.message)]);
    Some(ExitCode::FAILURE)
}

/// One job from the local store, by its id or the local id it had.
async fn job(partner: &Partner, out: &Out, id: &str) -> aicc_client::Result<JobView> {
    one(partner, id, jobs::get, out.say("noJob", &[("id", &id)])).await
}

/// The item `id` as `get` finds it in the local store, or an error that
/// says it is `missing`.
async fn one<T: Send + 'static>(
    partner: &Partner,
    id: &str,
    get: fn(&aicc_client::store::Connection, &str) -> aicc_client::Result<Option<T>>,
    missing: String,
) -> aicc_client::Result<T> {
    let wanted = id.to_owned();
    partner
        .local(move |c| get(c, &wanted))
        .await?
        .ok_or(Error::InvalidInput(missing))
}

/// The password: asked for on a terminal, else the first line of stdin.
fn password(out: &Out) -> aicc_client::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let prompt = words::say(out.language, &["signIn", "password"], &[]);
        return rpassword::prompt_password(format!("{prompt}: ")).map_err(|source| Error::File {
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
