//! NOT NULL strength reduction (resolveExprStep's TK_ISNULL / TK_NOTNULL case): in a WHERE
//! clause, `x IS NULL` and `x IS NOT NULL` of an `x` that cannot be NULL are the integers 0
//! and 1.
//!
//! SQLite makes the change while it resolves names, and only where every name context from
//! the expression outwards is a WHERE clause (NC_Where): a SELECT's WHERE, with the ON
//! clauses its joins moved there, the WHERE of a subquery in such a WHERE, or of a FROM
//! subquery of such a SELECT. Elsewhere (result columns, HAVING, an UPDATE's or DELETE's
//! WHERE, CHECK constraints) the query may be an aggregate whose NOT NULL column still reads
//! as NULL on an empty input, or SQLite does not look. The constant term then decides before
//! any loop runs whether there is a row at all: a query whose WHERE says `c IS NULL` of a
//! NOT NULL column reads no page.
//!
//! `x` cannot be NULL (sqlite3ExprCanBeNull) when, under unary `+` / `-`, it is a non-NULL
//! literal or a column declared NOT NULL (or the rowid) of a source that is not the right
//! side of a LEFT JOIN. A column of an enclosing query is left alone: SQLite would also undo
//! the reference's count of the enclosing query, which the engine's correlation marks do not
//! allow, so it keeps the test (the same rows, at a cost).

use crate::compile::query::Source;
use crate::eval::ir::{Ir, Kind, NodeId};
use crate::format::value::Value;
use crate::sql::ast::UnaryOp;

/// Whether `id` of `ir` cannot be NULL as sqlite3ExprCanBeNull sees it, and reads nothing
/// but `sources`.
fn never_null(ir: &Ir, mut id: NodeId, sources: &[Source]) -> bool {
    loop {
        match ir.kind(id) {
            Kind::Unary(UnaryOp::Plus | UnaryOp::Neg, x) => id = *x,
            Kind::Literal { value, .. } => return !matches!(value, Value::Null),
            Kind::Ref(r) => return r.not_null && sources.iter().any(|s| s.cursor == r.source),
            _ => return false,
        }
    }
}

/// Replaces every `x IS [NOT] NULL` of `where_clause` whose `x` cannot be NULL by 0 (1 for
/// IS NOT NULL). `where_clause` reads the sources `sources` of its SELECT. Linear in the
/// expression's nodes.
pub(super) fn reduce_is_null(where_clause: &mut Ir, sources: &[Source]) {
    for id in 0..where_clause.nodes.len() {
        let Kind::IsNull { negated, operand } = *where_clause.kind(id) else { continue };
        if !never_null(where_clause, operand, sources) {
            continue;
        }
        let node = &mut where_clause.nodes[id];
        node.kind = Kind::Literal { value: Value::Integer(i64::from(negated)), float_token: false, small_int: false };
        node.collate = false;
        node.has_func = false;
        node.always = None;
        node.parse_always = None;
    }
}
