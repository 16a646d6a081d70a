//! End-to-end snippets through [`analyze`]: for each rule a few flagged and silent sites, the
//! resolution of renames, globs and the nearest `Cargo.toml`, severities and labels; and small
//! crates of several files analyzed with their project index, as the two-pass pipeline does.

use std::rc::Rc;

use super::{analyze, first_pass, index, second_pass};
use crate::diagnostic::{Diagnostic, Severity};
use crate::index::external::ExternalFacts;
use crate::source::SourceFile;

fn diagnostics(path: &str, source: &str) -> (SourceFile, Vec<Diagnostic>) {
    let file = SourceFile::new(path, source);
    let diagnostics = analyze(&file, &index::RustIndex::default()).diagnostics;
    (file, diagnostics)
}

/// `(1-based line, code)` of every finding in `source` (every rule, TL005 included).
fn findings(source: &str) -> Vec<(usize, &'static str)> {
    let (file, diagnostics) = diagnostics("snippet.rs", source);
    diagnostics
        .iter()
        .map(|d| (file.position(d.range.start).line, d.rule.code()))
        .collect()
}

#[test]
fn a_syntax_error_is_one_tl000_at_its_place() {
    let (file, found) = diagnostics("bad.rs", "fn main() {\n    let x = ;\n}\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule.code(), "TL000");
    assert_eq!(file.position(found[0].range.start).line, 2);
    assert!(found[0].message.starts_with("syntax error: "));
}

#[test]
fn a_shebang_line_is_kept_out_of_the_tokens_and_spans_count_from_the_start() {
    let source = "#!/usr/bin/env run-cargo-script\nasync fn work() {}\nasync fn f() {\n    smol::spawn(work());\n}\n";
    let (file, found) = diagnostics("script.rs", source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule.code(), "TL001");
    let position = file.position(found[0].range.start);
    assert_eq!((position.line, position.column), (4, 5));
    let parsed = super::parse(source).expect("parses");
    assert_eq!(
        parsed.shebang.as_deref(),
        Some("#!/usr/bin/env run-cargo-script")
    );
    // `#!` followed by `[` is an inner attribute.
    let attribute = super::parse("#![allow(unused)]\nfn f() {}\n").expect("parses");
    assert_eq!((attribute.shebang, attribute.attrs.len()), (None, 1));
}

#[test]
fn nesting_past_the_limit_is_one_tl000_where_it_passes_the_limit() {
    let depth = super::MAX_NESTING + 10;
    let source = format!("fn f() {{\n    let _x = -{}1;\n}}\n", "-".repeat(depth));
    let (file, found) = diagnostics("deep.rs", &source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule.code(), "TL000");
    assert!(
        found[0].message.starts_with("nested too deeply"),
        "{}",
        found[0].message
    );
    assert_eq!(file.position(found[0].range.start).line, 2);
}

#[test]
fn the_text_bound_never_hides_deep_nesting() {
    // Each inner doc comment is `#![doc = ".."]`: three levels of the file's top group for the
    // three bytes of `//!`, and its `=` one more inside.
    let docs = "//!\n".repeat(super::MAX_NESTING / 3 + 1);
    assert!(super::nesting_bound(&docs) > super::MAX_NESTING);
    assert!(super::parse(&docs).is_err_and(|error| error.message.starts_with("nested too deeply")));
    let chain = format!("fn f() {{ let _x = {}1; }}", "!".repeat(super::MAX_NESTING));
    assert!(super::parse(&chain).is_err());
    let shallow = "fn f() { let x = [1, 2]; }\n".repeat(100);
    assert!(super::nesting_bound(&shallow) < super::MAX_NESTING);
}

#[test]
fn long_lists_of_items_statements_and_elements_do_not_add_up_to_deep_nesting() {
    let count = super::MAX_NESTING;
    let items: String = (0..count)
        .map(|i| format!("#[inline]\nfn f{i}() {{}}\n"))
        .collect();
    let statements: String = (0..count)
        .map(|i| format!("    if x {{ y({i}) }}\n"))
        .collect();
    let elements: String = (0..count).map(|i| format!("({i}, -{i}), ")).collect();
    let source = format!(
        "{items}fn g(x: bool) {{\n{statements}}}\nconst T: &[(i32, i32)] = &[{elements}];\n"
    );
    assert_eq!(findings(&source), []);
}

#[test]
fn comments_are_returned_for_suppressions() {
    let file = SourceFile::new("a.rs", "fn f() {} // tasklint: ignore[TL001]\n");
    let analysis = analyze(&file, &index::RustIndex::default());
    assert_eq!(analysis.comments.len(), 1);
    assert_eq!(
        &file.text[analysis.comments[0].clone()],
        "// tasklint: ignore[TL001]"
    );
}

#[test]
fn tl001_cancelled_tasks_are_errors() {
    let source = "
use smol::spawn as go;
async fn work() {}
fn a() { smol::spawn(work()); }
fn b() { let _ = go(work()); }
fn c(ex: &smol::Executor<'_>) { let task = ex.spawn(work()); }
fn d(ex: &smol::Executor<'_>) -> bool { let task = ex.spawn(work()); task.is_finished() }
fn e() { let _scoped = smol::spawn(work()); }
";
    assert_eq!(
        findings(source),
        [
            (4, "TL001"),
            (5, "TL001"),
            (6, "TL001"),
            (7, "TL001"),
            (8, "TL001")
        ]
    );
    let (_, found) = diagnostics("a.rs", source);
    assert!(found.iter().all(|d| d.severity == Severity::Error));
    assert!(found[0]
        .message
        .contains("the task is cancelled when this handle is dropped"));
}

#[test]
fn tl001_kept_cancelling_handles_are_silent() {
    let source = "
async fn work() -> u8 { 1 }
struct S { tasks: Vec<smol::Task<u8>>, one: Option<smol::Task<u8>> }
impl S {
    fn a(&mut self) { smol::spawn(work()).detach(); }
    async fn b(&mut self) -> u8 { smol::spawn(work()).await }
    fn c(&mut self) { let t = smol::spawn(work()); self.tasks.push(t); }
    fn d(&mut self) { self.one = Some(smol::spawn(work())); }
    fn e(&mut self) -> smol::Task<u8> { let t = smol::spawn(work()); t }
    fn f(&mut self) { let t = smol::spawn(work()); std::mem::forget(t); }
    fn g(&mut self) { let t = smol::spawn(work()); drop(t); }
    async fn h(&mut self) { let _guard = smol::spawn(work()); work().await; }
    async fn i(&mut self) { let t = smol::spawn(work()); tokio::join!(t, work()); }
    async fn j(&mut self) -> Option<u8> { let t = smol::spawn(work()); if true { return None; } Some(t.await) }
}
";
    assert_eq!(findings(source), []);
}

#[test]
fn tl001_a_handle_kept_on_one_branch_only_is_dropped() {
    let source = "
async fn work() {}
async fn a(wait: bool) {
    let task = smol::spawn(work());
    if wait {
        task.await;
    }
}
";
    let (_, found) = diagnostics("a.rs", source);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].label.contains("on some paths only"),
        "{}",
        found[0].label
    );
    assert_eq!(found[0].notes.len(), 1);
}

#[test]
fn tl001_a_handle_known_to_be_finished_is_not_at_risk() {
    let source = "
async fn work() { tokio::task::yield_now().await }
async fn a() {
    let task = smol::spawn(work());
    while !task.is_finished() {
        work().await;
    }
}
async fn b() {
    let task = smol::spawn(work());
    if task.is_finished() {
        println!(\"done\");
    }
}
";
    assert_eq!(findings(source), [(10, "TL001")]);
}

#[test]
fn tl001_named_detached_handles_are_warnings_and_bare_spawns_are_tl005() {
    let source = "
async fn work() {}
async fn a() { let handle = tokio::spawn(work()); }
async fn b() { tokio::spawn(work()); }
async fn c() { let _ = tokio::spawn(work()); }
async fn d() { let handle = tokio::spawn(work()); handle.await.ok(); }
async fn e() { let handle = tokio::spawn(work()); handle.abort(); }
async fn f() { let _handle = tokio::spawn(work()); }
";
    assert_eq!(findings(source), [(3, "TL001"), (4, "TL005"), (5, "TL005")]);
    let (_, found) = diagnostics("a.rs", source);
    assert!(found.iter().all(|d| d.severity == Severity::Warning));
    assert!(found[0].message.contains("the task is detached"));
}

#[test]
fn tl001_join_sets_are_reported_at_their_binding() {
    let source = "
use tokio::task::JoinSet;
async fn work() {}
async fn a() {
    let mut set = JoinSet::new();
    for _ in 0..3 { set.spawn(work()); }
}
async fn b() {
    let mut set = JoinSet::new();
    for _ in 0..3 { set.spawn(work()); }
    while let Some(result) = set.join_next().await { result.ok(); }
}
fn c() -> bool {
    let set: JoinSet<()> = std::iter::empty::<std::future::Ready<()>>().collect();
    set.is_empty()
}
";
    assert_eq!(findings(source), [(5, "TL001"), (14, "TL001")]);
}

#[test]
fn tl001_runtime_receivers_are_typed() {
    let source = "
use std::sync::Arc;
use tokio::runtime::{Handle, Runtime};
async fn work() {}
struct Server { rt: Runtime, ex: Arc<async_executor::Executor<'static>> }
impl Server {
    fn a(&self) { let h = self.rt.spawn(work()); }
    fn b(&self) { self.ex.spawn(work()); }
}
fn c() { let h = Handle::current().spawn(work()); }
fn d() { let rt = tokio::runtime::Builder::new_current_thread().build().unwrap(); let h = rt.spawn(work()); }
fn e(pool: &futures::executor::ThreadPool) { let _ = pool.spawn_with_handle(work()).unwrap(); }
";
    assert_eq!(
        findings(source),
        [
            (7, "TL001"),
            (8, "TL001"),
            (10, "TL001"),
            (11, "TL001"),
            (12, "TL001")
        ]
    );
}

#[test]
fn unknown_receivers_and_local_functions_are_not_task_sources() {
    let source = "
struct Pool;
impl Pool { fn spawn(&self, f: impl FnOnce()) {} }
fn spawn(f: impl FnOnce()) {}
fn a(pool: &Pool) { pool.spawn(|| {}); spawn(|| {}); }
fn b(thing: &dyn Spawner) { let h = thing.spawn(async {}); }
fn c() { let spawn = |x: u8| x; spawn(1); }
fn d() { let task = tokio_test::task::spawn(async {}); }
";
    assert_eq!(findings(source), []);
}

#[test]
fn tl002_handles_lost_on_every_iteration() {
    let source = "
async fn work() {}
async fn a(items: Vec<u8>) {
    for _ in items {
        let task = smol::spawn(work());
    }
}
async fn b() {
    let mut last = None;
    loop {
        last = Some(tokio::spawn(work()));
        if stop() { break; }
    }
    if let Some(last) = last { last.await.ok(); }
}
async fn c(items: Vec<u8>) {
    let mut tasks = Vec::new();
    for _ in items {
        let task = smol::spawn(work());
        tasks.push(task);
    }
}
async fn d(items: Vec<u8>) {
    for _ in items {
        let _guard = smol::spawn(work());
        work().await;
    }
}
";
    assert_eq!(findings(source), [(5, "TL002"), (11, "TL002")]);
}

#[test]
fn tl002_fields_of_self_replaced_in_a_loop() {
    let source = "
async fn work() {}
struct S { current: Option<tokio::task::JoinHandle<()>> }
impl S {
    async fn a(&mut self) {
        for _ in 0..3 { self.current = Some(tokio::spawn(work())); }
    }
    async fn b(&mut self) {
        for _ in 0..3 {
            if let Some(previous) = self.current.take() { previous.abort(); }
            self.current = Some(tokio::spawn(work()));
        }
    }
}
";
    assert_eq!(findings(source), [(6, "TL002")]);
}

#[test]
fn tl003_futures_never_polled() {
    let source = "
use std::time::Duration;
async fn save() {}
struct Client;
impl Client {
    async fn connect(&self) {}
    async fn run(&self) {
        self.connect();
        let _ = Self::connect(self);
        let _unused = save();
        tokio::time::sleep(Duration::from_secs(1));
        async { save().await };
    }
}
async fn send(tx: tokio::sync::mpsc::Sender<u8>) { tx.send(1); }
fn sync_send(tx: std::sync::mpsc::Sender<u8>) { let _ = tx.send(1); }
";
    assert_eq!(
        findings(source),
        [
            (8, "TL003"),
            (9, "TL003"),
            (10, "TL003"),
            (11, "TL003"),
            (12, "TL003"),
            (15, "TL003")
        ]
    );
}

#[test]
fn tl003_polled_futures_are_silent() {
    let source = "
async fn save() -> u8 { 1 }
async fn a() -> u8 {
    let f = save();
    let g = save();
    tokio::pin!(g);
    tokio::select! {
        x = f => x,
        y = &mut g => y,
    }
}
async fn b() { let (x, y) = tokio::join!(save(), save()); }
fn c() -> impl std::future::Future<Output = u8> { save() }
fn d() { tokio::spawn(save()); futures::executor::block_on(save()); }
async fn e() { let futures = vec![save(), save()]; futures::future::join_all(futures).await; }
";
    assert_eq!(findings(source), [(14, "TL005")]);
}

#[test]
fn macros_that_are_not_parsed_keep_what_they_name() {
    let source = "
async fn work() {}
async fn a() { let task = smol::spawn(work()); my_runtime::block_on!(task); }
async fn b() { let task = smol::spawn(work()); println!(\"{:?}\", task); }
";
    assert_eq!(findings(source), [(4, "TL001")]);
}

#[test]
fn bare_spawn_resolves_through_the_nearest_cargo_toml() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(&path, text).expect("write");
        path.to_string_lossy().into_owned()
    };
    write(
        "smol-app/Cargo.toml",
        "[package]\nname = \"a\"\n[dependencies]\nsmol = \"2\"\n",
    );
    write(
        "two-runtimes/Cargo.toml",
        "[package]\nname = \"b\"\n[dependencies]\nsmol = \"2\"\ntokio = \"1\"\n",
    );
    let source = "use crate::prelude::*;\nasync fn work() {}\nfn a() { spawn(work()); }\nfn b() { spawn(|| work()); }\n";
    let smol_app = write("smol-app/src/lib.rs", source);
    let (_, found) = diagnostics(&smol_app, source);
    let codes: Vec<&str> = found.iter().map(|d| d.rule.code()).collect();
    assert_eq!(codes, ["TL001"], "resolved to smol::spawn");
    // Two runtimes, and no import to choose: not guessed.
    let two = write("two-runtimes/src/lib.rs", source);
    assert!(diagnostics(&two, source).1.is_empty());
    // No manifest at all: not guessed.
    let lone = write("lone/lib.rs", source);
    assert!(diagnostics(&lone, source).1.is_empty());
}

#[test]
fn project_paths_are_not_resolved_through_the_manifest() {
    // wasm-bindgen-futures calls its own `crate::spawn_local`, which returns nothing, in a
    // package that depends on tokio.
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[package]\nname = \"a\"\n[dependencies]\ntokio = \"1\"\n",
    )
    .expect("write");
    let path = root.path().join("tokio.rs").to_string_lossy().into_owned();
    let source = "fn f(keep: u8) { crate::spawn_local(async move { drop(keep) }); let h = self::spawn(async {}); }\n";
    assert!(diagnostics(&path, source).1.is_empty());
}

#[test]
fn globs_of_two_runtimes_are_settled_by_the_manifest() {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[package]\nname = \"a\"\n[dependencies]\nasync-std = \"1\"\n",
    )
    .expect("write");
    let path = root.path().join("main.rs").to_string_lossy().into_owned();
    let source = "use tokio::task::*;\nuse async_std::task::*;\nasync fn work() {}\nasync fn a() { let h = spawn(work()); }\n";
    let (_, found) = diagnostics(&path, source);
    assert_eq!(found.len(), 1);
    assert!(found[0].label.contains("`h`"), "{}", found[0].label);
    assert_eq!(found[0].severity, Severity::Warning);
}

#[test]
fn no_input_panics() {
    for source in [
        "",
        "fn",
        "fn f() { loop { break 'nowhere; } continue; }",
        "fn f() { 'a: { break 'a; } let x = match y {}; }",
        "fn f() { tokio::select! { = => } join!(,,); vec![;;]; }",
        "async fn f() { let t = smol::spawn(async {}); let t = t; }",
        "impl X { fn f(self) { self = Self::spawn(); self.x = spawn(); } }",
        "mod a { mod b { use super::super::super::*; fn f() { spawn(x); } } }",
        "async fn f() { loop { continue 'nowhere; } 'a: loop { break 'b; } }",
        "async fn f() { 'a: { loop { f().await; break 'a; } } while !(x || y && !z) { g().await; } }",
        "async fn f() { loop { async { f().await }.await; let Some(x) = y else { continue }; } }",
        "async fn f() { while let Some(x) = q.pop() && x > 0 { match x { _ if g().await => {}, _ => continue } } }",
        "async fn f() { loop { tokio::select! {} my_macro!(x.await); } }",
        "use crate::*; pub use self::*; async fn f() { g().await; loop { h().await } }",
    ] {
        let _ = findings(source);
    }
}

/// Analyzes every file of a crate (path, text) with the index of all of them, as the pipeline
/// does; the findings are `(path, 1-based line, code)`.
fn project_findings(files: &[(&str, &str)]) -> Vec<(String, usize, &'static str)> {
    project_diagnostics(files, &ExternalFacts::default())
        .into_iter()
        .map(|(file, d)| {
            (
                file.path.clone(),
                file.position(d.range.start).line,
                d.rule.code(),
            )
        })
        .collect()
}

fn project_diagnostics(
    files: &[(&str, &str)],
    external: &ExternalFacts,
) -> Vec<(Rc<SourceFile>, Diagnostic)> {
    let sources: Vec<Rc<SourceFile>> = files
        .iter()
        .map(|(path, text)| Rc::new(SourceFile::new(*path, *text)))
        .collect();
    let (facts, first_passes): (Vec<_>, Vec<_>) = sources
        .iter()
        .map(|source| first_pass(source, external))
        .unzip();
    let index = index::RustIndex::build(facts, external);
    sources
        .iter()
        .zip(first_passes)
        .flat_map(|(source, first)| {
            second_pass(source, first, &index, true)
                .diagnostics
                .into_iter()
                .map(|d| (Rc::clone(source), d))
        })
        .collect()
}

fn at(path: &str, line: usize, code: &'static str) -> (String, usize, &'static str) {
    (path.to_owned(), line, code)
}

const SHOP_LIB: &str =
    "pub mod net;\npub mod util;\npub mod jobs;\npub use util::flush as flush_all;\n";
const SHOP_NET: &str = "pub mod conn;\npub use self::conn::Connection;\n";
const SHOP_CONN: &str = "
pub struct Connection { closed: std::sync::atomic::AtomicBool }
impl Connection {
    pub fn is_closed(&self) -> bool { self.closed.load(std::sync::atomic::Ordering::Acquire) }
    pub async fn touch(&self) {}
    pub async fn send(&self, data: &[u8]) -> std::io::Result<()> { crate::util::write(data).await }
}
pub async fn connect(addr: &str) -> Connection { todo!() }
";
const SHOP_UTIL: &str = "
pub async fn flush() {}
pub async fn write(data: &[u8]) -> std::io::Result<()> { tokio::io::stdout().write_all(data).await }
pub fn spawn_logged<F: std::future::Future<Output = ()> + Send + 'static>(f: F) -> tokio::task::JoinHandle<()> {
    tokio::spawn(f)
}
pub fn spawn_local<F: std::future::Future<Output = ()> + 'static>(f: F) -> smol::Task<()> {
    let task = smol::spawn(f);
    task
}
";

