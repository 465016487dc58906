//! The expression as SQLite's code generator sees it: the syntax tree rewritten the way
//! SQLite's parser rewrites it (parse.y actions and `sqlite3PExpr*`), in an arena, so that
//! every later pass (name resolution, code-generation checks, evaluation) walks it without
//! recursion.
//!
//! Rewrites mirrored here:
//! - `-literal` is a literal (`codeInteger` / `codeReal` with `negFlag`), so
//!   `-9223372036854775808` is an INTEGER and `-0x8000000000000000` an error;
//! - a `+` or `-` applied to a unary `+` replaces it (`- + 5` is `-5`);
//! - `x ISNULL` / `x NOTNULL` of a literal (through unary `+`/`-`) is the constant 0 or 1, and
//!   `x IS NULL` / `x IS NOT NULL` are ISNULL / NOTNULL;
//! - `x IS TRUE` and friends are truth tests (`TK_TRUTH`); TRUE / FALSE identifiers are literals;
//! - `x IN ()` is FALSE (TRUE for NOT IN), `x IN (c)` with a constant `c` is `x == +c`;
//! - `a AND b` is FALSE at parse time when one side is such a FALSE and neither has a function;
//! - `x NOT LIKE y`, `NOT BETWEEN`, `NOT IN` are NOT of the positive form; LIKE and GLOB are the
//!   functions like(y, x[, e]) and glob(y, x);
//! - an unknown double-quoted identifier is a string literal (SQLite's DQS default).

use crate::error::{Error, ErrorCode, Result};
use crate::eval::convert::{self, AtoiStatus};
use crate::eval::scalar;
use crate::format::value::{Collation, Value};
use crate::schema::{Affinity, affinity_of};
use crate::sql::ast::{BinaryOp, ColumnRef, Expr, FunctionArgs, LikeOp, Literal, Select, UnaryOp};
use std::rc::Rc;

pub(crate) type NodeId = usize;

/// A resolved column reference: which row source (the cursor the compiler gave it) and which
/// column, with the affinity and collation comparisons with it use.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ColRef {
    /// The row source: a cursor number of the statement's program.
    pub source: u32,
    /// The column of the source; None for the rowid.
    pub column: Option<u32>,
    /// The column's affinity (`sqlite3ExprAffinity` of a column); None for a subquery column
    /// whose expression has none.
    pub affinity: Option<Affinity>,
    /// The column's collation: BINARY unless declared (a column always has one), none for the
    /// rowid (`sqlite3ExprCollSeq` of a column with iColumn < 0).
    pub collation: Option<Collation>,
    /// Not NULL by declaration (the rowid, NOT NULL columns): lets IN and comparisons skip
    /// NULL checks (`sqlite3ExprCanBeNull`).
    pub not_null: bool,
}

/// One node of the rewritten expression.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    /// SQLite's EP_Collate: the node is, or has below it, a COLLATE operator.
    pub collate: bool,
    /// SQLite's EP_HasFunc: the node is, or has below it, a function call.
    pub has_func: bool,
    /// SQLite's EP_IsTrue / EP_IsFalse once names are resolved: TRUE, FALSE, and integer
    /// literals that fit in 32 bits (made by `sqlite3ExprInt32`), which `AND` / `OR` and
    /// conditions treat as known truth values without evaluating the other side.
    pub always: Option<bool>,
    /// The same flags as the parser sees them (TRUE / FALSE identifiers are resolved later).
    pub parse_always: Option<bool>,
    /// Made from an identifier (TRUE, FALSE, a double-quoted string): name resolution prunes
    /// it without stopping after an earlier error.
    pub from_id: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// A literal. `float_token` marks an unsigned floating-point literal (TK_FLOAT), which is
    /// what `likelihood()` requires as its second argument.
    Literal {
        value: Value,
        float_token: bool,
        small_int: bool,
    },
    /// TRUE / FALSE (TK_TRUEFALSE). `parse_time` marks the ones the parser makes from `x IN ()`.
    TrueFalse {
        value: bool,
        parse_time: bool,
    },
    /// An integer literal SQLite refuses when generating code ("hex literal too big: ...").
    HexTooBig(String),
    /// A column reference not (yet) resolved. The compiler's name resolution replaces it with
    /// [`Kind::Ref`]; for the constant evaluator it is an error.
    Column(Box<ColumnRef>),
    /// A resolved column: a column (or the rowid) of a row source of the statement.
    Ref(ColRef),
    /// A subquery as written: `(select)` (scalar), or `EXISTS (select)`.
    SelectAst {
        select: Rc<Select>,
        exists: bool,
    },
    /// `operand IN (select)` as written.
    InSelectAst {
        operand: NodeId,
        select: Rc<Select>,
    },
    /// A resolved scalar or EXISTS subquery: `id` indexes the compiler's table of subqueries;
    /// `affinity` is that of its first result column (a scalar subquery's affinity).
    Subquery {
        id: u32,
        exists: bool,
        affinity: Option<Affinity>,
    },
    /// A resolved `operand IN (select)`.
    InSubquery {
        operand: NodeId,
        id: u32,
    },
    /// A value the compiler already holds in a register (SQLite's TK_REGISTER): an aggregate's
    /// result, a column copied out of a sorter. Keeps the affinity and collation of what it
    /// replaced.
    Register {
        reg: u32,
        affinity: Option<Affinity>,
        collation: Option<Collation>,
    },
    Variable(String),
    Unary(UnaryOp, NodeId),
    Binary(BinaryOp, NodeId, NodeId),
    IsNull {
        negated: bool,
        operand: NodeId,
    },
    /// `x IS [NOT] TRUE|FALSE`.
    Truth {
        truth: bool,
        negated: bool,
        operand: NodeId,
    },
    Between {
        operand: NodeId,
        low: NodeId,
        high: NodeId,
    },
    In {
        operand: NodeId,
        items: Vec<NodeId>,
    },
    Cast {
        operand: NodeId,
        affinity: Affinity,
    },
    /// `x COLLATE name`; `collation` is `None` for a name SQLite does not know.
    Collate {
        operand: NodeId,
        name: String,
        collation: Option<Collation>,
    },
    /// A function call; LIKE and GLOB operators are calls of like() and glob().
    Function {
        name: String,
        args: Vec<NodeId>,
        distinct: bool,
        order_by: bool,
    },
    Case {
        operand: Option<NodeId>,
        pairs: Vec<(NodeId, NodeId)>,
        else_expr: Option<NodeId>,
    },
    Vector(Vec<NodeId>),
    Raise,
    /// Something that is never a constant expression here, with SQLite's message.
    Unsupported(String),
}

