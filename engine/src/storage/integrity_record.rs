//! One record as SQLite's OP_Column sees it during `PRAGMA integrity_check` (vdbe.c, 3.54):
//! the record header parsed lazily, only as far as the column asked for, with SQLite's three
//! corruption tests; values read from the page, or from the overflow chain only when they
//! lie there.
//!
//! What a damaged record does to the check depends on this detail. SQLite's check reads the
//! table's last column first, so that the whole header is parsed and tested: a header that
//! runs past its declared size, or whose values do not end exactly at the end of the record,
//! or end past it, makes the check emit "database disk image is malformed" and stop. Values
//! are then read only where a check needs them (a REAL in a NOT NULL column, a TEXT in a
//! numeric column, an index key), and a broken overflow chain under one of those fails the
//! whole statement, while one under a value nobody reads goes unnoticed by the scan.

use crate::btree::Btree;
use crate::btree::cellview::{PayloadView, varint32};
use crate::format::value::Value;

/// The largest header SQLite accepts when it is not all on the page: a 3-byte serial type
/// for each of 32,768 columns, plus the header-size varint.
const MAX_HEADER_BYTES: u32 = 98_307;

/// Bytes in a value of serial type `t` (sqlite3VdbeSerialTypeLen).
pub(super) fn serial_len(t: u32) -> u32 {
    const SMALL: [u32; 12] = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];
    if t >= 12 { (t - 12) / 2 } else { SMALL[t as usize] }
}

/// The value of serial type `t` whose bytes are `b` (sqlite3VdbeSerialGet and OP_Column's
/// inlined copy): a stored NaN and the reserved types 10 and 11 read as NULL.
pub(super) fn decode(t: u32, b: &[u8]) -> Value {
    let int = |n: usize| {
        let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
        for &x in &b[..n] {
            v = (v << 8) | i64::from(x);
        }
        v
    };
    match t {
        0 | 10 | 11 => Value::Null,
        1..=4 => Value::Integer(int(t as usize)),
        5 => Value::Integer(int(6)),
        6 => Value::Integer(int(8)),
        7 => {
            let r = f64::from_bits(u64::from_be_bytes(b[..8].try_into().expect("8 bytes")));
            if r.is_nan() { Value::Null } else { Value::Real(r) }
        }
        8 => Value::Integer(0),
        9 => Value::Integer(1),
        t if t % 2 == 0 => Value::Blob(b.to_vec()),
        _ => Value::Text(b.to_vec()),
    }
}

/// Why a column could not be read.
#[derive(Debug)]
pub(super) enum ColumnFault {
    /// The record is malformed (OP_Column's op_column_corrupt): the check reports
    /// "database disk image is malformed" and stops.
    Malformed,
    /// Reading failed (a broken overflow chain, an I/O error): the statement fails.
    Error(crate::Error),
}

impl From<crate::Error> for ColumnFault {
    fn from(e: crate::Error) -> ColumnFault {
        ColumnFault::Error(e)
    }
}

/// A column of a record.
#[derive(Debug)]
pub(super) enum Column {
    /// The record holds the column: its serial type.
    Present(u32),
    /// The record ends before the column (the column's default applies).
    Missing,
}

/// OP_Column's cache for the current row of one cursor (VdbeCursor's aType, aOffset,
/// nHdrParsed, iHdrOffset, aRow / szRow).
pub(super) struct RecordView {
    view: PayloadView,
    /// aOffset[0]: the header's size as its first varint declares it.
    header_size: u32,
    /// Where parsing of the header resumes.
    hdr_offset: u32,
    /// The header bytes, once read: from the page (with a few bytes after it), or along the
    /// chain when the header is not all on the page.
    header_buf: Option<Vec<u8>>,
    /// Local payload bytes usable without reading the chain (0 when the header is not local).
    sz_row: u32,
    /// The header lies wholly in the local payload (SQLite's aRow is set).
    header_local: bool,
    /// A column was asked for already (OP_Column's cache is valid).
    accessed: bool,
    /// Serial types of the columns parsed so far.
    types: Vec<u32>,
    /// offsets[i]: where column i's value starts (offsets[0] is the header size).
    offsets: Vec<u32>,
}

