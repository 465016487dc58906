//! The virtual machine that runs compiled statements (SQLite's VDBE).
//!
//! The code generator (`crate::compile`) turns a statement into a [`Program`]: a flat list of
//! [`Op`]s over numbered registers and cursors. A [`Vm`] runs one execution of a program and
//! stops at every result row, so a statement is prepared once and stepped many times, and each
//! step is a point where a scheduler may switch connections. A plain scan holds one row at a
//! time; sorts, DISTINCT and materialized subqueries hold what they must in memory.
//!
//! - `op`: the instruction set.
//! - `program`: a compiled program and the builder that writes it (labels, registers).
//! - `exec`: the interpreter loop, control flow, values and expressions.
//! - `exec_cursor`: the cursor instructions.
//! - `cursor`: the cursors themselves: b-tree, ephemeral table or index, sorter.

pub(crate) mod cursor;
mod exec;
mod exec_cursor;
pub mod op;
pub mod program;

pub use exec::{Step, Vm};
pub use op::Op;
pub use program::{Builder, Label, Program, ProgramInfo};
