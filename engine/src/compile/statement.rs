//! Statements to programs: the entry point, and the statements that are not queries or DML —
//! DDL, transaction control, PRAGMA, EXPLAIN.

use std::rc::Rc;

use super::resolve::Resolver;
use super::select::Dest;
use super::{Compiler, PlanRow, err};
use crate::error::Result;
use crate::format::value::Value;
use crate::sql::ParsedStatement;
use crate::sql::ast::{Stmt, TransactionKind};
use crate::storage::Catalog;
use crate::vdbe::Program;
use crate::vdbe::op::{Op, TxnOp};

/// Compiles one parsed statement (whose text is `sql`) against `catalog`.
pub fn compile(parsed: &ParsedStatement, sql: &str, catalog: &Catalog) -> Result<Program> {
    let mut c = Compiler::new(catalog, parsed.parameters.clone());
    match &parsed.stmt {
        Stmt::Select(s) => {
            let mut r = Resolver::new(catalog);
            let q = r.query(s, None)?;
            c.adopt(r);
            c.query(&q, &Dest::Output)?;
            let columns = q.columns.iter().map(|col| col.name.clone()).collect();
            let decltypes = q.columns.iter().map(|col| col.decltype.clone()).collect();
            c.finish(columns, decltypes)
        }
        Stmt::Explain { query_plan: true, stmt } => {
            let inner = ParsedStatement {
                stmt: (**stmt).clone(),
                span: parsed.span,
                schema_sql: parsed.schema_sql.clone(),
                parameters: parsed.parameters.clone(),
            };
            let plan = plan_of(&inner, sql, catalog)?;
            constant_rows(
                catalog,
                parsed.parameters.clone(),
                &["id", "parent", "notused", "detail"],
                plan.into_iter()
                    .map(|r| {
                        vec![Value::Integer(r.id), Value::Integer(r.parent), Value::Integer(0), Value::text(&r.detail)]
                    })
                    .collect(),
            )
        }
        Stmt::Explain { query_plan: false, stmt } => {
            let inner = ParsedStatement {
                stmt: (**stmt).clone(),
                span: parsed.span,
                schema_sql: parsed.schema_sql.clone(),
                parameters: parsed.parameters.clone(),
            };
            let program = compile(&inner, sql, catalog)?;
            let rows = program
                .ops
                .iter()
                .enumerate()
                .map(|(i, op)| vec![Value::Integer(i as i64), Value::text(op.name()), Value::text(&format!("{op:?}"))])
                .collect();
            constant_rows(catalog, parsed.parameters.clone(), &["addr", "opcode", "detail"], rows)
        }
        Stmt::Insert(_) | Stmt::Update(_) | Stmt::Delete(_) => c.dml(&parsed.stmt),
        Stmt::CreateTable(_)
        | Stmt::CreateIndex(_)
        | Stmt::Drop(_)
        | Stmt::CreateView(_)
        | Stmt::CreateTrigger(_)
        | Stmt::Reindex(_) => {
            // Names are checked now, as SQLite's parser checks them: an error here, or an
            // IF [NOT] EXISTS that makes the statement do nothing, takes no write lock.
            let check = crate::storage::check_ddl(catalog, &parsed.stmt)?;
            c.uses_db = true;
            if check == crate::storage::DdlCheck::Change {
                let text = sql.get(parsed.span.start..parsed.span.end).unwrap_or(sql);
                c.info.writes = true;
                c.info.multi_write = true;
                c.b.emit(Op::Ddl { sql: Rc::from(text) });
            }
            c.finish(Vec::new(), Vec::new())
        }
        Stmt::Begin(kind) => txn(c, TxnOp::Begin(*kind)),
        Stmt::Commit => txn(c, TxnOp::Commit),
        Stmt::Rollback { savepoint: None } => txn(c, TxnOp::Rollback),
        Stmt::Rollback { savepoint: Some(name) } => txn(c, TxnOp::RollbackTo(Rc::from(name.as_str()))),
        Stmt::Savepoint(name) => txn(c, TxnOp::Savepoint(Rc::from(name.as_str()))),
        Stmt::Release(name) => txn(c, TxnOp::Release(Rc::from(name.as_str()))),
        Stmt::Pragma(p) => {
            let cursor = c.b.cursor();
            let name = p.name.name.name.to_ascii_lowercase();
            // Setters of connection settings run outside any transaction (a page size can
            // change only while no page is held); everything else reads or writes the file.
            let setting = matches!(
                name.as_str(),
                "page_size" | "cache_size" | "synchronous" | "journal_mode" | "case_sensitive_like" | "foreign_keys"
            );
            c.uses_db = !(setting && p.value.is_some());
            if crate::session::pragma_writes(p) {
                c.info.writes = true;
            }
            c.b.emit(Op::Pragma { pragma: Rc::new(p.clone()), cursor });
            let done = c.b.label();
            c.b.emit(Op::Rewind { cursor, if_empty: done.addr() });
            let top = c.b.current_addr();
            // A setter returns no columns (journal_mode reports the mode it set).
            let setter = p.value.is_some() && (setting || crate::session::pragma_writes(p)) && name != "journal_mode";
            let n = if setter { Vec::new() } else { pragma_columns(&name) };
            let res = c.b.regs(n.len() as u32);
            for i in 0..n.len() as u32 {
                c.b.emit(Op::Column { cursor, column: i, dest: res + i });
            }
            c.b.emit(Op::ResultRow { start: res, count: n.len() as u32 });
            c.b.emit(Op::Next { cursor, target: top });
            c.b.resolve(done);
            c.finish(n.iter().map(|s| s.to_string()).collect(), vec![None; n.len()])
        }
        other => Err(err(format!("{} statements are not supported yet", statement_kind(other)))),
    }
}

