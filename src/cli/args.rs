//! What was typed: the command line as clap parses it, before anything is resolved. Nothing here
//! touches the file system or the environment; see [`super::settings`] for that.
//!
//! Each flag's doc comment is its documentation: the first sentence is the `-h` summary, the
//! whole comment is the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::selector::RuleSelector;
use crate::emit::Format;

/// Find async task-lifetime bugs in Python (asyncio) and Rust (tokio, smol, async-std, futures)
/// code: dropped task handles, handles overwritten in loops, coroutines and futures that are
/// never awaited, loops that never yield; and run Python programs on a reference runtime that
/// shows them happen.
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
    /// Exit status: 0 when nothing was found, 1 when there are findings (0 with --exit-zero),
    /// 2 on a usage error, an unreadable path, a missing or malformed baseline or an internal
    /// error (2 wins over 1). With --fix, the findings that remain count; with --diff, 1 means
    /// that some file would change.
    Check(CheckArgs),
    /// List the rules: code, name, severity, languages and summary.
    Rules,
    /// Show a rule's documentation.
    Explain(ExplainArgs),
    /// Show the settings that apply to a file or folder, and the configuration file they come
    /// from.
    ///
    /// Prints every key of the configuration with the value that applies (written in the file
    /// or the default), and the rules that run with their severity. Exit status: 0, or 2 when
    /// the configuration cannot be read.
    Config(ConfigArgs),
    /// Run a Python program on the reference runtime and report task-lifetime events.
    ///
    /// The program's own output goes to stdout; the runtime's events (tasks destroyed while
    /// pending, coroutines never awaited, starvation), each at the line the linter would flag,
    /// and a summary go to stderr. Exit status: 0 when no event was observed, 1 when some
    /// were, 2 when the program cannot be run (a syntax error, a construct outside the
    /// supported subset, a hang), 3 when it raised an uncaught exception, 4 when it was stopped
    /// by --max-steps, 5 by --max-time, 6 by --max-memory (a limit's code wins over 1; the
    /// events seen until then are reported).
    Run(RunArgs),
    /// Run a rule's demonstration, its bad program and the fixed one, on the reference runtime.
    ///
    /// The programs are kept beside the rule docs in `rules/demos/<CODE>/` and compiled into
    /// tasklint. Each program's output and the runtime's events (in the linter's words, at the
    /// line the linter flags) are printed, then both outcomes on one line. Exit status: 0 when
    /// the bad program reproduced the rule's bug and the fixed one ran without an event, 1
    /// when not (`--gc strong` hides the dropped-handle bugs, for one), 2 for an unknown rule
    /// or a rule without a demonstration.
    Repro(ReproArgs),
}

/// The flags of `tasklint repro`.
#[derive(Debug, Args)]
pub struct ReproArgs {
    /// The rule's code (`TL001`) or name (`dropped-task-handle`), in any case.
    ///
    /// TL001 to TL004 have demonstrations.
    #[arg(value_name = "RULE")]
    pub rule: String,

    /// The language of the demonstration.
    ///
    /// `python`: asyncio programs, run on the interpreter; `rust`: tokio or smol programs,
    /// compiled into tasklint against the runtime's model of their task API and run on the
    /// same loop.
    #[arg(long, value_enum, value_name = "LANG", default_value_t = LangArg::Python)]
    pub lang: LangArg,

    /// What keeps a pending task alive, as for `tasklint run`.
    ///
    /// `weak`: only the program's own references (Rust: a dropped smol `Task` cancels its
    /// task, a dropped tokio `JoinHandle` detaches it until the runtime shuts down);
    /// `cpython`: what CPython does (Rust: the same as `weak`); `strong`: every task runs to
    /// its end, what the author assumed.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = GcArg::Weak)]
    pub gc: GcArg,
}

/// The values of `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// the asyncio demonstration
    Python,
    /// the tokio or smol demonstration
    Rust,
}

