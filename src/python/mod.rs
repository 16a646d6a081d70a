//! The Python front-end: the only module that imports the Python parser. It parses a module,
//! extracts its facts for the project index, builds its semantic model and runs the Python
//! detectors.

use std::ops::Range;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{ModModule, PySourceType};
use ruff_python_parser::{parse_unchecked_source, ParseError};
use ruff_text_size::Ranged;

mod calls;
mod checker;
mod effects;
mod flow;
pub mod index;
mod loops;
mod resolve;
mod rules;
mod semantic;
mod uses;

use crate::diagnostic::Diagnostic;
use crate::lint::Analysis;
use crate::rule::Rule;
use crate::source::SourceFile;

/// A module parsed once for both passes: its comments, and its syntax tree or the `TL000`
/// finding for its first syntax error.
#[derive(Debug)]
pub struct ParsedModule {
    comments: Vec<Range<usize>>,
    syntax: Result<ModModule, Diagnostic>,
}

impl ParsedModule {
    /// The syntax tree, when the module parses.
    fn module(&self) -> Option<&ModModule> {
        self.syntax.as_ref().ok()
    }
}

/// Parses one Python module (a stub when the path ends in `.pyi`).
pub fn parse(source: &SourceFile) -> ParsedModule {
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
    let syntax = match parsed.errors().first() {
        Some(error) => Err(syntax_error(error)),
        None => Ok(parsed.into_syntax()),
    };
    ParsedModule { comments, syntax }
}

/// Analyzes one parsed module against the project index. A module that does not parse yields
/// one `TL000 syntax-error` finding and nothing else.
pub fn analyze(source: &SourceFile, parsed: &ParsedModule, index: &index::PythonIndex) -> Analysis {
    let diagnostics = match &parsed.syntax {
        Err(syntax_error) => vec![syntax_error.clone()],
        Ok(module) => {
            let body = &module.body;
            let model = semantic::Module::new(body);
            checker::Checker::new(&model, source, body, index).run()
        }
    };
    Analysis {
        diagnostics,
        comments: parsed.comments.clone(),
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
