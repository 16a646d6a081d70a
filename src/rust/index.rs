//! The Rust part of the project index: the functions of every crate of the run by module path
//! (methods by their `impl` type's name), with what the detectors need to know about a call of
//! one from another file:
//!
//! - whether it returns a future (`async fn`, `-> impl Future`), and whether that future may
//!   suspend when awaited: the least fixpoint of [`crate::index::suspension::may_suspend`] over
//!   the `async fn`s and the project futures each one awaits. Awaiting anything else (a runtime's
//!   timer, I/O, a channel, a join, a value of unknown origin) suspends; `std::future::ready` and
//!   the configured `never_suspend` functions do not;
//! - whether it is a *task wrapper*: it returns a task handle it spawned itself (or got from
//!   another wrapper), with the spawn's location, and whether it also keeps the handle;
//! - a summary of its effects ([`Summary`]): which fields of its receiver and which `static`s it
//!   changes, and which its result depends on (through the methods it calls on `self`).
//!
//! Paths resolve as in Rust, through the crate's modules: `crate::`, `self::`, `super::`, `use`
//! imports and renames, re-exports (`pub use`), globs of project modules, inline `mod`s, and the
//! package's library name from its tests and binaries (see `crates` for which crate a file is
//! in). Definitions of one name under two `#[cfg]`s (or in two `impl`s of types of one name) are
//! merged: what both say. A type name defined in two modules of a crate (tokio's async `Mutex`
//! and its sync one) names no method: which one a value has is not known. The configured
//! `ExternalFacts` name external functions by path.
//!
//! Facts are plain data ([`RustFileFacts`]), extracted from each file in parallel and joined by
//! [`RustIndex::build`]. A file whose text names nothing async (no `async`, future, `spawn`, task
//! handle type or runtime crate) can define no future and no wrapper: only its modules, imports
//! and types are kept. Its plain methods then have no summary, which only makes TL004 assume
//! that a call of one may change its receiver.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use super::api::{self, HandleKind};
use super::checker::{Checker, Project};
use super::crates::{self, FileScope};
use super::effects::{is_static_name, seen_from, Place, Summary};
use super::macros::MacroBodies;
use super::model::Model;
use crate::index::external::ExternalFacts;
use crate::index::suspension::{may_suspend, Coroutine};
use crate::source::SourceFile;

/// A call of a project function, as written, to be resolved once every file is known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Callee {
    /// `a::b(..)`, written in `module` (from the crate root), in an `impl` of `self_type`.
    Path {
        module: Vec<String>,
        self_type: Option<String>,
        segments: Vec<String>,
    },
    /// A method of a type of the crate, by the type's name.
    Method { owner: String, name: String },
}

/// Where a task wrapper's task comes from.
#[derive(Debug, Clone)]
pub enum TaskOrigin {
    /// A runtime's spawn, with the handle it returns.
    Spawn(HandleKind),
    /// Another function of the project (a wrapper, if it is one).
    Call(Callee),
}

/// A function that returns a task it created.
#[derive(Debug, Clone)]
pub struct WrapperFacts {
    pub origin: TaskOrigin,
    /// The 1-based line of the spawn (or of the call of the inner wrapper).
    pub line: usize,
    /// The function also stores the handle (a clone) in a field or a collection.
    pub keeps: bool,
}

/// An effect of a call whose callee is known only once the index is built.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallEffect {
    pub callee: Callee,
    /// The receiver's place, if it is a place of `self` or a `static`.
    pub receiver: Option<Place>,
    pub purpose: super::effects::Purpose,
    /// What applies if the callee is not a project function.
    pub fallback: Vec<Place>,
}

/// What one function of a file tells the index.
#[derive(Debug, Clone)]
pub struct FunctionFacts {
    /// From the crate root.
    pub module: Vec<String>,
    /// The type (or trait) of the `impl` the function is in.
    pub owner: Option<String>,
    pub name: String,
    /// 1-based line of the name.
    pub line: usize,
    pub returns_future: bool,
    pub has_receiver: bool,
    /// It awaits something that suspends (or whose origin is unknown) on some path.
    pub suspends_directly: bool,
    /// The calls it awaits that may be project futures.
    pub awaits: Vec<Callee>,
    pub wrapper: Option<WrapperFacts>,
    /// The places of `self` and the `static`s it changes itself, and those its result reads.
    pub summary: Summary,
    /// Effects of its calls of project functions.
    pub call_effects: Vec<CallEffect>,
}

