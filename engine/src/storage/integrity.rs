//! `PRAGMA integrity_check` and `PRAGMA quick_check` over tables and indexes: the program
//! SQLite's pragma.c generates for PragTyp_INTEGRITY_CHECK (3.54), run directly.
//!
//! In SQLite's order:
//! 1. the b-tree check over the freelist and every tree (`Btree::integrity_check`); its
//!    messages become one row, `*** in database main ***` and the messages, one per line;
//! 2. for every index, the entry count the b-tree check found must equal its table's row
//!    count ("wrong # of entries in index X"; partial indexes excepted);
//! 3. every row of every table is read: its record must be well formed (else the row
//!    "database disk image is malformed" ends the check), NOT NULL columns must hold a value
//!    ("NULL value in T.C"), and typed columns a value of their type ("NUMERIC value in
//!    T.C", "TEXT value in T.C", for STRICT tables "non-INT value in T.C");
//! 4. integrity_check only (not quick_check): each row's entry must be in each index ("row N
//!    missing from index X", N counting rows from 1 in the scan), end with the row's rowid,
//!    hold the same values under non-BINARY collations, and be unique in UNIQUE indexes.
//!
//! Tables are visited in the order SQLite's schema hash table yields them (see
//! [`hash_order`]), which is what orders the messages. A view visited first makes SQLite's
//! b-tree check a partial one (its root page is 0), which skips the freelist and unused
//! pages; this is reproduced. At most `max_errors` rows are produced (the b-tree row counts
//! once per message in it). An error of a kind SQLite's scan stops on (a page that cannot
//! be read, a broken overflow chain under a value the check reads) ends the check with the
//! rows so far and that error.
//!
//! CHECK constraints are evaluated by the caller, with a query over each table (the
//! expressions need the SQL layer); the rows that fail are reported in the scan
//! ("CHECK constraint failed in T"). Not built: partial indexes' row filters and expression
//! indexes (their entries are not looked up), WITHOUT ROWID tables' rows, VIRTUAL generated
//! columns.

use super::Database;
use super::catalog::{Index, Table};
use super::integrity_record::{Column, ColumnFault, RecordView, decode, serial_len};
use crate::btree::cellview::varint32;
use crate::btree::keycmp::{UnpackedKey, compare_record_sqlite_full};
use crate::btree::{Btree, Cursor};
use crate::error::{Error, Result};
use crate::eval::affinity::{apply_affinity, numeric_text};
use crate::format::value::{Collation, Value, compare_values};
use crate::pager::Pgno;
use crate::schema::{Affinity, IndexTarget, StdType};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;

/// What to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityOptions {
    /// quick_check: no index lookups.
    pub quick: bool,
    /// The most result rows (SQLite's default is 100).
    pub max_errors: u32,
    /// Check only this table (and its indexes); the freelist only for sqlite_schema.
    pub table: Option<String>,
    /// For tables with CHECK constraints, by lower-case name: the rowids of the rows that
    /// fail one, in rowid order (the caller evaluates the expressions; a table missing here
    /// has its CHECK constraints unchecked).
    pub check_failures: BTreeMap<String, Vec<i64>>,
}

/// The result of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityOutcome {
    /// The rows: `ok`, or one per problem.
    pub rows: Vec<String>,
    /// Set when the check stopped on an error after producing `rows`, as SQLite's statement
    /// fails after returning them.
    pub error: Option<Error>,
}

/// The text SQLite reports for a record it cannot decode.
const MALFORMED: &str = "database disk image is malformed";

