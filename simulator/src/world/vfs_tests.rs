//! Tests of `SimVfs`: POSIX semantics as `MemVfs`, locks, crash and restart, faults,
//! determinism, counters.

// One-element lists of byte ranges are meant as such.
#![allow(clippy::single_range_in_vec_init)]

use super::*;
use touchstone_engine::error::ErrorCode;
use touchstone_engine::vfs::FileKind;

fn sim(seed: u64) -> SimVfs {
    SimVfs::new(seed, DiskModel::default())
}

fn create(vfs: &SimVfs, path: &str) -> Box<dyn VfsFile> {
    vfs.open(path, OpenFlags::main_db()).unwrap()
}

fn flags(access: OpenAccess) -> OpenFlags {
    OpenFlags { kind: FileKind::MainDb, access, exclusive: false, delete_on_close: false }
}

fn is_dead(error: &Error) -> bool {
    error.code() == ErrorCode::IoErr && error.extended_code() == IoErrorKind::Dead.extended_code()
}

fn extended(error: &Error, kind: IoErrorKind) -> bool {
    error.code() == ErrorCode::IoErr && error.extended_code() == kind.extended_code()
}

#[test]
fn write_read_truncate_and_size_as_mem_vfs() {
    let vfs = sim(1);
    let mut f = create(&vfs, "a.db");
    f.write_at(b"hello", 2).unwrap();
    assert_eq!(f.size().unwrap(), 7);
    let mut buf = [0xffu8; 10];
    assert_eq!(f.read_at(&mut buf, 0).unwrap(), ReadOutcome::Short { bytes_read: 7 });
    assert_eq!(&buf, b"\0\0hello\0\0\0");
    let mut buf = [0xffu8; 3];
    assert_eq!(f.read_at(&mut buf, 4).unwrap(), ReadOutcome::Full);
    assert_eq!(&buf, b"llo");
    assert_eq!(f.read_at(&mut buf, u64::MAX).unwrap(), ReadOutcome::Short { bytes_read: 0 });
    assert_eq!(buf, [0; 3]);
    f.truncate(3).unwrap();
    f.truncate(5).unwrap();
    assert_eq!(vfs.file_bytes("/a.db").unwrap(), b"\0\0h\0\0");
    assert!(is_write_overflow(f.write_at(b"x", u64::MAX).unwrap_err()));
}

fn is_write_overflow(error: Error) -> bool {
    extended(&error, IoErrorKind::Write)
}

#[test]
fn paths_open_modes_read_only_and_access_as_unix() {
    let vfs = sim(1);
    drop(create(&vfs, "dir/./x/../a.db"));
    assert_eq!(vfs.clone().file_paths(), vec!["/dir/a.db".to_string()]);
    assert_eq!(vfs.full_path("/..").unwrap_err().code(), ErrorCode::CantOpen);
    for access in [OpenAccess::ReadOnly, OpenAccess::ReadWrite] {
        assert_eq!(vfs.open("/missing", flags(access)).err().unwrap().code(), ErrorCode::CantOpen);
    }
    let mut excl = flags(OpenAccess::ReadWriteCreate);
    excl.exclusive = true;
    drop(vfs.open("/j", excl).unwrap());
    assert_eq!(vfs.open("/j", excl).err().unwrap().code(), ErrorCode::CantOpen);
    // An empty file does not "exist" for SQLite.
    assert!(!vfs.access("/j", AccessCheck::Exists).unwrap());
    assert!(vfs.access("/j", AccessCheck::ReadWrite).unwrap());
    assert!(!vfs.access("/nothing", AccessCheck::Read).unwrap());
    vfs.set_file_bytes("/j", b"abc").unwrap();
    assert!(vfs.access("/j", AccessCheck::Exists).unwrap());
    let mut ro = vfs.open("/j", flags(OpenAccess::ReadOnly)).unwrap();
    assert!(extended(&ro.write_at(b"x", 0).unwrap_err(), IoErrorKind::Write));
    assert!(extended(&ro.truncate(0).unwrap_err(), IoErrorKind::Truncate));
    assert_eq!(vfs.file_bytes("/j").unwrap(), b"abc");
}

