//! Rule documentation, compiled into the binary from `rules/*.md`.
//!
//! Each file opens with a metadata header between `---` lines (`code`, `name`, `severity`,
//! `languages`, `summary`), followed by `## ` sections, which must include
//! [`REQUIRED_SECTIONS`]. The docs are the single source for `tasklint rules`,
//! `tasklint explain` and the SARIF rule data. The unit tests below and `tests/docs.rs` make sure
//! every compiled-in doc parses and agrees with the rule registry.

use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::rule::Rule;

/// The sections every rule doc has, in this order.
pub const REQUIRED_SECTIONS: &[&str] = &[
    "What it does",
    "Why is this bad?",
    "Example",
    "How to fix",
    "Limits",
];

/// The Markdown source of a rule's doc, as compiled in.
pub fn source(rule: Rule) -> &'static str {
    match rule {
        Rule::SyntaxError => include_str!("../rules/TL000-syntax-error.md"),
        Rule::DroppedTaskHandle => include_str!("../rules/TL001-dropped-task-handle.md"),
        Rule::LoopOverwrittenHandle => include_str!("../rules/TL002-loop-overwritten-handle.md"),
        Rule::UnawaitedCoroutine => include_str!("../rules/TL003-unawaited-coroutine.md"),
        Rule::NonYieldingLoop => include_str!("../rules/TL004-non-yielding-loop.md"),
        Rule::DetachedSpawn => include_str!("../rules/TL005-detached-spawn.md"),
        Rule::UnusedSuppression => include_str!("../rules/TL100-unused-suppression.md"),
    }
}

/// The file name of a rule's doc under `rules/`: `TL001-dropped-task-handle.md`.
pub fn file_name(rule: Rule) -> String {
    format!("{}-{}.md", rule.code(), rule.name())
}

/// One rule's documentation, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub languages: Vec<&'a str>,
    /// One line, lowercase, no final period.
    pub summary: &'a str,
    /// The `## ` sections, in file order.
    pub sections: Vec<Section<'a>>,
    /// The Markdown after the header (all sections).
    pub markdown: &'a str,
}

/// A `## heading` and the Markdown under it, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    pub heading: &'a str,
    pub body: &'a str,
}

/// Why a rule doc does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("the doc does not start with a `---` header")]
    MissingHeader,
    #[error("the header is not closed by a `---` line")]
    UnclosedHeader,
    #[error("header line `{0}` is not `key: value`")]
    MalformedHeaderLine(String),
    #[error("unknown header key `{0}`")]
    UnknownKey(String),
    #[error("header key `{0}` appears twice")]
    DuplicateKey(&'static str),
    #[error("header key `{0}` is missing or empty")]
    MissingKey(&'static str),
    #[error("text before the first `## ` section: `{0}`")]
    TextBeforeSection(String),
    #[error("a code block is not closed")]
    UnclosedCodeBlock,
}

const KEYS: [&str; 5] = ["code", "name", "severity", "languages", "summary"];

impl<'a> RuleDoc<'a> {
    /// Parses a rule doc.
    pub fn parse(text: &'a str) -> Result<RuleDoc<'a>, DocError> {
        let rest = text
            .strip_prefix("---\n")
            .or_else(|| text.strip_prefix("---\r\n"))
            .ok_or(DocError::MissingHeader)?;
        let mut values: [Option<&'a str>; 5] = [None; 5];
        let mut offset = 0;
        let mut closed = false;
        for line in rest.split_inclusive('\n') {
            offset += line.len();
            let line = line.trim_end();
            if line == "---" {
                closed = true;
                break;
            }
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| DocError::MalformedHeaderLine(line.to_owned()))?;
            let index = KEYS
                .iter()
                .position(|known| *known == key.trim())
                .ok_or_else(|| DocError::UnknownKey(key.trim().to_owned()))?;
            if values[index].is_some() {
                return Err(DocError::DuplicateKey(KEYS[index]));
            }
            values[index] = Some(value.trim());
        }
        if !closed {
            return Err(DocError::UnclosedHeader);
        }
        let value = |index: usize| {
            values[index]
                .filter(|value| !value.is_empty())
                .ok_or(DocError::MissingKey(KEYS[index]))
        };
        let markdown = rest[offset..].trim();
        Ok(RuleDoc {
            code: value(0)?,
            name: value(1)?,
            severity: value(2)?,
            languages: value(3)?
                .split(',')
                .map(str::trim)
                .filter(|language| !language.is_empty())
                .collect(),
            summary: value(4)?,
            sections: sections(markdown)?,
            markdown,
        })
    }

    /// The body of the section with this heading.
    pub fn section(&self, heading: &str) -> Option<&'a str> {
        self.sections
            .iter()
            .find(|section| section.heading == heading)
            .map(|section| section.body)
    }
}

/// Splits Markdown into its `## ` sections; a `## ` inside a code block is code.
fn sections(markdown: &str) -> Result<Vec<Section<'_>>, DocError> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<(&str, usize)> = None;
    let mut in_code = false;
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if in_code {
            continue;
        }
        if let Some(heading) = line.strip_prefix("## ") {
            if let Some((heading, body_start)) = current {
                sections.push(Section {
                    heading,
                    body: markdown[body_start..start].trim(),
                });
            }
            current = Some((heading.trim(), offset));
        } else if current.is_none() && !line.trim().is_empty() {
            return Err(DocError::TextBeforeSection(line.trim().to_owned()));
        }
    }
    if in_code {
        return Err(DocError::UnclosedCodeBlock);
    }
    if let Some((heading, body_start)) = current {
        sections.push(Section {
            heading,
            body: markdown[body_start..].trim(),
        });
    }
    Ok(sections)
}

