//! The report of `touchstone bench`: medians per operation, the ratio engine / SQLite, the
//! engine's page fetches and syncs per operation, and the acceptance lines of issue 3.

use std::fmt::Write;

use super::Results;
use super::WorkloadRuns;
use super::workloads::{self, Measure, Sizes};

/// Syncs (xSync calls) real SQLite does for one autocommit INSERT in journal_mode=DELETE,
/// synchronous=FULL on the unix VFS (SQLite 3.54.1, sqlite3.c):
///
/// - `syncJournal` (pager.c): the journal is synced before its header's record count is
///   written (`pPager->fullSync` is set by synchronous=FULL, and the unix VFS reports neither
///   SAFE_APPEND nor SEQUENTIAL), then synced again after it: 2;
/// - `sqlite3PagerCommitPhaseOne` → `sqlite3PagerSync` (pager.c): the database file: 1;
/// - `pager_end_transaction` deletes the journal with `sqlite3OsDelete(.., pPager->extraSync)`:
///   no directory sync below synchronous=EXTRA.
///
/// (The first xSync of a newly created journal also fsyncs its directory inside `unixSync`,
/// os_unix.c, `UNIXFILE_DIRSYNC`; that is inside the VFS, not an xSync of its own, and the
/// engine's `OsVfs` does the same inside its `sync`.)
pub const SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT: u64 = 3;

/// The ratio target of workload `number` (issue 3's acceptance): 1.2 for the lookups, 2.0
/// for the rest.
fn target(number: u8) -> f64 {
    if number <= 2 { 1.2 } else { 2.0 }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// The median time per operation of `runs`, in nanoseconds.
fn median_ns_per_op(runs: &[Measure]) -> f64 {
    median(runs.iter().map(|m| m.elapsed.as_nanos() as f64 / m.ops as f64).collect())
}

/// The median of a per-operation counter of `runs` (`None` when the side does not count).
fn median_counter_per_op(runs: &[Measure], pick: impl Fn(&super::side::Counters) -> u64) -> Option<f64> {
    let per_op: Option<Vec<f64>> = runs.iter().map(|m| m.counters.map(|c| pick(&c) as f64 / m.ops as f64)).collect();
    per_op.map(median)
}

/// One row of the table, computed.
struct Line {
    number: u8,
    title: String,
    ops: u64,
    op: workloads::OpName,
    engine_ns_per_op: f64,
    sqlite_ns_per_op: f64,
    ratio: f64,
    target: f64,
    engine_fetches_per_op: Option<f64>,
    engine_syncs_per_op: Option<f64>,
    sqlite_syncs_per_op: Option<f64>,
}

/// Computes the line of one workload.
fn line(w: &WorkloadRuns, sizes: Sizes) -> Line {
    let d = workloads::describe(w.number, sizes);
    let engine_ns_per_op = median_ns_per_op(&w.engine);
    let sqlite_ns_per_op = median_ns_per_op(&w.sqlite);
    Line {
        number: w.number,
        title: d.title,
        ops: w.engine.first().map_or(0, |m| m.ops),
        op: d.op,
        engine_ns_per_op,
        sqlite_ns_per_op,
        ratio: engine_ns_per_op / sqlite_ns_per_op,
        target: target(w.number),
        engine_fetches_per_op: median_counter_per_op(&w.engine, |c| c.page_fetches),
        engine_syncs_per_op: median_counter_per_op(&w.engine, |c| c.syncs),
        sqlite_syncs_per_op: median_counter_per_op(&w.sqlite, |c| c.syncs),
    }
}

/// A duration in nanoseconds with a unit that keeps three or four significant digits.
fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// An optional counter per operation, or "-".
fn counter(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"))
}

/// The report as a Markdown table followed by the acceptance lines.
pub fn table(r: &Results) -> String {
    let mut out = String::new();
    let (mode, sync, cache) = &r.pragmas;
    let _ = writeln!(
        out,
        "touchstone bench: engine vs SQLite {}, median of {} runs per workload; both sides: journal_mode={mode}, \
         synchronous={sync}, cache_size={cache}",
        rusqlite::version(),
        r.runs
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| # | workload | ops | engine / op | SQLite / op | ratio | target | engine fetches / op | engine syncs / op \
         | SQLite syncs / op |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|---:|---:|---:|");
    let lines: Vec<Line> = r.workloads.iter().map(|w| line(w, r.sizes)).collect();
    for l in &lines {
        let verdict = if l.ratio <= l.target { "met" } else { "MISSED" };
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {} | {} | {:.2} | ≤ {:.1} {verdict} | {} | {} | {} |",
            l.number,
            l.title,
            workloads::group(l.ops),
            if l.ops == 1 { l.op.singular } else { l.op.plural },
            time(l.engine_ns_per_op),
            time(l.sqlite_ns_per_op),
            l.ratio,
            l.target,
            counter(l.engine_fetches_per_op),
            counter(l.engine_syncs_per_op),
            counter(l.sqlite_syncs_per_op),
        );
    }
    let _ = writeln!(out);
    let small = lines.iter().find(|l| l.number == 1);
    let large = lines.iter().find(|l| l.number == 2);
    if let (Some(s), Some(l)) = (small, large) {
        let engine = l.engine_ns_per_op / s.engine_ns_per_op;
        let verdict = if engine <= 3.0 { "met" } else { "MISSED" };
        let _ = writeln!(
            out,
            "per-lookup time at {} rows / at 100 rows: engine {engine:.2} (target ≤ 3: {verdict}), SQLite {:.2}",
            workloads::group(r.sizes.rows_large),
            l.sqlite_ns_per_op / s.sqlite_ns_per_op
        );
    }
    if let Some(l) = lines.iter().find(|l| l.number == 3) {
        let engine = l.engine_syncs_per_op.unwrap_or(f64::NAN);
        let verdict = if engine == SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT as f64 { "equal" } else { "DIFFERENT" };
        let _ = writeln!(
            out,
            "syncs per autocommit INSERT (workload 3): engine {engine:.2}, SQLite {SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT} \
             (pager.c: syncJournal 2, commit phase one 1): {verdict}"
        );
    }
    out
}

/// A JSON number, or null for NaN and missing values.
fn num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".to_string(),
    }
}

