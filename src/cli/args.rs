//! What was typed: the command line as clap parses it, before anything is resolved. Nothing here
//! touches the file system or the environment; see [`super::settings`] for that.
//!
//! Each flag's doc comment is its documentation: the first sentence is the `-h` summary, the
//! whole comment is the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::selector::RuleSelector;
use crate::emit::Format;

/// Find async task-lifetime bugs in Python (asyncio) code: dropped task handles, handles
/// overwritten in loops, coroutines that are never awaited.
#[derive(Debug, Parser)]
#[command(name = "tasklint", version, arg_required_else_help = true)]
#[command(
    after_help = "Run `tasklint check` to lint the current folder, `tasklint rules` to list the rules."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and folders.
    ///
    /// Exit status: 0 when nothing was found, 1 when there are findings, 2 on a usage error, an
    /// unreadable path or an internal error (2 wins over 1).
    Check(CheckArgs),
    /// List the rules: code, name, severity, languages and summary.
    Rules,
    /// Show a rule's documentation.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and folders to lint.
    ///
    /// Folders are walked recursively for `.py` and `.pyi` files. The walk respects
    /// `.gitignore` (also outside a git repository), `.ignore` and git's exclude files, skips
    /// hidden files and folders, and skips folders named `.venv`, `venv`, `node_modules`,
    /// `target`, `__pycache__` and `site-packages`. A file named here is always linted (as
    /// Python), even if it is hidden, ignored, excluded or has another extension. Findings are
    /// reported under the path as given (`tasklint check src/` reports `src/app.py`), relative to
    /// the current folder when walking `.` (`app.py`).
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Skip paths matching a gitignore-style glob (repeatable).
    ///
    /// Globs follow `.gitignore` syntax and are matched against the paths found while walking
    /// folders: `gen/` skips every folder named `gen`, `*_pb2.py` skips generated files
    /// anywhere, `/scripts` (or `scripts/old/*.py`) is anchored at the current folder, and
    /// `!keep.py` re-includes a file. Paths named on the command line are linted anyway.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    #[command(flatten)]
    pub lint: LintArgs,
}

/// The flags shared by `tasklint check` and `cargo tasklint`: which rules, how to walk, how to
/// report.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Rules to enable: codes, code prefixes or ALL (comma-separated or repeated).
    ///
    /// Accepts exact codes (`TL001`), prefixes (`TL00`, `TL`), rule names
    /// (`dropped-task-handle`) and `ALL`. Without --select every rule that is on by default is
    /// enabled (all but TL005); with it, only the selected rules are. An unknown code is a usage error. See `tasklint rules`.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<RuleSelector>,

    /// Rules to disable: codes, code prefixes or ALL (comma-separated or repeated).
    ///
    /// Accepts the same selectors as --select. When a rule is matched by both, the more
    /// specific selector wins (`TL001` over `TL00` over `TL` over `ALL`), so
    /// `--ignore TL --select TL001` runs TL001 alone; on a tie --ignore wins.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<RuleSelector>,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Human)]
    pub format: Format,

    /// When to color the output.
    ///
    /// `auto` colors only when stdout is a terminal and the `NO_COLOR` environment variable is
    /// unset or empty. Only the human format has colors.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Number of threads for walking and linting [default: available parallelism].
    ///
    /// 0 also means the default.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// Do not respect ignore files or skip the default folders.
    ///
    /// Walks into what `.gitignore`, `.ignore` and git's exclude files ignore, and into
    /// `.venv`, `venv`, `node_modules`, `target`, `__pycache__` and `site-packages` folders (a
    /// hidden folder such as `.venv` stays skipped unless named on the command line). The
    /// exclude globs still apply.
    #[arg(long)]
    pub no_ignore: bool,

    /// Print no findings and no warnings; only errors go to stderr.
    ///
    /// The exit status still tells whether there were findings.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Lint the packages of a cargo workspace for async task-lifetime bugs: dropped task handles,
/// handles overwritten in loops, futures and coroutines that are never awaited.
///
/// Asks `cargo metadata --no-deps` for the workspace members and lints the folder of each
/// selected package (the folder of its `Cargo.toml`: sources, tests, examples, benches,
/// `build.rs`, and the Python files in it) with the walk of `tasklint check`: `.gitignore` is
/// respected and `target/` is skipped. A member nested in another member's folder is linted only
/// when it is selected itself. Findings are reported relative to the current folder.
///
/// Packages are selected as cargo does: by default the package in the current folder, or the
/// workspace's default members when run from the workspace root or outside any member; -p picks
/// packages by name; --workspace picks them all.
///
/// Exit status: 0 when nothing was found, 1 when there are findings, 2 on a usage error, an
/// unknown package, a folder without a cargo project, an unreadable path or an internal error
/// (2 wins over 1).
#[derive(Debug, Parser)]
#[command(name = "cargo-tasklint", bin_name = "cargo tasklint", version)]
#[command(after_help = "Examples:\n  \
    cargo tasklint                        lint the package in the current folder\n  \
    cargo tasklint --workspace            lint every member of the workspace\n  \
    cargo tasklint -p server -p worker    lint the packages `server` and `worker`\n  \
    cargo tasklint --workspace --exclude worker --format concise")]
