//! Finding the files to lint.
//!
//! Folders are walked in parallel with the `ignore` crate: `.gitignore` (also outside a git
//! repository), `.ignore` and git's exclude files are respected, hidden files and folders are
//! skipped, and so are the folders of [`DEFAULT_EXCLUDED_FOLDERS`] and the paths matching the
//! user's exclude globs. Only files of a known [`Language`] are kept. A file named explicitly is
//! always linted, whatever its name or the ignore rules say.
//!
//! Paths are reported as the user gave them: walking `fixtures/` yields `fixtures/TL001/x.py`;
//! walking `.` yields `a.py` (not `./a.py`), as ruff does. Problems (a missing path, an unreadable
//! folder, a symlink loop) are recorded and the walk goes on.

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::lint::Language;

/// Folders skipped by default, wherever they are: virtual environments, installed packages,
/// build output and caches.
pub const DEFAULT_EXCLUDED_FOLDERS: &[&str] = &[
    ".venv",
    "venv",
    "node_modules",
    "target",
    "__pycache__",
    "site-packages",
];

/// How to walk folders.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Respect `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes.
    pub ignore_files: bool,
    /// Skip the folders of [`DEFAULT_EXCLUDED_FOLDERS`].
    pub default_excludes: bool,
    /// The user's exclude globs.
    pub excludes: Excludes,
    /// What the configuration files say about the folders walked; when set, it decides about
    /// the default folders and adds its own excludes.
    pub configured: Option<Arc<dyn ConfiguredWalk>>,
    /// Walker threads; 0 lets the walker choose.
    pub threads: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            ignore_files: true,
            default_excludes: true,
            excludes: Excludes::none(),
            configured: None,
            threads: 0,
        }
    }
}

/// Walk settings that depend on where a path is: those of the configuration file that applies
/// to it.
pub trait ConfiguredWalk: fmt::Debug + Send + Sync {
    /// Whether `path` (as walked: relative to the current folder, or absolute) is excluded: a
    /// configured glob matches it, or it is a folder of the default list that its configuration
    /// keeps skipping.
    fn excludes(&self, path: &Path, is_dir: bool) -> bool;

    /// Whether ignore files are respected when walking the folder `root`.
    fn respects_ignore_files(&self, root: &Path) -> bool;
}

/// Whether `path` is a folder named in [`DEFAULT_EXCLUDED_FOLDERS`] (given that it is a folder).
pub fn is_default_excluded_folder(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| DEFAULT_EXCLUDED_FOLDERS.contains(&name))
}

/// Gitignore-style exclude globs, matched against walked paths (relative to the current folder).
#[derive(Debug, Clone)]
pub struct Excludes(Gitignore);

impl Default for Excludes {
    /// No excludes.
    fn default() -> Self {
        Excludes::none()
    }
}

/// An exclude glob that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude glob `{glob}`: {cause}")]
pub struct ExcludeError {
    pub glob: String,
    pub cause: String,
}

impl Excludes {
    /// No excludes.
    pub fn none() -> Self {
        Excludes(Gitignore::empty())
    }

    /// Excludes from gitignore-style `globs`; anchored globs (`/gen`, `src/*.py`) are relative to
    /// `root`, usually the current folder.
    pub fn new(root: &Path, globs: &[String]) -> Result<Self, ExcludeError> {
        let mut builder = GitignoreBuilder::new(root);
        // Git reads `[abc` literally; a glob typed on the command line gets an error instead.
        builder.allow_unclosed_class(false);
        for glob in globs {
            builder.add_line(None, glob).map_err(|error| ExcludeError {
                glob: glob.clone(),
                cause: glob_cause(&error),
            })?;
        }
        let matcher = builder.build().map_err(|error| ExcludeError {
            glob: globs.join(" "),
            cause: glob_cause(&error),
        })?;
        Ok(Excludes(matcher))
    }

    /// Whether there is no glob.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `path` is excluded by one of the globs (its parents are not consulted: the walk
    /// does not enter an excluded folder in the first place).
    pub fn is_excluded(&self, path: &Path, is_dir: bool) -> bool {
        self.0.matched(path, is_dir).is_ignore()
    }

