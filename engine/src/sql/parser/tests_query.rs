//! Unit tests of the parser for SELECT, DML and the other statements: the trees it builds,
//! SQLite's normalizations, parameters, locations, and errors raised from reduce actions.

use super::*;
use crate::sql::ast::{
    CompoundOp, ConflictResolution, Expr, FrameBound, FrameUnits, IndexedBy, InsertSource, JoinConstraint, JoinKind,
    JoinOperator, Literal, Over, PragmaValueKind, Quote, ResultColumn, Select, SelectCore, SimpleSelect,
    TableOrSubquery, TransactionKind, TriggerEvent, TriggerStep, TriggerTime, UnaryOp, UpsertAction,
};

fn one(sql: &str) -> ParsedStatement {
    match parse_statement(sql) {
        Ok(parsed) => parsed,
        Err(e) => panic!("{sql}: {}", e.message()),
    }
}

fn error(sql: &str) -> String {
    match parse_statement(sql) {
        Ok(parsed) => panic!("{sql} parsed: {:?}", parsed.stmt),
        Err(e) => e.message().to_string(),
    }
}

fn select(sql: &str) -> Select {
    match one(sql).stmt {
        Stmt::Select(select) => *select,
        other => panic!("{other:?}"),
    }
}

/// The first core of a select, which must be a SELECT.
fn core(select: &Select) -> &SimpleSelect {
    match &select.first {
        SelectCore::Select(core) => core,
        other => panic!("{other:?}"),
    }
}

/// The statement printed, then parsed again, equals the one parsed from `sql`.
fn round_trips(sql: &str) {
    let first = one(sql).stmt;
    let printed = first.to_string();
    let second = one(&printed).stmt;
    assert_eq!(first, second, "{sql}\nprinted: {printed}");
}

#[test]
fn select_clauses() {
    let s = select(
        "SELECT DISTINCT a, t.*, * , b + 1 AS x FROM t WHERE a > 0 GROUP BY a, b HAVING count(*) > 1 \
         WINDOW w AS (ORDER BY a) ORDER BY 1 DESC NULLS LAST LIMIT 10 OFFSET 5",
    );
    let c = core(&s);
    assert!(c.distinct);
    assert_eq!(c.columns.len(), 4);
    assert!(matches!(&c.columns[1], ResultColumn::TableStar(t) if *t == "t"));
    assert!(matches!(c.columns[2], ResultColumn::Star(_)));
    assert!(matches!(&c.columns[3], ResultColumn::Expr { alias: Some(a), .. } if *a == "x"));
    assert!(c.from.is_some() && c.where_clause.is_some() && c.having.is_some());
    assert_eq!(c.group_by.len(), 2);
    assert_eq!(c.windows.len(), 1);
    assert_eq!(s.order_by.len(), 1);
    let limit = s.limit.as_ref().expect("limit");
    assert_eq!(limit.limit, Expr::Literal(Literal::Integer("10".into())));
    assert_eq!(limit.offset, Some(Expr::Literal(Literal::Integer("5".into()))));
    assert!(!limit.offset_first);
    // LIMIT a, b: offset a, limit b.
    let s = select("SELECT 1 LIMIT 3, 7");
    let limit = s.limit.as_ref().expect("limit");
    assert_eq!(limit.limit, Expr::Literal(Literal::Integer("7".into())));
    assert_eq!(limit.offset, Some(Expr::Literal(Literal::Integer("3".into()))));
    assert!(limit.offset_first);
    assert_eq!(s.to_string(), "SELECT 1 LIMIT 3, 7");
    assert!(!core(&select("SELECT ALL a FROM t")).distinct);
}

