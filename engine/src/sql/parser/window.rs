//! Window specifications and the WINDOW clause (parse.y `window`, `frame_opt`,
//! `windowdefn_list`).

use super::super::ast::{Frame, FrameBound, FrameExclude, FrameUnits, Window, WindowDef};
use super::super::keyword::Keyword;
use super::super::lexer::TokenKind;
use super::Parser;
use crate::error::Result;

impl Parser<'_> {
    /// `WINDOW name AS (window), ...` (the next token is the WINDOW keyword). Each definition
    /// after the first that extends another is checked as `sqlite3WindowChain` checks it.
    pub(super) fn window_clause(&mut self) -> Result<Vec<WindowDef>> {
        self.expect_kw(Keyword::Window)?;
        let mut defs: Vec<WindowDef> = Vec::new();
        loop {
            let name = self.ident()?;
            self.expect_kw(Keyword::As)?;
            self.expect(TokenKind::LParen)?;
            let window = self.nested(4, |p| p.window())?;
            self.expect(TokenKind::RParen)?;
            if let (Some(base), false) = (&window.base, defs.is_empty()) {
                // SQLite compares window names as written, quotes included.
                let base = base.original();
                match defs.iter().find(|d| d.name.original().eq_ignore_ascii_case(&base)) {
                    None => self.defer_error(format!("no such window: {base}")),
                    Some(existing) => {
                        let clause = if !window.partition_by.is_empty() {
                            Some("PARTITION clause")
                        } else if !existing.window.order_by.is_empty() && !window.order_by.is_empty() {
                            Some("ORDER BY clause")
                        } else if existing.window.frame.is_some() {
                            Some("frame specification")
                        } else {
                            None
                        };
                        if let Some(clause) = clause {
                            self.defer_error(format!("cannot override {clause} of window: {base}"));
                        }
                    }
                }
            }
            defs.push(WindowDef { name, window });
            if !self.eat(TokenKind::Comma) {
                return Ok(defs);
            }
        }
    }

    /// A window specification inside its parentheses.
    pub(super) fn window(&mut self) -> Result<Window> {
        let token = self.peek();
        let starts_clause = matches!(
            token.kind,
            TokenKind::Keyword(Keyword::Partition | Keyword::Order | Keyword::Range | Keyword::Rows | Keyword::Groups)
                | TokenKind::RParen
        );
        let base = if !starts_clause && Self::is_nm(token) { Some(self.ident()?) } else { None };
        let mut partition_by = Vec::new();
        if self.eat_kw(Keyword::Partition) {
            self.expect_kw(Keyword::By)?;
            partition_by = self.nested(3, |p| p.expr_list(false))?.0;
        }
        let mut order_by = Vec::new();
        if self.eat_kw(Keyword::Order) {
            self.expect_kw(Keyword::By)?;
            order_by = self.nested(5, |p| p.ordering_terms())?.0;
        }
        let frame = self.frame()?;
        Ok(Window { base, partition_by, order_by, frame })
    }

    /// `[RANGE|ROWS|GROUPS [BETWEEN] start [AND end] [EXCLUDE ...]]`.
    fn frame(&mut self) -> Result<Option<Frame>> {
        let units = match self.peek().kind {
            TokenKind::Keyword(Keyword::Range) => FrameUnits::Range,
            TokenKind::Keyword(Keyword::Rows) => FrameUnits::Rows,
            TokenKind::Keyword(Keyword::Groups) => FrameUnits::Groups,
            _ => return Ok(None),
        };
        self.advance();
        let (start, end) = if self.eat_kw(Keyword::Between) {
            let start = self.frame_bound(true)?;
            self.expect_kw(Keyword::And)?;
            (start, self.frame_bound(false)?)
        } else {
            (self.frame_bound(true)?, FrameBound::CurrentRow)
        };
        let exclude = if self.eat_kw(Keyword::Exclude) {
            let token = self.advance();
            let exclude = match token.kind {
                TokenKind::Keyword(Keyword::No) => {
                    self.expect_kw(Keyword::Others)?;
                    FrameExclude::NoOthers
                }
                TokenKind::Keyword(Keyword::Current) => {
                    self.expect_kw(Keyword::Row)?;
                    FrameExclude::CurrentRow
                }
                TokenKind::Keyword(Keyword::Group) => FrameExclude::Group,
                TokenKind::Keyword(Keyword::Ties) => FrameExclude::Ties,
                _ => return Err(self.syntax_error(token)),
            };
            Some(exclude)
        } else {
            None
        };
        // sqlite3WindowAlloc: a start may not come after the end.
        let rank = |b: &FrameBound| match b {
            FrameBound::UnboundedPreceding => 0,
            FrameBound::Preceding(_) => 1,
            FrameBound::CurrentRow => 2,
            FrameBound::Following(_) => 3,
            FrameBound::UnboundedFollowing => 4,
        };
        let (s, e) = (rank(&start), rank(&end));
        if (s == 2 && e == 1) || (s == 3 && (e == 1 || e == 2)) {
            self.defer_error("unsupported frame specification");
        }
        Ok(Some(Frame { units, start, end, exclude }))
    }

    /// A frame boundary: `UNBOUNDED PRECEDING` (start only), `UNBOUNDED FOLLOWING` (end only),
    /// `CURRENT ROW`, or `expr PRECEDING|FOLLOWING`.
    fn frame_bound(&mut self, start: bool) -> Result<FrameBound> {
        if self.eat_kw(Keyword::Unbounded) {
            if start {
                self.expect_kw(Keyword::Preceding)?;
                return Ok(FrameBound::UnboundedPreceding);
            }
            self.expect_kw(Keyword::Following)?;
            return Ok(FrameBound::UnboundedFollowing);
        }
        if self.eat_kw(Keyword::Current) {
            self.expect_kw(Keyword::Row)?;
            return Ok(FrameBound::CurrentRow);
        }
        let expr = Box::new(self.nested(3, |p| p.expr())?);
        let token = self.advance();
        match token.kind {
            TokenKind::Keyword(Keyword::Preceding) => Ok(FrameBound::Preceding(expr)),
            TokenKind::Keyword(Keyword::Following) => Ok(FrameBound::Following(expr)),
            _ => Err(self.syntax_error(token)),
        }
    }
}
