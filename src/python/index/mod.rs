//! The Python part of the project index: every module of the run by its dotted name, the
//! coroutine functions and task wrappers it defines (functions by name, methods by class), and
//! which coroutines may suspend.
//!
//! Built from the facts of every file ([`extract`]) before the rules run. A reference in one
//! module ([`Reference`]) resolves across the project: absolute imports through the module names
//! (see [`modules`]), relative imports against the importing module's package, re-exports
//! through a package's imports, methods through the class's bases defined in the project, and
//! `self.method()` to every override in the project's subclasses too.
//!
//! Suspension ([`crate::index::suspension`]): a coroutine may suspend when it awaits anything
//! but project coroutines (a future, a task, asyncio's primitives, an awaitable of unknown
//! origin), or a project coroutine that may suspend. Stubs, abstract methods and placeholder
//! bodies (`...`, `pass`, `raise NotImplementedError`) say nothing about what overrides do, so
//! they may suspend. A task wrapper is a plain function that returns a task it creates
//! (`create_task`, `ensure_future`, `loop.create_task`) without keeping it, or returns what a
//! task wrapper returns.

mod configured;
mod facts;
mod modules;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

pub use facts::{extract, PythonFileFacts};

use self::configured::{ConfiguredNames, NameSet};
use self::facts::{FunctionKind, Site};
use self::modules::{absolute_name, module_names, ModuleName};
use super::resolve::Reference;
use crate::index::external::ExternalFacts;
use crate::index::suspension::{may_suspend, Coroutine};

/// A module of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleId(usize);

type FunctionId = usize;
type ClassId = usize;

/// What calling a function known to the index returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    /// A coroutine object: a project coroutine function, or a configured one.
    Coroutine,
    /// A fresh task that nothing keeps: created at `Some(site)` by a project task wrapper, or by
    /// a configured task function.
    Task(Option<TaskSite>),
}

/// Where a task wrapper creates the task it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSite {
    /// The path of the file, as reported.
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// The byte range of the creating call in that file.
    pub range: Range<usize>,
}

/// What awaiting a call does, as far as the index knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Awaiting {
    /// It may suspend (or its origin is unknown).
    Suspends,
    /// It runs a coroutine inline that never suspends: a project coroutine defined at
    /// `Some(definition)`, or one the configuration says never suspends.
    Inline(Option<Definition>),
}

/// Where a project function is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Its name (`refresh`).
    pub name: String,
    /// The path of its file, as reported.
    pub path: String,
    /// 1-based line of its name.
    pub line: usize,
}

/// Project-wide facts about the Python files of the run.
#[derive(Debug, Default)]
pub struct PythonIndex {
    modules: Vec<IndexedModule>,
    by_path: HashMap<String, ModuleId>,
    by_name: HashMap<String, Vec<ModuleId>>,
    /// The first part of every module name: an absolute name starting otherwise is not in the
    /// project.
    top_level: HashSet<String>,
    functions: Vec<IndexedFunction>,
    classes: Vec<IndexedClass>,
    /// The coroutines that may suspend.
    suspending: HashSet<FunctionId>,
    /// The task wrappers, with the site of the task they return.
    wrappers: HashMap<FunctionId, TaskSite>,
    /// For each function, the state it changes that outlives the call, itself or through the
    /// functions it calls.
    changes: Vec<Vec<String>>,
    configured: ConfiguredNames,
}

#[derive(Debug)]
struct IndexedModule {
    path: String,
    name: Option<ModuleName>,
    is_stub: bool,
    imports: HashMap<String, String>,
    /// Functions and methods by their dotted path in the module.
    functions: HashMap<String, FunctionId>,
    /// Classes by their dotted path in the module.
    classes: HashMap<String, ClassId>,
}

#[derive(Debug)]
struct IndexedFunction {
    module: ModuleId,
    /// Its dotted path in the module.
    path: String,
    line: usize,
    kind: FunctionKind,
    /// The functions of its module and methods of `self` it calls.
    calls: Vec<Reference>,
}

#[derive(Debug, Default)]
struct IndexedClass {
    /// Resolved bases, in order; `None` for a base outside the project.
    bases: Vec<Option<ClassId>>,
    methods: HashMap<String, FunctionId>,
    /// The classes that name this one as a base.
    subclasses: Vec<ClassId>,
}

/// What a definition found by name is.
#[derive(Debug, Clone, Copy)]
enum Target {
    Module,
    Function(FunctionId),
    Class(ClassId),
}

