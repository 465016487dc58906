//! `Display` for SELECT, INSERT, UPDATE and DELETE.

use std::fmt::{self, Display, Formatter, Write};

use super::super::ast::{
    Assignment, CompoundOp, ConflictResolution, Cte, Delete, FromClause, IndexedBy, Insert, InsertSource, Join,
    JoinConstraint, JoinKind, JoinOperator, Limit, ResultColumn, Select, SelectCore, SimpleSelect, TableOrSubquery,
    Update, Upsert, UpsertAction, With,
};
use super::write_list;

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(with) = &self.with {
            write!(f, "{with} ")?;
        }
        write!(f, "{}", self.first)?;
        for term in &self.compound {
            let op = match term.op {
                CompoundOp::Union => "UNION",
                CompoundOp::UnionAll => "UNION ALL",
                CompoundOp::Intersect => "INTERSECT",
                CompoundOp::Except => "EXCEPT",
            };
            write!(f, " {op} {}", term.core)?;
        }
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            write_list(f, &self.order_by)?;
        }
        if let Some(limit) = &self.limit {
            write!(f, " {limit}")?;
        }
        Ok(())
    }
}

impl Display for Limit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.offset {
            Some(offset) if self.offset_first => write!(f, "LIMIT {offset}, {}", self.limit),
            Some(offset) => write!(f, "LIMIT {} OFFSET {offset}", self.limit),
            None => write!(f, "LIMIT {}", self.limit),
        }
    }
}

impl Display for With {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.recursive { "WITH RECURSIVE " } else { "WITH " })?;
        write_list(f, &self.ctes)
    }
}

impl Display for Cte {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            f.write_char('(')?;
            write_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        let materialized = match self.materialized {
            Some(true) => "MATERIALIZED ",
            Some(false) => "NOT MATERIALIZED ",
            None => "",
        };
        write!(f, " AS {materialized}({})", self.select)
    }
}

impl Display for SelectCore {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectCore::Select(select) => select.fmt(f),
            SelectCore::Values(rows) => {
                f.write_str("VALUES ")?;
                for (i, row) in rows.iter().enumerate() {
                    f.write_str(if i == 0 { "(" } else { ", (" })?;
                    write_list(f, row)?;
                    f.write_char(')')?;
                }
                Ok(())
            }
        }
    }
}

impl Display for SimpleSelect {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.distinct { "SELECT DISTINCT " } else { "SELECT " })?;
        write_list(f, &self.columns)?;
        if let Some(from) = &self.from {
            write!(f, " FROM {from}")?;
        }
        if let Some(expr) = &self.where_clause {
            write!(f, " WHERE {expr}")?;
        }
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            write_list(f, &self.group_by)?;
        }
        if let Some(expr) = &self.having {
            write!(f, " HAVING {expr}")?;
        }
        for (i, def) in self.windows.iter().enumerate() {
            f.write_str(if i == 0 { " WINDOW " } else { ", " })?;
            write!(f, "{} AS ({})", def.name, def.window)?;
        }
        Ok(())
    }
}

impl Display for ResultColumn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ResultColumn::Expr { expr, alias: Some(alias), .. } => write!(f, "{expr} AS {alias}"),
            ResultColumn::Expr { expr, alias: None, .. } => expr.fmt(f),
            ResultColumn::Star(_) => f.write_char('*'),
            ResultColumn::TableStar(table) => write!(f, "{table}.*"),
        }
    }
}

impl Display for FromClause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        for join in &self.joins {
            join.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for Join {
    /// The join with its leading separator (`, t` or ` JOIN t`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.op {
            JoinOperator::Comma => f.write_str(", ")?,
            JoinOperator::Join { natural, kind } => {
                f.write_str(if natural { " NATURAL " } else { " " })?;
                f.write_str(match kind {
                    JoinKind::Inner => "JOIN ",
                    JoinKind::Cross => "CROSS JOIN ",
                    JoinKind::Left => "LEFT JOIN ",
                    JoinKind::Right => "RIGHT JOIN ",
                    JoinKind::Full => "FULL JOIN ",
                })?;
            }
        }
        write!(f, "{}", self.table)?;
        match &self.constraint {
            Some(JoinConstraint::On(expr)) => write!(f, " ON {expr}"),
            Some(JoinConstraint::Using(columns)) => {
                f.write_str(" USING (")?;
                write_list(f, columns)?;
                f.write_char(')')
            }
            None => Ok(()),
        }
    }
}

