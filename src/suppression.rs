//! Suppression comments, and which findings they silence.
//!
//! Directives, in any comment of either language: `tasklint: ignore[TL001, TL002]` and its
//! synonym `tasklint: allow(TL001, dropped-task-handle)` (codes or rule names), `noqa: TL001`,
//! a bare `noqa` (every rule), and `noqa: RUF006`, which counts as TL001 so code annotated for
//! ruff stays quiet. A comment may hold several directives, each after its own comment marker
//! (`# noqa: E501  # tasklint: ignore[TL001]`).
//!
//! Where a directive applies depends on the language:
//! - Python: the line of the comment only, as for `noqa`.
//! - Rust (`//` comments only; block and doc comments hold no directives): a comment after code
//!   covers its own line; a comment alone on its line covers the next line of code below it
//!   (blank lines and other comments in between are skipped), or, when that line starts an item
//!   (a function, method, `impl`, `mod`, `trait`, ...) or one of the item's attributes, the whole
//!   item. A comment among an item's attributes covers the item too.
//!
//! A finding is silenced when its primary line (where its range starts) is covered by a
//! directive naming its rule. Each named rule remembers whether it silenced something, so the
//! ones that did not can be reported ([`Suppressions::unused`], `TL100 unused-suppression`).

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::{Range, RangeInclusive};

use crate::diagnostic::Diagnostic;
use crate::lint::Language;
use crate::rule::Rule;
use crate::source::SourceFile;

/// Codes of other tools that name one of our rules.
const FOREIGN_ALIASES: &[(&str, Rule)] = &[("RUF006", Rule::DroppedTaskHandle)];

/// Where the items of a Rust file are, from syn's spans, for directives that cover an item.
/// Empty for Python, and for a Rust file that was not parsed again in the second pass.
#[derive(Debug, Clone, Default)]
pub struct ItemSpans {
    /// Byte ranges of the items (functions, methods, `impl`s, modules, traits, ...), outer
    /// attributes included, sorted by start.
    pub items: Vec<Range<usize>>,
    /// Byte ranges of every attribute (doc comments included), sorted by start.
    pub attributes: Vec<Range<usize>>,
}

/// A code in a suppression comment that is not one of our rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// 1-based line of the comment.
    pub line: usize,
    pub code: String,
}

/// The suppressions of one file.
#[derive(Debug, Default)]
pub struct Suppressions {
    directives: Vec<Directive>,
    pub unknown_codes: Vec<UnknownCode>,
}

/// One directive of a comment and the lines it covers.
#[derive(Debug)]
struct Directive {
    /// 0-based lines.
    lines: RangeInclusive<usize>,
    silenced: Silenced,
}

/// What a directive silences.
#[derive(Debug)]
enum Silenced {
    /// A bare `noqa`.
    All,
    Rules(Vec<NamedRule>),
}

/// A rule named in a directive.
#[derive(Debug)]
struct NamedRule {
    rule: Rule,
    /// Where the code or name is written, when it is ours (`TL001`, `dropped-task-handle`);
    /// `None` for another tool's code (`RUF006`), which is never reported as unused.
    written: Option<Range<usize>>,
    /// Whether it silenced a finding in this run.
    used: bool,
}

impl Suppressions {
    /// Reads the suppressions from the comments of `source` (byte ranges, each starting at its
    /// marker, sorted) and, for Rust, the spans of its items.
    pub fn parse(
        source: &SourceFile,
        language: Language,
        comments: &[Range<usize>],
        items: &ItemSpans,
    ) -> Self {
        let placement = Placement {
            source,
            comments,
            items,
            items_by_head: OnceCell::new(),
        };
        let mut suppressions = Suppressions::default();
        for range in comments {
            let parsed = comment_directives(&source.text[range.clone()], language);
            if parsed.is_empty() {
                continue;
            }
            let lines = match language {
                Language::Python => {
                    let line = source.line_index(range.start);
                    line..=line
                }
                Language::Rust => placement.covered_lines(range),
            };
            for parsed in parsed {
                suppressions.add(source, range.start, lines.clone(), parsed);
            }
        }
        suppressions
    }

