//! `PRAGMA integrity_check` at the b-tree level: SQLite's sqlite3BtreeIntegrityCheck,
//! checkList, checkRef and checkPtrmap (btree.c, 3.54). The page-by-page part, checkTreePage,
//! is in `integrity_page.rs`.
//!
//! Given the root pages of every tree (sqlite_schema's page 1 among them), the check walks
//! the freelist and then every tree, and reports, in SQLite's words and SQLite's order:
//!
//! - pages referenced twice ("2nd reference to page N") or out of range ("invalid page
//!   number N"), and pages referenced by nothing ("Page N: never used");
//! - freelist trunks with too many leaves and a page count that disagrees with the header;
//! - every defect checkTreePage finds on a b-tree page (see `integrity_page.rs`);
//! - on files whose header says auto-vacuum, pointer-map entries that disagree.
//!
//! Each message carries the prefix SQLite gives it: `Freelist: `, `Tree R page P: ` or
//! `Tree R page P cell C: ` (R the tree's root, P the page, C the cell), formatted from the
//! same three registers SQLite uses (its v0, v1, v2), which a nested page inherits from its
//! parent until it sets its own. At most `max_errors` messages are produced; the check stops
//! early when the limit is reached, as SQLite's does.
//!
//! Bounds on corrupt input: a bitmap of one bit per page marks the pages seen, so each page
//! is entered at most once and every list walk ends; recursion follows tree depth and stops
//! at SQLite's limit of 20 levels; no allocation is sized by a field of the file except the
//! per-page buffers (one page each).

use super::{Btree, Geometry};
use crate::error::Result;
use crate::format::header::{get_u32, offset};
use crate::pager::{BitSet, Pgno};

/// What the b-tree check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// The messages, in the order SQLite produces them, each with its prefix.
    pub messages: Vec<String>,
    /// For each root given, the entries SQLite counts while checking its tree (every cell of
    /// an index tree, the leaf cells of a table tree); None for a root the check did not reach
    /// because the error limit was hit first.
    pub counts: Vec<Option<i64>>,
}

/// Pointer-map entry types (PTRMAP_*).
pub(super) mod ptrmap {
    pub const ROOTPAGE: u8 = 1;
    pub const FREEPAGE: u8 = 2;
    pub const OVERFLOW1: u8 = 3;
    pub const OVERFLOW2: u8 = 4;
    pub const BTREE: u8 = 5;
}

/// The prefix of the next message (SQLite's zPfx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prefix {
    None,
    Freelist,
    /// `Tree %u page %u: ` from v0, v1.
    Page,
    /// `Tree %u page %u cell %u: ` from v0, v1, v2.
    Cell,
    /// `Tree %u page %u right child: ` from v0, v1.
    RightChild,
}

/// The state of one check (SQLite's IntegrityCk).
pub(super) struct Checker<'a> {
    pub bt: &'a mut Btree,
    pub geo: Geometry,
    /// Pages in the database (nCkPage).
    pub n_pages: Pgno,
    /// Pages referenced so far (aPgRef).
    referenced: BitSet,
    /// Messages still allowed (mxErr).
    pub max_err: usize,
    pub messages: Vec<String>,
    pub prefix: Prefix,
    /// The prefix registers: the tree's root, the page, the cell.
    pub v0: u32,
    pub v1: u32,
    pub v2: u32,
    /// Pages on the path from the root to the page being checked (nAbove).
    pub n_above: usize,
    /// Entries counted in the current tree (nRow).
    pub n_row: i64,
    /// The header says auto-vacuum (largest root page nonzero): pointer maps are checked.
    pub auto_vacuum: bool,
}

