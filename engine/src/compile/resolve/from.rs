//! FROM clauses (SQLite's `sqlite3SelectExpand` and `sqlite3ProcessJoin`): tables, views and
//! subqueries as row sources, joins with their ON / USING / NATURAL constraints, and the
//! expansion of `*` and `table.*` in the result list.

use std::rc::Rc;

use super::{ExprCtx, Resolver, Scope, err};
use crate::compile::query::{Core, JoinType, Query, Source, SourceColumn, SourceKind};
use crate::error::Result;
use crate::eval::ir::{ColRef, Ir, Kind};
use crate::schema::{Affinity, TableDef};
use crate::sql::ast::{
    self, BinaryOp, Expr, FromClause, JoinConstraint, JoinKind, JoinOperator, ResultColumn, SelectCore, TableOrSubquery,
};
use crate::sql::parse_statement;
use crate::storage::Table;

/// A join's constraints, resolved after the WHERE clause: its index in the FROM list, the ON
/// expression, and the equalities of USING / NATURAL.
pub(crate) struct JoinTerms {
    pub index: usize,
    pub on: Option<Expr>,
    pub using: Vec<Ir>,
}

/// One item of a result list after `*` expansion.
pub(crate) enum Item<'a> {
    Expr {
        expr: &'a Expr,
        alias: Option<&'a str>,
        text: &'a str,
    },
    /// A column of a source (from `*` or `t.*`).
    Column {
        ir: Ir,
        name: String,
        decltype: Option<String>,
    },
}

