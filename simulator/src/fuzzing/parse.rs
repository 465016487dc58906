//! The `parse` fuzz target: SQL text into the engine's tokenizer and parser. The rules: no
//! panic (nor stack overflow: the parser bounds its own depth), and every statement that
//! parses prints back (`Display`) to SQL that parses to an equal tree; so does an input that
//! parses as one expression. A CREATE TABLE that parses also goes through the schema layer
//! (`TableDef::from_ast`), which must answer with a definition or an error.
//!
//! The input's bytes are read as UTF-8 with invalid sequences replaced, as the engine's API
//! takes `&str`.

use touchstone_engine::schema::TableDef;
use touchstone_engine::sql::ast::Stmt;
use touchstone_engine::sql::lexer::tokenize;
use touchstone_engine::sql::{parse_expr, parse_statements};

/// The most statements of one input that are checked (a bound on the work of one input; the
/// parser reads statements lazily, so the rest is never tokenized).
pub const MAX_STATEMENTS: usize = 64;

/// Checks `input` (see the module comment). Errors: the statement whose printed form does not
/// parse back to the same tree, with both texts.
pub fn check(input: &[u8]) -> Result<(), String> {
    let sql = String::from_utf8_lossy(input);
    let _ = tokenize(&sql);
    for parsed in parse_statements(&sql).take(MAX_STATEMENTS) {
        let Ok(parsed) = parsed else { break };
        let printed = parsed.stmt.to_string();
        match parse_statements(&printed).next() {
            Some(Ok(again)) if again.stmt == parsed.stmt => {}
            Some(Ok(again)) => {
                return Err(format!(
                    "{printed:?} (printed from {:?}) parses to another tree:\n  first:  {:?}\n  second: {:?}",
                    sql.get(parsed.span.start..parsed.span.end).unwrap_or(""),
                    parsed.stmt,
                    again.stmt
                ));
            }
            other => {
                return Err(format!(
                    "{printed:?} (printed from {:?}) does not parse back: {other:?}",
                    sql.get(parsed.span.start..parsed.span.end).unwrap_or("")
                ));
            }
        }
        if let Stmt::CreateTable(table) = &parsed.stmt {
            let _ = TableDef::from_ast(table);
        }
    }
    if let Ok(expr) = parse_expr(&sql) {
        let printed = expr.to_string();
        match parse_expr(&printed) {
            Ok(again) if again == expr => {}
            other => return Err(format!("expression {sql:?} printed as {printed:?} parses back to {other:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_and_expressions_round_trip_and_junk_is_no_finding() {
        for sql in [
            "SELECT a, b FROM t WHERE a > 1 ORDER BY 2 DESC LIMIT 3",
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x', UNIQUE(b))",
            "1 + 2 * -x COLLATE nocase",
            "SELECT ((((",
            "\u{0}\u{ff}'",
        ] {
            assert_eq!(check(sql.as_bytes()), Ok(()), "{sql}");
        }
        assert_eq!(check(&[0xff, 0xfe, b'(']), Ok(()));
    }
}
