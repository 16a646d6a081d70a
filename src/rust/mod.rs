//! The Rust front-end: the only module that imports syn and proc-macro2. It parses a file,
//! builds its semantic model (modules, `use` paths, the runtimes' types, async functions) and
//! runs the Rust detectors. A file that does not parse yields one `TL000 syntax-error` finding.
//!
//! syn and the detectors recurse once per level of nesting, so [`parse`] measures the nesting of
//! the tokens before syn sees them (the lexer does not recurse): a file nested more than
//! [`MAX_NESTING`] levels deep is a `TL000` finding instead of a stack overflow.
//!
//! proc-macro2 outside of a procedural macro keeps the text of every parsed file in a
//! thread-local map, for span locations; the map is cleared after each file (all spans are
//! turned into byte ranges before), so a long run does not grow it.

pub mod api;
mod checker;
mod comments;
mod crates;
mod effects;
mod facts;
mod fixes;
mod flow;
pub mod index;
mod item_spans;
mod macros;
mod manifest;
mod model;
mod project;
mod rules;
mod types;
mod uses;
mod yields;

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

use crate::diagnostic::Diagnostic;
use crate::index::external::ExternalFacts;
use crate::lint::Analysis;
use crate::rule::Rule;
use crate::source::SourceFile;
use crate::suppression::{ItemSpans, Suppressions};

/// What the first pass keeps of a Rust file for the second: its syntax error, what checking it
/// on its own found, or what decides whether it needs analyzing.
#[derive(Debug)]
pub struct FirstPass {
    outcome: Outcome,
}

impl FirstPass {
    /// The `TL000` finding of the file's syntax error, when it does not parse.
    pub fn syntax_error(&self) -> Option<&Diagnostic> {
        match &self.outcome {
            Outcome::SyntaxError(error) => Some(error),
            _ => None,
        }
    }
}

#[derive(Debug)]
enum Outcome {
    SyntaxError(Diagnostic),
    /// The text names something async (a runtime, `async`, a future, a spawn, a task handle):
    /// the file's analysis against an index of the file alone, the questions asked of that
    /// index whose answers may depend on other files, and the file's crate.
    Checked {
        analysis: Analysis,
        asked: project::Asked,
        krate: String,
    },
    /// Nothing async is named; these are the file's crate and the names it calls (path
    /// segments, methods and the identifiers in macro calls), any of which may be a project
    /// function that returns a future or a task.
    Plain {
        krate: String,
        called: Vec<String>,
    },
}

/// Words whose absence from a file's text means it names nothing async, with the crates of
/// [`api::async_crates`].
const ASYNC_WORDS: &[&str] = &[
    "async",
    "Future",
    "future",
    "spawn",
    "JoinHandle",
    "JoinSet",
    "RemoteHandle",
    "AbortOnDropHandle",
    "Task",
];

/// Whether a file's text names something async: one of [`ASYNC_WORDS`] or of the crates of
/// [`api::async_crates`] (one pass over the text for all of them).
fn names_async(text: &str) -> bool {
    static WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        let words = ASYNC_WORDS.iter().copied().chain(api::async_crates());
        // Leftmost-first matching lets the search use its vectorized prefilter (ten times
        // faster on the corpus than the standard semantics, which only `is_match` reads here).
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(words)
            .expect("the words are plain strings")
    });
    WORDS.is_match(text)
}

/// The first pass over a Rust file: parses it once, for its index facts (all of them when it
/// names something async, else its modules and types only) and what the second pass needs. A
/// file that names something async is also checked then, against an index of the file alone
/// (with the configuration's `external` facts).
pub fn first_pass(
    source: &SourceFile,
    external: &ExternalFacts,
) -> (index::RustFileFacts, FirstPass) {
    crate::panics::debug_panic_point(&source.path);
    let _spans = ForgetSpans;
    let file = match parse(&source.text) {
        Ok(file) => file,
        Err(syntax_error) => {
            let outcome = Outcome::SyntaxError(*syntax_error);
            return (index::RustFileFacts::empty(source), FirstPass { outcome });
        }
    };
    let model = model::Model::new(&file);
    let names_async = names_async(&source.text);
    let facts = index::facts_of(source, &file, &model, names_async);
    let outcome = if names_async {
        let alone = index::RustIndex::build(vec![facts.clone()], external);
        let asked = project::Asked::default();
        Outcome::Checked {
            analysis: check(source, &file, &model, &alone, Some(&asked)),
            asked,
            krate: facts.krate().to_owned(),
        }
    } else {
        Outcome::Plain {
            krate: facts.krate().to_owned(),
            called: called_names(&file),
        }
    };
    (facts, FirstPass { outcome })
}

