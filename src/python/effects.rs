//! What code reads and changes, as dotted chains (`self.buffer`, `job`, `_outbox`): the state a
//! condition reads, and the state a statement changes itself or through the project functions it
//! calls. Shared by the index pass (the state a function changes that outlives the call) and
//! TL004 (whether a way round a loop changes what its conditions read).
//!
//! A statement changes what it stores into (`i += 1`, `self.ready = True`, `self.items[k] = v`),
//! what it calls a method on that may mutate it (`self.buffer.popleft()`; not a reading method
//! such as `get` or `keys`, not `self.method()`, logging or a module's function), what a
//! consuming function takes from (`next(it)`, `heapq.heappop(heap)`), and, once the index is
//! built, what the project functions it calls (or awaits) change, transitively: the `self`
//! attributes a method changes when called on `self`, the globals a function of the same module
//! changes. In a condition only consuming calls (`pop`, `get_nowait`...) and project functions
//! change anything.

use std::ops::Range;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::flow::is_harmless_call;
use super::resolve::Resolver;
use super::semantic::{dotted, is_self, FunctionScope};
use super::uses::{walk, walk_stmt_exprs, Use, UseSink};

/// Methods that only read their receiver.
const READING_METHODS: &[&str] = &[
    "get",
    "items",
    "keys",
    "values",
    "copy",
    "count",
    "index",
    "startswith",
    "endswith",
    "format",
    "join",
    "split",
    "strip",
    "lower",
    "upper",
    "encode",
    "decode",
    "is_set",
    "done",
    "cancelled",
    "result",
    "exception",
    "empty",
    "full",
    "qsize",
    "locked",
    "time",
    "monotonic",
];

/// Methods that consume what they are called on, even in a condition.
const CONSUMING_METHODS: &[&str] = &["pop", "popleft", "popitem", "get_nowait"];

/// Functions that consume (advance, pop from) their first argument, by name or as attributes of
/// `heapq`.
const CONSUMING_FUNCTIONS: &[&str] = &["next", "heappop", "heapreplace", "heappushpop"];

/// What one statement, condition or iterable does.
pub struct Effects<'r, 'a> {
    resolver: &'r Resolver<'r, 'r>,
    /// In a condition, calls only read unless they consume.
    in_condition: bool,
    /// Record what the values assigned to locals read (not needed for what a whole function
    /// changes).
    value_reads: bool,
    /// The awaits, in order: the range of the `await` and the awaited expression.
    pub awaits: Vec<(Range<usize>, &'a Expr)>,
    /// It calls something (and so may raise).
    pub calls: bool,
    /// Chains read by an `assert`, which leaves when it fails.
    pub tested: Vec<String>,
    /// Chains changed by its own calls (`self.items.pop()`).
    pub call_changes: Vec<String>,
    /// Chains changed by the project functions it calls.
    pub callee_changes: Vec<String>,
    /// Locals assigned an integer literal (`count = 0`).
    pub counters: Vec<String>,
    /// Chains changed by stores into attributes and subscripts.
    pub stores: Vec<String>,
    /// Locals assigned a value, with the chains the value read.
    pub assigned: Vec<(String, Vec<String>)>,
    /// Locals rebound otherwise (`i += 1`, `del x`, a `with` target, an import).
    pub rebound: Vec<String>,
    /// The local that takes what the calls return (`job = await self.next_job()`).
    pub taken_into: Option<String>,
}

impl<'r, 'a> Effects<'r, 'a> {
    fn new(resolver: &'r Resolver<'r, 'r>, in_condition: bool) -> Self {
        Effects {
            resolver,
            in_condition,
            value_reads: true,
            awaits: Vec::new(),
            calls: false,
            tested: Vec::new(),
            call_changes: Vec::new(),
            callee_changes: Vec::new(),
            counters: Vec::new(),
            stores: Vec::new(),
            assigned: Vec::new(),
            rebound: Vec::new(),
            taken_into: None,
        }
    }

    /// A statement that is not a compound one, or the header of one (its test, its iterable,
    /// its context managers).
    pub fn of_statement(resolver: &'r Resolver<'r, 'r>, stmt: &'a Stmt) -> Self {
        let mut effects = Effects::new(resolver, false);
        walk_stmt_exprs(stmt, &mut effects);
        effects.bind_statement(stmt);
        effects
    }

    /// A condition.
    pub fn of_condition(resolver: &'r Resolver<'r, 'r>, test: &'a Expr) -> Self {
        let mut effects = Effects::new(resolver, true);
        walk(test, Use::Truth, &mut effects);
        effects
    }

