//! Hostile inputs: each gives the right finding or one clear message naming the file, never a
//! panic or a stack overflow, and never loses the findings of the other files. Every test puts
//! a file with a known finding next to the hostile one and checks that it is still reported.
//!
//! Big inputs are generated into temporary folders; nothing large is committed.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

mod common;
use common::{code, stderr, stdout, tasklint, write_file};

/// A Python file with one TL001 finding, on line 4, column 5.
const KNOWN_PY: &str = "import asyncio\n\nasync def f():\n    asyncio.create_task(g())\n";
const KNOWN_PY_FINDING: &str = "known.py:4:5: TL001 ";
/// A Rust file with one TL001 finding, on line 4, column 5.
const KNOWN_RS: &str = "async fn work() {}\n\nasync fn f() {\n    smol::spawn(work());\n}\n";
const KNOWN_RS_FINDING: &str = "known.rs:4:5: TL001 ";

/// A temporary folder holding `known.py`, `known.rs` and `files` (`path`, `content`).
fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    write_file(dir.path(), "known.py", KNOWN_PY.as_bytes());
    write_file(dir.path(), "known.rs", KNOWN_RS.as_bytes());
    for (path, content) in files {
        write_file(dir.path(), path, content);
    }
    dir
}

/// Runs `check --format concise` in `dir`; fails the test unless it exits with `expected_code`
/// and the two known findings are reported. Returns the findings of the other files and stderr.
fn check(dir: &Path, expected_code: i32) -> (Vec<String>, String) {
    let output = tasklint(dir, &["check", "--format", "concise"]);
    let (out, errors) = (stdout(&output), stderr(&output));
    assert_eq!(
        code(&output),
        expected_code,
        "stdout:\n{out}\nstderr:\n{errors}"
    );
    assert!(!errors.contains("panicked"), "{errors}");
    for known in [KNOWN_PY_FINDING, KNOWN_RS_FINDING] {
        assert!(out.lines().any(|line| line.starts_with(known)), "{out}");
    }
    let others = out
        .lines()
        .filter(|line| !line.starts_with("known."))
        .map(str::to_owned)
        .collect();
    (others, errors)
}

/// The one finding of `path` in `findings`, without its message.
fn only_finding<'a>(findings: &'a [String], path: &str) -> &'a str {
    let of_path: Vec<&String> = findings
        .iter()
        .filter(|line| line.starts_with(&format!("{path}:")))
        .collect();
    assert_eq!(of_path.len(), 1, "one finding in {path}: {findings:?}");
    of_path[0]
}

// Deep nesting.

#[test]
fn twenty_thousand_nested_brackets_in_python_are_a_syntax_error_as_in_cpython() {
    let depth = 20_000;
    let parens = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let brackets = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let mixed = format!(
        "x = {}1{}\n",
        "([{".repeat(depth / 3),
        "}])".repeat(depth / 3)
    );
    let dir = project(&[
        ("parens.py", parens.as_bytes()),
        ("brackets.py", brackets.as_bytes()),
        ("mixed.py", mixed.as_bytes()),
        // CPython's limit is 200 open brackets: 200 are fine.
        (
            "two_hundred.py",
            format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200)).as_bytes(),
        ),
    ]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    // The 201st bracket, after `x = ` and 200 brackets, is column 205.
    for path in ["parens.py", "brackets.py", "mixed.py"] {
        assert_eq!(
            only_finding(&findings, path),
            format!("{path}:1:205: TL000 syntax error: too many nested parentheses")
        );
    }
    assert_eq!(findings.len(), 3, "{findings:?}");
}

#[test]
fn python_nested_deeper_than_the_detectors_can_walk_is_one_syntax_error() {
    let depth = 100_000;
    let files = [
        ("unary.py", format!("x = {}1\n", "-".repeat(depth))),
        ("power.py", format!("x = 1{}\n", " ** 1".repeat(depth))),
        ("sum.py", format!("x = 1{}\n", " + 1".repeat(depth))),
        ("attributes.py", format!("x = a{}\n", ".b".repeat(depth))),
        ("lambdas.py", format!("x = {}1\n", "lambda: ".repeat(depth))),
    ];
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, text)| (*path, text.as_bytes()))
        .collect();
    let dir = project(&borrowed);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    for (path, _) in &files {
        let finding = only_finding(&findings, path);
        assert!(
            finding.contains(": TL000 nested too deeply: more than 20000 levels"),
            "{finding}"
        );
    }
}

