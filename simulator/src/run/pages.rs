//! The page check of a run (DESIGN.md, the oracle's third check): after each commit, the
//! subject's and the reference's database files compared page by page, at the highest of
//! the levels L3 (identical bytes), L2 (allocated bytes), L1 (page kinds, keys, tree shape,
//! freelist) and L0 (real SQLite's integrity_check passes on the subject's file, same
//! content) that holds; a drop below the level the scenario requires
//! ([`crate::scenario::OracleSpec::page_level`]) is a failure of class `page`, shown as a
//! diff of the decoded pages.
//!
//! When: after a step where neither world is inside a write transaction. In rollback-journal
//! mode DELETE (the workload never changes `journal_mode`) a write transaction has a
//! non-empty journal from its first changed page until the commit deletes it, and the
//! database file changes only while the journal exists (cache spills, the commit's writes);
//! so "no journal with content on either world" marks a committed state on both. Both
//! engines must be there at once: the engine may commit later than SQLite (an autocommit
//! write waits for the connection's readers), and the pages written meanwhile wait too.
//!
//! What: only the pages written since the last comparison, on either side (the worlds'
//! written ranges, [`SimVfs::take_written_ranges`]), so the cost follows the work: a step
//! that wrote nothing compares nothing. Written pages are first compared as bytes (L3); only
//! when some differ are both files decoded ([`DbImage::open`] walks the whole file, once)
//! and the written pages compared at L1/L2 by the oracle ([`compare_pages`]). A page written
//! on one side only (a file grown or truncated on one side) is compared like any other. The
//! level held is the lowest any comparison found.
//!
//! L0 is judged at the end of the run ([`PageCheck::at_end`]), on copies of the files in
//! fresh worlds: real SQLite's integrity_check on the subject's, and (when the pages held
//! less than L2, which implies equal content) the content of both compared.
//!
//! The check stops, without a verdict on what follows, at the first fault or crash on
//! either world: after one, the files may differ legitimately (issue 5's fault and crash
//! checks judge them).

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

use similar::TextDiff;
use touchstone_engine::format::header::{HEADER_SIZE, MAGIC, decode_page_size, get_u16};
use touchstone_oracle::compare::{Level, MAX_PAGE_DIFFS, compare_pages};
use touchstone_oracle::pages::{DbImage, render_page};

use super::content::{self, Snapshot};
use super::{FailureClass, Mismatch, RunState};
use crate::target::DB_PATH;
use crate::target::sqlite::SqliteTarget;
use crate::workload::WorldConfig;
use crate::world::SimVfs;

/// The rollback journal of [`DB_PATH`].
pub const JOURNAL_PATH: &str = "/sim.db-journal";

/// The most integrity_check messages a failure quotes.
const MAX_INTEGRITY_MESSAGES: usize = 8;

/// The level for a scenario's `page_level` (0 to 3; larger values mean L3).
pub fn level_of(required: u8) -> Level {
    match required {
        0 => Level::L0,
        1 => Level::L1,
        2 => Level::L2,
        _ => Level::L3,
    }
}

/// A level's number (L0 → 0 ... L3 → 3).
pub fn level_number(level: Level) -> u8 {
    match level {
        Level::L0 => 0,
        Level::L1 => 1,
        Level::L2 => 2,
        Level::L3 => 3,
    }
}

/// A drop below the required level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageFailure {
    pub required: Level,
    /// What held instead: "L2", "L1", "below L1" or "below L0".
    pub held: String,
    /// What differs: the oracle's comparison with the decoded diffs of the first differing
    /// pages, or integrity_check's messages, or the content digests.
    pub text: String,
}

impl fmt::Display for PageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "pages at {}, the scenario requires {}", self.held, self.required)?;
        f.write_str(&self.text)
    }
}

/// The page check of one run.
#[derive(Clone, Debug)]
pub struct PageCheck {
    required: Level,
    /// The lowest level the page comparisons found (L3 until one finds less); `None` when
    /// pages differed below L1 (then at most L0 holds, which [`PageCheck::at_end`] judges).
    physical: Option<Level>,
    /// The end-of-run L0 verdict, once judged.
    l0_holds: Option<bool>,
    /// Comparisons made (committed states with pages written on either side).
    comparisons: u64,
    /// Pages compared over all comparisons.
    pages_compared: u64,
    /// The step after which a fault or crash stopped the check.
    stopped_at_step: Option<usize>,
    /// True once a failure was returned: nothing more is checked.
    failed: bool,
}