/// The position of each name in the iteration order of SQLite's Hash after inserting the
/// names in the given order (hash.c: strHash, insertElement, rehash; the table is rebuilt
/// with 3 buckets per element once it holds 5 elements and more than 2 per bucket, at most
/// 64 buckets). Returns indexes into `names`, first iterated first.
pub fn hash_order(names: &[&str]) -> Vec<usize> {
    fn str_hash(s: &str) -> u32 {
        s.bytes().fold(0u32, |h, b| h.wrapping_add(u32::from(b & 0xdf)).wrapping_mul(0x9e37_79b1))
    }
    let hashes: Vec<u32> = names.iter().map(|n| str_hash(n)).collect();
    // The list, first element first, and per bucket (count, first element).
    let mut list: Vec<usize> = Vec::new();
    let mut buckets: Vec<(usize, usize)> = Vec::new();
    let insert = |list: &mut Vec<usize>, buckets: &mut Vec<(usize, usize)>, e: usize| {
        let head = if buckets.is_empty() {
            None
        } else {
            let n = buckets.len();
            let b = &mut buckets[hashes[e] as usize % n];
            let head = (b.0 > 0).then_some(b.1);
            b.0 += 1;
            b.1 = e;
            head
        };
        match head.and_then(|h| list.iter().position(|&x| x == h)) {
            Some(at) => list.insert(at, e),
            None => list.insert(0, e),
        }
    };
    for e in 0..names.len() {
        let count = e + 1;
        if count >= 5 && count > 2 * buckets.len() {
            let size = (count * 3).min(1024 / 16);
            if size != buckets.len() {
                buckets = vec![(0, 0); size];
                for x in std::mem::take(&mut list) {
                    insert(&mut list, &mut buckets, x);
                }
            }
        }
        insert(&mut list, &mut buckets, e);
    }
    list
}

/// A column as the scan checks it.
#[derive(Clone, Debug)]
struct ScanColumn {
    name: String,
    affinity: Affinity,
    not_null: bool,
    /// The declared type of a STRICT table's column.
    strict_type: Option<StdType>,
    /// The value a record too short to hold the column reads as.
    default: Value,
}

/// A table as the scan checks it (sqlite_schema included, as SQLite's `sqlite_master`).
#[derive(Clone, Debug)]
struct ScanTable {
    name: String,
    root: Pgno,
    columns: Vec<ScanColumn>,
    rowid_alias: Option<usize>,
    indexes: Vec<Index>,
}

/// One entry of SQLite's table hash: what the check does with it.
#[derive(Clone, Debug)]
enum Object {
    /// An ordinary rowid table (or sqlite_schema): checked and scanned.
    Table(ScanTable),
    /// A WITHOUT ROWID table: its trees are checked, its rows are not scanned.
    WithoutRowid(Rc<Table>),
    /// A view: a root page of 0.
    View,
}

impl ScanTable {
    /// sqlite_schema as SQLite declares it: `CREATE TABLE x(type text, name text, tbl_name
    /// text, rootpage int, sql text)`, named sqlite_master.
    fn schema() -> ScanTable {
        let col = |name: &str, affinity| ScanColumn {
            name: name.to_string(),
            affinity,
            not_null: false,
            strict_type: None,
            default: Value::Null,
        };
        ScanTable {
            name: "sqlite_master".to_string(),
            root: 1,
            columns: vec![
                col("type", Affinity::Text),
                col("name", Affinity::Text),
                col("tbl_name", Affinity::Text),
                col("rootpage", Affinity::Integer),
                col("sql", Affinity::Text),
            ],
            rowid_alias: None,
            indexes: Vec::new(),
        }
    }

    /// A catalog table.
    fn of(t: &Table) -> ScanTable {
        let def = &t.def;
        let columns = def
            .columns
            .iter()
            .map(|c| ScanColumn {
                name: c.name.clone(),
                affinity: c.affinity,
                not_null: c.not_null,
                strict_type: if def.strict { c.std_type } else { None },
                default: c
                    .default
                    .as_ref()
                    .and_then(|d| crate::eval::constant::eval_constant(&d.expr).ok())
                    .map_or(Value::Null, |v| apply_affinity(v.as_ref(), c.affinity)),
            })
            .collect();
        ScanTable {
            name: def.name.clone(),
            root: t.root,
            columns,
            rowid_alias: def.rowid_alias,
            indexes: t.indexes.clone(),
        }
    }

    /// The column OP_Column reads first on each row (the last one, or the one before it when
    /// the last is the rowid alias); None when the table has no other column.
    fn last_column(&self) -> Option<usize> {
        let mut last = self.columns.len().checked_sub(1)?;
        if Some(last) == self.rowid_alias {
            last = last.checked_sub(1)?;
        }
        Some(last)
    }
}

