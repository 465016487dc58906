//! The shared state of one simulated world: files (as inodes), the I/O call counter and the
//! crash it may trigger, fault draws, virtual time, counters and the event log.
//!
//! Everything here runs under the world's one mutex ([`super::vfs::SimVfs`] holds it); the
//! methods are the building blocks of the `Vfs` / `VfsFile` implementation.
//!
//! Randomness: two ChaCha8 streams of the world's seed. Stream 0 ([`World::fault_rng`])
//! decides faults, latency and crash fates; stream 1 ([`World::random_rng`]) serves
//! xRandomness. So the randomness SQLite or the engine ask for (which differ between the
//! two) never shifts a fault decision, and a run with faults off draws nothing from stream 0
//! until a crash.

use super::clock::SimClock;
use super::disk::{DiskModel, FileImage};
use super::faults::{FaultCounts, FaultEvent, FaultKind, FaultRates, clamp_probability};
use super::stats::IoStats;
use super::written::WrittenRanges;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::ops::Range;
use touchstone_engine::error::{Error, ErrorCode, IoErrorKind, Result};
use touchstone_engine::vfs::{DeviceCharacteristics, LockTable};

/// Identity of a file's contents (an inode); never reused within one world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeId(u64);

/// One file: its bytes, its locks and its liveness.
#[derive(Debug, Default)]
pub struct Node {
    pub image: FileImage,
    pub locks: LockTable,
    /// Handles of the current process that have the node open.
    pub open_handles: usize,
    /// The path the node was created under (for events and crash cleanup).
    pub path: String,
    /// True while its path names this node.
    pub linked: bool,
    /// Opened with delete-on-close: SQLite's unix VFS unlinks such files right after opening
    /// them, so they vanish at a crash.
    pub doomed: bool,
}

/// Everything a `SimVfs` and its open files share.
#[derive(Debug)]
pub struct World {
    pub disk: DiskModel,
    /// Directory: normalized absolute path → file.
    pub paths: BTreeMap<String, NodeId>,
    /// Every file that has a path or an open handle.
    pub nodes: BTreeMap<NodeId, Node>,
    next_node: u64,
    /// The issue number of the next write or truncate (the order of pending operations
    /// across files).
    next_seq: u64,
    /// The current process; handles of an earlier one are dead. Bumped at every crash.
    pub epoch: u64,
    /// True from a crash until `restart`.
    pub crashed: bool,
    /// Counted I/O calls so far (see [`World::begin_call`]).
    pub io_calls: u64,
    /// The counted call at which power is lost, if armed.
    pub crash_at_call: Option<u64>,
    pub rates: FaultRates,
    /// Stream 0: faults, latency, crash fates.
    pub fault_rng: ChaCha8Rng,
    /// Stream 1: xRandomness.
    pub random_rng: ChaCha8Rng,
    pub clock: SimClock,
    pub stats: IoStats,
    pub counts: FaultCounts,
    pub events: Vec<FaultEvent>,
    /// Per normalized path: the bytes changed since they were last taken
    /// ([`World::take_written`]); see [`super::written`] for what counts as a change.
    pub written: BTreeMap<String, WrittenRanges>,
}

impl World {
    /// An empty world of `disk` (normalized), seeded with `seed`, faults off.
    pub fn new(seed: u64, disk: DiskModel) -> World {
        let mut random_rng = ChaCha8Rng::seed_from_u64(seed);
        random_rng.set_stream(1);
        World {
            disk: disk.normalized(),
            paths: BTreeMap::new(),
            nodes: BTreeMap::new(),
            next_node: 0,
            next_seq: 0,
            epoch: 0,
            crashed: false,
            io_calls: 0,
            crash_at_call: None,
            rates: FaultRates::default(),
            fault_rng: ChaCha8Rng::seed_from_u64(seed),
            random_rng,
            clock: SimClock::default(),
            stats: IoStats::default(),
            counts: FaultCounts::default(),
            events: Vec::new(),
            written: BTreeMap::new(),
        }
    }