#[test]
fn compounds_and_values() {
    let s = select("SELECT 1 UNION SELECT 2 UNION ALL VALUES (3), (4) INTERSECT SELECT 5 EXCEPT SELECT 6 ORDER BY 1");
    let ops: Vec<_> = s.compound.iter().map(|t| t.op).collect();
    assert_eq!(ops, [CompoundOp::Union, CompoundOp::UnionAll, CompoundOp::Intersect, CompoundOp::Except]);
    assert!(matches!(&s.compound[1].core, SelectCore::Values(rows) if rows.len() == 2));
    assert_eq!(s.order_by.len(), 1);
    assert_eq!(s.cores().count(), 5);
    let s = select("VALUES (1, 2), (3, 4)");
    assert!(matches!(&s.first, SelectCore::Values(rows) if rows.len() == 2 && rows[0].len() == 2));
    assert_eq!(error("SELECT 1 ORDER BY 1 UNION SELECT 2"), "ORDER BY clause should come after UNION not before");
    assert_eq!(error("SELECT 1 LIMIT 1 EXCEPT SELECT 2"), "LIMIT clause should come after EXCEPT not before");
    assert_eq!(error("VALUES (1), (1, 2)"), "all VALUES must have the same number of terms");
    // Not a parse-time check in SQLite when a row is not constant.
    assert!(parse_statement("VALUES (1), (a, 2)").is_ok());
    assert_eq!(error("VALUES (1) ORDER BY 1"), "near \"ORDER\": syntax error");
    let many = vec!["SELECT 1"; 501].join(" UNION ");
    assert_eq!(error(&many), "too many terms in compound SELECT");
    assert!(parse_statement(&vec!["SELECT 1"; 500].join(" UNION ")).is_ok());
}

#[test]
fn with_clauses() {
    let s = select("WITH RECURSIVE c(n) AS MATERIALIZED (SELECT 1), d AS NOT MATERIALIZED (SELECT 2) SELECT * FROM c");
    let with = s.with.as_ref().expect("with");
    assert!(with.recursive);
    assert_eq!(with.ctes.len(), 2);
    assert_eq!(with.ctes[0].columns, ["n"]);
    assert_eq!(with.ctes[0].materialized, Some(true));
    assert_eq!(with.ctes[1].materialized, Some(false));
    assert_eq!(error("WITH c(x DESC) AS (SELECT 1) SELECT 1"), "syntax error after column name \"x\"");
    assert_eq!(error("WITH c AS (SELECT 1), C AS (SELECT 2) SELECT 1"), "duplicate WITH table name: C");
    for sql in ["WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c", "WITH c AS (SELECT 1) DELETE FROM t"] {
        round_trips(sql);
    }
}

#[test]
fn from_clauses() {
    let s = select(
        "SELECT * FROM main.t AS a INDEXED BY i, u b NOT INDEXED NATURAL LEFT OUTER JOIN v USING (x, y) \
         CROSS JOIN (SELECT 1) AS s JOIN f(1, 2) AS g ON 1 RIGHT JOIN w FULL JOIN z INNER JOIN q",
    );
    let from = core(&s).from.as_ref().expect("from");
    assert!(matches!(&from.first, TableOrSubquery::Table { name, alias: Some(a), indexed: Some(IndexedBy::Index(i)) }
        if name.schema_name() == Some("main") && *a == "a" && *i == "i"));
    let ops: Vec<_> = from.joins.iter().map(|j| j.op).collect();
    let join = |natural, kind| JoinOperator::Join { natural, kind };
    assert_eq!(
        ops,
        [
            JoinOperator::Comma,
            join(true, JoinKind::Left),
            join(false, JoinKind::Cross),
            join(false, JoinKind::Inner),
            join(false, JoinKind::Right),
            join(false, JoinKind::Full),
            join(false, JoinKind::Inner),
        ]
    );
    assert!(matches!(&from.joins[0].table, TableOrSubquery::Table { indexed: Some(IndexedBy::NotIndexed), .. }));
    assert!(matches!(&from.joins[1].constraint, Some(JoinConstraint::Using(c)) if c.len() == 2));
    assert!(matches!(&from.joins[2].table, TableOrSubquery::Subquery { alias: Some(a), .. } if *a == "s"));
    assert!(matches!(&from.joins[3].table, TableOrSubquery::Function { args, .. } if args.len() == 2));
    // SQLite's odd join words.
    let kind = |sql: &str| core(&select(sql)).from.as_ref().expect("from").joins[0].op;
    assert_eq!(kind("SELECT * FROM a LEFT RIGHT JOIN b"), join(false, JoinKind::Full));
    assert_eq!(kind("SELECT * FROM a OUTER LEFT JOIN b"), join(false, JoinKind::Left));
    assert_eq!(error("SELECT * FROM a LEFT INNER JOIN b"), "unknown join type: LEFT INNER");
    assert_eq!(error("SELECT * FROM a OUTER JOIN b"), "unknown join type: OUTER");
    assert_eq!(error("SELECT * FROM a ON 1"), "a JOIN clause is required before ON");
    // The error raised when SQLite reduces the join gives way to a syntax error at the next token.
    assert_eq!(error("SELECT * FROM a LEFT INNER JOIN WHERE"), "near \"WHERE\": syntax error");
    assert_eq!(error("SELECT * FROM a ON 1 garbage"), "near \"garbage\": syntax error");
}

