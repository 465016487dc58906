//! Expressions and window specifications.

use super::{Ident, Loc, OrderingTerm, QualifiedName, Select};

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Literal(Literal),
    /// `[schema.][table.]column`.
    Column(Box<ColumnRef>),
    /// A parameter: `?`, `?NNN`, `:name`, `@name`, `$name`.
    Variable(Variable),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `x ISNULL` (`negated` false), `x NOTNULL` / `x NOT NULL` (`negated` true).
    IsNull {
        operand: Box<Expr>,
        negated: bool,
    },
    /// `x [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE escape]`.
    Like {
        op: LikeOp,
        negated: bool,
        operand: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<Box<Expr>>,
    },
    /// `x [NOT] BETWEEN low AND high`.
    Between {
        negated: bool,
        operand: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `x [NOT] IN (list)`; the list may be empty. A list of one subquery, `x IN ((SELECT ..))`,
    /// is an [`Expr::InSelect`], as in SQLite.
    InList {
        negated: bool,
        operand: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `x [NOT] IN (select)`.
    InSelect {
        negated: bool,
        operand: Box<Expr>,
        select: Box<Select>,
    },
    /// `x [NOT] IN [schema.]table` or a table-valued function `x IN f(args)`.
    InTable {
        negated: bool,
        operand: Box<Expr>,
        table: Box<QualifiedName>,
        args: Option<Vec<Expr>>,
    },
    /// `x COLLATE name`.
    Collate {
        operand: Box<Expr>,
        collation: String,
    },
    /// `CAST(x AS type)`; `type_name` is the type's text as written (possibly empty).
    Cast {
        operand: Box<Expr>,
        type_name: String,
    },
    Function(Box<FunctionCall>),
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`; at least one WHEN.
    Case {
        operand: Option<Box<Expr>>,
        when_then: Vec<(Expr, Expr)>,
        else_expr: Option<Box<Expr>>,
    },
    /// A row value `(a, b, ...)` of two or more expressions.
    Vector(Vec<Expr>),
    /// A scalar subquery `(select)`: the first column of its first row, or NULL.
    Subquery(Box<Select>),
    /// `EXISTS (select)`; `NOT EXISTS` is [`UnaryOp::Not`] applied to it, as in SQLite.
    Exists(Box<Select>),
    /// `RAISE(IGNORE)` or `RAISE(ROLLBACK|ABORT|FAIL, message)`.
    Raise {
        kind: RaiseKind,
        message: Option<Box<Expr>>,
    },
}

impl Expr {
    /// Pushes the direct sub-expressions of `self` onto `out` (for iterative walks that must
    /// not recurse: expression depth comes from the input). The expressions inside a subquery,
    /// a FILTER clause or a window are not direct sub-expressions.
    pub fn push_children<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            Expr::Literal(_) | Expr::Column(_) | Expr::Variable(_) | Expr::Subquery(_) | Expr::Exists(_) => {}
            Expr::Unary { operand, .. }
            | Expr::IsNull { operand, .. }
            | Expr::Collate { operand, .. }
            | Expr::Cast { operand, .. } => out.push(operand),
            Expr::Binary { left, right, .. } => out.extend([&**left, &**right]),
            Expr::Like { operand, pattern, escape, .. } => {
                out.extend([&**operand, &**pattern]);
                out.extend(escape.as_deref());
            }
            Expr::Between { operand, low, high, .. } => out.extend([&**operand, &**low, &**high]),
            Expr::InList { operand, list, .. } => {
                out.push(operand);
                out.extend(list);
            }
            Expr::InSelect { operand, .. } => out.push(operand),
            Expr::InTable { operand, args, .. } => {
                out.push(operand);
                out.extend(args.iter().flatten());
            }
            Expr::Function(call) => {
                if let FunctionArgs::List { args, order_by, .. } = &call.args {
                    out.extend(args);
                    out.extend(order_by.iter().map(|t| &t.expr));
                }
            }
            Expr::Case { operand, when_then, else_expr } => {
                out.extend(operand.as_deref());
                for (when, then) in when_then {
                    out.extend([when, then]);
                }
                out.extend(else_expr.as_deref());
            }
            Expr::Vector(items) => out.extend(items),
            Expr::Raise { message, .. } => out.extend(message.as_deref()),
        }
    }
}

/// A literal value. Numbers keep their text (digit separators removed) so that later stages
/// convert them with SQLite's own rules (integers too large for i64 become reals, and
/// `-9223372036854775808` is exact).
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    /// Decimal digits, or `0x` and hex digits.
    Integer(String),
    /// A real as written: digits with `.` and/or an exponent.
    Float(String),
    String(String),
    Blob(Vec<u8>),
    /// TRUE or FALSE where SQLite turns an identifier into one (a DEFAULT value).
    Bool(bool),
    CurrentTime,
    CurrentDate,
    CurrentTimestamp,
}

/// A column reference (names dequoted). `double_quoted` records a `"..."` column name, which
/// SQLite may read as a string literal when no such column exists. `loc` spans the whole
/// reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRef {
    pub schema: Option<String>,
    pub table: Option<String>,
    pub column: String,
    pub double_quoted: bool,
    pub loc: Loc,
}

/// A parameter, numbered as SQLite numbers it (`sqlite3ExprAssignVarNumber`): `?NNN` is
/// number NNN; `?` is one more than the greatest number assigned before it in the statement;
/// a named parameter takes the number of its first appearance, or else the next number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variable {
    /// `:name`, `@name` or `$name` as written (prefix included); `None` for `?` and `?NNN`,
    /// which print as `?NNN`.
    pub name: Option<String>,
    /// The parameter's number, from 1.
    pub index: u32,
    pub loc: Loc,
}

/// A function call, or an aggregate or window function call.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionCall {
    pub name: String,
    pub args: FunctionArgs,
    /// `FILTER (WHERE expr)`.
    pub filter: Option<Box<Expr>>,
    /// `OVER (window)` or `OVER name`: a window function.
    pub over: Option<Over>,
    /// From the name to the closing parenthesis of the arguments.
    pub loc: Loc,
}

impl FunctionCall {
    /// A plain call `name(args)`.
    pub fn new(name: impl Into<String>, args: FunctionArgs) -> FunctionCall {
        FunctionCall { name: name.into(), args, filter: None, over: None, loc: Loc::NONE }
    }
}

/// The window of a window function call.
#[derive(Clone, Debug, PartialEq)]
pub enum Over {
    /// `OVER (window)`.
    Window(Box<Window>),
    /// `OVER name`: a window of the SELECT's WINDOW clause.
    Name(Ident),
}

/// A window specification (parse.y `window`): `[base] [PARTITION BY exprs] [ORDER BY terms]
/// [frame]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// The name of a window this one extends.
    pub base: Option<Ident>,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<OrderingTerm>,
    /// `None`: SQLite's default frame (RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW).
    pub frame: Option<Frame>,
}

/// A frame specification. `ROWS x` is stored as `ROWS BETWEEN x AND CURRENT ROW`, as in
/// SQLite.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub units: FrameUnits,
    pub start: FrameBound,
    pub end: FrameBound,
    pub exclude: Option<FrameExclude>,
}