/// The second pass over a Rust file: its findings against the project index. A file that does
/// not parse has its syntax error; the findings of one checked in the first pass stand when the
/// index answers every question as the file's own index did; one that names nothing async and
/// calls nothing that may create a future or a task has nothing to find. Any other file is
/// parsed and analyzed again, as is every file but one that does not parse with `prefilter`
/// off.
pub fn second_pass(
    source: &SourceFile,
    first: FirstPass,
    index: &index::RustIndex,
    prefilter: bool,
) -> Analysis {
    match first.outcome {
        Outcome::SyntaxError(error) => without_items(source, vec![error]),
        Outcome::Checked {
            analysis,
            asked,
            krate,
        } if prefilter && asked.agrees_with(index, &krate) => analysis,
        Outcome::Plain { krate, called }
            if prefilter && !index.may_create_work(&krate, &called) =>
        {
            without_items(source, Vec::new())
        }
        Outcome::Checked { .. } | Outcome::Plain { .. } => analyze(source, index),
    }
}

/// Parses and analyzes one Rust file, with what the index pass learned about the project. A
/// file the index pass did not see is analyzed with an index of its own.
pub fn analyze(source: &SourceFile, index: &index::RustIndex) -> Analysis {
    crate::panics::debug_panic_point(&source.path);
    let _spans = ForgetSpans;
    let file = match parse(&source.text) {
        Ok(file) => file,
        Err(syntax_error) => return without_items(source, vec![*syntax_error]),
    };
    let model = model::Model::new(&file);
    let alone;
    let index = if index.contains(&source.path) {
        index
    } else {
        alone = index.alone(index::facts_of(source, &file, &model, true));
        &alone
    };
    check(source, &file, &model, index, None)
}

/// An analysis of `source` with `diagnostics` and no item spans: a file that does not parse, or
/// one with no finding, needs none to place its suppressions.
fn without_items(source: &SourceFile, diagnostics: Vec<Diagnostic>) -> Analysis {
    Analysis {
        diagnostics,
        comments: comments::comments(&source.text),
        items: ItemSpans::default(),
    }
}

/// The detectors' findings in a parsed file against `index`, with its comments and items; the
/// questions asked of the index are written down in `asked` when it is given.
fn check(
    source: &SourceFile,
    file: &syn::File,
    model: &model::Model<'_>,
    index: &index::RustIndex,
    asked: Option<&project::Asked>,
) -> Analysis {
    let macros = macros::MacroBodies::parse(file);
    let scope = crates::scope_of(&source.path);
    let project = checker::Project {
        index,
        scope: &scope,
        asked,
    };
    let diagnostics = checker::Checker::new(source, model, &macros, project).run(file);
    let comments = comments::comments(&source.text);
    // Finding where the items are takes a walk over every token: only for suppressions.
    let items = if Suppressions::any_in_rust(&source.text, &comments) {
        item_spans::item_spans(file)
    } else {
        ItemSpans::default()
    };
    Analysis {
        diagnostics,
        comments,
        items,
    }
}

/// How deep the tokens of a file may nest, as [`nesting_too_deep`] counts it: syn and the
/// detectors take about 50,000 levels of the deepest-recursing construct (nested blocks) on a
/// lint thread's stack in a debug build, and the count is at least the depth of the tree.
pub const MAX_NESTING: usize = 20_000;

/// Where a loop is: the (line, column) of its first and of its last character.
pub type LoopSpan = ((u32, u32), (u32, u32));

