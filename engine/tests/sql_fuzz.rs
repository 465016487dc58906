//! Random token soup never panics the lexer, the parser or the schema layer, and whatever
//! parses prints back to SQL that parses to an equal tree. Statements generated from SQLite's
//! grammar (`tests/sql/generator.rs`) parse as SQLite parses them and round-trip. Nesting 10,000
//! levels deep is an error, never a stack overflow; parse time is linear in the text.

use proptest::prelude::*;
use touchstone_engine::schema::TableDef;
use touchstone_engine::sql::ast::Stmt;
use touchstone_engine::sql::lexer::tokenize;
use touchstone_engine::sql::{parse_expr, parse_statements};

#[path = "sql/generator.rs"]
mod generator;
#[path = "sql/random.rs"]
mod random;

use generator::Gen;

/// Pieces of SQL: keywords, names, literals and junk (operators and punctuation come from
/// `random::SYMBOLS`).
const PIECES: &[&str] = &[
    "CREATE",
    "TABLE",
    "INDEX",
    "UNIQUE",
    "TEMP",
    "IF",
    "NOT",
    "EXISTS",
    "ON",
    "DROP",
    "VIEW",
    "PRIMARY",
    "KEY",
    "ASC",
    "DESC",
    "AUTOINCREMENT",
    "CONFLICT",
    "REPLACE",
    "NULL",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "nocase",
    "REFERENCES",
    "GENERATED",
    "ALWAYS",
    "AS",
    "STORED",
    "WITHOUT",
    "ROWID",
    "STRICT",
    "WHERE",
    "AND",
    "OR",
    "IS",
    "IN",
    "LIKE",
    "ESCAPE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "INTEGER",
    "INT",
    "TEXT",
    "t",
    "a",
    "b",
    "\"q\"",
    "[x]",
    "`y`",
    "'s'",
    "x'00'",
    ":p",
    "\0",
    "ISNULL",
    "NOTNULL",
    "count",
    "DISTINCT",
    "FOREIGN",
    "CONSTRAINT",
    "SELECT",
    "FROM",
    "WHERE",
    "JOIN",
    "LEFT",
    "UNION",
    "ALL",
    "VALUES",
    "WITH",
    "OVER",
    "FILTER",
    "WINDOW",
    "INSERT",
    "INTO",
    "UPDATE",
    "SET",
    "DELETE",
    "ORDER",
    "BY",
    "LIMIT",
    "OFFSET",
    "GROUP",
    "HAVING",
    "RETURNING",
    "*",
    "é",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => prop::sample::select(random::SYMBOLS).prop_map(str::to_string),
            1 => "[ -~]{0,4}",
        ],
        0..40,
    )
    .prop_map(|pieces| pieces.join(" "))
}

/// Valid column-definition pieces, so that random tables parse and exercise the printer.
const COLUMN_PIECES: &[&str] = &[
    "PRIMARY KEY",
    "PRIMARY KEY DESC",
    "NOT NULL",
    "UNIQUE",
    "UNIQUE ON CONFLICT REPLACE",
    "CHECK (a > 0 -- c\n)",
    "CHECK ((1, 2) IN (3))",
    "DEFAULT 1",
    "DEFAULT -1.5",
    "DEFAULT 'x'",
    "DEFAULT (1 + 2 * 3)",
    "DEFAULT true",
    "DEFAULT \"s\"",
    "COLLATE nocase",
    "COLLATE \"rtrim\"",
    "REFERENCES p(x) ON DELETE CASCADE",
    "NOT DEFERRABLE",
    "AS (a || 'x') STORED",
    "GENERATED ALWAYS AS (-a) VIRTUAL",
    "CONSTRAINT c1",
    "NULL",
    "CHECK (a NOT BETWEEN 1 AND 2 OR b IS NOT NULL)",
    "CHECK (CASE a WHEN 1 THEN 2 ELSE ~3 END)",
    "CHECK (CAST(a AS TEXT) LIKE 'x%' ESCAPE '!')",
    "CHECK (count(DISTINCT a) + \"replace\"(a, 1, 2) > ?1)",
    "CHECK (NOT a ISNULL COLLATE binary)",
];

/// Declared types a column may start with.
const TYPES: &[&str] = &["", "INTEGER", "VARCHAR(10)", "'my type'", "unsigned big int", "[x y]"];

