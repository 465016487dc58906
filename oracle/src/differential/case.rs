//! Generated schemas and statement sequences, for the engine's `sql_differential.rs` tests and
//! the `sql_diff` fuzz target: a small tree of each statement ([`Case`]), drawn from a byte
//! tape ([`super::tape`]) and rendered to SQL against the generated schema by
//! [`super::render`]. The fuzz target draws a case from the fuzzer's input; the proptest
//! tests draw it from random bytes and shrink the bytes. One generator serves both, and a
//! fuzzer's mutation of a byte changes one choice of the case.
//!
//! The trees name tables, columns, indexes and savepoints by [`Sel`] numbers that the renderer
//! resolves modulo what exists where the name is used (the tables of the schema, the columns
//! of the row sources in scope), so that every tree the bytes draw is meaningful. The
//! vocabulary of values, operators, functions and collations is [`super::vocab`], which the
//! engine's `eval_*` tests use too.

use super::tape::Tape;
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
const SUBQUERY_AGGREGATES: &[&str] = &["count", "max", "min", "sum", "total", "avg"];
const JOINS: &[&str] = &[",", "JOIN", "INNER JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "CROSS JOIN", "NATURAL JOIN"];
const COMPOUNDS: &[&str] = &["UNION", "UNION ALL", "INTERSECT", "EXCEPT"];
const SHORT_TEXTS: &[&str] = &["'a'", "'b'", "'A'", "'ab'", "'a '", "'B'", "'x'", "''", "'1'", "'2.0'", "' 3'"];

// ---- the generator -----------------------------------------------------------------------
//
// Each function draws one node from the tape. Its options are listed simplest first (the
// least draw, which is also what a spent tape gives, picks a leaf, an empty list, no
// clause), and its weights are the generator's distribution when the tape is random.
// `depth` bounds the operators and nested queries below a node, so every case is finite
// and bounded whatever the bytes: at most 4 + (max - 1) statements ([`case`]), 3 tables of
// 5 columns, 3 indexes in the schema, and expressions `depth` levels deep.

/// A literal value as SQL text: small integers often (so that keys collide and joins match),
/// SQLite's edge values, reals, texts, blobs, NULL.
pub fn literal(t: &mut Tape) -> String {
    match t.weighted(&[30, 6, 3, 8, 5, 8, 14, 3, 5, 12]) {
        0 => (t.range(0..9) as i64 - 2).to_string(),
        1 => t.pick(INTEGERS).to_string(),
        2 => match t.i64() {
            i if i < 0 => format!("({i})"),
            i => i.to_string(),
        },
        3 => t.pick(REALS).to_string(),
        4 => format!("{:.1}", (t.range(0..16) as i64 - 8) as f64 / 2.0),
        5 => t.pick(TEXTS).to_string(),
        6 => t.pick(SHORT_TEXTS).to_string(),
        7 => format!("'{}'", pieces(t, SUBJECT_PIECES)),
        8 => t.pick(BLOBS).to_string(),
        _ => "NULL".to_string(),
    }
}

/// Up to three of `pieces`, concatenated.
fn pieces(t: &mut Tape, pieces: &[&str]) -> String {
    (0..t.range(0..4)).map(|_| t.pick(pieces)).collect()
}

/// `n` of `draw`, for `n` drawn from `count`.
fn list<T>(t: &mut Tape, count: std::ops::Range<usize>, mut draw: impl FnMut(&mut Tape) -> T) -> Vec<T> {
    let n = t.range(count);
    (0..n).map(|_| draw(t)).collect()
}

/// `draw`'s node with probability `percent` / 100, else None.
fn maybe<T>(t: &mut Tape, percent: usize, draw: impl FnOnce(&mut Tape) -> T) -> Option<T> {
    if t.chance(percent) { Some(draw(t)) } else { None }
}

fn leaf(t: &mut Tape) -> Expr {
    match t.weighted(&[4, 3]) {
        0 => Expr::Column(t.byte()),
        _ => Expr::Literal(literal(t)),
    }
}

/// An expression, at most `depth` levels of operators deep (subqueries count as levels).
pub fn expr(t: &mut Tape, depth: u32) -> Expr {
    if depth == 0 {
        return leaf(t);
    }
    let d = depth - 1;
    let sub = |t: &mut Tape| Box::new(expr(t, d));
    match t.weighted(&[10, 6, 4, 4, 1, 2, 3, 2, 3, 2, 1, 2, 3, 2, 2, 4, 1, 4]) {
        0 => leaf(t),
        1 => Expr::Binary(t.pick(COMPARISONS), sub(t), sub(t)),
        2 => Expr::Binary(t.pick(&["AND", "OR"]), sub(t), sub(t)),
        3 => Expr::Binary(t.pick(ARITHMETIC), sub(t), sub(t)),
        4 => Expr::Binary(t.pick(BINARY_OPS), sub(t), sub(t)),
        5 => Expr::Unary(t.pick(&["-", "+", "~", "NOT "]), sub(t)),
        6 => Expr::Postfix(sub(t), t.pick(POSTFIX)),
        7 => Expr::Between { e: sub(t), not: t.flip(), lo: sub(t), hi: sub(t) },
        8 => Expr::InList { e: sub(t), not: t.flip(), list: list(t, 0..5, |t| expr(t, d)) },
        9 => Expr::InSelect { e: sub(t), not: t.flip(), sub: Box::new(subquery(t, d)) },
        10 => Expr::Exists { not: t.flip(), sub: Box::new(subquery(t, d)) },
        11 => Expr::Scalar(Box::new(subquery(t, d))),
        12 => {
            let e = sub(t);
            let not = t.flip();
            let op = t.pick(&["LIKE", "LIKE", "GLOB"]);
            let pattern = match t.weighted(&[3, 1]) {
                0 => Box::new(Expr::Literal(format!("'{}'", pieces(t, PATTERN_PIECES)))),
                _ => sub(t),
            };
            let escape = maybe(t, 20, |t| t.pick(&["'\\'", "'%'", "'_'", "'x'"]));
            Expr::Like { e, not, op, pattern, escape: if op == "GLOB" { None } else { escape } }
        }
        13 => Expr::Case {
            operand: maybe(t, 50, sub),
            arms: list(t, 1..4, |t| (expr(t, d), expr(t, d))),
            otherwise: maybe(t, 50, sub),
        },
        14 => Expr::Cast(sub(t), t.pick(TYPES)),
        15 => {
            let (name, counts) = t.pick(FUNCTIONS);
            let n = t.pick(counts);
            Expr::Function(name, (0..n).map(|_| expr(t, d)).collect())
        }
        16 => Expr::Collate(sub(t), t.pick(COLLATIONS)),
        _ => Expr::Aggregate { f: t.pick(AGGREGATES), distinct: t.chance(20), arg: maybe(t, 80, sub) },
    }
}

pub fn subquery(t: &mut Tape, depth: u32) -> SubQuery {
    SubQuery {
        table: t.byte(),
        result: expr(t, depth.min(1)),
        aggregate: maybe(t, 60, |t| t.pick(SUBQUERY_AGGREGATES)),
        filter: maybe(t, 70, |t| expr(t, depth)),
    }
}

fn core(t: &mut Tape, depth: u32) -> Core {
    Core {
        distinct: t.chance(15),
        columns: list(t, 1..4, |t| match t.weighted(&[6, 1]) {
            0 => ResultColumn::Expr(expr(t, depth)),
            _ => ResultColumn::Star,
        }),
        from: maybe(t, 95, |t| from(t, depth)),
        filter: maybe(t, 60, |t| expr(t, depth)),
        group_by: match t.weighted(&[3, 1]) {
            0 => Vec::new(),
            _ => list(t, 1..3, |t| expr(t, depth)),
        },
        having: maybe(t, 20, |t| expr(t, depth)),
        aggregate: t.chance(15),
        qualify: t.chance(30),
    }
}

fn source(t: &mut Tape, depth: u32) -> Source {
    if depth == 0 || t.weighted(&[6, 1]) == 0 {
        Source::Table(t.byte())
    } else {
        Source::Subquery(Box::new(query(t, depth - 1)))
    }
}

fn from(t: &mut Tape, depth: u32) -> From {
    let first = source(t, depth);
    let joins = match t.weighted(&[4, 3]) {
        0 => Vec::new(),
        _ => list(t, 1..3, |t| {
            let kind = t.pick(JOINS);
            let source = source(t, depth);
            let on = match t.weighted(&[1, 4, 1]) {
                0 => JoinOn::None,
                1 => JoinOn::On(expr(t, depth.min(2))),
                _ => JoinOn::Using(t.byte()),
            };
            (kind, source, on)
        }),
    };
    From { first, joins }
}

/// A LIMIT or OFFSET: a small integer mostly.
fn small(t: &mut Tape) -> Expr {
    match t.weighted(&[6, 1]) {
        0 => Expr::Literal((t.range(0..7) as i64 - 1).to_string()),
        _ => Expr::Literal(literal(t)),
    }
}

/// A SELECT, `depth` bounding its expressions and nested queries.
pub fn query(t: &mut Tape, depth: u32) -> Query {
    Query {
        first: core(t, depth),
        compound: match t.weighted(&[5, 1]) {
            0 => Vec::new(),
            _ => list(t, 1..3, |t| (t.pick(COMPOUNDS), core(t, depth))),
        },
        order_by: match t.weighted(&[1, 2]) {
            0 => Vec::new(),
            _ => list(t, 1..3, |t| {
                let term = match t.flip() {
                    false => OrderTerm::Column(t.byte()),
                    true => OrderTerm::Expr(expr(t, depth.min(2))),
                };
                (term, t.flip())
            }),
        },
        limit: maybe(t, 30, |t| (small(t), maybe(t, 40, small))),
    }
}

fn conflict(t: &mut Tape) -> Conflict {
    use Conflict::*;
    [Default, Ignore, Replace, Abort, Fail, Rollback][t.weighted(&[8, 3, 3, 1, 1, 1])]
}

fn index(t: &mut Tape) -> Index {
    Index {
        table: t.byte(),
        unique: t.chance(30),
        columns: list(t, 1..4, |t| (t.byte(), t.chance(30), maybe(t, 15, |t| t.pick(COLLATIONS)))),
    }
}

fn column(t: &mut Tape) -> Column {
    Column {
        ty: t.pick(COLUMN_TYPES),
        not_null: t.chance(15),
        unique: t.chance(15),
        default: maybe(t, 20, literal),
        check: maybe(t, 12, |t| t.pick(CHECKS)),
        collate: maybe(t, 12, |t| t.pick(COLLATIONS)),
    }
}

fn table(t: &mut Tape) -> Table {
    Table {
        columns: list(t, 1..6, column),
        primary_key: match t.weighted(&[2, 3, 1]) {
            0 => None,
            1 => Some(PrimaryKey::Column { column: t.byte(), desc: t.chance(10) }),
            _ => Some(PrimaryKey::Table(vec![t.byte(), t.byte()])),
        },
        unique: maybe(t, 15, |t| list(t, 1..3, |t| t.byte())),
        check: maybe(t, 10, |t| (t.byte(), t.pick(CHECK_OPS), t.byte())),
    }
}

pub fn schema(t: &mut Tape) -> Schema {
    Schema { tables: list(t, 1..4, table), indexes: list(t, 0..4, index) }
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

const INSERT_ONLY: Mix = Mix { insert: 1, update: 0, delete: 0, select: 0, transaction: 0, ddl: 0 };

/// One statement of `mix` (at least one of its weights must be positive).
pub fn statement(t: &mut Tape, mix: Mix) -> Stmt {
    match t.weighted(&[mix.insert, mix.update, mix.delete, mix.select, mix.transaction, mix.ddl]) {
        0 => Stmt::Insert {
            conflict: conflict(t),
            table: t.byte(),
            columns: maybe(t, 40, |t| list(t, 1..5, |t| t.byte())),
            source: match t.weighted(&[8, 2, 1]) {
                0 => InsertSource::Values(list(t, 1..4, |t| list(t, 1..6, |t| expr(t, 1)))),
                1 => InsertSource::Select(Box::new(query(t, 1))),
                _ => InsertSource::DefaultValues,
            },
        },
        1 => Stmt::Update {
            conflict: conflict(t),
            table: t.byte(),
            sets: list(t, 1..3, |t| (t.byte(), expr(t, 2))),
            filter: maybe(t, 80, |t| expr(t, 2)),
        },
        2 => Stmt::Delete { table: t.byte(), filter: maybe(t, 90, |t| expr(t, 2)) },
        3 => Stmt::Select(Box::new(query(t, 2))),
        4 => match t.weighted(&[3, 2, 2, 2, 1, 1]) {
            0 => Stmt::Begin(t.pick(&["", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"])),
            1 => Stmt::Commit(t.pick(&["COMMIT", "END", "COMMIT TRANSACTION"])),
            2 => Stmt::Rollback,
            3 => Stmt::Savepoint(t.byte()),
            4 => Stmt::Release(t.byte()),
            _ => Stmt::RollbackTo(t.byte()),
        },
        _ => match t.weighted(&[3, 1]) {
            0 => Stmt::CreateIndex(index(t)),
            _ => Stmt::DropIndex(t.byte()),
        },
    }
}

/// A case: a schema, up to four INSERTs to start with, then `1..max` statements of `mix`.
pub fn case(t: &mut Tape, mix: Mix, max: usize) -> Case {
    let schema = schema(t);
    let mut statements = list(t, 0..5, |t| statement(t, INSERT_ONLY));
    statements.extend(list(t, 1..max.max(2), |t| statement(t, mix)));
    Case { schema, statements }
}

/// The case `bytes` draw.
pub fn from_bytes(bytes: &[u8], mix: Mix, max: usize) -> Case {
    case(&mut Tape::new(bytes), mix, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_tape(rng: &mut rand_chacha::ChaCha8Rng, size_bytes: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; size_bytes];
        rng.fill_bytes(&mut bytes);
        bytes
    }

    #[test]
    fn no_bytes_draw_the_smallest_case() {
        let case = from_bytes(&[], BALANCED, 20);
        assert_eq!(case.schema.tables.len(), 1);
        assert_eq!(case.schema.tables[0].columns.len(), 1);
        assert!(case.schema.indexes.is_empty());
        assert_eq!(case.statements.len(), 1, "no first inserts, one statement");
        assert!(
            matches!(&case.statements[0], Stmt::Insert { source: InsertSource::Values(rows), .. } if rows.len() == 1)
        );
    }

    #[test]
    fn random_tapes_draw_every_statement_kind_within_the_bounds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut kinds = [0usize; 6];
        for _ in 0..500 {
            let bytes = random_tape(&mut rng, 4096);
            let mut tape = Tape::new(&bytes);
            let case = case(&mut tape, BALANCED, 20);
            assert!(tape.remaining_bytes() > 0, "4096 bytes are more than a case reads");
            assert!((1..=3).contains(&case.schema.tables.len()));
            assert!(case.schema.indexes.len() <= 3);
            assert!((1..=4 + 19).contains(&case.statements.len()));
            for s in &case.statements {
                kinds[match s {
                    Stmt::Insert { .. } => 0,
                    Stmt::Update { .. } => 1,
                    Stmt::Delete { .. } => 2,
                    Stmt::Select(_) => 3,
                    Stmt::CreateIndex(_) | Stmt::DropIndex(_) => 5,
                    _ => 4,
                }] += 1;
            }
        }
        assert!(kinds.iter().all(|n| *n > 100), "every kind drawn often: {kinds:?}");
        assert!(kinds[0] > kinds[2] && kinds[3] > kinds[1], "the mix's weights show: {kinds:?}");
    }

    #[test]
    fn the_same_bytes_draw_the_same_case_a_changed_byte_another_and_a_spent_tape_reads_as_zeros() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let bytes = random_tape(&mut rng, 2048);
        let draw = |b: &[u8]| format!("{:?}", from_bytes(b, BALANCED, 20));
        assert_eq!(draw(&bytes), draw(&bytes));
        let mut changed = bytes.clone();
        changed[0] ^= 1;
        assert_ne!(draw(&bytes), draw(&changed));
        let short = &bytes[..300];
        let padded: Vec<u8> = short.iter().copied().chain([0; 3000]).collect();
        assert_eq!(draw(short), draw(&padded), "a spent tape reads as zeros");
    }
}
