//! The virtual machine's cursors (SQLite's VdbeCursor): on a b-tree of the database, on an
//! in-memory ephemeral table or index, on a sorter, or on one record in a register.
//!
//! Every kind answers the same questions about its current row — a column, the rowid — so
//! that the Column opcode does not care where a row comes from. A b-tree cursor decodes the
//! record header of its current row once and keeps it until the cursor moves (SQLite's
//! `cacheStatus`): reading several columns of one row parses its header once.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use crate::btree::cursor::PayloadRest;
use crate::btree::keycmp::compare_unpacked;
use crate::btree::{Btree, Cursor, KeyInfo};
use crate::error::{Error, Result};
use crate::format::record::{decode_value, parse_header_of, serial_type_size};
use crate::format::value::{Value, ValueRef};
use crate::format::varint::{MAX_VARINT_BYTES, read_varint};

/// A VM cursor: what it reads, and whether it stands on a "null row".
#[derive(Debug)]
pub(crate) struct VCursor {
    pub kind: CursorKind,
    /// After NullRow: every column reads NULL until the cursor moves (LEFT JOIN's unmatched
    /// right side).
    pub null_row: bool,
    /// The next value of OP_Sequence.
    pub seq: i64,
}

#[derive(Debug)]
pub(crate) enum CursorKind {
    Btree(BtCursor),
    Ephemeral(Ephemeral),
    Sorter(Sorter),
}

impl VCursor {
    pub fn new(kind: CursorKind) -> VCursor {
        VCursor { kind, null_row: false, seq: 0 }
    }
}

/// A cursor on a b-tree of the database file, with its current row's decoded header.
///
/// The row's record is read lazily, as SQLite's OP_Column reads it: the local part on the
/// page first, then overflow pages only as far as the columns asked for need (a column in
/// the local part costs no overflow page; each overflow page is fetched once per row).
#[derive(Debug)]
pub(crate) struct BtCursor {
    pub cursor: Cursor,
    /// The key order of an index tree; None for a table tree.
    pub key_info: Option<Rc<KeyInfo>>,
    /// A prefix of the current row's record, copied out of the page and its overflow pages
    /// (valid while `cached`); it holds at least the whole header.
    record: Vec<u8>,
    /// Where the rest of the record is.
    rest: PayloadRest,
    /// (serial type, offset) per column of the record.
    header: Vec<(u64, usize)>,
    cached: bool,
    /// The rowid and result of the SeekRowid that positioned the cursor, while nothing else
    /// has moved it (SQLite's VdbeCursor.seekResult): an Insert of that rowid inserts where
    /// the cursor stands instead of seeking again (OPFLAG_USESEEKRESULT).
    pub seek_result: Option<(i64, i32)>,
    /// An index cursor's result of the key seek (OP_Found / NotFound / NoConflict) that
    /// positioned it, while nothing else has moved it (the same VdbeCursor.seekResult): an
    /// IdxInsert with `use_seek_result` inserts where the cursor stands when it is nonzero.
    pub key_seek_result: Option<i32>,
    /// A table cursor's seek to this rowid, not made yet (SQLite's deferredMoveto after
    /// OP_DeferredSeek): the first read of the row makes it, so a row whose every column
    /// read comes from the index, or that the WHERE clause rejects on the index's columns,
    /// costs no table page.
    deferred: Option<i64>,
}

/// The error of a deferred seek (or an index loop's seek) that finds no row: an index entry
/// whose rowid the table does not hold.
pub(crate) const MISSING_TABLE_ROW: &str = "database disk image is malformed: index entry without a table row";

impl BtCursor {
    pub fn new(cursor: Cursor, key_info: Option<Rc<KeyInfo>>) -> BtCursor {
        BtCursor {
            cursor,
            key_info,
            record: Vec::new(),
            rest: PayloadRest::default(),
            header: Vec::new(),
            cached: false,
            seek_result: None,
            key_seek_result: None,
            deferred: None,
        }
    }

    /// Forgets the cached row, the last seek's result and a seek not made yet (the cursor
    /// moves).
    pub fn invalidate(&mut self) {
        self.cached = false;
        self.seek_result = None;
        self.key_seek_result = None;
        self.deferred = None;
    }

    /// Positions the table cursor on row `rowid` when the row is first read, not now
    /// (OP_DeferredSeek).
    pub fn defer_seek(&mut self, rowid: i64) {
        self.invalidate();
        self.deferred = Some(rowid);
    }

    /// Makes the deferred seek, if one is pending (sqlite3VdbeFinishMoveto): the row must
    /// be there, or the index that named it is corrupt.
    pub fn finish_seek(&mut self, bt: &mut Btree) -> Result<()> {
        let Some(rowid) = self.deferred.take() else { return Ok(()) };
        if bt.seek_rowid(&self.cursor, rowid, false)? != 0 || !self.cursor.is_valid() {
            return Err(Error::corrupt(MISSING_TABLE_ROW));
        }
        Ok(())
    }