    /// Whether any comment of a Rust file (byte ranges of `text`) holds a directive: only then
    /// are the spans of its items needed.
    pub fn any_in_rust(text: &str, comments: &[Range<usize>]) -> bool {
        comments
            .iter()
            .any(|range| !comment_directives(&text[range.clone()], Language::Rust).is_empty())
    }

    fn add(
        &mut self,
        source: &SourceFile,
        comment_start: usize,
        lines: RangeInclusive<usize>,
        parsed: ParsedDirective<'_>,
    ) {
        let (codes, foreign_ok) = match parsed {
            ParsedDirective::All => {
                self.directives.push(Directive {
                    lines,
                    silenced: Silenced::All,
                });
                return;
            }
            ParsedDirective::Codes { codes, foreign_ok } => (codes, foreign_ok),
        };
        let comment = &source.text[comment_start..];
        let mut rules = Vec::new();
        for code in codes {
            if let Some(rule) = Rule::from_code(code).or_else(|| Rule::from_name(code)) {
                let start = comment_start + offset_in(comment, code);
                rules.push(NamedRule {
                    rule,
                    written: Some(start..start + code.len()),
                    used: false,
                });
            } else if let Some((_, rule)) = FOREIGN_ALIASES
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(code))
            {
                rules.push(NamedRule {
                    rule: *rule,
                    written: None,
                    used: false,
                });
            } else if !foreign_ok_for(code, foreign_ok) {
                self.unknown_codes.push(UnknownCode {
                    line: source.line_index(comment_start) + 1,
                    code: code.to_owned(),
                });
            }
        }
        self.directives.push(Directive {
            lines,
            silenced: Silenced::Rules(rules),
        });
    }

    /// The findings of `diagnostics` that no directive silences; the directives that silence
    /// one are remembered as used.
    pub fn silence(
        &mut self,
        source: &SourceFile,
        diagnostics: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|diagnostic| {
                let line = source.line_index(diagnostic.range.start);
                !self.mark_silencing(line, diagnostic.rule)
            })
            .collect()
    }

    /// Whether a finding of `rule` on the 0-based `line` is silenced; marks every directive
    /// that silences it as used.
    fn mark_silencing(&mut self, line: usize, rule: Rule) -> bool {
        let mut silenced = false;
        for directive in &mut self.directives {
            if !directive.lines.contains(&line) {
                continue;
            }
            match &mut directive.silenced {
                Silenced::All => silenced = true,
                Silenced::Rules(named) => {
                    for named in named.iter_mut().filter(|named| named.rule == rule) {
                        named.used = true;
                        silenced = true;
                    }
                }
            }
        }
        silenced
    }

    /// A `TL100 unused-suppression` finding for every code or rule name of ours that silenced
    /// nothing in this run, among the rules that ran (`ran`): a suppression of a rule that did
    /// not run cannot be judged. Bare `noqa` and other tools' codes (`RUF006`, `E501`) are left
    /// alone, since other linters read them too, and so are suppressions of TL100 itself.
    pub fn unused(&self, source: &SourceFile, ran: impl Fn(Rule) -> bool) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        for directive in &self.directives {
            let Silenced::Rules(named) = &directive.silenced else {
                continue;
            };
            for named in named {
                let Some(written) = &named.written else {
                    continue;
                };
                if named.used || named.rule == Rule::UnusedSuppression || !ran(named.rule) {
                    continue;
                }
                let as_written = &source.text[written.clone()];
                found.push(unused_finding(named.rule, written.clone(), as_written));
            }
        }
        found
    }
}

/// The finding for a suppression of `rule`, written as `as_written` at `range`, that silenced
/// nothing.
fn unused_finding(rule: Rule, range: Range<usize>, as_written: &str) -> Diagnostic {
    let (code, name) = (rule.code(), rule.name());
    Diagnostic::new(
        Rule::UnusedSuppression,
        range,
        format!("unused suppression: no {code} ({name}) finding to silence here"),
        format!("nothing on the lines this comment covers is reported by {code}"),
    )
    .with_help(format!(
        "remove `{as_written}` from the comment, or the whole comment if it names nothing else"
    ))
}

