//! SELECT: compound selects, VALUES, result columns, FROM clauses, WITH clauses.

use super::{Expr, Ident, Loc, OrderingTerm, QualifiedName, Window};

/// A SELECT statement or subquery (parse.y `select`):
/// `[WITH ...] core [op core ...] [ORDER BY terms] [LIMIT ...]`.
///
/// A compound is evaluated left to right (`a UNION b EXCEPT c` is `(a UNION b) EXCEPT c`);
/// ORDER BY and LIMIT apply to the whole compound. SQLite rejects an ORDER BY or LIMIT on any
/// core but the last ("ORDER BY clause should come after UNION not before"), so only the
/// statement has them.
#[derive(Clone, Debug, PartialEq)]
pub struct Select {
    pub with: Option<With>,
    /// The first core (the only one when `compound` is empty).
    pub first: SelectCore,
    /// The operators and cores that follow the first, in order.
    pub compound: Vec<CompoundTerm>,
    pub order_by: Vec<OrderingTerm>,
    pub limit: Option<Box<Limit>>,
}

impl Select {
    /// A select of one core, without WITH, ORDER BY or LIMIT.
    pub fn new(core: SelectCore) -> Select {
        Select { with: None, first: core, compound: Vec::new(), order_by: Vec::new(), limit: None }
    }

    /// The cores in order, with the operator that joins each to the ones before it (`None`
    /// for the first).
    pub fn cores(&self) -> impl Iterator<Item = (Option<CompoundOp>, &SelectCore)> {
        std::iter::once((None, &self.first)).chain(self.compound.iter().map(|t| (Some(t.op), &t.core)))
    }
}

/// `WITH [RECURSIVE] cte, ...`.
#[derive(Clone, Debug, PartialEq)]
pub struct With {
    pub recursive: bool,
    /// At least one.
    pub ctes: Vec<Cte>,
}

/// A common table expression: `name [(columns)] AS [[NOT] MATERIALIZED] (select)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cte {
    pub name: Ident,
    /// Column names; none: named by the select.
    pub columns: Vec<Ident>,
    /// `Some(true)`: AS MATERIALIZED; `Some(false)`: AS NOT MATERIALIZED.
    pub materialized: Option<bool>,
    pub select: Box<Select>,
}

/// A compound operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompoundOp {
    Union,
    UnionAll,
    Intersect,
    Except,
}

/// One `op core` of a compound select.
#[derive(Clone, Debug, PartialEq)]
pub struct CompoundTerm {
    pub op: CompoundOp,
    pub core: SelectCore,
}

/// One SELECT or VALUES of a (possibly compound) select.
#[derive(Clone, Debug, PartialEq)]
pub enum SelectCore {
    Select(Box<SimpleSelect>),
    /// `VALUES (row), (row), ...`: at least one row; all rows have the same number of
    /// expressions (SQLite's "all VALUES must have the same number of terms" otherwise).
    Values(Vec<Vec<Expr>>),
}

/// `SELECT [DISTINCT|ALL] columns [FROM ...] [WHERE expr] [GROUP BY exprs] [HAVING expr]
/// [WINDOW name AS (window), ...]`. `SELECT ALL` is the default and is not recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleSelect {
    pub distinct: bool,
    /// At least one.
    pub columns: Vec<ResultColumn>,
    pub from: Option<FromClause>,
    pub where_clause: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub having: Option<Expr>,
    pub windows: Vec<WindowDef>,
}

impl SimpleSelect {
    /// `SELECT columns` with no other clause.
    pub fn new(columns: Vec<ResultColumn>) -> SimpleSelect {
        SimpleSelect {
            distinct: false,
            columns,
            from: None,
            where_clause: None,
            group_by: Vec::new(),
            having: None,
            windows: Vec::new(),
        }
    }
}

/// `name AS (window)` in a WINDOW clause.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowDef {
    pub name: Ident,
    pub window: Window,
}

/// A result column (also a RETURNING item).
#[derive(Clone, Debug, PartialEq)]
pub enum ResultColumn {
    /// `expr [[AS] alias]`. SQLite names an unaliased column that is not a plain column
    /// reference by `text`: the source from the expression's first token up to the next
    /// token, trimmed of whitespace (comments before the next token stay). `text` takes no
    /// part in equality.
    Expr { expr: Expr, alias: Option<Ident>, text: SourceText },
    /// `*`.
    Star(Loc),
    /// `table.*`.
    TableStar(Ident),
}