#[test]
fn twenty_thousand_nested_brackets_in_rust_are_one_syntax_error() {
    let depth = 20_000;
    let parens = format!(
        "fn f() -> u8 {{\n    {}1{}\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let brackets = format!(
        "fn f() {{\n    let _x = {}1{};\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let blocks = format!(
        "fn f() {{\n    {}{}\n}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    let dir = project(&[
        ("parens.rs", parens.as_bytes()),
        ("brackets.rs", brackets.as_bytes()),
        ("blocks.rs", blocks.as_bytes()),
    ]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    for path in ["parens.rs", "brackets.rs", "blocks.rs"] {
        let finding = only_finding(&findings, path);
        assert!(
            finding.starts_with(&format!("{path}:2:"))
                && finding.contains(": TL000 nested too deeply: more than 20000 levels"),
            "{finding}"
        );
    }
}

#[test]
fn rust_nested_a_little_less_deeply_is_analyzed() {
    let depth = 10_000;
    let parens = format!(
        "async fn work() {{}}\n\nfn f() -> u8 {{\n    {}1{}\n}}\n\nasync fn g() {{\n    smol::spawn(work());\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let unary = format!(
        "async fn work() {{}}\n\nfn f() -> i8 {{\n    {}1\n}}\n\nasync fn g() {{\n    smol::spawn(work());\n}}\n",
        "-".repeat(depth)
    );
    let dir = project(&[
        ("parens.rs", parens.as_bytes()),
        ("unary.rs", unary.as_bytes()),
    ]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    assert!(only_finding(&findings, "parens.rs").starts_with("parens.rs:8:5: TL001 "));
    assert!(only_finding(&findings, "unary.rs").starts_with("unary.rs:8:5: TL001 "));
}

#[test]
fn deep_rust_in_a_file_with_async_code_is_one_syntax_error() {
    let depth = 100_000;
    let deep = format!(
        "async fn f() {{\n    let _x = {}1{};\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let dir = project(&[("deep.rs", deep.as_bytes())]);
    let (findings, _) = check(dir.path(), 1);
    assert!(only_finding(&findings, "deep.rs").contains("TL000 nested too deeply"));
}

#[test]
fn five_thousand_chained_calls_are_analyzed() {
    let links = 5_000;
    let python_calls = format!(
        "import asyncio\n\nasync def f():\n    x = f{}\n    asyncio.create_task(g())\n",
        "()".repeat(links)
    );
    let python_methods: String = (0..links).map(|i| format!(".m{i}()")).collect();
    let python_methods = format!(
        "import asyncio\n\nasync def f():\n    x = a{python_methods}\n    asyncio.create_task(g())\n"
    );
    let rust_calls = format!(
        "async fn work() {{}}\n\nasync fn f() {{\n    let _x = f{};\n    smol::spawn(work());\n}}\n",
        "()".repeat(links)
    );
    let rust_methods: String = (0..links).map(|i| format!(".m{i}()")).collect();
    let rust_methods = format!(
        "async fn work() {{}}\n\nasync fn f() {{\n    let _x = a{rust_methods};\n    smol::spawn(work());\n}}\n"
    );
    // Each method call changes the place of the fields before it: `self.f0`, `self.f0.f1`...
    let rust_fields: String = (0..links / 2).map(|i| format!(".f{i}.m{i}()")).collect();
    let rust_fields = format!(
        "async fn work() {{}}\n\nasync fn f() {{\n    let _x = self{rust_fields};\n    smol::spawn(work());\n}}\n"
    );
    let dir = project(&[
        ("calls.py", python_calls.as_bytes()),
        ("methods.py", python_methods.as_bytes()),
        ("calls.rs", rust_calls.as_bytes()),
        ("methods.rs", rust_methods.as_bytes()),
        ("fields.rs", rust_fields.as_bytes()),
    ]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    for (path, line) in [
        ("calls.py", 5),
        ("methods.py", 5),
        ("calls.rs", 5),
        ("methods.rs", 5),
        ("fields.rs", 5),
    ] {
        let finding = only_finding(&findings, path);
        assert!(
            finding.starts_with(&format!("{path}:{line}:5: TL001 ")),
            "{finding}"
        );
    }
}

// Size.

#[test]
fn a_ten_megabyte_file_is_analyzed_to_its_last_line() {
    let mut big = String::from("import asyncio\n\n");
    let mut index = 0;
    while big.len() < 10 * 1024 * 1024 {
        big.push_str(&format!(
            "\nasync def handler_{index}(request):\n    data = await request.json()\n    return {{\"id\": data[\"id\"], \"name\": data.get(\"name\", \"{index}\")}}\n"
        ));
        index += 1;
    }
    big.push_str("\nasync def last():\n    asyncio.create_task(g())\n");
    let last_line = big.lines().count();
    let dir = project(&[("big.py", big.as_bytes())]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    assert!(
        only_finding(&findings, "big.py").starts_with(&format!("big.py:{last_line}:5: TL001 ")),
        "{findings:?}"
    );
}

// Encodings and bytes.

#[test]
fn a_binary_file_named_py_is_one_line_naming_it() {
    // A PNG header, NUL bytes and bytes that are not UTF-8, as in a misnamed image.
    let mut binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    binary.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    // Binary that happens to be UTF-8 (NUL bytes and control characters) is not Python.
    let nuls = b"\0\0\0\x01\x02 def\0\n\x7f".to_vec();
    let dir = project(&[("image.py", &binary), ("nuls.py", &nuls)]);
    let (findings, errors) = check(dir.path(), 2);
    assert_eq!(
        errors.trim_end(),
        "tasklint: cannot lint `image.py`: not valid UTF-8 (byte 0 is not part of a UTF-8 character)"
    );
    assert!(
        only_finding(&findings, "nuls.py").starts_with("nuls.py:1:1: TL000 syntax error"),
        "{findings:?}"
    );
}

#[test]
fn invalid_utf8_is_one_line_naming_the_file() {
    let broken_rs = b"fn f() {\n    let s = \"\xff\xfe\";\n}\n";
    // A lone continuation byte at the end, after valid text.
    let truncated = "x = '日本'\n".as_bytes();
    let truncated = [&truncated[..truncated.len() - 4], b"\n"].concat();
    // Latin-1 bytes in a module that declares no encoding, or another one than Latin-1.
    let undeclared = b"import asyncio\nname = 'caf\xe9'\n";
    let cp1252 = b"# coding: cp1252\nname = '\x80'\n";
    let dir = project(&[
        ("broken.rs", broken_rs),
        ("truncated.py", &truncated),
        ("undeclared.py", undeclared),
        ("cp1252.py", cp1252),
    ]);
    let (findings, errors) = check(dir.path(), 2);
    assert_eq!(findings, Vec::<String>::new());
    let mut lines: Vec<&str> = errors.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "tasklint: cannot lint `broken.rs`: not valid UTF-8 (byte 22 is not part of a UTF-8 character)",
            "tasklint: cannot lint `cp1252.py`: it declares the encoding `cp1252`; tasklint reads UTF-8 and Latin-1 only",
            "tasklint: cannot lint `truncated.py`: not valid UTF-8 (byte 8 is not part of a UTF-8 character)",
            "tasklint: cannot lint `undeclared.py`: not valid UTF-8 (byte 26 is not part of a UTF-8 character)",
        ]
    );
}

#[test]
fn a_module_that_declares_latin_1_is_read_as_latin_1() {
    // PEP 263, on the first or the second line; columns count the decoded characters.
    let first = b"# -*- coding: latin-1 -*-\nimport asyncio\n\nasync def f():\n    name = 'caf\xe9'; asyncio.create_task(g())\n";
    let second = b"#!/usr/bin/env python3\n# vim: set fileencoding=iso-8859-1 :\nimport asyncio\n\nasync def f():\n    name = '\xe9t\xe9'; asyncio.create_task(g())\n";
    let dir = project(&[("first.py", first), ("second.py", second)]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    assert!(only_finding(&findings, "first.py").starts_with("first.py:5:20: TL001 "));
    assert!(only_finding(&findings, "second.py").starts_with("second.py:6:19: TL001 "));
}

#[test]
fn a_byte_order_mark_and_crlf_line_endings_keep_lines_and_columns() {
    let python = "\u{feff}import asyncio\r\n\r\nasync def f():\r\n    asyncio.create_task(g())\r\n";
    let rust =
        "\u{feff}async fn work() {}\r\n\r\nasync fn f() {\r\n    smol::spawn(work());\r\n}\r\n";
    let dir = project(&[("bom.py", python.as_bytes()), ("bom.rs", rust.as_bytes())]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    assert!(only_finding(&findings, "bom.py").starts_with("bom.py:4:5: TL001 "));
    assert!(only_finding(&findings, "bom.rs").starts_with("bom.rs:4:5: TL001 "));
    // The end column stops before the `\r`, and the snippet shows no stray carriage return.
    let json = tasklint(dir.path(), &["check", "--format", "json", "bom.py"]);
    let findings: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    let finding = &findings[0];
    assert_eq!(
        (
            &finding["line"],
            &finding["column"],
            &finding["end_line"],
            &finding["end_column"]
        ),
        (&4.into(), &5.into(), &4.into(), &29.into())
    );
    let human = stdout(&tasklint(dir.path(), &["check", "bom.py"]));
    assert!(human.contains("┌─ bom.py:4:5\n"), "{human}");
    assert!(!human.contains('\r'), "{human:?}");
}

/// Columns count characters: a tab is one column, and so is a CJK character or an emoji. All
/// formats agree, and the human header says the same.
#[test]
fn tabs_and_wide_characters_count_one_column_each_in_every_format() {
    let python = "import asyncio\n\nasync def f():\n\tx = \"日本😀\"; asyncio.create_task(g())\n";
    let rust =
        "async fn work() {}\n\nasync fn f() {\n\tlet _s = \"日本😀\"; smol::spawn(work());\n}\n";
    let dir = project(&[("wide.py", python.as_bytes()), ("wide.rs", rust.as_bytes())]);
    let (findings, _) = check(dir.path(), 1);
    // `\t`, `x`, ` `, `=`, ` `, `"`, `日`, `本`, `😀`, `"`, `;`, ` `: the call is column 13.
    assert!(only_finding(&findings, "wide.py").starts_with("wide.py:4:13: TL001 "));
    // `\t`, `let _s = ` (9), `"日本😀"` (5), `;`, ` `: column 18.
    assert!(only_finding(&findings, "wide.rs").starts_with("wide.rs:4:18: TL001 "));

    let run = |format: &str| {
        stdout(&tasklint(
            dir.path(),
            &["check", "--format", format, "wide.py"],
        ))
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    assert_eq!(
        (&json[0]["line"], &json[0]["column"]),
        (&4.into(), &13.into())
    );
    // `asyncio.create_task(g())` is 24 characters.
    assert_eq!(json[0]["end_column"], 37);
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("SARIF");
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&4.into(), &13.into())
    );
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
    assert!(run("github").contains("line=4,col=13,endLine=4,endColumn=37,"));
    let human = run("human");
    assert!(human.contains("┌─ wide.py:4:13\n"), "{human}");
}

#[test]
fn empty_files_are_clean() {
    let dir = project(&[
        ("empty.py", b""),
        ("empty.pyi", b""),
        ("empty.rs", b""),
        ("bom_only.py", "\u{feff}".as_bytes()),
        ("blank.rs", b"\n\r\n  \n"),
    ]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(findings, Vec::<String>::new());
    assert_eq!(errors, "");
}

// The file system.

#[cfg(unix)]
#[test]
fn symlink_loops_are_one_line_each_and_the_rest_is_linted() {
    let dir = project(&[("pkg/a.py", b"x = 1\n")]);
    std::os::unix::fs::symlink(".", dir.path().join("pkg/loop")).expect("symlink");
    std::os::unix::fs::symlink("self.py", dir.path().join("self.py")).expect("symlink");
    let (findings, errors) = check(dir.path(), 2);
    assert_eq!(findings, Vec::<String>::new());
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(
        lines[0].starts_with("tasklint: cannot read `pkg/loop`: symbolic link loop"),
        "{errors}"
    );
    assert!(
        lines[1].starts_with("tasklint: cannot read `self.py`: "),
        "{errors}"
    );
}

/// `chmod 000` does not stop root, so as root the check runs as the user `nobody` (uid 65534),
/// for whom it does. Without the right to switch users, the test says so and skips.
#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_one_line_and_the_rest_is_linted() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let dir = project(&[("locked/x.py", KNOWN_PY.as_bytes())]);
    let locked = dir.path().join("locked");
    // Readable by every user but the locked folder, whoever runs it.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let as_root = fs::read_dir(&locked).is_ok();
    let mut command = Command::new(env!("CARGO_BIN_EXE_tasklint"));
    command
        .args(["check", "--format", "concise"])
        .current_dir(dir.path())
        .stdin(Stdio::null());
    if as_root {
        command.uid(65534).gid(65534);
    }
    let output = command.output();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
    let output = match output {
        Ok(output) => output,
        Err(error) if as_root => {
            eprintln!("SKIPPED: running as root and cannot run the check as `nobody`: {error}");
            return;
        }
        Err(error) => panic!("tasklint runs: {error}"),
    };
    if as_root && stderr(&output).contains("cannot read `.`") {
        eprintln!("SKIPPED: running as root and `nobody` cannot read the temporary folder");
        return;
    }
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_eq!(
        stderr(&output).trim_end(),
        "tasklint: cannot read `locked`: permission denied"
    );
    let out = stdout(&output);
    assert!(out.contains(KNOWN_PY_FINDING), "{out}");
    assert!(out.contains(KNOWN_RS_FINDING), "{out}");
    assert!(!out.contains("locked"), "{out}");
}

#[test]
fn paths_with_spaces_and_non_ascii_characters_are_reported_as_they_are() {
    let dir = project(&[("dir with spaces/ünï/fïle ä.py", KNOWN_PY.as_bytes())]);
    let (findings, errors) = check(dir.path(), 1);
    assert_eq!(errors, "");
    let path = Path::new("dir with spaces/ünï/fïle ä.py")
        .to_string_lossy()
        .into_owned();
    assert!(
        only_finding(&findings, &path).starts_with(&format!("{path}:4:5: TL001 ")),
        "{findings:?}"
    );
    let run = |format: &str| stdout(&tasklint(dir.path(), &["check", "--format", format]));
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    assert!(json
        .as_array()
        .expect("array")
        .iter()
        .any(|f| f["path"] == *path));
    let sarif = run("sarif");
    assert!(
        sarif.contains("dir%20with%20spaces/%C3%BCn%C3%AF/f%C3%AFle%20%C3%A4.py"),
        "{sarif}"
    );
    assert!(run("github").contains(&format!("file={path},")));
    assert!(run("human").contains(&format!("┌─ {path}:4:5")));
}

/// A file found by the walk and gone before it is read (a build step, an editor's swap file):
/// one error naming it, and the other files are linted.
#[test]
fn a_file_that_disappears_between_the_walk_and_the_read_is_one_error() {
    use tasklint::discover::{discover, WalkOptions};
    use tasklint::lint::{lint_project, FileError, Settings};

    let dir = project(&[("gone.py", KNOWN_PY.as_bytes())]);
    let discovery = discover(&[dir.path().to_path_buf()], &WalkOptions::default());
    assert_eq!(discovery.files.len(), 3, "{:?}", discovery.files);
    fs::remove_file(dir.path().join("gone.py")).expect("remove");
    let outcomes = lint_project(&discovery.files, &Settings::default());
    let mut reported = 0;
    for (file, outcome) in discovery.files.iter().zip(&outcomes) {
        match outcome {
            Err(FileError::Read { path, cause }) => {
                assert!(path.ends_with("gone.py"), "{path}");
                assert_eq!(cause.kind(), std::io::ErrorKind::NotFound);
            }
            Ok(report) => {
                assert_eq!(report.diagnostics.len(), 1, "{}", file.display);
                reported += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(reported, 2);
}
