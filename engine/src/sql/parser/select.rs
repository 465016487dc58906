//! SELECT (parse.y `select`, `oneselect`, `values`, `selcollist`, `seltablist`, `joinop`,
//! `wqlist`).
//!
//! Every select comes back with its height as SQLite's `heightOfSelect` counts it (the
//! greatest height among the expressions of its result columns, WHERE, GROUP BY, HAVING,
//! ORDER BY and LIMIT, over all the cores of a compound), which a subquery adds to the height
//! of the expression that holds it.

use super::super::ast::{
    CompoundOp, CompoundTerm, Cte, Expr, FromClause, Ident, IndexedBy, Join, JoinConstraint, JoinKind, JoinOperator,
    Limit, Loc, OrderingTerm, ResultColumn, Select, SelectCore, SimpleSelect, SourceText, Stmt, TableOrSubquery,
    UnaryOp, With,
};
use super::super::keyword::{Keyword, KeywordClass};
use super::super::lexer::{Token, TokenKind, is_space};
use super::{MAX_COMPOUND_SELECT, MAX_EXPR_DEPTH, Parser};
use crate::error::Result;

/// The ORDER BY and LIMIT written after one core, with their height.
struct Tail {
    order_by: Vec<OrderingTerm>,
    limit: Option<Box<Limit>>,
    height: u32,
}

/// An item of a FROM clause as parsed, before it joins the clause.
enum TableItem {
    /// A table, function or subquery with its ON / USING clause.
    Single(TableOrSubquery, Option<JoinConstraint>),
    /// A parenthesized list at the start with no alias: its items become the clause's.
    Splice(FromClause),
}

/// True if `expr` is constant before name resolution, as `sqlite3ExprIsConstant` sees it
/// while parsing: no column (but an unquoted TRUE or FALSE), function, subquery or RAISE.
fn is_constant(expr: &Expr) -> bool {
    if matches!(expr, Expr::Literal(_) | Expr::Variable(_)) {
        return true;
    }
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::Column(c) => {
                let truth = c.column.eq_ignore_ascii_case("true") || c.column.eq_ignore_ascii_case("false");
                if !truth || c.table.is_some() || c.double_quoted {
                    return false;
                }
            }
            Expr::Function(_)
            | Expr::Subquery(_)
            | Expr::Exists(_)
            | Expr::InSelect { .. }
            | Expr::InTable { .. }
            | Expr::Raise { .. } => return false,
            _ => expr.push_children(&mut pending),
        }
    }
    true
}

/// True if `expr` has an affinity before name resolution (`sqlite3ExprAffinity`): a CAST,
/// under any COLLATE or unary `+`.
fn has_affinity(expr: &Expr) -> bool {
    let mut expr = expr;
    loop {
        match expr {
            Expr::Collate { operand, .. } | Expr::Unary { op: UnaryOp::Plus, operand } => expr = operand,
            Expr::Cast { .. } => return true,
            _ => return false,
        }
    }
}

