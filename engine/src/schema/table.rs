//! CREATE TABLE to [`TableDef`], in SQLite's order: each column and its constraints
//! (`sqlite3AddColumn`, `sqlite3AddPrimaryKey`, ...), then the table constraints, then
//! `sqlite3EndTable` (STRICT, WITHOUT ROWID via `convertToWithoutRowidTable`, index tails).

use super::index::{
    check_object_name, collation, error, is_dup_column, key_columns, resolve_columns, skip_collate, table_key_tail,
};
use super::{
    Affinity, CheckDef, ColumnDef, Generated, IndexColumn, IndexDef, IndexOrigin, IndexTarget, StdType, TableDef,
    declared_type,
};
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::Collation;
use crate::sql::ast::{
    ColumnConstraintKind, ConflictResolution, CreateTable, Expr, Literal, OrderingTerm, SortOrder, TableConstraintKind,
};

impl TableDef {
    /// The table a CREATE TABLE statement defines, or SQLite's error for it.
    pub fn from_ast(ast: &CreateTable) -> Result<TableDef> {
        check_object_name(ast.name.name.as_str())?;
        if ast.columns.len() > super::MAX_COLUMNS {
            // sqlite3AddColumn's check of SQLITE_LIMIT_COLUMN.
            return Err(Error::new(ErrorCode::Error, format!("too many columns on {}", ast.name.name.as_str())));
        }
        let mut builder = Builder {
            table: TableDef {
                name: ast.name.name.name.clone(),
                columns: Vec::with_capacity(ast.columns.len()),
                rowid_alias: None,
                without_rowid: false,
                strict: false,
                autoincrement: false,
                rowid_conflict: None,
                primary_key: Vec::new(),
                indexes: Vec::new(),
                checks: Vec::new(),
            },
            has_primary_key: false,
            in_primary_key: Vec::new(),
            alias_on_conflict: None,
            alias_order: None,
        };
        for column in &ast.columns {
            builder.add_column(column)?;
        }
        for constraint in &ast.constraints {
            builder.table_constraint(constraint)?;
        }
        builder.end(ast.strict(), ast.without_rowid())
    }
}

/// A table under construction, with the state SQLite keeps in its `Parse` object.
struct Builder {
    table: TableDef,
    has_primary_key: bool,
    /// Per column: named in the PRIMARY KEY (SQLite's COLFLAG_PRIMKEY).
    in_primary_key: Vec<bool>,
    /// ON CONFLICT and sort order of an INTEGER PRIMARY KEY, for a WITHOUT ROWID conversion.
    alias_on_conflict: Option<ConflictResolution>,
    alias_order: Option<SortOrder>,
}

/// True if `expr` is constant for a DEFAULT (`sqlite3ExprIsConstantOrFunction`): no column
/// references but TRUE / FALSE, no parameters, no RAISE, no subqueries.
fn is_constant_default(expr: &Expr) -> bool {
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::Column(c) => {
                let name = c.column.to_ascii_lowercase();
                let truth = c.table.is_none() && !c.double_quoted && (name == "true" || name == "false");
                if !truth {
                    return false;
                }
            }
            Expr::Variable(_)
            | Expr::Raise { .. }
            | Expr::InTable { .. }
            | Expr::InSelect { .. }
            | Expr::Subquery(_)
            | Expr::Exists(_) => return false,
            _ => {}
        }
        expr.push_children(&mut pending);
    }
    true
}

impl Builder {
    /// `sqlite3AddColumn` and the column's constraints in order.
    fn add_column(&mut self, column: &crate::sql::ast::ColumnDef) -> Result<()> {
        if self.table.column_index(&column.name).is_some() {
            return Err(error(format!("duplicate column name: {}", column.name)));
        }
        let declared = declared_type(column.type_name.as_deref());
        self.table.columns.push(ColumnDef {
            name: column.name.clone(),
            declared_type: declared.name,
            std_type: declared.std_type,
            affinity: declared.affinity,
            not_null: false,
            not_null_conflict: None,
            default: None,
            collation: Collation::Binary,
            primary_key_position: None,
            generated: None,
        });
        self.in_primary_key.push(false);
        let index = self.table.columns.len() - 1;
        for constraint in &column.constraints {
            self.column_constraint(index, &constraint.name, &constraint.kind)?;
        }
        Ok(())
    }

