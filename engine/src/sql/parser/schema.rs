//! CREATE VIEW, CREATE TRIGGER, CREATE VIRTUAL TABLE, CREATE TABLE ... AS and ALTER TABLE.

use super::super::ast::{
    AlterAction, AlterTable, CreateTableAs, CreateTrigger, CreateView, CreateVirtualTable, QualifiedName, Stmt,
    TriggerEvent, TriggerStep, TriggerTime,
};
use super::super::keyword::Keyword;
use super::super::lexer::{Span, TokenKind, is_space};
use super::{Parser, StoredEnd, StoredText};
use crate::error::Result;

impl Parser<'_> {
    /// The rest of `CREATE [TEMP] VIEW` (the next token is VIEW).
    pub(super) fn create_view(&mut self, temp: bool) -> Result<(Stmt, Option<StoredText>)> {
        self.expect_kw(Keyword::View)?;
        let if_not_exists = self.if_not_exists()?;
        let (name, name_token) = self.qualified_name()?;
        let columns = if self.at(TokenKind::LParen) { self.column_name_list()? } else { Vec::new() };
        self.expect_kw(Keyword::As)?;
        let (select, _) = self.nested(9, |p| p.select())?;
        let stored =
            StoredText { prefix: "CREATE VIEW ", name_start: name_token.span.start, end: StoredEnd::TerminatorTrimmed };
        let view = CreateView { temp, if_not_exists, name, columns, select };
        Ok((Stmt::CreateView(Box::new(view)), Some(stored)))
    }

    /// `CREATE [TEMP] TABLE [IF NOT EXISTS] name AS select` after the name (the next token is
    /// AS). SQLite stores a CREATE TABLE text made from the select's columns, which is the
    /// executor's to build.
    pub(super) fn create_table_as(
        &mut self,
        temp: bool,
        if_not_exists: bool,
        name: QualifiedName,
    ) -> Result<(Stmt, Option<StoredText>)> {
        self.expect_kw(Keyword::As)?;
        let (select, _) = self.nested(8, |p| p.select())?;
        let create = CreateTableAs { temp, if_not_exists, name, select };
        Ok((Stmt::CreateTableAs(Box::new(create)), None))
    }

    /// The rest of `CREATE [TEMP] TRIGGER` (the next token is TRIGGER).
    pub(super) fn create_trigger(&mut self, temp: bool) -> Result<(Stmt, Option<StoredText>)> {
        self.expect_kw(Keyword::Trigger)?;
        let if_not_exists = self.if_not_exists()?;
        let (name, name_token) = self.qualified_name()?;
        let time = match self.peek().kind {
            TokenKind::Keyword(Keyword::Before) => {
                self.advance();
                TriggerTime::Before
            }
            TokenKind::Keyword(Keyword::After) => {
                self.advance();
                TriggerTime::After
            }
            TokenKind::Keyword(Keyword::Instead) => {
                self.advance();
                self.expect_kw(Keyword::Of)?;
                TriggerTime::InsteadOf
            }
            _ => TriggerTime::Before,
        };
        let token = self.peek();
        let event = match token.kind {
            TokenKind::Keyword(Keyword::Delete) => TriggerEvent::Delete,
            TokenKind::Keyword(Keyword::Insert) => TriggerEvent::Insert,
            TokenKind::Keyword(Keyword::Update) => TriggerEvent::Update(Vec::new()),
            _ => return Err(self.syntax_error(token)),
        };
        self.advance();
        let event = if matches!(event, TriggerEvent::Update(_)) && self.eat_kw(Keyword::Of) {
            let mut columns = vec![self.ident()?];
            while self.eat(TokenKind::Comma) {
                columns.push(self.ident()?);
            }
            TriggerEvent::Update(columns)
        } else {
            event
        };
        self.expect_kw(Keyword::On)?;
        let (table, _) = self.qualified_name()?;
        let for_each_row = self.eat_kw(Keyword::For);
        if for_each_row {
            self.expect_kw(Keyword::Each)?;
            self.expect_kw(Keyword::Row)?;
        }
        let when = if self.eat_kw(Keyword::When) { Some(self.nested(12, |p| p.expr())?) } else { None };
        self.expect_kw(Keyword::Begin)?;
        let in_temp = temp || name.schema.as_ref().is_some_and(|s| s.is("temp"));
        self.trigger = Some(in_temp);
        let mut steps = Vec::new();
        loop {
            steps.push(self.nested(14, |p| p.trigger_step())?);
            self.expect(TokenKind::Semi)?;
            if self.at_kw(Keyword::End) {
                break;
            }
        }
        let end = self.advance();
        self.trigger = None;
        let stored = StoredText {
            prefix: "CREATE TRIGGER ",
            name_start: name_token.span.start,
            end: StoredEnd::At(end.span.end),
        };
        let trigger = CreateTrigger { temp, if_not_exists, name, time, event, table, for_each_row, when, steps };
        Ok((Stmt::CreateTrigger(Box::new(trigger)), Some(stored)))
    }

    /// One statement of a trigger body (parse.y `trigger_cmd`), without its `;`. A
    /// schema-qualified table is an error unless the trigger is TEMP (`triggerStepAllocate`,
    /// when SQLite reduces the step).
    fn trigger_step(&mut self) -> Result<TriggerStep> {
        let token = self.peek();
        let (step, table) = match token.kind {
            TokenKind::Keyword(Keyword::Update) => {
                let update = self.update(None)?;
                let qualified = update.table.schema.is_some();
                (TriggerStep::Update(Box::new(update)), qualified)
            }
            TokenKind::Keyword(Keyword::Insert | Keyword::Replace) => {
                let insert = self.insert(None)?;
                let qualified = insert.table.schema.is_some();
                (TriggerStep::Insert(Box::new(insert)), qualified)
            }
            TokenKind::Keyword(Keyword::Delete) => {
                let delete = self.delete(None)?;
                let qualified = delete.table.schema.is_some();
                (TriggerStep::Delete(Box::new(delete)), qualified)
            }
            TokenKind::Keyword(Keyword::Select | Keyword::Values | Keyword::With) => {
                (TriggerStep::Select(Box::new(self.select()?.0)), false)
            }
            _ => return Err(self.syntax_error(token)),
        };
        if table && self.trigger == Some(false) {
            self.defer_error(
                "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers",
            );
        }
        Ok(step)
    }

    /// The rest of `CREATE VIRTUAL TABLE` (the next token is VIRTUAL).
    pub(super) fn create_virtual_table(&mut self) -> Result<(Stmt, Option<StoredText>)> {
        self.expect_kw(Keyword::Virtual)?;
        self.expect_kw(Keyword::Table)?;
        let if_not_exists = self.if_not_exists()?;
        let (name, name_token) = self.qualified_name()?;
        self.expect_kw(Keyword::Using)?;
        let module = self.ident()?;
        let mut end = self.prev_end;
        let args = if self.eat(TokenKind::LParen) {
            let mut args = Vec::new();
            let mut depth = 0usize;
            let mut arg_span: Option<Span> = None;
            loop {
                let token = self.peek();
                match token.kind {
                    _ if self.is_end(token) => return Err(self.syntax_error(token)),
                    TokenKind::Illegal => return Err(self.syntax_error(token)),
                    TokenKind::Comma | TokenKind::RParen if depth == 0 => {
                        if let Some(span) = arg_span.take() {
                            args.push(span.text(self.sql).to_string());
                        }
                        self.advance();
                        if token.kind == TokenKind::RParen {
                            end = token.span.end;
                            break;
                        }
                        continue;
                    }
                    TokenKind::LParen => depth += 1,
                    TokenKind::RParen => depth -= 1,
                    _ => {}
                }
                self.advance();
                let start = arg_span.map_or(token.span.start, |s| s.start);
                arg_span = Some(Span::new(start, token.span.end));
            }
            Some(args)
        } else {
            None
        };
        let stored =
            StoredText { prefix: "CREATE VIRTUAL TABLE ", name_start: name_token.span.start, end: StoredEnd::At(end) };
        let table = CreateVirtualTable { if_not_exists, name, module, args };
        Ok((Stmt::CreateVirtualTable(table), Some(stored)))
    }

    /// `ALTER TABLE [schema.]table action`.
    pub(super) fn alter_table(&mut self) -> Result<AlterTable> {
        self.expect_kw(Keyword::Alter)?;
        self.expect_kw(Keyword::Table)?;
        let (table, _) = self.qualified_name()?;
        let token = self.advance_if_keyword(&[Keyword::Rename, Keyword::Add, Keyword::Drop, Keyword::Alter])?;
        let action = match token {
            Keyword::Rename => {
                if self.eat_kw(Keyword::To) {
                    AlterAction::RenameTable(self.ident()?)
                } else {
                    self.eat_kw(Keyword::Column);
                    let old = self.ident()?;
                    self.expect_kw(Keyword::To)?;
                    AlterAction::RenameColumn { old, new: self.ident()? }
                }
            }
            Keyword::Add if self.at_kw(Keyword::Constraint) || self.at_kw(Keyword::Check) => {
                let name = if self.eat_kw(Keyword::Constraint) { Some(self.ident()?) } else { None };
                let check = self.check()?;
                AlterAction::AddCheck { name, check, on_conflict: self.on_conflict()? }
            }
            Keyword::Add => {
                self.eat_kw(Keyword::Column);
                let start = self.peek().span.start;
                let (column, _) = self.column_def()?;
                // sqlite3AlterFinishAddColumn: through the statement's end, less trailing
                // spaces and semicolons.
                let end = self.peek().span.start.max(start);
                let text = self.sql[start..end].trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8));
                AlterAction::AddColumn { column, text: text.to_string() }
            }
            Keyword::Drop if self.eat_kw(Keyword::Constraint) => AlterAction::DropConstraint(self.ident()?),
            Keyword::Drop => {
                self.eat_kw(Keyword::Column);
                AlterAction::DropColumn(self.ident()?)
            }
            _ => {
                self.eat_kw(Keyword::Column);
                let column = self.ident()?;
                if self.eat_kw(Keyword::Drop) {
                    self.expect_kw(Keyword::Not)?;
                    self.expect_kw(Keyword::Null)?;
                    AlterAction::DropNotNull(column)
                } else {
                    self.expect_kw(Keyword::Set)?;
                    self.expect_kw(Keyword::Not)?;
                    self.expect_kw(Keyword::Null)?;
                    AlterAction::SetNotNull { column, on_conflict: self.on_conflict()? }
                }
            }
        };
        Ok(AlterTable { table, action })
    }

    /// Consumes the next token if it is one of `keywords` and returns it; a syntax error
    /// otherwise.
    fn advance_if_keyword(&mut self, keywords: &[Keyword]) -> Result<Keyword> {
        let token = self.peek();
        match token.kind {
            TokenKind::Keyword(kw) if keywords.contains(&kw) => {
                self.advance();
                Ok(kw)
            }
            _ => Err(self.syntax_error(token)),
        }
    }
}
