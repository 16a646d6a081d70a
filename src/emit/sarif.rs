//! `sarif`: SARIF 2.1.0, for code-scanning upload (GitHub code scanning and others).
//!
//! One run; the driver lists every rule of the registry with its documentation, and each result
//! points at its rule by id and index. Columns count Unicode code points (`columnKind`), not
//! the UTF-16 code units SARIF assumes by default. `partialFingerprints` identify a finding
//! across edits that move it to another line: they hash the rule, the path, the trimmed text of
//! the flagged line and how many earlier findings of that rule sit on an identical line.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use super::Span;
use crate::diagnostic::{Diagnostic, Severity};
use crate::docs;
use crate::lint::FileReport;
use crate::rule::Rule;
use crate::source::SourceFile;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/tasklint/tasklint";
/// The key of our fingerprint in `partialFingerprints`; the version changes with the recipe.
const FINGERPRINT_KEY: &str = "tasklint/v1";

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

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
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
                    information_uri: INFORMATION_URI,
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

fn results(report: &FileReport) -> Vec<SarifResult> {
    let source = &report.source;
    let uri = uri(&source.path);
    let mut occurrences: HashMap<(Rule, &str), usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let line_text = flagged_line(source, diagnostic);
            let occurrence = occurrences.entry((diagnostic.rule, line_text)).or_default();
            let fingerprint = fingerprint(diagnostic.rule, &source.path, line_text, *occurrence);
            *occurrence += 1;
            let location = |id, range, message: &str| Location {
                id,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
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

/// The trimmed text of the line a diagnostic starts on.
fn flagged_line<'a>(source: &'a SourceFile, diagnostic: &Diagnostic) -> &'a str {
    let start = super::clamp(&source.text, &diagnostic.range).start;
    source.text[source.line_range(source.line_index(start))].trim()
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

/// A hex FNV-1a 64 hash of the fingerprint's parts; stable across runs, platforms and
/// releases, unlike std's `DefaultHasher`.
fn fingerprint(rule: Rule, path: &str, line_text: &str, occurrence: usize) -> String {
    let occurrence = occurrence.to_string();
    let parts = [rule.code(), path, line_text, &occurrence];
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

    #[test]
    fn fingerprints_are_pinned() {
        // A change here changes every fingerprint users have uploaded: bump FINGERPRINT_KEY.
        assert_eq!(
            fingerprint(
                Rule::DroppedTaskHandle,
                "app/main.py",
                "asyncio.create_task(work())",
                0
            ),
            "34dd8bd0a4c34293"
        );
        assert_eq!(
            fingerprint(Rule::DroppedTaskHandle, "a.py", "x", 0),
            format!("{:016x}", fnv("TL001\0a.py\0x\0\x30\0"))
        );
    }

    #[test]
    fn fingerprints_ignore_line_numbers_but_not_occurrences() {
        let text = "asyncio.create_task(work())\n";
        let moved = format!("\n\n    {text}");
        let report = |text: &str| FileReport {
            diagnostics: vec![Diagnostic::new(
                Rule::DroppedTaskHandle,
                text.find('a').unwrap()..text.len() - 1,
                "m",
                "l",
            )],
            source: SourceFile::new("a.py", text),
            unknown_suppressions: Vec::new(),
        };
        let first = results(&report(text));
        let second = results(&report(&moved));
        assert_eq!(
            first[0].partial_fingerprints,
            second[0].partial_fingerprints
        );
        let twice = format!("{text}{text}");
        let mut twice_report = report(&twice);
        let second_line = text.len();
        twice_report.diagnostics.push(Diagnostic::new(
            Rule::DroppedTaskHandle,
            second_line..twice.len() - 1,
            "m",
            "l",
        ));
        let both = results(&twice_report);
        assert_ne!(both[0].partial_fingerprints, both[1].partial_fingerprints);
        assert_eq!(both[0].partial_fingerprints, first[0].partial_fingerprints);
    }

    #[test]
    fn uris_use_slashes_and_percent_encoding() {
        assert_eq!(uri("src\\app/main.py"), "src/app/main.py");
        assert_eq!(uri("my dir/é.py"), "my%20dir/%C3%A9.py");
        assert_eq!(uri("C:/x.py"), "C%3A/x.py");
    }
}
