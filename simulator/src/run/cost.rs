//! The oracle's cost check (DESIGN.md, "The oracle", item 5): per step, the work the subject
//! did against the work real SQLite did for the same step.
//!
//! Work is counted on both sides alike: page fetches are the page cache's hits and misses as
//! `sqlite3_db_status` reports them (`SQLITE_DBSTATUS_CACHE_HIT` / `_MISS`, counted in
//! `sqlite3PagerGet`; the engine counts the same events in `Pager::get`), summed over the
//! side's open connections; reads, writes and syncs are the calls its [`SimVfs`] world
//! executed, on every file. A step's cost is the difference of two snapshots, one before the
//! step and one after. The bound: the subject may fetch, read and write at most `ratio`
//! times what the reference did plus a small constant `slack`, and must sync exactly as
//! often (a sync SQLite does not do is a durability cost no ratio excuses).
//!
//! Reads after a fault: a page cache holds what its connection read before, so a cache miss
//! (a read) is comparable only while both sides' caches have seen the same steps. A fault
//! strikes the subject alone, and after an I/O error SQLite's pager discards its whole cache
//! (pager_reset on leaving the error state), as the engine's does; the reference, which never
//! had the error, keeps its own. From then until both sides open their connections again
//! (after a crash) the subject's reads are not judged; its fetches (hits and misses
//! together), writes and syncs still are. Real SQLite against itself shows the need (seed
//! 9681 of the default scenario with cost checked: 51 reads against 2 in one UPDATE, the
//! subject's cache having been emptied by an earlier injected error).

use std::fmt;

use crate::run::lane::Lane;
use crate::run::{FailureClass, Mismatch};
use crate::scenario::OracleSpec;
use crate::target::Target;

/// What one side did during one step (or, as a snapshot, since its connections opened and
/// its world began).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepCost {
    /// Page fetches: `hits + misses`.
    pub fetches: u64,
    /// Fetches served by the page cache.
    pub hits: u64,
    /// Fetches that read the page from the database file.
    pub misses: u64,
    /// Read calls on any file of the world.
    pub reads: u64,
    /// Write calls on any file of the world.
    pub writes: u64,
    /// Sync calls on any file of the world.
    pub syncs: u64,
}

impl StepCost {
    /// The counters of `lane` now: the cache counters of its open connections (a connection
    /// not open yet counts zero, so one opened during a step counts from zero) and its
    /// world's I/O call totals.
    pub fn snapshot<T: Target>(lane: &Lane<'_, T>) -> StepCost {
        let cache = lane.cache_counters();
        let io = lane.world.io_totals();
        StepCost {
            fetches: cache.hits.saturating_add(cache.misses),
            hits: cache.hits,
            misses: cache.misses,
            reads: io.reads,
            writes: io.writes,
            syncs: io.syncs,
        }
    }

    /// The work done between snapshot `before` and this snapshot (counters that went down,
    /// which only a wrapped SQLite counter could do, count zero).
    pub fn since(&self, before: &StepCost) -> StepCost {
        StepCost {
            fetches: self.fetches.saturating_sub(before.fetches),
            hits: self.hits.saturating_sub(before.hits),
            misses: self.misses.saturating_sub(before.misses),
            reads: self.reads.saturating_sub(before.reads),
            writes: self.writes.saturating_sub(before.writes),
            syncs: self.syncs.saturating_sub(before.syncs),
        }
    }
}

impl fmt::Display for StepCost {
    /// One line: `fetches F (hits H, misses M), reads R, writes W, syncs S`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fetches {} (hits {}, misses {}), reads {}, writes {}, syncs {}",
            self.fetches, self.hits, self.misses, self.reads, self.writes, self.syncs
        )
    }
}

/// The most the subject may do where the reference did `reference_count`:
/// `ratio * reference_count + slack`, rounded down, saturating.
fn bound(reference_count: u64, ratio: f64, slack: u64) -> u64 {
    let scaled = (reference_count as f64 * ratio).floor();
    // A float beyond u64's range converts to u64::MAX (`as` saturates; NaN gives 0, but
    // the scenario check keeps the ratio finite and not negative).
    (scaled as u64).saturating_add(slack)
}

