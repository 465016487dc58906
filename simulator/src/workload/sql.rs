//! Statement generators, one per kind of the scenario's mix. Each returns SQL text over the
//! generator's [`Schema`] model.
//!
//! Queries that return more than one row carry an ORDER BY that makes the order total (by
//! rowid, or by exactly-grouping columns), so that the lockstep comparison can compare row
//! by row: SQLite's order for unordered queries depends on its plan, which is not the thing
//! the simulator tests (the SQL-level differential test does).

use crate::decide::Decisions;
use crate::scenario::ValueSpec;
use crate::workload::schema::{Schema, Table};
use crate::workload::values::{self, Kind};

/// A WHERE predicate on `table` (aliased `alias`, or unqualified when empty).
fn predicate(d: &mut Decisions, spec: &ValueSpec, table: &Table, alias: &str) -> String {
    let q = |name: &str| if alias.is_empty() { name.to_string() } else { format!("{alias}.{name}") };
    let column = d.pick(&table.columns);
    match (d.below(6), column) {
        (0, _) | (_, None) => format!("{} = {}", q(table.key()), values::small_key(d)),
        (1, Some(c)) => format!("{} = {}", q(&c.name), values::literal(d, spec, c.kind)),
        (2, Some(c)) => {
            let low = values::integer(d, spec);
            format!("{} BETWEEN {low} AND {}", q(&c.name), low.saturating_add(d.between(0, 40) as i64))
        }
        (3, Some(c)) => format!("{} IS NULL", q(&c.name)),
        (4, _) => {
            let low = values::small_key(d);
            format!("{} >= {low} AND {} < {}", q(table.key()), q(table.key()), low + d.between(1, 20) as i64)
        }
        (_, Some(c)) => format!("{} > {}", q(&c.name), values::literal(d, spec, c.kind)),
    }
}

/// INSERT [OR IGNORE | OR REPLACE] of one to three rows.
pub fn insert(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let table = d.pick(&schema.tables)?;
    let conflict = *d.pick(&["", "", "", "OR IGNORE ", "OR REPLACE "]).unwrap_or(&"");
    let explicit_id = table.has_id && d.chance(0.4);
    let mut names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    if explicit_id {
        names.insert(0, "id");
    }
    let rows = d.between(1, 3);
    let mut tuples = Vec::new();
    for _ in 0..rows {
        let mut vals = Vec::new();
        if explicit_id {
            vals.push(if d.chance(0.1) { "NULL".to_string() } else { values::small_key(d).to_string() });
        }
        for column in &table.columns {
            vals.push(values::literal(d, spec, column.kind));
        }
        tuples.push(format!("({})", vals.join(", ")));
    }
    Some(format!("INSERT {conflict}INTO {}({}) VALUES {}", table.name, names.join(", "), tuples.join(", ")))
}

/// UPDATE [OR IGNORE | OR REPLACE] … SET one or two columns WHERE a predicate.
pub fn update(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let table = d.pick(&schema.tables)?;
    let column = d.pick(&table.columns)?;
    let conflict = *d.pick(&["", "", "OR IGNORE ", "OR REPLACE "]).unwrap_or(&"");
    let value = if column.kind == Some(Kind::Integer) && d.chance(0.3) {
        format!("{} + 1", column.name)
    } else {
        values::literal(d, spec, column.kind)
    };
    let mut sets = format!("{} = {value}", column.name);
    if let Some(second) = d.pick(&table.columns)
        && second.name != column.name
        && d.chance(0.3)
    {
        sets.push_str(&format!(", {} = {}", second.name, values::literal(d, spec, second.kind)));
    }
    Some(format!("UPDATE {conflict}{} SET {sets} WHERE {}", table.name, predicate(d, spec, table, "")))
}

/// DELETE … WHERE a predicate.
pub fn delete(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let table = d.pick(&schema.tables)?;
    Some(format!("DELETE FROM {} WHERE {}", table.name, predicate(d, spec, table, "")))
}

/// SELECT of whole rows by key or by a column's value.
pub fn point_read(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let table = d.pick(&schema.tables)?;
    let column = d.pick(&table.columns);
    Some(match column {
        Some(c) if d.chance(0.5) => format!(
            "SELECT rowid, * FROM {} WHERE {} = {} ORDER BY rowid",
            table.name,
            c.name,
            values::literal(d, spec, c.kind)
        ),
        _ => format!("SELECT rowid, * FROM {} WHERE {} = {}", table.name, table.key(), values::small_key(d)),
    })
}

/// SELECT over a range of a column or of the key, ordered, sometimes with LIMIT / OFFSET.
pub fn range_read(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let table = d.pick(&schema.tables)?;
    let order = if d.chance(0.3) { "rowid DESC" } else { "rowid" };
    let limit =
        if d.chance(0.3) { format!(" LIMIT {} OFFSET {}", d.between(1, 10), d.below(3)) } else { String::new() };
    let filter = if d.chance(0.2) { String::new() } else { format!(" WHERE {}", predicate(d, spec, table, "")) };
    Some(format!("SELECT rowid, * FROM {}{filter} ORDER BY {order}{limit}", table.name))
}

/// count / sum / total / min / max / avg / group_concat, whole-table or grouped by an
/// exactly-grouping column.
pub fn aggregate(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let table = d.pick(&schema.tables)?;
    let column = d.pick(&table.columns)?;
    let func = *d.pick(&["count(*)", "sum", "total", "min", "max", "avg", "count"]).unwrap_or(&"count(*)");
    let call = if func.ends_with(')') { func.to_string() } else { format!("{func}({})", column.name) };
    let filter = if d.chance(0.5) { format!(" WHERE {}", predicate(d, spec, table, "")) } else { String::new() };
    let group = table.columns.iter().filter(|c| c.groups_exactly()).collect::<Vec<_>>();
    Some(match d.pick(&group) {
        Some(g) if d.chance(0.5) => {
            format!("SELECT {0}, {call}, count(*) FROM {1}{filter} GROUP BY {0} ORDER BY {0}", g.name, table.name)
        }
        _ => format!("SELECT {call}, count(*) FROM {}{filter}", table.name),
    })
}

/// Two tables (or one with itself) joined on a column, [LEFT] JOIN, ordered by both rowids.
pub fn join(d: &mut Decisions, spec: &ValueSpec, schema: &Schema) -> Option<String> {
    let a = d.pick(&schema.tables)?;
    let b = d.pick(&schema.tables)?;
    let ca = d.pick(&a.columns)?;
    let cb = d.pick(&b.columns)?;
    let kind = if d.chance(0.3) { "LEFT JOIN" } else { "JOIN" };
    let filter = if d.chance(0.5) { format!(" WHERE {}", predicate(d, spec, a, "x")) } else { String::new() };
    Some(format!(
        "SELECT x.rowid, y.rowid, x.{}, y.{} FROM {} AS x {kind} {} AS y ON x.{} = y.{}{filter} ORDER BY 1, 2",
        ca.name, cb.name, a.name, b.name, ca.name, cb.name
    ))
}