fn column_soup() -> impl Strategy<Value = String> {
    (prop::sample::select(TYPES), prop::collection::vec(prop::sample::select(COLUMN_PIECES), 0..6))
        .prop_map(|(type_name, pieces)| format!("{type_name} {}", pieces.join(" ")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn token_soup_never_panics(sql in soup()) {
        let _ = tokenize(&sql);
        let _ = parse_expr(&sql);
        for parsed in parse_statements(&sql) {
            let Ok(parsed) = parsed else { break };
            let printed = parsed.stmt.to_string();
            let reparsed = parse_statements(&printed).next();
            prop_assert!(matches!(reparsed, Some(Ok(_))), "{sql:?} printed as {printed:?}");
            if let Some(Ok(again)) = reparsed {
                prop_assert_eq!(&again.stmt, &parsed.stmt, "{:?} printed as {:?}", sql, printed);
            }
            if let Stmt::CreateTable(table) = &parsed.stmt {
                let _ = TableDef::from_ast(table);
            }
        }
    }

    #[test]
    fn create_table_soup_round_trips(body in soup()) {
        let sql = format!("CREATE TABLE t(a {body})");
        if let Some(Ok(parsed)) = parse_statements(&sql).next() {
            let printed = parsed.stmt.to_string();
            let again = parse_statements(&printed).next();
            prop_assert!(matches!(again, Some(Ok(ref p)) if p.stmt == parsed.stmt), "{sql:?} printed as {printed:?}");
            if let Stmt::CreateTable(table) = &parsed.stmt {
                let _ = TableDef::from_ast(table);
            }
        }
    }

    #[test]
    fn valid_tables_round_trip(columns in prop::collection::vec(column_soup(), 1..4)) {
        let body: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("c{i} {c}"))
            .collect();
        let sql = format!("CREATE TABLE t({}, a, b)", body.join(", "));
        let parsed = parse_statements(&sql).next();
        let Some(Ok(parsed)) = parsed else {
            return Err(TestCaseError::fail(format!("{sql:?} does not parse: {parsed:?}")));
        };
        let printed = parsed.stmt.to_string();
        let again = parse_statements(&printed).next();
        prop_assert!(matches!(again, Some(Ok(ref p)) if p.stmt == parsed.stmt), "{sql:?} printed as {printed:?}");
        if let Stmt::CreateTable(table) = &parsed.stmt {
            let _ = TableDef::from_ast(table);
        }
    }

    #[test]
    fn expression_soup_round_trips(body in soup()) {
        if let Ok(expr) = parse_expr(&body) {
            let printed = expr.to_string();
            let again = parse_expr(&printed);
            prop_assert!(matches!(again, Ok(ref e) if *e == expr), "{body:?} printed as {printed:?}");
        }
    }
}

// ---- generated statements ------------------------------------------------------------------

thread_local! {
    /// Real SQLite, to check that what the engine accepts is valid SQL for it too.
    static SQLITE: rusqlite::Connection = {
        let db = rusqlite::Connection::open_in_memory().expect("open");
        db.execute_batch(
            "CREATE TABLE t1(a, b, c); CREATE TABLE t2(a, b, c); CREATE TABLE \"odd name\"(a, b, c);
             CREATE TABLE br(a, b, c); CREATE TABLE bt(a, b, c); CREATE TABLE str(a, b, c);
             CREATE TEMP TABLE t3(a, b, c); CREATE INDEX i1 ON t1(a);",
        )
        .expect("schema");
        db
    };
}

/// SQLite's verdict on the first statement of `sql`: `Ok` if prepared, else its message and
/// whether it is a syntax error.
fn sqlite_verdict(sql: &str) -> Result<(), (String, bool)> {
    use rusqlite::fallible_iterator::FallibleIterator;
    SQLITE.with(|db| match rusqlite::Batch::new(db, sql).next() {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(_, Some(m)) | rusqlite::Error::SqlInputError { msg: m, .. }) => {
            let syntax = is_syntax(&m);
            Err((m, syntax))
        }
        Err(e) => Err((e.to_string(), false)),
    })
}

/// True for SQLite's syntax-class messages.
fn is_syntax(message: &str) -> bool {
    message == "incomplete input"
        || message.starts_with("unrecognized token: ")
        || (message.starts_with("near \"") && message.ends_with("\": syntax error"))
}

