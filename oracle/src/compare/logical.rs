//! L0: real SQLite's `PRAGMA integrity_check` passes on the first image, and both images hold
//! the same logical content: the same `sqlite_schema` rows (type, name, tbl_name, sql; root
//! page numbers are physical and belong to L1), the same rows in every table in key order (as
//! real SQLite reads them), and the same entries in every index in key order (read from the
//! b-tree by the decoder, since SQL cannot list an index as stored).
//!
//! Real SQLite (rusqlite, bundled) reads temporary copies of the images, opened read-only
//! and `immutable=1` so that it neither locks nor writes beside them.

use std::path::Path;

use rusqlite::types::ValueRef as SqlValueRef;
use rusqlite::{Connection, OpenFlags};
use touchstone_engine::format::Value;

use super::shape::same_values;
use crate::pages::payload::decode_record;
use crate::pages::render::render_values;
use crate::pages::{Image, TreeEntries};

/// The most integrity_check messages quoted.
const MAX_INTEGRITY_MESSAGES: usize = 8;

/// Checks L0 for images `a` (the engine side) and `b` (the reference). Returns the reasons
/// L0 fails (empty when it holds). With `compare_content` false only the integrity check
/// runs (the caller has established equal content otherwise, e.g. at L2).
pub fn check_logical(a: &[u8], b: &[u8], compare_content: bool) -> Vec<String> {
    match check(a, b, compare_content) {
        Ok(failures) => failures,
        Err(e) => vec![e],
    }
}

/// [`check_logical`] with setup failures (temp files, opening) as `Err`.
fn check(a: &[u8], b: &[u8], compare_content: bool) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let conn_a = open_copy(&dir.path().join("a.db"), a).map_err(|e| format!("a: {e}"))?;
    let mut failures = integrity_failures(&conn_a);
    if !failures.is_empty() || !compare_content {
        return Ok(failures);
    }
    let conn_b = open_copy(&dir.path().join("b.db"), b).map_err(|e| format!("b: {e}"))?;
    let schema_a = query_rows(&conn_a, SCHEMA_SQL).map_err(|e| format!("a: {e}"))?;
    let schema_b = query_rows(&conn_b, SCHEMA_SQL).map_err(|e| format!("b: {e}"))?;
    if let Some(diff) = first_row_difference(&schema_a, &schema_b) {
        failures.push(format!("sqlite_schema differs: {diff}"));
        return Ok(failures);
    }
    for row in &schema_a {
        let (Some(Value::Text(kind)), Some(Value::Text(name))) = (row.first(), row.get(1)) else {
            continue;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let result = match kind.as_slice() {
            b"table" => compare_table(&conn_a, &conn_b, &name),
            b"index" => compare_index(&conn_a, &conn_b, a, b, &name),
            _ => Ok(()),
        };
        if let Err(diff) = result {
            failures.push(diff);
        }
    }
    Ok(failures)
}

/// The schema as L0 compares it: ordered by type and name, root pages left out.
const SCHEMA_SQL: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";

/// Writes `image` to `path` and opens it read-only and immutable.
fn open_copy(path: &Path, image: &[u8]) -> Result<Connection, String> {
    std::fs::write(path, image).map_err(|e| format!("cannot write a temp copy: {e}"))?;
    // URI syntax: '%', '?' and '#' in the path must be escaped.
    let escaped = path.display().to_string().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    let uri = format!("file:{escaped}?immutable=1");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(uri, flags).map_err(|e| format!("cannot open: {e}"))
}

/// The messages of `PRAGMA integrity_check` when it does not say just "ok".
fn integrity_failures(conn: &Connection) -> Vec<String> {
    match query_rows(conn, "PRAGMA integrity_check") {
        Ok(rows) if rows.len() == 1 && matches!(&rows[0][..], [Value::Text(t)] if t == b"ok") => Vec::new(),
        Ok(rows) => {
            let mut out: Vec<String> = rows
                .iter()
                .take(MAX_INTEGRITY_MESSAGES)
                .map(|r| format!("integrity_check on a: {}", render_values(r).0))
                .collect();
            if rows.len() > MAX_INTEGRITY_MESSAGES {
                out.push(format!("... {} messages in all", rows.len()));
            }
            out
        }
        Err(e) => vec![format!("integrity_check on a fails: {e}")],
    }
}

