//! Rows: insert and delete with every index kept in step, reads, index builds, and a
//! bounded read of everything in the file.
//!
//! Order of b-tree operations, as SQLite's generated code has it:
//! - insert (sqlite3GenerateConstraintChecks, sqlite3CompleteInsertion): NOT NULL; the
//!   rowid's uniqueness when it was given; each UNIQUE index probed, in the table's index
//!   order; then each index entry inserted in that order; then the row;
//! - delete (sqlite3GenerateRowDelete): the row is found, each index entry deleted in index
//!   order, then the row;
//! - index build (sqlite3RefillIndex): the keys of all rows sorted, duplicates of a UNIQUE
//!   index refused, entries appended after the cursor's last position in bulk mode.

use super::Database;
use super::catalog::{Index, Table};
use crate::btree::keycmp::{UnpackedKey, compare_unpacked};
use crate::btree::modify::InsertFlags;
use crate::btree::payload::CellContent;
use crate::error::{ConstraintKind, Error, ErrorCode, Result};
use crate::format::record::{Record, encode_values};
use crate::format::value::Value;
use crate::schema::{IndexOrigin, IndexTarget};
use std::cmp::Ordering;

/// Refuses a WITHOUT ROWID table, whose tree is an index b-tree keyed by its primary key
/// (read as a table, it would look corrupt): not supported yet.
fn refuse_without_rowid(t: &Table) -> Result<()> {
    if t.def.without_rowid {
        return Err(Error::new(ErrorCode::Error, "WITHOUT ROWID tables are not supported yet"));
    }
    Ok(())
}

/// What [`Database::read_everything`] read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub tables: usize,
    pub rows: u64,
    pub indexes: usize,
    pub index_entries: u64,
}

impl Table {
    /// The values of a stored row: the record's columns padded with NULLs to the table's
    /// width, with the rowid in the INTEGER PRIMARY KEY column.
    pub fn row_values(&self, rowid: i64, record: &[u8]) -> Result<Vec<Value>> {
        let rec = Record::parse(record)?;
        let mut values: Vec<Value> = (0..self.def.columns.len()).map(|i| rec.get(i).to_owned()).collect();
        if let Some(alias) = self.def.rowid_alias {
            values[alias] = Value::Integer(rowid);
        }
        Ok(values)
    }

    fn column_label(&self, i: usize) -> String {
        format!("{}.{}", self.def.name, self.def.columns[i].name)
    }
}

impl Index {
    /// The index entry of a row: its key columns, then the rowid.
    pub fn entry_values(&self, rowid: i64, values: &[Value]) -> Result<Vec<Value>> {
        self.def
            .columns
            .iter()
            .map(|c| match &c.target {
                IndexTarget::Column(i) => Ok(values[*i].clone()),
                IndexTarget::Rowid => Ok(Value::Integer(rowid)),
                IndexTarget::Expr(_) => {
                    Err(Error::new(ErrorCode::Error, "indexes on expressions are not supported yet"))
                }
            })
            .collect()
    }

    /// The constraint error for a duplicate key of this UNIQUE index.
    fn unique_error(&self, table: &Table) -> Error {
        let cols: Vec<String> = self
            .def
            .key_columns()
            .iter()
            .map(|c| match c.target {
                IndexTarget::Column(i) => table.column_label(i),
                _ => format!("index '{}'", self.def.name),
            })
            .collect();
        let kind = if self.def.origin == IndexOrigin::PrimaryKey {
            ConstraintKind::PrimaryKey
        } else {
            ConstraintKind::Unique
        };
        Error::constraint(kind, format!("UNIQUE constraint failed: {}", cols.join(", ")))
    }
}

fn no_such_table(name: &str) -> Error {
    Error::new(ErrorCode::Error, format!("no such table: {name}"))
}

impl Database {
    /// Inserts a row into `table` and returns its rowid. The rowid is `rowid` if given, else
    /// the INTEGER PRIMARY KEY value if it is an integer, else one more than the largest.
    pub fn insert(&mut self, table: &str, rowid: Option<i64>, values: &[Value]) -> Result<i64> {
        self.with_write(|db| {
            let t = db.catalog.table(table).cloned().ok_or_else(|| no_such_table(table))?;
            db.insert_row(&t, rowid, values)
        })
    }

