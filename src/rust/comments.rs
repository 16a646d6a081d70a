//! The comments of a Rust file, found by a small lexer, because syn drops them (doc comments
//! become attributes, the others vanish). It skips string, byte-string, C-string, raw-string and
//! character literals, tells a character literal from a lifetime (`'a'` from `'a`), and follows
//! nested block comments.
//!
//! Limits: it never fails; on text that is not valid Rust the ranges are a best effort.

use std::ops::Range;

/// The byte ranges of the `//` and `/* */` comments of `text`, each starting at its marker.
pub fn comments(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let after_ident = i > 0 && is_ident_byte(bytes[i - 1]);
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                let end = if end > i && bytes[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                found.push(i..end);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, i);
                found.push(i..end);
                i = end;
            }
            b'"' => i = string_end(bytes, i + 1),
            b'r' if !after_ident => match raw_string_end(bytes, i + 1) {
                Some(end) => i = end,
                None => i += 1,
            },
            b'b' | b'c' if !after_ident && bytes.get(i + 1) == Some(&b'r') => {
                match raw_string_end(bytes, i + 2) {
                    Some(end) => i = end,
                    None => i += 2,
                }
            }
            b'\'' => i = char_literal_end(text, i),
            _ => i += 1,
        }
    }
    found
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// The end of a block comment starting at `start` (`/*`), nested comments included.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a string whose contents start at `i` (after the opening quote).
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a raw string whose hashes start at `i` (after the `r`), if one starts there.
fn raw_string_end(bytes: &[u8], i: usize) -> Option<usize> {
    let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
    if bytes.get(i + hashes) != Some(&b'"') {
        return None;
    }
    let mut j = i + hashes + 1;
    while j < bytes.len() {
        let closing_hashes = bytes[j + 1..]
            .iter()
            .take(hashes)
            .take_while(|&&b| b == b'#')
            .count();
        if bytes[j] == b'"' && closing_hashes == hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(bytes.len())
}

/// After a quote at `start`: the end of a character literal, or just past the quote of a
/// lifetime or label.
fn char_literal_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let next = start + 1;
    if bytes.get(next) == Some(&b'\\') {
        // An escape: `'\n'`, `'\''`, `'\u{1F600}'`.
        let mut i = next + 2;
        while i < bytes.len() && bytes[i] != b'\'' && bytes[i] != b'\n' {
            i += 1;
        }
        return (i + 1).min(bytes.len());
    }
    let Some(c) = text.get(next..).and_then(|rest| rest.chars().next()) else {
        return bytes.len();
    };
    let after = next + c.len_utf8();
    if bytes.get(after) == Some(&b'\'') {
        after + 1
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&str> {
        comments(source)
            .into_iter()
            .map(|range| &source[range])
            .collect()
    }

    #[test]
    fn line_and_block_comments_are_found() {
        let source = "let a = 1; // one\r\n/* two /* nested */ still */ let b = 2;\n/// doc\n";
        assert_eq!(
            texts(source),
            ["// one", "/* two /* nested */ still */", "/// doc"]
        );
    }

    #[test]
    fn literals_hide_comment_markers() {
        let source = r####"let s = "// not"; let r = r#"/* not "# "#; let c = '"'; let e = '\''; // yes
let b = b"//"; let br = br##"//"##; let cs = c"//"; // also"####;
        assert_eq!(texts(source), ["// yes", "// also"]);
    }

    #[test]
    fn lifetimes_are_not_char_literals() {
        let source = "fn f<'a>(x: &'a str) -> &'a str { x } // here\n'outer: loop { break 'outer; } // there";
        assert_eq!(texts(source), ["// here", "// there"]);
    }

    #[test]
    fn identifiers_ending_in_r_are_not_raw_strings() {
        let source = "let bar = 1; let s = \"x\"; // c";
        assert_eq!(texts(source), ["// c"]);
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for source in ["\"abc", "r#\"abc", "/* abc", "'", "'\\", "b", "r#", "é'"] {
            let _ = comments(source);
        }
    }
}
