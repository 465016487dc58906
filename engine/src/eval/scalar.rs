//! SQLite's built-in scalar functions (func.c), by name: the table of names and argument counts
//! that name resolution checks (`sqlite3FindFunction`, with SQLite's error messages), and the
//! functions themselves over already-evaluated arguments.
//!
//! `coalesce`, `ifnull`, `iif` / `if`, `likely`, `unlikely` and `likelihood` are evaluated inline
//! by SQLite, so that unused arguments are never computed; [`call`] has eager versions of them,
//! and the constant evaluator evaluates them lazily. Randomness (`random()`, `randomblob()`)
//! comes from the caller's [`Randomness`].

use std::cmp::Ordering;

use super::arith::too_big;
use super::convert::{self, Numeric};
use super::like;
use super::printf::{self, Accum, MAX_LENGTH};
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::{Collation, Value, ValueRef, compare_values};

/// A source of random bytes for `random()` and `randomblob()` (the executor wires it to the
/// Vfs's randomness, so runs are reproducible).
pub trait Randomness {
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> Randomness for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf)
    }
}

/// What a function call may need besides its arguments.
pub struct FunctionContext<'a> {
    /// The collation for `min()`, `max()` and `nullif()`: that of the first argument that has one
    /// (`SQLITE_FUNC_NEEDCOLL`), BINARY otherwise.
    pub collation: Collation,
    /// The randomness source; `random()` and `randomblob()` fail without one.
    pub random: Option<&'a mut dyn Randomness>,
    /// LIKE's case sensitivity (PRAGMA case_sensitive_like).
    pub case_sensitive_like: bool,
    /// The statement's time, as a Julian day number in milliseconds (what the Vfs's
    /// `current_time_int64` gives), for CURRENT_TIME / CURRENT_DATE / CURRENT_TIMESTAMP; they
    /// fail without one.
    pub current_time: Option<i64>,
}

impl Default for FunctionContext<'_> {
    fn default() -> Self {
        FunctionContext { collation: Collation::Binary, random: None, case_sensitive_like: false, current_time: None }
    }
}

/// How a function is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// An ordinary function of its evaluated arguments.
    Scalar,
    /// Evaluated inline so that arguments may be skipped (coalesce, ifnull, iif, likely, ...).
    Inline,
    /// An aggregate (see [`super::aggregate`]).
    Aggregate,
}

/// A built-in function: its name and the argument counts it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionDef {
    pub name: &'static str,
    pub min_args: usize,
    /// `None`: no upper limit.
    pub max_args: Option<usize>,
    pub kind: FunctionKind,
    /// The result depends only on the arguments (not `random()`).
    pub deterministic: bool,
    /// The function compares its arguments with a collation (min, max, nullif).
    pub needs_collation: bool,
}

const fn def(name: &'static str, min_args: usize, max_args: Option<usize>, kind: FunctionKind) -> FunctionDef {
    FunctionDef { name, min_args, max_args, kind, deterministic: true, needs_collation: false }
}

use FunctionKind::{Aggregate, Inline, Scalar};