pub struct CargoArgs {
    /// Lint only this package (repeatable).
    ///
    /// A package name, `name@version`, or a glob over package names (`'server-*'`). Every spec
    /// must match a workspace member.
    #[arg(
        long,
        short = 'p',
        value_name = "SPEC",
        help_heading = "Package Selection"
    )]
    pub package: Vec<String>,

    /// Lint every member of the workspace.
    #[arg(
        long,
        visible_alias = "all",
        conflicts_with = "package",
        help_heading = "Package Selection"
    )]
    pub workspace: bool,

    /// Leave out this package when linting the workspace (repeatable; needs --workspace).
    ///
    /// Takes the same specs as --package. To skip paths, see --exclude-path.
    #[arg(
        long,
        value_name = "SPEC",
        requires = "workspace",
        help_heading = "Package Selection"
    )]
    pub exclude: Vec<String>,

    /// Path to the Cargo.toml of the package or workspace to lint.
    ///
    /// Without it, cargo looks for Cargo.toml in the current folder and its parents.
    #[arg(long, value_name = "PATH", help_heading = "Manifest Options")]
    pub manifest_path: Option<PathBuf>,

    /// Skip paths matching a gitignore-style glob (repeatable).
    ///
    /// The --exclude of `tasklint check`, renamed because cargo's --exclude leaves out packages.
    /// Globs follow `.gitignore` syntax and are matched against the paths found while walking
    /// the package folders: `gen/` skips every folder named `gen`, `*_pb2.py` skips generated
    /// files anywhere, `/server/scripts` (or `server/scripts/*.py`) is anchored at the current
    /// folder, and `!keep.py` re-includes a file.
    #[arg(long, value_name = "GLOB")]
    pub exclude_path: Vec<String>,

    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's code (`TL001`) or name (`dropped-task-handle`), in any case.
    #[arg(value_name = "RULE")]
    pub rule: String,
}

/// The values of `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// color when stdout is a terminal and NO_COLOR is unset or empty
    Auto,
    /// always color
    Always,
    /// never color
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
        CargoArgs::command().debug_assert();
    }

    fn cargo(args: &[&str]) -> Result<CargoArgs, clap::Error> {
        CargoArgs::try_parse_from(std::iter::once("cargo-tasklint").chain(args.iter().copied()))
    }

    #[test]
    fn cargo_exclude_means_packages_and_needs_the_workspace() {
        let args = cargo(&[
            "--workspace",
            "--exclude",
            "worker",
            "--exclude-path",
            "gen/",
        ])
        .expect("parses");
        assert_eq!(args.exclude, ["worker"]);
        assert_eq!(args.exclude_path, ["gen/"]);
        let error = cargo(&["--exclude", "worker"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(cargo(&["--workspace", "-p", "server"]).is_err());
    }

    #[test]
    fn cargo_takes_every_check_flag() {
        let args = cargo(&[
            "-p",
            "server",
            "--select",
            "TL001",
            "--ignore",
            "TL003",
            "--format",
            "json",
            "--color",
            "never",
            "-j",
            "2",
            "--no-ignore",
            "--quiet",
        ])
        .expect("parses");
        assert_eq!(args.package, ["server"]);
        assert_eq!(args.lint.format, Format::Json);
        assert_eq!(args.lint.color, ColorChoice::Never);
        assert_eq!(args.lint.threads, Some(2));
        assert!(args.lint.no_ignore && args.lint.quiet);
    }

    fn check(args: &[&str]) -> CheckArgs {
        let cli = Cli::try_parse_from(std::iter::once("tasklint").chain(args.iter().copied()))
            .expect("parses");
        match cli.command {
            Command::Check(args) => args,
            other => panic!("not check: {other:?}"),
        }
    }

    #[test]
    fn check_defaults() {
        let args = check(&["check"]);
        assert_eq!(args.paths, [PathBuf::from(".")]);
        assert!(args.lint.select.is_empty() && args.lint.ignore.is_empty());
        assert_eq!(args.lint.format, Format::Human);
        assert_eq!(args.lint.color, ColorChoice::Auto);
        assert_eq!(args.lint.threads, None);
    }

    #[test]
    fn selectors_are_comma_separated_or_repeated() {
        let args = check(&["check", "--select", "TL001,TL002", "--select", "TL003"]);
        assert_eq!(args.lint.select.len(), 3);
    }

    #[test]
    fn unknown_codes_are_usage_errors() {
        let error = Cli::try_parse_from(["tasklint", "check", "--ignore", "TL9"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("TL9"), "{error}");
    }
}
