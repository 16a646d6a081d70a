//! `tasklint check`: discover the files, lint them in parallel, leave out what the baseline
//! records (or record them in a new baseline), report.
//!
//! The files of a run are linted as one project ([`lint::lint_project`]): the index pass sees
//! every file before the rules run.
//!
//! Per-file problems never stop the run: an unreadable path, a file that is not UTF-8, even a
//! panic inside a detector is reported on stderr as one line, and the run goes on with the other
//! files (the exit status becomes 2).

use std::io::{self, Write};

use super::settings::CheckSettings;
use super::workspace::{canonical, normalize};
use super::{print_error, print_note, print_warning, ExitStatus};
use crate::baseline::{Applied, Baseline};
use crate::discover::{self, io_cause, FileToLint};
use crate::emit;
use crate::lint::{self, FileError, FileReport, LINT_STACK_SIZE};
use crate::panics::{catch_panic, QuietPanics};
use crate::source::SourceFile;

/// Runs `tasklint check` with resolved settings.
pub fn run(settings: &CheckSettings) -> ExitStatus {
    let mut discovery = discover::discover(&settings.paths, &settings.walk);
    // `cargo tasklint`: a nested workspace member that is not selected is not part of the
    // package folder walked around it.
    if !settings.skipped_folders.is_empty() {
        let cwd = canonical(&std::env::current_dir().unwrap_or_default());
        discovery.files.retain(|file| {
            let path = normalize(&cwd.join(&file.path));
            !settings
                .skipped_folders
                .iter()
                .any(|folder| path.starts_with(folder))
        });
    }
    let mut status = ExitStatus::Clean;
    if !settings.quiet {
        for warning in &discovery.warnings {
            print_warning(warning);
        }
    }
    for error in &discovery.errors {
        print_error(error);
        status = status.max(ExitStatus::Error);
    }
    if discovery.files.is_empty() && discovery.errors.is_empty() && !settings.quiet {
        print_warning("no Python or Rust files found to lint");
    }

    let outcomes = match lint_all(&discovery.files, settings) {
        Ok(outcomes) => outcomes,
        Err(error) => {
            print_error(format_args!("cannot start the lint threads: {error}"));
            return ExitStatus::Error;
        }
    };

    let mut reports = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Ok(report) => reports.push(report),
            Err(error) => {
                print_error(describe_file_error(&error));
                status = status.max(ExitStatus::Error);
            }
        }
    }
    if !settings.quiet {
        for report in &reports {
            for unknown in &report.unknown_suppressions {
                print_warning(format_args!(
                    "{}:{}: unknown rule code `{}` in suppression comment",
                    report.source.path, unknown.line, unknown.code
                ));
            }
        }
    }
    if let Some(path) = &settings.write_baseline {
        return status.max(write_baseline(&reports, path, settings.quiet));
    }
    let applied = settings
        .baseline
        .as_ref()
        .map(|baseline| baseline.apply(&mut reports));
    if !settings.exit_zero && reports.iter().any(|report| !report.diagnostics.is_empty()) {
        status = status.max(ExitStatus::Findings);
    }
    if settings.quiet {
        return status;
    }

    // Clean files only count; their text is not needed any more.
    for report in &mut reports {
        if report.diagnostics.is_empty() {
            report.source = SourceFile::new(std::mem::take(&mut report.source.path), "");
        }
    }
    let status = write_reports(&reports, settings).max(status);
    if let Some(Applied { stale, .. }) = applied.filter(|applied| applied.stale > 0) {
        let entries = if stale == 1 {
            "1 baseline entry no longer matches"
        } else {
            &format!("{stale} baseline entries no longer match")
        };
        print_warning(format_args!("{entries}; run --write-baseline to shrink it"));
    }
    status
}

/// `--write-baseline`: records the findings of `reports` in `path` instead of reporting them.
fn write_baseline(reports: &[FileReport], path: &std::path::Path, quiet: bool) -> ExitStatus {
    let baseline = Baseline::from_reports(reports);
    match baseline.write(path) {
        Ok(()) => {
            if !quiet {
                print_note(format_args!(
                    "recorded {} in the baseline `{}`",
                    emit::plural(baseline.len(), "finding"),
                    path.display()
                ));
            }
            ExitStatus::Clean
        }
        Err(error) => {
            print_error(error);
            ExitStatus::Error
        }
    }
}

/// Lints every file as one project on a pool of `settings.threads` threads with large stacks;
/// the outcomes are in the order of `files`.
fn lint_all(
    files: &[FileToLint],
    settings: &CheckSettings,
) -> Result<Vec<Result<FileReport, FileError>>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .stack_size(LINT_STACK_SIZE)
        .thread_name(|index| format!("tasklint-lint-{index}"))
        .build()?;
    let _quiet = QuietPanics::install();
    Ok(pool.install(|| lint::lint_project(files, &settings.lint)))
}

/// Writes the findings to stdout. A closed pipe (`tasklint check | head`) is not an error.
fn write_reports(reports: &[FileReport], settings: &CheckSettings) -> ExitStatus {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = {
        let _quiet = QuietPanics::install();
        catch_panic(|| {
            if settings.statistics {
                emit::statistics(&mut out, reports)
            } else {
                emit::emit(settings.format, &mut out, reports, &settings.emit)
            }
            .and_then(|()| out.flush())
        })
    };
    match written {
        Ok(Ok(())) => ExitStatus::Clean,
        Ok(Err(error)) if error.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Ok(Err(error)) => {
            print_error(format_args!(
                "cannot write the output: {}",
                io_cause(&error)
            ));
            ExitStatus::Error
        }
        Err(panic) => {
            print_error(format_args!(
                "internal error while writing the output: {panic}; please report this bug"
            ));
            ExitStatus::Error
        }
    }
}

/// `cannot read `a.py`: permission denied`: the I/O cause in the same words as walk errors.
fn describe_file_error(error: &FileError) -> String {
    match error {
        FileError::Read { path, cause } => format!("cannot read `{path}`: {}", io_cause(cause)),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_errors_use_the_lowercase_cause() {
        let error = FileError::Read {
            path: "a.py".into(),
            cause: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            describe_file_error(&error),
            "cannot read `a.py`: permission denied"
        );
    }
}
