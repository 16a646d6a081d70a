//! The Python part of the project index: every module of the run by its dotted name, the
//! coroutine functions and task wrappers it defines (functions by name, methods by class), and
//! which coroutines may suspend.
//!
//! Built from the facts of every file ([`extract`]) before the rules run: each module's first
//! pass builds the index of the module alone ([`PythonIndex::of_module`]), which the project's
//! index then links with the others ([`PythonIndex::join`]). A reference in one
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
//!
//! What a call changes that its caller sees (the `self` attributes of a method called on
//! `self`, the globals of a function of the same module) is followed through the functions it
//! calls when TL004 asks. Resolution is bounded: re-export chains and base classes by a number
//! of steps, and a method overridden across more than 64 subclasses (a framework's base class)
//! counts as unknown.

mod configured;
mod facts;
mod modules;
mod view;

use std::ops::Range;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

pub use facts::{extract, PythonFileFacts};
pub use view::{Asked, ModuleView, Recorder};

use self::configured::{ConfiguredNames, NameSet};
use self::facts::{FunctionKind, Site};
pub use self::modules::TopLevel;
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
    by_path: FxHashMap<String, ModuleId>,
    by_name: FxHashMap<String, Vec<ModuleId>>,
    /// The first part of every module name: an absolute name starting otherwise is not in the
    /// project.
    top_level: TopLevel,
    functions: Vec<IndexedFunction>,
    classes: Vec<IndexedClass>,
    /// The coroutines that may suspend.
    suspending: FxHashSet<FunctionId>,
    /// The task wrappers, with the site of the task they return.
    wrappers: FxHashMap<FunctionId, TaskSite>,
    /// For each function, the state it changes itself that outlives the call.
    changes: Vec<Vec<String>>,
    configured: ConfiguredNames,
}

#[derive(Debug)]
struct IndexedModule {
    path: String,
    name: Option<ModuleName>,
    is_stub: bool,
    imports: FxHashMap<String, String>,
    /// Functions and methods by their dotted path in the module.
    functions: FxHashMap<String, FunctionId>,
    /// Classes by their dotted path in the module.
    classes: FxHashMap<String, ClassId>,
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
    /// Its bases as written, in order; `None` for one that names no definition.
    written_bases: Vec<Option<Reference>>,
    /// Resolved bases, in order; `None` for a base outside the project.
    bases: Vec<Option<ClassId>>,
    methods: FxHashMap<String, FunctionId>,
    /// The classes that name this one as a base.
    subclasses: Vec<ClassId>,
}

/// One module's part of the index, its functions and classes numbered from 0, before it is
/// linked with the others.
#[derive(Debug)]
struct ModulePart {
    module: IndexedModule,
    functions: Vec<IndexedFunction>,
    changes: Vec<Vec<String>>,
    classes: Vec<IndexedClass>,
}

impl ModulePart {
    /// The part of `file`. Its module name and module number are given when it is linked.
    fn new(file: PythonFileFacts) -> Self {
        let mut module = IndexedModule {
            path: file.path,
            name: None,
            is_stub: file.is_stub,
            imports: file.imports.into_iter().collect(),
            functions: FxHashMap::with_capacity_and_hasher(
                file.functions.len(),
                Default::default(),
            ),
            classes: FxHashMap::with_capacity_and_hasher(file.classes.len(), Default::default()),
        };
        let mut classes = Vec::with_capacity(file.classes.len());
        for (class_id, class) in file.classes.into_iter().enumerate() {
            module.classes.insert(class.path, class_id);
            classes.push(IndexedClass {
                written_bases: class.bases,
                ..IndexedClass::default()
            });
        }
        let mut functions = Vec::with_capacity(file.functions.len());
        let mut changes = Vec::with_capacity(file.functions.len());
        for (function_id, function) in file.functions.into_iter().enumerate() {
            if let Some((class, method)) = function.path.rsplit_once('.') {
                if let Some(&class) = module.classes.get(class) {
                    let methods = &mut classes[class].methods;
                    methods.insert(method.to_owned(), function_id);
                }
            }
            module.functions.insert(function.path.clone(), function_id);
            changes.push(function.changes);
            functions.push(IndexedFunction {
                module: ModuleId(0),
                path: function.path,
                line: function.line,
                kind: function.kind,
                calls: function.calls,
            });
        }
        ModulePart {
            module,
            functions,
            changes,
            classes,
        }
    }

