//! What `aicc` accepts: its commands, their flags and the values each may
//! take, with the help text `--help`, the completions and the manual are
//! made from.

use std::path::PathBuf;

use aicc_api::auth::Scope;
use aicc_api::catalog::Framework;
use aicc_api::jobs::{JobState, Priority};
use aicc_client::catalog::Sort;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

/// What `aicc jobs watch` exits with when the job ends otherwise than
/// succeeding (documented in `--help`).
pub const FAILED: u8 = 3;
pub const CANCELLED: u8 = 4;
pub const REJECTED: u8 = 5;
/// What a write exits with when it waits in the outbox, not sent.
pub const NOT_SENT: u8 = 6;

#[derive(Parser)]
#[command(
    name = "aicc",
    version,
    about = "AICC Partner from a terminal: the center's catalog, training jobs and applications",
    after_help = "Exit codes: 0 done; 1 failed (the reason on stderr); 2 arguments it could not \
                  parse; 6 queued but not sent yet (the center cannot be reached: `aicc sync` \
                  sends it); `jobs watch`: 0 the job succeeded, 3 it failed, 4 it was cancelled, \
                  5 the center rejected it."
)]
pub struct Cli {
    /// Print the result as JSON (the app's own types) instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Answer from this computer's copy only, without asking the center
    /// for what changed first.
    #[arg(long, global = true)]
    pub offline: bool,
    /// The center: to log in to, the signed-in account to use for this
    /// command, or the one `--token` is for; e.g. https://aicc.example.cn
    #[arg(long, global = true, env = "AICC_CENTER")]
    pub center: Option<String>,
    /// Work as the account this personal access token is for, instead of
    /// one signed in with `aicc login`: the way CI signs in (with
    /// `--center`). The token is kept nowhere.
    #[arg(long, global = true, env = "AICC_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Talk to a plain http:// center beyond this machine, though passwords,
    /// tokens and data cross the network unencrypted.
    #[arg(long, global = true)]
    pub allow_plain_http: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Sign in to a center (`--center`). The password is asked for on a
    /// terminal, or read from the first line of stdin.
    Login {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Sign the account in use (or the one at `--center`) out; others
    /// stay signed in.
    Logout,
    /// The signed-in accounts, and which one is in use.
    Accounts {
        /// Use the account with this number from now on.
        #[arg(long = "use")]
        switch_to: Option<u32>,
    },
    /// Bring the local store up to date, sending what waits in the outbox.
    Sync {
        /// Models asked for at a time: 1 to 1000.
        #[arg(long, default_value_t = aicc_api::sync::DEFAULT_PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..=1000))]
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
    /// The writes waiting to be sent, and those the center refused.
    #[command(subcommand)]
    Outbox(Outbox),
    /// Prints the completion script for a shell (bash, zsh, fish,
    /// powershell, elvish), e.g. `aicc completions bash > /etc/bash_completion.d/aicc`.
    Completions { shell: clap_complete::Shell },
    /// Prints the manual page (roff), e.g. `aicc man > aicc.1`.
    Man,
}

impl Command {
    /// Whether the command reads the local store, which is brought up to
    /// date first unless `--offline` says not to.
    pub fn reads(&self) -> bool {
        matches!(
            self,
            Command::Models(Models::Search { .. } | Models::Show { .. })
                | Command::Jobs(
                    Jobs::List { .. }
                        | Jobs::Show { .. }
                        | Jobs::Logs { .. }
                        | Jobs::Submit(_)
                        | Jobs::Estimate(_)
                )
                | Command::Pools
                | Command::Quota
                | Command::Applications(_)
        )
    }

    /// Whether the command works on an account at all.
    pub fn needs_account(&self) -> bool {
        !matches!(self, Command::Completions { .. } | Command::Man)
    }

    /// Whether the command is about the accounts signed in on this
    /// computer, which a personal access token has none of.
    pub fn about_accounts(&self) -> bool {
        matches!(
            self,
            Command::Login { .. } | Command::Logout | Command::Accounts { .. }
        )
    }
}

#[derive(Subcommand)]
pub enum Models {
    /// Searches the catalog by words and filters.
    Search {
        /// Words the name, task, domain, provider or tags start with.
        text: Option<String>,
        /// Only models for this task, e.g. "Object Detection".
        #[arg(long)]
        task: Option<String>,
        /// Only models that run on this hardware, e.g. "Atlas 800T A2".
        #[arg(long)]
        hardware: Option<String>,
        /// mindspore, pytorch_npu, tensorflow, paddlepaddle or onnx.
        #[arg(long, value_parser = named("framework", &Framework::ALL))]
        framework: Option<Framework>,
        /// relevance, name, updated or stars.
        #[arg(long, value_parser = named("order", &Sort::ALL), default_value = "relevance")]
        sort: Sort,
        /// At most this many models.
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
pub enum Jobs {
    /// The account's jobs, newest first.
    List {
        /// Only jobs in this state (again for several).
        #[arg(long, value_parser = named("job state", &JobState::ALL))]
        state: Vec<JobState>,
    },
    /// One job.
    Show { id: String },
    /// Queues a training request, from flags or a TOML file with the
    /// training form's fields (flags win over the file); a catalog model's
    /// recipe gives the nodes × NPUs when they are not given. Checked as
    /// the center will, then sent now if the center is reachable. Prints
    /// the job's id.
    Submit(Box<RequestFlags>),
    /// When the request would start at each signed-in center that can run
    /// it (same flags as `submit`); nothing is sent. The soonest is marked.
    Estimate(Box<RequestFlags>),
    /// Asks the center to cancel a job.
    Cancel { id: String },
    /// The job's log, from the center; `--follow` keeps printing until the
    /// job has ended. With `--json`, a line of JSON for each log line.
    Logs {
        id: String,
        /// Keep printing new lines until the job has ended.
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

/// A training request's fields as flags; each may also come from the file.
#[derive(Args)]
pub struct RequestFlags {
    /// A TOML file with the training form's fields, e.g. `name = "…"`,
    /// `pool_id = "…"`, `[base_model] model_id = "…"`, `[hyperparameters]`.
    #[arg(short, long)]
    pub file: Option<PathBuf>,
    /// The job's name, 1 to 100 characters.
    #[arg(long)]
    pub name: Option<String>,
    /// The catalog model to start from, e.g. qwen3-32b.
    #[arg(long)]
    pub model: Option<String>,
    /// The model's version; its latest when not given.
    #[arg(long, requires = "model")]
    pub model_version: Option<String>,
    /// A container image to run instead of a catalog model.
    #[arg(long, conflicts_with = "model")]
    pub image: Option<String>,
    /// Where the training data is, e.g. obs://bucket/path.
    #[arg(long)]
    pub dataset: Option<String>,
    /// The NPU pool (`aicc pools` lists them).
    #[arg(long)]
    pub pool: Option<String>,
    /// Whole nodes of the pool; the model's recipe when not given.
    #[arg(long)]
    pub nodes: Option<u32>,
    /// NPUs on each node; the model's recipe when not given.
    #[arg(long)]
    pub npus_per_node: Option<u32>,
    /// The job is stopped after this many hours.
    #[arg(long)]
    pub max_hours: Option<f64>,
    /// low, normal or high; normal when not given.
    #[arg(long, value_parser = named("priority", &Priority::ALL))]
    pub priority: Option<Priority>,
    /// A note for the center's staff.
    #[arg(long)]
    pub note: Option<String>,
    /// A hyperparameter, NAME=VALUE (again for several): a number, true or
    /// false, or text.
    #[arg(long = "param", value_parser = parameter)]
    pub parameters: Vec<(String, toml::Value)>,
}

#[derive(Subcommand)]
pub enum Tokens {
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
pub enum Outbox {
    /// Each write, with why the center refused it if it did.
    List,
    /// Gives up a write (by its number in the list): a refused request to
    /// correct and submit again, or one no longer wanted.
    Discard { seq: i64 },
}

#[derive(Subcommand)]
pub enum Applications {
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

/// `NAME=VALUE`, the value a whole number, a number, true or false, or else
/// text.
fn parameter(s: &str) -> Result<(String, toml::Value), String> {
    let (name, value) = s
        .split_once('=')
        .filter(|(name, _)| !name.trim().is_empty())
        .ok_or_else(|| format!("write a hyperparameter as NAME=VALUE, e.g. lr=0.001, not {s:?}"))?;
    let value = if let Ok(whole) = value.parse::<i64>() {
        toml::Value::Integer(whole)
    } else if let Ok(number) = value.parse::<f64>() {
        toml::Value::Float(number)
    } else if let Ok(yes) = value.parse::<bool>() {
        toml::Value::Boolean(yes)
    } else {
        toml::Value::String(value.to_owned())
    };
    Ok((name.trim().to_owned(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hyperparameter_is_a_number_a_yes_or_no_or_text() {
        assert_eq!(parameter("epochs=3").unwrap().1, toml::Value::Integer(3));
        assert_eq!(parameter("lr=0.001").unwrap().1, toml::Value::Float(0.001));
        assert_eq!(parameter("amp=true").unwrap().1, toml::Value::Boolean(true));
        assert_eq!(
            parameter("optimizer=adamw").unwrap(),
            ("optimizer".into(), toml::Value::String("adamw".into()))
        );
        assert!(parameter("lr").unwrap_err().contains("NAME=VALUE"));
        assert!(parameter("=1").is_err());
    }

    #[test]
    fn the_commands_are_well_formed() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
