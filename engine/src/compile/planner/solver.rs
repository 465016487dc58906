//! The join order (SQLite's `wherePathSolver`, run as `sqlite3WhereBegin` runs it).
//!
//! Sources are placed outermost first. A path is a join order of some of the sources with an
//! access path for each (`choose::candidates`, SQLite's WhereLoops); its cost is the sum over
//! its loops of (rows reaching the loop × the loop's cost per outer row) plus one-time costs,
//! in SQLite's LogEst arithmetic (`logest`): sums saturate, so that orders whose costs differ
//! by less than the rounding tie, and are then told apart as SQLite tells them (fewer rows,
//! then the cheaper without the sort). Each round extends every kept path by every access
//! path of every source that may go next, and keeps, per set of sources placed (and per
//! kind of order, below), the best path, and of those the `beam` cheapest (SQLite keeps 1,
//! 5, or 12 to 18 by the number of sources; here 1, 5 or 10).
//!
//! Under an ORDER BY, SQLite solves twice:
//!
//! 1. without regard to order, which estimates the rows the statement yields;
//! 2. each path knowing how many ORDER BY terms it delivers (`order::path_order`) and
//!    charged the sort of those rows it leaves to a sorter (`whereSortingCost`: K·N·log N,
//!    K = 2 for up to 30 result columns, scaled by the share of terms left when a prefix is
//!    in order) plus LogEst 3, a bias towards plans that need no sort. Paths whose order is
//!    still open are kept apart from those whose order is settled until the last round.
//!    Before it, the sources the first solution searched by an equality constraint, from
//!    the outermost on until one that was not, lose their unconstrained scans
//!    (`whereInterstageHeuristic`: an ORDER BY must not turn a search into a full scan on
//!    the strength of row estimates).
//!
//! A single source found by a one-row lookup satisfies any ORDER BY (`whereShortCut`).
//!
//! A GROUP BY is solved for the same way (WHERE_GROUPBY): its terms may be delivered in any
//! order and direction, since the groups need only come together.
//!
//! Work: rounds × kept paths × sources × access paths, each extension walking its path once
//! for the order: polynomial in the number of sources (at most 64) and indexes.

use std::collections::BTreeSet;

use super::choose::{Candidate, candidates, logest};
use super::logest::{LogEst, add, est_log};
use super::order::{at_most_one_row, path_order};
use super::terms::Term;
use super::{Access, LoopPlan, MAX_SOURCES};
use crate::compile::err;
use crate::compile::query::{Core, JoinType, OrderTerm};
use crate::error::Result;

/// A join order of some sources, with its estimates (LogEst, as SQLite's WherePath).
#[derive(Clone, Debug)]
struct Path {
    /// The sources placed (bit i: source i).
    mask: u64,
    loops: Vec<LoopPlan>,
    /// Cost with the sort its order leaves (rCost).
    cost: LogEst,
    /// Cost without the sort (rUnsort).
    unsort: LogEst,
    /// Rows the loops yield (nRow).
    rows: LogEst,
    /// ORDER BY terms delivered in order; None while later loops may deliver more.
    ordered: Option<usize>,
    /// Bit l: loop l runs in reverse.
    rev: u64,
}

impl Path {
    /// The comparison of two paths over the same sources (wherePathSolver's vector
    /// comparison): cost, then rows, then the cost without the sort.
    fn key(&self) -> (LogEst, LogEst, LogEst) {
        (self.cost, self.rows, self.unsort)
    }
}

/// What the second solution sorts: the ORDER BY (or GROUP BY), the rows the first solution
/// estimated, and the number of result columns.
struct Sorting<'a> {
    order: Order<'a>,
    rows: LogEst,
    columns: usize,
}

/// The order a core's loops are asked for: ORDER BY terms, or GROUP BY terms (`group`: equal
/// rows need only come together; the terms' directions are those an identical ORDER BY
/// lends them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Order<'a> {
    pub terms: &'a [OrderTerm],
    pub group: bool,
    /// A GROUP BY that an identical ORDER BY follows (WHERE_SORTBYGROUP, sqlite3Select's
    /// orderByGrp): only then are the groups also asked to come in the terms' directions
    /// (`Chosen::sorted`), which may run a loop in reverse. Otherwise a loop that brings the
    /// groups together runs forward, whatever its index's directions.
    pub sort_by_group: bool,
}