impl Resolver<'_> {
    /// The sources of a FROM clause (none without one) and the join constraints to resolve.
    pub(super) fn from(
        &mut self,
        from: Option<&FromClause>,
        outer: Option<&Scope<'_>>,
    ) -> Result<(Vec<Source>, Vec<JoinTerms>)> {
        let Some(from) = from else { return Ok((Vec::new(), Vec::new())) };
        let mut sources = Vec::with_capacity(1 + from.joins.len());
        let mut terms = Vec::new();
        sources.push(self.source(&from.first, outer, JoinType::Inner)?);
        for (i, join) in from.joins.iter().enumerate() {
            let (natural, join_type) = match join.op {
                JoinOperator::Comma => (false, JoinType::Inner),
                JoinOperator::Join { natural, kind } => (
                    natural,
                    match kind {
                        JoinKind::Inner => JoinType::Inner,
                        JoinKind::Cross => JoinType::Cross,
                        JoinKind::Left => JoinType::Left,
                        JoinKind::Right | JoinKind::Full => {
                            return Err(err("RIGHT and FULL OUTER JOINs are not supported yet"));
                        }
                    },
                ),
            };
            let right = self.source(&join.table, outer, join_type)?;
            sources.push(right);
            let index = i + 1;
            let mut on = None;
            let mut using_names: Vec<String> = Vec::new();
            match &join.constraint {
                _ if natural && join.constraint.is_some() => {
                    return Err(err("a NATURAL join may not have an ON or USING clause"));
                }
                Some(JoinConstraint::On(e)) => on = Some(e.clone()),
                Some(JoinConstraint::Using(cols)) => using_names = cols.iter().map(|c| c.name.clone()).collect(),
                None if natural => {
                    // Every column name the right table shares with a table to its left.
                    let (left, right) = sources.split_at(index);
                    using_names = right[0]
                        .columns
                        .iter()
                        .filter(|c| {
                            left.iter().any(|l| l.columns.iter().any(|lc| lc.name.eq_ignore_ascii_case(&c.name)))
                        })
                        .map(|c| c.name.clone())
                        .collect();
                }
                None => {}
            }
            let mut using = Vec::new();
            for name in &using_names {
                using.push(self.using_equality(&mut sources, index, name)?);
            }
            if on.is_some() || !using.is_empty() {
                terms.push(JoinTerms { index, on, using });
            }
        }
        Ok((sources, terms))
    }

    /// `left.name = right.name` for a USING column; marks the right one merged.
    fn using_equality(&self, sources: &mut [Source], index: usize, name: &str) -> Result<Ir> {
        let missing = || err(format!("cannot join using column {name} - column not present in both tables"));
        let rj = sources[index].columns.iter().position(|c| c.name.eq_ignore_ascii_case(name)).ok_or_else(missing)?;
        let (li, lj) = sources[..index]
            .iter()
            .enumerate()
            .find_map(|(i, s)| {
                s.columns
                    .iter()
                    .enumerate()
                    .find(|(j, c)| c.name.eq_ignore_ascii_case(name) && !s.merged[*j])
                    .map(|(j, _)| (i, j))
            })
            .ok_or_else(missing)?;
        sources[index].merged[rj] = true;
        let mut ir = Ir::leaf(Kind::Ref(column_ref(&sources[li], lj)));
        let left = ir.root;
        let right = ir.add(Kind::Ref(column_ref(&sources[index], rj)));
        ir.root = ir.add(Kind::Binary(BinaryOp::Eq, left, right));
        Ok(ir)
    }

    /// One item of a FROM clause as a source.
    fn source(&mut self, item: &TableOrSubquery, outer: Option<&Scope<'_>>, join: JoinType) -> Result<Source> {
        match item {
            TableOrSubquery::Table { name, alias, indexed } => {
                if let Some(s) = name.schema_name()
                    && !s.eq_ignore_ascii_case("main")
                {
                    return Err(err(format!("no such table: {s}.{}", name.name.as_str())));
                }
                let tname = name.name.as_str();
                let alias_name = alias.as_ref().map(|a| a.name.clone());
                if let Some(table) = self.find_table(tname) {
                    if table.def.without_rowid {
                        // Its tree is an index b-tree keyed by the primary key: read as a table
                        // it would look corrupt.
                        return Err(err("WITHOUT ROWID tables are not supported yet"));
                    }
                    if let Some(ast::IndexedBy::Index(ix)) = indexed
                        && !table.indexes.iter().any(|i| i.def.name.eq_ignore_ascii_case(&ix.name))
                    {
                        return Err(err(format!("no such index: {}", ix.name)));
                    }
                    let cursor = self.cursor();
                    let name = alias_name.unwrap_or_else(|| table.def.name.clone());
                    return Ok(Source::of_table(cursor, name, table, join, indexed.clone()));
                }
                if let Some(view) = self.catalog.view(tname) {
                    let (vname, sql) = (view.name.clone(), view.sql.clone().unwrap_or_default());
                    let q = self.view(&vname, &sql)?;
                    let name = alias_name.unwrap_or(vname);
                    return Ok(self.subquery_source(q, name, join));
                }
                // Inside a view the name is looked up in the view's schema, and SQLite's
                // message names it ("main.t").
                let qualified = match name.schema_name() {
                    Some(s) => format!("{s}.{tname}"),
                    None if !self.views.is_empty() => format!("main.{tname}"),
                    None => tname.to_string(),
                };
                Err(err(format!("no such table: {qualified}")))
            }
            TableOrSubquery::Subquery { select, alias } => {
                let q = self.query(select, outer)?;
                let name = alias.as_ref().map(|a| a.name.clone()).unwrap_or_default();
                Ok(self.subquery_source(q, name, join))
            }
            TableOrSubquery::Nested { from, alias } => {
                // `(a JOIN b)` is `(SELECT * FROM a JOIN b)`.
                let core = ast::SimpleSelect {
                    from: Some((**from).clone()),
                    ..ast::SimpleSelect::new(vec![ResultColumn::Star(ast::Loc::NONE)])
                };
                let select = ast::Select::new(SelectCore::Select(Box::new(core)));
                let q = self.query(&select, outer)?;
                let name = alias.as_ref().map(|a| a.name.clone()).unwrap_or_default();
                Ok(self.subquery_source(q, name, join))
            }
            TableOrSubquery::Function { name, .. } => Err(err(format!("no such table: {}", name.name.as_str()))),
        }
    }

    /// The table `name`, including the schema table under its names.
    fn find_table(&self, name: &str) -> Option<Rc<Table>> {
        if let Some(t) = self.catalog.table(name) {
            return Some(t.clone());
        }
        ["sqlite_master", "sqlite_schema"].iter().any(|n| n.eq_ignore_ascii_case(name)).then(schema_table)
    }

    /// A view's query, with the view's column names.
    fn view(&mut self, name: &str, sql: &str) -> Result<Query> {
        if self.views.iter().any(|v| v.eq_ignore_ascii_case(name)) {
            return Err(err(format!("view {name} is circularly defined")));
        }
        let ast::Stmt::CreateView(cv) = parse_statement(sql)?.stmt else {
            return Err(err(format!("malformed database schema ({name}) - not a CREATE VIEW statement")));
        };
        self.views.push(name.to_string());
        let r = self.query(&cv.select, None);
        self.views.pop();
        let mut q = r?;
        if !cv.columns.is_empty() {
            if cv.columns.len() != q.columns.len() {
                return Err(err(format!(
                    "expected {} columns for '{name}' but got {}",
                    cv.columns.len(),
                    q.columns.len()
                )));
            }
            for (c, n) in q.columns.iter_mut().zip(&cv.columns) {
                c.name = n.name.clone();
            }
        }
        Ok(q)
    }

    /// A source reading a materialized query.
    fn subquery_source(&mut self, q: Query, name: String, join: JoinType) -> Source {
        let columns = unique_column_names(&q)
            .into_iter()
            .zip(&q.columns)
            .enumerate()
            .map(|(i, (n, c))| SourceColumn {
                name: n,
                affinity: if q.cores.len() > 1 { compound_column_affinity(&q, i) } else { c.affinity },
                collation: c.collation,
                not_null: false,
                decltype: c.decltype.clone(),
            })
            .collect::<Vec<_>>();
        self.subqueries.queries.push(q);
        let id = (self.subqueries.queries.len() - 1) as u32;
        let cursor = self.cursor();
        let merged = vec![false; columns.len()];
        Source { cursor, name, kind: SourceKind::Subquery(id), columns, join, on: None, merged, indexed_by: None }
    }

    /// The result list with `*` and `t.*` expanded.
    pub(super) fn result_items<'a>(&self, columns: &'a [ResultColumn], sources: &[Source]) -> Result<Vec<Item<'a>>> {
        let mut out = Vec::with_capacity(columns.len());
        for rc in columns {
            match rc {
                ResultColumn::Expr { expr, alias, text } => {
                    out.push(Item::Expr { expr, alias: alias.as_ref().map(|a| a.as_str()), text: &text.0 })
                }
                ResultColumn::Star(_) => {
                    if sources.is_empty() {
                        return Err(err("no tables specified"));
                    }
                    for s in sources {
                        for (j, c) in s.columns.iter().enumerate() {
                            if !s.merged[j] {
                                out.push(star_column(s, j, c));
                            }
                        }
                    }
                }
                ResultColumn::TableStar(t) => {
                    let Some(s) = sources.iter().find(|s| s.name.eq_ignore_ascii_case(t.as_str())) else {
                        return Err(err(format!("no such table: {}", t.as_str())));
                    };
                    for (j, c) in s.columns.iter().enumerate() {
                        out.push(star_column(s, j, c));
                    }
                }
            }
        }
        // selectExpander: SQLITE_LIMIT_COLUMN applies to the expanded list.
        if out.len() > crate::schema::MAX_COLUMNS {
            return Err(err("too many columns in result set"));
        }
        Ok(out)
    }

    /// Resolves a result list item; returns its expression, whether it aggregates, its name
    /// and declared type.
    pub(super) fn result_item(
        &mut self,
        item: &Item<'_>,
        scope: &Scope<'_>,
        sources: &[Source],
    ) -> Result<(Ir, bool, String, Option<String>)> {
        match item {
            Item::Column { ir, name, decltype } => Ok((ir.clone(), false, name.clone(), decltype.clone())),
            Item::Expr { expr, alias, text } => {
                let (ir, agg) = self.expr(expr, scope, ExprCtx { allow_agg: true, aliases: false })?;
                let (name, decltype) = match alias {
                    Some(a) => (a.to_string(), column_decltype(&ir, sources)),
                    None => match column_of(&ir, sources) {
                        Some((n, d)) => (n, d),
                        None => (text.to_string(), None),
                    },
                };
                Ok((ir, agg, name, decltype))
            }
        }
    }
}

