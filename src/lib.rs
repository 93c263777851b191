//! An admission webhook for Kratix `BucketStateStore` resources.
//!
//! The crate is laid out by layer:
//!
//! - [`policy`]: the rules, with no HTTP in them: defaults ([`policy::defaults`]) and the
//!   verdict on one object ([`policy::Policy::judge`]).
//! - [`secrets`]: where the referenced Secret is read from (API, or manifests).
//! - [`review`]: the `AdmissionReview` envelope in and out.
//! - [`webhook`]: the `/mutate` and `/validate` routes; [`server`] and [`tls`] serve them
//!   over HTTPS; [`admin`] serves the probes and [`metrics`]; [`shutdown`] handles signals.
//! - [`check`]: the offline checker over manifest files.
//! - [`config`] and [`telemetry`]: flags and log output.
//!
//! [`serve`] wires them together in startup order.

pub mod admin;
pub mod check;
pub mod config;
pub mod metrics;
pub mod policy;
pub mod review;
pub mod secrets;
pub mod server;
pub mod shutdown;
pub mod telemetry;
pub mod tls;
pub mod webhook;

use std::{io, net::SocketAddr, path::Path, sync::Arc};

use tokio::net::TcpListener;

use crate::{
    admin::Readiness,
    config::ServeArgs,
    metrics::Metrics,
    policy::Policy,
    secrets::{SecretIndex, SecretStore, SecretsDirError},
    tls::{CertResolver, CredentialPaths, Credentials, CredentialsError},
    webhook::App,
};

/// Runs the server until SIGTERM or SIGINT, in this order: load the serving certificate,
/// connect to Secrets, bind both listeners, turn ready, serve (reloading the certificate as
/// its files change), turn unready, drain.
///
/// # Errors
/// When anything before serving fails; the server is then not started.
pub async fn serve(args: ServeArgs) -> Result<(), StartError> {
    let paths = CredentialPaths {
        cert: args.tls_cert.clone(),
        key: args.tls_key.clone(),
    };
    let credentials = Credentials::load(&paths)?;
    let metrics = Arc::new(Metrics::new());
    metrics.certificate_expires_at(credentials.not_after());
    let not_after = credentials.not_after();
    let resolver = Arc::new(CertResolver::new(credentials));
    let tls = Arc::new(tls::server_config(
        Arc::clone(&resolver),
        args.client_ca.as_deref(),
    )?);

    let policy = Policy::new(
        secret_store(args.secrets.secrets_dir.as_deref()).await?,
        args.secrets.missing_secret,
        args.secrets.secret_lookup_timeout,
    )
    .with_metrics(Arc::clone(&metrics));
    let app = App::new(policy)
        .with_metrics(Arc::clone(&metrics))
        .with_request_timeout(args.limits.request_timeout);
    let limits = server::Limits {
        max_connections: usize::try_from(args.limits.max_connections).unwrap_or(usize::MAX),
        drain_timeout: args.limits.drain_timeout,
        ..server::Limits::default()
    };

    let listener = bind(args.listen).await?;
    let admin_listener = bind(args.admin_listen).await?;
    tracing::info!(
        listen = %args.listen,
        admin_listen = %args.admin_listen,
        tls_cert = %paths.cert.display(),
        certificate_not_after = not_after,
        client_ca = ?args.client_ca,
        cert_reload_interval = ?args.cert_reload_interval,
        request_timeout = ?args.limits.request_timeout,
        drain_timeout = ?args.limits.drain_timeout,
        max_connections = args.limits.max_connections,
        missing_secret = ?args.secrets.missing_secret,
        secret_lookup_timeout = ?args.secrets.secret_lookup_timeout,
        "serving"
    );

    let readiness = Readiness::default();
    let (stop_admin, admin_stopped) = tokio::sync::oneshot::channel::<()>();
    let admin_router = admin::router(readiness.clone(), Arc::clone(&metrics));
    let admin = tokio::spawn(
        axum::serve(admin_listener, admin_router)
            .with_graceful_shutdown(async {
                let _ = admin_stopped.await;
            })
            .into_future(),
    );

    let reloader = tokio::spawn(tls::watch(
        paths,
        resolver,
        args.cert_reload_interval,
        Arc::clone(&metrics),
    ));

    readiness.set(true);
    let shutdown = {
        let readiness = readiness.clone();
        async move {
            shutdown::signalled().await;
            readiness.set(false);
        }
    };
    server::serve(listener, tls, webhook::router(app), limits, shutdown).await;

    reloader.abort();
    let _ = stop_admin.send(());
    let _ = admin.await;
    tracing::info!("stopped");
    Ok(())
}

/// Secrets from the manifests in `dir`, or else from the cluster kube finds the way kubectl
/// does.
async fn secret_store(dir: Option<&Path>) -> Result<SecretStore, StartError> {
    let Some(dir) = dir else {
        let client = kube::Client::try_default()
            .await
            .map_err(StartError::Kubernetes)?;
        return Ok(SecretStore::Cluster(client));
    };
    let index = SecretIndex::load_dir(dir)?;
    tracing::info!(dir = %dir.display(), secrets = index.len(), "reading Secrets from manifests");
    Ok(SecretStore::Manifests(Arc::new(index)))
}

/// `error` and its chain of causes on one line, `outer: inner: innermost`, as `main` and the
/// checker print them.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

async fn bind(address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind { address, source })
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The serving certificate is unusable.
    #[error("the serving certificate cannot be used")]
    Credentials(#[from] CredentialsError),
    /// `--secrets-dir` could not be loaded.
    #[error("the Secrets folder cannot be used")]
    SecretsDir(#[from] SecretsDirError),
    /// No Kubernetes client could be built.
    #[error(
        "no Kubernetes configuration found (in-cluster, KUBECONFIG or ~/.kube/config); \
         use --secrets-dir for local runs"
    )]
    Kubernetes(#[source] kube::Error),
    /// A listener could not be bound.
    #[error("failed to listen on {address}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The cause.
        #[source]
        source: io::Error,
    },
}
