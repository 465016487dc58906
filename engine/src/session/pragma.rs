//! PRAGMA statements (SQLite's pragma.c), for the pragmas this engine knows.
//!
//! A PRAGMA runs inside its statement's transaction (a read transaction, or a write
//! transaction for the header setters: the compiler marks those as writing). Each returns its
//! result rows; a setter returns none, except `journal_mode`, which returns the mode in
//! effect after the change, as SQLite's does. An unknown pragma is ignored without error, as
//! SQLite ignores it.

use super::Session;
use crate::error::{Error, ErrorCode, Result};
use crate::format::header::offset;
use crate::format::value::{Collation, Value};
use crate::pager::{JournalMode, Synchronous};
use crate::schema::{IndexOrigin, IndexTarget};
use crate::sql::Name;
use crate::sql::ast::{Pragma, PragmaValueKind};
use crate::storage::IntegrityOptions;
use crate::vdbe::op::OnError;
use crate::vdbe::{Step, Vm};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The pragmas that write the database header when given a value.
pub fn pragma_writes(p: &Pragma) -> bool {
    p.value.is_some() && header_field(&p.name.name.name.to_ascii_lowercase()).is_some()
}

/// The header field a header pragma reads and writes.
fn header_field(name: &str) -> Option<usize> {
    match name {
        "user_version" => Some(offset::USER_VERSION),
        "application_id" => Some(offset::APPLICATION_ID),
        "schema_version" => Some(offset::SCHEMA_COOKIE),
        _ => None,
    }
}

/// A pragma's value as an integer (`sqlite3Atoi` leniency: a leading number, else 0).
fn int_arg(v: &str) -> i64 {
    let v = v.trim();
    let end = v
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(v.len(), |(i, _)| i);
    v[..end].parse().unwrap_or(0)
}

/// A boolean pragma value (sqlite3GetBoolean): on/yes/true/1 and off/no/false/0.
fn bool_arg(v: &str) -> bool {
    match v.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => true,
        "off" | "no" | "false" => false,
        other => int_arg(other) != 0,
    }
}

fn one(v: Value) -> Vec<Vec<Value>> {
    vec![vec![v]]
}

fn journal_mode_name(m: JournalMode) -> &'static str {
    match m {
        JournalMode::Delete => "delete",
        JournalMode::Truncate => "truncate",
        JournalMode::Persist => "persist",
    }
}

/// What a PRAGMA returns: its rows, and an error to raise after them (PRAGMA
/// integrity_check returns the problems found before the page it could not read).
#[derive(Debug)]
pub struct PragmaOutput {
    pub rows: Vec<Vec<Value>>,
    pub error: Option<Error>,
}

