//! Operators: arithmetic, comparison, truth. Integers are `i64`; an overflow stops the run as
//! `unsupported: big integers` rather than giving a wrong answer.

use std::cmp::Ordering;
use std::rc::Rc;

use ruff_python_ast::{CmpOp, Operator, UnaryOp};

use super::builtins::{contains, is_instance_of};
use super::value::Value;
use super::vm::{unsupported, Flow, PyResult, Vm};

fn big<T>() -> PyResult<T> {
    unsupported("big integers")
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn as_int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

fn op_symbol(op: Operator) -> &'static str {
    match op {
        Operator::Add => "+",
        Operator::Sub => "-",
        Operator::Mult => "*",
        Operator::MatMult => "@",
        Operator::Div => "/",
        Operator::Mod => "%",
        Operator::Pow => "**",
        Operator::LShift => "<<",
        Operator::RShift => ">>",
        Operator::BitOr => "|",
        Operator::BitXor => "^",
        Operator::BitAnd => "&",
        Operator::FloorDiv => "//",
    }
}

fn zero_division(vm: &mut Vm, message: &str) -> Flow {
    vm.exception("ZeroDivisionError", message)
}

pub fn binary(vm: &mut Vm, op: Operator, left: &Value, right: &Value) -> PyResult<Value> {
    if let (Some(a), Some(b)) = (as_int(left), as_int(right)) {
        return int_binary(vm, op, a, b);
    }
    if let (Some(a), Some(b)) = (as_number(left), as_number(right)) {
        return float_binary(vm, op, a, b);
    }
    match (op, left, right) {
        (Operator::Add, Value::Str(a), Value::Str(b)) => {
            vm.reserve_memory(a.len() + b.len())?;
            let mut s = String::with_capacity(a.len() + b.len());
            s.push_str(a);
            s.push_str(b);
            return Ok(Value::str(&s));
        }
        (Operator::Add, Value::List(a), Value::List(b)) => {
            vm.reserve_values(a.borrow().len() + b.borrow().len())?;
            let mut items = a.borrow().to_vec();
            items.extend(b.borrow().iter().cloned());
            return Ok(Value::list(items));
        }
        (Operator::Add, Value::Tuple(a), Value::Tuple(b)) => {
            vm.reserve_values(a.len() + b.len())?;
            let mut items = a.to_vec();
            items.extend(b.iter().cloned());
            return Ok(Value::tuple(items));
        }
        (Operator::Mult, Value::Str(s), n) | (Operator::Mult, n, Value::Str(s))
            if as_int(n).is_some() =>
        {
            let n = as_int(n).unwrap_or(0).max(0) as usize;
            vm.reserve_memory(s.len().saturating_mul(n))?;
            return Ok(Value::str(&s.repeat(n)));
        }
        (Operator::Mult, Value::List(l), n) | (Operator::Mult, n, Value::List(l))
            if as_int(n).is_some() =>
        {
            let n = as_int(n).unwrap_or(0).max(0) as usize;
            let items = l.borrow();
            vm.reserve_values(items.len().saturating_mul(n))?;
            let mut out = Vec::with_capacity(items.len() * n);
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            return Ok(Value::list(out));
        }
        (Operator::Mult, Value::Tuple(t), n) | (Operator::Mult, n, Value::Tuple(t))
            if as_int(n).is_some() =>
        {
            let n = as_int(n).unwrap_or(0).max(0) as usize;
            vm.reserve_values(t.len().saturating_mul(n))?;
            let mut out = Vec::with_capacity(t.len() * n);
            for _ in 0..n {
                out.extend(t.iter().cloned());
            }
            return Ok(Value::tuple(out));
        }
        (Operator::Mod, Value::Str(_), _) => return unsupported("`%` string formatting"),
        (Operator::BitOr, Value::Set(a), Value::Set(b))
        | (Operator::BitAnd, Value::Set(a), Value::Set(b))
        | (Operator::Sub, Value::Set(a), Value::Set(b))
        | (Operator::BitXor, Value::Set(a), Value::Set(b)) => {
            return super::builtins::set_operation(vm, op, a, b);
        }
        (Operator::BitOr, Value::Dict(a), Value::Dict(b)) => {
            let out = Value::Dict(Rc::new(std::cell::RefCell::new(Default::default())));
            super::builtins::dict_update(vm, &out, &Value::Dict(a.clone()))?;
            super::builtins::dict_update(vm, &out, &Value::Dict(b.clone()))?;
            return Ok(out);
        }
        _ => {}
    }
    if matches!(left, Value::Instance(_)) || matches!(right, Value::Instance(_)) {
        return unsupported(format!("operator `{}` on instances", op_symbol(op)));
    }
    Err(vm.exception(
        "TypeError",
        format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op_symbol(op),
            left.type_name(),
            right.type_name()
        ),
    ))
}

