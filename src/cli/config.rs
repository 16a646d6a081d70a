//! Reading one configuration file: which file of a folder holds the configuration, and what its
//! keys say, checked key by key.
//!
//! A folder's configuration is the first of these that exists and holds a tasklint table (the
//! order is the precedence, as ruff's `.ruff.toml` > `ruff.toml` > `pyproject.toml`):
//! `.tasklint.toml`, `tasklint.toml` (the whole file), the `[tool.tasklint]` table of
//! `pyproject.toml`, the `[package.metadata.tasklint]` table of `Cargo.toml`, else its
//! `[workspace.metadata.tasklint]` table. A `pyproject.toml` or `Cargo.toml` without the table is
//! passed over. Which folder's configuration applies to a file is [`super::configs`]' business.
//!
//! ```toml
//! select = ["TL00"]
//! ignore = ["TL004"]
//! per-file-ignores = { "tests/**" = ["TL003"] }
//! severity = { TL001 = "warning" }
//! task-functions = ["homeassistant.core.HomeAssistant.async_create_task"]
//! ```
//!
//! Every problem is a [`ConfigError`] that names the file and the line: a TOML syntax error, an
//! unknown key (with "did you mean" for a close known one), a value of the wrong type, an
//! unknown rule code, a bad glob.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::selector::RuleSelector;
use crate::diagnostic::Severity;
use crate::discover::{io_cause, Excludes};
use crate::index::external::ExternalFacts;

/// A file that can hold the configuration, in the order of precedence within one folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    /// `.tasklint.toml` or `tasklint.toml`: the whole file is the configuration.
    Own(&'static str),
    /// `pyproject.toml`: the `[tool.tasklint]` table.
    Pyproject,
    /// `Cargo.toml`: the `[package.metadata.tasklint]` table, else `[workspace.metadata.tasklint]`.
    CargoManifest,
}

const SOURCES: [SourceKind; 4] = [
    SourceKind::Own(".tasklint.toml"),
    SourceKind::Own("tasklint.toml"),
    SourceKind::Pyproject,
    SourceKind::CargoManifest,
];

impl SourceKind {
    fn file_name(self) -> &'static str {
        match self {
            SourceKind::Own(name) => name,
            SourceKind::Pyproject => "pyproject.toml",
            SourceKind::CargoManifest => "Cargo.toml",
        }
    }

    /// The tables that may hold the configuration, as key paths from the top, in order.
    fn tables(self) -> &'static [&'static [&'static str]] {
        match self {
            SourceKind::Own(_) => &[&[]],
            SourceKind::Pyproject => &[&["tool", "tasklint"]],
            SourceKind::CargoManifest => &[
                &["package", "metadata", "tasklint"],
                &["workspace", "metadata", "tasklint"],
            ],
        }
    }
}

/// The keys of the configuration, for "did you mean".
const KEYS: [&str; 12] = [
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "severity",
    "respect-gitignore",
    "task-functions",
    "coroutine-functions",
    "always-suspend",
    "never-suspend",
];

/// One configuration, as its file writes it (absent keys are `None` or empty).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from, absolute; `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    /// The folder its globs are relative to: the file's folder.
    pub folder: PathBuf,
    pub select: Option<Vec<RuleSelector>>,
    pub extend_select: Vec<RuleSelector>,
    pub ignore: Vec<RuleSelector>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Replaces the default list of skipped folders.
    pub exclude: Option<Vec<String>>,
    /// Added to `exclude` (or to the default list).
    pub extend_exclude: Vec<String>,
    /// The globs of `exclude` and `extend-exclude`, relative to `folder`.
    pub excludes: Excludes,
    /// Rule selector → the severity its findings are reported with.
    pub severity: Vec<(RuleSelector, Severity)>,
    pub respect_gitignore: Option<bool>,
    /// The index hooks.
    pub external: ExternalFacts,
}

/// One entry of `per-file-ignores`: rules not reported in the files a glob matches.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    /// As written: gitignore-style, relative to the configuration's folder.
    pub glob: String,
    pub matcher: Excludes,
    pub rules: Vec<RuleSelector>,
}

/// Why a configuration could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read `{path}`: {cause}")]
    Read { path: String, cause: String },
    #[error("invalid configuration in `{path}` (line {line}): {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    /// `--config` named a manifest without the table.
    #[error("`{path}` has no {tables} table")]
    NoTable { path: String, tables: String },
}