/// The loops (`loop`, `while`, `for`) of a Rust file, each as the 1-based line and column of
/// its first and last character, in source order; none when the file does not parse. The
/// runtime names the loop around an `.await` with them, as the Python interpreter does.
pub fn loop_spans(text: &str) -> Vec<LoopSpan> {
    struct Loops(Vec<LoopSpan>);
    impl Loops {
        fn push(&mut self, span: Span) {
            let position = |at: proc_macro2::LineColumn| (at.line as u32, at.column as u32 + 1);
            self.0.push((position(span.start()), position(span.end())));
        }
    }
    impl<'ast> Visit<'ast> for Loops {
        fn visit_expr_loop(&mut self, node: &'ast syn::ExprLoop) {
            self.push(syn::spanned::Spanned::span(node));
            visit::visit_expr_loop(self, node);
        }
        fn visit_expr_while(&mut self, node: &'ast syn::ExprWhile) {
            self.push(syn::spanned::Spanned::span(node));
            visit::visit_expr_while(self, node);
        }
        fn visit_expr_for_loop(&mut self, node: &'ast syn::ExprForLoop) {
            self.push(syn::spanned::Spanned::span(node));
            visit::visit_expr_for_loop(self, node);
        }
    }
    let mut loops = Loops(Vec::new());
    if let Ok(file) = syn::parse_file(text) {
        loops.visit_file(&file);
    }
    loops.0
}

/// Parses a Rust file (without its byte-order mark), or returns its `TL000` finding: syn's
/// first error, or nesting deeper than [`MAX_NESTING`]. A shebang line (`#!/usr/bin/env ..`)
/// is kept out of the tokens and the spans still count from the start of the text.
pub fn parse(text: &str) -> Result<syn::File, Box<Diagnostic>> {
    let shebang = shebang_len(text);
    let blanked;
    let code = if shebang > 0 {
        blanked = format!("{}{}", " ".repeat(shebang), &text[shebang..]);
        &blanked
    } else {
        text
    };
    let tokens: TokenStream = match code.parse() {
        Ok(tokens) => tokens,
        // In syn's words, as `syn::parse_file` reports it.
        Err(error) => return Err(Box::new(syntax_error(&syn::Error::from(error)))),
    };
    if nesting_bound(code) > MAX_NESTING {
        if let Some(span) = nesting_too_deep(&tokens) {
            return Err(Box::new(too_deep_error(span.byte_range())));
        }
    }
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|error| Box::new(syntax_error(&error)))?;
    if shebang > 0 {
        file.shebang = Some(text[..shebang].to_owned());
    }
    Ok(file)
}

/// The length of the shebang line that starts `text` (without its line break), or 0. As for
/// rustc, `#!` followed by `[` (after whitespace and comments) is an inner attribute instead.
fn shebang_len(text: &str) -> usize {
    let Some(rest) = text.strip_prefix("#!") else {
        return 0;
    };
    let mut after = rest.trim_start();
    loop {
        if let Some(comment) = after.strip_prefix("//") {
            after = comment
                .split_once('\n')
                .map_or("", |(_, next)| next)
                .trim_start();
        } else if let Some(comment) = after.strip_prefix("/*") {
            after = comment
                .split_once("*/")
                .map_or("", |(_, next)| next)
                .trim_start();
        } else {
            break;
        }
    }
    if after.starts_with('[') {
        return 0;
    }
    text.find('\n').unwrap_or(text.len())
}