    /// Forgets the cached row (a tree changed); the cursor's position, and so the last
    /// seek's result, stay (a write through another cursor to this cursor's tree makes the
    /// b-tree re-seek it, and `Btree::insert` ignores a seek result then).
    pub fn forget_row(&mut self) {
        self.cached = false;
    }

    /// Loads the current row's record header into the cache, if not there yet: the local
    /// payload, and overflow pages only if the header itself runs into them.
    fn load(&mut self, bt: &mut Btree) -> Result<()> {
        self.finish_seek(bt)?;
        if self.cached {
            return Ok(());
        }
        self.rest = bt.payload_start(&self.cursor, &mut self.record)?;
        // The header's size is a varint of at most 9 bytes; then the header itself.
        bt.payload_more(&mut self.rest, &mut self.record, MAX_VARINT_BYTES)?;
        let header_size = read_varint(&self.record).map(|(size, _)| size).unwrap_or(0);
        if header_size <= u64::from(self.rest.payload_size) {
            bt.payload_more(&mut self.rest, &mut self.record, header_size as usize)?;
        }
        parse_header_of(&self.record, self.rest.payload_size as usize, &mut self.header)?;
        self.cached = true;
        Ok(())
    }

    /// The serial type and the bytes of column `i` (None past the record's end), reading
    /// overflow pages up to the end of the column's value if it is not in hand yet.
    fn field(&mut self, bt: &mut Btree, i: usize) -> Result<Option<(u64, &[u8])>> {
        self.load(bt)?;
        let Some(&(t, off)) = self.header.get(i) else { return Ok(None) };
        let end = off.saturating_add(serial_type_size(t) as usize);
        bt.payload_more(&mut self.rest, &mut self.record, end)?;
        Ok(Some((t, &self.record[off.min(self.record.len())..])))
    }

    /// Column `i` of the current row (NULL past the record's end).
    pub fn column(&mut self, bt: &mut Btree, i: usize) -> Result<Value> {
        Ok(match self.field(bt, i)? {
            None => Value::Null,
            Some((t, bytes)) => decode_value(t, bytes)?.to_owned(),
        })
    }

    /// Column `i` for a NULL test only (OP_Column with OPFLAG_TYPEOFARG): a value whose
    /// bytes are not in hand (they lie on overflow pages) is not read; a placeholder of its
    /// type stands in (0 for numbers, empty text or blob), as SQLite's bogus content does.
    pub fn column_typeof(&mut self, bt: &mut Btree, i: usize) -> Result<Value> {
        self.load(bt)?;
        let Some(&(t, off)) = self.header.get(i) else { return Ok(Value::Null) };
        if off.saturating_add(serial_type_size(t) as usize) <= self.record.len() {
            return self.column(bt, i);
        }
        Ok(match t {
            0 => Value::Null,
            7 => Value::Real(0.0),
            1..=9 => Value::Integer(0),
            t if t >= 12 && t % 2 == 0 => Value::Blob(Vec::new()),
            t if t >= 13 => Value::Text(Vec::new()),
            _ => return self.column(bt, i),
        })
    }

    /// The rowid of the current row: the key of a table entry, the last field of an index
    /// entry.
    pub fn rowid(&mut self, bt: &mut Btree) -> Result<i64> {
        if self.key_info.is_none() {
            self.finish_seek(bt)?;
            return bt.rowid(&self.cursor);
        }
        self.load(bt)?;
        let Some(last) = self.header.len().checked_sub(1) else {
            return Err(Error::corrupt("empty index entry"));
        };
        match self.field(bt, last)? {
            Some((t, bytes)) => match decode_value(t, bytes)? {
                ValueRef::Integer(i) => Ok(i),
                _ => Err(Error::corrupt("index entry does not end with a rowid")),
            },
            None => Err(Error::corrupt("empty index entry")),
        }
    }
}

/// A key in an ephemeral index: values ordered by a KeyInfo.
#[derive(Clone, Debug)]
pub(crate) struct OrdKey {
    pub values: Vec<Value>,
    pub info: Rc<KeyInfo>,
}

