//! SQLite's tokenizer (`sqlite3GetToken`): SQL text to tokens, each with its byte span.
//!
//! The rules are SQLite's, byte for byte: character classes, keyword recognition (only tokens
//! made of ASCII letters and `_` can be keywords), quoted identifiers and strings with doubled
//! quote escapes, blob literals, numbers with `_` digit separators (a "quoted number", checked
//! later by [`dequote_number`]), the five kinds of variables, operators and comments. Input ends
//! at the first NUL byte, as it does for SQLite's C strings.
//!
//! An illegal token is not an error here: it comes out as [`TokenKind::Illegal`], and the parser
//! reports it when it reaches it (`unrecognized token: "..."`), so that an earlier syntax error
//! wins, as in SQLite.

use super::keyword::Keyword;

/// A byte range `start..end` of the SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The span `start..end`. Invariant: `start <= end`.
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span {start}..{end} is reversed");
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True for an empty span (only the end-of-input token has one).
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text of this span in `sql`. Spans produced by the lexer always lie on character
    /// boundaries of the text they were made from.
    pub fn text(self, sql: &str) -> &str {
        &sql[self.start..self.end]
    }
}

/// What a token is. Operators are named after SQLite's token codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A keyword (see [`Keyword`]); the parser decides whether it stands for an identifier.
    Keyword(Keyword),
    /// A bare identifier.
    Id,
    /// An identifier in `"..."`, `[...]` or `` `...` ``.
    QuotedId,
    /// A string literal `'...'`.
    String,
    /// A blob literal `x'...'` with an even number of hex digits.
    Blob,
    /// An integer literal, decimal or `0x` hex.
    Integer,
    /// A real literal (has `.` or an exponent).
    Float,
    /// A number containing `_` digit separators (SQLite's TK_QNUMBER).
    QNumber,
    /// `?`, `?NNN`, `:name`, `@name`, `$name` (and `#name`).
    Variable,
    LParen,
    RParen,
    Comma,
    Semi,
    Dot,
    Plus,
    Minus,
    Star,
    Slash,
    /// `%`
    Rem,
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `~`
    BitNot,
    /// `||`
    Concat,
    /// `->`
    Ptr,
    /// `->>`
    Ptr2,
    /// Whitespace (including a UTF-8 byte order mark).
    Space,
    /// `-- ...` to end of line, or `/* ... */` (an unterminated one runs to end of input).
    Comment,
    /// Anything SQLite's tokenizer rejects.
    Illegal,
}

impl TokenKind {
    /// True for whitespace and comments, which the parser skips.
    pub fn is_trivia(self) -> bool {
        matches!(self, TokenKind::Space | TokenKind::Comment)
    }
}

