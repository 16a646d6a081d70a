//! Methods of the built-in values: `str`, `list`, `dict`, `set`, `tuple`, numbers.

use std::rc::Rc;

use super::builtins::{
    collect, format_spec, hash_key, make_set, plain_key, set_items, sort_values,
};
use super::ops::equal;
use super::value::{Args, NativeFn, Value};
use super::vm::{method, unsupported, PyResult, Vm};

fn type_err<T>(vm: &mut Vm, message: impl Into<String>) -> PyResult<T> {
    Err(vm.exception("TypeError", message))
}

fn arg(args: &Args, i: usize) -> Option<Value> {
    args.positional.get(i).cloned()
}

fn string_arg(vm: &mut Vm, args: &Args, i: usize, what: &str) -> PyResult<Option<Rc<str>>> {
    match arg(args, i) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(other) => type_err(
            vm,
            format!("{what} arg must be None or str, not {}", other.type_name()),
        ),
    }
}

macro_rules! receiver {
    ($r:expr, $variant:ident) => {
        match $r {
            Some(Value::$variant(inner)) => inner.clone(),
            _ => return unsupported("a method called on another type"),
        }
    };
}

const STR_METHODS: &[(&str, NativeFn)] = &[
    ("join", |vm, r, args| {
        let sep = receiver!(r, Str);
        let Some(iterable) = arg(&args, 0) else {
            return type_err(vm, "join() takes exactly one argument (0 given)");
        };
        let mut out = String::new();
        for (i, item) in collect(vm, &iterable)?.into_iter().enumerate() {
            if i > 0 {
                out.push_str(&sep);
            }
            match item {
                Value::Str(s) => out.push_str(&s),
                other => {
                    return type_err(
                        vm,
                        format!(
                            "sequence item {i}: expected str instance, {} found",
                            other.type_name()
                        ),
                    )
                }
            }
        }
        Ok(Value::str(&out))
    }),
    ("split", |vm, r, args| {
        let s = receiver!(r, Str);
        let sep = string_arg(vm, &args, 0, "sep")?;
        if args.positional.len() > 1 || !args.keywords.is_empty() {
            return unsupported("split() with maxsplit");
        }
        let parts: Vec<Value> = match sep {
            None => s.split_whitespace().map(Value::str).collect(),
            Some(sep) if sep.is_empty() => {
                return Err(vm.exception("ValueError", "empty separator"))
            }
            Some(sep) => s.split(&*sep).map(Value::str).collect(),
        };
        Ok(Value::list(parts))
    }),
    ("strip", |vm, r, args| {
        let s = receiver!(r, Str);
        Ok(Value::str(match string_arg(vm, &args, 0, "strip")? {
            None => s.trim(),
            Some(chars) => s.trim_matches(|c| chars.contains(c)),
        }))
    }),
    ("lstrip", |vm, r, args| {
        let s = receiver!(r, Str);
        Ok(Value::str(match string_arg(vm, &args, 0, "lstrip")? {
            None => s.trim_start(),
            Some(chars) => s.trim_start_matches(|c| chars.contains(c)),
        }))
    }),
    ("rstrip", |vm, r, args| {
        let s = receiver!(r, Str);
        Ok(Value::str(match string_arg(vm, &args, 0, "rstrip")? {
            None => s.trim_end(),
            Some(chars) => s.trim_end_matches(|c| chars.contains(c)),
        }))
    }),
    ("upper", |_, r, _| {
        Ok(Value::str(&receiver!(r, Str).to_uppercase()))
    }),
    ("lower", |_, r, _| {
        Ok(Value::str(&receiver!(r, Str).to_lowercase()))
    }),
    ("startswith", |vm, r, args| {
        let s = receiver!(r, Str);
        match arg(&args, 0) {
            Some(Value::Str(p)) => Ok(Value::Bool(s.starts_with(&*p))),
            Some(Value::Tuple(ps)) => Ok(Value::Bool(
                ps.iter()
                    .any(|p| matches!(p, Value::Str(p) if s.starts_with(&**p))),
            )),
            _ => type_err(vm, "startswith first arg must be str or a tuple of str"),
        }
    }),
    ("endswith", |vm, r, args| {
        let s = receiver!(r, Str);
        match arg(&args, 0) {
            Some(Value::Str(p)) => Ok(Value::Bool(s.ends_with(&*p))),
            Some(Value::Tuple(ps)) => Ok(Value::Bool(
                ps.iter()
                    .any(|p| matches!(p, Value::Str(p) if s.ends_with(&**p))),
            )),
            _ => type_err(vm, "endswith first arg must be str or a tuple of str"),
        }
    }),
    ("replace", |vm, r, args| {
        let s = receiver!(r, Str);
        match (arg(&args, 0), arg(&args, 1), args.positional.len()) {
            (Some(Value::Str(a)), Some(Value::Str(b)), 2) => Ok(Value::str(&s.replace(&*a, &b))),
            _ => type_err(vm, "replace() arguments must be str"),
        }
    }),
    ("find", |vm, r, args| {
        let s = receiver!(r, Str);
        match arg(&args, 0) {
            Some(Value::Str(p)) if args.positional.len() == 1 => Ok(Value::Int(
                s.find(&*p)
                    .map_or(-1, |byte| s[..byte].chars().count() as i64),
            )),
            _ => type_err(vm, "find() argument must be str"),
        }
    }),
    ("count", |vm, r, args| {
        let s = receiver!(r, Str);
        match arg(&args, 0) {
            Some(Value::Str(p)) if !p.is_empty() => Ok(Value::Int(s.matches(&*p).count() as i64)),
            Some(Value::Str(_)) => Ok(Value::Int(s.chars().count() as i64 + 1)),
            _ => type_err(vm, "count() argument must be str"),
        }
    }),
    ("isdigit", |_, r, _| {
        let s = receiver!(r, Str);
        Ok(Value::Bool(
            !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
        ))
    }),
    ("title", |_, r, _| {
        let s = receiver!(r, Str);
        let mut out = String::new();
        let mut previous_cased = false;
        for c in s.chars() {
            if previous_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            previous_cased = c.is_alphabetic();
        }
        Ok(Value::str(&out))
    }),
    ("capitalize", |_, r, _| {
        let s = receiver!(r, Str);
        let mut chars = s.chars();
        let out: String = match chars.next() {
            Some(first) => first
                .to_uppercase()
                .chain(chars.flat_map(char::to_lowercase))
                .collect(),
            None => String::new(),
        };
        Ok(Value::str(&out))
    }),
    ("ljust", |vm, r, args| pad(vm, r, args, '<')),
    ("rjust", |vm, r, args| pad(vm, r, args, '>')),
    ("center", |vm, r, args| pad(vm, r, args, '^')),
    ("format", str_format),
];