#[test]
fn delete_while_open_and_delete_on_close() {
    let vfs = sim(1);
    let mut old = create(&vfs, "/j");
    old.write_at(b"old", 0).unwrap();
    old.lock(LockLevel::Shared).unwrap();
    old.lock(LockLevel::Reserved).unwrap();
    vfs.delete("/j", true).unwrap();
    vfs.delete("/j", true).unwrap(); // missing: not an error
    assert_eq!(vfs.file_bytes("/j"), None);
    let mut buf = [0u8; 3];
    old.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf, b"old");
    let mut new = create(&vfs, "/j");
    assert_eq!(new.size().unwrap(), 0);
    assert!(!new.check_reserved_lock().unwrap());
    new.lock(LockLevel::Shared).unwrap();
    new.lock(LockLevel::Reserved).unwrap();

    let temp = OpenFlags {
        kind: FileKind::TempDb,
        access: OpenAccess::ReadWriteCreate,
        exclusive: true,
        delete_on_close: true,
    };
    let mut t = vfs.open("/tmp1", temp).unwrap();
    t.write_at(b"t", 0).unwrap();
    assert!(vfs.file_paths().contains(&"/tmp1".to_string()));
    drop(t);
    assert!(!vfs.file_paths().contains(&"/tmp1".to_string()));
}

#[test]
fn two_handles_exclude_each_other_as_two_connections() {
    let vfs = sim(1);
    let mut a = create(&vfs, "/db");
    let mut b = vfs.clone().open("/db", OpenFlags::main_db()).unwrap();
    a.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Reserved).unwrap();
    assert!(b.check_reserved_lock().unwrap());
    assert!(b.lock(LockLevel::Reserved).unwrap_err().is_busy());
    assert!(a.lock(LockLevel::Exclusive).unwrap_err().is_busy());
    assert_eq!(a.lock_level(), LockLevel::Pending);
    b.unlock(LockLevel::None).unwrap();
    assert!(b.lock(LockLevel::Shared).unwrap_err().is_busy());
    a.lock(LockLevel::Exclusive).unwrap();
    drop(a); // closing releases the lock
    b.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Reserved).unwrap();
}

#[test]
fn capacity_gives_full_and_changes_nothing() {
    let vfs = SimVfs::new(1, DiskModel { capacity_bytes: Some(100), ..DiskModel::default() });
    let mut f = create(&vfs, "/db");
    f.write_at(&[1; 60], 0).unwrap();
    assert_eq!(f.write_at(&[2; 50], 60).unwrap_err().code(), ErrorCode::Full);
    assert_eq!(f.truncate(101).unwrap_err().code(), ErrorCode::Full);
    f.write_at(&[3; 60], 0).unwrap(); // overwrites need no space
    assert_eq!(vfs.file_bytes("/db").unwrap(), vec![3; 60]);
    assert_eq!(vfs.fault_counts().enospc, 2);
    vfs.set_capacity(None);
    f.write_at(&[2; 50], 60).unwrap();
}

#[test]
fn sync_makes_writes_durable_and_crash_keeps_them() {
    let vfs = sim(7);
    let mut f = create(&vfs, "/db");
    f.write_at(&[1; 4096], 0).unwrap();
    assert_eq!(vfs.durable_bytes("/db").unwrap(), b"");
    f.sync(SyncFlags::FULL).unwrap();
    assert_eq!(vfs.durable_bytes("/db").unwrap(), vec![1; 4096]);
    f.write_at(&[2; 4096], 4096).unwrap();
    assert_eq!(vfs.file_bytes("/db").unwrap().len(), 8192);
    vfs.crash_now();
    let after = vfs.file_bytes("/db").unwrap();
    assert_eq!(&after[..4096], &[1; 4096][..]);
    assert_eq!(vfs.file_bytes("/db"), vfs.durable_bytes("/db"));
    let events = vfs.take_events();
    assert_eq!(events[0].kind, FaultKind::Crash);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!((events[1].offset, events[1].length_bytes), (4096, 4096));
    assert!(vfs.take_events().is_empty());
}

