//! The HTTPS listener: accept, TLS handshake, HTTP/1.1 or HTTP/2, graceful drain.
//!
//! Serving is done by hand on tokio-rustls and hyper-util rather than through a ready-made
//! server so that each limit is visible here: a handshake timeout, an idle timeout, a cap on
//! open connections, and a drain on shutdown.
//!
//! The idle timeout covers both protocols the same way: a connection with no request in
//! progress for `header_read_timeout` is closed. For HTTP/1.1 hyper already closes a
//! connection whose next request head does not arrive in that time (which includes an idle
//! keep-alive connection); HTTP/2 has no such timer in hyper, so a client that sends its
//! preface or a HEADERS frame slowly, or nothing at all, is cut here. The API server opens
//! a new connection when its idle one was closed.

use std::{
    future::Future,
    net::SocketAddr,
    pin::pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::Router;
use hyper::{body::Incoming, service::service_fn};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use rustls::ServerConfig;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
    time::Instant,
};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

/// Limits of the HTTPS listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest TLS handshake; a client that stalls in it is dropped.
    pub handshake_timeout: Duration,
    /// Longest time to receive a request's headers once a connection is idle or new; also
    /// how long a connection may stay open with no request in progress.
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

/// HTTP/2 keep-alive: a PING this often on a quiet connection...
const H2_PING_INTERVAL: Duration = Duration::from_secs(20);
/// ...and the connection is closed when its answer takes longer than this.
const H2_PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` over TLS on `listener` until `shutdown` completes, then lets in-flight
/// requests finish within the drain timeout. Returns once every connection is closed or
/// the drain timed out.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(H2_PING_INTERVAL)
        .keep_alive_timeout(H2_PING_TIMEOUT);
    let mut shutdown = pin!(shutdown);

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
        let connection = Connection {
            acceptor: acceptor.clone(),
            builder: builder.clone(),
            router: router.clone(),
            limits,
            stopped: stopped.clone(),
            _permit: permit,
        };
        tokio::spawn(connection.serve(stream, peer));
    }

    // Stop accepting: the kernel refuses new connections from here on.
    drop(listener);
    tracing::info!("stopped accepting; draining in-flight reviews");
    drop(stopped);
    let _ = stop.send(true);
    // Every connection task holds a receiver; the channel closes when the last one ends.
    if tokio::time::timeout(limits.drain_timeout, stop.closed())
        .await
        .is_err()
    {
        tracing::warn!("drain timed out; closing the remaining connections");
    }
}

/// One accepted connection and what it needs to serve itself.
struct Connection {
    acceptor: TlsAcceptor,
    builder: auto::Builder<TokioExecutor>,
    router: Router,
    limits: Limits,
    stopped: watch::Receiver<bool>,
    /// Held until the connection closes: one of `max_connections`.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, peer: SocketAddr) {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, %peer, "failed to set TCP_NODELAY");
        }
        let handshake = self.acceptor.accept(stream);
        let tls = match tokio::time::timeout(self.limits.handshake_timeout, handshake).await {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => return handshake_failed(peer, &error.to_string()),
            Err(_elapsed) => return handshake_failed(peer, "timed out"),
        };

        let activity = Arc::new(Activity::new());
        let service = {
            let activity = Arc::clone(&activity);
            let router = self.router.clone();
            service_fn(move |request: hyper::Request<Incoming>| {
                let busy = Busy::begin(Arc::clone(&activity));
                let answer = router.clone().oneshot(request);
                async move {
                    let response = answer.await;
                    drop(busy);
                    response
                }
            })
        };
        let connection = self
            .builder
            .serve_connection(TokioIo::new(tls), service)
            .into_owned();
        let mut connection = pin!(connection);

        // Closing: gracefully first (HTTP/2 GOAWAY, finish what is in progress), then hard
        // after `closing_deadline` for a peer that does not cooperate.
        let idle = self.limits.header_read_timeout;
        let mut closing_deadline: Option<Instant> = None;
        loop {
            let next_check = activity.idle_deadline(idle);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    return;
                }
                changed = self.stopped.changed(), if closing_deadline.is_none() => {
                    // A closed channel means the server is gone: close as well.
                    let _ = changed;
                    connection.as_mut().graceful_shutdown();
                    closing_deadline = Some(Instant::now() + self.limits.drain_timeout);
                }
                () = tokio::time::sleep_until(next_check), if closing_deadline.is_none() => {
                    if activity.is_idle_for(idle) {
                        tracing::debug!(%peer, "closing a connection idle for too long");
                        connection.as_mut().graceful_shutdown();
                        closing_deadline = Some(Instant::now() + self.limits.handshake_timeout);
                    }
                }
                () = sleep_until_some(closing_deadline) => {
                    tracing::debug!(%peer, "closed a connection that did not close in time");
                    return;
                }
            }
        }
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Requests in progress on one connection, and since when it has none.
#[derive(Debug)]
struct Activity {
    busy: AtomicUsize,
    quiet_since: Mutex<Instant>,
}

impl Activity {
    fn new() -> Self {
        Self {
            busy: AtomicUsize::new(0),
            quiet_since: Mutex::new(Instant::now()),
        }
    }

    fn quiet_since(&self) -> Instant {
        // The lock only guards an Instant; a poisoned one still holds a valid value.
        *self
            .quiet_since
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// When the connection will have been idle for `idle`, if nothing starts meanwhile.
    fn idle_deadline(&self, idle: Duration) -> Instant {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return Instant::now() + idle;
        }
        self.quiet_since() + idle
    }

    fn is_idle_for(&self, idle: Duration) -> bool {
        self.busy.load(Ordering::SeqCst) == 0 && self.quiet_since().elapsed() >= idle
    }
}

/// One request in progress on a connection.
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.busy.fetch_add(1, Ordering::SeqCst);
        Self(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut quiet_since = self
            .0
            .quiet_since
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        *quiet_since = Instant::now();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handshake_failed(peer: SocketAddr, error: &str) {
    tracing::debug!(%peer, error, "TLS handshake failed");
}
