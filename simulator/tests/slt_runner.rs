//! `touchstone slt` run as a user would: counts of passed, failed and skipped records, the
//! exit status, failure reports, and a run over a file of SQLite's own corpus.

use std::path::Path;
use std::process::{Command, Output};

fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone")).args(args).output().expect("run touchstone")
}

/// The numbers of the table line that starts with `name`: run, passed, failed, skipped.
fn counts(stdout: &str, name: &str) -> [usize; 4] {
    let line = stdout.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no line {name}:\n{stdout}"));
    let numbers: Vec<usize> = line[name.len()..].split_whitespace().take(4).map(|w| w.parse().unwrap()).collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
}

#[test]
fn records_are_counted_and_failures_reported() {
    // Expected values come from real SQLite; one record is made wrong on purpose.
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    let sum: i64 = sqlite.query_row("SELECT 40 + 2", [], |r| r.get(0)).unwrap();
    let text: String = sqlite.query_row("SELECT upper('abc')", [], |r| r.get(0)).unwrap();
    let script = format!(
        "hash-threshold 8\n\n\
         statement ok\nCREATE TABLE t(a INTEGER, b TEXT)\n\n\
         statement ok\nINSERT INTO t VALUES (1, 'x'), (2, NULL), (3, '')\n\n\
         query IT rowsort\nSELECT a, b FROM t\n----\n1\nx\n2\nNULL\n3\n(empty)\n\n\
         query I nosort\nSELECT 40 + 2\n----\n{sum}\n\n\
         query T nosort\nSELECT upper('abc')\n----\n{text}-deliberately-wrong\n\n\
         statement error\nSELECT * FROM no_such_table\n\n\
         onlyif mysql # not this engine\nquery I nosort\nSELECT 1 DIV 1\n----\n1\n\n\
         skipif sqlite\nstatement ok\nTHIS IS NOT SQL\n\n\
         onlyif mysql\nhalt\n\n\
         query R nosort\nSELECT 1.0 / 4\n----\n0.250\n\n\
         onlyif sqlite\nhalt\n\n\
         statement ok\nTHIS IS NOT RUN\n\n\
         query I nosort\nSELECT 1\n----\n1\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.test");
    std::fs::write(&file, script).unwrap();
    let name = file.to_str().unwrap();

    let out = touchstone(&["slt", name, "--show-failures", "5", "--errors-summary"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Run: 2 statements, 4 queries, 1 statement error; skipped: 2 by conditions, 2 after halt.
    assert_eq!(counts(&stdout, name), [7, 6, 1, 4], "{stdout}");
    assert_eq!(counts(&stdout, "total"), [7, 6, 1, 4], "{stdout}");
    assert!(stdout.contains(&format!("FAIL {name}:")), "{stdout}");
    assert!(stdout.contains("SELECT upper('abc')"), "{stdout}");
    assert!(stdout.contains(&format!("{text}-deliberately-wrong")), "{stdout}");
    assert!(stdout.contains("wrong result: as many values, different ones"), "{stdout}");
    assert!(stdout.contains("(halt at line"), "{stdout}");

    // Without the failing record the run passes and exits 0.
    let passing = std::fs::read_to_string(&file).unwrap().replace("-deliberately-wrong", "");
    std::fs::write(&file, passing).unwrap();
    let out = touchstone(&["slt", name]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(counts(&stdout, "total"), [7, 7, 0, 4], "{stdout}");
}

#[test]
fn a_missing_file_is_reported_with_status_2() {
    let out = touchstone(&["slt", "/nonexistent/x.test"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot read"));
}

/// Issue 3's conformance targets over the whole corpus in ../shared/slt: every select1-5,
/// index/ and random/ file at 99% of its records or better, evidence/ at 95% or better.
#[test]
fn corpus_meets_the_conformance_targets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/slt");
    assert!(root.exists(), "the sqllogictest corpus is expected at {}", root.display());
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("index"), root.join("random"), root.join("evidence")] {
        let mut in_dir: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "test"))
            .collect();
        in_dir.sort();
        files.extend(in_dir);
    }
    assert!(files.len() >= 20, "corpus files: {files:?}");
    let names: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let mut args = vec!["slt"];
    args.extend(&names);
    let out = touchstone(&args);
    let stdout = String::from_utf8(out.stdout).unwrap();
    println!("{stdout}");
    let (mut evidence_run, mut evidence_passed) = (0, 0);
    for name in &names {
        let [run, passed, failed, _] = counts(&stdout, name);
        assert_eq!(run, passed + failed);
        assert!(run > 0, "{name} ran no record");
        if name.contains("/evidence/") {
            evidence_run += run;
            evidence_passed += passed;
        } else {
            assert!(passed * 100 >= run * 99, "{name}: {passed} of {run} records passed (target 99%)");
        }
    }
    assert!(
        evidence_passed * 100 >= evidence_run * 95,
        "evidence/: {evidence_passed} of {evidence_run} records passed (target 95%)"
    );
}
