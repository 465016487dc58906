//! Differential test of the value semantics library against real SQLite: random constant
//! expressions over edge values, every operator, CAST, CASE, IN, BETWEEN, LIKE / GLOB, COLLATE
//! and the scalar functions, evaluated by SQLite (`SELECT expr, typeof(expr)`) and by the
//! engine's constant evaluator (`eval::constant`). Values must be identical (REALs bit for
//! bit, text byte for byte), errors must carry SQLite's message.

mod eval_common;

use eval_common::{
    BINARY_OPS, COLLATIONS, FUNCTIONS, Outcome, PATTERN_PIECES, SUBJECT_PIECES, TYPES, literal, message, same_outcome,
    show,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use touchstone_engine::eval::constant::{ConstantContext, eval_constant_with};
use touchstone_engine::format::value::Value;
use touchstone_engine::sql::parse_expr;

/// Expressions generated per seed block, and blocks.
const CASES: usize = 100_000;

/// A generator of random SQL expressions.
struct Gen {
    rng: ChaCha8Rng,
}

const FORMATS: &[&str] = &[
    "%d", "%5d", "%-5d|", "%05d", "%+d", "% d", "%,d", "%x", "%X", "%#x", "%o", "%#o", "%c", "%5c", "%.3c", "%-4.2c|",
    "%s", "%.2s", "%10s|", "%-10s|", "%!.2s", "%q", "%Q", "%w", "%#q", "%#Q", "%f", "%.2f", "%10.3f", "%-10.3f|",
    "%+.1f", "%e", "%.3e", "%E", "%g", "%.3g", "%#g", "%!g", "%!.15g", "%!.20g", "%G", "%.0f", "%#.0f", "%%", "%z",
    "%i", "%u", "%lld", "%r", "%n", "%j", "%J", "%.*f", "%*d", "%-*d|", "%,.2f", "%!,d", "%020.5f", "%.40f", "%!.40f",
    "%.25e", "%k", "abc", "%", "%5", "%.", "%'d", "%T", "%#.3g", "%-+8.3e|", "%08.3f",
];

impl Gen {
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, n: u32) -> bool {
        self.rng.random_range(0..n) == 0
    }

    /// A pattern for LIKE / GLOB built from wildcard and literal characters.
    fn pattern(&mut self) -> String {
        const PIECES: &[&str] = PATTERN_PIECES;
        let n = self.rng.random_range(0..5);
        let mut s = String::from("'");
        for _ in 0..n {
            s.push_str(self.pick(PIECES));
        }
        s.push('\'');
        s
    }

    /// A text that patterns may match.
    fn subject(&mut self) -> String {
        const PIECES: &[&str] = SUBJECT_PIECES;
        let n = self.rng.random_range(0..5);
        let mut s = String::from("'");
        for _ in 0..n {
            s.push_str(self.pick(PIECES));
        }
        s.push('\'');
        s
    }

    fn leaf(&mut self) -> String {
        match self.rng.random_range(0..16u8) {
            0 => self.pattern(),
            1 => self.subject(),
            2 => format!("char({})", self.rng.random_range(0..300)),
            3 | 4 => self.numeric_text(),
            5 => self.odd_text(),
            _ => literal(&mut self.rng),
        }
    }

    /// Text that looks more or less like a number: signs, spaces, many digits, points,
    /// exponents, trailing junk.
    fn numeric_text(&mut self) -> String {
        let mut s = String::new();
        for _ in 0..self.rng.random_range(0..3) {
            s.push(*self.pick_char(&[' ', ' ', '\t', '\n']));
        }
        if self.chance(3) {
            s.push(*self.pick_char(&['-', '+']));
        }
        let digits =
            |g: &mut Gen, n: usize| (0..n).map(|_| char::from(b'0' + g.rng.random_range(0..10u8))).collect::<String>();
        let n = [0, 1, 1, 2, 3, 5, 10, 15, 16, 17, 18, 19, 20, 21, 25, 30][self.rng.random_range(0..16)];
        s += &digits(self, n);
        if self.chance(2) {
            s.push('.');
            let n = [0, 1, 2, 5, 10, 17, 20, 25][self.rng.random_range(0..8)];
            s += &digits(self, n);
        }
        if self.chance(3) {
            s.push(*self.pick_char(&['e', 'E']));
            if self.chance(2) {
                s.push(*self.pick_char(&['-', '+']));
            }
            let e = [0, 1, 2, 3, 4, 5][self.rng.random_range(0..6)];
            s += &digits(self, e);
        }
        for _ in 0..self.rng.random_range(0..3) {
            s.push(*self.pick_char(&[' ', ' ', 'x', '.', 'e', '\u{0}']));
        }
        if s.contains('\u{0}') {
            // A NUL byte cannot be written in an SQL string literal; build it with char(0).
            let parts: Vec<String> = s.split('\u{0}').map(|p| format!("'{p}'")).collect();
            return format!("({})", parts.join(" || char(0) || "));
        }
        format!("'{s}'")
    }

    /// Text with a NUL byte or invalid UTF-8 (built from a blob).
    fn odd_text(&mut self) -> String {
        const BYTES: &[u8] =
            &[0x00, 0x31, 0x41, 0x61, 0x20, 0x25, 0x5f, 0x80, 0xbf, 0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xff, 0xf0, 0x2e];
        let n = self.rng.random_range(0..6);
        let hex: String = (0..n).map(|_| format!("{:02x}", BYTES[self.rng.random_range(0..BYTES.len())])).collect();
        format!("CAST(x'{hex}' AS TEXT)")
    }

    fn pick_char<'a>(&mut self, items: &'a [char]) -> &'a char {
        &items[self.rng.random_range(0..items.len())]
    }

    /// A random printf conversion specification.
    fn format_spec(&mut self) -> String {
        let mut s = String::from("%");
        for _ in 0..self.rng.random_range(0..3) {
            s.push(*self.pick_char(&['-', '+', ' ', '#', '!', '0', ',']));
        }
        if self.chance(2) {
            if self.chance(6) {
                s.push('*');
            } else {
                s += &self.rng.random_range(0..30).to_string();
            }
        }
        if self.chance(2) {
            s.push('.');
            if self.chance(6) {
                s.push('*');
            } else {
                s += &self.rng.random_range(0..45).to_string();
            }
        }
        if self.chance(8) {
            s += "ll";
        }
        s.push(*self.pick_char(&[
            'd', 'i', 'x', 'X', 'o', 'u', 'c', 's', 'q', 'Q', 'w', 'f', 'e', 'E', 'g', 'G', 'z', 'n', 'r', '%', 'j',
            'J', 'p',
        ]));
        s
    }

    /// An expression of at most `depth` levels.
    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 || self.chance(4) {
            return self.leaf();
        }
        let d = depth - 1;
        match self.rng.random_range(0..30u8) {
            0..=6 => {
                let op = self.pick(BINARY_OPS);
                format!("({}) {} ({})", self.expr(d), op, self.expr(d))
            }
            7 => {
                let op = self.pick(&["-", "+", "~", "NOT ", "- +", "- -"]);
                format!("{}({})", op, self.expr(d))
            }
            8 => {
                let ty = self.pick(TYPES);
                format!("CAST(({}) AS {})", self.expr(d), ty)
            }
            9 => {
                let n = self.rng.random_range(1..4);
                let mut s = String::from("CASE");
                if self.chance(2) {
                    s += &format!(" ({})", self.expr(d));
                }
                for _ in 0..n {
                    s += &format!(" WHEN ({}) THEN ({})", self.expr(d), self.expr(d));
                }
                if self.chance(2) {
                    s += &format!(" ELSE ({})", self.expr(d));
                }
                s + " END"
            }
            10 => {
                let n = self.rng.random_range(0..5);
                let items: Vec<String> = (0..n).map(|_| self.expr(d)).collect();
                let not = if self.chance(3) { "NOT " } else { "" };
                format!("({}) {}IN ({})", self.expr(d), not, items.join(", "))
            }
            11 => {
                let not = if self.chance(3) { "NOT " } else { "" };
                format!("({}) {}BETWEEN ({}) AND ({})", self.expr(d), not, self.expr(d), self.expr(d))
            }
            12 | 13 => {
                let not = if self.chance(3) { "NOT " } else { "" };
                let (lhs, pat) =
                    if self.chance(2) { (self.subject(), self.pattern()) } else { (self.expr(d), self.expr(d)) };
                if self.chance(2) {
                    format!("({lhs}) {not}GLOB ({pat})")
                } else if self.chance(2) {
                    let esc = self.pick(&["'\\'", "'%'", "'_'", "'x'", "'é'", "''", "'ab'", "NULL", "1"]);
                    format!("({lhs}) {not}LIKE ({pat}) ESCAPE {esc}")
                } else {
                    format!("({lhs}) {not}LIKE ({pat})")
                }
            }
            14 => {
                let c = if self.chance(40) { "nosuch" } else { self.pick(COLLATIONS) };
                format!("({}) COLLATE {}", self.expr(d), c)
            }
            15 => {
                let (a, b) = (self.expr(d), self.expr(d));
                let c = self.pick(COLLATIONS);
                let op = self.pick(&["=", "<", ">=", "IS", "!="]);
                format!("(({a}) COLLATE {c}) {op} ({b})")
            }
            16 => {
                let suffix = self.pick(&[
                    "IS NULL",
                    "IS NOT NULL",
                    "ISNULL",
                    "NOTNULL",
                    "NOT NULL",
                    "IS TRUE",
                    "IS FALSE",
                    "IS NOT TRUE",
                    "IS NOT FALSE",
                ]);
                format!("({}) {}", self.expr(d), suffix)
            }
            17 => {
                let f = if self.chance(2) { self.format_spec() } else { self.pick(FORMATS).to_string() };
                let f2 = if self.chance(2) { format!("{f}/{}", self.pick(FORMATS)) } else { f };
                let n = self.rng.random_range(0..4);
                let mut s = format!("{}('{}'", self.pick(&["printf", "format"]), f2.replace('\'', "''"));
                // Widths and precisions taken from arguments stay small (a huge one makes both
                // engines allocate up to a gigabyte).
                let star = f2.contains('*');
                for _ in 0..n + f2.matches('*').count() {
                    let arg = if star { self.small_int() } else { self.expr(d) };
                    s += &format!(", ({arg})");
                }
                s + ")"
            }
            18 => {
                let (a, b) = (self.subject(), self.pattern());
                match self.rng.random_range(0..4u8) {
                    0 => format!("instr({a}, {b})"),
                    1 => format!("replace({a}, {b}, {})", self.subject()),
                    2 => format!("trim({a}, {b})"),
                    _ => format!("substr({a}, {}, {})", self.small_int(), self.small_int()),
                }
            }
            19 => match self.rng.random_range(0..4u8) {
                0 => "typeof(random())".to_string(),
                1 => format!("length(randomblob({}))", self.small_int()),
                2 => format!("typeof(randomblob({}))", self.small_int()),
                _ => format!("zeroblob({})", self.pick(&["0", "3", "-1", "1000000001", "1e10", "'2'"])),
            },
            20 => {
                let f = self.pick(&["round", "substr", "unicode", "char", "hex", "unhex", "abs", "sign"]);
                match f {
                    "round" => format!("round(({}), {})", self.expr(d), self.small_int()),
                    "substr" => format!("substr(({}), {}, {})", self.expr(d), self.small_int(), self.small_int()),
                    "unhex" => {
                        let h = self.pick(&["'AB CD'", "'abcd'", "'a'", "'0x12'", "'12-34'", "'1 2'", "''", "'ÀB'"]);
                        let p = self.pick(&["' '", "'-'", "'- '", "''", "NULL", "'é'"]);
                        format!("unhex({h}, {p})")
                    }
                    _ => format!("{f}(({}))", self.expr(d)),
                }
            }
            _ => {
                let (name, counts) = FUNCTIONS[self.rng.random_range(0..FUNCTIONS.len())];
                let mut n = counts[self.rng.random_range(0..counts.len())];
                if self.chance(30) {
                    n = self.rng.random_range(0..4);
                }
                // min(x) and max(x) are aggregates, not constant expressions.
                if (name == "min" || name == "max") && n == 1 {
                    n = 2;
                }
                let mut args: Vec<String> = (0..n).map(|_| format!("({})", self.expr(d))).collect();
                if name == "zeroblob" && !args.is_empty() {
                    // Keep blobs small: the sizes that fail are tested on their own.
                    args[0] = format!("{} % 1000", args[0]);
                }
                let name = if self.chance(5) { name.to_uppercase() } else { name.to_string() };
                if self.chance(60) {
                    return format!("nosuchfn({})", args.join(", "));
                }
                format!("{name}({})", args.join(", "))
            }
        }
    }

    fn small_int(&mut self) -> String {
        self.pick(&[
            "0",
            "1",
            "2",
            "3",
            "-1",
            "-2",
            "-3",
            "5",
            "10",
            "100",
            "NULL",
            "'2'",
            "1.7",
            "-1.7",
            "9223372036854775807",
            "-9223372036854775808",
            "31",
            "30",
        ])
        .to_string()
    }
}

