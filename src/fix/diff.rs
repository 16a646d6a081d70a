//! `--diff`: what fixing a file would change, as a unified diff.

use similar::TextDiff;

/// The unified diff (three lines of context) from `before` to `after` of the file reported as
/// `path`, with `--- a/path` and `+++ b/path` headers as git writes them. Line endings are kept,
/// so a CRLF file's lines end in `\r\n` in the diff too.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_removed_and_added() {
        let diff = unified("app.py", "a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(
            diff,
            "--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }

    #[test]
    fn the_same_text_has_no_diff() {
        assert_eq!(unified("app.py", "a\n", "a\n"), "");
    }
}
