//! The catalog: `sqlite_schema` read into table and index definitions, and written by DDL in
//! the order SQLite's generated programs write it.
//!
//! ```text
//! sqlite_schema (the table b-tree rooted at page 1), one row per object:
//!   type TEXT       'table' | 'index' | 'view' | 'trigger'
//!   name TEXT       the object's name
//!   tbl_name TEXT   the table it belongs to
//!   rootpage INT    its b-tree's root page (0 for views and triggers)
//!   sql TEXT        the CREATE statement as stored (NULL for automatic indexes)
//! header 40: schema cookie, +1 for every DDL statement
//! header 44: schema format (4 once the first table exists); 56: text encoding (1, UTF-8)
//! ```
//!
//! Order of writes (from sqlite3StartTable / sqlite3EndTable / sqlite3CreateIndex /
//! sqlite3CodeDropTable / sqlite3DropIndex):
//!
//! - CREATE TABLE: schema format and encoding (first table only); the table's root page
//!   (allocated near page 1); a placeholder row of five NULLs at the next rowid; for each
//!   PRIMARY KEY / UNIQUE index, its root page and its row (sql NULL); the placeholder
//!   rewritten with the real values (a seek, then a drop and re-insert of the cell); the
//!   schema cookie.
//! - CREATE INDEX: the index's root page; its row; the entries, sorted, appended in bulk
//!   mode; the schema cookie.
//! - DROP TABLE: the object's rows deleted in rowid order; its b-trees destroyed, largest
//!   root page first; the schema cookie.
//! - DROP INDEX: its row deleted; the schema cookie; its b-tree destroyed.

use super::Database;
use super::ddl_check::{DdlCheck, check_ddl, check_schema_name};
use super::integrity_record::{Column, ColumnFault, RecordView};
use crate::btree::modify::InsertFlags;
use crate::btree::{KeyInfo, TreeKind};
use crate::ensure_corrupt;
use crate::error::{Error, ErrorCode, Result};
use crate::format::header::offset;
use crate::format::record::{Record, encode_values};
use crate::format::value::Value;
use crate::pager::Pgno;
use crate::schema::{IndexDef, IndexTarget, TableDef};
use crate::sql::ast::{DropKind, SortOrder, Stmt};
use crate::sql::parse_statement;
use std::rc::Rc;

/// A table in the catalog.
#[derive(Clone, Debug)]
pub struct Table {
    pub def: TableDef,
    pub root: Pgno,
    /// The rowid of its row in sqlite_schema.
    pub schema_rowid: i64,
    /// Its indexes in the order SQLite keeps them on the table (pTab->pIndex): newest first,
    /// REPLACE indexes last. Inserts and deletes maintain them in this order.
    pub indexes: Vec<Index>,
}

/// An index in the catalog.
#[derive(Clone, Debug)]
pub struct Index {
    pub def: IndexDef,
    pub root: Pgno,
    pub schema_rowid: i64,
    /// How its entries compare.
    pub key_info: Rc<KeyInfo>,
}

/// Another object (view, trigger) kept as its row; the storage layer does not use it.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherObject {
    pub kind: String,
    pub name: String,
    pub tbl_name: String,
    pub schema_rowid: i64,
    /// The CREATE statement as stored.
    pub sql: Option<String>,
}

/// Every object of one database, as read from sqlite_schema.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Shared so that a row operation takes its table without copying its definition.
    pub tables: Vec<Rc<Table>>,
    pub others: Vec<OtherObject>,
    /// The schema cookie these definitions were read at.
    pub cookie: u32,
}

impl Catalog {
    /// The table named `name` (ASCII case-insensitive).
    pub fn table(&self, name: &str) -> Option<&Rc<Table>> {
        self.tables.iter().find(|t| t.def.name.eq_ignore_ascii_case(name))
    }

    /// The view named `name`.
    pub fn view(&self, name: &str) -> Option<&OtherObject> {
        self.others.iter().find(|o| o.kind == "view" && o.name.eq_ignore_ascii_case(name))
    }

    /// The trigger named `name`.
    pub fn trigger(&self, name: &str) -> Option<&OtherObject> {
        self.others.iter().find(|o| o.kind == "trigger" && o.name.eq_ignore_ascii_case(name))
    }

