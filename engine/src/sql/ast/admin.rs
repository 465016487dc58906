//! Transactions, PRAGMA, ATTACH and VACUUM.

use super::{Expr, Ident, QualifiedName};

/// The lock a BEGIN takes (DEFERRED when not written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    #[default]
    Deferred,
    Immediate,
    Exclusive,
}

/// `PRAGMA [schema.]name [= value | (value)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pragma {
    pub name: QualifiedName,
    pub value: Option<PragmaValue>,
}

/// The value of a PRAGMA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PragmaValue {
    pub kind: PragmaValueKind,
    /// The value as `sqlite3Pragma` receives it: a number with a leading `-` if negative (a
    /// `+` is dropped), or a name or string dequoted (`ON`, `DELETE` and `DEFAULT` as
    /// written).
    pub value: String,
    /// The value's source text, from its first token to its last (signs and quotes kept).
    pub raw: String,
}

/// What a PRAGMA value was written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PragmaValueKind {
    /// An integer or real, possibly signed.
    Number,
    /// An identifier or keyword (quoted or not).
    Name,
    /// A string literal.
    String,
}

/// `ATTACH [DATABASE] file AS schema [KEY key]`: expressions, as in SQLite (a bare name is a
/// column reference SQLite reads as its own text).
#[derive(Clone, Debug, PartialEq)]
pub struct Attach {
    pub file: Expr,
    pub schema: Expr,
    pub key: Option<Expr>,
}

/// `VACUUM [schema] [INTO file]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Vacuum {
    pub schema: Option<Ident>,
    pub into: Option<Expr>,
}
