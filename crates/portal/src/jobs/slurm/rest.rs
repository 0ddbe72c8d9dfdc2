//! slurmrestd, OpenAPI v0.0.38 (Slurm 22.05). The portal signs its own
//! short-lived HS256 tokens with the cluster's JWT key, as `scontrol token`
//! would. slurmrestd's quirks: errors come back as 4xx/5xx with an `errors`
//! list (a bad token as 500), and `exit_code` is the raw wait status.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Controller, ExitStatus, Node, RestConfig, Shape, SlurmJob, Submission};
use crate::jobs::executor::ExecutorError;

/// The REST API versions this portal speaks.
const SUPPORTED: &[&str] = &["v0.0.38"];
/// How long a minted token lives; a new one is made well before it ends.
const TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// The longest a call to slurmrestd may take, and its connection. The
/// scheduler asks with the database free, so a slurmrestd that stops
/// answering delays only the scheduler's next tick.
const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug)]
pub(super) struct Rest {
    base: String,
    user: String,
    key: jsonwebtoken::EncodingKey,
    http: ureq::Agent,
    /// The current token and when it expires (unix seconds).
    token: Mutex<Option<(String, u64)>>,
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iat: u64,
    exp: u64,
    sun: &'a str,
}

/// The HTTP methods slurmrestd's calls use.
#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Delete,
}

impl Rest {
    fn authorised<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        token: &str,
    ) -> ureq::RequestBuilder<B> {
        request
            .header("X-SLURM-USER-NAME", &self.user)
            .header("X-SLURM-USER-TOKEN", token)
    }

    /// Discovers the API version and checks the token is accepted.
    pub(super) fn connect(config: &RestConfig) -> anyhow::Result<Self> {
        let key = std::fs::read(&config.jwt_key_file).map_err(|e| {
            anyhow::anyhow!(
                "cannot read Slurm's JWT key {}: {e}",
                config.jwt_key_file.display()
            )
        })?;
        let http: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let url = config.url.trim_end_matches('/');
        let mut rest = Self {
            base: url.to_owned(),
            user: config.user.clone(),
            key: jsonwebtoken::EncodingKey::from_secret(&key),
            http,
            token: Mutex::new(None),
        };
        let document = rest.call(Method::Get, "/openapi/v3", None).map_err(|e| {
            anyhow::anyhow!(
                "cannot read slurmrestd's API description at {url} ({e}); check that executor.rest.url \
                 points to a slurmrestd started with `-a rest_auth/jwt`"
            )
        })?;
        let offered: Vec<String> = document["paths"]
            .as_object()
            .map(|paths| {
                let mut versions: Vec<String> = paths
                    .keys()
                    .filter_map(|p| p.strip_prefix("/slurm/"))
                    .filter_map(|p| p.split('/').next())
                    .map(str::to_owned)
                    .collect();
                versions.sort();
                versions.dedup();
                versions
            })
            .unwrap_or_default();
        let Some(version) = offered
            .iter()
            .rev()
            .find(|v| SUPPORTED.contains(&v.as_str()))
        else {
            anyhow::bail!(
                "slurmrestd at {url} offers the REST API {}; this portal speaks {}. \
                 Start slurmrestd with `-s openapi/v0.0.38`, or drop [executor.rest] to use Slurm's commands",
                if offered.is_empty() {
                    "in no version it recognises".to_owned()
                } else {
                    offered.join(", ")
                },
                SUPPORTED.join(", ")
            );
        };
        rest.base = format!("{url}/slurm/{version}");
        rest.call(Method::Get, "/ping", None).map_err(|e| {
            anyhow::anyhow!(
                "slurmrestd at {url} refused the portal's token ({e}); check that \
                     executor.rest.jwt_key_file is the cluster's jwt_key (AuthAltParameters in \
                     slurm.conf) and that executor.rest.user is a Slurm user"
            )
        })?;
        tracing::info!(%url, %version, "connected to slurmrestd");
        Ok(rest)
    }

    fn token(&self) -> Result<String, ExecutorError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut token = self
            .token
            .lock()
            .map_err(|_| ExecutorError::Unavailable("the token cache is poisoned".into()))?;
        if let Some((value, expires)) = token.as_ref()
            && *expires > now + TOKEN_LIFETIME.as_secs() / 2
        {
            return Ok(value.clone());
        }
        let exp = now + TOKEN_LIFETIME.as_secs();
        let value = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &Claims {
                iat: now,
                exp,
                sun: &self.user,
            },
            &self.key,
        )
        .map_err(|e| ExecutorError::Unavailable(format!("cannot sign a Slurm token: {e}")))?;
        *token = Some((value.clone(), exp));
        Ok(value)
    }

    /// One call; Slurm's own error list becomes the error's text.
    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ExecutorError> {
        let url = format!("{}{path}", self.base);
        let token = self.token()?;
        let sent = match (method, body) {
            (Method::Get, _) => self.authorised(self.http.get(&url), &token).call(),
            (Method::Delete, _) => self.authorised(self.http.delete(&url), &token).call(),
            // slurmrestd takes `application/json` only without a charset,
            // which ureq's `send_json` adds.
            (Method::Post, body) => self
                .authorised(self.http.post(&url), &token)
                .content_type("application/json")
                .send(body.unwrap_or(Value::Null).to_string()),
        };
        let mut response = sent
            .map_err(|e| ExecutorError::Unavailable(format!("slurmrestd does not answer: {e}")))?;
        let status = response.status();
        let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        let errors: Vec<(i64, String)> = value["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let text = e["description"]
                    .as_str()
                    .filter(|d| !d.is_empty())
                    .or(e["error"].as_str())
                    .unwrap_or("unknown error");
                (e["error_number"].as_i64().unwrap_or(0), text.to_owned())
            })
            .collect();
        if status.is_success() && errors.is_empty() {
            return Ok(value);
        }
        let text = format!(
            "slurmrestd answered {status}: {}",
            if errors.is_empty() {
                "no reason given".to_owned()
            } else {
                errors
                    .iter()
                    .map(|(_, text)| text.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        );
        // Slurm's ESLURM_* numbers (2000–2999) refuse the request itself;
        // the rest (communication, authentication) may pass.
        if errors.iter().any(|(n, _)| (2000..3000).contains(n)) {
            Err(ExecutorError::Refused(text))
        } else {
            Err(ExecutorError::Unavailable(text))
        }
    }
}

