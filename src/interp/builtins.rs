//! Built-in functions, types, exceptions and the methods of built-in values. What CPython has
//! and the subset does not is `unsupported`, never an `AttributeError` or `NameError`.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use ruff_python_ast::Operator;
use rustc_hash::FxHashMap;

use super::ops::{equal, order, same_object, truthy};
use super::value::{
    float_repr, range_item, range_len, str_repr, Args, Class, Dict, Function, Iter, Key, Module,
    TypeKind, Value,
};
use super::vm::{method, native, unsupported, Flow, PyResult, Vm};

const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", ""),
    ("Exception", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("SystemExit", "BaseException"),
    ("CancelledError", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("AssertionError", "Exception"),
    ("AttributeError", "Exception"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("RuntimeError", "Exception"),
    ("RecursionError", "RuntimeError"),
    ("NotImplementedError", "RuntimeError"),
    ("StopIteration", "Exception"),
    ("TypeError", "Exception"),
    ("ValueError", "Exception"),
    ("OSError", "Exception"),
    ("ConnectionError", "OSError"),
    ("TimeoutError", "OSError"),
    ("InvalidStateError", "Exception"),
    ("QueueEmpty", "Exception"),
    ("QueueFull", "Exception"),
    ("BaseExceptionGroup", "BaseException"),
    ("ExceptionGroup", "BaseExceptionGroup"),
];

/// The asyncio exceptions, which are not built-in names.
const ASYNCIO_ONLY: &[&str] = &[
    "CancelledError",
    "InvalidStateError",
    "QueueEmpty",
    "QueueFull",
];

pub fn install(vm: &mut Vm) {
    let builtins_module = Rc::new(Module {
        name: Rc::from("builtins"),
        globals: RefCell::new(FxHashMap::default()),
    });
    for (name, base) in EXCEPTIONS {
        let base = vm.exceptions.get(base).cloned();
        let class = Rc::new(Class {
            name: Rc::from(*name),
            base,
            attrs: RefCell::new(FxHashMap::default()),
            module: if ASYNCIO_ONLY.contains(name) {
                Rc::from("asyncio.exceptions")
            } else {
                builtins_module.name.clone()
            },
        });
        vm.exceptions.insert(name, class.clone());
        if !ASYNCIO_ONLY.contains(name) {
            vm.builtins.insert(Rc::from(*name), Value::Class(class));
        }
    }
    if let Some(base) = vm.exceptions.get("BaseException") {
        base.attrs.borrow_mut().insert(
            Rc::from("__init__"),
            native("__init__", |_, _, args| {
                if let Some(Value::Instance(me)) = args.positional.first() {
                    me.attrs.borrow_mut().insert(
                        Rc::from("args"),
                        Value::tuple(args.positional[1..].to_vec()),
                    );
                }
                Ok(Value::None)
            }),
        );
    }
    let functions: &[(&'static str, super::value::NativeFn)] = &[
        ("print", builtin_print),
        ("len", |vm, _, args| {
            let [value] = exactly::<1>(vm, "len", args)?;
            Ok(Value::Int(len(vm, &value)? as i64))
        }),
        ("repr", |vm, _, args| {
            let [value] = exactly::<1>(vm, "repr", args)?;
            Ok(Value::str(&py_repr(vm, &value)?))
        }),
        ("isinstance", |vm, _, args| {
            let [value, class] = exactly::<2>(vm, "isinstance", args)?;
            Ok(Value::Bool(isinstance(vm, &value, &class)?))
        }),
        ("issubclass", |vm, _, args| {
            let [a, b] = exactly::<2>(vm, "issubclass", args)?;
            match (a, b) {
                (Value::Class(a), Value::Class(b)) => Ok(Value::Bool(a.is_subclass(&b))),
                _ => unsupported("issubclass of built-in types"),
            }
        }),
        ("abs", |vm, _, args| {
            let [value] = exactly::<1>(vm, "abs", args)?;
            match value {
                Value::Int(i) => i
                    .checked_abs()
                    .map(Value::Int)
                    .map_or_else(|| unsupported("big integers"), Ok),
                Value::Bool(b) => Ok(Value::Int(b as i64)),
                Value::Float(f) => Ok(Value::Float(f.abs())),
                other => type_err(
                    vm,
                    format!("bad operand type for abs(): '{}'", other.type_name()),
                ),
            }
        }),
        ("round", builtin_round),
        ("min", |vm, _, args| min_max(vm, args, true)),
        ("max", |vm, _, args| min_max(vm, args, false)),
        ("sum", |vm, _, mut args| {
            let start = args
                .take_keyword("start")
                .or_else(|| args.positional.get(1).cloned());
            let Some(iterable) = args.positional.first().cloned() else {
                return type_err(vm, "sum() takes at least 1 positional argument (0 given)");
            };
            let mut total = start.unwrap_or(Value::Int(0));
            for item in collect(vm, &iterable)? {
                total = super::ops::binary(vm, Operator::Add, &total, &item)?;
            }
            Ok(total)
        }),
        ("any", |vm, _, args| {
            let [iterable] = exactly::<1>(vm, "any", args)?;
            let iter = get_iter(vm, iterable)?;
            while let Some(item) = next(vm, &iter)? {
                if truthy(vm, &item)? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }),
        ("all", |vm, _, args| {
            let [iterable] = exactly::<1>(vm, "all", args)?;
            let iter = get_iter(vm, iterable)?;
            while let Some(item) = next(vm, &iter)? {
                if !truthy(vm, &item)? {
                    return Ok(Value::Bool(false));
                }
            }
            Ok(Value::Bool(true))
        }),
        ("sorted", |vm, _, mut args| {
            let key = args.take_keyword("key");
            let reverse = args.take_keyword("reverse");
            let [iterable] = exactly::<1>(vm, "sorted", args)?;
            let items = collect(vm, &iterable)?;
            let items = sort_values(vm, items, key, reverse)?;
            Ok(Value::list(items))
        }),
        ("reversed", |vm, _, args| {
            let [seq] = exactly::<1>(vm, "reversed", args)?;
            let mut items = match &seq {
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(..) => {
                    collect(vm, &seq)?
                }
                Value::Dict(d) => d.borrow().keys(),
                other => {
                    return type_err(
                        vm,
                        format!("'{}' object is not reversible", other.type_name()),
                    )
                }
            };
            items.reverse();
            Ok(Vm::iterator(Iter::Values { items, index: 0 }))
        }),
        ("enumerate", |vm, _, mut args| {
            let start = args
                .take_keyword("start")
                .or_else(|| args.positional.get(1).cloned());
            let Some(iterable) = args.positional.first().cloned() else {
                return type_err(vm, "enumerate() missing required argument 'iterable'");
            };
            let count = match start {
                Some(Value::Int(i)) => i,
                None => 0,
                Some(_) => return unsupported("this enumerate start"),
            };
            let inner = get_iter(vm, iterable)?;
            Ok(Vm::iterator(Iter::Enumerate {
                inner,
                count: i128::from(count),
            }))
        }),
        ("zip", |vm, _, args| {
            if !args.keywords.is_empty() {
                return unsupported("zip keywords");
            }
            let mut inners = Vec::new();
            for arg in args.positional {
                inners.push(get_iter(vm, arg)?);
            }
            Ok(Vm::iterator(Iter::Zip { inners }))
        }),
        ("map", |vm, _, args| {
            let mut positional = args.positional;
            if positional.len() < 2 {
                return type_err(vm, "map() must have at least two arguments.");
            }
            let func = positional.remove(0);
            let mut inners = Vec::new();
            for arg in positional {
                inners.push(get_iter(vm, arg)?);
            }
            Ok(Vm::iterator(Iter::Map { func, inners }))
        }),
        ("filter", |vm, _, args| {
            let [func, iterable] = exactly::<2>(vm, "filter", args)?;
            let inner = get_iter(vm, iterable)?;
            Ok(Vm::iterator(Iter::Filter { func, inner }))
        }),
        ("iter", |vm, _, args| {
            let [value] = exactly::<1>(vm, "iter", args)?;
            get_iter(vm, value)
        }),
        ("next", |vm, _, args| {
            let mut positional = args.positional;
            let default = if positional.len() == 2 {
                positional.pop()
            } else {
                None
            };
            let Some(iter) = positional.pop() else {
                return type_err(vm, "next expected at least 1 argument, got 0");
            };
            if !matches!(iter, Value::Iterator(_) | Value::Generator(_)) {
                return type_err(
                    vm,
                    format!("'{}' object is not an iterator", iter.type_name()),
                );
            }
            match next(vm, &iter)? {
                Some(value) => Ok(value),
                None => match default {
                    Some(default) => Ok(default),
                    None => Err(vm.exception("StopIteration", "")),
                },
            }
        }),
        ("hasattr", |vm, _, args| {
            let [object, name] = exactly::<2>(vm, "hasattr", args)?;
            let Value::Str(name) = name else {
                return type_err(vm, "hasattr(): attribute name must be string");
            };
            match get_attr(vm, &object, &name) {
                Ok(_) => Ok(Value::Bool(true)),
                Err(Flow::Exc(exc)) if is_instance_of(vm, &exc, "AttributeError") => {
                    Ok(Value::Bool(false))
                }
                Err(other) => Err(other),
            }
        }),
        ("getattr", |vm, _, args| {
            let mut positional = args.positional;
            let default = if positional.len() == 3 {
                positional.pop()
            } else {
                None
            };
            if positional.len() != 2 {
                return type_err(vm, "getattr expected 2 or 3 arguments");
            }
            let Value::Str(name) = positional[1].clone() else {
                return type_err(vm, "getattr(): attribute name must be string");
            };
            match get_attr(vm, &positional[0], &name) {
                Ok(value) => Ok(value),
                Err(Flow::Exc(exc))
                    if default.is_some() && is_instance_of(vm, &exc, "AttributeError") =>
                {
                    Ok(default.unwrap_or(Value::None))
                }
                Err(other) => Err(other),
            }
        }),
        ("setattr", |vm, _, args| {
            let [object, name, value] = exactly::<3>(vm, "setattr", args)?;
            let Value::Str(name) = name else {
                return type_err(vm, "setattr(): attribute name must be string");
            };
            set_attr(vm, &object, name, value)?;
            Ok(Value::None)
        }),
        ("callable", |vm, _, args| {
            let [value] = exactly::<1>(vm, "callable", args)?;
            Ok(Value::Bool(matches!(
                value,
                Value::Function(_)
                    | Value::BoundMethod(_)
                    | Value::Builtin(_)
                    | Value::Class(_)
                    | Value::Type(_)
            )))
        }),
        ("super", builtin_super),
        ("property", |vm, _, args| {
            let [getter] = exactly::<1>(vm, "property", args)?;
            Ok(Value::Property(Rc::new(getter)))
        }),
        ("staticmethod", |vm, _, args| {
            let [func] = exactly::<1>(vm, "staticmethod", args)?;
            Ok(Value::StaticMethod(Rc::new(func)))
        }),
        ("classmethod", |vm, _, args| {
            let [func] = exactly::<1>(vm, "classmethod", args)?;
            Ok(Value::ClassMethod(Rc::new(func)))
        }),
        ("divmod", |vm, _, args| {
            let [a, b] = exactly::<2>(vm, "divmod", args)?;
            let q = super::ops::binary(vm, Operator::FloorDiv, &a, &b)?;
            let r = super::ops::binary(vm, Operator::Mod, &a, &b)?;
            Ok(Value::tuple(vec![q, r]))
        }),
        ("chr", |vm, _, args| {
            let [code] = exactly::<1>(vm, "chr", args)?;
            match code {
                Value::Int(i) => match u32::try_from(i).ok().and_then(char::from_u32) {
                    Some(c) => Ok(Value::str(&c.to_string())),
                    None => Err(vm.exception("ValueError", "chr() arg not in range(0x110000)")),
                },
                _ => type_err(vm, "an integer is required"),
            }
        }),
        ("ord", |vm, _, args| {
            let [s] = exactly::<1>(vm, "ord", args)?;
            match &s {
                Value::Str(s) if s.chars().count() == 1 => {
                    Ok(Value::Int(s.chars().next().map_or(0, |c| c as i64)))
                }
                _ => type_err(vm, "ord() expected a character"),
            }
        }),
    ];
    for (name, func) in functions {
        vm.builtins.insert(Rc::from(*name), native(name, *func));
    }
    for kind in [
        TypeKind::Int,
        TypeKind::Float,
        TypeKind::Str,
        TypeKind::Bool,
        TypeKind::List,
        TypeKind::Tuple,
        TypeKind::Dict,
        TypeKind::Set,
        TypeKind::Object,
        TypeKind::Type,
        TypeKind::Range,
    ] {
        vm.builtins.insert(Rc::from(kind.name()), Value::Type(kind));
    }
    vm.builtins.insert(Rc::from("None"), Value::None);
}

fn type_err<T>(vm: &mut Vm, message: impl Into<String>) -> PyResult<T> {
    Err(vm.exception("TypeError", message))
}

/// Exactly `N` positional arguments, no keywords.
pub fn exactly<const N: usize>(vm: &mut Vm, name: &str, args: Args) -> PyResult<[Value; N]> {
    if !args.keywords.is_empty() {
        return type_err(vm, format!("{name}() takes no keyword arguments"));
    }
    let given = args.positional.len();
    args.positional.try_into().or_else(|_| {
        type_err(
            vm,
            format!(
                "{name}() takes exactly {N} argument{} ({given} given)",
                if N == 1 { "" } else { "s" }
            ),
        )
    })
}

/// Whether `name` is a built-in of CPython (so a missing one is unsupported, not a NameError).
pub fn is_cpython_builtin(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "aiter",
        "anext",
        "ascii",
        "bin",
        "breakpoint",
        "bytearray",
        "bytes",
        "compile",
        "complex",
        "delattr",
        "dir",
        "eval",
        "exec",
        "format",
        "frozenset",
        "globals",
        "hash",
        "help",
        "hex",
        "id",
        "input",
        "locals",
        "memoryview",
        "oct",
        "open",
        "pow",
        "vars",
        "slice",
        "__import__",
        "__build_class__",
        "NotImplemented",
        "Ellipsis",
        "exit",
        "quit",
        "BufferError",
        "EOFError",
        "FloatingPointError",
        "ImportError",
        "ModuleNotFoundError",
        "IndentationError",
        "SyntaxError",
        "TabError",
        "SystemError",
        "UnicodeError",
        "UnicodeDecodeError",
        "UnicodeEncodeError",
        "BlockingIOError",
        "BrokenPipeError",
        "ChildProcessError",
        "ConnectionAbortedError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "FileExistsError",
        "FileNotFoundError",
        "InterruptedError",
        "IsADirectoryError",
        "NotADirectoryError",
        "PermissionError",
        "ProcessLookupError",
        "ReferenceError",
        "StopAsyncIteration",
        "Warning",
        "UserWarning",
        "DeprecationWarning",
        "RuntimeWarning",
        "EnvironmentError",
        "IOError",
    ];
    NAMES.contains(&name)
}

fn builtin_print(vm: &mut Vm, _: Option<&Value>, mut args: Args) -> PyResult<Value> {
    let sep = args.take_keyword("sep");
    let end = args.take_keyword("end");
    let _ = args.take_keyword("flush");
    if args.take_keyword("file").is_some() {
        return unsupported("print(file=...)");
    }
    if let Some((name, _)) = args.keywords.first() {
        return type_err(
            vm,
            format!("'{name}' is an invalid keyword argument for print()"),
        );
    }
    let sep = match sep {
        None | Some(Value::None) => " ".to_owned(),
        Some(Value::Str(s)) => s.to_string(),
        Some(_) => return type_err(vm, "sep must be None or a string"),
    };
    let end = match end {
        None | Some(Value::None) => "\n".to_owned(),
        Some(Value::Str(s)) => s.to_string(),
        Some(_) => return type_err(vm, "end must be None or a string"),
    };
    let mut line = String::new();
    for (i, value) in args.positional.iter().enumerate() {
        if i > 0 {
            line.push_str(&sep);
        }
        line.push_str(&py_str(vm, value)?);
    }
    line.push_str(&end);
    let _ = vm.out.write_all(line.as_bytes());
    Ok(Value::None)
}

fn builtin_round(vm: &mut Vm, _: Option<&Value>, args: Args) -> PyResult<Value> {
    let mut positional = args.positional;
    let digits = if positional.len() == 2 {
        positional.pop()
    } else {
        None
    };
    let Some(value) = positional.pop() else {
        return type_err(vm, "round() missing required argument 'number'");
    };
    match (value, digits) {
        (Value::Int(i), _) => Ok(Value::Int(i)),
        (Value::Bool(b), _) => Ok(Value::Int(b as i64)),
        (Value::Float(f), None | Some(Value::None)) => {
            let r = round_half_even(f);
            if r.is_finite() && r.abs() < 9.2e18 {
                Ok(Value::Int(r as i64))
            } else {
                unsupported("big integers")
            }
        }
        (Value::Float(f), Some(Value::Int(n))) => {
            // Round through the decimal text, as CPython rounds the exact value.
            let n = n.clamp(-300, 300);
            if n < 0 {
                let scale = 10f64.powi((-n) as i32);
                return Ok(Value::Float(round_half_even(f / scale) * scale));
            }
            let text = format!("{:.*}", n as usize, f);
            Ok(Value::Float(text.parse().unwrap_or(f)))
        }
        _ => type_err(vm, "round() arguments must be numbers"),
    }
}

fn round_half_even(f: f64) -> f64 {
    let r = f.round();
    if (f - f.trunc()).abs() == 0.5 {
        2.0 * (f / 2.0).round()
    } else {
        r
    }
}

fn min_max(vm: &mut Vm, mut args: Args, min: bool) -> PyResult<Value> {
    let key = args.take_keyword("key");
    let default = args.take_keyword("default");
    let name = if min { "min" } else { "max" };
    let items = if args.positional.len() == 1 {
        collect(vm, &args.positional[0])?
    } else {
        args.positional
    };
    if items.is_empty() {
        return match default {
            Some(d) => Ok(d),
            None => Err(vm.exception("ValueError", format!("{name}() arg is an empty sequence"))),
        };
    }
    let mut best: Option<(Value, Value)> = None;
    for item in items {
        let k = match &key {
            Some(f) => vm.call_value(f.clone(), vec![item.clone()])?,
            None => item.clone(),
        };
        let replace = match &best {
            None => true,
            Some((bk, _)) => {
                let ordering = order(vm, &k, bk)?;
                if min {
                    ordering.is_lt()
                } else {
                    ordering.is_gt()
                }
            }
        };
        if replace {
            best = Some((k, item));
        }
    }
    Ok(best.map(|(_, v)| v).unwrap_or(Value::None))
}

/// A stable sort by `key`, with Python's `reverse` (which keeps equal items in order).
pub fn sort_values(
    vm: &mut Vm,
    items: Vec<Value>,
    key: Option<Value>,
    reverse: Option<Value>,
) -> PyResult<Vec<Value>> {
    let reverse = reverse.is_some_and(|r| r.truthy());
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        let k = match &key {
            Some(Value::None) | None => item.clone(),
            Some(f) => vm.call_value(f.clone(), vec![item.clone()])?,
        };
        keyed.push((k, item));
    }
    // Merge sort with a fallible comparison.
    let mut error = None;
    let mut indexes: Vec<usize> = (0..keyed.len()).collect();
    indexes.sort_by(|&a, &b| {
        if error.is_some() {
            return std::cmp::Ordering::Equal;
        }
        let (ka, kb) = (&keyed[a].0, &keyed[b].0);
        let result = if reverse {
            order(vm, kb, ka)
        } else {
            order(vm, ka, kb)
        };
        match result {
            Ok(o) => o,
            Err(e) => {
                error = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    Ok(indexes.into_iter().map(|i| keyed[i].1.clone()).collect())
}

fn builtin_super(vm: &mut Vm, _: Option<&Value>, args: Args) -> PyResult<Value> {
    if !args.positional.is_empty() {
        return unsupported("super() with arguments");
    }
    let Some(frame) = vm.frames.last() else {
        return unsupported("super() here");
    };
    let (Some(owner), Some(Some(this))) = (frame.owner.clone(), frame.locals.first().cloned())
    else {
        return Err(vm.exception("RuntimeError", "super(): no arguments"));
    };
    Ok(Value::Super(Rc::new((owner, this))))
}

pub fn owner_of(func: &Rc<Function>) -> Option<Rc<Class>> {
    func.owner
        .borrow()
        .as_ref()
        .and_then(std::rc::Weak::upgrade)
}

pub fn new_function(func: Function) -> Value {
    Value::Function(Rc::new(func))
}

pub fn make_class(
    vm: &mut Vm,
    name: Rc<str>,
    bases: Vec<Value>,
    ns: FxHashMap<Rc<str>, Value>,
    module: &Rc<Module>,
) -> PyResult<Value> {
    let base = match bases.as_slice() {
        [] | [Value::Type(TypeKind::Object)] => None,
        [Value::Class(base)] => Some(base.clone()),
        [Value::Type(kind)] => return unsupported(format!("subclassing `{}`", kind.name())),
        [_] => return type_err(vm, "bases must be types"),
        _ => return unsupported("multiple inheritance"),
    };
    if ns.contains_key("__eq__") || ns.contains_key("__hash__") {
        return unsupported("`__eq__`/`__hash__` methods");
    }
    let class = Rc::new(Class {
        name,
        base,
        attrs: RefCell::new(ns),
        module: module.name.clone(),
    });
    for value in class.attrs.borrow().values() {
        let func = match value {
            Value::Function(f) => Some(f.clone()),
            Value::StaticMethod(f) | Value::ClassMethod(f) | Value::Property(f) => match &**f {
                Value::Function(f) => Some(f.clone()),
                _ => None,
            },
            _ => None,
        };
        if let Some(func) = func {
            if func.owner.borrow().is_none() {
                *func.owner.borrow_mut() = Some(Rc::downgrade(&class));
            }
        }
    }
    Ok(Value::Class(class))
}

pub fn is_exception_class(vm: &Vm, class: &Rc<Class>) -> bool {
    vm.exceptions
        .get("BaseException")
        .is_some_and(|base| class.is_subclass(base))
}

pub fn is_instance_of(vm: &Vm, value: &Value, class: &str) -> bool {
    match (value, vm.exceptions.get(class)) {
        (Value::Instance(i), Some(class)) => i.class.is_subclass(class),
        _ => false,
    }
}

pub fn exception_matches(vm: &mut Vm, exc: &Value, class: &Value) -> PyResult<bool> {
    match class {
        Value::Class(c) => {
            if !is_exception_class(vm, c) {
                return type_err(
                    vm,
                    "catching classes that do not inherit from BaseException is not allowed",
                );
            }
            Ok(matches!(exc, Value::Instance(i) if i.class.is_subclass(c)))
        }
        Value::Tuple(classes) => {
            for c in classes.iter() {
                if exception_matches(vm, exc, c)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => type_err(
            vm,
            "catching classes that do not inherit from BaseException is not allowed",
        ),
    }
}

pub fn isinstance(vm: &mut Vm, value: &Value, class: &Value) -> PyResult<bool> {
    Ok(match class {
        Value::Tuple(classes) => {
            for c in classes.iter() {
                if isinstance(vm, value, c)? {
                    return Ok(true);
                }
            }
            false
        }
        Value::Class(c) => matches!(value, Value::Instance(i) if i.class.is_subclass(c)),
        Value::Type(TypeKind::Object) => true,
        Value::Type(TypeKind::Int) => matches!(value, Value::Int(_) | Value::Bool(_)),
        Value::Type(TypeKind::Future) => matches!(value, Value::Future(_)),
        Value::Type(TypeKind::Task) => matches!(value, Value::Future(h) if vm.is_task(h.id)),
        Value::Type(TypeKind::Type) => matches!(value, Value::Class(_) | Value::Type(_)),
        Value::Type(kind) => Vm::type_kind_of(value) == Some(*kind),
        _ => {
            return type_err(
                vm,
                "isinstance() arg 2 must be a type, a tuple of types, or a union",
            )
        }
    })
}

/// Calls a built-in type: `int("3")`, `list(x)`, `type(x)`...
pub fn construct(vm: &mut Vm, kind: TypeKind, args: Args) -> PyResult<Value> {
    let mut positional = args.positional;
    if !args.keywords.is_empty() && kind != TypeKind::Dict {
        return unsupported(format!("keyword arguments to {}()", kind.name()));
    }
    match kind {
        TypeKind::Int => match positional.as_slice() {
            [] => Ok(Value::Int(0)),
            [Value::Int(i)] => Ok(Value::Int(*i)),
            [Value::Bool(b)] => Ok(Value::Int(*b as i64)),
            [Value::Float(f)] => {
                if f.is_finite() && f.abs() < 9.2e18 {
                    Ok(Value::Int(f.trunc() as i64))
                } else if f.is_finite() {
                    unsupported("big integers")
                } else {
                    Err(vm.exception("OverflowError", "cannot convert float infinity to integer"))
                }
            }
            [Value::Str(s)] => {
                let t = s.trim().replace('_', "");
                match t.parse::<i64>() {
                    Ok(i) => Ok(Value::Int(i)),
                    Err(_) => Err(vm.exception(
                        "ValueError",
                        format!("invalid literal for int() with base 10: {}", str_repr(s)),
                    )),
                }
            }
            _ => unsupported("this int() call"),
        },
        TypeKind::Float => match positional.as_slice() {
            [] => Ok(Value::Float(0.0)),
            [Value::Int(i)] => Ok(Value::Float(*i as f64)),
            [Value::Bool(b)] => Ok(Value::Float(*b as i64 as f64)),
            [Value::Float(f)] => Ok(Value::Float(*f)),
            [Value::Str(s)] => {
                let t = s.trim().to_ascii_lowercase();
                let parsed = match t.as_str() {
                    "inf" | "+inf" | "infinity" => Ok(f64::INFINITY),
                    "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
                    "nan" => Ok(f64::NAN),
                    _ => t.parse::<f64>(),
                };
                parsed.map(Value::Float).map_err(|_| {
                    vm.exception(
                        "ValueError",
                        format!("could not convert string to float: {}", str_repr(s)),
                    )
                })
            }
            _ => unsupported("this float() call"),
        },
        TypeKind::Str => match positional.as_slice() {
            [] => Ok(Value::str("")),
            [value] => Ok(Value::str(&py_str(vm, value)?)),
            _ => unsupported("str() with an encoding"),
        },
        TypeKind::Bool => match positional.as_slice() {
            [] => Ok(Value::Bool(false)),
            [value] => Ok(Value::Bool(truthy(vm, value)?)),
            _ => type_err(vm, "bool() takes at most 1 argument"),
        },
        TypeKind::List => match positional.pop() {
            None => Ok(Value::list(Vec::new())),
            Some(value) => Ok(Value::list(collect(vm, &value)?)),
        },
        TypeKind::Tuple => match positional.pop() {
            None => Ok(Value::tuple(Vec::new())),
            Some(Value::Tuple(t)) => Ok(Value::Tuple(t)),
            Some(value) => Ok(Value::tuple(collect(vm, &value)?)),
        },
        TypeKind::Set => match positional.pop() {
            None => make_set(vm, Vec::new()),
            Some(value) => {
                let items = collect(vm, &value)?;
                make_set(vm, items)
            }
        },
        TypeKind::Dict => {
            let out = Value::Dict(Rc::new(RefCell::new(Dict::default())));
            if let Some(value) = positional.pop() {
                dict_update(vm, &out, &value)?;
            }
            for (k, v) in args.keywords {
                if let Value::Dict(d) = &out {
                    d.borrow_mut().insert(key_of_str(&k), Value::Str(k), v);
                }
            }
            Ok(out)
        }
        TypeKind::Range => {
            let ints: Option<Vec<i64>> = positional
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Some(*i),
                    Value::Bool(b) => Some(*b as i64),
                    _ => None,
                })
                .collect();
            let Some(ints) = ints else {
                return type_err(vm, "'float' object cannot be interpreted as an integer");
            };
            let (start, stop, step) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => return type_err(vm, "range expected at most 3 arguments"),
            };
            if step == 0 {
                return Err(vm.exception("ValueError", "range() arg 3 must not be zero"));
            }
            Ok(Value::Range(start, stop, step))
        }
        TypeKind::Type => match positional.as_slice() {
            [value] => Ok(type_of(value)),
            _ => unsupported("type() with three arguments"),
        },
        TypeKind::Object => Ok(Value::Instance(Rc::new(super::value::Instance {
            class: Rc::new(Class {
                name: Rc::from("object"),
                base: None,
                attrs: RefCell::new(FxHashMap::default()),
                module: Rc::from("builtins"),
            }),
            attrs: RefCell::new(FxHashMap::default()),
            traceback: RefCell::new(Vec::new()),
        }))),
        _ => unsupported(format!("calling `{}`", kind.name())),
    }
}

pub fn type_of(value: &Value) -> Value {
    match value {
        Value::Instance(i) => Value::Class(i.class.clone()),
        Value::Future(_) => Value::Type(TypeKind::Future),
        other => match Vm::type_kind_of(other) {
            Some(kind) => Value::Type(kind),
            None => Value::Type(TypeKind::Object),
        },
    }
}

// ----- keys, sets, dicts -----

pub fn key_of_str(s: &str) -> Key {
    Key::Str(Rc::from(s))
}

/// The key of a hashable value without calling Python code; `None` when unhashable or nested
/// too deeply (see [`hash_key`]).
pub fn plain_key(value: &Value) -> Option<Key> {
    key_within(value, super::vm::RECURSION_LIMIT).ok()
}

/// Why a value has no key.
enum NoKey {
    Unhashable,
    /// A tuple nested more than the recursion limit deep.
    TooDeep,
}

/// The key of `value`, whose tuples may nest at most `depth` levels deep: the key is built by
/// recursion, which must not overflow the native stack.
fn key_within(value: &Value, depth: usize) -> Result<Key, NoKey> {
    Ok(match value {
        Value::None => Key::None,
        Value::Bool(b) => Key::Int(*b as i64),
        Value::Int(i) => Key::Int(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                Key::Int(*f as i64)
            } else {
                Key::Float(f.to_bits())
            }
        }
        Value::Str(s) => Key::Str(s.clone()),
        Value::Tuple(items) => {
            let depth = depth.checked_sub(1).ok_or(NoKey::TooDeep)?;
            let keys = items.iter().map(|item| key_within(item, depth));
            Key::Tuple(keys.collect::<Result<Vec<_>, _>>()?)
        }
        Value::Type(kind) => Key::Type(kind.name()),
        Value::List(_) | Value::Dict(_) | Value::Set(_) => return Err(NoKey::Unhashable),
        other => Key::Identity(other.identity().ok_or(NoKey::Unhashable)?),
    })
}

/// The key of a dict key or set member: `TypeError` when it is unhashable, `RecursionError`
/// when it is a tuple nested more than the recursion limit deep (CPython 3.12 raises it too).
pub fn hash_key(vm: &mut Vm, value: &Value) -> PyResult<Key> {
    match key_within(value, super::vm::RECURSION_LIMIT) {
        Ok(key) => Ok(key),
        Err(NoKey::Unhashable) => type_err(vm, format!("unhashable type: '{}'", value.type_name())),
        Err(NoKey::TooDeep) => Err(vm.exception(
            "RecursionError",
            "maximum recursion depth exceeded while hashing a tuple",
        )),
    }
}

pub fn make_set(vm: &mut Vm, items: Vec<Value>) -> PyResult<Value> {
    let mut set = Dict::default();
    for item in items {
        let key = hash_key(vm, &item)?;
        set.insert(key, item, Value::None);
    }
    Ok(Value::Set(Rc::new(RefCell::new(set))))
}

pub fn set_add(vm: &mut Vm, set: &Value, item: Value) -> PyResult<()> {
    let key = hash_key(vm, &item)?;
    if let Value::Set(s) = set {
        s.borrow_mut().insert(key, item, Value::None);
    }
    Ok(())
}

/// A set's items in the order CPython would iterate them, when that order is known: small
/// non-negative integers come out sorted; strings and objects hash by address or by a random
/// seed in CPython, so any order is one CPython could show and insertion order is kept.
pub fn set_items(set: &Dict) -> PyResult<Vec<Value>> {
    let items: Vec<Value> = set.keys();
    if items.len() < 2 {
        return Ok(items);
    }
    let small_ints: Option<Vec<i64>> = items
        .iter()
        .map(|v| match v {
            Value::Int(i) if (0..8).contains(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        })
        .collect();
    if let Some(mut ints) = small_ints {
        ints.sort_unstable();
        let mut out = Vec::with_capacity(items.len());
        for i in ints {
            if let Some(v) = items
                .iter()
                .find(|v| matches!(plain_key(v), Some(Key::Int(j)) if j == i))
            {
                out.push(v.clone());
            }
        }
        return Ok(out);
    }
    if items.iter().any(|v| {
        matches!(
            v,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Tuple(_) | Value::None
        )
    }) {
        return unsupported("the iteration order of a set of numbers or tuples (sort it)");
    }
    Ok(items)
}

pub fn set_operation(
    vm: &mut Vm,
    op: Operator,
    a: &Rc<RefCell<Dict>>,
    b: &Rc<RefCell<Dict>>,
) -> PyResult<Value> {
    let left = a.borrow().keys();
    let right = b.borrow().keys();
    let in_b = |v: &Value| plain_key(v).is_some_and(|k| b.borrow().contains(&k));
    let in_a = |v: &Value| plain_key(v).is_some_and(|k| a.borrow().contains(&k));
    let items: Vec<Value> = match op {
        Operator::BitOr => left.into_iter().chain(right).collect(),
        Operator::BitAnd => left.into_iter().filter(|v| in_b(v)).collect(),
        Operator::Sub => left.into_iter().filter(|v| !in_b(v)).collect(),
        _ => left
            .into_iter()
            .filter(|v| !in_b(v))
            .chain(right.into_iter().filter(|v| !in_a(v)))
            .collect(),
    };
    make_set(vm, items)
}

pub fn dict_update(vm: &mut Vm, target: &Value, other: &Value) -> PyResult<()> {
    let Value::Dict(target) = target else {
        return Ok(());
    };
    let pairs: Vec<(Value, Value)> = match other {
        Value::Dict(d) => d.borrow().iter().cloned().collect(),
        other => {
            let mut pairs = Vec::new();
            for item in collect(vm, other)? {
                let pair = collect(vm, &item)?;
                if pair.len() != 2 {
                    return Err(vm.exception(
                        "ValueError",
                        format!(
                            "dictionary update sequence element has length {}; 2 is required",
                            pair.len()
                        ),
                    ));
                }
                pairs.push((pair[0].clone(), pair[1].clone()));
            }
            pairs
        }
    };
    for (k, v) in pairs {
        let key = hash_key(vm, &k)?;
        target.borrow_mut().insert(key, k, v);
    }
    Ok(())
}

// ----- iteration -----

pub fn get_iter(vm: &mut Vm, value: Value) -> PyResult<Value> {
    Ok(match value {
        Value::List(_) | Value::Tuple(_) => Vm::iterator(Iter::Seq {
            seq: value,
            index: 0,
        }),
        Value::Str(s) => Vm::iterator(Iter::Values {
            items: s.chars().map(|c| Value::str(&c.to_string())).collect(),
            index: 0,
        }),
        Value::Range(start, stop, step) => Vm::iterator(Iter::Range {
            next: start,
            stop,
            step,
        }),
        Value::Dict(d) => {
            let len = d.borrow().len();
            Vm::iterator(Iter::DictKeys {
                dict: d,
                index: 0,
                len,
            })
        }
        Value::Set(s) => {
            let items = set_items(&s.borrow())?;
            Vm::iterator(Iter::Values { items, index: 0 })
        }
        Value::Iterator(_) => value,
        Value::Generator(g) => Vm::iterator(Iter::Generator(g)),
        Value::Instance(_) => return unsupported("iterating over instances"),
        other => {
            return type_err(
                vm,
                format!("'{}' object is not iterable", other.type_name()),
            )
        }
    })
}

/// The next item of an iterator, or `None` when it is exhausted.
pub fn next(vm: &mut Vm, iter: &Value) -> PyResult<Option<Value>> {
    let cell = match iter {
        Value::Iterator(cell) => cell.clone(),
        Value::Generator(g) => return vm.resume_generator(g),
        other => {
            return type_err(
                vm,
                format!("'{}' object is not an iterator", other.type_name()),
            )
        }
    };
    let mut state = cell.borrow_mut();
    match &mut *state {
        Iter::Seq { seq, index } => {
            let item = match seq {
                Value::List(l) => l.borrow().get(*index).cloned(),
                Value::Tuple(t) => t.get(*index).cloned(),
                _ => None,
            };
            *index += 1;
            Ok(item)
        }
        Iter::Range { next, stop, step } => {
            if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                let value = *next;
                *next = next.saturating_add(*step);
                Ok(Some(Value::Int(value)))
            } else {
                Ok(None)
            }
        }
        Iter::Values { items, index } => {
            let item = items.get(*index).cloned();
            *index += 1;
            Ok(item)
        }
        Iter::DictKeys { dict, index, len } => {
            let d = dict.clone();
            let d = d.borrow();
            if d.len() != *len {
                drop(state);
                return Err(
                    vm.exception("RuntimeError", "dictionary changed size during iteration")
                );
            }
            match d.entry_from(*index) {
                Some((i, (k, _))) => {
                    *index = i + 1;
                    Ok(Some(k.clone()))
                }
                None => Ok(None),
            }
        }
        Iter::Enumerate { inner, count } => {
            let inner = inner.clone();
            let n = *count;
            *count += 1;
            drop(state);
            let Some(item) = next(vm, &inner)? else {
                return Ok(None);
            };
            match i64::try_from(n) {
                Ok(n) => Ok(Some(Value::tuple(vec![Value::Int(n), item]))),
                Err(_) => unsupported("big integers"),
            }
        }
        Iter::Zip { inners } => {
            let inners = inners.clone();
            drop(state);
            if inners.is_empty() {
                return Ok(None);
            }
            let mut items = Vec::with_capacity(inners.len());
            for inner in &inners {
                match next(vm, inner)? {
                    Some(v) => items.push(v),
                    None => return Ok(None),
                }
            }
            Ok(Some(Value::tuple(items)))
        }
        Iter::Map { func, inners } => {
            let (func, inners) = (func.clone(), inners.clone());
            drop(state);
            let mut items = Vec::with_capacity(inners.len());
            for inner in &inners {
                match next(vm, inner)? {
                    Some(v) => items.push(v),
                    None => return Ok(None),
                }
            }
            Ok(Some(vm.call_value(func, items)?))
        }
        Iter::Filter { func, inner } => {
            let (func, inner) = (func.clone(), inner.clone());
            drop(state);
            while let Some(item) = next(vm, &inner)? {
                let keep = match &func {
                    Value::None => item.truthy(),
                    f => {
                        let r = vm.call_value(f.clone(), vec![item.clone()])?;
                        truthy(vm, &r)?
                    }
                };
                if keep {
                    return Ok(Some(item));
                }
            }
            Ok(None)
        }
        Iter::Generator(g) => {
            let g = g.clone();
            drop(state);
            vm.resume_generator(&g)
        }
    }
}

/// All items of an iterable.
pub fn collect(vm: &mut Vm, value: &Value) -> PyResult<Vec<Value>> {
    match value {
        Value::List(l) => return Ok(l.borrow().to_vec()),
        Value::Tuple(t) => return Ok(t.to_vec()),
        Value::Dict(d) => return Ok(d.borrow().keys()),
        Value::Set(s) => return set_items(&s.borrow()),
        Value::Range(start, stop, step) => {
            let n = range_len(*start, *stop, *step);
            vm.reserve_values(n as usize)?;
            return Ok((0..n)
                .map(|i| Value::Int(range_item(*start, *step, i)))
                .collect());
        }
        _ => {}
    }
    let iter = get_iter(vm, value.clone())?;
    let mut items = Vec::new();
    while let Some(item) = next(vm, &iter)? {
        items.push(item);
    }
    Ok(items)
}

pub fn len(vm: &mut Vm, value: &Value) -> PyResult<usize> {
    Ok(match value {
        Value::Str(s) => s.chars().count(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) | Value::Set(d) => d.borrow().len(),
        Value::Range(a, b, c) => range_len(*a, *b, *c) as usize,
        Value::Instance(i) if i.class.lookup("__len__").is_some() => {
            let f = get_attr(vm, value, "__len__")?;
            match vm.call_value(f, Vec::new())? {
                Value::Int(n) if n >= 0 => n as usize,
                _ => return type_err(vm, "__len__() should return an int >= 0"),
            }
        }
        other => {
            return type_err(
                vm,
                format!("object of type '{}' has no len()", other.type_name()),
            )
        }
    })
}

pub fn contains(vm: &mut Vm, container: &Value, item: &Value) -> PyResult<bool> {
    match container {
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            other => type_err(
                vm,
                format!(
                    "'in <string>' requires string as left operand, not {}",
                    other.type_name()
                ),
            ),
        },
        Value::Dict(d) | Value::Set(d) => {
            let key = hash_key(vm, item)?;
            Ok(d.borrow().contains(&key))
        }
        Value::Range(start, stop, step) => Ok(match item {
            Value::Int(i) => {
                let n = i128::from(range_len(*start, *stop, *step));
                let offset = i128::from(*i) - i128::from(*start);
                let step = i128::from(*step);
                offset % step == 0 && (0..n).contains(&(offset / step))
            }
            _ => false,
        }),
        _ => {
            for value in collect(vm, container)? {
                if same_object(&value, item) || equal(vm, &value, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

// ----- text -----

pub fn py_str(vm: &mut Vm, value: &Value) -> PyResult<String> {
    match value {
        Value::Str(s) => Ok(s.to_string()),
        Value::Instance(i) => {
            if i.class.lookup("__str__").is_some() {
                let f = get_attr(vm, value, "__str__")?;
                return match vm.call_value(f, Vec::new())? {
                    Value::Str(s) => Ok(s.to_string()),
                    _ => type_err(vm, "__str__ returned non-string"),
                };
            }
            if is_exception_class(vm, &i.class) {
                let args = i.attrs.borrow().get("args").cloned();
                let is_key_error = vm
                    .exceptions
                    .get("KeyError")
                    .is_some_and(|k| i.class.is_subclass(k));
                if is_instance_of(vm, value, "BaseExceptionGroup") {
                    if let Some(Value::Tuple(args)) = &args {
                        if let [message, Value::List(errors)] = args.as_slice() {
                            let n = errors.borrow().len();
                            let message = py_str(vm, message)?;
                            let plural = if n == 1 { "" } else { "s" };
                            return Ok(format!("{message} ({n} sub-exception{plural})"));
                        }
                    }
                }
                return match args {
                    Some(Value::Tuple(args)) => match args.as_slice() {
                        [] => Ok(String::new()),
                        [one] if is_key_error => py_repr(vm, one),
                        [one] => py_str(vm, one),
                        _ => py_repr(vm, &Value::Tuple(args.clone())),
                    },
                    _ => Ok(String::new()),
                };
            }
            py_repr(vm, value)
        }
        other => py_repr(vm, other),
    }
}

/// `repr(value)`. A list or dict that contains itself shows as `[...]` or `{...}` where it
/// recurs, as in CPython; containers nested more than the recursion limit deep raise
/// `RecursionError` rather than overflow the native stack.
pub fn py_repr(vm: &mut Vm, value: &Value) -> PyResult<String> {
    let container = match value {
        Value::List(l) => Rc::as_ptr(l).cast::<()>(),
        Value::Dict(d) => Rc::as_ptr(d).cast::<()>(),
        Value::Tuple(t) => Rc::as_ptr(t).cast::<()>(),
        Value::Set(s) => Rc::as_ptr(s).cast::<()>(),
        _ => return repr_of(vm, value),
    };
    if vm.reprs_running.contains(&container) {
        return Ok(if matches!(value, Value::List(_)) {
            "[...]"
        } else {
            "{...}"
        }
        .into());
    }
    if vm.reprs_running.len() >= super::vm::RECURSION_LIMIT {
        return Err(vm.exception(
            "RecursionError",
            "maximum recursion depth exceeded while getting the repr of an object",
        ));
    }
    vm.reprs_running.push(container);
    let repr = repr_of(vm, value);
    vm.reprs_running.pop();
    repr
}

/// `repr(value)`, for one level of a container.
fn repr_of(vm: &mut Vm, value: &Value) -> PyResult<String> {
    Ok(match value {
        Value::None => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => str_repr(s),
        Value::List(l) => {
            let items = l.borrow().clone();
            format!("[{}]", join_reprs(vm, &items)?)
        }
        Value::Tuple(t) => {
            if t.len() == 1 {
                format!("({},)", py_repr(vm, &t[0])?)
            } else {
                format!("({})", join_reprs(vm, t)?)
            }
        }
        Value::Dict(d) => {
            let pairs: Vec<_> = d.borrow().iter().cloned().collect();
            let mut out = String::from("{");
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&py_repr(vm, k)?);
                out.push_str(": ");
                out.push_str(&py_repr(vm, v)?);
            }
            out.push('}');
            out
        }
        Value::Set(s) => {
            let items = set_items(&s.borrow())?;
            if items.is_empty() {
                "set()".into()
            } else {
                format!("{{{}}}", join_reprs(vm, &items)?)
            }
        }
        Value::Range(a, b, c) => {
            if *c == 1 {
                format!("range({a}, {b})")
            } else {
                format!("range({a}, {b}, {c})")
            }
        }
        Value::Type(kind) => format!("<class '{}'>", kind.name()),
        Value::Class(c) => {
            if &*c.module == "__main__" || &*c.module == "builtins" {
                if &*c.module == "builtins" {
                    format!("<class '{}'>", c.name)
                } else {
                    format!("<class '__main__.{}'>", c.name)
                }
            } else {
                format!("<class '{}.{}'>", c.module, c.name)
            }
        }
        Value::Instance(i) => {
            if i.class.lookup("__repr__").is_some() {
                let f = get_attr(vm, value, "__repr__")?;
                return match vm.call_value(f, Vec::new())? {
                    Value::Str(s) => Ok(s.to_string()),
                    _ => type_err(vm, "__repr__ returned non-string"),
                };
            }
            if is_exception_class(vm, &i.class) {
                let args = i.attrs.borrow().get("args").cloned();
                let inner = match args {
                    Some(Value::Tuple(args)) => join_reprs(vm, &args)?,
                    _ => String::new(),
                };
                return Ok(format!("{}({})", i.class.name, inner));
            }
            return unsupported("the default repr of an object (it shows a memory address)");
        }
        Value::Future(h) => return future_repr(vm, h.id),
        Value::Coroutine(_)
        | Value::Function(_)
        | Value::BoundMethod(_)
        | Value::Builtin(_)
        | Value::Generator(_)
        | Value::Iterator(_)
        | Value::Module(_)
        | Value::Loop
        | Value::Handle(_) => {
            return unsupported(format!(
                "the repr of a {} (it shows a memory address)",
                value.type_name()
            ))
        }
        other => return unsupported(format!("the repr of a {}", other.type_name())),
    })
}

fn future_repr(vm: &mut Vm, id: crate::runtime::FutureId) -> PyResult<String> {
    let Some(slot) = vm.rt.slot(id) else {
        return unsupported("the repr of a freed future");
    };
    if slot.task.is_some() {
        return unsupported("the repr of a task (it shows the coroutine's address)");
    }
    let state = match slot.state {
        crate::runtime::FutureState::Pending => "pending",
        crate::runtime::FutureState::Cancelled => "cancelled",
        crate::runtime::FutureState::Finished => "finished",
    };
    let outcome = slot.outcome.clone();
    Ok(match outcome {
        Some(crate::runtime::Outcome::Result(v)) => {
            format!("<Future {state} result={}>", py_repr(vm, &v)?)
        }
        Some(crate::runtime::Outcome::Exception(e)) => {
            format!("<Future {state} exception={}>", py_repr(vm, &e)?)
        }
        None => format!("<Future {state}>"),
    })
}

fn join_reprs(vm: &mut Vm, items: &[Value]) -> PyResult<String> {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&py_repr(vm, item)?);
    }
    Ok(out)
}

/// `format(value, spec)` for f-strings, with the conversion (`!r`, `!s`, `!a`) first.
pub fn format_value(
    vm: &mut Vm,
    value: &Value,
    conversion: u8,
    spec: Option<&Value>,
) -> PyResult<String> {
    let converted;
    let value = match conversion {
        b'r' | b'a' => {
            converted = Value::str(&py_repr(vm, value)?);
            &converted
        }
        b's' => {
            converted = Value::str(&py_str(vm, value)?);
            &converted
        }
        _ => value,
    };
    let spec = match spec {
        Some(Value::Str(s)) => s.clone(),
        _ => Rc::from(""),
    };
    format_spec(vm, value, &spec)
}

/// `number` with the decimal `digit` appended (saturating: the memory cap refuses the result).
fn decimal_digit(number: usize, digit: char) -> usize {
    number
        .saturating_mul(10)
        .saturating_add(digit.to_digit(10).unwrap_or(0) as usize)
}

/// Applies a format spec: `[[fill]align][sign][0][width][,][.precision][type]`.
pub fn format_spec(vm: &mut Vm, value: &Value, spec: &str) -> PyResult<String> {
    if spec.is_empty() {
        return py_str(vm, value);
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut fill = ' ';
    let mut align = None;
    if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^' | '=') {
        fill = chars[0];
        align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && matches!(chars[0], '<' | '>' | '^' | '=') {
        align = Some(chars[0]);
        i = 1;
    }
    let mut sign = '-';
    if i < chars.len() && matches!(chars[i], '+' | '-' | ' ') {
        sign = chars[i];
        i += 1;
    }
    if i < chars.len() && chars[i] == '0' {
        if align.is_none() {
            fill = '0';
            align = Some('=');
        }
        i += 1;
    }
    let mut width = 0usize;
    while i < chars.len() && chars[i].is_ascii_digit() {
        width = decimal_digit(width, chars[i]);
        i += 1;
    }
    let mut grouping = false;
    if i < chars.len() && (chars[i] == ',' || chars[i] == '_') {
        if chars[i] == '_' {
            return unsupported(format!("the format spec `{spec}`"));
        }
        grouping = true;
        i += 1;
    }
    let mut precision = None;
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        let mut p = 0usize;
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            p = decimal_digit(p, chars[i]);
            i += 1;
        }
        if i == start {
            return Err(vm.exception("ValueError", "Format specifier missing precision"));
        }
        precision = Some(p);
    }
    let kind = chars.get(i).copied();
    if i + usize::from(kind.is_some()) != chars.len() {
        return unsupported(format!("the format spec `{spec}`"));
    }
    vm.reserve_memory(width.saturating_mul(fill.len_utf8()))?;
    vm.reserve_memory(precision.unwrap_or(0))?;
    let numeric = matches!(value, Value::Int(_) | Value::Float(_) | Value::Bool(_));
    let (body, negative) = match (kind, value) {
        (None | Some('s'), Value::Str(s)) => {
            let s: String = match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            (s, false)
        }
        (None | Some('d'), Value::Int(n)) if precision.is_none() => {
            (group(&n.unsigned_abs().to_string(), grouping), *n < 0)
        }
        (None | Some('d'), Value::Bool(b)) if kind == Some('d') => {
            (((*b) as i64).to_string(), false)
        }
        (Some('f') | Some('F') | Some('%') | Some('e') | Some('g'), v)
        | (None, v @ Value::Float(_))
            if numeric =>
        {
            let f = match v {
                Value::Int(n) => *n as f64,
                Value::Bool(b) => *b as i64 as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            let negative = f.is_sign_negative() && f != 0.0
                || (f == 0.0 && f.is_sign_negative() && kind.is_some());
            let a = f.abs();
            let text = match kind {
                Some('f') | Some('F') => format!("{:.*}", precision.unwrap_or(6), a),
                Some('%') => format!("{:.*}%", precision.unwrap_or(6), a * 100.0),
                Some('e') => {
                    let t = format!("{:.*e}", precision.unwrap_or(6), a);
                    match t.split_once('e') {
                        Some((m, e)) => {
                            let e: i32 = e.parse().unwrap_or(0);
                            format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
                        }
                        None => t,
                    }
                }
                None if precision.is_none() => float_repr(a),
                _ => return unsupported(format!("the format spec `{spec}`")),
            };
            let text = if grouping {
                match text.split_once('.') {
                    Some((int, frac)) => format!("{}.{}", group(int, true), frac),
                    None => group(&text, true),
                }
            } else {
                text
            };
            (text, negative)
        }
        (None, v) if !numeric => (py_str(vm, v)?, false),
        _ => {
            return unsupported(format!(
                "the format spec `{spec}` for a {}",
                value.type_name()
            ))
        }
    };
    let sign_text = if negative {
        "-"
    } else if numeric && sign == '+' {
        "+"
    } else if numeric && sign == ' ' {
        " "
    } else {
        ""
    };
    let len = body.chars().count() + sign_text.len();
    let pad = width.saturating_sub(len);
    let align = align.unwrap_or(if numeric { '>' } else { '<' });
    let fill_text = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    Ok(match align {
        '<' => format!("{sign_text}{body}{}", fill_text(pad)),
        '^' => format!(
            "{}{sign_text}{body}{}",
            fill_text(pad / 2),
            fill_text(pad - pad / 2)
        ),
        '=' => format!("{sign_text}{}{body}", fill_text(pad)),
        _ => format!("{}{sign_text}{body}", fill_text(pad)),
    })
}

fn group(digits: &str, grouping: bool) -> String {
    if !grouping {
        return digits.to_owned();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A Python-style traceback: the exceptions it was caused by or raised while handling first,
/// oldest first. An exception already shown ends the chain (an exception can be its own cause).
pub fn traceback_text(vm: &mut Vm, exc: &Value) -> String {
    // Newest first, each with the words that link it to the one after it.
    let mut chain: Vec<(Value, &str)> = Vec::new();
    let mut next = Some(exc.clone());
    while let Some(exc) = next.take() {
        let Value::Instance(i) = &exc else { break };
        if chain.iter().any(|(seen, _)| same_object(seen, &exc)) {
            break;
        }
        let cause = i.attrs.borrow().get("__cause__").cloned();
        let context = i.attrs.borrow().get("__context__").cloned();
        let link = match (cause, context) {
            (Some(cause @ Value::Instance(_)), _) => {
                next = Some(cause);
                "\nThe above exception was the direct cause of the following exception:\n\n"
            }
            (_, Some(context @ Value::Instance(_))) => {
                next = Some(context);
                "\nDuring handling of the above exception, another exception occurred:\n\n"
            }
            _ => "",
        };
        chain.push((exc, link));
    }
    let mut out = String::new();
    for (index, (exc, link)) in chain.iter().enumerate().rev() {
        if index + 1 < chain.len() {
            out.push_str(link);
        }
        exception_text(vm, exc, &mut out);
    }
    out
}

/// One exception of a traceback: where it was raised, its type and its message.
fn exception_text(vm: &mut Vm, exc: &Value, out: &mut String) {
    let Value::Instance(i) = exc else {
        return;
    };
    let entries = i.traceback.borrow().clone();
    if !entries.is_empty() {
        out.push_str("Traceback (most recent call last):\n");
    }
    for (path, line, name) in entries.iter().rev() {
        let _ = writeln!(out, "  File \"{path}\", line {line}, in {name}");
        if let Some(source) = vm.sources.get(path) {
            let index = (*line as usize).saturating_sub(1);
            if *line > 0 && index < source.line_count() {
                let text = source.text[source.line_range(index)].trim();
                let _ = writeln!(out, "    {text}");
            }
        }
    }
    let message = py_str(vm, exc).unwrap_or_default();
    let module = &i.class.module;
    let name = if &**module == "builtins" || &**module == "__main__" {
        i.class.name.to_string()
    } else {
        format!("{}.{}", module, i.class.name)
    };
    if message.is_empty() {
        let _ = writeln!(out, "{name}");
    } else {
        let _ = writeln!(out, "{name}: {message}");
    }
}

// ----- attributes and items -----

/// Looks up a special method on the type of `object`, bound to it.
pub fn special_method(vm: &mut Vm, object: &Value, name: &str) -> PyResult<Value> {
    match object {
        Value::Instance(i) => match i.class.lookup(name) {
            Some(_) => get_attr(vm, object, name),
            None => type_err(
                vm,
                format!(
                    "'{}' object does not support the context manager protocol",
                    i.class.name
                ),
            ),
        },
        _ => super::asyncio::special_method(vm, object, name),
    }
}

/// Binds a class attribute found on an instance (functions become bound methods).
fn bind(value: Value, instance: &Value) -> Value {
    match value {
        Value::Function(_) => Value::BoundMethod(Rc::new((instance.clone(), value))),
        Value::StaticMethod(f) => (*f).clone(),
        other => other,
    }
}

pub fn get_attr(vm: &mut Vm, object: &Value, name: &str) -> PyResult<Value> {
    match object {
        Value::Instance(instance) => {
            if let Some(value) = instance.attrs.borrow().get(name) {
                return Ok(value.clone());
            }
            match instance.class.lookup(name) {
                Some(Value::Property(getter)) => {
                    vm.call_value((*getter).clone(), vec![object.clone()])
                }
                Some(Value::ClassMethod(f)) => Ok(Value::BoundMethod(Rc::new((
                    Value::Class(instance.class.clone()),
                    (*f).clone(),
                )))),
                Some(value) => Ok(bind(value, object)),
                None => {
                    if is_exception_class(vm, &instance.class) {
                        match name {
                            "__cause__" | "__context__" => return Ok(Value::None),
                            "__traceback__" => return unsupported("`__traceback__`"),
                            "exceptions" if is_instance_of(vm, object, "BaseExceptionGroup") => {
                                let args = instance.attrs.borrow().get("args").cloned();
                                if let Some(Value::Tuple(args)) = args {
                                    if let Some(Value::List(l)) = args.get(1) {
                                        return Ok(Value::tuple(l.borrow().to_vec()));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    if name == "__class__" {
                        return Ok(Value::Class(instance.class.clone()));
                    }
                    if name == "__dict__" {
                        return unsupported("`__dict__`");
                    }
                    Err(vm.exception(
                        "AttributeError",
                        format!(
                            "'{}' object has no attribute '{}'",
                            instance.class.name, name
                        ),
                    ))
                }
            }
        }
        Value::Class(class) => match name {
            "__name__" => Ok(Value::str(&class.name)),
            "__qualname__" => Ok(Value::str(&class.name)),
            _ => match class.lookup(name) {
                Some(Value::StaticMethod(f)) => Ok((*f).clone()),
                Some(Value::ClassMethod(f)) => {
                    Ok(Value::BoundMethod(Rc::new((object.clone(), (*f).clone()))))
                }
                Some(value) => Ok(value),
                None => Err(vm.exception(
                    "AttributeError",
                    format!("type object '{}' has no attribute '{}'", class.name, name),
                )),
            },
        },
        Value::Super(sup) => {
            let (owner, this) = (&sup.0, &sup.1);
            let found = owner.base.as_ref().and_then(|b| b.lookup(name));
            match found {
                // The native `BaseException.__init__` is a method too.
                Some(builtin @ Value::Builtin(_)) if name == "__init__" => {
                    Ok(Value::BoundMethod(Rc::new((this.clone(), builtin))))
                }
                Some(value) => Ok(bind(value, this)),
                None if name == "__init__" => Ok(native("__init__", |_, _, _| Ok(Value::None))),
                None => Err(vm.exception(
                    "AttributeError",
                    format!("'super' object has no attribute '{name}'"),
                )),
            }
        }
        Value::Module(module) => {
            if name == "__name__" {
                return Ok(Value::str(&module.name));
            }
            match module.globals.borrow().get(name) {
                Some(value) => Ok(value.clone()),
                None => unsupported(format!("`{}.{}`", module.name, name)),
            }
        }
        Value::Type(kind) => match name {
            "__name__" | "__qualname__" => Ok(Value::str(kind.name())),
            _ => unsupported(format!("`{}.{}`", kind.name(), name)),
        },
        Value::Function(f) => match name {
            "__name__" => Ok(Value::str(&f.code.name)),
            "__qualname__" => Ok(Value::str(&f.code.qualname)),
            _ => unsupported(format!("the function attribute `{name}`")),
        },
        Value::Builtin(b) if name == "__name__" => Ok(Value::str(b.name)),
        Value::Coroutine(c) => match name {
            "__name__" => Ok(Value::str(c.borrow().name.rsplit('.').next().unwrap_or(""))),
            "__qualname__" => Ok(Value::str(&c.borrow().name)),
            "close" => Ok(method(
                "close",
                |vm, r, _| {
                    if let Some(Value::Coroutine(c)) = r {
                        let c = c.clone();
                        vm.close_coroutine(&c)?;
                    }
                    Ok(Value::None)
                },
                object.clone(),
            )),
            _ => unsupported(format!("the coroutine attribute `{name}`")),
        },
        Value::Str(_) | Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Tuple(_) => {
            super::methods::method_of(vm, object, name)
        }
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            super::methods::method_of(vm, object, name)
        }
        Value::Future(_) | Value::Loop | Value::Handle(_) => super::asyncio::get_attr(object, name),
        other => unsupported(format!("the attribute `{name}` of a {}", other.type_name())),
    }
}

pub fn set_attr(vm: &mut Vm, object: &Value, name: Rc<str>, value: Value) -> PyResult<()> {
    match object {
        Value::Instance(instance) => {
            if let Some(Value::Property(_)) = instance.class.lookup(&name) {
                return Err(vm.exception(
                    "AttributeError",
                    format!(
                        "property '{name}' of '{}' object has no setter",
                        instance.class.name
                    ),
                ));
            }
            let old = instance.attrs.borrow_mut().insert(name, value.clone());
            if let Some(Value::Future(handle)) = old {
                if !matches!(&value, Value::Future(h) if h.id == handle.id) {
                    if let Some(task) = vm.rt.slot_mut(handle.id).and_then(|s| s.task.as_mut()) {
                        task.rebound = true;
                    }
                }
            }
            Ok(())
        }
        Value::Class(class) => {
            class.attrs.borrow_mut().insert(name, value);
            Ok(())
        }
        Value::Module(module) => {
            module.globals.borrow_mut().insert(name, value);
            Ok(())
        }
        other => unsupported(format!(
            "setting the attribute `{name}` of a {}",
            other.type_name()
        )),
    }
}

fn index_of(vm: &mut Vm, index: &Value, len: usize) -> PyResult<Option<usize>> {
    let i = match index {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        other => {
            return type_err(
                vm,
                format!(
                    "indices must be integers or slices, not {}",
                    other.type_name()
                ),
            )
        }
    };
    let i = if i < 0 { i + len as i64 } else { i };
    Ok((0..len as i64).contains(&i).then_some(i as usize))
}

fn slice_indexes(vm: &mut Vm, slice: &[Value; 3], len: usize) -> PyResult<Vec<usize>> {
    let get = |v: &Value| -> Option<Option<i64>> {
        match v {
            Value::None => Some(None),
            Value::Int(i) => Some(Some(*i)),
            Value::Bool(b) => Some(Some(*b as i64)),
            _ => None,
        }
    };
    let (Some(start), Some(stop), Some(step)) = (get(&slice[0]), get(&slice[1]), get(&slice[2]))
    else {
        return type_err(vm, "slice indices must be integers or None");
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(vm.exception("ValueError", "slice step cannot be zero"));
    }
    let len = len as i64;
    let clamp = |v: i64, low: i64, high: i64| v.max(low).min(high);
    let norm = |v: i64| if v < 0 { v + len } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let start = clamp(norm(start.unwrap_or(0)), 0, len);
        let stop = clamp(norm(stop.unwrap_or(len)), 0, len);
        let mut i = start;
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else {
        let start = clamp(start.map_or(len - 1, norm), -1, len - 1);
        let stop = clamp(stop.map_or(-1, norm), -1, len - 1);
        let mut i = start;
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    Ok(out)
}

pub fn get_item(vm: &mut Vm, object: &Value, index: &Value) -> PyResult<Value> {
    match (object, index) {
        (Value::List(l), Value::Slice(s)) => {
            let items = l.borrow().clone();
            let idx = slice_indexes(vm, s, items.len())?;
            Ok(Value::list(
                idx.into_iter().map(|i| items[i].clone()).collect(),
            ))
        }
        (Value::Tuple(t), Value::Slice(s)) => {
            let idx = slice_indexes(vm, s, t.len())?;
            Ok(Value::tuple(
                idx.into_iter().map(|i| t[i].clone()).collect(),
            ))
        }
        (Value::Str(text), Value::Slice(s)) => {
            let chars: Vec<char> = text.chars().collect();
            let idx = slice_indexes(vm, s, chars.len())?;
            Ok(Value::str(
                &idx.into_iter().map(|i| chars[i]).collect::<String>(),
            ))
        }
        (Value::List(l), _) => {
            let len = l.borrow().len();
            match index_of(vm, index, len)? {
                Some(i) => Ok(l.borrow()[i].clone()),
                None => Err(vm.exception("IndexError", "list index out of range")),
            }
        }
        (Value::Tuple(t), _) => match index_of(vm, index, t.len())? {
            Some(i) => Ok(t[i].clone()),
            None => Err(vm.exception("IndexError", "tuple index out of range")),
        },
        (Value::Str(s), _) => {
            let chars: Vec<char> = s.chars().collect();
            match index_of(vm, index, chars.len())? {
                Some(i) => Ok(Value::str(&chars[i].to_string())),
                None => Err(vm.exception("IndexError", "string index out of range")),
            }
        }
        (Value::Range(a, b, c), _) => {
            let n = range_len(*a, *b, *c) as usize;
            match index_of(vm, index, n)? {
                Some(i) => Ok(Value::Int(range_item(*a, *c, i as i64))),
                None => Err(vm.exception("IndexError", "range object index out of range")),
            }
        }
        (Value::Dict(d), _) => {
            let key = hash_key(vm, index)?;
            let found = d.borrow().get(&key).cloned();
            match found {
                Some(v) => Ok(v),
                None => {
                    let exc = vm.exception_value("KeyError", vec![index.clone()]);
                    Err(Flow::Exc(exc))
                }
            }
        }
        (Value::Instance(_), _) => unsupported("subscripting instances"),
        (Value::Type(_) | Value::Class(_), _) => unsupported("generic aliases"),
        _ => type_err(
            vm,
            format!("'{}' object is not subscriptable", object.type_name()),
        ),
    }
}

pub fn set_item(vm: &mut Vm, object: &Value, index: Value, value: Value) -> PyResult<()> {
    match object {
        Value::List(l) => {
            if let Value::Slice(_) = index {
                return unsupported("slice assignment");
            }
            let len = l.borrow().len();
            match index_of(vm, &index, len)? {
                Some(i) => {
                    let old = std::mem::replace(&mut l.borrow_mut()[i], value);
                    drop(old);
                    Ok(())
                }
                None => Err(vm.exception("IndexError", "list assignment index out of range")),
            }
        }
        Value::Dict(d) => {
            let key = hash_key(vm, &index)?;
            d.borrow_mut().insert(key, index, value);
            Ok(())
        }
        Value::Instance(_) => unsupported("item assignment on instances"),
        other => type_err(
            vm,
            format!(
                "'{}' object does not support item assignment",
                other.type_name()
            ),
        ),
    }
}

pub fn del_item(vm: &mut Vm, object: &Value, index: &Value) -> PyResult<()> {
    match object {
        Value::List(l) => {
            let len = l.borrow().len();
            match index_of(vm, index, len)? {
                Some(i) => {
                    let removed = l.borrow_mut().remove(i);
                    drop(removed);
                    Ok(())
                }
                None => Err(vm.exception("IndexError", "list assignment index out of range")),
            }
        }
        Value::Dict(d) => {
            let key = hash_key(vm, index)?;
            let removed = d.borrow_mut().remove(&key);
            match removed {
                Some(_) => Ok(()),
                None => {
                    let exc = vm.exception_value("KeyError", vec![index.clone()]);
                    Err(Flow::Exc(exc))
                }
            }
        }
        other => type_err(
            vm,
            format!(
                "'{}' object does not support item deletion",
                other.type_name()
            ),
        ),
    }
}

/// `import name`: the modules of the subset.
pub fn import(vm: &mut Vm, name: &str) -> PyResult<Value> {
    if let Some(module) = vm.modules.get(name) {
        return Ok(Value::Module(module.clone()));
    }
    let module = match name {
        "asyncio" => super::asyncio::load(vm)?,
        "time" => super::asyncio::time_module(),
        "gc" => super::asyncio::gc_module(),
        "__future__" => {
            // `from __future__ import annotations`: annotations are never evaluated here.
            let module = Rc::new(Module {
                name: Rc::from("__future__"),
                globals: RefCell::new(FxHashMap::default()),
            });
            module
                .globals
                .borrow_mut()
                .insert(Rc::from("annotations"), Value::None);
            module
        }
        _ => return unsupported(format!("the module `{name}`")),
    };
    vm.modules.insert(Rc::from(name), module.clone());
    Ok(Value::Module(module))
}
