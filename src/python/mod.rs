//! The Python front-end: the only module that imports the Python parser. It parses a module,
//! builds its semantic model and runs the Python detectors.

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::PySourceType;
use ruff_python_parser::{parse_unchecked_source, ParseError};
use ruff_text_size::Ranged;

mod calls;
mod checker;
mod flow;
pub mod index;
mod rules;
mod semantic;
mod uses;

use crate::diagnostic::Diagnostic;
use crate::lint::Analysis;
use crate::rule::Rule;
use crate::source::SourceFile;

/// Parses and analyzes one Python module. A module that does not parse yields one
/// `TL000 syntax-error` finding and nothing else.
pub fn analyze(source: &SourceFile, index: &index::PythonIndex) -> Analysis {
    let _ = index;
    let source_type = if source.path.ends_with(".pyi") {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    let parsed = parse_unchecked_source(&source.text, source_type);
    let comments = parsed
        .tokens()
        .iter()
        .filter(|token| token.kind() == TokenKind::Comment)
        .map(|token| token.range().to_std_range())
        .collect();
    if let Some(error) = parsed.errors().first() {
        return Analysis {
            diagnostics: vec![syntax_error(error)],
            comments,
        };
    }
    let body = &parsed.syntax().body;
    let module = semantic::Module::new(body);
    Analysis {
        diagnostics: checker::Checker::new(&module, source, body).run(),
        comments,
    }
}

fn syntax_error(error: &ParseError) -> Diagnostic {
    let range = error.location.to_std_range();
    let message = format!("syntax error: {}", error.error);
    Diagnostic::new(
        Rule::SyntaxError,
        range,
        message,
        "the file cannot be parsed from here; it is not analyzed",
    )
}
