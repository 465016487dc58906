//! The instruction set of the virtual machine.
//!
//! The opcodes are SQLite's (vdbe.c), with the same names and meanings where they exist, so
//! that a program reads like the `EXPLAIN` output of SQLite for the same statement. Operands
//! are named fields rather than P1..P5: `Reg` is a register number, `Addr` an instruction
//! address, `CursorId` a cursor slot.
//!
//! Conventions that hold for every opcode:
//! - A jump target is an address in the same program (checked when the program is built).
//! - Registers and cursor slots are below the program's `n_regs` / `n_cursors`.
//! - An opcode that reads a cursor requires it to be open; one that reads "the current row"
//!   requires the cursor to be on a row (or in the null-row state, where every column is NULL).

use std::rc::Rc;

use crate::btree::KeyInfo;
use crate::error::ErrorCode;
use crate::eval::aggregate::AggregateKind;
use crate::eval::arith::{ArithOp, BitOp};
use crate::eval::compare::CmpOp;
use crate::eval::scalar::FunctionDef;
use crate::format::value::{Collation, Value};
use crate::pager::Pgno;
use crate::schema::Affinity;

/// A register number.
pub type Reg = u32;
/// An instruction address.
pub type Addr = u32;
/// A cursor slot.
pub type CursorId = u32;

/// How a comparison treats NULL operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullMode {
    /// SQL's rule: a comparison with NULL is unknown; a jump form jumps iff `jump_if_null`.
    Unknown { jump_if_null: bool },
    /// IS / IS NOT (SQLITE_NULLEQ): NULL equals NULL and nothing else.
    NullEq,
}

/// What a comparison does with its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOutput {
    /// Jump to the address when the comparison holds (SQLite's jump form).
    Jump(Addr),
    /// Store 1, 0 or NULL in the register (SQLITE_STOREP2).
    Store(Reg),
}

/// The kind of a seek on an index or table cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekKind {
    Ge,
    Gt,
    Le,
    Lt,
}

/// What a Halt reports.
#[derive(Clone, Debug, PartialEq)]
pub enum HaltKind {
    /// The program finished.
    Ok,
    /// An error with SQLite's code and message (constraint failures, RAISE, ...). `action`
    /// says how much of the transaction the error undoes.
    Error { code: ErrorCode, constraint: Option<crate::error::ConstraintKind>, message: String, action: OnError },
}

/// How much an error undoes (SQLite's OE_Abort / OE_Fail / OE_Rollback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Undo the statement's changes; the transaction stays open.
    Abort,
    /// Keep the statement's changes made so far; the transaction stays open.
    Fail,
    /// Roll the whole transaction back.
    Rollback,
}

/// The kind of cursor an Open opcode opens.
#[derive(Clone, Debug, PartialEq)]
pub enum TreeSpec {
    /// A table b-tree (rows keyed by rowid).
    Table,
    /// An index b-tree with this key order.
    Index(Rc<KeyInfo>),
}

/// Flags of an Insert.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsertOpts {
    /// Count the row in `changes()` (OPFLAG_NCHANGE).
    pub count_change: bool,
    /// Set `last_insert_rowid()` (OPFLAG_LASTROWID).
    pub set_last_rowid: bool,
    /// The cursor already stands where the row goes (OPFLAG_USESEEKRESULT after a NotExists).
    pub use_seek_result: bool,
    /// The cursor stays on the row written, or seeks back to it after a balance moved it
    /// (OPFLAG_SAVEPOSITION: a one-pass UPDATE's loop goes on from there).
    pub save_position: bool,
}

/// What a transaction-control statement does (OP_AutoCommit, OP_Savepoint).
#[derive(Clone, Debug, PartialEq)]
pub enum TxnOp {
    Begin(crate::sql::ast::TransactionKind),
    Commit,
    Rollback,
    Savepoint(Rc<str>),
    Release(Rc<str>),
    RollbackTo(Rc<str>),
}

