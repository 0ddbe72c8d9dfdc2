//! What `aicc` prints: the core's own types as JSON (`--json`), or for
//! people tables and sentences in their language, from the app's message
//! catalogues; notes and errors on stderr, progress on a terminal only.

use std::io::{IsTerminal as _, Write as _};

use aicc_api::jobs::JobState;
use aicc_client::applications::ApplicationView;
use aicc_client::catalog::ModelPage;
use aicc_client::jobs::JobView;
use aicc_client::outbox::OutboxEntry;
use aicc_client::partner::CenterEstimate;
use aicc_client::words;
use comfy_table::{ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Writes `bytes` to stdout. A reader that went away (`aicc … | head -1`)
/// ends the command quietly, as it would a `cat`.
pub fn put(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("aicc: cannot write the answer: {e}");
        std::process::exit(1);
    }
}

/// Writes a line to stdout, as [`put`] does.
pub fn put_line(line: &str) {
    put(format!("{line}\n").as_bytes());
}

/// How this run prints: as JSON or for people, in which language.
pub struct Out {
    pub json: bool,
    pub language: &'static str,
}

impl Out {
    /// The `cli` catalogue's words at `key`, `values` filled in.
    pub fn say(&self, key: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        words::say(self.language, &["cli", key], values)
    }

    /// A note for the person at the terminal, on stderr: stdout holds the
    /// result only.
    pub fn note(&self, key: &str, values: &[(&str, &dyn std::fmt::Display)]) {
        eprintln!("aicc: {}", self.say(key, values));
    }

