//! The semantic model of one Rust file: its modules (the file and its inline `mod`s) with their
//! `use` imports, renames and globs; the functions that return futures; the methods of the types
//! and traits defined in the file; the types of struct fields and `static`s; and how a path
//! written in the file resolves.
//!
//! Limits: one file at a time. A `use` inside a function body counts for its whole module,
//! `crate::` is the root of the file (right for `lib.rs` and `main.rs`), and a module or glob
//! that lives in another file is unknown here: the project index resolves those (its tables are
//! built from [`Model::modules`]).

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;

use super::api;

/// What the model knows about a function or method of the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FnFacts {
    /// An `async fn`, or one returning `impl Future`, `BoxFuture` or `Pin<Box<dyn Future>>`.
    pub returns_future: bool,
    /// It returns `Self` (or its type by name), possibly in a `Result`, `Option` or `Arc`.
    pub returns_self: bool,
    /// It takes `self` (a method, not an associated function).
    pub has_receiver: bool,
}

/// One module of the file: the file itself (index 0) or an inline `mod`.
#[derive(Debug, Default)]
struct Module {
    /// The name of an inline `mod` (empty for the file).
    name: String,
    parent: Option<usize>,
    children: HashMap<String, usize>,
    /// Modules declared here whose items are in another file (`mod conn;`).
    declared: Vec<String>,
    /// Local name → the path it imports (`use smol::spawn as go;` gives `go` → `smol::spawn`).
    imports: HashMap<String, Vec<String>>,
    /// The paths of glob imports (`use tokio::task::*;`).
    globs: Vec<Vec<String>>,
    functions: HashMap<String, FnFacts>,
}

/// One module of the file as the project index sees it.
pub struct ModuleView<'m> {
    /// From the file's own module.
    pub path: Vec<String>,
    pub imports: &'m HashMap<String, Vec<String>>,
    pub globs: &'m [Vec<String>],
    pub declared: &'m [String],
}

/// Where a path is written: the module and, inside an `impl` or a `trait`, its type.
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub module: usize,
    pub self_type: Option<String>,
}

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A path into another crate, written as the tables write it (`tokio::task::spawn`).
    External(String),
    /// A free function of this file.
    Function(FnFacts),
    /// An associated function or method of a type or trait of this file.
    Associated {
        ty: String,
        name: String,
    },
    /// A single name that no import or definition of the file provides. `candidates` are the
    /// known paths that globs of other crates would give it; `open` says that a glob the model
    /// cannot see into (a module in another file, a crate without a table) may provide it, or
    /// that no glob or import names it at all.
    Bare {
        name: String,
        candidates: Vec<String>,
        open: bool,
    },
    Unknown,
}

/// Names that globs of `std` provide and that tables would otherwise mistake for a runtime's.
const OTHER_KNOWN_PATHS: &[&str] = &["std::thread::spawn", "std::thread::sleep"];

/// The semantic model of one file.
#[derive(Debug, Default)]
pub struct Model<'a> {
    modules: Vec<Module>,
    /// Methods of the types and traits of the file: type name → method name → facts.
    methods: HashMap<String, HashMap<String, FnFacts>>,
    /// Field types of the structs of the file: struct name → field name (or index) → type.
    fields: HashMap<String, HashMap<String, &'a syn::Type>>,
    /// Types of the `static`s and `const`s of the file.
    statics: HashMap<String, &'a syn::Type>,
    /// Names of the types and traits defined in the file.
    local_types: HashSet<String>,
    /// The same, with the module that defines each.
    type_modules: Vec<(usize, String)>,
}

impl<'a> Model<'a> {
    pub fn new(file: &'a syn::File) -> Self {
        let mut builder = Builder {
            model: Model {
                modules: vec![Module::default()],
                ..Model::default()
            },
            module: 0,
            owner: None,
        };
        builder.visit_file(file);
        builder.model
    }

    /// The inline module `name` of `parent` (as created while walking the file).
    pub fn child_module(&self, parent: usize, name: &str) -> Option<usize> {
        self.modules.get(parent)?.children.get(name).copied()
    }

    /// The path of a module of the file from the file's own module (`["tests"]` for an inline
    /// `mod tests`).
    pub fn module_path(&self, module: usize) -> Vec<String> {
        let mut path = Vec::new();
        let mut current = Some(module);
        while let Some(index) = current {
            let Some(scope) = self.modules.get(index) else {
                break;
            };
            if index != 0 {
                path.push(scope.name.clone());
            }
            current = scope.parent;
        }
        path.reverse();
        path
    }

