//! Random token soup never panics the lexer, the parser or the schema layer, and whatever
//! parses prints back to SQL that parses to an equal tree.

use proptest::prelude::*;
use touchstone_engine::schema::TableDef;
use touchstone_engine::sql::ast::Stmt;
use touchstone_engine::sql::lexer::tokenize;
use touchstone_engine::sql::{parse_expr, parse_statements};

/// Pieces of SQL: keywords, names, literals, operators, punctuation, comments, junk.
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
    "1",
    "2.5",
    ".5",
    "1e5",
    "1_0",
    "0x1F",
    "?",
    ":p",
    "(",
    ")",
    ",",
    ";",
    ".",
    "+",
    "-",
    "*",
    "/",
    "%",
    "||",
    "->",
    "->>",
    "<<",
    ">>",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "==",
    "!=",
    "<>",
    "&",
    "|",
    "~",
    "-- c\n",
    "/* c */",
    "!",
    "'open",
    "\0",
    "ISNULL",
    "NOTNULL",
    "count",
    "DISTINCT",
    "FOREIGN",
    "CONSTRAINT",
    "SELECT",
    "é",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(PIECES).prop_map(str::to_string),
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
