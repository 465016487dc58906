//! `Display` for expressions and window specifications.

use std::fmt::{self, Display, Formatter, Write};

use super::super::ast::{
    BinaryOp, ColumnRef, Expr, Frame, FrameBound, FrameExclude, FrameUnits, FunctionArgs, FunctionCall, LikeOp,
    Literal, Over, RaiseKind, UnaryOp, Variable, Window,
};
use super::{Name, is_plain_identifier, write_list, write_quoted};

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("NULL"),
            Literal::Integer(text) | Literal::Float(text) => f.write_str(text),
            Literal::String(text) => write_quoted(f, text, '\''),
            Literal::Blob(bytes) => {
                f.write_str("X'")?;
                for byte in bytes {
                    write!(f, "{byte:02X}")?;
                }
                f.write_char('\'')
            }
            Literal::Bool(true) => f.write_str("TRUE"),
            Literal::Bool(false) => f.write_str("FALSE"),
            Literal::CurrentTime => f.write_str("CURRENT_TIME"),
            Literal::CurrentDate => f.write_str("CURRENT_DATE"),
            Literal::CurrentTimestamp => f.write_str("CURRENT_TIMESTAMP"),
        }
    }
}

impl Display for ColumnRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{}.", Name(schema))?;
        }
        if let Some(table) = &self.table {
            write!(f, "{}.", Name(table))?;
        }
        if self.double_quoted {
            write_quoted(f, &self.column, '"')
        } else if is_plain_identifier(&self.column) {
            f.write_str(&self.column)
        } else {
            // Backquotes keep the name quoted without marking it double-quoted.
            write_quoted(f, &self.column, '`')
        }
    }
}

/// An operand written where only an atom may stand: parenthesized unless it is atomic.
pub(super) struct Operand<'a>(pub(super) &'a Expr);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Printed { expr: self.0, min: ATOM, full: true }.fmt(f)
    }
}

// Binding levels for printing, loosest first (the parser's, see `parser/expr.rs`).
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const EQ: u8 = 4;
const CMP: u8 = 5;
const BIT: u8 = 7;
const ADD: u8 = 8;
const MUL: u8 = 9;
const CONCAT: u8 = 10;
const COLLATE: u8 = 11;
const UNARY: u8 = 12;
const ATOM: u8 = 13;

/// The level of a binary operator.
fn binary_level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Is | BinaryOp::IsNot => EQ,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => CMP,
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::LShift | BinaryOp::RShift => BIT,
        BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => MUL,
        BinaryOp::Concat | BinaryOp::Ptr | BinaryOp::Ptr2 => CONCAT,
    }
}

/// The level at which an expression binds its operands (atoms bind tightest).
fn level(expr: &Expr) -> u8 {
    match expr {
        Expr::Binary { op, .. } => binary_level(*op),
        Expr::Unary { op: UnaryOp::Not, .. } => NOT,
        Expr::Unary { .. } => UNARY,
        Expr::IsNull { .. }
        | Expr::Like { .. }
        | Expr::Between { .. }
        | Expr::InList { .. }
        | Expr::InSelect { .. }
        | Expr::InTable { .. } => EQ,
        Expr::Collate { .. } => COLLATE,
        _ => ATOM,
    }
}

/// An expression written where an expression of level `min` or tighter may stand without
/// parentheses; `full`: parenthesize every operand that is not an atom (a debugging form that
/// shows the tree).
struct Printed<'a> {
    expr: &'a Expr,
    min: u8,
    full: bool,
}

impl Printed<'_> {
    /// `items` separated by `, `, each a whole expression.
    fn write_exprs(&self, f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
        for (i, item) in items.iter().enumerate() {
            write!(f, "{}{}", if i == 0 { "" } else { ", " }, self.child(item, 0))?;
        }
        Ok(())
    }

    /// An operand of this expression.
    fn child<'b>(&self, expr: &'b Expr, min: u8) -> Printed<'b> {
        Printed { expr, min: if self.full { ATOM } else { min }, full: self.full }
    }
}