#[test]
fn crash_at_call_kills_old_handles_until_restart() {
    let vfs = sim(3);
    let mut f = create(&vfs, "/db");
    f.write_at(b"durable", 0).unwrap();
    f.sync(SyncFlags::NORMAL).unwrap();
    f.lock(LockLevel::Shared).unwrap();
    f.lock(LockLevel::Reserved).unwrap();
    let mut unlinked = create(&vfs, "/gone");
    unlinked.write_at(b"x", 0).unwrap();
    vfs.delete("/gone", false).unwrap();
    let calls = vfs.io_calls();
    assert_eq!(calls, 6); // open, write, sync, open, write, delete
    vfs.arm_crash_at_call(calls + 2);
    f.write_at(b"LOST?", 0).unwrap(); // call calls+1
    assert!(!vfs.has_crashed());
    let err = f.write_at(b"never", 0).unwrap_err(); // the armed call
    assert!(is_dead(&err));
    assert!(vfs.has_crashed());
    assert_eq!(vfs.io_calls(), calls + 2);
    let mut buf = [0u8; 7];
    assert!(is_dead(&f.read_at(&mut buf, 0).unwrap_err()));
    assert!(is_dead(&f.sync(SyncFlags::FULL).unwrap_err()));
    assert!(is_dead(&f.size().unwrap_err()));
    assert!(is_dead(&f.lock(LockLevel::Exclusive).unwrap_err()));
    assert!(is_dead(&f.unlock(LockLevel::None).unwrap_err()));
    assert!(is_dead(&f.check_reserved_lock().unwrap_err()));
    assert_eq!(f.lock_level(), LockLevel::None);
    assert_eq!(vfs.open("/db", OpenFlags::main_db()).err().unwrap().code(), ErrorCode::CantOpen);
    assert!(vfs.delete("/db", false).is_err());
    assert!(vfs.access("/db", AccessCheck::Exists).is_err());
    assert_eq!(vfs.io_calls(), calls + 2, "calls of a dead process are not counted");

    vfs.restart();
    assert!(!vfs.has_crashed());
    assert_eq!(vfs.file_paths(), vec!["/db".to_string()], "the unlinked file vanished");
    let mut g = create(&vfs, "/db");
    let mut buf = [0u8; 7];
    g.read_at(&mut buf, 0).unwrap();
    assert!(&buf == b"durable" || &buf[..5] == b"LOST?" || buf[5..] == *b"le", "{buf:?}");
    assert_eq!(g.read_at(&mut buf, 0).unwrap(), ReadOutcome::Full);
    assert_eq!(vfs.file_bytes("/db"), vfs.durable_bytes("/db"));
    // Locks of the dead process are gone.
    g.lock(LockLevel::Shared).unwrap();
    g.lock(LockLevel::Exclusive).unwrap();
    assert!(is_dead(&f.write_at(b"x", 0).unwrap_err()), "old handles stay dead after restart");
    drop(f);
    drop(unlinked);
    assert_eq!(g.lock_level(), LockLevel::Exclusive);
}

#[test]
fn crash_at_an_open_or_delete_fails_that_call() {
    let vfs = sim(3);
    vfs.arm_crash_at_call(1);
    assert_eq!(vfs.open("/db", OpenFlags::main_db()).err().unwrap().code(), ErrorCode::CantOpen);
    assert!(vfs.has_crashed());
    assert!(vfs.file_paths().is_empty());
    vfs.restart();
    vfs.set_file_bytes("/j", b"journal").unwrap();
    vfs.arm_crash_at_call(0); // already passed: the next call
    assert!(is_dead(&vfs.delete("/j", false).unwrap_err()));
    vfs.restart();
    assert_eq!(vfs.file_bytes("/j").unwrap(), b"journal");
    vfs.disarm_crash();
    vfs.delete("/j", false).unwrap();
    assert_eq!(vfs.fault_counts().crashes, 2);
}

/// A world with one 4096-byte file open, a fault rate set by `rates`.
fn faulty(rates: FaultRates) -> (SimVfs, Box<dyn VfsFile>) {
    let vfs = sim(11);
    vfs.set_file_bytes("/db", &[9; 4096]).unwrap();
    let f = create(&vfs, "/db");
    vfs.set_fault_rates(rates);
    (vfs, f)
}