/// Each counter of `subject` beyond its bound against `reference`, as one text per counter
/// with both counts and the bound. Syncs must be equal; fetches, reads and writes may each
/// be at most `ratio * reference + slack`. Reads only when `reads` (module documentation).
fn breaches(subject: &StepCost, reference: &StepCost, ratio: f64, slack: u64, reads: bool) -> Vec<String> {
    let mut broken = Vec::new();
    if subject.syncs != reference.syncs {
        broken.push(format!("syncs: subject {} reference {} (must be equal)", subject.syncs, reference.syncs));
    }
    let bounded = [
        ("fetches", subject.fetches, reference.fetches),
        ("reads", if reads { subject.reads } else { 0 }, reference.reads),
        ("writes", subject.writes, reference.writes),
    ];
    for (name, subject_count, reference_count) in bounded {
        let limit = bound(reference_count, ratio, slack);
        if subject_count > limit {
            broken.push(format!(
                "{name}: subject {subject_count} reference {reference_count} (bound {ratio}x + {slack} = {limit})"
            ));
        }
    }
    broken
}

/// Judges one step's cost: `None` when `subject` is within the bound against `reference`,
/// otherwise a message naming every counter that broke it, with both counts and the bound,
/// followed by both sides' whole cost.
pub fn judge(subject: &StepCost, reference: &StepCost, ratio: f64, slack: u64) -> Option<String> {
    let broken = breaches(subject, reference, ratio, slack, true);
    if broken.is_empty() {
        return None;
    }
    Some(format!("{}\n  subject:   {subject}\n  reference: {reference}", broken.join("; ")))
}

/// What of a step's cost can be judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    /// No fault or crash struck either side during the step (nothing is judged otherwise).
    pub quiet: bool,
    /// The two sides' page caches have seen the same steps: reads are judged.
    pub reads: bool,
}

