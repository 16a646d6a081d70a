//! The interpreter's values. Immutable values are plain data; mutable objects are shared through
//! `Rc<RefCell<..>>`, and the collector of the `cpython` GC mode traces them (see
//! [`super::gc`]). Futures and tasks live in the runtime's arena; a [`FutureHandle`] is the
//! program's reference to one, and dropping the last handle tells the VM (see
//! [`super::vm`]).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::compile::Code;
use super::deep_drop::drop_values;
use super::vm::Frame;
use crate::runtime::{FutureId, HandleFlag, Site};

/// A value of the program.
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Items>>),
    Tuple(Rc<Items>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Dict>>),
    Range(i64, i64, i64),
    Slice(Rc<[Value; 3]>),
    Function(Rc<Function>),
    BoundMethod(Rc<(Value, Value)>),
    Builtin(Rc<Builtin>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Type(TypeKind),
    Module(Rc<Module>),
    Coroutine(Rc<RefCell<Coroutine>>),
    Generator(Rc<RefCell<Generator>>),
    /// An async generator: a generator whose frame runs inline in the task iterating it.
    AsyncGenerator(Rc<RefCell<Generator>>),
    Iterator(Rc<RefCell<Iter>>),
    Future(Rc<FutureHandle>),
    Handle(HandleFlag),
    Loop,
    /// What `sleep(0)` awaits: a bare yield to the loop.
    YieldNow,
    Property(Rc<Value>),
    StaticMethod(Rc<Value>),
    ClassMethod(Rc<Value>),
    /// `super()`: attribute lookup starts after the class, bound to the instance.
    Super(Rc<(Rc<Class>, Value)>),
}

/// The items of a list or tuple: a `Vec` (through `Deref`) that drops its items without
/// recursion (see [`super::deep_drop`]).
#[derive(Default)]
pub struct Items(Vec<Value>);

impl From<Vec<Value>> for Items {
    fn from(items: Vec<Value>) -> Self {
        Items(items)
    }
}

impl std::ops::Deref for Items {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl std::ops::DerefMut for Items {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.0
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        drop_values(self.0.drain(..));
    }
}

/// The built-in types that can be called and named in `isinstance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    Int,
    Float,
    Str,
    Bool,
    List,
    Tuple,
    Dict,
    Set,
    Object,
    Type,
    NoneType,
    Range,
    Function,
    Coroutine,
    Generator,
    AsyncGenerator,
    Future,
    Task,
}

impl TypeKind {
    pub fn name(self) -> &'static str {
        match self {
            TypeKind::Int => "int",
            TypeKind::Float => "float",
            TypeKind::Str => "str",
            TypeKind::Bool => "bool",
            TypeKind::List => "list",
            TypeKind::Tuple => "tuple",
            TypeKind::Dict => "dict",
            TypeKind::Set => "set",
            TypeKind::Object => "object",
            TypeKind::Type => "type",
            TypeKind::NoneType => "NoneType",
            TypeKind::Range => "range",
            TypeKind::Function => "function",
            TypeKind::Coroutine => "coroutine",
            TypeKind::Generator => "generator",
            TypeKind::AsyncGenerator => "async_generator",
            TypeKind::Future => "Future",
            TypeKind::Task => "Task",
        }
    }
}

/// A native function, possibly bound to a receiver (a method of a built-in type).
pub struct Builtin {
    pub name: &'static str,
    pub func: NativeFn,
    pub receiver: Option<Value>,
}

pub type NativeFn = fn(&mut super::vm::Vm, Option<&Value>, Args) -> super::vm::PyResult<Value>;

/// Positional and keyword arguments of a call.
#[derive(Default)]
pub struct Args {
    pub positional: Vec<Value>,
    pub keywords: Vec<(Rc<str>, Value)>,
}

