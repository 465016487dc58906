//! touchstone-oracle: what tells a correct engine from a plausible one.
//!
//! - [`pages`]: the page decoder: any page of a database image, and the role of every page.
//! - [`compare`]: two database images compared at the highest level that holds (L3 identical
//!   bytes, L2 identical allocated bytes, L1 same page kinds and keys, L0 same logical content
//!   and a clean `PRAGMA integrity_check`).

#![forbid(unsafe_code)]

pub mod compare;
pub mod pages;

pub use compare::{Comparison, Level, PageDiff, compare_images, compare_pages};
pub use pages::{DbImage, describe_page};
