//! The walk that runs the Python detectors: it goes through a module keeping the stack of
//! enclosing scopes, hands every task-creating or coroutine call, with how its value is used,
//! to the call rules, and every loop of a coroutine to the loop rule.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::calls::{discarding_registrar, Created};
use super::flow::{follow, Handle, HandleFlow};
use super::index::ModuleView;
use super::resolve::{EnclosingClass, Resolver};
use super::rules::{tl001, tl002, tl003, tl004};
use super::semantic::{self_attribute, FunctionScope, Module};
use super::uses::{for_each_child_body, walk_body_exprs, walk_stmt_exprs, Use, UseSink};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

/// A scope the walk is inside.
enum Frame<'a> {
    Function {
        def: &'a ast::StmtFunctionDef,
        scope: FunctionScope<'a>,
        /// The class whose body defines this function (a method).
        class: Option<&'a ast::StmtClassDef>,
        /// That class's dotted path from the module's top level (`Outer.Inner`), when every
        /// frame around it is a class.
        class_path: Option<String>,
    },
    Lambda {
        scope: FunctionScope<'a>,
    },
    Class {
        def: &'a ast::StmtClassDef,
    },
}

/// Walks one module and collects the Python rules' findings.
pub struct Checker<'a, 'm> {
    pub module: &'m Module<'a>,
    pub source: &'m SourceFile,
    body: &'a [Stmt],
    /// The project index as this module sees it (absent when the file is not part of the
    /// index).
    project: Option<ModuleView<'m>>,
    frames: Vec<Frame<'a>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a, 'm> Checker<'a, 'm> {
    pub fn new(
        module: &'m Module<'a>,
        source: &'m SourceFile,
        body: &'a [Stmt],
        project: Option<ModuleView<'m>>,
    ) -> Self {
        Checker {
            module,
            source,
            body,
            project,
            frames: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Runs the rules over the whole module.
    pub fn run(mut self) -> Vec<Diagnostic> {
        let body = self.body;
        self.block(body);
        self.diagnostics
    }

    /// The statements of the module's top level.
    pub fn module_body(&self) -> &'a [Stmt] {
        self.body
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn block(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        walk_stmt_exprs(stmt, self);
        if matches!(stmt, Stmt::While(_) | Stmt::For(_))
            && self.current_function().is_some_and(|def| def.is_async)
        {
            tl004::check(self, stmt);
        }
        match stmt {
            Stmt::FunctionDef(def) => {
                let class = match self.frames.last() {
                    Some(Frame::Class { def }) => Some(*def),
                    _ => None,
                };
                let class_facts =
                    class.and_then(|class| self.module.classes.get(class.name.as_str()));
                let scope =
                    FunctionScope::of_function(self.module, def, &self.scopes(), class_facts);
                let class_path = class.and_then(|_| self.class_path());
                self.frames.push(Frame::Function {
                    def,
                    scope,
                    class,
                    class_path,
                });
                self.block(&def.body);
                self.frames.pop();
            }
            Stmt::ClassDef(def) => {
                self.frames.push(Frame::Class { def });
                self.block(&def.body);
                self.frames.pop();
            }
            _ => for_each_child_body(stmt, |body| self.block(body)),
        }
    }

    /// The function and lambda scopes around the current point, outermost first.
    fn scopes(&self) -> Vec<&FunctionScope<'a>> {
        self.frames
            .iter()
            .filter_map(|frame| match frame {
                Frame::Function { scope, .. } | Frame::Lambda { scope } => Some(scope),
                Frame::Class { .. } => None,
            })
            .collect()
    }

    /// The innermost enclosing `def`, unless a lambda or class body is closer.
    pub fn current_function(&self) -> Option<&'a ast::StmtFunctionDef> {
        match self.frames.last()? {
            Frame::Function { def, .. } => Some(def),
            _ => None,
        }
    }

    fn current_scope(&self) -> Option<&FunctionScope<'a>> {
        match self.frames.last()? {
            Frame::Function { scope, .. } => Some(scope),
            _ => None,
        }
    }

    /// The `def` enclosing the current function, when the current function is nested in one,
    /// with its scope.
    pub fn outer_function(&self) -> Option<(&'a ast::StmtFunctionDef, &FunctionScope<'a>)> {
        let [.., outer, Frame::Function { .. }] = self.frames.as_slice() else {
            return None;
        };
        match outer {
            Frame::Function { def, scope, .. } => Some((def, scope)),
            _ => None,
        }
    }