/// Attaches a resolved ON term to its join: a LEFT JOIN keeps it; an inner join's term joins
/// the WHERE clause.
pub(super) fn attach_on(sources: &mut [Source], where_clause: &mut Option<Ir>, index: usize, term: Ir) {
    if sources[index].join == JoinType::Left {
        let on = sources[index].on.take();
        sources[index].on = Some(match on {
            None => term,
            Some(prev) => prev.and(&term),
        });
    } else {
        *where_clause = Some(match where_clause.take() {
            None => term,
            Some(w) => w.and(&term),
        });
    }
}

/// The reference to column `j` of a source.
pub(super) fn column_ref(s: &Source, j: usize) -> ColRef {
    let c = &s.columns[j];
    let is_alias = s.table().is_some_and(|t| t.def.rowid_alias == Some(j));
    ColRef {
        source: s.cursor,
        column: if is_alias { None } else { Some(j as u32) },
        affinity: c.affinity,
        collation: if is_alias { None } else { Some(c.collation) },
        not_null: (c.not_null || is_alias) && !s.null_row(),
    }
}

fn star_column<'a>(s: &Source, j: usize, c: &SourceColumn) -> Item<'a> {
    Item::Column { ir: Ir::leaf(Kind::Ref(column_ref(s, j))), name: c.name.clone(), decltype: c.decltype.clone() }
}