fn pad(vm: &mut Vm, r: Option<&Value>, args: Args, align: char) -> PyResult<Value> {
    let s = receiver!(r, Str);
    let Some(Value::Int(width)) = arg(&args, 0) else {
        return type_err(vm, "the width must be an integer");
    };
    let fill = match arg(&args, 1) {
        Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
        None => ' ',
        _ => return type_err(vm, "The fill character must be exactly one character long"),
    };
    let spec = format!("{fill}{align}{}", width.max(0));
    Ok(Value::str(&format_spec(vm, &Value::Str(s), &spec)?))
}

fn str_format(vm: &mut Vm, r: Option<&Value>, args: Args) -> PyResult<Value> {
    let template = receiver!(r, Str);
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    field.push(c);
                }
                let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (name, conversion) = match name.split_once('!') {
                    Some((n, c)) => (n, c.bytes().next().unwrap_or(0)),
                    None => (name, 0),
                };
                let value = if name.is_empty() {
                    auto += 1;
                    arg(&args, auto - 1)
                } else if let Ok(i) = name.parse::<usize>() {
                    arg(&args, i)
                } else if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    args.keywords
                        .iter()
                        .find(|(k, _)| &**k == name)
                        .map(|(_, v)| v.clone())
                } else {
                    return unsupported(format!("the format field `{{{field}}}`"));
                };
                let Some(value) = value else {
                    return Err(vm.exception(
                        "IndexError",
                        format!(
                            "Replacement index {} out of range for positional args tuple",
                            auto.saturating_sub(1)
                        ),
                    ));
                };
                let spec = Value::str(spec);
                out.push_str(&super::builtins::format_value(
                    vm,
                    &value,
                    conversion,
                    Some(&spec),
                )?);
            }
            c => out.push(c),
        }
    }
    Ok(Value::str(&out))
}