/// One instruction.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    // ----- control ------------------------------------------------------------------------
    /// Jump to `target`.
    Goto {
        target: Addr,
    },
    /// Store the address of the next instruction in `ret`, then jump to `target`.
    Gosub {
        ret: Reg,
        target: Addr,
    },
    /// Jump to the address in `ret` (set by Gosub).
    Return {
        ret: Reg,
    },
    /// Set up a co-routine whose body starts at `start`: the first Yield on `ret` enters it
    /// there. Jumps to `end` (the first instruction after the body).
    InitCoroutine {
        ret: Reg,
        start: Addr,
        end: Addr,
    },
    /// Swap control with the other side of the co-routine whose resume point is in `ret`:
    /// store this instruction's address in `ret` and continue after the address it held.
    /// `on_end` is where the caller goes when the co-routine ends (unused on the co-routine's
    /// own side).
    Yield {
        ret: Reg,
        on_end: Addr,
    },
    /// End a co-routine: jump to the `on_end` of the Yield that last resumed it; later Yields
    /// on `ret` come back here.
    EndCoroutine {
        ret: Reg,
    },
    /// Stop the program.
    Halt(HaltKind),
    /// Halt with a NOT NULL constraint error when register `reg` is NULL.
    HaltIfNull {
        reg: Reg,
        message: Rc<str>,
        action: OnError,
    },
    /// Jump to `target` on every run of this instruction but the first in a program run.
    Once {
        target: Addr,
    },
    /// Jump when the value is true (or NULL and `jump_if_null`).
    If {
        reg: Reg,
        target: Addr,
        jump_if_null: bool,
    },
    /// Jump when the value is false (or NULL and `jump_if_null`).
    IfNot {
        reg: Reg,
        target: Addr,
        jump_if_null: bool,
    },
    /// Jump when the register is NULL.
    IsNull {
        reg: Reg,
        target: Addr,
    },
    /// Jump when the register is not NULL.
    NotNull {
        reg: Reg,
        target: Addr,
    },
    /// Jump when the integer in `reg` is positive, after subtracting `decrement` from it.
    IfPos {
        reg: Reg,
        target: Addr,
        decrement: i64,
    },
    /// Decrement the integer in `reg` when it is positive; jump if it is then zero... exactly
    /// SQLite's OP_DecrJumpZero: decrement (unless at i64::MIN) and jump if it became zero.
    DecrJumpZero {
        reg: Reg,
        target: Addr,
    },
    /// Jump when the integer in `reg` is not zero, decrementing it when positive (IfNotZero).
    IfNotZero {
        reg: Reg,
        target: Addr,
    },
    /// Make `reg` an integer (converting losslessly if it can); when it cannot, jump to
    /// `target`, or fail with "datatype mismatch" when there is no target.
    MustBeInt {
        reg: Reg,
        target: Option<Addr>,
    },
    /// LIMIT/OFFSET: `dest` = limit + offset (limit when offset <= 0; -1 when limit < 0).
    OffsetLimit {
        limit: Reg,
        dest: Reg,
        offset: Reg,
    },
    /// Jump to `lt`, `eq` or `gt` by the result of the last Compare.
    Jump {
        lt: Addr,
        eq: Addr,
        gt: Addr,
    },

    // ----- values ---------------------------------------------------------------------------
    /// Set `count` registers from `dest` to NULL.
    Null {
        dest: Reg,
        count: u32,
    },
    Integer {
        dest: Reg,
        value: i64,
    },
    Real {
        dest: Reg,
        value: f64,
    },
    /// A text or blob or any other constant value.
    Const {
        dest: Reg,
        value: Rc<Value>,
    },
    /// The value bound to parameter `index` (1-based).
    Variable {
        dest: Reg,
        index: u32,
    },
    /// Copy `count` registers from `src` to `dest`.
    Copy {
        src: Reg,
        dest: Reg,
        count: u32,
    },
    /// Add `value` to the integer value of `reg`; the result is always an integer (NULL and
    /// text count as their integer value, NULL as 0) (OP_AddImm).
    AddImm {
        reg: Reg,
        value: i64,
    },
    /// Move `count` registers from `src` to `dest`, leaving NULLs behind.
    Move {
        src: Reg,
        dest: Reg,
        count: u32,
    },

    // ----- expressions ----------------------------------------------------------------------
    /// `dest = lhs op rhs` for + - * / %.
    Arith {
        op: ArithOp,
        lhs: Reg,
        rhs: Reg,
        dest: Reg,
    },
    /// `dest = lhs op rhs` for & | << >>.
    Bit {
        op: BitOp,
        lhs: Reg,
        rhs: Reg,
        dest: Reg,
    },
    /// `dest = lhs || rhs`.
    Concat {
        lhs: Reg,
        rhs: Reg,
        dest: Reg,
    },
    /// `dest = -src`.
    Negate {
        src: Reg,
        dest: Reg,
    },
    /// `dest = ~src`.
    BitNot {
        src: Reg,
        dest: Reg,
    },
    /// `dest = NOT src` (three-valued).
    Not {
        src: Reg,
        dest: Reg,
    },
    /// `dest = lhs AND rhs` (three-valued; both operands already evaluated).
    And {
        lhs: Reg,
        rhs: Reg,
        dest: Reg,
    },
    /// `dest = lhs OR rhs`.
    Or {
        lhs: Reg,
        rhs: Reg,
        dest: Reg,
    },
    /// `dest = src IS [NOT] truth` (OP_IsTrue).
    IsTrue {
        src: Reg,
        dest: Reg,
        truth: bool,
        negated: bool,
    },
    /// `dest = src IS [NOT] NULL` as 1 / 0.
    IsNullValue {
        src: Reg,
        dest: Reg,
        negated: bool,
    },
    /// A comparison `lhs op rhs` under `affinity` and `collation`.
    Compare {
        op: CmpOp,
        lhs: Reg,
        rhs: Reg,
        affinity: Option<Affinity>,
        collation: Collation,
        nulls: NullMode,
        output: CmpOutput,
    },
    /// Compare `count` registers from `lhs` with `count` from `rhs` under `key_info`, for the
    /// next Jump (OP_Compare).
    CompareRows {
        lhs: Reg,
        rhs: Reg,
        count: u32,
        key_info: Rc<KeyInfo>,
    },
    /// Call a scalar function on `argc` registers from `args`.
    Function {
        func: &'static FunctionDef,
        args: Reg,
        argc: u32,
        dest: Reg,
        collation: Collation,
    },
    /// CAST the register in place.
    Cast {
        reg: Reg,
        affinity: Affinity,
    },
    /// Apply column affinities to `affinities.len()` registers from `start` (OP_Affinity).
    Affinity {
        start: Reg,
        affinities: Rc<[Affinity]>,
    },
    /// Apply column affinities as OP_MakeRecord does when it writes a record
    /// (`eval::affinity::record_value` on the MakeRecord path): like Affinity, except that an
    /// integral value of a REAL column within ±2^47 stays an INTEGER (it is written as one).
    RecordAffinity {
        start: Reg,
        affinities: Rc<[Affinity]>,
    },
    /// An INTEGER value read from a REAL column becomes REAL (OP_RealAffinity).
    RealAffinity {
        reg: Reg,
    },

    // ----- cursors ----------------------------------------------------------------------------
    /// Open a read cursor on the b-tree at `root`.
    OpenRead {
        cursor: CursorId,
        root: Pgno,
        tree: TreeSpec,
    },
    /// Open a write cursor on the b-tree at `root`.
    OpenWrite {
        cursor: CursorId,
        root: Pgno,
        tree: TreeSpec,
    },
    /// Open an in-memory table (`key_info` None: rows by rowid) or index (ordered records).
    OpenEphemeral {
        cursor: CursorId,
        key_info: Option<Rc<KeyInfo>>,
    },
    /// Open a sorter ordering records by their first `key_info` fields.
    SorterOpen {
        cursor: CursorId,
        key_info: Rc<KeyInfo>,
    },
    /// Close a cursor.
    Close {
        cursor: CursorId,
    },
    /// Move to the first entry; jump to `if_empty` when there is none.
    Rewind {
        cursor: CursorId,
        if_empty: Addr,
    },
    /// Jump to `target` when the b-tree of `cursor` has no entry (read from its root page).
    IfEmpty {
        cursor: CursorId,
        target: Addr,
    },
    /// Move to the last entry; jump to `if_empty` when there is none.
    Last {
        cursor: CursorId,
        if_empty: Addr,
    },
    /// Move to the next entry and jump to `target`; fall through at the end.
    Next {
        cursor: CursorId,
        target: Addr,
    },
    /// Move to the previous entry and jump to `target`; fall through at the start.
    Prev {
        cursor: CursorId,
        target: Addr,
    },
    /// Position table cursor `table_cursor` on the row whose rowid ends the current entry of
    /// index cursor `index_cursor`, when the row is first read (OP_DeferredSeek): a read
    /// that finds no such row is SQLITE_CORRUPT.
    DeferredSeek {
        index_cursor: CursorId,
        table_cursor: CursorId,
    },
    /// Move a table cursor to the row whose rowid is in `reg`; jump to `not_found` when there
    /// is none or `reg` does not hold an integer (OP_SeekRowid).
    SeekRowid {
        cursor: CursorId,
        reg: Reg,
        not_found: Addr,
    },
    /// Seek an index cursor by the `count` key registers from `key` (a table cursor by the
    /// rowid in `key`); jump to `not_found` when no entry is on that side of the key.
    /// `eq_only` (OPFLAG_SEEKEQ, a Ge / Le seek followed by the IdxCompare of the same key):
    /// only entries equal to the key are wanted, so when the search met none the seek jumps
    /// at once, leaving the cursor where the search ended (no step off the end of the tree:
    /// the next search may start there).
    Seek {
        kind: SeekKind,
        cursor: CursorId,
        key: Reg,
        count: u32,
        not_found: Addr,
        eq_only: bool,
    },
    /// Compare the current index entry's first `count` fields with registers from `key`;
    /// jump to `target` when the entry is `kind` the key (OP_IdxGE & co.).
    IdxCompare {
        kind: SeekKind,
        cursor: CursorId,
        key: Reg,
        count: u32,
        target: Addr,
    },
    /// Jump to `target` when the index (or ephemeral index) holds an entry whose first `count`
    /// fields equal registers from `key` (Found) or holds none (NotFound).
    Found {
        cursor: CursorId,
        key: Reg,
        count: u32,
        target: Addr,
        negated: bool,
    },
    /// Jump to `target` when a key from `key` with no NULL in its `count` fields has no match
    /// (OP_NoConflict); positions the cursor on the match otherwise.
    NoConflict {
        cursor: CursorId,
        key: Reg,
        count: u32,
        target: Addr,
    },
    /// Read column `column` of the current row into `dest` (NULL past the record's end or on
    /// a null row). For table cursors `column` counts stored columns.
    Column {
        cursor: CursorId,
        column: u32,
        dest: Reg,
    },
    /// Column with OPFLAG_TYPEOFARG: the value is only tested for NULL, so a value whose
    /// bytes lie on overflow pages is not read (a placeholder of its type, empty for text and
    /// blobs, stands in for it). Made only from a Column just before an IS NULL test.
    ColumnTypeof {
        cursor: CursorId,
        column: u32,
        dest: Reg,
    },
    /// The current row's rowid (table cursor), or the last field of the current index entry.
    Rowid {
        cursor: CursorId,
        dest: Reg,
    },
    /// Put the cursor in the null-row state: every Column is NULL until it moves.
    NullRow {
        cursor: CursorId,
    },
    /// A new rowid for a table cursor: one more than the largest (OP_NewRowid).
    NewRowid {
        cursor: CursorId,
        dest: Reg,
    },
    /// Insert (or overwrite) the row `rowid` whose columns are the `count` registers from
    /// `start` (SQLite's MakeRecord + Insert).
    Insert {
        cursor: CursorId,
        start: Reg,
        count: u32,
        rowid: Reg,
        opts: InsertOpts,
    },
    /// Insert the index entry made of `count` registers from `start` (MakeRecord +
    /// IdxInsert); an ephemeral index ignores a duplicate. With `use_seek_result`
    /// (OPFLAG_USESEEKRESULT) the entry goes where the cursor's last key seek left it, when
    /// that seek found no equal key and nothing has moved the cursor since (an INSERT's
    /// uniqueness check positions its index cursor so).
    IdxInsert {
        cursor: CursorId,
        start: Reg,
        count: u32,
        use_seek_result: bool,
    },
    /// Delete the current row or entry; counted in `changes()` when `count_change`. With
    /// `save_position` (OPFLAG_SAVEPOSITION) the cursor is left so that its next step goes
    /// on from the deleted entry's place (a one-pass DELETE's loop); without it the cursor
    /// goes back to its root page.
    Delete {
        cursor: CursorId,
        count_change: bool,
        save_position: bool,
    },
    /// Delete the index entry equal to the `count` registers from `key`, if there is one.
    IdxDelete {
        cursor: CursorId,
        key: Reg,
        count: u32,
    },
    /// Delete every row of the b-tree at `root`; add their number to changes() when asked.
    Clear {
        root: Pgno,
        count_changes: bool,
    },
    /// The number of entries of the b-tree under the cursor (OP_Count).
    Count {
        cursor: CursorId,
        dest: Reg,
    },
    /// Insert the record made of `count` registers from `start` into a sorter.
    SorterInsert {
        cursor: CursorId,
        start: Reg,
        count: u32,
    },
    /// Sort; jump to `if_empty` when the sorter holds nothing; else stand on the first record.
    SorterSort {
        cursor: CursorId,
        if_empty: Addr,
    },
    /// The next sorted record; jump to `target` while there is one.
    SorterNext {
        cursor: CursorId,
        target: Addr,
    },
    /// Empty a sorter, which then takes records again (OP_ResetSorter: the next block of a
    /// block sort).
    ResetSorter {
        cursor: CursorId,
    },
    /// A sequence number per cursor, from 0 (OP_Sequence).
    Sequence {
        cursor: CursorId,
        dest: Reg,
    },

    // ----- results and aggregates -----------------------------------------------------------------
    /// Yield one result row: `count` registers from `start`.
    ResultRow {
        start: Reg,
        count: u32,
    },
    /// Reset the accumulator `acc` to an empty `kind` aggregate.
    AggInit {
        acc: u32,
        kind: AggregateKind,
        collation: Collation,
        distinct: bool,
    },
    /// Feed `argc` registers from `args` to accumulator `acc`. For min() and max(), `hit`
    /// is set to 1 when the row did not become the new extreme (SQLite's skipFlag with
    /// OP_CollSeq), so that bare columns keep the extreme row's values.
    AggStep {
        acc: u32,
        args: Reg,
        argc: u32,
        hit: Option<Reg>,
    },
    /// The value of accumulator `acc`.
    AggFinal {
        acc: u32,
        dest: Reg,
    },

    // ----- transactions ---------------------------------------------------------------------------
    /// Start (or join) a read or write transaction; the schema must be the one the program was
    /// compiled against (else the statement is re-prepared).
    Transaction {
        write: bool,
    },
    /// Run the DDL statement whose text is given, in the current write transaction.
    Ddl {
        sql: Rc<str>,
    },
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK TO.
    TxnControl(TxnOp),
    /// Run a PRAGMA, putting its result rows into the ephemeral table `cursor`.
    Pragma {
        pragma: Rc<crate::sql::ast::Pragma>,
        cursor: CursorId,
    },
    /// Do nothing.
    Noop,
}