    /// The triggers on table or view `table`.
    pub fn triggers_on<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a OtherObject> + 'a {
        self.others.iter().filter(move |o| o.kind == "trigger" && o.tbl_name.eq_ignore_ascii_case(table))
    }

    /// The index named `name` and its table.
    pub fn index(&self, name: &str) -> Option<(&Table, &Index)> {
        self.tables
            .iter()
            .find_map(|t| t.indexes.iter().find(|i| i.def.name.eq_ignore_ascii_case(name)).map(|i| (&**t, i)))
    }

    /// The error for creating a table or view named `name` when that name is taken
    /// (sqlite3StartTable's wording), or None when it is free.
    pub(super) fn name_conflict(&self, name: &str) -> Option<Error> {
        let msg = if self.index(name).is_some() {
            format!("there is already an index named {name}")
        } else if self.view(name).is_some() {
            format!("view {name} already exists")
        } else if self.table(name).is_some() {
            format!("table {name} already exists")
        } else {
            return None;
        };
        Some(Error::new(ErrorCode::Error, msg))
    }

    /// Refuses a schema object whose name another object already has (in SQLite's
    /// namespaces: tables, views and indexes, their tables' automatic indexes included; or
    /// triggers), as re-running its CREATE statement would.
    fn check_new_name(&self, row: &str, name: &str, trigger: bool) -> Result<()> {
        let taken = if trigger {
            self.others.iter().any(|o| o.kind == "trigger" && o.name.eq_ignore_ascii_case(name))
        } else {
            self.table(name).is_some()
                || self.others.iter().any(|o| o.kind == "view" && o.name.eq_ignore_ascii_case(name))
                || self.tables.iter().any(|t| t.def.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(name)))
                || self.index(name).is_some()
        };
        if taken { Err(malformed(row, format!("{name} already exists"))) } else { Ok(()) }
    }

    pub(super) fn name_taken(&self, name: &str) -> bool {
        self.table(name).is_some()
            || self.index(name).is_some()
            || self.others.iter().any(|o| o.name.eq_ignore_ascii_case(name))
    }
}

/// The key order of an index (KeyInfo): each column's collation and direction; the rowid
/// (last) is BINARY ascending.
pub fn key_info_of(def: &IndexDef) -> KeyInfo {
    KeyInfo {
        collations: def.columns.iter().map(|c| c.collation).collect(),
        descending: def.columns.iter().map(|c| c.order == SortOrder::Desc).collect(),
    }
}

/// SQLite's "malformed database schema" error for the object `name`.
fn malformed(name: &str, why: impl std::fmt::Display) -> Error {
    Error::corrupt(format!("malformed database schema ({name}) - {why}"))
}

/// A schema column as the text sqlite3_exec hands to sqlite3InitCallback (NULL: None).
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) | Value::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(r) => Some(r.to_string()),
        Value::Null => None,
    }
}

/// A record OP_Column cannot read: SQLITE_CORRUPT, or the error that stopped the read.
fn column_error(f: ColumnFault) -> Error {
    match f {
        ColumnFault::Malformed => Error::corrupt("a sqlite_schema record is malformed"),
        ColumnFault::Error(e) => e,
    }
}

/// One row of sqlite_schema as read.
struct SchemaRow {
    rowid: i64,
    kind: String,
    /// NULL names are possible in a damaged file.
    name: Option<String>,
    tbl_name: String,
    root: Value,
    sql: Option<String>,
}

/// sqlite3GetUInt32 on the text of a rootpage value: all decimal digits, at most 2^32 (which
/// wraps to 0, as in SQLite); None otherwise.
fn root_page_number(v: &Value) -> Option<Pgno> {
    let text = match v {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) | Value::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        Value::Real(_) | Value::Null => return None,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = 0;
    for b in text.bytes() {
        v = v * 10 + u64::from(b - b'0');
        if v > 1 << 32 {
            return None;
        }
    }
    Some(v as u32)
}

/// SQLite's "malformed database schema (name)" with no further detail.
fn malformed_bare(name: &str) -> Error {
    Error::corrupt(format!("malformed database schema ({name})"))
}