#[test]
fn tl003_futures_of_other_modules_never_awaited() {
    let jobs = "
use crate::net::{conn, Connection};
use crate::util::{self, flush};
async fn run(c: &Connection) {
    flush();
    util::flush();
    crate::flush_all();
    let _ = conn::connect(\"db\");
    c.touch();
    super::net::conn::connect(\"db\").await;
    c.send(b\"x\").await.ok();
    let pending = util::write(b\"x\");
    pending.await.ok();
}
";
    let found = project_findings(&[
        ("src/lib.rs", SHOP_LIB),
        ("src/net/mod.rs", SHOP_NET),
        ("src/net/conn.rs", SHOP_CONN),
        ("src/util.rs", SHOP_UTIL),
        ("src/jobs.rs", jobs),
    ]);
    let expected: Vec<_> = [5, 6, 7, 8, 9]
        .into_iter()
        .map(|line| at("src/jobs.rs", line, "TL003"))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn tl003_a_test_crate_reaches_the_library_by_name() {
    let test = "use tasklint::util::flush;\n#[tokio::test]\nasync fn flushes() { flush(); }\n";
    let found = project_findings(&[
        ("src/lib.rs", SHOP_LIB),
        ("src/util.rs", SHOP_UTIL),
        ("tests/flush.rs", test),
    ]);
    assert_eq!(found, [at("tests/flush.rs", 3, "TL003")]);
}

#[test]
fn tl003_in_a_file_that_names_nothing_async_calling_a_project_future() {
    // Neither file of the calls names anything async: they are analyzed because they call a
    // name that a reachable crate defines as returning a future.
    let own = "pub fn kick() {\n    crate::util::flush();\n}\n";
    let other = "use tasklint::util as u;\nfn main() {\n    u::flush();\n}\n";
    let unrelated = "pub fn add(a: u8, b: u8) -> u8 {\n    a.wrapping_add(b)\n}\n";
    let lib = format!("{SHOP_LIB}pub mod kick;\npub mod math;\n");
    let found = project_findings(&[
        ("src/lib.rs", &lib),
        ("src/util.rs", SHOP_UTIL),
        ("src/kick.rs", own),
        ("src/math.rs", unrelated),
        ("src/bin/tool.rs", other),
    ]);
    assert_eq!(
        found,
        [
            at("src/kick.rs", 2, "TL003"),
            at("src/bin/tool.rs", 3, "TL003")
        ]
    );
}

#[test]
fn tl001_tasks_of_project_wrappers_dropped_by_the_caller() {
    let jobs = "
use crate::util::{spawn_local, spawn_logged as go};
async fn work() {}
pub fn start() {
    go(work());
    let _ = crate::util::spawn_logged(work());
    spawn_local(work());
    let kept = go(work());
    let detached = spawn_local(work()).detach();
    drop(kept);
}
pub async fn joined() { go(work()).await.ok(); }
";
    let files = [
        ("src/lib.rs", SHOP_LIB),
        ("src/util.rs", SHOP_UTIL),
        ("src/jobs.rs", jobs),
    ];
    let found = project_diagnostics(&files, &ExternalFacts::default());
    let summary: Vec<(usize, &str, Severity)> = found
        .iter()
        .map(|(file, d)| (file.position(d.range.start).line, d.rule.code(), d.severity))
        .collect();
    assert_eq!(
        summary,
        [
            (5, "TL001", Severity::Warning),
            (6, "TL001", Severity::Warning),
            (7, "TL001", Severity::Error)
        ]
    );
    let (_, first) = &found[0];
    assert!(first.message.contains("detached"), "{}", first.message);
    assert_eq!(
        first.notes[0].message,
        "`go` spawns the task at src/util.rs:5 and returns it without keeping it"
    );
    let (file, third) = &found[2];
    assert_eq!(&file.text[third.notes[0].range.clone()], "spawn_local");
    assert!(third.notes[0].message.contains("src/util.rs:8"));
}

#[test]
fn tl001_a_configured_task_function_is_a_wrapper() {
    let source = "async fn work() {}\nfn f() { framework::spawn_named(\"w\", work()); }\n";
    let external = ExternalFacts {
        task_functions: vec!["framework::spawn_named".into()],
        ..ExternalFacts::default()
    };
    let found = project_diagnostics(&[("src/lib.rs", source)], &external);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1.rule.code(), "TL001");
    assert!(found[0].1.notes[0].message.contains("configured"));
}

#[test]
fn tl004_polling_loops_on_state_only_another_task_changes() {
    let source = "
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
static STOP: AtomicBool = AtomicBool::new(false);
struct Pool { ready: AtomicBool, open: AtomicUsize, size: usize, checks: AtomicUsize }
impl Pool {
    async fn log(&self) { println!(\"{}\", self.open.load(Ordering::Relaxed)); }
    async fn check(&self) -> bool {
        self.checks.fetch_add(1, Ordering::Relaxed);
        self.open.load(Ordering::Acquire) >= self.size
    }
    async fn wait(&self) {
        while !self.ready.load(Ordering::Acquire) {
            self.log().await;
        }
    }
    async fn wait_checked(&self) {
        loop {
            if self.check().await { break; }
            self.log().await;
        }
    }
    async fn wait_yielding(&self) {
        while !self.ready.load(Ordering::Acquire) {
            self.log().await;
            tokio::task::yield_now().await;
        }
    }
}
async fn heartbeat(pool: &Pool) {
    while !STOP.load(Ordering::Relaxed) {
        pool.log().await;
    }
}
fn spawned(pool: std::sync::Arc<Pool>) {
    tokio::spawn(async move {
        loop { pool.log().await; }
    });
}
";
    assert_eq!(
        findings(source),
        [
            (12, "TL004"),
            (17, "TL004"),
            (30, "TL004"),
            (35, "TL005"),
            (36, "TL004")
        ]
    );
    let (file, found) = diagnostics("src/pool.rs", source);
    let first = &found[0];
    assert_eq!(first.severity, Severity::Warning);
    assert_eq!(&file.text[first.range.clone()], "while");
    assert_eq!(
        first.notes[0].message,
        "`self.log().await` runs `log` inline: it never suspends (defined at src/pool.rs:6)"
    );
    assert!(first
        .help
        .as_deref()
        .is_some_and(|help| help.contains("tokio::task::yield_now().await")));
}

#[test]
fn tl004_idle_branches_that_come_back_without_awaiting() {
    let source = "
use std::collections::VecDeque;
struct Dispatcher { queue: VecDeque<u8>, paused: bool, out: smol::net::TcpStream }
impl Dispatcher {
    async fn next(&mut self) -> Option<u8> { self.queue.pop_front() }
    async fn run(&mut self) -> std::io::Result<()> {
        loop {
            let Some(job) = self.next().await else { continue; };
            self.out.write_all(&[job]).await?;
        }
    }
    async fn run_paused(&mut self) -> std::io::Result<()> {
        loop {
            if self.paused { continue; }
            match self.queue.pop_front() {
                Some(job) => self.out.write_all(&[job]).await?,
                None => smol::future::yield_now().await,
            }
        }
    }
    async fn drain(&mut self) -> std::io::Result<()> {
        while let Some(job) = self.next().await {
            if job == 0 { continue; }
            self.out.write_all(&[job]).await?;
        }
        Ok(())
    }
}
";
    assert_eq!(findings(source), [(7, "TL004"), (13, "TL004")]);
    let (file, found) = diagnostics("a.rs", source);
    let note = |d: &Diagnostic| {
        d.notes
            .iter()
            .map(|n| (file.text[n.range.clone()].to_owned(), n.message.clone()))
            .collect::<Vec<_>>()
    };
    let run = note(&found[0]);
    assert_eq!(run[0].0, "self.next().await");
    assert_eq!(run[1].0, "continue");
    assert!(found[1]
        .help
        .as_deref()
        .is_some_and(|help| help.contains("smol::future::yield_now().await")));
}

#[test]
fn tl004_bounded_loops_and_plain_computations_are_silent() {
    let source = "
async fn step(i: usize) -> usize { i + 1 }
async fn a(items: Vec<u8>) {
    for item in items { step(item as usize).await; }
}
async fn b(mut n: usize) {
    while n > 0 { step(n).await; n -= 1; }
}
async fn c(mut queue: Vec<u8>) {
    while let Some(item) = queue.pop() { step(item as usize).await; }
}
async fn d() -> usize {
    let mut state = 0;
    loop {
        if state == 10 { return state; }
        state = step(state).await;
    }
}
async fn e(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() { i += 1; }
    i
}
async fn f(rx: &mut tokio::sync::mpsc::Receiver<u8>) {
    while let Some(item) = rx.recv().await { step(item as usize).await; }
}
async fn g(flag: &std::sync::atomic::AtomicBool) {
    while !flag.load(std::sync::atomic::Ordering::Acquire) {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(5)) => {}
        }
    }
}
fn h() {
    loop { std::thread::yield_now(); }
}
async fn i(tx: &mut Writer, rx: &mut Reader, len: usize) {
    let (mut read, mut write) = (0, 0);
    while read < len || write < len {
        if write < len { write += tx.write().await; }
        if read < len { read += rx.read().await; }
    }
}
async fn j(servers: Vec<String>) {
    loop {
        let cleared = async {
            for server in &servers { connect(server).await?; }
            Ok::<(), std::io::Error>(())
        }
        .await;
        match cleared {
            Ok(()) => break,
            Err(err) => eprintln!(\"{err}\"),
        }
    }
}
";
    assert_eq!(findings(source), []);
}

#[test]
fn tl004_an_inline_async_fn_of_another_module() {
    let cache = "
pub struct Cache { ready: bool, hits: u64 }
impl Cache {
    pub async fn refresh(&mut self) { self.hits += 1; self.note().await; }
    async fn note(&self) {}
    pub async fn reload(&mut self) { tokio::fs::read(\"x\").await.ok(); }
    pub fn is_ready(&self) -> bool { self.ready }
}
";
    let main = "
mod cache;
use cache::Cache;
async fn wait(cache: &mut Cache) {
    while !cache.is_ready() {
        cache.refresh().await;
    }
}
async fn wait_reloading(cache: &mut Cache) {
    while !cache.is_ready() {
        cache.reload().await;
    }
}
";
    let files = [("src/main.rs", main), ("src/cache.rs", cache)];
    assert_eq!(project_findings(&files), [at("src/main.rs", 5, "TL004")]);
    let found = project_diagnostics(&files, &ExternalFacts::default());
    assert_eq!(
        found[0].1.notes[0].message,
        "`cache.refresh().await` runs `refresh` inline: it never suspends (defined at src/cache.rs:4)"
    );
}

#[test]
fn tl004_configured_and_ready_futures_run_inline() {
    let source = "
async fn a(flag: &std::sync::atomic::AtomicBool) {
    while !flag.load(std::sync::atomic::Ordering::Acquire) {
        std::future::ready(()).await;
    }
}
async fn b(flag: &std::sync::atomic::AtomicBool) {
    while !flag.load(std::sync::atomic::Ordering::Acquire) {
        framework::noop().await;
    }
}
";
    let external = ExternalFacts {
        never_suspend: vec!["framework::noop".into()],
        ..ExternalFacts::default()
    };
    let found = project_diagnostics(&[("src/lib.rs", source)], &external);
    let lines: Vec<usize> = found
        .iter()
        .map(|(file, d)| file.position(d.range.start).line)
        .collect();
    assert_eq!(lines, [3, 8]);
    assert!(found[1].1.notes[0]
        .message
        .contains("configured as never suspending"));
}

#[test]
fn each_integration_test_is_a_crate_of_its_own() {
    // tokio's tests: one imports the async `File`, another `std::fs::File`.
    let fs = "pub struct File;\nimpl File { pub async fn create(path: &str) -> File { File } }\n";
    let async_test = "use tasklint::fs::File;\nmod common;\nasync fn a() { File::create(\"x\"); common::setup(); }\n";
    let std_test = "use std::fs::File;\nfn b() { File::create(\"x\").unwrap(); }\n";
    let common = "pub async fn setup() {}\n";
    let found = project_findings(&[
        ("src/lib.rs", "pub mod fs;\n"),
        ("src/fs.rs", fs),
        ("tests/async_file.rs", async_test),
        ("tests/std_file.rs", std_test),
        ("tests/common/mod.rs", common),
    ]);
    assert_eq!(
        found,
        [
            at("tests/async_file.rs", 3, "TL003"),
            at("tests/async_file.rs", 3, "TL003")
        ]
    );
}