const LIST_METHODS: &[(&str, NativeFn)] = &[
    ("append", |vm, r, args| {
        let list = receiver!(r, List);
        let Some(value) = arg(&args, 0) else {
            return type_err(vm, "list.append() takes exactly one argument (0 given)");
        };
        list.borrow_mut().push(value);
        Ok(Value::None)
    }),
    ("extend", |vm, r, args| {
        let list = receiver!(r, List);
        let Some(value) = arg(&args, 0) else {
            return type_err(vm, "list.extend() takes exactly one argument (0 given)");
        };
        let items = collect(vm, &value)?;
        list.borrow_mut().extend(items);
        Ok(Value::None)
    }),
    ("pop", |vm, r, args| {
        let list = receiver!(r, List);
        let len = list.borrow().len() as i64;
        if len == 0 {
            return Err(vm.exception("IndexError", "pop from empty list"));
        }
        let i = match arg(&args, 0) {
            None => len - 1,
            Some(Value::Int(i)) => {
                if i < 0 {
                    i + len
                } else {
                    i
                }
            }
            Some(_) => return type_err(vm, "list indices must be integers"),
        };
        if !(0..len).contains(&i) {
            return Err(vm.exception("IndexError", "pop index out of range"));
        }
        let value = list.borrow_mut().remove(i as usize);
        Ok(value)
    }),
    ("insert", |vm, r, args| {
        let list = receiver!(r, List);
        let (Some(Value::Int(i)), Some(value)) = (arg(&args, 0), arg(&args, 1)) else {
            return type_err(vm, "insert expected 2 arguments");
        };
        let len = list.borrow().len() as i64;
        let i = if i < 0 { (i + len).max(0) } else { i.min(len) };
        list.borrow_mut().insert(i as usize, value);
        Ok(Value::None)
    }),
    ("remove", |vm, r, args| {
        let list = receiver!(r, List);
        let Some(value) = arg(&args, 0) else {
            return type_err(vm, "list.remove() takes exactly one argument (0 given)");
        };
        let items = list.borrow().to_vec();
        for (i, item) in items.iter().enumerate() {
            if super::ops::same_object(item, &value) || equal(vm, item, &value)? {
                let removed = list.borrow_mut().remove(i);
                drop(removed);
                return Ok(Value::None);
            }
        }
        Err(vm.exception("ValueError", "list.remove(x): x not in list"))
    }),
    ("index", |vm, r, args| {
        let list = receiver!(r, List);
        let Some(value) = arg(&args, 0) else {
            return type_err(vm, "index expected 1 argument");
        };
        let items = list.borrow().to_vec();
        for (i, item) in items.iter().enumerate() {
            if equal(vm, item, &value)? {
                return Ok(Value::Int(i as i64));
            }
        }
        let text = super::builtins::py_repr(vm, &value)?;
        Err(vm.exception("ValueError", format!("{text} is not in list")))
    }),
    ("count", |vm, r, args| {
        let list = receiver!(r, List);
        let Some(value) = arg(&args, 0) else {
            return type_err(vm, "count expected 1 argument");
        };
        let items = list.borrow().to_vec();
        let mut n = 0;
        for item in &items {
            if equal(vm, item, &value)? {
                n += 1;
            }
        }
        Ok(Value::Int(n))
    }),
    ("sort", |vm, r, mut args| {
        let list = receiver!(r, List);
        let key = args.take_keyword("key");
        let reverse = args.take_keyword("reverse");
        let items = list.borrow().to_vec();
        let sorted = sort_values(vm, items, key, reverse)?;
        *list.borrow_mut() = sorted.into();
        Ok(Value::None)
    }),
    ("reverse", |_, r, _| {
        receiver!(r, List).borrow_mut().reverse();
        Ok(Value::None)
    }),
    ("clear", |_, r, _| {
        let old = std::mem::take(&mut *receiver!(r, List).borrow_mut());
        drop(old);
        Ok(Value::None)
    }),
    ("copy", |_, r, _| {
        Ok(Value::list(receiver!(r, List).borrow().to_vec()))
    }),
];

