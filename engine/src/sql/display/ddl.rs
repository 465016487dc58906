//! `Display` for CREATE, DROP and ALTER statements.

use std::fmt::{self, Display, Formatter, Write};

use super::super::ast::{
    AlterAction, AlterTable, CheckExpr, ColumnConstraint, ColumnConstraintKind, ColumnDef, CreateIndex, CreateTable,
    CreateTableAs, CreateTrigger, CreateView, CreateVirtualTable, DefaultValue, Deferrable, Drop, DropKind,
    ForeignKeyAction, ForeignKeyArg, ForeignKeyClause, IndexedName, TableConstraint, TableConstraintKind, TableOption,
    TriggerEvent, TriggerStep, TriggerTime,
};
use super::{Name, OnConflict, Order, write_list, write_paren_text};

impl Display for CreateTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.temp {
            f.write_str("TEMP ")?;
        }
        f.write_str("TABLE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}(", self.name)?;
        write_list(f, &self.columns)?;
        for constraint in &self.constraints {
            write!(f, ", {constraint}")?;
        }
        f.write_char(')')?;
        for (i, option) in self.options.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            f.write_str(match option {
                TableOption::WithoutRowid => "WITHOUT ROWID",
                TableOption::Strict => "STRICT",
            })?;
        }
        Ok(())
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Name(&self.name))?;
        if let Some(type_name) = &self.type_name {
            write!(f, " {type_name}")?;
        }
        for constraint in &self.constraints {
            write!(f, " {constraint}")?;
        }
        Ok(())
    }
}

impl Display for ColumnConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.name {
            write!(f, "CONSTRAINT {} ", Name(name))?;
        }
        match &self.kind {
            ColumnConstraintKind::PrimaryKey { order, on_conflict, autoincrement } => {
                write!(f, "PRIMARY KEY{}{}", Order(*order), OnConflict(*on_conflict))?;
                if *autoincrement {
                    f.write_str(" AUTOINCREMENT")?;
                }
                Ok(())
            }
            ColumnConstraintKind::NotNull { on_conflict } => {
                write!(f, "NOT NULL{}", OnConflict(*on_conflict))
            }
            ColumnConstraintKind::Null { on_conflict } => {
                write!(f, "NULL{}", OnConflict(*on_conflict))
            }
            ColumnConstraintKind::Unique { on_conflict } => {
                write!(f, "UNIQUE{}", OnConflict(*on_conflict))
            }
            ColumnConstraintKind::Check(check) => check.fmt(f),
            ColumnConstraintKind::Default(default) => default.fmt(f),
            ColumnConstraintKind::Collate(name) => write!(f, "COLLATE {}", Name(name)),
            ColumnConstraintKind::References(clause) => clause.fmt(f),
            ColumnConstraintKind::Deferrable(deferrable) => deferrable.fmt(f),
            ColumnConstraintKind::Generated { expr, storage } => {
                write!(f, "AS ({expr})")?;
                if let Some(storage) = storage {
                    write!(f, " {}", Name(storage))?;
                }
                Ok(())
            }
        }
    }
}

impl Display for CheckExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CHECK ")?;
        write_paren_text(f, &self.text)
    }
}

impl Display for DefaultValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("DEFAULT ")?;
        if self.parenthesized { write_paren_text(f, &self.text) } else { f.write_str(&self.text) }
    }
}

impl Display for ForeignKeyClause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "REFERENCES {}", Name(&self.table))?;
        if !self.columns.is_empty() {
            f.write_char('(')?;
            write_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        if let Some(deferrable) = &self.deferrable {
            write!(f, " {deferrable}")?;
        }
        Ok(())
    }
}

impl Display for ForeignKeyArg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (event, action) = match self {
            ForeignKeyArg::Match(name) => return write!(f, "MATCH {}", Name(name)),
            ForeignKeyArg::OnInsert(action) => ("INSERT", action),
            ForeignKeyArg::OnDelete(action) => ("DELETE", action),
            ForeignKeyArg::OnUpdate(action) => ("UPDATE", action),
        };
        let action = match action {
            ForeignKeyAction::SetNull => "SET NULL",
            ForeignKeyAction::SetDefault => "SET DEFAULT",
            ForeignKeyAction::Cascade => "CASCADE",
            ForeignKeyAction::Restrict => "RESTRICT",
            ForeignKeyAction::NoAction => "NO ACTION",
        };
        write!(f, "ON {event} {action}")
    }
}

impl Display for Deferrable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.not {
            f.write_str("NOT ")?;
        }
        f.write_str("DEFERRABLE")?;
        match self.initially_deferred {
            Some(true) => f.write_str(" INITIALLY DEFERRED"),
            Some(false) => f.write_str(" INITIALLY IMMEDIATE"),
            None => Ok(()),
        }
    }
}

impl Display for IndexedName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Name(&self.name))?;
        if let Some(collation) = &self.collation {
            write!(f, " COLLATE {}", Name(collation))?;
        }
        write!(f, "{}", Order(self.order))
    }
}

