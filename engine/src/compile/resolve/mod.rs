//! Name resolution: a SELECT's syntax tree to a resolved [`Query`] (SQLite's
//! `sqlite3SelectPrep`: `sqlite3SelectExpand` and `sqlite3ResolveSelectNames`).
//!
//! Each row source gets a cursor number; each column name becomes a [`ColRef`] to one;
//! `*` is expanded; result-column aliases are substituted where SQLite allows them (WHERE,
//! GROUP BY, HAVING, ORDER BY); ORDER BY and GROUP BY terms that are numbers or aliases refer
//! to result columns; subqueries in expressions are resolved into the statement's table of
//! [`Subqueries`], marked correlated when they read an enclosing query's row.
//!
//! The order of resolution, and so which error is reported first, is SQLite's: the cores of a
//! compound from the last to the first; within a core LIMIT, FROM subqueries, the result
//! columns, HAVING, WHERE (with the ON clauses after it), ORDER BY, GROUP BY.
//!
//! - `from`: FROM clauses: tables, views, subqueries, joins, `*`.
//! - `names`: looking up one name in the scopes.

mod from;
mod height;
mod names;
mod notnull;

use std::cell::Cell;

use super::query::{Core, JoinType, OrderTerm, OutColumn, Query, Source, SourceKind, Subqueries};
use crate::error::{Error, ErrorCode, Result};
use crate::eval::constant::check::function_error;
use crate::eval::ir::{Ir, Kind, NodeId, lower_for_compile};
use crate::format::value::{Collation, Value};
use crate::sql::ast::{self, Expr, Literal, ResultColumn, SelectCore, SortOrder};
use crate::storage::Catalog;

pub(crate) use names::is_rowid_name;

use crate::sql::parser::MAX_EXPR_DEPTH;

/// The most subqueries and views nested in one another (SQLite's parser bounds the nesting
/// of its grammar; this bounds the compiler's recursion whatever the parser accepts).
pub(crate) const MAX_QUERY_DEPTH: usize = 200;

/// Builds resolved queries for one statement.
pub(crate) struct Resolver<'c> {
    pub catalog: &'c Catalog,
    /// The next free cursor number.
    pub next_cursor: u32,
    pub subqueries: Subqueries,
    /// Views being expanded, innermost last (a view that names itself is an error).
    views: Vec<String>,
    depth: usize,
    /// The heights of the expressions being resolved, one inside another (SQLite's
    /// `Parse.nHeight` during name resolution).
    height: u32,
    /// Every expression context enclosing the one being resolved is a SELECT's WHERE (the
    /// NC_Where chain of NOT NULL strength reduction, `notnull`); true outside any.
    where_chain: bool,
}

/// A result-column alias usable by name in WHERE, GROUP BY, HAVING and ORDER BY.
#[derive(Clone, Copy)]
pub(crate) struct Alias<'a> {
    pub name: &'a str,
    pub expr: &'a Expr,
}

/// The names visible to an expression: the sources of its SELECT, the aliases of its result
/// columns where allowed, and the enclosing SELECTs' scopes.
pub(crate) struct Scope<'s> {
    pub sources: &'s [Source],
    pub aliases: &'s [Alias<'s>],
    pub parent: Option<&'s Scope<'s>>,
    /// Set when a name resolves in an enclosing scope: this SELECT is correlated.
    pub correlated: Cell<bool>,
}

impl<'s> Scope<'s> {
    pub fn new(sources: &'s [Source], aliases: &'s [Alias<'s>], parent: Option<&'s Scope<'s>>) -> Scope<'s> {
        Scope { sources, aliases, parent, correlated: Cell::new(false) }
    }
}

/// What an expression may contain where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ExprCtx {
    /// Aggregate functions are allowed (result columns, HAVING, ORDER BY of an aggregate).
    pub allow_agg: bool,
    /// Result-column aliases are visible.
    pub aliases: bool,
}

impl ExprCtx {
    pub const PLAIN: ExprCtx = ExprCtx { allow_agg: false, aliases: false };
}

fn err(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Error, message)
}