    /// Makes this part module `id` of an index where its functions and classes start at
    /// `first_function` and `first_class`, with the module's `name`.
    fn place(
        &mut self,
        id: ModuleId,
        name: Option<ModuleName>,
        (first_function, first_class): (FunctionId, ClassId),
    ) {
        self.module.name = name;
        for function_id in self.module.functions.values_mut() {
            *function_id += first_function;
        }
        for class_id in self.module.classes.values_mut() {
            *class_id += first_class;
        }
        for class in &mut self.classes {
            for function_id in class.methods.values_mut() {
                *function_id += first_function;
            }
        }
        for function in &mut self.functions {
            function.module = id;
        }
    }
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

/// The last part of a dotted name (`fetch` of `jobs.Client.fetch`).
fn last_part(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or_default()
}

/// How many modules one name resolution may look into (re-exports can form cycles).
const RESOLUTION_STEPS: usize = 24;
/// How many classes one method lookup may look into (bases can form diamonds).
const LOOKUP_STEPS: usize = 64;
/// How many subclasses may override a method called on `self`.
const OVERRIDE_STEPS: usize = 64;
/// How many functions the changes of one call may gather, through the functions it calls.
const CHANGE_STEPS: usize = 256;

/// The fewest items (modules, classes, functions) worth sharing out between threads: an index
/// of one module, built on the first pass's thread of that module, works through them alone.
const PARALLEL_MIN_ITEMS: usize = 256;

/// What one resolution may still spend.
struct Budget(usize);

impl Budget {
    /// Takes one step, if any is left.
    fn spend(&mut self) -> bool {
        let left = self.0 > 0;
        self.0 = self.0.saturating_sub(1);
        left
    }
}

impl PythonIndex {
    /// The index of one module on its own, with the facts of the configuration: what the
    /// first pass checks the module against (see [`view`]), and the module's part of the
    /// project's index ([`PythonIndex::join`]).
    pub fn of_module(file: PythonFileFacts, external: &ExternalFacts) -> Self {
        PythonIndex::link(vec![ModulePart::new(file)], external)
    }

    /// The project's index: the indexes of its modules ([`PythonIndex::of_module`]) linked
    /// together.
    pub fn join(modules: Vec<PythonIndex>, external: &ExternalFacts) -> Self {
        let parts = modules
            .into_par_iter()
            .map(PythonIndex::into_part)
            .collect();
        let mut index = PythonIndex::link(parts, external);
        // What the fixpoints read is not needed any more.
        index
            .functions
            .par_iter_mut()
            .for_each(|function| function.kind.settled());
        index
    }

    /// The part of the one module of an index built by [`PythonIndex::of_module`], its
    /// functions and classes numbered from 0 as they are there, without the links between its
    /// classes (linking finds them again among all the modules).
    fn into_part(self) -> ModulePart {
        let [module] = <[IndexedModule; 1]>::try_from(self.modules)
            .expect("an index of one module, from `PythonIndex::of_module`");
        let mut classes = self.classes;
        for class in &mut classes {
            class.bases.clear();
            class.subclasses.clear();
        }
        ModulePart {
            module,
            functions: self.functions,
            changes: self.changes,
            classes,
        }
    }