#[test]
fn parenthesized_from_items() {
    let from = |sql: &str| core(&select(sql)).from.clone().expect("from");
    // A list at the start with no alias is spliced; a single item takes the outer alias.
    assert_eq!(from("SELECT * FROM (a, b)"), from("SELECT * FROM a, b"));
    assert_eq!(from("SELECT * FROM ((a))"), from("SELECT * FROM a"));
    assert_eq!(from("SELECT * FROM (a AS x)"), from("SELECT * FROM a AS x"));
    assert_eq!(from("SELECT * FROM (a AS x) AS y"), from("SELECT * FROM a AS y"));
    assert_eq!(from("SELECT * FROM c, (a AS x)"), from("SELECT * FROM c, a"));
    assert_eq!(from("SELECT * FROM ((SELECT 1))"), from("SELECT * FROM (SELECT 1)"));
    let nested = from("SELECT * FROM c JOIN (a JOIN b ON 1) ON 2");
    assert!(matches!(&nested.joins[0].table, TableOrSubquery::Nested { from, alias: None } if from.joins.len() == 1));
    let aliased = from("SELECT * FROM (a, b) AS j");
    assert!(matches!(&aliased.first, TableOrSubquery::Nested { alias: Some(j), .. } if *j == "j"));
    round_trips("SELECT * FROM c JOIN (a JOIN b ON 1) ON 2");
    round_trips("SELECT * FROM (a, b) AS j");
}

#[test]
fn subquery_expressions() {
    let expr = |sql: &str| parse_expr(sql).unwrap_or_else(|e| panic!("{sql}: {}", e.message()));
    assert!(matches!(expr("(SELECT 1)"), Expr::Subquery(_)));
    assert!(matches!(expr("EXISTS (SELECT 1)"), Expr::Exists(_)));
    assert!(
        matches!(expr("NOT EXISTS (SELECT 1)"), Expr::Unary { op: UnaryOp::Not, operand } if matches!(*operand, Expr::Exists(_)))
    );
    assert!(matches!(expr("x IN (SELECT 1)"), Expr::InSelect { negated: false, .. }));
    assert!(matches!(expr("x NOT IN (VALUES (1))"), Expr::InSelect { negated: true, .. }));
    // One parenthesized subquery in an IN list is the subquery, as in SQLite.
    assert_eq!(expr("x IN ((SELECT 1))"), expr("x IN (SELECT 1)"));
    assert!(matches!(expr("x IN ((SELECT 1), 2)"), Expr::InList { .. }));
    assert!(matches!(expr("x IN (1, 2)"), Expr::InList { .. }));
    assert!(matches!(expr("x IN t"), Expr::InTable { .. }));
    assert_eq!(expr("(SELECT 1) + 1").to_string(), "(SELECT 1) + 1");
}