/// RANGE, ROWS or GROUPS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameUnits {
    Range,
    Rows,
    Groups,
}

/// A frame boundary. The parser accepts only the orders SQLite accepts (UNBOUNDED PRECEDING
/// only as the start, UNBOUNDED FOLLOWING only as the end; "unsupported frame specification"
/// for a start after the end).
#[derive(Clone, Debug, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Box<Expr>),
    CurrentRow,
    Following(Box<Expr>),
    UnboundedFollowing,
}

/// `EXCLUDE NO OTHERS | CURRENT ROW | GROUP | TIES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameExclude {
    NoOthers,
    CurrentRow,
    Group,
    Ties,
}

/// The arguments of a function call.
#[derive(Clone, Debug, PartialEq)]
pub enum FunctionArgs {
    /// `f(*)`.
    Star,
    /// `f([DISTINCT] args [ORDER BY terms])`; `args` may be empty.
    List { distinct: bool, args: Vec<Expr>, order_by: Vec<OrderingTerm> },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `~`
    BitNot,
    /// `NOT`
    Not,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `IS` and `IS NOT DISTINCT FROM`
    Is,
    /// `IS NOT` and `IS DISTINCT FROM`
    IsNot,
    Lt,
    Le,
    Gt,
    Ge,
    BitAnd,
    BitOr,
    LShift,
    RShift,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `||`
    Concat,
    /// `->`
    Ptr,
    /// `->>`
    Ptr2,
}

/// The pattern-matching operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LikeOp {
    Like,
    Glob,
    Regexp,
    Match,
}

/// The first argument of RAISE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RaiseKind {
    Ignore,
    Rollback,
    Abort,
    Fail,
}
