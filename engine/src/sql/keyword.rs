//! SQLite's keywords (the 147 of `zKWText` / `aKWCode` in SQLite 3.54) and the classes the
//! parser needs: which keywords may stand for an identifier where the grammar has no use for
//! them (Lemon's `%fallback ID`), and which share one token code (JOIN_KW, LIKE_KW, CTIME_KW).
//!
//! This file is a table; the variant list was generated from SQLite's keyword list.

use std::fmt;

/// One SQL keyword. Matching is ASCII case-insensitive, as in `sqlite3KeywordCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Keyword {
    Abort,
    Action,
    Add,
    After,
    All,
    Alter,
    Always,
    Analyze,
    And,
    As,
    Asc,
    Attach,
    Autoincrement,
    Before,
    Begin,
    Between,
    By,
    Cascade,
    Case,
    Cast,
    Check,
    Collate,
    Column,
    Commit,
    Conflict,
    Constraint,
    Create,
    Cross,
    Current,
    CurrentDate,
    CurrentTime,
    CurrentTimestamp,
    Database,
    Default,
    Deferrable,
    Deferred,
    Delete,
    Desc,
    Detach,
    Distinct,
    Do,
    Drop,
    Each,
    Else,
    End,
    Escape,
    Except,
    Exclude,
    Exclusive,
    Exists,
    Explain,
    Fail,
    Filter,
    First,
    Following,
    For,
    Foreign,
    From,
    Full,
    Generated,
    Glob,
    Group,
    Groups,
    Having,
    If,
    Ignore,
    Immediate,
    In,
    Index,
    Indexed,
    Initially,
    Inner,
    Insert,
    Instead,
    Intersect,
    Into,
    Is,
    Isnull,
    Join,
    Key,
    Last,
    Left,
    Like,
    Limit,
    Match,
    Materialized,
    Natural,
    No,
    Not,
    Nothing,
    Notnull,
    Null,
    Nulls,
    Of,
    Offset,
    On,
    Or,
    Order,
    Others,
    Outer,
    Over,
    Partition,
    Plan,
    Pragma,
    Preceding,
    Primary,
    Query,
    Raise,
    Range,
    Recursive,
    References,
    Regexp,
    Reindex,
    Release,
    Rename,
    Replace,
    Restrict,
    Returning,
    Right,
    Rollback,
    Row,
    Rows,
    Savepoint,
    Select,
    Set,
    Table,
    Temp,
    Temporary,
    Then,
    Ties,
    To,
    Transaction,
    Trigger,
    Unbounded,
    Union,
    Unique,
    Update,
    Using,
    Vacuum,
    Values,
    View,
    Virtual,
    When,
    Where,
    Window,
    With,
    Without,
}

