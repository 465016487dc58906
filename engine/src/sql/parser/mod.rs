//! A recursive-descent parser for SQLite's grammar, with a Pratt parser for expressions.
//!
//! It accepts what SQLite's LALR(1) parser (parse.y) accepts, including where keywords may be
//! identifiers (the `%fallback ID` rule), and reports errors in SQLite's words:
//! `near "X": syntax error`, `incomplete input`, `unrecognized token: "X"`.
//!
//! Tokens are read lazily, one statement at a time, so an error late in the text does not stop
//! the statements before it, as with `sqlite3_prepare`'s tail. End of input is a `;` token with
//! an empty span, as in `sqlite3RunParser`.
//!
//! SQLite's parser reports some errors that are not syntax errors from its reduce actions
//! ("unknown join type", "a JOIN clause is required before ON", ...): such an error stands
//! only if the token that triggered the reduction is then accepted; a syntax error at that
//! token replaces it. `Parser::defer_error` models this.
//!
//! Modules: `expr` (expressions), `select` (SELECT, FROM, WITH), `window` (window
//! specifications), `dml` (INSERT, UPDATE, DELETE), `ddl` (CREATE TABLE / CREATE INDEX / DROP),
//! `schema` (views, triggers, virtual tables, ALTER TABLE), `stmt` (transactions, PRAGMA,
//! EXPLAIN, ATTACH, VACUUM, ...).

mod ddl;
mod dml;
mod expr;
mod schema;
mod select;
mod stmt;
mod window;

use std::collections::{BTreeMap, VecDeque};

use super::ast::{Expr, Ident, Loc, QualifiedName, Quote, Stmt};
use super::keyword::{Keyword, KeywordClass};
use super::lexer::{Lexer, Span, Token, TokenKind, dequote, effective_sql};
use crate::error::{Error, ErrorCode, Result};

/// SQLITE_MAX_VARIABLE_NUMBER: the greatest parameter number.
pub const MAX_VARIABLE_NUMBER: u32 = 32766;

/// SQLITE_MAX_COMPOUND_SELECT: the most cores of a compound SELECT.
pub const MAX_COMPOUND_SELECT: usize = 500;

/// SQLITE_MAX_COLUMN: the most columns of a table, and of a result set.
pub const MAX_COLUMN: usize = 2000;

/// SQLITE_MAX_EXPR_DEPTH: the greatest height of an expression tree.
pub const MAX_EXPR_DEPTH: u32 = 1000;

/// SQLITE_MAX_PARSER_DEPTH: the greatest depth of SQLite's parser stack. This parser keeps an
/// estimate of that depth (it charges each nested construct what it would push on SQLite's
/// stack) and fails with SQLite's "Recursion limit" beyond it; the estimate also bounds this
/// parser's own recursion, so deep nesting is an error and never a stack overflow.
pub const MAX_PARSER_DEPTH: u32 = 2500;

/// The most machine stack the parser may use, in bytes. Deep nesting that SQLite would accept
/// can need more than a thread's stack holds here (SQLite's parser keeps its stack on the
/// heap), so past this budget the parser stops with SQLite's "Recursion limit" error.
pub const STACK_BUDGET_BYTES: usize = 1 << 20;

/// The address of a local of the calling frame: a measure of how deep the machine stack is.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// One parsed statement with where it is, its parameters and, for CREATE statements, the text
/// SQLite stores in `sqlite_schema.sql`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedStatement {
    pub stmt: Stmt,
    /// From the statement's first token to the end of its last one (the `;` excluded).
    pub span: Span,
    /// `sqlite_schema.sql` for this statement, when it creates a schema object.
    pub schema_sql: Option<String>,
    /// The statement's parameters by number (element 0 is parameter 1), each with the name
    /// `sqlite3_bind_parameter_name` reports: `?NNN`, `:name`, `@name`, `$name`, or `None` for
    /// `?` and for numbers no parameter uses.
    pub parameters: Vec<Option<String>>,
}