fn int_binary(vm: &mut Vm, op: Operator, a: i64, b: i64) -> PyResult<Value> {
    let value = match op {
        Operator::Add => a.checked_add(b),
        Operator::Sub => a.checked_sub(b),
        Operator::Mult => a.checked_mul(b),
        Operator::Div => {
            if b == 0 {
                return Err(zero_division(vm, "division by zero"));
            }
            return Ok(Value::Float(a as f64 / b as f64));
        }
        Operator::FloorDiv => {
            if b == 0 {
                return Err(zero_division(vm, "integer division or modulo by zero"));
            }
            a.checked_div_euclid(b).map(|_| {
                let q = a / b;
                if (a % b != 0) && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }
            })
        }
        Operator::Mod => {
            if b == 0 {
                return Err(zero_division(vm, "integer division or modulo by zero"));
            }
            a.checked_rem(b).map(|r| {
                if r != 0 && ((r < 0) != (b < 0)) {
                    r + b
                } else {
                    r
                }
            })
        }
        Operator::Pow => {
            if b < 0 {
                if a == 0 {
                    return Err(zero_division(
                        vm,
                        "0.0 cannot be raised to a negative power",
                    ));
                }
                return Ok(Value::Float((a as f64).powf(b as f64)));
            }
            u32::try_from(b).ok().and_then(|b| a.checked_pow(b))
        }
        Operator::LShift => {
            if b < 0 {
                return Err(vm.exception("ValueError", "negative shift count"));
            }
            if b >= 63 {
                if a == 0 {
                    Some(0)
                } else {
                    None
                }
            } else {
                a.checked_mul(1i64 << b)
            }
        }
        Operator::RShift => {
            if b < 0 {
                return Err(vm.exception("ValueError", "negative shift count"));
            }
            Some(a >> b.min(63))
        }
        Operator::BitOr => Some(a | b),
        Operator::BitAnd => Some(a & b),
        Operator::BitXor => Some(a ^ b),
        Operator::MatMult => None,
    };
    match value {
        Some(v) => Ok(Value::Int(v)),
        None => big(),
    }
}

fn float_binary(vm: &mut Vm, op: Operator, a: f64, b: f64) -> PyResult<Value> {
    let value = match op {
        Operator::Add => a + b,
        Operator::Sub => a - b,
        Operator::Mult => a * b,
        Operator::Div => {
            if b == 0.0 {
                return Err(zero_division(vm, "float division by zero"));
            }
            a / b
        }
        Operator::FloorDiv => {
            if b == 0.0 {
                return Err(zero_division(vm, "float floor division by zero"));
            }
            (a / b).floor()
        }
        Operator::Mod => {
            if b == 0.0 {
                return Err(zero_division(vm, "float modulo"));
            }
            let r = a % b;
            if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
                r + b
            } else {
                r
            }
        }
        Operator::Pow => a.powf(b),
        _ => {
            return Err(vm.exception(
                "TypeError",
                format!(
                    "unsupported operand type(s) for {}: 'float' and 'float'",
                    op_symbol(op)
                ),
            ))
        }
    };
    Ok(Value::Float(value))
}

/// `left op= right`: lists are extended in place, everything else is `left op right`.
pub fn inplace(vm: &mut Vm, op: Operator, left: Value, right: &Value) -> PyResult<Value> {
    match (&left, op) {
        (Value::List(list), Operator::Add) => {
            let items = super::builtins::collect(vm, right)?;
            list.borrow_mut().extend(items);
            Ok(left)
        }
        (Value::Set(_), Operator::BitOr) => {
            if let Value::Set(_) = right {
                for item in super::builtins::collect(vm, right)? {
                    super::builtins::set_add(vm, &left, item)?;
                }
                Ok(left)
            } else {
                binary(vm, op, &left, right)
            }
        }
        _ => binary(vm, op, &left, right),
    }
}