/// A rewritten expression: nodes in an arena, children before parents.
#[derive(Clone, Debug)]
pub(crate) struct Ir {
    pub nodes: Vec<Node>,
    pub root: NodeId,
}

impl Ir {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn kind(&self, id: NodeId) -> &Kind {
        &self.nodes[id].kind
    }

    /// Appends a node built by hand (its flags computed from its children as the parser
    /// computes them); returns its id.
    pub fn add(&mut self, kind: Kind) -> NodeId {
        let mut collate = matches!(kind, Kind::Collate { .. });
        let mut has_func = matches!(kind, Kind::Function { .. });
        if !matches!(kind, Kind::Collate { .. }) {
            for c in kind_children(&kind) {
                collate |= self.nodes[c].collate;
                has_func |= self.nodes[c].has_func;
            }
        }
        let always = match &kind {
            Kind::TrueFalse { value, .. } => Some(*value),
            _ => None,
        };
        self.nodes.push(Node { kind, collate, has_func, always, parse_always: None, from_id: false });
        self.nodes.len() - 1
    }

    /// An expression of one node.
    pub fn leaf(kind: Kind) -> Ir {
        let mut ir = Ir { nodes: Vec::new(), root: 0 };
        ir.root = ir.add(kind);
        ir
    }

    /// Appends a copy of every node of `other`; returns the id of `other`'s root here.
    pub fn graft(&mut self, other: &Ir) -> NodeId {
        let offset = self.nodes.len();
        for n in &other.nodes {
            let mut n = n.clone();
            n.kind = shift_ids(n.kind, offset);
            self.nodes.push(n);
        }
        other.root + offset
    }

    /// `self AND other` as one expression (for joining WHERE terms).
    pub fn and(mut self, other: &Ir) -> Ir {
        let r = self.graft(other);
        self.root = self.add(Kind::Binary(BinaryOp::And, self.root, r));
        self
    }

    /// SQLite's `pLeft`, `pRight` and `x.pList` of a node (for the collation search).
    fn sqlite_children(&self, id: NodeId) -> (Option<NodeId>, Option<NodeId>, Vec<NodeId>) {
        match self.kind(id) {
            Kind::Unary(_, x) | Kind::IsNull { operand: x, .. } | Kind::Cast { operand: x, .. } => {
                (Some(*x), None, vec![])
            }
            Kind::Collate { operand, .. } => (Some(*operand), None, vec![]),
            Kind::Truth { operand, .. } => (Some(*operand), None, vec![]),
            Kind::Binary(_, l, r) => (Some(*l), Some(*r), vec![]),
            Kind::Between { operand, low, high } => (Some(*operand), None, vec![*low, *high]),
            Kind::In { operand, items } => (Some(*operand), None, items.clone()),
            Kind::Function { args, .. } => (None, None, args.clone()),
            Kind::Case { operand, pairs, else_expr } => {
                let mut list: Vec<NodeId> = pairs.iter().flat_map(|&(w, t)| [w, t]).collect();
                list.extend(else_expr.iter().copied());
                (*operand, None, list)
            }
            Kind::Vector(items) => (None, None, items.clone()),
            Kind::InSelectAst { operand, .. } | Kind::InSubquery { operand, .. } => (Some(*operand), None, vec![]),
            _ => (None, None, vec![]),
        }
    }

    /// The children in the order SQLite's walker visits them (pLeft, pRight, then the list).
    pub fn walk_children(&self, id: NodeId) -> Vec<NodeId> {
        let (l, r, list) = self.sqlite_children(id);
        let mut out: Vec<NodeId> = l.into_iter().chain(r).collect();
        out.extend(list);
        out
    }

