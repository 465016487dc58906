#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (corpus/<target>/seed-*), once.

The seeds are data: this script records how they were made. Run from the repository root:
python3 corpus/tools/make_seeds.py. It overwrites seed-* files only; findings (finding-*)
are never touched. Database images come from Python's sqlite3 module (whatever SQLite
version it links: any valid file is a good seed).
"""
import os
import random
import sqlite3
import struct
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(data)


# ---- db_file: valid database images of several shapes (pages of 512 bytes, small) --------

DB_SHAPES = {
    "one-page.db": ["PRAGMA user_version = 7"],
    "rows.db": [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n NUMERIC)",
        "CREATE INDEX t_s ON t(s)",
        "INSERT INTO t VALUES (1, 0, 0.5, 'a', x'00', NULL), (2, 1, -1.0, '', x'', '12'),"
        " (3, 300, 1e300, 'hello', x'ff00ff', 3.0), (4, -9223372036854775808, 2, 'x', NULL, 'abc'),"
        " (5, 9223372036854775807, -0.0, NULL, x'0102', 1e-5)",
    ],
    "overflow.db": [
        "CREATE TABLE big(a TEXT, b BLOB)",
        "CREATE INDEX big_a ON big(a)",
        "INSERT INTO big VALUES (printf('%.1500c', 'x'), CAST(printf('%.1200c', 'q') AS BLOB)), ('short', zeroblob(900)),"
        " (printf('%.700c', 'y'), NULL)",
    ],
    "deep.db": [
        "CREATE TABLE d(k INTEGER PRIMARY KEY, v TEXT)",
        "CREATE INDEX d_v ON d(v DESC)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)"
        " INSERT INTO d SELECT i, printf('v%05d', (i * 37) % 1000) FROM n",
    ],
    "freelist.db": [
        "CREATE TABLE f(a, b)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
        " INSERT INTO f SELECT i, printf('%.40c', 'f') FROM n",
        "DELETE FROM f WHERE a % 4 != 0",
    ],
    "schema.db": [
        "CREATE TABLE p(a INTEGER, b TEXT COLLATE NOCASE UNIQUE, c REAL CHECK (c > 0) DEFAULT 1.5,"
        " PRIMARY KEY (a, b))",
        "CREATE TABLE q(x UNIQUE, y NOT NULL DEFAULT 'dflt', z)",
        "CREATE INDEX q_yz ON q(y COLLATE NOCASE, z DESC)",
        "CREATE VIEW v AS SELECT a, b FROM p WHERE c > 1",
        "CREATE TRIGGER tr AFTER INSERT ON q BEGIN SELECT 1; END",
        "INSERT INTO p VALUES (1, 'One', 2), (2, 'two', 3)",
        "INSERT INTO q VALUES (1, 'a', 2), ('k', 'B', x'01'), (2.5, 'c', NULL)",
    ],
    "autovacuum.db": [
        "PRAGMA auto_vacuum = FULL",
        "CREATE TABLE a(x)",
        "INSERT INTO a VALUES (1), (printf('%.600c', 'a'))",
    ],
    "without-rowid.db": [
        "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
        "INSERT INTO w VALUES ('a', 1), ('b', 2)",
    ],
    "utf16.db": [
        "PRAGMA encoding = 'UTF-16le'",
        "CREATE TABLE u(t TEXT)",
        "INSERT INTO u VALUES ('é'), ('x')",
    ],
    "wal.db": [
        "PRAGMA journal_mode = WAL",
        "CREATE TABLE l(x)",
        "INSERT INTO l VALUES (1)",
    ],
}


def make_db(statements):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "seed.db")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA page_size = 512")
        for sql in statements:
            conn.execute(sql)
        conn.close()
        with open(path, "rb") as f:
            return f.read()


# ---- record: records in the file format ----------------------------------------------------

def varint(v):
    """SQLite's varint of v (0 <= v < 2**64)."""
    if v > 0x00FFFFFFFFFFFFFF:
        out = [v & 0xFF]
        v >>= 8
        for _ in range(8):
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        return bytes(reversed(out))
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(reversed(out))


def record(values):
    """A record of Python values (None, int, float, str, bytes), integers in the smallest type."""
    types, body = [], b""
    for v in values:
        if v is None:
            types.append(0)
        elif isinstance(v, bool) or (isinstance(v, int) and v in (0, 1)):
            types.append(8 + int(v))
        elif isinstance(v, int):
            u = ~v if v < 0 else v
            for t, n in ((1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (6, 8)):
                if u < 1 << (8 * n - 1):
                    types.append(t)
                    body += v.to_bytes(n, "big", signed=True)
                    break
        elif isinstance(v, float):
            types.append(7)
            body += struct.pack(">d", v)
        elif isinstance(v, str):
            data = v.encode()
            types.append(13 + 2 * len(data))
            body += data
        else:
            types.append(12 + 2 * len(v))
            body += v
    header = b"".join(varint(t) for t in types)
    size = len(header) + 1
    if size >= 128:
        size += 1
    return varint(size) + header + body


RECORDS = {
    "empty": [],
    "null-and-bits": [None, 0, 1],
    "integers": [127, -128, 32767, -32769, 8388607, 2147483648, 140737488355327, -(2**63), 2**63 - 1],
    "reals": [0.5, -0.0, 1e308, 5e-324, float("inf")],
    "text-and-blob": ["", "hello", "é", b"", b"\x00\xff"],
    "wide": list(range(200)),
    "long-text": ["x" * 300],
}

# ---- parse: real SQL, five statements to a file ----------------------------------------------

def grammar_cases():
    path = os.path.join(ROOT, "..", "engine", "tests", "sql", "grammar_cases.sql")
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    return [l.replace("\\n", "\n") for l in lines]


def main():
    for name, statements in DB_SHAPES.items():
        write("db_file", name, make_db(statements))
    for name, values in RECORDS.items():
        write("record", name, record(values))
    write("record", "varints", b"".join(varint(v) for v in (0, 127, 128, 16383, 16384, 2**56 - 1, 2**56, 2**64 - 1)))
    cases = grammar_cases()
    for i in range(0, len(cases), 5):
        write("parse", "grammar-%03d.sql" % (i // 5), (";\n".join(cases[i:i + 5]) + "\n").encode())
    rng = random.Random(20261123)
    for i in range(8):
        write("sim", "random-%d" % i, bytes(rng.randrange(256) for _ in range(64 << (i % 4))))
    # sql_diff's seeds are tapes of the Rust case generator, one per feature:
    # `touchstone sql-diff --write-seeds corpus/sql_diff` writes them.


if __name__ == "__main__":
    main()
