//! The bodies of common macros, parsed as expressions where their grammar allows, so the
//! detectors see the code inside them: `join!`/`try_join!`/`pin!` (futures that are polled),
//! `select!`/`select_biased!` branches (tokio and futures grammars), `vec!` (elements),
//! formatting, assertion and logging macros (arguments that are only looked at), `matches!`,
//! `dbg!` (its value), and the macros that never return (`panic!`, `unreachable!`, `todo!`,
//! `unimplemented!`, `bail!`).
//!
//! syn keeps macro bodies as tokens. [`MacroBodies::parse`] parses them once, before the walks,
//! into a table keyed by the address of each `syn::Macro`, so the walks can borrow the parsed
//! expressions for as long as they borrow the file. Tokens keep their spans, so findings inside
//! a macro point into the file. Other macros, and arguments that do not parse as expressions
//! (`target: "x"` in `info!`, the statement form of `tokio::pin!`), are skipped without error.

use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::visit::Visit;

/// How a macro uses one of its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgRole {
    /// A future that the macro polls (`join!`, `pin!`).
    Polled,
    /// Only looked at: formatted, compared, asserted.
    Inspected,
    /// An element of the collection the macro builds (`vec!`).
    Element,
    /// The macro's own value (`dbg!`).
    Value,
    /// Used in some other way (the writer of `write!`, the length of `vec![x; n]`).
    Other,
}

/// One branch of a `select!`.
#[derive(Debug)]
pub struct SelectArm {
    /// What the future's output is matched against, if the branch has a future.
    pub pat: Option<syn::Pat>,
    pub future: Option<syn::Expr>,
    /// tokio's precondition (`, if cond`).
    pub guard: Option<syn::Expr>,
    pub handler: syn::Expr,
}

/// The parsed body of one macro invocation.
#[derive(Debug, Default)]
pub struct MacroBody {
    pub args: Vec<(syn::Expr, ArgRole)>,
    pub arms: Vec<SelectArm>,
    /// The macro never returns (`panic!`).
    pub diverges: bool,
}

/// The parsed bodies of the known macros of one file.
#[derive(Debug, Default)]
pub struct MacroBodies {
    /// Keyed by the address of the `syn::Macro`; the boxes keep the parsed bodies (and the
    /// macros nested in them) at stable addresses.
    by_address: HashMap<usize, Box<MacroBody>>,
}

impl MacroBodies {
    /// Parses the body of every known macro in the file, nested ones included.
    pub fn parse(file: &syn::File) -> Self {
        let mut collector = Collector {
            bodies: MacroBodies::default(),
        };
        collector.visit_file(file);
        collector.bodies
    }

    /// The parsed body of a macro invocation, if it is a known macro whose body parsed.
    pub fn get(&self, mac: &syn::Macro) -> Option<&MacroBody> {
        self.by_address
            .get(&(mac as *const syn::Macro as usize))
            .map(|body| &**body)
    }
}

struct Collector {
    bodies: MacroBodies,
}

impl Collector {
    fn add(&mut self, mac: &syn::Macro) {
        let Some(body) = parse_body(mac) else {
            return;
        };
        let body = Box::new(body);
        for (expr, _) in &body.args {
            self.visit_expr(expr);
        }
        for arm in &body.arms {
            if let Some(future) = &arm.future {
                self.visit_expr(future);
            }
            if let Some(guard) = &arm.guard {
                self.visit_expr(guard);
            }
            self.visit_expr(&arm.handler);
        }
        self.bodies
            .by_address
            .insert(mac as *const syn::Macro as usize, body);
    }
}

impl<'a> Visit<'a> for Collector {
    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        self.add(mac);
    }
}

/// The name a macro is invoked by: `select` for `tokio::select!`.
pub fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

fn parse_body(mac: &syn::Macro) -> Option<MacroBody> {
    let name = macro_name(mac);
    let tokens = mac.tokens.clone();
    let every = |role: ArgRole| MacroBody {
        args: split_args(tokens.clone())
            .into_iter()
            .filter_map(|arg| parse_arg(arg).map(|expr| (expr, role)))
            .collect(),
        ..MacroBody::default()
    };
    let body = match name.as_str() {
        "join" | "try_join" | "pin" | "pin_mut" => every(ArgRole::Polled),
        "select" | "select_biased" => MacroBody {
            arms: parse_select.parse2(tokens).ok()?,
            ..MacroBody::default()
        },
        "vec" => {
            let mut parts = split_at(tokens.clone(), ';');
            if parts.len() == 2 {
                let count = parts.pop().and_then(parse_arg);
                let element = parts.pop().and_then(parse_arg);
                MacroBody {
                    args: element
                        .map(|e| (e, ArgRole::Element))
                        .into_iter()
                        .chain(count.map(|c| (c, ArgRole::Other)))
                        .collect(),
                    ..MacroBody::default()
                }
            } else {
                every(ArgRole::Element)
            }
        }
        "write" | "writeln" => {
            let mut body = every(ArgRole::Inspected);
            if let Some((_, role)) = body.args.first_mut() {
                *role = ArgRole::Other;
            }
            body
        }
        "format" | "format_args" | "print" | "println" | "eprint" | "eprintln" | "assert"
        | "assert_eq" | "assert_ne" | "debug_assert" | "debug_assert_eq" | "debug_assert_ne"
        | "trace" | "debug" | "info" | "warn" | "error" | "event" | "ensure" | "anyhow" => {
            every(ArgRole::Inspected)
        }
        "panic" | "unreachable" | "todo" | "unimplemented" | "bail" => MacroBody {
            diverges: true,
            ..every(ArgRole::Inspected)
        },
        "matches" => MacroBody {
            args: split_args(tokens)
                .into_iter()
                .next()
                .and_then(parse_arg)
                .map(|expr| (expr, ArgRole::Inspected))
                .into_iter()
                .collect(),
            ..MacroBody::default()
        },
        "dbg" => every(ArgRole::Value),
        _ => return None,
    };
    Some(body)
}