/// The outcome of looking a method up through a class and its bases.
enum Lookup {
    Found(FunctionId),
    /// No class of the lookup defines it, and all of them are in the project.
    Missing,
    /// A base outside the project may define it.
    Unknown,
}

/// Whether a changed chain is an attribute of the instance or class (`self.state`) rather than
/// a global.
fn is_self_chain(chain: &str) -> bool {
    let root = chain.split('.').next().unwrap_or_default();
    matches!(root, "self" | "cls")
}

/// How deep re-exports and bases are followed.
const MAX_DEPTH: usize = 16;

impl PythonIndex {
    /// Joins the facts of every file of the run.
    pub fn build(files: Vec<PythonFileFacts>, external: &ExternalFacts) -> Self {
        let paths: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
        let names = module_names(&paths);
        let mut index = PythonIndex {
            configured: ConfiguredNames::new(external),
            ..PythonIndex::default()
        };
        let mut bases = Vec::new();
        for (file, name) in files.into_iter().zip(names) {
            let module = ModuleId(index.modules.len());
            if let Some(name) = &name {
                index
                    .by_name
                    .entry(name.name.clone())
                    .or_default()
                    .push(module);
                let top = name.name.split('.').next().unwrap_or_default();
                index.top_level.insert(top.to_owned());
            }
            index.by_path.insert(file.path.clone(), module);
            let mut indexed = IndexedModule {
                path: file.path,
                name,
                is_stub: file.is_stub,
                imports: file.imports.into_iter().collect(),
                functions: HashMap::new(),
                classes: HashMap::new(),
            };
            for class in file.classes {
                let id = index.classes.len();
                index.classes.push(IndexedClass::default());
                indexed.classes.insert(class.path, id);
                bases.push((module, id, class.bases));
            }
            for function in file.functions {
                let id = index.functions.len();
                if let Some((class, method)) = function.path.rsplit_once('.') {
                    if let Some(&class) = indexed.classes.get(class) {
                        index.classes[class].methods.insert(method.to_owned(), id);
                    }
                }
                indexed.functions.insert(function.path.clone(), id);
                index.changes.push(function.changes);
                index.functions.push(IndexedFunction {
                    module,
                    path: function.path,
                    line: function.line,
                    kind: function.kind,
                    calls: function.calls,
                });
            }
            index.modules.push(indexed);
        }
        for (module, class, class_bases) in bases {
            let resolved: Vec<Option<ClassId>> = class_bases
                .iter()
                .map(|base| match index.resolve(module, base.as_ref()?) {
                    Some(Target::Class(base)) => Some(base),
                    _ => None,
                })
                .collect();
            for base in resolved.iter().flatten() {
                index.classes[*base].subclasses.push(class);
            }
            index.classes[class].bases = resolved;
        }
        index.suspending = index.find_suspending();
        index.wrappers = index.find_wrappers();
        index.changes = index.inherit_changes();
        index
    }

    /// The module of the file reported under `path`, if it is part of the index.
    pub fn module_id(&self, path: &str) -> Option<ModuleId> {
        self.by_path.get(path).copied()
    }

    /// What a call of `reference` (in module `from`) returns, when the configuration or the
    /// project knows.
    pub fn returns(&self, from: ModuleId, reference: &Reference) -> Option<Returns> {
        if self.is_configured(&self.configured.task_functions, from, reference) {
            return Some(Returns::Task(None));
        }
        if self.is_configured(&self.configured.coroutine_functions, from, reference) {
            return Some(Returns::Coroutine);
        }
        let candidates = self.candidates(from, reference)?;
        if candidates.iter().all(|id| self.is_coroutine(*id)) {
            return Some(Returns::Coroutine);
        }
        let sites: Vec<&TaskSite> = candidates
            .iter()
            .filter_map(|id| self.wrappers.get(id))
            .collect();
        (sites.len() == candidates.len())
            .then(|| Returns::Task(sites.first().map(|site| (*site).clone())))
    }

    /// What awaiting a call of `reference` (in module `from`) does.
    pub fn awaiting(&self, from: ModuleId, reference: &Reference) -> Awaiting {
        if self.is_configured(&self.configured.always_suspend, from, reference) {
            return Awaiting::Suspends;
        }
        if self.is_configured(&self.configured.never_suspend, from, reference) {
            return Awaiting::Inline(None);
        }
        match self.awaited_coroutines(from, reference) {
            Some(candidates) if !candidates.iter().any(|id| self.suspending.contains(id)) => {
                Awaiting::Inline(candidates.first().map(|id| self.definition(*id)))
            }
            _ => Awaiting::Suspends,
        }
    }