/// A chosen plan: the loops, outermost first (their directions set), and how many terms of
/// the order asked for they deliver (the rest, or all, is a sorter's). For a GROUP BY
/// delivered whole, `sorted` says the groups also come in the terms' directions
/// (sqlite3WhereIsSorted: an identical ORDER BY then needs no sorter).
#[derive(Debug)]
pub(crate) struct Chosen {
    pub loops: Vec<LoopPlan>,
    pub ordered: usize,
    pub sorted: bool,
}

impl Sorting<'_> {
    /// whereSortingCost of the rows when the first `sorted` terms are in order: K·N·log N,
    /// K the LogEst of (result columns + 59) / 30, scaled by the share of terms left to sort.
    fn cost(&self, sorted: usize) -> LogEst {
        let n = self.order.terms.len();
        // TUNING: sorting cost proportional to the number of output columns.
        let mut cost = self.rows + logest(((self.columns + 59) / 30) as u64);
        if sorted > 0 {
            cost += logest(((n - sorted) * 100 / n) as u64) - 66;
        }
        cost + est_log(self.rows)
    }
}

/// Chooses the join order and access paths of `core`; `used` lists the columns the statement
/// reads of each source (for covering indexes), `order` the order wanted, if any.
/// `one_pass`: the statement changes the rows of its only source (no full scan of a
/// covering index unless INDEXED BY asks for it).
pub(crate) fn choose(
    core: &Core,
    terms: &[Term<'_>],
    used: &BTreeSet<(u32, Option<u32>)>,
    order: Option<Order<'_>>,
    one_pass: bool,
) -> Result<Chosen> {
    let n = core.sources.len();
    if n > MAX_SOURCES {
        return Err(err(format!("at most {MAX_SOURCES} tables in a join")));
    }
    let first = solve(core, terms, used, None, 0, one_pass).ok_or_else(|| err("no query solution"))?;
    let Some(order) = order.filter(|o| !o.terms.is_empty()) else {
        return Ok(Chosen { loops: first.loops, ordered: 0, sorted: false });
    };
    let all = order.terms.len();
    if n == 0 || (n == 1 && at_most_one_row(core, &first.loops[0], terms)) {
        return Ok(Chosen { loops: first.loops, ordered: all, sorted: true });
    }
    // nRowEst: the first solution's rows, plus one.
    let sorting = Sorting { order, rows: first.rows + 1, columns: core.result.len() };
    let disabled = interstage(&first.loops);
    let best = match solve(core, terms, used, Some(&sorting), disabled, one_pass) {
        Some(best) => best,
        None => {
            // The heuristic left no path the beam kept: the first solution, as it orders.
            let (ordered, rev) = path_order(core, terms, &first.loops, order.terms, order.group);
            Path { ordered, rev, ..first }
        }
    };
    let ordered = best.ordered.unwrap_or(0);
    let mut rev = best.rev;
    let mut sorted = false;
    if order.group && order.sort_by_group && ordered == all {
        // The groups come together; do they come in the terms' order and directions?
        let (in_order, order_rev) = path_order(core, terms, &best.loops, order.terms, false);
        if in_order == Some(all) {
            sorted = true;
            rev = order_rev;
        }
    }
    let mut loops = best.loops;
    for (l, lp) in loops.iter_mut().enumerate() {
        lp.reverse = rev & (1 << l) != 0;
    }
    Ok(Chosen { loops, ordered, sorted })
}

/// The sources whose unconstrained scans the second solution may not use
/// (whereInterstageHeuristic): those of the outer loops of `first` that search by an
/// equality constraint, up to the first loop that does not.
fn interstage(first: &[LoopPlan]) -> u64 {
    let mut disabled = 0;
    for lp in first {
        let equality = match &lp.access {
            Access::RowidEq { .. } | Access::RowidIn { .. } | Access::AutoIndex { .. } => true,
            Access::Index { eq, .. } => !eq.is_empty(),
            Access::Scan | Access::CoveringScan { .. } | Access::RowidRange { .. } => false,
        };
        if !equality {
            break;
        }
        disabled |= 1 << lp.source;
    }
    disabled
}

/// Whether an access path uses no constraint (a whole scan of the table or of an index).
fn unconstrained(access: &Access) -> bool {
    match access {
        Access::Scan | Access::CoveringScan { .. } => true,
        Access::Index { eq, lower, upper, .. } => eq.is_empty() && lower.is_none() && upper.is_none(),
        _ => false,
    }
}

/// One solution (module doc): by every access path of every source, not `disabled` (bit i:
/// the unconstrained scans of source i), and with `sorting`, the sorts the orders leave;
/// `one_pass` as [`choose`] says. None when no path places every source.
fn solve(
    core: &Core,
    terms: &[Term<'_>],
    used: &BTreeSet<(u32, Option<u32>)>,
    sorting: Option<&Sorting<'_>>,
    disabled: u64,
    one_pass: bool,
) -> Option<Path> {
    let n = core.sources.len();
    // Sources that must follow others: a LEFT or CROSS join keeps every source to its left
    // before it.
    let must_follow: Vec<u64> = (0..n)
        .map(|i| match core.sources[i].join {
            JoinType::Left | JoinType::Cross => (1u64 << i) - 1,
            JoinType::Inner => 0,
        })
        .collect();
    let beam = match n {
        0 | 1 => 1,
        2 => 5,
        _ => 10,
    };
    // A top-level query runs its loops once (SQLite seeds nRow with nQueryLoop, 0 here).
    let start = Path { mask: 0, loops: Vec::new(), cost: 0, unsort: 0, rows: 0, ordered: None, rev: 0 };
    let mut paths = vec![start];
    for round in 0..n {
        let last = round + 1 == n;
        let mut next: Vec<Path> = Vec::new();
        for p in &paths {
            for (i, &follows) in must_follow.iter().enumerate().take(n) {
                if p.mask & (1 << i) != 0 || follows & !p.mask != 0 {
                    continue;
                }
                let order_by = sorting.map(|s| s.order.terms);
                for cand in candidates(core, terms, i, p.mask, p.rows, used, order_by, one_pass) {
                    if disabled & (1 << i) != 0 && unconstrained(&cand.access) {
                        continue;
                    }
                    let extended = extend(core, terms, p, i, cand, sorting);
                    keep(&mut next, extended, last);
                }
            }
        }
        // The best `beam` paths; of equal costs, the cheaper without the sort.
        next.sort_by_key(|p| (p.cost, p.unsort));
        next.truncate(beam);
        paths = next;
    }
    paths.into_iter().next()
}

/// Path `p` with source `i` read by `cand` after its loops, costed as wherePathSolver
/// costs it: the loop's cost per outer row times the rows before it (a LogEst sum), plus
/// its one-time cost, plus the path's; with `sorting`, the sort the order leaves.
fn extend(core: &Core, terms: &[Term<'_>], p: &Path, i: usize, cand: Candidate, sorting: Option<&Sorting<'_>>) -> Path {
    let mut unsort = cand.cost.saturating_add(p.rows);
    if cand.setup > 0 {
        unsort = add(cand.setup, unsort);
    }
    unsort = add(unsort, p.unsort);
    let rows = p.rows.saturating_add(cand.rows);
    let mut loops = p.loops.clone();
    loops.push(LoopPlan { source: i, access: cand.access, reverse: false });
    let (mut ordered, mut rev) = (p.ordered, p.rev);
    if let Some(s) = sorting
        && ordered.is_none()
    {
        (ordered, rev) = path_order(core, terms, &loops, s.order.terms, s.order.group);
    }
    let cost = match (sorting, ordered) {
        // TUNING (SQLite): a small extra penalty on sorting (LogEst +3), and a slight bias
        // for plans that need none (LogEst -2 on their unsorted cost).
        (Some(s), Some(k)) if k < s.order.terms.len() => add(unsort, s.cost(k)).saturating_add(3),
        _ => {
            let cost = unsort;
            unsort -= 2;
            cost
        }
    };
    Path { mask: p.mask | (1 << i), loops, cost, unsort, rows, ordered, rev }
}

/// Adds `path` to `next` unless a path over the same sources with a compatible order (both
/// settled or both open; any in the `last` round) is no worse by (cost, rows, unsorted
/// cost), which it otherwise replaces.
fn keep(next: &mut Vec<Path>, path: Path, last: bool) {
    let same = next.iter_mut().find(|q| q.mask == path.mask && (last || q.ordered.is_none() == path.ordered.is_none()));
    match same {
        Some(q) => {
            if path.key() < q.key() {
                *q = path;
            }
        }
        None => next.push(path),
    }
}
