//! Entry point: install the crypto provider, parse flags, run the subcommand.

use std::{error::Error, process::ExitCode};

use bucketstatestore_webhook::{
    config::{Cli, Command},
    telemetry,
};
use clap::Parser as _;

fn main() -> ExitCode {
    // One provider for the whole process, before any TLS configuration is built. An `Err`
    // means one is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();

    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Command::Serve(args) = &cli.command
        && let Some(threads) = args.limits.worker_threads
    {
        runtime.worker_threads(threads.into());
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    match cli.command {
        Command::Serve(args) => {
            telemetry::init(args.log_format);
            match runtime.block_on(bucketstatestore_webhook::serve(*args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&error),
            }
        }
        Command::Check(args) => runtime.block_on(bucketstatestore_webhook::check::run(args)),
    }
}

/// Prints the error with its chain of causes, once, and returns failure.
#[allow(clippy::print_stderr)]
fn fail(error: &dyn Error) -> ExitCode {
    eprintln!("error: {}", bucketstatestore_webhook::error_chain(error));
    ExitCode::FAILURE
}
