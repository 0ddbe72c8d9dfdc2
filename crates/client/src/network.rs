//! How the app reaches a center from a corporate network: the system proxy,
//! no proxy, or a manual one (with credentials and a no-proxy list); an
//! internal CA's certificates added to the trusted roots; and, only as an
//! explicit per-center choice, accepting invalid certificates.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// No single read may stall longer; event streams send keep-alives more often.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Which proxy to use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ProxySetting {
    /// The platform's settings, and `HTTP(S)_PROXY` / `NO_PROXY`.
    #[default]
    System,
    /// Connect directly.
    None,
    /// This proxy, e.g. `http://proxy.corp.example:8080`.
    Manual {
        url: String,
        /// The proxy's user name; its password lives in the OS keyring.
        username: Option<String>,
        /// Hosts reached directly, e.g. `localhost, .corp.example, 10.0.0.0/8`.
        #[serde(default)]
        no_proxy: String,
    },
}

/// The name endings of the files a CA bundle usually comes in (its content
/// decides: PEM certificates).
pub const CA_BUNDLE_EXTENSIONS: [&str; 3] = ["pem", "crt", "cer"];

/// A center's network settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NetworkSettings {
    #[serde(default)]
    pub proxy: ProxySetting,
    /// A PEM file of CA certificates to trust besides the system's.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub ca_bundle: Option<PathBuf>,
    /// Accept any certificate. Unsafe; only for a center the user chose it for.
    #[serde(default)]
    pub accept_invalid_certificates: bool,
}

impl NetworkSettings {
    /// An HTTP client that follows these settings. `proxy_password` is the
    /// manual proxy's password, read from the keyring by the caller.
    pub fn client(&self, proxy_password: Option<&str>) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("AICC-Partner/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            // The portal closes a connection idle for 20 s; reusing one it
            // is closing fails the request, so let go of it sooner.
            .pool_idle_timeout(Duration::from_secs(15));
        builder = match &self.proxy {
            ProxySetting::System => builder,
            ProxySetting::None => builder.no_proxy(),
            ProxySetting::Manual {
                url,
                username,
                no_proxy,
            } => {
                let mut proxy = reqwest::Proxy::all(url.trim()).map_err(|e| {
                    Error::InvalidInput(format!(
                        "the proxy address \"{url}\" is invalid ({e}); write it like http://proxy.example.cn:8080"
                    ))
                })?;
                if let Some(user) = username.as_deref().filter(|u| !u.is_empty()) {
                    proxy = proxy.basic_auth(user, proxy_password.unwrap_or_default());
                }
                proxy = proxy.no_proxy(reqwest::NoProxy::from_string(no_proxy));
                builder.proxy(proxy)
            }
        };
        if let Some(path) = &self.ca_bundle {
            let pem = std::fs::read(path).map_err(|source| Error::File {
                path: path.display().to_string(),
                source,
            })?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "{} holds no PEM certificate; choose the CA file your IT team provides (-----BEGIN CERTIFICATE-----)",
                        path.display()
                    ))
                })?;
            builder = builder.tls_certs_merge(certificates);
        }
        if self.accept_invalid_certificates {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot set up HTTP: {e}")))
    }
}

/// A stand-in for a corporate proxy, for tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::io::{Read as _, Write as _};

    /// Accepts one request, answers `json` with 200, and gives back the
    /// request as it arrived.
    pub(crate) fn fake_proxy(
        json: &'static str,
    ) -> (std::net::SocketAddr, std::thread::JoinHandle<String>) {
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = proxy.local_addr().unwrap();
        let seen = std::thread::spawn(move || {
            let (mut stream, _) = proxy.accept().unwrap();
            let mut buffer = [0u8; 4096];
            let n = stream.read(&mut buffer).unwrap();
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
                json.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8_lossy(&buffer[..n]).into_owned()
        });
        (address, seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused_with_what_to_choose() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let settings = NetworkSettings {
            ca_bundle: Some(path),
            ..Default::default()
        };
        let err = settings.client(None).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
        let missing = NetworkSettings {
            ca_bundle: Some(dir.path().join("gone.pem")),
            ..Default::default()
        };
        assert!(matches!(missing.client(None), Err(Error::File { .. })));
    }

    #[test]
    fn a_malformed_proxy_address_is_refused_with_an_example() {
        let settings = NetworkSettings {
            proxy: ProxySetting::Manual {
                url: "::not a url::".into(),
                username: None,
                no_proxy: String::new(),
            },
            ..Default::default()
        };
        assert!(
            settings
                .client(None)
                .unwrap_err()
                .to_string()
                .contains("http://proxy.example.cn:8080")
        );
    }

    /// A center behind an internal CA: refused as untrusted until its CA
    /// bundle is chosen, then reached.
    #[tokio::test]
    async fn a_center_behind_an_internal_ca_is_trusted_once_its_bundle_is_added() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Hebei AICC internal CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();

        let tls = tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![server.der().clone()],
                tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(
                    server_key.serialize_der(),
                )
                .unwrap(),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(tls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(mut stream) = acceptor.accept(tcp).await {
                        let mut buffer = [0u8; 2048];
                        let _ = stream.read(&mut buffer).await;
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]")
                            .await;
                        let _ = stream.shutdown().await;
                    }
                });
            }
        });
        let url = format!("https://localhost:{port}/");

        let untrusted =
            crate::portal::PortalClient::new(&url, &NetworkSettings::default(), None).unwrap();
        let err = untrusted.pools("t").await.unwrap_err();
        assert!(matches!(err, Error::UntrustedCertificate(_)), "{err:?}");

        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("hebei-aicc-ca.pem");
        std::fs::write(&bundle, ca.pem()).unwrap();
        let settings = NetworkSettings {
            ca_bundle: Some(bundle),
            ..Default::default()
        };
        let trusted = crate::portal::PortalClient::new(&url, &settings, None).unwrap();
        assert!(trusted.pools("t").await.unwrap().is_empty());
    }

    /// A manual proxy receives the request in absolute form, with its credentials.
    #[tokio::test]
    async fn requests_go_through_the_manual_proxy_with_its_credentials() {
        let (address, seen) = testing::fake_proxy("{}");
        let settings = NetworkSettings {
            proxy: ProxySetting::Manual {
                url: format!("http://{address}"),
                username: Some("li.wei".into()),
                no_proxy: "localhost".into(),
            },
            ..Default::default()
        };
        let client = settings.client(Some("s3cret")).unwrap();
        let response = client
            .get("http://aicc.example.cn/v1/pools")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let request = seen.join().unwrap();
        assert!(
            request.starts_with("GET http://aicc.example.cn/v1/pools"),
            "{request}"
        );
        assert!(
            request
                .to_lowercase()
                .contains("proxy-authorization: basic"),
            "{request}"
        );
    }
}
