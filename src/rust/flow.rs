//! Follows one local variable (or field of `self`, assigned in a method) that holds a task
//! handle, a `JoinSet` or a future through the body that binds it (a function, closure or async
//! block), and reports where the value is lost while still held: at the end of the variable's
//! scope, when it is assigned again, or when a loop comes around to the binding site again.
//!
//! The analysis walks the body in evaluation order with a set of states per program point
//! (`UNBOUND`, `HELD`, `KEPT`) and joins them where paths meet: `if`/`match` arms, `select!`
//! branches, loops (iterated to a fixpoint; `break` and `continue` jump to their loop), labeled
//! blocks. Names are scoped as in Rust: a `let` in a block, closure parameters and patterns
//! shadow the variable, and shadowing does not drop it (it still lives to the end of its block).
//! A use that may keep the value (awaited, passed on, moved, stored, returned, captured by a
//! closure, named inside a macro that is not parsed) makes it `KEPT`; looking at it (formatting,
//! comparisons, the `&self` methods the caller names) does not. A followed field of `self` is
//! also kept by any use of `self` as a whole (a method call on it may take care of the field).
//!
//! Leaving a scope early (`return`, `?`, `break`, `continue`, a panic) drops the value without a
//! loss: that is how Rust code cancels its scoped tasks on errors.

use std::ops::Range;

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::macros::MacroBodies;
use super::uses::{self, pattern_idents, walk_expr, walk_init, walk_place, Use, UseVisitor};

type States = u8;
/// The variable does not hold the followed value (not bound yet, or rebound).
const UNBOUND: States = 1;
/// It holds the value and nothing keeps it yet.
const HELD: States = 2;
/// It held the value and something kept it.
const KEPT: States = 4;

/// Where the followed value is bound.
#[derive(Debug, Clone, Copy)]
pub enum Site<'a> {
    /// `let name = <value>;`: the identifier of the pattern.
    Let(&'a syn::PatIdent),
    /// `name = <value>;`: the left-hand side.
    Assign(&'a syn::Expr),
}

/// The body the value is followed through.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// A function body; `parameter` says whether the name is one of its parameters.
    Function {
        block: &'a syn::Block,
        parameter: bool,
    },
    /// A closure body; `parameter` as above.
    Closure {
        body: &'a syn::Expr,
        parameter: bool,
    },
    Async(&'a syn::Block),
}

/// How the value is lost while still held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loss {
    /// The variable's scope ends here (the closing brace). `loop_keyword` is set when that
    /// scope is inside a loop of the body: the value is lost on every iteration.
    ScopeEnd {
        close: Range<usize>,
        loop_keyword: Option<Range<usize>>,
    },
    /// The variable is assigned something else here.
    Overwritten(Range<usize>),
    /// The loop (this keyword) comes around to the binding site again.
    NextIteration(Range<usize>),
}

/// What happened to the followed value.
#[derive(Debug, Default)]
pub struct FlowResult {
    pub losses: Vec<Loss>,
    /// The variable is read at least once after the site.
    pub read: bool,
    /// Some path keeps the value.
    pub kept_somewhere: bool,
    /// The `let` of the site is the last statement of its block (nothing runs while it lives).
    pub site_is_last: bool,
}

impl FlowResult {
    /// The keyword of the loop that loses the value on each iteration, if one does.
    pub fn loop_keyword(&self) -> Option<&Range<usize>> {
        self.losses.iter().find_map(|loss| match loss {
            Loss::NextIteration(keyword) => Some(keyword),
            Loss::ScopeEnd {
                loop_keyword: Some(keyword),
                ..
            } => Some(keyword),
            _ => None,
        })
    }
}

/// What holds the value: a local variable, or a field of `self` (assigned in a method).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Variable(String),
    SelfField(String),
}

impl Target {
    /// How the target is written: `task`, `self.task`.
    pub fn display(&self) -> String {
        match self {
            Target::Variable(name) => name.clone(),
            Target::SelfField(field) => format!("self.{field}"),
        }
    }

    /// Whether `expr` names the target.
    fn matches(&self, expr: &syn::Expr) -> bool {
        match self {
            Target::Variable(name) => is_name(expr, name),
            Target::SelfField(field) => is_self_field(expr).is_some_and(|member| &member == field),
        }
    }

