//! The syntax tree of SQL statements and expressions.
//!
//! The tree follows SQLite's grammar (parse.y) closely enough that printing it
//! ([`std::fmt::Display`], see `display/`) gives SQL which parses back to an equal tree. It is
//! meant to be consumed directly by the planner and executor, so where SQLite's parser already
//! normalizes a construct (a `REPLACE` statement is `INSERT OR REPLACE`, `LIMIT a, b` is a limit
//! `b` with an offset `a`, `(t1)` in a FROM clause is the table `t1`), the tree holds the
//! normalized form, and each type says what it means in SQLite's terms.
//!
//! - Names: [`Ident`] keeps the dequoted name SQLite uses (letter case as written), how it was
//!   quoted, and where it was written. DDL column names and expression names are plain
//!   dequoted `String`s; [`ColumnRef::double_quoted`] records a `"..."` column name, which
//!   SQLite may read as a string literal.
//! - Source text: where SQLite keeps the text of a piece of a statement (a declared type, a
//!   DEFAULT value, a CHECK constraint, the text that names an unaliased result column), the
//!   tree keeps it too.
//! - Locations: nodes that can be the site of a later error (names, column references,
//!   function calls, result columns) carry a [`Loc`]: a byte range of the parsed text.
//!   Locations and quoting take no part in equality or hashing: two trees are equal when they
//!   mean the same SQL.
//!
//! Modules: `expr` (expressions, window specifications), `query` (SELECT), `dml` (INSERT,
//! UPDATE, DELETE), `ddl` (CREATE, DROP, ALTER), `admin` (transactions, PRAGMA, EXPLAIN,
//! ATTACH, VACUUM, ...).

mod admin;
mod ddl;
mod dml;
mod expr;
mod query;

use std::hash::{Hash, Hasher};

pub use admin::*;
pub use ddl::*;
pub use dml::*;
pub use expr::*;
pub use query::*;

use super::lexer::Span;

/// Where a node was written: a byte range of the text it was parsed from. Locations are
/// metadata: every `Loc` equals every other, so they never make two trees differ. A node built
/// by hand has [`Loc::NONE`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Loc {
    pub start: u32,
    pub end: u32,
}

impl Loc {
    /// The location of a node that was not parsed from text.
    pub const NONE: Loc = Loc { start: 0, end: 0 };

    /// The text at this location in `sql` (the text the node was parsed from), if it is there.
    pub fn text(self, sql: &str) -> Option<&str> {
        sql.get(self.start as usize..self.end as usize)
    }

    /// The byte range as a [`Span`].
    pub fn span(self) -> Span {
        Span::new(self.start as usize, self.end.max(self.start) as usize)
    }
}

impl From<Span> for Loc {
    /// Offsets past `u32::MAX` (texts of 4 GiB; SQLite's own limit is 1 GB) saturate.
    fn from(span: Span) -> Loc {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Loc { start: clamp(span.start), end: clamp(span.end) }
    }
}

impl PartialEq for Loc {
    fn eq(&self, _: &Loc) -> bool {
        true
    }
}

impl Eq for Loc {}

impl Hash for Loc {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// How a name was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Quote {
    /// A bare word: an identifier, or a keyword standing for one.
    #[default]
    None,
    /// `"name"`
    Double,
    /// `[name]`
    Bracket,
    /// `` `name` ``
    Backtick,
    /// `'name'`: a string literal where the grammar takes a name (`nm`).
    Single,
}

/// A name: a table, alias, column of a list, CTE, index, savepoint, collation, ...
///
/// `name` is what SQLite uses (`sqlite3NameFromToken`): the text without its quotes, doubled
/// quotes undone, letter case as written (SQLite compares names case-insensitively for ASCII).
/// Equality and hashing look at `name` only.
#[derive(Clone, Debug, Default)]
pub struct Ident {
    pub name: String,
    pub quote: Quote,
    pub loc: Loc,
}

impl Ident {
    /// A name with no quotes and no location.
    pub fn new(name: impl Into<String>) -> Ident {
        Ident { name: name.into(), quote: Quote::None, loc: Loc::NONE }
    }

