//! `touchstone bench` on a small database: every workload reported with a numeric ratio,
//! and the engine's syncs per autocommit INSERT equal to real SQLite's. No timing is
//! asserted: times depend on the machine.

use std::process::Command;

/// Syncs (xSync calls) real SQLite does per autocommit INSERT with journal_mode=DELETE and
/// synchronous=FULL on the unix VFS: two of the journal in pager.c's syncJournal, one of the
/// database in sqlite3PagerCommitPhaseOne (see `SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT` in
/// simulator/src/bench/report.rs).
const SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT: &str = "3.00";

/// The cells of the table row of workload `number`, trimmed.
fn row(table: &str, number: u8) -> Vec<String> {
    let prefix = format!("| {number} |");
    let line = table.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no row {number}:\n{table}"));
    line.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect()
}

#[test]
fn bench_reports_every_workload_and_sqlites_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(["bench", "--runs", "1", "--rows-large", "20000", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run touchstone bench");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{table}\n{}", String::from_utf8_lossy(&out.stderr));
    let header = table.lines().find(|l| l.starts_with("| # |")).expect("header");
    let columns: Vec<&str> = header.trim_matches('|').split('|').map(str::trim).collect();
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap_or_else(|| panic!("no column {name}"));
    for number in 1..=8 {
        let cells = row(&table, number);
        let ratio: f64 = cells[col("ratio")].parse().unwrap_or_else(|_| panic!("ratio of {number}: {cells:?}"));
        assert!(ratio.is_finite() && ratio > 0.0, "{cells:?}");
        let fetches: f64 = cells[col("engine fetches / op")].parse().unwrap();
        assert!(fetches > 0.0, "{cells:?}");
    }
    let inserts = row(&table, 3);
    assert_eq!(inserts[col("engine syncs / op")], SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT, "{table}");
    assert!(table.contains("syncs per autocommit INSERT (workload 3)"), "{table}");
    // The directory is emptied when the bench ends.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bench_runs_one_workload_as_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(["bench", "--runs", "1", "--rows-large", "2000", "--workload", "8", "--json"])
        .output()
        .expect("run touchstone bench");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with('{') && text.trim_end().ends_with('}'), "{text}");
    assert!(text.contains("\"number\":8"), "{text}");
    assert!(!text.contains("\"number\":1,"), "{text}");
}

#[test]
fn bench_rejects_a_workload_out_of_range() {
    let out = Command::new(env!("CARGO_BIN_EXE_touchstone")).args(["bench", "--workload", "9"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Counts the fsync / fdatasync calls in an strace log (`-y` prints each descriptor's path)
/// by side (`engine` or `sqlite`, the bench's directories) and by file: journal, database
/// or directory.
fn count_syncs(log: &str) -> std::collections::BTreeMap<(String, &'static str), u32> {
    let mut counts = std::collections::BTreeMap::new();
    for line in log.lines().filter(|l| l.contains("fsync(") || l.contains("fdatasync(")) {
        let Some(path) = line.split('<').nth(1).and_then(|p| p.split('>').next()) else { continue };
        let side = if path.contains("/engine") {
            "engine"
        } else if path.contains("/sqlite") {
            "sqlite"
        } else {
            continue;
        };
        let kind = if path.ends_with("-journal") {
            "journal"
        } else if path.ends_with(".db") {
            "database"
        } else {
            "directory"
        };
        *counts.entry((side.to_string(), kind)).or_insert(0) += 1;
    }
    counts
}

/// Under strace, workload 3 makes the engine and SQLite issue the same syncs of the same
/// files: per autocommit transaction, two of the journal, its directory once (the first sync
/// of a new journal), the database once. Skipped, with a message, where strace is missing or
/// may not trace.
#[test]
fn bench_autocommit_inserts_sync_what_sqlite_syncs_under_strace() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("strace.log");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let out = Command::new("strace")
        .args(["-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_touchstone"))
        .args(["bench", "--runs", "1", "--rows-large", "2000", "--workload", "3", "--dir"])
        .arg(&work)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && (stderr.contains("ptrace") || stderr.contains("not permitted")) {
        eprintln!("skipped: strace may not trace here: {stderr}");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let counts = count_syncs(&std::fs::read_to_string(&log).unwrap());
    let get = |side: &str, kind: &'static str| counts.get(&(side.to_string(), kind)).copied().unwrap_or(0);
    for kind in ["journal", "database", "directory"] {
        assert_eq!(get("engine", kind), get("sqlite", kind), "{kind} syncs: {counts:?}");
    }
    let transactions = get("sqlite", "database");
    assert!(transactions >= 100, "{counts:?}");
    assert_eq!(get("sqlite", "journal"), 2 * transactions, "{counts:?}");
    assert_eq!(get("sqlite", "directory"), transactions, "{counts:?}");
}