impl RecordView {
    /// Starts reading the record of a cursor's current cell (the first OP_Column on a row):
    /// the header size is read, and a header that is not all on the page must be plausible
    /// (at most 98,307 bytes and within the payload).
    pub fn new(view: PayloadView) -> std::result::Result<RecordView, ColumnFault> {
        let first = view.local_byte(0);
        let (header_size, hdr_offset) = if first < 0x80 {
            (u32::from(first), 1)
        } else {
            let head: Vec<u8> = (0..9).map(|i| view.local_byte(i)).collect();
            let (v, n) = varint32(&head, 0);
            (v, n as u32)
        };
        let header_local = view.sz_row >= header_size;
        if !header_local && (header_size > MAX_HEADER_BYTES || header_size > view.cell.payload) {
            return Err(ColumnFault::Malformed);
        }
        Ok(RecordView {
            sz_row: if header_local { view.sz_row } else { 0 },
            view,
            header_size,
            hdr_offset,
            header_buf: None,
            header_local,
            accessed: false,
            types: Vec::new(),
            offsets: vec![header_size],
        })
    }

    /// The header byte at `i` (bytes past what was read read as 0).
    fn header_byte(&self, i: u32) -> u8 {
        match &self.header_buf {
            Some(b) => b.get(i as usize).copied().unwrap_or(0),
            None => self.view.local_byte(i as usize),
        }
    }

    /// Makes sure column `p2`'s serial type is known, parsing more of the header as OP_Column
    /// does; `Missing` when the record has fewer columns.
    pub fn column(&mut self, bt: &mut Btree, p2: usize) -> std::result::Result<Column, ColumnFault> {
        if p2 < self.types.len() {
            return Ok(Column::Present(self.types[p2]));
        }
        // OP_Column's first access with the header on the page parses without the test below
        // (its "goto op_column_read_header" shortcut).
        let first_local = self.header_local && !self.accessed;
        self.accessed = true;
        if first_local || self.hdr_offset < self.header_size {
            if self.header_buf.is_none() {
                // A local header is copied once, with the bytes after it that a damaged
                // header's last varint may reach.
                self.header_buf = Some(if self.header_local {
                    self.view.local_bytes(0, self.header_size as usize + 9)
                } else {
                    self.view.read(bt, 0, self.header_size)?
                });
            }
            self.parse_header(p2)?;
        }
        Ok(match self.types.get(p2) {
            Some(&t) => Column::Present(t),
            None => Column::Missing,
        })
    }

    /// The header-parsing loop of OP_Column (op_column_read_header): serial types are read up
    /// to column `p2` or the end of the header; the record is malformed when the header was
    /// used up but the values do not end exactly at the end of the payload, when the last
    /// type ran past the header, or when the values run past the payload. A header size of 0
    /// is accepted as a record of no columns.
    fn parse_header(&mut self, p2: usize) -> std::result::Result<(), ColumnFault> {
        let payload = u64::from(self.view.cell.payload);
        let mut i = self.types.len();
        let mut offset64 = u64::from(self.offsets[i]);
        let mut z = self.hdr_offset;
        let end = self.header_size;
        loop {
            let b = self.header_byte(z);
            let t = if b < 0x80 {
                z += 1;
                u32::from(b)
            } else {
                let head: Vec<u8> = (0..9).map(|k| self.header_byte(z + k)).collect();
                let (v, n) = varint32(&head, 0);
                z += n as u32;
                v
            };
            offset64 += u64::from(serial_len(t));
            self.types.push(t);
            self.offsets.push(offset64 as u32);
            i += 1;
            if !(i <= p2 && z < end) {
                break;
            }
        }
        if (z >= end && (z > end || offset64 != payload)) || offset64 > payload {
            if self.header_size != 0 {
                return Err(ColumnFault::Malformed);
            }
            self.types.clear();
            self.offsets.truncate(1);
            z = end;
        }
        self.hdr_offset = z;
        Ok(())
    }

    /// The value of column `p2`, whose type is known: from the page when it lies there, else
    /// read along the overflow chain.
    pub fn value(&mut self, bt: &mut Btree, p2: usize) -> std::result::Result<Value, ColumnFault> {
        let t = self.types[p2];
        let (start, end) = (self.offsets[p2], self.offsets[p2 + 1]);
        let len = serial_len(t);
        let bytes = if self.sz_row >= end {
            self.view.local_bytes(start as usize, end as usize)
        } else if len == 0 {
            Vec::new()
        } else {
            self.view.read(bt, start, len)?
        };
        Ok(decode(t, &bytes))
    }
}