    /// Whether the file `path`, or a folder it is in, is excluded by one of the globs. Of a path
    /// outside the root, only the file itself is matched.
    pub fn is_excluded_file(&self, path: &Path) -> bool {
        if path.starts_with(self.0.path()) {
            self.0.matched_path_or_any_parents(path, false).is_ignore()
        } else {
            self.is_excluded(path, false)
        }
    }
}

fn glob_cause(error: &ignore::Error) -> String {
    match error {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// A file to lint: where to read it and the path to report it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileToLint {
    pub path: PathBuf,
    pub display: String,
}

/// A path that could not be read during discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    /// The path as reported (as the user gave it, or as found under a given folder).
    pub path: String,
    /// Lowercase, without the OS error number: `permission denied`.
    pub cause: String,
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path, self.cause)
    }
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Sorted by reported path, without duplicates.
    pub files: Vec<FileToLint>,
    /// Sorted by reported path.
    pub errors: Vec<WalkError>,
    /// Problems that do not stop a file from being linted, such as a bad glob in a
    /// `.gitignore`; sorted.
    pub warnings: Vec<String>,
}

/// Finds the files to lint under `paths` (files and folders).
pub fn discover(paths: &[PathBuf], options: &WalkOptions) -> Discovery {
    let mut discovery = Discovery::default();
    let filter = Arc::new(EntryFilter {
        default_excludes: options.default_excludes,
        excludes: options.excludes.clone(),
        configured: options.configured.clone(),
    });
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => discovery.errors.push(WalkError {
                path: path.to_string_lossy().into_owned(),
                cause: io_cause(&error),
            }),
            Ok(metadata) if metadata.is_dir() => walk(path, options, &filter, &mut discovery),
            // Named explicitly: always linted, whatever its name and the ignore rules.
            Ok(_) => discovery.files.push(FileToLint {
                path: path.clone(),
                display: path.to_string_lossy().into_owned(),
            }),
        }
    }
    discovery.files = sorted_files(std::mem::take(&mut discovery.files));
    discovery
        .errors
        .sort_by(|a, b| Path::new(&a.path).cmp(Path::new(&b.path)));
    discovery.errors.dedup();
    discovery.warnings.sort();
    discovery.warnings.dedup();
    discovery
}

/// `files` sorted as paths (`a/b.py` before `a-b.py`), `./a.py` next to `a.py`, each file once:
/// the first-given spelling of a file named twice stays. Each path is split into its components
/// once.
fn sorted_files(files: Vec<FileToLint>) -> Vec<FileToLint> {
    let keys: Vec<Vec<Component>> = files
        .iter()
        .map(|file| significant(Path::new(&file.display)).collect())
        .collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    order.dedup_by(|later, first| keys[*later] == keys[*first]);
    let mut files: Vec<Option<FileToLint>> = files.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|at| files[at].take())
        .collect()
}

/// The components of `path` that name something: `./a.py` and `a.py` are the same file.
fn significant(path: &Path) -> impl Iterator<Item = Component<'_>> {
    path.components()
        .filter(|component| *component != Component::CurDir)
}

/// The lowercase cause of an I/O error, without the OS error number: `permission denied`.
pub fn io_cause(error: &io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error ") {
        Some(end) => &text[..end],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => format!("{:?}", error.kind()).to_lowercase(),
    }
}

/// Which walked entries to skip, beyond hidden and ignored ones (the walker handles those).
#[derive(Debug)]
struct EntryFilter {
    default_excludes: bool,
    excludes: Excludes,
    configured: Option<Arc<dyn ConfiguredWalk>>,
}

impl EntryFilter {
    fn skips(&self, path: &Path, is_dir: bool) -> bool {
        let by_configuration = match &self.configured {
            Some(configured) => configured.excludes(path, is_dir),
            None => is_dir && self.default_excludes && is_default_excluded_folder(path),
        };
        by_configuration || self.excludes.is_excluded(path, is_dir)
    }
}

/// Everything a walk of one folder found; shared by the walker threads.
#[derive(Default)]
struct Found {
    files: Vec<FileToLint>,
    errors: Vec<WalkError>,
    warnings: Vec<String>,
}

