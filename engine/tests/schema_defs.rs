//! Table and index definitions derived by the engine agree with real SQLite's view of the same
//! schema: `PRAGMA table_xinfo`, `PRAGMA index_list`, `PRAGMA index_xinfo`, and whether a
//! column is the rowid.

use rusqlite::Connection;
use touchstone_engine::format::value::Collation;
use touchstone_engine::schema::{IndexDef, IndexTarget, StdType, TableDef};
use touchstone_engine::sql::ast::{SortOrder, Stmt};
use touchstone_engine::sql::parse_statements;

/// Each script creates table `t` (and possibly indexes on it) in a fresh database.
const SCHEMAS: &[&str] = &[
    "CREATE TABLE t(a, b, c)",
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)",
    "CREATE TABLE t(a integer primary key asc, b)",
    "CREATE TABLE t(a INTEGER PRIMARY KEY DESC, b)",
    "CREATE TABLE t(a INT PRIMARY KEY, b)",
    "CREATE TABLE t(a \"INTEGER\" PRIMARY KEY, b)",
    "CREATE TABLE t(a INTEGER(5) PRIMARY KEY, b)",
    "CREATE TABLE t(a INTEGER, b, PRIMARY KEY(a DESC))",
    "CREATE TABLE t(a INTEGER, b, PRIMARY KEY(a COLLATE nocase))",
    "CREATE TABLE t(a INTEGER, b, PRIMARY KEY(a, b))",
    "CREATE TABLE t(a, b, PRIMARY KEY(b DESC, a))",
    "CREATE TABLE t(a TEXT PRIMARY KEY COLLATE nocase, b)",
    "CREATE TABLE t(a UNIQUE, b UNIQUE, c)",
    "CREATE TABLE t(a, b, UNIQUE(a), UNIQUE(a), PRIMARY KEY(a), UNIQUE(b COLLATE nocase), UNIQUE(b))",
    "CREATE TABLE t(a UNIQUE COLLATE rtrim UNIQUE, b)",
    "CREATE TABLE t(a, b, UNIQUE(a, b), UNIQUE(b, a), UNIQUE(a DESC, b))",
    "CREATE TABLE t(a UNIQUE ON CONFLICT REPLACE, b UNIQUE, c UNIQUE)",
    "CREATE TABLE t(a PRIMARY KEY ON CONFLICT REPLACE, b UNIQUE ON CONFLICT IGNORE, c UNIQUE)",
    "CREATE TABLE t(a UNIQUE, b PRIMARY KEY ON CONFLICT REPLACE, c UNIQUE ON CONFLICT REPLACE, d UNIQUE)",
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c, UNIQUE(c, b))",
    "CREATE TABLE t(a PRIMARY KEY, b) WITHOUT ROWID",
    "CREATE TABLE t(a, b, c, PRIMARY KEY(c, a)) WITHOUT ROWID",
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE, c) WITHOUT ROWID",
    "CREATE TABLE t(a, b UNIQUE, c COLLATE nocase, PRIMARY KEY(a, c)) WITHOUT ROWID",
    "CREATE TABLE t(a, b, c, PRIMARY KEY(a, b, a, b COLLATE nocase), UNIQUE(c, a)) WITHOUT ROWID",
    "CREATE TABLE t(a, b, PRIMARY KEY(b DESC), UNIQUE(a)) WITHOUT ROWID",
    "CREATE TABLE t(a INTEGER PRIMARY KEY DESC, b) WITHOUT ROWID",
    "CREATE TABLE t(a INT, b TEXT, c REAL, d BLOB, e ANY, f INTEGER PRIMARY KEY) STRICT",
    "CREATE TABLE t(a TEXT, b INT, PRIMARY KEY(a, b)) STRICT",
    "CREATE TABLE t(a VARCHAR(10), b 'my type', c [x y](1, -2), d unsigned   big /* x */ int, e DOUBLE PRECISION, f BOOLEAN, g)",
    "CREATE TABLE t(a DEFAULT - 1, b DEFAULT ( 1 + 2 ) , c DEFAULT \"abc\", d DEFAULT true, e DEFAULT 'x', f DEFAULT x'00', g DEFAULT current_time, h DEFAULT +5, i DEFAULT (-1))",
    "CREATE TABLE t(a NOT NULL, b NULL, c NOT NULL DEFAULT 0 CHECK (c >= 0), d COLLATE NOCASE)",
    "CREATE TABLE t(x, a INT GENERATED ALWAYS AS (x + 1) STORED, b AS (x * 2), c INT)",
    "CREATE TABLE t(a, b GENERATED ALWAYS AS (a) VIRTUAL UNIQUE)",
    "CREATE TABLE t(\"A b\", [C], `d`, 'e', key, replace)",
    "CREATE TABLE t(a, b); CREATE INDEX i1 ON t(b); CREATE UNIQUE INDEX i2 ON t(a DESC, b COLLATE nocase)",
    "CREATE TABLE t(a, b); CREATE INDEX i1 ON t(a + b, lower(b) COLLATE rtrim DESC) WHERE a > 0",
    "CREATE TABLE t(a PRIMARY KEY, b, c) WITHOUT ROWID; CREATE INDEX i1 ON t(c); CREATE INDEX i2 ON t(b, a)",
    "CREATE TABLE t(a, b, c, PRIMARY KEY(a DESC, b)) WITHOUT ROWID; CREATE INDEX i1 ON t(c, b COLLATE nocase)",
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE INDEX i1 ON t(b, a)",
    "CREATE TABLE t(a UNIQUE, b); CREATE INDEX i1 ON t(a); CREATE UNIQUE INDEX i0 ON t(b)",
    "CREATE TABLE t(a INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, b)",
    "CREATE TABLE t(a, b, CONSTRAINT pk PRIMARY KEY (a) ON CONFLICT FAIL, CONSTRAINT u UNIQUE (b))",
    "CREATE TABLE t(a INT GENERATED ALWAYS, b)",
    "CREATE TABLE t(a int generated always as (1), b integer(5) primary key)",
];

