//! Expressions to instructions (SQLite's expr.c): an expression's value into a register
//! (`sqlite3ExprCodeTarget`), or a jump taken when it is true or false
//! (`sqlite3ExprIfTrue` / `sqlite3ExprIfFalse`), with SQLite's evaluation order, short
//! circuits, affinities and collations.
//!
//! The generator does not recurse: each node expands into a list of tasks (evaluate a child
//! into a register, emit an instruction, place a label) pushed on an explicit stack, so an
//! expression as deep as the parser allows compiles on any thread's stack. Subqueries are
//! the exception: compiling one recurses into the SELECT compiler, bounded by the nesting
//! depth name resolution allows.

use std::rc::Rc;

use super::{Compiler, CursorSource, err};
use crate::btree::KeyInfo;
use crate::error::{Error, Result};
use crate::eval::affinity::comparison_affinity;
use crate::eval::arith::{ArithOp, BitOp};
use crate::eval::compare::CmpOp;
use crate::eval::constant::check::{in_uses_table, is_comparison};
use crate::eval::ir::{ColRef, Ir, Kind, NodeId, ir_is_constant};
use crate::eval::scalar::{self, FunctionKind};
use crate::format::value::{Collation, Value};
use crate::schema::Affinity;
use crate::sql::ast::{BinaryOp, UnaryOp};
use crate::vdbe::Label;
use crate::vdbe::op::{CmpOutput, NullMode, Op, Reg, TreeSpec};

/// A unit of code generation.
enum Task {
    /// The value of a node into a register.
    Value(NodeId, Reg),
    /// Jump to `label` when the node's truth is `sense`; when it is NULL, jump iff
    /// `null_jumps`.
    Jump { node: NodeId, label: Label, sense: bool, null_jumps: bool },
    /// An instruction.
    Emit(Op),
    /// An IS NULL / NOT NULL jump on a register a column was just read into: that read only
    /// feeds the test (sqlite3VdbeTypeofColumn), then the jump.
    EmitNullTest(Op),
    /// Place a label here.
    Resolve(Label),
    /// A scalar or EXISTS subquery's value.
    SubqueryValue { id: u32, exists: bool, dest: Reg },
    /// Fill an ephemeral index with the rows of an IN subquery.
    SubquerySet { id: u32, cursor: u32, affinity: Option<Affinity> },
    /// Set whether constant function calls are computed once (SQLite's okConstFactor).
    ConstFactor(bool),
}

/// The opcode-level comparison of a SQL comparison operator.
fn cmp_of(op: BinaryOp) -> Option<(CmpOp, bool)> {
    Some(match op {
        BinaryOp::Eq => (CmpOp::Eq, false),
        BinaryOp::Ne => (CmpOp::Ne, false),
        BinaryOp::Lt => (CmpOp::Lt, false),
        BinaryOp::Le => (CmpOp::Le, false),
        BinaryOp::Gt => (CmpOp::Gt, false),
        BinaryOp::Ge => (CmpOp::Ge, false),
        BinaryOp::Is => (CmpOp::Eq, true),
        BinaryOp::IsNot => (CmpOp::Ne, true),
        _ => return None,
    })
}

/// The comparison that holds exactly when `op` does not (for IfFalse).
fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
    }
}

/// Whether an expression holds a subquery anywhere (SQLite's EP_Subquery, which every
/// node above a subquery carries). O(size of the expression).
fn has_subquery(ir: &Ir, id: NodeId) -> bool {
    let mut todo = vec![id];
    while let Some(n) = todo.pop() {
        match ir.kind(n) {
            Kind::Subquery { .. } | Kind::InSubquery { .. } | Kind::SelectAst { .. } | Kind::InSelectAst { .. } => {
                return true;
            }
            _ => todo.extend(ir.walk_children(n)),
        }
    }
    false
}

/// Whether an expression may be NULL (`sqlite3ExprCanBeNull`).
pub(crate) fn can_be_null(ir: &Ir, mut id: NodeId) -> bool {
    loop {
        match ir.kind(id) {
            Kind::Unary(UnaryOp::Plus | UnaryOp::Neg, x) => id = *x,
            Kind::Literal { value, .. } => return matches!(value, Value::Null),
            Kind::TrueFalse { .. } => return false,
            Kind::Ref(r) => return !r.not_null,
            _ => return true,
        }
    }
}