/// One module of a file.
#[derive(Debug, Clone)]
struct ModuleFacts {
    /// From the crate root.
    path: Vec<String>,
    imports: Vec<(String, Vec<String>)>,
    globs: Vec<Vec<String>>,
    /// Modules declared with `mod name;`.
    declared: Vec<String>,
}

/// What one file contributes to the index: plain data, so files are read in parallel.
#[derive(Debug, Default, Clone)]
pub struct RustFileFacts {
    path: String,
    scope: Option<FileScope>,
    modules: Vec<ModuleFacts>,
    /// The types and traits the file defines, with their module from the crate root.
    types: Vec<(Vec<String>, String)>,
    functions: Vec<FunctionFacts>,
}

impl RustFileFacts {
    /// The crate the file is in (see [`FileScope::krate`]).
    pub(super) fn krate(&self) -> &str {
        self.scope.as_ref().map_or("", |scope| &scope.krate)
    }

    /// The facts of a file that does not parse: nothing but its path.
    pub(super) fn empty(source: &SourceFile) -> Self {
        RustFileFacts {
            path: source.path.clone(),
            ..RustFileFacts::default()
        }
    }
}

/// The facts of a parsed file. Without `functions`, only its modules and types: a file whose
/// text names nothing async defines no future and no task wrapper.
pub(super) fn facts_of(
    source: &SourceFile,
    file: &syn::File,
    model: &Model<'_>,
    functions: bool,
) -> RustFileFacts {
    let scope = crates::scope_of(&source.path);
    let modules = model
        .modules()
        .map(|view| {
            let mut imports: Vec<(String, Vec<String>)> = view
                .imports
                .iter()
                .map(|(name, target)| (name.clone(), target.clone()))
                .collect();
            imports.sort();
            ModuleFacts {
                path: scope.module.iter().chain(&view.path).cloned().collect(),
                imports,
                globs: view.globs.to_vec(),
                declared: view.declared.to_vec(),
            }
        })
        .collect();
    let functions = if functions {
        let empty = RustIndex::default();
        let project = Project {
            index: &empty,
            scope: &scope,
            asked: None,
        };
        // Macro bodies are not parsed for the index: a macro whose tokens hold `.await` suspends.
        let macros = MacroBodies::default();
        Checker::new(source, model, &macros, project).facts(file)
    } else {
        Vec::new()
    };
    let types = model
        .types()
        .map(|(module, name)| {
            let module = scope.module.iter().chain(&module).cloned().collect();
            (module, name.to_owned())
        })
        .collect();
    RustFileFacts {
        path: source.path.clone(),
        scope: Some(scope),
        modules,
        types,
        functions,
    }
}

/// Index of a function in [`RustIndex::functions`].
type FnId = usize;

/// A wrapper as the detectors see it.
#[derive(Debug, Clone)]
pub struct Wrapper {
    pub kind: HandleKind,
    /// `src/util.rs:12`: where the task is spawned.
    pub location: String,
    pub keeps: bool,
}

/// One function of the project.
#[derive(Debug, Clone)]
pub struct IndexedFn {
    /// `src/net.rs:12`: where it is defined.
    pub location: String,
    pub returns_future: bool,
    pub has_receiver: bool,
    pub may_suspend: bool,
    pub wrapper: Option<Wrapper>,
    pub summary: Summary,
}

#[derive(Debug, Default)]
struct ModuleTable {
    functions: FxHashMap<String, Vec<FnId>>,
    imports: FxHashMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    children: FxHashSet<String>,
}

#[derive(Debug, Default)]
struct CrateTable {
    modules: FxHashMap<Vec<String>, ModuleTable>,
    /// (type name, method name) → its definitions.
    methods: FxHashMap<(String, String), Vec<FnId>>,
    /// Type name → the module that defines it, `None` when two modules define one.
    types: FxHashMap<String, Option<Vec<String>>>,
    /// The names of the types with methods.
    owners: FxHashSet<String>,
}

/// The configured external functions, by path.
#[derive(Debug, Clone, Default)]
struct External {
    tasks: FxHashSet<String>,
    coroutines: FxHashSet<String>,
    always_suspend: FxHashSet<String>,
    never_suspend: FxHashSet<String>,
}