/// A deterministic randomness source for the engine's random() / randomblob().
fn counter_randomness() -> impl FnMut(&mut [u8]) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            *b = (state >> 56) as u8;
        }
    }
}

/// The engine's outcome for an expression's SQL text (`None`: the engine's parser refused it).
fn engine(sql: &str) -> Result<Outcome, String> {
    let expr = parse_expr(sql).map_err(|e| e.message().to_string())?;
    let mut random = counter_randomness();
    let mut ctx = ConstantContext { random: Some(&mut random), ..ConstantContext::default() };
    Ok(eval_constant_with(&expr, &mut ctx).map_err(|e| e.message().to_string()))
}

/// SQLite's outcome for `SELECT expr, typeof(expr)`, checking that typeof agrees with the type.
fn sqlite(conn: &rusqlite::Connection, sql: &str) -> Outcome {
    let select = format!("SELECT {sql}, typeof({sql})");
    let mut stmt = conn.prepare(&select).map_err(|e| message(&e))?;
    let mut rows = stmt.query([]).map_err(|e| message(&e))?;
    match rows.next() {
        Ok(Some(row)) => {
            let v = eval_common::from_sqlite(row.get_ref(0).map_err(|e| message(&e))?);
            let ty: String = row.get(1).map_err(|e| message(&e))?;
            // random() may differ between the two evaluations; its type may not.
            assert_eq!(ty, v.type_name(), "typeof disagrees with the value's type for {sql}");
            Ok(v)
        }
        Ok(None) => Err("no row".to_string()),
        Err(e) => Err(message(&e)),
    }
}

