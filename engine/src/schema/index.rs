//! Index columns as `sqlite3CreateIndex` builds them: key terms resolved against the table,
//! collations, sort orders, the table-key tail (rowid or primary key), and CREATE INDEX.

use super::{IndexColumn, IndexDef, IndexOrigin, IndexTarget, TableDef};
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::Collation;
use crate::sql::ast::{ColumnRef, ConflictResolution, CreateIndex, Expr, Literal, NullsOrder, OrderingTerm, SortOrder};

/// An SQLITE_ERROR with `message`.
pub(super) fn error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Error, message)
}

/// The built-in collation `name`, or SQLite's error for an unknown one.
pub(super) fn collation(name: &str) -> Result<Collation> {
    Collation::from_name(name).ok_or_else(|| error(format!("no such collation sequence: {name}")))
}

/// SQLite's `sqlite3CheckObjectName`: names starting with `sqlite_` are reserved.
pub(super) fn check_object_name(name: &str) -> Result<()> {
    let reserved = name.as_bytes().get(..7).is_some_and(|p| p.eq_ignore_ascii_case(b"sqlite_"));
    if reserved {
        return Err(error(format!("object name reserved for internal use: {name}")));
    }
    Ok(())
}

/// Fails with SQLite's message if a term has an explicit NULLS FIRST / NULLS LAST
/// (`sqlite3HasExplicitNulls`).
pub(super) fn reject_explicit_nulls(terms: &[OrderingTerm]) -> Result<()> {
    for term in terms {
        if let Some(nulls) = term.nulls {
            let word = match nulls {
                NullsOrder::First => "FIRST",
                NullsOrder::Last => "LAST",
            };
            return Err(error(format!("unsupported use of NULLS {word}")));
        }
    }
    Ok(())
}

/// The expression under any COLLATE operators, and the outermost collation name.
pub(super) fn skip_collate(mut expr: &Expr) -> (&Expr, Option<&str>) {
    let mut outer = None;
    while let Expr::Collate { operand, collation } = expr {
        outer.get_or_insert(collation.as_str());
        expr = operand;
    }
    (expr, outer)
}