/// The built-in functions this module implements. Entries with the same name cover disjoint
/// argument counts (min and max are scalar with two or more arguments, aggregate with one).
pub const FUNCTIONS: &[FunctionDef] = &[
    def("abs", 1, Some(1), Scalar),
    def("char", 0, None, Scalar),
    def("coalesce", 2, None, Inline),
    def("concat", 1, None, Scalar),
    def("concat_ws", 2, None, Scalar),
    def("format", 0, None, Scalar),
    def("glob", 2, Some(2), Scalar),
    def("hex", 1, Some(1), Scalar),
    def("if", 2, None, Inline),
    def("ifnull", 2, Some(2), Inline),
    def("iif", 2, None, Inline),
    def("instr", 2, Some(2), Scalar),
    def("length", 1, Some(1), Scalar),
    def("like", 2, Some(3), Scalar),
    def("likelihood", 2, Some(2), Inline),
    def("likely", 1, Some(1), Inline),
    def("lower", 1, Some(1), Scalar),
    def("ltrim", 1, Some(2), Scalar),
    FunctionDef { needs_collation: true, ..def("max", 2, None, Scalar) },
    FunctionDef { needs_collation: true, ..def("max", 1, Some(1), Aggregate) },
    FunctionDef { needs_collation: true, ..def("min", 2, None, Scalar) },
    FunctionDef { needs_collation: true, ..def("min", 1, Some(1), Aggregate) },
    FunctionDef { needs_collation: true, ..def("nullif", 2, Some(2), Scalar) },
    def("octet_length", 1, Some(1), Scalar),
    def("printf", 0, None, Scalar),
    def("quote", 1, Some(1), Scalar),
    FunctionDef { deterministic: false, ..def("random", 0, Some(0), Scalar) },
    FunctionDef { deterministic: false, ..def("randomblob", 1, Some(1), Scalar) },
    def("replace", 3, Some(3), Scalar),
    def("round", 1, Some(2), Scalar),
    def("rtrim", 1, Some(2), Scalar),
    def("sign", 1, Some(1), Scalar),
    def("substr", 2, Some(3), Scalar),
    def("substring", 2, Some(3), Scalar),
    def("trim", 1, Some(2), Scalar),
    def("typeof", 1, Some(1), Scalar),
    def("unhex", 1, Some(2), Scalar),
    def("unicode", 1, Some(1), Scalar),
    def("unlikely", 1, Some(1), Inline),
    def("upper", 1, Some(1), Scalar),
    def("zeroblob", 1, Some(1), Scalar),
    // CURRENT_TIME & co.: constant within a statement (SQLITE_FUNC_SLOCHNG).
    def("current_date", 0, Some(0), Scalar),
    def("current_time", 0, Some(0), Scalar),
    def("current_timestamp", 0, Some(0), Scalar),
    def("count", 0, Some(1), Aggregate),
    def("sum", 1, Some(1), Aggregate),
    def("total", 1, Some(1), Aggregate),
    def("avg", 1, Some(1), Aggregate),
    def("group_concat", 1, Some(2), Aggregate),
    def("string_agg", 2, Some(2), Aggregate),
];

/// The function `name` (case-insensitive) called with `nargs` arguments, as name resolution
/// finds it: "no such function: NAME" when no function has that name, "wrong number of
/// arguments to function NAME()" when none takes `nargs` arguments (NAME as written).
pub fn lookup(name: &str, nargs: usize) -> Result<&'static FunctionDef> {
    let mut named = false;
    for f in FUNCTIONS {
        if f.name.eq_ignore_ascii_case(name) {
            named = true;
            if nargs >= f.min_args && f.max_args.is_none_or(|m| nargs <= m) {
                return Ok(f);
            }
        }
    }
    if named {
        Err(Error::new(ErrorCode::Error, format!("wrong number of arguments to function {name}()")))
    } else {
        Err(Error::new(ErrorCode::Error, format!("no such function: {name}")))
    }
}

