//! SQL text of a generated [`Case`], with how each statement's rows are to be compared.
//!
//! Tables are `t1`..`t3` with columns `a`..`e` (the same names in every table, so that USING
//! and NATURAL joins have columns to join on); row sources in FROM are aliased `x1`, `x2`, ...
//! (a lone table at the top of a statement goes by its own name). Subqueries in FROM name
//! their result columns `c0`, `c1`, ...
//!
//! What makes a comparison of rows exact, and how the renderer ensures it:
//! - A query's rows are compared in order only when it has ORDER BY, and then every result
//!   column is appended to its ORDER BY, then (outside compounds) `quote()` of each, so that
//!   rows the ORDER BY leaves tied are identical: rows that compare equal but differ (1 and
//!   1.0) come in an order that depends on the plan (an index or a sort).
//! - LIMIT without ORDER BY keeps unspecified rows: at the top of a statement only the number
//!   of rows is compared; inside a statement (FROM, INSERT ... SELECT) ORDER BY is added.
//! - Aggregate queries use no bare columns (a bare column's value comes from an unspecified
//!   row): a column reference in an aggregate context stands for one of the GROUP BY terms,
//!   or, without GROUP BY, for `max(column)` or `count(column)`; subqueries there are not
//!   correlated.
//! - A scalar subquery returns an aggregate, or its first row under
//!   `ORDER BY 1, quote(...) LIMIT 1`.
//! - DISTINCT queries and compounds are ordered by result column numbers only.
//! - Expressions that can fail at run time appear only in a statement's own single-table
//!   (or table-less) core without LIMIT: subqueries, joins, compounds, queries with LIMIT
//!   and queries reading a subquery in FROM hold none: abs() becomes sign(), zeroblob() hex(), sum() total(), like()
//!   has no ESCAPE argument, LIMIT is an integer. SQLite flattens such a subquery into the
//!   outer query or runs it as a co-routine, and merges the SELECTs of an ordered compound
//!   as co-routines that stop early (multiSelectOrderBy: an EXCEPT whose left side is done
//!   never runs its right side), so it computes only the values and rows the outer query
//!   reads (and it copies WHERE terms into subqueries, `pushDownWhereTerms`); its planner
//!   orders joins and terms, and satisfies ORDER BY (so LIMIT stops early), by estimates the
//!   engine's planner does not share yet. The engine computes each subquery and each
//!   SELECT whole first and orders by its own estimates, and so meets errors SQLite never
//!   reaches.
//! - An IN subquery over the table an INSERT, UPDATE or DELETE writes has a WHERE clause:
//!   without one SQLite reads the table's index live as the IN set (sqlite3FindInIndex), so
//!   rows the statement already changed count, where the engine reads a copy made once.
//! - WHERE, ON and GROUP BY (whose terms HAVING may move to WHERE) read no column of a
//!   compound subquery in FROM: SQLite copies such a WHERE term into each SELECT of the
//!   compound, where it compares with that SELECT's affinity, and keeps or drops rows
//!   before the compound picks among equal ones; the engine filters the compound's rows.

use super::case::{
    Case, Column, Conflict, Core, Expr, From, Index, InsertSource, JoinOn, OrderTerm, PrimaryKey, Query, ResultColumn,
    Schema, Sel, Source, Stmt, SubQuery, Table,
};
use super::pair::Order;

pub const COLUMN_NAMES: &[&str] = &["a", "b", "c", "d", "e"];

/// One statement's SQL and how its rows compare.
#[derive(Clone, Debug)]
pub struct Statement {
    pub sql: String,
    pub order: Order,
}

#[derive(Clone, Debug)]
pub struct Rendered {
    /// CREATE TABLE and CREATE INDEX statements.
    pub schema: Vec<String>,
    pub statements: Vec<Statement>,
    /// The tables' names.
    pub tables: Vec<String>,
}

impl Rendered {
    /// The whole script, one statement per line.
    pub fn script(&self) -> String {
        let mut s = String::new();
        for sql in self.schema.iter().chain(self.statements.iter().map(|st| &st.sql)) {
            s.push_str(sql);
            s.push_str(";\n");
        }
        s
    }
}

