//! The interpreter: runs a [`Program`] one instruction at a time until it yields a row or
//! halts (sqlite3VdbeExec).
//!
//! A [`Vm`] is one run of a program: registers, open cursors, accumulators, bound
//! parameters. [`Vm::step`] returns at each ResultRow — the point where a scheduler may
//! switch to another connection — and at the end. The loop never recurses: subqueries and
//! co-routines are jumps within the one program, so no input can exhaust the machine stack.
//!
//! Invariants on entry to every instruction: `pc < ops.len()` (falling off the end is a
//! halt), every register index is below `n_regs`, every cursor slot below `n_cursors`
//! (checked by the code generator; violations are internal errors, not panics).

use std::cmp::Ordering;
use std::rc::Rc;

use super::cursor::{CursorKind, VCursor};
use super::op::{CmpOutput, HaltKind, NullMode, OnError, Op, Reg};
use super::program::Program;
use crate::error::{Error, ErrorCode, Result, internal_error};
use crate::eval::affinity::{RecordPath, apply_affinity_in_place, record_value_in_place};
use crate::eval::aggregate::{Accumulator, Distinct};
use crate::eval::arith;
use crate::eval::compare;
use crate::eval::convert::{self, must_be_int};
use crate::eval::scalar::{self, FunctionContext};
use crate::format::value::{Value, ValueRef};
use crate::session::{Session, StatementTxn};

/// What a step produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A result row is ready ([`Vm::row`]).
    Row,
    /// The program finished.
    Done,
}

/// One aggregate's running state.
#[derive(Debug)]
pub(crate) struct AggSlot {
    pub acc: Accumulator,
    pub distinct: Option<Distinct>,
}

/// One run of a program.
#[derive(Debug)]
pub struct Vm {
    pub(crate) prog: Rc<Program>,
    pub(crate) pc: usize,
    pub(crate) regs: Vec<Value>,
    pub(crate) cursors: Vec<Option<VCursor>>,
    pub(crate) aggs: Vec<Option<AggSlot>>,
    /// Per instruction: a Once has run.
    once: Vec<bool>,
    /// Bound parameter values, by number - 1.
    pub(crate) params: Vec<Value>,
    /// The result of the last CompareRows.
    pub(crate) last_compare: Ordering,
    /// The registers of the current result row.
    row: Option<(Reg, u32)>,
    /// The statement's share of the transaction.
    pub(crate) txn: StatementTxn,
    /// How much the error that stopped the program undoes.
    pub(crate) error_action: OnError,
    /// Rows this run counted for changes().
    pub(crate) changes: i64,
    /// The statement's time (Julian day in ms), read from the Vfs at first use.
    now: Option<i64>,
    halted: bool,
    /// An error to raise when the program ends successfully: a PRAGMA that produced rows
    /// and then failed (integrity_check stopping on a page it cannot read).
    pending_error: Option<Error>,
    /// A buffer reused for the records Insert and IdxInsert build.
    pub(crate) record_buf: Vec<u8>,
    /// Nothing has run since the run was created or reset: a reset has nothing to undo.
    fresh: bool,
    /// Instructions run since the run started (SQLITE_STMTSTATUS_VM_STEP); the progress
    /// handler's count.
    vm_steps: u64,
}

impl Vm {
    /// A run of `prog`, ready to start, with every parameter NULL.
    pub fn new(prog: Rc<Program>) -> Vm {
        let n_ops = prog.ops.len();
        Vm {
            regs: vec![Value::Null; prog.n_regs],
            cursors: (0..prog.n_cursors).map(|_| None).collect(),
            aggs: (0..prog.n_aggs).map(|_| None).collect(),
            once: vec![false; n_ops],
            params: vec![Value::Null; prog.n_params],
            prog,
            pc: 0,
            last_compare: Ordering::Equal,
            row: None,
            txn: StatementTxn::default(),
            error_action: OnError::Abort,
            changes: 0,
            now: None,
            halted: false,
            pending_error: None,
            record_buf: Vec::new(),
            fresh: true,
            vm_steps: 0,
        }
    }

    /// The program this run executes.
    pub fn program(&self) -> &Rc<Program> {
        &self.prog
    }