impl Op {
    /// The name SQLite gives the opcode (for EXPLAIN listings).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Goto { .. } => "Goto",
            Op::Gosub { .. } => "Gosub",
            Op::Return { .. } => "Return",
            Op::InitCoroutine { .. } => "InitCoroutine",
            Op::Yield { .. } => "Yield",
            Op::EndCoroutine { .. } => "EndCoroutine",
            Op::Halt(_) => "Halt",
            Op::HaltIfNull { .. } => "HaltIfNull",
            Op::Once { .. } => "Once",
            Op::If { .. } => "If",
            Op::IfNot { .. } => "IfNot",
            Op::IsNull { .. } => "IsNull",
            Op::NotNull { .. } => "NotNull",
            Op::IfPos { .. } => "IfPos",
            Op::DecrJumpZero { .. } => "DecrJumpZero",
            Op::IfNotZero { .. } => "IfNotZero",
            Op::MustBeInt { .. } => "MustBeInt",
            Op::OffsetLimit { .. } => "OffsetLimit",
            Op::Jump { .. } => "Jump",
            Op::Null { .. } => "Null",
            Op::Integer { .. } => "Integer",
            Op::Real { .. } => "Real",
            Op::Const { .. } => "String8",
            Op::Variable { .. } => "Variable",
            Op::Copy { .. } => "Copy",
            Op::Move { .. } => "Move",
            Op::AddImm { .. } => "AddImm",
            Op::Arith { op, .. } => match op {
                ArithOp::Add => "Add",
                ArithOp::Sub => "Subtract",
                ArithOp::Mul => "Multiply",
                ArithOp::Div => "Divide",
                ArithOp::Rem => "Remainder",
            },
            Op::Bit { op, .. } => match op {
                BitOp::And => "BitAnd",
                BitOp::Or => "BitOr",
                BitOp::ShiftLeft => "ShiftLeft",
                BitOp::ShiftRight => "ShiftRight",
            },
            Op::Concat { .. } => "Concat",
            Op::Negate { .. } => "Negate",
            Op::BitNot { .. } => "BitNot",
            Op::Not { .. } => "Not",
            Op::And { .. } => "And",
            Op::Or { .. } => "Or",
            Op::IsTrue { .. } => "IsTrue",
            Op::IsNullValue { .. } => "IsNullValue",
            Op::Compare { op, .. } => match op {
                CmpOp::Eq => "Eq",
                CmpOp::Ne => "Ne",
                CmpOp::Lt => "Lt",
                CmpOp::Le => "Le",
                CmpOp::Gt => "Gt",
                CmpOp::Ge => "Ge",
            },
            Op::CompareRows { .. } => "Compare",
            Op::Function { .. } => "Function",
            Op::Cast { .. } => "Cast",
            Op::Affinity { .. } => "Affinity",
            Op::RealAffinity { .. } => "RealAffinity",
            Op::RecordAffinity { .. } => "MakeRecord",
            Op::OpenRead { .. } => "OpenRead",
            Op::OpenWrite { .. } => "OpenWrite",
            Op::OpenEphemeral { .. } => "OpenEphemeral",
            Op::SorterOpen { .. } => "SorterOpen",
            Op::Close { .. } => "Close",
            Op::Rewind { .. } => "Rewind",
            Op::IfEmpty { .. } => "IfEmpty",
            Op::Last { .. } => "Last",
            Op::Next { .. } => "Next",
            Op::Prev { .. } => "Prev",
            Op::SeekRowid { .. } => "SeekRowid",
            Op::Seek { kind, .. } => match kind {
                SeekKind::Ge => "SeekGE",
                SeekKind::Gt => "SeekGT",
                SeekKind::Le => "SeekLE",
                SeekKind::Lt => "SeekLT",
            },
            Op::IdxCompare { kind, .. } => match kind {
                SeekKind::Ge => "IdxGE",
                SeekKind::Gt => "IdxGT",
                SeekKind::Le => "IdxLE",
                SeekKind::Lt => "IdxLT",
            },
            Op::Found { negated: false, .. } => "Found",
            Op::Found { negated: true, .. } => "NotFound",
            Op::NoConflict { .. } => "NoConflict",
            Op::Column { .. } | Op::ColumnTypeof { .. } => "Column",
            Op::Rowid { .. } => "Rowid",
            Op::NullRow { .. } => "NullRow",
            Op::NewRowid { .. } => "NewRowid",
            Op::Insert { .. } => "Insert",
            Op::IdxInsert { .. } => "IdxInsert",
            Op::Delete { .. } => "Delete",
            Op::IdxDelete { .. } => "IdxDelete",
            Op::Clear { .. } => "Clear",
            Op::Count { .. } => "Count",
            Op::SorterInsert { .. } => "SorterInsert",
            Op::SorterSort { .. } => "SorterSort",
            Op::SorterNext { .. } => "SorterNext",
            Op::ResetSorter { .. } => "ResetSorter",
            Op::DeferredSeek { .. } => "DeferredSeek",
            Op::Sequence { .. } => "Sequence",
            Op::ResultRow { .. } => "ResultRow",
            Op::AggInit { .. } => "AggInit",
            Op::AggStep { .. } => "AggStep",
            Op::AggFinal { .. } => "AggFinal",
            Op::Transaction { .. } => "Transaction",
            Op::Ddl { .. } => "ParseSchema",
            Op::TxnControl(TxnOp::Savepoint(_) | TxnOp::Release(_) | TxnOp::RollbackTo(_)) => "Savepoint",
            Op::TxnControl(_) => "AutoCommit",
            Op::Pragma { .. } => "Pragma",
            Op::Noop => "Noop",
        }
    }

    /// The instruction may stop the program with an ABORT (sqlite3VdbeAssertMayAbort's
    /// list: a constraint or other halt whose action is ABORT, HaltIfNull likewise, MustBeInt
    /// without a jump, a function call, a schema change). Errors of the b-tree and the pager
    /// (corruption, I/O, a full disk) are not counted, as in SQLite: I/O errors undo the whole
    /// transaction anyway, and the others leave what was written (sqlite3VdbeHalt).
    pub fn may_abort(&self) -> bool {
        match self {
            Op::Halt(HaltKind::Error { code, action, .. }) => *action == OnError::Abort && *code != ErrorCode::Corrupt,
            Op::HaltIfNull { action, .. } => *action == OnError::Abort,
            Op::MustBeInt { target, .. } => target.is_none(),
            Op::Function { .. } | Op::Ddl { .. } => true,
            _ => false,
        }
    }

    /// The jump targets of the instruction (for label resolution and checks).
    pub fn targets_mut(&mut self) -> Vec<&mut Addr> {
        match self {
            Op::Goto { target }
            | Op::Gosub { target, .. }
            | Op::Once { target }
            | Op::IfEmpty { target, .. }
            | Op::If { target, .. }
            | Op::IfNot { target, .. }
            | Op::IsNull { target, .. }
            | Op::NotNull { target, .. }
            | Op::IfPos { target, .. }
            | Op::DecrJumpZero { target, .. }
            | Op::IfNotZero { target, .. }
            | Op::Next { target, .. }
            | Op::Prev { target, .. }
            | Op::IdxCompare { target, .. }
            | Op::Found { target, .. }
            | Op::NoConflict { target, .. }
            | Op::SorterNext { target, .. } => vec![target],
            Op::MustBeInt { target: Some(t), .. } => vec![t],
            Op::InitCoroutine { start, end, .. } => vec![start, end],
            Op::Yield { on_end, .. } => vec![on_end],
            Op::Jump { lt, eq, gt } => vec![lt, eq, gt],
            Op::Compare { output: CmpOutput::Jump(t), .. } => vec![t],
            Op::Rewind { if_empty, .. } | Op::Last { if_empty, .. } | Op::SorterSort { if_empty, .. } => {
                vec![if_empty]
            }
            Op::SeekRowid { not_found, .. } | Op::Seek { not_found, .. } => vec![not_found],
            _ => vec![],
        }
    }
}
