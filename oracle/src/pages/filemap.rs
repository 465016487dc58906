//! The whole-file walk: which role every page plays.
//!
//! Starting points, in this order:
//! 1. the lock-byte page (the page holding PENDING_BYTE), if the file is that long;
//! 2. the b-tree rooted at page 1 (`sqlite_schema`), whose rows name the other roots;
//! 3. every `rootpage` of `sqlite_schema`, in row order;
//! 4. the freelist: the first trunk at header offset 32, the page count at offset 36.
//!    ```text
//!    trunk page: u32 next trunk (0 ends), u32 leaf count K (<= usable/4 - 2), K x u32 leaf
//!    leaf page:  content is garbage by rule
//!    ```
//! Each b-tree cell's overflow chain is walked too. A page reached a second time is a double
//! claim (recorded; the walk does not descend twice, which is also what breaks cycles); a page
//! never reached is `Unreachable` (a leak). Every walk is bounded by the page count.

use std::fmt;

use touchstone_engine::format::ValueRef;
use touchstone_engine::format::header::{get_u32, offset};
use touchstone_engine::format::record::Record;

use super::btree::{BtreePage, Cell, PageType};
use super::image::{Image, Problem};
use super::payload::{read_payload, walk_overflow_chain};

/// The role a page plays in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A page of the b-tree rooted at `root`; `depth` 0 is the root.
    Tree { root: u32, depth: u32 },
    /// Page `position` (0-based) of the overflow chain of cell `cell_index` on page `owner`.
    Overflow { owner: u32, cell_index: u32, position: u32 },
    /// Trunk number `index` (0-based, in chain order) of the freelist.
    FreelistTrunk { index: u32 },
    /// A leaf of the freelist listed on trunk page `trunk`.
    FreelistLeaf { trunk: u32 },
    /// The page holding PENDING_BYTE; never used.
    LockByte,
    /// Referenced by nothing: a leaked page.
    Unreachable,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Role::Tree { root, depth } => write!(f, "page of tree {root} at depth {depth}"),
            Role::Overflow { owner, cell_index, position } => {
                write!(f, "overflow page {position} of cell {cell_index} on page {owner}")
            }
            Role::FreelistTrunk { index } => write!(f, "freelist trunk {index}"),
            Role::FreelistLeaf { trunk } => write!(f, "freelist leaf of trunk {trunk}"),
            Role::LockByte => write!(f, "lock-byte page"),
            Role::Unreachable => write!(f, "unreachable page"),
        }
    }
}

/// What the walk learnt about one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// The first role the page was found in.
    pub role: Role,
    /// How many times the walk reached the page (1 when well-formed; 0 for unreachable).
    pub claims: u32,
    /// Tree pages: the decoded page type (None when the page does not decode).
    pub page_type: Option<PageType>,
    /// Overflow pages and freelist trunks: the bytes of the page in use from its start
    /// (next pointer and payload; trunk header and leaf entries). None for other roles.
    pub used_bytes: Option<usize>,
}

/// One row of `sqlite_schema`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaEntry {
    pub rowid: i64,
    /// "table", "index", "view" or "trigger".
    pub kind: String,
    pub name: String,
    pub table: String,
    /// 0 when the object has no b-tree (views, triggers, virtual tables).
    pub rootpage: u32,
    pub sql: Option<String>,
}

/// The role of every page of an image, the schema, and the problems found on the way.
#[derive(Clone, Debug)]
pub struct FileMap {
    /// Index `pgno - 1`.
    pages: Vec<PageInfo>,
    schema: Vec<SchemaEntry>,
    /// Sorted by page number.
    problems: Vec<Problem>,
}

impl FileMap {
    /// Walks `image` (see the module comment). Never panics; O(pages) work and memory, plus
    /// the payloads of `sqlite_schema` rows.
    pub fn build(image: &Image<'_>) -> FileMap {
        let unclaimed = PageInfo { role: Role::Unreachable, claims: 0, page_type: None, used_bytes: None };
        let mut map = FileMap {
            pages: vec![unclaimed; image.page_count() as usize],
            schema: Vec::new(),
            problems: image.problems().to_vec(),
        };
        let lock_byte_page = image.lock_byte_page();
        if image.contains(lock_byte_page) {
            map.claim(lock_byte_page, Role::LockByte, None);
        }
        if image.contains(1) {
            map.walk_tree(image, 1, true);
        }
        let roots: Vec<(String, u32)> =
            map.schema.iter().filter(|e| e.rootpage != 0).map(|e| (e.name.clone(), e.rootpage)).collect();
        for (name, root) in roots {
            if image.contains(root) {
                map.walk_tree(image, root, false);
            } else {
                map.problem(1, format!("root page {root} of {name} is outside the file"));
            }
        }
        map.walk_freelist(image);
        map.problems.sort();
        map
    }