/// The configuration held by the folder `folder`, if one of its files holds one; `shown` says
/// how to name a file in messages.
pub fn in_folder(
    folder: &Path,
    shown: &dyn Fn(&Path) -> String,
) -> Result<Option<Config>, ConfigError> {
    for kind in SOURCES {
        let path = folder.join(kind.file_name());
        if !path.is_file() {
            continue;
        }
        let text = read(&path, shown)?;
        // A manifest that does not mention tasklint is not ours to judge, even when broken.
        if !matches!(kind, SourceKind::Own(_)) && !text.contains("tasklint") {
            continue;
        }
        if let Some(config) = parse(&text, kind, &path, &shown(&path))? {
            return Ok(Some(config));
        }
    }
    Ok(None)
}

/// The configuration of the file `path` given with `--config`: a `pyproject.toml` or
/// `Cargo.toml` by its name, any other name as a `tasklint.toml`. A file without the table is
/// an error, since it was asked for.
pub fn from_file(path: &Path, shown: &str) -> Result<Config, ConfigError> {
    let name = path.file_name().and_then(|name| name.to_str());
    let kind = SOURCES
        .into_iter()
        .filter(|kind| !matches!(kind, SourceKind::Own(_)))
        .find(|kind| name == Some(kind.file_name()))
        .unwrap_or(SourceKind::Own("tasklint.toml"));
    let text = read(path, &|_| shown.to_owned())?;
    parse(&text, kind, path, shown)?.ok_or_else(|| ConfigError::NoTable {
        path: shown.to_owned(),
        tables: kind
            .tables()
            .iter()
            .map(|keys| format!("`[{}]`", keys.join(".")))
            .collect::<Vec<_>>()
            .join(" or "),
    })
}

fn read(path: &Path, shown: &dyn Fn(&Path) -> String) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: shown(path),
        cause: io_cause(&error),
    })
}

/// Parses the text of a `kind` file at `path`; `None` when it holds no tasklint table.
fn parse(
    text: &str,
    kind: SourceKind,
    path: &Path,
    shown: &str,
) -> Result<Option<Config>, ConfigError> {
    let reader = Reader { text, shown };
    let document = DeTable::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        reader.error(
            offset,
            error
                .message()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    })?;
    let Some(table) = kind
        .tables()
        .iter()
        .find_map(|keys| find_table(document.get_ref(), keys))
    else {
        return Ok(None);
    };
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut config = Config {
        path: Some(path.to_path_buf()),
        folder,
        ..Config::default()
    };
    for (key, value) in table {
        reader.set(&mut config, key, value)?;
    }
    Ok(Some(config))
}

/// The table at `keys` under `table`, if every step is a table.
fn find_table<'a, 'i>(table: &'a DeTable<'i>, keys: &[&str]) -> Option<&'a DeTable<'i>> {
    let Some((first, rest)) = keys.split_first() else {
        return Some(table);
    };
    let value = table
        .iter()
        .find(|(key, _)| key.get_ref().as_ref() == *first)
        .map(|(_, value)| value)?;
    match value.get_ref() {
        DeValue::Table(inner) => find_table(inner, rest),
        _ => None,
    }
}

/// Reads values of one file, turning problems into errors that name the file and the line.
struct Reader<'a> {
    text: &'a str,
    shown: &'a str,
}