#[test]
fn each_fault_fires_at_rate_one_and_never_at_zero() {
    let off = FaultRates::default();
    let mut buf = [0u8; 100];

    let (vfs, mut f) = faulty(FaultRates { read_eio: 1.0, ..off });
    assert!(extended(&f.read_at(&mut buf, 0).unwrap_err(), IoErrorKind::Read));
    assert_eq!(vfs.fault_counts().read_eio, 1);

    let (vfs, mut f) = faulty(FaultRates { write_eio: 1.0, ..off });
    assert!(extended(&f.write_at(b"x", 0).unwrap_err(), IoErrorKind::Write));
    assert_eq!(vfs.file_bytes("/db").unwrap(), vec![9; 4096], "a failed write does nothing");
    assert_eq!(vfs.fault_counts().write_eio, 1);

    let (vfs, mut f) = faulty(FaultRates { sync_eio: 1.0, ..off });
    vfs.set_fault_rates(off);
    f.write_at(b"x", 0).unwrap();
    vfs.set_fault_rates(FaultRates { sync_eio: 1.0, ..off });
    assert!(extended(&f.sync(SyncFlags::FULL).unwrap_err(), IoErrorKind::Fsync));
    assert_eq!(vfs.durable_bytes("/db").unwrap(), vec![9; 4096], "a failed sync makes nothing durable");
    assert_eq!(vfs.fault_counts().sync_eio, 1);

    let (vfs, _f) = faulty(FaultRates { open_eio: 1.0, ..off });
    assert_eq!(vfs.open("/db", OpenFlags::main_db()).err().unwrap().code(), ErrorCode::CantOpen);
    assert_eq!(vfs.open("/x", flags(OpenAccess::ReadOnly)).err().unwrap().code(), ErrorCode::CantOpen);
    assert_eq!(vfs.fault_counts().open_eio, 1, "only opens that would succeed fault");
    assert_eq!(vfs.file_paths(), vec!["/db".to_string()], "a failed open creates nothing");

    let (vfs, mut f) = faulty(FaultRates { short_read: 1.0, ..off });
    for _ in 0..20 {
        buf.fill(0xff);
        let ReadOutcome::Short { bytes_read } = f.read_at(&mut buf, 0).unwrap() else { panic!("full read") };
        assert!(bytes_read < 100);
        assert!(buf[..bytes_read].iter().all(|b| *b == 9) && buf[bytes_read..].iter().all(|b| *b == 0));
    }
    assert_eq!(vfs.fault_counts().short_read, 20);

    let (vfs, mut f) = faulty(FaultRates { latency_max_us: 1000, ..off });
    for _ in 0..20 {
        f.size().unwrap();
    }
    assert!(vfs.elapsed_us() > 0 && vfs.elapsed_us() <= 20_000);

    // Rate zero: a busy run sees no fault at all.
    let (vfs, mut f) = faulty(off);
    for i in 0..200u64 {
        f.write_at(&[1; 64], i * 64).unwrap();
        f.read_at(&mut buf, i * 10).unwrap();
        f.sync(SyncFlags::NORMAL).unwrap();
    }
    drop(vfs.open("/other", OpenFlags::main_db()).unwrap());
    assert_eq!(vfs.fault_counts(), FaultCounts::default());
    assert_eq!(vfs.elapsed_us(), 0);
    assert!(vfs.take_events().is_empty());
}

/// Runs a fixed workload on a world of `seed` (faults per `rates`, `io` switching the I/O on
/// or off) and returns what xRandomness gave, then the fates of one crash.
fn draws(seed: u64, rates: FaultRates, io: bool) -> (Vec<u8>, Vec<FaultEvent>, Option<Vec<u8>>) {
    let vfs = SimVfs::new(seed, DiskModel { sector_size_bytes: 512, ..DiskModel::default() });
    vfs.set_fault_rates(rates);
    let mut random = vec![0u8; 16];
    vfs.randomness(&mut random);
    if io && let Ok(mut f) = vfs.open("/noise", OpenFlags::main_db()) {
        for i in 0..50u64 {
            let _ = f.write_at(&[i as u8; 700], i * 300);
            let _ = f.read_at(&mut [0; 1000], i * 100);
            let _ = f.sync(SyncFlags::NORMAL);
        }
    }
    let mut more = vec![0u8; 16];
    vfs.randomness(&mut more);
    random.extend(more);
    vfs.set_fault_rates(FaultRates::default());
    let mut f = create(&vfs, "/db");
    f.write_at(&[0x55; 5000], 100).unwrap();
    f.write_at(&[0x66; 3000], 4000).unwrap();
    vfs.take_events();
    vfs.crash_now();
    // The fates after the crash event (whose offset, the call number, depends on the I/O).
    let fates = vfs.take_events().split_off(1);
    (random, fates, vfs.file_bytes("/db"))
}

