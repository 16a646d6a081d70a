//! Unit tests of the Rust index: module paths, resolution across files, task wrappers,
//! suspension and effect summaries, on small crates held in memory (their paths are under the
//! current folder, whose `Cargo.toml` makes them one package).

use super::*;
use crate::rust::first_pass;

/// The index of a crate made of `files` (path, text).
fn index(files: &[(&str, &str)]) -> RustIndex {
    let facts = files
        .iter()
        .map(|(path, text)| first_pass(&SourceFile::new(*path, *text), &ExternalFacts::default()).0)
        .collect();
    RustIndex::build(facts, &ExternalFacts::default())
}

/// The crate of `path`.
fn krate(path: &str) -> String {
    crates::scope_of(path).krate
}

fn path(module: &[&str], segments: &[&str]) -> Callee {
    Callee::Path {
        module: module.iter().map(|s| (*s).to_owned()).collect(),
        self_type: None,
        segments: segments.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn method(owner: &str, name: &str) -> Callee {
    Callee::Method {
        owner: owner.to_owned(),
        name: name.to_owned(),
    }
}

/// The merged function a callee written in `module` of `src/lib.rs`'s crate resolves to.
fn resolve<'i>(index: &'i RustIndex, callee: &Callee) -> Option<Merged<'i>> {
    match index.target(&krate("src/lib.rs"), callee) {
        Target::Project(merged) => Some(merged),
        _ => None,
    }
}

const NET: &[(&str, &str)] = &[
    (
        "src/lib.rs",
        "pub mod net;\nmod util;\npub use net::conn::connect as open;\nmod inline { pub async fn nested() {} }\n",
    ),
    (
        "src/net/mod.rs",
        "pub mod conn;\npub use self::conn::Conn;\npub use conn::*;\n",
    ),
    (
        "src/net/conn.rs",
        "use crate::util::log;\npub struct Conn;\nimpl Conn {\n    pub async fn handshake(&self) {}\n    pub fn close(&self) {}\n}\npub async fn connect() -> Conn { log().await; Conn }\npub fn helper() {}\n",
    ),
    (
        "src/util.rs",
        "pub async fn log() {}\npub fn plain() -> u8 { 1 }\n",
    ),
];

#[test]
fn functions_are_found_through_the_mod_tree_imports_and_re_exports() {
    let index = index(NET);
    let connect = resolve(&index, &path(&[], &["net", "conn", "connect"])).expect("resolved");
    assert!(connect.returns_future());
    assert_eq!(
        connect.first().map(|f| f.location.as_str()),
        Some("src/net/conn.rs:7")
    );
    // `pub use net::conn::connect as open;` at the root.
    assert!(resolve(&index, &path(&[], &["open"])).is_some_and(|f| f.returns_future()));
    assert!(resolve(&index, &path(&["util"], &["crate", "open"])).is_some());
    // `pub use conn::*;` in `net`: a glob of a project module.
    assert!(resolve(&index, &path(&[], &["net", "connect"])).is_some());
    // `super::` and `self::` from a module of another file.
    assert!(resolve(
        &index,
        &path(&["net", "conn"], &["super", "super", "util", "log"])
    )
    .is_some());
    assert!(
        resolve(&index, &path(&["net"], &["self", "conn", "helper"]))
            .is_some_and(|f| !f.returns_future())
    );
    // An inline module.
    assert!(resolve(&index, &path(&[], &["inline", "nested"])).is_some());
    // Methods by their type's name, and through a path to the type.
    assert!(resolve(&index, &method("Conn", "handshake")).is_some_and(|f| f.has_receiver()));
    assert!(resolve(&index, &path(&["util"], &["Conn", "close"])).is_some());
    // Paths out of the project are external; unknown project paths unknown.
    assert!(matches!(
        index.target(&krate("src/lib.rs"), &path(&[], &["tokio", "spawn"])),
        Target::External(p) if p == "tokio::spawn"
    ));
    assert!(matches!(
        index.target(&krate("src/lib.rs"), &path(&[], &["crate", "missing"])),
        Target::Unknown
    ));
}