#[test]
fn window_functions() {
    let expr =
        parse_expr("sum(x) FILTER (WHERE x > 0) OVER (w PARTITION BY a ORDER BY b ROWS 1 PRECEDING)").expect("parses");
    let Expr::Function(call) = expr else { panic!() };
    assert!(call.filter.is_some());
    let Some(Over::Window(window)) = &call.over else { panic!() };
    assert_eq!(window.base.as_ref().map(|b| b.name.as_str()), Some("w"));
    let frame = window.frame.as_ref().expect("frame");
    assert_eq!(frame.units, FrameUnits::Rows);
    assert!(matches!(frame.start, FrameBound::Preceding(_)));
    assert_eq!(frame.end, FrameBound::CurrentRow);
    assert!(matches!(parse_expr("count(*) OVER w"), Ok(Expr::Function(c)) if matches!(c.over, Some(Over::Name(_)))));
    // WINDOW, OVER and FILTER are identifiers unless a clause follows.
    let s = select("SELECT window, over, filter FROM window WHERE over.filter = 1");
    assert_eq!(core(&s).columns.len(), 3);
    assert_eq!(error("SELECT (1) OVER (x)"), "near \"OVER\": syntax error");
    assert_eq!(error("SELECT sum(a) OVER (ROWS 1 FOLLOWING) FROM t"), "unsupported frame specification");
    assert_eq!(error("SELECT sum(DISTINCT a) OVER () FROM t"), "DISTINCT is not supported for window functions");
    assert_eq!(
        error("SELECT 1 FROM t WINDOW w AS (ORDER BY a), v AS (w ORDER BY b)"),
        "cannot override ORDER BY clause of window: w"
    );
    round_trips(
        "SELECT sum(x) OVER (ORDER BY a RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM t",
    );
}

