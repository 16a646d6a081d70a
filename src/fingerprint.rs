//! How a finding is recognized again after its file was edited: the identity that a baseline
//! records ([`crate::baseline`]) and that SARIF's `partialFingerprints` hash
//! ([`crate::emit`]). One recipe, so a finding the baseline hides is the finding code scanning
//! tracks.
//!
//! A [`FindingKey`] holds the rule, the path, the source of the flagged line and of the
//! signature line of the function around it (both with runs of whitespace collapsed), and the
//! occurrence index among the findings of the file with the same four parts. Never a line
//! number: inserting lines above a finding, editing or renaming other functions, and
//! re-indenting or re-spacing code keep the key. Two keys are equal when their texts are equal
//! after *all* whitespace is removed ([`FindingKey::matches`]), so `f(a, b)` and `f(a,b)` are
//! the same line.
//!
//! The enclosing function is found in the text above the finding, without a syntax tree:
//! - Python: the nearest line above with less indentation than the lines below it (comments,
//!   blank lines and lines starting with a closing bracket skipped), repeatedly, until a `def` or `async def` line; a line at column
//!   0 that is not one ends the search (module level). A multi-line string at column 0 inside
//!   the function ends it early too; the key is then just as stable, with no function.
//! - Rust: braces are balanced backwards from the finding; at each `{` that encloses it, the
//!   text since the previous `;`, `{` or `}` is the block's header, and the first header that
//!   holds the `fn` keyword gives the line with that keyword (closures, `async` blocks, `if`,
//!   `loop` and `impl` blocks are passed through). Braces inside strings, characters or
//!   comments above the finding can mislead it.
//!
//! A finding outside any function has an empty function.

use std::collections::HashMap;
use std::path::Path;

use crate::lint::{FileReport, Language};
use crate::rule::Rule;
use crate::source::SourceFile;

/// The identity of one finding across edits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    /// The path as reported, with `/` separators and without a leading `./`.
    pub path: String,
    /// The rule's code: `TL001`.
    pub rule: String,
    /// The enclosing function's signature line, whitespace collapsed; empty at module level.
    pub function: String,
    /// The flagged line (where the finding starts), whitespace collapsed.
    pub line: String,
    /// How many earlier findings of the file have the same path, rule, function and line.
    pub occurrence: usize,
}

impl FindingKey {
    /// What is compared between keys: the parts, with the texts stripped of all whitespace.
    pub fn matching_parts(&self) -> MatchingParts {
        MatchingParts {
            path: self.path.clone(),
            rule: self.rule.clone(),
            function: without_whitespace(&self.function),
            line: without_whitespace(&self.line),
            occurrence: self.occurrence,
        }
    }

    /// Whether two keys name the same finding.
    pub fn matches(&self, other: &FindingKey) -> bool {
        self.matching_parts() == other.matching_parts()
    }
}

/// A [`FindingKey`] as compared: equal parts mean the same finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchingParts {
    pub path: String,
    pub rule: String,
    pub function: String,
    pub line: String,
    pub occurrence: usize,
}

/// The keys of a report's findings, in the order of its diagnostics.
pub fn keys(report: &FileReport) -> Vec<FindingKey> {
    let source = &report.source;
    let path = normalize_path(&source.path);
    let language = Language::of(Path::new(&source.path)).unwrap_or(Language::Python);
    let mut occurrences: HashMap<(Rule, String, String), usize> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let start = crate::emit::clamp(&source.text, &diagnostic.range).start;
            let line_index = source.line_index(start);
            let line = collapse(&source.text[source.line_range(line_index)]);
            let function = match language {
                Language::Python => python_function(source, line_index),
                Language::Rust => rust_function(&source.text, start),
            }
            .map(collapse)
            .unwrap_or_default();
            let seen = occurrences
                .entry((
                    diagnostic.rule,
                    without_whitespace(&function),
                    without_whitespace(&line),
                ))
                .or_default();
            let occurrence = *seen;
            *seen += 1;
            FindingKey {
                path: path.clone(),
                rule: diagnostic.rule.code().to_owned(),
                function,
                line,
                occurrence,
            }
        })
        .collect()
}

/// `path` with `/` separators and without leading `./`.
pub fn normalize_path(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut rest = slashed.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped.trim_start_matches('/');
    }
    rest.to_owned()
}

/// Runs of whitespace as one space, none at the ends.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The `def` line of the Python function around the 0-based line `line_index`.
fn python_function(source: &SourceFile, line_index: usize) -> Option<&str> {
    let line = |index| &source.text[source.line_range(index)];
    let indent = |text: &str| text.len() - text.trim_start().len();
    let mut current = indent(line(line_index));
    for index in (0..line_index).rev() {
        let text = line(index);
        let code = text.trim_start();
        // Closing brackets end a multi-line signature or call at the indentation of its
        // first line; they are continuation, not structure.
        let continuation = code.starts_with([')', ']', '}']);
        if code.is_empty() || code.starts_with('#') || continuation || indent(text) >= current {
            continue;
        }
        let mut words = code.split_whitespace();
        let is_def = match words.next() {
            Some("def") => true,
            Some("async") => words.next() == Some("def"),
            _ => false,
        };
        if is_def {
            return Some(text);
        }
        current = indent(text);
        if current == 0 {
            return None;
        }
    }
    None
}