#[test]
fn tests_and_binaries_reach_the_library_by_its_package_name() {
    let mut files = NET.to_vec();
    files.push(("tests/api.rs", "use tasklint::net::connect;\n"));
    let index = index(&files);
    let from_test = Callee::Path {
        module: Vec::new(),
        self_type: None,
        segments: vec!["connect".into()],
    };
    assert!(matches!(
        index.target(&krate("tests/api.rs"), &from_test),
        Target::Project(merged) if merged.returns_future()
    ));
}

#[test]
fn suspension_follows_awaits_across_files() {
    let index = index(&[
        (
            "src/lib.rs",
            "mod cache;\nmod io;\npub async fn poll(c: &cache::Cache) { c.refresh().await; }\npub async fn wait() { io::read().await; }\npub async fn ready() { std::future::ready(1).await; }\n",
        ),
        (
            "src/cache.rs",
            "pub struct Cache;\nimpl Cache {\n    pub async fn refresh(&self) { self.count().await; }\n    async fn count(&self) -> u8 { 1 }\n}\n",
        ),
        (
            "src/io.rs",
            "pub async fn read() { tokio::time::sleep(std::time::Duration::ZERO).await; }\npub async fn unknown(f: impl std::future::Future) { f.await; }\npub async fn other(c: &reqwest::Client) { c.get().await; }\n",
        ),
    ]);
    let never = |callee: Callee| resolve(&index, &callee).is_some_and(|f| f.never_suspends());
    assert!(never(method("Cache", "refresh")));
    assert!(never(method("Cache", "count")));
    assert!(!never(path(&[], &["io", "read"])));
    assert!(!never(path(&[], &["wait"])));
    assert!(!never(path(&[], &["io", "unknown"])));
    assert!(!never(path(&[], &["io", "other"])));
    assert!(never(path(&[], &["ready"])));
    // `poll`'s parameter is of a type of another module: its methods are the index's.
    assert!(never(path(&[], &["poll"])));
}

#[test]
fn configured_functions_never_suspend_or_return_tasks() {
    let facts = vec![
        first_pass(
            &SourceFile::new(
                "src/lib.rs",
                "pub async fn tick() { framework::noop().await; }\n",
            ),
            &ExternalFacts::default(),
        )
        .0,
    ];
    let external = ExternalFacts {
        never_suspend: vec!["framework::noop".into()],
        task_functions: vec!["framework::spawn_named".into()],
        ..ExternalFacts::default()
    };
    let index = RustIndex::build(facts, &external);
    assert!(resolve(&index, &path(&[], &["tick"])).is_some_and(|f| f.never_suspends()));
    assert!(index.is_external_task("framework::spawn_named"));
    assert!(index.is_configured_never_suspending("framework::noop"));
    assert!(index.never_suspends_external("std::future::ready"));
}

#[test]
fn wrappers_return_fresh_tasks_or_keep_them() {
    let index = index(&[
        (
            "src/lib.rs",
            "mod util;\npub fn start() -> tokio::task::JoinHandle<()> { util::spawn_logged(async {}) }\n",
        ),
        (
            "src/util.rs",
            "use tokio::task::JoinHandle;
pub fn spawn_logged<F>(f: F) -> JoinHandle<()> {
    tokio::spawn(f)
}
pub fn spawn_bound(f: F) -> Option<smol::Task<()>> {
    let task = smol::spawn(f);
    Some(task)
}
pub struct Pool { tasks: Vec<JoinHandle<()>> }
impl Pool {
    pub fn spawn_tracked(&mut self, f: F) -> tokio::task::JoinHandle<()> {
        let handle = tokio::spawn(f);
        self.tasks.push(handle.clone());
        handle
    }
    pub fn not_a_wrapper(&self, h: JoinHandle<()>) -> JoinHandle<()> { h }
}
",
        ),
    ]);
    let wrapper = |callee: Callee| {
        resolve(&index, &callee)
            .and_then(|f| f.first())
            .and_then(|f| f.wrapper.clone())
    };
    let logged = wrapper(path(&[], &["util", "spawn_logged"])).expect("a wrapper");
    assert_eq!(logged.kind, HandleKind::TokioJoinHandle);
    assert_eq!(logged.location, "src/util.rs:3");
    assert!(!logged.keeps);
    let bound = wrapper(path(&[], &["util", "spawn_bound"])).expect("a wrapper");
    assert_eq!(bound.kind, HandleKind::AsyncTask);
    assert_eq!(bound.location, "src/util.rs:6");
    // A wrapper of a wrapper: the task comes from the call of the inner one.
    let start = wrapper(path(&[], &["start"])).expect("a wrapper");
    assert_eq!(start.location, "src/lib.rs:2");
    let tracked = wrapper(method("Pool", "spawn_tracked")).expect("a wrapper");
    assert!(tracked.keeps);
    assert!(wrapper(method("Pool", "not_a_wrapper")).is_none());
    assert!(resolve(&index, &method("Pool", "spawn_tracked"))
        .is_some_and(|f| f.unkept_task().is_none()));
}