    /// Sets parameter `index` (1-based).
    pub fn bind(&mut self, index: usize, value: Value) -> Result<()> {
        match self.params.get_mut(index.wrapping_sub(1)) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(Error::new(ErrorCode::Range, "column index out of range")),
        }
    }

    /// Clears every binding to NULL.
    pub fn clear_bindings(&mut self) {
        self.params.iter_mut().for_each(|p| *p = Value::Null);
    }

    /// Rewinds to the start, closing cursors and keeping bindings (sqlite3_reset). The
    /// caller settles the transaction first.
    pub fn reset(&mut self) {
        if self.fresh {
            debug_assert!(self.pc == 0 && !self.halted && !self.txn.active && self.row.is_none());
            return;
        }
        self.fresh = true;
        self.pc = 0;
        self.regs.iter_mut().for_each(|r| *r = Value::Null);
        self.cursors.iter_mut().for_each(|c| *c = None);
        self.aggs.iter_mut().for_each(|a| *a = None);
        self.once.iter_mut().for_each(|o| *o = false);
        self.row = None;
        self.error_action = OnError::Abort;
        self.changes = 0;
        self.now = None;
        self.halted = false;
        self.pending_error = None;
        self.txn = StatementTxn::default();
        self.vm_steps = 0;
    }

    /// The current result row.
    pub fn row(&self) -> &[Value] {
        match self.row {
            Some((start, n)) => &self.regs[start as usize..(start + n) as usize],
            None => &[],
        }
    }

    /// True when a run started and stopped without halting: a BUSY at its transaction's
    /// start, which a later step may retry.
    pub fn is_suspended(&self) -> bool {
        !self.fresh && !self.halted && self.row.is_none()
    }

    /// True once the program halted (successfully or not).
    pub fn is_halted(&self) -> bool {
        self.halted
    }

    /// Runs until the next result row or the end. An error leaves the run halted; the caller
    /// settles the transaction with [`Vm::error_action`].
    pub fn step(&mut self, s: &mut Session) -> Result<Step> {
        if self.halted {
            return Ok(Step::Done);
        }
        self.fresh = false;
        self.row = None;
        match self.run(s) {
            Ok(step) => {
                if step == Step::Done {
                    self.halted = true;
                    self.cursors.iter_mut().for_each(|c| *c = None);
                }
                Ok(step)
            }
            Err(e) => {
                // A Busy at the transaction's start may be retried: the pc still points at it.
                if !(e.is_busy() && matches!(self.prog.ops.get(self.pc), Some(Op::Transaction { .. }))) {
                    self.halted = true;
                    self.cursors.iter_mut().for_each(|c| *c = None);
                }
                Err(e)
            }
        }
    }

    /// How much the last error undoes.
    pub fn error_action(&self) -> OnError {
        self.error_action
    }

    fn reg(&self, r: Reg) -> &Value {
        &self.regs[r as usize]
    }

    fn set(&mut self, r: Reg, v: Value) {
        self.regs[r as usize] = v;
    }

    fn int_of(&self, r: Reg) -> i64 {
        convert::int_value(self.reg(r).as_ref())
    }

    /// Instructions this run has executed (sqlite3_stmt_status SQLITE_STMTSTATUS_VM_STEP).
    pub fn vm_steps(&self) -> u64 {
        self.vm_steps
    }

    /// The interpreter loop. Every instruction counts against the progress handler's budget;
    /// when it runs out the handler is called before the instruction, and may interrupt.
    fn run(&mut self, s: &mut Session) -> Result<Step> {
        let prog = self.prog.clone();
        let ops = &prog.ops;
        let mut progress_left = s.progress.as_ref().map_or(u64::MAX, |p| p.budget(self.vm_steps));
        loop {
            let Some(op) = ops.get(self.pc) else { return Ok(Step::Done) };
            progress_left -= 1;
            if progress_left == 0 {
                progress_left = match s.progress.as_mut() {
                    Some(p) => {
                        p.call()?;
                        p.budget(0)
                    }
                    None => u64::MAX,
                };
            }
            self.vm_steps += 1;
            let mut next = self.pc + 1;
            match op {
                // ----- control ----------------------------------------------------------------
                Op::Goto { target } => next = *target as usize,
                Op::Gosub { ret, target } => {
                    self.set(*ret, Value::Integer(next as i64));
                    next = *target as usize;
                }
                Op::Return { ret } => next = self.int_of(*ret) as usize,
                Op::InitCoroutine { ret, start, end } => {
                    // The first Yield continues after the address held: one before the body.
                    self.set(*ret, Value::Integer(i64::from(*start) - 1));
                    next = *end as usize;
                }
                Op::Yield { ret, .. } => {
                    let resume = self.int_of(*ret);
                    self.set(*ret, Value::Integer(self.pc as i64));
                    next = (resume + 1) as usize;
                }
                Op::EndCoroutine { ret } => {
                    let caller = self.int_of(*ret) as usize;
                    let Some(Op::Yield { on_end, .. }) = ops.get(caller) else {
                        return Err(Error::internal("EndCoroutine without a calling Yield"));
                    };
                    self.set(*ret, Value::Integer(self.pc as i64 - 1));
                    next = *on_end as usize;
                }
                Op::Halt(kind) => {
                    return match kind {
                        HaltKind::Ok => match self.pending_error.take() {
                            Some(e) => Err(e),
                            None => Ok(Step::Done),
                        },
                        HaltKind::Error { code, constraint, message, action } => {
                            self.error_action = *action;
                            Err(match constraint {
                                Some(k) => Error::constraint(*k, message.clone()),
                                None => Error::new(*code, message.clone()),
                            })
                        }
                    };
                }
                Op::HaltIfNull { reg, message, action } => {
                    if matches!(self.reg(*reg), Value::Null) {
                        self.error_action = *action;
                        return Err(Error::constraint(crate::error::ConstraintKind::NotNull, message.to_string()));
                    }
                }
                Op::Once { target } => {
                    if self.once[self.pc] {
                        next = *target as usize;
                    } else {
                        self.once[self.pc] = true;
                    }
                }
                Op::If { reg, target, jump_if_null } => {
                    if convert::truth(self.reg(*reg).as_ref()).unwrap_or(*jump_if_null) {
                        next = *target as usize;
                    }
                }
                Op::IfNot { reg, target, jump_if_null } => {
                    if !convert::truth(self.reg(*reg).as_ref()).unwrap_or(!*jump_if_null) {
                        next = *target as usize;
                    }
                }
                Op::IsNull { reg, target } => {
                    if matches!(self.reg(*reg), Value::Null) {
                        next = *target as usize;
                    }
                }
                Op::NotNull { reg, target } => {
                    if !matches!(self.reg(*reg), Value::Null) {
                        next = *target as usize;
                    }
                }
                Op::IfPos { reg, target, decrement } => {
                    let v = self.int_of(*reg);
                    if v > 0 {
                        self.set(*reg, Value::Integer(v - decrement));
                        next = *target as usize;
                    }
                }
                Op::DecrJumpZero { reg, target } => {
                    let v = self.int_of(*reg);
                    let v = if v > i64::MIN { v - 1 } else { v };
                    self.set(*reg, Value::Integer(v));
                    if v == 0 {
                        next = *target as usize;
                    }
                }
                Op::IfNotZero { reg, target } => {
                    let v = self.int_of(*reg);
                    if v != 0 {
                        if v > 0 {
                            self.set(*reg, Value::Integer(v - 1));
                        }
                        next = *target as usize;
                    }
                }
                Op::MustBeInt { reg, target } => match must_be_int(self.reg(*reg).as_ref()) {
                    Some(i) => self.set(*reg, Value::Integer(i)),
                    None => match target {
                        Some(t) => next = *t as usize,
                        None => return Err(Error::new(ErrorCode::Mismatch, "datatype mismatch")),
                    },
                },
                Op::OffsetLimit { limit, dest, offset } => {
                    let l = self.int_of(*limit);
                    let o = self.int_of(*offset);
                    let v = if l <= 0 { -1 } else { l.checked_add(o.max(0)).unwrap_or(-1) };
                    self.set(*dest, Value::Integer(v));
                }
                Op::Jump { lt, eq, gt } => {
                    next = match self.last_compare {
                        Ordering::Less => *lt,
                        Ordering::Equal => *eq,
                        Ordering::Greater => *gt,
                    } as usize;
                }

                // ----- values -------------------------------------------------------------------
                Op::Null { dest, count } => {
                    for r in *dest..*dest + *count {
                        self.set(r, Value::Null);
                    }
                }
                Op::Integer { dest, value } => self.set(*dest, Value::Integer(*value)),
                Op::Real { dest, value } => self.set(*dest, Value::Real(*value)),
                Op::Const { dest, value } => self.set(*dest, (**value).clone()),
                Op::Variable { dest, index } => {
                    let v = self.params.get(*index as usize - 1).cloned().unwrap_or(Value::Null);
                    self.set(*dest, v);
                }
                Op::Copy { src, dest, count } => {
                    for i in 0..*count {
                        let v = self.reg(src + i).clone();
                        self.set(dest + i, v);
                    }
                }
                Op::AddImm { reg, value } => {
                    let v = self.int_of(*reg).wrapping_add(*value);
                    self.set(*reg, Value::Integer(v));
                }
                Op::Move { src, dest, count } => {
                    for i in 0..*count {
                        let v = std::mem::replace(&mut self.regs[(src + i) as usize], Value::Null);
                        self.set(dest + i, v);
                    }
                }

                // ----- expressions --------------------------------------------------------------
                Op::Arith { op, lhs, rhs, dest } => {
                    let v = arith::arith(*op, self.reg(*lhs).as_ref(), self.reg(*rhs).as_ref());
                    self.set(*dest, v);
                }
                Op::Bit { op, lhs, rhs, dest } => {
                    let v = arith::bit(*op, self.reg(*lhs).as_ref(), self.reg(*rhs).as_ref());
                    self.set(*dest, v);
                }
                Op::Concat { lhs, rhs, dest } => {
                    let v = arith::concat(self.reg(*lhs).as_ref(), self.reg(*rhs).as_ref())?;
                    self.set(*dest, v);
                }
                Op::Negate { src, dest } => {
                    let v = arith::negate(self.reg(*src).as_ref());
                    self.set(*dest, v);
                }
                Op::BitNot { src, dest } => {
                    let v = arith::bit_not(self.reg(*src).as_ref());
                    self.set(*dest, v);
                }
                Op::Not { src, dest } => {
                    let v = arith::not(self.reg(*src).as_ref());
                    self.set(*dest, v);
                }
                Op::And { lhs, rhs, dest } => {
                    let v = arith::and(self.reg(*lhs).as_ref(), self.reg(*rhs).as_ref());
                    self.set(*dest, v);
                }
                Op::Or { lhs, rhs, dest } => {
                    let v = arith::or(self.reg(*lhs).as_ref(), self.reg(*rhs).as_ref());
                    self.set(*dest, v);
                }
                Op::IsTrue { src, dest, truth, negated } => {
                    let v = arith::is_truth(self.reg(*src).as_ref(), *truth, *negated);
                    self.set(*dest, v);
                }
                Op::IsNullValue { src, dest, negated } => {
                    let is_null = matches!(self.reg(*src), Value::Null);
                    self.set(*dest, Value::Integer(i64::from(is_null != *negated)));
                }
                Op::Compare { op, lhs, rhs, affinity, collation, nulls, output } => {
                    let (l, r) = (self.reg(*lhs).as_ref(), self.reg(*rhs).as_ref());
                    let result: Option<bool> = match nulls {
                        NullMode::NullEq => {
                            let eq = compare::is(l, r, *affinity, *collation);
                            Some(if *op == compare::CmpOp::Eq { eq } else { !eq })
                        }
                        NullMode::Unknown { .. } => {
                            compare::compare(l, r, *affinity, *collation).map(|ord| op.holds(ord))
                        }
                    };
                    match output {
                        CmpOutput::Jump(target) => {
                            let jump = match (result, nulls) {
                                (Some(b), _) => b,
                                (None, NullMode::Unknown { jump_if_null }) => *jump_if_null,
                                (None, NullMode::NullEq) => false,
                            };
                            if jump {
                                next = *target as usize;
                            }
                        }
                        CmpOutput::Store(dest) => {
                            let v = result.map_or(Value::Null, |b| Value::Integer(i64::from(b)));
                            self.set(*dest, v);
                        }
                    }
                }
                Op::CompareRows { lhs, rhs, count, key_info } => {
                    let a = &self.regs[*lhs as usize..(*lhs + *count) as usize];
                    let b = &self.regs[*rhs as usize..(*rhs + *count) as usize];
                    self.last_compare = crate::btree::keycmp::compare_unpacked(a, b, key_info);
                }
                Op::Function { func, args, argc, dest, collation } => {
                    let v = self.call_function(s, func, *args, *argc, *collation)?;
                    self.set(*dest, v);
                }
                Op::Cast { reg, affinity } => {
                    let v = convert::cast(self.reg(*reg).as_ref(), *affinity);
                    self.set(*reg, v);
                }
                Op::Affinity { start, affinities } => {
                    let regs = &mut self.regs[*start as usize..*start as usize + affinities.len()];
                    for (v, a) in regs.iter_mut().zip(affinities.iter()) {
                        apply_affinity_in_place(v, *a);
                    }
                }
                Op::RecordAffinity { start, affinities } => {
                    let regs = &mut self.regs[*start as usize..*start as usize + affinities.len()];
                    for (v, a) in regs.iter_mut().zip(affinities.iter()) {
                        record_value_in_place(v, *a, RecordPath::MakeRecord);
                    }
                }
                Op::RealAffinity { reg } => {
                    if let Value::Integer(i) = *self.reg(*reg) {
                        self.set(*reg, Value::Real(i as f64));
                    }
                }

                // ----- results and aggregates ------------------------------------------------
                Op::ResultRow { start, count } => {
                    self.row = Some((*start, *count));
                    self.pc = next;
                    return Ok(Step::Row);
                }
                Op::AggInit { acc, kind, collation, distinct } => {
                    self.aggs[*acc as usize] = Some(AggSlot {
                        acc: Accumulator::new(*kind, *collation),
                        distinct: distinct.then(|| Distinct::new(*collation)),
                    });
                }
                Op::AggStep { acc, args, argc, hit } => {
                    let slot =
                        self.aggs[*acc as usize].as_mut().ok_or_else(|| Error::internal("AggStep before AggInit"))?;
                    let argv: Vec<ValueRef<'_>> =
                        self.regs[*args as usize..(*args + *argc) as usize].iter().map(Value::as_ref).collect();
                    let fresh = match (&mut slot.distinct, argv.first()) {
                        (Some(d), Some(v)) => d.insert(*v),
                        _ => true,
                    };
                    if fresh {
                        let kept_old = slot.acc.step_reporting(&argv)?;
                        if kept_old && let Some(h) = hit {
                            self.regs[*h as usize] = Value::Integer(1);
                        }
                    }
                }
                Op::AggFinal { acc, dest } => {
                    let v = match &self.aggs[*acc as usize] {
                        Some(slot) => slot.acc.finish()?,
                        None => return Err(Error::internal("AggFinal before AggInit")),
                    };
                    self.set(*dest, v);
                }

                // ----- transactions ----------------------------------------------------------
                Op::Transaction { write } => {
                    let info = prog.info;
                    s.begin_statement(&mut self.txn, *write, info.uses_stmt_journal())?;
                    if let Some(cookie) = prog.schema_cookie
                        && (!s.db.catalog_loaded() || cookie != s.db.catalog().cookie)
                    {
                        return Err(Error::new(ErrorCode::Schema, "database schema has changed"));
                    }
                }
                Op::Ddl { sql } => s.db.run_ddl_in_txn(sql)?,
                Op::TxnControl(t) => s.txn_control(t)?,
                Op::Pragma { pragma, cursor } => {
                    let out = s.pragma(pragma)?;
                    self.pending_error = out.error;
                    let mut e = super::cursor::Ephemeral::table();
                    for (i, row) in out.rows.into_iter().enumerate() {
                        e.insert_row(i as i64 + 1, row)?;
                    }
                    self.open_cursor(*cursor, CursorKind::Ephemeral(e));
                }
                Op::Noop => {}

                // ----- cursors -------------------------------------------------------------------
                _ => {
                    if let Some(target) = self.cursor_op(s, op)? {
                        next = target;
                    }
                }
            }
            self.pc = next;
        }
    }

    /// Calls a scalar function with the registers `args..args+argc`.
    fn call_function(
        &mut self,
        s: &mut Session,
        func: &scalar::FunctionDef,
        args: Reg,
        argc: u32,
        collation: crate::format::value::Collation,
    ) -> Result<Value> {
        if func.name.starts_with("current_") && self.now.is_none() {
            self.now = Some(s.current_time_ms());
        }
        let vfs = s.vfs.clone();
        let mut random = |buf: &mut [u8]| vfs.randomness(buf);
        let mut ctx = FunctionContext {
            collation,
            random: Some(&mut random),
            case_sensitive_like: s.case_sensitive_like,
            current_time: self.now,
        };
        let argv: Vec<ValueRef<'_>> =
            self.regs[args as usize..(args + argc) as usize].iter().map(Value::as_ref).collect();
        scalar::call(func.name, &argv, &mut ctx)
    }

    /// The cursor of slot `c`, which must be open.
    pub(crate) fn cursor_mut(&mut self, c: u32) -> Result<&mut VCursor> {
        self.cursors
            .get_mut(c as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| internal_error(format_args!("cursor {c} is not open")))
    }

    /// Opens slot `c` with a cursor of `kind` (closing what was there).
    pub(crate) fn open_cursor(&mut self, c: u32, kind: CursorKind) {
        self.cursors[c as usize] = Some(VCursor::new(kind));
    }
}
