//! The portal's HTTP API as the app calls it: one [`PortalClient`] per
//! center, turning every answer into the contract's types or an [`Error`]
//! that says what to do. `429` and `503` are retried after the portal's
//! `Retry-After` (a few times, briefly); everything else is the caller's
//! to retry, with backoff.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use aicc_api::ErrorBody;
use aicc_api::auth::{
    Account, NewPersonalToken, PasswordSignIn, PersonalToken, RefreshTokenBody, TokenGrant,
};
use aicc_api::jobs::{JobRequest, Pool, Quota};
use aicc_api::members::{Invitation, InvitationAcceptance, Member, MemberChange, NewInvitation};
use aicc_api::sync::{ChangePage, Collection};
use futures_util::StreamExt as _;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::network::NetworkSettings;

/// The longest `Retry-After` waited for inside one call.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
/// How often one call waits for `Retry-After`.
const INLINE_RETRIES: u32 = 3;

/// The body of a write.
#[derive(Debug, Clone)]
pub enum WriteBody {
    None,
    Json(serde_json::Value),
    /// Raw bytes, e.g. an attachment, told to `progress` as they go out.
    Bytes {
        content: bytes::Bytes,
        progress: Option<Progress>,
    },
}

/// Told how many bytes of an upload went out so far, of how many.
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(u64, u64) + Send + Sync>);

impl Progress {
    pub fn new(report: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        Self(Arc::new(report))
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// The size of the pieces an upload is sent in, and reported by.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// `content` as a request body that reports each piece as the connection takes it.
fn upload_body(content: &bytes::Bytes, progress: Option<Progress>) -> reqwest::Body {
    let Some(progress) = progress else {
        return reqwest::Body::from(content.clone());
    };
    let total = content.len() as u64;
    let pieces: Vec<bytes::Bytes> = (0..content.len())
        .step_by(UPLOAD_CHUNK)
        .map(|at| content.slice(at..(at + UPLOAD_CHUNK).min(content.len())))
        .collect();
    let mut sent = 0;
    let stream = futures_util::stream::iter(pieces).map(move |piece| {
        sent += piece.len() as u64;
        (progress.0)(sent, total);
        Ok::<_, std::convert::Infallible>(piece)
    });
    reqwest::Body::wrap_stream(stream)
}

/// A client of one center's portal.
#[derive(Debug, Clone)]
pub struct PortalClient {
    base: Url,
    http: reqwest::Client,
}

/// The center's answer to a write.
#[derive(Debug)]
pub struct Answer {
    pub body: serde_json::Value,
    /// The answer kept from an earlier attempt of the same write (its
    /// first answer was lost): what was true then, not now.
    pub replayed: bool,
}

/// A center's address, checked and normalised (a trailing slash).
pub fn center_url(address: &str) -> Result<Url> {
    let mut url = Url::parse(address.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "\"{address}\" is not a center address; enter one like https://aicc.example.cn"
            ))
        })?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

/// A link the user may open in their browser (a model card's, a
/// dataset's): a web address with a host, nothing else.
pub fn web_link(address: &str) -> Result<Url> {
    Url::parse(address.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "only web links open in the browser, not \"{address}\""
            ))
        })
}

/// Whether talking to `url` would send passwords and tokens across a
/// network unencrypted: `http://` to anything but this machine.
pub fn is_plain_http_beyond_this_machine(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "http" && !loopback
}

impl PortalClient {
    /// A client for the portal at `base` (e.g. `https://aicc.example.cn/`).
    pub fn new(
        base: &str,
        network: &NetworkSettings,
        proxy_password: Option<&str>,
    ) -> Result<Self> {
        let base = center_url(base)?;
        if network.accept_invalid_certificates {
            tracing::warn!(center = %base, "certificates of this center are NOT checked (accept invalid certificates is on)");
        }
        Ok(Self {
            http: network.client(proxy_password)?,
            base,
        })
    }

    /// The center's address, normalised.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Signs in with e-mail and password.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<TokenGrant> {
        let body = PasswordSignIn {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        match self
            .send(|| self.http.post(self.url("v1/auth/token")).json(&body))
            .await
        {
            Err(Error::Portal { status: 401, .. }) => Err(Error::WrongCredentials),
            other => other,
        }
    }

    /// Accepts an invitation: makes the account with the chosen password
    /// and signs it in. A code works once, so this is not retried.
    pub async fn accept_invitation(&self, code: &str, password: &str) -> Result<TokenGrant> {
        let body = InvitationAcceptance {
            code: code.trim().to_owned(),
            password: password.to_owned(),
        };
        let url = self.url("v1/auth/invitations/accept");
        self.send(|| self.http.post(url.clone()).json(&body)).await
    }

