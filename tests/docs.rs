//! Keeps the rule docs, the rule registry and README's rule table in step: every rule has a doc
//! under `rules/`, every doc belongs to a rule, each doc's header agrees with `src/rule.rs`, its
//! required sections are present and filled in, README lists the rule, and each rule's
//! demonstration (`rules/demos/`) is compiled in and named in its doc.

use std::fs;
use std::path::{Path, PathBuf};

use tasklint::docs::{self, RuleDoc, REQUIRED_SECTIONS};
use tasklint::rule::Rule;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rules_dir() -> PathBuf {
    root().join("rules")
}

#[test]
fn every_rule_has_a_doc_file_matching_the_compiled_in_doc() {
    for &rule in Rule::ALL {
        let path = rules_dir().join(docs::file_name(rule));
        let text = fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!("{} has no doc at {}: {error}", rule.code(), path.display())
        });
        assert_eq!(
            text,
            docs::source(rule),
            "{} is not the doc compiled in for {}",
            path.display(),
            rule.code()
        );
    }
}

#[test]
fn every_doc_file_belongs_to_a_rule() {
    let entries = fs::read_dir(rules_dir()).expect("the rules/ directory is readable");
    for entry in entries {
        let entry = entry.expect("a directory entry");
        if entry.path() == rules_dir().join("demos") {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let code = name.split('-').next().unwrap_or_default();
        let rule = Rule::from_code(code)
            .unwrap_or_else(|| panic!("rules/{name} does not name a rule code"));
        assert_eq!(
            name,
            docs::file_name(rule),
            "rules/{name} should be named after its rule"
        );
    }
}

#[test]
fn every_doc_header_agrees_with_the_registry() {
    for &rule in Rule::ALL {
        let doc = RuleDoc::parse(docs::source(rule))
            .unwrap_or_else(|error| panic!("{}: {error}", docs::file_name(rule)));
        assert_eq!(doc.code, rule.code(), "{}: code", docs::file_name(rule));
        assert_eq!(doc.name, rule.name(), "{}: name", docs::file_name(rule));
        assert_eq!(
            doc.severity,
            rule.default_severity().as_str(),
            "{}: severity",
            docs::file_name(rule)
        );
        assert!(
            !doc.languages.is_empty(),
            "{}: languages",
            docs::file_name(rule)
        );
        assert!(
            !doc.summary.ends_with('.') && !doc.summary.contains('\n'),
            "{}: the summary is one line without a final period",
            docs::file_name(rule)
        );
    }
}

#[test]
fn every_doc_has_the_required_sections_filled_in() {
    for &rule in Rule::ALL {
        let doc = RuleDoc::parse(docs::source(rule))
            .unwrap_or_else(|error| panic!("{}: {error}", docs::file_name(rule)));
        for heading in REQUIRED_SECTIONS {
            let body = doc
                .section(heading)
                .unwrap_or_else(|| panic!("{}: no `## {heading}`", docs::file_name(rule)));
            assert!(
                !body.trim().is_empty(),
                "{}: `## {heading}` is empty",
                docs::file_name(rule)
            );
        }
        let example = doc.section("Example").unwrap_or_default();
        let shows_bad_and_good = doc
            .languages
            .iter()
            .any(|language| example.matches(&format!("```{language}")).count() >= 2);
        assert!(
            shows_bad_and_good,
            "{}: the example shows bad and good code in one of its languages ({})",
            docs::file_name(rule),
            doc.languages.join(", ")
        );
    }
}

#[test]
fn every_demonstration_folder_belongs_to_a_rule_whose_doc_shows_how_to_run_it() {
    let entries = fs::read_dir(rules_dir().join("demos")).expect("rules/demos/ is readable");
    for entry in entries {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            tasklint::demos::DEMOS
                .iter()
                .any(|demo| demo.rule.code() == name),
            "rules/demos/{name} is not a compiled-in demonstration"
        );
    }
    for demo in tasklint::demos::DEMOS {
        let doc = RuleDoc::parse(docs::source(demo.rule)).expect("the doc parses");
        let how_to_fix = doc.section("How to fix").unwrap_or_default();
        let command = match demo.language {
            tasklint::demos::Language::Python => format!("`tasklint repro {}`", demo.rule.code()),
            tasklint::demos::Language::Rust => {
                format!("`tasklint repro {} --lang rust`", demo.rule.code())
            }
        };
        for mention in [command.as_str(), demo.bad.path, demo.fixed.path] {
            assert!(
                how_to_fix.contains(mention),
                "{}: `## How to fix` does not mention {mention}",
                docs::file_name(demo.rule)
            );
        }
    }
}

#[test]
fn readme_lists_every_rule() {
    let path = root().join("README.md");
    let readme = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    for &rule in Rule::ALL {
        let row = format!("| {} | {} |", rule.code(), rule.name());
        assert!(
            readme.lines().any(|line| line.starts_with(&row)),
            "README.md has no rule-table row starting with `{row}`"
        );
    }
}