impl External {
    /// The last segment of every configured path (`spawn_tracked` for `rt::spawn_tracked`).
    fn last_segments(&self) -> impl Iterator<Item = String> + '_ {
        [&self.tasks, &self.coroutines]
            .into_iter()
            .flatten()
            .map(|path| path.rsplit([':', '.']).next().unwrap_or(path).to_owned())
    }

    fn new(facts: &ExternalFacts) -> Self {
        let set = |names: &[String]| names.iter().cloned().collect::<FxHashSet<String>>();
        External {
            tasks: set(&facts.task_functions),
            coroutines: set(&facts.coroutine_functions),
            always_suspend: set(&facts.always_suspend),
            never_suspend: set(&facts.never_suspend),
        }
    }
}

/// What a path or method resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolution {
    Functions(Vec<FnId>),
    External(String),
    Unknown,
}

/// What a call resolves to, for the detectors.
pub enum Target<'i> {
    /// Functions of the project (several definitions of one name are merged).
    Project(Merged<'i>),
    /// A path into a crate that is not part of the run.
    External(String),
    Unknown,
}

/// The definitions of one name, merged: what all of them say.
pub struct Merged<'i> {
    functions: Vec<&'i IndexedFn>,
}

impl<'i> Merged<'i> {
    fn all(&self, test: impl Fn(&IndexedFn) -> bool) -> bool {
        !self.functions.is_empty() && self.functions.iter().all(|f| test(f))
    }

    pub fn first(&self) -> Option<&'i IndexedFn> {
        self.functions.first().copied()
    }

    pub fn returns_future(&self) -> bool {
        self.all(|f| f.returns_future)
    }

    pub fn has_receiver(&self) -> bool {
        self.all(|f| f.has_receiver)
    }

    /// A future of it never suspends when awaited.
    pub fn never_suspends(&self) -> bool {
        self.all(|f| f.returns_future && !f.may_suspend)
    }

    /// The wrapper fact, if every definition returns a fresh task without keeping it.
    pub fn unkept_task(&self) -> Option<&'i Wrapper> {
        if !self.all(|f| f.wrapper.as_ref().is_some_and(|w| !w.keeps)) {
            return None;
        }
        self.first()?.wrapper.as_ref()
    }

    /// What a call of any of them changes and reads.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for function in &self.functions {
            summary
                .writes
                .extend(function.summary.writes.iter().cloned());
            summary
                .result_reads
                .extend(function.summary.result_reads.iter().cloned());
        }
        summary
    }
}

/// Project-wide facts about the Rust files of the run.
#[derive(Debug, Default)]
pub struct RustIndex {
    files: FxHashSet<String>,
    crates: FxHashMap<String, CrateTable>,
    /// Library name → the crate of its `src` folder (`None` when two packages share the name).
    libraries: FxHashMap<String, Option<String>>,
    functions: Vec<IndexedFn>,
    /// Crate → the names of its functions that return a future or a fresh task: a file that
    /// calls none of those its crate can reach, nor a configured function, and names nothing
    /// async, has nothing to report.
    work_creating_names: FxHashMap<String, FxHashSet<String>>,
    /// Crate → the crates of the run that its `use` items name.
    imported_crates: FxHashMap<String, Vec<String>>,
    /// The last segments of the configured task and coroutine functions.
    configured_names: FxHashSet<String>,
    external: External,
}

/// A call effect with the functions its callee resolves to (`None`: not a project function).
type ResolvedEffect<'e> = (Option<Vec<FnId>>, &'e CallEffect);

/// Limit on the steps of one path resolution (imports followed, modules entered).
const RESOLVE_STEPS: usize = 64;
/// Limit on the rounds of the summaries' fixpoint.
const SUMMARY_ROUNDS: usize = 16;

/// The state of one path resolution: the steps left, and the globs already searched for a name.
struct Search {
    steps: usize,
    globbed: FxHashSet<(String, Vec<String>, String)>,
}

impl Search {
    fn new() -> Self {
        Search {
            steps: RESOLVE_STEPS,
            globbed: FxHashSet::default(),
        }
    }
}
/// Over this many places, a summary says "all of `self`".
const SUMMARY_LIMIT: usize = 24;

impl RustIndex {
    /// Joins the facts of every file of the run.
    pub fn build(files: Vec<RustFileFacts>, external: &ExternalFacts) -> Self {
        Self::build_with(files, External::new(external))
    }

