//! Which state code reads and which it changes, as *places*: a local or parameter (`count`), a
//! field chain of one (`self.queue`, `self.pool.open`), or a `static` (`SHUTTING_DOWN`). TL004
//! uses them to tell whether a loop's path changes what its decisions read, and the project index
//! to summarize what each function changes and what its result depends on.
//!
//! - A place is changed by an assignment or compound assignment to it, a `&mut` borrow of it, or
//!   a method call on it, unless the method only reads (`len`, `load`, `lock`...). A project
//!   method whose summary is known changes what its summary says, seen from the receiver (a call
//!   of `self.refresh()` that changes `self.hits` changes `self.hits`, not `self.ready`).
//! - An expression reads the places it names; a call reads its receiver and arguments, or, when
//!   the callee's summary is known, the places its result depends on.
//! - A `let` in the code walked makes its names stand for what their initializer read and
//!   changed (`let job = queue.pop()` reads and changes `queue`); a guard or reference
//!   (`let mut buf = self.buf.lock().unwrap()`, `let q = &mut self.q`) is an alias of its place.
//!
//! Limits: syntactic and flow-insensitive within an expression. A call through a value whose
//! type is unknown changes its receiver as a whole; state behind `Rc`/`Arc` shared between two
//! names is two places.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use rustc_hash::FxHashMap;

use syn::visit::Visit;

use super::macros::MacroBodies;
use super::uses::pattern_idents;

/// A place, written as code names it: `count`, `self.queue`, `SHUTTING_DOWN`.
pub type Place = String;

/// Whether changing one place can change the other: one is the other or a part of it.
pub fn overlap(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner.len() > outer.len()
            && inner.starts_with(outer)
            && inner.as_bytes()[outer.len()] == b'.'
    };
    a == b || within(a, b) || within(b, a)
}

/// Methods that do not change their receiver (or return a guard or a copy of it).
const READING_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "load",
    "get",
    "contains",
    "contains_key",
    "starts_with",
    "ends_with",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "ok",
    "err",
    "as_ref",
    "as_deref",
    "as_str",
    "as_slice",
    "as_bytes",
    "borrow",
    "lock",
    "read",
    "write",
    "try_lock",
    "try_read",
    "try_write",
    "borrow_mut",
    "get_mut",
    "as_mut",
    "clone",
    "cloned",
    "copied",
    "to_string",
    "to_owned",
    "to_vec",
    "iter",
    "keys",
    "values",
    "first",
    "last",
    "elapsed",
    "is_closed",
    "capacity",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "is_finished",
    "duration_since",
    "min",
    "max",
    "map",
    "and_then",
    "deref",
];

/// Methods whose result is (a guard of) their receiver: a `let` of their result is an alias.
const GUARD_METHODS: &[&str] = &[
    "lock",
    "write",
    "read",
    "borrow",
    "borrow_mut",
    "get_mut",
    "as_mut",
    "last_mut",
    "first_mut",
    "iter_mut",
    "values_mut",
    "entry",
    "or_default",
    "or_insert",
    "or_insert_with",
    "unwrap",
    "expect",
    "deref_mut",
    "as_deref_mut",
    "try_lock",
    "get",
];

/// What a call reads and changes, from the callee's summary, seen from the callee: `self.hits`
/// for a field of the receiver, `self` for the whole receiver, a `static` by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub writes: BTreeSet<Place>,
    pub result_reads: BTreeSet<Place>,
}

/// What the effects of a call are, as far as the caller of the engine knows.
pub enum Known {
    /// The callee's summary.
    Summary(Summary),
    /// Nothing: the defaults apply (the receiver is read and, unless the method only reads,
    /// changed).
    Unknown,
    /// Recorded to be settled later (by the index build); nothing applies now.
    Deferred,
}

/// Whether an effect is asked for to know what the call changes or what its result reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    Change,
    Read,
}

/// Tells the engine what calls do.
pub trait Calls {
    /// The effects of `receiver.method(..)`, whose receiver is the place `receiver` if it is one.
    fn method_call(
        &self,
        call: &syn::ExprMethodCall,
        receiver: Option<&Place>,
        purpose: Purpose,
    ) -> Known;
    /// The effects of `path(..)`.
    fn function_call(&self, call: &syn::ExprCall, purpose: Purpose) -> Known;
}

