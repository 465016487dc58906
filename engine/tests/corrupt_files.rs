//! Bad input: corrupted variants of valid database files each end in an error of a Corrupt
//! kind or a correct read, within a bounded time and memory: no panic, no hang.
//!
//! Four base files (real SQLite and the engine, pages of 512 and 1024 bytes; see
//! corrupt/base.rs) are decoded (corrupt/layout.rs) and damaged 2,600 times each
//! (corrupt/mutate.rs). Each variant is opened by the engine on a fresh MemVfs, which reads
//! everything, gets rows, seeks and scans indexes, and then, on a second copy, inserts and
//! deletes (the write paths on damaged pages). The rules:
//!
//! - no panic: each variant runs under `catch_unwind`, and a panic is reported with it;
//! - no hang: each variant finishes within [`VARIANT_TIME_LIMIT`]; a watchdog fails the test
//!   naming the variant if one runs past [`HANG_LIMIT`];
//! - bounded memory: the test caps its own address space (RLIMIT_AS, [`ADDRESS_SPACE_LIMIT_BYTES`]),
//!   so an allocation sized by a corrupt field fails the run instead of exhausting the machine,
//!   and the resident memory one variant adds (Linux VmHWM, reset before each variant) stays
//!   under [`VARIANT_MEMORY_LIMIT_BYTES`];
//! - errors are SQLite's corruption kinds (`Corrupt`, `NotADb`); the few other outcomes that
//!   are correct answers to damaged input are listed in [`expected_error`] with the reason;
//! - a read that succeeds is correct: when real SQLite's `PRAGMA integrity_check` also says
//!   "ok", every table's rows equal SQLite's.
//!
//! Replay: every failure names the seed, the base file and the variant number. Set
//! `TOUCHSTONE_CORRUPT_SEED` to run another seed, and `TOUCHSTONE_CORRUPT_VARIANT=<base>/<n>`
//! (e.g. `engine-512/1234`) to run one variant and print its outcomes.

mod corrupt;

use corrupt::base::{BaseFile, Content, base_files, content};
use corrupt::layout::{Layout, decode};
use corrupt::mutate::{Kind, SCHEDULE, make_variant};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use touchstone_engine::btree::UnpackedKey;
use touchstone_engine::format::Value;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::{Database, ReadSummary};
use touchstone_engine::vfs::MemVfs;
use touchstone_engine::{Error, ErrorCode};

/// The seed of the default run.
const DEFAULT_SEED: u64 = 0x007c_022f_11e5;
/// Variants made from each base file.
const VARIANTS_PER_BASE: usize = 2_600;
/// The longest one variant may take (the engine's work on it; a sound one takes well under a
/// millisecond).
const VARIANT_TIME_LIMIT: Duration = Duration::from_secs(2);
/// A variant still running after this long is reported as a hang.
const HANG_LIMIT: Duration = Duration::from_secs(30);
/// The most resident memory one variant may add (files are < 80 KiB).
const VARIANT_MEMORY_LIMIT_BYTES: usize = 32 << 20;
/// The test process's address-space cap.
const ADDRESS_SPACE_LIMIT_BYTES: u64 = 4 << 30;
/// The page cache of the connection that writes (the smallest the pager allows).
const WRITER_CACHE_PAGES: i64 = 10;
/// The name of the thread that runs the variants (its panics are captured, not printed).
const WORKER_THREAD: &str = "corrupt-variants";

// ----- memory accounting ------------------------------------------------------------------

/// Caps this process's address space, so that a runaway allocation fails (aborting the run)
/// rather than exhausting the machine.
fn cap_address_space() {
    use nix::sys::resource::{Resource, setrlimit};
    setrlimit(Resource::RLIMIT_AS, ADDRESS_SPACE_LIMIT_BYTES, ADDRESS_SPACE_LIMIT_BYTES).expect("setrlimit RLIMIT_AS");
}