/// Where the tokens nest more than [`MAX_NESTING`] levels deep, if they do.
///
/// The count is an upper bound on the depth of the syntax tree, computed without recursion:
/// within a bracketed group, every punctuation token, nested group and keyword that nests
/// (`return`, `as`, `move`, ..) since the last `;` or `,` adds a level to the depth of the
/// group, and a group starts at the depth where it opens. A `{..}` block ends a statement or an
/// item unless an operator or `else` follows it. So a chain of calls, operators, unary
/// operators or `else if`s counts once or twice per link, while long lists of items,
/// statements or array elements do not add up.
fn nesting_too_deep(tokens: &TokenStream) -> Option<Span> {
    struct Group {
        tokens: proc_macro2::token_stream::IntoIter,
        /// The depth where the group opens.
        base: usize,
        /// The levels added since the last separator.
        levels: usize,
        /// Whether the last token was a `{..}` block.
        after_block: bool,
    }
    let mut stack = vec![Group {
        tokens: tokens.clone().into_iter(),
        base: 0,
        levels: 0,
        after_block: false,
    }];
    while let Some(group) = stack.last_mut() {
        let Some(tree) = group.tokens.next() else {
            stack.pop();
            continue;
        };
        if std::mem::take(&mut group.after_block) && !continues_expression(&tree) {
            group.levels = 0;
        }
        match &tree {
            TokenTree::Punct(punct) if matches!(punct.as_char(), ';' | ',') => {
                group.levels = 0;
                continue;
            }
            TokenTree::Punct(_) => group.levels += 1,
            TokenTree::Ident(ident) if NESTING_KEYWORDS.iter().any(|word| ident == word) => {
                group.levels += 1;
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => continue,
            TokenTree::Group(_) => group.levels += 1,
        }
        let depth = group.base + group.levels;
        if depth > MAX_NESTING {
            return Some(match &tree {
                TokenTree::Group(inner) => inner.span_open(),
                other => other.span(),
            });
        }
        if let TokenTree::Group(inner) = tree {
            group.after_block = inner.delimiter() == Delimiter::Brace;
            stack.push(Group {
                tokens: inner.stream().into_iter(),
                base: depth,
                levels: 0,
                after_block: false,
            });
        }
    }
    None
}

/// An upper bound on the depth [`nesting_too_deep`] finds, from the text alone (a file under it
/// need not be walked): each token that adds a level (a punctuation mark, a bracket, a keyword)
/// takes at least one ASCII punctuation byte or one run of word bytes of the text, so their
/// number is at most the count of both. A doc comment becomes `#[doc = ".."]`, whose `=` has no
/// byte of its own, but only one such `=` lies on any path down the tree: one more level.
fn nesting_bound(text: &str) -> usize {
    let mut bound = 1;
    let mut in_word = false;
    for &byte in text.as_bytes() {
        let is_word = byte.is_ascii_alphanumeric() || byte == b'_' || !byte.is_ascii();
        if byte.is_ascii_punctuation() || (is_word && !in_word) {
            bound += 1;
        }
        in_word = is_word;
    }
    bound
}

/// Keywords that open a level of the tree without a bracket: `return return x`,
/// `x as u8 as u16`, `move || move || ..`, `if let ..`.
const NESTING_KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "dyn", "else", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "move", "mut", "return", "static", "unsafe", "while", "yield",
];

/// Whether a token after a `{..}` block continues the same expression (`} else {`, `}.await`,
/// `} + 1`) rather than starting a new statement or item (`#[attr]`, `fn`, `let`).
fn continues_expression(tree: &TokenTree) -> bool {
    match tree {
        TokenTree::Ident(ident) => ident == "else",
        TokenTree::Punct(punct) => punct.as_char() != '#',
        TokenTree::Group(_) | TokenTree::Literal(_) => false,
    }
}

fn too_deep_error(range: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::new(
        Rule::SyntaxError,
        range,
        format!(
            "nested too deeply: more than {MAX_NESTING} levels of blocks, expressions or types"
        ),
        "tasklint cannot analyze code nested this deeply; the file is not analyzed",
    )
}

/// The names a file calls: every segment of a called path, every method name, and every
/// identifier inside a macro call (whose tokens may be expressions).
fn called_names(file: &syn::File) -> Vec<String> {
    struct Calls(Vec<String>);
    impl<'ast> Visit<'ast> for Calls {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let syn::Expr::Path(path) = &*call.func {
                let segments = path.path.segments.iter();
                self.0
                    .extend(segments.map(|segment| segment.ident.to_string()));
            }
            visit::visit_expr_call(self, call);
        }
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.0.push(call.method.to_string());
            visit::visit_expr_method_call(self, call);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            idents_of(mac.tokens.clone(), &mut self.0);
            visit::visit_macro(self, mac);
        }
    }
    fn idents_of(tokens: TokenStream, names: &mut Vec<String>) {
        for token in tokens {
            match token {
                TokenTree::Ident(ident) => names.push(ident.to_string()),
                TokenTree::Group(group) => idents_of(group.stream(), names),
                _ => {}
            }
        }
    }
    let mut calls = Calls(Vec::new());
    calls.visit_file(file);
    calls.0.sort_unstable();
    calls.0.dedup();
    calls.0
}

fn syntax_error(error: &syn::Error) -> Diagnostic {
    Diagnostic::new(
        Rule::SyntaxError,
        error.span().byte_range(),
        format!("syntax error: {error}"),
        "the file cannot be parsed from here; it is not analyzed",
    )
}

/// Clears proc-macro2's thread-local span map when the analysis of a file ends, even by a panic.
/// Created before the syntax tree, so it is dropped after it.
struct ForgetSpans;

impl Drop for ForgetSpans {
    fn drop(&mut self) {
        proc_macro2::extra::invalidate_current_thread_spans();
    }
}

#[cfg(test)]
mod tests;
