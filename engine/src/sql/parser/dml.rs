//! INSERT, UPDATE and DELETE (parse.y `cmd ::= with insert_cmd ...`, `with UPDATE ...`,
//! `with DELETE ...`, `upsert`, `setlist`, `xfullname`, `returning`).

use super::super::ast::{
    Assignment, ConflictResolution, Delete, Expr, Ident, Insert, InsertSource, QualifiedName, ResultColumn, Update,
    Upsert, UpsertAction, UpsertTarget, With,
};
use super::super::keyword::Keyword;
use super::super::lexer::TokenKind;
use super::Parser;
use crate::error::Result;

impl Parser<'_> {
    /// `INSERT [OR x] | REPLACE INTO ...` after an optional WITH clause.
    pub(super) fn insert(&mut self, with: Option<With>) -> Result<Insert> {
        let or_conflict = if self.eat_kw(Keyword::Replace) {
            Some(ConflictResolution::Replace)
        } else {
            self.expect_kw(Keyword::Insert)?;
            self.or_conflict()?
        };
        self.expect_kw(Keyword::Into)?;
        let (table, alias) = self.table_target()?;
        let columns = if self.at(TokenKind::LParen) { self.paren_idents()? } else { Vec::new() };
        // A trigger's INSERT has no DEFAULT VALUES form.
        if self.trigger.is_none() && self.eat_kw(Keyword::Default) {
            self.expect_kw(Keyword::Values)?;
            let returning = self.returning()?;
            let source = InsertSource::DefaultValues;
            return Ok(Insert { with, or_conflict, table, alias, columns, source, upsert: Vec::new(), returning });
        }
        if !self.at_select() {
            return Err(self.error_here());
        }
        let (select, _) = self.nested(5, |p| p.select())?;
        let mut upsert = Vec::new();
        while self.at_kw(Keyword::On) {
            let clause = self.upsert()?;
            let last = clause.target.is_none();
            upsert.push(clause);
            if last {
                break;
            }
        }
        let returning = self.returning()?;
        let source = InsertSource::Select(Box::new(select));
        Ok(Insert { with, or_conflict, table, alias, columns, source, upsert, returning })
    }

    /// `[OR resolution]` (parse.y `orconf`).
    fn or_conflict(&mut self) -> Result<Option<ConflictResolution>> {
        if !self.eat_kw(Keyword::Or) {
            return Ok(None);
        }
        let token = self.peek();
        let resolution = match token.kind {
            TokenKind::Keyword(Keyword::Rollback) => ConflictResolution::Rollback,
            TokenKind::Keyword(Keyword::Abort) => ConflictResolution::Abort,
            TokenKind::Keyword(Keyword::Fail) => ConflictResolution::Fail,
            TokenKind::Keyword(Keyword::Ignore) => ConflictResolution::Ignore,
            TokenKind::Keyword(Keyword::Replace) => ConflictResolution::Replace,
            _ => return Err(self.syntax_error(token)),
        };
        self.advance();
        Ok(Some(resolution))
    }

    /// The table of an INSERT, UPDATE or DELETE (parse.y `xfullname`):
    /// `[schema.]name [AS alias]` (the alias needs AS).
    fn table_target(&mut self) -> Result<(QualifiedName, Option<Ident>)> {
        let (name, _) = self.qualified_name()?;
        let alias = if self.eat_kw(Keyword::As) { Some(self.ident()?) } else { None };
        Ok((name, alias))
    }

    /// `ON CONFLICT [(target) [WHERE expr]] DO NOTHING | DO UPDATE SET ... [WHERE expr]`.
    fn upsert(&mut self) -> Result<Upsert> {
        self.expect_kw(Keyword::On)?;
        self.expect_kw(Keyword::Conflict)?;
        let target = if self.eat(TokenKind::LParen) {
            let (columns, _) = self.nested(4, |p| p.ordering_terms())?;
            self.expect(TokenKind::RParen)?;
            let where_clause = self.where_clause(6)?;
            Some(UpsertTarget { columns, where_clause })
        } else {
            None
        };
        self.expect_kw(Keyword::Do)?;
        let action = if self.eat_kw(Keyword::Nothing) {
            UpsertAction::Nothing
        } else {
            self.expect_kw(Keyword::Update)?;
            self.expect_kw(Keyword::Set)?;
            let assignments = self.set_list()?;
            let where_clause = self.where_clause(8)?;
            UpsertAction::Update { assignments, where_clause }
        };
        Ok(Upsert { target, action })
    }

    /// `[WHERE expr]`, the expression charged `cost`.
    fn where_clause(&mut self, cost: u32) -> Result<Option<Expr>> {
        if self.eat_kw(Keyword::Where) { Ok(Some(self.nested(cost, |p| p.expr())?)) } else { Ok(None) }
    }

    /// `[RETURNING result-columns]`.
    fn returning(&mut self) -> Result<Vec<ResultColumn>> {
        if !self.eat_kw(Keyword::Returning) {
            return Ok(Vec::new());
        }
        let columns = self.result_columns(3)?.0;
        if self.trigger.is_some() {
            self.defer_error("cannot use RETURNING in a trigger");
        }
        Ok(columns)
    }

    /// `column = expr, (c1, c2) = expr, ...` (parse.y `setlist`).
    fn set_list(&mut self) -> Result<Vec<Assignment>> {
        let mut assignments = Vec::new();
        loop {
            // `(c, ...) = expr` (sqlite3ExprListAppendVector checks the count of a row value).
            let parenthesized = self.at(TokenKind::LParen);
            let columns = if parenthesized { self.paren_idents()? } else { vec![self.ident()?] };
            self.expect(TokenKind::Eq)?;
            let value = self.nested(4, |p| p.expr())?;
            if parenthesized {
                let values = match &value {
                    Expr::Subquery(_) => None,
                    Expr::Vector(items) => Some(items.len()),
                    _ => Some(1),
                };
                if let Some(values) = values.filter(|&n| n != columns.len()) {
                    self.defer_error(format!("{} columns assigned {values} values", columns.len()));
                }
            }
            assignments.push(Assignment { columns, value });
            if !self.eat(TokenKind::Comma) {
                return Ok(assignments);
            }
        }
    }

    /// `UPDATE [OR x] table [INDEXED BY ...] SET ... [FROM ...] [WHERE ...] [RETURNING ...]`.
    pub(super) fn update(&mut self, with: Option<With>) -> Result<Update> {
        self.expect_kw(Keyword::Update)?;
        let or_conflict = self.or_conflict()?;
        let (table, alias) = self.table_target()?;
        let indexed = self.trigger_indexed_by()?;
        self.expect_kw(Keyword::Set)?;
        let assignments = self.set_list()?;
        let from = if self.eat_kw(Keyword::From) { Some(self.nested(6, |p| p.table_list())?) } else { None };
        let where_clause = self.where_clause(8)?;
        // A trigger's UPDATE and DELETE have no RETURNING clause at all (parse.y `trigger_cmd`).
        let returning = if self.trigger.is_none() { self.returning()? } else { Vec::new() };
        Ok(Update { with, or_conflict, table, alias, indexed, assignments, from, where_clause, returning })
    }

    /// `DELETE FROM table [INDEXED BY ...] [WHERE ...] [RETURNING ...]`.
    pub(super) fn delete(&mut self, with: Option<With>) -> Result<Delete> {
        self.expect_kw(Keyword::Delete)?;
        self.expect_kw(Keyword::From)?;
        let (table, alias) = self.table_target()?;
        let indexed = self.trigger_indexed_by()?;
        let where_clause = self.where_clause(5)?;
        let returning = if self.trigger.is_none() { self.returning()? } else { Vec::new() };
        Ok(Delete { with, table, alias, indexed, where_clause, returning })
    }

    /// `[INDEXED BY nm | NOT INDEXED]` of UPDATE and DELETE: an error inside a trigger
    /// (parse.y `tridxby`).
    fn trigger_indexed_by(&mut self) -> Result<Option<super::super::ast::IndexedBy>> {
        let indexed = self.indexed_by()?;
        if indexed.is_some() && self.trigger.is_some() {
            let clause = match indexed {
                Some(super::super::ast::IndexedBy::NotIndexed) => "NOT INDEXED",
                _ => "INDEXED BY",
            };
            self.defer_error(format!(
                "the {clause} clause is not allowed on UPDATE or DELETE statements within triggers"
            ));
        }
        Ok(indexed)
    }
}
