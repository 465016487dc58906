//! The text the engine would store in `sqlite_schema.sql` equals what real SQLite stores, for
//! varied CREATE TABLE / INDEX / VIEW / TRIGGER / VIRTUAL TABLE statements (comments, odd
//! spacing, quoting, keywords as names, qualifiers, options, trailing comments).

use rusqlite::Connection;
use touchstone_engine::sql::ast::Stmt;
use touchstone_engine::sql::parse_statements;

/// Each script runs on a fresh database; every CREATE in it is checked.
const SCRIPTS: &[&str] = &[
    "CREATE TABLE t(a)",
    "CREATE TABLE t(a);",
    "create table t ( a , b );",
    "CREATE TABLE t(a)  /* trailing */ ;",
    "CREATE TABLE t(a) -- trailing\n;",
    "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b TEXT)",
    "CREATE TABLE main.t(a)",
    "CREATE TABLE main . /* c */ t(a)",
    "CREATE TEMP TABLE t(a, b)",
    "CREATE TEMPORARY TABLE IF NOT EXISTS temp.\"x y\"(a)",
    "CREATE TABLE \"quoted name\"(\"col 1\" INT, [col 2] TEXT, `col 3`)",
    "CREATE TABLE 'str name'(a)",
    "CREATE TABLE [t x](a)",
    "CREATE TABLE key(replace, like, left, indexed, current_time, \"select\")",
    "CREATE\tTABLE\tt\t(\ta\tINT\t,\n\tb\tTEXT\n)",
    "CREATE TABLE t(\n  a INTEGER, -- first\n  b /* second */ TEXT\n)",
    "CREATE /* c1 */ TABLE /* c2 */ t /* c3 */ ( /* c4 */ a /* c5 */ ) /* c6 */",
    "CREATE TABLE t(a PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE t(a PRIMARY KEY) WITHOUT ROWID;",
    "CREATE TABLE t(a PRIMARY KEY) WITHOUT ROWID  /* c */ ;",
    "CREATE TABLE t(a PRIMARY KEY) without   rowid -- c\n",
    "CREATE TABLE t(a INTEGER PRIMARY KEY) STRICT",
    "CREATE TABLE t(a INT PRIMARY KEY) WITHOUT ROWID, STRICT ;",
    "CREATE TABLE t(a TEXT PRIMARY KEY, b INT) STRICT , WITHOUT ROWID",
    "CREATE TABLE t(a DEFAULT - 1, b DEFAULT ( 1 + 2 ) , c DEFAULT \"abc\", d DEFAULT true)",
    "CREATE TABLE t(a CHECK (a > 0), b UNIQUE ON CONFLICT REPLACE, c REFERENCES p(x) ON DELETE CASCADE)",
    "CREATE TABLE t(a, b, PRIMARY KEY (a, b), UNIQUE (b) , CHECK (a <> b))",
    "CREATE TABLE t(x, a INT GENERATED ALWAYS AS (1) STORED, b AS (a * 2))",
    "CREATE TABLE t(a VARCHAR( 10 ,  2 ), b 'my type', c [x y](1, -2))",
    "CREATE TABLE t(a);CREATE TABLE u(b)",
    "CREATE TABLE t(a); CREATE INDEX i ON t(a)",
    "CREATE TABLE t(a); CREATE INDEX i ON t(a);",
    "CREATE TABLE t(a); CREATE INDEX i ON t(a)  /* c */ ;",
    "CREATE TABLE t(a); CREATE INDEX i ON t(a)  /* c */ ",
    "CREATE TABLE t(a); CREATE INDEX i ON t(a) -- c\n",
    "CREATE TABLE t(a); create unique index if not exists main.i on t ( a desc ) ;",
    "CREATE TABLE t(a, b); CREATE INDEX i ON t(a COLLATE nocase, b DESC) WHERE a > 0 AND b IS NOT NULL",
    "CREATE TABLE t(a, b); CREATE INDEX i ON t(a) WHERE b > 0 -- x\n;",
    "CREATE TABLE t(a, b); CREATE INDEX \"idx name\" ON t(a + b, lower(b))",
    "CREATE TABLE t(a, b); CREATE INDEX [i]ON[t](a)",
    "CREATE TABLE t(a, b); CREATE\nINDEX\ni\nON\nt\n(\na\n)\n",
    "CREATE TEMP TABLE t(a); CREATE INDEX i ON t(a)",
    "CREATE TABLE t(a INTEGER PRIMARY KEY AUTOINCREMENT, b)",
    "CREATE TABLE t(a UNIQUE, b UNIQUE, UNIQUE(a, b)) ; CREATE INDEX i2 ON t(b, a)",
    "CREATE TABLE \"Mixed\"\"Case\"(A, \"b\"\"\" DEFAULT 'x''y')",
    // Views: from the name to the end of the statement, trailing whitespace trimmed.
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t",
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t;",
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t   ;",
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t /* c */ ;",
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t -- c\n",
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t \n\t ",
    "CREATE TABLE t(a, b); create temp view if not exists temp . \"v w\" ( x , y ) as select a, b from t",
    "CREATE TABLE t(a, b); CREATE TEMPORARY VIEW [v] AS VALUES (1, 2) UNION ALL SELECT * FROM t ORDER BY 1",
    "CREATE TABLE t(a, b); CREATE VIEW v AS WITH c(x) AS (SELECT a FROM t) SELECT x FROM c WHERE x > 0",
    "CREATE VIEW v(a) AS SELECT 1; CREATE VIEW w AS SELECT * FROM v",
    // Triggers: from the name through END.
    "CREATE TABLE t(a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
    "CREATE TABLE t(a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END ;",
    "CREATE TABLE t(a, b); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END /* c */ ;",
    "CREATE TABLE t(a, b); create temp trigger if not exists tr before update of a on t for each row when new.a > 0 \
     begin update t set b = new.a where a = old.a ; delete from t where a < 0; end",
    "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT * FROM t; \
     CREATE TRIGGER main.tr INSTEAD OF DELETE ON v BEGIN INSERT INTO t VALUES (old.a, old.b); END",
    // Virtual tables: from the name through the closing parenthesis (or the module name).
    "CREATE VIRTUAL TABLE vt USING fts5(a, b)",
    "CREATE VIRTUAL TABLE vt USING fts5( a , b , tokenize = 'porter ascii' ) ;",
    "CREATE VIRTUAL TABLE IF NOT EXISTS main.vt USING rtree(id, x0, x1) /* c */",
];

