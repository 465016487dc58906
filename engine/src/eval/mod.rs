//! SQLite's value semantics, as a library the executor calls: affinity, conversions, arithmetic,
//! comparison, pattern matching, the built-in scalar and aggregate functions, and an evaluator
//! of constant expressions built from them.
//!
//! Every function names the SQLite function it mirrors (SQLite 3.54.1). Values are
//! [`crate::format::value::Value`] / [`crate::format::value::ValueRef`]; text is bytes (UTF-8 is
//! expected, invalid UTF-8 is handled as SQLite handles it, never a panic).
//!
//! - [`affinity`]: column affinity applied to stored values, comparison affinity.
//! - [`convert`]: text ↔ number, number → text, CAST.
//! - [`decimal`]: SQLite's double ↔ decimal algorithms (bit-exact REAL parsing and rendering).
//! - [`printf`]: SQLite's printf, for `printf()` / `format()` and REAL → text.
//! - [`arith`]: `+ - * / %`, unary operators, bitwise operators, `||`, NOT / AND / OR.
//! - [`compare`]: `= <> < <= > >=`, IS, IN, BETWEEN with three-valued results.
//! - [`like`]: LIKE and GLOB.
//! - [`scalar`]: the built-in scalar functions by name.
//! - [`aggregate`]: count, sum, total, avg, min, max, group_concat accumulators.
//! - [`datetime`]: CURRENT_TIME / CURRENT_DATE / CURRENT_TIMESTAMP from a supplied time.
//! - [`exprinfo`]: an expression's affinity and collation, and a comparison's (for the planner).
//! - `ir`: expressions as SQLite's code generator sees them (parse-time rewrites applied, in an
//!   arena), shared by the constant evaluator and the compiler.
//! - [`constant`]: evaluation of constant expression trees.
//!
//! Randomness (`random()`, `randomblob()`) comes from a caller-supplied
//! [`scalar::Randomness`], the current time from a caller-supplied Julian day; nothing here
//! reads a clock or OS randomness.

pub mod affinity;
pub mod aggregate;
pub mod arith;
pub mod compare;
pub mod constant;
pub mod convert;
pub mod datetime;
pub(crate) mod decimal;
pub mod exprinfo;
pub(crate) mod ir;
pub mod like;
pub mod printf;
pub mod scalar;
