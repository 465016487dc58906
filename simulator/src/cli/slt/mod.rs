//! `touchstone slt FILE...`: runs sqllogictest files against the engine and reports, per file,
//! how many records ran, passed, failed and were skipped.
//!
//! Files are parsed by the `sqllogictest` crate; the records are executed here (`exec`), so
//! that every `statement` and `query` record is counted on its own and values are rendered by
//! the type characters of the record, as SQLite's C harness renders them. The engine's name for
//! `skipif` / `onlyif` is `sqlite` (compared case-insensitively, as the C harness does); a
//! `halt` that applies stops the file, its remaining records counted as skipped. Each file runs
//! on a fresh database in memory (the engine's `MemVfs`); after a panic the connection is
//! reopened on the same in-memory files, which keep what was committed.
//!
//! Exit status: 0 when every record that ran passed, 1 when any failed, 2 when a file could not
//! be read or parsed.

mod exec;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use sqllogictest::{Condition, Control, QueryExpect, Record, ResultMode, SortMode};
use touchstone_engine::conn::Connection;
use touchstone_engine::vfs::MemVfs;

use exec::{FailureKind, SltType};
pub use report::Report;
use touchstone_simulator::panics;

/// The engine name matched by `skipif` and `onlyif`.
pub const ENGINE_NAME: &str = "sqlite";

/// The C harness's hash threshold until a file sets one (DEFAULT_HASH_THRESHOLD).
pub const DEFAULT_HASH_THRESHOLD: usize = 8;

/// What `touchstone slt` was asked to do.
pub struct Options {
    pub files: Vec<PathBuf>,
    /// Print up to this many failures of each file (SQL, expected and actual).
    pub show_failures: usize,
    /// Print the failures grouped by error message after the table.
    pub errors_summary: bool,
}

/// One failed record.
#[derive(Clone, Debug)]
pub struct Failure {
    pub file: String,
    pub line: u32,
    /// `statement ok`, `query III rowsort`, ...
    pub header: String,
    pub sql: String,
    pub kind: FailureKind,
}

/// The counts of one file.
#[derive(Clone, Debug, Default)]
pub struct FileResult {
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub seconds: f64,
    /// The line of the `halt` that stopped the file.
    pub halted_at: Option<u32>,
    /// Why the file could not be run at all.
    pub error: Option<String>,
}

impl FileResult {
    /// Records executed (passed or failed).
    pub fn run(&self) -> usize {
        self.passed + self.failed
    }
}

/// True when `conditions` say the record is not for this engine.
fn skipped_by(conditions: &[Condition]) -> bool {
    conditions.iter().any(|c| match c {
        Condition::OnlyIf { label } => !label.eq_ignore_ascii_case(ENGINE_NAME),
        Condition::SkipIf { label } => label.eq_ignore_ascii_case(ENGINE_NAME),
    })
}

/// Rewrites the lines the C harness reads more loosely than the crate's parser: a `skipif` /
/// `onlyif` line keeps its first two words (the C harness ignores the rest, which in the
/// corpus is a comment: `onlyif mysql # aggregate syntax:`), and a line of spaces is empty.
/// Lines stay where they are, so line numbers do not change.
fn normalize(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for line in script.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some(kw @ ("skipif" | "onlyif")), Some(label)) => {
                out.push_str(kw);
                out.push(' ');
                out.push_str(label);
            }
            (None, _) => {}
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The per-file state of a run.
struct FileRun {
    name: String,
    vfs: Arc<MemVfs>,
    conn: Option<Connection>,
    hash_threshold: usize,
    default_sort: Option<SortMode>,
    rowwise: bool,
}

/// The in-memory file each test file's database lives in.
const DB_PATH: &str = "slt.db";

impl FileRun {
    fn new(name: String) -> Result<FileRun, String> {
        let vfs = Arc::new(MemVfs::new());
        let conn = Connection::open_with_vfs(DB_PATH, vfs.clone()).map_err(|e| e.message().to_string())?;
        Ok(FileRun {
            name,
            vfs,
            conn: Some(conn),
            hash_threshold: DEFAULT_HASH_THRESHOLD,
            default_sort: None,
            rowwise: false,
        })
    }