/// A field of /proc/self/status in bytes (Linux), e.g. "VmRSS" or "VmHWM".
fn proc_status_bytes(field: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    let kib: usize = line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Resets the process's peak resident set to the current one (Linux /proc/self/clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

// ----- what a variant does ------------------------------------------------------------------

/// The operations run on every variant, chosen from the base content: rows that exist and
/// one that does not, index seeks for keys that exist, rows to insert and delete spread over
/// the trees, and DDL that builds, drops and frees whole trees.
struct Plan {
    gets: Vec<(&'static str, i64)>,
    seeks: Vec<(&'static str, &'static str, Value)>,
    scans: Vec<&'static str>,
    /// (table, rowid or None for a new one, template row). The inserted row takes the table's
    /// current column count from the (possibly damaged) catalog, NULL in the rowid alias.
    inserts: Vec<(&'static str, Option<i64>, Vec<Value>)>,
    deletes: Vec<(&'static str, i64)>,
    ddl: Vec<&'static str>,
}

impl Plan {
    /// The plan for files holding `c` with pages of `page_size` bytes.
    fn new(c: &Content, page_size: usize) -> Plan {
        let live: Vec<&(i64, [Value; 3])> = c.t1.iter().filter(|(id, _)| !c.t1_deleted.contains(id)).collect();
        let first = live[0];
        let middle = live[live.len() / 2];
        let last = live[live.len() - 1];
        let t2_live = (1..=c.t2.len() as i64).find(|r| !c.t2_deleted.contains(r)).expect("a live t2 row");
        let t2_key = Value::text(&c.t2[t2_live as usize - 1].0);
        let large = Value::text(&"n".repeat(2 * page_size));
        // Rowids in the gaps between rows, so that inserts land inside the tree.
        let gaps: Vec<i64> =
            live.windows(2).filter(|w| w[1].0 - w[0].0 > 2).map(|w| w[0].0 + 1).step_by(5).take(3).collect();
        Plan {
            gets: vec![("t1", first.0), ("t1", middle.0), ("t1", last.0), ("t1", 424_242), ("t2", t2_live)],
            seeks: vec![
                ("t1", "t1_a", middle.1[0].clone()),
                ("t1", "t1_cb", middle.1[2].clone()),
                ("t2", "sqlite_autoindex_t2_1", t2_key),
            ],
            scans: vec!["t1_a", "t1_cb", "sqlite_autoindex_t2_1"],
            inserts: gaps
                .iter()
                .map(|&g| ("t1", Some(g), vec![Value::Integer(g), Value::Real(0.5), Value::Blob(vec![7; 40])]))
                .chain([
                    ("t1", None, vec![Value::Integer(99), large.clone(), Value::Blob(vec![7; 40])]),
                    ("t1", Some(gaps[0] + 1), vec![Value::Null, Value::text("x"), large.clone()]),
                    ("t2", None, vec![Value::text("a new key"), Value::Integer(5)]),
                    ("t2", None, vec![large.clone(), Value::Integer(6)]),
                ])
                .collect(),
            deletes: vec![("t1", first.0), ("t1", middle.0), ("t1", last.0), ("t2", t2_live)],
            ddl: vec!["CREATE INDEX t1_new ON t1(b, a)", "DROP INDEX t1_a", "DROP TABLE t2"],
        }
    }
}

/// One table's rows in rowid order: (rowid, column values).
type Rows = Vec<(i64, Vec<Value>)>;

/// Everything the engine said about one variant.
struct Outcome {
    /// read_everything on a fresh connection.
    read: Result<ReadSummary, Error>,
    /// Every other operation, by name.
    ops: Vec<(String, Result<(), Error>)>,
    /// Every table's rows, when read_everything succeeded.
    rows: Option<Vec<(String, Rows)>>,
}

/// A fresh connection to `bytes` on its own MemVfs, with a cache of `cache_pages` pages.
fn open_copy(bytes: &[u8], cache_size: i64) -> Result<Database, Error> {
    let vfs = MemVfs::new();
    vfs.set_file_bytes("v.db", bytes)?;
    Database::open(Arc::new(vfs), "v.db", PagerConfig { cache_size, ..PagerConfig::default() })
}

/// Runs the plan on `bytes`: reads on one connection, writes on another over a copy.
fn run_engine(bytes: &[u8], plan: &Plan) -> Outcome {
    let mut ops = Vec::new();
    let mut record = |name: String, r: Result<(), Error>| ops.push((name, r));
    let mut rows = None;
    let read = match open_copy(bytes, PagerConfig::default().cache_size) {
        Err(e) => Err(e),
        Ok(mut db) => {
            let read = db.read_everything();
            if read.is_ok() {
                let names: Vec<String> = db.catalog().tables.iter().map(|t| t.def.name.clone()).collect();
                let mut all = Vec::new();
                for name in names {
                    match db.rows(&name) {
                        Ok(r) => all.push((name, r)),
                        Err(e) => record(format!("rows({name})"), Err(e)),
                    }
                }
                rows = Some(all);
            }
            for &(table, rowid) in &plan.gets {
                record(format!("get({table}, {rowid})"), db.get(table, rowid).map(drop));
            }
            for (table, index, key) in &plan.seeks {
                record(format!("seek({index})"), seek(&mut db, table, index, key));
            }
            for index in &plan.scans {
                record(format!("index_entries({index})"), db.index_entries(index).map(drop));
            }
            read
        }
    };
    // The writer's cache is small, so that pages are evicted, spilled and read again.
    match open_copy(bytes, WRITER_CACHE_PAGES) {
        Err(e) => record("open for writing".into(), Err(e)),
        Ok(mut db) => {
            for (table, rowid, template) in &plan.inserts {
                record(format!("insert({table}, {rowid:?})"), insert_like(&mut db, table, *rowid, template));
            }
            for &(table, rowid) in &plan.deletes {
                record(format!("delete({table}, {rowid})"), db.delete(table, rowid).map(drop));
            }
            for sql in &plan.ddl {
                record(sql.to_string(), db.execute_ddl(sql));
            }
            record("read_everything after writes".into(), db.read_everything().map(drop));
        }
    }
    Outcome { read, ops, rows }
}

/// Seeks index `index` of `table` to the first entry whose first column is at least `key`
/// and reads it (the executor's index lookup), through the b-tree layer.
fn seek(db: &mut Database, table: &str, index: &str, key: &Value) -> Result<(), Error> {
    let t = db.table(table)?;
    let Some(i) = t.indexes.iter().find(|i| i.def.name == index) else {
        return Err(Error::new(ErrorCode::Error, format!("no such index: {index}")));
    };
    let bt = db.btree();
    bt.begin_read()?;
    let r = (|| {
        let c = bt.cursor(i.root, Some(i.key_info.clone()))?;
        let found = bt.seek_key(&c, &UnpackedKey::before_equal(vec![key.clone()]))?;
        // The cursor is next to where the key would be: on a smaller entry, step forward.
        if (found < 0 && bt.next(&c)?) || (found >= 0 && c.is_valid()) {
            bt.payload(&c)?;
        }
        Ok(())
    })();
    bt.end_read();
    r
}

/// Inserts a row made from `template` fitted to the table's current definition.
fn insert_like(db: &mut Database, table: &str, rowid: Option<i64>, template: &[Value]) -> Result<(), Error> {
    let t = db.table(table)?;
    let mut values = template.iter().cycle();
    let row: Vec<Value> = (0..t.def.columns.len())
        .map(|i| if Some(i) == t.def.rowid_alias { Value::Null } else { values.next().cloned().unwrap_or(Value::Null) })
        .collect();
    db.insert(table, rowid, &row).map(drop)
}

// ----- judging outcomes -----------------------------------------------------------------------

/// What a variant's header says about features the engine does not support (yet).
#[derive(Clone, Copy, Debug, Default)]
struct Unsupported {
    /// Byte 19 (read version) is 2: a WAL database.
    wal: bool,
    /// Byte 18 (write version) is above 2: SQLite opens the file read-only.
    write_version: bool,
    /// Schema format (bytes 44..48) above 4.
    schema_format: bool,
    /// Text encoding (bytes 56..60, low two bits) UTF-16.
    utf16: bool,
}

impl Unsupported {
    /// The unsupported features the header of `bytes` declares (none when there is no header).
    fn of(bytes: &[u8]) -> Unsupported {
        if bytes.len() < 100 {
            return Unsupported::default();
        }
        let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        Unsupported {
            wal: bytes[19] == 2,
            write_version: bytes[18] > 2,
            schema_format: u32_at(44) > 4,
            utf16: u32_at(56) & 3 >= 2,
        }
    }
}

/// Whether an error is an acceptable answer to damaged input, for a read (`read_everything`)
/// or for one of the point operations and writes. Beyond the corruption kinds, each only
/// when the variant's header declares the feature (`unsupported`):
///
/// - a WAL header (byte 19 = 2): the engine does not do WAL yet and refuses with CantOpen,
///   an unsupported feature rather than misread corruption (SQLite opens it in WAL mode);
/// - a write version above 2 (byte 18): the file is read-only, so writes fail with
///   ReadOnly, as in SQLite;
/// - schema format above 4: "unsupported file format", SQLite's own SQLITE_ERROR;
/// - a UTF-16 text encoding: not supported yet (SQLITE_ERROR).
///
/// And for operations other than the read:
/// - an index on an expression is not supported yet when an operation needs its keys
///   (damaged CREATE INDEX text may turn into one);
/// - naming a table or index that damage to sqlite_schema renamed or removed answers
///   "no such table/index";
/// - a write may meet a constraint (damage made the new key a duplicate) or run out of
///   rowids (damage made the largest rowid i64::MAX).
fn expected_error(e: &Error, is_read: bool, unsupported: Unsupported) -> bool {
    let m = e.message();
    match e.code() {
        ErrorCode::Corrupt | ErrorCode::NotADb => true,
        ErrorCode::CantOpen => unsupported.wal && m.contains("WAL-mode databases are not supported yet"),
        ErrorCode::ReadOnly => !is_read && unsupported.write_version && m.contains("unknown file format write version"),
        ErrorCode::Error => {
            (unsupported.schema_format && m.starts_with("unsupported file format"))
                || (unsupported.utf16 && m.starts_with("UTF-16 databases are not supported yet"))
                || (!is_read
                    && (m.starts_with("no such table")
                        || m.starts_with("no such index")
                        || m.starts_with("indexes on expressions are not supported yet")))
        }
        ErrorCode::Constraint => !is_read,
        ErrorCode::Full => !is_read && m.contains("no rowid left"),
        _ => false,
    }
}

/// A short name of an error's code for the summary.
fn code_name(e: &Error) -> String {
    format!("{:?}", e.code())
}

/// What real SQLite says about a file the engine read without error.
enum SqliteVerdict {
    /// integrity_check found problems (the engine is not required to).
    NotOk,
    /// integrity_check is ok and every table's rows are equal.
    Equal,
    /// integrity_check is ok but rows differ: the engine misread the file.
    Differs(String),
}

/// Runs integrity_check on `bytes` (written to `path`) and compares `tables` with SQLite's rows.
fn sqlite_verdict(path: &Path, bytes: &[u8], tables: &[(String, Rows)]) -> SqliteVerdict {
    std::fs::write(path, bytes).expect("write check file");
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = rusqlite::Connection::open_with_flags(path, flags) else { return SqliteVerdict::NotOk };
    let check: rusqlite::Result<Vec<String>> =
        conn.prepare("PRAGMA integrity_check").and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect());
    if check.as_deref().map(|c| c != ["ok"]).unwrap_or(true) {
        return SqliteVerdict::NotOk;
    }
    for (name, engine_rows) in tables {
        let sql = format!("SELECT rowid, * FROM \"{}\" ORDER BY rowid", name.replace('"', "\"\""));
        let sqlite_rows = conn.prepare(&sql).and_then(|mut s| {
            let n = s.column_count();
            s.query_map([], |r| {
                let values = (1..n).map(|i| r.get_ref(i).map(from_sqlite)).collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((r.get::<_, i64>(0)?, values))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        });
        match sqlite_rows {
            Err(e) => return SqliteVerdict::Differs(format!("SQLite cannot read table {name}: {e}")),
            Ok(rows) if rows != *engine_rows => {
                let at =
                    rows.iter().zip(engine_rows).position(|(a, b)| a != b).unwrap_or(rows.len().min(engine_rows.len()));
                return SqliteVerdict::Differs(format!(
                    "table {name}: SQLite has {} rows, the engine {}; first difference at #{at}: SQLite {:?}, engine {:?}",
                    rows.len(),
                    engine_rows.len(),
                    rows.get(at),
                    engine_rows.get(at)
                ));
            }
            Ok(_) => {}
        }
    }
    SqliteVerdict::Equal
}

/// A value read by rusqlite as an engine value.
fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    match v {
        rusqlite::types::ValueRef::Null => Value::Null,
        rusqlite::types::ValueRef::Integer(i) => Value::Integer(i),
        rusqlite::types::ValueRef::Real(r) => Value::Real(r),
        rusqlite::types::ValueRef::Text(t) => Value::Text(t.to_vec()),
        rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

// ----- the run --------------------------------------------------------------------------------

/// Counters for one kind of damage.
#[derive(Default)]
struct KindStats {
    variants: usize,
    reads_ok: usize,
    read_errors: BTreeMap<String, usize>,
    sqlite_equal: usize,
    sqlite_not_ok: usize,
}

/// What the whole run found.
#[derive(Default)]
struct Report {
    by_kind: BTreeMap<Kind, KindStats>,
    /// Per operation (its name up to the first parenthesis): how often it succeeded, and the
    /// error codes it ended in otherwise.
    ops: BTreeMap<String, (usize, BTreeMap<String, usize>)>,
    failures: Vec<String>,
    slowest: (Duration, String),
    peak_bytes: (usize, String),
}

/// The variant to run alone, from TOUCHSTONE_CORRUPT_VARIANT=<base>/<n>.
fn only_variant() -> Option<(String, usize)> {
    let v = std::env::var("TOUCHSTONE_CORRUPT_VARIANT").ok()?;
    let (base, n) = v.rsplit_once('/')?;
    Some((base.to_string(), n.parse().ok()?))
}

/// The generator of variant `n` of base file number `base_index`.
fn variant_rng(seed: u64, base_index: usize, n: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ ((base_index as u64) << 40) ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The last panic's message and location on the worker thread.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs every variant of every base file; `current` names the variant in progress for the
/// watchdog.
fn run_all(seed: u64, bases: &[BaseFile], current: &Mutex<Option<(String, Instant)>>) -> Report {
    let mut report = Report::default();
    let dir = tempfile::tempdir().expect("tempdir");
    let check_path = dir.path().join("check.db");
    let only = only_variant();
    for (base_index, base) in bases.iter().enumerate() {
        let layout: Layout = decode(&base.bytes);
        let plan = Plan::new(&content(layout.page_size as u32), layout.page_size);
        for n in 0..VARIANTS_PER_BASE {
            if only.as_ref().is_some_and(|(b, v)| *b != base.label || *v != n) {
                continue;
            }
            let kind = SCHEDULE[n % SCHEDULE.len()];
            let making = format!("seed {seed:#x} variant {}/{n} ({kind:?}, being made)", base.label);
            *current.lock().expect("progress lock") = Some((making, Instant::now()));
            let variant = make_variant(kind, &base.bytes, &layout, &mut variant_rng(seed, base_index, n));
            let label = format!("seed {seed:#x} variant {}/{n} ({kind:?}: {})", base.label, variant.what);
            *current.lock().expect("progress lock") = Some((label.clone(), Instant::now()));
            let problems = run_variant(&mut report, kind, &label, &variant.bytes, &plan, &check_path, only.is_some());
            if let Some(first) = problems.first() {
                report.failures.push(format!("{label}: {first} (and {} more)", problems.len() - 1));
            }
        }
    }
    *current.lock().expect("progress lock") = None;
    report
}

/// Runs the plan on one variant under `catch_unwind`, measuring its time and memory, counts
/// its outcomes in `report`, and returns what broke the rules. With `verbose` every outcome
/// is printed.
fn run_variant(
    report: &mut Report,
    kind: Kind,
    label: &str,
    bytes: &[u8],
    plan: &Plan,
    check_path: &Path,
    verbose: bool,
) -> Vec<String> {
    reset_peak_rss();
    let rss_before = proc_status_bytes("VmRSS").unwrap_or(0);
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| run_engine(bytes, plan)));
    let elapsed = started.elapsed();
    let peak_bytes = proc_status_bytes("VmHWM").unwrap_or(0).saturating_sub(rss_before);
    report.by_kind.entry(kind).or_default().variants += 1;
    if elapsed > report.slowest.0 {
        report.slowest = (elapsed, label.to_string());
    }
    if peak_bytes > report.peak_bytes.0 {
        report.peak_bytes = (peak_bytes, label.to_string());
    }
    let mut problems = Vec::new();
    if elapsed > VARIANT_TIME_LIMIT {
        problems.push(format!("took {elapsed:?}"));
    }
    if peak_bytes > VARIANT_MEMORY_LIMIT_BYTES {
        problems.push(format!("added {peak_bytes} resident bytes"));
    }
    match result {
        Ok(outcome) => {
            if verbose {
                println!("{label}\n  read_everything: {:?}", outcome.read);
                for (name, r) in &outcome.ops {
                    println!("  {name}: {r:?}");
                }
            }
            judge(report, kind, &outcome, bytes, check_path, &mut problems);
        }
        Err(_) => {
            let msg = LAST_PANIC.lock().expect("panic lock").take().unwrap_or_default();
            problems.insert(0, format!("panicked: {msg}"));
        }
    }
    problems
}

/// Counts the outcome of one variant and adds to `problems` every error of a kind the rules
/// do not allow and every successful read that real SQLite contradicts.
fn judge(
    report: &mut Report,
    kind: Kind,
    outcome: &Outcome,
    bytes: &[u8],
    check_path: &Path,
    problems: &mut Vec<String>,
) {
    let unsupported = Unsupported::of(bytes);
    let stats = report.by_kind.entry(kind).or_default();
    match &outcome.read {
        Ok(_) => stats.reads_ok += 1,
        Err(e) => {
            *stats.read_errors.entry(code_name(e)).or_default() += 1;
            if !expected_error(e, true, unsupported) {
                problems.push(format!("read_everything: unexpected error {e}"));
            }
        }
    }
    if let Some(tables) = &outcome.rows {
        match sqlite_verdict(check_path, bytes, tables) {
            SqliteVerdict::NotOk => stats.sqlite_not_ok += 1,
            SqliteVerdict::Equal => stats.sqlite_equal += 1,
            SqliteVerdict::Differs(why) => problems.push(format!("wrong read: {why}")),
        }
    }
    for (name, r) in &outcome.ops {
        let op = report.ops.entry(name.split('(').next().unwrap_or(name).to_string()).or_default();
        match r {
            Ok(()) => op.0 += 1,
            Err(e) => {
                *op.1.entry(code_name(e)).or_default() += 1;
                if !expected_error(e, false, unsupported) {
                    problems.push(format!("{name}: unexpected error {e}"));
                }
            }
        }
    }
}

/// Checks that each base file is what the variants assume: valid for both engines, equal
/// rows, and the structures the targeted damage aims at present.
fn check_base(base: &BaseFile, check_path: &Path) {
    let layout = decode(&base.bytes);
    let mut db = open_copy(&base.bytes, PagerConfig::default().cache_size).expect("open base");
    db.read_everything().unwrap_or_else(|e| panic!("{}: engine cannot read the base file: {e}", base.label));
    let names: Vec<String> = db.catalog().tables.iter().map(|t| t.def.name.clone()).collect();
    let tables: Vec<_> = names.into_iter().map(|n| (n.clone(), db.rows(&n).expect("rows"))).collect();
    assert!(
        matches!(sqlite_verdict(check_path, &base.bytes, &tables), SqliteVerdict::Equal),
        "{}: SQLite disagrees with the engine on the base file",
        base.label
    );
    let interior = layout.pages.iter().filter(|p| !p.leaf).count();
    println!(
        "base {}: {} pages, {} b-tree pages ({interior} interior), {} overflow chains, {} freelist trunks, {} leaves",
        base.label,
        layout.n_pages,
        layout.pages.len(),
        layout.chains.len(),
        layout.trunks.len(),
        layout.leaves.len()
    );
    assert!((20..=80).contains(&layout.n_pages), "{}: {} pages", base.label, layout.n_pages);
    assert!(interior > 0 && !layout.chains.is_empty(), "{}: no interior pages or overflow chains", base.label);
    assert!(!layout.trunks.is_empty() && !layout.leaves.is_empty(), "{}: no freelist trunk and leaves", base.label);
    // A child pointer aimed at its parent (not its root) needs a tree three levels deep.
    assert!(
        layout.page_size > 512 || layout.pages.iter().any(|p| !p.leaf && p.parent.is_some()),
        "{}: no tree is three levels deep",
        base.label
    );
}

#[test]
fn corrupted_files_end_in_corrupt_errors_or_correct_reads() {
    cap_address_space();
    let seed = std::env::var("TOUCHSTONE_CORRUPT_SEED")
        .ok()
        .map(|s| {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).expect("TOUCHSTONE_CORRUPT_SEED is a hex u64")
        })
        .unwrap_or(DEFAULT_SEED);
    let bases = base_files();
    let dir = tempfile::tempdir().expect("tempdir");
    for base in &bases {
        check_base(base, &dir.path().join("base-check.db"));
    }

    // Panics on the worker are recorded for the report instead of printed.
    let hook_fallback = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(WORKER_THREAD) {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = info.location().map(|l| l.to_string()).unwrap_or_default();
            *LAST_PANIC.lock().expect("panic lock") = Some(format!("{msg} at {at}"));
        } else {
            hook_fallback(info);
        }
    }));

    let current: Arc<Mutex<Option<(String, Instant)>>> = Arc::new(Mutex::new(None));
    let started = Instant::now();
    let worker = {
        let current = current.clone();
        std::thread::Builder::new()
            .name(WORKER_THREAD.into())
            .spawn(move || run_all(seed, &bases, &current))
            .expect("spawn worker")
    };
    while !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(100));
        if let Some((label, since)) = current.lock().expect("progress lock").clone()
            && since.elapsed() > HANG_LIMIT
        {
            let _ = std::panic::take_hook();
            panic!("{label}: still running after {HANG_LIMIT:?} (hang)");
        }
    }
    let Ok(report) = worker.join() else {
        let _ = std::panic::take_hook();
        let at = current.lock().expect("progress lock").clone().map(|c| c.0).unwrap_or_default();
        let msg = LAST_PANIC.lock().expect("panic lock").take().unwrap_or_default();
        panic!("the test itself panicked at {at}: {msg}");
    };
    let _ = std::panic::take_hook();
    let total = started.elapsed();

    let mut variants = 0;
    for (kind, s) in &report.by_kind {
        variants += s.variants;
        println!(
            "{kind:?}: {} variants, {} read ok ({} checked equal by SQLite, {} failed integrity_check), errors {:?}",
            s.variants, s.reads_ok, s.sqlite_equal, s.sqlite_not_ok, s.read_errors
        );
    }
    for (op, (ok, errors)) in &report.ops {
        println!("{op}: {ok} ok, errors {errors:?}");
    }
    println!("{variants} variants in {total:?}; slowest {:?}: {}", report.slowest.0, report.slowest.1);
    println!("largest resident growth {} bytes: {}", report.peak_bytes.0, report.peak_bytes.1);
    println!("process peak resident set {} bytes", proc_status_bytes("VmHWM").unwrap_or(0));
    for f in report.failures.iter().take(100000) {
        println!("FAIL {f}");
    }
    assert!(report.failures.is_empty(), "{} failures (first ones printed above)", report.failures.len());
}