pub fn render(case: &Case) -> Rendered {
    let mut r = Renderer {
        schema: &case.schema,
        next_alias: 0,
        indexes: Vec::new(),
        safe: false,
        aggregates: 0,
        dml_target: None,
    };
    let mut schema = Vec::new();
    for (i, t) in case.schema.tables.iter().enumerate() {
        schema.push(create_table(i, t));
    }
    for index in &case.schema.indexes {
        schema.extend(r.create_index(index));
    }
    let statements = case.statements.iter().map(|s| r.statement(s)).collect();
    Rendered { schema, statements, tables: (1..=case.schema.tables.len()).map(|i| format!("t{i}")).collect() }
}

fn pick<T: Clone>(items: &[T], sel: Sel) -> T {
    items[usize::from(sel) % items.len()].clone()
}

/// Distinct column numbers of `sels` (in order of first appearance) for a table of `n`.
fn distinct_columns(sels: &[Sel], n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for s in sels {
        let c = usize::from(*s) % n;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Whether values of a column that compare equal are identical, so that which of them an
/// index meets first cannot matter: a column of INTEGER, REAL or NUMERIC affinity (numbers
/// are stored in one type) or of TEXT affinity, with the BINARY collation. Only these are
/// indexed (see the test's exclusions): in a column of BLOB affinity 1 and 1.0 compare equal,
/// under NOCASE 'a' and 'A' do.
pub fn tie_free(c: &Column) -> bool {
    let ty = c.ty.to_ascii_uppercase();
    let typed = ty.contains("INT")
        || ty.contains("CHAR")
        || ty.contains("TEXT")
        || ty.contains("REAL")
        || ty.contains("DOUB")
        || ty.contains("NUMERIC")
        || ty.contains("BOOL");
    typed && c.collate.is_none_or(|coll| coll.eq_ignore_ascii_case("BINARY"))
}

/// The distinct tie-free columns among `sels` of table `t`.
fn tie_free_columns(t: &Table, sels: &[Sel]) -> Vec<usize> {
    distinct_columns(sels, t.columns.len()).into_iter().filter(|&c| tie_free(&t.columns[c])).collect()
}

fn create_table(i: usize, t: &Table) -> String {
    let n = t.columns.len();
    let mut parts = Vec::new();
    let pk_column = match &t.primary_key {
        Some(PrimaryKey::Column { column, desc }) => {
            Some((usize::from(*column) % n, *desc)).filter(|(c, _)| tie_free(&t.columns[*c]))
        }
        _ => None,
    };
    for (j, c) in t.columns.iter().enumerate() {
        let unique = c.unique && tie_free(c);
        parts.push(column_def(j, c, pk_column.filter(|(k, _)| *k == j).map(|(_, desc)| desc), unique));
    }
    if let Some(PrimaryKey::Table(cols)) = &t.primary_key {
        let names: Vec<&str> = tie_free_columns(t, cols).into_iter().map(|c| COLUMN_NAMES[c]).collect();
        if !names.is_empty() {
            parts.push(format!("PRIMARY KEY ({})", names.join(", ")));
        }
    }
    if let Some(cols) = &t.unique {
        let names: Vec<&str> = tie_free_columns(t, cols).into_iter().map(|c| COLUMN_NAMES[c]).collect();
        if !names.is_empty() {
            parts.push(format!("UNIQUE ({})", names.join(", ")));
        }
    }
    if let Some((x, op, y)) = t.check {
        parts.push(format!("CHECK ({} {op} {})", pick(&COLUMN_NAMES[..n], x), pick(&COLUMN_NAMES[..n], y)));
    }
    format!("CREATE TABLE t{} ({})", i + 1, parts.join(", "))
}

fn column_def(j: usize, c: &Column, primary_key: Option<bool>, unique: bool) -> String {
    let name = COLUMN_NAMES[j];
    let mut s = name.to_string();
    if !c.ty.is_empty() {
        s += " ";
        s += c.ty;
    }
    if let Some(desc) = primary_key {
        s += if desc { " PRIMARY KEY DESC" } else { " PRIMARY KEY" };
    }
    if c.not_null {
        s += " NOT NULL";
    }
    if unique {
        s += " UNIQUE";
    }
    if let Some(d) = &c.default {
        s += " DEFAULT ";
        s += d;
    }
    if let Some(check) = c.check {
        s += &format!(" CHECK ({})", check.replace('?', name));
    }
    if let Some(coll) = c.collate {
        s += " COLLATE ";
        s += coll;
    }
    s
}

/// A row source in scope: the name that qualifies its columns, and the columns.
#[derive(Clone, Debug)]
struct Src {
    qual: String,
    columns: Vec<String>,
    /// A subquery in FROM.
    subquery: bool,
    /// A compound subquery in FROM: WHERE, ON and GROUP BY do not read its columns (see
    /// the module comment).
    compound: bool,
}

#[derive(Debug)]
struct Scope<'a> {
    sources: Vec<Src>,
    outer: Option<&'a Scope<'a>>,
    /// Qualify column references even with one source and no outer scope.
    qualify: bool,
}

impl<'a> Scope<'a> {
    fn empty() -> Scope<'static> {
        Scope { sources: Vec::new(), outer: None, qualify: false }
    }

    /// Every visible column: (qualifier, name, must qualify).
    fn visible(&self) -> Vec<(&str, &str, bool)> {
        let qualify = self.qualify || self.sources.len() > 1 || self.outer.is_some();
        let mut out: Vec<(&str, &str, bool)> = Vec::new();
        for s in &self.sources {
            for c in &s.columns {
                out.push((&s.qual, c, qualify));
            }
        }
        if let Some(o) = self.outer {
            out.extend(o.visible().into_iter().map(|(q, c, _)| (q, c, true)));
        }
        out
    }

    /// The scope of WHERE, ON and GROUP BY: without the columns of compound subqueries.
    fn filtering(&self) -> Scope<'a> {
        Scope {
            sources: self.sources.iter().filter(|s| !s.compound).cloned().collect(),
            outer: self.outer,
            qualify: self.qualify || self.sources.len() > 1,
        }
    }
}