/// Parses the statements of `sql` one by one (see [`Statements`]).
pub fn parse_statements(sql: &str) -> Statements<'_> {
    Statements { parser: Parser::new(sql), done: false }
}

/// Parses exactly one statement (an optional `;` and trivia may follow).
pub fn parse_statement(sql: &str) -> Result<ParsedStatement> {
    let mut statements = parse_statements(sql);
    let first = match statements.next() {
        Some(result) => result?,
        None => return Err(Error::new(ErrorCode::Error, "incomplete input")),
    };
    match statements.next() {
        None => Ok(first),
        Some(Err(e)) => Err(e),
        Some(Ok(_)) => Err(Error::new(ErrorCode::Error, "more than one statement in the text")),
    }
}

/// Parses one expression filling all of `sql` (for tests and tools).
pub fn parse_expr(sql: &str) -> Result<Expr> {
    let mut parser = Parser::new(sql);
    parser.stack_base = stack_position();
    let result = parser.expr();
    if let Some(error) = parser.committed() {
        return Err(error.clone());
    }
    let expr = result?;
    let end = parser.peek();
    if !parser.is_end(end) {
        return Err(parser.syntax_error(end));
    }
    match parser.deferred.take() {
        Some((error, _)) => Err(error),
        None => Ok(expr),
    }
}

/// An iterator over the statements of a text: each item is a statement or the error that ends
/// the iteration. Empty statements (`;;`) are skipped.
pub struct Statements<'a> {
    parser: Parser<'a>,
    done: bool,
}

impl Iterator for Statements<'_> {
    type Item = Result<ParsedStatement>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.parser.next_statement().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

/// How the stored `sqlite_schema.sql` text of a CREATE statement is cut from the source.
#[derive(Clone, Debug)]
pub(super) struct StoredText {
    /// `CREATE TABLE `, `CREATE [UNIQUE ]INDEX `, `CREATE VIEW `, ...
    prefix: &'static str,
    /// Start of the (unqualified) name token.
    name_start: usize,
    /// Where the text ends.
    end: StoredEnd,
}

/// Where the stored text of a CREATE statement ends.
#[derive(Clone, Copy, Debug)]
pub(super) enum StoredEnd {
    /// At this offset.
    At(usize),
    /// Where the statement's terminating `;` (or end of input) starts, trailing whitespace and
    /// comments included (tables with options, indexes).
    Terminator,
    /// Where the terminator starts, trailing whitespace removed but comments kept (views).
    TerminatorTrimmed,
}