    pub fn variable(&self) -> Option<&str> {
        match self {
            Target::Variable(name) => Some(name),
            Target::SelfField(_) => None,
        }
    }
}

/// What is followed, for the walk.
pub struct Followed<'a> {
    pub target: Target,
    pub site: Site<'a>,
    /// Methods that only look at the value (`is_finished`, `len`).
    pub non_keeping_methods: &'static [&'static str],
}

/// Follows `followed` through `body`.
pub fn follow<'a>(macros: &'a MacroBodies, body: Body<'a>, followed: Followed<'a>) -> FlowResult {
    let (parameter, close) = match body {
        Body::Function { block, parameter } => (parameter, Some(close_of(block))),
        Body::Closure { parameter, .. } => (parameter, None),
        Body::Async(_) => (false, None),
    };
    let mut walk = Follower {
        macros,
        followed,
        states: UNBOUND,
        scopes: vec![Scope {
            binding: parameter.then_some(Binding::Other),
            close,
            ..Scope::default()
        }],
        loops: Vec::new(),
        ours_outside: false,
        stmt_is_last: false,
        result: FlowResult::default(),
    };
    match body {
        Body::Function { block, .. } => walk.block_in(block, Use::Returned),
        Body::Closure { body, .. } => walk.expr(body, Use::Returned),
        Body::Async(block) => walk.block_in(block, Use::Returned),
    }
    walk.pop_scope();
    walk.result
}

/// Which variable a name refers to in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    Ours,
    Other,
}

#[derive(Debug, Default)]
struct Scope {
    /// The latest binding of the name in this scope.
    binding: Option<Binding>,
    /// Our variable lives in this scope (even if shadowed).
    holds_ours: bool,
    /// The closing brace, where the scope's variables are dropped.
    close: Option<Range<usize>>,
    /// The keyword of the loop whose body this scope is.
    loop_keyword: Option<Range<usize>>,
}

struct LoopFrame {
    label: Option<String>,
    /// `None` for a labeled block, which only a labeled `break` leaves.
    keyword: Option<Range<usize>>,
    /// The number of scopes outside the loop.
    depth: usize,
    breaks: States,
    continues: States,
}

struct Follower<'a> {
    macros: &'a MacroBodies,
    followed: Followed<'a>,
    states: States,
    scopes: Vec<Scope>,
    loops: Vec<LoopFrame>,
    /// Our variable is declared outside the body (a captured variable).
    ours_outside: bool,
    /// The statement being walked ends its block.
    stmt_is_last: bool,
    result: FlowResult,
}

impl<'a> Follower<'a> {
    /// Whether the target, here, refers to the followed variable (a field of `self` always does).
    fn refers_to_ours(&self) -> bool {
        if self.followed.target.variable().is_none() {
            return true;
        }
        match self.scopes.iter().rev().find_map(|scope| scope.binding) {
            Some(binding) => binding == Binding::Ours,
            None => self.ours_outside,
        }
    }

    /// The index of the scope that holds our variable.
    fn ours_depth(&self) -> Option<usize> {
        self.scopes.iter().rposition(|scope| scope.holds_ours)
    }

    fn lose(&mut self, loss: Loss) {
        if !self.result.losses.contains(&loss) {
            self.result.losses.push(loss);
        }
    }

    fn mention(&mut self, use_: Use<'a>) {
        if self.states & (HELD | KEPT) != 0 {
            self.result.read = true;
        }
        if self.states & HELD != 0 && self.keeps(use_) {
            self.states = (self.states & !HELD) | KEPT;
            self.result.kept_somewhere = true;
        }
    }

    fn keeps(&self, use_: Use<'a>) -> bool {
        match use_ {
            Use::Wildcard | Use::Inspected => false,
            Use::Receiver { method } => !self
                .followed
                .non_keeping_methods
                .iter()
                .any(|name| method == name),
            _ => true,
        }
    }

    /// A new scope; a block inside a loop (of this body) ends with every iteration.
    fn push_scope(&mut self, close: Option<Range<usize>>) {
        let loop_keyword = self
            .loops
            .iter()
            .rev()
            .find_map(|frame| frame.keyword.clone());
        self.scopes.push(Scope {
            close,
            loop_keyword,
            ..Scope::default()
        });
    }

