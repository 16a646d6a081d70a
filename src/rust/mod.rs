//! The Rust front-end: the only module that imports syn and proc-macro2. It parses a file,
//! builds its semantic model (modules, `use` paths, the runtimes' types, async functions) and
//! runs the Rust detectors. A file that does not parse yields one `TL000 syntax-error` finding.
//!
//! proc-macro2 outside of a procedural macro keeps the text of every parsed file in a
//! thread-local map, for span locations; the map is cleared after each file (all spans are
//! turned into byte ranges before), so a long run does not grow it.

mod api;
mod checker;
mod comments;
mod crates;
mod effects;
mod facts;
mod flow;
pub mod index;
mod macros;
mod manifest;
mod model;
mod rules;
mod types;
mod uses;
mod yields;

use syn::visit::{self, Visit};

use crate::diagnostic::Diagnostic;
use crate::lint::Analysis;
use crate::rule::Rule;
use crate::source::SourceFile;

/// What the first pass keeps of a Rust file for the second: its syntax error, or what decides
/// whether the file needs analyzing. syn's trees cannot move between threads (nor outlive
/// proc-macro2's span map), so a file that does is parsed again.
#[derive(Debug)]
pub struct FirstPass {
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    SyntaxError(Diagnostic),
    /// The text names something async: a runtime, `async`, a future, a spawn, a task handle.
    Async,
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

/// The first pass over a Rust file: parses it once, for its index facts (all of them when it
/// names something async, else its modules and types only) and what the second pass needs.
pub fn first_pass(source: &SourceFile) -> (index::RustFileFacts, FirstPass) {
    let _spans = ForgetSpans;
    let file = match syn::parse_file(&source.text) {
        Ok(file) => file,
        Err(error) => {
            let outcome = Outcome::SyntaxError(syntax_error(&error));
            return (index::RustFileFacts::empty(source), FirstPass { outcome });
        }
    };
    let model = model::Model::new(&file);
    let text = &source.text;
    let names_async = ASYNC_WORDS
        .iter()
        .copied()
        .chain(api::async_crates())
        .any(|word| text.contains(word));
    let facts = index::facts_of(source, &file, &model, names_async);
    let outcome = if names_async {
        Outcome::Async
    } else {
        Outcome::Plain {
            krate: facts.krate().to_owned(),
            called: called_names(&file),
        }
    };
    (facts, FirstPass { outcome })
}

/// The second pass over a Rust file: its findings against the project index. A file that does
/// not parse has its syntax error; one that names nothing async and calls nothing that may
/// create a future or a task has nothing to find, and is not parsed again.
pub fn second_pass(source: &SourceFile, first: &FirstPass, index: &index::RustIndex) -> Analysis {
    match &first.outcome {
        Outcome::SyntaxError(error) => Analysis {
            diagnostics: vec![error.clone()],
            comments: comments::comments(&source.text),
        },
        Outcome::Plain { krate, called } if !index.may_create_work(krate, called) => Analysis {
            diagnostics: Vec::new(),
            comments: comments::comments(&source.text),
        },
        Outcome::Async | Outcome::Plain { .. } => analyze(source, index),
    }
}

/// Parses and analyzes one Rust file, with what the index pass learned about the project. A
/// file the index pass did not see is analyzed with an index of its own.
pub fn analyze(source: &SourceFile, index: &index::RustIndex) -> Analysis {
    let _spans = ForgetSpans;
    let comments = comments::comments(&source.text);
    let file = match syn::parse_file(&source.text) {
        Ok(file) => file,
        Err(error) => {
            return Analysis {
                diagnostics: vec![syntax_error(&error)],
                comments,
            }
        }
    };
    let macros = macros::MacroBodies::parse(&file);
    let model = model::Model::new(&file);
    let alone;
    let index = if index.contains(&source.path) {
        index
    } else {
        alone = index.alone(index::facts_of(source, &file, &model, true));
        &alone
    };
    let scope = crates::scope_of(&source.path);
    let project = checker::Project {
        index,
        scope: &scope,
    };
    let diagnostics = checker::Checker::new(source, &model, &macros, project).run(&file);
    Analysis {
        diagnostics,
        comments,
    }
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
    fn idents_of(tokens: proc_macro2::TokenStream, names: &mut Vec<String>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(ident) => names.push(ident.to_string()),
                proc_macro2::TokenTree::Group(group) => idents_of(group.stream(), names),
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