/// `sqlite_schema.sql` of `name` on `db` (main or temp schema).
fn stored_sql(db: &Connection, name: &str) -> Option<String> {
    db.query_row(
        "SELECT sql FROM sqlite_schema WHERE name = ?1 \
         UNION ALL SELECT sql FROM sqlite_temp_schema WHERE name = ?1",
        [name],
        |row| row.get(0),
    )
    .expect("schema row")
}

#[test]
fn stored_text_matches_sqlite() {
    let mut checked = 0;
    for script in SCRIPTS {
        let db = Connection::open_in_memory().expect("open");
        db.execute_batch(script).unwrap_or_else(|e| panic!("SQLite rejects {script:?}: {e}"));
        for parsed in parse_statements(script) {
            let parsed = parsed.unwrap_or_else(|e| panic!("engine rejects {script:?}: {e}"));
            let name = match &parsed.stmt {
                Stmt::CreateTable(t) => &t.name.name,
                Stmt::CreateIndex(i) => &i.name.name,
                Stmt::CreateView(v) => &v.name.name,
                Stmt::CreateTrigger(t) => &t.name.name,
                Stmt::CreateVirtualTable(t) => &t.name.name,
                _ => continue,
            };
            let engine = parsed.schema_sql.clone().expect("CREATE has stored text");
            assert_eq!(Some(engine), stored_sql(&db, name.as_str()), "stored text of {name} in {script:?}");
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} statements checked");
}

/// The column text of ALTER TABLE ADD COLUMN is what SQLite splices into the table's stored
/// CREATE TABLE text (before its closing parenthesis, after `, `).
#[test]
fn added_column_text_matches_sqlite() {
    use touchstone_engine::sql::ast::AlterAction;
    let alters = [
        "ALTER TABLE t ADD c",
        "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 0 NOT NULL",
        "ALTER TABLE t ADD COLUMN c  TEXT  COLLATE nocase  ;",
        "alter table main.t add column \"c d\" REAL CHECK (\"c d\" > 0) /* c */ ; ",
        "ALTER TABLE t ADD c VARCHAR(10) REFERENCES p(x) \n\t",
    ];
    for alter in alters {
        let db = Connection::open_in_memory().expect("open");
        db.execute_batch("CREATE TABLE t(a, b)").expect("create");
        let before = stored_sql(&db, "t").expect("table");
        db.execute_batch(alter).unwrap_or_else(|e| panic!("SQLite rejects {alter:?}: {e}"));
        let parsed = parse_statements(alter).next().expect("a statement").expect("parses");
        let Stmt::AlterTable(alter_table) = parsed.stmt else { panic!("{alter}") };
        let AlterAction::AddColumn { text, .. } = &alter_table.action else { panic!("{alter}") };
        let expected = format!("{}, {text})", &before[..before.len() - 1]);
        assert_eq!(stored_sql(&db, "t"), Some(expected), "{alter:?}");
    }
}