/// The columns of a table as a source.
pub(super) fn table_columns(def: &TableDef) -> Vec<SourceColumn> {
    def.columns
        .iter()
        .map(|c| SourceColumn {
            name: c.name.clone(),
            affinity: Some(c.affinity),
            collation: c.collation,
            not_null: c.not_null,
            decltype: c.declared_type.clone(),
        })
        .collect()
}

/// The schema table (sqlite_schema / sqlite_master), rooted at page 1.
fn schema_table() -> Rc<Table> {
    let sql = "CREATE TABLE x(type text,name text,tbl_name text,rootpage int,sql text)";
    let ast::Stmt::CreateTable(ct) = parse_statement(sql).expect("fixed SQL parses").stmt else {
        unreachable!("fixed SQL is a CREATE TABLE")
    };
    let mut def = TableDef::from_ast(&ct).expect("fixed SQL is a valid table");
    def.name = "sqlite_master".to_string();
    Rc::new(Table { def, root: 1, schema_rowid: 0, indexes: Vec::new() })
}

/// The column a result expression is (through COLLATE and likely()), as SQLite names it:
/// the column's name, or for the rowid the INTEGER PRIMARY KEY's name or `rowid`.
fn column_of(ir: &Ir, sources: &[Source]) -> Option<(String, Option<String>)> {
    let mut id = ir.root;
    loop {
        match ir.kind(id) {
            Kind::Collate { operand, .. } => id = *operand,
            Kind::Function { name, args, .. }
                if ["likely", "unlikely", "likelihood"].iter().any(|f| f.eq_ignore_ascii_case(name)) =>
            {
                id = args[0]
            }
            _ => break,
        }
    }
    let Kind::Ref(r) = ir.kind(id) else { return None };
    let s = sources.iter().find(|s| s.cursor == r.source)?;
    match r.column {
        Some(j) => {
            let c = &s.columns[j as usize];
            Some((c.name.clone(), c.decltype.clone()))
        }
        None => match s.table().and_then(|t| t.def.rowid_alias) {
            Some(a) => Some((s.columns[a].name.clone(), s.columns[a].decltype.clone())),
            None => Some(("rowid".to_string(), Some("INTEGER".to_string()))),
        },
    }
}