/// Every keyword with its spelling, in alphabetical order (for lookup and for tests).
pub const KEYWORDS: [(&str, Keyword); 147] = [
    ("ABORT", Keyword::Abort),
    ("ACTION", Keyword::Action),
    ("ADD", Keyword::Add),
    ("AFTER", Keyword::After),
    ("ALL", Keyword::All),
    ("ALTER", Keyword::Alter),
    ("ALWAYS", Keyword::Always),
    ("ANALYZE", Keyword::Analyze),
    ("AND", Keyword::And),
    ("AS", Keyword::As),
    ("ASC", Keyword::Asc),
    ("ATTACH", Keyword::Attach),
    ("AUTOINCREMENT", Keyword::Autoincrement),
    ("BEFORE", Keyword::Before),
    ("BEGIN", Keyword::Begin),
    ("BETWEEN", Keyword::Between),
    ("BY", Keyword::By),
    ("CASCADE", Keyword::Cascade),
    ("CASE", Keyword::Case),
    ("CAST", Keyword::Cast),
    ("CHECK", Keyword::Check),
    ("COLLATE", Keyword::Collate),
    ("COLUMN", Keyword::Column),
    ("COMMIT", Keyword::Commit),
    ("CONFLICT", Keyword::Conflict),
    ("CONSTRAINT", Keyword::Constraint),
    ("CREATE", Keyword::Create),
    ("CROSS", Keyword::Cross),
    ("CURRENT", Keyword::Current),
    ("CURRENT_DATE", Keyword::CurrentDate),
    ("CURRENT_TIME", Keyword::CurrentTime),
    ("CURRENT_TIMESTAMP", Keyword::CurrentTimestamp),
    ("DATABASE", Keyword::Database),
    ("DEFAULT", Keyword::Default),
    ("DEFERRABLE", Keyword::Deferrable),
    ("DEFERRED", Keyword::Deferred),
    ("DELETE", Keyword::Delete),
    ("DESC", Keyword::Desc),
    ("DETACH", Keyword::Detach),
    ("DISTINCT", Keyword::Distinct),
    ("DO", Keyword::Do),
    ("DROP", Keyword::Drop),
    ("EACH", Keyword::Each),
    ("ELSE", Keyword::Else),
    ("END", Keyword::End),
    ("ESCAPE", Keyword::Escape),
    ("EXCEPT", Keyword::Except),
    ("EXCLUDE", Keyword::Exclude),
    ("EXCLUSIVE", Keyword::Exclusive),
    ("EXISTS", Keyword::Exists),
    ("EXPLAIN", Keyword::Explain),
    ("FAIL", Keyword::Fail),
    ("FILTER", Keyword::Filter),
    ("FIRST", Keyword::First),
    ("FOLLOWING", Keyword::Following),
    ("FOR", Keyword::For),
    ("FOREIGN", Keyword::Foreign),
    ("FROM", Keyword::From),
    ("FULL", Keyword::Full),
    ("GENERATED", Keyword::Generated),
    ("GLOB", Keyword::Glob),
    ("GROUP", Keyword::Group),
    ("GROUPS", Keyword::Groups),
    ("HAVING", Keyword::Having),
    ("IF", Keyword::If),
    ("IGNORE", Keyword::Ignore),
    ("IMMEDIATE", Keyword::Immediate),
    ("IN", Keyword::In),
    ("INDEX", Keyword::Index),
    ("INDEXED", Keyword::Indexed),
    ("INITIALLY", Keyword::Initially),
    ("INNER", Keyword::Inner),
    ("INSERT", Keyword::Insert),
    ("INSTEAD", Keyword::Instead),
    ("INTERSECT", Keyword::Intersect),
    ("INTO", Keyword::Into),
    ("IS", Keyword::Is),
    ("ISNULL", Keyword::Isnull),
    ("JOIN", Keyword::Join),
    ("KEY", Keyword::Key),
    ("LAST", Keyword::Last),
    ("LEFT", Keyword::Left),
    ("LIKE", Keyword::Like),
    ("LIMIT", Keyword::Limit),
    ("MATCH", Keyword::Match),
    ("MATERIALIZED", Keyword::Materialized),
    ("NATURAL", Keyword::Natural),
    ("NO", Keyword::No),
    ("NOT", Keyword::Not),
    ("NOTHING", Keyword::Nothing),
    ("NOTNULL", Keyword::Notnull),
    ("NULL", Keyword::Null),
    ("NULLS", Keyword::Nulls),
    ("OF", Keyword::Of),
    ("OFFSET", Keyword::Offset),
    ("ON", Keyword::On),
    ("OR", Keyword::Or),
    ("ORDER", Keyword::Order),
    ("OTHERS", Keyword::Others),
    ("OUTER", Keyword::Outer),
    ("OVER", Keyword::Over),
    ("PARTITION", Keyword::Partition),
    ("PLAN", Keyword::Plan),
    ("PRAGMA", Keyword::Pragma),
    ("PRECEDING", Keyword::Preceding),
    ("PRIMARY", Keyword::Primary),
    ("QUERY", Keyword::Query),
    ("RAISE", Keyword::Raise),
    ("RANGE", Keyword::Range),
    ("RECURSIVE", Keyword::Recursive),
    ("REFERENCES", Keyword::References),
    ("REGEXP", Keyword::Regexp),
    ("REINDEX", Keyword::Reindex),
    ("RELEASE", Keyword::Release),
    ("RENAME", Keyword::Rename),
    ("REPLACE", Keyword::Replace),
    ("RESTRICT", Keyword::Restrict),
    ("RETURNING", Keyword::Returning),
    ("RIGHT", Keyword::Right),
    ("ROLLBACK", Keyword::Rollback),
    ("ROW", Keyword::Row),
    ("ROWS", Keyword::Rows),
    ("SAVEPOINT", Keyword::Savepoint),
    ("SELECT", Keyword::Select),
    ("SET", Keyword::Set),
    ("TABLE", Keyword::Table),
    ("TEMP", Keyword::Temp),
    ("TEMPORARY", Keyword::Temporary),
    ("THEN", Keyword::Then),
    ("TIES", Keyword::Ties),
    ("TO", Keyword::To),
    ("TRANSACTION", Keyword::Transaction),
    ("TRIGGER", Keyword::Trigger),
    ("UNBOUNDED", Keyword::Unbounded),
    ("UNION", Keyword::Union),
    ("UNIQUE", Keyword::Unique),
    ("UPDATE", Keyword::Update),
    ("USING", Keyword::Using),
    ("VACUUM", Keyword::Vacuum),
    ("VALUES", Keyword::Values),
    ("VIEW", Keyword::View),
    ("VIRTUAL", Keyword::Virtual),
    ("WHEN", Keyword::When),
    ("WHERE", Keyword::Where),
    ("WINDOW", Keyword::Window),
    ("WITH", Keyword::With),
    ("WITHOUT", Keyword::Without),
];