/// The rows produced so far and the error budget (SQLite's register 1).
struct Emitter {
    rows: Vec<String>,
    /// Rows still allowed after the next one.
    left: i64,
    halted: bool,
}

impl Emitter {
    /// Produces a row; once the budget is spent, the check halts (integrityCheckResultRow).
    fn emit(&mut self, row: String) {
        self.rows.push(row);
        if self.left > 0 {
            self.left -= 1;
        } else {
            self.halted = true;
        }
    }
}

impl Database {
    /// Runs PRAGMA integrity_check (or quick_check) in a read transaction.
    pub fn integrity_check(&mut self, opts: &IntegrityOptions) -> Result<IntegrityOutcome> {
        self.with_read(|db| db.run_integrity_check(opts))
    }

    /// The objects of SQLite's table hash in its iteration order, restricted to
    /// `opts.table` when given.
    fn integrity_objects(&self, only: Option<&str>) -> Result<Vec<Object>> {
        // sqlite_master first, then tables and views in the rowid order of their schema rows.
        let mut entries: Vec<(i64, String, Object)> =
            vec![(i64::MIN, "sqlite_master".into(), Object::Table(ScanTable::schema()))];
        for t in &self.catalog.tables {
            let obj =
                if t.def.without_rowid { Object::WithoutRowid(t.clone()) } else { Object::Table(ScanTable::of(t)) };
            entries.push((t.schema_rowid, t.def.name.clone(), obj));
        }
        for o in self.catalog.others.iter().filter(|o| o.kind == "view") {
            entries.push((o.schema_rowid, o.name.clone(), Object::View));
        }
        entries.sort_by_key(|e| e.0);
        if let Some(name) = only {
            let is_schema = ["sqlite_master", "sqlite_schema"].iter().any(|s| s.eq_ignore_ascii_case(name));
            let found = entries
                .into_iter()
                .find(|e| if is_schema { e.0 == i64::MIN } else { e.0 != i64::MIN && e.1.eq_ignore_ascii_case(name) })
                .ok_or_else(|| Error::new(crate::ErrorCode::Error, format!("no such table: {name}")))?;
            return Ok(vec![found.2]);
        }
        let names: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
        let order = hash_order(&names);
        let mut slots: Vec<Option<Object>> = entries.into_iter().map(|e| Some(e.2)).collect();
        Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
    }

    fn run_integrity_check(&mut self, opts: &IntegrityOptions) -> Result<IntegrityOutcome> {
        let objects = self.integrity_objects(opts.table.as_deref())?;
        let max_errors = i64::from(opts.max_errors.max(1));
        let mut out = Emitter { rows: Vec::new(), left: max_errors - 1, halted: false };
        // The root pages, as SQLite's aRoot: a leading 0 marks a check of one table.
        let mut roots: Vec<Pgno> = Vec::new();
        if opts.table.is_some() {
            roots.push(0);
        }
        for obj in &objects {
            match obj {
                Object::Table(t) => {
                    roots.push(t.root);
                    roots.extend(t.indexes.iter().map(|i| i.root));
                }
                Object::WithoutRowid(t) => {
                    roots.push(t.root);
                    roots.extend(t.indexes.iter().map(|i| i.root));
                }
                Object::View => roots.push(0),
            }
        }
        let report = self.bt.integrity_check(&roots, max_errors as usize)?;
        if !report.messages.is_empty() {
            out.left -= report.messages.len() as i64 - 1;
            out.emit(format!("*** in database main ***\n{}", report.messages.join("\n")));
        }
        // Entry counts of each index against its table's.
        let mut cnt = usize::from(opts.table.is_some());
        for obj in &objects {
            if out.halted {
                break;
            }
            let (i_tab, indexes) = match obj {
                Object::Table(t) => {
                    cnt += 1;
                    (cnt - 1, &t.indexes[..])
                }
                Object::WithoutRowid(t) => (cnt, &t.indexes[..]),
                Object::View => {
                    cnt += 1;
                    continue;
                }
            };
            if matches!(obj, Object::WithoutRowid(_)) {
                cnt += 1;
            }
            for index in indexes {
                if index.def.where_clause.is_none()
                    && (report.counts[cnt].is_none() || report.counts[cnt] != report.counts[i_tab])
                {
                    out.emit(format!("wrong # of entries in index {}", index.def.name));
                    if out.halted {
                        break;
                    }
                }
                cnt += 1;
            }
        }
        let mut error = None;
        for obj in &objects {
            if out.halted {
                break;
            }
            if let Object::Table(t) = obj
                && let Err(e) = self.scan_table(t, opts, &mut out)
            {
                error = Some(e);
                break;
            }
        }
        if out.rows.is_empty() && error.is_none() {
            out.rows.push("ok".to_string());
        }
        Ok(IntegrityOutcome { rows: out.rows, error })
    }

