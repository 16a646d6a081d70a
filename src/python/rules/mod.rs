//! The Python detectors, one file per rule.

pub mod tl001;
pub mod tl002;
pub mod tl003;
pub mod tl004;

use ruff_python_ast as ast;
use ruff_text_size::Ranged;

use super::checker::Checker;

/// The source text of a node.
fn text<'s>(checker: &'s Checker<'_, '_>, node: &impl Ranged) -> &'s str {
    &checker.source.text[node.range().to_std_range()]
}

/// How the current function is named in messages: `` `start` `` or "the module".
fn function_label(function: Option<&ast::StmtFunctionDef>) -> String {
    match function {
        Some(function) => format!("`{}`", function.name.as_str()),
        None => "the module".to_owned(),
    }
}
