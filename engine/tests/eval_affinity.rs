//! Column affinity and comparison affinity against SQLite.
//!
//! 1. Storage: every value goes into a table whose columns cover every affinity (and declared
//!    types that map to them); `typeof(c), c` read back must equal `apply_affinity(v, affinity)`.
//! 2. Comparisons: each stored column compared with bound values (which have no affinity) and
//!    with the other columns, with `= <> < <= > >=`, IS, IN (a list of 1, 2 and 3 items) and
//!    BETWEEN, must equal the engine's comparison under `comparison_affinity` of the operands.

mod eval_common;

use eval_common::{INTEGERS, REALS, TEXTS, from_sqlite, random_real, same_value};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::types::{ToSqlOutput, ValueRef as SqlRef};
use touchstone_engine::eval::affinity::{apply_affinity, comparison_affinity};
use touchstone_engine::eval::compare::{CmpOp, between, compare_op, in_list, is};
use touchstone_engine::eval::constant::eval_constant;
use touchstone_engine::format::value::{Collation, Value, ValueRef};
use touchstone_engine::schema::{Affinity, affinity_of};
use touchstone_engine::sql::parse_expr;

/// Declared column types and what they must mean.
const COLUMNS: &[&str] = &[
    "INTEGER",
    "TEXT",
    "REAL",
    "NUMERIC",
    "BLOB",
    "",
    "VARCHAR(10)",
    "DOUBLE",
    "BOOLEAN",
    "INT",
    "FLOAT",
    "CHARINT",
    "DECIMAL(10,2)",
    "CLOB",
    "ANY",
];

/// A value bound as a parameter, text as raw bytes (invalid UTF-8 included).
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

/// The values to store: the edge literals (evaluated by the engine) and random ones.
fn values(rng: &mut ChaCha8Rng, n: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for lit in INTEGERS.iter().chain(REALS).chain(TEXTS) {
        if let Ok(v) = eval_constant(&parse_expr(lit).unwrap()) {
            out.push(v);
        }
    }
    out.push(Value::Null);
    out.push(Value::Blob(vec![]));
    out.push(Value::Blob(b"12".to_vec()));
    out.push(Value::Text(vec![0x31, 0x00, 0x32]));
    out.push(Value::Text(vec![0xff, 0x31]));
    while out.len() < n {
        out.push(match rng.random_range(0..6u8) {
            0 => Value::Integer(rng.random()),
            1 => Value::Integer(rng.random_range(-100..100)),
            2 => Value::Real(random_real(rng)),
            3 => {
                let r = random_real(rng);
                Value::text(&match rng.random_range(0..4u8) {
                    0 => format!("{r:e}"),
                    1 => format!(" {r} "),
                    2 => format!("{}", r.trunc()),
                    _ => format!("{r:.3}"),
                })
            }
            4 => Value::text(&rng.random_range(-1_000_000_000_000i64..1_000_000_000_000).to_string()),
            _ => Value::text(["abc", "1x", "0x10", "-", "", "1e", "1e400", "-0", " +7 "][rng.random_range(0..9)]),
        });
    }
    out
}

fn aff_name(a: Option<Affinity>) -> String {
    format!("{a:?}")
}