    /// The iterable of a `for`: its mutating calls change what they are called on
    /// (`for row in batches.pop(0):`).
    pub fn of_iterable(resolver: &'r Resolver<'r, 'r>, iter: &'a Expr) -> Self {
        let mut effects = Effects::new(resolver, false);
        walk(iter, Use::Other, &mut effects);
        effects
    }

    /// An empty record for the statements of a whole function, each walked and then bound
    /// ([`Effects::bind_statement`]), for [`Effects::lasting_changes`].
    pub fn accumulating(resolver: &'r Resolver<'r, 'r>) -> Self {
        Effects {
            value_reads: false,
            ..Effects::new(resolver, false)
        }
    }

    /// The chains a value read, when they are recorded.
    fn value_reads(&self, value: &Expr) -> Vec<String> {
        if self.value_reads {
            chains_read(self.resolver, value)
        } else {
            Vec::new()
        }
    }

    /// The stores of a statement.
    pub fn bind_statement(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                let reads = self.value_reads(&assign.value);
                for target in &assign.targets {
                    self.store(target, Some(&reads));
                }
                if let [Expr::Name(name)] = assign.targets.as_slice() {
                    self.taken_into = Some(name.id.as_str().to_owned());
                    if matches!(
                        &*assign.value,
                        Expr::NumberLiteral(ast::ExprNumberLiteral {
                            value: ast::Number::Int(_),
                            ..
                        })
                    ) {
                        self.counters.push(name.id.as_str().to_owned());
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    let reads = self.value_reads(value);
                    self.store(&assign.target, Some(&reads));
                    if let Expr::Name(name) = &*assign.target {
                        self.taken_into = Some(name.id.as_str().to_owned());
                    }
                }
            }
            Stmt::AugAssign(assign) => self.store(&assign.target, None),
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.store(target, None);
                }
            }
            Stmt::For(for_stmt) => self.store(&for_stmt.target, None),
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(vars) = &item.optional_vars {
                        self.store(vars, None);
                    }
                }
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    let bound = name.split('.').next().unwrap_or(name);
                    self.rebound.push(bound.to_owned());
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.rebound.push(name.as_str().to_owned());
                }
            }
            Stmt::Assert(assert) => self.tested.extend(chains_read(self.resolver, &assert.test)),
            Stmt::FunctionDef(function) => self.rebound.push(function.name.as_str().to_owned()),
            Stmt::ClassDef(class) => self.rebound.push(class.name.as_str().to_owned()),
            _ => {}
        }
    }

    /// A store to `target`; `value_reads` are the chains the stored value read, when the
    /// target takes that value as it is.
    fn store(&mut self, target: &Expr, value_reads: Option<&Vec<String>>) {
        match target {
            Expr::Name(name) => match value_reads {
                Some(reads) => self
                    .assigned
                    .push((name.id.as_str().to_owned(), reads.clone())),
                None => self.rebound.push(name.id.as_str().to_owned()),
            },
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.store(elt, value_reads);
                }
            }
            Expr::Starred(starred) => self.store(&starred.value, value_reads),
            target => self.stores.extend(chain_of(target)),
        }
    }

    /// The state a function's statements changed that outlives the call: attributes of
    /// `self` (or `cls`) and globals, through its own stores and calls (the project functions
    /// it calls are followed by the index).
    pub fn lasting_changes<'s>(
        &'s self,
        scope: &'s FunctionScope<'_>,
    ) -> impl Iterator<Item = &'s str> + 's {
        let mut seen: Vec<&str> = Vec::new();
        self.call_changes
            .iter()
            .chain(&self.callee_changes)
            .chain(&self.stores)
            .chain(&self.rebound)
            .map(String::as_str)
            .chain(self.assigned.iter().map(|(name, _)| name.as_str()))
            .filter(move |chain| {
                let root = chain.split('.').next().unwrap_or_default();
                let lasting = matches!(root, "self" | "cls") || !scope.is_local(root);
                let new = !seen.contains(chain);
                seen.push(chain);
                lasting && new
            })
    }
}

impl<'a> UseSink<'a> for Effects<'_, 'a> {
    fn expr(&mut self, expr: &'a Expr, _use: Use<'a>) {
        match expr {
            Expr::Await(await_expr) => {
                self.awaits
                    .push((await_expr.range().to_std_range(), &await_expr.value));
            }
            Expr::Named(named) => {
                let reads = self.value_reads(&named.value);
                self.store(&named.target, Some(&reads));
            }
            Expr::Call(call) => {
                self.calls = true;
                if !self.in_condition || consumes(call) {
                    self.call_changes.extend(changed_by(self.resolver, call));
                }
                self.callee_changes
                    .extend(self.resolver.changes_of_call(call));
            }
            _ => {}
        }
    }
}

/// `receiver.pop()` and the like.
fn consumes(call: &ast::ExprCall) -> bool {
    matches!(&*call.func, Expr::Attribute(attribute) if CONSUMING_METHODS.contains(&attribute.attr.as_str()))
}

