//! Command-line flags and their environment variables, parsed once in `main`.
//!
//! Every flag of `serve` can also be set through a `WEBHOOK_…` environment variable, which is
//! how the Deployment configures the server. Values are typed here (addresses, paths,
//! durations, enums) so that the rest of the service never parses strings.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Admission webhook that defaults and validates Kratix BucketStateStore resources.
#[derive(Debug, Parser)]
#[command(name = "bucketstatestore-webhook", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve /mutate and /validate over HTTPS, and probes on the admin port.
    Serve(Box<ServeArgs>),
    /// Check BucketStateStore manifests offline with the same rules as the server.
    Check(CheckArgs),
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address of the HTTPS listener that answers the API server.
    #[arg(long, env = "WEBHOOK_LISTEN", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// PEM file with the serving certificate, followed by any intermediates.
    #[arg(long, env = "WEBHOOK_TLS_CERT", value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// PEM file with the private key of the serving certificate.
    #[arg(long, env = "WEBHOOK_TLS_KEY", value_name = "FILE")]
    pub tls_key: PathBuf,

    /// Address of the plain-HTTP admin listener (GET /livez, /readyz, /metrics).
    #[arg(long, env = "WEBHOOK_ADMIN_LISTEN", default_value = "0.0.0.0:8080")]
    pub admin_listen: SocketAddr,

    /// Log line format; the level comes from RUST_LOG (default: info).
    #[arg(long, env = "WEBHOOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// How often the certificate and key files are read again; a changed pair is served from
    /// the next handshake on, a broken one is ignored (the last good pair stays).
    #[arg(
        long,
        env = "WEBHOOK_CERT_RELOAD_INTERVAL",
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_positive_duration
    )]
    pub cert_reload_interval: Duration,

    /// PEM file with the CA(s) that sign the API server's client certificate; when set, every
    /// HTTPS client must present a certificate signed by one of them.
    #[arg(long, env = "WEBHOOK_CLIENT_CA", value_name = "FILE")]
    pub client_ca: Option<PathBuf>,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub secrets: SecretArgs,
}

/// Limits that keep slow or idle clients and shutdown bounded.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Longest wait for in-flight reviews after SIGTERM; keep it below the pod's
    /// terminationGracePeriodSeconds (30s).
    #[arg(
        long,
        env = "WEBHOOK_DRAIN_TIMEOUT",
        value_name = "DURATION",
        default_value = "20s",
        value_parser = parse_duration
    )]
    pub drain_timeout: Duration,

    /// Longest time one review may take, body included, before it is answered 503; a
    /// backstop above the webhook's timeoutSeconds, after which the API server stops waiting.
    #[arg(
        long,
        env = "WEBHOOK_REQUEST_TIMEOUT",
        value_name = "DURATION",
        default_value = "15s",
        value_parser = parse_positive_duration
    )]
    pub request_timeout: Duration,

    /// Most HTTPS connections open at once; further clients wait in the kernel's backlog.
    #[arg(
        long,
        env = "WEBHOOK_MAX_CONNECTIONS",
        value_name = "COUNT",
        default_value_t = 1024,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_connections: u32,

    /// Threads that run the server (default: one a CPU core).
    #[arg(
        long,
        env = "WEBHOOK_WORKER_THREADS",
        value_name = "COUNT",
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub worker_threads: Option<u16>,
}

/// How Secrets are found and what a missing one means; shared by `serve` and `check`.
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// Read Secret manifests (YAML or JSON) from this folder instead of the Kubernetes API,
    /// for local runs without a cluster.
    #[arg(long, env = "WEBHOOK_SECRETS_DIR", value_name = "DIR")]
    pub secrets_dir: Option<PathBuf>,

    /// What to do when the Secret that spec.secretRef names does not exist: deny the store,
    /// or allow it with a warning (for clusters that create the Secret after the store).
    #[arg(long, env = "WEBHOOK_MISSING_SECRET", value_enum, default_value_t = MissingSecret::Deny)]
    pub missing_secret: MissingSecret,

    /// Longest time one Secret read may take; the API server's own `?timeout=` shortens it.
    #[arg(
        long,
        env = "WEBHOOK_SECRET_LOOKUP_TIMEOUT",
        value_name = "DURATION",
        default_value = "3s",
        value_parser = parse_duration
    )]
    pub secret_lookup_timeout: Duration,
}

/// Flags of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check (folders recursively: *.yaml, *.yml, *.json); `-` reads
    /// standard input.
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,

    /// Fail (exit 1) on warnings too, not only on denials.
    #[arg(long)]
    pub strict: bool,

    /// Also look up Secrets that the input does not contain in the cluster, found the way
    /// kubectl finds it (KUBECONFIG, ~/.kube/config or in-cluster).
    #[arg(long)]
    pub cluster: bool,

    /// What to do when the Secret that spec.secretRef names exists nowhere.
    #[arg(long, value_enum, default_value_t = MissingSecret::Deny)]
    pub missing_secret: MissingSecret,

    /// Longest time one Secret read from the cluster may take.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub secret_lookup_timeout: Duration,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for running locally.
    Text,
    /// One JSON object a line, for log collectors in the cluster.
    Json,
}

/// What a referenced Secret that does not exist means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingSecret {
    /// Deny the store.
    Deny,
    /// Allow the store with a warning.
    Warn,
}

/// Report format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Findings grouped by object, with `file:line`.
    Human,
    /// One JSON record a finding.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`).
    Github,
}

/// Like [`parse_duration`], for durations that must not be zero (intervals, timeouts).
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err(format!("{text:?} must be longer than zero"));
    }
    Ok(duration)
}

/// Parses a duration written as a number with a unit: `500ms`, `3s`, `1m`. A bare number
/// means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write it like 500ms, 3s or 1m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?}; use ms, s or m")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn accepts_durations_with_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
    }

    #[test]
    fn rejects_durations_without_a_known_unit() {
        assert!(
            parse_duration("3h")
                .expect_err("an unknown unit")
                .contains("unknown unit")
        );
        assert!(
            parse_duration("soon")
                .expect_err("no number")
                .contains("not a duration")
        );
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn accepts_serve_flags_with_defaults() {
        let cli = Cli::try_parse_from([
            "bucketstatestore-webhook",
            "serve",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ])
        .expect("flags parse");
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.listen, "0.0.0.0:8443".parse().expect("addr"));
        assert_eq!(args.admin_listen, "0.0.0.0:8080".parse().expect("addr"));
        assert_eq!(args.secrets.missing_secret, MissingSecret::Deny);
        assert_eq!(args.secrets.secret_lookup_timeout, Duration::from_secs(3));
        assert_eq!(args.cert_reload_interval, Duration::from_secs(10));
        assert_eq!(args.client_ca, None);
        assert_eq!(args.limits.drain_timeout, Duration::from_secs(20));
        assert_eq!(args.limits.request_timeout, Duration::from_secs(15));
        assert_eq!(args.limits.max_connections, 1024);
        assert_eq!(args.limits.worker_threads, None);
    }

    #[test]
    fn rejects_zero_reload_interval() {
        assert!(parse_positive_duration("0s").is_err());
        assert_eq!(
            parse_positive_duration("200ms"),
            Ok(Duration::from_millis(200))
        );
    }

    #[test]
    fn help_is_consistent() {
        Cli::command().debug_assert();
    }
}