const TUPLE_METHODS: &[(&str, NativeFn)] = &[
    ("count", |vm, r, args| {
        let t = receiver!(r, Tuple);
        let value = arg(&args, 0).unwrap_or(Value::None);
        let mut n = 0;
        for item in t.iter() {
            if equal(vm, item, &value)? {
                n += 1;
            }
        }
        Ok(Value::Int(n))
    }),
    ("index", |vm, r, args| {
        let t = receiver!(r, Tuple);
        let value = arg(&args, 0).unwrap_or(Value::None);
        for (i, item) in t.iter().enumerate() {
            if equal(vm, item, &value)? {
                return Ok(Value::Int(i as i64));
            }
        }
        Err(vm.exception("ValueError", "tuple.index(x): x not in tuple"))
    }),
];

const DICT_METHODS: &[(&str, NativeFn)] = &[
    ("get", |vm, r, args| {
        let d = receiver!(r, Dict);
        let key = hash_key(vm, &arg(&args, 0).unwrap_or(Value::None))?;
        let found = d.borrow().get(&key).cloned();
        Ok(found.unwrap_or_else(|| arg(&args, 1).unwrap_or(Value::None)))
    }),
    ("keys", |_, r, _| {
        Ok(Value::list(receiver!(r, Dict).borrow().keys()))
    }),
    ("values", |_, r, _| {
        Ok(Value::list(
            receiver!(r, Dict)
                .borrow()
                .iter()
                .map(|(_, v)| v.clone())
                .collect(),
        ))
    }),
    ("items", |_, r, _| {
        Ok(Value::list(
            receiver!(r, Dict)
                .borrow()
                .iter()
                .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
                .collect(),
        ))
    }),
    ("pop", |vm, r, args| {
        let d = receiver!(r, Dict);
        let k = arg(&args, 0).unwrap_or(Value::None);
        let key = hash_key(vm, &k)?;
        let removed = d.borrow_mut().remove(&key);
        match (removed, arg(&args, 1)) {
            (Some((_, v)), _) => Ok(v),
            (None, Some(default)) => Ok(default),
            (None, None) => {
                let exc = vm.exception_value("KeyError", vec![k]);
                Err(super::vm::Flow::Exc(exc))
            }
        }
    }),
    ("setdefault", |vm, r, args| {
        let d = receiver!(r, Dict);
        let k = arg(&args, 0).unwrap_or(Value::None);
        let key = hash_key(vm, &k)?;
        let found = d.borrow().get(&key).cloned();
        match found {
            Some(v) => Ok(v),
            None => {
                let v = arg(&args, 1).unwrap_or(Value::None);
                d.borrow_mut().insert(key, k, v.clone());
                Ok(v)
            }
        }
    }),
    ("update", |vm, r, args| {
        let d = receiver!(r, Dict);
        if let Some(other) = arg(&args, 0) {
            super::builtins::dict_update(vm, &Value::Dict(d.clone()), &other)?;
        }
        for (k, v) in args.keywords {
            d.borrow_mut()
                .insert(super::builtins::key_of_str(&k), Value::Str(k), v);
        }
        Ok(Value::None)
    }),
    ("clear", |_, r, _| {
        receiver!(r, Dict).borrow_mut().clear();
        Ok(Value::None)
    }),
    ("copy", |vm, r, _| {
        let d = receiver!(r, Dict);
        let out = Value::Dict(Rc::new(std::cell::RefCell::new(Default::default())));
        super::builtins::dict_update(vm, &out, &Value::Dict(d))?;
        Ok(out)
    }),
];