impl Btree {
    /// Checks the trees rooted at `roots` and the freelist (sqlite3BtreeIntegrityCheck),
    /// reporting at most `max_errors` messages. A first root of 0 makes the check partial, as
    /// in SQLite: the freelist is checked only when the second root is 1, and unreferenced
    /// pages are not reported. Requires a read transaction. Errors are I/O errors only: every
    /// defect of the file is a message.
    pub fn integrity_check(&mut self, roots: &[Pgno], max_errors: usize) -> Result<IntegrityReport> {
        let partial = roots.first() == Some(&0);
        let check_freelist = !partial || roots.get(1) == Some(&1);
        let page1 = self.page1();
        let (trunk, n_free, largest_root, incr_vacuum) = {
            let d = page1.data();
            (
                get_u32(&d, offset::FREELIST_TRUNK),
                get_u32(&d, offset::FREELIST_COUNT),
                get_u32(&d, offset::LARGEST_ROOT),
                get_u32(&d, offset::INCREMENTAL_VACUUM),
            )
        };
        drop(page1);
        let n_pages = self.page_count();
        let geo = self.geometry();
        let mut ck = Checker {
            bt: self,
            geo,
            n_pages,
            referenced: BitSet::default(),
            max_err: max_errors,
            messages: Vec::new(),
            prefix: Prefix::None,
            v0: 0,
            v1: 0,
            v2: 0,
            n_above: 0,
            n_row: 0,
            auto_vacuum: largest_root != 0,
        };
        let mut counts = vec![None; roots.len()];
        if n_pages == 0 {
            return Ok(IntegrityReport { messages: ck.messages, counts });
        }
        let lock_byte_page = ck.bt.pager().lock_byte_page();
        if lock_byte_page <= n_pages {
            ck.referenced.insert(lock_byte_page);
        }
        if check_freelist {
            ck.prefix = Prefix::Freelist;
            ck.check_list(true, trunk, n_free)?;
            ck.prefix = Prefix::None;
        }
        if !partial {
            if ck.auto_vacuum {
                let max_root = roots.iter().copied().max().unwrap_or(0);
                if max_root != largest_root {
                    ck.append(format!("max rootpage ({max_root}) disagrees with header ({largest_root})"));
                }
            } else if incr_vacuum != 0 {
                ck.append("incremental_vacuum enabled with a max rootpage of zero".to_string());
            }
        }
        for (i, &root) in roots.iter().enumerate() {
            if ck.max_err == 0 {
                break;
            }
            ck.n_row = 0;
            if root != 0 {
                if ck.auto_vacuum && root > 1 && !partial {
                    ck.check_ptrmap(root, ptrmap::ROOTPAGE, 0)?;
                }
                ck.v0 = root;
                ck.check_tree_page(root, i64::MAX)?;
            }
            counts[i] = Some(ck.n_row);
        }
        if !partial {
            let mut pgno = 1;
            while pgno <= n_pages && ck.max_err > 0 {
                let is_ptrmap = ck.auto_vacuum && ck.ptrmap_page_of(pgno) == pgno;
                let used = ck.referenced.contains(pgno);
                if !used && !is_ptrmap {
                    ck.append(format!("Page {pgno}: never used"));
                }
                if used && is_ptrmap {
                    ck.append(format!("Page {pgno}: pointer map referenced"));
                }
                pgno += 1;
            }
        }
        Ok(IntegrityReport { messages: ck.messages, counts })
    }
}

