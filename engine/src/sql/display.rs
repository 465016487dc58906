//! SQL text from the syntax tree: `Display` for statements and expressions.
//!
//! The output parses back to an equal tree. Names are quoted when they are not plain
//! identifiers (SQLite's `identPut` rule); operands that are not atomic are parenthesized,
//! which never changes the tree since parentheses make no node. Texts the tree keeps from the
//! source (declared types, DEFAULT values, CHECK texts) are written as they were.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    BinaryOp, CheckExpr, ColumnConstraint, ColumnConstraintKind, ColumnDef, ColumnRef, ConflictResolution, CreateIndex,
    CreateTable, DefaultValue, Deferrable, Drop, DropKind, Expr, ForeignKeyAction, ForeignKeyArg, ForeignKeyClause,
    FunctionArgs, IndexedName, LikeOp, Literal, NullsOrder, OrderingTerm, QualifiedName, RaiseKind, SortOrder, Stmt,
    TableConstraint, TableConstraintKind, TableOption, UnaryOp,
};
use super::keyword::Keyword;

/// True if `name` can be written without quotes: ASCII letters, digits and `_`, not starting
/// with a digit, and not a keyword.
pub fn is_plain_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && !bytes[0].is_ascii_digit()
        && bytes.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
        && Keyword::lookup(name).is_none()
}

/// A name, in double quotes when it is not a plain identifier.
pub struct Name<'a>(pub &'a str);

impl Display for Name<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if is_plain_identifier(self.0) { f.write_str(self.0) } else { write_quoted(f, self.0, '"') }
    }
}

/// `text` between `quote` characters, inner quotes doubled.
fn write_quoted(f: &mut Formatter<'_>, text: &str, quote: char) -> fmt::Result {
    f.write_char(quote)?;
    for c in text.chars() {
        if c == quote {
            f.write_char(quote)?;
        }
        f.write_char(c)?;
    }
    f.write_char(quote)
}

/// Source text kept verbatim inside parentheses; a `--` comment in it is ended by a newline
/// before the closing parenthesis.
fn write_paren_text(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    let newline = if text.contains("--") { "\n" } else { "" };
    write!(f, "({text}{newline})")
}

/// Writes `items` separated by `, `.
fn write_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for QualifiedName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{}.", Name(schema))?;
        }
        write!(f, "{}", Name(&self.name))
    }
}

impl Display for Stmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::CreateTable(s) => s.fmt(f),
            Stmt::CreateIndex(s) => s.fmt(f),
            Stmt::Drop(s) => s.fmt(f),
        }
    }
}

impl Display for CreateTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.temp {
            f.write_str("TEMP ")?;
        }
        f.write_str("TABLE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}(", self.name)?;
        write_list(f, &self.columns)?;
        for constraint in &self.constraints {
            write!(f, ", {constraint}")?;
        }
        f.write_char(')')?;
        for (i, option) in self.options.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            f.write_str(match option {
                TableOption::WithoutRowid => "WITHOUT ROWID",
                TableOption::Strict => "STRICT",
            })?;
        }
        Ok(())
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Name(&self.name))?;
        if let Some(type_name) = &self.type_name {
            write!(f, " {type_name}")?;
        }
        for constraint in &self.constraints {
            write!(f, " {constraint}")?;
        }
        Ok(())
    }
}

/// ` ON CONFLICT X`, or nothing.
struct OnConflict(Option<ConflictResolution>);

impl Display for OnConflict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Some(resolution) = self.0 else {
            return Ok(());
        };
        f.write_str(" ON CONFLICT ")?;
        f.write_str(match resolution {
            ConflictResolution::Rollback => "ROLLBACK",
            ConflictResolution::Abort => "ABORT",
            ConflictResolution::Fail => "FAIL",
            ConflictResolution::Ignore => "IGNORE",
            ConflictResolution::Replace => "REPLACE",
        })
    }
}

/// ` ASC`, ` DESC`, or nothing.
struct Order(Option<SortOrder>);

impl Display for Order {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            None => "",
            Some(SortOrder::Asc) => " ASC",
            Some(SortOrder::Desc) => " DESC",
        })
    }
}

