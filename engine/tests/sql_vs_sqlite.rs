//! The parser agrees with real SQLite (rusqlite's bundled SQLite) on what is valid SQL.
//!
//! For every statement of the sqllogictest files under ../shared/slt (the `statement` and
//! `query` records, whatever engine they are meant for), for the hand-written statements of
//! `tests/sql/grammar_cases.sql`, and for every statement made by deleting one token of a
//! hand-written statement, the engine's parser must accept exactly the statements SQLite's
//! `prepare` does not reject with a syntax error (`near "X": syntax error`, `incomplete input`,
//! `unrecognized token: "X"`). Where both reject, the messages are compared.
//!
//! SQLite also fails statements for reasons that are not syntax ("no such table"); those
//! count as accepted by SQLite's grammar. Such an error can hide a later syntax error (SQLite
//! stops at the first error), so a statement SQLite fails that way is prepared again on an
//! empty database before it is classified. The tables a file creates are created first, so
//! that name resolution fails rarely.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use rusqlite::fallible_iterator::FallibleIterator;
use touchstone_engine::sql::lexer::tokenize;
use touchstone_engine::sql::parse_statements;

#[path = "sql/random.rs"]
mod random;

use random::{SCHEMA, grammar_cases, random_statement};

/// What a parser said about the first statement of a text.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    /// Accepted, or no statement at all.
    Accepts,
    /// A syntax-class error.
    Syntax(String),
    /// Another error.
    Other(String),
}

/// True for SQLite's syntax-class messages.
fn is_syntax(message: &str) -> bool {
    message == "incomplete input"
        || message.starts_with("unrecognized token: ")
        || (message.starts_with("near \"") && message.ends_with("\": syntax error"))
}

fn classify(message: String) -> Verdict {
    if is_syntax(&message) { Verdict::Syntax(message) } else { Verdict::Other(message) }
}

/// SQLite's verdict on the first statement of `sql`, prepared on `db`.
fn sqlite_prepare(db: &Connection, sql: &str) -> Verdict {
    let mut batch = rusqlite::Batch::new(db, sql);
    match batch.next() {
        Ok(_) => Verdict::Accepts,
        Err(rusqlite::Error::SqliteFailure(_, Some(message)))
        | Err(rusqlite::Error::SqlInputError { msg: message, .. }) => classify(message),
        Err(other) => Verdict::Other(other.to_string()),
    }
}

/// SQLite's verdict, a non-syntax failure checked again on an empty database.
fn sqlite_verdict(db: &Connection, empty: &Connection, sql: &str) -> Verdict {
    match sqlite_prepare(db, sql) {
        Verdict::Other(message) => match sqlite_prepare(empty, sql) {
            syntax @ Verdict::Syntax(_) => syntax,
            _ => Verdict::Other(message),
        },
        verdict => verdict,
    }
}

/// The engine's verdict on the first statement of `sql`.
fn engine_verdict(sql: &str) -> Verdict {
    match parse_statements(sql).next() {
        None | Some(Ok(_)) => Verdict::Accepts,
        Some(Err(e)) => classify(e.message().to_string()),
    }
}

/// Counts of one comparison run.
#[derive(Default)]
struct Tally {
    name: &'static str,
    statements: usize,
    agree: usize,
    both_reject: usize,
    same_message: usize,
    sqlite_other: usize,
    /// SQLite failed for a reason other than syntax in a statement where it checks names
    /// while parsing (see [`checks_names_mid_statement`]), and the engine failed otherwise:
    /// what SQLite would have found after its failure cannot be told.
    inconclusive: usize,
    disagreements: Vec<String>,
    message_differences: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Tally {
        Tally { name, ..Tally::default() }
    }

    /// Compares the two verdicts on `sql`.
    fn compare(&mut self, sql: &str, sqlite: &Verdict, engine: &Verdict) {
        self.statements += 1;
        let agree = match (sqlite, engine) {
            (Verdict::Syntax(s), Verdict::Syntax(e) | Verdict::Other(e)) => {
                self.both_reject += 1;
                if s == e {
                    self.same_message += 1;
                } else {
                    self.message_differences.push(format!("{sql:?}\n    sqlite: {s}\n    engine: {e}"));
                }
                true
            }
            (Verdict::Syntax(_), Verdict::Accepts) => false,
            (Verdict::Accepts, engine) => *engine == Verdict::Accepts,
            (Verdict::Other(s), engine) => {
                self.sqlite_other += 1;
                match engine {
                    Verdict::Accepts => true,
                    Verdict::Other(e) if s == e => true,
                    _ if checks_names_mid_statement(sql) => {
                        self.inconclusive += 1;
                        self.statements -= 1;
                        return;
                    }
                    _ => false,
                }
            }
        };
        if agree {
            self.agree += 1;
        } else {
            self.disagreements.push(format!("{sql:?}\n    sqlite: {sqlite:?}\n    engine: {engine:?}"));
        }
    }