    /// The datatypes an expression may have (`sqlite3ExprDataType`): a mask of 0x01
    /// numeric, 0x02 text, 0x04 blob; 0 for an expression that is always NULL.
    pub fn data_type(&self, mut id: NodeId) -> u8 {
        let by_affinity = |aff: Option<Affinity>| match aff {
            Some(Affinity::Numeric | Affinity::Integer | Affinity::Real) => 0x05,
            Some(Affinity::Text) => 0x06,
            _ => 0x07,
        };
        loop {
            return match self.kind(id) {
                Kind::Collate { operand, .. } | Kind::Unary(UnaryOp::Plus, operand) => {
                    id = *operand;
                    continue;
                }
                Kind::Literal { value: Value::Null, .. } => 0x00,
                Kind::Literal { value: Value::Text(_), .. } => 0x02,
                Kind::Literal { value: Value::Blob(_), .. } => 0x04,
                Kind::Binary(BinaryOp::Concat, ..) => 0x06,
                Kind::Variable(_) | Kind::Function { .. } => 0x07,
                Kind::Ref(_) | Kind::Cast { .. } | Kind::Vector(_) | Kind::Register { .. } => {
                    by_affinity(self.affinity(id))
                }
                Kind::Subquery { exists: false, .. } => by_affinity(self.affinity(id)),
                Kind::Case { pairs, else_expr, .. } => {
                    pairs.iter().map(|&(_, then)| then).chain(*else_expr).fold(0, |m, e| m | self.data_type(e))
                }
                _ => 0x01,
            };
        }
    }

    /// The affinity of an expression (`sqlite3ExprAffinity`): that of a column, of a CAST's
    /// type, of a scalar subquery's first column, through COLLATE; none for everything else.
    pub fn affinity(&self, mut id: NodeId) -> Option<Affinity> {
        loop {
            match self.kind(id) {
                Kind::Cast { affinity, .. } => return Some(*affinity),
                Kind::Ref(r) => return r.affinity,
                Kind::Register { affinity, .. } => return *affinity,
                Kind::Subquery { exists: false, affinity, .. } => return *affinity,
                Kind::Collate { operand, .. } => id = *operand,
                Kind::Vector(items) if !items.is_empty() => id = items[0],
                _ => return None,
            }
        }
    }

    /// The collation of an expression (`sqlite3ExprCollSeq`): `Ok(None)` when it has none,
    /// `Err(name)` for an unknown collation name.
    pub fn collation(&self, mut id: NodeId) -> std::result::Result<Option<Collation>, String> {
        loop {
            match self.kind(id) {
                Kind::Cast { operand, .. } | Kind::Unary(UnaryOp::Plus, operand) => {
                    id = *operand;
                    continue;
                }
                Kind::Vector(items) if !items.is_empty() => {
                    id = items[0];
                    continue;
                }
                Kind::Collate { name, collation, .. } => {
                    return collation.map(Some).ok_or_else(|| name.clone());
                }
                Kind::Ref(r) => return Ok(r.collation),
                Kind::Register { collation, .. } => return Ok(*collation),
                _ => {}
            }
            if !self.node(id).collate {
                return Ok(None);
            }
            let (left, right, list) = self.sqlite_children(id);
            if let Some(l) = left
                && self.node(l).collate
            {
                id = l;
                continue;
            }
            let next = list.iter().copied().find(|&c| self.node(c).collate).or(right);
            match next {
                Some(n) => id = n,
                None => return Ok(None),
            }
        }
    }

    /// The collation of a comparison of `left` with `right` (`sqlite3BinaryCompareCollSeq`):
    /// an explicit COLLATE on the left, else on the right, else either side's.
    pub fn compare_collation(&self, left: NodeId, right: NodeId) -> std::result::Result<Collation, String> {
        let found = if self.node(left).collate {
            self.collation(left)?
        } else if self.node(right).collate {
            self.collation(right)?
        } else {
            match self.collation(left)? {
                Some(c) => Some(c),
                None => self.collation(right)?,
            }
        };
        Ok(found.unwrap_or_default())
    }

    /// Whether a node is known true or false (`ExprAlwaysTrue` / `ExprAlwaysFalse`).
    pub fn true_false(&self, id: NodeId) -> Option<bool> {
        self.node(id).always
    }

    /// `sqlite3ExprSimplifiedAndOr`: an AND / OR with a TRUE or FALSE operand reduced to the
    /// operand that decides it. Returns `id` itself when nothing simplifies.
    pub fn simplified_and_or(&self, id: NodeId) -> NodeId {
        // Iterative form of the recursive original: simplify children first.
        let Kind::Binary(op @ (BinaryOp::And | BinaryOp::Or), left, right) = *self.kind(id) else {
            return id;
        };
        let mut order = vec![id];
        let mut i = 0;
        while i < order.len() {
            if let Kind::Binary(BinaryOp::And | BinaryOp::Or, l, r) = *self.kind(order[i]) {
                order.push(l);
                order.push(r);
            }
            i += 1;
        }
        let mut simplified: std::collections::BTreeMap<NodeId, NodeId> = std::collections::BTreeMap::new();
        for &n in order.iter().rev() {
            let result = match *self.kind(n) {
                Kind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                    let (sl, sr) = (simplified[&l], simplified[&r]);
                    let and = op == BinaryOp::And;
                    if self.true_false(sl) == Some(true) || self.true_false(sr) == Some(false) {
                        if and { sr } else { sl }
                    } else if self.true_false(sr) == Some(true) || self.true_false(sl) == Some(false) {
                        if and { sl } else { sr }
                    } else {
                        n
                    }
                }
                _ => n,
            };
            simplified.insert(n, result);
        }
        let _ = (op, left, right);
        simplified[&id]
    }
}