impl<'c> Resolver<'c> {
    pub fn new(catalog: &'c Catalog) -> Resolver<'c> {
        Resolver {
            catalog,
            next_cursor: 0,
            subqueries: Subqueries::default(),
            views: Vec::new(),
            depth: 0,
            height: 0,
            where_chain: true,
        }
    }

    /// A new cursor number.
    pub fn cursor(&mut self) -> u32 {
        self.next_cursor += 1;
        self.next_cursor - 1
    }

    /// Resolves a SELECT in the scope `outer` (None at the top level) and stores it; returns
    /// its id.
    pub fn select(&mut self, select: &ast::Select, outer: Option<&Scope<'_>>) -> Result<u32> {
        let q = self.query(select, outer)?;
        self.subqueries.queries.push(q);
        Ok((self.subqueries.queries.len() - 1) as u32)
    }

    /// Resolves a SELECT into a [`Query`].
    pub fn query(&mut self, select: &ast::Select, outer: Option<&Scope<'_>>) -> Result<Query> {
        if self.depth >= MAX_QUERY_DEPTH {
            return Err(err("too many levels of nested subqueries"));
        }
        self.depth += 1;
        let r = self.query_inner(select, outer);
        self.depth -= 1;
        r
    }

    fn query_inner(&mut self, select: &ast::Select, outer: Option<&Scope<'_>>) -> Result<Query> {
        if select.with.is_some() {
            return Err(err("WITH clauses are not supported yet"));
        }
        let (limit, offset) = match &select.limit {
            None => (None, None),
            Some(l) => {
                let limit = self.plain_expr(&l.limit)?;
                let offset = l.offset.as_ref().map(|o| self.plain_expr(o)).transpose()?;
                (Some(limit), offset)
            }
        };
        let cores_ast: Vec<(Option<ast::CompoundOp>, &SelectCore)> = select.cores().collect();
        let compound = cores_ast.len() > 1;
        // Resolve the cores right to left, as SQLite walks pPrior; put them back in order.
        let mut cores: Vec<Option<Core>> = (0..cores_ast.len()).map(|_| None).collect();
        let mut order_by = Vec::new();
        let mut correlated = false;
        for i in (0..cores_ast.len()).rev() {
            let last = i == cores_ast.len() - 1;
            let own_order = if !compound && last { &select.order_by[..] } else { &[] };
            let (core, terms, corr) = self.core(cores_ast[i].1, outer, own_order)?;
            // A compound's ORDER BY reaches every arm (multiSelectOrderBy).
            self.omit_subquery_order(&core, !select.order_by.is_empty());
            correlated |= corr;
            if !compound {
                order_by = terms;
            }
            if i + 1 < cores_ast.len() {
                let next = cores[i + 1].as_ref().expect("resolved");
                if next.result.len() != core.result.len() {
                    let op = cores_ast[i + 1].0.expect("compound operator");
                    return Err(err(format!(
                        "SELECTs to the left and right of {} do not have the same number of result columns",
                        compound_name(op)
                    )));
                }
            }
            cores[i] = Some(core);
        }
        let cores: Vec<Core> = cores.into_iter().map(|c| c.expect("resolved")).collect();
        let columns = out_columns(cores_ast[0].1, &cores[0]);
        if compound && !select.order_by.is_empty() {
            order_by = self.compound_order_by(&select.order_by, &cores_ast, &cores)?;
        }
        let ops = cores_ast.iter().skip(1).map(|(op, _)| op.expect("compound operator")).collect();
        Ok(Query { cores, ops, order_by, limit, offset, columns, correlated })
    }

    /// Drops the ORDER BY of the FROM subqueries of `core` where it cannot change the result
    /// (sqlite3Select, tag-select-0230): the outer query is ordered itself (`outer_ordered`)
    /// or a join, the subquery has no LIMIT and is not an aggregate, and the outer query has
    /// no aggregate whose value depends on row order (anything but count, min and max). An
    /// ORDER BY dropped this way is never computed, nor are its errors raised.
    fn omit_subquery_order(&mut self, core: &Core, outer_ordered: bool) {
        if !outer_ordered && core.sources.len() < 2 {
            return;
        }
        let order_agg = core.aggregate
            && core.result.iter().any(|ir| {
                ir.nodes.iter().any(|n| match &n.kind {
                    Kind::Function { name, args, .. } => {
                        crate::eval::scalar::lookup(name, args.len())
                            .is_ok_and(|d| d.kind == crate::eval::scalar::FunctionKind::Aggregate)
                            && !["count", "min", "max"].iter().any(|f| name.eq_ignore_ascii_case(f))
                    }
                    _ => false,
                })
            });
        if order_agg {
            return;
        }
        for source in &core.sources {
            if let SourceKind::Subquery(id) = source.kind {
                let q = &mut self.subqueries.queries[id as usize];
                if q.limit.is_none() && !q.cores.last().is_some_and(|c| c.aggregate) {
                    q.order_by.clear();
                }
            }
        }
    }

    /// An expression that may name nothing (LIMIT, OFFSET).
    fn plain_expr(&mut self, e: &Expr) -> Result<Ir> {
        let scope = Scope::new(&[], &[], None);
        let (ir, _) = self.expr(e, &scope, ExprCtx::PLAIN)?;
        Ok(ir)
    }

    /// Resolves one core; returns it with its ORDER BY terms (for a simple select) and
    /// whether it is correlated.
    fn core(
        &mut self,
        core: &SelectCore,
        outer: Option<&Scope<'_>>,
        order_by: &[ast::OrderingTerm],
    ) -> Result<(Core, Vec<OrderTerm>, bool)> {
        let sel = match core {
            SelectCore::Values(rows) => return self.values(rows, outer, order_by),
            SelectCore::Select(s) => s,
        };
        if !sel.windows.is_empty() {
            return Err(err("window functions are not supported yet"));
        }
        // FROM subqueries see the contexts enclosing this SELECT; its other expressions are
        // contexts of their own, WHERE (and the ON clauses, part of it) among them.
        let outer_where = self.where_chain;
        let (sources, join_terms) = self.from(sel.from.as_ref(), outer)?;
        self.where_chain = false;
        let scope = Scope::new(&sources, &[], outer);
        // Result columns, `*` expanded.
        let items = self.result_items(&sel.columns, &sources)?;
        if items.len() > crate::sql::parser::MAX_COLUMN {
            // selectExpander, after `*` is expanded (SQLITE_LIMIT_COLUMN).
            return Err(err("too many columns in result set"));
        }
        let mut result = Vec::with_capacity(items.len());
        let mut names = Vec::with_capacity(items.len());
        let mut has_agg = false;
        for item in &items {
            let (ir, agg, name, decltype) = self.result_item(item, &scope, &sources)?;
            has_agg |= agg;
            result.push(ir);
            names.push((name, decltype));
        }
        let aggregate = has_agg || !sel.group_by.is_empty();
        let aliases: Vec<Alias<'_>> = sel
            .columns
            .iter()
            .filter_map(|c| match c {
                ResultColumn::Expr { expr, alias: Some(a), .. } => Some(Alias { name: a.as_str(), expr }),
                _ => None,
            })
            .collect();
        let scope = Scope { sources: &sources, aliases: &aliases, parent: outer, correlated: scope.correlated };
        let having = match &sel.having {
            None => None,
            Some(h) => {
                if !aggregate {
                    return Err(err("HAVING clause on a non-aggregate query"));
                }
                Some(self.expr(h, &scope, ExprCtx { allow_agg: true, aliases: true })?.0)
            }
        };
        self.where_chain = outer_where;
        let mut where_clause = match &sel.where_clause {
            None => None,
            Some(w) => Some(self.expr(w, &scope, ExprCtx { allow_agg: false, aliases: true })?.0),
        };
        let mut resolved_joins = Vec::with_capacity(join_terms.len());
        for t in join_terms {
            let on = match &t.on {
                None => None,
                Some(e) => {
                    let (mut ir, _) = self.expr(e, &scope, ExprCtx { allow_agg: false, aliases: true })?;
                    self.check_on_clause(&ir, &sources, t.index)?;
                    if outer_where {
                        notnull::reduce_is_null(&mut ir, &sources);
                    }
                    Some(ir)
                }
            };
            resolved_joins.push((t.index, t.using, on));
        }
        if outer_where && let Some(w) = where_clause.as_mut() {
            notnull::reduce_is_null(w, &sources);
        }
        self.where_chain = false;
        let correlated = scope.correlated.get();
        let mut sources = sources;
        for (index, using, on) in resolved_joins {
            for eq in using {
                from::attach_on(&mut sources, &mut where_clause, index, eq);
            }
            if let Some(on) = on {
                from::attach_on(&mut sources, &mut where_clause, index, on);
            }
        }
        let scope =
            Scope { sources: &sources, aliases: &aliases, parent: outer, correlated: std::cell::Cell::new(correlated) };
        // Aggregates are allowed in ORDER BY whatever the query (NC_AllowAgg), but do not make
        // it an aggregate query: code generation rejects them where it codes them.
        let order_terms = self.order_by(order_by, &scope, &sel.columns, &result, true)?;
        // GROUP BY in SQLite's three steps: each term (numbers checked against 1..65535),
        // then numbers against the result and replaced by its expressions, then no term may
        // hold an aggregate.
        let mut terms = Vec::with_capacity(sel.group_by.len());
        for (i, g) in sel.group_by.iter().enumerate() {
            terms.push(match column_number(g, "GROUP", i, result.len())? {
                Some(k) => Ok(k),
                None => Err(self.expr(g, &scope, ExprCtx { allow_agg: true, aliases: true })?.0),
            });
        }
        let mut group_by = Vec::with_capacity(terms.len());
        for (i, (g, t)) in sel.group_by.iter().zip(terms).enumerate() {
            group_by.push(match t {
                Ok(k) => self.copy_result(&result[in_range(k, "GROUP", i, result.len())?], g)?,
                Err(ir) => ir,
            });
        }
        // SQLite looks at the flag the resolved term carries: a column number under COLLATE
        // is a new COLLATE node over the copied column, which does not carry it, so its
        // aggregate is found only where the key is coded ("misuse of aggregate", in
        // `compile/aggregate.rs`).
        let flagged = |(g, ir): (&Expr, &Ir)| {
            let collated_number = !std::ptr::eq(skip_collate(g), g) && integer_constant(skip_collate(g)).is_some();
            !collated_number && contains_aggregate(ir)
        };
        if sel.group_by.iter().zip(&group_by).any(flagged) {
            return Err(err("aggregate functions are not allowed in the GROUP BY clause"));
        }
        self.where_chain = outer_where;
        let correlated = scope.correlated.get();
        simplify_left_joins(&mut sources, &mut where_clause);
        let mut having = having;
        if let Some(h) = having.as_mut()
            && !group_by.is_empty()
        {
            having_to_where(h, &group_by, &mut where_clause);
        }
        let core = Core {
            sources,
            where_clause,
            result,
            names,
            values: Vec::new(),
            group_by,
            having,
            distinct: sel.distinct,
            aggregate,
        };
        Ok((core, order_terms, correlated))
    }

    /// A VALUES core: rows of expressions with no sources.
    fn values(
        &mut self,
        rows: &[Vec<Expr>],
        outer: Option<&Scope<'_>>,
        order_by: &[ast::OrderingTerm],
    ) -> Result<(Core, Vec<OrderTerm>, bool)> {
        let scope = Scope::new(&[], &[], outer);
        // SQLite's rows are the SELECTs of a compound, resolved from the last: each row is
        // checked against the one after it once its own names are resolved.
        let mut irs: Vec<Vec<Ir>> = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate().rev() {
            let mut out = Vec::with_capacity(row.len());
            for e in row {
                out.push(self.expr(e, &scope, ExprCtx::PLAIN)?.0);
            }
            if rows.get(i + 1).is_some_and(|next| next.len() != row.len()) {
                return Err(err("all VALUES must have the same number of terms"));
            }
            irs.push(out);
        }
        irs.reverse();
        let mut irs = irs.into_iter();
        let result = irs.next().unwrap_or_default();
        let values: Vec<Vec<Ir>> = irs.collect();
        let order_terms = self.order_by(order_by, &scope, &[], &result, false)?;
        let correlated = scope.correlated.get();
        let names = from::values_names(result.len());
        let core = Core {
            sources: Vec::new(),
            where_clause: None,
            result,
            names,
            values,
            group_by: Vec::new(),
            having: None,
            distinct: false,
            aggregate: false,
        };
        Ok((core, order_terms, correlated))
    }

    /// ORDER BY of a simple select (`resolveOrderGroupBy`): an alias or a number names a
    /// result column; any other term is an expression, which names a result column when it
    /// equals one.
    fn order_by(
        &mut self,
        terms: &[ast::OrderingTerm],
        scope: &Scope<'_>,
        columns: &[ResultColumn],
        result: &[Ir],
        aggregate: bool,
    ) -> Result<Vec<OrderTerm>> {
        // Each term in turn: an alias, a column number (checked against 1..65535 here), or
        // an expression; then the numbers are checked against the result and replaced by the
        // result expressions (`sqlite3ResolveOrderGroupBy`).
        let mut resolved: Vec<std::result::Result<usize, (Ir, Option<usize>)>> = Vec::with_capacity(terms.len());
        for (i, t) in terms.iter().enumerate() {
            let bare = skip_collate(&t.expr);
            let by_alias = match bare {
                Expr::Column(c) if c.table.is_none() && c.schema.is_none() => columns.iter().position(
                    |rc| matches!(rc, ResultColumn::Expr { alias: Some(a), .. } if a.as_str().eq_ignore_ascii_case(&c.column)),
                ),
                _ => None,
            };
            let column = match by_alias {
                Some(k) => Some(k + 1),
                None => column_number(&t.expr, "ORDER", i, result.len())?,
            };
            resolved.push(match column {
                Some(k) => Ok(k),
                None => {
                    let (ir, _) = self.expr(&t.expr, scope, ExprCtx { allow_agg: aggregate, aliases: true })?;
                    let k = result.iter().rposition(|r| ir_equal(&ir, ir.root, r, r.root));
                    Err((ir, k))
                }
            });
        }
        let mut out = Vec::with_capacity(terms.len());
        for (i, (t, r)) in terms.iter().zip(resolved).enumerate() {
            let (expr, result_column) = match r {
                Ok(k) => {
                    let k = in_range(k, "ORDER", i, result.len())?;
                    (self.copy_result(&result[k], &t.expr)?, Some(k))
                }
                Err(e) => e,
            };
            out.push(OrderTerm {
                expr,
                desc: t.order == Some(SortOrder::Desc),
                nulls_first: t.nulls.map(|n| n == ast::NullsOrder::First),
                result_column,
            });
        }
        Ok(out)
    }

    /// ORDER BY of a compound select (`resolveCompoundOrderBy`): every term must name a
    /// result column by number, by alias of the first select, or by an expression equal to a
    /// result column of some select.
    fn compound_order_by(
        &mut self,
        terms: &[ast::OrderingTerm],
        cores_ast: &[(Option<ast::CompoundOp>, &SelectCore)],
        cores: &[Core],
    ) -> Result<Vec<OrderTerm>> {
        let n = cores[0].result.len();
        let mut out = Vec::with_capacity(terms.len());
        for (i, t) in terms.iter().enumerate() {
            let bare = skip_collate(&t.expr);
            let mut column = result_number(&t.expr, "ORDER", i, n)?;
            if column.is_none()
                && let Expr::Column(c) = bare
                && c.table.is_none()
                && let SelectCore::Select(first) = cores_ast[0].1
            {
                column = first.columns.iter().position(
                    |rc| matches!(rc, ResultColumn::Expr { alias: Some(a), .. } if a.as_str().eq_ignore_ascii_case(&c.column)),
                );
            }
            if column.is_none() {
                for core in cores {
                    let scope = Scope::new(&core.sources, &[], None);
                    if let Ok((ir, _)) = self.expr(bare, &scope, ExprCtx::PLAIN) {
                        column = core.result.iter().position(|r| ir_equal(&ir, ir.root, r, r.root));
                    }
                    if column.is_some() {
                        break;
                    }
                }
            }
            let Some(k) = column else {
                return Err(err(format!(
                    "{} ORDER BY term does not match any column in the result set",
                    crate::error::ordinal(i + 1)
                )));
            };
            let expr = self.copy_result(&cores[0].result[k], &t.expr)?;
            out.push(OrderTerm {
                expr,
                desc: t.order == Some(SortOrder::Desc),
                nulls_first: t.nulls.map(|n| n == ast::NullsOrder::First),
                result_column: Some(k),
            });
        }
        Ok(out)
    }

    /// A copy of a result expression standing for an ORDER BY / GROUP BY term, wrapped in the
    /// term's COLLATE if it has one (`resolveAlias`).
    fn copy_result(&mut self, result: &Ir, term: &Expr) -> Result<Ir> {
        let mut ir = result.clone();
        if let Expr::Collate { collation, .. } = term {
            let c = Collation::from_name(collation);
            if c.is_none() {
                return Err(err(format!("no such collation sequence: {collation}")));
            }
            ir.root = ir.add(Kind::Collate { operand: ir.root, name: collation.clone(), collation: c });
        }
        Ok(ir)
    }

    /// An ON clause may name only its own join's tables and those to the left
    /// (`sqlite3SelectCheckOnClauses`).
    fn check_on_clause(&self, ir: &Ir, sources: &[Source], join: usize) -> Result<()> {
        let right: Vec<u32> = sources[join + 1..].iter().map(|s| s.cursor).collect();
        if ir.nodes.iter().any(|n| matches!(&n.kind, Kind::Ref(r) if right.contains(&r.source))) {
            return Err(err("ON clause references tables to its right"));
        }
        Ok(())
    }

    /// Lowers and resolves one expression; returns it and whether it holds an aggregate
    /// function at its own level.
    ///
    /// As `sqlite3ResolveExprNames` does, the expression's height adds to the heights of the
    /// expressions it is resolved inside (a subquery's expressions are resolved inside the
    /// expression that holds the subquery); past [`MAX_EXPR_DEPTH`] that is SQLite's
    /// "Expression tree is too large", so that nested subqueries are limited as in SQLite.
    pub fn expr(&mut self, e: &Expr, scope: &Scope<'_>, ctx: ExprCtx) -> Result<(Ir, bool)> {
        let h = height::expr_height(e);
        if self.height + h > MAX_EXPR_DEPTH {
            return Err(err(format!("Expression tree is too large (maximum depth {MAX_EXPR_DEPTH})")));
        }
        self.height += h;
        let r = (|| {
            let mut ir = lower_for_compile(e)?;
            let agg = self.resolve_ir(&mut ir, scope, ctx)?;
            Ok((ir, agg))
        })();
        self.height -= h;
        r
    }

    /// [`Resolver::expr`] for an expression of an INSERT, UPDATE or DELETE, or of a table's
    /// definition (a SET value, a WHERE, a DEFAULT, a CHECK): a name context without
    /// NC_Where, so neither it nor a subquery in it takes NOT NULL strength reduction.
    pub fn statement_expr(&mut self, e: &Expr, scope: &Scope<'_>, ctx: ExprCtx) -> Result<(Ir, bool)> {
        let saved = std::mem::replace(&mut self.where_chain, false);
        let r = self.expr(e, scope, ctx);
        self.where_chain = saved;
        r
    }

    /// Resolves every name of `ir` in place (`resolveExprStep`, pre-order): columns,
    /// functions, subqueries. Returns whether an aggregate function appears outside any
    /// other aggregate's arguments.
    fn resolve_ir(&mut self, ir: &mut Ir, scope: &Scope<'_>, ctx: ExprCtx) -> Result<bool> {
        let mut has_agg = false;
        // (node, inside an aggregate's arguments)
        let mut stack: Vec<(NodeId, bool)> = vec![(ir.root, false)];
        while let Some((id, in_agg)) = stack.pop() {
            match ir.kind(id).clone() {
                Kind::Column(c) => match self.lookup(scope, &c, ctx)? {
                    names::Found::Column(r) => ir.nodes[id].kind = Kind::Ref(r),
                    names::Found::Value(v) => ir.nodes[id].kind = literal_kind(v),
                    names::Found::Truth(b) => {
                        ir.nodes[id].kind = Kind::TrueFalse { value: b, parse_time: false };
                        ir.nodes[id].always = Some(b);
                    }
                    names::Found::Alias(alias_expr) => {
                        let alias_ir = lower_for_compile(alias_expr)?;
                        let root = ir.graft(&alias_ir);
                        if !ctx.allow_agg && contains_aggregate_ast(alias_expr) {
                            return Err(err(format!("misuse of aliased aggregate {}", c.column)));
                        }
                        ir.nodes[id] = ir.nodes[root].clone();
                        // The substituted expression resolves in the same scope, without
                        // aliases (an alias cannot name another).
                        let sub = ExprCtx { aliases: false, ..ctx };
                        let mut sub_ir = Ir { nodes: std::mem::take(&mut ir.nodes), root: id };
                        let agg = self.resolve_ir(&mut sub_ir, scope, sub)?;
                        ir.nodes = sub_ir.nodes;
                        has_agg |= agg && !in_agg;
                    }
                },
                Kind::Function { name, args, distinct, order_by } => {
                    let allow = ctx.allow_agg && !in_agg;
                    if let Some(e) = function_error(ir, &name, &args, distinct, order_by, allow) {
                        return Err(e);
                    }
                    let is_agg = crate::eval::scalar::lookup(&name, args.len())
                        .is_ok_and(|d| d.kind == crate::eval::scalar::FunctionKind::Aggregate);
                    has_agg |= is_agg && !in_agg;
                    for &a in args.iter().rev() {
                        stack.push((a, in_agg || is_agg));
                    }
                }
                Kind::SelectAst { select, exists } => {
                    let id_q = self.select(&select, Some(scope))?;
                    let q = self.subqueries.get(id_q);
                    if !exists && q.columns.len() != 1 {
                        return Err(err(format!("sub-select returns {} columns - expected 1", q.columns.len())));
                    }
                    let affinity = q.columns.first().and_then(|c| c.affinity);
                    ir.nodes[id].kind = Kind::Subquery { id: id_q, exists, affinity };
                }
                Kind::InSelectAst { operand, select } => {
                    stack.push((operand, in_agg));
                    let id_q = self.select(&select, Some(scope))?;
                    let n = self.subqueries.get(id_q).columns.len();
                    let expected = match ir.kind(operand) {
                        Kind::Vector(items) => items.len(),
                        _ => 1,
                    };
                    if n != expected {
                        return Err(err(format!("sub-select returns {n} columns - expected {expected}")));
                    }
                    ir.nodes[id].kind = Kind::InSubquery { operand, id: id_q };
                }
                _ => {
                    for c in ir.walk_children(id).into_iter().rev() {
                        stack.push((c, in_agg));
                    }
                }
            }
        }
        Ok(has_agg)
    }
}

/// The name of a compound operator in error messages.
pub(crate) fn compound_name(op: ast::CompoundOp) -> &'static str {
    match op {
        ast::CompoundOp::Union => "UNION",
        ast::CompoundOp::UnionAll => "UNION ALL",
        ast::CompoundOp::Intersect => "INTERSECT",
        ast::CompoundOp::Except => "EXCEPT",
    }
}

