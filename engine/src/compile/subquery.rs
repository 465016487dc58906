//! Subqueries (SQLite's `sqlite3CodeSubselect`, `sqlite3CodeRhsOfIN`, and FROM-clause
//! subqueries): a scalar subquery's value or EXISTS into a register, an IN subquery's rows
//! into an ephemeral index, a FROM subquery's rows into an ephemeral table. An uncorrelated
//! subquery runs once per statement execution (guarded by Once); a correlated one runs each
//! time its expression is evaluated.

use std::collections::BTreeSet;

use super::Compiler;
use super::query::{Query, SourceKind};
use super::select::Dest;
use crate::error::Result;
use crate::eval::ir::{Ir, Kind};
use crate::schema::Affinity;
use crate::vdbe::op::{Op, Reg};

impl Compiler<'_> {
    /// A scalar subquery's value (NULL without rows) or EXISTS (0 / 1) into `dest`.
    pub(super) fn subquery_value(&mut self, id: u32, exists: bool, dest: Reg) -> Result<()> {
        let q = self.take_query(id);
        let r = (|| {
            let result = self.b.reg();
            let done = self.b.label();
            let kind = if exists { "" } else { "SCALAR " };
            let corr = if q.correlated { "CORRELATED " } else { "" };
            self.plan_subquery_scope(format!("{corr}{kind}SUBQUERY"), |c| {
                if !q.correlated {
                    c.b.emit(Op::Once { target: done.addr() });
                }
                if exists {
                    c.b.emit(Op::Integer { dest: result, value: 0 });
                    c.query(&q, &Dest::Exists(result))
                } else {
                    c.b.emit(Op::Null { dest: result, count: 1 });
                    c.query(&q, &Dest::Mem(result))
                }
            })?;
            self.b.resolve(done);
            self.b.emit(Op::Copy { src: result, dest, count: 1 });
            Ok(())
        })();
        self.put_query(id, q);
        r
    }

    /// The rows of an IN subquery into the ephemeral index `cursor` (already open).
    pub(super) fn subquery_set(&mut self, id: u32, cursor: u32, affinity: Option<Affinity>) -> Result<()> {
        let q = self.take_query(id);
        let corr = if q.correlated { "CORRELATED " } else { "" };
        let r =
            self.plan_subquery_scope(format!("{corr}LIST SUBQUERY"), |c| c.query(&q, &Dest::Set { cursor, affinity }));
        self.put_query(id, q);
        r
    }

    /// Fills the ephemeral table of a FROM subquery (or view), once unless correlated.
    pub(super) fn materialize(&mut self, id: u32, cursor: u32, name: &str) -> Result<()> {
        let q = self.take_query(id);
        let r = (|| {
            let done = self.b.label();
            if !q.correlated {
                self.b.emit(Op::Once { target: done.addr() });
            }
            self.b.emit(Op::OpenEphemeral { cursor, key_info: None });
            let label =
                if name.is_empty() { "MATERIALIZE (subquery)".to_string() } else { format!("MATERIALIZE {name}") };
            self.plan_subquery_scope(label, |c| c.query(&q, &Dest::Table { cursor }))?;
            self.b.resolve(done);
            Ok(())
        })();
        self.put_query(id, q);
        r
    }

    /// Runs `f` with new EXPLAIN QUERY PLAN rows placed under a row `detail`.
    fn plan_subquery_scope(&mut self, detail: String, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        self.plan_subquery_count += 1;
        let n = self.plan_subquery_count;
        let detail = if detail.starts_with("MATERIALIZE") { detail } else { format!("{detail} {n}") };
        let row = self.plan_row(detail);
        let saved = std::mem::replace(&mut self.plan_parent, row);
        let r = f(self);
        self.plan_parent = saved;
        r
    }

    /// Takes a subquery out of the table while it is compiled (it is put back after), so the
    /// compiler can be borrowed mutably meanwhile.
    fn take_query(&mut self, id: u32) -> Query {
        std::mem::replace(&mut self.subqueries.queries[id as usize], Query::placeholder())
    }

    fn put_query(&mut self, id: u32, q: Query) {
        self.subqueries.queries[id as usize] = q;
    }

    /// Every cursor a query reads, including those of the subqueries inside it.
    pub(super) fn query_refs(&self, q: &Query, out: &mut BTreeSet<u32>) {
        let mut todo: Vec<&Query> = vec![q];
        while let Some(q) = todo.pop() {
            for ir in self.query_exprs(q, &mut todo) {
                for n in &ir.nodes {
                    match &n.kind {
                        Kind::Ref(r) => {
                            out.insert(r.source);
                        }
                        Kind::Subquery { id, .. } | Kind::InSubquery { id, .. } => todo.push(self.subqueries.get(*id)),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Every (cursor, column) an expression reads, inside its subqueries too.
    pub(super) fn expr_columns(&self, ir: &Ir, out: &mut BTreeSet<(u32, Option<u32>)>) {
        let mut queries: Vec<&Query> = Vec::new();
        collect_columns(ir, out, &mut queries, self);
        while let Some(q) = queries.pop() {
            for ir in self.query_exprs(q, &mut queries) {
                collect_columns(ir, out, &mut queries, self);
            }
        }
    }

    /// The expressions of query `q` itself (every core's WHERE, result, VALUES, GROUP BY,
    /// HAVING and ON clauses; ORDER BY, LIMIT and OFFSET); the subqueries of its FROM clauses
    /// are pushed on `nested` (those inside the expressions are not: the caller finds them).
    fn query_exprs<'q>(&'q self, q: &'q Query, nested: &mut Vec<&'q Query>) -> Vec<&'q Ir> {
        let mut irs: Vec<&Ir> = Vec::new();
        for c in &q.cores {
            irs.extend(c.where_clause.iter());
            irs.extend(c.result.iter());
            irs.extend(c.values.iter().flatten());
            irs.extend(c.group_by.iter());
            irs.extend(c.having.iter());
            for s in &c.sources {
                irs.extend(s.on.iter());
                if let SourceKind::Subquery(id) = s.kind {
                    nested.push(self.subqueries.get(id));
                }
            }
        }
        irs.extend(q.order_by.iter().map(|t| &t.expr));
        irs.extend(q.limit.iter());
        irs.extend(q.offset.iter());
        irs
    }
}

fn collect_columns<'a>(
    ir: &Ir,
    out: &mut BTreeSet<(u32, Option<u32>)>,
    queries: &mut Vec<&'a Query>,
    c: &'a Compiler<'_>,
) {
    for n in &ir.nodes {
        match &n.kind {
            Kind::Ref(r) => {
                out.insert((r.source, r.column));
            }
            Kind::Subquery { id, .. } | Kind::InSubquery { id, .. } => queries.push(c.subqueries.get(*id)),
            _ => {}
        }
    }
}

impl Query {
    /// An empty query standing in while the real one is being compiled.
    pub(crate) fn placeholder() -> Query {
        Query {
            cores: Vec::new(),
            ops: Vec::new(),
            order_by: Vec::new(),
            limit: None,
            offset: None,
            columns: Vec::new(),
            correlated: false,
        }
    }
}