    /// A one-paragraph report, with the first differences.
    fn report(&self) -> String {
        let pct = |a: usize, b: usize| if b == 0 { 100.0 } else { 100.0 * a as f64 / b as f64 };
        let mut out = format!(
            "{}: {} statements compared, agreement {}/{} ({:.3}%), SQLite non-syntax failures {}, both reject {}, \
             same message {} ({:.2}%), inconclusive {}\n",
            self.name,
            self.statements,
            self.agree,
            self.statements,
            pct(self.agree, self.statements),
            self.sqlite_other,
            self.both_reject,
            self.same_message,
            pct(self.same_message, self.both_reject),
            self.inconclusive,
        );
        for d in self.disagreements.iter().take(40) {
            let _ = writeln!(out, "  DISAGREE {d}");
        }
        for d in self.message_differences.iter().take(40) {
            let _ = writeln!(out, "  MESSAGE {d}");
        }
        out
    }
}

/// True for the statements in which SQLite resolves names before it has parsed the whole
/// statement (CREATE TABLE and CREATE VIRTUAL TABLE in `sqlite3StartTable`, CREATE TRIGGER in
/// `sqlite3BeginTrigger`, ALTER TABLE ADD in `sqlite3AlterBeginAddColumn`): a failure there
/// hides any later syntax error.
fn checks_names_mid_statement(sql: &str) -> bool {
    let words: Vec<String> = tokenize(sql)
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .take(3)
        .map(|t| sql[t.span.start..t.span.end].to_ascii_uppercase())
        .collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["EXPLAIN", ..] => false,
        ["ALTER", ..] => true,
        ["CREATE", "TEMP" | "TEMPORARY", second] => matches!(*second, "TABLE" | "TRIGGER"),
        ["CREATE", second, ..] => matches!(*second, "TABLE" | "TRIGGER" | "VIRTUAL"),
        _ => false,
    }
}

/// The SQL of the `statement` and `query` records of a sqllogictest file.
fn slt_statements(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let is_statement = line.starts_with("statement ");
        if !is_statement && !line.starts_with("query ") {
            continue;
        }
        let mut sql = Vec::new();
        for line in lines.by_ref() {
            if line.trim().is_empty() || line == "----" {
                break;
            }
            sql.push(line);
        }
        if !sql.is_empty() {
            out.push((is_statement, sql.join("\n")));
        }
    }
    out
}

/// The sqllogictest files, sorted.
fn slt_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/slt");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "test") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// True for statements that change the schema (run on SQLite so that later names resolve).
fn is_ddl(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    upper.starts_with("CREATE") || upper.starts_with("DROP") || upper.starts_with("ALTER")
}

#[test]
fn sqllogictest_statements_match_sqlite() {
    let files = slt_files();
    assert!(!files.is_empty(), "no sqllogictest files under ../shared/slt");
    let empty = Connection::open_in_memory().expect("open");
    let mut tally = Tally::new("sqllogictest");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read slt file");
        let db = Connection::open_in_memory().expect("open");
        for (is_statement, sql) in slt_statements(&text) {
            let sqlite = sqlite_verdict(&db, &empty, &sql);
            tally.compare(&sql, &sqlite, &engine_verdict(&sql));
            if is_statement && is_ddl(&sql) {
                let _ = db.execute_batch(&sql);
            }
        }
    }
    let report = tally.report();
    println!("{report}");
    assert!(tally.statements > 75_000, "{report}");
    assert!(tally.disagreements.is_empty(), "{report}");
    assert_eq!(tally.same_message, tally.both_reject, "{report}");
}

/// The schema the hand-written statements run against.
fn schema_db() -> Connection {
    let db = Connection::open_in_memory().expect("open");
    db.execute_batch(SCHEMA).expect("schema");
    db
}

#[test]
fn hand_written_statements_match_sqlite() {
    let cases = grammar_cases();
    let db = schema_db();
    let empty = Connection::open_in_memory().expect("open");
    let mut tally = Tally::new("hand-written");
    let mut accepted = 0;
    for sql in &cases {
        let sqlite = sqlite_verdict(&db, &empty, sql);
        accepted += usize::from(!matches!(sqlite, Verdict::Syntax(_)));
        tally.compare(sql, &sqlite, &engine_verdict(sql));
    }
    let report = tally.report();
    println!("{report}  ({accepted} of them valid SQL for SQLite's grammar)");
    assert!(tally.statements >= 300, "{report}");
    assert!(tally.disagreements.is_empty(), "{report}");
    assert_eq!(tally.same_message, tally.both_reject, "{report}");
}