/// A row of `PRAGMA table_xinfo`: cid, name, type, notnull, dflt_value, pk, hidden.
type ColumnRow = (i64, String, String, i64, Option<String>, i64, i64);

/// A row of `PRAGMA index_list`: name, unique, origin, partial.
type IndexRow = (String, i64, String, i64);

/// A row of `PRAGMA index_xinfo`: cid, name, desc, collation (upper case), key.
type IndexColumnRow = (i64, Option<String>, i64, String, i64);

fn sqlite_columns(db: &Connection) -> Vec<ColumnRow> {
    let mut stmt = db.prepare("PRAGMA table_xinfo(t)").expect("pragma");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}

fn engine_columns(table: &TableDef) -> Vec<ColumnRow> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let hidden = match &c.generated {
                None => 0,
                Some(g) if g.stored => 3,
                Some(_) => 2,
            };
            (
                i as i64,
                c.name.clone(),
                c.declared_type.clone().unwrap_or_default(),
                i64::from(c.not_null),
                c.default.as_ref().map(|d| d.text.clone()),
                c.primary_key_position.map_or(0, |p| p as i64),
                hidden,
            )
        })
        .collect()
}

fn sqlite_indexes(db: &Connection) -> Vec<IndexRow> {
    let mut stmt = db.prepare("PRAGMA index_list(t)").expect("pragma");
    stmt.query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}

fn engine_index_row(index: &IndexDef) -> IndexRow {
    (
        index.name.clone(),
        i64::from(index.unique),
        index.origin.code().to_string(),
        i64::from(index.where_clause.is_some()),
    )
}

fn sqlite_index_columns(db: &Connection, index: &str) -> Vec<IndexColumnRow> {
    let mut stmt = db.prepare(&format!("PRAGMA index_xinfo(\"{index}\")")).expect("pragma");
    stmt.query_map([], |r| {
        let coll: String = r.get(4)?;
        Ok((r.get(1)?, r.get(2)?, r.get(3)?, coll.to_uppercase(), r.get(5)?))
    })
    .expect("rows")
    .map(|r| r.expect("row"))
    .collect()
}

fn engine_index_columns(table: &TableDef, index: &IndexDef) -> Vec<IndexColumnRow> {
    index
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (cid, name) = match &c.target {
                IndexTarget::Column(col) => (*col as i64, Some(table.columns[*col].name.clone())),
                IndexTarget::Rowid => (-1, None),
                IndexTarget::Expr(_) => (-2, None),
            };
            let collation = match c.collation {
                Collation::Binary => "BINARY",
                Collation::NoCase => "NOCASE",
                Collation::RTrim => "RTRIM",
            };
            (cid, name, i64::from(c.order == SortOrder::Desc), collation.to_string(), i64::from(i < index.key_len))
        })
        .collect()
}

