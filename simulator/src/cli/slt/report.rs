//! What `touchstone slt` prints: failures as they happen, the per-file table with a total
//! line, and the failures grouped by error message.

use std::collections::BTreeMap;
use std::process::ExitCode;

use super::{Failure, FileResult};

/// The results of a run.
#[derive(Default)]
pub struct Report {
    files: Vec<FileResult>,
    /// Failure groups: key → (count, first failure).
    groups: BTreeMap<String, (usize, Failure)>,
}

/// A percentage with two decimals, or `-` when nothing ran.
fn percent(passed: usize, run: usize) -> String {
    if run == 0 { "-".to_string() } else { format!("{:.2}%", passed as f64 * 100.0 / run as f64) }
}

/// The SQL of a record on one line, cut to `max` characters.
fn one_line(sql: &str, max: usize) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max { format!("{}...", flat.chars().take(max).collect::<String>()) } else { flat }
}

impl Report {
    /// Adds a file's counts and failures.
    pub fn add(&mut self, result: FileResult, failures: Vec<Failure>) {
        for failure in failures {
            let key = failure.kind.group();
            self.groups.entry(key).and_modify(|(n, _)| *n += 1).or_insert((1, failure));
        }
        self.files.push(result);
    }

    /// Prints up to `limit` of one file's failures: where, the SQL, and why.
    pub fn print_failures(&self, failures: &[Failure], limit: usize) {
        for f in failures.iter().take(limit) {
            println!("FAIL {}:{}: {}", f.file, f.line, f.header);
            for line in f.sql.lines() {
                println!("    {line}");
            }
            print!("{}", f.kind.describe());
        }
        if failures.len() > limit && limit > 0 {
            println!("... {} more failures in this file", failures.len() - limit);
        }
    }

    /// Prints the table: one line per file and a total line.
    pub fn print_table(&self) {
        let width = self.files.iter().map(|f| f.name.len()).max().unwrap_or(0).max("total".len());
        println!(
            "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}",
            "file", "run", "passed", "failed", "skipped", "pass %", "seconds"
        );
        let mut total = FileResult::default();
        for f in &self.files {
            if let Some(error) = &f.error {
                println!("{:<width$}  {error}", f.name);
                continue;
            }
            let mut line = format!(
                "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8.1}",
                f.name,
                f.run(),
                f.passed,
                f.failed,
                f.skipped,
                percent(f.passed, f.run()),
                f.seconds
            );
            if let Some(at) = f.halted_at {
                line.push_str(&format!("  (halt at line {at})"));
            }
            println!("{line}");
            total.passed += f.passed;
            total.failed += f.failed;
            total.skipped += f.skipped;
            total.seconds += f.seconds;
        }
        println!(
            "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8.1}",
            "total",
            total.run(),
            total.passed,
            total.failed,
            total.skipped,
            percent(total.passed, total.run()),
            total.seconds
        );
    }

    /// Prints the failure groups, most frequent first, each with one example.
    pub fn print_summary(&self) {
        let mut groups: Vec<_> = self.groups.iter().collect();
        groups.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));
        println!();
        println!("failures by error ({} groups; count, error or kind of mismatch, one example):", groups.len());
        for (key, (count, example)) in groups {
            println!("{count:>8}  {key}");
            println!("          e.g. {}:{}: {}", example.file, example.line, one_line(&example.sql, 160));
        }
    }

    /// 2 when a file could not be run, 1 when a record failed, 0 otherwise.
    pub fn exit_code(&self) -> ExitCode {
        if self.files.iter().any(|f| f.error.is_some()) {
            ExitCode::from(2)
        } else if self.files.iter().any(|f| f.failed > 0) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}
