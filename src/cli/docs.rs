//! `tasklint rules` and `tasklint explain`: the compiled-in rule documentation.

use std::io::{self, Write};

use super::{print_error, ExitStatus};
use crate::docs;
use crate::rule::Rule;

/// Prints the rule table.
pub fn rules() -> ExitStatus {
    print(&docs::rules_table())
}

/// Prints the documentation of the rule named by its code or name, in any case.
pub fn explain(query: &str) -> ExitStatus {
    match rule_named(query) {
        Some(rule) => print(&docs::explain(rule)),
        None => ExitStatus::Error,
    }
}

/// The rule named by its code or name, in any case; an unknown one is reported as an error
/// that lists the valid rules.
pub(super) fn rule_named(query: &str) -> Option<Rule> {
    let rule = find_rule(query);
    if rule.is_none() {
        let valid: Vec<String> = Rule::ALL
            .iter()
            .map(|rule| format!("{} ({})", rule.code(), rule.name()))
            .collect();
        print_error(format_args!(
            "unknown rule `{query}`; valid rules: {}",
            valid.join(", ")
        ));
    }
    rule
}

fn find_rule(query: &str) -> Option<Rule> {
    let query = query.trim();
    Rule::from_code(query).or_else(|| Rule::from_name(query))
}

/// Prints `text` to stdout with a final newline; a closed pipe is not an error.
fn print(text: &str) -> ExitStatus {
    let mut out = io::stdout().lock();
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    match write!(out, "{text}{newline}").and_then(|()| out.flush()) {
        Ok(()) => ExitStatus::Clean,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(error) => {
            print_error(format_args!(
                "cannot write the output: {}",
                crate::discover::io_cause(&error)
            ));
            ExitStatus::Error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_found_by_code_or_name_in_any_case() {
        assert_eq!(find_rule("TL001"), Some(Rule::DroppedTaskHandle));
        assert_eq!(find_rule("tl003"), Some(Rule::UnawaitedCoroutine));
        assert_eq!(
            find_rule("Dropped-Task-Handle"),
            Some(Rule::DroppedTaskHandle)
        );
        assert_eq!(find_rule("TL009"), None);
        assert_eq!(find_rule("TL00"), None);
    }
}