/// One token: its kind and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// SQLite's `sqlite3Isspace`: space, \t, \n, \v, \f, \r.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// SQLite's `IdChar`: ASCII letters and digits, `_`, `$`, and every byte >= 0x80.
pub fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// A byte that may be part of a keyword (SQLite's classes CC_X, CC_KYWD0, CC_KYWD).
fn is_keyword_char(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// The SQL text SQLite would see: everything before the first NUL byte.
pub fn effective_sql(sql: &str) -> &str {
    match sql.find('\0') {
        Some(nul) => &sql[..nul],
        None => sql,
    }
}

/// An iterator over the tokens of `sql` (trivia included), ending at end of input.
#[derive(Clone)]
pub struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `sql` (cut at its first NUL byte).
    pub fn new(sql: &'a str) -> Lexer<'a> {
        Lexer { bytes: effective_sql(sql).as_bytes(), pos: 0 }
    }

    /// A lexer over `sql` starting at byte `pos`, which must be a token boundary.
    pub fn at(sql: &'a str, pos: usize) -> Lexer<'a> {
        let bytes = effective_sql(sql).as_bytes();
        debug_assert!(pos <= bytes.len());
        Lexer { bytes, pos: pos.min(bytes.len()) }
    }

    /// Byte offset of the next token.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Length of the effective input (the end-of-input offset).
    pub fn end(&self) -> usize {
        self.bytes.len()
    }

    /// The byte at `i`, or 0 past the end (SQLite reads its NUL terminator the same way).
    fn at_byte(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// Scans the token at `start`; returns its kind and length (always >= 1).
    fn scan_token(&self, start: usize) -> (TokenKind, usize) {
        let z = |k: usize| self.at_byte(start + k);
        let c = z(0);
        match c {
            b' ' | b'\t' | b'\n' | 0x0c | b'\r' => {
                let mut i = 1;
                while is_space(z(i)) {
                    i += 1;
                }
                (TokenKind::Space, i)
            }
            b'-' => {
                if z(1) == b'-' {
                    let mut i = 2;
                    while z(i) != 0 && z(i) != b'\n' {
                        i += 1;
                    }
                    (TokenKind::Comment, i)
                } else if z(1) == b'>' {
                    if z(2) == b'>' { (TokenKind::Ptr2, 3) } else { (TokenKind::Ptr, 2) }
                } else {
                    (TokenKind::Minus, 1)
                }
            }
            b'(' => (TokenKind::LParen, 1),
            b')' => (TokenKind::RParen, 1),
            b';' => (TokenKind::Semi, 1),
            b'+' => (TokenKind::Plus, 1),
            b'*' => (TokenKind::Star, 1),
            b'/' => {
                if z(1) != b'*' || z(2) == 0 {
                    return (TokenKind::Slash, 1);
                }
                // A block comment; unterminated, it runs to end of input.
                let mut i = 2;
                loop {
                    match z(i) {
                        0 => return (TokenKind::Comment, i),
                        b'*' if z(i + 1) == b'/' => return (TokenKind::Comment, i + 2),
                        _ => i += 1,
                    }
                }
            }
            b'%' => (TokenKind::Rem, 1),
            b'=' => (TokenKind::Eq, 1 + usize::from(z(1) == b'=')),
            b'<' => match z(1) {
                b'=' => (TokenKind::Le, 2),
                b'>' => (TokenKind::Ne, 2),
                b'<' => (TokenKind::LShift, 2),
                _ => (TokenKind::Lt, 1),
            },
            b'>' => match z(1) {
                b'=' => (TokenKind::Ge, 2),
                b'>' => (TokenKind::RShift, 2),
                _ => (TokenKind::Gt, 1),
            },
            b'!' => {
                if z(1) == b'=' {
                    (TokenKind::Ne, 2)
                } else {
                    (TokenKind::Illegal, 1)
                }
            }
            b'|' => {
                if z(1) == b'|' {
                    (TokenKind::Concat, 2)
                } else {
                    (TokenKind::BitOr, 1)
                }
            }
            b',' => (TokenKind::Comma, 1),
            b'&' => (TokenKind::BitAnd, 1),
            b'~' => (TokenKind::BitNot, 1),
            b'\'' | b'"' | b'`' => self.scan_quoted(start, c),
            b'.' if !z(1).is_ascii_digit() => (TokenKind::Dot, 1),
            b'.' | b'0'..=b'9' => self.scan_number(start),
            b'[' => {
                let mut i = 1;
                loop {
                    match z(i) {
                        0 => return (TokenKind::Illegal, i),
                        b']' => return (TokenKind::QuotedId, i + 1),
                        _ => i += 1,
                    }
                }
            }
            b'?' => {
                let mut i = 1;
                while z(i).is_ascii_digit() {
                    i += 1;
                }
                (TokenKind::Variable, i)
            }
            b'$' | b'@' | b':' | b'#' => self.scan_named_variable(start),
            b'x' | b'X' if z(1) == b'\'' => {
                let mut i = 2;
                while z(i).is_ascii_hexdigit() {
                    i += 1;
                }
                let mut kind = TokenKind::Blob;
                if z(i) != b'\'' || i % 2 == 1 {
                    kind = TokenKind::Illegal;
                    while z(i) != 0 && z(i) != b'\'' {
                        i += 1;
                    }
                }
                if z(i) != 0 {
                    i += 1;
                }
                (kind, i)
            }
            0xef if z(1) == 0xbb && z(2) == 0xbf => (TokenKind::Space, 3),
            _ if is_keyword_char(c) => {
                let mut i = 1;
                while is_keyword_char(z(i)) {
                    i += 1;
                }
                if is_id_char(z(i)) {
                    // Digits, '$' or non-ASCII follow: an identifier, never a keyword.
                    return (TokenKind::Id, self.scan_id_rest(start, i + 1));
                }
                let word = &self.bytes[start..start + i];
                // Keyword letters are ASCII, so this slice is valid UTF-8.
                let keyword = std::str::from_utf8(word).ok().and_then(Keyword::lookup);
                match keyword {
                    Some(kw) => (TokenKind::Keyword(kw), i),
                    None => (TokenKind::Id, i),
                }
            }
            _ if c >= 0x80 => (TokenKind::Id, self.scan_id_rest(start, 1)),
            _ => (TokenKind::Illegal, 1),
        }
    }

    /// Extends an identifier from `start + i` over identifier characters; returns its length.
    fn scan_id_rest(&self, start: usize, mut i: usize) -> usize {
        while is_id_char(self.at_byte(start + i)) {
            i += 1;
        }
        i
    }

    /// A `'string'`, `"identifier"` or `` `identifier` `` with doubled-quote escapes.
    fn scan_quoted(&self, start: usize, delim: u8) -> (TokenKind, usize) {
        let mut i = 1;
        loop {
            let c = self.at_byte(start + i);
            if c == 0 {
                return (TokenKind::Illegal, i);
            }
            if c == delim {
                if self.at_byte(start + i + 1) == delim {
                    i += 2;
                    continue;
                }
                let kind = if delim == b'\'' { TokenKind::String } else { TokenKind::QuotedId };
                return (kind, i + 1);
            }
            i += 1;
        }
    }

    /// A number: decimal or hex integer, real with `.` and/or exponent, `_` separators making
    /// it a QNumber; identifier characters glued to its end make it illegal (`1e`, `12abc`).
    fn scan_number(&self, start: usize) -> (TokenKind, usize) {
        let z = |k: usize| self.at_byte(start + k);
        let mut kind = TokenKind::Integer;
        // Extends over digits accepted by `is_digit`; a '_' turns the token into a QNumber.
        let digits = |mut i: usize, kind: &mut TokenKind, is_digit: fn(&u8) -> bool| {
            loop {
                let c = z(i);
                if is_digit(&c) {
                } else if c == b'_' {
                    *kind = TokenKind::QNumber;
                } else {
                    return i;
                }
                i += 1;
            }
        };
        let mut i;
        if z(0) == b'0' && (z(1) == b'x' || z(1) == b'X') && z(2).is_ascii_hexdigit() {
            i = digits(3, &mut kind, u8::is_ascii_hexdigit);
        } else {
            i = digits(0, &mut kind, u8::is_ascii_digit);
            if z(i) == b'.' {
                if kind == TokenKind::Integer {
                    kind = TokenKind::Float;
                }
                i = digits(i + 1, &mut kind, u8::is_ascii_digit);
            }
            let exponent = (z(i) == b'e' || z(i) == b'E')
                && (z(i + 1).is_ascii_digit() || ((z(i + 1) == b'+' || z(i + 1) == b'-') && z(i + 2).is_ascii_digit()));
            if exponent {
                if kind == TokenKind::Integer {
                    kind = TokenKind::Float;
                }
                i = digits(i + 2, &mut kind, u8::is_ascii_digit);
            }
        }
        while is_id_char(z(i)) {
            kind = TokenKind::Illegal;
            i += 1;
        }
        (kind, i)
    }

    /// `$name`, `@name`, `:name`, `#name`, with TCL-style `$a(index)` and `$a::b` forms.
    fn scan_named_variable(&self, start: usize) -> (TokenKind, usize) {
        let z = |k: usize| self.at_byte(start + k);
        let mut kind = TokenKind::Variable;
        let mut name_chars = 0usize;
        let mut i = 1;
        loop {
            let c = z(i);
            if c == 0 {
                break;
            }
            if is_id_char(c) {
                name_chars += 1;
            } else if c == b'(' && name_chars > 0 {
                loop {
                    i += 1;
                    let c = z(i);
                    if c == 0 || is_space(c) || c == b')' {
                        break;
                    }
                }
                if z(i) == b')' {
                    i += 1;
                } else {
                    kind = TokenKind::Illegal;
                }
                break;
            } else if c == b':' && z(i + 1) == b':' {
                i += 1;
            } else {
                break;
            }
            i += 1;
        }
        if name_chars == 0 {
            kind = TokenKind::Illegal;
        }
        (kind, i)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    /// The next token, trivia included; `None` at end of input.
    fn next(&mut self) -> Option<Token> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let (kind, len) = self.scan_token(self.pos);
        debug_assert!(len >= 1, "a token is never empty");
        let end = (self.pos + len).min(self.bytes.len());
        let token = Token { kind, span: Span::new(self.pos, end) };
        self.pos = end;
        Some(token)
    }
}

/// All tokens of `sql`, trivia included.
pub fn tokenize(sql: &str) -> Vec<Token> {
    Lexer::new(sql).collect()
}

/// The value of a quoted token (`sqlite3Dequote`): the text between the quotes with doubled
/// quotes undone; `[...]` has no escapes. Text that does not start with a quote is returned
/// as it is.
pub fn dequote(text: &str) -> String {
    let bytes = text.as_bytes();
    let Some(&open) = bytes.first() else {
        return String::new();
    };
    let close = match open {
        b'\'' | b'"' | b'`' => open,
        b'[' => b']',
        _ => return text.to_string(),
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 1;
    while i < bytes.len() {
        let c = bytes[i];
        if c == close {
            if bytes.get(i + 1) == Some(&close) && close != b']' {
                out.push(close);
                i += 2;
                continue;
            }
            break;
        }
        out.push(c);
        i += 1;
    }
    // Only ASCII quote bytes were removed, so the rest is still valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The text of a QNumber with its `_` separators removed, and whether it is a real. Each `_`
/// must sit between two digits (hex digits for a hex number), as `sqlite3DequoteNumber`
/// checks; otherwise the token is unrecognized.
pub fn dequote_number(text: &str) -> Option<(String, bool)> {
    let bytes = text.as_bytes();
    let hex = bytes.len() > 1 && bytes[0] == b'0' && (bytes[1] == b'x' || bytes[1] == b'X');
    let is_digit = |c: Option<&u8>| match c {
        Some(c) if hex => c.is_ascii_hexdigit(),
        Some(c) => c.is_ascii_digit(),
        None => false,
    };
    let mut out = String::with_capacity(text.len());
    let mut is_real = false;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'_' {
            let before = if i == 0 { None } else { bytes.get(i - 1) };
            if !is_digit(before) || !is_digit(bytes.get(i + 1)) {
                return None;
            }
        } else {
            if !hex && matches!(c, b'.' | b'e' | b'E') {
                is_real = true;
            }
            out.push(char::from(c));
        }
    }
    Some((out, is_real))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kinds and texts of the non-trivia tokens of `sql`.
    fn toks(sql: &str) -> Vec<(TokenKind, &str)> {
        Lexer::new(sql).filter(|t| !t.kind.is_trivia()).map(|t| (t.kind, t.span.text(sql))).collect()
    }

    fn kinds(sql: &str) -> Vec<TokenKind> {
        toks(sql).into_iter().map(|t| t.0).collect()
    }

    use TokenKind::*;

    #[test]
    fn spans_cover_input_exactly() {
        let sql = "SELECT a.\"b c\", [d]+`e` FROM t -- hi\n/* x */ WHERE 1.5e3 <> x'0A';";
        let mut pos = 0;
        for t in Lexer::new(sql) {
            assert_eq!(t.span.start, pos);
            pos = t.span.end;
        }
        assert_eq!(pos, sql.len());
    }

    #[test]
    fn keywords_and_identifiers() {
        assert_eq!(
            toks("select Foo _x x1 $y xyz"),
            vec![
                (Keyword(super::Keyword::Select), "select"),
                (Id, "Foo"),
                (Id, "_x"),
                (Id, "x1"),
                (Variable, "$y"),
                (Id, "xyz"),
            ]
        );
        // A keyword followed by identifier characters is an identifier.
        assert_eq!(kinds("table1 select$ é"), vec![Id, Id, Id]);
        assert_eq!(kinds("current_timestamp"), vec![Keyword(super::Keyword::CurrentTimestamp)]);
    }

    #[test]
    fn quoted_identifiers_and_strings() {
        assert_eq!(
            toks(r#""a""b" [x"y] `q``r` 'it''s'"#),
            vec![(QuotedId, r#""a""b""#), (QuotedId, r#"[x"y]"#), (QuotedId, "`q``r`"), (String, "'it''s'"),]
        );
        assert_eq!(dequote(r#""a""b""#), "a\"b");
        assert_eq!(dequote("[x]]"), "x");
        assert_eq!(dequote("`q``r`"), "q`r");
        assert_eq!(dequote("'it''s'"), "it's");
        assert_eq!(dequote("plain"), "plain");
        assert_eq!(kinds("'open"), vec![Illegal]);
        assert_eq!(kinds("\"open"), vec![Illegal]);
        assert_eq!(kinds("[open"), vec![Illegal]);
    }

    #[test]
    fn blobs() {
        assert_eq!(kinds("x'' X'0aFF'"), vec![Blob, Blob]);
        assert_eq!(toks("x'abc'"), vec![(Illegal, "x'abc'")]);
        assert_eq!(toks("x'zz' 1"), vec![(Illegal, "x'zz'"), (Integer, "1")]);
        assert_eq!(toks("x'ab"), vec![(Illegal, "x'ab")]);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("1 0x1F .5 1. 1.5e10 1e+5 2E-3 1_000 0x_1"),
            vec![
                (Integer, "1"),
                (Integer, "0x1F"),
                (Float, ".5"),
                (Float, "1."),
                (Float, "1.5e10"),
                (Float, "1e+5"),
                (Float, "2E-3"),
                (QNumber, "1_000"),
                (Illegal, "0x_1"),
            ]
        );
        // An exponent needs digits; letters glued to a number make it illegal.
        assert_eq!(toks("1e"), vec![(Illegal, "1e")]);
        assert_eq!(toks("1e+"), vec![(Illegal, "1e"), (Plus, "+")]);
        assert_eq!(toks("12abc"), vec![(Illegal, "12abc")]);
        assert_eq!(toks("0x"), vec![(Illegal, "0x")]);
        assert_eq!(toks("1..2"), vec![(Float, "1."), (Float, ".2")]);
        assert_eq!(toks("a.b"), vec![(Id, "a"), (Dot, "."), (Id, "b")]);
        assert_eq!(dequote_number("1_000"), Some(("1000".into(), false)));
        assert_eq!(dequote_number("1_0.2_5e1_0"), Some(("10.25e10".into(), true)));
        assert_eq!(dequote_number("0xA_B"), Some(("0xAB".into(), false)));
        assert_eq!(dequote_number("1__0"), None);
        assert_eq!(dequote_number("1_"), None);
        assert_eq!(dequote_number("1_.5"), None);
    }

    #[test]
    fn variables() {
        assert_eq!(
            toks("? ?12 :a @b $c $d::e(f) #g"),
            vec![
                (Variable, "?"),
                (Variable, "?12"),
                (Variable, ":a"),
                (Variable, "@b"),
                (Variable, "$c"),
                (Variable, "$d::e(f)"),
                (Variable, "#g"),
            ]
        );
        assert_eq!(kinds(": @ $"), vec![Illegal, Illegal, Illegal]);
        assert_eq!(toks("$a(b c)"), vec![(Illegal, "$a(b"), (Id, "c"), (RParen, ")")]);
    }

    #[test]
    fn operators() {
        assert_eq!(
            kinds("|| -> ->> << >> <= >= == = != <> < > & | ~ + - * / % , ; ( ) ."),
            vec![
                Concat, Ptr, Ptr2, LShift, RShift, Le, Ge, Eq, Eq, Ne, Ne, Lt, Gt, BitAnd, BitOr, BitNot, Plus, Minus,
                Star, Slash, Rem, Comma, Semi, LParen, RParen, Dot
            ]
        );
        assert_eq!(toks("!"), vec![(Illegal, "!")]);
        assert_eq!(toks("\\"), vec![(Illegal, "\\")]);
    }

    #[test]
    fn comments_and_space() {
        let all: Vec<_> = Lexer::new("a -- c\nb /* d */ c /* open").map(|t| t.kind).collect();
        assert_eq!(all, vec![Id, Space, Comment, Space, Id, Space, Comment, Space, Id, Space, Comment]);
        // "/*" at the very end is a slash and a star, as in SQLite.
        assert_eq!(kinds("a /*"), vec![Id, Slash, Star]);
        assert_eq!(kinds("a /"), vec![Id, Slash]);
        // A vertical tab cannot start whitespace, but may continue it.
        assert_eq!(kinds("\u{b}"), vec![Illegal]);
        assert_eq!(Lexer::new(" \u{b}").count(), 1);
        // A BOM is whitespace.
        assert_eq!(kinds("\u{feff}a"), vec![Id]);
    }

    #[test]
    fn nul_ends_input() {
        assert_eq!(kinds("a\0b"), vec![Id]);
        assert_eq!(effective_sql("ab\0cd"), "ab");
    }
}