#[derive(Deserialize)]
struct RestNode {
    #[serde(default)]
    partitions: Vec<String>,
    #[serde(default)]
    gres: String,
    #[serde(default)]
    gres_used: String,
    #[serde(default)]
    state: String,
}

#[derive(Deserialize)]
struct RestJob {
    job_id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    job_state: String,
    #[serde(default)]
    state_reason: String,
    #[serde(default)]
    exit_code: i64,
    #[serde(default)]
    start_time: u64,
    #[serde(default)]
    end_time: u64,
}

fn parse<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, ExecutorError> {
    serde_json::from_value(value)
        .map_err(|e| ExecutorError::Unavailable(format!("slurmrestd sent unexpected {what}: {e}")))
}

impl Controller for Rest {
    fn nodes(&self) -> Result<Vec<Node>, ExecutorError> {
        let mut answer = self.call(Method::Get, "/nodes", None)?;
        let nodes: Vec<RestNode> = parse(answer["nodes"].take(), "nodes")?;
        Ok(nodes
            .into_iter()
            .map(|n| Node {
                partitions: n.partitions,
                gres: n.gres,
                gres_used: n.gres_used,
                state: n.state,
            })
            .collect())
    }

    fn find(&self, name: &str) -> Result<Option<String>, ExecutorError> {
        let mut answer = self.call(Method::Get, "/jobs", None)?;
        let jobs: Vec<RestJob> = parse(answer["jobs"].take(), "jobs")?;
        Ok(jobs
            .into_iter()
            .filter(|j| j.name == name)
            .map(|j| j.job_id)
            .max()
            .map(|id| id.to_string()))
    }

