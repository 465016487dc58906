//! L1: the kind of a page and its keys.
//!
//! Two pages agree at L1 when they play the same role ([`Role`], claim count), have the same
//! b-tree page type, the same child page numbers in the same order, the same keys in the same
//! order (rowids on table pages, dividers included; the key records on index pages), the same
//! freelist leaves (trunks), and the same decoder problems.

use touchstone_engine::format::Value;
use touchstone_engine::format::header::get_u32;

use crate::pages::payload::{decode_record, read_payload};
use crate::pages::{BtreePage, DbImage, PageType, Role};

/// An index key: the record's values, or its raw bytes when they do not decode.
#[derive(Clone, Debug)]
pub enum Key {
    Values(Vec<Value>),
    Bytes(Vec<u8>),
    /// The payload could not be assembled.
    Unreadable,
}

impl PartialEq for Key {
    /// Equality with reals compared bit for bit (0.0 and -0.0 differ).
    fn eq(&self, other: &Key) -> bool {
        match (self, other) {
            (Key::Values(a), Key::Values(b)) => same_values(a, b),
            (Key::Bytes(a), Key::Bytes(b)) => a == b,
            (Key::Unreadable, Key::Unreadable) => true,
            _ => false,
        }
    }
}

/// True when `a` and `b` hold the same values, reals compared bit for bit.
pub fn same_values(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
            _ => x == y,
        })
}

/// One cell as L1 sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyEntry {
    pub left_child: Option<u32>,
    pub rowid: Option<i64>,
    pub key: Option<Key>,
    /// The cell did not decode.
    pub undecodable: bool,
}

/// Everything L1 compares about one page.
#[derive(Clone, Debug, PartialEq)]
pub struct PageShape {
    /// None when the page is outside the file.
    pub role: Option<Role>,
    pub claims: u32,
    pub page_type: Option<PageType>,
    pub right_child: Option<u32>,
    pub entries: Vec<KeyEntry>,
    pub trunk_leaves: Vec<u32>,
    pub problems: Vec<String>,
}

/// The L1 view of page `pgno` of `db`.
pub fn page_shape(db: &DbImage<'_>, pgno: u32) -> PageShape {
    let mut shape = PageShape {
        role: None,
        claims: 0,
        page_type: None,
        right_child: None,
        entries: Vec::new(),
        trunk_leaves: Vec::new(),
        problems: db.map.problems_on(pgno).iter().map(|p| p.text.clone()).collect(),
    };
    let Some(info) = db.map.info(pgno) else {
        return shape;
    };
    shape.role = Some(info.role);
    shape.claims = info.claims;
    match info.role {
        Role::Tree { .. } => {
            if let Ok(page) = BtreePage::decode(&db.image, pgno) {
                shape.page_type = Some(page.page_type);
                shape.right_child = page.right_child;
                shape.entries = key_entries(db, &page);
            }
        }
        Role::FreelistTrunk { .. } => {
            let page = db.image.page(pgno).unwrap_or_default();
            let leaves = info.used_bytes.unwrap_or(8).saturating_sub(8) / 4;
            shape.trunk_leaves = (0..leaves).map(|i| get_u32(page, 8 + 4 * i)).collect();
        }
        _ => {}
    }
    shape
}

/// The keys and child pointers of every cell of `page`, in order.
fn key_entries(db: &DbImage<'_>, page: &BtreePage) -> Vec<KeyEntry> {
    let bytes = db.image.page(page.pgno).unwrap_or_default();
    page.cells
        .iter()
        .map(|cell| match cell {
            Err(_) => KeyEntry { left_child: None, rowid: None, key: None, undecodable: true },
            Ok(cell) => KeyEntry {
                left_child: cell.left_child,
                rowid: cell.rowid,
                key: (!page.page_type.is_table()).then(|| match read_payload(&db.image, bytes, cell) {
                    Ok(payload) => match decode_record(&payload) {
                        Ok(values) => Key::Values(values),
                        Err(_) => Key::Bytes(payload),
                    },
                    Err(_) => Key::Unreadable,
                }),
                undecodable: false,
            },
        })
        .collect()
}

/// Why two shapes differ, in a few words (None when equal).
pub fn shape_difference(a: &PageShape, b: &PageShape) -> Option<String> {
    if a == b {
        return None;
    }
    let why = if a.role != b.role || a.claims != b.claims {
        let show = |s: &PageShape| match s.role {
            Some(role) if s.claims > 1 => format!("{role} (reached {} times)", s.claims),
            Some(role) => role.to_string(),
            None => "outside the file".to_string(),
        };
        format!("roles differ: {} vs {}", show(a), show(b))
    } else if a.page_type != b.page_type {
        "page types differ".to_string()
    } else if a.right_child != b.right_child {
        "right children differ".to_string()
    } else if a.entries.len() != b.entries.len() {
        format!("{} cells vs {}", a.entries.len(), b.entries.len())
    } else if let Some(i) = (0..a.entries.len()).find(|&i| a.entries[i] != b.entries[i]) {
        format!("cell {i} differs in key or child")
    } else if a.trunk_leaves != b.trunk_leaves {
        "freelist leaves differ".to_string()
    } else {
        "problems differ".to_string()
    };
    Some(why)
}
