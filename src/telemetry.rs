//! Log output: text for people, JSON for collectors, level from `RUST_LOG`.

use std::io::IsTerminal as _;

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

/// Used when `RUST_LOG` is unset: the service at `info`, chatty libraries at `warn`.
const DEFAULT_FILTER: &str = "info,hyper=warn,h2=warn,rustls=warn,kube_client=warn,tower=warn";

/// Installs the global subscriber, writing to standard error.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only for a person at a terminal, never into a file or a collector.
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // `try_init` fails only when a subscriber is already installed, which keeps that one.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
