//! SQLite's printf (printf.c, `sqlite3_str_vappendf`) with SQL values as arguments: the
//! `printf()` / `format()` SQL function, and the renderings SQLite builds on it: REAL → text
//! (`%!.17g`), `quote()` of a REAL (`%!0.17g`), `round()` (`%!.*f`).
//!
//! Supported conversions, as in SQLite: `%d %i %u %x %X %o %p %r %c %s %z %q %Q %w %j %J %e %E
//! %f %g %G %n %%`, flags `- + space # ! 0 ,`, width and precision (numbers or `*`), and the
//! `l` / `ll` length modifiers (ignored for SQL arguments). An unknown conversion character
//! ends the output there, as SQLite's does. Text arguments are read as C strings (up to their
//! first NUL byte), as SQLite reads them.

use super::convert;
use super::decimal::fp_decode;
use crate::format::value::ValueRef;

/// SQLITE_LIMIT_LENGTH's default: the largest string or blob, in bytes.
pub const MAX_LENGTH: usize = 1_000_000_000;

/// SQLITE_FP_PRECISION_LIMIT: the largest precision of a floating-point conversion.
const FP_PRECISION_LIMIT: i64 = 100_000_000;

/// SQLITE_PRINT_BUF_SIZE: the size of the conversion buffer (it decides when integer
/// conversions need a temporary buffer, which is where an oversized precision is refused).
const BUF_SIZE: i64 = 70;

/// The output of a rendering, bounded by a length limit (SQLite's `StrAccum`).
pub(crate) struct Accum {
    pub out: Vec<u8>,
    limit: usize,
    /// Set when the output would have exceeded the limit (SQLITE_TOOBIG); nothing more is
    /// appended after that.
    pub too_big: bool,
}

impl Accum {
    pub(crate) fn new(limit: usize) -> Accum {
        Accum { out: Vec::new(), limit, too_big: false }
    }

    /// Whether `n` more bytes fit (`sqlite3StrAccumEnlarge`: the text and its terminator must
    /// stay within the limit). Sets `too_big` when they do not.
    fn reserve(&mut self, n: usize) -> bool {
        if self.too_big {
            return false;
        }
        if self.out.len().saturating_add(n).saturating_add(1) > self.limit {
            self.too_big = true;
            self.out.clear();
            return false;
        }
        true
    }

    fn append(&mut self, bytes: &[u8]) {
        if self.reserve(bytes.len()) {
            self.out.extend_from_slice(bytes);
        }
    }

    fn append_repeated(&mut self, n: i64, byte: u8) {
        if n <= 0 {
            return;
        }
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        if self.reserve(n) {
            self.out.resize(self.out.len() + n, byte);
        }
    }
}

/// Where the conversions take their arguments from.
pub(crate) trait Args {
    fn int(&mut self) -> i64;
    fn double(&mut self) -> f64;
    /// The next argument as a C string, or `None` for a NULL or missing argument.
    fn text(&mut self) -> Option<Vec<u8>>;
}

/// The arguments of the `printf()` SQL function (`PrintfArguments`): missing arguments read as
/// 0, 0.0 or NULL.
pub(crate) struct SqlArgs<'a, 'v> {
    args: &'a [ValueRef<'v>],
    used: usize,
}

impl<'a, 'v> SqlArgs<'a, 'v> {
    pub(crate) fn new(args: &'a [ValueRef<'v>]) -> SqlArgs<'a, 'v> {
        SqlArgs { args, used: 0 }
    }

    fn next(&mut self) -> Option<ValueRef<'v>> {
        let v = self.args.get(self.used).copied();
        if v.is_some() {
            self.used += 1;
        }
        v
    }
}

impl Args for SqlArgs<'_, '_> {
    fn int(&mut self) -> i64 {
        self.next().map_or(0, convert::int_value)
    }
    fn double(&mut self) -> f64 {
        self.next().map_or(0.0, convert::real_value)
    }
    fn text(&mut self) -> Option<Vec<u8>> {
        let v = self.next()?;
        let text = convert::text_bytes(v)?;
        Some(convert::until_nul(&text).to_vec())
    }
}