    fn insert_row(&mut self, t: &Table, rowid: Option<i64>, values: &[Value]) -> Result<i64> {
        let n = t.def.columns.len();
        if values.len() != n {
            return Err(Error::new(
                ErrorCode::Error,
                format!("table {} has {n} columns but {} values were supplied", t.def.name, values.len()),
            ));
        }
        let alias_value = t.def.rowid_alias.map(|a| &values[a]);
        let explicit = match (rowid, alias_value) {
            (Some(r), _) => Some(r),
            (None, Some(Value::Integer(r))) => Some(*r),
            (None, Some(Value::Null) | None) => None,
            (None, Some(_)) => return Err(Error::new(ErrorCode::Mismatch, "datatype mismatch")),
        };
        for (i, col) in t.def.columns.iter().enumerate() {
            if col.not_null && values[i] == Value::Null && Some(i) != t.def.rowid_alias {
                return Err(Error::constraint(
                    ConstraintKind::NotNull,
                    format!("NOT NULL constraint failed: {}", t.column_label(i)),
                ));
            }
        }
        let c = self.bt.cursor(t.root, None)?;
        let rowid = match explicit {
            Some(r) => {
                if self.bt.seek_rowid(&c, r, false)? == 0 {
                    let (kind, label) = match t.def.rowid_alias {
                        Some(a) => (ConstraintKind::PrimaryKey, t.column_label(a)),
                        None => (ConstraintKind::RowId, format!("{}.rowid", t.def.name)),
                    };
                    return Err(Error::constraint(kind, format!("UNIQUE constraint failed: {label}")));
                }
                r
            }
            None => self.new_rowid(&c)?,
        };
        // The row as read back (the alias holds the rowid) and as stored (the alias is NULL).
        let mut full = values.to_vec();
        let mut stored = values.to_vec();
        if let Some(a) = t.def.rowid_alias {
            full[a] = Value::Integer(rowid);
            stored[a] = Value::Null;
        }
        let mut entries = Vec::with_capacity(t.indexes.len());
        for index in &t.indexes {
            let entry = index.entry_values(rowid, &full)?;
            if index.def.unique {
                let key = &entry[..index.def.key_len];
                if !key.contains(&Value::Null) {
                    let ic = self.bt.cursor(index.root, Some(index.key_info.clone()))?;
                    if self.bt.seek_key(&ic, &UnpackedKey::exact(key.to_vec()))? == 0 {
                        return Err(index.unique_error(t));
                    }
                }
            }
            entries.push(encode_values(&entry));
        }
        for (index, entry) in t.indexes.iter().zip(&entries) {
            let ic = self.bt.cursor(index.root, Some(index.key_info.clone()))?;
            self.bt.insert(&ic, CellContent::Key(entry), 0, InsertFlags::default())?;
        }
        self.bt.insert(&c, CellContent::Row { rowid, data: &encode_values(&stored) }, 0, InsertFlags::default())?;
        Ok(rowid)
    }

    /// Deletes the row `rowid` of `table` and its index entries; false if there is none.
    pub fn delete(&mut self, table: &str, rowid: i64) -> Result<bool> {
        self.with_write(|db| {
            let t = db.catalog.table(table).cloned().ok_or_else(|| no_such_table(table))?;
            refuse_without_rowid(&t)?;
            let c = db.bt.cursor(t.root, None)?;
            if db.bt.seek_rowid(&c, rowid, false)? != 0 {
                return Ok(false);
            }
            let values = t.row_values(rowid, &db.bt.payload(&c)?)?;
            for index in &t.indexes {
                let entry = index.entry_values(rowid, &values)?;
                let ic = db.bt.cursor(index.root, Some(index.key_info.clone()))?;
                if db.bt.seek_key(&ic, &UnpackedKey::exact(entry))? != 0 {
                    return Err(Error::corrupt(format!("index {} has no entry for row {rowid}", index.def.name)));
                }
                db.bt.delete(&ic, false)?;
            }
            db.bt.delete(&c, false)?;
            Ok(true)
        })
    }

    /// The row `rowid` of `table`, if it exists.
    pub fn get(&mut self, table: &str, rowid: i64) -> Result<Option<Vec<Value>>> {
        self.with_read(|db| {
            let t = db.catalog.table(table).cloned().ok_or_else(|| no_such_table(table))?;
            refuse_without_rowid(&t)?;
            let c = db.bt.cursor(t.root, None)?;
            if db.bt.seek_rowid(&c, rowid, false)? != 0 {
                return Ok(None);
            }
            Ok(Some(t.row_values(rowid, &db.bt.payload(&c)?)?))
        })
    }

    /// Calls `f` with every row of `table` in rowid order until it returns false.
    pub fn for_each_row(&mut self, table: &str, mut f: impl FnMut(i64, Vec<Value>) -> bool) -> Result<()> {
        self.with_read(|db| {
            let t = db.catalog.table(table).cloned().ok_or_else(|| no_such_table(table))?;
            refuse_without_rowid(&t)?;
            let c = db.bt.cursor(t.root, None)?;
            let mut more = db.bt.first(&c)?;
            while more {
                let rowid = db.bt.rowid(&c)?;
                let values = db.bt.with_payload(&c, |p| t.row_values(rowid, p))??;
                if !f(rowid, values) {
                    break;
                }
                more = db.bt.next(&c)?;
            }
            Ok(())
        })
    }

    /// Every row of `table` in rowid order.
    pub fn rows(&mut self, table: &str) -> Result<Vec<(i64, Vec<Value>)>> {
        let mut out = Vec::new();
        self.for_each_row(table, |r, v| {
            out.push((r, v));
            true
        })?;
        Ok(out)
    }