/// The flags of `tasklint run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Python program to run.
    #[arg(value_name = "PROGRAM.py")]
    pub program: PathBuf,

    /// What keeps a pending task alive.
    ///
    /// `weak`: only the program's own references (a pending task whose handle is gone is
    /// destroyed at the next loop iteration, so every dropped-handle bug shows, every time);
    /// `cpython`: what CPython does (the loop's ready callbacks and timers count, and
    /// unreachable tasks are collected at every iteration); `strong`: every task runs to its
    /// end, what most people assume.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = GcArg::Weak)]
    pub gc: GcArg,

    /// Print each loop iteration on stderr: what ran, how many callbacks are scheduled, what
    /// was collected.
    #[arg(long)]
    pub trace: bool,

    /// Also write the events and task counts as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Also draw the tasks' lives as an SVG picture in FILE.
    ///
    /// One lane per task, in creation order (the main coroutine's task first), labelled with
    /// its name and the line that created it; the x axis counts loop iterations. A lane shows
    /// when the task waited and ran, then how it ended: done, raised an exception, cancelled,
    /// or destroyed while pending (a red cross and the rule code). Beyond 200 tasks, the first
    /// one and the destroyed, failed, cancelled and unfinished ones are drawn first, and the
    /// picture says how many were left out.
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<PathBuf>,

    /// Report starvation when a task evaluates more than N awaits inline without suspending
    /// while other callbacks are ready.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub starve_after: u64,

    /// Stop the program after N interpreted instructions (exit status 4).
    #[arg(long, value_name = "N", default_value_t = 2_000_000_000)]
    pub max_steps: u64,

    /// Stop the program rather than move the virtual clock past SECONDS (exit status 5).
    ///
    /// The clock jumps to the next timer when nothing is ready, so a program that sleeps in a
    /// loop forever runs quickly until it reaches the limit. The default is one day.
    #[arg(long, value_name = "SECONDS", default_value_t = 86_400.0, value_parser = parse_seconds)]
    pub max_time: f64,

    /// Stop the program when the interpreter holds more than MIB mebibytes (exit status 6).
    ///
    /// Counts the heap memory the interpreter's thread allocated and has not freed since the
    /// run started: the program's objects, strings, lists and dicts, its frames and its
    /// compiled code. Checked before every instruction, and before building a list, tuple or
    /// string whose size the program computed (`[0] * n`, `"-" * n`, `list(range(n))`, a
    /// format width), which is refused before it is allocated.
    #[arg(long, value_name = "MIB", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_memory: u64,
}

/// A number of seconds: finite and not negative.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("`{text}` is not a number of seconds (0 or more)")),
    }
}

/// The flags of `tasklint config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The file or folder whose settings to show.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    #[command(flatten)]
    pub source: ConfigSourceArgs,

    /// Output format: `text`, or `json` for scripts.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ConfigFormat::Text)]
    pub format: ConfigFormat,
}

/// The values of `tasklint config --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    /// one `key = value` line per setting
    Text,
    /// a JSON object
    Json,
}

/// Where the configuration comes from: the flags shared by `check`, `config` and
/// `cargo tasklint`.
#[derive(Debug, Args)]
pub struct ConfigSourceArgs {
    /// Use this configuration file for every file, instead of looking for one.
    ///
    /// No other configuration file is read. A `pyproject.toml` is read for its
    /// `[tool.tasklint]` table and a `Cargo.toml` for its `[package.metadata.tasklint]` or
    /// `[workspace.metadata.tasklint]` table (a file without the table is an error); a file of
    /// any other name is read as a `tasklint.toml`. Its globs are relative to its folder.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore every configuration file: only the defaults and the flags given apply.
    #[arg(long)]
    pub isolated: bool,
}

