//! The suppression parser on arbitrary text, as Python and as Rust: on every line, the text from
//! the first comment marker (`#`, `//`) on is a comment. Every rule is then reported on every
//! line, and the unused suppressions asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tasklint::diagnostic::Diagnostic;
use tasklint::lint::Language;
use tasklint::rule::Rule;
use tasklint::source::SourceFile;
use tasklint::suppression::{ItemSpans, Suppressions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (language, marker) in [(Language::Python, "#"), (Language::Rust, "//")] {
        let source = SourceFile::new("fuzz", text);
        let comments: Vec<_> = (0..source.line_count())
            .map(|line| source.line_range(line))
            .filter_map(|line| {
                let start = line.start + source.text[line.clone()].find(marker)?;
                Some(start..line.end)
            })
            .collect();
        let mut suppressions =
            Suppressions::parse(&source, language, &comments, &ItemSpans::default());
        let findings = (0..source.line_count())
            .flat_map(|line| {
                let start = source.line_range(line).start;
                Rule::ALL
                    .iter()
                    .map(move |&rule| Diagnostic::new(rule, start..start, "m", "l"))
            })
            .collect();
        suppressions.silence(&source, findings);
        suppressions.unused(&source, |_| true);
    }
});
