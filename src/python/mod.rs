//! The Python front-end: the only module that imports the Python parser. It parses a module,
//! extracts its facts for the project index, builds its semantic model and runs the Python
//! detectors.
//!
//! A module is parsed once, in the first pass ([`first_pass`]). Its tree is kept for the rules
//! when the module names something async; a module that does not is analyzed in the second pass
//! ([`second_pass`]) only if it names a function that the project index knows creates a
//! coroutine or a task, and is parsed again then.
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
mod fixes;
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

/// A parsed module: its comments, and its syntax tree or the `TL000` finding for its first
/// syntax error.
#[derive(Debug)]
pub struct ParsedModule {
    comments: Vec<Range<usize>>,
    syntax: Result<ModModule, Diagnostic>,
}

impl ParsedModule {
    /// The syntax tree, or the `TL000` finding that says why there is none.
    pub fn syntax(&self) -> Result<&ModModule, &Diagnostic> {
        self.syntax.as_ref()
    }
}

/// What the first pass keeps of a module for the second: its comments, and its syntax error,
/// its tree, or nothing when it names nothing async.
#[derive(Debug)]
pub struct FirstPass {
    comments: Vec<Range<usize>>,
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    SyntaxError(Diagnostic),
    /// The module names something async ([`calls::names_async`]): its tree, for the rules.
    Async(ModModule),
    /// The module names nothing async: the rules can only find a call of a project function
    /// that creates a coroutine or a task, so the tree is dropped, and the module is parsed
    /// again only if the index says it names one.
    Plain,
}

/// The first pass over a module: parses it once, for its index facts and what the second pass
/// needs.
pub fn first_pass(source: &SourceFile) -> (index::PythonFileFacts, FirstPass) {
    crate::panics::debug_panic_point(&source.path);
    let ParsedModule { comments, syntax } = parse(source);
    let facts = index::extract(source, syntax.as_ref().ok());
    let outcome = match syntax {
        Err(syntax_error) => Outcome::SyntaxError(syntax_error),
        Ok(module) if calls::names_async(&source.text) => Outcome::Async(module),
        Ok(_) => Outcome::Plain,
    };
    (facts, FirstPass { comments, outcome })
}

/// The second pass over a module: its findings against the project index. With `prefilter`
/// off, a module that names nothing async is analyzed all the same.
pub fn second_pass(
    source: &SourceFile,
    first: &FirstPass,
    index: &index::PythonIndex,
    prefilter: bool,
) -> Analysis {
    let diagnostics = match &first.outcome {
        Outcome::SyntaxError(error) => vec![error.clone()],
        Outcome::Async(module) => check(source, module, index),
        Outcome::Plain if prefilter && !index.may_create_work(&source.text) => Vec::new(),
        Outcome::Plain => return analyze(source, &parse(source), index),
    };
    Analysis {
        diagnostics,
        comments: first.comments.clone(),
        ..Analysis::default()
    }
}

impl FirstPass {
    /// The `TL000` finding of the first syntax error, when the module does not parse.
    pub fn syntax_error(&self) -> Option<&Diagnostic> {
        match &self.outcome {
            Outcome::SyntaxError(error) => Some(error),
            _ => None,
        }
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
fn analyze(source: &SourceFile, parsed: &ParsedModule, index: &index::PythonIndex) -> Analysis {
    let diagnostics = match &parsed.syntax {
        Err(syntax_error) => vec![syntax_error.clone()],
        Ok(module) => check(source, module, index),
    };
    Analysis {
        diagnostics,
        comments: parsed.comments.clone(),
        ..Analysis::default()
    }
}

/// The detectors' findings in a module that parses.
fn check(source: &SourceFile, module: &ModModule, index: &index::PythonIndex) -> Vec<Diagnostic> {
    crate::panics::debug_panic_point(&source.path);
    let body = &module.body;
    let model = semantic::Module::new(body);
    checker::Checker::new(&model, source, body, index).run()
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
