//! `json`: a pretty-printed JSON array with one object per finding.
//!
//! Keys come in a fixed order (the field order below). Lines and columns are 1-based, columns
//! count characters and `end_column` is exclusive. `fix` is `null`, or the fix's title, its
//! applicability (`safe`, `unsafe`) and its edits, each a range of the file and the text that
//! replaces it (an empty range is an insertion).

use std::io::{self, Write};

use serde::Serialize;

use super::Span;
use crate::fix::Fix;
use crate::lint::FileReport;
use crate::source::SourceFile;

#[derive(Serialize)]
struct Finding<'a> {
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: &'a str,
    notes: Vec<Note<'a>>,
    help: Option<&'a str>,
    fix: Option<FixJson<'a>>,
}

#[derive(Serialize)]
struct FixJson<'a> {
    title: &'a str,
    applicability: &'static str,
    edits: Vec<EditJson<'a>>,
}

#[derive(Serialize)]
struct EditJson<'a> {
    content: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl<'a> FixJson<'a> {
    fn of(source: &SourceFile, fix: &'a Fix) -> Self {
        FixJson {
            title: &fix.title,
            applicability: fix.applicability.as_str(),
            edits: fix
                .edits
                .iter()
                .map(|edit| {
                    let span = Span::of(source, &edit.range);
                    EditJson {
                        content: &edit.content,
                        line: span.start.line,
                        column: span.start.column,
                        end_line: span.end.line,
                        end_column: span.end.column,
                    }
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Note<'a> {
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

pub(super) fn emit(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let findings: Vec<Finding> = reports
        .iter()
        .flat_map(|report| {
            let source = &report.source;
            report.diagnostics.iter().map(move |diagnostic| {
                let span = Span::of(source, &diagnostic.range);
                Finding {
                    code: diagnostic.rule.code(),
                    rule: diagnostic.rule.name(),
                    severity: diagnostic.severity.as_str(),
                    message: &diagnostic.message,
                    path: &source.path,
                    line: span.start.line,
                    column: span.start.column,
                    end_line: span.end.line,
                    end_column: span.end.column,
                    label: &diagnostic.label,
                    notes: diagnostic
                        .notes
                        .iter()
                        .map(|note| {
                            let span = Span::of(source, &note.range);
                            Note {
                                message: &note.message,
                                line: span.start.line,
                                column: span.start.column,
                                end_line: span.end.line,
                                end_column: span.end.column,
                            }
                        })
                        .collect(),
                    help: diagnostic.help.as_deref(),
                    fix: diagnostic.fix.as_ref().map(|fix| FixJson::of(source, fix)),
                }
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &findings)?;
    writeln!(out)
}