/// The line holding the `fn` keyword of the Rust function around byte `offset`.
fn rust_function(text: &str, offset: usize) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut index = offset.min(bytes.len());
    while index > 0 {
        index -= 1;
        match bytes[index] {
            b'}' => depth += 1,
            b'{' if depth > 0 => depth -= 1,
            b'{' => {
                let header_start = bytes[..index]
                    .iter()
                    .rposition(|&byte| matches!(byte, b';' | b'{' | b'}'))
                    .map_or(0, |boundary| boundary + 1);
                if let Some(keyword) = fn_keyword(&text[header_start..index]) {
                    let at = header_start + keyword;
                    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                    return Some(text[line_start..line_end].trim_end_matches('\r'));
                }
            }
            _ => {}
        }
    }
    None
}

/// The byte offset of the last `fn` keyword in a block header: `fn` between non-identifier
/// characters and followed by whitespace (so not `fn(` of a function pointer type, nor `Fn`).
fn fn_keyword(header: &str) -> Option<usize> {
    let is_ident = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let bytes = header.as_bytes();
    header.rmatch_indices("fn").map(|(at, _)| at).find(|&at| {
        let before_ok = at == 0 || !is_ident(bytes[at - 1]);
        let after_ok = bytes.get(at + 2).is_some_and(u8::is_ascii_whitespace);
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    fn report(path: &str, text: &str, needles: &[(&str, usize)]) -> FileReport {
        let diagnostics = needles
            .iter()
            .map(|&(needle, nth)| {
                let start = text.match_indices(needle).nth(nth).expect("needle").0;
                Diagnostic::new(
                    Rule::DroppedTaskHandle,
                    start..start + needle.len(),
                    "m",
                    "l",
                )
            })
            .collect();
        FileReport {
            source: SourceFile::new(path, text),
            diagnostics,
            unknown_suppressions: Vec::new(),
            fixes: Default::default(),
        }
    }

    #[test]
    fn python_finds_the_enclosing_def_through_nested_blocks() {
        let text = "\
import asyncio

class Service:
    @decorated
    async def start(
        self, urls,
    ):
# a comment at column 0 does not end the search
        for url in urls:
            if url:
                asyncio.create_task(fetch(url))

asyncio.create_task(main())
";
        let keys = keys(&report(
            "./pkg\\app.py",
            text,
            &[
                ("asyncio.create_task(fetch", 0),
                ("asyncio.create_task(main", 0),
            ],
        ));
        assert_eq!(keys[0].path, "pkg/app.py");
        assert_eq!(keys[0].function, "async def start(");
        assert_eq!(keys[0].line, "asyncio.create_task(fetch(url))");
        assert_eq!(keys[1].function, "");
    }

    #[test]
    fn rust_finds_the_fn_through_closures_and_blocks() {
        let text = "\
impl Server {
    /// Starts fn things.
    pub async fn run(
        &self,
        f: fn(u8),
    ) -> Result<(), Error> {
        let x = S { a: 1 };
        loop {
            let go = || {
                smol::spawn(work());
            };
        }
    }
}

static T: () = { spawn(x) };
";
        let keys = keys(&report(
            "src/server.rs",
            text,
            &[("smol::spawn(work())", 0), ("spawn(x)", 0)],
        ));
        assert_eq!(keys[0].function, "pub async fn run(");
        assert_eq!(keys[0].line, "smol::spawn(work());");
        assert_eq!(keys[1].function, "");
    }

    #[test]
    fn identical_findings_are_told_apart_by_occurrence() {
        let text = "async def f():\n    g()\n    g()\n";
        let keys = keys(&report("a.py", text, &[("g()", 0), ("g()", 1)]));
        assert_eq!((keys[0].occurrence, keys[1].occurrence), (0, 1), "{keys:?}");
        assert!(!keys[0].matches(&keys[1]));
    }

    #[test]
    fn keys_match_across_whitespace_changes() {
        let before = keys(&report(
            "a.py",
            "async def f(a, b):\n    g( a,b )\n",
            &[("g(", 0)],
        ));
        let after = keys(&report(
            "a.py",
            "\n\nasync  def f(a,b):\n        g(a, b)\n",
            &[("g(", 0)],
        ));
        assert!(before[0].matches(&after[0]), "{before:?} {after:?}");
        assert_eq!(after[0].function, "async def f(a,b):");
    }
}