pub fn unary(vm: &mut Vm, op: UnaryOp, operand: &Value) -> PyResult<Value> {
    match op {
        UnaryOp::Not => Ok(Value::Bool(!truthy(vm, operand)?)),
        UnaryOp::USub => match operand {
            Value::Int(i) => i.checked_neg().map(Value::Int).map_or_else(big, Ok),
            Value::Bool(b) => Ok(Value::Int(-(*b as i64))),
            Value::Float(f) => Ok(Value::Float(-f)),
            other => Err(vm.exception(
                "TypeError",
                format!("bad operand type for unary -: '{}'", other.type_name()),
            )),
        },
        UnaryOp::UAdd => match operand {
            Value::Int(_) | Value::Float(_) => Ok(operand.clone()),
            Value::Bool(b) => Ok(Value::Int(*b as i64)),
            other => Err(vm.exception(
                "TypeError",
                format!("bad operand type for unary +: '{}'", other.type_name()),
            )),
        },
        UnaryOp::Invert => match as_int(operand) {
            Some(i) => Ok(Value::Int(!i)),
            None => Err(vm.exception(
                "TypeError",
                format!("bad operand type for unary ~: '{}'", operand.type_name()),
            )),
        },
    }
}

/// Python's truth value; instances with `__bool__` or `__len__` are outside the subset.
pub fn truthy(vm: &mut Vm, value: &Value) -> PyResult<bool> {
    if let Value::Instance(instance) = value {
        if instance.class.lookup("__bool__").is_some() || instance.class.lookup("__len__").is_some()
        {
            let method = if instance.class.lookup("__bool__").is_some() {
                "__bool__"
            } else {
                "__len__"
            };
            let func = super::builtins::get_attr(vm, value, method)?;
            let result = vm.call_value(func, Vec::new())?;
            return Ok(result.truthy());
        }
    }
    Ok(value.truthy())
}

pub fn equal(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    Ok(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            let (x, y) = (x.borrow().clone(), y.borrow().clone());
            seq_equal(vm, &x, &y)?
        }
        (Value::Tuple(x), Value::Tuple(y)) => Rc::ptr_eq(x, y) || seq_equal(vm, x, y)?,
        (Value::Dict(x), Value::Dict(y)) => {
            if Rc::ptr_eq(x, y) {
                return Ok(true);
            }
            let (xs, ys): (Vec<_>, Vec<_>) = (
                x.borrow().iter().cloned().collect(),
                y.borrow().iter().cloned().collect(),
            );
            if xs.len() != ys.len() {
                return Ok(false);
            }
            deeper(vm, |vm| {
                for (k, v) in xs {
                    let key = super::builtins::hash_key(vm, &k)?;
                    let other = y.borrow().get(&key).cloned();
                    match other {
                        Some(other) if equal(vm, &v, &other)? => {}
                        _ => return Ok(false),
                    }
                }
                Ok(true)
            })?
        }
        (Value::Set(x), Value::Set(y)) => {
            let x = x.borrow();
            let y = y.borrow();
            x.len() == y.len()
                && x.iter()
                    .all(|(k, _)| super::builtins::plain_key(k).is_some_and(|key| y.contains(&key)))
        }
        (Value::Range(a1, b1, c1), Value::Range(a2, b2, c2)) => (a1, b1, c1) == (a2, b2, c2),
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Future(x), Value::Future(y)) => x.id == y.id,
        (Value::Loop, Value::Loop) => true,
        (Value::BoundMethod(x), Value::BoundMethod(y)) => {
            same_object(&x.0, &y.0) && same_object(&x.1, &y.1)
        }
        (Value::Builtin(x), Value::Builtin(y)) => {
            x.name == y.name
                && std::ptr::fn_addr_eq(x.func, y.func)
                && match (&x.receiver, &y.receiver) {
                    (Some(a), Some(b)) => same_object(a, b),
                    (None, None) => true,
                    _ => false,
                }
        }
        (Value::Instance(x), _) | (_, Value::Instance(x)) if x.class.lookup("__eq__").is_some() => {
            return unsupported("`__eq__` methods");
        }
        _ => match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => match (as_int(a), as_int(b)) {
                (Some(i), Some(j)) => i == j,
                _ => x == y,
            },
            _ => same_object(a, b),
        },
    })
}

