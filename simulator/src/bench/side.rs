//! The two sides of the benchmark behind one interface: the engine
//! ([`touchstone_engine::conn::Connection`]) and real SQLite (rusqlite, bundled).
//!
//! Each workload is written once, generic over [`Db`], so both sides run the same statements
//! with the same arguments in the same order: prepared once, then bound and stepped per
//! operation, every column of every result row read (SQLite decodes columns lazily; reading
//! them makes both sides do the same work).

use std::path::Path;

use touchstone_engine::conn as engine;
use touchstone_engine::format::value::{Value, ValueRef};

/// An error of either side, as text (the bench reports it and stops).
pub type BenchResult<T> = Result<T, String>;

/// The pragmas set on both sides, as statements, before anything else runs. They are
/// SQLite's defaults (and `PagerConfig::default()`'s), set explicitly so that both sides
/// are known to run with the same settings: a rollback journal deleted at commit, a sync of
/// the journal and of the database at every commit, a page cache of 2,000 KiB.
pub const PRAGMAS: &[&str] =
    &["PRAGMA journal_mode = DELETE", "PRAGMA synchronous = FULL", "PRAGMA cache_size = -2000"];

/// The pragma values read back after [`PRAGMAS`]: (journal_mode, synchronous, cache_size).
pub type PragmaValues = (String, i64, i64);

/// A bound argument: the values the workloads bind.
#[derive(Clone, Debug)]
pub enum Arg {
    Int(i64),
    Real(f64),
    Text(String),
}

impl engine::ToSql for Arg {
    fn to_sql(&self) -> Value {
        match self {
            Arg::Int(i) => Value::Integer(*i),
            Arg::Real(r) => r.to_sql(),
            Arg::Text(t) => Value::text(t),
        }
    }
}

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Int(i) => i.to_sql(),
            Arg::Real(r) => r.to_sql(),
            Arg::Text(t) => t.to_sql(),
        }
    }
}

/// What a query returned: its row count and a digest of every value, so that the two sides'
/// answers can be checked equal after the timing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub rows: u64,
    pub digest: u64,
}

impl Answer {
    /// Folds one value into the digest (FNV-1a style over its type and bits).
    fn fold(&mut self, kind: u8, bits: u64) {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        self.digest = (self.digest ^ u64::from(kind)).wrapping_mul(PRIME);
        self.digest = (self.digest ^ bits).wrapping_mul(PRIME);
    }

    /// Folds a text or blob value: its length and first eight bytes (cheap, so that the
    /// digest adds little to the timed work of either side).
    fn fold_bytes(&mut self, kind: u8, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.fold(kind, bytes.len() as u64 ^ u64::from_le_bytes(word).rotate_left(17));
    }

    /// Combines the answer of one more query into this one.
    pub fn add(&mut self, other: Answer) {
        self.rows += other.rows;
        self.fold(9, other.digest);
    }
}

/// The engine's I/O counters over an interval (from `Connection::pager_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Page fetches: cache hits plus misses.
    pub page_fetches: u64,
    /// Syncs of the database file and the journal (xSync calls).
    pub syncs: u64,
}

/// One side's connection.
pub trait Db {
    /// A prepared statement borrowing the connection.
    type Stmt<'a>: Stmt
    where
        Self: 'a;

    /// Opens (or creates) the database file at `path` and sets [`PRAGMAS`].
    fn open(path: &Path) -> BenchResult<Self>
    where
        Self: Sized;
    /// Runs statements whose rows are not wanted (setup only, never timed).
    fn batch(&self, sql: &str) -> BenchResult<()>;
    /// Prepares one statement.
    fn prepare(&self, sql: &str) -> BenchResult<Self::Stmt<'_>>;
    /// The values of the pragmas of [`PRAGMAS`] as this side reports them.
    fn pragma_values(&self) -> BenchResult<PragmaValues>;
    /// The I/O counters so far (`None` where the side cannot count).
    fn counters(&self) -> Option<Counters>;
}

/// A prepared statement of either side.
pub trait Stmt {
    /// Binds `args` and runs the statement to its end; returns the rows it changed.
    fn execute(&mut self, args: &[Arg]) -> BenchResult<usize>;
    /// Binds `args`, steps through every row and reads every column.
    fn query(&mut self, args: &[Arg]) -> BenchResult<Answer>;
}

/// The engine on real files (`OsVfs`).
pub struct EngineDb(engine::Connection);

impl Db for EngineDb {
    type Stmt<'a> = engine::Statement<'a>;

    fn open(path: &Path) -> BenchResult<EngineDb> {
        let conn = engine::Connection::open(path).map_err(|e| format!("engine: open {}: {e}", path.display()))?;
        let db = EngineDb(conn);
        for pragma in PRAGMAS {
            db.batch(pragma)?;
        }
        Ok(db)
    }

    fn batch(&self, sql: &str) -> BenchResult<()> {
        self.0.execute_batch(sql).map_err(|e| format!("engine: {sql}: {e}"))
    }

