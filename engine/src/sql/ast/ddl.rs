//! CREATE, DROP and ALTER statements.

use super::{ConflictResolution, Delete, Expr, Ident, Insert, OrderingTerm, QualifiedName, Select, SortOrder, Update};

/// `CREATE [TEMP] TABLE [IF NOT EXISTS] [schema.]name (columns, constraints) [options]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    /// At least one column.
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
    /// `WITHOUT ROWID` and `STRICT`, in the order written.
    pub options: Vec<TableOption>,
}

impl CreateTable {
    /// True when the options include WITHOUT ROWID.
    pub fn without_rowid(&self) -> bool {
        self.options.contains(&TableOption::WithoutRowid)
    }

    /// True when the options include STRICT.
    pub fn strict(&self) -> bool {
        self.options.contains(&TableOption::Strict)
    }
}

/// A table option after the closing parenthesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableOption {
    WithoutRowid,
    Strict,
}

/// A column definition: `name [type] [constraint ...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    /// The declared type exactly as written: the text from its first token through its last
    /// (or its closing parenthesis), whitespace and comments inside kept. SQLite derives the
    /// column's type name and affinity from this text (see `crate::schema`).
    pub type_name: Option<String>,
    pub constraints: Vec<ColumnConstraint>,
}

/// A column constraint with the name it carries (`CONSTRAINT name` persists over the following
/// constraints of the same column, as in SQLite).
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnConstraint {
    pub name: Option<String>,
    pub kind: ColumnConstraintKind,
}

/// The kinds of column constraint (parse.y `ccons`).
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnConstraintKind {
    PrimaryKey {
        order: Option<SortOrder>,
        on_conflict: Option<ConflictResolution>,
        autoincrement: bool,
    },
    NotNull {
        on_conflict: Option<ConflictResolution>,
    },
    /// `NULL [ON CONFLICT ..]`: accepted and ignored by SQLite.
    Null {
        on_conflict: Option<ConflictResolution>,
    },
    Unique {
        on_conflict: Option<ConflictResolution>,
    },
    Check(CheckExpr),
    Default(DefaultValue),
    Collate(String),
    References(ForeignKeyClause),
    /// A `[NOT] DEFERRABLE ...` clause standing alone after REFERENCES.
    Deferrable(Deferrable),
    /// `[GENERATED ALWAYS] AS (expr) [storage]`; `storage` is the identifier after the
    /// parenthesis as written (SQLite accepts only STORED or VIRTUAL).
    Generated {
        expr: Expr,
        storage: Option<String>,
    },
}

/// A CHECK expression and its text: the source between the parentheses with surrounding
/// whitespace trimmed (SQLite names an unnamed CHECK constraint by this text).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckExpr {
    pub expr: Expr,
    pub text: String,
}

/// A DEFAULT value: the expression, and its source text as SQLite records it (shown by
/// `PRAGMA table_info`): the term with its sign, or what is inside the parentheses, trimmed.
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultValue {
    pub expr: Expr,
    pub text: String,
    /// `DEFAULT (expr)` rather than `DEFAULT term`.
    pub parenthesized: bool,
}

/// A table constraint with the name it carries.
#[derive(Clone, Debug, PartialEq)]
pub struct TableConstraint {
    pub name: Option<String>,
    pub kind: TableConstraintKind,
}

/// The kinds of table constraint (parse.y `tcons`).
#[derive(Clone, Debug, PartialEq)]
pub enum TableConstraintKind {
    PrimaryKey {
        columns: Vec<OrderingTerm>,
        autoincrement: bool,
        on_conflict: Option<ConflictResolution>,
    },
    Unique {
        columns: Vec<OrderingTerm>,
        on_conflict: Option<ConflictResolution>,
    },
    /// SQLite parses and ignores the ON CONFLICT clause of a table CHECK.
    Check {
        check: CheckExpr,
        on_conflict: Option<ConflictResolution>,
    },
    ForeignKey {
        columns: Vec<IndexedName>,
        clause: ForeignKeyClause,
    },
}

/// `REFERENCES table [(columns)] [actions] [deferrable]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyClause {
    pub table: String,
    pub columns: Vec<IndexedName>,
    pub args: Vec<ForeignKeyArg>,
    /// Only in the table-constraint form; a column constraint has it as a separate
    /// [`ColumnConstraintKind::Deferrable`].
    pub deferrable: Option<Deferrable>,
}

/// A name with optional COLLATE and sort order (parse.y `eidlist` item).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedName {
    pub name: String,
    pub collation: Option<String>,
    pub order: Option<SortOrder>,
}

