//! The cursor opcodes of the interpreter: opening cursors, moving them, reading the current
//! row, and writing b-trees, ephemeral tables and sorters.

use std::cmp::Ordering;

use super::cursor::{BtCursor, CursorKind, Ephemeral, Sorter, VCursor};
use super::exec::Vm;
use super::op::{Op, SeekKind, TreeSpec};
use crate::btree::keycmp::{UnpackedKey, compare_record};
use crate::btree::modify::InsertFlags;
use crate::btree::payload::CellContent;
use crate::btree::{Btree, SeekOp};
use crate::error::{Error, Result, internal_error};
use crate::eval::affinity::numeric_text;
use crate::format::record::{Record, encode_values_into};
use crate::format::value::{Value, ValueRef, compare_int_real};
use crate::session::Session;

/// True when the current row of table cursor `c` has the rowid i64::MAX or holds that
/// integer in a column (the trigger of the planted bug `HangOnMaxInteger`, which takes the
/// value for the "row not read yet" sentinel). Unreadable rows count as false.
fn row_holds_max_integer(bt: &mut Btree, c: &crate::btree::Cursor) -> bool {
    let max = |v: ValueRef<'_>| matches!(v, ValueRef::Integer(i64::MAX));
    bt.rowid(c).ok() == Some(i64::MAX)
        || bt.payload(c).is_ok_and(|p| Record::parse(&p).is_ok_and(|r| r.values().any(max)))
}

/// What a seek on a table cursor by a non-integer key comes to (OP_SeekGE & co. on rowids).
enum RowidKey {
    /// Seek this rowid with this (possibly adjusted) comparison.
    Seek(i64, SeekKind),
    /// No row can satisfy the comparison.
    None,
    /// Every row satisfies it (a text key, larger than any number, going down).
    All,
}

/// The rowid seek a key value means: integers as they are; reals rounded with the comparison
/// adjusted (`rowid > 2.5` is `rowid >= 3`); text converted when it is a number, else larger
/// than every rowid; NULL matches nothing.
fn rowid_key(v: &Value, kind: SeekKind) -> RowidKey {
    let v = match v {
        Value::Text(t) => numeric_text(t, true).unwrap_or(Value::Text(Vec::new())),
        other => other.clone(),
    };
    match v {
        Value::Integer(i) => RowidKey::Seek(i, kind),
        Value::Real(r) => {
            let i = r as i64; // saturating
            let kind = match compare_int_real(i, r) {
                // i > r: r was rounded up (e.g. -2.5 → -2).
                Ordering::Greater => match kind {
                    SeekKind::Gt => SeekKind::Ge,
                    SeekKind::Le => SeekKind::Lt,
                    k => k,
                },
                // i < r: r was rounded down (2.5 → 2).
                Ordering::Less => match kind {
                    SeekKind::Lt => SeekKind::Le,
                    SeekKind::Ge => SeekKind::Gt,
                    k => k,
                },
                Ordering::Equal => kind,
            };
            RowidKey::Seek(i, kind)
        }
        Value::Null => RowidKey::None,
        // Text that is not a number, or a blob: larger than every integer.
        _ => match kind {
            SeekKind::Ge | SeekKind::Gt => RowidKey::None,
            SeekKind::Le | SeekKind::Lt => RowidKey::All,
        },
    }
}

/// The rowid OP_SeekRowid seeks for a value that is not an integer: text as the number it
/// spells (applyNumericAffinity), then an integer as it is, or a REAL from -2^63 to the
/// largest double below 2^63 that is exactly an integer. Anything else (-2.5, '-2.5', a
/// blob, text that is no number) seeks nothing: None.
fn exact_rowid(v: Value) -> Option<i64> {
    let v = match v {
        Value::Text(t) => numeric_text(&t, true)?,
        other => other,
    };
    match v {
        Value::Integer(i) => Some(i),
        Value::Real(r) if (-9223372036854775808.0..=9223372036854774784.0).contains(&r) && (r as i64) as f64 == r => {
            Some(r as i64)
        }
        _ => None,
    }
}

fn seek_op(kind: SeekKind) -> SeekOp {
    match kind {
        SeekKind::Ge => SeekOp::Ge,
        SeekKind::Gt => SeekOp::Gt,
        SeekKind::Le => SeekOp::Le,
        SeekKind::Lt => SeekOp::Lt,
    }
}

impl Vm {
    fn regs_slice(&self, start: u32, count: u32) -> &[Value] {
        &self.regs[start as usize..(start + count) as usize]
    }