/// What to do when a syntax node is left (its children built).
enum Plan<'a> {
    /// Build from the children's ids.
    Build(&'a Expr),
    /// `lhs IN (c)` rewritten as `lhs == +c` (then NOT when negated).
    InAsEq { negated: bool },
    /// `lhs IN ()` with a function in `lhs`: `FALSE AND lhs` (`TRUE OR lhs` for NOT IN).
    EmptyIn { negated: bool },
    /// A unary `-`/`+` over the (unary-plus-stripped) operand.
    Unary(UnaryOp),
    /// IS NULL / NOT NULL of the operand.
    IsNull { negated: bool },
    /// `x IS [NOT] TRUE|FALSE`.
    Truth { truth: bool, negated: bool },
}

/// The rewritten form of `expr`, for the constant evaluator: an unqualified double-quoted name
/// is a string, TRUE and FALSE are truth values (there are no columns to find).
pub(crate) fn lower(expr: &Expr) -> Result<Ir> {
    lower_with(expr, false)
}

/// The rewritten form of `expr`, for the compiler: every name stays a column reference
/// ([`Kind::Column`]) for name resolution, which falls back to a string (double-quoted) or a
/// truth value (TRUE / FALSE) when no column has the name, as SQLite does.
pub(crate) fn lower_for_compile(expr: &Expr) -> Result<Ir> {
    lower_with(expr, true)
}

fn lower_with(expr: &Expr, keep_names: bool) -> Result<Ir> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut ids: Vec<NodeId> = Vec::new();
    enum Frame<'a> {
        Enter(&'a Expr),
        Exit(Plan<'a>, usize),
    }
    let mut stack = vec![Frame::Enter(expr)];
    let push = |nodes: &mut Vec<Node>, kind: Kind| -> NodeId {
        let (collate, has_func) = {
            let child_flags = |c: &NodeId| (nodes[*c].collate, nodes[*c].has_func);
            let children: Vec<NodeId> = kind_children(&kind);
            let mut collate = matches!(kind, Kind::Collate { .. });
            let mut has_func = matches!(kind, Kind::Function { .. });
            // sqlite3ExprAddCollateToken does not propagate its operand's flags: a function
            // under a COLLATE does not mark the expressions above it.
            if !matches!(kind, Kind::Collate { .. }) {
                for c in &children {
                    let (cc, cf) = child_flags(c);
                    collate |= cc;
                    has_func |= cf;
                }
            }
            (collate, has_func)
        };
        let (always, parse_always) = match &kind {
            Kind::TrueFalse { value, parse_time } => (Some(*value), parse_time.then_some(*value)),
            Kind::Literal { value: Value::Integer(i), small_int: true, .. } => (Some(*i != 0), Some(*i != 0)),
            _ => (None, None),
        };
        nodes.push(Node { kind, collate, has_func, always, parse_always, from_id: false });
        nodes.len() - 1
    };
    while let Some(frame) = stack.pop() {
        match frame {
            Frame::Enter(e) => {
                let base = ids.len();
                match e {
                    Expr::Unary { op: op @ (UnaryOp::Neg | UnaryOp::Plus), operand } => {
                        let inner = strip_unary_plus(operand);
                        if *op == UnaryOp::Neg
                            && let Expr::Literal(lit @ (Literal::Integer(_) | Literal::Float(_))) = inner
                        {
                            ids.push(push(&mut nodes, literal(lit, true)));
                            continue;
                        }
                        stack.push(Frame::Exit(Plan::Unary(*op), base));
                        stack.push(Frame::Enter(inner));
                    }
                    Expr::IsNull { operand, negated } => {
                        if is_foldable_for_isnull(operand) {
                            ids.push(push(&mut nodes, int_literal(i64::from(*negated))));
                            continue;
                        }
                        stack.push(Frame::Exit(Plan::IsNull { negated: *negated }, base));
                        stack.push(Frame::Enter(operand));
                    }
                    Expr::Binary { op: op @ (BinaryOp::Is | BinaryOp::IsNot), left, right } => {
                        let negated = *op == BinaryOp::IsNot;
                        if matches!(**right, Expr::Literal(Literal::Null)) {
                            if is_foldable_for_isnull(left) {
                                ids.push(push(&mut nodes, int_literal(i64::from(negated))));
                                continue;
                            }
                            stack.push(Frame::Exit(Plan::IsNull { negated }, base));
                            stack.push(Frame::Enter(left));
                        } else if let Some(truth) = truth_literal(skip_collate_and_likely(right)) {
                            stack.push(Frame::Exit(Plan::Truth { truth, negated }, base));
                            stack.push(Frame::Enter(left));
                        } else {
                            stack.push(Frame::Exit(Plan::Build(e), base));
                            stack.push(Frame::Enter(right));
                            stack.push(Frame::Enter(left));
                        }
                    }
                    Expr::InList { negated, operand, list } => {
                        if list.is_empty() {
                            if ast_has_func(operand) {
                                stack.push(Frame::Exit(Plan::EmptyIn { negated: *negated }, base));
                                stack.push(Frame::Enter(operand));
                            } else {
                                ids.push(push(&mut nodes, Kind::TrueFalse { value: *negated, parse_time: true }));
                            }
                            continue;
                        }
                        if list.len() == 1
                            && !matches!(list[0], Expr::Collate { .. })
                            && !matches!(**operand, Expr::Vector(_))
                            && ast_is_constant(&list[0])
                        {
                            stack.push(Frame::Exit(Plan::InAsEq { negated: *negated }, base));
                            stack.push(Frame::Enter(&list[0]));
                            stack.push(Frame::Enter(operand));
                            continue;
                        }
                        stack.push(Frame::Exit(Plan::Build(e), base));
                        for item in list.iter().rev() {
                            stack.push(Frame::Enter(item));
                        }
                        stack.push(Frame::Enter(operand));
                    }
                    Expr::Like { operand, pattern, escape, .. } => {
                        stack.push(Frame::Exit(Plan::Build(e), base));
                        if let Some(esc) = escape {
                            stack.push(Frame::Enter(esc));
                        }
                        stack.push(Frame::Enter(operand));
                        stack.push(Frame::Enter(pattern));
                    }
                    Expr::Literal(lit) => ids.push(push(&mut nodes, literal(lit, false))),
                    Expr::Column(c) => {
                        let kind = if keep_names { Kind::Column(c.clone()) } else { column(c) };
                        let id = push(&mut nodes, kind);
                        nodes[id].from_id = !matches!(nodes[id].kind, Kind::Column(_));
                        ids.push(id);
                    }
                    Expr::Variable(v) => {
                        // Parameters are looked up by their text: `:name`, or `?N` for numbered ones.
                        let text = v.name.clone().unwrap_or_else(|| format!("?{}", v.index));
                        ids.push(push(&mut nodes, Kind::Variable(text)))
                    }
                    Expr::InTable { operand, args: None, .. } if keep_names => {
                        // `x IN t` is `x IN (SELECT * FROM t)` (sqlite3SrcListAppend in the
                        // parser's in_op rule).
                        stack.push(Frame::Exit(Plan::Build(e), base));
                        stack.push(Frame::Enter(operand));
                    }
                    Expr::InTable { table, .. } => {
                        ids.push(push(&mut nodes, Kind::Unsupported(format!("no such table: {}", table.name))))
                    }
                    Expr::Raise { .. } => ids.push(push(&mut nodes, Kind::Raise)),
                    Expr::Subquery(select) => ids
                        .push(push(&mut nodes, Kind::SelectAst { select: Rc::new((**select).clone()), exists: false })),
                    Expr::Exists(select) => ids
                        .push(push(&mut nodes, Kind::SelectAst { select: Rc::new((**select).clone()), exists: true })),
                    Expr::InSelect { .. } => {
                        stack.push(Frame::Exit(Plan::Build(e), base));
                        if let Expr::InSelect { operand, .. } = e {
                            stack.push(Frame::Enter(operand));
                        }
                    }
                    other => {
                        stack.push(Frame::Exit(Plan::Build(other), base));
                        let mut children = Vec::new();
                        other.push_children(&mut children);
                        for c in children.into_iter().rev() {
                            stack.push(Frame::Enter(c));
                        }
                    }
                }
            }
            Frame::Exit(plan, base) => {
                let children: Vec<NodeId> = ids.split_off(base);
                let id = build(&mut nodes, &push, plan, &children)?;
                ids.push(id);
            }
        }
    }
    let root = ids.pop().ok_or_else(|| Error::internal("empty expression"))?;
    Ok(Ir { nodes, root })
}

