//! The second stage of argument handling: resolving what was typed ([`CheckArgs`]) into the
//! settings of a run. This is the only stage that looks at the environment and the file system
//! (the current folder, whether stdout is a terminal, `NO_COLOR`, the number of CPUs).

use std::ffi::OsStr;
use std::io::IsTerminal;
use std::path::PathBuf;

use super::args::{CheckArgs, ColorChoice};
use super::selector::enabled_rules;
use crate::discover::{ExcludeError, Excludes, WalkOptions};
use crate::emit::{EmitOptions, Format};
use crate::lint;

/// Everything `tasklint check` needs to run.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub paths: Vec<PathBuf>,
    pub lint: lint::Settings,
    pub walk: WalkOptions,
    pub format: Format,
    pub emit: EmitOptions,
    /// Threads for linting (at least 1).
    pub threads: usize,
    pub quiet: bool,
}

impl CheckSettings {
    pub fn resolve(args: CheckArgs) -> Result<Self, ExcludeError> {
        let threads = match args.threads {
            Some(threads) if threads > 0 => threads,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let excludes = Excludes::new(&root, &args.exclude)?;
        let color = use_color(
            args.color,
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        Ok(CheckSettings {
            paths: args.paths,
            lint: lint::Settings {
                enabled: enabled_rules(&args.select, &args.ignore),
            },
            walk: WalkOptions {
                ignore_files: !args.no_ignore,
                default_excludes: !args.no_ignore,
                excludes,
                threads,
            },
            format: args.format,
            emit: EmitOptions { color },
            threads,
            quiet: args.quiet,
        })
    }
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