impl Compiler<'_> {
    /// The value of node `id` of `ir` into `dest`.
    pub fn expr_into(&mut self, ir: &Ir, id: NodeId, dest: Reg) -> Result<()> {
        self.run(ir, vec![Task::Value(id, dest)])
    }

    /// The value of node `id` into a new register.
    pub fn expr_reg(&mut self, ir: &Ir, id: NodeId) -> Result<Reg> {
        let r = self.b.reg();
        self.expr_into(ir, id, r)?;
        Ok(r)
    }

    /// Jumps to `label` when the expression is true (`sense`) or false (`!sense`); a NULL
    /// jumps iff `null_jumps`.
    pub fn expr_jump(&mut self, ir: &Ir, id: NodeId, label: Label, sense: bool, null_jumps: bool) -> Result<()> {
        self.run(ir, vec![Task::Jump { node: id, label, sense, null_jumps }])
    }

    /// Runs tasks to completion.
    fn run(&mut self, ir: &Ir, tasks: Vec<Task>) -> Result<()> {
        let mut stack: Vec<Task> = tasks.into_iter().rev().collect();
        while let Some(task) = stack.pop() {
            let mut out = Vec::new();
            match task {
                Task::Value(id, dest) => self.value(ir, id, dest, &mut out)?,
                Task::Jump { node, label, sense, null_jumps } => {
                    self.jump(ir, node, label, sense, null_jumps, &mut out)?
                }
                Task::Emit(op) => {
                    self.b.emit(op);
                }
                Task::EmitNullTest(op) => {
                    if let Op::IsNull { reg, .. } | Op::NotNull { reg, .. } = op {
                        self.typeof_column(reg);
                    }
                    self.b.emit(op);
                }
                Task::Resolve(l) => self.b.resolve(l),
                Task::SubqueryValue { id, exists, dest } => self.subquery_value(id, exists, dest)?,
                Task::SubquerySet { id, cursor, affinity } => self.subquery_set(id, cursor, affinity)?,
                Task::ConstFactor(on) => self.const_factor = on,
            }
            stack.extend(out.into_iter().rev());
        }
        Ok(())
    }

    /// sqlite3VdbeTypeofColumn: if the last instruction reads a column into `reg`, marks it
    /// as read for its type only.
    fn typeof_column(&mut self, reg: Reg) {
        let Some(last) = self.b.current_addr().checked_sub(1) else { return };
        if let Op::Column { cursor, column, dest } = *self.b.op_mut(last)
            && dest == reg
        {
            *self.b.op_mut(last) = Op::ColumnTypeof { cursor, column, dest };
        }
    }

    /// Emits the read of a resolved column into `dest` (`sqlite3ExprCodeGetColumn`).
    pub fn column_into(&mut self, r: &ColRef, dest: Reg) -> Result<()> {
        if let Some(reg) = self.substituted(r.source, r.column) {
            self.b.emit(Op::Copy { src: reg, dest, count: 1 });
            return Ok(());
        }
        if let Some(cov) = self.covering.get(&r.source) {
            let cursor = cov.index_cursor;
            match r.column {
                None => self.b.emit(Op::Rowid { cursor, dest }),
                Some(c) => match cov.fields.get(c as usize).copied().flatten() {
                    Some(field) => self.b.emit(Op::Column { cursor, column: field, dest }),
                    None if cov.partial => self.b.emit(Op::Column { cursor: r.source, column: c, dest }),
                    None => return Err(Error::internal(format!("column {c} is not in the covering index"))),
                },
            };
        } else {
            match r.column {
                None => self.b.emit(Op::Rowid { cursor: r.source, dest }),
                Some(c) => self.b.emit(Op::Column { cursor: r.source, column: c, dest }),
            };
        }
        // sqlite3ColumnDefault: a column of REAL affinity, of a table or of a subquery in FROM
        // (a compound's may have met an integer), reads integers as REAL.
        let real_column = match (self.cursors.get(&r.source), r.column) {
            (Some(CursorSource::Table(t)), Some(c)) => t.def.columns[c as usize].affinity == Affinity::Real,
            (Some(CursorSource::Ephemeral { real_columns }), Some(c)) => real_columns.get(c as usize) == Some(&true),
            _ => false,
        };
        if real_column {
            self.b.emit(Op::RealAffinity { reg: dest });
        }
        Ok(())
    }

    /// The affinity and collation of a comparison of two nodes, or SQLite's error for an
    /// unknown collation.
    pub fn comparison(&self, ir: &Ir, l: NodeId, r: NodeId) -> Result<(Option<Affinity>, Collation)> {
        let affinity = comparison_affinity(ir.affinity(l), ir.affinity(r));
        let collation =
            ir.compare_collation(l, r).map_err(|name| err(format!("no such collation sequence: {name}")))?;
        Ok((affinity, collation))
    }

    /// The collation of one expression (BINARY when it has none).
    pub fn collation_of(&self, ir: &Ir, id: NodeId) -> Result<Collation> {
        Ok(ir.collation(id).map_err(|name| err(format!("no such collation sequence: {name}")))?.unwrap_or_default())
    }

    /// Expands the value of `id` into tasks.
    fn value(&mut self, ir: &Ir, id: NodeId, dest: Reg, out: &mut Vec<Task>) -> Result<()> {
        match ir.kind(id) {
            Kind::Literal { value, .. } => {
                let op = match value {
                    Value::Null => Op::Null { dest, count: 1 },
                    Value::Integer(i) => Op::Integer { dest, value: *i },
                    Value::Real(r) => Op::Real { dest, value: *r },
                    other => Op::Const { dest, value: Rc::new(other.clone()) },
                };
                self.b.emit(op);
            }
            Kind::TrueFalse { value, .. } => {
                self.b.emit(Op::Integer { dest, value: i64::from(*value) });
            }
            Kind::HexTooBig(m) | Kind::Unsupported(m) => return Err(err(m.clone())),
            Kind::Column(c) => {
                return Err(err(format!("no such column: {}", crate::eval::ir::column_name(c))));
            }
            Kind::Ref(r) => {
                let r = r.clone();
                self.column_into(&r, dest)?;
            }
            Kind::Register { reg, .. } => {
                self.b.emit(Op::Copy { src: *reg, dest, count: 1 });
            }
            Kind::Variable(text) => {
                let index = self.param_index(text)?;
                self.b.emit(Op::Variable { dest, index });
            }
            Kind::Unary(UnaryOp::Plus, x) | Kind::Collate { operand: x, .. } => {
                if let Kind::Collate { name, collation: None, .. } = ir.kind(id) {
                    return Err(err(format!("no such collation sequence: {name}")));
                }
                out.push(Task::Value(*x, dest));
            }
            Kind::Unary(op, x) => {
                let t = self.b.reg();
                out.push(Task::Value(*x, t));
                out.push(Task::Emit(match op {
                    UnaryOp::Neg => Op::Negate { src: t, dest },
                    UnaryOp::BitNot => Op::BitNot { src: t, dest },
                    _ => Op::Not { src: t, dest },
                }));
            }
            Kind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                let alt = ir.simplified_and_or(id);
                if alt != id {
                    let t = self.b.reg();
                    out.push(Task::Value(alt, t));
                    out.push(Task::Emit(Op::And { lhs: t, rhs: t, dest }));
                    return Ok(());
                }
                self.and_or(ir, *op, *l, *r, dest, out);
            }
            Kind::Binary(op, l, r) if is_comparison(*op) => {
                if matches!(ir.kind(*l), Kind::Vector(_)) || matches!(ir.kind(*r), Kind::Vector(_)) {
                    return Err(err("row value comparisons are not supported yet"));
                }
                let (cmp, null_eq) = cmp_of(*op).expect("comparison");
                let (affinity, collation) = self.comparison(ir, *l, *r)?;
                let (r1, r2) = (self.b.reg(), self.b.reg());
                // IS and IS NOT compare NULLs: both operands always.
                let skip = (!null_eq).then(|| self.b.label());
                let skipped = self.operands(ir, (*l, r1), (*r, r2), skip, out);
                out.push(Task::Emit(Op::Compare {
                    op: cmp,
                    lhs: r1,
                    rhs: r2,
                    affinity,
                    collation,
                    nulls: if null_eq { NullMode::NullEq } else { NullMode::Unknown { jump_if_null: false } },
                    output: CmpOutput::Store(dest),
                }));
                self.null_when_skipped(skipped.then_some(skip).flatten(), dest, out);
            }
            Kind::Binary(op, l, r) => {
                let (r1, r2) = (self.b.reg(), self.b.reg());
                let skip = self.b.label();
                let skipped = self.operands(ir, (*l, r1), (*r, r2), Some(skip), out);
                let arith = |a| Op::Arith { op: a, lhs: r1, rhs: r2, dest };
                let bit = |b| Op::Bit { op: b, lhs: r1, rhs: r2, dest };
                out.push(Task::Emit(match op {
                    BinaryOp::Add => arith(ArithOp::Add),
                    BinaryOp::Sub => arith(ArithOp::Sub),
                    BinaryOp::Mul => arith(ArithOp::Mul),
                    BinaryOp::Div => arith(ArithOp::Div),
                    BinaryOp::Rem => arith(ArithOp::Rem),
                    BinaryOp::BitAnd => bit(BitOp::And),
                    BinaryOp::BitOr => bit(BitOp::Or),
                    BinaryOp::LShift => bit(BitOp::ShiftLeft),
                    BinaryOp::RShift => bit(BitOp::ShiftRight),
                    BinaryOp::Concat => Op::Concat { lhs: r1, rhs: r2, dest },
                    other => return Err(err(format!("operator {other:?} is not supported"))),
                }));
                self.null_when_skipped(skipped.then_some(skip), dest, out);
            }
            Kind::IsNull { negated, operand } => {
                let t = self.b.reg();
                out.push(Task::Value(*operand, t));
                out.push(Task::Emit(Op::IsNullValue { src: t, dest, negated: *negated }));
            }
            Kind::Truth { truth, negated, operand } => {
                let t = self.b.reg();
                out.push(Task::Value(*operand, t));
                out.push(Task::Emit(Op::IsTrue { src: t, dest, truth: *truth, negated: *negated }));
            }
            Kind::Between { operand, low, high } => {
                // x >= low AND x <= high, x evaluated once.
                let (lo_aff, lo_coll) = self.comparison(ir, *operand, *low)?;
                let (hi_aff, hi_coll) = self.comparison(ir, *operand, *high)?;
                let (rx, rl, rh, c1, c2) = (self.b.reg(), self.b.reg(), self.b.reg(), self.b.reg(), self.b.reg());
                out.push(Task::Value(*operand, rx));
                out.push(Task::Value(*low, rl));
                out.push(Task::Emit(compare_store(CmpOp::Ge, rx, rl, lo_aff, lo_coll, c1)));
                out.push(Task::Value(*high, rh));
                out.push(Task::Emit(compare_store(CmpOp::Le, rx, rh, hi_aff, hi_coll, c2)));
                out.push(Task::Emit(Op::And { lhs: c1, rhs: c2, dest }));
            }
            Kind::In { .. } | Kind::InSubquery { .. } => {
                let (if_false, if_null) = (self.b.label(), self.b.label());
                out.push(Task::Emit(Op::Null { dest, count: 1 }));
                self.in_operator(ir, id, if_false, if_null, out)?;
                out.push(Task::Emit(Op::Integer { dest, value: 1 }));
                out.push(Task::Resolve(if_false));
                out.push(Task::Emit(Op::AddImm { reg: dest, value: 0 }));
                out.push(Task::Resolve(if_null));
            }
            Kind::Cast { operand, affinity } => {
                out.push(Task::Value(*operand, dest));
                out.push(Task::Emit(Op::Cast { reg: dest, affinity: *affinity }));
            }
            Kind::Function { name, args, .. } => self.function(ir, id, name, args, dest, out)?,
            Kind::Case { operand, pairs, else_expr } => {
                let end = self.b.label();
                let rx = operand.map(|_| self.b.reg());
                if let (Some(o), Some(rx)) = (operand, rx) {
                    out.push(Task::Value(*o, rx));
                }
                for &(w, t) in pairs {
                    let next = self.b.label();
                    match (operand, rx) {
                        (Some(o), Some(rx)) => {
                            // x = w as a jump-if-false (jump if NULL).
                            let (affinity, collation) = self.comparison(ir, *o, w)?;
                            let rw = self.b.reg();
                            out.push(Task::Value(w, rw));
                            out.push(Task::Emit(Op::Compare {
                                op: CmpOp::Ne,
                                lhs: rx,
                                rhs: rw,
                                affinity,
                                collation,
                                nulls: NullMode::Unknown { jump_if_null: true },
                                output: CmpOutput::Jump(next.addr()),
                            }));
                        }
                        _ => out.push(Task::Jump { node: w, label: next, sense: false, null_jumps: true }),
                    }
                    out.push(Task::Value(t, dest));
                    out.push(Task::Emit(Op::Goto { target: end.addr() }));
                    out.push(Task::Resolve(next));
                }
                match else_expr {
                    Some(e) => out.push(Task::Value(*e, dest)),
                    None => out.push(Task::Emit(Op::Null { dest, count: 1 })),
                }
                out.push(Task::Resolve(end));
            }
            Kind::Vector(_) => return Err(err("row value misused")),
            Kind::Raise => return Err(err("RAISE() may only be used within a trigger-program")),
            Kind::Subquery { id: q, exists, .. } => out.push(Task::SubqueryValue { id: *q, exists: *exists, dest }),
            Kind::SelectAst { .. } | Kind::InSelectAst { .. } => {
                return Err(Error::internal("subquery reached code generation unresolved"));
            }
        }
        Ok(())
    }

    /// `l AND r` / `l OR r` as a value (`exprCodeTargetAndOr`): both sides are computed,
    /// except that a side holding a subquery is skipped when the other decides.
    fn and_or(&mut self, ir: &Ir, op: BinaryOp, l: NodeId, r: NodeId, dest: Reg, out: &mut Vec<Task>) {
        let has_sub = |n: NodeId| subtree_has_subquery(ir, n);
        let and = op == BinaryOp::And;
        let combine = |a, b| if and { Op::And { lhs: a, rhs: b, dest } } else { Op::Or { lhs: a, rhs: b, dest } };
        let (r1, r2) = (self.b.reg(), self.b.reg());
        // Where a skip is possible: (first evaluated, second evaluated).
        let rhs_first = has_sub(l) && !has_sub(r);
        let skip = rhs_first || has_sub(r);
        let (first, second, rf, rs) = if rhs_first { (r, l, r2, r1) } else { (l, r, r1, r2) };
        out.push(Task::Value(first, rf));
        if skip {
            let skip_label = self.b.label();
            let end = self.b.label();
            out.push(Task::Emit(if and {
                Op::IfNot { reg: rf, target: skip_label.addr(), jump_if_null: false }
            } else {
                Op::If { reg: rf, target: skip_label.addr(), jump_if_null: false }
            }));
            out.push(Task::Value(second, rs));
            out.push(Task::Emit(combine(r1, r2)));
            out.push(Task::Emit(Op::Goto { target: end.addr() }));
            out.push(Task::Resolve(skip_label));
            // The first operand decided: its truth value is the result.
            out.push(Task::Emit(Op::Or { lhs: rf, rhs: rf, dest }));
            out.push(Task::Resolve(end));
        } else {
            out.push(Task::Value(second, rs));
            out.push(Task::Emit(combine(r1, r2)));
        }
    }

    /// A function call's value.
    fn function(
        &mut self,
        ir: &Ir,
        id: NodeId,
        name: &str,
        args: &[NodeId],
        dest: Reg,
        out: &mut Vec<Task>,
    ) -> Result<()> {
        let def = scalar::lookup(name, args.len())?;
        if def.kind == FunctionKind::Aggregate {
            return Err(err(format!("misuse of aggregate function {name}()")));
        }
        match def.name {
            "coalesce" | "ifnull" => {
                let end = self.b.label();
                out.push(Task::Value(args[0], dest));
                for &a in &args[1..] {
                    out.push(Task::Emit(Op::NotNull { reg: dest, target: end.addr() }));
                    out.push(Task::Value(a, dest));
                }
                out.push(Task::Resolve(end));
                return Ok(());
            }
            "likely" | "unlikely" | "likelihood" => {
                out.push(Task::Value(args[0], dest));
                return Ok(());
            }
            "iif" | "if" => {
                // CASE WHEN a0 THEN a1 [WHEN a2 THEN a3 ...] [ELSE last] END
                let end = self.b.label();
                let mut i = 0;
                while i + 1 < args.len() {
                    let next = self.b.label();
                    out.push(Task::Jump { node: args[i], label: next, sense: false, null_jumps: true });
                    out.push(Task::Value(args[i + 1], dest));
                    out.push(Task::Emit(Op::Goto { target: end.addr() }));
                    out.push(Task::Resolve(next));
                    i += 2;
                }
                if i < args.len() {
                    out.push(Task::Value(args[i], dest));
                } else {
                    out.push(Task::Emit(Op::Null { dest, count: 1 }));
                }
                out.push(Task::Resolve(end));
                return Ok(());
            }
            _ => {}
        }
        if self.const_factor && ir_is_constant(ir, id) {
            // sqlite3ExprCodeRunJustOnce: a constant expression with a function call (which
            // may fail) is computed where it is first needed, once per run (OP_Once), not
            // at the start: a statement that never gets there raises none of its errors.
            let reg = self.b.reg();
            let done = self.b.label();
            out.push(Task::Emit(Op::Once { target: done.addr() }));
            out.push(Task::ConstFactor(false));
            out.push(Task::Value(id, reg));
            out.push(Task::ConstFactor(true));
            out.push(Task::Resolve(done));
            out.push(Task::Emit(Op::Copy { src: reg, dest, count: 1 }));
            return Ok(());
        }
        let mut collation = Collation::Binary;
        if def.needs_collation {
            for &a in args {
                match ir.collation(a) {
                    Ok(Some(c)) => {
                        collation = c;
                        break;
                    }
                    Ok(None) => {}
                    Err(name) => return Err(err(format!("no such collation sequence: {name}"))),
                }
            }
        }
        let first = self.b.regs(args.len() as u32);
        for (i, &a) in args.iter().enumerate() {
            out.push(Task::Value(a, first + i as u32));
        }
        out.push(Task::Emit(Op::Function { func: def, args: first, argc: args.len() as u32, dest, collation }));
        Ok(())
    }

    /// Pushes the tasks that compute the operands of a binary operator, `l` into `r1` and
    /// `r` into `r2` (exprComputeOperands). Left first, except that an operand holding a
    /// subquery (scalar, EXISTS or IN) is computed second where the other holds none and
    /// may be NULL, after an IsNull jump on the other to `skip`: a NULL there decides the
    /// result and the subquery is not run (SQLite 3.5x; the first run of an uncorrelated
    /// subquery can then come at a later row, after an UPDATE changed the table it reads).
    /// `skip` None: no jump (IS, IS NOT). Returns whether the jump was coded. O(size of the
    /// operands).
    fn operands(
        &mut self,
        ir: &Ir,
        (l, r1): (NodeId, Reg),
        (r, r2): (NodeId, Reg),
        skip: Option<Label>,
        out: &mut Vec<Task>,
    ) -> bool {
        let Some(skip) = skip else {
            out.extend([Task::Value(l, r1), Task::Value(r, r2)]);
            return false;
        };
        let (sub_l, sub_r) = (has_subquery(ir, l), has_subquery(ir, r));
        if sub_l && !sub_r && can_be_null(ir, r) {
            out.push(Task::Value(r, r2));
            out.push(Task::Emit(Op::IsNull { reg: r2, target: skip.addr() }));
            out.push(Task::Value(l, r1));
            return true;
        }
        out.push(Task::Value(l, r1));
        let skipped = sub_r && can_be_null(ir, l);
        if skipped {
            out.push(Task::Emit(Op::IsNull { reg: r1, target: skip.addr() }));
        }
        out.push(Task::Value(r, r2));
        skipped
    }

    /// After a value coded into `dest` whose operands may have been skipped to `skip`
    /// ([`Self::operands`]): there, `dest` is NULL.
    fn null_when_skipped(&mut self, skip: Option<Label>, dest: Reg, out: &mut Vec<Task>) {
        if let Some(skip) = skip {
            let done = self.b.label();
            out.push(Task::Emit(Op::Goto { target: done.addr() }));
            out.push(Task::Resolve(skip));
            out.push(Task::Emit(Op::Null { dest, count: 1 }));
            out.push(Task::Resolve(done));
        }
    }

    /// Expands a jump on the truth of `id` (`sqlite3ExprIfTrue` when `sense`, else
    /// `sqlite3ExprIfFalse`).
    fn jump(
        &mut self,
        ir: &Ir,
        id: NodeId,
        label: Label,
        sense: bool,
        null_jumps: bool,
        out: &mut Vec<Task>,
    ) -> Result<()> {
        match ir.kind(id) {
            Kind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                let alt = ir.simplified_and_or(id);
                if alt != id {
                    out.push(Task::Jump { node: alt, label, sense, null_jumps });
                    return Ok(());
                }
                // AND under IfTrue and OR under IfFalse need both sides: skip to d2 when
                // the first side decides the other way.
                if (*op == BinaryOp::And) == sense {
                    let d2 = self.b.label();
                    out.push(Task::Jump { node: *l, label: d2, sense: !sense, null_jumps: !null_jumps });
                    out.push(Task::Jump { node: *r, label, sense, null_jumps });
                    out.push(Task::Resolve(d2));
                } else {
                    out.push(Task::Jump { node: *l, label, sense, null_jumps });
                    out.push(Task::Jump { node: *r, label, sense, null_jumps });
                }
            }
            Kind::Unary(UnaryOp::Not, x) => out.push(Task::Jump { node: *x, label, sense: !sense, null_jumps }),
            Kind::Truth { truth, negated, operand } => {
                let positive = *truth != *negated;
                let inner_sense = if positive { sense } else { !sense };
                // IS NOT TRUE / IS NOT FALSE hold for NULL: under IfTrue they jump on NULL.
                let inner_null = if sense { *negated } else { !*negated };
                out.push(Task::Jump { node: *operand, label, sense: inner_sense, null_jumps: inner_null });
            }
            Kind::Binary(op, l, r)
                if is_comparison(*op)
                    && !matches!(ir.kind(*l), Kind::Vector(_))
                    && !matches!(ir.kind(*r), Kind::Vector(_)) =>
            {
                let (cmp, null_eq) = cmp_of(*op).expect("comparison");
                let (affinity, collation) = self.comparison(ir, *l, *r)?;
                let (r1, r2) = (self.b.reg(), self.b.reg());
                // A NULL operand that skips the other is a NULL comparison: it jumps to
                // `label` when NULLs jump, else past the comparison.
                let past = self.b.label();
                let skip = (!null_eq).then_some(if null_jumps { label } else { past });
                self.operands(ir, (*l, r1), (*r, r2), skip, out);
                let op = if sense { cmp } else { negate(cmp) };
                out.push(Task::Emit(Op::Compare {
                    op,
                    lhs: r1,
                    rhs: r2,
                    affinity,
                    collation,
                    nulls: if null_eq { NullMode::NullEq } else { NullMode::Unknown { jump_if_null: null_jumps } },
                    output: CmpOutput::Jump(label.addr()),
                }));
                out.push(Task::Resolve(past));
            }
            Kind::IsNull { negated, operand } => {
                let t = self.b.reg();
                out.push(Task::Value(*operand, t));
                // Jump when "is null" equals (sense != negated).
                let jump_on_null = sense != *negated;
                out.push(Task::EmitNullTest(if jump_on_null {
                    Op::IsNull { reg: t, target: label.addr() }
                } else {
                    Op::NotNull { reg: t, target: label.addr() }
                }));
            }
            Kind::Between { operand, low, high } => {
                let (lo_aff, lo_coll) = self.comparison(ir, *operand, *low)?;
                let (hi_aff, hi_coll) = self.comparison(ir, *operand, *high)?;
                let (rx, rl, rh) = (self.b.reg(), self.b.reg(), self.b.reg());
                out.push(Task::Value(*operand, rx));
                let cmp = |op, rhs, affinity, collation, target: Label, jump_if_null| Op::Compare {
                    op,
                    lhs: rx,
                    rhs,
                    affinity,
                    collation,
                    nulls: NullMode::Unknown { jump_if_null },
                    output: CmpOutput::Jump(target.addr()),
                };
                if sense {
                    // IfTrue(x>=lo AND x<=hi): IfFalse(x>=lo, d2, !null); IfTrue(x<=hi, label).
                    let d2 = self.b.label();
                    out.push(Task::Value(*low, rl));
                    out.push(Task::Emit(cmp(CmpOp::Lt, rl, lo_aff, lo_coll, d2, !null_jumps)));
                    out.push(Task::Value(*high, rh));
                    out.push(Task::Emit(cmp(CmpOp::Le, rh, hi_aff, hi_coll, label, null_jumps)));
                    out.push(Task::Resolve(d2));
                } else {
                    out.push(Task::Value(*low, rl));
                    out.push(Task::Emit(cmp(CmpOp::Lt, rl, lo_aff, lo_coll, label, null_jumps)));
                    out.push(Task::Value(*high, rh));
                    out.push(Task::Emit(cmp(CmpOp::Gt, rh, hi_aff, hi_coll, label, null_jumps)));
                }
            }
            Kind::In { .. } | Kind::InSubquery { .. } => {
                if sense {
                    let if_false = self.b.label();
                    let if_null = if null_jumps { label } else { if_false };
                    self.in_operator(ir, id, if_false, if_null, out)?;
                    out.push(Task::Emit(Op::Goto { target: label.addr() }));
                    out.push(Task::Resolve(if_false));
                } else if null_jumps {
                    self.in_operator(ir, id, label, label, out)?;
                } else {
                    let if_null = self.b.label();
                    self.in_operator(ir, id, label, if_null, out)?;
                    out.push(Task::Resolve(if_null));
                }
            }
            _ => match ir.true_false(id) {
                Some(t) if t == sense => out.push(Task::Emit(Op::Goto { target: label.addr() })),
                Some(_) => {}
                None => {
                    let t = self.b.reg();
                    out.push(Task::Value(id, t));
                    out.push(Task::Emit(if sense {
                        Op::If { reg: t, target: label.addr(), jump_if_null: null_jumps }
                    } else {
                        Op::IfNot { reg: t, target: label.addr(), jump_if_null: null_jumps }
                    }));
                }
            },
        }
        Ok(())
    }

    /// `x IN (...)` (`sqlite3ExprCodeIN`): falls through when true, jumps to `if_false` when
    /// false and to `if_null` when NULL.
    fn in_operator(&mut self, ir: &Ir, id: NodeId, if_false: Label, if_null: Label, out: &mut Vec<Task>) -> Result<()> {
        let (operand, items, subquery) = match ir.kind(id) {
            Kind::In { operand, items } => (*operand, items.clone(), None),
            Kind::InSubquery { operand, id: q } => (*operand, Vec::new(), Some(*q)),
            _ => return Err(Error::internal("not an IN expression")),
        };
        if matches!(ir.kind(operand), Kind::Vector(_)) {
            return Err(err("row value IN is not supported yet"));
        }
        let lhs_aff = ir.affinity(operand);
        let lhs_coll = self.collation_of(ir, operand)?;
        let distinct_null = if_false != if_null;
        if subquery.is_none() && !in_uses_table(ir, &items) {
            // A short or non-constant list: one comparison per item.
            let rlhs = self.b.reg();
            out.push(Task::Value(operand, rlhs));
            let ck = distinct_null.then(|| self.b.reg());
            if let Some(ck) = ck {
                out.push(Task::Emit(Op::Bit { op: BitOp::And, lhs: rlhs, rhs: rlhs, dest: ck }));
            }
            let ok = self.b.label();
            for (i, &item) in items.iter().enumerate() {
                let r2 = self.b.reg();
                out.push(Task::Value(item, r2));
                if let Some(ck) = ck
                    && can_be_null(ir, item)
                {
                    out.push(Task::Emit(Op::Bit { op: BitOp::And, lhs: ck, rhs: r2, dest: ck }));
                }
                let last = i + 1 == items.len();
                out.push(Task::Emit(if !last || distinct_null {
                    compare_jump(CmpOp::Eq, rlhs, r2, lhs_aff, lhs_coll, ok, false)
                } else {
                    compare_jump(CmpOp::Ne, rlhs, r2, lhs_aff, lhs_coll, if_false, true)
                }));
            }
            if let Some(ck) = ck {
                out.push(Task::Emit(Op::IsNull { reg: ck, target: if_null.addr() }));
                out.push(Task::Emit(Op::Goto { target: if_false.addr() }));
            }
            out.push(Task::Resolve(ok));
            return Ok(());
        }
        // The right-hand side in an ephemeral index (built once unless correlated).
        let cursor = self.b.cursor();
        let (probe_aff, key_coll) = match subquery {
            Some(q) => {
                let col = &self.subqueries.get(q).columns[0];
                let aff = comparison_affinity(col.affinity, lhs_aff);
                let coll = if ir.node(operand).collate || ir.collation(operand).ok().flatten().is_some() {
                    lhs_coll
                } else {
                    col.collation
                };
                (aff, coll)
            }
            None => (lhs_aff, lhs_coll),
        };
        let key_info = Rc::new(KeyInfo { collations: vec![key_coll], descending: vec![false] });
        let correlated = match subquery {
            Some(q) => self.subqueries.get(q).correlated,
            None => false,
        };
        let built = self.b.label();
        if !correlated {
            out.push(Task::Emit(Op::Once { target: built.addr() }));
        }
        out.push(Task::Emit(Op::OpenEphemeral { cursor, key_info: Some(key_info) }));
        match subquery {
            Some(q) => out.push(Task::SubquerySet { id: q, cursor, affinity: probe_aff }),
            None => {
                // The list's values take the left operand's affinity (REAL as NUMERIC).
                let insert_aff = match lhs_aff {
                    None => None,
                    Some(Affinity::Real) => Some(Affinity::Numeric),
                    Some(a) => Some(a),
                };
                for &item in &items {
                    let r = self.b.reg();
                    out.push(Task::Value(item, r));
                    if let Some(a) = insert_aff.filter(|a| *a != Affinity::Blob) {
                        out.push(Task::Emit(Op::Affinity { start: r, affinities: Rc::from(vec![a]) }));
                    }
                    out.push(Task::Emit(Op::IdxInsert { cursor, start: r, count: 1, use_seek_result: false }));
                }
            }
        }
        out.push(Task::Resolve(built));
        // Whether the right-hand side holds a NULL (sqlite3SetHasNullFlag): NULLs sort first.
        let has_null = distinct_null.then(|| self.b.reg());
        if let Some(hn) = has_null {
            let done = self.b.label();
            out.push(Task::Emit(Op::Integer { dest: hn, value: 0 }));
            out.push(Task::Emit(Op::Rewind { cursor, if_empty: done.addr() }));
            out.push(Task::Emit(Op::Column { cursor, column: 0, dest: hn }));
            out.push(Task::Resolve(done));
        }
        let rlhs = self.b.reg();
        out.push(Task::Value(operand, rlhs));
        let step6 = if distinct_null { self.b.label() } else { if_false };
        if can_be_null(ir, operand) {
            out.push(Task::Emit(Op::IsNull { reg: rlhs, target: step6.addr() }));
        }
        if let Some(a) = probe_aff.filter(|a| *a != Affinity::Blob) {
            out.push(Task::Emit(Op::Affinity { start: rlhs, affinities: Rc::from(vec![a]) }));
        }
        if !distinct_null {
            out.push(Task::Emit(Op::Found { cursor, key: rlhs, count: 1, target: if_false.addr(), negated: true }));
            return Ok(());
        }
        let truth = self.b.label();
        out.push(Task::Emit(Op::Found { cursor, key: rlhs, count: 1, target: truth.addr(), negated: false }));
        if let Some(hn) = has_null {
            out.push(Task::Emit(Op::NotNull { reg: hn, target: if_false.addr() }));
        }
        out.push(Task::Resolve(step6));
        let r3 = self.b.reg();
        out.push(Task::Emit(Op::Rewind { cursor, if_empty: if_false.addr() }));
        out.push(Task::Emit(Op::Column { cursor, column: 0, dest: r3 }));
        out.push(Task::Emit(compare_jump(CmpOp::Ne, rlhs, r3, None, key_coll, if_false, false)));
        out.push(Task::Emit(Op::Goto { target: if_null.addr() }));
        out.push(Task::Resolve(truth));
        Ok(())
    }

    /// Opens an ephemeral index for a set of values (IN, DISTINCT): one key field per
    /// collation.
    pub fn open_set(&mut self, cursor: u32, collations: Vec<Collation>) {
        let n = collations.len();
        let key_info = Rc::new(KeyInfo { collations, descending: vec![false; n] });
        self.b.emit(Op::OpenEphemeral { cursor, key_info: Some(key_info) });
    }

    /// Opens a read cursor on a table or index b-tree.
    pub fn open_read(&mut self, cursor: u32, root: crate::pager::Pgno, tree: TreeSpec) {
        self.b.emit(Op::OpenRead { cursor, root, tree });
    }
}

/// A comparison that stores its result.
fn compare_store(op: CmpOp, lhs: Reg, rhs: Reg, affinity: Option<Affinity>, collation: Collation, dest: Reg) -> Op {
    Op::Compare {
        op,
        lhs,
        rhs,
        affinity,
        collation,
        nulls: NullMode::Unknown { jump_if_null: false },
        output: CmpOutput::Store(dest),
    }
}

/// A comparison that jumps.
pub(crate) fn compare_jump(
    op: CmpOp,
    lhs: Reg,
    rhs: Reg,
    affinity: Option<Affinity>,
    collation: Collation,
    target: Label,
    jump_if_null: bool,
) -> Op {
    Op::Compare {
        op,
        lhs,
        rhs,
        affinity,
        collation,
        nulls: NullMode::Unknown { jump_if_null },
        output: CmpOutput::Jump(target.addr()),
    }
}

/// Whether a subtree holds a subquery (EP_Subquery).
pub(super) fn subtree_has_subquery(ir: &Ir, root: NodeId) -> bool {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if matches!(ir.kind(n), Kind::Subquery { .. } | Kind::InSubquery { .. }) {
            return true;
        }
        stack.extend(ir.walk_children(n));
    }
    false
}