/// How column references and aggregate functions render.
#[derive(Clone, Copy, Debug)]
enum Agg<'a> {
    /// A row context: columns are columns, aggregates their arguments.
    Row,
    /// An aggregate query with GROUP BY: columns stand for these terms.
    Group(&'a [String]),
    /// An aggregate query without GROUP BY.
    Whole,
}

struct Cx<'a, 'b> {
    scope: &'a Scope<'b>,
    agg: Agg<'a>,
}

struct Renderer<'s> {
    schema: &'s Schema,
    next_alias: u32,
    /// Names of the indexes created so far.
    indexes: Vec<String>,
    /// Inside a FROM subquery: no expression that can fail at run time (see the module
    /// comment).
    safe: bool,
    /// Aggregate calls written so far.
    aggregates: u32,
    /// The table an INSERT, UPDATE or DELETE writes.
    dml_target: Option<String>,
}

impl Renderer<'_> {
    fn table(&self, sel: Sel) -> (String, Vec<String>) {
        let i = usize::from(sel) % self.schema.tables.len();
        let cols = COLUMN_NAMES[..self.schema.tables[i].columns.len()].iter().map(|c| c.to_string()).collect();
        (format!("t{}", i + 1), cols)
    }

    fn alias(&mut self) -> String {
        self.next_alias += 1;
        format!("x{}", self.next_alias)
    }

    /// CREATE INDEX on the tie-free columns chosen; None when there are none.
    fn create_index(&mut self, index: &Index) -> Option<String> {
        let (table, cols) = self.table(index.table);
        let def = &self.schema.tables[usize::from(index.table) % self.schema.tables.len()];
        let terms: Vec<String> = index
            .columns
            .iter()
            .filter(|(c, _, _)| tie_free(&def.columns[usize::from(*c) % cols.len()]))
            .map(|(c, desc, coll)| {
                let mut s = pick(&cols[..], *c).to_string();
                if let Some(coll) = coll.filter(|c| c.eq_ignore_ascii_case("BINARY")) {
                    s += " COLLATE ";
                    s += coll;
                }
                if *desc {
                    s += " DESC";
                }
                s
            })
            .collect();
        if terms.is_empty() {
            return None;
        }
        let name = format!("i{}", self.indexes.len() + 1);
        self.indexes.push(name.clone());
        let unique = if index.unique { "UNIQUE " } else { "" };
        Some(format!("CREATE {unique}INDEX {name} ON {table} ({})", terms.join(", ")))
    }

    fn statement(&mut self, s: &Stmt) -> Statement {
        self.next_alias = 0;
        // Expressions that can fail at run time only where SQLite and the engine compute
        // the same values in the same order (see the module comment): the statement itself,
        // not its subqueries, joins or LIMITs.
        self.safe = false;
        self.dml_target = match s {
            Stmt::Update { table, .. } | Stmt::Delete { table, .. } | Stmt::Insert { table, .. } => {
                Some(self.table(*table).0)
            }
            _ => None,
        };
        let done = |sql: String| Statement { sql, order: Order::Exact };
        match s {
            Stmt::Insert { conflict, table, columns, source } => done(self.insert(*conflict, *table, columns, source)),
            Stmt::Update { conflict, table, sets, filter } => {
                let (name, cols) = self.table(*table);
                let scope = Scope {
                    sources: vec![Src { qual: name.clone(), columns: cols.clone(), subquery: false, compound: false }],
                    outer: None,
                    qualify: false,
                };
                let cx = Cx { scope: &scope, agg: Agg::Row };
                let sets: Vec<String> =
                    sets.iter().map(|(c, e)| format!("{} = {}", pick(&cols[..], *c), self.expr(e, &cx))).collect();
                let mut sql = format!("UPDATE {}{name} SET {}", conflict_clause(*conflict), sets.join(", "));
                if let Some(f) = filter {
                    sql += &format!(" WHERE {}", self.expr(f, &cx));
                }
                done(sql)
            }
            Stmt::Delete { table, filter } => {
                let (name, cols) = self.table(*table);
                let scope = Scope {
                    sources: vec![Src { qual: name.clone(), columns: cols, subquery: false, compound: false }],
                    outer: None,
                    qualify: false,
                };
                let mut sql = format!("DELETE FROM {name}");
                if let Some(f) = filter {
                    sql += &format!(" WHERE {}", self.expr(f, &Cx { scope: &scope, agg: Agg::Row }));
                }
                done(sql)
            }
            Stmt::Select(q) => {
                let (sql, _, order) = self.query(q, None, Nested::Top);
                Statement { sql, order }
            }
            Stmt::Begin(kind) => done(if kind.is_empty() { "BEGIN".to_string() } else { format!("BEGIN {kind}") }),
            Stmt::Commit(word) => done(word.to_string()),
            Stmt::Rollback => done("ROLLBACK".to_string()),
            Stmt::Savepoint(s) => done(format!("SAVEPOINT s{}", s % 3)),
            Stmt::Release(s) => done(format!("RELEASE s{}", s % 3)),
            Stmt::RollbackTo(s) => done(format!("ROLLBACK TO s{}", s % 3)),
            Stmt::CreateIndex(index) => {
                done(self.create_index(index).unwrap_or_else(|| "DROP INDEX IF EXISTS i0".to_string()))
            }
            Stmt::DropIndex(s) => done(if self.indexes.is_empty() {
                "DROP INDEX i1".to_string()
            } else {
                format!("DROP INDEX {}", pick(&self.indexes[..], *s))
            }),
        }
    }

    fn insert(&mut self, conflict: Conflict, table: Sel, columns: &Option<Vec<Sel>>, source: &InsertSource) -> String {
        let (name, cols) = self.table(table);
        let verb = match conflict {
            Conflict::Replace if table.is_multiple_of(2) => "REPLACE INTO".to_string(),
            c => format!("INSERT {}INTO", conflict_clause(c)),
        };
        let targets: Vec<usize> = match columns {
            Some(sels) => distinct_columns(sels, cols.len()),
            None => (0..cols.len()).collect(),
        };
        let list = match columns {
            Some(_) => format!(" ({})", targets.iter().map(|&c| cols[c].as_str()).collect::<Vec<_>>().join(", ")),
            None => String::new(),
        };
        let width = targets.len();
        let body = match source {
            InsertSource::DefaultValues => "DEFAULT VALUES".to_string(),
            InsertSource::Values(rows) => {
                let scope = Scope::empty();
                let cx = Cx { scope: &scope, agg: Agg::Row };
                let rows: Vec<String> = rows
                    .iter()
                    .map(|row| {
                        let items: Vec<String> = (0..width).map(|i| self.expr(&row[i % row.len()], &cx)).collect();
                        format!("({})", items.join(", "))
                    })
                    .collect();
                format!("VALUES {}", rows.join(", "))
            }
            InsertSource::Select(q) => self.query(q, Some(width), Nested::Insert).0,
        };
        format!("{verb} {name}{list} {body}")
    }

    /// A query's SQL, its number of result columns and how its rows compare. `width` forces
    /// the number of result columns.
    fn query(&mut self, q: &Query, width: Option<usize>, nested: Nested) -> (String, usize, Order) {
        let compound = !q.compound.is_empty();
        let limited = q.limit.is_some() && nested != Nested::Top;
        let ordered = !q.order_by.is_empty() || limited || nested == Nested::Insert;
        // The arms of an ordered compound cannot fail at run time (see the module comment).
        let was = self.safe;
        self.safe |= compound || q.limit.is_some();
        let first = self.core(&q.first, width, nested == Nested::From);
        let n = first.width;
        let mut sql = first.sql.clone();
        for (op, core) in &q.compound {
            let arm = self.core(core, Some(n), false);
            sql += &format!(" {op} {}", arm.sql);
        }
        self.safe = was;
        // ORDER BY: the generated terms (column numbers only for DISTINCT and compounds),
        // then every result column, so that only equal rows tie.
        let mut terms: Vec<String> = Vec::new();
        if ordered {
            let mut numbers: Vec<usize> = Vec::new();
            for (term, desc) in &q.order_by {
                let dir = if *desc { " DESC" } else { "" };
                match term {
                    OrderTerm::Expr(e) if !compound && !q.first.distinct => {
                        let scope = Scope { sources: first.sources.clone(), outer: None, qualify: q.first.qualify };
                        // A query SQLite does not take for an aggregate one (no aggregate in
                        // its result, no GROUP BY) rejects aggregates in its ORDER BY, unless
                        // it drops that ORDER BY: which it does for a FROM subquery depends
                        // on how it flattens the query, so FROM subqueries have none.
                        let agg = if self.safe && !first.real_agg { Agg::Row } else { first.agg() };
                        let t = self.expr(e, &Cx { scope: &scope, agg });
                        terms.push(format!("{t}{dir}"));
                    }
                    OrderTerm::Expr(_) | OrderTerm::Column(_) => {
                        let k = match term {
                            OrderTerm::Column(s) => usize::from(*s) % n,
                            _ => 0,
                        };
                        if !numbers.contains(&k) {
                            numbers.push(k);
                            terms.push(format!("{}{dir}", k + 1));
                        }
                    }
                }
            }
            for k in 0..n {
                if !numbers.contains(&k) {
                    terms.push((k + 1).to_string());
                }
            }
            if !compound {
                // Rows tied so far compare equal but may differ (1 and 1.0, 'a' and 'A'
                // under NOCASE, 0.0 and -0.0): which comes first depends on the plan, so
                // order them by their text too. (A compound's UNION ALL keeps its sides'
                // order in both engines; its other operators leave no such ties.)
                terms.extend(first.texts.iter().map(|t| format!("quote({t})")));
            }
            sql += &format!(" ORDER BY {}", terms.join(", "));
        }
        let mut limit = q.limit.as_ref().map(|(l, o)| (self.limit_term(l), o.as_ref().map(|o| self.limit_term(o))));
        if nested == Nested::Insert && limit.is_none() {
            // INSERT ... SELECT adds a few rows at a time.
            limit = Some(("6".to_string(), None));
        }
        if let Some((l, o)) = &limit {
            sql += &format!(" LIMIT {l}");
            if let Some(o) = o {
                sql += &format!(" OFFSET {o}");
            }
        }
        let order = if !terms.is_empty() {
            Order::Exact
        } else if limit.is_some() {
            Order::Count
        } else {
            Order::Multiset
        };
        (sql, n, order)
    }

    /// An expression outside any row source.
    fn constant(&mut self, e: &Expr) -> String {
        let scope = Scope::empty();
        self.expr(e, &Cx { scope: &scope, agg: Agg::Row })
    }

    /// A LIMIT or OFFSET: inside a FROM subquery an integer (anything else may be a
    /// datatype mismatch).
    fn limit_term(&mut self, e: &Expr) -> String {
        let sql = self.constant(e);
        if self.safe && sql.parse::<i64>().is_err() { "2".to_string() } else { sql }
    }

    /// One SELECT core. `width` forces the number of result columns; `named` names them
    /// `c0`, `c1`, ... (a subquery in FROM).
    fn core(&mut self, core: &Core, width: Option<usize>, named: bool) -> CoreOut {
        let (from_sql, sources, merged) = match &core.from {
            Some(f) => self.from(f),
            None => (String::new(), Vec::new(), false),
        };
        let scope = Scope { sources, outer: None, qualify: core.qualify };
        // A join, or a query reading a subquery in FROM, holds no expression that can fail
        // at run time.
        let was_safe = self.safe;
        self.safe |= scope.sources.len() > 1 || scope.sources.iter().any(|s| s.subquery);
        let filtering = scope.filtering();
        let filter_row = Cx { scope: &filtering, agg: Agg::Row };
        let group: Vec<String> = core.group_by.iter().map(|g| self.expr(g, &filter_row)).collect();
        let is_agg = core.aggregate || !group.is_empty();
        let agg = if !group.is_empty() {
            Agg::Group(&group)
        } else if is_agg {
            Agg::Whole
        } else {
            Agg::Row
        };
        let cx = Cx { scope: &scope, agg };
        // `*` stays `*` only where its width is known and it names no bare column.
        let star_ok = width.is_none() && !named && !merged && !is_agg && !scope.sources.is_empty();
        let aggregates_before = self.aggregates;
        let mut items: Vec<String> = Vec::new();
        // The text of each result column.
        let mut texts: Vec<String> = Vec::new();
        let count = width.unwrap_or(core.columns.len());
        for i in 0..count {
            match &core.columns[i % core.columns.len()] {
                ResultColumn::Star if star_ok => {
                    items.push("*".to_string());
                    for s in &scope.sources {
                        texts.extend(s.columns.iter().map(|c| format!("{}.{c}", s.qual)));
                    }
                }
                ResultColumn::Star => {
                    let e = Expr::Column(i as Sel);
                    items.push(self.expr(&e, &cx));
                    texts.push(items.last().expect("pushed").clone());
                }
                ResultColumn::Expr(e) => {
                    items.push(self.expr(e, &cx));
                    texts.push(items.last().expect("pushed").clone());
                }
            }
        }
        let n = texts.len();
        let real_agg = !group.is_empty() || self.aggregates > aggregates_before;
        if named {
            items = items.into_iter().enumerate().map(|(i, s)| format!("{s} AS c{i}")).collect();
        }
        let mut sql = format!("SELECT {}{}", if core.distinct { "DISTINCT " } else { "" }, items.join(", "));
        if !from_sql.is_empty() {
            sql += &format!(" FROM {from_sql}");
        }
        if let Some(f) = &core.filter {
            sql += &format!(" WHERE {}", self.expr(f, &filter_row));
        }
        if !group.is_empty() {
            sql += &format!(" GROUP BY {}", group.join(", "));
        }
        if is_agg && let Some(h) = &core.having {
            sql += &format!(" HAVING {}", self.expr(h, &cx));
        }
        self.safe = was_safe;
        let sources = scope.sources.clone();
        CoreOut { sql, width: n, texts, sources, group, whole: is_agg, real_agg }
    }

    /// A FROM clause: its SQL, the row sources, and whether USING or NATURAL merges columns
    /// (then `*` has fewer columns than the sources).
    fn from(&mut self, f: &From) -> (String, Vec<Src>, bool) {
        let alone = f.joins.is_empty() && self.next_alias == 0;
        let mut sources = Vec::new();
        let mut sql = self.source(&f.first, alone, &mut sources);
        let mut merged = false;
        for (kind, source, on) in &f.joins {
            let item = self.source(source, false, &mut sources);
            sql += &format!(" {kind} {item}");
            if *kind == "NATURAL JOIN" {
                merged = true;
                continue;
            }
            match on {
                JoinOn::None => {}
                JoinOn::On(e) => {
                    let scope = Scope { sources: sources.clone(), outer: None, qualify: true }.filtering();
                    let was_safe = self.safe;
                    self.safe |= sources.iter().any(|s| s.subquery);
                    sql += &format!(" ON {}", self.expr(e, &Cx { scope: &scope, agg: Agg::Row }));
                    self.safe = was_safe;
                }
                JoinOn::Using(sel) => {
                    let (right, left) = sources.split_last().expect("a source");
                    let common: Vec<&String> =
                        right.columns.iter().filter(|c| left.iter().any(|s| s.columns.contains(c))).collect();
                    if !common.is_empty() {
                        sql += &format!(" USING ({})", pick(&common[..], *sel));
                        merged = true;
                    }
                }
            }
        }
        (sql, sources, merged)
    }

    fn source(&mut self, s: &Source, alone: bool, sources: &mut Vec<Src>) -> String {
        match s {
            Source::Table(sel) => {
                let (name, columns) = self.table(*sel);
                if alone {
                    sources.push(Src { qual: name.clone(), columns, subquery: false, compound: false });
                    name
                } else {
                    let alias = self.alias();
                    sources.push(Src { qual: alias.clone(), columns, subquery: false, compound: false });
                    format!("{name} AS {alias}")
                }
            }
            Source::Subquery(q) => {
                let alias = self.alias();
                let was = std::mem::replace(&mut self.safe, true);
                let (sql, n, _) = self.query(q, None, Nested::From);
                self.safe = was;
                let columns = (0..n).map(|i| format!("c{i}")).collect();
                sources.push(Src { qual: alias.clone(), columns, subquery: true, compound: !q.compound.is_empty() });
                format!("({sql}) AS {alias}")
            }
        }
    }

    fn column(&mut self, sel: Sel, cx: &Cx<'_, '_>) -> String {
        let visible = cx.scope.visible();
        if visible.is_empty() {
            return pick(&["0", "1", "2", "-1", "NULL", "'a'", "1.5"], sel).to_string();
        }
        let (q, c, qualify) = visible[usize::from(sel) % visible.len()];
        let name = if qualify { format!("{q}.{c}") } else { c.to_string() };
        match cx.agg {
            Agg::Row => name,
            Agg::Group(terms) => terms[usize::from(sel) % terms.len()].clone(),
            Agg::Whole => {
                self.aggregates += 1;
                if sel.is_multiple_of(2) { format!("max({name})") } else { format!("count({name})") }
            }
        }
    }

    fn expr(&mut self, e: &Expr, cx: &Cx<'_, '_>) -> String {
        let sub = |r: &mut Self, e: &Expr| r.expr(e, cx);
        match e {
            Expr::Literal(s) => s.clone(),
            Expr::Column(sel) => self.column(*sel, cx),
            Expr::Unary(op, e) => format!("{op}({})", sub(self, e)),
            Expr::Binary(op, l, r) => format!("({}) {op} ({})", sub(self, l), sub(self, r)),
            Expr::Postfix(e, p) => format!("({}) {p}", sub(self, e)),
            Expr::Between { e, not, lo, hi } => {
                format!("({}) {}BETWEEN ({}) AND ({})", sub(self, e), not_(*not), sub(self, lo), sub(self, hi))
            }
            Expr::InList { e, not, list } => {
                let items: Vec<String> = list.iter().map(|x| sub(self, x)).collect();
                format!("({}) {}IN ({})", sub(self, e), not_(*not), items.join(", "))
            }
            Expr::InSelect { e, not, sub: q } => {
                let lhs = sub(self, e);
                format!("({lhs}) {}IN ({})", not_(*not), self.subquery(q, cx, SubKind::In))
            }
            Expr::Exists { not, sub: q } => format!("{}EXISTS ({})", not_(*not), self.subquery(q, cx, SubKind::Exists)),
            Expr::Scalar(q) => format!("({})", self.subquery(q, cx, SubKind::Scalar)),
            Expr::Like { e, not, op, pattern, escape } => {
                let mut s = format!("({}) {}{op} ({})", sub(self, e), not_(*not), sub(self, pattern));
                if let Some(esc) = escape {
                    s += &format!(" ESCAPE {esc}");
                }
                s
            }
            Expr::Case { operand, arms, otherwise } => {
                let mut s = "CASE".to_string();
                if let Some(o) = operand {
                    s += &format!(" ({})", sub(self, o));
                }
                for (w, t) in arms {
                    s += &format!(" WHEN ({}) THEN ({})", sub(self, w), sub(self, t));
                }
                if let Some(o) = otherwise {
                    s += &format!(" ELSE ({})", sub(self, o));
                }
                s + " END"
            }
            Expr::Cast(e, ty) => format!("CAST(({}) AS {ty})", sub(self, e)),
            Expr::Function(name, args) => {
                let mut args: Vec<String> = args.iter().map(|a| sub(self, a)).collect();
                let name = match *name {
                    // abs(-9223372036854775808) overflows, zeroblob(2147483648) is too big,
                    // like()'s escape must be one character.
                    "abs" if self.safe => "sign",
                    "zeroblob" if self.safe => "hex",
                    "like" if self.safe => {
                        args.truncate(2);
                        "like"
                    }
                    other => other,
                };
                format!("{name}({})", args.join(", "))
            }
            Expr::Collate(e, c) => format!("({}) COLLATE {c}", sub(self, e)),
            Expr::Aggregate { f, distinct, arg } => match (cx.agg, arg) {
                (Agg::Row, Some(a)) => sub(self, a),
                (Agg::Row, None) => "1".to_string(),
                (_, None) if *f == "count" => {
                    self.aggregates += 1;
                    "count(*)".to_string()
                }
                (_, arg) => {
                    self.aggregates += 1;
                    // sum() can overflow; total() cannot.
                    let f = if self.safe && *f == "sum" { "total" } else { f };
                    // group_concat() concatenates in join order, which the engine's planner
                    // chooses by its own estimates (see the test's exclusions).
                    let f = if f == "group_concat" && cx.scope.sources.len() > 1 { "max" } else { f };
                    let row = Cx { scope: cx.scope, agg: Agg::Row };
                    let a = match arg {
                        Some(a) => self.expr(a, &row),
                        None => self.column(0, &row),
                    };
                    format!("{f}({}{a})", if *distinct { "DISTINCT " } else { "" })
                }
            },
        }
    }

    fn subquery(&mut self, q: &SubQuery, cx: &Cx<'_, '_>, kind: SubKind) -> String {
        let was = std::mem::replace(&mut self.safe, true);
        let sql = self.subquery_safe(q, cx, kind);
        self.safe = was;
        sql
    }

    fn subquery_safe(&mut self, q: &SubQuery, cx: &Cx<'_, '_>, kind: SubKind) -> String {
        let (name, columns) = self.table(q.table);
        let alias = self.alias();
        // Correlated with the enclosing query only in a row context (no bare columns).
        let correlated = matches!(cx.agg, Agg::Row) && (!cx.scope.sources.is_empty() || cx.scope.outer.is_some());
        let scope = Scope {
            sources: vec![Src { qual: alias.clone(), columns, subquery: false, compound: false }],
            outer: if correlated { Some(cx.scope) } else { None },
            qualify: true,
        };
        let inner = Cx { scope: &scope, agg: Agg::Row };
        let result = self.expr(&q.result, &inner);
        let filter = q.filter.as_ref().map(|f| self.expr(f, &inner));
        let aggregate = q.aggregate.map(|f| if self.safe && f == "sum" { "total" } else { f });
        let what = match (kind, aggregate) {
            // An aggregate whose argument reads only the enclosing query's columns belongs to
            // that query in SQLite (see the test's exclusions): make it read this one's too.
            (SubKind::Scalar, Some(f)) if correlated && !result.contains(&format!("{alias}.")) => {
                format!("{f}(coalesce({result}, {alias}.a))")
            }
            (SubKind::Scalar, Some(f)) => format!("{f}({result})"),
            (SubKind::Exists, _) => "1".to_string(),
            _ => result,
        };
        let mut sql = format!("SELECT {what} FROM {name} AS {alias}");
        if let Some(f) = filter {
            sql += &format!(" WHERE {f}");
        } else if kind == SubKind::In && self.dml_target.as_deref() == Some(name.as_str()) {
            // An IN over a table the statement writes always has a WHERE (see the module
            // comment).
            sql += " WHERE 1";
        }
        if kind == SubKind::Scalar && aggregate.is_none() {
            sql += &format!(" ORDER BY 1, quote({what}) LIMIT 1");
        }
        sql
    }
}

