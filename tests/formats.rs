//! Every output format renders the same fixed set of findings; each rendering is a snapshot, and
//! the machine-readable ones are also checked key by key.

use std::ops::Range;

use serde_json::Value;
use tasklint::diagnostic::{Diagnostic, Severity};
use tasklint::emit::{emit, EmitOptions, Format};
use tasklint::fix::{Edit, Fix};
use tasklint::lint::FileReport;
use tasklint::rule::Rule;
use tasklint::source::SourceFile;

const MAIN: &str = "\
import asyncio

async def handle(request):
    asyncio.create_task(write_audit_log(request))
    return await render(request)

async def fetch_all(urls):
    for url in urls:
        task = asyncio.create_task(fetch(url))
    await task
";

const WORKER: &str = "\
async def save(record):
    ...

async def handle(record):
    print(\"naïve ☕\"); save(record)
";

const CLEAN: &str = "\
async def main():
    await asyncio.sleep(1)
";

/// The byte range of the `nth` (0-based) occurrence of `needle` in `text`.
fn find(text: &str, needle: &str, nth: usize) -> Range<usize> {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` occurs fewer than {} times", nth + 1))
        .0;
    start..start + needle.len()
}

/// Three files, sorted by path: one clean, one with an error carrying help and one carrying a
/// note, one with a warning after multi-byte characters.
fn reports() -> Vec<FileReport> {
    let main = vec![
        Diagnostic::new(
            Rule::DroppedTaskHandle,
            find(MAIN, "asyncio.create_task(write_audit_log(request))", 0),
            "task handle dropped; the event loop keeps only a weak reference, so the task can be garbage-collected before it finishes",
            "the task's only handle is discarded here",
        )
        .with_help("keep the task: add it to a set and discard it in a done-callback"),
        Diagnostic::new(
            Rule::LoopOverwrittenHandle,
            find(MAIN, "asyncio.create_task(fetch(url))", 0),
            "task handle overwritten on the next loop iteration; only the last task stays referenced",
            "a new task is bound to `task` on every iteration",
        )
        .with_note(find(MAIN, "await task", 0), "only the last task is awaited here")
        .with_help("collect the tasks in a list and `await asyncio.gather(*tasks)`"),
    ];
    let call = find(WORKER, "save(record)", 1);
    let add_await = Fix::safe("add `await`", vec![Edit::insert(call.start, "await ")]);
    let mut unawaited = Diagnostic::new(
        Rule::UnawaitedCoroutine,
        call,
        "coroutine `save` is never awaited, so its body never runs",
        "this creates a coroutine and drops it",
    )
    .with_fix(Some(add_await));
    unawaited.severity = Severity::Warning;
    let report = |path: &str, text: &str, diagnostics| FileReport {
        source: SourceFile::new(path, text),
        diagnostics,
        unknown_suppressions: Vec::new(),
        fixes: Default::default(),
    };
    vec![
        report("app/clean.py", CLEAN, Vec::new()),
        report("app/main.py", MAIN, main),
        report("app/worker.py", WORKER, vec![unawaited]),
    ]
}

fn render_with(format: Format, reports: &[FileReport], options: EmitOptions) -> String {
    let mut out = Vec::new();
    emit(format, &mut out, reports, &options).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("emitters write UTF-8")
}

fn render(format: Format) -> String {
    render_with(format, &reports(), EmitOptions::default())
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the output is valid JSON")
}

#[test]
fn human() {
    insta::assert_snapshot!(render(Format::Human));
}

#[test]
fn human_colors_only_when_asked() {
    let plain = render(Format::Human);
    assert!(!plain.contains('\u{1b}'));
    let colored = render_with(
        Format::Human,
        &reports(),
        EmitOptions {
            color: true,
            ..EmitOptions::default()
        },
    );
    assert!(colored.contains("\u{1b}["));
    assert!(colored.contains("TL001"));
}

#[test]
fn concise() {
    insta::assert_snapshot!(render(Format::Concise));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(Format::Json));
}

/// The SARIF output with the long rule texts (taken from `rules/*.md`) replaced by a marker, so
/// that editing a rule's documentation does not change this snapshot.
#[test]
fn sarif() {
    let mut sarif = render(Format::Sarif);
    let log = parse(&sarif);
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
    {
        for text in [
            &rule["fullDescription"]["text"],
            &rule["help"]["text"],
            &rule["help"]["markdown"],
        ] {
            let quoted = serde_json::to_string(text).expect("a string serializes");
            sarif = sarif.replace(&quoted, "\"[rule doc]\"");
        }
    }
    insta::assert_snapshot!(sarif);
}

#[test]
fn github() {
    insta::assert_snapshot!(render(Format::Github));
}

#[test]
fn no_findings() {
    let clean = &reports()[..1];
    let options = EmitOptions::default();
    assert_eq!(
        render_with(Format::Human, clean, options),
        "All checks passed.\n"
    );
    assert_eq!(render_with(Format::Concise, clean, options), "");
    assert_eq!(render_with(Format::Github, clean, options), "");
    assert_eq!(render_with(Format::Json, &[], options), "[]\n");
    let sarif = parse(&render_with(Format::Sarif, clean, options));
    assert_eq!(sarif["runs"][0]["results"], Value::Array(Vec::new()));
}

#[test]
fn json_has_every_key_with_one_based_positions() {
    let findings = parse(&render(Format::Json));
    let findings = findings.as_array().expect("an array");
    assert_eq!(findings.len(), 3);

    let dropped = &findings[0];
    let keys: Vec<&str> = dropped
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "code",
        "rule",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "label",
        "notes",
        "help",
    ] {
        assert!(keys.contains(&key), "missing `{key}`");
    }
    assert_eq!(dropped["code"], "TL001");
    assert_eq!(dropped["rule"], "dropped-task-handle");
    assert_eq!(dropped["severity"], "error");
    assert_eq!(dropped["path"], "app/main.py");
    assert_eq!(
        (&dropped["line"], &dropped["column"]),
        (&Value::from(4), &Value::from(5))
    );
    // End columns are exclusive: column 5 + the call's 45 characters.
    assert_eq!(
        (&dropped["end_line"], &dropped["end_column"]),
        (&Value::from(4), &Value::from(50))
    );
    assert_eq!(dropped["notes"], Value::Array(Vec::new()));
    assert!(dropped["help"].is_string());

    let overwritten = &findings[1];
    assert_eq!(overwritten["code"], "TL002");
    let note = &overwritten["notes"][0];
    assert_eq!(note["message"], "only the last task is awaited here");
    assert_eq!(
        (&note["line"], &note["column"]),
        (&Value::from(10), &Value::from(5))
    );
    assert_eq!(note["end_column"], 15);

    // Columns count characters, not bytes: `ï` and `☕` are one column each.
    let unawaited = &findings[2];
    assert_eq!(unawaited["path"], "app/worker.py");
    assert_eq!(unawaited["severity"], "warning");
    assert_eq!(
        (&unawaited["line"], &unawaited["column"]),
        (&Value::from(5), &Value::from(23))
    );
    assert_eq!(unawaited["end_column"], 35);
    assert_eq!(unawaited["help"], Value::Null);
}

#[test]
fn sarif_has_the_driver_rules_and_located_results() {
    let log = parse(&render(Format::Sarif));
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some_and(|s| s.contains("sarif")));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "tasklint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Rule::ALL.len());
    for (descriptor, rule) in rules.iter().zip(Rule::ALL) {
        assert_eq!(descriptor["id"], rule.code());
        assert_eq!(descriptor["name"], rule.name());
        for text in [
            &descriptor["shortDescription"]["text"],
            &descriptor["fullDescription"]["text"],
            &descriptor["help"]["text"],
            &descriptor["help"]["markdown"],
        ] {
            assert!(text.as_str().is_some_and(|text| !text.is_empty()));
        }
        assert_eq!(
            descriptor["defaultConfiguration"]["level"],
            rule.default_severity().as_str()
        );
        // GitHub shows the rule's documentation from `helpUri`: the file under `rules/`.
        let help_uri = descriptor["helpUri"].as_str().expect("helpUri");
        let doc = help_uri
            .strip_prefix(concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/"))
            .expect("helpUri is in the repository");
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(doc)
                .is_file(),
            "{help_uri}"
        );
        assert!(doc.starts_with(&format!("rules/{}-", rule.code())), "{doc}");
    }

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(result["partialFingerprints"]
            .as_object()
            .is_some_and(|fingerprints| !fingerprints.is_empty()));
    }
    assert_eq!(results[0]["ruleId"], "TL001");
    assert_eq!(results[0]["ruleIndex"], 1);
    assert_eq!(results[0]["level"], "error");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "app/main.py");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert!(results[0]["message"]["text"]
        .as_str()
        .is_some_and(|text| !text.is_empty()));
    let region = &location["region"];
    assert_eq!(
        [
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ],
        [4, 5, 4, 50].map(Value::from).each_ref()
    );

    assert_eq!(results[1]["ruleIndex"], 2);
    let related = &results[1]["relatedLocations"][0];
    assert_eq!(
        related["message"]["text"],
        "only the last task is awaited here"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 10);

    assert_eq!(results[2]["ruleId"], "TL003");
    assert_eq!(results[2]["ruleIndex"], 3);
    assert_eq!(results[2]["level"], "warning");
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        23
    );
}

#[test]
fn github_escapes_properties_and_message() {
    let text = "asyncio.create_task(work())\n";
    let report = FileReport {
        source: SourceFile::new("dir,1/a:b%.py", text),
        diagnostics: vec![Diagnostic::new(
            Rule::DroppedTaskHandle,
            0..text.len() - 1,
            "100% lost, really: yes\r\nsecond line",
            "label",
        )],
        unknown_suppressions: Vec::new(),
        fixes: Default::default(),
    };
    assert_eq!(
        render_with(Format::Github, &[report], EmitOptions::default()),
        "::error file=dir%2C1/a%3Ab%25.py,line=1,col=1,endLine=1,endColumn=28,\
         title=TL001 dropped-task-handle::100%25 lost, really: yes%0D%0Asecond line\n"
    );
}