    /// Prints `value` as JSON, or `text` for people.
    pub fn print<T: Serialize + ?Sized>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(out) => put_line(&out),
                Err(e) => eprintln!("aicc: {e}"),
            }
        } else {
            put_line(&text());
        }
    }

    /// Prints one item of a stream, as a line of JSON (JSON Lines) or
    /// `text` for people.
    pub fn print_line<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string(value) {
                Ok(out) => put_line(&out),
                Err(e) => eprintln!("aicc: {e}"),
            }
        } else {
            put_line(&text());
        }
    }

    /// A table with the `cli.columns` named, a row for each item; wide
    /// characters take their width, and a terminal's width is kept to.
    pub fn table<T>(
        &self,
        columns: &[&str],
        items: &[T],
        row: impl Fn(&T) -> Vec<String>,
    ) -> String {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(
                columns
                    .iter()
                    .map(|c| words::say(self.language, &["cli", "columns", c], &[])),
            );
        for item in items {
            table.add_row(row(item));
        }
        for column in table.column_iter_mut() {
            column.set_padding((0, 2));
        }
        table
            .lines()
            .map(|line| line.trim_end().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A job's state in words.
    pub fn job_state(&self, state: JobState) -> String {
        words::say(self.language, &["jobs", "states", state.as_str()], &[])
    }

    /// A job as one row: id, state, name, pool, nodes × NPUs.
    pub fn job_row(&self, view: &JobView) -> Vec<String> {
        let job = &view.job;
        let mut state = self.job_state(job.state);
        match &view.outbox {
            Some(entry) if entry.refusal.is_some() => {
                state = self.say("refusedState", &[("state", &state)]);
            }
            Some(_) => state = self.say("waitingState", &[("state", &state)]),
            None => {}
        }
        vec![
            job.id.clone(),
            state,
            job.request.name.clone(),
            job.request.pool_id.clone(),
            format!("{} × {}", job.request.nodes, job.request.npus_per_node),
        ]
    }

    /// Jobs as a table.
    pub fn jobs(&self, views: &[JobView]) -> String {
        self.table(&["id", "state", "name", "pool", "npus"], views, |v| {
            self.job_row(v)
        })
    }

    /// A job and its timeline.
    pub fn job(&self, view: &JobView) -> String {
        let timeline = self.table(&["time", "state", "reason"], &view.job.timeline, |step| {
            vec![
                step.at.clone(),
                self.job_state(step.state),
                words::reason(
                    self.language,
                    step.reason_code.as_ref(),
                    step.reason.as_deref(),
                )
                .unwrap_or_default(),
            ]
        });
        format!("{}\n\n{timeline}", self.jobs(std::slice::from_ref(view)))
    }

    /// Each center's estimate for a request, the suggested one marked.
    pub fn estimates(&self, answers: &[CenterEstimate]) -> String {
        let columns = ["suggested", "center", "pool", "start", "ahead", "left"];
        self.table(&columns, answers, |a| {
            let start = match (&a.pool, &a.estimate, &a.error) {
                (None, _, _) => self.say("noFittingPool", &[]),
                (_, Some(e), _) if !e.admissible => {
                    let why = e.refusal.as_ref().map_or("", |r| r.message.as_str());
                    self.say("notAdmissible", &[("reason", &why)])
                }
                (_, Some(e), _) => match &e.start {
                    Some(w) if w.now => self.say("startsNow", &[]),
                    Some(w) => self.say("startsBetween", &[("p50", &w.p50), ("p90", &w.p90)]),
                    None => self.say("neverStarts", &[]),
                },
                (_, None, Some(error)) => error.clone(),
                (_, None, None) => self.say("notAsked", &[]),
            };
            vec![
                if a.suggested { "*" } else { "" }.to_owned(),
                a.state.center.clone(),
                a.pool.as_ref().map_or_else(String::new, |p| p.id.clone()),
                start,
                a.estimate
                    .as_ref()
                    .map_or_else(String::new, |e| e.jobs_ahead.to_string()),
                a.npu_hours_left
                    .map_or_else(String::new, |h| format!("{h:.1}")),
            ]
        })
    }

    /// The writes waiting in the outbox or refused by the center.
    pub fn outbox(&self, entries: &[OutboxEntry]) -> String {
        self.table(&["seq", "kind", "state", "time"], entries, |e| {
            let kind = serde_json::to_value(&e.write)
                .ok()
                .and_then(|w| w.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
                .unwrap_or_default();
            let state = match &e.refusal {
                Some(refusal) => self.say("refusedBecause", &[("reason", &refusal.message)]),
                None => self.say("waiting", &[]),
            };
            vec![e.seq.to_string(), kind, state, e.created_at.clone()]
        })
    }

    /// A model's page: what it is, then its card.
    pub fn model(&self, found: &ModelPage) -> String {
        let m = &found.model;
        let hardware = words::say(self.language, &["model", "hardware"], &[]);
        format!(
            "{} ({})\n{} · {} · {} · {}\n{hardware}: {}\n\n{}",
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

    /// An application: its id and state, its solution and applicant.
    pub fn application(&self, view: &ApplicationView) -> String {
        let a = &view.application;
        format!(
            "{} · {}\n{} ({})",
            a.id,
            words::say(
                self.language,
                &["applications", "states", a.state.as_str()],
                &[]
            ),
            a.form.solution_name,
            a.form.organisation_name
        )
    }

    /// A bar for the catalog's pages on a terminal; `None` when stderr is
    /// piped, where each page gets a line ([`Out::progressed`]).
    pub fn progress(&self) -> Option<ProgressBar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len}") {
            bar.set_style(style);
        }
        bar.set_message(words::say(self.language, &["nav", "catalog"], &[]));
        Some(bar)
    }

    /// Shows `received` of `total` models on the bar, or on a line.
    /// Nothing when the catalog had nothing new.
    pub fn progressed(&self, bar: Option<&ProgressBar>, received: u32, total: Option<u32>) {
        let total = total.unwrap_or(received).max(received);
        if total == 0 {
            return;
        }
        match bar {
            Some(bar) => {
                bar.set_length(total.into());
                bar.set_position(received.into());
            }
            None => {
                let line = self.say(
                    "catalogProgress",
                    &[("received", &received), ("total", &total)],
                );
                eprintln!("{line}");
            }
        }
    }
}