/// Every rule's parsed doc, in [`Rule::ALL`] order.
fn table() -> &'static [RuleDoc<'static>] {
    static TABLE: OnceLock<Vec<RuleDoc<'static>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        Rule::ALL
            .iter()
            .map(|&rule| {
                RuleDoc::parse(source(rule)).unwrap_or_else(|error| {
                    // Unreachable for users: the unit tests parse every compiled-in doc.
                    panic!("rules/{} does not parse: {error}", file_name(rule))
                })
            })
            .collect()
    })
}

/// A rule's parsed doc.
pub fn rule_doc(rule: Rule) -> &'static RuleDoc<'static> {
    let index = Rule::ALL
        .iter()
        .position(|&known| known == rule)
        .expect("Rule::ALL lists every rule");
    &table()[index]
}

/// The rules as a table for `tasklint rules`.
pub fn rules_table() -> String {
    let header = ["CODE", "NAME", "SEVERITY", "LANGUAGES", "SUMMARY"];
    let mut rows = vec![header.map(str::to_owned)];
    for &rule in Rule::ALL {
        let doc = rule_doc(rule);
        rows.push([
            doc.code.to_owned(),
            doc.name.to_owned(),
            doc.severity.to_owned(),
            doc.languages.join(","),
            doc.summary.to_owned(),
        ]);
    }
    let mut widths = [0; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    for row in &rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[column]);
            }
        }
        table.push_str(line.trim_end());
        table.push('\n');
    }
    table
}

/// One rule's documentation rendered for a terminal (`tasklint explain TL001`): a title line,
/// the summary, then each section under its heading with its text indented by two spaces and
/// code blocks by six.
pub fn explain(rule: Rule) -> String {
    let doc = rule_doc(rule);
    let mut text = format!(
        "{} {} ({}, {})\n\n{}.\n",
        doc.code,
        doc.name,
        doc.severity,
        doc.languages.join(", "),
        capitalize(doc.summary)
    );
    for section in &doc.sections {
        let _ = write!(text, "\n{}\n\n", section.heading);
        let mut in_code = false;
        for line in section.body.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let indent = if in_code { "      " } else { "  " };
            if line.trim().is_empty() {
                text.push('\n');
            } else {
                let _ = writeln!(text, "{indent}{line}");
            }
        }
    }
    text
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_in_doc_parses_and_matches_the_registry() {
        for &rule in Rule::ALL {
            let doc = RuleDoc::parse(source(rule))
                .unwrap_or_else(|error| panic!("{}: {error}", file_name(rule)));
            assert_eq!(doc.code, rule.code());
            assert_eq!(doc.name, rule.name());
            assert_eq!(doc.severity, rule.default_severity().as_str());
            let headings: Vec<&str> = doc.sections.iter().map(|s| s.heading).collect();
            assert_eq!(headings, REQUIRED_SECTIONS, "{}", file_name(rule));
            for section in &doc.sections {
                assert!(
                    !section.body.is_empty(),
                    "{}: empty {}",
                    doc.code,
                    section.heading
                );
            }
        }
    }

    #[test]
    fn header_and_sections_parse() {
        let doc = RuleDoc::parse(
            "---\ncode: TL9\nname: x\nseverity: error\nlanguages: python, rust\nsummary: s: t\n---\n\n## A\n\ntext\n```python\n## not a heading\n```\n\n## B\nmore\n",
        )
        .unwrap();
        assert_eq!(doc.languages, ["python", "rust"]);
        assert_eq!(doc.summary, "s: t");
        assert_eq!(doc.sections.len(), 2);
        assert_eq!(
            doc.section("A"),
            Some("text\n```python\n## not a heading\n```")
        );
        assert_eq!(doc.section("B"), Some("more"));
    }

    #[test]
    fn malformed_docs_are_errors() {
        assert_eq!(RuleDoc::parse("## A\n"), Err(DocError::MissingHeader));
        assert_eq!(
            RuleDoc::parse("---\ncode: TL9\n"),
            Err(DocError::UnclosedHeader)
        );
        assert_eq!(
            RuleDoc::parse("---\ncode: TL9\nname: x\nseverity: error\nlanguages: python\n---\n"),
            Err(DocError::MissingKey("summary"))
        );
        assert_eq!(
            RuleDoc::parse("---\ncolour: red\n---\n"),
            Err(DocError::UnknownKey("colour".into()))
        );
        let header = "---\ncode: a\nname: b\nseverity: c\nlanguages: d\nsummary: e\n---\n";
        assert_eq!(
            RuleDoc::parse(&format!("{header}intro\n## A\nx\n")),
            Err(DocError::TextBeforeSection("intro".into()))
        );
        assert_eq!(
            RuleDoc::parse(&format!("{header}## A\n```\nx\n")),
            Err(DocError::UnclosedCodeBlock)
        );
    }

    #[test]
    fn rules_table_lists_every_rule_aligned() {
        let table = rules_table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), Rule::ALL.len() + 1);
        assert!(lines[0].starts_with("CODE   NAME"));
        let summary_column = lines[0].find("SUMMARY").unwrap();
        for (line, rule) in lines[1..].iter().zip(Rule::ALL) {
            assert!(line.starts_with(rule.code()));
            assert_eq!(&line[summary_column..], rule_doc(*rule).summary);
        }
    }

    #[test]
    fn explain_has_a_title_and_every_section() {
        let text = explain(Rule::DroppedTaskHandle);
        assert!(text.starts_with("TL001 dropped-task-handle (error, python, rust)\n"));
        for heading in REQUIRED_SECTIONS {
            assert!(text.contains(&format!("\n{heading}\n")), "{heading}");
        }
        assert!(text.contains("\n      async def handle(request):\n"));
        assert!(!text.contains("```"));
    }
}
