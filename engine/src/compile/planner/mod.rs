//! The query planner (SQLite's where.c, whereexpr.c, wherecode.c): the loops that join a
//! core's sources, the access path of each, and where each WHERE / ON term is tested.
//!
//! 1. Analysis (`terms`): the WHERE clause and the LEFT JOINs' ON clauses are split into
//!    AND-terms; each knows the sources it reads (its prerequisites) and, when it compares a
//!    column of one source with an expression of others, is a candidate constraint for that
//!    source's access path.
//! 2. Choice (`choose`, `solver`, `order`): sources are placed outermost first; at each step
//!    every source that may go next is costed with the access paths the sources already
//!    placed allow — rowid equality, a unique index fully matched, rowid IN, index equality
//!    prefix (with an IN, with a range), rowid range, index range, covering index scan,
//!    scan, automatic index (its one-time build cost counted once per path) — and the
//!    cheapest paths are kept; with an ORDER BY, a path is also charged the sort its order
//!    leaves. LEFT and CROSS joins keep their sources after those to their left.
//! 3. Code (`code`): each level opens its loop; every term is tested at the first level where
//!    its prerequisites are met (a LEFT JOIN's ON terms at that join's level only); a term the
//!    access path already enforces is not tested again.
//! 4. EXPLAIN QUERY PLAN text in SQLite's words (`explain`).

mod choose;
mod code;
mod explain;
mod logest;
mod order;
mod solver;
mod terms;

pub(crate) use choose::{index_width_logest, table_width_logest};
pub(crate) use code::{OnePass, WhereInfo};
pub(crate) use solver::Order;

/// The most sources one core may join (SQLite's 64-table limit: a bitmask each).
pub(crate) const MAX_SOURCES: usize = 64;

/// How one source is read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Access {
    /// Every row, in rowid order (or the order of the ephemeral table).
    Scan,
    /// Every entry of a covering index, in index order.
    CoveringScan { index: usize },
    /// The row with the rowid given by a term.
    RowidEq { term: ConsRef },
    /// The rows whose rowids an IN term lists.
    RowidIn { term: ConsRef },
    /// A rowid range.
    RowidRange { lower: Option<ConsRef>, upper: Option<ConsRef> },
    /// An index: equality on a prefix of its columns (`eq`, constraints in column order; an
    /// IN constraint loops over its values), then an optional range on the next column.
    Index { index: usize, eq: Vec<ConsRef>, lower: Option<ConsRef>, upper: Option<ConsRef>, covering: bool },
    /// An automatic index (SQLite's WHERE_AUTO_INDEX): built once per statement from a scan
    /// of the table, keyed by the columns of `eq` (`=` or `IS` constraints, one per column,
    /// in SQLite's order) followed by the table columns of `extra` and the rowid, so that it
    /// covers every column the statement reads of the table; then searched like an index.
    AutoIndex { eq: Vec<ConsRef>, extra: Vec<u32> },
}

/// One constraint of one term: `(term index, index in the term's constraints)`. A term may
/// offer several (BETWEEN: a lower and an upper bound; `a = b`: one per side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConsRef {
    pub term: usize,
    pub k: usize,
}

/// A source's place in the join order with its access path.
#[derive(Clone, Debug)]
pub(crate) struct LoopPlan {
    /// Index of the source in the core.
    pub source: usize,
    pub access: Access,
    /// Scan backwards (ORDER BY ... DESC satisfied by a reverse scan).
    pub reverse: bool,
}
