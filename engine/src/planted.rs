//! Bugs planted on purpose, so that tests can show the simulator catches each kind.
//!
//! Only with the `planted-bugs` feature does [`plant`] exist and can [`active`] return true;
//! without it `active` is a constant `false` that the compiler removes with the code it
//! guards. The selected bug is process-global (tests and the simulator's worker processes
//! set it once, before any run).

/// The bugs that can be planted. Each names, in its comment, what it breaks, the failure
/// class of the simulator's oracle it was planted for ([`Bug::class`]), and, where that
/// differs, the class a campaign of the default scenario catches it with first: a run ends
/// at the first check that sees a bug's effect (docs/planted-bugs.md has the measurement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Bug {
    /// No bug.
    None = 0,
    /// A DELETE that removes three or more rows through a b-tree cursor leaves the third
    /// row in place (its index entries go) while counting it as deleted: a lost delete.
    /// Class `result`; the default scenario mostly sees it first as `crash-integrity` (a
    /// recovered image's integrity_check finds the index entries without their row).
    DeleteSkipsThirdRow = 1,
    /// BEGIN IMMEDIATE treats the BUSY of the RESERVED lock as success (session/mod.rs,
    /// `Session::txn_control`): the connection believes it holds a write transaction while
    /// another connection writes, where SQLite says SQLITE_BUSY. Class `busy`.
    BusyNotRaised = 2,
    /// balance_nonroot skips the right-to-left pass that evens out the siblings
    /// (btree/nonroot.rs): cells stay packed to the left. The tree stays valid and the
    /// content equal; only the page layout differs from SQLite's. Class `page` (the default
    /// scenario requires L2).
    WrongBalanceSplit = 3,
    /// syncJournal does not sync the journal before the database pages are written
    /// (pager/commit.rs, `sync_journal`): a crash while they are written can leave a
    /// half-written database whose journal never reached the disk. Class `crash-integrity`
    /// (or `cross-recovery`); where the cost check is on (the default scenario) it is `cost`
    /// at the first commit: one sync fewer than SQLite's.
    SkippedJournalSync = 4,
    /// The commit does not sync the database file before it finalizes the journal
    /// (pager/commit.rs, `commit_phase_one`): an acknowledged commit can be lost, or land in
    /// part, at a crash. Class `crash-durability` (or `crash-integrity`, `cross-recovery`);
    /// where the cost check is on (the default scenario) it is `cost` at the first commit:
    /// one sync fewer than SQLite's.
    DbSyncSkippedAtCommit = 5,
    /// Hot-journal playback does not restore the last page record of each journal segment
    /// (pager/recovery.rs, `playback_records`): a crashed writer's page stays in the file,
    /// where SQLite's recovery of the same image restores it. Class `cross-recovery`.
    RecoverySkipsLastRecord = 6,
    /// Page 1 is changed without its original content being journaled (pager/mod.rs,
    /// `write_one`): a rollback after a crash restores every page but page 1, whose header
    /// (page count, freelist) and schema then disagree with the rest. Class
    /// `crash-integrity` (or `fault-atomicity`: a rollback after an I/O error restores no
    /// page 1 either). The default scenario first sees it as `result`: a later statement
    /// reads the page 1 the rollback did not restore.
    JournalOmitsPage1 = 7,
    /// A statement that fails with an I/O error or SQLITE_FULL inside an explicit transaction
    /// keeps its partial effect and the transaction stays open: its statement journal, if
    /// any, is released instead of rolled back (session/mod.rs, `Session::end_statement_err`).
    /// SQLite undoes the statement (a full disk with a statement journal) or the whole
    /// transaction (an I/O error, or a full disk without one). Class `fault-atomicity`, or
    /// `result` when the kept changes (or a page left dirty without its journal record) show
    /// only in a later statement.
    IoErrorKeepsStatement = 8,
    /// The planner ignores rowid constraints on a table with an INTEGER PRIMARY KEY
    /// (compile/planner/terms.rs, `constraints_of`): `WHERE id = 5` scans the whole table.
    /// The results stay right; the page fetches are many more than SQLite's. Class `cost`.
    RowidAliasIgnored = 9,
    /// Every commit syncs the database file twice (pager/commit.rs, `commit_phase_one`):
    /// one sync more than SQLite per write transaction. Class `cost`.
    ExtraSyncPerStatement = 10,
    /// Comparing two blobs takes a first-byte shortcut that indexes an empty blob
    /// (format/value.rs, `compare_values`): `x = X''` on a blob panics. Class `panic`.
    PanicOnEmptyBlobCompare = 11,
    /// Next on a table cursor does not move from a row whose rowid, or one of whose
    /// columns, is the integer i64::MAX (taken for the cursor's "row not read yet" sentinel;
    /// vdbe/exec_cursor.rs, OP_Next): the loop runs the same row forever. Reached by any
    /// forward scan over such a row (aggregates, UPDATE and DELETE scans, unindexed
    /// filters). Class `hang` (the progress budget stops it).
    HangOnMaxInteger = 12,
}