/// Walks the folder `root` (given by the user) in parallel and adds what it finds.
fn walk(root: &Path, options: &WalkOptions, filter: &Arc<EntryFilter>, discovery: &mut Discovery) {
    let ignore_files = options.ignore_files
        && options
            .configured
            .as_ref()
            .is_none_or(|configured| configured.respects_ignore_files(root));
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(true)
        .parents(ignore_files)
        .ignore(ignore_files)
        .git_ignore(ignore_files)
        .git_global(ignore_files)
        .git_exclude(ignore_files)
        .require_git(false)
        .follow_links(true)
        .threads(options.threads);
    let entry_filter = Arc::clone(filter);
    builder.filter_entry(move |entry| !entry_filter.skips(entry.path(), is_dir(entry)));

    let reported = ReportedPath::for_root(root);
    let found = Mutex::new(Found::default());
    builder.build_parallel().run(|| {
        let (found, reported, filter) = (&found, &reported, filter);
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    if entry.depth() > 0
                        && entry.file_type().is_some_and(|kind| kind.is_file())
                        && Language::of(entry.path()).is_some()
                    {
                        let file = FileToLint {
                            display: reported.display(entry.path()),
                            path: entry.into_path(),
                        };
                        lock(found).files.push(file);
                    }
                }
                Err(error) => {
                    let mut problems = Vec::new();
                    flatten(&error, None, None, &mut problems);
                    for problem in problems {
                        record(problem, reported, filter, &mut lock(found));
                    }
                }
            }
            WalkState::Continue
        })
    });
    let found = found
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    discovery.files.extend(found.files);
    discovery.errors.extend(found.errors);
    discovery.warnings.extend(found.warnings);
}

fn is_dir(entry: &DirEntry) -> bool {
    entry.file_type().is_some_and(|kind| kind.is_dir())
}

fn lock(found: &Mutex<Found>) -> std::sync::MutexGuard<'_, Found> {
    found.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// How walked paths are reported: under the root as given, except that the root `.` is left out
/// (`a.py`, not `./a.py`).
struct ReportedPath {
    strip: Option<PathBuf>,
}

impl ReportedPath {
    fn for_root(root: &Path) -> Self {
        let is_current_folder = root.components().next().is_some()
            && root
                .components()
                .all(|component| component == Component::CurDir);
        ReportedPath {
            strip: is_current_folder.then(|| root.to_path_buf()),
        }
    }

    fn display(&self, path: &Path) -> String {
        let path = self
            .strip
            .as_deref()
            .and_then(|root| path.strip_prefix(root).ok())
            .filter(|relative| !relative.as_os_str().is_empty())
            .unwrap_or(path);
        path.to_string_lossy().into_owned()
    }
}

/// One problem reported by the walker.
#[derive(Debug)]
enum Problem {
    Io {
        path: Option<PathBuf>,
        error_kind: io::ErrorKind,
        cause: String,
    },
    Loop {
        ancestor: PathBuf,
        child: PathBuf,
    },
    /// A bad line in an ignore file: the walk ignores that line.
    IgnoreFile {
        path: Option<PathBuf>,
        line: Option<u64>,
        cause: String,
    },
}

/// The walker's nested error as a flat list of problems, each with its innermost path.
fn flatten(error: &ignore::Error, path: Option<&Path>, line: Option<u64>, out: &mut Vec<Problem>) {
    match error {
        ignore::Error::Partial(errors) => {
            for error in errors {
                flatten(error, path, line, out);
            }
        }
        ignore::Error::WithLineNumber { line, err } => flatten(err, path, Some(*line), out),
        ignore::Error::WithPath { path, err } => flatten(err, Some(path), line, out),
        ignore::Error::WithDepth { err, .. } => flatten(err, path, line, out),
        ignore::Error::Loop { ancestor, child } => out.push(Problem::Loop {
            ancestor: ancestor.clone(),
            child: child.clone(),
        }),
        ignore::Error::Io(error) => out.push(Problem::Io {
            path: path.map(Path::to_path_buf),
            error_kind: error.kind(),
            cause: io_cause(error),
        }),
        ignore::Error::Glob { glob, err } => out.push(Problem::IgnoreFile {
            path: path.map(Path::to_path_buf),
            line,
            cause: match glob {
                Some(glob) => format!("invalid glob `{glob}`: {err}"),
                None => err.clone(),
            },
        }),
        other => out.push(Problem::IgnoreFile {
            path: path.map(Path::to_path_buf),
            line,
            cause: other.to_string(),
        }),
    }
}