/// Source text kept for naming (see [`ResultColumn::Expr`]); every `SourceText` equals every
/// other, so it never makes two trees differ.
#[derive(Clone, Debug, Default)]
pub struct SourceText(pub String);

impl PartialEq for SourceText {
    fn eq(&self, _: &SourceText) -> bool {
        true
    }
}

/// `LIMIT limit [OFFSET offset]`, or `LIMIT offset, limit` (note the order), which SQLite
/// reads as the same limit and offset.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    pub limit: Expr,
    pub offset: Option<Expr>,
    /// Written `LIMIT offset, limit`: kept so that the printed text evaluates the two in the
    /// source order (it decides the numbers of the parameters in them).
    pub offset_first: bool,
}

/// A FROM clause: a first table and the joins that follow, evaluated left to right.
#[derive(Clone, Debug, PartialEq)]
pub struct FromClause {
    pub first: TableOrSubquery,
    pub joins: Vec<Join>,
}

impl FromClause {
    /// A FROM clause of one table or subquery.
    pub fn single(table: TableOrSubquery) -> FromClause {
        FromClause { first: table, joins: Vec::new() }
    }
}

/// One join: `op table [ON expr | USING (columns)]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    pub op: JoinOperator,
    pub table: TableOrSubquery,
    pub constraint: Option<JoinConstraint>,
}

/// A join operator. A comma is an inner join, as a plain JOIN is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinOperator {
    Comma,
    /// `[NATURAL] [LEFT|RIGHT|FULL [OUTER] | INNER | CROSS] JOIN`, normalized as SQLite's
    /// `sqlite3JoinType` does (`LEFT RIGHT JOIN` is FULL, `OUTER LEFT` is LEFT, ...).
    Join {
        natural: bool,
        kind: JoinKind,
    },
}

/// The kind of a JOIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinKind {
    /// JOIN, INNER JOIN.
    Inner,
    /// CROSS JOIN: an inner join whose table order the planner keeps.
    Cross,
    Left,
    Right,
    Full,
}

/// `ON expr` or `USING (columns)`.
#[derive(Clone, Debug, PartialEq)]
pub enum JoinConstraint {
    On(Expr),
    Using(Vec<Ident>),
}

/// `INDEXED BY index` or `NOT INDEXED`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexedBy {
    Index(Ident),
    NotIndexed,
}

/// An item of a FROM clause (parse.y `seltablist` item).
///
/// Parentheses are resolved as SQLite's parser resolves them: a parenthesized list at the start
/// of a FROM clause with no alias is spliced into the clause (`FROM (a, b)` is `FROM a, b`), and
/// a parenthesized single item is that item, with the alias written after the parentheses
/// (`FROM x, (t AS a)` names `t` with no alias, as in SQLite). What remains is a [`Nested`]
/// join.
///
/// [`Nested`]: TableOrSubquery::Nested
#[derive(Clone, Debug, PartialEq)]
pub enum TableOrSubquery {
    /// `[schema.]table [[AS] alias] [INDEXED BY index | NOT INDEXED]`.
    Table { name: QualifiedName, alias: Option<Ident>, indexed: Option<IndexedBy> },
    /// A table-valued function `[schema.]name(args) [[AS] alias]`.
    Function { name: QualifiedName, args: Vec<Expr>, alias: Option<Ident> },
    /// `(select) [[AS] alias]`.
    Subquery { select: Box<Select>, alias: Option<Ident> },
    /// `(join) [[AS] alias]`: a parenthesized join of two or more items, which SQLite
    /// evaluates as the subquery `SELECT * FROM join`.
    Nested { from: Box<FromClause>, alias: Option<Ident> },
}

impl TableOrSubquery {
    /// A table reference with no alias or INDEXED BY.
    pub fn table(name: QualifiedName) -> TableOrSubquery {
        TableOrSubquery::Table { name, alias: None, indexed: None }
    }

    /// The alias, if any.
    pub fn alias(&self) -> Option<&Ident> {
        match self {
            TableOrSubquery::Table { alias, .. }
            | TableOrSubquery::Function { alias, .. }
            | TableOrSubquery::Subquery { alias, .. }
            | TableOrSubquery::Nested { alias, .. } => alias.as_ref(),
        }
    }
}
