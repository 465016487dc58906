//! Errors of SQLite's kinds.
//!
//! Every fallible operation in the engine returns [`Result`]. An [`Error`] carries the SQLite
//! primary result code it corresponds to ([`ErrorCode`]), an optional extended code for the
//! classes the oracle distinguishes (which I/O call failed, which constraint), and a message
//! for humans. The numeric values are SQLite's own, so an outcome of the engine can be compared
//! with an outcome of real SQLite without a translation table.

use std::fmt;

/// SQLite's primary result codes that the engine can produce (sqlite3.h, "Result Codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// SQLITE_ERROR (1): generic error, SQL error, missing table or column.
    Error,
    /// SQLITE_INTERNAL (2): an invariant of the engine itself does not hold.
    Internal,
    /// SQLITE_PERM (3): access permission denied.
    Perm,
    /// SQLITE_ABORT (4): the operation was aborted.
    Abort,
    /// SQLITE_BUSY (5): a lock could not be had at once.
    Busy,
    /// SQLITE_LOCKED (6): a table in this connection is locked.
    Locked,
    /// SQLITE_NOMEM (7): an explicit memory limit was reached.
    NoMem,
    /// SQLITE_READONLY (8): attempt to write a read-only database.
    ReadOnly,
    /// SQLITE_INTERRUPT (9).
    Interrupt,
    /// SQLITE_IOERR (10): the Vfs reported an I/O error. See [`IoErrorKind`].
    IoErr,
    /// SQLITE_CORRUPT (11): the database file is malformed.
    Corrupt,
    /// SQLITE_NOTFOUND (12).
    NotFound,
    /// SQLITE_FULL (13): the disk is full.
    Full,
    /// SQLITE_CANTOPEN (14): a file could not be opened.
    CantOpen,
    /// SQLITE_PROTOCOL (15): locking protocol error.
    Protocol,
    /// SQLITE_SCHEMA (17): the schema changed under a prepared statement.
    Schema,
    /// SQLITE_TOOBIG (18): a string or blob is larger than the limit.
    TooBig,
    /// SQLITE_CONSTRAINT (19). See [`ConstraintKind`].
    Constraint,
    /// SQLITE_MISMATCH (20): datatype mismatch.
    Mismatch,
    /// SQLITE_MISUSE (21): the API was used wrongly.
    Misuse,
    /// SQLITE_RANGE (25): a parameter index is out of range.
    Range,
    /// SQLITE_NOTADB (26): the file is not a database.
    NotADb,
}

impl ErrorCode {
    /// SQLite's numeric value of this primary code.
    pub fn sqlite_code(self) -> i32 {
        match self {
            ErrorCode::Error => 1,
            ErrorCode::Internal => 2,
            ErrorCode::Perm => 3,
            ErrorCode::Abort => 4,
            ErrorCode::Busy => 5,
            ErrorCode::Locked => 6,
            ErrorCode::NoMem => 7,
            ErrorCode::ReadOnly => 8,
            ErrorCode::Interrupt => 9,
            ErrorCode::IoErr => 10,
            ErrorCode::Corrupt => 11,
            ErrorCode::NotFound => 12,
            ErrorCode::Full => 13,
            ErrorCode::CantOpen => 14,
            ErrorCode::Protocol => 15,
            ErrorCode::Schema => 17,
            ErrorCode::TooBig => 18,
            ErrorCode::Constraint => 19,
            ErrorCode::Mismatch => 20,
            ErrorCode::Misuse => 21,
            ErrorCode::Range => 25,
            ErrorCode::NotADb => 26,
        }
    }

    /// SQLite's text for this code (`sqlite3ErrStr`).
    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::Error => "SQL logic error",
            ErrorCode::Internal => "internal logic error",
            ErrorCode::Perm => "access permission denied",
            ErrorCode::Abort => "query aborted",
            ErrorCode::Busy => "database is locked",
            ErrorCode::Locked => "database table is locked",
            ErrorCode::NoMem => "out of memory",
            ErrorCode::ReadOnly => "attempt to write a readonly database",
            ErrorCode::Interrupt => "interrupted",
            ErrorCode::IoErr => "disk I/O error",
            ErrorCode::Corrupt => "database disk image is malformed",
            ErrorCode::NotFound => "unknown operation",
            ErrorCode::Full => "database or disk is full",
            ErrorCode::CantOpen => "unable to open database file",
            ErrorCode::Protocol => "locking protocol",
            ErrorCode::Schema => "database schema has changed",
            ErrorCode::TooBig => "string or blob too big",
            ErrorCode::Constraint => "constraint failed",
            ErrorCode::Mismatch => "datatype mismatch",
            ErrorCode::Misuse => "bad parameter or other API misuse",
            ErrorCode::Range => "column index out of range",
            ErrorCode::NotADb => "file is not a database",
        }
    }
}

/// Which Vfs call failed, for [`ErrorCode::IoErr`] (SQLite's SQLITE_IOERR_* extended codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoErrorKind {
    Read,
    ShortRead,
    Write,
    Fsync,
    Truncate,
    Fstat,
    Unlock,
    ReadLock,
    Delete,
    Lock,
    Access,
    CheckReservedLock,
    Close,
    /// The process that owned the file is gone (the simulator's crash): every call fails.
    Dead,
}

