//! The page decoder: any page of a database image decoded, and every page's role in the file.
//!
//! - [`image`]: the file, its page size and page count;
//! - [`btree`]: one b-tree page (header, cell pointers, cells, freeblocks, allocated ranges);
//! - [`payload`]: the local/overflow split and overflow chains;
//! - [`filemap`]: the whole-file walk giving each page its [`Role`];
//! - [`tree`]: a tree's entries in key order;
//! - [`render`]: a page as text.
//!
//! Nothing here panics, loops forever or allocates without bound on a corrupt file: offsets
//! are checked, walks claim pages in visited sets, chains are bounded by the page count, and
//! defects are returned as [`Problem`]s.

pub mod btree;
pub mod filemap;
pub mod image;
pub mod payload;
pub mod render;
pub mod tree;

pub use btree::{BtreePage, Cell, Freeblock, PageType, Region};
pub use filemap::{FileMap, PageInfo, Role, SchemaEntry};
pub use image::{Image, PENDING_BYTE, Problem};
pub use render::{describe_page, render_page};
pub use tree::{TreeEntries, TreeEntry};

/// An image together with its [`FileMap`]: what the comparator and the renderer work on.
/// Building it walks the whole file once.
#[derive(Clone, Debug)]
pub struct DbImage<'a> {
    pub image: Image<'a>,
    pub map: FileMap,
}

impl<'a> DbImage<'a> {
    /// Decodes the header of `bytes` and walks the file. Errors only when no page can be
    /// addressed (see [`Image::new`]).
    pub fn open(bytes: &'a [u8]) -> Result<DbImage<'a>, Problem> {
        let image = Image::new(bytes)?;
        let map = FileMap::build(&image);
        Ok(DbImage { image, map })
    }
}
