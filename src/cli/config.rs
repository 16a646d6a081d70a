//! The configuration file: `tasklint.toml`, or the `[tool.tasklint]` table of a
//! `pyproject.toml`, the nearest one in the folder of the first path to lint or above it. It
//! names what the project index cannot see: functions outside the project that return tasks,
//! that are coroutine functions, or that always or never suspend.
//!
//! ```toml
//! task-functions = ["homeassistant.core.HomeAssistant.async_create_task"]
//! coroutine-functions = ["framework.db.fetch"]
//! always-suspend = ["framework.io.wait_ready"]
//! never-suspend = ["framework.cache.lookup"]
//! ```
//!
//! A `pyproject.toml` without a `[tool.tasklint]` table is passed over. Unknown keys and values
//! of the wrong type are errors, reported with the file and line.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::workspace::{normalize, relative_to};
use crate::discover::io_cause;
use crate::index::external::ExternalFacts;

/// The configuration file's name.
const CONFIG_FILE: &str = "tasklint.toml";
/// The file whose `[tool.tasklint]` table holds the configuration too.
const PYPROJECT_FILE: &str = "pyproject.toml";

/// The keys of the configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Config {
    #[serde(default)]
    task_functions: Vec<String>,
    #[serde(default)]
    coroutine_functions: Vec<String>,
    #[serde(default)]
    always_suspend: Vec<String>,
    #[serde(default)]
    never_suspend: Vec<String>,
}

/// The parts of a `pyproject.toml` that matter.
#[derive(Debug, Deserialize)]
struct Pyproject {
    tool: Option<Tool>,
}

#[derive(Debug, Deserialize)]
struct Tool {
    tasklint: Option<Config>,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read `{path}`: {cause}")]
    Read { path: String, cause: String },
    #[error("invalid configuration in `{path}`{line}: {message}")]
    Invalid {
        path: String,
        /// ` (line 3)`, when known.
        line: String,
        message: String,
    },
}

/// The facts configured for the run linting `first_path` (relative to `cwd`): from the nearest
/// configuration file in its folder (its own folder for a file) or above. No file, no facts.
pub fn external_facts(first_path: &Path, cwd: &Path) -> Result<ExternalFacts, ConfigError> {
    let start = normalize(&cwd.join(first_path));
    let folder = if start.is_dir() {
        start.as_path()
    } else {
        start.parent().unwrap_or(&start)
    };
    for folder in folder.ancestors() {
        let config = folder.join(CONFIG_FILE);
        if config.is_file() {
            let shown = shown(&config, cwd);
            return parse::<Config>(&read(&config, &shown)?, &shown).map(Config::into_facts);
        }
        let pyproject = folder.join(PYPROJECT_FILE);
        if pyproject.is_file() {
            let shown = shown(&pyproject, cwd);
            let text = read(&pyproject, &shown)?;
            // Only a file that mentions the table is parsed: the others are not ours to judge.
            if text.contains("tool.tasklint") {
                let parsed: Pyproject = parse(&text, &shown)?;
                if let Some(config) = parsed.tool.and_then(|tool| tool.tasklint) {
                    return Ok(config.into_facts());
                }
            }
        }
    }
    Ok(ExternalFacts::default())
}

impl Config {
    fn into_facts(self) -> ExternalFacts {
        ExternalFacts {
            task_functions: self.task_functions,
            coroutine_functions: self.coroutine_functions,
            always_suspend: self.always_suspend,
            never_suspend: self.never_suspend,
        }
    }
}

/// How to show a configuration file: relative to the current folder when it is inside it.
fn shown(path: &Path, cwd: &Path) -> String {
    let folder = path.parent().map(|folder| relative_to(folder, cwd));
    let name = path.file_name().unwrap_or_default();
    match folder {
        Some(folder) if folder != Path::new(".") => folder.join(name),
        _ => PathBuf::from(name),
    }
    .display()
    .to_string()
}

fn read(path: &Path, shown: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: shown.to_owned(),
        cause: io_cause(&error),
    })
}

/// Parses `text` as TOML into `T`; errors name the file and the line.
fn parse<T: for<'de> Deserialize<'de>>(text: &str, shown: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default();
        ConfigError::Invalid {
            path: shown.to_owned(),
            line,
            message: error
                .message()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_in_kebab_case() {
        let config: Config = parse(
            "task-functions = [\"a.b\"]\nnever-suspend = [\"c.D.e\"]\n",
            "tasklint.toml",
        )
        .unwrap();
        let facts = config.into_facts();
        assert_eq!(facts.task_functions, ["a.b"]);
        assert_eq!(facts.never_suspend, ["c.D.e"]);
        assert!(facts.coroutine_functions.is_empty());
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let error = parse::<Config>("\n\ntask-function = []\n", "conf/tasklint.toml").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("invalid configuration in `conf/tasklint.toml` (line 3): unknown field `task-function`"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }
}