    /// Starts a counted I/O call (open, delete, read, write, truncate, sync, size) of the
    /// process `epoch`: fails at once for a dead process, counts the call, loses power if the
    /// armed call is reached, then advances virtual time by the latency drawn.
    /// Exit: `Ok` and the call may proceed; or `IoErr` (IoErrorKind::Dead), and the world may
    /// now be crashed.
    pub fn begin_call(&mut self, epoch: u64) -> Result<()> {
        self.check_alive(epoch)?;
        self.io_calls = self.io_calls.saturating_add(1);
        if self.crash_at_call.is_some_and(|call| self.io_calls >= call) {
            self.crash();
            return Err(dead("power lost during this call"));
        }
        if self.rates.latency_max_us > 0 {
            let latency_us = self.fault_rng.random_range(0..=self.rates.latency_max_us);
            self.clock.advance(latency_us);
        }
        Ok(())
    }

    /// Errors with `IoErr` (IoErrorKind::Dead) when `epoch` is not the live process.
    pub fn check_alive(&self, epoch: u64) -> Result<()> {
        if self.crashed || epoch != self.epoch {
            Err(dead("the process that opened this file died in a crash"))
        } else {
            Ok(())
        }
    }

    /// Draws a fault whose probability `rate` picks from the rates in force, from the fault
    /// stream; draws nothing (and says no) when the rate is zero, negative or NaN.
    pub fn draw(&mut self, rate: fn(&FaultRates) -> f64) -> bool {
        let probability = clamp_probability(rate(&self.rates));
        probability > 0.0 && self.fault_rng.random_bool(probability)
    }

    /// Counts a fault of `kind` and logs it.
    pub fn record_fault(&mut self, kind: FaultKind, path: &str, offset: u64, length_bytes: u64) {
        self.counts.record(kind);
        self.events.push(FaultEvent { kind, path: path.to_string(), offset, length_bytes });
    }

    /// The node `id`. Errors: `Internal` if it is gone (a live handle outlived its node).
    pub fn node_mut(&mut self, id: NodeId) -> Result<&mut Node> {
        self.nodes.get_mut(&id).ok_or_else(|| Error::internal(format!("simulated file {id:?} vanished")))
    }

    /// The linked node at `key`, if any.
    pub fn linked(&self, key: &str) -> Option<&Node> {
        self.paths.get(key).and_then(|id| self.nodes.get(id))
    }

    /// The node at `key`, created empty and linked if there is none (creation is durable at
    /// once, as in test6.c).
    pub fn lookup_or_create(&mut self, key: &str) -> NodeId {
        if let Some(id) = self.paths.get(key) {
            return *id;
        }
        let id = NodeId(self.next_node);
        self.next_node += 1;
        self.nodes.insert(id, Node { linked: true, path: key.to_string(), ..Node::default() });
        self.paths.insert(key.to_string(), id);
        id
    }

    /// Records bytes `start_offset..end_offset` of the file at `key` as changed.
    pub fn note_written(&mut self, key: &str, start_offset: u64, end_offset: u64) {
        match self.written.get_mut(key) {
            Some(ranges) => ranges.add(start_offset, end_offset),
            None if start_offset < end_offset => {
                let mut ranges = WrittenRanges::default();
                ranges.add(start_offset, end_offset);
                self.written.insert(key.to_string(), ranges);
            }
            None => {}
        }
    }

    /// The byte ranges of the file at `key` changed since the last call for it (merged, in
    /// order), leaving none recorded.
    pub fn take_written(&mut self, key: &str) -> Vec<Range<u64>> {
        self.written.get_mut(key).map(WrittenRanges::take).unwrap_or_default()
    }

    /// Removes the path `key` (immediately durable); its node goes too unless a handle still
    /// has it open. Its bytes count as changed (they are gone from the path).
    pub fn unlink(&mut self, key: &str) {
        if let Some(id) = self.paths.remove(key) {
            let len_bytes = self.nodes.get(&id).map_or(0, |node| node.image.len_bytes());
            self.note_written(key, 0, len_bytes);
            let orphan = match self.nodes.get_mut(&id) {
                Some(node) => {
                    node.linked = false;
                    node.open_handles == 0
                }
                None => false,
            };
            if orphan {
                self.nodes.remove(&id);
            }
        }
    }