/// A single REAL argument, for SQLite's internal renderings.
struct OneDouble(f64);

impl Args for OneDouble {
    fn int(&mut self) -> i64 {
        0
    }
    fn double(&mut self) -> f64 {
        self.0
    }
    fn text(&mut self) -> Option<Vec<u8>> {
        None
    }
}

/// The kind of a conversion (printf.c's `et*` types).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Radix,
    Float,
    Exp,
    Generic,
    Size,
    String,
    Percent,
    Char,
    EscapeQ,
    EscapeQuoted,
    EscapeW,
    Ordinal,
    Decimal,
    EscapeJ,
    EscapeJQuoted,
    Pointer,
    /// `%T`, `%S` (internal-only conversions) and unknown characters: rendering stops.
    Stop,
}

/// One conversion character's description (printf.c's `fmtinfo`).
#[derive(Clone, Copy)]
struct Info {
    kind: Kind,
    base: u8,
    signed: bool,
    /// Upper-case digits / exponent letter.
    upper: bool,
    /// The "#" prefix: "0" for octal, "0x" / "0X" for hex.
    prefix: &'static [u8],
}

fn info(c: u8) -> Info {
    let i = |kind, base, signed, upper, prefix| Info { kind, base, signed, upper, prefix };
    match c {
        b'd' | b'i' => i(Kind::Decimal, 10, true, false, b""),
        b'u' => i(Kind::Decimal, 10, false, false, b""),
        b'e' => i(Kind::Exp, 0, true, false, b""),
        b'E' => i(Kind::Exp, 0, true, true, b""),
        b'f' => i(Kind::Float, 0, true, false, b""),
        b'g' => i(Kind::Generic, 0, true, false, b""),
        b'G' => i(Kind::Generic, 0, true, true, b""),
        b'j' => i(Kind::EscapeJ, 0, false, false, b""),
        b'J' => i(Kind::EscapeJQuoted, 0, false, false, b""),
        b'Q' => i(Kind::EscapeQuoted, 0, false, false, b""),
        b'q' => i(Kind::EscapeQ, 0, false, false, b""),
        b'w' => i(Kind::EscapeW, 0, false, false, b""),
        b'p' => i(Kind::Pointer, 16, false, true, b"x0"),
        b'n' => i(Kind::Size, 0, false, false, b""),
        b'o' => i(Kind::Radix, 8, false, false, b"0"),
        b'%' => i(Kind::Percent, 0, false, false, b""),
        b'r' => i(Kind::Ordinal, 10, true, false, b""),
        b's' | b'z' => i(Kind::String, 0, false, false, b""),
        b'X' => i(Kind::Radix, 16, false, true, b"X0"),
        b'x' => i(Kind::Radix, 16, false, false, b"x0"),
        b'c' => i(Kind::Char, 0, false, false, b""),
        _ => i(Kind::Stop, 0, false, false, b""),
    }
}

/// The flags and sizes of one conversion.
#[derive(Clone, Copy, Default)]
struct Spec {
    left: bool,
    /// `+`, space, or 0.
    prefix: u8,
    alternate: bool,
    /// The `!` flag.
    alt2: bool,
    zeropad: bool,
    thousands: bool,
    width: i64,
    /// -1 when not given.
    precision: i64,
}