impl Display for TableOrSubquery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let alias = match self {
            TableOrSubquery::Table { name, alias, .. } => {
                write!(f, "{name}")?;
                alias
            }
            TableOrSubquery::Function { name, args, alias } => {
                write!(f, "{name}(")?;
                write_list(f, args)?;
                f.write_char(')')?;
                alias
            }
            TableOrSubquery::Subquery { select, alias } => {
                write!(f, "({select})")?;
                alias
            }
            TableOrSubquery::Nested { from, alias } => {
                write!(f, "({from})")?;
                alias
            }
        };
        if let Some(alias) = alias {
            write!(f, " AS {alias}")?;
        }
        if let TableOrSubquery::Table { indexed: Some(indexed), .. } = self {
            write!(f, " {indexed}")?;
        }
        Ok(())
    }
}

impl Display for IndexedBy {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            IndexedBy::Index(name) => write!(f, "INDEXED BY {name}"),
            IndexedBy::NotIndexed => f.write_str("NOT INDEXED"),
        }
    }
}

/// ` OR X` of INSERT and UPDATE, or nothing.
struct OrConflict(Option<ConflictResolution>);

impl Display for OrConflict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            None => "",
            Some(ConflictResolution::Rollback) => " OR ROLLBACK",
            Some(ConflictResolution::Abort) => " OR ABORT",
            Some(ConflictResolution::Fail) => " OR FAIL",
            Some(ConflictResolution::Ignore) => " OR IGNORE",
            Some(ConflictResolution::Replace) => " OR REPLACE",
        })
    }
}

/// ` RETURNING columns`, or nothing.
struct Returning<'a>(&'a [ResultColumn]);

impl Display for Returning<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str(" RETURNING ")?;
        write_list(f, self.0)
    }
}

/// `WITH ... ` before a statement, or nothing.
fn write_with(f: &mut Formatter<'_>, with: &Option<With>) -> fmt::Result {
    match with {
        Some(with) => write!(f, "{with} "),
        None => Ok(()),
    }
}

impl Display for Insert {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_with(f, &self.with)?;
        write!(f, "INSERT{} INTO {}", OrConflict(self.or_conflict), self.table)?;
        if let Some(alias) = &self.alias {
            write!(f, " AS {alias}")?;
        }
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            write_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        match &self.source {
            InsertSource::Select(select) => write!(f, " {select}")?,
            InsertSource::DefaultValues => f.write_str(" DEFAULT VALUES")?,
        }
        for upsert in &self.upsert {
            write!(f, " {upsert}")?;
        }
        write!(f, "{}", Returning(&self.returning))
    }
}

impl Display for Upsert {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("ON CONFLICT")?;
        if let Some(target) = &self.target {
            f.write_str(" (")?;
            write_list(f, &target.columns)?;
            f.write_char(')')?;
            if let Some(expr) = &target.where_clause {
                write!(f, " WHERE {expr}")?;
            }
        }
        match &self.action {
            UpsertAction::Nothing => f.write_str(" DO NOTHING"),
            UpsertAction::Update { assignments, where_clause } => {
                f.write_str(" DO UPDATE SET ")?;
                write_list(f, assignments)?;
                match where_clause {
                    Some(expr) => write!(f, " WHERE {expr}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let [column] = self.columns.as_slice() {
            write!(f, "{column}")?;
        } else {
            f.write_char('(')?;
            write_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        write!(f, " = {}", self.value)
    }
}

/// `table [AS alias] [INDEXED BY ...]` of UPDATE and DELETE.
fn write_target(
    f: &mut Formatter<'_>,
    table: &impl Display,
    alias: &Option<super::super::ast::Ident>,
    indexed: &Option<IndexedBy>,
) -> fmt::Result {
    write!(f, "{table}")?;
    if let Some(alias) = alias {
        write!(f, " AS {alias}")?;
    }
    match indexed {
        Some(indexed) => write!(f, " {indexed}"),
        None => Ok(()),
    }
}

impl Display for Update {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_with(f, &self.with)?;
        write!(f, "UPDATE{} ", OrConflict(self.or_conflict))?;
        write_target(f, &self.table, &self.alias, &self.indexed)?;
        f.write_str(" SET ")?;
        write_list(f, &self.assignments)?;
        if let Some(from) = &self.from {
            write!(f, " FROM {from}")?;
        }
        if let Some(expr) = &self.where_clause {
            write!(f, " WHERE {expr}")?;
        }
        write!(f, "{}", Returning(&self.returning))
    }
}

impl Display for Delete {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_with(f, &self.with)?;
        f.write_str("DELETE FROM ")?;
        write_target(f, &self.table, &self.alias, &self.indexed)?;
        if let Some(expr) = &self.where_clause {
            write!(f, " WHERE {expr}")?;
        }
        write!(f, "{}", Returning(&self.returning))
    }
}
