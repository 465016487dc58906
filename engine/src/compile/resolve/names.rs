//! Looking up one column name (SQLite's `lookupName`).
//!
//! The scopes are searched from the innermost out. In each: the columns of its sources (an
//! unqualified name matching columns of two sources is ambiguous, except that a column
//! merged by USING or NATURAL counts once, as its left-hand table's); the rowid under its
//! names; then, where allowed and for an unqualified name, the result-column aliases. A name
//! found in an enclosing scope makes every scope crossed correlated. A name found nowhere is
//! a string when it was double-quoted (SQLite's DQS default), TRUE or FALSE when it spells
//! one, and otherwise "no such column".

use super::{Alias, ExprCtx, Resolver, Scope, err};
use crate::error::Result;
use crate::eval::ir::{ColRef, column_name};
use crate::format::value::Value;
use crate::schema::Affinity;
use crate::sql::ast::{ColumnRef, Expr};

/// What a name stands for.
pub(crate) enum Found<'a> {
    Column(ColRef),
    /// A result-column alias: its expression, to substitute.
    Alias(&'a Expr),
    /// A double-quoted name that is no column: a string.
    Value(Value),
    /// TRUE or FALSE.
    Truth(bool),
}

/// `rowid`, `oid` or `_rowid_` (`sqlite3IsRowid`).
pub(crate) fn is_rowid_name(name: &str) -> bool {
    ["rowid", "oid", "_rowid_"].iter().any(|r| name.eq_ignore_ascii_case(r))
}

impl Resolver<'_> {
    /// Resolves the column reference `c` in `scope` and its parents.
    pub(super) fn lookup<'s>(&self, scope: &'s Scope<'s>, c: &ColumnRef, ctx: ExprCtx) -> Result<Found<'s>> {
        if let Some(schema) = &c.schema
            && !schema.eq_ignore_ascii_case("main")
        {
            return Err(err(format!("no such column: {}", column_name(c))));
        }
        let mut current: Option<&Scope<'_>> = Some(scope);
        let mut depth = 0usize;
        let mut first = true;
        while let Some(s) = current {
            if let Some(found) = self.lookup_in(s, c)? {
                mark_correlated(scope, depth);
                return Ok(Found::Column(found));
            }
            // Aliases: unqualified names, in the scope of the expression itself only when its
            // clause allows them, in enclosing scopes when those do.
            let aliases_allowed = if first { ctx.aliases } else { !s.aliases.is_empty() };
            if aliases_allowed
                && c.table.is_none()
                && let Some(a) = s.aliases.iter().find(|a: &&Alias<'_>| a.name.eq_ignore_ascii_case(&c.column))
            {
                mark_correlated(scope, depth);
                return Ok(Found::Alias(a.expr));
            }
            first = false;
            current = s.parent;
            depth += 1;
        }
        if c.table.is_none() && c.schema.is_none() {
            if c.double_quoted {
                return Ok(Found::Value(Value::text(&c.column)));
            }
            if c.column.eq_ignore_ascii_case("true") {
                return Ok(Found::Truth(true));
            }
            if c.column.eq_ignore_ascii_case("false") {
                return Ok(Found::Truth(false));
            }
        }
        Err(err(format!("no such column: {}", column_name(c))))
    }

    /// The column `c` names among the sources of one scope, if any.
    fn lookup_in(&self, s: &Scope<'_>, c: &ColumnRef) -> Result<Option<ColRef>> {
        let mut found: Option<ColRef> = None;
        let mut matches = 0;
        let mut table_matches = 0;
        let mut rowid_source = None;
        for src in s.sources {
            if let Some(t) = &c.table
                && !src.name.eq_ignore_ascii_case(t)
            {
                continue;
            }
            table_matches += 1;
            if rowid_source.is_none() {
                rowid_source = Some(src);
            }
            let Some(j) = src.columns.iter().position(|col| col.name.eq_ignore_ascii_case(&c.column)) else {
                continue;
            };
            if c.table.is_none() && src.merged.get(j).copied().unwrap_or(false) {
                continue;
            }
            matches += 1;
            let col = &src.columns[j];
            // The INTEGER PRIMARY KEY column is the rowid (iColumn = -1), with its affinity.
            let is_alias = src.table().is_some_and(|t| t.def.rowid_alias == Some(j));
            found = Some(ColRef {
                source: src.cursor,
                column: if is_alias { None } else { Some(j as u32) },
                affinity: col.affinity,
                collation: if is_alias { None } else { Some(col.collation) },
                not_null: (col.not_null || is_alias) && !src.null_row(),
            });
        }
        if matches > 1 {
            return Err(err(format!("ambiguous column name: {}", column_name(c))));
        }
        if found.is_some() {
            return Ok(found);
        }
        if is_rowid_name(&c.column)
            && let Some(src) = rowid_source
            && src.table().is_some()
        {
            if table_matches > 1 {
                return Err(err(format!("ambiguous column name: {}", column_name(c))));
            }
            return Ok(Some(ColRef {
                source: src.cursor,
                column: None,
                affinity: Some(Affinity::Integer),
                collation: None,
                not_null: !src.null_row(),
            }));
        }
        Ok(None)
    }
}

/// Marks the `depth` innermost scopes from `scope` out as correlated.
fn mark_correlated(scope: &Scope<'_>, depth: usize) {
    let mut s = Some(scope);
    for _ in 0..depth {
        let Some(cur) = s else { break };
        cur.correlated.set(true);
        s = cur.parent;
    }
}