impl Reader<'_> {
    fn error(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let end = offset.min(self.text.len());
        ConfigError::Invalid {
            path: self.shown.to_owned(),
            line: self.text.as_bytes()[..end]
                .iter()
                .filter(|&&byte| byte == b'\n')
                .count()
                + 1,
            message: message.into(),
        }
    }

    fn set(
        &self,
        config: &mut Config,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<(), ConfigError> {
        let name = key.get_ref().as_ref();
        match name {
            "select" => config.select = Some(self.selectors(name, value)?),
            "extend-select" => config.extend_select = self.selectors(name, value)?,
            "ignore" => config.ignore = self.selectors(name, value)?,
            "per-file-ignores" => {
                for (glob, rules) in self.table(name, value)? {
                    let (offset, glob) = (glob.span().start, glob.get_ref().to_string());
                    let matcher = self.matcher(&config.folder, &[&glob], offset)?;
                    let rules = self.selectors(&format!("per-file-ignores.\"{glob}\""), rules)?;
                    config.per_file_ignores.push(PerFileIgnore {
                        glob,
                        matcher,
                        rules,
                    });
                }
            }
            "exclude" | "extend-exclude" => {
                let globs = self.globs(name, value)?;
                if name == "exclude" {
                    config.exclude = Some(globs);
                } else {
                    config.extend_exclude = globs;
                }
                let all: Vec<&String> = config
                    .exclude
                    .iter()
                    .flatten()
                    .chain(&config.extend_exclude)
                    .collect();
                config.excludes = self.matcher(&config.folder, &all, value.span().start)?;
            }
            "severity" => {
                for (rule, level) in self.table(name, value)? {
                    let selector = self.selector(name, rule.get_ref(), rule.span().start)?;
                    let level = match level.get_ref() {
                        DeValue::String(text) if text == "error" => Severity::Error,
                        DeValue::String(text) if text == "warning" => Severity::Warning,
                        other => {
                            return Err(self.error(
                                level.span().start,
                                format!(
                                    "`severity.{}` must be \"error\" or \"warning\", not {}",
                                    rule.get_ref(),
                                    shown_value(other)
                                ),
                            ))
                        }
                    };
                    config.severity.push((selector, level));
                }
            }
            "respect-gitignore" => match value.get_ref() {
                DeValue::Boolean(yes) => config.respect_gitignore = Some(*yes),
                other => return Err(self.wrong_type(name, "a boolean", other, value.span().start)),
            },
            "task-functions" => config.external.task_functions = self.strings(name, value)?,
            "coroutine-functions" => {
                config.external.coroutine_functions = self.strings(name, value)?;
            }
            "always-suspend" => config.external.always_suspend = self.strings(name, value)?,
            "never-suspend" => config.external.never_suspend = self.strings(name, value)?,
            unknown => {
                let hint = closest_key(unknown)
                    .map(|known| format!("; did you mean `{known}`?"))
                    .unwrap_or_default();
                return Err(self.error(key.span().start, format!("unknown key `{unknown}`{hint}")));
            }
        }
        Ok(())
    }

    fn wrong_type(
        &self,
        key: &str,
        expected: &str,
        found: &DeValue<'_>,
        offset: usize,
    ) -> ConfigError {
        self.error(
            offset,
            format!("`{key}` must be {expected}, not {}", shown_value(found)),
        )
    }

    /// A list of strings, each with the offset where it starts.
    fn string_items(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Vec<(String, usize)>, ConfigError> {
        let expected = "a list of strings";
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(key, expected, value.get_ref(), value.span().start));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(text) => Ok((text.to_string(), item.span().start)),
                other => Err(self.wrong_type(key, expected, other, item.span().start)),
            })
            .collect()
    }

    fn strings(&self, key: &str, value: &Spanned<DeValue<'_>>) -> Result<Vec<String>, ConfigError> {
        Ok(self
            .string_items(key, value)?
            .into_iter()
            .map(|(text, _)| text)
            .collect())
    }

    fn selectors(
        &self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Vec<RuleSelector>, ConfigError> {
        self.string_items(key, value)?
            .iter()
            .map(|(text, offset)| self.selector(key, text, *offset))
            .collect()
    }

    /// A rule selector in `key`: what `--select` accepts.
    fn selector(&self, key: &str, text: &str, offset: usize) -> Result<RuleSelector, ConfigError> {
        text.parse()
            .map_err(|message: String| self.error(offset, format!("`{key}`: {message}")))
    }

    /// A list of globs, each checked on its own line.
    fn globs(&self, key: &str, value: &Spanned<DeValue<'_>>) -> Result<Vec<String>, ConfigError> {
        let items = self.string_items(key, value)?;
        for (glob, offset) in &items {
            self.matcher(Path::new(""), &[glob], *offset)?;
        }
        Ok(items.into_iter().map(|(glob, _)| glob).collect())
    }

    /// The matcher of gitignore-style `globs` relative to `folder`, written at `offset`.
    fn matcher(
        &self,
        folder: &Path,
        globs: &[&String],
        offset: usize,
    ) -> Result<Excludes, ConfigError> {
        let globs: Vec<String> = globs.iter().map(|glob| (*glob).clone()).collect();
        Excludes::new(folder, &globs).map_err(|error| self.error(offset, error.to_string()))
    }

    /// The entries of a table value.
    fn table<'v, 'i>(
        &self,
        key: &str,
        value: &'v Spanned<DeValue<'i>>,
    ) -> Result<
        impl Iterator<
            Item = (
                &'v Spanned<std::borrow::Cow<'i, str>>,
                &'v Spanned<DeValue<'i>>,
            ),
        >,
        ConfigError,
    > {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table.iter()),
            other => Err(self.wrong_type(key, "a table", other, value.span().start)),
        }
    }
}