    /// Leaves the innermost scope, dropping our variable if it lives there.
    fn pop_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        if !scope.holds_ours {
            return;
        }
        if self.states & HELD != 0 {
            if let Some(close) = scope.close {
                self.lose(Loss::ScopeEnd {
                    close,
                    loop_keyword: scope.loop_keyword,
                });
            }
        }
        if self.states != 0 {
            self.states = UNBOUND;
        }
    }

    /// Binds the names of a pattern in the innermost scope.
    fn bind_pattern(&mut self, pat: &'a syn::Pat) {
        let Some(name) = self.followed.target.variable() else {
            return;
        };
        for ident in pattern_idents(pat) {
            if ident.ident != name {
                continue;
            }
            let is_site =
                matches!(self.followed.site, Site::Let(site) if std::ptr::eq(site, ident));
            let Some(scope) = self.scopes.last_mut() else {
                return;
            };
            if is_site {
                scope.binding = Some(Binding::Ours);
                scope.holds_ours = true;
                self.states = HELD;
                self.result.site_is_last = self.stmt_is_last;
            } else {
                scope.binding = Some(Binding::Other);
            }
        }
    }

    /// A block in a new scope.
    fn block_in(&mut self, block: &'a syn::Block, tail: Use<'a>) {
        self.push_scope(Some(close_of(block)));
        let count = block.stmts.len();
        for (index, stmt) in block.stmts.iter().enumerate() {
            if self.states == 0 {
                break;
            }
            self.stmt_is_last = index + 1 == count;
            uses::walk_stmt(self, stmt, self.stmt_is_last, tail);
        }
        self.pop_scope();
    }

    /// The condition of an `if` or `while`: its `let` patterns bind in the current scope.
    fn condition(&mut self, cond: &'a syn::Expr) {
        match cond {
            syn::Expr::Let(let_expr) => {
                self.expr(&let_expr.expr, Use::Other);
                self.bind_pattern(&let_expr.pat);
            }
            syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
                self.condition(&binary.left);
                self.condition(&binary.right);
            }
            cond => self.expr(cond, Use::Inspected),
        }
    }

    fn if_expr(&mut self, if_expr: &'a syn::ExprIf, use_: Use<'a>) {
        self.push_scope(None);
        self.condition(&if_expr.cond);
        let after_condition = self.states;
        self.states = self.refine(&if_expr.cond, after_condition, true);
        self.block_in(&if_expr.then_branch, use_);
        let then_states = self.states;
        self.scopes.pop();
        self.states = self.refine(&if_expr.cond, after_condition, false);
        if let Some((_, else_branch)) = &if_expr.else_branch {
            self.expr(else_branch, use_);
        }
        self.states |= then_states;
    }

    /// The states where `cond` is `truth`: a handle whose `is_finished()` is true is no longer
    /// at risk (dropping it loses nothing), though that does not count as keeping it.
    fn refine(&self, cond: &syn::Expr, states: States, truth: bool) -> States {
        match cond {
            syn::Expr::Paren(paren) => self.refine(&paren.expr, states, truth),
            syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
                self.refine(&unary.expr, states, !truth)
            }
            // `a && b` is true when both are; `a || b` is false when both are.
            syn::Expr::Binary(binary)
                if (truth && matches!(binary.op, syn::BinOp::And(_)))
                    || (!truth && matches!(binary.op, syn::BinOp::Or(_))) =>
            {
                let states = self.refine(&binary.left, states, truth);
                self.refine(&binary.right, states, truth)
            }
            syn::Expr::MethodCall(call)
                if truth
                    && call.method == "is_finished"
                    && call.args.is_empty()
                    && self.followed.target.matches(&call.receiver)
                    && self.refers_to_ours() =>
            {
                if states & HELD != 0 {
                    (states & !HELD) | KEPT
                } else {
                    states
                }
            }
            _ => states,
        }
    }

    /// Alternatives that each start from the current states: `match` arms, `select!` branches.
    fn branches(&mut self, arms: impl IntoIterator<Item = Arm<'a>>, use_: Use<'a>) {
        let entry = self.states;
        let mut out = 0;
        let mut any = false;
        for arm in arms {
            any = true;
            self.states = entry;
            self.push_scope(None);
            if let Some(pat) = arm.pat {
                self.bind_pattern(pat);
            }
            if let Some(guard) = arm.guard {
                self.expr(guard, Use::Inspected);
            }
            self.expr(arm.body, use_);
            self.scopes.pop();
            out |= self.states;
        }
        // A `match` without arms is on an empty type: it does not return.
        self.states = if any { out } else { 0 };
    }

    fn looping(
        &mut self,
        label: Option<&syn::Label>,
        keyword: Range<usize>,
        kind: LoopKind<'a>,
        body: &'a syn::Block,
    ) {
        if let LoopKind::For { iterated, .. } = kind {
            self.expr(iterated, Use::Other);
        }
        let mut head = self.states;
        // The states when the loop ends without `break`: the `while` condition is false, the
        // iterator is exhausted.
        let mut exits = 0;
        let mut breaks = 0;
        for _ in 0..8 {
            self.states = head;
            self.loops.push(LoopFrame {
                label: label.map(|label| label.name.ident.to_string()),
                keyword: Some(keyword.clone()),
                depth: self.scopes.len(),
                breaks: 0,
                continues: 0,
            });
            self.push_scope(None);
            match kind {
                LoopKind::While(cond) => {
                    self.condition(cond);
                    exits |= self.refine(cond, self.states, false);
                    self.states = self.refine(cond, self.states, true);
                }
                LoopKind::For { pat, .. } => {
                    self.bind_pattern(pat);
                    exits |= self.states;
                }
                LoopKind::Loop => {}
            }
            if self.states != 0 {
                self.block_in(body, Use::Discarded);
            }
            self.scopes.pop();
            let Some(frame) = self.loops.pop() else {
                break;
            };
            breaks |= frame.breaks;
            let next = head | self.states | frame.continues;
            if next == head {
                break;
            }
            head = next;
        }
        self.states = exits | breaks;
    }

    fn labeled_block(&mut self, label: &syn::Label, block: &'a syn::Block, use_: Use<'a>) {
        self.loops.push(LoopFrame {
            label: Some(label.name.ident.to_string()),
            keyword: None,
            depth: self.scopes.len(),
            breaks: 0,
            continues: 0,
        });
        self.block_in(block, use_);
        if let Some(frame) = self.loops.pop() {
            self.states |= frame.breaks;
        }
    }

    /// `break` or `continue`: the states go to the loop; leaving the scope of our variable
    /// drops it without a loss.
    fn jump(&mut self, label: Option<&syn::Lifetime>, is_break: bool) {
        let label = label.map(|label| label.ident.to_string());
        let target = self.loops.iter().rposition(|frame| match &label {
            Some(label) => frame.label.as_ref() == Some(label),
            None => frame.keyword.is_some(),
        });
        let mut states = self.states;
        self.states = 0;
        let Some(index) = target else {
            return;
        };
        let depth = self.loops[index].depth;
        if self.ours_depth().is_some_and(|ours| ours >= depth) && states != 0 {
            states = UNBOUND;
        }
        let frame = &mut self.loops[index];
        if is_break {
            frame.breaks |= states;
        } else {
            frame.continues |= states;
        }
    }

    fn assign(&mut self, assign: &'a syn::ExprAssign) {
        let value_use = if matches!(*assign.left, syn::Expr::Infer(_)) {
            Use::Wildcard
        } else {
            Use::Assigned(&assign.left)
        };
        self.expr(&assign.right, value_use);
        if !self.followed.target.matches(&assign.left) {
            walk_place(self, &assign.left);
            return;
        }
        let is_site =
            matches!(self.followed.site, Site::Assign(site) if std::ptr::eq(site, &*assign.left));
        if is_site {
            self.claim_visible_binding();
            if self.states & HELD != 0 {
                let keyword = self
                    .loops
                    .iter()
                    .rev()
                    .find_map(|frame| frame.keyword.clone());
                let loss = match keyword {
                    Some(keyword) => Loss::NextIteration(keyword),
                    None => Loss::Overwritten(assign.left.span().byte_range()),
                };
                self.lose(loss);
            }
            if self.states != 0 {
                self.states = HELD;
            }
        } else if self.refers_to_ours() {
            if self.states & HELD != 0 {
                self.lose(Loss::Overwritten(assign.left.span().byte_range()));
            }
            if self.states != 0 {
                self.states = UNBOUND;
            }
        }
    }

    /// At an assignment site, the variable the name refers to becomes ours.
    fn claim_visible_binding(&mut self) {
        if self.followed.target.variable().is_none() {
            self.ours_outside = true;
            return;
        }
        match self
            .scopes
            .iter_mut()
            .rev()
            .find(|scope| scope.binding.is_some())
        {
            Some(scope) => {
                scope.binding = Some(Binding::Ours);
                scope.holds_ours = true;
            }
            None => self.ours_outside = true,
        }
    }

    /// The name a closure, async block or macro that reaches the target mentions: the
    /// variable, or `self`.
    fn captured_name(&self) -> &str {
        self.followed.target.variable().unwrap_or("self")
    }

    /// A closure or async block that names our variable captures it.
    fn capture(&mut self, mentions: bool) {
        if mentions && self.refers_to_ours() {
            self.mention(Use::Other);
        }
    }
}

