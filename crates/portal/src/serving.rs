//! Connections: the accept loop a portal on a center's network needs.
//!
//! - A client gets `header_read_timeout_secs` to send a request's
//!   headers, and as long to start the next one on a kept-alive
//!   connection; one that dawdles is closed (slowloris holds no file
//!   descriptor for long).
//! - With `[tls]` in the config, HTTPS (rustls), with HSTS; the handshake
//!   has the same timeout.
//! - At shutdown the listener closes, open event streams end, requests in
//!   flight get [`SHUTDOWN_GRACE`] to finish, then their connections drop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

use crate::config::TlsConfig;

/// How long requests in flight may take to finish at shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The HTTPS acceptor for a certificate chain and key in PEM files.
pub fn tls_acceptor(tls: &TlsConfig) -> anyhow::Result<TlsAcceptor> {
    let certificates = CertificateDer::pem_file_iter(&tls.certificate)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .with_context(|| {
            format!(
                "cannot read the certificate chain {} (PEM, leaf first)",
                tls.certificate.display()
            )
        })?;
    let key = PrivateKeyDer::from_pem_file(&tls.key)
        .with_context(|| format!("cannot read the private key {} (PEM)", tls.key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .context("the certificate and the private key do not belong together")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` on `listener` until `shutdown` completes; then cancels
/// `closing` (which ends event streams) and lets requests in flight finish.
/// A client has `header_timeout` for a TLS handshake and for each
/// request's headers.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
    closing: CancellationToken,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            builder: Arc::clone(&builder),
            router: router.clone(),
            peer,
        };
        let watcher = graceful.watcher();
        match tls.clone() {
            None => {
                tokio::spawn(connection.serve(stream, watcher));
            }
            Some(acceptor) => {
                tokio::spawn(async move {
                    match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => connection.serve(stream, watcher).await,
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        }
    }
    drop(listener);
    closing.cancel();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; closing them");
        }
    }
}

/// One accepted connection, about to be served.
struct Connection {
    builder: Arc<auto::Builder<TokioExecutor>>,
    router: Router,
    peer: SocketAddr,
}

impl Connection {
    async fn serve<S>(self, stream: S, watcher: hyper_util::server::graceful::Watcher)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Self {
            builder,
            router,
            peer,
        } = self;
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        if let Err(e) = watcher.watch(connection).await {
            tracing::debug!(%peer, error = %e, "connection ended");
        }
    }
}

/// Headers every answer carries: no content sniffing, nothing stored by
/// a cache on the way (answers carry tokens and partners' data), and over
/// HTTPS, HSTS.
pub async fn security_headers(https: bool, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