/// What a name bound in the walked code stands for.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    reads: BTreeSet<Place>,
    changes: BTreeSet<Place>,
    alias: Option<Place>,
}

/// The engine: the names bound so far, and how calls are resolved.
pub struct Effects<'c, C> {
    calls: &'c C,
    macros: &'c MacroBodies,
    derived: HashMap<String, Derived>,
    /// The places of links of chains (not fields) asked for since the last binding, by
    /// address. An engine walks one syntax tree and its macro bodies, which outlive it, so an
    /// address names one expression; a binding can change what a name stands for, so it
    /// empties the map.
    places: RefCell<FxHashMap<*const syn::Expr, Option<Place>>>,
}

impl<'c, C: Calls> Effects<'c, C> {
    pub fn new(calls: &'c C, macros: &'c MacroBodies) -> Self {
        Effects {
            calls,
            macros,
            derived: HashMap::new(),
            places: RefCell::default(),
        }
    }

    /// Binds the names of `pat` to what `init` reads and changes (a pattern of a `let`, a
    /// `match` arm, a `for` loop). Names bound twice keep both.
    pub fn bind(&mut self, pat: &syn::Pat, init: Option<&syn::Expr>) {
        let derived = match init {
            Some(init) => Derived {
                reads: self.reads(init),
                changes: self.changes(init),
                alias: self.alias(init),
            },
            None => Derived::default(),
        };
        for ident in pattern_idents(pat) {
            let entry = self.derived.entry(ident.ident.to_string()).or_default();
            entry.reads.extend(derived.reads.iter().cloned());
            entry.changes.extend(derived.changes.iter().cloned());
            if entry.alias.is_none() {
                entry.alias.clone_from(&derived.alias);
            }
        }
        self.places.get_mut().clear();
    }

    /// Binds the names of a pattern matched against `scrutinee` (a `match` arm, `if let`,
    /// `for`): when the scrutinee is a place, the names borrow from it.
    pub fn bind_ref(&mut self, pat: &syn::Pat, scrutinee: &syn::Expr) {
        let alias = match scrutinee {
            syn::Expr::Path(_)
            | syn::Expr::Field(_)
            | syn::Expr::Index(_)
            | syn::Expr::Unary(_)
            | syn::Expr::Paren(_) => self.place(scrutinee),
            scrutinee => self.alias(scrutinee),
        };
        self.bind(pat, Some(scrutinee));
        for ident in pattern_idents(pat) {
            if let Some(entry) = self.derived.get_mut(&ident.ident.to_string()) {
                if entry.alias.is_none() {
                    entry.alias.clone_from(&alias);
                }
            }
        }
        self.places.get_mut().clear();
    }

    /// The place `expr` names, through aliases: `self.queue` for `self.queue`, for
    /// `self.queue.lock().unwrap()` and for `*guard` when `guard` is an alias of it.
    ///
    /// The walkers ask for the place of every link of a chain (`a.m0().f1.m1()...`), so the
    /// places of the links that are not fields are remembered until the next binding: each link
    /// is walked once, and a chain of n links costs O(n) plus the length of the places asked
    /// for, instead of O(n²).
    pub fn place(&self, expr: &syn::Expr) -> Option<Place> {
        // Down the chain to its root or to a link whose place is known, remembering the way.
        let mut way = Vec::new();
        let mut link = expr;
        let mut place = loop {
            if let Some(known) = self.places.borrow().get(&std::ptr::from_ref(link)) {
                break known.clone();
            }
            match link_below(link) {
                Some((below, member)) => {
                    way.push((link, member));
                    link = below;
                }
                None => break self.root_place(link),
            }
        };
        // Back up, adding the fields, and remembering the links that are not fields.
        let mut places = self.places.borrow_mut();
        for (link, member) in way.into_iter().rev() {
            match member {
                Some(member) => {
                    if let Some(place) = &mut place {
                        place.push('.');
                        place.push_str(&member);
                    }
                }
                None => {
                    places.insert(std::ptr::from_ref(link), place.clone());
                }
            }
        }
        place
    }