/// Calls the scalar (or inline, eagerly) function `name` on `args`. The argument count must
/// have been checked with [`lookup`] (a wrong count is reported the same way here).
pub fn call(name: &str, args: &[ValueRef<'_>], ctx: &mut FunctionContext<'_>) -> Result<Value> {
    let f = lookup(name, args.len())?;
    let a = |i: usize| args[i];
    Ok(match f.name {
        "abs" => return abs(a(0)),
        "char" => char_fn(args),
        "coalesce" | "ifnull" => {
            args.iter().find(|v| !matches!(v, ValueRef::Null)).map_or(Value::Null, |v| (*v).to_owned())
        }
        "concat" => return concat_ws(None, args),
        "current_date" | "current_time" | "current_timestamp" => {
            let Some(now) = ctx.current_time else {
                return Err(Error::new(ErrorCode::Error, "no current time: the caller supplies none"));
            };
            let text = match f.name {
                "current_date" => super::datetime::current_date(now),
                "current_time" => super::datetime::current_time(now),
                _ => super::datetime::current_timestamp(now),
            };
            text.map_or(Value::Null, |t| Value::text(&t))
        }
        "concat_ws" => match convert::text_bytes(a(0)) {
            None => Value::Null,
            Some(sep) => return concat_ws(Some(&sep), &args[1..]),
        },
        "format" | "printf" => return printf_fn(args),
        "glob" => return like::glob(a(0), a(1)),
        "hex" => hex(a(0)),
        "if" | "iif" => iif(args),
        "instr" => instr(a(0), a(1)),
        "length" => length(a(0)),
        "like" => {
            let info = if ctx.case_sensitive_like { like::LIKE_CASE_SENSITIVE } else { like::LIKE };
            return like::like(a(0), a(1), args.get(2).copied(), &info);
        }
        "likelihood" | "likely" | "unlikely" => a(0).to_owned(),
        "lower" => case_map(a(0), false),
        "ltrim" => trim(a(0), args.get(1).copied(), true, false),
        "rtrim" => trim(a(0), args.get(1).copied(), false, true),
        "trim" => trim(a(0), args.get(1).copied(), true, true),
        "max" => min_max(args, ctx.collation, true),
        "min" => min_max(args, ctx.collation, false),
        "nullif" => {
            if compare_values(a(0), a(1), ctx.collation) != Ordering::Equal {
                a(0).to_owned()
            } else {
                Value::Null
            }
        }
        "octet_length" => octet_length(a(0)),
        "quote" => quote(a(0)),
        "random" => random(ctx)?,
        "randomblob" => return randomblob(a(0), ctx),
        "replace" => return replace(a(0), a(1), a(2)),
        "round" => round(a(0), args.get(1).copied()),
        "sign" => sign(a(0)),
        "substr" | "substring" => substr(a(0), a(1), args.get(2).copied()),
        "typeof" => Value::text(a(0).type_name()),
        "unhex" => unhex(a(0), args.get(1).copied()),
        "unicode" => unicode(a(0)),
        "upper" => case_map(a(0), true),
        "zeroblob" => return zeroblob(a(0)),
        _ => {
            return Err(Error::new(ErrorCode::Error, format!("misuse of aggregate function {name}()")));
        }
    })
}

/// Fails with SQLITE_TOOBIG when `len` exceeds SQLite's length limit (`sqlite3_result_*64`).
fn check_length(len: usize) -> Result<()> {
    if len > MAX_LENGTH { Err(too_big()) } else { Ok(()) }
}

/// `abs(X)` (`absFunc`): integers exactly (`abs(-9223372036854775808)` is an "integer overflow"
/// error); NULL stays NULL; anything else as a REAL (text that is not a number gives 0.0).
pub fn abs(x: ValueRef<'_>) -> Result<Value> {
    Ok(match x {
        ValueRef::Integer(i) => {
            if i == i64::MIN {
                return Err(Error::new(ErrorCode::Error, "integer overflow"));
            }
            Value::Integer(i.abs())
        }
        ValueRef::Null => Value::Null,
        other => {
            // `if( rVal<0 ) rVal = -rVal;`: -0.0 stays -0.0.
            let r = convert::real_value(other);
            Value::Real(if r < 0.0 { -r } else { r })
        }
    })
}

/// `char(X1, ...)` (`charFunc`): the characters with these code points (out of range: U+FFFD;
/// NULL: U+0000), encoded as UTF-8 (surrogates too).
pub fn char_fn(args: &[ValueRef<'_>]) -> Value {
    let mut out = Vec::with_capacity(args.len() * 4);
    for &arg in args {
        let mut x = convert::int_value(arg);
        if !(0..=0x10ffff).contains(&x) {
            x = 0xfffd;
        }
        append_utf8(&mut out, (x & 0x1f_ffff) as u32);
    }
    Value::Text(out)
}

/// Appends the UTF-8 bytes of code point `c` (as `charFunc` writes them).
fn append_utf8(out: &mut Vec<u8>, c: u32) {
    if c < 0x80 {
        out.push(c as u8);
    } else if c < 0x800 {
        out.extend_from_slice(&[0xc0 + ((c >> 6) & 0x1f) as u8, 0x80 + (c & 0x3f) as u8]);
    } else if c < 0x10000 {
        out.extend_from_slice(&[
            0xe0 + ((c >> 12) & 0x0f) as u8,
            0x80 + ((c >> 6) & 0x3f) as u8,
            0x80 + (c & 0x3f) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xf0 + ((c >> 18) & 0x07) as u8,
            0x80 + ((c >> 12) & 0x3f) as u8,
            0x80 + ((c >> 6) & 0x3f) as u8,
            0x80 + (c & 0x3f) as u8,
        ]);
    }
}

/// `concat(X, ...)` and `concat_ws(SEP, X, ...)` (`concatFuncCore`): the texts of the non-NULL
/// arguments, joined by `sep`.
pub fn concat_ws(sep: Option<&[u8]>, args: &[ValueRef<'_>]) -> Result<Value> {
    let mut out = Vec::new();
    let mut first = true;
    for &arg in args {
        if let Some(t) = convert::text_bytes(arg) {
            if !first && let Some(sep) = sep {
                out.extend_from_slice(sep);
            }
            out.extend_from_slice(&t);
            first = false;
            check_length(out.len())?;
        }
    }
    Ok(Value::Text(out))
}

/// `printf(FORMAT, ...)` / `format(...)` (`printfFunc`); NULL without a format.
pub fn printf_fn(args: &[ValueRef<'_>]) -> Result<Value> {
    let Some(fmt) = args.first().and_then(|&f| convert::text_bytes(f)) else {
        return Ok(Value::Null);
    };
    let mut acc = Accum::new(MAX_LENGTH);
    printf::format(&mut acc, &fmt, &mut printf::SqlArgs::new(&args[1..]));
    if acc.too_big {
        return Err(too_big());
    }
    Ok(Value::Text(acc.out))
}

/// `hex(X)` (`hexFunc`): the upper-case hex of the value's bytes (a number's text); `''` for
/// NULL.
pub fn hex(x: ValueRef<'_>) -> Value {
    let bytes = convert::text_bytes(x).unwrap_or_default();
    Value::Text(hex_upper(&bytes))
}

fn hex_upper(bytes: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0xf)]);
    }
    out
}