/// Generated statements (4,000 seeds) parse as SQLite parses them, and what parses prints as
/// SQL that parses back to an equal tree and is valid SQL for SQLite too. An engine syntax
/// error must be a SQLite syntax error; another engine error, some SQLite error.
#[test]
fn generated_statements_round_trip() {
    let (mut round_trips, mut both_reject) = (0, 0);
    // SQL_GEN_SEEDS=n explores further.
    let seeds = std::env::var("SQL_GEN_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(4000u64);
    for seed in 0..seeds {
        let sql = Gen::new(seed).statement();
        let sqlite = sqlite_verdict(&sql);
        let parsed = match parse_statements(&sql).next() {
            Some(Ok(parsed)) => parsed,
            Some(Err(e)) => {
                let agrees = match &sqlite {
                    Ok(()) => false,
                    Err((_, syntax)) => *syntax || !is_syntax(e.message()),
                };
                assert!(agrees, "seed {seed}: engine: {}; SQLite: {sqlite:?}; for {sql:?}", e.message());
                both_reject += 1;
                continue;
            }
            None => panic!("seed {seed}: no statement in {sql:?}"),
        };
        assert!(!matches!(sqlite, Err((_, true))), "seed {seed}: SQLite: {sqlite:?}; engine accepts {sql:?}");
        let printed = parsed.stmt.to_string();
        let again = parse_statements(&printed).next();
        assert!(
            matches!(again, Some(Ok(ref p)) if p.stmt == parsed.stmt),
            "seed {seed}: {sql:?}\nprinted as {printed:?}\n{again:?}"
        );
        assert!(!matches!(sqlite_verdict(&printed), Err((_, true))), "seed {seed}: SQLite rejects {printed:?}");
        round_trips += 1;
    }
    println!("generated statements: {round_trips} round trips, {both_reject} rejected by both");
    assert!(round_trips >= 3000, "only {round_trips} generated statements parse");
}

// ---- depth and size ------------------------------------------------------------------------

/// `n` nestings of `open` around `inner`, each closed by `close`.
fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

/// The deep-nesting shapes: subqueries in expressions and in FROM, EXISTS, IN, CTEs, parentheses
/// in expressions and in FROM, function calls, CASE, window specifications.
fn deep_statements(n: usize) -> Vec<String> {
    vec![
        format!("SELECT {}", nest("(SELECT ", "1", ")", n)),
        format!("SELECT * FROM {}", nest("(SELECT * FROM ", "t1", ")", n)),
        format!("SELECT 1 WHERE {}", nest("EXISTS (SELECT 1 WHERE ", "1", ")", n)),
        format!("SELECT {}", nest("1 IN (SELECT ", "1", ")", n)),
        nest("WITH c AS (", "SELECT 1", ") SELECT * FROM c", n),
        format!("SELECT {}", nest("(", "1", ")", n)),
        format!("SELECT * FROM {}", nest("(", "t1", ")", n)),
        format!("SELECT {}", nest("f(", "1", ")", n)),
        format!("SELECT {}", nest("CASE WHEN 1 THEN ", "1", " END", n)),
        format!("SELECT {}", nest("1 + (", "1", ")", n)),
        format!("SELECT {}", nest("- ", "1", "", n)),
        format!("SELECT {}", nest("sum(1) OVER (ORDER BY ", "1", ")", n)),
        format!("INSERT INTO t VALUES ({})", nest("(VALUES (", "1", "))", n)),
        format!("UPDATE t SET a = {}", nest("(SELECT ", "1", ")", n)),
        format!("CREATE VIEW v AS {}", nest("SELECT * FROM (", "SELECT 1", ")", n)),
    ]
}

/// 10,000 levels of nesting of every shape end in SQLite's errors ("Recursion limit",
/// "Expression tree is too large"), never in a stack overflow: in the test's own thread, with
/// its default stack.
#[test]
fn deep_nesting_is_an_error() {
    for sql in deep_statements(10_000) {
        let result = parse_statements(&sql).next().expect("a statement");
        let message = result.expect_err(&sql[..60]).message().to_string();
        assert!(
            message == "Recursion limit" || message.starts_with("Expression tree is too large"),
            "{}...: {message}",
            &sql[..60]
        );
    }
}

/// Trees as deep as the parser accepts print, parse back equal, and drop, within the test
/// thread's default stack.
#[test]
fn deepest_accepted_trees_round_trip() {
    for shape in 0..deep_statements(1).len() {
        // The deepest nesting of this shape that parses (the parser stops at a fixed budget).
        let (mut lo, mut hi) = (1usize, 4096usize);
        while lo + 1 < hi {
            let mid = (lo + hi) / 2;
            let sql = &deep_statements(mid)[shape];
            if matches!(parse_statements(sql).next(), Some(Ok(_))) { lo = mid } else { hi = mid }
        }
        let sql = &deep_statements(lo)[shape];
        let parsed = parse_statements(sql).next().expect("a statement").expect("parses");
        let printed = parsed.stmt.to_string();
        let again = parse_statements(&printed).next().expect("a statement");
        let again = again.unwrap_or_else(|e| panic!("{lo} levels of shape {shape}: {}: {printed:.80}", e.message()));
        assert_eq!(again.stmt, parsed.stmt, "{lo} levels of shape {shape}");
        assert!(lo >= 100, "shape {shape} parses only {lo} levels");
    }
}

/// Parsing is linear in the size of the statement: a 12,800-row INSERT takes about 128 times
/// as long as a 100-row one (the bound, 2,000, leaves room for noisy machines; quadratic work
/// would give 16,384), and a 100-row INSERT parses fast.
#[test]
fn parsing_is_linear() {
    let insert = |rows: usize| {
        let values: Vec<String> = (0..rows).map(|i| format!("({i}, 'name {i}', {i}.5, NULL, ?)")).collect();
        format!("INSERT INTO t(a, b, c, d, e) VALUES {}", values.join(", "))
    };
    let time = |sql: &str, runs: u32| {
        (0..runs)
            .map(|_| {
                let start = std::time::Instant::now();
                let parsed = parse_statements(sql).next().expect("a statement").expect("parses");
                std::hint::black_box(parsed);
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let small = insert(100);
    let large = insert(12_800);
    let (t_small, t_large) = (time(&small, 50), time(&large, 10));
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-9);
    println!("100 rows ({} bytes): {t_small:?}; 12,800 rows: {t_large:?}; ratio {ratio:.0}", small.len());
    assert!(ratio < 2000.0, "parse time grows faster than the text: ratio {ratio:.0}");
    assert!(t_small < std::time::Duration::from_millis(20), "a 100-row INSERT takes {t_small:?}");
}