const SET_METHODS: &[(&str, NativeFn)] = &[
    ("add", |vm, r, args| {
        let s = receiver!(r, Set);
        let item = arg(&args, 0).unwrap_or(Value::None);
        super::builtins::set_add(vm, &Value::Set(s), item)?;
        Ok(Value::None)
    }),
    ("discard", |vm, r, args| {
        let s = receiver!(r, Set);
        let key = hash_key(vm, &arg(&args, 0).unwrap_or(Value::None))?;
        let removed = s.borrow_mut().remove(&key);
        drop(removed);
        Ok(Value::None)
    }),
    ("remove", |vm, r, args| {
        let s = receiver!(r, Set);
        let item = arg(&args, 0).unwrap_or(Value::None);
        let key = hash_key(vm, &item)?;
        let removed = s.borrow_mut().remove(&key);
        match removed {
            Some(_) => Ok(Value::None),
            None => {
                let exc = vm.exception_value("KeyError", vec![item]);
                Err(super::vm::Flow::Exc(exc))
            }
        }
    }),
    ("pop", |vm, r, _| {
        let s = receiver!(r, Set);
        let items = set_items(&s.borrow())?;
        let Some(first) = items.into_iter().next() else {
            return Err(vm.exception("KeyError", "pop from an empty set"));
        };
        if let Some(key) = plain_key(&first) {
            s.borrow_mut().remove(&key);
        }
        Ok(first)
    }),
    ("clear", |_, r, _| {
        receiver!(r, Set).borrow_mut().clear();
        Ok(Value::None)
    }),
    ("copy", |vm, r, _| {
        let s = receiver!(r, Set);
        let items = s.borrow().keys();
        make_set(vm, items)
    }),
    ("update", |vm, r, args| {
        let s = receiver!(r, Set);
        for other in args.positional {
            for item in collect(vm, &other)? {
                super::builtins::set_add(vm, &Value::Set(s.clone()), item)?;
            }
        }
        Ok(Value::None)
    }),
];

const NUMBER_METHODS: &[(&str, NativeFn)] = &[("is_integer", |_, r, _| match r {
    Some(Value::Float(f)) => Ok(Value::Bool(f.fract() == 0.0)),
    _ => unsupported("is_integer on this type"),
})];

/// The method `name` of a built-in value, bound to it.
pub fn method_of(vm: &mut Vm, object: &Value, name: &str) -> PyResult<Value> {
    let table = match object {
        Value::Str(_) => STR_METHODS,
        Value::List(_) => LIST_METHODS,
        Value::Tuple(_) => TUPLE_METHODS,
        Value::Dict(_) => DICT_METHODS,
        Value::Set(_) => SET_METHODS,
        _ => NUMBER_METHODS,
    };
    match table.iter().find(|(n, _)| *n == name) {
        Some((n, func)) => Ok(method(n, *func, object.clone())),
        None => {
            let type_name = object.type_name();
            if name.starts_with("__") {
                return Err(vm.exception(
                    "AttributeError",
                    format!("'{type_name}' object has no attribute '{name}'"),
                ));
            }
            unsupported(format!("the method `{type_name}.{name}`"))
        }
    }
}
