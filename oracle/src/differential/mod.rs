//! Differential runs of generated SQL on the engine and on real SQLite: the case generator
//! (`case`: a schema and a statement sequence drawn from a byte tape, `tape`), its rendering to SQL
//! with how each statement's rows compare (`render`), the side-by-side runner (`pair`), the
//! vocabulary of values and operators (`vocab`), and [`run_case`], which runs one case to
//! its first disagreement. Used by the engine's `sql_differential.rs` (random bytes, shrunk
//! by proptest) and by the `sql_diff` fuzz target (the fuzzer's bytes).

pub mod case;
pub mod pair;
pub mod render;
pub mod tape;
pub mod vocab;

use touchstone_engine::format::value::Value;

use case::Case;
use pair::{Agreement, Order, Outcome, Pair};
use render::{Rendered, render};

/// Past this many rows in all tables together, a case stops early (and is checked as it
/// stands): INSERT ... SELECT doubles a table each time, and joins and correlated subqueries
/// over thousands of rows take minutes on both sides and test nothing more.
pub const MAX_ROWS: i64 = 1000;

/// A statement on which both sides failed with the same code and different messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageDifference {
    pub sql: String,
    pub engine: String,
    pub sqlite: String,
}

/// How a case ended without a disagreement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseEnd {
    /// Every statement agreed, and so did the final state.
    Agreed { messages: Vec<MessageDifference> },
    /// The case reached a rowid past 9223372036854775807, where SQLite picks a random one:
    /// not comparable.
    Rejected,
}

/// The disagreement that ends a case: where, what each side said, and the whole script.
fn mismatch(rendered: &Rendered, at: &str, detail: String) -> String {
    format!("{at}\n{detail}\n-- the script:\n{}", rendered.script())
}

/// Runs `case` on both sides (SQLite with `automatic_index = OFF`, as the engine builds none
/// on these tables' subqueries) and compares every statement's outcome, then the final state.
/// Errors: the first disagreement, with the script that shows it.
pub fn run_case(case: &Case) -> Result<CaseEnd, String> {
    let rendered = render(case);
    let pair = Pair::new();
    pair.sqlite.execute_batch("PRAGMA automatic_index = OFF").map_err(|e| e.to_string())?;
    let mut messages = Vec::new();
    let statements = rendered
        .schema
        .iter()
        .map(|sql| (sql.as_str(), Order::Exact))
        .chain(rendered.statements.iter().map(|s| (s.sql.as_str(), s.order)));
    for (sql, order) in statements {
        let ran = pair.run(sql);
        if matches!(&ran.engine, Outcome::Error { message, .. } if message.ends_with("no rowid left")) {
            return Ok(CaseEnd::Rejected);
        }
        match ran.agreement(order) {
            Agreement::Same => {}
            Agreement::MessageDiffers => {
                if let (Outcome::Error { message: engine, .. }, Outcome::Error { message: sqlite, .. }) =
                    (&ran.engine, &ran.sqlite)
                {
                    messages.push(MessageDifference {
                        sql: sql.to_string(),
                        engine: engine.clone(),
                        sqlite: sqlite.clone(),
                    });
                }
            }
            Agreement::Differs => return Err(mismatch(&rendered, sql, ran.describe())),
        }
        if matches!(ran.sqlite, Outcome::Done { changes, .. } if changes > 0) && too_many_rows(&pair, &rendered) {
            break;
        }
    }
    if !pair.sqlite.is_autocommit() {
        let ran = pair.run("COMMIT");
        if ran.agreement(Order::Exact) == Agreement::Differs {
            return Err(mismatch(&rendered, "COMMIT", ran.describe()));
        }
    }
    final_state(&pair, &rendered)?;
    Ok(CaseEnd::Agreed { messages })
}

/// The most runs [`minimize`] makes.
pub const MAX_MINIMIZE_RUNS: usize = 400;

/// A smaller case that still disagrees, for a readable report: `case` (which must disagree)
/// with statements, then indexes, then tables (all but the first) removed one at a time,
/// the last first, keeping each removal after which some disagreement remains (not
/// necessarily the first one's). At most [`MAX_MINIMIZE_RUNS`] runs; O(statements +
/// indexes + tables) runs per pass, passes until one removes nothing. The renderer
/// resolves names modulo what exists, so every smaller case is meaningful.
pub fn minimize(case: &Case) -> Case {
    let mut best = case.clone();
    let mut runs = 0;
    loop {
        let mut removed = false;
        for list in [ListOf::Statements, ListOf::Indexes, ListOf::Tables] {
            let mut i = list.len(&best);
            while i > 0 && runs < MAX_MINIMIZE_RUNS {
                i -= 1;
                let mut smaller = best.clone();
                list.remove(&mut smaller, i);
                runs += 1;
                if run_case(&smaller).is_err() {
                    best = smaller;
                    removed = true;
                }
            }
        }
        if !removed || runs >= MAX_MINIMIZE_RUNS {
            return best;
        }
    }
}

/// The lists of a case [`minimize`] removes from.
#[derive(Clone, Copy)]
enum ListOf {
    Statements,
    Indexes,
    /// Every table but one can go (names resolve modulo the tables left).
    Tables,
}

impl ListOf {
    fn len(self, case: &Case) -> usize {
        match self {
            ListOf::Statements => case.statements.len(),
            ListOf::Indexes => case.schema.indexes.len(),
            ListOf::Tables => case.schema.tables.len().saturating_sub(1),
        }
    }

    fn remove(self, case: &mut Case, i: usize) {
        match self {
            ListOf::Statements => drop(case.statements.remove(i)),
            ListOf::Indexes => drop(case.schema.indexes.remove(i)),
            ListOf::Tables => drop(case.schema.tables.remove(i + 1)),
        }
    }
}

/// Whether SQLite's tables hold more than [`MAX_ROWS`] rows together.
fn too_many_rows(pair: &Pair, rendered: &Rendered) -> bool {
    let counts: Vec<String> = rendered.tables.iter().map(|t| format!("(SELECT count(*) FROM {t})")).collect();
    let sql = format!("SELECT {}", counts.join(" + "));
    matches!(pair::sqlite_run(&pair.sqlite, &sql), Outcome::Rows(rows) if matches!(rows[..], [ref r] if matches!(r[..], [Value::Integer(n)] if n > MAX_ROWS)))
}

/// Both databases hold the same rows; SQLite finds the engine's file sound and reads the same
/// rows from it.
fn final_state(pair: &Pair, rendered: &Rendered) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("engine.db");
    std::fs::write(&path, pair.engine_file()).map_err(|e| e.to_string())?;
    let reread = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
    let check = pair::sqlite_run(&reread, "PRAGMA integrity_check");
    if check != Outcome::Rows(vec![vec![Value::text("ok")]]) {
        return Err(mismatch(rendered, "PRAGMA integrity_check of the engine's file", format!("{check:?}")));
    }
    let mut queries = vec!["SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY name".to_string()];
    queries.extend(rendered.tables.iter().map(|t| format!("SELECT rowid, * FROM {t} ORDER BY rowid")));
    for sql in &queries {
        let ran = pair.run(sql);
        if ran.agreement(Order::Exact) != Agreement::Same {
            return Err(mismatch(rendered, sql, ran.describe()));
        }
        let from_file = pair::sqlite_run(&reread, sql);
        if pair::compare(&from_file, &ran.sqlite, Order::Exact) != Agreement::Same {
            return Err(mismatch(
                rendered,
                sql,
                format!("  SQLite on the engine's file: {from_file:?}\n{}", ran.describe()),
            ));
        }
    }
    Ok(())
}