/// Every row of `sql`, values owned (text as bytes, exactly as stored).
fn query_rows(conn: &Connection, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        out.push(row_values(row, columns)?);
    }
    Ok(out)
}

/// The values of one result row.
fn row_values(row: &rusqlite::Row<'_>, columns: usize) -> Result<Vec<Value>, String> {
    (0..columns)
        .map(|i| {
            let value = row.get_ref(i).map_err(|e| e.to_string())?;
            Ok(match value {
                SqlValueRef::Null => Value::Null,
                SqlValueRef::Integer(i) => Value::Integer(i),
                SqlValueRef::Real(r) => Value::Real(r),
                SqlValueRef::Text(t) => Value::Text(t.to_vec()),
                SqlValueRef::Blob(b) => Value::Blob(b.to_vec()),
            })
        })
        .collect()
}

/// The first index at which two row lists differ, described; None when equal.
fn first_row_difference(a: &[Vec<Value>], b: &[Vec<Value>]) -> Option<String> {
    let i = (0..a.len().max(b.len())).find(|&i| match (a.get(i), b.get(i)) {
        (Some(x), Some(y)) => !same_values(x, y),
        _ => true,
    })?;
    let show = |r: Option<&Vec<Value>>| r.map_or("(no row)".to_string(), |r| render_values(r).0);
    Some(format!("row {i}: a {} vs b {} ({} rows vs {})", show(a.get(i)), show(b.get(i)), a.len(), b.len()))
}

/// `name` as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The rows of table `name` in both files, in rowid order (primary-key order for WITHOUT
/// ROWID tables), compared value by value. Virtual tables are skipped (their rows are not
/// in the file).
fn compare_table(conn_a: &Connection, conn_b: &Connection, name: &str) -> Result<(), String> {
    let virtual_sql = "SELECT 1 FROM sqlite_schema WHERE name = ?1 AND rootpage = 0";
    if conn_a.prepare(virtual_sql).and_then(|mut s| s.exists([name])).unwrap_or(false) {
        return Ok(());
    }
    let table = quote(name);
    let with_rowid = format!("SELECT rowid, * FROM {table} ORDER BY rowid");
    let sql = if conn_a.prepare(&with_rowid).is_ok() { with_rowid } else { format!("SELECT * FROM {table}") };
    let rows_a = query_rows(conn_a, &sql).map_err(|e| format!("table {name} in a: {e}"))?;
    let rows_b = query_rows(conn_b, &sql).map_err(|e| format!("table {name} in b: {e}"))?;
    match first_row_difference(&rows_a, &rows_b) {
        Some(diff) => Err(format!("table {name}: {diff}")),
        None => Ok(()),
    }
}

/// The entries of index `name` in both files, in key order, decoded from their b-trees.
fn compare_index(conn_a: &Connection, conn_b: &Connection, a: &[u8], b: &[u8], name: &str) -> Result<(), String> {
    let entries = |conn: &Connection, bytes: &[u8]| -> Result<Vec<Vec<Value>>, String> {
        let root: i64 = conn
            .query_row("SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if root == 0 {
            return Ok(Vec::new());
        }
        let image = Image::new(bytes).map_err(|p| p.to_string())?;
        let root = u32::try_from(root).map_err(|_| format!("root page {root} out of range"))?;
        TreeEntries::new(&image, root)
            .map(|entry| {
                let entry = entry.map_err(|p| p.to_string())?;
                decode_record(&entry.payload)
            })
            .collect()
    };
    let entries_a = entries(conn_a, a).map_err(|e| format!("index {name} in a: {e}"))?;
    let entries_b = entries(conn_b, b).map_err(|e| format!("index {name} in b: {e}"))?;
    match first_row_difference(&entries_a, &entries_b) {
        Some(diff) => Err(format!("index {name}: {diff}")),
        None => Ok(()),
    }
}