fn literal_kind(v: Value) -> Kind {
    Kind::Literal { value: v, float_token: false, small_int: false }
}

fn skip_collate(mut e: &Expr) -> &Expr {
    while let Expr::Collate { operand, .. } = e {
        e = operand;
    }
    e
}

/// A term that is an integer constant names result column k (1-based): `Some(k - 1)`; out of
/// range is SQLite's error.
fn result_number(term: &Expr, kind: &str, i: usize, n: usize) -> Result<Option<usize>> {
    column_number(term, kind, i, n)?.map(|k| in_range(k, kind, i, n)).transpose()
}

/// The column number (from 1) an integer term names, checked only against 1..65535 (the
/// check `resolveOrderGroupBy` makes while it goes through the terms).
fn column_number(term: &Expr, kind: &str, i: usize, n: usize) -> Result<Option<usize>> {
    let Some(v) = integer_constant(skip_collate(term)) else {
        return Ok(None);
    };
    if !(1..=0xffff).contains(&v) {
        return Err(out_of_range(kind, i, n));
    }
    Ok(Some(v as usize))
}

/// Column number `k` (from 1) of the `i`th term checked against the `n` result columns
/// (`sqlite3ResolveOrderGroupBy`); the column's index.
fn in_range(k: usize, kind: &str, i: usize, n: usize) -> Result<usize> {
    if k > n {
        return Err(out_of_range(kind, i, n));
    }
    Ok(k - 1)
}

