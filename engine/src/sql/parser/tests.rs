//! Unit tests of the parser: precedence, statements, errors, limits, stored text, round trips.

use super::*;
use crate::sql::ast::{ColumnConstraintKind, DropKind, Literal, QualifiedName, TableConstraintKind, TableOption};

/// The fully parenthesized form of an expression.
fn shape(sql: &str) -> String {
    match parse_expr(sql) {
        Ok(expr) => expr.parenthesized().to_string(),
        Err(e) => panic!("{sql}: {}", e.message()),
    }
}

/// The error message for `sql`.
fn error(sql: &str) -> String {
    let result: Result<Vec<_>> = parse_statements(sql).collect();
    match result {
        Ok(stmts) => panic!("{sql} parsed: {stmts:?}"),
        Err(e) => e.message().to_string(),
    }
}

fn one(sql: &str) -> ParsedStatement {
    match parse_statement(sql) {
        Ok(parsed) => parsed,
        Err(e) => panic!("{sql}: {}", e.message()),
    }
}

fn create_table(sql: &str) -> crate::sql::ast::CreateTable {
    match one(sql).stmt {
        Stmt::CreateTable(table) => table,
        other => panic!("{other:?}"),
    }
}

#[test]
fn arithmetic_precedence() {
    assert_eq!(shape("1+2*3"), "1 + (2 * 3)");
    assert_eq!(shape("1*2+3"), "(1 * 2) + 3");
    assert_eq!(shape("1 - 2 - 3"), "(1 - 2) - 3");
    assert_eq!(shape("a || b -> c ->> d"), "((a || b) -> c) ->> d");
    assert_eq!(shape("a + b || c"), "a + (b || c)");
    assert_eq!(shape("a & b + c"), "a & (b + c)");
    assert_eq!(shape("a << 1 < b"), "(a << 1) < b");
    assert_eq!(shape("a % b / c * d"), "((a % b) / c) * d");
}

#[test]
fn logical_precedence() {
    assert_eq!(shape("a OR b AND c"), "a OR (b AND c)");
    assert_eq!(shape("a AND b OR c"), "(a AND b) OR c");
    assert_eq!(shape("NOT a = b"), "NOT (a = b)");
    assert_eq!(shape("NOT a AND b"), "(NOT a) AND b");
    assert_eq!(shape("NOT NOT a"), "NOT (NOT a)");
    assert_eq!(shape("a = NOT b = c"), "a = (NOT (b = c))");
    assert_eq!(shape("a < b = c"), "(a < b) = c");
    assert_eq!(shape("a = b < c"), "a = (b < c)");
    assert_eq!(shape("a == b != c <> d"), "((a = b) <> c) <> d");
}

#[test]
fn is_and_null_tests() {
    assert_eq!(shape("a IS NOT NULL"), "a IS NOT NULL");
    assert_eq!(shape("a IS NULL"), "a IS NULL");
    assert_eq!(shape("a IS NOT DISTINCT FROM b"), "a IS b");
    assert_eq!(shape("a IS DISTINCT FROM b"), "a IS NOT b");
    assert_eq!(shape("a ISNULL"), "a ISNULL");
    assert_eq!(shape("a NOT NULL"), "a NOTNULL");
    assert_eq!(shape("a = b ISNULL"), "(a = b) ISNULL");
    assert_eq!(shape("a + b NOT NULL"), "(a + b) NOTNULL");
    assert_eq!(shape("NOT a ISNULL"), "NOT (a ISNULL)");
    assert_eq!(shape("a ISNULL = b"), "(a ISNULL) = b");
    assert_eq!(shape("a IS NOT NOT b"), "a IS NOT (NOT b)");
}

#[test]
fn between_like_in() {
    assert_eq!(shape("x NOT BETWEEN 1 AND 2 AND y"), "(x NOT BETWEEN 1 AND 2) AND y");
    assert_eq!(shape("x BETWEEN a = b AND c"), "x BETWEEN (a = b) AND c");
    assert_eq!(shape("x BETWEEN 1 AND 2 + 3"), "x BETWEEN 1 AND (2 + 3)");
    assert_eq!(shape("x BETWEEN 1 AND 2 = y"), "(x BETWEEN 1 AND 2) = y");
    assert_eq!(shape("a NOT LIKE 'x%' ESCAPE '\\'"), "a NOT LIKE 'x%' ESCAPE '\\'");
    assert_eq!(shape("a LIKE b ESCAPE c || d"), "a LIKE b ESCAPE (c || d)");
    assert_eq!(shape("a LIKE b ESCAPE c = d"), "(a LIKE b ESCAPE c) = d");
    assert_eq!(shape("a GLOB b AND c REGEXP d"), "(a GLOB b) AND (c REGEXP d)");
    assert_eq!(shape("a NOT MATCH b"), "a NOT MATCH b");
    assert_eq!(shape("x IN (1, 2)"), "x IN (1, 2)");
    assert_eq!(shape("x NOT IN ()"), "x NOT IN ()");
    assert_eq!(shape("x IN t"), "x IN t");
    assert_eq!(shape("x NOT IN main.f(1, 2)"), "x NOT IN main.f(1, 2)");
    assert_eq!(shape("x IN (1) = y"), "(x IN (1)) = y");
}