impl Catalog {
    /// Adds one sqlite_schema row, with the checks of sqlite3InitCallback: a CREATE statement
    /// must parse, name in its row the object it creates (sqlite3CheckObjectName: type, name
    /// and table name, ignoring ASCII case) and have a root page within the file; an index's
    /// table must come before it; a row without SQL is an automatic index that its table's
    /// CREATE TABLE made, whose root page must be at least 2, within the file, and not
    /// another index's of the same table. As in SQLite, a CREATE row's root page may be 0
    /// (the tree then fails at its first use), and no name may be taken twice.
    fn add_schema_row(&mut self, row: SchemaRow, n_page: Pgno) -> Result<()> {
        let shown = row.name.clone().unwrap_or_else(|| "?".to_string());
        let name = shown.as_str();
        if row.root == Value::Null {
            return Err(malformed_bare(name));
        }
        let root = root_page_number(&row.root);
        let sql = row.sql.as_deref().unwrap_or("");
        let is_create = sql.len() >= 2 && sql.as_bytes()[..2].eq_ignore_ascii_case(b"cr");
        if !is_create {
            if row.name.is_none() || !sql.is_empty() {
                return Err(malformed_bare(name));
            }
            // An automatic index: its definition came with its table's CREATE TABLE.
            let (ti, def) = self
                .tables
                .iter()
                .enumerate()
                .find_map(|(ti, t)| {
                    t.def.indexes.iter().find(|i| i.name.eq_ignore_ascii_case(name)).map(|d| (ti, d.clone()))
                })
                .ok_or_else(|| malformed(name, "orphan index"))?;
            let table = Rc::make_mut(&mut self.tables[ti]);
            let root = root.filter(|&r| r >= 2 && r <= n_page && !table.indexes.iter().any(|i| i.root == r));
            let root = root.ok_or_else(|| malformed(name, "invalid rootpage"))?;
            let key_info = Rc::new(key_info_of(&def));
            table.indexes.insert(0, Index { def, root, schema_rowid: row.rowid, key_info });
            move_replace_last(&mut table.indexes);
            return Ok(());
        }
        let root = match root {
            Some(r) if n_page == 0 || r <= n_page => r,
            _ => return Err(malformed(name, "invalid rootpage")),
        };
        let names_match = |kind: &str, object: &str, table: &str| {
            row.kind.eq_ignore_ascii_case(kind)
                && row.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(object))
                && row.tbl_name.eq_ignore_ascii_case(table)
        };
        let stmt = parse_statement(sql).map_err(|e| malformed(name, e.message()))?.stmt;
        // A table or view row with root page 1 is parsed as sqlite_schema itself
        // (sqlite3StartTable's special case), whose name no row can have.
        if root == 1 && matches!(stmt, Stmt::CreateTable(_) | Stmt::CreateView(_)) {
            return Err(malformed_bare(name));
        }
        match stmt {
            Stmt::CreateTable(ast) => {
                let def = TableDef::from_ast(&ast).map_err(|e| malformed(name, e.message()))?;
                if !names_match("table", &def.name, &def.name) {
                    return Err(malformed_bare(name));
                }
                self.check_new_name(name, &def.name, false)?;
                self.tables.push(Rc::new(Table { def, root, schema_rowid: row.rowid, indexes: Vec::new() }));
            }
            Stmt::CreateIndex(ast) => {
                self.check_new_name(name, ast.name.name.as_str(), false)?;
                let table = self
                    .tables
                    .iter_mut()
                    .find(|t| t.def.name.eq_ignore_ascii_case(&ast.table))
                    .ok_or_else(|| malformed(name, format!("no such table: main.{}", ast.table)))?;
                let table = Rc::make_mut(table);
                let def = IndexDef::from_ast(&ast, &table.def).map_err(|e| malformed(name, e.message()))?;
                if !names_match("index", &def.name, &table.def.name) {
                    return Err(malformed_bare(name));
                }
                ensure_corrupt!(
                    !table.indexes.iter().any(|i| i.root == root),
                    "malformed database schema ({name}) - invalid rootpage"
                );
                let key_info = Rc::new(key_info_of(&def));
                table.indexes.insert(0, Index { def, root, schema_rowid: row.rowid, key_info });
                move_replace_last(&mut table.indexes);
            }
            other => {
                let (kind, object, table) = match &other {
                    Stmt::CreateView(v) => ("view", v.name.name.as_str().to_string(), v.name.name.as_str().to_string()),
                    Stmt::CreateTrigger(t) => {
                        ("trigger", t.name.name.as_str().to_string(), t.table.name.as_str().to_string())
                    }
                    _ => return Err(malformed(name, "not a CREATE TABLE, INDEX, VIEW or TRIGGER statement")),
                };
                if !names_match(kind, &object, &table) {
                    return Err(malformed_bare(name));
                }
                self.check_new_name(name, &object, kind == "trigger")?;
                self.others.push(OtherObject {
                    kind: row.kind,
                    name: shown,
                    tbl_name: row.tbl_name,
                    schema_rowid: row.rowid,
                    sql: row.sql,
                });
            }
        }
        Ok(())
    }
}