/// What a call changes itself: the receiver of a method that may mutate it (not a module's
/// function), or the first argument of a consuming function.
fn changed_by(resolver: &Resolver<'_, '_>, call: &ast::ExprCall) -> Option<String> {
    if is_harmless_call(call) {
        return None;
    }
    let consumed = || call.arguments.args.first().and_then(chain_of);
    match &*call.func {
        Expr::Name(name) if CONSUMING_FUNCTIONS.contains(&name.id.as_str()) => consumed(),
        Expr::Attribute(attribute) => {
            let method = attribute.attr.as_str();
            let on_heapq =
                matches!(&*attribute.value, Expr::Name(module) if module.id.as_str() == "heapq");
            if on_heapq && CONSUMING_FUNCTIONS.contains(&method) {
                consumed()
            } else if READING_METHODS.contains(&method)
                || is_self(&attribute.value)
                || resolver.qualified_name(&attribute.value).is_some()
            {
                None
            } else {
                chain_of(&attribute.value)
            }
        }
        _ => None,
    }
}

/// The chain an expression stores into or calls a method on: `self.items` for
/// `self.items[k]`, `self.items.x` and `self.items` itself.
fn chain_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(_) | Expr::Attribute(_) => dotted(expr).or_else(|| match expr {
            Expr::Attribute(attribute) => chain_of(&attribute.value),
            _ => None,
        }),
        Expr::Subscript(subscript) => chain_of(&subscript.value),
        _ => None,
    }
}

/// The chains an expression reads: names and attribute chains, the receivers of the methods it
/// calls (`self.queue.empty()` reads `self.queue`), the arguments of its calls, and what the
/// project functions it calls change (`self.next_job()`, which pops from `self.jobs`, reads
/// `self.jobs`). A method of `self` reads no more than that: nothing the loop does can assign to
/// what it returns.
pub fn chains_read(resolver: &Resolver<'_, '_>, expr: &Expr) -> Vec<String> {
    let mut reads = ChainReads {
        resolver,
        chains: Vec::new(),
    };
    reads.visit_expr(expr);
    reads.chains
}

/// The chains read by the calls of a body (not of nested functions).
pub fn calls_read(resolver: &Resolver<'_, '_>, body: &[Stmt]) -> Vec<String> {
    let mut reads = ChainReads {
        resolver,
        chains: Vec::new(),
    };
    let mut calls = CallReads(&mut reads);
    for stmt in body {
        calls.visit_stmt(stmt);
    }
    reads.chains
}

/// Hands the calls of statements to [`ChainReads`].
struct CallReads<'c, 'r, 'm, 'a>(&'c mut ChainReads<'r, 'm, 'a>);

impl<'x> Visitor<'x> for CallReads<'_, '_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'x Stmt) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            walk_stmt(self, stmt);
        }
    }
    fn visit_expr(&mut self, expr: &'x Expr) {
        match expr {
            Expr::Call(_) => self.0.visit_expr(expr),
            Expr::Lambda(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}

struct ChainReads<'r, 'm, 'a> {
    resolver: &'r Resolver<'m, 'a>,
    chains: Vec<String>,
}

impl<'x> Visitor<'x> for ChainReads<'_, '_, '_> {
    fn visit_expr(&mut self, expr: &'x Expr) {
        match expr {
            Expr::Name(_) | Expr::Attribute(_) => match dotted(expr) {
                Some(chain) => push_new(&mut self.chains, [chain]),
                None => walk_expr(self, expr),
            },
            Expr::Call(call) => {
                match &*call.func {
                    Expr::Attribute(attribute) if is_self(&attribute.value) => {}
                    Expr::Attribute(attribute) => self.visit_expr(&attribute.value),
                    Expr::Name(_) => {}
                    func => self.visit_expr(func),
                }
                for arg in &call.arguments.args {
                    self.visit_expr(arg);
                }
                for keyword in &call.arguments.keywords {
                    self.visit_expr(&keyword.value);
                }
                push_new(&mut self.chains, self.resolver.changes_of_call(call));
            }
            Expr::Lambda(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}

/// The names an assignment target binds.
pub fn names_bound(target: &Expr) -> Vec<String> {
    match target {
        Expr::Name(name) => vec![name.id.as_str().to_owned()],
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            elts.iter().flat_map(names_bound).collect()
        }
        Expr::Starred(starred) => names_bound(&starred.value),
        _ => Vec::new(),
    }
}

/// Appends the chains `into` does not hold yet.
pub fn push_new(into: &mut Vec<String>, chains: impl IntoIterator<Item = String>) {
    for chain in chains {
        if !into.contains(&chain) {
            into.push(chain);
        }
    }
}
