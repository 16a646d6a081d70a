//! `cargo tasklint`'s view of a cargo workspace: the members that `cargo metadata --no-deps`
//! lists, and which of them a command line selects.
//!
//! Selection follows cargo: `-p SPEC` picks members by name (`name`, `name@version` or a glob
//! over names), `--workspace` picks them all minus `--exclude SPEC`, and without either the
//! package whose folder holds the starting point (the current folder, or the folder of
//! `--manifest-path`) is picked, or the workspace's default members when that package is the
//! workspace root's or there is none. A `-p` spec that matches no member is an error; an
//! `--exclude` spec that matches none is a warning, as in cargo.

use std::io;
use std::path::{Component, Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand};
use globset::{Glob, GlobMatcher};

use crate::discover::io_cause;

/// A workspace member: a package of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub version: String,
    /// The folder of its `Cargo.toml`, absolute (canonical when possible).
    pub folder: PathBuf,
}

/// The members of a workspace, as `cargo metadata` lists them.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root folder, absolute (canonical when possible).
    pub root: PathBuf,
    /// In the order of `cargo metadata` (sorted by package id, so mostly by name).
    pub members: Vec<Member>,
    /// Indices into `members`: what cargo builds when run from the workspace root.
    pub default_members: Vec<usize>,
}

/// The package selection flags as typed.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    pub packages: &'a [String],
    pub workspace: bool,
    pub exclude: &'a [String],
}

/// Why the workspace could not be read or the selection failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(
        "no Cargo.toml found in `{}` or any parent directory; run it inside a cargo project or \
         pass --manifest-path",
        .folder.display()
    )]
    NoManifest { folder: PathBuf },
    #[error(
        "cannot run `cargo metadata`: cargo was not found; install Rust (https://rustup.rs) or \
         set CARGO to the cargo executable"
    )]
    CargoNotFound,
    #[error("cannot run `cargo metadata`: {cause}")]
    CargoFailedToStart { cause: String },
    #[error("`cargo metadata` failed: {message}")]
    Cargo { message: String },
    #[error(
        "{} not match any workspace member (members: {members})",
        unmatched_specs(.specs)
    )]
    UnknownPackages { specs: Vec<String>, members: String },
    #[error("invalid package spec `{spec}`: {cause}")]
    InvalidSpec { spec: String, cause: String },
}

fn unmatched_specs(specs: &[String]) -> String {
    let quoted: Vec<String> = specs.iter().map(|spec| format!("`-p {spec}`")).collect();
    let verb = if specs.len() == 1 { "does" } else { "do" };
    format!("{} {verb}", quoted.join(", "))
}

impl Workspace {
    /// Runs `cargo metadata --no-deps` for `manifest_path`, or from the current folder `cwd`.
    /// Cargo's stderr is captured; only the line that explains a failure is kept.
    pub fn load(manifest_path: Option<&Path>, cwd: &Path) -> Result<Self, WorkspaceError> {
        let mut command = MetadataCommand::new();
        command.no_deps().current_dir(cwd);
        if let Some(path) = manifest_path {
            command.manifest_path(path);
        }
        let metadata = command.exec().map_err(|error| match error {
            cargo_metadata::Error::Io(error) if error.kind() == io::ErrorKind::NotFound => {
                WorkspaceError::CargoNotFound
            }
            cargo_metadata::Error::Io(error) => WorkspaceError::CargoFailedToStart {
                cause: io_cause(&error),
            },
            cargo_metadata::Error::CargoMetadata { stderr } => cargo_failure(&stderr, cwd),
            other => WorkspaceError::Cargo {
                message: other.to_string(),
            },
        })?;
        Ok(Self::from_metadata(&metadata))
    }

    /// The members of `metadata`, with canonical folders.
    pub fn from_metadata(metadata: &Metadata) -> Self {
        let members: Vec<(Member, &cargo_metadata::PackageId)> = metadata
            .workspace_packages()
            .into_iter()
            .map(|package| {
                let manifest = package.manifest_path.as_std_path();
                let folder = manifest.parent().unwrap_or(manifest);
                let member = Member {
                    name: package.name.to_string(),
                    version: package.version.to_string(),
                    folder: canonical(folder),
                };
                (member, &package.id)
            })
            .collect();
        let root = canonical(metadata.workspace_root.as_std_path());
        let default_members = if metadata.workspace_default_members.is_available() {
            members
                .iter()
                .enumerate()
                .filter(|(_, (_, id))| metadata.workspace_default_members.contains(id))
                .map(|(index, _)| index)
                .collect()
        } else {
            // Cargo before 1.71: the root package if there is one, else every member.
            match members.iter().position(|(member, _)| member.folder == root) {
                Some(index) => vec![index],
                None => (0..members.len()).collect(),
            }
        };
        Workspace {
            root,
            members: members.into_iter().map(|(member, _)| member).collect(),
            default_members,
        }
    }