impl Args {
    pub fn new(positional: Vec<Value>) -> Self {
        Args {
            positional,
            keywords: Vec::new(),
        }
    }
    /// Takes a keyword argument out.
    pub fn take_keyword(&mut self, name: &str) -> Option<Value> {
        let index = self.keywords.iter().position(|(k, _)| &**k == name)?;
        Some(self.keywords.remove(index).1)
    }
}

/// A function defined in the program (or in the asyncio prelude).
pub struct Function {
    pub code: Rc<Code>,
    pub module: Rc<Module>,
    pub defaults: Vec<Value>,
    pub kwdefaults: Vec<(Rc<str>, Value)>,
    pub closure: Vec<Rc<RefCell<Option<Value>>>>,
    /// The class whose body defined the function (for `super()`).
    pub owner: RefCell<Option<std::rc::Weak<Class>>>,
}

impl Drop for Function {
    fn drop(&mut self) {
        let defaults = self.defaults.drain(..);
        let kwdefaults = self.kwdefaults.drain(..).map(|(_, value)| value);
        // A cell shared with a live frame or closure stays; its value is dropped with the last.
        let captured = self
            .closure
            .drain(..)
            .filter_map(|cell| Rc::try_unwrap(cell).ok()?.into_inner());
        drop_values(defaults.chain(kwdefaults).chain(captured));
    }
}

/// A class: single inheritance; `base` is `None` for `object`.
pub struct Class {
    pub name: Rc<str>,
    pub base: Option<Rc<Class>>,
    pub attrs: RefCell<FxHashMap<Rc<str>, Value>>,
    pub module: Rc<str>,
}

impl Class {
    /// Looks an attribute up along the inheritance chain.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(value) = self.attrs.borrow().get(name) {
            return Some(value.clone());
        }
        self.base.as_ref().and_then(|base| base.lookup(name))
    }

    pub fn is_subclass(self: &Rc<Class>, other: &Rc<Class>) -> bool {
        let mut class = Some(self.clone());
        while let Some(c) = class {
            if Rc::ptr_eq(&c, other) {
                return true;
            }
            class = c.base.clone();
        }
        false
    }
}

/// Where an exception passed: (path, line, function).
pub type TracebackEntry = (Rc<str>, u32, Rc<str>);

/// Coroutines collected without being awaited: the call that made each, and its name.
pub type NeverAwaitedSink = Rc<RefCell<Vec<(Site, Rc<str>)>>>;

/// A namespace: a class body's names.
pub type Namespace = Rc<RefCell<FxHashMap<Rc<str>, Value>>>;

/// An instance of a class; exceptions are instances too.
pub struct Instance {
    pub class: Rc<Class>,
    pub attrs: RefCell<FxHashMap<Rc<str>, Value>>,
    /// For exceptions: where it passed, innermost last (path, line, function).
    pub traceback: RefCell<Vec<TracebackEntry>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        drop_values(self.attrs.get_mut().drain().map(|(_, value)| value));
    }
}

/// A module: its name and globals.
pub struct Module {
    pub name: Rc<str>,
    pub globals: RefCell<FxHashMap<Rc<str>, Value>>,
}

/// The state of a coroutine or generator object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoroState {
    Created,
    Suspended,
    Running,
    Closed,
}

/// A coroutine object: its frames (its own, then the coroutines it awaits inline) while it is
/// suspended on a task.
pub struct Coroutine {
    pub state: CoroState,
    pub frames: Vec<Frame>,
    pub name: Rc<str>,
    /// The call that made it.
    pub site: Site,
    /// Where a coroutine that is never awaited is reported (see [`super::vm`]).
    pub sink: NeverAwaitedSink,
}

impl Drop for Coroutine {
    fn drop(&mut self) {
        if self.state == CoroState::Created {
            self.sink
                .borrow_mut()
                .push((self.site.clone(), self.name.clone()));
        }
    }
}

/// A generator object.
pub struct Generator {
    pub state: CoroState,
    pub frame: Option<Frame>,
}