    /// Links the parts of the modules of the run: names the modules, resolves the classes'
    /// bases across them and runs the fixpoints.
    fn link(mut parts: Vec<ModulePart>, external: &ExternalFacts) -> Self {
        let names = {
            let paths: Vec<&str> = parts.iter().map(|part| part.module.path.as_str()).collect();
            module_names(&paths)
        };
        let top_level = TopLevel::of_names(&names);
        // Where each module's functions and classes start among all of them.
        let mut starts = Vec::with_capacity(parts.len());
        let (mut functions, mut classes) = (0, 0);
        for part in &parts {
            starts.push((functions, classes));
            functions += part.functions.len();
            classes += part.classes.len();
        }
        parts
            .par_iter_mut()
            .with_min_len(PARALLEL_MIN_ITEMS)
            .zip(names)
            .zip(starts)
            .enumerate()
            .for_each(|(module, ((part, name), starts))| {
                part.place(ModuleId(module), name, starts);
            });
        let mut index = PythonIndex {
            configured: ConfiguredNames::new(external),
            modules: Vec::with_capacity(parts.len()),
            by_path: FxHashMap::with_capacity_and_hasher(parts.len(), Default::default()),
            functions: Vec::with_capacity(functions),
            changes: Vec::with_capacity(functions),
            classes: Vec::with_capacity(classes),
            top_level,
            ..PythonIndex::default()
        };
        // The module of each class.
        let mut class_modules = Vec::with_capacity(classes);
        for part in parts {
            let module = ModuleId(index.modules.len());
            class_modules.extend(std::iter::repeat_n(module, part.classes.len()));
            if let Some(name) = &part.module.name {
                let modules = index.by_name.entry(name.name.clone()).or_default();
                modules.push(module);
            }
            index.by_path.insert(part.module.path.clone(), module);
            index.modules.push(part.module);
            index.functions.extend(part.functions);
            index.changes.extend(part.changes);
            index.classes.extend(part.classes);
        }
        let resolved: Vec<Vec<Option<ClassId>>> = index
            .classes
            .par_iter()
            .with_min_len(PARALLEL_MIN_ITEMS)
            .zip(&class_modules)
            .map(|(class, module)| {
                class
                    .written_bases
                    .iter()
                    .map(|base| match index.resolve(*module, base.as_ref()?) {
                        Some(Target::Class(base)) => Some(base),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        for (class, resolved) in resolved.into_iter().enumerate() {
            for base in resolved.iter().flatten() {
                index.classes[*base].subclasses.push(class);
            }
            index.classes[class].bases = resolved;
        }
        index.suspending = index.find_suspending();
        index.wrappers = index.find_wrappers();
        index
    }

    /// Whether the configuration names a method, which a call on a receiver of any type may
    /// match.
    pub fn configures_methods(&self) -> bool {
        self.configured.have_methods()
    }

    /// Whether `module` defines a function or class `name` at its top level.
    pub fn defines(&self, module: ModuleId, name: &str) -> bool {
        let module = &self.modules[module.0];
        module.functions.contains_key(name) || module.classes.contains_key(name)
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

    /// The state a call of `reference` (in module `from`) changes that the caller sees, itself
    /// or through the functions it calls: the `self` attributes a method called on `self`
    /// changes, the globals a function of this module changes.
    pub fn changes(&self, from: ModuleId, reference: &Reference) -> Vec<String> {
        let on_self = match reference {
            Reference::SelfMethod { .. } | Reference::SuperMethod { .. } => true,
            Reference::InModule(_) => false,
            Reference::Imported(_) | Reference::AnyMethod(_) => return Vec::new(),
        };
        let mut changes = Vec::new();
        let mut pending = self.candidates(from, reference).unwrap_or_default();
        let mut visited: FxHashSet<FunctionId> = FxHashSet::default();
        let mut budget = Budget(CHANGE_STEPS);
        while let Some(id) = pending.pop() {
            if !visited.insert(id) || !budget.spend() {
                continue;
            }
            for chain in &self.changes[id] {
                if is_self_chain(chain) == on_self && !changes.contains(chain) {
                    changes.push(chain.clone());
                }
            }
            let function = &self.functions[id];
            for call in &function.calls {
                let call_on_self = !matches!(call, Reference::InModule(_));
                if call_on_self == on_self {
                    pending.extend(self.candidates(function.module, call).unwrap_or_default());
                }
            }
        }
        changes
    }

    fn definition(&self, id: FunctionId) -> Definition {
        let function = &self.functions[id];
        Definition {
            name: last_part(&function.path).to_owned(),
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
                let Lookup::Found(found) = self.lookup_method(class, method) else {
                    return None;
                };
                let mut candidates = vec![found];
                // A method overridden across a large hierarchy (a framework's base class) is as
                // good as unknown.
                let mut budget = Budget(OVERRIDE_STEPS);
                let mut pending = self.classes[class].subclasses.clone();
                let mut seen: Vec<ClassId> = vec![class];
                while let Some(subclass) = pending.pop() {
                    if seen.contains(&subclass) {
                        continue;
                    }
                    if !budget.spend() {
                        return None;
                    }
                    seen.push(subclass);
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
                    match self.lookup_method((*base)?, method) {
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
    fn lookup_method(&self, class: ClassId, method: &str) -> Lookup {
        self.lookup_method_within(class, method, &mut Budget(LOOKUP_STEPS))
    }

    fn lookup_method_within(&self, class: ClassId, method: &str, budget: &mut Budget) -> Lookup {
        if !budget.spend() {
            return Lookup::Unknown;
        }
        let class = &self.classes[class];
        if let Some(&id) = class.methods.get(method) {
            return Lookup::Found(id);
        }
        for base in &class.bases {
            let Some(base) = base else {
                return Lookup::Unknown;
            };
            match self.lookup_method_within(*base, method, budget) {
                Lookup::Missing => continue,
                found_or_unknown => return found_or_unknown,
            }
        }
        Lookup::Missing
    }

    /// What a module-level or imported reference names in the project.
    fn resolve(&self, from: ModuleId, reference: &Reference) -> Option<Target> {
        match reference {
            Reference::InModule(path) => {
                self.resolve_in_module(from, path, &mut Budget(RESOLUTION_STEPS))
            }
            Reference::Imported(name) => {
                let absolute = self.absolute(from, name)?;
                self.resolve_absolute(from, &absolute, &mut Budget(RESOLUTION_STEPS))
            }
            _ => None,
        }
    }

    /// The absolute dotted name of `name` imported in module `from`, if it may be in the
    /// project.
    fn absolute(&self, from: ModuleId, name: &str) -> Option<String> {
        if !name.starts_with('.') {
            return self.top_level.may_lead_in(name).then(|| name.to_owned());
        }
        let package = self.modules[from.0].name.as_ref()?.package();
        absolute_name(package, name)
    }

    /// Resolves an absolute dotted name: the longest module name that starts it, then the rest
    /// in that module.
    fn resolve_absolute(&self, from: ModuleId, name: &str, budget: &mut Budget) -> Option<Target> {
        let mut split = name.len();
        loop {
            let (module_name, rest) = (&name[..split], name.get(split + 1..).unwrap_or(""));
            if let Some(module) = self.closest_module(from, module_name) {
                if let Some(target) = self.resolve_in_module(module, rest, budget) {
                    return Some(target);
                }
            }
            split = name[..split].rfind('.')?;
        }
    }

    /// A dotted path (`spawn`, `Cache.refresh`, empty for the module itself) in a module,
    /// following the module's imports for names it imports from elsewhere.
    fn resolve_in_module(
        &self,
        module: ModuleId,
        path: &str,
        budget: &mut Budget,
    ) -> Option<Target> {
        if !budget.spend() {
            return None;
        }
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
                return match self.lookup_method(class, method) {
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
        self.resolve_absolute(module, &full, budget)
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
    fn find_suspending(&self) -> FxHashSet<FunctionId> {
        let configured = |names: &NameSet, id: FunctionId| {
            !names.is_empty()
                && self
                    .function_name(id)
                    .is_some_and(|name| names.has_name(&name))
        };
        let graph: FxHashMap<FunctionId, Coroutine<FunctionId>> = self
            .functions
            .par_iter()
            .with_min_len(PARALLEL_MIN_ITEMS)
            .enumerate()
            .filter_map(|(id, function)| {
                let FunctionKind::Coroutine(facts) = &function.kind else {
                    return None;
                };
                if configured(&self.configured.never_suspend, id) {
                    return Some((id, Coroutine::default()));
                }
                let mut coroutine = Coroutine {
                    suspends_directly: facts.suspends_directly
                        || configured(&self.configured.always_suspend, id),
                    awaits: Vec::new(),
                };
                for reference in &facts.awaits {
                    if self.is_configured(
                        &self.configured.always_suspend,
                        function.module,
                        reference,
                    ) {
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
                Some((id, coroutine))
            })
            .collect();
        may_suspend(&graph)
    }

    /// The task wrappers: functions returning a task they create and do not keep, or what a
    /// configured task function returns, then (to a fixpoint) functions returning what a
    /// wrapper returns.
    fn find_wrappers(&self) -> FxHashMap<FunctionId, TaskSite> {
        let site_in = |id: FunctionId, site: &Site| TaskSite {
            path: self.modules[self.functions[id].module.0].path.clone(),
            line: site.line,
            range: site.range.clone(),
        };
        /// What a function returning calls is, before the fixpoint.
        enum Returned {
            /// A wrapper: it creates the task at this site.
            Wrapper(TaskSite),
            /// It returns what these candidates return, for each call.
            Relay(Vec<Vec<FunctionId>>),
        }
        let returned: Vec<(FunctionId, Returned)> = self
            .functions
            .par_iter()
            .with_min_len(PARALLEL_MIN_ITEMS)
            .enumerate()
            .filter_map(|(id, function)| {
                let FunctionKind::ReturnsCalls(returned) = &function.kind else {
                    return None;
                };
                let configured = returned.calls.iter().find(|(reference, _)| {
                    self.is_configured(&self.configured.task_functions, function.module, reference)
                });
                Some(match (&returned.created_task, configured) {
                    (Some(site), _) | (None, Some((_, site))) => {
                        (id, Returned::Wrapper(site_in(id, site)))
                    }
                    (None, None) => {
                        let inner: Vec<Vec<FunctionId>> = returned
                            .calls
                            .iter()
                            .filter_map(|(reference, _)| {
                                self.candidates(function.module, reference)
                            })
                            .collect();
                        if inner.is_empty() {
                            return None;
                        }
                        (id, Returned::Relay(inner))
                    }
                })
            })
            .collect();
        let mut wrappers: FxHashMap<FunctionId, TaskSite> = FxHashMap::default();
        let mut relays: Vec<(FunctionId, Vec<Vec<FunctionId>>)> = Vec::new();
        for (id, returned) in returned {
            match returned {
                Returned::Wrapper(site) => {
                    wrappers.insert(id, site);
                }
                Returned::Relay(inner) => relays.push((id, inner)),
            }
        }
        loop {
            let found: Vec<(FunctionId, TaskSite)> = relays
                .iter()
                .filter(|(id, _)| !wrappers.contains_key(id))
                .filter_map(|(id, inner)| {
                    let site = inner.iter().find_map(|candidates| {
                        let sites: Vec<&TaskSite> = candidates
                            .iter()
                            .filter_map(|candidate| wrappers.get(candidate))
                            .collect();
                        if sites.len() == candidates.len() {
                            sites.first().map(|site| (*site).clone())
                        } else {
                            None
                        }
                    })?;
                    Some((*id, site))
                })
                .collect();
            if found.is_empty() {
                return wrappers;
            }
            wrappers.extend(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn index_of(files: &[(&str, &str)]) -> PythonIndex {
        let paths: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
        let top_level = TopLevel::of_paths(&paths);
        let modules = files
            .iter()
            .map(|(path, text)| {
                let source = SourceFile::new(*path, *text);
                super::super::first_pass(&source, &ExternalFacts::default(), &top_level).0
            })
            .collect();
        PythonIndex::join(modules, &ExternalFacts::default())
    }

    fn module(index: &PythonIndex, path: &str) -> ModuleId {
        index.module_id(path).expect("the file is indexed")
    }

    fn imported(name: &str) -> Reference {
        Reference::Imported(name.to_owned())
    }

    const TASKS: &str = "\
import asyncio

_tasks = set()


def spawn(coro):
    return asyncio.create_task(coro)


def spawn_named(coro, name):
    loop = asyncio.get_running_loop()
    task = loop.create_task(coro, name=name)
    task.add_done_callback(print)
    return task


def fire(coro):
    return spawn(coro)


def tracked(coro):
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


class Service:
    def _spawn(self, coro):
        self.task = asyncio.create_task(coro)
        return self.task

    def start(self, coro):
        return self._loop.create_task(coro)
";

    #[test]
    fn wrappers_return_tasks_they_do_not_keep() {
        let index = index_of(&[
            ("app/pkg/__init__.py", ""),
            ("app/pkg/tasks.py", TASKS),
            ("app/pkg/main.py", ""),
        ]);
        let main = module(&index, "app/pkg/main.py");
        let site = |line| {
            let range_of = |needle: &str| {
                let start = TASKS.find(needle).expect("the call is in the file");
                start..start + needle.len()
            };
            let range = match line {
                7 => range_of("asyncio.create_task(coro)"),
                _ => range_of("loop.create_task(coro, name=name)"),
            };
            Some(Returns::Task(Some(TaskSite {
                path: "app/pkg/tasks.py".to_owned(),
                line,
                range,
            })))
        };
        assert_eq!(index.returns(main, &imported("pkg.tasks.spawn")), site(7));
        assert_eq!(
            index.returns(main, &imported(".tasks.spawn_named")),
            site(12)
        );
        assert_eq!(index.returns(main, &imported("pkg.tasks.fire")), site(7));
        assert_eq!(index.returns(main, &imported("pkg.tasks.tracked")), None);
        let tasks = module(&index, "app/pkg/tasks.py");
        let method = |name: &str| Reference::SelfMethod {
            class: "Service".to_owned(),
            method: name.to_owned(),
        };
        assert_eq!(index.returns(tasks, &method("_spawn")), None);
        assert!(matches!(
            index.returns(tasks, &method("start")),
            Some(Returns::Task(Some(TaskSite { line: 34, .. })))
        ));
    }

    #[test]
    fn relative_imports_and_reexports_resolve_across_the_package() {
        let index = index_of(&[
            ("src/shop/__init__.py", "from .store import persist\n"),
            (
                "src/shop/store.py",
                "async def persist(record):\n    pass\n\ndef compact():\n    pass\n",
            ),
            ("src/shop/api/__init__.py", ""),
            ("src/shop/api/handlers.py", ""),
        ]);
        let handlers = module(&index, "src/shop/api/handlers.py");
        for name in [
            "..persist",
            "..store.persist",
            "shop.persist",
            "shop.store.persist",
        ] {
            assert_eq!(
                index.returns(handlers, &imported(name)),
                Some(Returns::Coroutine),
                "{name}"
            );
        }
        assert_eq!(index.returns(handlers, &imported("..store.compact")), None);
        assert_eq!(index.returns(handlers, &imported("...persist")), None);
    }

    #[test]
    fn suspension_flows_across_modules_and_through_overrides() {
        let index = index_of(&[
            (
                "clock.py",
                "import asyncio\n\nTICKS = 0\n\nasync def tick():\n    global TICKS\n    TICKS += 1\n\nasync def pause():\n    await asyncio.sleep(0)\n",
            ),
            (
                "worker.py",
                "from clock import tick, pause\n\nasync def step():\n    await tick()\n\nasync def rest():\n    await tick()\n    await pause()\n",
            ),
            (
                "base.py",
                "class Poller:\n    async def poll(self):\n        self.polls = 1\n\n    async def run(self):\n        while not self.polls:\n            await self.poll()\n\nclass Remote(Poller):\n    async def poll(self):\n        await self.reader.read()\n",
            ),
        ]);
        let worker = module(&index, "worker.py");
        assert_eq!(
            index.awaiting(worker, &imported("clock.tick")),
            Awaiting::Inline(Some(Definition {
                name: "tick".to_owned(),
                path: "clock.py".to_owned(),
                line: 5,
            }))
        );
        assert!(matches!(
            index.awaiting(worker, &Reference::InModule("step".to_owned())),
            Awaiting::Inline(Some(Definition { line: 3, .. }))
        ));
        assert_eq!(
            index.awaiting(worker, &Reference::InModule("rest".to_owned())),
            Awaiting::Suspends
        );
        assert_eq!(
            index.changes(worker, &Reference::InModule("step".to_owned())),
            Vec::<String>::new(),
            "`TICKS` is a global of another module"
        );
        let base = module(&index, "base.py");
        let poll = Reference::SelfMethod {
            class: "Poller".to_owned(),
            method: "poll".to_owned(),
        };
        assert_eq!(
            index.awaiting(base, &poll),
            Awaiting::Suspends,
            "`Remote.poll` overrides it and reads"
        );
        let mut changes = index.changes(base, &poll);
        changes.sort();
        assert_eq!(
            changes,
            ["self.polls", "self.reader"],
            "both overrides change"
        );
    }
}