impl Display for ColumnConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.name {
            write!(f, "CONSTRAINT {} ", Name(name))?;
        }
        match &self.kind {
            ColumnConstraintKind::PrimaryKey { order, on_conflict, autoincrement } => {
                write!(f, "PRIMARY KEY{}{}", Order(*order), OnConflict(*on_conflict))?;
                if *autoincrement {
                    f.write_str(" AUTOINCREMENT")?;
                }
                Ok(())
            }
            ColumnConstraintKind::NotNull { on_conflict } => {
                write!(f, "NOT NULL{}", OnConflict(*on_conflict))
            }
            ColumnConstraintKind::Null { on_conflict } => {
                write!(f, "NULL{}", OnConflict(*on_conflict))
            }
            ColumnConstraintKind::Unique { on_conflict } => {
                write!(f, "UNIQUE{}", OnConflict(*on_conflict))
            }
            ColumnConstraintKind::Check(check) => check.fmt(f),
            ColumnConstraintKind::Default(default) => default.fmt(f),
            ColumnConstraintKind::Collate(name) => write!(f, "COLLATE {}", Name(name)),
            ColumnConstraintKind::References(clause) => clause.fmt(f),
            ColumnConstraintKind::Deferrable(deferrable) => deferrable.fmt(f),
            ColumnConstraintKind::Generated { expr, storage } => {
                write!(f, "AS ({expr})")?;
                if let Some(storage) = storage {
                    write!(f, " {}", Name(storage))?;
                }
                Ok(())
            }
        }
    }
}

impl Display for CheckExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CHECK ")?;
        write_paren_text(f, &self.text)
    }
}

impl Display for DefaultValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("DEFAULT ")?;
        if self.parenthesized { write_paren_text(f, &self.text) } else { f.write_str(&self.text) }
    }
}

impl Display for ForeignKeyClause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "REFERENCES {}", Name(&self.table))?;
        if !self.columns.is_empty() {
            f.write_char('(')?;
            write_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        if let Some(deferrable) = &self.deferrable {
            write!(f, " {deferrable}")?;
        }
        Ok(())
    }
}

impl Display for ForeignKeyArg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (event, action) = match self {
            ForeignKeyArg::Match(name) => return write!(f, "MATCH {}", Name(name)),
            ForeignKeyArg::OnInsert(action) => ("INSERT", action),
            ForeignKeyArg::OnDelete(action) => ("DELETE", action),
            ForeignKeyArg::OnUpdate(action) => ("UPDATE", action),
        };
        let action = match action {
            ForeignKeyAction::SetNull => "SET NULL",
            ForeignKeyAction::SetDefault => "SET DEFAULT",
            ForeignKeyAction::Cascade => "CASCADE",
            ForeignKeyAction::Restrict => "RESTRICT",
            ForeignKeyAction::NoAction => "NO ACTION",
        };
        write!(f, "ON {event} {action}")
    }
}

impl Display for Deferrable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.not {
            f.write_str("NOT ")?;
        }
        f.write_str("DEFERRABLE")?;
        match self.initially_deferred {
            Some(true) => f.write_str(" INITIALLY DEFERRED"),
            Some(false) => f.write_str(" INITIALLY IMMEDIATE"),
            None => Ok(()),
        }
    }
}

impl Display for IndexedName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Name(&self.name))?;
        if let Some(collation) = &self.collation {
            write!(f, " COLLATE {}", Name(collation))?;
        }
        write!(f, "{}", Order(self.order))
    }
}

impl Display for TableConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.name {
            write!(f, "CONSTRAINT {} ", Name(name))?;
        }
        match &self.kind {
            TableConstraintKind::PrimaryKey { columns, autoincrement, on_conflict } => {
                f.write_str("PRIMARY KEY (")?;
                write_list(f, columns)?;
                if *autoincrement {
                    f.write_str(" AUTOINCREMENT")?;
                }
                write!(f, "){}", OnConflict(*on_conflict))
            }
            TableConstraintKind::Unique { columns, on_conflict } => {
                f.write_str("UNIQUE (")?;
                write_list(f, columns)?;
                write!(f, "){}", OnConflict(*on_conflict))
            }
            TableConstraintKind::Check { check, on_conflict } => {
                write!(f, "{check}{}", OnConflict(*on_conflict))
            }
            TableConstraintKind::ForeignKey { columns, clause } => {
                f.write_str("FOREIGN KEY (")?;
                write_list(f, columns)?;
                write!(f, ") {clause}")
            }
        }
    }
}

impl Display for OrderingTerm {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.expr, Order(self.order))?;
        match self.nulls {
            Some(NullsOrder::First) => f.write_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

impl Display for CreateIndex {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.unique {
            f.write_str("UNIQUE ")?;
        }
        f.write_str("INDEX ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{} ON {}(", self.name, Name(&self.table))?;
        write_list(f, &self.columns)?;
        f.write_char(')')?;
        if let Some(where_clause) = &self.where_clause {
            write!(f, " WHERE {where_clause}")?;
        }
        Ok(())
    }
}

impl Display for Drop {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            DropKind::Table => "TABLE",
            DropKind::Index => "INDEX",
            DropKind::View => "VIEW",
        };
        write!(f, "DROP {kind} ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)
    }
}

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
struct Operand<'a>(&'a Expr);

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
            Expr::Variable(text) => f.write_str(text),
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
            Expr::Function(call) => {
                write!(f, "{}(", Name(&call.name))?;
                match &call.args {
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
                f.write_char(')')
            }
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