/// One alternative of a `match` or `select!`.
struct Arm<'a> {
    pat: Option<&'a syn::Pat>,
    guard: Option<&'a syn::Expr>,
    body: &'a syn::Expr,
}

#[derive(Clone, Copy)]
enum LoopKind<'a> {
    Loop,
    While(&'a syn::Expr),
    For {
        pat: &'a syn::Pat,
        iterated: &'a syn::Expr,
    },
}

impl<'a> UseVisitor<'a> for Follower<'a> {
    fn macros(&self) -> &'a MacroBodies {
        self.macros
    }

    fn expr(&mut self, expr: &'a syn::Expr, use_: Use<'a>) {
        use syn::Expr as E;
        if self.states == 0 {
            return;
        }
        match expr {
            _ if self.followed.target.matches(expr) => {
                if self.refers_to_ours() {
                    self.mention(use_);
                }
            }
            // Other fields of `self` are not the followed one.
            E::Field(_) if is_self_field(expr).is_some() => {}
            // `self` itself (a method call on it, passed on) may reach the followed field.
            E::Path(_) if is_name(expr, "self") => {
                if matches!(self.followed.target, Target::SelfField(_)) {
                    self.mention(use_);
                }
            }
            E::Assign(assign) => self.assign(assign),
            E::If(if_expr) => self.if_expr(if_expr, use_),
            E::Match(match_expr) => {
                self.expr(&match_expr.expr, Use::Other);
                let arms = match_expr.arms.iter().map(|arm| Arm {
                    pat: Some(&arm.pat),
                    guard: arm.guard.as_ref().map(|(_, guard)| &**guard),
                    body: &arm.body,
                });
                self.branches(arms, use_);
            }
            E::Loop(loop_expr) => self.looping(
                loop_expr.label.as_ref(),
                loop_expr.loop_token.span.byte_range(),
                LoopKind::Loop,
                &loop_expr.body,
            ),
            E::While(while_expr) => self.looping(
                while_expr.label.as_ref(),
                while_expr.while_token.span.byte_range(),
                LoopKind::While(&while_expr.cond),
                &while_expr.body,
            ),
            E::ForLoop(for_loop) => self.looping(
                for_loop.label.as_ref(),
                for_loop.for_token.span.byte_range(),
                LoopKind::For {
                    pat: &for_loop.pat,
                    iterated: &for_loop.expr,
                },
                &for_loop.body,
            ),
            E::Block(block) => match &block.label {
                Some(label) => self.labeled_block(label, &block.block, use_),
                None => self.block_in(&block.block, use_),
            },
            E::Return(ret) => {
                if let Some(value) = &ret.expr {
                    self.expr(value, Use::Returned);
                }
                self.states = 0;
            }
            E::Break(break_expr) => {
                if let Some(value) = &break_expr.expr {
                    self.expr(value, Use::Other);
                }
                self.jump(break_expr.label.as_ref(), true);
            }
            E::Continue(continue_expr) => self.jump(continue_expr.label.as_ref(), false),
            E::Closure(closure) => {
                let name = self.captured_name();
                let shadowed = closure
                    .inputs
                    .iter()
                    .flat_map(pattern_idents)
                    .any(|ident| ident.ident == name);
                let mentions = !shadowed && mentions_name(&closure.body, name);
                self.capture(mentions);
            }
            E::Async(block) => {
                let name = self.captured_name();
                let mentions = block
                    .block
                    .stmts
                    .iter()
                    .any(|stmt| stmt_mentions_name(stmt, name));
                self.capture(mentions);
            }
            _ => walk_expr(self, expr, use_),
        }
    }

    fn block(&mut self, block: &'a syn::Block, tail: Use<'a>) {
        self.block_in(block, tail);
    }

    fn local(&mut self, local: &'a syn::Local) {
        if self.states == 0 {
            return;
        }
        // Blocks in the initializer walk statements of their own.
        let is_last = self.stmt_is_last;
        if let Some(init) = &local.init {
            walk_init(self, &local.pat, &init.expr);
            if let Some((_, diverge)) = &init.diverge {
                // The `else` block never falls through.
                let states = self.states;
                self.expr(diverge, Use::Discarded);
                self.states = states;
            }
        }
        self.stmt_is_last = is_last;
        self.bind_pattern(&local.pat);
    }

    fn mac(&mut self, mac: &'a syn::Macro, use_: Use<'a>) {
        if self.states == 0 {
            return;
        }
        let Some(body) = self.macros.get(mac) else {
            // Code the walk cannot read: naming the variable there may keep it.
            let name = self.captured_name();
            if tokens_mention(mac.tokens.clone(), name) && self.refers_to_ours() {
                self.mention(Use::Other);
            }
            return;
        };
        for (expr, role) in &body.args {
            self.expr(expr, uses::arg_use(*role, use_));
        }
        if !body.arms.is_empty() {
            for arm in &body.arms {
                if let Some(future) = &arm.future {
                    self.expr(future, Use::Polled);
                }
            }
            let arms = body.arms.iter().map(|arm| Arm {
                pat: arm.pat.as_ref(),
                guard: arm.guard.as_ref(),
                body: &arm.handler,
            });
            self.branches(arms, use_);
        }
        if body.diverges {
            self.states = 0;
        }
    }
}

