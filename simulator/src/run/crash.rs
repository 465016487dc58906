//! The crash checks: what the subject's disk recovers to after a power loss.
//!
//! The reference never crashes. Before the step a crash strikes in, the run copies the
//! reference's files (`before`); after the reference ran that step, again (`after`). Each
//! copy, opened by real SQLite in a world of its own, recovers to the content committed at
//! that moment: `before` to the last commit acknowledged before the crash, `after` to the
//! commit in flight if the step was one (else the same content). The workload runs at
//! `synchronous = FULL` in journal mode DELETE, where SQLite promises exactly that: after
//! power loss the database holds one of these two states.
//!
//! The subject's crashed image (database and hot journal, as the disk settled) is copied
//! twice and recovered once by the engine and once by real SQLite, whichever the subject
//! is: so with the engine as subject the engine's images are recovered by both, and in a
//! calibration run SQLite's own crashed images are. Checks, in this order, each with its
//! class:
//!
//! 0. `hang`: the engine's read of its recovery ran past the step budget (each statement of
//!    the read gets the budget a step of the run gets: a recovered image the engine loops
//!    on ends the run instead of growing the read without end);
//! 1. `cross-recovery`: the two recoveries reach the same content (a recovery bug);
//! 2. `crash-integrity`: the recovered database reads, and real SQLite's integrity_check
//!    passes on the copy the engine recovered;
//! 3. `crash-durability`: the content is the `before` or the `after` state (a write-path bug:
//!    a missing sync, a journal that cannot undo what reached the database).
//!
//! Which of the two states the subject kept decides the reference's state from then on
//! ([`Recovered`]): the run puts `before` back into the reference world, or keeps `after`.

use super::FailureClass;
use super::content::{self, ContentResult, Snapshot};
use crate::target::engine::EngineTarget;
use crate::target::sqlite::SqliteTarget;
use crate::workload::WorldConfig;
use crate::world::DiskModel;

/// Which allowed state the subject's disk recovered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovered {
    /// The last commit acknowledged before the crash.
    Before,
    /// The commit in flight when the crash struck (or the same state, if none was).
    After,
}

/// A crash check that failed: its class and the report.
#[derive(Clone, Debug)]
pub struct CrashFailure {
    pub class: FailureClass,
    pub message: String,
}

/// What the crash checks found: trace lines, and the verdict.
pub struct CrashReport {
    pub lines: Vec<String>,
    pub verdict: Result<Recovered, CrashFailure>,
}

/// Judges the subject's crashed `image` against the reference's `before` and `after`
/// copies (see the module doc); the engine's statements each run within `budget` VM
/// instructions (the plan's `step_op_budget`). Reads only copies: the run's worlds are
/// left alone.
pub fn judge(
    image: &Snapshot,
    before: &Snapshot,
    after: &Snapshot,
    config: &WorldConfig,
    disk: DiskModel,
    budget: u64,
) -> CrashReport {
    let mut lines = Vec::new();
    let engine_world = image.world(config.sim_seed, disk);
    let by_engine = content::read_fresh(&EngineTarget, &engine_world, config, budget);
    let by_sqlite = content::recovered(&SqliteTarget, image, config, disk, content::UNBOUNDED);
    lines.push(format!(
        "  recovered ({} bytes on disk): by engine {} by sqlite {}",
        image.len_bytes(),
        content::show(&by_engine),
        content::show(&by_sqlite)
    ));
    let fail = |class, message| Err(CrashFailure { class, message });
    if content::interrupted(&by_engine) {
        let message = format!(
            "reading the engine's recovery of the crashed image ran past the step budget ({budget} VM instructions per statement)"
        );
        return CrashReport { lines, verdict: fail(FailureClass::Hang, message) };
    }
    if hash(&by_engine) != hash(&by_sqlite) {
        let message = format!(
            "the crashed image recovers differently (- engine, + sqlite):\n{}",
            content::diff(&by_engine, &by_sqlite)
        );
        return CrashReport { lines, verdict: fail(FailureClass::CrossRecovery, message) };
    }
    let recovered = match by_engine {
        Ok(content) => content,
        Err(failure) => {
            let message = format!("the recovered database cannot be read: {} {:?}", failure.code, failure.message);
            return CrashReport { lines, verdict: fail(FailureClass::CrashIntegrity, message) };
        }
    };
    match content::integrity_check(&SqliteTarget, &engine_world, config) {
        Ok(rows) if rows == ["ok"] => {}
        Ok(rows) => {
            let message = format!("integrity_check after recovery:\n{}", rows.join("\n"));
            return CrashReport { lines, verdict: fail(FailureClass::CrashIntegrity, message) };
        }
        Err(failure) => {
            let message = format!("integrity_check after recovery failed: {} {:?}", failure.code, failure.message);
            return CrashReport { lines, verdict: fail(FailureClass::CrashIntegrity, message) };
        }
    }
    let allowed_before = content::recovered(&SqliteTarget, before, config, disk, content::UNBOUNDED);
    let allowed_after = content::recovered(&SqliteTarget, after, config, disk, content::UNBOUNDED);
    lines.push(format!("  allowed: before {} after {}", content::show(&allowed_before), content::show(&allowed_after)));
    let got = Ok(recovered);
    let verdict = if hash(&got) == hash(&allowed_after) {
        Ok(Recovered::After)
    } else if hash(&got) == hash(&allowed_before) {
        Ok(Recovered::Before)
    } else {
        let message = format!(
            "after the crash the database holds neither the last acknowledged commit nor the one \
             in flight (synchronous = FULL).\nagainst the commit in flight (- recovered, + allowed):\n{}\n\
             against the last acknowledged commit:\n{}",
            content::diff(&got, &allowed_after),
            content::diff(&got, &allowed_before)
        );
        fail(FailureClass::CrashDurability, message)
    };
    CrashReport { lines, verdict }
}

/// The content's hash, or the error, for comparisons that ignore the text.
fn hash(content: &ContentResult) -> Result<u64, &crate::target::Failure> {
    content.as_ref().map(|c| c.hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use crate::world::SimVfs;

    fn disk() -> DiskModel {
        DiskModel::plain_4k()
    }

    /// A committed image of `rows` rows, written by real SQLite.
    fn image_with_rows(rows: u32, config: &WorldConfig) -> Snapshot {
        let world = SimVfs::new(1, disk());
        let target = SqliteTarget;
        let conn = target.open(&world, config).unwrap();
        let fill = format!(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) \
             INSERT INTO t SELECT x, x * 7 FROM n"
        );
        for sql in ["CREATE TABLE t(a, b)", fill.as_str()] {
            let mut stmt = target.prepare(&conn, sql).unwrap();
            while target.step(&mut stmt).unwrap().is_some() {}
        }
        Snapshot::of(&world)
    }

    #[test]
    fn the_engines_read_of_a_recovery_gets_the_step_budget() {
        let config = WorldConfig { page_size_bytes: 4096, ..WorldConfig::default() };
        let image = image_with_rows(3000, &config);
        // A budget the read of 3,000 rows overruns: the engine's read is interrupted, and
        // the crash check reports the run as a hang instead of reading without end.
        let report = judge(&image, &image, &image, &config, disk(), 1000);
        match report.verdict {
            Err(failure) => assert_eq!(failure.class, FailureClass::Hang, "{}", failure.message),
            Ok(kept) => panic!("a read past its budget was judged {kept:?}"),
        }
        // With the default budget the same image recovers to the state it holds.
        let report = judge(&image, &image, &image, &config, disk(), 10_000_000);
        assert_eq!(report.verdict.map_err(|f| f.message).unwrap(), Recovered::After);
    }
}
