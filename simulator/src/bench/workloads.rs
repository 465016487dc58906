//! The eight workloads of `touchstone bench` (issue 3, item 9), each written once over
//! [`Db`] and run on both sides.
//!
//! Every workload has an untimed setup (files, tables, rows, prepared statements, the
//! arguments of every operation drawn in advance) and a timed part that runs only the
//! measured operations. Data comes from ChaCha8 seeded by the workload and run number, so
//! both sides see the same rows and arguments and every run of the bench the same data.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::side::{Answer, Arg, BenchResult, Counters, Db, Stmt};

/// The table of every workload (the seed benchmark's).
pub const CREATE_TABLE: &str = "CREATE TABLE test (id INTEGER PRIMARY KEY, name TEXT, value REAL)";
/// The secondary index of the mid-size database (workloads 5, 6, 7).
pub const CREATE_INDEX: &str = "CREATE INDEX test_value ON test(value)";
const INSERT: &str = "INSERT INTO test (id, name, value) VALUES (?, ?, ?)";
const LOOKUP: &str = "SELECT * FROM test WHERE id = ?";
const UPDATE: &str = "UPDATE test SET name = ?, value = ? WHERE id = ?";
const DELETE: &str = "DELETE FROM test WHERE id = ?";
const RANGE: &str = "SELECT * FROM test WHERE value BETWEEN ? AND ?";
const COUNT: &str = "SELECT count(*) FROM test";

/// The number of workloads.
pub const WORKLOADS: u8 = 8;

/// Sizes of the workloads.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Rows of the large database (workloads 2 and 8); 1,000,000 by default.
    pub rows_large: u64,
}

impl Sizes {
    /// Rows of the mid-size database (workloads 5, 6, 7) and INSERTs of workload 4: a tenth
    /// of the large size (100,000 by default).
    pub fn rows_mid(self) -> u64 {
        (self.rows_large / 10).max(1_000)
    }
}

/// What one operation of a workload is called, for the table.
#[derive(Clone, Copy, Debug)]
pub struct OpName {
    pub singular: &'static str,
    pub plural: &'static str,
}

/// Names an operation.
const fn op(singular: &'static str, plural: &'static str) -> OpName {
    OpName { singular, plural }
}

/// What a workload is, for the table.
pub struct Description {
    pub title: String,
    pub op: OpName,
}

/// The description of workload `number` (1..=8) at `sizes`.
pub fn describe(number: u8, sizes: Sizes) -> Description {
    let (large, mid) = (group(sizes.rows_large), group(sizes.rows_mid()));
    let (title, op) = match number {
        1 => ("lookup by id, 100 rows (the seed benchmark)".to_string(), op("lookup", "lookups")),
        2 => (format!("lookup by id, {large} rows"), op("lookup", "lookups")),
        3 => ("autocommit INSERT".to_string(), op("insert", "inserts")),
        4 => ("INSERT, all in one transaction".to_string(), op("insert", "inserts")),
        5 => (format!("UPDATE by id, one transaction, {mid} rows + index"), op("update", "updates")),
        6 => (format!("DELETE by id, one transaction, {mid} rows + index"), op("delete", "deletes")),
        7 => (format!("range scan via index (~100 rows), {mid} rows"), op("query", "queries")),
        _ => (format!("SELECT count(*), {large} rows"), op("query", "queries")),
    };
    Description { title, op }
}

/// `n` with thousands separators.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One timed run of one workload on one side.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    /// Operations timed.
    pub ops: u64,
    /// Time of the timed part.
    pub elapsed: Duration,
    /// The side's counters over the timed part, if it counts.
    pub counters: Option<Counters>,
    /// The answers of the queries, to compare the sides.
    pub answer: Answer,
}

/// The files of one side: a directory of its own and the databases built once and reused.
pub struct Files {
    dir: PathBuf,
    large: Option<PathBuf>,
    mid: Option<PathBuf>,
    /// Time spent building the shared databases (reported, never part of a measure).
    pub build_time: Duration,
}

