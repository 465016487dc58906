//! Transactions, savepoints, PRAGMA, ATTACH / DETACH, VACUUM, REINDEX and ANALYZE.

use super::super::ast::{Attach, Expr, Pragma, PragmaValue, PragmaValueKind, Stmt, TransactionKind, Vacuum};
use super::super::keyword::Keyword;
use super::super::lexer::{Span, TokenKind};
use super::Parser;
use crate::error::Result;

impl Parser<'_> {
    /// `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION [name]]`.
    pub(super) fn begin(&mut self) -> Result<Stmt> {
        self.expect_kw(Keyword::Begin)?;
        let kind = match self.peek().kind {
            TokenKind::Keyword(Keyword::Deferred) => TransactionKind::Deferred,
            TokenKind::Keyword(Keyword::Immediate) => TransactionKind::Immediate,
            TokenKind::Keyword(Keyword::Exclusive) => TransactionKind::Exclusive,
            _ => {
                self.transaction_name()?;
                return Ok(Stmt::Begin(TransactionKind::Deferred));
            }
        };
        self.advance();
        self.transaction_name()?;
        Ok(Stmt::Begin(kind))
    }

    /// `[TRANSACTION [name]]` (parse.y `trans_opt`); the name is ignored, as by SQLite.
    fn transaction_name(&mut self) -> Result<()> {
        if self.eat_kw(Keyword::Transaction) && Self::is_nm(self.peek()) {
            self.advance();
        }
        Ok(())
    }

    /// `COMMIT|END [TRANSACTION [name]]`.
    pub(super) fn commit(&mut self) -> Result<Stmt> {
        self.advance();
        self.transaction_name()?;
        Ok(Stmt::Commit)
    }

    /// `ROLLBACK [TRANSACTION [name]] [TO [SAVEPOINT] name]`.
    pub(super) fn rollback(&mut self) -> Result<Stmt> {
        self.expect_kw(Keyword::Rollback)?;
        self.transaction_name()?;
        if !self.eat_kw(Keyword::To) {
            return Ok(Stmt::Rollback { savepoint: None });
        }
        self.eat_kw(Keyword::Savepoint);
        Ok(Stmt::Rollback { savepoint: Some(self.ident()?) })
    }

    /// `PRAGMA [schema.]name [= value | (value)]`.
    pub(super) fn pragma(&mut self) -> Result<Pragma> {
        self.expect_kw(Keyword::Pragma)?;
        let (name, _) = self.qualified_name()?;
        let value = if self.eat(TokenKind::Eq) {
            Some(self.pragma_value()?)
        } else if self.eat(TokenKind::LParen) {
            let value = self.pragma_value()?;
            self.expect(TokenKind::RParen)?;
            Some(value)
        } else {
            None
        };
        Ok(Pragma { name, value })
    }

    /// A PRAGMA value (parse.y `nmnum` or `minus_num`).
    fn pragma_value(&mut self) -> Result<PragmaValue> {
        let first = self.peek();
        let sign = match first.kind {
            TokenKind::Plus | TokenKind::Minus => {
                self.advance();
                Some(first.kind)
            }
            _ => None,
        };
        let token = self.peek();
        let (kind, value) = match token.kind {
            TokenKind::Integer | TokenKind::Float => {
                let digits = self.text(token);
                let value = if sign == Some(TokenKind::Minus) { format!("-{digits}") } else { digits.to_string() };
                (PragmaValueKind::Number, value)
            }
            _ if sign.is_some() => return Err(self.syntax_error(token)),
            TokenKind::String => (PragmaValueKind::String, self.name_of(token)),
            TokenKind::Keyword(Keyword::On | Keyword::Delete | Keyword::Default) => {
                (PragmaValueKind::Name, self.text(token).to_string())
            }
            _ if Self::is_nm(token) => (PragmaValueKind::Name, self.name_of(token)),
            _ => return Err(self.syntax_error(token)),
        };
        self.advance();
        let raw = Span::new(first.span.start, token.span.end).text(self.sql).to_string();
        Ok(PragmaValue { kind, value, raw })
    }

    /// `ATTACH [DATABASE] file AS schema [KEY key]`.
    pub(super) fn attach(&mut self) -> Result<Stmt> {
        self.expect_kw(Keyword::Attach)?;
        self.eat_kw(Keyword::Database);
        let file = self.nested(2, |p| p.expr())?;
        self.expect_kw(Keyword::As)?;
        let schema = self.nested(4, |p| p.expr())?;
        let key = if self.eat_kw(Keyword::Key) { Some(self.nested(6, |p| p.expr())?) } else { None };
        Ok(Stmt::Attach(Box::new(Attach { file, schema, key })))
    }

    /// `DETACH [DATABASE] schema`.
    pub(super) fn detach(&mut self) -> Result<Stmt> {
        self.expect_kw(Keyword::Detach)?;
        self.eat_kw(Keyword::Database);
        let schema: Expr = self.nested(2, |p| p.expr())?;
        Ok(Stmt::Detach(schema))
    }

    /// `VACUUM [schema] [INTO file]`.
    pub(super) fn vacuum(&mut self) -> Result<Stmt> {
        self.expect_kw(Keyword::Vacuum)?;
        let schema = if Self::is_nm(self.peek()) { Some(self.ident()?) } else { None };
        let into = if self.eat_kw(Keyword::Into) { Some(self.nested(3, |p| p.expr())?) } else { None };
        Ok(Stmt::Vacuum(Vacuum { schema, into }))
    }

    /// `REINDEX [[schema.]name]` or `ANALYZE [[schema.]name]`.
    pub(super) fn reindex_or_analyze(&mut self, kw: Keyword) -> Result<Stmt> {
        self.advance();
        let name = if Self::is_nm(self.peek()) { Some(self.qualified_name()?.0) } else { None };
        Ok(if kw == Keyword::Reindex { Stmt::Reindex(name) } else { Stmt::Analyze(name) })
    }
}