fn out_of_range(kind: &str, i: usize, n: usize) -> Error {
    err(format!("{} {kind} BY term out of range - should be between 1 and {n}", crate::error::ordinal(i + 1)))
}

/// A LEFT JOIN whose right table WHERE needs non-NULL (a row it keeps cannot be the null
/// row: `x2.a = 5`, not `x2.a IS NULL`) is an inner join (sqlite3Select's LEFT JOIN
/// simplification, `sqlite3ExprImpliesNonNullRow`); its ON clause joins WHERE.
fn simplify_left_joins(sources: &mut [Source], where_clause: &mut Option<Ir>) {
    for source in sources.iter_mut() {
        if source.join != JoinType::Left {
            continue;
        }
        let Some(w) = where_clause.as_ref() else { return };
        if !implies_non_null_row(w, w.root, source.cursor) {
            continue;
        }
        source.join = JoinType::Inner;
        if let Some(on) = source.on.take() {
            *where_clause = Some(match where_clause.take() {
                None => on,
                Some(w) => w.and(&on),
            });
        }
    }
}

/// `sqlite3ExprImpliesNonNullRow`: expression `id` of `ir` can be true only when the row of
/// `cursor` is not the null row.
fn implies_non_null_row(ir: &Ir, mut id: NodeId, cursor: u32) -> bool {
    while let Kind::Collate { operand, .. } = ir.kind(id) {
        id = *operand;
    }
    match ir.kind(id) {
        Kind::IsNull { negated: true, operand } => id = *operand,
        _ => {
            while let Kind::Binary(ast::BinaryOp::And, l, r) = *ir.kind(id) {
                if implies_non_null_row(ir, l, cursor) {
                    return true;
                }
                id = r;
            }
        }
    }
    implies_walk(ir, id, cursor)
}