    /// Reads every row of `t`, checking each as SQLite's integrity-check loop does. Returns
    /// an error when the scan fails as SQLite's would; rows go to `out`, which may halt.
    fn scan_table(&mut self, t: &ScanTable, opts: &IntegrityOptions, out: &mut Emitter) -> Result<()> {
        let bt = &mut self.bt;
        let check_failures = if t.root == 1 { None } else { opts.check_failures.get(&t.name.to_ascii_lowercase()) };
        let mut next_failure = 0;
        let c = bt.cursor(t.root, None)?;
        // OP_OpenRead refuses a root page of 0 at once (btreeCursor); other bad roots fail
        // when the cursor first moves, so index cursors are opened at their first use.
        if let Some(index) = t.indexes.iter().find(|i| i.root == 0) {
            return Err(Error::corrupt(format!("index {} has root page 0", index.def.name)));
        }
        let mut index_cursors: Vec<Option<Cursor>> = t.indexes.iter().map(|_| None).collect();
        let mut more = bt.first(&c)?;
        let mut n_row: i64 = 0;
        while more && !out.halted {
            n_row += 1;
            let view = bt.payload_view(&c)?;
            let rowid = view.cell.key;
            let mut rec = match RecordView::new(view) {
                Ok(r) => r,
                Err(f) => return malformed_or_error(f, out),
            };
            if let Some(last) = t.last_column()
                && let Err(f) = rec.column(bt, last)
            {
                return malformed_or_error(f, out);
            }
            if let Err(f) = check_columns(bt, t, &mut rec, out) {
                return malformed_or_error(f, out);
            }
            if let Some(failures) = check_failures
                && !out.halted
                && failures.get(next_failure) == Some(&rowid)
            {
                next_failure += 1;
                out.emit(format!("CHECK constraint failed in {}", t.name));
            }
            if !opts.quick {
                for (k, index) in t.indexes.iter().enumerate() {
                    if out.halted {
                        return Ok(());
                    }
                    if index.def.where_clause.is_some()
                        || index.def.columns.iter().any(|c| matches!(c.target, IndexTarget::Expr(_)))
                    {
                        continue;
                    }
                    let ic = match &index_cursors[k] {
                        Some(ic) => ic,
                        None => index_cursors[k].insert(bt.cursor(index.root, Some(index.key_info.clone()))?),
                    };
                    let r = check_index_entry(bt, t, index, ic, &mut rec, rowid, n_row, out);
                    if let Err(f) = r {
                        return malformed_or_error(f, out);
                    }
                }
            }
            if out.halted {
                return Ok(());
            }
            more = bt.next(&c)?;
        }
        Ok(())
    }
}

/// Ends a row's checks on a fault: a malformed record is the row MALFORMED and the end of
/// the check; any other error ends the statement.
fn malformed_or_error(f: ColumnFault, out: &mut Emitter) -> Result<()> {
    match f {
        ColumnFault::Malformed => {
            out.rows.push(MALFORMED.to_string());
            out.halted = true;
            Ok(())
        }
        ColumnFault::Error(e) => Err(e),
    }
}