    fn build_with(files: Vec<RustFileFacts>, external: External) -> Self {
        let mut index = RustIndex {
            external,
            ..RustIndex::default()
        };
        // (id, crate, facts) of every function, for the joins below.
        let mut all: Vec<(FnId, String, FunctionFacts)> = Vec::new();
        for file in files {
            index.files.insert(file.path.clone());
            let Some(scope) = file.scope else {
                continue;
            };
            if let (Some(lib), true) = (&scope.lib_name, scope.krate.ends_with("#src")) {
                let entry = index
                    .libraries
                    .entry(lib.clone())
                    .or_insert_with(|| Some(scope.krate.clone()));
                if entry.as_ref() != Some(&scope.krate) {
                    *entry = None;
                }
            }
            let table = index.crates.entry(scope.krate.clone()).or_default();
            for (module, name) in file.types {
                let entry = table
                    .types
                    .entry(name)
                    .or_insert_with(|| Some(module.clone()));
                if entry.as_ref() != Some(&module) {
                    *entry = None;
                }
            }
            for module in file.modules {
                for depth in 0..module.path.len() {
                    let parent = table
                        .modules
                        .entry(module.path[..depth].to_vec())
                        .or_default();
                    parent.children.insert(module.path[depth].clone());
                }
                let entry = table.modules.entry(module.path).or_default();
                for (name, target) in module.imports {
                    entry.imports.entry(name).or_insert(target);
                }
                entry.globs.extend(module.globs);
                entry.children.extend(module.declared);
            }
            for function in file.functions {
                let id = index.functions.len();
                index.functions.push(IndexedFn {
                    location: format!("{}:{}", file.path, function.line),
                    returns_future: function.returns_future,
                    has_receiver: function.has_receiver,
                    may_suspend: true,
                    wrapper: None,
                    summary: Summary::default(),
                });
                if let Some(owner) = &function.owner {
                    table.owners.insert(owner.clone());
                }
                match &function.owner {
                    Some(owner) => table
                        .methods
                        .entry((owner.clone(), function.name.clone()))
                        .or_default()
                        .push(id),
                    None => table
                        .modules
                        .entry(function.module.clone())
                        .or_default()
                        .functions
                        .entry(function.name.clone())
                        .or_default()
                        .push(id),
                }
                all.push((id, scope.krate.clone(), function));
            }
        }
        index.settle_suspension(&all);
        index.settle_wrappers(&all);
        index.settle_summaries(&all);
        index.imported_crates = index.imported_crates();
        index.configured_names = index.external.last_segments().collect();
        for (id, krate, facts) in &all {
            let function = &index.functions[*id];
            if function.returns_future || function.wrapper.is_some() {
                let names = index.work_creating_names.entry(krate.clone()).or_default();
                names.insert(facts.name.clone());
            }
        }
        index
    }

    /// Whether a file of `krate` that calls `called` (the segments of called paths, and method
    /// names) may create a future or a task that the rules look at: one of the names is that
    /// of a function of the crate, or of a crate it reaches, that returns one, or of a
    /// configured function.
    pub fn may_create_work(&self, krate: &str, called: &[String]) -> bool {
        let named_libraries = called.iter().filter_map(|name| self.library(name));
        let reached = self.reached_crates(std::iter::once(krate).chain(named_libraries));
        called.iter().any(|name| {
            self.configured_names.contains(name)
                || reached.iter().any(|krate| {
                    self.work_creating_names
                        .get(*krate)
                        .is_some_and(|names| names.contains(name))
                })
        })
    }

    /// The crates from which `start` may import a function: themselves, and the crates their
    /// `use` items name, transitively.
    fn reached_crates<'s>(&'s self, start: impl Iterator<Item = &'s str>) -> FxHashSet<&'s str> {
        let mut reached = FxHashSet::default();
        let mut pending: Vec<&str> = start.collect();
        while let Some(krate) = pending.pop() {
            if !reached.insert(krate) {
                continue;
            }
            if let Some(imported) = self.imported_crates.get(krate) {
                pending.extend(imported.iter().map(String::as_str));
            }
        }
        reached
    }

    /// For each crate, the crates of the run that its `use` items (and globs) name.
    fn imported_crates(&self) -> FxHashMap<String, Vec<String>> {
        self.crates
            .iter()
            .map(|(krate, table)| {
                let imported: BTreeSet<String> = table
                    .modules
                    .values()
                    .flat_map(|module| module.imports.values().chain(&module.globs))
                    .filter_map(|path| self.library(path.first()?))
                    .map(str::to_owned)
                    .collect();
                (krate.clone(), imported.into_iter().collect())
            })
            .collect()
    }

