//! `touchstone run`, `replay`, `shrink` and the hidden `worker`: the simulator's commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use touchstone_simulator::campaign::seeds::SeedPlan;
use touchstone_simulator::campaign::summary::{Summary, failure_diff};
use touchstone_simulator::campaign::{self, WorkerSpec};
use touchstone_simulator::decide::Decisions;
use touchstone_simulator::fuzzing;
use touchstone_simulator::repro::Repro;
use touchstone_simulator::scenario::Scenario;
use touchstone_simulator::shrink::shrink;
use touchstone_simulator::target::TargetKind;
use touchstone_simulator::workload::generate;

/// The options of `touchstone run`.
pub struct RunOptions {
    pub scenario: Option<PathBuf>,
    /// `A..B`: seeds A to B-1.
    pub seeds: Option<String>,
    pub count: Option<u64>,
    pub hours: Option<f64>,
    pub minutes: Option<f64>,
    pub jobs: u64,
    /// `I/N`.
    pub shard: Option<String>,
    pub target: TargetKind,
    pub out: PathBuf,
    pub hashes: bool,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("touchstone: {message}");
    ExitCode::from(2)
}

/// Parses `A..B`.
fn parse_range(text: &str) -> Result<(u64, u64), String> {
    let (a, b) = text.split_once("..").ok_or_else(|| format!("--seeds {text}: expected A..B"))?;
    let a: u64 = a.trim().parse().map_err(|_| format!("--seeds {text}: {a} is not a seed"))?;
    let b: u64 = b.trim().parse().map_err(|_| format!("--seeds {text}: {b} is not a seed"))?;
    if b < a {
        return Err(format!("--seeds {text}: the range is empty"));
    }
    Ok((a, b))
}

/// Parses `I/N`.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (i, n) = text.split_once('/').ok_or_else(|| format!("--shard {text}: expected I/N"))?;
    let i: u64 = i.trim().parse().map_err(|_| format!("--shard {text}: bad index"))?;
    let n: u64 = n.trim().parse().map_err(|_| format!("--shard {text}: bad count"))?;
    if n == 0 || i >= n {
        return Err(format!("--shard {text}: the index must be below the count"));
    }
    Ok((i, n))
}

/// `touchstone run`.
pub fn run(options: RunOptions) -> ExitCode {
    let scenario = match Scenario::load(options.scenario.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let shard = match options.shard.as_deref().map(parse_shard).transpose() {
        Ok(shard) => shard.unwrap_or((0, 1)),
        Err(e) => return fail(e),
    };
    let run_for = options.hours.map(|h| h * 3600.0).or(options.minutes.map(|m| m * 60.0));
    let (start, end) = match (&options.seeds, options.count) {
        (Some(range), _) => match parse_range(range) {
            Ok((a, b)) => (a, Some(b)),
            Err(e) => return fail(e),
        },
        (None, Some(count)) => (0, Some(count)),
        (None, None) if run_for.is_some() => (0, None),
        (None, None) => (0, Some(1000)),
    };
    let seeds = SeedPlan { start, end, shard };
    let spec = WorkerSpec {
        scenario_path: options.scenario.clone(),
        seeds,
        job: 0,
        jobs: options.jobs.max(1),
        target: options.target,
        out: options.out.clone(),
        run_for_ms: run_for.map(|s| (s * 1000.0) as u64),
    };
    let mut summary = Summary::new(&scenario.name, options.target.name(), spec.jobs, shard);
    summary.page_level_required = scenario.oracle.page_level;
    let bar = match seeds.seed_count() {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} seeds  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(500));
    // Wall clock: the progress bar's statements/s and the summary's seconds only.
    let started = Instant::now();
    let result = campaign::run_campaign(&spec, spec.jobs, |result| {
        if let Some(class) = &result.class {
            bar.println(format!(
                "FAIL seed {} ({class}) at {}: {}",
                result.seed,
                result.failed_step.as_deref().unwrap_or("?"),
                options.out.join("failures").join(result.seed.to_string()).display()
            ));
        }
        summary.add(&result);
        let seconds = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "{:.0} statements/s  {} failures  {} unchecked",
            summary.statements as f64 / seconds,
            summary.failures,
            summary.unchecked_runs
        ));
        bar.inc(1);
    });
    bar.finish_and_clear();
    summary.finish(started.elapsed().as_secs_f64());
    if let Err(e) = summary.write(&options.out, options.hashes) {
        return fail(e);
    }
    print!("{}", summary.markdown());
    println!("\nsummary: {}", options.out.join("summary.json").display());
    if let Err(e) = result {
        return fail(e);
    }
    if summary.failures > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Reads what `replay` and `shrink` take: a repro file (`*.toml`), or else an input of the