impl Database {
    /// Reads sqlite_schema into a catalog (sqlite3InitOne). Requires a read transaction.
    pub(super) fn load_catalog(&mut self) -> Result<Catalog> {
        let cookie = self.bt.get_meta(offset::SCHEMA_COOKIE)?;
        // sqlite3InitOne keeps the schema format's low byte only.
        let format = self.bt.get_meta(offset::SCHEMA_FORMAT)? & 0xff;
        // sqlite3InitOne reads the low two bits; 0 means UTF-8.
        let encoding = self.bt.get_meta(offset::TEXT_ENCODING)? & 3;
        if format > 4 {
            return Err(Error::new(ErrorCode::Error, format!("unsupported file format {format}")));
        }
        if encoding > 1 {
            return Err(Error::new(ErrorCode::Error, "UTF-16 databases are not supported yet"));
        }
        let mut catalog = Catalog { cookie, ..Catalog::default() };
        let n_page = self.bt.page_count();
        // Rows are processed in the order the cursor yields them, as sqlite3InitCallback
        // processes "SELECT * FROM sqlite_schema ORDER BY rowid", which a damaged tree may
        // yield out of rowid order.
        let c = self.bt.cursor(1, None)?;
        let mut more = self.bt.first(&c)?;
        while more {
            // Each row's columns are read as OP_Column reads them, first to last.
            let view = self.bt.payload_view(&c)?;
            let rowid = view.cell.key;
            let mut rec = RecordView::new(view).map_err(column_error)?;
            let mut col = |db: &mut Database, i: usize| -> Result<Value> {
                match rec.column(&mut db.bt, i).map_err(column_error)? {
                    Column::Present(_) => rec.value(&mut db.bt, i).map_err(column_error),
                    Column::Missing => Ok(Value::Null),
                }
            };
            let (kind, name, tbl_name) = (col(self, 0)?, col(self, 1)?, col(self, 2)?);
            let (root, sql) = (col(self, 3)?, col(self, 4)?);
            let row = SchemaRow {
                rowid,
                kind: text_of(&kind).unwrap_or_default(),
                name: text_of(&name),
                tbl_name: text_of(&tbl_name).unwrap_or_default(),
                root,
                sql: text_of(&sql),
            };
            catalog.add_schema_row(row, n_page)?;
            more = self.bt.next(&c)?;
        }
        Ok(catalog)
    }

    /// The rowid for a new row of the table rooted at `root` (OP_NewRowid): one more than
    /// the largest, 1 for an empty table.
    pub(super) fn new_rowid(&mut self, c: &crate::btree::Cursor) -> Result<i64> {
        if !self.bt.last(c)? {
            return Ok(1);
        }
        let max = self.bt.rowid(c)?;
        max.checked_add(1).ok_or_else(|| Error::full("database or disk is full: no rowid left"))
    }

    /// Appends a row to sqlite_schema and returns its rowid.
    fn insert_schema_row(&mut self, values: &[Value]) -> Result<i64> {
        let c = self.bt.cursor(1, None)?;
        let rowid = self.new_rowid(&c)?;
        self.bt.insert_row(&c, rowid, &encode_values(values), InsertFlags { append: true, save_position: false })?;
        Ok(rowid)
    }

    /// Deletes the sqlite_schema rows for which `matches(type, name, tbl_name)` holds, in
    /// rowid order.
    fn delete_schema_rows(&mut self, matches: impl Fn(&str, &str, &str) -> bool) -> Result<()> {
        let c = self.bt.cursor(1, None)?;
        let mut more = self.bt.first(&c)?;
        while more {
            let payload = self.bt.payload(&c)?;
            let rec = Record::parse(&payload)?;
            let (kind, name, tbl) = (
                text_of(&rec.get(0).to_owned()).unwrap_or_default(),
                text_of(&rec.get(1).to_owned()).unwrap_or_default(),
                text_of(&rec.get(2).to_owned()).unwrap_or_default(),
            );
            if matches(&kind, &name, &tbl) {
                self.bt.delete(&c, true)?;
            }
            more = self.bt.next(&c)?;
        }
        Ok(())
    }

