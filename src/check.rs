//! The offline checker (being built).

use std::process::ExitCode;

use crate::config::CheckArgs;

/// Runs the checker.
pub async fn run(_args: CheckArgs) -> ExitCode {
    ExitCode::from(2)
}