    /// The state a call of `reference` (in module `from`) changes that the caller sees: the
    /// `self` attributes a method called on `self` changes, the globals a function of this
    /// module changes.
    pub fn changes(&self, from: ModuleId, reference: &Reference) -> Vec<String> {
        let on_self = match reference {
            Reference::SelfMethod { .. } | Reference::SuperMethod { .. } => true,
            Reference::InModule(_) => false,
            Reference::Imported(_) | Reference::AnyMethod(_) => return Vec::new(),
        };
        let mut changes = Vec::new();
        for id in self.candidates(from, reference).unwrap_or_default() {
            for chain in &self.changes[id] {
                if is_self_chain(chain) == on_self && !changes.contains(chain) {
                    changes.push(chain.clone());
                }
            }
        }
        changes
    }

    fn definition(&self, id: FunctionId) -> Definition {
        let function = &self.functions[id];
        let name = function
            .path
            .rsplit_once('.')
            .map_or(function.path.as_str(), |(_, name)| name);
        Definition {
            name: name.to_owned(),
            path: self.modules[function.module.0].path.clone(),
            line: function.line,
        }
    }

    fn is_coroutine(&self, id: FunctionId) -> bool {
        matches!(self.functions[id].kind, FunctionKind::Coroutine(_))
    }

    /// The project coroutines an awaited call of `reference` may run: `None` unless all of its
    /// candidates are coroutines.
    fn awaited_coroutines(&self, from: ModuleId, reference: &Reference) -> Option<Vec<FunctionId>> {
        self.candidates(from, reference)
            .filter(|candidates| candidates.iter().all(|id| self.is_coroutine(*id)))
    }

    /// The project functions a call of `reference` in module `from` may run: one, or for
    /// `self.method()` the method and its overrides in subclasses. `None` when it is not a
    /// project function, or a base outside the project may define it.
    fn candidates(&self, from: ModuleId, reference: &Reference) -> Option<Vec<FunctionId>> {
        let module = &self.modules[from.0];
        match reference {
            Reference::InModule(_) | Reference::Imported(_) => {
                match self.resolve(from, reference)? {
                    Target::Function(id) => Some(vec![id]),
                    Target::Module | Target::Class(_) => None,
                }
            }
            Reference::SelfMethod { class, method } => {
                let class = *module.classes.get(class)?;
                let Lookup::Found(found) = self.lookup_method(class, method, 0) else {
                    return None;
                };
                let mut candidates = vec![found];
                let mut pending = self.classes[class].subclasses.clone();
                let mut seen: HashSet<ClassId> = HashSet::from([class]);
                while let Some(subclass) = pending.pop() {
                    if !seen.insert(subclass) {
                        continue;
                    }
                    let subclass = &self.classes[subclass];
                    if let Some(&id) = subclass.methods.get(method.as_str()) {
                        candidates.push(id);
                    }
                    pending.extend(subclass.subclasses.iter().copied());
                }
                Some(candidates)
            }
            Reference::SuperMethod { class, method } => {
                let class = *module.classes.get(class)?;
                for base in &self.classes[class].bases {
                    match self.lookup_method((*base)?, method, 0) {
                        Lookup::Found(id) => return Some(vec![id]),
                        Lookup::Missing => continue,
                        Lookup::Unknown => return None,
                    }
                }
                None
            }
            Reference::AnyMethod(_) => None,
        }
    }

    /// A method of `class` or of its bases, in order.
    fn lookup_method(&self, class: ClassId, method: &str, depth: usize) -> Lookup {
        let class = &self.classes[class];
        if let Some(&id) = class.methods.get(method) {
            return Lookup::Found(id);
        }
        if depth > MAX_DEPTH {
            return Lookup::Unknown;
        }
        for base in &class.bases {
            let Some(base) = base else {
                return Lookup::Unknown;
            };
            match self.lookup_method(*base, method, depth + 1) {
                Lookup::Missing => continue,
                found_or_unknown => return found_or_unknown,
            }
        }
        Lookup::Missing
    }

    /// What a module-level or imported reference names in the project.
    fn resolve(&self, from: ModuleId, reference: &Reference) -> Option<Target> {
        match reference {
            Reference::InModule(path) => self.resolve_in_module(from, path, 0),
            Reference::Imported(name) => {
                let absolute = self.absolute(from, name)?;
                self.resolve_absolute(from, &absolute, 0)
            }
            _ => None,
        }
    }

