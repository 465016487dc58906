//! The generator's model of the schema: which tables, columns and indexes it has created, so
//! that statements name things that exist (mostly: DDL that fails, e.g. after a crash rolled
//! it back, is fine, since both engines then fail the same way).

use crate::decide::Decisions;
use crate::workload::values::Kind;

/// Declared column types and the value kind each prefers.
const TYPES: &[(&str, Option<Kind>)] = &[
    ("INTEGER", Some(Kind::Integer)),
    ("TEXT", Some(Kind::Text)),
    ("REAL", Some(Kind::Real)),
    ("BLOB", Some(Kind::Blob)),
    ("NUMERIC", Some(Kind::Integer)),
    ("", None),
];

/// One column of a generated table.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    /// Declared type ("" for none).
    pub decl: &'static str,
    pub kind: Option<Kind>,
}

impl Column {
    /// True when equal values of this column are also identical (same type and bytes), so
    /// that GROUP BY and DISTINCT on it return a value that does not depend on which row of
    /// a group comes first: INTEGER and TEXT affinity turn 1.0 into 1 and 1 into '1'.
    pub fn groups_exactly(&self) -> bool {
        matches!(self.decl, "INTEGER" | "TEXT")
    }
}

/// One generated table.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    /// `id INTEGER PRIMARY KEY` as its first column (the rowid alias).
    pub has_id: bool,
    pub columns: Vec<Column>,
}

impl Table {
    /// Its key expression for WHERE clauses: `id` or `rowid`.
    pub fn key(&self) -> &'static str {
        if self.has_id { "id" } else { "rowid" }
    }
}

/// The whole schema as the generator believes it to be.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub tables: Vec<Table>,
    /// (index name, table name), for DROP INDEX.
    pub indexes: Vec<(String, String)>,
    next_table: u32,
    next_index: u32,
    next_column: u32,
}

impl Schema {
    /// Creates a new table model and returns its CREATE TABLE statement.
    pub fn create_table(&mut self, d: &mut Decisions, max_columns: u32) -> String {
        let name = format!("t{}", self.next_table);
        self.next_table += 1;
        let has_id = d.chance(0.6);
        let count = d.between(1, u64::from(max_columns.max(1))) as usize;
        let mut columns = Vec::with_capacity(count);
        let mut defs = Vec::with_capacity(count + 1);
        if has_id {
            defs.push("id INTEGER PRIMARY KEY".to_string());
        }
        for _ in 0..count {
            let column = self.new_column(d);
            let mut def = format!("{} {}", column.name, column.decl);
            if d.chance(0.1) {
                def.push_str(" UNIQUE");
            } else if d.chance(0.05) {
                def.push_str(" NOT NULL DEFAULT 0");
            }
            defs.push(def.trim_end().to_string());
            columns.push(column);
        }
        let sql = format!("CREATE TABLE {name}({})", defs.join(", "));
        self.tables.push(Table { name, has_id, columns });
        sql
    }

    /// A fresh column (name unique across the schema, type drawn).
    pub fn new_column(&mut self, d: &mut Decisions) -> Column {
        let (decl, kind) = *d.pick(TYPES).unwrap_or(&("", None));
        let name = format!("c{}", self.next_column);
        self.next_column += 1;
        Column { name, decl, kind }
    }

    /// A CREATE INDEX statement on a random table (None when there are no tables).
    pub fn create_index(&mut self, d: &mut Decisions) -> Option<String> {
        let table = d.pick(&self.tables)?.clone();
        let column = d.pick(&table.columns)?.clone();
        let name = format!("i{}", self.next_index);
        self.next_index += 1;
        let unique = if d.chance(0.2) { "UNIQUE " } else { "" };
        let mut cols = column.name.clone();
        if d.chance(0.3)
            && let Some(second) = d.pick(&table.columns)
            && second.name != column.name
        {
            cols = format!("{cols}, {} DESC", second.name);
        }
        self.indexes.push((name.clone(), table.name.clone()));
        Some(format!("CREATE {unique}INDEX {name} ON {}({cols})", table.name))
    }

    /// Any DDL statement: index create/drop, table create/drop. (ALTER TABLE is not built
    /// in the engine yet: generating it would fail every run that draws it.)
    pub fn ddl(&mut self, d: &mut Decisions, max_columns: u32) -> Option<String> {
        match d.below(4) {
            0 => self.create_index(d),
            1 => {
                if self.indexes.is_empty() {
                    return self.create_index(d);
                }
                let (name, _) = self.indexes.remove(d.index(self.indexes.len()));
                Some(format!("DROP INDEX IF EXISTS {name}"))
            }
            2 if self.tables.len() < 8 => Some(self.create_table(d, max_columns)),
            3 if self.tables.len() > 1 => {
                let table = self.tables.remove(d.index(self.tables.len()));
                self.indexes.retain(|(_, t)| *t != table.name);
                Some(format!("DROP TABLE IF EXISTS {}", table.name))
            }
            _ => self.create_index(d),
        }
    }
}