/// Parser state: the text, the token source, a small lookahead, the depth estimate, the
/// parameters seen, and a semantic error waiting for the next token.
pub(super) struct Parser<'a> {
    sql: &'a str,
    lexer: Lexer<'a>,
    ahead: VecDeque<Token>,
    /// The kind of the last token read from the lexer (SQLite's `lastTokenParsed`, which
    /// decides whether OVER and FILTER are keywords).
    last_read: Option<TokenKind>,
    /// End of the last token consumed.
    prev_end: usize,
    /// Estimated depth of SQLite's parser stack (see [`MAX_PARSER_DEPTH`]).
    stack: u32,
    /// [`stack_position`] where parsing of the current statement began.
    stack_base: usize,
    /// A semantic error raised where SQLite raises it in a reduce action, and the start of the
    /// token that follows the construct: the error stands once that token is consumed (see
    /// [`Parser::defer_error`]).
    deferred: Option<(Error, usize)>,
    /// Parameter names by number, for the current statement.
    parameters: Vec<Option<String>>,
    /// The numbers of the named parameters of the current statement.
    named_parameters: BTreeMap<String, u32>,
    /// A WITH clause was parsed in the current statement (SQLite's `bHasWith`).
    has_with: bool,
    /// Parsing the body of a trigger: `Some(temp)` (RETURNING is an error there; qualified
    /// table names are an error unless the trigger is TEMP).
    trigger: Option<bool>,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `sql` (cut at its first NUL, as SQLite reads it).
    fn new(sql: &'a str) -> Parser<'a> {
        let sql = effective_sql(sql);
        Parser {
            sql,
            lexer: Lexer::new(sql),
            ahead: VecDeque::new(),
            last_read: None,
            prev_end: 0,
            stack: 0,
            stack_base: stack_position(),
            deferred: None,
            parameters: Vec::new(),
            named_parameters: BTreeMap::new(),
            has_with: false,
            trigger: None,
        }
    }

    /// The end-of-input token: a `;` with an empty span at the end of the text.
    fn end_token(&self) -> Token {
        Token { kind: TokenKind::Semi, span: Span::new(self.sql.len(), self.sql.len()) }
    }

    /// The `n`-th token ahead (0 = next), trivia skipped.
    fn peek_at(&mut self, n: usize) -> Token {
        while self.ahead.len() <= n {
            match self.lexer.by_ref().find(|t| !t.kind.is_trivia()) {
                Some(token) => {
                    let token = self.contextual(token);
                    self.last_read = Some(token.kind);
                    self.ahead.push_back(token);
                }
                None => return self.end_token(),
            }
        }
        self.ahead[n]
    }

    /// WINDOW, OVER and FILTER as SQLite's tokenizer hands them to its parser
    /// (`analyzeWindowKeyword` and friends): keywords only where a window clause, an OVER
    /// clause or a FILTER clause can follow, identifiers elsewhere. The lexer stands just
    /// after `token`.
    fn contextual(&self, token: Token) -> Token {
        let TokenKind::Keyword(kw @ (Keyword::Window | Keyword::Over | Keyword::Filter)) = token.kind else {
            return token;
        };
        let mut rest = self.lexer.clone();
        let mut next = || rest.by_ref().find(|t| !t.kind.is_trivia()).map(|t| t.kind);
        let after_rparen = self.last_read == Some(TokenKind::RParen);
        let keyword = match kw {
            Keyword::Window => next().is_some_and(id_like) && next() == Some(TokenKind::Keyword(Keyword::As)),
            Keyword::Over => after_rparen && next().is_some_and(|k| k == TokenKind::LParen || id_like(k)),
            _ => after_rparen && next() == Some(TokenKind::LParen),
        };
        if keyword { token } else { Token { kind: TokenKind::Id, span: token.span } }
    }

    /// The next token.
    fn peek(&mut self) -> Token {
        self.peek_at(0)
    }

    /// Consumes and returns the next token.
    fn advance(&mut self) -> Token {
        let token = self.peek();
        if !token.span.is_empty() {
            self.ahead.pop_front();
            self.prev_end = token.span.end;
        }
        token
    }

    /// Records a semantic error found where SQLite's parser raises it from a reduce action,
    /// that is when it sees the token after the construct: the error stands once that token is
    /// consumed, and a syntax error at that token replaces it. A later error raised before the
    /// same token replaces an earlier one (SQLite keeps the last message); an error that
    /// stands is never replaced (SQLite stops there).
    fn defer_error(&mut self, message: impl Into<String>) {
        if self.committed().is_some() {
            return;
        }
        let at = self.peek().span.start;
        self.deferred = Some((Error::new(ErrorCode::Error, message), at));
    }

    /// The deferred error, if it stands (the token after its construct was consumed).
    fn committed(&self) -> Option<&Error> {
        match &self.deferred {
            Some((error, at)) if self.prev_end > *at => Some(error),
            _ => None,
        }
    }

    /// Fails if a semantic error already stands: SQLite stops at the token after it, so
    /// nothing more may be built (this bounds the trees built after the error).
    fn check_committed(&self) -> Result<()> {
        match self.committed() {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    /// The source text of a token.
    fn text(&self, token: Token) -> &'a str {
        token.span.text(self.sql)
    }

    /// True for the end-of-input token.
    fn is_end(&self, token: Token) -> bool {
        token.kind == TokenKind::Semi && token.span.is_empty()
    }

    /// SQLite's error for a token it cannot use; or, if a deferred error already stands (it
    /// was raised before an earlier token), that error.
    fn syntax_error(&mut self, token: Token) -> Error {
        if let Some((error, at)) = self.deferred.take()
            && token.span.start > at
        {
            self.deferred = Some((error.clone(), at));
            return error;
        }
        let message = if token.span.is_empty() {
            "incomplete input".to_string()
        } else if token.kind == TokenKind::Illegal {
            format!("unrecognized token: \"{}\"", self.text(token))
        } else {
            format!("near \"{}\": syntax error", self.text(token))
        };
        Error::new(ErrorCode::Error, message)
    }

    /// The syntax error at the next token.
    fn error_here(&mut self) -> Error {
        let token = self.peek();
        self.syntax_error(token)
    }

    /// True if the next token is `kind`.
    fn at(&mut self, kind: TokenKind) -> bool {
        self.peek().kind == kind
    }

    /// True if the next token is keyword `kw`.
    fn at_kw(&mut self, kw: Keyword) -> bool {
        self.at(TokenKind::Keyword(kw))
    }

    /// Consumes the next token if it is `kind`.
    fn eat(&mut self, kind: TokenKind) -> bool {
        let hit = self.at(kind);
        if hit {
            self.advance();
        }
        hit
    }

    /// Consumes the next token if it is keyword `kw`.
    fn eat_kw(&mut self, kw: Keyword) -> bool {
        self.eat(TokenKind::Keyword(kw))
    }

    /// Consumes a token of `kind` or fails with a syntax error at the next token.
    fn expect(&mut self, kind: TokenKind) -> Result<Token> {
        if self.at(kind) { Ok(self.advance()) } else { Err(self.error_here()) }
    }

    /// Consumes keyword `kw` or fails.
    fn expect_kw(&mut self, kw: Keyword) -> Result<Token> {
        self.expect(TokenKind::Keyword(kw))
    }

    /// Runs `f` with `cost` added to the parser-stack estimate; "Recursion limit" past
    /// [`MAX_PARSER_DEPTH`] or when the machine stack used exceeds [`STACK_BUDGET_BYTES`].
    fn nested<T>(&mut self, cost: u32, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.check_committed()?;
        let saved = self.stack;
        self.stack += cost;
        let used = stack_position().abs_diff(self.stack_base);
        if self.stack > MAX_PARSER_DEPTH || used > STACK_BUDGET_BYTES {
            return Err(recursion_limit());
        }
        let result = f(self);
        self.stack = saved;
        result
    }

    /// Parses one statement and its terminating `;` (or end of input); `None` at end of input.
    fn next_statement(&mut self) -> Result<Option<ParsedStatement>> {
        while self.at(TokenKind::Semi) {
            let token = self.peek();
            if self.is_end(token) {
                return Ok(None);
            }
            self.advance();
        }
        let start = self.peek().span.start;
        self.stack = 0;
        self.stack_base = stack_position();
        self.deferred = None;
        self.parameters.clear();
        self.named_parameters.clear();
        self.has_with = false;
        self.trigger = None;
        let result = self.statement();
        if let Some(error) = self.committed() {
            return Err(error.clone());
        }
        let (stmt, stored) = result?;
        let terminator = self.peek();
        if terminator.kind != TokenKind::Semi {
            return Err(self.syntax_error(terminator));
        }
        if let Some((error, _)) = self.deferred.take() {
            return Err(error);
        }
        let span = Span::new(start, self.prev_end.max(start));
        let schema_sql = stored.map(|s| {
            let end = match s.end {
                StoredEnd::At(end) => end,
                StoredEnd::Terminator => terminator.span.start,
                StoredEnd::TerminatorTrimmed => {
                    let text = &self.sql[..terminator.span.start];
                    text.trim_end_matches(|c: char| c.is_ascii() && super::lexer::is_space(c as u8)).len()
                }
            };
            debug_assert!(s.name_start <= end && end <= self.sql.len());
            format!("{}{}", s.prefix, &self.sql[s.name_start..end.max(s.name_start)])
        });
        self.advance();
        let parameters = std::mem::take(&mut self.parameters);
        Ok(Some(ParsedStatement { stmt, span, schema_sql, parameters }))
    }

    /// One statement (parse.y `ecmd` without its `;`): `[EXPLAIN [QUERY PLAN]] cmd`.
    fn statement(&mut self) -> Result<(Stmt, Option<StoredText>)> {
        if !self.at_kw(Keyword::Explain) {
            return self.command();
        }
        self.advance();
        let query_plan = self.eat_kw(Keyword::Query);
        if query_plan {
            self.expect_kw(Keyword::Plan)?;
        }
        self.stack += 1;
        let (stmt, _) = self.command()?;
        Ok((Stmt::Explain { query_plan, stmt: Box::new(stmt) }, None))
    }

    /// One command (parse.y `cmd`).
    fn command(&mut self) -> Result<(Stmt, Option<StoredText>)> {
        let token = self.peek();
        let TokenKind::Keyword(kw) = token.kind else {
            return Err(self.syntax_error(token));
        };
        let stmt = match kw {
            Keyword::Create => return self.create(),
            Keyword::Drop => Stmt::Drop(self.drop()?),
            Keyword::Select | Keyword::Values => Stmt::Select(Box::new(self.select()?.0)),
            Keyword::With => self.with_statement()?,
            Keyword::Insert | Keyword::Replace => Stmt::Insert(Box::new(self.insert(None)?)),
            Keyword::Update => Stmt::Update(Box::new(self.update(None)?)),
            Keyword::Delete => Stmt::Delete(Box::new(self.delete(None)?)),
            Keyword::Begin => self.begin()?,
            Keyword::Commit | Keyword::End => self.commit()?,
            Keyword::Rollback => self.rollback()?,
            Keyword::Savepoint => {
                self.advance();
                Stmt::Savepoint(self.ident()?)
            }
            Keyword::Release => {
                self.advance();
                self.eat_kw(Keyword::Savepoint);
                Stmt::Release(self.ident()?)
            }
            Keyword::Pragma => Stmt::Pragma(self.pragma()?),
            Keyword::Attach => self.attach()?,
            Keyword::Detach => self.detach()?,
            Keyword::Vacuum => self.vacuum()?,
            Keyword::Reindex | Keyword::Analyze => self.reindex_or_analyze(kw)?,
            Keyword::Alter => Stmt::AlterTable(Box::new(self.alter_table()?)),
            _ => return Err(self.syntax_error(token)),
        };
        Ok((stmt, None))
    }

    // ---- names -------------------------------------------------------------------------------

    /// True if `token` can be SQLite's `ID`: an identifier, or a keyword that falls back to one
    /// (WINDOW, OVER and FILTER reach the parser as identifiers unless they start a clause;
    /// see [`Parser::contextual`]).
    fn is_id(token: Token) -> bool {
        match token.kind {
            TokenKind::Id | TokenKind::QuotedId => true,
            TokenKind::Keyword(kw) => kw.falls_back_to_id(),
            _ => false,
        }
    }

    /// True if `token` can be `ID|INDEXED|JOIN_KW` (a column or function name in an expression).
    fn is_idj(token: Token) -> bool {
        Self::is_id(token)
            || matches!(token.kind, TokenKind::Keyword(kw)
                if kw == Keyword::Indexed || kw.class() == KeywordClass::JoinKw)
    }

    /// True if `token` can be a `nm`: `ID|INDEXED|JOIN_KW` or a string literal.
    fn is_nm(token: Token) -> bool {
        Self::is_idj(token) || token.kind == TokenKind::String
    }

    /// The dequoted name a token stands for.
    fn name_of(&self, token: Token) -> String {
        match token.kind {
            TokenKind::QuotedId | TokenKind::String => dequote(self.text(token)),
            _ => self.text(token).to_string(),
        }
    }

    /// Consumes a `nm`.
    fn nm(&mut self) -> Result<(String, Token)> {
        let token = self.peek();
        if !Self::is_nm(token) {
            return Err(self.syntax_error(token));
        }
        self.advance();
        Ok((self.name_of(token), token))
    }

    /// The [`Ident`] a name token stands for.
    fn ident_of(&self, token: Token) -> Ident {
        let text = self.text(token);
        let quote = match (token.kind, text.as_bytes().first()) {
            (TokenKind::String, _) => Quote::Single,
            (TokenKind::QuotedId, Some(b'"')) => Quote::Double,
            (TokenKind::QuotedId, Some(b'[')) => Quote::Bracket,
            (TokenKind::QuotedId, Some(b'`')) => Quote::Backtick,
            _ => Quote::None,
        };
        Ident { name: self.name_of(token), quote, loc: Loc::from(token.span) }
    }

    /// Consumes a `nm` as an [`Ident`].
    fn ident(&mut self) -> Result<Ident> {
        let (_, token) = self.nm()?;
        Ok(self.ident_of(token))
    }

    /// Consumes an `ID|STRING` (a collation name, a word of a type name).
    fn id_or_string(&mut self) -> Result<String> {
        let token = self.peek();
        if !(Self::is_id(token) || token.kind == TokenKind::String) {
            return Err(self.syntax_error(token));
        }
        self.advance();
        Ok(self.name_of(token))
    }

    /// `nm [DOT nm]` (parse.y `fullname` / `nm dbnm`): a name, schema-qualified or not; also
    /// returns the token of the unqualified name.
    fn qualified_name(&mut self) -> Result<(QualifiedName, Token)> {
        let (_, first_token) = self.nm()?;
        let first = self.ident_of(first_token);
        if self.eat(TokenKind::Dot) {
            let (_, token) = self.nm()?;
            return Ok((QualifiedName { schema: Some(first), name: self.ident_of(token) }, token));
        }
        Ok((QualifiedName { schema: None, name: first }, first_token))
    }

    /// Consumes `(nm, ...)`: an `idlist` in parentheses (the next token is `(`).
    fn paren_idents(&mut self) -> Result<Vec<Ident>> {
        self.expect(TokenKind::LParen)?;
        let mut names = vec![self.ident()?];
        while self.eat(TokenKind::Comma) {
            names.push(self.ident()?);
        }
        self.expect(TokenKind::RParen)?;
        Ok(names)
    }
}

/// SQLite's error for a parser stack that would grow too deep.
#[cold]
#[inline(never)]
pub(super) fn recursion_limit() -> Error {
    Error::new(ErrorCode::Error, "Recursion limit")
}

/// SQLite's error for an expression tree higher than [`MAX_EXPR_DEPTH`].
#[cold]
#[inline(never)]
pub(super) fn too_large() -> Error {
    Error::new(ErrorCode::Error, format!("Expression tree is too large (maximum depth {MAX_EXPR_DEPTH})"))
}

/// True if a token of `kind` is an identifier for SQLite's `getToken` (used by the WINDOW /
/// OVER / FILTER analysis): an identifier, string, join keyword, WINDOW, OVER, or a keyword
/// that falls back to an identifier.
fn id_like(kind: TokenKind) -> bool {
    match kind {
        TokenKind::Id | TokenKind::QuotedId | TokenKind::String => true,
        TokenKind::Keyword(kw) => {
            kw.class() == KeywordClass::JoinKw || matches!(kw, Keyword::Window | Keyword::Over) || kw.falls_back_to_id()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_query;
