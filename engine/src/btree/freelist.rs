//! Allocating and freeing whole pages: the freelist (allocateBtreePage, freePage2).
//!
//! ```text
//! header 32: first trunk page        header 36: free pages in all (trunks and leaves)
//! trunk page: u32 next trunk, u32 leaf count k, u32 leaf[k], ... (the rest is stale bytes)
//! leaf page:  content irrelevant (never written when freed in rollback mode)
//! ```
//!
//! Allocation looks at the first trunk only. A trunk without leaves is itself handed out;
//! otherwise a leaf is taken: the first one, or with a `nearby` hint the one closest to it
//! (first on ties), and the trunk's last entry moves into its slot. An empty freelist grows
//! the file by one page (skipping the lock-byte page).
//!
//! Freeing makes the page a leaf of the first trunk while that trunk has fewer than
//! usable/4 − 8 leaves (SQLite keeps that margin for files older versions must read), else
//! the page becomes the new first trunk.

use super::Btree;
use crate::ensure_corrupt;
use crate::error::Result;
use crate::format::header::{get_u32, offset, put_u32};
use crate::pager::{PageRef, Pgno};

/// sqlite3AbsInt32: |x|, with i32::MIN mapped to i32::MAX.
fn abs_i32(x: i32) -> i32 {
    if x >= 0 {
        x
    } else if x == i32::MIN {
        i32::MAX
    } else {
        -x
    }
}

impl Btree {
    /// Allocates a page for the caller, made writeable, and returns it with its number
    /// (allocateBtreePage with BTALLOC_ANY). `nearby` is a hint: take the free leaf closest
    /// to it (0 for none). A page reused from the freelist comes back zero-filled unless it
    /// was freed earlier in this transaction (then its content is kept, so that rollback can
    /// restore it).
    pub(crate) fn allocate_page(&mut self, nearby: Pgno, _exact: bool) -> Result<(PageRef, Pgno)> {
        let page1 = self.page1();
        let n_free = get_u32(&page1.data(), offset::FREELIST_COUNT);
        ensure_corrupt!(n_free < self.n_page, "freelist count {n_free} exceeds the {} pages of the file", self.n_page);
        if n_free > 0 {
            self.pager.write(&page1)?;
            put_u32(&mut page1.data_mut(), offset::FREELIST_COUNT, n_free - 1);
            let trunk_pgno = get_u32(&page1.data(), offset::FREELIST_TRUNK);
            ensure_corrupt!(
                trunk_pgno >= 2 && trunk_pgno <= self.n_page,
                "freelist trunk {trunk_pgno} is outside the database"
            );
            let trunk = self.get_unused_page(trunk_pgno)?;
            let k = get_u32(&trunk.data(), 4);
            if k == 0 {
                self.pager.write(&trunk)?;
                let next = get_u32(&trunk.data(), 0);
                put_u32(&mut page1.data_mut(), offset::FREELIST_TRUNK, next);
                return Ok((trunk, trunk_pgno));
            }
            let usable = self.geo.usable_size;
            ensure_corrupt!(k <= usable / 4 - 2, "freelist trunk {trunk_pgno} claims {k} leaves");
            let closest = if nearby > 0 {
                let d = trunk.data();
                let mut closest = 0u32;
                let mut dist = abs_i32(get_u32(&d, 8).wrapping_sub(nearby) as i32);
                for i in 1..k {
                    let d2 = abs_i32(get_u32(&d, 8 + 4 * i as usize).wrapping_sub(nearby) as i32);
                    if d2 < dist {
                        closest = i;
                        dist = d2;
                    }
                }
                closest
            } else {
                0
            };
            let leaf = get_u32(&trunk.data(), 8 + 4 * closest as usize);
            ensure_corrupt!(leaf >= 2 && leaf <= self.n_page, "freelist leaf {leaf} is outside the database");
            self.pager.write(&trunk)?;
            {
                let mut d = trunk.data_mut();
                if closest < k - 1 {
                    let last = get_u32(&d, 4 + 4 * k as usize);
                    put_u32(&mut d, 8 + 4 * closest as usize, last);
                }
                put_u32(&mut d, 4, k - 1);
            }
            drop(trunk);
            let page = if self.has_content.contains(leaf) {
                self.get_unused_page(leaf)?
            } else {
                self.pager.get_no_content(leaf)?
            };
            ensure_corrupt!(self.pager.outside_refs(&page) == 1, "freelist leaf {leaf} is in use");
            self.pager.write(&page)?;
            return Ok((page, leaf));
        }
        self.pager.write(&page1)?;
        self.n_page += 1;
        if self.n_page == self.pager.lock_byte_page() {
            self.n_page += 1;
        }
        put_u32(&mut page1.data_mut(), offset::PAGE_COUNT, self.n_page);
        let pgno = self.n_page;
        let page = self.pager.get_no_content(pgno)?;
        self.pager.write(&page)?;
        Ok((page, pgno))
    }

    /// Fetches a page that must not be in use anywhere else (btreeGetUnusedPage).
    fn get_unused_page(&mut self, pgno: Pgno) -> Result<PageRef> {
        let page = self.pager.get(pgno)?;
        ensure_corrupt!(self.pager.outside_refs(&page) == 1, "page {pgno} is on the freelist and in use");
        Ok(page)
    }

    /// Puts page `pgno` on the freelist (freePage2). `page` is the caller's handle to it, if
    /// it has one; without one the page is only fetched when it becomes a trunk.
    pub(crate) fn free_page(&mut self, page: Option<&PageRef>, pgno: Pgno) -> Result<()> {
        ensure_corrupt!(pgno >= 2 && pgno <= self.n_page, "cannot free page {pgno}");
        let page = page.cloned().or_else(|| self.pager.lookup(pgno));
        let page1 = self.page1();
        self.pager.write(&page1)?;
        let n_free = get_u32(&page1.data(), offset::FREELIST_COUNT);
        put_u32(&mut page1.data_mut(), offset::FREELIST_COUNT, n_free.wrapping_add(1));
        let mut trunk_pgno = 0;
        if n_free != 0 {
            trunk_pgno = get_u32(&page1.data(), offset::FREELIST_TRUNK);
            ensure_corrupt!(
                trunk_pgno >= 1 && trunk_pgno <= self.n_page,
                "freelist trunk {trunk_pgno} is outside the database"
            );
            ensure_corrupt!(trunk_pgno != pgno, "page {pgno} is already the freelist trunk");
            let trunk = self.pager.get(trunk_pgno)?;
            let n_leaf = get_u32(&trunk.data(), 4);
            let usable = self.geo.usable_size;
            ensure_corrupt!(n_leaf <= usable / 4 - 2, "freelist trunk {trunk_pgno} claims {n_leaf} leaves");
            if n_leaf < usable / 4 - 8 {
                self.pager.write(&trunk)?;
                {
                    let mut d = trunk.data_mut();
                    put_u32(&mut d, 4, n_leaf + 1);
                    put_u32(&mut d, 8 + 4 * n_leaf as usize, pgno);
                }
                if let Some(p) = &page {
                    self.pager.dont_write(p);
                }
                self.has_content.insert(pgno);
                return Ok(());
            }
        }
        let page = match page {
            Some(p) => p,
            None => self.pager.get(pgno)?,
        };
        self.pager.write(&page)?;
        {
            let mut d = page.data_mut();
            put_u32(&mut d, 0, trunk_pgno);
            put_u32(&mut d, 4, 0);
        }
        put_u32(&mut page1.data_mut(), offset::FREELIST_TRUNK, pgno);
        Ok(())
    }
}
