//! Which configuration applies to each file, with the command line applied over it.
//!
//! As in ruff, the nearest configuration in a file's folder or above it applies to the file
//! (see [`config`] for what a folder's configuration is): a sub-project with its own
//! configuration is linted with it, the rest of the tree with the one above. Configurations do
//! not merge: the nearest one replaces those above it. `--config FILE` applies one file to every
//! file, and `--isolated` applies none. The command line goes over every configuration: its
//! `--select` replaces the configured `select`, `extend-select` and `ignore`, its `--ignore` is
//! applied after them, `--exclude` adds to the configured excludes and `--no-ignore` wins over
//! `respect-gitignore` and brings the default folders back into the walk.
//!
//! The index hooks (`task-functions`, ...) describe code outside the project, so they apply to
//! the whole run: those of every configuration that applies to a linted file are merged.
//!
//! A folder's configuration is looked up once and cached with the answer for every folder on
//! the way up, so the walk asks once per folder and a project with one configuration reads it
//! once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rustc_hash::FxHashMap;

use super::config::{self, Config, ConfigError};
use super::selector::{enabled_rules, RuleSelection, RuleSelector};
use super::workspace::{normalize, relative_to};
use crate::diagnostic::Severity;
use crate::discover::{is_default_excluded_folder, ConfiguredWalk, Excludes};
use crate::index::external::ExternalFacts;
use crate::lint::FileRules;
use crate::rule::Rule;

/// What the command line says over every configuration.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--select`: replaces the configured selection.
    pub select: Option<Vec<RuleSelector>>,
    /// `--ignore`: applied after the configured selection.
    pub ignore: Vec<RuleSelector>,
    /// `--no-ignore`: ignore files are not respected and the default folders are walked.
    pub no_ignore: bool,
    /// `--report-unused-suppressions`: `TL100 unused-suppression` runs too.
    pub report_unused_suppressions: bool,
}

/// Where configurations come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The nearest configuration above each file.
    Discover,
    /// `--config FILE`, for every file.
    File(PathBuf),
    /// `--isolated`: none.
    Isolated,
}

/// The configurations of a run, looked up per folder and cached.
#[derive(Debug)]
pub struct Configs {
    /// The current folder, absolute: paths are resolved and shown from it.
    cwd: PathBuf,
    overrides: Overrides,
    /// With `--config` or `--isolated`: the one configuration of every file.
    fixed: Option<Arc<Resolved>>,
    /// The built-in defaults, for files without a configuration.
    defaults: Arc<Resolved>,
    /// Folder → the configuration that applies in it (`None`: the defaults).
    by_folder: RwLock<FxHashMap<PathBuf, Option<Arc<Resolved>>>>,
    /// Configurations that could not be read, in the order they were met.
    errors: Mutex<Vec<ConfigError>>,
}

/// A configuration with the command line applied: what the files it governs are linted with.
#[derive(Debug)]
pub struct Resolved {
    /// As written (the built-in defaults have no path).
    pub config: Config,
    /// The rules of its files, before `per-file-ignores`.
    pub rules: Arc<FileRules>,
    /// `per-file-ignores`: a glob (relative to the configuration's folder) and the rules it
    /// turns off.
    per_file_ignores: Vec<(Excludes, Vec<Rule>)>,
    /// `exclude` and `extend-exclude`, relative to the configuration's folder.
    excludes: Excludes,
    /// Whether the folders of the default list are skipped (`exclude` replaces the list).
    pub default_folders: bool,
    /// Whether ignore files are respected.
    pub respect_gitignore: bool,
}

impl Configs {
    /// The configurations from `source`; `--config FILE` is read now. `cwd` is absolute.
    pub fn new(source: Source, overrides: Overrides, cwd: &Path) -> Result<Self, ConfigError> {
        let cwd = normalize(cwd);
        let defaults = Config {
            folder: cwd.clone(),
            ..Config::default()
        };
        let defaults = Arc::new(Resolved::new(defaults, &overrides));
        let fixed = match source {
            Source::Discover => None,
            Source::Isolated => Some(Arc::clone(&defaults)),
            Source::File(path) => {
                let absolute = normalize(&cwd.join(&path));
                let config = config::from_file(&absolute, &path.display().to_string())?;
                Some(Arc::new(Resolved::new(config, &overrides)))
            }
        };
        Ok(Configs {
            cwd,
            overrides,
            fixed,
            defaults,
            by_folder: RwLock::new(FxHashMap::default()),
            errors: Mutex::new(Vec::new()),
        })
    }

