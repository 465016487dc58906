//! A generator of SQL statements for the round-trip tests of `tests/sql_fuzz.rs`.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A generator of SQL text from SQLite's grammar, driven by a seeded RNG: every construct of
/// SELECT, INSERT, UPDATE, DELETE and the other statements, nested to a depth budget.
pub struct Gen {
    rng: ChaCha8Rng,
}

const TABLES: &[&str] = &["t1", "t2", "main.t1", "\"odd name\"", "[br]", "`bt`", "temp.t3", "'str'"];
const COLUMNS: &[&str] = &["a", "b", "c", "t1.a", "main.t1.b", "\"Quoted\"", "[br col]", "key", "replace", "rowid"];
const ALIASES: &[&str] = &["x", "y", "\"al ias\"", "[z]", "'s'", "asc", "end", "first"];
const FUNCTIONS: &[&str] = &["abs", "coalesce", "lower", "\"replace\"", "max", "json_extract", "left"];

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn count(&mut self, max: usize) -> usize {
        self.rng.random_range(1..=max)
    }

    /// `n` items made by `f`, joined by `, `.
    fn list(&mut self, n: usize, mut f: impl FnMut(&mut Gen) -> String) -> String {
        (0..n).map(|_| f(self)).collect::<Vec<_>>().join(", ")
    }

    fn leaf(&mut self) -> String {
        let leaves = [
            "1",
            "42",
            "-7",
            "2.5",
            ".5",
            "1e3",
            "0x1F",
            "1_000",
            "'it''s'",
            "x'0aFF'",
            "NULL",
            "TRUE",
            "CURRENT_TIME",
            "?",
            "?3",
            ":p",
            "@q",
            "$r",
        ];
        if self.chance(40) { self.pick(COLUMNS).to_string() } else { self.pick(&leaves).to_string() }
    }

    /// An expression; operands that are not atomic are parenthesized where SQLite's grammar
    /// would read them otherwise.
    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 || self.chance(30) {
            return self.leaf();
        }
        let d = depth - 1;
        match self.rng.random_range(0..20) {
            0 => format!("{}{}", self.pick(&["- ", "+", "~", "NOT "]), self.atom(d)),
            1..=4 => {
                let op = self.pick(&[
                    "+",
                    "-",
                    "*",
                    "/",
                    "%",
                    "||",
                    "->",
                    "->>",
                    "<<",
                    ">>",
                    "&",
                    "|",
                    "<",
                    "<=",
                    ">",
                    ">=",
                    "=",
                    "==",
                    "!=",
                    "<>",
                    "AND",
                    "OR",
                    "IS",
                    "IS NOT",
                    "IS DISTINCT FROM",
                    "IS NOT DISTINCT FROM",
                ]);
                format!("{} {op} {}", self.expr(d), self.atom(d))
            }
            5 => {
                let op = self.pick(&["LIKE", "NOT LIKE", "GLOB", "NOT GLOB"]);
                let escape = if self.chance(30) { format!(" ESCAPE {}", self.atom(d)) } else { String::new() };
                format!("{} {op} {}{escape}", self.atom(d), self.atom(d))
            }
            6 => {
                let not = if self.chance(50) { "NOT " } else { "" };
                format!("{} {not}BETWEEN {} AND {}", self.atom(d), self.atom(d), self.atom(d))
            }
            7 => {
                let not = if self.chance(50) { "NOT " } else { "" };
                let rhs = match self.rng.random_range(0..5) {
                    0 => "()".to_string(),
                    1 => format!("({})", self.select(d)),
                    2 => self.pick(TABLES).to_string(),
                    3 => format!("json_each({})", self.expr(d)),
                    _ => {
                        let n = self.count(3);
                        format!("({})", self.list(n, |g| g.expr(d)))
                    }
                };
                format!("{} {not}IN {rhs}", self.atom(d))
            }
            8 => format!("{} {}", self.atom(d), self.pick(&["ISNULL", "NOTNULL", "NOT NULL", "IS NULL"])),
            9 => {
                let n = self.count(3) + 1;
                format!("({})", self.list(n, |g| g.expr(d)))
            }
            10 => {
                let operand = if self.chance(50) { format!(" {}", self.expr(d)) } else { String::new() };
                let n = self.count(3);
                let whens: String = (0..n).map(|_| format!(" WHEN {} THEN {}", self.expr(d), self.expr(d))).collect();
                let otherwise = if self.chance(50) { format!(" ELSE {}", self.expr(d)) } else { String::new() };
                format!("CASE{operand}{whens}{otherwise} END")
            }
            11 => {
                format!("CAST({} AS {})", self.expr(d), self.pick(&["TEXT", "INTEGER", "VARCHAR(10)", "\"my type\""]))
            }
            12 => format!("{} COLLATE {}", self.atom(d), self.pick(&["nocase", "\"rtrim\"", "binary"])),
            13 => format!("({})", self.select(d)),
            14 => format!("{}EXISTS ({})", if self.chance(50) { "NOT " } else { "" }, self.select(d)),
            _ => self.call(d),
        }
    }

    /// An operand: a leaf, or an expression in parentheses.
    fn atom(&mut self, depth: u32) -> String {
        if depth == 0 || self.chance(40) { self.leaf() } else { format!("({})", self.expr(depth)) }
    }

    fn call(&mut self, d: u32) -> String {
        let call = match self.rng.random_range(0..5) {
            0 => "count(*)".to_string(),
            1 => format!("count(DISTINCT {})", self.expr(d)),
            2 => format!("group_concat({}, ',' ORDER BY {} DESC)", self.expr(d), self.expr(d)),
            _ => {
                let name = self.pick(FUNCTIONS);
                let n = self.rng.random_range(0..3);
                format!("{name}({})", self.list(n, |g| g.expr(d)))
            }
        };
        let filter = if self.chance(20) { format!(" FILTER (WHERE {})", self.expr(d)) } else { String::new() };
        // SQLite refuses DISTINCT and ORDER BY arguments in a window function.
        let plain = !call.contains("DISTINCT") && !call.contains("ORDER BY");
        let over = match self.rng.random_range(0..6) {
            0 if plain => format!(" OVER ({})", self.window(d)),
            1 if plain => " OVER w".to_string(),
            _ => String::new(),
        };
        format!("{call}{filter}{over}")
    }

    fn window(&mut self, d: u32) -> String {
        let mut parts = Vec::new();
        if self.chance(20) {
            parts.push("w".to_string());
        } else if self.chance(50) {
            let n = self.count(2);
            parts.push(format!("PARTITION BY {}", self.list(n, |g| g.expr(d))));
        }
        if self.chance(60) {
            parts.push(format!("ORDER BY {}", self.order_terms(d)));
        }
        if self.chance(50) {
            let units = self.pick(&["ROWS", "RANGE", "GROUPS"]);
            let (start, end) = match self.rng.random_range(0..4) {
                0 => ("UNBOUNDED PRECEDING".to_string(), "CURRENT ROW".to_string()),
                1 => (format!("{} PRECEDING", self.atom(d)), format!("{} FOLLOWING", self.atom(d))),
                2 => ("CURRENT ROW".to_string(), "UNBOUNDED FOLLOWING".to_string()),
                _ => (format!("{} FOLLOWING", self.atom(d)), "UNBOUNDED FOLLOWING".to_string()),
            };
            let exclude = if self.chance(30) {
                format!(" EXCLUDE {}", self.pick(&["NO OTHERS", "CURRENT ROW", "GROUP", "TIES"]))
            } else {
                String::new()
            };
            if self.chance(30) && !start.contains("FOLLOWING") {
                parts.push(format!("{units} {start}{exclude}"));
            } else {
                parts.push(format!("{units} BETWEEN {start} AND {end}{exclude}"));
            }
        }
        parts.join(" ")
    }

    fn order_terms(&mut self, d: u32) -> String {
        let n = self.count(3);
        self.list(n, |g| {
            let order = g.pick(&["", " ASC", " DESC"]);
            let nulls = g.pick(&["", "", " NULLS FIRST", " NULLS LAST"]);
            format!("{}{order}{nulls}", g.expr(d))
        })
    }

    fn alias(&mut self) -> String {
        match self.rng.random_range(0..3) {
            0 => String::new(),
            1 => format!(" AS {}", self.pick(ALIASES)),
            _ => format!(" {}", self.pick(&["x", "y", "\"al ias\"", "'s'", "asc"])),
        }
    }

    fn select(&mut self, depth: u32) -> String {
        let d = depth.saturating_sub(1);
        let mut out = String::new();
        if depth > 0 && self.chance(15) {
            let recursive = if self.chance(30) { "RECURSIVE " } else { "" };
            let n = self.count(2);
            let ctes = self.list(n, |g| {
                let columns = if g.chance(40) { "(p, q)" } else { "" };
                let m = g.pick(&["", "", "MATERIALIZED ", "NOT MATERIALIZED "]);
                format!("c{}{columns} AS {m}({})", g.rng.random_range(0..9), g.select(d))
            });
            out.push_str(&format!("WITH {recursive}{ctes} "));
        }
        let cores = if depth > 0 && self.chance(25) { self.count(3) } else { 1 };
        let mut last_is_values = false;
        for i in 0..cores {
            if i > 0 {
                out.push_str(self.pick(&[" UNION ", " UNION ALL ", " INTERSECT ", " EXCEPT "]));
            }
            last_is_values = self.chance(15);
            if last_is_values {
                let (rows, width) = (self.count(3), self.count(3));
                let rows = self.list(rows, |g| format!("({})", g.list(width, |g| g.expr(d))));
                out.push_str(&format!("VALUES {rows}"));
            } else {
                let core = self.core(d);
                out.push_str(&core);
            }
        }
        if !last_is_values {
            if self.chance(30) {
                out.push_str(&format!(" ORDER BY {}", self.order_terms(d)));
            }
            match self.rng.random_range(0..8) {
                0 => out.push_str(&format!(" LIMIT {}", self.expr(d))),
                1 => out.push_str(&format!(" LIMIT {} OFFSET {}", self.expr(d), self.expr(d))),
                2 => out.push_str(&format!(" LIMIT {}, {}", self.expr(d), self.expr(d))),
                _ => {}
            }
        }
        out
    }

    fn core(&mut self, d: u32) -> String {
        let distinct = self.pick(&["", "", "DISTINCT ", "ALL "]);
        let n = self.count(3);
        let columns = self.list(n, |g| match g.rng.random_range(0..8) {
            0 => "*".to_string(),
            1 => format!("{}.*", g.pick(&["t1", "x", "\"odd name\""])),
            _ => {
                let expr = g.expr(d);
                let alias = g.alias();
                format!("{expr}{alias}")
            }
        });
        let mut out = format!("SELECT {distinct}{columns}");
        if self.chance(70) {
            out.push_str(&format!(" FROM {}", self.from(d)));
        }
        if self.chance(40) {
            out.push_str(&format!(" WHERE {}", self.expr(d)));
        }
        if self.chance(20) {
            let n = self.count(2);
            out.push_str(&format!(" GROUP BY {}", self.list(n, |g| g.expr(d))));
            if self.chance(50) {
                out.push_str(&format!(" HAVING {}", self.expr(d)));
            }
        }
        if self.chance(10) {
            out.push_str(&format!(" WINDOW w AS ({}), v AS (PARTITION BY {})", self.window(d), self.expr(d)));
        }
        out
    }

    fn from(&mut self, d: u32) -> String {
        let n = self.count(3);
        let mut out = self.source_item(d);
        for _ in 1..n {
            let op = self.pick(&[
                ", ",
                " JOIN ",
                " INNER JOIN ",
                " LEFT JOIN ",
                " LEFT OUTER JOIN ",
                " RIGHT JOIN ",
                " FULL OUTER JOIN ",
                " CROSS JOIN ",
                " NATURAL JOIN ",
                " NATURAL LEFT JOIN ",
            ]);
            let item = self.source_item(d);
            let constraint = match self.rng.random_range(0..3) {
                0 => format!(" ON {}", self.expr(d)),
                1 => " USING (a, b)".to_string(),
                _ => String::new(),
            };
            out.push_str(&format!("{op}{item}{constraint}"));
        }
        out
    }

    fn source_item(&mut self, d: u32) -> String {
        match self.rng.random_range(0..10) {
            0 if d > 0 => format!("({}){}", self.select(d), self.alias()),
            1 if d > 0 => format!("({}) AS j", self.from(d)),
            2 => format!("({}{})", self.pick(TABLES), self.alias()),
            3 => format!("json_each({}){}", self.expr(d), self.alias()),
            _ => {
                let table = self.pick(TABLES);
                let alias = self.alias();
                let indexed = self.pick(&["", "", "", " INDEXED BY i1", " NOT INDEXED"]);
                format!("{table}{alias}{indexed}")
            }
        }
    }

    fn returning(&mut self, d: u32) -> String {
        if !self.chance(25) {
            return String::new();
        }
        let n = self.count(2);
        format!(" RETURNING {}", self.list(n, |g| if g.chance(20) { "*".to_string() } else { g.expr(d) }))
    }

    fn with_prefix(&mut self, d: u32) -> String {
        if self.chance(15) { format!("WITH c AS ({}) ", self.select(d)) } else { String::new() }
    }

    fn assignments(&mut self, d: u32) -> String {
        let n = self.count(3);
        self.list(n, |g| {
            if g.chance(25) {
                format!("(a, b) = ({}, {})", g.expr(d), g.expr(d))
            } else {
                format!("{} = {}", g.pick(&["a", "b", "\"Quoted\"", "key"]), g.expr(d))
            }
        })
    }

    fn insert(&mut self, d: u32) -> String {
        let verb = self.pick(&["INSERT", "REPLACE", "INSERT OR REPLACE", "INSERT OR IGNORE", "INSERT OR ABORT"]);
        let table = self.pick(TABLES);
        let alias = if self.chance(20) { " AS n" } else { "" };
        let columns = if self.chance(50) { " (a, b)" } else { "" };
        let (source, upsert_ok) = match self.rng.random_range(0..4) {
            0 => (" DEFAULT VALUES".to_string(), false),
            1 => {
                let n = self.count(2);
                let columns = self.list(n, |g| g.expr(d));
                (format!(" SELECT {columns} FROM {} WHERE {}", self.from(d), self.expr(d)), true)
            }
            _ => {
                let rows = self.count(3);
                (format!(" VALUES {}", self.list(rows, |g| format!("({}, {})", g.expr(d), g.expr(d)))), true)
            }
        };
        let mut upsert = String::new();
        if upsert_ok && self.chance(40) {
            for _ in 0..self.count(2) {
                let action = if self.chance(50) {
                    " DO NOTHING".to_string()
                } else {
                    let set = self.assignments(d);
                    format!(" DO UPDATE SET {set} WHERE {}", self.expr(d))
                };
                upsert.push_str(&format!(" ON CONFLICT (a, b COLLATE nocase) WHERE {}{action}", self.expr(d)));
            }
            if self.chance(50) {
                upsert.push_str(" ON CONFLICT DO NOTHING");
            }
        }
        let with = self.with_prefix(d);
        let returning = self.returning(d);
        format!("{with}{verb} INTO {table}{alias}{columns}{source}{upsert}{returning}")
    }

    fn update(&mut self, d: u32) -> String {
        let with = self.with_prefix(d);
        let or = self.pick(&["", "", " OR FAIL", " OR ROLLBACK"]);
        let table = self.pick(TABLES);
        let alias = if self.chance(20) { " AS u" } else { "" };
        let indexed = self.pick(&["", "", " INDEXED BY i1", " NOT INDEXED"]);
        let set = self.assignments(d);
        let from = if self.chance(20) { format!(" FROM {}", self.from(d)) } else { String::new() };
        let filter = if self.chance(60) { format!(" WHERE {}", self.expr(d)) } else { String::new() };
        let returning = self.returning(d);
        format!("{with}UPDATE{or} {table}{alias}{indexed} SET {set}{from}{filter}{returning}")
    }

    fn delete(&mut self, d: u32) -> String {
        let with = self.with_prefix(d);
        let table = self.pick(TABLES);
        let alias = if self.chance(20) { " AS u" } else { "" };
        let indexed = self.pick(&["", "", " INDEXED BY i1", " NOT INDEXED"]);
        let filter = if self.chance(60) { format!(" WHERE {}", self.expr(d)) } else { String::new() };
        let returning = self.returning(d);
        format!("{with}DELETE FROM {table}{alias}{indexed}{filter}{returning}")
    }

    pub fn statement(&mut self) -> String {
        let d = self.rng.random_range(1..5);
        match self.rng.random_range(0..24) {
            0..=7 => self.select(d),
            8..=10 => self.insert(d),
            11..=12 => self.update(d),
            13 => self.delete(d),
            14 => format!("EXPLAIN {}{}", self.pick(&["", "QUERY PLAN "]), self.select(d)),
            15 => {
                let columns = if self.chance(40) { "(p, q)" } else { "" };
                format!("CREATE {}VIEW IF NOT EXISTS v{columns} AS {}", self.pick(&["", "TEMP "]), self.select(d))
            }
            16 => {
                let steps: String = (0..self.count(3))
                    .map(|_| {
                        let step = match self.rng.random_range(0..4) {
                            0 => format!("UPDATE t1 SET a = {} WHERE b = new.b", self.expr(d)),
                            1 => format!("INSERT INTO t2 VALUES ({}, RAISE(ABORT, 'no'))", self.expr(d)),
                            2 => "DELETE FROM t1 WHERE a = old.a".to_string(),
                            _ => self.select(d),
                        };
                        format!("{step}; ")
                    })
                    .collect();
                let time = self.pick(&["", "BEFORE ", "AFTER ", "INSTEAD OF "]);
                let event = self.pick(&["INSERT", "DELETE", "UPDATE", "UPDATE OF a, b"]);
                let when = if self.chance(40) { format!(" WHEN {}", self.expr(d)) } else { String::new() };
                format!("CREATE TRIGGER IF NOT EXISTS tr {time}{event} ON t1 FOR EACH ROW{when} BEGIN {steps}END")
            }
            17 => self
                .pick(&[
                    "BEGIN",
                    "BEGIN IMMEDIATE TRANSACTION",
                    "BEGIN EXCLUSIVE",
                    "COMMIT",
                    "END TRANSACTION",
                    "ROLLBACK",
                    "ROLLBACK TO SAVEPOINT sp",
                    "SAVEPOINT \"s p\"",
                    "RELEASE sp",
                ])
                .to_string(),
            18 => self
                .pick(&[
                    "PRAGMA cache_size",
                    "PRAGMA main.cache_size = -100",
                    "PRAGMA journal_mode = DELETE",
                    "PRAGMA table_info('t1')",
                    "PRAGMA foreign_keys = on",
                    "PRAGMA x = +1.5",
                ])
                .to_string(),
            19 => format!("CREATE TABLE IF NOT EXISTS n AS {}", self.select(d)),
            20 => format!("ATTACH {} AS aux KEY {}", self.atom(d), self.atom(d)),
            21 => self
                .pick(&[
                    "DETACH aux",
                    "VACUUM",
                    "VACUUM main INTO 'x.db'",
                    "REINDEX main.i1",
                    "ANALYZE",
                    "ALTER TABLE t1 RENAME TO t9",
                    "ALTER TABLE main.t1 RENAME COLUMN a TO z",
                    "ALTER TABLE t1 ADD COLUMN z INT DEFAULT 0 NOT NULL",
                    "ALTER TABLE t1 DROP COLUMN a",
                    "CREATE VIRTUAL TABLE vt USING fts5(a, b, tokenize = 'porter')",
                    "DROP TRIGGER IF EXISTS tr",
                    "DROP VIEW v",
                ])
                .to_string(),
            _ => self.select(d),
        }
    }
}
