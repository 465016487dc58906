//! Evaluation of a rewritten expression with an explicit stack (no recursion, so expression
//! depth is bounded by memory, not by the machine stack), in the order SQLite's generated code
//! evaluates it, skipping what that code skips:
//!
//! - CASE evaluates WHEN terms in order and only the chosen THEN; `coalesce()` / `ifnull()`
//!   stop at the first non-NULL argument; `iif()` is a CASE.
//! - A CASE condition is evaluated as a jump (`sqlite3ExprIfFalse`), so AND / OR / NOT / BETWEEN
//!   / IS TRUE inside it skip their second operand when the first decides.
//! - Elsewhere AND and OR evaluate both operands, unless one is the literal TRUE or FALSE
//!   (`sqlite3ExprSimplifiedAndOr`).
//! - `x IN (a, b)` compares item by item and stops at the first match; a constant list of more
//!   than two items is computed in full, before `x`.

use std::cmp::Ordering;

use super::Parameters;
use super::check::{in_uses_table, is_comparison};
use crate::error::{Error, ErrorCode, Result};
use crate::eval::affinity::comparison_affinity;
use crate::eval::arith::{self, ArithOp, BitOp};
use crate::eval::compare::{self, CmpOp};
use crate::eval::convert;
use crate::eval::ir::{Ir, Kind, NodeId};
use crate::eval::scalar::{self, FunctionContext};
use crate::format::value::{Collation, Value, ValueRef};
use crate::schema::Affinity;
use crate::sql::ast::{BinaryOp, UnaryOp};

/// A unit of work.
enum Task {
    /// Push the value of a node.
    Value(NodeId),
    /// Push whether a jump on the node is taken: when its truth equals `sense` (IfTrue when
    /// `sense`, IfFalse otherwise), or when it is NULL and `jump_if_null`.
    Jump { node: NodeId, sense: bool, jump_if_null: bool },
    /// Combine values already pushed.
    Apply(Apply),
}

enum Apply {
    /// The node's operands are on the value stack (in order); compute the node.
    Node(NodeId),
    /// OP_And of a value with itself: its truth as 1 / 0 / NULL.
    TruthOf,
    /// A jump test on the value on top.
    JumpTest { sense: bool, jump_if_null: bool },
    /// After the first operand's jump of an AND / OR in a jump: whether the second is needed.
    JumpSecond { second: NodeId, first_sense: bool, sense: bool, jump_if_null: bool },
    /// BETWEEN as a jump: `x` and `low` are on the stack.
    BetweenLow { node: NodeId, sense: bool, jump_if_null: bool },
    /// BETWEEN as a jump: `x` and `high` are on the stack.
    BetweenHigh { node: NodeId, sense: bool, jump_if_null: bool },
    /// CASE x: the operand (and the WHEN value `i`, once computed) are on the stack.
    CaseOperand { node: NodeId, i: usize, compared: bool },
    /// CASE (no operand): the jump of WHEN `i` is on the flag stack.
    CaseWhen { node: NodeId, i: usize },
    /// coalesce / ifnull: the value of argument `i` is on top.
    Coalesce { node: NodeId, i: usize },
    /// `x IN (...)` item by item: `x` (and item `i`, once computed) are on the stack.
    InItem { node: NodeId, i: usize, saw_null: bool, computed: bool },
}

/// Evaluates `ir` (already checked) to a value.
pub(crate) fn run(ir: &Ir, ctx: &mut FunctionContext<'_>, params: Option<Parameters<'_>>) -> Result<Value> {
    run_node(ir, ir.root, ctx, params)
}

/// Evaluates node `node` of `ir` to a value.
pub(crate) fn run_node(
    ir: &Ir,
    node: NodeId,
    ctx: &mut FunctionContext<'_>,
    params: Option<Parameters<'_>>,
) -> Result<Value> {
    let mut m = Machine { ir, ctx, params, tasks: vec![Task::Value(node)], values: Vec::new(), flags: Vec::new() };
    m.run()?;
    m.values.pop().ok_or_else(|| Error::internal("constant evaluation produced no value"))
}

