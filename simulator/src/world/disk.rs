//! One file's bytes on the simulated disk: the durable image, the volatile view and the
//! operations not yet synced; and what a power loss makes of them (SQLite's crash-test model,
//! test6.c, refined by device characteristics).
//!
//! Invariant of a [`FileImage`]: `volatile` == `durable` with every `pending` operation
//! replayed in order. Reads see `volatile`; `sync` applies `pending` to `durable`; a crash
//! ([`FileImage::settle_next`], one operation at a time in the world's issue order, then
//! [`FileImage::finish_crash`]) decides the fate of each pending operation, applies the
//! survivors to `durable`, and makes `volatile` equal to it.
//!
//! Crash fates of a pending write (drawn independently per write from the world's fault
//! stream, [`WRITE_FATE_WEIGHTS`]):
//! - landed: the whole write reached the disk;
//! - lost: none of it did;
//! - torn: each sector it touches independently landed or kept its old bytes;
//! - garbage: each sector it touches was filled with random bytes.
//!
//! Device characteristics shape the fates:
//! - ATOMIC, or ATOMICnK for a write within one aligned n KiB unit: never torn nor garbage
//!   (redrawn as landed or lost, even odds).
//! - SEQUENTIAL: the disk writes in issue order across all files (as test6.c models it, and
//!   as SQLite assumes when it skips the journal sync before writing the database): once a
//!   pending operation did not land whole, every later one, of any file, is lost; and a sync
//!   makes durable every operation of any file issued up to the synced file's last one
//!   (the world applies these two rules across files).
//! - SAFE_APPEND: the file grows only over correct data (what SQLite relies on when it lets
//!   a journal's size, not its header, say how many records it holds): the part of a write
//!   past the durable end of file is never garbage; of a torn write a prefix of its sectors
//!   lands, of a garbage or lost one nothing; and once an appended part did not land whole,
//!   no later write grows that file. (test6.c gets the same effect by writing appends whole
//!   and losing every write after a random point of the issue order.)
//! - POWERSAFE_OVERWRITE: torn and garbage writes change only bytes inside the write's range;
//!   without it, garbage fills whole sectors, bytes around the write included (up to the
//!   end of the file or of the write, whichever is further).
//!
//! A pending truncate lands or is lost as a unit (even odds).

use super::faults::FaultKind;
use rand::{Rng, RngExt};
use std::collections::VecDeque;
use touchstone_engine::error::{Error, Result};
use touchstone_engine::vfs::DeviceCharacteristics;

/// The shape of a simulated disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskModel {
    /// The sector size files report and crashes tear at: a power of two from 512 to 65536
    /// (other values are rounded into that range by [`DiskModel::normalized`]).
    pub sector_size_bytes: u32,
    /// What the device guarantees on power loss (SQLITE_IOCAP_*).
    pub device: DeviceCharacteristics,
    /// Limit on the sum of all files' volatile sizes; `None` for no limit.
    pub capacity_bytes: Option<u64>,
}

impl Default for DiskModel {
    /// SQLite's unix defaults: 4096-byte sectors, POWERSAFE_OVERWRITE, no capacity limit.
    fn default() -> DiskModel {
        DiskModel {
            sector_size_bytes: 4096,
            device: DeviceCharacteristics(DeviceCharacteristics::POWERSAFE_OVERWRITE),
            capacity_bytes: None,
        }
    }
}

impl DiskModel {
    /// 4096-byte sectors and no guarantee on power loss (no POWERSAFE_OVERWRITE), no
    /// capacity limit: the disk the scenarios' worlds use unless they say otherwise.
    pub fn plain_4k() -> DiskModel {
        DiskModel { sector_size_bytes: 4096, device: DeviceCharacteristics(0), capacity_bytes: None }
    }

    /// This model with its sector size made a power of two from 512 to 65536 (the next power
    /// of two, clamped), so that any input gives a usable disk.
    pub fn normalized(self) -> DiskModel {
        let sector_size_bytes = self.sector_size_bytes.clamp(512, 65536).next_power_of_two();
        DiskModel { sector_size_bytes, ..self }
    }