/// The walk of `impliesNotNullRow`: whether the expression reads a column of `cursor` in a
/// way that makes it NULL (so not true) on the null row.
fn implies_walk(ir: &Ir, id: NodeId, cursor: u32) -> bool {
    match ir.kind(id) {
        Kind::IsNull { .. }
        | Kind::Binary(ast::BinaryOp::Is | ast::BinaryOp::IsNot, ..)
        | Kind::Vector(_)
        | Kind::Function { .. }
        | Kind::Truth { .. }
        | Kind::Case { .. }
        | Kind::Subquery { .. }
        | Kind::InSubquery { .. } => false,
        Kind::Ref(r) => r.source == cursor,
        Kind::Binary(ast::BinaryOp::And | ast::BinaryOp::Or, l, r) => {
            implies_walk(ir, *l, cursor) && implies_walk(ir, *r, cursor)
        }
        Kind::In { operand, items } => !items.is_empty() && implies_walk(ir, *operand, cursor),
        Kind::Between { operand, low, high } => {
            implies_walk(ir, *operand, cursor) || (implies_walk(ir, *low, cursor) && implies_walk(ir, *high, cursor))
        }
        _ => ir.walk_children(id).into_iter().any(|c| implies_walk(ir, c, cursor)),
    }
}

/// `havingToWhere`: each AND-term of HAVING made only of constants and GROUP BY terms (of
/// the BINARY collation), and not always false, moves to the end of WHERE, where it filters
/// rows before they are grouped (a constant one before any loop runs); TRUE takes its place.
fn having_to_where(h: &mut Ir, group_by: &[Ir], where_clause: &mut Option<Ir>) {
    let mut stack = vec![h.root];
    let mut terms = Vec::new();
    while let Some(n) = stack.pop() {
        if let Kind::Binary(ast::BinaryOp::And, l, r) = *h.kind(n) {
            stack.push(r);
            stack.push(l);
        } else {
            terms.push(n);
        }
    }
    for t in terms {
        if !constant_or_group_by(h, t, group_by) || h.node(t).always == Some(false) {
            continue;
        }
        let moved = Ir { nodes: h.nodes.clone(), root: t };
        *where_clause = Some(match where_clause.take() {
            None => moved,
            Some(w) => w.and(&moved),
        });
        let one = h.add(Kind::Literal { value: Value::Integer(1), float_token: false, small_int: true });
        h.nodes[t] = h.nodes[one].clone();
        h.nodes[t].always = Some(true);
        h.nodes[t].parse_always = Some(true);
    }
}

