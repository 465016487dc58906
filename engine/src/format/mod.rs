//! The SQLite 3 file format at the level of bytes: varints, records and values, and the
//! database header. Pages and cells are the b-tree's business (crate::btree::page).

pub mod header;
pub mod record;
pub mod value;
pub mod varint;

pub use header::DbHeader;
pub use record::{Record, encode_record, encode_values};
pub use value::{Collation, Value, ValueRef, compare_values};