/// One `refarg` of a foreign key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForeignKeyArg {
    Match(String),
    OnInsert(ForeignKeyAction),
    OnDelete(ForeignKeyAction),
    OnUpdate(ForeignKeyAction),
}

/// What a foreign key does when its parent row changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ForeignKeyAction {
    SetNull,
    SetDefault,
    Cascade,
    Restrict,
    NoAction,
}

/// `[NOT] DEFERRABLE [INITIALLY DEFERRED | INITIALLY IMMEDIATE]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Deferrable {
    pub not: bool,
    /// `Some(true)` for INITIALLY DEFERRED, `Some(false)` for INITIALLY IMMEDIATE.
    pub initially_deferred: Option<bool>,
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] [schema.]name ON table (terms) [WHERE expr]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateIndex {
    pub unique: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub table: String,
    pub columns: Vec<OrderingTerm>,
    pub where_clause: Option<Expr>,
}

/// `DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] [schema.]name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drop {
    pub kind: DropKind,
    pub if_exists: bool,
    pub name: QualifiedName,
}

/// What a DROP statement drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropKind {
    Table,
    Index,
    View,
    Trigger,
}

/// `CREATE [TEMP] TABLE [IF NOT EXISTS] [schema.]name AS select`: a table with the select's
/// columns (named and typed as `sqlite3ColumnsFromExprList` and `createTableStmt` do) and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTableAs {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub select: Select,
}

/// `CREATE [TEMP] VIEW [IF NOT EXISTS] [schema.]name [(columns)] AS select`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateView {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    /// The column names given after the view name (none: named by the select).
    pub columns: Vec<Ident>,
    pub select: Select,
}

/// `CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]name [BEFORE|AFTER|INSTEAD OF] event ON
/// table [FOR EACH ROW] [WHEN expr] BEGIN steps END`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTrigger {
    pub temp: bool,
    pub if_not_exists: bool,
    pub name: QualifiedName,
    /// BEFORE when not written, as in SQLite.
    pub time: TriggerTime,
    pub event: TriggerEvent,
    pub table: QualifiedName,
    /// `FOR EACH ROW` was written (SQLite has only row triggers; the clause changes nothing).
    pub for_each_row: bool,
    pub when: Option<Expr>,
    /// At least one step. Steps name unqualified tables and carry no INDEXED BY clause, WITH
    /// prefix or RETURNING clause (the parser rejects them, as SQLite does).
    pub steps: Vec<TriggerStep>,
}

/// When a trigger fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerTime {
    Before,
    After,
    InsteadOf,
}

/// What fires a trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TriggerEvent {
    Delete,
    Insert,
    /// `UPDATE [OF columns]`; no columns: any update.
    Update(Vec<Ident>),
}

/// One statement of a trigger body.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerStep {
    Update(Box<Update>),
    Insert(Box<Insert>),
    Delete(Box<Delete>),
    Select(Box<Select>),
}

/// `CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module [(arguments)]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateVirtualTable {
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub module: Ident,
    /// Each module argument's source text, from its first token to its last, as SQLite hands
    /// it to the module (`sqlite3VtabArgExtend`). `None`: no parenthesized list.
    pub args: Option<Vec<String>>,
}

/// `ALTER TABLE [schema.]table action`.
#[derive(Clone, Debug, PartialEq)]
pub struct AlterTable {
    pub table: QualifiedName,
    pub action: AlterAction,
}

/// What an ALTER TABLE statement does.
#[derive(Clone, Debug, PartialEq)]
pub enum AlterAction {
    /// `RENAME TO name`.
    RenameTable(Ident),
    /// `RENAME [COLUMN] old TO new`.
    RenameColumn { old: Ident, new: Ident },
    /// `ADD [COLUMN] column-def`; `text` is the column definition's source text, from its
    /// name through its last constraint, as SQLite splices it into the stored CREATE TABLE.
    AddColumn { column: ColumnDef, text: String },
    /// `DROP [COLUMN] name`.
    DropColumn(Ident),
    /// `DROP CONSTRAINT name`.
    DropConstraint(Ident),
    /// `ALTER [COLUMN] name DROP NOT NULL`.
    DropNotNull(Ident),
    /// `ALTER [COLUMN] name SET NOT NULL [ON CONFLICT x]`.
    SetNotNull { column: Ident, on_conflict: Option<ConflictResolution> },
    /// `ADD [CONSTRAINT name] CHECK (expr) [ON CONFLICT x]`.
    AddCheck { name: Option<Ident>, check: CheckExpr, on_conflict: Option<ConflictResolution> },
}