fn record(problem: Problem, reported: &ReportedPath, filter: &EntryFilter, found: &mut Found) {
    let shown = |path: Option<&Path>| match path {
        Some(path) => reported.display(path),
        None => "<unknown path>".to_owned(),
    };
    match problem {
        Problem::Io {
            path,
            error_kind,
            cause,
        } => {
            if let Some(path) = &path {
                if error_kind == io::ErrorKind::NotFound && is_skipped_dangling_link(path, filter) {
                    return;
                }
            }
            found.errors.push(WalkError {
                path: shown(path.as_deref()),
                cause,
            });
        }
        Problem::Loop { ancestor, child } => found.errors.push(WalkError {
            path: reported.display(&child),
            cause: format!(
                "symbolic link loop (it leads back to `{}`)",
                reported.display(&ancestor)
            ),
        }),
        Problem::IgnoreFile { path, line, cause } => {
            let place = match line {
                Some(line) => format!("{}:{line}", shown(path.as_deref())),
                None => shown(path.as_deref()),
            };
            found
                .warnings
                .push(format!("{place}: {cause}; the line is ignored"));
        }
    }
}

/// A symlink whose target does not exist matters only if it would be linted: a dangling
/// `build.log` link is no reason to fail the run.
fn is_skipped_dangling_link(path: &Path, filter: &EntryFilter) -> bool {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    is_link && (Language::of(path).is_none() || filter.skips(path, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_causes_are_lowercase_without_os_error_numbers() {
        let error = io::Error::from_raw_os_error(2);
        let cause = io_cause(&error);
        assert!(!cause.contains("os error"), "{cause}");
        assert!(cause.starts_with(|c: char| !c.is_uppercase()), "{cause}");
    }

    #[test]
    fn the_current_folder_is_left_out_of_reported_paths() {
        let dot = ReportedPath::for_root(Path::new("."));
        assert_eq!(
            dot.display(Path::new("./a/b.py")),
            Path::new("a/b.py").to_string_lossy()
        );
        let given = ReportedPath::for_root(Path::new("./src"));
        assert_eq!(given.display(Path::new("./src/b.py")), "./src/b.py");
        let folder = ReportedPath::for_root(Path::new("fixtures/"));
        assert_eq!(folder.display(Path::new("fixtures/x.py")), "fixtures/x.py");
    }

    #[test]
    fn current_folder_components_are_not_significant() {
        let same = |a: &str, b: &str| significant(Path::new(a)).eq(significant(Path::new(b)));
        assert!(same("./a.py", "a.py"));
        assert!(same("./b/./a.py", "b/a.py"));
        assert!(!same("b/a.py", "a.py"));
    }

    #[test]
    fn files_are_sorted_as_paths_each_once_in_its_first_spelling() {
        let files = ["b.py", "a-b.py", "./a/b.py", "a/b.py"].map(|display| FileToLint {
            path: PathBuf::from(display),
            display: display.to_owned(),
        });
        let sorted: Vec<String> = sorted_files(files.into())
            .into_iter()
            .map(|file| file.display)
            .collect();
        assert_eq!(sorted, ["./a/b.py", "a-b.py", "b.py"]);
    }

    #[test]
    fn excludes_are_gitignore_style() {
        let root = Path::new("/project");
        let excludes = Excludes::new(root, &["gen/".into(), "*_pb2.py".into(), "/top.py".into()])
            .expect("valid globs");
        assert!(excludes.is_excluded(Path::new("src/gen"), true));
        assert!(!excludes.is_excluded(Path::new("src/gen"), false));
        assert!(excludes.is_excluded(Path::new("a/b/x_pb2.py"), false));
        assert!(excludes.is_excluded(Path::new("top.py"), false));
        assert!(excludes.is_excluded(Path::new("/project/top.py"), false));
        assert!(!excludes.is_excluded(Path::new("sub/top.py"), false));
        assert!(Excludes::new(root, &["a[".into()]).is_err());
    }
}
