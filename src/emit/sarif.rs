//! `sarif`: SARIF 2.1.0, for code-scanning upload (GitHub code scanning and others).
//!
//! One run; the driver lists every rule of the registry with its documentation, and each result
//! points at its rule by id and index. Columns count Unicode code points (`columnKind`), not
//! the UTF-16 code units SARIF assumes by default. `partialFingerprints` identify a finding
//! across edits that move it to another line: they hash its [`FindingKey`] (rule, path, flagged
//! line, enclosing function, occurrence; the same identity a baseline records).
//!
//! What GitHub code scanning reads is all there: each rule has a `helpUri` to its doc in the
//! repository (the `repository` of `Cargo.toml`, the only place that names it), help text and
//! Markdown, and a default level; each result has `ruleId`, `ruleIndex`, `level`, a message and
//! a region; relative paths are relative to `%SRCROOT%`, the folder tasklint ran in, which must
//! be the repository's root for GitHub to place them.
//!
//! A finding with a fix has it in `fixes`, as replacements of regions of its file (an empty
//! region is an insertion); the description says whether the fix is safe or unsafe.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Span;
use crate::diagnostic::Severity;
use crate::docs;
use crate::fingerprint::{self, FindingKey};
use crate::lint::FileReport;
use crate::rule::Rule;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The repository, from `Cargo.toml`.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
/// The key of our fingerprint in `partialFingerprints`; the version changes with the recipe.
const FINGERPRINT_KEY: &str = "tasklint/v2";
/// The base of relative artifact URIs: the folder tasklint ran in.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
    /// Whether the rule runs unless it is selected.
    enabled: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

/// A fix as SARIF describes one: its replacements in the result's file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

/// An empty `deletedRegion` (its end is its start) is an insertion.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