    /// The types and traits of the file, with the path of their module from the file's.
    pub fn types(&self) -> impl Iterator<Item = (Vec<String>, &str)> {
        self.type_modules
            .iter()
            .map(|(module, name)| (self.module_path(*module), name.as_str()))
    }

    /// Every module of the file with its imports, for the project index.
    pub fn modules(&self) -> impl Iterator<Item = ModuleView<'_>> {
        self.modules
            .iter()
            .enumerate()
            .map(|(index, scope)| ModuleView {
                path: self.module_path(index),
                imports: &scope.imports,
                globs: &scope.globs,
                declared: &scope.declared,
            })
    }

    /// A method or associated function of a type or trait of the file.
    pub fn method(&self, ty: &str, name: &str) -> Option<FnFacts> {
        self.methods.get(ty)?.get(name).copied()
    }

    pub fn field_type(&self, ty: &str, field: &str) -> Option<&'a syn::Type> {
        self.fields.get(ty)?.get(field).copied()
    }

    pub fn static_type(&self, name: &str) -> Option<&'a syn::Type> {
        self.statics.get(name).copied()
    }

    pub fn is_local_type(&self, name: &str) -> bool {
        self.local_types.contains(name)
    }

    /// Whether a path written at `place` names an item of the project, in this file or another
    /// (`crate::net::Conn`, a module declared here, a name imported from one): its type's
    /// methods are the project index's to know.
    pub fn is_project_path(&self, place: &Place, segments: &[String]) -> bool {
        let Some(first) = segments.first() else {
            return false;
        };
        let Some(scope) = self.modules.get(place.module) else {
            return false;
        };
        let local_module = |name: &str| {
            matches!(name, "crate" | "self" | "super")
                || scope.children.contains_key(name)
                || scope.declared.iter().any(|declared| declared == name)
        };
        local_module(first)
            || (segments.len() == 1 && self.local_types.contains(first))
            || scope
                .imports
                .get(first)
                .and_then(|target| target.first())
                .is_some_and(|root| local_module(root))
    }

    /// Resolves a path written at `place`. A path that starts with `crate`, `self` or `super`
    /// names an item of the project: when the file does not show it, it is unknown.
    pub fn resolve(&self, place: &Place, path: &syn::Path) -> Resolved {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_some() {
            return Resolved::External(api::canonical(&segments.join("::")));
        }
        let resolved = self.resolve_in(place.module, place.self_type.as_deref(), &segments, 0);
        let relative = matches!(
            segments.first().map(String::as_str),
            Some("crate" | "self" | "super")
        );
        match resolved {
            Resolved::Bare { candidates, .. } if relative => {
                match <[String; 1]>::try_from(candidates) {
                    Ok([only]) => Resolved::External(only),
                    Err(_) => Resolved::Unknown,
                }
            }
            resolved => resolved,
        }
    }

    fn resolve_in(
        &self,
        module: usize,
        self_type: Option<&str>,
        segments: &[String],
        depth: usize,
    ) -> Resolved {
        let Some((first, rest)) = segments.split_first() else {
            return Resolved::Unknown;
        };
        let Some(scope) = self.modules.get(module) else {
            return Resolved::Unknown;
        };
        if depth > 8 {
            return Resolved::Unknown;
        }
        match first.as_str() {
            "crate" => return self.resolve_in(0, None, rest, depth + 1),
            "self" => return self.resolve_in(module, None, rest, depth + 1),
            "super" => {
                return match scope.parent {
                    Some(parent) => self.resolve_in(parent, None, rest, depth + 1),
                    None => Resolved::Unknown,
                }
            }
            "Self" => {
                return match (self_type, rest) {
                    (Some(ty), [name]) => Resolved::Associated {
                        ty: ty.to_owned(),
                        name: name.clone(),
                    },
                    _ => Resolved::Unknown,
                }
            }
            _ => {}
        }
        if rest.is_empty() {
            if let Some(facts) = scope.functions.get(first) {
                return Resolved::Function(*facts);
            }
        } else if let Some(&child) = scope.children.get(first) {
            return self.resolve_in(child, None, rest, depth + 1);
        }
        if let Some(target) = scope.imports.get(first) {
            let full: Vec<String> = target.iter().chain(rest).cloned().collect();
            return self.resolve_import(module, &full, depth + 1);
        }
        if rest.len() == 1 && self.local_types.contains(first) {
            return Resolved::Associated {
                ty: first.clone(),
                name: rest[0].clone(),
            };
        }
        if rest.is_empty() {
            return self.resolve_bare(module, first, depth);
        }
        // A path through a glob (`use tokio::*; task::spawn(..)`) or into another crate.
        let through_globs: Vec<String> = scope
            .globs
            .iter()
            .filter_map(|glob| {
                let path = format!("{}::{}", glob.join("::"), segments.join("::"));
                is_known_path(&api::canonical(&path)).then(|| api::canonical(&path))
            })
            .collect();
        match through_globs.as_slice() {
            [only] => Resolved::External(only.clone()),
            _ => Resolved::External(api::canonical(&segments.join("::"))),
        }
    }

    /// An import's target, resolved from the module that declares it.
    fn resolve_import(&self, module: usize, target: &[String], depth: usize) -> Resolved {
        match target.first().map(String::as_str) {
            Some("crate" | "self" | "super") => self.resolve_in(module, None, target, depth),
            Some(_) => Resolved::External(api::canonical(&target.join("::"))),
            None => Resolved::Unknown,
        }
    }

    /// A single name that the module neither defines nor imports by name: the globs decide.
    fn resolve_bare(&self, module: usize, name: &str, depth: usize) -> Resolved {
        let Some(scope) = self.modules.get(module) else {
            return Resolved::Unknown;
        };
        let mut candidates = Vec::new();
        let mut open = scope.globs.is_empty();
        for glob in &scope.globs {
            let local = matches!(
                glob.first().map(String::as_str),
                Some("crate" | "self" | "super")
            );
            if local {
                let mut path = glob.clone();
                path.push(name.to_owned());
                match self.resolve_in(module, None, &path, depth + 1) {
                    Resolved::Bare {
                        candidates: more,
                        open: more_open,
                        ..
                    } => {
                        candidates.extend(more);
                        open |= more_open;
                    }
                    Resolved::Unknown => open = true,
                    // A glob of a module in another file (`crate::prelude::*`).
                    Resolved::External(path) if !is_known_path(&path) => open = true,
                    found => return found,
                }
                continue;
            }
            let path = api::canonical(&format!("{}::{name}", glob.join("::")));
            if is_known_path(&path) {
                candidates.push(path);
            } else if !is_table_crate(&glob[0]) {
                open = true;
            }
        }
        candidates.sort();
        candidates.dedup();
        Resolved::Bare {
            name: name.to_owned(),
            candidates,
            open,
        }
    }
}