/// True for the names of the rowid.
fn is_rowid_name(name: &str) -> bool {
    ["rowid", "oid", "_rowid_"].iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Checks that every column reference in `expr` names a column of `table` (or its rowid, or
/// TRUE/FALSE), as SQLite's name resolution does for CHECK, generated columns and indexes.
/// A double-quoted name that matches nothing is a string, as SQLite allows.
pub(super) fn resolve_columns(table: &TableDef, expr: &Expr) -> Result<()> {
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        if let Expr::Column(column) = expr {
            resolve_column(table, column)?;
        }
        expr.push_children(&mut pending);
    }
    Ok(())
}

/// One column reference resolved against `table`.
fn resolve_column(table: &TableDef, column: &ColumnRef) -> Result<()> {
    let table_matches = column.table.as_deref().is_none_or(|t| t.eq_ignore_ascii_case(&table.name));
    if table_matches && column.schema.is_none() {
        let name = column.column.as_str();
        let found = table.column_index(name).is_some()
            || (is_rowid_name(name) && !table.without_rowid)
            || (column.table.is_none() && (name.eq_ignore_ascii_case("true") || name.eq_ignore_ascii_case("false")))
            || (column.table.is_none() && column.double_quoted);
        if found {
            return Ok(());
        }
    }
    let mut shown = String::new();
    for part in [&column.schema, &column.table].into_iter().flatten() {
        shown.push_str(part);
        shown.push('.');
    }
    shown.push_str(&column.column);
    Err(error(format!("no such column: {shown}")))
}

/// The column a key term names, if it is a plain column (or a string, which SQLite reads as a
/// column name in index lists: `sqlite3StringToId`).
fn term_column(table: &TableDef, expr: &Expr) -> Option<usize> {
    match expr {
        Expr::Column(c)
            if c.schema.is_none() && c.table.as_deref().is_none_or(|t| t.eq_ignore_ascii_case(&table.name)) =>
        {
            table.column_index(&c.column)
        }
        Expr::Literal(Literal::String(name)) => table.column_index(name),
        _ => None,
    }
}

/// The key columns for `terms`. Implied indexes (`implied`) accept plain columns only.
pub(super) fn key_columns(table: &TableDef, terms: &[OrderingTerm], implied: bool) -> Result<Vec<IndexColumn>> {
    reject_explicit_nulls(terms)?;
    let mut columns = Vec::with_capacity(terms.len());
    for term in terms {
        let (inner, explicit) = skip_collate(&term.expr);
        let target = match term_column(table, inner) {
            Some(column) => IndexTarget::Column(column),
            None => {
                if let Expr::Literal(Literal::String(name)) = inner {
                    return Err(error(format!("no such column: {name}")));
                }
                resolve_columns(table, inner)?;
                if implied {
                    return Err(error("expressions prohibited in PRIMARY KEY and UNIQUE constraints"));
                }
                match inner {
                    Expr::Column(c) if is_rowid_name(&c.column) => match table.rowid_alias {
                        Some(alias) => IndexTarget::Column(alias),
                        None => IndexTarget::Rowid,
                    },
                    _ => IndexTarget::Expr(inner.clone()),
                }
            }
        };
        let collation = match (explicit, &target) {
            (Some(name), _) => collation(name)?,
            (None, IndexTarget::Column(c)) => table.columns[*c].collation,
            (None, _) => Collation::Binary,
        };
        columns.push(IndexColumn { target, collation, order: term.order.unwrap_or(SortOrder::Asc) });
    }
    Ok(columns)
}

/// SQLite's `isDupColumn`: true if one of `key` is the same column with the same collation.
pub(super) fn is_dup_column(key: &[IndexColumn], column: &IndexColumn) -> bool {
    key.iter().any(|k| k.target == column.target && k.collation == column.collation)
}

/// The tail an index of `table` gets after its key: the rowid, or the primary-key columns
/// the key does not already hold (same column and collation).
pub(super) fn table_key_tail(table: &TableDef, key: &[IndexColumn]) -> Vec<IndexColumn> {
    if !table.without_rowid {
        return vec![IndexColumn { target: IndexTarget::Rowid, collation: Collation::Binary, order: SortOrder::Asc }];
    }
    let Some(pk) = table.primary_key_index() else {
        debug_assert!(false, "a WITHOUT ROWID table has a primary-key index");
        return Vec::new();
    };
    pk.key_columns().iter().filter(|c| !is_dup_column(key, c)).cloned().collect()
}

/// Moves the first index whose ON CONFLICT is REPLACE behind every index that is not, as
/// `sqlite3CreateIndex` keeps its list.
pub(crate) fn move_replace_last<T>(list: &mut [T], on_conflict: impl Fn(&T) -> Option<ConflictResolution>) {
    let is_replace = |item: &T| on_conflict(item) == Some(ConflictResolution::Replace);
    let Some(mut i) = list.iter().position(is_replace) else {
        return;
    };
    while i + 1 < list.len() && !is_replace(&list[i + 1]) {
        list.swap(i, i + 1);
        i += 1;
    }
}

impl IndexDef {
    /// The index a CREATE INDEX statement makes on `table` (the table it names, found by the
    /// caller).
    pub fn from_ast(ast: &CreateIndex, table: &TableDef) -> Result<IndexDef> {
        if !ast.table.eq_ignore_ascii_case(&table.name) {
            return Err(error(format!("no such table: {}", ast.table)));
        }
        check_object_name(ast.name.name.as_str())?;
        if check_object_name(&table.name).is_err() {
            return Err(error(format!("table {} may not be indexed", table.name)));
        }
        let mut columns = key_columns(table, &ast.columns, false)?;
        if let Some(where_clause) = &ast.where_clause {
            resolve_columns(table, where_clause)?;
        }
        let key_len = columns.len();
        let tail = table_key_tail(table, &columns);
        columns.extend(tail);
        Ok(IndexDef {
            name: ast.name.name.name.clone(),
            table: table.name.clone(),
            unique: ast.unique,
            origin: IndexOrigin::CreateIndex,
            on_conflict: None,
            columns,
            key_len,
            where_clause: ast.where_clause.clone(),
        })
    }
}
