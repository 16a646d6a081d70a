//! The suppression parser on arbitrary text: every line is a comment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tasklint::rule::Rule;
use tasklint::source::SourceFile;
use tasklint::suppression::Suppressions;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.py", text);
    let comments: Vec<_> = (0..source.line_count())
        .map(|line| source.line_range(line))
        .collect();
    let suppressions = Suppressions::parse(&source, &comments);
    for line in 0..source.line_count() {
        for &rule in Rule::ALL {
            suppressions.suppresses(line, rule);
        }
    }
});