    /// The selected members, in workspace order, and warnings (`--exclude` specs that match
    /// nothing). `start` is where cargo started looking: the current folder, or the folder of
    /// `--manifest-path`.
    pub fn select(
        &self,
        selection: &Selection<'_>,
        start: &Path,
    ) -> Result<(Vec<&Member>, Vec<String>), WorkspaceError> {
        let mut warnings = Vec::new();
        let chosen: Vec<bool> = if selection.workspace {
            let mut chosen = vec![true; self.members.len()];
            for spec in selection.exclude {
                let matched = self.matching(spec)?;
                if matched.is_empty() {
                    warnings.push(format!(
                        "`--exclude {spec}` does not match any workspace member"
                    ));
                }
                for index in matched {
                    chosen[index] = false;
                }
            }
            chosen
        } else if !selection.packages.is_empty() {
            let mut chosen = vec![false; self.members.len()];
            let mut unmatched = Vec::new();
            for spec in selection.packages {
                let matched = self.matching(spec)?;
                if matched.is_empty() {
                    unmatched.push(spec.clone());
                }
                for index in matched {
                    chosen[index] = true;
                }
            }
            if !unmatched.is_empty() {
                return Err(WorkspaceError::UnknownPackages {
                    specs: unmatched,
                    members: self.member_names(),
                });
            }
            chosen
        } else {
            let mut chosen = vec![false; self.members.len()];
            match self.package_at(start) {
                Some(index) if self.members[index].folder != self.root => chosen[index] = true,
                _ => {
                    for &index in &self.default_members {
                        chosen[index] = true;
                    }
                }
            }
            chosen
        };
        let selected = self
            .members
            .iter()
            .zip(chosen)
            .filter_map(|(member, chosen)| chosen.then_some(member))
            .collect();
        Ok((selected, warnings))
    }

    /// The members matched by a package spec.
    fn matching(&self, spec: &str) -> Result<Vec<usize>, WorkspaceError> {
        let spec = PackageSpec::parse(spec)?;
        Ok(self
            .members
            .iter()
            .enumerate()
            .filter(|(_, member)| spec.matches(member))
            .map(|(index, _)| index)
            .collect())
    }

    /// The member whose folder is the nearest ancestor of `start` (or `start` itself).
    fn package_at(&self, start: &Path) -> Option<usize> {
        let start = canonical(start);
        self.members
            .iter()
            .enumerate()
            .filter(|(_, member)| start.starts_with(&member.folder))
            .max_by_key(|(_, member)| member.folder.components().count())
            .map(|(index, _)| index)
    }

    fn member_names(&self) -> String {
        let mut names: Vec<&str> = self.members.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }
}

/// A `-p`/`--exclude` spec: `name`, `name@version` (the version may be partial: `1`, `1.2`), or a
/// glob over names.
enum PackageSpec {
    Name {
        name: String,
        version: Option<String>,
    },
    Glob(GlobMatcher),
}

impl PackageSpec {
    fn parse(spec: &str) -> Result<Self, WorkspaceError> {
        if spec.contains(['*', '?', '[']) {
            let glob = Glob::new(spec).map_err(|error| WorkspaceError::InvalidSpec {
                spec: spec.to_owned(),
                cause: error.kind().to_string(),
            })?;
            return Ok(PackageSpec::Glob(glob.compile_matcher()));
        }
        // `name:version` is the older spelling of `name@version`.
        let (name, version) = match spec.split_once(['@', ':']) {
            Some((name, version)) => (name, Some(version.to_owned())),
            None => (spec, None),
        };
        if name.is_empty() || version.as_deref() == Some("") {
            return Err(WorkspaceError::InvalidSpec {
                spec: spec.to_owned(),
                cause: "expected a package name, `name@version` or a glob".to_owned(),
            });
        }
        Ok(PackageSpec::Name {
            name: name.to_owned(),
            version,
        })
    }

    fn matches(&self, member: &Member) -> bool {
        match self {
            PackageSpec::Glob(glob) => glob.is_match(&member.name),
            PackageSpec::Name { name, version } => {
                *name == member.name
                    && version.as_deref().is_none_or(|version| {
                        let wanted = version.trim_start_matches('v');
                        member.version == wanted
                            || member.version.starts_with(&format!("{wanted}."))
                    })
            }
        }
    }
}