pub(super) fn emit(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "tasklint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: REPOSITORY,
                    rules: Rule::ALL.iter().map(|&rule| descriptor(rule)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: reports.iter().flat_map(results).collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn descriptor(rule: Rule) -> ReportingDescriptor {
    let doc = docs::rule_doc(rule);
    ReportingDescriptor {
        id: rule.code(),
        name: rule.name(),
        short_description: Text {
            text: doc.summary.to_owned(),
        },
        full_description: Text {
            text: unwrap_lines(doc.section("What it does").unwrap_or(doc.summary)),
        },
        help: Help {
            text: docs::explain(rule),
            markdown: doc.markdown.to_owned(),
        },
        help_uri: help_uri(rule),
        default_configuration: Configuration {
            level: level(rule.default_severity()),
            enabled: rule.is_default(),
        },
    }
}

/// Markdown prose with its hard line breaks joined, paragraphs kept apart.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The rule's doc in the repository: `…/blob/main/rules/TL001-dropped-task-handle.md`.
fn help_uri(rule: Rule) -> String {
    format!("{REPOSITORY}/blob/main/rules/{}", docs::file_name(rule))
}

fn results(report: &FileReport) -> Vec<SarifResult> {
    let source = &report.source;
    let artifact = artifact_location(&source.path);
    let keys = fingerprint::keys(report);
    report
        .diagnostics
        .iter()
        .zip(&keys)
        .map(|(diagnostic, key)| {
            let fingerprint = fingerprint(key);
            let location = |id, range, message: &str| Location {
                id,
                physical_location: PhysicalLocation {
                    artifact_location: artifact.clone(),
                    region: region(Span::of(source, range)),
                },
                message: Text {
                    text: message.to_owned(),
                },
            };
            SarifResult {
                rule_id: diagnostic.rule.code(),
                rule_index: rule_index(diagnostic.rule),
                level: level(diagnostic.severity),
                message: Text {
                    text: diagnostic.message.clone(),
                },
                locations: [location(None, &diagnostic.range, &diagnostic.label)],
                related_locations: diagnostic
                    .notes
                    .iter()
                    .enumerate()
                    .map(|(id, note)| location(Some(id), &note.range, &note.message))
                    .collect(),
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
                fixes: diagnostic
                    .fix
                    .iter()
                    .map(|fix| SarifFix {
                        description: Text {
                            text: format!("{} ({} fix)", fix.title, fix.applicability.as_str()),
                        },
                        artifact_changes: [ArtifactChange {
                            artifact_location: artifact.clone(),
                            replacements: fix
                                .edits
                                .iter()
                                .map(|edit| Replacement {
                                    deleted_region: region(Span::of(source, &edit.range)),
                                    inserted_content: Text {
                                        text: edit.content.clone(),
                                    },
                                })
                                .collect(),
                        }],
                    })
                    .collect(),
            }
        })
        .collect()
}

fn rule_index(rule: Rule) -> usize {
    Rule::ALL
        .iter()
        .position(|&known| known == rule)
        .expect("Rule::ALL lists every rule")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn region(span: Span) -> Region {
    Region {
        start_line: span.start.line,
        start_column: span.start.column,
        end_line: span.end.line,
        end_column: span.end.column,
    }
}

/// Where a reported path is: relative to `%SRCROOT%`, or an absolute `file:` URI.
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = fingerprint::normalize_path(path);
    if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", uri(&path)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: uri(&path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// A relative URI reference for a path: `/` separators, and every byte outside RFC 3986's
/// unreserved characters percent-encoded (so `:` cannot read as a scheme, and spaces and
/// non-ASCII names stay valid).
fn uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'\\' | b'/' => uri.push('/'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// A hex FNV-1a 64 hash of the key's matching parts (texts without whitespace); stable across
/// runs, platforms and releases, unlike std's `DefaultHasher`.
fn fingerprint(key: &FindingKey) -> String {
    let parts = key.matching_parts();
    let occurrence = parts.occurrence.to_string();
    let parts = [
        &parts.rule,
        &parts.path,
        &parts.function,
        &parts.line,
        &occurrence,
    ];
    let mut hash = Fnv1a64::new();
    for part in parts {
        hash.write(part.as_bytes());
        hash.write(&[0]);
    }
    format!("{:016x}", hash.finish())
}

/// The 64-bit FNV-1a hash.
struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a64(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::source::SourceFile;

    fn fnv(text: &str) -> u64 {
        let mut hash = Fnv1a64::new();
        hash.write(text.as_bytes());
        hash.finish()
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv("foobar"), 0x8594_4171_f739_67e8);
    }

    fn key(path: &str, function: &str, line: &str, occurrence: usize) -> FindingKey {
        FindingKey {
            path: path.into(),
            rule: "TL001".into(),
            function: function.into(),
            line: line.into(),
            occurrence,
        }
    }

    #[test]
    fn fingerprints_are_pinned() {
        // A change here changes every fingerprint users have uploaded: bump FINGERPRINT_KEY.
        assert_eq!(
            fingerprint(&key(
                "app/main.py",
                "async def handle(request):",
                "asyncio.create_task(work())",
                0
            )),
            format!(
                "{:016x}",
                fnv("TL001\0app/main.py\0asyncdefhandle(request):\0asyncio.create_task(work())\0\x30\0")
            )
        );
        assert_eq!(fingerprint(&key("a.py", "", "x", 0)), "6ab5d864ea3b54c8");
    }

    fn report(text: &str, starts: &[usize]) -> FileReport {
        FileReport {
            diagnostics: starts
                .iter()
                .map(|&start| {
                    let end = start + text[start..].find('\n').unwrap();
                    Diagnostic::new(Rule::DroppedTaskHandle, start..end, "m", "l")
                })
                .collect(),
            source: SourceFile::new("a.py", text),
            unknown_suppressions: Vec::new(),
            fixes: Default::default(),
        }
    }

    #[test]
    fn fingerprints_ignore_line_numbers_and_whitespace_but_not_occurrences() {
        let text = "async def f():\n    asyncio.create_task(work())\n";
        let moved = format!("\n\n# a comment\n{}", text.replace("    ", "        "));
        let first = results(&report(text, &[text.find("asyncio").unwrap()]));
        let second = results(&report(&moved, &[moved.find("asyncio").unwrap()]));
        assert_eq!(
            first[0].partial_fingerprints,
            second[0].partial_fingerprints
        );
        let twice = format!("{text}    asyncio.create_task(work())\n");
        let starts: Vec<usize> = twice.match_indices("asyncio").map(|(at, _)| at).collect();
        let both = results(&report(&twice, &starts));
        assert_ne!(both[0].partial_fingerprints, both[1].partial_fingerprints);
        assert_eq!(both[0].partial_fingerprints, first[0].partial_fingerprints);
    }

    #[test]
    fn relative_paths_are_based_on_the_source_root() {
        let relative = artifact_location("./src\\app.py");
        assert_eq!(
            (relative.uri.as_str(), relative.uri_base_id),
            ("src/app.py", Some(SRCROOT))
        );
        let absolute = artifact_location("/home/me/app.py");
        assert_eq!(
            (absolute.uri.as_str(), absolute.uri_base_id),
            ("file:///home/me/app.py", None)
        );
    }

    #[test]
    fn help_uris_point_at_the_rule_docs_in_the_repository() {
        assert_eq!(
            help_uri(Rule::DroppedTaskHandle),
            "https://github.com/tasklint/tasklint/blob/main/rules/TL001-dropped-task-handle.md"
        );
    }

    #[test]
    fn uris_use_slashes_and_percent_encoding() {
        assert_eq!(uri("src\\app/main.py"), "src/app/main.py");
        assert_eq!(uri("my dir/é.py"), "my%20dir/%C3%A9.py");
        assert_eq!(uri("C:/x.py"), "C%3A/x.py");
    }
}