/// Renders `format` with `args` into `acc` (`sqlite3_str_vappendf` with SQLITE_PRINTF_SQLFUNC).
pub(crate) fn format(acc: &mut Accum, format: &[u8], args: &mut dyn Args) {
    let fmt = convert::until_nul(format);
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    let mut i = 0usize;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            let end = fmt[i..].iter().position(|&c| c == b'%').map_or(fmt.len(), |p| i + p);
            acc.append(&fmt[i..end]);
            i = end;
            if i >= fmt.len() {
                break;
            }
        }
        // fmt[i] is '%'.
        i += 1;
        let mut c = at(i);
        if c == 0 {
            acc.append(b"%");
            break;
        }
        let mut spec = Spec { precision: -1, ..Spec::default() };
        loop {
            let mut done = false;
            match c {
                b'-' => spec.left = true,
                b'+' => spec.prefix = b'+',
                b' ' => spec.prefix = b' ',
                b'#' => spec.alternate = true,
                b'!' => spec.alt2 = true,
                b'0' => spec.zeropad = true,
                b',' => spec.thousands = true,
                b'l' => {
                    i += 1;
                    c = at(i);
                    if c == b'l' {
                        i += 1;
                        c = at(i);
                    }
                    done = true;
                }
                b'1'..=b'9' => {
                    let mut wx: u32 = u32::from(c - b'0');
                    i += 1;
                    c = at(i);
                    while c.is_ascii_digit() {
                        wx = wx.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
                        i += 1;
                        c = at(i);
                    }
                    spec.width = i64::from(wx & 0x7fff_ffff);
                    if c != b'.' && c != b'l' {
                        done = true;
                    } else {
                        i -= 1;
                    }
                }
                b'*' => {
                    let mut width = i64::from(args.int() as i32);
                    if width < 0 {
                        spec.left = true;
                        width = if width >= -2_147_483_647 { -width } else { 0 };
                    }
                    spec.width = width;
                    c = at(i + 1);
                    if c != b'.' && c != b'l' {
                        i += 1;
                        c = at(i);
                        done = true;
                    }
                }
                b'.' => {
                    i += 1;
                    c = at(i);
                    if c == b'*' {
                        let mut precision = i64::from(args.int() as i32);
                        if precision < 0 {
                            precision = if precision >= -2_147_483_647 { -precision } else { -1 };
                        }
                        spec.precision = precision;
                        i += 1;
                        c = at(i);
                    } else {
                        let mut px: u32 = 0;
                        while c.is_ascii_digit() {
                            px = px.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
                            i += 1;
                            c = at(i);
                        }
                        spec.precision = i64::from(px & 0x7fff_ffff);
                    }
                    if c == b'l' {
                        i -= 1;
                    } else {
                        done = true;
                    }
                }
                _ => done = true,
            }
            if done {
                break;
            }
            i += 1;
            c = at(i);
            if c == 0 {
                break;
            }
        }
        // `c` is the conversion character (or NUL at the end of the format).
        let inf = info(c);
        if !conversion(acc, inf, c, spec, args) {
            return;
        }
        i += 1;
    }
}

