//! Baselines: the findings of a codebase recorded once (`--write-baseline FILE`), so that later
//! runs (`--baseline FILE`) report only new ones.
//!
//! A baseline is a JSON file, meant to be committed and reviewed:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {
//!       "path": "app/main.py",
//!       "rule": "TL001",
//!       "function": "async def handle(request):",
//!       "line": "asyncio.create_task(write_audit_log(request))",
//!       "occurrence": 0
//!     }
//!   ]
//! }
//! ```
//!
//! Each entry is a [`FindingKey`] (see [`crate::fingerprint`] for what it holds and how it
//! survives edits); entries are sorted by path, rule, function, line and occurrence, so the file
//! is the same for the same findings and its diffs show only what changed. No line numbers.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fingerprint::{self, FindingKey, MatchingParts};
use crate::lint::FileReport;

/// The version this tasklint reads and writes; it changes when the key recipe does.
pub const VERSION: u32 = 1;

/// The recorded findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Sorted.
    entries: Vec<FindingKey>,
}

/// What applying a baseline to a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings left out of the report because the baseline records them.
    pub hidden: usize,
    /// Entries for linted files that matched no finding: fixed or changed code.
    pub stale: usize,
}

/// The file as written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    path: String,
    rule: String,
    function: String,
    line: String,
    occurrence: usize,
}

/// Why a baseline could not be read or written. Each says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "cannot read the baseline `{path}`: {cause}; create it with `--write-baseline {path}`",
        path = path.display(),
        cause = crate::discover::io_cause(cause)
    )]
    Read { path: PathBuf, cause: io::Error },
    #[error(
        "the baseline `{path}` is not a tasklint baseline: {cause}; write it again with `--write-baseline {path}`",
        path = path.display()
    )]
    Malformed { path: PathBuf, cause: String },
    #[error(
        "the baseline `{path}` has version {found}, this tasklint reads version {VERSION}; write it again with `--write-baseline {path}`",
        path = path.display()
    )]
    Version { path: PathBuf, found: u64 },
    #[error(
        "cannot write the baseline `{path}`: {cause}",
        path = path.display(),
        cause = crate::discover::io_cause(cause)
    )]
    Write { path: PathBuf, cause: io::Error },
}

impl Baseline {
    /// Every finding of `reports`.
    pub fn from_reports(reports: &[FileReport]) -> Baseline {
        let mut entries: Vec<FindingKey> = reports.iter().flat_map(fingerprint::keys).collect();
        entries.sort();
        Baseline { entries }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|cause| BaselineError::Read {
            path: path.to_owned(),
            cause,
        })?;
        Baseline::parse(&text).map_err(|error| match error {
            ParseError::Json(cause) => BaselineError::Malformed {
                path: path.to_owned(),
                cause,
            },
            ParseError::Version(found) => BaselineError::Version {
                path: path.to_owned(),
                found,
            },
        })
    }

    fn parse(text: &str) -> Result<Baseline, ParseError> {
        // The version first, so that a future format is reported as such, not as bad JSON.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| ParseError::Json(error.to_string()))?;
        let Some(version) = value.get("version") else {
            return Err(ParseError::Json(
                "expected a JSON object with `version` and `findings`".to_owned(),
            ));
        };
        match version.as_u64() {
            Some(found) if found == u64::from(VERSION) => {}
            Some(found) => return Err(ParseError::Version(found)),
            None => return Err(ParseError::Json("`version` is not a number".to_owned())),
        }
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|error| ParseError::Json(error.to_string()))?;
        let mut entries: Vec<FindingKey> = file
            .findings
            .into_iter()
            .map(|entry| FindingKey {
                path: fingerprint::normalize_path(&entry.path),
                rule: entry.rule,
                function: entry.function,
                line: entry.line,
                occurrence: entry.occurrence,
            })
            .collect();
        entries.sort();
        Ok(Baseline { entries })
    }

    /// The number of recorded findings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: VERSION,
            findings: self
                .entries
                .iter()
                .map(|key| Entry {
                    path: key.path.clone(),
                    rule: key.rule.clone(),
                    function: key.function.clone(),
                    line: key.line.clone(),
                    occurrence: key.occurrence,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a baseline serializes");
        text.push('\n');
        text
    }

    /// Writes the baseline file.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        std::fs::write(path, self.to_json()).map_err(|cause| BaselineError::Write {
            path: path.to_owned(),
            cause,
        })
    }

    /// Removes from `reports` the findings the baseline records. Entries count as stale only
    /// for files that are in `reports` (linted in this run): a run over some files says
    /// nothing about the others.
    pub fn apply(&self, reports: &mut [FileReport]) -> Applied {
        let mut unmatched: HashMap<MatchingParts, usize> = HashMap::new();
        for key in &self.entries {
            *unmatched.entry(key.matching_parts()).or_default() += 1;
        }
        let mut applied = Applied::default();
        let mut linted = HashSet::new();
        for report in reports.iter_mut() {
            linted.insert(fingerprint::normalize_path(&report.source.path));
            let keys = fingerprint::keys(report);
            let mut keys = keys.iter();
            report.diagnostics.retain(|_| {
                let key = keys.next().expect("one key per diagnostic");
                match unmatched.get_mut(&key.matching_parts()) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        applied.hidden += 1;
                        false
                    }
                    _ => true,
                }
            });
        }
        applied.stale = unmatched
            .iter()
            .filter(|(parts, _)| linted.contains(&parts.path))
            .map(|(_, count)| count)
            .sum();
        applied
    }
}

enum ParseError {
    Json(String),
    Version(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_baseline_reads_back() {
        let baseline = Baseline {
            entries: vec![FindingKey {
                path: "a.py".into(),
                rule: "TL001".into(),
                function: "async def f():".into(),
                line: "g()".into(),
                occurrence: 0,
            }],
        };
        let text = baseline.to_json();
        assert!(Baseline::parse(&text).is_ok_and(|read| read == baseline));
    }

    #[test]
    fn other_versions_and_shapes_are_refused() {
        assert!(matches!(
            Baseline::parse(r#"{"version": 2, "findings": []}"#),
            Err(ParseError::Version(2))
        ));
        assert!(matches!(
            Baseline::parse(r#"{"version": 1, "findings": [], "extra": 0}"#),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(Baseline::parse("[]"), Err(ParseError::Json(_))));
    }
}