    /// The configuration that applies in `folder` (relative to the current folder or absolute).
    /// A configuration that cannot be read is recorded (see [`Configs::errors`]) and the
    /// defaults apply instead.
    fn for_folder(&self, folder: &Path) -> Arc<Resolved> {
        self.for_absolute_folder(&self.absolute(folder))
    }

    /// [`Configs::for_folder`] of an absolute, normalized `folder`.
    fn for_absolute_folder(&self, folder: &Path) -> Arc<Resolved> {
        self.try_for_absolute_folder(folder)
            .unwrap_or_else(|error| {
                let mut errors = self.errors.lock().unwrap_or_else(PoisonError::into_inner);
                if !errors
                    .iter()
                    .any(|known| known.to_string() == error.to_string())
                {
                    errors.push(error);
                }
                Arc::clone(&self.defaults)
            })
    }

    /// [`Configs::for_folder`], with the error of a configuration that cannot be read.
    pub fn try_for_folder(&self, folder: &Path) -> Result<Arc<Resolved>, ConfigError> {
        self.try_for_absolute_folder(&self.absolute(folder))
    }

    fn try_for_absolute_folder(&self, folder: &Path) -> Result<Arc<Resolved>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(Arc::clone(fixed));
        }
        Ok(self
            .nearest(folder)?
            .unwrap_or_else(|| Arc::clone(&self.defaults)))
    }

    /// The configuration that applies to the file `path`: that of its folder.
    fn for_file(&self, path: &Path) -> Arc<Resolved> {
        self.for_absolute_folder(&self.folder_of(path))
    }

    /// The rules of each of `files` (in order), and the index hooks of their configurations
    /// merged (each name once).
    pub fn for_files<'p>(
        &self,
        files: impl IntoIterator<Item = &'p Path>,
    ) -> (Vec<Arc<FileRules>>, ExternalFacts) {
        let mut rules = Vec::new();
        let mut seen: Vec<Arc<Resolved>> = Vec::new();
        for file in files {
            let resolved = self.for_file(file);
            rules.push(self.rules_for_file(&resolved, file));
            if !seen.iter().any(|known| Arc::ptr_eq(known, &resolved)) {
                seen.push(resolved);
            }
        }
        let mut merged = ExternalFacts::default();
        for resolved in &seen {
            let facts = &resolved.config.external;
            for (into, from) in [
                (&mut merged.task_functions, &facts.task_functions),
                (&mut merged.coroutine_functions, &facts.coroutine_functions),
                (&mut merged.always_suspend, &facts.always_suspend),
                (&mut merged.never_suspend, &facts.never_suspend),
            ] {
                for name in from {
                    if !into.contains(name) {
                        into.push(name.clone());
                    }
                }
            }
        }
        (rules, merged)
    }

    /// The rules of the file `path` under its configuration `resolved`: the configuration's,
    /// minus what its `per-file-ignores` turn off for the file.
    pub fn rules_for_file(&self, resolved: &Resolved, path: &Path) -> Arc<FileRules> {
        if resolved.per_file_ignores.is_empty() {
            return Arc::clone(&resolved.rules);
        }
        let path = self.absolute(path);
        let ignored: Vec<Rule> = resolved
            .per_file_ignores
            .iter()
            .filter(|(glob, _)| glob.is_excluded_file(&path))
            .flat_map(|(_, rules)| rules.iter().copied())
            .collect();
        if ignored.is_empty() {
            return Arc::clone(&resolved.rules);
        }
        let mut rules = FileRules::clone(&resolved.rules);
        rules.enabled.retain(|rule| !ignored.contains(rule));
        Arc::new(rules)
    }

    /// The configurations that could not be read so far.
    pub fn errors(&self) -> Vec<ConfigError> {
        self.errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How to show the file `path` (absolute): relative to the current folder when it is
    /// inside it.
    pub fn shown(&self, path: &Path) -> String {
        let folder = path.parent().map(|folder| relative_to(folder, &self.cwd));
        let name = path.file_name().unwrap_or_default();
        match folder {
            Some(folder) if folder != Path::new(".") => folder.join(name),
            _ => PathBuf::from(name),
        }
        .display()
        .to_string()
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// The folder of the file `path`, absolute.
    fn folder_of(&self, path: &Path) -> PathBuf {
        let mut folder = self.absolute(path);
        folder.pop();
        folder
    }

    /// The configuration of the nearest folder at or above `folder` that has one, cached for
    /// `folder` and each folder on the way.
    fn nearest(&self, folder: &Path) -> Result<Option<Arc<Resolved>>, ConfigError> {
        // Every file of a folder asks, from several threads: the common case only reads.
        if let Some(cached) = self
            .by_folder
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(folder)
        {
            return Ok(cached.clone());
        }
        let mut by_folder = self
            .by_folder
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in folder.ancestors() {
            if let Some(cached) = by_folder.get(ancestor) {
                found = cached.clone();
                break;
            }
            visited.push(ancestor.to_path_buf());
            let shown = |path: &Path| self.shown(path);
            if let Some(config) = config::in_folder(ancestor, &shown)? {
                found = Some(Arc::new(Resolved::new(config, &self.overrides)));
                break;
            }
        }
        for visited in visited {
            by_folder.insert(visited, found.clone());
        }
        Ok(found)
    }
}

impl ConfiguredWalk for Configs {
    /// A walked path is excluded by the configuration of the folder it is in.
    fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        let resolved = self.for_file(path);
        (is_dir && resolved.default_folders && is_default_excluded_folder(path))
            || (!resolved.excludes.is_empty()
                && resolved.excludes.is_excluded(&self.absolute(path), is_dir))
    }

    fn respects_ignore_files(&self, root: &Path) -> bool {
        self.for_folder(root).respect_gitignore
    }
}

