//! The SQL front end: tokenizer, syntax tree, parser and SQL printer.
//!
//! - [`lexer`]: SQLite's tokenizer, every token with its byte span.
//! - [`keyword`]: SQLite's keyword list and keyword classes.
//! - [`ast`]: the syntax tree.
//! - [`parser`]: statements and expressions, with SQLite's precedence, limits and messages,
//!   and the text SQLite stores in `sqlite_schema.sql` for CREATE statements.
//! - `display`: `Display` for the tree, printing SQL that parses back to an equal tree.

pub mod ast;
mod display;
pub mod keyword;
pub mod lexer;
pub mod parser;

pub use display::{Name, is_plain_identifier};
pub use parser::{
    MAX_EXPR_DEPTH, MAX_PARSER_DEPTH, ParsedStatement, Statements, parse_expr, parse_statement, parse_statements,
};