/// The error of a failed `cargo metadata`, from its stderr: our own line when there is no
/// `Cargo.toml`, else cargo's first `error:` line with the first line of its cause.
fn cargo_failure(stderr: &str, cwd: &Path) -> WorkspaceError {
    if stderr.contains("could not find `Cargo.toml`") {
        return WorkspaceError::NoManifest {
            folder: cwd.to_path_buf(),
        };
    }
    WorkspaceError::Cargo {
        message: summarize_cargo_error(stderr),
    }
}

/// `error: failed to parse manifest at `x`\n\nCaused by:\n  invalid ...` becomes
/// `failed to parse manifest at `x`: invalid ...`, and `error: unclosed table\n --> Cargo.toml:1:8`
/// becomes `unclosed table (at `Cargo.toml:1:8`)`; warnings, notes and snippets are left out.
fn summarize_cargo_error(stderr: &str) -> String {
    let mut lines = stderr.lines();
    let Some(error) = lines.find_map(|line| line.strip_prefix("error: ")) else {
        let last = stderr.lines().map(str::trim).rfind(|line| !line.is_empty());
        return last.unwrap_or("cargo gave no reason").to_owned();
    };
    let mut summary = error.trim_end().to_owned();
    let rest: Vec<&str> = lines
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if let Some(location) = rest.first().and_then(|line| line.strip_prefix("--> ")) {
        summary.push_str(&format!(" (at `{}`)", location.trim()));
    }
    let cause = rest.iter().skip_while(|line| **line != "Caused by:").nth(1);
    if let Some(cause) = cause {
        summary.push_str(": ");
        summary.push_str(cause);
    }
    summary
}

/// `path` with symbolic links resolved, or as it is when that fails.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How to show the absolute folder `path` to a user in the absolute folder `cwd`: relative when
/// the two share more than the file system root (`.`, `server`, `../worker`), else absolute.
pub fn relative_to(path: &Path, cwd: &Path) -> PathBuf {
    if let Ok(inside) = path.strip_prefix(cwd) {
        return if inside.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            inside.to_path_buf()
        };
    }
    let common = path
        .components()
        .zip(cwd.components())
        .take_while(|(a, b)| a == b)
        .count();
    let shares_a_folder = path
        .components()
        .take(common)
        .any(|component| matches!(component, Component::Normal(_)));
    let cwd_is_plain = cwd
        .components()
        .all(|component| !matches!(component, Component::ParentDir | Component::CurDir));
    if !shares_a_folder || !cwd_is_plain {
        return path.to_path_buf();
    }
    let mut relative = PathBuf::new();
    for _ in common..cwd.components().count() {
        relative.push("..");
    }
    relative.extend(path.components().skip(common));
    relative
}