struct Machine<'i, 'c, 'r> {
    ir: &'i Ir,
    ctx: &'c mut FunctionContext<'r>,
    params: Option<Parameters<'c>>,
    tasks: Vec<Task>,
    values: Vec<Value>,
    flags: Vec<bool>,
}

/// The 3-valued truth of a value and the jump it causes.
fn jumps(v: &Value, sense: bool, jump_if_null: bool) -> bool {
    match convert::truth(v.as_ref()) {
        None => jump_if_null,
        Some(t) => t == sense,
    }
}

fn cmp_op(op: BinaryOp) -> CmpOp {
    match op {
        BinaryOp::Eq | BinaryOp::Is => CmpOp::Eq,
        BinaryOp::Ne | BinaryOp::IsNot => CmpOp::Ne,
        BinaryOp::Lt => CmpOp::Lt,
        BinaryOp::Le => CmpOp::Le,
        BinaryOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

impl Machine<'_, '_, '_> {
    fn pop(&mut self) -> Value {
        self.values.pop().unwrap_or(Value::Null)
    }

    /// Pops `n` values, in push order.
    fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.values.len().saturating_sub(n);
        self.values.split_off(at)
    }

    /// The collation of a comparison of two nodes (checked before evaluation).
    fn collation(&self, left: NodeId, right: NodeId) -> Collation {
        self.ir.compare_collation(left, right).unwrap_or_default()
    }

    fn run(&mut self) -> Result<()> {
        while let Some(task) = self.tasks.pop() {
            match task {
                Task::Value(id) => self.value(id)?,
                Task::Jump { node, sense, jump_if_null } => self.jump(node, sense, jump_if_null),
                Task::Apply(a) => self.apply(a)?,
            }
        }
        Ok(())
    }

    /// Schedules the value of `id`.
    fn value(&mut self, id: NodeId) -> Result<()> {
        let ir = self.ir;
        match ir.kind(id) {
            Kind::Literal { value, .. } => self.values.push(value.clone()),
            Kind::TrueFalse { value, .. } => self.values.push(Value::Integer(i64::from(*value))),
            Kind::Variable(name) => {
                let v = self.params.and_then(|p| p(name));
                match v {
                    Some(v) => self.values.push(v),
                    None => return Err(Error::new(ErrorCode::Error, format!("no value for parameter {name}"))),
                }
            }
            Kind::Unary(UnaryOp::Plus, x) | Kind::Collate { operand: x, .. } => self.tasks.push(Task::Value(*x)),
            Kind::Binary(BinaryOp::And | BinaryOp::Or, l, r) => {
                let alt = ir.simplified_and_or(id);
                if alt != id {
                    self.tasks.push(Task::Apply(Apply::TruthOf));
                    self.tasks.push(Task::Value(alt));
                } else {
                    self.schedule(id, &[*l, *r]);
                }
            }
            Kind::Unary(_, x)
            | Kind::IsNull { operand: x, .. }
            | Kind::Truth { operand: x, .. }
            | Kind::Cast { operand: x, .. } => self.schedule(id, &[*x]),
            Kind::Binary(_, l, r) => self.schedule(id, &[*l, *r]),
            Kind::Between { operand, low, high } => self.schedule(id, &[*operand, *low, *high]),
            Kind::In { operand, items } => {
                if in_uses_table(ir, items) {
                    let mut order: Vec<NodeId> = items.clone();
                    order.push(*operand);
                    self.schedule(id, &order);
                } else {
                    self.tasks.push(Task::Apply(Apply::InItem { node: id, i: 0, saw_null: false, computed: false }));
                    self.tasks.push(Task::Value(*operand));
                }
            }
            Kind::Function { name, args, .. } => {
                let def = scalar::lookup(name, args.len())?;
                match def.name {
                    "coalesce" | "ifnull" => {
                        self.tasks.push(Task::Apply(Apply::Coalesce { node: id, i: 0 }));
                        self.tasks.push(Task::Value(args[0]));
                    }
                    "likely" | "unlikely" | "likelihood" => self.tasks.push(Task::Value(args[0])),
                    "iif" | "if" => self.case_when(id, 0),
                    _ => self.schedule(id, args),
                }
            }
            Kind::Case { operand: Some(op), .. } => {
                self.tasks.push(Task::Apply(Apply::CaseOperand { node: id, i: 0, compared: false }));
                self.tasks.push(Task::Value(*op));
            }
            Kind::Case { operand: None, .. } => self.case_when(id, 0),
            Kind::HexTooBig(m) | Kind::Unsupported(m) => return Err(Error::new(ErrorCode::Error, m.clone())),
            Kind::Column(c) => return Err(crate::eval::ir::no_such_column(&crate::eval::ir::column_name(c))),
            Kind::Ref(_)
            | Kind::Register { .. }
            | Kind::SelectAst { .. }
            | Kind::InSelectAst { .. }
            | Kind::Subquery { .. }
            | Kind::InSubquery { .. } => return Err(Error::new(ErrorCode::Error, "not a constant expression")),
            Kind::Vector(_) => return Err(Error::new(ErrorCode::Error, "row value misused")),
            Kind::Raise => {
                return Err(Error::new(ErrorCode::Error, "RAISE() may only be used within a trigger-program"));
            }
        }
        Ok(())
    }

    /// Evaluates `operands` in order, then applies node `id` to them.
    fn schedule(&mut self, id: NodeId, operands: &[NodeId]) {
        self.tasks.push(Task::Apply(Apply::Node(id)));
        self.tasks.extend(operands.iter().rev().map(|&o| Task::Value(o)));
    }

    /// The WHEN / THEN pairs of a CASE without operand, or of iif().
    fn case_pairs(&self, id: NodeId) -> (Vec<(NodeId, NodeId)>, Option<NodeId>) {
        match self.ir.kind(id) {
            Kind::Case { pairs, else_expr, .. } => (pairs.clone(), *else_expr),
            Kind::Function { args, .. } => {
                let pairs = args.chunks_exact(2).map(|p| (p[0], p[1])).collect();
                let else_expr = if args.len() % 2 == 1 { args.last().copied() } else { None };
                (pairs, else_expr)
            }
            _ => (Vec::new(), None),
        }
    }

    /// CASE without operand at WHEN `i`: jump on the condition, or the ELSE.
    fn case_when(&mut self, id: NodeId, i: usize) {
        let (pairs, else_expr) = self.case_pairs(id);
        if let Some(&(w, _)) = pairs.get(i) {
            self.tasks.push(Task::Apply(Apply::CaseWhen { node: id, i }));
            self.tasks.push(Task::Jump { node: w, sense: false, jump_if_null: true });
        } else {
            match else_expr {
                Some(e) => self.tasks.push(Task::Value(e)),
                None => self.values.push(Value::Null),
            }
        }
    }

    /// Schedules a jump on `id` (`sqlite3ExprIfTrue` / `sqlite3ExprIfFalse`).
    fn jump(&mut self, id: NodeId, sense: bool, jump_if_null: bool) {
        let ir = self.ir;
        match ir.kind(id) {
            Kind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                let alt = ir.simplified_and_or(id);
                if alt != id {
                    self.tasks.push(Task::Jump { node: alt, sense, jump_if_null });
                    return;
                }
                let first_sense = *op == BinaryOp::Or;
                let first_jin = if first_sense == sense { jump_if_null } else { !jump_if_null };
                self.tasks.push(Task::Apply(Apply::JumpSecond { second: *r, first_sense, sense, jump_if_null }));
                self.tasks.push(Task::Jump { node: *l, sense: first_sense, jump_if_null: first_jin });
            }
            Kind::Unary(UnaryOp::Not, x) => self.tasks.push(Task::Jump { node: *x, sense: !sense, jump_if_null }),
            Kind::Truth { truth, negated, operand } => {
                let positive = *truth != *negated;
                let jin = if sense { *negated } else { !*negated };
                let inner_sense = if positive { sense } else { !sense };
                self.tasks.push(Task::Jump { node: *operand, sense: inner_sense, jump_if_null: jin });
            }
            Kind::Between { operand, low, .. } => {
                self.tasks.push(Task::Apply(Apply::BetweenLow { node: id, sense, jump_if_null }));
                self.tasks.push(Task::Value(*low));
                self.tasks.push(Task::Value(*operand));
            }
            _ => {
                // ExprAlwaysTrue / ExprAlwaysFalse: no code at all.
                if let Some(value) = ir.true_false(id) {
                    self.flags.push(value == sense);
                    return;
                }
                self.tasks.push(Task::Apply(Apply::JumpTest { sense, jump_if_null }));
                self.tasks.push(Task::Value(id));
            }
        }
    }

    fn apply(&mut self, a: Apply) -> Result<()> {
        let ir = self.ir;
        match a {
            Apply::Node(id) => {
                let v = self.compute(id)?;
                self.values.push(v);
            }
            Apply::TruthOf => {
                let v = self.pop();
                self.values.push(arith::and(v.as_ref(), v.as_ref()));
            }
            Apply::JumpTest { sense, jump_if_null } => {
                let v = self.pop();
                self.flags.push(jumps(&v, sense, jump_if_null));
            }
            Apply::JumpSecond { second, first_sense, sense, jump_if_null } => {
                let first_jumped = self.flags.pop().unwrap_or(false);
                if first_jumped {
                    self.flags.push(first_sense == sense);
                } else {
                    self.tasks.push(Task::Jump { node: second, sense, jump_if_null });
                }
            }
            Apply::BetweenLow { node, sense, jump_if_null } => {
                let Kind::Between { operand, low, high } = *ir.kind(node) else { unreachable!() };
                let low_v = self.pop();
                let x = self.values.last().cloned().unwrap_or(Value::Null);
                let ge = self.comparison(CmpOp::Ge, &x, &low_v, operand, low, true);
                // The first operand of the AND as a jump.
                let first_jin = if !sense { jump_if_null } else { !jump_if_null };
                let first_jumped = jumps(&ge, false, first_jin);
                if first_jumped {
                    self.pop();
                    self.flags.push(!sense);
                } else {
                    self.tasks.push(Task::Apply(Apply::BetweenHigh { node, sense, jump_if_null }));
                    self.tasks.push(Task::Value(high));
                }
            }
            Apply::BetweenHigh { node, sense, jump_if_null } => {
                let Kind::Between { operand, high, .. } = *ir.kind(node) else { unreachable!() };
                let high_v = self.pop();
                let x = self.pop();
                let le = self.comparison(CmpOp::Le, &x, &high_v, operand, high, true);
                self.flags.push(jumps(&le, sense, jump_if_null));
            }
            Apply::CaseOperand { node, i, compared } => {
                let Kind::Case { operand: Some(op), pairs, else_expr } = ir.kind(node) else { unreachable!() };
                if compared {
                    let when_v = self.pop();
                    let x = self.values.last().cloned().unwrap_or(Value::Null);
                    let (w, t) = pairs[i];
                    let eq = self.comparison(CmpOp::Eq, &x, &when_v, *op, w, true);
                    if convert::truth(eq.as_ref()) == Some(true) {
                        self.pop();
                        self.tasks.push(Task::Value(t));
                        return Ok(());
                    }
                    self.tasks.push(Task::Apply(Apply::CaseOperand { node, i: i + 1, compared: false }));
                } else if let Some(&(w, _)) = pairs.get(i) {
                    self.tasks.push(Task::Apply(Apply::CaseOperand { node, i, compared: true }));
                    self.tasks.push(Task::Value(w));
                } else {
                    self.pop();
                    match else_expr {
                        Some(e) => self.tasks.push(Task::Value(*e)),
                        None => self.values.push(Value::Null),
                    }
                }
            }
            Apply::CaseWhen { node, i } => {
                let jumped = self.flags.pop().unwrap_or(true);
                if jumped {
                    self.case_when(node, i + 1);
                } else {
                    let (pairs, _) = self.case_pairs(node);
                    self.tasks.push(Task::Value(pairs[i].1));
                }
            }
            Apply::Coalesce { node, i } => {
                let Kind::Function { args, .. } = ir.kind(node) else { unreachable!() };
                let last = i + 1 == args.len();
                if !last && matches!(self.values.last(), Some(Value::Null)) {
                    self.pop();
                    self.tasks.push(Task::Apply(Apply::Coalesce { node, i: i + 1 }));
                    self.tasks.push(Task::Value(args[i + 1]));
                }
            }
            Apply::InItem { node, i, saw_null, computed } => {
                let Kind::In { operand, items } = ir.kind(node) else { unreachable!() };
                let mut saw_null = saw_null;
                if computed {
                    let item = self.pop();
                    let x = self.values.last().cloned().unwrap_or(Value::Null);
                    if matches!(item, Value::Null) {
                        saw_null = true;
                    } else if !matches!(x, Value::Null) {
                        let affinity = ir.affinity(*operand);
                        let coll = ir.collation(*operand).ok().flatten().unwrap_or_default();
                        if compare::compare(x.as_ref(), item.as_ref(), affinity, coll) == Some(Ordering::Equal) {
                            self.pop();
                            self.values.push(Value::Integer(1));
                            return Ok(());
                        }
                    }
                }
                let next = if computed { i + 1 } else { i };
                if let Some(&item) = items.get(next) {
                    self.tasks.push(Task::Apply(Apply::InItem { node, i: next, saw_null, computed: true }));
                    self.tasks.push(Task::Value(item));
                } else {
                    let x = self.pop();
                    let result = if matches!(x, Value::Null) || saw_null { Value::Null } else { Value::Integer(0) };
                    self.values.push(result);
                }
            }
        }
        Ok(())
    }

    /// `x op y` for a comparison between nodes `l` and `r` (their affinities and collation);
    /// `register_left`: the left operand is a copy in a register (CASE, BETWEEN).
    fn comparison(&self, op: CmpOp, x: &Value, y: &Value, l: NodeId, r: NodeId, register_left: bool) -> Value {
        let _ = register_left;
        let affinity = comparison_affinity(self.ir.affinity(l), self.ir.affinity(r));
        compare::compare_op(op, x.as_ref(), y.as_ref(), affinity, self.collation(l, r))
    }

    /// Computes node `id` from its operands on the value stack.
    fn compute(&mut self, id: NodeId) -> Result<Value> {
        let ir = self.ir;
        Ok(match ir.kind(id) {
            Kind::Unary(op, _) => {
                let x = self.pop();
                match op {
                    UnaryOp::Neg => arith::negate(x.as_ref()),
                    UnaryOp::BitNot => arith::bit_not(x.as_ref()),
                    UnaryOp::Not => arith::not(x.as_ref()),
                    UnaryOp::Plus => x,
                }
            }
            Kind::IsNull { negated, .. } => {
                let x = self.pop();
                Value::Integer(i64::from(matches!(x, Value::Null) != *negated))
            }
            Kind::Truth { truth, negated, .. } => {
                let x = self.pop();
                arith::is_truth(x.as_ref(), *truth, *negated)
            }
            Kind::Cast { affinity, .. } => {
                let x = self.pop();
                convert::cast(x.as_ref(), *affinity)
            }
            Kind::Binary(op, l, r) => {
                let y = self.pop();
                let x = self.pop();
                let (a, b) = (x.as_ref(), y.as_ref());
                match op {
                    BinaryOp::And => arith::and(a, b),
                    BinaryOp::Or => arith::or(a, b),
                    BinaryOp::Add => arith::arith(ArithOp::Add, a, b),
                    BinaryOp::Sub => arith::arith(ArithOp::Sub, a, b),
                    BinaryOp::Mul => arith::arith(ArithOp::Mul, a, b),
                    BinaryOp::Div => arith::arith(ArithOp::Div, a, b),
                    BinaryOp::Rem => arith::arith(ArithOp::Rem, a, b),
                    BinaryOp::BitAnd => arith::bit(BitOp::And, a, b),
                    BinaryOp::BitOr => arith::bit(BitOp::Or, a, b),
                    BinaryOp::LShift => arith::bit(BitOp::ShiftLeft, a, b),
                    BinaryOp::RShift => arith::bit(BitOp::ShiftRight, a, b),
                    BinaryOp::Concat => arith::concat(a, b)?,
                    BinaryOp::Is | BinaryOp::IsNot => {
                        let affinity = comparison_affinity(ir.affinity(*l), ir.affinity(*r));
                        let same = compare::is(a, b, affinity, self.collation(*l, *r));
                        Value::Integer(i64::from(same == (*op == BinaryOp::Is)))
                    }
                    op if is_comparison(*op) => self.comparison(cmp_op(*op), &x, &y, *l, *r, false),
                    _ => return Err(Error::new(ErrorCode::Error, "unsupported operator")),
                }
            }
            Kind::Between { operand, low, high } => {
                let vs = self.pop_n(3);
                let ge = self.comparison(CmpOp::Ge, &vs[0], &vs[1], *operand, *low, true);
                let le = self.comparison(CmpOp::Le, &vs[0], &vs[2], *operand, *high, true);
                arith::and(ge.as_ref(), le.as_ref())
            }
            Kind::In { operand, items } => {
                // The table form: items first, then the operand.
                let vs = self.pop_n(items.len() + 1);
                let (x, item_values) = vs.split_last().map(|(x, rest)| (x.clone(), rest)).unwrap_or((Value::Null, &[]));
                let affinity = ir.affinity(*operand);
                let coll = ir.collation(*operand).ok().flatten().unwrap_or_default();
                in_table(&x, item_values, affinity, coll)
            }
            Kind::Function { name, args, .. } => {
                let vs = self.pop_n(args.len());
                let refs: Vec<ValueRef<'_>> = vs.iter().map(Value::as_ref).collect();
                let def = scalar::lookup(name, args.len())?;
                if def.needs_collation {
                    self.ctx.collation = Collation::Binary;
                    for &a in args {
                        if let Ok(Some(c)) = ir.collation(a) {
                            self.ctx.collation = c;
                            break;
                        }
                    }
                }
                scalar::call(def.name, &refs, self.ctx)?
            }
            _ => return Err(Error::internal("node has no operands to apply")),
        })
    }
}

/// `x IN (items)` through a temporary index (`sqlite3CodeRhsOfIN` + OP_Found): the items are
/// stored with the left operand's affinity (none → BLOB, REAL → NUMERIC) and looked up with
/// the left operand's collation.
fn in_table(x: &Value, items: &[Value], affinity: Option<Affinity>, coll: Collation) -> Value {
    let store = match affinity {
        None => Affinity::Blob,
        Some(Affinity::Real) => Affinity::Numeric,
        Some(a) => a,
    };
    if matches!(x, Value::Null) {
        return Value::Null;
    }
    let mut saw_null = false;
    for item in items {
        if matches!(item, Value::Null) {
            saw_null = true;
            continue;
        }
        let stored = crate::eval::affinity::apply_affinity(item.as_ref(), store);
        if crate::format::value::compare_values(x.as_ref(), stored.as_ref(), coll) == Ordering::Equal {
            return Value::Integer(1);
        }
    }
    if saw_null { Value::Null } else { Value::Integer(0) }
}