/// `kind` with every child id moved by `offset` (for [`Ir::graft`]).
fn shift_ids(kind: Kind, offset: usize) -> Kind {
    let m = |id: NodeId| id + offset;
    let mv = |v: Vec<NodeId>| v.into_iter().map(m).collect::<Vec<_>>();
    match kind {
        Kind::Unary(op, x) => Kind::Unary(op, m(x)),
        Kind::Binary(op, l, r) => Kind::Binary(op, m(l), m(r)),
        Kind::IsNull { negated, operand } => Kind::IsNull { negated, operand: m(operand) },
        Kind::Truth { truth, negated, operand } => Kind::Truth { truth, negated, operand: m(operand) },
        Kind::Between { operand, low, high } => Kind::Between { operand: m(operand), low: m(low), high: m(high) },
        Kind::In { operand, items } => Kind::In { operand: m(operand), items: mv(items) },
        Kind::Cast { operand, affinity } => Kind::Cast { operand: m(operand), affinity },
        Kind::Collate { operand, name, collation } => Kind::Collate { operand: m(operand), name, collation },
        Kind::Function { name, args, distinct, order_by } => {
            Kind::Function { name, args: mv(args), distinct, order_by }
        }
        Kind::Case { operand, pairs, else_expr } => Kind::Case {
            operand: operand.map(m),
            pairs: pairs.into_iter().map(|(w, t)| (m(w), m(t))).collect(),
            else_expr: else_expr.map(m),
        },
        Kind::Vector(items) => Kind::Vector(mv(items)),
        Kind::InSelectAst { operand, select } => Kind::InSelectAst { operand: m(operand), select },
        Kind::InSubquery { operand, id } => Kind::InSubquery { operand: m(operand), id },
        leaf => leaf,
    }
}

/// The children of an IR kind (for the flags).
fn kind_children(kind: &Kind) -> Vec<NodeId> {
    match kind {
        Kind::Unary(_, x) | Kind::IsNull { operand: x, .. } | Kind::Cast { operand: x, .. } => vec![*x],
        Kind::Collate { operand, .. } | Kind::Truth { operand, .. } => vec![*operand],
        Kind::Binary(_, l, r) => vec![*l, *r],
        Kind::Between { operand, low, high } => vec![*operand, *low, *high],
        Kind::In { operand, items } => std::iter::once(*operand).chain(items.iter().copied()).collect(),
        Kind::Function { args, .. } => args.clone(),
        Kind::Case { operand, pairs, else_expr } => operand
            .iter()
            .copied()
            .chain(pairs.iter().flat_map(|&(w, t)| [w, t]))
            .chain(else_expr.iter().copied())
            .collect(),
        Kind::Vector(items) => items.clone(),
        Kind::InSelectAst { operand, .. } | Kind::InSubquery { operand, .. } => vec![*operand],
        _ => vec![],
    }
}