/// `text` without the whitespace SQLite trims from spans (`sqlite3DbSpanDup`).
fn trim_space(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

impl Parser<'_> {
    /// A statement starting with WITH: a select, or an INSERT, UPDATE or DELETE.
    pub(super) fn with_statement(&mut self) -> Result<Stmt> {
        let with = self.with_clause()?;
        let token = self.peek();
        let stmt = match token.kind {
            TokenKind::Keyword(Keyword::Select | Keyword::Values) => {
                Stmt::Select(Box::new(self.select_after_with(Some(with))?.0))
            }
            TokenKind::Keyword(Keyword::Insert | Keyword::Replace) => Stmt::Insert(Box::new(self.insert(Some(with))?)),
            TokenKind::Keyword(Keyword::Update) => Stmt::Update(Box::new(self.update(Some(with))?)),
            TokenKind::Keyword(Keyword::Delete) => Stmt::Delete(Box::new(self.delete(Some(with))?)),
            _ => return Err(self.syntax_error(token)),
        };
        Ok(stmt)
    }

    /// A select (parse.y `select`) and its height.
    pub(super) fn select(&mut self) -> Result<(Select, u32)> {
        let with = if self.at_kw(Keyword::With) { Some(self.with_clause()?) } else { None };
        self.select_after_with(with)
    }

    /// The compound select after an optional WITH clause.
    pub(super) fn select_after_with(&mut self, with: Option<With>) -> Result<(Select, u32)> {
        let (first, mut tail, mut height) = self.one_select()?;
        let mut compound = Vec::new();
        // The last core (in source order) with an ORDER BY or LIMIT that is not the last
        // core, the clause and the operator after it; and the cores from it to the end.
        let mut misplaced: Option<(&'static str, CompoundOp)> = None;
        let mut terms_after_misplaced = 0;
        loop {
            let op = match self.peek().kind {
                TokenKind::Keyword(Keyword::Union) => {
                    self.advance();
                    if self.eat_kw(Keyword::All) { CompoundOp::UnionAll } else { CompoundOp::Union }
                }
                TokenKind::Keyword(Keyword::Intersect) => {
                    self.advance();
                    CompoundOp::Intersect
                }
                TokenKind::Keyword(Keyword::Except) => {
                    self.advance();
                    CompoundOp::Except
                }
                _ => break,
            };
            if let Some(t) = &tail
                && (!t.order_by.is_empty() || t.limit.is_some())
            {
                misplaced = Some((if t.order_by.is_empty() { "LIMIT" } else { "ORDER BY" }, op));
                terms_after_misplaced = 0;
            }
            let (core, core_tail, core_height) = self.nested(2, |p| p.one_select())?;
            height = height.max(core_height);
            compound.push(CompoundTerm { op, core });
            tail = core_tail;
            terms_after_misplaced += 1;
        }
        // parserDoubleLinkSelect, when SQLite reduces `select`.
        let mut terms = compound.len() + 1;
        if let Some((clause, op)) = misplaced {
            let op = match op {
                CompoundOp::Union => "UNION",
                CompoundOp::UnionAll => "UNION ALL",
                CompoundOp::Intersect => "INTERSECT",
                CompoundOp::Except => "EXCEPT",
            };
            self.defer_error(format!("{clause} clause should come after {op} not before"));
            terms = terms_after_misplaced + 1;
        }
        let last_is_values = matches!(compound.last().map_or(&first, |t| &t.core), SelectCore::Values(_));
        if terms > MAX_COMPOUND_SELECT && !last_is_values {
            self.defer_error("too many terms in compound SELECT");
        }
        let (order_by, limit) = match tail {
            Some(t) => {
                height = height.max(t.height);
                (t.order_by, t.limit)
            }
            None => (Vec::new(), None),
        };
        Ok((Select { with, first, compound, order_by, limit }, height))
    }

    /// One core: `SELECT ... [ORDER BY ...] [LIMIT ...]` or `VALUES ...` (parse.y
    /// `oneselect`), with the height of the core's own expressions.
    fn one_select(&mut self) -> Result<(SelectCore, Option<Tail>, u32)> {
        if self.at_kw(Keyword::Values) {
            let (rows, height) = self.values()?;
            return Ok((SelectCore::Values(rows), None, height));
        }
        self.expect_kw(Keyword::Select)?;
        let distinct = if self.eat_kw(Keyword::Distinct) {
            true
        } else {
            self.eat_kw(Keyword::All);
            false
        };
        let (columns, mut height) = self.result_columns(3)?;
        let mut select = Box::new(SimpleSelect::new(columns));
        select.distinct = distinct;
        height = height.max(self.select_clauses(&mut select)?);
        let tail = self.order_and_limit()?;
        Ok((SelectCore::Select(select), Some(tail), height))
    }

    /// `[FROM ...] [WHERE ...] [GROUP BY ...] [HAVING ...] [WINDOW ...]` into `select`, and
    /// the greatest height among their expressions.
    #[inline(never)]
    fn select_clauses(&mut self, select: &mut SimpleSelect) -> Result<u32> {
        let mut height = 0;
        if self.eat_kw(Keyword::From) {
            select.from = Some(self.nested(4, |p| p.table_list())?);
        }
        if self.eat_kw(Keyword::Where) {
            let sub = self.nested(5, |p| p.expr_bp(0))?;
            height = height.max(sub.height);
            select.where_clause = Some(sub.expr);
        }
        if self.eat_kw(Keyword::Group) {
            self.expect_kw(Keyword::By)?;
            let (exprs, h) = self.nested(7, |p| p.expr_list(false))?;
            height = height.max(h);
            select.group_by = exprs;
        }
        if self.eat_kw(Keyword::Having) {
            let sub = self.nested(7, |p| p.expr_bp(0))?;
            height = height.max(sub.height);
            select.having = Some(sub.expr);
        }
        if self.at_kw(Keyword::Window) {
            select.windows = self.nested(8, |p| p.window_clause())?;
        }
        Ok(height)
    }

    /// `[ORDER BY terms] [LIMIT expr [OFFSET expr | , expr]]` after a SELECT core.
    #[inline(never)]
    fn order_and_limit(&mut self) -> Result<Tail> {
        let mut height = 0;
        let mut order_by = Vec::new();
        if self.eat_kw(Keyword::Order) {
            self.expect_kw(Keyword::By)?;
            let (terms, h) = self.nested(9, |p| p.ordering_terms())?;
            height = h;
            order_by = terms;
        }
        let mut limit = None;
        if self.eat_kw(Keyword::Limit) {
            let first = self.nested(9, |p| p.expr_bp(0))?;
            let (second, offset_first) = if self.eat_kw(Keyword::Offset) {
                (Some(self.nested(11, |p| p.expr_bp(0))?), false)
            } else if self.eat(TokenKind::Comma) {
                (Some(self.nested(11, |p| p.expr_bp(0))?), true)
            } else {
                (None, false)
            };
            // SQLite's TK_LIMIT node holds both expressions.
            let limit_height = first.height.max(second.as_ref().map_or(0, |s| s.height)) + 1;
            self.check_height(limit_height)?;
            height = height.max(limit_height);
            let (limit_expr, offset) = match (second, offset_first) {
                (Some(second), true) => (second.expr, Some(first.expr)),
                (second, _) => (first.expr, second.map(|s| s.expr)),
            };
            limit = Some(Box::new(Limit { limit: limit_expr, offset, offset_first }));
        }
        Ok(Tail { order_by, limit, height })
    }

    /// SQLite's error for an expression node higher than [`MAX_EXPR_DEPTH`].
    pub(super) fn check_height(&self, height: u32) -> Result<()> {
        if height > MAX_EXPR_DEPTH {
            return Err(super::too_large());
        }
        Ok(())
    }

    /// `VALUES (exprs), ...` and the greatest height in it.
    ///
    /// SQLite checks that the rows have as many terms as the first while it parses them only
    /// on its co-routine path (`sqlite3MultiValues`): no WITH earlier in the statement, a first
    /// row of constants without affinity, and constant rows since (the first other row ends
    /// the checks). The checks it makes later are the executor's.
    fn values(&mut self) -> Result<(Vec<Vec<Expr>>, u32)> {
        self.expect_kw(Keyword::Values)?;
        let mut rows: Vec<Vec<Expr>> = Vec::new();
        let mut height = 0;
        let mut checking = !self.has_with;
        loop {
            self.expect(TokenKind::LParen)?;
            let (row, h) = self.nested(2, |p| p.expr_list(false))?;
            self.expect(TokenKind::RParen)?;
            match rows.first() {
                None => checking &= row.iter().all(|e| is_constant(e) && !has_affinity(e)),
                Some(first) if checking => {
                    if !row.iter().all(is_constant) {
                        checking = false;
                    } else if first.len() != row.len() {
                        self.defer_error("all VALUES must have the same number of terms");
                        checking = false;
                    }
                }
                Some(_) => {}
            }
            height = height.max(h);
            rows.push(row);
            if !self.eat(TokenKind::Comma) {
                return Ok((rows, height));
            }
        }
    }

    /// A result-column list (parse.y `selcollist`), its expressions charged `cost` on the
    /// parser stack; also used for RETURNING.
    pub(super) fn result_columns(&mut self, cost: u32) -> Result<(Vec<ResultColumn>, u32)> {
        let mut columns = Vec::new();
        let mut height = 0;
        loop {
            let token = self.peek();
            if token.kind == TokenKind::Star {
                self.advance();
                columns.push(ResultColumn::Star(Loc::from(token.span)));
            } else if Self::is_nm(token)
                && !Self::starts_term(token)
                && self.peek_at(1).kind == TokenKind::Dot
                && self.peek_at(2).kind == TokenKind::Star
            {
                self.advance();
                self.advance();
                self.advance();
                columns.push(ResultColumn::TableStar(self.ident_of(token)));
            } else {
                let sub = self.nested(cost, |p| p.expr_bp(0))?;
                height = height.max(sub.height);
                // SQLite's span runs to the start of the next token.
                let end = self.peek().span.start.max(token.span.start);
                let text = SourceText(trim_space(&self.sql[token.span.start..end]).to_string());
                let alias = self.alias()?;
                columns.push(ResultColumn::Expr { expr: sub.expr, alias, text });
            }
            if !self.eat(TokenKind::Comma) {
                return Ok((columns, height));
            }
        }
    }

    /// True for the keywords that fall back to an identifier but start a term of their own
    /// where an expression may start (CAST, RAISE, CURRENT_TIME...): they are never a name there.
    fn starts_term(token: Token) -> bool {
        matches!(token.kind, TokenKind::Keyword(kw) if matches!(kw, Keyword::Cast | Keyword::Raise)
            || kw.class() == KeywordClass::CtimeKw)
    }

    /// An optional alias (parse.y `as`): `AS nm`, or an `ID` or string.
    fn alias(&mut self) -> Result<Option<Ident>> {
        if self.eat_kw(Keyword::As) {
            return Ok(Some(self.ident()?));
        }
        let token = self.peek();
        if Self::is_id(token) || token.kind == TokenKind::String {
            self.advance();
            return Ok(Some(self.ident_of(token)));
        }
        Ok(None)
    }

    /// A FROM clause after FROM (parse.y `seltablist`).
    pub(super) fn table_list(&mut self) -> Result<FromClause> {
        let mut clause: Option<FromClause> = None;
        let mut op = JoinOperator::Comma;
        loop {
            let item = self.table_item(clause.is_none())?;
            match (&mut clause, item) {
                (None, TableItem::Splice(inner)) => clause = Some(inner),
                (None, TableItem::Single(table, constraint)) => {
                    if let Some(constraint) = constraint {
                        let word = if matches!(constraint, JoinConstraint::On(_)) { "ON" } else { "USING" };
                        self.defer_error(format!("a JOIN clause is required before {word}"));
                    }
                    clause = Some(FromClause::single(table));
                }
                (Some(clause), TableItem::Single(table, constraint)) => {
                    clause.joins.push(Join { op, table, constraint });
                }
                (Some(_), TableItem::Splice(_)) => unreachable!("only the first item splices"),
            }
            op = match self.peek().kind {
                TokenKind::Comma => {
                    self.advance();
                    JoinOperator::Comma
                }
                TokenKind::Keyword(Keyword::Join) => {
                    self.advance();
                    JoinOperator::Join { natural: false, kind: JoinKind::Inner }
                }
                TokenKind::Keyword(kw) if kw.class() == KeywordClass::JoinKw => self.join_operator()?,
                _ => break,
            };
        }
        Ok(clause.unwrap_or_else(|| FromClause::single(TableOrSubquery::table(Default::default()))))
    }

    /// One item of a FROM clause with its alias and ON / USING clause. `first`: no item
    /// precedes it (a parenthesized list there may splice).
    fn table_item(&mut self, first: bool) -> Result<TableItem> {
        if self.eat(TokenKind::LParen) {
            if self.at_select() {
                let (select, _) = self.nested(2, |p| p.select())?;
                self.expect(TokenKind::RParen)?;
                let alias = self.alias()?;
                let constraint = self.join_constraint()?;
                return Ok(TableItem::Single(
                    TableOrSubquery::Subquery { select: Box::new(select), alias },
                    constraint,
                ));
            }
            let inner = self.nested(2, |p| p.table_list())?;
            self.expect(TokenKind::RParen)?;
            let alias = self.alias()?;
            let constraint = self.join_constraint()?;
            if first && alias.is_none() && constraint.is_none() {
                return Ok(TableItem::Splice(inner));
            }
            if !inner.joins.is_empty() {
                return Ok(TableItem::Single(TableOrSubquery::Nested { from: Box::new(inner), alias }, constraint));
            }
            // A single parenthesized item takes the outer alias (its own is dropped).
            let mut table = inner.first;
            match &mut table {
                TableOrSubquery::Table { alias: a, .. }
                | TableOrSubquery::Function { alias: a, .. }
                | TableOrSubquery::Subquery { alias: a, .. }
                | TableOrSubquery::Nested { alias: a, .. } => *a = alias,
            }
            return Ok(TableItem::Single(table, constraint));
        }
        let (name, _) = self.qualified_name()?;
        if self.eat(TokenKind::LParen) {
            let (args, _) = self.nested(4, |p| p.expr_list(true))?;
            self.expect(TokenKind::RParen)?;
            let alias = self.alias()?;
            let constraint = self.join_constraint()?;
            return Ok(TableItem::Single(TableOrSubquery::Function { name, args, alias }, constraint));
        }
        let alias = self.alias()?;
        let indexed = self.indexed_by()?;
        let constraint = self.join_constraint()?;
        Ok(TableItem::Single(TableOrSubquery::Table { name, alias, indexed }, constraint))
    }

    /// `[INDEXED BY nm | NOT INDEXED]`.
    pub(super) fn indexed_by(&mut self) -> Result<Option<IndexedBy>> {
        if self.eat_kw(Keyword::Indexed) {
            self.expect_kw(Keyword::By)?;
            return Ok(Some(IndexedBy::Index(self.ident()?)));
        }
        if self.at_kw(Keyword::Not) {
            self.advance();
            self.expect_kw(Keyword::Indexed)?;
            return Ok(Some(IndexedBy::NotIndexed));
        }
        Ok(None)
    }

    /// `[ON expr | USING (names)]`.
    fn join_constraint(&mut self) -> Result<Option<JoinConstraint>> {
        if self.eat_kw(Keyword::On) {
            let expr = self.nested(5, |p| p.expr())?;
            return Ok(Some(JoinConstraint::On(expr)));
        }
        if self.eat_kw(Keyword::Using) {
            return Ok(Some(JoinConstraint::Using(self.paren_idents()?)));
        }
        Ok(None)
    }

    /// `JOIN_KW [nm [nm]] JOIN` (the next token is a join keyword), with SQLite's
    /// `sqlite3JoinType` reading of the words.
    fn join_operator(&mut self) -> Result<JoinOperator> {
        let mut words: Vec<Token> = vec![self.advance()];
        while !self.eat_kw(Keyword::Join) {
            let token = self.peek();
            if words.len() == 3 || !Self::is_nm(token) {
                return Err(self.syntax_error(token));
            }
            words.push(self.advance());
        }
        const NATURAL: u8 = 1;
        const LEFT: u8 = 2;
        const OUTER: u8 = 4;
        const RIGHT: u8 = 8;
        const INNER: u8 = 16;
        const CROSS: u8 = 32;
        let mut bits = 0;
        let mut unknown = false;
        for &word in &words {
            let text = self.text(word).to_ascii_lowercase();
            bits |= match text.as_str() {
                "natural" => NATURAL,
                "left" => LEFT | OUTER,
                "outer" => OUTER,
                "right" => RIGHT | OUTER,
                "full" => LEFT | RIGHT | OUTER,
                "inner" => INNER,
                "cross" => INNER | CROSS,
                _ => {
                    unknown = true;
                    break;
                }
            };
        }
        if unknown || bits & (INNER | OUTER) == INNER | OUTER || bits & (OUTER | LEFT | RIGHT) == OUTER {
            let texts: Vec<&str> = words.iter().map(|&w| self.text(w)).collect();
            self.defer_error(format!("unknown join type: {}", texts.join(" ")));
            return Ok(JoinOperator::Join { natural: false, kind: JoinKind::Inner });
        }
        let kind = if bits & (LEFT | RIGHT) == LEFT | RIGHT {
            JoinKind::Full
        } else if bits & LEFT != 0 {
            JoinKind::Left
        } else if bits & RIGHT != 0 {
            JoinKind::Right
        } else if bits & CROSS != 0 {
            JoinKind::Cross
        } else {
            JoinKind::Inner
        };
        Ok(JoinOperator::Join { natural: bits & NATURAL != 0, kind })
    }

    /// `WITH [RECURSIVE] cte, ...` (the next token is WITH).
    pub(super) fn with_clause(&mut self) -> Result<With> {
        self.expect_kw(Keyword::With)?;
        let recursive = self.eat_kw(Keyword::Recursive);
        let mut ctes: Vec<Cte> = vec![self.cte()?];
        while self.eat(TokenKind::Comma) {
            let cte = self.cte()?;
            // sqlite3WithAdd.
            if ctes.iter().any(|c| c.name.name.eq_ignore_ascii_case(&cte.name.name)) {
                self.defer_error(format!("duplicate WITH table name: {}", cte.name.name));
            }
            ctes.push(cte);
        }
        Ok(With { recursive, ctes })
    }

    /// `name [(columns)] AS [[NOT] MATERIALIZED] (select)`.
    fn cte(&mut self) -> Result<Cte> {
        let name = self.ident()?;
        self.has_with = true;
        let columns = if self.at(TokenKind::LParen) { self.column_name_list()? } else { Vec::new() };
        self.expect_kw(Keyword::As)?;
        let materialized = if self.eat_kw(Keyword::Materialized) {
            Some(true)
        } else if self.eat_kw(Keyword::Not) {
            self.expect_kw(Keyword::Materialized)?;
            Some(false)
        } else {
            None
        };
        self.expect(TokenKind::LParen)?;
        let (select, _) = self.nested(6, |p| p.select())?;
        self.expect(TokenKind::RParen)?;
        Ok(Cte { name, columns, materialized, select: Box::new(select) })
    }

    /// `(name [COLLATE x] [ASC|DESC], ...)` naming the columns of a view or CTE (parse.y
    /// `eidlist`): a COLLATE or sort order is SQLite's "syntax error after column name".
    pub(super) fn column_name_list(&mut self) -> Result<Vec<Ident>> {
        self.expect(TokenKind::LParen)?;
        let mut names = Vec::new();
        loop {
            let (_, token) = self.nm()?;
            let collate = if self.eat_kw(Keyword::Collate) {
                self.id_or_string()?;
                true
            } else {
                false
            };
            if self.sort_order().is_some() || collate {
                let text = self.text(token);
                self.defer_error(format!("syntax error after column name \"{text}\""));
            }
            names.push(self.ident_of(token));
            if !self.eat(TokenKind::Comma) {
                break;
            }
        }
        self.expect(TokenKind::RParen)?;
        Ok(names)
    }
}