/// The type bit OP_IsType tests for serial type `t`: 0x01 INTEGER, 0x02 REAL, 0x04 TEXT,
/// 0x08 BLOB, 0x10 NULL (the reserved types 10 and 11 read as NULL).
fn type_mask(t: u32) -> u8 {
    const SMALL: [u8; 12] = [0x10, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01, 0x10, 0x10];
    match t {
        t if t >= 12 && t % 2 == 1 => 0x04,
        t if t >= 12 => 0x08,
        t => SMALL[t as usize],
    }
}

/// The type bit of a value (for a column missing from the record: its default's).
fn value_mask(v: &Value) -> u8 {
    match v {
        Value::Integer(_) => 0x01,
        Value::Real(_) => 0x02,
        Value::Text(_) => 0x04,
        Value::Blob(_) => 0x08,
        Value::Null => 0x10,
    }
}

/// The value of table column `j` of the current row: from the record, or the column's
/// default when the record is shorter.
fn column_value(
    bt: &mut Btree,
    t: &ScanTable,
    rec: &mut RecordView,
    j: usize,
) -> std::result::Result<Value, ColumnFault> {
    match rec.column(bt, j)? {
        Column::Present(_) => rec.value(bt, j),
        Column::Missing => Ok(t.columns[j].default.clone()),
    }
}

/// The NOT NULL and datatype checks of one row, column by column.
fn check_columns(
    bt: &mut Btree,
    t: &ScanTable,
    rec: &mut RecordView,
    out: &mut Emitter,
) -> std::result::Result<(), ColumnFault> {
    for (j, col) in t.columns.iter().enumerate() {
        if Some(j) == t.rowid_alias || out.halted {
            continue;
        }
        let type_check = match col.strict_type {
            Some(st) => st != StdType::Any,
            None => col.affinity != Affinity::Blob,
        };
        if !col.not_null && !type_check {
            continue;
        }
        let mask = match rec.column(bt, j)? {
            Column::Present(ty) => type_mask(ty),
            Column::Missing => value_mask(&col.default),
        };
        if col.not_null && mask & 0x0d == 0 && column_value(bt, t, rec, j)? == Value::Null {
            out.emit(format!("NULL value in {}.{}", t.name, col.name));
            continue;
        }
        if !type_check {
            continue;
        }
        let bad = match col.strict_type {
            Some(st) => {
                let allowed = match st {
                    StdType::Any => 0x1f,
                    StdType::Blob => 0x18,
                    StdType::Int | StdType::Integer => 0x11,
                    StdType::Real => 0x13,
                    StdType::Text => 0x14,
                };
                (mask & allowed == 0).then(|| format!("non-{} value in {}.{}", st.name(), t.name, col.name))
            }
            None if col.affinity == Affinity::Text => {
                (mask & 0x1c == 0).then(|| format!("NUMERIC value in {}.{}", t.name, col.name))
            }
            None => {
                let numeric = mask & 0x1b == 0
                    && matches!(column_value(bt, t, rec, j)?, Value::Text(ref s) if numeric_text(s, true).is_some());
                numeric.then(|| format!("TEXT value in {}.{}", t.name, col.name))
            }
        };
        if let Some(msg) = bad {
            out.emit(msg);
        }
    }
    Ok(())
}

/// The rowid at the end of the index entry of `n` bytes at the start of `rec`
/// (sqlite3VdbeIdxRowid): the last serial type of the header must be an integer type whose
/// bytes end the record.
fn index_rowid(rec: &[u8], n: usize) -> Result<i64> {
    let corrupt = || Error::corrupt("index entry does not end with a rowid");
    let (sz_hdr, _) = varint32(rec, 0);
    if sz_hdr < 3 || sz_hdr as usize > n {
        return Err(corrupt());
    }
    let (t, _) = varint32(rec, sz_hdr as usize - 1);
    if !(1..=9).contains(&t) || t == 7 {
        return Err(corrupt());
    }
    let len = serial_len(t) as usize;
    if n < sz_hdr as usize + len {
        return Err(corrupt());
    }
    match decode(t, &rec[n - len..n]) {
        Value::Integer(i) => Ok(i),
        _ => Err(corrupt()),
    }
}

