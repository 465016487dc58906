//! Expressions: a Pratt parser with SQLite's precedence (parse.y `%left` / `%right` lines).
//!
//! Binding powers, lowest first: OR; AND; NOT (prefix); `= == != <> IS IN LIKE GLOB MATCH
//! REGEXP BETWEEN ISNULL NOTNULL NOT NULL`; `< <= > >=`; ESCAPE; `& | << >>`; `+ -`;
//! `* / %`; `|| -> ->>`; COLLATE; unary `- + ~`. All binary operators are left-associative.
//!
//! Every parse function returns the expression with its height, computed as SQLite counts the
//! nodes of its own tree, so that a tree higher than [`MAX_EXPR_DEPTH`] fails with SQLite's
//! message as soon as it is built, before any recursive walk could overflow the stack.

use super::super::ast::{
    BinaryOp, ColumnRef, Expr, FunctionArgs, FunctionCall, LikeOp, Literal, Loc, NullsOrder, OrderingTerm, Over,
    RaiseKind, SortOrder, UnaryOp, Variable,
};
use super::super::keyword::Keyword;
use super::super::lexer::{Span, Token, TokenKind, dequote_number};
use super::{MAX_EXPR_DEPTH, MAX_VARIABLE_NUMBER, Parser};
use crate::error::Result;

/// SQLITE_MAX_FUNCTION_ARG: the most arguments of a function call.
const MAX_FUNCTION_ARG: usize = 1000;

/// Parser-stack cost charged for a subquery in an expression (`LP` or `EXISTS LP`, before
/// the select's own symbols).
const SUBQUERY_COST: u32 = 1;

const BP_OR: u8 = 1;
const BP_AND: u8 = 2;
const BP_NOT: u8 = 3;
const BP_EQ: u8 = 4;
const BP_CMP: u8 = 5;
const BP_BIT: u8 = 7;
const BP_ADD: u8 = 8;
const BP_MUL: u8 = 9;
const BP_CONCAT: u8 = 10;
const BP_COLLATE: u8 = 11;
const BP_UNARY: u8 = 12;

/// An expression and its height in SQLite's terms (a leaf is 1).
pub(super) struct Sub {
    pub expr: Expr,
    pub height: u32,
}

impl Sub {
    fn leaf(expr: Expr) -> Sub {
        Sub { expr, height: 1 }
    }
}

/// A binary operator token and its binding power.
fn binary_op(kind: TokenKind) -> Option<(BinaryOp, u8)> {
    let op = match kind {
        TokenKind::Keyword(Keyword::Or) => (BinaryOp::Or, BP_OR),
        TokenKind::Keyword(Keyword::And) => (BinaryOp::And, BP_AND),
        TokenKind::Eq => (BinaryOp::Eq, BP_EQ),
        TokenKind::Ne => (BinaryOp::Ne, BP_EQ),
        TokenKind::Lt => (BinaryOp::Lt, BP_CMP),
        TokenKind::Le => (BinaryOp::Le, BP_CMP),
        TokenKind::Gt => (BinaryOp::Gt, BP_CMP),
        TokenKind::Ge => (BinaryOp::Ge, BP_CMP),
        TokenKind::BitAnd => (BinaryOp::BitAnd, BP_BIT),
        TokenKind::BitOr => (BinaryOp::BitOr, BP_BIT),
        TokenKind::LShift => (BinaryOp::LShift, BP_BIT),
        TokenKind::RShift => (BinaryOp::RShift, BP_BIT),
        TokenKind::Plus => (BinaryOp::Add, BP_ADD),
        TokenKind::Minus => (BinaryOp::Sub, BP_ADD),
        TokenKind::Star => (BinaryOp::Mul, BP_MUL),
        TokenKind::Slash => (BinaryOp::Div, BP_MUL),
        TokenKind::Rem => (BinaryOp::Rem, BP_MUL),
        TokenKind::Concat => (BinaryOp::Concat, BP_CONCAT),
        TokenKind::Ptr => (BinaryOp::Ptr, BP_CONCAT),
        TokenKind::Ptr2 => (BinaryOp::Ptr2, BP_CONCAT),
        _ => return None,
    };
    Some(op)
}

