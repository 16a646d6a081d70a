//! The Python front-end: the only module that imports the Python parser. It parses a module,
//! extracts its facts for the project index, builds its semantic model and runs the Python
//! detectors.
//!
//! A module is parsed once, in the first pass ([`first_pass`]), which extracts its facts for
//! the index and checks it against an index of the module alone, writing down the questions
//! whose answers may depend on other modules ([`index::Asked`]). The second pass
//! ([`second_pass`]) keeps those findings when the project's index gives the same answers, and
//! parses and checks the module again otherwise. No syntax tree outlives its pass.
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

use self::index::{ModuleView, PythonIndex};
use crate::diagnostic::Diagnostic;
use crate::index::external::ExternalFacts;
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

/// What the first pass keeps of a module for the second: its comments, and its syntax error or
/// what checking it on its own found.
#[derive(Debug)]
pub struct FirstPass {
    comments: Vec<Range<usize>>,
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    SyntaxError(Diagnostic),
    /// The module's findings against an index of the module alone, and the questions asked of
    /// that index whose answers may depend on other modules.
    Checked {
        diagnostics: Vec<Diagnostic>,
        asked: index::Asked,
    },
}

/// The first pass over a module: parses it once, builds the index of the module alone from its
/// facts (with the configuration's `external` facts, and the imports that may lead into the
/// project by `top_level`), and checks the module against it. That index is the module's part
/// of the project's ([`PythonIndex::join`]).
pub fn first_pass(
    source: &SourceFile,
    external: &ExternalFacts,
    top_level: &index::TopLevel,
) -> (PythonIndex, FirstPass) {
    crate::panics::debug_panic_point(&source.path);
    let ParsedModule { comments, syntax } = parse(source);
    let (alone, outcome) = match syntax {
        Err(syntax_error) => (
            PythonIndex::of_module(index::extract(source, None, top_level, external), external),
            Outcome::SyntaxError(syntax_error),
        ),
        Ok(module) => {
            let model = semantic::Module::new(&module.body, &source.text);
            let facts = index::extract(source, Some((&module, &model)), top_level, external);
            let alone = PythonIndex::of_module(facts, external);
            let asked = index::Asked::default();
            let recorder = index::Recorder {
                asked: &asked,
                top_level,
            };
            let project = ModuleView::new(&alone, &source.path, Some(recorder));
            let diagnostics = check(source, &module, &model, project);
            (alone, Outcome::Checked { diagnostics, asked })
        }
    };
    (alone, FirstPass { comments, outcome })
}

/// The second pass over a module: its findings against the project index. Those of the first
/// pass stand when the index answers every question as the module's own index did (always
/// checked again with `prefilter` off).
pub fn second_pass(
    source: &SourceFile,
    first: FirstPass,
    index: &PythonIndex,
    prefilter: bool,
) -> Analysis {
    let FirstPass { comments, outcome } = first;
    let diagnostics = match outcome {
        Outcome::SyntaxError(error) => vec![error],
        Outcome::Checked { diagnostics, asked }
            if prefilter && asked.agrees_with(index, &source.path) =>
        {
            diagnostics
        }
        Outcome::Checked { .. } => return analyze(source, &parse(source), index),
    };
    Analysis {
        diagnostics,
        comments,
        ..Analysis::default()
    }
}

impl FirstPass {
    /// The `TL000` finding of the first syntax error, when the module does not parse.
    pub fn syntax_error(&self) -> Option<&Diagnostic> {
        match &self.outcome {
            Outcome::SyntaxError(error) => Some(error),
            Outcome::Checked { .. } => None,
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
fn analyze(source: &SourceFile, parsed: &ParsedModule, index: &PythonIndex) -> Analysis {
    let diagnostics = match &parsed.syntax {
        Err(syntax_error) => vec![syntax_error.clone()],
        Ok(module) => {
            let model = semantic::Module::new(&module.body, &source.text);
            let project = ModuleView::new(index, &source.path, None);
            check(source, module, &model, project)
        }
    };
    Analysis {
        diagnostics,
        comments: parsed.comments.clone(),
        ..Analysis::default()
    }
}

/// The detectors' findings in a module that parses, given its semantic model and the index as
/// the module sees it.
fn check<'a>(
    source: &SourceFile,
    module: &'a ModModule,
    model: &semantic::Module<'a>,
    project: Option<ModuleView<'_>>,
) -> Vec<Diagnostic> {
    crate::panics::debug_panic_point(&source.path);
    checker::Checker::new(model, source, &module.body, project).run()
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