/// Whether a path is in one of the tables (or is a known look-alike of `std`).
fn is_known_path(path: &str) -> bool {
    api::SPAWN_FUNCTIONS.iter().any(|(known, _)| *known == path)
        || api::FUTURE_FUNCTIONS.contains(&path)
        || api::KNOWN_TYPES.iter().any(|(known, _)| *known == path)
        || api::ASYNC_CHANNELS.contains(&path)
        || OTHER_KNOWN_PATHS.contains(&path)
}

/// Whether a crate has rows in the tables: a glob of it provides no other name that matters.
fn is_table_crate(name: &str) -> bool {
    let name = api::canonical(name);
    let crate_name = api::crate_of(&name);
    api::SPAWN_FUNCTIONS
        .iter()
        .map(|(path, _)| *path)
        .chain(api::FUTURE_FUNCTIONS.iter().copied())
        .chain(api::KNOWN_TYPES.iter().map(|(path, _)| *path))
        .chain(OTHER_KNOWN_PATHS.iter().copied())
        .any(|path| api::crate_of(path) == crate_name)
}

/// Facts about a function, from its signature and attributes. An `async fn` under a runtime's
/// `#[tokio::main]`, `#[tokio::test]` (any attribute named `main` or `test`) is turned into a
/// plain function by the attribute.
pub fn fn_facts(
    sig: &syn::Signature,
    attrs: &[syn::Attribute],
    self_type: Option<&str>,
) -> FnFacts {
    let output = match &sig.output {
        syn::ReturnType::Default => None,
        syn::ReturnType::Type(_, ty) => Some(&**ty),
    };
    let made_sync = attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "main" || segment.ident == "test")
    });
    FnFacts {
        returns_future: !made_sync
            && (sig.asyncness.is_some() || output.is_some_and(is_future_type)),
        returns_self: output.is_some_and(|ty| is_self_type(ty, self_type)),
        has_receiver: sig.receiver().is_some(),
    }
}