    /// Whether the file at `path` was part of the index pass.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// An index of one more file, with this index's configuration (for a file linted alone).
    pub(super) fn alone(&self, facts: RustFileFacts) -> RustIndex {
        Self::build_with(vec![facts], self.external.clone())
    }

    /// Which `async fn`s may suspend.
    fn settle_suspension(&mut self, all: &[(FnId, String, FunctionFacts)]) {
        let mut graph: FxHashMap<FnId, Coroutine<FnId>> = FxHashMap::default();
        for (id, krate, facts) in all {
            if !facts.returns_future {
                continue;
            }
            let mut coroutine = Coroutine {
                suspends_directly: facts.suspends_directly,
                awaits: Vec::new(),
            };
            for callee in &facts.awaits {
                match self.resolve_callee(krate, callee) {
                    Resolution::Functions(ids) => {
                        let futures: Vec<FnId> = ids
                            .into_iter()
                            .filter(|id| self.functions[*id].returns_future)
                            .collect();
                        if futures.is_empty() {
                            coroutine.suspends_directly = true;
                        }
                        coroutine.awaits.extend(futures);
                    }
                    Resolution::External(path) if self.never_suspends_external(&path) => {}
                    Resolution::External(_) | Resolution::Unknown => {
                        coroutine.suspends_directly = true;
                    }
                }
            }
            graph.insert(*id, coroutine);
        }
        let suspending = may_suspend(&graph);
        for function in self.functions.iter_mut() {
            function.may_suspend = false;
        }
        for (id, _, facts) in all {
            self.functions[*id].may_suspend = !facts.returns_future || suspending.contains(id);
        }
    }

    /// Which functions return a task they created, through other wrappers too.
    fn settle_wrappers(&mut self, all: &[(FnId, String, FunctionFacts)]) {
        let path_of = |location: &str| {
            location
                .rsplit_once(':')
                .map_or(location, |(path, _)| path)
                .to_owned()
        };
        let mut pending: Vec<&(FnId, String, FunctionFacts)> = Vec::new();
        for entry in all {
            let (id, _, facts) = entry;
            let Some(wrapper) = &facts.wrapper else {
                continue;
            };
            match &wrapper.origin {
                TaskOrigin::Spawn(kind) => {
                    let location = format!(
                        "{}:{}",
                        path_of(&self.functions[*id].location),
                        wrapper.line
                    );
                    self.functions[*id].wrapper = Some(Wrapper {
                        kind: *kind,
                        location,
                        keeps: wrapper.keeps,
                    });
                }
                TaskOrigin::Call(_) => pending.push(entry),
            }
        }
        // A wrapper of a wrapper: each round settles one more level.
        loop {
            let mut settled = Vec::new();
            for (position, (id, krate, facts)) in pending.iter().enumerate() {
                let Some(WrapperFacts {
                    origin: TaskOrigin::Call(callee),
                    line,
                    keeps,
                }) = &facts.wrapper
                else {
                    continue;
                };
                let Resolution::Functions(ids) = self.resolve_callee(krate, callee) else {
                    continue;
                };
                let inner = Merged {
                    functions: ids.iter().map(|id| &self.functions[*id]).collect(),
                };
                if let Some(kind) = inner.unkept_task().map(|wrapper| wrapper.kind) {
                    let location = format!("{}:{line}", path_of(&self.functions[*id].location));
                    settled.push((position, *id, kind, location, *keeps));
                }
            }
            if settled.is_empty() {
                break;
            }
            for (position, id, kind, location, keeps) in settled.iter().rev() {
                self.functions[*id].wrapper = Some(Wrapper {
                    kind: *kind,
                    location: location.clone(),
                    keeps: *keeps,
                });
                pending.remove(*position);
            }
        }
    }