/// Builds the node for `plan` from its children's ids.
fn build(
    nodes: &mut Vec<Node>,
    push: &dyn Fn(&mut Vec<Node>, Kind) -> NodeId,
    plan: Plan<'_>,
    c: &[NodeId],
) -> Result<NodeId> {
    let not = |nodes: &mut Vec<Node>, id: NodeId, negated: bool| {
        if negated { push(nodes, Kind::Unary(UnaryOp::Not, id)) } else { id }
    };
    Ok(match plan {
        Plan::Unary(op) => push(nodes, Kind::Unary(op, c[0])),
        Plan::IsNull { negated } => {
            // sqlite3PExprIsNull on an operand the parser has already made a literal: an
            // integer from an inner ISNULL or a folded AND, under unary + and -.
            let mut x = c[0];
            while let Kind::Unary(UnaryOp::Plus | UnaryOp::Neg, inner) = nodes[x].kind {
                x = inner;
            }
            let literal = matches!(&nodes[x].kind, Kind::Literal { value, .. } if !matches!(value, Value::Null));
            if literal && !nodes[x].from_id {
                push(nodes, int_literal(i64::from(negated)))
            } else {
                push(nodes, Kind::IsNull { negated, operand: c[0] })
            }
        }
        Plan::Truth { truth, negated } => push(nodes, Kind::Truth { truth, negated, operand: c[0] }),
        Plan::InAsEq { negated } => {
            let plus = push(nodes, Kind::Unary(UnaryOp::Plus, c[1]));
            let eq = push(nodes, Kind::Binary(BinaryOp::Eq, c[0], plus));
            not(nodes, eq, negated)
        }
        Plan::EmptyIn { negated } => {
            let tf = push(nodes, Kind::TrueFalse { value: negated, parse_time: true });
            let op = if negated { BinaryOp::Or } else { BinaryOp::And };
            push(nodes, Kind::Binary(op, tf, c[0]))
        }
        Plan::Build(e) => match e {
            Expr::Unary { op, .. } => push(nodes, Kind::Unary(*op, c[0])),
            Expr::Binary { op: BinaryOp::And, .. } => {
                // sqlite3ExprAnd: a side that is the parser's FALSE, with no function on either
                // side, makes the whole AND the integer 0.
                let parse_false = |id: NodeId| nodes[id].parse_always == Some(false);
                if (parse_false(c[0]) || parse_false(c[1])) && !nodes[c[0]].has_func && !nodes[c[1]].has_func {
                    push(nodes, int_literal(0))
                } else {
                    push(nodes, Kind::Binary(BinaryOp::And, c[0], c[1]))
                }
            }
            Expr::Binary { op: op @ (BinaryOp::Ptr | BinaryOp::Ptr2), .. } => {
                let name = if *op == BinaryOp::Ptr { "->" } else { "->>" };
                push(nodes, Kind::Unsupported(format!("no such function: {name}")))
            }
            Expr::Binary { op, .. } => push(nodes, Kind::Binary(*op, c[0], c[1])),
            Expr::Like { op, negated, .. } => {
                let name = match op {
                    LikeOp::Like => "LIKE",
                    LikeOp::Glob => "GLOB",
                    LikeOp::Regexp => "REGEXP",
                    LikeOp::Match => "MATCH",
                };
                let f = push(
                    nodes,
                    Kind::Function { name: name.to_string(), args: c.to_vec(), distinct: false, order_by: false },
                );
                not(nodes, f, *negated)
            }
            Expr::Between { negated, .. } => {
                let b = push(nodes, Kind::Between { operand: c[0], low: c[1], high: c[2] });
                not(nodes, b, *negated)
            }
            Expr::InList { negated, .. } => {
                let i = push(nodes, Kind::In { operand: c[0], items: c[1..].to_vec() });
                not(nodes, i, *negated)
            }
            Expr::Collate { collation, .. } => push(
                nodes,
                Kind::Collate { operand: c[0], name: collation.clone(), collation: Collation::from_name(collation) },
            ),
            Expr::Cast { type_name, .. } => push(nodes, Kind::Cast { operand: c[0], affinity: affinity_of(type_name) }),
            Expr::Function(call) if call.filter.is_some() || call.over.is_some() => {
                let what = if call.over.is_some() { "window functions" } else { "FILTER clauses" };
                push(nodes, Kind::Unsupported(format!("{what} are not supported yet")))
            }
            Expr::Function(call) => {
                let (distinct, order_by) = match &call.args {
                    FunctionArgs::Star => (false, false),
                    FunctionArgs::List { distinct, order_by, .. } => (*distinct, !order_by.is_empty()),
                };
                // ORDER BY terms are children too (push_children); they follow the arguments.
                let nargs = match &call.args {
                    FunctionArgs::Star => 0,
                    FunctionArgs::List { args, .. } => args.len(),
                };
                push(nodes, Kind::Function { name: call.name.clone(), args: c[..nargs].to_vec(), distinct, order_by })
            }
            Expr::Case { operand, when_then, else_expr } => {
                let mut i = 0;
                let op = operand.as_ref().map(|_| {
                    i += 1;
                    c[0]
                });
                let pairs: Vec<(NodeId, NodeId)> =
                    (0..when_then.len()).map(|k| (c[i + 2 * k], c[i + 2 * k + 1])).collect();
                let else_id = else_expr.as_ref().map(|_| c[c.len() - 1]);
                push(nodes, Kind::Case { operand: op, pairs, else_expr: else_id })
            }
            Expr::Vector(_) => push(nodes, Kind::Vector(c.to_vec())),
            Expr::InSelect { negated, select, .. } => {
                let i = push(nodes, Kind::InSelectAst { operand: c[0], select: Rc::new((**select).clone()) });
                not(nodes, i, *negated)
            }
            Expr::InTable { negated, table, .. } => {
                use crate::sql::ast::{FromClause, ResultColumn, Select, SelectCore, SimpleSelect, TableOrSubquery};
                let from =
                    FromClause::single(TableOrSubquery::Table { name: (**table).clone(), alias: None, indexed: None });
                let core = SimpleSelect {
                    from: Some(from),
                    ..SimpleSelect::new(vec![ResultColumn::Star(crate::sql::ast::Loc::NONE)])
                };
                let select = Select::new(SelectCore::Select(Box::new(core)));
                let i = push(nodes, Kind::InSelectAst { operand: c[0], select: Rc::new(select) });
                not(nodes, i, *negated)
            }
            _ => return Err(Error::internal("unexpected expression in lowering")),
        },
    })
}