impl FnFacts {
    /// The facts of two definitions of one name (in two `impl`s, or under two `#[cfg]`s): only
    /// what both say.
    fn merge(self, other: FnFacts) -> FnFacts {
        FnFacts {
            returns_future: self.returns_future && other.returns_future,
            returns_self: self.returns_self && other.returns_self,
            has_receiver: self.has_receiver && other.has_receiver,
        }
    }
}

/// Records a definition, merged with an earlier one of the same name.
fn define(table: &mut HashMap<String, FnFacts>, name: String, facts: FnFacts) {
    let merged = table.get(&name).map_or(facts, |known| known.merge(facts));
    table.insert(name, merged);
}

/// `impl Future<..>`, `BoxFuture<..>`, `LocalBoxFuture<..>`, `Pin<Box<dyn Future<..>>>`.
fn is_future_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::ImplTrait(impl_trait) => impl_trait.bounds.iter().any(is_future_bound),
        syn::Type::TraitObject(object) => object.bounds.iter().any(is_future_bound),
        syn::Type::Paren(inner) => is_future_type(&inner.elem),
        syn::Type::Group(inner) => is_future_type(&inner.elem),
        syn::Type::Path(path) => {
            let Some(last) = path.path.segments.last() else {
                return false;
            };
            match last.ident.to_string().as_str() {
                "BoxFuture" | "LocalBoxFuture" => true,
                "Pin" | "Box" => first_type_argument(last).is_some_and(is_future_type),
                _ => false,
            }
        }
        _ => false,
    }
}

fn is_future_bound(bound: &syn::TypeParamBound) -> bool {
    matches!(bound, syn::TypeParamBound::Trait(bound)
        if bound.path.segments.last().is_some_and(|s| s.ident == "Future"))
}

/// `Self`, the type by name, or either in a `Result`, `Option`, `Arc`, `Rc` or `Box`.
fn is_self_type(ty: &syn::Type, self_type: Option<&str>) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    if name == "Self" || Some(name.as_str()) == self_type {
        return true;
    }
    matches!(name.as_str(), "Result" | "Option" | "Arc" | "Rc" | "Box")
        && first_type_argument(last).is_some_and(|inner| is_self_type(inner, self_type))
}

/// The first generic type argument of a path segment: `T` in `Arc<T>`.
pub fn first_type_argument(segment: &syn::PathSegment) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The name of the type an `impl` is for: `Server` in `impl<T> Trait for Server<T>`.
pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(reference) => type_name(&reference.elem),
        syn::Type::Paren(inner) => type_name(&inner.elem),
        syn::Type::Group(inner) => type_name(&inner.elem),
        _ => None,
    }
}

/// Fills the model while walking the file.
struct Builder<'a> {
    model: Model<'a>,
    module: usize,
    /// The type or trait whose items are being walked.
    owner: Option<String>,
}

impl Builder<'_> {
    fn scope(&mut self) -> &mut Module {
        &mut self.model.modules[self.module]
    }

    fn define_type(&mut self, name: String) {
        self.model.type_modules.push((self.module, name.clone()));
        self.model.local_types.insert(name);
    }

    fn add_use(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.add_use(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let name = name.ident.to_string();
                // `use a::b::{self};` imports `b`.
                let (local, target) = if name == "self" {
                    match prefix.last() {
                        Some(last) => (last.clone(), prefix.clone()),
                        None => return,
                    }
                } else {
                    let mut target = prefix.clone();
                    target.push(name.clone());
                    (name, target)
                };
                self.scope().imports.insert(local, target);
            }
            syn::UseTree::Rename(rename) => {
                let name = rename.ident.to_string();
                let mut target = prefix.clone();
                if name != "self" {
                    target.push(name);
                }
                let local = rename.rename.to_string();
                if local != "_" {
                    self.scope().imports.insert(local, target);
                }
            }
            syn::UseTree::Glob(_) => {
                if !prefix.is_empty() {
                    let glob = prefix.clone();
                    self.scope().globs.push(glob);
                }
            }
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.add_use(prefix, tree);
                }
            }
        }
    }

    fn add_method(&mut self, sig: &syn::Signature, attrs: &[syn::Attribute]) {
        let Some(owner) = self.owner.clone() else {
            return;
        };
        let facts = fn_facts(sig, attrs, Some(&owner));
        let methods = self.model.methods.entry(owner).or_default();
        define(methods, sig.ident.to_string(), facts);
    }
}

