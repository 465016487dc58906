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
//! Modules: `expr` (expressions), `ddl` (CREATE TABLE / CREATE INDEX / DROP).

mod ddl;
mod expr;

use std::collections::VecDeque;

use super::ast::{Expr, Stmt};
use super::keyword::{Keyword, KeywordClass};
use super::lexer::{Lexer, Span, Token, TokenKind, dequote, effective_sql};
use crate::error::{Error, ErrorCode, Result};

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

/// One parsed statement with where it is and, for CREATE TABLE / CREATE INDEX, the text SQLite
/// stores in `sqlite_schema.sql`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedStatement {
    pub stmt: Stmt,
    /// From the statement's first token to the end of its last one (the `;` excluded).
    pub span: Span,
    /// `sqlite_schema.sql` for this statement, when it creates a schema object.
    pub schema_sql: Option<String>,
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
    let expr = parser.expr()?;
    let end = parser.peek();
    if !parser.is_end(end) {
        return Err(parser.syntax_error(end));
    }
    Ok(expr)
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
    /// `CREATE TABLE ` or `CREATE [UNIQUE ]INDEX `.
    prefix: &'static str,
    /// Start of the (unqualified) name token.
    name_start: usize,
    /// Where the text ends; `None`: where the statement's terminating `;` (or end of input)
    /// starts, trailing whitespace and comments included, as SQLite does.
    end: Option<usize>,
}

/// Parser state: the text, the token source, a small lookahead, and the depth estimate.
pub(super) struct Parser<'a> {
    sql: &'a str,
    lexer: Lexer<'a>,
    ahead: VecDeque<Token>,
    /// End of the last token consumed.
    prev_end: usize,
    /// Estimated depth of SQLite's parser stack (see [`MAX_PARSER_DEPTH`]).
    stack: u32,
    /// [`stack_position`] where parsing of the current statement began.
    stack_base: usize,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `sql` (cut at its first NUL, as SQLite reads it).
    fn new(sql: &'a str) -> Parser<'a> {
        let sql = effective_sql(sql);
        Parser {
            sql,
            lexer: Lexer::new(sql),
            ahead: VecDeque::new(),
            prev_end: 0,
            stack: 0,
            stack_base: stack_position(),
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
                Some(token) => self.ahead.push_back(token),
                None => return self.end_token(),
            }
        }
        self.ahead[n]
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

    /// The source text of a token.
    fn text(&self, token: Token) -> &'a str {
        token.span.text(self.sql)
    }

    /// True for the end-of-input token.
    fn is_end(&self, token: Token) -> bool {
        token.kind == TokenKind::Semi && token.span.is_empty()
    }

    /// SQLite's error for a token it cannot use.
    fn syntax_error(&self, token: Token) -> Error {
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

    /// An error for valid SQL this engine does not handle yet.
    fn unsupported(what: &str) -> Error {
        Error::new(ErrorCode::Error, format!("{what} is not supported yet"))
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
        let saved = self.stack;
        self.stack += cost;
        let used = stack_position().abs_diff(self.stack_base);
        if self.stack > MAX_PARSER_DEPTH || used > STACK_BUDGET_BYTES {
            return Err(Error::new(ErrorCode::Error, "Recursion limit"));
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
        let (stmt, stored) = self.statement()?;
        let terminator = self.peek();
        if terminator.kind != TokenKind::Semi {
            return Err(self.syntax_error(terminator));
        }
        let span = Span::new(start, self.prev_end.max(start));
        let schema_sql = stored.map(|s| {
            let end = s.end.unwrap_or(terminator.span.start);
            debug_assert!(s.name_start <= end && end <= self.sql.len());
            format!("{}{}", s.prefix, &self.sql[s.name_start..end])
        });
        self.advance();
        Ok(Some(ParsedStatement { stmt, span, schema_sql }))
    }

    /// One statement (parse.y `cmd`), without its `;`.
    fn statement(&mut self) -> Result<(Stmt, Option<StoredText>)> {
        let token = self.peek();
        let TokenKind::Keyword(kw) = token.kind else {
            return Err(self.syntax_error(token));
        };
        match kw {
            Keyword::Create => self.create(),
            Keyword::Drop => Ok((Stmt::Drop(self.drop()?), None)),
            Keyword::Select | Keyword::Values | Keyword::With => Err(Self::unsupported("SELECT")),
            Keyword::Insert | Keyword::Replace => Err(Self::unsupported("INSERT")),
            Keyword::Update => Err(Self::unsupported("UPDATE")),
            Keyword::Delete => Err(Self::unsupported("DELETE")),
            Keyword::Begin
            | Keyword::Commit
            | Keyword::End
            | Keyword::Rollback
            | Keyword::Savepoint
            | Keyword::Release => Err(Self::unsupported("transaction control")),
            Keyword::Pragma => Err(Self::unsupported("PRAGMA")),
            Keyword::Alter => Err(Self::unsupported("ALTER TABLE")),
            Keyword::Explain
            | Keyword::Vacuum
            | Keyword::Attach
            | Keyword::Detach
            | Keyword::Reindex
            | Keyword::Analyze => Err(Self::unsupported(kw.as_str())),
            _ => Err(self.syntax_error(token)),
        }
    }

    // ---- names -------------------------------------------------------------------------------

    /// True if `token` can be SQLite's `ID`: an identifier, or a keyword that falls back to one
    /// (WINDOW, OVER and FILTER reach the grammar as identifiers).
    fn is_id(token: Token) -> bool {
        match token.kind {
            TokenKind::Id | TokenKind::QuotedId => true,
            TokenKind::Keyword(kw) => kw.falls_back_to_id() || kw.is_contextual(),
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
    fn qualified_name(&mut self) -> Result<(super::ast::QualifiedName, Token)> {
        let (first, first_token) = self.nm()?;
        if self.eat(TokenKind::Dot) {
            let (name, token) = self.nm()?;
            return Ok((super::ast::QualifiedName { schema: Some(first), name }, token));
        }
        Ok((super::ast::QualifiedName::bare(first), first_token))
    }
}

#[cfg(test)]
mod tests;
