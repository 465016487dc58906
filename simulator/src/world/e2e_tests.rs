//! The engine on `SimVfs`: committed transactions survive power loss, and a crash in the
//! middle of a transaction is rolled back by hot-journal recovery, over many seeds and disks.

use super::*;
use std::sync::Arc;
use touchstone_engine::conn::Connection;
use touchstone_engine::error::Result;
use touchstone_engine::vfs::DeviceCharacteristics;

const DB: &str = "/db";

fn open(sim: &SimVfs) -> Result<Connection> {
    Connection::open_with_vfs(DB, Arc::new(sim.clone()))
}

/// Every row of `t`, in id order, as text.
fn content(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id, v FROM t ORDER BY id")?;
    let mut rows = stmt.query(())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(format!("{:?}", row.values()));
    }
    Ok(out)
}

fn integrity(conn: &Connection) -> Result<String> {
    conn.query_row("PRAGMA integrity_check", (), |row| row.get::<usize, String>(0))
}

/// The first transaction: a table, an index and 120 rows, committed.
fn first_transaction(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v);")?;
    conn.execute_batch("BEGIN")?;
    for id in 0..120i64 {
        let v = format!("row {id} {}", "x".repeat((id % 40) as usize * 3));
        conn.execute("INSERT INTO t VALUES (?1, ?2)", [&id as &dyn touchstone_engine::conn::ToSql, &v])?;
    }
    conn.execute_batch("COMMIT")
}

/// The second transaction: updates, deletes and larger inserts (page splits), committed.
fn second_transaction(conn: &Connection) -> Result<()> {
    conn.execute_batch("BEGIN")?;
    conn.execute_batch("UPDATE t SET v = v || '-second' WHERE id % 3 = 0")?;
    conn.execute_batch("DELETE FROM t WHERE id % 7 = 0")?;
    for id in 1000..1080i64 {
        let v = format!("big {id} {}", "y".repeat(200 + (id % 13) as usize * 50));
        conn.execute("INSERT INTO t VALUES (?1, ?2)", [&id as &dyn touchstone_engine::conn::ToSql, &v])?;
    }
    conn.execute_batch("COMMIT")
}

/// What one scenario saw.
struct Outcome {
    /// Counted I/O calls the second transaction made before it ended (or crashed).
    second_calls: u64,
    /// True when the second transaction's COMMIT returned Ok.
    second_committed: bool,
    /// The rows after the first commit.
    first: Vec<String>,
    /// The rows after the last crash and recovery.
    recovered: Vec<String>,
}

/// Commits the first transaction, loses power, checks it survived; then runs the second with
/// a crash armed `crash_after` calls into it (none: runs to the end), loses power anyway,
/// restarts, recovers, and checks `PRAGMA integrity_check`.
/// Errors: a description of what went wrong, for the assertion message.
fn scenario(seed: u64, disk: DiskModel, crash_after: Option<u64>) -> std::result::Result<Outcome, String> {
    let sim = SimVfs::new(seed, disk);
    let step = |what: &str, e: touchstone_engine::error::Error| format!("{what}: {e}");
    let first = {
        let conn = open(&sim).map_err(|e| step("open", e))?;
        first_transaction(&conn).map_err(|e| step("first transaction", e))?;
        content(&conn).map_err(|e| step("content", e))?
    };
    sim.crash_now();
    sim.restart();
    let conn = open(&sim).map_err(|e| step("reopen", e))?;
    let after_first = content(&conn).map_err(|e| step("content after first crash", e))?;
    if after_first != first {
        return Err(format!("committed rows lost at the first crash: {} rows of {}", after_first.len(), first.len()));
    }
    let check = integrity(&conn).map_err(|e| step("integrity after first crash", e))?;
    if check != "ok" {
        return Err(format!("integrity after first crash: {check}"));
    }
    let calls_before = sim.io_calls();
    if let Some(k) = crash_after {
        sim.arm_crash_at_call(calls_before + k);
    }
    let committed = second_transaction(&conn);
    let second_calls = sim.io_calls() - calls_before;
    drop(conn);
    if crash_after.is_some() && !sim.has_crashed() {
        return Err(format!("the crash armed at call {crash_after:?} of {second_calls} did not strike"));
    }
    sim.crash_now();
    sim.restart();
    let conn = open(&sim).map_err(|e| step("open after second crash", e))?;
    let recovered = content(&conn).map_err(|e| step("content after recovery", e))?;
    let check = integrity(&conn).map_err(|e| step("integrity after recovery", e))?;
    if check != "ok" {
        return Err(format!("integrity after recovery: {check}"));
    }
    Ok(Outcome { second_calls, second_committed: committed.is_ok(), first, recovered })
}

fn disks() -> Vec<DiskModel> {
    let disk = |sector_size_bytes, flags| DiskModel {
        sector_size_bytes,
        device: DeviceCharacteristics(flags),
        capacity_bytes: None,
    };
    vec![
        DiskModel::default(),
        disk(512, 0),
        disk(512, DeviceCharacteristics::SAFE_APPEND | DeviceCharacteristics::SEQUENTIAL),
        disk(4096, DeviceCharacteristics::ATOMIC4K | DeviceCharacteristics::SAFE_APPEND),
    ]
}

#[test]
fn committed_rows_survive_and_interrupted_transactions_roll_back() {
    let mut failures = Vec::new();
    let (mut rolled_back, mut committed) = (0, 0);
    for disk in disks() {
        for seed in 0..200u64 {
            // A dry run of the same world counts the second transaction's calls; the real
            // run crashes at one of them (the world is deterministic, so the count holds).
            let dry = match scenario(seed, disk, None) {
                Ok(outcome) => outcome,
                Err(message) => {
                    failures.push(format!("{disk:?} seed {seed} (no crash in txn 2): {message}"));
                    continue;
                }
            };
            if !dry.second_committed || dry.recovered == dry.first {
                failures.push(format!("{disk:?} seed {seed}: the uninterrupted second transaction was lost"));
                continue;
            }
            let crash_after = 1 + seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) % dry.second_calls;
            let context = format!("{disk:?} seed {seed} crash at call {crash_after} of {}", dry.second_calls);
            match scenario(seed, disk, Some(crash_after)) {
                Err(message) => failures.push(format!("{context}: {message}")),
                Ok(outcome) if outcome.recovered == dry.recovered => committed += 1,
                Ok(outcome) if outcome.second_committed => {
                    failures.push(format!("{context}: COMMIT returned Ok but the transaction was lost"));
                }
                Ok(outcome) if outcome.recovered == outcome.first => rolled_back += 1,
                Ok(outcome) => failures.push(format!(
                    "{context}: recovered {} rows, neither the first commit ({}) nor the second ({})",
                    outcome.recovered.len(),
                    outcome.first.len(),
                    dry.recovered.len()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    // Every armed call is at or before the journal's delete (the commit point, the
    // transaction's last counted call), so every interrupted transaction rolls back.
    assert_eq!((rolled_back, committed), (disks().len() * 200, 0));
}