/// Strips directly nested unary `+` operators (the parser reuses a `+` node for an operator
/// applied to it).
fn strip_unary_plus(mut e: &Expr) -> &Expr {
    while let Expr::Unary { op: UnaryOp::Plus, operand } = e {
        e = operand;
    }
    e
}

/// The operand of ISNULL / NOTNULL is a literal (through unary `+` / `-`), which SQLite folds
/// (`sqlite3PExprIsNull`).
fn is_foldable_for_isnull(mut e: &Expr) -> bool {
    while let Expr::Unary { op: UnaryOp::Plus | UnaryOp::Neg, operand } = e {
        e = operand;
    }
    matches!(e, Expr::Literal(Literal::Integer(_) | Literal::Float(_) | Literal::String(_) | Literal::Blob(_)))
}

/// `sqlite3ExprSkipCollateAndLikely` on the syntax tree, as the `IS` case of name resolution
/// sees it: before the operand is resolved, so likely() and friends are not skipped yet.
fn skip_collate_and_likely(mut e: &Expr) -> &Expr {
    while let Expr::Collate { operand, .. } = e {
        e = operand;
    }
    e
}

/// TRUE / FALSE as an identifier (`sqlite3IsTrueOrFalse` on an unquoted bare name), or the
/// TRUE / FALSE the parser makes of `x IN ()` / `x NOT IN ()`.
fn truth_literal(e: &Expr) -> Option<bool> {
    match e {
        Expr::InList { negated, operand, list } if list.is_empty() && !ast_has_func(operand) => Some(*negated),
        Expr::Column(c) if c.schema.is_none() && c.table.is_none() && !c.double_quoted => {
            let column = &c.column;
            if column.eq_ignore_ascii_case("true") {
                Some(true)
            } else if column.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
        Expr::Literal(Literal::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// An integer made by the parser (`sqlite3ExprInt32`), flagged as a truth value.
fn int_literal(i: i64) -> Kind {
    Kind::Literal { value: Value::Integer(i), float_token: false, small_int: true }
}

/// `sqlite3GetInt32` on an integer literal's text: decimal or hex that fits in 31 bits.
pub(crate) fn fits_int32(text: &str) -> bool {
    let z = text.as_bytes();
    if z.len() > 2 && z[0] == b'0' && (z[1] == b'x' || z[1] == b'X') && z[2].is_ascii_hexdigit() {
        let digits = z[2..].iter().skip_while(|&&c| c == b'0').collect::<Vec<_>>();
        if digits.len() > 8 || digits.iter().any(|c| !c.is_ascii_hexdigit()) {
            return false;
        }
        let u = digits.iter().fold(0u64, |acc, &&c| acc * 16 + u64::from(convert::hex_value(c)));
        return u & 0x8000_0000 == 0;
    }
    if !z.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let digits: Vec<u8> = z.iter().copied().skip_while(|&c| c == b'0').take_while(u8::is_ascii_digit).collect();
    digits.len() <= 10 && digits.iter().fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0')) <= 2_147_483_647
}

/// A literal's value (`codeInteger`, `codeReal`, blob and string literals), negated for a
/// unary minus applied to it.
fn literal(lit: &Literal, negated: bool) -> Kind {
    let value = match lit {
        Literal::Null => Value::Null,
        Literal::Integer(text) => {
            let (value, status) = convert::dec_or_hex_to_i64(text);
            let is_hex = text.len() >= 2 && text[..2].eq_ignore_ascii_case("0x");
            let too_big = (status == AtoiStatus::TwoPow63 && !negated)
                || status == AtoiStatus::TooLarge
                || (negated && value == i64::MIN);
            if too_big {
                if is_hex {
                    let sign = if negated { "-" } else { "" };
                    return Kind::HexTooBig(format!("hex literal too big: {sign}{text}"));
                }
                let r = convert::atof(text.as_bytes()).value;
                Value::Real(if negated { -r } else { r })
            } else if negated {
                Value::Integer(if status == AtoiStatus::TwoPow63 { i64::MIN } else { value.wrapping_neg() })
            } else {
                Value::Integer(value)
            }
        }
        Literal::Float(text) => {
            let r = convert::atof(text.as_bytes()).value;
            return Kind::Literal {
                value: Value::Real(if negated { -r } else { r }),
                float_token: !negated,
                small_int: false,
            };
        }
        Literal::String(s) => Value::text(s),
        Literal::Blob(b) => Value::Blob(b.clone()),
        Literal::Bool(b) => return Kind::TrueFalse { value: *b, parse_time: false },
        // TK_CTIME_KW & co. are calls of current_time() & co.
        Literal::CurrentTime => return now("current_time"),
        Literal::CurrentDate => return now("current_date"),
        Literal::CurrentTimestamp => return now("current_timestamp"),
    };
    let small_int = !negated && matches!(lit, Literal::Integer(text) if fits_int32(text));
    Kind::Literal { value, float_token: false, small_int }
}

fn now(name: &str) -> Kind {
    Kind::Function { name: name.to_string(), args: Vec::new(), distinct: false, order_by: false }
}

/// A column reference: TRUE / FALSE, a double-quoted string, or a column to resolve.
fn column(c: &ColumnRef) -> Kind {
    if c.schema.is_none() && c.table.is_none() {
        if c.double_quoted {
            return Kind::Literal { value: Value::text(&c.column), float_token: false, small_int: false };
        }
        if let Some(b) = truth_literal(&Expr::Column(Box::new(c.clone()))) {
            return Kind::TrueFalse { value: b, parse_time: false };
        }
    }
    Kind::Column(Box::new(c.clone()))
}

/// A column reference's name as SQLite prints it in errors: `[schema.][table.]column`.
pub(crate) fn column_name(c: &ColumnRef) -> String {
    match (&c.schema, &c.table) {
        (Some(s), Some(t)) => format!("{s}.{t}.{}", c.column),
        (None, Some(t)) => format!("{t}.{}", c.column),
        _ => c.column.clone(),
    }
}

/// Whether a syntax tree holds a function call (EP_HasFunc; LIKE and GLOB are calls), as
/// SQLite's flags say: not through a COLLATE operator, which does not propagate them.
fn ast_has_func(e: &Expr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::Function(_)
            | Expr::Like { .. }
            | Expr::Literal(Literal::CurrentTime | Literal::CurrentDate | Literal::CurrentTimestamp) => return true,
            Expr::Collate { .. } => {}
            _ => e.push_children(&mut stack),
        }
    }
    false
}

/// `sqlite3ExprIsConstant` at parse time: no column (TRUE / FALSE aside), no RAISE, no
/// function that is not a deterministic built-in taking that many arguments.
pub(crate) fn ast_is_constant(e: &Expr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::Column(c) if truth_literal(&Expr::Column(c.clone())).is_none() || c.table.is_some() => return false,
            Expr::Raise { .. } | Expr::InTable { .. } => return false,
            Expr::Function(call) => {
                let n = match &call.args {
                    FunctionArgs::Star => 0,
                    FunctionArgs::List { args, .. } => args.len(),
                };
                match scalar::lookup(&call.name, n) {
                    Ok(def) if def.deterministic && def.kind != scalar::FunctionKind::Aggregate => {}
                    _ => return false,
                }
            }
            Expr::Like { op, escape, .. } => {
                let n = 2 + usize::from(escape.is_some());
                let name = match op {
                    LikeOp::Like => "like",
                    LikeOp::Glob => "glob",
                    _ => return false,
                };
                if scalar::lookup(name, n).is_err() {
                    return false;
                }
            }
            _ => {}
        }
        e.push_children(&mut stack);
    }
    true
}

