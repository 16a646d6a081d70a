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
use std::sync::Arc;

use super::settings::{CheckSettings, FixOutput};
use super::workspace::{canonical, normalize};
use super::{print_error, print_note, print_warning, ExitStatus};
use crate::baseline::{Applied, Baseline};
use crate::discover::{self, io_cause, FileToLint};
use crate::emit;
use crate::fix::{diff, write};
use crate::lint::{self, FileError, FileReport, FileRules, LINT_STACK_SIZE};
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
    let (rules, external) = settings
        .configs
        .for_files(discovery.files.iter().map(|file| file.path.as_path()));
    let config_errors = settings.configs.errors();
    if !config_errors.is_empty() {
        for error in config_errors {
            print_error(error);
        }
        return ExitStatus::Error;
    }

    let lint_settings = lint::Settings {
        external,
        fix: (settings.fix_output != FixOutput::None).then_some(settings.emit.fix_level),
        ..lint::Settings::default()
    };
    let outcomes = match lint_all(&discovery.files, &rules, &lint_settings, settings.threads) {
        Ok(outcomes) => outcomes,
        Err(error) => {
            print_error(format_args!("cannot start the lint threads: {error}"));
            return ExitStatus::Error;
        }
    };

    let mut reports = Vec::with_capacity(outcomes.len());
    let mut paths = Vec::with_capacity(outcomes.len());
    for (outcome, file) in outcomes.into_iter().zip(&discovery.files) {
        match outcome {
            Ok(report) => {
                reports.push(report);
                paths.push(file.path.as_path());
            }
            Err(error) => {
                print_error(describe_file_error(&error));
                status = status.max(ExitStatus::Error);
            }
        }
    }
    match settings.fix_output {
        FixOutput::None => {}
        FixOutput::Files => status = status.max(write_fixes(&reports, &paths, settings.quiet)),
        FixOutput::Diff => return status.max(print_diff(&reports, settings.quiet)),
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

/// `--fix`: writes the fixed files (`paths[i]` is where `reports[i]` was read), reports the
/// files whose fixes were refused, and counts the fixes on stderr.
fn write_fixes(reports: &[FileReport], paths: &[&std::path::Path], quiet: bool) -> ExitStatus {
    let mut status = ExitStatus::Clean;
    let (mut fixes, mut files) = (0, 0);
    for (report, path) in reports.iter().zip(paths) {
        report_refused_fixes(report, quiet);
        if report.fixes.original.is_none() {
            continue;
        }
        let display = &report.source.path;
        let written = match report.fixes.encoding.encode(&report.source.text) {
            Some(bytes) => write::atomically(path, &bytes).map_err(|error| io_cause(&error)),
            None => Err("the fixed text has a character its encoding cannot hold".to_owned()),
        };
        match written {
            Ok(()) => {
                fixes += report.fixes.applied;
                files += 1;
            }
            Err(cause) => {
                print_error(format_args!(
                    "cannot write the fixes to `{display}`: {cause}"
                ));
                status = ExitStatus::Error;
            }
        }
    }
    if !quiet && fixes > 0 {
        print_note(format_args!(
            "fixed {} in {}",
            emit::plural(fixes, "finding"),
            emit::plural(files, "file")
        ));
    }
    status
}

/// `--diff`: prints what the fixes would change as a unified diff, and nothing else on stdout.
/// Exit status 1 when some file would change.
fn print_diff(reports: &[FileReport], quiet: bool) -> ExitStatus {
    let (mut fixes, mut files) = (0, 0);
    let mut diffs = String::new();
    for report in reports {
        report_refused_fixes(report, quiet);
        if let Some(original) = &report.fixes.original {
            diffs.push_str(&diff::unified(
                &report.source.path,
                original,
                &report.source.text,
            ));
            fixes += report.fixes.applied;
            files += 1;
        }
    }
    if !quiet {
        let mut out = io::stdout().lock();
        match out.write_all(diffs.as_bytes()).and_then(|()| out.flush()) {
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                print_error(format_args!(
                    "cannot write the output: {}",
                    io_cause(&error)
                ));
                return ExitStatus::Error;
            }
            _ => {}
        }
        if fixes > 0 {
            print_note(format_args!(
                "would fix {} in {}",
                emit::plural(fixes, "finding"),
                emit::plural(files, "file")
            ));
        }
    }
    if files > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

/// The warning for a file whose fixes were refused because its fixed text would not parse.
fn report_refused_fixes(report: &FileReport, quiet: bool) {
    if let (Some(error), false) = (&report.fixes.refused, quiet) {
        print_warning(format_args!(
            "the fixes of `{}` were not applied: they would make a syntax error ({error}); the file is unchanged",
            report.source.path
        ));
    }
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

/// Lints every file as one project on a pool of `threads` threads with large stacks, `files[i]`
/// with `rules[i]`; the outcomes are in the order of `files`.
fn lint_all(
    files: &[FileToLint],
    rules: &[Arc<FileRules>],
    settings: &lint::Settings,
    threads: usize,
) -> Result<Vec<Result<FileReport, FileError>>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(LINT_STACK_SIZE)
        .thread_name(|index| format!("tasklint-lint-{index}"))
        .build()?;
    let _quiet = QuietPanics::install();
    Ok(pool.install(|| lint::lint_files(files, settings, |at| &rules[at])))
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