/// The values of `--gc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GcArg {
    /// only the program's references keep a pending task
    Weak,
    /// CPython's behaviour: the loop's callbacks and timers keep tasks too
    Cpython,
    /// every task is kept until it is done
    Strong,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and folders to lint.
    ///
    /// Folders are walked recursively for `.py`, `.pyi` and `.rs` files. The walk respects
    /// `.gitignore` (also outside a git repository), `.ignore` and git's exclude files, skips
    /// hidden files and folders, and skips folders named `.venv`, `venv`, `node_modules`,
    /// `target`, `__pycache__` and `site-packages`. A file named here is always linted (as Rust
    /// if it ends in `.rs`, otherwise as Python), even if it is hidden, ignored, excluded or has
    /// another extension. Findings are
    /// reported under the path as given (`tasklint check src/` reports `src/app.py`), relative to
    /// the current folder when walking `.` (`app.py`).
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Skip paths matching a gitignore-style glob (repeatable).
    ///
    /// Globs follow `.gitignore` syntax and are matched against the paths found while walking
    /// folders: `gen/` skips every folder named `gen`, `*_pb2.py` skips generated files
    /// anywhere, `/scripts` (or `scripts/old/*.py`) is anchored at the current folder, and
    /// `!keep.py` re-includes a file. Paths named on the command line are linted anyway. The
    /// globs add to the configuration's `exclude` and `extend-exclude`.
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
    /// enabled (all but TL005 and TL100), or what the configuration selects; with it, only the
    /// selected rules are: it replaces the configuration's `select`, `extend-select` and
    /// `ignore` (its `per-file-ignores` still apply). An unknown code is a usage error. See
    /// `tasklint rules`.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<RuleSelector>,

    /// Rules to disable: codes, code prefixes or ALL (comma-separated or repeated).
    ///
    /// Accepts the same selectors as --select. When a rule is matched by both, the more
    /// specific selector wins (`TL001` over `TL00` over `TL` over `ALL`), so
    /// `--ignore TL --select TL001` runs TL001 alone; on a tie --ignore wins. It applies after
    /// the configuration's selection: `--ignore TL` turns off a rule the configuration selects.
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
    /// hidden folder such as `.venv` stays skipped unless named on the command line), whatever
    /// the configuration's `respect-gitignore` says. The exclude globs (--exclude, and the
    /// configuration's `exclude` and `extend-exclude`) still apply.
    #[arg(long)]
    pub no_ignore: bool,

    #[command(flatten)]
    pub source: ConfigSourceArgs,

    /// Print no findings and no warnings; only errors go to stderr.
    ///
    /// The exit status still tells whether there were findings (unless --exit-zero). Nothing
    /// goes to stdout, not even the counts of --statistics; --write-baseline still writes its
    /// file.
    #[arg(long, short)]
    pub quiet: bool,

    /// Print the number of findings per rule instead of the findings.
    ///
    /// One line per rule with findings, the most frequent first (ties in code order), as
    /// `  12 TL001 dropped-task-handle`; nothing when there are none. It counts what would be
    /// reported, after --select, --ignore, suppression comments and --baseline. The exit
    /// status is the same as without it. Not combined with --format: the counts are text.
    #[arg(long, conflicts_with = "format")]
    pub statistics: bool,

    /// Report suppression comments that silenced nothing, as TL100 findings.
    ///
    /// Runs the rule TL100 (unused-suppression): each rule code or name in a suppression
    /// comment (`# tasklint: ignore[TL001]`, `// tasklint: allow(TL001)`, `# noqa: TL001`) that
    /// silenced no finding in this run is a warning at that code, in every output format.
    /// Codes of rules that did not run (see --select and --ignore) are not judged; bare `noqa`
    /// and other tools' codes (`RUF006`, `E501`) are left alone. The same as selecting TL100
    /// next to the rules that run.
    #[arg(long)]
    pub report_unused_suppressions: bool,

    /// Exit with status 0 even when there are findings.
    ///
    /// The findings are reported as usual. Usage errors, unreadable paths and internal errors
    /// still exit with 2.
    #[arg(long)]
    pub exit_zero: bool,

    /// Report only the findings that the baseline FILE does not record.
    ///
    /// FILE is written by --write-baseline. A finding matches an entry by its rule, its path,
    /// the source of the flagged line, the signature line of the function around it and its
    /// rank among identical findings of that function, never by line numbers: inserting lines,
    /// editing or renaming other functions and reformatting whitespace keep the match. Entries
    /// of linted files that no longer match any finding (fixed or changed code) are counted on
    /// stderr; run --write-baseline again to drop them. Paths are compared as reported, so run
    /// from the folder the baseline was written in. A missing or malformed FILE is an error
    /// (exit status 2).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in FILE, for --baseline, instead of reporting them.
    ///
    /// FILE is overwritten with a JSON file that is meant to be committed: versioned, sorted,
    /// the same for the same findings, one entry per finding (path, rule, the flagged line and
    /// the function's signature line, and an occurrence index; no line numbers). Only the
    /// findings that would be reported count (--select, --ignore and suppression comments
    /// apply). Exits with 0, or 2 on errors.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["baseline", "statistics"]
    )]
    pub write_baseline: Option<PathBuf>,

    /// Apply the safe fixes to the files, then report the findings that remain.
    ///
    /// Safe fixes remove the bug and change nothing else (TL003: add the missing `await` or
    /// `.await`). Fixes are applied again on the fixed text until none applies. A file whose
    /// fixed text would not parse is left as it was, and reported on stderr. Files are
    /// written atomically, keeping their line endings, byte-order mark and encoding. The
    /// number of fixes applied is reported on stderr. Findings a baseline records are fixed too.
    #[arg(long)]
    pub fix: bool,

    /// With --fix or --diff: apply the unsafe fixes too. Alone: show them as available.
    ///
    /// Unsafe fixes change what the code does beyond removing the bug (TL001: keep a dropped
    /// Python task in a module-level set until it is done; call `.detach()` on a dropped smol
    /// task, so it runs on instead of being cancelled). Review them. Without --fix or --diff
    /// nothing is written: the findings with an unsafe fix are marked `[*]` like those with a
    /// safe one, and counted as fixable.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print a unified diff of what --fix would change, without writing any file.
    ///
    /// Only the diff goes to stdout, not the findings. Exit status: 1 when some file would
    /// change, 0 when none would, 2 on errors.
    #[arg(long, conflicts_with_all = ["statistics", "write_baseline"])]
    pub diff: bool,
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
/// Exit status: 0 when nothing was found, 1 when there are findings (0 with --exit-zero), 2 on
/// a usage error, an unknown package, a folder without a cargo project, an unreadable path, a
/// missing or malformed baseline or an internal error (2 wins over 1).
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
            "--exit-zero",
            "--report-unused-suppressions",
            "--baseline",
            "tasklint-baseline.json",
        ])
        .expect("parses");
        assert_eq!(args.package, ["server"]);
        assert!(args.lint.exit_zero && args.lint.report_unused_suppressions);
        assert_eq!(
            args.lint.baseline.as_deref(),
            Some(std::path::Path::new("tasklint-baseline.json"))
        );
        assert!(cargo(&["--statistics"]).expect("parses").lint.statistics);
        assert!(cargo(&["--statistics", "--format", "json"]).is_err());
        let written = cargo(&["--write-baseline", "b.json"]).expect("parses");
        assert_eq!(
            written.lint.write_baseline.as_deref(),
            Some(std::path::Path::new("b.json"))
        );
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
    fn fix_flags_parse_and_diff_excludes_other_outputs() {
        let args = check(&["check", "--fix", "--unsafe-fixes"]);
        assert!(args.lint.fix && args.lint.unsafe_fixes && !args.lint.diff);
        assert!(cargo(&["--diff"]).expect("parses").lint.diff);
        for other in ["--statistics", "--write-baseline=b.json"] {
            let error = Cli::try_parse_from(["tasklint", "check", "--diff", other]).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{other}");
        }
    }

    #[test]
    fn unknown_codes_are_usage_errors() {
        let error = Cli::try_parse_from(["tasklint", "check", "--ignore", "TL9"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("TL9"), "{error}");
    }
}