    /// The issue number of a new write or truncate.
    pub fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Makes the pending operations of node `id` durable. On a SEQUENTIAL device, which
    /// writes in issue order, every file's operations issued up to the node's last pending
    /// one become durable too (test6.c's rule).
    /// Errors: `Full` when memory ran out (the rest stays pending), `Internal` for a node gone.
    pub fn sync_node(&mut self, id: NodeId) -> Result<()> {
        let node = self.node_mut(id)?;
        let Some(last) = node.image.pending_seqs().last() else { return Ok(()) };
        node.image.sync()?;
        if self.disk.device.contains(DeviceCharacteristics::SEQUENTIAL) {
            for node in self.nodes.values_mut() {
                node.image.sync_through(last)?;
            }
        }
        Ok(())
    }

    /// Total volatile bytes of all files, unlinked but open ones included.
    pub fn used_bytes(&self) -> u64 {
        self.nodes.values().map(|node| node.image.len_bytes()).sum()
    }

    /// Checks that files may grow by `growth_bytes` in total; past the capacity, counts and
    /// logs ENOSPC for the operation at `path`/`offset` and errors with `Full`.
    pub fn check_growth(&mut self, growth_bytes: u64, path: &str, offset: u64, length_bytes: u64) -> Result<()> {
        match self.disk.capacity_bytes {
            Some(capacity) if growth_bytes > 0 && self.used_bytes().saturating_add(growth_bytes) > capacity => {
                self.record_fault(FaultKind::Enospc, path, offset, length_bytes);
                Err(Error::full(format!("simulated disk full (capacity {capacity} bytes)")))
            }
            _ => Ok(()),
        }
    }

    /// Power loss. Every linked file's pending operations meet their fates (logged and
    /// counted), unlinked and delete-on-close files vanish, every lock is gone, and every
    /// handle open so far is dead. No-op when already crashed.
    /// Exit: `crashed`; every file's volatile view equals its durable image.
    pub fn crash(&mut self) {
        if self.crashed {
            return;
        }
        self.crashed = true;
        self.epoch += 1;
        self.crash_at_call = None;
        self.record_fault(FaultKind::Crash, "", self.io_calls, 0);
        debug_assert!(self.nodes.values().all(|node| node.image.is_consistent()));
        let doomed: Vec<String> =
            self.nodes.values().filter(|node| node.doomed && node.linked).map(|node| node.path.clone()).collect();
        for key in doomed {
            self.unlink(&key);
        }
        self.nodes.retain(|_, node| node.linked);
        // A file with pending operations reverts to what survives of them: counted as
        // changed as a whole (crashes are rare; the page check stops at the first one).
        let reverted: Vec<(String, u64)> = self
            .nodes
            .values()
            .filter(|node| node.image.has_pending())
            .map(|node| (node.path.clone(), node.image.len_bytes().max(node.image.durable().len() as u64)))
            .collect();
        for (key, len_bytes) in reverted {
            self.note_written(&key, 0, len_bytes);
        }
        // Fates in the world's issue order, so that SEQUENTIAL cuts across files.
        let mut order: Vec<(u64, NodeId)> =
            self.nodes.iter().flat_map(|(id, node)| node.image.pending_seqs().map(move |seq| (seq, *id))).collect();
        order.sort_unstable();
        let disk = self.disk;
        let sequential = disk.device.contains(DeviceCharacteristics::SEQUENTIAL);
        let mut cut = false;
        for (_, id) in order {
            let Some(node) = self.nodes.get_mut(&id) else { continue };
            let Some(fate) = node.image.settle_next(&mut self.fault_rng, &disk, cut) else { continue };
            let path = node.path.clone();
            cut |= sequential && !fate.landed();
            self.record_fault(fate.kind, &path, fate.offset, fate.length_bytes);
        }
        for node in self.nodes.values_mut() {
            node.image.finish_crash();
            node.locks = LockTable::new();
            node.open_handles = 0;
        }
    }

    /// Ends a crash: opens work again for a new process. No-op when not crashed.
    pub fn restart(&mut self) {
        self.crashed = false;
    }
}

/// The error of every call of a dead process.
pub fn dead(message: &str) -> Error {
    Error::io(IoErrorKind::Dead, message)
}

/// The error of an open refused because of a crash or an injected fault.
pub fn cant_open(key: &str, why: &str) -> Error {
    Error::new(ErrorCode::CantOpen, format!("{key}: {why}"))
}