fn seq_equal(vm: &mut Vm, x: &[Value], y: &[Value]) -> PyResult<bool> {
    if x.len() != y.len() {
        return Ok(false);
    }
    deeper(vm, |vm| {
        for (a, b) in x.iter().zip(y) {
            if !equal(vm, a, b)? {
                return Ok(false);
            }
        }
        Ok(true)
    })
}

/// Compares the items of two containers, one level deeper into nested containers: past the
/// recursion limit it raises `RecursionError`, as CPython does, instead of overflowing the
/// native stack (two lists that contain themselves would compare forever).
fn deeper<T>(vm: &mut Vm, compare: impl FnOnce(&mut Vm) -> PyResult<T>) -> PyResult<T> {
    if vm.comparisons_running >= super::vm::RECURSION_LIMIT {
        return Err(vm.exception(
            "RecursionError",
            "maximum recursion depth exceeded in comparison",
        ));
    }
    vm.comparisons_running += 1;
    let result = compare(vm);
    vm.comparisons_running -= 1;
    result
}

/// `a is b`.
pub fn same_object(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Loop, Value::Loop) | (Value::YieldNow, Value::YieldNow) => true,
        (Value::Handle(x), Value::Handle(y)) => std::ptr::eq(x, y),
        _ => match (a.identity(), b.identity()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Orders two values as `<` does; `TypeError` for unordered types.
pub fn order(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.borrow().clone(), y.borrow().clone());
            seq_order(vm, &x, &y)
        }
        (Value::Tuple(x), Value::Tuple(y)) => seq_order(vm, x, y),
        _ => match (as_int(a), as_int(b)) {
            (Some(i), Some(j)) => Ok(i.cmp(&j)),
            _ => match (as_number(a), as_number(b)) {
                (Some(x), Some(y)) => Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal)),
                _ => {
                    if matches!(a, Value::Instance(_)) || matches!(b, Value::Instance(_)) {
                        return unsupported("ordering instances");
                    }
                    Err(vm.exception(
                        "TypeError",
                        format!(
                            "'<' not supported between instances of '{}' and '{}'",
                            a.type_name(),
                            b.type_name()
                        ),
                    ))
                }
            },
        },
    }
}

fn seq_order(vm: &mut Vm, x: &[Value], y: &[Value]) -> PyResult<Ordering> {
    deeper(vm, |vm| {
        for (a, b) in x.iter().zip(y) {
            if !equal(vm, a, b)? {
                return order(vm, a, b);
            }
        }
        Ok(x.len().cmp(&y.len()))
    })
}

pub fn compare(vm: &mut Vm, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
    let result = match op {
        CmpOp::Eq => equal(vm, a, b)?,
        CmpOp::NotEq => !equal(vm, a, b)?,
        CmpOp::Is => same_object(a, b),
        CmpOp::IsNot => !same_object(a, b),
        CmpOp::In => contains(vm, b, a)?,
        CmpOp::NotIn => !contains(vm, b, a)?,
        CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
            if let (Value::Float(x), _) | (_, Value::Float(x)) = (a, b) {
                if x.is_nan() {
                    return Ok(Value::Bool(false));
                }
            }
            if let (Value::Set(_), Value::Set(_)) = (a, b) {
                return unsupported("set comparisons");
            }
            let ordering = order(vm, a, b).map_err(|flow| match flow {
                Flow::Exc(exc) if is_instance_of(vm, &exc, "TypeError") => {
                    let symbol = match op {
                        CmpOp::Lt => "<",
                        CmpOp::LtE => "<=",
                        CmpOp::Gt => ">",
                        _ => ">=",
                    };
                    vm.exception(
                        "TypeError",
                        format!(
                            "'{symbol}' not supported between instances of '{}' and '{}'",
                            a.type_name(),
                            b.type_name()
                        ),
                    )
                }
                other => other,
            })?;
            match op {
                CmpOp::Lt => ordering == Ordering::Less,
                CmpOp::LtE => ordering != Ordering::Greater,
                CmpOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }
        }
    };
    Ok(Value::Bool(result))
}
