//! SIGTERM and SIGINT: the first one starts a graceful shutdown, a second one exits at once.

use tokio::signal::unix::{SignalKind, signal};

/// Completes on the first SIGTERM or SIGINT, and arranges for the next one to end the
/// process immediately.
pub async fn signalled() {
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("failed to install signal handlers; stop the process with SIGKILL");
        return std::future::pending().await;
    };

    let name = tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    };
    tracing::info!(
        signal = name,
        "shutting down; send it again to exit at once"
    );

    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::warn!("second signal; exiting without draining");
        std::process::exit(1);
    });
}