/// How the grammar sees a keyword: SQLite's token code groups several keywords into one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordClass {
    /// CROSS FULL INNER LEFT NATURAL OUTER RIGHT (TK_JOIN_KW): usable as a name (`nm`), never as
    /// a plain `ID`.
    JoinKw,
    /// LIKE GLOB REGEXP (TK_LIKE_KW).
    LikeKw,
    /// CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP (TK_CTIME_KW).
    CtimeKw,
    /// Any other keyword: its own token code.
    Plain,
}

impl Keyword {
    /// The keyword spelled by `word` (any ASCII case), if it is one.
    pub fn lookup(word: &str) -> Option<Keyword> {
        if word.len() < 2 || word.len() > 17 {
            return None;
        }
        let mut buf = [0u8; 17];
        for (slot, byte) in buf.iter_mut().zip(word.bytes()) {
            *slot = byte.to_ascii_uppercase();
        }
        let upper = &buf[..word.len()];
        KEYWORDS.binary_search_by(|(name, _)| name.as_bytes().cmp(upper)).ok().map(|i| KEYWORDS[i].1)
    }

    /// The keyword's canonical (upper case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Abort => "ABORT",
            Keyword::Action => "ACTION",
            Keyword::Add => "ADD",
            Keyword::After => "AFTER",
            Keyword::All => "ALL",
            Keyword::Alter => "ALTER",
            Keyword::Always => "ALWAYS",
            Keyword::Analyze => "ANALYZE",
            Keyword::And => "AND",
            Keyword::As => "AS",
            Keyword::Asc => "ASC",
            Keyword::Attach => "ATTACH",
            Keyword::Autoincrement => "AUTOINCREMENT",
            Keyword::Before => "BEFORE",
            Keyword::Begin => "BEGIN",
            Keyword::Between => "BETWEEN",
            Keyword::By => "BY",
            Keyword::Cascade => "CASCADE",
            Keyword::Case => "CASE",
            Keyword::Cast => "CAST",
            Keyword::Check => "CHECK",
            Keyword::Collate => "COLLATE",
            Keyword::Column => "COLUMN",
            Keyword::Commit => "COMMIT",
            Keyword::Conflict => "CONFLICT",
            Keyword::Constraint => "CONSTRAINT",
            Keyword::Create => "CREATE",
            Keyword::Cross => "CROSS",
            Keyword::Current => "CURRENT",
            Keyword::CurrentDate => "CURRENT_DATE",
            Keyword::CurrentTime => "CURRENT_TIME",
            Keyword::CurrentTimestamp => "CURRENT_TIMESTAMP",
            Keyword::Database => "DATABASE",
            Keyword::Default => "DEFAULT",
            Keyword::Deferrable => "DEFERRABLE",
            Keyword::Deferred => "DEFERRED",
            Keyword::Delete => "DELETE",
            Keyword::Desc => "DESC",
            Keyword::Detach => "DETACH",
            Keyword::Distinct => "DISTINCT",
            Keyword::Do => "DO",
            Keyword::Drop => "DROP",
            Keyword::Each => "EACH",
            Keyword::Else => "ELSE",
            Keyword::End => "END",
            Keyword::Escape => "ESCAPE",
            Keyword::Except => "EXCEPT",
            Keyword::Exclude => "EXCLUDE",
            Keyword::Exclusive => "EXCLUSIVE",
            Keyword::Exists => "EXISTS",
            Keyword::Explain => "EXPLAIN",
            Keyword::Fail => "FAIL",
            Keyword::Filter => "FILTER",
            Keyword::First => "FIRST",
            Keyword::Following => "FOLLOWING",
            Keyword::For => "FOR",
            Keyword::Foreign => "FOREIGN",
            Keyword::From => "FROM",
            Keyword::Full => "FULL",
            Keyword::Generated => "GENERATED",
            Keyword::Glob => "GLOB",
            Keyword::Group => "GROUP",
            Keyword::Groups => "GROUPS",
            Keyword::Having => "HAVING",
            Keyword::If => "IF",
            Keyword::Ignore => "IGNORE",
            Keyword::Immediate => "IMMEDIATE",
            Keyword::In => "IN",
            Keyword::Index => "INDEX",
            Keyword::Indexed => "INDEXED",
            Keyword::Initially => "INITIALLY",
            Keyword::Inner => "INNER",
            Keyword::Insert => "INSERT",
            Keyword::Instead => "INSTEAD",
            Keyword::Intersect => "INTERSECT",
            Keyword::Into => "INTO",
            Keyword::Is => "IS",
            Keyword::Isnull => "ISNULL",
            Keyword::Join => "JOIN",
            Keyword::Key => "KEY",
            Keyword::Last => "LAST",
            Keyword::Left => "LEFT",
            Keyword::Like => "LIKE",
            Keyword::Limit => "LIMIT",
            Keyword::Match => "MATCH",
            Keyword::Materialized => "MATERIALIZED",
            Keyword::Natural => "NATURAL",
            Keyword::No => "NO",
            Keyword::Not => "NOT",
            Keyword::Nothing => "NOTHING",
            Keyword::Notnull => "NOTNULL",
            Keyword::Null => "NULL",
            Keyword::Nulls => "NULLS",
            Keyword::Of => "OF",
            Keyword::Offset => "OFFSET",
            Keyword::On => "ON",
            Keyword::Or => "OR",
            Keyword::Order => "ORDER",
            Keyword::Others => "OTHERS",
            Keyword::Outer => "OUTER",
            Keyword::Over => "OVER",
            Keyword::Partition => "PARTITION",
            Keyword::Plan => "PLAN",
            Keyword::Pragma => "PRAGMA",
            Keyword::Preceding => "PRECEDING",
            Keyword::Primary => "PRIMARY",
            Keyword::Query => "QUERY",
            Keyword::Raise => "RAISE",
            Keyword::Range => "RANGE",
            Keyword::Recursive => "RECURSIVE",
            Keyword::References => "REFERENCES",
            Keyword::Regexp => "REGEXP",
            Keyword::Reindex => "REINDEX",
            Keyword::Release => "RELEASE",
            Keyword::Rename => "RENAME",
            Keyword::Replace => "REPLACE",
            Keyword::Restrict => "RESTRICT",
            Keyword::Returning => "RETURNING",
            Keyword::Right => "RIGHT",
            Keyword::Rollback => "ROLLBACK",
            Keyword::Row => "ROW",
            Keyword::Rows => "ROWS",
            Keyword::Savepoint => "SAVEPOINT",
            Keyword::Select => "SELECT",
            Keyword::Set => "SET",
            Keyword::Table => "TABLE",
            Keyword::Temp => "TEMP",
            Keyword::Temporary => "TEMPORARY",
            Keyword::Then => "THEN",
            Keyword::Ties => "TIES",
            Keyword::To => "TO",
            Keyword::Transaction => "TRANSACTION",
            Keyword::Trigger => "TRIGGER",
            Keyword::Unbounded => "UNBOUNDED",
            Keyword::Union => "UNION",
            Keyword::Unique => "UNIQUE",
            Keyword::Update => "UPDATE",
            Keyword::Using => "USING",
            Keyword::Vacuum => "VACUUM",
            Keyword::Values => "VALUES",
            Keyword::View => "VIEW",
            Keyword::Virtual => "VIRTUAL",
            Keyword::When => "WHEN",
            Keyword::Where => "WHERE",
            Keyword::Window => "WINDOW",
            Keyword::With => "WITH",
            Keyword::Without => "WITHOUT",
        }
    }

    /// True when SQLite's grammar lets this keyword fall back to an identifier (`%fallback ID`)
    /// wherever the keyword itself has no meaning.
    pub fn falls_back_to_id(self) -> bool {
        matches!(
            self,
            Keyword::Abort
                | Keyword::Action
                | Keyword::After
                | Keyword::Always
                | Keyword::Analyze
                | Keyword::Asc
                | Keyword::Attach
                | Keyword::Before
                | Keyword::Begin
                | Keyword::By
                | Keyword::Cascade
                | Keyword::Cast
                | Keyword::Column
                | Keyword::Conflict
                | Keyword::Current
                | Keyword::CurrentDate
                | Keyword::CurrentTime
                | Keyword::CurrentTimestamp
                | Keyword::Database
                | Keyword::Deferred
                | Keyword::Desc
                | Keyword::Detach
                | Keyword::Do
                | Keyword::Each
                | Keyword::End
                | Keyword::Exclude
                | Keyword::Exclusive
                | Keyword::Explain
                | Keyword::Fail
                | Keyword::First
                | Keyword::Following
                | Keyword::For
                | Keyword::Generated
                | Keyword::Glob
                | Keyword::Groups
                | Keyword::If
                | Keyword::Ignore
                | Keyword::Immediate
                | Keyword::Initially
                | Keyword::Instead
                | Keyword::Key
                | Keyword::Last
                | Keyword::Like
                | Keyword::Match
                | Keyword::Materialized
                | Keyword::No
                | Keyword::Nulls
                | Keyword::Of
                | Keyword::Offset
                | Keyword::Others
                | Keyword::Partition
                | Keyword::Plan
                | Keyword::Pragma
                | Keyword::Preceding
                | Keyword::Query
                | Keyword::Raise
                | Keyword::Range
                | Keyword::Recursive
                | Keyword::Regexp
                | Keyword::Reindex
                | Keyword::Release
                | Keyword::Rename
                | Keyword::Replace
                | Keyword::Restrict
                | Keyword::Rollback
                | Keyword::Row
                | Keyword::Rows
                | Keyword::Savepoint
                | Keyword::Temp
                | Keyword::Temporary
                | Keyword::Ties
                | Keyword::Trigger
                | Keyword::Unbounded
                | Keyword::Vacuum
                | Keyword::View
                | Keyword::Virtual
                | Keyword::With
                | Keyword::Without
        )
    }

    /// True for WINDOW, OVER and FILTER: SQLite's tokenizer hands these to the parser as plain
    /// identifiers unless the tokens around them make a window clause.
    pub fn is_contextual(self) -> bool {
        matches!(self, Keyword::Window | Keyword::Over | Keyword::Filter)
    }

    /// The keyword's token-code class.
    pub fn class(self) -> KeywordClass {
        match self {
            Keyword::Cross
            | Keyword::Full
            | Keyword::Inner
            | Keyword::Left
            | Keyword::Natural
            | Keyword::Outer
            | Keyword::Right => KeywordClass::JoinKw,
            Keyword::Glob | Keyword::Like | Keyword::Regexp => KeywordClass::LikeKw,
            Keyword::CurrentDate | Keyword::CurrentTime | Keyword::CurrentTimestamp => KeywordClass::CtimeKw,
            _ => KeywordClass::Plain,
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        assert!(KEYWORDS.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, kw) in KEYWORDS {
            assert_eq!(kw.as_str(), name);
            assert_eq!(Keyword::lookup(name), Some(kw));
            assert_eq!(Keyword::lookup(&name.to_ascii_lowercase()), Some(kw));
        }
    }

    #[test]
    fn lookup_rejects_non_keywords() {
        for word in ["", "a", "selects", "rowid", "integer", "x", "CURRENT_TIMESTAMPS"] {
            assert_eq!(Keyword::lookup(word), None, "{word}");
        }
        assert_eq!(Keyword::lookup("TEMPORARY"), Some(Keyword::Temporary));
    }

    #[test]
    fn classes_match_sqlite() {
        assert_eq!(Keyword::Left.class(), KeywordClass::JoinKw);
        assert_eq!(Keyword::Regexp.class(), KeywordClass::LikeKw);
        assert_eq!(Keyword::CurrentTime.class(), KeywordClass::CtimeKw);
        assert!(Keyword::Key.falls_back_to_id());
        assert!(Keyword::Like.falls_back_to_id());
        assert!(Keyword::CurrentDate.falls_back_to_id());
        assert!(!Keyword::Left.falls_back_to_id());
        assert!(!Keyword::Select.falls_back_to_id());
        assert!(!Keyword::Primary.falls_back_to_id());
    }
}