#[test]
fn faults_off_draw_nothing_and_randomness_is_a_separate_stream() {
    let off = FaultRates::default();
    for seed in 0..10 {
        // Same seed: the I/O done (faults off) shifts neither randomness nor crash fates.
        assert_eq!(draws(seed, off, true), draws(seed, off, false));
        // Faults on draw from the fault stream only: randomness stays the same.
        let noisy = FaultRates { read_eio: 0.3, write_eio: 0.3, short_read: 0.3, latency_max_us: 10, ..off };
        assert_eq!(draws(seed, noisy, true).0, draws(seed, off, false).0);
    }
    assert_ne!(draws(1, off, false), draws(2, off, false));
}

#[test]
fn same_seed_same_events_and_bytes() {
    let rates = FaultRates {
        read_eio: 0.1,
        write_eio: 0.1,
        sync_eio: 0.1,
        open_eio: 0.1,
        short_read: 0.1,
        latency_max_us: 100,
    };
    let run = |seed| {
        let out = draws(seed, rates, true);
        (out.1, out.2, out.0)
    };
    for seed in 0..5 {
        assert_eq!(run(seed), run(seed));
    }
    let run_events = |seed| {
        let vfs = SimVfs::new(seed, DiskModel::default());
        vfs.set_fault_rates(rates);
        let mut f = create(&vfs, "/db");
        for i in 0..100u64 {
            let _ = f.write_at(&[i as u8; 100], i * 50);
            let _ = f.read_at(&mut [0; 80], i * 40);
            let _ = f.sync(SyncFlags::FULL);
        }
        (vfs.take_events(), vfs.file_bytes("/db"), vfs.elapsed_us(), vfs.stats())
    };
    assert_eq!(run_events(5), run_events(5));
    assert!(!run_events(5).0.is_empty());
    assert_ne!(run_events(5).0, run_events(6).0);
}

#[test]
fn stats_count_calls_and_bytes_per_file() {
    let vfs = sim(1);
    let mut f = create(&vfs, "/db");
    let mut j = create(&vfs, "/db-journal");
    f.write_at(&[1; 100], 0).unwrap();
    f.write_at(&[1; 50], 100).unwrap();
    f.read_at(&mut [0; 200], 0).unwrap();
    f.sync(SyncFlags::FULL).unwrap();
    j.truncate(0).unwrap();
    let stats = vfs.stats();
    let db = stats.files["/db"];
    assert_eq!((db.writes, db.bytes_written, db.reads, db.bytes_read, db.syncs), (2, 150, 1, 150, 1));
    assert_eq!(stats.files["/db-journal"].truncates, 1);
    assert_eq!(stats.total.truncates, 1);
    assert_eq!(stats.total.bytes_written, 150);
}

#[test]
fn clock_and_randomness_are_virtual() {
    let vfs = sim(42);
    assert_eq!(vfs.current_time_ms(), touchstone_engine::vfs::MemVfs::START_JULIAN_MS);
    assert_eq!(vfs.sleep(2_500_000), 2_500_000);
    assert_eq!(vfs.current_time_ms(), touchstone_engine::vfs::MemVfs::START_JULIAN_MS + 2500);
    let draw = |vfs: &SimVfs| {
        let mut buf = [0u8; 13];
        vfs.randomness(&mut buf);
        buf
    };
    assert_eq!(draw(&sim(42)), draw(&sim(42)));
    assert_ne!(draw(&sim(42)), draw(&sim(43)));
    let f = create(&vfs, "/db");
    assert_eq!(f.sector_size(), 4096);
    assert!(f.device_characteristics().contains(DeviceCharacteristics::POWERSAFE_OVERWRITE));
    let small = SimVfs::new(1, DiskModel { sector_size_bytes: 700, ..DiskModel::default() });
    assert_eq!(create(&small, "/db").sector_size(), 1024);
}

#[test]
fn set_file_bytes_is_durable_and_copies_between_worlds() {
    let src = sim(1);
    src.set_file_bytes("/db", &[1; 4096]).unwrap();
    src.set_file_bytes("/db-journal", &[2; 512]).unwrap();
    let dst = sim(2);
    for path in src.file_paths() {
        dst.set_file_bytes(&path, &src.durable_bytes(&path).unwrap()).unwrap();
    }
    dst.crash_now();
    assert_eq!(dst.file_bytes("/db-journal"), Some(vec![2; 512]));
    assert_eq!(dst.file_bytes("/db"), Some(vec![1; 4096]));
    assert_eq!(dst.file_bytes("/nothing"), None);
}

