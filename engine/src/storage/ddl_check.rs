//! The checks of a CREATE or DROP statement against the catalog, made when the statement is
//! prepared (as SQLite's parser actions make them: sqlite3StartTable, sqlite3CreateIndex,
//! sqlite3DropTable, sqlite3DropIndex, sqlite3BeginTrigger, sqlite3DropTrigger) and made again
//! when it runs, against the catalog of that moment.
//!
//! Preparing them matters beyond the wording: a statement that fails here, or that an
//! IF [NOT] EXISTS clause turns into nothing, never asks for a write lock. In SQLite,
//! `CREATE TABLE t(x)` for an existing `t` says "table t already exists" even while another
//! connection holds the database's PENDING lock, and `DROP INDEX IF EXISTS gone` needs only a
//! read transaction (sqlite3CodeVerifySchema).

use super::catalog::Catalog;
use crate::error::{Error, ErrorCode, Result};
use crate::schema::IndexOrigin;
use crate::sql::ast::{DropKind, Stmt, TriggerTime};

/// What a DDL statement does to the catalog it was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DdlCheck {
    /// It creates or drops something.
    Change,
    /// Nothing: IF NOT EXISTS on a name that exists, or IF EXISTS on one that does not.
    /// The statement only verifies the schema cookie (a read transaction).
    Nothing,
}

/// Checks `stmt` (a CREATE, DROP or REINDEX statement) against `catalog`: the error SQLite
/// reports while preparing it, or what it will do. Pure: reads `catalog` only.
pub fn check_ddl(catalog: &Catalog, stmt: &Stmt) -> Result<DdlCheck> {
    use DdlCheck::{Change, Nothing};
    match stmt {
        Stmt::CreateTable(ast) => {
            check_schema_name(ast.name.schema_name())?;
            if ast.temp {
                return Err(error("TEMP tables are not supported yet"));
            }
            created(catalog.name_conflict(ast.name.name.as_str()), ast.if_not_exists)
        }
        Stmt::CreateView(ast) => {
            check_schema_name(ast.name.schema_name())?;
            if ast.temp {
                return Err(error("TEMP views are not supported yet"));
            }
            created(catalog.name_conflict(ast.name.name.as_str()), ast.if_not_exists)
        }
        Stmt::CreateIndex(ast) => {
            check_schema_name(ast.name.schema_name())?;
            if catalog.table(&ast.table).is_none() {
                return Err(error(format!("no such table: main.{}", ast.table)));
            }
            let name = ast.name.name.as_str();
            let conflict = catalog.name_taken(name).then(|| error(format!("index {name} already exists")));
            created(conflict, ast.if_not_exists)
        }
        Stmt::CreateTrigger(ast) => {
            check_schema_name(ast.name.schema_name())?;
            if ast.temp {
                return Err(error("TEMP triggers are not supported yet"));
            }
            let name = ast.name.name.as_str();
            let target = ast.table.name.as_str();
            let on_view = catalog.view(target).is_some();
            let tbl_name = match (catalog.table(target), catalog.view(target)) {
                (Some(t), _) => t.def.name.as_str(),
                (None, Some(v)) => v.name.as_str(),
                (None, None) => return Err(error(format!("no such table: main.{target}"))),
            };
            if tbl_name.as_bytes().get(..7).is_some_and(|p| p.eq_ignore_ascii_case(b"sqlite_")) {
                return Err(error("cannot create trigger on system table"));
            }
            if on_view && ast.time != TriggerTime::InsteadOf {
                let when = if ast.time == TriggerTime::Before { "BEFORE" } else { "AFTER" };
                return Err(error(format!("cannot create {when} trigger on view: {target}")));
            }
            if !on_view && ast.time == TriggerTime::InsteadOf {
                return Err(error(format!("cannot create INSTEAD OF trigger on table: {target}")));
            }
            let conflict = catalog.trigger(name).is_some().then(|| error(format!("trigger {name} already exists")));
            created(conflict, ast.if_not_exists)
        }
        Stmt::Drop(d) => {
            check_schema_name(d.name.schema_name())?;
            let name = d.name.name.as_str();
            let found = match d.kind {
                DropKind::Table => {
                    if catalog.table(name).is_none() && catalog.view(name).is_some() {
                        return Err(error(format!("use DROP VIEW to delete view {name}")));
                    }
                    let is_schema_table =
                        name.eq_ignore_ascii_case("sqlite_master") || name.eq_ignore_ascii_case("sqlite_schema");
                    if catalog.table(name).is_some() && is_schema_table {
                        return Err(error(format!("table {name} may not be dropped")));
                    }
                    catalog.table(name).is_some()
                }
                DropKind::View => {
                    if catalog.view(name).is_none() && catalog.table(name).is_some() {
                        return Err(error(format!("use DROP TABLE to delete table {name}")));
                    }
                    catalog.view(name).is_some()
                }
                DropKind::Index => match catalog.index(name) {
                    Some((_, index)) if index.def.origin != IndexOrigin::CreateIndex => {
                        return Err(error("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"));
                    }
                    found => found.is_some(),
                },
                DropKind::Trigger => catalog.trigger(name).is_some(),
            };
            match (found, d.if_exists) {
                (true, _) => Ok(Change),
                (false, true) => Ok(Nothing),
                (false, false) => Err(error(format!("no such {}: {name}", kind_word(d.kind)))),
            }
        }
        Stmt::Reindex(_) => Ok(Change),
        _ => Err(error("not a CREATE, DROP or REINDEX statement")),
    }
}

/// A CREATE whose name is taken (`conflict`) fails, or with IF NOT EXISTS does nothing.
fn created(conflict: Option<Error>, if_not_exists: bool) -> Result<DdlCheck> {
    match conflict {
        None => Ok(DdlCheck::Change),
        Some(_) if if_not_exists => Ok(DdlCheck::Nothing),
        Some(e) => Err(e),
    }
}

fn kind_word(kind: DropKind) -> &'static str {
    match kind {
        DropKind::Table => "table",
        DropKind::View => "view",
        DropKind::Index => "index",
        DropKind::Trigger => "trigger",
    }
}

/// Only the main database exists: `main.` is allowed, any other schema name is an error.
pub(super) fn check_schema_name(schema: Option<&str>) -> Result<()> {
    match schema {
        None => Ok(()),
        Some(s) if s.eq_ignore_ascii_case("main") => Ok(()),
        Some(s) => Err(error(format!("unknown database {s}"))),
    }
}

fn error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Error, message)
}