    /// The number of pages mapped (the image's page count).
    pub fn page_count(&self) -> u32 {
        self.pages.len() as u32
    }

    /// What the walk learnt about page `pgno`; None when outside the file.
    pub fn info(&self, pgno: u32) -> Option<&PageInfo> {
        self.pages.get((pgno as usize).checked_sub(1)?)
    }

    /// The role of page `pgno`; None when outside the file.
    pub fn role(&self, pgno: u32) -> Option<Role> {
        self.info(pgno).map(|i| i.role)
    }

    /// The rows of `sqlite_schema`, in rowid order.
    pub fn schema(&self) -> &[SchemaEntry] {
        &self.schema
    }

    /// Every problem found, sorted by page number.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The problems found on page `pgno`.
    pub fn problems_on(&self, pgno: u32) -> &[Problem] {
        let start = self.problems.partition_point(|p| p.pgno < pgno);
        let end = self.problems.partition_point(|p| p.pgno <= pgno);
        &self.problems[start..end]
    }

    /// Pages reached more than once.
    pub fn double_claims(&self) -> impl Iterator<Item = u32> + '_ {
        (1..=self.page_count()).filter(|&p| self.pages[p as usize - 1].claims > 1)
    }

    /// Records a problem on page `pgno` (sorted into place at the end of [`FileMap::build`]).
    fn problem(&mut self, pgno: u32, text: impl Into<String>) {
        self.problems.push(Problem::new(pgno, text));
    }

    /// Records that the walk reached `pgno` as `role`. Returns true on the first claim (the
    /// caller may descend); a later claim is recorded as a problem and returns false.
    /// Entry: `pgno` is within the file.
    fn claim(&mut self, pgno: u32, role: Role, used_bytes: Option<usize>) -> bool {
        debug_assert!(pgno >= 1 && pgno as usize <= self.pages.len());
        let Some(info) = self.pages.get_mut(pgno as usize - 1) else {
            return false;
        };
        info.claims += 1;
        if info.claims == 1 {
            info.role = role;
            info.used_bytes = used_bytes;
            return true;
        }
        let first = info.role;
        self.problem(pgno, format!("reached as {role} but already the {first}"));
        false
    }

    /// Walks the b-tree rooted at `root`: claims every page once, checks that all pages are
    /// of the root's kind (table or index) and all leaves at one depth, walks every overflow
    /// chain, and with `read_schema` collects the rows as `sqlite_schema` entries.
    /// Children are claimed when first seen, so a page is decoded at most once and a child
    /// pointing back up the tree ends as a double claim, not a cycle.
    fn walk_tree(&mut self, image: &Image<'_>, root: u32, read_schema: bool) {
        if !self.claim(root, Role::Tree { root, depth: 0 }, None) {
            return;
        }
        let mut stack = vec![(root, 0u32)];
        let mut kind_is_table: Option<bool> = None;
        let mut leaf_depth: Option<u32> = None;
        while let Some((pgno, depth)) = stack.pop() {
            let page = match BtreePage::decode(image, pgno) {
                Ok(page) => page,
                Err(problem) => {
                    self.problems.push(problem);
                    continue;
                }
            };
            self.pages[pgno as usize - 1].page_type = Some(page.page_type);
            for text in &page.problems {
                self.problem(pgno, text.clone());
            }
            let is_table = page.page_type.is_table();
            if *kind_is_table.get_or_insert(is_table) != is_table {
                self.problem(pgno, format!("{} page in the tree of {root}", page.page_type.name()));
            }
            if page.page_type.is_leaf() && *leaf_depth.get_or_insert(depth) != depth {
                self.problem(pgno, format!("leaf at depth {depth}, other leaves of tree {root} are not"));
            }
            let page_bytes = image.page(pgno).unwrap_or_default();
            for (index, cell) in page.cells.iter().enumerate() {
                let Ok(cell) = cell else { continue };
                if cell.first_overflow.is_some() {
                    self.walk_overflow(image, pgno, index, cell);
                }
                if read_schema && page.page_type == PageType::TableLeaf {
                    self.read_schema_row(image, pgno, index, page_bytes, cell);
                }
            }
            // Reversed, so that pages are popped (and schema rows read) in key order.
            for child in page.children().into_iter().rev() {
                let child_role = Role::Tree { root, depth: depth + 1 };
                if !image.contains(child) {
                    self.problem(pgno, format!("child page {child} is outside the file"));
                } else if self.claim(child, child_role, None) {
                    stack.push((child, depth + 1));
                }
            }
        }
    }

    /// Claims the overflow chain of cell `index` on page `owner`.
    fn walk_overflow(&mut self, image: &Image<'_>, owner: u32, index: usize, cell: &Cell) {
        let problems = walk_overflow_chain(image, cell, |link| {
            let role = Role::Overflow { owner, cell_index: index as u32, position: link.position };
            self.claim(link.pgno, role, Some(4 + link.payload_bytes as usize))
        });
        for text in problems {
            self.problem(owner, format!("cell {index}: {text}"));
        }
    }

    /// Reads a `sqlite_schema` row: (type, name, tbl_name, rootpage, sql).
    fn read_schema_row(&mut self, image: &Image<'_>, pgno: u32, index: usize, page: &[u8], cell: &Cell) {
        let payload = match read_payload(image, page, cell) {
            Ok(payload) => payload,
            Err(text) => return self.problem(pgno, format!("schema row {index}: {text}")),
        };
        let record = match Record::parse(&payload) {
            Ok(record) => record,
            Err(e) => return self.problem(pgno, format!("schema row {index}: {e}")),
        };
        let text = |i: usize| match record.get(i) {
            ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
            _ => None,
        };
        let rootpage = match record.get(3) {
            ValueRef::Integer(r) => u32::try_from(r).ok(),
            ValueRef::Null => Some(0),
            _ => None,
        };
        let (Some(kind), Some(name), Some(table), Some(rootpage)) = (text(0), text(1), text(2), rootpage) else {
            return self.problem(pgno, format!("schema row {index} is malformed"));
        };
        self.schema.push(SchemaEntry {
            rowid: cell.rowid.unwrap_or_default(),
            kind,
            name,
            table,
            rootpage,
            sql: text(4),
        });
    }

    /// Walks the freelist from the header's first trunk, claiming trunks and leaves, and
    /// checks the header's freelist count. Each trunk is claimed before it is read, so a
    /// trunk list that loops ends at a double claim.
    fn walk_freelist(&mut self, image: &Image<'_>) {
        let header = image.bytes();
        let mut trunk = get_u32(header, offset::FREELIST_TRUNK);
        let expected_pages = get_u32(header, offset::FREELIST_COUNT);
        let max_leaves = image.usable_size_bytes() as usize / 4 - 2;
        let mut found_pages: u64 = 0;
        let mut index = 0u32;
        while trunk != 0 {
            let Some(page) = image.page(trunk) else {
                self.problem(1, format!("freelist trunk {index} is page {trunk}, outside the file"));
                break;
            };
            let mut leaf_count = get_u32(page, 4) as usize;
            if leaf_count > max_leaves {
                self.problem(trunk, format!("freelist leaf count {leaf_count} exceeds {max_leaves}"));
                leaf_count = max_leaves;
            }
            if !self.claim(trunk, Role::FreelistTrunk { index }, Some(8 + 4 * leaf_count)) {
                break;
            }
            for i in 0..leaf_count {
                let leaf = get_u32(page, 8 + 4 * i);
                if image.contains(leaf) {
                    self.claim(leaf, Role::FreelistLeaf { trunk }, None);
                } else {
                    self.problem(trunk, format!("freelist leaf {i} is page {leaf}, outside the file"));
                }
            }
            found_pages += 1 + leaf_count as u64;
            trunk = get_u32(page, 0);
            index += 1;
        }
        if found_pages != u64::from(expected_pages) {
            self.problem(
                1,
                format!("header freelist count is {expected_pages} but the freelist holds {found_pages} pages"),
            );
        }
    }
}