    /// After a panic: drops the connection and opens another on the same files (a hot journal
    /// left behind is rolled back by the new connection, as after a crash).
    fn reopen(&mut self) -> Result<(), String> {
        if let Some(old) = self.conn.take() {
            let _ = panics::catch(move || drop(old));
        }
        let vfs = self.vfs.clone();
        let conn = panics::catch(move || Connection::open_with_vfs(DB_PATH, vfs))?
            .map_err(|e| format!("cannot reopen the database after a panic: {}", e.message()))?;
        self.conn = Some(conn);
        Ok(())
    }

    /// Runs a `statement` record.
    fn statement(&mut self, sql: &str, expected: &sqllogictest::StatementExpect) -> Result<(), FailureKind> {
        let conn = self.conn.as_ref().ok_or_else(|| FailureKind::Error("no connection".to_string()))?;
        let result = exec::run_statement(conn, sql, expected);
        self.after(result)
    }

    /// Runs a `query` record.
    fn query(&mut self, sql: &str, expected: &QueryExpect<SltType>) -> Result<(), FailureKind> {
        let conn = self.conn.as_ref().ok_or_else(|| FailureKind::Error("no connection".to_string()))?;
        let result = match expected {
            QueryExpect::Error(want) => {
                // `query error` (an extension of the format): any error that matches passes.
                let outcome = panics::catch(|| exec::run_query(conn, sql, &[]).map(|_| ()));
                match outcome {
                    Err(p) => Err(FailureKind::Panic(p)),
                    Ok(Ok(())) => Err(FailureKind::NoError),
                    Ok(Err(FailureKind::Error(m))) => exec::check_error(want, &m),
                    // A query with columns ran without error.
                    Ok(Err(FailureKind::ColumnCount { .. })) => Err(FailureKind::NoError),
                    Ok(Err(other)) => Err(other),
                }
            }
            QueryExpect::Results { types, sort_mode, results, .. } => {
                match panics::catch(|| exec::run_query(conn, sql, types)) {
                    Err(p) => Err(FailureKind::Panic(p)),
                    Ok(Err(kind)) => Err(kind),
                    Ok(Ok(mut values)) => {
                        let ncol = types.len();
                        exec::sort_values(&mut values, ncol, sort_mode.as_ref().or(self.default_sort.as_ref()));
                        let actual = if self.hash_threshold > 0 && values.len() > self.hash_threshold {
                            vec![exec::hash_line(&values)]
                        } else if self.rowwise {
                            values.chunks(ncol.max(1)).map(|row| row.join(" ")).collect()
                        } else {
                            values.clone()
                        };
                        if &actual == results {
                            Ok(())
                        } else {
                            Err(FailureKind::Mismatch { expected: results.clone(), actual, values })
                        }
                    }
                }
            }
        };
        self.after(result)
    }

    /// Reopens the connection after a panic.
    fn after(&mut self, result: Result<(), FailureKind>) -> Result<(), FailureKind> {
        if let Err(FailureKind::Panic(_)) = &result
            && let Err(e) = self.reopen()
        {
            eprintln!("slt: {}: {e}", self.name);
        }
        result
    }
}

/// The header line of a record, for failure reports.
fn header(record: &Record<SltType>) -> String {
    match record {
        Record::Statement { expected, .. } => match expected {
            sqllogictest::StatementExpect::Ok => "statement ok".to_string(),
            sqllogictest::StatementExpect::Count(n) => format!("statement count {n}"),
            sqllogictest::StatementExpect::Error(_) => "statement error".to_string(),
        },
        Record::Query { expected: QueryExpect::Results { types, sort_mode, label, .. }, .. } => {
            let mut h = format!("query {}", types.iter().map(|t| t.0).collect::<String>());
            if let Some(m) = sort_mode {
                h.push_str(match m {
                    SortMode::NoSort => " nosort",
                    SortMode::RowSort => " rowsort",
                    SortMode::ValueSort => " valuesort",
                });
            }
            if let Some(l) = label {
                h.push(' ');
                h.push_str(l);
            }
            h
        }
        Record::Query { .. } => "query error".to_string(),
        _ => String::new(),
    }
}