/// How a wrong value is named in an error: its type, and a short string as it is.
fn shown_value(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) if text.len() <= 40 => format!("the string \"{text}\""),
        DeValue::String(_) => "a string".to_owned(),
        DeValue::Integer(_) => "an integer".to_owned(),
        DeValue::Array(_) => "a list".to_owned(),
        other => format!("a {}", other.type_str()),
    }
}

/// The known key closest to `unknown`, if it is close enough to be a typo.
fn closest_key(unknown: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|known| (edit_distance(unknown, known), *known))
        .filter(|(distance, known)| *distance <= (known.len() / 3).max(1))
        .min()
        .map(|(_, known)| known)
}

/// The Levenshtein distance between `a` and `b`: the fewest insertions, deletions and
/// substitutions of characters that turn one into the other.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `row[j]`: the distance between the prefix of `a` read so far and `b[..j]`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, b_char) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(a_char != *b_char);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str, kind: SourceKind) -> Result<Option<Config>, ConfigError> {
        parse(text, kind, Path::new("/project/file.toml"), "file.toml")
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("select", "select"), 0);
        assert_eq!(edit_distance("selct", "select"), 1);
        assert_eq!(edit_distance("slect", "select"), 1);
        assert_eq!(edit_distance("selecta", "select"), 1);
        assert_eq!(edit_distance("respect_gitignore", "respect-gitignore"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn only_close_keys_are_suggested() {
        assert_eq!(closest_key("extend-selct"), Some("extend-select"));
        assert_eq!(closest_key("Ignore"), Some("ignore"));
        assert_eq!(closest_key("never_suspends"), Some("never-suspend"));
        assert_eq!(closest_key("colour"), None);
        assert_eq!(closest_key("line-length"), None);
    }

    #[test]
    fn the_package_table_of_a_manifest_wins_over_the_workspace_table() {
        let manifest = "\
[package.metadata.tasklint]
select = [\"TL001\"]

[workspace.metadata.tasklint]
select = [\"TL003\"]
";
        let config = parsed(manifest, SourceKind::CargoManifest)
            .expect("parses")
            .expect("has the table");
        assert_eq!(config.select, Some(vec!["TL001".parse().expect("a code")]));
        assert_eq!(config.folder, Path::new("/project"));
    }

    #[test]
    fn a_file_without_the_table_has_no_configuration() {
        let pyproject = "[tool.ruff]\nline-length = 100\n";
        assert!(parsed(pyproject, SourceKind::Pyproject)
            .expect("parses")
            .is_none());
        // A `tasklint` table elsewhere is not the configuration.
        let manifest = "[package]\nname = \"tasklint\"\n[dependencies]\ntasklint = \"1\"\n";
        assert!(parsed(manifest, SourceKind::CargoManifest)
            .expect("parses")
            .is_none());
    }

    #[test]
    fn every_key_is_read() {
        let text = "\
select = [\"TL00\"]
extend-select = [\"TL005\"]
ignore = [\"non-yielding-loop\"]
per-file-ignores = { \"tests/**\" = [\"TL003\"] }
exclude = [\"gen/\"]
extend-exclude = [\"*_pb2.py\"]
severity = { TL001 = \"warning\" }
respect-gitignore = false
task-functions = [\"a.spawn\"]
coroutine-functions = [\"a.fetch\"]
always-suspend = [\"a.wait\"]
never-suspend = [\"a.incr\"]
";
        let config = parsed(text, SourceKind::Own("tasklint.toml"))
            .expect("parses")
            .expect("is a configuration");
        assert_eq!(config.extend_select.len(), 1);
        assert_eq!(config.ignore.len(), 1);
        assert_eq!(config.per_file_ignores[0].glob, "tests/**");
        assert_eq!(config.exclude, Some(vec!["gen/".to_owned()]));
        assert_eq!(config.extend_exclude, ["*_pb2.py"]);
        assert_eq!(config.severity[0].1, Severity::Warning);
        assert_eq!(config.respect_gitignore, Some(false));
        assert_eq!(config.external.task_functions, ["a.spawn"]);
        assert_eq!(config.external.coroutine_functions, ["a.fetch"]);
        assert_eq!(config.external.always_suspend, ["a.wait"]);
        assert_eq!(config.external.never_suspend, ["a.incr"]);
    }
}
