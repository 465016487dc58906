//! WHERE analysis (SQLite's whereexpr.c): AND-terms, their prerequisites, and the
//! constraints they offer to access paths.

use std::collections::BTreeSet;

use crate::compile::Compiler;
use crate::compile::query::{Core, JoinType};
use crate::eval::affinity::comparison_affinity;
use crate::eval::ir::{Ir, Kind, NodeId};
use crate::format::value::Collation;
use crate::schema::Affinity;
use crate::sql::ast::BinaryOp;

/// One AND-term of the WHERE clause or of a LEFT JOIN's ON clause.
#[derive(Debug)]
pub(crate) struct Term<'a> {
    pub ir: &'a Ir,
    pub node: NodeId,
    /// The core's sources it reads (bit i: source i), subqueries included.
    pub prereq: u64,
    /// It reads something other than this core's sources and constants: an outer query's
    /// row, a parameter is fine; a subquery or non-deterministic function is not constant.
    pub constant: bool,
    /// A LEFT JOIN's ON term: tested at that source's level only.
    pub on_level: Option<usize>,
    /// The constraints it offers.
    pub constraints: Vec<Constraint>,
}

/// A constraint on one column (or the rowid) of one source.
#[derive(Clone, Debug)]
pub(crate) struct Constraint {
    pub source: usize,
    /// The column; None for the rowid (or an INTEGER PRIMARY KEY).
    pub column: Option<u32>,
    pub op: ConstraintOp,
    /// The other side: an expression, or for IN the IN node itself; None for IS NULL.
    pub rhs: Option<NodeId>,
    /// The sources the other side reads.
    pub rhs_prereq: u64,
    /// The comparison's affinity and collation (for index compatibility).
    pub affinity: Option<Affinity>,
    pub collation: Collation,
    /// The constraint is the whole term (so a path using it need not test the term again).
    pub whole: bool,
    /// The column is the right operand of a comparison whose left operand is a column of
    /// this core too: SQLite analyses such a constraint as a virtual copy of the term added
    /// after all others (exprAnalyze runs over the terms last to first), which decides the
    /// column order of an automatic index.
    pub virtual_copy: bool,
    /// SQLite's TERM_VNULL: the `x > NULL` that exprAnalyze adds for `x IS NOT NULL` (x a
    /// column other than the rowid, the term not in a LEFT JOIN's ON clause), so that an
    /// index on x can skip its NULLs. Its bound is NULL itself (`rhs` is None), it does not
    /// narrow the row estimate (whereRangeAdjust), and an index column declared NOT NULL
    /// ignores it (indexColumnNotNull).
    pub vnull: bool,
}

/// The comparison a constraint makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConstraintOp {
    Eq,
    Is,
    IsNull,
    In,
    Lt,
    Le,
    Gt,
    Ge,
}

impl ConstraintOp {
    pub fn is_equality(self) -> bool {
        matches!(self, ConstraintOp::Eq | ConstraintOp::Is | ConstraintOp::IsNull | ConstraintOp::In)
    }

    pub fn is_lower(self) -> bool {
        matches!(self, ConstraintOp::Gt | ConstraintOp::Ge)
    }

    pub fn is_upper(self) -> bool {
        matches!(self, ConstraintOp::Lt | ConstraintOp::Le)
    }

    /// The operator seen from the other side (`5 < x` is `x > 5`).
    fn commuted(self) -> ConstraintOp {
        match self {
            ConstraintOp::Lt => ConstraintOp::Gt,
            ConstraintOp::Le => ConstraintOp::Ge,
            ConstraintOp::Gt => ConstraintOp::Lt,
            ConstraintOp::Ge => ConstraintOp::Le,
            other => other,
        }
    }
}

