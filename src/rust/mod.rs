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

use crate::diagnostic::Diagnostic;
use crate::lint::Analysis;
use crate::rule::Rule;
use crate::source::SourceFile;

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
        alone = index.alone(index::facts_of(source, &file, &model));
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
