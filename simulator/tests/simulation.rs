//! The simulator's acceptance checks (issue 4): determinism across runs and job counts,
//! calibration (real SQLite against itself), the fault model, repro files and replay.

use std::path::{Path, PathBuf};
use std::process::Command;

use touchstone_simulator::campaign::seeds::SeedPlan;
use touchstone_simulator::campaign::{self, SeedResult, WorkerSpec};
use touchstone_simulator::decide::Decisions;
use touchstone_simulator::repro::Repro;
use touchstone_simulator::scenario::Scenario;
use touchstone_simulator::target::{TargetKind, run_plan};
use touchstone_simulator::workload::generate;

const SCENARIOS: &[&str] = &["default", "crash-heavy", "io-errors", "interleaved-connections", "large-values", "swarm"];

fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(format!("{name}.toml"))
}

/// Runs seeds `0..count` of `scenario` in this process and returns every result.
fn campaign_in_process(scenario: &str, count: u64, target: TargetKind, out: &Path) -> Vec<SeedResult> {
    campaign_of_file(&scenario_path(scenario), count, target, out)
}

/// The default scenario with its `[faults]` table cut out, written into `dir`: the same
/// workload with no fault at all, where every step must be compared.
fn fault_free_default(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(scenario_path("default")).unwrap();
    let start = text.find("\n[faults]\n").expect("the default scenario has faults");
    let end = text[start + 1..].find("\n[").map_or(text.len(), |e| start + 1 + e);
    let path = dir.join("default-fault-free.toml");
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    path
}

/// Runs seeds `0..count` of the scenario in file `path` in this process.
fn campaign_of_file(path: &Path, count: u64, target: TargetKind, out: &Path) -> Vec<SeedResult> {
    let spec = WorkerSpec {
        scenario_path: Some(path.to_path_buf()),
        seeds: SeedPlan { start: 0, end: Some(count), shard: (0, 1) },
        job: 0,
        jobs: 1,
        target,
        out: out.to_path_buf(),
        run_for_ms: None,
    };
    let mut results = Vec::new();
    campaign::run_campaign(&spec, 1, |r| results.push(r)).unwrap();
    results
}

/// Every seed's "seed hash" line, in seed order.
fn hashes(results: &[SeedResult]) -> Vec<String> {
    let mut lines: Vec<String> = results.iter().map(|r| format!("{} {}", r.seed, r.trace_hash)).collect();
    lines.sort();
    lines
}

#[test]
fn two_hundred_seeds_of_every_scenario_repeat_their_trace_hashes_across_runs_and_jobs() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in SCENARIOS {
        let first = hashes(&campaign_in_process(scenario, 200, TargetKind::Engine, dir.path()));
        let second = hashes(&campaign_in_process(scenario, 200, TargetKind::Engine, dir.path()));
        assert_eq!(first.len(), 200);
        assert_eq!(first, second, "{scenario}: two runs in one process differ");
        for jobs in ["1", "2"] {
            let out = dir.path().join(format!("{scenario}-{jobs}"));
            let status = Command::new(env!("CARGO_BIN_EXE_touchstone"))
                .args(["run", "--count", "200", "--jobs", jobs, "--hashes", "--scenario"])
                .arg(scenario_path(scenario))
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap();
            assert!(status.status.code().is_some_and(|c| c <= 1), "{scenario}: {status:?}");
            let text = std::fs::read_to_string(out.join("hashes.txt")).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines.sort();
            assert_eq!(lines, first, "{scenario}: --jobs {jobs} gives other trace hashes");
        }
    }
}

#[test]
fn real_sqlite_against_itself_never_fails_on_any_scenario() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in SCENARIOS {
        let results = campaign_in_process(scenario, 1000, TargetKind::Sqlite, dir.path());
        let failed: Vec<&SeedResult> = results.iter().filter(|r| r.class.is_some()).collect();
        assert!(failed.is_empty(), "{scenario}: calibration failures {:?}", &failed[..failed.len().min(3)]);
        // The one fault no reference can judge is a short read inside a file (SQLite uses
        // the zero-filled bytes), and the one failed step is a RELEASE whose content cannot
        // be read (undone, or rolled back with its savepoint kept): runs stop comparing
        // there, and only there.
        let unchecked: Vec<&String> = results.iter().filter_map(|r| r.unchecked.as_ref()).collect();
        let unjudgeable = |why: &&String| why.contains("short read") || why.contains("RELEASE");
        assert!(unchecked.iter().all(unjudgeable), "{scenario}: {unchecked:?}");
        assert!(unchecked.len() * 20 <= results.len(), "{scenario}: {} of 1000 runs unchecked", unchecked.len());
    }
}