#[test]
fn collate_and_unary() {
    assert_eq!(shape("a COLLATE nocase || b"), "(a COLLATE nocase) || b");
    assert_eq!(shape("a || b COLLATE nocase"), "a || (b COLLATE nocase)");
    assert_eq!(shape("-a COLLATE x"), "(-a) COLLATE x");
    assert_eq!(shape("- 1 * 2"), "(-1) * 2");
    assert_eq!(shape("-1"), "-1");
    assert_eq!(shape("- -1"), "-(-1)");
    assert_eq!(shape("+-~1"), "+(-(~1))");
    assert_eq!(shape("1 - -2"), "1 - (-2)");
    assert_eq!(shape("a COLLATE \"x y\""), "a COLLATE \"x y\"");
    let expr = parse_expr("-9223372036854775808").expect("parses");
    assert_eq!(
        expr,
        Expr::Unary {
            op: crate::sql::ast::UnaryOp::Neg,
            operand: Box::new(Expr::Literal(Literal::Integer("9223372036854775808".into()))),
        }
    );
}

#[test]
fn terms() {
    assert_eq!(shape("count(*)"), "count(*)");
    assert_eq!(shape("count(DISTINCT a)"), "count(DISTINCT a)");
    assert_eq!(shape("group_concat(ALL a, ',' ORDER BY b DESC)"), "group_concat(a, ',' ORDER BY b DESC)");
    assert_eq!(shape("f()"), "f()");
    assert_eq!(shape("replace(a, 'x', 'y')"), "\"replace\"(a, 'x', 'y')");
    assert_eq!(shape("left(a)"), "\"left\"(a)");
    assert_eq!(shape("CAST(a AS VARCHAR(10))"), "CAST(a AS VARCHAR(10))");
    assert_eq!(shape("CAST(a AS)"), "CAST(a AS )");
    assert_eq!(shape("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"), "CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END");
    assert_eq!(shape("CASE x WHEN 1 THEN 'a' END"), "CASE x WHEN 1 THEN 'a' END");
    assert_eq!(shape("(1, 2) = (a, b)"), "(1, 2) = (a, b)");
    assert_eq!(shape("((a))"), "a");
    assert_eq!(shape("main.t.a + t.b + 't'.c"), "(main.t.a + t.b) + t.c");
    assert_eq!(shape("\"a b\" + [c] + `d`"), "(\"a b\" + c) + d");
    assert_eq!(shape("key + rowid + replace"), "(`key` + rowid) + `replace`");
    assert_eq!(shape("x'0aff' || 'it''s' || NULL"), "(X'0AFF' || 'it''s') || NULL");
    assert_eq!(shape("1_000 + 0x1F + 1.5e3 + .5"), "((1000 + 0x1F) + 1.5e3) + .5");
    // `?` takes the next number; `?1` is number 1 again.
    assert_eq!(shape("? + ?1 + :a + @b + $c"), "(((?1 + ?1) + :a) + @b) + $c");
    assert_eq!(shape("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
    assert_eq!(shape("RAISE(ABORT, 'no')"), "RAISE(ABORT, 'no')");
    assert_eq!(shape("RAISE(IGNORE)"), "RAISE(IGNORE)");
    assert_eq!(shape("filter + over + window"), "(`filter` + `over`) + `window`");
}

#[test]
fn expression_errors() {
    let err = |sql: &str| parse_expr(sql).expect_err(sql).message().to_string();
    assert_eq!(err("a NOT 5"), "near \"5\": syntax error");
    assert_eq!(err("1 +"), "incomplete input");
    assert_eq!(err("cast"), "incomplete input");
    assert_eq!(err("#1"), "near \"#1\": syntax error");
    assert_eq!(err("1__0"), "unrecognized token: \"1__0\"");
    assert_eq!(err("1e"), "unrecognized token: \"1e\"");
    assert_eq!(err("a ! b"), "unrecognized token: \"!\"");
    assert_eq!(err("(SELECT 1"), "incomplete input");
    assert_eq!(err("EXISTS SELECT 1"), "near \"SELECT\": syntax error");
    assert_eq!(err("sum(x) OVER"), "near \"OVER\": syntax error");
    assert_eq!(err("?0"), "variable number must be between ?1 and ?32766");
    assert_eq!(err("CASE END"), "incomplete input");
}

#[test]
fn depth_limits() {
    // SQLite: a tree of height 1000 is fine, 1001 is too large.
    let too_large = "Expression tree is too large (maximum depth 1000)";
    assert!(parse_expr(&vec!["1"; 1000].join("+")).is_ok());
    assert_eq!(parse_expr(&vec!["1"; 1001].join("+")).unwrap_err().message(), too_large);
    assert!(parse_expr(&format!("{}1", "- ".repeat(999))).is_ok());
    assert_eq!(parse_expr(&format!("{}1", "- ".repeat(1000))).unwrap_err().message(), too_large);
    assert_eq!(parse_expr(&format!("{}1", "NOT ".repeat(1000))).unwrap_err().message(), too_large);
    // Parentheses make no node. Deep nesting ends in SQLite's "Recursion limit" (at SQLite's
    // parser-stack depth, or earlier at this parser's stack budget), never in a stack
    // overflow. This runs on the test's own thread, with its default stack.
    let parens = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
    assert!(parse_expr(&parens(100)).is_ok());
    assert_eq!(parse_expr(&parens(10_000)).unwrap_err().message(), "Recursion limit");
    let right_nested = |n: usize| format!("{}1{}", "1+(".repeat(n), ")".repeat(n));
    assert!(parse_expr(&right_nested(100)).is_ok());
    assert_eq!(parse_expr(&right_nested(900)).unwrap_err().message(), "Recursion limit");
    let calls = |n: usize| format!("{}1{}", "f(".repeat(n), ")".repeat(n));
    assert!(parse_expr(&calls(100)).is_ok());
    assert_eq!(parse_expr(&calls(10_000)).unwrap_err().message(), "Recursion limit");
    let sql = format!("CREATE TABLE t(a CHECK({}))", parens(10_000));
    assert_eq!(error(&sql), "Recursion limit");
}

#[test]
fn create_table_statement() {
    let table = create_table(
        "CREATE TEMP TABLE IF NOT EXISTS main.\"t 1\"(\
            id INTEGER PRIMARY KEY DESC ON CONFLICT REPLACE AUTOINCREMENT, \
            name VARCHAR(10, 2) NOT NULL COLLATE nocase DEFAULT 'x', \
            k key, \
            c CONSTRAINT pos CHECK (c > 0) REFERENCES p(x) ON DELETE CASCADE NOT DEFERRABLE, \
            g AS (c * 2) STORED, \
            CONSTRAINT pk UNIQUE (name, k DESC), CHECK (k <> 0) ON CONFLICT IGNORE, \
            FOREIGN KEY (k) REFERENCES p(y) MATCH FULL DEFERRABLE INITIALLY DEFERRED\
        ) WITHOUT ROWID, STRICT",
    );
    assert!(table.temp && table.if_not_exists);
    assert_eq!(table.name, QualifiedName { schema: Some("main".into()), name: "t 1".into() });
    assert_eq!(table.columns.len(), 5);
    assert_eq!(table.columns[1].type_name.as_deref(), Some("VARCHAR(10, 2)"));
    assert_eq!(table.columns[2].type_name.as_deref(), Some("key"));
    assert_eq!(table.columns[3].constraints[0].name.as_deref(), Some("pos"));
    assert_eq!(table.columns[3].constraints[1].name.as_deref(), Some("pos"));
    assert!(matches!(
        table.columns[4].constraints[0].kind,
        ColumnConstraintKind::Generated { ref storage, .. } if storage.as_deref() == Some("STORED")
    ));
    assert_eq!(table.constraints.len(), 3);
    assert_eq!(table.constraints[0].name.as_deref(), Some("pk"));
    assert_eq!(table.constraints[1].name, None);
    assert!(matches!(table.constraints[2].kind, TableConstraintKind::ForeignKey { .. }));
    assert_eq!(table.options, vec![TableOption::WithoutRowid, TableOption::Strict]);
}

#[test]
fn keywords_as_names() {
    let table = create_table(
        "CREATE TABLE key(replace, like, left, indexed, 'str', \"select\", [from], `where`, \
         cast, current_time, temp)",
    );
    let names: Vec<_> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["replace", "like", "left", "indexed", "str", "select", "from", "where", "cast", "current_time", "temp"]
    );
    assert_eq!(table.name.name, "key");
    assert_eq!(error("CREATE TABLE if(x)"), "near \"(\": syntax error");
    assert_eq!(error("CREATE TABLE t(select)"), "near \"select\": syntax error");
    assert_eq!(error("CREATE TABLE t(a left)"), "near \"left\": syntax error");
}

#[test]
fn default_values() {
    let table = create_table(
        "CREATE TABLE t(a DEFAULT - 1, b DEFAULT ( 1 + 2 ) , c DEFAULT \"abc\", d DEFAULT true, \
         e DEFAULT 'x', f DEFAULT x'00', g DEFAULT current_time, h DEFAULT +5, i DEFAULT (-1), \
         j DEFAULT replace, k DEFAULT 1_000)",
    );
    let defaults: Vec<_> = table
        .columns
        .iter()
        .map(|c| match &c.constraints[0].kind {
            ColumnConstraintKind::Default(d) => (d.text.clone(), d.expr.to_string()),
            other => panic!("{other:?}"),
        })
        .collect();
    let expected = [
        ("- 1", "-1"),
        ("1 + 2", "1 + 2"),
        ("\"abc\"", "'abc'"),
        ("true", "TRUE"),
        ("'x'", "'x'"),
        ("x'00'", "X'00'"),
        ("current_time", "CURRENT_TIME"),
        ("+5", "5"),
        ("-1", "-1"),
        ("replace", "'replace'"),
        ("1_000", "1000"),
    ];
    for (got, want) in defaults.iter().zip(expected) {
        assert_eq!((got.0.as_str(), got.1.as_str()), want);
    }
    assert_eq!(error("CREATE TABLE t(a DEFAULT left)"), "near \"left\": syntax error");
    assert_eq!(error("CREATE TABLE t(a DEFAULT -x)"), "near \"x\": syntax error");
}

#[test]
fn statement_errors() {
    assert_eq!(error("CREATE TABLE t(a NOT 5)"), "near \"5\": syntax error");
    assert_eq!(error("CREATE TABLE t(a"), "incomplete input");
    assert_eq!(error("CREATE TABLE t(a;"), "near \";\": syntax error");
    assert_eq!(error("CREATE TABLE t(a, b) ! x"), "unrecognized token: \"!\"");
    assert_eq!(error("CREATE TABLE t()"), "near \")\": syntax error");
    assert_eq!(error("CREATE TABLE t(a,)"), "near \")\": syntax error");
    assert_eq!(error("CREATE TABLE t(a) WITHOUT foo"), "unknown table option: foo");
    assert_eq!(error("CREATE TABLE t(a) \"strict\""), "unknown table option: \"strict\"");
    assert_eq!(error("CREATE TABLE t AS SELECT"), "incomplete input");
    assert_eq!(error("CREATE TEMP INDEX i ON t(a)"), "near \"INDEX\": syntax error");
    assert_eq!(error("SELECT 1 FROM"), "incomplete input");
    assert_eq!(error("foo"), "near \"foo\": syntax error");
    assert_eq!(error("DROP TABLE"), "incomplete input");
    assert_eq!(error("CREATE INDEX i ON t(a) x"), "near \"x\": syntax error");
}

#[test]
fn index_and_drop() {
    let parsed = one("CREATE UNIQUE INDEX IF NOT EXISTS s.i ON t(a COLLATE nocase DESC, b + 1) WHERE a > 0");
    let Stmt::CreateIndex(index) = parsed.stmt else { panic!() };
    assert!(index.unique && index.if_not_exists);
    assert_eq!(index.name.schema_name(), Some("s"));
    assert_eq!(index.columns.len(), 2);
    assert_eq!(index.columns[0].to_string(), "a COLLATE nocase DESC");
    assert!(index.where_clause.is_some());
    for (sql, kind) in [
        ("DROP TABLE IF EXISTS main.t", DropKind::Table),
        ("DROP INDEX i", DropKind::Index),
        ("drop view v", DropKind::View),
    ] {
        let Stmt::Drop(drop) = one(sql).stmt else { panic!() };
        assert_eq!(drop.kind, kind);
        assert_eq!(drop.to_string().to_lowercase(), sql.to_lowercase());
    }
}

#[test]
fn statements_and_spans() {
    let sql = " ; CREATE TABLE a(x);;\nCREATE INDEX i ON a(x) -- c\n ; DROP TABLE a";
    let parsed: Vec<_> = parse_statements(sql).map(|r| r.expect("parses")).collect();
    assert_eq!(parsed.len(), 3);
    assert_eq!(parsed[0].span.text(sql), "CREATE TABLE a(x)");
    assert_eq!(parsed[1].span.text(sql), "CREATE INDEX i ON a(x)");
    assert_eq!(parsed[2].span.text(sql), "DROP TABLE a");
    // A later error does not hide earlier statements.
    let mut it = parse_statements("CREATE TABLE a(x); CREATE TABLE (");
    assert!(it.next().is_some_and(|r| r.is_ok()));
    assert!(it.next().is_some_and(|r| r.is_err()));
    assert!(it.next().is_none());
    assert!(parse_statements(" ;; -- nothing").next().is_none());
}

#[test]
fn stored_text() {
    let stored = |sql: &str| one(sql).schema_sql.expect("stored text");
    assert_eq!(stored("CREATE TABLE t(a)"), "CREATE TABLE t(a)");
    assert_eq!(
        stored("create temp table if not exists main . \"x y\" ( a /* c */ ) ; "),
        "CREATE TABLE \"x y\" ( a /* c */ )"
    );
    assert_eq!(
        stored("CREATE TABLE t2(a PRIMARY KEY) WITHOUT ROWID  /* c */ ;"),
        "CREATE TABLE t2(a PRIMARY KEY) WITHOUT ROWID  /* c */ "
    );
    assert_eq!(stored("CREATE TABLE t(a) STRICT -- x\n"), "CREATE TABLE t(a) STRICT -- x\n");
    assert_eq!(stored("CREATE TABLE t(a)  /* c */ ;"), "CREATE TABLE t(a)");
    assert_eq!(stored("create unique index main.i1 on t4(a)  /* c */ ;"), "CREATE UNIQUE INDEX i1 on t4(a)  /* c */ ");
    assert_eq!(stored("CREATE INDEX i3 ON t4(a) WHERE a>0 -- x\n"), "CREATE INDEX i3 ON t4(a) WHERE a>0 -- x\n");
    assert_eq!(one("DROP TABLE t").schema_sql, None);
}

#[test]
fn round_trip_statements() {
    let cases = [
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT ('x' || 'y'), c CHECK (c -- x\n> 0))",
        "CREATE TABLE \"a\"\"b\"(\"col one\" \"my type\" UNIQUE ON CONFLICT FAIL, x INT GENERATED ALWAYS AS (1))",
        "CREATE TABLE t(a CONSTRAINT n, CHECK (a))",
        "CREATE TABLE t(a, b, PRIMARY KEY (a DESC, b COLLATE nocase AUTOINCREMENT), UNIQUE (b) CHECK (1))",
        "CREATE TABLE t(a REFERENCES p ON UPDATE SET NULL ON DELETE SET DEFAULT MATCH SIMPLE DEFERRABLE INITIALLY IMMEDIATE)",
        "CREATE INDEX i ON t(a, b COLLATE rtrim ASC, a + b DESC) WHERE a IS NOT NULL AND b NOT IN (1, 2)",
        "CREATE TABLE t(x DEFAULT -0x10, y DEFAULT 1e5, z DEFAULT (CAST(1 AS INT)), w DEFAULT CURRENT_DATE)",
    ];
    for sql in cases {
        let first = one(sql).stmt;
        let printed = first.to_string();
        let second = one(&printed).stmt;
        assert_eq!(first, second, "{sql}\nprinted: {printed}");
    }
    for sql in [
        "a IS (NOT b)",
        "- (- 1)",
        "x NOT BETWEEN (a OR b) AND (c AND d)",
        "f(DISTINCT)",
        "CASE WHEN a OR b THEN c AND d END",
        "(a, b) IN (1, 2)",
        "x = ~(y COLLATE \"no case\")",
    ] {
        let first = parse_expr(sql).expect(sql);
        let printed = first.to_string();
        assert_eq!(parse_expr(&printed).expect(&printed), first, "{sql} -> {printed}");
    }
}

#[test]
fn literal_values() {
    assert_eq!(parse_expr("x'0aFF'").expect("blob"), Expr::Literal(Literal::Blob(vec![0x0a, 0xff])));
    assert_eq!(parse_expr("'it''s'").expect("string"), Expr::Literal(Literal::String("it's".into())));
    assert_eq!(parse_expr("1_0.5").expect("float"), Expr::Literal(Literal::Float("10.5".into())));
}