/// The byte offset of `part`, a slice of `whole`, within it.
fn offset_in(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// The lines a Rust comment's directives cover (see the module doc).
struct Placement<'a> {
    source: &'a SourceFile,
    /// Sorted by start.
    comments: &'a [Range<usize>],
    items: &'a ItemSpans,
    /// The items by where their head starts (past their attributes), computed when a comment
    /// stands alone.
    items_by_head: OnceCell<HashMap<usize, Range<usize>>>,
}

impl Placement<'_> {
    fn covered_lines(&self, comment: &Range<usize>) -> RangeInclusive<usize> {
        let text = &self.source.text;
        let line = self.source.line_index(comment.start);
        let line_start = self.source.line_range(line).start;
        let trailing = !text[line_start..comment.start].trim().is_empty();
        let next = self.next_code(comment.end);
        if trailing || next >= text.len() {
            return line..=line;
        }
        let head = self.after_attributes(next);
        let items_by_head = self.items_by_head.get_or_init(|| {
            let items = self.items.items.iter();
            items
                .map(|item| (self.after_attributes(item.start), item.clone()))
                .collect()
        });
        match items_by_head.get(&head).filter(|item| item.start <= next) {
            Some(item) => {
                let last = item.end.saturating_sub(1).max(item.start);
                self.source.line_index(item.start)..=self.source.line_index(last)
            }
            None => {
                let line = self.source.line_index(head);
                line..=line
            }
        }
    }

    /// The first byte at or after `offset` that is neither whitespace nor in a comment.
    fn next_code(&self, mut offset: usize) -> usize {
        let text = &self.source.text;
        loop {
            let rest = &text[offset..];
            offset += rest.len() - rest.trim_start().len();
            match self.comments.binary_search_by_key(&offset, |c| c.start) {
                Ok(index) => offset = self.comments[index].end,
                Err(_) => return offset,
            }
        }
    }

    /// The first code at or after `offset` that is not an attribute: where an item's head
    /// (visibility, `fn`, `impl`, ...) starts when `offset` is at one of its attributes.
    fn after_attributes(&self, mut offset: usize) -> usize {
        let attributes = &self.items.attributes;
        while let Ok(index) = attributes.binary_search_by_key(&offset, |a| a.start) {
            offset = self.next_code(attributes[index].end);
        }
        offset
    }
}

/// `noqa` comments are shared with other linters (`# noqa: E501`): only codes that look like
/// ours (`TL…`) are reported as unknown there. In `tasklint: ignore[...]` every code must be ours.
fn foreign_ok_for(code: &str, foreign_ok: bool) -> bool {
    foreign_ok && !code.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("TL"))
}

/// A directive as written in a comment.
enum ParsedDirective<'a> {
    All,
    Codes {
        codes: Vec<&'a str>,
        foreign_ok: bool,
    },
}

/// The directives in one comment of `language`: none in a Rust block comment (`/* */`).
fn comment_directives(comment: &str, language: Language) -> Vec<ParsedDirective<'_>> {
    match language {
        Language::Python => directives(comment, "#"),
        Language::Rust if comment.starts_with("/*") => Vec::new(),
        Language::Rust => directives(comment, "//"),
    }
}

/// The directives in one comment's text, which starts with `marker` (`#` or `//`); each
/// directive follows a marker.
fn directives<'a>(comment: &'a str, marker: &str) -> Vec<ParsedDirective<'a>> {
    let mut found = Vec::new();
    for part in comment.split(marker) {
        let part = part.trim();
        if let Some(rest) = strip_prefix_ignore_case(part, "tasklint:") {
            let rest = rest.trim_start();
            let list = [("ignore[", ']'), ("allow(", ')')]
                .iter()
                .find_map(|(open, close)| rest.strip_prefix(open)?.split_once(*close))
                .map(|(list, _)| list);
            if let Some(list) = list {
                found.push(ParsedDirective::Codes {
                    codes: split_codes(list),
                    foreign_ok: false,
                });
            }
        } else if let Some(rest) = strip_prefix_ignore_case(part, "noqa") {
            match rest.trim_start().strip_prefix(':') {
                Some(list) => {
                    let codes = split_codes(list);
                    if codes.is_empty() {
                        found.push(ParsedDirective::All);
                    } else {
                        found.push(ParsedDirective::Codes {
                            codes,
                            foreign_ok: true,
                        });
                    }
                }
                None if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                    found.push(ParsedDirective::All)
                }
                None => {}
            }
        }
    }
    found
}

