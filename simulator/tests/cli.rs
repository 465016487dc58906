//! The `touchstone` binary's built commands, run as a user would.

use std::process::Command;

fn touchstone(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone")).args(args).output().expect("run touchstone")
}

fn sqlite_file(dir: &std::path::Path, name: &str, sql: &str) -> String {
    let path = dir.join(name);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn page_decodes_the_schema_page() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_file(dir.path(), "a.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);");
    let out = touchstone(&["page", &db, "2"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("page 2"), "{text}");
    assert!(text.to_lowercase().contains("leaf"), "{text}");
}

#[test]
fn compare_reports_the_level_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let a = sqlite_file(dir.path(), "a.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);");
    let b = sqlite_file(dir.path(), "b.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);");
    let c = sqlite_file(dir.path(), "c.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1), (3);");
    let same = touchstone(&["compare", &a, &b]);
    assert!(same.status.success());
    assert!(String::from_utf8(same.stdout).unwrap().starts_with("level L3"));
    let differ = touchstone(&["compare", &a, &c]);
    assert_eq!(differ.status.code(), Some(1));
    assert!(String::from_utf8(differ.stdout).unwrap().starts_with("level none"));
}

#[test]
fn run_writes_a_summary_and_bad_arguments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("run");
    let out = touchstone(&["run", "--count", "5", "--target", "sqlite", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let summary = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
    assert!(summary.contains("\"seeds_run\": 5"), "{summary}");
    assert!(out_dir.join("summary.md").exists());
    for bad in [&["run", "--seeds", "5..2"][..], &["run", "--shard", "3/3"], &["replay"], &["shrink", "/nonexistent"]] {
        assert_eq!(touchstone(bad).status.code(), Some(2), "{bad:?}");
    }
}

/// `replay` takes an input of the `sim` fuzz target (any file not ending in .toml) and
/// replays it with the same trace hash each time.
#[test]
fn replay_reads_a_sim_fuzz_input() {
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/sim/seed-random-1");
    let first = touchstone(&["replay", input]);
    let again = touchstone(&["replay", input]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("read as a 128-byte input of the sim fuzz target"));
    let hash_line = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout).lines().find(|l| l.contains("trace hash")).map(str::to_string)
    };
    assert!(stdout.contains("scenario fuzz-sim seed -"), "{stdout}");
    assert_eq!(hash_line(&first), hash_line(&again));
    assert!(hash_line(&first).is_some());
}
