//! The Python front-end: the only module that imports the Python parser. It parses a module,
//! extracts its facts for the project index, builds its semantic model and runs the Python
//! detectors.
//!
//! Nesting is bounded before anything walks the syntax tree: the parser grows its own stack as
//! it goes, but the detectors recurse once per level of the tree. A module with more than
//! [`MAX_BRACKET_NESTING`] open brackets is a syntax error, as it is for CPython; one whose tree
//! is more than [`MAX_TREE_DEPTH`] levels deep (a chain of thousands of calls, operators or
//! attributes) is reported as a `TL000` finding instead of analyzed.

use std::ops::Range;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ModModule, PySourceType, Stmt};
use ruff_python_parser::{parse_unchecked_source, ParseError};
use ruff_text_size::{Ranged, TextRange};

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

    /// The syntax tree, or the `TL000` finding that says why there is none.
    pub fn syntax(&self) -> Result<&ModModule, &Diagnostic> {
        self.syntax.as_ref()
    }
}

/// How many brackets may be open at once: CPython's tokenizer rejects the 201st with "too many
/// nested parentheses" (`MAXLEVEL` in CPython's `Parser/tokenizer.h`).
pub const MAX_BRACKET_NESTING: usize = 200;

/// How deep a module's syntax tree (statements and expressions) may be for the detectors to
/// walk it. CPython itself gives up at a few thousand levels ("maximum recursion depth exceeded
/// during ast construction"); the detectors' recursion takes about 50,000 levels on a lint
/// thread's stack in a debug build.
pub const MAX_TREE_DEPTH: usize = 20_000;

/// Parses one Python module (a stub when the path ends in `.pyi`).
pub fn parse(source: &SourceFile) -> ParsedModule {
    let source_type = if source.path.ends_with(".pyi") {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    let parsed = parse_unchecked_source(&source.text, source_type);
    let tokens = parsed.tokens();
    let comments = tokens
        .iter()
        .filter(|token| token.kind() == TokenKind::Comment)
        .map(|token| token.range().to_std_range())
        .collect();
    let syntax_error = parsed.errors().first().map(syntax_error);
    let nesting_error = too_many_brackets(tokens.iter().map(|t| (t.kind(), t.range())));
    // The first error in the text is the one CPython would report.
    let first_error = match (syntax_error, nesting_error) {
        (Some(a), Some(b)) => Some(if b.range.start < a.range.start { b } else { a }),
        (a, b) => a.or(b),
    };
    // Each level of the tree takes at least one token (an expression statement two levels), so
    // a module of fewer tokens cannot be too deep and is not walked.
    let may_be_too_deep = tokens.len() * 2 > MAX_TREE_DEPTH;
    let module = parsed.into_syntax();
    let too_deep_at = if may_be_too_deep {
        too_deep(&module)
    } else {
        None
    };
    let syntax = match (first_error, too_deep_at) {
        (None, None) => Ok(module),
        (Some(error), None) => Err(error),
        (error, Some(range)) => {
            leak_deep_tree(module);
            Err(error.unwrap_or_else(|| too_deep_error(range)))
        }
    };
    ParsedModule { comments, syntax }
}

/// The range of the first bracket opened while [`MAX_BRACKET_NESTING`] are open, if any.
fn too_many_brackets(tokens: impl Iterator<Item = (TokenKind, TextRange)>) -> Option<Diagnostic> {
    let mut open = 0usize;
    for (kind, range) in tokens {
        match kind {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                if open == MAX_BRACKET_NESTING {
                    return Some(Diagnostic::new(
                        Rule::SyntaxError,
                        range.to_std_range(),
                        "syntax error: too many nested parentheses",
                        format!(
                            "Python allows {MAX_BRACKET_NESTING} open brackets; the file is not \
                             analyzed"
                        ),
                    ));
                }
                open += 1;
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                open = open.saturating_sub(1);
            }
            _ => {}
        }
    }
    None
}

/// The range of the first node more than [`MAX_TREE_DEPTH`] levels deep, if any. The walk
/// grows its stack as it goes (as the parser does), so it cannot overflow it.
fn too_deep(module: &ModModule) -> Option<TextRange> {
    let mut depth = TreeDepth {
        current: 0,
        too_deep: None,
    };
    depth.visit_body(&module.body);
    depth.too_deep
}

struct TreeDepth {
    current: usize,
    too_deep: Option<TextRange>,
}

impl TreeDepth {
    fn enter(&mut self, range: TextRange, walk: impl FnOnce(&mut Self)) {
        if self.too_deep.is_some() {
            return;
        }
        self.current += 1;
        if self.current > MAX_TREE_DEPTH {
            self.too_deep = Some(range);
        } else {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || walk(self));
        }
        self.current -= 1;
    }
}

impl<'a> Visitor<'a> for TreeDepth {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.enter(stmt.range(), |depth| visitor::walk_stmt(depth, stmt));
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.enter(expr.range(), |depth| visitor::walk_expr(depth, expr));
    }
}

/// Keeps a tree that is too deep alive until the process ends: dropping it recurses once per
/// level, and a ten-megabyte chain of operators would overflow the stack. Only pathological
/// files get here, at most once each.
fn leak_deep_tree(module: ModModule) {
    std::mem::forget(module);
}

fn too_deep_error(range: TextRange) -> Diagnostic {
    Diagnostic::new(
        Rule::SyntaxError,
        range.to_std_range(),
        format!("nested too deeply: more than {MAX_TREE_DEPTH} levels of statements and expressions"),
        "tasklint cannot analyze code nested this deeply (nor can CPython); the file is not analyzed",
    )
}

/// Analyzes one parsed module against the project index. A module that does not parse yields
/// one `TL000 syntax-error` finding and nothing else.
pub fn analyze(source: &SourceFile, parsed: &ParsedModule, index: &index::PythonIndex) -> Analysis {
    crate::panics::debug_panic_point(&source.path);
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