/// The program's reference to a future or task of the runtime.
pub struct FutureHandle {
    pub id: FutureId,
    pub dropped: Rc<RefCell<Vec<FutureId>>>,
}

impl Drop for FutureHandle {
    fn drop(&mut self) {
        self.dropped.borrow_mut().push(self.id);
    }
}

/// An iterator's state.
pub enum Iter {
    Seq {
        seq: Value,
        index: usize,
    },
    Range {
        next: i64,
        stop: i64,
        step: i64,
    },
    Values {
        items: Vec<Value>,
        index: usize,
    },
    DictKeys {
        dict: Rc<RefCell<Dict>>,
        index: usize,
        len: usize,
    },
    Enumerate {
        inner: Value,
        /// The number of the next item (past `i64::MAX` only when the program asks for it).
        count: i128,
    },
    Zip {
        inners: Vec<Value>,
    },
    Map {
        func: Value,
        inners: Vec<Value>,
    },
    Filter {
        func: Value,
        inner: Value,
    },
    Generator(Rc<RefCell<Generator>>),
}

impl Drop for Iter {
    fn drop(&mut self) {
        use std::mem::take;
        // What the iterator holds; a dict or generator drops its own values.
        let (one, other, more) = match self {
            Iter::Seq { seq: value, .. } | Iter::Enumerate { inner: value, .. } => {
                (take(value), Value::None, Vec::new())
            }
            Iter::Filter { func, inner } => (take(func), take(inner), Vec::new()),
            Iter::Values { items: values, .. } | Iter::Zip { inners: values } => {
                (Value::None, Value::None, take(values))
            }
            Iter::Map { func, inners } => (take(func), Value::None, take(inners)),
            Iter::Range { .. } | Iter::DictKeys { .. } | Iter::Generator(_) => return,
        };
        drop_values([one, other].into_iter().chain(more));
    }
}

/// A hashable key, normalized as Python compares them (`1 == 1.0 == True`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    None,
    Int(i64),
    Float(u64),
    Str(Rc<str>),
    Tuple(Vec<Key>),
    Identity(usize),
    Type(&'static str),
}

/// An insertion-ordered hash table (dicts, and sets with `None` values).
#[derive(Default)]
pub struct Dict {
    pub entries: Vec<Option<(Value, Value)>>,
    index: FxHashMap<Key, usize>,
    len: usize,
}

impl Drop for Dict {
    fn drop(&mut self) {
        drop_values(self.entries.drain(..).flatten().flat_map(|(k, v)| [k, v]));
    }
}