    /// The absolute dotted name of `name` imported in module `from`, if it may be in the
    /// project.
    fn absolute(&self, from: ModuleId, name: &str) -> Option<String> {
        if !name.starts_with('.') {
            let top = name.split('.').next().unwrap_or_default();
            return self.top_level.contains(top).then(|| name.to_owned());
        }
        let package = self.modules[from.0].name.as_ref()?.package();
        absolute_name(package, name)
    }

    /// Resolves an absolute dotted name: the longest module name that starts it, then the rest
    /// in that module.
    fn resolve_absolute(&self, from: ModuleId, name: &str, depth: usize) -> Option<Target> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut split = name.len();
        loop {
            let (module_name, rest) = (&name[..split], name.get(split + 1..).unwrap_or(""));
            if let Some(module) = self.closest_module(from, module_name) {
                if let Some(target) = self.resolve_in_module(module, rest, depth) {
                    return Some(target);
                }
            }
            split = name[..split].rfind('.')?;
        }
    }

    /// A dotted path (`spawn`, `Cache.refresh`, empty for the module itself) in a module,
    /// following the module's imports for names it imports from elsewhere.
    fn resolve_in_module(&self, module: ModuleId, path: &str, depth: usize) -> Option<Target> {
        if path.is_empty() {
            return Some(Target::Module);
        }
        let indexed = &self.modules[module.0];
        if let Some(&id) = indexed.functions.get(path) {
            return Some(Target::Function(id));
        }
        if let Some(&id) = indexed.classes.get(path) {
            return Some(Target::Class(id));
        }
        if let Some((class, method)) = path.rsplit_once('.') {
            if let Some(&class) = indexed.classes.get(class) {
                return match self.lookup_method(class, method, 0) {
                    Lookup::Found(id) => Some(Target::Function(id)),
                    Lookup::Missing | Lookup::Unknown => None,
                };
            }
        }
        let (first, rest) = path.split_once('.').unwrap_or((path, ""));
        let imported = indexed.imports.get(first)?;
        let package = indexed.name.as_ref().map_or("", ModuleName::package);
        let absolute = absolute_name(package, imported)?;
        let full = if rest.is_empty() {
            absolute
        } else {
            format!("{absolute}.{rest}")
        };
        self.resolve_absolute(module, &full, depth + 1)
    }

    /// The module named `name`; when several files of the run have that name (unrelated
    /// projects, test folders), the one nearest to module `from` on disk, a source file before
    /// a stub.
    fn closest_module(&self, from: ModuleId, name: &str) -> Option<ModuleId> {
        let candidates = self.by_name.get(name)?;
        if let [only] = candidates.as_slice() {
            return Some(*only);
        }
        let from_path = &self.modules[from.0].path;
        candidates.iter().copied().max_by_key(|candidate| {
            let module = &self.modules[candidate.0];
            let shared = from_path
                .split(['/', '\\'])
                .zip(module.path.split(['/', '\\']))
                .take_while(|(a, b)| a == b)
                .count();
            (shared, !module.is_stub)
        })
    }

    /// Whether a configured list names what `reference` calls.
    fn is_configured(&self, names: &NameSet, from: ModuleId, reference: &Reference) -> bool {
        if names.is_empty() {
            return false;
        }
        match reference {
            Reference::Imported(name) => {
                let package = self.modules[from.0]
                    .name
                    .as_ref()
                    .map_or("", ModuleName::package);
                absolute_name(package, name).is_some_and(|name| names.has_name(&name))
            }
            Reference::InModule(path) => self.modules[from.0]
                .name
                .as_ref()
                .is_some_and(|module| names.has_name(&format!("{}.{path}", module.name))),
            Reference::SelfMethod { method, .. }
            | Reference::SuperMethod { method, .. }
            | Reference::AnyMethod(method) => names.has_method(method),
        }
    }

    /// The absolute dotted name of a function (`shop.cache.Cache.refresh`).
    fn function_name(&self, id: FunctionId) -> Option<String> {
        let function = &self.functions[id];
        let module = self.modules[function.module.0].name.as_ref()?;
        Some(format!("{}.{}", module.name, function.path))
    }

    /// The suspension fixpoint over the project's coroutines.
    fn find_suspending(&self) -> HashSet<FunctionId> {
        let configured = |names: &NameSet, id: FunctionId| {
            !names.is_empty()
                && self
                    .function_name(id)
                    .is_some_and(|name| names.has_name(&name))
        };
        let mut graph: HashMap<FunctionId, Coroutine<FunctionId>> = HashMap::new();
        for (id, function) in self.functions.iter().enumerate() {
            let FunctionKind::Coroutine(facts) = &function.kind else {
                continue;
            };
            if configured(&self.configured.never_suspend, id) {
                graph.insert(id, Coroutine::default());
                continue;
            }
            let mut coroutine = Coroutine {
                suspends_directly: facts.suspends_directly
                    || configured(&self.configured.always_suspend, id),
                awaits: Vec::new(),
            };
            for reference in &facts.awaits {
                if self.is_configured(&self.configured.always_suspend, function.module, reference) {
                    coroutine.suspends_directly = true;
                } else if self.is_configured(
                    &self.configured.never_suspend,
                    function.module,
                    reference,
                ) {
                    continue;
                } else {
                    match self.awaited_coroutines(function.module, reference) {
                        Some(callees) => coroutine.awaits.extend(callees),
                        None => coroutine.suspends_directly = true,
                    }
                }
            }
            graph.insert(id, coroutine);
        }
        may_suspend(&graph)
    }

    /// Each function's changes, with those of the functions it calls: `self` attributes through
    /// calls on `self`, globals through calls of the module's functions (a fixpoint).
    fn inherit_changes(&self) -> Vec<Vec<String>> {
        let mut changes = self.changes.clone();
        let mut callers: Vec<Vec<(FunctionId, bool)>> = vec![Vec::new(); self.functions.len()];
        for (caller, function) in self.functions.iter().enumerate() {
            for reference in &function.calls {
                let on_self = !matches!(reference, Reference::InModule(_));
                let callees = self.candidates(function.module, reference);
                for callee in callees.unwrap_or_default() {
                    callers[callee].push((caller, on_self));
                }
            }
        }
        let mut pending: Vec<FunctionId> = (0..changes.len())
            .filter(|id| !changes[*id].is_empty())
            .collect();
        while let Some(callee) = pending.pop() {
            for &(caller, on_self) in &callers[callee] {
                let inherited: Vec<String> = changes[callee]
                    .iter()
                    .filter(|chain| is_self_chain(chain) == on_self)
                    .filter(|chain| !changes[caller].contains(chain))
                    .cloned()
                    .collect();
                if !inherited.is_empty() {
                    changes[caller].extend(inherited);
                    pending.push(caller);
                }
            }
        }
        changes
    }

    /// The task wrappers: functions returning a task they create and do not keep, then
    /// (to a fixpoint) functions returning what a wrapper or a configured task function
    /// returns.
    fn find_wrappers(&self) -> HashMap<FunctionId, TaskSite> {
        let site_in = |id: FunctionId, site: &Site| TaskSite {
            path: self.modules[self.functions[id].module.0].path.clone(),
            line: site.line,
            range: site.range.clone(),
        };
        let mut wrappers: HashMap<FunctionId, TaskSite> = HashMap::new();
        for (id, function) in self.functions.iter().enumerate() {
            if let FunctionKind::ReturnsCalls(returned) = &function.kind {
                if let Some(site) = &returned.created_task {
                    wrappers.insert(id, site_in(id, site));
                }
            }
        }
        loop {
            let mut found = Vec::new();
            for (id, function) in self.functions.iter().enumerate() {
                let FunctionKind::ReturnsCalls(returned) = &function.kind else {
                    continue;
                };
                if wrappers.contains_key(&id) {
                    continue;
                }
                for (reference, site) in &returned.calls {
                    if self.is_configured(
                        &self.configured.task_functions,
                        function.module,
                        reference,
                    ) {
                        found.push((id, site_in(id, site)));
                        break;
                    }
                    let inner = self.candidates(function.module, reference);
                    let inner_site = inner.as_ref().and_then(|inner| {
                        let sites: Vec<&TaskSite> =
                            inner.iter().filter_map(|id| wrappers.get(id)).collect();
                        (sites.len() == inner.len())
                            .then(|| sites.first().copied())
                            .flatten()
                    });
                    if let Some(inner_site) = inner_site {
                        found.push((id, inner_site.clone()));
                        break;
                    }
                }
            }
            if found.is_empty() {
                return wrappers;
            }
            wrappers.extend(found);
        }
    }
}
