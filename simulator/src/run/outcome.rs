//! What one step of one engine said, and how two such answers are compared.

use std::fmt;

use touchstone_engine::format::value::Value;

use crate::target::Failure;

/// SQLITE_ERROR.
pub const SQLITE_ERROR: i32 = 1;

/// SQLITE_BUSY.
pub const SQLITE_BUSY: i32 = 5;

/// The outcome of one step on one engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A result row.
    Row(Vec<Value>),
    /// The statement finished.
    Done { changes: u64, last_insert_rowid: i64, autocommit: bool },
    /// Opening, preparing or stepping failed.
    Error { failure: Failure, autocommit: bool },
    /// A `Next` on a connection with no statement open: nothing ran.
    Idle,
}

impl Outcome {
    /// True for an SQLITE_BUSY error.
    pub fn is_busy(&self) -> bool {
        matches!(self, Outcome::Error { failure, .. } if failure.code == SQLITE_BUSY)
    }

    /// True for an SQLITE_INTERRUPT error: the step ran past its budget.
    pub fn is_interrupt(&self) -> bool {
        matches!(self, Outcome::Error { failure, .. } if failure.code == crate::target::SQLITE_INTERRUPT)
    }

    /// The outcome with `last_insert_rowid()` (when `rowid`) and `changes()` (when
    /// `changes`) blanked: for a connection where a fault-failed statement set them on the
    /// subject only (SQLite sets both before the failure is known).
    pub fn masked(&self, rowid: bool, changes: bool) -> Outcome {
        match self {
            Outcome::Done { changes: c, last_insert_rowid: r, autocommit } => Outcome::Done {
                changes: if changes { 0 } else { *c },
                last_insert_rowid: if rowid { 0 } else { *r },
                autocommit: *autocommit,
            },
            other => other.clone(),
        }
    }

    /// True when the outcomes are the same: values bit for bit (REALs by their bits, so
    /// -0.0 and 0.0 differ and NaN equals itself), codes, messages, counters.
    pub fn same_as(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Row(a), Outcome::Row(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y)),
            _ => self == other,
        }
    }
}

/// True when two different outcomes of one statement on one connection are both what real
/// SQLite says, depending only on the connection's schema cache, when another connection
/// holds a lock that keeps this one from reading the database: one side refused with BUSY,
/// the other failing at prepare on a name (no such table or index, or one that already
/// exists), in the same transaction state.
///
/// SQLite compiles against the connection's cached schema and reads the database only to
/// load a cache it lacks (sqlite3Init), to re-check a cache that does not know a name
/// (schemaIsValid, which gives up quietly when it cannot lock), and to run the statement
/// (OP_Transaction, whose cookie check catches a stale cache). So with the database
/// locked, a connection with no cache is BUSY loading one; one whose cache lacks the name
/// says "no such table" (stale or not); one whose cache has it compiles and is BUSY
/// running. The caller accepts the pair only for a connection whose cache may differ from
/// the reference's (a step ran on one side only: a fault failed it, or a BUSY was not
/// replayed), never where both ran the same steps.
pub fn explained_by_schema_cache(a: &Outcome, b: &Outcome) -> bool {
    let (
        Outcome::Error { failure: x, autocommit: x_autocommit },
        Outcome::Error { failure: y, autocommit: y_autocommit },
    ) = (a, b)
    else {
        return false;
    };
    let names_lookup = |f: &Failure| {
        f.code == SQLITE_ERROR
            && (f.message.starts_with("no such table: ")
                || f.message.starts_with("no such index: ")
                || f.message.ends_with(" already exists"))
    };
    x_autocommit == y_autocommit
        && ((x.code == SQLITE_BUSY && names_lookup(y)) || (y.code == SQLITE_BUSY && names_lookup(x)))
}

/// Values equal bit for bit.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// A value as the trace shows it: SQL literal syntax, long text and blobs cut with their
/// length and a hash (the hash keeps them distinct in the trace hash).
pub fn render_value(value: &Value) -> String {
    const SHOW_BYTES: usize = 40;
    let cut = |bytes: &[u8], show: &dyn Fn(&[u8]) -> String| {
        if bytes.len() <= SHOW_BYTES {
            show(bytes)
        } else {
            format!("{}…[{} bytes, fnv {:016x}]", show(&bytes[..SHOW_BYTES]), bytes.len(), super::trace::fnv1a(bytes))
        }
    };
    match value {
        Value::Null => "NULL".to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => format!("{r:?}"),
        Value::Text(t) => cut(t, &|b| format!("'{}'", String::from_utf8_lossy(b).replace('\'', "''"))),
        Value::Blob(b) => cut(b, &|b| format!("X'{}'", b.iter().map(|x| format!("{x:02X}")).collect::<String>())),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Row(values) => {
                let shown: Vec<String> = values.iter().map(render_value).collect();
                write!(f, "row ({})", shown.join(", "))
            }
            Outcome::Done { changes, last_insert_rowid, autocommit } => {
                write!(f, "done changes={changes} last_rowid={last_insert_rowid} autocommit={autocommit}")
            }
            Outcome::Error { failure, autocommit } => {
                write!(f, "error {}/{} {:?} autocommit={autocommit}", failure.code, failure.extended, failure.message)
            }
            Outcome::Idle => write!(f, "idle"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: i32, message: &str, autocommit: bool) -> Outcome {
        Outcome::Error { failure: Failure { code, extended: code, message: message.to_string() }, autocommit }
    }

    #[test]
    fn only_busy_against_a_name_lookup_is_a_schema_cache_difference() {
        let busy = error(SQLITE_BUSY, "database is locked", true);
        let missing = error(SQLITE_ERROR, "no such table: t2", true);
        assert!(explained_by_schema_cache(&busy, &missing));
        assert!(explained_by_schema_cache(&missing, &busy));
        assert!(explained_by_schema_cache(&busy, &error(SQLITE_ERROR, "index i3 already exists", true)));
        // Not when the transaction states differ, nor for other errors or outcomes.
        assert!(!explained_by_schema_cache(&busy, &error(SQLITE_ERROR, "no such table: t2", false)));
        assert!(!explained_by_schema_cache(&busy, &error(SQLITE_ERROR, "no such column: c9", true)));
        assert!(!explained_by_schema_cache(&busy, &error(19, "UNIQUE constraint failed: t0.id", true)));
        assert!(!explained_by_schema_cache(&missing, &missing));
        assert!(!explained_by_schema_cache(&busy, &busy));
        let done = Outcome::Done { changes: 0, last_insert_rowid: 0, autocommit: true };
        assert!(!explained_by_schema_cache(&busy, &done));
        assert!(!explained_by_schema_cache(&missing, &done));
    }
}