/// The report as JSON: the settings and one object per workload (times in nanoseconds per
/// operation, medians).
pub fn json(r: &Results) -> String {
    let (mode, sync, cache) = &r.pragmas;
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"sqlite_version\":\"{}\",\"runs\":{},\"rows_large\":{},\"journal_mode\":\"{mode}\",\"synchronous\":{sync},\
         \"cache_size\":{cache},\"sqlite_syncs_per_autocommit_insert\":{SQLITE_SYNCS_PER_AUTOCOMMIT_INSERT},\"workloads\":[",
        rusqlite::version(),
        r.runs,
        r.sizes.rows_large
    );
    for (i, w) in r.workloads.iter().enumerate() {
        let l = line(w, r.sizes);
        let _ = write!(
            out,
            "{}{{\"number\":{},\"title\":\"{}\",\"ops\":{},\"engine_ns_per_op\":{},\"sqlite_ns_per_op\":{},\
             \"ratio\":{},\"target\":{},\"engine_fetches_per_op\":{},\"engine_syncs_per_op\":{},\
             \"sqlite_syncs_per_op\":{}}}",
            if i > 0 { "," } else { "" },
            l.number,
            l.title,
            l.ops,
            num(Some(l.engine_ns_per_op)),
            num(Some(l.sqlite_ns_per_op)),
            num(Some(l.ratio)),
            l.target,
            num(l.engine_fetches_per_op),
            num(l.engine_syncs_per_op),
            num(l.sqlite_syncs_per_op),
        );
    }
    out.push_str("]}\n");
    out
}
