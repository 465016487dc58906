//! The file comparator: two database images (the engine's, `a`, and the reference's, `b`,
//! after the same logical operations) compared at the highest level that holds. Each level
//! includes the ones below it:
//!
//! - L0 [`logical`]: real SQLite's `integrity_check` is "ok" on `a`; same schema, rows and
//!   index entries;
//! - L1 [`shape`]: same page count; every page number holds the same kind of page with the
//!   same keys, children and freelist entries;
//! - L2 [`allocated`]: every page's allocated bytes equal (database header masked by rule);
//! - L3: byte-identical files.
//!
//! L1 and L2 are per page ([`compare_pages`]), so that a caller can check only the pages
//! written since the last comparison; [`compare_images`] checks every page and adds L0 and L3.

pub mod allocated;
pub mod logical;
pub mod shape;

use std::fmt;

use similar::TextDiff;

use crate::pages::{DbImage, Image, render_page};

/// The comparison levels, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Same logical content, and `a` passes integrity_check.
    L0,
    /// Same page kinds, keys, tree shape and freelist.
    L1,
    /// Same allocated bytes on every page.
    L2,
    /// Byte-identical files.
    L3,
}

/// The most page diffs rendered in a comparison.
pub const MAX_PAGE_DIFFS: usize = 4;

/// One page that breaks a level, with a readable diff of the two decoded pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageDiff {
    pub pgno: u32,
    /// The lowest level this page breaks (it holds at the level below, if any).
    pub breaks: Level,
    /// What differs first, in a few words.
    pub reason: String,
    /// Unified diff of the two renderings (`a` then `b`).
    pub diff: String,
}

/// The result of comparing a set of pages at L1 and L2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagesComparison {
    /// Some(L2) or Some(L1) when every page checked holds at that level; None when some page
    /// differs in kind or keys. Says nothing about L0 (integrity, content of rows).
    pub level: Option<Level>,
    pub pages_checked: u32,
    /// Every differing page with the level it breaks, in the order checked.
    pub differing: Vec<(u32, Level)>,
    /// Diffs of the first [`MAX_PAGE_DIFFS`] pages that break the lowest broken level.
    pub first_differences: Vec<PageDiff>,
}

/// Compares pages `pages` of `a` and `b` at L1 and L2. Pages outside one file differ at L1.
/// Cost: two page decodes per page (plus index keys' overflow chains), and renderings for at
/// most [`MAX_PAGE_DIFFS`] pages.
pub fn compare_pages(a: &DbImage<'_>, b: &DbImage<'_>, pages: impl IntoIterator<Item = u32>) -> PagesComparison {
    let mut differing = Vec::new();
    let mut reasons = Vec::new();
    let mut pages_checked = 0u32;
    for pgno in pages {
        pages_checked += 1;
        let (shape_a, shape_b) = (shape::page_shape(a, pgno), shape::page_shape(b, pgno));
        let failure = match shape::shape_difference(&shape_a, &shape_b) {
            Some(reason) => Some((Level::L1, reason)),
            None => allocated::compare_allocated(a, b, pgno).err().map(|reason| (Level::L2, reason)),
        };
        if let Some((breaks, reason)) = failure {
            differing.push((pgno, breaks));
            reasons.push(reason);
        }
    }
    let lowest_broken = differing.iter().map(|&(_, level)| level).min();
    let first_differences = differing
        .iter()
        .zip(reasons)
        .filter(|((_, level), _)| Some(*level) == lowest_broken)
        .take(MAX_PAGE_DIFFS)
        .map(|(&(pgno, breaks), reason)| PageDiff { pgno, breaks, reason, diff: page_diff(a, b, pgno) })
        .collect();
    let level = match lowest_broken {
        None => Some(Level::L2),
        Some(Level::L2) => Some(Level::L1),
        Some(_) => None,
    };
    PagesComparison { level, pages_checked, differing, first_differences }
}

/// Unified diff of the renderings of page `pgno` in `a` and `b`.
fn page_diff(a: &DbImage<'_>, b: &DbImage<'_>, pgno: u32) -> String {
    let (text_a, text_b) = (render_page(a, pgno), render_page(b, pgno));
    if text_a == text_b {
        return "(the renderings are equal: the difference is in bytes they do not show)\n".to_string();
    }
    TextDiff::from_lines(&text_a, &text_b)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a page {pgno}"), &format!("b page {pgno}"))
        .to_string()
}

