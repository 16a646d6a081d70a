//! The second stage of argument handling: resolving what was typed ([`CheckArgs`],
//! [`CargoArgs`]) into the settings of a run. This is the only stage that looks at the
//! environment and the file system (the current folder, whether stdout is a terminal,
//! `NO_COLOR`, the number of CPUs, the configuration file, the cargo workspace).

use std::ffi::OsStr;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::args::{CargoArgs, CheckArgs, ColorChoice, ConfigSourceArgs, LintArgs};
use super::config::ConfigError;
use super::configs::{Configs, Overrides, Source};
use super::workspace::{canonical, normalize, relative_to, Selection, Workspace, WorkspaceError};
use crate::baseline::{Baseline, BaselineError};
use crate::discover::{ExcludeError, Excludes, WalkOptions};
use crate::emit::{EmitOptions, Format};
use crate::fix::FixLevel;

/// Everything `tasklint check` (and `cargo tasklint`) needs to run.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub paths: Vec<PathBuf>,
    /// Folders whose files are left out after the walk, absolute and normalized: the folders of
    /// unselected workspace members nested in a selected one (`cargo tasklint` only).
    pub skipped_folders: Vec<PathBuf>,
    /// The configuration of each file, with the command line's rule selection applied.
    pub configs: Arc<Configs>,
    pub walk: WalkOptions,
    pub format: Format,
    pub emit: EmitOptions,
    /// Threads for linting (at least 1).
    pub threads: usize,
    pub quiet: bool,
    /// Print counts per rule instead of the findings.
    pub statistics: bool,
    /// Findings do not make the exit status 1.
    pub exit_zero: bool,
    /// The findings to leave out (`--baseline`), read while resolving.
    pub baseline: Option<Baseline>,
    /// Where to record the findings instead of reporting them (`--write-baseline`).
    pub write_baseline: Option<PathBuf>,
    /// What to do with the fixes the run applies (`lint.fix`).
    pub fix_output: FixOutput,
}

/// Where the text fixed by `--fix` or `--diff` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixOutput {
    /// No fixes are applied.
    None,
    /// Into the files (`--fix`).
    Files,
    /// A unified diff on stdout instead of the findings (`--diff`).
    Diff,
}

impl CheckSettings {
    /// Resolves `tasklint check`.
    pub fn resolve(args: CheckArgs) -> Result<Self, SettingsError> {
        let cwd = current_dir();
        Self::for_paths(args.paths, &args.exclude, args.lint, &cwd)
    }

    /// Resolves `cargo tasklint`: runs `cargo metadata` and lints the folders of the selected
    /// members, shown relative to the current folder. Returns warnings about the selection too.
    pub fn resolve_cargo(args: CargoArgs) -> Result<(Self, Vec<String>), SettingsError> {
        let cwd = current_dir();
        let workspace = Workspace::load(args.manifest_path.as_deref(), &cwd)?;
        let start = match &args.manifest_path {
            Some(manifest) => {
                let manifest = cwd.join(manifest);
                manifest.parent().map_or(cwd.clone(), Path::to_path_buf)
            }
            None => cwd.clone(),
        };
        let selection = Selection {
            packages: &args.package,
            workspace: args.workspace,
            exclude: &args.exclude,
        };
        let (selected, warnings) = workspace.select(&selection, &start)?;
        let shown_from = canonical(&cwd);
        let paths = selected
            .iter()
            .map(|member| relative_to(&member.folder, &shown_from))
            .collect();
        let skipped_folders = workspace
            .members
            .iter()
            .filter(|member| !selected.contains(member))
            .filter(|member| {
                selected
                    .iter()
                    .any(|outer| member.folder.starts_with(&outer.folder))
            })
            .map(|member| normalize(&member.folder))
            .collect();
        let mut settings = Self::for_paths(paths, &args.exclude_path, args.lint, &cwd)?;
        settings.skipped_folders = skipped_folders;
        Ok((settings, warnings))
    }

    /// The settings for linting `paths`.
    fn for_paths(
        paths: Vec<PathBuf>,
        exclude: &[String],
        args: LintArgs,
        cwd: &Path,
    ) -> Result<Self, SettingsError> {
        let threads = match args.threads {
            Some(threads) if threads > 0 => threads,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let excludes = Excludes::new(cwd, exclude)?;
        let overrides = Overrides {
            select: (!args.select.is_empty()).then_some(args.select),
            ignore: args.ignore,
            no_ignore: args.no_ignore,
            report_unused_suppressions: args.report_unused_suppressions,
        };
        let configs = Arc::new(Configs::new(config_source(&args.source), overrides, cwd)?);
        let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
        let fix_level = if args.unsafe_fixes {
            FixLevel::Unsafe
        } else {
            FixLevel::Safe
        };
        let fix_output = if args.diff {
            FixOutput::Diff
        } else if args.fix {
            FixOutput::Files
        } else {
            FixOutput::None
        };
        let color = use_color(
            args.color,
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        Ok(CheckSettings {
            paths,
            skipped_folders: Vec::new(),
            walk: WalkOptions {
                ignore_files: !args.no_ignore,
                default_excludes: !args.no_ignore,
                excludes,
                configured: Some(Arc::clone(&configs) as _),
                threads,
            },
            configs,
            format: args.format,
            emit: EmitOptions { color, fix_level },
            threads,
            quiet: args.quiet,
            statistics: args.statistics,
            exit_zero: args.exit_zero,
            baseline,
            write_baseline: args.write_baseline,
            fix_output,
        })
    }
}

/// Why the settings of a run could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Exclude(#[from] ExcludeError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// `cargo tasklint` only.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
}

/// Where `--config` and `--isolated` say the configuration comes from.
pub fn config_source(args: &ConfigSourceArgs) -> Source {
    match (&args.config, args.isolated) {
        (_, true) => Source::Isolated,
        (Some(file), false) => Source::File(file.clone()),
        (None, false) => Source::Discover,
    }
}

/// The current folder, absolute.
pub fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// Whether to color: `always` and `never` say so; `auto` colors a terminal unless `NO_COLOR` is
/// set to a non-empty value (<https://no-color.org>).
pub fn use_color(choice: ColorChoice, stdout_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colors_only_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(use_color(ColorChoice::Auto, true, empty));
        assert!(!use_color(ColorChoice::Auto, true, set));
        assert!(!use_color(ColorChoice::Auto, false, None));
    }

    #[test]
    fn always_and_never_are_obeyed() {
        assert!(use_color(ColorChoice::Always, false, Some(OsStr::new("1"))));
        assert!(!use_color(ColorChoice::Never, true, None));
    }
}
