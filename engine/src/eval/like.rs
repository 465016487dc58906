//! LIKE and GLOB (func.c: `patternCompare`, `likeFunc`).
//!
//! Characters are UTF-8 code points (decoded as `sqlite3Utf8Read` does, invalid sequences
//! included). LIKE folds case for ASCII letters only; `%` matches any run, `_` one character, and
//! an ESCAPE character makes the next pattern character literal. GLOB is case-sensitive with
//! `*`, `?` and `[...]` sets (ranges `a-z`, negation `^`, `]` first in the set is literal).
//! Pattern and text are read as C strings: they end at their first NUL byte.
//!
//! SQLite's matcher recurses once per wildcard run; this one keeps only the latest run, which
//! gives the same answer (a run's result is final for every enclosing run) without recursion.

use super::convert::until_nul;
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::{Value, ValueRef};

/// SQLITE_MAX_LIKE_PATTERN_LENGTH: the longest LIKE or GLOB pattern, in bytes.
pub const MAX_PATTERN_LENGTH: usize = 50_000;

/// Reads the UTF-8 character at `*i` of `z` and moves past it (`sqlite3Utf8Read`); 0 at the end.
/// Continuation bytes are taken however many there are; overlong forms of ASCII and surrogates
/// read as U+FFFD.
pub fn read_utf8(z: &[u8], i: &mut usize) -> u32 {
    let Some(&first) = z.get(*i) else {
        return 0;
    };
    *i += 1;
    let mut c = u32::from(first);
    if c >= 0xc0 {
        c = u32::from(UTF8_TRANS1[(c - 0xc0) as usize]);
        while let Some(&b) = z.get(*i) {
            if b & 0xc0 != 0x80 {
                break;
            }
            c = c.wrapping_shl(6).wrapping_add(u32::from(b & 0x3f));
            *i += 1;
        }
        if c < 0x80 || (c & 0xffff_f800) == 0xd800 {
            c = 0xfffd;
        }
    }
    c
}

/// The value bits of a UTF-8 lead byte 0xc0..=0xff (`sqlite3Utf8Trans1`).
const UTF8_TRANS1: [u8; 64] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00,
    0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
];

/// The number of characters of `z` before its first NUL (`sqlite3Utf8CharLen(z, -1)`).
pub fn utf8_char_len(z: &[u8]) -> usize {
    let z = until_nul(z);
    let mut i = 0;
    let mut n = 0;
    while i < z.len() {
        i = skip_utf8(z, i);
        n += 1;
    }
    n
}

/// The index after the character starting at `i` (`SQLITE_SKIP_UTF8`).
pub fn skip_utf8(z: &[u8], i: usize) -> usize {
    let mut i = i;
    let lead = z[i];
    i += 1;
    if lead >= 0xc0 {
        while i < z.len() && z[i] & 0xc0 == 0x80 {
            i += 1;
        }
    }
    i
}

/// How a pattern is matched (`struct compareInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatternInfo {
    /// `*` or `%` (0: none).
    pub match_all: u32,
    /// `?` or `_` (0: none).
    pub match_one: u32,
    /// `[` for GLOB, 0 for LIKE.
    pub match_set: u32,
    pub no_case: bool,
}

/// GLOB's rules.
pub const GLOB: PatternInfo =
    PatternInfo { match_all: b'*' as u32, match_one: b'?' as u32, match_set: b'[' as u32, no_case: false };
/// LIKE's rules (case-insensitive for ASCII, SQLite's default).
pub const LIKE: PatternInfo =
    PatternInfo { match_all: b'%' as u32, match_one: b'_' as u32, match_set: 0, no_case: true };
/// LIKE with PRAGMA case_sensitive_like=ON.
pub const LIKE_CASE_SENSITIVE: PatternInfo = PatternInfo { no_case: false, ..LIKE };

/// The result of a pattern match (`SQLITE_MATCH`, `SQLITE_NOMATCH`, `SQLITE_NOWILDCARDMATCH`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Match,
    NoMatch,
    /// No match, and no later position of the last wildcard run can match either.
    NoWildcardMatch,
}

/// Where the latest wildcard run resumes the search.
#[derive(Clone, Copy, Debug)]
enum Resume {
    /// Find the next occurrence of one of these ASCII bytes (the character after the run, in
    /// both cases for LIKE); resume the pattern at `pattern` just after it.
    Ascii { stops: [u8; 2], pattern: usize },
    /// Find the next occurrence of this non-ASCII character.
    Char { c: u32, pattern: usize },
    /// GLOB `*[`: retry the set at every position; `pattern` is the `[`.
    Every { pattern: usize },
}