impl Bug {
    /// Every bug but `None`, in declaration order.
    pub const ALL: [Bug; 12] = [
        Bug::DeleteSkipsThirdRow,
        Bug::BusyNotRaised,
        Bug::WrongBalanceSplit,
        Bug::SkippedJournalSync,
        Bug::DbSyncSkippedAtCommit,
        Bug::RecoverySkipsLastRecord,
        Bug::JournalOmitsPage1,
        Bug::IoErrorKeepsStatement,
        Bug::RowidAliasIgnored,
        Bug::ExtraSyncPerStatement,
        Bug::PanicOnEmptyBlobCompare,
        Bug::HangOnMaxInteger,
    ];

    /// The bug's name, as TOUCHSTONE_PLANT spells it ("delete-skips-third-row").
    pub fn name(self) -> &'static str {
        match self {
            Bug::None => "none",
            Bug::DeleteSkipsThirdRow => "delete-skips-third-row",
            Bug::BusyNotRaised => "busy-not-raised",
            Bug::WrongBalanceSplit => "wrong-balance-split",
            Bug::SkippedJournalSync => "skipped-journal-sync",
            Bug::DbSyncSkippedAtCommit => "db-sync-skipped-at-commit",
            Bug::RecoverySkipsLastRecord => "recovery-skips-last-record",
            Bug::JournalOmitsPage1 => "journal-omits-page-1",
            Bug::IoErrorKeepsStatement => "io-error-keeps-statement",
            Bug::RowidAliasIgnored => "rowid-alias-ignored",
            Bug::ExtraSyncPerStatement => "extra-sync-per-statement",
            Bug::PanicOnEmptyBlobCompare => "panic-on-empty-blob-compare",
            Bug::HangOnMaxInteger => "hang-on-max-integer",
        }
    }

    /// The failure class of the simulator's oracle the bug was planted for ("result"). A
    /// campaign may catch it first under another class (see the variant's comment).
    pub fn class(self) -> &'static str {
        match self {
            Bug::None => "none",
            Bug::DeleteSkipsThirdRow => "result",
            Bug::BusyNotRaised => "busy",
            Bug::WrongBalanceSplit => "page",
            Bug::SkippedJournalSync | Bug::JournalOmitsPage1 => "crash-integrity",
            Bug::DbSyncSkippedAtCommit => "crash-durability",
            Bug::RecoverySkipsLastRecord => "cross-recovery",
            Bug::IoErrorKeepsStatement => "fault-atomicity",
            Bug::RowidAliasIgnored | Bug::ExtraSyncPerStatement => "cost",
            Bug::PanicOnEmptyBlobCompare => "panic",
            Bug::HangOnMaxInteger => "hang",
        }
    }

    /// The bug named `name` ("delete-skips-third-row"), if any.
    pub fn from_name(name: &str) -> Option<Bug> {
        if name == "none" {
            return Some(Bug::None);
        }
        Bug::ALL.into_iter().find(|b| b.name() == name)
    }
}

#[cfg(feature = "planted-bugs")]
static ACTIVE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Plants `bug` (replacing any other) for the whole process.
#[cfg(feature = "planted-bugs")]
pub fn plant(bug: Bug) {
    ACTIVE.store(bug as u32, std::sync::atomic::Ordering::Relaxed);
}

/// True when `bug` is planted.
#[inline]
pub fn active(bug: Bug) -> bool {
    #[cfg(feature = "planted-bugs")]
    {
        ACTIVE.load(std::sync::atomic::Ordering::Relaxed) == bug as u32
    }
    #[cfg(not(feature = "planted-bugs"))]
    {
        let _ = bug;
        false
    }
}