/// Every statement made by deleting one token (trivia aside) of a hand-written statement.
#[test]
fn token_deletions_match_sqlite() {
    let db = schema_db();
    let empty = Connection::open_in_memory().expect("open");
    let mut tally = Tally::new("one-token deletions");
    for sql in grammar_cases() {
        let tokens: Vec<_> = tokenize(&sql).into_iter().filter(|t| !t.kind.is_trivia()).collect();
        for t in &tokens {
            let mutant = format!("{}{}", &sql[..t.span.start], &sql[t.span.end..]);
            let sqlite = sqlite_verdict(&db, &empty, &mutant);
            tally.compare(&mutant, &sqlite, &engine_verdict(&mutant));
        }
    }
    let report = tally.report();
    println!("{report}");
    assert!(tally.disagreements.is_empty(), "{report}");
    assert_eq!(tally.same_message, tally.both_reject, "{report}");
}

/// 100,000 random token strings: half token soup, half hand-written statements with one to
/// three tokens deleted, replaced, inserted or swapped. Every one ends in the engine's verdict
/// without a panic; the verdicts are compared with SQLite's.
#[test]
fn random_token_strings_match_sqlite() {
    let db = schema_db();
    let empty = Connection::open_in_memory().expect("open");
    let cases = grammar_cases();
    // SQL_RANDOM_SEED and SQL_RANDOM_COUNT explore further.
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let mut rng = ChaCha8Rng::seed_from_u64(env("SQL_RANDOM_SEED", 0x5eed_5175));
    let mut tally = Tally::new("random token strings");
    for i in 0..env("SQL_RANDOM_COUNT", 100_000) {
        let sql = random_statement(&mut rng, &cases, i % 2 == 0);
        let sqlite = sqlite_verdict(&db, &empty, &sql);
        tally.compare(&sql, &sqlite, &engine_verdict(&sql));
    }
    let report = tally.report();
    println!("{report}");
    assert!(tally.disagreements.is_empty(), "{report}");
    assert_eq!(tally.same_message, tally.both_reject, "{report}");
}

/// The text kept for naming an unaliased result column is the name SQLite gives it, and an
/// alias is the name it gives an aliased one (plain column references, which SQLite names by
/// the table's column, aside).
#[test]
fn result_column_names_match_sqlite() {
    use touchstone_engine::sql::ast::{Expr, ResultColumn, SelectCore, Stmt};
    let db = schema_db();
    let statements = [
        "SELECT 1, 2.5, 'x', NULL, x'00'",
        "SELECT a+1, a + 1, a  +  1 FROM t1",
        "SELECT a+1 /* comment */ , b||'x'-- trailing\n FROM t1",
        "SELECT count(*), max(a) AS m, (SELECT 1) FROM t1",
        "SELECT a AS \"Quoted Name\", b [bracket], c 'str', a AS x FROM t1",
        "SELECT CAST(a AS TEXT), a COLLATE nocase, -a, NOT a FROM t1",
        "SELECT CASE WHEN a THEN 1 END, a IN (1, 2), EXISTS (SELECT 1) FROM t1",
        "SELECT\n  a * 2\n  ,\tb\n FROM t1",
        "SELECT ?1 + :p, @q",
        "SELECT 1 AS a UNION SELECT 2 ORDER BY 1",
        "SELECT abs(-1), lower('A') , upper ( 'b' ) FROM t1",
        "SELECT sum(a) OVER (ORDER BY b), 'it''s' FROM t1",
    ];
    let mut checked = 0;
    for sql in statements {
        let sqlite: Vec<String> = db.prepare(sql).expect(sql).column_names().map(str::to_string).collect();
        let parsed = parse_statements(sql).next().expect("a statement").expect(sql);
        let Stmt::Select(select) = parsed.stmt else { panic!("{sql}") };
        let SelectCore::Select(core) = &select.first else { panic!("{sql}") };
        assert_eq!(core.columns.len(), sqlite.len(), "{sql}");
        for (column, name) in core.columns.iter().zip(&sqlite) {
            let ResultColumn::Expr { expr, alias, text } = column else { continue };
            let engine = match (alias, expr) {
                (Some(alias), _) => alias.name.clone(),
                (None, Expr::Column(_)) => continue,
                (None, _) => text.0.clone(),
            };
            assert_eq!(&engine, name, "{sql}");
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} names checked");
}

/// A tool: `SQL_PROBE=file cargo test --test sql_vs_sqlite probe -- --ignored --nocapture`
/// prints both verdicts for every line of the file.
#[test]
#[ignore]
fn probe() {
    let Ok(path) = std::env::var("SQL_PROBE") else { return };
    let db = schema_db();
    let empty = Connection::open_in_memory().expect("open");
    for sql in std::fs::read_to_string(path).expect("read").lines().filter(|l| !l.trim().is_empty()) {
        let sql = sql.replace("\\n", "\n");
        let sqlite = sqlite_verdict(&db, &empty, &sql);
        let engine = engine_verdict(&sql);
        let mark = if sqlite == engine { "same" } else { "DIFF" };
        println!("{mark} {sql:?}\n     sqlite: {sqlite:?}\n     engine: {engine:?}");
        if let Some(Ok(parsed)) = parse_statements(&sql).next() {
            println!("     printed: {}", parsed.stmt);
        }
    }
}