#[test]
fn summaries_say_what_a_method_changes_and_what_its_result_reads() {
    let index = index(&[(
        "src/lib.rs",
        "
pub struct Pool { open: AtomicUsize, size: usize, checks: AtomicUsize, buffer: Mutex<Vec<u8>>, hits: u64 }
impl Pool {
    async fn check_ready(&self) -> bool {
        self.checks.fetch_add(1, Ordering::Relaxed);
        self.open.load(Ordering::Acquire) >= self.size
    }
    async fn drain(&self) -> Option<u8> {
        let mut buffer = self.buffer.lock().unwrap();
        buffer.pop()
    }
    fn touch(&mut self) { self.hits += 1; }
    fn refresh(&mut self) { self.touch(); RUNS.fetch_add(1, Ordering::Relaxed); self.size = 0; }
}
",
    )]);
    let summary = |name: &str| {
        resolve(&index, &method("Pool", name))
            .map(|f| f.summary())
            .expect("a method")
    };
    let places = |places: &[&str]| -> BTreeSet<Place> {
        places.iter().map(|place| (*place).to_owned()).collect()
    };
    let check = summary("check_ready");
    assert_eq!(check.writes, places(&["self.checks"]));
    assert_eq!(check.result_reads, places(&["self.open", "self.size"]));
    let drain = summary("drain");
    assert_eq!(drain.writes, places(&["self.buffer"]));
    assert_eq!(drain.result_reads, places(&["self.buffer"]));
    assert_eq!(
        summary("refresh").writes,
        places(&["RUNS", "self.hits", "self.size"])
    );
}

#[test]
fn two_definitions_of_one_name_are_merged() {
    let index = index(&[(
        "src/lib.rs",
        "
#[cfg(unix)]
pub async fn wait() {}
#[cfg(not(unix))]
pub async fn wait() { tokio::task::yield_now().await }
",
    )]);
    let wait = resolve(&index, &path(&[], &["wait"])).expect("resolved");
    assert!(wait.returns_future());
    assert!(!wait.never_suspends());
}

#[test]
fn files_that_do_not_parse_contribute_nothing() {
    let index = index(&[
        ("src/lib.rs", "fn broken( {"),
        ("src/ok.rs", "pub async fn f() {}"),
    ]);
    assert!(index.contains("src/lib.rs"));
    // The other files still make their modules.
    assert!(resolve(&index, &path(&[], &["ok", "f"])).is_some());
}

#[test]
fn a_file_without_async_code_gives_only_its_modules_and_imports() {
    let lib = "//! The root.\n\npub mod net;\npub(crate) use net::conn::{\n    connect as open,\n};\nmod tests {\n    use super::*;\n}\npub fn plain() {}\n";
    let index = index(&[
        ("src/lib.rs", lib),
        ("src/net/conn.rs", "pub async fn connect() {}\n"),
    ]);
    assert!(resolve(&index, &path(&[], &["open"])).is_some_and(|f| f.returns_future()));
    // The plain function of the skipped file is not indexed.
    assert!(resolve(&index, &path(&[], &["plain"])).is_none());
}

#[test]
fn a_type_name_defined_in_two_modules_names_no_method() {
    let index = index(&[
        ("src/lib.rs", "mod sync;\nmod loom;\n"),
        (
            "src/sync.rs",
            "pub struct Mutex;\nimpl Mutex { pub async fn lock(&self) {} }\n",
        ),
        (
            "src/loom.rs",
            "pub(crate) struct Mutex(std::sync::Mutex<()>);\nimpl Mutex { pub fn lock(&self) {} }\n",
        ),
    ]);
    assert!(resolve(&index, &method("Mutex", "lock")).is_none());
}