impl Dict {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn get(&self, key: &Key) -> Option<&Value> {
        let &i = self.index.get(key)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }
    pub fn contains(&self, key: &Key) -> bool {
        self.index.contains_key(key)
    }
    pub fn insert(&mut self, key: Key, k: Value, v: Value) {
        if let Some(&i) = self.index.get(&key) {
            if let Some(entry) = self.entries[i].as_mut() {
                entry.1 = v;
            }
            return;
        }
        self.index.insert(key, self.entries.len());
        self.entries.push(Some((k, v)));
        self.len += 1;
    }
    pub fn remove(&mut self, key: &Key) -> Option<(Value, Value)> {
        let i = self.index.remove(key)?;
        self.len -= 1;
        let entry = self.entries[i].take();
        if self.entries.len() > 32 && self.len * 2 < self.entries.len() {
            self.compact();
        }
        entry
    }
    fn compact(&mut self) {
        let entries: Vec<_> = std::mem::take(&mut self.entries)
            .into_iter()
            .flatten()
            .collect();
        let keys: Vec<Key> = {
            let mut by_index: Vec<(usize, Key)> = self.index.drain().map(|(k, i)| (i, k)).collect();
            by_index.sort_by_key(|(i, _)| *i);
            by_index.into_iter().map(|(_, k)| k).collect()
        };
        for (i, key) in keys.into_iter().enumerate() {
            self.index.insert(key, i);
        }
        self.entries = entries.into_iter().map(Some).collect();
    }
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.len = 0;
    }
    pub fn iter(&self) -> impl Iterator<Item = &(Value, Value)> {
        self.entries.iter().flatten()
    }
    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|(k, _)| k.clone()).collect()
    }
    /// The first live entry at or after `index`.
    pub fn entry_from(&self, index: usize) -> Option<(usize, &(Value, Value))> {
        self.entries
            .iter()
            .enumerate()
            .skip(index)
            .find_map(|(i, e)| e.as_ref().map(|e| (i, e)))
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items.into())))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items.into()))
    }

    /// Whether the value holds no other value, so that dropping it cannot recurse.
    pub fn is_leaf(&self) -> bool {
        matches!(
            self,
            Value::None
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Str(_)
                | Value::Range(..)
                | Value::Type(_)
                | Value::Handle(_)
                | Value::Loop
                | Value::YieldNow
        )
    }

    /// Python's `type(x).__name__`.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Range(..) => "range".into(),
            Value::Slice(_) => "slice".into(),
            Value::Function(_) => "function".into(),
            Value::BoundMethod(_) => "method".into(),
            Value::Builtin(_) => "builtin_function_or_method".into(),
            Value::Class(_) | Value::Type(_) => "type".into(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Module(_) => "module".into(),
            Value::Coroutine(_) => "coroutine".into(),
            Value::Generator(_) => "generator".into(),
            Value::AsyncGenerator(_) => "async_generator".into(),
            Value::Iterator(_) => "iterator".into(),
            Value::Future(_) => "Future".into(),
            Value::Handle(_) => "TimerHandle".into(),
            Value::Loop => "_UnixSelectorEventLoop".into(),
            Value::YieldNow => "generator".into(),
            Value::Property(_) => "property".into(),
            Value::StaticMethod(_) => "staticmethod".into(),
            Value::ClassMethod(_) => "classmethod".into(),
            Value::Super(_) => "super".into(),
        }
    }

    /// Identity for `is` and for hashing objects.
    pub fn identity(&self) -> Option<usize> {
        Some(match self {
            Value::List(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Tuple(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Dict(r) | Value::Set(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Function(r) => Rc::as_ptr(r) as *const () as usize,
            Value::BoundMethod(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Builtin(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Class(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Instance(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Module(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Coroutine(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Generator(r) | Value::AsyncGenerator(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Iterator(r) => Rc::as_ptr(r) as *const () as usize,
            Value::Future(r) => 1 + 2 * r.id as usize,
            Value::Str(r) => Rc::as_ptr(r) as *const () as usize,
            _ => return None,
        })
    }

    /// Python's truth value (objects without `__len__`/`__bool__` are true).
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::Range(start, stop, step) => range_len(*start, *stop, *step) > 0,
            _ => true,
        }
    }
}

/// How many items `range(start, stop, step)` has; at most `i64::MAX` (computed without
/// overflowing: `range(-2**63, 2**63 - 1)` has more).
pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
    let len = if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    };
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// The item at `index` (`0 <= index < range_len`) of `range(start, _, step)`.
pub fn range_item(start: i64, step: i64, index: i64) -> i64 {
    let item = i128::from(start) + i128::from(index) * i128::from(step);
    // Within the range, so between `start` and `stop`: it fits.
    i64::try_from(item).unwrap_or(start)
}

/// Python's `repr` of a float.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // The shortest digits that round-trip, and the decimal exponent.
    let sci = format!("{:e}", f);
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let point = exponent as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
    out
}

/// Python's `repr` of a string.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        for (f, text) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (123456.5, "123456.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e22, "1e+22"),
        ] {
            assert_eq!(float_repr(f), text);
        }
    }

    #[test]
    fn strings_repr_with_python_quotes() {
        assert_eq!(str_repr("a'b"), "\"a'b\"");
        assert_eq!(str_repr("ab\n"), "'ab\\n'");
    }
}