    fn bump_cookie(&mut self) -> Result<()> {
        let cookie = self.bt.get_meta(offset::SCHEMA_COOKIE)?.wrapping_add(1);
        self.bt.update_meta(offset::SCHEMA_COOKIE, cookie)?;
        self.catalog.cookie = cookie;
        self.schema_changed = true;
        Ok(())
    }

    /// Runs one CREATE TABLE / CREATE INDEX / DROP statement inside the current write
    /// transaction.
    pub(super) fn run_ddl(&mut self, sql: &str) -> Result<()> {
        let parsed = parse_statement(sql)?;
        // The checks of preparation, again: the catalog may have changed since (the
        // statement's schema cookie says whether it did; this keeps run_ddl safe alone).
        if check_ddl(&self.catalog, &parsed.stmt)? == DdlCheck::Nothing {
            return Ok(());
        }
        match parsed.stmt {
            Stmt::CreateTable(ast) => {
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE TABLE without stored text"))?;
                let def = TableDef::from_ast(&ast)?;
                self.create_table(def, stored)
            }
            Stmt::CreateView(ast) => {
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE VIEW without stored text"))?;
                self.create_view(ast.name.name.as_str(), stored)
            }
            Stmt::CreateIndex(ast) => {
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE INDEX without stored text"))?;
                let table =
                    self.catalog.table(&ast.table).ok_or_else(|| Error::internal("CREATE INDEX: table vanished"))?;
                let def = IndexDef::from_ast(&ast, &table.def)?;
                self.create_index(def, stored)
            }
            Stmt::Drop(d) => {
                let name = d.name.name.as_str();
                match d.kind {
                    DropKind::Table => self.drop_table(name),
                    DropKind::Index => self.drop_index(name),
                    DropKind::View => self.drop_view(name),
                    DropKind::Trigger => self.drop_trigger(name),
                }
            }
            Stmt::CreateTrigger(ast) => {
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE TRIGGER without stored text"))?;
                self.create_trigger(&ast, stored)
            }
            Stmt::Reindex(target) => self.reindex(target.as_ref()),
            _ => Err(Error::internal("check_ddl accepted a statement that is not DDL")),
        }
    }

    fn create_table(&mut self, def: TableDef, stored: String) -> Result<()> {
        if def.without_rowid {
            return Err(Error::new(ErrorCode::Error, "WITHOUT ROWID tables are not supported yet"));
        }
        if def.autoincrement {
            return Err(Error::new(ErrorCode::Error, "AUTOINCREMENT is not supported yet"));
        }
        if self.bt.get_meta(offset::SCHEMA_FORMAT)? == 0 {
            self.bt.update_meta(offset::SCHEMA_FORMAT, 4)?;
            self.bt.update_meta(offset::TEXT_ENCODING, 1)?;
        }
        let root = self.bt.create_tree(TreeKind::Table)?;
        let placeholder = self.insert_schema_row(&[Value::Null, Value::Null, Value::Null, Value::Null, Value::Null])?;
        let mut indexes = Vec::new();
        for idef in &def.indexes {
            let iroot = self.bt.create_tree(TreeKind::Index)?;
            let rowid = self.insert_schema_row(&[
                Value::text("index"),
                Value::text(&idef.name),
                Value::text(&def.name),
                Value::Integer(i64::from(iroot)),
                Value::Null,
            ])?;
            let key_info = Rc::new(key_info_of(idef));
            indexes.insert(0, Index { def: idef.clone(), root: iroot, schema_rowid: rowid, key_info });
            move_replace_last(&mut indexes);
        }
        // sqlite3EndTable's UPDATE ... WHERE rowid=#: seek, then replace the cell.
        let c = self.bt.cursor(1, None)?;
        let found = self.bt.seek_rowid(&c, placeholder, false)?;
        ensure_corrupt!(found == 0, "sqlite_schema placeholder row {placeholder} vanished");
        let rec = encode_values(&[
            Value::text("table"),
            Value::text(&def.name),
            Value::text(&def.name),
            Value::Integer(i64::from(root)),
            Value::text(&stored),
        ]);
        self.bt.insert_row(&c, placeholder, &rec, InsertFlags::default())?;
        drop(c);
        self.bump_cookie()?;
        self.catalog.tables.push(Rc::new(Table { def, root, schema_rowid: placeholder, indexes }));
        Ok(())
    }