    /// True when a write of `length_bytes` at `offset` cannot be torn: the device is ATOMIC,
    /// or has an ATOMICnK unit the write fits in without crossing a unit boundary.
    pub fn write_is_atomic(&self, offset: u64, length_bytes: u64) -> bool {
        if self.device.contains(DeviceCharacteristics::ATOMIC) {
            return true;
        }
        let Some(last) = offset.checked_add(length_bytes.max(1)).and_then(|end| end.checked_sub(1)) else {
            return false;
        };
        (0..8u32).any(|i| {
            let unit_bytes = 512u64 << i;
            self.device.contains(DeviceCharacteristics::ATOMIC512 << i)
                && length_bytes <= unit_bytes
                && offset / unit_bytes == last / unit_bytes
        })
    }
}

/// Weights (out of 100) of a pending write's fate at a crash: landed, lost, torn, garbage.
pub const WRITE_FATE_WEIGHTS: [u32; 4] = [40, 30, 15, 15];

/// One operation issued on a file and not yet synced.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    Write { offset: u64, data: Vec<u8> },
    Truncate { size_bytes: u64 },
}

/// A pending operation with its place in the world's issue order (across all files).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pending {
    seq: u64,
    op: Op,
}

impl Op {
    /// Applies the operation whole to `image`. Errors: `Full` (no memory; image unchanged).
    fn apply(&self, image: &mut Vec<u8>) -> Result<()> {
        match self {
            Op::Write { offset, data } => apply_write(image, *offset, data),
            Op::Truncate { size_bytes } => resize(image, *size_bytes),
        }
    }
}

/// What became of one pending operation at a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fate {
    pub kind: FaultKind,
    /// The write's offset, or the truncate's size.
    pub offset: u64,
    /// The write's length (0 for a truncate).
    pub length_bytes: u64,
}

impl Fate {
    /// True when the operation reached the durable image whole.
    pub fn landed(&self) -> bool {
        matches!(self.kind, FaultKind::WriteLanded | FaultKind::TruncateLanded)
    }
}

/// One file's durable image, volatile view and unsynced operations (see the module doc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileImage {
    durable: Vec<u8>,
    volatile: Vec<u8>,
    /// In issue order (increasing `seq`).
    pending: VecDeque<Pending>,
    /// During a crash on a SAFE_APPEND device: an appended part did not land whole, so no
    /// later write may grow the file (see `apply_write_fate`).
    append_cut: bool,
}

impl FileImage {
    /// The bytes reads see.
    pub fn volatile(&self) -> &[u8] {
        &self.volatile
    }

    /// The bytes that survive a power loss for sure.
    pub fn durable(&self) -> &[u8] {
        &self.durable
    }

