//! The work tasklint skips never changes results (`Settings::prefilter`: a Python module keeps
//! the findings of its first pass when the project's index answers as the module's own index
//! did; a Rust file that names nothing async is analyzed only if it calls what may create work):
//! the files of `fixtures/`, each project of `fixtures/projects/` (whose modules import each
//! other), and the folder named by `TASKLINT_CORPUS` (the pinned real-world corpus) are linted as
//! one project with the skipping on and off, with every rule enabled, and the findings must be
//! identical.

use std::path::{Path, PathBuf};

use tasklint::discover::{discover, WalkOptions};
use tasklint::lint::{lint_project, FileError, FileReport, FileRules, Settings};
use tasklint::rule::Rule;

/// Every finding of a run as one line: path, range, code and message (or the file's error).
fn findings(folder: &Path, prefilter: bool) -> Vec<String> {
    let discovery = discover(&[folder.to_path_buf()], &WalkOptions::default());
    assert!(!discovery.files.is_empty(), "no files under {folder:?}");
    let settings = Settings {
        rules: FileRules {
            enabled: Rule::ALL.to_vec(),
            severity: Vec::new(),
        },
        prefilter,
        ..Settings::default()
    };
    lint_project(&discovery.files, &settings)
        .into_iter()
        .flat_map(|outcome: Result<FileReport, FileError>| match outcome {
            Ok(report) => report
                .diagnostics
                .iter()
                .map(|d| {
                    let path = &report.source.path;
                    let range = &d.range;
                    format!("{path}:{range:?} {} {}", d.rule.code(), d.message)
                })
                .collect(),
            Err(error) => vec![error.to_string()],
        })
        .collect()
}

fn assert_prefilter_changes_nothing(folder: &Path) {
    let with = findings(folder, true);
    let without = findings(folder, false);
    let only_with: Vec<&String> = with.iter().filter(|f| !without.contains(f)).collect();
    let only_without: Vec<&String> = without.iter().filter(|f| !with.contains(f)).collect();
    assert!(
        only_with.is_empty() && only_without.is_empty() && with.len() == without.len(),
        "the prefilter changed the findings under {folder:?}:\nonly with it: {only_with:#?}\nonly without it: {only_without:#?}"
    );
}

#[test]
fn the_prefilter_changes_no_finding_of_the_fixtures() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    assert_prefilter_changes_nothing(&fixtures);
}

#[test]
fn the_prefilter_changes_no_finding_of_the_fixture_projects() {
    let projects = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects");
    let mut checked = 0;
    for project in std::fs::read_dir(&projects).expect("fixtures/projects is readable") {
        let project = project.expect("fixtures/projects is readable").path();
        if project.is_dir() {
            assert_prefilter_changes_nothing(&project);
            checked += 1;
        }
    }
    assert!(checked > 0, "no project under {projects:?}");
}

#[test]
fn the_prefilter_changes_no_finding_of_the_corpus() {
    let Some(corpus) = std::env::var_os("TASKLINT_CORPUS") else {
        eprintln!(
            "skipped: set TASKLINT_CORPUS to a folder (the pinned corpus) to compare there too"
        );
        return;
    };
    assert_prefilter_changes_nothing(Path::new(&corpus));
}
