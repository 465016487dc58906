//! Generated schemas and statement sequences, for the engine's `sql_differential.rs` tests and
//! the `sql_diff` fuzz target: proptest strategies for a small tree of each statement
//! ([`Case`]), rendered to SQL against the generated schema by [`super::render`]. The fuzz
//! target draws from the same strategies with an RNG seeded by the fuzzer's bytes, so there
//! is one generator for both.
//!
//! The trees name tables, columns, indexes and savepoints by [`Sel`] numbers that the renderer
//! resolves modulo what exists where the name is used (the tables of the schema, the columns
//! of the row sources in scope), so that every generated tree is meaningful and shrinking a
//! tree keeps it meaningful. The vocabulary of values, operators, functions and collations is
//! [`super::vocab`], which the engine's `eval_*` tests use too.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::vocab::{
    BINARY_OPS, BLOBS, COLLATIONS, FUNCTIONS, INTEGERS, PATTERN_PIECES, REALS, SUBJECT_PIECES, TEXTS, TYPES,
};

/// A choice among whatever exists where it is used, resolved modulo at rendering.
pub type Sel = u8;

/// One generated case: a schema, then statements.
#[derive(Clone, Debug)]
pub struct Case {
    pub schema: Schema,
    pub statements: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// A table-level UNIQUE over these columns.
    pub unique: Option<Vec<Sel>>,
    /// A table-level CHECK relating two columns.
    pub check: Option<(Sel, &'static str, Sel)>,
}

#[derive(Clone, Debug)]
pub enum PrimaryKey {
    /// `PRIMARY KEY` on one column (an INTEGER column's is the rowid alias), maybe DESC.
    Column { column: Sel, desc: bool },
    /// `PRIMARY KEY (a, b)`.
    Table(Vec<Sel>),
}

#[derive(Clone, Debug)]
pub struct Column {
    /// The declared type ("" for none).
    pub ty: &'static str,
    pub not_null: bool,
    pub unique: bool,
    pub default: Option<String>,
    /// `CHECK (...)` with `?` standing for the column.
    pub check: Option<&'static str>,
    pub collate: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Index {
    pub table: Sel,
    pub unique: bool,
    /// Columns, each maybe DESC, maybe with a collation.
    pub columns: Vec<(Sel, bool, Option<&'static str>)>,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Insert { conflict: Conflict, table: Sel, columns: Option<Vec<Sel>>, source: InsertSource },
    Update { conflict: Conflict, table: Sel, sets: Vec<(Sel, Expr)>, filter: Option<Expr> },
    Delete { table: Sel, filter: Option<Expr> },
    Select(Box<Query>),
    Begin(&'static str),
    Commit(&'static str),
    Rollback,
    Savepoint(Sel),
    Release(Sel),
    RollbackTo(Sel),
    CreateIndex(Index),
    DropIndex(Sel),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    Abort,
    Default,
    Ignore,
    Replace,
    Fail,
    Rollback,
}

#[derive(Clone, Debug)]
pub enum InsertSource {
    /// Rows of expressions (each row cut or cycled to the number of target columns).
    Values(Vec<Vec<Expr>>),
    Select(Box<Query>),
    DefaultValues,
}

/// A SELECT: a compound of cores, ORDER BY, LIMIT / OFFSET.
#[derive(Clone, Debug)]
pub struct Query {
    pub first: Core,
    pub compound: Vec<(&'static str, Core)>,
    /// ORDER BY terms: a result column number or an expression; DESC.
    pub order_by: Vec<(OrderTerm, bool)>,
    pub limit: Option<(Expr, Option<Expr>)>,
}

#[derive(Clone, Debug)]
pub enum OrderTerm {
    Column(Sel),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub struct Core {
    pub distinct: bool,
    pub columns: Vec<ResultColumn>,
    pub from: Option<From>,
    pub filter: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub having: Option<Expr>,
    /// An aggregate query even without GROUP BY.
    pub aggregate: bool,
    /// Column references are qualified even with one source.
    pub qualify: bool,
}

#[derive(Clone, Debug)]
pub enum ResultColumn {
    Star,
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub struct From {
    pub first: Source,
    pub joins: Vec<(&'static str, Source, JoinOn)>,
}

#[derive(Clone, Debug)]
pub enum Source {
    Table(Sel),
    Subquery(Box<Query>),
}

#[derive(Clone, Debug)]
pub enum JoinOn {
    None,
    On(Expr),
    Using(Sel),
}

#[derive(Clone, Debug)]
pub enum Expr {
    /// SQL text of a literal.
    Literal(String),
    Column(Sel),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// `e IS NULL` / `e NOTNULL` / `e IS TRUE` ...: the suffix.
    Postfix(Box<Expr>, &'static str),
    Between {
        e: Box<Expr>,
        not: bool,
        lo: Box<Expr>,
        hi: Box<Expr>,
    },
    InList {
        e: Box<Expr>,
        not: bool,
        list: Vec<Expr>,
    },
    InSelect {
        e: Box<Expr>,
        not: bool,
        sub: Box<SubQuery>,
    },
    Exists {
        not: bool,
        sub: Box<SubQuery>,
    },
    Scalar(Box<SubQuery>),
    Like {
        e: Box<Expr>,
        not: bool,
        op: &'static str,
        pattern: Box<Expr>,
        escape: Option<&'static str>,
    },
    Case {
        operand: Option<Box<Expr>>,
        arms: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Cast(Box<Expr>, &'static str),
    Function(&'static str, Vec<Expr>),
    Collate(Box<Expr>, &'static str),
    /// An aggregate function: in an aggregate context `f([DISTINCT] arg)` (`count(*)` without
    /// an argument); elsewhere its argument alone.
    Aggregate {
        f: &'static str,
        distinct: bool,
        arg: Option<Box<Expr>>,
    },
}

/// A subquery in an expression, over one table, maybe correlated with the outer query.
#[derive(Clone, Debug)]
pub struct SubQuery {
    pub table: Sel,
    /// The result: for a scalar subquery an aggregate of this (or the expression itself
    /// with `ORDER BY 1 LIMIT 1`), for IN the expression itself.
    pub result: Expr,
    pub aggregate: Option<&'static str>,
    pub filter: Option<Expr>,
}

// ---- vocabulary --------------------------------------------------------------------------

/// Declared column types: each affinity, spelled several ways, and none.
pub const COLUMN_TYPES: &[&str] =
    &["INTEGER", "INTEGER", "INT", "TEXT", "REAL", "NUMERIC", "BLOB", "", "", "VARCHAR(10)", "DOUBLE", "BOOLEAN"];

/// CHECK constraints on one column (`?` is the column).
pub const CHECKS: &[&str] = &[
    "? > -100",
    "? <> 3",
    "? IS NULL OR ? BETWEEN -1000 AND 1000",
    "typeof(?) <> 'blob'",
    "length(?) < 8",
    "? IS NOT 'b'",
    "? NOT IN (4, 'x')",
    "coalesce(?, 0) >= -5",
];

/// Comparisons for the table-level CHECK between two columns.
const CHECK_OPS: &[&str] = &["<>", "IS NOT", "<=", ">"];

pub const COMPARISONS: &[&str] = &["=", "==", "!=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"];
const ARITHMETIC: &[&str] = &["+", "-", "*", "/", "%", "||", "&", "|", "<<", ">>"];
const POSTFIX: &[&str] =
    &["IS NULL", "IS NOT NULL", "ISNULL", "NOTNULL", "NOT NULL", "IS TRUE", "IS FALSE", "IS NOT TRUE", "IS NOT FALSE"];
const AGGREGATES: &[&str] = &["count", "sum", "total", "avg", "min", "max", "group_concat"];
const JOINS: &[&str] = &[",", "JOIN", "INNER JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "CROSS JOIN", "NATURAL JOIN"];
const COMPOUNDS: &[&str] = &["UNION", "UNION ALL", "INTERSECT", "EXCEPT"];
const SHORT_TEXTS: &[&str] = &["'a'", "'b'", "'A'", "'ab'", "'a '", "'B'", "'x'", "''", "'1'", "'2.0'", "' 3'"];

fn weighted<T: std::fmt::Debug + 'static>(w: u32, s: impl Strategy<Value = T> + 'static) -> (u32, BoxedStrategy<T>) {
    (w, s.boxed())
}

/// A literal value as SQL text: small integers often (so that keys collide and joins match),
/// SQLite's edge values, reals, texts, blobs, NULL.
pub fn literal() -> BoxedStrategy<String> {
    prop_oneof![
        30 => (-2i64..7).prop_map(|i| i.to_string()),
        6 => select(INTEGERS).prop_map(str::to_string),
        3 => any::<i64>().prop_map(|i| if i < 0 { format!("({i})") } else { i.to_string() }),
        8 => select(REALS).prop_map(str::to_string),
        5 => (-8i64..8).prop_map(|i| format!("{:.1}", i as f64 / 2.0)),
        8 => select(TEXTS).prop_map(str::to_string),
        14 => select(SHORT_TEXTS).prop_map(str::to_string),
        3 => vec(select(SUBJECT_PIECES), 0..4).prop_map(|p| format!("'{}'", p.concat())),
        5 => select(BLOBS).prop_map(str::to_string),
        12 => Just("NULL".to_string()),
    ]
    .boxed()
}

fn like_pattern() -> BoxedStrategy<String> {
    vec(select(PATTERN_PIECES), 0..4).prop_map(|p| format!("'{}'", p.concat())).boxed()
}

/// An expression, at most `depth` levels of operators deep (subqueries count as levels).
pub fn expr(depth: u32) -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        3 => literal().prop_map(Expr::Literal),
        4 => any::<Sel>().prop_map(Expr::Column),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    let sub = expr(depth - 1);
    let b = || sub.clone().prop_map(Box::new);
    let subquery = subquery(depth - 1);
    let function = select(FUNCTIONS).prop_flat_map({
        let sub = sub.clone();
        move |(name, counts)| {
            select(counts.to_vec()).prop_flat_map({
                let sub = sub.clone();
                move |n| vec(sub.clone(), n).prop_map(move |args| Expr::Function(name, args))
            })
        }
    });
    let options = vec![
        weighted(10, leaf),
        weighted(6, (select(COMPARISONS), b(), b()).prop_map(|(op, l, r)| Expr::Binary(op, l, r))),
        weighted(4, (select(&["AND", "OR"][..]), b(), b()).prop_map(|(op, l, r)| Expr::Binary(op, l, r))),
        weighted(4, (select(ARITHMETIC), b(), b()).prop_map(|(op, l, r)| Expr::Binary(op, l, r))),
        weighted(1, (select(BINARY_OPS), b(), b()).prop_map(|(op, l, r)| Expr::Binary(op, l, r))),
        weighted(2, (select(&["-", "+", "~", "NOT "][..]), b()).prop_map(|(op, e)| Expr::Unary(op, e))),
        weighted(3, (b(), select(POSTFIX)).prop_map(|(e, p)| Expr::Postfix(e, p))),
        weighted(2, (b(), any::<bool>(), b(), b()).prop_map(|(e, not, lo, hi)| Expr::Between { e, not, lo, hi })),
        weighted(
            3,
            (b(), any::<bool>(), vec(sub.clone(), 0..5)).prop_map(|(e, not, list)| Expr::InList { e, not, list }),
        ),
        weighted(
            2,
            (b(), any::<bool>(), subquery.clone().prop_map(Box::new)).prop_map(|(e, not, sub)| Expr::InSelect {
                e,
                not,
                sub,
            }),
        ),
        weighted(
            1,
            (any::<bool>(), subquery.clone().prop_map(Box::new)).prop_map(|(not, sub)| Expr::Exists { not, sub }),
        ),
        weighted(2, subquery.prop_map(|s| Expr::Scalar(Box::new(s)))),
        weighted(
            3,
            (
                b(),
                any::<bool>(),
                select(&["LIKE", "LIKE", "GLOB"][..]),
                prop_oneof![3 => like_pattern().prop_map(Expr::Literal), 1 => sub.clone()].prop_map(Box::new),
                option::weighted(0.2, select(&["'\\'", "'%'", "'_'", "'x'"][..])),
            )
                .prop_map(|(e, not, op, pattern, escape)| Expr::Like {
                    e,
                    not,
                    op,
                    pattern,
                    escape: if op == "GLOB" { None } else { escape },
                }),
        ),
        weighted(
            2,
            (option::of(b()), vec((sub.clone(), sub.clone()), 1..4), option::of(b()))
                .prop_map(|(operand, arms, otherwise)| Expr::Case { operand, arms, otherwise }),
        ),
        weighted(2, (b(), select(TYPES)).prop_map(|(e, t)| Expr::Cast(e, t))),
        weighted(4, function),
        weighted(1, (b(), select(COLLATIONS)).prop_map(|(e, c)| Expr::Collate(e, c))),
        weighted(
            4,
            (select(AGGREGATES), prop::bool::weighted(0.2), option::weighted(0.8, b()))
                .prop_map(|(f, distinct, arg)| Expr::Aggregate { f, distinct, arg }),
        ),
    ];
    proptest::strategy::Union::new_weighted(options).boxed()
}

pub fn subquery(depth: u32) -> BoxedStrategy<SubQuery> {
    (
        any::<Sel>(),
        expr(depth.min(1)),
        option::weighted(0.6, select(&["count", "max", "min", "sum", "total", "avg"][..])),
        option::weighted(0.7, expr(depth)),
    )
        .prop_map(|(table, result, aggregate, filter)| SubQuery { table, result, aggregate, filter })
        .boxed()
}

fn core(depth: u32) -> BoxedStrategy<Core> {
    let e = expr(depth);
    (
        prop::bool::weighted(0.15),
        vec(prop_oneof![1 => Just(ResultColumn::Star), 6 => e.clone().prop_map(ResultColumn::Expr)], 1..4),
        option::weighted(0.95, from(depth)),
        option::weighted(0.6, e.clone()),
        prop_oneof![3 => Just(Vec::new()), 1 => vec(e.clone(), 1..3)],
        option::weighted(0.2, e),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(distinct, columns, from, filter, group_by, having, aggregate, qualify)| Core {
            distinct,
            columns,
            from,
            filter,
            group_by,
            having,
            aggregate,
            qualify,
        })
        .boxed()
}

fn source(depth: u32) -> BoxedStrategy<Source> {
    if depth == 0 {
        return any::<Sel>().prop_map(Source::Table).boxed();
    }
    prop_oneof![
        6 => any::<Sel>().prop_map(Source::Table),
        1 => query(depth - 1).prop_map(|q| Source::Subquery(Box::new(q))),
    ]
    .boxed()
}

fn from(depth: u32) -> BoxedStrategy<From> {
    let join_on = prop_oneof![
        1 => Just(JoinOn::None),
        4 => expr(depth.min(2)).prop_map(JoinOn::On),
        1 => any::<Sel>().prop_map(JoinOn::Using),
    ];
    (source(depth), prop_oneof![4 => Just(Vec::new()), 3 => vec((select(JOINS), source(depth), join_on), 1..3)])
        .prop_map(|(first, joins)| From { first, joins })
        .boxed()
}

/// A SELECT, `depth` bounding its expressions and nested queries.
pub fn query(depth: u32) -> BoxedStrategy<Query> {
    let small = prop_oneof![
        6 => (-1i64..6).prop_map(|i| Expr::Literal(i.to_string())),
        1 => literal().prop_map(Expr::Literal),
    ];
    (
        core(depth),
        prop_oneof![5 => Just(Vec::new()), 1 => vec((select(COMPOUNDS), core(depth)), 1..3)],
        prop_oneof![
            1 => Just(Vec::new()),
            2 => vec((prop_oneof![any::<Sel>().prop_map(OrderTerm::Column), expr(depth.min(2)).prop_map(OrderTerm::Expr)], any::<bool>()), 1..3),
        ],
        option::weighted(0.3, (small.clone(), option::weighted(0.4, small))),
    )
        .prop_map(|(first, compound, order_by, limit)| Query { first, compound, order_by, limit })
        .boxed()
}

fn conflict() -> BoxedStrategy<Conflict> {
    prop_oneof![
        8 => Just(Conflict::Default),
        3 => Just(Conflict::Ignore),
        3 => Just(Conflict::Replace),
        1 => Just(Conflict::Abort),
        1 => Just(Conflict::Fail),
        1 => Just(Conflict::Rollback),
    ]
    .boxed()
}

fn index() -> BoxedStrategy<Index> {
    (
        any::<Sel>(),
        prop::bool::weighted(0.3),
        vec((any::<Sel>(), prop::bool::weighted(0.3), option::weighted(0.15, select(COLLATIONS))), 1..4),
    )
        .prop_map(|(table, unique, columns)| Index { table, unique, columns })
        .boxed()
}

fn column() -> BoxedStrategy<Column> {
    (
        select(COLUMN_TYPES),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        option::weighted(0.2, literal()),
        option::weighted(0.12, select(CHECKS)),
        option::weighted(0.12, select(COLLATIONS)),
    )
        .prop_map(|(ty, not_null, unique, default, check, collate)| Column {
            ty,
            not_null,
            unique,
            default,
            check,
            collate,
        })
        .boxed()
}

fn table() -> BoxedStrategy<Table> {
    (
        vec(column(), 1..6),
        prop_oneof![
            2 => Just(None),
            3 => (any::<Sel>(), prop::bool::weighted(0.1)).prop_map(|(column, desc)| Some(PrimaryKey::Column { column, desc })),
            1 => vec(any::<Sel>(), 2..3).prop_map(|c| Some(PrimaryKey::Table(c))),
        ],
        option::weighted(0.15, vec(any::<Sel>(), 1..3)),
        option::weighted(0.1, (any::<Sel>(), select(CHECK_OPS), any::<Sel>())),
    )
        .prop_map(|(columns, primary_key, unique, check)| Table { columns, primary_key, unique, check })
        .boxed()
}

pub fn schema() -> BoxedStrategy<Schema> {
    (vec(table(), 1..4), vec(index(), 0..4)).prop_map(|(tables, indexes)| Schema { tables, indexes }).boxed()
}

/// The weights of the statement kinds (a test may lean one way).
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    pub insert: u32,
    pub update: u32,
    pub delete: u32,
    pub select: u32,
    pub transaction: u32,
    pub ddl: u32,
}

pub const BALANCED: Mix = Mix { insert: 8, update: 3, delete: 2, select: 8, transaction: 2, ddl: 1 };

pub fn statement(mix: Mix) -> BoxedStrategy<Stmt> {
    let values_row = vec(expr(1), 1..6);
    let insert = (
        conflict(),
        any::<Sel>(),
        option::weighted(0.4, vec(any::<Sel>(), 1..5)),
        prop_oneof![
            8 => vec(values_row, 1..4).prop_map(InsertSource::Values),
            2 => query(1).prop_map(|q| InsertSource::Select(Box::new(q))),
            1 => Just(InsertSource::DefaultValues),
        ],
    )
        .prop_map(|(conflict, table, columns, source)| Stmt::Insert { conflict, table, columns, source });
    let update = (conflict(), any::<Sel>(), vec((any::<Sel>(), expr(2)), 1..3), option::weighted(0.8, expr(2)))
        .prop_map(|(conflict, table, sets, filter)| Stmt::Update { conflict, table, sets, filter });
    let delete =
        (any::<Sel>(), option::weighted(0.9, expr(2))).prop_map(|(table, filter)| Stmt::Delete { table, filter });
    let transaction = prop_oneof![
        3 => select(&["", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"][..]).prop_map(Stmt::Begin),
        2 => select(&["COMMIT", "END", "COMMIT TRANSACTION"][..]).prop_map(Stmt::Commit),
        2 => Just(Stmt::Rollback),
        2 => any::<Sel>().prop_map(Stmt::Savepoint),
        1 => any::<Sel>().prop_map(Stmt::Release),
        1 => any::<Sel>().prop_map(Stmt::RollbackTo),
    ];
    let ddl = prop_oneof![3 => index().prop_map(Stmt::CreateIndex), 1 => any::<Sel>().prop_map(Stmt::DropIndex)];
    let kinds: Vec<(u32, BoxedStrategy<Stmt>)> = vec![
        (mix.insert, insert.boxed()),
        (mix.update, update.boxed()),
        (mix.delete, delete.boxed()),
        (mix.select, query(2).prop_map(|q| Stmt::Select(Box::new(q))).boxed()),
        (mix.transaction, transaction.boxed()),
        (mix.ddl, ddl.boxed()),
    ];
    proptest::strategy::Union::new_weighted(kinds.into_iter().filter(|(w, _)| *w > 0).collect()).boxed()
}

/// A case: a schema, a few INSERTs to start with, then `1..max` statements of `mix`.
pub fn case(mix: Mix, max: usize) -> BoxedStrategy<Case> {
    let insert_only = Mix { insert: 1, update: 0, delete: 0, select: 0, transaction: 0, ddl: 0 };
    (schema(), vec(statement(insert_only), 0..5), vec(statement(mix), 1..max))
        .prop_map(|(schema, mut first, rest)| {
            first.extend(rest);
            Case { schema, statements: first }
        })
        .boxed()
}