    fn submit(&self, submission: &Submission) -> Result<String, ExecutorError> {
        let body = json!({
            "script": submission.script,
            "job": {
                "name": submission.name,
                "partition": submission.shape.partition,
                "nodes": [submission.shape.nodes, submission.shape.nodes],
                "gres": submission.shape.gres,
                "time_limit": submission.shape.time_limit_minutes,
                "current_working_directory": submission.workdir,
                "standard_output": submission.output,
                "standard_error": submission.output,
                "requeue": false,
                "environment": { "PATH": "/usr/local/bin:/usr/bin:/bin" },
            }
        });
        let answer = self.call(Method::Post, "/job/submit", Some(body))?;
        answer["job_id"]
            .as_u64()
            .map(|id| id.to_string())
            .ok_or_else(|| ExecutorError::Unavailable("slurmrestd returned no job id".into()))
    }

    /// The REST API this portal speaks (v0.0.38) has no test-only
    /// submission: Slurm is not asked.
    fn will_start(&self, _shape: &Shape) -> Result<Option<i64>, ExecutorError> {
        Ok(None)
    }

    fn job(&self, id: &str) -> Result<Option<SlurmJob>, ExecutorError> {
        let mut answer = match self.call(Method::Get, &format!("/job/{id}"), None) {
            Ok(answer) => answer,
            Err(ExecutorError::Refused(why)) if why.contains("Invalid job id") => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let jobs: Vec<RestJob> = parse(answer["jobs"].take(), "jobs")?;
        let Some(job) = jobs.into_iter().next() else {
            return Ok(None);
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // A pending job's times are Slurm's estimates, a running one's end
        // is its limit.
        let run_seconds = match job.job_state.as_str() {
            "PENDING" => 0,
            "RUNNING" => now.saturating_sub(job.start_time),
            _ if job.start_time > 0 => job.end_time.saturating_sub(job.start_time),
            _ => 0,
        };
        Ok(Some(SlurmJob {
            name: job.name,
            run_seconds,
            state: job.job_state,
            reason: job.state_reason,
            exit: ExitStatus::from_wait_status(job.exit_code),
        }))
    }

    fn cancel(&self, id: &str) -> Result<(), ExecutorError> {
        match self.call(Method::Delete, &format!("/job/{id}"), None) {
            Ok(_) => Ok(()),
            // Already gone or already finished: nothing left to stop.
            // Slurm refuses to cancel a job that already ended or that it
            // no longer knows: either way nothing is left to stop.
            Err(ExecutorError::Refused(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use super::*;

    /// Answers every request with `body` as JSON.
    fn answering(body: &'static str) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = [0; 4096];
                let _ = stream.read(&mut request);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        url
    }

    #[test]
    fn an_unsupported_rest_api_version_is_a_clear_start_up_error() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("jwt.key");
        std::fs::write(&key, [7; 32]).unwrap();
        let url = answering(
            r#"{"paths": {"/slurm/v0.0.40/jobs": {}, "/slurm/v0.0.41/jobs": {}, "/openapi/v3": {}}}"#,
        );
        let err = Rest::connect(&RestConfig {
            url: url.clone(),
            jwt_key_file: key,
            user: "aicc".into(),
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("offers the REST API v0.0.40, v0.0.41; this portal speaks v0.0.38"),
            "{err}"
        );
        assert!(err.contains("-s openapi/v0.0.38"), "says what to do: {err}");
    }

    #[test]
    fn a_missing_key_file_is_named() {
        let err = Rest::connect(&RestConfig {
            url: "http://127.0.0.1:9".into(),
            jwt_key_file: "/nonexistent/jwt.key".into(),
            user: "aicc".into(),
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cannot read Slurm's JWT key /nonexistent/jwt.key"),
            "{err}"
        );
    }
}