/// sqlite3GetInt32 on a PRAGMA argument's token: a decimal (leading zeros skipped, at most 10
/// digits, anything after the digits ignored) or hexadecimal (`0x`, at most 8 digits, the
/// whole token) 32-bit integer; None when the token does not start as one.
fn get_int32(token: &str) -> Option<i32> {
    let b = token.as_bytes();
    let (neg, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    if i == 0 && b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2].is_ascii_hexdigit() {
        let mut j = 2;
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut u: u32 = 0;
        let mut n = 0;
        while n < 8 && b.get(j + n).is_some_and(u8::is_ascii_hexdigit) {
            u = u * 16 + (b[j + n] as char).to_digit(16).expect("hex digit");
            n += 1;
        }
        let more = b.get(j + n).is_some_and(u8::is_ascii_hexdigit);
        return (u & 0x8000_0000 == 0 && !more).then_some(u as i32);
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    while b.get(i) == Some(&b'0') {
        i += 1;
    }
    let mut v: i64 = 0;
    let mut n = 0;
    while n < 11 && b.get(i + n).is_some_and(u8::is_ascii_digit) {
        v = v * 10 + i64::from(b[i + n] - b'0');
        n += 1;
    }
    if n > 10 || v - i64::from(neg) > i64::from(i32::MAX) {
        return None;
    }
    Some(if neg { -v } else { v } as i32)
}

impl Session {
    /// Runs a PRAGMA; returns its result rows (and, for integrity_check, the error that
    /// stopped it after them).
    pub fn pragma(&mut self, p: &Pragma) -> Result<PragmaOutput> {
        let name = p.name.name.name.to_ascii_lowercase();
        if (name == "integrity_check" || name == "quick_check")
            && p.name.schema.as_ref().is_none_or(|s| s.name.eq_ignore_ascii_case("main"))
        {
            return self.integrity_check(p, name == "quick_check");
        }
        Ok(PragmaOutput { rows: self.pragma_rows(p)?, error: None })
    }

    /// PRAGMA integrity_check / quick_check [(N | table)]: N caps the rows (100 when absent
    /// or not positive); a name checks that table alone. The argument is read from its token
    /// as SQLite reads it: the sign of `-5` is not part of the token, and a quoted `'5'` is a
    /// table name.
    fn integrity_check(&mut self, p: &Pragma, quick: bool) -> Result<PragmaOutput> {
        let mut opts = IntegrityOptions { quick, max_errors: 100, table: None, check_failures: BTreeMap::new() };
        if let Some(v) = &p.value {
            let token = v.raw.trim_start_matches(['-', '+']).trim_start();
            let number = if v.kind == PragmaValueKind::String { None } else { get_int32(token) };
            match number {
                Some(n) if n > 0 => opts.max_errors = n as u32,
                Some(_) => {}
                None => opts.table = Some(v.value.clone()),
            }
        }
        opts.check_failures = self.check_constraint_failures(opts.table.as_deref());
        let outcome = self.db.integrity_check(&opts)?;
        Ok(PragmaOutput {
            rows: outcome.rows.into_iter().map(|r| vec![Value::text(&r)]).collect(),
            error: outcome.error,
        })
    }

    /// For each table (only `only`, when given) with CHECK constraints: the rowids of its
    /// rows that fail one, in rowid order, found with a query. A row fails when a CHECK
    /// expression is false; NULL passes (SQLite's integrity-check program tests each with
    /// sqlite3ExprIfFalse, the first with sqlite3ExprIfTrue and SQLITE_JUMPIFNULL). A table
    /// whose query fails (a damaged file) is left out: its CHECK constraints go unchecked,
    /// and the scan reports the damage.
    fn check_constraint_failures(&mut self, only: Option<&str>) -> BTreeMap<String, Vec<i64>> {
        // sqlite3AddCheckConstraint keeps no CHECK constraint in the schema of a read-only
        // database, so its integrity check has none to test.
        if self.db.btree().pager().config().read_only {
            return BTreeMap::new();
        }
        let tables: Vec<_> = self
            .db
            .catalog()
            .tables
            .iter()
            .filter(|t| !t.def.checks.is_empty() && !t.def.without_rowid)
            .filter(|t| only.is_none_or(|n| n.eq_ignore_ascii_case(&t.def.name)))
            .cloned()
            .collect();
        let mut out = BTreeMap::new();
        for t in tables {
            let Some(rowid) = ["rowid", "_rowid_", "oid"].into_iter().find(|n| t.def.column_index(n).is_none()) else {
                continue;
            };
            let failed: Vec<String> = t
                .def
                .checks
                .iter()
                .map(|c| format!("CASE WHEN ({e}) THEN 0 WHEN NOT ({e}) THEN 1 ELSE 0 END", e = c.expr))
                .collect();
            let sql =
                format!("SELECT {rowid} FROM {} WHERE {} > 0 ORDER BY {rowid}", Name(&t.def.name), failed.join(" + "));
            if let Ok(rowids) = self.query_integers(&sql) {
                out.insert(t.def.name.to_ascii_lowercase(), rowids);
            }
        }
        out
    }

    /// Runs the query `sql` inside the current statement's transaction (as a nested
    /// statement) and returns its first column's integers.
    fn query_integers(&mut self, sql: &str) -> Result<Vec<i64>> {
        let parsed = crate::sql::parse_statement(sql)?;
        let program = crate::compile::compile(&parsed, sql, self.db.catalog())?;
        let mut vm = Vm::new(Rc::new(program));
        let mut rows = Vec::new();
        let r = loop {
            match vm.step(self) {
                Ok(Step::Row) => rows.push(match vm.row().first() {
                    Some(Value::Integer(i)) => *i,
                    _ => 0,
                }),
                Ok(Step::Done) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        match r {
            Ok(()) => {
                self.end_statement_ok(&mut vm.txn)?;
                Ok(rows)
            }
            Err(e) => {
                self.end_statement_err(&mut vm.txn, &e, OnError::Abort);
                Err(e)
            }
        }
    }

    /// Runs a PRAGMA other than integrity_check; returns its result rows.
    fn pragma_rows(&mut self, p: &Pragma) -> Result<Vec<Vec<Value>>> {
        if let Some(schema) = &p.name.schema
            && !schema.name.eq_ignore_ascii_case("main")
        {
            return Err(Error::new(ErrorCode::Error, format!("unknown database {}", schema.name)));
        }
        let name = p.name.name.name.to_ascii_lowercase();
        let arg = p.value.as_ref().map(|v| v.value.as_str());
        if let Some(field) = header_field(&name) {
            let bt = self.db.btree();
            return match arg {
                None => Ok(one(Value::Integer(i64::from(bt.get_meta(field)? as i32)))),
                Some(v) => {
                    bt.update_meta(field, int_arg(v) as u32)?;
                    if field == offset::SCHEMA_COOKIE {
                        self.db.invalidate_catalog();
                    }
                    Ok(Vec::new())
                }
            };
        }
        match name.as_str() {
            "page_size" => {
                let pager = self.db.btree().pager_mut();
                if let Some(v) = arg {
                    // An invalid size, or a database that already has pages, is ignored.
                    let n = int_arg(v);
                    if let Ok(n) = u32::try_from(n) {
                        let _ = pager.set_page_size(n);
                    }
                    return Ok(Vec::new());
                }
                Ok(one(Value::Integer(i64::from(pager.page_size()))))
            }
            "page_count" => Ok(one(Value::Integer(i64::from(self.db.btree().pager().page_count())))),
            "freelist_count" => Ok(one(Value::Integer(i64::from(self.db.btree().get_meta(offset::FREELIST_COUNT)?)))),
            "cache_size" => {
                let pager = self.db.btree().pager_mut();
                match arg {
                    Some(v) => {
                        pager.set_cache_size(int_arg(v));
                        Ok(Vec::new())
                    }
                    None => Ok(one(Value::Integer(pager.config().cache_size))),
                }
            }
            "synchronous" => {
                let pager = self.db.btree().pager_mut();
                match arg {
                    Some(v) => {
                        let level = match v.to_ascii_lowercase().as_str() {
                            "off" => Synchronous::Off,
                            "normal" => Synchronous::Normal,
                            "full" => Synchronous::Full,
                            "extra" => Synchronous::Extra,
                            other => match int_arg(other) {
                                0 => Synchronous::Off,
                                1 => Synchronous::Normal,
                                3 => Synchronous::Extra,
                                _ => Synchronous::Full,
                            },
                        };
                        pager.set_synchronous(level);
                        Ok(Vec::new())
                    }
                    None => Ok(one(Value::Integer(pager.config().synchronous as i64))),
                }
            }
            "journal_mode" => {
                let pager = self.db.btree().pager_mut();
                if let Some(v) = arg {
                    // Modes this pager does not implement (MEMORY, OFF, WAL) leave the mode
                    // as it is; the result row says which mode is in effect, as SQLite's does
                    // when a change is refused.
                    match v.to_ascii_lowercase().as_str() {
                        "delete" => pager.set_journal_mode(JournalMode::Delete),
                        "truncate" => pager.set_journal_mode(JournalMode::Truncate),
                        "persist" => pager.set_journal_mode(JournalMode::Persist),
                        _ => {}
                    }
                }
                Ok(one(Value::text(journal_mode_name(pager.config().journal_mode))))
            }
            "case_sensitive_like" => {
                if let Some(v) = arg {
                    self.case_sensitive_like = bool_arg(v);
                }
                Ok(Vec::new())
            }
            "encoding" => Ok(one(Value::text("UTF-8"))),
            "foreign_keys" | "recursive_triggers" | "reverse_unordered_selects" => {
                // Foreign keys are not enforced: the setting reads as off and setting it is
                // accepted and has no effect.
                Ok(if arg.is_some() { Vec::new() } else { one(Value::Integer(0)) })
            }
            "table_info" | "table_xinfo" => self.table_info(arg, name == "table_xinfo"),
            "index_list" => self.index_list(arg),
            "index_info" | "index_xinfo" => self.index_info(arg, name == "index_xinfo"),
            "database_list" => {
                let file = self.db.btree().pager().path().to_string();
                Ok(vec![vec![Value::Integer(0), Value::text("main"), Value::text(&file)]])
            }
            // SQLite ignores a pragma it does not know.
            _ => Ok(Vec::new()),
        }
    }

    /// PRAGMA table_info(T) / table_xinfo(T): one row per column.
    fn table_info(&mut self, arg: Option<&str>, extended: bool) -> Result<Vec<Vec<Value>>> {
        let Some(name) = arg else { return Ok(Vec::new()) };
        let Some(table) = self.db.catalog().table(name).cloned() else { return Ok(Vec::new()) };
        let def = &table.def;
        Ok(def
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| extended || c.generated.is_none())
            .map(|(i, c)| {
                let mut row = vec![
                    Value::Integer(i as i64),
                    Value::text(&c.name),
                    Value::text(c.declared_type.as_deref().unwrap_or("")),
                    Value::Integer(i64::from(c.not_null)),
                    c.default.as_ref().map_or(Value::Null, |d| Value::text(&d.text)),
                    Value::Integer(c.primary_key_position.map_or(0, |p| p as i64)),
                ];
                if extended {
                    row.push(Value::Integer(match &c.generated {
                        None => 0,
                        Some(g) if g.stored => 3,
                        Some(_) => 2,
                    }));
                }
                row
            })
            .collect())
    }

    /// PRAGMA index_list(T): one row per index of the table, newest first.
    fn index_list(&mut self, arg: Option<&str>) -> Result<Vec<Vec<Value>>> {
        let Some(name) = arg else { return Ok(Vec::new()) };
        let Some(table) = self.db.catalog().table(name).cloned() else { return Ok(Vec::new()) };
        Ok(table
            .indexes
            .iter()
            .enumerate()
            .map(|(i, idx)| {
                let origin = match idx.def.origin {
                    IndexOrigin::CreateIndex => "c",
                    IndexOrigin::Unique => "u",
                    IndexOrigin::PrimaryKey => "pk",
                };
                vec![
                    Value::Integer(i as i64),
                    Value::text(&idx.def.name),
                    Value::Integer(i64::from(idx.def.unique)),
                    Value::text(origin),
                    Value::Integer(i64::from(idx.def.where_clause.is_some())),
                ]
            })
            .collect())
    }

    /// PRAGMA index_info(I) / index_xinfo(I): one row per key column (xinfo adds the rowid).
    fn index_info(&mut self, arg: Option<&str>, extended: bool) -> Result<Vec<Vec<Value>>> {
        let Some(name) = arg else { return Ok(Vec::new()) };
        let Some((table, index)) = self.db.catalog().index(name) else { return Ok(Vec::new()) };
        let def = &index.def;
        let n = if extended { def.columns.len() } else { def.key_len };
        Ok(def
            .columns
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, col)| {
                let (cid, cname) = match &col.target {
                    IndexTarget::Column(c) => (*c as i64, Value::text(&table.def.columns[*c].name)),
                    IndexTarget::Rowid => (-1, Value::Null),
                    IndexTarget::Expr(_) => (-2, Value::Null),
                };
                let mut row = vec![Value::Integer(i as i64), Value::Integer(cid), cname];
                if extended {
                    row.push(Value::Integer(i64::from(col.order == crate::sql::ast::SortOrder::Desc)));
                    let coll = match col.collation {
                        Collation::Binary => "BINARY",
                        Collation::NoCase => "NOCASE",
                        Collation::RTrim => "RTRIM",
                    };
                    row.push(Value::text(coll));
                    row.push(Value::Integer(i64::from(i < def.key_len)));
                }
                row
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::get_int32;

    #[test]
    fn get_int32_reads_tokens_as_sqlite() {
        assert_eq!(get_int32("10"), Some(10));
        assert_eq!(get_int32("007"), Some(7));
        assert_eq!(get_int32("5.5"), Some(5));
        assert_eq!(get_int32("12abc"), Some(12));
        assert_eq!(get_int32("0x10"), Some(16));
        assert_eq!(get_int32("0x80000000"), None);
        assert_eq!(get_int32("2147483647"), Some(i32::MAX));
        assert_eq!(get_int32("2147483648"), None);
        assert_eq!(get_int32("-2147483648"), Some(i32::MIN));
        assert_eq!(get_int32("'10'"), None);
        assert_eq!(get_int32("t1"), None);
    }
}
