//! What the names of a module mean at one point of it: the module's imports, the enclosing
//! function scopes and class and, once the index is built, the project's functions. The index
//! pass (which has no index yet) and the rules resolve names through the same [`Resolver`].

use ruff_python_ast::{self as ast, Expr};

use super::index::{Awaiting, ModuleView};
use super::semantic::{dotted, is_self, with_part, Callable, FunctionScope, Module};

/// A reference to a function or class that the project index may know, as written where it is
/// used. Resolved by [`PythonIndex`] against the module it appears in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// A name defined at this module's top level, with the attribute chain after it (`spawn`,
    /// `Cache.refresh`).
    InModule(String),
    /// A dotted name reached through an import: absolute (`pkg.store.persist`) or relative, with
    /// one leading dot per level (`..store.persist`).
    Imported(String),
    /// `self.method(...)` or `cls.method(...)` in a method of the class at `class`, the dotted
    /// path of the class in its module (`Outer.Inner`).
    SelfMethod { class: String, method: String },
    /// `super().method(...)` in a method of the class at `class`.
    SuperMethod { class: String, method: String },
    /// `receiver.method(...)` on a receiver whose type is unknown.
    AnyMethod(String),
}

/// The class whose method (or a function nested in one) a point of the module is in.
#[derive(Debug, Clone, Copy)]
pub struct EnclosingClass<'r> {
    /// Its name (classes of the semantic model are known by name).
    pub name: &'r str,
    /// Its dotted path from the module's top level (`Outer.Inner`); `None` when it is defined
    /// inside a function.
    pub path: Option<&'r str>,
}

/// The names visible at one point of a module.
pub struct Resolver<'r, 'a> {
    pub module: &'r Module<'a>,
    /// The enclosing function and lambda scopes, outermost first.
    pub scopes: Vec<&'r FunctionScope<'a>>,
    pub class: Option<EnclosingClass<'r>>,
    /// The project index as this module sees it; `None` in the index pass.
    pub project: Option<ModuleView<'r>>,
}

impl<'a> Resolver<'_, 'a> {
    /// The dotted name an expression refers to through the imports (see
    /// [`Module::qualified_name`]).
    pub fn qualified_name(&self, expr: &Expr) -> Option<String> {
        self.module.qualified_name(expr, &self.scopes)
    }

    /// Whether `expr` evaluates to an event loop (see [`Module::is_loop_expr`]).
    pub fn is_loop_expr(&self, expr: &Expr) -> bool {
        let class = self
            .class
            .as_ref()
            .and_then(|class| self.module.classes.get(class.name));
        self.module.is_loop_expr(expr, &self.scopes, class)
    }

    /// What calling the bare name `name` returns, following Python's scoping.
    pub fn function_named(&self, name: &str) -> Option<Callable> {
        for scope in self.scopes.iter().rev() {
            if let Some(callable) = scope.functions.get(name) {
                return Some(*callable);
            }
            if scope.locals.contains(name) {
                return None;
            }
        }
        self.module.functions.get(name).copied()
    }

    /// What a called name or attribute chain (or a base class) may refer to in the project:
    /// `None` for locals, calls of calls and other expressions.
    pub fn reference(&self, expr: &Expr) -> Option<Reference> {
        match expr {
            Expr::Name(name) => {
                if let Some(qualified) = self.qualified_name(expr) {
                    return Some(Reference::Imported(qualified));
                }
                let id = name.id.as_str();
                (!self.is_local(id)).then(|| Reference::InModule(id.to_owned()))
            }
            Expr::Attribute(attribute) => {
                let method = attribute.attr.as_str();
                let class = self.class.and_then(|class| class.path);
                if let Some(class) = class {
                    if is_self(&attribute.value) || is_super_call(&attribute.value) {
                        let (class, method) = (class.to_owned(), method.to_owned());
                        return Some(if is_self(&attribute.value) {
                            Reference::SelfMethod { class, method }
                        } else {
                            Reference::SuperMethod { class, method }
                        });
                    }
                }
                if let Some(qualified) = self.qualified_name(expr) {
                    return Some(Reference::Imported(qualified));
                }
                Some(match self.path_in_module(&attribute.value) {
                    Some(path) => Reference::InModule(with_part(&path, method)),
                    None => Reference::AnyMethod(method.to_owned()),
                })
            }
            _ => None,
        }
    }

    /// Whether a called expression may name a project function (a cheap test before
    /// [`Resolver::reference`]): a name, a method of `self`, `cls` or `super()`, or an
    /// attribute chain that starts with an import or a name of the module; not a method of a
    /// local or of an attribute (`writer.write()`, `self.store.persist()`).
    pub fn may_name_project_function(&self, func: &Expr) -> bool {
        match func {
            Expr::Name(_) => true,
            Expr::Attribute(attribute) => {
                if is_self(&attribute.value) || is_super_call(&attribute.value) {
                    return true;
                }
                let mut root = &*attribute.value;
                while let Expr::Attribute(attribute) = root {
                    root = &attribute.value;
                }
                matches!(root, Expr::Name(name) if !is_self(root) && !self.is_local(name.id.as_str()))
            }
            _ => false,
        }
    }

    /// The dotted text of a name or attribute chain that starts with a name of the module
    /// itself (not a local, not an import): `Cache`, `Outer.Inner`.
    fn path_in_module(&self, expr: &Expr) -> Option<String> {
        let root = match expr {
            Expr::Name(name) => name.id.as_str(),
            Expr::Attribute(_) => {
                let mut base = expr;
                while let Expr::Attribute(attribute) = base {
                    base = &attribute.value;
                }
                let Expr::Name(name) = base else { return None };
                name.id.as_str()
            }
            _ => return None,
        };
        if root == "self" || self.is_local(root) {
            return None;
        }
        dotted(expr)
    }

    /// Whether `name` is bound in an enclosing function or lambda scope.
    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|scope| scope.is_local(name))
    }

    /// Whether awaiting `awaited` may suspend, as far as the index knows: only calls of project
    /// coroutines that never suspend (and functions configured as never suspending) run
    /// inline; anything else counts as suspending.
    pub fn awaiting(&self, awaited: &Expr) -> Awaiting {
        let Some(project) = self.project else {
            return Awaiting::Suspends;
        };
        let Expr::Call(call) = awaited else {
            return Awaiting::Suspends;
        };
        match self.reference(&call.func) {
            Some(reference) => project.awaiting(&reference),
            None => Awaiting::Suspends,
        }
    }
}

impl Resolver<'_, '_> {
    /// What a call of a project function changes that this code sees (see
    /// [`PythonIndex::changes`]); nothing before the index is built.
    pub fn changes_of_call(&self, call: &ast::ExprCall) -> Vec<String> {
        let Some(project) = self.project else {
            return Vec::new();
        };
        match self.reference(&call.func) {
            Some(reference) => project.changes(&reference),
            None => Vec::new(),
        }
    }
}

/// `super()`.
pub fn is_super_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(ast::ExprCall { func, .. })
        if matches!(&**func, Expr::Name(name) if name.id.as_str() == "super"))
}