/// The cost check of step `step` (shown as `what`): a failure of class `cost` when the
/// scenario's oracle checks cost (`cost_ratio > 0`), the step is `judged` quiet, and the
/// subject's cost (its reads only where judged) is beyond the bound. The mismatch's sides
/// are both costs; the subject's names the counters over the bound.
pub fn check_step(
    oracle: &OracleSpec,
    judged: Judged,
    step: usize,
    what: &str,
    subject: &StepCost,
    reference: &StepCost,
) -> Option<Mismatch> {
    if !judged.quiet || oracle.cost_ratio <= 0.0 {
        return None;
    }
    let broken = breaches(subject, reference, oracle.cost_ratio, oracle.cost_slack, judged.reads);
    if broken.is_empty() {
        return None;
    }
    Some(Mismatch {
        class: FailureClass::Cost,
        step,
        what: what.to_string(),
        subject: format!("{subject}, over the bound: {}", broken.join("; ")),
        reference: reference.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cost with `fetches` split as all hits, and the given I/O calls.
    fn cost(fetches: u64, reads: u64, writes: u64, syncs: u64) -> StepCost {
        StepCost { fetches, hits: fetches, misses: 0, reads, writes, syncs }
    }

    #[test]
    fn equal_costs_pass() {
        let c = cost(40, 3, 5, 2);
        assert_eq!(judge(&c, &c, 2.0, 8), None);
        let zero = StepCost::default();
        assert_eq!(judge(&zero, &zero, 2.0, 8), None);
    }

    #[test]
    fn an_extra_sync_fails_whatever_the_ratio() {
        let message = judge(&cost(10, 1, 3, 3), &cost(10, 1, 3, 2), 100.0, 1000).expect("a breach");
        assert!(message.contains("syncs: subject 3 reference 2"), "{message}");
        // One sync fewer is a mismatch too.
        assert!(judge(&cost(10, 1, 3, 1), &cost(10, 1, 3, 2), 2.0, 8).is_some());
    }

    #[test]
    fn three_times_the_fetches_fails() {
        let message = judge(&cost(300, 2, 0, 0), &cost(100, 2, 0, 0), 2.0, 8).expect("a breach");
        assert!(message.starts_with("fetches: subject 300 reference 100 (bound 2x + 8 = 208)"), "{message}");
        assert!(!message.contains("reads:"), "{message}");
        assert!(message.contains("subject:   fetches 300"), "{message}");
        assert!(message.contains("reference: fetches 100"), "{message}");
    }

    #[test]
    fn within_slack_passes_and_just_beyond_fails() {
        // 2 * 3 + 8 = 14.
        assert_eq!(judge(&cost(14, 14, 14, 0), &cost(3, 3, 3, 0), 2.0, 8), None);
        let message = judge(&cost(14, 15, 14, 0), &cost(3, 3, 3, 0), 2.0, 8).expect("a breach");
        assert!(message.starts_with("reads: subject 15 reference 3"), "{message}");
        // Work where the reference did none, within the slack.
        assert_eq!(judge(&cost(8, 0, 8, 0), &StepCost::default(), 2.0, 8), None);
    }

    #[test]
    fn check_step_is_off_at_ratio_zero_and_after_faults() {
        let mut oracle = OracleSpec { cost_ratio: 2.0, cost_slack: 8, ..OracleSpec::default() };
        let (subject, reference) = (cost(300, 0, 0, 1), cost(100, 0, 0, 0));
        let all = Judged { quiet: true, reads: true };
        let mismatch = check_step(&oracle, all, 4, "c0 SELECT 1", &subject, &reference).expect("a breach");
        assert_eq!(mismatch.class, FailureClass::Cost);
        assert_eq!(mismatch.step, 4);
        assert!(mismatch.subject.contains("over the bound: syncs: subject 1 reference 0"), "{}", mismatch.subject);
        assert!(mismatch.subject.contains("fetches: subject 300 reference 100"), "{}", mismatch.subject);
        let faulted = Judged { quiet: false, reads: true };
        assert!(check_step(&oracle, faulted, 4, "c0 SELECT 1", &subject, &reference).is_none());
        oracle.cost_ratio = 0.0;
        assert!(check_step(&oracle, all, 4, "c0 SELECT 1", &subject, &reference).is_none());
    }

    #[test]
    fn reads_are_not_judged_where_the_caches_differ() {
        let oracle = OracleSpec { cost_ratio: 2.0, cost_slack: 8, ..OracleSpec::default() };
        // A cold cache: every fetch a miss, where the reference hit every one.
        let subject = StepCost { fetches: 12, hits: 2, misses: 10, reads: 10, writes: 16, syncs: 0 };
        let reference = StepCost { fetches: 12, hits: 12, misses: 0, reads: 0, writes: 16, syncs: 0 };
        let all = Judged { quiet: true, reads: true };
        let mismatch = check_step(&oracle, all, 7, "c0 INSERT", &subject, &reference).expect("a breach");
        assert!(mismatch.subject.contains("reads: subject 10 reference 0"), "{}", mismatch.subject);
        let no_reads = Judged { quiet: true, reads: false };
        assert!(check_step(&oracle, no_reads, 7, "c0 INSERT", &subject, &reference).is_none());
        // The other counters still are.
        let more = StepCost { fetches: 40, ..subject };
        let mismatch = check_step(&oracle, no_reads, 7, "c0 INSERT", &more, &reference).expect("a breach");
        assert!(mismatch.subject.contains("fetches: subject 40 reference 12"), "{}", mismatch.subject);
        assert!(!mismatch.subject.contains("over the bound: reads"), "{}", mismatch.subject);
    }

    #[test]
    fn since_subtracts_and_never_wraps() {
        let before = StepCost { fetches: 10, hits: 7, misses: 3, reads: 4, writes: 5, syncs: 6 };
        let after = StepCost { fetches: 15, hits: 9, misses: 6, reads: 4, writes: 8, syncs: 6 };
        assert_eq!(after.since(&before), StepCost { fetches: 5, hits: 2, misses: 3, reads: 0, writes: 3, syncs: 0 });
        assert_eq!(before.since(&after).fetches, 0);
    }
}