/// Renders one conversion; false when rendering must stop here.
fn conversion(acc: &mut Accum, inf: Info, c: u8, mut spec: Spec, args: &mut dyn Args) -> bool {
    let mut flag_alt2 = spec.alt2;
    let text: Vec<u8>;
    match inf.kind {
        Kind::Stop => return false,
        Kind::Radix | Kind::Pointer | Kind::Ordinal | Kind::Decimal => {
            if inf.kind != Kind::Decimal {
                spec.thousands = false;
            }
            let (mut value, prefix): (u64, u8) = if inf.signed {
                let v = args.int();
                if v < 0 { ((!v as u64).wrapping_add(1), b'-') } else { (v as u64, spec.prefix) }
            } else {
                (args.int() as u64, 0)
            };
            if value == 0 {
                spec.alternate = false;
            }
            let mut precision = spec.precision;
            if spec.zeropad && precision < spec.width - i64::from(prefix != 0) {
                precision = spec.width - i64::from(prefix != 0);
            }
            if precision >= BUF_SIZE - 10 - BUF_SIZE / 3 {
                let mut n = precision + 10;
                if spec.thousands {
                    n += precision / 3;
                }
                if n > MAX_LENGTH as i64 || n as usize > acc.limit {
                    acc.too_big = true;
                    acc.out.clear();
                    return false;
                }
            }
            // Digits, most significant first.
            let mut digits: Vec<u8> = Vec::new();
            if inf.kind == Kind::Ordinal {
                let mut x = (value % 10) as usize;
                if x >= 4 || (value / 10) % 10 == 1 {
                    x = 0;
                }
                let suffix = b"thstndrd";
                digits.push(suffix[x * 2 + 1]);
                digits.push(suffix[x * 2]);
            }
            let charset: &[u8; 16] = if inf.upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
            let base = u64::from(if inf.kind == Kind::Pointer { 16 } else { inf.base });
            loop {
                digits.push(charset[(value % base) as usize]);
                value /= base;
                if value == 0 {
                    break;
                }
            }
            // `digits` is reversed (least significant first) from here on.
            let mut length = digits.len() as i64;
            if precision > length {
                let pad = (precision - length) as usize;
                digits.resize(digits.len() + pad, b'0');
                length = precision;
            }
            if spec.thousands {
                let mut with_commas = Vec::with_capacity(digits.len() + digits.len() / 3);
                for (k, &d) in digits.iter().enumerate() {
                    if k > 0 && k % 3 == 0 {
                        with_commas.push(b',');
                    }
                    with_commas.push(d);
                }
                digits = with_commas;
            }
            let _ = length;
            if prefix != 0 {
                digits.push(prefix);
            }
            if spec.alternate && !inf.prefix.is_empty() {
                digits.extend_from_slice(inf.prefix);
            }
            digits.reverse();
            text = digits;
        }
        Kind::Float | Kind::Exp | Kind::Generic => {
            let value = args.double();
            return float_conversion(acc, value, inf, spec);
        }
        Kind::Size => {
            spec.width = 0;
            text = Vec::new();
        }
        Kind::Percent => text = b"%".to_vec(),
        Kind::Char => {
            let mut buf = Vec::with_capacity(4);
            match args.text() {
                Some(t) => {
                    let first = t.first().copied().unwrap_or(0);
                    buf.push(first);
                    if first & 0xc0 == 0xc0 {
                        for &b in t.iter().skip(1).take(3) {
                            if b & 0xc0 != 0x80 {
                                break;
                            }
                            buf.push(b);
                        }
                    }
                }
                None => buf.push(0),
            }
            let length = buf.len() as i64;
            let mut precision = spec.precision;
            if precision > 1 {
                let mut n_prior: i64 = 1;
                spec.width -= precision - 1;
                if spec.width > 1 && !spec.left {
                    acc.append_repeated(spec.width - 1, b' ');
                    spec.width = 0;
                }
                acc.append(&buf);
                precision -= 1;
                while precision > 1 {
                    if n_prior > precision - 1 {
                        n_prior = precision - 1;
                    }
                    let n_copy = (length * n_prior) as usize;
                    if !acc.reserve(n_copy) {
                        break;
                    }
                    let start = acc.out.len() - n_copy;
                    acc.out.extend_from_within(start..);
                    precision -= n_prior;
                    n_prior *= 2;
                }
            }
            flag_alt2 = true;
            text = buf;
        }
        Kind::String => {
            let s = args.text().unwrap_or_default();
            let length = if spec.precision >= 0 {
                if flag_alt2 {
                    let mut k = 0usize;
                    let mut p = spec.precision;
                    while p > 0 && k < s.len() {
                        p -= 1;
                        k = skip_utf8(&s, k);
                    }
                    k
                } else {
                    (spec.precision as usize).min(s.len())
                }
            } else {
                s.len()
            };
            text = s[..length].to_vec();
        }
        Kind::EscapeJ | Kind::EscapeJQuoted => {
            escape_json(acc, inf.kind == Kind::EscapeJQuoted, spec, args.text());
            return true;
        }
        Kind::EscapeQ | Kind::EscapeQuoted | Kind::EscapeW => {
            text = escape_quote(inf.kind, &mut spec, args.text());
        }
    }
    let _ = c;
    let mut width = spec.width;
    if flag_alt2 && width > 0 {
        width += text.iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
    }
    let width = width - text.len() as i64;
    if width > 0 {
        if !spec.left {
            acc.append_repeated(width, b' ');
        }
        acc.append(&text);
        if spec.left {
            acc.append_repeated(width, b' ');
        }
    } else {
        acc.append(&text);
    }
    !acc.too_big
}