    fn prepare(&self, sql: &str) -> BenchResult<engine::Statement<'_>> {
        self.0.prepare(sql).map_err(|e| format!("engine: prepare {sql}: {e}"))
    }

    fn pragma_values(&self) -> BenchResult<PragmaValues> {
        let read = |name: &str| -> BenchResult<Value> {
            self.0.query_row(&format!("PRAGMA {name}"), (), |row| row.get(0)).map_err(|e| format!("engine: {e}"))
        };
        let mode = match read("journal_mode")? {
            Value::Text(t) => String::from_utf8_lossy(&t).into_owned(),
            other => format!("{other:?}"),
        };
        let int = |v: Value| if let Value::Integer(i) = v { i } else { i64::MIN };
        Ok((mode, int(read("synchronous")?), int(read("cache_size")?)))
    }

    fn counters(&self) -> Option<Counters> {
        let s = self.0.pager_stats();
        Some(Counters { page_fetches: s.cache_hits + s.cache_misses, syncs: s.syncs })
    }
}

impl Stmt for engine::Statement<'_> {
    fn execute(&mut self, args: &[Arg]) -> BenchResult<usize> {
        engine::Statement::execute(self, engine::params_from_iter(args)).map_err(|e| format!("engine: {e}"))
    }

    fn query(&mut self, args: &[Arg]) -> BenchResult<Answer> {
        let mut rows =
            engine::Statement::query(self, engine::params_from_iter(args)).map_err(|e| format!("engine: {e}"))?;
        let mut answer = Answer::default();
        while let Some(row) = rows.next().map_err(|e| format!("engine: {e}"))? {
            answer.rows += 1;
            for i in 0..row.len() {
                match row.get_ref(i).map_err(|e| format!("engine: {e}"))? {
                    ValueRef::Null => answer.fold(0, 0),
                    ValueRef::Integer(v) => answer.fold(1, v as u64),
                    ValueRef::Real(v) => answer.fold(2, v.to_bits()),
                    ValueRef::Text(t) => answer.fold_bytes(3, t),
                    ValueRef::Blob(b) => answer.fold_bytes(4, b),
                }
            }
        }
        Ok(answer)
    }
}

/// Real SQLite through rusqlite, on real files (the default unix VFS).
pub struct SqliteDb(rusqlite::Connection);

impl Db for SqliteDb {
    type Stmt<'a> = rusqlite::Statement<'a>;

    fn open(path: &Path) -> BenchResult<SqliteDb> {
        let conn = rusqlite::Connection::open(path).map_err(|e| format!("sqlite: open {}: {e}", path.display()))?;
        let db = SqliteDb(conn);
        for pragma in PRAGMAS {
            // journal_mode returns a row; query_row reads it (execute_batch would too).
            db.0.query_row(pragma, (), |_| Ok(())).or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(()),
                e => Err(format!("sqlite: {pragma}: {e}")),
            })?;
        }
        Ok(db)
    }

    fn batch(&self, sql: &str) -> BenchResult<()> {
        self.0.execute_batch(sql).map_err(|e| format!("sqlite: {sql}: {e}"))
    }

    fn prepare(&self, sql: &str) -> BenchResult<rusqlite::Statement<'_>> {
        self.0.prepare(sql).map_err(|e| format!("sqlite: prepare {sql}: {e}"))
    }

    fn pragma_values(&self) -> BenchResult<PragmaValues> {
        let err = |e: rusqlite::Error| format!("sqlite: {e}");
        let mode: String = self.0.query_row("PRAGMA journal_mode", (), |r| r.get(0)).map_err(err)?;
        let sync: i64 = self.0.query_row("PRAGMA synchronous", (), |r| r.get(0)).map_err(err)?;
        let cache: i64 = self.0.query_row("PRAGMA cache_size", (), |r| r.get(0)).map_err(err)?;
        Ok((mode, sync, cache))
    }

    fn counters(&self) -> Option<Counters> {
        None
    }
}

impl Stmt for rusqlite::Statement<'_> {
    fn execute(&mut self, args: &[Arg]) -> BenchResult<usize> {
        rusqlite::Statement::execute(self, rusqlite::params_from_iter(args)).map_err(|e| format!("sqlite: {e}"))
    }

    fn query(&mut self, args: &[Arg]) -> BenchResult<Answer> {
        use rusqlite::types::ValueRef as R;
        let columns = self.column_count();
        let mut rows =
            rusqlite::Statement::query(self, rusqlite::params_from_iter(args)).map_err(|e| format!("sqlite: {e}"))?;
        let mut answer = Answer::default();
        while let Some(row) = rows.next().map_err(|e| format!("sqlite: {e}"))? {
            answer.rows += 1;
            for i in 0..columns {
                match row.get_ref(i).map_err(|e| format!("sqlite: {e}"))? {
                    R::Null => answer.fold(0, 0),
                    R::Integer(v) => answer.fold(1, v as u64),
                    R::Real(v) => answer.fold(2, v.to_bits()),
                    R::Text(t) => answer.fold_bytes(3, t),
                    R::Blob(b) => answer.fold_bytes(4, b),
                }
            }
        }
        Ok(answer)
    }
}