    /// The place a name or path stands for (through the aliases bound so far): a local, or a
    /// `static` by its name; `None` for anything else (a variant, a type, a call).
    fn root_place(&self, root: &syn::Expr) -> Option<Place> {
        let syn::Expr::Path(path) = root else {
            return None;
        };
        if path.qself.is_some() {
            return None;
        }
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        if let [name] = segments.as_slice() {
            if let Some(alias) = self.derived.get(name).and_then(|d| d.alias.clone()) {
                return Some(alias);
            }
            if name.starts_with(|c: char| c.is_lowercase() || c == '_') {
                return Some(name.clone());
            }
        }
        // A `static` (by its name, wherever it is); not a variant or a type.
        segments.last().filter(|name| is_static_name(name)).cloned()
    }

    /// The place a `let` of `init` aliases: a reference to a place, or a guard of one.
    fn alias(&self, init: &syn::Expr) -> Option<Place> {
        match init {
            syn::Expr::Reference(reference) => self.place(&reference.expr),
            syn::Expr::MethodCall(call)
                if GUARD_METHODS.contains(&call.method.to_string().as_str()) =>
            {
                match &*call.receiver {
                    syn::Expr::MethodCall(_) => self.alias(&call.receiver),
                    receiver => self.place(receiver),
                }
            }
            syn::Expr::Try(inner) => self.alias(&inner.expr),
            syn::Expr::Paren(inner) => self.alias(&inner.expr),
            _ => None,
        }
    }

    /// The places whose state the value of `expr` depends on.
    pub fn reads(&self, expr: &syn::Expr) -> BTreeSet<Place> {
        let mut reads = Reads {
            effects: self,
            places: BTreeSet::new(),
        };
        reads.visit_expr(expr);
        reads.places
    }

    /// Every place `expr` changes, anywhere inside it (closures included: they may run).
    pub fn changes(&self, expr: &syn::Expr) -> BTreeSet<Place> {
        let mut changes = Changes {
            effects: self,
            places: BTreeSet::new(),
        };
        changes.visit_expr(expr);
        changes.places
    }

    /// What evaluating a scrutinee took from its places: its own changes, and those of the
    /// names it is made of (`match job` after `let job = queue.pop()`). When the pattern does
    /// not match (`None`, `Err(_)`, the `else` of `let .. else`), nothing was taken.
    pub fn consumed(&self, scrutinee: &syn::Expr) -> BTreeSet<Place> {
        let mut consumed = self.changes(scrutinee);
        let mut names = Names(Vec::new());
        names.visit_expr(scrutinee);
        for name in names.0 {
            if let Some(derived) = self.derived.get(&name) {
                consumed.extend(derived.changes.iter().cloned());
            }
        }
        consumed
    }

