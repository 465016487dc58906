//! Tests of `FileImage`: sync, and the crash fates under each device characteristic.

use super::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn model(sector_size_bytes: u32, flags: u32) -> DiskModel {
    DiskModel { sector_size_bytes, device: DeviceCharacteristics(flags), capacity_bytes: None }
}

/// The issue number after every pending one of `image`.
fn next_seq(image: &FileImage) -> u64 {
    image.pending_seqs().last().map_or(0, |seq| seq + 1)
}

/// Writes `data` at `offset`, pending.
fn write(image: &mut FileImage, offset: u64, data: &[u8]) {
    image.write(next_seq(image), offset, data).unwrap();
}

/// Truncates to `size_bytes`, pending.
fn truncate(image: &mut FileImage, size_bytes: u64) {
    image.truncate(next_seq(image), size_bytes).unwrap();
}

/// A file whose durable image is `durable` (synced) with nothing pending.
fn synced(durable: &[u8]) -> FileImage {
    let mut image = FileImage::default();
    write(&mut image, 0, durable);
    image.sync().unwrap();
    image
}

#[test]
fn writes_and_truncates_are_volatile_until_sync() {
    let mut image = synced(b"hello world");
    write(&mut image, 6, b"WORLD!");
    truncate(&mut image, 8);
    write(&mut image, 10, b"x");
    assert_eq!(image.volatile(), b"hello WO\0\0x");
    assert_eq!(image.durable(), b"hello world");
    assert!(image.has_pending());
    assert!(image.is_consistent());
    let mut buf = [9u8; 4];
    assert_eq!(image.read(&mut buf, 9), 2);
    assert_eq!(&buf, b"\0x\0\0");
    image.sync().unwrap();
    assert_eq!(image.durable(), b"hello WO\0\0x");
    assert!(!image.has_pending());
}

#[test]
fn crash_without_pending_changes_nothing() {
    let mut image = synced(&[5; 3000]);
    let fates = image.settle(&mut ChaCha8Rng::seed_from_u64(1), &DiskModel::default());
    assert!(fates.is_empty());
    assert_eq!(image.volatile(), &[5; 3000][..]);
}

/// Crashes a file of 4 sectors of 0xAA with one pending write of 0x55 over sectors 1..3
/// (`offset`, `length`) under `model`; returns the fate and the settled bytes.
fn crash_one_write(seed: u64, model: &DiskModel, offset: u64, length: usize) -> (FaultKind, Vec<u8>) {
    let sector = model.sector_size_bytes as usize;
    let mut image = synced(&vec![0xAA; 4 * sector]);
    write(&mut image, offset, &vec![0x55; length]);
    let fates = image.settle(&mut ChaCha8Rng::seed_from_u64(seed), model);
    assert_eq!(fates.len(), 1);
    assert_eq!(image.volatile(), image.durable());
    (fates[0].kind, image.volatile().to_vec())
}

#[test]
fn every_fate_happens_and_each_does_what_it_says() {
    let model = model(512, 0);
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..400 {
        let (kind, bytes) = crash_one_write(seed, &model, 512, 1024);
        seen.insert(kind);
        let (before, written, after) = (&bytes[..512], &bytes[512..1536], &bytes[1536..]);
        assert!(before.iter().chain(after).all(|b| *b == 0xAA), "outside bytes changed: {kind:?}");
        match kind {
            FaultKind::WriteLanded => assert!(written.iter().all(|b| *b == 0x55)),
            FaultKind::WriteLost => assert!(written.iter().all(|b| *b == 0xAA)),
            FaultKind::WriteTorn => {
                for sector in written.chunks(512) {
                    assert!(sector.iter().all(|b| *b == 0x55) || sector.iter().all(|b| *b == 0xAA));
                }
            }
            _ => {
                assert_eq!(kind, FaultKind::WriteGarbage);
                assert!(written.iter().any(|b| *b != 0x55 && *b != 0xAA));
            }
        }
    }
    let all = [FaultKind::WriteLanded, FaultKind::WriteLost, FaultKind::WriteTorn, FaultKind::WriteGarbage];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), all);
}

#[test]
fn synced_writes_survive_every_crash() {
    for seed in 0..50 {
        let mut image = synced(b"");
        write(&mut image, 0, &[1; 1000]);
        image.sync().unwrap();
        write(&mut image, 500, &[2; 1000]);
        // Without POWERSAFE_OVERWRITE garbage in sector 0 could hit bytes 0..500 too.
        image.settle(&mut ChaCha8Rng::seed_from_u64(seed), &model(512, DeviceCharacteristics::POWERSAFE_OVERWRITE));
        assert!(image.volatile()[..500].iter().all(|b| *b == 1), "seed {seed}");
        assert!(image.volatile().len() >= 1000);
    }
}

#[test]
fn atomic_devices_never_tear_fitting_writes() {
    for flags in [DeviceCharacteristics::ATOMIC, DeviceCharacteristics::ATOMIC4K] {
        let model = model(512, flags);
        for seed in 0..200 {
            let (kind, bytes) = crash_one_write(seed, &model, 0, 4096);
            assert!(matches!(kind, FaultKind::WriteLanded | FaultKind::WriteLost), "{flags:#x} seed {seed}");
            let landed = bytes.len() == 4096 && bytes.iter().all(|b| *b == 0x55);
            assert!(landed || bytes.iter().all(|b| *b == 0xAA), "{flags:#x} seed {seed}");
        }
    }
    // ATOMIC4K does not cover a write crossing a 4 KiB boundary.
    let model = model(512, DeviceCharacteristics::ATOMIC4K);
    assert!(!model.write_is_atomic(512, 4096));
    assert!(model.write_is_atomic(4096, 4096));
    assert!(!model.write_is_atomic(u64::MAX, 1));
    let torn = (0..200).any(|seed| crash_one_write(seed, &model, 512, 4096).0 == FaultKind::WriteTorn);
    assert!(torn);
}