/// Inserts one row of distinct integers into SQLite's `t` and checks that the rowid equals
/// the column the engine calls the rowid alias (and no other INTEGER PRIMARY KEY-like column).
fn check_rowid_alias(db: &Connection, table: &TableDef, script: &str) {
    if table.without_rowid {
        assert_eq!(table.rowid_alias, None, "{script}");
        return;
    }
    let writable: Vec<usize> = (0..table.columns.len()).filter(|&i| table.columns[i].generated.is_none()).collect();
    let names: Vec<String> =
        writable.iter().map(|&i| format!("\"{}\"", table.columns[i].name.replace('"', "\"\""))).collect();
    let values: Vec<String> = writable
        .iter()
        .map(|&i| match table.columns[i].std_type {
            Some(StdType::Blob) if table.strict => "x'00'".to_string(),
            _ => (i + 11).to_string(),
        })
        .collect();
    let insert = format!("INSERT INTO t({}) VALUES({})", names.join(","), values.join(","));
    db.execute(&insert, []).unwrap_or_else(|e| panic!("{script}: {insert}: {e}"));
    let (rowid, kind): (i64, String) =
        db.query_row("SELECT rowid, typeof(rowid) FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).expect("row");
    assert_eq!(kind, "integer");
    let expected = table.rowid_alias.map_or(1, |c| c as i64 + 11);
    assert_eq!(rowid, expected, "rowid alias of {script}");
}

#[test]
fn definitions_match_sqlite_pragmas() {
    assert!(SCHEMAS.len() >= 40);
    for script in SCHEMAS {
        let db = Connection::open_in_memory().expect("open");
        db.execute_batch(script).unwrap_or_else(|e| panic!("SQLite rejects {script}: {e}"));
        let mut table: Option<TableDef> = None;
        // Indexes in SQLite's list order: each CREATE INDEX goes to the front.
        let mut created: Vec<IndexDef> = Vec::new();
        for parsed in parse_statements(script) {
            let parsed = parsed.unwrap_or_else(|e| panic!("{script}: {e}"));
            match parsed.stmt {
                Stmt::CreateTable(ast) => {
                    table = Some(TableDef::from_ast(&ast).unwrap_or_else(|e| panic!("{script}: {e}")));
                }
                Stmt::CreateIndex(ast) => {
                    let table = table.as_ref().expect("table first");
                    let index = IndexDef::from_ast(&ast, table).unwrap_or_else(|e| panic!("{script}: {e}"));
                    created.insert(0, index);
                }
                other => unreachable!("{other:?}"),
            }
        }
        let table = table.expect("a CREATE TABLE");
        assert_eq!(engine_columns(&table), sqlite_columns(&db), "columns of {script}");
        let mut all: Vec<&IndexDef> = created.iter().collect();
        all.extend(table.index_list_order());
        let engine_list: Vec<IndexRow> = all.iter().map(|i| engine_index_row(i)).collect();
        assert_eq!(engine_list, sqlite_indexes(&db), "index list of {script}");
        for index in &all {
            assert_eq!(
                engine_index_columns(&table, index),
                sqlite_index_columns(&db, &index.name),
                "index {} of {script}",
                index.name
            );
        }
        check_rowid_alias(&db, &table, script);
    }
}

#[test]
fn errors_match_sqlite() {
    let cases = [
        "CREATE TABLE t(a PRIMARY KEY, b PRIMARY KEY)",
        "CREATE TABLE t(a INT PRIMARY KEY AUTOINCREMENT)",
        "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID",
        "CREATE TABLE t(a) WITHOUT ROWID",
        "CREATE TABLE t(a, A)",
        "CREATE TABLE t(a COLLATE klingon)",
        "CREATE TABLE t(a, UNIQUE(b))",
        "CREATE TABLE t(a, UNIQUE(a + 1))",
        "CREATE TABLE t(a, b, UNIQUE(a NULLS FIRST))",
        "CREATE TABLE t(a foo) STRICT",
        "CREATE TABLE t(a) STRICT",
        "CREATE TABLE t(a AS (1))",
        "CREATE TABLE t(a, b AS (a) PRIMARY KEY)",
        "CREATE TABLE t(a, b AS (a) foo)",
        "CREATE TABLE t(a DEFAULT (b))",
        "CREATE TABLE t(a, CHECK (zz > 0))",
        "CREATE TABLE sqlite_x(a)",
        "CREATE TABLE t(a UNIQUE ON CONFLICT FAIL, UNIQUE(a) ON CONFLICT IGNORE)",
    ];
    for sql in cases {
        let db = Connection::open_in_memory().expect("open");
        let sqlite = db.execute_batch(sql).expect_err(sql);
        // rusqlite appends " in <sql> at offset N" to errors from prepare.
        let sqlite = sqlite.to_string();
        let sqlite = sqlite.split(&format!(" in {sql}")).next().unwrap_or_default();
        let parsed = parse_statements(sql).next().expect("one").expect("parses");
        let Stmt::CreateTable(ast) = parsed.stmt else { panic!("{sql}") };
        let engine = TableDef::from_ast(&ast).expect_err(sql);
        assert_eq!(engine.message(), sqlite, "{sql}");
    }
}
