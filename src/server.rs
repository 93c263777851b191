//! The HTTPS listener: accept, TLS handshake, HTTP/1.1 or HTTP/2, graceful drain.
//!
//! Serving is done by hand on tokio-rustls and hyper-util rather than through a ready-made
//! server so that each limit is visible here: a handshake timeout, a header-read timeout, a
//! cap on open connections, and a drain on shutdown.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::Router;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use rustls::ServerConfig;
use tokio::{net::TcpListener, sync::Semaphore};
use tokio_rustls::TlsAcceptor;

/// Limits of the HTTPS listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest TLS handshake; a client that stalls in it is dropped.
    pub handshake_timeout: Duration,
    /// Longest time to receive a request's headers once a connection is idle or new.
    pub header_read_timeout: Duration,
    /// Most connections open at once; further ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// Longest wait for in-flight requests after shutdown begins.
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(5),
            header_read_timeout: Duration::from_secs(5),
            max_connections: 1024,
            drain_timeout: Duration::from_secs(20),
        }
    }
}

/// Serves `router` over TLS on `listener` until `shutdown` completes, then lets in-flight
/// requests finish within the drain timeout.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);

    loop {
        // Wait for room before accepting, so that excess clients wait in the backlog.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors must not end the server: pause, retry.
                    tracing::warn!(%error, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, %peer, "failed to set TCP_NODELAY");
        }

        let acceptor = acceptor.clone();
        let builder = builder.clone();
        let router = router.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            let tls = match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream))
                .await
            {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => return handshake_failed(peer, &error.to_string()),
                Err(_elapsed) => return handshake_failed(peer, "timed out"),
            };
            let service = TowerToHyperService::new(router);
            let connection = builder.serve_connection(TokioIo::new(tls), service);
            if let Err(error) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%peer, error = %error, "connection ended with an error");
            }
        });
    }

    drop(listener);
    tracing::info!("stopped accepting; draining in-flight reviews");
    if tokio::time::timeout(limits.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("drain timed out; closing the remaining connections");
    }
}

fn handshake_failed(peer: SocketAddr, error: &str) {
    tracing::debug!(%peer, error, "TLS handshake failed");
}
