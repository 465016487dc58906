//! The aggregate accumulators against SQLite: random multisets of values (NULLs, integers near
//! the overflow limits, reals, numeric and other text, blobs) fed to SQLite's aggregates and to
//! the engine's, in the same order; results equal (REALs bit for bit), errors ("integer
//! overflow") equal. DISTINCT goes through the engine's `Distinct` filter.

mod eval_common;

use eval_common::{Outcome, from_sqlite, message, random_real, same_outcome, show};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::types::{ToSqlOutput, ValueRef as SqlRef};
use touchstone_engine::eval::aggregate::{Accumulator, AggregateKind, Distinct};
use touchstone_engine::format::value::{Collation, Value, ValueRef};

struct Bind<'a>(&'a Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => SqlRef::Null,
            Value::Integer(i) => SqlRef::Integer(*i),
            Value::Real(r) => SqlRef::Real(*r),
            Value::Text(t) => SqlRef::Text(t),
            Value::Blob(b) => SqlRef::Blob(b),
        }))
    }
}

/// A random value of the kind `mix` favours.
fn value(rng: &mut ChaCha8Rng, mix: u8) -> Value {
    let pick = if mix == 0 { rng.random_range(0..10u8) } else { rng.random_range(0..3u8) + mix };
    match pick {
        0 => Value::Null,
        1 | 2 => Value::Integer(rng.random_range(-1000..1000)),
        3 => Value::Integer(
            [i64::MAX, i64::MIN, i64::MAX - 3, i64::MIN + 2, 1 << 62, -(1 << 62)][rng.random_range(0..6)],
        ),
        4 => Value::Integer(rng.random()),
        5 => Value::Real(random_real(rng)),
        6 => Value::Real([0.1, -0.0, 1e308, -1e308, 0.5, 4503599627370496.5, 1e16][rng.random_range(0..7)]),
        7 => Value::text(
            ["12", " 3 ", "1.5", "1e3", "abc", "", "9223372036854775807", "-7x", "A", "a"][rng.random_range(0..10)],
        ),
        8 => Value::Blob([&b""[..], b"12", b"\x00", b"ab"][rng.random_range(0..4)].to_vec()),
        _ => Value::Integer(rng.random_range(0..4)),
    }
}

/// What to compute: the SQL call and the engine's accumulator.
struct Case {
    sql: &'static str,
    kind: AggregateKind,
    distinct: bool,
    collation: Collation,
    /// group_concat's separator argument.
    separator: Option<&'static str>,
}

const fn case(sql: &'static str, kind: AggregateKind) -> Case {
    Case { sql, kind, distinct: false, collation: Collation::Binary, separator: None }
}

fn engine(case: &Case, rows: &[Value]) -> Outcome {
    let mut acc = Accumulator::new(case.kind, case.collation);
    let mut distinct = Distinct::new(case.collation);
    let sep = case.separator.map(Value::text);
    for v in rows {
        if case.distinct && !matches!(v, Value::Null) && !distinct.insert(v.as_ref()) {
            continue;
        }
        let mut args: Vec<ValueRef<'_>> = Vec::new();
        if case.kind != AggregateKind::CountStar {
            args.push(v.as_ref());
        }
        if let Some(s) = &sep {
            args.push(s.as_ref());
        }
        acc.step(&args).map_err(|e| e.message().to_string())?;
    }
    acc.finish().map_err(|e| e.message().to_string())
}

#[test]
fn aggregates_match_sqlite() {
    use AggregateKind::*;
    let cases = [
        case("count(*)", CountStar),
        case("count(x)", Count),
        case("sum(x)", Sum),
        case("total(x)", Total),
        case("avg(x)", Avg),
        case("min(x)", Min),
        case("max(x)", Max),
        case("group_concat(x)", GroupConcat),
        Case { separator: Some("-"), ..case("group_concat(x, '-')", GroupConcat) },
        Case { separator: Some(""), ..case("string_agg(x, '')", GroupConcat) },
        Case { collation: Collation::NoCase, ..case("min(x COLLATE NOCASE)", Min) },
        Case { collation: Collation::RTrim, ..case("max(x COLLATE RTRIM)", Max) },
        Case { distinct: true, ..case("count(DISTINCT x)", Count) },
        Case { distinct: true, ..case("sum(DISTINCT x)", Sum) },
        Case { distinct: true, ..case("avg(DISTINCT x)", Avg) },
        Case { distinct: true, ..case("group_concat(DISTINCT x)", GroupConcat) },
        Case { distinct: true, collation: Collation::NoCase, ..case("count(DISTINCT x COLLATE NOCASE)", Count) },
    ];
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute("CREATE TABLE g(x)", []).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0xa66);
    let mut statements: Vec<rusqlite::Statement<'_>> =
        cases.iter().map(|c| conn.prepare(&format!("SELECT {} FROM g", c.sql)).unwrap()).collect();
    let (mut checked, mut errors) = (0, 0);
    let mut mismatches = Vec::new();
    for round in 0..6000 {
        let mix = (round % 10) as u8;
        let n = rng.random_range(0..if round % 7 == 0 { 200 } else { 12 });
        let rows: Vec<Value> = (0..n).map(|_| value(&mut rng, mix)).collect();
        conn.execute("DELETE FROM g", []).unwrap();
        {
            let mut insert = conn.prepare_cached("INSERT INTO g VALUES (?1)").unwrap();
            for v in &rows {
                insert.execute([Bind(v)]).unwrap();
            }
        }
        for (c, stmt) in cases.iter().zip(statements.iter_mut()) {
            let theirs: Outcome =
                stmt.query_row([], |r| Ok(from_sqlite(r.get_ref(0).unwrap()))).map_err(|e| message(&e));
            let ours = engine(c, &rows);
            checked += 1;
            if theirs.is_err() {
                errors += 1;
            }
            if !same_outcome(&ours, &theirs) {
                mismatches.push(format!("{} over {rows:?}: engine {}, sqlite {}", c.sql, show(&ours), show(&theirs)));
            }
        }
    }
    eprintln!("{checked} aggregate results checked ({errors} errors), {} mismatches", mismatches.len());
    for m in mismatches.iter().take(20) {
        eprintln!("{}", &m[..m.len().min(800)]);
    }
    assert!(mismatches.is_empty());
}