impl Resolved {
    fn new(config: Config, overrides: &Overrides) -> Self {
        let levels = [
            RuleSelection {
                select: config.select.as_deref(),
                extend_select: &config.extend_select,
                ignore: &config.ignore,
            },
            RuleSelection {
                select: overrides.select.as_deref(),
                extend_select: &[],
                ignore: &overrides.ignore,
            },
        ];
        let mut enabled = enabled_rules(&levels);
        if overrides.report_unused_suppressions && !enabled.contains(&Rule::UnusedSuppression) {
            enabled.push(Rule::UnusedSuppression);
        }
        let rules = FileRules {
            enabled,
            severity: severities(&config.severity),
        };
        let per_file_ignores = config
            .per_file_ignores
            .iter()
            .map(|ignore| {
                let rules = Rule::ALL
                    .iter()
                    .copied()
                    .filter(|rule| ignore.rules.iter().any(|selector| selector.matches(*rule)))
                    .collect();
                (ignore.matcher.clone(), rules)
            })
            .collect();
        Resolved {
            rules: Arc::new(rules),
            per_file_ignores,
            excludes: config.excludes.clone(),
            default_folders: config.exclude.is_none() && !overrides.no_ignore,
            respect_gitignore: config.respect_gitignore.unwrap_or(true) && !overrides.no_ignore,
            config,
        }
    }
}

/// The severity of each rule named by the `severity` table, the more specific selector winning
/// (`{ TL = "warning", TL001 = "error" }` makes TL001 an error and the others warnings).
fn severities(configured: &[(RuleSelector, Severity)]) -> Vec<(Rule, Severity)> {
    let mut ordered: Vec<&(RuleSelector, Severity)> = configured.iter().collect();
    ordered.sort_by_key(|(selector, _)| selector.specificity());
    let mut severity: Vec<(Rule, Severity)> = Vec::new();
    for (selector, level) in ordered {
        for &rule in Rule::ALL.iter().filter(|rule| selector.matches(**rule)) {
            severity.retain(|(known, _)| *known != rule);
            severity.push((rule, *level));
        }
    }
    severity.sort();
    severity
}
