//! `--statistics`: the number of findings per rule instead of the findings, the most frequent
//! rule first (ties in code order), one line per rule with findings, as ruff prints them:
//!
//! ```text
//!   12 TL001 dropped-task-handle
//!    3 TL003 unawaited-coroutine
//! ```
//!
//! Counts are right-aligned to at least four columns.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::lint::FileReport;
use crate::rule::Rule;

pub(super) fn emit(out: &mut dyn Write, reports: &[FileReport]) -> io::Result<()> {
    let mut counts: BTreeMap<Rule, usize> = BTreeMap::new();
    for diagnostic in reports.iter().flat_map(|report| &report.diagnostics) {
        *counts.entry(diagnostic.rule).or_default() += 1;
    }
    let mut counts: Vec<(Rule, usize)> = counts.into_iter().collect();
    // Stable: rules with the same count stay in code order.
    counts.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
    let width = counts
        .first()
        .map_or(0, |&(_, count)| count.to_string().len())
        .max(4);
    for (rule, count) in counts {
        writeln!(out, "{count:>width$} {} {}", rule.code(), rule.name())?;
    }
    Ok(())
}
