//! Connections: the accept loop a portal on a center's network needs.
//!
//! - A client gets `header_read_timeout_secs` for a TLS handshake and for
//!   each request's headers, `body_read_timeout_secs` between the pieces of
//!   a request's body (as nginx's `client_body_timeout`), and a connection
//!   with no request open is closed after `idle_timeout_secs`, HTTP/2
//!   included. Slowloris, slow bodies and idle connections hold no file
//!   descriptor for long.
//! - A request's body must arrive whole, in time and within its route's
//!   size, into memory the portal keeps for bodies: [`crate::bodies`].
//! - At most `max_connections` are open at once, and
//!   `max_connections_per_address` from one address (an IPv6 site's
//!   whole /48; a trusted proxy excepted); beyond, a new connection is
//!   closed at once. HTTP/2 allows 32 requests at once per connection.
//! - Plain HTTP is HTTP/1.1 only: nothing waits on a client to say which
//!   protocol it speaks. With `[tls]` in the config, HTTPS (rustls) with
//!   HSTS, and HTTP/2 where the client chooses it in the handshake (ALPN).
//! - At shutdown the listener closes, open event streams end, requests in
//!   flight get [`SHUTDOWN_GRACE`] to finish, then their connections drop.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulConnection;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

use crate::config::TlsConfig;
use crate::limits::{Held, PerKey};

/// How long requests in flight may take to finish at shutdown.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long a client may keep a connection waiting.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// For a TLS handshake, and for each request's headers.
    pub headers: Duration,
    /// With no request open, before the connection is closed.
    pub idle: Duration,
}

/// How many connections may be open at once.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub total: usize,
    pub per_address: usize,
    /// Proxies speak for many clients: their connections count only
    /// towards the total.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The connections open now, in all and per address.
struct OpenConnections {
    total: Arc<Semaphore>,
    per_address: PerKey<IpAddr>,
}

/// One connection counted as open until dropped.
struct Counted {
    _total: OwnedSemaphorePermit,
    _from: Option<Held<IpAddr>>,
}

impl ConnectionLimits {
    fn open(&self) -> OpenConnections {
        OpenConnections {
            total: Arc::new(Semaphore::new(self.total)),
            per_address: PerKey::new(self.per_address),
        }
    }

    /// Counts a connection from `peer`, or `None` when it would be one too many.
    fn admit(&self, open: &OpenConnections, peer: IpAddr) -> Option<Counted> {
        let trusted = self.trusted_proxies.iter().any(|net| net.contains(&peer));
        let from = if trusted {
            None
        } else {
            Some(open.per_address.take(site(peer))?)
        };
        Some(Counted {
            _total: Arc::clone(&open.total).try_acquire_owned().ok()?,
            _from: from,
        })
    }
}

/// Where connections from `peer` are counted: its address, or for IPv6
/// its site's /48 (a site is given many /64s).
fn site(peer: IpAddr) -> IpAddr {
    match crate::limits::network(peer) {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from_bits(
            v6.to_bits() & !((1u128 << 80) - 1),
        )),
        v4 => v4,
    }
}

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
pub async fn serve(
    router: Router,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    timeouts: Timeouts,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
    closing: CancellationToken,
) {
    let connections = TaskTracker::new();
    let open = limits.open();
    let gone = CancellationToken::new();
    let mut shutdown = pin!(shutdown);
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
        let Some(counted) = limits.admit(&open, peer.ip()) else {
            tracing::debug!(%peer, "too many connections; closing a new one");
            drop(stream);
            continue;
        };
        let connection = Connection {
            router: router.clone(),
            peer,
            timeouts,
            closing: closing.clone(),
        };
        let tls = tls.clone();
        let gone = gone.clone();
        connections.spawn(async move {
            let _counted = counted;
            let served = async {
                let Some(acceptor) = tls else {
                    return connection.serve(stream, Protocol::Http1).await;
                };
                match tokio::time::timeout(timeouts.headers, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        let protocol = match stream.get_ref().1.alpn_protocol() {
                            Some(b"h2") => Protocol::Http2,
                            _ => Protocol::Http1,
                        };
                        connection.serve(stream, protocol).await;
                    }
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                }
            };
            tokio::select! {
                () = served => {}
                () = gone.cancelled() => {}
            }
        });
    }
    drop(listener);
    closing.cancel();
    connections.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; closing them");
        gone.cancel();
        connections.wait().await;
    }
}