/// Hand-picked cases that must always be checked.
const FIXED: &[&str] = &[
    "-9223372036854775808",
    "-(9223372036854775808)",
    "- + 9223372036854775808",
    "-0x8000000000000000",
    "0x10000000000000000",
    "- -9223372036854775808",
    "-0x8000000000000000 ISNULL",
    "1 IN ()",
    "NULL IN ()",
    "abs(-9223372036854775808) IN ()",
    "nosuchcolumn IN ()",
    "1 IN ('1', 2, 3)",
    "CAST(1 AS TEXT) IN (1, 2, 3)",
    "CAST(1 AS TEXT) IN (1, 2)",
    "1 IN (1, abs(-9223372036854775808))",
    "1 IN (abs(-9223372036854775808), 1)",
    "1 IN (1, 2, abs(-9223372036854775808))",
    "'a' IN ('A' COLLATE NOCASE)",
    "'a' IN ('A' COLLATE NOCASE, 'b')",
    "'a' COLLATE NOCASE IN ('A', 'b', 'c')",
    "'a' IN (('A' COLLATE NOCASE) || '')",
    "abs(-9223372036854775808) AND FALSE",
    "FALSE AND abs(-9223372036854775808)",
    "CASE WHEN 0 AND abs(-9223372036854775808) THEN 1 ELSE 2 END",
    "CASE WHEN abs(-9223372036854775808) AND 0 THEN 1 ELSE 2 END",
    "CASE WHEN 1 OR abs(-9223372036854775808) THEN 1 ELSE 2 END",
    "CASE WHEN 0 BETWEEN 1 AND abs(-9223372036854775808) THEN 1 ELSE 2 END",
    "0 BETWEEN 1 AND abs(-9223372036854775808)",
    "coalesce(1, abs(-9223372036854775808))",
    "iif(0, abs(-9223372036854775808), 1)",
    "nullif(1, abs(-9223372036854775808))",
    "'1' || char(0) || '2' + 0",
    "CAST('1' || char(0) || '2' AS NUMERIC)",
    "10 % '1.5e3'",
    "'1.5e3' % 7",
    "CAST(1.0 AS NUMERIC)",
    "CAST('1.0' AS NUMERIC)",
    "CAST(' 12 ' AS INTEGER)",
    "CAST('1e5' AS INTEGER)",
    "CAST(1e300 AS INTEGER)",
    "CAST(-1e300 AS INTEGER)",
    "CAST(9223372036854775807.0 AS INTEGER)",
    "printf('%!.15g', 0.1)",
    "printf('%.20f', 0.1)",
    "printf('%!.20f', 0.1)",
    "round(2.5)",
    "round(-2.5)",
    "round(1.005, 2)",
    "round(2.675, 2)",
    "round(0.5, 30)",
    "round(4503599627370495.5)",
    "substr('hello', -9223372036854775808, 9223372036854775807)",
    "substr(x'', 1)",
    "hex(NULL)",
    "quote(1e999)",
    "quote(-0.0)",
    "quote('a' || char(0) || 'b')",
    "length('a' || char(0) || 'b')",
    "'a' || char(0) || 'b' = 'a' || char(0) || 'c' COLLATE NOCASE",
    "max(1, 1.0)",
    "min(1, 1.0)",
    "min('a' COLLATE NOCASE, 'A')",
    "1 << 64",
    "1 >> -9223372036854775808",
    "9223372036854775807 + 1",
    "-9223372036854775808 / -1",
    "-9223372036854775808 % -1",
    "~'abc'",
    "'1abc' AND 1",
    "NOT x'31'",
    "5 IS TRUE",
    "'abc' IS NOT FALSE",
    "likelihood(1, 0.5)",
    "likelihood(1, 1)",
    "likelihood(1, -0.5)",
    "abs(1, 2) + foo(1)",
    "foo(1) + (1 + abs(1, 2))",
    "abs(foo(1), 2)",
    "'a' COLLATE foo",
    "'a' COLLATE foo = 'b'",
    "(1, 2)",
    "\"hello\"",
    "TRUE + TRUE",
    "CASE CAST(1 AS TEXT) WHEN 1 THEN 'yes' ELSE 'no' END",
    "CASE CAST(1 AS TEXT) COLLATE NOCASE WHEN 1 THEN 'yes' ELSE 'no' END",
    "CAST(1 AS TEXT) COLLATE NOCASE BETWEEN 1 AND 1",
    "x'' IS NULL",
    "zeroblob(1000000001)",
    "printf('%2000000000d', 1)",
    "printf('%.2000000000d', 1)",
    "'a' LIKE 'A' ESCAPE 'xx'",
    "NULL LIKE 'b' ESCAPE 'cd'",
    "'%' LIKE '%%' ESCAPE '%'",
    "'x%' LIKE 'x%%' ESCAPE '%'",
    "'abc' GLOB '*[b]*'",
    "'a' GLOB 'A' ESCAPE 'x'",
    "unicode('')",
    "char(55296, 1114112, -1)",
    "concat()",
    "concat_ws(NULL, 1)",
    "printf()",
    "format(NULL)",
];