#[test]
fn sequential_never_lands_a_write_after_one_that_did_not_land() {
    let mut saw_cut = false;
    for seed in 0..200 {
        let mut image = synced(&[0; 8192]);
        for i in 0..8u8 {
            write(&mut image, u64::from(i) * 1024, &[i + 1; 1024]);
        }
        let fates = image.settle(&mut ChaCha8Rng::seed_from_u64(seed), &model(512, DeviceCharacteristics::SEQUENTIAL));
        let first_miss = fates.iter().position(|fate| fate.kind != FaultKind::WriteLanded);
        if let Some(miss) = first_miss {
            saw_cut |= miss < 7;
            assert!(fates[miss + 1..].iter().all(|fate| fate.kind == FaultKind::WriteLost), "seed {seed}");
            assert!(image.volatile()[(miss + 1) * 1024..].iter().all(|b| *b == 0));
        }
    }
    assert!(saw_cut);
}

#[test]
fn safe_append_never_leaves_garbage_past_the_durable_end() {
    for (flags, sector) in [(DeviceCharacteristics::SAFE_APPEND, 512), (DeviceCharacteristics::SAFE_APPEND, 4096)] {
        let model = model(sector, flags);
        let mut partial_appends = 0;
        for seed in 0..300 {
            let mut image = synced(&[0xAA; 700]);
            let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
            // Three appends (the first overlapping the durable end), as journal records are
            // written: whatever grows the file must be a prefix of their concatenation.
            write(&mut image, 300, &data[..1500]);
            write(&mut image, 1800, &data[1500..1504]);
            write(&mut image, 1804, &data[1504..]);
            image.settle(&mut ChaCha8Rng::seed_from_u64(seed), &model);
            let bytes = image.volatile();
            let appended = &bytes[700.min(bytes.len())..];
            assert_eq!(appended, &data[400..400 + appended.len()], "seed {seed}");
            partial_appends += usize::from(!appended.is_empty() && appended.len() < 4600);
        }
        assert!(partial_appends > 0 || sector == 4096);
    }
    // Without SAFE_APPEND, garbage does reach past the durable end.
    let garbage_past_end = (0..300).any(|seed| {
        let mut image = synced(&[0xAA; 700]);
        write(&mut image, 300, &[7; 5000]);
        image.settle(&mut ChaCha8Rng::seed_from_u64(seed), &model(512, 0));
        image.volatile().get(700..).is_some_and(|tail| tail.iter().any(|b| *b != 7 && *b != 0))
    });
    assert!(garbage_past_end);
}

/// Crashes a file with unaligned pending writes; returns whether any byte outside the
/// written ranges differs from the durable image.
fn outside_bytes_changed(seed: u64, model: &DiskModel) -> bool {
    let mut image = synced(&[0xAA; 8192]);
    let ranges = [(100u64, 300usize), (1000, 2000), (5000, 17)];
    for (offset, length) in ranges {
        write(&mut image, offset, &vec![0x55; length]);
    }
    image.settle(&mut ChaCha8Rng::seed_from_u64(seed), model);
    let inside = |i: u64| ranges.iter().any(|(offset, length)| (*offset..*offset + *length as u64).contains(&i));
    image.volatile().iter().enumerate().any(|(i, b)| !inside(i as u64) && *b != 0xAA)
}

#[test]
fn powersafe_overwrite_never_changes_bytes_outside_written_ranges() {
    let powersafe = model(512, DeviceCharacteristics::POWERSAFE_OVERWRITE);
    assert!((0..300).all(|seed| !outside_bytes_changed(seed, &powersafe)));
    let plain = model(512, 0);
    assert!((0..300).any(|seed| outside_bytes_changed(seed, &plain)));
}

#[test]
fn pending_truncates_land_or_not_as_a_unit() {
    let (mut landed, mut lost) = (0, 0);
    for seed in 0..100 {
        let mut image = synced(&[3; 5000]);
        truncate(&mut image, 1000);
        let fates = image.settle(&mut ChaCha8Rng::seed_from_u64(seed), &DiskModel::default());
        match fates[0].kind {
            FaultKind::TruncateLanded => {
                landed += 1;
                assert_eq!(image.volatile(), &[3; 1000][..]);
            }
            kind => {
                assert_eq!(kind, FaultKind::TruncateLost);
                lost += 1;
                assert_eq!(image.volatile(), &[3; 5000][..]);
            }
        }
    }
    assert!(landed > 0 && lost > 0);
}

#[test]
fn sector_sizes_are_normalized() {
    assert_eq!(model(1000, 0).normalized().sector_size_bytes, 1024);
    assert_eq!(model(0, 0).normalized().sector_size_bytes, 512);
    assert_eq!(model(u32::MAX, 0).normalized().sector_size_bytes, 65536);
    assert_eq!(model(8192, 0).normalized().sector_size_bytes, 8192);
}

#[test]
fn impossible_sizes_are_full_not_panics() {
    let mut image = FileImage::default();
    assert_eq!(image.write(0, u64::MAX, b"x").unwrap_err().code(), touchstone_engine::error::ErrorCode::Full);
    assert!(image.volatile().is_empty() && !image.has_pending());
}