/// `path` without `.` components and with each `..` removing the component before it (no file
/// system access, so symbolic links are not resolved).
pub fn normalize(path: &Path) -> PathBuf {
    // The common case: no `.`, `..` or doubled separator, no separator at the end.
    let is_separator = |byte: &u8| matches!(byte, b'/' | b'\\');
    let bytes = path.as_os_str().as_encoded_bytes();
    let is_plain = !bytes.starts_with(b".")
        && !bytes.last().is_some_and(is_separator)
        && !bytes
            .windows(2)
            .any(|pair| is_separator(&pair[0]) && (pair[1] == b'.' || is_separator(&pair[1])));
    if is_plain {
        return path.to_path_buf();
    }
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    normal.push("..");
                }
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, folder: &str) -> Member {
        Member {
            name: name.to_owned(),
            version: "0.3.1".to_owned(),
            folder: PathBuf::from(folder),
        }
    }

    /// A workspace at `/ws` with a root package `app` and members `server`, `worker`,
    /// `crates/util`; the default members are `app` and `server`.
    fn workspace() -> Workspace {
        Workspace {
            root: PathBuf::from("/ws"),
            members: vec![
                member("app", "/ws"),
                member("server", "/ws/server"),
                member("util", "/ws/crates/util"),
                member("worker", "/ws/worker"),
            ],
            default_members: vec![0, 1],
        }
    }

    fn names(selected: &[&Member]) -> Vec<String> {
        selected.iter().map(|m| m.name.clone()).collect()
    }

    fn select(selection: Selection<'_>, start: &str) -> Vec<String> {
        let ws = workspace();
        let (selected, _) = ws.select(&selection, Path::new(start)).expect("selects");
        names(&selected)
    }

    #[test]
    fn by_default_the_package_of_the_current_folder_is_selected() {
        assert_eq!(select(Selection::default(), "/ws/worker"), ["worker"]);
        assert_eq!(
            select(Selection::default(), "/ws/worker/src/bin"),
            ["worker"]
        );
        assert_eq!(select(Selection::default(), "/ws/crates/util"), ["util"]);
    }

    #[test]
    fn the_workspace_root_and_other_folders_select_the_default_members() {
        assert_eq!(select(Selection::default(), "/ws"), ["app", "server"]);
        assert_eq!(select(Selection::default(), "/ws/docs"), ["app", "server"]);
        assert_eq!(
            select(Selection::default(), "/ws/crates"),
            ["app", "server"]
        );
        assert_eq!(
            select(Selection::default(), "/elsewhere"),
            ["app", "server"]
        );
    }

    #[test]
    fn packages_are_selected_by_name_version_or_glob() {
        let packages = ["worker".to_owned(), "util@0.3".to_owned()];
        let selection = Selection {
            packages: &packages,
            ..Selection::default()
        };
        assert_eq!(select(selection, "/ws/server"), ["util", "worker"]);
        let packages = ["*er".to_owned()];
        let selection = Selection {
            packages: &packages,
            ..Selection::default()
        };
        assert_eq!(select(selection, "/ws"), ["server", "worker"]);
    }

    #[test]
    fn unknown_packages_are_errors_naming_them() {
        let packages = ["server".to_owned(), "nope".to_owned(), "util@2".to_owned()];
        let selection = Selection {
            packages: &packages,
            ..Selection::default()
        };
        let error = workspace()
            .select(&selection, Path::new("/ws"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`-p nope`, `-p util@2` do not match any workspace member \
             (members: app, server, util, worker)"
        );
    }

    #[test]
    fn the_workspace_minus_excluded_packages() {
        let exclude = ["worker".to_owned(), "gone".to_owned()];
        let selection = Selection {
            workspace: true,
            exclude: &exclude,
            ..Selection::default()
        };
        let ws = workspace();
        let (selected, warnings) = ws.select(&selection, Path::new("/ws/worker")).unwrap();
        assert_eq!(names(&selected), ["app", "server", "util"]);
        assert_eq!(
            warnings,
            ["`--exclude gone` does not match any workspace member"]
        );
    }

    #[test]
    fn cargo_errors_are_summarized_in_one_line() {
        let stderr = "warning: unused manifest key: package.colour\n\
                      error: failed to parse manifest at `/ws/Cargo.toml`\n\nCaused by:\n  \
                      TOML parse error at line 2, column 1\n    |\n  2 | [pakage\n";
        assert_eq!(
            summarize_cargo_error(stderr),
            "failed to parse manifest at `/ws/Cargo.toml`: TOML parse error at line 2, column 1"
        );
        assert_eq!(
            summarize_cargo_error("error: manifest path `x/Cargo.toml` does not exist\n"),
            "manifest path `x/Cargo.toml` does not exist"
        );
        assert_eq!(
            summarize_cargo_error(
                "error: unclosed table, expected `]`\n --> Cargo.toml:1:8\n  |\n1 | [pakage\n"
            ),
            "unclosed table, expected `]` (at `Cargo.toml:1:8`)"
        );
        let missing = cargo_failure(
            "error: could not find `Cargo.toml` in `/tmp/x` or any parent directory\n",
            Path::new("/tmp/x"),
        );
        assert!(matches!(missing, WorkspaceError::NoManifest { .. }));
    }

    #[test]
    fn folders_are_shown_relative_to_the_current_folder() {
        let cwd = Path::new("/ws/server");
        let shown = |path: &str| relative_to(Path::new(path), cwd);
        assert_eq!(shown("/ws/server"), Path::new("."));
        assert_eq!(shown("/ws/server/sub"), Path::new("sub"));
        assert_eq!(shown("/ws/worker"), Path::new("../worker"));
        assert_eq!(shown("/ws"), Path::new(".."));
        assert_eq!(shown("/other/x"), Path::new("/other/x"));
    }

    #[test]
    fn normalizing_removes_dots() {
        assert_eq!(
            normalize(Path::new("/ws/a/./../b/x.rs")),
            Path::new("/ws/b/x.rs")
        );
        assert_eq!(normalize(Path::new("./a/../../b")), Path::new("../b"));
    }

    #[test]
    fn normalizing_keeps_plain_paths_and_tidies_separators() {
        let plain = Path::new("/ws/.hidden/a.b/x.py");
        assert_eq!(normalize(plain).as_os_str(), plain.as_os_str());
        for (messy, tidy) in [("/ws//a/", "/ws/a"), ("/ws/./a", "/ws/a"), ("a/.", "a")] {
            assert_eq!(normalize(Path::new(messy)).as_os_str(), tidy, "{messy}");
        }
    }
}
