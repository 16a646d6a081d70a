//! The fixes of the Rust rules: the missing `.await` (TL003, safe) and `.detach()` on a
//! cancel-on-drop task handle dropped by a statement (TL001, unsafe). Both add a postfix to an
//! expression, which binds tighter than any operator: `a + f()` becomes `a + f().await` and
//! `&f()` becomes `&f().await`. An expression that is not itself a postfix one (a binary
//! operation, a cast, a reference, an `async` block...) is put in parentheses first.

use syn::spanned::Spanned;

use crate::fix::Edit;

/// The edits that apply `suffix` (`.await`) to `expr`.
pub fn postfix(expr: &syn::Expr, suffix: &str) -> Vec<Edit> {
    let range = expr.span().byte_range();
    let binds_tighter = matches!(
        expr,
        syn::Expr::Call(_)
            | syn::Expr::MethodCall(_)
            | syn::Expr::Path(_)
            | syn::Expr::Field(_)
            | syn::Expr::Index(_)
            | syn::Expr::Paren(_)
            | syn::Expr::Macro(_)
            | syn::Expr::Await(_)
            | syn::Expr::Try(_)
            | syn::Expr::Tuple(_)
            | syn::Expr::Array(_)
    );
    if binds_tighter {
        vec![Edit::insert(range.end, suffix)]
    } else {
        vec![
            Edit::insert(range.start, "("),
            Edit::insert(range.end, format!("){suffix}")),
        ]
    }
}

/// Whether the expression at `range` of `text` is a whole expression statement: followed by
/// `;`, and preceded on its line by nothing, or by the end of a statement or block (`;`, `{`,
/// `}`).
pub fn is_statement(text: &str, range: &std::ops::Range<usize>) -> bool {
    let Some(after) = text.get(range.end..) else {
        return false;
    };
    let Some(before) = text.get(..range.start) else {
        return false;
    };
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let before = before[line_start..].trim_end();
    after.trim_start().starts_with(';') && (before.is_empty() || before.ends_with([';', '{', '}']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suffixed(code: &str) -> String {
        let expr: syn::Expr = syn::parse_str(code).expect("an expression");
        crate::fix::apply(
            code,
            &[crate::fix::Fix::safe("t", postfix(&expr, ".await"))],
        )
        .text
    }

    #[test]
    fn postfix_expressions_take_the_suffix_as_they_are() {
        assert_eq!(suffixed("f(x)"), "f(x).await");
        assert_eq!(suffixed("client.get(url)"), "client.get(url).await");
    }

    #[test]
    fn other_expressions_are_put_in_parentheses() {
        assert_eq!(suffixed("async { 1 }"), "(async { 1 }).await");
        assert_eq!(suffixed("f as Fut"), "(f as Fut).await");
    }

    #[test]
    fn a_statement_stands_alone_on_its_line_or_after_another() {
        let text = "{\n    ex.spawn(f());\n    let x = 1; ex.spawn(g());\n    h(ex.spawn(f()));\n}";
        let at = |needle: &str, nth: usize| {
            let start = text.match_indices(needle).nth(nth).unwrap().0;
            start..start + needle.len()
        };
        assert!(is_statement(text, &at("ex.spawn(f())", 0)));
        assert!(is_statement(text, &at("ex.spawn(g())", 0)));
        assert!(!is_statement(text, &at("ex.spawn(f())", 1)));
    }
}