/// The range of a block's closing brace.
fn close_of(block: &syn::Block) -> Range<usize> {
    block.brace_token.span.close().byte_range()
}

/// Whether `expr` is the single identifier `name`.
pub fn is_name(expr: &syn::Expr, name: &str) -> bool {
    match expr {
        syn::Expr::Path(path) => {
            path.qself.is_none()
                && path.path.leading_colon.is_none()
                && path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none()
                && path.path.segments[0].ident == name
        }
        syn::Expr::Paren(paren) => is_name(&paren.expr, name),
        _ => false,
    }
}

/// The field of `self.field`, if `expr` is one.
pub fn is_self_field(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::Field(field) = expr else {
        return None;
    };
    let syn::Member::Named(member) = &field.member else {
        return None;
    };
    is_name(&field.base, "self").then(|| member.to_string())
}

/// Finds the identifier `name` used as an expression, or inside a macro's tokens.
struct NameFinder<'n> {
    name: &'n str,
    found: bool,
}

impl<'a> Visit<'a> for NameFinder<'_> {
    fn visit_expr(&mut self, expr: &'a syn::Expr) {
        if self.found {
            return;
        }
        if is_name(expr, self.name) {
            self.found = true;
        } else {
            syn::visit::visit_expr(self, expr);
        }
    }

    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        self.found |= tokens_mention(mac.tokens.clone(), self.name);
    }

    fn visit_item(&mut self, _item: &'a syn::Item) {}
}

fn mentions_name(expr: &syn::Expr, name: &str) -> bool {
    let mut finder = NameFinder { name, found: false };
    finder.visit_expr(expr);
    finder.found
}

fn stmt_mentions_name(stmt: &syn::Stmt, name: &str) -> bool {
    let mut finder = NameFinder { name, found: false };
    finder.visit_stmt(stmt);
    finder.found
}

/// Whether a token stream holds the identifier `name`.
fn tokens_mention(tokens: proc_macro2::TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == name,
        proc_macro2::TokenTree::Group(group) => tokens_mention(group.stream(), name),
        _ => false,
    })
}