#[test]
fn constant_expressions_match_sqlite() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    // EVAL_SEED / EVAL_CASES widen a local run; the default run is fixed.
    let seed = std::env::var("EVAL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x7a11_5e1f);
    let cases = std::env::var("EVAL_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(CASES);
    let mut generator = Gen { rng: ChaCha8Rng::seed_from_u64(seed) };
    let mut mismatches = Vec::new();
    let mut parse_mismatches = Vec::new();
    let (mut values, mut errors) = (0usize, 0usize);
    let generated: Vec<String> = (0..cases).map(|i| generator.expr(1 + (i % 5) as u32)).collect();
    let (mut t_sqlite, mut t_engine) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut slowest: Vec<(std::time::Duration, String)> = Vec::new();
    for sql in FIXED.iter().map(|s| s.to_string()).chain(generated) {
        let t0 = std::time::Instant::now();
        let theirs = sqlite(&conn, &sql);
        let t1 = std::time::Instant::now();
        let ours_result = engine(&sql);
        let t2 = std::time::Instant::now();
        t_sqlite += t1 - t0;
        t_engine += t2 - t1;
        slowest.push((t2 - t1, sql.clone()));
        if slowest.len() > 20 {
            slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
            slowest.truncate(5);
        }
        match ours_result {
            Err(parse_error) => {
                // The engine's parser refused the text; SQLite must have refused it too.
                if theirs.is_ok() {
                    parse_mismatches
                        .push(format!("{sql}\n  engine parse error: {parse_error}\n  sqlite: {}", show(&theirs)));
                }
            }
            Ok(ours) => {
                if theirs.is_ok() {
                    values += 1;
                } else {
                    errors += 1;
                }
                if !same_outcome(&ours, &theirs) {
                    mismatches.push(format!("{sql}\n  engine: {}\n  sqlite: {}", show(&ours), show(&theirs)));
                }
            }
        }
    }
    let total = FIXED.len() + cases;
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    eprintln!("time: sqlite {t_sqlite:?}, engine {t_engine:?}");
    for (t, sql) in slowest.iter().take(3) {
        // The first 300 characters (a byte cut could split one: which expressions are the
        // slowest depends on the machine).
        let cut = sql.char_indices().nth(300).map_or(sql.len(), |(i, _)| i);
        eprintln!("slow {t:?}: {}", &sql[..cut]);
    }
    eprintln!(
        "{total} expressions: {values} values, {errors} errors, {} mismatches, {} parser disagreements",
        mismatches.len(),
        parse_mismatches.len()
    );
    for m in mismatches.iter().take(40) {
        eprintln!("MISMATCH {m}");
    }
    for m in parse_mismatches.iter().take(10) {
        eprintln!("PARSE {m}");
    }
    assert!(mismatches.is_empty(), "{} mismatches out of {total}", mismatches.len());
}

#[test]
fn current_time_matches_sqlite() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt =
        conn.prepare("SELECT datetime(?1 / 86400000.0), date(?1 / 86400000.0), time(?1 / 86400000.0)").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0xc10c);
    let exprs = [
        parse_expr("CURRENT_TIMESTAMP").unwrap(),
        parse_expr("CURRENT_DATE").unwrap(),
        parse_expr("CURRENT_TIME").unwrap(),
    ];
    for i in 0..20_000 {
        let jd_ms: i64 = match i % 3 {
            0 => rng.random_range(0..=touchstone_engine::eval::datetime::MAX_JULIAN_DAY_MS),
            1 => rng.random_range(2_400_000 * 86_400_000..2_500_000 * 86_400_000i64),
            _ => rng.random_range(0..1_000_000i64) * 86_400_000 + [0, 43_199_999, 43_200_000, 86_399_999][i % 4],
        };
        let theirs: [String; 3] = stmt.query_row([jd_ms], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?])).unwrap();
        for (e, want) in exprs.iter().zip(&theirs) {
            let mut ctx = ConstantContext { current_time: Some(jd_ms), ..ConstantContext::default() };
            let got = eval_constant_with(e, &mut ctx).unwrap();
            assert_eq!(got, Value::text(want), "{e:?} at Julian day {jd_ms} ms");
        }
    }
}
