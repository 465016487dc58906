//! SQL text from the syntax tree: `Display` for statements and expressions.
//!
//! The output parses back to an equal tree. Names are quoted when they are not plain
//! identifiers (SQLite's `identPut` rule); operands that are not atomic are parenthesized,
//! which never changes the tree since parentheses make no node. Texts the tree keeps from the
//! source (declared types, DEFAULT values, CHECK texts) are written as they were. Aliases are
//! always written with AS.
//!
//! Modules: `expr` (expressions, windows), `query` (SELECT, INSERT, UPDATE, DELETE), `ddl`
//! (CREATE, DROP, ALTER).

mod ddl;
mod expr;
mod query;

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    Attach, ConflictResolution, Ident, NullsOrder, OrderingTerm, Pragma, QualifiedName, SortOrder, Stmt,
    TransactionKind, Vacuum,
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
pub(super) fn write_quoted(f: &mut Formatter<'_>, text: &str, quote: char) -> fmt::Result {
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
pub(super) fn write_paren_text(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    let newline = if text.contains("--") { "\n" } else { "" };
    write!(f, "({text}{newline})")
}

/// Writes `items` separated by `, `.
pub(super) fn write_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Ident {
    /// The name, quoted when it is not a plain identifier (the original quoting is not kept).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Name(&self.name).fmt(f)
    }
}

impl Display for QualifiedName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}.")?;
        }
        write!(f, "{}", self.name)
    }
}

impl Display for Stmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stmt::Explain { query_plan, stmt } => {
                f.write_str(if *query_plan { "EXPLAIN QUERY PLAN " } else { "EXPLAIN " })?;
                stmt.fmt(f)
            }
            Stmt::Select(s) => s.fmt(f),
            Stmt::Insert(s) => s.fmt(f),
            Stmt::Update(s) => s.fmt(f),
            Stmt::Delete(s) => s.fmt(f),
            Stmt::CreateTable(s) => s.fmt(f),
            Stmt::CreateTableAs(s) => s.fmt(f),
            Stmt::CreateIndex(s) => s.fmt(f),
            Stmt::CreateView(s) => s.fmt(f),
            Stmt::CreateTrigger(s) => s.fmt(f),
            Stmt::CreateVirtualTable(s) => s.fmt(f),
            Stmt::AlterTable(s) => s.fmt(f),
            Stmt::Drop(s) => s.fmt(f),
            Stmt::Begin(kind) => f.write_str(match kind {
                TransactionKind::Deferred => "BEGIN",
                TransactionKind::Immediate => "BEGIN IMMEDIATE",
                TransactionKind::Exclusive => "BEGIN EXCLUSIVE",
            }),
            Stmt::Commit => f.write_str("COMMIT"),
            Stmt::Rollback { savepoint: None } => f.write_str("ROLLBACK"),
            Stmt::Rollback { savepoint: Some(name) } => write!(f, "ROLLBACK TO {name}"),
            Stmt::Savepoint(name) => write!(f, "SAVEPOINT {name}"),
            Stmt::Release(name) => write!(f, "RELEASE {name}"),
            Stmt::Pragma(pragma) => pragma.fmt(f),
            Stmt::Attach(attach) => attach.fmt(f),
            Stmt::Detach(schema) => write!(f, "DETACH {}", expr::Operand(schema)),
            Stmt::Vacuum(vacuum) => vacuum.fmt(f),
            Stmt::Reindex(name) | Stmt::Analyze(name) => {
                f.write_str(if matches!(self, Stmt::Reindex(_)) { "REINDEX" } else { "ANALYZE" })?;
                match name {
                    Some(name) => write!(f, " {name}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Display for Pragma {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "PRAGMA {}", self.name)?;
        match &self.value {
            Some(value) => write!(f, " = {}", value.raw),
            None => Ok(()),
        }
    }
}

impl Display for Attach {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "ATTACH {} AS {}", expr::Operand(&self.file), expr::Operand(&self.schema))?;
        match &self.key {
            Some(key) => write!(f, " KEY {}", expr::Operand(key)),
            None => Ok(()),
        }
    }
}

impl Display for Vacuum {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("VACUUM")?;
        if let Some(schema) = &self.schema {
            write!(f, " {schema}")?;
        }
        match &self.into {
            Some(into) => write!(f, " INTO {}", expr::Operand(into)),
            None => Ok(()),
        }
    }
}

/// ` ON CONFLICT X`, or nothing.
pub(super) struct OnConflict(pub(super) Option<ConflictResolution>);

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
pub(super) struct Order(pub(super) Option<SortOrder>);

impl Display for Order {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            None => "",
            Some(SortOrder::Asc) => " ASC",
            Some(SortOrder::Desc) => " DESC",
        })
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
