//! Shrinking: a failing repro cut down to a small one that fails the same way.
//!
//! "The same way" means with the same failure class. Passes, repeated until none makes
//! progress (each candidate is a whole run, a few milliseconds):
//! 1. faults: each I/O fault rate, the disk capacity and latency set to zero;
//! 2. steps: delta debugging over the step list (chunks of half the list, then quarters,
//!    down to single steps), setup steps included;
//! 3. connections: every step of the highest-numbered connection moved to a lower one;
//! 4. values: long quoted literals halved; crash points moved earlier.
//!
//! Every candidate is run through the same [`Repro::run`] as replay; the result is
//! deterministic, so the shrunk repro fails on every machine.

use crate::repro::Repro;
use crate::workload::{Step, WorldConfig};

/// The most candidate runs one shrink may try.
pub const MAX_ATTEMPTS: u32 = 20_000;

/// What a shrink did.
#[derive(Clone, Debug)]
pub struct ShrinkReport {
    pub repro: Repro,
    pub attempts: u32,
    pub steps_before: usize,
    pub statements_before: usize,
}

struct Shrinker<F: FnMut(&Repro) -> bool> {
    /// True when a candidate still fails the way being kept.
    fails: F,
    attempts: u32,
}

impl<F: FnMut(&Repro) -> bool> Shrinker<F> {
    /// True when `candidate` still fails the way being kept (and counts the try).
    fn keeps(&mut self, candidate: &Repro) -> bool {
        if self.attempts >= MAX_ATTEMPTS {
            return false;
        }
        self.attempts += 1;
        (self.fails)(candidate)
    }

    /// Turns each fault off in turn (every I/O fault rate, the disk capacity, latency).
    fn faults(&mut self, repro: &mut Repro) -> bool {
        /// Zeroes one fault of a world; false when it was already off.
        type TurnOff = fn(&mut WorldConfig) -> bool;
        fn zero_rate(rate: &mut f64) -> bool {
            std::mem::replace(rate, 0.0) != 0.0
        }
        const FAULTS: [TurnOff; 7] = [
            |w| zero_rate(&mut w.read_eio),
            |w| zero_rate(&mut w.write_eio),
            |w| zero_rate(&mut w.sync_eio),
            |w| zero_rate(&mut w.open_eio),
            |w| zero_rate(&mut w.short_read),
            |w| std::mem::take(&mut w.capacity_bytes) != 0,
            |w| std::mem::take(&mut w.latency_max_us) != 0,
        ];
        let mut progress = false;
        for turn_off in FAULTS {
            let mut candidate = repro.clone();
            if turn_off(&mut candidate.plan.world) && self.keeps(&candidate) {
                *repro = candidate;
                progress = true;
            }
        }
        progress
    }

    /// Removes chunks of steps, largest first.
    fn steps(&mut self, repro: &mut Repro) -> bool {
        let mut progress = false;
        let mut chunk = repro.plan.steps.len().div_ceil(2).max(1);
        loop {
            let mut start = 0;
            while start < repro.plan.steps.len() {
                let mut candidate = repro.clone();
                let end = (start + chunk).min(candidate.plan.steps.len());
                if candidate.plan.steps[start..end].iter().any(sets_page_size) {
                    start += chunk;
                    continue;
                }
                candidate.plan.steps.drain(start..end);
                let setup = candidate.plan.setup_steps as usize;
                candidate.plan.setup_steps =
                    if setup <= start { setup as u32 } else { setup.saturating_sub(end - start).max(start) as u32 };
                if self.keeps(&candidate) {
                    *repro = candidate;
                    progress = true;
                } else {
                    start += chunk;
                }
            }
            if chunk == 1 {
                return progress;
            }
            chunk = chunk.div_ceil(2);
        }
    }

    /// Moves the last connection's steps onto each lower connection in turn.
    fn connections(&mut self, repro: &mut Repro) -> bool {
        let mut progress = false;
        while repro.plan.connections > 1 {
            let last = repro.plan.connections - 1;
            let mut merged = false;
            for target in 0..last {
                let mut candidate = repro.clone();
                candidate.plan.connections = last;
                for step in candidate.plan.steps.iter_mut() {
                    match step {
                        Step::Sql { conn, .. } | Step::Next { conn } if *conn == last => *conn = target,
                        _ => {}
                    }
                }
                if self.keeps(&candidate) {
                    *repro = candidate;
                    merged = true;
                    progress = true;
                    break;
                }
            }
            if !merged {
                break;
            }
        }
        progress
    }

    /// Halves long quoted literals and moves crash points earlier.
    fn values(&mut self, repro: &mut Repro) -> bool {
        let mut progress = false;
        for i in 0..repro.plan.steps.len() {
            loop {
                let mut candidate = repro.clone();
                let changed = match &mut candidate.plan.steps[i] {
                    Step::Sql { sql, .. } => halve_longest_literal(sql),
                    Step::Crash { after_calls } if *after_calls > 0 => {
                        *after_calls /= 2;
                        true
                    }
                    _ => false,
                };
                if !changed || !self.keeps(&candidate) {
                    break;
                }
                *repro = candidate;
                progress = true;
            }
        }
        progress
    }
}