fn to_lower(c: u32) -> u32 {
    if (u32::from(b'A')..=u32::from(b'Z')).contains(&c) { c + 32 } else { c }
}

fn to_upper(c: u32) -> u32 {
    if (u32::from(b'a')..=u32::from(b'z')).contains(&c) { c - 32 } else { c }
}

/// Matches `text` against `pattern` (`patternCompare`). `match_other` is the ESCAPE character
/// for LIKE (0 for none) or `[` for GLOB.
pub fn pattern_compare(pattern: &[u8], text: &[u8], info: &PatternInfo, match_other: u32) -> Match {
    let pat = until_nul(pattern);
    let s = until_nul(text);
    let mut p = 0usize;
    let mut si = 0usize;
    // The latest wildcard run: how to resume, and where the next candidate search starts.
    let mut resume: Option<(Resume, usize)> = None;
    loop {
        match straight(pat, s, &mut p, &mut si, info, match_other) {
            Step::Done(m) => {
                if m != Match::NoMatch || resume.is_none() {
                    return m;
                }
            }
            Step::Wildcard(r) => resume = Some((r, si)),
        }
        // Resume after the latest wildcard run at its next candidate position.
        let Some((r, next)) = resume.as_mut() else {
            return Match::NoMatch;
        };
        match *r {
            Resume::Ascii { stops, pattern } => {
                let found = s[*next..].iter().position(|b| stops.contains(b));
                let Some(offset) = found else {
                    return Match::NoWildcardMatch;
                };
                *next += offset + 1;
                si = *next;
                p = pattern;
            }
            Resume::Char { c, pattern } => {
                let mut i = *next;
                let mut found = false;
                while i < s.len() {
                    if read_utf8(s, &mut i) == c {
                        found = true;
                        break;
                    }
                }
                if !found {
                    return Match::NoWildcardMatch;
                }
                *next = i;
                si = i;
                p = pattern;
            }
            Resume::Every { pattern } => {
                // The candidate positions are `next` itself, then one character on each time.
                if *next >= s.len() {
                    return Match::NoWildcardMatch;
                }
                si = *next;
                *next = skip_utf8(s, *next);
                p = pattern;
            }
        }
    }
}

/// What a straight run of the pattern (up to its next wildcard run) found.
enum Step {
    Done(Match),
    Wildcard(Resume),
}

/// Matches from `*p` in the pattern and `*si` in the text until a result or a wildcard run.
fn straight(pat: &[u8], s: &[u8], p: &mut usize, si: &mut usize, info: &PatternInfo, match_other: u32) -> Step {
    let mut escaped: Option<usize> = None;
    loop {
        let mut c = read_utf8(pat, p);
        if c == 0 {
            return Step::Done(if *si >= s.len() { Match::Match } else { Match::NoMatch });
        }
        if c == info.match_all {
            // Skip further `*`, and consume one character per `?` among them.
            loop {
                c = read_utf8(pat, p);
                if c == info.match_all || (c == info.match_one && info.match_one != 0) {
                    if c == info.match_one && read_utf8(s, si) == 0 {
                        return Step::Done(Match::NoWildcardMatch);
                    }
                } else {
                    break;
                }
            }
            if c == 0 {
                return Step::Done(Match::Match);
            }
            if c == match_other {
                if info.match_set == 0 {
                    c = read_utf8(pat, p);
                    if c == 0 {
                        return Step::Done(Match::NoWildcardMatch);
                    }
                } else {
                    return Step::Wildcard(Resume::Every { pattern: *p - 1 });
                }
            }
            if c < 0x80 {
                let stops = if info.no_case { [to_upper(c) as u8, to_lower(c) as u8] } else { [c as u8, c as u8] };
                return Step::Wildcard(Resume::Ascii { stops, pattern: *p });
            }
            return Step::Wildcard(Resume::Char { c, pattern: *p });
        }
        if c == match_other {
            if info.match_set == 0 {
                c = read_utf8(pat, p);
                if c == 0 {
                    return Step::Done(Match::NoMatch);
                }
                escaped = Some(*p);
            } else {
                // A GLOB set.
                let mut prior: u32 = 0;
                let mut seen = false;
                let mut invert = false;
                let ch = read_utf8(s, si);
                if ch == 0 {
                    return Step::Done(Match::NoMatch);
                }
                let mut c2 = read_utf8(pat, p);
                if c2 == u32::from(b'^') {
                    invert = true;
                    c2 = read_utf8(pat, p);
                }
                if c2 == u32::from(b']') {
                    if ch == u32::from(b']') {
                        seen = true;
                    }
                    c2 = read_utf8(pat, p);
                }
                while c2 != 0 && c2 != u32::from(b']') {
                    let next = pat.get(*p).copied().unwrap_or(0);
                    if c2 == u32::from(b'-') && next != b']' && next != 0 && prior > 0 {
                        c2 = read_utf8(pat, p);
                        if ch >= prior && ch <= c2 {
                            seen = true;
                        }
                        prior = 0;
                    } else {
                        if ch == c2 {
                            seen = true;
                        }
                        prior = c2;
                    }
                    c2 = read_utf8(pat, p);
                }
                if c2 == 0 || seen == invert {
                    return Step::Done(Match::NoMatch);
                }
                continue;
            }
        }
        let c2 = read_utf8(s, si);
        if c == c2 {
            continue;
        }
        if info.no_case && c < 0x80 && c2 < 0x80 && to_lower(c) == to_lower(c2) {
            continue;
        }
        if c == info.match_one && escaped != Some(*p) && c2 != 0 {
            continue;
        }
        return Step::Done(Match::NoMatch);
    }
}