#[test]
fn parameters() {
    let parsed = one("SELECT ?, ?5, :a, ?, :a, @b, ?2");
    let indexes: Vec<u32> = match &parsed.stmt {
        Stmt::Select(s) => core(s)
            .columns
            .iter()
            .map(|c| match c {
                ResultColumn::Expr { expr: Expr::Variable(v), .. } => v.index,
                other => panic!("{other:?}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(indexes, [1, 5, 6, 7, 6, 8, 2]);
    let names: Vec<Option<&str>> = parsed.parameters.iter().map(Option::as_deref).collect();
    assert_eq!(names, [None, Some("?2"), None, None, Some("?5"), Some(":a"), None, Some("@b")]);
    assert_eq!(error("SELECT ?0"), "variable number must be between ?1 and ?32766");
    assert_eq!(error("SELECT ?32767"), "variable number must be between ?1 and ?32766");
    // Printed `?` carry their numbers, so a printed statement binds the same parameters.
    assert_eq!(parsed.stmt.to_string(), "SELECT ?1, ?5, :a, ?7, :a, @b, ?2");
    round_trips("SELECT * FROM t LIMIT :x, :y");
}

#[test]
fn names_and_locations() {
    let sql = "SELECT \"Col\" AS [Al], t.a+1 FROM main.'tab' AS `x`";
    let s = select(sql);
    let c = core(&s);
    let ResultColumn::Expr { expr: Expr::Column(col), alias: Some(alias), .. } = &c.columns[0] else { panic!() };
    assert!(col.double_quoted);
    assert_eq!(col.loc.text(sql), Some("\"Col\""));
    assert_eq!((alias.name.as_str(), alias.quote, alias.original()), ("Al", Quote::Bracket, "[Al]".to_string()));
    assert_eq!(alias.loc.text(sql), Some("[Al]"));
    let ResultColumn::Expr { text, .. } = &c.columns[1] else { panic!() };
    assert_eq!(text.0, "t.a+1");
    let Some(TableOrSubquery::Table { name, alias: Some(x), .. }) = c.from.as_ref().map(|f| &f.first) else { panic!() };
    assert_eq!((name.name.as_str(), name.name.quote), ("tab", Quote::Single));
    assert_eq!((x.as_str(), x.quote), ("x", Quote::Backtick));
    // Quoting and locations take no part in equality.
    assert_eq!(select("SELECT a AS x FROM t"), select("SELECT  a  AS \"x\"  FROM  [t]"));
}

#[test]
fn insert_statements() {
    let Stmt::Insert(insert) = one("INSERT OR IGNORE INTO main.t AS n (a, b) VALUES (1, 2), (3, 4) \
         ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b, (a, c) = (1, 2) WHERE b < 9 \
         ON CONFLICT DO NOTHING RETURNING *, a AS k")
    .stmt
    else {
        panic!()
    };
    assert_eq!(insert.or_conflict, Some(ConflictResolution::Ignore));
    assert_eq!(insert.alias.as_ref().map(|a| a.name.as_str()), Some("n"));
    assert_eq!(insert.columns, ["a", "b"]);
    assert!(
        matches!(&insert.source, InsertSource::Select(s) if matches!(&s.first, SelectCore::Values(r) if r.len() == 2))
    );
    assert_eq!(insert.upsert.len(), 2);
    assert!(insert.upsert[0].target.is_some());
    assert!(matches!(&insert.upsert[0].action, UpsertAction::Update { assignments, where_clause: Some(_) }
        if assignments.len() == 2 && assignments[1].columns.len() == 2));
    assert!(insert.upsert[1].target.is_none() && insert.upsert[1].action == UpsertAction::Nothing);
    assert_eq!(insert.returning.len(), 2);
    assert_eq!(one("REPLACE INTO t VALUES (1)").stmt, one("INSERT OR REPLACE INTO t VALUES (1)").stmt);
    assert!(matches!(one("INSERT INTO t DEFAULT VALUES").stmt,
        Stmt::Insert(i) if i.source == InsertSource::DefaultValues));
    assert_eq!(error("INSERT INTO t DEFAULT VALUES ON CONFLICT DO NOTHING"), "near \"ON\": syntax error");
    assert_eq!(
        error("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING ON CONFLICT (a) DO NOTHING"),
        "near \"ON\": syntax error"
    );
    assert_eq!(error("UPDATE t SET (a, b) = (1, 2, 3)"), "2 columns assigned 3 values");
}

#[test]
fn update_and_delete_statements() {
    let Stmt::Update(update) =
        one("UPDATE OR FAIL t AS u INDEXED BY i SET a = 1, (b, c) = (SELECT 1, 2) FROM v WHERE u.a = v.a RETURNING a")
            .stmt
    else {
        panic!()
    };
    assert_eq!(update.or_conflict, Some(ConflictResolution::Fail));
    assert!(matches!(update.indexed, Some(IndexedBy::Index(_))));
    assert_eq!(update.assignments.len(), 2);
    assert!(update.from.is_some() && update.where_clause.is_some());
    assert_eq!(update.returning.len(), 1);
    let Stmt::Delete(delete) = one("DELETE FROM main.t NOT INDEXED WHERE a = 1 RETURNING *").stmt else { panic!() };
    assert_eq!(delete.indexed, Some(IndexedBy::NotIndexed));
    // SQLite is built without SQLITE_ENABLE_UPDATE_DELETE_LIMIT.
    assert_eq!(error("DELETE FROM t LIMIT 1"), "near \"LIMIT\": syntax error");
    assert_eq!(error("UPDATE t SET a = 1 ORDER BY a"), "near \"ORDER\": syntax error");
}

#[test]
fn transactions_pragmas_and_others() {
    assert_eq!(one("BEGIN").stmt, Stmt::Begin(TransactionKind::Deferred));
    assert_eq!(one("BEGIN EXCLUSIVE TRANSACTION t").stmt, Stmt::Begin(TransactionKind::Exclusive));
    assert_eq!(one("END TRANSACTION").stmt, Stmt::Commit);
    assert!(
        matches!(one("ROLLBACK TRANSACTION TO SAVEPOINT s").stmt, Stmt::Rollback { savepoint: Some(s) } if s == "s")
    );
    assert!(matches!(one("RELEASE s").stmt, Stmt::Release(s) if s == "s"));
    let Stmt::Pragma(pragma) = one("PRAGMA main.cache_size = - 100").stmt else { panic!() };
    let value = pragma.value.expect("value");
    assert_eq!((value.kind, value.value.as_str(), value.raw.as_str()), (PragmaValueKind::Number, "-100", "- 100"));
    let Stmt::Pragma(pragma) = one("PRAGMA table_info('t')").stmt else { panic!() };
    let value = pragma.value.expect("value");
    assert_eq!((value.kind, value.value.as_str(), value.raw.as_str()), (PragmaValueKind::String, "t", "'t'"));
    assert!(matches!(one("EXPLAIN QUERY PLAN SELECT 1").stmt, Stmt::Explain { query_plan: true, .. }));
    assert_eq!(error("EXPLAIN EXPLAIN SELECT 1"), "near \"EXPLAIN\": syntax error");
    for sql in [
        "ATTACH DATABASE 'f.db' AS aux KEY 'k'",
        "DETACH aux",
        "VACUUM main INTO 'x.db'",
        "REINDEX main.i",
        "ANALYZE",
        "ALTER TABLE t RENAME TO u",
        "ALTER TABLE t RENAME COLUMN a TO b",
        "ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0",
        "ALTER TABLE t DROP COLUMN c",
        "ALTER TABLE t DROP CONSTRAINT k",
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL ON CONFLICT IGNORE",
        "ALTER TABLE t ALTER c DROP NOT NULL",
        "ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0)",
        "CREATE VIRTUAL TABLE v USING fts5(a, b, tokenize = 'porter')",
        "CREATE TABLE n AS SELECT * FROM t",
        "PRAGMA journal_mode = DELETE",
        "SAVEPOINT \"s p\"",
    ] {
        round_trips(sql);
    }
}

#[test]
fn views_and_triggers() {
    let parsed = one("CREATE TEMP VIEW IF NOT EXISTS v(a, b) AS SELECT 1, 2 -- c\n ;");
    assert_eq!(parsed.schema_sql.as_deref(), Some("CREATE VIEW v(a, b) AS SELECT 1, 2 -- c"));
    let Stmt::CreateView(view) = parsed.stmt else { panic!() };
    assert!(view.temp && view.if_not_exists);
    assert_eq!(view.columns, ["a", "b"]);
    let sql = "CREATE TRIGGER tr INSTEAD OF UPDATE OF a, b ON v FOR EACH ROW WHEN new.a > 0 BEGIN \
               UPDATE t SET a = new.a; INSERT INTO t VALUES (1); DELETE FROM t; SELECT RAISE(IGNORE); END";
    let parsed = one(sql);
    assert_eq!(parsed.schema_sql.as_deref(), Some(&sql["CREATE ".len()..]).map(|s| format!("CREATE {s}")).as_deref());
    let Stmt::CreateTrigger(trigger) = parsed.stmt else { panic!() };
    assert_eq!(trigger.time, TriggerTime::InsteadOf);
    assert_eq!(trigger.event, TriggerEvent::Update(vec!["a".into(), "b".into()]));
    assert!(trigger.for_each_row && trigger.when.is_some());
    assert!(matches!(
        trigger.steps.as_slice(),
        [TriggerStep::Update(_), TriggerStep::Insert(_), TriggerStep::Delete(_), TriggerStep::Select(_)]
    ));
    assert_eq!(
        error("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO main.u VALUES (1); END"),
        "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers"
    );
    assert!(
        parse_statement("CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO main.u VALUES (1); END").is_ok()
    );
    assert_eq!(
        error("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u RETURNING *; END"),
        "near \"RETURNING\": syntax error"
    );
    assert_eq!(error("CREATE TRIGGER tr AFTER INSERT ON t BEGIN END"), "near \"END\": syntax error");
    round_trips(sql);
    round_trips("DROP TRIGGER IF EXISTS main.tr");
}

#[test]
fn printed_expressions_use_only_needed_parentheses() {
    let printed = |sql: &str| parse_expr(sql).expect(sql).to_string();
    assert_eq!(printed("1 + 2 + 3"), "1 + 2 + 3");
    assert_eq!(printed("1 + (2 + 3)"), "1 + (2 + 3)");
    assert_eq!(printed("(1 + 2) * 3"), "(1 + 2) * 3");
    assert_eq!(printed("- - 1"), "- -1");
    assert_eq!(printed("NOT NOT a"), "NOT NOT a");
    assert_eq!(printed("(NOT a) = b"), "(NOT a) = b");
    assert_eq!(printed("a IS (NOT b)"), "a IS (NOT b)");
    assert_eq!(printed("x BETWEEN (a AND b) AND c"), "x BETWEEN (a AND b) AND c");
    assert_eq!(printed("x BETWEEN 1 AND 2 AND y"), "x BETWEEN 1 AND 2 AND y");
    assert_eq!(printed("(-a) COLLATE x"), "-a COLLATE x");
    assert_eq!(printed("-(a COLLATE x)"), "-(a COLLATE x)");
    // A deep left-nested chain prints without nesting parentheses.
    let chain = vec!["1"; 900].join(" + ");
    assert_eq!(printed(&chain), chain);
}