impl PartialEq for OrdKey {
    fn eq(&self, other: &OrdKey) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for OrdKey {}

impl PartialOrd for OrdKey {
    fn partial_cmp(&self, other: &OrdKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdKey {
    fn cmp(&self, other: &OrdKey) -> Ordering {
        compare_unpacked(&self.values, &other.values, &self.info)
    }
}

/// An in-memory table (rows by rowid, appended in rowid order) or index (distinct ordered
/// records): SQLite's OP_OpenEphemeral, used for materialized subqueries, IN lists,
/// DISTINCT, compound selects and the row lists of UPDATE and DELETE.
#[derive(Debug)]
pub(crate) enum Ephemeral {
    Table {
        rows: Vec<(i64, Vec<Value>)>,
        /// Index of the current row; None before the first / after the last.
        pos: Option<usize>,
    },
    Index {
        entries: BTreeMap<OrdKey, ()>,
        info: Rc<KeyInfo>,
        current: Option<OrdKey>,
    },
}

impl Ephemeral {
    pub fn table() -> Ephemeral {
        Ephemeral::Table { rows: Vec::new(), pos: None }
    }

    pub fn index(info: Rc<KeyInfo>) -> Ephemeral {
        Ephemeral::Index { entries: BTreeMap::new(), info, current: None }
    }

    /// Moves to the first entry; false when empty.
    pub fn rewind(&mut self) -> bool {
        match self {
            Ephemeral::Table { rows, pos } => {
                *pos = (!rows.is_empty()).then_some(0);
                pos.is_some()
            }
            Ephemeral::Index { entries, current, .. } => {
                *current = entries.keys().next().cloned();
                current.is_some()
            }
        }
    }

    /// Moves to the last entry; false when empty.
    pub fn last(&mut self) -> bool {
        match self {
            Ephemeral::Table { rows, pos } => {
                *pos = rows.len().checked_sub(1);
                pos.is_some()
            }
            Ephemeral::Index { entries, current, .. } => {
                *current = entries.keys().next_back().cloned();
                current.is_some()
            }
        }
    }

    /// Moves forward (or back); false past the end.
    pub fn step(&mut self, forward: bool) -> bool {
        match self {
            Ephemeral::Table { rows, pos } => {
                *pos = match *pos {
                    Some(p) if forward && p + 1 < rows.len() => Some(p + 1),
                    Some(p) if !forward && p > 0 => Some(p - 1),
                    _ => None,
                };
                pos.is_some()
            }
            Ephemeral::Index { entries, current, .. } => {
                let Some(cur) = current.take() else { return false };
                *current = if forward {
                    entries.range((Bound::Excluded(&cur), Bound::Unbounded)).next().map(|(k, _)| k.clone())
                } else {
                    entries.range((Bound::Unbounded, Bound::Excluded(&cur))).next_back().map(|(k, _)| k.clone())
                };
                current.is_some()
            }
        }
    }

    /// The current row's values.
    pub fn current(&self) -> Option<&[Value]> {
        match self {
            Ephemeral::Table { rows, pos } => pos.map(|p| rows[p].1.as_slice()),
            Ephemeral::Index { current, .. } => current.as_ref().map(|k| k.values.as_slice()),
        }
    }

    /// The current row's rowid (a table), or the last field (an index).
    pub fn rowid(&self) -> Option<i64> {
        match self {
            Ephemeral::Table { rows, pos } => pos.map(|p| rows[p].0),
            Ephemeral::Index { current, .. } => match current.as_ref()?.values.last()? {
                Value::Integer(i) => Some(*i),
                _ => None,
            },
        }
    }

    /// Inserts into an index (a duplicate is ignored).
    pub fn insert_key(&mut self, values: Vec<Value>) -> Result<()> {
        match self {
            Ephemeral::Index { entries, info, .. } => {
                entries.insert(OrdKey { values, info: info.clone() }, ());
                Ok(())
            }
            Ephemeral::Table { .. } => Err(Error::internal("IdxInsert on an ephemeral table")),
        }
    }

    /// Inserts a row into a table: appended when its rowid is the largest, else put in place
    /// (replacing a row with the same rowid).
    pub fn insert_row(&mut self, rowid: i64, values: Vec<Value>) -> Result<()> {
        match self {
            Ephemeral::Table { rows, .. } => {
                if rows.last().is_none_or(|(r, _)| *r < rowid) {
                    rows.push((rowid, values));
                } else {
                    match rows.binary_search_by_key(&rowid, |(r, _)| *r) {
                        Ok(i) => rows[i].1 = values,
                        Err(i) => rows.insert(i, (rowid, values)),
                    }
                }
                Ok(())
            }
            Ephemeral::Index { .. } => Err(Error::internal("Insert on an ephemeral index")),
        }
    }

    /// One more than the largest rowid of a table.
    pub fn new_rowid(&self) -> i64 {
        match self {
            Ephemeral::Table { rows, .. } => rows.last().map_or(1, |(r, _)| r.saturating_add(1)),
            Ephemeral::Index { .. } => 1,
        }
    }

    /// Moves a table to the row `rowid`; false when there is none.
    pub fn seek_rowid(&mut self, rowid: i64) -> bool {
        match self {
            Ephemeral::Table { rows, pos } => {
                *pos = rows.binary_search_by_key(&rowid, |(r, _)| *r).ok();
                pos.is_some()
            }
            Ephemeral::Index { .. } => false,
        }
    }

    /// Whether an index holds an entry whose first `key.len()` fields equal `key`; the cursor
    /// is left on it when it does.
    pub fn find_prefix(&mut self, key: &[Value]) -> bool {
        match self {
            Ephemeral::Index { entries, info, current } => {
                let probe = OrdKey { values: key.to_vec(), info: info.clone() };
                let hit = entries.range((Bound::Included(&probe), Bound::Unbounded)).next().map(|(k, _)| k);
                match hit {
                    Some(k) if compare_unpacked(&k.values[..key.len().min(k.values.len())], key, info).is_eq() => {
                        *current = Some(k.clone());
                        true
                    }
                    _ => false,
                }
            }
            Ephemeral::Table { .. } => false,
        }
    }

    /// Positions an index on the first entry whose first `key.len()` fields are `>= key`
    /// (`> key` when not `inclusive`) going `forward`, or on the last entry `<= key` (`<`)
    /// going backwards. False when there is none. O(log n) plus the entries equal to `key`
    /// that an exclusive or backward seek steps over.
    pub fn seek(&mut self, key: &[Value], forward: bool, inclusive: bool) -> bool {
        let Ephemeral::Index { entries, info, current } = self else { return false };
        // A key that is a prefix of an entry sorts before it: `probe` is just below every
        // entry whose prefix equals `key`.
        let probe = OrdKey { values: key.to_vec(), info: info.clone() };
        let is_eq = |k: &OrdKey| compare_unpacked(&k.values[..key.len().min(k.values.len())], key, info).is_eq();
        let mut after_probe = entries.range((Bound::Included(&probe), Bound::Unbounded)).map(|(k, _)| k);
        *current = if forward {
            if inclusive { after_probe.next().cloned() } else { after_probe.find(|k| !is_eq(k)).cloned() }
        } else {
            let last_equal = if inclusive { after_probe.take_while(|k| is_eq(k)).last() } else { None };
            last_equal
                .or_else(|| entries.range((Bound::Unbounded, Bound::Excluded(&probe))).next_back().map(|(k, _)| k))
                .cloned()
        };
        current.is_some()
    }

    /// Deletes the current entry; the cursor then stands before the next one (a following
    /// step lands on it).
    pub fn delete_current(&mut self) {
        match self {
            Ephemeral::Table { rows, pos } => {
                if let Some(p) = *pos {
                    rows.remove(p);
                    // Step back so that the next forward step lands on what followed.
                    *pos = p.checked_sub(1);
                }
            }
            Ephemeral::Index { entries, current, .. } => {
                if let Some(k) = current.take() {
                    let prev =
                        entries.range((Bound::Unbounded, Bound::Excluded(&k))).next_back().map(|(k, _)| k.clone());
                    entries.remove(&k);
                    *current = prev;
                }
            }
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        match self {
            Ephemeral::Table { rows, .. } => rows.len(),
            Ephemeral::Index { entries, .. } => entries.len(),
        }
    }
}

/// A sorter: records collected, then sorted by their leading key fields (stable: equal keys
/// keep the order they were inserted in), then read in order.
#[derive(Debug)]
pub(crate) struct Sorter {
    pub info: Rc<KeyInfo>,
    rows: Vec<Vec<Value>>,
    pos: usize,
    sorted: bool,
}

impl Sorter {
    pub fn new(info: Rc<KeyInfo>) -> Sorter {
        Sorter { info, rows: Vec::new(), pos: 0, sorted: false }
    }

    pub fn insert(&mut self, values: Vec<Value>) {
        debug_assert!(!self.sorted, "insert into a sorted sorter");
        self.rows.push(values);
    }

    /// Sorts; false when empty.
    pub fn sort(&mut self) -> bool {
        let info = self.info.clone();
        let n = info.collations.len();
        self.rows.sort_by(|a, b| compare_unpacked(&a[..n.min(a.len())], &b[..n.min(b.len())], &info));
        self.sorted = true;
        self.pos = 0;
        !self.rows.is_empty()
    }

    /// Moves to the next record; false at the end.
    pub fn next(&mut self) -> bool {
        self.pos += 1;
        self.pos < self.rows.len()
    }

    /// Drops every record; the sorter takes new ones (its allocation is kept).
    pub fn reset(&mut self) {
        self.rows.clear();
        self.pos = 0;
        self.sorted = false;
    }

    pub fn current(&self) -> Option<&[Value]> {
        self.rows.get(self.pos).map(Vec::as_slice)
    }
}