/// Splits a macro body at its top-level commas.
fn split_args(tokens: TokenStream) -> Vec<TokenStream> {
    split_at(tokens, ',')
}

fn split_at(tokens: TokenStream, separator: char) -> Vec<TokenStream> {
    let mut parts = Vec::new();
    let mut current = Vec::new();
    for token in tokens {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == separator => {
                parts.push(current.drain(..).collect());
            }
            _ => current.push(token),
        }
    }
    if !current.is_empty() {
        parts.push(current.into_iter().collect());
    }
    parts
}

/// One argument as an expression; `name = value` (a tracing field) gives its value, and
/// `biased;` before the futures of `join!` is dropped.
fn parse_arg(tokens: TokenStream) -> Option<syn::Expr> {
    let expr = parse_biased_prefixed.parse2(tokens).ok()?;
    match expr {
        syn::Expr::Assign(assign) => Some(*assign.right),
        expr => Some(expr),
    }
}

fn parse_biased_prefixed(input: ParseStream<'_>) -> syn::Result<syn::Expr> {
    if input.peek(syn::Ident) && input.peek2(syn::Token![;]) {
        let ident: syn::Ident = input.parse()?;
        if ident != "biased" {
            return Err(syn::Error::new(ident.span(), "not an expression"));
        }
        input.parse::<syn::Token![;]>()?;
    }
    input.parse()
}

/// The branches of `tokio::select!` (`pat = fut, if cond => handler`, `else => handler`,
/// `biased;`) and `futures::select!` (`pat = fut => handler`, `complete => ..`, `default => ..`).
fn parse_select(input: ParseStream<'_>) -> syn::Result<Vec<SelectArm>> {
    let mut arms = Vec::new();
    while !input.is_empty() {
        if input.peek(syn::Ident) && input.peek2(syn::Token![;]) {
            input.parse::<syn::Ident>()?;
            input.parse::<syn::Token![;]>()?;
            continue;
        }
        let (pat, future, guard) = if input.peek(syn::Token![else]) {
            input.parse::<syn::Token![else]>()?;
            (None, None, None)
        } else {
            let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
            if input.peek(syn::Token![=>]) {
                // `complete` and `default` branches.
                (None, None, None)
            } else {
                input.parse::<syn::Token![=]>()?;
                let future: syn::Expr = input.parse()?;
                let guard = if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
                    input.parse::<syn::Token![,]>()?;
                    input.parse::<syn::Token![if]>()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                (Some(pat), Some(future), guard)
            }
        };
        input.parse::<syn::Token![=>]>()?;
        let handler: syn::Expr = if input.peek(syn::token::Brace) {
            syn::Expr::Block(input.parse()?)
        } else {
            input.parse()?
        };
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        arms.push(SelectArm {
            pat,
            future,
            guard,
            handler,
        });
    }
    Ok(arms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(source: &str) -> Option<MacroBody> {
        let mac: syn::Macro = syn::parse_str(source).expect("a macro");
        parse_body(&mac)
    }

    fn roles(source: &str) -> Vec<ArgRole> {
        body(source)
            .map(|body| body.args.iter().map(|(_, role)| *role).collect())
            .unwrap_or_default()
    }

    #[test]
    fn join_and_pin_poll_their_arguments() {
        assert_eq!(roles("tokio::join!(a(), b)"), [ArgRole::Polled; 2]);
        assert_eq!(roles("join!(biased; a(), b())"), [ArgRole::Polled; 2]);
        assert_eq!(roles("tokio::pin!(fut)"), [ArgRole::Polled]);
    }

    #[test]
    fn format_and_log_arguments_are_inspected() {
        assert_eq!(roles("println!(\"{}\", x)").len(), 2);
        assert_eq!(
            roles("info!(target: \"app\", peer = %addr, \"hello {}\", name)"),
            [ArgRole::Inspected; 2],
        );
        assert_eq!(
            roles("write!(f, \"{}\", x)"),
            [ArgRole::Other, ArgRole::Inspected, ArgRole::Inspected]
        );
        assert!(body("panic!(\"boom\")").is_some_and(|b| b.diverges));
    }

    #[test]
    fn vec_elements_and_repeat() {
        assert_eq!(roles("vec![a, b, c]"), [ArgRole::Element; 3]);
        assert_eq!(roles("vec![a; n]"), [ArgRole::Element, ArgRole::Other]);
    }

    #[test]
    fn select_branches_of_tokio_and_futures_parse() {
        let tokio = body(
            "tokio::select! {
                biased;
                Some(msg) = rx.recv(), if open => { handle(msg) }
                _ = tokio::time::sleep(d) => break,
                else => {}
            }",
        )
        .expect("parses");
        assert_eq!(tokio.arms.len(), 3);
        assert!(tokio.arms[0].guard.is_some());
        assert!(tokio.arms[2].future.is_none());
        let futures =
            body("futures::select! { x = a => x, complete => 0, default => 1 }").expect("parses");
        assert_eq!(futures.arms.len(), 3);
    }

    #[test]
    fn other_macros_are_skipped() {
        assert!(body("my_macro!(a, b)").is_none());
        assert!(body("tokio::select! { not valid at all ;; }").is_none());
    }
}
