//! CREATE TABLE, CREATE INDEX and DROP (parse.y `create_table`, `ccons`, `tcons`, ...).

use super::super::ast::{
    CheckExpr, ColumnConstraint, ColumnConstraintKind, ColumnDef, ConflictResolution, CreateIndex, CreateTable,
    DefaultValue, Deferrable, Drop, DropKind, Expr, ForeignKeyAction, ForeignKeyArg, ForeignKeyClause, IndexedName,
    Literal, Stmt, TableConstraint, TableConstraintKind, TableOption, UnaryOp,
};
use super::super::keyword::Keyword;
use super::super::lexer::{TokenKind, dequote_number, is_space};
use super::expr::blob_bytes;
use super::{MAX_COLUMN, Parser, StoredEnd, StoredText};
use crate::error::Result;

/// Parser-stack cost charged for an expression inside a column or table definition.
const DDL_EXPR_COST: u32 = 8;

/// `text` without the whitespace SQLite trims from spans (`sqlite3DbSpanDup`).
fn trim_space(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

impl Parser<'_> {
    /// `CREATE ...`: a table or an index.
    pub(super) fn create(&mut self) -> Result<(Stmt, Option<StoredText>)> {
        self.expect_kw(Keyword::Create)?;
        let temp = self.eat_kw(Keyword::Temp) || self.eat_kw(Keyword::Temporary);
        let token = self.peek();
        match token.kind {
            TokenKind::Keyword(Keyword::Table) => self.create_table(temp),
            TokenKind::Keyword(Keyword::Unique | Keyword::Index) if !temp => self.create_index(),
            TokenKind::Keyword(Keyword::View) => self.create_view(temp),
            TokenKind::Keyword(Keyword::Trigger) => self.create_trigger(temp),
            TokenKind::Keyword(Keyword::Virtual) if !temp => self.create_virtual_table(),
            _ => Err(self.syntax_error(token)),
        }
    }

    /// `IF NOT EXISTS`, if present.
    pub(super) fn if_not_exists(&mut self) -> Result<bool> {
        if !self.eat_kw(Keyword::If) {
            return Ok(false);
        }
        self.expect_kw(Keyword::Not)?;
        self.expect_kw(Keyword::Exists)?;
        Ok(true)
    }

    /// The rest of `CREATE [TEMP] TABLE`.
    fn create_table(&mut self, temp: bool) -> Result<(Stmt, Option<StoredText>)> {
        self.expect_kw(Keyword::Table)?;
        let if_not_exists = self.if_not_exists()?;
        let (name, name_token) = self.qualified_name()?;
        if self.at_kw(Keyword::As) {
            return self.create_table_as(temp, if_not_exists, name);
        }
        self.expect(TokenKind::LParen)?;
        let table_name = name.name.clone();
        let mut columns = Vec::new();
        let mut pending_name;
        loop {
            let (column, name) = self.column_def()?;
            columns.push(column);
            if columns.len() == MAX_COLUMN + 1 {
                // sqlite3AddColumn (SQLITE_LIMIT_COLUMN).
                self.defer_error(format!("too many columns on {}", table_name.name));
            }
            pending_name = name;
            if !self.eat(TokenKind::Comma) {
                break;
            }
            if self.at_table_constraint() {
                break;
            }
        }
        let mut constraints = Vec::new();
        if self.at_table_constraint() {
            // The name of a trailing `CONSTRAINT x` of the last column carries over (SQLite
            // resets it only at a new column or at a comma between table constraints).
            self.table_constraints(pending_name, &mut constraints)?;
        }
        let close = self.expect(TokenKind::RParen)?;
        let options = self.table_options()?;
        let stored = StoredText {
            prefix: "CREATE TABLE ",
            name_start: name_token.span.start,
            end: if options.is_empty() { StoredEnd::At(close.span.end) } else { StoredEnd::Terminator },
        };
        let table = CreateTable { temp, if_not_exists, name, columns, constraints, options };
        Ok((Stmt::CreateTable(table), Some(stored)))
    }

    /// True if the next token starts a table constraint.
    fn at_table_constraint(&mut self) -> bool {
        matches!(
            self.peek().kind,
            TokenKind::Keyword(
                Keyword::Constraint | Keyword::Primary | Keyword::Unique | Keyword::Check | Keyword::Foreign
            )
        )
    }

    /// `WITHOUT ROWID` / `STRICT`, comma separated, after the closing parenthesis.
    fn table_options(&mut self) -> Result<Vec<TableOption>> {
        let mut options = Vec::new();
        let first = self.peek();
        if !(first.kind == TokenKind::Keyword(Keyword::Without) || Self::is_nm(first)) {
            return Ok(options);
        }
        loop {
            let without = self.eat_kw(Keyword::Without);
            let (_, token) = self.nm()?;
            // SQLite compares the raw token text: a quoted "rowid" is not ROWID.
            let word = self.text(token);
            if without && word.eq_ignore_ascii_case("rowid") {
                options.push(TableOption::WithoutRowid);
            } else if !without && word.eq_ignore_ascii_case("strict") {
                options.push(TableOption::Strict);
            } else {
                // Raised by the reduce action: a syntax error at the next token wins.
                self.defer_error(format!("unknown table option: {word}"));
            }
            if !self.eat(TokenKind::Comma) {
                return Ok(options);
            }
        }
    }

    /// A column definition; also returns the constraint name still pending at its end.
    pub(super) fn column_def(&mut self) -> Result<(ColumnDef, Option<String>)> {
        let (name, _) = self.nm()?;
        let type_name = self.type_name()?;
        let mut constraints = Vec::new();
        let mut pending: Option<String> = None;
        loop {
            if self.eat_kw(Keyword::Constraint) {
                pending = Some(self.nm()?.0);
                continue;
            }
            let Some(kind) = self.column_constraint()? else {
                break;
            };
            constraints.push(ColumnConstraint { name: pending.clone(), kind });
        }
        let column = ColumnDef { name, type_name, constraints };
        Ok((column, pending))
    }

    /// One column constraint (not `CONSTRAINT name`), or `None` if none starts here.
    fn column_constraint(&mut self) -> Result<Option<ColumnConstraintKind>> {
        let TokenKind::Keyword(kw) = self.peek().kind else {
            return Ok(None);
        };
        let kind = match kw {
            Keyword::Default => {
                self.advance();
                ColumnConstraintKind::Default(self.default_value()?)
            }
            Keyword::Null => {
                self.advance();
                ColumnConstraintKind::Null { on_conflict: self.on_conflict()? }
            }
            Keyword::Not if self.peek_at(1).kind == TokenKind::Keyword(Keyword::Deferrable) => {
                ColumnConstraintKind::Deferrable(self.deferrable()?)
            }
            Keyword::Not => {
                self.advance();
                self.expect_kw(Keyword::Null)?;
                ColumnConstraintKind::NotNull { on_conflict: self.on_conflict()? }
            }
            Keyword::Deferrable => ColumnConstraintKind::Deferrable(self.deferrable()?),
            Keyword::Primary => {
                self.advance();
                self.expect_kw(Keyword::Key)?;
                let order = self.sort_order();
                let on_conflict = self.on_conflict()?;
                let autoincrement = self.eat_kw(Keyword::Autoincrement);
                ColumnConstraintKind::PrimaryKey { order, on_conflict, autoincrement }
            }
            Keyword::Unique => {
                self.advance();
                ColumnConstraintKind::Unique { on_conflict: self.on_conflict()? }
            }
            Keyword::Check => ColumnConstraintKind::Check(self.check()?),
            Keyword::References => {
                self.advance();
                ColumnConstraintKind::References(self.foreign_key_clause(false)?)
            }
            Keyword::Collate => {
                self.advance();
                ColumnConstraintKind::Collate(self.id_or_string()?)
            }
            Keyword::Generated => {
                self.advance();
                self.expect_kw(Keyword::Always)?;
                self.expect_kw(Keyword::As)?;
                self.generated()?
            }
            Keyword::As => {
                self.advance();
                self.generated()?
            }
            _ => return Ok(None),
        };
        Ok(Some(kind))
    }

    /// `LP expr RP [ID]` after `[GENERATED ALWAYS] AS`.
    fn generated(&mut self) -> Result<ColumnConstraintKind> {
        self.expect(TokenKind::LParen)?;
        let expr = self.nested(DDL_EXPR_COST, |p| p.expr())?;
        self.expect(TokenKind::RParen)?;
        let storage = if Self::is_id(self.peek()) {
            let token = self.advance();
            Some(self.name_of(token))
        } else {
            None
        };
        Ok(ColumnConstraintKind::Generated { expr, storage })
    }

    /// `CHECK ( expr )`, with the trimmed text between the parentheses.
    pub(super) fn check(&mut self) -> Result<CheckExpr> {
        self.expect_kw(Keyword::Check)?;
        let open = self.expect(TokenKind::LParen)?;
        let expr = self.nested(DDL_EXPR_COST, |p| p.expr())?;
        let close = self.expect(TokenKind::RParen)?;
        let text = trim_space(&self.sql[open.span.end..close.span.start]).to_string();
        Ok(CheckExpr { expr, text })
    }

    /// The value after DEFAULT: `(expr)`, `[+|-] term`, or an identifier taken as a string.
    fn default_value(&mut self) -> Result<DefaultValue> {
        let token = self.peek();
        if token.kind == TokenKind::LParen {
            self.advance();
            let expr = self.nested(DDL_EXPR_COST, |p| p.expr())?;
            let close = self.expect(TokenKind::RParen)?;
            let text = trim_space(&self.sql[token.span.end..close.span.start]).to_string();
            return Ok(DefaultValue { expr, text, parenthesized: true });
        }
        let sign = match token.kind {
            TokenKind::Plus | TokenKind::Minus => {
                self.advance();
                Some(token.kind)
            }
            _ => None,
        };
        let term = self.peek();
        let expr = match self.default_term(term) {
            Some(literal) => {
                self.advance();
                if term.kind == TokenKind::QNumber && dequote_number(self.text(term)).is_none() {
                    let text = self.text(term);
                    self.defer_error(format!("unrecognized token: \"{text}\""));
                }
                let expr = Expr::Literal(literal);
                // `DEFAULT +x` keeps x itself; `DEFAULT -x` negates it.
                if sign == Some(TokenKind::Minus) {
                    Expr::Unary { op: UnaryOp::Neg, operand: Box::new(expr) }
                } else {
                    expr
                }
            }
            None if sign.is_none() && (Self::is_id(term) || term.kind == TokenKind::Keyword(Keyword::Indexed)) => {
                self.advance();
                let word = self.name_of(term);
                let quoted = term.kind == TokenKind::QuotedId;
                let literal = match word.to_ascii_lowercase().as_str() {
                    "true" if !quoted => Literal::Bool(true),
                    "false" if !quoted => Literal::Bool(false),
                    _ => Literal::String(word),
                };
                Expr::Literal(literal)
            }
            None => return Err(self.syntax_error(term)),
        };
        let text = trim_space(&self.sql[token.span.start..term.span.end]).to_string();
        Ok(DefaultValue { expr, text, parenthesized: false })
    }

    /// The literal of a `term` token (parse.y `term`), if it is one.
    fn default_term(&self, token: super::super::lexer::Token) -> Option<Literal> {
        let text = self.text(token);
        let literal = match token.kind {
            TokenKind::Integer => Literal::Integer(text.to_string()),
            TokenKind::Float => Literal::Float(text.to_string()),
            TokenKind::String => Literal::String(self.name_of(token)),
            TokenKind::Blob => Literal::Blob(blob_bytes(text)),
            // A malformed one is reported by the caller once the token is consumed.
            TokenKind::QNumber => match dequote_number(text) {
                Some((digits, true)) => Literal::Float(digits),
                Some((digits, false)) => Literal::Integer(digits),
                None => Literal::Integer(text.to_string()),
            },
            TokenKind::Keyword(Keyword::Null) => Literal::Null,
            TokenKind::Keyword(Keyword::CurrentTime) => Literal::CurrentTime,
            TokenKind::Keyword(Keyword::CurrentDate) => Literal::CurrentDate,
            TokenKind::Keyword(Keyword::CurrentTimestamp) => Literal::CurrentTimestamp,
            _ => return None,
        };
        Some(literal)
    }

    /// `[ON CONFLICT resolution]`.
    pub(super) fn on_conflict(&mut self) -> Result<Option<ConflictResolution>> {
        if !self.at_kw(Keyword::On) {
            return Ok(None);
        }
        self.advance();
        self.expect_kw(Keyword::Conflict)?;
        let token = self.advance();
        let resolution = match token.kind {
            TokenKind::Keyword(Keyword::Rollback) => ConflictResolution::Rollback,
            TokenKind::Keyword(Keyword::Abort) => ConflictResolution::Abort,
            TokenKind::Keyword(Keyword::Fail) => ConflictResolution::Fail,
            TokenKind::Keyword(Keyword::Ignore) => ConflictResolution::Ignore,
            TokenKind::Keyword(Keyword::Replace) => ConflictResolution::Replace,
            _ => return Err(self.syntax_error(token)),
        };
        Ok(Some(resolution))
    }

    /// `[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]`; the next token is NOT or DEFERRABLE.
    fn deferrable(&mut self) -> Result<Deferrable> {
        let not = self.eat_kw(Keyword::Not);
        self.expect_kw(Keyword::Deferrable)?;
        let initially_deferred = if self.eat_kw(Keyword::Initially) {
            if self.eat_kw(Keyword::Deferred) {
                Some(true)
            } else {
                self.expect_kw(Keyword::Immediate)?;
                Some(false)
            }
        } else {
            None
        };
        Ok(Deferrable { not, initially_deferred })
    }

    /// `nm [(names)] [refargs]` after REFERENCES, and a `[NOT] DEFERRABLE` clause when
    /// `with_deferrable` (the table-constraint form).
    fn foreign_key_clause(&mut self, with_deferrable: bool) -> Result<ForeignKeyClause> {
        let (table, _) = self.nm()?;
        let columns = if self.eat(TokenKind::LParen) {
            let names = self.indexed_names()?;
            self.expect(TokenKind::RParen)?;
            names
        } else {
            Vec::new()
        };
        let mut args = Vec::new();
        loop {
            if self.eat_kw(Keyword::Match) {
                args.push(ForeignKeyArg::Match(self.nm()?.0));
                continue;
            }
            if !self.at_kw(Keyword::On) {
                break;
            }
            self.advance();
            let event = self.advance();
            let action = self.foreign_key_action()?;
            args.push(match event.kind {
                TokenKind::Keyword(Keyword::Insert) => ForeignKeyArg::OnInsert(action),
                TokenKind::Keyword(Keyword::Delete) => ForeignKeyArg::OnDelete(action),
                TokenKind::Keyword(Keyword::Update) => ForeignKeyArg::OnUpdate(action),
                _ => return Err(self.syntax_error(event)),
            });
        }
        let at_deferrable = self.at_kw(Keyword::Deferrable)
            || (self.at_kw(Keyword::Not) && self.peek_at(1).kind == TokenKind::Keyword(Keyword::Deferrable));
        let deferrable = if with_deferrable && at_deferrable { Some(self.deferrable()?) } else { None };
        Ok(ForeignKeyClause { table, columns, args, deferrable })
    }

    /// `SET NULL | SET DEFAULT | CASCADE | RESTRICT | NO ACTION`.
    fn foreign_key_action(&mut self) -> Result<ForeignKeyAction> {
        let token = self.advance();
        let action = match token.kind {
            TokenKind::Keyword(Keyword::Set) => {
                let next = self.advance();
                match next.kind {
                    TokenKind::Keyword(Keyword::Null) => ForeignKeyAction::SetNull,
                    TokenKind::Keyword(Keyword::Default) => ForeignKeyAction::SetDefault,
                    _ => return Err(self.syntax_error(next)),
                }
            }
            TokenKind::Keyword(Keyword::Cascade) => ForeignKeyAction::Cascade,
            TokenKind::Keyword(Keyword::Restrict) => ForeignKeyAction::Restrict,
            TokenKind::Keyword(Keyword::No) => {
                self.expect_kw(Keyword::Action)?;
                ForeignKeyAction::NoAction
            }
            _ => return Err(self.syntax_error(token)),
        };
        Ok(action)
    }

    /// `eidlist`: `nm [COLLATE id] [ASC|DESC], ...`.
    fn indexed_names(&mut self) -> Result<Vec<IndexedName>> {
        let mut names = Vec::new();
        loop {
            let (name, _) = self.nm()?;
            let collation = if self.eat_kw(Keyword::Collate) { Some(self.id_or_string()?) } else { None };
            let order = self.sort_order();
            names.push(IndexedName { name, collation, order });
            if !self.eat(TokenKind::Comma) {
                return Ok(names);
            }
        }
    }

    /// Table constraints up to the closing parenthesis; `name` is the constraint name in force.
    fn table_constraints(&mut self, mut name: Option<String>, out: &mut Vec<TableConstraint>) -> Result<()> {
        loop {
            let token = self.peek();
            let kind = match token.kind {
                TokenKind::Keyword(Keyword::Constraint) => {
                    self.advance();
                    name = Some(self.nm()?.0);
                    None
                }
                TokenKind::Keyword(Keyword::Primary) => {
                    self.advance();
                    self.expect_kw(Keyword::Key)?;
                    self.expect(TokenKind::LParen)?;
                    let (columns, _) = self.nested(DDL_EXPR_COST, |p| p.ordering_terms())?;
                    let autoincrement = self.eat_kw(Keyword::Autoincrement);
                    self.expect(TokenKind::RParen)?;
                    Some(TableConstraintKind::PrimaryKey { columns, autoincrement, on_conflict: self.on_conflict()? })
                }
                TokenKind::Keyword(Keyword::Unique) => {
                    self.advance();
                    self.expect(TokenKind::LParen)?;
                    let (columns, _) = self.nested(DDL_EXPR_COST, |p| p.ordering_terms())?;
                    self.expect(TokenKind::RParen)?;
                    Some(TableConstraintKind::Unique { columns, on_conflict: self.on_conflict()? })
                }
                TokenKind::Keyword(Keyword::Check) => {
                    let check = self.check()?;
                    Some(TableConstraintKind::Check { check, on_conflict: self.on_conflict()? })
                }
                TokenKind::Keyword(Keyword::Foreign) => {
                    self.advance();
                    self.expect_kw(Keyword::Key)?;
                    self.expect(TokenKind::LParen)?;
                    let columns = self.indexed_names()?;
                    self.expect(TokenKind::RParen)?;
                    self.expect_kw(Keyword::References)?;
                    let clause = self.foreign_key_clause(true)?;
                    Some(TableConstraintKind::ForeignKey { columns, clause })
                }
                _ => return Err(self.syntax_error(token)),
            };
            if let Some(kind) = kind {
                out.push(TableConstraint { name: name.clone(), kind });
            }
            if self.eat(TokenKind::Comma) {
                name = None;
            } else if !self.at_table_constraint() {
                return Ok(());
            }
        }
    }

    /// The rest of `CREATE [UNIQUE] INDEX`.
    fn create_index(&mut self) -> Result<(Stmt, Option<StoredText>)> {
        let unique = self.eat_kw(Keyword::Unique);
        self.expect_kw(Keyword::Index)?;
        let if_not_exists = self.if_not_exists()?;
        let (name, name_token) = self.qualified_name()?;
        self.expect_kw(Keyword::On)?;
        let (table, _) = self.nm()?;
        self.expect(TokenKind::LParen)?;
        let (columns, _) = self.nested(DDL_EXPR_COST, |p| p.ordering_terms())?;
        self.expect(TokenKind::RParen)?;
        let where_clause =
            if self.eat_kw(Keyword::Where) { Some(self.nested(DDL_EXPR_COST, |p| p.expr())?) } else { None };
        let stored = StoredText {
            prefix: if unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " },
            name_start: name_token.span.start,
            end: StoredEnd::Terminator,
        };
        let index = CreateIndex { unique, if_not_exists, name, table, columns, where_clause };
        Ok((Stmt::CreateIndex(index), Some(stored)))
    }

    /// `DROP TABLE|INDEX|VIEW [IF EXISTS] [schema.]name`.
    pub(super) fn drop(&mut self) -> Result<Drop> {
        self.expect_kw(Keyword::Drop)?;
        let token = self.advance();
        let kind = match token.kind {
            TokenKind::Keyword(Keyword::Table) => DropKind::Table,
            TokenKind::Keyword(Keyword::Index) => DropKind::Index,
            TokenKind::Keyword(Keyword::View) => DropKind::View,
            TokenKind::Keyword(Keyword::Trigger) => DropKind::Trigger,
            _ => return Err(self.syntax_error(token)),
        };
        let if_exists = if self.eat_kw(Keyword::If) {
            self.expect_kw(Keyword::Exists)?;
            true
        } else {
            false
        };
        let (name, _) = self.qualified_name()?;
        Ok(Drop { kind, if_exists, name })
    }
}