    /// The size reads see, in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.volatile.len() as u64
    }

    /// True when some operation awaits a sync.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The issue numbers of the pending operations, oldest first.
    pub fn pending_seqs(&self) -> impl Iterator<Item = u64> + '_ {
        self.pending.iter().map(|pending| pending.seq)
    }

    /// Copies the volatile bytes at `offset` into `buf`, zero-filling past the end; returns
    /// how many bytes came from the file.
    pub fn read(&self, buf: &mut [u8], offset: u64) -> usize {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let available = self.volatile.get(start..).unwrap_or(&[]);
        let bytes_read = available.len().min(buf.len());
        buf[..bytes_read].copy_from_slice(&available[..bytes_read]);
        buf[bytes_read..].fill(0);
        bytes_read
    }

    /// Writes `data` at `offset` into the volatile view and records it as pending with issue
    /// number `seq` (larger than any pending one). Entry: the caller checked the capacity.
    /// Exit: `Ok` and the write is visible and pending; or `Full` (no memory for it) and
    /// nothing changed. An empty write is a no-op.
    pub fn write(&mut self, seq: u64, offset: u64, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut copy = Vec::new();
        copy.try_reserve_exact(data.len()).map_err(|_| out_of_memory(offset))?;
        copy.extend_from_slice(data);
        self.pending.try_reserve(1).map_err(|_| out_of_memory(offset))?;
        apply_write(&mut self.volatile, offset, data)?;
        self.push(seq, Op::Write { offset, data: copy });
        Ok(())
    }

    /// Truncates (or zero-extends) the volatile view to `size_bytes` and records it as
    /// pending with issue number `seq`. Entry and exit: as [`FileImage::write`].
    pub fn truncate(&mut self, seq: u64, size_bytes: u64) -> Result<()> {
        self.pending.try_reserve(1).map_err(|_| out_of_memory(size_bytes))?;
        resize(&mut self.volatile, size_bytes)?;
        self.push(seq, Op::Truncate { size_bytes });
        Ok(())
    }

    /// Appends a pending operation (room was reserved).
    fn push(&mut self, seq: u64, op: Op) {
        debug_assert!(self.pending.back().is_none_or(|last| last.seq < seq));
        self.pending.push_back(Pending { seq, op });
    }

    /// Makes every pending operation durable, in order: O(bytes pending).
    /// Exit: as [`FileImage::sync_through`]; with `Ok`, `durable == volatile`.
    pub fn sync(&mut self) -> Result<()> {
        self.sync_through(u64::MAX)
    }

    /// Makes the pending operations issued at or before `seq` durable, in order.
    /// Exit: `Ok` with none of them pending; or `Full` (no memory) with the operations
    /// before the failing one durable and the rest still pending.
    pub fn sync_through(&mut self, seq: u64) -> Result<()> {
        while let Some(pending) = self.pending.front() {
            if pending.seq > seq {
                break;
            }
            pending.op.apply(&mut self.durable)?;
            self.pending.pop_front();
        }
        debug_assert!(self.has_pending() || self.durable == self.volatile);
        Ok(())
    }

    /// Makes both the durable image and the volatile view exactly `bytes`, nothing pending.
    /// Errors: `Full` when memory cannot be had (nothing changed).
    pub fn replace(&mut self, bytes: &[u8]) -> Result<()> {
        let mut durable = Vec::new();
        durable.try_reserve_exact(bytes.len()).map_err(|_| out_of_memory(0))?;
        durable.extend_from_slice(bytes);
        let mut volatile = Vec::new();
        volatile.try_reserve_exact(bytes.len()).map_err(|_| out_of_memory(0))?;
        volatile.extend_from_slice(bytes);
        *self = FileImage { durable, volatile, pending: VecDeque::new(), append_cut: false };
        Ok(())
    }

    /// The durable image with every pending operation replayed: what `volatile` must be.
    /// `None` when memory ran out. For invariant checks (O(file size)).
    pub fn replayed(&self) -> Option<Vec<u8>> {
        let mut image = self.durable.clone();
        for pending in &self.pending {
            pending.op.apply(&mut image).ok()?;
        }
        Some(image)
    }

    /// True when the invariant holds: `volatile` == `durable` + `pending` replayed.
    pub fn is_consistent(&self) -> bool {
        self.replayed().is_some_and(|image| image == self.volatile)
    }

    /// Power loss, one operation at a time: decides the fate of the oldest pending operation
    /// with `rng` under `model` (lost without a draw when `cut`: a SEQUENTIAL device stopped
    /// earlier) and applies what survives of it to the durable image.
    /// Entry: the crash has begun (reads must not happen until [`FileImage::finish_crash`]).
    /// Exit: that operation is no longer pending; `None` when nothing was pending. An
    /// operation that cannot be applied for lack of memory counts as lost.
    pub fn settle_next(&mut self, rng: &mut impl Rng, model: &DiskModel, cut: bool) -> Option<Fate> {
        let Pending { op, .. } = self.pending.pop_front()?;
        let image = &mut self.durable;
        Some(match op {
            Op::Truncate { size_bytes } => {
                let lands = !cut && rng.random_bool(0.5) && resize(image, size_bytes).is_ok();
                let kind = if lands { FaultKind::TruncateLanded } else { FaultKind::TruncateLost };
                Fate { kind, offset: size_bytes, length_bytes: 0 }
            }
            Op::Write { offset, data } => {
                let drawn = if cut { FaultKind::WriteLost } else { draw_write_fate(rng, model, offset, &data) };
                let kind = apply_write_fate(image, rng, model, offset, &data, drawn, &mut self.append_cut);
                Fate { kind, offset, length_bytes: data.len() as u64 }
            }
        })
    }

    /// Ends a crash: every pending operation is dropped (they should all have been settled)
    /// and the volatile view becomes the durable image.
    pub fn finish_crash(&mut self) {
        self.pending.clear();
        self.append_cut = false;
        self.volatile.clone_from(&self.durable);
    }

    /// Power loss for this file alone: settles every pending operation in order (SEQUENTIAL
    /// cutting after the first one that does not land whole) and returns their fates.
    /// Exit: nothing pending; `volatile == durable`.
    #[cfg(test)]
    pub fn settle(&mut self, rng: &mut impl Rng, model: &DiskModel) -> Vec<Fate> {
        debug_assert!(self.is_consistent());
        let sequential = model.device.contains(DeviceCharacteristics::SEQUENTIAL);
        let mut cut = false;
        let mut fates = Vec::new();
        while let Some(fate) = self.settle_next(rng, model, cut) {
            cut |= sequential && !fate.landed();
            fates.push(fate);
        }
        self.finish_crash();
        fates
    }
}