/// What a connection speaks.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    Http1,
    Http2,
}

/// One accepted connection, about to be served.
struct Connection {
    router: Router,
    peer: SocketAddr,
    timeouts: Timeouts,
    closing: CancellationToken,
}

impl Connection {
    async fn serve<S>(self, stream: S, protocol: Protocol)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Self {
            router,
            peer,
            timeouts,
            closing,
        } = self;
        // How many requests are open on this connection: from their headers
        // until their answer's body has been sent or dropped.
        let (open, mut watching) = watch::channel(0usize);
        let open = Arc::new(open);
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().oneshot(request);
            let guard = OpenRequest::begin(&open);
            async move {
                let response = answer.await?;
                // The guard lives as long as the answer's body.
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _open = &guard;
                        frame
                    }))
                }))
            }
        });
        let io = TokioIo::new(stream);
        let idle = idle_for(&mut watching, timeouts.idle.max(timeouts.headers));
        let ended = match protocol {
            Protocol::Http1 => {
                let connection = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(timeouts.headers)
                    .serve_connection(io, service);
                drive(connection, idle, &closing).await
            }
            Protocol::Http2 => {
                let connection = http2::Builder::new(TokioExecutor::new())
                    .timer(TokioTimer::new())
                    .max_concurrent_streams(32)
                    .keep_alive_interval(Some(Duration::from_secs(30)))
                    .serve_connection(io, service);
                drive(connection, idle, &closing).await
            }
        };
        if let Err(e) = ended {
            tracing::debug!(%peer, error = %e, "connection ended");
        }
    }
}

/// Runs `connection` to its end; once it has been `idle` or the portal is
/// `closing`, it finishes the requests it has open and closes.
async fn drive<C>(
    connection: C,
    idle: impl Future<Output = ()>,
    closing: &CancellationToken,
) -> Result<(), C::Error>
where
    C: GracefulConnection,
{
    let mut connection = pin!(connection);
    tokio::select! {
        ended = connection.as_mut() => return ended,
        () = idle => {}
        () = closing.cancelled() => {}
    }
    connection.as_mut().graceful_shutdown();
    connection.await
}

/// Completes once no request has been open on the connection for `idle`.
async fn idle_for(open: &mut watch::Receiver<usize>, idle: Duration) {
    loop {
        if open.wait_for(|open| *open == 0).await.is_err() {
            return;
        }
        if tokio::time::timeout(idle, open.changed()).await.is_err() {
            return;
        }
    }
}

/// A request counted as open on its connection until dropped.
struct OpenRequest(Arc<watch::Sender<usize>>);

impl OpenRequest {
    fn begin(open: &Arc<watch::Sender<usize>>) -> Self {
        open.send_modify(|open| *open += 1);
        Self(Arc::clone(open))
    }
}

impl Drop for OpenRequest {
    fn drop(&mut self) {
        self.0.send_modify(|open| *open = open.saturating_sub(1));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_count_in_all_and_per_address_and_a_proxy_only_in_all() {
        let limits = ConnectionLimits {
            total: 3,
            per_address: 2,
            trusted_proxies: vec!["10.0.0.5/32".parse().unwrap()],
        };
        let open = limits.open();
        let (home, other, proxy): (IpAddr, IpAddr, IpAddr) = (
            "192.0.2.7".parse().unwrap(),
            "192.0.2.8".parse().unwrap(),
            "10.0.0.5".parse().unwrap(),
        );
        let first = limits.admit(&open, home).unwrap();
        let _second = limits.admit(&open, home).unwrap();
        assert!(limits.admit(&open, home).is_none(), "two from one address");
        let from_proxy = limits.admit(&open, proxy).unwrap();
        assert!(
            limits.admit(&open, other).is_none(),
            "three in all, refusals not counted"
        );
        drop(from_proxy);
        let _third = limits.admit(&open, proxy).unwrap();
        drop(first);
        assert!(limits.admit(&open, other).is_some());
    }

    #[test]
    fn an_ipv6_site_counts_as_one_address_for_connections() {
        let one: IpAddr = "2001:db8:aa:1::1".parse().unwrap();
        let same_site: IpAddr = "2001:db8:aa:ff00::9".parse().unwrap();
        let other_site: IpAddr = "2001:db8:ab::1".parse().unwrap();
        assert_eq!(site(one), site(same_site));
        assert_ne!(site(one), site(other_site));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(site(v4), v4);
    }
}