/// The declared type of a result that is a plain column reference.
fn column_decltype(ir: &Ir, sources: &[Source]) -> Option<String> {
    column_of(ir, sources).and_then(|(_, d)| d)
}

/// A query's column names made unique as SQLite names the columns of a subquery in FROM
/// (`sqlite3ColumnsFromExprList`): TRUE / FALSE become `columnN`; a repeated name gets `:N`.
fn unique_column_names(q: &Query) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(q.columns.len());
    for (i, c) in q.columns.iter().enumerate() {
        let base = if c.name.eq_ignore_ascii_case("true") || c.name.eq_ignore_ascii_case("false") {
            format!("column{}", i + 1)
        } else {
            c.name.clone()
        };
        let mut name = base.clone();
        let mut cnt = 0;
        while names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            let trimmed = match name.rfind(':') {
                Some(p) if p > 0 && name[p + 1..].bytes().all(|b| b.is_ascii_digit()) => name[..p].to_string(),
                _ => name.clone(),
            };
            cnt += 1;
            name = format!("{trimmed}:{cnt}");
        }
        names.push(name);
    }
    names
}

/// Result columns of a VALUES core are named column1, column2, ...
pub(super) fn values_names(n: usize) -> Vec<(String, Option<String>)> {
    (1..=n).map(|i| (format!("column{i}"), None)).collect()
}

/// The names of a core's result columns.
pub(super) fn result_names(core_ast: &SelectCore, core: &Core) -> Vec<(String, Option<String>)> {
    match core_ast {
        SelectCore::Values(_) => values_names(core.result.len()),
        SelectCore::Select(_) => core.names.clone(),
    }
}

/// The affinity of column `i` of a compound subquery used as a table
/// (`sqlite3SubqueryColumnTypes`): the first SELECT's with one, going right past those
/// without; then, if it is TEXT and a SELECT to its right may give a number, or numeric and
/// one may give a text, none (BLOB). SQLite's FLEXNUM, for a CAST in the first SELECT, is
/// NUMERIC here (they compare alike).
fn compound_column_affinity(q: &Query, i: usize) -> Option<Affinity> {
    let expr = |k: usize| {
        let ir = &q.cores[k].result[i];
        (ir, ir.root)
    };
    let (first, root) = expr(0);
    let mut k = 0;
    let mut mask = 0u8;
    let mut aff = first.affinity(root);
    while aff.is_none() && k + 1 < q.cores.len() {
        let (ir, id) = expr(k);
        mask |= ir.data_type(id);
        k += 1;
        let (ir, id) = expr(k);
        aff = ir.affinity(id);
    }
    let numeric = |a: Option<Affinity>| matches!(a, Some(Affinity::Numeric | Affinity::Integer | Affinity::Real));
    if (aff == Some(Affinity::Text) || numeric(aff)) && q.cores.len() > 1 {
        for j in k + 1..q.cores.len() {
            let (ir, id) = expr(j);
            mask |= ir.data_type(id);
        }
        // TEXT beside a numeric term, or numeric beside a TEXT term: no affinity.
        if (aff == Some(Affinity::Text) && mask & 0x01 != 0) || (numeric(aff) && mask & 0x02 != 0) {
            aff = Some(Affinity::Blob);
        }
        if numeric(aff) && matches!(first.kind(root), Kind::Cast { .. }) {
            aff = Some(Affinity::Numeric);
        }
    }
    aff
}