/// Halves the longest `'…'` or `X'…'` literal of more than 8 characters in `sql`; false
/// when there is none.
fn halve_longest_literal(sql: &mut String) -> bool {
    let bytes = sql.as_bytes();
    let mut best: Option<(usize, usize, bool)> = None; // (start of content, end, is blob)
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            let is_blob = i > 0 && (bytes[i - 1] == b'X' || bytes[i - 1] == b'x');
            let start = i + 1;
            let mut j = start;
            loop {
                match bytes.get(j) {
                    None => return false,
                    Some(b'\'') if bytes.get(j + 1) == Some(&b'\'') => j += 2,
                    Some(b'\'') => break,
                    Some(_) => j += 1,
                }
            }
            if j - start > 8 && best.is_none_or(|(s, e, _)| j - start > e - s) {
                best = Some((start, j, is_blob));
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    let Some((start, end, is_blob)) = best else { return false };
    let mut keep = (end - start) / 2;
    if is_blob {
        keep &= !1;
    }
    // Do not split a doubled quote or a multi-byte character.
    while keep > 0 && (!sql.is_char_boundary(start + keep) || sql[start..start + keep].matches('\'').count() % 2 == 1) {
        keep -= 1;
    }
    sql.replace_range(start + keep..end, "");
    true
}

/// Shrinks `repro`, which must fail now, keeping its failure class; returns it unchanged
/// (with zero attempts) if it passes.
pub fn shrink(repro: &Repro) -> ShrinkReport {
    let Some(class) = repro.failure_class() else {
        let (steps_before, statements_before) = (repro.plan.steps.len(), repro.plan.statement_count());
        return ShrinkReport { repro: repro.clone(), attempts: 0, steps_before, statements_before };
    };
    shrink_while(repro, |candidate| candidate.failure_class() == Some(class))
}

/// True for the setup step that sets the new database's page size. It is never removed:
/// the engine takes the page size from its configuration, real SQLite from this statement,
/// and without it the two would run on different page sizes (a shrunk repro of a cache
/// spill once compared 1 KiB pages with SQLite's default 4 KiB).
fn sets_page_size(step: &Step) -> bool {
    matches!(step, Step::Sql { sql, .. } if sql.trim_start().to_ascii_lowercase().starts_with("pragma page_size"))
}

/// Shrinks `repro` keeping every candidate for which `fails` holds (`fails(repro)` must).
pub fn shrink_while(repro: &Repro, fails: impl FnMut(&Repro) -> bool) -> ShrinkReport {
    let steps_before = repro.plan.steps.len();
    let statements_before = repro.plan.statement_count();
    let mut shrinker = Shrinker { fails, attempts: 0 };
    let mut current = repro.clone();
    current.seed = None;
    loop {
        let mut progress = shrinker.faults(&mut current);
        progress |= shrinker.steps(&mut current);
        progress |= shrinker.connections(&mut current);
        progress |= shrinker.values(&mut current);
        if !progress || shrinker.attempts >= MAX_ATTEMPTS {
            break;
        }
    }
    let report = current.run(false);
    current.class = report.failure.as_ref().map(|f| f.class);
    current.trace_hash = format!("{:016x}", report.trace_hash);
    ShrinkReport { repro: current, attempts: shrinker.attempts, steps_before, statements_before }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A predicate that holds for every candidate shrinks the plan to nothing but the page
    /// size step, which is never removed.
    #[test]
    fn the_page_size_step_survives_shrinking() {
        let scenario = crate::scenario::Scenario::load(None).unwrap();
        let plan = crate::workload::generate(&scenario, &mut crate::decide::Decisions::from_seed(3));
        assert!(plan.steps.iter().any(sets_page_size), "the plan sets its page size");
        let report = crate::target::run_plan(crate::target::TargetKind::Sqlite, &plan, false);
        let repro = Repro::new(&scenario.name, Some(3), crate::target::TargetKind::Sqlite, plan, &report);
        let shrunk = shrink_while(&repro, |_| true).repro;
        assert_eq!(shrunk.plan.steps.len(), 1, "{:?}", shrunk.plan.steps);
        assert!(sets_page_size(&shrunk.plan.steps[0]));
    }

    #[test]
    fn literals_halve_without_breaking_quotes() {
        let mut sql = "INSERT INTO t VALUES ('abcdefghijkl', X'0102030405060708090A', 'x')".to_string();
        assert!(halve_longest_literal(&mut sql));
        assert_eq!(sql, "INSERT INTO t VALUES ('abcdefghijkl', X'0102030405', 'x')");
        assert!(halve_longest_literal(&mut sql));
        assert_eq!(sql, "INSERT INTO t VALUES ('abcdef', X'0102030405', 'x')");
        let mut quoted = "SELECT 'a''b''c''d''e''f'".to_string();
        assert!(halve_longest_literal(&mut quoted));
        assert_eq!(quoted.matches('\'').count() % 2, 0, "{quoted}");
        let mut short = "SELECT 'abc'".to_string();
        assert!(!halve_longest_literal(&mut short));
    }
}