/// `sqlite3ExprIsConstantOrGroupBy`: node `t` of `h` is made only of constants (deterministic
/// functions of constants) and terms equal to GROUP BY terms of the BINARY collation.
fn constant_or_group_by(h: &Ir, t: NodeId, group_by: &[Ir]) -> bool {
    let mut stack = vec![t];
    while let Some(n) = stack.pop() {
        let grouped = group_by
            .iter()
            .any(|g| ir_equal(h, n, g, g.root) && matches!(g.collation(g.root), Ok(None | Some(Collation::Binary))));
        if grouped {
            continue;
        }
        if !crate::eval::ir::node_is_constant(h.kind(n)) {
            return false;
        }
        stack.extend(h.walk_children(n));
    }
    true
}

/// The value of an integer that fits in 31 bits (SQLite's EP_IntValue), under any number of
/// unary `+` and `-` (`sqlite3ExprIsInteger`): `-1` and `-(0)` are integers, a literal past
/// 2147483647 is not (it is a constant expression). The parser makes integers of some
/// expressions too: `'x' ISNULL`, `1 IS NOT NULL` (`sqlite3PExprIsNull`), `a AND 0`
/// (`sqlite3ExprAnd`).
fn integer_constant(mut e: &Expr) -> Option<i64> {
    let mut sign = 1;
    loop {
        match e {
            Expr::Literal(Literal::Integer(text)) => {
                return crate::eval::ir::fits_int32(text)
                    .then(|| sign * crate::eval::convert::dec_or_hex_to_i64(text).0);
            }
            Expr::Unary { op: ast::UnaryOp::Plus, operand } => e = operand,
            Expr::Unary { op: ast::UnaryOp::Neg, operand } => {
                sign = -sign;
                e = operand;
            }
            Expr::IsNull { .. }
            | Expr::Binary { op: ast::BinaryOp::And | ast::BinaryOp::Is | ast::BinaryOp::IsNot, .. } => {
                let ir = lower_for_compile(e).ok()?;
                return match &ir.nodes[ir.root].kind {
                    Kind::Literal { value: Value::Integer(v), small_int: true, .. } => Some(sign * v),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
}

/// Whether an expression holds an aggregate function call (outside subqueries).
pub(crate) fn contains_aggregate(ir: &Ir) -> bool {
    ir.nodes.iter().any(|n| match &n.kind {
        Kind::Function { name, args, .. } => crate::eval::scalar::lookup(name, args.len())
            .is_ok_and(|d| d.kind == crate::eval::scalar::FunctionKind::Aggregate),
        _ => false,
    })
}

/// Whether a syntax tree holds an aggregate call (outside subqueries).
fn contains_aggregate_ast(e: &Expr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let Expr::Function(f) = e {
            let n = match &f.args {
                ast::FunctionArgs::Star => 0,
                ast::FunctionArgs::List { args, .. } => args.len(),
            };
            if crate::eval::scalar::lookup(&f.name, n)
                .is_ok_and(|d| d.kind == crate::eval::scalar::FunctionKind::Aggregate)
            {
                return true;
            }
        }
        e.push_children(&mut stack);
    }
    false
}

/// Structural equality of two resolved expressions (`sqlite3ExprCompare`), iteratively.
pub(crate) fn ir_equal(a: &Ir, ra: NodeId, b: &Ir, rb: NodeId) -> bool {
    let mut stack = vec![(ra, rb)];
    while let Some((x, y)) = stack.pop() {
        let (kx, ky) = (a.kind(x), b.kind(y));
        let same = match (kx, ky) {
            (Kind::Literal { value: v1, .. }, Kind::Literal { value: v2, .. }) => values_identical(v1, v2),
            (Kind::TrueFalse { value: v1, .. }, Kind::TrueFalse { value: v2, .. }) => v1 == v2,
            (Kind::Ref(r1), Kind::Ref(r2)) => r1.source == r2.source && r1.column == r2.column,
            (Kind::Variable(n1), Kind::Variable(n2)) => n1 == n2,
            (Kind::Unary(o1, _), Kind::Unary(o2, _)) => o1 == o2,
            (Kind::Binary(o1, ..), Kind::Binary(o2, ..)) => o1 == o2,
            (Kind::IsNull { negated: n1, .. }, Kind::IsNull { negated: n2, .. }) => n1 == n2,
            (Kind::Truth { truth: t1, negated: n1, .. }, Kind::Truth { truth: t2, negated: n2, .. }) => {
                t1 == t2 && n1 == n2
            }
            (Kind::Between { .. }, Kind::Between { .. }) => true,
            (Kind::In { items: i1, .. }, Kind::In { items: i2, .. }) => i1.len() == i2.len(),
            (Kind::Cast { affinity: a1, .. }, Kind::Cast { affinity: a2, .. }) => a1 == a2,
            (Kind::Collate { name: n1, .. }, Kind::Collate { name: n2, .. }) => n1.eq_ignore_ascii_case(n2),
            (
                Kind::Function { name: n1, args: a1, distinct: d1, .. },
                Kind::Function { name: n2, args: a2, distinct: d2, .. },
            ) => n1.eq_ignore_ascii_case(n2) && a1.len() == a2.len() && d1 == d2,
            (
                Kind::Case { operand: o1, pairs: p1, else_expr: e1 },
                Kind::Case { operand: o2, pairs: p2, else_expr: e2 },
            ) => o1.is_some() == o2.is_some() && p1.len() == p2.len() && e1.is_some() == e2.is_some(),
            (Kind::Vector(i1), Kind::Vector(i2)) => i1.len() == i2.len(),
            (Kind::Subquery { id: i1, .. }, Kind::Subquery { id: i2, .. }) => i1 == i2,
            (Kind::InSubquery { id: i1, .. }, Kind::InSubquery { id: i2, .. }) => i1 == i2,
            _ => false,
        };
        if !same {
            return false;
        }
        let (cx, cy) = (a.walk_children(x), b.walk_children(y));
        if cx.len() != cy.len() {
            return false;
        }
        stack.extend(cx.into_iter().zip(cy));
    }
    true
}

/// Values equal for expression comparison: same type and same value (0 and 0.0 differ).
fn values_identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// The result columns of a query, named as SQLite names them (`sqlite3GenerateColumnNames`
/// with short column names).
fn out_columns(core_ast: &SelectCore, core: &Core) -> Vec<OutColumn> {
    let names = from::result_names(core_ast, core);
    core.result
        .iter()
        .zip(names)
        .map(|(ir, (name, decltype))| OutColumn {
            name,
            affinity: ir.affinity(ir.root),
            collation: ir.collation(ir.root).ok().flatten().unwrap_or_default(),
            decltype,
        })
        .collect()
}

impl Source {
    /// A source reading `table` under `cursor`, named `name` (its alias or its name), with
    /// no ON clause and none of its columns merged by USING / NATURAL yet.
    pub fn of_table(
        cursor: u32,
        name: String,
        table: std::rc::Rc<crate::storage::Table>,
        join: JoinType,
        indexed_by: Option<crate::sql::ast::IndexedBy>,
    ) -> Source {
        let columns = from::table_columns(&table.def);
        let merged = vec![false; columns.len()];
        Source { cursor, name, kind: SourceKind::Table(table), columns, join, on: None, merged, indexed_by }
    }

    /// The right side of a LEFT JOIN: its columns are NULL on the null row, whatever their
    /// declaration (SQLite's EP_CanBeNull).
    pub fn null_row(&self) -> bool {
        self.join == JoinType::Left
    }

    /// The source's table, if it reads one.
    pub fn table(&self) -> Option<&std::rc::Rc<crate::storage::Table>> {
        match &self.kind {
            SourceKind::Table(t) => Some(t),
            SourceKind::Subquery(_) => None,
        }
    }
}