impl IoErrorKind {
    /// SQLite's extended result code (SQLITE_IOERR | (n << 8)).
    pub fn extended_code(self) -> i32 {
        let n = match self {
            IoErrorKind::Read => 1,
            IoErrorKind::ShortRead => 2,
            IoErrorKind::Write => 3,
            IoErrorKind::Fsync => 4,
            IoErrorKind::Truncate => 6,
            IoErrorKind::Fstat => 7,
            IoErrorKind::Unlock => 8,
            IoErrorKind::ReadLock => 9,
            IoErrorKind::Delete => 10,
            IoErrorKind::Access => 13,
            IoErrorKind::CheckReservedLock => 14,
            IoErrorKind::Lock => 15,
            IoErrorKind::Close => 16,
            // No SQLite counterpart; reported as a plain SQLITE_IOERR.
            IoErrorKind::Dead => 0,
        };
        10 | (n << 8)
    }
}

/// Which constraint failed, for [`ErrorCode::Constraint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    Check,
    NotNull,
    PrimaryKey,
    Unique,
    RowId,
}

impl ConstraintKind {
    /// SQLite's extended result code (SQLITE_CONSTRAINT | (n << 8)).
    pub fn extended_code(self) -> i32 {
        let n = match self {
            ConstraintKind::Check => 1,
            ConstraintKind::NotNull => 5,
            ConstraintKind::PrimaryKey => 6,
            ConstraintKind::Unique => 8,
            ConstraintKind::RowId => 10,
        };
        19 | (n << 8)
    }
}

/// Extra detail for the codes that have SQLite extended codes the oracle tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detail {
    None,
    Io(IoErrorKind),
    Constraint(ConstraintKind),
}

/// An error of the engine: a SQLite result code, its detail, and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    detail: Detail,
    message: String,
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with `code` and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, detail: Detail::None, message: message.into() }
    }

    /// SQLITE_CORRUPT with a message saying what was found malformed.
    pub fn corrupt(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Corrupt, message)
    }

    /// SQLITE_IOERR_* for a failed Vfs call.
    pub fn io(kind: IoErrorKind, message: impl Into<String>) -> Error {
        Error { code: ErrorCode::IoErr, detail: Detail::Io(kind), message: message.into() }
    }

    /// SQLITE_BUSY: a lock could not be had at once.
    pub fn busy() -> Error {
        Error::new(ErrorCode::Busy, ErrorCode::Busy.description())
    }

    /// SQLITE_FULL: the disk (or the database's page limit) is full.
    pub fn full(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Full, message)
    }

    /// SQLITE_CONSTRAINT_* with SQLite's message, e.g. "UNIQUE constraint failed: t.a".
    pub fn constraint(kind: ConstraintKind, message: impl Into<String>) -> Error {
        Error { code: ErrorCode::Constraint, detail: Detail::Constraint(kind), message: message.into() }
    }

    /// SQLITE_INTERNAL: an invariant of the engine failed on input that passed validation.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Internal, message)
    }

    /// SQLITE_MISUSE: the API was called in a state that does not allow it.
    pub fn misuse(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Misuse, message)
    }

    /// The primary result code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The extended detail (which I/O call, which constraint).
    pub fn detail(&self) -> Detail {
        self.detail
    }

    /// SQLite's extended result code for this error.
    pub fn extended_code(&self) -> i32 {
        match self.detail {
            Detail::None => self.code.sqlite_code(),
            Detail::Io(kind) => kind.extended_code(),
            Detail::Constraint(kind) => kind.extended_code(),
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True for SQLITE_CORRUPT.
    pub fn is_corrupt(&self) -> bool {
        self.code == ErrorCode::Corrupt
    }

    /// True for SQLITE_BUSY.
    pub fn is_busy(&self) -> bool {
        self.code == ErrorCode::Busy
    }

    /// Prefixes the message with where the error arose, keeping code and detail.
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.extended_code())
    }
}

impl std::error::Error for Error {}

/// Returns `Err(Error::corrupt(..))` from the enclosing function when `cond` is false.
///
/// Used wherever bytes read from a file decide what the engine does next: every such decision
/// is checked, never assumed, so a malformed file ends in SQLITE_CORRUPT instead of a panic.
///
/// The error is built out of line by a cold function, so that the checks on the hot paths of
/// seeks and inserts stay a compare and a branch.
#[macro_export]
macro_rules! ensure_corrupt {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::error::corrupt_error(format_args!($($msg)+)));
        }
    };
}

/// SQLITE_CORRUPT with the message `args`, built out of line: for [`ensure_corrupt!`] and
/// the other corruption checks of hot paths, which should cost a branch, not the code that
/// formats the message.
#[cold]
#[inline(never)]
pub fn corrupt_error(args: std::fmt::Arguments<'_>) -> Error {
    Error::corrupt(std::fmt::format(args))
}

/// SQLITE_INTERNAL with the message `args`, built out of line (see [`corrupt_error`]).
#[cold]
#[inline(never)]
pub fn internal_error(args: std::fmt::Arguments<'_>) -> Error {
    Error::internal(std::fmt::format(args))
}

/// SQLite's ordinal (`%r`) for messages: 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_codes_match_sqlite() {
        // Values from sqlite3.h.
        assert_eq!(IoErrorKind::Read.extended_code(), 266);
        assert_eq!(IoErrorKind::ShortRead.extended_code(), 522);
        assert_eq!(IoErrorKind::Write.extended_code(), 778);
        assert_eq!(IoErrorKind::Fsync.extended_code(), 1034);
        assert_eq!(ConstraintKind::Unique.extended_code(), 2067);
        assert_eq!(ConstraintKind::PrimaryKey.extended_code(), 1555);
        assert_eq!(ConstraintKind::NotNull.extended_code(), 1299);
        assert_eq!(Error::busy().extended_code(), 5);
    }
}