impl<'a> Visit<'a> for Builder<'a> {
    fn visit_item_mod(&mut self, item: &'a syn::ItemMod) {
        let name = item.ident.to_string();
        let Some((_, items)) = &item.content else {
            self.scope().declared.push(name);
            return;
        };
        let index = self.model.modules.len();
        self.model.modules.push(Module {
            name: name.clone(),
            parent: Some(self.module),
            ..Module::default()
        });
        self.scope().children.insert(name, index);
        let outer = std::mem::replace(&mut self.module, index);
        for item in items {
            self.visit_item(item);
        }
        self.module = outer;
    }

    fn visit_item_use(&mut self, item: &'a syn::ItemUse) {
        // `use ::tokio::spawn;` is the same as `use tokio::spawn;` since edition 2018.
        self.add_use(&mut Vec::new(), &item.tree);
    }

    fn visit_item_extern_crate(&mut self, item: &'a syn::ItemExternCrate) {
        if let Some((_, rename)) = &item.rename {
            let target = vec![item.ident.to_string()];
            self.scope().imports.insert(rename.to_string(), target);
        }
    }

    fn visit_item_fn(&mut self, item: &'a syn::ItemFn) {
        let facts = fn_facts(&item.sig, &item.attrs, None);
        let name = item.sig.ident.to_string();
        define(&mut self.scope().functions, name, facts);
        let outer = self.owner.take();
        syn::visit::visit_item_fn(self, item);
        self.owner = outer;
    }

    fn visit_item_impl(&mut self, item: &'a syn::ItemImpl) {
        let outer = std::mem::replace(&mut self.owner, type_name(&item.self_ty));
        syn::visit::visit_item_impl(self, item);
        self.owner = outer;
    }

    fn visit_item_trait(&mut self, item: &'a syn::ItemTrait) {
        let name = item.ident.to_string();
        self.define_type(name.clone());
        let outer = self.owner.replace(name);
        syn::visit::visit_item_trait(self, item);
        self.owner = outer;
    }

    fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
        self.add_method(&item.sig, &item.attrs);
        syn::visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'a syn::TraitItemFn) {
        self.add_method(&item.sig, &item.attrs);
        syn::visit::visit_trait_item_fn(self, item);
    }

    fn visit_item_struct(&mut self, item: &'a syn::ItemStruct) {
        let name = item.ident.to_string();
        self.define_type(name.clone());
        let fields = self.model.fields.entry(name).or_default();
        for (index, field) in item.fields.iter().enumerate() {
            let key = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), ToString::to_string);
            fields.insert(key, &field.ty);
        }
    }

    fn visit_item_enum(&mut self, item: &'a syn::ItemEnum) {
        self.define_type(item.ident.to_string());
    }

    fn visit_item_union(&mut self, item: &'a syn::ItemUnion) {
        self.define_type(item.ident.to_string());
    }

    fn visit_item_type(&mut self, item: &'a syn::ItemType) {
        self.define_type(item.ident.to_string());
    }

    fn visit_item_static(&mut self, item: &'a syn::ItemStatic) {
        self.model.statics.insert(item.ident.to_string(), &item.ty);
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_const(&mut self, item: &'a syn::ItemConst) {
        self.model.statics.insert(item.ident.to_string(), &item.ty);
        syn::visit::visit_item_const(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(source: &str, module: usize, path: &str) -> Resolved {
        let file = syn::parse_file(source).expect("test source parses");
        let model = Model::new(&file);
        let path: syn::Path = syn::parse_str(path).expect("test path parses");
        let place = Place {
            module,
            self_type: None,
        };
        model.resolve(&place, &path)
    }

    fn external(path: &str) -> Resolved {
        Resolved::External(path.to_owned())
    }

    #[test]
    fn imports_and_renames_resolve() {
        let source = "use smol::spawn as go; use tokio::task::{self, spawn_blocking};";
        assert_eq!(resolve(source, 0, "go"), external("smol::spawn"));
        assert_eq!(
            resolve(source, 0, "spawn_blocking"),
            external("tokio::task::spawn_blocking")
        );
        assert_eq!(
            resolve(source, 0, "task::spawn"),
            external("tokio::task::spawn")
        );
        assert_eq!(
            resolve(source, 0, "::tokio::spawn"),
            external("tokio::spawn")
        );
    }

    #[test]
    fn globs_of_known_crates_give_candidates() {
        let source = "use tokio::task::*;";
        assert_eq!(
            resolve(source, 0, "spawn"),
            Resolved::Bare {
                name: "spawn".into(),
                candidates: vec!["tokio::task::spawn".into()],
                open: false
            }
        );
        let source = "use tokio::task::*; use async_std::task::*;";
        let Resolved::Bare { candidates, .. } = resolve(source, 0, "spawn") else {
            panic!("a bare name");
        };
        assert_eq!(candidates, ["async_std::task::spawn", "tokio::task::spawn"]);
        // A glob of a module of the project may provide anything.
        let source = "use crate::prelude::*;";
        assert!(matches!(
            resolve(source, 0, "spawn"),
            Resolved::Bare { open: true, .. }
        ));
        // No import at all: the name comes from somewhere the model cannot see.
        assert!(matches!(
            resolve("", 0, "spawn"),
            Resolved::Bare { open: true, .. }
        ));
        // But `crate::spawn` is a function of the project, in another file.
        assert_eq!(resolve("", 0, "crate::spawn"), Resolved::Unknown);
        // `std::thread::*` provides a `spawn` that is not a task.
        let source = "use std::thread::*;";
        assert_eq!(
            resolve(source, 0, "spawn"),
            Resolved::Bare {
                name: "spawn".into(),
                candidates: vec!["std::thread::spawn".into()],
                open: false
            }
        );
    }

    #[test]
    fn crate_self_and_super_resolve_within_the_file() {
        let source = "
            use tokio::spawn;
            async fn work() {}
            mod inner {
                use super::*;
                use self::deeper::go;
                mod deeper { pub use tokio::task::spawn_local as go; }
            }";
        assert!(matches!(
            resolve(source, 0, "work"),
            Resolved::Function(FnFacts {
                returns_future: true,
                ..
            })
        ));
        assert!(matches!(
            resolve(source, 0, "crate::work"),
            Resolved::Function(_)
        ));
        // Module 1 is `inner`, module 2 `deeper`.
        assert!(matches!(
            resolve(source, 1, "super::work"),
            Resolved::Function(_)
        ));
        assert_eq!(resolve(source, 1, "spawn"), external("tokio::spawn"));
        assert_eq!(
            resolve(source, 1, "go"),
            external("tokio::task::spawn_local")
        );
    }

    #[test]
    fn runtime_entry_points_and_conflicting_definitions_are_not_futures() {
        let source = "
            #[tokio::main]
            async fn run() {}
            struct PathBuf;
            impl std::iter::Extend<u8> for PathBuf { fn extend<I>(&mut self, i: I) {} }
            impl stream::Extend<u8> for PathBuf {
                fn extend<'a, S>(&'a mut self, s: S) -> Pin<Box<dyn Future<Output = ()> + 'a>> { todo!() }
            }";
        let file = syn::parse_file(source).expect("parses");
        let model = Model::new(&file);
        assert_eq!(
            resolve(source, 0, "run"),
            Resolved::Function(FnFacts::default())
        );
        assert!(model
            .method("PathBuf", "extend")
            .is_some_and(|f| !f.returns_future));
    }

    #[test]
    fn methods_and_fields_of_local_types_are_known() {
        let source = "
            struct Server { rt: tokio::runtime::Runtime, pool: Arc<Executor<'static>> }
            impl Server {
                fn new() -> Result<Self, Error> { todo!() }
                async fn serve(&self) {}
                fn poll_next(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> { todo!() }
            }";
        let file = syn::parse_file(source).expect("parses");
        let model = Model::new(&file);
        assert!(model
            .method("Server", "serve")
            .is_some_and(|f| f.returns_future));
        assert!(model
            .method("Server", "poll_next")
            .is_some_and(|f| f.returns_future));
        assert!(model
            .method("Server", "new")
            .is_some_and(|f| f.returns_self));
        assert!(model.field_type("Server", "pool").is_some());
        assert_eq!(
            resolve(source, 0, "Server::serve"),
            Resolved::Associated {
                ty: "Server".into(),
                name: "serve".into()
            }
        );
    }
}
