//! The syntax tree of SQL statements and expressions.
//!
//! The tree follows SQLite's grammar (parse.y) closely enough that printing it
//! ([`std::fmt::Display`], see `display.rs`) gives SQL which parses back to an equal tree. Names
//! are stored dequoted. Where SQLite keeps the original text of a piece of a statement (a
//! column's declared type, a DEFAULT value, a CHECK constraint), the tree keeps that text too.
//!
//! Statements beyond DDL (SELECT, INSERT, ...) are added as new [`Stmt`] variants; expressions
//! that need them (subqueries, EXISTS) are rejected by the parser until then.

/// A possibly schema-qualified name: `[schema.]name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

impl QualifiedName {
    /// An unqualified name.
    pub fn bare(name: impl Into<String>) -> QualifiedName {
        QualifiedName { schema: None, name: name.into() }
    }
}

/// One SQL statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    CreateTable(CreateTable),
    CreateIndex(CreateIndex),
    Drop(Drop),
}

/// `CREATE [TEMP] TABLE [IF NOT EXISTS] [schema.]name (columns, constraints) [options]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    /// At least one column.
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
    /// `WITHOUT ROWID` and `STRICT`, in the order written.
    pub options: Vec<TableOption>,
}

impl CreateTable {
    /// True when the options include WITHOUT ROWID.
    pub fn without_rowid(&self) -> bool {
        self.options.contains(&TableOption::WithoutRowid)
    }

    /// True when the options include STRICT.
    pub fn strict(&self) -> bool {
        self.options.contains(&TableOption::Strict)
    }
}

/// A table option after the closing parenthesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableOption {
    WithoutRowid,
    Strict,
}

/// A column definition: `name [type] [constraint ...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    /// The declared type exactly as written: the text from its first token through its last
    /// (or its closing parenthesis), whitespace and comments inside kept. SQLite derives the
    /// column's type name and affinity from this text (see `crate::schema`).
    pub type_name: Option<String>,
    pub constraints: Vec<ColumnConstraint>,
}

/// A column constraint with the name it carries (`CONSTRAINT name` persists over the following
/// constraints of the same column, as in SQLite).
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnConstraint {
    pub name: Option<String>,
    pub kind: ColumnConstraintKind,
}

/// The kinds of column constraint (parse.y `ccons`).
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnConstraintKind {
    PrimaryKey {
        order: Option<SortOrder>,
        on_conflict: Option<ConflictResolution>,
        autoincrement: bool,
    },
    NotNull {
        on_conflict: Option<ConflictResolution>,
    },
    /// `NULL [ON CONFLICT ..]`: accepted and ignored by SQLite.
    Null {
        on_conflict: Option<ConflictResolution>,
    },
    Unique {
        on_conflict: Option<ConflictResolution>,
    },
    Check(CheckExpr),
    Default(DefaultValue),
    Collate(String),
    References(ForeignKeyClause),
    /// A `[NOT] DEFERRABLE ...` clause standing alone after REFERENCES.
    Deferrable(Deferrable),
    /// `[GENERATED ALWAYS] AS (expr) [storage]`; `storage` is the identifier after the
    /// parenthesis as written (SQLite accepts only STORED or VIRTUAL).
    Generated {
        expr: Expr,
        storage: Option<String>,
    },
}

/// A CHECK expression and its text: the source between the parentheses with surrounding
/// whitespace trimmed (SQLite names an unnamed CHECK constraint by this text).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckExpr {
    pub expr: Expr,
    pub text: String,
}

/// A DEFAULT value: the expression, and its source text as SQLite records it (shown by
/// `PRAGMA table_info`): the term with its sign, or what is inside the parentheses, trimmed.
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultValue {
    pub expr: Expr,
    pub text: String,
    /// `DEFAULT (expr)` rather than `DEFAULT term`.
    pub parenthesized: bool,
}

/// A table constraint with the name it carries.
#[derive(Clone, Debug, PartialEq)]
pub struct TableConstraint {
    pub name: Option<String>,
    pub kind: TableConstraintKind,
}

