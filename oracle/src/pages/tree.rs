//! The entries of one b-tree in key order: table rows (rowid and payload) from the leaves,
//! index entries from leaves and interior cells alike (an index interior cell is an entry
//! that sorts between its left child and the next child).

use std::collections::HashSet;

use super::btree::BtreePage;
use super::image::{Image, Problem};
use super::payload::read_payload;

/// One entry of a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    pub pgno: u32,
    pub cell_index: usize,
    /// Table trees: the rowid.
    pub rowid: Option<i64>,
    /// The complete payload (overflow chain assembled); empty for table interior cells,
    /// which are never yielded.
    pub payload: Vec<u8>,
}

/// An iterator over the entries of the tree rooted at a page, in key order. It yields
/// `Err` once, at the first page or cell that cannot be read (a page outside the file, a
/// page reached twice, an undecodable page, cell or overflow chain), and then ends.
/// Each page is decoded at most once, so the walk ends within the page count.
pub struct TreeEntries<'i, 'a> {
    image: &'i Image<'a>,
    /// Pages from the root down to the current one, each with its next step: on a leaf the
    /// next cell; on an interior page with n cells, step 2i descends left of cell i, step
    /// 2i+1 yields cell i (index trees), step 2n descends into the right child.
    stack: Vec<(BtreePage, usize)>,
    visited: HashSet<u32>,
    root: Option<u32>,
    done: bool,
}

impl<'i, 'a> TreeEntries<'i, 'a> {
    /// The entries of the tree rooted at `root`.
    pub fn new(image: &'i Image<'a>, root: u32) -> TreeEntries<'i, 'a> {
        TreeEntries { image, stack: Vec::new(), visited: HashSet::new(), root: Some(root), done: false }
    }

    /// Decodes `pgno` and makes it the current page.
    fn descend(&mut self, pgno: u32, from: u32) -> Result<(), Problem> {
        if !self.image.contains(pgno) {
            return Err(Problem::new(from, format!("child page {pgno} is outside the file")));
        }
        if !self.visited.insert(pgno) {
            return Err(Problem::new(from, format!("page {pgno} is reached twice")));
        }
        let page = BtreePage::decode(self.image, pgno)?;
        debug_assert!(self.stack.len() < self.visited.len());
        self.stack.push((page, 0));
        Ok(())
    }

    /// The entry for cell `index` of `page`.
    fn entry(&self, page: &BtreePage, index: usize) -> Result<TreeEntry, Problem> {
        let cell = cell_at(page, index)?;
        let bytes = self.image.page(page.pgno).unwrap_or_default();
        let payload = read_payload(self.image, bytes, cell)
            .map_err(|text| Problem::new(page.pgno, format!("cell {index}: {text}")))?;
        Ok(TreeEntry { pgno: page.pgno, cell_index: index, rowid: cell.rowid, payload })
    }

    /// The next entry, or the first error.
    fn advance(&mut self) -> Option<Result<TreeEntry, Problem>> {
        if let Some(root) = self.root.take()
            && let Err(problem) = self.descend(root, root)
        {
            return Some(Err(problem));
        }
        loop {
            let (page, step) = self.stack.last_mut()?;
            let cells = page.cells.len();
            let s = *step;
            *step += 1;
            if page.page_type.is_leaf() {
                if s >= cells {
                    self.stack.pop();
                    continue;
                }
                let (page, _) = self.stack.last()?;
                return Some(self.entry(page, s));
            }
            let child = if s > 2 * cells {
                self.stack.pop();
                continue;
            } else if s == 2 * cells {
                page.right_child
            } else if s % 2 == 0 {
                match cell_at(page, s / 2) {
                    Ok(cell) => cell.left_child,
                    Err(problem) => return Some(Err(problem)),
                }
            } else if page.page_type.is_table() {
                continue;
            } else {
                let (page, _) = self.stack.last()?;
                return Some(self.entry(page, s / 2));
            };
            let from = page.pgno;
            if let Err(problem) = self.descend(child.unwrap_or(0), from) {
                return Some(Err(problem));
            }
        }
    }
}

/// Cell `index` of `page`, or why it cannot be read.
fn cell_at(page: &BtreePage, index: usize) -> Result<&crate::pages::Cell, Problem> {
    match page.cells.get(index) {
        Some(Ok(cell)) => Ok(cell),
        Some(Err(text)) => Err(Problem::new(page.pgno, format!("cell {index}: {text}"))),
        None => Err(Problem::new(page.pgno, format!("no cell {index}"))),
    }
}

impl Iterator for TreeEntries<'_, '_> {
    type Item = Result<TreeEntry, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.advance();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