impl PageCheck {
    /// A check requiring level `required` (0 to 3, see [`level_of`]); nothing compared yet.
    pub fn new(required: u8) -> PageCheck {
        PageCheck {
            required: level_of(required),
            physical: Some(Level::L3),
            l0_holds: None,
            comparisons: 0,
            pages_compared: 0,
            stopped_at_step: None,
            failed: false,
        }
    }

    /// The level held so far: 3 to 0, or `None` below L0 (integrity_check or content failed
    /// at the end). Pages that differed below L1 give 0 until the end judges L0.
    pub fn level_held(&self) -> Option<u8> {
        match (self.l0_holds, self.physical) {
            (Some(false), _) => None,
            (_, Some(level)) => Some(level_number(level)),
            (_, None) => Some(0),
        }
    }

    /// The level to report for the run: [`PageCheck::level_held`] when anything was compared
    /// (a committed state, or L0 at the end), else `None`.
    pub fn reported_level(&self) -> Option<u8> {
        if self.comparisons == 0 && self.l0_holds.is_none() { None } else { self.level_held() }
    }

    /// Committed states compared, and pages compared over them.
    pub fn work(&self) -> (u64, u64) {
        (self.comparisons, self.pages_compared)
    }

    /// The step after which a fault or crash stopped the check, if one did.
    pub fn stopped_at_step(&self) -> Option<usize> {
        self.stopped_at_step
    }

    /// After step `step` ran on both worlds: compares the pages written since the last
    /// comparison when both worlds are at a committed state (see the module doc), lowers
    /// the level held to what holds, and returns a failure when it drops below the required
    /// level. Does nothing once stopped (a fault or crash, recorded at its step) or failed.
    pub fn after_step(&mut self, step: usize, subject: &SimVfs, reference: &SimVfs) -> Option<PageFailure> {
        if self.failed || self.stopped_at_step.is_some() {
            return None;
        }
        if [subject, reference].iter().any(|world| world.fault_counts().total() > 0) {
            self.stopped_at_step = Some(step);
            return None;
        }
        if in_write_transaction(subject) || in_write_transaction(reference) {
            return None;
        }
        let written = [subject.take_written_ranges(DB_PATH), reference.take_written_ranges(DB_PATH)];
        if written.iter().all(Vec::is_empty) {
            return None;
        }
        self.comparisons += 1;
        let (level, text) = self.compare_written(subject, reference, &written);
        self.lower(level, text)
    }

    /// At the end of a run that was compared throughout (no failure, not stopped): judges
    /// L0 on copies of the files (hot journals included, so an unfinished transaction is
    /// rolled back as SQLite would on opening). Returns a failure when L0 does not hold.
    pub fn at_end(&mut self, subject: &SimVfs, reference: &SimVfs, config: &WorldConfig) -> Option<PageFailure> {
        if self.failed || self.stopped_at_step.is_some() {
            return None;
        }
        let copy = |world: &SimVfs| Snapshot::of(world).world(config.sim_seed, world.disk_model());
        let copy_subject = copy(subject);
        let mut problems = integrity_problems(&copy_subject, config);
        if problems.is_empty() && self.physical < Some(Level::L2) {
            let digest =
                |world: &SimVfs| content::read_fresh(&SqliteTarget, world, config, content::UNBOUNDED).map(|c| c.hash);
            let (a, b) = (digest(&copy_subject), digest(&copy(reference)));
            if a != b {
                problems.push(format!("the content differs: subject {a:x?}, reference {b:x?}"));
            }
        }
        self.l0_holds = Some(problems.is_empty());
        if problems.is_empty() {
            return None;
        }
        self.failed = true;
        Some(PageFailure { required: self.required, held: "below L0".to_string(), text: problems.join("\n") + "\n" })
    }