    /// One column constraint of column `index`.
    fn column_constraint(&mut self, index: usize, name: &Option<String>, kind: &ColumnConstraintKind) -> Result<()> {
        let column_name = self.table.columns[index].name.clone();
        match kind {
            ColumnConstraintKind::Default(default) => {
                if !is_constant_default(&default.expr) {
                    return Err(error(format!("default value of column [{column_name}] is not constant")));
                }
                if self.table.columns[index].generated.is_some() {
                    return Err(error("cannot use DEFAULT on a generated column"));
                }
                self.table.columns[index].default = Some(default.clone());
            }
            ColumnConstraintKind::NotNull { on_conflict } => {
                self.table.columns[index].not_null = true;
                self.table.columns[index].not_null_conflict = *on_conflict;
            }
            ColumnConstraintKind::Null { .. }
            | ColumnConstraintKind::References(_)
            | ColumnConstraintKind::Deferrable(_) => {}
            ColumnConstraintKind::PrimaryKey { order, on_conflict, autoincrement } => {
                self.add_primary_key(None, *on_conflict, *autoincrement, *order)?
            }
            ColumnConstraintKind::Unique { on_conflict } => {
                let key = vec![IndexColumn {
                    target: IndexTarget::Column(index),
                    collation: self.table.columns[index].collation,
                    order: SortOrder::Asc,
                }];
                self.add_implied_index(key, *on_conflict, IndexOrigin::Unique)?;
            }
            ColumnConstraintKind::Check(check) => {
                self.table.checks.push(CheckDef::new(name.as_ref(), check));
            }
            ColumnConstraintKind::Collate(name) => {
                let collation = collation(name)?;
                self.table.columns[index].collation = collation;
                // Indexes made earlier by this column's own PRIMARY KEY / UNIQUE take it too.
                for implied in &mut self.table.indexes {
                    if implied.columns[0].target == IndexTarget::Column(index) {
                        implied.columns[0].collation = collation;
                    }
                }
            }
            ColumnConstraintKind::Generated { expr, storage } => {
                let stored = match storage.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    None | Some("virtual") => false,
                    Some("stored") => true,
                    Some(_) => {
                        return Err(error(format!("error in generated column \"{column_name}\"")));
                    }
                };
                if self.table.columns[index].default.is_some() {
                    return Err(error(format!("error in generated column \"{column_name}\"")));
                }
                if self.in_primary_key[index] {
                    return Err(error("generated columns cannot be part of the PRIMARY KEY"));
                }
                self.table.columns[index].generated = Some(Generated { expr: expr.clone(), stored });
            }
        }
        Ok(())
    }

    /// Marks column `index` as part of the PRIMARY KEY.
    fn mark_primary_key(&mut self, index: usize) -> Result<()> {
        self.in_primary_key[index] = true;
        if self.table.columns[index].generated.is_some() {
            return Err(error("generated columns cannot be part of the PRIMARY KEY"));
        }
        Ok(())
    }

    /// `sqlite3AddPrimaryKey`: `terms` is `None` for a column constraint (the last column),
    /// whose `order` decides the INTEGER PRIMARY KEY quirk: `PRIMARY KEY DESC` is no alias.
    fn add_primary_key(
        &mut self,
        terms: Option<&[OrderingTerm]>,
        on_conflict: Option<ConflictResolution>,
        autoincrement: bool,
        order: Option<SortOrder>,
    ) -> Result<()> {
        if self.has_primary_key {
            return Err(error(format!("table \"{}\" has more than one primary key", self.table.name)));
        }
        self.has_primary_key = true;
        let last = self.table.columns.len() - 1;
        let (term_count, named) = match terms {
            None => {
                self.mark_primary_key(last)?;
                (1, Some(last))
            }
            Some(terms) => {
                let mut named = None;
                for term in terms {
                    let (inner, _) = skip_collate(&term.expr);
                    let name = match inner {
                        Expr::Column(c) if c.table.is_none() && c.schema.is_none() => Some(c.column.as_str()),
                        Expr::Literal(Literal::String(s)) => Some(s.as_str()),
                        _ => None,
                    };
                    if let Some(column) = name.and_then(|n| self.table.column_index(n)) {
                        self.mark_primary_key(column)?;
                        named = Some(column);
                    }
                }
                (terms.len(), named)
            }
        };
        let alias = named.filter(|&c| {
            term_count == 1
                && self.table.columns[c].std_type == Some(StdType::Integer)
                && order != Some(SortOrder::Desc)
        });
        if let Some(column) = alias {
            if let Some(terms) = terms {
                super::index::reject_explicit_nulls(terms)?;
                self.alias_order = terms[0].order;
            }
            self.table.rowid_alias = Some(column);
            self.table.autoincrement = autoincrement;
            self.alias_on_conflict = on_conflict;
            self.table.rowid_conflict = on_conflict;
            return Ok(());
        }
        if autoincrement {
            return Err(error("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY"));
        }
        let key = match terms {
            Some(terms) => key_columns(&self.table, terms, true)?,
            None => vec![IndexColumn {
                target: IndexTarget::Column(last),
                collation: self.table.columns[last].collation,
                order: order.unwrap_or(SortOrder::Asc),
            }],
        };
        self.add_implied_index(key, on_conflict, IndexOrigin::PrimaryKey)
    }

    /// One table constraint.
    fn table_constraint(&mut self, constraint: &crate::sql::ast::TableConstraint) -> Result<()> {
        match &constraint.kind {
            TableConstraintKind::PrimaryKey { columns, autoincrement, on_conflict } => {
                self.add_primary_key(Some(columns), *on_conflict, *autoincrement, None)
            }
            TableConstraintKind::Unique { columns, on_conflict } => {
                let key = key_columns(&self.table, columns, true)?;
                self.add_implied_index(key, *on_conflict, IndexOrigin::Unique)
            }
            TableConstraintKind::Check { check, .. } => {
                self.table.checks.push(CheckDef::new(constraint.name.as_ref(), check));
                Ok(())
            }
            TableConstraintKind::ForeignKey { .. } => Ok(()),
        }
    }

    /// The implied-index part of `sqlite3CreateIndex`: a key equal to an earlier implied
    /// index's (same columns and collations, sort order aside) makes no new index; it merges
    /// its ON CONFLICT into the earlier one and, for a PRIMARY KEY, makes that one the
    /// primary-key index. Otherwise the index is named `sqlite_autoindex_<table>_<N>`.
    fn add_implied_index(
        &mut self,
        key: Vec<IndexColumn>,
        on_conflict: Option<ConflictResolution>,
        origin: IndexOrigin,
    ) -> Result<()> {
        let same_key = |index: &IndexDef| {
            index.key_len == key.len()
                && index.key_columns().iter().zip(&key).all(|(a, b)| a.target == b.target && a.collation == b.collation)
        };
        if let Some(existing) = self.table.indexes.iter_mut().find(|i| same_key(i)) {
            if existing.on_conflict != on_conflict {
                if existing.on_conflict.is_some() && on_conflict.is_some() {
                    return Err(error("conflicting ON CONFLICT clauses specified"));
                }
                if existing.on_conflict.is_none() {
                    existing.on_conflict = on_conflict;
                }
            }
            if origin == IndexOrigin::PrimaryKey {
                existing.origin = origin;
            }
            return Ok(());
        }
        let number = self.table.indexes.len() + 1;
        let key_len = key.len();
        debug_assert!(key_len > 0);
        self.table.indexes.push(IndexDef {
            name: format!("sqlite_autoindex_{}_{number}", self.table.name),
            table: self.table.name.clone(),
            unique: true,
            origin,
            on_conflict,
            columns: key,
            key_len,
            where_clause: None,
        });
        Ok(())
    }

    /// `sqlite3EndTable`: STRICT and WITHOUT ROWID rules, checks of expressions, index tails.
    fn end(mut self, strict: bool, without_rowid: bool) -> Result<TableDef> {
        if strict {
            self.apply_strict()?;
        }
        if without_rowid {
            if self.table.autoincrement {
                return Err(error("AUTOINCREMENT not allowed on WITHOUT ROWID tables"));
            }
            if !self.has_primary_key {
                return Err(error(format!("PRIMARY KEY missing on table {}", self.table.name)));
            }
            self.convert_to_without_rowid()?;
        }
        let table = &self.table;
        for check in &table.checks {
            resolve_columns(table, &check.expr)?;
        }
        let mut generated = 0;
        for column in &table.columns {
            if let Some(g) = &column.generated {
                generated += 1;
                resolve_columns(table, &g.expr)?;
            }
        }
        if generated > 0 && generated == table.columns.len() {
            return Err(error("must have at least one non-generated column"));
        }
        self.finish_keys();
        Ok(self.table)
    }

    /// STRICT: every column has a standard type; ANY means no affinity; primary-key columns
    /// other than the rowid alias are NOT NULL.
    fn apply_strict(&mut self) -> Result<()> {
        self.table.strict = true;
        for (i, column) in self.table.columns.iter_mut().enumerate() {
            match (column.std_type, &column.declared_type) {
                (None, Some(declared)) => {
                    return Err(error(format!(
                        "unknown datatype for {}.{}: \"{declared}\"",
                        self.table.name, column.name
                    )));
                }
                (None, None) => {
                    return Err(error(format!("missing datatype for {}.{}", self.table.name, column.name)));
                }
                (Some(StdType::Any), _) => column.affinity = Affinity::Blob,
                _ => {}
            }
            if self.in_primary_key[i] && self.table.rowid_alias != Some(i) {
                column.not_null = true;
            }
        }
        Ok(())
    }

    /// `convertToWithoutRowidTable`: primary-key columns become NOT NULL, an INTEGER PRIMARY
    /// KEY becomes an ordinary primary-key index (created last), repeated key columns go.
    fn convert_to_without_rowid(&mut self) -> Result<()> {
        self.table.without_rowid = true;
        for (column, &in_pk) in self.table.columns.iter_mut().zip(&self.in_primary_key) {
            if in_pk {
                column.not_null = true;
            }
        }
        if let Some(alias) = self.table.rowid_alias.take() {
            let key = vec![IndexColumn {
                target: IndexTarget::Column(alias),
                collation: self.table.columns[alias].collation,
                order: self.alias_order.unwrap_or(SortOrder::Asc),
            }];
            self.add_implied_index(key, self.alias_on_conflict, IndexOrigin::PrimaryKey)?;
        } else if let Some(pk) = self.table.indexes.iter_mut().find(|i| i.origin == IndexOrigin::PrimaryKey) {
            let mut kept: Vec<IndexColumn> = Vec::with_capacity(pk.key_len);
            for column in pk.columns.drain(..) {
                if !is_dup_column(&kept, &column) {
                    kept.push(column);
                }
            }
            pk.key_len = kept.len();
            pk.columns = kept;
        }
        Ok(())
    }

    /// Appends each implied index's table-key tail, fills the PRIMARY KEY positions, and puts
    /// every other stored column at the end of a WITHOUT ROWID table's primary-key index.
    fn finish_keys(&mut self) {
        let table = &self.table;
        let tails: Vec<Vec<IndexColumn>> = table
            .indexes
            .iter()
            .map(|index| {
                if table.without_rowid && index.origin == IndexOrigin::PrimaryKey {
                    let key = index.key_columns();
                    table
                        .columns
                        .iter()
                        .enumerate()
                        .filter(|(i, c)| {
                            let stored = c.generated.as_ref().is_none_or(|g| g.stored);
                            stored && !key.iter().any(|k| k.target == IndexTarget::Column(*i))
                        })
                        .map(|(i, c)| IndexColumn {
                            target: IndexTarget::Column(i),
                            collation: c.collation,
                            order: SortOrder::Asc,
                        })
                        .collect()
                } else {
                    let mut tail = table_key_tail(table, index.key_columns());
                    // convertToWithoutRowidTable copies the primary key's collations into
                    // the tails of indexes made before it, but not its sort orders (SQLite's
                    // "bAscKeyBug"): those tail columns stay ascending.
                    for column in &mut tail {
                        column.order = SortOrder::Asc;
                    }
                    tail
                }
            })
            .collect();
        for (index, tail) in self.table.indexes.iter_mut().zip(tails) {
            debug_assert_eq!(index.columns.len(), index.key_len);
            index.columns.extend(tail);
        }
        let mut primary_key = Vec::new();
        if let Some(alias) = self.table.rowid_alias {
            primary_key.push(alias);
        } else if let Some(pk) = self.table.primary_key_index() {
            primary_key.extend(pk.key_columns().iter().filter_map(|c| match c.target {
                IndexTarget::Column(i) => Some(i),
                _ => None,
            }));
        }
        for (i, column) in self.table.columns.iter_mut().enumerate() {
            if self.in_primary_key[i] {
                let position = primary_key.iter().position(|&c| c == i);
                column.primary_key_position = Some(position.map_or(1, |p| p + 1));
            }
        }
        self.table.primary_key = primary_key;
    }
}