#[test]
fn sequential_devices_order_writes_across_files() {
    let sequential = DiskModel {
        sector_size_bytes: 512,
        device: DeviceCharacteristics(DeviceCharacteristics::SEQUENTIAL),
        capacity_bytes: None,
    };
    // A sync of one file makes every earlier write of every file durable (the disk writes
    // in order), but not the writes issued after that file's last one.
    let vfs = SimVfs::new(1, sequential);
    let mut journal = create(&vfs, "/db-journal");
    let mut db = create(&vfs, "/db");
    journal.write_at(&[1; 512], 0).unwrap();
    db.write_at(&[2; 512], 0).unwrap();
    journal.write_at(&[3; 512], 512).unwrap();
    db.sync(SyncFlags::FULL).unwrap();
    assert_eq!(vfs.durable_bytes("/db-journal").unwrap(), vec![1; 512]);
    assert_eq!(vfs.durable_bytes("/db").unwrap(), vec![2; 512]);

    // At a crash, nothing lands after the first write (of any file) that did not land whole.
    let mut saw_cut = false;
    for seed in 0..100 {
        let vfs = SimVfs::new(seed, sequential);
        let mut files = [create(&vfs, "/a"), create(&vfs, "/b")];
        for i in 0..6u64 {
            files[(i % 2) as usize].write_at(&[i as u8 + 1; 512], i / 2 * 512).unwrap();
        }
        vfs.take_events();
        vfs.crash_now();
        let kinds: Vec<FaultKind> = vfs.take_events().iter().skip(1).map(|event| event.kind).collect();
        assert_eq!(kinds.len(), 6);
        if let Some(miss) = kinds.iter().position(|kind| *kind != FaultKind::WriteLanded) {
            saw_cut |= miss < 4;
            assert!(kinds[miss + 1..].iter().all(|kind| *kind == FaultKind::WriteLost), "seed {seed}: {kinds:?}");
        }
    }
    assert!(saw_cut);
}

#[test]
fn written_ranges_cover_writes_truncates_replacements_and_unlinks() {
    let vfs = sim(1);
    assert!(vfs.take_written_ranges("/a.db").is_empty());
    let mut f = create(&vfs, "/a.db");
    f.write_at(&[1; 100], 0).unwrap();
    f.write_at(&[2; 10], 100).unwrap();
    f.write_at(&[3; 10], 200).unwrap();
    assert_eq!(vfs.take_written_ranges("a.db"), [0..110, 200..210]);
    assert!(vfs.take_written_ranges("/a.db").is_empty(), "taking empties");
    f.truncate(150).unwrap();
    f.truncate(160).unwrap();
    assert_eq!(vfs.take_written_ranges("/a.db"), [150..210], "shrinking, then zeros added");
    assert_eq!(vfs.file_len("/a.db"), Some(160));
    assert_eq!(vfs.file_range("/a.db", 98..102), Some(vec![1, 1, 2, 2]));
    assert_eq!(vfs.file_range("/a.db", 158..400), Some(vec![0, 0]));
    assert_eq!(vfs.file_range("/a.db", 500..600), Some(vec![]));
    vfs.set_file_bytes("/a.db", &[9; 20]).unwrap();
    assert_eq!(vfs.take_written_ranges("/a.db"), [0..160]);
    drop(f);
    vfs.delete("/a.db", false).unwrap();
    assert_eq!(vfs.take_written_ranges("/a.db"), [0..20]);
    assert_eq!(vfs.file_len("/a.db"), None);
    assert_eq!(vfs.file_range("/a.db", 0..1), None);
}

#[test]
fn a_crash_marks_files_with_unsynced_operations_as_written() {
    let vfs = sim(1);
    let mut synced = create(&vfs, "/s");
    let mut unsynced = create(&vfs, "/u");
    synced.write_at(&[1; 64], 0).unwrap();
    synced.sync(SyncFlags::FULL).unwrap();
    unsynced.write_at(&[1; 64], 0).unwrap();
    vfs.take_written_ranges("/s");
    vfs.take_written_ranges("/u");
    vfs.crash_now();
    assert!(vfs.take_written_ranges("/s").is_empty());
    assert_eq!(vfs.take_written_ranges("/u"), [0..64]);
}