    /// Compares the pages of `written` (byte ranges of the subject's and the reference's
    /// database file) and returns the level they hold, with the comparison's text when
    /// less than L3.
    fn compare_written(
        &mut self,
        subject: &SimVfs,
        reference: &SimVfs,
        written: &[Vec<Range<u64>>; 2],
    ) -> (Option<Level>, String) {
        let lens = [subject, reference].map(|world| world.file_len(DB_PATH).unwrap_or(0));
        let page_size = page_size_bytes(reference).or_else(|| page_size_bytes(subject));
        let Some(page_size) = page_size else {
            // Neither file has a database header yet: only identical bytes are equal.
            let same = subject.file_bytes(DB_PATH) == reference.file_bytes(DB_PATH);
            let text =
                format!("no database header on either side; files of {} and {} bytes differ\n", lens[0], lens[1]);
            return if same { (Some(Level::L3), String::new()) } else { (None, text) };
        };
        let pages = written_pages(written, page_size, lens[0].max(lens[1]));
        self.pages_compared += pages.len() as u64;
        let same_bytes = lens[0] == lens[1]
            && pages.iter().all(|&pgno| {
                let range = page_range(pgno, page_size);
                subject.file_range(DB_PATH, range.clone()) == reference.file_range(DB_PATH, range)
            });
        if same_bytes {
            return (Some(Level::L3), String::new());
        }
        let (bytes_a, bytes_b) =
            (subject.file_bytes(DB_PATH).unwrap_or_default(), reference.file_bytes(DB_PATH).unwrap_or_default());
        let (image_a, image_b) = match (DbImage::open(&bytes_a), DbImage::open(&bytes_b)) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let mut text = String::new();
                for (side, result) in [("subject", a.err()), ("reference", b.err())] {
                    if let Some(problem) = result {
                        text.push_str(&format!("cannot decode the {side}'s file: {problem}\n"));
                    }
                }
                return (None, text);
            }
        };
        let comparison = compare_pages(&image_a, &image_b, pages.iter().copied());
        // The oracle says L2 at best: the bytes differ, so L3 does not hold.
        let mut text = format!(
            "subject (a) {} bytes, reference (b) {} bytes; pages written since the last comparison: {}\n{comparison}",
            lens[0],
            lens[1],
            show_pages(&pages)
        );
        if comparison.level == Some(Level::L2) {
            text.push_str(&byte_differences(&image_a, &image_b, &pages));
        }
        (comparison.level, text)
    }

    /// Lowers the level held to `level` (`None`: below L1) and returns a failure, with
    /// `text`, when it falls below the required level.
    fn lower(&mut self, level: Option<Level>, text: String) -> Option<PageFailure> {
        self.physical = self.physical.min(level);
        let holds = match self.physical {
            Some(held) => held >= self.required,
            // Below L1 may still be L0, judged at the end.
            None => self.required == Level::L0,
        };
        if holds {
            return None;
        }
        self.failed = true;
        let held = self.physical.map_or("below L1".to_string(), |level| level.to_string());
        Some(PageFailure { required: self.required, held, text })
    }
}

/// True when the world's journal has content: a write transaction is open (or a hot journal
/// awaits recovery).
fn in_write_transaction(world: &SimVfs) -> bool {
    world.file_len(JOURNAL_PATH).is_some_and(|len_bytes| len_bytes > 0)
}

/// The page size in the database header of the world's database file, when it has a
/// header with the magic string and a valid page size.
fn page_size_bytes(world: &SimVfs) -> Option<u32> {
    let header = world.file_range(DB_PATH, 0..HEADER_SIZE as u64)?;
    if header.len() < HEADER_SIZE || &header[..MAGIC.len()] != MAGIC {
        return None;
    }
    decode_page_size(get_u16(&header, 16))
}

/// The byte range of page `pgno` (1-based).
fn page_range(pgno: u32, page_size_bytes: u32) -> Range<u64> {
    let start = u64::from(pgno - 1) * u64::from(page_size_bytes);
    start..start + u64::from(page_size_bytes)
}

/// The pages (1-based) touching any written byte, up to the page holding the last byte of
/// the longer file (pages past both ends were truncated on both sides: nothing to compare).
fn written_pages(written: &[Vec<Range<u64>>; 2], page_size_bytes: u32, max_len_bytes: u64) -> BTreeSet<u32> {
    let size = u64::from(page_size_bytes);
    let last_page = max_len_bytes.div_ceil(size);
    let mut pages = BTreeSet::new();
    for range in written.iter().flatten().filter(|range| range.start < range.end) {
        let first = range.start / size + 1;
        let last = ((range.end - 1) / size + 1).min(last_page);
        for pgno in first..=last {
            if let Ok(pgno) = u32::try_from(pgno) {
                pages.insert(pgno);
            }
        }
    }
    pages
}