/// The codes of a list (`TL001, dropped-task-handle`), up to the first word that is not a
/// code or a rule name.
fn split_codes(list: &str) -> Vec<&str> {
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .take_while(|code| code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .filter(|code| !code.is_empty())
        .collect()
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file whose every line is a comment, as Python.
    fn parse(line: &str) -> (SourceFile, Suppressions) {
        let source = SourceFile::new("a.py", line);
        let comment = line.find('#').unwrap()..line.len();
        let suppressions = Suppressions::parse(
            &source,
            Language::Python,
            std::slice::from_ref(&comment),
            &ItemSpans::default(),
        );
        (source, suppressions)
    }

    /// Whether a finding of `rule` starting on the 0-based `line` is silenced.
    fn silences(
        source: &SourceFile,
        suppressions: &mut Suppressions,
        line: usize,
        rule: Rule,
    ) -> bool {
        let start = source.line_range(line).start;
        let finding = Diagnostic::new(rule, start..start, "m", "l");
        suppressions.silence(source, vec![finding]).is_empty()
    }

    #[test]
    fn tasklint_ignore_names_several_codes() {
        let (source, mut s) = parse("x()  # tasklint: ignore[TL001, TL003]");
        assert!(silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
        assert!(silences(&source, &mut s, 0, Rule::UnawaitedCoroutine));
        assert!(!silences(&source, &mut s, 0, Rule::LoopOverwrittenHandle));
        assert!(s.unknown_codes.is_empty());
    }

    #[test]
    fn allow_is_a_synonym_and_takes_rule_names() {
        let (source, mut s) = parse("x()  # tasklint: allow(dropped-task-handle, TL003)");
        assert!(silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
        assert!(silences(&source, &mut s, 0, Rule::UnawaitedCoroutine));
        assert!(!silences(&source, &mut s, 0, Rule::NonYieldingLoop));
    }

    #[test]
    fn bare_noqa_suppresses_everything() {
        let (source, mut s) = parse("x()  # noqa");
        assert!(silences(&source, &mut s, 0, Rule::LoopOverwrittenHandle));
        let (source, mut s) = parse("x()  # noqa: ");
        assert!(silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
    }

    #[test]
    fn ruff_code_counts_as_tl001() {
        let (source, mut s) = parse("x()  # noqa: RUF006");
        assert!(silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
        assert!(!silences(&source, &mut s, 0, Rule::UnawaitedCoroutine));
    }

    #[test]
    fn unknown_codes_are_named() {
        let (_, s) = parse("x()  # tasklint: allow(TL009, dropped-task)");
        let codes: Vec<&str> = s.unknown_codes.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes, ["TL009", "dropped-task"]);
        assert_eq!(s.unknown_codes[0].line, 1);
        // Other linters' codes in noqa are theirs, not unknown.
        let (source, mut s) = parse("x()  # noqa: E501, TL001");
        assert!(s.unknown_codes.is_empty());
        assert!(silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
    }

    #[test]
    fn noqa_must_be_a_word() {
        let (source, mut s) = parse("x()  # noqaxyz");
        assert!(!silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
    }

    #[test]
    fn unused_codes_are_found_where_they_are_written() {
        let text = "x()  # tasklint: ignore[TL001, TL003]  # noqa: RUF006, E501";
        let (source, mut s) = parse(text);
        assert!(silences(&source, &mut s, 0, Rule::DroppedTaskHandle));
        let unused = s.unused(&source, |_| true);
        assert_eq!(unused.len(), 1, "{unused:?}");
        assert_eq!(unused[0].rule, Rule::UnusedSuppression);
        assert_eq!(&text[unused[0].range.clone()], "TL003");
        // TL003 did not run: its suppression cannot be judged.
        assert!(s
            .unused(&source, |rule| rule != Rule::UnawaitedCoroutine)
            .is_empty());
    }

    #[test]
    fn bare_noqa_and_foreign_codes_are_never_unused() {
        for text in ["x()  # noqa", "x()  # noqa: RUF006", "x()  # noqa: E501"] {
            let (source, s) = parse(text);
            assert!(s.unused(&source, |_| true).is_empty(), "{text}");
        }
    }
}