impl Expr {
    /// The expression with every operand that is not an atom in parentheses: the shape of the
    /// tree, for tests and debugging. (`Display` writes only the parentheses SQL needs.)
    pub fn parenthesized(&self) -> impl Display + '_ {
        Printed { expr: self, min: 0, full: true }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Printed { expr: self, min: 0, full: false }.fmt(f)
    }
}

/// The SQL spelling of a binary operator.
fn binary_op_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Or => "OR",
        BinaryOp::And => "AND",
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "<>",
        BinaryOp::Is => "IS",
        BinaryOp::IsNot => "IS NOT",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::BitAnd => "&",
        BinaryOp::BitOr => "|",
        BinaryOp::LShift => "<<",
        BinaryOp::RShift => ">>",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        BinaryOp::Concat => "||",
        BinaryOp::Ptr => "->",
        BinaryOp::Ptr2 => "->>",
    }
}

/// `NOT ` when `negated`.
fn not(negated: bool) -> &'static str {
    if negated { "NOT " } else { "" }
}

impl Display for Printed<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if level(self.expr) < self.min {
            return write!(f, "({})", Printed { expr: self.expr, min: 0, full: self.full });
        }
        match self.expr {
            Expr::Literal(literal) => literal.fmt(f),
            Expr::Column(column) => column.fmt(f),
            Expr::Variable(variable) => variable.fmt(f),
            Expr::Unary { op, operand } => {
                let (text, min) = match op {
                    UnaryOp::Neg => ("-", UNARY),
                    UnaryOp::Plus => ("+", UNARY),
                    UnaryOp::BitNot => ("~", UNARY),
                    UnaryOp::Not => ("NOT ", NOT),
                };
                let operand = self.child(operand, min);
                // `- -x`, never `--x` (a comment).
                let space = if level(operand.expr) == UNARY && operand.min <= UNARY { " " } else { "" };
                write!(f, "{text}{space}{operand}")
            }
            Expr::Binary { op, left, right } => {
                let level = binary_level(*op);
                let (left, right) = (self.child(left, level), self.child(right, level + 1));
                write!(f, "{left} {} {right}", binary_op_text(*op))
            }
            Expr::IsNull { operand, negated } => {
                let op = if *negated { "NOTNULL" } else { "ISNULL" };
                write!(f, "{} {op}", self.child(operand, EQ))
            }
            Expr::Like { op, negated, operand, pattern, escape } => {
                let op = match op {
                    LikeOp::Like => "LIKE",
                    LikeOp::Glob => "GLOB",
                    LikeOp::Regexp => "REGEXP",
                    LikeOp::Match => "MATCH",
                };
                write!(f, "{} {}{op} {}", self.child(operand, EQ), not(*negated), self.child(pattern, CMP))?;
                if let Some(escape) = escape {
                    write!(f, " ESCAPE {}", self.child(escape, CMP))?;
                }
                Ok(())
            }
            Expr::Between { negated, operand, low, high } => {
                let (operand, low, high) = (self.child(operand, EQ), self.child(low, NOT), self.child(high, CMP));
                write!(f, "{operand} {}BETWEEN {low} AND {high}", not(*negated))
            }
            Expr::InList { negated, operand, list } => {
                write!(f, "{} {}IN (", self.child(operand, EQ), not(*negated))?;
                self.write_exprs(f, list)?;
                f.write_char(')')
            }
            Expr::InSelect { negated, operand, select } => {
                write!(f, "{} {}IN ({select})", self.child(operand, EQ), not(*negated))
            }
            Expr::Subquery(select) => write!(f, "({select})"),
            Expr::Exists(select) => write!(f, "EXISTS ({select})"),
            Expr::InTable { negated, operand, table, args } => {
                write!(f, "{} {}IN {table}", self.child(operand, EQ), not(*negated))?;
                if let Some(args) = args {
                    f.write_char('(')?;
                    self.write_exprs(f, args)?;
                    f.write_char(')')?;
                }
                Ok(())
            }
            Expr::Collate { operand, collation } => {
                write!(f, "{} COLLATE {}", self.child(operand, COLLATE), Name(collation))
            }
            Expr::Cast { operand, type_name } => write!(f, "CAST({} AS {type_name})", self.child(operand, 0)),
            Expr::Function(call) => call.fmt(f),
            Expr::Case { operand, when_then, else_expr } => {
                f.write_str("CASE")?;
                if let Some(operand) = operand {
                    write!(f, " {}", self.child(operand, 0))?;
                }
                for (when, then) in when_then {
                    write!(f, " WHEN {} THEN {}", self.child(when, 0), self.child(then, 0))?;
                }
                if let Some(else_expr) = else_expr {
                    write!(f, " ELSE {}", self.child(else_expr, 0))?;
                }
                f.write_str(" END")
            }
            Expr::Vector(items) => {
                f.write_char('(')?;
                self.write_exprs(f, items)?;
                f.write_char(')')
            }
            Expr::Raise { kind, message } => {
                let kind = match kind {
                    RaiseKind::Ignore => "IGNORE",
                    RaiseKind::Rollback => "ROLLBACK",
                    RaiseKind::Abort => "ABORT",
                    RaiseKind::Fail => "FAIL",
                };
                write!(f, "RAISE({kind}")?;
                if let Some(message) = message {
                    write!(f, ", {}", self.child(message, 0))?;
                }
                f.write_char(')')
            }
        }
    }
}

