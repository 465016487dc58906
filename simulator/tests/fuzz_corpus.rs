//! Replays every file of corpus/<target>/ through its fuzz target's body
//! (`touchstone_simulator::fuzzing`), on stable Rust and without libFuzzer: the seed corpora
//! and every input that ever found a bug (kept as `finding-*` files once fixed) must pass.
//! A panic counts as a finding; every file is run and every finding reported together.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use touchstone_simulator::fuzzing::FuzzTarget;
use touchstone_simulator::fuzzing::db_file::{Verdict, verdict};

fn corpus_dir(target: FuzzTarget) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus").join(target.name())
}

/// The input files of a target's corpus (everything but its README), sorted.
fn inputs(target: FuzzTarget) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_of_every_target_passes() {
    let mut findings = Vec::new();
    for target in FuzzTarget::ALL {
        let files = inputs(target);
        assert!(files.len() >= 4, "corpus/{} holds {} inputs; the seeds are missing", target.name(), files.len());
        for path in files {
            let bytes = std::fs::read(&path).expect("read corpus file");
            let outcome = catch_unwind(AssertUnwindSafe(|| target.check(&bytes)));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(finding)) => findings.push(format!("{}: {finding}", path.display())),
                Err(_) => findings.push(format!("{}: panicked", path.display())),
            }
        }
    }
    assert!(findings.is_empty(), "{} corpus inputs fail:\n{}", findings.len(), findings.join("\n\n"));
}

/// The db_file seeds of shapes the engine supports are compared row for row with SQLite,
/// not only judged by their errors.
#[test]
fn supported_database_seeds_are_compared_with_sqlite() {
    for name in ["one-page", "rows", "overflow", "deep", "freelist", "schema"] {
        let path = corpus_dir(FuzzTarget::DbFile).join(format!("seed-{name}.db"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match verdict(&bytes) {
            Ok(Verdict::Compared { tables }) => assert!(name == "one-page" || tables > 0, "{name}: no table compared"),
            other => panic!("{name}: {other:?}"),
        }
    }
}
