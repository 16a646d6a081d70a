//! Fixes: the edits that repair a finding, and applying them to a file's text.
//!
//! A detector attaches a [`Fix`] to a finding when it knows a rewrite that removes it: edits
//! (byte ranges of the file and what replaces them) and whether the rewrite keeps the code's
//! behaviour apart from the bug ([`Applicability::Safe`], such as adding a missing `await`) or
//! changes it ([`Applicability::Unsafe`], such as keeping a task alive that used to be
//! collected). [`apply`] applies a set of fixes in one pass; the lint driver
//! ([`crate::lint`]) repeats passes to a fixed point and refuses a result that does not parse.

pub mod diff;
pub mod write;

use std::ops::Range;

/// Whether a fix may be applied without asking for it explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Changes what the code does beyond removing the bug: applied with `--fix --unsafe-fixes`.
    Unsafe,
    /// Removes the bug and nothing else: applied with `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One replacement: `content` takes the place of the bytes in `range` (empty for an insertion).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    /// `content` inserted at `offset`.
    pub fn insert(offset: usize, content: impl Into<String>) -> Self {
        Edit {
            range: offset..offset,
            content: content.into(),
        }
    }

    /// Whether applying both edits in one pass would be ambiguous: their ranges overlap, or both
    /// start at the same offset (two insertions there have no order).
    fn conflicts_with(&self, other: &Edit) -> bool {
        self.range.start == other.range.start
            || (self.range.start < other.range.end && other.range.start < self.range.end)
    }
}

/// The rewrite that repairs one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, as a short imperative phrase: "add `await`".
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by position; they do not overlap.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(title: impl Into<String>, applicability: Applicability, edits: Vec<Edit>) -> Self {
        let mut edits = edits;
        edits.sort_by_key(|edit| (edit.range.start, edit.range.end));
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }

    /// A fix that keeps behaviour: see [`Applicability::Safe`].
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Safe, edits)
    }

    /// A fix that changes behaviour: see [`Applicability::Unsafe`].
    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Unsafe, edits)
    }
}

/// Which fixes a run applies (`--fix`) or shows as available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FixLevel {
    /// Safe fixes only (the default).
    #[default]
    Safe,
    /// Safe and unsafe fixes (`--unsafe-fixes`).
    Unsafe,
}

impl FixLevel {
    /// Whether a fix of this applicability is applied (or offered) at this level.
    pub fn allows(self, applicability: Applicability) -> bool {
        match self {
            FixLevel::Safe => applicability == Applicability::Safe,
            FixLevel::Unsafe => true,
        }
    }
}

/// The text after one pass of fixes, and how many of them went in.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub fixes: usize,
}

/// Applies the fixes that do not conflict, in order of position: a fix whose edit conflicts
/// with an edit already taken is left for the next pass, except that an edit identical to one
/// already taken is shared (two fixes that add the same definition at the same place add it
/// once). Edits outside the text or off character boundaries make their fix skipped.
pub fn apply<'f>(text: &str, fixes: impl IntoIterator<Item = &'f Fix>) -> Applied {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|fix| fix.edits.first().map(|edit| edit.range.start));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut count = 0;
    for fix in fixes {
        let fits = fix.edits.iter().all(|edit| {
            edit.range.start <= edit.range.end
                && text.is_char_boundary(edit.range.start)
                && text.is_char_boundary(edit.range.end)
                && edit.range.end <= text.len()
        });
        let new_edits: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|edit| !taken.contains(edit))
            .collect();
        let conflicts = new_edits
            .iter()
            .any(|edit| taken.iter().any(|other| edit.conflicts_with(other)));
        if fits && !conflicts && !fix.edits.is_empty() {
            taken.extend(new_edits);
            count += 1;
        }
    }
    taken.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut output = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for edit in taken {
        output.push_str(&text[last..edit.range.start]);
        output.push_str(&edit.content);
        last = edit.range.end;
    }
    output.push_str(&text[last..]);
    Applied {
        text: output,
        fixes: count,
    }
}

/// The line ending a file uses: `\r\n` when its first line ends with one, else `\n`. Fixes that
/// add lines use it, so a CRLF file stays CRLF.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(at) if text[..at].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// Whether `name` occurs in `text` as a whole identifier (not inside a longer one).
pub fn mentions(text: &str, name: &str) -> bool {
    let is_identifier = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(is_identifier) && !after.is_some_and(is_identifier)
    })
}

/// The first of `base`, `base_2`, `base_3`... that `text` does not mention, for a name a fix
/// introduces without shadowing or reusing one of the code's.
pub fn unused_name(text: &str, base: &str) -> String {
    candidate_names(base)
        .find(|name| !mentions(text, name))
        .expect("the candidates never run out")
}

/// `base`, `base_2`, `base_3`...
pub fn candidate_names(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_owned()).chain((2..).map(move |n| format!("{base}_{n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(at: usize, content: &str) -> Fix {
        Fix::safe("insert", vec![Edit::insert(at, content)])
    }

    #[test]
    fn fixes_apply_in_order_of_position() {
        let fixes = [insert(5, "!"), insert(0, ">")];
        let applied = apply("hello world", &fixes);
        assert_eq!(applied.text, ">hello! world");
        assert_eq!(applied.fixes, 2);
    }

    #[test]
    fn a_conflicting_fix_waits_for_the_next_pass() {
        let replace = Fix::safe(
            "replace",
            vec![Edit {
                range: 0..5,
                content: "HELLO".into(),
            }],
        );
        let inside = insert(2, "x");
        let same_point = insert(0, "y");
        let applied = apply("hello world", [&replace, &inside, &same_point]);
        assert_eq!(applied.text, "HELLO world");
        assert_eq!(applied.fixes, 1);
    }

    #[test]
    fn identical_edits_are_shared() {
        let definition = Edit::insert(0, "tasks = set()\n");
        let first = Fix::unsafe_("keep", vec![definition.clone(), Edit::insert(3, "A")]);
        let second = Fix::unsafe_("keep", vec![definition, Edit::insert(5, "B")]);
        let applied = apply("abcdef", [&first, &second]);
        assert_eq!(applied.text, "tasks = set()\nabcAdeBf");
        assert_eq!(applied.fixes, 2);
    }

    #[test]
    fn edits_off_the_text_are_skipped() {
        let applied = apply("né", &[insert(2, "x"), insert(9, "y")]);
        assert_eq!(applied.text, "né");
        assert_eq!(applied.fixes, 0);
    }

    #[test]
    fn the_line_ending_is_the_first_lines() {
        assert_eq!(line_ending("a\r\nb\n"), "\r\n");
        assert_eq!(line_ending("a\nb\r\n"), "\n");
        assert_eq!(line_ending("no newline"), "\n");
    }

    #[test]
    fn a_name_is_mentioned_only_as_a_whole_word() {
        assert!(mentions("x = task\n", "task"));
        assert!(!mentions("tasks = my_task", "task"));
        assert_eq!(unused_name("task = 1; task_2 = 2", "task"), "task_3");
        assert_eq!(unused_name("tasks", "task"), "task");
    }

    #[test]
    fn the_safe_level_leaves_unsafe_fixes_out() {
        assert!(FixLevel::Safe.allows(Applicability::Safe));
        assert!(!FixLevel::Safe.allows(Applicability::Unsafe));
        assert!(FixLevel::Unsafe.allows(Applicability::Unsafe));
    }
}
