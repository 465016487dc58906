//! Random SQL text for `sql_vs_sqlite.rs` and `sql_bad_input.rs`: token soup (SQLite's
//! keywords and pieces of SQL) and hand-written statements (`grammar_cases.sql`) with a few
//! tokens deleted, replaced, inserted or swapped; the schema their names refer to.
#![allow(dead_code)]

use std::path::Path;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use touchstone_engine::sql::keyword::KEYWORDS;
use touchstone_engine::sql::lexer::tokenize;

/// The tables, index and view the statements name.
pub const SCHEMA: &str = "
    CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL);
    CREATE TABLE t2(x, y, z);
    CREATE TABLE t3(a, b UNIQUE, c, UNIQUE(a, c));
    CREATE INDEX i1 ON t1(b);
    CREATE VIEW v1 AS SELECT a, b FROM t1;
";

/// The hand-written statements: one per line; `#` starts a comment line.
pub fn grammar_cases() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/grammar_cases.sql");
    let text = std::fs::read_to_string(path).expect("read grammar cases");
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| l.replace("\\n", "\n")).collect()
}

/// Names of the schema, literals and parameters, for random strings.
const NAMES: &[&str] = &[
    "t1",
    "t2",
    "t3",
    "a",
    "b",
    "c",
    "x",
    "main",
    "v1",
    "i1",
    "\"q\"",
    "[x]",
    "`y`",
    "'s'",
    "x'00'",
    "?2",
    ":p",
    "@p",
    "$p",
    "count",
    "sum",
    "json_each",
    "(SELECT 1)",
    "(",
    ")",
    "(",
    ")",
    ",",
    ",",
];

/// Number literals, a parameter, punctuation, operators, comments and broken tokens, for
/// random strings (`sql_fuzz.rs` uses them too).
pub const SYMBOLS: &[&str] = &[
    "1", "2.5", ".5", "1e5", "1_0", "0x1F", "?", "(", ")", ",", ";", ".", "+", "-", "*", "/", "%", "||", "->", "->>",
    "<<", ">>", "<", "<=", ">", ">=", "=", "==", "!=", "<>", "&", "|", "~", "-- c\n", "/* c */", "!", "'open",
];

/// One random token: a keyword, or a piece (more often SQL's most common words).
pub fn random_token(rng: &mut ChaCha8Rng) -> &'static str {
    const COMMON: &[&str] = &[
        "SELECT", "FROM", "WHERE", "AS", "ON", "JOIN", "LEFT", "AND", "OR", "NOT", "IN", "IS", "NULL", "BY", "ORDER",
        "GROUP", "UNION", "VALUES", "INSERT", "INTO", "UPDATE", "SET", "DELETE", "WITH", "OVER", "FILTER", "WINDOW",
        "LIMIT", "OFFSET", "CREATE", "TABLE", "VIEW", "TRIGGER", "BEGIN", "END",
    ];
    match rng.random_range(0..10) {
        0..=2 => KEYWORDS[rng.random_range(0..KEYWORDS.len())].0,
        3..=5 => COMMON[rng.random_range(0..COMMON.len())],
        6 | 7 => NAMES[rng.random_range(0..NAMES.len())],
        _ => SYMBOLS[rng.random_range(0..SYMBOLS.len())],
    }
}

/// A random statement: token soup (`soup`), or a hand-written statement of `cases` with one
/// to three tokens deleted, replaced, inserted or swapped.
pub fn random_statement(rng: &mut ChaCha8Rng, cases: &[String], soup: bool) -> String {
    if soup {
        let n = rng.random_range(1..24);
        return (0..n).map(|_| random_token(rng)).collect::<Vec<_>>().join(" ");
    }
    let base = &cases[rng.random_range(0..cases.len())];
    let mut tokens: Vec<String> = tokenize(base)
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| base[t.span.start..t.span.end].to_string())
        .collect();
    for _ in 0..rng.random_range(1..=3) {
        let at = rng.random_range(0..=tokens.len());
        match rng.random_range(0..4) {
            0 if at < tokens.len() => {
                tokens.remove(at);
            }
            1 if at < tokens.len() => tokens[at] = random_token(rng).to_string(),
            2 if at + 1 < tokens.len() => tokens.swap(at, at + 1),
            _ => tokens.insert(at, random_token(rng).to_string()),
        }
    }
    tokens.join(" ")
}