/// The EXPLAIN QUERY PLAN rows of a statement.
pub fn plan_of(parsed: &ParsedStatement, sql: &str, catalog: &Catalog) -> Result<Vec<PlanRow>> {
    let mut c = Compiler::new(catalog, parsed.parameters.clone());
    match &parsed.stmt {
        Stmt::Select(s) => {
            let mut r = Resolver::new(catalog);
            let q = r.query(s, None)?;
            c.adopt(r);
            c.query(&q, &Dest::Output)?;
        }
        Stmt::Insert(_) | Stmt::Update(_) | Stmt::Delete(_) => {
            c.dml_into_plan(&parsed.stmt)?;
        }
        _ => {
            let _ = sql;
        }
    }
    Ok(c.plan)
}

/// A program that returns fixed rows.
fn constant_rows(
    catalog: &Catalog,
    params: Vec<Option<String>>,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<Program> {
    let mut c = Compiler::new(catalog, params);
    let n = columns.len() as u32;
    let res = c.b.regs(n);
    for row in rows {
        for (i, v) in row.into_iter().enumerate() {
            c.b.emit(Op::Const { dest: res + i as u32, value: Rc::new(v) });
        }
        c.b.emit(Op::ResultRow { start: res, count: n });
    }
    c.finish(columns.iter().map(|s| s.to_string()).collect(), vec![None; columns.len()])
}

/// A transaction-control statement's program.
fn txn(mut c: Compiler<'_>, op: TxnOp) -> Result<Program> {
    if let TxnOp::Begin(k) = &op
        && *k != TransactionKind::Deferred
    {
        c.uses_db = false;
    }
    c.b.emit(Op::TxnControl(op));
    c.finish(Vec::new(), Vec::new())
}

/// The result columns of a PRAGMA (as SQLite names them).
fn pragma_columns(name: &str) -> Vec<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "table_info" => vec!["cid", "name", "type", "notnull", "dflt_value", "pk"],
        "table_xinfo" => vec!["cid", "name", "type", "notnull", "dflt_value", "pk", "hidden"],
        "index_list" => vec!["seq", "name", "unique", "origin", "partial"],
        "index_info" => vec!["seqno", "cid", "name"],
        "index_xinfo" => vec!["seqno", "cid", "name", "desc", "coll", "key"],
        "integrity_check" | "quick_check" => vec![leak(name)],
        "database_list" => vec!["seq", "name", "file"],
        "table_list" => vec!["schema", "name", "type", "ncol", "wr", "strict"],
        "page_size" | "page_count" | "journal_mode" | "synchronous" | "cache_size" | "user_version"
        | "schema_version" | "freelist_count" | "encoding" | "foreign_keys" | "application_id" => vec![leak(name)],
        // An unknown pragma returns nothing, as in SQLite.
        _ => Vec::new(),
    }
}

/// A PRAGMA's own name as its single column's name.
fn leak(name: &str) -> &'static str {
    // Names come from a fixed set in practice; keep the lookups allocation-free for those.
    match name.to_ascii_lowercase().as_str() {
        "integrity_check" => "integrity_check",
        "quick_check" => "quick_check",
        "page_size" => "page_size",
        "page_count" => "page_count",
        "journal_mode" => "journal_mode",
        "synchronous" => "synchronous",
        "cache_size" => "cache_size",
        "user_version" => "user_version",
        "schema_version" => "schema_version",
        "freelist_count" => "freelist_count",
        "encoding" => "encoding",
        "case_sensitive_like" => "case_sensitive_like",
        "foreign_keys" => "foreign_keys",
        "application_id" => "application_id",
        _ => "pragma",
    }
}

/// The kind of a statement, for "not supported" errors.
fn statement_kind(s: &Stmt) -> &'static str {
    match s {
        Stmt::CreateTableAs(_) => "CREATE TABLE ... AS",
        Stmt::CreateVirtualTable(_) => "CREATE VIRTUAL TABLE",
        Stmt::AlterTable(_) => "ALTER TABLE",
        Stmt::Attach(_) => "ATTACH",
        Stmt::Detach(_) => "DETACH",
        Stmt::Vacuum(_) => "VACUUM",
        Stmt::Analyze(_) => "ANALYZE",
        _ => "these",
    }
}

impl<'c> Compiler<'c> {
    /// Takes over what name resolution produced: the subqueries and the cursor numbers.
    pub(crate) fn adopt(&mut self, r: Resolver<'c>) {
        self.b.reserve_cursors(r.next_cursor);
        self.subqueries = r.subqueries;
    }
}