impl Display for TableConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.name {
            write!(f, "CONSTRAINT {} ", Name(name))?;
        }
        match &self.kind {
            TableConstraintKind::PrimaryKey { columns, autoincrement, on_conflict } => {
                f.write_str("PRIMARY KEY (")?;
                write_list(f, columns)?;
                if *autoincrement {
                    f.write_str(" AUTOINCREMENT")?;
                }
                write!(f, "){}", OnConflict(*on_conflict))
            }
            TableConstraintKind::Unique { columns, on_conflict } => {
                f.write_str("UNIQUE (")?;
                write_list(f, columns)?;
                write!(f, "){}", OnConflict(*on_conflict))
            }
            TableConstraintKind::Check { check, on_conflict } => {
                write!(f, "{check}{}", OnConflict(*on_conflict))
            }
            TableConstraintKind::ForeignKey { columns, clause } => {
                f.write_str("FOREIGN KEY (")?;
                write_list(f, columns)?;
                write!(f, ") {clause}")
            }
        }
    }
}

impl Display for CreateIndex {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.unique {
            f.write_str("UNIQUE ")?;
        }
        f.write_str("INDEX ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{} ON {}(", self.name, Name(&self.table))?;
        write_list(f, &self.columns)?;
        f.write_char(')')?;
        if let Some(where_clause) = &self.where_clause {
            write!(f, " WHERE {where_clause}")?;
        }
        Ok(())
    }
}

impl Display for Drop {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            DropKind::Table => "TABLE",
            DropKind::Index => "INDEX",
            DropKind::View => "VIEW",
            DropKind::Trigger => "TRIGGER",
        };
        write!(f, "DROP {kind} ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)
    }
}

/// `CREATE [TEMP] <what> [IF NOT EXISTS] `.
fn create_prefix(f: &mut Formatter<'_>, temp: bool, what: &str, if_not_exists: bool) -> fmt::Result {
    f.write_str(if temp { "CREATE TEMP " } else { "CREATE " })?;
    f.write_str(what)?;
    f.write_str(if if_not_exists { " IF NOT EXISTS " } else { " " })
}

impl Display for CreateTableAs {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        create_prefix(f, self.temp, "TABLE", self.if_not_exists)?;
        write!(f, "{} AS {}", self.name, self.select)
    }
}

impl Display for CreateView {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        create_prefix(f, self.temp, "VIEW", self.if_not_exists)?;
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            f.write_char('(')?;
            write_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        write!(f, " AS {}", self.select)
    }
}

impl Display for CreateTrigger {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        create_prefix(f, self.temp, "TRIGGER", self.if_not_exists)?;
        let time = match self.time {
            TriggerTime::Before => "BEFORE",
            TriggerTime::After => "AFTER",
            TriggerTime::InsteadOf => "INSTEAD OF",
        };
        write!(f, "{} {time} ", self.name)?;
        match &self.event {
            TriggerEvent::Delete => f.write_str("DELETE")?,
            TriggerEvent::Insert => f.write_str("INSERT")?,
            TriggerEvent::Update(columns) if columns.is_empty() => f.write_str("UPDATE")?,
            TriggerEvent::Update(columns) => {
                f.write_str("UPDATE OF ")?;
                write_list(f, columns)?;
            }
        }
        write!(f, " ON {}", self.table)?;
        if self.for_each_row {
            f.write_str(" FOR EACH ROW")?;
        }
        if let Some(when) = &self.when {
            write!(f, " WHEN {when}")?;
        }
        f.write_str(" BEGIN ")?;
        for step in &self.steps {
            match step {
                TriggerStep::Update(s) => write!(f, "{s}; ")?,
                TriggerStep::Insert(s) => write!(f, "{s}; ")?,
                TriggerStep::Delete(s) => write!(f, "{s}; ")?,
                TriggerStep::Select(s) => write!(f, "{s}; ")?,
            }
        }
        f.write_str("END")
    }
}

impl Display for CreateVirtualTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        create_prefix(f, false, "VIRTUAL TABLE", self.if_not_exists)?;
        write!(f, "{} USING {}", self.name, self.module)?;
        if let Some(args) = &self.args {
            write!(f, "({})", args.join(", "))?;
        }
        Ok(())
    }
}

impl Display for AlterTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "ALTER TABLE {} ", self.table)?;
        match &self.action {
            AlterAction::RenameTable(name) => write!(f, "RENAME TO {name}"),
            AlterAction::RenameColumn { old, new } => write!(f, "RENAME COLUMN {old} TO {new}"),
            // The source text of the definition, which SQLite splices into the table's text.
            AlterAction::AddColumn { text, .. } => write!(f, "ADD COLUMN {text}"),
            AlterAction::DropColumn(name) => write!(f, "DROP COLUMN {name}"),
            AlterAction::DropConstraint(name) => write!(f, "DROP CONSTRAINT {name}"),
            AlterAction::DropNotNull(name) => write!(f, "ALTER COLUMN {name} DROP NOT NULL"),
            AlterAction::SetNotNull { column, on_conflict } => {
                write!(f, "ALTER COLUMN {column} SET NOT NULL{}", OnConflict(*on_conflict))
            }
            AlterAction::AddCheck { name, check, on_conflict } => {
                f.write_str("ADD ")?;
                if let Some(name) = name {
                    write!(f, "CONSTRAINT {name} ")?;
                }
                write!(f, "{check}{}", OnConflict(*on_conflict))
            }
        }
    }
}
