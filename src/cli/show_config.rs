//! `tasklint config [PATH]`: the settings that apply to a file or folder, every key with its
//! value (as written in the configuration file, or the default), the file they come from, and
//! the rules that run with their severity. As text in TOML's syntax, or as JSON.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::args::{ConfigArgs, ConfigFormat};
use super::config::ConfigError;
use super::configs::{Configs, Overrides, Resolved};
use super::selector::RuleSelector;
use super::settings::{config_source, current_dir};
use super::{print_error, ExitStatus};
use crate::discover::{io_cause, DEFAULT_EXCLUDED_FOLDERS};
use crate::lint::FileRules;
use crate::rule::Rule;

/// Runs `tasklint config`.
pub fn run(args: &ConfigArgs) -> ExitStatus {
    if let Err(error) = std::fs::metadata(&args.path) {
        print_error(format_args!(
            "cannot read `{}`: {}",
            args.path.display(),
            io_cause(&error)
        ));
        return ExitStatus::Error;
    }
    let described = describe_path(args);
    let description = match described {
        Ok(description) => description,
        Err(error) => {
            print_error(error);
            return ExitStatus::Error;
        }
    };
    let text = match args.format {
        ConfigFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&description.to_json(&args.path)).unwrap_or_default();
            text.push('\n');
            text
        }
        ConfigFormat::Text => description.to_text(&args.path),
    };
    // A closed pipe is not worth reporting.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitStatus::Clean
}

/// The settings that apply to `args.path`: those of its configuration, with its
/// `per-file-ignores` applied when it is a file.
fn describe_path(args: &ConfigArgs) -> Result<Description, ConfigError> {
    let configs = Configs::new(
        config_source(&args.source),
        Overrides::default(),
        &current_dir(),
    )?;
    let (resolved, rules) = if args.path.is_dir() {
        let resolved = configs.try_for_folder(&args.path)?;
        let rules = Arc::clone(&resolved.rules);
        (resolved, rules)
    } else {
        let folder = args.path.parent().unwrap_or(Path::new(""));
        let resolved = configs.try_for_folder(folder)?;
        let rules = configs.rules_for_file(&resolved, &args.path);
        (resolved, rules)
    };
    let file = resolved
        .config
        .path
        .as_deref()
        .map(|path| configs.shown(path));
    Ok(describe(&resolved, file, &rules))
}

/// The settings of one path, ready to print.
struct Description {
    /// The configuration file, as shown; `None` when the defaults apply.
    file: Option<String>,
    /// Every key with its value, and whether the file writes it.
    keys: Vec<(&'static str, Value, bool)>,
    /// The rules that run, with their severity.
    rules: Vec<(Rule, &'static str)>,
}

fn describe(resolved: &Resolved, file: Option<String>, rules: &FileRules) -> Description {
    let config = &resolved.config;
    let selectors = |list: &[RuleSelector]| -> Value {
        list.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .into()
    };
    let default_select: Vec<&str> = Rule::defaults().map(Rule::code).collect();
    let per_file_ignores: Map<String, Value> = config
        .per_file_ignores
        .iter()
        .map(|ignore| (ignore.glob.clone(), selectors(&ignore.rules)))
        .collect();
    let severity: Map<String, Value> = config
        .severity
        .iter()
        .map(|(selector, level)| (selector.to_string(), level.as_str().into()))
        .collect();
    let external = &config.external;
    // A list of names (globs, functions): written when not empty.
    let names = |key, list: &[String]| (key, Value::from(list.to_vec()), !list.is_empty());
    let keys = vec![
        (
            "select",
            config
                .select
                .as_deref()
                .map_or_else(|| default_select.into(), selectors),
            config.select.is_some(),
        ),
        (
            "extend-select",
            selectors(&config.extend_select),
            !config.extend_select.is_empty(),
        ),
        (
            "ignore",
            selectors(&config.ignore),
            !config.ignore.is_empty(),
        ),
        (
            "per-file-ignores",
            Value::Object(per_file_ignores),
            !config.per_file_ignores.is_empty(),
        ),
        (
            "exclude",
            config
                .exclude
                .clone()
                .unwrap_or_else(|| {
                    DEFAULT_EXCLUDED_FOLDERS
                        .iter()
                        .map(|folder| format!("{folder}/"))
                        .collect()
                })
                .into(),
            config.exclude.is_some(),
        ),
        names("extend-exclude", &config.extend_exclude),
        (
            "severity",
            Value::Object(severity),
            !config.severity.is_empty(),
        ),
        (
            "respect-gitignore",
            config.respect_gitignore.unwrap_or(true).into(),
            config.respect_gitignore.is_some(),
        ),
        names("task-functions", &external.task_functions),
        names("coroutine-functions", &external.coroutine_functions),
        names("always-suspend", &external.always_suspend),
        names("never-suspend", &external.never_suspend),
    ];
    let rules = rules
        .enabled
        .iter()
        .map(|&rule| {
            let severity = rules.severity_of(rule).unwrap_or(rule.default_severity());
            (rule, severity.as_str())
        })
        .collect();
    Description { file, keys, rules }
}

impl Description {
    fn to_text(&self, path: &Path) -> String {
        let mut text = format!("# settings of `{}`\n", path.display());
        match &self.file {
            Some(file) => text.push_str(&format!("# from `{file}`\n")),
            None => text.push_str("# from no configuration file: the defaults\n"),
        }
        for (key, value, written) in &self.keys {
            let origin = if *written { "" } else { "  # default" };
            text.push_str(&format!("{key} = {}{origin}\n", toml_value(value)));
        }
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|(rule, severity)| format!("{} ({severity})", rule.code()))
            .collect();
        text.push_str(&format!("# rules that run: {}\n", rules.join(", ")));
        text
    }

    fn to_json(&self, path: &Path) -> Value {
        let settings: Map<String, Value> = self
            .keys
            .iter()
            .map(|(key, value, _)| ((*key).to_owned(), value.clone()))
            .collect();
        let defaults: Vec<&str> = self
            .keys
            .iter()
            .filter(|(_, _, written)| !written)
            .map(|(key, _, _)| *key)
            .collect();
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(rule, severity)| json!({ "code": rule.code(), "severity": severity }))
            .collect();
        json!({
            "path": path.display().to_string(),
            "file": self.file,
            "settings": settings,
            "defaults": defaults,
            "rules": rules,
        })
    }
}

/// A value in TOML's inline syntax: strings quoted, lists in brackets, tables in braces.
fn toml_value(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(entries) if entries.is_empty() => "{}".to_owned(),
        Value::Object(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(key, value)| format!("{} = {}", toml_key(key), toml_value(value)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

/// A key bare when TOML allows it, else quoted.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_owned()
    } else {
        Value::from(key).to_string()
    }
}