    /// The registers `start..start + count` for an insert through `cursor`: for a b-tree
    /// cursor, encoded as a record into the VM's reusable buffer (taken out of the VM; the
    /// caller puts it back), with no values; for an in-memory cursor, the values themselves.
    fn record_of(&mut self, cursor: u32, start: u32, count: u32) -> Result<(Vec<u8>, Vec<Value>)> {
        let mut record = std::mem::take(&mut self.record_buf);
        if matches!(self.cursor_mut(cursor)?.kind, CursorKind::Btree(_)) {
            encode_values_into(self.regs_slice(start, count), &mut record);
            Ok((record, Vec::new()))
        } else {
            Ok((record, self.regs_slice(start, count).to_vec()))
        }
    }

    /// Forgets the cached rows of every b-tree cursor (after a write to any tree).
    fn invalidate_row_caches(&mut self) {
        for c in self.cursors.iter_mut().flatten() {
            if let CursorKind::Btree(b) = &mut c.kind {
                b.forget_row();
            }
        }
    }

    /// Runs a cursor opcode; returns the address to jump to, if it jumps.
    pub(crate) fn cursor_op(&mut self, s: &mut Session, op: &Op) -> Result<Option<usize>> {
        let jump = |t: u32| Ok(Some(t as usize));
        match op {
            Op::OpenRead { cursor, root, tree } | Op::OpenWrite { cursor, root, tree } => {
                let key_info = match tree {
                    TreeSpec::Table => None,
                    TreeSpec::Index(k) => Some(k.clone()),
                };
                let c = s.db.btree().cursor(*root, key_info.clone())?;
                self.open_cursor(*cursor, CursorKind::Btree(BtCursor::new(c, key_info)));
            }
            Op::OpenEphemeral { cursor, key_info } => {
                let e = match key_info {
                    None => Ephemeral::table(),
                    Some(k) => Ephemeral::index(k.clone()),
                };
                self.open_cursor(*cursor, CursorKind::Ephemeral(e));
            }
            Op::SorterOpen { cursor, key_info } => {
                self.open_cursor(*cursor, CursorKind::Sorter(Sorter::new(key_info.clone())));
            }
            Op::Close { cursor } => self.cursors[*cursor as usize] = None,
            Op::Rewind { cursor, if_empty } | Op::Last { cursor, if_empty } => {
                let first = matches!(op, Op::Rewind { .. });
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                c.null_row = false;
                let found = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.invalidate();
                        if first { bt.first(&b.cursor)? } else { bt.last(&b.cursor)? }
                    }
                    CursorKind::Ephemeral(e) => {
                        if first {
                            e.rewind()
                        } else {
                            e.last()
                        }
                    }
                    CursorKind::Sorter(_) => return Err(Error::internal("Rewind on a sorter")),
                };
                if !found {
                    return jump(*if_empty);
                }
            }
            Op::IfEmpty { cursor, target } => {
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let empty = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.invalidate();
                        bt.is_empty(&b.cursor)?
                    }
                    CursorKind::Ephemeral(e) => !e.rewind(),
                    CursorKind::Sorter(_) => return Err(Error::internal("IfEmpty on a sorter")),
                };
                if empty {
                    return jump(*target);
                }
            }
            Op::Next { cursor, target } | Op::Prev { cursor, target } => {
                let forward = matches!(op, Op::Next { .. });
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                // OP_NullRow clears the b-tree cursor (sqlite3BtreeClearCursor): the next step
                // of a cursor on its null row finds nothing, wherever it stood before.
                if std::mem::replace(&mut c.null_row, false) {
                    return Ok(None);
                }
                let more = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.invalidate();
                        if forward
                            && b.key_info.is_none()
                            && crate::planted::active(crate::planted::Bug::HangOnMaxInteger)
                            && row_holds_max_integer(bt, &b.cursor)
                        {
                            // Planted bug: the row stays where it is, and the loop runs it again.
                            true
                        } else if forward {
                            bt.next(&b.cursor)?
                        } else {
                            bt.prev(&b.cursor)?
                        }
                    }
                    CursorKind::Ephemeral(e) => e.step(forward),
                    CursorKind::Sorter(_) => return Err(Error::internal("Next on a sorter")),
                };
                if more {
                    return jump(*target);
                }
            }
            Op::DeferredSeek { index_cursor, table_cursor } => {
                let bt = s.db.btree();
                let rowid = match &mut self.cursor_mut(*index_cursor)?.kind {
                    CursorKind::Btree(b) => b.rowid(bt)?,
                    _ => return Err(Error::internal("DeferredSeek from a cursor that is not an index")),
                };
                let c = self.cursor_mut(*table_cursor)?;
                c.null_row = false;
                match &mut c.kind {
                    CursorKind::Btree(b) => b.defer_seek(rowid),
                    _ => return Err(Error::internal("DeferredSeek of a cursor that is not a table")),
                }
            }
            Op::SeekRowid { cursor, reg, not_found } => {
                let key = self.regs[*reg as usize].clone();
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                c.null_row = false;
                let rowid = match key {
                    Value::Integer(i) => Some(i),
                    other => exact_rowid(other),
                };
                let found = match (rowid, &mut c.kind) {
                    (None, _) => false,
                    (Some(r), CursorKind::Btree(b)) => {
                        b.invalidate();
                        let result = bt.seek_rowid(&b.cursor, r, false)?;
                        b.seek_result = Some((r, result));
                        result == 0
                    }
                    (Some(r), CursorKind::Ephemeral(e)) => e.seek_rowid(r),
                    (Some(_), CursorKind::Sorter(_)) => return Err(Error::internal("SeekRowid on a sorter")),
                };
                if !found {
                    return jump(*not_found);
                }
            }
            Op::Seek { kind, cursor, key, count, not_found, eq_only } => {
                let key_values = self.regs_slice(*key, *count).to_vec();
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                c.null_row = false;
                let found = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.invalidate();
                        if b.key_info.is_none() {
                            match rowid_key(&key_values[0], *kind) {
                                RowidKey::Seek(r, k) => bt.seek_rowid_op(&b.cursor, r, seek_op(k))?,
                                RowidKey::None => false,
                                RowidKey::All => bt.last(&b.cursor)?,
                            }
                        } else {
                            bt.seek_key_op_hinted(&b.cursor, key_values, seek_op(*kind), *eq_only)?
                        }
                    }
                    CursorKind::Ephemeral(e) => {
                        let forward = matches!(kind, SeekKind::Ge | SeekKind::Gt);
                        let inclusive = matches!(kind, SeekKind::Ge | SeekKind::Le);
                        e.seek(&key_values, forward, inclusive)
                    }
                    CursorKind::Sorter(_) => return Err(Error::internal("Seek on a sorter")),
                };
                if !found {
                    return jump(*not_found);
                }
            }
            Op::IdxCompare { kind, cursor, key, count, target } => {
                let key_values = self.regs_slice(*key, *count).to_vec();
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                // IdxLE / IdxGT treat an equal prefix as "entry smaller" (default_rc = -1).
                let default = match kind {
                    SeekKind::Le | SeekKind::Gt => Ordering::Less,
                    _ => Ordering::Equal,
                };
                let ord = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        let info = b.key_info.clone().ok_or_else(|| Error::internal("IdxCompare on a table"))?;
                        let ukey =
                            UnpackedKey { values: key_values, default_ordering: default, eq_seen: Default::default() };
                        bt.with_payload(&b.cursor, |p| compare_record(p, &ukey, &info))??
                    }
                    CursorKind::Ephemeral(Ephemeral::Index { current: Some(k), info, .. }) => {
                        let n = key_values.len().min(k.values.len());
                        match crate::btree::keycmp::compare_unpacked(&k.values[..n], &key_values, info) {
                            Ordering::Equal => default,
                            o => o,
                        }
                    }
                    _ => return Err(Error::internal("IdxCompare on a cursor that is not on an index entry")),
                };
                let holds = match kind {
                    SeekKind::Ge | SeekKind::Gt => ord != Ordering::Less,
                    SeekKind::Le | SeekKind::Lt => ord == Ordering::Less,
                };
                if holds {
                    return jump(*target);
                }
            }
            Op::Found { cursor, key, count, target, negated } => {
                let key_values = self.regs_slice(*key, *count).to_vec();
                let found = self.find_key(s, *cursor, key_values)?;
                if found != *negated {
                    return jump(*target);
                }
            }
            Op::NoConflict { cursor, key, count, target } => {
                let key_values = self.regs_slice(*key, *count).to_vec();
                // The seek comes first even when a key value is NULL (such a key conflicts
                // with nothing): it positions the cursor for the IdxInsert that follows.
                let has_null = key_values.iter().any(|v| matches!(v, Value::Null));
                if !self.find_key(s, *cursor, key_values)? || has_null {
                    return jump(*target);
                }
            }
            Op::Column { cursor, column, dest } => {
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let v = column_of(c, bt, *column as usize)?;
                self.regs[*dest as usize] = v;
            }
            Op::ColumnTypeof { cursor, column, dest } => {
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let v = match &mut c.kind {
                    CursorKind::Btree(b) if !c.null_row => b.column_typeof(bt, *column as usize)?,
                    _ => column_of(c, bt, *column as usize)?,
                };
                self.regs[*dest as usize] = v;
            }
            Op::Rowid { cursor, dest } => {
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let v = if c.null_row {
                    Value::Null
                } else {
                    match &mut c.kind {
                        CursorKind::Btree(b) => Value::Integer(b.rowid(bt)?),
                        CursorKind::Ephemeral(e) => e.rowid().map_or(Value::Null, Value::Integer),
                        CursorKind::Sorter(_) => return Err(Error::internal("Rowid on a sorter")),
                    }
                };
                self.regs[*dest as usize] = v;
            }
            Op::NullRow { cursor } => {
                let c = self.cursor_mut(*cursor)?;
                c.null_row = true;
            }
            Op::NewRowid { cursor, dest } => {
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let rowid = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.invalidate();
                        if bt.last(&b.cursor)? {
                            bt.rowid(&b.cursor)?
                                .checked_add(1)
                                .ok_or_else(|| Error::full("database or disk is full: no rowid left"))?
                        } else {
                            1
                        }
                    }
                    CursorKind::Ephemeral(e) => e.new_rowid(),
                    CursorKind::Sorter(_) => return Err(Error::internal("NewRowid on a sorter")),
                };
                self.regs[*dest as usize] = Value::Integer(rowid);
            }
            Op::Insert { cursor, start, count, rowid, opts } => {
                let rowid = match &self.regs[*rowid as usize] {
                    Value::Integer(i) => *i,
                    _ => return Err(Error::internal("Insert with a rowid that is not an integer")),
                };
                let (mut record, values) = self.record_of(*cursor, *start, *count)?;
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let r = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        let flags = InsertFlags { append: false, save_position: opts.save_position };
                        // The seek of the rowid check, if it was of this rowid, found no row
                        // and nothing moved the cursor since.
                        let seek_result = match b.seek_result.take() {
                            Some((r, result)) if opts.use_seek_result && r == rowid => result,
                            _ => 0,
                        };
                        b.finish_seek(bt)?;
                        b.invalidate();
                        bt.insert(&b.cursor, CellContent::Row { rowid, data: &record }, seek_result, flags)
                    }
                    CursorKind::Ephemeral(e) => e.insert_row(rowid, values),
                    CursorKind::Sorter(_) => Err(Error::internal("Insert into a sorter")),
                };
                record.clear();
                self.record_buf = record;
                r?;
                if opts.count_change {
                    self.changes += 1;
                }
                if opts.set_last_rowid {
                    s.last_insert_rowid = rowid;
                }
                self.invalidate_row_caches();
            }
            Op::IdxInsert { cursor, start, count, use_seek_result } => {
                let (mut record, values) = self.record_of(*cursor, *start, *count)?;
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let r = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        let seek = b.key_seek_result.take().filter(|_| *use_seek_result).unwrap_or(0);
                        bt.insert(&b.cursor, CellContent::Key(&record), seek, InsertFlags::default())
                    }
                    CursorKind::Ephemeral(e) => e.insert_key(values),
                    CursorKind::Sorter(_) => Err(Error::internal("IdxInsert into a sorter")),
                };
                record.clear();
                self.record_buf = record;
                r?;
                self.invalidate_row_caches();
            }
            Op::Delete { cursor, count_change, save_position } => {
                let bt = s.db.btree();
                let planted = *count_change
                    && self.changes == 2
                    && crate::planted::active(crate::planted::Bug::DeleteSkipsThirdRow);
                let c = self.cursor_mut(*cursor)?;
                match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.finish_seek(bt)?;
                        b.invalidate();
                        if !planted {
                            bt.delete(&b.cursor, *save_position)?
                        }
                    }
                    CursorKind::Ephemeral(e) => e.delete_current(),
                    CursorKind::Sorter(_) => return Err(Error::internal("Delete from a sorter")),
                }
                if *count_change {
                    self.changes += 1;
                }
                self.invalidate_row_caches();
            }
            Op::IdxDelete { cursor, key, count } => {
                let key_values = self.regs_slice(*key, *count).to_vec();
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let CursorKind::Btree(b) = &mut c.kind else {
                    return Err(Error::internal("IdxDelete on an in-memory cursor"));
                };
                b.invalidate();
                if bt.seek_key(&b.cursor, &UnpackedKey::exact(key_values))? != 0 {
                    return Err(Error::corrupt("database disk image is malformed: index entry missing"));
                }
                // OP_IdxDelete deletes with BTREE_AUXDELETE only: the cursor goes back to
                // its root page (kept), not to a saved position that the next seek would
                // fetch the root again for.
                bt.delete(&b.cursor, false)?;
                self.invalidate_row_caches();
            }
            Op::Clear { root, count_changes } => {
                let n = s.db.btree().clear_tree(*root)?;
                if *count_changes {
                    self.changes += n as i64;
                }
                self.invalidate_row_caches();
            }
            Op::Count { cursor, dest } => {
                let bt = s.db.btree();
                let c = self.cursor_mut(*cursor)?;
                let n = match &mut c.kind {
                    CursorKind::Btree(b) => {
                        b.invalidate();
                        bt.count(&b.cursor)?
                    }
                    CursorKind::Ephemeral(e) => e.len() as i64,
                    CursorKind::Sorter(_) => return Err(Error::internal("Count on a sorter")),
                };
                self.regs[*dest as usize] = Value::Integer(n);
            }
            Op::SorterInsert { cursor, start, count } => {
                let values = self.regs_slice(*start, *count).to_vec();
                match &mut self.cursor_mut(*cursor)?.kind {
                    CursorKind::Sorter(so) => so.insert(values),
                    _ => return Err(Error::internal("SorterInsert on a cursor that is not a sorter")),
                }
            }
            Op::SorterSort { cursor, if_empty } => {
                let c = self.cursor_mut(*cursor)?;
                c.null_row = false;
                let CursorKind::Sorter(so) = &mut c.kind else {
                    return Err(Error::internal("SorterSort on a cursor that is not a sorter"));
                };
                if !so.sort() {
                    return jump(*if_empty);
                }
            }
            Op::SorterNext { cursor, target } => {
                let CursorKind::Sorter(so) = &mut self.cursor_mut(*cursor)?.kind else {
                    return Err(Error::internal("SorterNext on a cursor that is not a sorter"));
                };
                if so.next() {
                    return jump(*target);
                }
            }
            Op::ResetSorter { cursor } => {
                let CursorKind::Sorter(so) = &mut self.cursor_mut(*cursor)?.kind else {
                    return Err(Error::internal("ResetSorter on a cursor that is not a sorter"));
                };
                so.reset();
            }
            Op::Sequence { cursor, dest } => {
                let c = self.cursor_mut(*cursor)?;
                let v = c.seq;
                c.seq += 1;
                self.regs[*dest as usize] = Value::Integer(v);
            }
            other => return Err(internal_error(format_args!("opcode {} is not implemented", other.name()))),
        }
        Ok(None)
    }

    /// Whether the index under `cursor` holds an entry whose first fields equal `key`; the
    /// cursor is left on it when it does.
    fn find_key(&mut self, s: &mut Session, cursor: u32, key: Vec<Value>) -> Result<bool> {
        let bt = s.db.btree();
        let c = self.cursor_mut(cursor)?;
        c.null_row = false;
        Ok(match &mut c.kind {
            CursorKind::Btree(b) => {
                b.invalidate();
                let result = bt.seek_key(&b.cursor, &UnpackedKey::exact(key))?;
                b.key_seek_result = Some(result);
                result == 0
            }
            CursorKind::Ephemeral(e) => e.find_prefix(&key),
            CursorKind::Sorter(_) => return Err(Error::internal("Found on a sorter")),
        })
    }
}

/// Column `i` of a cursor's current row: NULL on a null row or past the record's end.
fn column_of(c: &mut VCursor, bt: &mut Btree, i: usize) -> Result<Value> {
    if c.null_row {
        return Ok(Value::Null);
    }
    match &mut c.kind {
        CursorKind::Btree(b) => b.column(bt, i),
        CursorKind::Ephemeral(e) => Ok(e.current().and_then(|row| row.get(i)).cloned().unwrap_or(Value::Null)),
        CursorKind::Sorter(so) => Ok(so.current().and_then(|row| row.get(i)).cloned().unwrap_or(Value::Null)),
    }
}
