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
use crate::btree::modify::InsertFlags;
use crate::btree::{KeyInfo, TreeKind};
use crate::ensure_corrupt;
use crate::error::{Error, ErrorCode, Result};
use crate::format::header::offset;
use crate::format::record::{Record, encode_values};
use crate::format::value::{Value, ValueRef};
use crate::pager::Pgno;
use crate::schema::{IndexDef, IndexOrigin, IndexTarget, TableDef};
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
    fn name_conflict(&self, name: &str) -> Option<Error> {
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

    fn name_taken(&self, name: &str) -> bool {
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

fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

impl Database {
    /// Reads sqlite_schema into a catalog (sqlite3InitOne). Requires a read transaction.
    pub(super) fn load_catalog(&mut self) -> Result<Catalog> {
        let cookie = self.bt.get_meta(offset::SCHEMA_COOKIE)?;
        let format = self.bt.get_meta(offset::SCHEMA_FORMAT)?;
        // sqlite3InitOne reads the low two bits; 0 means UTF-8.
        let encoding = self.bt.get_meta(offset::TEXT_ENCODING)? & 3;
        if format > 4 {
            return Err(Error::new(ErrorCode::Error, format!("unsupported file format {format}")));
        }
        if encoding > 1 {
            return Err(Error::new(ErrorCode::Error, "UTF-16 databases are not supported yet"));
        }
        let mut catalog = Catalog { cookie, ..Catalog::default() };
        let mut rows = Vec::new();
        let c = self.bt.cursor(1, None)?;
        let mut more = self.bt.first(&c)?;
        while more {
            let rowid = self.bt.rowid(&c)?;
            let payload = self.bt.payload(&c)?;
            let rec = Record::parse(&payload)?;
            let kind = text_of(rec.get(0)).unwrap_or_default();
            let name = text_of(rec.get(1)).unwrap_or_default();
            let tbl_name = text_of(rec.get(2)).unwrap_or_default();
            let root = match rec.get(3) {
                ValueRef::Integer(r) if (0..=i64::from(u32::MAX)).contains(&r) => r as Pgno,
                ValueRef::Null => 0,
                _ => return Err(malformed(&name, "invalid rootpage")),
            };
            let sql = text_of(rec.get(4));
            rows.push((rowid, kind, name, tbl_name, root, sql));
            more = self.bt.next(&c)?;
        }
        // Tables first (their implied indexes come from their CREATE TABLE text), then
        // explicit indexes in rowid order, each put in front of its table's list.
        for (rowid, kind, name, _tbl, root, sql) in &rows {
            if kind != "table" {
                continue;
            }
            let sql = sql.as_deref().ok_or_else(|| malformed(name, "table without sql"))?;
            let Stmt::CreateTable(ast) = parse_statement(sql).map_err(|e| malformed(name, e.message()))?.stmt else {
                return Err(malformed(name, "not a CREATE TABLE statement"));
            };
            let def = TableDef::from_ast(&ast).map_err(|e| malformed(name, e.message()))?;
            ensure_corrupt!(*root >= 1 || def.without_rowid, "malformed database schema ({name}) - invalid rootpage");
            catalog.tables.push(Rc::new(Table { def, root: *root, schema_rowid: *rowid, indexes: Vec::new() }));
        }
        for (rowid, kind, name, tbl_name, root, sql) in &rows {
            match kind.as_str() {
                "table" => {}
                "index" => {
                    let table = Rc::make_mut(
                        catalog
                            .tables
                            .iter_mut()
                            .find(|t| t.def.name.eq_ignore_ascii_case(tbl_name))
                            .ok_or_else(|| malformed(name, "index of a missing table"))?,
                    );
                    let def = match sql {
                        None => table
                            .def
                            .indexes
                            .iter()
                            .find(|i| i.name.eq_ignore_ascii_case(name))
                            .cloned()
                            .ok_or_else(|| malformed(name, "orphan index"))?,
                        Some(sql) => {
                            let Stmt::CreateIndex(ast) =
                                parse_statement(sql).map_err(|e| malformed(name, e.message()))?.stmt
                            else {
                                return Err(malformed(name, "not a CREATE INDEX statement"));
                            };
                            IndexDef::from_ast(&ast, &table.def).map_err(|e| malformed(name, e.message()))?
                        }
                    };
                    ensure_corrupt!(*root >= 2, "malformed database schema ({name}) - invalid rootpage");
                    let key_info = Rc::new(key_info_of(&def));
                    table.indexes.insert(0, Index { def, root: *root, schema_rowid: *rowid, key_info });
                    move_replace_last(&mut table.indexes);
                }
                _ => catalog.others.push(OtherObject {
                    kind: kind.clone(),
                    name: name.clone(),
                    tbl_name: tbl_name.clone(),
                    schema_rowid: *rowid,
                    sql: sql.clone(),
                }),
            }
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
                text_of(rec.get(0)).unwrap_or_default(),
                text_of(rec.get(1)).unwrap_or_default(),
                text_of(rec.get(2)).unwrap_or_default(),
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
        Ok(())
    }

    /// Runs one CREATE TABLE / CREATE INDEX / DROP statement inside the current write
    /// transaction.
    pub(super) fn run_ddl(&mut self, sql: &str) -> Result<()> {
        let parsed = parse_statement(sql)?;
        match parsed.stmt {
            Stmt::CreateTable(ast) => {
                check_schema_name(ast.name.schema_name())?;
                if ast.temp {
                    return Err(Error::new(ErrorCode::Error, "TEMP tables are not supported yet"));
                }
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE TABLE without stored text"))?;
                if let Some(e) = self.catalog.name_conflict(ast.name.name.as_str()) {
                    return if ast.if_not_exists { Ok(()) } else { Err(e) };
                }
                let def = TableDef::from_ast(&ast)?;
                self.create_table(def, stored)
            }
            Stmt::CreateView(ast) => {
                check_schema_name(ast.name.schema_name())?;
                if ast.temp {
                    return Err(Error::new(ErrorCode::Error, "TEMP views are not supported yet"));
                }
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE VIEW without stored text"))?;
                if let Some(e) = self.catalog.name_conflict(ast.name.name.as_str()) {
                    return if ast.if_not_exists { Ok(()) } else { Err(e) };
                }
                self.create_view(ast.name.name.as_str(), stored)
            }
            Stmt::CreateIndex(ast) => {
                check_schema_name(ast.name.schema_name())?;
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE INDEX without stored text"))?;
                let table = self
                    .catalog
                    .table(&ast.table)
                    .ok_or_else(|| Error::new(ErrorCode::Error, format!("no such table: main.{}", ast.table)))?;
                if self.catalog.name_taken(ast.name.name.as_str()) {
                    if ast.if_not_exists {
                        return Ok(());
                    }
                    return Err(Error::new(
                        ErrorCode::Error,
                        format!("index {} already exists", ast.name.name.as_str()),
                    ));
                }
                let def = IndexDef::from_ast(&ast, &table.def)?;
                self.create_index(def, stored)
            }
            Stmt::Drop(d) => {
                check_schema_name(d.name.schema_name())?;
                match d.kind {
                    DropKind::Table => self.drop_table(d.name.name.as_str(), d.if_exists),
                    DropKind::Index => self.drop_index(d.name.name.as_str(), d.if_exists),
                    DropKind::View => self.drop_view(d.name.name.as_str(), d.if_exists),
                    DropKind::Trigger => self.drop_trigger(d.name.name.as_str(), d.if_exists),
                }
            }
            Stmt::CreateTrigger(ast) => {
                check_schema_name(ast.name.schema_name())?;
                if ast.temp {
                    return Err(Error::new(ErrorCode::Error, "TEMP triggers are not supported yet"));
                }
                let stored = parsed.schema_sql.ok_or_else(|| Error::internal("CREATE TRIGGER without stored text"))?;
                self.create_trigger(&ast, stored)
            }
            Stmt::Reindex(target) => self.reindex(target.as_ref()),
            _ => Err(Error::new(ErrorCode::Error, "not a CREATE, DROP or REINDEX statement")),
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
        let table_name = self.catalog.table(&def.table).map(|t| t.def.name.clone()).expect("checked by caller");
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
        let table = Rc::make_mut(
            self.catalog.tables.iter_mut().find(|t| t.def.name == table_name).expect("table exists in the catalog"),
        );
        table.indexes.insert(0, index);
        move_replace_last(&mut table.indexes);
        Ok(())
    }

    fn drop_table(&mut self, name: &str, if_exists: bool) -> Result<()> {
        let Some(table) = self.catalog.table(name).cloned() else {
            if self.catalog.view(name).is_some() {
                return Err(Error::new(ErrorCode::Error, format!("use DROP VIEW to delete view {name}")));
            }
            if if_exists {
                return Ok(());
            }
            return Err(Error::new(ErrorCode::Error, format!("no such table: {name}")));
        };
        if table.def.name.eq_ignore_ascii_case("sqlite_master") || table.def.name.eq_ignore_ascii_case("sqlite_schema")
        {
            return Err(Error::new(ErrorCode::Error, format!("table {name} may not be dropped")));
        }
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
        triggers.sort_by(|a, b| b.0.cmp(&a.0));
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
        use crate::sql::ast::TriggerTime;
        let name = ast.name.name.as_str();
        let target = ast.table.name.as_str();
        let on_view = self.catalog.view(target).map(|v| v.name.clone());
        let on_table = self.catalog.table(target).map(|t| t.def.name.clone());
        let Some(tbl_name) = on_table.clone().or(on_view.clone()) else {
            return Err(Error::new(ErrorCode::Error, format!("no such table: main.{target}")));
        };
        if tbl_name.len() >= 7 && tbl_name[..7].eq_ignore_ascii_case("sqlite_") {
            return Err(Error::new(ErrorCode::Error, "cannot create trigger on system table"));
        }
        if on_view.is_some() && ast.time != TriggerTime::InsteadOf {
            let when = if ast.time == TriggerTime::Before { "BEFORE" } else { "AFTER" };
            return Err(Error::new(ErrorCode::Error, format!("cannot create {when} trigger on view: {target}")));
        }
        if on_table.is_some() && ast.time == TriggerTime::InsteadOf {
            return Err(Error::new(ErrorCode::Error, format!("cannot create INSTEAD OF trigger on table: {target}")));
        }
        if self.catalog.trigger(name).is_some() {
            if ast.if_not_exists {
                return Ok(());
            }
            return Err(Error::new(ErrorCode::Error, format!("trigger {name} already exists")));
        }
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
    fn drop_trigger(&mut self, name: &str, if_exists: bool) -> Result<()> {
        let Some(trigger) = self.catalog.trigger(name).cloned() else {
            if if_exists {
                return Ok(());
            }
            return Err(Error::new(ErrorCode::Error, format!("no such trigger: {name}")));
        };
        let tname = trigger.name.clone();
        self.delete_schema_rows(|kind, n, _| kind == "trigger" && n == tname)?;
        self.bump_cookie()?;
        self.catalog.others.retain(|o| !(o.kind == "trigger" && o.name == tname));
        Ok(())
    }

    /// DROP VIEW (sqlite3DropTable with isView): its row goes, with any trigger on it.
    fn drop_view(&mut self, name: &str, if_exists: bool) -> Result<()> {
        let Some(view) = self.catalog.view(name).cloned() else {
            if self.catalog.table(name).is_some() {
                return Err(Error::new(ErrorCode::Error, format!("use DROP TABLE to delete table {name}")));
            }
            if if_exists {
                return Ok(());
            }
            return Err(Error::new(ErrorCode::Error, format!("no such view: {name}")));
        };
        let vname = view.name.clone();
        self.delete_schema_rows(|_, n, t| n == vname || t == vname)?;
        self.bump_cookie()?;
        self.catalog.others.retain(|o| o.name != vname && o.tbl_name != vname);
        Ok(())
    }

    fn drop_index(&mut self, name: &str, if_exists: bool) -> Result<()> {
        let Some((table, index)) = self.catalog.index(name).map(|(t, i)| (t.def.name.clone(), i.clone())) else {
            if if_exists {
                return Ok(());
            }
            return Err(Error::new(ErrorCode::Error, format!("no such index: {name}")));
        };
        if index.def.origin != IndexOrigin::CreateIndex {
            return Err(Error::new(
                ErrorCode::Error,
                "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped",
            ));
        }
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

/// Only the main database exists: `main.` is allowed, any other schema name is an error.
fn check_schema_name(schema: Option<&str>) -> Result<()> {
    match schema {
        None => Ok(()),
        Some(s) if s.eq_ignore_ascii_case("main") => Ok(()),
        Some(s) => Err(Error::new(ErrorCode::Error, format!("unknown database {s}"))),
    }
}

/// Keeps REPLACE indexes last, as sqlite3CreateIndex keeps pTab->pIndex.
fn move_replace_last(list: &mut [Index]) {
    crate::schema::move_replace_last(list, |i| i.def.on_conflict);
}