impl Files {
    /// The files of one side, under `dir` (created if missing).
    pub fn new(dir: PathBuf) -> BenchResult<Files> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Files { dir, large: None, mid: None, build_time: Duration::ZERO })
    }

    /// A fresh path for a run's own database (any earlier file and journal removed).
    fn fresh(&self, name: &str) -> BenchResult<PathBuf> {
        let path = self.dir.join(name);
        remove_db(&path)?;
        Ok(path)
    }
}

/// Removes a database file and its journal, if present.
fn remove_db(path: &Path) -> BenchResult<()> {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    for p in [path.to_path_buf(), PathBuf::from(journal)] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", p.display())),
        }
    }
    Ok(())
}

/// The row with id `id`: a name of 8 to 24 letters and a value in [0, 1).
fn row(rng: &mut ChaCha8Rng, id: i64) -> [Arg; 3] {
    let len = rng.random_range(8..=24);
    let name: String = (0..len).map(|_| char::from(b'a' + rng.random_range(0..26u8))).collect();
    [Arg::Int(id), Arg::Text(name), Arg::Real(rng.random::<f64>())]
}

/// The random stream of workload `number`, run `run` (the same for both sides).
fn rng_for(number: u8, run: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(u64::from(number) << 32 | run as u64)
}

/// Creates the table and inserts rows 1..=n in one transaction (setup, untimed).
fn fill<D: Db>(db: &D, n: u64, index: bool) -> BenchResult<()> {
    db.batch(CREATE_TABLE)?;
    if index {
        db.batch(CREATE_INDEX)?;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
    db.batch("BEGIN")?;
    {
        let mut insert = db.prepare(INSERT)?;
        for id in 1..=n as i64 {
            insert.execute(&row(&mut rng, id))?;
        }
    }
    db.batch("COMMIT")
}

/// The large database (rows_large rows, no secondary index), built on first use.
fn large<D: Db>(files: &mut Files, sizes: Sizes) -> BenchResult<PathBuf> {
    if let Some(p) = &files.large {
        return Ok(p.clone());
    }
    let path = files.fresh("large.db")?;
    // Wall-clock time is what the bench measures; it never reaches the engine (module doc).
    let start = Instant::now();
    fill(&D::open(&path)?, sizes.rows_large, false)?;
    files.build_time += start.elapsed();
    files.large = Some(path.clone());
    Ok(path)
}

/// The mid-size database (rows_mid rows, an index on value), built on first use; the
/// workloads that change it work on a copy.
fn mid<D: Db>(files: &mut Files, sizes: Sizes) -> BenchResult<PathBuf> {
    if let Some(p) = &files.mid {
        return Ok(p.clone());
    }
    let path = files.fresh("mid.db")?;
    // Wall-clock time is what the bench measures; it never reaches the engine (module doc).
    let start = Instant::now();
    fill(&D::open(&path)?, sizes.rows_mid(), true)?;
    files.build_time += start.elapsed();
    files.mid = Some(path.clone());
    Ok(path)
}

/// A copy of the mid-size database for one run.
fn mid_copy<D: Db>(files: &mut Files, sizes: Sizes) -> BenchResult<PathBuf> {
    let src = mid::<D>(files, sizes)?;
    let dst = files.fresh("run.db")?;
    std::fs::copy(&src, &dst).map_err(|e| format!("copy {}: {e}", src.display()))?;
    Ok(dst)
}

/// Times `ops` operations: `body` runs them; the side's counters are read around it.
/// Timing uses `std::time::Instant`: the bench measures wall-clock time on real files and
/// is outside the determinism rule of the engine and the simulator (its data is seeded; its
/// times are not meant to repeat).
fn timed<D: Db>(db: &D, ops: u64, body: impl FnOnce() -> BenchResult<Answer>) -> BenchResult<Measure> {
    let before = db.counters();
    // Wall-clock time is what the bench measures; it never reaches the engine (module doc).
    let start = Instant::now();
    let answer = body()?;
    let elapsed = start.elapsed();
    let counters = match (before, db.counters()) {
        (Some(a), Some(b)) => {
            Some(Counters { page_fetches: b.page_fetches - a.page_fetches, syncs: b.syncs - a.syncs })
        }
        _ => None,
    };
    Ok(Measure { ops, elapsed, counters, answer })
}

/// Runs queries with each argument list in turn; their answers combined.
fn queries<S: Stmt>(stmt: &mut S, args: &[Vec<Arg>]) -> BenchResult<Answer> {
    let mut answer = Answer::default();
    for a in args {
        answer.add(stmt.query(a)?);
    }
    Ok(answer)
}

/// Runs a changing statement with each argument list in turn, inside `begin` / `commit`
/// when given; the answer counts the rows changed.
fn changes<D: Db>(db: &D, sql: &str, args: &[Vec<Arg>], in_transaction: bool) -> BenchResult<Measure> {
    let mut stmt = db.prepare(sql)?;
    let mut begin = db.prepare("BEGIN")?;
    let mut commit = db.prepare("COMMIT")?;
    timed(db, args.len() as u64, || {
        if in_transaction {
            begin.execute(&[])?;
        }
        let mut answer = Answer::default();
        for a in args {
            answer.rows += stmt.execute(a)? as u64;
        }
        if in_transaction {
            commit.execute(&[])?;
        }
        Ok(answer)
    })
}

/// `count` distinct ids drawn from 1..=n.
fn distinct_ids(rng: &mut ChaCha8Rng, n: u64, count: usize) -> Vec<i64> {
    let mut seen = std::collections::BTreeSet::new();
    let mut ids = Vec::with_capacity(count);
    while ids.len() < count.min(n as usize) {
        let id = rng.random_range(1..=n as i64);
        if seen.insert(id) {
            ids.push(id);
        }
    }
    ids
}

/// Runs workload `number` once on side `D` (run number `run` picks the random stream).
pub fn run<D: Db>(number: u8, run: usize, files: &mut Files, sizes: Sizes) -> BenchResult<Measure> {
    let mut rng = rng_for(number, run);
    match number {
        1 | 2 => {
            let (path, n) = if number == 1 {
                let path = files.fresh("run.db")?;
                fill(&D::open(&path)?, 100, false)?;
                (path, 100)
            } else {
                (large::<D>(files, sizes)?, sizes.rows_large)
            };
            let db = D::open(&path)?;
            let mut stmt = db.prepare(LOOKUP)?;
            let args: Vec<Vec<Arg>> = (0..100).map(|_| vec![Arg::Int(rng.random_range(1..=n as i64))]).collect();
            timed(&db, 100, || queries(&mut stmt, &args))
        }
        3 | 4 => {
            let path = files.fresh("run.db")?;
            let db = D::open(&path)?;
            db.batch(CREATE_TABLE)?;
            let n = if number == 3 { 100 } else { sizes.rows_mid() };
            let args: Vec<Vec<Arg>> = (1..=n as i64).map(|id| row(&mut rng, id).to_vec()).collect();
            changes(&db, INSERT, &args, number == 4)
        }
        5 | 6 => {
            let path = mid_copy::<D>(files, sizes)?;
            let db = D::open(&path)?;
            let ids = distinct_ids(&mut rng, sizes.rows_mid(), 1_000);
            let args: Vec<Vec<Arg>> = if number == 5 {
                ids.iter()
                    .map(|&id| {
                        let [_, name, value] = row(&mut rng, id);
                        vec![name, value, Arg::Int(id)]
                    })
                    .collect()
            } else {
                ids.iter().map(|&id| vec![Arg::Int(id)]).collect()
            };
            changes(&db, if number == 5 { UPDATE } else { DELETE }, &args, true)
        }
        7 => {
            let path = mid::<D>(files, sizes)?;
            let db = D::open(&path)?;
            let mut stmt = db.prepare(RANGE)?;
            let width = 100.0 / sizes.rows_mid() as f64;
            let args: Vec<Vec<Arg>> = (0..100)
                .map(|_| {
                    let low = rng.random::<f64>() * (1.0 - width);
                    vec![Arg::Real(low), Arg::Real(low + width)]
                })
                .collect();
            timed(&db, 100, || queries(&mut stmt, &args))
        }
        _ => {
            let path = large::<D>(files, sizes)?;
            let db = D::open(&path)?;
            let mut stmt = db.prepare(COUNT)?;
            timed(&db, 1, || stmt.query(&[]))
        }
    }
}