    /// What each function changes and what its result reads, through the functions it calls.
    fn settle_summaries(&mut self, all: &[(FnId, String, FunctionFacts)]) {
        for (id, _, facts) in all {
            self.functions[*id].summary = facts.summary.clone();
        }
        let resolved: Vec<Vec<ResolvedEffect<'_>>> = all
            .iter()
            .map(|(_, krate, facts)| {
                facts
                    .call_effects
                    .iter()
                    .map(|effect| match self.resolve_callee(krate, &effect.callee) {
                        Resolution::Functions(ids) => (Some(ids), effect),
                        _ => (None, effect),
                    })
                    .collect()
            })
            .collect();
        for _ in 0..SUMMARY_ROUNDS {
            let mut changed = false;
            for ((id, _, _), effects) in all.iter().zip(&resolved) {
                let mut summary = self.functions[*id].summary.clone();
                for (ids, effect) in effects {
                    let places = match ids {
                        Some(ids) => {
                            let merged = Merged {
                                functions: ids.iter().map(|id| &self.functions[*id]).collect(),
                            }
                            .summary();
                            let places = match effect.purpose {
                                super::effects::Purpose::Change => merged.writes,
                                super::effects::Purpose::Read => merged.result_reads,
                            };
                            seen_from(&places, effect.receiver.as_deref())
                        }
                        None => effect.fallback.clone(),
                    };
                    let into = match effect.purpose {
                        super::effects::Purpose::Change => &mut summary.writes,
                        super::effects::Purpose::Read => &mut summary.result_reads,
                    };
                    into.extend(places.into_iter().filter(|place| is_summary_place(place)));
                }
                limit(&mut summary.writes);
                limit(&mut summary.result_reads);
                if summary != self.functions[*id].summary {
                    self.functions[*id].summary = summary;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// What a call resolves to, from a file of crate `krate`.
    pub(super) fn target(&self, krate: &str, callee: &Callee) -> Target<'_> {
        match self.resolve_callee(krate, callee) {
            Resolution::Functions(ids) => Target::Project(Merged {
                functions: ids.iter().map(|id| &self.functions[*id]).collect(),
            }),
            Resolution::External(path) => Target::External(path),
            Resolution::Unknown => Target::Unknown,
        }
    }

    /// Whether a path starting with `first`, written in `module` of `krate`, may name a function
    /// of the project or a configured one: a quick test before resolving it. `single` says the
    /// path is that one name.
    pub(super) fn may_name_project(
        &self,
        krate: &str,
        module: &[String],
        first: &str,
        single: bool,
    ) -> bool {
        if matches!(first, "crate" | "self" | "super" | "Self") || self.library(first).is_some() {
            return true;
        }
        let configured = !self.external.tasks.is_empty()
            || !self.external.coroutines.is_empty()
            || !self.external.never_suspend.is_empty();
        if configured {
            return true;
        }
        let Some(table) = self.crates.get(krate) else {
            return false;
        };
        let in_scope = |scope: &ModuleTable| {
            scope.functions.contains_key(first)
                || scope.children.contains(first)
                || scope.imports.contains_key(first)
                || (single && !scope.globs.is_empty())
        };
        table.owners.contains(first) || table.modules.get(module).is_some_and(in_scope)
    }

    /// The configured external functions that return a task.
    pub(super) fn is_external_task(&self, path: &str) -> bool {
        self.external.tasks.contains(path)
    }

    /// The configured external functions that are `async fn`s.
    pub(super) fn is_external_coroutine(&self, path: &str) -> bool {
        self.external.coroutines.contains(path)
    }

    /// Whether awaiting a call of an external function never suspends: a ready future, or a
    /// function configured as never suspending (and not also as always suspending).
    pub(super) fn never_suspends_external(&self, path: &str) -> bool {
        (api::READY_FUTURES.contains(&path) || self.external.never_suspend.contains(path))
            && !self.external.always_suspend.contains(path)
    }

    /// Whether an external function is configured as never suspending (not a known ready
    /// future).
    pub(super) fn is_configured_never_suspending(&self, path: &str) -> bool {
        self.external.never_suspend.contains(path) && !api::READY_FUTURES.contains(&path)
    }

    fn resolve_callee(&self, krate: &str, callee: &Callee) -> Resolution {
        match callee {
            Callee::Method { owner, name } => self.method(krate, owner, name),
            Callee::Path {
                module,
                self_type,
                segments,
            } => match (
                segments.first().map(String::as_str),
                self_type,
                segments.len(),
            ) {
                (Some("Self"), Some(owner), 2) => self.method(krate, owner, &segments[1]),
                _ => self.resolve_in(krate, module, segments, &mut Search::new()),
            },
        }
    }

    fn method(&self, krate: &str, owner: &str, name: &str) -> Resolution {
        let Some(table) = self.crates.get(krate) else {
            return Resolution::Unknown;
        };
        if matches!(table.types.get(owner), Some(None)) {
            return Resolution::Unknown;
        }
        table
            .methods
            .get(&(owner.to_owned(), name.to_owned()))
            .map_or(Resolution::Unknown, |ids| {
                Resolution::Functions(ids.clone())
            })
    }

    /// The crate of a library of the run, by the name code uses for it.
    fn library(&self, name: &str) -> Option<&str> {
        self.libraries.get(name)?.as_deref()
    }

    /// Resolves `segments` written in `module` of `krate`.
    fn resolve_in(
        &self,
        krate: &str,
        module: &[String],
        segments: &[String],
        search: &mut Search,
    ) -> Resolution {
        let Some((first, rest)) = segments.split_first() else {
            return Resolution::Unknown;
        };
        let Some(table) = self.crates.get(krate) else {
            return Resolution::Unknown;
        };
        if search.steps == 0 {
            return Resolution::Unknown;
        }
        search.steps -= 1;
        match first.as_str() {
            "crate" => return self.resolve_in(krate, &[], rest, search),
            "self" => return self.resolve_in(krate, module, rest, search),
            "super" => {
                return match module.split_last() {
                    Some((_, parent)) => self.resolve_in(krate, parent, rest, search),
                    None => Resolution::Unknown,
                }
            }
            _ => {}
        }
        let scope = table.modules.get(module);
        if scope.is_none() && !module.is_empty() {
            // A module a test crate shares with the others (`mod common;`).
            if let Some(shared) = crates::shared_crate(krate) {
                return self.resolve_in(shared, module, segments, search);
            }
        }
        if let Some(scope) = scope {
            if rest.is_empty() {
                if let Some(ids) = scope.functions.get(first) {
                    return Resolution::Functions(ids.clone());
                }
            } else if scope.children.contains(first) {
                let child: Vec<String> = module.iter().chain([first]).cloned().collect();
                return self.resolve_in(krate, &child, rest, search);
            }
            if let Some(target) = scope.imports.get(first) {
                let full: Vec<String> = target.iter().chain(rest).cloned().collect();
                return self.resolve_import(krate, module, &full, search);
            }
        }
        if let [name] = rest {
            if let found @ Resolution::Functions(_) = self.method(krate, first, name) {
                return found;
            }
        }
        if let (Some(scope), true) = (scope, rest.is_empty()) {
            // Each glob of a module is searched once for a name (glob re-exports form cycles).
            let key = (krate.to_owned(), module.to_vec(), first.clone());
            if !search.globbed.insert(key) {
                return Resolution::Unknown;
            }
            for glob in &scope.globs {
                let path: Vec<String> = glob.iter().chain([first]).cloned().collect();
                if let found @ Resolution::Functions(_) =
                    self.resolve_import(krate, module, &path, search)
                {
                    return found;
                }
            }
            return Resolution::Unknown;
        }
        if let Some(library) = self.library(first) {
            return self.resolve_in(library, &[], rest, search);
        }
        Resolution::External(api::canonical(&segments.join("::")))
    }

    /// An import's target, from the module that declares it.
    fn resolve_import(
        &self,
        krate: &str,
        module: &[String],
        target: &[String],
        search: &mut Search,
    ) -> Resolution {
        let Some(first) = target.first() else {
            return Resolution::Unknown;
        };
        let local = matches!(first.as_str(), "crate" | "self" | "super")
            || self
                .crates
                .get(krate)
                .and_then(|table| table.modules.get(module))
                .is_some_and(|scope| {
                    scope.children.contains(first)
                        || (target.len() == 1 && scope.functions.contains_key(first))
                });
        if local {
            return self.resolve_in(krate, module, target, search);
        }
        if let Some(library) = self.library(first) {
            return self.resolve_in(library, &[], &target[1..], search);
        }
        Resolution::External(api::canonical(&target.join("::")))
    }
}

/// A place a summary keeps: one of `self`, or a `static` (not a local of the function).
pub(super) fn is_summary_place(place: &str) -> bool {
    place == "self"
        || place.starts_with("self.")
        || place.split('.').next().is_some_and(is_static_name)
}

/// Over [`SUMMARY_LIMIT`] places, the places of `self` become `self` as a whole.
fn limit(places: &mut BTreeSet<Place>) {
    if places.len() > SUMMARY_LIMIT {
        places.retain(|place| !place.starts_with("self"));
        places.insert("self".to_owned());
    }
}

#[cfg(test)]
mod tests;