/// The index after the UTF-8 character at `k` (`SQLITE_SKIP_UTF8`).
fn skip_utf8(s: &[u8], mut k: usize) -> usize {
    let lead = s[k];
    k += 1;
    if lead >= 0xc0 {
        while k < s.len() && s[k] & 0xc0 == 0x80 {
            k += 1;
        }
    }
    k
}

/// `%q`, `%Q`, `%w` (with `#`: unistr()-style escapes of control characters).
fn escape_quote(kind: Kind, spec: &mut Spec, arg: Option<Vec<u8>>) -> Vec<u8> {
    let mut need_quote = 0;
    let arg: Vec<u8> = match arg {
        None => (if kind == Kind::EscapeQuoted { &b"NULL"[..] } else { &b"(NULL)"[..] }).to_vec(),
        Some(a) => {
            if kind == Kind::EscapeQuoted {
                need_quote = 1;
            }
            a
        }
    };
    let q = if kind == Kind::EscapeW { b'"' } else { b'\'' };
    let mut alternate = spec.alternate && kind != Kind::EscapeW;
    // The input consumed: `precision` bytes (or characters with `!`).
    let mut k = spec.precision;
    let mut i = 0usize;
    while k != 0 && i < arg.len() {
        let ch = arg[i];
        if spec.alt2 && ch & 0xc0 == 0xc0 {
            while i + 1 < arg.len() && arg[i + 1] & 0xc0 == 0x80 {
                i += 1;
            }
        }
        i += 1;
        k -= 1;
    }
    let input = &arg[..i];
    if alternate {
        let n_ctrl = input.iter().filter(|&&b| b <= 0x1f).count();
        if n_ctrl > 0 || kind == Kind::EscapeQ {
            if kind == Kind::EscapeQuoted {
                need_quote = 2;
            }
        } else {
            alternate = false;
        }
    }
    let mut out = Vec::with_capacity(input.len() + 3);
    if need_quote == 2 {
        out.extend_from_slice(b"unistr('");
    } else if need_quote == 1 {
        out.push(b'\'');
    }
    for &ch in input {
        if alternate {
            if ch == q {
                out.extend_from_slice(&[ch, ch]);
            } else if ch == b'\\' {
                out.extend_from_slice(b"\\\\");
            } else if ch <= 0x1f {
                out.extend_from_slice(b"\\u00");
                out.push(if ch >= 0x10 { b'1' } else { b'0' });
                out.push(b"0123456789abcdef"[usize::from(ch & 0xf)]);
            } else {
                out.push(ch);
            }
        } else {
            out.push(ch);
            if ch == q {
                out.push(ch);
            }
        }
    }
    if need_quote != 0 {
        out.push(b'\'');
        if need_quote == 2 {
            out.push(b')');
        }
    }
    out
}

/// `%j` / `%J`: a JSON string literal (without / with the quotes).
fn escape_json(acc: &mut Accum, quoted: bool, spec: Spec, arg: Option<Vec<u8>>) {
    let start = acc.out.len();
    match arg {
        None => {
            if quoted {
                acc.append(b"null");
            }
        }
        Some(s) => {
            if quoted {
                acc.append(b"\"");
            }
            let mut px: i64 = spec.precision;
            if px < 0 {
                px = 0x7fff_ffff;
            } else if spec.alt2 {
                let mut i = 0i64;
                while i < px && (i as usize) < s.len() {
                    if s[i as usize] & 0xc0 == 0x80 {
                        px += 1;
                    }
                    i += 1;
                }
                if i == px {
                    while (px as usize) < s.len() && s[px as usize] & 0xc0 == 0x80 {
                        px += 1;
                    }
                }
            }
            let end = (px.max(0) as usize).min(s.len());
            let mut j = 0usize;
            for (i, &ch) in s[..end].iter().enumerate() {
                if ch <= 0x1f || ch == b'"' || ch == b'\\' {
                    if j < i {
                        acc.append(&s[j..i]);
                    }
                    j = i + 1;
                    acc.append(b"\\");
                    if ch > 0x1f {
                        acc.append(&[ch]);
                    } else if (1u32 << ch) & 0x3700 != 0 {
                        acc.append(&[b"btn?fr"[usize::from(ch - 8)]]);
                    } else {
                        acc.append(b"u00");
                        acc.append(&[
                            b"0123456789abcdef"[usize::from(ch >> 4)],
                            b"0123456789abcdef"[usize::from(ch & 0xf)],
                        ]);
                    }
                }
            }
            if j < end {
                acc.append(&s[j..end]);
            }
            if quoted {
                acc.append(b"\"");
            }
        }
    }
    if spec.width > 0 && !acc.too_big {
        let n = (acc.out.len() - start) as i64;
        let mut len = n;
        if spec.alt2 && n > 0 {
            len -= acc.out[start..].iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
        }
        if spec.width > len {
            let sp = spec.width - len;
            acc.append_repeated(sp, b' ');
            if !spec.left && n > 0 && !acc.too_big {
                let rendered: Vec<u8> = acc.out[start..start + n as usize].to_vec();
                let sp = sp as usize;
                acc.out[start..start + sp].fill(b' ');
                acc.out[start + sp..].copy_from_slice(&rendered);
            }
        }
    }
}

