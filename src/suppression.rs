//! Suppression comments on the flagged line: `# tasklint: ignore[TL001, TL002]`,
//! `# noqa: TL001`, a bare `# noqa` (everything), and `# noqa: RUF006`, which counts as TL001
//! so code annotated for ruff stays quiet.

use std::collections::HashMap;
use std::ops::Range;

use crate::rule::Rule;
use crate::source::SourceFile;

/// Codes of other tools that name one of our rules.
const FOREIGN_ALIASES: &[(&str, Rule)] = &[("RUF006", Rule::DroppedTaskHandle)];

/// What a line's suppression comment silences.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Silenced {
    All,
    Rules(Vec<Rule>),
}

/// A code in a suppression comment that is not one of our rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// 1-based line of the comment.
    pub line: usize,
    pub code: String,
}

/// The suppressions of one file, by 0-based line.
#[derive(Debug, Default)]
pub struct Suppressions {
    by_line: HashMap<usize, Silenced>,
    pub unknown_codes: Vec<UnknownCode>,
}

impl Suppressions {
    /// Reads the suppressions from the comments of `source` (byte ranges, each starting at the
    /// comment marker).
    pub fn parse(source: &SourceFile, comments: &[Range<usize>]) -> Self {
        let mut suppressions = Suppressions::default();
        for range in comments {
            let text = &source.text[range.clone()];
            let line = source.line_index(range.start);
            for directive in directives(text) {
                suppressions.add(line, directive);
            }
        }
        suppressions
    }

    fn add(&mut self, line: usize, directive: Directive<'_>) {
        let (codes, foreign_ok) = match directive {
            Directive::All => {
                self.by_line.insert(line, Silenced::All);
                return;
            }
            Directive::Codes { codes, foreign_ok } => (codes, foreign_ok),
        };
        let mut rules = Vec::new();
        for code in codes {
            if let Some(rule) = Rule::from_code(code) {
                rules.push(rule);
            } else if let Some((_, rule)) = FOREIGN_ALIASES
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(code))
            {
                rules.push(*rule);
            } else if !foreign_ok_for(code, foreign_ok) {
                self.unknown_codes.push(UnknownCode {
                    line: line + 1,
                    code: code.to_owned(),
                });
            }
        }
        match self
            .by_line
            .entry(line)
            .or_insert(Silenced::Rules(Vec::new()))
        {
            Silenced::All => {}
            Silenced::Rules(existing) => existing.extend(rules),
        }
    }

    /// Whether a finding of `rule` on the 0-based `line` is silenced.
    pub fn suppresses(&self, line: usize, rule: Rule) -> bool {
        match self.by_line.get(&line) {
            Some(Silenced::All) => true,
            Some(Silenced::Rules(rules)) => rules.contains(&rule),
            None => false,
        }
    }
}

/// `noqa` comments are shared with other linters (`# noqa: E501`): only codes that look like
/// ours (`TL…`) are reported as unknown there. In `tasklint: ignore[...]` every code must be ours.
fn foreign_ok_for(code: &str, foreign_ok: bool) -> bool {
    foreign_ok && !code.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("TL"))
}

enum Directive<'a> {
    All,
    Codes {
        codes: Vec<&'a str>,
        foreign_ok: bool,
    },
}

/// The directives in one comment's text (which starts with `#` or `//`).
fn directives(comment: &str) -> Vec<Directive<'_>> {
    let mut found = Vec::new();
    let body = comment.trim_start_matches(['#', '/']);
    // A comment may hold several directives: `# noqa: E501  # tasklint: ignore[TL001]`.
    for part in body.split('#') {
        let part = part.trim();
        if let Some(rest) = strip_prefix_ignore_case(part, "tasklint:") {
            let rest = rest.trim_start();
            if let Some(list) = rest
                .strip_prefix("ignore[")
                .and_then(|r| r.split_once(']'))
                .map(|(list, _)| list)
            {
                found.push(Directive::Codes {
                    codes: split_codes(list),
                    foreign_ok: false,
                });
            }
        } else if let Some(rest) = strip_prefix_ignore_case(part, "noqa") {
            match rest.trim_start().strip_prefix(':') {
                Some(list) => {
                    let codes = split_codes(list);
                    if codes.is_empty() {
                        found.push(Directive::All);
                    } else {
                        found.push(Directive::Codes {
                            codes,
                            foreign_ok: true,
                        });
                    }
                }
                None if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                    found.push(Directive::All)
                }
                None => {}
            }
        }
    }
    found
}

fn split_codes(list: &str) -> Vec<&str> {
    list.split([',', ' ', '\t'])
        .map(str::trim)
        .take_while(|code| code.is_empty() || code.chars().all(|c| c.is_ascii_alphanumeric()))
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

    fn parse(line: &str) -> Suppressions {
        let source = SourceFile::new("a.py", line);
        let comment = line.find('#').unwrap()..line.len();
        Suppressions::parse(&source, std::slice::from_ref(&comment))
    }

    #[test]
    fn tasklint_ignore_names_several_codes() {
        let s = parse("x()  # tasklint: ignore[TL001, TL003]");
        assert!(s.suppresses(0, Rule::DroppedTaskHandle));
        assert!(s.suppresses(0, Rule::UnawaitedCoroutine));
        assert!(!s.suppresses(0, Rule::LoopOverwrittenHandle));
        assert!(s.unknown_codes.is_empty());
    }

    #[test]
    fn bare_noqa_suppresses_everything() {
        let s = parse("x()  # noqa");
        assert!(s.suppresses(0, Rule::LoopOverwrittenHandle));
        let s = parse("x()  # noqa: ");
        assert!(s.suppresses(0, Rule::DroppedTaskHandle));
    }

    #[test]
    fn ruff_code_counts_as_tl001() {
        let s = parse("x()  # noqa: RUF006");
        assert!(s.suppresses(0, Rule::DroppedTaskHandle));
        assert!(!s.suppresses(0, Rule::UnawaitedCoroutine));
    }

    #[test]
    fn unknown_codes_are_named() {
        let s = parse("x()  # tasklint: ignore[TL009]");
        assert_eq!(
            s.unknown_codes,
            vec![UnknownCode {
                line: 1,
                code: "TL009".into()
            }]
        );
        // Other linters' codes in noqa are theirs, not unknown.
        let s = parse("x()  # noqa: E501, TL001");
        assert!(s.unknown_codes.is_empty());
        assert!(s.suppresses(0, Rule::DroppedTaskHandle));
    }

    #[test]
    fn noqa_must_be_a_word() {
        let s = parse("x()  # noqaxyz");
        assert!(!s.suppresses(0, Rule::DroppedTaskHandle));
    }
}