    fn create_index(&mut self, def: IndexDef, stored: String) -> Result<()> {
        if def.where_clause.is_some() {
            return Err(Error::new(ErrorCode::Error, "partial indexes are not supported yet"));
        }
        if def.columns.iter().any(|c| matches!(c.target, IndexTarget::Expr(_))) {
            return Err(Error::new(ErrorCode::Error, "indexes on expressions are not supported yet"));
        }
        let table_name = self
            .catalog
            .table(&def.table)
            .map(|t| t.def.name.clone())
            .ok_or_else(|| Error::internal("CREATE INDEX: table vanished"))?;
        let root = self.bt.create_tree(TreeKind::Index)?;
        let rowid = self.insert_schema_row(&[
            Value::text("index"),
            Value::text(&def.name),
            Value::text(&table_name),
            Value::Integer(i64::from(root)),
            Value::text(&stored),
        ])?;
        let key_info = Rc::new(key_info_of(&def));
        let index = Index { def, root, schema_rowid: rowid, key_info };
        self.fill_index(&table_name, &index)?;
        self.bump_cookie()?;
        let table = self
            .catalog
            .tables
            .iter_mut()
            .find(|t| t.def.name == table_name)
            .ok_or_else(|| Error::internal("CREATE INDEX: table vanished"))?;
        let table = Rc::make_mut(table);
        table.indexes.insert(0, index);
        move_replace_last(&mut table.indexes);
        Ok(())
    }

    /// DROP TABLE of a table [`check_ddl`] found.
    fn drop_table(&mut self, name: &str) -> Result<()> {
        let table = self.catalog.table(name).cloned().ok_or_else(|| Error::internal("DROP TABLE: table vanished"))?;
        let tbl = table.def.name.clone();
        // sqlite3CodeDropTable: each trigger of the table is dropped first (the table's
        // trigger list is newest first), then every other row naming the table.
        let mut triggers: Vec<(i64, String)> = self
            .catalog
            .others
            .iter()
            .filter(|o| o.kind == "trigger" && o.tbl_name == tbl)
            .map(|o| (o.schema_rowid, o.name.clone()))
            .collect();
        triggers.sort_by_key(|t| std::cmp::Reverse(t.0));
        for (_, trigger) in &triggers {
            self.delete_schema_rows(|kind, n, _| kind == "trigger" && n == trigger)?;
        }
        self.delete_schema_rows(|kind, _, t| t == tbl && kind != "trigger")?;
        let mut roots: Vec<Pgno> = std::iter::once(table.root).chain(table.indexes.iter().map(|i| i.root)).collect();
        roots.sort_unstable_by(|a, b| b.cmp(a));
        for root in roots {
            self.bt.drop_tree(root)?;
        }
        self.bump_cookie()?;
        self.catalog.tables.retain(|t| t.def.name != tbl);
        self.catalog.others.retain(|o| o.tbl_name != tbl);
        Ok(())
    }

    /// CREATE VIEW: a sqlite_schema row of type 'view' with root page 0; the SELECT is
    /// resolved when a statement reads the view (as SQLite does, a view over a missing table
    /// can be created; reading it is the error).
    fn create_view(&mut self, name: &str, stored: String) -> Result<()> {
        if self.bt.get_meta(offset::SCHEMA_FORMAT)? == 0 {
            self.bt.update_meta(offset::SCHEMA_FORMAT, 4)?;
            self.bt.update_meta(offset::TEXT_ENCODING, 1)?;
        }
        let rowid = self.insert_schema_row(&[
            Value::text("view"),
            Value::text(name),
            Value::text(name),
            Value::Integer(0),
            Value::text(&stored),
        ])?;
        self.bump_cookie()?;
        self.catalog.others.push(OtherObject {
            kind: "view".to_string(),
            name: name.to_string(),
            tbl_name: name.to_string(),
            schema_rowid: rowid,
            sql: Some(stored),
        });
        Ok(())
    }

