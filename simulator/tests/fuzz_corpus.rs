//! Replays every file of corpus/<target>/ through its fuzz target's body
//! (`touchstone_simulator::fuzzing`), on stable Rust and without libFuzzer: the seed corpora
//! and every input that ever found a bug (kept as `finding-*` files once fixed) must pass.
//! A panic counts as a finding; every file is run and every finding reported together.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use touchstone_simulator::fuzzing::FuzzTarget;
use touchstone_simulator::fuzzing::db_file::{Verdict, verdict};
use touchstone_simulator::fuzzing::sql_diff;

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

/// The sql_diff seeds show every feature of the generator (`sql_diff::SEED_FEATURES`), each
/// seed the feature it is named for: they are what `touchstone sql-diff --write-seeds`
/// writes for the current generator (a change of the generator that changes what the bytes
/// draw fails this until the seeds are written again).
#[test]
fn sql_diff_seeds_show_every_feature_of_the_generator() {
    let seeds: Vec<(String, Vec<u8>)> = inputs(FuzzTarget::SqlDiff)
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.strip_prefix("seed-")?.to_string();
            Some((name, std::fs::read(&path).expect("read seed")))
        })
        .collect();
    let named: Vec<(&str, Vec<u8>)> = seeds.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    assert_eq!(sql_diff::uncovered(&named), Vec::<&str>::new(), "features no seed shows");
    for (name, bytes) in &seeds {
        let (_, sql) = sql_diff::SEED_FEATURES
            .iter()
            .find(|(feature, _)| feature == name)
            .unwrap_or_else(|| panic!("seed-{name} is named for no feature"));
        let script = touchstone_oracle::differential::render::render(&sql_diff::draw(bytes)).script();
        assert!(script.contains(sql), "seed-{name} does not show {sql:?}:\n{script}");
    }
}