/// Draws the fate of a pending write of `data` at `offset` (one of the four write kinds).
fn draw_write_fate(rng: &mut impl Rng, model: &DiskModel, offset: u64, data: &[u8]) -> FaultKind {
    let [landed, lost, torn, _] = WRITE_FATE_WEIGHTS;
    let total: u32 = WRITE_FATE_WEIGHTS.iter().sum();
    let roll = rng.random_range(0..total);
    let kind = if roll < landed {
        FaultKind::WriteLanded
    } else if roll < landed + lost {
        FaultKind::WriteLost
    } else if roll < landed + lost + torn {
        FaultKind::WriteTorn
    } else {
        FaultKind::WriteGarbage
    };
    let damaged = matches!(kind, FaultKind::WriteTorn | FaultKind::WriteGarbage);
    if damaged && model.write_is_atomic(offset, data.len() as u64) {
        if rng.random_bool(0.5) { FaultKind::WriteLanded } else { FaultKind::WriteLost }
    } else {
        kind
    }
}

/// Applies a write of `data` at `offset` to `image` with fate `kind`; returns the fate that
/// happened. With SAFE_APPEND the part past the durable end (`image`'s length) is handled
/// apart: a prefix of it lands (all of it for a landed write, a prefix of sectors for a torn
/// one, none for a lost or garbage one, none at all once `append_cut`), and once a part does
/// not land whole `append_cut` is set, so the file only ever grows over correct data.
/// A landed write whose appended part was cut is reported torn (or lost if nothing of it
/// landed); a write that runs out of memory is reported lost.
fn apply_write_fate(
    image: &mut Vec<u8>,
    rng: &mut impl Rng,
    model: &DiskModel,
    offset: u64,
    data: &[u8],
    kind: FaultKind,
    append_cut: &mut bool,
) -> FaultKind {
    let end = offset + data.len() as u64;
    let split = if model.device.contains(DeviceCharacteristics::SAFE_APPEND) {
        (image.len() as u64).clamp(offset, end)
    } else {
        end
    };
    let in_file = &data[..(split - offset) as usize];
    let applied = match kind {
        FaultKind::WriteLanded => apply_write(image, offset, in_file),
        FaultKind::WriteTorn | FaultKind::WriteGarbage => damage_range(image, rng, model, offset, in_file, kind),
        _ => Ok(()),
    };
    if applied.is_err() {
        return FaultKind::WriteLost;
    }
    if split == end {
        return kind;
    }
    let sector_bytes = u64::from(model.sector_size_bytes);
    let mut landed_end = match kind {
        _ if *append_cut => split,
        FaultKind::WriteLanded => end,
        FaultKind::WriteTorn => {
            let first_sector = split / sector_bytes;
            let sectors = (end - 1) / sector_bytes - first_sector + 1;
            let landed_sectors = rng.random_range(0..=sectors);
            ((first_sector + landed_sectors) * sector_bytes).clamp(split, end)
        }
        _ => split,
    };
    if landed_end > split
        && apply_write(image, split, &data[(split - offset) as usize..(landed_end - offset) as usize]).is_err()
    {
        landed_end = split;
    }
    *append_cut |= landed_end < end;
    match kind {
        FaultKind::WriteLanded if landed_end < end && landed_end > offset => FaultKind::WriteTorn,
        FaultKind::WriteLanded if landed_end < end => FaultKind::WriteLost,
        _ => kind,
    }
}