fn not_(not: bool) -> &'static str {
    if not { "NOT " } else { "" }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SubKind {
    Scalar,
    In,
    Exists,
}

/// A rendered SELECT core.
struct CoreOut {
    sql: String,
    width: usize,
    /// The text of each result column (`*` expanded).
    texts: Vec<String>,
    sources: Vec<Src>,
    group: Vec<String>,
    /// An aggregate query.
    whole: bool,
    /// An aggregate query as SQLite sees it: GROUP BY, or an aggregate in the result.
    real_agg: bool,
}

impl CoreOut {
    fn agg(&self) -> Agg<'_> {
        if !self.group.is_empty() {
            Agg::Group(&self.group)
        } else if self.whole {
            Agg::Whole
        } else {
            Agg::Row
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nested {
    /// A statement of its own.
    Top,
    /// A subquery in FROM.
    From,
    /// The SELECT of INSERT ... SELECT.
    Insert,
}

fn conflict_clause(c: Conflict) -> &'static str {
    match c {
        Conflict::Default => "",
        Conflict::Abort => "OR ABORT ",
        Conflict::Ignore => "OR IGNORE ",
        Conflict::Replace => "OR REPLACE ",
        Conflict::Fail => "OR FAIL ",
        Conflict::Rollback => "OR ROLLBACK ",
    }
}