/// The LIKE-family operator a keyword names.
fn like_op(kind: TokenKind) -> Option<LikeOp> {
    match kind {
        TokenKind::Keyword(Keyword::Like) => Some(LikeOp::Like),
        TokenKind::Keyword(Keyword::Glob) => Some(LikeOp::Glob),
        TokenKind::Keyword(Keyword::Regexp) => Some(LikeOp::Regexp),
        TokenKind::Keyword(Keyword::Match) => Some(LikeOp::Match),
        _ => None,
    }
}

/// The greatest height among `subs` (0 for none).
fn max_height<'s>(subs: impl IntoIterator<Item = &'s u32>) -> u32 {
    subs.into_iter().copied().max().unwrap_or(0)
}

impl Parser<'_> {
    /// A full expression.
    pub(super) fn expr(&mut self) -> Result<Expr> {
        Ok(self.expr_bp(0)?.expr)
    }

    /// A node of height `height`, or SQLite's error when that is too high.
    fn node(&self, expr: Expr, height: u32) -> Result<Sub> {
        self.check_committed()?;
        if height > MAX_EXPR_DEPTH {
            return Err(super::too_large());
        }
        Ok(Sub { expr, height })
    }

    /// An expression whose operators all bind at least as tightly as `min_bp`.
    pub(super) fn expr_bp(&mut self, min_bp: u8) -> Result<Sub> {
        let lhs = self.prefix()?;
        self.infix(lhs, min_bp)
    }

    /// Applies to `lhs` the binary and postfix operators that follow, while they bind at least
    /// as tightly as `min_bp`.
    fn infix(&mut self, mut lhs: Sub, min_bp: u8) -> Result<Sub> {
        loop {
            let token = self.peek();
            if let Some((op, bp)) = binary_op(token.kind) {
                if bp < min_bp {
                    break;
                }
                self.advance();
                let rhs = self.nested(2, |p| p.expr_bp(bp + 1))?;
                let height = lhs.height.max(rhs.height) + 1;
                let expr = Expr::Binary { op, left: Box::new(lhs.expr), right: Box::new(rhs.expr) };
                lhs = self.node(expr, height)?;
                continue;
            }
            let bp = match token.kind {
                TokenKind::Keyword(Keyword::Collate) => BP_COLLATE,
                TokenKind::Keyword(
                    Keyword::Is | Keyword::In | Keyword::Between | Keyword::Isnull | Keyword::Notnull | Keyword::Not,
                ) => BP_EQ,
                kind if like_op(kind).is_some() => BP_EQ,
                _ => break,
            };
            if bp < min_bp {
                break;
            }
            lhs = self.postfix(lhs)?;
        }
        Ok(lhs)
    }

    /// The operators of the `=` level that are not plain binary operators, and COLLATE, applied
    /// to `lhs`. The next token is one of them.
    #[inline(never)]
    fn postfix(&mut self, lhs: Sub) -> Result<Sub> {
        let token = self.advance();
        let TokenKind::Keyword(kw) = token.kind else {
            return Err(self.syntax_error(token));
        };
        match kw {
            Keyword::Collate => {
                let collation = self.id_or_string()?;
                let expr = Expr::Collate { operand: Box::new(lhs.expr), collation };
                self.node(expr, lhs.height + 1)
            }
            Keyword::Isnull | Keyword::Notnull => self.is_null(lhs, kw == Keyword::Notnull),
            Keyword::Is => self.is(lhs),
            Keyword::Not => {
                // NOT NULL, NOT LIKE, NOT BETWEEN, NOT IN; anything else is an error here.
                let next = self.peek();
                match next.kind {
                    TokenKind::Keyword(Keyword::Null) => {
                        self.advance();
                        self.is_null(lhs, true)
                    }
                    TokenKind::Keyword(Keyword::Between) => {
                        self.advance();
                        self.between(lhs, true)
                    }
                    TokenKind::Keyword(Keyword::In) => {
                        self.advance();
                        self.in_(lhs, true)
                    }
                    kind => match like_op(kind) {
                        Some(op) => {
                            self.advance();
                            self.like(lhs, op, true)
                        }
                        None => Err(self.syntax_error(next)),
                    },
                }
            }
            Keyword::Between => self.between(lhs, false),
            Keyword::In => self.in_(lhs, false),
            _ => match like_op(token.kind) {
                Some(op) => self.like(lhs, op, false),
                None => Err(self.syntax_error(token)),
            },
        }
    }

    /// `x ISNULL` / `x NOTNULL` / `x NOT NULL` (all consumed).
    #[inline(never)]
    fn is_null(&mut self, lhs: Sub, negated: bool) -> Result<Sub> {
        let expr = Expr::IsNull { operand: Box::new(lhs.expr), negated };
        self.node(expr, lhs.height + 1)
    }

    /// After IS: `[NOT] [DISTINCT FROM] rhs`.
    #[inline(never)]
    fn is(&mut self, lhs: Sub) -> Result<Sub> {
        let not = self.eat_kw(Keyword::Not);
        let distinct = if self.at_kw(Keyword::Distinct) {
            self.advance();
            self.expect_kw(Keyword::From)?;
            true
        } else {
            false
        };
        // IS NOT DISTINCT FROM is IS; IS DISTINCT FROM is IS NOT.
        let op = if not != distinct { BinaryOp::IsNot } else { BinaryOp::Is };
        let rhs = self.nested(3, |p| p.expr_bp(BP_EQ + 1))?;
        let height = lhs.height.max(rhs.height) + 1;
        let expr = Expr::Binary { op, left: Box::new(lhs.expr), right: Box::new(rhs.expr) };
        self.node(expr, height)
    }

    /// After `[NOT] LIKE`: `pattern [ESCAPE escape]`.
    #[inline(never)]
    fn like(&mut self, lhs: Sub, op: LikeOp, negated: bool) -> Result<Sub> {
        let pattern = self.nested(3, |p| p.expr_bp(BP_EQ + 1))?;
        let escape = if self.eat_kw(Keyword::Escape) { Some(self.nested(5, |p| p.expr_bp(BP_EQ + 1))?) } else { None };
        let inner = max_height([&lhs.height, &pattern.height]).max(escape.as_ref().map_or(0, |e| e.height));
        let height = inner + 1 + u32::from(negated);
        let expr = Expr::Like {
            op,
            negated,
            operand: Box::new(lhs.expr),
            pattern: Box::new(pattern.expr),
            escape: escape.map(|e| Box::new(e.expr)),
        };
        self.node(expr, height)
    }

    /// After `[NOT] BETWEEN`: `low AND high`. `low` may hold any operator but AND.
    #[inline(never)]
    fn between(&mut self, lhs: Sub, negated: bool) -> Result<Sub> {
        let mut low = self.nested(3, |p| p.expr_bp(BP_NOT))?;
        // An OR may follow (SQLite's grammar has no conflict there), and its right side takes
        // every AND after it, so such a BETWEEN can never find its own AND.
        while self.eat_kw(Keyword::Or) {
            let rhs = self.nested(5, |p| p.expr_bp(BP_AND))?;
            let height = low.height.max(rhs.height) + 1;
            let expr = Expr::Binary { op: BinaryOp::Or, left: Box::new(low.expr), right: Box::new(rhs.expr) };
            low = self.node(expr, height)?;
        }
        self.expect_kw(Keyword::And)?;
        let high = self.nested(5, |p| p.expr_bp(BP_EQ + 1))?;
        let height = max_height([&lhs.height, &low.height, &high.height]) + 1 + u32::from(negated);
        let expr =
            Expr::Between { negated, operand: Box::new(lhs.expr), low: Box::new(low.expr), high: Box::new(high.expr) };
        self.node(expr, height)
    }

    /// After `[NOT] IN`: `(select)`, `(list)` or `[schema.]table [(args)]`.
    #[inline(never)]
    fn in_(&mut self, lhs: Sub, negated: bool) -> Result<Sub> {
        if self.eat(TokenKind::LParen) {
            if self.at_select() {
                let (select, select_height) = self.nested(3, |p| p.select())?;
                self.expect(TokenKind::RParen)?;
                let height = lhs.height.max(select_height) + 1 + u32::from(negated);
                let expr = Expr::InSelect { negated, operand: Box::new(lhs.expr), select: Box::new(select) };
                return self.node(expr, height);
            }
            let (mut list, list_height) = self.nested(3, |p| p.expr_list(true))?;
            self.expect(TokenKind::RParen)?;
            // `x IN ((SELECT ...))` is `x IN (SELECT ...)` (parse.y, `expr in_op LP exprlist RP`).
            if list.len() == 1
                && matches!(list[0], Expr::Subquery(_))
                && let Some(Expr::Subquery(select)) = list.pop()
            {
                let height = lhs.height.max(list_height - 1) + 1 + u32::from(negated);
                let expr = Expr::InSelect { negated, operand: Box::new(lhs.expr), select };
                return self.node(expr, height);
            }
            let height = lhs.height.max(list_height) + 1 + u32::from(negated);
            let expr = Expr::InList { negated, operand: Box::new(lhs.expr), list };
            return self.node(expr, height);
        }
        let (table, _) = self.qualified_name()?;
        let (args, args_height) = if self.eat(TokenKind::LParen) {
            let (args, height) = self.nested(4, |p| p.expr_list(true))?;
            self.expect(TokenKind::RParen)?;
            (Some(args), height)
        } else {
            (None, 0)
        };
        let height = lhs.height.max(args_height) + 1 + u32::from(negated);
        let expr = Expr::InTable { negated, operand: Box::new(lhs.expr), table: Box::new(table), args };
        self.node(expr, height)
    }

    /// A comma-separated list of expressions (empty allowed when `allow_empty`, i.e. when the
    /// next token is `)`), with the greatest height among them.
    pub(super) fn expr_list(&mut self, allow_empty: bool) -> Result<(Vec<Expr>, u32)> {
        let mut list = Vec::new();
        let mut height = 0;
        if allow_empty && self.at(TokenKind::RParen) {
            return Ok((list, height));
        }
        loop {
            let sub = self.expr_bp(0)?;
            height = height.max(sub.height);
            list.push(sub.expr);
            if !self.eat(TokenKind::Comma) {
                return Ok((list, height));
            }
        }
    }

    /// True if the next token starts a select (SELECT, VALUES or WITH).
    pub(super) fn at_select(&mut self) -> bool {
        matches!(self.peek().kind, TokenKind::Keyword(Keyword::Select | Keyword::Values | Keyword::With))
    }

    /// A run of prefix operators applied to their operands, or a primary expression. The run
    /// is handled without recursion: the innermost operand is parsed first, then each operator,
    /// innermost first, takes the operators that bind tighter than it and applies itself.
    fn prefix(&mut self) -> Result<Sub> {
        let saved = self.stack;
        let mut ops = Vec::new();
        loop {
            let (op, bp) = match self.peek().kind {
                TokenKind::Minus => (UnaryOp::Neg, BP_UNARY),
                TokenKind::Plus => (UnaryOp::Plus, BP_UNARY),
                TokenKind::BitNot => (UnaryOp::BitNot, BP_UNARY),
                TokenKind::Keyword(Keyword::Not) => (UnaryOp::Not, BP_NOT),
                _ => break,
            };
            self.advance();
            // Each pending operator is one entry of SQLite's parser stack.
            self.stack += 1;
            if self.stack > super::MAX_PARSER_DEPTH {
                return Err(super::recursion_limit());
            }
            ops.push((op, bp));
        }
        let mut operand = self.primary();
        while let Some((op, bp)) = ops.pop() {
            let sub = self.infix(operand?, bp)?;
            // SQLite reuses a unary-plus node for `-` or `+` applied to it: no new level.
            let reuses_plus =
                matches!(op, UnaryOp::Neg | UnaryOp::Plus) && matches!(sub.expr, Expr::Unary { op: UnaryOp::Plus, .. });
            let height = sub.height + u32::from(!reuses_plus);
            let expr = Expr::Unary { op, operand: Box::new(sub.expr) };
            operand = self.node(expr, height);
            self.stack -= 1;
        }
        self.stack = saved;
        operand
    }

    /// Literals, names, function calls, CAST, CASE, RAISE, parentheses and row values.
    fn primary(&mut self) -> Result<Sub> {
        let token = self.peek();
        let literal = match token.kind {
            TokenKind::Integer => Some(Literal::Integer(self.text(token).to_string())),
            TokenKind::Float => Some(Literal::Float(self.text(token).to_string())),
            TokenKind::String if self.peek_at(1).kind != TokenKind::Dot => Some(Literal::String(self.name_of(token))),
            TokenKind::Blob => Some(Literal::Blob(blob_bytes(self.text(token)))),
            TokenKind::Keyword(Keyword::Null) => Some(Literal::Null),
            TokenKind::Keyword(Keyword::CurrentTime) => Some(Literal::CurrentTime),
            TokenKind::Keyword(Keyword::CurrentDate) => Some(Literal::CurrentDate),
            TokenKind::Keyword(Keyword::CurrentTimestamp) => Some(Literal::CurrentTimestamp),
            _ => None,
        };
        if let Some(literal) = literal {
            self.advance();
            return Ok(Sub::leaf(Expr::Literal(literal)));
        }
        match token.kind {
            TokenKind::Variable => {
                self.advance();
                let text = self.text(token);
                // `#NNN` names a register in SQLite's nested parses; a syntax error otherwise,
                // raised by the reduce action (so a syntax error at the next token wins).
                if text.starts_with('#') && text.as_bytes().get(1).is_some_and(u8::is_ascii_digit) {
                    self.defer_error(format!("near \"{text}\": syntax error"));
                    return Ok(Sub::leaf(Expr::Literal(Literal::Null)));
                }
                Ok(Sub::leaf(Expr::Variable(self.variable(token))))
            }
            TokenKind::QNumber => {
                self.advance();
                Ok(Sub::leaf(Expr::Literal(self.qnumber(token))))
            }
            TokenKind::LParen => self.parenthesized(),
            TokenKind::Keyword(Keyword::Cast) => self.cast(),
            TokenKind::Keyword(Keyword::Case) => self.case(),
            TokenKind::Keyword(Keyword::Raise) => self.raise(),
            TokenKind::Keyword(Keyword::Exists) => self.exists(),
            _ if Self::is_idj(token) => self.name_or_call(),
            TokenKind::String => self.name_or_call(),
            _ => Err(self.syntax_error(token)),
        }
    }

    /// A parameter token numbered as `sqlite3ExprAssignVarNumber` numbers it; its errors are
    /// deferred, as SQLite raises them in a reduce action.
    #[inline(never)]
    fn variable(&mut self, token: Token) -> Variable {
        let text = self.text(token);
        let loc = Loc::from(token.span);
        let next = u32::try_from(self.parameters.len()).unwrap_or(u32::MAX).saturating_add(1);
        if let Some(digits) = text.strip_prefix('?') {
            if digits.is_empty() {
                if next > MAX_VARIABLE_NUMBER {
                    self.defer_error("too many SQL variables");
                } else {
                    self.parameters.push(None);
                }
                return Variable { name: None, index: next, loc };
            }
            let number = digits.parse::<u32>().ok().filter(|n| (1..=MAX_VARIABLE_NUMBER).contains(n));
            let Some(index) = number else {
                self.defer_error(format!("variable number must be between ?1 and ?{MAX_VARIABLE_NUMBER}"));
                return Variable { name: None, index: 1, loc };
            };
            let i = index as usize - 1;
            if self.parameters.len() <= i {
                self.parameters.resize(i + 1, None);
            }
            self.parameters[i].get_or_insert_with(|| text.to_string());
            return Variable { name: None, index, loc };
        }
        let name = Some(text.to_string());
        if let Some(&index) = self.named_parameters.get(text) {
            return Variable { name, index, loc };
        }
        if next > MAX_VARIABLE_NUMBER {
            self.defer_error("too many SQL variables");
        } else {
            self.parameters.push(name.clone());
            self.named_parameters.insert(text.to_string(), next);
        }
        Variable { name, index: next, loc }
    }

    /// `(select)`, `(expr)` or a row value `(expr, expr, ...)`; the next token is `(`. (Kept
    /// out of `primary` so that the frames of deep nesting stay small.)
    #[inline(never)]
    fn parenthesized(&mut self) -> Result<Sub> {
        self.advance();
        if self.at_select() {
            let (select, height) = self.nested(SUBQUERY_COST, |p| p.select())?;
            self.expect(TokenKind::RParen)?;
            return self.node(Expr::Subquery(Box::new(select)), height + 1);
        }
        let (mut list, height) = self.nested(1, |p| p.expr_list(false))?;
        self.expect(TokenKind::RParen)?;
        if list.len() == 1 {
            let expr = list.pop().unwrap_or(Expr::Literal(Literal::Null));
            return Ok(Sub { expr, height });
        }
        self.node(Expr::Vector(list), height + 1)
    }

    /// `EXISTS (select)`; the next token is EXISTS.
    #[inline(never)]
    fn exists(&mut self) -> Result<Sub> {
        self.advance();
        self.expect(TokenKind::LParen)?;
        let (select, height) = self.nested(SUBQUERY_COST + 1, |p| p.select())?;
        self.expect(TokenKind::RParen)?;
        self.node(Expr::Exists(Box::new(select)), height + 1)
    }

    /// A QNumber literal (just consumed) with its separators checked and removed.
    #[inline(never)]
    fn qnumber(&mut self, token: super::super::lexer::Token) -> Literal {
        let text = self.text(token);
        match dequote_number(text) {
            Some((digits, true)) => Literal::Float(digits),
            Some((digits, false)) => Literal::Integer(digits),
            None => {
                // sqlite3DequoteNumber reports it from the reduce action.
                self.defer_error(format!("unrecognized token: \"{text}\""));
                Literal::Integer(text.to_string())
            }
        }
    }

    /// `name`, `table.name`, `schema.table.name`, or `name(args)`.
    #[inline(never)]
    fn name_or_call(&mut self) -> Result<Sub> {
        let first = self.advance();
        if self.at(TokenKind::LParen) && Self::is_idj(first) {
            return self.call(first);
        }
        let mut parts = vec![first];
        while parts.len() < 3 && self.at(TokenKind::Dot) {
            self.advance();
            let token = self.peek();
            if !Self::is_nm(token) {
                return Err(self.syntax_error(token));
            }
            parts.push(self.advance());
        }
        if parts.len() == 1 && !Self::is_idj(first) {
            return Err(self.syntax_error(first));
        }
        let last = parts[parts.len() - 1];
        let mut names: Vec<String> = parts.iter().map(|t| self.name_of(*t)).collect();
        let column = names.pop().unwrap_or_default();
        let table = names.pop();
        let schema = names.pop();
        let double_quoted = self.text(last).starts_with('"');
        // SQLite builds `a.b` as DOT(a, b) and `s.t.c` as DOT(s, DOT(t, c)).
        let height = u32::try_from(parts.len()).unwrap_or(3);
        let loc = Loc::from(Span::new(first.span.start, last.span.end));
        let expr = Expr::Column(Box::new(ColumnRef { schema, table, column, double_quoted, loc }));
        self.node(expr, height)
    }

    /// A function call after its name token; the next token is `(`.
    #[inline(never)]
    fn call(&mut self, name_token: Token) -> Result<Sub> {
        let name = self.name_of(name_token);
        self.expect(TokenKind::LParen)?;
        let (args, height) = if self.at(TokenKind::Star) {
            self.advance();
            (FunctionArgs::Star, 1)
        } else {
            let distinct = if self.eat_kw(Keyword::Distinct) {
                true
            } else {
                self.eat_kw(Keyword::All);
                false
            };
            // The argument list may be empty before ORDER BY too: `count(ORDER BY x)`.
            let (args, mut height) =
                if self.at_kw(Keyword::Order) { (Vec::new(), 0) } else { self.nested(4, |p| p.expr_list(true))? };
            let mut order_by = Vec::new();
            if self.eat_kw(Keyword::Order) {
                self.expect_kw(Keyword::By)?;
                let (terms, terms_height) = self.nested(6, |p| p.ordering_terms())?;
                order_by = terms;
                height = height.max(terms_height + 1);
            }
            if args.len() > MAX_FUNCTION_ARG {
                let text = self.text(name_token);
                self.defer_error(format!("too many arguments on function {text}"));
            }
            let args = FunctionArgs::List { distinct, args, order_by };
            (args, height + 1)
        };
        let close = self.expect(TokenKind::RParen)?;
        let loc = Loc::from(Span::new(name_token.span.start, close.span.end));
        // FILTER and OVER are keywords here only (see `Parser::contextual`).
        let filter = if self.at_kw(Keyword::Filter) { Some(Box::new(self.filter_clause()?)) } else { None };
        let over = if self.at_kw(Keyword::Over) { Some(self.over_clause()?) } else { None };
        if over.is_some()
            && let FunctionArgs::List { distinct, args, order_by } = &args
        {
            if *distinct {
                self.defer_error("DISTINCT is not supported for window functions");
            }
            if !order_by.is_empty() && !args.is_empty() {
                // `%#T` of the call: its dequoted name.
                self.defer_error(format!("ORDER BY may not be used with non-aggregate {name}()"));
            }
        }
        let expr = Expr::Function(Box::new(FunctionCall { name, args, filter, over, loc }));
        self.node(expr, height)
    }

    /// `FILTER ( WHERE expr )`; the next token is FILTER.
    #[inline(never)]
    fn filter_clause(&mut self) -> Result<Expr> {
        self.advance();
        self.expect(TokenKind::LParen)?;
        self.expect_kw(Keyword::Where)?;
        let expr = self.nested(4, |p| p.expr())?;
        self.expect(TokenKind::RParen)?;
        Ok(expr)
    }

    /// `OVER ( window )` or `OVER name`; the next token is OVER.
    #[inline(never)]
    fn over_clause(&mut self) -> Result<Over> {
        self.advance();
        if self.eat(TokenKind::LParen) {
            let window = self.nested(3, |p| p.window())?;
            self.expect(TokenKind::RParen)?;
            return Ok(Over::Window(Box::new(window)));
        }
        Ok(Over::Name(self.ident()?))
    }

    /// `sortlist`: `expr [ASC|DESC] [NULLS FIRST|LAST], ...`, with the greatest height.
    pub(super) fn ordering_terms(&mut self) -> Result<(Vec<OrderingTerm>, u32)> {
        let mut terms = Vec::new();
        let mut height = 0;
        loop {
            let sub = self.expr_bp(0)?;
            height = height.max(sub.height);
            let order = self.sort_order();
            let nulls = if self.eat_kw(Keyword::Nulls) {
                if self.eat_kw(Keyword::First) {
                    Some(NullsOrder::First)
                } else {
                    self.expect_kw(Keyword::Last)?;
                    Some(NullsOrder::Last)
                }
            } else {
                None
            };
            terms.push(OrderingTerm { expr: sub.expr, order, nulls });
            if !self.eat(TokenKind::Comma) {
                return Ok((terms, height));
            }
        }
    }

    /// An optional ASC or DESC.
    pub(super) fn sort_order(&mut self) -> Option<SortOrder> {
        if self.eat_kw(Keyword::Asc) {
            Some(SortOrder::Asc)
        } else if self.eat_kw(Keyword::Desc) {
            Some(SortOrder::Desc)
        } else {
            None
        }
    }

    /// `CAST ( expr AS typetoken )`.
    #[inline(never)]
    fn cast(&mut self) -> Result<Sub> {
        self.advance();
        self.expect(TokenKind::LParen)?;
        let operand = self.nested(3, |p| p.expr_bp(0))?;
        self.expect_kw(Keyword::As)?;
        let type_name = self.type_name()?.unwrap_or_default();
        self.expect(TokenKind::RParen)?;
        let expr = Expr::Cast { operand: Box::new(operand.expr), type_name };
        self.node(expr, operand.height + 1)
    }

    /// `CASE [operand] WHEN a THEN b ... [ELSE c] END`.
    #[inline(never)]
    fn case(&mut self) -> Result<Sub> {
        self.advance();
        let operand = if self.at_kw(Keyword::When) { None } else { Some(self.nested(2, |p| p.expr_bp(0))?) };
        let mut height = operand.as_ref().map_or(0, |o| o.height);
        let mut when_then = Vec::new();
        while self.eat_kw(Keyword::When) {
            let when = self.nested(4, |p| p.expr_bp(0))?;
            self.expect_kw(Keyword::Then)?;
            let then = self.nested(6, |p| p.expr_bp(0))?;
            height = height.max(when.height).max(then.height);
            when_then.push((when.expr, then.expr));
        }
        if when_then.is_empty() {
            return Err(self.error_here());
        }
        let else_expr = if self.eat_kw(Keyword::Else) {
            let sub = self.nested(4, |p| p.expr_bp(0))?;
            height = height.max(sub.height);
            Some(Box::new(sub.expr))
        } else {
            None
        };
        self.expect_kw(Keyword::End)?;
        let expr = Expr::Case { operand: operand.map(|o| Box::new(o.expr)), when_then, else_expr };
        self.node(expr, height + 1)
    }

    /// `RAISE ( IGNORE )` or `RAISE ( ROLLBACK|ABORT|FAIL , message )`.
    #[inline(never)]
    fn raise(&mut self) -> Result<Sub> {
        self.advance();
        self.expect(TokenKind::LParen)?;
        let token = self.advance();
        let kind = match token.kind {
            TokenKind::Keyword(Keyword::Ignore) => RaiseKind::Ignore,
            TokenKind::Keyword(Keyword::Rollback) => RaiseKind::Rollback,
            TokenKind::Keyword(Keyword::Abort) => RaiseKind::Abort,
            TokenKind::Keyword(Keyword::Fail) => RaiseKind::Fail,
            _ => return Err(self.syntax_error(token)),
        };
        let message = if kind == RaiseKind::Ignore {
            None
        } else {
            self.expect(TokenKind::Comma)?;
            Some(self.nested(4, |p| p.expr_bp(0))?)
        };
        self.expect(TokenKind::RParen)?;
        let height = message.as_ref().map_or(0, |m| m.height) + 1;
        let expr = Expr::Raise { kind, message: message.map(|m| Box::new(m.expr)) };
        self.node(expr, height)
    }

    /// A `typetoken`: words (`ID|STRING`) then optionally `(signed)` or `(signed, signed)`;
    /// returns the exact source text, or `None` when there is no type.
    pub(super) fn type_name(&mut self) -> Result<Option<String>> {
        let first = self.peek();
        if !(Self::is_id(first) || first.kind == TokenKind::String) {
            return Ok(None);
        }
        while Self::is_id(self.peek()) || self.at(TokenKind::String) {
            self.advance();
        }
        if self.eat(TokenKind::LParen) {
            self.signed_number()?;
            if self.eat(TokenKind::Comma) {
                self.signed_number()?;
            }
            self.expect(TokenKind::RParen)?;
        }
        let text = &self.sql[first.span.start..self.prev_end];
        Ok(Some(text.to_string()))
    }

    /// `[+|-] INTEGER|FLOAT` (parse.y `signed`).
    pub(super) fn signed_number(&mut self) -> Result<()> {
        if !self.eat(TokenKind::Plus) {
            self.eat(TokenKind::Minus);
        }
        let token = self.peek();
        if matches!(token.kind, TokenKind::Integer | TokenKind::Float) {
            self.advance();
            Ok(())
        } else {
            Err(self.syntax_error(token))
        }
    }
}

/// The bytes of a blob literal `x'hh..'` (the lexer guarantees an even count of hex digits).
pub(super) fn blob_bytes(text: &str) -> Vec<u8> {
    let hex = text.get(2..text.len().saturating_sub(1)).unwrap_or("");
    debug_assert!(hex.len() % 2 == 0);
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |c: u8| char::from(c).to_digit(16).unwrap_or(0) as u8;
            digit(pair[0]) * 16 + digit(pair.get(1).copied().unwrap_or(b'0'))
        })
        .collect()
}
