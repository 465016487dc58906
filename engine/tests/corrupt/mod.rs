//! Helpers for tests/corrupt_files.rs: valid base files, their decoded layout, and the damage
//! done to them.

pub mod base;
pub mod layout;
pub mod mutate;