    /// The name of the class whose method (or a function nested in it) is being walked.
    pub fn enclosing_class(&self) -> Option<&'a str> {
        self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Function {
                class: Some(class), ..
            } => Some(class.name.as_str()),
            _ => None,
        })
    }

    /// The dotted path of the class whose body is being walked, when every frame around it is
    /// a class.
    fn class_path(&self) -> Option<String> {
        self.frames
            .iter()
            .map(|frame| match frame {
                Frame::Class { def } => Some(def.name.as_str()),
                _ => None,
            })
            .collect::<Option<Vec<&str>>>()
            .map(|classes| classes.join("."))
    }

    /// The class whose method (or a function nested in one) is being walked, with its path
    /// from the module's top level when it has one.
    fn enclosing_class_path(&self) -> Option<EnclosingClass<'_>> {
        self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Function {
                class: Some(class),
                class_path,
                ..
            } => Some(EnclosingClass {
                name: class.name.as_str(),
                path: class_path.as_deref(),
            }),
            _ => None,
        })
    }

    /// What the names mean at the current point of the walk.
    pub fn resolver(&self) -> Resolver<'_, 'a> {
        Resolver {
            module: self.module,
            scopes: self.scopes(),
            class: self.enclosing_class_path(),
            project: self.project,
        }
    }

    /// Whether `name` is a local variable of the current function.
    pub fn is_local(&self, name: &str) -> bool {
        self.current_scope()
            .is_some_and(|scope| scope.is_local(name))
    }

    /// Whether the current function reads the local `name` anywhere.
    pub fn reads_local(&self, name: &str) -> bool {
        let Some(function) = self.current_function() else {
            return true;
        };
        let mut finder = NameReads { name, found: false };
        walk_body_exprs(&function.body, &mut finder);
        finder.found
    }

    /// When every reference to the current function passes it as a callback to a call that
    /// discards what it returns (`loop.call_soon(f)`), the name of that call.
    pub fn returns_discarded_by(&self) -> Option<&'a str> {
        let function = self.current_function()?;
        let name = function.name.as_str();
        let (body, reference) = match &self.frames[..self.frames.len() - 1] {
            [.., Frame::Function { def, .. }] => (&def.body[..], Reference::Name(name)),
            [.., Frame::Class { def }] => (&def.body[..], Reference::SelfAttribute(name)),
            [] => (self.body, Reference::Name(name)),
            _ => return None,
        };
        let mut finder = CallbackUses {
            reference,
            registrar: None,
            other_use: false,
        };
        walk_body_exprs(body, &mut finder);
        finder.registrar.filter(|_| !finder.other_use)
    }

    /// Follows a task handle bound by `call` (to a local, or to `self.attr` in a method).
    fn handle_flow(&self, call: &ast::ExprCall, use_: Use<'a>) -> Option<(Handle<'a>, HandleFlow)> {
        let Use::Assigned { target } = use_ else {
            return None;
        };
        let function = self.current_function()?;
        let handle = Handle::of_target(target)?;
        let track_exit = match handle {
            Handle::Local(name) if name == "_" || !self.is_local(name) => return None,
            Handle::Local(_) => true,
            Handle::Attribute { .. } => false,
        };
        Some((
            handle,
            follow(&function.body, handle, call.range(), track_exit),
        ))
    }

    fn on_call(&mut self, call: &'a ast::ExprCall, use_: Use<'a>) {
        // An awaited value is consumed, and one inspected or used otherwise may be kept: no
        // rule looks at what such a call creates, so the index is not asked.
        if matches!(use_, Use::Awaited | Use::Inspected | Use::Other) {
            return;
        }
        let Some(created) = self.resolver().created_by(call) else {
            return;
        };
        match &created {
            Created::Task { .. } | Created::Aggregate { .. } => {
                let flow = self.handle_flow(call, use_);
                let flow = flow.as_ref().map(|(handle, flow)| (*handle, flow));
                let overwritten_in_loop = tl002::check(self, call, flow);
                if !overwritten_in_loop {
                    tl001::check(self, call, &created, use_, flow);
                }
            }
            Created::Coroutine { name, .. } => tl003::check(self, call, name, use_),
        }
    }
}

impl<'a> UseSink<'a> for Checker<'a, '_> {
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>) {
        if let Expr::Call(call) = expr {
            self.on_call(call, use_);
        }
    }

    fn enter_lambda(&mut self, lambda: &'a ast::ExprLambda) {
        self.frames.push(Frame::Lambda {
            scope: FunctionScope::of_lambda(lambda),
        });
    }

    fn leave_lambda(&mut self, _lambda: &'a ast::ExprLambda) {
        self.frames.pop();
    }
}

/// Finds any read of a name.
struct NameReads<'n> {
    name: &'n str,
    found: bool,
}

impl<'a> UseSink<'a> for NameReads<'_> {
    fn expr(&mut self, expr: &'a Expr, _use: Use<'a>) {
        self.found |= matches!(expr, Expr::Name(name) if name.id.as_str() == self.name);
    }
}

/// How a function is referred to where it is defined.
enum Reference<'n> {
    Name(&'n str),
    SelfAttribute(&'n str),
}

/// Collects the uses of a function reference: passed as a callback to a discarding registrar,
/// or anything else.
struct CallbackUses<'n, 'a> {
    reference: Reference<'n>,
    registrar: Option<&'a str>,
    other_use: bool,
}

impl<'a> UseSink<'a> for CallbackUses<'_, 'a> {
    fn expr(&mut self, expr: &'a Expr, use_: Use<'a>) {
        let matches = match self.reference {
            Reference::Name(name) => matches!(expr, Expr::Name(n) if n.id.as_str() == name),
            Reference::SelfAttribute(name) => self_attribute(expr) == Some(name),
        };
        if !matches {
            return;
        }
        match use_ {
            Use::Argument { call, position } => match discarding_registrar(call, position) {
                Some(registrar) => self.registrar = Some(registrar),
                None => self.other_use = true,
            },
            _ => self.other_use = true,
        }
    }
}
