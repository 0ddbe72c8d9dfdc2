//! Logs to stderr and to a daily-rotated file in the app's log directory,
//! filtered by `RUST_LOG` (default: info). Nothing secret is ever logged:
//! token types hide their values from `Debug`, and passwords are never
//! passed to a log macro.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
/// Keep a week of log files.
const KEPT_LOG_FILES: usize = 7;

/// Installs the global subscriber; keep the guard alive to flush the file on exit.
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    // The appender prunes old files from the directory, so it must exist first.
    let file = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("aicc-partner")
                .filename_suffix("log")
                .max_log_files(KEPT_LOG_FILES)
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            tracing_subscriber::registry()
                .with(stderr)
                .with(file)
                .init();
            Some(guard)
        }
        Err(e) => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(
                "logging to stderr only: cannot open a log file in {}: {e}",
                log_dir.display()
            );
            None
        }
    }
}