/// Runs one file; failures go to `failures` as they happen.
fn run_file(path: &Path, failures: &mut Vec<Failure>) -> FileResult {
    let name = path.display().to_string();
    let mut result = FileResult { name: name.clone(), ..FileResult::default() };
    // Wall-clock time only for the report's seconds column: it decides nothing the engine
    // or a record's verdict depends on.
    let start = Instant::now();
    let script = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            result.error = Some(format!("cannot read: {e}"));
            return result;
        }
    };
    let records = match sqllogictest::parse_with_name::<SltType>(&normalize(&script), name.as_str()) {
        Ok(records) => records,
        Err(e) => {
            result.error = Some(format!("cannot parse: {e}"));
            return result;
        }
    };
    let mut run = match FileRun::new(name.clone()) {
        Ok(run) => run,
        Err(e) => {
            result.error = Some(format!("cannot open a database: {e}"));
            return result;
        }
    };
    // Conditions seen since the last record they apply to (skipif / onlyif lines precede the
    // record in the same block; a `halt` takes them too, unlike in the crate's parser).
    let mut pending: Vec<Condition> = Vec::new();
    let mut iter = records.iter();
    while let Some(record) = iter.next() {
        let outcome = match record {
            Record::Condition(c) => {
                pending.push(c.clone());
                continue;
            }
            Record::Statement { loc, sql, expected, .. } => {
                let skip = skipped_by(&std::mem::take(&mut pending));
                (!skip).then(|| (loc.line(), sql.as_str(), run.statement(sql, expected)))
            }
            Record::Query { loc, sql, expected, .. } => {
                let skip = skipped_by(&std::mem::take(&mut pending));
                (!skip).then(|| (loc.line(), sql.as_str(), run.query(sql, expected)))
            }
            Record::HashThreshold { threshold, .. } => {
                pending.clear();
                run.hash_threshold = usize::try_from(*threshold).unwrap_or(usize::MAX);
                continue;
            }
            Record::Control(Control::SortMode(mode)) => {
                run.default_sort = Some(*mode);
                continue;
            }
            Record::Control(Control::ResultMode(mode)) => {
                run.rowwise = matches!(mode, ResultMode::RowWise);
                continue;
            }
            Record::Halt { loc } => {
                if skipped_by(&std::mem::take(&mut pending)) {
                    continue;
                }
                result.halted_at = Some(loc.line());
                result.skipped += iter.filter(|r| matches!(r, Record::Statement { .. } | Record::Query { .. })).count();
                break;
            }
            Record::Include { loc, .. } | Record::System { loc, .. } | Record::Let { loc, .. } => {
                let kind = match record {
                    Record::Include { .. } => "include",
                    Record::System { .. } => "system",
                    _ => "let",
                };
                let skip = skipped_by(&std::mem::take(&mut pending));
                (!skip).then(|| (loc.line(), "", Err(FailureKind::Unsupported(kind.to_string()))))
            }
            _ => continue,
        };
        match outcome {
            None => result.skipped += 1,
            Some((_, _, Ok(()))) => result.passed += 1,
            Some((line, sql, Err(kind))) => {
                result.failed += 1;
                failures.push(Failure { file: name.clone(), line, header: header(record), sql: sql.to_string(), kind });
            }
        }
    }
    if let Some(conn) = run.conn.take() {
        let _ = panics::catch(move || drop(conn));
    }
    result.seconds = start.elapsed().as_secs_f64();
    result
}

/// `touchstone slt`: runs every file, prints the failures asked for, the table and the
/// summary; returns the exit status.
pub fn run(options: &Options) -> ExitCode {
    panics::quiet_hook();
    let mut report = Report::default();
    for path in &options.files {
        let mut failures = Vec::new();
        let result = run_file(path, &mut failures);
        eprintln!(
            "slt: {}: {} passed, {} failed, {} skipped in {:.1} s",
            result.name, result.passed, result.failed, result.skipped, result.seconds
        );
        report.print_failures(&failures, options.show_failures);
        report.add(result, failures);
    }
    report.print_table();
    if options.errors_summary {
        report.print_summary();
    }
    report.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_lines_lose_their_comments() {
        let text = "onlyif mysql # aggregate syntax: \nquery I nosort\nSELECT 1\n   \n";
        assert_eq!(normalize(text), "onlyif mysql\nquery I nosort\nSELECT 1\n\n");
    }

    #[test]
    fn conditions_name_the_engine() {
        let only = |l: &str| Condition::OnlyIf { label: l.to_string() };
        let skip = |l: &str| Condition::SkipIf { label: l.to_string() };
        assert!(!skipped_by(&[only("sqlite")]));
        assert!(!skipped_by(&[only("SQLite")]));
        assert!(skipped_by(&[only("mysql")]));
        assert!(skipped_by(&[skip("sqlite")]));
        assert!(!skipped_by(&[skip("postgresql")]));
    }
}
