//! SQLite's unix VFS resets the PRNG at the first file it opens in a process (its fork check)
//! unless its xRandomness ran before, which a seeded PRNG never calls. `seed_sqlite_prng`
//! spends that reset before seeding, so a run that first touches a real file mid-way draws the
//! same as its replay in a process that touched one long before.
//!
//! Its own test binary: it needs a process in which nothing has opened a real file yet.

use touchstone_oracle::seed_sqlite_prng;

fn random(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT random()", [], |row| row.get(0)).unwrap()
}

#[test]
fn the_first_real_file_open_does_not_restart_a_seeded_stream() {
    seed_sqlite_prng(5);
    let memory = rusqlite::Connection::open_in_memory().unwrap();
    let first = random(&memory);
    let dir = tempfile::tempdir().unwrap();
    let _real = rusqlite::Connection::open(dir.path().join("real.db")).unwrap();
    let second = random(&memory);
    assert_ne!(first, second, "the stream went on; it did not restart at the first real file");

    // Reseeded, the same calls draw the same values. (Opening a connection draws from the
    // PRNG too: FTS5's per-connection setup takes 16 bytes; hence the same open first.)
    seed_sqlite_prng(5);
    let memory = rusqlite::Connection::open_in_memory().unwrap();
    assert_eq!(random(&memory), first, "reseeding restarts the same stream");
}