/// `iif(C1, V1, [C2, V2, ...,] [ELSE])` evaluated eagerly: the value after the first true
/// condition, else the trailing ELSE, else NULL.
pub fn iif(args: &[ValueRef<'_>]) -> Value {
    let mut i = 0;
    while i + 1 < args.len() {
        if convert::truth(args[i]) == Some(true) {
            return args[i + 1].to_owned();
        }
        i += 2;
    }
    if i < args.len() { args[i].to_owned() } else { Value::Null }
}

/// `instr(X, Y)` (`instrFunc`): the 1-based character (for blobs: byte) position of the first
/// `Y` in `X`, 0 when absent, 1 for an empty `Y`; NULL if either is NULL.
pub fn instr(haystack: ValueRef<'_>, needle: ValueRef<'_>) -> Value {
    if matches!(haystack, ValueRef::Null) || matches!(needle, ValueRef::Null) {
        return Value::Null;
    }
    let h = convert::text_bytes(haystack).unwrap_or_default();
    let n = convert::text_bytes(needle).unwrap_or_default();
    if n.is_empty() {
        return Value::Integer(1);
    }
    let is_text = !(matches!(haystack, ValueRef::Blob(_)) && matches!(needle, ValueRef::Blob(_)));
    let mut pos: i64 = 1;
    let mut start = 0usize;
    while n.len() <= h.len() - start {
        if h[start..start + n.len()] == n[..] {
            return Value::Integer(pos);
        }
        pos += 1;
        loop {
            start += 1;
            if !(is_text && start < h.len() && h[start] & 0xc0 == 0x80) {
                break;
            }
        }
        if start > h.len() {
            break;
        }
    }
    Value::Integer(0)
}

/// `length(X)` (`lengthFunc`): characters of text (up to its first NUL), bytes of a blob or of a
/// number's text; NULL for NULL.
pub fn length(x: ValueRef<'_>) -> Value {
    match x {
        ValueRef::Null => Value::Null,
        ValueRef::Text(t) => {
            let t = convert::until_nul(t);
            let mut i = 0;
            let mut n = 0i64;
            while i < t.len() {
                i = next_char(t, i);
                n += 1;
            }
            Value::Integer(n)
        }
        other => Value::Integer(convert::byte_length(other) as i64),
    }
}

/// The index after the character at `i`, as length() and substr() step (func.c,
/// tag-20260418-01): an ASCII byte alone; any other byte with the continuation bytes after it.
fn next_char(z: &[u8], i: usize) -> usize {
    let mut i = i + 1;
    if z[i - 1] >= 0x80 {
        while i < z.len() && z[i] & 0xc0 == 0x80 {
            i += 1;
        }
    }
    i
}

/// `octet_length(X)` (`bytelengthFunc`): bytes of text, blob or a number's text; NULL for NULL.
pub fn octet_length(x: ValueRef<'_>) -> Value {
    match x {
        ValueRef::Null => Value::Null,
        other => Value::Integer(convert::byte_length(other) as i64),
    }
}

/// `upper(X)` / `lower(X)` (`upperFunc`, `lowerFunc`): ASCII letters only, over all bytes.
pub fn case_map(x: ValueRef<'_>, upper: bool) -> Value {
    match convert::text_bytes(x) {
        None => Value::Null,
        Some(mut t) => {
            if upper {
                t.make_ascii_uppercase();
            } else {
                t.make_ascii_lowercase();
            }
            Value::Text(t)
        }
    }
}

/// `trim(X[, Y])`, `ltrim`, `rtrim` (`trimFunc`): removes the characters of `Y` (default: space)
/// from the chosen ends.
pub fn trim(x: ValueRef<'_>, chars: Option<ValueRef<'_>>, left: bool, right: bool) -> Value {
    let Some(input) = convert::text_bytes(x) else {
        return Value::Null;
    };
    let set: Vec<Vec<u8>> = match chars {
        None => vec![b" ".to_vec()],
        Some(c) => {
            let Some(c) = convert::text_bytes(c) else {
                return Value::Null;
            };
            let c = convert::until_nul(&c);
            let mut set = Vec::new();
            let mut i = 0;
            while i < c.len() {
                let next = like::skip_utf8(c, i);
                set.push(c[i..next].to_vec());
                i = next;
            }
            set
        }
    };
    let mut s: &[u8] = &input;
    if !set.is_empty() {
        if left {
            while !s.is_empty() {
                let Some(ch) = set.iter().find(|ch| s.starts_with(ch)) else { break };
                s = &s[ch.len()..];
            }
        }
        if right {
            while !s.is_empty() {
                let Some(ch) = set.iter().find(|ch| s.ends_with(ch)) else { break };
                s = &s[..s.len() - ch.len()];
            }
        }
    }
    Value::Text(s.to_vec())
}

/// Scalar `min(X, Y, ...)` / `max(X, Y, ...)` (`minmaxFunc`): NULL if any argument is NULL;
/// ties go to the later argument for min, the earlier for max.
pub fn min_max(args: &[ValueRef<'_>], collation: Collation, max: bool) -> Value {
    let mut best = 0;
    if args.iter().any(|a| matches!(a, ValueRef::Null)) {
        return Value::Null;
    }
    for i in 1..args.len() {
        let ord = compare_values(args[best], args[i], collation);
        let take = if max { ord == Ordering::Less } else { ord != Ordering::Less };
        if take {
            best = i;
        }
    }
    args[best].to_owned()
}

/// `quote(X)` (`sqlite3QuoteValue`): an SQL literal for the value: REALs as `%!0.17g`
/// (infinity as 9.0e+999), text quoted (up to its first NUL), blobs as X'..', NULL as NULL.
pub fn quote(x: ValueRef<'_>) -> Value {
    Value::Text(match x {
        ValueRef::Null => b"NULL".to_vec(),
        ValueRef::Integer(i) => i.to_string().into_bytes(),
        ValueRef::Real(r) => printf::format_real("%!0.17g", r).into_bytes(),
        ValueRef::Blob(b) => {
            let mut out = b"X'".to_vec();
            out.extend_from_slice(&hex_upper(b));
            out.push(b'\'');
            out
        }
        ValueRef::Text(t) => {
            let t = convert::until_nul(t);
            let mut out = Vec::with_capacity(t.len() + 2);
            out.push(b'\'');
            for &c in t {
                out.push(c);
                if c == b'\'' {
                    out.push(c);
                }
            }
            out.push(b'\'');
            out
        }
    })
}

fn need_random<'c>(ctx: &'c mut FunctionContext<'_>) -> Result<&'c mut dyn Randomness> {
    match ctx.random.as_deref_mut() {
        Some(r) => Ok(r),
        None => Err(Error::new(ErrorCode::Error, "no source of randomness")),
    }
}

/// `random()` (`randomFunc`): 8 random bytes as an integer (little-endian), never `i64::MIN`.
pub fn random(ctx: &mut FunctionContext<'_>) -> Result<Value> {
    let mut buf = [0u8; 8];
    need_random(ctx)?.fill(&mut buf);
    let mut r = i64::from_le_bytes(buf);
    if r < 0 {
        r = -(r & i64::MAX);
    }
    Ok(Value::Integer(r))
}

/// `randomblob(N)` (`randomBlob`): N random bytes (at least 1).
pub fn randomblob(n: ValueRef<'_>, ctx: &mut FunctionContext<'_>) -> Result<Value> {
    let n = convert::int_value(n).max(1);
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    check_length(n)?;
    let mut buf = vec![0u8; n];
    need_random(ctx)?.fill(&mut buf);
    Ok(Value::Blob(buf))
}

/// `replace(X, Y, Z)` (`replaceFunc`): every `Y` in `X` replaced by `Z`, scanning left to right;
/// `X` unchanged when `Y` is empty; NULL if any is NULL.
pub fn replace(x: ValueRef<'_>, pattern: ValueRef<'_>, with: ValueRef<'_>) -> Result<Value> {
    let Some(s) = convert::text_bytes(x) else {
        return Ok(Value::Null);
    };
    let Some(p) = convert::text_bytes(pattern) else {
        return Ok(Value::Null);
    };
    if p.first().is_none_or(|&c| c == 0) {
        return Ok(Value::Text(s));
    }
    let Some(r) = convert::text_bytes(with) else {
        return Ok(Value::Null);
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s.len() - i >= p.len() && s[i..i + p.len()] == p[..] {
            out.extend_from_slice(&r);
            check_length(out.len() + (s.len() - i - p.len()))?;
            i += p.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(Value::Text(out))
}

/// `round(X[, N])` (`roundFunc`): X rounded half away from zero to N (0 to 30) decimal places,
/// as a REAL; values beyond ±2^52 unchanged; NULL if either is NULL. With N > 0 SQLite rounds
/// through the text `%!.*f` and reads it back.
pub fn round(x: ValueRef<'_>, digits: Option<ValueRef<'_>>) -> Value {
    let mut n: i64 = 0;
    if let Some(d) = digits {
        if matches!(d, ValueRef::Null) {
            return Value::Null;
        }
        n = convert::int_value(d).clamp(0, 30);
    }
    if matches!(x, ValueRef::Null) {
        return Value::Null;
    }
    let mut r = convert::real_value(x);
    if !(-4_503_599_627_370_496.0..=4_503_599_627_370_496.0).contains(&r) {
        // No fractional part to round (or NaN, which SQLite never holds).
    } else if n == 0 {
        r = ((r + if r < 0.0 { -0.5 } else { 0.5 }) as i64) as f64;
    } else {
        let text = printf::format_real(&format!("%!.{n}f"), r);
        r = convert::atof(text.as_bytes()).value;
    }
    Value::Real(r)
}

/// `sign(X)` (`signFunc`): -1, 0 or 1 for numbers and numeric text; NULL otherwise.
pub fn sign(x: ValueRef<'_>) -> Value {
    let r = match x {
        ValueRef::Integer(i) => i as f64,
        ValueRef::Real(r) => r,
        ValueRef::Text(t) => match super::affinity::numeric_text(t, false) {
            Some(Value::Integer(i)) => i as f64,
            Some(Value::Real(r)) => r,
            _ => return Value::Null,
        },
        _ => return Value::Null,
    };
    Value::Integer(if r < 0.0 {
        -1
    } else if r > 0.0 {
        1
    } else {
        0
    })
}

/// `substr(X, Y[, Z])` / `substring` (`substrFunc`): characters of text (bytes of a blob) from
/// position Y (1-based; negative counts from the end; 0 is before the first), Z of them
/// (negative: the ones before Y). NULL if any argument is NULL (and for an empty blob).
pub fn substr(x: ValueRef<'_>, start: ValueRef<'_>, count: Option<ValueRef<'_>>) -> Value {
    let mut p1 = convert::int_value(start);
    let blob = match x {
        ValueRef::Null => return Value::Null,
        ValueRef::Blob(b) => {
            if b.is_empty() {
                return Value::Null;
            }
            Some(b)
        }
        _ => None,
    };
    let text = if blob.is_none() { convert::text_bytes(x).unwrap_or_default() } else { Vec::new() };
    let z: &[u8] = match blob {
        Some(b) => b,
        None => convert::until_nul(&text),
    };
    let mut len: i64 = 0;
    if blob.is_some() {
        len = z.len() as i64;
    } else if p1 < 0 {
        let mut i = 0;
        while i < z.len() {
            i = like::skip_utf8(z, i);
            len += 1;
        }
    }
    let mut p2 = match count {
        Some(c) => {
            if matches!(c, ValueRef::Null) {
                return Value::Null;
            }
            convert::int_value(c)
        }
        None => i64::MAX,
    };
    if p1 == 0 && matches!(start, ValueRef::Null) {
        return Value::Null;
    }
    if p1 < 0 {
        p1 = p1.wrapping_add(len);
        if p1 < 0 {
            p2 = if p2 < 0 { 0 } else { p2.wrapping_add(p1) };
            p1 = 0;
        }
    } else if p1 > 0 {
        p1 -= 1;
    } else if p2 > 0 {
        p2 -= 1;
    }
    if p2 < 0 {
        if p2 < -p1 {
            p2 = p1;
        } else {
            p2 = -p2;
        }
        p1 -= p2;
    }
    if let Some(b) = blob {
        let (start, n) = if p1 >= len { (0, 0) } else { (p1, p2.min(len - p1)) };
        return Value::Blob(b[start as usize..(start + n) as usize].to_vec());
    }
    let mut i = 0usize;
    while p1 > 0 && i < z.len() {
        i = next_char(z, i);
        p1 -= 1;
    }
    let mut j = i;
    while p2 > 0 && j < z.len() {
        j = next_char(z, j);
        p2 -= 1;
    }
    Value::Text(z[i..j].to_vec())
}

/// `unhex(X[, Y])` (`unhexFunc`): the blob of the hex digit pairs of X, skipping characters of
/// Y between pairs; NULL when X has anything else (or an odd digit), or either is NULL.
pub fn unhex(x: ValueRef<'_>, pass: Option<ValueRef<'_>>) -> Value {
    let Some(hex) = convert::text_bytes(x) else {
        return Value::Null;
    };
    let pass = match pass {
        None => Vec::new(),
        Some(p) => match convert::text_bytes(p) {
            None => return Value::Null,
            Some(p) => p,
        },
    };
    let hex = convert::until_nul(&hex);
    let contains = |ch: u32| {
        let mut i = 0;
        while i < pass.len() {
            if like::read_utf8(&pass, &mut i) == ch {
                return true;
            }
        }
        false
    };
    let mut out = Vec::with_capacity(hex.len() / 2);
    let mut i = 0;
    while i < hex.len() {
        let mut c = hex[i];
        while !c.is_ascii_hexdigit() {
            let ch = like::read_utf8(hex, &mut i);
            if !contains(ch) {
                return Value::Null;
            }
            if i >= hex.len() {
                return Value::Blob(out);
            }
            c = hex[i];
        }
        i += 1;
        let d = hex.get(i).copied().unwrap_or(0);
        i += 1;
        if !d.is_ascii_hexdigit() {
            return Value::Null;
        }
        out.push((convert::hex_value(c) << 4) | convert::hex_value(d));
    }
    Value::Blob(out)
}

/// `unicode(X)` (`unicodeFunc`): the code point of the first character; NULL for NULL or ''.
pub fn unicode(x: ValueRef<'_>) -> Value {
    let Some(t) = convert::text_bytes(x) else {
        return Value::Null;
    };
    let t = convert::until_nul(&t);
    if t.is_empty() {
        return Value::Null;
    }
    let mut i = 0;
    Value::Integer(i64::from(like::read_utf8(t, &mut i)))
}

/// `zeroblob(N)` (`zeroblobFunc`): N zero bytes (none for N < 0); SQLITE_TOOBIG beyond the
/// length limit.
pub fn zeroblob(n: ValueRef<'_>) -> Result<Value> {
    let n = convert::int_value(n).max(0);
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    check_length(n)?;
    Ok(Value::Blob(vec![0; n]))
}

/// The numeric value of `x` as `sqlite3_value_numeric_type` would make it, for functions that
/// treat numeric text as a number (`sum()`): text that is a number becomes one.
pub fn numeric_value(x: ValueRef<'_>) -> Option<Numeric> {
    match x {
        ValueRef::Integer(i) => Some(Numeric::Integer(i)),
        ValueRef::Real(r) => Some(Numeric::Real(r)),
        ValueRef::Text(t) => match super::affinity::numeric_text(t, false)? {
            Value::Integer(i) => Some(Numeric::Integer(i)),
            Value::Real(r) => Some(Numeric::Real(r)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> ValueRef<'_> {
        ValueRef::Text(s.as_bytes())
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("ABS", 2).unwrap_err().message(), "wrong number of arguments to function ABS()");
        assert_eq!(lookup("foo", 1).unwrap_err().message(), "no such function: foo");
        assert_eq!(lookup("min", 1).unwrap().kind, FunctionKind::Aggregate);
        assert_eq!(lookup("min", 3).unwrap().kind, FunctionKind::Scalar);
    }

    #[test]
    fn substr_edges() {
        let s = |x, a: i64, b: Option<i64>| substr(t(x), ValueRef::Integer(a), b.map(ValueRef::Integer));
        assert_eq!(s("hello", 2, Some(3)), Value::text("ell"));
        assert_eq!(s("hello", 0, Some(2)), Value::text("h"));
        assert_eq!(s("hello", -2, None), Value::text("lo"));
        assert_eq!(s("hello", 3, Some(-2)), Value::text("he"));
        assert_eq!(s("hello", -10, Some(7)), Value::text("he"));
        assert_eq!(s("hello", i64::MIN, Some(i64::MAX)), Value::text("hell"));
    }

    #[test]
    fn misc() {
        assert_eq!(abs(ValueRef::Integer(i64::MIN)).unwrap_err().message(), "integer overflow");
        assert_eq!(hex(ValueRef::Null), Value::text(""));
        assert_eq!(quote(t("it's")), Value::text("'it''s'"));
        assert_eq!(round(ValueRef::Real(2.5), None), Value::Real(3.0));
        assert_eq!(round(ValueRef::Real(-2.5), None), Value::Real(-3.0));
        assert_eq!(round(ValueRef::Real(1.005), Some(ValueRef::Integer(2))), Value::Real(1.0));
        assert_eq!(instr(t("héllo"), t("l")), Value::Integer(3));
        assert_eq!(unhex(t("AB CD"), Some(t(" "))), Value::Blob(vec![0xab, 0xcd]));
        assert_eq!(unhex(t("A BCD"), Some(t(" "))), Value::Null);
        assert_eq!(length(t("héllo")), Value::Integer(5));
        assert_eq!(trim(t("xxhixx"), Some(t("x")), true, false), Value::text("hixx"));
    }
}