/// Splits the WHERE clause and the LEFT JOIN ON clauses of `core` into terms.
pub(crate) fn split_terms<'a>(c: &Compiler<'_>, core: &'a Core) -> Vec<Term<'a>> {
    let mut out = Vec::new();
    let mut roots: Vec<(&'a Ir, Option<usize>)> = Vec::new();
    if let Some(w) = &core.where_clause {
        roots.push((w, None));
    }
    for (i, s) in core.sources.iter().enumerate() {
        if s.join == JoinType::Left
            && let Some(on) = &s.on
        {
            roots.push((on, Some(i)));
        }
    }
    for (ir, on_level) in roots {
        // Split on AND as `sqlite3WhereSplit` does: an operand known true or false is a term
        // of its own like any other, so that a constant beside it is still coded before the
        // loops (and raises its error there).
        let mut stack = vec![ir.root];
        let mut nodes = Vec::new();
        while let Some(n) = stack.pop() {
            match ir.kind(n) {
                Kind::Binary(BinaryOp::And, l, r) => {
                    stack.push(*r);
                    stack.push(*l);
                }
                _ => nodes.push(n),
            }
        }
        for node in nodes {
            let (prereq, constant) = term_prereq(c, core, ir, node);
            let constraints = constraints_of(c, core, ir, node, on_level.is_some());
            out.push(Term { ir, node, prereq, constant, on_level, constraints });
        }
    }
    out
}

/// The sources of `core` an expression reads (subqueries included), and whether it is a
/// constant of the statement (no column of any query, no subquery, deterministic).
pub(crate) fn term_prereq(c: &Compiler<'_>, core: &Core, ir: &Ir, node: NodeId) -> (u64, bool) {
    let mut cursors = BTreeSet::new();
    let mut constant = true;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match ir.kind(n) {
            Kind::Ref(r) => {
                cursors.insert(r.source);
                constant = false;
            }
            Kind::Subquery { id, .. } | Kind::InSubquery { id, .. } => {
                c.query_refs(c.subqueries.get(*id), &mut cursors);
                constant = false;
            }
            Kind::Function { .. } if !crate::eval::ir::ir_is_constant(ir, n) => constant = false,
            _ => {}
        }
        stack.extend(ir.walk_children(n));
    }
    (mask_of(core, &cursors), constant)
}

/// The bit mask of the core's sources among `cursors`.
pub(crate) fn mask_of(core: &Core, cursors: &BTreeSet<u32>) -> u64 {
    let mut m = 0u64;
    for (i, s) in core.sources.iter().enumerate() {
        if cursors.contains(&s.cursor) {
            m |= 1 << i;
        }
    }
    m
}

/// The source and column a node is, if it is a plain column reference of this core.
fn column_of(core: &Core, ir: &Ir, mut node: NodeId) -> Option<(usize, Option<u32>)> {
    // exprMightBeIndexed: a COLLATE on the column is skipped (its collation is the term's).
    while let Kind::Collate { operand, .. } = ir.kind(node) {
        node = *operand;
    }
    let Kind::Ref(r) = ir.kind(node) else { return None };
    core.sources.iter().position(|s| s.cursor == r.source).map(|i| (i, r.column))
}