/// `text LIKE pattern [ESCAPE escape]`, the `like(pattern, text[, escape])` function
/// (`likeFunc`): NULL when pattern or text is NULL (or the escape is NULL); 1 or 0 otherwise.
/// Errors: a pattern longer than [`MAX_PATTERN_LENGTH`] bytes, an escape that is not exactly
/// one character (checked before the NULL operands).
pub fn like(
    pattern: ValueRef<'_>,
    text: ValueRef<'_>,
    escape: Option<ValueRef<'_>>,
    info: &PatternInfo,
) -> Result<Value> {
    let pattern_bytes = super::convert::text_bytes(pattern);
    if pattern_bytes.as_ref().map_or(0, Vec::len) > MAX_PATTERN_LENGTH {
        return Err(Error::new(ErrorCode::Error, "LIKE or GLOB pattern too complex"));
    }
    let mut info = *info;
    let match_other = match escape {
        Some(esc) => {
            let Some(esc) = super::convert::text_bytes(esc) else {
                return Ok(Value::Null);
            };
            if utf8_char_len(&esc) != 1 {
                return Err(Error::new(ErrorCode::Error, "ESCAPE expression must be a single character"));
            }
            let mut i = 0;
            let e = read_utf8(&esc, &mut i);
            if e == info.match_all {
                info.match_all = 0;
            }
            if e == info.match_one {
                info.match_one = 0;
            }
            e
        }
        None => info.match_set,
    };
    let (Some(p), Some(t)) = (pattern_bytes, super::convert::text_bytes(text)) else {
        return Ok(Value::Null);
    };
    Ok(Value::Integer(i64::from(pattern_compare(&p, &t, &info, match_other) == Match::Match)))
}

/// `text GLOB pattern`, the `glob(pattern, text)` function.
pub fn glob(pattern: ValueRef<'_>, text: ValueRef<'_>) -> Result<Value> {
    like(pattern, text, None, &GLOB)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str, info: &PatternInfo, other: u32) -> bool {
        pattern_compare(pattern.as_bytes(), text.as_bytes(), info, other) == Match::Match
    }

    #[test]
    fn like_cases() {
        assert!(m("a%", "ABC", &LIKE, 0));
        assert!(m("%b_", "abc", &LIKE, 0));
        assert!(!m("%b_", "ab", &LIKE, 0));
        assert!(m("a\\%", "a%", &LIKE, u32::from(b'\\')));
        assert!(!m("a\\%", "ab", &LIKE, u32::from(b'\\')));
        assert!(m("%é%", "café", &LIKE, 0));
        assert!(!m("É", "é", &LIKE, 0));
        assert!(m("%a%a%a%b", "aaaaaaab", &LIKE, 0));
    }

    #[test]
    fn glob_cases() {
        assert!(m("a*", "abc", &GLOB, u32::from(b'[')));
        assert!(!m("A*", "abc", &GLOB, u32::from(b'[')));
        assert!(m("[a-c]?", "bz", &GLOB, u32::from(b'[')));
        assert!(m("[^a-c]*", "z", &GLOB, u32::from(b'[')));
        assert!(m("*[]]", "x]", &GLOB, u32::from(b'[')));
        assert!(m("*[0-9]", "abc7", &GLOB, u32::from(b'[')));
        assert!(!m("[a-", "a", &GLOB, u32::from(b'[')));
    }
}