/// The result of comparing two whole images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The highest level that holds; None when even L0 fails (content differs or `a` fails
    /// integrity_check).
    pub level: Option<Level>,
    /// Page counts of `a` and `b` (0 when the image does not decode).
    pub page_counts: [u32; 2],
    /// L1/L2 over every page; None when an image does not decode.
    pub pages: Option<PagesComparison>,
    /// Why an image does not decode.
    pub decode_errors: Vec<String>,
    /// Why L0 fails (empty when it holds or was not needed: identical files).
    pub logical: Vec<String>,
}

impl Comparison {
    /// Diffs of the first pages that break the level above the result (empty when the page
    /// comparison did not run or found nothing).
    pub fn first_differences(&self) -> &[PageDiff] {
        self.pages.as_ref().map_or(&[], |p| p.first_differences.as_slice())
    }
}

/// Compares images `a` (engine) and `b` (reference) and reports the highest level that holds.
///
/// L3 is a byte comparison. Otherwise both images are walked and every page compared at
/// L1/L2 ([`compare_pages`]); then real SQLite runs integrity_check on `a`, and unless L2 holds
/// (which implies equal content) compares schema, rows and index entries. Never panics on
/// corrupt images.
pub fn compare_images(a: &[u8], b: &[u8]) -> Comparison {
    if a == b {
        let pages = Image::new(a).map_or(0, |image| image.page_count());
        return Comparison {
            level: Some(Level::L3),
            page_counts: [pages, pages],
            pages: None,
            decode_errors: Vec::new(),
            logical: Vec::new(),
        };
    }
    let mut decode_errors = Vec::new();
    let mut open = |bytes, side| DbImage::open(bytes).map_err(|p| decode_errors.push(format!("{side}: {p}"))).ok();
    let (db_a, db_b) = (open(a, "a"), open(b, "b"));
    let page_counts = [&db_a, &db_b].map(|d| d.as_ref().map_or(0, |d| d.image.page_count()));
    let pages = match (&db_a, &db_b) {
        (Some(db_a), Some(db_b)) => Some(compare_pages(db_a, db_b, 1..=page_counts[0].max(page_counts[1]))),
        _ => None,
    };
    let physical = pages.as_ref().and_then(|p| p.level);
    let logical = logical::check_logical(a, b, physical != Some(Level::L2));
    let level = if !logical.is_empty() { None } else { Some(physical.unwrap_or(Level::L0)) };
    Comparison { level, page_counts, pages, decode_errors, logical }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl fmt::Display for PageDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "page {} breaks {}: {}", self.pgno, self.breaks, self.reason)?;
        f.write_str(&self.diff)
    }
}

impl fmt::Display for PagesComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LISTED: usize = 20;
        match self.level {
            Some(level) => write!(f, "pages at {level}")?,
            None => write!(f, "pages differ below L1")?,
        }
        writeln!(f, " ({} pages checked)", self.pages_checked)?;
        if !self.differing.is_empty() {
            let listed: Vec<String> =
                self.differing.iter().take(LISTED).map(|(pgno, level)| format!("{pgno} ({level})")).collect();
            let more = if self.differing.len() > LISTED { ", ..." } else { "" };
            let count = match self.differing.len() {
                1 => "1 page differs".to_string(),
                n => format!("{n} pages differ"),
            };
            writeln!(f, "{count}: {}{more}", listed.join(", "))?;
        }
        for diff in &self.first_differences {
            write!(f, "{diff}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.level.map_or("none".to_string(), |l| l.to_string());
        writeln!(f, "level {level} (a: {} pages, b: {} pages)", self.page_counts[0], self.page_counts[1])?;
        for e in &self.decode_errors {
            writeln!(f, "cannot decode {e}")?;
        }
        if let Some(pages) = &self.pages {
            write!(f, "{pages}")?;
        }
        for l in &self.logical {
            writeln!(f, "L0: {l}")?;
        }
        Ok(())
    }
}