/// The constraints a term offers (`outer_on`: the term is a LEFT JOIN's ON term).
fn constraints_of(c: &Compiler<'_>, core: &Core, ir: &Ir, node: NodeId, outer_on: bool) -> Vec<Constraint> {
    let mut out = Vec::new();
    let side = |col_node: NodeId, other: Option<NodeId>, op: ConstraintOp, whole: bool, out: &mut Vec<Constraint>| {
        let virtual_copy = op != ConstraintOp::In
            && other.is_some_and(|o| column_of(core, ir, o).is_some())
            && matches!(ir.kind(node), Kind::Binary(_, _, r) if *r == col_node);
        let Some((source, column)) = column_of(core, ir, col_node) else { return };
        if column.is_none()
            && crate::planted::active(crate::planted::Bug::RowidAliasIgnored)
            && core.sources[source].table().is_some_and(|t| t.def.rowid_alias.is_some())
        {
            // Planted bug: no rowid seek on a table with an INTEGER PRIMARY KEY.
            return;
        }
        // For IN, `other` is the IN node itself (it contains the column): the caller works
        // out the prerequisites of the list or subquery alone.
        let rhs_prereq = match other {
            Some(o) if op != ConstraintOp::In => term_prereq(c, core, ir, o).0,
            _ => 0,
        };
        if rhs_prereq & (1 << source) != 0 {
            return;
        }
        let (affinity, collation) = match other {
            Some(o) if op != ConstraintOp::In => (
                comparison_affinity(ir.affinity(col_node), ir.affinity(o)),
                match ir.compare_collation(col_node, o) {
                    Ok(c) => c,
                    Err(_) => return,
                },
            ),
            _ => (ir.affinity(col_node), ir.collation(col_node).ok().flatten().unwrap_or_default()),
        };
        let vnull = false;
        out.push(Constraint {
            source,
            column,
            op,
            rhs: other,
            rhs_prereq,
            affinity,
            collation,
            whole,
            virtual_copy,
            vnull,
        });
    };
    match ir.kind(node) {
        Kind::Binary(op, l, r) => {
            let cop = match op {
                BinaryOp::Eq => ConstraintOp::Eq,
                BinaryOp::Is => ConstraintOp::Is,
                BinaryOp::Lt => ConstraintOp::Lt,
                BinaryOp::Le => ConstraintOp::Le,
                BinaryOp::Gt => ConstraintOp::Gt,
                BinaryOp::Ge => ConstraintOp::Ge,
                _ => return out,
            };
            if matches!(ir.kind(*l), Kind::Vector(_)) || matches!(ir.kind(*r), Kind::Vector(_)) {
                return out;
            }
            // `x IS NULL` written as IS with a NULL literal is already IsNull in the IR.
            side(*l, Some(*r), cop, true, &mut out);
            side(*r, Some(*l), cop.commuted(), true, &mut out);
        }
        Kind::IsNull { negated: false, operand } => side(*operand, None, ConstraintOp::IsNull, true, &mut out),
        Kind::IsNull { negated: true, operand } if !outer_on && matches!(ir.kind(*operand), Kind::Ref(_)) => {
            side(*operand, None, ConstraintOp::Gt, true, &mut out);
            out.retain(|k| k.column.is_some());
            out.iter_mut().for_each(|k| k.vnull = true);
        }
        Kind::Between { operand, low, high } => {
            // SQLite splits `x BETWEEN lo AND hi` into the virtual terms `x >= lo` and
            // `x <= hi` and analyses each as a comparison, whose either side may be the
            // column: `2 BETWEEN e AND 9` constrains e by `e <= 2`.
            side(*operand, Some(*low), ConstraintOp::Ge, false, &mut out);
            side(*low, Some(*operand), ConstraintOp::Le, false, &mut out);
            side(*operand, Some(*high), ConstraintOp::Le, false, &mut out);
            side(*high, Some(*operand), ConstraintOp::Ge, false, &mut out);
        }
        Kind::In { operand, items } if !matches!(ir.kind(*operand), Kind::Vector(_)) => {
            let mut cons = Vec::new();
            side(*operand, Some(node), ConstraintOp::In, true, &mut cons);
            // The list's own prerequisites (items reading other sources).
            for mut k in cons {
                k.rhs_prereq = items.iter().fold(0, |m, &i| m | term_prereq(c, core, ir, i).0);
                if k.rhs_prereq & (1 << k.source) == 0 {
                    out.push(k);
                }
            }
        }
        Kind::InSubquery { operand, id } if !matches!(ir.kind(*operand), Kind::Vector(_)) => {
            let mut cons = Vec::new();
            side(*operand, Some(node), ConstraintOp::In, true, &mut cons);
            let mut cursors = BTreeSet::new();
            let q = c.subqueries.get(*id);
            c.query_refs(q, &mut cursors);
            let pre = mask_of(core, &cursors);
            // comparisonAffinity of IN (SELECT ...): the subquery's first column (of its last
            // SELECT) against the left side.
            let rhs_affinity = q.cores.last().and_then(|core| core.result.first()).and_then(|r| r.affinity(r.root));
            for mut k in cons {
                k.rhs_prereq = pre;
                k.affinity = comparison_affinity(rhs_affinity, ir.affinity(*operand));
                if pre & (1 << k.source) == 0 {
                    out.push(k);
                }
            }
        }
        _ => {}
    }
    out
}