#[test]
fn stored_values_match_sqlite() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xaff1);
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let cols: Vec<String> = COLUMNS.iter().enumerate().map(|(i, t)| format!("c{i} {t}")).collect();
    conn.execute(&format!("CREATE TABLE t({})", cols.join(", ")), []).unwrap();
    let placeholders = vec!["?1"; COLUMNS.len()].join(", ");
    let values = values(&mut rng, 3000);
    {
        let mut insert = conn.prepare(&format!("INSERT INTO t VALUES ({placeholders})")).unwrap();
        for v in &values {
            insert.execute([Bind(v)]).unwrap();
        }
    }
    let affinities: Vec<Affinity> =
        COLUMNS.iter().map(|t| if t.is_empty() { Affinity::Blob } else { affinity_of(t) }).collect();
    let select: Vec<String> = (0..COLUMNS.len()).map(|i| format!("typeof(c{i}), c{i}")).collect();
    let mut stmt = conn.prepare(&format!("SELECT {} FROM t ORDER BY rowid", select.join(", "))).unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    let mut stored: Vec<Vec<Value>> = Vec::new();
    for v in &values {
        let row = rows.next().unwrap().unwrap();
        let mut row_values = Vec::new();
        for (i, &aff) in affinities.iter().enumerate() {
            let ty: String = row.get(2 * i).unwrap();
            let got = from_sqlite(row.get_ref(2 * i + 1).unwrap());
            assert_eq!(ty, got.type_name());
            let want = apply_affinity(v.as_ref(), aff);
            if !same_value(&want, &got) {
                mismatches.push(format!("{v:?} into {} ({aff:?}): engine {want:?}, sqlite {got:?}", COLUMNS[i]));
            }
            checked += 1;
            row_values.push(got);
        }
        stored.push(row_values);
    }
    eprintln!("{checked} stored values checked, {} mismatches", mismatches.len());
    for m in mismatches.iter().take(30) {
        eprintln!("{m}");
    }
    assert!(mismatches.is_empty());

    // Comparisons: column against a bound value, and column against column.
    let probes: Vec<Value> = values.iter().step_by(7).cloned().collect();
    let ops =
        [("=", CmpOp::Eq), ("<>", CmpOp::Ne), ("<", CmpOp::Lt), ("<=", CmpOp::Le), (">", CmpOp::Gt), (">=", CmpOp::Ge)];
    let mut compared = 0;
    let mut bad = Vec::new();
    let n = COLUMNS.len();
    // One statement per (column, other column): every operator against ?1 and against the other
    // column, plus IS, IN and BETWEEN.
    for i in 0..n {
        let j = (i * 7 + 3) % n;
        let mut exprs = Vec::new();
        for (op, _) in ops {
            exprs.push(format!("c{i} {op} ?1"));
            exprs.push(format!("c{i} {op} c{j}"));
        }
        exprs.push(format!("c{i} IS ?1"));
        exprs.push(format!("c{i} IN (?1)"));
        exprs.push(format!("c{i} IN (?1, ?2)"));
        exprs.push(format!("c{i} IN (?1, ?2, ?3)"));
        exprs.push(format!("c{i} BETWEEN ?1 AND ?2"));
        exprs.push(format!("?1 BETWEEN c{i} AND c{j}"));
        let sql = format!("SELECT {} FROM t WHERE rowid = ?4", exprs.join(", "));
        let mut stmt = conn.prepare(&sql).unwrap();
        let ai = Some(affinities[i]);
        let aj = Some(affinities[j]);
        for (row_index, row_values) in stored.iter().enumerate().step_by(13) {
            let (ci, cj) = (&row_values[i], &row_values[j]);
            for (pi, p) in probes.iter().enumerate().step_by(3) {
                let p2 = &probes[(pi + 5) % probes.len()];
                let p3 = &probes[(pi + 11) % probes.len()];
                let rowid = row_index as i64 + 1;
                let got: Vec<Value> = stmt
                    .query_row(rusqlite::params![Bind(p), Bind(p2), Bind(p3), rowid], |r| {
                        Ok((0..exprs.len()).map(|k| from_sqlite(r.get_ref(k).unwrap())).collect())
                    })
                    .unwrap();
                let mut want = Vec::new();
                for (_, op) in ops {
                    want.push(compare_op(
                        op,
                        ci.as_ref(),
                        p.as_ref(),
                        comparison_affinity(ai, None),
                        Collation::Binary,
                    ));
                    want.push(compare_op(op, ci.as_ref(), cj.as_ref(), comparison_affinity(ai, aj), Collation::Binary));
                }
                want.push(Value::Integer(i64::from(is(
                    ci.as_ref(),
                    p.as_ref(),
                    comparison_affinity(ai, None),
                    Collation::Binary,
                ))));
                want.push(in_list(ci.as_ref(), std::slice::from_ref(p), ai, Collation::Binary));
                want.push(in_list(ci.as_ref(), &[p.clone(), p2.clone()], ai, Collation::Binary));
                want.push(in_list(ci.as_ref(), &[p.clone(), p2.clone(), p3.clone()], ai, Collation::Binary));
                let cmp = (comparison_affinity(ai, None), Collation::Binary);
                want.push(between(ci.as_ref(), p.as_ref(), p2.as_ref(), cmp, cmp));
                let (lo, hi) = (
                    (comparison_affinity(None, ai), Collation::Binary),
                    (comparison_affinity(None, aj), Collation::Binary),
                );
                want.push(between(p.as_ref(), ci.as_ref(), cj.as_ref(), lo, hi));
                for (k, (w, g)) in want.iter().zip(&got).enumerate() {
                    compared += 1;
                    if !same_value(w, g) {
                        bad.push(format!(
                            "{} with c{i}={ci:?} ({}) c{j}={cj:?} ({}) ?1={p:?} ?2={p2:?} ?3={p3:?}: engine {w:?}, sqlite {g:?}",
                            exprs[k],
                            aff_name(ai),
                            aff_name(aj)
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{compared} comparisons checked, {} mismatches", bad.len());
    for m in bad.iter().take(30) {
        eprintln!("{m}");
    }
    assert!(bad.is_empty());
    let _ = ValueRef::Null;
}

/// What SQLite writes into records: a file written by SQLite, read back raw (no affinity) by the
/// engine's storage layer, holds `record_value` of each inserted value, whether SQLite applied
/// the affinities with OP_MakeRecord (no index) or OP_Affinity (indexed table).
#[test]
fn record_values_match_sqlite_files() {
    use std::sync::Arc;
    use touchstone_engine::eval::affinity::{RecordPath, record_value};
    use touchstone_engine::pager::PagerConfig;
    use touchstone_engine::storage::Database;
    use touchstone_engine::vfs::MemVfs;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let cols: Vec<String> = COLUMNS.iter().enumerate().map(|(i, t)| format!("c{i} {t}")).collect();
    // `plain` is written through OP_MakeRecord's affinities, `indexed` through OP_Affinity.
    conn.execute(&format!("CREATE TABLE plain({})", cols.join(", ")), []).unwrap();
    conn.execute(&format!("CREATE TABLE indexed({})", cols.join(", ")), []).unwrap();
    conn.execute("CREATE INDEX indexed_c0 ON indexed(c0)", []).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0x5ec0);
    let mut values = values(&mut rng, 1500);
    for big in [1i64 << 47, (1 << 47) - 1, -(1 << 47), -(1 << 47) - 1, 1 << 60, i64::MAX - 1] {
        values.push(Value::Integer(big));
        values.push(Value::Real(big as f64));
    }
    let placeholders = vec!["?1"; COLUMNS.len()].join(", ");
    conn.execute_batch("BEGIN").unwrap();
    for table in ["plain", "indexed"] {
        let mut insert = conn.prepare(&format!("INSERT INTO {table} VALUES ({placeholders})")).unwrap();
        for v in &values {
            insert.execute([Bind(v)]).unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    let vfs = MemVfs::new();
    vfs.set_file_bytes("rec.db", &std::fs::read(&path).unwrap()).unwrap();
    let mut db = Database::open(Arc::new(vfs), "rec.db", PagerConfig::default()).unwrap();
    let affinities: Vec<Affinity> =
        COLUMNS.iter().map(|t| if t.is_empty() { Affinity::Blob } else { affinity_of(t) }).collect();
    let mut checked = 0;
    let mut bad = Vec::new();
    for (table, record_path) in [("plain", RecordPath::MakeRecord), ("indexed", RecordPath::Affinity)] {
        let rows = db.rows(table).unwrap();
        assert_eq!(rows.len(), values.len());
        for ((_, stored), v) in rows.iter().zip(&values) {
            for (i, &aff) in affinities.iter().enumerate() {
                let want = record_value(v.as_ref(), aff, record_path);
                checked += 1;
                if !same_value(&want, &stored[i]) {
                    bad.push(format!("{table}.c{i} ({aff:?}) of {v:?}: engine {want:?}, sqlite wrote {:?}", stored[i]));
                }
            }
        }
    }
    eprintln!("{checked} record values checked, {} mismatches", bad.len());
    for m in bad.iter().take(20) {
        eprintln!("{m}");
    }
    assert!(bad.is_empty());
}