/// `%f`, `%e`, `%E`, `%g`, `%G` of `value`; false when the output is too big.
fn float_conversion(acc: &mut Accum, value: f64, inf: Info, spec: Spec) -> bool {
    let mut precision = spec.precision;
    if precision < 0 {
        precision = 6;
    }
    if precision > FP_PRECISION_LIMIT {
        precision = FP_PRECISION_LIMIT;
    }
    let mut kind = inf.kind;
    let iround: i64 = match kind {
        Kind::Float => -precision,
        Kind::Generic => {
            if precision == 0 {
                precision = 1;
            }
            precision
        }
        _ => precision + 1,
    };
    let iround = iround.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let mut s = fp_decode(value, iround, if spec.alt2 { 20 } else { 16 });
    if s.special != 0 {
        if s.special == 2 {
            let text: &[u8] = if spec.zeropad { b"null" } else { b"NaN" };
            return finish_plain(acc, text, spec);
        } else if spec.zeropad {
            s.digits = vec![b'9'];
            s.idp = 1000;
        } else {
            let text: Vec<u8> = if s.sign == b'-' {
                b"-Inf".to_vec()
            } else if spec.prefix != 0 {
                let mut t = b"-Inf".to_vec();
                t[0] = spec.prefix;
                t
            } else {
                b"Inf".to_vec()
            };
            return finish_plain(acc, &text, spec);
        }
    }
    let prefix = if s.sign == b'-' {
        if spec.alternate && spec.prefix == 0 && kind == Kind::Float && i64::from(s.idp) <= i64::from(iround) {
            0
        } else {
            b'-'
        }
    } else {
        spec.prefix
    };
    let exp = s.idp - 1;
    let flag_rtz;
    if kind == Kind::Generic {
        precision -= 1;
        flag_rtz = !spec.alternate;
        if exp < -4 || i64::from(exp) > precision {
            kind = Kind::Exp;
        } else {
            precision -= i64::from(exp);
            kind = Kind::Float;
        }
    } else {
        flag_rtz = spec.alt2;
    }
    let mut e2: i64 = if kind == Kind::Exp { 0 } else { i64::from(s.idp) - 1 };
    let mut needed = e2.max(0) + precision + spec.width + 10;
    if spec.thousands && e2 > 0 {
        needed += (e2 + 2) / 3;
    }
    if !acc.reserve(usize::try_from(needed).unwrap_or(usize::MAX)) {
        return false;
    }
    let mut out: Vec<u8> = Vec::new();
    let flag_dp = precision > 0 || spec.alternate || spec.alt2;
    if prefix != 0 {
        out.push(prefix);
    }
    let z = &s.digits;
    let n = z.len() as i64;
    let mut j: i64 = 0;
    if e2 < 0 {
        out.push(b'0');
    } else if spec.thousands {
        while e2 >= 0 {
            out.push(if j < n {
                j += 1;
                z[(j - 1) as usize]
            } else {
                b'0'
            });
            if e2 % 3 == 0 && e2 > 1 {
                out.push(b',');
            }
            e2 -= 1;
        }
    } else {
        j = (e2 + 1).min(n);
        out.extend_from_slice(&z[..j as usize]);
        e2 -= j;
        if e2 >= 0 {
            out.resize(out.len() + (e2 + 1) as usize, b'0');
            e2 = -1;
        }
    }
    if flag_dp {
        out.push(b'.');
    }
    if e2 < -1 && precision > 0 {
        let nn = (-1 - e2).min(precision);
        out.resize(out.len() + nn as usize, b'0');
        precision -= nn;
    }
    if precision > 0 {
        let nn = (n - j).min(precision);
        if nn > 0 {
            out.extend_from_slice(&z[j as usize..(j + nn) as usize]);
            precision -= nn;
        }
        if precision > 0 && !flag_rtz {
            out.resize(out.len() + precision as usize, b'0');
        }
    }
    if flag_rtz && flag_dp {
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            if spec.alt2 {
                out.push(b'0');
            } else {
                out.pop();
            }
        }
    }
    if kind == Kind::Exp {
        let mut exp = s.idp - 1;
        out.push(if inf.upper { b'E' } else { b'e' });
        if exp < 0 {
            out.push(b'-');
            exp = -exp;
        } else {
            out.push(b'+');
        }
        if exp >= 100 {
            out.push(b'0' + (exp / 100) as u8);
            exp %= 100;
        }
        out.push(b'0' + (exp / 10) as u8);
        out.push(b'0' + (exp % 10) as u8);
    }
    let length = out.len() as i64;
    if length < spec.width {
        let pad = (spec.width - length) as usize;
        if spec.left {
            out.resize(out.len() + pad, b' ');
        } else if !spec.zeropad {
            out.splice(0..0, std::iter::repeat_n(b' ', pad));
        } else {
            let adj = usize::from(prefix != 0);
            out.splice(adj..adj, std::iter::repeat_n(b'0', pad));
        }
    }
    acc.append(&out);
    !acc.too_big
}