/// Whether a rewritten expression is constant for `sqlite3InRhsIsConstant` (after name
/// resolution): no column, variable-free is not required, no RAISE, no non-deterministic or
/// unknown function.
pub(crate) fn ir_is_constant(ir: &Ir, id: NodeId) -> bool {
    let mut stack = vec![id];
    while let Some(n) = stack.pop() {
        if !node_is_constant(ir.kind(n)) {
            return false;
        }
        stack.extend(ir.walk_children(n));
    }
    true
}

/// Whether a node, apart from its children, is constant: it reads no column, register or
/// subquery, is no RAISE, and calls only deterministic non-aggregate functions.
pub(crate) fn node_is_constant(kind: &Kind) -> bool {
    match kind {
        Kind::Column(_)
        | Kind::Ref(_)
        | Kind::Register { .. }
        | Kind::SelectAst { .. }
        | Kind::InSelectAst { .. }
        | Kind::Subquery { .. }
        | Kind::InSubquery { .. }
        | Kind::Raise
        | Kind::Unsupported(_) => false,
        Kind::Function { name, args, .. } => scalar::lookup(name, args.len())
            .is_ok_and(|def| def.deterministic && def.kind != scalar::FunctionKind::Aggregate),
        _ => true,
    }
}

/// An error with SQLite's "no such column" wording.
pub(crate) fn no_such_column(name: &str) -> Error {
    Error::new(ErrorCode::Error, format!("no such column: {name}"))
}