    /// Every entry of index `index` in key order (key columns, then rowid).
    pub fn index_entries(&mut self, index: &str) -> Result<Vec<Vec<Value>>> {
        self.with_read(|db| {
            let (_, i) = db
                .catalog
                .index(index)
                .map(|(t, i)| (t.clone(), i.clone()))
                .ok_or_else(|| Error::new(ErrorCode::Error, format!("no such index: {index}")))?;
            let c = db.bt.cursor(i.root, Some(i.key_info.clone()))?;
            let mut out = Vec::new();
            let mut more = db.bt.first(&c)?;
            while more {
                out.push(db.bt.with_payload(&c, |p| Record::parse(p).map(|r| r.to_values()))??);
                more = db.bt.next(&c)?;
            }
            Ok(out)
        })
    }

    /// Fills a new index from its table (sqlite3RefillIndex): every row's entry, sorted in
    /// the index's order, appended in bulk mode; a UNIQUE index fails at the first entry
    /// whose key equals the previous one, with the entries before it written. Each row is
    /// read only as far as its indexed columns reach (OP_Column's reading: no overflow page
    /// beyond them).
    pub(super) fn fill_index(&mut self, table: &str, index: &Index) -> Result<()> {
        let t = self.catalog.table(table).cloned().ok_or_else(|| no_such_table(table))?;
        let mut entries: Vec<Vec<Value>> = Vec::new();
        // Record fields 0..needed hold every indexed column (the rowid alias's is NULL).
        let needed = index
            .def
            .columns
            .iter()
            .filter_map(|c| match c.target {
                IndexTarget::Column(i) => Some(i + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let c = self.bt.cursor(t.root, None)?;
        let mut more = self.bt.first(&c)?;
        while more {
            let rowid = self.bt.rowid(&c)?;
            let mut values = self.bt.leading_fields(&c, needed)?;
            values.resize(t.def.columns.len().max(needed), Value::Null);
            if let Some(alias) = t.def.rowid_alias {
                values[alias] = Value::Integer(rowid);
            }
            entries.push(index.entry_values(rowid, &values)?);
            more = self.bt.next(&c)?;
        }
        drop(c);
        let info = index.key_info.clone();
        entries.sort_by(|a, b| compare_unpacked(a, b, &info));
        let ic = self.bt.cursor(index.root, Some(info.clone()))?;
        ic.set_bulk_load(true);
        let k = index.def.key_len;
        for (i, entry) in entries.iter().enumerate() {
            // A UNIQUE index stops at the first entry whose key equals the one written before
            // it (OP_SorterCompare; a NULL key value equals nothing). The entries before it
            // are written by then, as SQLite writes them: what they cost (pages dirtied, a
            // cache spill) is SQLite's cost too, and the statement's rollback undoes them.
            if index.def.unique
                && let Some(prev) = i.checked_sub(1).map(|j| &entries[j][..k])
                && !prev.contains(&Value::Null)
                && compare_unpacked(prev, &entry[..k], &info) == Ordering::Equal
            {
                return Err(index.unique_error(&t));
            }
            if !ic.is_valid() {
                self.bt.last(&ic)?;
            }
            self.bt.insert(&ic, CellContent::Key(&encode_values(entry)), -1, InsertFlags::default())?;
        }
        Ok(())
    }

    /// Reads every row of every table and every entry of every index, decoding each record:
    /// what a reader of a damaged file must survive. Work is bounded: a file whose trees
    /// share pages (so that a scan would revisit them) is reported as corrupt rather than
    /// walked again and again.
    pub fn read_everything(&mut self) -> Result<ReadSummary> {
        self.with_read(|db| {
            let n_page = u64::from(db.bt.page_count());
            let start = db.bt.page_visits();
            let budget = 2 * n_page + 64;
            let mut summary = ReadSummary::default();
            let tables = db.catalog.tables.clone();
            for t in &tables {
                refuse_without_rowid(t)?;
                summary.tables += 1;
                let c = db.bt.cursor(t.root, None)?;
                let mut more = db.bt.first(&c)?;
                while more {
                    let rowid = db.bt.rowid(&c)?;
                    db.bt.with_payload(&c, |p| t.row_values(rowid, p))??;
                    summary.rows += 1;
                    if db.bt.page_visits() - start > budget {
                        return Err(Error::corrupt("b-tree pages are shared between trees or subtrees"));
                    }
                    more = db.bt.next(&c)?;
                }
                for index in &t.indexes {
                    summary.indexes += 1;
                    let ic = db.bt.cursor(index.root, Some(index.key_info.clone()))?;
                    let mut more = db.bt.first(&ic)?;
                    while more {
                        db.bt.with_payload(&ic, |p| Record::parse(p).map(|r| r.len()))??;
                        summary.index_entries += 1;
                        if db.bt.page_visits() - start > budget {
                            return Err(Error::corrupt("b-tree pages are shared between trees or subtrees"));
                        }
                        more = db.bt.next(&ic)?;
                    }
                }
            }
            Ok(summary)
        })
    }
}
