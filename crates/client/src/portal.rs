//! The portal's HTTP API as the app calls it: one [`PortalClient`] per
//! center, turning every answer into the contract's types or an [`Error`]
//! that says what to do.

use std::error::Error as _;
use std::time::Duration;

use aicc_api::ErrorBody;
use aicc_api::auth::{PasswordSignIn, RefreshTokenBody, TokenGrant};
use aicc_api::catalog::Model;
use aicc_api::sync::ChangePage;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of one center's portal.
#[derive(Debug, Clone)]
pub struct PortalClient {
    base: Url,
    http: reqwest::Client,
}

impl PortalClient {
    /// A client for the portal at `base` (e.g. `https://aicc.example.cn/`).
    pub fn new(base: &str) -> Result<Self> {
        let mut base = Url::parse(base.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "\"{base}\" is not a center address; enter one like https://aicc.example.cn"
                ))
            })?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("AICC-Partner/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot set up HTTP: {e}")))?;
        Ok(Self { base, http })
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
            .send(self.http.post(self.url("v1/auth/token")).json(&body))
            .await
        {
            Err(Error::Portal { status: 401, .. }) => Err(Error::WrongCredentials),
            other => other,
        }
    }

    /// Trades a refresh token for a new access and refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenGrant> {
        let body = RefreshTokenBody {
            refresh_token: refresh_token.to_owned(),
        };
        match self
            .send(self.http.post(self.url("v1/auth/refresh")).json(&body))
            .await
        {
            Err(Error::Portal { status: 401, .. }) => Err(Error::SessionEnded),
            other => other,
        }
    }

    /// One page of the catalog's change feed.
    pub async fn catalog_changes(
        &self,
        token: &str,
        after: u64,
        limit: u32,
    ) -> Result<ChangePage<Model>> {
        let request = self
            .http
            .get(self.url("v1/catalog/changes"))
            .query(&[("after", after.to_string()), ("limit", limit.to_string())])
            .bearer_auth(token);
        self.send(request).await
    }

    fn url(&self, path: &str) -> Url {
        // Joining a relative path onto a base ending in '/' cannot fail.
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            let bytes = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(&e))?;
            return serde_json::from_slice(&bytes)
                .map_err(|e| self.not_a_portal(format!("unexpected answer: {e}")));
        }
        Err(self.status_error(status, response).await)
    }

    async fn status_error(&self, status: StatusCode, response: Response) -> Error {
        let bytes = response.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Error::Portal {
                status: status.as_u16(),
                message: body.error.message,
            },
            Err(_) if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
                Error::Portal {
                    status: status.as_u16(),
                    message: status.canonical_reason().unwrap_or("error").to_owned(),
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
            if reason.to_ascii_lowercase().contains("certificate") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn center_addresses_are_checked_and_normalised() {
        assert_eq!(
            PortalClient::new("https://aicc.example.cn/portal")
                .unwrap()
                .base()
                .as_str(),
            "https://aicc.example.cn/portal/"
        );
        for bad in ["", "aicc.example.cn", "ftp://aicc.example.cn", "https://"] {
            assert!(
                matches!(PortalClient::new(bad), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_offline_not_an_error_of_the_portal() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = PortalClient::new(&url)
            .unwrap()
            .sign_in("a@b.c", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Offline { .. }), "{err:?}");
    }
}