/// The index checks of one row for one index: the entry built from the row must be found,
/// end with the row's rowid, equal the row's values exactly under non-BINARY collations,
/// and (UNIQUE indexes, no NULL in the key) not be followed by an entry with the same key.
#[allow(clippy::too_many_arguments)]
fn check_index_entry(
    bt: &mut Btree,
    t: &ScanTable,
    index: &Index,
    ic: &Cursor,
    rec: &mut RecordView,
    rowid: i64,
    n_row: i64,
    out: &mut Emitter,
) -> std::result::Result<(), ColumnFault> {
    let def = &index.def;
    let mut key = Vec::with_capacity(def.columns.len());
    for c in &def.columns {
        key.push(match c.target {
            IndexTarget::Column(j) if Some(j) == t.rowid_alias => Value::Integer(rowid),
            IndexTarget::Column(j) => column_value(bt, t, rec, j)?,
            _ => Value::Integer(rowid),
        });
    }
    let name = &def.name;
    if bt.seek_key(ic, &UnpackedKey::exact(key.clone()))? != 0 {
        out.emit(format!("row {n_row} missing from index {name}"));
        return Ok(());
    }
    let view = bt.payload_view(ic)?;
    if index_rowid(&view.record_buffer(bt)?, view.cell.payload as usize)? != rowid {
        out.emit(format!("rowid not at end-of-record for row {n_row} of index {name}"));
        return Ok(());
    }
    let mut entry: Option<RecordView> = None;
    for (kk, c) in def.key_columns().iter().enumerate() {
        if c.collation == Collation::Binary {
            continue;
        }
        let entry = match &mut entry {
            Some(e) => e,
            None => entry.insert(RecordView::new(view.clone())?),
        };
        let v = match entry.column(bt, kk)? {
            Column::Present(_) => entry.value(bt, kk)?,
            Column::Missing => Value::Null,
        };
        if v != Value::Null
            && key[kk] != Value::Null
            && compare_values(v.as_ref(), key[kk].as_ref(), Collation::Binary) != Ordering::Equal
        {
            out.emit(format!("row {n_row} values differ from index {name}"));
            return Ok(());
        }
    }
    if def.unique {
        let may_repeat = def.key_columns().iter().enumerate().all(|(kk, c)| {
            let not_null = matches!(c.target, IndexTarget::Column(j) if t.columns[j].not_null);
            not_null || key[kk] != Value::Null
        });
        if may_repeat && bt.next(ic)? {
            // OP_IdxGT: the next entry must be greater; a comparison that finds it damaged
            // counts as greater.
            let next = bt.payload_view(ic)?;
            let n = next.cell.payload;
            if n == 0 || n > i32::MAX as u32 {
                return Err(ColumnFault::Error(Error::corrupt(format!("index entry of {n} bytes"))));
            }
            let bytes = next.record_buffer(bt)?;
            let prefix = UnpackedKey::after_equal(key[..def.key_len].to_vec());
            let c = compare_record_sqlite_full(&bytes, n as usize, &prefix, &index.key_info);
            if c.is_some_and(|c| c != Ordering::Greater) {
                out.emit(format!("non-unique entry in index {name}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hash_order;

    #[test]
    fn hash_order_is_sqlites() {
        // Fewer than 5 entries: newest first.
        assert_eq!(hash_order(&["sqlite_master", "a", "b"]), vec![2, 1, 0]);
        // Observed from SQLite 3.54 (the order of "Tree N" messages) for these tables created
        // in this order: theta, eta, zeta, sqlite_master, eps, alpha, delta, beta, gamma.
        let names = ["sqlite_master", "alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"];
        assert_eq!(hash_order(&names), vec![8, 7, 6, 0, 5, 1, 4, 2, 3]);
        // Case does not change a name's hash.
        let upper = ["SQLITE_MASTER", "ALPHA", "Beta", "GAMMA", "delta", "EPS", "zeta", "ETA", "theta"];
        assert_eq!(hash_order(&upper), hash_order(&names));
    }
}