#[test]
fn the_engine_passes_every_check_on_200_seeds_of_each_fault_scenario() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in ["default", "crash-heavy", "io-errors", "swarm"] {
        let results = campaign_in_process(scenario, 200, TargetKind::Engine, dir.path());
        let failed: Vec<(u64, &String)> =
            results.iter().filter_map(|r| r.class.as_ref().map(|c| (r.seed, c))).collect();
        assert!(failed.is_empty(), "{scenario}: engine failures {failed:?}");
        let faults: u64 = results.iter().flat_map(|r| r.faults.iter().map(|(_, n)| n)).sum();
        assert!(faults > 0, "{scenario}: no fault struck");
    }
}

#[test]
fn every_fault_kind_happens_and_only_where_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = std::collections::BTreeMap::<String, u64>::new();
    for scenario in ["crash-heavy", "io-errors"] {
        for r in campaign_in_process(scenario, 200, TargetKind::Sqlite, dir.path()) {
            for (kind, n) in r.faults {
                *seen.entry(kind).or_default() += n;
            }
        }
    }
    for kind in [
        "crashes",
        "writes_landed",
        "writes_lost",
        "writes_torn",
        "writes_garbage",
        "read_eio",
        "write_eio",
        "sync_eio",
        "open_eio",
        "enospc",
        "short_read",
    ] {
        assert!(seen.get(kind).copied().unwrap_or(0) > 0, "fault kind {kind} never happened: {seen:?}");
    }
    let quiet = campaign_of_file(&fault_free_default(dir.path()), 100, TargetKind::Sqlite, dir.path());
    assert!(quiet.iter().all(|r| r.faults.is_empty()), "a scenario without [faults] injects none");
}

#[test]
fn a_repro_file_replays_with_the_same_trace_hash() {
    let scenario = Scenario::load(Some(&scenario_path("crash-heavy"))).unwrap();
    let plan = generate(&scenario, &mut Decisions::from_seed(42));
    let report = run_plan(TargetKind::Engine, &plan, false);
    let repro = Repro::new(&scenario.name, Some(42), TargetKind::Engine, plan, &report);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("repro.toml");
    repro.save(&path).unwrap();
    let back = Repro::load(&path).unwrap();
    assert_eq!(back, repro);
    assert_eq!(format!("{:016x}", back.run(false).trace_hash), repro.trace_hash);
    let out = Command::new(env!("CARGO_BIN_EXE_touchstone")).arg("replay").arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("trace hash {}", repro.trace_hash)), "{stdout}");
    let out = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(["replay", "--seed", "42", "--scenario"])
        .arg(scenario_path("crash-heavy"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("trace hash {}", repro.trace_hash)));
}

/// Acceptance: with faults off (the default scenario without its `[faults]`) the engine says
/// what SQLite says at every step over 1,000 seeds of the default workload. Each mismatch this found is
/// kept as a shrunk repro in corpus/regressions/.
#[test]
fn without_faults_the_engine_agrees_with_sqlite_on_1000_default_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let results = campaign_of_file(&fault_free_default(dir.path()), 1000, TargetKind::Engine, dir.path());
    let failed: Vec<String> =
        results.iter().filter(|r| r.class.is_some()).map(|r| format!("{} {:?}", r.seed, r.failed_step)).collect();
    assert!(failed.is_empty(), "{} seeds fail, e.g. {:?}", failed.len(), &failed[..failed.len().min(5)]);
    // No fault ever made a step incomparable: every step of every run was compared.
    let unchecked: Vec<u64> = results.iter().filter(|r| r.unchecked.is_some()).map(|r| r.seed).collect();
    assert!(unchecked.is_empty(), "runs left unchecked: {unchecked:?}");
    assert!(results.iter().all(|r| r.faults.is_empty()), "the default scenario injected a fault");
}

#[test]
fn every_regression_repro_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let repro = Repro::load(&path).unwrap();
        let report = repro.run(false);
        assert!(report.failure.is_none(), "{}: {:?}", path.display(), report.failure);
        count += 1;
    }
    assert!(count > 0, "no repro in {}", dir.display());
}