impl Checker<'_> {
    /// Adds a message with the current prefix, if the error limit allows (checkAppendMsg).
    pub fn append(&mut self, msg: String) {
        if self.max_err == 0 {
            return;
        }
        self.max_err -= 1;
        let full = match self.prefix {
            Prefix::None => msg,
            Prefix::Freelist => format!("Freelist: {msg}"),
            Prefix::Page => format!("Tree {} page {}: {msg}", self.v0, self.v1),
            Prefix::Cell => format!("Tree {} page {} cell {}: {msg}", self.v0, self.v1, self.v2),
            Prefix::RightChild => format!("Tree {} page {} right child: {msg}", self.v0, self.v1),
        };
        self.messages.push(full);
    }

    /// Counts a reference to page `pgno` (checkRef): true, with a message, when the page is
    /// out of range or was referenced before; otherwise marks it.
    pub fn check_ref(&mut self, pgno: Pgno) -> bool {
        if pgno > self.n_pages || pgno == 0 {
            self.append(format!("invalid page number {pgno}"));
            return true;
        }
        if self.referenced.contains(pgno) {
            self.append(format!("2nd reference to page {pgno}"));
            return true;
        }
        self.referenced.insert(pgno);
        false
    }

    /// Walks the freelist (`free_list`) or an overflow chain starting at `pgno`, which should
    /// hold `expected` pages (checkList). Every page is counted with `check_ref`, so the walk
    /// stops at the first page seen before. Freelist trunks name their leaves, which are
    /// counted too; a trunk claiming more leaves than fit is reported and its leaves skipped.
    /// When the walk ends without a message and the count differs, the count is reported.
    pub fn check_list(&mut self, free_list: bool, mut pgno: Pgno, expected: u32) -> Result<()> {
        let mut n = expected;
        let errors_at_start = self.messages.len();
        let usable = self.geo.usable_size;
        while pgno != 0 && self.max_err > 0 {
            if self.check_ref(pgno) {
                break;
            }
            n = n.wrapping_sub(1);
            let page = match self.bt.pager_mut().get(pgno) {
                Ok(p) => p,
                Err(_) => {
                    self.append(format!("failed to get page {pgno}"));
                    break;
                }
            };
            let data = page.data().to_vec();
            drop(page);
            if free_list {
                let k = get_u32(&data, 4);
                if self.auto_vacuum {
                    self.check_ptrmap(pgno, ptrmap::FREEPAGE, 0)?;
                }
                if k > usable / 4 - 2 {
                    self.append(format!("freelist leaf count too big on page {pgno}"));
                    n = n.wrapping_sub(1);
                } else {
                    for i in 0..k as usize {
                        let leaf = get_u32(&data, 8 + 4 * i);
                        if self.auto_vacuum {
                            self.check_ptrmap(leaf, ptrmap::FREEPAGE, 0)?;
                        }
                        self.check_ref(leaf);
                    }
                    n = n.wrapping_sub(k);
                }
            } else if self.auto_vacuum && n > 0 {
                let next = get_u32(&data, 0);
                self.check_ptrmap(next, ptrmap::OVERFLOW2, pgno)?;
            }
            pgno = get_u32(&data, 0);
        }
        if n != 0 && self.messages.len() == errors_at_start {
            let what = if free_list { "size" } else { "overflow list length" };
            self.append(format!("{what} is {} but should be {expected}", expected.wrapping_sub(n)));
        }
        Ok(())
    }

    /// The pointer-map page that holds the entry of page `pgno` (ptrmapPageno); 0 for pages
    /// 0 and 1, which have none.
    pub fn ptrmap_page_of(&self, pgno: Pgno) -> Pgno {
        if pgno < 2 {
            return 0;
        }
        let per_map = self.geo.usable_size / 5 + 1;
        let map = (pgno - 2) / per_map;
        let mut ret = map * per_map + 2;
        if ret == self.bt.pager().lock_byte_page() {
            ret += 1;
        }
        ret
    }

    /// Checks that the pointer-map entry of page `child` says (`kind`, `parent`)
    /// (checkPtrmap); an entry that cannot be read is reported as such (ptrmapGet's errors:
    /// no map page, the page is itself a map page, an invalid entry type).
    pub fn check_ptrmap(&mut self, child: Pgno, kind: u8, parent: Pgno) -> Result<()> {
        let map = self.ptrmap_page_of(child);
        let entry = if map == 0 || child <= map {
            None
        } else {
            let at = 5 * (child - map - 1) as usize;
            match self.bt.pager_mut().get(map) {
                Ok(page) => {
                    let d = page.data();
                    (at + 5 <= d.len()).then(|| (d[at], get_u32(&d, at + 1)))
                }
                Err(_) => None,
            }
        };
        match entry {
            Some((t, p)) if (1..=5).contains(&t) => {
                if t != kind || p != parent {
                    self.append(format!("Bad ptr map entry key={child} expected=({kind},{parent}) got=({t},{p})"));
                }
            }
            _ => self.append(format!("Failed to read ptrmap key={child}")),
        }
        Ok(())
    }
}