/// Appends `text` padded to the width of `spec` (the common tail of `sqlite3_str_vappendf`).
fn finish_plain(acc: &mut Accum, text: &[u8], spec: Spec) -> bool {
    let width = spec.width - text.len() as i64;
    if width > 0 && !spec.left {
        acc.append_repeated(width, b' ');
    }
    acc.append(text);
    if width > 0 && spec.left {
        acc.append_repeated(width, b' ');
    }
    !acc.too_big
}

/// The text of a REAL as SQLite renders it for CAST AS TEXT, `||` and results
/// (`vdbeMemRenderNum`: `%!.17g`, shortened when fewer digits read back the same).
pub fn render_real(r: f64) -> String {
    let spec = Spec { alt2: true, precision: 17, ..Spec::default() };
    let mut acc = Accum::new(usize::MAX);
    float_conversion(&mut acc, r, info(b'g'), spec);
    String::from_utf8(acc.out).unwrap_or_default()
}

/// `printf(format, r)` for a format taking one REAL (SQLite's internal uses: `%!0.17g` in
/// `quote()`, `%!.*f` in `round()`, `%!.15g` for display).
pub fn format_real(format_text: &str, r: f64) -> String {
    let mut acc = Accum::new(usize::MAX);
    format(&mut acc, format_text.as_bytes(), &mut OneDouble(r));
    String::from_utf8(acc.out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_rendering() {
        assert_eq!(render_real(0.1), "0.1");
        assert_eq!(render_real(49.47), "49.47");
        assert_eq!(render_real(1e15), "1000000000000000.0");
        assert_eq!(render_real(1e20), "1.0e+20");
        assert_eq!(render_real(-0.0), "0.0");
        assert_eq!(render_real(f64::INFINITY), "Inf");
        assert_eq!(render_real(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_real("%!0.17g", f64::INFINITY), "9.0e+999");
        assert_eq!(format_real("%.15g", 1e15), "1e+15");
        assert_eq!(format_real("%!.15g", 0.1), "0.1");
    }
}