/// The kinds of table constraint (parse.y `tcons`).
#[derive(Clone, Debug, PartialEq)]
pub enum TableConstraintKind {
    PrimaryKey {
        columns: Vec<OrderingTerm>,
        autoincrement: bool,
        on_conflict: Option<ConflictResolution>,
    },
    Unique {
        columns: Vec<OrderingTerm>,
        on_conflict: Option<ConflictResolution>,
    },
    /// SQLite parses and ignores the ON CONFLICT clause of a table CHECK.
    Check {
        check: CheckExpr,
        on_conflict: Option<ConflictResolution>,
    },
    ForeignKey {
        columns: Vec<IndexedName>,
        clause: ForeignKeyClause,
    },
}

/// `REFERENCES table [(columns)] [actions] [deferrable]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyClause {
    pub table: String,
    pub columns: Vec<IndexedName>,
    pub args: Vec<ForeignKeyArg>,
    /// Only in the table-constraint form; a column constraint has it as a separate
    /// [`ColumnConstraintKind::Deferrable`].
    pub deferrable: Option<Deferrable>,
}

/// A name with optional COLLATE and sort order (parse.y `eidlist` item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedName {
    pub name: String,
    pub collation: Option<String>,
    pub order: Option<SortOrder>,
}

/// One `refarg` of a foreign key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForeignKeyArg {
    Match(String),
    OnInsert(ForeignKeyAction),
    OnDelete(ForeignKeyAction),
    OnUpdate(ForeignKeyAction),
}

/// What a foreign key does when its parent row changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ForeignKeyAction {
    SetNull,
    SetDefault,
    Cascade,
    Restrict,
    NoAction,
}

/// `[NOT] DEFERRABLE [INITIALLY DEFERRED | INITIALLY IMMEDIATE]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Deferrable {
    pub not: bool,
    /// `Some(true)` for INITIALLY DEFERRED, `Some(false)` for INITIALLY IMMEDIATE.
    pub initially_deferred: Option<bool>,
}

/// An ON CONFLICT resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConflictResolution {
    Rollback,
    Abort,
    Fail,
    Ignore,
    Replace,
}

/// ASC or DESC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// NULLS FIRST or NULLS LAST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NullsOrder {
    First,
    Last,
}

/// An expression with a sort order (parse.y `sortlist` item): index columns, PRIMARY KEY and
/// UNIQUE column lists, ORDER BY terms. A COLLATE clause is part of `expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderingTerm {
    pub expr: Expr,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] [schema.]name ON table (terms) [WHERE expr]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateIndex {
    pub unique: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub table: String,
    pub columns: Vec<OrderingTerm>,
    pub where_clause: Option<Expr>,
}

/// `DROP TABLE|INDEX|VIEW [IF EXISTS] [schema.]name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drop {
    pub kind: DropKind,
    pub if_exists: bool,
    pub name: QualifiedName,
}

/// What a DROP statement drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropKind {
    Table,
    Index,
    View,
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Literal(Literal),
    /// `[schema.][table.]column`.
    Column(ColumnRef),
    /// A parameter as written: `?`, `?NNN`, `:name`, `@name`, `$name`.
    Variable(String),
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
    /// `x [NOT] IN (list)`; the list may be empty.
    InList {
        negated: bool,
        operand: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `x [NOT] IN [schema.]table` or a table-valued function `x IN f(args)`.
    InTable {
        negated: bool,
        operand: Box<Expr>,
        table: QualifiedName,
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
    Function(FunctionCall),
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`; at least one WHEN.
    Case {
        operand: Option<Box<Expr>>,
        when_then: Vec<(Expr, Expr)>,
        else_expr: Option<Box<Expr>>,
    },
    /// A row value `(a, b, ...)` of two or more expressions.
    Vector(Vec<Expr>),
    /// `RAISE(IGNORE)` or `RAISE(ROLLBACK|ABORT|FAIL, message)`.
    Raise {
        kind: RaiseKind,
        message: Option<Box<Expr>>,
    },
}

impl Expr {
    /// Pushes the direct sub-expressions of `self` onto `out` (for iterative walks that must
    /// not recurse: expression depth comes from the input).
    pub fn push_children<'a>(&'a self, out: &mut Vec<&'a Expr>) {
        match self {
            Expr::Literal(_) | Expr::Column(_) | Expr::Variable(_) => {}
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

/// A column reference. `double_quoted` records a `"..."` column name, which SQLite may read as
/// a string literal when no such column exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRef {
    pub schema: Option<String>,
    pub table: Option<String>,
    pub column: String,
    pub double_quoted: bool,
}

/// A function call.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionCall {
    pub name: String,
    pub args: FunctionArgs,
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