/// Where the bytes of `pages` differ when the oracle found every page equal at L2: per page
/// (the first [`MAX_PAGE_DIFFS`]), the differing offsets and the decoded pages side by side
/// when their renderings differ.
fn byte_differences(a: &DbImage<'_>, b: &DbImage<'_>, pages: &BTreeSet<u32>) -> String {
    let mut out = String::new();
    let differing = pages.iter().filter_map(|&pgno| {
        let (page_a, page_b) = (a.image.page(pgno).unwrap_or_default(), b.image.page(pgno).unwrap_or_default());
        let offsets: Vec<usize> =
            (0..page_a.len().max(page_b.len())).filter(|&i| page_a.get(i) != page_b.get(i)).collect();
        (!offsets.is_empty()).then_some((pgno, page_a, page_b, offsets))
    });
    for (pgno, page_a, page_b, offsets) in differing.take(MAX_PAGE_DIFFS) {
        let first = offsets[0];
        let byte = |page: &[u8]| page.get(first).map_or("none".to_string(), |v| format!("{v:02x}"));
        out.push_str(&format!(
            "page {pgno}: {} bytes differ in offsets {}..={} (first at {first}: {} vs {}), outside what L2 compares\n",
            offsets.len(),
            first,
            offsets[offsets.len() - 1],
            byte(page_a),
            byte(page_b)
        ));
        let (text_a, text_b) = (render_page(a, pgno), render_page(b, pgno));
        if text_a != text_b {
            let diff = TextDiff::from_lines(&text_a, &text_b);
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(2)
                    .header(&format!("a page {pgno}"), &format!("b page {pgno}"))
                    .to_string(),
            );
        }
    }
    out
}

/// Page numbers as compact text: "1, 3-7, 12".
fn show_pages(pages: &BTreeSet<u32>) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &pgno in pages {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(pgno) => *end = pgno,
            _ => runs.push((pgno, pgno)),
        }
    }
    let shown: Vec<String> =
        runs.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
    shown.join(", ")
}

/// Real SQLite's `PRAGMA integrity_check` on the world's database: its messages unless it
/// says just "ok", or why it could not run.
fn integrity_problems(world: &SimVfs, config: &WorldConfig) -> Vec<String> {
    match content::integrity_check(&SqliteTarget, world, config) {
        Err(failure) => vec![format!("integrity_check on the subject's file fails: {}", failure.message)],
        Ok(rows) if rows == ["ok"] => Vec::new(),
        Ok(rows) => {
            let mut out: Vec<String> = rows
                .iter()
                .take(MAX_INTEGRITY_MESSAGES)
                .map(|row| format!("integrity_check on the subject's file: {row}"))
                .collect();
            if rows.len() > MAX_INTEGRITY_MESSAGES {
                out.push(format!("... {} messages in all", rows.len()));
            }
            out
        }
    }
}

impl RunState<'_> {
    /// The page check after step `index`, if the plan asks for one: on a failure, records
    /// it (class `page`) and returns true (the run stops comparing).
    pub(super) fn check_pages(&mut self, index: usize, subject: &SimVfs, reference: &SimVfs) -> bool {
        let Some(failure) = self.pages.as_mut().and_then(|check| check.after_step(index, subject, reference)) else {
            return false;
        };
        let what = super::describe(&self.plan.steps[index]);
        self.fail_pages(index, what, failure);
        true
    }

    /// The page check's end-of-run verdict (L0), if the plan asks for a page check and the
    /// run ended without a failure or an early stop.
    pub(super) fn check_pages_at_end(&mut self, worlds: &[SimVfs; 2]) {
        if self.failure.is_some() || self.unchecked.is_some() {
            return;
        }
        let config = &self.plan.world;
        if let Some(failure) = self.pages.as_mut().and_then(|check| check.at_end(&worlds[0], &worlds[1], config)) {
            self.fail_pages(self.plan.steps.len(), "the end of the run (L0)".to_string(), failure);
        }
    }

    /// Records a page failure at step `index`: the comparison goes into the trace and the
    /// mismatch (the subject's side holds the diff, the reference's the requirement).
    fn fail_pages(&mut self, index: usize, what: String, failure: PageFailure) {
        for line in failure.to_string().lines() {
            self.trace.line(format!("  pages: {line}"));
        }
        let reference = format!("pages at {} or above", failure.required);
        self.failure =
            Some(Mismatch { class: FailureClass::Page, step: index, what, subject: failure.to_string(), reference });
    }
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;