/// Applies the torn or garbage fate to the write of `part` at `offset`, sector by sector:
/// torn, each sector's share of the write lands or not; garbage, random bytes fill the
/// write's share (POWERSAFE_OVERWRITE) or the whole sector, clipped to the end of the file or
/// of the write, whichever is further.
fn damage_range(
    image: &mut Vec<u8>,
    rng: &mut impl Rng,
    model: &DiskModel,
    offset: u64,
    part: &[u8],
    kind: FaultKind,
) -> Result<()> {
    if part.is_empty() {
        return Ok(());
    }
    let sector_bytes = u64::from(model.sector_size_bytes);
    let end = offset + part.len() as u64;
    let clip_end = end.max(image.len() as u64);
    let powersafe = model.device.contains(DeviceCharacteristics::POWERSAFE_OVERWRITE);
    let mut sector_start = offset / sector_bytes * sector_bytes;
    while sector_start < end {
        let sector_end = sector_start + sector_bytes;
        let (from, to) = (sector_start.max(offset), sector_end.min(end));
        if kind == FaultKind::WriteTorn {
            if rng.random_bool(0.5) {
                apply_write(image, from, &part[(from - offset) as usize..(to - offset) as usize])?;
            }
        } else if powersafe {
            fill_garbage(image, rng, from, to)?;
        } else {
            fill_garbage(image, rng, sector_start, sector_end.min(clip_end))?;
        }
        sector_start = sector_end;
    }
    Ok(())
}

/// Fills `image[from..to]` with random bytes, extending the image as needed.
fn fill_garbage(image: &mut Vec<u8>, rng: &mut impl Rng, from: u64, to: u64) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    if to > image.len() as u64 {
        resize(image, to)?;
    }
    rng.fill_bytes(&mut image[from as usize..to as usize]);
    Ok(())
}

/// Copies `data` into `image` at `offset`, zero-extending the image as needed (an empty
/// `data` changes nothing, as a zero-length POSIX write). Errors: `Full` when the end is past addressable memory or memory cannot be had (the
/// image is unchanged).
pub fn apply_write(image: &mut Vec<u8>, offset: u64, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let end = offset.checked_add(data.len() as u64).ok_or_else(|| out_of_memory(offset))?;
    if end > image.len() as u64 {
        resize(image, end)?;
    }
    // `end` fits in usize: the image is at least that long.
    let start = offset as usize;
    image[start..start + data.len()].copy_from_slice(data);
    Ok(())
}

/// Sets `image`'s length to `size_bytes`, zero-filling growth.
/// Errors: `Full` when memory cannot be had (the image is unchanged).
pub fn resize(image: &mut Vec<u8>, size_bytes: u64) -> Result<()> {
    let new_len = usize::try_from(size_bytes).map_err(|_| out_of_memory(size_bytes))?;
    if new_len > image.len() {
        image.try_reserve(new_len - image.len()).map_err(|_| out_of_memory(size_bytes))?;
    }
    image.resize(new_len, 0);
    Ok(())
}

/// The error of a size the simulated disk cannot hold in memory.
fn out_of_memory(bytes: u64) -> Error {
    Error::full(format!("simulated file size {bytes} exceeds memory"))
}

#[cfg(test)]
#[path = "disk_tests.rs"]
mod tests;