    /// Trades a refresh token for a new access and refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenGrant> {
        let body = RefreshTokenBody {
            refresh_token: refresh_token.to_owned(),
        };
        match self
            .send(|| self.http.post(self.url("v1/auth/refresh")).json(&body))
            .await
        {
            Err(Error::Portal { status: 401, .. }) => Err(Error::SessionEnded),
            other => other,
        }
    }

    /// Ends the session a refresh token belongs to.
    pub async fn revoke(&self, refresh_token: &str) -> Result<()> {
        let body = RefreshTokenBody {
            refresh_token: refresh_token.to_owned(),
        };
        self.send_empty(|| self.http.post(self.url("v1/auth/revoke")).json(&body))
            .await
    }

    /// The account's live personal access tokens (without their secrets).
    pub async fn personal_tokens(&self, token: &str) -> Result<Vec<PersonalToken>> {
        let url = self.url("v1/auth/personal-tokens");
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// Makes a personal access token; its secret is in this answer only.
    /// Not retried with an idempotency key: the center never keeps the
    /// secret to answer a retry with, so a lost answer leaves a token to
    /// revoke, never a second secret shown.
    pub async fn create_personal_token(
        &self,
        token: &str,
        new: &NewPersonalToken,
    ) -> Result<PersonalToken> {
        let url = self.url("v1/auth/personal-tokens");
        self.send(|| self.http.post(url.clone()).bearer_auth(token).json(new))
            .await
    }

    /// Revokes one of the account's personal access tokens.
    pub async fn revoke_personal_token(&self, token: &str, id: &str) -> Result<()> {
        let url = self.url(&format!("v1/auth/personal-tokens/{id}"));
        self.send_empty(|| self.http.delete(url.clone()).bearer_auth(token))
            .await
    }

    /// The organisation's incubation programme and cohort, if enrolled.
    pub async fn incubation(&self, token: &str) -> Result<aicc_api::incubation::Incubation> {
        let url = self.url("v1/incubation");
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// The organisation's mentors.
    pub async fn mentors(&self, token: &str) -> Result<aicc_api::incubation::Mentors> {
        let url = self.url("v1/mentors");
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// What the center says of a certificate (its id checked for shape
    /// first: `aicc_api::directory::certificate_id`).
    pub async fn certificate(
        &self,
        token: &str,
        id: &str,
    ) -> Result<aicc_api::directory::CertificateCheck> {
        let url = self.url(&format!("v1/certificates/{id}"));
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// Who the center is; asked of anyone.
    pub async fn center(&self) -> Result<aicc_api::center::CenterIdentity> {
        let url = self.url("v1/center");
        self.send(|| self.http.get(url.clone())).await
    }

    /// Who the token belongs to, as the center knows them now.
    pub async fn me(&self, token: &str) -> Result<Account> {
        let url = self.url("v1/me");
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// The members of the account's organisation.
    pub async fn members(&self, token: &str) -> Result<Vec<Member>> {
        let url = self.url("v1/organisation/members");
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// Changes a member's role or deactivates them (a partner admin's
    /// action); either ends their sessions. Sets values, so a retry cannot
    /// do it twice.
    pub async fn change_member(
        &self,
        token: &str,
        id: &str,
        change: &MemberChange,
    ) -> Result<Member> {
        let url = self.url(&format!("v1/organisation/members/{id}"));
        self.send(|| self.http.patch(url.clone()).bearer_auth(token).json(change))
            .await
    }

    /// The organisation's open invitations (without their codes).
    pub async fn invitations(&self, token: &str) -> Result<Vec<Invitation>> {
        let url = self.url("v1/organisation/invitations");
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// Invites someone; the answer holds the one-time code, this once. Not
    /// retried with an idempotency key, for the reason personal access
    /// tokens are not: a lost answer leaves an invitation to withdraw.
    pub async fn invite(&self, token: &str, new: &NewInvitation) -> Result<Invitation> {
        let url = self.url("v1/organisation/invitations");
        self.send(|| self.http.post(url.clone()).bearer_auth(token).json(new))
            .await
    }

    /// Withdraws an invitation: its code stops working.
    pub async fn withdraw_invitation(&self, token: &str, id: &str) -> Result<()> {
        let url = self.url(&format!("v1/organisation/invitations/{id}"));
        self.send_empty(|| self.http.delete(url.clone()).bearer_auth(token))
            .await
    }

    /// One page of a collection's change feed (`catalog`, `jobs`, `applications`).
    pub async fn changes<T: DeserializeOwned>(
        &self,
        token: &str,
        collection: Collection,
        after: u64,
        limit: u32,
    ) -> Result<ChangePage<T>> {
        let url = self.url(&format!("v1/{collection}/changes"));
        let query = [("after", after.to_string()), ("limit", limit.to_string())];
        self.send(|| self.http.get(url.clone()).query(&query).bearer_auth(token))
            .await
    }

    /// The pools and what is free on them.
    pub async fn pools(&self, token: &str) -> Result<Vec<Pool>> {
        self.send(|| self.http.get(self.url("v1/pools")).bearer_auth(token))
            .await
    }

    /// Whether the center would take `request` now and when it would
    /// start; nothing is made.
    pub async fn estimate_start(
        &self,
        token: &str,
        request: &JobRequest,
    ) -> Result<aicc_api::jobs::StartEstimate> {
        let url = self.url("v1/jobs/estimate");
        self.send(|| self.http.post(url.clone()).bearer_auth(token).json(request))
            .await
    }

    /// Each pool's free NPUs and queue over the last `hours`.
    pub async fn pool_history(
        &self,
        token: &str,
        hours: u32,
    ) -> Result<Vec<aicc_api::jobs::PoolHistory>> {
        self.send(|| {
            self.http
                .get(self.url("v1/pools/history"))
                .query(&[("hours", hours)])
                .bearer_auth(token)
        })
        .await
    }

    /// The account's favourite models.
    pub async fn favourites(&self, token: &str) -> Result<aicc_api::catalog::Favourites> {
        self.send(|| {
            self.http
                .get(self.url("v1/me/favourites"))
                .bearer_auth(token)
        })
        .await
    }

    /// The organisation's NPU-hours.
    pub async fn quota(&self, token: &str) -> Result<Quota> {
        self.send(|| self.http.get(self.url("v1/quota")).bearer_auth(token))
            .await
    }

    /// A page of a job's log after line `after`.
    pub async fn job_logs(
        &self,
        token: &str,
        id: &str,
        after: u64,
    ) -> Result<aicc_api::jobs::LogPage> {
        let url = self.url(&format!("v1/jobs/{id}/logs"));
        let query = [("after", after.to_string()), ("limit", "5000".to_owned())];
        self.send(|| self.http.get(url.clone()).query(&query).bearer_auth(token))
            .await
    }

    /// A job's metric series.
    pub async fn job_metrics(
        &self,
        token: &str,
        id: &str,
    ) -> Result<Vec<aicc_api::jobs::MetricSeries>> {
        let url = self.url(&format!("v1/jobs/{id}/metrics"));
        self.send(|| self.http.get(url.clone()).bearer_auth(token))
            .await
    }

    /// A write with its idempotency key; answers the portal's JSON, and
    /// whether it is the answer kept from an earlier attempt.
    pub async fn write(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: &WriteBody,
        idempotency_key: &str,
    ) -> Result<Answer> {
        let url = self.url(path);
        let response = self
            .send_raw(|| {
                let request = self
                    .http
                    .request(method.clone(), url.clone())
                    .bearer_auth(token)
                    .header("Idempotency-Key", idempotency_key);
                match body {
                    WriteBody::None => request,
                    WriteBody::Json(json) => request.json(json),
                    WriteBody::Bytes { content, progress } => request
                        .header(CONTENT_TYPE, "application/octet-stream")
                        .header(CONTENT_LENGTH, content.len())
                        .body(upload_body(content, progress.clone())),
                }
            })
            .await?;
        if !response.status().is_success() {
            return Err(self.status_error(response).await);
        }
        let replayed = response.headers().contains_key("idempotent-replay");
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let body = serde_json::from_slice(&bytes)
            .map_err(|e| self.not_a_portal(format!("unexpected answer: {e}")))?;
        Ok(Answer { body, replayed })
    }

    /// Opens the live event stream.
    pub async fn events(&self, token: &str) -> Result<Response> {
        let response = self
            .http
            .get(self.url("v1/events"))
            .bearer_auth(token)
            .header("Accept", "text/event-stream")
            .timeout(Duration::from_secs(24 * 3600))
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.status_error(response).await)
        }
    }

    fn url(&self, path: &str) -> Url {
        // Joining a relative path onto a base ending in '/' cannot fail.
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    async fn send<T: DeserializeOwned>(&self, request: impl Fn() -> RequestBuilder) -> Result<T> {
        let response = self.send_raw(request).await?;
        if !response.status().is_success() {
            return Err(self.status_error(response).await);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.not_a_portal(format!("unexpected answer: {e}")))
    }

    /// Sends a request whose answer has no body worth reading.
    async fn send_empty(&self, request: impl Fn() -> RequestBuilder) -> Result<()> {
        let response = self.send_raw(request).await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.status_error(response).await)
        }
    }

    /// Sends, waiting out `Retry-After` on 429 and 503 a few times.
    async fn send_raw(&self, request: impl Fn() -> RequestBuilder) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let response = request()
                .send()
                .await
                .map_err(|e| self.transport_error(&e))?;
            let status = response.status();
            let busy = status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::SERVICE_UNAVAILABLE;
            let wait = retry_after(&response);
            match wait {
                Some(wait) if busy && attempt < INLINE_RETRIES && wait <= MAX_INLINE_WAIT => {
                    attempt += 1;
                    tracing::info!(?wait, %status, "the portal asks to wait");
                    tokio::time::sleep(wait).await;
                }
                _ => return Ok(response),
            }
        }
    }

    async fn status_error(&self, response: Response) -> Error {
        let status = response.status();
        let retry_after = retry_after(&response);
        let bytes = response.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) if status == StatusCode::GONE => Error::CursorExpired(body.error.message),
            Ok(body) => Error::Portal {
                status: status.as_u16(),
                code: Some(body.error.code),
                message: body.error.message,
                field: body.error.field,
                reason: body.error.reason.map(Box::new),
                retry_after,
            },
            Err(_) if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
                Error::Portal {
                    status: status.as_u16(),
                    code: None,
                    message: status.canonical_reason().unwrap_or("error").to_owned(),
                    field: None,
                    reason: None,
                    retry_after,
                }
            }
            Err(_) => self.not_a_portal(format!("HTTP {status}")),
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> Error {
        let mut reason = e.to_string();
        let mut source = e.source();
        while let Some(inner) = source {
            reason = inner.to_string();
            let lower = reason.to_ascii_lowercase();
            if lower.contains("certificate") || lower.contains("unknownissuer") {
                return Error::UntrustedCertificate(reason);
            }
            source = inner.source();
        }
        Error::Offline {
            url: self.base.to_string(),
            reason,
        }
    }

    fn not_a_portal(&self, reason: String) -> Error {
        Error::NotAPortal {
            url: self.base.to_string(),
            reason,
        }
    }
}

fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use super::*;

    fn client(url: &str) -> Result<PortalClient> {
        PortalClient::new(url, &NetworkSettings::default(), None)
    }

    #[test]
    fn center_addresses_are_checked_and_normalised() {
        assert_eq!(
            client("https://aicc.example.cn/portal")
                .unwrap()
                .base()
                .as_str(),
            "https://aicc.example.cn/portal/"
        );
        for bad in ["", "aicc.example.cn", "ftp://aicc.example.cn", "https://"] {
            assert!(
                matches!(client(bad), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_web_links_open_in_the_browser() {
        assert!(web_link("https://huggingface.example/qwen").is_ok());
        assert!(web_link(" http://10.0.0.8/docs ").is_ok());
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "smb://fileserver/share",
            "https://",
            "not a link",
        ] {
            assert!(
                matches!(web_link(refused), Err(Error::InvalidInput(_))),
                "{refused}"
            );
        }
    }

    #[test]
    fn plain_http_is_told_apart_from_this_machine_and_https() {
        let plain =
            |address: &str| is_plain_http_beyond_this_machine(&center_url(address).unwrap());
        for beyond in [
            "http://aicc.example.cn",
            "http://10.20.0.8:8443/portal",
            "http://[fd00::8]/",
        ] {
            assert!(plain(beyond), "{beyond}");
        }
        for safe in [
            "https://aicc.example.cn",
            "http://127.0.0.1:7878",
            "http://127.9.9.9/",
            "http://localhost:7878",
            "http://[::1]:7878",
        ] {
            assert!(!plain(safe), "{safe}");
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_offline_not_an_error_of_the_portal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = client(&url)
            .unwrap()
            .sign_in("a@b.c", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Offline { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn a_busy_portal_is_retried_after_its_retry_after() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let answers: [&[u8]; 2] = [
                b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]",
            ];
            let mut arrivals = Vec::new();
            for answer in answers {
                let (mut stream, _) = listener.accept().unwrap();
                let mut buffer = [0u8; 2048];
                let _ = stream.read(&mut buffer).unwrap();
                arrivals.push(std::time::Instant::now());
                stream.write_all(answer).unwrap();
            }
            arrivals[1] - arrivals[0]
        });
        let pools = client(&url).unwrap().pools("t").await.unwrap();
        assert!(pools.is_empty());
        assert!(server.join().unwrap() >= Duration::from_millis(900));
    }

    #[tokio::test]
    async fn an_answer_that_is_not_the_contract_says_it_is_not_a_portal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buffer = [0u8; 2048];
            let _ = stream.read(&mut buffer).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\n\r\n<html></html>")
                .unwrap();
        });
        let err = client(&url)
            .unwrap()
            .sign_in("a@b.c", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotAPortal { .. }), "{err:?}");
    }
}