/// `sim` fuzz target (fuzz/artifacts/sim/crash-*, corpus/sim/*), whose bytes draw the run
/// from the `fuzz-sim` scenario. Errors: the path and what is wrong with it.
fn load_run(file: &Path) -> Result<Repro, String> {
    if file.extension().is_some_and(|e| e == "toml") {
        return Repro::load(file);
    }
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    eprintln!("{}: not a .toml repro: read as a {}-byte input of the sim fuzz target", file.display(), bytes.len());
    Ok(fuzzing::sim::repro(&bytes))
}

/// `touchstone replay`: a seed of a scenario, a repro file or a `sim` fuzz input.
pub fn replay(
    file: Option<&Path>,
    seed: Option<u64>,
    scenario: Option<&Path>,
    target: TargetKind,
    trace: bool,
) -> ExitCode {
    let repro = match (file, seed) {
        (Some(file), _) => match load_run(file) {
            Ok(r) => r,
            Err(e) => return fail(e),
        },
        (None, Some(seed)) => {
            let scenario = match Scenario::load(scenario) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let plan = generate(&scenario, &mut Decisions::from_seed(seed));
            Repro {
                scenario: scenario.name.clone(),
                seed: Some(seed),
                target,
                class: None,
                trace_hash: String::new(),
                note: String::new(),
                plan,
            }
        }
        (None, None) => return fail("replay needs --seed S or a repro FILE"),
    };
    let report = repro.run(trace);
    if trace {
        for line in &report.trace {
            println!("{line}");
        }
        println!();
    }
    let hash = format!("{:016x}", report.trace_hash);
    println!(
        "scenario {} seed {} target {}: {} steps, {} statements, trace hash {hash}",
        repro.scenario,
        repro.seed.map_or("-".to_string(), |s| s.to_string()),
        repro.target.name(),
        report.steps,
        report.statements
    );
    if !repro.trace_hash.is_empty() && repro.trace_hash != hash {
        println!("note: the repro file recorded trace hash {}", repro.trace_hash);
    }
    if let Some(why) = &report.unchecked {
        println!("unchecked: {why}");
    }
    if let Some(required) = repro.plan.oracle.page_level {
        let held =
            report.page_level.map_or("no level (nothing compared, or below L0)".to_string(), |l| format!("L{l}"));
        println!("pages: {held} held, L{required} required");
    }
    match &report.failure {
        Some(_) => {
            print!("{}", failure_diff(&report, repro.seed, "(this command)"));
            ExitCode::from(1)
        }
        None => {
            println!("ok: the engines agreed on every step compared");
            ExitCode::SUCCESS
        }
    }
}

/// `touchstone shrink FILE [--out F]`: a repro file or a `sim` fuzz input.
pub fn shrink_file(file: &Path, out: Option<&Path>) -> ExitCode {
    let repro = match load_run(file) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let report = shrink(&repro);
    if report.attempts == 0 {
        return fail(format!("{}: the run does not fail now; nothing to shrink", file.display()));
    }
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| file.with_extension("shrunk.toml"));
    if let Err(e) = report.repro.save(&out) {
        return fail(e);
    }
    println!(
        "shrunk {} steps ({} statements) to {} steps ({} statements) in {} runs; class {}; written to {}",
        report.steps_before,
        report.statements_before,
        report.repro.plan.steps.len(),
        report.repro.plan.statement_count(),
        report.attempts,
        report.repro.class.map_or("none", |c| c.name()),
        out.display()
    );
    ExitCode::SUCCESS
}

/// `touchstone worker JSON`: one worker process of a campaign.
pub fn worker(json: &str) -> ExitCode {
    let spec: WorkerSpec = match serde_json::from_str(json) {
        Ok(s) => s,
        Err(e) => return fail(format!("worker: {e}")),
    };
    match campaign::worker_main(&spec) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}