    /// The changes made by this node itself (not its children).
    pub fn own_changes(&self, expr: &syn::Expr) -> Vec<Place> {
        match expr {
            syn::Expr::Assign(assign) => self.place(&assign.left).into_iter().collect(),
            syn::Expr::Binary(binary) if is_compound_assignment(binary.op) => {
                self.place(&binary.left).into_iter().collect()
            }
            syn::Expr::Reference(reference) if reference.mutability.is_some() => {
                self.place(&reference.expr).into_iter().collect()
            }
            syn::Expr::MethodCall(call) => {
                let receiver = self.place(&call.receiver);
                match self
                    .calls
                    .method_call(call, receiver.as_ref(), Purpose::Change)
                {
                    Known::Summary(summary) => seen_from(&summary.writes, receiver.as_deref()),
                    Known::Unknown => {
                        let reading = is_reading_method(&call.method.to_string());
                        receiver.filter(|_| !reading).into_iter().collect()
                    }
                    Known::Deferred => Vec::new(),
                }
            }
            syn::Expr::Call(call) => match self.calls.function_call(call, Purpose::Change) {
                Known::Summary(summary) => seen_from(&summary.writes, None),
                Known::Unknown | Known::Deferred => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// The expression a link of a place chain is taken from, with the field it names: `self` and
/// `queue` for `self.queue`; the receiver and no field for a method call, an index, a deref, a
/// reference, `?` or parentheses. `None` at the root of the chain.
fn link_below(link: &syn::Expr) -> Option<(&syn::Expr, Option<String>)> {
    let below = match link {
        syn::Expr::Field(field) => {
            let member = match &field.member {
                syn::Member::Named(name) => name.to_string(),
                syn::Member::Unnamed(index) => index.index.to_string(),
            };
            return Some((&field.base, Some(member)));
        }
        syn::Expr::MethodCall(call) => &call.receiver,
        syn::Expr::Index(index) => &index.expr,
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => &unary.expr,
        syn::Expr::Paren(inner) => &inner.expr,
        syn::Expr::Group(inner) => &inner.expr,
        syn::Expr::Reference(inner) => &inner.expr,
        syn::Expr::Try(inner) => &inner.expr,
        _ => return None,
    };
    Some((below, None))
}

/// Whether a name is written as `static`s are: `SHUTTING_DOWN`, `STATE2`.
pub fn is_static_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a method only reads its receiver (or returns a guard or copy of it).
pub fn is_reading_method(name: &str) -> bool {
    READING_METHODS.contains(&name)
}

/// Whether an operator assigns (`+=`, `|=`...).
fn is_compound_assignment(op: syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

/// A callee's places seen from the caller: `self.hits` of a call on `self.cache` is
/// `self.cache.hits`; statics stay as they are. Without a receiver, places of `self` are dropped.
pub fn seen_from(places: &BTreeSet<Place>, receiver: Option<&str>) -> Vec<Place> {
    places
        .iter()
        .filter_map(|place| {
            let rest = if place == "self" {
                Some("")
            } else {
                place.strip_prefix("self.").map(|_| &place[4..])
            };
            match (rest, receiver) {
                (Some(rest), Some(receiver)) => Some(format!("{receiver}{rest}")),
                (Some(_), None) => None,
                (None, _) => Some(place.clone()),
            }
        })
        .collect()
}

struct Reads<'e, 'c, C> {
    effects: &'e Effects<'c, C>,
    places: BTreeSet<Place>,
}

impl<C> Reads<'_, '_, C> {
    /// What the name at the root of a place expression stands for, if the walk bound it.
    fn derived_reads(&mut self, expr: &syn::Expr) {
        let mut root = expr;
        loop {
            root = match root {
                syn::Expr::Field(field) => &field.base,
                syn::Expr::MethodCall(call) => &call.receiver,
                syn::Expr::Index(index) => &index.expr,
                syn::Expr::Unary(unary) => &unary.expr,
                syn::Expr::Paren(inner) => &inner.expr,
                syn::Expr::Reference(inner) => &inner.expr,
                syn::Expr::Try(inner) => &inner.expr,
                _ => break,
            };
        }
        let syn::Expr::Path(path) = root else {
            return;
        };
        if let Some(derived) = path
            .path
            .get_ident()
            .and_then(|name| self.effects.derived.get(&name.to_string()))
        {
            self.places.extend(derived.reads.iter().cloned());
        }
    }
}

impl<'ast, C: Calls> Visit<'ast> for Reads<'_, '_, C> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        let effects = self.effects;
        match expr {
            syn::Expr::Path(path) if path.qself.is_none() => {
                if let Some(name) = path.path.get_ident() {
                    if let Some(derived) = effects.derived.get(&name.to_string()) {
                        self.places.extend(derived.reads.iter().cloned());
                    }
                }
                self.places.extend(effects.place(expr));
            }
            syn::Expr::Field(_) => {
                let mut root = expr;
                while let syn::Expr::Field(field) = root {
                    root = &field.base;
                }
                match effects.place(expr) {
                    Some(place) if matches!(root, syn::Expr::Path(_)) => {
                        self.derived_reads(root);
                        self.places.insert(place);
                    }
                    _ => syn::visit::visit_expr(self, expr),
                }
            }
            syn::Expr::MethodCall(call) => {
                let receiver = effects.place(&call.receiver);
                match effects
                    .calls
                    .method_call(call, receiver.as_ref(), Purpose::Read)
                {
                    Known::Summary(summary) => {
                        self.places
                            .extend(seen_from(&summary.result_reads, receiver.as_deref()));
                        match receiver {
                            Some(_) => self.derived_reads(&call.receiver),
                            None => self.visit_expr(&call.receiver),
                        }
                    }
                    Known::Unknown => self.visit_expr(&call.receiver),
                    Known::Deferred => {}
                }
                for arg in &call.args {
                    self.visit_expr(arg);
                }
            }
            syn::Expr::Call(call) => {
                if let Known::Summary(summary) = effects.calls.function_call(call, Purpose::Read) {
                    self.places.extend(seen_from(&summary.result_reads, None));
                }
                for arg in &call.args {
                    self.visit_expr(arg);
                }
            }
            syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
            syn::Expr::Macro(mac) => self.visit_macro(&mac.mac),
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Some(body) = self.effects.macros.get(mac) {
            for (expr, _) in &body.args {
                self.visit_expr(expr);
            }
        }
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

struct Changes<'e, 'c, C> {
    effects: &'e Effects<'c, C>,
    places: BTreeSet<Place>,
}

impl<'ast, C: Calls> Visit<'ast> for Changes<'_, '_, C> {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        self.places.extend(self.effects.own_changes(expr));
        syn::visit::visit_expr(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Some(body) = self.effects.macros.get(mac) {
            for (expr, _) in &body.args {
                self.visit_expr(expr);
            }
            for arm in &body.arms {
                if let Some(future) = &arm.future {
                    self.visit_expr(future);
                }
                self.visit_expr(&arm.handler);
            }
        }
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

/// The single names an expression mentions.
struct Names(Vec<String>);

impl<'ast> Visit<'ast> for Names {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if let Some(name) = path.path.get_ident() {
            self.0.push(name.to_string());
        }
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No call is known: the defaults apply.
    struct NoCalls;

    impl Calls for NoCalls {
        fn method_call(&self, _: &syn::ExprMethodCall, _: Option<&Place>, _: Purpose) -> Known {
            Known::Unknown
        }
        fn function_call(&self, _: &syn::ExprCall, _: Purpose) -> Known {
            Known::Unknown
        }
    }

    fn set(places: &[&str]) -> BTreeSet<Place> {
        places.iter().map(|place| (*place).to_owned()).collect()
    }

    #[test]
    fn places_overlap_when_one_contains_the_other() {
        assert!(overlap("self.queue", "self.queue"));
        assert!(overlap("self", "self.queue"));
        assert!(overlap("self.pool.open", "self.pool"));
        assert!(!overlap("self.queue", "self.queued"));
        assert!(!overlap("self.ready", "self.hits"));
    }

    #[test]
    fn reads_changes_and_aliases() {
        let macros = MacroBodies::default();
        let mut effects = Effects::new(&NoCalls, &macros);
        let expr: syn::Expr = syn::parse_quote!(self.pending.lock().unwrap().pop_front());
        assert_eq!(effects.changes(&expr), set(&["self.pending"]));
        assert_eq!(effects.reads(&expr), set(&["self.pending"]));
        let expr: syn::Expr = syn::parse_quote!(self.ready.load(Ordering::Acquire));
        assert!(effects.changes(&expr).is_empty());
        let expr: syn::Expr = syn::parse_quote!(count += step);
        assert_eq!(effects.changes(&expr), set(&["count"]));
        let guard: syn::Pat = syn::parse_quote!(buffer);
        let init: syn::Expr = syn::parse_quote!(self.buffer.lock().unwrap());
        effects.bind(&guard, Some(&init));
        let expr: syn::Expr = syn::parse_quote!(buffer.drain(..4));
        assert_eq!(effects.changes(&expr), set(&["self.buffer"]));
        let job: syn::Pat = syn::parse_quote!(job);
        let init: syn::Expr = syn::parse_quote!(queue.pop_front());
        effects.bind(&job, Some(&init));
        let scrutinee: syn::Expr = syn::parse_quote!(job);
        assert_eq!(effects.consumed(&scrutinee), set(&["queue"]));
        assert_eq!(effects.reads(&scrutinee), set(&["job", "queue"]));
    }

    #[test]
    fn summaries_are_seen_from_the_receiver() {
        let writes = set(&["self.hits", "self", "SHUTTING_DOWN"]);
        assert_eq!(
            seen_from(&writes, Some("self.cache")),
            ["SHUTTING_DOWN", "self.cache", "self.cache.hits"]
        );
        assert_eq!(seen_from(&writes, None), ["SHUTTING_DOWN"]);
    }
}