impl Display for Variable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => f.write_str(name),
            None => write!(f, "?{}", self.index),
        }
    }
}

impl Display for FunctionCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", Name(&self.name))?;
        match &self.args {
            FunctionArgs::Star => f.write_char('*')?,
            FunctionArgs::List { distinct, args, order_by } => {
                if *distinct {
                    f.write_str("DISTINCT ")?;
                }
                write_list(f, args)?;
                if !order_by.is_empty() {
                    f.write_str(" ORDER BY ")?;
                    write_list(f, order_by)?;
                }
            }
        }
        f.write_char(')')?;
        if let Some(filter) = &self.filter {
            write!(f, " FILTER (WHERE {filter})")?;
        }
        match &self.over {
            Some(Over::Window(window)) => write!(f, " OVER ({window})"),
            Some(Over::Name(name)) => write!(f, " OVER {name}"),
            None => Ok(()),
        }
    }
}

impl Display for Window {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(base) = &self.base {
            write!(f, "{base}")?;
            sep = " ";
        }
        if !self.partition_by.is_empty() {
            write!(f, "{sep}PARTITION BY ")?;
            write_list(f, &self.partition_by)?;
            sep = " ";
        }
        if !self.order_by.is_empty() {
            write!(f, "{sep}ORDER BY ")?;
            write_list(f, &self.order_by)?;
            sep = " ";
        }
        match &self.frame {
            Some(frame) => write!(f, "{sep}{frame}"),
            None => Ok(()),
        }
    }
}

impl Display for Frame {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let units = match self.units {
            FrameUnits::Range => "RANGE",
            FrameUnits::Rows => "ROWS",
            FrameUnits::Groups => "GROUPS",
        };
        write!(f, "{units} BETWEEN {} AND {}", self.start, self.end)?;
        match self.exclude {
            Some(FrameExclude::NoOthers) => f.write_str(" EXCLUDE NO OTHERS"),
            Some(FrameExclude::CurrentRow) => f.write_str(" EXCLUDE CURRENT ROW"),
            Some(FrameExclude::Group) => f.write_str(" EXCLUDE GROUP"),
            Some(FrameExclude::Ties) => f.write_str(" EXCLUDE TIES"),
            None => Ok(()),
        }
    }
}

impl Display for FrameBound {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(expr) => write!(f, "{} PRECEDING", Operand(expr)),
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(expr) => write!(f, "{} FOLLOWING", Operand(expr)),
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}