    /// The name as it was written, quotes included.
    pub fn original(&self) -> String {
        let (open, close) = match self.quote {
            Quote::None => return self.name.clone(),
            Quote::Double => ('"', '"'),
            Quote::Bracket => ('[', ']'),
            Quote::Backtick => ('`', '`'),
            Quote::Single => ('\'', '\''),
        };
        let mut out = String::with_capacity(self.name.len() + 2);
        out.push(open);
        for c in self.name.chars() {
            if c == close && close != ']' {
                out.push(c);
            }
            out.push(c);
        }
        out.push(close);
        out
    }

    /// The name (dequoted).
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// True if this names `other` in SQLite's terms (ASCII case-insensitive).
    pub fn is(&self, other: &str) -> bool {
        self.name.eq_ignore_ascii_case(other)
    }
}

impl From<&str> for Ident {
    fn from(name: &str) -> Ident {
        Ident::new(name)
    }
}

impl From<String> for Ident {
    fn from(name: String) -> Ident {
        Ident::new(name)
    }
}

impl PartialEq<str> for Ident {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for Ident {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl PartialEq for Ident {
    fn eq(&self, other: &Ident) -> bool {
        self.name == other.name
    }
}

impl Eq for Ident {}

impl Hash for Ident {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// A possibly schema-qualified name: `[schema.]name` (parse.y `nm dbnm`, `fullname`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub schema: Option<Ident>,
    pub name: Ident,
}

impl QualifiedName {
    /// An unqualified name.
    pub fn bare(name: impl Into<String>) -> QualifiedName {
        QualifiedName { schema: None, name: Ident::new(name) }
    }

    /// The schema name, if any.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_ref().map(Ident::as_str)
    }

    /// A name qualified by `schema`.
    pub fn qualified(schema: impl Into<String>, name: impl Into<String>) -> QualifiedName {
        QualifiedName { schema: Some(Ident::new(schema)), name: Ident::new(name) }
    }
}

/// One SQL statement (parse.y `cmd`).
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `EXPLAIN [QUERY PLAN] statement`; the inner statement is never an `Explain`.
    Explain {
        query_plan: bool,
        stmt: Box<Stmt>,
    },
    Select(Box<Select>),
    Insert(Box<Insert>),
    Update(Box<Update>),
    Delete(Box<Delete>),
    CreateTable(CreateTable),
    CreateTableAs(Box<CreateTableAs>),
    CreateIndex(CreateIndex),
    CreateView(Box<CreateView>),
    CreateTrigger(Box<CreateTrigger>),
    CreateVirtualTable(CreateVirtualTable),
    AlterTable(Box<AlterTable>),
    Drop(Drop),
    /// `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION [name]]` (the name is ignored, as by
    /// SQLite).
    Begin(TransactionKind),
    /// `COMMIT|END [TRANSACTION [name]]`.
    Commit,
    /// `ROLLBACK [TRANSACTION [name]] [TO [SAVEPOINT] savepoint]`.
    Rollback {
        savepoint: Option<Ident>,
    },
    /// `SAVEPOINT name`.
    Savepoint(Ident),
    /// `RELEASE [SAVEPOINT] name`.
    Release(Ident),
    Pragma(Pragma),
    Attach(Box<Attach>),
    /// `DETACH [DATABASE] expr`: the expression names the schema.
    Detach(Expr),
    Vacuum(Vacuum),
    /// `REINDEX [[schema.]name]`: a collation, table or index name (SQLite decides which).
    Reindex(Option<QualifiedName>),
    /// `ANALYZE [[schema.]name]`: a schema, table or index name (SQLite decides which).
    Analyze(Option<QualifiedName>),
}

/// An ON CONFLICT resolution (parse.y `resolvetype`), also the `OR x` of INSERT and UPDATE.
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
/// UNIQUE column lists, ORDER BY terms, upsert targets. A COLLATE clause is part of `expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderingTerm {
    pub expr: Expr,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
}
