//! A compiled statement ([`Program`]) and the builder the code generator writes it with.
//!
//! Forward jumps are written to labels ([`Label`]) and resolved when the program is finished,
//! as SQLite's `sqlite3VdbeMakeLabel` / `sqlite3VdbeResolveLabel` do. A label is an address
//! with the top bit set; [`Builder::finish`] replaces each with the address it was resolved to
//! and checks that every jump lands inside the program.

use super::op::{Addr, CursorId, Op, Reg};
use crate::error::{Error, Result};

/// A forward jump target, resolved later to an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(Addr);

const LABEL_BIT: Addr = 1 << 31;

impl Label {
    /// The label as a jump operand (replaced by its address at [`Builder::finish`]).
    pub fn addr(self) -> Addr {
        self.0
    }
}

/// What kind of statement a program runs (for the connection's transaction bookkeeping).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgramInfo {
    /// The program writes the database (a write transaction, a statement journal).
    pub writes: bool,
    /// The program may stop with an ABORT (sqlite3MayAbort): some instruction of it
    /// [`Op::may_abort`](super::op::Op::may_abort), or it changes the schema. Set when the
    /// program is finished.
    pub may_abort: bool,
    /// The program may write more than one entry (several rows, or a row after deleting
    /// another: sqlite3MultiWrite), so that an abort can come after a write.
    pub multi_write: bool,
    /// The program is an INSERT, UPDATE or DELETE: its count of changed rows becomes the
    /// connection's `changes()` when it finishes.
    pub counts_changes: bool,
}

impl ProgramInfo {
    /// The program runs under a statement journal inside an explicit transaction
    /// (`usesStmtJournal = isMultiWrite && mayAbort`, sqlite3VdbeMakeReady): only then can an
    /// ABORT come after a write that it must undo. A single-row INSERT checks every constraint
    /// before its first write, so it needs none.
    pub fn uses_stmt_journal(&self) -> bool {
        self.multi_write && self.may_abort
    }
}

/// A compiled statement: instructions, register and cursor counts, result column names.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub ops: Vec<Op>,
    pub n_regs: usize,
    pub n_cursors: usize,
    /// Accumulator slots used by AggInit / AggStep / AggFinal.
    pub n_aggs: usize,
    /// Result column names (empty for statements that return no rows).
    pub columns: Vec<String>,
    /// Declared types of result columns that are plain column references.
    pub decltypes: Vec<Option<String>>,
    /// The number of the highest parameter (`?NNN`), and the names of named ones by number.
    pub n_params: usize,
    pub param_names: Vec<Option<String>>,
    pub info: ProgramInfo,
    /// The schema cookie the program was compiled against (None: uses no schema).
    pub schema_cookie: Option<u32>,
}

impl Program {
    /// The program uses the database (SQLite's p->bIsReader, set by resolveP2Values for
    /// OP_Transaction, OP_AutoCommit and OP_Savepoint): only such a program's end commits or
    /// rolls back anything (sqlite3VdbeHalt).
    pub fn is_reader(&self) -> bool {
        self.ops.iter().any(|op| matches!(op, Op::Transaction { .. } | Op::TxnControl(_)))
    }

    /// A listing of the program in the shape of SQLite's EXPLAIN (addr, opcode, operands).
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for (i, op) in self.ops.iter().enumerate() {
            out.push_str(&format!("{i:<5}{:<14}{op:?}\n", op.name()));
        }
        out
    }
}

/// Writes a [`Program`].
#[derive(Debug, Default)]
pub struct Builder {
    ops: Vec<Op>,
    labels: Vec<Option<Addr>>,
    n_regs: u32,
    n_cursors: u32,
    n_aggs: u32,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Appends an instruction; returns its address.
    pub fn emit(&mut self, op: Op) -> Addr {
        self.ops.push(op);
        (self.ops.len() - 1) as Addr
    }

    /// The address the next instruction will have.
    pub fn current_addr(&self) -> Addr {
        self.ops.len() as Addr
    }

    /// The instruction at `addr`, to patch it.
    pub fn op_mut(&mut self, addr: Addr) -> &mut Op {
        &mut self.ops[addr as usize]
    }

    /// The instructions from `from` on (for rewrites such as covering-index column reads).
    pub fn ops_from_mut(&mut self, from: Addr) -> &mut [Op] {
        &mut self.ops[from as usize..]
    }

    /// A new, unresolved label.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(LABEL_BIT | (self.labels.len() - 1) as Addr)
    }

    /// Resolves `label` to the address of the next instruction.
    pub fn resolve(&mut self, label: Label) {
        let i = (label.0 & !LABEL_BIT) as usize;
        debug_assert!(self.labels[i].is_none(), "label resolved twice");
        self.labels[i] = Some(self.current_addr());
    }

    /// `count` new registers; returns the first.
    pub fn regs(&mut self, count: u32) -> Reg {
        let first = self.n_regs;
        self.n_regs += count;
        first
    }

    /// One new register.
    pub fn reg(&mut self) -> Reg {
        self.regs(1)
    }

    /// A new cursor slot.
    pub fn cursor(&mut self) -> CursorId {
        self.n_cursors += 1;
        self.n_cursors - 1
    }

    /// Reserves cursor numbers below `n` (assigned by name resolution before code
    /// generation).
    pub fn reserve_cursors(&mut self, n: u32) {
        self.n_cursors = self.n_cursors.max(n);
    }

    /// The cursor number the next [`Builder::cursor`] would return.
    pub fn reserve_next(&self) -> u32 {
        self.n_cursors
    }

    /// A new accumulator slot.
    pub fn agg(&mut self) -> u32 {
        self.n_aggs += 1;
        self.n_aggs - 1
    }

    /// Resolves every label and checks every jump; the program's other fields are the
    /// caller's to fill.
    pub fn finish(mut self) -> Result<Program> {
        let n = self.ops.len() as Addr;
        let labels = std::mem::take(&mut self.labels);
        for op in &mut self.ops {
            for t in op.targets_mut() {
                if *t & LABEL_BIT != 0 {
                    let i = (*t & !LABEL_BIT) as usize;
                    *t = labels
                        .get(i)
                        .copied()
                        .flatten()
                        .ok_or_else(|| Error::internal(format!("label {i} was never resolved")))?;
                }
                if *t > n {
                    return Err(Error::internal(format!("jump to {t} past the program's end ({n})")));
                }
            }
        }
        Ok(Program {
            ops: self.ops,
            n_regs: self.n_regs as usize,
            n_cursors: self.n_cursors as usize,
            n_aggs: self.n_aggs as usize,
            ..Program::default()
        })
    }
}