    /// REINDEX (sqlite3Reindex): every index; or those using a collation; or a table's; or
    /// one index. Each is emptied and filled again from its table, as sqlite3RefillIndex
    /// does; the schema does not change.
    fn reindex(&mut self, target: Option<&crate::sql::ast::QualifiedName>) -> Result<()> {
        if let Some(t) = target {
            check_schema_name(t.schema_name())?;
        }
        let name = target.map(|t| t.name.name.clone());
        let collation = name.as_deref().and_then(crate::format::value::Collation::from_name);
        let mut chosen: Vec<(String, Index)> = Vec::new();
        for table in &self.catalog.tables {
            for index in &table.indexes {
                let take = match (&name, collation) {
                    (None, _) => true,
                    (Some(_), Some(c)) if target.is_some_and(|t| t.schema.is_none()) => {
                        index.def.columns.iter().any(|col| col.collation == c)
                    }
                    (Some(n), _) => table.def.name.eq_ignore_ascii_case(n) || index.def.name.eq_ignore_ascii_case(n),
                };
                if take {
                    chosen.push((table.def.name.clone(), index.clone()));
                }
            }
        }
        let known = match &name {
            None => true,
            Some(n) => collation.is_some() || self.catalog.table(n).is_some() || self.catalog.index(n).is_some(),
        };
        if !known {
            return Err(Error::new(ErrorCode::Error, "unable to identify the object to be reindexed"));
        }
        for (table, index) in chosen {
            self.bt.clear_tree(index.root)?;
            self.fill_index(&table, &index)?;
        }
        Ok(())
    }

    /// CREATE TRIGGER (sqlite3BeginTrigger / sqlite3FinishTrigger): its row is stored as
    /// SQLite stores it. The engine does not run triggers yet: INSERT, UPDATE and DELETE on a
    /// table or view that has one are refused at compile time (compile/dml.rs), so a trigger
    /// is never silently skipped.
    fn create_trigger(&mut self, ast: &crate::sql::ast::CreateTrigger, stored: String) -> Result<()> {
        let name = ast.name.name.as_str();
        let target = ast.table.name.as_str();
        let tbl_name = match (self.catalog.table(target), self.catalog.view(target)) {
            (Some(t), _) => t.def.name.clone(),
            (None, Some(v)) => v.name.clone(),
            (None, None) => return Err(Error::internal("CREATE TRIGGER: target vanished")),
        };
        let rowid = self.insert_schema_row(&[
            Value::text("trigger"),
            Value::text(name),
            Value::text(&tbl_name),
            Value::Integer(0),
            Value::text(&stored),
        ])?;
        self.bump_cookie()?;
        self.catalog.others.push(OtherObject {
            kind: "trigger".to_string(),
            name: name.to_string(),
            tbl_name,
            schema_rowid: rowid,
            sql: Some(stored),
        });
        Ok(())
    }

    /// DROP TRIGGER (sqlite3DropTriggerPtr): deletes its row.
    fn drop_trigger(&mut self, name: &str) -> Result<()> {
        let trigger =
            self.catalog.trigger(name).cloned().ok_or_else(|| Error::internal("DROP TRIGGER: trigger vanished"))?;
        let tname = trigger.name.clone();
        self.delete_schema_rows(|kind, n, _| kind == "trigger" && n == tname)?;
        self.bump_cookie()?;
        self.catalog.others.retain(|o| !(o.kind == "trigger" && o.name == tname));
        Ok(())
    }

    /// DROP VIEW (sqlite3DropTable with isView): its row goes, with any trigger on it.
    fn drop_view(&mut self, name: &str) -> Result<()> {
        let view = self.catalog.view(name).cloned().ok_or_else(|| Error::internal("DROP VIEW: view vanished"))?;
        let vname = view.name.clone();
        self.delete_schema_rows(|_, n, t| n == vname || t == vname)?;
        self.bump_cookie()?;
        self.catalog.others.retain(|o| o.name != vname && o.tbl_name != vname);
        Ok(())
    }

    /// DROP INDEX of an index [`check_ddl`] found and allowed.
    fn drop_index(&mut self, name: &str) -> Result<()> {
        let (table, index) = self
            .catalog
            .index(name)
            .map(|(t, i)| (t.def.name.clone(), i.clone()))
            .ok_or_else(|| Error::internal("DROP INDEX: index vanished"))?;
        let iname = index.def.name.clone();
        self.delete_schema_rows(|kind, n, _| n == iname && kind == "index")?;
        self.bump_cookie()?;
        self.bt.drop_tree(index.root)?;
        if let Some(t) = self.catalog.tables.iter_mut().find(|t| t.def.name == table) {
            Rc::make_mut(t).indexes.retain(|i| i.def.name != iname);
        }
        Ok(())
    }
}

/// Keeps REPLACE indexes last, as sqlite3CreateIndex keeps pTab->pIndex.
fn move_replace_last(list: &mut [Index]) {
    crate::schema::move_replace_last(list, |i| i.def.on_conflict);
}
