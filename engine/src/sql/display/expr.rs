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

/// An operand: parenthesized unless it is atomic.
pub(super) struct Operand<'a>(pub(super) &'a Expr);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let atomic = matches!(
            self.0,
            Expr::Literal(_)
                | Expr::Column(_)
                | Expr::Variable(_)
                | Expr::Function(_)
                | Expr::Cast { .. }
                | Expr::Case { .. }
                | Expr::Vector(_)
                | Expr::Subquery(_)
                | Expr::Exists(_)
                | Expr::Raise { .. }
        );
        if atomic { write!(f, "{}", self.0) } else { write!(f, "({})", self.0) }
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

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(literal) => literal.fmt(f),
            Expr::Column(column) => column.fmt(f),
            Expr::Variable(variable) => variable.fmt(f),
            Expr::Unary { op, operand } => {
                let op = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::BitNot => "~",
                    UnaryOp::Not => "NOT ",
                };
                write!(f, "{op}{}", Operand(operand))
            }
            Expr::Binary { op, left, right } => {
                write!(f, "{} {} {}", Operand(left), binary_op_text(*op), Operand(right))
            }
            Expr::IsNull { operand, negated } => {
                let op = if *negated { "NOTNULL" } else { "ISNULL" };
                write!(f, "{} {op}", Operand(operand))
            }
            Expr::Like { op, negated, operand, pattern, escape } => {
                let op = match op {
                    LikeOp::Like => "LIKE",
                    LikeOp::Glob => "GLOB",
                    LikeOp::Regexp => "REGEXP",
                    LikeOp::Match => "MATCH",
                };
                write!(f, "{} {}{op} {}", Operand(operand), not(*negated), Operand(pattern))?;
                if let Some(escape) = escape {
                    write!(f, " ESCAPE {}", Operand(escape))?;
                }
                Ok(())
            }
            Expr::Between { negated, operand, low, high } => {
                write!(f, "{} {}BETWEEN {} AND {}", Operand(operand), not(*negated), Operand(low), Operand(high))
            }
            Expr::InList { negated, operand, list } => {
                write!(f, "{} {}IN (", Operand(operand), not(*negated))?;
                write_list(f, list)?;
                f.write_char(')')
            }
            Expr::InSelect { negated, operand, select } => {
                write!(f, "{} {}IN ({select})", Operand(operand), not(*negated))
            }
            Expr::Subquery(select) => write!(f, "({select})"),
            Expr::Exists(select) => write!(f, "EXISTS ({select})"),
            Expr::InTable { negated, operand, table, args } => {
                write!(f, "{} {}IN {table}", Operand(operand), not(*negated))?;
                if let Some(args) = args {
                    f.write_char('(')?;
                    write_list(f, args)?;
                    f.write_char(')')?;
                }
                Ok(())
            }
            Expr::Collate { operand, collation } => {
                write!(f, "{} COLLATE {}", Operand(operand), Name(collation))
            }
            Expr::Cast { operand, type_name } => write!(f, "CAST({operand} AS {type_name})"),
            Expr::Function(call) => call.fmt(f),
            Expr::Case { operand, when_then, else_expr } => {
                f.write_str("CASE")?;
                if let Some(operand) = operand {
                    write!(f, " {}", Operand(operand))?;
                }
                for (when, then) in when_then {
                    write!(f, " WHEN {} THEN {}", Operand(when), Operand(then))?;
                }
                if let Some(else_expr) = else_expr {
                    write!(f, " ELSE {}", Operand(else_expr))?;
                }
                f.write_str(" END")
            }
            Expr::Vector(items) => {
                f.write_char('(')?;
                write_list(f, items)?;
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
                    write!(f, ", {message}")?;
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
